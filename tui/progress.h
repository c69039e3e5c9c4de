/*
 * progress.h - a text progress bar: "[#####.....]  45%".
 *
 *     char buf[128];
 *     progress_render(buf, sizeof buf, task->fraction, 24, ascii);
 *     draw_text(w, y, x, 24, buf, theme_attr(th, ROLE_PROGRESS), DRAW_LEFT, ascii);
 *
 * UTF-8 mode fills with full blocks and one partial eighth block, so a bar
 * of 10 cells moves in 80 steps; ASCII mode uses '#' and '.'.
 */
#ifndef RT_PROGRESS_H
#define RT_PROGRESS_H

#include <stddef.h>

/*
 * Render fraction (0..1, clamped; NaN or negative: unknown, shown as "--%")
 * into exactly `width` columns: the bar, then the percentage right-aligned
 * in 5 columns.  Below 8 columns only the percentage is drawn.  Writes at
 * most dstlen bytes (NUL-terminated) and returns the length.
 */
size_t progress_render(char *dst, size_t dstlen, double fraction, int width, int ascii);

#endif
