/*
 * demo_world.c - the demo provider's simulated cloud: generation from a
 * seed, persistence as an overlay in the store, rendering into model rows
 * with OpenStack-shaped raw JSON, and the time-dependent host health.
 *
 * Generation.  The baseline world is a pure function of (seed, size): every
 * random choice comes from splitmix64 streams keyed by the seed, never from
 * rand(), and objects are generated in a fixed order.  Opening the same
 * (seed, size) twice gives identical rows.
 *
 * Persistence.  Only what differs from the baseline is stored, as blobs in
 * the namespace "demo:<instance>":
 *     meta                 {"v":1,"seed":"<hex>","size":N,"counter":N}
 *     <kind>:<id>          the whole mutable state of one changed or created
 *                          object, or {"deleted":true}
 *     op:<id>              one operation (see demo.c)
 * Loading regenerates the baseline and applies the records kind by kind in
 * dependency order (hosts, images, security groups, instances, volumes,
 * snapshots, floating IPs), so references by id always resolve.  A record that does not
 * parse is dropped (and deleted from the store) instead of failing the open;
 * a corrupt meta record regenerates the whole world.
 *
 * Health.  Host metrics are a smooth deterministic function of (seed, host,
 * time) plus the load of the host's instances; faults (a failing fan, a
 * failing PSU, automatic maintenance) are drawn per host and per one-hour
 * window from the seed, so history is identical between runs.
 *
 * Threading: see demo_priv.h (one thread per world, no global state).
 */
#include "demo_priv.h"

#include "core/err.h"
#include "core/store.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "core/xalloc.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names ------------------------------------------------------------------------ */

const char *const demo_vm_names[DVM__COUNT] = {"building", "active", "stopped", "resized", "error"};
const char *const demo_pwr_names[DPWR__COUNT] = {"nostate", "running", "shutdown", "crashed"};
static const int pwr_codes[DPWR__COUNT] = {0, 1, 4, 6};
const char *const demo_ps_names[DPS__COUNT] = {
    NULL,         "enroll",        "verifying",   "manageable",     "cleaning",
    "clean wait", "available",     "deploying",   "wait call-back", "active",
    "deleting",   "deploy failed", "clean failed"};
const char *const demo_vs_names[DVS__COUNT] = {"creating",  "available",  "attaching", "in-use",
                                               "detaching", "extending",  "deleting",  "reverting",
                                               "error",     "downloading"};
const char *const demo_ss_names[DSS__COUNT] = {"creating", "available", "deleting", "restoring",
                                               "error"};
const char *const demo_is_names[DIS__COUNT] = {"queued", "saving", "active"};
const char *const demo_proto_names[4] = {"any", "tcp", "udp", "icmp"};
const char *const demo_vtype_names[3] = {"ssd", "standard", "nvme"};

int demo_enum_from(const char *const *names, int n, const char *s)
{
    for (int i = 0; s != NULL && i < n; i++) {
        if (names[i] != NULL && strcmp(names[i], s) == 0)
            return i;
    }
    return -1;
}

/* ---- catalogs ---------------------------------------------------------------------- */

static const struct dregion region_cat[] = {
    {"eu-west", "Europe West (Dublin)"},
    {"ap-east", "Asia Pacific East (Hong Kong)"},
    {"us-central", "US Central (Iowa)"},
};

static const struct dflavor flavor_cat[] = {
    {"1", "m1.tiny", 0, 1, 512, 1, NULL},
    {"2", "m1.small", 0, 1, 2048, 20, NULL},
    {"3", "m1.medium", 0, 2, 4096, 40, NULL},
    {"4", "m1.large", 0, 4, 8192, 80, NULL},
    {"5", "m1.xlarge", 0, 8, 16384, 160, NULL},
    {"c1", "c1.xlarge", 0, 16, 32768, 80, NULL},
    {"r1", "r1.2xlarge", 0, 8, 65536, 80, NULL},
    {"bm1", "bm.standard", 1, 32, 262144, 480, "baremetal.standard"},
    {"bm2", "bm.highmem", 1, 48, 786432, 960, "baremetal.highmem"},
    {"bm3", "bm.gpu", 1, 64, 524288, 1920, "baremetal.gpu"},
    {"bm4", "bm.storage", 1, 24, 131072, 480, "baremetal.storage"},
};
#define NFLAVORS ((int)(sizeof flavor_cat / sizeof flavor_cat[0]))

const struct dimgcat demo_imgcat[] = {
    {"ubuntu-22.04", "ubuntu", "22.04", "ubuntu", "qcow2", 0, 0.66, 10},
    {"ubuntu-24.04", "ubuntu", "24.04", "ubuntu", "qcow2", 0, 0.58, 10},
    {"centos-stream-9", "centos", "9", "cloud-user", "qcow2", 0, 1.12, 10},
    {"debian-12", "debian", "12", "debian", "qcow2", 0, 0.35, 8},
    {"rocky-9", "rocky", "9.4", "rocky", "qcow2", 0, 0.98, 10},
    {"windows-2022", "windows", "2022", "Administrator", "qcow2", 0, 9.6, 40},
    {"fedora-40", "fedora", "40", "fedora", "qcow2", 0, 0.45, 5},
    {"cirros-0.6", "cirros", "0.6.2", "cirros", "qcow2", 0, 0.02, 1},
    {"golden-web-2024.05", "ubuntu", "22.04", "ubuntu", "raw", 1, 2.2, 20},
};
#define NIMGCAT ((int)(sizeof demo_imgcat / sizeof demo_imgcat[0]))

static const struct {
    const char *name, *type, *user;
} keypair_cat[] = {
    {"ops-admin", "ssh", "ed25519"}, {"deploy", "ssh", "rsa"},
    {"ci-bot", "ssh", "ed25519"},    {"alice-laptop", "ssh", "ed25519"},
    {"bob-yubikey", "ssh", "ecdsa"},
};
#define NKEYPAIRS ((int)(sizeof keypair_cat / sizeof keypair_cat[0]))

static const struct {
    const char *name, *policy;
} srvgroup_cat[] = {
    {"web-anti-affinity", "anti-affinity"},
    {"db-anti-affinity", "anti-affinity"},
    {"k8s-anti-affinity", "anti-affinity"},
    {"cache-affinity", "affinity"},
};
#define NSRVGROUPS ((int)(sizeof srvgroup_cat / sizeof srvgroup_cat[0]))

/* Standard security groups: rules as "dir proto ports remote" words. */
static const struct {
    const char *name, *desc, *rules;
} sg_cat[] = {
    {"default", "Default security group", "in any - 10.0.0.0/8;in icmp - 0.0.0.0/0"},
    {"web", "HTTP and HTTPS from anywhere",
     "in tcp 80 0.0.0.0/0;in tcp 443 0.0.0.0/0;in tcp 443 ::/0;in tcp 80 ::/0"},
    {"ssh", "SSH from the office and the bastions", "in tcp 22 192.0.2.0/24;in tcp 22 10.0.0.0/8"},
    {"db", "Databases from the private networks",
     "in tcp 5432 10.0.0.0/8;in tcp 3306 10.0.0.0/8;in tcp 6379 10.0.0.0/8"},
    {"monitoring", "Prometheus exporters and ping",
     "in tcp 9100 10.0.0.0/8;in tcp 9090 10.0.0.0/8;in icmp - 10.0.0.0/8"},
    {"k8s", "Kubernetes API, kubelet and node ports",
     "in tcp 6443 10.0.0.0/8;in tcp 10250 10.0.0.0/8;in tcp 30000-32767 0.0.0.0/0"},
    {"rdp", "Remote desktop from the office", "in tcp 3389 192.0.2.0/24"},
};
#define NSGCAT ((int)(sizeof sg_cat / sizeof sg_cat[0]))

struct role {
    const char *name;
    int bm;
    const char *flavor, *image, *sgs, *group;
    int fip_pct, data_pct;
};

static const struct role vm_roles[] = {
    {"web", 0, "m1.small", "ubuntu-22.04", "default,web,ssh", "web-anti-affinity", 40, 10},
    {"api", 0, "m1.medium", "ubuntu-24.04", "default,web,ssh", NULL, 20, 20},
    {"app", 0, "m1.large", "debian-12", "default,ssh", NULL, 0, 40},
    {"db", 0, "m1.xlarge", "rocky-9", "default,db,ssh", "db-anti-affinity", 0, 100},
    {"cache", 0, "r1.2xlarge", "debian-12", "default,db", "cache-affinity", 0, 0},
    {"mq", 0, "m1.medium", "centos-stream-9", "default,ssh", NULL, 0, 60},
    {"lb", 0, "m1.small", "ubuntu-22.04", "default,web", NULL, 100, 0},
    {"ci", 0, "c1.xlarge", "ubuntu-22.04", "default,ssh", NULL, 0, 50},
    {"mon", 0, "m1.medium", "debian-12", "default,monitoring,ssh", NULL, 10, 60},
    {"k8s-node", 0, "m1.xlarge", "ubuntu-22.04", "default,k8s,ssh", "k8s-anti-affinity", 0, 30},
    {"win", 0, "m1.large", "windows-2022", "default,rdp", NULL, 0, 30},
    {"search", 0, "m1.large", "rocky-9", "default,ssh", NULL, 0, 70},
};
static const struct role bm_roles[] = {
    {"db-bm", 1, "bm.highmem", "rocky-9", "default,db,ssh", NULL, 0, 40},
    {"hpc-bm", 1, "bm.standard", "rocky-9", "default,ssh", NULL, 0, 0},
    {"gpu-bm", 1, "bm.gpu", "ubuntu-22.04", "default,ssh", NULL, 0, 20},
    {"ceph-bm", 1, "bm.storage", "centos-stream-9", "default,ssh", NULL, 0, 0},
    {"k8s-bm", 1, "bm.standard", "ubuntu-22.04", "default,k8s,ssh", NULL, 0, 20},
};
#define NVMROLES ((int)(sizeof vm_roles / sizeof vm_roles[0]))
#define NBMROLES ((int)(sizeof bm_roles / sizeof bm_roles[0]))

static const struct {
    const char *name;
    int vcpus, mem_mb;
    double idle_w, max_w;
} hv_models[] = {
    {"Dell PowerEdge R650", 96, 393216, 180, 720},
    {"HPE ProLiant DL360 Gen10 Plus", 128, 524288, 200, 800},
    {"Lenovo ThinkSystem SR630 V2", 112, 393216, 170, 700},
    {"Supermicro SYS-1029U-TRT", 80, 262144, 150, 600},
};
static const struct {
    const char *rclass, *model;
    double idle_w, max_w;
} bm_models[] = {
    {"baremetal.standard", "Dell PowerEdge R750", 190, 750},
    {"baremetal.highmem", "HPE ProLiant DL380 Gen10", 220, 900},
    {"baremetal.gpu", "Supermicro SYS-420GP-TNR", 350, 2200},
    {"baremetal.storage", "Dell PowerEdge R740xd2", 210, 650},
};
#define NHVMODELS ((int)(sizeof hv_models / sizeof hv_models[0]))
#define NBMMODELS ((int)(sizeof bm_models / sizeof bm_models[0]))

enum {
    DIX_TYPE,
    DIX_REGION,
    DIX_ZONE,
    DIX_HOST,
    DIX_FLAVOR,
    DIX_IMAGE,
    DIX_ADDRESSES,
    DIX_VOLUMES,
    DIX_SECURITY_GROUPS,
    DIX_KEYPAIR,
    DIX_SERVER_GROUP,
    DIX_VM_STATE,
    DIX_TASK_STATE,
    DIX_POWER_STATE,
    DIX_VCPUS,
    DIX_RAM_MB,
    DIX_LOCKED,
    DIX_CREATED_AT,
    DIX_FAULT,
    DIX__COUNT
};
static const char *const inst_field_names[DIX__COUNT] = {
    "type",       "region",       "zone",
    "host",       "flavor",       "image",
    "addresses",  "volumes",      "security_groups",
    "keypair",    "server_group", "vm_state",
    "task_state", "power_state",  "vcpus",
    "ram_mb",     "locked",       "created_at",
    "fault"};

/* ---- hashing and ids --------------------------------------------------------------- */

static uint64_t fin64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t demo_mix(uint64_t a, uint64_t b)
{
    return fin64(fin64(a + 0x9e3779b97f4a7c15ULL) ^
                 (b * 0xd6e8feb86659fd93ULL + 0x632be59bd9b4e019ULL));
}

uint64_t demo_hash_str(uint64_t h, const char *s)
{
    return demo_mix(h, rt_fnv1a(RT_FNV_INIT, s, strlen(s)));
}

void demo_uuid(uint64_t a, uint64_t b, char out[DEMO_ID_LEN])
{
    uint64_t x = demo_mix(a, b), y = demo_mix(x, b ^ 0x5555);

    snprintf(out, DEMO_ID_LEN, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(x >> 32),
             (unsigned)(x >> 16) & 0xffff, (unsigned)x & 0xfff,
             (unsigned)(0x8000 | ((y >> 48) & 0x3fff)),
             (unsigned long long)(y & 0xffffffffffffULL));
}

void demo_new_id(struct dworld *w, char out[DEMO_ID_LEN])
{
    demo_uuid(demo_mix(w->seed ^ 0xc0ffee, (uint64_t)rt_now_ms()), w->counter++, out);
    w->dirty_meta = 1;
}

/* ---- id map -------------------------------------------------------------------------- */

static uint64_t id_hash(const char *s)
{
    return rt_fnv1a(RT_FNV_INIT, s, strlen(s));
}

static void map_insert(struct dworld *w, enum res_kind k, uint32_t idx);

static void map_grow(struct dworld *w, enum res_kind k)
{
    struct didmap *m = &w->map[k];
    uint32_t *old = m->slots;
    size_t oldcap = m->cap;

    m->cap = oldcap == 0 ? 64 : oldcap * 2;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
    m->len = 0;
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i] != 0)
            map_insert(w, k, old[i] - 1);
    }
    free(old);
}

static void map_insert(struct dworld *w, enum res_kind k, uint32_t idx)
{
    struct didmap *m = &w->map[k];
    size_t i;

    if ((m->len + 1) * 2 > m->cap)
        map_grow(w, k);
    i = id_hash(demo_obj(w, k, (int)idx)->id) & (m->cap - 1);
    while (m->slots[i] != 0)
        i = (i + 1) & (m->cap - 1);
    m->slots[i] = idx + 1;
    m->len++;
}

void demo_map_add(struct dworld *w, enum res_kind k, int idx)
{
    map_insert(w, k, (uint32_t)idx);
}

int demo_find_id(const struct dworld *w, enum res_kind k, const char *id)
{
    const struct didmap *m = &w->map[k];
    size_t i;

    if (m->cap == 0 || id == NULL)
        return -1;
    i = id_hash(id) & (m->cap - 1);
    while (m->slots[i] != 0) {
        int idx = (int)m->slots[i] - 1;
        if (strcmp(demo_obj((struct dworld *)w, k, idx)->id, id) == 0)
            return idx;
        i = (i + 1) & (m->cap - 1);
    }
    return -1;
}

/* ---- generic object access ------------------------------------------------------------ */

struct dobj *demo_obj(struct dworld *w, enum res_kind k, int idx)
{
    switch (k) {
    case RES_KIND_HOST:
        return &w->hosts.v[idx].o;
    case RES_KIND_INSTANCE:
        return &w->insts.v[idx].o;
    case RES_KIND_VOLUME:
        return &w->vols.v[idx].o;
    case RES_KIND_SNAPSHOT:
        return &w->snaps.v[idx].o;
    case RES_KIND_SECGROUP:
        return &w->sgs.v[idx].o;
    case RES_KIND_IMAGE:
        return &w->imgs.v[idx].o;
    case RES_KIND_FLOATINGIP:
        return &w->fips.v[idx].o;
    default:
        break;
    }
    rt_fatal("demo: kind '%s' has no objects", res_kind_name(k));
}

size_t demo_count(const struct dworld *w, enum res_kind k)
{
    switch (k) {
    case RES_KIND_REGION:
        return (size_t)w->nregions;
    case RES_KIND_ZONE:
        return (size_t)w->nzones;
    case RES_KIND_FLAVOR:
        return (size_t)w->nflavors;
    case RES_KIND_KEYPAIR:
        return (size_t)w->nkeypairs;
    case RES_KIND_SERVERGROUP:
        return w->sgroups.n;
    case RES_KIND_HOST:
        return w->hosts.n;
    case RES_KIND_INSTANCE:
        return w->insts.n;
    case RES_KIND_VOLUME:
        return w->vols.n;
    case RES_KIND_SNAPSHOT:
        return w->snaps.n;
    case RES_KIND_SECGROUP:
        return w->sgs.n;
    case RES_KIND_IMAGE:
        return w->imgs.n;
    case RES_KIND_FLOATINGIP:
        return w->fips.n;
    default:
        return 0;
    }
}

void demo_dirty(struct dworld *w, enum res_kind k, int idx)
{
    struct dobj *o = demo_obj(w, k, idx);

    o->updated_at = w->now_ms / 1000;
    if (o->dirty)
        return;
    o->dirty = 1;
    w->dirty.v = xgrow(w->dirty.v, &w->dirty.cap, w->dirty.n + 1, sizeof *w->dirty.v);
    w->dirty.v[w->dirty.n++] = (uint64_t)k << 32 | (uint32_t)idx;
}

#define ARR_PUSH(a)                                                                                \
    ((a).v = xgrow((a).v, &(a).cap, (a).n + 1, sizeof *(a).v),                                     \
     memset(&(a).v[(a).n], 0, sizeof *(a).v), (a).n++)

