/*
 * test_sanitize.c - hostile strings must come out harmless, valid text intact.
 */
#include "testutil.h"

#include "tui/sanitize.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

static void check(const char *in, int ascii, const char *want)
{
    char buf[256];
    char *dup;
    size_t n = sanitize_into(buf, sizeof buf, in, ascii);

    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
    dup = sanitize_dup(in, ascii);
    assert_string_equal(dup, want);
    free(dup);
}

/* No byte of the output may be a control character or DEL. */
static void assert_clean(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        assert_true(*p >= 0x20 && *p != 0x7f);
}

static void test_plain_text_kept(void **state)
{
    (void)state;
    check("web-01.example.com", 0, "web-01.example.com");
    check("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x9a\x80", 0,
          "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x9a\x80");
    check("", 0, "");
    check(NULL, 0, "");
}

static void test_escape_sequences_dropped_whole(void **state)
{
    (void)state;
    check("\x1b]0;pwned\x07name", 0, "name");     /* OSC title, BEL-terminated */
    check("\x1b]0;pwned\x1b\\name", 0, "name");   /* OSC, ST-terminated */
    check("\x1b]8;;http://evil/\x1b\\x", 0, "x"); /* hyperlink */
    check("a\x1b[2Jb", 0, "ab");                  /* clear screen */
    check("\x1b[38;5;196mred\x1b[0m", 0, "red");  /* SGR */
    check("\x1b[?1049h", 0, "");                  /* private mode */
    check("\x1bP1$r\x1b\\ok", 0, "ok");           /* DCS */
    check("\x1b_apc payload\x1b\\z", 0, "z");     /* APC */
    check("\x1b(0lqk", 0, "lqk");                 /* nF charset switch */
    check("\x1b"
          "c",
          0, "");                               /* RIS */
    check("\x1b", 0, "");                       /* lone ESC at end */
    check("\x1b]0;never terminated", 0, "");    /* OSC to end of input */
    check("\x1b]0;x\x18visible", 0, "visible"); /* CAN aborts the string */
}

static void test_c1_controls(void **state)
{
    (void)state;
    check("\x9b"
          "31mred",
          0, "red"); /* raw 8-bit CSI */
    check("\xc2\x9b"
          "2Jx",
          0, "x"); /* CSI as UTF-8 U+009B */
    check("\x9d"
          "0;t",
          0,
          "\xef\xbf\xbd"
          "0;t"); /* raw OSC byte: invalid UTF-8 */
    check("\xc2\x9d"
          "0;t\xc2\x9cy",
          0, "y"); /* UTF-8 OSC ... ST */
    check("a\xc2\x85"
          "b",
          0, "ab"); /* NEL (U+0085) dropped */
    check("a\x85"
          "b",
          0,
          "a\xef\xbf\xbd"
          "b"); /* raw byte: invalid UTF-8 */
}

static void test_c0_and_whitespace(void **state)
{
    (void)state;
    check("a\rb", 0, "a b");
    check("a\nb\tc", 0, "a b c");
    check("bell\x07\x08\x7f!", 0, "bell!");
    check("x\xe2\x80\xa8y", 0, "x y"); /* LINE SEPARATOR */
}

