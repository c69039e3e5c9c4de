/*
 * strbuf.h - a growable, always NUL-terminated byte string.
 *
 *     struct strbuf sb = STRBUF_INIT;
 *     strbuf_addf(&sb, "%d rows", n);
 *     puts(sb.buf);              (sb.buf is never NULL after any add)
 *     strbuf_done(&sb);
 */
#ifndef RT_STRBUF_H
#define RT_STRBUF_H

#include <stddef.h>

struct strbuf {
    char *buf;
    size_t len;
    size_t cap;
};

#define STRBUF_INIT {NULL, 0, 0}

void strbuf_add(struct strbuf *sb, const void *data, size_t n);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addc(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Make room for `extra` more bytes (a known length: one allocation instead of doublings). */
void strbuf_reserve(struct strbuf *sb, size_t extra);
void strbuf_reset(struct strbuf *sb);
/* Hand the buffer to the caller (free() it); sb is reset. Never returns NULL. */
char *strbuf_take(struct strbuf *sb);
void strbuf_done(struct strbuf *sb);

#endif
