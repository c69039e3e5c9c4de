/*
 * err.c - rt_error helpers and the fatal path.
 *
 * rt_fatal() runs the registered hook once (the TUI uses it to call endwin()
 * so the operator's terminal is restored), prints one line and aborts.
 * Thread-safe: errors are caller-owned values; the hook is set once at start.
 */
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void (*fatal_hook)(void);

int rt_err_vset(struct rt_error *err, enum rt_err code, long detail, const char *fmt, va_list ap)
{
    if (err == NULL)
        return -1;
    err->code = code;
    err->detail = detail;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    return -1;
}

int rt_err_set(struct rt_error *err, enum rt_err code, long detail, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    rt_err_vset(err, code, detail, fmt, ap);
    va_end(ap);
    return -1;
}

void rt_err_copy(struct rt_error *dst, const struct rt_error *src)
{
    if (dst != NULL && src != NULL && dst != src)
        *dst = *src;
}

void rt_err_clear(struct rt_error *err)
{
    if (err != NULL)
        memset(err, 0, sizeof *err);
}

const char *rt_err_name(enum rt_err code)
{
    static const char *const names[] = {
        [RT_OK] = "ok",
        [RT_ERR_NOMEM] = "no-memory",
        [RT_ERR_ARG] = "bad-argument",
        [RT_ERR_UNSUPPORTED] = "unsupported",
        [RT_ERR_AUTH] = "auth",
        [RT_ERR_NOT_FOUND] = "not-found",
        [RT_ERR_CONFLICT] = "conflict",
        [RT_ERR_REFUSED] = "refused",
        [RT_ERR_TRANSPORT] = "transport",
        [RT_ERR_HTTP] = "http",
        [RT_ERR_PARSE] = "parse",
        [RT_ERR_CONFIG] = "config",
        [RT_ERR_DB] = "database",
        [RT_ERR_SSH] = "ssh",
        [RT_ERR_LIBVIRT] = "libvirt",
        [RT_ERR_TIMEOUT] = "timeout",
        [RT_ERR_INTERNAL] = "internal",
    };
    if ((unsigned)code < sizeof names / sizeof names[0] && names[code] != NULL)
        return names[code];
    return "unknown";
}

int rt_err_exit_code(const struct rt_error *err)
{
    if (err == NULL)
        return 1;
    switch (err->code) {
    case RT_OK:
        return 0;
    case RT_ERR_ARG:
    case RT_ERR_CONFIG:
        return 2;
    case RT_ERR_REFUSED:
        return 3;
    case RT_ERR_NOT_FOUND:
        return 4;
    default:
        return 1;
    }
}

void rt_set_fatal_hook(void (*hook)(void))
{
    fatal_hook = hook;
}

_Noreturn void rt_fatal(const char *fmt, ...)
{
    va_list ap;
    void (*hook)(void) = fatal_hook;

    fatal_hook = NULL;
    if (hook != NULL)
        hook();
    fputs("racktop: fatal: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}
