/*
 * spark.c - sparkline rendering into a UTF-8 or ASCII string.
 *
 * A value becomes a level: 0..7 for blocks and ASCII (block U+2581 + level,
 * or " _.-=+*#"[level], where ASCII level 0 is reserved for "missing" so
 * values use 1..7), 1..4 dots high for braille (U+2800 + dot bits, left
 * column for the older value).  Pure function; thread-safe.
 */
#include "tui/spark.h"

#include <math.h>
#include <string.h>

static const char spark_ascii[] = " _.-=+*#";

/* Braille dot bits from the bottom up, for the left and the right column. */
static const unsigned spark_dots[2][4] = {{0x40, 0x04, 0x02, 0x01}, {0x80, 0x20, 0x10, 0x08}};

struct spark_out {
    char *dst;
    size_t len, cap;
    int full;
};

static void spark_put(struct spark_out *o, const char *s, size_t n)
{
    if (o->full || o->len + n >= o->cap) {
        o->full = 1;
        return;
    }
    memcpy(o->dst + o->len, s, n);
    o->len += n;
}

/* Encode a BMP code point as UTF-8 into buf (3 bytes for U+0800..U+FFFF). */
static size_t spark_utf8(unsigned cp, char *buf)
{
    buf[0] = (char)(0xe0 | (cp >> 12));
    buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    buf[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
}

/* Level of v on [lo, hi] in 0..levels-1, or -1 for NaN. */
static int spark_level(double v, double lo, double hi, int levels)
{
    double f;

    if (isnan(v))
        return -1;
    f = hi > lo ? (v - lo) / (hi - lo) : 0.5;
    if (f < 0)
        f = 0;
    if (f > 1)
        f = 1;
    return (int)lround(f * (levels - 1));
}

size_t spark_render(char *dst, size_t dstlen, const double *vals, size_t n, int width, double lo,
                    double hi, enum spark_style style)
{
    struct spark_out o = {dst, 0, dstlen, dstlen == 0};
    size_t per = style == SPARK_BRAILLE ? 2 : 1;
    size_t want = width > 0 ? (size_t)width * per : 0;
    size_t first = n > want ? n - want : 0;     /* first value drawn */
    long slot = (long)want - (long)(n - first); /* empty value slots on the left */
    char buf[4];

    if (lo >= hi) { /* auto scale over the values drawn */
        int any = 0;
        for (size_t i = first; i < n; i++) {
            if (isnan(vals[i]))
                continue;
            if (!any || vals[i] < lo)
                lo = vals[i];
            if (!any || vals[i] > hi)
                hi = vals[i];
            any = 1;
        }
    }
    for (int col = 0; col < width; col++) {
        if (style == SPARK_BRAILLE) {
            unsigned bits = 0;
            for (int side = 0; side < 2; side++, slot--) {
                long idx = (long)first - slot;
                int lvl = slot > 0 ? -1 : spark_level(vals[idx], lo, hi, 4);
                for (int d = 0; d <= lvl; d++)
                    bits |= spark_dots[side][d];
            }
            spark_put(&o, buf, spark_utf8(0x2800 + bits, buf));
        } else {
            long idx = (long)first - slot;
            int lvl = slot > 0 ? -1 : spark_level(vals[idx], lo, hi, style == SPARK_ASCII ? 7 : 8);
            slot--;
            if (style == SPARK_ASCII)
                spark_put(&o, &spark_ascii[lvl + 1], 1);
            else if (lvl < 0)
                spark_put(&o, " ", 1);
            else
                spark_put(&o, buf, spark_utf8(0x2581 + (unsigned)lvl, buf));
        }
    }
    if (dstlen > 0)
        dst[o.len] = '\0';
    return o.len;
}
