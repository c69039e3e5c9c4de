/*
 * dialog.h - modal confirmation dialog, fed one key at a time.
 *
 * The main loop never blocks on a dialog: it pushes it as a layer, passes
 * keys to dialog_key() and acts when the result is no longer PENDING.
 *
 *     struct dialog *d = dialog_new("Delete server", "Delete web-01?\nThis cannot be undone.");
 *     dialog_require_text(d, "web-01");      optional: type the name to confirm
 *     ...
 *     switch (dialog_key(d, ch)) {
 *     case DIALOG_OK: do_it(); dialog_free(d); break;
 *     case DIALOG_CANCEL: dialog_free(d); break;
 *     case DIALOG_PENDING: break;
 *     }
 *     dialog_draw(d, stdscr, theme, ascii);   centred in the window
 *
 * Keys: Tab / Shift-Tab / left / right move the focus between the input
 * (if any), OK and Cancel; Enter activates the focused button (in the input:
 * OK); Esc cancels.  Without a required text, 'y' confirms and 'n' cancels.
 * OK is disabled until the typed text matches exactly.  Cancel has the
 * focus at first, so a stray Enter never confirms.
 */
#ifndef RT_DIALOG_H
#define RT_DIALOG_H

#include <curses.h>

struct theme;
struct dialog;

enum dialog_result { DIALOG_PENDING, DIALOG_OK, DIALOG_CANCEL };

/* A new dialog; title and message (lines split on '\n') are copied and sanitised when drawn. */
struct dialog *dialog_new(const char *title, const char *message);
void dialog_free(struct dialog *d);
/* Button labels (copied); defaults "OK" and "Cancel". */
void dialog_set_labels(struct dialog *d, const char *ok, const char *cancel);
/*
 * Require the operator to type `expected` before OK is enabled.  The text is
 * compared with what the operator sees: expected after sanitising (UTF-8 or
 * ASCII form).  If that is empty, "yes" is required instead.
 */
void dialog_require_text(struct dialog *d, const char *expected);
/* Is OK enabled now? */
int dialog_ok_enabled(const struct dialog *d);
/* Feed a key (keymap.h codes). */
enum dialog_result dialog_key(struct dialog *d, int ch);
/*
 * Draw centred in w.  Returns the screen column of the input cursor when
 * the input has the focus (the caller may show the cursor there), else -1;
 * *cy gets the row.
 */
int dialog_draw(const struct dialog *d, WINDOW *w, const struct theme *th, int ascii, int *cy);

#endif