int demo_add(struct dworld *w, enum res_kind k, const char *id, const char *name)
{
    int idx;
    struct dobj *o;

    switch (k) {
    case RES_KIND_HOST:
        ARR_PUSH(w->hosts);
        idx = (int)w->hosts.n - 1;
        break;
    case RES_KIND_INSTANCE:
        ARR_PUSH(w->insts);
        idx = (int)w->insts.n - 1;
        break;
    case RES_KIND_VOLUME:
        ARR_PUSH(w->vols);
        idx = (int)w->vols.n - 1;
        break;
    case RES_KIND_SNAPSHOT:
        ARR_PUSH(w->snaps);
        idx = (int)w->snaps.n - 1;
        break;
    case RES_KIND_SECGROUP:
        ARR_PUSH(w->sgs);
        idx = (int)w->sgs.n - 1;
        break;
    case RES_KIND_IMAGE:
        ARR_PUSH(w->imgs);
        idx = (int)w->imgs.n - 1;
        break;
    case RES_KIND_FLOATINGIP:
        ARR_PUSH(w->fips);
        idx = (int)w->fips.n - 1;
        break;
    default:
        rt_fatal("demo: cannot add a '%s'", res_kind_name(k));
    }
    o = demo_obj(w, k, idx);
    snprintf(o->id, sizeof o->id, "%s", id);
    o->name = xstrdup(name);
    switch (k) {
    case RES_KIND_HOST:
        w->hosts.v[idx].inst = -1;
        break;
    case RES_KIND_INSTANCE: {
        struct dinst *in = &w->insts.v[idx];
        in->host = in->flavor = in->image = in->keypair = in->sgroup = -1;
        in->old_flavor = in->old_host = -1;
        break;
    }
    case RES_KIND_VOLUME:
        w->vols.v[idx].inst = -1;
        break;
    case RES_KIND_IMAGE:
        w->imgs.v[idx].region = -1;
        break;
    case RES_KIND_FLOATINGIP:
        w->fips.v[idx].inst = -1;
        break;
    default:
        break;
    }
    demo_map_add(w, k, idx);
    return idx;
}

int demo_find(struct dworld *w, enum res_kind k, const char *id_or_name)
{
    int idx = demo_find_id(w, k, id_or_name), found = -1;
    size_t n = demo_count(w, k);

    if (idx >= 0)
        return demo_obj(w, k, idx)->deleted ? -1 : idx;
    if (id_or_name == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct dobj *o = demo_obj(w, k, (int)i);
        if (!o->deleted && strcmp(o->name, id_or_name) == 0) {
            if (found >= 0)
                return -2; /* ambiguous */
            found = (int)i;
        }
    }
    return found;
}

int demo_flavor_find(const struct dworld *w, const char *s)
{
    for (int i = 0; s != NULL && i < w->nflavors; i++) {
        if (strcmp(w->flavors[i].id, s) == 0 || strcmp(w->flavors[i].name, s) == 0)
            return i;
    }
    return -1;
}

int demo_keypair_find(const struct dworld *w, const char *name)
{
    for (int i = 0; name != NULL && i < w->nkeypairs; i++) {
        if (strcmp(w->keypairs[i].name, name) == 0)
            return i;
    }
    return -1;
}

int demo_srvgroup_find(const struct dworld *w, const char *s, int region)
{
    int any = -1;

    for (size_t i = 0; s != NULL && i < w->sgroups.n; i++) {
        const struct dsrvgroup *g = &w->sgroups.v[i];
        if (strcmp(g->id, s) == 0)
            return (int)i;
        if (strcmp(g->name, s) == 0) {
            if (region < 0 || g->region == region)
                return (int)i;
            if (any < 0)
                any = (int)i;
        }
    }
    return any;
}

int demo_zone_find(const struct dworld *w, const char *name)
{
    for (int i = 0; name != NULL && i < w->nzones; i++) {
        if (strcmp(w->zones[i].name, name) == 0)
            return i;
    }
    return -1;
}

int demo_region_find(const struct dworld *w, const char *name)
{
    for (int i = 0; name != NULL && i < w->nregions; i++) {
        if (strcmp(w->regions[i].name, name) == 0)
            return i;
    }
    return -1;
}

int demo_sg_find(struct dworld *w, const char *s, int region)
{
    int idx = demo_find_id(w, RES_KIND_SECGROUP, s), any = -1;

    if (idx >= 0)
        return w->sgs.v[idx].o.deleted ? -1 : idx;
    for (size_t i = 0; s != NULL && i < w->sgs.n; i++) {
        const struct dsg *g = &w->sgs.v[i];
        if (g->o.deleted || strcmp(g->o.name, s) != 0)
            continue;
        if (region < 0 || g->region == region)
            return (int)i;
        if (any < 0)
            any = (int)i;
    }
    return region < 0 ? any : -1;
}

/* ---- generation ---------------------------------------------------------------------- */

static int image_cat_find(const char *name)
{
    for (int i = 0; i < NIMGCAT; i++) {
        if (strcmp(demo_imgcat[i].name, name) == 0)
            return i;
    }
    RT_ASSERT(0);
    return -1;
}

static void sg_add_rule(struct dsg *g, uint64_t seed, int egress, int v6, int proto, int pmin,
                        int pmax, const char *remote)
{
    struct drule *r;
    size_t cap = (size_t)g->caprules;

    g->rules = xgrow(g->rules, &cap, (size_t)g->nrules + 1, sizeof *g->rules);
    g->caprules = (int)cap;
    r = &g->rules[g->nrules++];
    memset(r, 0, sizeof *r);
    demo_uuid(seed, demo_hash_str((uint64_t)g->nrules, g->o.id), r->id);
    r->egress = (unsigned char)egress;
    r->v6 = (unsigned char)v6;
    r->proto = (unsigned char)proto;
    r->pmin = pmin;
    r->pmax = pmax;
    snprintf(r->remote, sizeof r->remote, "%s", remote != NULL ? remote : "");
}

/* Parse "in tcp 80-81 0.0.0.0/0;..." into rules. */
static void sg_add_rules_spec(struct dsg *g, uint64_t seed, const char *spec)
{
    char buf[512], *save = NULL;

    snprintf(buf, sizeof buf, "%s", spec);
    for (char *tok = strtok_r(buf, ";", &save); tok != NULL; tok = strtok_r(NULL, ";", &save)) {
        char dir[8], proto[8], ports[16], remote[48];
        int lo = 0, hi = 0;
        if (sscanf(tok, "%7s %7s %15s %47s", dir, proto, ports, remote) != 4)
            continue;
        if (strcmp(ports, "-") != 0)
            param_parse_port(ports, &lo, &hi);
        sg_add_rule(g, seed, strcmp(dir, "out") == 0, strchr(remote, ':') != NULL,
                    demo_enum_from(demo_proto_names, 4, proto), lo, hi, remote);
    }
}

void demo_sg_default_egress(struct dsg *g, uint64_t seed)
{
    sg_add_rule(g, seed, 1, 0, 0, 0, 0, "");
    sg_add_rule(g, seed, 1, 1, 0, 0, 0, "");
}

static const char *ip4(uint32_t ip, char *buf, size_t len)
{
    char *p = buf;

    RT_ASSERT(len >= 16);
    for (int i = 3; i >= 0; i--) {
        unsigned o = (ip >> (i * 8)) & 255;
        if (o >= 100)
            *p++ = (char)('0' + o / 100);
        if (o >= 10)
            *p++ = (char)('0' + o / 10 % 10);
        *p++ = (char)('0' + o % 10);
        if (i > 0)
            *p++ = '.';
    }
    *p = '\0';
    return buf;
}

struct gen_group {
    int host[16];
    int n;
};

struct dworld *demo_world_generate(uint64_t seed, long size, double speed, const char *prov)
{
    struct dworld *w = xcalloc(1, sizeof *w);
    long n = size > 0 ? size : 250;
    long nbm = n / 5, nvm = n - nbm;
    int big = n > 5000, zpr = big ? 3 : 2;
    int hv_per_zone, *hv_first, *hv_rr, *zseq, *rseq, role_count[NVMROLES + NBMROLES] = {0};
    int role_flavor[NVMROLES + NBMROLES], role_image[NVMROLES + NBMROLES];
    int role_sgs[NVMROLES + NBMROLES][4], role_nsg[NVMROLES + NBMROLES];
    int role_group[NVMROLES + NBMROLES];
    struct gen_group *gg;
    int64_t base = 1700000000 + (int64_t)(seed % 1000) * 3600;
    long err1 = n / 3, err2 = (2 * n) / 3 + 1;
    char id[DEMO_ID_LEN], name[96];

