/*
 * test_engine.c - the engine over the demo provider: events and the wake-up
 * fd, cache at start marked stale, actions journalled and audited before
 * they are sent, read-only refusal of every action in the engine, journal
 * reconciliation after a restart; progressive delivery (provider_post_rows) through a
 * test-double provider type.
 */
#include "testutil.h"

#include "core/audit.h"
#include "core/engine.h"
#include "core/err.h"
#include "core/fleet.h"
#include "core/provider.h"
#include "core/util.h"
#include "core/xalloc.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct fx {
    char *dir;
    char *db;
    struct engine_opts opts;
};

static int setup(void **state)
{
    struct fx *fx = xcalloc(1, sizeof *fx);
    char *cfg;

    fx->dir = make_tmpdir();
    fx->db = xasprintf("%s/racktop.db", fx->dir);
    cfg = xasprintf("%s/absent.yaml", fx->dir);
    /* No config file at the default path: point XDG at the temp dir. */
    setenv("XDG_CONFIG_HOME", fx->dir, 1);
    fx->opts.store_path = fx->db;
    fx->opts.demo_speed = 200;
    free(cfg);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    rm_rf(fx->dir);
    free(fx->dir);
    free(fx->db);
    free(fx);
    return 0;
}

/* Pump events into the fleet until pred() or the timeout; returns pred's last value. */
static int pump(struct engine *e, struct fleet *f, int (*pred)(struct engine_event *, void *),
                void *ctx, int timeout_ms)
{
    int64_t end = rt_mono_ms() + timeout_ms;

    while (rt_mono_ms() < end) {
        struct pollfd pfd = {engine_fd(e), POLLIN, 0};
        struct engine_event *ev;
        poll(&pfd, 1, 100);
        while ((ev = engine_next_event(e)) != NULL) {
            int done = pred != NULL && pred(ev, ctx);
            if (f != NULL)
                fleet_apply(f, ev);
            engine_event_free(ev);
            if (done)
                return 1;
        }
    }
    return 0;
}

static int is_sync_of(struct engine_event *ev, void *ctx)
{
    return ev->type == ENGINE_EV_SYNC && ev->kind == *(enum res_kind *)ctx;
}

struct task_wait {
    const char *id;
    enum task_state state;
    int saw_running;
};

static int task_done(struct engine_event *ev, void *ctx)
{
    struct task_wait *tw = ctx;

    if (ev->type != ENGINE_EV_TASK || strcmp(ev->task.id, tw->id) != 0)
        return 0;
    if (ev->task.state == TASK_RUNNING)
        tw->saw_running = 1;
    tw->state = ev->task.state;
    return ev->task.state >= TASK_SUCCEEDED;
}

static const struct resource *first_active_vm(struct fleet *f)
{
    for (size_t i = 0; i < fleet_count(f, RES_KIND_INSTANCE); i++) {
        const struct resource *r = fleet_at(f, RES_KIND_INSTANCE, i);
        const char *type = res_get(r, "type");
        if (r->status == RES_STATUS_ACTIVE && type != NULL && strcmp(type, "vm") == 0)
            return r;
    }
    return NULL;
}

