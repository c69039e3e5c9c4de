/*
 * sanitize.c - turn untrusted strings into text that is safe to draw.
 *
 * The core is san_next(): it consumes one "unit" of input (a character, a
 * whole escape sequence, or a maximal invalid UTF-8 subpart) and produces
 * zero or one output character.  sanitize_into(), sanitize_dup() and the
 * truncation helpers are loops over it, so the rules live in one place.
 *
 * UTF-8 is decoded here (strictly: no overlongs, no surrogates, nothing above
 * U+10FFFF) rather than with mbrtowc(), so that sanitising does not depend on
 * the locale: a string is made safe even before setlocale() and in the C
 * locale.  In a UTF-8 locale the result is what mbrtowc() would decode.
 * Widths come from wcwidth() and so do depend on the locale (LC_CTYPE).
 *
 * Raw bytes 0x80..0x9F are invalid UTF-8 and become U+FFFD like any other
 * invalid byte (so the rest of a Latin-1 or cp1252 name is still shown), except 0x9B,
 * the 8-bit CSI, which is dropped with its parameters.  C1 controls encoded
 * as UTF-8 (U+0080..U+009F) are honoured as controls: a CSI, OSC, DCS, ...
 * introduced that way is dropped whole.
 *
 * Escape sequences follow ECMA-48: a CSI ends at its final byte (0x40..0x7E)
 * or at the first byte that cannot be part of it; a control string (OSC,
 * DCS, SOS, PM, APC) runs to ST, BEL, CAN, SUB, another ESC or the end of
 * the input, and everything up to there is dropped.
 *
 * Invariants: output is valid UTF-8 (or pure ASCII in ASCII mode) with no
 * byte below 0x20 and no DEL.  Pure functions; thread-safe.
 */
#include "tui/sanitize.h"

#include "core/xalloc.h"

#include <string.h>
#include <wchar.h>

#define SAN_REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */
#define SAN_ELLIPSIS "\xe2\x80\xa6"    /* U+2026 */
#define SAN_NOLIMIT ((size_t)-1)       /* decode bound for NUL-terminated input */

/* One produced character: its bytes, byte count (0: dropped) and columns. */
struct san_unit {
    char buf[4];
    size_t len;
    int width;
};

size_t sanitize_decode(const char *s, size_t n, int32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned c, lo = 0x80, hi = 0xbf;
    size_t need;
    uint32_t v;

    *cp = -1;
    if (n == 0)
        return 0;
    c = p[0];
    if (c < 0x80) {
        *cp = (int32_t)c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
        v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        v = c & 0x0f;
        if (c == 0xe0)
            lo = 0xa0; /* no overlongs */
        if (c == 0xed)
            hi = 0x9f; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        v = c & 0x07;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f; /* nothing above U+10FFFF */
    } else {
        return 1;
    }
    for (size_t i = 1; i <= need; i++) {
        if (i >= n || p[i] < lo || p[i] > hi)
            return i;
        v = (v << 6) | (p[i] & 0x3f);
        lo = 0x80;
        hi = 0xbf;
    }
    *cp = (int32_t)v;
    return need + 1;
}

int sanitize_cp_width(uint32_t cp)
{
    int w;

    if (cp >= 0x20 && cp < 0x7f)
        return 1;
    w = wcwidth((wchar_t)cp);
    return w < 0 ? 1 : w;
}

/* A C1 control U+0080..U+009F encoded as UTF-8. */
static int san_c1_utf8(const unsigned char *p)
{
    return p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f;
}

/* Skip the rest of a CSI; p points just after the introducer. */
static const unsigned char *san_skip_csi(const unsigned char *p)
{
    while (*p >= 0x20 && *p <= 0x3f) /* parameter and intermediate bytes */
        p++;
    if (*p >= 0x40 && *p <= 0x7e)
        p++;
    return p;
}

/* Skip a control string (OSC, DCS, ...) and its terminator. */
static const unsigned char *san_skip_string(const unsigned char *p)
{
    for (;;) {
        if (*p == '\0' || *p == 0x18 || *p == 0x1a)
            return p; /* end, CAN, SUB: the main loop drops the control */
        if (*p == 0x07 || *p == 0x9c)
            return p + 1;
        if (*p == 0x1b)
            return p[1] == '\\' ? p + 2 : p;
        if (p[0] == 0xc2 && p[1] == 0x9c)
            return p + 2;
        p++;
    }
}

/* Skip what a C1 control (U+0080..U+009F) introduces; p is just after it. */
static const unsigned char *san_skip_c1(unsigned code, const unsigned char *p)
{
    switch (code) {
    case 0x9b: /* CSI */
        return san_skip_csi(p);
    case 0x90: /* DCS */
    case 0x98: /* SOS */
    case 0x9d: /* OSC */
    case 0x9e: /* PM */
    case 0x9f: /* APC */
        return san_skip_string(p);
    default:
        return p;
    }
}

/* Skip an escape sequence; p points at the ESC. */
static const unsigned char *san_skip_esc(const unsigned char *p)
{
    unsigned b = p[1];

    if (b == '[')
        return san_skip_csi(p + 2);
    if (b == ']' || b == 'P' || b == 'X' || b == '^' || b == '_')
        return san_skip_string(p + 2);
    if (b >= 0x20 && b <= 0x2f) { /* nF: intermediates then one final byte */
        p += 2;
        while (*p >= 0x20 && *p <= 0x2f)
            p++;
        if (*p >= 0x30 && *p <= 0x7e)
            p++;
        return p;
    }
    if (b >= 0x30 && b <= 0x7e) /* Fp, Fe, Fs: two bytes */
        return p + 2;
    return p + 1; /* a lone ESC */
}

