/*
 * test_widgets.c - key-fed logic of the small widgets (line editor, dialog,
 * prompt, form, status bar, pager) and the sparkline/progress renderers.
 * No terminal: only the non-drawing halves are exercised.
 */
#include "testutil.h"

#include "core/util.h"
#include "tui/dialog.h"
#include "tui/form.h"
#include "tui/keymap.h"
#include "tui/lineedit.h"
#include "tui/progress.h"
#include "tui/prompt.h"
#include "tui/sanitize.h"
#include "tui/spark.h"
#include "tui/statusbar.h"
#include "tui/textview.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define LEFT KEYMAP_FN(KEY_LEFT)
#define RIGHT KEYMAP_FN(KEY_RIGHT)
#define UP KEYMAP_FN(KEY_UP)
#define DOWN KEYMAP_FN(KEY_DOWN)
#define BTAB KEYMAP_FN(KEY_BTAB)
#define BKSP KEYMAP_FN(KEY_BACKSPACE)

static void feed_le(struct lineedit *le, const char *s)
{
    int32_t cp;

    while (*s != '\0') {
        s += sanitize_decode(s, strlen(s), &cp);
        lineedit_key(le, cp);
    }
}

static void test_lineedit(void **state)
{
    struct lineedit le;
    (void)state;
    lineedit_init(&le, "h\x1b[31mi");
    assert_string_equal(lineedit_text(&le), "hi"); /* sanitised */
    feed_le(&le, " w\xc3\xb6rld");
    assert_string_equal(lineedit_text(&le), "hi w\xc3\xb6rld");
    /* left moves by character, not byte: three lefts land before the 'r' */
    lineedit_key(&le, LEFT);
    lineedit_key(&le, LEFT);
    lineedit_key(&le, LEFT);
    assert_int_equal(lineedit_key(&le, BKSP), LINEEDIT_CHANGED); /* removes ö (2 bytes) */
    assert_string_equal(lineedit_text(&le), "hi wrld");
    lineedit_key(&le, 'o');
    assert_string_equal(lineedit_text(&le), "hi world");
    assert_int_equal(lineedit_key(&le, KEYMAP_CTRL('k')), LINEEDIT_CHANGED);
    assert_string_equal(lineedit_text(&le), "hi wo");
    assert_int_equal(lineedit_key(&le, KEYMAP_CTRL('w')), LINEEDIT_CHANGED);
    assert_string_equal(lineedit_text(&le), "hi ");
    /* controls, C1, bidi overrides and function keys never get in */
    assert_int_equal(lineedit_key(&le, 0x1b), LINEEDIT_IGNORED);
    assert_int_equal(lineedit_key(&le, 0x9b), LINEEDIT_IGNORED);
    assert_int_equal(lineedit_key(&le, 0x202e), LINEEDIT_IGNORED);
    assert_int_equal(lineedit_key(&le, KEYMAP_FN(KEY_F(5))), LINEEDIT_IGNORED);
    assert_string_equal(lineedit_text(&le), "hi ");
    lineedit_key(&le, KEYMAP_CTRL('a'));
    assert_int_equal(lineedit_key(&le, KEYMAP_CTRL('d')), LINEEDIT_CHANGED);
    assert_string_equal(lineedit_text(&le), "i ");
    assert_int_equal(lineedit_key(&le, KEYMAP_CTRL('u')), LINEEDIT_MOVED); /* nothing before */
    lineedit_key(&le, KEYMAP_CTRL('e'));
    lineedit_key(&le, KEYMAP_CTRL('u'));
    assert_string_equal(lineedit_text(&le), "");
    lineedit_done(&le);
}

