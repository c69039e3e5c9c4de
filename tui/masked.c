/*
 * masked.c - the secret input box (see masked.h).  The answer is kept as
 * UTF-8 in a fixed array; every path that ends the input (submit by the
 * caller, cancel, free) zeroes it with explicit_bzero().  UI thread only.
 */
#include "tui/masked.h"

#include "core/xalloc.h"
#include "tui/draw.h"
#include "tui/keymap.h"
#include "tui/sanitize.h"
#include "tui/theme.h"

#include <stdlib.h>
#include <string.h>

struct masked {
    char *title, *question;
    int echo;
    char buf[MASKED_MAX];
    size_t len;
};

struct masked *masked_new(const char *title, const char *question, int echo)
{
    struct masked *m = xcalloc(1, sizeof *m);

    m->title = xstrdup(title != NULL ? title : "");
    m->question = xstrdup(question != NULL ? question : "");
    m->echo = echo;
    return m;
}

void masked_wipe(struct masked *m)
{
    explicit_bzero(m->buf, sizeof m->buf);
    m->len = 0;
}

void masked_free(struct masked *m)
{
    if (m == NULL)
        return;
    masked_wipe(m);
    free(m->title);
    free(m->question);
    free(m);
}

const char *masked_text(const struct masked *m)
{
    return m->buf;
}

/* Append code point cp as UTF-8 if it fits. */
static void masked_put(struct masked *m, unsigned cp)
{
    char u[4];
    size_t n = 0;

    if (cp < 0x80) {
        u[n++] = (char)cp;
    } else if (cp < 0x800) {
        u[n++] = (char)(0xc0 | cp >> 6);
        u[n++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        u[n++] = (char)(0xe0 | cp >> 12);
        u[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[n++] = (char)(0x80 | (cp & 0x3f));
    } else {
        u[n++] = (char)(0xf0 | cp >> 18);
        u[n++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[n++] = (char)(0x80 | (cp & 0x3f));
    }
    if (m->len + n >= sizeof m->buf)
        return;
    memcpy(m->buf + m->len, u, n);
    m->len += n;
    m->buf[m->len] = '\0';
    explicit_bzero(u, sizeof u);
}

enum masked_result masked_key(struct masked *m, int ch)
{
    if (ch == KEYMAP_ENTER || ch == '\n' || ch == KEYMAP_FN(KEY_ENTER))
        return MASKED_SUBMIT;
    if (ch == KEYMAP_ESC || ch == KEYMAP_CTRL('c')) {
        masked_wipe(m);
        return MASKED_CANCEL;
    }
    if (ch == 127 || ch == 8 || ch == KEYMAP_FN(KEY_BACKSPACE)) {
        /* Drop the last UTF-8 character. */
        while (m->len > 0) {
            unsigned char c = (unsigned char)m->buf[--m->len];
            m->buf[m->len] = '\0';
            if ((c & 0xc0) != 0x80)
                break;
        }
        return MASKED_PENDING;
    }
    if (ch == KEYMAP_CTRL('u')) {
        masked_wipe(m);
        return MASKED_PENDING;
    }
    if (!KEYMAP_IS_FN(ch) && ch >= 0x20 && ch != 0x7f && !(ch >= 0x80 && ch < 0xa0))
        masked_put(m, (unsigned)ch);
    return MASKED_PENDING;
}

/* Characters (not bytes) typed so far. */
static int masked_chars(const struct masked *m)
{
    int n = 0;

    for (size_t i = 0; i < m->len; i++)
        n += ((unsigned char)m->buf[i] & 0xc0) != 0x80;
    return n;
}

int masked_draw(const struct masked *m, WINDOW *w, const struct theme *th, int ascii, int *cy)
{
    int h, width, bw, bh = 6, y, x, field, shown, n = masked_chars(m);
    char stars[128];

    getmaxyx(w, h, width);
    bw = width - 4 < 64 ? width - 4 : 64;
    if (bw < 20 || h < bh)
        return -1;
    y = (h - bh) / 2;
    x = (width - bw) / 2;
    draw_fill(w, y, x, bh, bw, theme_attr(th, ROLE_DIALOG));
    draw_box(w, y, x, bh, bw, theme_attr(th, ROLE_BORDER), ascii);
    draw_text(w, y, x + 2, bw - 4, m->title, theme_attr(th, ROLE_DIALOG_TITLE), DRAW_LEFT, ascii);
    draw_text(w, y + 2, x + 2, bw - 4, m->question, theme_attr(th, ROLE_DIALOG), DRAW_LEFT, ascii);
    field = bw - 4;
    draw_fill(w, y + 3, x + 2, 1, field, theme_attr(th, ROLE_INPUT_FOCUS));
    if (m->echo) {
        draw_text(w, y + 3, x + 2, field, m->buf, theme_attr(th, ROLE_INPUT_FOCUS), DRAW_LEFT,
                  ascii);
        shown = sanitize_width(m->buf);
    } else {
        shown = n < field - 1 ? n : field - 1;
        if (shown > (int)sizeof stars - 1)
            shown = (int)sizeof stars - 1;
        memset(stars, '*', (size_t)shown);
        stars[shown] = '\0';
        draw_text(w, y + 3, x + 2, field, stars, theme_attr(th, ROLE_INPUT_FOCUS), DRAW_LEFT,
                  ascii);
    }
    if (shown > field - 1)
        shown = field - 1;
    draw_text(w, y + 4, x + 2, bw - 4, "enter: send  esc: cancel", theme_attr(th, ROLE_DIM),
              DRAW_LEFT, ascii);
    *cy = y + 3;
    return x + 2 + shown;
}
