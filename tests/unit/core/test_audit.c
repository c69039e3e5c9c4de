/*
 * test_audit.c - the hash-chained audit log: append, list, redaction, and
 * detection of an edited row, a deleted middle row and a truncated tail.
 */
#include "testutil.h"

#include "core/audit.h"
#include "core/err.h"
#include "core/store.h"
#include "core/store_priv.h"
#include "core/xalloc.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fx {
    char *dir;
    char *path;
    struct store *st;
};

static int setup(void **state)
{
    struct fx *fx = xcalloc(1, sizeof *fx);
    struct rt_error err = {0};

    fx->dir = make_tmpdir();
    fx->path = xasprintf("%s/racktop.db", fx->dir);
    fx->st = store_open(fx->path, &err);
    if (fx->st == NULL)
        return -1;
    for (int i = 0; i < 5; i++) {
        struct audit_entry e = {0};
        char target[32];
        int64_t seq = 0;
        snprintf(target, sizeof target, "web-%d", i);
        e.user = "ops";
        e.provider = "lab";
        e.action = "reboot";
        e.kind = "instance";
        e.target = target;
        e.params_json = "{\"hard\":\"false\",\"admin_password\":\"hunter2\"}";
        e.result = "requested";
        if (audit_append(fx->st, &e, &seq, &err) < 0 || seq != i + 1)
            return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    store_close(fx->st);
    rm_rf(fx->dir);
    free(fx->dir);
    free(fx->path);
    free(fx);
    return 0;
}

/* Tampering as an attacker with the sqlite3 shell would: drop the guard triggers first. */
static void tamper(struct fx *fx, const char *sql)
{
    char *full = xasprintf("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; %s", sql);
    assert_int_equal(sqlite3_exec(store_db(fx->st), full, NULL, NULL, NULL), SQLITE_OK);
    free(full);
}

static void test_intact_chain_verifies(void **state)
{
    struct fx *fx = *state;
    struct rt_error err = {0};
    int64_t bad = -1, n = 0;

    assert_int_equal(audit_verify(fx->st, &bad, &n, &err), 0);
    assert_int_equal(n, 5);
    assert_int_equal(bad, 0);
}

static void test_list_and_redaction(void **state)
{
    struct fx *fx = *state;
    struct rt_error err = {0};
    struct res_list rows;

    res_list_init(&rows);
    assert_int_equal(audit_list(fx->st, 0, &rows, &err), 0);
    assert_int_equal(rows.len, 5);
    assert_string_equal(res_get(rows.items[0], "target"), "web-4"); /* newest first */
    assert_string_equal(res_get(rows.items[0], "user"), "ops");
    assert_null(strstr(res_get(rows.items[0], "params"), "hunter2"));
    assert_non_null(strstr(res_get(rows.items[0], "params"), "\"admin_password\":\"***\""));
    assert_non_null(strstr(res_get(rows.items[0], "params"), "\"hard\":\"false\""));
    res_list_done(&rows);
}

static void test_rows_cannot_be_updated_through_sql(void **state)
{
    struct fx *fx = *state;

    assert_int_not_equal(sqlite3_exec(store_db(fx->st), "UPDATE audit SET user='x'", NULL, NULL,
                                      NULL),
                         SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(store_db(fx->st), "DELETE FROM audit WHERE seq=2", NULL,
                                      NULL, NULL),
                         SQLITE_OK);
}

static void test_edited_row_detected(void **state)
{
    struct fx *fx = *state;
    struct rt_error err = {0};
    int64_t bad = 0;

    tamper(fx, "UPDATE audit SET target='db-1' WHERE seq=3");
    assert_int_equal(audit_verify(fx->st, &bad, NULL, &err), -1);
    assert_int_equal(bad, 3);
    assert_non_null(strstr(err.msg, "row 3"));
}

static void test_deleted_middle_row_detected(void **state)
{
    struct fx *fx = *state;
    struct rt_error err = {0};
    int64_t bad = 0;

    tamper(fx, "DELETE FROM audit WHERE seq=2");
    assert_int_equal(audit_verify(fx->st, &bad, NULL, &err), -1);
    assert_int_equal(bad, 2);
    assert_non_null(strstr(err.msg, "row 2 is missing"));
}

static void test_truncated_tail_detected(void **state)
{
    struct fx *fx = *state;
    struct rt_error err = {0};
    int64_t bad = 0;

    tamper(fx, "DELETE FROM audit WHERE seq>=4");
    assert_int_equal(audit_verify(fx->st, &bad, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "deleted from the end"));
    assert_int_equal(bad, 4);
}

static void test_rehashed_forgery_detected_by_head(void **state)
{
    struct fx *fx = *state;
    struct rt_error err = {0};

    /* Deleting the last row leaves a valid chain; only the head witness catches it. */
    tamper(fx, "DELETE FROM audit WHERE seq=5");
    assert_int_equal(audit_verify(fx->st, NULL, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "1 row(s) deleted"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_intact_chain_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_and_redaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rows_cannot_be_updated_through_sql, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edited_row_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_middle_row_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_tail_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rehashed_forgery_detected_by_head, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
