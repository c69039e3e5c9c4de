/*
 * jscan.c - the JSON scanner (see jscan.h for the contract and an example).
 *
 * Two layers.  scan_value() checks one value of any depth without recursion
 * (a byte stack of open brackets, RT_JSCAN_MAX_DEPTH deep) and returns where
 * it ends; the cursor functions (jscan_enter/next/skip) walk the few levels
 * a caller cares about and hand everything else to scan_value(), so each
 * byte of a reply is checked exactly once.  jscan_fields_set(), the hot path
 * of a listing (every member of 1 000 servers a page), walks an object's
 * members in a loop of its own with those steps inlined, and strings are
 * checked eight bytes a step inline before the full check is called.  The
 * builders (jscan_build, jscan_pick) then walk again only the spans the
 * caller wants, trusting the check: they never look past a span a cursor has
 * accepted.
 *
 * Checks, as jansson's parser makes them: the grammar of RFC 8259 (no
 * trailing commas, no leading zeros, literals spelled out), string escapes
 * (\uXXXX with paired surrogates, no \u0000), no raw control characters in
 * strings, well-formed UTF-8 (no overlong forms, no surrogates, nothing above
 * U+10FFFF), and a nesting limit so hostile input cannot exhaust the stack.
 */
#include "core/jscan.h"

#include "core/err.h"
#include "core/util.h"
#include "core/xalloc.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if JSON_INTEGER_IS_LONG_LONG
#define JSCAN_INT_MAX LLONG_MAX
#else
#define JSCAN_INT_MAX LONG_MAX
#endif

/* Bytes that can appear in a string with no further thought: printable ASCII
 * except the quote and the backslash. */
static const unsigned char plain[256] = {
#define P16 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
    [0x20] = 1, [0x21] = 1, [0x22] = 0, [0x23] = 1, [0x24] = 1, [0x25] = 1, [0x26] = 1,
    [0x27] = 1, [0x28] = 1, [0x29] = 1, [0x2a] = 1, [0x2b] = 1, [0x2c] = 1, [0x2d] = 1,
    [0x2e] = 1, [0x2f] = 1,
    [0x30] = P16, [0x40] = P16,
    [0x50] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, [0x5c] = 0, [0x5d] = 1, 1, 1,
    [0x60] = P16, [0x70] = P16,
#undef P16
};

static int is_ws(unsigned char ch)
{
    return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t';
}

static inline size_t skip_ws(const char *s, size_t n, size_t i)
{
    /* Most calls land on a token (every whitespace byte is <= ' '), or on the one space
     * Python's json.dumps() puts after each ',' and ':' (Nova, Cinder, Neutron replies). */
    if (i < n && (unsigned char)s[i] > ' ')
        return i;
    if (i + 1 < n && s[i] == ' ' && (unsigned char)s[i + 1] > ' ')
        return i + 1;
    while (i < n && is_ws((unsigned char)s[i]))
        i++;
    return i;
}

