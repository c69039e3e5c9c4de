/*
 * textview.h - scrollable, searchable text pager for describe output, raw
 * JSON and help.  Fed one key at a time.
 *
 *     struct textview *tv = textview_new("web-01 (raw JSON)");
 *     textview_set_text(tv, json_text);           copied, split, sanitised
 *     if (textview_key(tv, ch) & TEXTVIEW_CLOSE) pop_layer();
 *     textview_draw(tv, w, 0, 0, LINES, COLS, theme, ascii);
 *     textview_free(tv);
 *
 * Keys: j/k/up/down scroll a line, PgUp/PgDn (ctrl-b/ctrl-f, space) a page,
 * g/G/Home/End to the ends, left/right scroll sideways; "/" opens a search
 * prompt (Enter searches, case-insensitively, from the current line), n/N
 * jump to the next/previous match; q or Esc closes.
 */
#ifndef RT_TEXTVIEW_H
#define RT_TEXTVIEW_H

#include <curses.h>
#include <stddef.h>

struct binding;
struct theme;
struct textview;

enum textview_reaction {
    TEXTVIEW_IGNORED = 0,
    TEXTVIEW_HANDLED = 1 << 0,
    TEXTVIEW_CLOSE = 1 << 1,
};

/* Actions of the pager's bindings (see textview_bindings()). */
enum textview_action {
    TEXTVIEW_ACT_UP = 1,
    TEXTVIEW_ACT_DOWN,
    TEXTVIEW_ACT_PGUP,
    TEXTVIEW_ACT_PGDN,
    TEXTVIEW_ACT_TOP,
    TEXTVIEW_ACT_BOTTOM,
    TEXTVIEW_ACT_LEFT,
    TEXTVIEW_ACT_RIGHT,
    TEXTVIEW_ACT_SEARCH,
    TEXTVIEW_ACT_NEXT,
    TEXTVIEW_ACT_PREV,
    TEXTVIEW_ACT_CLOSE,
};

struct textview *textview_new(const char *title);
void textview_free(struct textview *tv);
/* The pager's key bindings, for help screens (static, borrowed). */
const struct binding *textview_bindings(void);
/* Replace the text: split on '\n', tabs expanded to 8 columns, each line sanitised. */
void textview_set_text(struct textview *tv, const char *text);
size_t textview_line_count(const struct textview *tv);
/* A line as drawn (borrowed), or NULL past the end. */
const char *textview_line(const struct textview *tv, size_t i);
/* The first line shown. */
size_t textview_top(const struct textview *tv);
/*
 * Search for needle (case-insensitive) from line `from` in direction dir
 * (+1/-1), wrapping; the match becomes the current one and is scrolled to.
 * Returns 0, or -1 when there is no match (the position is unchanged).
 */
int textview_search(struct textview *tv, const char *needle, size_t from, int dir);
/* The line of the current match, or -1. */
long textview_match_line(const struct textview *tv);
/* Handle a key.  Returns enum textview_reaction bits. */
int textview_key(struct textview *tv, int ch);
/*
 * Draw into h x width at (y, x): a title line with the position, the text,
 * and the search prompt on the last line while it is open.
 */
void textview_draw(struct textview *tv, WINDOW *w, int y, int x, int h, int width,
                   const struct theme *th, int ascii);

#endif
