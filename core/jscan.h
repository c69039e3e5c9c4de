/*
 * jscan.h - a JSON scanner that checks and walks text without building a
 * tree, for replies too large to parse whole (10 000 Nova servers are 20 MB
 * of pages, of which a listing needs a tenth).
 *
 * A `struct jscan` is a pull cursor over one text: it enters objects and
 * arrays, steps from member to member, and either skips a value (checking
 * it: RFC 8259 grammar, escapes, UTF-8, nesting depth) or hands back its
 * byte span.  Only what the caller asks for is built as a jansson value
 * (jscan_build(), jscan_pick()).  Every byte the cursor passes is checked
 * once, so a malformed or truncated reply is an error with a position, never
 * a crash or a read past the end.  Nothing is allocated except by the
 * builders.  The text need not be NUL-terminated.
 *
 *     struct jscan c;
 *     struct jscan_span key, item;
 *     struct jscan_error e;
 *     jscan_init(&c, text, len);
 *     if (jscan_enter(&c, &e) < 0) ...                       top-level object
 *     while ((rc = jscan_next(&c, &key, &e)) > 0) {
 *         if (!jscan_key_is(&c, key, "servers")) {
 *             if (jscan_skip(&c, NULL, &e) < 0) ...
 *             continue;
 *         }
 *         jscan_enter(&c, &e);                                the array
 *         while ((rc = jscan_next(&c, NULL, &e)) > 0)
 *             obj = jscan_pick(&c, keys, &item, &e);          one server, some keys
 *     }
 *     if (rc < 0 || jscan_end(&c, &e) < 0) ...                e.msg, e.pos
 *
 * Duplicate keys: jscan_pick() keeps the last, as jansson does.  "\u0000"
 * is refused, as jansson does without JSON_ALLOW_NUL.
 *
 * Threading: a cursor is used by one thread; the functions keep no state.
 */
#ifndef RT_JSCAN_H
#define RT_JSCAN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Deepest nesting accepted (a reply nested deeper is an error, not a stack overflow). */
#define RT_JSCAN_MAX_DEPTH 512
/* Levels a cursor can enter explicitly with jscan_enter(). */
#define RT_JSCAN_MAX_LEVELS 16

/* A value's bytes: text[start .. end).  Strings include their quotes. */
struct jscan_span {
    size_t start, end;
};

struct jscan_error {
    size_t pos;             /* byte offset of the problem */
    char msg[96];           /* "unexpected 'x' at byte 12", "truncated at byte 40", ... */
};

enum jscan_type {
    JSCAN_TYPE_NONE, JSCAN_TYPE_OBJECT, JSCAN_TYPE_ARRAY, JSCAN_TYPE_STRING,
    JSCAN_TYPE_NUMBER, JSCAN_TYPE_TRUE, JSCAN_TYPE_FALSE, JSCAN_TYPE_NULL
};

struct jscan {
    const char *text;
    size_t len;
    size_t pos;             /* next byte to read */
    int depth;              /* levels entered */
    unsigned char level[RT_JSCAN_MAX_LEVELS];   /* '{' or '[' per level */
    unsigned char first[RT_JSCAN_MAX_LEVELS];   /* no member read yet at that level */
    int trusted;            /* see jscan_init_trusted() */
    int key_esc;            /* the key jscan_next() read last holds an escape */
};

/* Start a cursor at the beginning of text (len bytes, borrowed for the cursor's life). */
void jscan_init(struct jscan *c, const char *text, size_t len);
/*
 * The same over text a cursor has already checked whole (a page scanned before it is
 * mapped): values and keys are skipped by their brackets and quotes without checking
 * strings, numbers or the grammar again (the OpenStack mapper read each server's nested
 * members at twice the cost of scanning the whole server).  Never reads past len; on text
 * that was not checked, what it finds is unspecified.
 */
void jscan_init_trusted(struct jscan *c, const char *text, size_t len);
/* Type of the value at the cursor (after whitespace), JSCAN_TYPE_NONE at the end or on a
 * byte no value starts with.  Does not move. */
enum jscan_type jscan_peek(struct jscan *c);
/* Enter the object or array at the cursor.  0, or -1 (e set) when the value there is
 * something else or the cursor is too deep. */