static int fail(struct jscan_error *e, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct jscan_error *e, size_t pos, const char *fmt, ...)
{
    va_list ap;

    if (e != NULL) {
        e->pos = pos;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* "unexpected 'x' at byte N" or "truncated at byte N". */
static int unexpected(struct jscan_error *e, const char *s, size_t n, size_t i, const char *wanted)
{
    unsigned char ch;

    if (i >= n)
        return fail(e, i, "truncated at byte %zu (%s expected)", i, wanted);
    ch = (unsigned char)s[i];
    if (ch >= 0x21 && ch < 0x7f)
        return fail(e, i, "unexpected '%c' at byte %zu (%s expected)", ch, i, wanted);
    return fail(e, i, "unexpected byte 0x%02x at byte %zu (%s expected)", ch, i, wanted);
}

static int hexval(unsigned char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* The code unit of "\uXXXX" whose 'u' is at s[i]; -1 when it is not four hex digits. */
static long hex4(const unsigned char *u, size_t n, size_t i)
{
    long v = 0;

    if (i + 4 >= n)
        return -1;
    for (size_t k = 1; k <= 4; k++) {
        int h = hexval(u[i + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Length of the UTF-8 sequence at u[0] (lead byte >= 0x80), 0 when it is not well formed. */
static size_t utf8_len(const unsigned char *u, size_t avail)
{
    unsigned char c = u[0], lo = 0x80, hi = 0xbf;
    size_t len;

    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;      /* U+D800..U+DFFF are not characters */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;      /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if (avail < len || u[1] < lo || u[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++) {
        if (u[k] < 0x80 || u[k] > 0xbf)
            return 0;
    }
    return len;
}


/* Check the string whose quote is at s[i]: index just past its closing quote, or 0.
 * *esc (when not NULL) is set to 1 if it holds an escape. */
static size_t scan_string_slow(const char *s, size_t n, size_t i, struct jscan_error *e,
                               int *esc)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t st = i;

    for (i++;;) {
        unsigned char ch;
        /* Eight bytes at a time while none is special (a quote, a backslash, a control
         * character or a non-ASCII byte): most of a page is plain string text.  The
         * lowest flagged byte of rt_json_special8() is always a special one (a false
         * alarm only comes above a true one), so it is where the loop stops. */
        while (i + 8 <= n) {
            uint64_t w, m;
            memcpy(&w, u + i, 8);
            if ((m = rt_json_special8(w)) != 0) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                i += (size_t)__builtin_ctzll(m) >> 3;
                goto special;
#else
                break; /* the first byte in memory is the highest: not exact there */
#endif
            }
            i += 8;
        }
        while (i < n && plain[u[i]])
            i++;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    special:
#endif
        if (i >= n) {
            fail(e, st, "truncated string starting at byte %zu", st);
            return 0;
        }
        ch = u[i];
        if (ch == '"')
            return i + 1;
        if (ch == '\\') {
            long cp;
            if (esc != NULL)
                *esc = 1;
            if (i + 1 >= n) {
                fail(e, st, "truncated string starting at byte %zu", st);
                return 0;
            }
            switch (u[i + 1]) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                i += 2;
                continue;
            case 'u':
                break;
            default:
                fail(e, i, "invalid escape '\\%c' at byte %zu", u[i + 1] >= 0x21 && u[i + 1] < 0x7f
                     ? u[i + 1] : '?', i);
                return 0;
            }
            if ((cp = hex4(u, n, i + 1)) < 0) {
                fail(e, i, "invalid \\u escape at byte %zu", i);
                return 0;
            }
            if (cp == 0) {
                fail(e, i, "\\u0000 is not allowed (byte %zu)", i);
                return 0;
            }
            if (cp >= 0xdc00 && cp <= 0xdfff) {
                fail(e, i, "lone low surrogate \\u%04lX at byte %zu", cp, i);
                return 0;
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                long lo = i + 7 < n && u[i + 6] == '\\' && u[i + 7] == 'u' ? hex4(u, n, i + 7) : -1;
                if (lo < 0xdc00 || lo > 0xdfff) {
                    fail(e, i, "high surrogate \\u%04lX without its pair at byte %zu", cp, i);
                    return 0;
                }
                i += 12;
            } else {
                i += 6;
            }
            continue;
        }
        if (ch < 0x20) {
            fail(e, i, "control character 0x%02x in a string at byte %zu", ch, i);
            return 0;
        }
        {
            size_t k = utf8_len(u + i, n - i);
            if (k == 0) {
                fail(e, i, "invalid UTF-8 at byte %zu", i);
                return 0;
            }
            i += k;
        }
    }
}

/* Index of the first byte at or after j that rt_json_special8() flags (a quote, a
 * backslash, a control byte or a non-ASCII one), looked at eight bytes a step while they
 * are in the text; n when none was found that way (the caller's full look then decides).
 * The lowest flagged byte of a step is always a special one: a false alarm only comes
 * above a true one. */
static inline size_t first_special8(const unsigned char *u, size_t n, size_t j)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; j + 8 <= n; j += 8) {
        uint64_t w, m;
        memcpy(&w, u + j, 8);
        if ((m = rt_json_special8(w)) != 0)
            return j + ((size_t)__builtin_ctzll(m) >> 3);
    }
#else
    (void)u;
    (void)j;
#endif
    return n;
}

/*
 * scan_string_slow() for the usual string: plain ASCII up to its closing quote, inline (a
 * page of 1 000 servers holds ~100 000 strings, most of them short, and the call and its
 * frame cost as much as the bytes).  Anything else (an escape, a control byte, UTF-8, the
 * end of the text near) goes to the full check.
 */
static inline size_t scan_string(const char *s, size_t n, size_t i, struct jscan_error *e,
                                 int *esc)
{
    size_t j = first_special8((const unsigned char *)s, n, i + 1);

    if (j < n && s[j] == '"')
        return j + 1;
    return scan_string_slow(s, n, i, e, esc);
}

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Check the number at s[i]: index just past it, or 0. */
static size_t scan_number(const char *s, size_t n, size_t i, struct jscan_error *e)
{
    if (s[i] == '-')
        i++;
    if (i < n && s[i] == '0') {
        i++;
    } else if (i < n && is_digit(s[i])) {
        while (i < n && is_digit(s[i]))
            i++;
    } else {
        unexpected(e, s, n, i, "a digit");
        return 0;
    }
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n || !is_digit(s[i])) {
            unexpected(e, s, n, i, "a digit after '.'");
            return 0;
        }
        while (i < n && is_digit(s[i]))
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || !is_digit(s[i])) {
            unexpected(e, s, n, i, "an exponent");
            return 0;
        }
        while (i < n && is_digit(s[i]))
            i++;
    }
    return i;
}