static void test_sync_cache_and_act(void **state)
{
    struct fx *fx = *state;
    struct rt_error err = {0};
    struct engine *e = engine_new(&fx->opts, &err);
    struct fleet *f = fleet_new();
    enum res_kind k = RES_KIND_INSTANCE;
    const struct resource *vm;
    char *task = NULL, *name;
    struct task_wait tw = {0};
    struct res_list audit;

    assert_non_null(e);
    assert_int_equal(engine_provider_count(e), 1);
    assert_int_equal(engine_start(e, &err), 0);
    engine_refresh(e, NULL, RT_KIND_BIT(k));
    assert_true(pump(e, f, is_sync_of, &k, 20000));
    assert_true(fleet_count(f, k) >= 200);
    assert_false(fleet_is_stale(f, k, "demo"));
    /* A second refresh with nothing changed answers without sending the rows again. */
    {
        uint64_t before = fleet_version(f, k);
        int unchanged = -1;
        int64_t end = rt_mono_ms() + 20000;
        engine_refresh(e, NULL, RT_KIND_BIT(k));
        while (unchanged < 0 && rt_mono_ms() < end) {
            struct pollfd pfd = {engine_fd(e), POLLIN, 0};
            struct engine_event *ev;
            poll(&pfd, 1, 100);
            while ((ev = engine_next_event(e)) != NULL) {
                if (ev->type == ENGINE_EV_SYNC && ev->kind == k) {
                    unchanged = ev->unchanged;
                    assert_int_equal(ev->rows.len, 0);
                }
                fleet_apply(f, ev);
                engine_event_free(ev);
            }
        }
        assert_int_equal(unchanged, 1);
        assert_int_equal(fleet_version(f, k), before);
        assert_true(fleet_count(f, k) >= 200);
    }
    vm = first_active_vm(f);
    assert_non_null(vm);
    name = xstrdup(vm->name);

    assert_int_equal(engine_act(e, "demo", action_find(k, "reboot"), vm->id, vm->name, NULL, &task,
                                &err),
                     0);
    /* Journalled and audited before the worker has sent anything. */
    res_list_init(&audit);
    assert_int_equal(audit_list(engine_store(e), 1, &audit, &err), 0);
    assert_int_equal(audit.len, 1);
    assert_string_equal(res_get(audit.items[0], "result"), "requested");
    assert_string_equal(res_get(audit.items[0], "target"), name);
    res_list_done(&audit);

    tw.id = task;
    assert_true(pump(e, f, task_done, &tw, 30000));
    assert_int_equal(tw.state, TASK_SUCCEEDED);
    res_list_init(&audit);
    assert_int_equal(audit_list(engine_store(e), 1, &audit, &err), 0);
    assert_non_null(strstr(res_get(audit.items[0], "result"), "succeeded"));
    res_list_done(&audit);
    free(task);
    engine_free(e);
    fleet_free(f);

    /* A new engine shows the cached fleet at once, marked stale. */
    e = engine_new(&fx->opts, &err);
    f = fleet_new();
    assert_int_equal(fleet_load_cache(f, engine_store(e), RT_KIND_BIT(k), &err), 0);
    assert_true(fleet_count(f, k) >= 200);
    assert_true(fleet_is_stale(f, k, "demo"));
    assert_non_null(fleet_lookup(f, k, NULL, name, &err));
    free(name);
    engine_free(e);
    fleet_free(f);
}

static void test_read_only_refuses_every_action(void **state)
{
    struct fx *fx = *state;
    struct rt_error err = {0};
    struct engine *e;
    size_t n;
    const struct action_def *tab = action_table(&n);
    struct res_list audit;
    struct task_rec *tasks = NULL;
    size_t ntasks = 0;

    fx->opts.read_only = 1;
    e = engine_new(&fx->opts, &err);
    assert_non_null(e);
    assert_int_equal(engine_start(e, &err), 0);
    for (size_t i = 0; i < n; i++) {
        char *task = NULL;
        struct params p = {0};
        /* Valid parameters, so that only read-only can be the reason. */
        for (const struct param_def *d = tab[i].params; d->name != NULL; d++) {
            if (d->required)
                params_set(&p, d->name,
                           d->type == PARAM_INT    ? "10"
                           : d->type == PARAM_ENUM ? (strchr(d->choices, '|') != NULL
                                                          ? "tcp"
                                                          : d->choices)
                                                   : "x");
        }
        if (strcmp(tab[i].verb, "add-rule") == 0)
            params_set(&p, "direction", "ingress");
        rt_err_clear(&err);
        assert_int_equal(engine_act(e, "demo", &tab[i], "some-id", "some-name", &p, &task, &err),
                         -1);
        assert_int_equal(err.code, RT_ERR_REFUSED);
        assert_non_null(strstr(err.msg, "read-only"));
        assert_null(task);
        params_done(&p);
    }
    res_list_init(&audit);
    assert_int_equal(audit_list(engine_store(e), 0, &audit, &err), 0);
    assert_int_equal(audit.len, 0);
    res_list_done(&audit);
    assert_int_equal(store_task_list(engine_store(e), 0, 0, &tasks, &ntasks, &err), 0);
    assert_int_equal(ntasks, 0);
    free(tasks);
    engine_free(e);
    fx->opts.read_only = 0;
}

static void test_unknown_provider_and_bad_params(void **state)
{
    struct fx *fx = *state;
    struct rt_error err = {0};
    struct engine *e = engine_new(&fx->opts, &err);
    char *task = NULL;
    struct params p = {0};

    assert_non_null(e);
    assert_int_equal(engine_act(e, "nope", action_find(RES_KIND_INSTANCE, "reboot"), "x", "x",
                                NULL, &task, &err),
                     -1);
    assert_int_equal(err.code, RT_ERR_NOT_FOUND);
    params_set(&p, "size_gb", "big");
    assert_int_equal(engine_act(e, "demo", action_find(RES_KIND_VOLUME, "extend"), "v", "v", &p,
                                &task, &err),
                     -1);
    assert_int_equal(err.code, RT_ERR_ARG);
    params_done(&p);
    engine_free(e);
}