    w->seed = seed;
    w->size = size;
    w->ninst_base = n;
    w->speed = speed > 0 ? speed : 1.0;
    w->prov = xstrdup(prov);
    w->now_ms = rt_now_ms();
    for (int i = 0; i < DIX__COUNT; i++) {
        w->ix_inst[i] = res_field_index(RES_KIND_INSTANCE, inst_field_names[i]);
        RT_ASSERT(w->ix_inst[i] >= 0);
    }
    w->nregions = big ? 3 : 2;
    for (int i = 0; i < w->nregions; i++)
        w->regions[i] = region_cat[i];
    for (int i = 0; i < w->nregions; i++) {
        for (int z = 0; z < zpr; z++) {
            struct dzone *zn = &w->zones[w->nzones++];
            snprintf(zn->name, sizeof zn->name, "%s-1%c", w->regions[i].name, 'a' + z);
            zn->region = i;
        }
    }
    w->flavors = flavor_cat;
    w->nflavors = NFLAVORS;
    for (int i = 0; i < NKEYPAIRS; i++) {
        struct dkeypair *k = &w->keypairs[w->nkeypairs++];
        uint64_t h = demo_hash_str(seed, keypair_cat[i].name);
        k->name = keypair_cat[i].name;
        k->type = keypair_cat[i].type;
        for (int b = 0; b < 16; b++)
            snprintf(k->fingerprint + b * 3, sizeof k->fingerprint - (size_t)b * 3, "%02x%s",
                     (unsigned)(demo_mix(h, (uint64_t)b) & 0xff), b < 15 ? ":" : "");
        k->created_at = base - 86400 * (int64_t)(30 + h % 300);
    }
    /* server groups, per region */
    for (int rg = 0; rg < w->nregions; rg++) {
        for (int i = 0; i < NSRVGROUPS; i++) {
            struct dsrvgroup *g;
            ARR_PUSH(w->sgroups);
            g = &w->sgroups.v[w->sgroups.n - 1];
            demo_uuid(seed, 0x5600000ULL + (uint64_t)(rg * 16 + i), g->id);
            snprintf(g->name, sizeof g->name, "%s", srvgroup_cat[i].name);
            g->policy = srvgroup_cat[i].policy;
            g->region = rg;
        }
    }
    gg = xcalloc(w->sgroups.n, sizeof *gg);
    /* images */
    for (int i = 0; i < NIMGCAT; i++) {
        int idx;
        demo_uuid(seed, 0x1300000ULL + (uint64_t)i, id);
        idx = demo_add(w, RES_KIND_IMAGE, id, demo_imgcat[i].name);
        w->imgs.v[idx].cat = i;
        w->imgs.v[idx].priv = (unsigned char)demo_imgcat[i].priv;
        w->imgs.v[idx].st = DIS_ACTIVE;
        w->imgs.v[idx].size_gb = demo_imgcat[i].size_gb;
        w->imgs.v[idx].min_disk = demo_imgcat[i].min_disk;
        w->imgs.v[idx].o.created_at = base - 86400 * (int64_t)(60 + i * 7);
        w->imgs.v[idx].o.updated_at = w->imgs.v[idx].o.created_at;
    }
    /* security groups, per region, same order: index = rg * NSGCAT + k */
    for (int rg = 0; rg < w->nregions; rg++) {
        for (int i = 0; i < NSGCAT; i++) {
            int idx;
            struct dsg *g;
            demo_uuid(seed, 0x5900000ULL + (uint64_t)(rg * 64 + i), id);
            idx = demo_add(w, RES_KIND_SECGROUP, id, sg_cat[i].name);
            g = &w->sgs.v[idx];
            g->region = rg;
            g->desc = xstrdup(sg_cat[i].desc);
            g->revision = 1 + (int)(demo_mix(seed, (uint64_t)idx) % 5);
            g->o.created_at = base - 86400 * 90;
            g->o.updated_at = g->o.created_at + 86400 * (int64_t)(i + 1);
            demo_sg_default_egress(g, seed);
            sg_add_rules_spec(g, seed, sg_cat[i].rules);
        }
    }
    /* roles resolved once */
    for (int i = 0; i < NVMROLES + NBMROLES; i++) {
        const struct role *ro = i < NVMROLES ? &vm_roles[i] : &bm_roles[i - NVMROLES];
        char buf[64], *save = NULL;
        role_flavor[i] = demo_flavor_find(w, ro->flavor);
        role_image[i] = image_cat_find(ro->image);
        role_nsg[i] = 0;
        snprintf(buf, sizeof buf, "%s", ro->sgs);
        for (char *t = strtok_r(buf, ",", &save); t != NULL && role_nsg[i] < 4;
             t = strtok_r(NULL, ",", &save)) {
            for (int k = 0; k < NSGCAT; k++) {
                if (strcmp(sg_cat[k].name, t) == 0)
                    role_sgs[i][role_nsg[i]++] = k;
            }
        }
        role_group[i] = -1;
        for (int k = 0; ro->group != NULL && k < NSRVGROUPS; k++) {
            if (strcmp(srvgroup_cat[k].name, ro->group) == 0)
                role_group[i] = k;
        }
    }
    /* hypervisors */
    hv_per_zone = (int)(nvm / ((long)w->nzones * (n <= 1000 ? 6 : 20)));
    if (hv_per_zone < 6)
        hv_per_zone = 6;
    hv_first = xcalloc((size_t)w->nzones, sizeof *hv_first);
    hv_rr = xcalloc((size_t)w->nzones, sizeof *hv_rr);
    zseq = xcalloc((size_t)w->nzones, sizeof *zseq);
    rseq = xcalloc((size_t)w->nregions, sizeof *rseq);
    for (int z = 0; z < w->nzones; z++) {
        hv_first[z] = (int)w->hosts.n;
        for (int i = 0; i < hv_per_zone; i++) {
            int idx, m;
            struct dhost *h;
            snprintf(name, sizeof name, "hv-%s-%02d", w->zones[z].name, i + 1);
            idx = demo_add(w, RES_KIND_HOST, name, name);
            h = &w->hosts.v[idx];
            m = (int)(demo_hash_str(seed, name) % NHVMODELS);
            h->zone = z;
            h->model = m;
            h->vcpus = hv_models[m].vcpus;
            h->mem_mb = hv_models[m].mem_mb;
            h->disk_gb = 3840;
            h->power_on = 1;
            h->base_load = 0.05 + (double)(demo_hash_str(seed ^ 7, name) % 100) / 1000.0;
            h->bmc_ip = (10u << 24) | (240u << 16) | ((uint32_t)z << 8) | (uint32_t)(10 + i);
            snprintf(h->serial, sizeof h->serial, "%c%c%06llu", 'A' + m, 'K' + z % 10,
                     (unsigned long long)(demo_hash_str(seed, name) % 1000000));
            h->o.created_at = base - 86400 * 200;
            h->o.updated_at = base;
        }
    }
    /* instances (bare-metal nodes are created next to their instance) */
    for (long i = 0; i < n; i++) {
        uint64_t hsh = demo_mix(seed, 0x1000000ULL + (uint64_t)i);
        int bm = i % 5 == 4, ri, z, idx, f;
        const struct role *ro;
        struct dinst *in;
        int is_err = (i == err1 || i == err2) && !bm;

        if (i == err1 && bm)
            err1++;
        if (i == err2 && bm)
            err2++;
        ri = bm ? NVMROLES + (int)(hsh % NBMROLES) : (int)(hsh % NVMROLES);
        ro = ri < NVMROLES ? &vm_roles[ri] : &bm_roles[ri - NVMROLES];
        z = (int)((hsh >> 8) % (uint64_t)w->nzones);
        snprintf(name, sizeof name, "%s-%03d", ro->name, ++role_count[ri]);
        demo_uuid(seed, 0x1000000ULL + (uint64_t)i, id);
        idx = demo_add(w, RES_KIND_INSTANCE, id, name);
        in = &w->insts.v[idx];
        in->bm = (unsigned char)bm;
        in->zone = z;
        in->flavor = f = role_flavor[ri];
        in->image = role_image[ri];
        in->keypair = (int)((hsh >> 16) % NKEYPAIRS);
        for (int k = 0; k < role_nsg[ri]; k++)
            in->sg[in->nsg++] = w->zones[z].region * NSGCAT + role_sgs[ri][k];
        in->ip = (10u << 24) | ((uint32_t)z << 18) | (uint32_t)(10 + zseq[z]++);
        if ((int)((hsh >> 24) % 100) < ro->fip_pct) {
            int rg = w->zones[z].region;
            in->fip = (172u << 24) | ((24u + (uint32_t)rg) << 16) | (uint32_t)(2 + rseq[rg]++);
        }
        in->o.created_at = base + (int64_t)((hsh >> 32) % (200 * 86400));
        in->o.updated_at = in->o.created_at + (int64_t)((hsh >> 40) % 86400);
        in->locked = (hsh >> 48) % 40 == 7;
        if (is_err) {
            in->vm = DVM_ERROR;
            in->pwr = DPWR_NOSTATE;
            in->locked = 0;
            if (i == err1) {
                in->fault = xstrdup("No valid host was found. There are not enough hosts "
                                    "available.");
                continue;
            }
            in->fault = xasprintf("Build of instance %s aborted: Failed to allocate the "
                                  "network(s), not rescheduling.",
                                  id);
        } else if ((hsh >> 52) % 100 < 90) {
            in->vm = DVM_ACTIVE;
            in->pwr = DPWR_RUNNING;
        } else {
            in->vm = DVM_STOPPED;
            in->pwr = DPWR_SHUTDOWN;
        }
        if (bm) {
            int hidx, m = 0;
            struct dhost *h;
            char hname[64];
            for (int k = 0; k < NBMMODELS; k++) {
                if (strcmp(bm_models[k].rclass, w->flavors[f].rclass) == 0)
                    m = k;
            }
            snprintf(hname, sizeof hname, "node-%s-%03d", w->zones[z].name, ++hv_rr[z] + 0);
            demo_uuid(seed, 0x4000000ULL + (uint64_t)i, id);
            hidx = demo_add(w, RES_KIND_HOST, id, hname);
            in = &w->insts.v[idx];
            h = &w->hosts.v[hidx];
            h->bm = 1;
            h->zone = z;
            h->model = m;
            h->rclass = w->flavors[f].rclass;
            h->vcpus = w->flavors[f].vcpus;
            h->mem_mb = w->flavors[f].ram_mb;
            h->disk_gb = w->flavors[f].disk_gb;
            h->prov = DPS_ACTIVE;
            h->power_on = in->vm != DVM_STOPPED;
            h->base_load = 0.1 + (double)(hsh % 300) / 1000.0;
            h->bmc_ip = (10u << 24) | (241u << 16) | ((uint32_t)z << 12) | (uint32_t)hv_rr[z];
            snprintf(h->serial, sizeof h->serial, "%c%c%06llu", 'P' + m, 'A' + z % 10,
                     (unsigned long long)(hsh % 1000000));
            h->o.created_at = base - 86400 * 180;
            h->o.updated_at = in->o.created_at;
            in->host = hidx;
        } else if (i != err1) {
            int nh = hv_per_zone, g = role_group[ri];
            in->host = hv_first[z] + zseq[z] % nh;
            if (g >= 0) {
                int gi = w->zones[z].region * NSRVGROUPS + g, clash = 0;
                struct gen_group *gp = &gg[gi];
                for (int k = 0; k < gp->n; k++)
                    clash |= gp->host[k] == in->host;
                if (strcmp(srvgroup_cat[g].policy, "affinity") == 0 && gp->n > 0)
                    clash = gp->host[0] != in->host; /* only on the first member's host */
                if (!clash && gp->n < 16) {
                    gp->host[gp->n++] = in->host;
                    in->sgroup = gi;
                }
            }
        }
    }
    /* spare bare-metal nodes: available, a few manageable/enroll/clean failed */
    {
        long spares = nbm / 4 > 2L * w->nzones ? nbm / 4 : 2L * w->nzones;
        for (long s = 0; s < spares; s++) {
            int z = (int)(s % w->nzones), m = (int)((s / w->nzones) % NBMMODELS), hidx, f = 7;
            struct dhost *h;
            for (int k = 0; k < NFLAVORS; k++) {
                if (flavor_cat[k].rclass != NULL &&
                    strcmp(flavor_cat[k].rclass, bm_models[m].rclass) == 0)
                    f = k;
            }
            snprintf(name, sizeof name, "node-%s-%03d", w->zones[z].name, ++hv_rr[z]);
            demo_uuid(seed, 0x4800000ULL + (uint64_t)s, id);
            hidx = demo_add(w, RES_KIND_HOST, id, name);
            h = &w->hosts.v[hidx];
            h->bm = 1;
            h->zone = z;
            h->model = m;
            h->rclass = bm_models[m].rclass;
            h->vcpus = flavor_cat[f].vcpus;
            h->mem_mb = flavor_cat[f].ram_mb;
            h->disk_gb = flavor_cat[f].disk_gb;
            h->base_load = 0.02;
            h->bmc_ip = (10u << 24) | (241u << 16) | ((uint32_t)z << 12) | (uint32_t)hv_rr[z];
            snprintf(h->serial, sizeof h->serial, "%c%c%06llu", 'P' + m, 'S' + z % 6,
                     (unsigned long long)(demo_mix(seed, (uint64_t)s) % 1000000));
            h->o.created_at = base - 86400 * 30;
            h->o.updated_at = base;
            h->prov = DPS_AVAILABLE;
            if (s == spares - 1) {
                h->prov = DPS_ENROLL;
            } else if (s == spares - 2) {
                h->prov = DPS_MANAGEABLE;
            } else if (s == spares - 3) {
                h->prov = DPS_CLEAN_FAILED;
                h->maint = 1;
                h->maint_reason = xstrdup("cleaning failed: disk erase timed out on /dev/sdb");
                h->last_error = xstrdup("Failed to tear down from cleaning for node: Timeout "
                                        "reached while waiting for callback");
            }
        }
    }
    /* volumes */
    {
        static const int sizes[] = {50, 100, 200, 250, 500, 1000};
        static const int dbsizes[] = {500, 1000, 2000};
        size_t ninst = w->insts.n;
        long nfree;
        for (size_t i = 0; i < ninst; i++) {
            struct dinst *in = &w->insts.v[i];
            uint64_t hsh = demo_mix(seed, 0x7000000ULL + i);
            int ri, vidx;
            const struct role *ro = NULL;
            if (in->vm == DVM_ERROR)
                continue;
            for (ri = 0; ri < NVMROLES + NBMROLES; ri++) {
                const struct role *c = ri < NVMROLES ? &vm_roles[ri] : &bm_roles[ri - NVMROLES];
                size_t l = strlen(c->name);
                if (strncmp(in->o.name, c->name, l) == 0 && in->o.name[l] == '-' &&
                    in->o.name[l + 1] >= '0' && in->o.name[l + 1] <= '9')
                    ro = c;
            }
            if (!in->bm && hsh % 10 < 3) {
                snprintf(name, sizeof name, "%s-boot", in->o.name);
                demo_uuid(seed, 0x7000000ULL + i * 2, id);
                vidx = demo_add(w, RES_KIND_VOLUME, id, name);
                in = &w->insts.v[i];
                w->vols.v[vidx].st = DVS_IN_USE;
                w->vols.v[vidx].bootable = 1;
                w->vols.v[vidx].size_gb = w->flavors[in->flavor].disk_gb;
                w->vols.v[vidx].inst = (int)i;
                w->vols.v[vidx].zone = in->zone;
                snprintf(w->vols.v[vidx].dev, sizeof w->vols.v[vidx].dev, "/dev/vda");
                w->vols.v[vidx].source = xstrdup(w->imgs.v[in->image].o.name);
                w->vols.v[vidx].o.created_at = in->o.created_at;
                w->vols.v[vidx].o.updated_at = in->o.created_at;
            }
            if (ro != NULL && (int)((hsh >> 8) % 100) < ro->data_pct) {
                int isdb = strncmp(ro->name, "db", 2) == 0;
                snprintf(name, sizeof name, "%s-data", in->o.name);
                demo_uuid(seed, 0x7000000ULL + i * 2 + 1, id);
                vidx = demo_add(w, RES_KIND_VOLUME, id, name);
                in = &w->insts.v[i];
                w->vols.v[vidx].st = DVS_IN_USE;
                w->vols.v[vidx].vtype = isdb ? 2 : 0;
                w->vols.v[vidx].size_gb = isdb ? dbsizes[(hsh >> 16) % 3] : sizes[(hsh >> 16) % 6];
                w->vols.v[vidx].inst = (int)i;
                w->vols.v[vidx].zone = in->zone;
                snprintf(w->vols.v[vidx].dev, sizeof w->vols.v[vidx].dev, "%s",
                         in->bm ? "/dev/sdb" : "/dev/vdb");
                w->vols.v[vidx].o.created_at = in->o.created_at + 600;
                w->vols.v[vidx].o.updated_at = in->o.created_at + 600;
            }
        }
        nfree = n / 8 > 6 ? n / 8 : 6;
        for (long i = 0; i < nfree; i++) {
            static const char *const fnames[] = {"scratch", "backup", "data", "restore"};
            uint64_t hsh = demo_mix(seed, 0x7800000ULL + (uint64_t)i);
            int vidx;
            struct dvol *v;
            snprintf(name, sizeof name, "%s-%03ld", fnames[i % 4], i / 4 + 1);
            demo_uuid(seed, 0x7800000ULL + (uint64_t)i, id);
            vidx = demo_add(w, RES_KIND_VOLUME, id, name);
            v = &w->vols.v[vidx];
            v->st = i == nfree - 1 ? DVS_ERROR : DVS_AVAILABLE;
            v->vtype = (unsigned char)(hsh % 2);
            v->size_gb = sizes[(hsh >> 8) % 6];
            v->zone = (int)((hsh >> 16) % (uint64_t)w->nzones);
            if (i % 4 == 3) {
                v->bootable = 1;
                v->source = xstrdup(demo_imgcat[(hsh >> 24) % 5].name);
            }
            v->o.created_at = base + (int64_t)((hsh >> 32) % (150 * 86400));
            v->o.updated_at = v->o.created_at;
        }
    }
    /* snapshots: some data volumes, a few instances */
    {
        size_t nv = w->vols.n, ni = w->insts.n;
        char day[24];
        for (size_t i = 0; i < nv; i++) {
            struct dvol *v = &w->vols.v[i];
            uint64_t hsh = demo_mix(seed, 0x8000000ULL + i);
            int sidx;
            struct dsnap *s;
            if (v->bootable || v->st == DVS_ERROR || hsh % 5 != 0)
                continue;
            rt_iso8601(v->o.created_at + 86400 * (int64_t)(1 + hsh % 60), day, sizeof day);
            day[4] = day[7] = '\0';
            snprintf(name, sizeof name, "%s-snap-%s%s%.2s", v->o.name, day, day + 5, day + 8);
            demo_uuid(seed, 0x8000000ULL + i, id);
            sidx = demo_add(w, RES_KIND_SNAPSHOT, id, name);
            v = &w->vols.v[i];
            s = &w->snaps.v[sidx];
            s->st = DSS_AVAILABLE;
            s->size_gb = v->size_gb;
            s->region = w->zones[v->zone].region;
            snprintf(s->src, sizeof s->src, "%s", v->o.id);
            s->desc = xstrdup("nightly backup");
            s->o.created_at = v->o.created_at + 86400 * (int64_t)(1 + hsh % 60);
            s->o.updated_at = s->o.created_at;
        }
        for (size_t i = 0; i < ni; i++) {
            struct dinst *in = &w->insts.v[i];
            uint64_t hsh = demo_mix(seed, 0x8800000ULL + i);
            int sidx;
            struct dsnap *s;
            if (in->vm == DVM_ERROR || hsh % 25 != 0)
                continue;
            snprintf(name, sizeof name, "%s-pre-upgrade", in->o.name);
            demo_uuid(seed, 0x8800000ULL + i, id);
            sidx = demo_add(w, RES_KIND_SNAPSHOT, id, name);
            in = &w->insts.v[i];
            s = &w->snaps.v[sidx];
            s->st = DSS_AVAILABLE;
            s->src_inst = 1;
            s->size_gb = w->flavors[in->flavor].disk_gb;
            s->region = w->zones[in->zone].region;
            snprintf(s->src, sizeof s->src, "%s", in->o.id);
            s->desc = xstrdup("before the OS upgrade");
            s->o.created_at = in->o.created_at + 86400 * (int64_t)(1 + hsh % 30);
            s->o.updated_at = s->o.created_at;
        }
    }
    /* floating IPs: the ones the instances have, then a few spare ones per region */
    {
        size_t ni = w->insts.n;
        char addr[20];
        for (size_t i = 0; i < ni; i++) {
            const struct dinst *in = &w->insts.v[i];
            int fx;
            if (in->fip == 0)
                continue;
            demo_uuid(seed, 0x9100000ULL + i, id);
            fx = demo_add(w, RES_KIND_FLOATINGIP, id, ip4(in->fip, addr, sizeof addr));
            in = &w->insts.v[i];
            w->fips.v[fx].addr = in->fip;
            w->fips.v[fx].region = w->zones[in->zone].region;
            w->fips.v[fx].inst = (int)i;
            w->fips.v[fx].o.created_at = in->o.created_at + 300;
            w->fips.v[fx].o.updated_at = in->o.created_at + 300;
        }
        for (int rg = 0; rg < w->nregions; rg++) {
            for (int k = 0; k < 3; k++) {
                uint32_t a =
                    (172u << 24) | ((24u + (uint32_t)rg) << 16) | (uint32_t)(2 + rseq[rg]++);
                int fx;
                demo_uuid(seed, 0x9180000ULL + (uint64_t)(rg * 16 + k), id);
                fx = demo_add(w, RES_KIND_FLOATINGIP, id, ip4(a, addr, sizeof addr));
                w->fips.v[fx].addr = a;
                w->fips.v[fx].region = rg;
                w->fips.v[fx].desc = xstrdup(k == 0 ? "reserved for the VPN gateway" : "");
                w->fips.v[fx].o.created_at = base + 86400 * (int64_t)(10 + k * 20);
                w->fips.v[fx].o.updated_at = w->fips.v[fx].o.created_at;
            }
        }
    }
    free(gg);
    free(hv_first);
    free(hv_rr);
    free(zseq);
    free(rseq);
    demo_world_recount(w);
    return w;
}

void demo_op_free(struct dop *op)
{
    for (int i = 0; i < op->ntgt; i++)
        free(op->tgt[i]);
    free(op->tgt);
    params_done(&op->prm);
    free(op->dur);
    free(op->msg);
}

void demo_world_free(struct dworld *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->hosts.n; i++) {
        free(w->hosts.v[i].o.name);
        free(w->hosts.v[i].o.op);
        free(w->hosts.v[i].maint_reason);
        free(w->hosts.v[i].last_error);
    }
    for (size_t i = 0; i < w->insts.n; i++) {
        free(w->insts.v[i].o.name);
        free(w->insts.v[i].o.op);
        free(w->insts.v[i].task);
        free(w->insts.v[i].fault);
        free(w->insts.v[i].net);
    }
    for (size_t i = 0; i < w->vols.n; i++) {
        free(w->vols.v[i].o.name);
        free(w->vols.v[i].o.op);
        free(w->vols.v[i].source);
    }
    for (size_t i = 0; i < w->snaps.n; i++) {
        free(w->snaps.v[i].o.name);
        free(w->snaps.v[i].o.op);
        free(w->snaps.v[i].desc);
    }
    for (size_t i = 0; i < w->sgs.n; i++) {
        free(w->sgs.v[i].o.name);
        free(w->sgs.v[i].o.op);
        free(w->sgs.v[i].desc);
        free(w->sgs.v[i].rules);
    }
    for (size_t i = 0; i < w->imgs.n; i++) {
        free(w->imgs.v[i].o.name);
        free(w->imgs.v[i].o.op);
    }
    for (size_t i = 0; i < w->fips.n; i++) {
        free(w->fips.v[i].o.name);
        free(w->fips.v[i].o.op);
        free(w->fips.v[i].desc);
    }
    for (size_t i = 0; i < w->ops.n; i++)
        demo_op_free(&w->ops.v[i]);
    for (int k = 0; k < RES_KIND__COUNT; k++)
        free(w->map[k].slots);
    free(w->hosts.v);
    free(w->insts.v);
    free(w->vols.v);
    free(w->snaps.v);
    free(w->sgs.v);
    free(w->imgs.v);
    free(w->fips.v);
    free(w->ops.v);
    free(w->sgroups.v);
    free(w->dirty.v);
    free(w->prov);
    free(w->ns);
    free(w);
}

void demo_world_recount(struct dworld *w)
{
    for (size_t i = 0; i < w->hosts.n; i++) {
        struct dhost *h = &w->hosts.v[i];
        h->ninst = h->vcpus_used = h->mem_used = 0;
        h->inst = -1;
    }
    for (size_t i = 0; i < w->insts.n; i++) {
        const struct dinst *in = &w->insts.v[i];
        struct dhost *h;
        if (in->o.deleted || in->host < 0)
            continue;
        h = &w->hosts.v[in->host];
        h->ninst++;
        h->vcpus_used += w->flavors[in->flavor].vcpus;
        h->mem_used += w->flavors[in->flavor].ram_mb;
        if (h->bm)
            h->inst = (int)i;
    }
    w->need_recount = 0;
}

/* ---- health and metrics -------------------------------------------------------------- */

int64_t demo_fault_window(int64_t t)
{
    return t / 3600;
}

static uint64_t fault_hash(const struct dworld *w, int h, int64_t win)
{
    return demo_mix(demo_hash_str(w->seed ^ 0xfa17fa17ULL, w->hosts.v[h].o.id), (uint64_t)win);
}

/* Which faults are active for host h at time t; starts are within the window. */
static void faults_at(const struct dworld *w, int h, int64_t t, int64_t *fan_start,
                      int64_t *psu_start, int *maint)
{
    int64_t win = demo_fault_window(t), w0 = win * 3600;
    uint64_t fh = fault_hash(w, h, win), f2 = demo_mix(fh, 2);
    const struct dhost *hs = &w->hosts.v[h];

    *fan_start = *psu_start = -1;
    *maint = 0;
    if (fh % 40 == 1 && t >= w0 + (int64_t)((fh >> 8) % 2400))
        *fan_start = w0 + (int64_t)((fh >> 8) % 2400);
    if ((fh >> 20) % 45 == 2 && t >= w0 + (int64_t)((fh >> 32) % 3000))
        *psu_start = w0 + (int64_t)((fh >> 32) % 3000);
    /* automatic maintenance only strikes hosts in service (never spare nodes, so that
     * provisioning an available node is never refused by chance) */
    if ((!hs->bm || hs->prov == DPS_ACTIVE) && f2 % 70 == 3 &&
        t >= w0 + (int64_t)((f2 >> 8) % 3000))
        *maint = 1;
}

int demo_host_in_maint(const struct dworld *w, int h, int64_t now_s)
{
    int64_t fs, ps;
    int am;

    if (w->hosts.v[h].maint)
        return 1;
    faults_at(w, h, now_s, &fs, &ps, &am);
    return am && w->hosts.v[h].maint_ack_win != demo_fault_window(now_s);
}

static void demo_event(const struct dworld *w, int h, int64_t at, const char *what,
                       const char *sev, const char *msg, const char *code,
                       struct res_list *out)
{
    const struct dhost *hs = &w->hosts.v[h];
    char id[160], iso[32];
    struct resource *r;

    snprintf(id, sizeof id, "%s-%s-%lld", hs->o.id, what, (long long)at);
    r = res_new(w->prov, RES_KIND_EVENT, id, code);
    res_set(r, "host", hs->o.id);
    res_set(r, "severity", sev);
    res_set(r, "message", msg);
    res_set(r, "created_at", rt_iso8601(at, iso, sizeof iso));
    res_set(r, "source", hs->bm ? "SEL" : "Event log");
    res_set(r, "message_id", code);
    res_set_status(r, strcmp(sev, "Critical") == 0 ? RES_STATUS_ERROR : RES_STATUS_ACTIVE, sev);
    r->updated_at = at;
    res_list_push(out, r);
}

