/*
 * lineedit.h - a one-line UTF-8 text editor, embedded in prompts, dialogs
 * and forms.
 *
 *     struct lineedit le;
 *     lineedit_init(&le, "initial");
 *     if (lineedit_key(&le, ch) == LINEEDIT_CHANGED) refilter(lineedit_text(&le));
 *     cx = lineedit_draw(&le, w, y, x, width, attr, ascii);   cursor column
 *     lineedit_done(&le);
 *
 * Keys: printable characters insert; left/right, home/end (ctrl-a/ctrl-e)
 * move; backspace and delete (ctrl-d) erase; ctrl-u and ctrl-k erase to the
 * start and to the end; ctrl-w erases the word before the cursor.  Control
 * characters, C1 controls and bidi controls are never inserted.
 */
#ifndef RT_LINEEDIT_H
#define RT_LINEEDIT_H

#include "core/strbuf.h"

#include <curses.h>
#include <stddef.h>

#define LINEEDIT_MAX 4096 /* bytes */

struct lineedit {
    struct strbuf text; /* always NUL-terminated valid UTF-8 */
    size_t cursor;      /* byte offset, at a character boundary */
};

enum lineedit_result {
    LINEEDIT_IGNORED, /* not an editing key */
    LINEEDIT_MOVED,   /* handled, the text is unchanged */
    LINEEDIT_CHANGED, /* the text changed */
};

void lineedit_init(struct lineedit *le, const char *initial);
void lineedit_done(struct lineedit *le);
/* Replace the text (sanitised; cursor at the end). */
void lineedit_set(struct lineedit *le, const char *text);
/* The text (borrowed, valid until the next edit). */
const char *lineedit_text(const struct lineedit *le);
/* Handle a key (keymap.h codes).  Returns enum lineedit_result. */
int lineedit_key(struct lineedit *le, int ch);
/*
 * Draw the text in `width` columns at (y, x), scrolled horizontally so the
 * cursor is visible.  Returns the screen column of the cursor.
 */
int lineedit_draw(const struct lineedit *le, WINDOW *w, int y, int x, int width, attr_t attr,
                  int ascii);

#endif
