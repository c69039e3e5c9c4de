/*
 * test_filter.c - filter expressions: substring, negation, columns, AND, errors.
 */
#include "testutil.h"

#include "core/err.h"
#include "tui/filter.h"

#include <stdio.h>
#include <string.h>

static const char *const ids[] = {"name", "status", "host", "ip"};
static const char *const titles[] = {"Name", "Status", "Hypervisor", "IP address"};

static const char *const rows[][4] = {
    {"web-01", "ACTIVE", "hv-a", "10.0.0.1:22"},
    {"web-02", "ERROR", "hv-b", "10.0.0.2"},
    {"db-01", "SHUTOFF", "hv-a", "10.0.1.1"},
    {"Cache web", "ACTIVE", "hv-c", NULL},
};
#define NROWS (sizeof rows / sizeof rows[0])

static const char *cell(void *ctx, size_t row, int col, char *scratch, size_t len)
{
    (void)ctx;
    (void)scratch;
    (void)len;
    return rows[row][col];
}

/* Bit mask of the rows the expression keeps. */
static unsigned matches(const char *expr)
{
    struct rt_error err = {0};
    struct filter *f = filter_parse(expr, ids, titles, 4, &err);
    unsigned mask = 0;

    if (f == NULL)
        fail_msg("'%s' did not parse: %s", expr, err.msg);
    for (size_t r = 0; r < NROWS; r++) {
        if (filter_match(f, cell, NULL, r))
            mask |= 1u << r;
    }
    filter_free(f);
    return mask;
}

static void test_substring_any_column(void **state)
{
    (void)state;
    assert_int_equal(matches(""), 0xf);
    assert_int_equal(matches("   "), 0xf);
    assert_int_equal(matches("web"), 0x1 | 0x2 | 0x8);
    assert_int_equal(matches("WEB"), 0x1 | 0x2 | 0x8); /* case-insensitive */
    assert_int_equal(matches("hv-a"), 0x1 | 0x4);      /* matches another column */
    assert_int_equal(matches("nothing-like-this"), 0);
}

static void test_negation(void **state)
{
    (void)state;
    assert_int_equal(matches("!web"), 0x4);
    assert_int_equal(matches("!active"), 0x2 | 0x4);
}

static void test_column_terms(void **state)
{
    (void)state;
    assert_int_equal(matches("status:ERROR"), 0x2);
    assert_int_equal(matches("status:error"), 0x2);
    assert_int_equal(matches("STATUS:act"), 0x1 | 0x8);
    assert_int_equal(matches("hypervisor:hv-a"), 0x1 | 0x4); /* by title */
    assert_int_equal(matches("!status:active"), 0x2 | 0x4);
    assert_int_equal(matches("name:01"), 0x1 | 0x4);
    /* "web" is in the name column of row 3 only as "Cache web"; status has none */
    assert_int_equal(matches("status:web"), 0);
    /* a NULL cell is "" */
    assert_int_equal(matches("ip:10"), 0x7);
}

static void test_and_of_terms(void **state)
{
    (void)state;
    assert_int_equal(matches("web status:active"), 0x1 | 0x8);
    assert_int_equal(matches("web !status:active"), 0x2);
    assert_int_equal(matches("hv-a !db 01"), 0x1);
}

static void test_quotes_and_literal_colons(void **state)
{
    (void)state;
    assert_int_equal(matches("\"cache web\""), 0x8);
    assert_int_equal(matches("name:\"cache w\""), 0x8);
    assert_int_equal(matches("10.0.0.1:22"), 0x1); /* not a column name: literal */
    assert_int_equal(matches("\"1:22\""), 0x1);
}

static void test_half_typed_terms_ignored(void **state)
{
    (void)state;
    assert_int_equal(matches("!"), 0xf);
    assert_int_equal(matches("status:"), 0xf);
    assert_int_equal(matches("web !"), 0x1 | 0x2 | 0x8);
}

static void test_errors(void **state)
{
    struct rt_error err = {0};
    struct filter *f;
    (void)state;
    f = filter_parse("statu:ERROR", ids, titles, 4, &err);
    assert_null(f);
    assert_int_equal(err.code, RT_ERR_ARG);
    assert_non_null(strstr(err.msg, "'statu'"));
    f = filter_parse("web flavor:", ids, NULL, 4, &err);
    assert_null(f);
    assert_non_null(strstr(err.msg, "'flavor'"));
    f = filter_parse("name:\"open", ids, titles, 4, &err);
    assert_null(f);
    assert_non_null(strstr(err.msg, "quote"));
    /* titles are optional: without them "hypervisor" is unknown */
    assert_null(filter_parse("hypervisor:x", ids, NULL, 4, NULL));
}

static void test_empty(void **state)
{
    struct filter *f = filter_parse("  ! status: ", ids, titles, 4, NULL);
    (void)state;
    assert_non_null(f);
    assert_true(filter_is_empty(f));
    filter_free(f);
    f = filter_parse("x", ids, titles, 4, NULL);
    assert_false(filter_is_empty(f));
    filter_free(f);
    assert_true(filter_is_empty(NULL));
    assert_true(filter_match(NULL, cell, NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_substring_any_column),
        cmocka_unit_test(test_negation),
        cmocka_unit_test(test_column_terms),
        cmocka_unit_test(test_and_of_terms),
        cmocka_unit_test(test_quotes_and_literal_colons),
        cmocka_unit_test(test_half_typed_terms_ignored),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_empty),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
