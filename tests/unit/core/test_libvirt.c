/*
 * test_libvirt.c - the libvirt provider in process, against libvirt's own
 * test driver: test:///default and a node file (tests/fixtures/libvirt/
 * node.xml) as two hosts of one provider, plus an unreachable third URI.
 * Every mapping and every action the test driver supports, through the
 * provider wrappers the engine uses.
 */
#include "testutil.h"

#include "core/action.h"
#include "core/config.h"
#include "core/err.h"
#include "core/model.h"
#include "core/provider.h"
#include "core/util.h"
#include "core/xalloc.h"
#ifdef WITH_LIBVIRT
#include "core/providers/libvirt_priv.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fx {
    char *dir;
    struct config *cfg;
    struct provider *p;
};

static struct config *load_cfg(const char *dir, const char *body, struct rt_error *err)
{
    char *path = xasprintf("%s/config.yaml", dir);
    FILE *f = fopen(path, "w");
    struct config *cfg;

    assert_non_null(f);
    fputs(body, f);
    fclose(f);
    cfg = config_load(path, err);
    free(path);
    return cfg;
}

static int setup(void **state)
{
    struct fx *fx = xcalloc(1, sizeof *fx);
    struct rt_error err = {0};
    char *node = fixture_path("libvirt/node.xml");
    char *body = xasprintf("timeout: 10s\n"
                           "providers:\n"
                           "  - name: kvm\n"
                           "    type: libvirt\n"
                           "    uris:\n"
                           "      - test:///default\n"
                           "      - test://%s\n"
                           "      - {uri: \"test:///nonexistent/racktop/missing.xml\", name: gone}\n"
                           "    flavors:\n"
                           "      - {name: big, vcpus: 3, ram_mb: 6144, disk_gb: 40}\n",
                           node);
    struct prov_env env = {0};

    fx->dir = make_tmpdir();
    fx->cfg = load_cfg(fx->dir, body, &err);
    assert_non_null(fx->cfg);
    env.timeout_s = 10;
    assert_non_null(provider_type_find("libvirt"));
    fx->p = provider_new(provider_type_find("libvirt"), "kvm", &env);
    if (provider_open(fx->p, &fx->cfg->providers[0], &err) < 0)
        fail_msg("open: %s", err.msg);
    free(node);
    free(body);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    provider_free(fx->p);
    config_free(fx->cfg);
    rm_rf(fx->dir);
    free(fx->dir);
    free(fx);
    return 0;
}

static const struct resource *find(const struct res_list *l, const char *name)
{
    for (size_t i = 0; i < l->len; i++) {
        if (strcmp(l->items[i]->name, name) == 0)
            return l->items[i];
    }
    return NULL;
}

static void list(struct fx *fx, enum res_kind k, struct res_list *l)
{
    struct rt_error err = {0};

    res_list_init(l);
    if (provider_list(fx->p, k, l, &err) < 0)
        fail_msg("list %s: %s", res_kind_plural(k), err.msg);
}

/* Run an action and follow its task to the end; returns the final state. */
static enum task_state act(struct fx *fx, enum res_kind k, const char *verb, const char *target,
                           const char *kv1, const char *kv2, char *msg, size_t msglen)
{
    struct params prm = {0};
    struct rt_error err = {0};
    struct act_request req = {0};
    struct task_progress tp;
    char *ref = NULL;
    int64_t until = rt_mono_ms() + 20000;

    if (kv1 != NULL)
        assert_int_equal(params_parse_kv(&prm, kv1, &err), 0);
    if (kv2 != NULL)
        assert_int_equal(params_parse_kv(&prm, kv2, &err), 0);
    req.action = action_find(k, verb);
    assert_non_null(req.action);
    assert_int_equal(action_validate(req.action, &prm, &err), 0);
    req.target_id = target;
    req.target_name = target;
    req.params = &prm;
    if (provider_act(fx->p, &req, &ref, &err) < 0) {
        snprintf(msg, msglen, "%s", err.msg);
        params_done(&prm);
        return TASK_FAILED;
    }
    assert_non_null(ref);
    for (;;) {
        assert_int_equal(provider_task_poll(fx->p, ref, &tp, &err), 0);
        if (tp.state != TASK_RUNNING && tp.state != TASK_PENDING)
            break;
        assert_true(rt_mono_ms() < until);
        usleep(50000);
    }
    snprintf(msg, msglen, "%s", tp.message);
    free(ref);
    params_done(&prm);
    return tp.state;
}