/* Check the literal at s[i]: index just past it, or 0. */
static size_t scan_literal(const char *s, size_t n, size_t i, struct jscan_error *e)
{
    const char *lit = s[i] == 't' ? "true" : s[i] == 'f' ? "false" : "null";
    size_t len = strlen(lit);

    if (n - i < len || memcmp(s + i, lit, len) != 0) {
        size_t k = 0;
        while (k < len && i + k < n && s[i + k] == lit[k])
            k++;
        unexpected(e, s, n, i + k, lit);
        return 0;
    }
    return i + len;
}

/*
 * Check the value starting at s[i] (no leading whitespace), with `room` levels of
 * nesting left.  Index just past it, or 0 (e set).  Iterative: the open brackets are
 * kept in a byte stack, so depth costs no C stack.
 */
static size_t scan_value(const char *s, size_t n, size_t i, int room, struct jscan_error *e)
{
    unsigned char stack[RT_JSCAN_MAX_DEPTH];
    int sp = 0;
    enum { WANT_VALUE, WANT_KEY, AFTER_VALUE } st = WANT_VALUE;

    for (;;) {
        switch (st) {
        case WANT_VALUE:
            if (i >= n) {
                unexpected(e, s, n, i, "a value");
                return 0;
            }
            switch (s[i]) {
            case '"':
                if ((i = scan_string(s, n, i, e, NULL)) == 0)
                    return 0;
                st = AFTER_VALUE;
                break;
            case '{':
            case '[':
                if (sp >= room) {
                    fail(e, i, "nesting deeper than %d levels at byte %zu", RT_JSCAN_MAX_DEPTH, i);
                    return 0;
                }
                stack[sp++] = (unsigned char)s[i];
                i = skip_ws(s, n, i + 1);
                if (i < n && s[i] == (stack[sp - 1] == '{' ? '}' : ']')) {
                    i++;
                    sp--;
                    st = AFTER_VALUE;
                } else {
                    st = stack[sp - 1] == '{' ? WANT_KEY : WANT_VALUE;
                }
                break;
            case 't':
            case 'f':
            case 'n':
                if ((i = scan_literal(s, n, i, e)) == 0)
                    return 0;
                st = AFTER_VALUE;
                break;
            default:
                if (s[i] != '-' && !is_digit(s[i])) {
                    unexpected(e, s, n, i, "a value");
                    return 0;
                }
                if ((i = scan_number(s, n, i, e)) == 0)
                    return 0;
                st = AFTER_VALUE;
                break;
            }
            break;
        case WANT_KEY:
            if (i >= n || s[i] != '"') {
                unexpected(e, s, n, i, "a string key");
                return 0;
            }
            if ((i = scan_string(s, n, i, e, NULL)) == 0)
                return 0;
            i = skip_ws(s, n, i);
            if (i >= n || s[i] != ':') {
                unexpected(e, s, n, i, "':'");
                return 0;
            }
            i = skip_ws(s, n, i + 1);
            st = WANT_VALUE;
            break;
        case AFTER_VALUE:
            if (sp == 0)
                return i;
            i = skip_ws(s, n, i);
            if (i < n && s[i] == ',') {
                i = skip_ws(s, n, i + 1);
                st = stack[sp - 1] == '{' ? WANT_KEY : WANT_VALUE;
            } else if (i < n && s[i] == (stack[sp - 1] == '{' ? '}' : ']')) {
                i++;
                sp--;
            } else {
                unexpected(e, s, n, i, stack[sp - 1] == '{' ? "',' or '}'" : "',' or ']'");
                return 0;
            }
            break;
        }
    }
}

