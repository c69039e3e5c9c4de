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

/*
 * Line drawing uses the Unicode box characters themselves rather than the
 * terminal's alternate character set: ACS depends on terminfo entries that
 * are often wrong across ssh/tmux/screen (a TERM=xterm inside tmux shows
 * "x" and "q"), while UTF-8 text always renders.  ASCII mode uses + - |.
 */
static void cell(cchar_t *cc, wchar_t ch, attr_t attr)
{
    wchar_t s[2] = {ch, L'\0'};

    setcchar(cc, s, attr & ~A_COLOR, (short)PAIR_NUMBER(attr), NULL);
}

void draw_box(WINDOW *w, int y, int x, int h, int width, attr_t attr, int ascii)
{
    cchar_t hl, vl, ul, ur, ll, lr;

    if (h < 2 || width < 2)
        return;
    cell(&hl, ascii ? L'-' : L'\u2500', attr);
    cell(&vl, ascii ? L'|' : L'\u2502', attr);
    cell(&ul, ascii ? L'+' : L'\u250c', attr);
    cell(&ur, ascii ? L'+' : L'\u2510', attr);
    cell(&ll, ascii ? L'+' : L'\u2514', attr);
    cell(&lr, ascii ? L'+' : L'\u2518', attr);
    wattrset(w, attr);
    mvwhline_set(w, y, x + 1, &hl, width - 2);
    mvwhline_set(w, y + h - 1, x + 1, &hl, width - 2);
    mvwvline_set(w, y + 1, x, &vl, h - 2);
    mvwvline_set(w, y + 1, x + width - 1, &vl, h - 2);
    mvwadd_wch(w, y, x, &ul);
    mvwadd_wch(w, y, x + width - 1, &ur);
    mvwadd_wch(w, y + h - 1, x, &ll);
    /* the bottom-right cell of a window cannot be written with add_wch */
    if (y + h - 1 == getmaxy(w) - 1 && x + width - 1 == getmaxx(w) - 1)
        mvwins_wch(w, y + h - 1, x + width - 1, &lr);
    else
        mvwadd_wch(w, y + h - 1, x + width - 1, &lr);
}

void draw_scrollbar(WINDOW *w, int y, int x, int h, size_t first, size_t visible, size_t total,
                    attr_t attr, int ascii)
{
    size_t size, pos = 0;

    if (h <= 0)
        return;
    {
        cchar_t vl;
        cell(&vl, ascii ? L'|' : L'\u2502', attr);
        wattrset(w, attr);
        mvwvline_set(w, y, x, &vl, h);
    }
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
