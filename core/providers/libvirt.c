/*
 * libvirt.c - the "libvirt" provider: KVM/QEMU hosts without a cloud in
 * front, managed directly with the libvirt C API.
 *
 * One provider entry lists libvirt URIs; each URI is one host (kind host,
 * type hypervisor) whose id is a short name: the `name:` given in the entry,
 * else the URI's host part, else the test driver file's base name
 * ("default" for test:///default), else "localhost".  Resource ids carry
 * the host so they are unique across URIs:
 *
 *     instance   HOST/DOMAIN-UUID          snapshot   HOST/DOMAIN-UUID/SNAPSHOT
 *     volume     HOST/VOLUME-KEY (path)    image      HOST/VOLUME-KEY (in image_pool)
 *     secgroup   HOST/NWFILTER-NAME        flavor     NAME (built in or `flavors:`)
 *
 * Mapping: domains -> instances (state and reason, vCPUs, memory, disks,
 * NICs, addresses from the guest agent, then DHCP leases, then ARP, zone =
 * host); storage volumes outside the image pool -> volumes; domain
 * snapshots -> snapshots (description shows the parent, so the tree can be
 * read); nwfilters -> security groups (rules from <rule> elements); volumes
 * of `image_pool` -> images.  A new instance gets a qcow2 overlay whose
 * backing file is the image (copy-on-write, as cloud images work).
 *
 * Threads: every libvirt call runs on the thread of its URI's connection
 * (libvirt_conn.c); this file runs on the engine's worker thread and only
 * waits for those threads with a deadline (`call_timeout`, default the
 * global timeout).  A host that does not answer in time keeps its last good
 * rows (cached here) and its host row turns ERROR "not answering"; it never
 * delays the other hosts.  Live migration runs on a thread of its own, with a
 * second one polling the source's job stats into the task that task_poll()
 * reports (both use their own domain and connection references).
 *
 * Tasks: act() returns a reference "lv-N" for every action; quick actions
 * are finished when act() returns, a graceful stop finishes when the domain
 * is SHUTOFF (or fails after `shutdown_timeout`), a live migration when the
 * migration call returns.  References live in memory: a task left running
 * by an earlier racktop process is reported interrupted by the engine.
 */
#include "libvirt_priv.h"

#include "core/action.h"
#include "core/config.h"
#include "core/err.h"
#include "core/model.h"
#include "core/provider.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "core/yamltree.h"

#include <jansson.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define LV_MAX_CONNS 256
#define LV_SHUTDOWN_TIMEOUT_S 180

struct lv_flavor {
    char *name;
    int vcpus;
    long long ram_mb;
    long long disk_gb;
};

enum lv_job_kind { LVJ_DONE, LVJ_WAIT_SHUTOFF, LVJ_MIGRATION };

struct lv_job {
    char ref[32];
    enum lv_job_kind kind;
    struct lv_conn *conn;   /* the host the job watches */
    char *dom_uuid;
    int64_t deadline_ms;
    /* Shared with a migration thread: under P->sync.mu. */
    enum task_state state;
    int progress;
    char message[256];
    int refs;
};

struct lv_prov {
    const char *name; /* provider instance name, borrowed from core */
    struct lv_sync sync;
    int sync_ok;
    struct lv_conn **conns;
    size_t nconns;
    char *image_pool;
    char *network;
    char *domain_type; /* NULL: from the driver */
    struct lv_flavor *flavors;
    size_t nflavors;
    int64_t timeout_ms;
    int64_t shutdown_timeout_s;
    struct lv_job **jobs;
    size_t njobs, capjobs;
    unsigned long next_job;
};

static const struct lv_flavor builtin_flavors[] = {
    {"m1.tiny", 1, 512, 1},    {"m1.small", 1, 2048, 20},   {"m1.medium", 2, 4096, 40},
    {"m1.large", 4, 8192, 80}, {"m1.xlarge", 8, 16384, 160},
};

/* ---- small helpers ----------------------------------------------------------------------- */

static struct lv_prov *prov(struct provider *p)
{
    return provider_priv(p);
}

static struct lv_conn *conn_by_name(struct lv_prov *P, const char *name, size_t len)
{
    for (size_t i = 0; i < P->nconns; i++) {
        if (strlen(P->conns[i]->name) == len && strncmp(P->conns[i]->name, name, len) == 0)
            return P->conns[i];
    }
    return NULL;
}

/* Split "HOST/REST" into the connection and REST (borrowed). */
static struct lv_conn *split_id(struct lv_prov *P, const char *id, const char **rest,
                                struct rt_error *err)
{
    const char *slash = id != NULL ? strchr(id, '/') : NULL;
    struct lv_conn *c;

    if (slash == NULL) {
        rt_err_set(err, RT_ERR_NOT_FOUND, 0, "'%s' is not a libvirt id of the form HOST/ID",
                   id != NULL ? id : "");
        return NULL;
    }
    c = conn_by_name(P, id, (size_t)(slash - id));
    if (c == NULL) {
        rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no libvirt host '%.*s' in this provider",
                   (int)(slash - id), id);
        return NULL;
    }
    *rest = slash + 1;
    return c;
}

static const struct lv_flavor *flavor_find(struct lv_prov *P, const char *name)
{
    for (size_t i = 0; i < P->nflavors; i++) {
        if (strcmp(P->flavors[i].name, name) == 0)
            return &P->flavors[i];
    }
    return NULL;
}

static char *raw_json(const char *uri, const char *what, const char *xml, json_t *extra)
{
    json_t *o = extra != NULL ? extra : json_object();
    char *s, *r;

    json_object_set_new(o, "uri", json_string(uri));
    json_object_set_new(o, "libvirt", json_string(what));
    if (xml != NULL)
        json_object_set_new(o, "xml", json_string(xml));
    s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    r = xstrdup(s);
    free(s);
    return r;
}

static void set_created(struct resource *r, const char *field, long long epoch)
{
    char buf[40];

    if (epoch > 0)
        res_set(r, field, rt_iso8601(epoch, buf, sizeof buf));
}

/* ---- list: per-host functions (run on the connection threads) ----------------------------- */

struct list_arg {
    enum res_kind kind;
    char *provider;
    char *image_pool;
    const struct lv_flavor *flavors; /* immutable while the provider is open */
    size_t nflavors;
    char *only_id; /* get(): the local id wanted, or NULL for all */
    struct res_list out;
    /* hosts */
    virNodeInfo ni;
    int have_ni;
    char hostname[128];
    long long vcpus_used, mem_used_mb, ninst;
    double cpu_pct, mem_pct;
};

static void list_arg_free(void *p)
{
    struct list_arg *a = p;

    if (a == NULL)
        return;
    free(a->provider);
    free(a->image_pool);
    free(a->only_id);
    res_list_done(&a->out);
    free(a);
}

static const char *state_name(int st)
{
    switch (st) {
    case VIR_DOMAIN_RUNNING: return "running";
    case VIR_DOMAIN_BLOCKED: return "blocked";
    case VIR_DOMAIN_PAUSED: return "paused";
    case VIR_DOMAIN_SHUTDOWN: return "shutting-down";
    case VIR_DOMAIN_SHUTOFF: return "shutoff";
    case VIR_DOMAIN_CRASHED: return "crashed";
    case VIR_DOMAIN_PMSUSPENDED: return "pmsuspended";
    default: return "nostate";
    }
}

static const char *reason_name(int st, int reason)
{
    static const char *const running[] = {"unknown", "booted", "migrated", "restored",
                                          "from snapshot", "unpaused", "migration canceled",
                                          "save canceled", "wakeup", "crashed", "postcopy"};
    static const char *const paused[] = {"unknown", "user", "migration", "save", "dump",
                                         "ioerror", "watchdog", "from snapshot", "shutting down",
                                         "snapshot", "crashed", "starting up", "postcopy",
                                         "postcopy failed"};
    static const char *const shutoff[] = {"unknown", "shutdown", "destroyed", "crashed",
                                          "migrated", "saved", "failed", "from snapshot",
                                          "daemon"};

#define PICK(t) ((unsigned)reason < sizeof t / sizeof t[0] ? t[reason] : "unknown")
    switch (st) {
    case VIR_DOMAIN_RUNNING: return PICK(running);
    case VIR_DOMAIN_PAUSED: return PICK(paused);
    case VIR_DOMAIN_SHUTOFF: return PICK(shutoff);
    default: return "unknown";
    }
#undef PICK
}

static enum res_status status_of(int st)
{
    switch (st) {
    case VIR_DOMAIN_RUNNING:
    case VIR_DOMAIN_BLOCKED: return RES_STATUS_ACTIVE;
    case VIR_DOMAIN_PAUSED:
    case VIR_DOMAIN_PMSUSPENDED: return RES_STATUS_PAUSED;
    case VIR_DOMAIN_SHUTDOWN: return RES_STATUS_BUSY;
    case VIR_DOMAIN_SHUTOFF: return RES_STATUS_SHUTOFF;
    case VIR_DOMAIN_CRASHED: return RES_STATUS_ERROR;
    default: return RES_STATUS_UNKNOWN;
    }
}

static const char *vm_state_of(int st)
{
    switch (st) {
    case VIR_DOMAIN_RUNNING:
    case VIR_DOMAIN_BLOCKED: return "active";
    case VIR_DOMAIN_PAUSED: return "paused";
    case VIR_DOMAIN_PMSUSPENDED: return "suspended";
    case VIR_DOMAIN_SHUTDOWN: return "active";
    case VIR_DOMAIN_SHUTOFF: return "stopped";
    case VIR_DOMAIN_CRASHED: return "error";
    default: return "unknown";
    }
}

/* Addresses: guest agent, then DHCP leases, then ARP; the first source that answers. */
static char *dom_addresses(virDomainPtr dom)
{
    static const unsigned srcs[] = {VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT,
                                    VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE,
                                    VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP};
    char **v = NULL;
    size_t n = 0;
    char *s;

    for (size_t k = 0; k < 3 && n == 0; k++) {
        virDomainInterfacePtr *ifs = NULL;
        int ni = virDomainInterfaceAddresses(dom, &ifs, srcs[k], 0);
        for (int i = 0; i < ni; i++) {
            for (unsigned j = 0; j < ifs[i]->naddrs; j++) {
                const char *a = ifs[i]->addrs[j].addr;
                if (a == NULL || strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0)
                    continue;
                v = xrealloc(v, (n + 1) * sizeof *v);
                v[n++] = xstrdup(a);
            }
            virDomainInterfaceFree(ifs[i]);
        }
        free(ifs);
    }
    virResetLastError();
    s = res_json_strlist((const char *const *)v, n);
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
    return s;
}

/* Path of a disk's source (file, block device, or pool/volume), new string or NULL. */
static char *disk_source(virConnectPtr conn, xmlDocPtr doc, xmlNodePtr disk)
{
    char *s = lv_xpath_str(doc, disk, "string(source/@file)");
    char *pool, *vol;

    if (s == NULL)
        s = lv_xpath_str(doc, disk, "string(source/@dev)");
    if (s != NULL)
        return s;
    pool = lv_xpath_str(doc, disk, "string(source/@pool)");
    vol = lv_xpath_str(doc, disk, "string(source/@volume)");
    if (pool != NULL && vol != NULL) {
        virStoragePoolPtr p = virStoragePoolLookupByName(conn, pool);
        virStorageVolPtr v = p != NULL ? virStorageVolLookupByName(p, vol) : NULL;
        s = v != NULL ? virStorageVolGetPath(v) : NULL;
        if (v != NULL)
            virStorageVolFree(v);
        if (p != NULL)
            virStoragePoolFree(p);
    }
    free(pool);
    free(vol);
    return s;
}

/* Backing file of a volume at `path`, new string or NULL. */
static char *backing_of(virConnectPtr conn, const char *path)
{
    virStorageVolPtr v = virStorageVolLookupByPath(conn, path);
    char *xml, *b = NULL;
    xmlDocPtr d;

    if (v == NULL) {
        virResetLastError();
        return NULL;
    }
    xml = virStorageVolGetXMLDesc(v, 0);
    d = xml != NULL ? lv_xml_parse(xml, NULL) : NULL;
    if (d != NULL)
        b = lv_xpath_str(d, NULL, "string(/volume/backingStore/path)");
    xmlFreeDoc(d);
    free(xml);
    virStorageVolFree(v);
    return b;
}

static const char *flavor_name_for(const struct list_arg *a, int vcpus, long long ram_mb,
                                   char *buf, size_t len)
{
    for (size_t i = 0; i < a->nflavors; i++) {
        if (a->flavors[i].vcpus == vcpus && a->flavors[i].ram_mb == ram_mb)
            return a->flavors[i].name;
    }
    snprintf(buf, len, "custom-%dc-%lldM", vcpus, ram_mb);
    return buf;
}

static struct resource *dom_to_res(struct lv_conn *c, virConnectPtr conn, virDomainPtr dom,
                                   const struct list_arg *a)
{
    char uuid[VIR_UUID_STRING_BUFLEN], id[400], fl[64], raw_st[160];
    const char *name = virDomainGetName(dom);
    int st = VIR_DOMAIN_NOSTATE, reason = 0, autostart = 0, persistent;
    virDomainInfo info;
    char *xml = NULL, *s;
    xmlDocPtr doc = NULL;
    xmlXPathObjectPtr nodes = NULL;
    struct resource *r;
    char **vols = NULL, **sgs = NULL;
    size_t nvols = 0, nsgs = 0;
    long long vcpus, ram_mb;
    json_t *extra = json_object(), *nics = json_array();

    virDomainGetUUIDString(dom, uuid);
    snprintf(id, sizeof id, "%s/%s", c->name, uuid);
    r = res_new(a->provider, RES_KIND_INSTANCE, id, name);
    virDomainGetState(dom, &st, &reason, 0);
    memset(&info, 0, sizeof info);
    virDomainGetInfo(dom, &info);
    virDomainGetAutostart(dom, &autostart);
    persistent = virDomainIsPersistent(dom) == 1;
    res_set(r, "type", "vm");
    res_set(r, "zone", c->name);
    res_set(r, "host", c->name);
    res_set(r, "vm_state", vm_state_of(st));
    res_set(r, "power_state", state_name(st));
    snprintf(raw_st, sizeof raw_st, "%s (%s)%s%s", state_name(st), reason_name(st, reason),
             persistent ? "" : ", transient", autostart ? ", autostart" : "");
    res_set_status(r, status_of(st), raw_st);
    if (st == VIR_DOMAIN_SHUTDOWN)
        res_set(r, "task_state", "powering-off");
    {
        virDomainJobInfo ji;
        if (virDomainGetJobInfo(dom, &ji) == 0 && ji.type == VIR_DOMAIN_JOB_UNBOUNDED) {
            res_set(r, "task_state", "migrating");
            r->status = RES_STATUS_BUSY;
        }
        virResetLastError();
    }
    xml = virDomainGetXMLDesc(dom, 0);
    doc = xml != NULL ? lv_xml_parse(xml, NULL) : NULL;
    vcpus = doc != NULL ? lv_xpath_int(doc, NULL, "string(/domain/vcpu/@current)", -1) : -1;
    if (vcpus < 0)
        vcpus = info.nrVirtCpu;
    ram_mb = (long long)((st == VIR_DOMAIN_SHUTOFF ? info.maxMem : info.memory) / 1024);
    if (doc != NULL && st == VIR_DOMAIN_SHUTOFF) {
        long long cur = lv_xpath_int(doc, NULL, "string(/domain/currentMemory)", -1);
        if (cur > 0)
            ram_mb = cur / 1024;
    }
    res_set_int(r, "vcpus", vcpus);
    res_set_int(r, "ram_mb", ram_mb);
    res_set(r, "flavor", flavor_name_for(a, (int)vcpus, ram_mb, fl, sizeof fl));
    res_set_bool(r, "locked", 0);
    json_object_set_new(extra, "autostart", json_boolean(autostart));
    json_object_set_new(extra, "persistent", json_boolean(persistent));
    json_object_set_new(extra, "state_reason", json_string(reason_name(st, reason)));
    if (doc != NULL) {
        nodes = lv_xpath_nodes(doc, NULL, "/domain/devices/disk[@device='disk']");
        for (int i = 0; nodes != NULL && i < nodes->nodesetval->nodeNr; i++) {
            char *src = disk_source(conn, doc, nodes->nodesetval->nodeTab[i]);
            if (src == NULL)
                continue;
            if (nvols == 0) {
                char *b = backing_of(conn, src);
                if (b != NULL) {
                    const char *base = strrchr(b, '/');
                    res_set(r, "image", base != NULL ? base + 1 : b);
                    free(b);
                }
            }
            vols = xrealloc(vols, (nvols + 1) * sizeof *vols);
            vols[nvols++] = xasprintf("%s/%s", c->name, src);
            free(src);
        }
        xmlXPathFreeObject(nodes);
        nodes = lv_xpath_nodes(doc, NULL, "/domain/devices/interface");
        for (int i = 0; nodes != NULL && i < nodes->nodesetval->nodeNr; i++) {
            xmlNodePtr ifn = nodes->nodesetval->nodeTab[i];
            char *mac = lv_xpath_str(doc, ifn, "string(mac/@address)");
            char *net = lv_xpath_str(doc, ifn, "string(source/@network)");
            char *fr = lv_xpath_str(doc, ifn, "string(filterref/@filter)");
            json_t *nic = json_object();
            json_object_set_new(nic, "mac", mac != NULL ? json_string(mac) : json_null());
            json_object_set_new(nic, "network", net != NULL ? json_string(net) : json_null());
            json_object_set_new(nic, "filter", fr != NULL ? json_string(fr) : json_null());
            json_array_append_new(nics, nic);
            if (fr != NULL) {
                sgs = xrealloc(sgs, (nsgs + 1) * sizeof *sgs);
                sgs[nsgs++] = fr;
                fr = NULL;
            }
            free(mac);
            free(net);
            free(fr);
        }
        xmlXPathFreeObject(nodes);
    }
    json_object_set_new(extra, "nics", nics);
    res_set_take(r, "volumes", res_json_strlist((const char *const *)vols, nvols));
    res_set_take(r, "security_groups", res_json_strlist((const char *const *)sgs, nsgs));
    if (st == VIR_DOMAIN_RUNNING || st == VIR_DOMAIN_PAUSED || st == VIR_DOMAIN_BLOCKED)
        res_set_take(r, "addresses", dom_addresses(dom));
    else
        res_set(r, "addresses", "[]");
    s = raw_json(c->uri, "domain", xml, extra);
    res_set_raw_take(r, s);
    for (size_t i = 0; i < nvols; i++)
        free(vols[i]);
    for (size_t i = 0; i < nsgs; i++)
        free(sgs[i]);
    free(vols);
    free(sgs);
    xmlFreeDoc(doc);
    free(xml);
    return r;
}