static void test_hosts(void **state)
{
    struct fx *fx = *state;
    struct res_list l;
    const struct resource *h;

    list(fx, RES_KIND_HOST, &l);
    assert_int_equal(l.len, 3);
    h = find(&l, "node");
    assert_non_null(h);
    assert_int_equal(h->status, RES_STATUS_ACTIVE);
    assert_string_equal(res_get(h, "type"), "hypervisor");
    assert_int_equal(res_get_int(h, "vcpus", 0), 16);
    assert_int_equal(res_get_int(h, "mem_mb", 0), 32768);
    assert_int_equal(res_get_int(h, "instances", 0), 3);
    assert_int_equal(res_get_int(h, "vcpus_used", 0), 2); /* web-1 running, batch-1 paused */
    assert_non_null(res_get(h, "mem_pct"));
    assert_non_null(h->raw);
    h = find(&l, "default");
    assert_non_null(h);
    assert_int_equal(h->status, RES_STATUS_ACTIVE);
    /* The broken URI is a host row in ERROR with the reason; it blocked nobody. */
    h = find(&l, "gone");
    assert_non_null(h);
    assert_int_equal(h->status, RES_STATUS_ERROR);
    assert_string_equal(res_get(h, "health"), "Critical");
    assert_non_null(strstr(res_get(h, "last_error"), "missing.xml"));
    res_list_done(&l);
}

static void test_instances(void **state)
{
    struct fx *fx = *state;
    struct res_list l;
    const struct resource *r;

    list(fx, RES_KIND_INSTANCE, &l);
    r = find(&l, "web-1");
    assert_non_null(r);
    assert_string_equal(r->id, "node/11111111-1111-4111-8111-111111111111");
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    assert_string_equal(res_get(r, "host"), "node");
    assert_string_equal(res_get(r, "zone"), "node");
    assert_string_equal(res_get(r, "type"), "vm");
    assert_string_equal(res_get(r, "power_state"), "running");
    assert_string_equal(res_get(r, "vm_state"), "active");
    assert_string_equal(res_get(r, "flavor"), "m1.small");
    assert_int_equal(res_get_int(r, "vcpus", 0), 1);
    assert_int_equal(res_get_int(r, "ram_mb", 0), 2048);
    assert_true(res_json_list_has(res_get(r, "volumes"),
                                  "node//var/lib/libvirt/images/web-1.qcow2"));
    assert_non_null(res_get(r, "addresses"));
    assert_non_null(strstr(r->raw, "\"persistent\":true"));
    r = find(&l, "db-1");
    assert_non_null(r);
    assert_int_equal(r->status, RES_STATUS_SHUTOFF);
    assert_string_equal(res_get(r, "flavor"), "m1.medium");
    assert_true(res_json_list_has(res_get(r, "volumes"),
                                  "node//var/lib/libvirt/images/db-1-data.qcow2"));
    r = find(&l, "batch-1");
    assert_non_null(r);
    assert_int_equal(r->status, RES_STATUS_PAUSED);
    assert_string_equal(res_get(r, "power_state"), "paused");
    /* test:///default's own domain is there too, under its host. */
    r = find(&l, "test");
    assert_non_null(r);
    assert_string_equal(res_get(r, "host"), "default");
    assert_non_null(strstr(r->raw_status, "running"));
    res_list_done(&l);
}

