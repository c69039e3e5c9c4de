/*
 * test_table.c - layout, index, sort, filter, cursor and marks of the table,
 * without a terminal; plus one drawing test on a headless curses screen
 * that checks sanitising and that an idle redraw sends no bytes.
 */
#include "testutil.h"

#include "core/err.h"
#include "core/xalloc.h"
#include "tui/filter.h"
#include "tui/keymap.h"
#include "tui/sanitize.h"
#include "tui/table.h"

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ---- a fake data source ------------------------------------------------ */

struct vm {
    char name[48];
    const char *status;
    char cpu[16];
    char key[24];
};

struct data {
    struct vm *rows;
    size_t n;
    int role_calls;
};

static const char *cell(void *ctx, size_t row, int col, char *scratch, size_t len)
{
    const struct data *d = ctx;
    const struct vm *v = &d->rows[row];

    switch (col) {
    case 0:
        return v->name;
    case 1:
        return v->status;
    case 2:
        snprintf(scratch, len, "%s", v->cpu);
        return scratch;
    default:
        return NULL;
    }
}

static const char *row_key(void *ctx, size_t row, char *scratch, size_t len)
{
    const struct data *d = ctx;

    (void)scratch;
    (void)len;
    return d->rows[row].key;
}

static const struct table_column cols3[] = {
    {"name", "Name", 10, 0, 0, 0, 0},
    {"status", "Status", 8, 12, 1, 0, 0},
    {"cpu", "CPU%", 5, 6, 2, 1, 1},
};

static const char *const statuses[] = {"ACTIVE", "BUILD", "ERROR", "SHUTOFF", "MAINTENANCE"};

static void fill(struct data *d, size_t n)
{
    unsigned seed = 12345;

    d->rows = xcalloc(n, sizeof *d->rows);
    d->n = n;
    for (size_t i = 0; i < n; i++) {
        struct vm *v = &d->rows[i];
        seed = seed * 1103515245u + 12345u;
        snprintf(v->name, sizeof v->name, "vm-%zu", i);
        v->status = statuses[(i * 7) % 5];
        if (i % 1000 == 999)
            snprintf(v->cpu, sizeof v->cpu, "-");
        else
            snprintf(v->cpu, sizeof v->cpu, "%u.%u", (seed >> 16) % 100, (seed >> 8) % 10);
        snprintf(v->key, sizeof v->key, "id-%zu", i);
    }
}

static struct table *make_table(struct data *d)
{
    struct table_source src = {cols3, 3, cell, row_key, NULL, NULL, d};
    struct table *t = table_new(&src);

    table_set_rows(t, d->n);
    return t;
}

static size_t cursor_row(const struct table *t)
{
    size_t row = (size_t)-1;

    assert_int_equal(table_cursor_row(t, &row), 0);
    return row;
}

/* ---- layout ------------------------------------------------------------ */

static const struct table_column cols5[] = {
    {"name", "Name", 10, 0, 0, 0, 0}, {"status", "Status", 8, 12, 1, 0, 0},
    {"host", "Host", 8, 20, 2, 0, 0}, {"cpu", "CPU", 4, 6, 3, 1, 1},
    {"ip", "IP", 15, 15, 2, 0, 0},
};

static void test_layout_wide(void **state)
{
    struct table_layout l;
    (void)state;
    table_layout_compute(cols5, 5, 200, &l);
    assert_int_equal(l.ncols, 5);
    /* bounded columns stop at max_width, the flex column takes the rest */
    assert_int_equal(l.width[1], 12);
    assert_int_equal(l.width[2], 20);
    assert_int_equal(l.width[3], 6);
    assert_int_equal(l.width[4], 15);
    assert_int_equal(l.width[0], 200 - 53 - 4);
    assert_int_equal(l.x[1], l.width[0] + 1);
}

static void test_layout_narrow_drops_by_priority(void **state)
{
    struct table_layout l;
    (void)state;
    /* minimums 45 + 4 separators do not fit in 40: drop cpu (3), then ip
       (2, the rightmost of the two priority-2 columns) */
    table_layout_compute(cols5, 5, 40, &l);
    assert_int_equal(l.ncols, 3);
    assert_int_equal(l.col[0], 0);
    assert_int_equal(l.col[1], 1);
    assert_int_equal(l.col[2], 2);
    assert_int_equal(l.width[0], 14);
    assert_int_equal(l.width[1], 12);
    assert_int_equal(l.width[2], 12);
    assert_int_equal(l.x[2], 28);
    /* tiny: the most important column alone, cut to fit */
    table_layout_compute(cols5, 5, 5, &l);
    assert_int_equal(l.ncols, 1);
    assert_int_equal(l.col[0], 0);
    assert_int_equal(l.width[0], 5);
}

