/*
 * err.h - the one error type of racktop.
 *
 * A failing function sets the error once, where the failure happens (the
 * innermost layer that knows why), and returns -1 or NULL; callers propagate
 * without rewriting it.  The message is a single line meant for an operator;
 * `detail` carries the HTTP status, CURLcode, sqlite rc or errno.
 *
 *     struct rt_error err = {0};
 *     if (store_open(path, &st, &err) < 0)
 *         fprintf(stderr, "racktop: %s\n", err.msg);
 */
#ifndef RT_ERR_H
#define RT_ERR_H

#include <stdarg.h>

enum rt_err {
    RT_OK = 0,
    RT_ERR_NOMEM,
    RT_ERR_ARG,         /* bad usage or input: exit 2 */
    RT_ERR_UNSUPPORTED, /* the provider lacks the kind or action */
    RT_ERR_AUTH,
    RT_ERR_NOT_FOUND,   /* exit 4 */
    RT_ERR_CONFLICT,    /* backend refused a transition (409-style) */
    RT_ERR_REFUSED,     /* read-only or unconfirmed destructive action: exit 3 */
    RT_ERR_TRANSPORT,
    RT_ERR_HTTP,
    RT_ERR_PARSE,
    RT_ERR_CONFIG,      /* malformed configuration: exit 2 */
    RT_ERR_DB,
    RT_ERR_SSH,
    RT_ERR_LIBVIRT,
    RT_ERR_TIMEOUT,
    RT_ERR_INTERNAL,
};

struct rt_error {
    enum rt_err code;
    long detail;
    char msg[256];
};

/* Set `err` (may be NULL) and return -1, so callers can `return rt_err_set(...)`. */
int rt_err_set(struct rt_error *err, enum rt_err code, long detail, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int rt_err_vset(struct rt_error *err, enum rt_err code, long detail, const char *fmt,
                va_list ap);
/* Copy src into dst (either may be NULL). */
void rt_err_copy(struct rt_error *dst, const struct rt_error *src);
void rt_err_clear(struct rt_error *err);
/* Stable lower-case name of a code, e.g. "not-found". */
const char *rt_err_name(enum rt_err code);
/* The command-line exit code for an error: 1 backend, 2 usage, 3 refused, 4 not found. */
int rt_err_exit_code(const struct rt_error *err);

/* Broken invariants abort (after the fatal hook restores the terminal). */
#define RT_ASSERT(cond)                                                                       \
    do {                                                                                      \
        if (!(cond))                                                                          \
            rt_fatal("%s:%d: assertion failed: %s", __FILE__, __LINE__, #cond);              \
    } while (0)

/* Called before aborting; the TUI registers endwin() here. */
void rt_set_fatal_hook(void (*hook)(void));
_Noreturn void rt_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