static void test_volumes_images_flavors(void **state)
{
    struct fx *fx = *state;
    struct res_list l;
    const struct resource *r;

    list(fx, RES_KIND_VOLUME, &l);
    r = find(&l, "db-1-data.qcow2");
    assert_non_null(r);
    assert_string_equal(r->id, "node//var/lib/libvirt/images/db-1-data.qcow2");
    assert_string_equal(res_get(r, "attached_to"), "node/22222222-2222-4222-8222-222222222222");
    assert_string_equal(res_get(r, "device"), "vdb");
    assert_int_equal(res_get_int(r, "size_gb", 0), 100);
    assert_string_equal(res_get(r, "volume_type"), "default");
    r = find(&l, "spare.qcow2");
    assert_non_null(r);
    assert_null(res_get(r, "attached_to"));
    assert_null(find(&l, "debian-12.qcow2")); /* images are not volumes */
    res_list_done(&l);

    list(fx, RES_KIND_IMAGE, &l);
    r = find(&l, "debian-12.qcow2");
    assert_non_null(r);
    assert_string_equal(r->id, "node//var/lib/libvirt/base/debian-12.qcow2");
    assert_string_equal(res_get(r, "disk_format"), "qcow2");
    assert_int_equal(res_get_int(r, "min_disk_gb", 0), 2);
    res_list_done(&l);

    list(fx, RES_KIND_FLAVOR, &l);
    assert_int_equal(l.len, 6);
    r = find(&l, "big");
    assert_non_null(r);
    assert_int_equal(res_get_int(r, "vcpus", 0), 3);
    assert_non_null(find(&l, "m1.tiny"));
    res_list_done(&l);

    /* The test driver has no nwfilter driver: no security groups are offered. */
    assert_int_equal(provider_kinds(fx->p) & RT_KIND_BIT(RES_KIND_SECGROUP), 0);
    assert_false(provider_can(fx->p, action_find(RES_KIND_SECGROUP, "add-rule")));
    assert_true(provider_can(fx->p, action_find(RES_KIND_INSTANCE, "clone")));
}

static void test_get(void **state)
{
    struct fx *fx = *state;
    struct resource *r = NULL;
    struct rt_error err = {0};

    assert_int_equal(provider_get(fx->p, RES_KIND_INSTANCE,
                                  "node/22222222-2222-4222-8222-222222222222", &r, &err),
                     0);
    assert_string_equal(r->name, "db-1");
    res_free(r);
    assert_int_equal(provider_get(fx->p, RES_KIND_INSTANCE,
                                  "node/99999999-2222-4222-8222-222222222222", &r, &err),
                     -1);
    assert_int_equal(err.code, RT_ERR_NOT_FOUND);
    assert_int_equal(provider_get(fx->p, RES_KIND_INSTANCE, "nohost/x", &r, &err), -1);
    assert_int_equal(err.code, RT_ERR_NOT_FOUND);
    assert_int_equal(provider_get(fx->p, RES_KIND_INSTANCE, "gone/x", &r, &err), -1);
    assert_int_equal(err.code, RT_ERR_TRANSPORT);
    assert_non_null(strstr(err.msg, "unreachable"));
}

static const struct resource *inst(struct fx *fx, struct res_list *l, const char *name)
{
    list(fx, RES_KIND_INSTANCE, l);
    return find(l, name);
}

