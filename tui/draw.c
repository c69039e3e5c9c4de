/*
 * draw.c - cell-exact drawing helpers over curses.
 *
 * The helpers never erase a window; each writes every cell of the area it
 * is given, which keeps ncurses' diff against the previous frame empty when
 * nothing changed.  Text goes through sanitize_pad(), so nothing drawn here
 * can contain a control character.  UI thread only (curses).
 */
#include "tui/draw.h"

#include "core/xalloc.h"
#include "tui/sanitize.h"

#include <stdlib.h>
#include <string.h>

#define DRAW_STACKBUF 1024

void draw_text(WINDOW *w, int y, int x, int width, const char *text, attr_t attr,
               enum draw_align align, int ascii)
{
    char stack[DRAW_STACKBUF], *buf = stack;
    size_t cap = (size_t)width * 4 + 8;
    int tw;

    if (width <= 0)
        return;
    if (cap > sizeof stack)
        buf = xmalloc(cap);
    if (align == DRAW_CENTER) {
        tw = sanitize_truncate(buf, cap - (size_t)width, text, width, ascii); /* room to pad */
        {
            int left = (width - tw) / 2;
            size_t len = strlen(buf);
            memmove(buf + left, buf, len + 1);
            memset(buf, ' ', (size_t)left);
            memset(buf + left + len, ' ', (size_t)(width - tw - left));
            buf[left + len + (size_t)(width - tw - left)] = '\0';
        }
    } else {
        sanitize_pad(buf, cap, text, width, align == DRAW_RIGHT, ascii);
    }
    wattrset(w, attr);
    mvwaddstr(w, y, x, buf);
    if (buf != stack)
        free(buf);
}

void draw_raw(WINDOW *w, int y, int x, const char *text, attr_t attr)
{
    wattrset(w, attr);
    mvwaddstr(w, y, x, text);
}

void draw_fill(WINDOW *w, int y, int x, int h, int width, attr_t attr)
{
    if (width <= 0)
        return;
    wattrset(w, attr);
    for (int i = 0; i < h; i++)
        mvwhline(w, y + i, x, ' ', width);
}

void draw_box(WINDOW *w, int y, int x, int h, int width, attr_t attr, int ascii)
{
    chtype hl = ascii ? '-' : ACS_HLINE, vl = ascii ? '|' : ACS_VLINE;

    if (h < 2 || width < 2)
        return;
    wattrset(w, attr);
    mvwhline(w, y, x + 1, hl, width - 2);
    mvwhline(w, y + h - 1, x + 1, hl, width - 2);
    mvwvline(w, y + 1, x, vl, h - 2);
    mvwvline(w, y + 1, x + width - 1, vl, h - 2);
    mvwaddch(w, y, x, ascii ? '+' : ACS_ULCORNER);
    mvwaddch(w, y, x + width - 1, ascii ? '+' : ACS_URCORNER);
    mvwaddch(w, y + h - 1, x, ascii ? '+' : ACS_LLCORNER);
    /* the bottom-right cell of a window cannot be written with addch */
    if (y + h - 1 == getmaxy(w) - 1 && x + width - 1 == getmaxx(w) - 1)
        mvwinsch(w, y + h - 1, x + width - 1, ascii ? '+' : ACS_LRCORNER);
    else
        mvwaddch(w, y + h - 1, x + width - 1, ascii ? '+' : ACS_LRCORNER);
}

void draw_scrollbar(WINDOW *w, int y, int x, int h, size_t first, size_t visible, size_t total,
                    attr_t attr, int ascii)
{
    size_t size, pos = 0;

    if (h <= 0)
        return;
    wattrset(w, attr);
    mvwvline(w, y, x, ascii ? '|' : ACS_VLINE, h);
    if (total <= visible || total == 0)
        return;
    size = (size_t)h * visible / total;
    if (size < 1)
        size = 1;
    if (total > visible)
        pos = ((size_t)h - size) * first / (total - visible);
    if (pos + size > (size_t)h)
        pos = (size_t)h - size;
    wattrset(w, attr | A_REVERSE);
    mvwvline(w, y + (int)pos, x, ' ', (int)size);
}

void draw_center(WINDOW *w, int h, int width, int *y, int *x)
{
    int mh = getmaxy(w), mw = getmaxx(w);

    *y = h >= mh ? 0 : (mh - h) / 2;
    *x = width >= mw ? 0 : (mw - width) / 2;
}