/* ---- the cursor ---------------------------------------------------------------------- */

void jscan_init(struct jscan *c, const char *text, size_t len)
{
    memset(c, 0, sizeof *c);
    c->text = text;
    c->len = len;
}

void jscan_init_trusted(struct jscan *c, const char *text, size_t len)
{
    jscan_init(c, text, len);
    c->trusted = 1;
}

/* Checked text: past the string whose quote is at s[i] (its closing quote is the first
 * one after an even run of backslashes), or n. */
static size_t skip_string_trusted(const char *s, size_t n, size_t i)
{
    size_t st = ++i;

    while (i < n) {
        const char *q = memchr(s + i, '"', n - i);
        size_t j, k;
        if (q == NULL)
            return n;
        j = (size_t)(q - s);
        for (k = j; k > st && s[k - 1] == '\\'; k--)
            ;
        if (((j - k) & 1) == 0)
            return j + 1;
        i = j + 1;
    }
    return n;
}

/* skip_string_trusted() for the usual string, plain ASCII up to its closing quote, inline;
 * *esc (when not NULL) is set to whether it holds a '\\'. */
static inline size_t skip_string_trusted_fast(const char *s, size_t n, size_t i, int *esc)
{
    size_t end = first_special8((const unsigned char *)s, n, i + 1);

    if (end < n && s[end] == '"') {
        if (esc != NULL)
            *esc = 0;
        return end + 1;
    }
    end = skip_string_trusted(s, n, i);
    if (esc != NULL)
        *esc = memchr(s + i, '\\', end - i) != NULL;
    return end;
}

/* Checked text: past the value starting at s[i], by brackets and quotes alone, or n. */
static size_t skip_value_trusted(const char *s, size_t n, size_t i)
{
    int depth = 0;

    if (i < n && s[i] == '"')
        return skip_string_trusted_fast(s, n, i, NULL);
    if (i < n && s[i] != '{' && s[i] != '[') {
        while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && !is_ws((unsigned char)s[i]))
            i++;
        return i;
    }
    while (i < n) {
        switch (s[i]) {
        case '"':
            i = skip_string_trusted_fast(s, n, i, NULL);
            continue;
        case '{':
        case '[':
            depth++;
            break;
        case '}':
        case ']':
            if (--depth == 0)
                return i + 1;
            break;
        }
        i++;
    }
    return n;
}

/*
 * The member key whose quote should be at s[i] (checked on a checking cursor, skipped by
 * its quotes on a trusted one), then its ':': the index of the member's value, or 0 (e
 * set) when the text is malformed there.  *kend: just past the key's closing quote;
 * *kesc: whether the key holds an escape.  Shared by jscan_next() and jscan_fields_set().
 */
static inline size_t member_key(const struct jscan *c, size_t i, size_t *kend, int *kesc,
                                struct jscan_error *e)
{
    const char *s = c->text;
    size_t n = c->len;

    if (i >= n || s[i] != '"') {
        unexpected(e, s, n, i, "a string key");
        return 0;
    }
    *kesc = 0;
    if (c->trusted)
        i = skip_string_trusted_fast(s, n, i, kesc);
    else if ((i = scan_string(s, n, i, e, kesc)) == 0)
        return 0;
    *kend = i;
    i = skip_ws(s, n, i);
    if (i >= n || s[i] != ':') {
        unexpected(e, s, n, i, "':'");
        return 0;
    }
    return skip_ws(s, n, i + 1);
}

/* Past the value at s[i] (no whitespace before it), with `room` levels of nesting left:
 * checked, or by brackets and quotes on a trusted cursor; 0 (e set) when malformed.  A
 * string, the usual member, is checked in place.  Shared by jscan_skip() and
 * jscan_fields_set(). */
static inline size_t value_end(const struct jscan *c, size_t i, int room, struct jscan_error *e)
{
    if (c->trusted)
        return skip_value_trusted(c->text, c->len, i);
    if (i < c->len && c->text[i] == '"')
        return scan_string(c->text, c->len, i, e, NULL);
    return scan_value(c->text, c->len, i, room, e);
}