static void test_lifecycle(void **state)
{
    struct fx *fx = *state;
    const char *web = "node/11111111-1111-4111-8111-111111111111";
    const char *batch = "node/33333333-3333-4333-8333-333333333333";
    struct res_list l;
    char msg[256];

    assert_int_equal(act(fx, RES_KIND_INSTANCE, "stop", web, NULL, NULL, msg, sizeof msg),
                     TASK_SUCCEEDED);
    assert_int_equal(inst(fx, &l, "web-1")->status, RES_STATUS_SHUTOFF);
    res_list_done(&l);
    /* A second stop is refused with libvirt's words. */
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "stop", web, NULL, NULL, msg, sizeof msg),
                     TASK_FAILED);
    assert_non_null(strstr(msg, "not running"));
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "start", web, NULL, NULL, msg, sizeof msg),
                     TASK_SUCCEEDED);
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "suspend", web, NULL, NULL, msg, sizeof msg),
                     TASK_SUCCEEDED);
    assert_int_equal(inst(fx, &l, "web-1")->status, RES_STATUS_PAUSED);
    res_list_done(&l);
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "resume", web, NULL, NULL, msg, sizeof msg),
                     TASK_SUCCEEDED);
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "reboot", web, NULL, NULL, msg, sizeof msg),
                     TASK_SUCCEEDED);
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "hard-reboot", web, NULL, NULL, msg, sizeof msg),
                     TASK_SUCCEEDED);
    assert_int_equal(inst(fx, &l, "web-1")->status, RES_STATUS_ACTIVE);
    res_list_done(&l);
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "force-off", batch, NULL, NULL, msg, sizeof msg),
                     TASK_SUCCEEDED);
    assert_int_equal(inst(fx, &l, "batch-1")->status, RES_STATUS_SHUTOFF);
    res_list_done(&l);
    /* Resize of a shut-off VM applies at next start. */
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "resize", batch, "flavor=big", NULL, msg,
                         sizeof msg),
                     TASK_SUCCEEDED);
    assert_non_null(strstr(msg, "next start"));
    {
        const struct resource *r = inst(fx, &l, "batch-1");
        assert_int_equal(res_get_int(r, "vcpus", 0), 3);
        assert_int_equal(res_get_int(r, "ram_mb", 0), 6144);
        assert_string_equal(res_get(r, "flavor"), "big");
        res_list_done(&l);
    }
    /* Live resize of a running VM within its maximum. */
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "resize", web, "flavor=m1.tiny", NULL, msg,
                         sizeof msg),
                     TASK_SUCCEEDED);
    assert_non_null(strstr(msg, "live"));
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "resize", web, "flavor=nope", NULL, msg,
                         sizeof msg),
                     TASK_FAILED);
    assert_non_null(strstr(msg, "no flavor 'nope'"));
}

static void test_snapshots(void **state)
{
    struct fx *fx = *state;
    const char *db = "node/22222222-2222-4222-8222-222222222222";
    struct res_list l;
    const struct resource *s;
    char msg[256];

    assert_int_equal(act(fx, RES_KIND_INSTANCE, "snapshot", db, "name=before", NULL, msg,
                         sizeof msg),
                     TASK_SUCCEEDED);
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "start", db, NULL, NULL, msg, sizeof msg),
                     TASK_SUCCEEDED);
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "snapshot", db, "name=after", NULL, msg,
                         sizeof msg),
                     TASK_SUCCEEDED);
    list(fx, RES_KIND_SNAPSHOT, &l);
    s = find(&l, "after");
    assert_non_null(s);
    assert_string_equal(s->id, "node/22222222-2222-4222-8222-222222222222/after");
    assert_string_equal(res_get(s, "source"), db);
    assert_string_equal(res_get(s, "source_kind"), "instance");
    assert_non_null(strstr(res_get(s, "description"), "parent: before")); /* the tree */
    assert_non_null(strstr(s->raw_status, "current"));
    assert_non_null(res_get(s, "created_at"));
    res_list_done(&l);
    /* Revert to the shut-off snapshot: the domain is shut off again. */
    assert_int_equal(act(fx, RES_KIND_SNAPSHOT, "restore",
                         "node/22222222-2222-4222-8222-222222222222/before", NULL, NULL, msg,
                         sizeof msg),
                     TASK_SUCCEEDED);
    assert_int_equal(inst(fx, &l, "db-1")->status, RES_STATUS_SHUTOFF);
    res_list_done(&l);
    assert_int_equal(act(fx, RES_KIND_SNAPSHOT, "delete",
                         "node/22222222-2222-4222-8222-222222222222/after", NULL, NULL, msg,
                         sizeof msg),
                     TASK_SUCCEEDED);
    list(fx, RES_KIND_SNAPSHOT, &l);
    assert_null(find(&l, "after"));
    assert_non_null(find(&l, "before"));
    res_list_done(&l);
}