static void test_layout_invariants(void **state)
{
    struct table_layout l;
    (void)state;
    for (int avail = 0; avail <= 300; avail++) {
        int total;
        table_layout_compute(cols5, 5, avail, &l);
        assert_true(l.ncols >= 1);
        total = l.x[l.ncols - 1] + l.width[l.ncols - 1];
        assert_true(total <= (avail > 0 ? avail : 0));
        for (int j = 0; j < l.ncols; j++) {
            const struct table_column *c = &cols5[l.col[j]];
            if (l.ncols > 1)
                assert_true(l.width[j] >= c->min_width);
            if (c->max_width > 0)
                assert_true(l.width[j] <= c->max_width);
            if (j > 0)
                assert_true(l.col[j] > l.col[j - 1]);
        }
    }
    /* min_width 0 means the title's width */
    {
        static const struct table_column c[] = {{"a", "Alpha", 0, 0, 0, 0, 0},
                                                {"b", "Bravo!", 0, 6, 0, 0, 0}};
        table_layout_compute(c, 2, 12, &l);
        assert_int_equal(l.ncols, 2);
        assert_int_equal(l.width[0], 5);
        assert_int_equal(l.width[1], 6);
    }
}

/* ---- 100 000 rows ------------------------------------------------------ */

static double cpu_of(const struct vm *v, int *ok)
{
    *ok = strcmp(v->cpu, "-") != 0;
    return *ok ? atof(v->cpu) : 0;
}

static void check_permutation(const struct table *t, size_t n)
{
    unsigned char *seen = xcalloc(n, 1);

    for (size_t p = 0; p < table_count(t); p++) {
        size_t r = table_row_at(t, p);
        assert_true(r < n);
        assert_false(seen[r]);
        seen[r] = 1;
    }
    free(seen);
}

static void test_100k_sort_and_filter(void **state)
{
    const size_t n = 100000;
    struct data d;
    struct table *t;
    struct rt_error err = {0};
    size_t errors = 0, matched;
    clock_t t0;
    int rev;
    (void)state;

    fill(&d, n);
    t0 = clock();
    t = make_table(&d);
    assert_int_equal(table_total(t), n);
    assert_int_equal(table_count(t), n);

    /* numeric sort, ascending: non-decreasing, rows without a number last */
    table_set_sort(t, 2, 0);
    assert_int_equal(table_sort_column(t, &rev), 2);
    assert_int_equal(rev, 0);
    check_permutation(t, n);
    {
        double prev = -1;
        int in_tail = 0;
        for (size_t p = 0; p < n; p++) {
            int ok;
            double v = cpu_of(&d.rows[table_row_at(t, p)], &ok);
            if (!ok) {
                in_tail = 1;
                continue;
            }
            assert_false(in_tail);
            assert_true(v >= prev);
            prev = v;
        }
        assert_true(in_tail);
    }
    /* descending: non-increasing, still without-number rows last */
    table_set_sort(t, 2, 1);
    {
        double prev = 1e9;
        int in_tail = 0;
        for (size_t p = 0; p < n; p++) {
            int ok;
            double v = cpu_of(&d.rows[table_row_at(t, p)], &ok);
            if (!ok) {
                in_tail = 1;
                continue;
            }
            assert_false(in_tail);
            assert_true(v <= prev);
            prev = v;
        }
    }
    /* natural sort by name: vm-2 before vm-10, i.e. the data order */
    table_set_sort(t, 0, 0);
    for (size_t p = 0; p < n; p++)
        assert_int_equal(table_row_at(t, p), p);
    table_set_sort(t, 0, 1);
    for (size_t p = 0; p < n; p++)
        assert_int_equal(table_row_at(t, p), n - 1 - p);

    /* filter on a column, sort order kept */
    assert_int_equal(table_set_filter(t, "status:error", &err), 0);
    for (size_t i = 0; i < n; i++)
        errors += strcmp(d.rows[i].status, "ERROR") == 0;
    assert_int_equal(table_count(t), errors);
    for (size_t p = 0; p < table_count(t); p++) {
        size_t r = table_row_at(t, p);
        assert_string_equal(d.rows[r].status, "ERROR");
        if (p > 0)
            assert_true(r < table_row_at(t, p - 1));
    }
    /* negation and AND against brute force */
    assert_int_equal(table_set_filter(t, "!status:error vm-9", &err), 0);
    matched = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(d.rows[i].status, "ERROR") != 0 && strstr(d.rows[i].name, "vm-9") != NULL)
            matched++;
    }
    assert_int_equal(table_count(t), matched);
    assert_int_equal(table_total(t), n);
    check_permutation(t, n);
    assert_int_equal(table_set_filter(t, "", &err), 0);
    assert_int_equal(table_count(t), n);
    print_message("100k rows: build, 4 sorts, 3 filters in %.0f ms of CPU\n",
                  (double)(clock() - t0) * 1000.0 / CLOCKS_PER_SEC);
    table_free(t);
    free(d.rows);
}

