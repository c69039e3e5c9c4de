/*
 * demo.c - the "demo" provider: an in-process simulated cloud with OpenStack
 * semantics (Nova vm_state/task_state, Ironic provision states, Cinder
 * volume states, Neutron security groups, Glance images), so every pane and
 * action can be tried with nothing else installed.  demo_world.c holds the
 * world itself (generation, persistence, rendering, health).
 *
 * Operations.  act() checks the request against the current state the way
 * the real services do (same error words, RT_ERR_CONFLICT for a refused
 * transition, RT_ERR_NOT_FOUND for unknown names, RT_ERR_ARG for bad values),
 * then records an operation: its targets, its parameters, a start time and a
 * list of phases with durations (base duration / demo_speed, fixed when the
 * operation starts).  The targets are marked busy (their `op` names it) and
 * the first phase is applied at once; act() returns the operation id as the
 * task reference.  State advances by wall-clock time: every entry point
 * (list, get, act, task_poll, metrics) first applies, in time order, every
 * phase boundary that is due, so a world left alone for an hour catches up on
 * the next call, in this process or the next one (operations are persisted).
 *
 * Durations at speed 1: VM build 11 s, bare-metal deploy 75 s (deploying ->
 * wait call-back -> deploying -> active), start/stop 3 s (bare metal 10 s),
 * reboot 5 s, hard reboot 3 s, resize 10 s, cold migrate 10 s, live
 * migration 15 s, evacuate 10 s, rebuild 8 s, snapshot 5 s, image 8 s, host
 * power on/off 10 s, power cycle 15 s, cleaning 15-20 s, volume create 3 s,
 * attach/detach 2 s, extend 3 s, volume snapshot 5 s, revert 4 s, security
 * group changes 1 s, floating IP changes and port delete 1 s, lock/unlock and
 * maintenance 0.3 s.
 *
 * Choices: cold migration behaves like Nova's (the instance lands in
 * VERIFY_RESIZE on the new host and needs confirm-resize or revert-resize);
 * powering a hypervisor off stops its VMs (busy ones go to ERROR); a power
 * cycle restarts the VMs it stopped.  Builds fail deterministically for names
 * starting with "fail-", and for about one in fifty members of a batch
 * (count > 1), chosen by the seed and the name; nothing else fails by chance.
 * Deleting an instance's port is allowed, as in Neutron: the instance loses that
 * interface and its address, and a floating IP on it becomes unassociated.
 *
 * Threading: one provider instance is used by one worker thread at a time
 * (engine guarantee); no global mutable state.
 */
#include "demo_priv.h"

#include "core/action.h"
#include "core/err.h"
#include "core/model.h"
#include "core/provider.h"
#include "core/store.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "core/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEMO_MAX_SIZE 1000000L
#define DEMO_OP_KEEP_MS (24 * 3600 * 1000LL) /* finished operations kept for polling */

struct demo {
    struct dworld *w;
    uint32_t listed;                       /* kinds whose last list() is still current */
    uint64_t listed_token[RES_KIND__COUNT]; /* the world token at that list() */
};

/* ---- phases ------------------------------------------------------------------------- */

struct phase {
    const char *label; /* task_state / provision state / volume status during the phase */
    const char *step;  /* what task_poll reports */
    int ms;            /* duration at speed 1 */
};

static const struct phase ph_vm_build[] = {
    {"scheduling", "scheduling", 1000},
    {"networking", "allocating networks", 2000},
    {"block_device_mapping", "mapping block devices", 2000},
    {"spawning", "spawning", 6000},
};
static const struct phase ph_bm_build[] = {
    {"deploying", "deploying: preparing the node", 10000},
    {"wait call-back", "wait call-back: booting the deploy ramdisk", 25000},
    {"deploying", "deploying: writing image", 30000},
    {"deploying", "deploying: configuring the boot loader", 10000},
};
static const struct phase ph_vm_start[] = {{"powering-on", "powering on", 3000}};
static const struct phase ph_bm_start[] = {{"powering-on", "powering on through the BMC", 10000}};
static const struct phase ph_vm_stop[] = {{"powering-off", "powering off", 3000}};
static const struct phase ph_bm_stop[] = {{"powering-off", "powering off through the BMC", 10000}};
static const struct phase ph_vm_reboot[] = {
    {"reboot_pending", "reboot pending", 1000},
    {"rebooting", "rebooting", 4000},
};
static const struct phase ph_bm_reboot[] = {
    {"reboot_pending", "reboot pending", 1000},
    {"rebooting", "rebooting through the BMC", 9000},
};
static const struct phase ph_hard_reboot[] = {
    {"reboot_pending_hard", "hard reboot pending", 500},
    {"rebooting_hard", "rebooting (hard)", 2500},
};
static const struct phase ph_vm_delete[] = {{"deleting", "deleting", 2000}};
static const struct phase ph_bm_delete[] = {
    {"deleting", "deleting: tearing down the instance", 5000},
    {"cleaning", "cleaning: erasing disks", 15000},
};
static const struct phase ph_rebuild[] = {
    {"rebuilding", "rebuilding", 1000},
    {"rebuild_block_device_mapping", "mapping block devices", 1000},
    {"rebuild_spawning", "spawning", 6000},
};
static const struct phase ph_bm_rebuild[] = {
    {"rebuilding", "rebuilding: tearing down", 5000},
    {"rebuild_spawning", "deploying: writing image", 25000},
};
static const struct phase ph_resize[] = {
    {"resize_prep", "preparing the resize", 1000},
    {"resize_migrating", "copying the disk", 4000},
    {"resize_migrated", "disk copied", 1000},
    {"resize_finish", "finishing the resize", 4000},
};
static const struct phase ph_migrate[] = {
    {"resize_prep", "preparing the migration", 1000},
    {"resize_migrating", "copying the disk", 6000},
    {"resize_migrated", "disk copied", 1000},
    {"resize_finish", "finishing the migration", 2000},
};
static const struct phase ph_confirm[] = {{NULL, "confirming the resize", 1000}};
static const struct phase ph_revert[] = {{"resize_reverting", "reverting the resize", 4000}};
static const struct phase ph_snapshot[] = {
    {"image_snapshot", "taking the snapshot", 1000},
    {"image_pending_upload", "snapshot taken, upload pending", 1000},
    {"image_uploading", "uploading the snapshot", 3000},
};
static const struct phase ph_image[] = {
    {"image_snapshot", "taking the snapshot", 1000},
    {"image_pending_upload", "snapshot taken, upload pending", 1000},
    {"image_uploading", "uploading the image", 6000},
};
static const struct phase ph_live[] = {
    {"migrating", "live migration: preparing the destination", 2000},
    {"migrating", "live migration: copying memory", 11000},
    {"migrating", "live migration: switching over", 2000},
};
static const struct phase ph_evacuate[] = {
    {"rebuilding", "evacuating: rebuilding on the new host", 2000},
    {"rebuild_spawning", "evacuating: spawning", 8000},
};
static const struct phase ph_quick[] = {{NULL, "updating", 300}};
static const struct phase ph_power_on[] = {{"power on", "powering on", 10000}};
static const struct phase ph_power_off[] = {{"power off", "powering off", 10000}};
static const struct phase ph_power_cycle[] = {
    {"power off", "power cycle: powering off", 5000},
    {"power on", "power cycle: powering on", 10000},
};
static const struct phase ph_manage[] = {{"verifying", "verifying: checking the BMC", 5000}};
static const struct phase ph_provide[] = {
    {"cleaning", "cleaning: erasing disks", 5000},
    {"clean wait", "clean wait: waiting for the agent", 10000},
};
static const struct phase ph_vol_create[] = {{"creating", "creating", 3000}};
static const struct phase ph_vol_create_img[] = {
    {"downloading", "downloading the image", 4000},
    {"creating", "creating", 2000},
};
static const struct phase ph_attach[] = {{"attaching", "attaching", 2000}};
static const struct phase ph_detach[] = {{"detaching", "detaching", 2000}};
static const struct phase ph_extend[] = {{"extending", "extending", 3000}};
static const struct phase ph_vol_delete[] = {{"deleting", "deleting", 2000}};
static const struct phase ph_vol_snap[] = {{"creating", "creating the snapshot", 5000}};
static const struct phase ph_revert_vol[] = {{"reverting", "reverting to the snapshot", 4000}};
static const struct phase ph_snap_delete[] = {{"deleting", "deleting", 2000}};
static const struct phase ph_sg[] = {{NULL, "updating the security group", 1000}};
static const struct phase ph_fip[] = {{NULL, "updating the floating IP", 1000}};
static const struct phase ph_port_delete[] = {{NULL, "deleting the port", 1000}};

#define PHS(a) a, (int)(sizeof a / sizeof a[0])

static const struct optype {
    enum res_kind kind;
    const char *verb;
    const char *variant; /* NULL: any */
    const struct phase *ph;
    int nph;
} optypes[] = {
    {RES_KIND_INSTANCE, "create", "bm", PHS(ph_bm_build)},
    {RES_KIND_INSTANCE, "create", NULL, PHS(ph_vm_build)},
    {RES_KIND_INSTANCE, "start", "bm", PHS(ph_bm_start)},
    {RES_KIND_INSTANCE, "start", NULL, PHS(ph_vm_start)},
    {RES_KIND_INSTANCE, "stop", "bm", PHS(ph_bm_stop)},
    {RES_KIND_INSTANCE, "stop", NULL, PHS(ph_vm_stop)},
    {RES_KIND_INSTANCE, "reboot", "bm", PHS(ph_bm_reboot)},
    {RES_KIND_INSTANCE, "reboot", NULL, PHS(ph_vm_reboot)},
    {RES_KIND_INSTANCE, "hard-reboot", NULL, PHS(ph_hard_reboot)},
    {RES_KIND_INSTANCE, "delete", "bm", PHS(ph_bm_delete)},
    {RES_KIND_INSTANCE, "delete", NULL, PHS(ph_vm_delete)},
    {RES_KIND_INSTANCE, "rebuild", "bm", PHS(ph_bm_rebuild)},
    {RES_KIND_INSTANCE, "rebuild", NULL, PHS(ph_rebuild)},
    {RES_KIND_INSTANCE, "resize", NULL, PHS(ph_resize)},
    {RES_KIND_INSTANCE, "confirm-resize", NULL, PHS(ph_confirm)},
    {RES_KIND_INSTANCE, "revert-resize", NULL, PHS(ph_revert)},
    {RES_KIND_INSTANCE, "snapshot", NULL, PHS(ph_snapshot)},
    {RES_KIND_INSTANCE, "image", NULL, PHS(ph_image)},
    {RES_KIND_INSTANCE, "migrate", NULL, PHS(ph_migrate)},
    {RES_KIND_INSTANCE, "live-migrate", NULL, PHS(ph_live)},
    {RES_KIND_INSTANCE, "evacuate", NULL, PHS(ph_evacuate)},
    {RES_KIND_INSTANCE, "lock", NULL, PHS(ph_quick)},
    {RES_KIND_INSTANCE, "unlock", NULL, PHS(ph_quick)},
    {RES_KIND_HOST, "power-on", NULL, PHS(ph_power_on)},
    {RES_KIND_HOST, "power-off", NULL, PHS(ph_power_off)},
    {RES_KIND_HOST, "power-cycle", NULL, PHS(ph_power_cycle)},
    {RES_KIND_HOST, "manage", NULL, PHS(ph_manage)},
    {RES_KIND_HOST, "provide", NULL, PHS(ph_provide)},
    {RES_KIND_HOST, "provision", NULL, PHS(ph_bm_build)},
    {RES_KIND_HOST, "undeploy", NULL, PHS(ph_bm_delete)},
    {RES_KIND_HOST, "maintenance-on", NULL, PHS(ph_quick)},
    {RES_KIND_HOST, "maintenance-off", NULL, PHS(ph_quick)},
    {RES_KIND_VOLUME, "create", "img", PHS(ph_vol_create_img)},
    {RES_KIND_VOLUME, "create", NULL, PHS(ph_vol_create)},
    {RES_KIND_VOLUME, "attach", NULL, PHS(ph_attach)},
    {RES_KIND_VOLUME, "detach", NULL, PHS(ph_detach)},
    {RES_KIND_VOLUME, "extend", NULL, PHS(ph_extend)},
    {RES_KIND_VOLUME, "delete", NULL, PHS(ph_vol_delete)},
    {RES_KIND_VOLUME, "snapshot", NULL, PHS(ph_vol_snap)},
    {RES_KIND_VOLUME, "revert", NULL, PHS(ph_revert_vol)},
    {RES_KIND_SNAPSHOT, "delete", NULL, PHS(ph_snap_delete)},
    {RES_KIND_SNAPSHOT, "restore", "inst", PHS(ph_rebuild)},
    {RES_KIND_SNAPSHOT, "restore", NULL, PHS(ph_revert_vol)},
    {RES_KIND_SECGROUP, "create", NULL, PHS(ph_sg)},
    {RES_KIND_SECGROUP, "delete", NULL, PHS(ph_sg)},
    {RES_KIND_SECGROUP, "add-rule", NULL, PHS(ph_sg)},
    {RES_KIND_SECGROUP, "remove-rule", NULL, PHS(ph_sg)},
    {RES_KIND_SECGROUP, "attach", NULL, PHS(ph_sg)},
    {RES_KIND_SECGROUP, "detach", NULL, PHS(ph_sg)},
    {RES_KIND_FLOATINGIP, "create", NULL, PHS(ph_fip)},
    {RES_KIND_FLOATINGIP, "associate", NULL, PHS(ph_fip)},
    {RES_KIND_FLOATINGIP, "disassociate", NULL, PHS(ph_fip)},
    {RES_KIND_FLOATINGIP, "delete", NULL, PHS(ph_fip)},
    {RES_KIND_PORT, "delete", NULL, PHS(ph_port_delete)},
};

static const struct optype *optype_find(enum res_kind k, const char *verb, const char *variant)
{
    for (size_t i = 0; i < sizeof optypes / sizeof optypes[0]; i++) {
        const struct optype *t = &optypes[i];
        if (t->kind != k || strcmp(t->verb, verb) != 0)
            continue;
        if (t->variant == NULL || (variant != NULL && strcmp(t->variant, variant) == 0))
            return t;
    }
    return NULL;
}

static const struct optype *op_type(const struct dop *op)
{
    const struct optype *t = optype_find(op->kind, op->verb, params_get(&op->prm, "_v"));

    return t != NULL && t->nph == op->nph ? t : NULL;
}

/* ---- operations ------------------------------------------------------------------------ */

int demo_op_find(const struct dworld *w, const char *id)
{
    for (size_t i = 0; id != NULL && i < w->ops.n; i++) {
        if (!w->ops.v[i].gone && strcmp(w->ops.v[i].id, id) == 0)
            return (int)i;
    }
    return -1;
}

static int64_t op_total(const struct dop *op)
{
    int64_t t = 0;

    for (int i = 0; i < op->nph; i++)
        t += op->dur[i];
    return t;
}

static int64_t op_phase_end(const struct dop *op, int k)
{
    int64_t t = op->start_ms;

    for (int i = 0; i <= k && i < op->nph; i++)
        t += op->dur[i];
    return t;
}

int demo_op_progress(const struct dworld *w, const struct dop *op)
{
    int64_t total = op_total(op), el = w->now_ms - op->start_ms;
    int p;

    if (op->state != DOP_RUNNING)
        return 100;
    if (total <= 0)
        return 99;
    p = (int)(el * 100 / total);
    return p < 0 ? 0 : p > 99 ? 99 : p;
}

/* Progress of the operation holding object o busy, or -1. */
static int obj_progress(const struct dworld *w, const struct dobj *o)
{
    int i;

    if (o->op == NULL)
        return -1;
    i = demo_op_find(w, o->op);
    return i >= 0 && w->ops.v[i].state == DOP_RUNNING ? demo_op_progress(w, &w->ops.v[i]) : -1;
}

/* Is the object held by a running operation?  A stale mark is cleared. */
static int obj_busy(struct dworld *w, enum res_kind k, int idx)
{
    struct dobj *o = demo_obj(w, k, idx);
    int i;

    if (o->op == NULL)
        return 0;
    i = demo_op_find(w, o->op);
    if (i >= 0 && w->ops.v[i].state == DOP_RUNNING)
        return 1;
    free(o->op);
    o->op = NULL;
    if (k == RES_KIND_INSTANCE) {
        free(w->insts.v[idx].task);
        w->insts.v[idx].task = NULL;
    }
    demo_dirty(w, k, idx);
    return 0;
}

static void mark_busy(struct dworld *w, enum res_kind k, int idx, const struct dop *op)
{
    struct dobj *o = demo_obj(w, k, idx);

    free(o->op);
    o->op = xstrdup(op->id);
    demo_dirty(w, k, idx);
}