void demo_events(const struct dworld *w, int64_t now_s, int windows, struct res_list *out)
{
    for (size_t h = 0; h < w->hosts.n; h++) {
        for (int back = windows - 1; back >= 0; back--) {
            int64_t t = (demo_fault_window(now_s) - back) * 3600 + 3599;
            int64_t fs, ps, w0 = (t / 3600) * 3600;
            uint64_t f2 = demo_mix(fault_hash(w, (int)h, t / 3600), 2);
            int am;
            if (t > now_s)
                t = now_s;
            faults_at(w, (int)h, t, &fs, &ps, &am);
            if (fs >= 0)
                demo_event(w, (int)h, fs, "fan", "Critical",
                           "Fan 2 failed: speed 0 RPM below the lower critical threshold",
                           "Fan.FanFailed", out);
            if (ps >= 0)
                demo_event(w, (int)h, ps, "psu", "Warning",
                           "Power supply 2 failed: power redundancy lost", "Power.PSUFailed",
                           out);
            if (am)
                demo_event(w, (int)h, w0 + (int64_t)((f2 >> 8) % 3000), "maint", "Warning",
                           "Host entered maintenance automatically (BMC fault policy)",
                           "Host.MaintenanceEntered", out);
        }
    }
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void demo_host_health(const struct dworld *w, int h, int64_t t, struct dhealth *out)
{
    const struct dhost *hs = &w->hosts.v[h];
    uint64_t hh = demo_hash_str(w->seed ^ 0x4ea1, hs->o.id);
    double ph = (double)(hh % 3600), tt = (double)t;
    double diurnal = sin(2 * M_PI * (tt + ph * 24) / 86400.0);
    double wave = sin(2 * M_PI * (tt + ph) / 1800.0);
    double noise = (double)(demo_mix(hh, (uint64_t)(t / 60)) % 1000) / 1000.0 - 0.5;
    double idle_w, max_w, cpu, mem, temp, watts;
    int64_t fan_start, psu_start;
    int am, fan = 0, psu = 0, tstate;
    static const char *const lvl[] = {"OK", "Warning", "Critical"};

    if (hs->bm) {
        idle_w = bm_models[hs->model].idle_w;
        max_w = bm_models[hs->model].max_w;
    } else {
        idle_w = hv_models[hs->model].idle_w;
        max_w = hv_models[hs->model].max_w;
    }
    faults_at(w, h, t, &fan_start, &psu_start, &am);
    if (!hs->power_on) {
        cpu = 0;
        mem = 0;
        temp = 21 + 1.5 * wave;
        watts = 9 + noise;
    } else {
        if (!hs->bm) {
            double load = hs->vcpus > 0 ? (double)hs->vcpus_used / hs->vcpus : 0;
            cpu = 100 * (hs->base_load * 0.4 + load * 0.55 * (0.75 + 0.25 * diurnal) + 0.04 * wave +
                         0.02 * noise);
            mem = hs->mem_mb > 0 ? 4 + 90.0 * hs->mem_used / hs->mem_mb + 1.5 * wave : 0;
        } else if (hs->inst >= 0 && w->insts.v[hs->inst].pwr == DPWR_RUNNING) {
            cpu = 100 * (0.2 + hs->base_load * 0.6 + 0.15 * diurnal + 0.05 * wave + 0.02 * noise);
            mem = 25 + hs->base_load * 80 + 3 * wave;
        } else {
            cpu = 2 + 1 * wave + noise;
            mem = 2 + 0.5 * wave;
        }
        cpu = clampd(cpu, 0, 100);
        mem = clampd(mem, 0, 100);
        temp = 26 + cpu * 0.32 + 1.5 * wave + noise * 0.4;
        watts = idle_w + (max_w - idle_w) * cpu / 100 + 5 * noise;
    }
    if (fan_start >= 0) {
        double mins = (double)(t - fan_start) / 60.0;
        fan = mins < 15 ? 1 : 2;
        if (hs->power_on)
            temp += mins * 0.9 < 28 ? mins * 0.9 : 28;
    }
    if (psu_start >= 0)
        psu = 1; /* one of two supplies failed: redundancy lost */
    tstate = temp >= 90 ? 2 : temp >= 78 ? 1 : 0;
    out->cpu = cpu;
    out->mem = mem;
    out->temp = clampd(temp, 10, 110);
    out->watts = clampd(watts, 0, 3000);
    out->fans = lvl[fan];
    out->psus = lvl[psu];
    {
        int worst = fan > psu ? fan : psu;
        worst = tstate > worst ? tstate : worst;
        out->health = lvl[worst];
    }
    out->auto_maint = am && hs->maint_ack_win != demo_fault_window(t);
    out->reason = fan   ? "BMC: fan failure, host drained automatically"
                  : psu ? "BMC: power supply redundancy lost, host drained automatically"
                        : "BMC: correctable memory errors over threshold, host drained";
}

/* ---- JSON building ----------------------------------------------------------------- */

void demo_js(struct strbuf *sb, const char *s)
{
    const char *run;
    char esc[8];

    if (s == NULL) {
        strbuf_add(sb, "null", 4);
        return;
    }
    strbuf_add(sb, "\"", 1);
    for (run = s; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        strbuf_add(sb, run, (size_t)(s - run));
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            strbuf_add(sb, esc, 2);
        } else {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            strbuf_add(sb, esc, 6);
        }
        run = s + 1;
    }
    strbuf_add(sb, run, (size_t)(s - run));
    strbuf_add(sb, "\"", 1);
}

/* Decimal text of v into buf (>= 21 bytes); returns the length. */
static size_t fmt_ll(char *buf, long long v)
{
    char tmp[24];
    size_t n = 0, i = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        buf[i++] = '-';
    while (n > 0)
        buf[i++] = tmp[--n];
    buf[i] = '\0';
    return i;
}

void demo_jk(struct strbuf *sb, const char *key)
{
    if (sb->len > 0) {
        char c = sb->buf[sb->len - 1];
        if (c != '{' && c != '[' && c != ':')
            strbuf_add(sb, ",", 1);
    }
    if (key != NULL) {
        /* keys are ASCII identifiers: no escaping needed */
        size_t n = strlen(key);
        strbuf_add(sb, "\"", 1);
        strbuf_add(sb, key, n);
        strbuf_add(sb, "\":", 2);
    }
}

void demo_jstr(struct strbuf *sb, const char *key, const char *v)
{
    demo_jk(sb, key);
    demo_js(sb, v);
}

void demo_jint(struct strbuf *sb, const char *key, long long v)
{
    char b[24];

    demo_jk(sb, key);
    strbuf_add(sb, b, fmt_ll(b, v));
}

void demo_jnum(struct strbuf *sb, const char *key, double v)
{
    demo_jk(sb, key);
    strbuf_addf(sb, "%.2f", v);
}

void demo_jbool(struct strbuf *sb, const char *key, int v)
{
    demo_jk(sb, key);
    strbuf_adds(sb, v ? "true" : "false");
}

void demo_jraw(struct strbuf *sb, const char *key, const char *raw)
{
    demo_jk(sb, key);
    strbuf_adds(sb, raw != NULL ? raw : "null");
}

/* ---- rendering ------------------------------------------------------------------------ */

/* A raw-JSON buffer sized for one row, so it rarely grows. */
static void sb_start(struct strbuf *sb, size_t cap)
{
    sb->buf = xmalloc(cap);
    sb->cap = cap;
    sb->len = 0;
    sb->buf[0] = '\0';
}

/* Integer field without a printf round trip (listing 100 000 rows must stay fast). */
static void set_int(struct resource *r, const char *field, long long v)
{
    char b[24];

    fmt_ll(b, v);
    res_set(r, field, b);
}

/* Set field i by schema position (render_inst's fast path). */
static void fset_take(struct resource *r, int i, char *v)
{
    free(r->fields[i]);
    r->fields[i] = v;
}

static void fset(struct resource *r, int i, const char *v)
{
    fset_take(r, i, xstrdup(v));
}

static void fset_int(struct resource *r, int i, long long v)
{
    char b[24];

    fmt_ll(b, v);
    fset(r, i, b);
}

/* A JSON list of strings, built without jansson. */
static char *strlist(const char *const *items, int n)
{
    struct strbuf sb = STRBUF_INIT;

    strbuf_add(&sb, "[", 1);
    for (int i = 0; i < n; i++) {
        if (i > 0)
            strbuf_add(&sb, ",", 1);
        demo_js(&sb, items[i]);
    }
    strbuf_add(&sb, "]", 1);
    return strbuf_take(&sb);
}

/* UTC ISO 8601 without strftime (civil-from-days, H. Hinnant). */
static const char *iso(int64_t t, char *buf, size_t len)
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, sec = t - days * 86400;
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;

    if (m <= 2)
        y++;
    if (y < 1000 || y > 9999 || len < 21)
        return rt_iso8601(t, buf, len);
    buf[0] = (char)('0' + y / 1000);
    buf[1] = (char)('0' + y / 100 % 10);
    buf[2] = (char)('0' + y / 10 % 10);
    buf[3] = (char)('0' + y % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + m / 10);
    buf[6] = (char)('0' + m % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + d / 10);
    buf[9] = (char)('0' + d % 10);
    buf[10] = 'T';
    buf[11] = (char)('0' + sec / 36000);
    buf[12] = (char)('0' + sec / 3600 % 10);
    buf[13] = ':';
    buf[14] = (char)('0' + sec % 3600 / 600);
    buf[15] = (char)('0' + sec % 3600 / 60 % 10);
    buf[16] = ':';
    buf[17] = (char)('0' + sec % 60 / 10);
    buf[18] = (char)('0' + sec % 10);
    buf[19] = 'Z';
    buf[20] = '\0';
    return buf;
}

static void mac_of(const char *id, uint32_t salt, char out[18])
{
    static const char hex[] = "0123456789abcdef";
    uint64_t h = demo_mix(rt_fnv1a(RT_FNV_INIT, id, strlen(id)), salt);

    memcpy(out, "fa:16:3e:", 9);
    for (int i = 0; i < 3; i++) {
        out[9 + i * 3] = hex[(h >> (i * 8 + 4)) & 15];
        out[10 + i * 3] = hex[(h >> (i * 8)) & 15];
        out[11 + i * 3] = i < 2 ? ':' : '\0';
    }
}

void demo_volidx_build(struct dworld *w)
{
    free(w->vhead);
    free(w->vnext);
    w->vhead = xmalloc((w->insts.n + 1) * sizeof *w->vhead);
    w->vnext = xmalloc((w->vols.n + 1) * sizeof *w->vnext);
    for (size_t i = 0; i < w->insts.n; i++)
        w->vhead[i] = -1;
    for (size_t i = w->vols.n; i-- > 0;) {
        const struct dvol *v = &w->vols.v[i];
        w->vnext[i] = -1;
        if (v->o.deleted || v->inst < 0)
            continue;
        w->vnext[i] = w->vhead[v->inst];
        w->vhead[v->inst] = (int)i;
    }
}

void demo_volidx_drop(struct dworld *w)
{
    free(w->vhead);
    free(w->vnext);
    w->vhead = w->vnext = NULL;
}

/* Volumes attached to instance idx, in device order. Returns the count (<= max). */
int demo_inst_vols(const struct dworld *w, int idx, int *out, int max)
{
    int n = 0;

    if (w->vhead != NULL) {
        for (int v = w->vhead[idx]; v >= 0 && n < max; v = w->vnext[v])
            out[n++] = v;
    } else {
        for (size_t i = 0; i < w->vols.n && n < max; i++) {
            if (!w->vols.v[i].o.deleted && w->vols.v[i].inst == idx)
                out[n++] = (int)i;
        }
    }
    /* sort by device name */
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0 && strcmp(w->vols.v[out[j - 1]].dev, w->vols.v[out[j]].dev) > 0;
             j--) {
            int t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    }
    return n;
}

static enum res_status inst_status(const struct dinst *in, const char **nova)
{
    const char *t = in->task;

    switch (in->vm) {
    case DVM_BUILDING:
        *nova = "BUILD";
        return RES_STATUS_BUILD;
    case DVM_ERROR:
        *nova = "ERROR";
        return t != NULL ? RES_STATUS_BUSY : RES_STATUS_ERROR;
    case DVM_RESIZED:
        *nova =
            t != NULL && strncmp(t, "resize_revert", 13) == 0 ? "REVERT_RESIZE" : "VERIFY_RESIZE";
        return t != NULL ? RES_STATUS_BUSY : RES_STATUS_VERIFY;
    case DVM_STOPPED:
        *nova = "SHUTOFF";
        return t != NULL ? RES_STATUS_BUSY : RES_STATUS_SHUTOFF;
    default:
        break;
    }
    *nova = "ACTIVE";
    if (t == NULL)
        return RES_STATUS_ACTIVE;
    if (strcmp(t, "rebooting_hard") == 0 || strcmp(t, "reboot_pending_hard") == 0)
        *nova = "HARD_REBOOT";
    else if (strncmp(t, "reboot", 6) == 0)
        *nova = "REBOOT";
    else if (strncmp(t, "rebuild", 7) == 0)
        *nova = "REBUILD";
    else if (strncmp(t, "resize", 6) == 0)
        *nova = "RESIZE";
    else if (strcmp(t, "migrating") == 0)
        *nova = "MIGRATING";
    return RES_STATUS_BUSY;
}

static struct resource *render_inst(struct dworld *w, int idx, int progress)
{
    const struct dinst *in = &w->insts.v[idx];
    const struct dflavor *f = &w->flavors[in->flavor];
    const struct dzone *z = &w->zones[in->zone];
    const struct dimage *im = in->image >= 0 ? &w->imgs.v[in->image] : NULL;
    const struct dhost *h = in->host >= 0 ? &w->hosts.v[in->host] : NULL;
    struct resource *r = res_new(w->prov, RES_KIND_INSTANCE, in->o.id, in->o.name);
    const char *items[DEMO_MAX_SG + 64], *nova;
    char ipa[20], ipb[20], t1[32], t2[32], mac[18], raw_st[64];
    int vols[64], nv = demo_inst_vols(w, idx, vols, 64), n = 0;
    enum res_status st = inst_status(in, &nova);
    struct strbuf sb;

    fset(r, w->ix_inst[DIX_TYPE], in->bm ? "baremetal" : "vm");
    fset(r, w->ix_inst[DIX_REGION], w->regions[z->region].name);
    fset(r, w->ix_inst[DIX_ZONE], z->name);
    fset(r, w->ix_inst[DIX_HOST], h != NULL ? h->o.id : NULL);
    fset(r, w->ix_inst[DIX_FLAVOR], f->name);
    fset(r, w->ix_inst[DIX_IMAGE], im != NULL ? im->o.name : NULL);
    if (in->fip != 0)
        items[n++] = ip4(in->fip, ipa, sizeof ipa);
    if (in->ip != 0)
        items[n++] = ip4(in->ip, ipb, sizeof ipb);
    fset_take(r, w->ix_inst[DIX_ADDRESSES], strlist(items, n));
    for (int i = 0; i < nv; i++)
        items[i] = w->vols.v[vols[i]].o.id;
    fset_take(r, w->ix_inst[DIX_VOLUMES], strlist(items, nv));
    for (int i = 0; i < in->nsg; i++)
        items[i] = w->sgs.v[in->sg[i]].o.name;
    fset_take(r, w->ix_inst[DIX_SECURITY_GROUPS], strlist(items, in->nsg));
    fset(r, w->ix_inst[DIX_KEYPAIR], in->keypair >= 0 ? w->keypairs[in->keypair].name : NULL);
    fset(r, w->ix_inst[DIX_SERVER_GROUP], in->sgroup >= 0 ? w->sgroups.v[in->sgroup].name : NULL);
    fset(r, w->ix_inst[DIX_VM_STATE], demo_vm_names[in->vm]);
    fset(r, w->ix_inst[DIX_TASK_STATE], in->task);
    fset(r, w->ix_inst[DIX_POWER_STATE], demo_pwr_names[in->pwr]);
    fset_int(r, w->ix_inst[DIX_VCPUS], f->vcpus);
    fset_int(r, w->ix_inst[DIX_RAM_MB], f->ram_mb);
    fset(r, w->ix_inst[DIX_LOCKED], (in->locked) ? "true" : "false");
    fset(r, w->ix_inst[DIX_CREATED_AT], iso(in->o.created_at, t1, sizeof t1));
    fset(r, w->ix_inst[DIX_FAULT], in->fault);
    if (in->task != NULL)
        snprintf(raw_st, sizeof raw_st, "%s/%s", demo_vm_names[in->vm], in->task);
    else
        snprintf(raw_st, sizeof raw_st, "%s", demo_vm_names[in->vm]);
    res_set_status(r, st, raw_st);
    r->updated_at = in->o.updated_at;
    r->progress = progress;

