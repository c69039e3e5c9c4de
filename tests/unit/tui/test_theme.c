/*
 * test_theme.c - role table, theme files, colour parsing and mapping.
 * Runs without a terminal: only the curses-free half of theme.c is used,
 * plus theme_attr() before theme_apply(), which needs no terminal either.
 */
#include "testutil.h"

#include "core/err.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "tui/theme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const shipped[] = {"default", "light", "high-contrast", "cvd-safe", "mono"};

static char *theme_path(const char *name)
{
    return xasprintf("%s/themes/%s.theme", RT_TEST_SRCDIR, name);
}

static void assert_style_eq(struct theme_style a, struct theme_style b, const char *what)
{
    if (a.fg != b.fg || a.bg != b.bg || a.attrs != b.attrs)
        fail_msg("%s: got %d/%d/%#x want %d/%d/%#x", what, a.fg, a.bg, a.attrs, b.fg, b.bg,
                 b.attrs);
}

static void test_role_table(void **state)
{
    (void)state;
    for (int r = 0; r < ROLE__COUNT; r++) {
        const char *name = theme_role_name((enum theme_role)r);
        assert_non_null(name);
        assert_non_null(theme_role_help((enum theme_role)r));
        assert_int_equal(theme_role_by_name(name), r);
        for (int s = 0; s < r; s++)
            assert_string_not_equal(name, theme_role_name((enum theme_role)s));
    }
    assert_string_equal(theme_role_name(ROLE_STATE_ACTIVE), "state-active");
    assert_null(theme_role_name(ROLE__COUNT));
    assert_int_equal(theme_role_by_name("no-such-role"), -1);
}

static void test_shipped_themes_parse_and_are_complete(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
        struct rt_error err = {0};
        char *path = theme_path(shipped[i]);
        char *text = load_file(path, NULL);
        struct theme *th = theme_load_file(path, &err);

        if (th == NULL)
            fail_msg("%s", err.msg);
        assert_string_equal(theme_name(th), shipped[i]);
        assert_non_null(text);
        /* every role is set explicitly: "\n<role> " or "\n<role>=" appears */
        for (int r = 0; r < ROLE__COUNT; r++) {
            char *a = xasprintf("\n%s ", theme_role_name((enum theme_role)r));
            char *b = xasprintf("\n%s=", theme_role_name((enum theme_role)r));
            if (strstr(text, a) == NULL && strstr(text, b) == NULL)
                fail_msg("%s does not set role '%s'", path, theme_role_name((enum theme_role)r));
            free(a);
            free(b);
        }
        theme_free(th);
        free(text);
        free(path);
    }
}

static void test_files_match_compiled_in(void **state)
{
    struct rt_error err = {0};
    char *dpath = theme_path("default"), *mpath = theme_path("mono");
    struct theme *d = theme_load_file(dpath, &err);
    struct theme *m = theme_load_file(mpath, &err);
    struct theme *cd = theme_new_default(), *cm = theme_new_mono();
    (void)state;
    assert_non_null(d);
    assert_non_null(m);
    for (int r = 0; r < ROLE__COUNT; r++) {
        const char *name = theme_role_name((enum theme_role)r);
        assert_style_eq(theme_style(d, (enum theme_role)r), theme_default_style((enum theme_role)r),
                        name);
        assert_style_eq(theme_style(cd, (enum theme_role)r),
                        theme_default_style((enum theme_role)r), name);
        assert_style_eq(theme_style(m, (enum theme_role)r), theme_mono_style((enum theme_role)r),
                        name);
        assert_style_eq(theme_style(cm, (enum theme_role)r), theme_mono_style((enum theme_role)r),
                        name);
        /* the mono theme really is attributes only */
        assert_int_equal(theme_style(m, (enum theme_role)r).fg, THEME_COLOR_DEFAULT);
        assert_int_equal(theme_style(m, (enum theme_role)r).bg, THEME_COLOR_DEFAULT);
    }
    theme_free(d);
    theme_free(m);
    theme_free(cd);
    theme_free(cm);
    free(dpath);
    free(mpath);
}

