/*
 * draw.h - small curses drawing helpers shared by the widgets.
 *
 * Every helper writes exactly the cells it is given (text is sanitised,
 * cut with an ellipsis and padded with spaces), so a redraw overwrites the
 * previous frame without clearing the window and an unchanged frame costs
 * no terminal output after doupdate().  The caller does wnoutrefresh().
 *
 *     draw_text(w, 0, 0, COLS, title, theme_attr(th, ROLE_TITLE), DRAW_LEFT, ascii);
 *     draw_box(w, y, x, h, wd, theme_attr(th, ROLE_BORDER), ascii);
 */
#ifndef RT_DRAW_H
#define RT_DRAW_H

#include <curses.h>

enum draw_align { DRAW_LEFT, DRAW_RIGHT, DRAW_CENTER };

/* Text in exactly `width` columns at (y, x), sanitised, cut and padded. */
void draw_text(WINDOW *w, int y, int x, int width, const char *text, attr_t attr,
               enum draw_align align, int ascii);
/* Text that is already sanitised and exactly fits (no copy, no padding). */
void draw_raw(WINDOW *w, int y, int x, const char *text, attr_t attr);
/* Fill a rectangle with spaces. */
void draw_fill(WINDOW *w, int y, int x, int h, int width, attr_t attr);
/* A box outline (ACS lines, or + - | in ASCII mode). */
void draw_box(WINDOW *w, int y, int x, int h, int width, attr_t attr, int ascii);
/*
 * A vertical scroll bar of height h at (y, x) for `total` rows of which
 * `visible` starting at `first` are shown: a track with a reverse-video thumb.
 */
void draw_scrollbar(WINDOW *w, int y, int x, int h, size_t first, size_t visible, size_t total,
                    attr_t attr, int ascii);
/* A centred box of h x width inside the window, clamped to it; sets *y, *x. */
void draw_center(WINDOW *w, int h, int width, int *y, int *x);

#endif