/* Does operation op hold object (k, idx)? */
static int held(struct dworld *w, enum res_kind k, int idx, const struct dop *op)
{
    struct dobj *o;

    if (idx < 0)
        return 0;
    o = demo_obj(w, k, idx);
    return !o->deleted && o->op != NULL && strcmp(o->op, op->id) == 0;
}

static void release(struct dworld *w, enum res_kind k, int idx, const struct dop *op)
{
    struct dobj *o;

    if (!held(w, k, idx, op))
        return;
    o = demo_obj(w, k, idx);
    free(o->op);
    o->op = NULL;
    if (k == RES_KIND_INSTANCE) {
        free(w->insts.v[idx].task);
        w->insts.v[idx].task = NULL;
    }
    demo_dirty(w, k, idx);
}

static int aux(struct dworld *w, const struct dop *op, const char *key, enum res_kind k)
{
    return demo_find_id(w, k, params_get(&op->prm, key));
}

/* Release every object the operation holds: targets, their bare-metal nodes, helpers. */
static void op_release_all(struct dworld *w, const struct dop *op)
{
    static const struct {
        const char *key;
        enum res_kind k;
    } helpers[] = {{"_inst", RES_KIND_INSTANCE},
                   {"_snap", RES_KIND_SNAPSHOT},
                   {"_img", RES_KIND_IMAGE},
                   {"_vol", RES_KIND_VOLUME},
                   {"_node", RES_KIND_HOST}};

    for (int i = 0; i < op->ntgt; i++) {
        int idx = demo_find_id(w, op->kind, op->tgt[i]);
        if (idx >= 0 && op->kind == RES_KIND_INSTANCE && w->insts.v[idx].bm &&
            w->insts.v[idx].host >= 0)
            release(w, RES_KIND_HOST, w->insts.v[idx].host, op);
        release(w, op->kind, idx, op);
    }
    for (size_t i = 0; i < sizeof helpers / sizeof helpers[0]; i++)
        release(w, helpers[i].k, aux(w, op, helpers[i].key, helpers[i].k), op);
}

static void op_end(struct dworld *w, struct dop *op, int ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void op_end(struct dworld *w, struct dop *op, int ok, const char *fmt, ...)
{
    va_list ap;
    char *m = NULL;

    va_start(ap, fmt);
    if (vasprintf(&m, fmt, ap) < 0)
        rt_fatal("out of memory");
    va_end(ap);
    op_release_all(w, op);
    free(op->msg);
    op->msg = m;
    op->state = ok ? DOP_SUCCEEDED : DOP_FAILED;
    op->phase = op->nph;
    op->end_ms = w->now_ms;
    op->dirty = 1;
    w->need_recount = 1;
}

/* A new running operation; the returned pointer is valid until the next op_new. */
static struct dop *op_new(struct dworld *w, enum res_kind k, const char *verb, const char *variant,
                          const struct params *req)
{
    const struct optype *t = optype_find(k, verb, variant);
    struct dop *op;
    char uuid[DEMO_ID_LEN];

    RT_ASSERT(t != NULL);
    w->ops.v = xgrow(w->ops.v, &w->ops.cap, w->ops.n + 1, sizeof *w->ops.v);
    op = &w->ops.v[w->ops.n++];
    memset(op, 0, sizeof *op);
    demo_new_id(w, uuid);
    snprintf(op->id, sizeof op->id, "req-%s", uuid);
    snprintf(op->verb, sizeof op->verb, "%s", verb);
    op->kind = k;
    op->tgt = NULL;
    params_copy(&op->prm, req);
    if (variant != NULL)
        params_set(&op->prm, "_v", variant);
    op->nph = t->nph;
    op->dur = xcalloc((size_t)t->nph, sizeof *op->dur);
    for (int i = 0; i < t->nph; i++)
        op->dur[i] = (int64_t)((double)t->ph[i].ms / w->speed + 0.5);
    op->start_ms = w->now_ms;
    op->state = DOP_RUNNING;
    op->dirty = 1;
    return op;
}

static void op_target(struct dop *op, const char *id)
{
    op->tgt = xrealloc(op->tgt, (size_t)(op->ntgt + 1) * sizeof *op->tgt);
    op->tgt[op->ntgt++] = xstrdup(id);
}

static void set_task(struct dworld *w, int idx, const char *task)
{
    struct dinst *in = &w->insts.v[idx];
    char *c = xstrdup(task);

    free(in->task);
    in->task = c;
    demo_dirty(w, RES_KIND_INSTANCE, idx);
}

static void set_fault(struct dworld *w, int idx, const char *fault)
{
    struct dinst *in = &w->insts.v[idx];
    char *c = xstrdup(fault);

    free(in->fault);
    in->fault = c;
    demo_dirty(w, RES_KIND_INSTANCE, idx);
}

/* ---- look-ups with the backends' error words ------------------------------------------ */

static int find_or_err(struct dworld *w, enum res_kind k, const char *s, struct rt_error *err)
{
    int idx = demo_find(w, k, s);

    if (idx == -2)
        return rt_err_set(err, RT_ERR_CONFLICT, 409,
                          "Multiple %s matches found for '%s', use an ID to be more specific.",
                          res_kind_name(k), s);
    if (idx >= 0)
        return idx;
    switch (k) {
    case RES_KIND_INSTANCE:
        return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "No server with a name or ID of '%s' exists.",
                          s);
    case RES_KIND_HOST:
        return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Node %s could not be found.", s);
    case RES_KIND_VOLUME:
        return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Volume %s could not be found.", s);
    case RES_KIND_SNAPSHOT:
        return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Snapshot %s could not be found.", s);
    case RES_KIND_IMAGE:
        return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Image %s could not be found.", s);
    case RES_KIND_SECGROUP:
        return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Security group %s not found.", s);
    case RES_KIND_FLOATINGIP:
        return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Floating IP %s could not be found.", s);
    default:
        return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "%s '%s' not found", res_kind_name(k), s);
    }
}

static int name_taken(struct dworld *w, enum res_kind k, const char *name, int region)
{
    size_t n = demo_count(w, k);

    for (size_t i = 0; i < n; i++) {
        struct dobj *o = demo_obj(w, k, (int)i);
        if (o->deleted || strcmp(o->name, name) != 0)
            continue;
        if (k == RES_KIND_SECGROUP && region >= 0 && w->sgs.v[i].region != region)
            continue;
        return 1;
    }
    return 0;
}

static int check_name(const char *name, struct rt_error *err)
{
    size_t n = strlen(name);

    if (n == 0 || n > 200)
        return rt_err_set(err, RT_ERR_ARG, 400, "Invalid name '%s': must be 1 to 200 characters",
                          name);
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return rt_err_set(err, RT_ERR_ARG, 400,
                              "Invalid name: control characters are not allowed");
    }
    return 0;
}

/* ---- scheduling ------------------------------------------------------------------------ */

static int host_usable(struct dworld *w, int h)
{
    const struct dhost *hs = &w->hosts.v[h];

    return !hs->o.deleted && hs->power_on && hs->o.op == NULL &&
           !demo_host_in_maint(w, h, w->now_ms / 1000);
}

static int group_host_has_member(struct dworld *w, int g, int h, int self)
{
    for (size_t i = 0; i < w->insts.n; i++) {
        const struct dinst *in = &w->insts.v[i];
        if ((int)i != self && !in->o.deleted && in->sgroup == g && in->host == h)
            return 1;
    }
    return 0;
}

static int group_first_host(struct dworld *w, int g, int self)
{
    for (size_t i = 0; i < w->insts.n; i++) {
        const struct dinst *in = &w->insts.v[i];
        if ((int)i != self && !in->o.deleted && in->sgroup == g && in->host >= 0)
            return in->host;
    }
    return -1;
}

/* The least loaded usable hypervisor for flavor f, honouring the server group of
 * instance `self` (or group g for a new one); exclude: a host to avoid. -1 if none. */
static int schedule_hv(struct dworld *w, int zone, int region, int f, int exclude, int g, int self,
                       const int *avoid, int navoid)
{
    const struct dflavor *fl = &w->flavors[f];
    int best = -1, aff = -1;

    if (w->need_recount)
        demo_world_recount(w);
    if (g >= 0 && strcmp(w->sgroups.v[g].policy, "affinity") == 0)
        aff = group_first_host(w, g, self);
    for (size_t i = 0; i < w->hosts.n; i++) {
        const struct dhost *h = &w->hosts.v[i];
        if (h->bm || (int)i == exclude || !host_usable(w, (int)i))
            continue;
        if (zone >= 0 ? h->zone != zone : w->zones[h->zone].region != region)
            continue;
        if (h->vcpus_used + fl->vcpus > h->vcpus * 4 ||
            (double)h->mem_used + fl->ram_mb > h->mem_mb * 1.5)
            continue;
        if (aff >= 0 && (int)i != aff)
            continue;
        if (g >= 0 && aff < 0 && group_host_has_member(w, g, (int)i, self))
            continue;
        {
            int skip = 0;
            for (int a = 0; a < navoid; a++)
                skip |= avoid[a] == (int)i;
            if (skip)
                continue;
        }
        if (best < 0 || h->ninst < w->hosts.v[best].ninst ||
            (h->ninst == w->hosts.v[best].ninst && h->vcpus_used < w->hosts.v[best].vcpus_used))
            best = (int)i;
    }
    return best;
}

static int schedule_bm(struct dworld *w, int zone, int region, const char *rclass)
{
    if (w->need_recount)
        demo_world_recount(w);
    for (size_t i = 0; i < w->hosts.n; i++) {
        const struct dhost *h = &w->hosts.v[i];
        if (!h->bm || h->o.deleted || h->prov != DPS_AVAILABLE || h->inst != -1 ||
            h->o.op != NULL || demo_host_in_maint(w, (int)i, w->now_ms / 1000))
            continue;
        if (zone >= 0 ? h->zone != zone : w->zones[h->zone].region != region)
            continue;
        if (rclass != NULL && (h->rclass == NULL || strcmp(h->rclass, rclass) != 0))
            continue;
        return (int)i;
    }
    return -1;
}

static void host_take(struct dworld *w, int h, int f, int inst)
{
    struct dhost *hs = &w->hosts.v[h];

    hs->ninst++;
    hs->vcpus_used += w->flavors[f].vcpus;
    hs->mem_used += w->flavors[f].ram_mb;
    if (hs->bm)
        hs->inst = inst;
}

/* ---- effects shared by several operations ------------------------------------------------ */

/* Disassociate every floating IP of instance idx (its port is going away). */
static void fip_unbind(struct dworld *w, int idx)
{
    for (size_t i = 0; i < w->fips.n; i++) {
        struct dfip *f = &w->fips.v[i];
        if (f->o.deleted || f->inst != idx)
            continue;
        f->inst = -1;
        demo_dirty(w, RES_KIND_FLOATINGIP, (int)i);
    }
    if (w->insts.v[idx].fip != 0) {
        w->insts.v[idx].fip = 0;
        demo_dirty(w, RES_KIND_INSTANCE, idx);
    }
}

/* Detach every volume of a deleted instance; boot volumes go with it. */
static void inst_gone(struct dworld *w, int idx)
{
    struct dinst *in = &w->insts.v[idx];

    for (size_t i = 0; i < w->vols.n; i++) {
        struct dvol *v = &w->vols.v[i];
        if (v->o.deleted || v->inst != idx)
            continue;
        v->inst = -1;
        v->dev[0] = '\0';
        if (v->bootable && v->source != NULL && demo_find_id(w, RES_KIND_SNAPSHOT, v->source) < 0 &&
            strcmp(v->o.name + (strlen(v->o.name) > 5 ? strlen(v->o.name) - 5 : 0), "-boot") == 0)
            v->o.deleted = 1; /* delete_on_termination */
        else
            v->st = DVS_AVAILABLE;
        demo_dirty(w, RES_KIND_VOLUME, (int)i);
    }
    fip_unbind(w, idx); /* its port goes with it; the floating IP stays allocated */
    in->o.deleted = 1;
    demo_dirty(w, RES_KIND_INSTANCE, idx);
    w->need_recount = 1;
}

static void inst_state(struct dworld *w, int idx, int vm, int pwr)
{
    w->insts.v[idx].vm = (unsigned char)vm;
    w->insts.v[idx].pwr = (unsigned char)pwr;
    demo_dirty(w, RES_KIND_INSTANCE, idx);
}

/* Power a host on or off, with the consequences for its instances.  `resume` (may be NULL)
 * collects the ids of running VMs that were stopped, comma-separated. */
static void host_power(struct dworld *w, int h, int on, const struct dop *by, struct strbuf *resume)
{
    struct dhost *hs = &w->hosts.v[h];

    hs->power_on = (unsigned char)on;
    demo_dirty(w, RES_KIND_HOST, h);
    for (size_t i = 0; i < w->insts.n; i++) {
        struct dinst *in = &w->insts.v[i];
        if (in->o.deleted || in->host != h)
            continue;
        if (hs->bm) {
            if (on && in->vm == DVM_STOPPED)
                inst_state(w, (int)i, DVM_ACTIVE, DPWR_RUNNING);
            else if (!on && in->vm == DVM_ACTIVE)
                inst_state(w, (int)i, DVM_STOPPED, DPWR_SHUTDOWN);
            continue;
        }
        if (on)
            continue;
        if (in->o.op != NULL && (by == NULL || strcmp(in->o.op, by->id) != 0)) {
            int oi = demo_op_find(w, in->o.op);
            char msg[200];
            snprintf(msg, sizeof msg, "Host %s lost power during the operation", hs->o.name);
            if (oi >= 0 && w->ops.v[oi].state == DOP_RUNNING)
                op_end(w, &w->ops.v[oi], 0, "%s", msg);
            in = &w->insts.v[i];
            if (!in->o.deleted) {
                inst_state(w, (int)i, DVM_ERROR, DPWR_NOSTATE);
                set_fault(w, (int)i, msg);
            }
            continue;
        }
        if (in->pwr == DPWR_RUNNING) {
            if (resume != NULL) {
                if (resume->len > 0)
                    strbuf_addc(resume, ',');
                strbuf_adds(resume, in->o.id);
            }
            inst_state(w, (int)i, in->vm == DVM_ACTIVE ? DVM_STOPPED : in->vm, DPWR_SHUTDOWN);
        }
    }
}

static int build_fails(const struct dworld *w, const struct dinst *in, const struct dop *op)
{
    if (strncmp(in->o.name, "fail-", 5) == 0)
        return 1;
    return op->ntgt > 1 && demo_hash_str(w->seed ^ 0xbad, in->o.name) % 50 == 7;
}

/* ---- phases and completion ---------------------------------------------------------------- */