static int list_instances(struct lv_conn *c, virConnectPtr conn, struct list_arg *a,
                          struct rt_error *err)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(conn, &doms, 0);

    if (n < 0)
        return lv_err(err, "list domains");
    for (int i = 0; i < n; i++) {
        char uuid[VIR_UUID_STRING_BUFLEN];
        virDomainGetUUIDString(doms[i], uuid);
        if (a->only_id == NULL || strcmp(a->only_id, uuid) == 0)
            res_list_push(&a->out, dom_to_res(c, conn, doms[i], a));
        virDomainFree(doms[i]);
    }
    free(doms);
    return 0;
}

/* Map disk path -> "instance id\tdevice" for the volumes' attached_to. */
static json_t *attachments(struct lv_conn *c, virConnectPtr conn)
{
    json_t *m = json_object();
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(conn, &doms, 0);

    for (int i = 0; i < n; i++) {
        char uuid[VIR_UUID_STRING_BUFLEN];
        char *xml = virDomainGetXMLDesc(doms[i], 0);
        xmlDocPtr d = xml != NULL ? lv_xml_parse(xml, NULL) : NULL;
        xmlXPathObjectPtr o = d != NULL ? lv_xpath_nodes(d, NULL, "/domain/devices/disk") : NULL;
        virDomainGetUUIDString(doms[i], uuid);
        for (int j = 0; o != NULL && j < o->nodesetval->nodeNr; j++) {
            char *src = disk_source(conn, d, o->nodesetval->nodeTab[j]);
            char *dev = lv_xpath_str(d, o->nodesetval->nodeTab[j], "string(target/@dev)");
            if (src != NULL) {
                json_t *v = json_object();
                json_object_set_new(v, "id", json_sprintf("%s/%s", c->name, uuid));
                json_object_set_new(v, "dev", json_string(dev != NULL ? dev : ""));
                json_object_set_new(v, "boot", json_boolean(j == 0));
                json_object_set_new(m, src, v);
            }
            free(src);
            free(dev);
        }
        xmlXPathFreeObject(o);
        xmlFreeDoc(d);
        free(xml);
        virDomainFree(doms[i]);
    }
    free(doms);
    virResetLastError();
    return m;
}

static struct resource *vol_to_res(struct lv_conn *c, virStorageVolPtr v, const char *pool,
                                   const struct list_arg *a, json_t *att)
{
    const char *key = virStorageVolGetKey(v);
    char *path = virStorageVolGetPath(v), *xml = virStorageVolGetXMLDesc(v, 0);
    char id[600];
    xmlDocPtr d = xml != NULL ? lv_xml_parse(xml, NULL) : NULL;
    struct resource *r;
    virStorageVolInfo vi;
    json_t *at = path != NULL && att != NULL ? json_object_get(att, path) : NULL;
    json_t *extra = json_object();

    snprintf(id, sizeof id, "%s/%s", c->name, path != NULL ? path : key);
    r = res_new(a->provider, a->kind, id, virStorageVolGetName(v));
    memset(&vi, 0, sizeof vi);
    virStorageVolGetInfo(v, &vi);
    json_object_set_new(extra, "pool", json_string(pool));
    json_object_set_new(extra, "key", json_string(key != NULL ? key : ""));
    if (a->kind == RES_KIND_IMAGE) {
        char *fmt = d != NULL ? lv_xpath_str(d, NULL, "string(/volume/target/format/@type)") : NULL;
        res_set_num(r, "size_gb", (double)vi.allocation / (1024.0 * 1024 * 1024));
        res_set_int(r, "min_disk_gb", (long long)((vi.capacity + (1ULL << 30) - 1) >> 30));
        res_set(r, "disk_format", fmt != NULL ? fmt : "raw");
        res_set(r, "visibility", "public");
        res_set(r, "region", c->name);
        res_set_status(r, RES_STATUS_ACTIVE, "available");
        free(fmt);
    } else {
        char *back = d != NULL ? lv_xpath_str(d, NULL, "string(/volume/backingStore/path)") : NULL;
        res_set_int(r, "size_gb", (long long)((vi.capacity + (1ULL << 30) - 1) >> 30));
        res_set(r, "volume_type", pool);
        res_set(r, "zone", c->name);
        res_set(r, "region", c->name);
        if (back != NULL) {
            const char *base = strrchr(back, '/');
            res_set(r, "source", base != NULL ? base + 1 : back);
        }
        free(back);
        if (at != NULL) {
            res_set(r, "attached_to", json_string_value(json_object_get(at, "id")));
            res_set(r, "device", json_string_value(json_object_get(at, "dev")));
            res_set_bool(r, "bootable", json_is_true(json_object_get(at, "boot")));
            res_set_status(r, RES_STATUS_ACTIVE, "in-use");
        } else {
            res_set_bool(r, "bootable", 0);
            res_set_status(r, RES_STATUS_ACTIVE, "available");
        }
    }
    res_set_raw_take(r, raw_json(c->uri, "volume", xml, extra));
    xmlFreeDoc(d);
    free(xml);
    free(path);
    return r;
}

static int list_volumes(struct lv_conn *c, virConnectPtr conn, struct list_arg *a,
                        struct rt_error *err)
{
    virStoragePoolPtr *pools = NULL;
    int np = virConnectListAllStoragePools(conn, &pools, VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE);
    json_t *att = a->kind == RES_KIND_VOLUME ? attachments(c, conn) : NULL;

    if (np < 0) {
        json_decref(att);
        return lv_err(err, "list storage pools");
    }
    for (int i = 0; i < np; i++) {
        const char *pn = virStoragePoolGetName(pools[i]);
        int is_img = strcmp(pn, a->image_pool) == 0;
        virStorageVolPtr *vols = NULL;
        int nv;
        if (is_img != (a->kind == RES_KIND_IMAGE)) {
            virStoragePoolFree(pools[i]);
            continue;
        }
        virStoragePoolRefresh(pools[i], 0);
        virResetLastError();
        nv = virStoragePoolListAllVolumes(pools[i], &vols, 0);
        for (int j = 0; j < nv; j++) {
            struct resource *r = vol_to_res(c, vols[j], pn, a, att);
            if (a->only_id == NULL || strcmp(strchr(r->id, '/') + 1, a->only_id) == 0)
                res_list_push(&a->out, r);
            else
                res_free(r);
            virStorageVolFree(vols[j]);
        }
        free(vols);
        virStoragePoolFree(pools[i]);
    }
    free(pools);
    json_decref(att);
    return 0;
}

static int list_snapshots(struct lv_conn *c, virConnectPtr conn, struct list_arg *a,
                          struct rt_error *err)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(conn, &doms, 0);

    if (n < 0)
        return lv_err(err, "list domains");
    for (int i = 0; i < n; i++) {
        char uuid[VIR_UUID_STRING_BUFLEN];
        virDomainSnapshotPtr *snaps = NULL;
        int ns = virDomainListAllSnapshots(doms[i], &snaps, 0);
        virDomainGetUUIDString(doms[i], uuid);
        for (int j = 0; j < ns; j++) {
            const char *sn = virDomainSnapshotGetName(snaps[j]);
            char *xml = virDomainSnapshotGetXMLDesc(snaps[j], 0);
            xmlDocPtr d = xml != NULL ? lv_xml_parse(xml, NULL) : NULL;
            char *id = xasprintf("%s/%s/%s", c->name, uuid, sn);
            char *parent = NULL, *state = NULL, *desc = NULL, *mem = NULL, raw_st[160];
            int current = virDomainSnapshotIsCurrent(snaps[j], 0) == 1;
            struct resource *r;
            if (a->only_id != NULL && strcmp(a->only_id, strchr(id, '/') + 1) != 0) {
                free(id);
                xmlFreeDoc(d);
                free(xml);
                virDomainSnapshotFree(snaps[j]);
                continue;
            }
            r = res_new(a->provider, RES_KIND_SNAPSHOT, id, sn);
            if (d != NULL) {
                parent = lv_xpath_str(d, NULL, "string(/domainsnapshot/parent/name)");
                state = lv_xpath_str(d, NULL, "string(/domainsnapshot/state)");
                desc = lv_xpath_str(d, NULL, "string(/domainsnapshot/description)");
                mem = lv_xpath_str(d, NULL, "string(/domainsnapshot/memory/@snapshot)");
                set_created(r, "created_at",
                            lv_xpath_int(d, NULL, "string(/domainsnapshot/creationTime)", 0));
            }
            res_set(r, "source", strchr(id, '/') != NULL ? NULL : NULL);
            res_setf(r, "source", "%s/%s", c->name, uuid);
            res_set(r, "source_kind", "instance");
            res_set(r, "region", c->name);
            {
                struct strbuf sb = STRBUF_INIT;
                strbuf_addf(&sb, "parent: %s", parent != NULL ? parent : "-");
                if (desc != NULL)
                    strbuf_addf(&sb, "; %s", desc);
                res_set_take(r, "description", strbuf_take(&sb));
            }
            snprintf(raw_st, sizeof raw_st, "%s, %s%s", state != NULL ? state : "unknown",
                     mem != NULL && strcmp(mem, "no") != 0 ? "with memory" : "disk-only",
                     current ? ", current" : "");
            res_set_status(r, RES_STATUS_ACTIVE, raw_st);
            {
                json_t *extra = json_object();
                json_object_set_new(extra, "parent", parent != NULL ? json_string(parent)
                                                                    : json_null());
                json_object_set_new(extra, "current", json_boolean(current));
                res_set_raw_take(r, raw_json(c->uri, "snapshot", xml, extra));
            }
            res_list_push(&a->out, r);
            free(parent);
            free(state);
            free(desc);
            free(mem);
            free(id);
            xmlFreeDoc(d);
            free(xml);
            virDomainSnapshotFree(snaps[j]);
        }
        free(snaps);
        virResetLastError();
        virDomainFree(doms[i]);
    }
    free(doms);
    return 0;
}

/* Rules of an nwfilter document as the secgroup "rules" JSON array. */
static json_t *filter_rules(xmlDocPtr d)
{
    json_t *rules = json_array();
    xmlXPathObjectPtr o = lv_xpath_nodes(d, NULL, "/filter/rule");

    for (int i = 0; o != NULL && i < o->nodesetval->nodeNr; i++) {
        xmlNodePtr rn = o->nodesetval->nodeTab[i], pn;
        char *dir = lv_xpath_str(d, rn, "string(@direction)");
        char *action = lv_xpath_str(d, rn, "string(@action)");
        json_t *j = json_object();
        const char *proto = "any", *eth = "IPv4";
        char *lo, *hi, *addr, *mask;
        int out = dir != NULL && strcmp(dir, "out") == 0;

        for (pn = rn->children; pn != NULL && pn->type != XML_ELEMENT_NODE; pn = pn->next)
            ;
        if (pn != NULL) {
            const char *en = (const char *)pn->name;
            if (strstr(en, "ipv6") != NULL)
                eth = "IPv6";
            if (strncmp(en, "tcp", 3) == 0)
                proto = "tcp";
            else if (strncmp(en, "udp", 3) == 0)
                proto = "udp";
            else if (strncmp(en, "icmp", 4) == 0)
                proto = "icmp";
            else if (strcmp(en, "all") == 0 || strcmp(en, "all-ipv6") == 0 ||
                     strcmp(en, "ip") == 0 || strcmp(en, "ipv6") == 0)
                proto = "any";
            else
                proto = en;
        }
        lo = pn != NULL ? lv_xpath_str(d, pn, "string(@dstportstart)") : NULL;
        hi = pn != NULL ? lv_xpath_str(d, pn, "string(@dstportend)") : NULL;
        addr = pn != NULL ? lv_xpath_str(d, pn, out ? "string(@dstipaddr)" : "string(@srcipaddr)")
                          : NULL;
        mask = pn != NULL ? lv_xpath_str(d, pn, out ? "string(@dstipmask)" : "string(@srcipmask)")
                          : NULL;
        json_object_set_new(j, "id", json_sprintf("%d", i + 1));
        json_object_set_new(j, "direction",
                            json_string(dir == NULL             ? "ingress"
                                        : strcmp(dir, "in") == 0  ? "ingress"
                                        : strcmp(dir, "out") == 0 ? "egress"
                                                                  : "both"));
        json_object_set_new(j, "ethertype", json_string(eth));
        json_object_set_new(j, "protocol", json_string(proto));
        json_object_set_new(j, "action", json_string(action != NULL ? action : "accept"));
        json_object_set_new(j, "port_min", lo != NULL ? json_integer(atoll(lo)) : json_null());
        json_object_set_new(j, "port_max",
                            hi != NULL   ? json_integer(atoll(hi))
                            : lo != NULL ? json_integer(atoll(lo))
                                         : json_null());
        if (addr != NULL)
            json_object_set_new(j, "remote", json_sprintf("%s/%s", addr,
                                                          mask != NULL ? mask
                                                          : strchr(addr, ':') ? "128"
                                                                              : "32"));
        else
            json_object_set_new(j, "remote", json_null());
        json_array_append_new(rules, j);
        free(dir);
        free(action);
        free(lo);
        free(hi);
        free(addr);
        free(mask);
    }
    xmlXPathFreeObject(o);
    return rules;
}

