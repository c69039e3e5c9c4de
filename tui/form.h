/*
 * form.h - modal form with labelled, validated fields; fed one key at a time.
 *
 *     struct form *f = form_new("Create server");
 *     int name = form_add_text(f, "Name", "");
 *     int cpus = form_add_int(f, "vCPUs", 2, 1, 64);
 *     int flav = form_add_choice(f, "Flavor", flavors, nflavors, 0);
 *     int nets = form_add_multi(f, "Networks", networks, nnetworks);
 *     form_set_validator(f, name, validate_name, ctx);
 *     ...
 *     switch (form_key(f, ch)) {
 *     case FORM_SUBMIT: create(form_text(f, name), form_int(f, cpus), ...); form_free(f); break;
 *     case FORM_CANCEL: form_free(f); break;
 *     case FORM_PENDING: break;
 *     }
 *     form_draw(f, stdscr, theme, ascii);
 *
 * Keys: Tab / down and Shift-Tab / up move between fields; text and integer
 * fields edit with the lineedit.h keys; a choice cycles with left/right, or
 * jumps to the next option starting with a typed letter; a multi-choice
 * moves with left/right and toggles with Space.  Enter submits when every
 * field validates, and otherwise shows the errors and moves to the first
 * bad field.  Esc cancels.  Errors show under a field once it was edited
 * or a submit was tried.
 */
#ifndef RT_FORM_H
#define RT_FORM_H

#include <curses.h>
#include <stddef.h>

struct theme;
struct form;

enum form_result { FORM_PENDING, FORM_SUBMIT, FORM_CANCEL };

struct form *form_new(const char *title);
void form_free(struct form *f);
/* Add fields; labels and options are copied.  Each returns the field index. */
int form_add_text(struct form *f, const char *label, const char *initial);
/* An integer in [min, max]; anything else is an error shown inline. */
int form_add_int(struct form *f, const char *label, long long initial, long long min,
                 long long max);
/* One of n options (n >= 1). */
int form_add_choice(struct form *f, const char *label, const char *const *options, size_t n,
                    size_t initial);
/* Any subset of n options (n <= 64); none selected at first. */
int form_add_multi(struct form *f, const char *label, const char *const *options, size_t n);
/*
 * A validator for a field: returns NULL when the field is fine, else a
 * message (borrowed; it must stay valid until the next call).  It may read
 * any field of the form.  Runs after the built-in integer check.
 */
void form_set_validator(struct form *f, int field,
                        const char *(*validate)(void *ctx, const struct form *f, int field),
                        void *ctx);

/* Field values. */
const char *form_text(const struct form *f, int field); /* text and integer fields */
long long form_int(const struct form *f, int field);    /* 0 if not a number */
size_t form_choice(const struct form *f, int field);
int form_multi_selected(const struct form *f, int field, size_t option);
void form_multi_set(struct form *f, int field, size_t option, int on);
/*
 * The message of the first field that does not validate, or NULL; *field
 * (if not NULL) gets its index.  The message is valid until the next call.
 */
const char *form_error(struct form *f, int *field);

enum form_result form_key(struct form *f, int ch);
/* Index of the field with the focus. */
int form_focus(const struct form *f);
/* Draw centred in w.  Returns the input cursor column, or -1 (*cy: its row). */
int form_draw(const struct form *f, WINDOW *w, const struct theme *th, int ascii, int *cy);

#endif