    /* Nova server (GET /servers/detail item, microversion 2.47+) */
    sb_start(&sb, 1536);
    strbuf_addc(&sb, '{');
    demo_jstr(&sb, "id", in->o.id);
    demo_jstr(&sb, "name", in->o.name);
    demo_jstr(&sb, "status", nova);
    demo_jstr(&sb, "tenant_id", "d3m0000000000000000000000000cafe");
    demo_jstr(&sb, "user_id", "d3m0000000000000000000000000beef");
    demo_jk(&sb, "metadata");
    strbuf_addc(&sb, '{');
    demo_jstr(&sb, "role", in->o.name);
    strbuf_addc(&sb, '}');
    demo_jk(&sb, "image");
    if (im != NULL) {
        strbuf_addc(&sb, '{');
        demo_jstr(&sb, "id", im->o.id);
        strbuf_addc(&sb, '}');
    } else {
        strbuf_adds(&sb, "\"\"");
    }
    demo_jk(&sb, "flavor");
    strbuf_addc(&sb, '{');
    demo_jstr(&sb, "original_name", f->name);
    demo_jint(&sb, "vcpus", f->vcpus);
    demo_jint(&sb, "ram", f->ram_mb);
    demo_jint(&sb, "disk", f->disk_gb);
    demo_jint(&sb, "ephemeral", 0);
    demo_jint(&sb, "swap", 0);
    strbuf_addc(&sb, '}');
    demo_jstr(&sb, "created", t1);
    demo_jstr(&sb, "updated", iso(in->o.updated_at, t2, sizeof t2));
    demo_jk(&sb, "addresses");
    strbuf_addc(&sb, '{');
    if (in->ip != 0) {
        demo_jk(&sb, in->net != NULL ? in->net : "private");
        strbuf_addc(&sb, '[');
        mac_of(in->o.id, 1, mac);
        demo_jk(&sb, NULL);
        strbuf_addc(&sb, '{');
        demo_jint(&sb, "version", 4);
        demo_jstr(&sb, "addr", ipb);
        demo_jstr(&sb, "OS-EXT-IPS:type", "fixed");
        demo_jstr(&sb, "OS-EXT-IPS-MAC:mac_addr", mac);
        strbuf_addc(&sb, '}');
        if (in->fip != 0) {
            demo_jk(&sb, NULL);
            strbuf_addc(&sb, '{');
            demo_jint(&sb, "version", 4);
            demo_jstr(&sb, "addr", ipa);
            demo_jstr(&sb, "OS-EXT-IPS:type", "floating");
            demo_jstr(&sb, "OS-EXT-IPS-MAC:mac_addr", mac);
            strbuf_addc(&sb, '}');
        }
        strbuf_addc(&sb, ']');
    }
    strbuf_addc(&sb, '}');
    demo_jstr(&sb, "accessIPv4", in->fip != 0 ? ipa : "");
    demo_jstr(&sb, "accessIPv6", "");
    demo_jstr(&sb, "key_name", in->keypair >= 0 ? w->keypairs[in->keypair].name : NULL);
    demo_jstr(&sb, "hostId", h != NULL ? h->o.id : "");
    demo_jstr(&sb, "OS-EXT-AZ:availability_zone", z->name);
    demo_jstr(&sb, "OS-EXT-SRV-ATTR:host",
              h != NULL ? (h->bm ? "ironic-conductor-1" : h->o.id) : NULL);
    demo_jstr(&sb, "OS-EXT-SRV-ATTR:hypervisor_hostname", h != NULL ? h->o.id : NULL);
    demo_jstr(&sb, "OS-EXT-SRV-ATTR:instance_name", NULL);
    demo_jstr(&sb, "OS-EXT-STS:vm_state", demo_vm_names[in->vm]);
    demo_jstr(&sb, "OS-EXT-STS:task_state", in->task);
    demo_jint(&sb, "OS-EXT-STS:power_state", pwr_codes[in->pwr]);
    demo_jstr(&sb, "OS-SRV-USG:launched_at",
              in->vm == DVM_BUILDING || in->vm == DVM_ERROR ? NULL : t1);
    demo_jk(&sb, "os-extended-volumes:volumes_attached");
    strbuf_addc(&sb, '[');
    for (int i = 0; i < nv; i++) {
        demo_jk(&sb, NULL);
        strbuf_addc(&sb, '{');
        demo_jstr(&sb, "id", w->vols.v[vols[i]].o.id);
        demo_jbool(&sb, "delete_on_termination", w->vols.v[vols[i]].bootable);
        strbuf_addc(&sb, '}');
    }
    strbuf_addc(&sb, ']');
    demo_jk(&sb, "security_groups");
    strbuf_addc(&sb, '[');
    for (int i = 0; i < in->nsg; i++) {
        demo_jk(&sb, NULL);
        strbuf_addc(&sb, '{');
        demo_jstr(&sb, "name", w->sgs.v[in->sg[i]].o.name);
        strbuf_addc(&sb, '}');
    }
    strbuf_addc(&sb, ']');
    demo_jbool(&sb, "locked", in->locked);
    demo_jint(&sb, "progress", progress >= 0 ? progress : in->vm == DVM_BUILDING ? 0 : 100);
    if (in->fault != NULL) {
        demo_jk(&sb, "fault");
        strbuf_addc(&sb, '{');
        demo_jint(&sb, "code", 500);
        demo_jstr(&sb, "message", in->fault);
        demo_jstr(&sb, "created", t2);
        strbuf_addc(&sb, '}');
    }
    strbuf_addc(&sb, '}');
    res_set_raw_take(r, strbuf_take(&sb));
    return r;
}

static enum res_status host_status(const struct dworld *w, int idx, int maint, char *raw,
                                   size_t len)
{
    const struct dhost *h = &w->hosts.v[idx];
    enum res_status st;

    if (h->bm) {
        snprintf(raw, len, "%s%s", demo_ps_names[h->prov], maint ? "/maintenance" : "");
        switch (h->prov) {
        case DPS_DEPLOYING:
        case DPS_WAIT_CALLBACK:
            st = RES_STATUS_BUILD;
            break;
        case DPS_VERIFYING:
        case DPS_CLEANING:
        case DPS_CLEAN_WAIT:
        case DPS_DELETING:
            st = RES_STATUS_BUSY;
            break;
        case DPS_DEPLOY_FAILED:
        case DPS_CLEAN_FAILED:
            st = RES_STATUS_ERROR;
            break;
        default:
            st = h->power_on ? RES_STATUS_ACTIVE : RES_STATUS_SHUTOFF;
            break;
        }
    } else {
        snprintf(raw, len, "%s/%s", maint ? "disabled" : "enabled", h->power_on ? "up" : "down");
        st = h->power_on ? RES_STATUS_ACTIVE : RES_STATUS_SHUTOFF;
    }
    if (maint && st != RES_STATUS_ERROR)
        st = RES_STATUS_MAINTENANCE;
    if (h->o.op != NULL && st != RES_STATUS_BUILD)
        st = RES_STATUS_BUSY;
    return st;
}

static struct resource *render_host(struct dworld *w, int idx, int progress)
{
    const struct dhost *h = &w->hosts.v[idx];
    struct resource *r = res_new(w->prov, RES_KIND_HOST, h->o.id, h->o.name);
    int64_t now = w->now_ms / 1000, t = now - now % 60;
    struct dhealth hl;
    int maint;
    char raw_st[64], t1[32], t2[32], bmc[24], ipb[20];
    const char *reason;
    struct strbuf sb = STRBUF_INIT;
    const char *inst_id = h->inst >= 0 ? w->insts.v[h->inst].o.id : NULL;

    demo_host_health(w, idx, t, &hl);
    maint = h->maint || hl.auto_maint;
    reason = h->maint ? h->maint_reason : hl.auto_maint ? hl.reason : NULL;
    ip4(h->bmc_ip, bmc, sizeof bmc);
    res_set(r, "type", h->bm ? "baremetal" : "hypervisor");
    res_set(r, "region", w->regions[w->zones[h->zone].region].name);
    res_set(r, "zone", w->zones[h->zone].name);
    res_set(r, "power", h->power_on ? "on" : "off");
    res_set(r, "health", hl.health);
    res_set_num(r, "cpu_pct", hl.cpu);
    res_set_num(r, "mem_pct", hl.mem);
    res_set_num(r, "temp_c", hl.temp);
    res_set(r, "fans", hl.fans);
    res_set(r, "psus", hl.psus);
    res_set_num(r, "power_w", hl.watts);
    set_int(r, "vcpus", h->vcpus);
    set_int(r, "vcpus_used", h->vcpus_used);
    set_int(r, "mem_mb", h->mem_mb);
    set_int(r, "mem_used_mb", h->mem_used);
    set_int(r, "instances", h->ninst);
    res_set(r, "provision_state", h->bm ? demo_ps_names[h->prov] : NULL);
    res_set_bool(r, "maintenance", maint);
    res_set(r, "maintenance_reason", reason);
    res_set(r, "instance_id", inst_id);
    res_set(r, "resource_class", h->rclass);
    res_set(r, "bmc", bmc);
    res_set(r, "model", h->bm ? bm_models[h->model].model : hv_models[h->model].name);
    res_set(r, "serial", h->serial);
    res_set(r, "last_error", h->last_error);
    res_set_status(r, host_status(w, idx, maint, raw_st, sizeof raw_st), raw_st);
    r->updated_at = now;
    r->progress = progress;

    strbuf_addc(&sb, '{');
    if (h->bm) {
        /* Ironic node (GET /v1/nodes/detail item) */
        demo_jstr(&sb, "uuid", h->o.id);
        demo_jstr(&sb, "name", h->o.name);
        demo_jstr(&sb, "power_state", h->power_on ? "power on" : "power off");
        demo_jstr(&sb, "target_power_state", NULL);
        demo_jstr(&sb, "provision_state", demo_ps_names[h->prov]);
        demo_jstr(&sb, "target_provision_state",
                  h->prov == DPS_DEPLOYING || h->prov == DPS_WAIT_CALLBACK ? "active"
                  : h->prov == DPS_CLEANING || h->prov == DPS_CLEAN_WAIT   ? "available"
                  : h->prov == DPS_DELETING                                ? "available"
                  : h->prov == DPS_VERIFYING                               ? "manageable"
                                                                           : NULL);
        demo_jbool(&sb, "maintenance", maint);
        demo_jstr(&sb, "maintenance_reason", reason);
        demo_jstr(&sb, "fault", hl.auto_maint ? "power failure" : NULL);
        demo_jstr(&sb, "instance_uuid", inst_id);
        demo_jstr(&sb, "resource_class", h->rclass);
        demo_jstr(&sb, "driver", "redfish");
        demo_jk(&sb, "driver_info");
        strbuf_addc(&sb, '{');
        snprintf(raw_st, sizeof raw_st, "https://%s", bmc);
        demo_jstr(&sb, "redfish_address", raw_st);
        demo_jstr(&sb, "redfish_system_id", "/redfish/v1/Systems/1");
        demo_jstr(&sb, "redfish_username", "admin");
        demo_jstr(&sb, "redfish_password", "******");
        strbuf_addc(&sb, '}');
        demo_jk(&sb, "properties");
        strbuf_addc(&sb, '{');
        demo_jint(&sb, "cpus", h->vcpus);
        demo_jint(&sb, "memory_mb", h->mem_mb);
        demo_jint(&sb, "local_gb", h->disk_gb);
        demo_jstr(&sb, "cpu_arch", "x86_64");
        demo_jstr(&sb, "vendor", bm_models[h->model].model);
        strbuf_addc(&sb, '}');
        demo_jk(&sb, "extra");
        strbuf_addc(&sb, '{');
        demo_jstr(&sb, "serial_number", h->serial);
        strbuf_addc(&sb, '}');
        demo_jstr(&sb, "last_error", h->last_error);
        demo_jstr(&sb, "conductor", "ironic-conductor-1");
        demo_jstr(&sb, "conductor_group", "");
        demo_jstr(&sb, "created_at", iso(h->o.created_at, t1, sizeof t1));
        demo_jstr(&sb, "updated_at", iso(h->o.updated_at, t2, sizeof t2));
        demo_jstr(&sb, "provision_updated_at", t2);
    } else {
        /* Nova hypervisor (GET /os-hypervisors/detail item, 2.53+) */
        demo_jstr(&sb, "id", h->o.id);
        demo_jstr(&sb, "hypervisor_hostname", h->o.name);
        demo_jstr(&sb, "hypervisor_type", "QEMU");
        demo_jint(&sb, "hypervisor_version", 8002000);
        demo_jstr(&sb, "state", h->power_on ? "up" : "down");
        demo_jstr(&sb, "status", maint ? "disabled" : "enabled");
        demo_jstr(&sb, "host_ip",
                  ip4((10u << 24) | (250u << 16) | (h->bmc_ip & 0xffff), ipb, sizeof ipb));
        demo_jint(&sb, "vcpus", h->vcpus);
        demo_jint(&sb, "vcpus_used", h->vcpus_used);
        demo_jint(&sb, "memory_mb", h->mem_mb);
        demo_jint(&sb, "memory_mb_used", h->mem_used);
        demo_jint(&sb, "local_gb", h->disk_gb);
        demo_jint(&sb, "running_vms", h->ninst);
        demo_jk(&sb, "service");
        strbuf_addc(&sb, '{');
        demo_jstr(&sb, "host", h->o.name);
        demo_jstr(&sb, "disabled_reason", reason);
        strbuf_addc(&sb, '}');
        demo_jk(&sb, "cpu_info");
        strbuf_addc(&sb, '{');
        demo_jstr(&sb, "arch", "x86_64");
        demo_jstr(&sb, "model", "Icelake-Server");
        demo_jstr(&sb, "vendor", "Intel");
        strbuf_addc(&sb, '}');
    }
    demo_jk(&sb, "bmc_health");
    strbuf_addc(&sb, '{');
    demo_jstr(&sb, "Status.Health", hl.health);
    demo_jstr(&sb, "Fans", hl.fans);
    demo_jstr(&sb, "PowerSupplies", hl.psus);
    demo_jnum(&sb, "ReadingCelsius", hl.temp);
    demo_jnum(&sb, "PowerConsumedWatts", hl.watts);
    strbuf_addc(&sb, '}');
    strbuf_addc(&sb, '}');
    res_set_raw_take(r, strbuf_take(&sb));
    return r;
}

static enum res_status vol_status(int st)
{
    switch (st) {
    case DVS_CREATING:
    case DVS_DOWNLOADING:
        return RES_STATUS_BUILD;
    case DVS_AVAILABLE:
    case DVS_IN_USE:
        return RES_STATUS_ACTIVE;
    case DVS_ERROR:
        return RES_STATUS_ERROR;
    default:
        return RES_STATUS_BUSY;
    }
}

static struct resource *render_vol(struct dworld *w, int idx, int progress)
{
    const struct dvol *v = &w->vols.v[idx];
    struct resource *r = res_new(w->prov, RES_KIND_VOLUME, v->o.id, v->o.name);
    const struct dinst *in = v->inst >= 0 ? &w->insts.v[v->inst] : NULL;
    const char *zone = w->zones[v->zone].name;
    char t1[32], t2[32];
    struct strbuf sb = STRBUF_INIT;
    int snap = -1;

    set_int(r, "size_gb", v->size_gb);
    res_set(r, "attached_to", in != NULL ? in->o.id : NULL);
    res_set(r, "device", in != NULL ? v->dev : NULL);
    res_set_bool(r, "bootable", v->bootable);
    res_set(r, "volume_type", demo_vtype_names[v->vtype]);
    res_set(r, "region", w->regions[w->zones[v->zone].region].name);
    res_set(r, "zone", zone);
    res_set(r, "source", v->source);
    res_set(r, "created_at", iso(v->o.created_at, t1, sizeof t1));
    res_set_status(r, vol_status(v->st), demo_vs_names[v->st]);
    r->updated_at = v->o.updated_at;
    r->progress = progress;
    if (v->source != NULL)
        snap = demo_find_id(w, RES_KIND_SNAPSHOT, v->source);

    /* Cinder volume (GET /v3/{project}/volumes/detail item) */
    strbuf_addc(&sb, '{');
    demo_jstr(&sb, "id", v->o.id);
    demo_jstr(&sb, "name", v->o.name);
    demo_jstr(&sb, "status", demo_vs_names[v->st]);
    demo_jint(&sb, "size", v->size_gb);
    demo_jstr(&sb, "availability_zone", zone);
    demo_jstr(&sb, "bootable", v->bootable ? "true" : "false");
    demo_jstr(&sb, "volume_type", demo_vtype_names[v->vtype]);
    demo_jbool(&sb, "multiattach", 0);
    demo_jbool(&sb, "encrypted", v->vtype == 2);
    demo_jstr(&sb, "description", NULL);
    demo_jstr(&sb, "snapshot_id", snap >= 0 ? v->source : NULL);
    demo_jstr(&sb, "source_volid", NULL);
    demo_jstr(&sb, "replication_status", NULL);
    demo_jstr(&sb, "os-vol-host-attr:host", "cinder-volume@ceph#ceph");
    demo_jstr(&sb, "os-vol-tenant-attr:tenant_id", "d3m0000000000000000000000000cafe");
    demo_jk(&sb, "metadata");
    strbuf_adds(&sb, "{}");
    if (v->bootable && v->source != NULL && snap < 0) {
        demo_jk(&sb, "volume_image_metadata");
        strbuf_addc(&sb, '{');
        demo_jstr(&sb, "image_name", v->source);
        strbuf_addc(&sb, '}');
    }
    demo_jk(&sb, "attachments");
    strbuf_addc(&sb, '[');
    if (in != NULL) {
        strbuf_addc(&sb, '{');
        demo_jstr(&sb, "server_id", in->o.id);
        demo_jstr(&sb, "attachment_id", v->o.id);
        demo_jstr(&sb, "volume_id", v->o.id);
        demo_jstr(&sb, "device", v->dev);
        demo_jstr(&sb, "host_name", in->host >= 0 ? w->hosts.v[in->host].o.name : NULL);
        strbuf_addc(&sb, '}');
    }
    strbuf_addc(&sb, ']');
    demo_jstr(&sb, "created_at", t1);
    demo_jstr(&sb, "updated_at", iso(v->o.updated_at, t2, sizeof t2));
    strbuf_addc(&sb, '}');
    res_set_raw_take(r, strbuf_take(&sb));
    return r;
}

static enum res_status snap_status(int st)
{
    switch (st) {
    case DSS_CREATING:
        return RES_STATUS_BUILD;
    case DSS_AVAILABLE:
        return RES_STATUS_ACTIVE;
    case DSS_ERROR:
        return RES_STATUS_ERROR;
    default:
        return RES_STATUS_BUSY;
    }
}

static struct resource *render_snap(struct dworld *w, int idx, int progress)
{
    const struct dsnap *s = &w->snaps.v[idx];
    struct resource *r = res_new(w->prov, RES_KIND_SNAPSHOT, s->o.id, s->o.name);
    char t1[32], t2[32];
    struct strbuf sb = STRBUF_INIT;
    int pct = progress >= 0 ? progress : s->st == DSS_CREATING ? 0 : 100;

