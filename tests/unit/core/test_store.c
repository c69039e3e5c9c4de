/*
 * test_store.c - the SQLite store: schema, permissions, inventory cache,
 * raw JSON, tasks, metrics, pins, blobs, forward migration guard.
 */
#include "testutil.h"

#include "core/err.h"
#include "core/store.h"
#include "core/store_priv.h"
#include "core/xalloc.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static struct resource *inst(const char *id, const char *name, const char *zone)
{
    struct resource *r = res_new("lab", RES_KIND_INSTANCE, id, name);

    res_set_status(r, RES_STATUS_ACTIVE, "active");
    res_set(r, "type", "vm");
    res_set(r, "zone", zone);
    res_set(r, "addresses", "[\"10.0.0.1\"]");
    r->updated_at = 1000;
    return r;
}

static void test_open_creates_private_wal_file(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *path = xasprintf("%s/sub/dir/racktop.db", dir);
    struct rt_error err = {0};
    struct store *st = store_open(path, &err);
    struct stat sb;
    sqlite3_stmt *s = NULL;

    assert_non_null(st);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(sqlite3_prepare_v2(store_db(st), "PRAGMA journal_mode", -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    assert_int_equal(sqlite3_prepare_v2(store_db(st), "PRAGMA user_version", -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), STORE_SCHEMA_VERSION);
    sqlite3_finalize(s);
    store_close(st);
    /* Reopening an existing store runs no migration and keeps data. */
    st = store_open(path, &err);
    assert_non_null(st);
    store_close(st);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* A store of schema 1 (before the (provider, kind, id, hash) index and the list hash) is
 * migrated on open: rows kept, index added (the unchanged-row check reads it), list hash
 * column added. */
static void test_migration_adds_hash_index(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *path = xasprintf("%s/racktop.db", dir);
    struct rt_error err = {0};
    struct store *st = store_open(path, &err);
    struct res_list rows, out;
    sqlite3_stmt *s = NULL;

    assert_non_null(st);
    res_list_init(&rows);
    res_list_push(&rows, inst("i-1", "web-1", "az1"));
    assert_int_equal(store_put_resources(st, "lab", RES_KIND_INSTANCE, &rows, 1, &err), 0);
    assert_int_equal(sqlite3_exec(store_db(st),
                                  "DROP INDEX resources_hash; ALTER TABLE synced DROP COLUMN "
                                  "list_hash; PRAGMA user_version = 1",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    store_close(st);
    st = store_open(path, &err);
    assert_non_null(st);
    assert_int_equal(sqlite3_prepare_v2(store_db(st),
                                        "EXPLAIN QUERY PLAN SELECT id, hash FROM resources "
                                        "WHERE provider='lab' AND kind='instance'",
                                        -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_non_null(strstr((const char *)sqlite3_column_text(s, 3), "COVERING INDEX resources_hash"));
    sqlite3_finalize(s);
    res_list_init(&out);
    assert_int_equal(store_load_resources(st, "lab", RES_KIND_INSTANCE, &out, &err), 0);
    assert_int_equal(out.len, 1);
    assert_string_equal(out.items[0]->name, "web-1");
    assert_int_equal(store_put_listing(st, "lab", RES_KIND_INSTANCE, &rows, NULL, 42, 7, &err), 0);
    assert_true(store_list_hash(st, "lab", RES_KIND_INSTANCE) == 42);
    res_list_done(&out);
    res_list_done(&rows);
    store_close(st);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* A listing whose hash is the stored one touches no row; any other write of the kind's
 * rows forgets the hash, so the next listing is checked row by row again. */
static void test_listing_hash(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *path = xasprintf("%s/racktop.db", dir);
    struct rt_error err = {0};
    struct store *st = store_open(path, &err);
    struct res_list rows, other, out;
    struct resource *r;

    assert_non_null(st);
    res_list_init(&rows);
    res_list_init(&other);
    res_list_push(&rows, inst("i-1", "web-1", "az1"));
    res_list_push(&rows, inst("i-2", "web-2", "az1"));
    res_list_push(&other, inst("i-1", "renamed", "az1"));
    assert_int_equal(store_put_listing(st, "lab", RES_KIND_INSTANCE, &rows, NULL, 77, 10, &err), 0);
    assert_true(store_list_hash(st, "lab", RES_KIND_INSTANCE) == 77);
    assert_int_equal(store_synced_at(st, "lab", RES_KIND_INSTANCE), 10);
    /* Same list hash, other rows: the store vouches for what it has, rows untouched. */
    assert_int_equal(store_put_listing(st, "lab", RES_KIND_INSTANCE, &other, NULL, 77, 20, &err), 0);
    assert_int_equal(store_synced_at(st, "lab", RES_KIND_INSTANCE), 20);
    res_list_init(&out);
    assert_int_equal(store_load_resources(st, "lab", RES_KIND_INSTANCE, &out, &err), 0);
    assert_int_equal(out.len, 2);
    res_list_done(&out);
    /* The time alone keeps the hash. */
    assert_int_equal(store_set_synced_at(st, "lab", RES_KIND_INSTANCE, 25, &err), 0);
    assert_true(store_list_hash(st, "lab", RES_KIND_INSTANCE) == 77);
    /* One row written on its own (a task's result): the hash is forgotten... */
    r = inst("i-2", "web-2-upserted", "az1");
    assert_int_equal(store_put_resource(st, r, &err), 0);
    res_free(r);
    assert_true(store_list_hash(st, "lab", RES_KIND_INSTANCE) == 0);
    /* ...so the same listing again is written: i-2 back as listed, i-1 as listed. */
    assert_int_equal(store_put_listing(st, "lab", RES_KIND_INSTANCE, &other, NULL, 77, 30, &err), 0);
    res_list_init(&out);
    assert_int_equal(store_load_resources(st, "lab", RES_KIND_INSTANCE, &out, &err), 0);
    assert_int_equal(out.len, 1);
    assert_string_equal(out.items[0]->name, "renamed");
    res_list_done(&out);
    /* A deleted row forgets it too; another provider's hash is its own. */
    assert_int_equal(store_put_listing(st, "lab", RES_KIND_INSTANCE, &rows, NULL, 78, 40, &err), 0);
    assert_int_equal(store_delete_resource(st, "lab", RES_KIND_INSTANCE, "i-1", &err), 0);
    assert_true(store_list_hash(st, "lab", RES_KIND_INSTANCE) == 0);
    assert_true(store_list_hash(st, "prod", RES_KIND_INSTANCE) == 0);
    res_list_done(&rows);
    res_list_done(&other);
    store_close(st);
    free(path);
    rm_rf(dir);
    free(dir);
}

static void test_newer_schema_refused(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *path = xasprintf("%s/racktop.db", dir);
    struct rt_error err = {0};
    struct store *st = store_open(path, &err);

    assert_non_null(st);
    assert_int_equal(sqlite3_exec(store_db(st), "PRAGMA user_version = 99", NULL, NULL, NULL),
                     SQLITE_OK);
    store_close(st);
    st = store_open(path, &err);
    assert_null(st);
    assert_int_equal(err.code, RT_ERR_DB);
    assert_non_null(strstr(err.msg, "schema version 99"));
    free(path);
    rm_rf(dir);
    free(dir);
}

static void test_put_load_roundtrip_and_full_sync(void **state)
{
    (void)state;
    struct rt_error err = {0};
    struct store *st = store_open(":memory:", &err);
    struct res_list rows, out;
    char *raw;

    assert_non_null(st);
    res_list_init(&rows);
    res_list_push(&rows, inst("i-1", "web-1", "az1"));
    res_list_push(&rows, inst("i-2", "web-2", "az2"));
    res_set_raw_take(rows.items[0], xstrdup("{\"id\":\"i-1\",\"status\":\"ACTIVE\"}"));
    assert_int_equal(store_put_resources(st, "lab", RES_KIND_INSTANCE, &rows, 1, &err), 0);

    res_list_init(&out);
    assert_int_equal(store_load_resources(st, NULL, RES_KIND_INSTANCE, &out, &err), 0);
    assert_int_equal(out.len, 2);
    for (size_t i = 0; i < out.len; i++) {
        const struct resource *r = out.items[i];
        assert_null(r->raw); /* raw is never loaded with the cache */
        if (strcmp(r->id, "i-1") == 0) {
            assert_string_equal(r->name, "web-1");
            assert_int_equal(r->status, RES_STATUS_ACTIVE);
            assert_string_equal(r->raw_status, "active");
            assert_string_equal(res_get(r, "zone"), "az1");
            assert_string_equal(res_get(r, "addresses"), "[\"10.0.0.1\"]");
            assert_int_equal(r->updated_at, 1000);
        }
    }
    res_list_done(&out);
    raw = store_get_raw(st, "lab", RES_KIND_INSTANCE, "i-1", &err);
    assert_non_null(raw);
    assert_non_null(strstr(raw, "\"ACTIVE\""));
    free(raw);
    assert_null(store_get_raw(st, "lab", RES_KIND_INSTANCE, "i-2", &err));
    assert_int_equal(err.code, RT_ERR_NOT_FOUND);

    /* A full sync without i-1 deletes it (and its raw JSON); other providers are untouched. */
    res_list_done(&rows);
    res_list_push(&rows, inst("i-2", "web-2-renamed", "az2"));
    {
        struct res_list other;
        struct resource *o = inst("x-1", "other", "az9");
        free(o->provider);
        o->provider = xstrdup("prod");
        res_list_init(&other);
        res_list_push(&other, o);
        assert_int_equal(store_put_resources(st, "prod", RES_KIND_INSTANCE, &other, 1, &err), 0);
        res_list_done(&other);
    }
    assert_int_equal(store_put_resources(st, "lab", RES_KIND_INSTANCE, &rows, 1, &err), 0);
    res_list_init(&out);
    assert_int_equal(store_load_resources(st, "lab", RES_KIND_INSTANCE, &out, &err), 0);
    assert_int_equal(out.len, 1);
    assert_string_equal(out.items[0]->name, "web-2-renamed");
    res_list_done(&out);
    assert_null(store_get_raw(st, "lab", RES_KIND_INSTANCE, "i-1", &err));
    res_list_init(&out);
    assert_int_equal(store_load_resources(st, NULL, RES_KIND_INSTANCE, &out, &err), 0);
    assert_int_equal(out.len, 2);
    res_list_done(&out);

    /* forget_providers drops the cache of providers no longer configured. */
    {
        const char *keep[] = {"prod", NULL};
        assert_int_equal(store_forget_providers(st, keep, &err), 0);
        res_list_init(&out);
        assert_int_equal(store_load_resources(st, NULL, RES_KIND_INSTANCE, &out, &err), 0);
        assert_int_equal(out.len, 1);
        assert_string_equal(out.items[0]->provider, "prod");
        res_list_done(&out);
    }
    res_list_done(&rows);
    store_close(st);
}

static void test_unchanged_rows_not_rewritten(void **state)
{
    (void)state;
    struct rt_error err = {0};
    struct store *st = store_open(":memory:", &err);
    struct res_list rows;

    res_list_init(&rows);
    res_list_push(&rows, inst("i-1", "web-1", "az1"));
    assert_int_equal(store_put_resources(st, "lab", RES_KIND_INSTANCE, &rows, 1, &err), 0);
    /* Tamper with the cached row behind the store's back: an identical put must not touch it,
     * a changed one must. */
    assert_int_equal(sqlite3_exec(store_db(st), "UPDATE resources SET name='marker'", NULL, NULL,
                                  NULL),
                     SQLITE_OK);
    assert_int_equal(store_put_resources(st, "lab", RES_KIND_INSTANCE, &rows, 1, &err), 0);
    {
        struct res_list out;
        res_list_init(&out);
        store_load_resources(st, "lab", RES_KIND_INSTANCE, &out, &err);
        assert_string_equal(out.items[0]->name, "marker");
        res_list_done(&out);
    }
    res_set(rows.items[0], "zone", "az2");
    assert_int_equal(store_put_resources(st, "lab", RES_KIND_INSTANCE, &rows, 1, &err), 0);
    {
        struct res_list out;
        res_list_init(&out);
        store_load_resources(st, "lab", RES_KIND_INSTANCE, &out, &err);
        assert_string_equal(out.items[0]->name, "web-1");
        assert_string_equal(res_get(out.items[0], "zone"), "az2");
        res_list_done(&out);
    }
    res_list_done(&rows);
    store_close(st);
}

static void test_tasks_journal(void **state)
{
    (void)state;
    struct rt_error err = {0};
    struct store *st = store_open(":memory:", &err);
    struct task_rec t = {0}, got = {0}, *v = NULL;
    size_t n = 0;

    t.id = xstrdup("t-1");
    t.provider = xstrdup("lab");
    t.action = xstrdup("reboot");
    t.kind = RES_KIND_INSTANCE;
    t.target_id = xstrdup("i-1");
    t.target_name = xstrdup("web-1");
    t.params_json = xstrdup("{}");
    t.user = xstrdup("ops");
    t.state = TASK_PENDING;
    t.created_at = t.updated_at = 100;
    assert_int_equal(store_task_insert(st, &t, &err), 0);
    assert_int_equal(store_task_list(st, 1, 0, &v, &n, &err), 0);
    assert_int_equal(n, 1);
    task_rec_done(&v[0]);
    free(v);

    t.state = TASK_SUCCEEDED;
    t.progress = 100;
    t.message = xstrdup("done");
    assert_int_equal(store_task_update(st, &t, 1, &err), 1);
    /* Finishing twice changes nothing the second time (only_if_open). */
    assert_int_equal(store_task_update(st, &t, 1, &err), 0);
    assert_int_equal(store_task_get(st, "t-1", &got, &err), 0);
    assert_int_equal(got.state, TASK_SUCCEEDED);
    assert_string_equal(got.message, "done");
    assert_int_equal(got.kind, RES_KIND_INSTANCE);
    task_rec_done(&got);
    assert_int_equal(store_task_list(st, 1, 0, &v, &n, &err), 0);
    assert_int_equal(n, 0);
    free(v);
    assert_int_equal(store_task_get(st, "t-404", &got, &err), -1);
    assert_int_equal(err.code, RT_ERR_NOT_FOUND);
    task_rec_done(&t);
    store_close(st);
}

static void test_metrics_history_and_prune(void **state)
{
    (void)state;
    struct rt_error err = {0};
    struct store *st = store_open(":memory:", &err);
    struct metric_list l = {0};
    double vals[100];
    int64_t ts[100];
    size_t n = 0;

    for (int i = 0; i < 60; i++)
        metric_list_push(&l, "h-1", "cpu_pct", 10000 + i * 60, i);
    metric_list_push(&l, "h-2", "cpu_pct", 10000, 99);
    assert_int_equal(store_add_metrics(st, "lab", &l, &err), 0);
    metric_list_done(&l);
    assert_int_equal(store_metric_history(st, "lab", "h-1", "cpu_pct", 0, vals, ts, 10, &n, &err),
                     0);
    assert_int_equal(n, 10);
    /* the newest ten, oldest first */
    assert_true(vals[0] == 50 && vals[9] == 59);
    assert_true(ts[0] < ts[9]);
    assert_int_equal(store_metric_last_ts(st, "lab"), 10000 + 59 * 60);
    /* Retention: drop before 10000+30*60; downsample nothing newer. */
    assert_int_equal(store_prune_metrics(st, 10000 + 30 * 60, 0, &err), 0);
    assert_int_equal(store_metric_history(st, "lab", "h-1", "cpu_pct", 0, vals, ts, 100, &n, &err),
                     0);
    assert_int_equal(n, 30);
    /* Downsampling: samples older than the coarse limit collapse to one per 5 minutes. */
    assert_int_equal(store_prune_metrics(st, 0, 10000 + 60 * 60, &err), 0);
    assert_int_equal(store_metric_history(st, "lab", "h-1", "cpu_pct", 0, vals, ts, 100, &n, &err),
                     0);
    assert_true(n >= 6 && n <= 7);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ts[i] % 300, 0);
    store_close(st);
}

static int count_cb(void *ctx, const char *key, const char *value)
{
    (void)key;
    (void)value;
    ++*(int *)ctx;
    return 0;
}

static void test_pins_meta_blobs(void **state)
{
    (void)state;
    struct rt_error err = {0};
    struct store *st = store_open(":memory:", &err);
    char *v;
    int n = 0;

    assert_null(store_pin_get(st, "tls", "bmc1:443", &err));
    assert_int_equal(err.code, RT_ERR_NOT_FOUND);
    assert_int_equal(store_pin_set(st, "tls", "bmc1:443", "SHA256:abc", &err), 0);
    v = store_pin_get(st, "tls", "bmc1:443", &err);
    assert_string_equal(v, "SHA256:abc");
    free(v);
    assert_int_equal(store_meta_set(st, "k", "v1", &err), 0);
    assert_int_equal(store_meta_set(st, "k", "v2", &err), 0);
    v = store_meta_get(st, "k");
    assert_string_equal(v, "v2");
    free(v);
    assert_int_equal(store_blob_put(st, "demo:lab", "a", "1", &err), 0);
    assert_int_equal(store_blob_put(st, "demo:lab", "b", "2", &err), 0);
    assert_int_equal(store_blob_put(st, "demo:other", "a", "3", &err), 0);
    assert_int_equal(store_blob_foreach(st, "demo:lab", count_cb, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(store_blob_delete(st, "demo:lab", "a", &err), 0);
    assert_null(store_blob_get(st, "demo:lab", "a"));
    assert_int_equal(store_blob_clear(st, "demo:lab", &err), 0);
    assert_null(store_blob_get(st, "demo:lab", "b"));
    v = store_blob_get(st, "demo:other", "a");
    assert_string_equal(v, "3");
    free(v);
    store_close(st);
}

static void test_unusable_path_gives_message(void **state)
{
    (void)state;
    struct rt_error err = {0};
    struct store *st = store_open("/proc/racktop-cannot/x.db", &err);

    assert_null(st);
    assert_true(err.code == RT_ERR_DB || err.code == RT_ERR_ARG);
    assert_non_null(strstr(err.msg, "/proc/racktop-cannot"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_creates_private_wal_file),
        cmocka_unit_test(test_migration_adds_hash_index),
        cmocka_unit_test(test_listing_hash),
        cmocka_unit_test(test_newer_schema_refused),
        cmocka_unit_test(test_put_load_roundtrip_and_full_sync),
        cmocka_unit_test(test_unchanged_rows_not_rewritten),
        cmocka_unit_test(test_tasks_journal),
        cmocka_unit_test(test_metrics_history_and_prune),
        cmocka_unit_test(test_pins_meta_blobs),
        cmocka_unit_test(test_unusable_path_gives_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
