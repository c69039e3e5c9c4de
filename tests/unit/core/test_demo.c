/*
 * test_demo.c - the demo provider: generation, every action's happy path,
 * the backend-style refusals, persistence across restarts, wall-clock
 * progress, scale, metrics and corrupt stored state.
 *
 * Actions run at demo_speed 1000 (a VM build takes 11 ms) unless a test needs
 * to watch an operation in flight.  Waits are bounded.
 */
#include "testutil.h"

#include "core/action.h"
#include "core/err.h"
#include "core/providers/demo_priv.h"
#include "core/model.h"
#include "core/provider.h"
#include "core/store.h"
#include "core/util.h"
#include "core/xalloc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FAST 1000.0

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static struct provider *demo_open_env(struct store *st, const char *name, unsigned long seed,
                                      long size, double speed)
{
    struct prov_env env = {0};
    struct provider *p;
    struct rt_error err = {0};

    env.store = st;
    env.demo_seed = seed;
    env.demo_size = size;
    env.demo_speed = speed;
    env.timeout_s = 10;
    p = provider_new(provider_type_find("demo"), name, &env);
    if (provider_open(p, NULL, &err) < 0)
        fail_msg("open: %s", err.msg);
    return p;
}

static struct store *mem_store(void)
{
    struct rt_error err = {0};
    struct store *st = store_open(":memory:", &err);

    if (st == NULL)
        fail_msg("store: %s", err.msg);
    return st;
}

static void list_kind(struct provider *p, enum res_kind k, struct res_list *out)
{
    struct rt_error err = {0};

    res_list_init(out);
    if (provider_list(p, k, out, &err) < 0)
        fail_msg("list %s: %s", res_kind_plural(k), err.msg);
}

/* Start an action; params as "k=v" words, NULL-terminated. Returns 0 or -1 (err set). */
static int act_v(struct provider *p, enum res_kind k, const char *verb, const char *target,
                 char **ref, struct rt_error *err, va_list ap)
{
    struct params prm = {0};
    struct act_request req = {0};
    const char *kv;
    int rc;

    req.action = action_find(k, verb);
    if (req.action == NULL)
        fail_msg("no action %s on %s", verb, res_kind_name(k));
    while ((kv = va_arg(ap, const char *)) != NULL) {
        if (params_parse_kv(&prm, kv, err) < 0)
            fail_msg("bad param %s", kv);
    }
    req.target_id = target;
    req.target_name = target;
    req.params = &prm;
    rc = provider_act(p, &req, ref, err);
    params_done(&prm);
    return rc;
}

static int act_try(struct provider *p, enum res_kind k, const char *verb, const char *target,
                   char **ref, struct rt_error *err, ...)
{
    va_list ap;
    int rc;

    va_start(ap, err);
    rc = act_v(p, k, verb, target, ref, err, ap);
    va_end(ap);
    return rc;
}

static struct task_progress wait_task(struct provider *p, const char *ref, int max_ms)
{
    struct task_progress tp;
    struct rt_error err = {0};
    int64_t end = rt_mono_ms() + max_ms;

    for (;;) {
        if (provider_task_poll(p, ref, &tp, &err) < 0)
            fail_msg("poll %s: %s", ref, err.msg);
        if (tp.state != TASK_RUNNING && tp.state != TASK_PENDING)
            return tp;
        if (rt_mono_ms() > end)
            fail_msg("task %s still running after %d ms: %s", ref, max_ms, tp.message);
        sleep_ms(2);
    }
}

/* Run an action to completion; fails the test unless it succeeds. */
static void act_ok(struct provider *p, enum res_kind k, const char *verb, const char *target, ...)
{
    va_list ap;
    char *ref = NULL;
    struct rt_error err = {0};
    struct task_progress tp;
    int rc;

    va_start(ap, target);
    rc = act_v(p, k, verb, target, &ref, &err, ap);
    va_end(ap);
    if (rc < 0)
        fail_msg("%s %s: %s", verb, target, err.msg);
    tp = wait_task(p, ref, 20000);
    if (tp.state != TASK_SUCCEEDED)
        fail_msg("%s %s ended %s: %s", verb, target, task_state_name(tp.state), tp.message);
    free(ref);
}

/* Expect a synchronous refusal with this code and a message containing `want`. */
static void act_refused(struct provider *p, enum res_kind k, const char *verb, const char *target,
                        enum rt_err code, const char *want, ...)
{
    va_list ap;
    char *ref = NULL;
    struct rt_error err = {0};
    int rc;

    va_start(ap, want);
    rc = act_v(p, k, verb, target, &ref, &err, ap);
    va_end(ap);
    if (rc == 0)
        fail_msg("%s %s was accepted (%s), expected '%s'", verb, target, ref, want);
    if (err.code != code || strstr(err.msg, want) == NULL)
        fail_msg("%s %s: got %s '%s', expected %s '%s'", verb, target, rt_err_name(err.code),
                 err.msg, rt_err_name(code), want);
    assert_null(ref);
}

static struct resource *get_res(struct provider *p, enum res_kind k, const char *id)
{
    struct resource *r = NULL;
    struct rt_error err = {0};

    if (provider_get(p, k, id, &r, &err) < 0)
        fail_msg("get %s %s: %s", res_kind_name(k), id, err.msg);
    return r;
}

static int gone(struct provider *p, enum res_kind k, const char *id)
{
    struct resource *r = NULL;
    struct rt_error err = {0};
    int rc = provider_get(p, k, id, &r, &err);

    res_free(r);
    return rc < 0 && err.code == RT_ERR_NOT_FOUND;
}

static void assert_field(const struct resource *r, const char *f, const char *want)
{
    const char *v = res_get(r, f);

    if (v == NULL || strcmp(v, want) != 0)
        fail_msg("%s %s: field %s is '%s', expected '%s'", res_kind_name(r->kind), r->name, f,
                 v != NULL ? v : "(null)", want);
}

/* First resource of a kind matching field=value (and status, unless UNKNOWN). Borrowed. */
static const struct resource *find_row(const struct res_list *l, const char *field,
                                       const char *value, enum res_status st)
{
    for (size_t i = 0; i < l->len; i++) {
        const char *v = res_get(l->items[i], field);
        if (v != NULL && strcmp(v, value) == 0 &&
            (st == RES_STATUS_UNKNOWN || l->items[i]->status == st))
            return l->items[i];
    }
    return NULL;
}

/* An ACTIVE VM in zone eu-west-1a that is not locked: its id, new string. */
static char *pick_vm(struct provider *p)
{
    struct res_list l;
    char *id = NULL;

    list_kind(p, RES_KIND_INSTANCE, &l);
    for (size_t i = 0; i < l.len && id == NULL; i++) {
        const struct resource *r = l.items[i];
        if (r->status == RES_STATUS_ACTIVE && strcmp(res_get(r, "type"), "vm") == 0 &&
            strcmp(res_get(r, "locked"), "false") == 0 &&
            strcmp(res_get(r, "zone"), "eu-west-1a") == 0)
            id = xstrdup(r->id);
    }
    res_list_done(&l);
    assert_non_null(id);
    return id;
}

/* ---- generation --------------------------------------------------------------------- */

static void test_deterministic(void **state)
{
    static const enum res_kind kinds[] = {
        RES_KIND_REGION,   RES_KIND_ZONE,        RES_KIND_INSTANCE, RES_KIND_VOLUME,
        RES_KIND_SNAPSHOT, RES_KIND_SECGROUP,    RES_KIND_IMAGE,    RES_KIND_FLAVOR,
        RES_KIND_KEYPAIR,  RES_KIND_SERVERGROUP, RES_KIND_PORT,     RES_KIND_FLOATINGIP,
        RES_KIND_NETWORK};
    struct store *s1 = mem_store(), *s2 = mem_store(), *s3 = mem_store();
    struct provider *a = demo_open_env(s1, "lab", 42, 0, 1);
    struct provider *b = demo_open_env(s2, "lab", 42, 0, 1);
    struct provider *c = demo_open_env(s3, "lab", 43, 0, 1);
    size_t same_c = 0, total_c = 0;

    (void)state;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        struct res_list la, lb, lc;
        list_kind(a, kinds[k], &la);
        list_kind(b, kinds[k], &lb);
        list_kind(c, kinds[k], &lc);
        assert_true(la.len > 0);
        assert_int_equal(la.len, lb.len);
        for (size_t i = 0; i < la.len; i++) {
            assert_string_equal(la.items[i]->id, lb.items[i]->id);
            assert_string_equal(la.items[i]->name, lb.items[i]->name);
            if (res_hash(la.items[i]) != res_hash(lb.items[i]))
                fail_msg("%s %s differs between two worlds of seed 42", res_kind_name(kinds[k]),
                         la.items[i]->name);
            assert_string_equal(la.items[i]->raw, lb.items[i]->raw);
        }
        if (kinds[k] == RES_KIND_INSTANCE || kinds[k] == RES_KIND_VOLUME) {
            for (size_t i = 0; i < la.len && i < lc.len; i++) {
                total_c++;
                same_c += strcmp(la.items[i]->id, lc.items[i]->id) == 0 ||
                          res_hash(la.items[i]) == res_hash(lc.items[i]);
            }
        }
        res_list_done(&la);
        res_list_done(&lb);
        res_list_done(&lc);
    }
    /* hosts: everything but the live sensor values */
    {
        static const char *const fixed[] = {"type",       "zone",   "power",     "vcpus",
                                            "vcpus_used", "mem_mb", "instances", "provision_state",
                                            "model",      "serial", "bmc",       "resource_class",
                                            "instance_id"};
        struct res_list la, lb;
        list_kind(a, RES_KIND_HOST, &la);
        list_kind(b, RES_KIND_HOST, &lb);
        assert_int_equal(la.len, lb.len);
        for (size_t i = 0; i < la.len; i++) {
            assert_string_equal(la.items[i]->id, lb.items[i]->id);
            for (size_t f = 0; f < sizeof fixed / sizeof fixed[0]; f++) {
                const char *x = res_get(la.items[i], fixed[f]), *y = res_get(lb.items[i], fixed[f]);
                assert_true((x == NULL && y == NULL) ||
                            (x != NULL && y != NULL && strcmp(x, y) == 0));
            }
        }
        res_list_done(&la);
        res_list_done(&lb);
    }
    assert_true(total_c > 0);
    assert_true(same_c == 0); /* another seed: other ids and other contents */
    provider_free(a);
    provider_free(b);
    provider_free(c);
    store_close(s1);
    store_close(s2);
    store_close(s3);
}

static int json_is_list_of_strings(const char *s)
{
    json_t *j = json_loads(s, 0, NULL);
    size_t i;
    json_t *v;
    int ok = json_is_array(j);

    json_array_foreach(j, i, v) ok &= json_is_string(v);
    json_decref(j);
    return ok;
}