enum jscan_type jscan_peek(struct jscan *c)
{
    c->pos = skip_ws(c->text, c->len, c->pos);
    if (c->pos >= c->len)
        return JSCAN_TYPE_NONE;
    switch (c->text[c->pos]) {
    case '{': return JSCAN_TYPE_OBJECT;
    case '[': return JSCAN_TYPE_ARRAY;
    case '"': return JSCAN_TYPE_STRING;
    case 't': return JSCAN_TYPE_TRUE;
    case 'f': return JSCAN_TYPE_FALSE;
    case 'n': return JSCAN_TYPE_NULL;
    default:
        return c->text[c->pos] == '-' || is_digit(c->text[c->pos]) ? JSCAN_TYPE_NUMBER
                                                                   : JSCAN_TYPE_NONE;
    }
}

int jscan_enter(struct jscan *c, struct jscan_error *e)
{
    enum jscan_type t = jscan_peek(c);

    if (t != JSCAN_TYPE_OBJECT && t != JSCAN_TYPE_ARRAY)
        return unexpected(e, c->text, c->len, c->pos, "an object or an array");
    if (c->depth >= RT_JSCAN_MAX_LEVELS)
        return fail(e, c->pos, "nesting deeper than %d levels at byte %zu", RT_JSCAN_MAX_LEVELS,
                    c->pos);
    c->level[c->depth] = (unsigned char)c->text[c->pos];
    c->first[c->depth] = 1;
    c->depth++;
    c->pos++;
    return 0;
}

int jscan_next(struct jscan *c, struct jscan_span *key, struct jscan_error *e)
{
    const char *s = c->text;
    size_t n = c->len, i;
    int obj;
    char close;

    if (c->depth == 0)
        return fail(e, c->pos, "not inside an object or an array at byte %zu", c->pos);
    obj = c->level[c->depth - 1] == '{';
    close = obj ? '}' : ']';
    i = skip_ws(s, n, c->pos);
    if (i < n && s[i] == close) {
        /* "[]", "{}", or the end after a member ("[1,]" fails later: no value after ',') */
        c->pos = i + 1;
        c->depth--;
        return 0;
    }
    if (!c->first[c->depth - 1]) {
        if (i >= n || s[i] != ',')
            return unexpected(e, s, n, i, obj ? "',' or '}'" : "',' or ']'");
        i = skip_ws(s, n, i + 1);
    }
    c->first[c->depth - 1] = 0;
    if (obj) {
        size_t k0 = i, kend = 0;
        if ((i = member_key(c, i, &kend, &c->key_esc, e)) == 0)
            return -1;
        if (key != NULL) {
            key->start = k0;
            key->end = kend;
        }
    } else if (key != NULL) {
        key->start = key->end = 0;
    }
    c->pos = i;
    return 1;
}

int jscan_skip(struct jscan *c, struct jscan_span *span, struct jscan_error *e)
{
    size_t i = skip_ws(c->text, c->len, c->pos), end;

    end = value_end(c, i, RT_JSCAN_MAX_DEPTH - c->depth, e);
    if (end == 0)
        return -1;
    if (span != NULL) {
        span->start = i;
        span->end = end;
    }
    c->pos = end;
    return 0;
}

int jscan_end(struct jscan *c, struct jscan_error *e)
{
    size_t i = skip_ws(c->text, c->len, c->pos);

    if (c->depth != 0)
        return fail(e, i, "truncated: %d unclosed level(s) at byte %zu", c->depth, i);
    if (i < c->len)
        return unexpected(e, c->text, c->len, i, "the end of the text");
    c->pos = i;
    return 0;
}

/* ---- strings ------------------------------------------------------------------------- */

static size_t put_utf8(char *o, unsigned long cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/*
 * Decode the checked string contents s[a .. b) (between the quotes) into out, which has
 * room for b - a + 1 bytes (a decoded string is never longer).  Returns the length;
 * out is NUL-terminated.
 */
static size_t decode(const char *s, size_t a, size_t b, char *out)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;

    while (a < b) {
        const char *bs = memchr(s + a, '\\', b - a);
        size_t run = bs != NULL ? (size_t)(bs - (s + a)) : b - a;
        memcpy(out + o, s + a, run);
        o += run;
        a += run;
        if (a >= b)
            break;
        switch (u[a + 1]) {
        case 'b': out[o++] = '\b'; a += 2; break;
        case 'f': out[o++] = '\f'; a += 2; break;
        case 'n': out[o++] = '\n'; a += 2; break;
        case 'r': out[o++] = '\r'; a += 2; break;
        case 't': out[o++] = '\t'; a += 2; break;
        case 'u': {
            unsigned long cp = (unsigned long)hex4(u, b + 1, a + 1);
            a += 6;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                unsigned long lo = (unsigned long)hex4(u, b + 1, a + 1);
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                a += 6;
            }
            o += put_utf8(out + o, cp);
            break;
        }
        default: /* '"', '\\', '/' */
            out[o++] = s[a + 1];
            a += 2;
            break;
        }
    }
    out[o] = '\0';
    return o;
}