    res_set(r, "source", s->src);
    res_set(r, "source_kind", s->src_inst ? "instance" : "volume");
    set_int(r, "size_gb", s->size_gb);
    res_set(r, "created_at", iso(s->o.created_at, t1, sizeof t1));
    res_set(r, "region", w->regions[s->region].name);
    res_set(r, "description", s->desc);
    res_set_status(r, snap_status(s->st), demo_ss_names[s->st]);
    r->updated_at = s->o.updated_at;
    r->progress = progress;
    strbuf_addc(&sb, '{');
    demo_jstr(&sb, "id", s->o.id);
    demo_jstr(&sb, "name", s->o.name);
    if (s->src_inst) {
        /* Glance image made by Nova createImage */
        demo_jstr(&sb, "status",
                  s->st == DSS_AVAILABLE  ? "active"
                  : s->st == DSS_CREATING ? "saving"
                                          : demo_ss_names[s->st]);
        demo_jstr(&sb, "image_type", "snapshot");
        demo_jstr(&sb, "instance_uuid", s->src);
        demo_jint(&sb, "size", (long long)s->size_gb << 30);
        demo_jint(&sb, "min_disk", s->size_gb);
        demo_jstr(&sb, "visibility", "private");
        demo_jstr(&sb, "disk_format", "qcow2");
        demo_jstr(&sb, "container_format", "bare");
    } else {
        /* Cinder snapshot */
        demo_jstr(&sb, "status", demo_ss_names[s->st]);
        demo_jstr(&sb, "volume_id", s->src);
        demo_jint(&sb, "size", s->size_gb);
        demo_jk(&sb, "progress");
        strbuf_addf(&sb, "\"%d%%\"", pct);
        demo_jk(&sb, "metadata");
        strbuf_adds(&sb, "{}");
    }
    demo_jstr(&sb, "description", s->desc);
    demo_jstr(&sb, "created_at", t1);
    demo_jstr(&sb, "updated_at", iso(s->o.updated_at, t2, sizeof t2));
    strbuf_addc(&sb, '}');
    res_set_raw_take(r, strbuf_take(&sb));
    return r;
}

static void rule_json(struct strbuf *sb, const struct drule *ru, const char *sgid, int raw)
{
    const char *remote = ru->remote[0] != '\0' ? ru->remote : NULL;

    demo_jk(sb, NULL);
    strbuf_addc(sb, '{');
    demo_jstr(sb, "id", ru->id);
    demo_jstr(sb, "direction", ru->egress ? "egress" : "ingress");
    demo_jstr(sb, "ethertype", ru->v6 ? "IPv6" : "IPv4");
    if (raw) {
        demo_jstr(sb, "protocol", ru->proto != 0 ? demo_proto_names[ru->proto] : NULL);
        demo_jk(sb, "port_range_min");
    } else {
        demo_jstr(sb, "protocol", demo_proto_names[ru->proto]);
        demo_jk(sb, "port_min");
    }
    if (ru->pmin > 0)
        strbuf_addf(sb, "%d", ru->pmin);
    else
        strbuf_adds(sb, "null");
    demo_jk(sb, raw ? "port_range_max" : "port_max");
    if (ru->pmax > 0)
        strbuf_addf(sb, "%d", ru->pmax);
    else
        strbuf_adds(sb, "null");
    if (raw) {
        demo_jstr(sb, "remote_ip_prefix", remote);
        demo_jstr(sb, "remote_group_id", NULL);
        demo_jstr(sb, "security_group_id", sgid);
    } else {
        demo_jstr(sb, "remote", remote != NULL ? remote : ru->v6 ? "::/0" : "0.0.0.0/0");
    }
    strbuf_addc(sb, '}');
}

static struct resource *render_sg(struct dworld *w, int idx, int progress)
{
    const struct dsg *g = &w->sgs.v[idx];
    struct resource *r = res_new(w->prov, RES_KIND_SECGROUP, g->o.id, g->o.name);
    struct strbuf sb = STRBUF_INIT;
    char t1[32], t2[32];

    res_set(r, "description", g->desc);
    res_set(r, "region", w->regions[g->region].name);
    strbuf_addc(&sb, '[');
    for (int i = 0; i < g->nrules; i++)
        rule_json(&sb, &g->rules[i], g->o.id, 0);
    strbuf_addc(&sb, ']');
    res_set_take(r, "rules", strbuf_take(&sb));
    res_set_status(r, g->o.op != NULL ? RES_STATUS_BUSY : RES_STATUS_ACTIVE,
                   g->o.op != NULL ? "updating" : "active");
    r->updated_at = g->o.updated_at;
    r->progress = progress;
    /* Neutron security group */
    strbuf_addc(&sb, '{');
    demo_jstr(&sb, "id", g->o.id);
    demo_jstr(&sb, "name", g->o.name);
    demo_jstr(&sb, "description", g->desc);
    demo_jstr(&sb, "tenant_id", "d3m0000000000000000000000000cafe");
    demo_jstr(&sb, "project_id", "d3m0000000000000000000000000cafe");
    demo_jbool(&sb, "stateful", 1);
    demo_jint(&sb, "revision_number", g->revision);
    demo_jk(&sb, "tags");
    strbuf_adds(&sb, "[]");
    demo_jk(&sb, "security_group_rules");
    strbuf_addc(&sb, '[');
    for (int i = 0; i < g->nrules; i++)
        rule_json(&sb, &g->rules[i], g->o.id, 1);
    strbuf_addc(&sb, ']');
    demo_jstr(&sb, "created_at", iso(g->o.created_at, t1, sizeof t1));
    demo_jstr(&sb, "updated_at", iso(g->o.updated_at, t2, sizeof t2));
    strbuf_addc(&sb, '}');
    res_set_raw_take(r, strbuf_take(&sb));
    return r;
}

static struct resource *render_image(struct dworld *w, int idx, int progress)
{
    const struct dimage *im = &w->imgs.v[idx];
    const struct dimgcat *c = &demo_imgcat[im->cat];
    struct resource *r = res_new(w->prov, RES_KIND_IMAGE, im->o.id, im->o.name);
    struct strbuf sb = STRBUF_INIT;
    char t1[32], t2[32], hex[65];

    res_set(r, "os_distro", c->distro);
    res_set(r, "os_version", c->version);
    res_set_num(r, "size_gb", im->size_gb);
    set_int(r, "min_disk_gb", im->min_disk);
    res_set(r, "visibility", im->priv ? "private" : "public");
    res_set(r, "disk_format", c->format);
    res_set(r, "default_user", c->user);
    res_set(r, "region", im->region >= 0 ? w->regions[im->region].name : NULL);
    res_set_status(r, im->st == DIS_ACTIVE ? RES_STATUS_ACTIVE : RES_STATUS_BUILD,
                   demo_is_names[im->st]);
    r->updated_at = im->o.updated_at;
    r->progress = progress;
    snprintf(hex, sizeof hex, "%016llx%016llx", (unsigned long long)demo_hash_str(1, im->o.id),
             (unsigned long long)demo_hash_str(2, im->o.id));
    /* Glance v2 image */
    strbuf_addc(&sb, '{');
    demo_jstr(&sb, "id", im->o.id);
    demo_jstr(&sb, "name", im->o.name);
    demo_jstr(&sb, "status", demo_is_names[im->st]);
    demo_jstr(&sb, "visibility", im->priv ? "private" : "public");
    demo_jbool(&sb, "protected", !im->priv && !im->o.created);
    demo_jstr(&sb, "os_distro", c->distro);
    demo_jstr(&sb, "os_version", c->version);
    demo_jstr(&sb, "os_admin_user", c->user);
    demo_jstr(&sb, "disk_format", c->format);
    demo_jstr(&sb, "container_format", "bare");
    demo_jk(&sb, "size");
    if (im->st == DIS_ACTIVE)
        strbuf_addf(&sb, "%lld", (long long)(im->size_gb * 1073741824.0));
    else
        strbuf_adds(&sb, "null");
    demo_jint(&sb, "min_disk", im->min_disk);
    demo_jint(&sb, "min_ram", 0);
    demo_jstr(&sb, "checksum", im->st == DIS_ACTIVE ? hex : NULL);
    demo_jstr(&sb, "os_hash_algo", "sha512");
    demo_jstr(&sb, "owner", "d3m0000000000000000000000000cafe");
    if (im->src[0] != '\0') {
        demo_jstr(&sb, "image_type", "image");
        demo_jstr(&sb, "instance_uuid", im->src);
    }
    demo_jk(&sb, "tags");
    strbuf_adds(&sb, "[]");
    demo_jstr(&sb, "created_at", iso(im->o.created_at, t1, sizeof t1));
    demo_jstr(&sb, "updated_at", iso(im->o.updated_at, t2, sizeof t2));
    strbuf_addc(&sb, '}');
    res_set_raw_take(r, strbuf_take(&sb));
    return r;
}

static struct resource *render_static(struct dworld *w, enum res_kind k, int idx)
{
    struct resource *r = NULL;
    struct strbuf sb = STRBUF_INIT;
    char t1[32];

    strbuf_addc(&sb, '{');
    switch (k) {
    case RES_KIND_REGION: {
        const struct dregion *g = &w->regions[idx];
        r = res_new(w->prov, k, g->name, g->name);
        res_set(r, "description", g->desc);
        res_set_status(r, RES_STATUS_ACTIVE, "active");
        demo_jstr(&sb, "id", g->name);
        demo_jstr(&sb, "description", g->desc);
        demo_jstr(&sb, "parent_region_id", NULL);
        break;
    }
    case RES_KIND_ZONE: {
        const struct dzone *z = &w->zones[idx];
        r = res_new(w->prov, k, z->name, z->name);
        res_set(r, "region", w->regions[z->region].name);
        res_set_bool(r, "available", 1);
        res_set_status(r, RES_STATUS_ACTIVE, "available");
        demo_jstr(&sb, "zoneName", z->name);
        demo_jk(&sb, "zoneState");
        strbuf_adds(&sb, "{\"available\":true}");
        demo_jstr(&sb, "hosts", NULL);
        break;
    }
    case RES_KIND_FLAVOR: {
        const struct dflavor *f = &w->flavors[idx];
        r = res_new(w->prov, k, f->id, f->name);
        res_set(r, "type", f->bm ? "baremetal" : "vm");
        set_int(r, "vcpus", f->vcpus);
        set_int(r, "ram_mb", f->ram_mb);
        set_int(r, "disk_gb", f->disk_gb);
        res_set(r, "resource_class", f->rclass);
        res_set_status(r, RES_STATUS_ACTIVE, "public");
        demo_jstr(&sb, "id", f->id);
        demo_jstr(&sb, "name", f->name);
        demo_jint(&sb, "vcpus", f->vcpus);
        demo_jint(&sb, "ram", f->ram_mb);
        demo_jint(&sb, "disk", f->disk_gb);
        demo_jint(&sb, "OS-FLV-EXT-DATA:ephemeral", 0);
        demo_jstr(&sb, "swap", "");
        demo_jnum(&sb, "rxtx_factor", 1.0);
        demo_jbool(&sb, "os-flavor-access:is_public", 1);
        demo_jk(&sb, "extra_specs");
        strbuf_addc(&sb, '{');
        if (f->bm) {
            char key[96], *p;
            snprintf(key, sizeof key, "resources:CUSTOM_%s", f->rclass);
            for (p = key + 16; *p != '\0'; p++)
                *p = *p == '.' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
            demo_jstr(&sb, key, "1");
            demo_jstr(&sb, "resources:VCPU", "0");
            demo_jstr(&sb, "resources:MEMORY_MB", "0");
            demo_jstr(&sb, "resources:DISK_GB", "0");
        } else {
            demo_jstr(&sb, "hw:cpu_policy", "shared");
        }
        strbuf_addc(&sb, '}');
        break;
    }
    case RES_KIND_KEYPAIR: {
        const struct dkeypair *kp = &w->keypairs[idx];
        r = res_new(w->prov, k, kp->name, kp->name);
        res_set(r, "fingerprint", kp->fingerprint);
        res_set(r, "key_type", kp->type);
        res_set(r, "created_at", iso(kp->created_at, t1, sizeof t1));
        res_set_status(r, RES_STATUS_ACTIVE, "active");
        demo_jstr(&sb, "name", kp->name);
        demo_jstr(&sb, "type", kp->type);
        demo_jstr(&sb, "fingerprint", kp->fingerprint);
        demo_jk(&sb, "public_key");
        strbuf_addf(&sb, "\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI%.20s %s@racktop-demo\"",
                    kp->fingerprint, kp->name);
        demo_jstr(&sb, "user_id", "d3m0000000000000000000000000beef");
        demo_jstr(&sb, "created_at", t1);
        break;
    }
    case RES_KIND_SERVERGROUP: {
        const struct dsrvgroup *g = &w->sgroups.v[idx];
        const char **m = NULL;
        size_t nm = 0, cap = 0;
        r = res_new(w->prov, k, g->id, g->name);
        for (size_t i = 0; i < w->insts.n; i++) {
            if (!w->insts.v[i].o.deleted && w->insts.v[i].sgroup == idx) {
                m = xgrow(m, &cap, nm + 1, sizeof *m);
                m[nm++] = w->insts.v[i].o.id;
            }
        }
        res_set(r, "policy", g->policy);
        res_set_take(r, "members", res_json_strlist(m, nm));
        res_set(r, "region", w->regions[g->region].name);
        res_set_status(r, RES_STATUS_ACTIVE, "active");
        demo_jstr(&sb, "id", g->id);
        demo_jstr(&sb, "name", g->name);
        demo_jstr(&sb, "policy", g->policy);
        demo_jraw(&sb, "members", res_get(r, "members"));
        demo_jk(&sb, "rules");
        strbuf_adds(&sb,
                    strcmp(g->policy, "anti-affinity") == 0 ? "{\"max_server_per_host\":1}" : "{}");
        demo_jstr(&sb, "project_id", "d3m0000000000000000000000000cafe");
        free(m);
        break;
    }
    default:
        RT_ASSERT(0);
    }
    strbuf_addc(&sb, '}');
    res_set_raw_take(r, strbuf_take(&sb));
    return r;
}

/* ---- networks, ports, floating IPs ------------------------------------------------------- */

void demo_net_id(const struct dworld *w, const char *net, int region, char out[DEMO_ID_LEN])
{
    demo_uuid(demo_hash_str(w->seed ^ 0x6e6574ULL, net != NULL ? net : "private"),
              0x9600000ULL + (uint64_t)region, out);
}

void demo_ext_net_name(const struct dworld *w, int region, char *out, size_t len)
{
    snprintf(out, len, "public-%s", w->regions[region].name);
}

void demo_router_id(const struct dworld *w, int region, char out[DEMO_ID_LEN])
{
    demo_uuid(w->seed, 0x9700000ULL + (uint64_t)region, out);
}

int demo_has_port(const struct dworld *w, int inst)
{
    return inst >= 0 && (size_t)inst < w->insts.n && !w->insts.v[inst].o.deleted &&
           w->insts.v[inst].ip != 0;
}

void demo_port_id(const struct dworld *w, int inst, char out[DEMO_ID_LEN])
{
    demo_uuid(demo_hash_str(w->seed, w->insts.v[inst].o.id), 0x9500000ULL, out);
}

static int port_name_is(const struct dinst *in, const char *s)
{
    size_t l = strlen(in->o.name);

    return strncmp(s, in->o.name, l) == 0 && strcmp(s + l, "-eth0") == 0;
}

int demo_port_find(const struct dworld *w, const char *s)
{
    char id[DEMO_ID_LEN];
    int found = -1;

    if (s == NULL)
        return -1;
    for (size_t i = 0; i < w->insts.n; i++) {
        if (!demo_has_port(w, (int)i))
            continue;
        demo_port_id(w, (int)i, id);
        if (strcmp(id, s) == 0)
            return (int)i;
    }
    for (size_t i = 0; i < w->insts.n; i++) {
        if (demo_has_port(w, (int)i) && port_name_is(&w->insts.v[i], s)) {
            if (found >= 0)
                return -2; /* ambiguous */
            found = (int)i;
        }
    }
    return found;
}

int demo_fip_of(const struct dworld *w, int inst)
{
    for (size_t i = 0; inst >= 0 && i < w->fips.n; i++) {
        if (!w->fips.v[i].o.deleted && w->fips.v[i].inst == inst)
            return (int)i;
    }
    return -1;
}

/* Neutron's port status for an instance's NIC. */
static const char *port_status(const struct dinst *in)
{
    if (in->vm == DVM_BUILDING)
        return "BUILD";
    return (in->vm == DVM_ACTIVE || in->vm == DVM_RESIZED) && in->pwr == DPWR_RUNNING ? "ACTIVE"
                                                                                      : "DOWN";
}

static enum res_status neutron_status(const char *st)
{
    return strcmp(st, "ACTIVE") == 0  ? RES_STATUS_ACTIVE
           : strcmp(st, "BUILD") == 0 ? RES_STATUS_BUILD
                                      : RES_STATUS_SHUTOFF;
}

struct resource *demo_render_port(struct dworld *w, int idx)
{
    const struct dinst *in = &w->insts.v[idx];
    const struct dzone *z = &w->zones[in->zone];
    const char *st = port_status(in), *items[DEMO_MAX_SG];
    char pid[DEMO_ID_LEN], nid[DEMO_ID_LEN], name[128], owner[48], ip[20], mac[18], t1[32];
    char sub[DEMO_ID_LEN];
    struct resource *r;
    struct strbuf sb;

    demo_port_id(w, idx, pid);
    demo_net_id(w, in->net, z->region, nid);
    demo_uuid(demo_hash_str(w->seed, nid), 0x9650000ULL, sub);
    snprintf(name, sizeof name, "%s-eth0", in->o.name);
    if (in->bm)
        snprintf(owner, sizeof owner, "baremetal:none");
    else
        snprintf(owner, sizeof owner, "compute:%s", z->name);
    ip4(in->ip, ip, sizeof ip);
    mac_of(in->o.id, 1, mac);
    iso(in->o.created_at, t1, sizeof t1);
    r = res_new(w->prov, RES_KIND_PORT, pid, name);
    res_set(r, "network_id", nid);
    res_set(r, "device_owner", owner);
    res_set(r, "device_id", in->o.id);
    res_set(r, "instance", in->o.id);
    res_set(r, "mac", mac);
    items[0] = ip;
    res_set_take(r, "fixed_ips", strlist(items, 1));
    for (int i = 0; i < in->nsg; i++)
        items[i] = w->sgs.v[in->sg[i]].o.id;
    res_set_take(r, "security_groups", strlist(items, in->nsg));
    res_set(r, "admin_state", "true");
    res_set(r, "region", w->regions[z->region].name);
    res_set(r, "created_at", t1);
    res_set_status(r, neutron_status(st), st);
    r->updated_at = in->o.updated_at;