/* ---- cursor ------------------------------------------------------------ */

static void reverse_rows(struct data *d)
{
    for (size_t i = 0; i < d->n / 2; i++) {
        struct vm tmp = d->rows[i];
        d->rows[i] = d->rows[d->n - 1 - i];
        d->rows[d->n - 1 - i] = tmp;
    }
}

static void remove_row(struct data *d, size_t i)
{
    memmove(&d->rows[i], &d->rows[i + 1], (d->n - i - 1) * sizeof *d->rows);
    d->n--;
}

static void test_cursor_follows_key(void **state)
{
    struct data d;
    struct table *t;
    size_t pos;
    (void)state;

    fill(&d, 10);
    t = make_table(&d);
    table_set_page(t, 4);
    table_move_to(t, 5);
    assert_string_equal(d.rows[cursor_row(t)].key, "id-5");
    assert_int_equal(table_top(t), 2); /* scrolled so that 5 is the last of 4 */

    /* the owner's order changes: the cursor stays on id-5 and on its screen line */
    reverse_rows(&d);
    table_set_rows(t, d.n);
    assert_string_equal(d.rows[cursor_row(t)].key, "id-5");
    assert_int_equal(table_cursor(t, &pos), 0);
    assert_int_equal(pos, 4);
    assert_int_equal(pos - table_top(t), 3);

    /* the row goes away: the cursor stays at the same position */
    remove_row(&d, 4);
    table_set_rows(t, d.n);
    assert_int_equal(table_cursor(t, &pos), 0);
    assert_int_equal(pos, 4);
    assert_string_equal(d.rows[cursor_row(t)].key, "id-4");

    /* rows inserted before it */
    {
        struct vm *rows = xcalloc(d.n + 3, sizeof *rows);
        memcpy(rows + 3, d.rows, d.n * sizeof *rows);
        for (int i = 0; i < 3; i++) {
            snprintf(rows[i].name, sizeof rows[i].name, "new-%d", i);
            rows[i].status = "BUILD";
            snprintf(rows[i].cpu, sizeof rows[i].cpu, "0");
            snprintf(rows[i].key, sizeof rows[i].key, "new-%d", i);
        }
        free(d.rows);
        d.rows = rows;
        d.n += 3;
    }
    table_set_rows(t, d.n);
    assert_string_equal(d.rows[cursor_row(t)].key, "id-4");

    /* everything goes: no cursor, and nothing breaks */
    table_set_rows(t, 0);
    assert_int_equal(table_cursor(t, &pos), -1);
    assert_int_equal(table_key(t, 'j'), TABLE_HANDLED);
    assert_int_equal(table_key(t, ' '), TABLE_HANDLED);
    assert_int_equal(table_marked_count(t), 0);
    table_free(t);
    free(d.rows);
}