int jscan_key_is(const struct jscan *c, struct jscan_span key, const char *want)
{
    size_t a = key.start + 1, b = key.end - 1, wl = strlen(want);
    char small[128], *buf;
    int eq;

    if (key.end < key.start + 2 || c->text[key.start] != '"')
        return 0;
    if (memchr(c->text + a, '\\', b - a) == NULL)
        return b - a == wl && memcmp(c->text + a, want, wl) == 0;
    buf = b - a < sizeof small ? small : xmalloc(b - a + 1);
    eq = decode(c->text, a, b, buf) == wl && memcmp(buf, want, wl) == 0;
    if (buf != small)
        free(buf);
    return eq;
}

char *jscan_strdup(const char *text, struct jscan_span s)
{
    char *out;

    if (s.end < s.start + 2 || text[s.start] != '"')
        return NULL;
    out = xmalloc(s.end - s.start);
    decode(text, s.start + 1, s.end - 1, out);
    return out;
}

char *jscan_strcpy(const char *text, struct jscan_span s, char *buf, size_t size)
{
    size_t n;

    return jscan_strcpy_n(text, s, buf, size, &n);
}

char *jscan_strcpy_n(const char *text, struct jscan_span s, char *buf, size_t size, size_t *n)
{
    if (s.end < s.start + 2 || text[s.start] != '"' || size < s.end - s.start - 1)
        return NULL;
    *n = decode(text, s.start + 1, s.end - 1, buf);
    /* Every escape is longer than what it stands for: as long as the text, none was. */
    if (*n != s.end - s.start - 2)
        *n = strlen(buf);
    return buf;
}

/* ---- building jansson values from checked spans -------------------------------------- */

static json_t *must(json_t *v)
{
    if (v == NULL)
        rt_fatal("out of memory building a JSON value");
    return v;
}

/* End (index of the closing quote) of the checked string whose opening quote is s[i]. */
static size_t string_close(const char *s, size_t i, int *escaped)
{
    *escaped = 0;
    for (i++;; i++) {
        if (s[i] == '\\') {
            *escaped = 1;
            i++;
        } else if (s[i] == '"') {
            return i;
        }
    }
}

static json_t *build_string(const char *s, size_t *ip)
{
    int esc;
    size_t a = *ip + 1, b = string_close(s, *ip, &esc);
    json_t *v;

    *ip = b + 1;
    if (!esc)
        return must(json_stringn_nocheck(s + a, b - a));
    {
        char *buf = xmalloc(b - a + 1);
        size_t len = decode(s, a, b, buf);
        v = must(json_stringn_nocheck(buf, len));
        free(buf);
    }
    return v;
}

static json_t *build_number(const char *s, size_t *ip)
{
    size_t i = *ip, st = i;
    int integral = 1, neg = 0;
    unsigned long long acc = 0;
    int overflow = 0;

    if (s[i] == '-') {
        neg = 1;
        i++;
    }
    for (; is_digit(s[i]); i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (acc > (ULLONG_MAX - d) / 10)
            overflow = 1;
        acc = acc * 10 + d;
    }
    if (s[i] == '.' || s[i] == 'e' || s[i] == 'E') {
        integral = 0;
        while (is_digit(s[i]) || s[i] == '.' || s[i] == 'e' || s[i] == 'E' || s[i] == '+' ||
               s[i] == '-')
            i++;
    }
    *ip = i;
    if (integral && !overflow &&
        (neg ? acc <= (unsigned long long)JSCAN_INT_MAX + 1 : acc <= JSCAN_INT_MAX))
        return must(json_integer(neg ? (json_int_t)(0 - acc) : (json_int_t)acc));
    if (integral) {
        /* Beyond json_int_t (jansson itself refuses it): a real.  Digits only, so
         * strtod() cannot trip over the locale's decimal point. */
        char *dup = xstrndup(s + st, i - st);
        double d = strtod(dup, NULL);
        free(dup);
        return must(json_real(d));
    }
    /* Reals: jansson's own conversion, which does not depend on the locale. */
    return must(json_loadb(s + st, i - st, JSON_DECODE_ANY, NULL));
}