static void test_default_fleet(void **state)
{
    struct store *st = mem_store();
    struct provider *p = demo_open_env(st, "demo", 1, 0, 1);
    struct res_list l;
    size_t nvm = 0, nbm = 0, nactive = 0, nshutoff = 0, nerror = 0, nlocked = 0;
    size_t nhv = 0, nnode = 0, navail = 0, nattached = 0, nfree = 0, nboot = 0;
    size_t nsnap_vol = 0, nsnap_inst = 0;
    int regions[2] = {0, 0};

    (void)state;
    list_kind(p, RES_KIND_REGION, &l);
    assert_true(l.len >= 2);
    res_list_done(&l);
    list_kind(p, RES_KIND_ZONE, &l);
    assert_true(l.len >= 4);
    for (size_t i = 0; i < l.len; i++) {
        const char *rg = res_get(l.items[i], "region");
        regions[strcmp(rg, "eu-west") == 0 ? 0 : 1]++;
    }
    assert_true(regions[0] >= 2 && regions[1] >= 2);
    res_list_done(&l);

    list_kind(p, RES_KIND_INSTANCE, &l);
    assert_true(l.len >= 240);
    for (size_t i = 0; i < l.len; i++) {
        const struct resource *r = l.items[i];
        json_t *raw = json_loads(r->raw, 0, NULL);
        assert_string_equal(r->provider, "demo");
        if (strcmp(res_get(r, "type"), "vm") == 0)
            nvm++;
        else
            nbm++;
        nactive += r->status == RES_STATUS_ACTIVE;
        nshutoff += r->status == RES_STATUS_SHUTOFF;
        nerror += r->status == RES_STATUS_ERROR;
        nlocked += strcmp(res_get(r, "locked"), "true") == 0;
        assert_non_null(res_get(r, "region"));
        assert_non_null(res_get(r, "zone"));
        assert_non_null(res_get(r, "flavor"));
        assert_non_null(res_get(r, "vm_state"));
        assert_non_null(res_get(r, "power_state"));
        assert_non_null(res_get(r, "created_at"));
        assert_true(res_get_int(r, "vcpus", 0) > 0 && res_get_int(r, "ram_mb", 0) > 0);
        assert_true(json_is_list_of_strings(res_get(r, "addresses")));
        assert_true(json_is_list_of_strings(res_get(r, "volumes")));
        assert_true(json_is_list_of_strings(res_get(r, "security_groups")));
        assert_true(r->updated_at > 0);
        assert_non_null(raw);
        assert_string_equal(json_string_value(json_object_get(raw, "OS-EXT-STS:vm_state")),
                            res_get(r, "vm_state"));
        assert_non_null(json_object_get(raw, "OS-EXT-AZ:availability_zone"));
        json_decref(raw);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(l.items[j]->name, r->name);
    }
    assert_true(nbm >= l.len / 6 && nbm <= l.len / 4);
    assert_true(nactive > l.len * 3 / 4);
    assert_true(nshutoff >= 3);
    assert_true(nerror >= 2 && nerror <= 5);
    assert_non_null(find_row(&l, "type", "baremetal", RES_STATUS_ACTIVE));
    (void)nlocked;
    res_list_done(&l);

    list_kind(p, RES_KIND_HOST, &l);
    for (size_t i = 0; i < l.len; i++) {
        const struct resource *r = l.items[i];
        const char *type = res_get(r, "type");
        json_t *raw = json_loads(r->raw, 0, NULL);
        assert_non_null(raw);
        if (strcmp(type, "hypervisor") == 0) {
            nhv++;
            assert_null(res_get(r, "provision_state"));
            assert_non_null(json_object_get(raw, "hypervisor_hostname"));
        } else {
            assert_string_equal(type, "baremetal");
            nnode++;
            navail += strcmp(res_get(r, "provision_state"), "available") == 0;
            assert_non_null(res_get(r, "resource_class"));
            assert_non_null(res_get(r, "bmc"));
            assert_string_equal(json_string_value(json_object_get(raw, "provision_state")),
                                res_get(r, "provision_state"));
        }
        assert_non_null(res_get(r, "health"));
        assert_non_null(res_get(r, "fans"));
        assert_non_null(res_get(r, "psus"));
        assert_non_null(res_get(r, "model"));
        assert_non_null(res_get(r, "serial"));
        assert_non_null(res_get(r, "temp_c"));
        json_decref(raw);
    }
    assert_true(nhv >= 24 && nhv <= 48);
    assert_true(nnode >= nbm && navail >= 4);
    res_list_done(&l);

    list_kind(p, RES_KIND_VOLUME, &l);
    for (size_t i = 0; i < l.len; i++) {
        if (res_get(l.items[i], "attached_to") != NULL) {
            nattached++;
            assert_non_null(res_get(l.items[i], "device"));
        } else {
            nfree++;
        }
        nboot += strcmp(res_get(l.items[i], "bootable"), "true") == 0;
    }
    assert_true(nattached >= 20 && nfree >= 6 && nboot >= 10);
    res_list_done(&l);

    list_kind(p, RES_KIND_SNAPSHOT, &l);
    for (size_t i = 0; i < l.len; i++) {
        if (strcmp(res_get(l.items[i], "source_kind"), "volume") == 0)
            nsnap_vol++;
        else
            nsnap_inst++;
    }
    assert_true(nsnap_vol >= 3 && nsnap_inst >= 1);
    res_list_done(&l);

    list_kind(p, RES_KIND_SECGROUP, &l);
    assert_true(l.len >= 8);
    {
        const struct resource *web = find_row(&l, "region", "eu-west", RES_STATUS_ACTIVE);
        json_t *rules;
        assert_non_null(web);
        for (size_t i = 0; i < l.len; i++) {
            size_t k;
            json_t *ru;
            rules = json_loads(res_get(l.items[i], "rules"), 0, NULL);
            assert_true(json_is_array(rules) && json_array_size(rules) >= 2);
            json_array_foreach(rules, k, ru)
            {
                assert_non_null(json_object_get(ru, "id"));
                assert_non_null(json_object_get(ru, "direction"));
                assert_non_null(json_object_get(ru, "ethertype"));
                assert_non_null(json_object_get(ru, "protocol"));
                assert_non_null(json_object_get(ru, "port_min"));
                assert_non_null(json_object_get(ru, "port_max"));
                assert_non_null(json_object_get(ru, "remote"));
            }
            json_decref(rules);
        }
        for (size_t i = 0; i < l.len; i++) {
            if (strcmp(l.items[i]->name, "web") == 0)
                assert_non_null(strstr(res_get(l.items[i], "rules"), "\"port_min\":443"));
        }
    }
    res_list_done(&l);

    list_kind(p, RES_KIND_KEYPAIR, &l);
    assert_true(l.len >= 3);
    assert_non_null(res_get(l.items[0], "fingerprint"));
    res_list_done(&l);

    list_kind(p, RES_KIND_SERVERGROUP, &l);
    {
        int anti_with_members = 0;
        for (size_t i = 0; i < l.len; i++) {
            json_t *m = json_loads(res_get(l.items[i], "members"), 0, NULL);
            if (strcmp(res_get(l.items[i], "policy"), "anti-affinity") == 0 &&
                json_array_size(m) >= 2)
                anti_with_members++;
            json_decref(m);
        }
        assert_true(anti_with_members >= 2);
    }
    res_list_done(&l);

    list_kind(p, RES_KIND_IMAGE, &l);
    {
        const struct resource *u = find_row(&l, "os_distro", "ubuntu", RES_STATUS_ACTIVE);
        assert_true(l.len >= 5);
        assert_non_null(u);
        assert_field(u, "default_user", "ubuntu");
        assert_non_null(find_row(&l, "os_distro", "windows", RES_STATUS_ACTIVE));
    }
    res_list_done(&l);

    list_kind(p, RES_KIND_FLAVOR, &l);
    assert_non_null(find_row(&l, "type", "baremetal", RES_STATUS_ACTIVE));
    assert_non_null(find_row(&l, "resource_class", "baremetal.standard", RES_STATUS_ACTIVE));
    res_list_done(&l);

    /* the capability mask covers every action of the five kinds */
    assert_true(provider_can(p, action_find(RES_KIND_INSTANCE, "live-migrate")));
    assert_true(provider_can(p, action_find(RES_KIND_SECGROUP, "add-rule")));
    assert_true(provider_can(p, action_find(RES_KIND_HOST, "provision")));
    provider_free(p);
    store_close(st);
}

static void test_scale(void **state)
{
    struct store *st = mem_store();
    int64_t t0 = rt_mono_ms(), t_open, t_list;
    struct provider *p = demo_open_env(st, "big", 7, 10000, 1);
    struct res_list l;
    size_t nbm = 0;

    (void)state;
    t_open = rt_mono_ms() - t0;
    t0 = rt_mono_ms();
    list_kind(p, RES_KIND_INSTANCE, &l);
    t_list = rt_mono_ms() - t0;
    assert_int_equal(l.len, 10000);
    for (size_t i = 0; i < l.len; i++)
        nbm += strcmp(res_get(l.items[i], "type"), "baremetal") == 0;
    assert_int_equal(nbm, 2000);
    res_list_done(&l);
    list_kind(p, RES_KIND_HOST, &l);
    assert_true(l.len > 2000);
    res_list_done(&l);
    list_kind(p, RES_KIND_VOLUME, &l);
    assert_true(l.len > 3000);
    res_list_done(&l);
    list_kind(p, RES_KIND_ZONE, &l);
    assert_int_equal(l.len, 9);
    res_list_done(&l);
    /* generous bounds: sanitizer builds are several times slower */
    if (t_open > 3000 || t_list > 3000)
        fail_msg("size 10000: open %lld ms, list %lld ms", (long long)t_open, (long long)t_list);
    provider_free(p);
    store_close(st);
}

/* ---- instances ------------------------------------------------------------------------ */

