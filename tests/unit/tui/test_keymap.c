/*
 * test_keymap.c - key names both ways, lookup, generated help.
 */
#include "testutil.h"

#include "core/strbuf.h"
#include "tui/keymap.h"

#include <curses.h>
#include <locale.h>
#include <string.h>

enum { ACT_QUIT = 1, ACT_HELP, ACT_REFRESH, ACT_DOWN, ACT_HIDDEN };

static const struct binding keys[] = {
    {'q', NULL, ACT_QUIT, "quit racktop", "quit"},
    {'?', NULL, ACT_HELP, "show this help", "help"},
    {KEYMAP_CTRL('r'), NULL, ACT_REFRESH, "refresh now", NULL},
    {KEYMAP_FN(KEY_F(5)), NULL, ACT_REFRESH, NULL, NULL},
    {'j', NULL, ACT_DOWN, "move down", NULL},
    {KEYMAP_FN(KEY_DOWN), "\xe2\x86\x93", ACT_DOWN, NULL, NULL},
    {'x', NULL, ACT_HIDDEN, NULL, NULL},
    {KEYMAP_ENTER, NULL, ACT_HELP, NULL, NULL},
    {0},
};

static void test_parse_names(void **state)
{
    (void)state;
    assert_int_equal(keymap_parse_key("q"), 'q');
    assert_int_equal(keymap_parse_key("G"), 'G');
    assert_int_equal(keymap_parse_key("?"), '?');
    assert_int_equal(keymap_parse_key("/"), '/');
    assert_int_equal(keymap_parse_key("\xc3\xa9"), 0xe9);
    assert_int_equal(keymap_parse_key("ctrl-r"), 18);
    assert_int_equal(keymap_parse_key("Ctrl-R"), 18);
    assert_int_equal(keymap_parse_key("C-r"), 18);
    assert_int_equal(keymap_parse_key("^R"), 18);
    assert_int_equal(keymap_parse_key("enter"), KEYMAP_ENTER);
    assert_int_equal(keymap_parse_key("RETURN"), KEYMAP_ENTER);
    assert_int_equal(keymap_parse_key("esc"), 27);
    assert_int_equal(keymap_parse_key("space"), ' ');
    assert_int_equal(keymap_parse_key("tab"), '\t');
    assert_int_equal(keymap_parse_key("shift-tab"), KEYMAP_FN(KEY_BTAB));
    assert_int_equal(keymap_parse_key("pgdn"), KEYMAP_FN(KEY_NPAGE));
    assert_int_equal(keymap_parse_key("PageUp"), KEYMAP_FN(KEY_PPAGE));
    assert_int_equal(keymap_parse_key("F5"), KEYMAP_FN(KEY_F(5)));
    assert_int_equal(keymap_parse_key("f12"), KEYMAP_FN(KEY_F(12)));
    assert_int_equal(keymap_parse_key("home"), KEYMAP_FN(KEY_HOME));
}

static void test_parse_rejects(void **state)
{
    (void)state;
    assert_int_equal(keymap_parse_key(""), -1);
    assert_int_equal(keymap_parse_key(NULL), -1);
    assert_int_equal(keymap_parse_key("ctrl-"), -1);
    assert_int_equal(keymap_parse_key("ctrl-rr"), -1);
    assert_int_equal(keymap_parse_key("ctrl-1"), -1);
    assert_int_equal(keymap_parse_key("F0"), -1);
    assert_int_equal(keymap_parse_key("F64"), -1);
    assert_int_equal(keymap_parse_key("F5x"), -1);
    assert_int_equal(keymap_parse_key("bogus"), -1);
    assert_int_equal(keymap_parse_key("\x01"), -1);
    assert_int_equal(keymap_parse_key("\xff"), -1);
}

static void test_names_round_trip(void **state)
{
    static const int samples[] = {
        'a',
        'G',
        '?',
        '/',
        ' ',
        '\t',
        27,
        13,
        18,
        1,
        0xe9,
        0x65e5,
        0x1f680,
        KEYMAP_FN(KEY_UP),
        KEYMAP_FN(KEY_NPAGE),
        KEYMAP_FN(KEY_F(1)),
        KEYMAP_FN(KEY_F(63)),
        KEYMAP_FN(KEY_BTAB),
        KEYMAP_FN(KEY_DC),
        KEYMAP_FN(KEY_BACKSPACE),
    };
    char buf[32];
    (void)state;
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        const char *name = keymap_key_name(samples[i], buf, sizeof buf);
        assert_int_equal(keymap_parse_key(name), samples[i]);
    }
    assert_string_equal(keymap_key_name(KEYMAP_FN(KEY_NPAGE), buf, sizeof buf), "pgdn");
    assert_string_equal(keymap_key_name(18, buf, sizeof buf), "ctrl-r");
    assert_string_equal(keymap_key_name(' ', buf, sizeof buf), "space");
    assert_string_equal(keymap_key_name(KEYMAP_FN(KEY_F(5)), buf, sizeof buf), "F5");
    assert_string_equal(keymap_key_name('\n', buf, sizeof buf), "enter");
    assert_string_equal(keymap_key_name(127, buf, sizeof buf), "backspace");
}

static void test_lookup(void **state)
{
    (void)state;
    assert_int_equal(keymap_lookup(keys, 'q'), ACT_QUIT);
    assert_int_equal(keymap_lookup(keys, 18), ACT_REFRESH);
    assert_int_equal(keymap_lookup(keys, KEYMAP_FN(KEY_F(5))), ACT_REFRESH);
    assert_int_equal(keymap_lookup(keys, KEYMAP_FN(KEY_DOWN)), ACT_DOWN);
    assert_int_equal(keymap_lookup(keys, 'Q'), 0);
    /* KEY_DOWN as a bare int is U+0102, a character, and must not match */
    assert_int_equal(keymap_lookup(keys, KEY_DOWN), 0);
    /* Enter arrives as CR, LF or KEY_ENTER */
    assert_int_equal(keymap_lookup(keys, '\r'), ACT_HELP);
    assert_int_equal(keymap_lookup(keys, '\n'), ACT_HELP);
    assert_int_equal(keymap_lookup(keys, KEYMAP_FN(KEY_ENTER)), ACT_HELP);
    assert_ptr_equal(keymap_find_action(keys, ACT_DOWN), &keys[4]);
    assert_null(keymap_find_action(keys, 99));
}

static void test_help_generated_from_table(void **state)
{
    struct strbuf sb = STRBUF_INIT;
    size_t n;
    (void)state;
    n = keymap_help(keys, "Global keys", &sb);
    assert_int_equal(n, 5); /* title + quit, help, refresh, down; x has no help */
    assert_string_equal(sb.buf, "Global keys\n"
                                "  q              quit racktop\n"
                                "  ?/enter        show this help\n"
                                "  ctrl-r/F5      refresh now\n"
                                "  j/\xe2\x86\x93            move down\n");
    strbuf_done(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_names),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_help_generated_from_table),
    };

    if (setlocale(LC_ALL, "C.UTF-8") == NULL)
        return 77;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