/* Key at s[*ip] (a checked string) into buf (NUL-terminated): buf or a new heap copy. */
static char *build_key(const char *s, size_t *ip, char *small, size_t smallsz)
{
    int esc;
    size_t a = *ip + 1, b = string_close(s, *ip, &esc);
    char *buf = b - a < smallsz ? small : xmalloc(b - a + 1);

    *ip = b + 1;
    if (esc) {
        decode(s, a, b, buf);
    } else {
        memcpy(buf, s + a, b - a);
        buf[b - a] = '\0';
    }
    return buf;
}

static json_t *build_at(const char *s, size_t *ip);

static json_t *build_container(const char *s, size_t *ip)
{
    int obj = s[*ip] == '{';
    json_t *v = must(obj ? json_object() : json_array());
    size_t i = skip_ws(s, SIZE_MAX, *ip + 1);

    if (s[i] == (obj ? '}' : ']')) {
        *ip = i + 1;
        return v;
    }
    for (;;) {
        if (obj) {
            char small[128], *key = build_key(s, &i, small, sizeof small);
            json_t *m;
            i = skip_ws(s, SIZE_MAX, i);
            i = skip_ws(s, SIZE_MAX, i + 1); /* ':' */
            m = build_at(s, &i);
            if (json_object_set_new_nocheck(v, key, m) < 0)
                rt_fatal("out of memory building a JSON object");
            if (key != small)
                free(key);
        } else {
            if (json_array_append_new(v, build_at(s, &i)) < 0)
                rt_fatal("out of memory building a JSON array");
        }
        i = skip_ws(s, SIZE_MAX, i);
        if (s[i] == ',') {
            i = skip_ws(s, SIZE_MAX, i + 1);
            continue;
        }
        *ip = i + 1; /* the closing bracket */
        return v;
    }
}

static json_t *build_at(const char *s, size_t *ip)
{
    size_t i = skip_ws(s, SIZE_MAX, *ip);

    *ip = i;
    switch (s[i]) {
    case '{':
    case '[':
        return build_container(s, ip);
    case '"':
        return build_string(s, ip);
    case 't':
        *ip = i + 4;
        return json_true();
    case 'f':
        *ip = i + 5;
        return json_false();
    case 'n':
        *ip = i + 4;
        return json_null();
    default:
        return build_number(s, ip);
    }
}

json_t *jscan_build(const char *text, struct jscan_span v)
{
    size_t i = v.start;

    return build_at(text, &i);
}

/* Up to this many names are compared in a row: a mapper looks up one to four members of
 * each small object (a flavor, an address), and clearing the length table cost more. */
#define FEW_KEYS 8

void jscan_keys_init(struct jscan_keys *ks, const char *const *keys)
{
    ks->keys = keys;
    for (ks->n = 0; keys[ks->n] != NULL; ks->n++) {
        RT_ASSERT(ks->n < RT_JSCAN_MAX_KEYS && strchr(keys[ks->n], '\\') == NULL);
        ks->len[ks->n] = strlen(keys[ks->n]);
        {
            unsigned char b[8] = {0}, m[8] = {0};
            size_t h = ks->len[ks->n] < 8 ? ks->len[ks->n] : 8;
            memcpy(b, keys[ks->n], h);
            memset(m, 0xff, h);
            memcpy(&ks->head[ks->n], b, 8);
            memcpy(&ks->mask[ks->n], m, 8);
        }
    }
    if (ks->n <= FEW_KEYS)
        return;
    memset(ks->by_len, 0, sizeof ks->by_len);
    for (size_t j = 0; j < ks->n; j++)
        ks->by_len[ks->len[j] < 31 ? ks->len[j] : 31] |= (uint64_t)1 << j;
}

/* Index of the wanted name that the member key k (its text kt, kl bytes, unquoted) is,
 * or ks->n. */
static size_t key_index(const struct jscan *c, const struct jscan_keys *ks,
                        struct jscan_span k, const char *kt, size_t kl)
{
    /* A key spelled as a wanted name is that name (names hold no backslash).  Its first
     * eight bytes are compared as one word when the text has them (a key is followed by
     * at least ':' and a value, so it nearly always does). */
    uint64_t w = 0;
    int word = (size_t)(kt - c->text) + 8 <= c->len;

