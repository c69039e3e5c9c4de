/*
 * demo_priv.h - internals of the demo provider, shared by demo.c (the
 * provider vtable, actions and the operation engine) and demo_world.c (the
 * world: generation, persistence, rendering, metrics).  Not a public header:
 * nothing outside core/providers/demo*.c and its unit test may include it.
 *
 * The world is a set of typed arrays, one per mutable kind, plus static
 * catalogs (regions, zones, flavors, keypairs, server groups).  Objects refer
 * to each other by array index; indices are stable because objects are never
 * removed from the arrays, only flagged `deleted`.  Persistence is an overlay
 * (see demo_world.c): the baseline is a pure function of (seed, size), and
 * only objects flagged `dirty` are written back, as one blob each.
 *
 * Threading: a world belongs to its provider instance, which the engine uses
 * from one worker thread at a time.  No global mutable state.
 */
#ifndef RT_DEMO_PRIV_H
#define RT_DEMO_PRIV_H

#include "core/action.h"
#include "core/model.h"
#include "core/provider.h"

#include <stddef.h>
#include <stdint.h>

struct store;
struct strbuf;

#define DEMO_ID_LEN 40
#define DEMO_MAX_SG 8

/* Nova vm_state. */
enum dvm { DVM_BUILDING, DVM_ACTIVE, DVM_STOPPED, DVM_RESIZED, DVM_ERROR, DVM__COUNT };
/* Nova power_state. */
enum dpwr { DPWR_NOSTATE, DPWR_RUNNING, DPWR_SHUTDOWN, DPWR_CRASHED, DPWR__COUNT };
/* Ironic provision_state; DPS_NONE for hypervisors. */
enum dps {
    DPS_NONE,
    DPS_ENROLL,
    DPS_VERIFYING,
    DPS_MANAGEABLE,
    DPS_CLEANING,
    DPS_CLEAN_WAIT,
    DPS_AVAILABLE,
    DPS_DEPLOYING,
    DPS_WAIT_CALLBACK,
    DPS_ACTIVE,
    DPS_DELETING,
    DPS_DEPLOY_FAILED,
    DPS_CLEAN_FAILED,
    DPS__COUNT
};
/* Cinder volume status. */
enum dvs {
    DVS_CREATING,
    DVS_AVAILABLE,
    DVS_ATTACHING,
    DVS_IN_USE,
    DVS_DETACHING,
    DVS_EXTENDING,
    DVS_DELETING,
    DVS_REVERTING,
    DVS_ERROR,
    DVS_DOWNLOADING,
    DVS__COUNT
};
/* Cinder snapshot / Glance image status. */
enum dss { DSS_CREATING, DSS_AVAILABLE, DSS_DELETING, DSS_RESTORING, DSS_ERROR, DSS__COUNT };
enum dis { DIS_QUEUED, DIS_SAVING, DIS_ACTIVE, DIS__COUNT };

/* Flags every mutable object carries. */
struct dobj {
    char id[DEMO_ID_LEN];
    char *name;
    char *op;           /* id of the operation that holds it busy, or NULL */
    int64_t created_at; /* epoch s */
    int64_t updated_at; /* epoch s */
    unsigned char deleted, created, dirty;
};

struct dregion {
    const char *name;
    const char *desc;
};

struct dzone {
    char name[24];
    int region;
};

struct dflavor {
    const char *id;
    const char *name;
    int bm;
    int vcpus, ram_mb, disk_gb;
    const char *rclass;
};

struct dkeypair {
    const char *name;
    const char *type;
    char fingerprint[48];
    int64_t created_at;
};

struct dsrvgroup {
    char id[DEMO_ID_LEN];
    char name[40];
    const char *policy;
    int region;
};

