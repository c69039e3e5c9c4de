/*
 * spark.h - sparklines: a series of values drawn in a few columns.
 *
 *     char buf[256];
 *     spark_render(buf, sizeof buf, cpu_history, n, 20, 0, 100, SPARK_BLOCKS);
 *     draw_text(w, y, x, 20, buf, theme_attr(th, ROLE_SPARKLINE), DRAW_LEFT, ascii);
 *
 * Styles: SPARK_BLOCKS uses the eight block elements (one value a column),
 * SPARK_BRAILLE braille dots (two values a column, four levels),
 * SPARK_ASCII the characters " _.-=+*#" (for ASCII mode; ' ' is missing).
 * The newest values are drawn, right-aligned; missing columns on the left and
 * NaN values are blank.
 */
#ifndef RT_SPARK_H
#define RT_SPARK_H

#include <stddef.h>

enum spark_style { SPARK_BLOCKS, SPARK_BRAILLE, SPARK_ASCII };

/*
 * Render the last values of vals[0..n) into exactly `width` columns.  The
 * scale is [lo, hi]; when lo >= hi it is the range of the values drawn.
 * Values outside the scale are clamped.  Writes at most dstlen bytes
 * (NUL-terminated, cut at a whole character) and returns the length.
 */
size_t spark_render(char *dst, size_t dstlen, const double *vals, size_t n, int width, double lo,
                    double hi, enum spark_style style);

#endif