static void phase_enter(struct dworld *w, struct dop *op, const struct phase *ph, int k)
{
    const char *v = op->verb;
    int ps = demo_enum_from(demo_ps_names, DPS__COUNT, ph->label);

    switch (op->kind) {
    case RES_KIND_INSTANCE:
        for (int i = 0; i < op->ntgt; i++) {
            int idx = demo_find_id(w, RES_KIND_INSTANCE, op->tgt[i]);
            struct dinst *in;
            if (!held(w, RES_KIND_INSTANCE, idx, op))
                continue;
            in = &w->insts.v[idx];
            if (in->bm && (strcmp(v, "create") == 0 || strcmp(v, "delete") == 0)) {
                if (ps > 0 && in->host >= 0) {
                    w->hosts.v[in->host].prov = (unsigned char)ps;
                    demo_dirty(w, RES_KIND_HOST, in->host);
                }
                set_task(w, idx, v[0] == 'c' ? (k == 0 ? "scheduling" : "spawning") : "deleting");
            } else {
                set_task(w, idx, ph->label);
            }
        }
        if (strcmp(v, "image") == 0 && k == 2) {
            int im = aux(w, op, "_img", RES_KIND_IMAGE);
            if (held(w, RES_KIND_IMAGE, im, op)) {
                w->imgs.v[im].st = DIS_SAVING;
                demo_dirty(w, RES_KIND_IMAGE, im);
            }
        }
        break;
    case RES_KIND_HOST: {
        int h = demo_find_id(w, RES_KIND_HOST, op->tgt[0]);
        if (!held(w, RES_KIND_HOST, h, op))
            break;
        if (strcmp(v, "power-cycle") == 0 && k == 1) {
            struct strbuf sb = STRBUF_INIT;
            host_power(w, h, 0, op, &sb);
            params_set(&op->prm, "_resume", sb.buf != NULL ? sb.buf : "");
            strbuf_done(&sb);
            op->dirty = 1;
        } else if (ps > 0 && w->hosts.v[h].bm) {
            w->hosts.v[h].prov = (unsigned char)ps;
            demo_dirty(w, RES_KIND_HOST, h);
        }
        {
            int in = aux(w, op, "_inst", RES_KIND_INSTANCE);
            if (held(w, RES_KIND_INSTANCE, in, op))
                set_task(w, in,
                         strcmp(v, "provision") == 0 ? (k == 0 ? "scheduling" : "spawning")
                                                     : "deleting");
        }
        break;
    }
    case RES_KIND_VOLUME: {
        int vi = demo_find_id(w, RES_KIND_VOLUME, op->tgt[0]);
        int vs = demo_enum_from(demo_vs_names, DVS__COUNT, ph->label);
        if (strcmp(v, "snapshot") != 0 && vs >= 0 && held(w, RES_KIND_VOLUME, vi, op)) {
            w->vols.v[vi].st = (unsigned char)vs;
            demo_dirty(w, RES_KIND_VOLUME, vi);
        }
        if (strcmp(v, "revert") == 0) {
            int s = aux(w, op, "_snap", RES_KIND_SNAPSHOT);
            if (held(w, RES_KIND_SNAPSHOT, s, op)) {
                w->snaps.v[s].st = DSS_RESTORING;
                demo_dirty(w, RES_KIND_SNAPSHOT, s);
            }
        }
        break;
    }
    case RES_KIND_SNAPSHOT: {
        int s = demo_find_id(w, RES_KIND_SNAPSHOT, op->tgt[0]);
        if (!held(w, RES_KIND_SNAPSHOT, s, op))
            break;
        if (strcmp(v, "delete") == 0) {
            w->snaps.v[s].st = DSS_DELETING;
        } else {
            int vi = aux(w, op, "_vol", RES_KIND_VOLUME),
                in = aux(w, op, "_inst", RES_KIND_INSTANCE);
            w->snaps.v[s].st = DSS_RESTORING;
            if (held(w, RES_KIND_VOLUME, vi, op)) {
                w->vols.v[vi].st = DVS_REVERTING;
                demo_dirty(w, RES_KIND_VOLUME, vi);
            }
            if (held(w, RES_KIND_INSTANCE, in, op))
                set_task(w, in, ph->label);
        }
        demo_dirty(w, RES_KIND_SNAPSHOT, s);
        break;
    }
    default:
        break;
    }
}

static void finish_create(struct dworld *w, struct dop *op)
{
    int nfail = 0, nok = 0;
    char first[300] = "", where[64] = "";

    for (int i = 0; i < op->ntgt; i++) {
        int idx = demo_find_id(w, RES_KIND_INSTANCE, op->tgt[i]);
        struct dinst *in;
        if (!held(w, RES_KIND_INSTANCE, idx, op)) {
            nfail++;
            if (first[0] == '\0')
                snprintf(first, sizeof first, "instance %s was deleted during the build",
                         op->tgt[i]);
            continue;
        }
        in = &w->insts.v[idx];
        if (build_fails(w, in, op)) {
            char msg[300];
            nfail++;
            if (in->bm) {
                struct dhost *h = &w->hosts.v[in->host];
                snprintf(msg, sizeof msg,
                         "Build of instance %s aborted: Failed to provision "
                         "instance %s: Failed to deploy. Error: Timeout reached while waiting "
                         "for callback for node %s",
                         in->o.id, in->o.id, h->o.id);
                h->prov = DPS_DEPLOY_FAILED;
                free(h->last_error);
                h->last_error = xstrdup("Timeout reached while waiting for callback for node");
                demo_dirty(w, RES_KIND_HOST, in->host);
            } else {
                snprintf(msg, sizeof msg,
                         "Build of instance %s aborted: Failed to allocate the "
                         "network(s), not rescheduling.",
                         in->o.id);
            }
            inst_state(w, idx, DVM_ERROR, DPWR_NOSTATE);
            set_fault(w, idx, msg);
            if (first[0] == '\0')
                snprintf(first, sizeof first, "%s", msg);
            continue;
        }
        nok++;
        inst_state(w, idx, DVM_ACTIVE, DPWR_RUNNING);
        if (in->bm && in->host >= 0) {
            w->hosts.v[in->host].prov = DPS_ACTIVE;
            w->hosts.v[in->host].power_on = 1;
            demo_dirty(w, RES_KIND_HOST, in->host);
        }
        if (in->host >= 0)
            snprintf(where, sizeof where, "%s", w->hosts.v[in->host].o.name);
    }
    if (nfail > 0)
        op_end(w, op, 0, "%d of %d instance%s failed: %s", nfail, op->ntgt,
               op->ntgt == 1 ? "" : "s", first);
    else if (op->ntgt == 1)
        op_end(w, op, 1, "instance %s is ACTIVE on %s",
               w->insts.v[demo_find_id(w, RES_KIND_INSTANCE, op->tgt[0])].o.name, where);
    else
        op_end(w, op, 1, "%d instances are ACTIVE", nok);
}

static void finish_instance(struct dworld *w, struct dop *op)
{
    const char *v = op->verb;
    int idx = demo_find_id(w, RES_KIND_INSTANCE, op->tgt[0]), h;
    struct dinst *in;
    char name[128];

    if (strcmp(v, "create") == 0) {
        finish_create(w, op);
        return;
    }
    if (!held(w, RES_KIND_INSTANCE, idx, op)) {
        op_end(w, op, 0, "instance %s changed under the operation", op->tgt[0]);
        return;
    }
    in = &w->insts.v[idx];
    snprintf(name, sizeof name, "%s", in->o.name);
    h = aux(w, op, "_host", RES_KIND_HOST);
    w->need_recount = 1;
    if (strcmp(v, "start") == 0 || strcmp(v, "reboot") == 0 || strcmp(v, "hard-reboot") == 0) {
        inst_state(w, idx, DVM_ACTIVE, DPWR_RUNNING);
        if (in->bm && in->host >= 0) {
            w->hosts.v[in->host].power_on = 1;
            demo_dirty(w, RES_KIND_HOST, in->host);
        }
        free(in->fault);
        in->fault = NULL;
        op_end(w, op, 1, v[0] == 's' ? "instance %s is ACTIVE" : "instance %s rebooted", name);
    } else if (strcmp(v, "stop") == 0) {
        inst_state(w, idx, DVM_STOPPED, DPWR_SHUTDOWN);
        if (in->bm && in->host >= 0) {
            w->hosts.v[in->host].power_on = 0;
            demo_dirty(w, RES_KIND_HOST, in->host);
        }
        op_end(w, op, 1, "instance %s is SHUTOFF", name);
    } else if (strcmp(v, "delete") == 0) {
        if (in->bm && in->host >= 0) {
            w->hosts.v[in->host].prov = DPS_AVAILABLE;
            w->hosts.v[in->host].power_on = 0;
            demo_dirty(w, RES_KIND_HOST, in->host);
        }
        op_end(w, op, 1, "instance %s deleted", name);
        inst_gone(w, idx);
    } else if (strcmp(v, "rebuild") == 0 || strcmp(v, "evacuate") == 0) {
        int im = aux(w, op, "_image", RES_KIND_IMAGE);
        if (im >= 0)
            in->image = im;
        if (h >= 0)
            in->host = h;
        free(in->fault);
        in->fault = NULL;
        inst_state(w, idx, DVM_ACTIVE, DPWR_RUNNING);
        if (v[1] == 'e')
            op_end(w, op, 1, "instance %s rebuilt from %s", name,
                   in->image >= 0 ? w->imgs.v[in->image].o.name : "its image");
        else
            op_end(w, op, 1, "instance %s evacuated to %s", name, w->hosts.v[in->host].o.name);
    } else if (strcmp(v, "resize") == 0 || strcmp(v, "migrate") == 0) {
        int f = demo_flavor_find(w, params_get(&op->prm, "_flavor"));
        in->old_flavor = in->flavor;
        in->old_host = in->host;
        if (f >= 0)
            in->flavor = f;
        if (h >= 0)
            in->host = h;
        inst_state(w, idx, DVM_RESIZED, in->pwr);
        op_end(w, op, 1, "instance %s %s on %s: VERIFY_RESIZE, confirm or revert", name,
               v[0] == 'r' ? "resized" : "migrated", w->hosts.v[in->host].o.name);
    } else if (strcmp(v, "confirm-resize") == 0 || strcmp(v, "revert-resize") == 0) {
        if (v[0] == 'r') {
            if (in->old_flavor >= 0)
                in->flavor = in->old_flavor;
            if (in->old_host >= 0)
                in->host = in->old_host;
        }
        in->old_flavor = in->old_host = -1;
        inst_state(w, idx, in->pwr == DPWR_RUNNING ? DVM_ACTIVE : DVM_STOPPED, in->pwr);
        op_end(w, op, 1, "instance %s: resize %s", name, v[0] == 'c' ? "confirmed" : "reverted");
    } else if (strcmp(v, "snapshot") == 0) {
        int s = aux(w, op, "_snap", RES_KIND_SNAPSHOT);
        if (s >= 0) {
            w->snaps.v[s].st = DSS_AVAILABLE;
            demo_dirty(w, RES_KIND_SNAPSHOT, s);
        }
        op_end(w, op, 1, "snapshot %s of %s is available", s >= 0 ? w->snaps.v[s].o.name : "?",
               name);
    } else if (strcmp(v, "image") == 0) {
        int im = aux(w, op, "_img", RES_KIND_IMAGE);
        if (im >= 0) {
            w->imgs.v[im].st = DIS_ACTIVE;
            demo_dirty(w, RES_KIND_IMAGE, im);
        }
        op_end(w, op, 1, "image %s of %s is active", im >= 0 ? w->imgs.v[im].o.name : "?", name);
    } else if (strcmp(v, "live-migrate") == 0) {
        if (h >= 0)
            in->host = h;
        demo_dirty(w, RES_KIND_INSTANCE, idx);
        op_end(w, op, 1, "instance %s live-migrated to %s", name, w->hosts.v[in->host].o.name);
    } else if (strcmp(v, "lock") == 0 || strcmp(v, "unlock") == 0) {
        in->locked = v[0] == 'l';
        demo_dirty(w, RES_KIND_INSTANCE, idx);
        op_end(w, op, 1, "instance %s %s", name, in->locked ? "locked" : "unlocked");
    } else {
        op_end(w, op, 0, "unknown operation '%s'", v);
    }
}