static void test_filter_keeps_cursor_and_rejects_errors(void **state)
{
    struct data d;
    struct table *t;
    struct rt_error err = {0};
    char buf[128];
    (void)state;

    fill(&d, 50);
    t = make_table(&d);
    assert_int_equal(table_select_key(t, "id-11"), 0); /* vm-11 is ERROR */
    assert_string_equal(d.rows[11].status, "ERROR");
    assert_int_equal(table_set_filter(t, "status:err", &err), 0);
    assert_string_equal(d.rows[cursor_row(t)].key, "id-11");
    assert_int_equal(table_set_filter(t, "bogus:x", &err), -1);
    assert_non_null(strstr(err.msg, "bogus"));
    assert_string_equal(table_filter_text(t), "status:err");
    assert_int_equal(table_count(t), 10);
    assert_string_equal(table_status(t, buf, sizeof buf), "3/10 of 50 filter: status:err");
    assert_int_equal(table_select_key(t, "id-0"), -1); /* filtered out */
    /* clearing the filter keeps the cursor on the same row */
    assert_int_equal(table_set_filter(t, NULL, &err), 0);
    assert_string_equal(d.rows[cursor_row(t)].key, "id-11");
    table_free(t);
    free(d.rows);
}

static void test_movement_keys(void **state)
{
    struct data d;
    struct table *t;
    size_t pos;
    (void)state;

    fill(&d, 100);
    t = make_table(&d);
    table_set_page(t, 10);
    assert_int_equal(table_key(t, 'j'), TABLE_HANDLED | TABLE_MOVED);
    assert_int_equal(table_key(t, KEYMAP_FN(KEY_DOWN)), TABLE_HANDLED | TABLE_MOVED);
    table_cursor(t, &pos);
    assert_int_equal(pos, 2);
    table_key(t, 'k');
    table_cursor(t, &pos);
    assert_int_equal(pos, 1);
    table_key(t, KEYMAP_FN(KEY_NPAGE));
    table_cursor(t, &pos);
    assert_int_equal(pos, 11);
    assert_int_equal(table_top(t), 2);
    table_key(t, 'G');
    table_cursor(t, &pos);
    assert_int_equal(pos, 99);
    assert_int_equal(table_top(t), 90);
    assert_int_equal(table_key(t, 'j'), TABLE_HANDLED); /* at the end: not moved */
    table_key(t, KEYMAP_FN(KEY_PPAGE));
    table_cursor(t, &pos);
    assert_int_equal(pos, 89);
    table_key(t, 'g');
    table_cursor(t, &pos);
    assert_int_equal(pos, 0);
    assert_int_equal(table_top(t), 0);
    table_key(t, KEYMAP_FN(KEY_END));
    table_key(t, KEYMAP_FN(KEY_HOME));
    table_cursor(t, &pos);
    assert_int_equal(pos, 0);
    assert_int_equal(table_key(t, 'z'), TABLE_IGNORED);
    table_free(t);
    free(d.rows);
}

static void test_sort_keys(void **state)
{
    struct data d;
    struct table *t;
    int rev;
    (void)state;

    fill(&d, 20);
    t = make_table(&d);
    assert_int_equal(table_sort_column(t, &rev), -1);
    assert_true(table_key(t, '>') & TABLE_SORTED);
    assert_int_equal(table_sort_column(t, NULL), 0);
    table_key(t, 'I');
    assert_int_equal(table_sort_column(t, &rev), 0);
    assert_int_equal(rev, 1);
    assert_int_equal(table_row_at(t, 0), 19);
    table_key(t, '<');
    assert_int_equal(table_sort_column(t, NULL), -1);
    table_key(t, '<');
    assert_int_equal(table_sort_column(t, NULL), 2);
    table_free(t);
    free(d.rows);
}