static int list_secgroups(struct lv_conn *c, virConnectPtr conn, struct list_arg *a,
                          struct rt_error *err)
{
    virNWFilterPtr *fs = NULL;
    int n = virConnectListAllNWFilters(conn, &fs, 0);

    if (n < 0)
        return lv_err(err, "list nwfilters");
    for (int i = 0; i < n; i++) {
        const char *fname = virNWFilterGetName(fs[i]);
        char *xml = virNWFilterGetXMLDesc(fs[i], 0);
        xmlDocPtr d = xml != NULL ? lv_xml_parse(xml, NULL) : NULL;
        char *id = xasprintf("%s/%s", c->name, fname);
        if (a->only_id == NULL || strcmp(a->only_id, fname) == 0) {
            struct resource *r = res_new(a->provider, RES_KIND_SECGROUP, id, fname);
            char *chain = d != NULL ? lv_xpath_str(d, NULL, "string(/filter/@chain)") : NULL;
            json_t *rules = d != NULL ? filter_rules(d) : json_array();
            char *rs = json_dumps(rules, JSON_COMPACT);
            res_set_take(r, "rules", xstrdup(rs));
            free(rs);
            json_decref(rules);
            res_setf(r, "description", "nwfilter, chain %s", chain != NULL ? chain : "root");
            res_set(r, "region", c->name);
            res_set_status(r, RES_STATUS_ACTIVE, "defined");
            res_set_raw_take(r, raw_json(c->uri, "nwfilter", xml, NULL));
            res_list_push(&a->out, r);
            free(chain);
        }
        free(id);
        xmlFreeDoc(d);
        free(xml);
        virNWFilterFree(fs[i]);
    }
    free(fs);
    return 0;
}

/* Node CPU/memory use and domain I/O rates, as deltas since the previous call. */
static void node_sample(struct lv_conn *c, virConnectPtr conn)
{
    int n = 0;
    int64_t now = rt_mono_ms();
    virNodeInfo ni;

    if (virNodeGetCPUStats(conn, VIR_NODE_CPU_STATS_ALL_CPUS, NULL, &n, 0) == 0 && n > 0) {
        virNodeCPUStatsPtr s = xcalloc((size_t)n, sizeof *s);
        unsigned long long total = 0, idle = 0;
        if (virNodeGetCPUStats(conn, VIR_NODE_CPU_STATS_ALL_CPUS, s, &n, 0) == 0) {
            for (int i = 0; i < n; i++) {
                if (strcmp(s[i].field, VIR_NODE_CPU_STATS_UTILIZATION) == 0)
                    continue;
                total += s[i].value;
                if (strcmp(s[i].field, VIR_NODE_CPU_STATS_IDLE) == 0 ||
                    strcmp(s[i].field, VIR_NODE_CPU_STATS_IOWAIT) == 0)
                    idle += s[i].value;
            }
            if (c->cpu_prev_ms > 0 && total > c->cpu_prev_total) {
                double dt = (double)(total - c->cpu_prev_total);
                double di = (double)(idle - c->cpu_prev_idle);
                c->cpu_pct = 100.0 * (dt - di) / dt;
                if (c->cpu_pct < 0)
                    c->cpu_pct = 0;
            } else if (c->cpu_prev_ms > 0) {
                c->cpu_pct = 0; /* no time passed on the node's clock (test driver) */
            }
            c->cpu_prev_total = total;
            c->cpu_prev_idle = idle;
            c->cpu_prev_ms = now;
        }
        free(s);
    }
    virResetLastError();
    n = 0;
    if (virNodeGetMemoryStats(conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, NULL, &n, 0) == 0 && n > 0) {
        virNodeMemoryStatsPtr s = xcalloc((size_t)n, sizeof *s);
        unsigned long long tot = 0, fr = 0, buf = 0, cached = 0;
        if (virNodeGetMemoryStats(conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, s, &n, 0) == 0) {
            for (int i = 0; i < n; i++) {
                if (strcmp(s[i].field, VIR_NODE_MEMORY_STATS_TOTAL) == 0)
                    tot = s[i].value;
                else if (strcmp(s[i].field, VIR_NODE_MEMORY_STATS_FREE) == 0)
                    fr = s[i].value;
                else if (strcmp(s[i].field, VIR_NODE_MEMORY_STATS_BUFFERS) == 0)
                    buf = s[i].value;
                else if (strcmp(s[i].field, VIR_NODE_MEMORY_STATS_CACHED) == 0)
                    cached = s[i].value;
            }
            if (tot > 0)
                c->mem_pct = 100.0 * (double)(tot - fr - buf - cached) / (double)tot;
        }
        free(s);
    } else if (virNodeGetInfo(conn, &ni) == 0 && ni.memory > 0) {
        /* Drivers without memory stats (test): memory given to running domains. */
        virDomainPtr *doms = NULL;
        int nd = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
        unsigned long long used = 0;
        for (int i = 0; i < nd; i++) {
            virDomainInfo di;
            if (virDomainGetInfo(doms[i], &di) == 0)
                used += di.memory;
            virDomainFree(doms[i]);
        }
        free(doms);
        c->mem_pct = 100.0 * (double)used / (double)ni.memory;
        if (c->mem_pct > 100)
            c->mem_pct = 100;
    }
    virResetLastError();
    {
        virDomainStatsRecordPtr *recs = NULL;
        /* NOWAIT: block stats need the domain's job, which a migration holds until it ends;
         * waiting for it froze this connection's thread (libvirt gives up after 30 s), and with
         * it the provider's worker, so a migration's progress was not polled.  A domain whose
         * job is busy reports no block stats that time; lv_io_update() then computes no rate
         * from the changed sum instead of a drop to 0 and a spike after it. */
        int nr = virConnectGetAllDomainStats(conn, VIR_DOMAIN_STATS_BLOCK | VIR_DOMAIN_STATS_INTERFACE,
                                             &recs, VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE |
                                                        VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT);
        unsigned long long disk = 0, net = 0;
        uint64_t disk_sig = 0, net_sig = 0, ndisk = 0, nnet = 0;
        if (nr >= 0) {
            for (int i = 0; i < nr; i++) {
                unsigned char uuid[VIR_UUID_BUFLEN] = {0};
                int has_disk = 0, has_net = 0;
                for (int j = 0; j < recs[i]->nparams; j++) {
                    virTypedParameterPtr t = &recs[i]->params[j];
                    const char *f = t->field;
                    size_t fl = strlen(f);
                    if (t->type != VIR_TYPED_PARAM_ULLONG)
                        continue;
                    if (strncmp(f, "block.", 6) == 0 &&
                        (fl > 9 && (strcmp(f + fl - 9, ".rd.bytes") == 0 ||
                                    strcmp(f + fl - 9, ".wr.bytes") == 0)))
                        disk += t->value.ul, has_disk = 1;
                    else if (strncmp(f, "net.", 4) == 0 &&
                             (fl > 9 && (strcmp(f + fl - 9, ".rx.bytes") == 0 ||
                                         strcmp(f + fl - 9, ".tx.bytes") == 0)))
                        net += t->value.ul, has_net = 1;
                }
                virDomainGetUUID(recs[i]->dom, uuid);
                if (has_disk)
                    disk_sig ^= rt_hash(RT_FNV_INIT, uuid, sizeof uuid), ndisk++;
                if (has_net)
                    net_sig ^= rt_hash(RT_FNV_INIT, uuid, sizeof uuid), nnet++;
            }
            virDomainStatsRecordListFree(recs);
            lv_io_update(&c->io_disk, disk, disk_sig ^ ndisk, now, &c->disk_bps);
            lv_io_update(&c->io_net, net, net_sig ^ nnet, now, &c->net_bps);
        }
    }
    virResetLastError();
}

static int host_fn(struct lv_conn *c, virConnectPtr conn, void *arg, struct rt_error *err)
{
    struct list_arg *a = arg;
    char *hn;
    virDomainPtr *doms = NULL;
    int nd;

    if (virNodeGetInfo(conn, &a->ni) < 0)
        return lv_err(err, "node info");
    a->have_ni = 1;
    hn = virConnectGetHostname(conn);
    snprintf(a->hostname, sizeof a->hostname, "%s", hn != NULL ? hn : "");
    free(hn);
    nd = virConnectListAllDomains(conn, &doms, 0);
    for (int i = 0; i < nd; i++) {
        virDomainInfo di;
        a->ninst++;
        if (virDomainIsActive(doms[i]) == 1 && virDomainGetInfo(doms[i], &di) == 0) {
            a->vcpus_used += di.nrVirtCpu;
            a->mem_used_mb += (long long)(di.memory / 1024);
        }
        virDomainFree(doms[i]);
    }
    free(doms);
    virResetLastError();
    node_sample(c, conn);
    a->cpu_pct = c->cpu_pct;
    a->mem_pct = c->mem_pct;
    return 0;
}

static int list_fn(struct lv_conn *c, virConnectPtr conn, void *arg, struct rt_error *err)
{
    struct list_arg *a = arg;

    switch (a->kind) {
    case RES_KIND_HOST: return host_fn(c, conn, arg, err);
    case RES_KIND_INSTANCE: return list_instances(c, conn, a, err);
    case RES_KIND_VOLUME:
    case RES_KIND_IMAGE: return list_volumes(c, conn, a, err);
    case RES_KIND_SNAPSHOT: return list_snapshots(c, conn, a, err);
    case RES_KIND_SECGROUP: return list_secgroups(c, conn, a, err);
    default: return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "libvirt has no %s", res_kind_plural(a->kind));
    }
}

static struct resource *host_row(struct lv_prov *P, struct lv_conn *c, const struct list_arg *a,
                                 const char *problem)
{
    struct resource *r = res_new(P->name, RES_KIND_HOST, c->name, c->name);
    json_t *extra = json_object();
    unsigned long ev;
    char last_event[128];

    pthread_mutex_lock(&c->mu);
    ev = c->events;
    snprintf(last_event, sizeof last_event, "%s", c->last_event);
    pthread_mutex_unlock(&c->mu);
    res_set(r, "type", "hypervisor");
    res_set(r, "zone", c->name);
    res_set(r, "region", c->name);
    if (a != NULL && a->have_ni) {
        res_set(r, "power", "on");
        res_set(r, "health", "OK");
        res_set_int(r, "vcpus", a->ni.cpus);
        res_set_int(r, "mem_mb", (long long)(a->ni.memory / 1024));
        res_set_int(r, "vcpus_used", a->vcpus_used);
        res_set_int(r, "mem_used_mb", a->mem_used_mb);
        res_set_int(r, "instances", a->ninst);
        res_set(r, "model", a->ni.model);
        if (a->cpu_pct >= 0)
            res_set_num(r, "cpu_pct", a->cpu_pct);
        if (a->mem_pct >= 0)
            res_set_num(r, "mem_pct", a->mem_pct);
        res_set_bool(r, "maintenance", 0);
        res_set_status(r, RES_STATUS_ACTIVE, "connected");
        json_object_set_new(extra, "hostname", json_string(a->hostname));
        json_object_set_new(extra, "cpu_mhz", json_integer(a->ni.mhz));
        json_object_set_new(extra, "numa_nodes", json_integer(a->ni.nodes));
        json_object_set_new(extra, "sockets", json_integer(a->ni.sockets));
        json_object_set_new(extra, "cores", json_integer(a->ni.cores));
        json_object_set_new(extra, "threads", json_integer(a->ni.threads));
    } else {
        res_set(r, "power", "unknown");
        res_set(r, "health", "Critical");
        res_set(r, "last_error", problem);
        res_set_status(r, RES_STATUS_ERROR, problem);
    }
    json_object_set_new(extra, "events_seen", json_integer((json_int_t)ev));
    json_object_set_new(extra, "last_event", json_string(last_event));
    res_set_raw_take(r, raw_json(c->uri, "node", NULL, extra));
    return r;
}

static struct list_arg *list_arg_new(struct lv_prov *P, enum res_kind k, const char *only)
{
    struct list_arg *a = xcalloc(1, sizeof *a);

    a->kind = k;
    a->provider = xstrdup(P->name);
    a->image_pool = xstrdup(P->image_pool);
    a->flavors = P->flavors;
    a->nflavors = P->nflavors;
    a->only_id = xstrdup(only);
    a->cpu_pct = a->mem_pct = -1;
    res_list_init(&a->out);
    return a;
}

static void list_flavors(struct lv_prov *P, struct res_list *out)
{
    for (size_t i = 0; i < P->nflavors; i++) {
        struct resource *r = res_new(P->name, RES_KIND_FLAVOR, P->flavors[i].name,
                                     P->flavors[i].name);
        res_set(r, "type", "vm");
        res_set_int(r, "vcpus", P->flavors[i].vcpus);
        res_set_int(r, "ram_mb", P->flavors[i].ram_mb);
        res_set_int(r, "disk_gb", P->flavors[i].disk_gb);
        res_set_status(r, RES_STATUS_ACTIVE, "template");
        res_list_push(out, r);
    }
}

static int lv_list(struct provider *p, enum res_kind k, struct res_list *out, struct rt_error *err)
{
    struct lv_prov *P = prov(p);
    struct lv_req **reqs;
    struct list_arg **args;
    size_t answered = 0;

    if (k == RES_KIND_FLAVOR) {
        list_flavors(P, out);
        return 0;
    }
    reqs = xcalloc(P->nconns, sizeof *reqs);
    args = xcalloc(P->nconns, sizeof *args);
    for (size_t i = 0; i < P->nconns; i++) {
        args[i] = list_arg_new(P, k, NULL);
        reqs[i] = lv_submit(P->conns[i], list_fn, args[i], list_arg_free);
    }
    lv_wait(&P->sync, reqs, P->nconns, rt_mono_ms() + P->timeout_ms);
    for (size_t i = 0; i < P->nconns; i++) {
        struct lv_conn *c = P->conns[i];
        int done = lv_req_done(&P->sync, reqs[i]);
        char problem[300];

        if (done && reqs[i]->rc == 0) {
            answered++;
            if (k == RES_KIND_HOST) {
                res_list_push(out, host_row(P, c, args[i], NULL));
            } else {
                res_list_done(&c->cache[k]);
                for (size_t j = 0; j < args[i]->out.len; j++)
                    res_list_push(&c->cache[k], res_dup(args[i]->out.items[j]));
                c->cache_ok[k] = 1;
                res_list_splice(out, &args[i]->out);
            }
        } else {
            if (done)
                snprintf(problem, sizeof problem, "%s", reqs[i]->err.msg);
            else
                snprintf(problem, sizeof problem, "host '%s' did not answer within %lld s",
                         c->name, (long long)(P->timeout_ms / 1000));
            if (k == RES_KIND_HOST) {
                res_list_push(out, host_row(P, c, NULL, problem));
                answered++; /* an unreachable host is still a row */
            } else if (done && reqs[i]->err.code == RT_ERR_UNSUPPORTED) {
                answered++; /* e.g. the test driver has no nwfilters: nothing to show */
            } else {
                /* Keep the last good rows of a host that failed or hangs. */
                for (size_t j = 0; j < c->cache[k].len; j++)
                    res_list_push(out, res_dup(c->cache[k].items[j]));
            }
        }
        if (done) {
            lv_req_release(&P->sync, reqs[i]);
        } else {
            lv_req_release(&P->sync, reqs[i]); /* the thread frees args[i] */
            args[i] = NULL;
        }
        if (args[i] != NULL && done) {
            /* freed by the release above (free_arg) */
            args[i] = NULL;
        }
    }
    free(reqs);
    free(args);
    if (answered == 0 && P->nconns > 0 && out->len == 0 && k != RES_KIND_HOST)
        return rt_err_set(err, RT_ERR_TRANSPORT, 0, "no libvirt host answered for %s",
                          res_kind_plural(k));
    return 0;
}

