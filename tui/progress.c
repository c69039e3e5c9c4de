/*
 * progress.c - progress bar rendering into a UTF-8 or ASCII string.
 *
 * Layout: "[" bar "]" then " NNN%" (5 columns), total = width columns.
 * The bar has width - 7 cells; in UTF-8 mode the filled length is counted
 * in eighths of a cell (U+2588 full block, U+2589..U+258F partial blocks).
 * Pure function; thread-safe.
 */
#include "tui/progress.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PROGRESS_PCT_COLS 5

/* Partial blocks of 1/8 .. 7/8 of a cell. */
static const char *const progress_eighths[8] = {
    "",
    "\xe2\x96\x8f",
    "\xe2\x96\x8e",
    "\xe2\x96\x8d",
    "\xe2\x96\x8c",
    "\xe2\x96\x8b",
    "\xe2\x96\x8a",
    "\xe2\x96\x89",
};

struct progress_out {
    char *dst;
    size_t len, cap;
};

static void progress_put(struct progress_out *o, const char *s)
{
    size_t n = strlen(s);

    if (o->len + n >= o->cap)
        return;
    memcpy(o->dst + o->len, s, n);
    o->len += n;
}

size_t progress_render(char *dst, size_t dstlen, double fraction, int width, int ascii)
{
    struct progress_out o = {dst, 0, dstlen};
    int known = !isnan(fraction) && fraction >= 0, cells = width - 2 - PROGRESS_PCT_COLS;
    char pct[16];

    if (dstlen == 0)
        return 0;
    if (fraction > 1)
        fraction = 1;
    if (known)
        snprintf(pct, sizeof pct, "%*d%%", PROGRESS_PCT_COLS - 1, (int)floor(fraction * 100));
    else
        snprintf(pct, sizeof pct, "%*s%%", PROGRESS_PCT_COLS - 1, "--");
    if (cells < 1) { /* room for the number only */
        int pad = width - PROGRESS_PCT_COLS;
        const char *p = pct;
        while (*p == ' ' && pad < 0) {
            p++;
            pad++;
        }
        for (; pad > 0; pad--)
            progress_put(&o, " ");
        progress_put(&o, p);
        dst[o.len] = '\0';
        return o.len;
    }
    progress_put(&o, "[");
    if (ascii) {
        int fill = known ? (int)floor(fraction * cells) : 0;
        for (int i = 0; i < cells; i++)
            progress_put(&o, i < fill ? "#" : ".");
    } else {
        long eighths = known ? lround(fraction * cells * 8) : 0;
        for (int i = 0; i < cells; i++, eighths -= 8)
            progress_put(&o, eighths >= 8  ? "\xe2\x96\x88"
                             : eighths > 0 ? progress_eighths[eighths]
                                           : " ");
    }
    progress_put(&o, "]");
    progress_put(&o, pct);
    dst[o.len] = '\0';
    return o.len;
}
