/*
 * test_term.c - the terminal widget: escape sequences into our screen
 * model (colours, attributes, scroll regions, insert/delete, alternate
 * screen, wide and combining characters, erase colours, scrollback,
 * resize, damage), keys into bytes, and what term_draw() puts into a
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

/* Rows of the live screen joined by '|', for compact assertions. */
static const char *screen_text(const struct term *t, char *buf, size_t len)
{
    int rows, cols;
    size_t used = 0;

    term_size(t, &rows, &cols);
    buf[0] = '\0';
    for (int r = 0; r < rows && used + 2 < len; r++) {
        char row[256];
        int n = snprintf(buf + used, len - used, "%s%s", r ? "|" : "",
                         term_row_text(t, r, row, sizeof row));
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return buf;
}

/*
 * A scroll region that is not the full screen (DECSTBM): only its rows
 * move, the rows outside stay, and nothing reaches the scrollback unless
 * the region starts at the top row; reverse index scrolls the region down;
 * insert/delete line stay inside it.
 */
static void test_scroll_region(void **state)
{
    struct term *t = mk(6, 10);
    char buf[512];

    (void)state;
    FEED(t, "top\r\nA\r\nB\r\nC\r\nD\r\nstatus");
    FEED(t, "\033[2;5r\033[5;1H"); /* region rows 2-5, cursor on its last row */
    FEED(t, "\n\rE\n\rF");         /* two lines scroll inside the region */
    assert_string_equal(screen_text(t, buf, sizeof buf), "top|C|D|E|F|status");
    assert_int_equal(term_scrollback_lines(t), 0);
    FEED(t, "\033[2;1H\033M"); /* reverse index at the region's top */
    assert_string_equal(screen_text(t, buf, sizeof buf), "top||C|D|E|status");
    FEED(t, "\033[3;1H\033[2M"); /* delete two lines at row 3 */
    assert_string_equal(screen_text(t, buf, sizeof buf), "top||E|||status");
    FEED(t, "\033[2;1H\033[L"); /* insert a line at row 2 */
    assert_string_equal(screen_text(t, buf, sizeof buf), "top|||E||status");
    /* A region from the top row (a status line below it) feeds the scrollback. */
    FEED(t, "\033[1;5r\033[1;1H\033[2Jr1\r\nr2\r\nr3\r\nr4\r\nr5\r\nr6\r\nr7");
    FEED(t, "\033[6;1Hstatus");
    assert_string_equal(screen_text(t, buf, sizeof buf), "r3|r4|r5|r6|r7|status");
    assert_int_equal(term_scrollback_lines(t), 2);
    assert_string_equal(term_scrollback_text(t, 0, buf, sizeof buf), "r1");
    assert_string_equal(term_scrollback_text(t, 1, buf, sizeof buf), "r2");
    /* The full-screen ring after many scrolls still reads in order. */
    FEED(t, "\033[r\033[6;1H");
    for (int i = 0; i < 13; i++) {
        char line[16];
        snprintf(line, sizeof line, "\r\nn%d", i);
        FEED(t, line);
    }
    assert_string_equal(screen_text(t, buf, sizeof buf), "n7|n8|n9|n10|n11|n12");
    term_free(t);
}

/* Insert and delete characters (a scroll of part of a row: cells are copied). */
static void test_insert_delete_chars(void **state)
{
    struct term *t = mk(3, 10);
    char row[64];

    (void)state;
    FEED(t, "abcdefgh\033[1;2H\033[2P");
    assert_string_equal(term_row_text(t, 0, row, sizeof row), "adefgh");
    FEED(t, "\033[3@XYZ");
    assert_string_equal(term_row_text(t, 0, row, sizeof row), "aXYZdefgh");
    term_free(t);
}

/* The alternate screen: its own cells, cleared on entry, the main screen and cursor back after. */
static void test_altscreen_switch(void **state)
{
    struct term *t = mk(4, 20);
    struct term_cell_info ci;
    char buf[256];
    int r, c, vis;

    (void)state;
    FEED(t, "$ one\r\n$ \033[31mtwo\033[0m");
    term_cursor(t, &r, &c, &vis);
    assert_int_equal(r, 1);
    assert_int_equal(c, 5);
    FEED(t, "\033[?1049h\033[?25l\033[3;3Hvim");
    assert_true(term_altscreen(t));
    assert_string_equal(screen_text(t, buf, sizeof buf), "||  vim|");
    term_cursor(t, &r, &c, &vis);
    assert_false(vis);
    for (int i = 0; i < 8; i++)
        FEED(t, "\r\nscroll"); /* scrolling on the alternate screen pushes nothing */
    assert_int_equal(term_scrollback_lines(t), 0);
    FEED(t, "\033[?25h\033[?1049l");
    assert_false(term_altscreen(t));
    assert_string_equal(screen_text(t, buf, sizeof buf), "$ one|$ two||");
    term_cell(t, 1, 2, &ci);
    assert_int_equal(ci.fg, 1);
    term_cursor(t, &r, &c, &vis);
    assert_int_equal(r, 1); /* 1049 restores the cursor */
    assert_int_equal(c, 5);
    assert_true(vis);
    /* Entering again finds a blank alternate screen (1047: no cursor save). */
    FEED(t, "\033[?1047h");
    assert_string_equal(screen_text(t, buf, sizeof buf), "|||");
    FEED(t, "\033[?1047l");
    assert_string_equal(screen_text(t, buf, sizeof buf), "$ one|$ two||");
    term_free(t);
}

/*
 * Wide characters: one at the right margin wraps whole to the next row;
 * writing over either half blanks the other; a combining mark joins the
 * previous cell.
 */
static void test_wide_margin_and_combining(void **state)
{
    struct term *t = mk(3, 6);
    struct term_cell_info ci;
    char row[64];

    (void)state;
    FEED(t, "abcde\xe6\xbc\xa2"); /* five cells, then a wide char that cannot fit in col 5 */
    assert_string_equal(term_row_text(t, 0, row, sizeof row), "abcde");
    term_cell(t, 1, 0, &ci);
    assert_int_equal(ci.width, 2);
    assert_string_equal(ci.text, "\xe6\xbc\xa2");
    FEED(t, "\033[2;2Hx"); /* over the right half */
    term_cell(t, 1, 0, &ci);
    assert_int_equal(ci.width, 1);
    assert_string_equal(ci.text, "");
    assert_string_equal(term_row_text(t, 1, row, sizeof row), " x");
    FEED(t, "\033[3;1H\xe6\xbc\xa2\033[3;1Hy"); /* over the left half */
    term_cell(t, 2, 1, &ci);
    assert_int_equal(ci.width, 1);
    assert_string_equal(term_row_text(t, 2, row, sizeof row), "y");
    FEED(t, "\033[1;1He\xcc\x81"); /* e + combining acute */
    term_cell(t, 0, 0, &ci);
    assert_string_equal(ci.text, "e\xcc\x81");
    term_cell(t, 0, 1, &ci);
    assert_string_equal(ci.text, "b");
    term_free(t);
}

/* Erase and scroll fill with the pen's background (BCE), not its other attributes. */
static void test_erase_background(void **state)
{
    struct term *t = mk(3, 8);
    struct term_cell_info ci;

    (void)state;
    FEED(t, "\033[1;44m\033[2J");
    term_cell(t, 2, 7, &ci);
    assert_int_equal(ci.bg, 4);
    assert_false(ci.bold);
    assert_string_equal(ci.text, "");
    FEED(t, "\033[0mabcdef\033[41m\033[1;3H\033[K");
    term_cell(t, 0, 1, &ci);
    assert_string_equal(ci.text, "b");
    assert_int_equal(ci.bg, -1);
    term_cell(t, 0, 2, &ci);
    assert_string_equal(ci.text, "");
    assert_int_equal(ci.bg, 1);
    FEED(t, "\033[42m\033[3;1H\n"); /* a line scrolled in takes the pen's background */
    term_cell(t, 2, 3, &ci);
    assert_int_equal(ci.bg, 2);
    FEED(t, "\033[0m\033[1;1H\033[1X"); /* ECH with the default pen */
    term_cell(t, 0, 0, &ci);
    assert_int_equal(ci.bg, -1);
    term_free(t);
}

/*
 * Resize: smaller keeps the rows around the cursor (those above go to the
 * scrollback, in order), larger pops them back; narrower and wider keep
 * the left columns; the alternate screen never touches the scrollback.
 */
static void test_resize_model(void **state)
{
    struct term *t = mk(6, 10);
    char buf[512];
    int r, c, vis;

    (void)state;
    FEED(t, "a1\r\na2\r\na3\r\na4\r\na5"); /* cursor on row 4, row 5 blank */
    term_resize(t, 3, 10);
    assert_string_equal(screen_text(t, buf, sizeof buf), "a3|a4|a5");
    assert_int_equal(term_scrollback_lines(t), 2);
    assert_string_equal(term_scrollback_text(t, 0, buf, sizeof buf), "a1");
    assert_string_equal(term_scrollback_text(t, 1, buf, sizeof buf), "a2");
    term_cursor(t, &r, &c, &vis);
    assert_int_equal(r, 2);
    assert_int_equal(c, 2);
    term_resize(t, 6, 10);
    assert_string_equal(screen_text(t, buf, sizeof buf), "a1|a2|a3|a4|a5|");
    assert_int_equal(term_scrollback_lines(t), 0);
    term_cursor(t, &r, &c, &vis);
    assert_int_equal(r, 4);
    term_resize(t, 6, 4);
    FEED(t, "\033[1;1H0123456");
    assert_string_equal(screen_text(t, buf, sizeof buf), "0123|456|a3|a4|a5|");
    term_resize(t, 6, 8);
    assert_string_equal(screen_text(t, buf, sizeof buf), "0123|456|a3|a4|a5|");
    FEED(t, "\033[3;1H\033[Kwider ok");
    assert_string_equal(term_row_text(t, 2, buf, sizeof buf), "wider ok");
    /* A scroll region below a shorter screen (libvterm 0.1.4 would memmove a
     * negative size on the next scroll): the region is reset, text kept. */
    term_resize(t, 12, 8);
    FEED(t, "\033[8;11r\033[3;2H");
    term_resize(t, 5, 8);
    term_cursor(t, &r, &c, &vis);
    assert_int_equal(r, 2);
    assert_int_equal(c, 1);
    FEED(t, "\033[5;1H\n\n\033[3S\033[2T\033M\033[2L\033[2M");
    assert_int_equal(term_scrollback_lines(t), 5); /* the whole screen scrolled: 2 + 3 */
    term_resize(t, 6, 8);
    FEED(t, "\033[2J\033[1;1H0123\r\n456\r\na3\r\na4\r\na5\033[3;1H\033[Kwider ok");
    /* On the alternate screen: no push, no pop; the main screen resized below it. */
    {
        size_t sb = term_scrollback_lines(t);
        FEED(t, "\033[?1049h\033[6;1Hbottom");
        term_resize(t, 2, 8);
        assert_int_equal(term_scrollback_lines(t), sb);
        term_resize(t, 6, 8);
        assert_int_equal(term_scrollback_lines(t), sb);
    }
    FEED(t, "\033[?1049l");
    assert_false(term_altscreen(t));
    assert_string_equal(term_row_text(t, 0, buf, sizeof buf), "0123");
    term_free(t);
}

/* Damage: a change marks its row, drawing clears the marks. */
static void test_damage(void **state)
{
    FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
    SCREEN *scr;
    struct term *t;

    (void)state;
    setlocale(LC_ALL, "C.UTF-8");
    scr = newterm("xterm-256color", out, in);
    assert_non_null(scr);
    t = mk(4, 10);
    term_draw(t, stdscr, 0, 0, 4, 10, 0, NULL, NULL);
    assert_false(term_changed(t));
    FEED(t, "\033[3;1Hx");
    assert_true(term_changed(t));
    assert_true(term_row_dirty(t, 2));
    assert_false(term_row_dirty(t, 0));
    term_draw(t, stdscr, 0, 0, 4, 10, 0, NULL, NULL);
    assert_false(term_changed(t));
    assert_false(term_row_dirty(t, 2));
    term_free(t);
    endwin();
    delscreen(scr);
    fclose(out);
    fclose(in);
}

/* Every wide character has both halves: width 2 then width 0, nothing else. */
static void assert_wide_pairs(const struct term *t)
{
    int rows, cols;
    struct term_cell_info ci, next;

    term_size(t, &rows, &cols);
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
            assert_int_equal(term_cell(t, r, c, &ci), 0);
            if (ci.width == 2) {
                assert_true(c + 1 < cols);
                term_cell(t, r, c + 1, &next);
                assert_int_equal(next.width, 0);
                c++;
            } else {
                assert_int_equal(ci.width, 1); /* a 0 here would be an orphaned right half */
            }
        }
    }
}