static void test_dialog_typed_confirmation(void **state)
{
    struct dialog *d = dialog_new("Delete", "Delete web-01?\nThis cannot be undone.");
    (void)state;
    dialog_require_text(d, "web-01\x1b[2J");
    /* Enter does nothing until the exact (sanitised) name is typed */
    assert_false(dialog_ok_enabled(d));
    assert_int_equal(dialog_key(d, KEYMAP_ENTER), DIALOG_PENDING);
    for (const char *p = "web-0"; *p; p++)
        dialog_key(d, *p);
    assert_int_equal(dialog_key(d, KEYMAP_ENTER), DIALOG_PENDING);
    dialog_key(d, '2');
    assert_false(dialog_ok_enabled(d));
    dialog_key(d, BKSP);
    dialog_key(d, '1');
    assert_true(dialog_ok_enabled(d));
    /* 'y' is text here, not a shortcut */
    assert_int_equal(dialog_key(d, 'y'), DIALOG_PENDING);
    assert_false(dialog_ok_enabled(d));
    dialog_key(d, BKSP);
    assert_int_equal(dialog_key(d, KEYMAP_ENTER), DIALOG_OK);
    dialog_free(d);

    /* Tab to Cancel, then Enter cancels even with the right text */
    d = dialog_new("Delete", "x");
    dialog_require_text(d, "db");
    dialog_key(d, 'd');
    dialog_key(d, 'b');
    dialog_key(d, '\t');
    dialog_key(d, '\t');
    assert_int_equal(dialog_key(d, KEYMAP_ENTER), DIALOG_CANCEL);
    dialog_free(d);

    /* a name that sanitises to nothing asks for "yes" */
    d = dialog_new("Delete", "x");
    dialog_require_text(d, "\x1b]0;x\x07");
    for (const char *p = "yes"; *p; p++)
        dialog_key(d, *p);
    assert_int_equal(dialog_key(d, KEYMAP_ENTER), DIALOG_OK);
    dialog_free(d);

    /* ASCII form of a non-ASCII name is accepted too */
    d = dialog_new("Delete", "x");
    dialog_require_text(d, "caf\xc3\xa9");
    for (const char *p = "caf?"; *p; p++)
        dialog_key(d, *p);
    assert_true(dialog_ok_enabled(d));
    assert_int_equal(dialog_key(d, KEYMAP_ESC), DIALOG_CANCEL);
    dialog_free(d);
}

static void test_dialog_simple(void **state)
{
    struct dialog *d = dialog_new("Reboot", "Reboot web-01?");
    (void)state;
    /* Cancel has the focus: a stray Enter never confirms */
    assert_int_equal(dialog_key(d, KEYMAP_ENTER), DIALOG_CANCEL);
    assert_int_equal(dialog_key(d, LEFT), DIALOG_PENDING);
    assert_int_equal(dialog_key(d, KEYMAP_ENTER), DIALOG_OK);
    assert_int_equal(dialog_key(d, 'n'), DIALOG_CANCEL);
    assert_int_equal(dialog_key(d, 'y'), DIALOG_OK);
    dialog_free(d);
}

static const char *const commands[] = {"instances", "images", "hosts", "help", NULL};

static const char *complete(void *ctx, const char *text, size_t index)
{
    size_t k = 0;

    (void)ctx;
    for (const char *const *c = commands; *c != NULL; c++) {
        if (strncmp(*c, text, strlen(text)) == 0 && k++ == index)
            return *c;
    }
    return NULL;
}

static void feed_prompt(struct prompt *p, const char *s)
{
    for (; *s; s++)
        prompt_key(p, *s);
}