static void test_bidi_controls_dropped(void **state)
{
    (void)state;
    /* RLO ... PDF reversing a file name, and isolates */
    check("evil\xe2\x80\xaegnp.exe\xe2\x80\xac", 0, "evilgnp.exe");
    check("\xe2\x81\xa6x\xe2\x81\xa9", 0, "x");
    check("\xe2\x80\x8fy", 0, "y"); /* RLM */
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    check("a\xff"
          "b",
          0,
          "a\xef\xbf\xbd"
          "b");
    check("a\xff"
          "b",
          1, "a?b");
    check("\xc3"
          "x",
          0, "\xef\xbf\xbdx"); /* truncated 2-byte */
    check("\xe6\x97"
          "x",
          0, "\xef\xbf\xbdx");                        /* truncated 3-byte: one U+FFFD */
    check("\xc0\xaf", 0, "\xef\xbf\xbd\xef\xbf\xbd"); /* overlong '/' */
    check("\xed\xa0\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
    check("\xf4\x90\x80\x80", 0,
          "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* > U+10FFFF */
    check("ok\xc3\xa9\xe9ok", 0, "ok\xc3\xa9\xef\xbf\xbdok");  /* mixed */
}

static void test_ascii_mode(void **state)
{
    (void)state;
    check("caf\xc3\xa9 \xe6\x97\xa5", 1, "caf? ?");
    check("\x1b[1mbold\x1b[0m", 1, "bold");
}

static void test_cut_never_splits(void **state)
{
    char buf[6];
    size_t n;
    (void)state;
    /* "ab" + 日 (3 bytes) + "c": 5 bytes of room cannot hold 日 after "ab\xe6\x97"... */
    n = sanitize_into(buf, 5,
                      "ab\xe6\x97\xa5"
                      "c",
                      0);
    assert_int_equal(n, 6);
    assert_string_equal(buf, "ab");
    n = sanitize_into(buf, 6,
                      "ab\xe6\x97\xa5"
                      "c",
                      0);
    assert_string_equal(buf, "ab\xe6\x97\xa5");
    assert_int_equal(sanitize_into(NULL, 0, "\x1b[0mxyz", 0), 3);
}

static void test_width(void **state)
{
    (void)state;
    assert_int_equal(sanitize_width("abc"), 3);
    assert_int_equal(sanitize_width("\xe6\x97\xa5\xe6\x9c\xac"), 4); /* 日本 */
    assert_int_equal(sanitize_width("e\xcc\x81"), 1);                /* e + combining acute */
    assert_int_equal(sanitize_width("\xff"), 1);
    assert_int_equal(sanitize_width(""), 0);
}

static void test_truncate(void **state)
{
    char buf[64];
    int w;
    (void)state;
    w = sanitize_truncate(buf, sizeof buf, "abcdef", 4, 0);
    assert_string_equal(buf, "abc\xe2\x80\xa6");
    assert_int_equal(w, 4);
    w = sanitize_truncate(buf, sizeof buf, "abcdef", 4, 1);
    assert_string_equal(buf, "abc~");
    w = sanitize_truncate(buf, sizeof buf, "abcd", 4, 0);
    assert_string_equal(buf, "abcd");
    assert_int_equal(w, 4);
    /* 日本語 is 6 columns: at 4, the second wide char does not fit beside the ellipsis */
    w = sanitize_truncate(buf, sizeof buf, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4, 0);
    assert_string_equal(buf, "\xe6\x97\xa5\xe2\x80\xa6");
    assert_int_equal(w, 3);
    w = sanitize_truncate(buf, sizeof buf, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 5, 0);
    assert_string_equal(buf, "\xe6\x97\xa5\xe6\x9c\xac\xe2\x80\xa6");
    assert_int_equal(w, 5);
    w = sanitize_truncate(buf, sizeof buf, "\xe6\x97\xa5", 1, 0);
    assert_string_equal(buf, "\xe2\x80\xa6");
    w = sanitize_truncate(buf, sizeof buf, "abc", 0, 0);
    assert_string_equal(buf, "");
    assert_int_equal(w, 0);
    /* escapes do not count towards the width */
    w = sanitize_truncate(buf, sizeof buf, "\x1b[31mab\x1b[0m", 2, 0);
    assert_string_equal(buf, "ab");
    /* byte room, not columns, is the limit: still no split and an ellipsis */
    w = sanitize_truncate(buf, 6, "\xe6\x97\xa5\xe6\x9c\xac", 10, 0);
    assert_string_equal(buf, "\xe2\x80\xa6");
    assert_clean(buf);
}

static void test_pad(void **state)
{
    char buf[64];
    size_t n;
    (void)state;
    n = sanitize_pad(buf, sizeof buf, "ab", 5, 0, 0);
    assert_string_equal(buf, "ab   ");
    assert_int_equal(n, 5);
    sanitize_pad(buf, sizeof buf, "42", 5, 1, 0);
    assert_string_equal(buf, "   42");
    sanitize_pad(buf, sizeof buf, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4, 0, 0);
    assert_string_equal(buf, "\xe6\x97\xa5\xe2\x80\xa6 ");
    assert_int_equal(sanitize_width(buf), 4);
    n = sanitize_pad(buf, 4, "a", 10, 0, 0); /* room for 3 bytes only */
    assert_string_equal(buf, "a  ");
    assert_int_equal(n, 3);
}

static void test_skip_cols(void **state)
{
    const char *s = "\xe6\x97\xa5"
                    "ab";
    (void)state;
    assert_ptr_equal(sanitize_skip_cols(s, 0), s);
    assert_ptr_equal(sanitize_skip_cols(s, 2), s + 3);
    assert_ptr_equal(sanitize_skip_cols(s, 1), s + 3); /* wide char skipped whole */
    assert_ptr_equal(sanitize_skip_cols("e\xcc\x81x", 1), (const char *)"e\xcc\x81x" + 3);
    assert_string_equal(sanitize_skip_cols("abc", 10), "");
}

/* Every single byte and every pair of bytes yields clean, valid output. */
static void test_exhaustive_short_inputs(void **state)
{
    char in[3], out[32];
    (void)state;
    for (int a = 1; a < 256; a++) {
        for (int b = 0; b < 256; b++) {
            in[0] = (char)a;
            in[1] = (char)b;
            in[2] = '\0';
            for (int ascii = 0; ascii <= 1; ascii++) {
                int32_t cp;
                sanitize_into(out, sizeof out, in, ascii);
                assert_clean(out);
                for (const char *p = out; *p != '\0';) {
                    p += sanitize_decode(p, strlen(p), &cp);
                    assert_true(cp >= 0x20);
                    assert_false(cp >= 0x7f && cp <= 0x9f);
                    if (ascii)
                        assert_true(cp < 0x80);
                }
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text_kept),
        cmocka_unit_test(test_escape_sequences_dropped_whole),
        cmocka_unit_test(test_c1_controls),
        cmocka_unit_test(test_c0_and_whitespace),
        cmocka_unit_test(test_bidi_controls_dropped),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_ascii_mode),
        cmocka_unit_test(test_cut_never_splits),
        cmocka_unit_test(test_width),
        cmocka_unit_test(test_truncate),
        cmocka_unit_test(test_pad),
        cmocka_unit_test(test_skip_cols),
        cmocka_unit_test(test_exhaustive_short_inputs),
    };

    if (setlocale(LC_ALL, "C.UTF-8") == NULL)
        return 77;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