static void test_instance_lifecycle(void **state)
{
    struct store *st = mem_store();
    struct provider *p = demo_open_env(st, "demo", 5, 0, FAST);
    struct resource *r;
    char host0[128], snap_src[64];
    struct res_list l;

    (void)state;
    act_ok(p, RES_KIND_INSTANCE, "create", "t-web", "flavor=m1.small", "image=ubuntu-22.04",
           "zone=eu-west-1a", "secgroups=default,web", "keypair=ops-admin", "network=frontend",
           NULL);
    r = get_res(p, RES_KIND_INSTANCE, "t-web");
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    assert_field(r, "type", "vm");
    assert_field(r, "zone", "eu-west-1a");
    assert_field(r, "region", "eu-west");
    assert_field(r, "flavor", "m1.small");
    assert_field(r, "keypair", "ops-admin");
    assert_field(r, "vm_state", "active");
    assert_field(r, "power_state", "running");
    assert_null(res_get(r, "task_state"));
    assert_true(res_json_list_has(res_get(r, "security_groups"), "web"));
    assert_non_null(strstr(r->raw, "\"frontend\""));
    assert_int_equal(r->progress, -1);
    snprintf(host0, sizeof host0, "%s", res_get(r, "host"));
    snprintf(snap_src, sizeof snap_src, "%s", r->id);
    res_free(r);

    act_ok(p, RES_KIND_INSTANCE, "stop", "t-web", NULL);
    r = get_res(p, RES_KIND_INSTANCE, "t-web");
    assert_int_equal(r->status, RES_STATUS_SHUTOFF);
    assert_field(r, "power_state", "shutdown");
    res_free(r);
    act_ok(p, RES_KIND_INSTANCE, "start", "t-web", NULL);
    act_ok(p, RES_KIND_INSTANCE, "reboot", "t-web", NULL);
    act_ok(p, RES_KIND_INSTANCE, "hard-reboot", "t-web", NULL);
    r = get_res(p, RES_KIND_INSTANCE, "t-web");
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    res_free(r);

    /* resize, confirm; resize, revert */
    act_ok(p, RES_KIND_INSTANCE, "resize", "t-web", "flavor=m1.medium", NULL);
    r = get_res(p, RES_KIND_INSTANCE, "t-web");
    assert_int_equal(r->status, RES_STATUS_VERIFY);
    assert_string_equal(r->raw_status, "resized");
    assert_field(r, "flavor", "m1.medium");
    res_free(r);
    act_ok(p, RES_KIND_INSTANCE, "confirm-resize", "t-web", NULL);
    r = get_res(p, RES_KIND_INSTANCE, "t-web");
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    assert_field(r, "flavor", "m1.medium");
    assert_field(r, "vcpus", "2");
    snprintf(host0, sizeof host0, "%s", res_get(r, "host"));
    res_free(r);
    act_ok(p, RES_KIND_INSTANCE, "resize", "t-web", "flavor=m1.large", NULL);
    act_ok(p, RES_KIND_INSTANCE, "revert-resize", "t-web", NULL);
    r = get_res(p, RES_KIND_INSTANCE, "t-web");
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    assert_field(r, "flavor", "m1.medium");
    assert_field(r, "host", host0);
    res_free(r);

    /* cold migration: VERIFY_RESIZE on another host, then confirm */
    act_ok(p, RES_KIND_INSTANCE, "migrate", "t-web", NULL);
    r = get_res(p, RES_KIND_INSTANCE, "t-web");
    assert_int_equal(r->status, RES_STATUS_VERIFY);
    assert_string_not_equal(res_get(r, "host"), host0);
    res_free(r);
    act_ok(p, RES_KIND_INSTANCE, "confirm-resize", "t-web", NULL);

    /* live migration to a named host */
    act_ok(p, RES_KIND_INSTANCE, "live-migrate", "t-web", "host=hv-eu-west-1b-02", NULL);
    r = get_res(p, RES_KIND_INSTANCE, "t-web");
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    assert_field(r, "host", "hv-eu-west-1b-02");
    res_free(r);
    act_refused(p, RES_KIND_INSTANCE, "live-migrate", "t-web", RT_ERR_CONFLICT, "to current host",
                "host=hv-eu-west-1b-02", NULL);

    /* snapshot and image */
    act_ok(p, RES_KIND_INSTANCE, "snapshot", "t-web", "name=t-web-snap", NULL);
    r = get_res(p, RES_KIND_SNAPSHOT, "t-web-snap");
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    assert_field(r, "source_kind", "instance");
    assert_field(r, "source", snap_src);
    res_free(r);
    act_ok(p, RES_KIND_INSTANCE, "image", "t-web", "name=t-web-golden", NULL);
    r = get_res(p, RES_KIND_IMAGE, "t-web-golden");
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    assert_field(r, "visibility", "private");
    assert_field(r, "default_user", "ubuntu");
    res_free(r);

    /* rebuild onto another image, then from the new image */
    act_ok(p, RES_KIND_INSTANCE, "rebuild", "t-web", "image=debian-12", NULL);
    r = get_res(p, RES_KIND_INSTANCE, "t-web");
    assert_field(r, "image", "debian-12");
    res_free(r);
    act_ok(p, RES_KIND_INSTANCE, "rebuild", "t-web", "image=t-web-golden", NULL);

    /* lock refuses everything but unlock, with Nova's words */
    act_ok(p, RES_KIND_INSTANCE, "lock", "t-web", NULL);
    r = get_res(p, RES_KIND_INSTANCE, "t-web");
    assert_field(r, "locked", "true");
    act_refused(p, RES_KIND_INSTANCE, "reboot", "t-web", RT_ERR_CONFLICT, "is locked", NULL);
    act_refused(p, RES_KIND_INSTANCE, "delete", "t-web", RT_ERR_CONFLICT, r->id, NULL);
    res_free(r);
    act_ok(p, RES_KIND_INSTANCE, "unlock", "t-web", NULL);

    /* evacuate needs a dead host */
    act_refused(p, RES_KIND_INSTANCE, "evacuate", "t-web", RT_ERR_CONFLICT, "is still in use",
                NULL);
    act_ok(p, RES_KIND_HOST, "power-off", "hv-eu-west-1b-02", NULL);
    r = get_res(p, RES_KIND_INSTANCE, "t-web");
    assert_int_equal(r->status, RES_STATUS_SHUTOFF);
    res_free(r);
    act_refused(p, RES_KIND_INSTANCE, "start", "t-web", RT_ERR_CONFLICT,
                "Compute service of hv-eu-west-1b-02 is unavailable", NULL);
    act_ok(p, RES_KIND_INSTANCE, "evacuate", "t-web", NULL);
    r = get_res(p, RES_KIND_INSTANCE, "t-web");
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    assert_string_not_equal(res_get(r, "host"), "hv-eu-west-1b-02");
    res_free(r);
    /* every VM of the powered-off hypervisor is down */
    list_kind(p, RES_KIND_INSTANCE, &l);
    assert_null(find_row(&l, "host", "hv-eu-west-1b-02", RES_STATUS_ACTIVE));
    res_list_done(&l);
    act_ok(p, RES_KIND_HOST, "power-on", "hv-eu-west-1b-02", NULL);

    act_ok(p, RES_KIND_INSTANCE, "delete", "t-web", NULL);
    assert_true(gone(p, RES_KIND_INSTANCE, "t-web"));
    /* its instance snapshot survives, like a Glance snapshot image */
    r = get_res(p, RES_KIND_SNAPSHOT, "t-web-snap");
    res_free(r);
    provider_free(p);
    store_close(st);
}

static void test_create_count_and_groups(void **state)
{
    struct store *st = mem_store();
    struct provider *p = demo_open_env(st, "demo", 5, 0, FAST);
    char hosts[3][128];
    struct resource *g;

    (void)state;
    act_ok(p, RES_KIND_INSTANCE, "create", "t-api", "flavor=m1.small", "image=debian-12", "count=3",
           "region=ap-east", "server_group=web-anti-affinity", NULL);
    for (int i = 0; i < 3; i++) {
        char name[32];
        struct resource *r;
        snprintf(name, sizeof name, "t-api-%d", i + 1);
        r = get_res(p, RES_KIND_INSTANCE, name);
        assert_int_equal(r->status, RES_STATUS_ACTIVE);
        assert_field(r, "region", "ap-east");
        assert_field(r, "server_group", "web-anti-affinity");
        snprintf(hosts[i], sizeof hosts[i], "%s", res_get(r, "host"));
        res_free(r);
    }
    assert_string_not_equal(hosts[0], hosts[1]);
    assert_string_not_equal(hosts[0], hosts[2]);
    assert_string_not_equal(hosts[1], hosts[2]);
    assert_true(gone(p, RES_KIND_INSTANCE, "t-api"));
    {
        struct res_list l;
        const struct resource *row;
        list_kind(p, RES_KIND_SERVERGROUP, &l);
        row = NULL;
        for (size_t i = 0; i < l.len; i++) {
            if (strcmp(l.items[i]->name, "web-anti-affinity") == 0 &&
                strcmp(res_get(l.items[i], "region"), "ap-east") == 0)
                row = l.items[i];
        }
        assert_non_null(row);
        g = get_res(p, RES_KIND_INSTANCE, "t-api-2");
        assert_true(res_json_list_has(res_get(row, "members"), g->id));
        res_free(g);
        res_list_done(&l);
    }
    /* name collisions: the batch, and a single one */
    act_refused(p, RES_KIND_INSTANCE, "create", "t-api", RT_ERR_CONFLICT, "already exists",
                "flavor=m1.small", "image=debian-12", "count=3", NULL);
    act_refused(p, RES_KIND_INSTANCE, "create", "web-001", RT_ERR_CONFLICT, "already exists",
                "flavor=m1.small", "image=debian-12", NULL);
    provider_free(p);
    store_close(st);
}

static void test_failed_build(void **state)
{
    struct store *st = mem_store();
    struct provider *p = demo_open_env(st, "demo", 5, 0, FAST);
    char *ref = NULL;
    struct rt_error err = {0};
    struct task_progress tp;
    struct resource *r;

    (void)state;
    assert_int_equal(act_try(p, RES_KIND_INSTANCE, "create", "fail-vm", &ref, &err,
                             "flavor=m1.tiny", "image=cirros-0.6", NULL),
                     0);
    tp = wait_task(p, ref, 10000);
    assert_int_equal(tp.state, TASK_FAILED);
    assert_non_null(strstr(tp.message, "Failed to allocate the network(s)"));
    r = get_res(p, RES_KIND_INSTANCE, "fail-vm");
    assert_int_equal(r->status, RES_STATUS_ERROR);
    assert_non_null(strstr(res_get(r, "fault"), "Build of instance"));
    res_free(r);
    free(ref);
    /* the error instance can be deleted */
    act_ok(p, RES_KIND_INSTANCE, "delete", "fail-vm", NULL);
    assert_true(gone(p, RES_KIND_INSTANCE, "fail-vm"));
    provider_free(p);
    store_close(st);
}

static void test_invalid_transitions(void **state)
{
    struct store *st = mem_store();
    struct provider *p = demo_open_env(st, "demo", 5, 0, 1); /* real time: ops stay busy */
    char *vm = pick_vm(p), *ref = NULL, want[200];
    struct rt_error err = {0};
    struct task_progress tp;

    (void)state;
    snprintf(want, sizeof want, "Cannot 'start' instance %s while it is in vm_state active", vm);
    act_refused(p, RES_KIND_INSTANCE, "start", vm, RT_ERR_CONFLICT, want, NULL);
    act_refused(p, RES_KIND_INSTANCE, "confirm-resize", vm, RT_ERR_CONFLICT,
                "while it is in vm_state active", NULL);
    act_refused(p, RES_KIND_INSTANCE, "create", "t-x", RT_ERR_NOT_FOUND,
                "Flavor m9.huge could not be found", "flavor=m9.huge", "image=debian-12", NULL);
    act_refused(p, RES_KIND_INSTANCE, "create", "t-x", RT_ERR_NOT_FOUND,
                "Image plan9 could not be found", "flavor=m1.small", "image=plan9", NULL);
    act_refused(p, RES_KIND_INSTANCE, "create", "t-x", RT_ERR_NOT_FOUND, "Security group",
                "flavor=m1.small", "image=debian-12", "secgroups=nope", NULL);
    act_refused(p, RES_KIND_INSTANCE, "resize", vm, RT_ERR_NOT_FOUND, "could not be found",
                "flavor=m9.huge", NULL);
    act_refused(p, RES_KIND_INSTANCE, "reboot", "no-such-vm", RT_ERR_NOT_FOUND,
                "No server with a name or ID of 'no-such-vm' exists", NULL);
    act_refused(p, RES_KIND_INSTANCE, "create", "t-x", RT_ERR_ARG, "needs parameter",
                "flavor=m1.small", NULL);

    /* an instance busy with an operation refuses another */
    assert_int_equal(act_try(p, RES_KIND_INSTANCE, "reboot", vm, &ref, &err, NULL), 0);
    act_refused(p, RES_KIND_INSTANCE, "stop", vm, RT_ERR_CONFLICT,
                "while it is in task_state reboot_pending", NULL);
    assert_int_equal(provider_task_poll(p, ref, &tp, &err), 0);
    assert_int_equal(tp.state, TASK_RUNNING);
    free(ref);

    /* an instance that never got a host can only be deleted */
    {
        struct res_list l;
        const struct resource *e = NULL;
        list_kind(p, RES_KIND_INSTANCE, &l);
        for (size_t i = 0; i < l.len && e == NULL; i++) {
            if (l.items[i]->status == RES_STATUS_ERROR && res_get(l.items[i], "host") == NULL)
                e = l.items[i];
        }
        assert_non_null(e);
        assert_non_null(strstr(res_get(e, "fault"), "No valid host was found"));
        act_refused(p, RES_KIND_INSTANCE, "hard-reboot", e->id, RT_ERR_CONFLICT, "never scheduled",
                    NULL);
        res_list_done(&l);
    }

    /* unknown task reference */
    assert_int_equal(provider_task_poll(p, "req-nope", &tp, &err), -1);
    assert_int_equal(err.code, RT_ERR_NOT_FOUND);

    /* hosts */
    act_refused(p, RES_KIND_HOST, "provision", "hv-eu-west-1a-01", RT_ERR_CONFLICT,
                "bare-metal nodes only", "image=debian-12", NULL);
    act_refused(p, RES_KIND_HOST, "power-on", "hv-eu-west-1a-01", RT_ERR_CONFLICT,
                "already powered on", NULL);
    /* volumes */
    act_refused(p, RES_KIND_VOLUME, "create", "t-v", RT_ERR_NOT_FOUND, "Volume type", "size_gb=10",
                "volume_type=floppy", NULL);
    free(vm);
    provider_free(p);
    store_close(st);
}

