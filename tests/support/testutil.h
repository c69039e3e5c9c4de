/*
 * testutil.h - shared helpers for the cmocka unit tests.
 *
 * Include after <stdarg.h> <stddef.h> <setjmp.h> <stdint.h>, or just include
 * this header first: it pulls them and <cmocka.h> in the right order.
 */
#ifndef RT_TESTUTIL_H
#define RT_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Path of a file under tests/fixtures/ (new string). */
char *fixture_path(const char *rel);
/* Path of a file under the shared fixtures (RACKTOP_SHARED_FIXTURES or the build default). */
char *shared_fixture_path(const char *rel);
/* Whole file as a NUL-terminated string, or NULL. */
char *load_file(const char *path, size_t *len);
/* Compare text with a golden file; with RT_TEST_REGENERATE=1 rewrite it instead. 0 if equal. */
int compare_to_file(const char *text, const char *path);
/* A fresh temporary directory (new string), removed by rm_rf(). */
char *make_tmpdir(void);
void rm_rf(const char *path);

#endif