static void test_create_clone_delete(void **state)
{
    struct fx *fx = *state;
    struct res_list l;
    const struct resource *r;
    char msg[256], *id, *vol;

    assert_int_equal(act(fx, RES_KIND_INSTANCE, "create", "app-1", "flavor=m1.tiny",
                         "image=debian-12.qcow2", msg, sizeof msg),
                     TASK_SUCCEEDED);
    assert_non_null(strstr(msg, "backed by /var/lib/libvirt/base/debian-12.qcow2"));
    r = inst(fx, &l, "app-1");
    assert_non_null(r);
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    assert_string_equal(res_get(r, "host"), "node");
    assert_string_equal(res_get(r, "image"), "debian-12.qcow2"); /* qcow2 backing file */
    assert_string_equal(res_get(r, "flavor"), "m1.tiny");
    id = xstrdup(r->id);
    res_list_done(&l);
    /* The new disk is a copy-on-write overlay in the default pool. */
    list(fx, RES_KIND_VOLUME, &l);
    r = find(&l, "app-1.qcow2");
    assert_non_null(r);
    assert_string_equal(res_get(r, "source"), "debian-12.qcow2");
    assert_string_equal(res_get(r, "attached_to"), id);
    res_list_done(&l);
    /* Same name again: refused. */
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "create", "app-1", "flavor=m1.tiny",
                         "image=debian-12.qcow2", msg, sizeof msg),
                     TASK_FAILED);
    assert_non_null(strstr(msg, "already exists"));
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "create", "app-2", "flavor=m1.tiny",
                         "image=nosuch.qcow2", msg, sizeof msg),
                     TASK_FAILED);
    assert_non_null(strstr(msg, "nosuch.qcow2"));

    /* Clone needs it shut off. */
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "clone", id, "name=app-1-copy", NULL, msg,
                         sizeof msg),
                     TASK_FAILED);
    assert_non_null(strstr(msg, "shut off"));
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "force-off", id, NULL, NULL, msg, sizeof msg),
                     TASK_SUCCEEDED);
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "clone", id, "name=app-1-copy", NULL, msg,
                         sizeof msg),
                     TASK_SUCCEEDED);
    assert_non_null(strstr(msg, "1 disk copied"));
    r = inst(fx, &l, "app-1-copy");
    assert_non_null(r);
    assert_int_equal(r->status, RES_STATUS_SHUTOFF);
    assert_string_not_equal(r->id, id);
    {
        char *cid = xstrdup(r->id);
        res_list_done(&l);
        list(fx, RES_KIND_VOLUME, &l);
        r = find(&l, "app-1-copy.qcow2");
        assert_non_null(r);
        vol = xstrdup(r->id);
        res_list_done(&l);
        /* Delete the clone with its storage. */
        assert_int_equal(act(fx, RES_KIND_INSTANCE, "delete", cid, "storage=true", NULL, msg,
                             sizeof msg),
                         TASK_SUCCEEDED);
        assert_non_null(strstr(msg, "with its disks"));
        free(cid);
    }
    assert_null(inst(fx, &l, "app-1-copy"));
    res_list_done(&l);
    list(fx, RES_KIND_VOLUME, &l);
    assert_null(find(&l, "app-1-copy.qcow2"));
    assert_non_null(find(&l, "app-1.qcow2"));
    res_list_done(&l);
    /* Delete without storage keeps the disk. */
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "delete", id, NULL, NULL, msg, sizeof msg),
                     TASK_SUCCEEDED);
    assert_non_null(strstr(msg, "kept"));
    list(fx, RES_KIND_VOLUME, &l);
    assert_non_null(find(&l, "app-1.qcow2"));
    res_list_done(&l);
    free(id);
    free(vol);
}

