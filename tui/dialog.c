/*
 * dialog.c - confirmation dialog: message, optional typed confirmation,
 * OK/Cancel buttons; a state machine fed by dialog_key().
 *
 * Focus cycles over the widgets that exist: [input,] OK, Cancel.  OK can
 * only be activated while dialog_ok_enabled(), which for a typed
 * confirmation means an exact, case-sensitive match with the sanitised
 * expected text.  UI thread only.
 */
#include "tui/dialog.h"

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "tui/draw.h"
#include "tui/keymap.h"
#include "tui/lineedit.h"
#include "tui/sanitize.h"
#include "tui/theme.h"

#include <stdlib.h>
#include <string.h>

#define DIALOG_MAX_WIDTH 76
#define DIALOG_MAX_LINES 12

enum dialog_focus { DIALOG_FOCUS_INPUT, DIALOG_FOCUS_OK, DIALOG_FOCUS_CANCEL };

struct dialog {
    char *title;
    char *message;
    char *ok_label, *cancel_label;
    char *expected;       /* sanitised UTF-8 form, NULL: no typed confirmation */
    char *expected_ascii; /* the same in ASCII form */
    struct lineedit input;
    enum dialog_focus focus;
};

struct dialog *dialog_new(const char *title, const char *message)
{
    struct dialog *d = xcalloc(1, sizeof *d);

    d->title = xstrdup(title != NULL ? title : "");
    d->message = xstrdup(message != NULL ? message : "");
    d->ok_label = xstrdup("OK");
    d->cancel_label = xstrdup("Cancel");
    lineedit_init(&d->input, "");
    d->focus = DIALOG_FOCUS_CANCEL;
    return d;
}

void dialog_free(struct dialog *d)
{
    if (d == NULL)
        return;
    free(d->title);
    free(d->message);
    free(d->ok_label);
    free(d->cancel_label);
    free(d->expected);
    free(d->expected_ascii);
    lineedit_done(&d->input);
    free(d);
}

void dialog_set_labels(struct dialog *d, const char *ok, const char *cancel)
{
    free(d->ok_label);
    free(d->cancel_label);
    d->ok_label = xstrdup(ok);
    d->cancel_label = xstrdup(cancel);
}

void dialog_require_text(struct dialog *d, const char *expected)
{
    free(d->expected);
    free(d->expected_ascii);
    d->expected = sanitize_dup(expected, 0);
    d->expected_ascii = sanitize_dup(expected, 1);
    if (d->expected[0] == '\0') {
        free(d->expected);
        free(d->expected_ascii);
        d->expected = xstrdup("yes");
        d->expected_ascii = xstrdup("yes");
    }
    lineedit_set(&d->input, "");
    d->focus = DIALOG_FOCUS_INPUT;
}

int dialog_ok_enabled(const struct dialog *d)
{
    const char *typed = lineedit_text(&d->input);

    if (d->expected == NULL)
        return 1;
    return strcmp(typed, d->expected) == 0 || strcmp(typed, d->expected_ascii) == 0;
}

static void dialog_cycle(struct dialog *d, int dir)
{
    int first = d->expected != NULL ? DIALOG_FOCUS_INPUT : DIALOG_FOCUS_OK;
    int n = DIALOG_FOCUS_CANCEL - first + 1;
    int f = (int)d->focus - first;

    f = ((f + dir) % n + n) % n;
    d->focus = (enum dialog_focus)(first + f);
}

enum dialog_result dialog_key(struct dialog *d, int ch)
{
    if (ch == KEYMAP_ESC)
        return DIALOG_CANCEL;
    if (ch == '\t' || ch == KEYMAP_FN(KEY_DOWN)) {
        dialog_cycle(d, 1);
        return DIALOG_PENDING;
    }
    if (ch == KEYMAP_FN(KEY_BTAB) || ch == KEYMAP_FN(KEY_UP)) {
        dialog_cycle(d, -1);
        return DIALOG_PENDING;
    }
    if (ch == KEYMAP_ENTER || ch == '\n' || ch == KEYMAP_FN(KEY_ENTER)) {
        if (d->focus == DIALOG_FOCUS_CANCEL)
            return DIALOG_CANCEL;
        return dialog_ok_enabled(d) ? DIALOG_OK : DIALOG_PENDING;
    }
    if (d->focus == DIALOG_FOCUS_INPUT) {
        lineedit_key(&d->input, ch);
        return DIALOG_PENDING;
    }
    if (ch == KEYMAP_FN(KEY_LEFT) || ch == KEYMAP_FN(KEY_RIGHT)) {
        dialog_cycle(d, ch == KEYMAP_FN(KEY_LEFT) ? -1 : 1);
        return DIALOG_PENDING;
    }
    if (d->expected == NULL && (ch == 'y' || ch == 'Y'))
        return DIALOG_OK;
    if (d->expected == NULL && (ch == 'n' || ch == 'N'))
        return DIALOG_CANCEL;
    return DIALOG_PENDING;
}