static int san_is_bidi(int32_t cp)
{
    return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
           cp == 0x200f || cp == 0x061c;
}

static void san_set(struct san_unit *u, const char *bytes, size_t len, int width)
{
    memcpy(u->buf, bytes, len);
    u->len = len;
    u->width = width;
}

/* Consume one unit of *pp (which must not be at the NUL) into *u. */
static void san_next(const unsigned char **pp, int ascii, struct san_unit *u)
{
    const unsigned char *p = *pp;
    int32_t cp;
    size_t n;

    u->len = 0;
    u->width = 0;
    if (*p == 0x1b) {
        *pp = san_skip_esc(p);
        return;
    }
    if (*p == 0x9b) { /* raw 8-bit CSI: drop its parameters too */
        *pp = san_skip_csi(p + 1);
        return;
    }
    if (san_c1_utf8(p)) {
        *pp = san_skip_c1(p[1], p + 2);
        return;
    }
    n = sanitize_decode((const char *)p, SAN_NOLIMIT, &cp);
    *pp = p + n;
    if (cp < 0) {
        if (ascii)
            san_set(u, "?", 1, 1);
        else
            san_set(u, SAN_REPLACEMENT, 3, 1);
    } else if (cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' || cp == 0x2028 ||
               cp == 0x2029) {
        san_set(u, " ", 1, 1);
    } else if (cp < 0x20 || cp == 0x7f || san_is_bidi(cp)) {
        return; /* dropped */
    } else if (cp < 0x80) {
        san_set(u, (const char *)p, 1, 1);
    } else if (ascii) {
        san_set(u, "?", 1, 1);
    } else {
        san_set(u, (const char *)p, n, sanitize_cp_width((uint32_t)cp));
    }
}

size_t sanitize_into(char *dst, size_t dstlen, const char *src, int ascii)
{
    const unsigned char *p = (const unsigned char *)(src != NULL ? src : "");
    struct san_unit u;
    size_t total = 0, used = 0;
    int full = dstlen == 0;

    while (*p != '\0') {
        san_next(&p, ascii, &u);
        if (!full && used + u.len < dstlen) {
            memcpy(dst + used, u.buf, u.len);
            used += u.len;
        } else {
            full = 1; /* never write a later, smaller unit out of order */
        }
        total += u.len;
    }
    if (dstlen > 0)
        dst[used] = '\0';
    return total;
}

char *sanitize_dup(const char *src, int ascii)
{
    size_t n = sanitize_into(NULL, 0, src, ascii);
    char *s = xmalloc(n + 1);

    sanitize_into(s, n + 1, src, ascii);
    return s;
}

int sanitize_width(const char *utf8)
{
    const char *p = utf8 != NULL ? utf8 : "";
    int32_t cp;
    int w = 0;

    while (*p != '\0') {
        p += sanitize_decode(p, SAN_NOLIMIT, &cp);
        w += cp < 0 ? 1 : sanitize_cp_width((uint32_t)cp);
    }
    return w;
}

int sanitize_truncate(char *dst, size_t dstlen, const char *src, int cols, int ascii)
{
    const unsigned char *p = (const unsigned char *)(src != NULL ? src : "");
    const char *ell = ascii ? "~" : SAN_ELLIPSIS;
    size_t elen = strlen(ell), len = 0, cut_len = 0;
    int ew = ascii ? 1 : sanitize_cp_width(0x2026);
    int width = 0, cut_w = 0, cut = 0;
    struct san_unit u;

    if (dstlen == 0)
        return 0;
    while (*p != '\0') {
        san_next(&p, ascii, &u);
        if (width + u.width > cols || len + u.len >= dstlen) {
            cut = 1;
            break;
        }
        memcpy(dst + len, u.buf, u.len);
        len += u.len;
        width += u.width;
        /* The last place where the ellipsis would still fit behind. */
        if (width + ew <= cols && len + elen < dstlen) {
            cut_len = len;
            cut_w = width;
        }
    }
    if (cut) {
        len = cut_len;
        width = cut_w;
        if (width + ew <= cols && len + elen < dstlen) {
            memcpy(dst + len, ell, elen);
            len += elen;
            width += ew;
        }
    }
    dst[len] = '\0';
    return width;
}

size_t sanitize_pad(char *dst, size_t dstlen, const char *src, int cols, int align_right, int ascii)
{
    int width;
    size_t len, pad;

    if (dstlen == 0)
        return 0;
    /* Keep room for the padding whenever dst can hold it, so the result is exact. */
    width = sanitize_truncate(
        dst, cols > 0 && (size_t)cols < dstlen ? dstlen - (size_t)cols : dstlen, src, cols, ascii);
    len = strlen(dst);
    pad = cols > width ? (size_t)(cols - width) : 0;
    if (len + pad >= dstlen)
        pad = dstlen - 1 - len;
    if (align_right) {
        memmove(dst + pad, dst, len + 1);
        memset(dst, ' ', pad);
    } else {
        memset(dst + len, ' ', pad);
        dst[len + pad] = '\0';
    }
    return len + pad;
}

const char *sanitize_skip_cols(const char *s, int cols)
{
    int32_t cp;
    int w = 0;

    while (*s != '\0' && w < cols) {
        s += sanitize_decode(s, SAN_NOLIMIT, &cp);
        w += cp < 0 ? 1 : sanitize_cp_width((uint32_t)cp);
    }
    /* Combining marks belong to the character just skipped. */
    while (*s != '\0') {
        size_t n = sanitize_decode(s, SAN_NOLIMIT, &cp);
        if (cp < 0x300 || sanitize_cp_width((uint32_t)cp) != 0)
            break;
        s += n;
    }
    return s;
}