static void test_parse_values(void **state)
{
    struct rt_error err = {0};
    struct theme *th = theme_parse("# comment\n"
                                   "\n"
                                   "  header = bright-white #0a1B2c bold,underline # trailing\n"
                                   "selected=208 17 reverse, italic\n"
                                   "state-error = red\n"
                                   "title = default default none\n",
                                   "t.theme", "t", &err);
    struct theme_style s;
    (void)state;
    if (th == NULL)
        fail_msg("%s", err.msg);
    s = theme_style(th, ROLE_HEADER);
    assert_int_equal(s.fg, 15);
    assert_int_equal(s.bg, THEME_COLOR_RGB(0x0a, 0x1b, 0x2c));
    assert_int_equal(s.attrs, THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE);
    s = theme_style(th, ROLE_SELECTED);
    assert_int_equal(s.fg, 208);
    assert_int_equal(s.bg, 17);
    assert_int_equal(s.attrs, THEME_ATTR_REVERSE | THEME_ATTR_ITALIC);
    s = theme_style(th, ROLE_STATE_ERROR);
    assert_int_equal(s.fg, 1);
    assert_int_equal(s.bg, THEME_COLOR_DEFAULT);
    assert_int_equal(s.attrs, 0);
    /* roles the file leaves out keep the compiled-in default */
    assert_style_eq(theme_style(th, ROLE_MARKED), theme_default_style(ROLE_MARKED), "marked");
    theme_free(th);
}

static void expect_error(const char *text, int line, const char *needle)
{
    struct rt_error err = {0};
    struct theme *th = theme_parse(text, "bad.theme", "bad", &err);
    char *prefix = xasprintf("bad.theme:%d: ", line);

    assert_null(th);
    assert_int_equal(err.code, RT_ERR_CONFIG);
    assert_int_equal(err.detail, line);
    if (strncmp(err.msg, prefix, strlen(prefix)) != 0 || strstr(err.msg, needle) == NULL)
        fail_msg("message '%s' lacks '%s' or '%s'", err.msg, prefix, needle);
    free(prefix);
}

static void test_parse_errors(void **state)
{
    (void)state;
    expect_error("header = white blue\nfrobnicate = red\n", 2, "unknown role 'frobnicate'");
    expect_error("# c\n\nheader = purple\n", 3, "bad colour 'purple'");
    expect_error("header = white 256\n", 1, "bad colour '256'");
    expect_error("header = #12345 blue\n", 1, "bad colour '#12345'");
    expect_error("header = white blue bold,shiny\n", 1, "unknown attribute 'shiny'");
    expect_error("header white blue\n", 1, "expected 'role = fg bg attrs'");
    expect_error("header =\n", 1, "no colours");
    expect_error("title = red\ntitle = blue\n", 2, "set twice");
}

static void test_parse_color(void **state)
{
    int c;
    (void)state;
    assert_int_equal(theme_parse_color("default", &c), 0);
    assert_int_equal(c, THEME_COLOR_DEFAULT);
    assert_int_equal(theme_parse_color("Cyan", &c), 0);
    assert_int_equal(c, 6);
    assert_int_equal(theme_parse_color("bright-black", &c), 0);
    assert_int_equal(c, 8);
    assert_int_equal(theme_parse_color("255", &c), 0);
    assert_int_equal(c, 255);
    assert_int_equal(theme_parse_color("#FF8800", &c), 0);
    assert_int_equal(c, THEME_COLOR_RGB(0xff, 0x88, 0));
    assert_int_equal(theme_parse_color("-1", &c), -1);
    assert_int_equal(theme_parse_color("1x", &c), -1);
    assert_int_equal(theme_parse_color("brightred", &c), -1);
    assert_int_equal(theme_parse_color("#gggggg", &c), -1);
    assert_int_equal(theme_parse_color("#1234567", &c), -1);
    assert_int_equal(theme_parse_color("", &c), -1);
}