static void test_volumes_actions(void **state)
{
    struct fx *fx = *state;
    struct res_list l;
    char msg[256];

    assert_int_equal(act(fx, RES_KIND_VOLUME, "create", "scratch", "size_gb=3", "zone=node", msg,
                         sizeof msg),
                     TASK_SUCCEEDED);
    list(fx, RES_KIND_VOLUME, &l);
    assert_non_null(find(&l, "scratch.qcow2"));
    assert_int_equal(res_get_int(find(&l, "scratch.qcow2"), "size_gb", 0), 3);
    res_list_done(&l);
    /* The test driver cannot resize or hot-plug: libvirt's answer is passed on. */
    assert_int_equal(act(fx, RES_KIND_VOLUME, "extend",
                         "node//var/lib/libvirt/images/scratch.qcow2", "size_gb=5", NULL, msg,
                         sizeof msg),
                     TASK_FAILED);
    assert_non_null(strstr(msg, "not supported"));
    assert_int_equal(act(fx, RES_KIND_VOLUME, "attach",
                         "node//var/lib/libvirt/images/scratch.qcow2",
                         "instance=node/11111111-1111-4111-8111-111111111111", NULL, msg,
                         sizeof msg),
                     TASK_FAILED);
    assert_non_null(strstr(msg, "not supported"));
    assert_int_equal(act(fx, RES_KIND_VOLUME, "attach",
                         "node//var/lib/libvirt/images/scratch.qcow2",
                         "instance=default/6695eb01-f6a4-8304-79aa-97f2502e193f", NULL, msg,
                         sizeof msg),
                     TASK_FAILED);
    assert_non_null(strstr(msg, "on host 'default'"));
    /* A bare instance name (what the command line passes) is looked up on the volume's host. */
    assert_int_equal(act(fx, RES_KIND_VOLUME, "attach",
                         "node//var/lib/libvirt/images/scratch.qcow2", "instance=web-1", NULL, msg,
                         sizeof msg),
                     TASK_FAILED);
    assert_non_null(strstr(msg, "not supported"));
    assert_int_equal(act(fx, RES_KIND_VOLUME, "attach",
                         "node//var/lib/libvirt/images/scratch.qcow2", "instance=nosuch", NULL,
                         msg, sizeof msg),
                     TASK_FAILED);
    assert_non_null(strstr(msg, "find domain"));
    assert_int_equal(act(fx, RES_KIND_VOLUME, "delete",
                         "node//var/lib/libvirt/images/scratch.qcow2", NULL, NULL, msg,
                         sizeof msg),
                     TASK_SUCCEEDED);
    list(fx, RES_KIND_VOLUME, &l);
    assert_null(find(&l, "scratch.qcow2"));
    res_list_done(&l);
}

static void test_migrate(void **state)
{
    struct fx *fx = *state;
    const char *db = "node/22222222-2222-4222-8222-222222222222";
    struct res_list l;
    const struct resource *r;
    char msg[256];

    /* The test driver has no migration: the live migration task fails with its reason. */
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "live-migrate",
                         "node/11111111-1111-4111-8111-111111111111", "host=default", NULL, msg,
                         sizeof msg),
                     TASK_FAILED);
    assert_non_null(strstr(msg, "not supported"));
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "migrate", db, "host=gone", NULL, msg, sizeof msg),
                     TASK_FAILED);
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "migrate", db, "host=nohost", NULL, msg,
                         sizeof msg),
                     TASK_FAILED);
    assert_non_null(strstr(msg, "no libvirt host 'nohost'"));
    /* Cold migration of a shut-off domain moves its definition. */
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "migrate", db, "host=default", NULL, msg,
                         sizeof msg),
                     TASK_SUCCEEDED);
    r = inst(fx, &l, "db-1");
    assert_non_null(r);
    assert_string_equal(res_get(r, "host"), "default");
    assert_string_equal(r->id, "default/22222222-2222-4222-8222-222222222222");
    res_list_done(&l);
    /* A running one is refused: use live-migrate. */
    assert_int_equal(act(fx, RES_KIND_INSTANCE, "migrate",
                         "node/11111111-1111-4111-8111-111111111111", "host=default", NULL, msg,
                         sizeof msg),
                     TASK_FAILED);
    assert_non_null(strstr(msg, "shut off"));
}

static void test_metrics(void **state)
{
    struct fx *fx = *state;
    struct metric_list m = {0};
    struct rt_error err = {0};
    int cpu_node = 0, mem_node = 0;

    assert_int_equal(provider_metrics(fx->p, 0, &m, &err), 0);
    metric_list_done(&m);
    usleep(20000);
    assert_int_equal(provider_metrics(fx->p, 0, &m, &err), 0);
    for (size_t i = 0; i < m.len; i++) {
        if (strcmp(m.items[i].host, "node") == 0) {
            cpu_node |= strcmp(m.items[i].metric, "cpu_pct") == 0;
            mem_node |= strcmp(m.items[i].metric, "mem_pct") == 0;
            if (strcmp(m.items[i].metric, "mem_pct") == 0)
                assert_true(m.items[i].value > 0 && m.items[i].value <= 100);
        }
        assert_string_not_equal(m.items[i].host, "gone");
    }
    assert_true(cpu_node);
    assert_true(mem_node);
    metric_list_done(&m);
}

