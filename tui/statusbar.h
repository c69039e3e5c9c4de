/*
 * statusbar.h - the hint bar ("q quit  / filter ...") generated from binding
 * tables, and the message line with a severity and an expiry time.
 *
 *     struct statusbar *sb = statusbar_new();
 *     statusbar_message(sb, STATUSBAR_ERROR, 5000, "reboot failed: %s", err.msg);
 *     const struct binding *const tables[] = {view_keys, global_keys, NULL};
 *     statusbar_draw_hints(w, LINES - 1, 0, COLS, tables, theme, ascii);
 *     statusbar_draw_message(sb, w, LINES - 2, 0, COLS, theme, ascii, rt_mono_ms());
 *     next = statusbar_deadline(sb);     a timer redraws when the message expires
 *     statusbar_free(sb);
 *
 * Times are rt_mono_ms() milliseconds.
 */
#ifndef RT_STATUSBAR_H
#define RT_STATUSBAR_H

#include <curses.h>
#include <stdint.h>

struct binding;
struct theme;
struct statusbar;

enum statusbar_severity { STATUSBAR_INFO, STATUSBAR_WARNING, STATUSBAR_ERROR };

struct statusbar *statusbar_new(void);
void statusbar_free(struct statusbar *sb);
/*
 * Show a message (printf format; the text is sanitised when drawn) for
 * ttl_ms milliseconds from now (<= 0: until replaced or cleared).
 */
void statusbar_message(struct statusbar *sb, enum statusbar_severity sev, int64_t ttl_ms,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void statusbar_clear(struct statusbar *sb);
/* The message shown at `now`, or NULL when none or expired (borrowed). */
const char *statusbar_text(const struct statusbar *sb, int64_t now, enum statusbar_severity *sev);
/* When the current message expires (rt_mono_ms() time), or -1 if never/none. */
int64_t statusbar_deadline(const struct statusbar *sb);
/* Draw the message line (blank when there is none) in width columns. */
void statusbar_draw_message(const struct statusbar *sb, WINDOW *w, int y, int x, int width,
                            const struct theme *th, int ascii, int64_t now);
/*
 * Draw "key hint" pairs of every binding with a hint, from a NULL-terminated
 * list of tables, in order, skipping actions already shown and stopping at
 * the first pair that does not fit.  Returns the number of pairs drawn.
 */
int statusbar_draw_hints(WINDOW *w, int y, int x, int width, const struct binding *const *tables,
                         const struct theme *th, int ascii);

#endif
