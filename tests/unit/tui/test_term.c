/*
 * test_term.c - the libvterm widget: escape sequences into the screen
 * model (colours, attributes, alternate screen, wide characters,
 * scrollback, resize), keys into bytes, and what term_draw() puts into a
 * curses window (a terminal opened on /dev/null: cells are read back with
 * mvwin_wch, so no pty is needed).
 */
#include "testutil.h"

#include "core/strbuf.h"
#include "tui/keymap.h"
#include "tui/term.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

static struct strbuf sent;
static int resized_rows, resized_cols;

static void on_out(void *ctx, const char *buf, size_t n)
{
    (void)ctx;
    strbuf_add(&sent, buf, n);
}

static void on_resize(void *ctx, int rows, int cols)
{
    (void)ctx;
    resized_rows = rows;
    resized_cols = cols;
}

static struct term *mk(int rows, int cols)
{
    struct term *t = term_new(rows, cols, 100);
    strbuf_reset(&sent);
    term_set_output(t, on_out, NULL);
    term_set_resize(t, on_resize, NULL);
    return t;
}

#define FEED(t, s) term_feed((t), (s), strlen(s))

static void test_text_and_sgr(void **state)
{
    struct term *t = mk(5, 20);
    struct term_cell_info ci;
    char row[128];

    (void)state;
    FEED(t, "plain \033[1;31mred\033[0m \033[4;44mU\033[7mR\033[0m");
    assert_string_equal(term_row_text(t, 0, row, sizeof row), "plain red UR");
    term_cell(t, 0, 0, &ci);
    assert_string_equal(ci.text, "p");
    assert_int_equal(ci.fg, -1);
    assert_false(ci.bold);
    term_cell(t, 0, 6, &ci);
    assert_string_equal(ci.text, "r");
    assert_int_equal(ci.fg, 1);
    assert_true(ci.bold);
    term_cell(t, 0, 10, &ci);
    assert_true(ci.underline);
    assert_int_equal(ci.bg, 4);
    term_cell(t, 0, 11, &ci);
    assert_true(ci.reverse);
    FEED(t, "\r\n\033[38;5;208mX\033[38;2;0;255;0mG");
    term_cell(t, 1, 0, &ci);
    assert_int_equal(ci.fg, 208);
    term_cell(t, 1, 1, &ci);
    assert_true(ci.fg >= 16); /* RGB mapped into the 256-colour palette */
    term_free(t);
}

static void test_altscreen(void **state)
{
    struct term *t = mk(5, 20);
    char row[128];

    (void)state;
    FEED(t, "$ vim\r\n");
    FEED(t, "\033[?1049h\033[2J\033[HEDITOR");
    assert_true(term_altscreen(t));
    assert_string_equal(term_row_text(t, 0, row, sizeof row), "EDITOR");
    FEED(t, "\033[?1049l");
    assert_false(term_altscreen(t));
    assert_string_equal(term_row_text(t, 0, row, sizeof row), "$ vim");
    term_free(t);
}

static void test_wide_and_utf8(void **state)
{
    struct term *t = mk(3, 10);
    struct term_cell_info ci;
    char row[128];

    (void)state;
    FEED(t, "a\xe6\xbc\xa2"
            "b\xc3\xa9");
    assert_string_equal(term_row_text(t, 0, row, sizeof row), "a\xe6\xbc\xa2"
                                                              "b\xc3\xa9");
    term_cell(t, 0, 1, &ci);
    assert_int_equal(ci.width, 2);
    term_cell(t, 0, 2, &ci);
    assert_int_equal(ci.width, 0);
    term_cell(t, 0, 3, &ci);
    assert_string_equal(ci.text, "b");
    /* A split UTF-8 sequence across two feeds still decodes. */
    FEED(t, "\r\n\xe2\x82");
    FEED(t, "\xac");
    term_cell(t, 1, 0, &ci);
    assert_string_equal(ci.text, "\xe2\x82\xac");
    term_free(t);
}