    /* Neutron port (GET /v2.0/ports item) */
    sb_start(&sb, 1024);
    strbuf_addc(&sb, '{');
    demo_jstr(&sb, "id", pid);
    demo_jstr(&sb, "name", name);
    demo_jstr(&sb, "network_id", nid);
    demo_jstr(&sb, "tenant_id", "d3m0000000000000000000000000cafe");
    demo_jstr(&sb, "mac_address", mac);
    demo_jbool(&sb, "admin_state_up", 1);
    demo_jstr(&sb, "status", st);
    demo_jstr(&sb, "device_id", in->o.id);
    demo_jstr(&sb, "device_owner", owner);
    demo_jk(&sb, "fixed_ips");
    strbuf_addc(&sb, '[');
    demo_jk(&sb, NULL);
    strbuf_addc(&sb, '{');
    demo_jstr(&sb, "subnet_id", sub);
    demo_jstr(&sb, "ip_address", ip);
    strbuf_addc(&sb, '}');
    strbuf_addc(&sb, ']');
    demo_jraw(&sb, "security_groups", res_get(r, "security_groups"));
    demo_jstr(&sb, "binding:vnic_type", in->bm ? "baremetal" : "normal");
    demo_jstr(&sb, "binding:host_id", in->host >= 0 ? w->hosts.v[in->host].o.id : "");
    demo_jbool(&sb, "port_security_enabled", 1);
    demo_jstr(&sb, "created_at", t1);
    demo_jstr(&sb, "updated_at", iso(in->o.updated_at, t1, sizeof t1));
    strbuf_addc(&sb, '}');
    res_set_raw_take(r, strbuf_take(&sb));
    return r;
}

static struct resource *render_fip(struct dworld *w, int idx, int progress)
{
    const struct dfip *f = &w->fips.v[idx];
    int in = demo_has_port(w, f->inst) ? f->inst : -1;
    const char *st = in >= 0 ? "ACTIVE" : "DOWN";
    char addr[20], fixed[20], nid[DEMO_ID_LEN], pid[DEMO_ID_LEN] = "", rid[DEMO_ID_LEN], t1[32];
    struct resource *r;
    struct strbuf sb;

    ip4(f->addr, addr, sizeof addr);
    demo_net_id(w, "public", f->region, nid);
    demo_router_id(w, f->region, rid);
    if (in >= 0) {
        demo_port_id(w, in, pid);
        ip4(w->insts.v[in].ip, fixed, sizeof fixed);
    }
    iso(f->o.created_at, t1, sizeof t1);
    r = res_new(w->prov, RES_KIND_FLOATINGIP, f->o.id, addr);
    res_set(r, "floating_ip_address", addr);
    res_set(r, "floating_network_id", nid);
    res_set(r, "port_id", in >= 0 ? pid : NULL);
    res_set(r, "fixed_ip_address", in >= 0 ? fixed : NULL);
    res_set(r, "instance", in >= 0 ? w->insts.v[in].o.id : NULL);
    res_set(r, "router", in >= 0 ? rid : NULL);
    res_set(r, "description", f->desc != NULL && f->desc[0] != '\0' ? f->desc : NULL);
    res_set(r, "region", w->regions[f->region].name);
    res_set(r, "created_at", t1);
    res_set_status(r, neutron_status(st), st);
    r->updated_at = f->o.updated_at;
    r->progress = progress;

    /* Neutron floating IP (GET /v2.0/floatingips item) */
    sb_start(&sb, 768);
    strbuf_addc(&sb, '{');
    demo_jstr(&sb, "id", f->o.id);
    demo_jstr(&sb, "floating_ip_address", addr);
    demo_jstr(&sb, "floating_network_id", nid);
    demo_jstr(&sb, "router_id", in >= 0 ? rid : NULL);
    demo_jstr(&sb, "port_id", in >= 0 ? pid : NULL);
    demo_jstr(&sb, "fixed_ip_address", in >= 0 ? fixed : NULL);
    demo_jstr(&sb, "status", st);
    demo_jstr(&sb, "description", f->desc != NULL ? f->desc : "");
    demo_jstr(&sb, "tenant_id", "d3m0000000000000000000000000cafe");
    if (in >= 0) {
        const struct dinst *ip = &w->insts.v[in];
        char pn[128], pnet[DEMO_ID_LEN];
        demo_net_id(w, ip->net, w->zones[ip->zone].region, pnet);
        snprintf(pn, sizeof pn, "%s-eth0", ip->o.name);
        demo_jk(&sb, "port_details");
        strbuf_addc(&sb, '{');
        demo_jstr(&sb, "name", pn);
        demo_jstr(&sb, "network_id", pnet);
        demo_jstr(&sb, "device_id", ip->o.id);
        demo_jk(&sb, "device_owner");
        if (ip->bm)
            strbuf_adds(&sb, "\"baremetal:none\"");
        else
            strbuf_addf(&sb, "\"compute:%s\"", w->zones[ip->zone].name);
        strbuf_addc(&sb, '}');
    }
    demo_jstr(&sb, "created_at", t1);
    demo_jstr(&sb, "updated_at", iso(f->o.updated_at, t1, sizeof t1));
    strbuf_addc(&sb, '}');
    res_set_raw_take(r, strbuf_take(&sb));
    return r;
}

/* One network of region rg: the external one (ext) or the tenant network `name`. */
static struct resource *render_net(struct dworld *w, int rg, const char *name, int ext)
{
    char nid[DEMO_ID_LEN], sub[DEMO_ID_LEN], ename[64], t1[32];
    const char *zones[16];
    const char *proj = ext ? "d3m00000000000000000000000000adm"  /* the admin project */
                           : "d3m0000000000000000000000000cafe"; /* the demo tenant */
    int nz = 0, seg = 0;
    struct resource *r;
    struct strbuf sb;
    char *zl;

    demo_net_id(w, ext ? "public" : name, rg, nid);
    demo_uuid(demo_hash_str(w->seed, nid), 0x9650000ULL, sub);
    if (ext) {
        demo_ext_net_name(w, rg, ename, sizeof ename);
        name = ename;
    } else {
        seg = 1000 + (int)(demo_hash_str(w->seed, nid) % 15000);
    }
    for (int z = 0; z < w->nzones && nz < 16; z++) {
        if (w->zones[z].region == rg)
            zones[nz++] = w->zones[z].name;
    }
    iso(w->hosts.n > 0 ? w->hosts.v[0].o.created_at : 0, t1, sizeof t1);
    r = res_new(w->prov, RES_KIND_NETWORK, nid, name);
    res_set_status(r, RES_STATUS_ACTIVE, "ACTIVE");
    res_set_bool(r, "external", ext);
    res_set_bool(r, "shared", 0);
    res_set_take(r, "subnets", strlist((const char *const[]){sub}, 1));
    set_int(r, "mtu", ext ? 1500 : 1450);
    res_set(r, "project_id", proj);
    zl = strlist(zones, nz);
    res_set(r, "availability_zones", zl);
    res_set(r, "network_type", ext ? "flat" : "vxlan");
    res_set(r, "physical_network", ext ? "public" : NULL);
    if (!ext)
        set_int(r, "segmentation_id", seg);
    res_set(r, "admin_state", "true");
    res_set(r, "region", w->regions[rg].name);
    res_set(r, "created_at", t1);
    r->updated_at = w->hosts.n > 0 ? w->hosts.v[0].o.created_at : 0;

    /* Neutron network (GET /v2.0/networks item, as an admin sees it) */
    sb_start(&sb, 768);
    strbuf_addc(&sb, '{');
    demo_jstr(&sb, "id", nid);
    demo_jstr(&sb, "name", name);
    demo_jstr(&sb, "status", "ACTIVE");
    demo_jbool(&sb, "admin_state_up", 1);
    demo_jbool(&sb, "router:external", ext);
    demo_jbool(&sb, "shared", 0);
    demo_jraw(&sb, "subnets", res_get(r, "subnets"));
    demo_jint(&sb, "mtu", ext ? 1500 : 1450);
    demo_jstr(&sb, "project_id", proj);
    demo_jstr(&sb, "tenant_id", proj);
    demo_jraw(&sb, "availability_zones", zl);
    demo_jstr(&sb, "provider:network_type", ext ? "flat" : "vxlan");
    demo_jstr(&sb, "provider:physical_network", ext ? "public" : NULL);
    demo_jk(&sb, "provider:segmentation_id");
    if (ext)
        strbuf_adds(&sb, "null");
    else
        strbuf_addf(&sb, "%d", seg);
    demo_jbool(&sb, "port_security_enabled", 1);
    demo_jstr(&sb, "description", "");
    demo_jstr(&sb, "created_at", t1);
    demo_jstr(&sb, "updated_at", t1);
    strbuf_addc(&sb, '}');
    res_set_raw_take(r, strbuf_take(&sb));
    free(zl);
    return r;
}

void demo_networks(struct dworld *w, struct res_list *out)
{
    for (int rg = 0; rg < w->nregions; rg++) {
        const char **names = NULL;
        size_t n = 0, cap = 0;

        res_list_push(out, render_net(w, rg, NULL, 1));
        names = xgrow(names, &cap, 1, sizeof *names);
        names[n++] = "private";
        for (size_t i = 0; i < w->insts.n; i++) {
            const struct dinst *in = &w->insts.v[i];
            size_t j;
            if (in->o.deleted || in->net == NULL || w->zones[in->zone].region != rg ||
                strcmp(in->net, "public") == 0)
                continue;
            for (j = 0; j < n && strcmp(names[j], in->net) != 0; j++)
                ;
            if (j == n) {
                names = xgrow(names, &cap, n + 1, sizeof *names);
                names[n++] = in->net;
            }
        }
        for (size_t j = 0; j < n; j++)
            res_list_push(out, render_net(w, rg, names[j], 0));
        free(names);
    }
}

struct resource *demo_render(struct dworld *w, enum res_kind k, int idx, int progress)
{
    switch (k) {
    case RES_KIND_HOST:
        return render_host(w, idx, progress);
    case RES_KIND_INSTANCE:
        return render_inst(w, idx, progress);
    case RES_KIND_VOLUME:
        return render_vol(w, idx, progress);
    case RES_KIND_SNAPSHOT:
        return render_snap(w, idx, progress);
    case RES_KIND_SECGROUP:
        return render_sg(w, idx, progress);
    case RES_KIND_IMAGE:
        return render_image(w, idx, progress);
    case RES_KIND_FLOATINGIP:
        return render_fip(w, idx, progress);
    case RES_KIND_PORT:
        return demo_render_port(w, idx);
    default:
        return render_static(w, k, idx);
    }
}

/* ---- persistence ---------------------------------------------------------------------- */

static const char *jgs(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long jgi(json_t *o, const char *k, long long dflt)
{
    json_t *v = json_object_get(o, k);

    return json_is_integer(v) ? json_integer_value(v) : dflt;
}

static double jgn(json_t *o, const char *k, double dflt)
{
    json_t *v = json_object_get(o, k);

    return json_is_number(v) ? json_number_value(v) : dflt;
}

static void set_str(char **dst, const char *s)
{
    char *c = xstrdup(s);

    free(*dst);
    *dst = c;
}

static void jset_str(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, v != NULL ? json_string(v) : json_null());
}

static const char *ref_id(struct dworld *w, enum res_kind k, int idx)
{
    return idx >= 0 ? demo_obj(w, k, idx)->id : NULL;
}

static char *encode_obj(struct dworld *w, enum res_kind k, int idx)
{
    struct dobj *o = demo_obj(w, k, idx);
    json_t *j = json_object();
    char *s;

    if (o->deleted) {
        json_object_set_new(j, "deleted", json_true());
        goto out;
    }
    jset_str(j, "name", o->name);
    jset_str(j, "op", o->op);
    json_object_set_new(j, "created_at", json_integer(o->created_at));
    json_object_set_new(j, "updated_at", json_integer(o->updated_at));
    switch (k) {
    case RES_KIND_HOST: {
        struct dhost *h = &w->hosts.v[idx];
        json_object_set_new(j, "power_on", json_integer(h->power_on));
        json_object_set_new(j, "maint", json_integer(h->maint));
        jset_str(j, "prov", demo_ps_names[h->prov]);
        jset_str(j, "maint_reason", h->maint_reason);
        jset_str(j, "last_error", h->last_error);
        json_object_set_new(j, "maint_ack_win", json_integer(h->maint_ack_win));
        break;
    }
    case RES_KIND_INSTANCE: {
        struct dinst *in = &w->insts.v[idx];
        json_t *a = json_array();
        json_object_set_new(j, "bm", json_integer(in->bm));
        jset_str(j, "vm", demo_vm_names[in->vm]);
        jset_str(j, "pwr", demo_pwr_names[in->pwr]);
        json_object_set_new(j, "locked", json_integer(in->locked));
        jset_str(j, "zone", w->zones[in->zone].name);
        jset_str(j, "host", ref_id(w, RES_KIND_HOST, in->host));
        jset_str(j, "flavor", w->flavors[in->flavor].id);
        jset_str(j, "image", ref_id(w, RES_KIND_IMAGE, in->image));
        jset_str(j, "keypair", in->keypair >= 0 ? w->keypairs[in->keypair].name : NULL);
        jset_str(j, "sgroup", in->sgroup >= 0 ? w->sgroups.v[in->sgroup].id : NULL);
        jset_str(j, "old_flavor", in->old_flavor >= 0 ? w->flavors[in->old_flavor].id : NULL);
        jset_str(j, "old_host", ref_id(w, RES_KIND_HOST, in->old_host));
        for (int i = 0; i < in->nsg; i++)
            json_array_append_new(a, json_string(w->sgs.v[in->sg[i]].o.id));
        json_object_set_new(j, "sgs", a);
        json_object_set_new(j, "ip", json_integer(in->ip));
        json_object_set_new(j, "fip", json_integer(in->fip));
        jset_str(j, "task", in->task);
        jset_str(j, "fault", in->fault);
        jset_str(j, "net", in->net);
        break;
    }
    case RES_KIND_VOLUME: {
        struct dvol *v = &w->vols.v[idx];
        jset_str(j, "st", demo_vs_names[v->st]);
        json_object_set_new(j, "bootable", json_integer(v->bootable));
        jset_str(j, "vtype", demo_vtype_names[v->vtype]);
        json_object_set_new(j, "size", json_integer(v->size_gb));
        jset_str(j, "inst", ref_id(w, RES_KIND_INSTANCE, v->inst));
        jset_str(j, "zone", w->zones[v->zone].name);
        jset_str(j, "dev", v->dev);
        jset_str(j, "source", v->source);
        break;
    }
    case RES_KIND_SNAPSHOT: {
        struct dsnap *sn = &w->snaps.v[idx];
        jset_str(j, "st", demo_ss_names[sn->st]);
        json_object_set_new(j, "src_inst", json_integer(sn->src_inst));
        json_object_set_new(j, "size", json_integer(sn->size_gb));
        jset_str(j, "region", w->regions[sn->region].name);
        jset_str(j, "src", sn->src);
        jset_str(j, "desc", sn->desc);
        break;
    }
    case RES_KIND_SECGROUP: {
        struct dsg *g = &w->sgs.v[idx];
        json_t *a = json_array();
        jset_str(j, "region", w->regions[g->region].name);
        jset_str(j, "desc", g->desc);
        json_object_set_new(j, "revision", json_integer(g->revision));
        for (int i = 0; i < g->nrules; i++) {
            const struct drule *ru = &g->rules[i];
            json_array_append_new(a, json_pack("{s:s,s:i,s:i,s:i,s:i,s:i,s:s}", "id", ru->id, "e",
                                               ru->egress, "v6", ru->v6, "p", ru->proto, "lo",
                                               ru->pmin, "hi", ru->pmax, "rm", ru->remote));
        }
        json_object_set_new(j, "rules", a);
        break;
    }
    case RES_KIND_IMAGE: {
        struct dimage *im = &w->imgs.v[idx];
        jset_str(j, "st", demo_is_names[im->st]);
        json_object_set_new(j, "priv", json_integer(im->priv));
        jset_str(j, "cat", demo_imgcat[im->cat].name);
        json_object_set_new(j, "size_gb", json_real(im->size_gb));
        json_object_set_new(j, "min_disk", json_integer(im->min_disk));
        jset_str(j, "region", im->region >= 0 ? w->regions[im->region].name : NULL);
        jset_str(j, "src", im->src);
        break;
    }
    case RES_KIND_FLOATINGIP: {
        struct dfip *f = &w->fips.v[idx];
        json_object_set_new(j, "addr", json_integer(f->addr));
        jset_str(j, "region", w->regions[f->region].name);
        jset_str(j, "inst", ref_id(w, RES_KIND_INSTANCE, f->inst));
        jset_str(j, "desc", f->desc);
        break;
    }
    default:
        RT_ASSERT(0);
    }
out:
    s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (s == NULL)
        rt_fatal("out of memory encoding a demo object");
    return s;
}

/* Enum by name; -1 if absent or unknown. */
static int jenum(json_t *o, const char *k, const char *const *names, int n)
{
    return demo_enum_from(names, n, jgs(o, k));
}

/* Apply a record to object idx of kind k. Returns -1 if the record is unusable (the object
 * is then left as it was, apart from strings already replaced). */