struct dhost {
    struct dobj o;
    unsigned char bm, power_on, maint, prov;
    int zone;
    int vcpus, mem_mb, disk_gb;
    int model;
    const char *rclass; /* static, bare metal only */
    char serial[16];
    uint32_t bmc_ip;
    char *maint_reason;
    char *last_error;
    int64_t maint_ack_win; /* auto-maintenance window the operator cleared */
    double base_load;      /* idle CPU share 0..1, from the seed */
    /* derived by demo_world_recount() */
    int ninst, vcpus_used, mem_used;
    int inst; /* bare metal: the instance deployed on it, -1 */
};

struct dinst {
    struct dobj o;
    unsigned char bm, vm, pwr, locked;
    int zone, host, flavor, image, keypair, sgroup;
    int old_flavor, old_host; /* while VERIFY_RESIZE */
    int nsg;
    int sg[DEMO_MAX_SG];
    uint32_t ip, fip;
    char *task; /* Nova task_state */
    char *fault;
    char *net; /* network name, NULL = "private" */
};

struct dvol {
    struct dobj o;
    unsigned char st, bootable, vtype;
    int size_gb;
    int inst; /* attached to, -1 */
    int zone;
    char dev[16];
    char *source; /* image name or snapshot id it came from */
};

struct dsnap {
    struct dobj o;
    unsigned char st, src_inst;
    int size_gb;
    int region;
    char src[DEMO_ID_LEN];
    char *desc;
};

struct drule {
    char id[DEMO_ID_LEN];
    unsigned char egress, v6, proto; /* proto: 0 any, 1 tcp, 2 udp, 3 icmp */
    int pmin, pmax;                  /* 0 = null */
    char remote[48];                 /* "" = null */
};

struct dsg {
    struct dobj o;
    int region;
    char *desc;
    struct drule *rules;
    int nrules, caprules;
    int revision;
};

struct dimage {
    struct dobj o;
    unsigned char st, priv; /* priv: visibility private */
    int cat;                /* catalog entry it derives from (distro, user, format) */
    double size_gb;
    int min_disk;
    int region;            /* -1: every region */
    char src[DEMO_ID_LEN]; /* instance it was made from, "" */
};

/* A floating IP (Neutron).  Its display name is its address.  Ports are not stored: every
 * live instance with a fixed address has exactly one (its NIC), derived from the instance
 * (see demo_port_*), so an instance's create and delete carry its port along.  in->fip
 * mirrors the address of the floating IP associated with the instance (kept in step). */
struct dfip {
    struct dobj o;
    uint32_t addr;
    int region;
    int inst; /* associated, through the instance's port; -1 */
    char *desc;
};

/* A simple id -> index map (open addressing, slot = index + 1). */
struct didmap {
    uint32_t *slots;
    size_t cap, len;
};

enum dop_state { DOP_RUNNING, DOP_SUCCEEDED, DOP_FAILED };

struct dop {
    char id[48];
    char verb[24];
    enum res_kind kind;
    char **tgt; /* target ids (create with count: several) */
    int ntgt;
    struct params prm; /* request parameters plus internal "_x" keys */
    int64_t start_ms;
    int64_t *dur;   /* phase durations, already divided by the speed */
    int nph, phase; /* phase == nph: finished */
    unsigned char state, dirty, gone;
    char *msg; /* result or failure text */
    int64_t end_ms;
};

#define DEMO_ARR(T)                                                                                \
    struct {                                                                                       \
        T *v;                                                                                      \
        size_t n, cap;                                                                             \
    }

struct dworld {
    uint64_t seed;
    long size;       /* requested size (0 = default) */
    long ninst_base; /* baseline instance count */
    double speed;
    char *prov;       /* provider instance name */
    char *ns;         /* blob namespace */
    struct store *st; /* borrowed, may be NULL (no persistence) */
    uint64_t counter; /* ids of created objects */
    int64_t now_ms;   /* the time the world has been advanced to */
    int dirty_meta, need_recount;
    uint64_t token; /* changes with every write; another writer changes it too */