int jscan_enter(struct jscan *c, struct jscan_error *e);
/* Step to the next member of the innermost entered container: 1 with the cursor on its
 * value (and *key, when not NULL, the member's key span in an object; {0,0} in an array);
 * 0 at the container's end (the cursor leaves it, past its closing bracket); -1 (e set)
 * when the text is malformed there. */
int jscan_next(struct jscan *c, struct jscan_span *key, struct jscan_error *e);
/* Check the value at the cursor and move past it; its span in *span when not NULL.
 * 0 or -1 (e set). */
int jscan_skip(struct jscan *c, struct jscan_span *span, struct jscan_error *e);
/* After the top-level value: only whitespace may follow.  0 or -1 (e set). */
int jscan_end(struct jscan *c, struct jscan_error *e);

/* 1 when the key span (as from jscan_next()) is the string `want`, escapes decoded. */
int jscan_key_is(const struct jscan *c, struct jscan_span key, const char *want);
/* A string span (checked) decoded into a new NUL-terminated string (xmalloc), or NULL
 * when the span is not a string. */
char *jscan_strdup(const char *text, struct jscan_span s);

/* The same into buf (size bytes): buf, or NULL when the span is not a string or does not
 * fit (size < s.end - s.start - 1 is always enough). */
char *jscan_strcpy(const char *text, struct jscan_span s, char *buf, size_t size);
/* jscan_strcpy() giving in *n the decoded length as strlen() would see it (a "\u0000"
 * ends the text there, as it ends a C string), without a second pass when the string
 * holds no escape. */
char *jscan_strcpy_n(const char *text, struct jscan_span s, char *buf, size_t size, size_t *n);

/*
 * A jansson value built from a span that a cursor has checked (jscan_skip()): new
 * reference.  Integers too large for json_int_t become reals.  Never NULL (allocation
 * failure aborts, as xmalloc does).
 */
json_t *jscan_build(const char *text, struct jscan_span v);
/*
 * The object at the cursor, checked whole, in one pass: vals[i] is the span of its member
 * keys[i] (NULL-terminated, at most 64), {0, 0} when it has none (the last one when it has
 * several); *span (when not NULL) the object's bytes.  The cursor moves past it.  0, or
 * -1 (e set) when the value is not an object or is malformed.
 */
int jscan_fields(struct jscan *c, const char *const *keys, struct jscan_span *vals,
                 struct jscan_span *span, struct jscan_error *e);
/*
 * The names of jscan_fields() prepared once for many objects (a page of 1 000 servers,
 * 40 members each, 21 names wanted): their lengths, and per length the names that have
 * it, so a member is compared only with names of its length.  `keys` is borrowed; names
 * hold no backslash.
 */
#define RT_JSCAN_MAX_KEYS 64
struct jscan_keys {
    const char *const *keys;
    size_t n;
    size_t len[RT_JSCAN_MAX_KEYS];
    uint64_t by_len[32];  /* n > 8: bit j set when keys[j] has this length (the last: 31
                           * or more); a few names are compared in a row instead */
    uint64_t head[RT_JSCAN_MAX_KEYS];   /* the first eight bytes of each name, as loaded */
    uint64_t mask[RT_JSCAN_MAX_KEYS];   /* which of them the name has */
};
void jscan_keys_init(struct jscan_keys *ks, const char *const *keys);
/* jscan_fields() with prepared names. */
int jscan_fields_set(struct jscan *c, const struct jscan_keys *ks, struct jscan_span *vals,
                     struct jscan_span *span, struct jscan_error *e);
/* 1 when the span is present (as jscan_fields() leaves an absent member: {0, 0}). */
static inline int jscan_has(struct jscan_span v)
{
    return v.end > v.start;
}
/*
 * The object at the cursor, checked whole, reduced to the members named in `keys`
 * (NULL-terminated; NULL = every member): a new object, and in *span (when not NULL)
 * the object's bytes.  The cursor moves past it.  NULL (e set) when the value is not
 * an object or is malformed.
 */
json_t *jscan_pick(struct jscan *c, const char *const *keys, struct jscan_span *span,
                   struct jscan_error *e);

#endif
