/*
 * form.c - labelled fields (text, integer, choice, multi-choice) with
 * inline validation, as a key-fed state machine plus a drawing function.
 *
 * A field's error is computed on demand (built-in integer check, then the
 * owner's validator); nothing is cached, so an error can never be stale.
 * Errors are shown for fields the operator edited, and for all fields after
 * the first submit attempt.  The fields array grows with xgrow(); a field
 * holds no pointer into itself, so moving it is safe.  UI thread only.
 */
#include "tui/form.h"

#include "core/err.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "tui/draw.h"
#include "tui/keymap.h"
#include "tui/lineedit.h"
#include "tui/sanitize.h"
#include "tui/theme.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORM_MAX_OPTIONS 64
#define FORM_MIN_VALUE 24
#define FORM_MAX_WIDTH 78

enum form_kind { FORM_KIND_TEXT, FORM_KIND_INT, FORM_KIND_CHOICE, FORM_KIND_MULTI };

struct form_field {
    enum form_kind kind;
    char *label;
    struct lineedit edit; /* text and integer */
    long long min, max;   /* integer */
    char **options;       /* choice and multi */
    size_t noptions;
    size_t option;     /* choice: selected; multi: option under the cursor */
    uint64_t selected; /* multi */
    int touched;
    const char *(*validate)(void *ctx, const struct form *f, int field);
    void *ctx;
};

struct form {
    char *title;
    struct form_field *fields;
    size_t n, cap;
    int focus;
    int tried; /* a submit was attempted: show every error */
    char errmsg[128];
};

struct form *form_new(const char *title)
{
    struct form *f = xcalloc(1, sizeof *f);

    f->title = xstrdup(title != NULL ? title : "");
    return f;
}

void form_free(struct form *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->n; i++) {
        struct form_field *fl = &f->fields[i];
        free(fl->label);
        lineedit_done(&fl->edit);
        for (size_t o = 0; o < fl->noptions; o++)
            free(fl->options[o]);
        free(fl->options);
    }
    free(f->fields);
    free(f->title);
    free(f);
}

static struct form_field *form_add(struct form *f, enum form_kind kind, const char *label)
{
    struct form_field *fl;

    f->fields = xgrow(f->fields, &f->cap, f->n + 1, sizeof *f->fields);
    fl = &f->fields[f->n++];
    memset(fl, 0, sizeof *fl);
    fl->kind = kind;
    fl->label = xstrdup(label != NULL ? label : "");
    lineedit_init(&fl->edit, "");
    return fl;
}

static void form_copy_options(struct form_field *fl, const char *const *options, size_t n)
{
    fl->options = xcalloc(n, sizeof *fl->options);
    fl->noptions = n;
    for (size_t i = 0; i < n; i++)
        fl->options[i] = sanitize_dup(options[i], 0);
}

int form_add_text(struct form *f, const char *label, const char *initial)
{
    struct form_field *fl = form_add(f, FORM_KIND_TEXT, label);

    lineedit_set(&fl->edit, initial != NULL ? initial : "");
    return (int)f->n - 1;
}

int form_add_int(struct form *f, const char *label, long long initial, long long min, long long max)
{
    struct form_field *fl = form_add(f, FORM_KIND_INT, label);
    char buf[32];

    snprintf(buf, sizeof buf, "%lld", initial);
    lineedit_set(&fl->edit, buf);
    fl->min = min;
    fl->max = max;
    return (int)f->n - 1;
}

int form_add_choice(struct form *f, const char *label, const char *const *options, size_t n,
                    size_t initial)
{
    struct form_field *fl;

    RT_ASSERT(n >= 1);
    fl = form_add(f, FORM_KIND_CHOICE, label);
    form_copy_options(fl, options, n);
    fl->option = initial < n ? initial : 0;
    return (int)f->n - 1;
}

int form_add_multi(struct form *f, const char *label, const char *const *options, size_t n)
{
    struct form_field *fl;

    RT_ASSERT(n >= 1 && n <= FORM_MAX_OPTIONS);
    fl = form_add(f, FORM_KIND_MULTI, label);
    form_copy_options(fl, options, n);
    return (int)f->n - 1;
}

void form_set_validator(struct form *f, int field,
                        const char *(*validate)(void *ctx, const struct form *f, int field),
                        void *ctx)
{
    RT_ASSERT(field >= 0 && (size_t)field < f->n);
    f->fields[field].validate = validate;
    f->fields[field].ctx = ctx;
}

static const struct form_field *form_field(const struct form *f, int field)
{
    RT_ASSERT(field >= 0 && (size_t)field < f->n);
    return &f->fields[field];
}

const char *form_text(const struct form *f, int field)
{
    return lineedit_text(&form_field(f, field)->edit);
}

long long form_int(const struct form *f, int field)
{
    long long v = 0;

    return rt_parse_int(form_text(f, field), &v) == 0 ? v : 0;
}

size_t form_choice(const struct form *f, int field)
{
    return form_field(f, field)->option;
}

int form_multi_selected(const struct form *f, int field, size_t option)
{
    const struct form_field *fl = form_field(f, field);

    return option < fl->noptions && (fl->selected >> option) & 1;
}