static int lv_get(struct provider *p, enum res_kind k, const char *id, struct resource **out,
                  struct rt_error *err)
{
    struct lv_prov *P = prov(p);
    const char *rest = NULL;
    struct lv_conn *c;
    struct list_arg *a;
    int abandoned = 0;

    if (k == RES_KIND_FLAVOR) {
        const struct lv_flavor *f = flavor_find(P, id);
        struct res_list l;
        if (f == NULL)
            return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no flavor '%s'", id);
        res_list_init(&l);
        list_flavors(P, &l);
        for (size_t i = 0; i < l.len; i++) {
            if (strcmp(l.items[i]->id, id) == 0) {
                *out = l.items[i];
                l.items[i] = NULL;
            }
        }
        for (size_t i = 0; i < l.len; i++)
            res_free(l.items[i]);
        l.len = 0;
        res_list_done(&l);
        return 0;
    }
    if (k == RES_KIND_HOST) {
        c = conn_by_name(P, id, strlen(id));
        rest = "";
    } else {
        c = split_id(P, id, &rest, err);
    }
    if (c == NULL)
        return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no %s '%s'", res_kind_name(k), id);
    a = list_arg_new(P, k, rest);
    if (lv_call(c, list_fn, a, list_arg_free, P->timeout_ms, &abandoned, err) < 0) {
        if (!abandoned)
            list_arg_free(a);
        if (k == RES_KIND_HOST) {
            *out = host_row(P, c, NULL, err->msg);
            return 0;
        }
        return -1;
    }
    if (k == RES_KIND_HOST) {
        *out = host_row(P, c, a, NULL);
    } else if (a->out.len == 0) {
        list_arg_free(a);
        return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "%s '%s' not found", res_kind_name(k), id);
    } else {
        *out = a->out.items[0];
        a->out.items[0] = NULL;
        for (size_t i = 1; i < a->out.len; i++)
            res_free(a->out.items[i]);
        a->out.len = 0;
    }
    list_arg_free(a);
    return 0;
}

/* ---- metrics ------------------------------------------------------------------------------- */

struct metrics_arg {
    double cpu, mem, disk, net;
};

static int metrics_fn(struct lv_conn *c, virConnectPtr conn, void *arg, struct rt_error *err)
{
    struct metrics_arg *m = arg;

    (void)err;
    node_sample(c, conn);
    m->cpu = c->cpu_pct;
    m->mem = c->mem_pct;
    m->disk = c->disk_bps;
    m->net = c->net_bps;
    return 0;
}

static int lv_metrics(struct provider *p, int64_t since, struct metric_list *out,
                      struct rt_error *err)
{
    struct lv_prov *P = prov(p);
    struct lv_req **reqs = xcalloc(P->nconns, sizeof *reqs);
    int64_t now = rt_now_ms() / 1000;

    (void)err;
    for (size_t i = 0; i < P->nconns; i++)
        reqs[i] = lv_submit(P->conns[i], metrics_fn, xcalloc(1, sizeof(struct metrics_arg)),
                            free);
    lv_wait(&P->sync, reqs, P->nconns, rt_mono_ms() + P->timeout_ms);
    for (size_t i = 0; i < P->nconns; i++) {
        struct metrics_arg *m = reqs[i]->arg;
        if (lv_req_done(&P->sync, reqs[i]) && reqs[i]->rc == 0 && now > since) {
            const char *h = P->conns[i]->name;
            if (m->cpu >= 0)
                metric_list_push(out, h, "cpu_pct", now, m->cpu);
            if (m->mem >= 0)
                metric_list_push(out, h, "mem_pct", now, m->mem);
            if (m->disk >= 0)
                metric_list_push(out, h, "disk_bps", now, m->disk);
            if (m->net >= 0)
                metric_list_push(out, h, "net_bps", now, m->net);
        }
        lv_req_release(&P->sync, reqs[i]);
    }
    free(reqs);
    return 0;
}

/* ---- jobs ----------------------------------------------------------------------------------- */

static struct lv_job *job_new(struct lv_prov *P, enum lv_job_kind kind)
{
    struct lv_job *j = xcalloc(1, sizeof *j);

    snprintf(j->ref, sizeof j->ref, "lv-%lu", ++P->next_job);
    j->kind = kind;
    j->state = kind == LVJ_DONE ? TASK_SUCCEEDED : TASK_RUNNING;
    j->progress = kind == LVJ_DONE ? 100 : 0;
    j->refs = 1;
    P->jobs = xgrow(P->jobs, &P->capjobs, P->njobs + 1, sizeof *P->jobs);
    P->jobs[P->njobs++] = j;
    return j;
}

static void job_unref(struct lv_prov *P, struct lv_job *j)
{
    int free_it;

    pthread_mutex_lock(&P->sync.mu);
    free_it = --j->refs == 0;
    pthread_mutex_unlock(&P->sync.mu);
    if (free_it) {
        free(j->dom_uuid);
        free(j);
    }
}

static struct lv_job *job_find(struct lv_prov *P, const char *ref)
{
    for (size_t i = 0; i < P->njobs; i++) {
        if (strcmp(P->jobs[i]->ref, ref) == 0)
            return P->jobs[i];
    }
    return NULL;
}

/* ---- actions (run on the connection threads) -------------------------------------------------- */

struct act_arg {
    const struct lv_prov *P; /* immutable parts only: flavors, pools, network */
    char verb[32];
    enum res_kind kind;
    char *target;     /* local part of the id, or the new name for creations */
    struct params prm;
    char msg[256];
    /* outputs / cross-host */
    char *xml;        /* cold migration: the domain's definition */
    char *dom_uuid;
    int wait_shutoff; /* stop: the task follows the domain until SHUTOFF */
    char *instance;   /* attach/detach: local uuid of the instance */
    virConnectPtr conn_ref; /* live migration: a reference taken on the conn thread */
    virDomainPtr dom_ref;
};

static void act_arg_free(void *p)
{
    struct act_arg *a = p;

    if (a == NULL)
        return;
    free(a->target);
    free(a->xml);
    free(a->dom_uuid);
    free(a->instance);
    params_done(&a->prm);
    if (a->dom_ref != NULL)
        virDomainFree(a->dom_ref);
    if (a->conn_ref != NULL)
        virConnectClose(a->conn_ref);
    free(a);
}

static virDomainPtr find_dom(virConnectPtr conn, const char *uuid, struct rt_error *err)
{
    virDomainPtr d = virDomainLookupByUUIDString(conn, uuid);

    if (d == NULL) {
        d = virDomainLookupByName(conn, uuid);
        if (d == NULL)
            lv_err(err, "find domain");
    }
    return d;
}

static int dom_state(virDomainPtr d)
{
    int st = VIR_DOMAIN_NOSTATE, reason;

    virDomainGetState(d, &st, &reason, 0);
    return st;
}

static int set_msg(struct act_arg *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int set_msg(struct act_arg *a, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof a->msg, fmt, ap);
    va_end(ap);
    return 0;
}

/* The pool for new volumes: volume_type= if given, else "default", else the first active
 * pool that is not the image pool. New reference or NULL. */
static virStoragePoolPtr pick_pool(virConnectPtr conn, const char *want, const char *image_pool,
                                   struct rt_error *err)
{
    virStoragePoolPtr *pools = NULL, pick = NULL;
    int n;

    if (want != NULL) {
        pick = virStoragePoolLookupByName(conn, want);
        if (pick == NULL)
            lv_err(err, "storage pool");
        return pick;
    }
    pick = virStoragePoolLookupByName(conn, "default");
    if (pick != NULL)
        return pick;
    virResetLastError();
    n = virConnectListAllStoragePools(conn, &pools, VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE);
    for (int i = 0; i < n; i++) {
        if (pick == NULL && strcmp(virStoragePoolGetName(pools[i]), image_pool) != 0)
            pick = pools[i];
        else
            virStoragePoolFree(pools[i]);
    }
    free(pools);
    if (pick == NULL)
        rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no active storage pool for new volumes");
    return pick;
}

/* Find an image volume by id-local path or name in the image pool. */
static virStorageVolPtr find_image(virConnectPtr conn, const char *image_pool, const char *img,
                                   struct rt_error *err)
{
    virStorageVolPtr v = NULL;
    virStoragePoolPtr p;

    if (img[0] == '/')
        v = virStorageVolLookupByPath(conn, img);
    if (v != NULL)
        return v;
    p = virStoragePoolLookupByName(conn, image_pool);
    if (p == NULL) {
        rt_err_set(err, RT_ERR_NOT_FOUND, 0, "image pool '%s' does not exist on this host",
                   image_pool);
        return NULL;
    }
    virStoragePoolRefresh(p, 0);
    v = virStorageVolLookupByName(p, img);
    virStoragePoolFree(p);
    if (v == NULL)
        rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no image '%s' in pool '%s'", img, image_pool);
    return v;
}

static const char *dom_type_for(const struct lv_prov *P, virConnectPtr conn)
{
    const char *t = virConnectGetType(conn);
    char *caps;

    if (P->domain_type != NULL)
        return P->domain_type;
    if (t != NULL && strcasecmp(t, "TEST") == 0)
        return "test";
    caps = virConnectGetDomainCapabilities(conn, NULL, NULL, NULL, "kvm", 0);
    virResetLastError();
    if (caps != NULL) {
        free(caps);
        return "kvm";
    }
    return "qemu";
}

static int act_create(struct lv_conn *c, virConnectPtr conn, struct act_arg *a,
                      struct rt_error *err)
{
    const struct lv_flavor *f = NULL;
    const char *fname = params_get(&a->prm, "flavor"), *img = params_get(&a->prm, "image");
    const char *net = params_get(&a->prm, "network");
    virStorageVolPtr base = NULL, vol = NULL;
    virStoragePoolPtr pool = NULL;
    virDomainPtr dom = NULL;
    char *base_path = NULL, *base_xml = NULL, *vxml = NULL, *dxml = NULL, *path = NULL;
    char *ename = lv_xml_escape(a->target), *epath = NULL, *ebase = NULL, *enet = NULL;
    xmlDocPtr bd = NULL;
    unsigned long long cap;
    int rc = -1;
    virNetworkPtr nw;

    for (size_t i = 0; i < a->P->nflavors; i++) {
        if (strcmp(a->P->flavors[i].name, fname) == 0)
            f = &a->P->flavors[i];
    }
    if (f == NULL) {
        rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no flavor '%s'", fname);
        goto out;
    }
    if ((dom = virDomainLookupByName(conn, a->target)) != NULL) {
        rt_err_set(err, RT_ERR_CONFLICT, 0, "a domain named '%s' already exists on '%s'",
                   a->target, c->name);
        goto out;
    }
    virResetLastError();
    if (strncmp(img, c->name, strlen(c->name)) == 0 && img[strlen(c->name)] == '/')
        img += strlen(c->name) + 1;
    base = find_image(conn, a->P->image_pool, img, err);
    if (base == NULL)
        goto out;
    base_path = virStorageVolGetPath(base);
    base_xml = virStorageVolGetXMLDesc(base, 0);
    bd = lv_xml_parse(base_xml, err);
    if (bd == NULL)
        goto out;
    {
        char *fmt = lv_xpath_str(bd, NULL, "string(/volume/target/format/@type)");
        virStorageVolInfo vi;
        cap = (unsigned long long)f->disk_gb << 30;
        if (virStorageVolGetInfo(base, &vi) == 0 && vi.capacity > cap)
            cap = vi.capacity;
        pool = virStoragePoolLookupByVolume(base);
        if (pool == NULL) {
            free(fmt);
            lv_err(err, "image pool");
            goto out;
        }
        ebase = lv_xml_escape(base_path);
        vxml = xasprintf("<volume><name>%s.qcow2</name><capacity unit='bytes'>%llu</capacity>"
                         "<target><format type='qcow2'/></target><backingStore><path>%s</path>"
                         "<format type='%s'/></backingStore></volume>",
                         ename, cap, ebase, fmt != NULL ? fmt : "raw");
        free(fmt);
    }
    virStoragePoolFree(pool);
    pool = pick_pool(conn, params_get(&a->prm, "volume_type"), a->P->image_pool, err);
    if (pool == NULL)
        goto out;
    vol = virStorageVolCreateXML(pool, vxml, 0);
    if (vol == NULL) {
        lv_err(err, "create the disk");
        goto out;
    }
    path = virStorageVolGetPath(vol);
    epath = lv_xml_escape(path);
    if (net == NULL) {
        nw = virNetworkLookupByName(conn, a->P->network);
        if (nw != NULL) {
            if (virNetworkIsActive(nw) == 1)
                net = a->P->network; /* an inactive network would stop the VM from starting */
            virNetworkFree(nw);
        }
        virResetLastError();
    }
    enet = lv_xml_escape(net);
    dxml = xasprintf(
        "<domain type='%s'><name>%s</name><memory unit='MiB'>%lld</memory>"
        "<vcpu>%d</vcpu><os><type arch='x86_64'>hvm</type><boot dev='hd'/></os>"
        "<features><acpi/></features><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/></disk>%s%s%s"
        "<serial type='pty'/><console type='pty'/></devices></domain>",
        dom_type_for(a->P, conn), ename, f->ram_mb, f->vcpus, epath,
        net != NULL ? "<interface type='network'><source network='" : "", net != NULL ? enet : "",
        net != NULL ? "'/><model type='virtio'/></interface>" : "");
    dom = virDomainDefineXML(conn, dxml);
    if (dom == NULL) {
        lv_err(err, "define the domain");
        virStorageVolDelete(vol, 0);
        goto out;
    }
    if (virDomainCreate(dom) < 0) {
        lv_err(err, "start the new domain");
        goto out;
    }
    set_msg(a, "instance %s is running on %s (disk %s backed by %s)", a->target, c->name, path,
            base_path);
    rc = 0;
out:
    if (dom != NULL)
        virDomainFree(dom);
    if (vol != NULL)
        virStorageVolFree(vol);
    if (base != NULL)
        virStorageVolFree(base);
    if (pool != NULL)
        virStoragePoolFree(pool);
    xmlFreeDoc(bd);
    free(base_path);
    free(base_xml);
    free(vxml);
    free(dxml);
    free(path);
    free(ename);
    free(epath);
    free(ebase);
    free(enet);
    return rc;
}

/* Resize: vCPUs and memory live where the running maximum allows, else at next boot. */
static int act_resize(virDomainPtr d, struct act_arg *a, struct rt_error *err)
{
    const struct lv_flavor *f = NULL;
    const char *fname = params_get(&a->prm, "flavor");
    int live = virDomainIsActive(d) == 1, persistent = virDomainIsPersistent(d) == 1;
    int cpu_live = 0, mem_live = 0;
    unsigned long kib;

    for (size_t i = 0; i < a->P->nflavors; i++) {
        if (strcmp(a->P->flavors[i].name, fname) == 0)
            f = &a->P->flavors[i];
    }
    if (f == NULL)
        return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no flavor '%s'", fname);
    kib = (unsigned long)f->ram_mb * 1024;
    if (persistent) {
        int maxv = virDomainGetVcpusFlags(d, VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM);
        if (maxv >= 0 && maxv < f->vcpus &&
            virDomainSetVcpusFlags(d, (unsigned)f->vcpus,
                                   VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM) < 0)
            return lv_err(err, "set the maximum vCPUs");
        if (virDomainGetMaxMemory(d) < kib &&
            virDomainSetMemoryFlags(d, kib, VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_MEM_MAXIMUM) < 0)
            return lv_err(err, "set the maximum memory");
    }
    if (live) {
        cpu_live = virDomainSetVcpusFlags(d, (unsigned)f->vcpus, VIR_DOMAIN_AFFECT_LIVE) == 0;
        mem_live = virDomainSetMemoryFlags(d, kib, VIR_DOMAIN_AFFECT_LIVE) == 0;
        virResetLastError();
    }
    if (persistent) {
        if (virDomainSetVcpusFlags(d, (unsigned)f->vcpus, VIR_DOMAIN_AFFECT_CONFIG) < 0)
            return lv_err(err, "set vCPUs");
        if (virDomainSetMemoryFlags(d, kib, VIR_DOMAIN_AFFECT_CONFIG) < 0)
            return lv_err(err, "set memory");
    } else if (live && (!cpu_live || !mem_live)) {
        return rt_err_set(err, RT_ERR_CONFLICT, 0,
                          "transient domain: the new size does not fit its running maximum");
    }
    if (!live)
        return set_msg(a, "resized to %s (%d vCPUs, %lld MiB); applies at next start", f->name,
                       f->vcpus, f->ram_mb);
    return set_msg(a, "resized to %s: vCPUs %d %s, memory %lld MiB %s", f->name, f->vcpus,
                   cpu_live ? "live" : "at next boot (above the running maximum)", f->ram_mb,
                   mem_live ? "live" : "at next boot (above the running maximum)");
}