/* engine_stop(): the workers close while the caller goes on; nothing new is run, what was
 * asked for before is still readable, and engine_free() after it is clean. */
static void test_stop_then_free(void **state)
{
    struct fx *fx = *state;
    struct rt_error err = {0};
    struct engine *e = engine_new(&fx->opts, &err);
    struct engine_event *ev;
    char *task = NULL;
    int synced = 0;
    int64_t deadline;

    assert_non_null(e);
    assert_int_equal(engine_start(e, &err), 0);
    engine_refresh(e, NULL, RT_KIND_BIT(RES_KIND_INSTANCE));
    deadline = rt_mono_ms() + 10000;
    while (!synced && rt_mono_ms() < deadline) {
        struct pollfd pfd = {engine_fd(e), POLLIN, 0};
        poll(&pfd, 1, 100);
        while ((ev = engine_next_event(e)) != NULL) {
            synced |= ev->type == ENGINE_EV_SYNC && ev->kind == RES_KIND_INSTANCE;
            engine_event_free(ev);
        }
    }
    assert_true(synced);
    engine_stop(e);
    engine_stop(e); /* twice is harmless */
    assert_int_equal(engine_act(e, "demo", action_find(RES_KIND_INSTANCE, "reboot"), "x", "x",
                                NULL, &task, &err),
                     -1);
    assert_int_equal(err.code, RT_ERR_REFUSED);
    assert_non_null(strstr(err.msg, "stopping"));
    assert_null(task);
    assert_int_equal(engine_detail(e, "demo", RES_KIND_INSTANCE, "x", 10, &err), -1);
    assert_non_null(engine_store(e));
    engine_free(e);
}

static void test_interrupted_pending_task_reconciled(void **state)
{
    struct fx *fx = *state;
    struct rt_error err = {0};
    struct engine *e = engine_new(&fx->opts, &err);
    struct task_rec t = {0}, got = {0};
    struct task_wait tw = {0};

    assert_non_null(e);
    /* A task journalled long ago by a racktop that died before sending it. */
    t.id = xstrdup("t-crashed");
    t.provider = xstrdup("demo");
    t.action = xstrdup("reboot");
    t.kind = RES_KIND_INSTANCE;
    t.target_id = xstrdup("i-x");
    t.state = TASK_PENDING;
    t.created_at = t.updated_at = rt_now_ms() / 1000 - 3600;
    assert_int_equal(store_task_insert(engine_store(e), &t, &err), 0);
    assert_int_equal(engine_start(e, &err), 0);
    tw.id = "t-crashed";
    assert_true(pump(e, NULL, task_done, &tw, 20000));
    assert_int_equal(tw.state, TASK_INTERRUPTED);
    assert_int_equal(store_task_get(engine_store(e), "t-crashed", &got, &err), 0);
    assert_int_equal(got.state, TASK_INTERRUPTED);
    assert_non_null(strstr(got.message, "before the request was sent"));
    task_rec_done(&got);
    task_rec_done(&t);
    engine_free(e);
}

/* engine_detail(): answered at once for an unknown provider and one without a detail hook
 * (the demo); res_detail sections own copies. */
static void test_detail_unsupported(void **state)
{
    struct fx *fx = *state;
    struct rt_error err = {0};
    struct engine *e = engine_new(&fx->opts, &err);
    struct res_detail d = {0};
    char title[] = "actions";

    assert_non_null(e);
    assert_int_equal(engine_detail(e, "nope", RES_KIND_INSTANCE, "x", 0, &err), -1);
    assert_int_equal(err.code, RT_ERR_NOT_FOUND);
    assert_int_equal(engine_detail(e, "demo", RES_KIND_INSTANCE, "x", 0, &err), -1);
    assert_int_equal(err.code, RT_ERR_UNSUPPORTED);
    engine_free(e);
    res_detail_add(&d, title, "a\nb");
    title[0] = 'X';
    res_detail_add(&d, NULL, NULL);
    assert_int_equal(d.len, 2);
    assert_string_equal(d.items[0].title, "actions");
    assert_string_equal(d.items[1].text, "");
    res_detail_done(&d);
    res_detail_done(&d);
    assert_int_equal(d.len, 0);
}