static void finish_host(struct dworld *w, struct dop *op)
{
    const char *v = op->verb;
    int h = demo_find_id(w, RES_KIND_HOST, op->tgt[0]);
    int in = aux(w, op, "_inst", RES_KIND_INSTANCE);
    struct dhost *hs;
    char name[128];

    if (!held(w, RES_KIND_HOST, h, op)) {
        op_end(w, op, 0, "node %s changed under the operation", op->tgt[0]);
        return;
    }
    hs = &w->hosts.v[h];
    snprintf(name, sizeof name, "%s", hs->o.name);
    w->need_recount = 1;
    if (strcmp(v, "power-on") == 0) {
        host_power(w, h, 1, op, NULL);
        op_end(w, op, 1, "host %s is powered on", name);
    } else if (strcmp(v, "power-off") == 0) {
        host_power(w, h, 0, op, NULL);
        op_end(w, op, 1, "host %s is powered off", name);
    } else if (strcmp(v, "power-cycle") == 0) {
        const char *resume = params_get(&op->prm, "_resume");
        char *list = xstrdup(resume != NULL ? resume : ""), *save = NULL;
        int n = 0;
        host_power(w, h, 1, op, NULL);
        for (char *t = strtok_r(list, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
            int i = demo_find_id(w, RES_KIND_INSTANCE, t);
            if (i >= 0 && !w->insts.v[i].o.deleted && w->insts.v[i].host == h &&
                w->insts.v[i].vm == DVM_STOPPED && w->insts.v[i].o.op == NULL) {
                inst_state(w, i, DVM_ACTIVE, DPWR_RUNNING);
                n++;
            }
        }
        free(list);
        op_end(w, op, 1, "host %s power-cycled; %d instance%s restarted", name, n,
               n == 1 ? "" : "s");
    } else if (strcmp(v, "manage") == 0) {
        hs->prov = DPS_MANAGEABLE;
        demo_dirty(w, RES_KIND_HOST, h);
        op_end(w, op, 1, "node %s is manageable", name);
    } else if (strcmp(v, "provide") == 0) {
        hs->prov = DPS_AVAILABLE;
        hs->power_on = 0;
        free(hs->last_error);
        hs->last_error = NULL;
        demo_dirty(w, RES_KIND_HOST, h);
        op_end(w, op, 1, "node %s is available", name);
    } else if (strcmp(v, "provision") == 0) {
        if (!held(w, RES_KIND_INSTANCE, in, op)) {
            hs->prov = DPS_DEPLOY_FAILED;
            demo_dirty(w, RES_KIND_HOST, h);
            op_end(w, op, 0, "deploy of node %s aborted: its instance was deleted", name);
        } else if (build_fails(w, &w->insts.v[in], op)) {
            hs->prov = DPS_DEPLOY_FAILED;
            free(hs->last_error);
            hs->last_error = xstrdup("Timeout reached while waiting for callback for node");
            demo_dirty(w, RES_KIND_HOST, h);
            inst_state(w, in, DVM_ERROR, DPWR_NOSTATE);
            set_fault(w, in,
                      "Failed to provision instance: Failed to deploy. Error: Timeout "
                      "reached while waiting for callback");
            op_end(w, op, 0,
                   "Failed to deploy node %s. Error: Timeout reached while waiting "
                   "for callback",
                   name);
        } else {
            hs->prov = DPS_ACTIVE;
            hs->power_on = 1;
            demo_dirty(w, RES_KIND_HOST, h);
            inst_state(w, in, DVM_ACTIVE, DPWR_RUNNING);
            op_end(w, op, 1, "node %s is active; instance %s deployed", name,
                   w->insts.v[in].o.name);
        }
    } else if (strcmp(v, "undeploy") == 0) {
        hs->prov = DPS_AVAILABLE;
        hs->power_on = 0;
        demo_dirty(w, RES_KIND_HOST, h);
        op_end(w, op, 1, "node %s is available", name);
        if (in >= 0 && !w->insts.v[in].o.deleted)
            inst_gone(w, in);
    } else if (strcmp(v, "maintenance-on") == 0) {
        const char *reason = params_get(&op->prm, "reason");
        hs->maint = 1;
        free(hs->maint_reason);
        hs->maint_reason = xstrdup(reason != NULL ? reason : "set by the operator");
        demo_dirty(w, RES_KIND_HOST, h);
        op_end(w, op, 1, "host %s is in maintenance", name);
    } else if (strcmp(v, "maintenance-off") == 0) {
        hs->maint = 0;
        free(hs->maint_reason);
        hs->maint_reason = NULL;
        hs->maint_ack_win = demo_fault_window(w->now_ms / 1000);
        demo_dirty(w, RES_KIND_HOST, h);
        op_end(w, op, 1, "host %s is out of maintenance", name);
    } else {
        op_end(w, op, 0, "unknown operation '%s'", v);
    }
}

static void finish_volume(struct dworld *w, struct dop *op)
{
    const char *v = op->verb;
    int vi = demo_find_id(w, RES_KIND_VOLUME, op->tgt[0]);
    struct dvol *vo;
    char name[128];

    if (strcmp(v, "snapshot") == 0) {
        int s = aux(w, op, "_snap", RES_KIND_SNAPSHOT);
        if (!held(w, RES_KIND_SNAPSHOT, s, op)) {
            op_end(w, op, 0, "snapshot of volume %s was deleted", op->tgt[0]);
            return;
        }
        w->snaps.v[s].st = DSS_AVAILABLE;
        demo_dirty(w, RES_KIND_SNAPSHOT, s);
        op_end(w, op, 1, "snapshot %s is available", w->snaps.v[s].o.name);
        return;
    }
    if (!held(w, RES_KIND_VOLUME, vi, op)) {
        op_end(w, op, 0, "volume %s changed under the operation", op->tgt[0]);
        return;
    }
    vo = &w->vols.v[vi];
    snprintf(name, sizeof name, "%s", vo->o.name);
    demo_dirty(w, RES_KIND_VOLUME, vi);
    if (strcmp(v, "create") == 0) {
        vo->st = DVS_AVAILABLE;
        op_end(w, op, 1, "volume %s is available (%d GiB)", name, vo->size_gb);
    } else if (strcmp(v, "attach") == 0) {
        int in = aux(w, op, "_inst", RES_KIND_INSTANCE);
        if (in < 0 || w->insts.v[in].o.deleted) {
            vo->st = DVS_AVAILABLE;
            vo->dev[0] = '\0';
            op_end(w, op, 0, "attach of volume %s failed: the instance is gone", name);
            return;
        }
        vo->st = DVS_IN_USE;
        vo->inst = in;
        demo_dirty(w, RES_KIND_INSTANCE, in);
        op_end(w, op, 1, "volume %s attached to %s as %s", name, w->insts.v[in].o.name, vo->dev);
    } else if (strcmp(v, "detach") == 0) {
        int in = vo->inst;
        vo->st = DVS_AVAILABLE;
        vo->inst = -1;
        vo->dev[0] = '\0';
        if (in >= 0)
            demo_dirty(w, RES_KIND_INSTANCE, in);
        op_end(w, op, 1, "volume %s detached", name);
    } else if (strcmp(v, "extend") == 0) {
        vo->size_gb = (int)params_get_int(&op->prm, "size_gb", vo->size_gb);
        vo->st = vo->inst >= 0 ? DVS_IN_USE : DVS_AVAILABLE;
        op_end(w, op, 1, "volume %s extended to %d GiB", name, vo->size_gb);
    } else if (strcmp(v, "delete") == 0) {
        op_end(w, op, 1, "volume %s deleted", name);
        vo->o.deleted = 1;
    } else if (strcmp(v, "revert") == 0) {
        int s = aux(w, op, "_snap", RES_KIND_SNAPSHOT);
        if (s >= 0) {
            w->snaps.v[s].st = DSS_AVAILABLE;
            demo_dirty(w, RES_KIND_SNAPSHOT, s);
        }
        vo->st = DVS_AVAILABLE;
        op_end(w, op, 1, "volume %s reverted to snapshot %s", name,
               s >= 0 ? w->snaps.v[s].o.name : "?");
    } else {
        op_end(w, op, 0, "unknown operation '%s'", v);
    }
}

static void finish_snapshot(struct dworld *w, struct dop *op)
{
    int s = demo_find_id(w, RES_KIND_SNAPSHOT, op->tgt[0]);
    struct dsnap *sn;
    char name[128];

    if (!held(w, RES_KIND_SNAPSHOT, s, op)) {
        op_end(w, op, 0, "snapshot %s changed under the operation", op->tgt[0]);
        return;
    }
    sn = &w->snaps.v[s];
    snprintf(name, sizeof name, "%s", sn->o.name);
    demo_dirty(w, RES_KIND_SNAPSHOT, s);
    if (strcmp(op->verb, "delete") == 0) {
        op_end(w, op, 1, "snapshot %s deleted", name);
        sn->o.deleted = 1;
        return;
    }
    sn->st = DSS_AVAILABLE;
    {
        int vi = aux(w, op, "_vol", RES_KIND_VOLUME), in = aux(w, op, "_inst", RES_KIND_INSTANCE);
        if (held(w, RES_KIND_VOLUME, vi, op)) {
            w->vols.v[vi].st = w->vols.v[vi].inst >= 0 ? DVS_IN_USE : DVS_AVAILABLE;
            demo_dirty(w, RES_KIND_VOLUME, vi);
            op_end(w, op, 1, "volume %s restored from snapshot %s", w->vols.v[vi].o.name, name);
        } else if (held(w, RES_KIND_INSTANCE, in, op)) {
            inst_state(w, in, DVM_ACTIVE, DPWR_RUNNING);
            op_end(w, op, 1, "instance %s restored from snapshot %s", w->insts.v[in].o.name, name);
        } else {
            op_end(w, op, 0, "the source of snapshot %s changed under the operation", name);
        }
    }
}

static void finish_secgroup(struct dworld *w, struct dop *op)
{
    const char *v = op->verb;
    int g = demo_find_id(w, RES_KIND_SECGROUP, op->tgt[0]);
    struct dsg *sg;
    char name[128];

    if (g < 0 || w->sgs.v[g].o.deleted) {
        op_end(w, op, 0, "Security group %s does not exist", op->tgt[0]);
        return;
    }
    sg = &w->sgs.v[g];
    snprintf(name, sizeof name, "%s", sg->o.name);
    demo_dirty(w, RES_KIND_SECGROUP, g);
    if (strcmp(v, "create") == 0) {
        op_end(w, op, 1, "security group %s created", name);
    } else if (strcmp(v, "delete") == 0) {
        op_end(w, op, 1, "security group %s deleted", name);
        sg->o.deleted = 1;
    } else if (strcmp(v, "add-rule") == 0) {
        struct drule ru;
        size_t cap = (size_t)sg->caprules;
        const char *rid = params_get(&op->prm, "_rule"), *remote = params_get(&op->prm, "remote");
        const char *port = params_get(&op->prm, "port"), *eth = params_get(&op->prm, "ethertype");
        memset(&ru, 0, sizeof ru);
        snprintf(ru.id, sizeof ru.id, "%s", rid != NULL ? rid : "");
        ru.egress = strcmp(params_get(&op->prm, "direction"), "egress") == 0;
        ru.proto =
            (unsigned char)demo_enum_from(demo_proto_names, 4, params_get(&op->prm, "protocol"));
        ru.v6 =
            eth != NULL ? strcmp(eth, "IPv6") == 0 : remote != NULL && strchr(remote, ':') != NULL;
        if (port != NULL)
            param_parse_port(port, &ru.pmin, &ru.pmax);
        snprintf(ru.remote, sizeof ru.remote, "%s", remote != NULL ? remote : "");
        sg->rules = xgrow(sg->rules, &cap, (size_t)sg->nrules + 1, sizeof *sg->rules);
        sg->caprules = (int)cap;
        sg->rules[sg->nrules++] = ru;
        sg->revision++;
        op_end(w, op, 1, "rule %s added to security group %s", ru.id, name);
    } else if (strcmp(v, "remove-rule") == 0) {
        const char *rid = params_get(&op->prm, "rule");
        int found = 0;
        for (int i = 0; i < sg->nrules; i++) {
            if (!found && strcmp(sg->rules[i].id, rid) == 0) {
                found = 1;
                continue;
            }
            sg->rules[i - found] = sg->rules[i];
        }
        sg->nrules -= found;
        sg->revision++;
        if (found)
            op_end(w, op, 1, "rule %s removed from security group %s", rid, name);
        else
            op_end(w, op, 0, "Security group rule %s does not exist", rid);
    } else if (strcmp(v, "attach") == 0 || strcmp(v, "detach") == 0) {
        int in = aux(w, op, "_inst", RES_KIND_INSTANCE), pos = -1;
        struct dinst *ip;
        if (in < 0 || w->insts.v[in].o.deleted) {
            op_end(w, op, 0, "the instance is gone");
            return;
        }
        ip = &w->insts.v[in];
        for (int i = 0; i < ip->nsg; i++) {
            if (ip->sg[i] == g)
                pos = i;
        }
        if (v[0] == 'a' && pos < 0 && ip->nsg < DEMO_MAX_SG)
            ip->sg[ip->nsg++] = g;
        if (v[0] == 'd' && pos >= 0) {
            memmove(&ip->sg[pos], &ip->sg[pos + 1], (size_t)(ip->nsg - pos - 1) * sizeof ip->sg[0]);
            ip->nsg--;
        }
        demo_dirty(w, RES_KIND_INSTANCE, in);
        op_end(w, op, 1, "security group %s %s instance %s", name,
               v[0] == 'a' ? "added to" : "removed from", ip->o.name);
    } else {
        op_end(w, op, 0, "unknown operation '%s'", v);
    }
}

static void fmt_ip4(uint32_t a, char *buf, size_t len)
{
    snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* Take floating IP fx off its instance (the instance's address list follows). */
static void fip_detach(struct dworld *w, int fx)
{
    struct dfip *f = &w->fips.v[fx];

    if (f->inst >= 0 && (size_t)f->inst < w->insts.n && w->insts.v[f->inst].fip == f->addr) {
        w->insts.v[f->inst].fip = 0;
        demo_dirty(w, RES_KIND_INSTANCE, f->inst);
    }
    f->inst = -1;
    demo_dirty(w, RES_KIND_FLOATINGIP, fx);
}

static void finish_fip(struct dworld *w, struct dop *op)
{
    const char *v = op->verb;
    int fx = demo_find_id(w, RES_KIND_FLOATINGIP, op->tgt[0]);
    struct dfip *f;
    char addr[64], port[DEMO_ID_LEN];

    if (fx < 0 || w->fips.v[fx].o.deleted) {
        op_end(w, op, 0, "Floating IP %s could not be found.", op->tgt[0]);
        return;
    }
    f = &w->fips.v[fx];
    snprintf(addr, sizeof addr, "%s", f->o.name);
    demo_dirty(w, RES_KIND_FLOATINGIP, fx);
    if (strcmp(v, "create") == 0) {
        char net[64];
        demo_ext_net_name(w, f->region, net, sizeof net);
        op_end(w, op, 1, "floating IP %s allocated from %s", addr, net);
    } else if (strcmp(v, "associate") == 0) {
        int in = aux(w, op, "_inst", RES_KIND_INSTANCE), other;
        if (!demo_has_port(w, in)) {
            op_end(w, op, 0,
                   "the instance or its port went away before floating IP %s was "
                   "associated",
                   addr);
            return;
        }
        other = demo_fip_of(w, in);
        if (other >= 0 && other != fx) {
            op_end(w, op, 0, "instance %s got floating IP %s in the meantime",
                   w->insts.v[in].o.name, w->fips.v[other].o.name);
            return;
        }
        fip_detach(w, fx);
        f->inst = in;
        w->insts.v[in].fip = f->addr;
        demo_dirty(w, RES_KIND_INSTANCE, in);
        demo_port_id(w, in, port);
        op_end(w, op, 1, "floating IP %s associated with instance %s (port %s)", addr,
               w->insts.v[in].o.name, port);
    } else if (strcmp(v, "disassociate") == 0) {
        fip_detach(w, fx);
        op_end(w, op, 1, "floating IP %s disassociated", addr);
    } else if (strcmp(v, "delete") == 0) {
        fip_detach(w, fx);
        op_end(w, op, 1, "floating IP %s released", addr);
        w->fips.v[fx].o.deleted = 1;
    } else {
        op_end(w, op, 0, "unknown operation '%s'", v);
    }
}

/* Neutron deletes a compute port on request; Nova then drops the interface. */
static void finish_port(struct dworld *w, struct dop *op)
{
    int in = aux(w, op, "_inst", RES_KIND_INSTANCE);
    char pid[DEMO_ID_LEN], ip[20];

    if (demo_has_port(w, in))
        demo_port_id(w, in, pid);
    if (!demo_has_port(w, in) || strcmp(pid, op->tgt[0]) != 0) {
        op_end(w, op, 0, "Port %s could not be found.", op->tgt[0]);
        return;
    }
    fmt_ip4(w->insts.v[in].ip, ip, sizeof ip);
    fip_unbind(w, in);
    w->insts.v[in].ip = 0;
    demo_dirty(w, RES_KIND_INSTANCE, in);
    op_end(w, op, 1, "port %s deleted: instance %s lost its interface %s", pid,
           w->insts.v[in].o.name, ip);
}

/* Enter phase k of operation opi (k == nph: complete it). */
static void op_step(struct dworld *w, int opi, int k)
{
    struct dop *op = &w->ops.v[opi];
    const struct optype *t = op_type(op);

    if (t == NULL) {
        op_end(w, op, 0, "operation '%s' cannot be resumed by this version", op->verb);
        return;
    }
    if (k < op->nph) {
        phase_enter(w, op, &t->ph[k], k);
        return;
    }
    switch (op->kind) {
    case RES_KIND_INSTANCE:
        finish_instance(w, op);
        break;
    case RES_KIND_HOST:
        finish_host(w, op);
        break;
    case RES_KIND_VOLUME:
        finish_volume(w, op);
        break;
    case RES_KIND_SNAPSHOT:
        finish_snapshot(w, op);
        break;
    case RES_KIND_SECGROUP:
        finish_secgroup(w, op);
        break;
    case RES_KIND_FLOATINGIP:
        finish_fip(w, op);
        break;
    case RES_KIND_PORT:
        finish_port(w, op);
        break;
    default:
        op_end(w, op, 0, "operation on a '%s' cannot run", res_kind_name(op->kind));
        break;
    }
}

/* Apply, in time order, every phase boundary due by `now`. */
static void advance(struct dworld *w, int64_t now)
{
    for (;;) {
        int best = -1;
        int64_t bt = 0;
        for (size_t i = 0; i < w->ops.n; i++) {
            const struct dop *op = &w->ops.v[i];
            int64_t t;
            if (op->gone || op->state != DOP_RUNNING)
                continue;
            t = op_phase_end(op, op->phase);
            if (t <= now && (best < 0 || t < bt)) {
                best = (int)i;
                bt = t;
            }
        }
        if (best < 0)
            break;
        if (bt > w->now_ms)
            w->now_ms = bt;
        w->ops.v[best].phase++;
        w->ops.v[best].dirty = 1;
        op_step(w, best, w->ops.v[best].phase);
    }
    if (now > w->now_ms)
        w->now_ms = now;
    if (w->need_recount)
        demo_world_recount(w);
}

/* ---- actions: instances ----------------------------------------------------------------- */

static const char *nova_verb(const char *verb)
{
    static const char *const map[][2] = {
        {"hard-reboot", "reboot"},         {"confirm-resize", "confirmResize"},
        {"revert-resize", "revertResize"}, {"snapshot", "createImage"},
        {"image", "createImage"},          {"live-migrate", "os-migrateLive"},
        {"attach", "attach_volume"},       {"detach", "detach_volume"},
    };

    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(map[i][0], verb) == 0)
            return map[i][1];
    }
    return verb;
}

#define VMB(s) (1u << (s))
static unsigned allowed_vm_states(const char *verb)
{
    static const struct {
        const char *verb;
        unsigned mask;
    } t[] = {
        {"start", VMB(DVM_STOPPED)},
        {"stop", VMB(DVM_ACTIVE) | VMB(DVM_ERROR)},
        {"reboot", VMB(DVM_ACTIVE)},
        {"hard-reboot", VMB(DVM_ACTIVE) | VMB(DVM_STOPPED) | VMB(DVM_ERROR)},
        {"rebuild", VMB(DVM_ACTIVE) | VMB(DVM_STOPPED) | VMB(DVM_ERROR)},
        {"resize", VMB(DVM_ACTIVE) | VMB(DVM_STOPPED)},
        {"confirm-resize", VMB(DVM_RESIZED)},
        {"revert-resize", VMB(DVM_RESIZED)},
        {"snapshot", VMB(DVM_ACTIVE) | VMB(DVM_STOPPED)},
        {"image", VMB(DVM_ACTIVE) | VMB(DVM_STOPPED)},
        {"migrate", VMB(DVM_ACTIVE) | VMB(DVM_STOPPED)},
        {"live-migrate", VMB(DVM_ACTIVE)},
        {"evacuate", VMB(DVM_ACTIVE) | VMB(DVM_STOPPED) | VMB(DVM_ERROR)},
    };

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (strcmp(t[i].verb, verb) == 0)
            return t[i].mask;
    }
    return ~0u; /* delete, lock, unlock */
}