/* Clone a shut-off domain on the same host: every pool-backed disk is copied. */
static int act_clone(struct lv_conn *c, virConnectPtr conn, virDomainPtr d, struct act_arg *a,
                     struct rt_error *err)
{
    const char *newname = params_get(&a->prm, "name");
    char *xml = NULL, *out = NULL, *en = NULL;
    xmlDocPtr doc = NULL;
    xmlXPathObjectPtr o = NULL;
    virDomainPtr nd = NULL;
    int rc = -1, copied = 0;
    char **created = NULL;
    size_t ncreated = 0;

    if (dom_state(d) != VIR_DOMAIN_SHUTOFF) {
        rt_err_set(err, RT_ERR_CONFLICT, 0,
                   "clone needs the instance shut off (it is %s); stop it first",
                   state_name(dom_state(d)));
        goto out;
    }
    if ((nd = virDomainLookupByName(conn, newname)) != NULL) {
        rt_err_set(err, RT_ERR_CONFLICT, 0, "a domain named '%s' already exists", newname);
        goto out;
    }
    virResetLastError();
    xml = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
    if (xml == NULL || (doc = lv_xml_parse(xml, err)) == NULL) {
        if (xml == NULL)
            lv_err(err, "read the domain");
        goto out;
    }
    o = lv_xpath_nodes(doc, NULL, "/domain/uuid | /domain/devices/interface/mac");
    for (int i = 0; o != NULL && i < o->nodesetval->nodeNr; i++) {
        xmlUnlinkNode(o->nodesetval->nodeTab[i]);
        xmlFreeNode(o->nodesetval->nodeTab[i]);
    }
    xmlXPathFreeObject(o);
    o = lv_xpath_nodes(doc, NULL, "/domain/name");
    if (o != NULL && o->nodesetval->nodeNr == 1) {
        en = lv_xml_escape(newname);
        xmlNodeSetContent(o->nodesetval->nodeTab[0], (const xmlChar *)en);
    }
    xmlXPathFreeObject(o);
    o = lv_xpath_nodes(doc, NULL, "/domain/devices/disk[@device='disk']/source[@file]");
    for (int i = 0; o != NULL && i < o->nodesetval->nodeNr; i++) {
        xmlNodePtr s = o->nodesetval->nodeTab[i];
        xmlChar *file = xmlGetProp(s, (const xmlChar *)"file");
        virStorageVolPtr v = virStorageVolLookupByPath(conn, (const char *)file);
        virStoragePoolPtr p = v != NULL ? virStoragePoolLookupByVolume(v) : NULL;
        char *vx = NULL, *vname, *np = NULL;
        const char *base = strrchr((const char *)file, '/');
        const char *dot = base != NULL ? strrchr(base, '.') : NULL;
        virStorageVolPtr nv = NULL;
        if (p == NULL) {
            rt_err_set(err, RT_ERR_CONFLICT, 0,
                       "disk '%s' is not a volume of a storage pool; cannot copy it",
                       (const char *)file);
            xmlFree(file);
            if (v != NULL)
                virStorageVolFree(v);
            goto out;
        }
        vname = xasprintf("%s%s%s", newname, i == 0 ? "" : "-", i == 0 ? "" : "disk");
        if (i > 0) {
            char *t = xasprintf("%s%d", vname, i);
            free(vname);
            vname = t;
        }
        {
            char *en2 = lv_xml_escape(vname);
            vx = xasprintf("<volume><name>%s%s</name><capacity unit='bytes'>0</capacity>"
                           "<target><format type='qcow2'/></target></volume>",
                           en2, dot != NULL ? dot : "");
            free(en2);
        }
        nv = virStorageVolCreateXMLFrom(p, vx, v, 0);
        if (nv == NULL) {
            lv_err(err, "copy the disk");
            free(vx);
            free(vname);
            xmlFree(file);
            virStorageVolFree(v);
            virStoragePoolFree(p);
            goto out;
        }
        np = virStorageVolGetPath(nv);
        created = xrealloc(created, (ncreated + 1) * sizeof *created);
        created[ncreated++] = xstrdup(np);
        xmlSetProp(s, (const xmlChar *)"file", (const xmlChar *)np);
        copied++;
        free(np);
        free(vx);
        free(vname);
        xmlFree(file);
        virStorageVolFree(nv);
        virStorageVolFree(v);
        virStoragePoolFree(p);
    }
    out = lv_xml_dump(doc, NULL);
    nd = virDomainDefineXML(conn, out);
    if (nd == NULL) {
        lv_err(err, "define the clone");
        goto out;
    }
    {
        char uuid[VIR_UUID_STRING_BUFLEN];
        virDomainGetUUIDString(nd, uuid);
        a->dom_uuid = xasprintf("%s/%s", c->name, uuid);
    }
    set_msg(a, "cloned to %s on %s (%d disk%s copied)", newname, c->name, copied,
            copied == 1 ? "" : "s");
    rc = 0;
out:
    if (rc < 0) {
        for (size_t i = 0; i < ncreated; i++) {
            virStorageVolPtr v = virStorageVolLookupByPath(conn, created[i]);
            if (v != NULL) {
                virStorageVolDelete(v, 0);
                virStorageVolFree(v);
            }
        }
    }
    for (size_t i = 0; i < ncreated; i++)
        free(created[i]);
    free(created);
    xmlXPathFreeObject(o);
    if (nd != NULL)
        virDomainFree(nd);
    xmlFreeDoc(doc);
    free(xml);
    free(out);
    free(en);
    return rc;
}

/* Delete the domain; with storage=true also its pool-backed disks. */
static int act_delete(virConnectPtr conn, virDomainPtr d, struct act_arg *a, struct rt_error *err)
{
    int storage = params_get_bool(&a->prm, "storage", 0), ndel = 0;
    char *xml = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE);
    xmlDocPtr doc = xml != NULL ? lv_xml_parse(xml, NULL) : NULL;
    char *name = xstrdup(virDomainGetName(d));
    int rc = -1;

    if (virDomainIsActive(d) == 1 && virDomainDestroy(d) < 0) {
        lv_err(err, "force off");
        goto out;
    }
    if (virDomainIsPersistent(d) == 1 &&
        virDomainUndefineFlags(d, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                                      VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
                                      VIR_DOMAIN_UNDEFINE_NVRAM) < 0 &&
        virDomainUndefine(d) < 0) {
        lv_err(err, "undefine");
        goto out;
    }
    if (storage && doc != NULL) {
        xmlXPathObjectPtr o = lv_xpath_nodes(doc, NULL,
                                             "/domain/devices/disk[@device='disk']/source/@file");
        for (int i = 0; o != NULL && i < o->nodesetval->nodeNr; i++) {
            xmlChar *f = xmlNodeGetContent(o->nodesetval->nodeTab[i]);
            virStorageVolPtr v = virStorageVolLookupByPath(conn, (const char *)f);
            if (v != NULL) {
                ndel += virStorageVolDelete(v, 0) == 0;
                virStorageVolFree(v);
            }
            xmlFree(f);
        }
        xmlXPathFreeObject(o);
        virResetLastError();
    }
    set_msg(a, "instance %s deleted%s", name,
            storage ? (ndel > 0 ? " with its disks" : "; no pool disks to delete")
                    : "; its disks were kept");
    rc = 0;
out:
    xmlFreeDoc(doc);
    free(xml);
    free(name);
    return rc;
}

static int act_snapshot(virDomainPtr d, struct act_arg *a, struct rt_error *err)
{
    const char *name = params_get(&a->prm, "name");
    char *en = lv_xml_escape(name);
    char *x = xasprintf("<domainsnapshot><name>%s</name></domainsnapshot>", en);
    virDomainSnapshotPtr s = virDomainSnapshotCreateXML(d, x, 0);
    const char *kind = "internal";

    if (s == NULL) {
        /* Raw disks cannot hold internal snapshots: fall back to an external disk-only one. */
        s = virDomainSnapshotCreateXML(d, x, VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY |
                                                 VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC);
        kind = "external disk-only";
    }
    free(x);
    free(en);
    if (s == NULL)
        return lv_err(err, "snapshot");
    virDomainSnapshotFree(s);
    return set_msg(a, "%s snapshot %s of %s taken", kind, name, virDomainGetName(d));
}

/* Next free virtio target (vdb, vdc, ...) of a domain. */
static char *free_target(virDomainPtr d)
{
    char *xml = virDomainGetXMLDesc(d, 0);
    char dev[8];

    for (char l = 'b'; l <= 'z'; l++) {
        char needle[32];
        snprintf(needle, sizeof needle, "dev='vd%c'", l);
        if (xml == NULL || strstr(xml, needle) == NULL) {
            snprintf(dev, sizeof dev, "vd%c", l);
            free(xml);
            return xstrdup(dev);
        }
    }
    free(xml);
    return NULL;
}

static unsigned affect_flags(virDomainPtr d)
{
    unsigned f = 0;

    if (virDomainIsActive(d) == 1)
        f |= VIR_DOMAIN_AFFECT_LIVE;
    if (virDomainIsPersistent(d) == 1)
        f |= VIR_DOMAIN_AFFECT_CONFIG;
    return f;
}

/* The domain's XML that has a disk with this source: the live one, else the persistent one
 * (a disk only in the definition, added while hot-plug was refused).  New string or NULL. */
static char *xml_with_disk(virDomainPtr d, const char *path)
{
    char *ep = lv_xml_escape(path), *needle = xasprintf("file='%s'", ep), *xml = NULL;
    unsigned fl[2] = {0, VIR_DOMAIN_XML_INACTIVE};

    for (int i = 0; i < 2 && xml == NULL; i++) {
        xml = virDomainGetXMLDesc(d, fl[i]);
        if (xml != NULL && strstr(xml, needle) == NULL) {
            free(xml);
            xml = NULL;
        }
    }
    virResetLastError();
    free(needle);
    free(ep);
    return xml;
}

/* Whether the running domain still has a disk whose source is path. */
static int still_plugged(virDomainPtr d, const char *path)
{
    char *xml = virDomainGetXMLDesc(d, 0), *ep = lv_xml_escape(path);
    char *needle = xasprintf("file='%s'", ep);
    int r = xml != NULL && strstr(xml, needle) != NULL;

    free(needle);
    free(ep);
    free(xml);
    return r;
}

static int act_volume(struct lv_conn *c, virConnectPtr conn, struct act_arg *a,
                      struct rt_error *err)
{
    virStorageVolPtr v = NULL;
    virDomainPtr d = NULL;
    int rc = -1;
    char *path = NULL;

    if (strcmp(a->verb, "create") == 0) {
        virStoragePoolPtr p = pick_pool(conn, params_get(&a->prm, "volume_type"),
                                        a->P->image_pool, err);
        const char *img = params_get(&a->prm, "image");
        char *x, *en = lv_xml_escape(a->target), *eb = NULL;
        unsigned long long cap = (unsigned long long)params_get_int(&a->prm, "size_gb", 1) << 30;
        if (p == NULL)
            return -1;
        if (img != NULL) {
            virStorageVolPtr b = find_image(conn, a->P->image_pool, img, err);
            char *bp;
            if (b == NULL) {
                virStoragePoolFree(p);
                free(en);
                return -1;
            }
            bp = virStorageVolGetPath(b);
            eb = lv_xml_escape(bp);
            free(bp);
            virStorageVolFree(b);
        }
        x = xasprintf("<volume><name>%s%s</name><capacity unit='bytes'>%llu</capacity>"
                      "<target><format type='qcow2'/></target>%s%s%s</volume>",
                      en, strchr(a->target, '.') != NULL ? "" : ".qcow2", cap,
                      eb != NULL ? "<backingStore><path>" : "", eb != NULL ? eb : "",
                      eb != NULL ? "</path><format type='qcow2'/></backingStore>" : "");
        v = virStorageVolCreateXML(p, x, 0);
        free(x);
        free(en);
        free(eb);
        if (v == NULL) {
            lv_err(err, "create volume");
        } else {
            set_msg(a, "volume %s created in pool %s on %s", virStorageVolGetName(v),
                    virStoragePoolGetName(p), c->name);
            rc = 0;
        }
        virStoragePoolFree(p);
        goto out;
    }
    v = virStorageVolLookupByPath(conn, a->target);
    if (v == NULL)
        v = virStorageVolLookupByKey(conn, a->target);
    if (v == NULL) {
        lv_err(err, "find volume");
        goto out;
    }
    path = virStorageVolGetPath(v);
    if (strcmp(a->verb, "extend") == 0) {
        unsigned long long cap = (unsigned long long)params_get_int(&a->prm, "size_gb", 0) << 30;
        virStorageVolInfo vi;
        if (virStorageVolGetInfo(v, &vi) == 0 && cap <= vi.capacity) {
            rt_err_set(err, RT_ERR_ARG, 0, "size_gb must be larger than the current %llu GiB",
                       vi.capacity >> 30);
            goto out;
        }
        if (virStorageVolResize(v, cap, 0) < 0) {
            lv_err(err, "resize volume");
            goto out;
        }
        set_msg(a, "volume %s is now %lld GiB", virStorageVolGetName(v),
                params_get_int(&a->prm, "size_gb", 0));
    } else if (strcmp(a->verb, "delete") == 0) {
        if (virStorageVolDelete(v, 0) < 0) {
            lv_err(err, "delete volume");
            goto out;
        }
        set_msg(a, "volume %s deleted", path);
    } else if (strcmp(a->verb, "attach") == 0 || strcmp(a->verb, "detach") == 0) {
        char *dev = NULL, *x, *ep = lv_xml_escape(path), *vx = virStorageVolGetXMLDesc(v, 0);
        const char *fmt = vx != NULL && strstr(vx, "type='qcow2'") != NULL ? "qcow2" : "raw";
        unsigned fl;
        int attach = a->verb[0] == 'a';
        free(vx);
        if (a->instance == NULL) {
            /* detach: the domain that has this disk */
            virDomainPtr *doms = NULL;
            int nd = virConnectListAllDomains(conn, &doms, 0);
            for (int i = 0; i < nd; i++) {
                char *dx = d == NULL ? xml_with_disk(doms[i], path) : NULL;
                if (dx != NULL)
                    d = doms[i];
                else
                    virDomainFree(doms[i]);
                free(dx);
            }
            free(doms);
            if (d == NULL) {
                rt_err_set(err, RT_ERR_CONFLICT, 0, "volume %s is not attached", path);
                free(ep);
                goto out;
            }
        } else {
            d = find_dom(conn, a->instance, err);
        }
        if (d == NULL) {
            free(ep);
            goto out;
        }
        if (attach) {
            dev = free_target(d);
        } else {
            char *dx = xml_with_disk(d, path);
            xmlDocPtr dd = dx != NULL ? lv_xml_parse(dx, NULL) : NULL;
            char *q = xasprintf("string(/domain/devices/disk[source/@file='%s']/target/@dev)",
                                path);
            dev = dd != NULL ? lv_xpath_str(dd, NULL, q) : NULL;
            free(q);
            xmlFreeDoc(dd);
            free(dx);
            if (dev == NULL) {
                rt_err_set(err, RT_ERR_CONFLICT, 0, "volume %s is not attached to %s", path,
                           virDomainGetName(d));
                free(ep);
                goto out;
            }
        }
        x = xasprintf("<disk type='file' device='disk'><driver name='qemu' type='%s'/>"
                      "<source file='%s'/><target dev='%s' bus='virtio'/></disk>",
                      fmt, ep, dev != NULL ? dev : "vdz");
        fl = affect_flags(d);
        rc = attach ? virDomainAttachDeviceFlags(d, x, fl) : virDomainDetachDeviceFlags(d, x, fl);
        if (rc < 0 && fl == (VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG)) {
            /* Hot-plug refused (no ACPI, a bus without hotplug, the disk not plugged live):
             * change the definition alone and say that the running guest is untouched. */
            struct rt_error live = {0};
            lv_err(&live, attach ? "live attach" : "live detach");
            fl = VIR_DOMAIN_AFFECT_CONFIG;
            rc = attach ? virDomainAttachDeviceFlags(d, x, fl)
                        : virDomainDetachDeviceFlags(d, x, fl);
            if (rc < 0) {
                rt_err_set(err, live.code, live.detail, "%s", live.msg);
            } else {
                set_msg(a, "volume %s %s the definition of %s as %s, not live: %.120s",
                        virStorageVolGetName(v), attach ? "added to" : "removed from",
                        virDomainGetName(d), dev, live.msg);
                virResetLastError();
            }
        } else if (rc < 0) {
            lv_err(err, attach ? "attach" : "detach");
        } else if (!attach && (fl & VIR_DOMAIN_AFFECT_LIVE) && still_plugged(d, path)) {
            /* libvirt returns after a few seconds without the guest's acknowledgement. */
            set_msg(a, "volume %s detach sent to %s; %s goes when the guest acknowledges",
                    virStorageVolGetName(v), virDomainGetName(d), dev);
        } else {
            set_msg(a, "volume %s %s %s as %s%s", virStorageVolGetName(v),
                    attach ? "attached to" : "detached from", virDomainGetName(d), dev,
                    (fl & VIR_DOMAIN_AFFECT_LIVE) ? " (live)" : "");
        }
        free(x);
        free(dev);
        free(ep);
        goto out;
    } else {
        rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "libvirt: '%s' on volumes is not supported",
                   a->verb);
        goto out;
    }
    rc = 0;