/*
 * Random streams of the sequences the model handles (cursor moves, scroll
 * regions and margins, insert/delete lines and characters, erases,
 * scrolls both ways, the alternate screen, wide and combining characters,
 * colours, stray bytes) with resizes and scrolling back in between, then a
 * draw: under the sanitizer build this catches any cell written out of
 * bounds; the wide-character invariant is checked after every chunk.
 */
static void test_random_streams(void **state)
{
    static const char *const frags[] = {
        "\033[%d;%dH",
        "\033[%d;%dr",
        "\033[r",
        "\033[%dL",
        "\033[%dM",
        "\033[%d@",
        "\033[%dP",
        "\033[%dX",
        "\033[%dJ",
        "\033[%dK",
        "\033[%dS",
        "\033[%dT",
        "\033M",
        "\033D",
        "\r\n",
        "\n",
        "\033[?1049h",
        "\033[?1049l",
        "\033[?1047h",
        "\033[?1047l",
        "\033[?69h",
        "\033[%d;%ds",
        "\033[?69l",
        "\xe6\xbc\xa2",
        "\xf0\x9f\x98\x80",
        "e\xcc\x81\xcc\xa7",
        "\033[1;3%d;4%dm",
        "\033[0m",
        "\033[7m",
        "\033[38;2;%d;%d;0m",
        "\033[4%dm",
        "wxyz",
        "\t",
        "\b",
        "\033[?25l",
        "\033[?25h",
        "\033[?5h",
        "\033[?5l",
        "\033[%d\"q",
        "\033[?7l",
        "\033[?7h",
        "\033[%dG",
        "\033[?6h",
        "\033[?6l",
        "\033[%d@\xe6\xbc\xa2",
    };
    FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
    SCREEN *scr;
    unsigned long seed = 12345;

    (void)state;
    setlocale(LC_ALL, "C.UTF-8");
    scr = newterm("xterm-256color", out, in);
    assert_non_null(scr);
    for (int round = 0; round < 40; round++) {
        struct term *t = mk(3 + round % 9, 4 + round % 23);
        for (int chunk = 0; chunk < 60; chunk++) {
            char buf[4096];
            size_t n = 0;
            for (int k = 0; k < 40; k++) {
                int a, b;
                seed = seed * 6364136223846793005UL + 1442695040888963407UL;
                a = (int)((seed >> 33) % 30);
                b = (int)((seed >> 45) % 30);
                n += (size_t)snprintf(buf + n, sizeof buf - n,
                                      frags[(seed >> 20) % (sizeof frags / sizeof frags[0])], a, b);
            }
            term_feed(t, buf, n);
            assert_wide_pairs(t);
            if (chunk % 7 == 3)
                term_resize(t, 1 + (int)((seed >> 7) % 14), 1 + (int)((seed >> 11) % 30));
            if (chunk % 11 == 5)
                term_scroll(t, (int)((seed >> 3) % 9) - 3);
            if (chunk % 5 == 0)
                term_draw(t, stdscr, 0, 0, 16, 32, chunk % 2, NULL, NULL);
        }
        term_free(t);
    }
    endwin();
    delscreen(scr);
    fclose(out);
    fclose(in);
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
        cmocka_unit_test(test_scroll_region),
        cmocka_unit_test(test_insert_delete_chars),
        cmocka_unit_test(test_altscreen_switch),
        cmocka_unit_test(test_wide_margin_and_combining),
        cmocka_unit_test(test_erase_background),
        cmocka_unit_test(test_resize_model),
        cmocka_unit_test(test_damage),
        cmocka_unit_test(test_random_streams),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_title_untrusted),
        cmocka_unit_test(test_draw),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    strbuf_done(&sent);
    return rc;
}