static int inst_create(struct dworld *w, const struct act_request *req, struct rt_error *err)
{
    const struct params *pr = req->params;
    const char *base = req->target_id, *type = params_get(pr, "type"), *s;
    int f, img, bm, zone = -1, region = -1, kp = -1, g = -1, nsg = 0;
    int sgs[DEMO_MAX_SG] = {0};
    long long count = params_get_int(pr, "count", 1);
    int *hosts = NULL, opi = -1;
    char **names = NULL;
    struct dop *op;

    if (check_name(base, err) < 0)
        return -1;
    f = demo_flavor_find(w, params_get(pr, "flavor"));
    if (f < 0)
        return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Flavor %s could not be found.",
                          params_get(pr, "flavor"));
    img = find_or_err(w, RES_KIND_IMAGE, params_get(pr, "image"), err);
    if (img < 0)
        return -1;
    if (w->imgs.v[img].st != DIS_ACTIVE)
        return rt_err_set(err, RT_ERR_CONFLICT, 409, "Image %s is not active.",
                          w->imgs.v[img].o.id);
    bm = w->flavors[f].bm;
    if (type != NULL && (strcmp(type, "baremetal") == 0) != bm)
        return rt_err_set(err, RT_ERR_ARG, 400, "Flavor '%s' is for %s instances, not type=%s",
                          w->flavors[f].name, bm ? "baremetal" : "vm", type);
    if (w->flavors[f].disk_gb < w->imgs.v[img].min_disk)
        return rt_err_set(err, RT_ERR_ARG, 400,
                          "Flavor's disk is too small for requested image. Flavor disk is %d "
                          "GiB, minimum disk is %d GiB.",
                          w->flavors[f].disk_gb, w->imgs.v[img].min_disk);
    if ((s = params_get(pr, "zone")) != NULL && (zone = demo_zone_find(w, s)) < 0)
        return rt_err_set(err, RT_ERR_NOT_FOUND, 404,
                          "The requested availability zone '%s' is not available", s);
    if ((s = params_get(pr, "region")) != NULL) {
        if ((region = demo_region_find(w, s)) < 0)
            return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Region '%s' could not be found.", s);
        if (zone >= 0 && w->zones[zone].region != region)
            return rt_err_set(err, RT_ERR_ARG, 400, "Availability zone '%s' is not in region '%s'",
                              w->zones[zone].name, s);
    }
    if (region < 0)
        region = zone >= 0 ? w->zones[zone].region : 0;
    {
        char *list =
            xstrdup(params_get(pr, "secgroups") != NULL ? params_get(pr, "secgroups") : "default");
        char *save = NULL;
        int bad = 0;
        for (char *t = strtok_r(list, ", ", &save); t != NULL && !bad;
             t = strtok_r(NULL, ", ", &save)) {
            int sg = demo_sg_find(w, t, region);
            if (sg < 0)
                bad = rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Security group %s not found.", t);
            else if (nsg >= DEMO_MAX_SG)
                bad = rt_err_set(err, RT_ERR_ARG, 400, "at most %d security groups", DEMO_MAX_SG);
            else
                sgs[nsg++] = sg;
        }
        free(list);
        if (bad)
            return -1;
    }
    if ((s = params_get(pr, "keypair")) != NULL && (kp = demo_keypair_find(w, s)) < 0)
        return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Keypair %s not found.", s);
    if ((s = params_get(pr, "server_group")) != NULL) {
        g = demo_srvgroup_find(w, s, region);
        if (g < 0 || w->sgroups.v[g].region != region)
            return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Instance group %s could not be found.",
                              s);
    }
    if (count < 1 || count > 100)
        return rt_err_set(err, RT_ERR_ARG, 400, "count must be between 1 and 100 (got %lld)",
                          count);
    names = xcalloc((size_t)count, sizeof *names);
    hosts = xcalloc((size_t)count, sizeof *hosts);
    for (long long i = 0; i < count; i++) {
        names[i] = count == 1 ? xstrdup(base) : xasprintf("%s-%lld", base, i + 1);
        if (name_taken(w, RES_KIND_INSTANCE, names[i], -1)) {
            rt_err_set(err, RT_ERR_CONFLICT, 409, "An instance named '%s' already exists",
                       names[i]);
            goto out;
        }
    }
    /* place them all first, so that a failure leaves nothing behind */
    if (w->need_recount)
        demo_world_recount(w);
    for (long long i = 0; i < count; i++) {
        int anti = g >= 0 && strcmp(w->sgroups.v[g].policy, "anti-affinity") == 0;
        int h = bm ? schedule_bm(w, zone, region, w->flavors[f].rclass)
                   : schedule_hv(w, zone, region, f, -1, g, -1, anti ? hosts : NULL, (int)i);
        if (h < 0) {
            demo_world_recount(w);
            rt_err_set(err, RT_ERR_CONFLICT, 409,
                       "No valid host was found. There are not enough hosts available.");
            goto out;
        }
        hosts[i] = h;
        host_take(w, h, f, -2); /* -2: taken by this batch (recount restores -1 or the id) */
    }
    op = op_new(w, RES_KIND_INSTANCE, "create", bm ? "bm" : NULL, pr);
    opi = (int)w->ops.n - 1;
    for (long long i = 0; i < count; i++) {
        char id[DEMO_ID_LEN];
        int idx;
        struct dinst *in;
        demo_new_id(w, id);
        idx = demo_add(w, RES_KIND_INSTANCE, id, names[i]);
        in = &w->insts.v[idx];
        in->o.created = 1;
        in->o.created_at = w->now_ms / 1000;
        in->bm = (unsigned char)bm;
        in->zone = w->hosts.v[hosts[i]].zone;
        in->host = hosts[i];
        in->flavor = f;
        in->image = img;
        in->keypair = kp;
        in->sgroup = g;
        in->nsg = nsg;
        memcpy(in->sg, sgs, sizeof sgs);
        in->ip =
            (10u << 24) | ((uint32_t)in->zone << 18) | (0x30000u + (uint32_t)(w->counter & 0xffff));
        in->net = xstrdup(params_get(pr, "network"));
        in->vm = DVM_BUILDING;
        in->pwr = DPWR_NOSTATE;
        op = &w->ops.v[opi];
        op_target(op, id);
        mark_busy(w, RES_KIND_INSTANCE, idx, op);
        if (bm)
            mark_busy(w, RES_KIND_HOST, hosts[i], op);
    }
    w->need_recount = 1;
    op_step(w, opi, 0);
out:
    for (long long i = 0; i < count; i++)
        free(names[i]);
    free(names);
    free(hosts);
    return opi;
}

/* A hypervisor to move instance idx to: the named one (checked) or the scheduler's. */
static int pick_dest(struct dworld *w, int idx, const char *want, int f, struct rt_error *err)
{
    const struct dinst *in = &w->insts.v[idx];
    int h, region = w->zones[in->zone].region;

    if (want == NULL) {
        h = schedule_hv(w, -1, region, f, in->host, in->sgroup, idx, NULL, 0);
        if (h < 0)
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "No valid host was found. There are not enough hosts available.");
        return h;
    }
    h = demo_find(w, RES_KIND_HOST, want);
    if (h < 0)
        return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Compute host %s could not be found.", want);
    if (h == in->host)
        return rt_err_set(err, RT_ERR_CONFLICT, 409,
                          "Unable to migrate instance (%s) to current host (%s).", in->o.id,
                          w->hosts.v[h].o.name);
    if (w->hosts.v[h].bm)
        return rt_err_set(err, RT_ERR_CONFLICT, 409,
                          "Host %s is a bare-metal node, not a compute host", w->hosts.v[h].o.name);
    if (!host_usable(w, h))
        return rt_err_set(err, RT_ERR_CONFLICT, 409,
                          "Compute service of %s is unavailable at this time.",
                          w->hosts.v[h].o.name);
    if (w->zones[w->hosts.v[h].zone].region != region)
        return rt_err_set(err, RT_ERR_CONFLICT, 409,
                          "Host %s is in another region than instance %s", w->hosts.v[h].o.name,
                          in->o.id);
    {
        const struct dhost *hs = &w->hosts.v[h];
        const struct dflavor *fl = &w->flavors[f];
        if (hs->vcpus_used + fl->vcpus > hs->vcpus * 4 ||
            (double)hs->mem_used + fl->ram_mb > hs->mem_mb * 1.5)
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "No valid host was found. Host %s does not have enough capacity.",
                              hs->o.name);
    }
    return h;
}

static int act_instance(struct dworld *w, const struct act_request *req, struct rt_error *err)
{
    const char *verb = req->action->verb;
    const struct params *pr = req->params;
    struct params extra = {0};
    int idx, opi, f, img, aux_k = -1, aux_i = -1;
    struct dinst *in;
    struct dop *op;
    const char *variant;

    if (strcmp(verb, "create") == 0)
        return inst_create(w, req, err);
    if ((idx = find_or_err(w, RES_KIND_INSTANCE, req->target_id, err)) < 0)
        return -1;
    in = &w->insts.v[idx];
    if (in->locked && strcmp(verb, "lock") != 0 && strcmp(verb, "unlock") != 0)
        return rt_err_set(err, RT_ERR_CONFLICT, 409, "Instance %s is locked", in->o.id);
    if (obj_busy(w, RES_KIND_INSTANCE, idx)) {
        int oi = demo_op_find(w, in->o.op);
        if (strcmp(verb, "delete") == 0 && in->vm == DVM_BUILDING && oi >= 0) {
            op_end(w, &w->ops.v[oi], 0,
                   "Build of instance %s aborted: the instance was deleted "
                   "during the build",
                   in->o.id);
            in = &w->insts.v[idx];
        } else {
            return rt_err_set(
                err, RT_ERR_CONFLICT, 409, "Cannot '%s' instance %s while it is in task_state %s",
                nova_verb(verb), in->o.id, in->task != NULL ? in->task : w->ops.v[oi].verb);
        }
    }
    if ((allowed_vm_states(verb) & VMB(in->vm)) == 0)
        return rt_err_set(err, RT_ERR_CONFLICT, 409,
                          "Cannot '%s' instance %s while it is in vm_state %s", nova_verb(verb),
                          in->o.id, demo_vm_names[in->vm]);
    if (strcmp(verb, "delete") != 0 && strcmp(verb, "lock") != 0 && strcmp(verb, "unlock") != 0) {
        if (in->host < 0)
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "Cannot '%s' instance %s: it was never scheduled to a host; "
                              "delete it",
                              nova_verb(verb), in->o.id);
        if (!in->bm && !w->hosts.v[in->host].power_on && strcmp(verb, "evacuate") != 0)
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "Compute service of %s is unavailable at this time.",
                              w->hosts.v[in->host].o.name);
    }
    variant = in->bm ? "bm" : NULL;
    if (in->bm && (strcmp(verb, "resize") == 0 || strcmp(verb, "migrate") == 0 ||
                   strcmp(verb, "live-migrate") == 0 || strcmp(verb, "evacuate") == 0))
        return rt_err_set(err, RT_ERR_CONFLICT, 409,
                          "Cannot '%s' instance %s: a bare-metal instance cannot be resized or "
                          "moved to another node",
                          nova_verb(verb), in->o.id);
    if (strcmp(verb, "resize") == 0) {
        f = demo_flavor_find(w, params_get(pr, "flavor"));
        if (f < 0)
            return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Flavor %s could not be found.",
                              params_get(pr, "flavor"));
        if (w->flavors[f].bm)
            return rt_err_set(err, RT_ERR_ARG, 400, "Flavor %s is a bare-metal flavor",
                              w->flavors[f].name);
        if (f == in->flavor)
            return rt_err_set(err, RT_ERR_ARG, 400, "When resizing, instances must change flavor!");
        {
            int h = pick_dest(w, idx, NULL, f, err);
            if (h < 0)
                return -1;
            params_set(&extra, "_host", w->hosts.v[h].o.id);
        }
        params_set(&extra, "_flavor", w->flavors[f].id);
    } else if (strcmp(verb, "migrate") == 0 || strcmp(verb, "live-migrate") == 0 ||
               strcmp(verb, "evacuate") == 0) {
        int h;
        if (strcmp(verb, "evacuate") == 0) {
            if (in->host < 0)
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "Cannot 'evacuate' instance %s: it has no host", in->o.id);
            if (w->hosts.v[in->host].power_on && !demo_host_in_maint(w, in->host, w->now_ms / 1000))
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "Compute service of %s is still in use.",
                                  w->hosts.v[in->host].o.name);
        }
        h = pick_dest(w, idx, params_get(pr, "host"), in->flavor, err);
        if (h < 0)
            return -1;
        params_set(&extra, "_host", w->hosts.v[h].o.id);
    } else if (strcmp(verb, "rebuild") == 0) {
        if (params_get(pr, "image") != NULL) {
            if ((img = find_or_err(w, RES_KIND_IMAGE, params_get(pr, "image"), err)) < 0)
                return -1;
            params_set(&extra, "_image", w->imgs.v[img].o.id);
        }
    } else if (strcmp(verb, "snapshot") == 0 || strcmp(verb, "image") == 0) {
        const char *nm = params_get(pr, "name");
        enum res_kind k = verb[0] == 's' ? RES_KIND_SNAPSHOT : RES_KIND_IMAGE;
        char id[DEMO_ID_LEN];
        if (check_name(nm, err) < 0)
            return -1;
        if (name_taken(w, k, nm, -1))
            return rt_err_set(err, RT_ERR_CONFLICT, 409, "%s named '%s' already exists",
                              k == RES_KIND_IMAGE ? "An image" : "A snapshot", nm);
        demo_new_id(w, id);
        aux_k = k;
        aux_i = demo_add(w, k, id, nm);
        in = &w->insts.v[idx];
        if (k == RES_KIND_SNAPSHOT) {
            struct dsnap *s = &w->snaps.v[aux_i];
            s->st = DSS_CREATING;
            s->src_inst = 1;
            s->size_gb = w->flavors[in->flavor].disk_gb;
            s->region = w->zones[in->zone].region;
            snprintf(s->src, sizeof s->src, "%s", in->o.id);
            s->o.created = 1;
            s->o.created_at = w->now_ms / 1000;
            params_set(&extra, "_snap", id);
        } else {
            struct dimage *im = &w->imgs.v[aux_i];
            im->st = DIS_QUEUED;
            im->priv = 1;
            im->cat = in->image >= 0 ? w->imgs.v[in->image].cat : 0;
            im->min_disk = w->flavors[in->flavor].disk_gb;
            im->size_gb = w->flavors[in->flavor].disk_gb * 0.15;
            im->region = w->zones[in->zone].region;
            snprintf(im->src, sizeof im->src, "%s", in->o.id);
            im->o.created = 1;
            im->o.created_at = w->now_ms / 1000;
            params_set(&extra, "_img", id);
        }
    }
    op = op_new(w, RES_KIND_INSTANCE, verb, variant, pr);
    opi = (int)w->ops.n - 1;
    for (size_t i = 0; i < extra.len; i++)
        params_set(&op->prm, extra.items[i].key, extra.items[i].value);
    params_done(&extra);
    op_target(op, w->insts.v[idx].o.id);
    mark_busy(w, RES_KIND_INSTANCE, idx, op);
    if (w->insts.v[idx].bm && w->insts.v[idx].host >= 0)
        mark_busy(w, RES_KIND_HOST, w->insts.v[idx].host, op);
    if (aux_i >= 0)
        mark_busy(w, (enum res_kind)aux_k, aux_i, op);
    op_step(w, opi, 0);
    return opi;
}

/* ---- actions: hosts ----------------------------------------------------------------------- */

static int ironic_state_err(struct dworld *w, const char *verb, int h, struct rt_error *err)
{
    return rt_err_set(err, RT_ERR_CONFLICT, 409,
                      "The requested action \"%s\" can not be performed on node \"%s\" while it "
                      "is in state \"%s\".",
                      strcmp(verb, "provision") == 0  ? "deploy"
                      : strcmp(verb, "undeploy") == 0 ? "deleted"
                                                      : verb,
                      w->hosts.v[h].o.id, demo_ps_names[w->hosts.v[h].prov]);
}

