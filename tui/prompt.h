/*
 * prompt.h - one-line input with history and Tab completion, for the ":"
 * command palette and the "/" filter.  Fed one key at a time.
 *
 *     struct prompt *p = prompt_new(":");
 *     prompt_set_completer(p, complete_command, views);
 *     prompt_open(p, "");                   when ':' is pressed
 *     switch (prompt_key(p, ch)) {
 *     case PROMPT_CHANGED: live_filter(prompt_text(p)); break;
 *     case PROMPT_SUBMIT:  run(prompt_text(p)); break;     (added to history)
 *     case PROMPT_CANCEL:  break;
 *     case PROMPT_PENDING: break;
 *     }
 *     cx = prompt_draw(p, w, LINES - 1, 0, COLS, theme, ascii);
 *     prompt_free(p);                       (history goes with it)
 *
 * Keys: the lineedit.h editing keys; up/down browse the history (the line
 * being typed is kept); Tab / Shift-Tab cycle through completions of the
 * text as it was before the first Tab; Enter submits; Esc cancels.
 */
#ifndef RT_PROMPT_H
#define RT_PROMPT_H

#include <curses.h>
#include <stddef.h>

struct theme;
struct prompt;

#define PROMPT_HISTORY_MAX 100

enum prompt_result {
    PROMPT_PENDING, /* nothing for the caller to do */
    PROMPT_CHANGED, /* the text changed (live filters re-filter) */
    PROMPT_SUBMIT,
    PROMPT_CANCEL,
};

/* A new prompt with a label drawn before the text ("/", ":"); label copied. */
struct prompt *prompt_new(const char *label);
void prompt_free(struct prompt *p);
/*
 * Completion: complete(ctx, text, i) returns the i-th candidate (0-based)
 * for text, a whole replacement line (borrowed until the next call), or NULL
 * after the last.  The candidate is sanitised before it is inserted.
 */
void prompt_set_completer(struct prompt *p,
                          const char *(*complete)(void *ctx, const char *text, size_t index),
                          void *ctx);
/* Start editing with initial text (NULL: empty). */
void prompt_open(struct prompt *p, const char *initial);
/* The current text (borrowed until the next key). */
const char *prompt_text(const struct prompt *p);
enum prompt_result prompt_key(struct prompt *p, int ch);
/* History entries, oldest first (borrowed). */
size_t prompt_history_count(const struct prompt *p);
const char *prompt_history_entry(const struct prompt *p, size_t i);
/* Add an entry as if submitted (e.g. loaded from a state file). */
void prompt_history_add(struct prompt *p, const char *line);
/*
 * Draw "label text" in width columns at (y, x), with "(2/5)" after the text
 * while cycling completions.  Returns the cursor's screen column.
 */
int prompt_draw(const struct prompt *p, WINDOW *w, int y, int x, int width, const struct theme *th,
                int ascii);

#endif