/* Split the message into at most DIALOG_MAX_LINES lines (pointers into a copy). */
static int dialog_lines(const char *message, char *copy, const char **lines)
{
    int n = 0;

    strcpy(copy, message);
    for (char *p = copy; n < DIALOG_MAX_LINES;) {
        char *nl = strchr(p, '\n');
        lines[n++] = p;
        if (nl == NULL)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    return n;
}

int dialog_draw(const struct dialog *d, WINDOW *w, const struct theme *th, int ascii, int *cy)
{
    const char *lines[DIALOG_MAX_LINES];
    char *copy = xmalloc(strlen(d->message) + 1), *prompt = NULL;
    int n = dialog_lines(d->message, copy, lines), width = 20, h, y, x, row, cursor = -1;
    int okw, cw, bx;
    attr_t body = theme_attr(th, ROLE_DIALOG);
    struct strbuf ok = STRBUF_INIT, cancel = STRBUF_INIT;

    for (int i = 0; i < n; i++) {
        int lw = sanitize_width(lines[i]) + 4;
        width = lw > width ? lw : width;
    }
    if (d->expected != NULL) {
        prompt = xasprintf("Type %s to confirm:", ascii ? d->expected_ascii : d->expected);
        width = sanitize_width(prompt) + 4 > width ? sanitize_width(prompt) + 4 : width;
    }
    if (width > DIALOG_MAX_WIDTH)
        width = DIALOG_MAX_WIDTH;
    if (width > getmaxx(w))
        width = getmaxx(w);
    h = n + 4 + (d->expected != NULL ? 3 : 0);
    draw_center(w, h, width, &y, &x);

    draw_fill(w, y, x, h, width, body);
    draw_box(w, y, x, h, width, body, ascii);
    if (width > 4)
        draw_text(w, y, x + 2, width - 4, d->title, theme_attr(th, ROLE_DIALOG_TITLE), DRAW_CENTER,
                  ascii);
    row = y + 1;
    for (int i = 0; i < n; i++)
        draw_text(w, row++, x + 2, width - 4, lines[i], body, DRAW_LEFT, ascii);
    if (d->expected != NULL) {
        row++;
        draw_text(w, row++, x + 2, width - 4, prompt, body, DRAW_LEFT, ascii);
        {
            int cx = lineedit_draw(
                &d->input, w, row, x + 2, width - 4,
                theme_attr(th, d->focus == DIALOG_FOCUS_INPUT ? ROLE_INPUT_FOCUS : ROLE_INPUT),
                ascii);
            if (d->focus == DIALOG_FOCUS_INPUT) {
                cursor = cx;
                if (cy != NULL)
                    *cy = row;
            }
        }
        row++;
    }
    row++;
    strbuf_addf(&ok, dialog_ok_enabled(d) ? "[ %s ]" : "( %s )", d->ok_label);
    strbuf_addf(&cancel, "[ %s ]", d->cancel_label);
    okw = sanitize_width(ok.buf);
    cw = sanitize_width(cancel.buf);
    bx = x + (width - okw - cw - 2) / 2;
    if (bx < x + 1)
        bx = x + 1;
    draw_text(w, row, bx, okw, ok.buf,
              theme_attr(th, !dialog_ok_enabled(d)         ? ROLE_DIM
                             : d->focus == DIALOG_FOCUS_OK ? ROLE_BUTTON_FOCUS
                                                           : ROLE_BUTTON),
              DRAW_LEFT, ascii);
    draw_text(w, row, bx + okw + 2, cw, cancel.buf,
              theme_attr(th, d->focus == DIALOG_FOCUS_CANCEL ? ROLE_BUTTON_FOCUS : ROLE_BUTTON),
              DRAW_LEFT, ascii);
    strbuf_done(&ok);
    strbuf_done(&cancel);
    free(prompt);
    free(copy);
    return cursor;
}