static void test_prompt(void **state)
{
    struct prompt *p = prompt_new(":");
    (void)state;
    prompt_set_completer(p, complete, NULL);
    prompt_open(p, NULL);
    assert_int_equal(prompt_key(p, 'i'), PROMPT_CHANGED);
    /* Tab cycles through candidates of "i", Shift-Tab goes back */
    assert_int_equal(prompt_key(p, '\t'), PROMPT_CHANGED);
    assert_string_equal(prompt_text(p), "instances");
    prompt_key(p, '\t');
    assert_string_equal(prompt_text(p), "images");
    prompt_key(p, '\t');
    assert_string_equal(prompt_text(p), "instances");
    prompt_key(p, BTAB);
    assert_string_equal(prompt_text(p), "images");
    assert_int_equal(prompt_key(p, KEYMAP_ENTER), PROMPT_SUBMIT);
    /* no candidates: nothing happens */
    prompt_open(p, "zz");
    assert_int_equal(prompt_key(p, '\t'), PROMPT_PENDING);
    assert_string_equal(prompt_text(p), "zz");
    prompt_key(p, KEYMAP_ENTER);
    prompt_open(p, "");
    feed_prompt(p, "zz");
    prompt_key(p, KEYMAP_ENTER); /* consecutive duplicate: not added again */
    assert_int_equal(prompt_history_count(p), 2);
    /* history browsing keeps the draft */
    prompt_open(p, "");
    feed_prompt(p, "dra");
    assert_int_equal(prompt_key(p, UP), PROMPT_CHANGED);
    assert_string_equal(prompt_text(p), "zz");
    prompt_key(p, UP);
    assert_string_equal(prompt_text(p), "images");
    assert_int_equal(prompt_key(p, UP), PROMPT_PENDING);
    prompt_key(p, DOWN);
    prompt_key(p, DOWN);
    assert_string_equal(prompt_text(p), "dra");
    assert_int_equal(prompt_key(p, KEYMAP_ESC), PROMPT_CANCEL);
    assert_int_equal(prompt_history_count(p), 2);
    /* bounded history */
    for (int i = 0; i < PROMPT_HISTORY_MAX + 10; i++) {
        char line[16];
        snprintf(line, sizeof line, "cmd%d", i);
        prompt_history_add(p, line);
    }
    assert_int_equal(prompt_history_count(p), PROMPT_HISTORY_MAX);
    assert_string_equal(prompt_history_entry(p, PROMPT_HISTORY_MAX - 1), "cmd109");
    prompt_free(p);
}

static const char *no_spaces(void *ctx, const struct form *f, int field)
{
    (void)ctx;
    return strchr(form_text(f, field), ' ') != NULL ? "no spaces allowed" : NULL;
}

static void test_form(void **state)
{
    static const char *const flavors[] = {"small", "medium", "large"};
    static const char *const nets[] = {"public", "private", "storage"};
    struct form *f = form_new("Create server");
    int name, cpus, flavor, net, bad = -1;
    (void)state;

    name = form_add_text(f, "Name", "web 01");
    cpus = form_add_int(f, "vCPUs", 2, 1, 64);
    flavor = form_add_choice(f, "Flavor", flavors, 3, 0);
    net = form_add_multi(f, "Networks", nets, 3);
    form_set_validator(f, name, no_spaces, NULL);

    /* Enter refuses and moves to the bad field */
    assert_string_equal(form_error(f, &bad), "no spaces allowed");
    assert_int_equal(bad, name);
    form_key(f, '\t');
    assert_int_equal(form_focus(f), cpus);
    assert_int_equal(form_key(f, KEYMAP_ENTER), FORM_PENDING);
    assert_int_equal(form_focus(f), name);
    form_key(f, KEYMAP_CTRL('u'));
    for (const char *p = "web-01"; *p; p++)
        form_key(f, *p);
    /* integer: not a number, out of range, then fine */
    form_key(f, DOWN);
    form_key(f, BKSP);
    form_key(f, 'x');
    assert_string_equal(form_error(f, &bad), "must be a whole number");
    assert_int_equal(bad, cpus);
    form_key(f, BKSP);
    form_key(f, '9');
    form_key(f, '9');
    assert_string_equal(form_error(f, NULL), "must be between 1 and 64");
    form_key(f, BKSP);
    assert_null(form_error(f, NULL));
    assert_int_equal(form_int(f, cpus), 9);
    /* choice: cycle both ways, jump by letter */
    form_key(f, '\t');
    form_key(f, LEFT);
    assert_int_equal(form_choice(f, flavor), 2);
    form_key(f, RIGHT);
    assert_int_equal(form_choice(f, flavor), 0);
    form_key(f, 'm');
    assert_int_equal(form_choice(f, flavor), 1);
    /* multi: move and toggle */
    form_key(f, '\t');
    form_key(f, ' ');
    form_key(f, RIGHT);
    form_key(f, RIGHT);
    form_key(f, ' ');
    assert_true(form_multi_selected(f, net, 0));
    assert_false(form_multi_selected(f, net, 1));
    assert_true(form_multi_selected(f, net, 2));
    form_multi_set(f, net, 1, 1);
    form_multi_set(f, net, 2, 0);
    form_multi_set(f, net, 7, 1); /* out of range: ignored */
    assert_true(form_multi_selected(f, net, 1));
    assert_false(form_multi_selected(f, net, 2));
    assert_false(form_multi_selected(f, net, 7));
    form_key(f, '\t'); /* wraps to the first field */
    assert_int_equal(form_focus(f), name);
    form_key(f, BTAB);
    assert_int_equal(form_focus(f), net);
    assert_int_equal(form_key(f, KEYMAP_ENTER), FORM_SUBMIT);
    assert_string_equal(form_text(f, name), "web-01");
    assert_int_equal(form_key(f, KEYMAP_ESC), FORM_CANCEL);
    form_free(f);
}

