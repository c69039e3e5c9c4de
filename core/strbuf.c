/*
 * strbuf.c - growable strings.
 */
#include "strbuf.h"

#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_reserve(struct strbuf *sb, size_t extra)
{
    int fresh = sb->buf == NULL;

    if (fresh || sb->len + extra + 1 > sb->cap)
        sb->buf = xgrow(sb->buf, &sb->cap, sb->len + extra + 1, 1);
    if (fresh)
        sb->buf[0] = '\0'; /* a reserved, still empty buffer is the empty string */
}

void strbuf_add(struct strbuf *sb, const void *data, size_t n)
{
    strbuf_reserve(sb, n);
    if (n > 0)
        memcpy(sb->buf + sb->len, data, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void strbuf_adds(struct strbuf *sb, const char *s)
{
    strbuf_add(sb, s, strlen(s));
}

void strbuf_addc(struct strbuf *sb, char c)
{
    strbuf_reserve(sb, 1);
    sb->buf[sb->len++] = c;
    sb->buf[sb->len] = '\0';
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    strbuf_reserve(sb, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void strbuf_reset(struct strbuf *sb)
{
    sb->len = 0;
    if (sb->buf != NULL)
        sb->buf[0] = '\0';
}

char *strbuf_take(struct strbuf *sb)
{
    char *p;

    if (sb->buf == NULL)
        strbuf_reserve(sb, 0), sb->buf[0] = '\0';
    p = sb->buf;
    sb->buf = NULL;
    sb->len = sb->cap = 0;
    return p;
}

void strbuf_done(struct strbuf *sb)
{
    free(sb->buf);
    sb->buf = NULL;
    sb->len = sb->cap = 0;
}