void form_multi_set(struct form *f, int field, size_t option, int on)
{
    struct form_field *fl;

    RT_ASSERT(field >= 0 && (size_t)field < f->n);
    fl = &f->fields[field];
    if (option >= fl->noptions)
        return;
    if (on)
        fl->selected |= (uint64_t)1 << option;
    else
        fl->selected &= ~((uint64_t)1 << option);
}

/* The error of one field into buf (for built-in messages), or NULL. */
static const char *form_field_error(const struct form *f, int i, char *buf, size_t len)
{
    const struct form_field *fl = &f->fields[i];

    if (fl->kind == FORM_KIND_INT) {
        long long v;
        if (rt_parse_int(lineedit_text(&fl->edit), &v) < 0) {
            snprintf(buf, len, "must be a whole number");
            return buf;
        }
        if (v < fl->min || v > fl->max) {
            snprintf(buf, len, "must be between %lld and %lld", fl->min, fl->max);
            return buf;
        }
    }
    return fl->validate != NULL ? fl->validate(fl->ctx, f, i) : NULL;
}

const char *form_error(struct form *f, int *field)
{
    for (size_t i = 0; i < f->n; i++) {
        const char *e = form_field_error(f, (int)i, f->errmsg, sizeof f->errmsg);
        if (e != NULL) {
            if (field != NULL)
                *field = (int)i;
            return e;
        }
    }
    return NULL;
}

int form_focus(const struct form *f)
{
    return f->focus;
}

/* Jump to the next option after the current one that starts with ch. */
static void form_choice_jump(struct form_field *fl, int ch)
{
    for (size_t k = 1; k <= fl->noptions; k++) {
        size_t o = (fl->option + k) % fl->noptions;
        if (tolower((unsigned char)fl->options[o][0]) == tolower(ch)) {
            fl->option = o;
            return;
        }
    }
}

static void form_field_key(struct form_field *fl, int ch)
{
    switch (fl->kind) {
    case FORM_KIND_TEXT:
    case FORM_KIND_INT:
        if (lineedit_key(&fl->edit, ch) == LINEEDIT_CHANGED)
            fl->touched = 1;
        break;
    case FORM_KIND_CHOICE:
        if (ch == KEYMAP_FN(KEY_LEFT)) {
            fl->option = (fl->option + fl->noptions - 1) % fl->noptions;
            fl->touched = 1;
        } else if (ch == KEYMAP_FN(KEY_RIGHT)) {
            fl->option = (fl->option + 1) % fl->noptions;
            fl->touched = 1;
        } else if (ch > ' ' && ch < 0x7f) {
            form_choice_jump(fl, ch);
            fl->touched = 1;
        }
        break;
    case FORM_KIND_MULTI:
        if (ch == KEYMAP_FN(KEY_LEFT) && fl->option > 0)
            fl->option--;
        else if (ch == KEYMAP_FN(KEY_RIGHT) && fl->option + 1 < fl->noptions)
            fl->option++;
        else if (ch == ' ') {
            fl->selected ^= (uint64_t)1 << fl->option;
            fl->touched = 1;
        }
        break;
    }
}

enum form_result form_key(struct form *f, int ch)
{
    int bad = 0;

    if (ch == KEYMAP_ESC)
        return FORM_CANCEL;
    if (f->n == 0)
        return ch == KEYMAP_ENTER || ch == '\n' ? FORM_SUBMIT : FORM_PENDING;
    if (ch == '\t' || ch == KEYMAP_FN(KEY_DOWN)) {
        f->focus = (f->focus + 1) % (int)f->n;
    } else if (ch == KEYMAP_FN(KEY_BTAB) || ch == KEYMAP_FN(KEY_UP)) {
        f->focus = (f->focus + (int)f->n - 1) % (int)f->n;
    } else if (ch == KEYMAP_ENTER || ch == '\n' || ch == KEYMAP_FN(KEY_ENTER)) {
        f->tried = 1;
        if (form_error(f, &bad) == NULL)
            return FORM_SUBMIT;
        f->focus = bad;
    } else {
        form_field_key(&f->fields[f->focus], ch);
    }
    return FORM_PENDING;
}

/* Draw a multi-choice as "[x] a  [ ] b", scrolled to show the option cursor. */
static void form_draw_multi(const struct form_field *fl, WINDOW *w, int y, int x, int width,
                            int focused, const struct theme *th, int ascii)
{
    size_t first = 0;
    int used = 0, need = 0;

    /* scroll right until the option under the cursor fits */
    for (size_t o = fl->option + 1; o-- > 0;) {
        need += sanitize_width(fl->options[o]) + 6;
        if (need > width && o < fl->option)
            break;
        first = o;
    }
    for (size_t o = first; o < fl->noptions && used < width; o++) {
        char *item = xasprintf("[%c] %s", (fl->selected >> o) & 1 ? 'x' : ' ', fl->options[o]);
        int iw = sanitize_width(item);
        if (iw > width - used)
            iw = width - used;
        draw_text(w, y, x + used, iw, item,
                  theme_attr(th, focused && o == fl->option ? ROLE_INPUT_FOCUS : ROLE_INPUT),
                  DRAW_LEFT, ascii);
        used += iw;
        if (used < width) { /* two spaces between items */
            int gap = width - used < 2 ? width - used : 2;
            draw_fill(w, y, x + used, 1, gap, theme_attr(th, ROLE_DIALOG));
            used += gap;
        }
        free(item);
    }
    if (used < width)
        draw_fill(w, y, x + used, 1, width - used, theme_attr(th, ROLE_DIALOG));
}