static void test_statusbar(void **state)
{
    struct statusbar *sb = statusbar_new();
    enum statusbar_severity sev;
    int64_t now = rt_mono_ms();
    (void)state;
    assert_null(statusbar_text(sb, now, NULL));
    statusbar_message(sb, STATUSBAR_ERROR, 1000, "reboot of '%s' failed", "web-01");
    assert_string_equal(statusbar_text(sb, now, &sev), "reboot of 'web-01' failed");
    assert_int_equal(sev, STATUSBAR_ERROR);
    assert_true(statusbar_deadline(sb) >= now + 1000);
    assert_null(statusbar_text(sb, statusbar_deadline(sb), NULL)); /* expired */
    statusbar_message(sb, STATUSBAR_INFO, 0, "sticky");
    assert_int_equal(statusbar_deadline(sb), -1);
    assert_non_null(statusbar_text(sb, now + 1000000, NULL));
    statusbar_clear(sb);
    assert_null(statusbar_text(sb, now, NULL));
    statusbar_free(sb);
}

static void test_textview(void **state)
{
    struct textview *tv = textview_new("raw");
    (void)state;
    textview_set_text(tv,
                      "{\n\t\"name\": \"web\x1b]0;x\x07-01\",\r\n\t\"status\": \"ACTIVE\"\n}\n");
    assert_int_equal(textview_line_count(tv), 4);
    assert_string_equal(textview_line(tv, 1), "        \"name\": \"web-01\",");
    assert_null(textview_line(tv, 4));
    assert_int_equal(textview_search(tv, "STATUS", 0, 1), 0);
    assert_int_equal(textview_match_line(tv), 2);
    assert_int_equal(textview_search(tv, "nothing", 0, 1), -1);
    assert_int_equal(textview_match_line(tv), 2);
    /* "/" opens the prompt, Enter searches from the top line; n and N move */
    assert_int_equal(textview_key(tv, 'g'), TEXTVIEW_HANDLED);
    assert_int_equal(textview_top(tv), 0);
    assert_int_equal(textview_key(tv, '/'), TEXTVIEW_HANDLED);
    textview_key(tv, '"');
    textview_key(tv, KEYMAP_ENTER);
    assert_int_equal(textview_match_line(tv), 1);
    textview_key(tv, 'n');
    assert_int_equal(textview_match_line(tv), 2);
    textview_key(tv, 'n');
    assert_int_equal(textview_match_line(tv), 1); /* wraps */
    textview_key(tv, 'N');
    assert_int_equal(textview_match_line(tv), 2);
    assert_int_equal(textview_key(tv, 'G'), TEXTVIEW_HANDLED);
    assert_int_equal(textview_key(tv, 'z'), TEXTVIEW_IGNORED);
    assert_int_equal(textview_key(tv, 'q'), TEXTVIEW_HANDLED | TEXTVIEW_CLOSE);
    textview_free(tv);
}