    if (word)
        memcpy(&w, kt, 8);
#define NAME_IS(j)                                                                      \
    (ks->len[j] == kl &&                                                                \
     (word ? (w & ks->mask[j]) == ks->head[j] &&                                        \
                 (kl <= 8 || memcmp(kt + 8, ks->keys[j] + 8, kl - 8) == 0)              \
           : memcmp(kt, ks->keys[j], kl) == 0))
    if (ks->n <= FEW_KEYS) {
        for (size_t j = 0; j < ks->n; j++) {
            if (NAME_IS(j))
                return j;
        }
    } else {
        for (uint64_t m = ks->by_len[kl < 31 ? kl : 31]; m != 0; m &= m - 1) {
            size_t j = (size_t)__builtin_ctzll(m);
            if (NAME_IS(j))
                return j;
        }
    }
#undef NAME_IS
    /* Spelled with escapes ("n\u0061me"): decoded, against every name. */
    if (c->key_esc) {
        for (size_t j = 0; j < ks->n; j++) {
            if (jscan_key_is(c, k, ks->keys[j]))
                return j;
        }
    }
    return ks->n;
}

/*
 * jscan_fields_set() walks the members itself, with the steps of jscan_next() and
 * jscan_skip() (member_key(), value_end()) inlined: a page of 1 000 servers is 40 000
 * members, and the calls and the cursor state they keep cost more than the checks.  Same
 * checks, same messages.
 */
int jscan_fields_set(struct jscan *c, const struct jscan_keys *ks, struct jscan_span *vals,
                     struct jscan_span *span, struct jscan_error *e)
{
    const char *s = c->text;
    size_t n = c->len, start, i;
    int room;

    for (size_t j = 0; j < ks->n; j++)
        vals[j].start = vals[j].end = 0;
    if (jscan_peek(c) != JSCAN_TYPE_OBJECT)
        return unexpected(e, s, n, c->pos, "an object");
    if (c->depth >= RT_JSCAN_MAX_LEVELS)
        return fail(e, c->pos, "nesting deeper than %d levels at byte %zu", RT_JSCAN_MAX_LEVELS,
                    c->pos);
    start = c->pos;
    room = RT_JSCAN_MAX_DEPTH - (c->depth + 1);
    i = skip_ws(s, n, start + 1);
    if (i < n && s[i] == '}') {
        i++;
    } else {
        for (;;) {
            size_t k0 = i, kend = 0, v0, j;
            int kesc = 0;
            if ((v0 = member_key(c, i, &kend, &kesc, e)) == 0)
                return -1;
            c->key_esc = kesc;
            j = key_index(c, ks, (struct jscan_span){k0, kend}, s + k0 + 1, kend - k0 - 2);
            if ((i = value_end(c, v0, room, e)) == 0)
                return -1;
            if (j < ks->n) {
                vals[j].start = v0;
                vals[j].end = i;
            }
            i = skip_ws(s, n, i);
            if (i < n && s[i] == ',') {
                i = skip_ws(s, n, i + 1);
                continue;
            }
            if (i < n && s[i] == '}') {
                i++;
                break;
            }
            return unexpected(e, s, n, i, "',' or '}'");
        }
    }
    c->pos = i;
    if (span != NULL) {
        span->start = start;
        span->end = i;
    }
    return 0;
}

int jscan_fields(struct jscan *c, const char *const *keys, struct jscan_span *vals,
                 struct jscan_span *span, struct jscan_error *e)
{
    struct jscan_keys ks;

    jscan_keys_init(&ks, keys);
    return jscan_fields_set(c, &ks, vals, span, e);
}

json_t *jscan_pick(struct jscan *c, const char *const *keys, struct jscan_span *span,
                   struct jscan_error *e)
{
    struct jscan_span vals[64], v;
    json_t *obj;

    if (keys == NULL) {
        if (jscan_peek(c) != JSCAN_TYPE_OBJECT) {
            unexpected(e, c->text, c->len, c->pos, "an object");
            return NULL;
        }
        if (jscan_skip(c, &v, e) < 0)
            return NULL;
        if (span != NULL)
            *span = v;
        return jscan_build(c->text, v);
    }
    if (jscan_fields(c, keys, vals, span, e) < 0)
        return NULL;
    obj = must(json_object());
    for (size_t j = 0; keys[j] != NULL; j++) {
        if (jscan_has(vals[j]) &&
            json_object_set_new_nocheck(obj, keys[j], jscan_build(c->text, vals[j])) < 0)
            rt_fatal("out of memory building a JSON object");
    }
    return obj;
}