out:
    free(path);
    if (d != NULL)
        virDomainFree(d);
    if (v != NULL)
        virStorageVolFree(v);
    return rc;
}

static int act_snapshot_kind(virConnectPtr conn, struct act_arg *a, struct rt_error *err)
{
    const char *slash = strchr(a->target, '/');
    char *uuid;
    virDomainPtr d;
    virDomainSnapshotPtr s;
    int rc = -1;

    if (slash == NULL)
        return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "bad snapshot id '%s'", a->target);
    uuid = xstrndup(a->target, (size_t)(slash - a->target));
    d = find_dom(conn, uuid, err);
    free(uuid);
    if (d == NULL)
        return -1;
    s = virDomainSnapshotLookupByName(d, slash + 1, 0);
    if (s == NULL) {
        lv_err(err, "find snapshot");
    } else if (strcmp(a->verb, "delete") == 0) {
        if (virDomainSnapshotDelete(s, 0) < 0)
            lv_err(err, "delete snapshot");
        else
            rc = set_msg(a, "snapshot %s of %s deleted", slash + 1, virDomainGetName(d));
    } else {
        if (virDomainRevertToSnapshot(s, 0) < 0)
            lv_err(err, "revert");
        else
            rc = set_msg(a, "%s reverted to snapshot %s (now %s)", virDomainGetName(d), slash + 1,
                         state_name(dom_state(d)));
    }
    if (s != NULL)
        virDomainSnapshotFree(s);
    virDomainFree(d);
    return rc;
}

/* Build the nwfilter <rule> for add-rule parameters. */
static char *rule_xml(const struct params *prm, struct rt_error *err)
{
    const char *dir = params_get(prm, "direction"), *proto = params_get(prm, "protocol");
    const char *port = params_get(prm, "port"), *remote = params_get(prm, "remote");
    const char *eth = params_get(prm, "ethertype");
    int v6 = eth != NULL ? strcmp(eth, "IPv6") == 0 : remote != NULL && strchr(remote, ':') != NULL;
    int out = strcmp(dir, "egress") == 0, lo = 0, hi = 0;
    struct strbuf sb = STRBUF_INIT;

    strbuf_addf(&sb, "<rule action='accept' direction='%s' priority='500'>", out ? "out" : "in");
    if (strcmp(proto, "any") == 0)
        strbuf_addf(&sb, "<%s", v6 ? "all-ipv6" : "all");
    else
        strbuf_addf(&sb, "<%s%s", proto, v6 ? "-ipv6" : "");
    if (port != NULL && (strcmp(proto, "tcp") == 0 || strcmp(proto, "udp") == 0)) {
        if (param_parse_port(port, &lo, &hi) < 0) {
            strbuf_done(&sb);
            rt_err_set(err, RT_ERR_ARG, 0, "bad port '%s'", port);
            return NULL;
        }
        strbuf_addf(&sb, " dstportstart='%d' dstportend='%d'", lo, hi);
    }
    if (remote != NULL) {
        const char *slash = strchr(remote, '/');
        strbuf_addf(&sb, " %sipaddr='%.*s' %sipmask='%s'", out ? "dst" : "src",
                    (int)(slash - remote), remote, out ? "dst" : "src", slash + 1);
    }
    strbuf_adds(&sb, "/></rule>");
    return strbuf_take(&sb);
}

static int act_secgroup(virConnectPtr conn, struct act_arg *a, struct rt_error *err)
{
    virNWFilterPtr f = NULL, nf = NULL;
    char *xml = NULL, *out = NULL, *en = NULL;
    xmlDocPtr doc = NULL;
    int rc = -1;

    if (strcmp(a->verb, "create") == 0) {
        en = lv_xml_escape(a->target);
        xml = xasprintf("<filter name='%s' chain='root'></filter>", en);
        nf = virNWFilterDefineXML(conn, xml);
        if (nf == NULL)
            lv_err(err, "define nwfilter");
        else
            rc = set_msg(a, "nwfilter %s defined", a->target);
        goto out;
    }
    f = virNWFilterLookupByName(conn, a->target);
    if (f == NULL) {
        lv_err(err, "find nwfilter");
        goto out;
    }
    if (strcmp(a->verb, "delete") == 0) {
        if (virNWFilterUndefine(f) < 0)
            lv_err(err, "undefine nwfilter");
        else
            rc = set_msg(a, "nwfilter %s undefined", a->target);
        goto out;
    }
    if (strcmp(a->verb, "add-rule") == 0 || strcmp(a->verb, "remove-rule") == 0) {
        xmlNodePtr root;
        xml = virNWFilterGetXMLDesc(f, 0);
        if (xml == NULL || (doc = lv_xml_parse(xml, err)) == NULL)
            goto out;
        root = xmlDocGetRootElement(doc);
        if (a->verb[0] == 'a') {
            char *rx = rule_xml(&a->prm, err);
            xmlNodePtr node = NULL;
            if (rx == NULL)
                goto out;
            if (xmlParseInNodeContext(root, rx, (int)strlen(rx), 0, &node) != XML_ERR_OK ||
                node == NULL) {
                free(rx);
                rt_err_set(err, RT_ERR_INTERNAL, 0, "could not build the rule");
                goto out;
            }
            free(rx);
            xmlAddChild(root, node);
        } else {
            long long want;
            xmlXPathObjectPtr o = lv_xpath_nodes(doc, NULL, "/filter/rule");
            const char *rid = params_get(&a->prm, "rule");
            if (rt_parse_int(rid, &want) < 0 || o == NULL || want < 1 ||
                want > o->nodesetval->nodeNr) {
                xmlXPathFreeObject(o);
                rt_err_set(err, RT_ERR_NOT_FOUND, 0, "nwfilter %s has no rule '%s'", a->target,
                           rid);
                goto out;
            }
            xmlUnlinkNode(o->nodesetval->nodeTab[want - 1]);
            xmlFreeNode(o->nodesetval->nodeTab[want - 1]);
            xmlXPathFreeObject(o);
        }
        out = lv_xml_dump(doc, NULL);
        nf = virNWFilterDefineXML(conn, out);
        if (nf == NULL)
            lv_err(err, "update nwfilter");
        else
            rc = set_msg(a, "nwfilter %s: rule %s", a->target,
                         a->verb[0] == 'a' ? "added" : "removed");
        goto out;
    }
    /* attach / detach: the instance's interfaces get (or lose) a filterref. */
    {
        virDomainPtr d = find_dom(conn, a->instance, err);
        xmlXPathObjectPtr o;
        int changed = 0, attach = a->verb[0] == 'a';
        unsigned fl;
        if (d == NULL)
            goto out;
        fl = affect_flags(d);
        xml = virDomainGetXMLDesc(d, 0);
        if (xml == NULL || (doc = lv_xml_parse(xml, err)) == NULL) {
            virDomainFree(d);
            goto out;
        }
        o = lv_xpath_nodes(doc, NULL, "/domain/devices/interface");
        for (int i = 0; o != NULL && i < o->nodesetval->nodeNr; i++) {
            xmlNodePtr ifn = o->nodesetval->nodeTab[i], ch, next;
            char *dx;
            int had = 0;
            for (ch = ifn->children; ch != NULL; ch = next) {
                next = ch->next;
                if (ch->type == XML_ELEMENT_NODE &&
                    xmlStrcmp(ch->name, (const xmlChar *)"filterref") == 0) {
                    xmlChar *fn = xmlGetProp(ch, (const xmlChar *)"filter");
                    if (attach || (fn != NULL && strcmp((const char *)fn, a->target) == 0)) {
                        xmlUnlinkNode(ch);
                        xmlFreeNode(ch);
                        had = 1;
                    }
                    xmlFree(fn);
                }
            }
            if (attach) {
                xmlNodePtr fr = xmlNewChild(ifn, NULL, (const xmlChar *)"filterref", NULL);
                xmlSetProp(fr, (const xmlChar *)"filter", (const xmlChar *)a->target);
            } else if (!had) {
                continue;
            }
            dx = lv_xml_dump(doc, ifn);
            if (virDomainUpdateDeviceFlags(d, dx, fl) < 0) {
                free(dx);
                lv_err(err, attach ? "attach the filter" : "detach the filter");
                xmlXPathFreeObject(o);
                virDomainFree(d);
                goto out;
            }
            free(dx);
            changed++;
        }
        xmlXPathFreeObject(o);
        if (changed == 0)
            rt_err_set(err, RT_ERR_CONFLICT, 0, attach ? "%s has no network interface"
                                                       : "%s does not use nwfilter %s",
                       virDomainGetName(d), a->target);
        else
            rc = set_msg(a, "nwfilter %s %s %d interface%s of %s%s", a->target,
                         attach ? "attached to" : "detached from", changed,
                         changed == 1 ? "" : "s", virDomainGetName(d),
                         attach ? " (replacing any filter it had: libvirt allows one per NIC)"
                                : "");
        virDomainFree(d);
    }
out:
    if (f != NULL)
        virNWFilterFree(f);
    if (nf != NULL)
        virNWFilterFree(nf);
    xmlFreeDoc(doc);
    free(xml);
    free(out);
    free(en);
    return rc;
}

static int act_instance(struct lv_conn *c, virConnectPtr conn, struct act_arg *a,
                        struct rt_error *err)
{
    const char *v = a->verb;
    virDomainPtr d;
    int rc = -1, st;

    if (strcmp(v, "create") == 0)
        return act_create(c, conn, a, err);
    d = find_dom(conn, a->target, err);
    if (d == NULL)
        return -1;
    st = dom_state(d);
    if (strcmp(v, "start") == 0) {
        if (st == VIR_DOMAIN_PAUSED)
            rc = virDomainResume(d) < 0 ? lv_err(err, "resume") : set_msg(a, "resumed");
        else
            rc = virDomainCreate(d) < 0 ? lv_err(err, "start") : set_msg(a, "started");
    } else if (strcmp(v, "stop") == 0) {
        if (virDomainShutdown(d) < 0) {
            rc = lv_err(err, "shutdown");
        } else {
            a->wait_shutoff = dom_state(d) != VIR_DOMAIN_SHUTOFF;
            rc = set_msg(a, a->wait_shutoff ? "shutdown requested; waiting for the guest"
                                            : "shut off");
        }
    } else if (strcmp(v, "force-off") == 0) {
        rc = virDomainDestroy(d) < 0 ? lv_err(err, "force off") : set_msg(a, "powered off (forced)");
    } else if (strcmp(v, "reboot") == 0) {
        rc = virDomainReboot(d, 0) < 0 ? lv_err(err, "reboot") : set_msg(a, "reboot requested");
    } else if (strcmp(v, "hard-reboot") == 0) {
        if (virDomainReset(d, 0) == 0) {
            rc = set_msg(a, "reset");
        } else {
            virResetLastError();
            if (virDomainDestroy(d) < 0 || virDomainCreate(d) < 0)
                rc = lv_err(err, "hard reboot");
            else
                rc = set_msg(a, "powered off and on again");
        }
    } else if (strcmp(v, "suspend") == 0) {
        rc = virDomainSuspend(d) < 0 ? lv_err(err, "suspend") : set_msg(a, "paused");
    } else if (strcmp(v, "resume") == 0) {
        rc = virDomainResume(d) < 0 ? lv_err(err, "resume") : set_msg(a, "resumed");
    } else if (strcmp(v, "delete") == 0) {
        rc = act_delete(conn, d, a, err);
    } else if (strcmp(v, "resize") == 0) {
        rc = act_resize(d, a, err);
    } else if (strcmp(v, "snapshot") == 0) {
        rc = act_snapshot(d, a, err);
    } else if (strcmp(v, "clone") == 0) {
        rc = act_clone(c, conn, d, a, err);
    } else if (strcmp(v, "_getxml") == 0) {
        /* cold migration, step 1: the definition, shut off domains only */
        if (st != VIR_DOMAIN_SHUTOFF) {
            rc = rt_err_set(err, RT_ERR_CONFLICT, 0,
                            "cold migration needs the instance shut off (it is %s); use "
                            "live-migrate or stop it first",
                            state_name(st));
        } else if (virDomainIsPersistent(d) != 1) {
            rc = rt_err_set(err, RT_ERR_CONFLICT, 0, "a transient domain cannot be cold-migrated");
        } else {
            a->xml = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE |
                                                VIR_DOMAIN_XML_MIGRATABLE);
            rc = a->xml == NULL ? lv_err(err, "read the domain") : 0;
        }
    } else if (strcmp(v, "_undefine") == 0) {
        rc = virDomainUndefineFlags(d, VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
                                           VIR_DOMAIN_UNDEFINE_MANAGED_SAVE) < 0
                 ? lv_err(err, "undefine on the source")
                 : 0;
    } else if (strcmp(v, "_ref") == 0) {
        /* live migration: hand a domain and connection reference to the migration thread */
        if (virConnectRef(conn) < 0 || virDomainRef(d) < 0) {
            rc = lv_err(err, "reference");
        } else {
            a->conn_ref = conn;
            a->dom_ref = d;
            d = NULL;
            rc = 0;
        }
    } else if (strcmp(v, "_state") == 0) {
        rc = set_msg(a, "%s", state_name(st));
    } else {
        rc = rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "libvirt: '%s' on instances is not supported",
                        v);
    }
    if (d != NULL)
        virDomainFree(d);
    return rc;
}