/* ---- progressive delivery: a provider type registered by the test --------------------- */

static int prog_post = 1;    /* list() posts h1 before it returns */
static int prog_release;     /* list() waits for this (atomic) after posting, 10 s at most */
static int prog_once = -1;   /* provider_lists_once() as list() last saw it */

static enum prov_open prog_open(struct provider *p, const struct config_provider *cp,
                                struct rt_error *err)
{
    (void)p;
    (void)cp;
    (void)err;
    return PROV_OPEN_OK;
}

static void prog_close(struct provider *p)
{
    (void)p;
}

static struct resource *prog_row(const char *id, const char *name)
{
    struct resource *r = res_new("whatever", RES_KIND_HOST, id, name);

    res_set_status(r, RES_STATUS_ACTIVE, "On");
    r->raw = xstrdup("{\"raw\":1}");
    return r;
}

static int prog_list(struct provider *p, enum res_kind k, struct res_list *out,
                     struct rt_error *err)
{
    (void)err;
    if (k != RES_KIND_HOST)
        return 0;
    __atomic_store_n(&prog_once, provider_lists_once(p), __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&prog_post, __ATOMIC_SEQ_CST)) {
        struct res_list early;
        int64_t end = rt_mono_ms() + 10000;
        res_list_init(&early);
        res_list_push(&early, prog_row("h1", "h1 fresh"));
        res_list_push(&early, res_new("x", RES_KIND_INSTANCE, "wrong-kind", "x")); /* skipped */
        provider_post_rows(p, RES_KIND_HOST, &early);
        res_list_done(&early); /* the engine copied what it posted */
        provider_post_delete(p, RES_KIND_HOST, "h9");
        /* The rest of the refresh is "waiting on a hung endpoint". */
        while (!__atomic_load_n(&prog_release, __ATOMIC_SEQ_CST) && rt_mono_ms() < end &&
               !provider_stopping(p))
            nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    res_list_push(out, prog_row("h1", "h1 fresh"));
    res_list_push(out, prog_row("h2", "h2"));
    res_list_push(out, prog_row("h3", "h3"));
    return 0;
}

static const struct provider_ops prog_ops = {
    .name = "progtest",
    .kinds = RT_KIND_BIT(RES_KIND_HOST),
    .open = prog_open,
    .close = prog_close,
    .list = prog_list,
};

struct prog_seen {
    int upserts, deletes, syncs, unchanged, upsert_before_sync;
};

static int prog_note(struct engine_event *ev, void *ctx)
{
    struct prog_seen *s = ctx;

    if (strcmp(ev->provider, "t") != 0 || ev->kind != RES_KIND_HOST)
        return 0;
    if (ev->type == ENGINE_EV_UPSERT) {
        assert_int_equal(ev->rows.len, 1);
        assert_string_equal(ev->rows.items[0]->provider, "t");
        assert_null(ev->rows.items[0]->raw);
        assert_true(ev->rows.items[0]->updated_at > 0);
        if (s->syncs == 0)
            s->upsert_before_sync = 1;
        s->upserts++;
        return 1;
    }
    if (ev->type == ENGINE_EV_DELETE) {
        assert_string_equal(ev->id, "h9");
        s->deletes++;
    }
    if (ev->type == ENGINE_EV_SYNC) {
        s->syncs++;
        s->unchanged = ev->unchanged;
        return 1;
    }
    return 0;
}

/* Rows a provider posts during list() reach the consumer as UPSERT (copied, without raw,
 * with the provider's name) while list() still runs, before its SYNC; a refresh with posts
 * is always answered with a full SYNC, one without them may again be "unchanged". */
