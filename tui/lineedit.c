/*
 * lineedit.c - one-line editing on a strbuf, by UTF-8 character.
 *
 * Invariant: text is valid UTF-8 that sanitises to itself (nothing is ever
 * inserted that sanitize would drop or replace), and cursor sits on a
 * character boundary, so widths computed here match what is drawn.
 * UI thread only.
 */
#include "tui/lineedit.h"

#include "tui/draw.h"
#include "tui/keymap.h"
#include "tui/sanitize.h"

#include <stdlib.h>
#include <string.h>

void lineedit_init(struct lineedit *le, const char *initial)
{
    memset(le, 0, sizeof *le);
    lineedit_set(le, initial);
}

void lineedit_done(struct lineedit *le)
{
    strbuf_done(&le->text);
    le->cursor = 0;
}

void lineedit_set(struct lineedit *le, const char *text)
{
    char *clean = sanitize_dup(text, 0);
    size_t n = strlen(clean);

    if (n > LINEEDIT_MAX) { /* cut at a character boundary */
        n = LINEEDIT_MAX;
        while (n > 0 && ((unsigned char)clean[n] & 0xc0) == 0x80)
            n--;
    }
    strbuf_reset(&le->text);
    strbuf_add(&le->text, clean, n);
    le->cursor = le->text.len;
    free(clean);
}

const char *lineedit_text(const struct lineedit *le)
{
    return le->text.buf != NULL ? le->text.buf : "";
}

static size_t lineedit_prev(const struct lineedit *le, size_t pos)
{
    if (pos == 0)
        return 0;
    pos--;
    while (pos > 0 && ((unsigned char)le->text.buf[pos] & 0xc0) == 0x80)
        pos--;
    return pos;
}

static size_t lineedit_next(const struct lineedit *le, size_t pos)
{
    if (pos >= le->text.len)
        return le->text.len;
    pos++;
    while (pos < le->text.len && ((unsigned char)le->text.buf[pos] & 0xc0) == 0x80)
        pos++;
    return pos;
}

/* Remove bytes [from, to) and put the cursor at from. */
static void lineedit_erase(struct lineedit *le, size_t from, size_t to)
{
    if (to <= from)
        return;
    memmove(le->text.buf + from, le->text.buf + to, le->text.len - to + 1);
    le->text.len -= to - from;
    le->cursor = from;
}

/* Insert the code point cp if it is printable; 0 when inserted. */
static int lineedit_insert(struct lineedit *le, int cp)
{
    char enc[5] = {0}, clean[8];
    size_t n;

    if (cp < 0x20 || cp >= 0x110000 || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    if (cp < 0x80) {
        enc[0] = (char)cp;
    } else if (cp < 0x800) {
        enc[0] = (char)(0xc0 | (cp >> 6));
        enc[1] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        enc[0] = (char)(0xe0 | (cp >> 12));
        enc[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        enc[2] = (char)(0x80 | (cp & 0x3f));
    } else {
        enc[0] = (char)(0xf0 | (cp >> 18));
        enc[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        enc[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        enc[3] = (char)(0x80 | (cp & 0x3f));
    }
    n = strlen(enc);
    /* only what sanitising keeps as is: no DEL, C1, bidi or separators */
    sanitize_into(clean, sizeof clean, enc, 0);
    if (strcmp(clean, enc) != 0 || le->text.len + n > LINEEDIT_MAX)
        return -1;
    strbuf_add(&le->text, enc, n); /* grow, then move the tail */
    memmove(le->text.buf + le->cursor + n, le->text.buf + le->cursor,
            le->text.len - n - le->cursor);
    memcpy(le->text.buf + le->cursor, enc, n);
    le->cursor += n;
    return 0;
}

int lineedit_key(struct lineedit *le, int ch)
{
    size_t p;

    if (le->text.buf == NULL)
        strbuf_adds(&le->text, "");
    switch (ch) {
    case KEYMAP_FN(KEY_LEFT):
        le->cursor = lineedit_prev(le, le->cursor);
        return LINEEDIT_MOVED;
    case KEYMAP_FN(KEY_RIGHT):
        le->cursor = lineedit_next(le, le->cursor);
        return LINEEDIT_MOVED;
    case KEYMAP_FN(KEY_HOME):
    case KEYMAP_CTRL('a'):
        le->cursor = 0;
        return LINEEDIT_MOVED;
    case KEYMAP_FN(KEY_END):
    case KEYMAP_CTRL('e'):
        le->cursor = le->text.len;
        return LINEEDIT_MOVED;
    case KEYMAP_FN(KEY_BACKSPACE):
    case 127:
    case KEYMAP_CTRL('h'):
        if (le->cursor == 0)
            return LINEEDIT_MOVED;
        lineedit_erase(le, lineedit_prev(le, le->cursor), le->cursor);
        return LINEEDIT_CHANGED;
    case KEYMAP_FN(KEY_DC):
    case KEYMAP_CTRL('d'):
        if (le->cursor == le->text.len)
            return LINEEDIT_MOVED;
        lineedit_erase(le, le->cursor, lineedit_next(le, le->cursor));
        return LINEEDIT_CHANGED;
    case KEYMAP_CTRL('u'):
        if (le->cursor == 0)
            return LINEEDIT_MOVED;
        lineedit_erase(le, 0, le->cursor);
        return LINEEDIT_CHANGED;
    case KEYMAP_CTRL('k'):
        if (le->cursor == le->text.len)
            return LINEEDIT_MOVED;
        le->text.len = le->cursor;
        le->text.buf[le->cursor] = '\0';
        return LINEEDIT_CHANGED;
    case KEYMAP_CTRL('w'):
        p = le->cursor;
        while (p > 0 && le->text.buf[p - 1] == ' ')
            p--;
        while (p > 0 && le->text.buf[p - 1] != ' ')
            p--;
        if (p == le->cursor)
            return LINEEDIT_MOVED;
        lineedit_erase(le, p, le->cursor);
        return LINEEDIT_CHANGED;
    default:
        if (KEYMAP_IS_FN(ch))
            return LINEEDIT_IGNORED;
        return lineedit_insert(le, ch) == 0 ? LINEEDIT_CHANGED : LINEEDIT_IGNORED;
    }
}

/* Columns of the first n bytes of s as drawn (ASCII mode: one per character). */
static int lineedit_cols(const char *s, size_t n, int ascii)
{
    const char *end = s + n;
    int32_t cp;
    int col = 0;

    while (s < end) {
        s += sanitize_decode(s, (size_t)(end - s), &cp);
        col += ascii || cp < 0 ? 1 : sanitize_cp_width((uint32_t)cp);
    }
    return col;
}

/* Skip cols columns of s as drawn. */
static const char *lineedit_skip(const char *s, int cols, int ascii)
{
    int32_t cp;

    if (!ascii)
        return sanitize_skip_cols(s, cols);
    for (; *s != '\0' && cols > 0; cols--)
        s += sanitize_decode(s, strlen(s), &cp);
    return s;
}

int lineedit_draw(const struct lineedit *le, WINDOW *w, int y, int x, int width, attr_t attr,
                  int ascii)
{
    const char *text = lineedit_text(le);
    int col, offset;

    if (width <= 0)
        return x;
    col = lineedit_cols(text, le->cursor, ascii);
    offset = col >= width ? col - width + 1 : 0;
    draw_text(w, y, x, width, lineedit_skip(text, offset, ascii), attr, DRAW_LEFT, ascii);
    return x + col - offset;
}