static int act_fn(struct lv_conn *c, virConnectPtr conn, void *arg, struct rt_error *err)
{
    struct act_arg *a = arg;

    if (strcmp(a->verb, "_connref") == 0) {
        if (virConnectRef(conn) < 0)
            return lv_err(err, "reference");
        a->conn_ref = conn;
        return 0;
    }
    if (strcmp(a->verb, "_define") == 0) {
        virDomainPtr d = virDomainDefineXML(conn, a->xml);
        if (d == NULL)
            return lv_err(err, "define on the destination");
        virDomainFree(d);
        return 0;
    }
    switch (a->kind) {
    case RES_KIND_INSTANCE: return act_instance(c, conn, a, err);
    case RES_KIND_VOLUME: return act_volume(c, conn, a, err);
    case RES_KIND_SNAPSHOT: return act_snapshot_kind(conn, a, err);
    case RES_KIND_SECGROUP: return act_secgroup(conn, a, err);
    default: return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "libvirt: no actions on %s",
                               res_kind_plural(a->kind));
    }
}

static struct act_arg *act_arg_new(struct lv_prov *P, enum res_kind k, const char *verb,
                                   const char *target, const struct params *prm)
{
    struct act_arg *a = xcalloc(1, sizeof *a);

    a->P = P;
    a->kind = k;
    snprintf(a->verb, sizeof a->verb, "%s", verb);
    a->target = xstrdup(target);
    params_copy(&a->prm, prm);
    return a;
}

/* Run one action on c and wait; *out_arg (if non-NULL) receives the argument on success. */
static int run_act(struct lv_prov *P, struct lv_conn *c, struct act_arg *a, struct act_arg **keep,
                   struct rt_error *err)
{
    int abandoned = 0;
    int rc = lv_call(c, act_fn, a, act_arg_free, P->timeout_ms, &abandoned, err);

    if (abandoned)
        return -1;
    if (rc < 0 || keep == NULL)
        act_arg_free(a);
    else
        *keep = a;
    return rc;
}

/* See struct lv_io. */
void lv_io_update(struct lv_io *a, unsigned long long total, uint64_t sig, int64_t now_ms,
                  double *bps)
{
    if (a->prev_ms > 0 && now_ms > a->prev_ms && sig == a->prev_sig) {
        double dt = (double)(now_ms - a->prev_ms) / 1000.0;
        *bps = total >= a->prev ? (double)(total - a->prev) / dt : 0;
    }
    a->prev = total;
    a->prev_sig = sig;
    a->prev_ms = now_ms;
}

/* ---- live migration thread -------------------------------------------------------------------- */

struct mig {
    struct lv_prov *P;
    struct lv_job *job;
    virDomainPtr dom;
    virConnectPtr src, dst;
    char dst_name[64];
    int live;
    int finished; /* under P->sync.mu: virDomainMigrate3 returned */
};

/* Percent done of the domain's current job (a migration), or -1 when there is none or libvirt
 * does not say.  Memory counts first: total minus remaining, which stays right when pre-copy
 * iterates and sends pages again; then the older data counters of virDomainGetJobInfo. */
static int job_percent(virDomainPtr d)
{
    virTypedParameterPtr par = NULL;
    int type = VIR_DOMAIN_JOB_NONE, np = 0, pct = -1;
    unsigned long long total = 0, rem = 0;
    virDomainJobInfo ji;

    if (virDomainGetJobStats(d, &type, &par, &np, 0) == 0 && type != VIR_DOMAIN_JOB_NONE &&
        virTypedParamsGetULLong(par, np, VIR_DOMAIN_JOB_MEMORY_TOTAL, &total) == 1 &&
        virTypedParamsGetULLong(par, np, VIR_DOMAIN_JOB_MEMORY_REMAINING, &rem) == 1 &&
        total > 0 && rem <= total)
        pct = (int)((total - rem) * 100 / total);
    virTypedParamsFree(par, np);
    if (pct < 0 && virDomainGetJobInfo(d, &ji) == 0 && ji.type != VIR_DOMAIN_JOB_NONE &&
        ji.dataTotal > 0 && ji.dataRemaining <= ji.dataTotal)
        pct = (int)((ji.dataTotal - ji.dataRemaining) * 100 / ji.dataTotal);
    virResetLastError();
    return pct;
}

/* Follows the migration's job on the source while mig_main waits in virDomainMigrate3: the
 * domain reference is its own, so neither the host's connection thread (whose queue would wait
 * behind other calls) nor the provider's worker blocks on it.  Stops once the job is no longer
 * running; mig_main joins it before dropping the reference. */
static void *mig_progress_main(void *arg)
{
    struct mig *m = arg;
    const struct timespec tick = {0, 250 * 1000 * 1000};

    for (;;) {
        int pct, running;
        pthread_mutex_lock(&m->P->sync.mu);
        running = m->job->state == TASK_RUNNING && !m->finished;
        pthread_mutex_unlock(&m->P->sync.mu);
        if (!running)
            break;
        pct = job_percent(m->dom);
        pthread_mutex_lock(&m->P->sync.mu);
        if (pct >= 0 && m->job->state == TASK_RUNNING && !m->finished) {
            m->job->progress = pct > 99 ? 99 : pct;
            snprintf(m->job->message, sizeof m->job->message,
                     "migrating to %s: %d%% of memory copied", m->dst_name, pct);
        }
        pthread_mutex_unlock(&m->P->sync.mu);
        nanosleep(&tick, NULL);
    }
    return NULL;
}

static void *mig_main(void *arg)
{
    struct mig *m = arg;
    unsigned flags = VIR_MIGRATE_PERSIST_DEST | VIR_MIGRATE_UNDEFINE_SOURCE;
    virDomainPtr nd;
    struct rt_error err = {0};
    pthread_t pt;
    int poller;

    lv_global_init();
    if (m->live)
        flags |= VIR_MIGRATE_LIVE;
    else
        flags |= VIR_MIGRATE_OFFLINE;
    poller = pthread_create(&pt, NULL, mig_progress_main, m) == 0;
    nd = virDomainMigrate3(m->dom, m->dst, NULL, 0, flags);
    if (nd == NULL)
        lv_err(&err, "migration");
    pthread_mutex_lock(&m->P->sync.mu);
    m->finished = 1;
    pthread_mutex_unlock(&m->P->sync.mu);
    if (poller)
        pthread_join(pt, NULL);
    pthread_mutex_lock(&m->P->sync.mu);
    if (nd != NULL) {
        m->job->state = TASK_SUCCEEDED;
        m->job->progress = 100;
        snprintf(m->job->message, sizeof m->job->message, "%s migrated to %s",
                 virDomainGetName(m->dom), m->dst_name);
    } else {
        m->job->state = TASK_FAILED;
        snprintf(m->job->message, sizeof m->job->message, "%s", err.msg);
    }
    pthread_mutex_unlock(&m->P->sync.mu);
    if (nd != NULL)
        virDomainFree(nd);
    virDomainFree(m->dom);
    virConnectClose(m->src);
    virConnectClose(m->dst);
    job_unref(m->P, m->job);
    free(m);
    return NULL;
}

static int start_live_migration(struct lv_prov *P, struct lv_conn *src, struct lv_conn *dst,
                                const char *uuid, char **task_ref, struct rt_error *err)
{
    struct act_arg *s = NULL, *d = NULL;
    struct mig *m;
    pthread_t t;
    struct lv_job *j;

    if (run_act(P, src, act_arg_new(P, RES_KIND_INSTANCE, "_ref", uuid, NULL), &s, err) < 0)
        return -1;
    /* The destination's connection: any domain-less reference will do. */
    if (run_act(P, dst, act_arg_new(P, RES_KIND_INSTANCE, "_state", uuid, NULL), NULL, err) < 0 &&
        err->code != RT_ERR_NOT_FOUND) {
        act_arg_free(s);
        return -1;
    }
    if (err->code == RT_ERR_NOT_FOUND)
        rt_err_clear(err);
    else {
        act_arg_free(s);
        return rt_err_set(err, RT_ERR_CONFLICT, 0, "the domain already exists on '%s'",
                          dst->name);
    }
    if (run_act(P, dst, act_arg_new(P, RES_KIND_INSTANCE, "_connref", uuid, NULL), &d, err) <
        0) {
        act_arg_free(s);
        return -1;
    }
    j = job_new(P, LVJ_MIGRATION);
    j->conn = src;
    j->dom_uuid = xstrdup(uuid);
    j->refs = 2;
    snprintf(j->message, sizeof j->message, "migrating to %s", dst->name);
    m = xcalloc(1, sizeof *m);
    m->P = P;
    m->job = j;
    m->dom = s->dom_ref;
    m->src = s->conn_ref;
    m->dst = d->conn_ref;
    m->live = 1;
    snprintf(m->dst_name, sizeof m->dst_name, "%s", dst->name);
    s->dom_ref = NULL;
    s->conn_ref = NULL;
    d->conn_ref = NULL;
    act_arg_free(s);
    act_arg_free(d);
    if (pthread_create(&t, NULL, mig_main, m) != 0) {
        virDomainFree(m->dom);
        virConnectClose(m->src);
        virConnectClose(m->dst);
        free(m);
        j->state = TASK_FAILED;
        snprintf(j->message, sizeof j->message, "cannot start the migration thread");
        job_unref(P, j);
    } else {
        pthread_detach(t);
    }
    *task_ref = xstrdup(j->ref);
    return 0;
}

/* ---- act ----------------------------------------------------------------------------------------- */

static int lv_act(struct provider *p, const struct act_request *req, char **task_ref,
                  struct rt_error *err)
{
    struct lv_prov *P = prov(p);
    const struct action_def *ad = req->action;
    enum res_kind k = ad->kind;
    struct lv_conn *c = NULL, *dst = NULL;
    const char *rest = NULL;
    struct act_arg *a = NULL;
    struct lv_job *j;

    if (ad->flags & ACTION_CREATES) {
        const char *zone = params_get(req->params, "zone");
        const char *img = params_get(req->params, "image");
        if (zone != NULL) {
            c = conn_by_name(P, zone, strlen(zone));
            if (c == NULL)
                return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no libvirt host '%s' (zone)", zone);
        } else if (img != NULL && strchr(img, '/') != NULL && img[0] != '/') {
            c = split_id(P, img, &rest, err);
            if (c == NULL)
                return -1;
        } else if (k == RES_KIND_INSTANCE && img != NULL) {
            /* The first connected host whose image pool has this image. */
            for (size_t i = 0; i < P->nconns && c == NULL; i++) {
                for (size_t r = 0; r < P->conns[i]->cache[RES_KIND_IMAGE].len; r++) {
                    if (strcmp(P->conns[i]->cache[RES_KIND_IMAGE].items[r]->name, img) == 0)
                        c = P->conns[i];
                }
            }
            if (c == NULL) {
                struct res_list l;
                res_list_init(&l);
                lv_list(p, RES_KIND_IMAGE, &l, NULL);
                for (size_t i = 0; i < l.len && c == NULL; i++) {
                    if (strcmp(l.items[i]->name, img) == 0)
                        c = split_id(P, l.items[i]->id, &rest, NULL);
                }
                res_list_done(&l);
            }
            if (c == NULL)
                return rt_err_set(err, RT_ERR_NOT_FOUND, 0,
                                  "no host has image '%s' in its '%s' pool; name the host "
                                  "with zone=",
                                  img, P->image_pool);
        } else {
            c = P->nconns > 0 ? P->conns[0] : NULL;
        }
        if (c == NULL)
            return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no libvirt host configured");
        a = act_arg_new(P, k, ad->verb, req->target_id, req->params);
    } else if (k == RES_KIND_SECGROUP) {
        c = split_id(P, req->target_id, &rest, err);
        if (c == NULL)
            return -1;
        a = act_arg_new(P, k, ad->verb, rest, req->params);
    } else {
        c = split_id(P, req->target_id, &rest, err);
        if (c == NULL)
            return -1;
        a = act_arg_new(P, k, ad->verb, rest, req->params);
    }
    /* attach/detach name an instance: it must live on the same host.  An id (HOST/UUID) names
     * its host; a bare name or UUID (what the command line passes) is looked up on the host of
     * the volume or group. */
    if (params_get(req->params, "instance") != NULL &&
        (strcmp(ad->verb, "attach") == 0 || strcmp(ad->verb, "detach") == 0)) {
        const char *inst = params_get(req->params, "instance"), *irest = inst;
        struct lv_conn *ic = strchr(inst, '/') != NULL ? split_id(P, inst, &irest, err) : c;
        if (ic == NULL) {
            act_arg_free(a);
            return -1;
        }
        if (ic != c) {
            act_arg_free(a);
            return rt_err_set(err, RT_ERR_CONFLICT, 0,
                              "instance is on host '%s' but the %s is on '%s'", ic->name,
                              res_kind_name(k), c->name);
        }
        a->instance = xstrdup(irest);
    }
    if (k == RES_KIND_INSTANCE &&
        (strcmp(ad->verb, "migrate") == 0 || strcmp(ad->verb, "live-migrate") == 0)) {
        const char *h = params_get(req->params, "host");
        char *uuid = xstrdup(rest);
        act_arg_free(a);
        if (h == NULL) {
            for (size_t i = 0; i < P->nconns && h == NULL; i++) {
                if (P->conns[i] != c && lv_conn_state(P->conns[i], NULL, 0) == LV_UP)
                    h = P->conns[i]->name;
            }
            if (h == NULL) {
                free(uuid);
                return rt_err_set(err, RT_ERR_CONFLICT, 0, "no other connected host to migrate to");
            }
        }
        dst = conn_by_name(P, h, strlen(h));
        if (dst == NULL || dst == c) {
            free(uuid);
            return rt_err_set(err, dst == NULL ? RT_ERR_NOT_FOUND : RT_ERR_ARG, 0,
                              dst == NULL ? "no libvirt host '%s' in this provider"
                                          : "the instance already runs on '%s'",
                              h);
        }
        if (ad->verb[0] == 'l') {
            int rc = start_live_migration(P, c, dst, uuid, task_ref, err);
            free(uuid);
            return rc;
        }
        /* Cold: define on the destination, then undefine on the source (shared storage). */
        {
            struct act_arg *g = NULL, *def;
            int rc;
            if (run_act(P, c, act_arg_new(P, k, "_getxml", uuid, NULL), &g, err) < 0) {
                free(uuid);
                return -1;
            }
            def = act_arg_new(P, RES_KIND_INSTANCE, "_define", uuid, NULL);
            def->xml = g->xml;
            g->xml = NULL;
            act_arg_free(g);
            if (run_act(P, dst, def, NULL, err) < 0) {
                free(uuid);
                return -1;
            }
            rc = run_act(P, c, act_arg_new(P, k, "_undefine", uuid, NULL), NULL, err);
            if (rc < 0) {
                free(uuid);
                return -1;
            }
            j = job_new(P, LVJ_DONE);
            snprintf(j->message, sizeof j->message,
                     "cold-migrated to %s (definition moved; disks must be on storage both hosts "
                     "see)",
                     dst->name);
            *task_ref = xstrdup(j->ref);
        }
        free(uuid);
        return 0;
    }
    if (run_act(P, c, a, &a, err) < 0)
        return -1;
    j = job_new(P, a->wait_shutoff ? LVJ_WAIT_SHUTOFF : LVJ_DONE);
    snprintf(j->message, sizeof j->message, "%s", a->msg);
    if (a->wait_shutoff) {
        j->conn = c;
        j->dom_uuid = xstrdup(rest);
        j->deadline_ms = rt_mono_ms() + P->shutdown_timeout_s * 1000;
    }
    act_arg_free(a);
    *task_ref = xstrdup(j->ref);
    return 0;
}

/* ---- task_poll ------------------------------------------------------------------------------------ */

static int lv_task_poll(struct provider *p, const char *ref, struct task_progress *out,
                        struct rt_error *err)
{
    struct lv_prov *P = prov(p);
    struct lv_job *j = job_find(P, ref);