    struct dregion regions[4];
    int nregions;
    struct dzone zones[16];
    int nzones;
    const struct dflavor *flavors;
    int nflavors;
    struct dkeypair keypairs[8];
    int nkeypairs;
    DEMO_ARR(struct dsrvgroup) sgroups;

    DEMO_ARR(struct dhost) hosts;
    DEMO_ARR(struct dinst) insts;
    DEMO_ARR(struct dvol) vols;
    DEMO_ARR(struct dsnap) snaps;
    DEMO_ARR(struct dsg) sgs;
    DEMO_ARR(struct dimage) imgs;
    DEMO_ARR(struct dfip) fips;
    DEMO_ARR(struct dop) ops;

    struct didmap map[RES_KIND__COUNT];
    int *vhead, *vnext; /* instance -> attached volumes, while listing */
    int ix_inst[24];    /* schema positions of the instance fields, by DIX_* */
    /* objects to write back: (kind << 32 | index) */
    DEMO_ARR(uint64_t) dirty;
};

/* ---- demo_world.c ------------------------------------------------------------ */

uint64_t demo_mix(uint64_t a, uint64_t b);
uint64_t demo_hash_str(uint64_t h, const char *s);
void demo_uuid(uint64_t a, uint64_t b, char out[DEMO_ID_LEN]);
/* A fresh id for a created object (advances the counter). */
void demo_new_id(struct dworld *w, char out[DEMO_ID_LEN]);

/* Build the baseline world for (seed, size). */
struct dworld *demo_world_generate(uint64_t seed, long size, double speed, const char *prov);
void demo_world_free(struct dworld *w);
/* Load the overlay from the store (w->st, w->ns): 0, or -1 with RT_ERR_PARSE/DB. */
int demo_world_load(struct dworld *w, struct rt_error *err);
/* Write dirty objects, operations and the meta record in one transaction. */
int demo_world_flush(struct dworld *w, struct rt_error *err);
/* Has another process written the stored world since we read or wrote it? */
int demo_world_stale(struct dworld *w);
/* Recompute per-host aggregates (instances, vCPUs, memory, bare-metal instance). */
void demo_world_recount(struct dworld *w);

/* Generic object access by kind (host, instance, volume, snapshot, secgroup, image,
 * floatingip). */
struct dobj *demo_obj(struct dworld *w, enum res_kind k, int idx);
size_t demo_count(const struct dworld *w, enum res_kind k);
void demo_dirty(struct dworld *w, enum res_kind k, int idx);
/* Index by id, or -1. */
int demo_find_id(const struct dworld *w, enum res_kind k, const char *id);
/* Index by id or unique live name, or -1. */
int demo_find(struct dworld *w, enum res_kind k, const char *id_or_name);
void demo_map_add(struct dworld *w, enum res_kind k, int idx);
/* Append a new zero-initialised object of kind k (id, name set); returns its index. */
int demo_add(struct dworld *w, enum res_kind k, const char *id, const char *name);
int demo_flavor_find(const struct dworld *w, const char *id_or_name);
int demo_keypair_find(const struct dworld *w, const char *name);
/* Server group by id or name, preferring `region` (-1: any); -1 if none. */
int demo_srvgroup_find(const struct dworld *w, const char *id_or_name, int region);
int demo_zone_find(const struct dworld *w, const char *name);
int demo_region_find(const struct dworld *w, const char *name);
/* Security group by name within a region (or by id), or -1. */
int demo_sg_find(struct dworld *w, const char *id_or_name, int region);

/* Networks and ports.  Every region has one tenant network per name (instance `net`, NULL =
 * "private") and one external network "public-<region>" (the floating IP pool
 * 172.(24+region).0.0/16).  The port of instance idx exists iff the instance is live and
 * has a fixed address; its id and name ("<instance>-eth0") follow from the instance. */