/* ---- hosts and bare metal -------------------------------------------------------------- */

static char *find_node(struct provider *p, const char *prov_state)
{
    struct res_list l;
    char *id = NULL;

    list_kind(p, RES_KIND_HOST, &l);
    for (size_t i = 0; i < l.len && id == NULL; i++) {
        const char *ps = res_get(l.items[i], "provision_state");
        if (ps != NULL && strcmp(ps, prov_state) == 0 &&
            strcmp(res_get(l.items[i], "maintenance"), "false") == 0)
            id = xstrdup(l.items[i]->id);
    }
    res_list_done(&l);
    return id;
}

static void test_baremetal(void **state)
{
    struct store *st = mem_store();
    struct provider *p = demo_open_env(st, "demo", 9, 0, 100); /* deploy: 750 ms */
    char *node = find_node(p, "available"), *ref = NULL;
    struct rt_error err = {0};
    struct task_progress tp;
    struct resource *r, *h;
    int saw_deploying = 0, saw_callback = 0;
    int64_t end;

    (void)state;
    assert_non_null(node);
    assert_int_equal(act_try(p, RES_KIND_HOST, "provision", node, &ref, &err, "image=rocky-9",
                             "name=t-bm", NULL),
                     0);
    /* watch it walk through the Ironic states */
    end = rt_mono_ms() + 20000;
    for (;;) {
        assert_int_equal(provider_task_poll(p, ref, &tp, &err), 0);
        if (tp.state != TASK_RUNNING)
            break;
        h = get_res(p, RES_KIND_HOST, node);
        saw_deploying |= strcmp(res_get(h, "provision_state"), "deploying") == 0;
        saw_callback |= strcmp(res_get(h, "provision_state"), "wait call-back") == 0;
        assert_true(h->progress >= 0 && h->progress <= 100);
        res_free(h);
        r = get_res(p, RES_KIND_INSTANCE, "t-bm");
        if (r->status != RES_STATUS_BUILD) {
            /* only because the deploy ended since the poll above (a loaded machine) */
            struct task_progress now;
            assert_int_equal(provider_task_poll(p, ref, &now, &err), 0);
            assert_int_not_equal(now.state, TASK_RUNNING);
        }
        res_free(r);
        assert_non_null(strstr(tp.message, "%"));
        assert_true(rt_mono_ms() < end);
        sleep_ms(5);
    }
    assert_int_equal(tp.state, TASK_SUCCEEDED);
    assert_true(saw_deploying && saw_callback);
    free(ref);
    h = get_res(p, RES_KIND_HOST, node);
    assert_field(h, "provision_state", "active");
    assert_field(h, "power", "on");
    r = get_res(p, RES_KIND_INSTANCE, "t-bm");
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    assert_field(r, "type", "baremetal");
    assert_field(r, "host", node);
    assert_field(h, "instance_id", r->id);
    assert_field(r, "image", "rocky-9");
    res_free(h);
    res_free(r);

    /* a running bare-metal instance takes no volume */
    act_ok(p, RES_KIND_VOLUME, "create", "t-bm-data", "size_gb=100", "zone=eu-west-1a", NULL);
    r = get_res(p, RES_KIND_INSTANCE, "t-bm");
    if (strcmp(res_get(r, "region"), "eu-west") == 0) {
        act_refused(p, RES_KIND_VOLUME, "attach", "t-bm-data", RT_ERR_CONFLICT,
                    "bare-metal instance must be stopped before attaching a volume",
                    "instance=t-bm", NULL);
        act_ok(p, RES_KIND_INSTANCE, "stop", "t-bm", NULL);
        h = get_res(p, RES_KIND_HOST, node);
        assert_field(h, "power", "off");
        res_free(h);
        act_ok(p, RES_KIND_VOLUME, "attach", "t-bm-data", "instance=t-bm", NULL);
        res_free(r);
        r = get_res(p, RES_KIND_VOLUME, "t-bm-data");
        assert_field(r, "device", "/dev/sdb");
        act_ok(p, RES_KIND_VOLUME, "detach", "t-bm-data", NULL);
        act_ok(p, RES_KIND_INSTANCE, "start", "t-bm", NULL);
    }
    res_free(r);

    /* undeploy: deleting -> cleaning -> available, and the instance is gone */
    act_ok(p, RES_KIND_HOST, "undeploy", node, NULL);
    h = get_res(p, RES_KIND_HOST, node);
    assert_field(h, "provision_state", "available");
    assert_null(res_get(h, "instance_id"));
    res_free(h);
    assert_true(gone(p, RES_KIND_INSTANCE, "t-bm"));
    act_refused(p, RES_KIND_HOST, "undeploy", node, RT_ERR_CONFLICT, "can not be performed on node",
                NULL);

    /* nova boot with a bare-metal flavor lands on a node */
    act_ok(p, RES_KIND_INSTANCE, "create", "t-bm2", "flavor=bm.standard", "image=ubuntu-22.04",
           "type=baremetal", NULL);
    r = get_res(p, RES_KIND_INSTANCE, "t-bm2");
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    h = get_res(p, RES_KIND_HOST, res_get(r, "host"));
    assert_field(h, "type", "baremetal");
    assert_field(h, "resource_class", "baremetal.standard");
    assert_field(h, "instance_id", r->id);
    res_free(h);
    res_free(r);
    act_ok(p, RES_KIND_INSTANCE, "delete", "t-bm2", NULL);
    free(node);
    provider_free(p);
    store_close(st);
}

static void test_host_actions(void **state)
{
    struct store *st = mem_store();
    struct provider *p = demo_open_env(st, "demo", 9, 0, FAST);
    char *enroll = find_node(p, "enroll"), *avail = find_node(p, "available");
    struct resource *h;
    struct res_list l;
    size_t running_before = 0;
    const char *hv = "hv-ap-east-1a-03";

    (void)state;
    assert_non_null(enroll);
    assert_non_null(avail);
    act_refused(p, RES_KIND_HOST, "provide", enroll, RT_ERR_CONFLICT,
                "while it is in state \"enroll\"", NULL);
    act_ok(p, RES_KIND_HOST, "manage", enroll, NULL);
    h = get_res(p, RES_KIND_HOST, enroll);
    assert_field(h, "provision_state", "manageable");
    res_free(h);
    act_ok(p, RES_KIND_HOST, "provide", enroll, NULL);
    h = get_res(p, RES_KIND_HOST, enroll);
    assert_field(h, "provision_state", "available");
    res_free(h);
    act_refused(p, RES_KIND_HOST, "manage", avail, RT_ERR_CONFLICT,
                "The requested action \"manage\" can not be performed", NULL);

    /* maintenance */
    act_ok(p, RES_KIND_HOST, "maintenance-on", avail, "reason=replacing a DIMM", NULL);
    h = get_res(p, RES_KIND_HOST, avail);
    assert_field(h, "maintenance", "true");
    assert_field(h, "maintenance_reason", "replacing a DIMM");
    assert_int_equal(h->status, RES_STATUS_MAINTENANCE);
    res_free(h);
    act_refused(p, RES_KIND_HOST, "provision", avail, RT_ERR_CONFLICT, "maintenance mode",
                "image=debian-12", NULL);
    act_ok(p, RES_KIND_HOST, "maintenance-off", avail, NULL);
    h = get_res(p, RES_KIND_HOST, avail);
    assert_field(h, "maintenance", "false");
    res_free(h);

    /* a hypervisor's power follows through to its VMs, a power cycle restarts them */
    list_kind(p, RES_KIND_INSTANCE, &l);
    for (size_t i = 0; i < l.len; i++) {
        const char *hh = res_get(l.items[i], "host");
        running_before += hh != NULL && strcmp(hh, hv) == 0 &&
                          strcmp(res_get(l.items[i], "power_state"), "running") == 0;
    }
    res_list_done(&l);
    assert_true(running_before > 0);
    act_ok(p, RES_KIND_HOST, "power-cycle", hv, NULL);
    list_kind(p, RES_KIND_INSTANCE, &l);
    {
        size_t running_after = 0;
        for (size_t i = 0; i < l.len; i++) {
            const char *hh = res_get(l.items[i], "host");
            running_after += hh != NULL && strcmp(hh, hv) == 0 &&
                             strcmp(res_get(l.items[i], "power_state"), "running") == 0;
        }
        assert_int_equal(running_after, running_before);
    }
    res_list_done(&l);
    act_ok(p, RES_KIND_HOST, "power-off", hv, NULL);
    h = get_res(p, RES_KIND_HOST, hv);
    assert_field(h, "power", "off");
    assert_int_equal(h->status, RES_STATUS_SHUTOFF);
    assert_field(h, "cpu_pct", "0.0");
    res_free(h);
    list_kind(p, RES_KIND_INSTANCE, &l);
    assert_null(find_row(&l, "host", hv, RES_STATUS_ACTIVE));
    assert_non_null(find_row(&l, "host", hv, RES_STATUS_SHUTOFF));
    res_list_done(&l);
    act_ok(p, RES_KIND_HOST, "power-on", hv, NULL);
    h = get_res(p, RES_KIND_HOST, hv);
    assert_field(h, "power", "on");
    res_free(h);
    free(enroll);
    free(avail);
    provider_free(p);
    store_close(st);
}

/* ---- volumes and snapshots --------------------------------------------------------------- */