    if (j == NULL)
        return rt_err_set(err, RT_ERR_NOT_FOUND, 0,
                          "task '%s' is not known to this racktop process (it may have been "
                          "started by another one); check the instance's state",
                          ref);
    if (j->kind == LVJ_WAIT_SHUTOFF && j->state == TASK_RUNNING) {
        struct act_arg *a = NULL;
        if (run_act(P, j->conn, act_arg_new(P, RES_KIND_INSTANCE, "_state", j->dom_uuid, NULL),
                    &a, err) < 0) {
            if (err->code == RT_ERR_NOT_FOUND) {
                j->state = TASK_SUCCEEDED; /* a transient domain is gone once shut down */
                snprintf(j->message, sizeof j->message, "shut down (transient domain removed)");
                rt_err_clear(err);
            } else {
                return -1;
            }
        } else {
            if (strcmp(a->msg, "shutoff") == 0) {
                j->state = TASK_SUCCEEDED;
                j->progress = 100;
                snprintf(j->message, sizeof j->message, "shut off");
            } else if (rt_mono_ms() > j->deadline_ms) {
                j->state = TASK_FAILED;
                snprintf(j->message, sizeof j->message,
                         "the guest did not shut down within %lld s (state %.40s); use force-off",
                         (long long)P->shutdown_timeout_s, a->msg);
            } else {
                snprintf(j->message, sizeof j->message, "waiting for the guest to shut down (%.40s)",
                         a->msg);
            }
            act_arg_free(a);
        }
    }
    pthread_mutex_lock(&P->sync.mu);
    out->state = j->state;
    out->progress = j->progress;
    snprintf(out->message, sizeof out->message, "%s", j->message);
    pthread_mutex_unlock(&P->sync.mu);
    return 0;
}

/* ---- open / close ------------------------------------------------------------------------------- */

/* A short host name for a URI: its host part, else the test file's base name, else localhost. */
static char *uri_host_name(const char *uri)
{
    const char *s = strstr(uri, "://"), *e, *at;
    char *n;

    if (s == NULL)
        return xstrdup(uri);
    s += 3;
    e = s + strcspn(s, "/?");
    at = memchr(s, '@', (size_t)(e - s));
    if (at != NULL)
        s = at + 1;
    if (e > s) {
        const char *colon = memchr(s, ':', (size_t)(e - s));
        return xstrndup(s, (size_t)((colon != NULL ? colon : e) - s));
    }
    if (strncmp(uri, "test:", 5) == 0) {
        const char *path = s, *q = path + strcspn(path, "?"), *b = q;
        while (b > path && b[-1] != '/')
            b--;
        n = xstrndup(b, (size_t)(q - b));
        if (strlen(n) > 4 && strcmp(n + strlen(n) - 4, ".xml") == 0)
            n[strlen(n) - 4] = '\0';
        if (n[0] == '\0') {
            free(n);
            n = xstrdup("test");
        }
        return n;
    }
    return xstrdup("localhost");
}

static int valid_host_name(const char *s)
{
    if (s[0] == '\0' || strlen(s) > 60)
        return 0;
    for (; *s != '\0'; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return 0;
    }
    return 1;
}

static void prov_free_parts(struct lv_prov *P)
{
    for (size_t i = 0; i < P->nconns; i++)
        lv_conn_free(P->conns[i]);
    free(P->conns);
    P->conns = NULL;
    P->nconns = 0;
    for (size_t i = 0; i < P->njobs; i++)
        job_unref(P, P->jobs[i]);
    free(P->jobs);
    P->jobs = NULL;
    P->njobs = P->capjobs = 0;
    for (size_t i = 0; i < P->nflavors; i++)
        free(P->flavors[i].name);
    free(P->flavors);
    P->flavors = NULL;
    P->nflavors = 0;
    free(P->image_pool);
    free(P->network);
    free(P->domain_type);
    P->image_pool = P->network = P->domain_type = NULL;
    if (P->sync_ok)
        lv_sync_done(&P->sync);
    P->sync_ok = 0;
}

static int parse_flavors(struct lv_prov *P, const struct ynode *list, struct rt_error *err)
{
    size_t nb = sizeof builtin_flavors / sizeof builtin_flavors[0];

    P->flavors = xcalloc(nb + ynode_len(list), sizeof *P->flavors);
    for (size_t i = 0; i < nb; i++) {
        P->flavors[i] = builtin_flavors[i];
        P->flavors[i].name = xstrdup(builtin_flavors[i].name);
    }
    P->nflavors = nb;
    if (list != NULL && list->type != YNODE_SEQ)
        return ynode_err(err, list, "'flavors' must be a list of {name, vcpus, ram_mb, disk_gb}");
    for (size_t i = 0; i < ynode_len(list); i++) {
        static const char *const keys[] = {"name", "vcpus", "ram_mb", "disk_gb", NULL};
        const struct ynode *f = ynode_seq_item(list, i);
        const char *name = ynode_map_get_scalar(f, "name");
        long long v[3] = {0, 0, 0};
        static const char *const num[] = {"vcpus", "ram_mb", "disk_gb"};
        struct lv_flavor *dst;
        if (f == NULL || f->type != YNODE_MAP || name == NULL || name[0] == '\0')
            return ynode_err(err, f, "a flavor needs at least 'name', 'vcpus' and 'ram_mb'");
        if (ynode_check_keys(f, keys, "flavor: ", err) < 0)
            return -1;
        for (int k = 0; k < 3; k++) {
            const char *s = ynode_map_get_scalar(f, num[k]);
            if (s == NULL && k < 2)
                return ynode_err(err, f, "flavor '%s' needs '%s'", name, num[k]);
            if (s != NULL && (rt_parse_int(s, &v[k]) < 0 || v[k] < (k < 2 ? 1 : 0) ||
                              v[k] > (k == 0 ? 4096 : 1LL << 30)))
                return ynode_err(err, ynode_map_get(f, num[k]),
                                 "flavor '%s': '%s' must be a positive whole number (got '%s')",
                                 name, num[k], s);
        }
        dst = NULL;
        for (size_t j = 0; j < P->nflavors; j++) {
            if (strcmp(P->flavors[j].name, name) == 0)
                dst = &P->flavors[j];
        }
        if (dst == NULL) {
            dst = &P->flavors[P->nflavors++];
            dst->name = xstrdup(name);
        }
        dst->vcpus = (int)v[0];
        dst->ram_mb = v[1];
        dst->disk_gb = v[2];
    }
    return 0;
}

static uint64_t lv_actions_mask(void);

static enum prov_open lv_open(struct provider *p, const struct config_provider *cp,
                              struct rt_error *err)
{
    static const char *const keys[] = {"uris", "image_pool", "network", "flavors",
                                       "domain_type", "call_timeout", "keepalive",
                                       "shutdown_timeout", NULL};
    struct lv_prov *P = prov(p);
    const struct ynode *uris = config_provider_get(cp, "uris");
    const char *s;
    int64_t keepalive = 5;

    memset(P, 0, sizeof *P);
    P->name = provider_name(p);
    lv_global_init();
    lv_sync_init(&P->sync);
    P->sync_ok = 1;
    if (config_provider_check_keys(cp, keys, err) < 0)
        goto fail;
    if (uris == NULL || uris->type != YNODE_SEQ || ynode_len(uris) == 0) {
        ynode_err(err, uris != NULL ? uris : cp->node,
                  "provider '%s': 'uris' must be a non-empty list of libvirt URIs, e.g. "
                  "[\"qemu:///system\", \"qemu+ssh://root@kvm2/system\"]",
                  cp->name);
        goto fail;
    }
    if (ynode_len(uris) > LV_MAX_CONNS) {
        ynode_err(err, uris, "provider '%s': at most %d URIs", cp->name, LV_MAX_CONNS);
        goto fail;
    }
    P->timeout_ms = (provider_env(p)->timeout_s > 0 ? provider_env(p)->timeout_s : 30) * 1000;
    if ((s = config_provider_get_string(cp, "call_timeout")) != NULL) {
        int64_t t = rt_parse_duration(s);
        if (t <= 0 || t > 3600) {
            ynode_err(err, config_provider_get(cp, "call_timeout"),
                      "'call_timeout' must be a duration like 20s (got '%s')", s);
            goto fail;
        }
        P->timeout_ms = t * 1000;
    }
    P->shutdown_timeout_s = LV_SHUTDOWN_TIMEOUT_S;
    if ((s = config_provider_get_string(cp, "shutdown_timeout")) != NULL) {
        int64_t t = rt_parse_duration(s);
        if (t <= 0 || t > 86400) {
            ynode_err(err, config_provider_get(cp, "shutdown_timeout"),
                      "'shutdown_timeout' must be a duration like 3m (got '%s')", s);
            goto fail;
        }
        P->shutdown_timeout_s = t;
    }
    if ((s = config_provider_get_string(cp, "keepalive")) != NULL) {
        keepalive = rt_parse_duration(s);
        if (keepalive < 0 || keepalive > 600) {
            ynode_err(err, config_provider_get(cp, "keepalive"),
                      "'keepalive' must be a duration like 5s, or 0 to disable (got '%s')", s);
            goto fail;
        }
    }
    s = config_provider_get_string(cp, "image_pool");
    P->image_pool = xstrdup(s != NULL ? s : "images");
    s = config_provider_get_string(cp, "network");
    P->network = xstrdup(s != NULL ? s : "default");
    s = config_provider_get_string(cp, "domain_type");
    if (s != NULL && strcmp(s, "auto") != 0) {
        if (strcmp(s, "kvm") != 0 && strcmp(s, "qemu") != 0 && strcmp(s, "test") != 0) {
            ynode_err(err, config_provider_get(cp, "domain_type"),
                      "'domain_type' must be auto, kvm, qemu or test (got '%s')", s);
            goto fail;
        }
        P->domain_type = xstrdup(s);
    }
    if (parse_flavors(P, config_provider_get(cp, "flavors"), err) < 0)
        goto fail;
    P->conns = xcalloc(ynode_len(uris), sizeof *P->conns);
    for (size_t i = 0; i < ynode_len(uris); i++) {
        const struct ynode *u = ynode_seq_item(uris, i);
        const char *uri = ynode_scalar(u), *nm = NULL;
        char *name;
        if (u != NULL && u->type == YNODE_MAP) {
            static const char *const ukeys[] = {"uri", "name", NULL};
            if (ynode_check_keys(u, ukeys, "uris: ", err) < 0)
                goto fail;
            uri = ynode_map_get_scalar(u, "uri");
            nm = ynode_map_get_scalar(u, "name");
        }
        if (uri == NULL || strstr(uri, ":/") == NULL) {
            ynode_err(err, u, "provider '%s': '%s' is not a libvirt URI (e.g. qemu:///system)",
                      cp->name, uri != NULL ? uri : "");
            goto fail;
        }
        name = nm != NULL ? xstrdup(nm) : uri_host_name(uri);
        if (!valid_host_name(name)) {
            ynode_err(err, u, "provider '%s': host name '%s' must be [A-Za-z0-9._-]+; give one "
                      "with {uri: ..., name: ...}", cp->name, name);
            free(name);
            goto fail;
        }
        for (size_t j = 0; j < P->nconns; j++) {
            if (strcmp(P->conns[j]->name, name) == 0) {
                ynode_err(err, u,
                          "provider '%s': two URIs are both called host '%s'; name them with "
                          "{uri: ..., name: ...}",
                          cp->name, name);
                free(name);
                goto fail;
            }
        }
        P->conns[P->nconns] = lv_conn_new(uri, name, &P->sync, keepalive);
        P->conns[P->nconns++]->owner = p;
        free(name);
    }
    for (size_t i = 0; i < P->nconns; i++) {
        if (lv_conn_start(P->conns[i], err) < 0)
            goto fail;
    }
    /* Give the hosts a moment to connect so the first refresh has data; never wait long. */
    {
        int64_t until = rt_mono_ms() + (P->timeout_ms < 5000 ? P->timeout_ms : 5000);
        for (;;) {
            size_t pending = 0, nf = 0;
            for (size_t i = 0; i < P->nconns; i++) {
                enum lv_state st = lv_conn_state(P->conns[i], NULL, 0);
                pending += st == LV_CONNECTING;
                if (st == LV_UP) {
                    pthread_mutex_lock(&P->conns[i]->mu);
                    nf += P->conns[i]->has_nwfilter;
                    pthread_mutex_unlock(&P->conns[i]->mu);
                }
            }
            if (pending == 0 || rt_mono_ms() >= until) {
                uint32_t kinds = provider_kinds(p);
                uint64_t acts = lv_actions_mask();
                if (nf == 0 && pending == 0) {
                    /* No host has an nwfilter driver (e.g. only test:/// URIs). */
                    kinds &= ~RT_KIND_BIT(RES_KIND_SECGROUP);
                    acts &= ~action_mask_kind(RES_KIND_SECGROUP);
                }
                provider_set_caps(p, kinds, acts);
                break;
            }
            usleep(20000);
        }
    }
    return PROV_OPEN_OK;
fail:
    prov_free_parts(P);
    return PROV_OPEN_ERROR;
}

static void lv_close(struct provider *p)
{
    prov_free_parts(prov(p));
}

const struct provider_ops prov_libvirt_ops = {
    .name = "libvirt",
    .priv_size = sizeof(struct lv_prov),
    .kinds = RT_KIND_BIT(RES_KIND_HOST) | RT_KIND_BIT(RES_KIND_INSTANCE) |
             RT_KIND_BIT(RES_KIND_VOLUME) | RT_KIND_BIT(RES_KIND_SNAPSHOT) |
             RT_KIND_BIT(RES_KIND_SECGROUP) | RT_KIND_BIT(RES_KIND_IMAGE) |
             RT_KIND_BIT(RES_KIND_FLAVOR),
    .actions = 0, /* filled in by open() from lv_actions_mask() */
    .open = lv_open,
    .close = lv_close,
    .list = lv_list,
    .get = lv_get,
    .act = lv_act,
    .task_poll = lv_task_poll,
    .metrics = lv_metrics,
};

static uint64_t lv_actions_mask(void)
{
    static const struct {
        enum res_kind k;
        const char *verb;
    } verbs[] = {
        {RES_KIND_INSTANCE, "create"},    {RES_KIND_INSTANCE, "start"},
        {RES_KIND_INSTANCE, "stop"},      {RES_KIND_INSTANCE, "reboot"},
        {RES_KIND_INSTANCE, "hard-reboot"}, {RES_KIND_INSTANCE, "delete"},
        {RES_KIND_INSTANCE, "resize"},    {RES_KIND_INSTANCE, "snapshot"},
        {RES_KIND_INSTANCE, "migrate"},   {RES_KIND_INSTANCE, "live-migrate"},
        {RES_KIND_INSTANCE, "suspend"},   {RES_KIND_INSTANCE, "resume"},
        {RES_KIND_INSTANCE, "force-off"}, {RES_KIND_INSTANCE, "clone"},
        {RES_KIND_VOLUME, "create"},      {RES_KIND_VOLUME, "attach"},
        {RES_KIND_VOLUME, "detach"},      {RES_KIND_VOLUME, "extend"},
        {RES_KIND_VOLUME, "delete"},      {RES_KIND_SNAPSHOT, "delete"},
        {RES_KIND_SNAPSHOT, "restore"},   {RES_KIND_SECGROUP, "create"},
        {RES_KIND_SECGROUP, "delete"},    {RES_KIND_SECGROUP, "add-rule"},
        {RES_KIND_SECGROUP, "remove-rule"}, {RES_KIND_SECGROUP, "attach"},
        {RES_KIND_SECGROUP, "detach"},
    };
    uint64_t m = 0;

    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        const struct action_def *a = action_find(verbs[i].k, verbs[i].verb);
        if (a != NULL)
            m |= 1ULL << action_index(a);
    }
    return m;
}