static void test_marks_by_key(void **state)
{
    struct data d;
    struct table *t;
    size_t *rows, n;
    char buf[64];
    (void)state;

    fill(&d, 10);
    t = make_table(&d);
    /* Space marks and moves down */
    assert_int_equal(table_key(t, ' '), TABLE_HANDLED | TABLE_MOVED | TABLE_MARKS);
    table_key(t, ' ');
    table_key(t, 'j');
    table_key(t, ' ');
    assert_int_equal(table_marked_count(t), 3);
    assert_true(table_is_marked(t, 0));
    assert_true(table_is_marked(t, 1));
    assert_false(table_is_marked(t, 2));
    assert_true(table_is_marked(t, 3));
    assert_string_equal(table_status(t, buf, sizeof buf), "5/10 [3 marked]");
    /* unmark by toggling again */
    table_move_to(t, 1);
    table_toggle_mark(t);
    assert_false(table_is_marked(t, 1));
    assert_int_equal(table_marked_count(t), 2);
    /* marks follow keys when the order changes */
    reverse_rows(&d);
    table_set_rows(t, d.n);
    assert_true(table_is_marked(t, 9)); /* id-0 */
    assert_true(table_is_marked(t, 6)); /* id-3 */
    assert_false(table_is_marked(t, 0));
    /* marked rows in visible order, then filtered-out ones */
    table_set_sort(t, 0, 0);
    rows = table_marked_rows(t, &n);
    assert_int_equal(n, 2);
    assert_string_equal(d.rows[rows[0]].key, "id-0");
    assert_string_equal(d.rows[rows[1]].key, "id-3");
    free(rows);
    assert_int_equal(table_set_filter(t, "vm-3", NULL), 0);
    rows = table_marked_rows(t, &n);
    assert_int_equal(n, 2);
    assert_string_equal(d.rows[rows[0]].key, "id-3");
    assert_string_equal(d.rows[rows[1]].key, "id-0");
    free(rows);
    /* a marked row that disappears is forgotten */
    remove_row(&d, 9); /* id-0 */
    table_set_rows(t, d.n);
    assert_int_equal(table_marked_count(t), 1);
    assert_int_equal(table_key(t, 'U'), TABLE_HANDLED | TABLE_MARKS);
    assert_int_equal(table_marked_count(t), 0);
    assert_null(table_marked_rows(t, &n));
    assert_int_equal(n, 0);
    table_free(t);
    free(d.rows);
}

static void test_many_marks(void **state)
{
    struct data d;
    struct table *t;
    (void)state;

    fill(&d, 5000);
    t = make_table(&d);
    for (size_t i = 0; i < 5000; i += 2) {
        table_move_to(t, i);
        table_toggle_mark(t);
    }
    assert_int_equal(table_marked_count(t), 2500);
    for (size_t i = 0; i < 5000; i += 4) {
        table_move_to(t, i);
        table_toggle_mark(t);
    }
    assert_int_equal(table_marked_count(t), 1250);
    for (size_t i = 0; i < 5000; i++)
        assert_int_equal(table_is_marked(t, i), i % 4 == 2);
    table_free(t);
    free(d.rows);
}

/* ---- drawing on a headless screen -------------------------------------- */

static long file_size(FILE *f)
{
    struct stat st;

    fflush(f);
    fstat(fileno(f), &st);
    return (long)st.st_size;
}

static void test_draw_sanitised_and_idle(void **state)
{
    struct data d;
    struct table *t;
    FILE *out = tmpfile(), *in = fopen("/dev/null", "r");
    SCREEN *scr;
    WINDOW *w;
    char line[128];
    long before;
    (void)state;

    fill(&d, 30);
    snprintf(d.rows[1].name, sizeof d.rows[1].name,
             "\x1b]0;pwned\x07"
             "evil\x1b[2J");
    t = make_table(&d);
    scr = newterm("xterm", out, in);
    if (scr == NULL)
        skip();
    w = newwin(10, 60, 0, 0);
    leaveok(w, TRUE); /* as the app does: the cursor is hidden, never moved */
    table_set_sort(t, 0, 0);
    table_draw(t, w, 0, 0, 10, 60, NULL, 1);
    mvwinnstr(w, 0, 0, line, 60);
    assert_non_null(strstr(line, "Name^"));
    assert_non_null(strstr(line, "CPU%"));
    /* row of vm-1 is drawn as "evil", with no escape left in the window */
    for (int y = 1; y < 10; y++) {
        mvwinnstr(w, y, 0, line, 60);
        assert_null(strchr(line, '\x1b'));
        assert_null(strstr(line, "pwned"));
    }
    /* sorting uses the text as drawn: "evil" sorts before "vm-0" */
    mvwinnstr(w, 1, 0, line, 60);
    assert_int_equal(strncmp(line, "  evil ", 7), 0);
    mvwinnstr(w, 2, 0, line, 60);
    assert_int_equal(strncmp(line, "  vm-0 ", 7), 0);
    mvwinnstr(w, 3, 0, line, 60);
    assert_int_equal(strncmp(line, "  vm-2 ", 7), 0);
    wnoutrefresh(w);
    doupdate();
    before = file_size(out);
    assert_true(before > 0);
    /* an idle redraw costs nothing on the wire */
    table_draw(t, w, 0, 0, 10, 60, NULL, 1);
    wnoutrefresh(w);
    doupdate();
    assert_int_equal(file_size(out), before);
    /* moving the cursor redraws two lines, not the screen */
    table_key(t, 'j');
    table_draw(t, w, 0, 0, 10, 60, NULL, 1);
    wnoutrefresh(w);
    doupdate();
    assert_true(file_size(out) - before < 400);
    /* the scroll bar and a narrow window do not break */
    table_draw(t, w, 0, 0, 5, 12, NULL, 0);
    table_draw(t, w, 0, 0, 5, 2, NULL, 0);
    table_draw(t, w, 0, 0, 1, 60, NULL, 0);
    delwin(w);
    endwin();
    delscreen(scr);
    fclose(out);
    fclose(in);
    table_free(t);
    free(d.rows);
}

