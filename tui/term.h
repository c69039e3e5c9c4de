/*
 * term.h - a terminal widget: libvterm parses, our screen model keeps the
 * cells (tui/term.c), curses draws.
 *
 * Remote output is fed to libvterm and only ever reaches the operator's
 * terminal as cells drawn through curses, so nothing the remote side sends
 * can drive the operator's terminal.  The widget keeps a scrollback of lines
 * pushed off the top of the main screen (not of the alternate screen, so
 * vim, less and htop do not pollute it).
 *
 * Embedding (the console pane, the command-line console):
 *
 *     struct term *t = term_new(rows, cols, 5000);
 *     term_set_output(t, send_cb, conn);      bytes for the remote side:
 *                                             keys, pastes, terminal replies
 *     term_set_resize(t, resize_cb, conn);    the pane size changed:
 *                                             ssh_conn_resize(conn, cols, rows)
 *     on remote output:   term_feed(t, buf, n); app_dirty(a);
 *     in the draw callback:
 *         term_resize(t, h, w);               no-op unless the size changed
 *         term_draw(t, win, y, x, h, w, app_ascii(a), &cy, &cx);
 *         if (cy >= 0) app_show_cursor(a, cy, cx);
 *     in the key callback:
 *         if (ch == detach_key) ...           the owner checks its keys first
 *         term_key(t, ch);                    everything else goes to the remote
 *     scrollback: term_scroll(t, +rows / -rows), term_scroll(t, TERM_SCROLL_BOTTOM)
 *     term_free(t);
 *
 * Colours: palette indexes 0-255 map to curses colours through pairs
 * allocated on demand (above the theme's pairs); default colours stay the
 * terminal's defaults; RGB colours map to the nearest of 256.
 * Without colours, bold/underline/reverse are still drawn.
 *
 * Threading: UI thread only.
 */
#ifndef RT_TERM_H
#define RT_TERM_H

#include <curses.h>
#include <stddef.h>

struct term;

#define TERM_SCROLL_BOTTOM (-1000000000)

struct term *term_new(int rows, int cols, int scrollback);
void term_free(struct term *t);
/* Bytes the widget wants sent to the remote side (keys, pastes, query replies). */
void term_set_output(struct term *t, void (*cb)(void *ctx, const char *buf, size_t n), void *ctx);
/* Called by term_resize() when the size really changed. */
void term_set_resize(struct term *t, void (*cb)(void *ctx, int rows, int cols), void *ctx);
/* Feed remote output. */
void term_feed(struct term *t, const char *buf, size_t n);
/*
 * Resize the emulated screen (no reflow: rows keep their top-left cells; a
 * shorter screen pushes rows above the cursor into the scrollback, a taller
 * one pops them back; a shorter one also resets the remote's scroll region,
 * which libvterm 0.1.4 would otherwise leave below the last row and crash
 * on).  Calls the resize callback.  Returns 1 if it changed.
 */
int term_resize(struct term *t, int rows, int cols);
void term_size(const struct term *t, int *rows, int *cols);
/*
 * Send a key (keymap.h code: a code point or KEYMAP_FN(KEY_x)) to the remote
 * side as the bytes a terminal would send (arrows honour application cursor
 * mode).  Returns 1 if the key meant something, 0 if not.  Typing scrolls
 * the view back to the bottom.
 */
int term_key(struct term *t, int key);
/* Paste text (bracketed when the remote asked for it). */
void term_paste(struct term *t, const char *s, size_t n);
/*
 * Draw the screen (or the scrolled-back view) at (y, x) in w, h x width
 * cells; cells beyond the emulated size are blanked.  cy and cx get the
 * cursor position in w, or -1 when it is hidden or scrolled away.
 */
void term_draw(struct term *t, WINDOW *w, int y, int x, int h, int width, int ascii, int *cy,
               int *cx);
/*
 * Damage: 1 if anything on the screen, the cursor or the view changed since
 * the last term_draw() (which clears it); term_row_dirty() for one live row.
 */
int term_changed(const struct term *t);
int term_row_dirty(const struct term *t, int row);
/* Scroll the view by delta lines (positive: back in history). */
void term_scroll(struct term *t, int delta);
int term_scroll_offset(const struct term *t);
size_t term_scrollback_lines(const struct term *t);
int term_altscreen(const struct term *t);
/* Window title set by the remote (OSC 0/2); untrusted, sanitise before drawing. */
const char *term_title(const struct term *t);

/* ---- for tests and screen scraping ---------------------------------------------- */

struct term_cell_info {
    char text[32]; /* UTF-8, "" for the right half of a wide char */
    int width;     /* 1, 2 (wide), 0 (the right half of a wide char) */
    int fg, bg;    /* palette index, -1 default */
    int bold, underline, reverse, italic;
};
/* Cell of the live screen; 0, or -1 out of range. */
int term_cell(const struct term *t, int row, int col, struct term_cell_info *out);
/* Text of a live screen row (trailing blanks trimmed) into buf. Returns buf. */
char *term_row_text(const struct term *t, int row, char *buf, size_t len);
/*
 * The same for row of the view as term_draw() shows it: with the scroll
 * offset applied, rows above the live screen come from the scrollback.
 */
char *term_view_row_text(const struct term *t, int row, char *buf, size_t len);
/* Text of scrollback line i (0: the oldest), as term_row_text(); "" out of range. */
char *term_scrollback_text(const struct term *t, size_t i, char *buf, size_t len);
void term_cursor(const struct term *t, int *row, int *col, int *visible);

#endif