static int act_host(struct dworld *w, const struct act_request *req, struct rt_error *err)
{
    const char *verb = req->action->verb;
    const struct params *pr = req->params;
    int h, opi, in = -1, ironic;
    struct dhost *hs;
    struct dop *op;
    int64_t now_s = w->now_ms / 1000;

    if ((h = find_or_err(w, RES_KIND_HOST, req->target_id, err)) < 0)
        return -1;
    hs = &w->hosts.v[h];
    ironic = strcmp(verb, "manage") == 0 || strcmp(verb, "provide") == 0 ||
             strcmp(verb, "provision") == 0 || strcmp(verb, "undeploy") == 0;
    if (obj_busy(w, RES_KIND_HOST, h))
        return rt_err_set(err, RT_ERR_CONFLICT, 409,
                          "Node %s is locked by host ironic-conductor-1, please retry after the "
                          "current operation is completed.",
                          hs->o.id);
    if (ironic && !hs->bm)
        return rt_err_set(err, RT_ERR_CONFLICT, 409,
                          "Host %s is a hypervisor: '%s' applies to bare-metal nodes only",
                          hs->o.name, verb);
    if (strcmp(verb, "power-on") == 0 && hs->power_on)
        return rt_err_set(err, RT_ERR_CONFLICT, 409, "Host %s is already powered on", hs->o.name);
    if (strcmp(verb, "power-off") == 0 && !hs->power_on)
        return rt_err_set(err, RT_ERR_CONFLICT, 409, "Host %s is already powered off", hs->o.name);
    if (strcmp(verb, "power-cycle") == 0 && !hs->power_on)
        return rt_err_set(err, RT_ERR_CONFLICT, 409,
                          "Host %s is powered off: power it on instead of cycling it", hs->o.name);
    if (strcmp(verb, "manage") == 0 && hs->prov != DPS_ENROLL && hs->prov != DPS_CLEAN_FAILED &&
        hs->prov != DPS_MANAGEABLE)
        return ironic_state_err(w, verb, h, err);
    if (strcmp(verb, "provide") == 0 && hs->prov != DPS_MANAGEABLE)
        return ironic_state_err(w, verb, h, err);
    if ((strcmp(verb, "provide") == 0 || strcmp(verb, "provision") == 0) &&
        demo_host_in_maint(w, h, now_s))
        return rt_err_set(err, RT_ERR_CONFLICT, 409, "The node %s is in maintenance mode.",
                          hs->o.id);
    if (strcmp(verb, "provision") == 0) {
        const char *nm = params_get(pr, "name");
        char *dflt = NULL;
        int img, f = -1;
        char id[DEMO_ID_LEN];
        struct dinst *ip;
        if (hs->prov != DPS_AVAILABLE)
            return ironic_state_err(w, verb, h, err);
        if ((img = find_or_err(w, RES_KIND_IMAGE, params_get(pr, "image"), err)) < 0)
            return -1;
        for (int i = 0; i < w->nflavors; i++) {
            if (w->flavors[i].bm && hs->rclass != NULL &&
                strcmp(w->flavors[i].rclass, hs->rclass) == 0)
                f = i;
        }
        if (f < 0)
            return rt_err_set(err, RT_ERR_CONFLICT, 409, "No flavor matches resource class %s",
                              hs->rclass != NULL ? hs->rclass : "(none)");
        if (nm == NULL)
            nm = dflt = xasprintf("%s-instance", hs->o.name);
        if (check_name(nm, err) < 0 || name_taken(w, RES_KIND_INSTANCE, nm, -1)) {
            if (err != NULL && err->code != RT_ERR_ARG)
                rt_err_set(err, RT_ERR_CONFLICT, 409, "An instance named '%s' already exists", nm);
            free(dflt);
            return -1;
        }
        demo_new_id(w, id);
        in = demo_add(w, RES_KIND_INSTANCE, id, nm);
        free(dflt);
        hs = &w->hosts.v[h];
        ip = &w->insts.v[in];
        ip->o.created = 1;
        ip->o.created_at = now_s;
        ip->bm = 1;
        ip->zone = hs->zone;
        ip->host = h;
        ip->flavor = f;
        ip->image = img;
        ip->vm = DVM_BUILDING;
        ip->pwr = DPWR_NOSTATE;
        ip->ip =
            (10u << 24) | ((uint32_t)ip->zone << 18) | (0x30000u + (uint32_t)(w->counter & 0xffff));
        {
            int sg = demo_sg_find(w, "default", w->zones[hs->zone].region);
            if (sg >= 0)
                ip->sg[ip->nsg++] = sg;
        }
        w->need_recount = 1;
    }
    if (strcmp(verb, "undeploy") == 0) {
        if (hs->prov != DPS_ACTIVE && hs->prov != DPS_DEPLOY_FAILED)
            return ironic_state_err(w, verb, h, err);
        if (w->need_recount)
            demo_world_recount(w);
        in = w->hosts.v[h].inst;
        if (in >= 0 && obj_busy(w, RES_KIND_INSTANCE, in))
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "Cannot undeploy node %s: instance %s is in task_state %s", hs->o.id,
                              w->insts.v[in].o.id,
                              w->insts.v[in].task != NULL ? w->insts.v[in].task : "busy");
    }
    op = op_new(w, RES_KIND_HOST, verb, NULL, pr);
    opi = (int)w->ops.n - 1;
    op_target(op, w->hosts.v[h].o.id);
    mark_busy(w, RES_KIND_HOST, h, op);
    if (in >= 0) {
        params_set(&op->prm, "_inst", w->insts.v[in].o.id);
        mark_busy(w, RES_KIND_INSTANCE, in, op);
    }
    op_step(w, opi, 0);
    return opi;
}

/* ---- actions: volumes and snapshots --------------------------------------------------------- */

static int next_device(struct dworld *w, int in, char *out, size_t len)
{
    const char *pfx = w->insts.v[in].bm ? "/dev/sd" : "/dev/vd";
    unsigned used = 0;

    for (size_t i = 0; i < w->vols.n; i++) {
        const struct dvol *v = &w->vols.v[i];
        if (!v->o.deleted &&
            (v->inst == in ||
             (v->o.op != NULL && v->st == DVS_ATTACHING && v->inst < 0 && v->dev[0] != '\0')) &&
            strncmp(v->dev, pfx, 7) == 0 && v->dev[7] >= 'a' && v->dev[7] <= 'z')
            used |= 1u << (v->dev[7] - 'a');
    }
    for (int c = 1; c < 26; c++) {
        if ((used & (1u << c)) == 0) {
            snprintf(out, len, "%s%c", pfx, 'a' + c);
            return 0;
        }
    }
    return -1;
}

static int volume_inst_check(struct dworld *w, int in, const char *verb, struct rt_error *err)
{
    const struct dinst *ip = &w->insts.v[in];

    if (ip->locked)
        return rt_err_set(err, RT_ERR_CONFLICT, 409, "Instance %s is locked", ip->o.id);
    if (obj_busy(w, RES_KIND_INSTANCE, in))
        return rt_err_set(err, RT_ERR_CONFLICT, 409,
                          "Cannot '%s' instance %s while it is in task_state %s", nova_verb(verb),
                          ip->o.id, ip->task != NULL ? ip->task : "busy");
    if (ip->vm != DVM_ACTIVE && ip->vm != DVM_STOPPED)
        return rt_err_set(err, RT_ERR_CONFLICT, 409,
                          "Cannot '%s' instance %s while it is in vm_state %s", nova_verb(verb),
                          ip->o.id, demo_vm_names[ip->vm]);
    if (ip->bm && ip->pwr == DPWR_RUNNING)
        return rt_err_set(err, RT_ERR_CONFLICT, 409,
                          "bare-metal instance must be stopped before %s a volume",
                          verb[0] == 'a' ? "attaching" : "detaching");
    return 0;
}

static int latest_snapshot(struct dworld *w, const char *vol_id)
{
    int best = -1;

    for (size_t i = 0; i < w->snaps.n; i++) {
        const struct dsnap *s = &w->snaps.v[i];
        if (s->o.deleted || s->src_inst || strcmp(s->src, vol_id) != 0)
            continue;
        if (best < 0 || s->o.created_at >= w->snaps.v[best].o.created_at)
            best = (int)i;
    }
    return best;
}

static int act_volume(struct dworld *w, const struct act_request *req, struct rt_error *err)
{
    const char *verb = req->action->verb;
    const struct params *pr = req->params;
    int vi, opi, in = -1, snap = -1;
    struct dvol *v;
    struct dop *op;
    const char *variant = NULL;
    char dev[16] = "";

    if (strcmp(verb, "create") == 0) {
        const char *nm = req->target_id, *s;
        long long size = params_get_int(pr, "size_gb", 0);
        int zone = -1, region = -1, vt = 0, img = -1, src = -1;
        char id[DEMO_ID_LEN];
        if (check_name(nm, err) < 0)
            return -1;
        if (name_taken(w, RES_KIND_VOLUME, nm, -1))
            return rt_err_set(err, RT_ERR_CONFLICT, 409, "A volume named '%s' already exists", nm);
        if (size < 1 || size > 65536)
            return rt_err_set(err, RT_ERR_ARG, 400,
                              "Invalid input received: size_gb must be 1 to 65536 (got %lld)",
                              size);
        if ((s = params_get(pr, "zone")) != NULL && (zone = demo_zone_find(w, s)) < 0)
            return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Availability zone '%s' is invalid.", s);
        if ((s = params_get(pr, "region")) != NULL) {
            if ((region = demo_region_find(w, s)) < 0)
                return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Region '%s' could not be found.", s);
            if (zone < 0) {
                for (int z = w->nzones - 1; z >= 0; z--) {
                    if (w->zones[z].region == region)
                        zone = z;
                }
            } else if (w->zones[zone].region != region) {
                return rt_err_set(err, RT_ERR_ARG, 400,
                                  "Availability zone '%s' is not in region '%s'",
                                  w->zones[zone].name, s);
            }
        }
        if (zone < 0)
            zone = 0;
        if ((s = params_get(pr, "volume_type")) != NULL &&
            (vt = demo_enum_from(demo_vtype_names, 3, s)) < 0)
            return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Volume type %s could not be found.", s);
        if (params_get(pr, "image") != NULL && params_get(pr, "snapshot") != NULL)
            return rt_err_set(err, RT_ERR_ARG, 400,
                              "Invalid input received: give image or snapshot, not both");
        if (params_get(pr, "image") != NULL) {
            if ((img = find_or_err(w, RES_KIND_IMAGE, params_get(pr, "image"), err)) < 0)
                return -1;
            if (size < w->imgs.v[img].min_disk)
                return rt_err_set(err, RT_ERR_ARG, 400,
                                  "Invalid input received: Image minDisk size %d is larger than "
                                  "the volume size %lld.",
                                  w->imgs.v[img].min_disk, size);
            variant = "img";
        }
        if (params_get(pr, "snapshot") != NULL) {
            if ((src = find_or_err(w, RES_KIND_SNAPSHOT, params_get(pr, "snapshot"), err)) < 0)
                return -1;
            if (w->snaps.v[src].src_inst || w->snaps.v[src].st != DSS_AVAILABLE)
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "Invalid snapshot: Originating snapshot status must be one of "
                                  "'available' values");
            if (size < w->snaps.v[src].size_gb)
                return rt_err_set(err, RT_ERR_ARG, 400,
                                  "Invalid input received: Volume size '%lld'GB cannot be smaller "
                                  "than the snapshot size %dGB. They must be >= original snapshot "
                                  "size.",
                                  size, w->snaps.v[src].size_gb);
        }
        demo_new_id(w, id);
        vi = demo_add(w, RES_KIND_VOLUME, id, nm);
        v = &w->vols.v[vi];
        v->o.created = 1;
        v->o.created_at = w->now_ms / 1000;
        v->st = DVS_CREATING;
        v->size_gb = (int)size;
        v->zone = zone;
        v->vtype = (unsigned char)vt;
        if (img >= 0) {
            v->bootable = 1;
            v->source = xstrdup(w->imgs.v[img].o.name);
        } else if (src >= 0) {
            v->source = xstrdup(w->snaps.v[src].o.id);
        }
    } else {
        if ((vi = find_or_err(w, RES_KIND_VOLUME, req->target_id, err)) < 0)
            return -1;
        v = &w->vols.v[vi];
        if (obj_busy(w, RES_KIND_VOLUME, vi))
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "Invalid volume: Volume %s status must be available or in-use, but "
                              "current status is: %s.",
                              v->o.id, demo_vs_names[v->st]);
        if (strcmp(verb, "attach") == 0) {
            if ((in = find_or_err(w, RES_KIND_INSTANCE, params_get(pr, "instance"), err)) < 0)
                return -1;
            if (v->st != DVS_AVAILABLE)
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "Invalid volume: Volume status must be available to reserve, "
                                  "but the status is %s.",
                                  demo_vs_names[v->st]);
            if (volume_inst_check(w, in, verb, err) < 0)
                return -1;
            if (w->zones[w->insts.v[in].zone].region != w->zones[v->zone].region)
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "Server and volumes are not in the same region: volume %s is "
                                  "in %s",
                                  v->o.id, w->zones[v->zone].name);
            if (next_device(w, in, dev, sizeof dev) < 0)
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "No free device name left on instance %s", w->insts.v[in].o.id);
        } else if (strcmp(verb, "detach") == 0) {
            if (v->st != DVS_IN_USE || v->inst < 0)
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "Invalid volume: Unable to detach volume. Volume status must be "
                                  "'in-use' and attach_status must be 'attached' to detach.");
            in = v->inst;
            if (v->bootable && (strcmp(v->dev, "/dev/vda") == 0 || strcmp(v->dev, "/dev/sda") == 0))
                return rt_err_set(err, RT_ERR_CONFLICT, 409, "Cannot detach a root device volume");
            if (volume_inst_check(w, in, verb, err) < 0)
                return -1;
            in = -1; /* the instance is not held */
        } else if (strcmp(verb, "extend") == 0) {
            long long size = params_get_int(pr, "size_gb", 0);
            if (v->st != DVS_AVAILABLE && v->st != DVS_IN_USE)
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "Invalid volume: Volume %s status must be available or in-use, "
                                  "but current status is: %s.",
                                  v->o.id, demo_vs_names[v->st]);
            if (size <= v->size_gb)
                return rt_err_set(err, RT_ERR_ARG, 400,
                                  "Invalid input received: New size for extend must be greater "
                                  "than current size. (current: %d, extended: %lld).",
                                  v->size_gb, size);
        } else if (strcmp(verb, "delete") == 0) {
            int nsnap = 0;
            if (v->st != DVS_AVAILABLE && v->st != DVS_ERROR)
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "Invalid volume: Volume status must be available or error or "
                                  "error_restoring or error_extending or error_managing to "
                                  "delete, currently %s.",
                                  demo_vs_names[v->st]);
            for (size_t i = 0; i < w->snaps.n; i++) {
                const struct dsnap *s = &w->snaps.v[i];
                nsnap += !s->o.deleted && !s->src_inst && strcmp(s->src, v->o.id) == 0;
            }
            if (nsnap > 0)
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "Invalid volume: Volume %s still has %d dependent snapshots.",
                                  v->o.id, nsnap);
        } else if (strcmp(verb, "snapshot") == 0) {
            const char *nm = params_get(pr, "name");
            char id[DEMO_ID_LEN];
            struct dsnap *s;
            if (check_name(nm, err) < 0)
                return -1;
            if (v->st != DVS_AVAILABLE && v->st != DVS_IN_USE)
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "Invalid volume: Volume %s status must be available or in-use, "
                                  "but current status is: %s.",
                                  v->o.id, demo_vs_names[v->st]);
            if (name_taken(w, RES_KIND_SNAPSHOT, nm, -1))
                return rt_err_set(err, RT_ERR_CONFLICT, 409, "A snapshot named '%s' already exists",
                                  nm);
            demo_new_id(w, id);
            snap = demo_add(w, RES_KIND_SNAPSHOT, id, nm);
            v = &w->vols.v[vi];
            s = &w->snaps.v[snap];
            s->o.created = 1;
            s->o.created_at = w->now_ms / 1000;
            s->st = DSS_CREATING;
            s->size_gb = v->size_gb;
            s->region = w->zones[v->zone].region;
            snprintf(s->src, sizeof s->src, "%s", v->o.id);
        } else if (strcmp(verb, "revert") == 0) {
            if ((snap = find_or_err(w, RES_KIND_SNAPSHOT, params_get(pr, "snapshot"), err)) < 0)
                return -1;
            if (w->snaps.v[snap].src_inst || strcmp(w->snaps.v[snap].src, v->o.id) != 0)
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "Invalid snapshot: snapshot %s is not a snapshot of volume %s",
                                  w->snaps.v[snap].o.id, v->o.id);
            if (v->st != DVS_AVAILABLE)
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "Invalid volume: Volume %s status must be available, but current "
                                  "status is: %s.",
                                  v->o.id, demo_vs_names[v->st]);
            if (obj_busy(w, RES_KIND_SNAPSHOT, snap) || w->snaps.v[snap].st != DSS_AVAILABLE)
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "Invalid snapshot: Snapshot %s status must be available.",
                                  w->snaps.v[snap].o.id);
            if (latest_snapshot(w, v->o.id) != snap)
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "Invalid snapshot: Volume %s can only be reverted to its latest "
                                  "snapshot.",
                                  v->o.id);
        }
    }
    op = op_new(w, RES_KIND_VOLUME, verb, variant, pr);
    opi = (int)w->ops.n - 1;
    op_target(op, w->vols.v[vi].o.id);
    if (strcmp(verb, "snapshot") != 0)
        mark_busy(w, RES_KIND_VOLUME, vi, op);
    if (in >= 0)
        params_set(&op->prm, "_inst", w->insts.v[in].o.id);
    if (dev[0] != '\0')
        snprintf(w->vols.v[vi].dev, sizeof w->vols.v[vi].dev, "%s", dev);
    if (snap >= 0) {
        params_set(&op->prm, "_snap", w->snaps.v[snap].o.id);
        mark_busy(w, RES_KIND_SNAPSHOT, snap, op);
    }
    op_step(w, opi, 0);
    return opi;
}