void demo_net_id(const struct dworld *w, const char *net, int region, char out[DEMO_ID_LEN]);
void demo_ext_net_name(const struct dworld *w, int region, char *out, size_t len);
void demo_router_id(const struct dworld *w, int region, char out[DEMO_ID_LEN]);
int demo_has_port(const struct dworld *w, int inst);
void demo_port_id(const struct dworld *w, int inst, char out[DEMO_ID_LEN]);
/* Instance whose port has this id or name, or -1. */
int demo_port_find(const struct dworld *w, const char *id_or_name);
/* Floating IP associated with instance idx, or -1. */
int demo_fip_of(const struct dworld *w, int inst);
/* Render the port of instance idx (demo_has_port must hold). */
struct resource *demo_render_port(struct dworld *w, int inst);
/* Every network, region by region: the external one ("public-<region>", router:external,
 * the floating IP pool), then the tenant networks: "private" and every other `net` a live
 * instance of the region is on (ids as demo_net_id(), so ports and floating IPs name them).
 * Appended to out, raw JSON included. */
void demo_networks(struct dworld *w, struct res_list *out);

/* Host state that depends on the time: fan/PSU faults, auto maintenance. */
struct dhealth {
    const char *fans, *psus, *health;
    int auto_maint; /* auto-maintenance window active and not acknowledged */
    const char *reason;
    double cpu, mem, temp, watts;
};
void demo_host_health(const struct dworld *w, int h, int64_t t, struct dhealth *out);
int demo_host_in_maint(const struct dworld *w, int h, int64_t now_s);
/* The BMC-style events (fan failed, PSU failed, entered maintenance) of every host over
 * the last `windows` fault windows up to now_s, appended to out (kind event).  Derived
 * from the seed and the time only, like the faults themselves. */
void demo_events(const struct dworld *w, int64_t now_s, int windows, struct res_list *out);
int64_t demo_fault_window(int64_t t);

/* Attached volumes of an instance, by device; uses the index while built. */
void demo_volidx_build(struct dworld *w);
void demo_volidx_drop(struct dworld *w);
int demo_inst_vols(const struct dworld *w, int idx, int *out, int max);
/* The two egress rules Neutron gives every new group. */
void demo_sg_default_egress(struct dsg *g, uint64_t seed);

/* Render one object as a model resource (raw JSON included). progress: -1 or 0..100. */
struct resource *demo_render(struct dworld *w, enum res_kind k, int idx, int progress);

/* Names of the enums. */
extern const char *const demo_vm_names[DVM__COUNT];
extern const char *const demo_pwr_names[DPWR__COUNT];
extern const char *const demo_ps_names[DPS__COUNT];
extern const char *const demo_vs_names[DVS__COUNT];
extern const char *const demo_ss_names[DSS__COUNT];
extern const char *const demo_is_names[DIS__COUNT];
extern const char *const demo_proto_names[4];
extern const char *const demo_vtype_names[3];
/* The image catalog: distro, version, default user, disk format. */
struct dimgcat {
    const char *name, *distro, *version, *user, *format;
    int priv;
    double size_gb;
    int min_disk;
};
extern const struct dimgcat demo_imgcat[];
int demo_enum_from(const char *const *names, int n, const char *s);

/* JSON building on a strbuf: comma handling is automatic after '{' or '['. */
void demo_js(struct strbuf *sb, const char *s);
void demo_jk(struct strbuf *sb, const char *key);
void demo_jstr(struct strbuf *sb, const char *key, const char *v);
void demo_jint(struct strbuf *sb, const char *key, long long v);
void demo_jnum(struct strbuf *sb, const char *key, double v);
void demo_jbool(struct strbuf *sb, const char *key, int v);
void demo_jraw(struct strbuf *sb, const char *key, const char *raw);

/* Ops: look-up by id (index or -1); progress 0..100 of a running op. */
int demo_op_find(const struct dworld *w, const char *id);
int demo_op_progress(const struct dworld *w, const struct dop *op);
void demo_op_free(struct dop *op);
char *demo_op_encode(const struct dop *op);
int demo_op_decode(struct dop *op, const char *json);

#endif