static void test_volumes(void **state)
{
    struct store *st = mem_store();
    struct provider *p = demo_open_env(st, "demo", 11, 0, FAST);
    char *vm = pick_vm(p);
    struct resource *r;
    char dev[32], kv[96];

    (void)state;
    act_ok(p, RES_KIND_VOLUME, "create", "t-vol", "size_gb=10", "zone=eu-west-1a",
           "volume_type=nvme", NULL);
    r = get_res(p, RES_KIND_VOLUME, "t-vol");
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    assert_string_equal(r->raw_status, "available");
    assert_field(r, "size_gb", "10");
    assert_field(r, "volume_type", "nvme");
    assert_null(res_get(r, "attached_to"));
    res_free(r);
    act_refused(p, RES_KIND_VOLUME, "create", "t-vol", RT_ERR_CONFLICT, "already exists",
                "size_gb=10", NULL);

    snprintf(kv, sizeof kv, "instance=%s", vm);
    act_ok(p, RES_KIND_VOLUME, "attach", "t-vol", kv, NULL);
    r = get_res(p, RES_KIND_VOLUME, "t-vol");
    assert_string_equal(r->raw_status, "in-use");
    assert_field(r, "attached_to", vm);
    snprintf(dev, sizeof dev, "%s", res_get(r, "device"));
    assert_true(strncmp(dev, "/dev/vd", 7) == 0 && dev[7] >= 'b');
    res_free(r);
    r = get_res(p, RES_KIND_INSTANCE, vm);
    {
        struct resource *v = get_res(p, RES_KIND_VOLUME, "t-vol");
        assert_true(res_json_list_has(res_get(r, "volumes"), v->id));
        res_free(v);
    }
    res_free(r);
    act_refused(p, RES_KIND_VOLUME, "delete", "t-vol", RT_ERR_CONFLICT,
                "Volume status must be available or error", NULL);
    act_refused(p, RES_KIND_VOLUME, "delete", "t-vol", RT_ERR_CONFLICT, "currently in-use", NULL);
    act_refused(p, RES_KIND_VOLUME, "attach", "t-vol", RT_ERR_CONFLICT,
                "must be available to reserve", "instance=web-001", NULL);
    act_refused(p, RES_KIND_VOLUME, "extend", "t-vol", RT_ERR_ARG,
                "New size for extend must be greater than current size", "size_gb=5", NULL);
    act_ok(p, RES_KIND_VOLUME, "extend", "t-vol", "size_gb=20", NULL);
    r = get_res(p, RES_KIND_VOLUME, "t-vol");
    assert_field(r, "size_gb", "20");
    assert_string_equal(r->raw_status, "in-use");
    res_free(r);

    /* snapshots: take two, revert needs the latest, delete needs none left */
    act_ok(p, RES_KIND_VOLUME, "snapshot", "t-vol", "name=t-vol-s1", NULL);
    act_ok(p, RES_KIND_VOLUME, "detach", "t-vol", NULL);
    r = get_res(p, RES_KIND_VOLUME, "t-vol");
    assert_string_equal(r->raw_status, "available");
    assert_null(res_get(r, "attached_to"));
    res_free(r);
    r = get_res(p, RES_KIND_SNAPSHOT, "t-vol-s1");
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    assert_field(r, "source_kind", "volume");
    assert_field(r, "size_gb", "20");
    res_free(r);
    act_ok(p, RES_KIND_VOLUME, "snapshot", "t-vol", "name=t-vol-s2", NULL);
    act_refused(p, RES_KIND_VOLUME, "revert", "t-vol", RT_ERR_CONFLICT, "latest snapshot",
                "snapshot=t-vol-s1", NULL);
    act_ok(p, RES_KIND_VOLUME, "revert", "t-vol", "snapshot=t-vol-s2", NULL);
    act_ok(p, RES_KIND_SNAPSHOT, "restore", "t-vol-s2", NULL);
    act_refused(p, RES_KIND_VOLUME, "delete", "t-vol", RT_ERR_CONFLICT, "dependent snapshots",
                NULL);
    act_ok(p, RES_KIND_SNAPSHOT, "delete", "t-vol-s2", NULL);
    act_ok(p, RES_KIND_SNAPSHOT, "delete", "t-vol-s1", NULL);
    assert_true(gone(p, RES_KIND_SNAPSHOT, "t-vol-s1"));
    act_ok(p, RES_KIND_VOLUME, "delete", "t-vol", NULL);
    assert_true(gone(p, RES_KIND_VOLUME, "t-vol"));

    /* from an image: bootable; the root disk cannot be detached */
    act_refused(p, RES_KIND_VOLUME, "create", "t-boot", RT_ERR_ARG, "minDisk", "size_gb=10",
                "image=windows-2022", NULL);
    act_ok(p, RES_KIND_VOLUME, "create", "t-boot", "size_gb=20", "image=ubuntu-22.04", NULL);
    r = get_res(p, RES_KIND_VOLUME, "t-boot");
    assert_field(r, "bootable", "true");
    assert_field(r, "source", "ubuntu-22.04");
    res_free(r);
    {
        struct res_list l;
        const struct resource *root;
        list_kind(p, RES_KIND_VOLUME, &l);
        root = find_row(&l, "device", "/dev/vda", RES_STATUS_UNKNOWN);
        assert_non_null(root);
        act_refused(p, RES_KIND_VOLUME, "detach", root->id, RT_ERR_CONFLICT, "root device volume",
                    NULL);
        res_list_done(&l);
    }
    free(vm);
    provider_free(p);
    store_close(st);
}

/* ---- security groups ----------------------------------------------------------------------- */

static void test_secgroups(void **state)
{
    struct store *st = mem_store();
    struct provider *p = demo_open_env(st, "demo", 13, 0, FAST);
    char *vm = pick_vm(p), rule[64] = "";
    struct resource *r;
    json_t *rules, *ru;
    size_t i;

    (void)state;
    act_ok(p, RES_KIND_SECGROUP, "create", "t-sg", "description=test group", NULL);
    r = get_res(p, RES_KIND_SECGROUP, "t-sg");
    assert_field(r, "region", "eu-west");
    assert_field(r, "description", "test group");
    res_free(r);
    act_refused(p, RES_KIND_SECGROUP, "create", "t-sg", RT_ERR_CONFLICT, "already exists", NULL);
    act_ok(p, RES_KIND_SECGROUP, "add-rule", "t-sg", "direction=ingress", "protocol=tcp",
           "port=8000-8080", "remote=10.1.0.0/16", NULL);
    r = get_res(p, RES_KIND_SECGROUP, "t-sg");
    rules = json_loads(res_get(r, "rules"), 0, NULL);
    json_array_foreach(rules, i, ru)
    {
        if (json_integer_value(json_object_get(ru, "port_min")) == 8000) {
            assert_int_equal(json_integer_value(json_object_get(ru, "port_max")), 8080);
            assert_string_equal(json_string_value(json_object_get(ru, "protocol")), "tcp");
            assert_string_equal(json_string_value(json_object_get(ru, "direction")), "ingress");
            assert_string_equal(json_string_value(json_object_get(ru, "ethertype")), "IPv4");
            assert_string_equal(json_string_value(json_object_get(ru, "remote")), "10.1.0.0/16");
            snprintf(rule, sizeof rule, "%s", json_string_value(json_object_get(ru, "id")));
        }
    }
    json_decref(rules);
    res_free(r);
    assert_true(rule[0] != '\0');
    act_refused(p, RES_KIND_SECGROUP, "add-rule", "t-sg", RT_ERR_CONFLICT,
                "Security group rule already exists", "direction=ingress", "protocol=tcp",
                "port=8000-8080", "remote=10.1.0.0/16", NULL);
    act_refused(p, RES_KIND_SECGROUP, "add-rule", "t-sg", RT_ERR_ARG, "Conflicting value ethertype",
                "direction=ingress", "protocol=tcp", "remote=::/0", "ethertype=IPv4", NULL);
    {
        char kv[80];
        snprintf(kv, sizeof kv, "rule=%s", rule);
        act_ok(p, RES_KIND_SECGROUP, "remove-rule", "t-sg", kv, NULL);
    }
    r = get_res(p, RES_KIND_SECGROUP, "t-sg");
    assert_null(strstr(res_get(r, "rules"), rule));
    res_free(r);
    {
        char kv[80];
        snprintf(kv, sizeof kv, "rule=%s", rule);
        act_refused(p, RES_KIND_SECGROUP, "remove-rule", "t-sg", RT_ERR_NOT_FOUND, "does not exist",
                    kv, NULL);
    }

    /* attach to an instance; a group in use cannot be deleted */
    {
        char kv[80];
        snprintf(kv, sizeof kv, "instance=%s", vm);
        act_ok(p, RES_KIND_SECGROUP, "attach", "t-sg", kv, NULL);
        r = get_res(p, RES_KIND_INSTANCE, vm);
        assert_true(res_json_list_has(res_get(r, "security_groups"), "t-sg"));
        res_free(r);
        act_refused(p, RES_KIND_SECGROUP, "attach", "t-sg", RT_ERR_CONFLICT, "already associated",
                    kv, NULL);
        act_refused(p, RES_KIND_SECGROUP, "delete", "t-sg", RT_ERR_CONFLICT, "in use", NULL);
        act_ok(p, RES_KIND_SECGROUP, "detach", "t-sg", kv, NULL);
        r = get_res(p, RES_KIND_INSTANCE, vm);
        assert_false(res_json_list_has(res_get(r, "security_groups"), "t-sg"));
        res_free(r);
    }
    act_ok(p, RES_KIND_SECGROUP, "delete", "t-sg", NULL);
    assert_true(gone(p, RES_KIND_SECGROUP, "t-sg"));
    {
        struct res_list l;
        list_kind(p, RES_KIND_SECGROUP, &l);
        for (size_t k = 0; k < l.len; k++) {
            if (strcmp(l.items[k]->name, "default") == 0) {
                act_refused(p, RES_KIND_SECGROUP, "delete", l.items[k]->id, RT_ERR_CONFLICT,
                            "Removing default security group not allowed", NULL);
                break;
            }
        }
        res_list_done(&l);
    }
    free(vm);
    provider_free(p);
    store_close(st);
}

/* ---- time, persistence, corruption --------------------------------------------------------------
 */

static void test_wall_clock(void **state)
{
    struct store *st = mem_store();
    struct provider *p = demo_open_env(st, "demo", 3, 0, 10); /* reboot: 500 ms */
    char *vm = pick_vm(p), *ref = NULL;
    struct rt_error err = {0};
    struct task_progress tp;
    struct resource *r;

    (void)state;
    assert_int_equal(act_try(p, RES_KIND_INSTANCE, "reboot", vm, &ref, &err, NULL), 0);
    r = get_res(p, RES_KIND_INSTANCE, vm);
    assert_int_equal(r->status, RES_STATUS_BUSY);
    assert_true(strncmp(res_get(r, "task_state"), "reboot", 6) == 0);
    assert_true(strncmp(r->raw_status, "active/reboot", 13) == 0);
    assert_true(r->progress >= 0 && r->progress < 100);
    res_free(r);
    assert_int_equal(provider_task_poll(p, ref, &tp, &err), 0);
    assert_int_equal(tp.state, TASK_RUNNING);
    assert_non_null(strstr(tp.message, "reboot"));
    sleep_ms(700);
    /* no poll in between: the clock alone moved it */
    r = get_res(p, RES_KIND_INSTANCE, vm);
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    assert_null(res_get(r, "task_state"));
    assert_int_equal(r->progress, -1);
    res_free(r);
    assert_int_equal(provider_task_poll(p, ref, &tp, &err), 0);
    assert_int_equal(tp.state, TASK_SUCCEEDED);
    assert_int_equal(tp.progress, 100);
    free(ref);
    free(vm);
    provider_free(p);
    store_close(st);
}