/* The filter cache (one arena, memmem) must select exactly what filter_match() does. */
static const char *cell_sanitised(void *ctx, size_t row, int col, char *scratch, size_t len)
{
    char own[256];
    const char *s = cell(ctx, row, col, own, sizeof own);

    sanitize_into(scratch, len, s != NULL ? s : "", 0);
    return scratch;
}

static void test_filter_cache_matches_filter(void **state)
{
    static const char *const exprs[] = {
        "vm-1", "VM-1", "Err", "status:err", "!status:err", "!status:err vm-9", "name:1 cpu:5",
        "cpu:-", "-", "\"vm-12\"", "status:a !name:3", "ti", "ma", "nothing-matches", "a b c",
        "name:ERROR", "1.", "\xe2\x80\xa6",
    };
    static const char *const ids[] = {"name", "status", "cpu"};
    static const char *const titles[] = {"Name", "Status", "CPU%"};
    struct data d;
    struct table *t;
    (void)state;
    fill(&d, 3000);
    /* upper case, a control character and a separator byte in some names */
    snprintf(d.rows[5].name, sizeof d.rows[5].name, "WEB-Prod-5");
    snprintf(d.rows[6].name, sizeof d.rows[6].name, "a\x1f" "b\x1e" "\x1b[31mred");
    snprintf(d.rows[7].name, sizeof d.rows[7].name, "caf\xc3\xa9\xe2\x80\xa6");
    t = make_table(&d);
    table_set_sort(t, 2, 1);
    for (size_t e = 0; e < sizeof exprs / sizeof exprs[0]; e++) {
        struct filter *f = filter_parse(exprs[e], ids, titles, 3, NULL);
        size_t want = 0, pos = 0;
        assert_non_null(f);
        assert_int_equal(table_set_filter(t, exprs[e], NULL), 0);
        for (size_t i = 0; i < d.n; i++)
            want += filter_match(f, cell_sanitised, &d, i);
        assert_int_equal(table_count(t), want);
        /* and in the sort order */
        for (size_t p = 0; p < table_count(t); p++) {
            size_t row = table_row_at(t, p);
            assert_true(filter_match(f, cell_sanitised, &d, row));
            if (p > 0)
                assert_true(pos != row);
            pos = row;
        }
        filter_free(f);
    }
    /* new data: the cache is rebuilt */
    assert_int_equal(table_set_filter(t, "web-prod", NULL), 0);
    assert_int_equal(table_count(t), 1);
    snprintf(d.rows[8].name, sizeof d.rows[8].name, "web-prod-8");
    table_set_rows(t, d.n);
    assert_int_equal(table_count(t), 2);
    table_free(t);
    free(d.rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_wide),
        cmocka_unit_test(test_layout_narrow_drops_by_priority),
        cmocka_unit_test(test_layout_invariants),
        cmocka_unit_test(test_100k_sort_and_filter),
        cmocka_unit_test(test_cursor_follows_key),
        cmocka_unit_test(test_filter_keeps_cursor_and_rejects_errors),
        cmocka_unit_test(test_filter_cache_matches_filter),
        cmocka_unit_test(test_movement_keys),
        cmocka_unit_test(test_sort_keys),
        cmocka_unit_test(test_marks_by_key),
        cmocka_unit_test(test_many_marks),
        cmocka_unit_test(test_draw_sanitised_and_idle),
    };

    if (setlocale(LC_ALL, "C.UTF-8") == NULL)
        return 77;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