static void test_scrollback(void **state)
{
    struct term *t = mk(4, 10);
    char row[128];

    (void)state;
    for (int i = 0; i < 10; i++) {
        char line[32];
        snprintf(line, sizeof line, "line%d\r\n", i);
        FEED(t, line);
    }
    assert_int_equal(term_scrollback_lines(t), 7);
    assert_string_equal(term_row_text(t, 0, row, sizeof row), "line7");
    term_scroll(t, 3);
    assert_int_equal(term_scroll_offset(t), 3);
    term_scroll(t, 1000);
    assert_int_equal(term_scroll_offset(t), 7);
    term_key(t, 'x'); /* typing returns to the bottom */
    assert_int_equal(term_scroll_offset(t), 0);
    /* The alternate screen does not push lines. */
    FEED(t, "\033[?1049h");
    for (int i = 0; i < 10; i++)
        FEED(t, "alt\r\n");
    FEED(t, "\033[?1049l");
    assert_int_equal(term_scrollback_lines(t), 7);
    term_free(t);
}

/* Lines numbered from `from` to `to` (exclusive), one per row. */
static void feed_numbered(struct term *t, int from, int to, int width)
{
    for (int i = from; i < to; i++) {
        char line[64];
        snprintf(line, sizeof line, "L%0*d\r\n", width - 1, i);
        FEED(t, line);
    }
}

static void assert_view_row(const struct term *t, int row, const char *want)
{
    char got[128];

    assert_string_equal(term_view_row_text(t, row, got, sizeof got), want);
}

/*
 * The ring (capacity 100) after 2.5 times its capacity: the newest 100
 * pushed lines in order, the view held still while scrolled back, lines
 * popped back by a taller screen, and reused slots growing for wider lines.
 */
static void test_scrollback_ring(void **state)
{
    struct term *t = mk(4, 10);
    char row[128];

    (void)state;
    feed_numbered(t, 0, 250, 4); /* L000..L249; L000..L246 pushed, L147.. kept */
    assert_int_equal(term_scrollback_lines(t), 100);
    assert_string_equal(term_row_text(t, 0, row, sizeof row), "L247");
    assert_view_row(t, 0, "L247");
    term_scroll(t, 1000);
    assert_int_equal(term_scroll_offset(t), 100);
    assert_view_row(t, 0, "L147");
    assert_view_row(t, 3, "L150");
    term_scroll(t, -99);
    assert_view_row(t, 0, "L246");
    assert_view_row(t, 1, "L247");
    term_scroll(t, 49); /* offset 50: row 0 is L197 */
    assert_view_row(t, 0, "L197");
    feed_numbered(t, 250, 260, 4);
    assert_int_equal(term_scroll_offset(t), 60);
    assert_view_row(t, 0, "L197"); /* still, although the ring wrapped under it */
    assert_view_row(t, 1, "L198");
    term_scroll(t, TERM_SCROLL_BOTTOM);
    assert_view_row(t, 0, "L257");
    /* A taller screen pops the newest lines back from the wrapped ring. */
    term_resize(t, 8, 10);
    {
        size_t popped = 100 - term_scrollback_lines(t);
        char want[16];
        assert_true(popped > 0);
        snprintf(want, sizeof want, "L%03d", 257 - (int)popped);
        assert_string_equal(term_row_text(t, 0, row, sizeof row), want);
    }
    /* Wider lines into slots that held narrower ones, past capacity again. */
    term_resize(t, 8, 20);
    feed_numbered(t, 0, 150, 16);
    assert_int_equal(term_scrollback_lines(t), 100);
    assert_view_row(t, 0, "L000000000000143");
    term_scroll(t, 1);
    assert_view_row(t, 0, "L000000000000142");
    term_scroll(t, 1000);
    assert_view_row(t, 0, "L000000000000043");
    term_free(t);
}

static void test_resize(void **state)
{
    struct term *t = mk(4, 10);
    int r, c;

    (void)state;
    assert_int_equal(term_resize(t, 4, 10), 0);
    assert_int_equal(term_resize(t, 6, 30), 1);
    assert_int_equal(resized_rows, 6);
    assert_int_equal(resized_cols, 30);
    term_size(t, &r, &c);
    assert_int_equal(r, 6);
    assert_int_equal(c, 30);
    /* The remote learns the size through the callback; the model follows. */
    FEED(t, "\033[6;30HZ");
    {
        struct term_cell_info ci;
        term_cell(t, 5, 29, &ci);
        assert_string_equal(ci.text, "Z");
    }
    term_free(t);
}