static void test_persistence(void **state)
{
    char *dir = make_tmpdir(), *path = xasprintf("%s/racktop.db", dir), *ref = NULL;
    struct rt_error err = {0};
    struct store *st = store_open(path, &err);
    struct provider *p;
    struct task_progress tp;
    struct resource *r;
    char vm[64];

    (void)state;
    assert_non_null(st);
    p = demo_open_env(st, "lab", 21, 0, 10); /* VM build 1.1 s */
    {
        char *v = pick_vm(p);
        snprintf(vm, sizeof vm, "%s", v);
        free(v);
    }
    act_ok(p, RES_KIND_INSTANCE, "lock", vm, NULL);
    assert_int_equal(act_try(p, RES_KIND_INSTANCE, "create", "t-keep", &ref, &err,
                             "flavor=m1.small", "image=fedora-40", NULL),
                     0);
    provider_free(p);
    store_close(st);

    /* a new process: the operation goes on where it was */
    st = store_open(path, &err);
    assert_non_null(st);
    p = demo_open_env(st, "lab", 21, 0, 1000 /* the speed of a running op is fixed */);
    assert_int_equal(provider_task_poll(p, ref, &tp, &err), 0);
    assert_int_equal(tp.state, TASK_RUNNING);
    assert_true(tp.progress >= 0 && tp.progress < 100);
    r = get_res(p, RES_KIND_INSTANCE, "t-keep");
    assert_int_equal(r->status, RES_STATUS_BUILD);
    res_free(r);
    r = get_res(p, RES_KIND_INSTANCE, vm);
    assert_field(r, "locked", "true");
    res_free(r);
    tp = wait_task(p, ref, 10000);
    assert_int_equal(tp.state, TASK_SUCCEEDED);
    provider_free(p);
    store_close(st);

    /* and again: the instance is there, the finished task still answers */
    st = store_open(path, &err);
    p = demo_open_env(st, "lab", 21, 0, 1);
    r = get_res(p, RES_KIND_INSTANCE, "t-keep");
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    assert_field(r, "image", "fedora-40");
    res_free(r);
    assert_int_equal(provider_task_poll(p, ref, &tp, &err), 0);
    assert_int_equal(tp.state, TASK_SUCCEEDED);
    provider_free(p);

    /* another (seed, size) starts another world in the same namespace */
    p = demo_open_env(st, "lab", 22, 0, 1);
    assert_true(gone(p, RES_KIND_INSTANCE, "t-keep"));
    assert_int_equal(provider_task_poll(p, ref, &tp, &err), -1);
    provider_free(p);
    store_close(st);
    free(ref);
    rm_rf(dir);
    free(path);
    free(dir);
}

static void test_two_connections(void **state)
{
    char *dir = make_tmpdir(), *path = xasprintf("%s/racktop.db", dir);
    struct rt_error err = {0};
    struct store *s1 = store_open(path, &err), *s2 = store_open(path, &err);
    struct provider *a, *b;
    struct resource *r;

    (void)state;
    assert_non_null(s1);
    assert_non_null(s2);
    a = demo_open_env(s1, "lab", 4, 0, FAST);
    b = demo_open_env(s2, "lab", 4, 0, FAST);
    /* the command line changes the world while the console is open */
    act_ok(a, RES_KIND_INSTANCE, "create", "t-cli", "flavor=m1.tiny", "image=cirros-0.6", NULL);
    r = get_res(b, RES_KIND_INSTANCE, "t-cli");
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    res_free(r);
    act_ok(b, RES_KIND_INSTANCE, "stop", "t-cli", NULL);
    r = get_res(a, RES_KIND_INSTANCE, "t-cli");
    assert_int_equal(r->status, RES_STATUS_SHUTOFF);
    res_free(r);
    provider_free(a);
    provider_free(b);
    store_close(s1);
    store_close(s2);
    rm_rf(dir);
    free(path);
    free(dir);
}

static int count_blobs(void *ctx, const char *key, const char *value)
{
    (void)key;
    (void)value;
    (*(int *)ctx)++;
    return 0;
}

static void test_corrupt_store(void **state)
{
    struct store *st = mem_store();
    struct provider *p = demo_open_env(st, "lab", 8, 0, FAST);
    struct rt_error err = {0};
    struct resource *r;
    char key[128];
    int n = 0;

    (void)state;
    act_ok(p, RES_KIND_INSTANCE, "create", "t-a", "flavor=m1.tiny", "image=cirros-0.6", NULL);
    r = get_res(p, RES_KIND_INSTANCE, "t-a");
    snprintf(key, sizeof key, "instance:%s", r->id);
    res_free(r);
    provider_free(p);

    /* one unreadable record: dropped, the rest of the world loads */
    assert_int_equal(store_blob_put(st, "demo:lab", key, "{not json", &err), 0);
    assert_int_equal(store_blob_put(st, "demo:lab", "op:req-broken", "[1,2", &err), 0);
    assert_int_equal(
        store_blob_put(st, "demo:lab", "instance:zzz", "{\"name\":\"x\",\"vm\":\"weird\"}", &err),
        0);
    p = demo_open_env(st, "lab", 8, 0, FAST);
    assert_true(gone(p, RES_KIND_INSTANCE, "t-a"));
    assert_true(gone(p, RES_KIND_INSTANCE, "x"));
    {
        struct res_list l;
        list_kind(p, RES_KIND_INSTANCE, &l);
        assert_int_equal(l.len, 250);
        res_list_done(&l);
    }
    assert_null(store_blob_get(st, "demo:lab", key));
    assert_null(store_blob_get(st, "demo:lab", "op:req-broken"));
    provider_free(p);

    /* an operation record lost: its target does not stay busy for ever */
    {
        struct provider *q = demo_open_env(st, "lab", 8, 0, 1);
        char *vm = pick_vm(q), *ref = NULL, opkey[96];
        assert_int_equal(act_try(q, RES_KIND_INSTANCE, "reboot", vm, &ref, &err, NULL), 0);
        provider_free(q);
        snprintf(opkey, sizeof opkey, "op:%s", ref);
        {
            char *blob = store_blob_get(st, "demo:lab", opkey);
            assert_non_null(blob);
            free(blob);
        }
        assert_int_equal(store_blob_delete(st, "demo:lab", opkey, &err), 0);
        q = demo_open_env(st, "lab", 8, 0, 1);
        r = get_res(q, RES_KIND_INSTANCE, vm);
        assert_int_equal(r->status, RES_STATUS_ACTIVE);
        assert_null(res_get(r, "task_state"));
        res_free(r);
        act_ok(q, RES_KIND_INSTANCE, "lock", vm, NULL);
        provider_free(q);
        free(vm);
        free(ref);
    }

    /* a corrupt meta record: the world is started over */
    assert_int_equal(store_blob_put(st, "demo:lab", "meta", "\x01garbage", &err), 0);
    p = demo_open_env(st, "lab", 8, 0, FAST);
    {
        char *vm = pick_vm(p);
        act_ok(p, RES_KIND_INSTANCE, "reboot", vm, NULL);
        free(vm);
    }
    provider_free(p);
    assert_int_equal(store_blob_foreach(st, "demo:lab", count_blobs, &n, &err), 0);
    assert_true(n >= 2 && n < 10);
    store_close(st);
}

/* ---- metrics -------------------------------------------------------------------------------- */

static void test_metrics(void **state)
{
    struct store *s1 = mem_store(), *s2 = mem_store();
    struct provider *a = demo_open_env(s1, "m", 17, 0, 1), *b = demo_open_env(s2, "m", 17, 0, 1);
    struct metric_list la = {0}, lb = {0};
    struct rt_error err = {0};
    struct res_list hosts;
    size_t matched = 0, per_host_cpu = 0;
    const char *first;
    int64_t now = rt_now_ms() / 1000;

    (void)state;
    assert_int_equal(provider_metrics(a, 0, &la, &err), 0);
    assert_int_equal(provider_metrics(b, now - 600, &lb, &err), 0);
    list_kind(a, RES_KIND_HOST, &hosts);
    assert_true(la.len >= hosts.len * 4 * 59);
    assert_true(lb.len >= hosts.len * 4 * 9 && lb.len < la.len);
    first = la.items[0].host;
    for (size_t i = 0; i < la.len; i++) {
        const struct metric_sample *s = &la.items[i];
        assert_true(s->ts >= now - 3600 && s->ts <= now + 1 && s->ts % 60 == 0);
        if (strcmp(s->metric, "cpu_pct") == 0 || strcmp(s->metric, "mem_pct") == 0)
            assert_true(s->value >= 0 && s->value <= 100);
        else if (strcmp(s->metric, "temp_c") == 0)
            assert_true(s->value >= 10 && s->value <= 110);
        else if (strcmp(s->metric, "power_w") == 0)
            assert_true(s->value >= 0 && s->value <= 3000);
        else
            fail_msg("unexpected metric %s", s->metric);
        if (strcmp(s->host, first) == 0 && strcmp(s->metric, "cpu_pct") == 0)
            per_host_cpu++;
    }
    assert_true(per_host_cpu >= 59 && per_host_cpu <= 61);
    /* the same seed gives the same history, wherever it is computed */
    for (size_t i = 0; i < lb.len; i++) {
        for (size_t j = 0; j < la.len; j++) {
            if (la.items[j].ts == lb.items[i].ts && la.items[j].metric == lb.items[i].metric &&
                strcmp(la.items[j].host, lb.items[i].host) == 0) {
                assert_true(la.items[j].value == lb.items[i].value);
                matched++;
                break;
            }
        }
    }
    assert_true(matched > lb.len / 2);
    /* values move over time and differ between hosts */
    {
        double lo = 1e9, hi = -1e9;
        for (size_t i = 0; i < la.len; i++) {
            if (strcmp(la.items[i].metric, "temp_c") == 0) {
                lo = la.items[i].value < lo ? la.items[i].value : lo;
                hi = la.items[i].value > hi ? la.items[i].value : hi;
            }
        }
        assert_true(hi - lo > 5);
    }
    res_list_done(&hosts);
    metric_list_done(&la);
    metric_list_done(&lb);
    provider_free(a);
    provider_free(b);
    store_close(s1);
    store_close(s2);
}

/* ---- faults (internals: the health function at chosen times) --------------------------------- */

static void test_faults(void **state)
{
    struct dworld *w = demo_world_generate(17, 0, 1, "x"), *w2 = demo_world_generate(17, 0, 1, "x");
    int64_t base = 1767225600; /* 2026-01-01T00:00:00Z */
    size_t windows = 0, faulty = 0, fan = 0, psu = 0, maint = 0, hot = 0;

    (void)state;
    for (size_t h = 0; h < w->hosts.n; h++) {
        for (int hr = 0; hr < 48; hr++) {
            int64_t w0 = base + hr * 3600;
            int any = 0;
            struct dhealth first_fan = {0};
            int64_t fan_t = -1;
            windows++;
            for (int64_t t = w0; t < w0 + 3600; t += 60) {
                struct dhealth a, b;
                demo_host_health(w, (int)h, t, &a);
                demo_host_health(w2, (int)h, t, &b);
                assert_true(a.cpu == b.cpu && a.temp == b.temp && a.watts == b.watts);
                assert_string_equal(a.health, b.health);
                if (strcmp(a.fans, "OK") != 0) {
                    any = 1;
                    fan++;
                    assert_string_not_equal(a.health, "OK");
                    if (fan_t < 0) {
                        fan_t = t;
                        first_fan = a;
                    } else if (t - fan_t >= 20 * 60 && w->hosts.v[h].power_on) {
                        /* the temperature climbs while the fan is out */
                        assert_string_equal(a.fans, "Critical");
                        if (a.temp > first_fan.temp + 10)
                            hot++;
                    }
                }
                if (strcmp(a.psus, "OK") != 0) {
                    any = 1;
                    psu++;
                    assert_string_not_equal(a.health, "OK");
                }
                if (a.auto_maint) {
                    any = 1;
                    maint++;
                    assert_true(demo_host_in_maint(w, (int)h, t));
                }
            }
            faulty += any;
        }
    }
    assert_true(fan > 0 && psu > 0 && maint > 0 && hot > 0);
    /* occasional: a small share of the host-hours */
    assert_true(faulty * 100 / windows < 15);
    demo_world_free(w);
    demo_world_free(w2);
}

