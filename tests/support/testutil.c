/*
 * testutil.c - fixture paths, golden files and temporary directories.
 */
#include "testutil.h"

#include "core/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *fixture_path(const char *rel)
{
    return xasprintf("%s/%s", RT_TEST_FIXTURES, rel);
}

char *shared_fixture_path(const char *rel)
{
    const char *base = getenv("RACKTOP_SHARED_FIXTURES");

    if (base == NULL || base[0] == '\0')
        base = RT_SHARED_FIXTURES;
    return xasprintf("%s/%s", base, rel);
}

char *load_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0, got;

    if (f == NULL)
        return NULL;
    do {
        buf = xgrow(buf, &cap, n + 4096 + 1, 1);
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0);
    fclose(f);
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

int compare_to_file(const char *text, const char *path)
{
    const char *regen = getenv("RT_TEST_REGENERATE");
    char *want;
    int rc;

    if (regen != NULL && strcmp(regen, "1") == 0) {
        FILE *f = fopen(path, "wb");
        if (f == NULL)
            return -1;
        fputs(text, f);
        fclose(f);
        return 0;
    }
    want = load_file(path, NULL);
    if (want == NULL) {
        fprintf(stderr, "golden file '%s' is missing (RT_TEST_REGENERATE=1 creates it)\n", path);
        return -1;
    }
    rc = strcmp(want, text) == 0 ? 0 : -1;
    if (rc != 0)
        fprintf(stderr, "output differs from '%s':\n--- want\n%s\n--- got\n%s\n", path, want, text);
    free(want);
    return rc;
}

char *make_tmpdir(void)
{
    char tmpl[] = "/tmp/racktop-test-XXXXXX";

    if (mkdtemp(tmpl) == NULL)
        return NULL;
    return xstrdup(tmpl);
}

void rm_rf(const char *path)
{
    char *cmd;

    if (path == NULL || strncmp(path, "/tmp/racktop-test-", 18) != 0)
        return;
    cmd = xasprintf("rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove '%s'\n", path);
    free(cmd);
}