static void test_progressive_rows(void **state)
{
    struct fx *fx = *state;
    struct rt_error err = {0};
    char *cfg = xasprintf("%s/progressive.yaml", fx->dir);
    FILE *fp = fopen(cfg, "w");
    struct engine *e;
    struct fleet *f = fleet_new();
    struct prog_seen seen = {0};
    const struct resource *h1;
    uint32_t hosts = RT_KIND_BIT(RES_KIND_HOST);

    assert_int_equal(provider_type_register(&prog_ops), 0);
    assert_int_equal(provider_type_register(&prog_ops), 0); /* known: ignored */
    assert_ptr_equal(provider_type_find("progtest"), &prog_ops);
    assert_non_null(fp);
    fputs("providers:\n  - name: t\n    type: progtest\n", fp);
    fclose(fp);
    fx->opts.config_path = cfg;
    __atomic_store_n(&prog_post, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&prog_release, 0, __ATOMIC_SEQ_CST);
    e = engine_new(&fx->opts, &err);
    assert_non_null(e);
    assert_int_equal(engine_start(e, &err), 0);

    /* First refresh: the posted row shows while list() is still waiting. */
    engine_refresh(e, "t", hosts);
    assert_true(pump(e, f, prog_note, &seen, 10000));
    assert_int_equal(seen.upserts, 1);
    assert_int_equal(seen.syncs, 0);
    h1 = fleet_find(f, RES_KIND_HOST, "t", "h1");
    assert_non_null(h1);
    assert_string_equal(h1->name, "h1 fresh");
    assert_int_equal(fleet_count(f, RES_KIND_HOST), 1);
    assert_false(pump(e, f, prog_note, &seen, 300)); /* only the DELETE (of no row) */
    assert_int_equal(seen.deletes, 1);
    assert_int_equal(seen.syncs, 0); /* still waiting on the "hung endpoint" */
    __atomic_store_n(&prog_release, 1, __ATOMIC_SEQ_CST);
    assert_true(pump(e, f, prog_note, &seen, 10000));
    assert_int_equal(seen.syncs, 1);
    assert_int_equal(seen.unchanged, 0);
    assert_true(seen.upsert_before_sync);
    assert_int_equal(fleet_count(f, RES_KIND_HOST), 3);
    assert_false(fleet_is_stale(f, RES_KIND_HOST, "t"));

    /* Same rows, posted again: not "unchanged" (the consumer holds posted rows). */
    engine_refresh(e, "t", hosts);
    assert_true(pump(e, f, prog_note, &seen, 10000)); /* the UPSERT */
    assert_true(pump(e, f, prog_note, &seen, 10000)); /* the SYNC */
    assert_int_equal(seen.upserts, 2);
    assert_int_equal(seen.syncs, 2);
    assert_int_equal(seen.unchanged, 0);
    assert_int_equal(seen.deletes, 2);

    /* Same rows, nothing posted: the unchanged-hash check answers as before. */
    __atomic_store_n(&prog_post, 0, __ATOMIC_SEQ_CST);
    engine_refresh(e, "t", hosts);
    assert_true(pump(e, f, prog_note, &seen, 10000));
    assert_int_equal(seen.upserts, 2);
    assert_int_equal(seen.syncs, 3);
    assert_int_equal(seen.unchanged, 1);
    assert_int_equal(fleet_count(f, RES_KIND_HOST), 3);

    engine_free(e);
    fleet_free(f);
    fx->opts.config_path = NULL;
    free(cfg);
}

static int prog_sync(struct engine_event *ev, void *ctx)
{
    (void)ctx;
    return ev->type == ENGINE_EV_SYNC && strcmp(ev->provider, "t") == 0;
}

/* engine_opts.list_once (`racktop list`) reaches the providers' list(): they may keep
 * nothing for a later refresh.  The dashboard's engine does not set it. */
static void test_list_once_reaches_provider(void **state)
{
    struct fx *fx = *state;
    struct rt_error err = {0};
    char *cfg = xasprintf("%s/once.yaml", fx->dir);
    FILE *fp = fopen(cfg, "w");

    assert_int_equal(provider_type_register(&prog_ops), 0);
    assert_non_null(fp);
    fputs("providers:\n  - name: t\n    type: progtest\n", fp);
    fclose(fp);
    fx->opts.config_path = cfg;
    __atomic_store_n(&prog_post, 0, __ATOMIC_SEQ_CST);
    for (int once = 0; once <= 1; once++) {
        struct fleet *f = fleet_new();
        struct engine *e;
        fx->opts.list_once = once;
        __atomic_store_n(&prog_once, -1, __ATOMIC_SEQ_CST);
        e = engine_new(&fx->opts, &err);
        assert_non_null(e);
        assert_int_equal(engine_start(e, &err), 0);
        engine_refresh(e, "t", RT_KIND_BIT(RES_KIND_HOST));
        assert_true(pump(e, f, prog_sync, NULL, 10000));
        assert_int_equal(__atomic_load_n(&prog_once, __ATOMIC_SEQ_CST), once);
        engine_free(e);
        fleet_free(f);
    }
    fx->opts.list_once = 0;
    fx->opts.config_path = NULL;
    free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sync_cache_and_act, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detail_unsupported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_refuses_every_action, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_provider_and_bad_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_then_free, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interrupted_pending_task_reconciled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progressive_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_once_reaches_provider, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