static void test_map_color(void **state)
{
    int bold;
    (void)state;
    assert_int_equal(theme_map_color(THEME_COLOR_DEFAULT, 256, &bold), -1);
    assert_int_equal(theme_map_color(3, 0, &bold), -1);
    /* indexes the terminal has are kept */
    assert_int_equal(theme_map_color(208, 256, &bold), 208);
    assert_int_equal(theme_map_color(12, 16, &bold), 12);
    assert_int_equal(bold, 0);
    /* bright colours on 8 colours: normal + bold */
    assert_int_equal(theme_map_color(9, 8, &bold), 1);
    assert_int_equal(bold, 1);
    /* true colour to the 256 cube and grey ramp */
    assert_int_equal(theme_map_color(THEME_COLOR_RGB(0xff, 0x87, 0), 256, NULL), 208);
    assert_int_equal(theme_map_color(THEME_COLOR_RGB(0x80, 0x80, 0x80), 256, NULL), 244);
    assert_int_equal(theme_map_color(THEME_COLOR_RGB(0, 0, 0), 256, NULL), 16);
    /* to 8 colours by RGB distance: orange is nearest yellow, Okabe-Ito
       blue nearest cyan, so cvd-safe stays blue/orange on old terminals */
    assert_int_equal(theme_map_color(THEME_COLOR_RGB(0xe6, 0x9f, 0), 8, NULL), 3);
    assert_int_equal(theme_map_color(THEME_COLOR_RGB(0, 0x72, 0xb2), 8, NULL), 6);
    assert_int_equal(theme_map_color(THEME_COLOR_RGB(0, 0, 0xff), 8, NULL), 4);
    /* a 256 index on a 16-colour terminal: 196 (pure red) is bright red */
    assert_int_equal(theme_map_color(196, 16, NULL), 9);
    assert_int_equal(theme_map_color(196, 8, NULL), 1);
    assert_int_equal(theme_map_color(255, 8, NULL), 7);
}

static void test_load_by_name(void **state)
{
    struct rt_error err = {0};
    char *dir = make_tmpdir(), *tdir, *file;
    char *old = getenv("XDG_CONFIG_HOME") ? xstrdup(getenv("XDG_CONFIG_HOME")) : NULL;
    struct theme *th;
    FILE *f;
    (void)state;

    assert_non_null(dir);
    tdir = xasprintf("%s/racktop/themes", dir);
    assert_int_equal(rt_mkdir_p(tdir, 0700, NULL), 0);
    setenv("XDG_CONFIG_HOME", dir, 1);

    /* shipped themes are found through RACKTOP_THEME_DIR */
    th = theme_load("cvd-safe", &err);
    assert_non_null(th);
    assert_string_equal(theme_name(th), "cvd-safe");
    theme_free(th);

    /* the user's directory comes first, even over a shipped name */
    file = xasprintf("%s/light.theme", tdir);
    f = fopen(file, "w");
    assert_non_null(f);
    fputs("title = 99 default bold\n", f);
    fclose(f);
    th = theme_load("light", &err);
    assert_non_null(th);
    assert_int_equal(theme_style(th, ROLE_TITLE).fg, 99);
    theme_free(th);

    /* an error in a user theme names its file and line */
    f = fopen(file, "w");
    fputs("title = 99\nbogus = red\n", f);
    fclose(f);
    assert_null(theme_load("light", &err));
    assert_non_null(strstr(err.msg, "light.theme:2: unknown role 'bogus'"));

    /* a path loads directly */
    th = theme_load(file, &err);
    assert_null(th);
    free(file);

    assert_null(theme_load("no-such-theme", &err));
    assert_int_equal(err.code, RT_ERR_NOT_FOUND);
    assert_null(theme_find("../default"));
    assert_null(theme_find(".hidden"));
    assert_null(theme_find(""));

    if (old != NULL)
        setenv("XDG_CONFIG_HOME", old, 1);
    else
        unsetenv("XDG_CONFIG_HOME");
    free(old);
    rm_rf(dir);
    free(tdir);
    free(dir);
}

static void test_attr_without_colors(void **state)
{
    struct theme *th = theme_new_default();
    (void)state;
    /* before theme_apply() the monochrome attributes are used */
    assert_int_equal(theme_attr(th, ROLE_SELECTED), A_REVERSE);
    assert_int_equal(theme_attr(NULL, ROLE_STATE_ERROR), A_BOLD);
    assert_int_equal(theme_attr(th, ROLE_DEFAULT), A_NORMAL);
    theme_free(th);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_role_table),
        cmocka_unit_test(test_shipped_themes_parse_and_are_complete),
        cmocka_unit_test(test_files_match_compiled_in),
        cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_color),
        cmocka_unit_test(test_map_color),
        cmocka_unit_test(test_load_by_name),
        cmocka_unit_test(test_attr_without_colors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