static int act_snapshot(struct dworld *w, const struct act_request *req, struct rt_error *err)
{
    const char *verb = req->action->verb;
    int s, opi, vi = -1, in = -1;
    struct dsnap *sn;
    struct dop *op;

    if ((s = find_or_err(w, RES_KIND_SNAPSHOT, req->target_id, err)) < 0)
        return -1;
    sn = &w->snaps.v[s];
    if (obj_busy(w, RES_KIND_SNAPSHOT, s) || (sn->st != DSS_AVAILABLE && sn->st != DSS_ERROR))
        return rt_err_set(err, RT_ERR_CONFLICT, 409,
                          "Invalid snapshot: Snapshot %s status must be available or error, but "
                          "current status is: %s.",
                          sn->o.id, demo_ss_names[sn->st]);
    if (strcmp(verb, "restore") == 0) {
        if (sn->st != DSS_AVAILABLE)
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "Invalid snapshot: Snapshot %s status must be available.", sn->o.id);
        if (sn->src_inst) {
            struct dinst *ip;
            if ((in = demo_find_id(w, RES_KIND_INSTANCE, sn->src)) < 0 || w->insts.v[in].o.deleted)
                return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Instance %s could not be found.",
                                  sn->src);
            ip = &w->insts.v[in];
            if (ip->locked)
                return rt_err_set(err, RT_ERR_CONFLICT, 409, "Instance %s is locked", ip->o.id);
            if (obj_busy(w, RES_KIND_INSTANCE, in))
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "Cannot 'rebuild' instance %s while it is in task_state %s",
                                  ip->o.id, ip->task != NULL ? ip->task : "busy");
            if (ip->vm != DVM_ACTIVE && ip->vm != DVM_STOPPED && ip->vm != DVM_ERROR)
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "Cannot 'rebuild' instance %s while it is in vm_state %s",
                                  ip->o.id, demo_vm_names[ip->vm]);
        } else {
            if ((vi = demo_find_id(w, RES_KIND_VOLUME, sn->src)) < 0 || w->vols.v[vi].o.deleted)
                return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Volume %s could not be found.",
                                  sn->src);
            if (obj_busy(w, RES_KIND_VOLUME, vi) || w->vols.v[vi].st != DVS_AVAILABLE)
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "Invalid volume: Volume %s status must be available, but "
                                  "current status is: %s.",
                                  w->vols.v[vi].o.id, demo_vs_names[w->vols.v[vi].st]);
            if (latest_snapshot(w, sn->src) != s)
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "Invalid snapshot: Volume %s can only be reverted to its latest "
                                  "snapshot.",
                                  sn->src);
        }
    }
    op = op_new(w, RES_KIND_SNAPSHOT, verb, in >= 0 ? "inst" : NULL, req->params);
    opi = (int)w->ops.n - 1;
    op_target(op, w->snaps.v[s].o.id);
    mark_busy(w, RES_KIND_SNAPSHOT, s, op);
    if (vi >= 0) {
        params_set(&op->prm, "_vol", w->vols.v[vi].o.id);
        mark_busy(w, RES_KIND_VOLUME, vi, op);
    }
    if (in >= 0) {
        params_set(&op->prm, "_inst", w->insts.v[in].o.id);
        mark_busy(w, RES_KIND_INSTANCE, in, op);
    }
    op_step(w, opi, 0);
    return opi;
}

/* ---- actions: security groups -----------------------------------------------------------------
 */

static int act_secgroup(struct dworld *w, const struct act_request *req, struct rt_error *err)
{
    const char *verb = req->action->verb;
    const struct params *pr = req->params;
    int g, opi, in = -1;
    struct dsg *sg;
    struct dop *op;
    char rid[DEMO_ID_LEN] = "";

    if (strcmp(verb, "create") == 0) {
        const char *nm = req->target_id, *s = params_get(pr, "region");
        int region = 0;
        char id[DEMO_ID_LEN];
        if (check_name(nm, err) < 0)
            return -1;
        if (s != NULL && (region = demo_region_find(w, s)) < 0)
            return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Region '%s' could not be found.", s);
        if (name_taken(w, RES_KIND_SECGROUP, nm, region))
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "Security group '%s' already exists in region %s", nm,
                              w->regions[region].name);
        demo_new_id(w, id);
        g = demo_add(w, RES_KIND_SECGROUP, id, nm);
        sg = &w->sgs.v[g];
        sg->o.created = 1;
        sg->o.created_at = w->now_ms / 1000;
        sg->region = region;
        sg->revision = 1;
        sg->desc =
            xstrdup(params_get(pr, "description") != NULL ? params_get(pr, "description") : "");
        demo_sg_default_egress(sg, demo_mix(w->seed, w->counter));
    } else {
        if ((g = find_or_err(w, RES_KIND_SECGROUP, req->target_id, err)) < 0)
            return -1;
        sg = &w->sgs.v[g];
        if (obj_busy(w, RES_KIND_SECGROUP, g))
            return rt_err_set(err, RT_ERR_CONFLICT, 409, "Security group %s is being deleted.",
                              sg->o.id);
    }
    if (strcmp(verb, "delete") == 0) {
        if (strcmp(sg->o.name, "default") == 0)
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "Removing default security group not allowed.");
        for (size_t i = 0; i < w->insts.n; i++) {
            const struct dinst *ip = &w->insts.v[i];
            for (int k = 0; !ip->o.deleted && k < ip->nsg; k++) {
                if (ip->sg[k] == g)
                    return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                      "Security Group %s in use (by instance %s).", sg->o.id,
                                      ip->o.name);
            }
        }
    } else if (strcmp(verb, "add-rule") == 0) {
        const char *proto = params_get(pr, "protocol"), *port = params_get(pr, "port");
        const char *remote = params_get(pr, "remote"), *eth = params_get(pr, "ethertype");
        const char *dir = params_get(pr, "direction");
        int lo = 0, hi = 0, v6, p = demo_enum_from(demo_proto_names, 4, proto);
        if (port != NULL && (p == 0 || p == 3))
            return rt_err_set(err, RT_ERR_ARG, 400,
                              "Invalid input: a port range needs protocol tcp or udp (got %s)",
                              proto);
        if (port != NULL && param_parse_port(port, &lo, &hi) < 0)
            return rt_err_set(err, RT_ERR_ARG, 400, "Invalid port range '%s'", port);
        if (lo == 1 && hi == 65535)
            lo = hi = 0;
        v6 = remote != NULL ? strchr(remote, ':') != NULL : eth != NULL && strcmp(eth, "IPv6") == 0;
        if (eth != NULL && (strcmp(eth, "IPv6") == 0) != v6)
            return rt_err_set(err, RT_ERR_ARG, 400, "Conflicting value ethertype %s for CIDR %s",
                              eth, remote);
        for (int i = 0; i < sg->nrules; i++) {
            const struct drule *ru = &sg->rules[i];
            const char *rr = ru->remote;
            if (ru->egress == (strcmp(dir, "egress") == 0) && ru->v6 == v6 && ru->proto == p &&
                ru->pmin == lo && ru->pmax == hi && strcmp(rr, remote != NULL ? remote : "") == 0)
                return rt_err_set(err, RT_ERR_CONFLICT, 409,
                                  "Security group rule already exists. Rule id is %s.", ru->id);
        }
        demo_new_id(w, rid);
    } else if (strcmp(verb, "remove-rule") == 0) {
        const char *r = params_get(pr, "rule");
        int found = 0;
        for (int i = 0; i < sg->nrules; i++)
            found |= strcmp(sg->rules[i].id, r) == 0;
        if (!found)
            return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Security group rule %s does not exist",
                              r);
    } else if (strcmp(verb, "attach") == 0 || strcmp(verb, "detach") == 0) {
        const struct dinst *ip;
        int has = 0;
        if ((in = find_or_err(w, RES_KIND_INSTANCE, params_get(pr, "instance"), err)) < 0)
            return -1;
        ip = &w->insts.v[in];
        if (ip->locked)
            return rt_err_set(err, RT_ERR_CONFLICT, 409, "Instance %s is locked", ip->o.id);
        for (int k = 0; k < ip->nsg; k++)
            has |= ip->sg[k] == g;
        if (verb[0] == 'a' && has)
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "Security group %s is already associated with the instance %s",
                              sg->o.name, ip->o.id);
        if (verb[0] == 'd' && !has)
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "Security group %s not associated with the instance %s", sg->o.name,
                              ip->o.id);
        if (verb[0] == 'a' && sg->region != w->zones[ip->zone].region)
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "Security group %s is in region %s, instance %s in %s", sg->o.name,
                              w->regions[sg->region].name, ip->o.id,
                              w->regions[w->zones[ip->zone].region].name);
        if (verb[0] == 'a' && ip->nsg >= DEMO_MAX_SG)
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "Quota exceeded: at most %d security groups per instance",
                              DEMO_MAX_SG);
    }
    op = op_new(w, RES_KIND_SECGROUP, verb, NULL, pr);
    opi = (int)w->ops.n - 1;
    op_target(op, w->sgs.v[g].o.id);
    if (rid[0] != '\0')
        params_set(&op->prm, "_rule", rid);
    if (in >= 0)
        params_set(&op->prm, "_inst", w->insts.v[in].o.id);
    /* rule and membership changes do not lock the group (Neutron is synchronous) */
    if (strcmp(verb, "create") == 0 || strcmp(verb, "delete") == 0)
        mark_busy(w, RES_KIND_SECGROUP, g, op);
    op_step(w, opi, 0);
    return opi;
}

/* ---- actions: floating IPs and ports ------------------------------------------------------- */

/* Region of the external network (pool) named by id, name ("public-<region>") or region;
 * plain "public" is the first region's, as other creates default to the first region. */
static int ext_net_find(struct dworld *w, const char *s, struct rt_error *err)
{
    char id[DEMO_ID_LEN], name[64], list[256] = "";

    if (s != NULL && strcmp(s, "public") == 0)
        return 0;

    for (int rg = 0; s != NULL && rg < w->nregions; rg++) {
        demo_net_id(w, "public", rg, id);
        demo_ext_net_name(w, rg, name, sizeof name);
        if (strcmp(s, id) == 0 || strcmp(s, name) == 0 || strcmp(s, w->regions[rg].name) == 0)
            return rg;
    }
    for (int rg = 0; s != NULL && rg < w->nregions; rg++) {
        demo_net_id(w, "private", rg, id);
        if (strcmp(s, id) == 0 || strcmp(s, "private") == 0)
            return rt_err_set(err, RT_ERR_ARG, 400,
                              "Bad floatingip request: Network %s is not a valid external "
                              "network.",
                              s);
    }
    for (int rg = 0; rg < w->nregions; rg++) {
        demo_ext_net_name(w, rg, name, sizeof name);
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", rg > 0 ? ", " : "", name);
    }
    return rt_err_set(err, RT_ERR_NOT_FOUND, 404,
                      "Network %s could not be found (external networks: %s).",
                      s != NULL ? s : "(none)", list);
}

static int fip_addr_used(const struct dworld *w, uint32_t a)
{
    for (size_t i = 0; i < w->fips.n; i++) {
        if (!w->fips.v[i].o.deleted && w->fips.v[i].addr == a)
            return 1;
    }
    return 0;
}

/* The pool of region rg is 172.(24+rg).0.0/16, hosts .0.2 to .255.254. */
static uint32_t pool_base(int rg)
{
    return (172u << 24) | ((24u + (uint32_t)rg) << 16);
}

static int fip_new_addr(struct dworld *w, int rg, const char *want, uint32_t *out,
                        struct rt_error *err)
{
    char net[64];
    uint32_t base = pool_base(rg);

    demo_ext_net_name(w, rg, net, sizeof net);
    if (want != NULL) {
        unsigned b[4];
        char tail;
        if (sscanf(want, "%u.%u.%u.%u%c", &b[0], &b[1], &b[2], &b[3], &tail) != 4 || b[0] > 255 ||
            b[1] > 255 || b[2] > 255 || b[3] > 255)
            return rt_err_set(err, RT_ERR_ARG, 400,
                              "Invalid input for floating_ip_address. Reason: '%s' is not a "
                              "valid IP address.",
                              want);
        *out = b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
        if ((*out & 0xffff0000u) != base || (*out & 0xffff) < 2 || (*out & 0xffff) == 0xffff)
            return rt_err_set(err, RT_ERR_ARG, 400,
                              "Bad floatingip request: IP address %s is not in the pool "
                              "172.%u.0.0/16 of network %s.",
                              want, 24u + (unsigned)rg, net);
        if (fip_addr_used(w, *out))
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "Unable to complete operation for network %s. The IP address %s "
                              "is in use.",
                              net, want);
        return 0;
    }
    {
        unsigned char *used = xcalloc(65536 / 8, 1);
        int rc = -1;
        for (size_t i = 0; i < w->fips.n; i++) {
            const struct dfip *f = &w->fips.v[i];
            if (!f->o.deleted && (f->addr & 0xffff0000u) == base)
                used[(f->addr & 0xffff) >> 3] |= (unsigned char)(1u << (f->addr & 7));
        }
        for (uint32_t o = 2; o < 0xffff && rc < 0; o++) {
            if (!(used[o >> 3] & (1u << (o & 7)))) {
                *out = base | o;
                rc = 0;
            }
        }
        free(used);
        if (rc < 0)
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "No more IP addresses available on network %s.", net);
        return 0;
    }
}

static int act_fip(struct dworld *w, const struct act_request *req, struct rt_error *err)
{
    const char *verb = req->action->verb;
    const struct params *pr = req->params;
    int fx, in = -1, opi;
    struct dfip *f;
    struct dop *op;
    char addr[20], port[DEMO_ID_LEN], net[64];

    if (strcmp(verb, "create") == 0) {
        const char *desc = params_get(pr, "description");
        char id[DEMO_ID_LEN];
        uint32_t a = 0;
        int rg = ext_net_find(w, req->target_id, err);
        if (rg < 0 || fip_new_addr(w, rg, params_get(pr, "address"), &a, err) < 0)
            return -1;
        demo_new_id(w, id);
        fmt_ip4(a, addr, sizeof addr);
        fx = demo_add(w, RES_KIND_FLOATINGIP, id, addr);
        f = &w->fips.v[fx];
        f->o.created = 1;
        f->o.created_at = f->o.updated_at = w->now_ms / 1000;
        f->addr = a;
        f->region = rg;
        f->desc = xstrdup(desc != NULL ? desc : "");
    } else {
        if ((fx = find_or_err(w, RES_KIND_FLOATINGIP, req->target_id, err)) < 0)
            return -1;
        f = &w->fips.v[fx];
        if (obj_busy(w, RES_KIND_FLOATINGIP, fx))
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "Floating IP %s is being changed by another request.", f->o.name);
    }
    if (strcmp(verb, "associate") == 0) {
        const struct dinst *ip;
        const char *ps = params_get(pr, "port");
        int other;
        if ((in = find_or_err(w, RES_KIND_INSTANCE, params_get(pr, "instance"), err)) < 0)
            return -1;
        ip = &w->insts.v[in];
        if (!demo_has_port(w, in))
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "Instance %s has no port to associate floating IP %s with.",
                              ip->o.name, f->o.name);
        demo_port_id(w, in, port);
        if (ps != NULL) {
            int pi = demo_port_find(w, ps);
            if (pi < 0)
                return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Port %s could not be found.", ps);
            if (pi != in)
                return rt_err_set(err, RT_ERR_ARG, 400,
                                  "Port %s does not belong to instance %s (its port is %s).", ps,
                                  ip->o.name, port);
        }
        demo_ext_net_name(w, f->region, net, sizeof net);
        if (w->zones[ip->zone].region != f->region)
            return rt_err_set(err, RT_ERR_ARG, 400,
                              "External network %s is not reachable from the subnet of instance "
                              "%s (region %s). Therefore, cannot associate Port %s with a "
                              "Floating IP.",
                              net, ip->o.name, w->regions[w->zones[ip->zone].region].name, port);
        if (f->inst == in)
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "Floating IP %s is already associated with port %s of instance %s.",
                              f->o.name, port, ip->o.name);
        if ((other = demo_fip_of(w, in)) >= 0) {
            fmt_ip4(ip->ip, addr, sizeof addr);
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "Cannot associate floating IP %s (%s) with port %s using fixed IP "
                              "%s, as that fixed IP already has a floating IP on external "
                              "network %s (%s).",
                              f->o.name, f->o.id, port, addr, net, w->fips.v[other].o.name);
        }
    } else if (strcmp(verb, "disassociate") == 0) {
        if (!demo_has_port(w, f->inst))
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "Floating IP %s is not associated with a port.", f->o.name);
    }
    op = op_new(w, RES_KIND_FLOATINGIP, verb, NULL, pr);
    opi = (int)w->ops.n - 1;
    op_target(op, w->fips.v[fx].o.id);
    if (in >= 0)
        params_set(&op->prm, "_inst", w->insts.v[in].o.id);
    mark_busy(w, RES_KIND_FLOATINGIP, fx, op);
    op_step(w, opi, 0);
    return opi;
}

static int act_port(struct dworld *w, const struct act_request *req, struct rt_error *err)
{
    int in = demo_port_find(w, req->target_id), opi;
    char pid[DEMO_ID_LEN];
    struct dop *op;

    if (in == -2)
        return rt_err_set(err, RT_ERR_CONFLICT, 409,
                          "Multiple port matches found for '%s', use an ID to be more specific.",
                          req->target_id);
    if (in < 0)
        return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Port %s could not be found.",
                          req->target_id != NULL ? req->target_id : "(none)");
    if (strcmp(req->action->verb, "delete") != 0)
        return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "the demo cloud cannot '%s' a port",
                          req->action->verb);
    demo_port_id(w, in, pid);
    for (size_t i = 0; i < w->ops.n; i++) {
        const struct dop *o = &w->ops.v[i];
        if (!o->gone && o->state == DOP_RUNNING && o->kind == RES_KIND_PORT &&
            strcmp(o->tgt[0], pid) == 0)
            return rt_err_set(err, RT_ERR_CONFLICT, 409, "Port %s is being deleted.", pid);
    }
    op = op_new(w, RES_KIND_PORT, "delete", NULL, req->params);
    opi = (int)w->ops.n - 1;
    op_target(op, pid);
    params_set(&op->prm, "_inst", w->insts.v[in].o.id);
    op_step(w, opi, 0);
    return opi;
}