static int decode_obj(struct dworld *w, enum res_kind k, int idx, json_t *j)
{
    struct dobj *o = demo_obj(w, k, idx);
    const char *name = jgs(j, "name");

    if (name == NULL)
        return -1;
    switch (k) {
    case RES_KIND_HOST: {
        struct dhost *h = &w->hosts.v[idx];
        int ps = h->bm ? jenum(j, "prov", demo_ps_names, DPS__COUNT) : DPS_NONE;
        if (ps < 0)
            return -1;
        h->prov = (unsigned char)ps;
        h->power_on = jgi(j, "power_on", 1) != 0;
        h->maint = jgi(j, "maint", 0) != 0;
        set_str(&h->maint_reason, jgs(j, "maint_reason"));
        set_str(&h->last_error, jgs(j, "last_error"));
        h->maint_ack_win = jgi(j, "maint_ack_win", 0);
        break;
    }
    case RES_KIND_INSTANCE: {
        struct dinst *in = &w->insts.v[idx];
        int vm = jenum(j, "vm", demo_vm_names, DVM__COUNT);
        int pwr = jenum(j, "pwr", demo_pwr_names, DPWR__COUNT);
        int zone = demo_zone_find(w, jgs(j, "zone"));
        int flavor = demo_flavor_find(w, jgs(j, "flavor"));
        json_t *a = json_object_get(j, "sgs"), *v;
        size_t i;
        if (vm < 0 || pwr < 0 || zone < 0 || flavor < 0 || !json_is_array(a))
            return -1;
        in->bm = jgi(j, "bm", 0) != 0;
        in->vm = (unsigned char)vm;
        in->pwr = (unsigned char)pwr;
        in->locked = jgi(j, "locked", 0) != 0;
        in->zone = zone;
        in->flavor = flavor;
        in->host = demo_find_id(w, RES_KIND_HOST, jgs(j, "host"));
        in->image = demo_find_id(w, RES_KIND_IMAGE, jgs(j, "image"));
        in->keypair = demo_keypair_find(w, jgs(j, "keypair"));
        in->sgroup = demo_srvgroup_find(w, jgs(j, "sgroup"), -1);
        in->old_flavor = demo_flavor_find(w, jgs(j, "old_flavor"));
        in->old_host = demo_find_id(w, RES_KIND_HOST, jgs(j, "old_host"));
        in->nsg = 0;
        json_array_foreach(a, i, v)
        {
            int g =
                json_is_string(v) ? demo_find_id(w, RES_KIND_SECGROUP, json_string_value(v)) : -1;
            if (g >= 0 && in->nsg < DEMO_MAX_SG)
                in->sg[in->nsg++] = g;
        }
        in->ip = (uint32_t)jgi(j, "ip", 0);
        in->fip = (uint32_t)jgi(j, "fip", 0);
        set_str(&in->task, jgs(j, "task"));
        set_str(&in->fault, jgs(j, "fault"));
        set_str(&in->net, jgs(j, "net"));
        break;
    }
    case RES_KIND_VOLUME: {
        struct dvol *v = &w->vols.v[idx];
        int st = jenum(j, "st", demo_vs_names, DVS__COUNT);
        int vt = jenum(j, "vtype", demo_vtype_names, 3);
        int zone = demo_zone_find(w, jgs(j, "zone"));
        if (st < 0 || vt < 0 || zone < 0)
            return -1;
        v->st = (unsigned char)st;
        v->vtype = (unsigned char)vt;
        v->zone = zone;
        v->bootable = jgi(j, "bootable", 0) != 0;
        v->size_gb = (int)jgi(j, "size", 1);
        v->inst = demo_find_id(w, RES_KIND_INSTANCE, jgs(j, "inst"));
        snprintf(v->dev, sizeof v->dev, "%s", jgs(j, "dev") != NULL ? jgs(j, "dev") : "");
        set_str(&v->source, jgs(j, "source"));
        break;
    }
    case RES_KIND_SNAPSHOT: {
        struct dsnap *s = &w->snaps.v[idx];
        int st = jenum(j, "st", demo_ss_names, DSS__COUNT);
        int rg = demo_region_find(w, jgs(j, "region"));
        if (st < 0 || rg < 0 || jgs(j, "src") == NULL)
            return -1;
        s->st = (unsigned char)st;
        s->region = rg;
        s->src_inst = jgi(j, "src_inst", 0) != 0;
        s->size_gb = (int)jgi(j, "size", 1);
        snprintf(s->src, sizeof s->src, "%s", jgs(j, "src"));
        set_str(&s->desc, jgs(j, "desc"));
        break;
    }
    case RES_KIND_SECGROUP: {
        struct dsg *g = &w->sgs.v[idx];
        int rg = demo_region_find(w, jgs(j, "region"));
        json_t *a = json_object_get(j, "rules"), *v;
        size_t i;
        if (rg < 0 || !json_is_array(a))
            return -1;
        g->region = rg;
        set_str(&g->desc, jgs(j, "desc"));
        g->revision = (int)jgi(j, "revision", 1);
        g->nrules = 0;
        json_array_foreach(a, i, v)
        {
            struct drule *ru;
            size_t cap = (size_t)g->caprules;
            const char *rid = jgs(v, "id"), *rm = jgs(v, "rm");
            int p = (int)jgi(v, "p", 0);
            if (rid == NULL || p < 0 || p > 3)
                continue;
            g->rules = xgrow(g->rules, &cap, (size_t)g->nrules + 1, sizeof *g->rules);
            g->caprules = (int)cap;
            ru = &g->rules[g->nrules++];
            memset(ru, 0, sizeof *ru);
            snprintf(ru->id, sizeof ru->id, "%s", rid);
            ru->egress = jgi(v, "e", 0) != 0;
            ru->v6 = jgi(v, "v6", 0) != 0;
            ru->proto = (unsigned char)p;
            ru->pmin = (int)jgi(v, "lo", 0);
            ru->pmax = (int)jgi(v, "hi", 0);
            snprintf(ru->remote, sizeof ru->remote, "%s", rm != NULL ? rm : "");
        }
        break;
    }
    case RES_KIND_IMAGE: {
        struct dimage *im = &w->imgs.v[idx];
        int st = jenum(j, "st", demo_is_names, DIS__COUNT), cat = -1;
        const char *cn = jgs(j, "cat");
        for (int i = 0; cn != NULL && i < NIMGCAT; i++) {
            if (strcmp(demo_imgcat[i].name, cn) == 0)
                cat = i;
        }
        if (st < 0 || cat < 0)
            return -1;
        im->st = (unsigned char)st;
        im->cat = cat;
        im->priv = jgi(j, "priv", 0) != 0;
        im->size_gb = jgn(j, "size_gb", 1);
        im->min_disk = (int)jgi(j, "min_disk", 1);
        im->region = demo_region_find(w, jgs(j, "region"));
        snprintf(im->src, sizeof im->src, "%s", jgs(j, "src") != NULL ? jgs(j, "src") : "");
        break;
    }
    case RES_KIND_FLOATINGIP: {
        struct dfip *f = &w->fips.v[idx];
        long long a = jgi(j, "addr", 0);
        int rg = demo_region_find(w, jgs(j, "region"));
        if (rg < 0 || a <= 0 || a > 0xffffffffLL)
            return -1;
        f->addr = (uint32_t)a;
        f->region = rg;
        f->inst = demo_find_id(w, RES_KIND_INSTANCE, jgs(j, "inst"));
        set_str(&f->desc, jgs(j, "desc"));
        break;
    }
    default:
        return -1;
    }
    set_str(&o->name, name);
    set_str(&o->op, jgs(j, "op"));
    o->created_at = jgi(j, "created_at", o->created_at);
    o->updated_at = jgi(j, "updated_at", o->updated_at);
    return 0;
}

char *demo_op_encode(const struct dop *op)
{
    json_t *j = json_object(), *t = json_array(), *d = json_array(), *p = json_object();
    char *s;

    for (int i = 0; i < op->ntgt; i++)
        json_array_append_new(t, json_string(op->tgt[i]));
    for (int i = 0; i < op->nph; i++)
        json_array_append_new(d, json_integer(op->dur[i]));
    for (size_t i = 0; i < op->prm.len; i++)
        json_object_set_new(p, op->prm.items[i].key, json_string(op->prm.items[i].value));
    json_object_set_new(j, "verb", json_string(op->verb));
    json_object_set_new(j, "kind", json_string(res_kind_name(op->kind)));
    json_object_set_new(j, "tgt", t);
    json_object_set_new(j, "prm", p);
    json_object_set_new(j, "start", json_integer(op->start_ms));
    json_object_set_new(j, "dur", d);
    json_object_set_new(j, "phase", json_integer(op->phase));
    json_object_set_new(j, "state", json_integer(op->state));
    jset_str(j, "msg", op->msg);
    json_object_set_new(j, "end", json_integer(op->end_ms));
    s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (s == NULL)
        rt_fatal("out of memory encoding a demo operation");
    return s;
}

/* op->id must be set by the caller. */
int demo_op_decode(struct dop *op, const char *json)
{
    json_t *j = json_loads(json != NULL ? json : "", 0, NULL), *t, *d, *p, *v;
    const char *verb, *kind, *key;
    size_t i;
    int k, rc = -1;

    if (!json_is_object(j))
        goto out;
    verb = jgs(j, "verb");
    kind = jgs(j, "kind");
    t = json_object_get(j, "tgt");
    d = json_object_get(j, "dur");
    p = json_object_get(j, "prm");
    k = kind != NULL ? res_kind_from_name(kind) : -1;
    if (verb == NULL || strlen(verb) >= sizeof op->verb || k < 0 || !json_is_array(t) ||
        !json_is_array(d) || json_array_size(d) == 0 || json_array_size(d) > 64 ||
        !json_is_object(p))
        goto out;
    snprintf(op->verb, sizeof op->verb, "%s", verb);
    op->kind = (enum res_kind)k;
    op->tgt = xcalloc(json_array_size(t) + 1, sizeof *op->tgt);
    json_array_foreach(t, i, v)
    {
        if (json_is_string(v))
            op->tgt[op->ntgt++] = xstrdup(json_string_value(v));
    }
    op->nph = (int)json_array_size(d);
    op->dur = xcalloc((size_t)op->nph, sizeof *op->dur);
    json_array_foreach(d, i, v) op->dur[i] =
        json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : 0;
    json_object_foreach(p, key, v)
    {
        if (json_is_string(v))
            params_set(&op->prm, key, json_string_value(v));
    }
    op->start_ms = jgi(j, "start", 0);
    op->phase = (int)jgi(j, "phase", 0);
    op->state = (unsigned char)jgi(j, "state", DOP_FAILED);
    op->end_ms = jgi(j, "end", 0);
    op->msg = xstrdup(jgs(j, "msg"));
    if (op->phase < 0 || op->phase > op->nph || op->state > DOP_FAILED || op->ntgt == 0)
        goto out;
    rc = 0;
out:
    json_decref(j);
    return rc;
}

struct rec {
    char *key, *val;
};

struct recs {
    struct rec *v;
    size_t n, cap;
};

static int collect(void *ctx, const char *key, const char *value)
{
    struct recs *r = ctx;

    r->v = xgrow(r->v, &r->cap, r->n + 1, sizeof *r->v);
    r->v[r->n].key = xstrdup(key);
    r->v[r->n].val = xstrdup(value != NULL ? value : "");
    r->n++;
    return 0;
}

static char *meta_encode(const struct dworld *w)
{
    return xasprintf("{\"v\":1,\"seed\":\"%llx\",\"size\":%ld,\"counter\":%llu,"
                     "\"token\":\"%llx\"}",
                     (unsigned long long)w->seed, w->size, (unsigned long long)w->counter,
                     (unsigned long long)w->token);
}

/* Apply the records of one kind; bad ones are dropped and their keys returned in `bad`. */
static void apply_kind(struct dworld *w, enum res_kind k, struct recs *rs, struct recs *bad)
{
    const char *kn = res_kind_name(k);
    size_t kl = strlen(kn);

    for (size_t i = 0; i < rs->n; i++) {
        const char *key = rs->v[i].key, *id;
        json_t *j;
        int idx, ok = 0;

        if (strncmp(key, kn, kl) != 0 || key[kl] != ':')
            continue;
        id = key + kl + 1;
        j = json_loads(rs->v[i].val, 0, NULL);
        idx = demo_find_id(w, k, id);
        if (json_is_object(j) && json_is_true(json_object_get(j, "deleted"))) {
            if (idx >= 0)
                demo_obj(w, k, idx)->deleted = 1;
            ok = 1;
        } else if (json_is_object(j) && strlen(id) < DEMO_ID_LEN && jgs(j, "name") != NULL) {
            int created = idx < 0;
            if (created && k == RES_KIND_HOST)
                created = 0; /* hosts are never created: a stale record */
            else if (created)
                idx = demo_add(w, k, id, jgs(j, "name"));
            if (idx >= 0 && decode_obj(w, k, idx, j) == 0) {
                ok = 1;
                demo_obj(w, k, idx)->created = (unsigned char)created;
            } else if (created) {
                demo_obj(w, k, idx)->deleted = 1; /* half-made: hide it */
            }
        }
        json_decref(j);
        if (!ok)
            collect(bad, key, NULL);
    }
}

int demo_world_load(struct dworld *w, struct rt_error *err)
{
    char *meta;
    json_t *m = NULL;
    struct recs rs = {0}, bad = {0};
    int rc = 0, fresh = 0;
    static const enum res_kind order[] = {RES_KIND_HOST,      RES_KIND_IMAGE,  RES_KIND_SECGROUP,
                                          RES_KIND_INSTANCE,  RES_KIND_VOLUME, RES_KIND_SNAPSHOT,
                                          RES_KIND_FLOATINGIP};

    if (w->st == NULL)
        return 0;
    meta = store_blob_get(w->st, w->ns, "meta");
    if (meta == NULL) {
        fresh = 1;
    } else {
        const char *seed;
        m = json_loads(meta, 0, NULL);
        seed = jgs(m, "seed");
        if (!json_is_object(m) || jgi(m, "v", 0) != 1 || seed == NULL) {
            fresh = 2; /* corrupt: start over */
        } else if (strtoull(seed, NULL, 16) != (unsigned long long)w->seed ||
                   jgi(m, "size", -1) != w->size) {
            fresh = 1; /* another world was asked for */
        } else {
            w->counter = (uint64_t)jgi(m, "counter", 0);
            w->token = jgs(m, "token") != NULL ? strtoull(jgs(m, "token"), NULL, 16) : 0;
            w->dirty_meta = jgs(m, "token") == NULL;
        }
    }
    free(meta);
    json_decref(m);
    if (fresh) {
        w->dirty_meta = 1;
        return store_blob_clear(w->st, w->ns, err);
    }
    if (store_blob_foreach(w->st, w->ns, collect, &rs, err) < 0) {
        rc = -1;
        goto out;
    }
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        apply_kind(w, order[i], &rs, &bad);
    for (size_t i = 0; i < rs.n; i++) {
        struct dop op;
        if (strncmp(rs.v[i].key, "op:", 3) != 0)
            continue;
        memset(&op, 0, sizeof op);
        if (strlen(rs.v[i].key + 3) >= sizeof op.id || demo_op_decode(&op, rs.v[i].val) < 0) {
            demo_op_free(&op);
            collect(&bad, rs.v[i].key, NULL);
            continue;
        }
        snprintf(op.id, sizeof op.id, "%s", rs.v[i].key + 3);
        w->ops.v = xgrow(w->ops.v, &w->ops.cap, w->ops.n + 1, sizeof *w->ops.v);
        w->ops.v[w->ops.n++] = op;
    }
    /* drop what could not be read, so it does not come back every start */
    if (bad.n > 0 && store_begin(w->st, err) == 0) {
        for (size_t i = 0; i < bad.n; i++)
            store_blob_delete(w->st, w->ns, bad.v[i].key, NULL);
        if (store_commit(w->st, err) < 0)
            store_rollback(w->st);
    }
    demo_world_recount(w);
out:
    for (size_t i = 0; i < rs.n; i++) {
        free(rs.v[i].key);
        free(rs.v[i].val);
    }
    for (size_t i = 0; i < bad.n; i++) {
        free(bad.v[i].key);
        free(bad.v[i].val);
    }
    free(rs.v);
    free(bad.v);
    return rc;
}

int demo_world_flush(struct dworld *w, struct rt_error *err)
{
    int any = w->dirty_meta || w->dirty.n > 0;
    uint64_t old_token = w->token;
    char key[96];

    for (size_t i = 0; !any && i < w->ops.n; i++)
        any = w->ops.v[i].dirty;
    if (!any)
        return 0;
    if (w->st == NULL)
        goto done;
    if (store_begin(w->st, err) < 0)
        return -1;
    for (size_t i = 0; i < w->dirty.n; i++) {
        enum res_kind k = (enum res_kind)(w->dirty.v[i] >> 32);
        int idx = (int)(w->dirty.v[i] & 0xffffffffu);
        struct dobj *o = demo_obj(w, k, idx);
        int rc;
        snprintf(key, sizeof key, "%s:%s", res_kind_name(k), o->id);
        if (o->deleted && o->created) {
            rc = store_blob_delete(w->st, w->ns, key, err);
        } else {
            char *v = encode_obj(w, k, idx);
            rc = store_blob_put(w->st, w->ns, key, v, err);
            free(v);
        }
        if (rc < 0)
            goto fail;
    }
    for (size_t i = 0; i < w->ops.n; i++) {
        struct dop *op = &w->ops.v[i];
        int rc = 0;
        if (!op->dirty)
            continue;
        snprintf(key, sizeof key, "op:%s", op->id);
        if (op->gone) {
            rc = store_blob_delete(w->st, w->ns, key, err);
        } else {
            char *v = demo_op_encode(op);
            rc = store_blob_put(w->st, w->ns, key, v, err);
            free(v);
        }
        if (rc < 0)
            goto fail;
    }
    {
        char *v;
        int rc;
        old_token = w->token;
        w->token = demo_mix(w->token ^ (uint64_t)rt_now_ms(), w->counter + (uint64_t)(uintptr_t)w);
        v = meta_encode(w);
        rc = store_blob_put(w->st, w->ns, "meta", v, err);
        free(v);
        if (rc < 0)
            goto fail;
    }
    if (store_commit(w->st, err) < 0)
        goto fail;
done:
    for (size_t i = 0; i < w->dirty.n; i++) {
        enum res_kind k = (enum res_kind)(w->dirty.v[i] >> 32);
        demo_obj(w, k, (int)(w->dirty.v[i] & 0xffffffffu))->dirty = 0;
    }
    w->dirty.n = 0;
    w->dirty_meta = 0;
    for (size_t i = 0; i < w->ops.n; i++)
        w->ops.v[i].dirty = 0;
    return 0;
fail:
    w->token = old_token;
    store_rollback(w->st);
    return -1;
}

int demo_world_stale(struct dworld *w)
{
    char *meta;
    json_t *m;
    const char *tok;
    int stale;

    if (w->st == NULL)
        return 0;
    meta = store_blob_get(w->st, w->ns, "meta");
    m = meta != NULL ? json_loads(meta, 0, NULL) : NULL;
    tok = jgs(m, "token");
    stale = tok == NULL || strtoull(tok, NULL, 16) != (unsigned long long)w->token;
    json_decref(m);
    free(meta);
    return stale;
}