int form_draw(const struct form *f, WINDOW *w, const struct theme *th, int ascii, int *cy)
{
    int labelw = 0, width, valw, h, y, x, cursor = -1, per, shown, first = 0;
    attr_t body = theme_attr(th, ROLE_DIALOG);
    char buf[128];

    for (size_t i = 0; i < f->n; i++) {
        int lw = sanitize_width(f->fields[i].label);
        labelw = lw > labelw ? lw : labelw;
    }
    width = labelw + 2 + FORM_MIN_VALUE + 4;
    if (width < 44)
        width = 44;
    if (width > FORM_MAX_WIDTH)
        width = FORM_MAX_WIDTH;
    if (width > getmaxx(w))
        width = getmaxx(w);
    valw = width - 4 - labelw - 2;
    /* Two rows per field (value, then its error) when they fit; on a small
     * terminal one row per field, scrolled to keep the focus visible, with the
     * focused field's error on a line of its own. */
    per = 2;
    shown = (int)f->n;
    h = (int)f->n * 2 + 3;
    if (h > getmaxy(w)) {
        per = 1;
        shown = getmaxy(w) - 5;
        if (shown < 1)
            shown = 1;
        if (shown > (int)f->n)
            shown = (int)f->n;
        h = shown + 5;
        first = f->focus >= shown ? f->focus - shown + 1 : 0;
    }
    draw_center(w, h, width, &y, &x);
    draw_fill(w, y, x, h, width, body);
    draw_box(w, y, x, h, width, body, ascii);
    if (width > 4)
        draw_text(w, y, x + 2, width - 4, f->title, theme_attr(th, ROLE_DIALOG_TITLE), DRAW_CENTER,
                  ascii);
    for (size_t i = (size_t)first; i < f->n && (int)i < first + shown && valw > 0; i++) {
        const struct form_field *fl = &f->fields[i];
        int row = y + 1 + per * ((int)i - first), vx = x + 2 + labelw + 2;
        int focused = (int)i == f->focus;
        attr_t in = theme_attr(th, focused ? ROLE_INPUT_FOCUS : ROLE_INPUT);
        const char *err;

        draw_text(w, row, x + 2, labelw + 2, fl->label, focused ? body | A_BOLD : body, DRAW_LEFT,
                  ascii);
        switch (fl->kind) {
        case FORM_KIND_TEXT:
        case FORM_KIND_INT: {
            int cx = lineedit_draw(&fl->edit, w, row, vx, valw, in, ascii);
            if (focused) {
                cursor = cx;
                if (cy != NULL)
                    *cy = row;
            }
            break;
        }
        case FORM_KIND_CHOICE: {
            char *v = xasprintf("< %s >  (%zu/%zu)", fl->options[fl->option], fl->option + 1,
                                fl->noptions);
            draw_text(w, row, vx, valw, v, in, DRAW_LEFT, ascii);
            free(v);
            break;
        }
        case FORM_KIND_MULTI:
            form_draw_multi(fl, w, row, vx, valw, focused, th, ascii);
            break;
        }
        err = fl->touched || f->tried ? form_field_error(f, (int)i, buf, sizeof buf) : NULL;
        if (per == 2)
            draw_text(w, row + 1, vx, valw, err != NULL ? err : "",
                      err != NULL ? theme_attr(th, ROLE_ERROR_MSG) : body, DRAW_LEFT, ascii);
    }
    if (per == 1) {
        /* One line for errors: the focused field's, else the first field that has one,
         * named, since its own row may be scrolled away. */
        const char *err = NULL;
        char line[200];
        int which = -1;
        for (size_t i = 0; i < f->n && err == NULL; i++) {
            size_t j = i == 0 ? (size_t)f->focus : (i <= (size_t)f->focus ? i - 1 : i);
            if (f->fields[j].touched || f->tried) {
                err = form_field_error(f, (int)j, buf, sizeof buf);
                which = (int)j;
            }
        }
        if (err != NULL && which != f->focus)
            snprintf(line, sizeof line, "%s: %s", f->fields[which].label, err);
        else
            snprintf(line, sizeof line, "%s", err != NULL ? err : "");
        draw_text(w, y + h - 3, x + 2, width - 4, line,
                  err != NULL ? theme_attr(th, ROLE_ERROR_MSG) : body, DRAW_LEFT, ascii);
    }
    draw_text(w, y + h - 2, x + 2, width - 4, "Tab: next field   Enter: submit   Esc: cancel",
              theme_attr(th, ROLE_DIM), DRAW_CENTER, ascii);
    return cursor;
}