static void test_bad_config(void **state)
{
    char *dir = make_tmpdir();
    struct rt_error err = {0};
    struct config *cfg;
    struct provider *p;
    struct prov_env env = {0};
    static const struct {
        const char *body, *want;
    } cases[] = {
        {"providers:\n  - name: k\n    type: libvirt\n", "'uris' must be a non-empty list"},
        {"providers:\n  - name: k\n    type: libvirt\n    uris: [nonsense]\n",
         "is not a libvirt URI"},
        {"providers:\n  - name: k\n    type: libvirt\n    uris: [test:///default]\n    urls: x\n",
         "unknown key 'urls'"},
        {"providers:\n  - name: k\n    type: libvirt\n    uris: [test:///default, "
         "test:///default]\n",
         "both called host 'default'"},
        {"providers:\n  - name: k\n    type: libvirt\n    uris: [test:///default]\n"
         "    flavors: [{name: x, vcpus: many, ram_mb: 1}]\n",
         "'vcpus' must be a positive whole number"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cfg = load_cfg(dir, cases[i].body, &err);
        assert_non_null(cfg);
        p = provider_new(provider_type_find("libvirt"), "k", &env);
        rt_err_clear(&err);
        assert_int_equal(provider_open(p, &cfg->providers[0], &err), -1);
        if (strstr(err.msg, cases[i].want) == NULL)
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].want);
        assert_non_null(strstr(err.msg, "config.yaml:")); /* file:line */
        provider_free(p);
        config_free(cfg);
    }
    rm_rf(dir);
    free(dir);
}

#ifdef WITH_LIBVIRT
/* A host's I/O rate: computed only between two refreshes to which the same domains
 * reported.  A migrating domain reports no block stats (its job is busy, NOWAIT does not
 * wait for it): its counters leave the sum and come back, which must give neither a drop
 * nor a spike. */
static void test_io_rate_same_domains(void **state)
{
    struct lv_io a = {0};
    double bps = -1;
    const uint64_t both = 0x1111 ^ 0x2222 ^ 2, one = 0x1111 ^ 1;

    (void)state;
    lv_io_update(&a, 1000000, both, 10000, &bps);
    assert_true(bps == -1); /* no baseline yet */
    lv_io_update(&a, 1002000, both, 11000, &bps);
    assert_true(bps == 2000);
    lv_io_update(&a, 500, one, 12000, &bps); /* the second domain left out */
    assert_true(bps == 2000);
    lv_io_update(&a, 1005000, both, 13000, &bps); /* back: a new baseline, no spike */
    assert_true(bps == 2000);
    lv_io_update(&a, 1006000, both, 14000, &bps);
    assert_true(bps == 1000);
    lv_io_update(&a, 1005000, both, 15000, &bps); /* a counter went back (a restart) */
    assert_true(bps == 0);
    lv_io_update(&a, 1007000, both, 15000, &bps); /* no time passed: no rate */
    assert_true(bps == 0);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hosts),
        cmocka_unit_test(test_instances),
        cmocka_unit_test(test_volumes_images_flavors),
        cmocka_unit_test(test_get),
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_snapshots),
        cmocka_unit_test(test_create_clone_delete),
        cmocka_unit_test(test_volumes_actions),
        cmocka_unit_test(test_migrate),
        cmocka_unit_test(test_metrics),
    };
    const struct CMUnitTest solo[] = {
        cmocka_unit_test(test_bad_config),
#ifdef WITH_LIBVIRT
        cmocka_unit_test(test_io_rate_same_domains),
#endif
    };

    if (provider_type_find("libvirt") == NULL) {
        fprintf(stderr, "libvirt provider not built\n");
        return 77;
    }
    return cmocka_run_group_tests(tests, setup, teardown) |
           cmocka_run_group_tests(solo, NULL, NULL);
}
