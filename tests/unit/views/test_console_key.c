/*
 * test_console_key.c - console.detach_key from config.yaml to the key the
 * console compares with: every name config_load() accepts reads back to
 * its key through keymap_parse_key() (no silent fallback to ctrl-]), the
 * name shown is the one configured, and no config means ctrl-].
 */
#include "testutil.h"

#include "core/config.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "tui/keymap.h"
#include "views/console.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct config *load(const char *dir, const char *key)
{
    char *path = xasprintf("%s/config.yaml", dir);
    struct rt_error err = {0};
    struct config *cfg;
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fprintf(f, "console: {detach_key: '%s'}\n", key);
    fclose(f);
    cfg = config_load(path, &err);
    free(path);
    return cfg;
}

static void test_detach_key(void **state)
{
    static const struct {
        const char *name;
        int key;
    } ok[] = {
        {"ctrl-]", KEYMAP_CTRL(']')}, {"ctrl-g", KEYMAP_CTRL('g')},  {"Ctrl-A", KEYMAP_CTRL('a')},
        {"C-b", KEYMAP_CTRL('b')},    {"^\\", KEYMAP_CTRL('\\')},    {"ctrl-_", KEYMAP_CTRL('_')},
        {"ctrl-^", KEYMAP_CTRL('^')}, {"F12", KEYMAP_FN(KEY_F(12))}, {"f1", KEYMAP_FN(KEY_F(1))},
    };
    static const char *const bad[] = {"q", "ctrl-m", "ctrl-h", "ctrl-[", "F13", "enter", "esc"};
    char *dir = make_tmpdir();
    char name[32];

    (void)state;
    assert_int_equal(console_detach_key(NULL, name, sizeof name), KEYMAP_CTRL(']'));
    assert_string_equal(name, "ctrl-]");
    assert_string_equal(console_detach_name(NULL), "ctrl-]");
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct config *cfg = load(dir, ok[i].name);
        assert_non_null(cfg);
        assert_int_equal(console_detach_key(cfg, name, sizeof name), ok[i].key);
        assert_string_equal(name, ok[i].name);
        config_free(cfg);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_null(load(dir, bad[i]));
    /* Every control key the config accepts is one the keymap reads. */
    for (int c = 'a'; c <= 'z'; c++) {
        char n[16];
        struct config *cfg;
        snprintf(n, sizeof n, "ctrl-%c", c);
        cfg = load(dir, n);
        if (cfg == NULL)
            continue;
        assert_int_equal(console_detach_key(cfg, name, sizeof name), KEYMAP_CTRL(c));
        config_free(cfg);
    }
    rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detach_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