/* ---- the provider ---------------------------------------------------------------------------- */

/* Drop operations that finished more than a day ago. */
static void prune_ops(struct dworld *w)
{
    size_t j = 0;

    for (size_t i = 0; i < w->ops.n; i++) {
        struct dop *op = &w->ops.v[i];
        if (op->state != DOP_RUNNING && op->end_ms < w->now_ms - DEMO_OP_KEEP_MS) {
            op->gone = 1;
            op->dirty = 1;
        }
    }
    if (demo_world_flush(w, NULL) < 0)
        return;
    for (size_t i = 0; i < w->ops.n; i++) {
        if (w->ops.v[i].gone)
            demo_op_free(&w->ops.v[i]);
        else
            w->ops.v[j++] = w->ops.v[i];
    }
    w->ops.n = j;
}

/* Objects marked busy by an operation that is not running any more (a record lost to
 * corruption, or a crash between two writes) are freed. */
static void clear_stale_marks(struct dworld *w)
{
    static const enum res_kind kinds[] = {RES_KIND_HOST,      RES_KIND_INSTANCE, RES_KIND_VOLUME,
                                          RES_KIND_SNAPSHOT,  RES_KIND_SECGROUP, RES_KIND_IMAGE,
                                          RES_KIND_FLOATINGIP};

    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        size_t n = demo_count(w, kinds[k]);
        for (size_t i = 0; i < n; i++) {
            if (demo_obj(w, kinds[k], (int)i)->op != NULL)
                obj_busy(w, kinds[k], (int)i);
        }
    }
}

static struct dworld *world_open(struct provider *p, struct rt_error *err)
{
    const struct prov_env *env = provider_env(p);
    struct dworld *w;

    w = demo_world_generate((uint64_t)env->demo_seed, env->demo_size, env->demo_speed,
                            provider_name(p));
    w->st = env->store;
    w->ns = xasprintf("demo:%s", provider_name(p));
    if (demo_world_load(w, err) < 0) {
        demo_world_free(w);
        return NULL;
    }
    clear_stale_marks(w);
    advance(w, rt_now_ms());
    prune_ops(w);
    if (demo_world_flush(w, err) < 0) {
        demo_world_free(w);
        return NULL;
    }
    return w;
}

/* Catch up with the clock (and with another process that changed the stored world). */
static int sync_world(struct provider *p, struct rt_error *err)
{
    struct demo *d = provider_priv(p);

    if (demo_world_stale(d->w)) {
        struct rt_error e2 = {0};
        struct dworld *nw = world_open(p, &e2);
        if (nw != NULL) {
            demo_world_free(d->w);
            d->w = nw;
        }
    }
    advance(d->w, rt_now_ms());
    return demo_world_flush(d->w, err);
}

static enum prov_open demo_open(struct provider *p, const struct config_provider *cp,
                                struct rt_error *err)
{
    struct demo *d = provider_priv(p);
    const struct prov_env *env = provider_env(p);
    uint64_t acts = 0;
    static const struct {
        enum res_kind kind;
        const char *verb;
    } demo_verbs[] = {
#define I(v) {RES_KIND_INSTANCE, v}
#define H(v) {RES_KIND_HOST, v}
#define V(v) {RES_KIND_VOLUME, v}
#define S(v) {RES_KIND_SNAPSHOT, v}
#define G(v) {RES_KIND_SECGROUP, v}
#define F(v) {RES_KIND_FLOATINGIP, v}
        I("create"), I("start"), I("stop"), I("reboot"), I("hard-reboot"), I("delete"),
        I("rebuild"), I("resize"), I("confirm-resize"), I("revert-resize"), I("snapshot"),
        I("image"), I("migrate"), I("live-migrate"), I("evacuate"), I("lock"), I("unlock"),
        H("power-on"), H("power-off"), H("power-cycle"), H("manage"), H("provide"),
        H("provision"), H("undeploy"), H("maintenance-on"), H("maintenance-off"),
        V("create"), V("attach"), V("detach"), V("extend"), V("delete"), V("snapshot"),
        V("revert"), S("delete"), S("restore"), G("create"), G("delete"), G("add-rule"),
        G("remove-rule"), G("attach"), G("detach"), F("create"), F("associate"),
        F("disassociate"), F("delete"), {RES_KIND_PORT, "delete"},
#undef I
#undef H
#undef V
#undef S
#undef G
#undef F
    };

    (void)cp; /* the built-in demo has no configuration entry; nothing is read from it */
    if (env->demo_size < 0 || env->demo_size > DEMO_MAX_SIZE) {
        rt_err_set(err, RT_ERR_ARG, 0, "demo size must be 0 (default fleet) to %ld, not %ld",
                   DEMO_MAX_SIZE, env->demo_size);
        return PROV_OPEN_ERROR;
    }
    d->w = world_open(p, err);
    if (d->w == NULL)
        return PROV_OPEN_ERROR;
    /* Exactly the verbs the simulation implements; verbs other providers added to the
     * table (boot override, LED, suspend, clone, ...) are not offered. */
    for (size_t i = 0; i < sizeof demo_verbs / sizeof demo_verbs[0]; i++) {
        const struct action_def *a = action_find(demo_verbs[i].kind, demo_verbs[i].verb);
        if (a != NULL)
            acts |= 1ULL << action_index(a);
    }
    provider_set_caps(p, provider_ops(p)->kinds, acts);
    return PROV_OPEN_OK;
}

static void demo_close(struct provider *p)
{
    struct demo *d = provider_priv(p);

    if (d->w != NULL)
        demo_world_flush(d->w, NULL);
    demo_world_free(d->w);
    d->w = NULL;
}

static int has_objects(enum res_kind k)
{
    return k == RES_KIND_HOST || k == RES_KIND_INSTANCE || k == RES_KIND_VOLUME ||
           k == RES_KIND_SNAPSHOT || k == RES_KIND_SECGROUP || k == RES_KIND_IMAGE ||
           k == RES_KIND_FLOATINGIP;
}

static int demo_list(struct provider *p, enum res_kind k, struct res_list *out,
                     struct rt_error *err)
{
    struct demo *d = provider_priv(p);
    struct dworld *w;
    size_t n;

    if ((provider_ops(p)->kinds & RT_KIND_BIT(k)) == 0)
        return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "the demo cloud has no %s",
                          res_kind_plural(k));
    if (sync_world(p, err) < 0)
        return -1;
    w = d->w;
    if (k == RES_KIND_EVENT) {
        demo_events(w, w->now_ms / 1000, 24, out); /* the last day */
        return 0;
    }
    /* Kinds that change only through writes (not with the clock) are unchanged while
     * the world's token is the same and no operation is running (progress moves). */
    if (k != RES_KIND_HOST && (unsigned)k < 32) {
        int running = 0;
        for (size_t i = 0; i < w->ops.n && !running; i++)
            running = w->ops.v[i].phase < w->ops.v[i].nph && !w->ops.v[i].gone;
        if (!running && provider_list_may_skip(p) && (d->listed & RT_KIND_BIT(k)) &&
            d->listed_token[k] == w->token)
            return 1;
        if (running)
            d->listed &= ~RT_KIND_BIT(k);
        else
            d->listed |= RT_KIND_BIT(k);
        d->listed_token[k] = w->token;
    }
    if (k == RES_KIND_PORT) {
        for (size_t i = 0; i < w->insts.n; i++) {
            if (demo_has_port(w, (int)i))
                res_list_push(out, demo_render_port(w, (int)i));
        }
        return 0;
    }
    if (k == RES_KIND_NETWORK) {
        demo_networks(w, out);
        return 0;
    }
    n = demo_count(w, k);
    if (k == RES_KIND_INSTANCE)
        demo_volidx_build(w);
    for (size_t i = 0; i < n; i++) {
        int prog = -1;
        if (has_objects(k)) {
            const struct dobj *o = demo_obj(w, k, (int)i);
            if (o->deleted)
                continue;
            prog = obj_progress(w, o);
        }
        res_list_push(out, demo_render(w, k, (int)i, prog));
    }
    if (k == RES_KIND_INSTANCE)
        demo_volidx_drop(w);
    return 0;
}

static int demo_get(struct provider *p, enum res_kind k, const char *id, struct resource **out,
                    struct rt_error *err)
{
    struct demo *d = provider_priv(p);
    struct dworld *w;
    int idx = -1;

    *out = NULL;
    if ((provider_ops(p)->kinds & RT_KIND_BIT(k)) == 0)
        return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "the demo cloud has no %s",
                          res_kind_plural(k));
    if (sync_world(p, err) < 0)
        return -1;
    w = d->w;
    if (has_objects(k)) {
        if ((idx = find_or_err(w, k, id, err)) < 0)
            return -1;
        *out = demo_render(w, k, idx, obj_progress(w, demo_obj(w, k, idx)));
        return 0;
    }
    if (k == RES_KIND_PORT) {
        idx = demo_port_find(w, id);
        if (idx == -2)
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "Multiple port matches found for '%s', use an ID to be more "
                              "specific.",
                              id);
        if (idx < 0)
            return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Port %s could not be found.", id);
        *out = demo_render_port(w, idx);
        return 0;
    }
    if (k == RES_KIND_NETWORK) {
        /* by id, else by a name unique among the networks */
        struct res_list l;
        size_t hit = SIZE_MAX, hits = 0;
        res_list_init(&l);
        demo_networks(w, &l);
        for (size_t i = 0; i < l.len && hits == 0; i++) {
            if (strcmp(l.items[i]->id, id) == 0)
                hit = i, hits = 1;
        }
        for (size_t i = 0; i < l.len && hit == SIZE_MAX; i++)
            hits += strcmp(l.items[i]->name, id) == 0;
        for (size_t i = 0; i < l.len && hit == SIZE_MAX && hits == 1; i++) {
            if (strcmp(l.items[i]->name, id) == 0)
                hit = i;
        }
        if (hit != SIZE_MAX) {
            *out = l.items[hit];
            l.items[hit] = NULL;
        }
        res_list_done(&l); /* res_free(NULL) for the one taken */
        if (hits > 1)
            return rt_err_set(err, RT_ERR_CONFLICT, 409,
                              "Multiple network matches found for name '%s', use an ID to be more "
                              "specific.",
                              id);
        if (*out == NULL)
            return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "Network %s could not be found.", id);
        return 0;
    }
    switch (k) {
    case RES_KIND_REGION:
        idx = demo_region_find(w, id);
        break;
    case RES_KIND_ZONE:
        idx = demo_zone_find(w, id);
        break;
    case RES_KIND_FLAVOR:
        idx = demo_flavor_find(w, id);
        break;
    case RES_KIND_KEYPAIR:
        idx = demo_keypair_find(w, id);
        break;
    case RES_KIND_SERVERGROUP:
        idx = demo_srvgroup_find(w, id, -1);
        break;
    default:
        break;
    }
    if (idx < 0)
        return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "%s '%s' could not be found.",
                          res_kind_name(k), id);
    *out = demo_render(w, k, idx, -1);
    return 0;
}

static int demo_act(struct provider *p, const struct act_request *req, char **task_ref,
                    struct rt_error *err)
{
    struct demo *d = provider_priv(p);
    struct dworld *w;
    int opi;

    *task_ref = NULL;
    if (sync_world(p, err) < 0)
        return -1;
    w = d->w;
    if (action_validate(req->action, req->params, err) < 0)
        return -1;
    switch (req->action->kind) {
    case RES_KIND_INSTANCE:
        opi = act_instance(w, req, err);
        break;
    case RES_KIND_HOST:
        opi = act_host(w, req, err);
        break;
    case RES_KIND_VOLUME:
        opi = act_volume(w, req, err);
        break;
    case RES_KIND_SNAPSHOT:
        opi = act_snapshot(w, req, err);
        break;
    case RES_KIND_SECGROUP:
        opi = act_secgroup(w, req, err);
        break;
    case RES_KIND_FLOATINGIP:
        opi = act_fip(w, req, err);
        break;
    case RES_KIND_PORT:
        opi = act_port(w, req, err);
        break;
    default:
        return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "the demo cloud cannot '%s' a %s",
                          req->action->verb, res_kind_name(req->action->kind));
    }
    if (opi < 0) {
        demo_world_flush(w, NULL); /* stale busy marks cleared on the way */
        return -1;
    }
    *task_ref = xstrdup(w->ops.v[opi].id);
    if (w->need_recount)
        demo_world_recount(w);
    /* The operation runs even if this write fails; the next call retries it. */
    demo_world_flush(w, NULL);
    return 0;
}

static int demo_task_poll(struct provider *p, const char *ref, struct task_progress *out,
                          struct rt_error *err)
{
    struct demo *d = provider_priv(p);
    struct dworld *w;
    const struct dop *op;
    const struct optype *t;
    int i;

    if (sync_world(p, err) < 0)
        return -1;
    w = d->w;
    if ((i = demo_op_find(w, ref)) < 0)
        return rt_err_set(err, RT_ERR_NOT_FOUND, 404, "No operation '%s' in demo cloud '%s'",
                          ref != NULL ? ref : "(null)", provider_name(p));
    op = &w->ops.v[i];
    switch (op->state) {
    case DOP_RUNNING:
        t = op_type(op);
        out->state = TASK_RUNNING;
        out->progress = demo_op_progress(w, op);
        snprintf(out->message, sizeof out->message, "%s %d%%",
                 t != NULL && op->phase < op->nph ? t->ph[op->phase].step : op->verb,
                 out->progress);
        break;
    case DOP_SUCCEEDED:
        out->state = TASK_SUCCEEDED;
        out->progress = 100;
        snprintf(out->message, sizeof out->message, "%s", op->msg != NULL ? op->msg : "done");
        break;
    default:
        out->state = TASK_FAILED;
        out->progress = 100;
        snprintf(out->message, sizeof out->message, "%s", op->msg != NULL ? op->msg : "failed");
        break;
    }
    return 0;
}

static int demo_metrics(struct provider *p, int64_t since, struct metric_list *out,
                        struct rt_error *err)
{
    struct demo *d = provider_priv(p);
    struct dworld *w;
    int64_t now, t0;

    if (sync_world(p, err) < 0)
        return -1;
    w = d->w;
    now = w->now_ms / 1000;
    t0 = since + 1 > now - 3600 ? since + 1 : now - 3600;
    t0 = (t0 + 59) / 60 * 60;
    for (size_t h = 0; h < w->hosts.n; h++) {
        const char *id = w->hosts.v[h].o.id;
        if (w->hosts.v[h].o.deleted)
            continue;
        for (int64_t t = t0; t <= now; t += 60) {
            struct dhealth hl;
            demo_host_health(w, (int)h, t, &hl);
            metric_list_push(out, id, "cpu_pct", t, hl.cpu);
            metric_list_push(out, id, "mem_pct", t, hl.mem);
            metric_list_push(out, id, "temp_c", t, hl.temp);
            metric_list_push(out, id, "power_w", t, hl.watts);
        }
    }
    return 0;
}

const struct provider_ops prov_demo_ops = {
    .name = "demo",
    .priv_size = sizeof(struct demo),
    .kinds = RT_KIND_BIT(RES_KIND_REGION) | RT_KIND_BIT(RES_KIND_ZONE) |
             RT_KIND_BIT(RES_KIND_HOST) | RT_KIND_BIT(RES_KIND_INSTANCE) |
             RT_KIND_BIT(RES_KIND_VOLUME) | RT_KIND_BIT(RES_KIND_SNAPSHOT) |
             RT_KIND_BIT(RES_KIND_SECGROUP) | RT_KIND_BIT(RES_KIND_IMAGE) |
             RT_KIND_BIT(RES_KIND_FLAVOR) | RT_KIND_BIT(RES_KIND_KEYPAIR) |
             RT_KIND_BIT(RES_KIND_SERVERGROUP) | RT_KIND_BIT(RES_KIND_EVENT) |
             RT_KIND_BIT(RES_KIND_PORT) | RT_KIND_BIT(RES_KIND_FLOATINGIP) |
             RT_KIND_BIT(RES_KIND_NETWORK),
    .actions = 0, /* set in open() from the action table */
    .open = demo_open,
    .close = demo_close,
    .list = demo_list,
    .get = demo_get,
    .act = demo_act,
    .task_poll = demo_task_poll,
    .metrics = demo_metrics,
};