static void test_keys(void **state)
{
    struct term *t = mk(4, 10);

    (void)state;
    term_key(t, 'a');
    term_key(t, 0xe9);
    term_key(t, KEYMAP_CTRL('c'));
    term_key(t, KEYMAP_ENTER);
    term_key(t, KEYMAP_FN(KEY_UP));
    assert_memory_equal(sent.buf, "a\xc3\xa9\x03\r\033[A", 9);
    strbuf_reset(&sent);
    FEED(t, "\033[?1h"); /* application cursor keys (vim, less) */
    term_key(t, KEYMAP_FN(KEY_UP));
    term_key(t, KEYMAP_FN(KEY_F(1)));
    term_key(t, 127);
    assert_memory_equal(sent.buf, "\033OA\033OP\x7f", 7);
    strbuf_reset(&sent);
    FEED(t, "\033[?2004h"); /* bracketed paste */
    term_paste(t, "ls", 2);
    assert_memory_equal(sent.buf, "\033[200~ls\033[201~", 14);
    strbuf_reset(&sent);
    FEED(t, "\033[c"); /* device attributes: answered through the output callback */
    assert_true(sent.len > 0);
    assert_int_equal(sent.buf[0], '\033');
    term_free(t);
}

static void test_title_untrusted(void **state)
{
    struct term *t = mk(3, 10);

    (void)state;
    FEED(t, "\033]2;evil\x01title\007");
    assert_non_null(strstr(term_title(t), "evil"));
    term_free(t);
}

static void test_draw(void **state)
{
    FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
    SCREEN *scr;
    struct term *t;
    int cy, cx;
    cchar_t cc;
    wchar_t wch[8];
    attr_t attrs;
    short pair;

    (void)state;
    setlocale(LC_ALL, "C.UTF-8");
    scr = newterm("xterm-256color", out, in);
    assert_non_null(scr);
    start_color();
    use_default_colors();
    t = mk(3, 10);
    FEED(t, "ab\033[1;32mC\033[0m\xe6\xbc\xa2z\033[2;3H");
    term_draw(t, stdscr, 1, 2, 4, 12, 0, &cy, &cx);
    assert_int_equal(cy, 2);
    assert_int_equal(cx, 4);
    mvwin_wch(stdscr, 1, 2, &cc);
    getcchar(&cc, wch, &attrs, &pair, NULL);
    assert_int_equal(wch[0], L'a');
    mvwin_wch(stdscr, 1, 4, &cc);
    getcchar(&cc, wch, &attrs, &pair, NULL);
    assert_int_equal(wch[0], L'C');
    assert_true(attrs & A_BOLD);
    if (COLORS >= 8) {
        short fg, bg;
        pair_content(pair, &fg, &bg);
        assert_int_equal(fg, 2);
    }
    mvwin_wch(stdscr, 1, 5, &cc);
    getcchar(&cc, wch, &attrs, &pair, NULL);
    assert_int_equal(wch[0], 0x6f22);
    mvwin_wch(stdscr, 1, 7, &cc);
    getcchar(&cc, wch, &attrs, &pair, NULL);
    assert_int_equal(wch[0], L'z');
    /* Rows past the emulated screen are blank. */
    mvwin_wch(stdscr, 4, 2, &cc);
    getcchar(&cc, wch, &attrs, &pair, NULL);
    assert_int_equal(wch[0], L' ');
    /* Control characters the model might hold are never drawn; ASCII mode replaces. */
    term_draw(t, stdscr, 1, 2, 4, 12, 1, NULL, NULL);
    mvwin_wch(stdscr, 1, 5, &cc);
    getcchar(&cc, wch, &attrs, &pair, NULL);
    assert_int_equal(wch[0], L'?');
    term_free(t);
    endwin();
    delscreen(scr);
    fclose(out);
    fclose(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_and_sgr),
        cmocka_unit_test(test_altscreen),
        cmocka_unit_test(test_wide_and_utf8),
        cmocka_unit_test(test_scrollback),
        cmocka_unit_test(test_scrollback_ring),
        cmocka_unit_test(test_resize),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_title_untrusted),
        cmocka_unit_test(test_draw),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    strbuf_done(&sent);
    return rc;
}