static void test_spark(void **state)
{
    const double v[] = {0, 1, 2, 3, 4, 5, 6, 7};
    const double gap[] = {0, NAN, 7};
    char buf[128];
    size_t n;
    (void)state;
    n = spark_render(buf, sizeof buf, v, 8, 8, 0, 7, SPARK_BLOCKS);
    assert_string_equal(buf, "\xe2\x96\x81\xe2\x96\x82\xe2\x96\x83\xe2\x96\x84"
                             "\xe2\x96\x85\xe2\x96\x86\xe2\x96\x87\xe2\x96\x88");
    assert_int_equal(n, 24);
    /* fewer values than columns: right-aligned; auto scale */
    spark_render(buf, sizeof buf, v + 6, 2, 4, 0, 0, SPARK_ASCII);
    assert_string_equal(buf, "  _#");
    spark_render(buf, sizeof buf, gap, 3, 3, 0, 7, SPARK_ASCII);
    assert_string_equal(buf, "_ #");
    /* only the newest values are drawn */
    spark_render(buf, sizeof buf, v, 8, 2, 0, 7, SPARK_ASCII);
    assert_string_equal(buf, "*#");
    /* braille: two values a cell; min is one dot, max four */
    spark_render(buf, sizeof buf, v, 8, 4, 0, 7, SPARK_BRAILLE);
    assert_string_equal(buf, "\xe2\xa3\x80\xe2\xa3\xa4\xe2\xa3\xb6\xe2\xa3\xbf"); /* ⣀⣤⣶⣿ */
    assert_int_equal(sanitize_width(buf), 4);
    spark_render(buf, sizeof buf, v, 3, 2, 0, 7, SPARK_BRAILLE);
    assert_string_equal(buf, "\xe2\xa2\x80\xe2\xa3\xa0"); /* (gap,0) (1,2): ⢀⣠ */
    /* never overflows */
    assert_true(spark_render(buf, 5, v, 8, 8, 0, 7, SPARK_BLOCKS) <= 4);
}

static void test_progress(void **state)
{
    char buf[128];
    (void)state;
    progress_render(buf, sizeof buf, 0.45, 17, 1);
    assert_string_equal(buf, "[####......]  45%");
    progress_render(buf, sizeof buf, 1.5, 17, 1);
    assert_string_equal(buf, "[##########] 100%");
    progress_render(buf, sizeof buf, NAN, 12, 1);
    assert_string_equal(buf, "[.....]  --%");
    progress_render(buf, sizeof buf, 0.5, 6, 1);
    assert_string_equal(buf, "   50%");
    progress_render(buf, sizeof buf, 0.5, 3, 1);
    assert_string_equal(buf, "50%");
    progress_render(buf, sizeof buf, 0.0625, 9, 0); /* 2 cells: 1/8 of the first */
    assert_string_equal(buf, "[\xe2\x96\x8f ]   6%");
    assert_int_equal(sanitize_width(buf), 9);
    progress_render(buf, sizeof buf, 0.45, 17, 0);
    assert_int_equal(sanitize_width(buf), 17);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lineedit),      cmocka_unit_test(test_dialog_typed_confirmation),
        cmocka_unit_test(test_dialog_simple), cmocka_unit_test(test_prompt),
        cmocka_unit_test(test_form),          cmocka_unit_test(test_statusbar),
        cmocka_unit_test(test_textview),      cmocka_unit_test(test_spark),
        cmocka_unit_test(test_progress),
    };

    if (setlocale(LC_ALL, "C.UTF-8") == NULL)
        return 77;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