/* The engine's refresh may be answered "unchanged" (1) until something is written. */
static void test_list_unchanged(void **state)
{
    struct store *st = mem_store();
    struct provider *p = demo_open_env(st, "lab", 42, 0, 1000);
    struct res_list rows;
    struct rt_error err = {0};
    const char *name;

    (void)state;
    res_list_init(&rows);
    assert_int_equal(provider_list_refresh(p, RES_KIND_INSTANCE, &rows, &err), 0);
    assert_true(rows.len >= 200);
    name = NULL;
    for (size_t i = 0; i < rows.len && name == NULL; i++) {
        const char *locked = res_get(rows.items[i], "locked");
        if (rows.items[i]->status == RES_STATUS_ACTIVE && locked != NULL &&
            strcmp(locked, "false") == 0)
            name = rows.items[i]->name;
    }
    assert_non_null(name);
    {
        char *n = xstrdup(name);
        res_list_done(&rows);
        assert_int_equal(provider_list_refresh(p, RES_KIND_INSTANCE, &rows, &err), 1);
        assert_int_equal(rows.len, 0);
        /* A plain list() always returns the rows. */
        assert_int_equal(provider_list(p, RES_KIND_INSTANCE, &rows, &err), 0);
        assert_true(rows.len >= 200);
        res_list_done(&rows);
        /* Hosts change with the clock: never "unchanged". */
        assert_int_equal(provider_list_refresh(p, RES_KIND_HOST, &rows, &err), 0);
        res_list_done(&rows);
        assert_int_equal(provider_list_refresh(p, RES_KIND_HOST, &rows, &err), 0);
        res_list_done(&rows);
        /* After a change the rows come back. */
        act_ok(p, RES_KIND_INSTANCE, "reboot", n, NULL);
        assert_int_equal(provider_list_refresh(p, RES_KIND_INSTANCE, &rows, &err), 0);
        assert_true(rows.len >= 200);
        res_list_done(&rows);
        free(n);
    }
    provider_free(p);
    store_close(st);
}

/* ---- ports and floating IPs ------------------------------------------------------------ */

/* Number of addresses in an instance row ("addresses" is a JSON list). */
static size_t n_addrs(const struct resource *r)
{
    json_t *a = json_loads(res_get(r, "addresses"), 0, NULL);
    size_t n = json_array_size(a);

    json_decref(a);
    return n;
}

/* An ACTIVE, unlocked VM in `zone` with (want_fip) or without a floating address. */
static char *pick_vm_fip(struct provider *p, const char *zone, int want_fip)
{
    struct res_list l;
    char *id = NULL;

    list_kind(p, RES_KIND_INSTANCE, &l);
    for (size_t i = 0; i < l.len && id == NULL; i++) {
        const struct resource *r = l.items[i];
        if (r->status == RES_STATUS_ACTIVE && strcmp(res_get(r, "type"), "vm") == 0 &&
            strcmp(res_get(r, "locked"), "false") == 0 &&
            (zone == NULL || strcmp(res_get(r, "zone"), zone) == 0) &&
            n_addrs(r) == (want_fip ? 2u : 1u))
            id = xstrdup(r->id);
    }
    res_list_done(&l);
    assert_non_null(id);
    return id;
}

/* The port of an instance: its id, new string, or NULL if it has none. */
static char *port_of(struct provider *p, const char *inst)
{
    struct res_list l;
    const struct resource *r;
    char *id;

    list_kind(p, RES_KIND_PORT, &l);
    r = find_row(&l, "instance", inst, RES_STATUS_UNKNOWN);
    id = r != NULL ? xstrdup(r->id) : NULL;
    res_list_done(&l);
    return id;
}

static void test_ports_fips(void **state)
{
    struct store *st = mem_store();
    struct provider *p = demo_open_env(st, "demo", 13, 0, FAST), *q;
    struct res_list li, lp, lf;
    struct resource *r;
    size_t nport = 0, nassoc = 0, nspare = 0;
    char *vm, *pid, *other, *vm2, *port2, *fip2, *newport;
    char kv[96], kv2[96], kv3[96];
    uint64_t acts = provider_actions(p);

    (void)state;
    /* the kinds are offered, and exactly the actions the demo implements for them */
    assert_true(provider_kinds(p) & RT_KIND_BIT(RES_KIND_PORT));
    assert_true(provider_kinds(p) & RT_KIND_BIT(RES_KIND_FLOATINGIP));
    {
        static const char *const fv[] = {"create", "associate", "disassociate", "delete"};
        for (size_t i = 0; i < 4; i++)
            assert_true(acts & 1ULL << action_index(action_find(RES_KIND_FLOATINGIP, fv[i])));
        assert_true(acts & 1ULL << action_index(action_find(RES_KIND_PORT, "delete")));
    }

    /* one port per instance NIC, one floating IP per floating address, spares in the pool */
    list_kind(p, RES_KIND_INSTANCE, &li);
    list_kind(p, RES_KIND_PORT, &lp);
    list_kind(p, RES_KIND_FLOATINGIP, &lf);
    for (size_t i = 0; i < li.len; i++) {
        const struct resource *in = li.items[i],
                              *pt = find_row(&lp, "instance", in->id, RES_STATUS_UNKNOWN);
        json_t *a = json_loads(res_get(in, "addresses"), 0, NULL);
        size_t n = json_array_size(a);
        char owner[64];
        if (n == 0) {
            assert_null(pt);
            json_decref(a);
            continue;
        }
        nport++;
        assert_non_null(pt);
        snprintf(owner, sizeof owner, "compute:%s", res_get(in, "zone"));
        assert_field(pt, "device_owner",
                     strcmp(res_get(in, "type"), "baremetal") == 0 ? "baremetal:none" : owner);
        assert_field(pt, "device_id", in->id);
        assert_non_null(
            strstr(res_get(pt, "fixed_ips"), json_string_value(json_array_get(a, n - 1))));
        assert_field(pt, "admin_state", "true");
        assert_field(pt, "region", res_get(in, "region"));
        assert_true(strncmp(res_get(pt, "mac"), "fa:16:3e:", 9) == 0);
        assert_true(json_is_list_of_strings(res_get(pt, "security_groups")));
        if (in->status == RES_STATUS_ACTIVE)
            assert_int_equal(pt->status, RES_STATUS_ACTIVE);
        if (in->status == RES_STATUS_SHUTOFF)
            assert_string_equal(pt->raw_status, "DOWN");
        if (n == 2) {
            const struct resource *f =
                find_row(&lf, "floating_ip_address", json_string_value(json_array_get(a, 0)),
                         RES_STATUS_ACTIVE);
            assert_non_null(f);
            assert_field(f, "instance", in->id);
            assert_field(f, "port_id", pt->id);
            assert_field(f, "fixed_ip_address", json_string_value(json_array_get(a, 1)));
        }
        json_decref(a);
    }
    assert_int_equal(lp.len, nport);
    for (size_t i = 0; i < lf.len; i++) {
        if (res_get(lf.items[i], "port_id") != NULL) {
            nassoc++;
        } else {
            nspare++;
            assert_int_equal(lf.items[i]->status, RES_STATUS_SHUTOFF);
            assert_string_equal(lf.items[i]->raw_status, "DOWN");
        }
        assert_string_equal(lf.items[i]->name, res_get(lf.items[i], "floating_ip_address"));
    }
    assert_true(nassoc > 0);
    assert_true(nspare >= 6); /* three per region */
    res_list_done(&li);
    res_list_done(&lp);
    res_list_done(&lf);

    /* allocate, with the pool's rules */
    act_ok(p, RES_KIND_FLOATINGIP, "create", "public-eu-west", "address=172.24.0.200",
           "description=test fip", NULL);
    r = get_res(p, RES_KIND_FLOATINGIP, "172.24.0.200");
    assert_int_equal(r->status, RES_STATUS_SHUTOFF);
    assert_null(res_get(r, "port_id"));
    assert_field(r, "region", "eu-west");
    assert_field(r, "description", "test fip");
    res_free(r);
    act_refused(p, RES_KIND_FLOATINGIP, "create", "public-eu-west", RT_ERR_CONFLICT, "in use",
                "address=172.24.0.200", NULL);
    act_refused(p, RES_KIND_FLOATINGIP, "create", "public-eu-west", RT_ERR_ARG, "not in the pool",
                "address=172.25.0.200", NULL);
    act_refused(p, RES_KIND_FLOATINGIP, "create", "public-eu-west", RT_ERR_ARG,
                "not a valid IP address", "address=172.24.0", NULL);
    act_refused(p, RES_KIND_FLOATINGIP, "create", "private", RT_ERR_ARG,
                "not a valid external network", NULL);
    act_refused(p, RES_KIND_FLOATINGIP, "create", "no-such-net", RT_ERR_NOT_FOUND, "public-eu-west",
                NULL);
    act_ok(p, RES_KIND_FLOATINGIP, "create", "ap-east", NULL); /* a region names its pool */
    act_ok(p, RES_KIND_FLOATINGIP, "create", "public", NULL);  /* the first region's pool */

    /* associate through the instance's port */
    vm = pick_vm_fip(p, "eu-west-1a", 0);
    pid = port_of(p, vm);
    assert_non_null(pid);
    snprintf(kv, sizeof kv, "instance=%s", vm);
    snprintf(kv2, sizeof kv2, "port=%s", pid);
    act_ok(p, RES_KIND_FLOATINGIP, "associate", "172.24.0.200", kv, kv2, NULL);
    r = get_res(p, RES_KIND_FLOATINGIP, "172.24.0.200");
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    assert_field(r, "instance", vm);
    assert_field(r, "port_id", pid);
    assert_non_null(res_get(r, "fixed_ip_address"));
    assert_non_null(res_get(r, "router"));
    res_free(r);
    r = get_res(p, RES_KIND_INSTANCE, vm);
    assert_non_null(strstr(res_get(r, "addresses"), "[\"172.24.0.200\","));
    res_free(r);
    r = get_res(p, RES_KIND_PORT, pid);
    assert_field(r, "instance", vm);
    res_free(r);

    /* the refusals */
    act_refused(p, RES_KIND_FLOATINGIP, "associate", "172.24.0.200", RT_ERR_CONFLICT,
                "already associated", kv, NULL);
    act_ok(p, RES_KIND_FLOATINGIP, "create", "public-eu-west", "address=172.24.0.201", NULL);
    act_refused(p, RES_KIND_FLOATINGIP, "associate", "172.24.0.201", RT_ERR_CONFLICT,
                "already has a floating IP", kv, NULL);
    act_refused(p, RES_KIND_FLOATINGIP, "disassociate", "172.24.0.201", RT_ERR_CONFLICT,
                "not associated", NULL);
    act_refused(p, RES_KIND_FLOATINGIP, "associate", "172.24.0.201", RT_ERR_NOT_FOUND,
                "Port no-such-port could not be found", kv, "port=no-such-port", NULL);
    act_refused(p, RES_KIND_FLOATINGIP, "associate", "172.24.0.201", RT_ERR_NOT_FOUND, "No server",
                "instance=no-such-vm", NULL);
    act_refused(p, RES_KIND_FLOATINGIP, "associate", "10.9.9.9", RT_ERR_NOT_FOUND,
                "Floating IP 10.9.9.9 could not be found", kv, NULL);
    other = pick_vm_fip(p, "ap-east-1a", 0);
    snprintf(kv3, sizeof kv3, "instance=%s", other);
    act_refused(p, RES_KIND_FLOATINGIP, "associate", "172.24.0.201", RT_ERR_ARG, "not reachable",
                kv3, NULL);
    snprintf(kv2, sizeof kv2, "port=%s", pid);
    act_refused(p, RES_KIND_FLOATINGIP, "associate", "172.24.0.201", RT_ERR_ARG, "does not belong",
                kv3, kv2, NULL);
    act_refused(p, RES_KIND_PORT, "delete", "no-such-port", RT_ERR_NOT_FOUND, "could not be found",
                NULL);

    /* disassociate, and the instance's addresses follow */
    act_ok(p, RES_KIND_FLOATINGIP, "disassociate", "172.24.0.200", NULL);
    r = get_res(p, RES_KIND_FLOATINGIP, "172.24.0.200");
    assert_int_equal(r->status, RES_STATUS_SHUTOFF);
    assert_null(res_get(r, "port_id"));
    assert_null(res_get(r, "instance"));
    res_free(r);
    r = get_res(p, RES_KIND_INSTANCE, vm);
    assert_int_equal(n_addrs(r), 1);
    res_free(r);

    /* deleting a compute port (Neutron allows it): the NIC and its floating IP's mapping go */
    act_ok(p, RES_KIND_FLOATINGIP, "associate", "172.24.0.200", kv, NULL);
    act_ok(p, RES_KIND_PORT, "delete", pid, NULL);
    assert_true(gone(p, RES_KIND_PORT, pid));
    r = get_res(p, RES_KIND_INSTANCE, vm);
    assert_string_equal(res_get(r, "addresses"), "[]");
    res_free(r);
    r = get_res(p, RES_KIND_FLOATINGIP, "172.24.0.200");
    assert_null(res_get(r, "port_id"));
    res_free(r);
    act_refused(p, RES_KIND_FLOATINGIP, "associate", "172.24.0.200", RT_ERR_CONFLICT, "has no port",
                kv, NULL);
    act_refused(p, RES_KIND_PORT, "delete", pid, RT_ERR_NOT_FOUND, "could not be found", NULL);

    /* release */
    act_ok(p, RES_KIND_FLOATINGIP, "delete", "172.24.0.201", NULL);
    assert_true(gone(p, RES_KIND_FLOATINGIP, "172.24.0.201"));

    /* an instance's delete takes its port; its floating IP stays, unassociated */
    vm2 = pick_vm_fip(p, NULL, 1);
    port2 = port_of(p, vm2);
    assert_non_null(port2);
    list_kind(p, RES_KIND_FLOATINGIP, &lf);
    fip2 = xstrdup(find_row(&lf, "instance", vm2, RES_STATUS_ACTIVE)->id);
    res_list_done(&lf);
    act_ok(p, RES_KIND_INSTANCE, "delete", vm2, NULL);
    assert_true(gone(p, RES_KIND_PORT, port2));
    r = get_res(p, RES_KIND_FLOATINGIP, fip2);
    assert_int_equal(r->status, RES_STATUS_SHUTOFF);
    assert_null(res_get(r, "instance"));
    res_free(r);

    /* a new instance gets its port at once */
    act_ok(p, RES_KIND_INSTANCE, "create", "t-net", "flavor=m1.small", "image=fedora-40", NULL);
    r = get_res(p, RES_KIND_INSTANCE, "t-net");
    newport = port_of(p, r->id);
    assert_non_null(newport);
    res_free(r);
    r = get_res(p, RES_KIND_PORT, "t-net-eth0");
    assert_string_equal(r->id, newport);
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    res_free(r);

    /* all of it is persisted: another connection to the store sees the same */
    q = demo_open_env(st, "demo", 13, 0, FAST);
    assert_true(gone(q, RES_KIND_PORT, pid));
    assert_true(gone(q, RES_KIND_PORT, port2));
    assert_true(gone(q, RES_KIND_FLOATINGIP, "172.24.0.201"));
    r = get_res(q, RES_KIND_FLOATINGIP, "172.24.0.200");
    assert_field(r, "description", "test fip");
    assert_null(res_get(r, "port_id"));
    res_free(r);
    r = get_res(q, RES_KIND_FLOATINGIP, fip2);
    assert_null(res_get(r, "instance"));
    res_free(r);
    r = get_res(q, RES_KIND_INSTANCE, "t-net");
    snprintf(kv, sizeof kv, "compute:%s", res_get(r, "zone"));
    res_free(r);
    r = get_res(q, RES_KIND_PORT, newport);
    assert_field(r, "device_owner", kv);
    res_free(r);
    provider_free(q);

    free(vm);
    free(pid);
    free(other);
    free(vm2);
    free(port2);
    free(fip2);
    free(newport);
    provider_free(p);
    store_close(st);
}

/* Networks: per region the external pool public-REGION and the tenant network "private",
 * plus one per other network= name; every floating IP's pool and every port's network is
 * one of them (by id), and get finds them by id or unique name. */
static void test_networks(void **state)
{
    struct store *st = mem_store();
    struct provider *p = demo_open_env(st, "demo", 13, 0, FAST);
    struct res_list ln, lp, lf, lr;
    struct resource *r;
    struct rt_error err = {0};
    size_t next = 0;
    const struct resource *blue;

    (void)state;
    assert_true(provider_kinds(p) & RT_KIND_BIT(RES_KIND_NETWORK));
    list_kind(p, RES_KIND_REGION, &lr);
    list_kind(p, RES_KIND_NETWORK, &ln);
    list_kind(p, RES_KIND_PORT, &lp);
    list_kind(p, RES_KIND_FLOATINGIP, &lf);
    assert_true(lr.len >= 2);
    assert_int_equal(ln.len, 2 * lr.len); /* the baseline instances are all on "private" */
    for (size_t i = 0; i < lr.len; i++) {
        char name[64];
        const struct resource *ext, *priv = NULL;
        snprintf(name, sizeof name, "public-%s", lr.items[i]->name);
        ext = find_row(&ln, "region", lr.items[i]->name, RES_STATUS_ACTIVE);
        assert_non_null(ext);
        assert_string_equal(ext->name, name); /* the pool comes first in its region */
        assert_field(ext, "external", "true");
        assert_field(ext, "network_type", "flat");
        assert_field(ext, "mtu", "1500");
        assert_null(res_get(ext, "segmentation_id"));
        assert_non_null(strstr(res_get(ext, "availability_zones"), lr.items[i]->name));
        assert_non_null(ext->raw);
        assert_non_null(strstr(ext->raw, "\"router:external\":true"));
        for (size_t j = 0; j < ln.len; j++) {
            if (strcmp(ln.items[j]->name, "private") == 0 &&
                strcmp(res_get(ln.items[j], "region"), lr.items[i]->name) == 0)
                priv = ln.items[j];
        }
        assert_non_null(priv);
        assert_field(priv, "external", "false");
        assert_field(priv, "network_type", "vxlan");
        assert_true(res_get_int(priv, "segmentation_id", 0) >= 1000);
        assert_true(json_is_list_of_strings(res_get(priv, "subnets")));
    }
    for (size_t i = 0; i < ln.len; i++)
        next += strcmp(res_get(ln.items[i], "external"), "true") == 0;
    assert_int_equal(next, lr.len);
    /* floating IPs come from the external networks, ports sit on tenant networks */
    assert_true(lf.len > 0 && lp.len > 0);
    for (size_t i = 0; i < lf.len; i++) {
        const struct resource *n =
            find_row(&ln, "region", res_get(lf.items[i], "region"), RES_STATUS_UNKNOWN);
        assert_non_null(n);
        assert_string_equal(res_get(lf.items[i], "floating_network_id"), n->id);
    }
    for (size_t i = 0; i < lp.len; i++) {
        size_t j;
        for (j = 0; j < ln.len && strcmp(ln.items[j]->id, res_get(lp.items[i], "network_id")); j++)
            ;
        assert_true(j < ln.len);
        assert_field(ln.items[j], "external", "false");
        assert_field(ln.items[j], "region", res_get(lp.items[i], "region"));
    }
    /* get: by id, by a unique name; "private" is in every region */
    r = get_res(p, RES_KIND_NETWORK, ln.items[0]->id);
    assert_string_equal(r->name, ln.items[0]->name);
    res_free(r);
    r = get_res(p, RES_KIND_NETWORK, ln.items[0]->name);
    assert_string_equal(r->id, ln.items[0]->id);
    res_free(r);
    r = NULL;
    assert_int_equal(provider_get(p, RES_KIND_NETWORK, "private", &r, &err), -1);
    assert_int_equal(err.code, RT_ERR_CONFLICT);
    assert_null(r);
    assert_true(gone(p, RES_KIND_NETWORK, "no-such-net"));
    /* the pool named by the network's id creates from that network */
    act_ok(p, RES_KIND_FLOATINGIP, "create", ln.items[0]->id, "address=172.24.0.201", NULL);
    r = get_res(p, RES_KIND_FLOATINGIP, "172.24.0.201");
    assert_field(r, "floating_network_id", ln.items[0]->id);
    res_free(r);
    res_list_done(&ln);
    res_list_done(&lp);
    res_list_done(&lf);

    /* an instance on another network adds that tenant network to its region, with the
     * id its port names */
    act_ok(p, RES_KIND_INSTANCE, "create", "t-blue", "flavor=m1.small", "image=debian-12",
           "zone=eu-west-1a", "network=blue", NULL);
    list_kind(p, RES_KIND_NETWORK, &ln);
    assert_int_equal(ln.len, 2 * lr.len + 1);
    blue = NULL;
    for (size_t i = 0; i < ln.len; i++) {
        if (strcmp(ln.items[i]->name, "blue") == 0)
            blue = ln.items[i];
    }
    assert_non_null(blue);
    assert_field(blue, "region", "eu-west");
    r = get_res(p, RES_KIND_PORT, "t-blue-eth0");
    assert_field(r, "network_id", blue->id);
    res_free(r);
    res_list_done(&ln);
    res_list_done(&lr);
    provider_free(p);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_list_unchanged),
        cmocka_unit_test(test_default_fleet),
        cmocka_unit_test(test_scale),
        cmocka_unit_test(test_instance_lifecycle),
        cmocka_unit_test(test_create_count_and_groups),
        cmocka_unit_test(test_failed_build),
        cmocka_unit_test(test_invalid_transitions),
        cmocka_unit_test(test_baremetal),
        cmocka_unit_test(test_host_actions),
        cmocka_unit_test(test_volumes),
        cmocka_unit_test(test_secgroups),
        cmocka_unit_test(test_ports_fips),
        cmocka_unit_test(test_networks),
        cmocka_unit_test(test_wall_clock),
        cmocka_unit_test(test_persistence),
        cmocka_unit_test(test_two_connections),
        cmocka_unit_test(test_corrupt_store),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_faults),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
