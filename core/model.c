/*
 * model.c - resource kinds, schemas and the resource value type.
 *
 * The schema tables below are the single source of truth for the fields of
 * each kind: the command-line JSON output, the store encoding, the describe
 * view and docs/CLI.md all follow them.  Adding a field: append it to the
 * kind's table (appending keeps old cached rows decodable) and fill it in the
 * providers.  Pure functions and values; no global mutable state.
 */
#include "model.h"

#include "err.h"
#include "strbuf.h"
#include "util.h"
#include "xalloc.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct field_def region_fields[] = {
    {"description", FIELD_STR, "DESCRIPTION", "free text"},
};

static const struct field_def zone_fields[] = {
    {"region", FIELD_STR, "REGION", "region the zone belongs to"},
    {"available", FIELD_BOOL, "AVAIL", "whether the zone accepts new resources"},
};

static const struct field_def host_fields[] = {
    {"type", FIELD_STR, "TYPE", "hypervisor or baremetal"},
    {"region", FIELD_STR, "REGION", "region"},
    {"zone", FIELD_STR, "ZONE", "availability zone"},
    {"power", FIELD_STR, "POWER", "on, off or unknown"},
    {"health", FIELD_STR, "HEALTH", "OK, Warning or Critical (BMC-style roll-up)"},
    {"cpu_pct", FIELD_NUM, "CPU%", "CPU use, percent"},
    {"mem_pct", FIELD_NUM, "MEM%", "memory use, percent"},
    {"temp_c", FIELD_NUM, "TEMP", "inlet/CPU temperature, Celsius"},
    {"fans", FIELD_STR, "FANS", "fan health: OK, Warning, Critical"},
    {"psus", FIELD_STR, "PSUS", "power supply health: OK, Warning, Critical"},
    {"power_w", FIELD_NUM, "WATTS", "power draw, watts"},
    {"vcpus", FIELD_INT, "VCPUS", "CPUs (hypervisor) or cores (bare metal)"},
    {"vcpus_used", FIELD_INT, "VCPU_USED", "vCPUs allocated to instances"},
    {"mem_mb", FIELD_INT, "MEM_MB", "memory, MiB"},
    {"mem_used_mb", FIELD_INT, "MEM_USED", "memory allocated to instances, MiB"},
    {"instances", FIELD_INT, "INST", "instances on the host"},
    {"provision_state", FIELD_STR, "PROVISION", "bare metal: Ironic-style provision state"},
    {"maintenance", FIELD_BOOL, "MAINT", "in maintenance"},
    {"maintenance_reason", FIELD_STR, "REASON", "why it is in maintenance"},
    {"instance_id", FIELD_STR, "INSTANCE", "bare metal: the instance deployed on it"},
    {"resource_class", FIELD_STR, "CLASS", "bare metal: resource class"},
    {"bmc", FIELD_STR, "BMC", "bare metal: BMC address"},
    {"model", FIELD_STR, "MODEL", "hardware model"},
    {"serial", FIELD_STR, "SERIAL", "serial number"},
    {"last_error", FIELD_STR, "LAST_ERROR", "last error reported by the backend"},
    {"rack", FIELD_STR, "RACK", "bare metal: rack label"},
    {"enclosure", FIELD_STR, "ENCLOSURE", "bare metal: blade enclosure (chassis) holding it"},
    {"bios_version", FIELD_STR, "BIOS", "bare metal: BIOS/firmware version"},
    {"bmc_firmware", FIELD_STR, "BMC_FW", "bare metal: BMC firmware version"},
    {"boot_override", FIELD_STR, "BOOT", "bare metal: boot override, e.g. Pxe/Once/UEFI"},
    {"cpu_summary", FIELD_STR, "CPUS",
     "bare metal: processors, e.g. 2 x Xeon E5, 16 cores, 32 threads, OK"},
    {"processors", FIELD_JSON, "PROCESSORS",
     "bare metal: one object per processor: id, socket, type, model, cores, threads, speed_mhz, "
     "health"},
    {"mem_summary", FIELD_STR, "MEMORY", "bare metal: memory, e.g. 96 GiB in 4 DIMMs, OK"},
    {"dimms", FIELD_JSON, "DIMMS",
     "bare metal: one object per memory module: slot, size_mib, type, speed_mhz, health"},
    {"storage_controllers", FIELD_JSON, "CONTROLLERS",
     "bare metal: one object per storage controller: name, model, firmware, health"},
    {"drives", FIELD_JSON, "DRIVES",
     "bare metal: one object per drive: id, model, size_gb, media, protocol, health"},
    {"volumes", FIELD_JSON, "VOLUMES",
     "bare metal: one object per volume: name, raid, size_gb, health"},
    {"nics", FIELD_JSON, "NICS",
     "bare metal: one object per network interface: id, mac, speed_mbps, link, ipv4, health"},
    {"boot_order", FIELD_JSON, "BOOT_ORDER", "bare metal: the persistent boot order"},
    {"boot_targets", FIELD_JSON, "BOOT_TARGETS",
     "bare metal: boot override targets the BMC offers"},
};

static const struct field_def instance_fields[] = {
    {"type", FIELD_STR, "TYPE", "vm or baremetal"},
    {"region", FIELD_STR, "REGION", "region"},
    {"zone", FIELD_STR, "ZONE", "availability zone"},
    {"host", FIELD_STR, "HOST", "hypervisor or bare-metal node id"},
    {"flavor", FIELD_STR, "FLAVOR", "flavor name"},
    {"image", FIELD_STR, "IMAGE", "image name"},
    {"addresses", FIELD_JSON, "ADDRESSES", "IP addresses, floating/public first"},
    {"volumes", FIELD_JSON, "VOLUMES", "ids of attached volumes"},
    {"security_groups", FIELD_JSON, "SECGROUPS", "names of security groups"},
    {"keypair", FIELD_STR, "KEYPAIR", "key pair name"},
    {"server_group", FIELD_STR, "SRVGROUP", "server group name"},
    {"vm_state", FIELD_STR, "VM_STATE", "backend vm_state (Nova) or provision state"},
    {"task_state", FIELD_STR, "TASK", "backend task_state while an operation runs"},
    {"power_state", FIELD_STR, "POWER", "running, shutdown, ..."},
    {"vcpus", FIELD_INT, "VCPUS", "vCPUs"},
    {"ram_mb", FIELD_INT, "RAM_MB", "memory, MiB"},
    {"locked", FIELD_BOOL, "LOCKED", "locked against changes"},
    {"created_at", FIELD_STR, "CREATED", "creation time, ISO 8601"},
    {"fault", FIELD_STR, "FAULT", "last fault message"},
};

static const struct field_def volume_fields[] = {
    {"size_gb", FIELD_INT, "SIZE_GB", "size, GiB"},
    {"attached_to", FIELD_STR, "ATTACHED_TO", "id of the instance it is attached to"},
    {"device", FIELD_STR, "DEVICE", "device path on the instance"},
    {"bootable", FIELD_BOOL, "BOOT", "bootable (a boot disk)"},
    {"volume_type", FIELD_STR, "VTYPE", "volume type"},
    {"region", FIELD_STR, "REGION", "region"},
    {"zone", FIELD_STR, "ZONE", "availability zone"},
    {"source", FIELD_STR, "SOURCE", "image or snapshot it was created from"},
    {"created_at", FIELD_STR, "CREATED", "creation time, ISO 8601"},
};

static const struct field_def snapshot_fields[] = {
    {"source", FIELD_STR, "SOURCE", "id of the volume or instance it was taken from"},
    {"source_kind", FIELD_STR, "SRC_KIND", "volume or instance"},
    {"size_gb", FIELD_INT, "SIZE_GB", "size, GiB"},
    {"created_at", FIELD_STR, "CREATED", "creation time, ISO 8601"},
    {"region", FIELD_STR, "REGION", "region"},
    {"description", FIELD_STR, "DESCRIPTION", "free text"},
};

static const struct field_def secgroup_fields[] = {
    {"description", FIELD_STR, "DESCRIPTION", "free text"},
    {"region", FIELD_STR, "REGION", "region"},
    {"rules", FIELD_JSON, "RULES",
     "array of {id, direction, ethertype, protocol, port_min, port_max, remote}"},
};

static const struct field_def image_fields[] = {
    {"os_distro", FIELD_STR, "DISTRO", "os_distro property (ubuntu, centos, ...)"},
    {"os_version", FIELD_STR, "VERSION", "os_version property"},
    {"size_gb", FIELD_NUM, "SIZE_GB", "image size, GiB"},
    {"min_disk_gb", FIELD_INT, "MIN_DISK", "minimum disk, GiB"},
    {"visibility", FIELD_STR, "VISIBILITY", "public, private, shared, community"},
    {"disk_format", FIELD_STR, "FORMAT", "qcow2, raw, iso, ..."},
    {"default_user", FIELD_STR, "SSH_USER", "default SSH user for the image"},
    {"region", FIELD_STR, "REGION", "region"},
};

static const struct field_def flavor_fields[] = {
    {"type", FIELD_STR, "TYPE", "vm or baremetal"},
    {"vcpus", FIELD_INT, "VCPUS", "vCPUs"},
    {"ram_mb", FIELD_INT, "RAM_MB", "memory, MiB"},
    {"disk_gb", FIELD_INT, "DISK_GB", "root disk, GiB"},
    {"resource_class", FIELD_STR, "CLASS", "bare metal: resource class"},
};

static const struct field_def keypair_fields[] = {
    {"fingerprint", FIELD_STR, "FINGERPRINT", "public key fingerprint"},
    {"key_type", FIELD_STR, "TYPE", "ssh or x509"},
    {"created_at", FIELD_STR, "CREATED", "creation time, ISO 8601"},
};

static const struct field_def servergroup_fields[] = {
    {"policy", FIELD_STR, "POLICY", "affinity, anti-affinity, soft-..."},
    {"members", FIELD_JSON, "MEMBERS", "ids of member instances"},
    {"region", FIELD_STR, "REGION", "region"},
};

static const struct field_def task_fields[] = {
    {"action", FIELD_STR, "ACTION", "the action verb"},
    {"target_kind", FIELD_STR, "KIND", "kind of the target"},
    {"target_id", FIELD_STR, "TARGET_ID", "id of the target"},
    {"target_name", FIELD_STR, "TARGET", "name of the target"},
    {"params", FIELD_JSON, "PARAMS", "parameters, key=value pairs as an object"},
    {"progress", FIELD_INT, "PROGRESS", "percent done"},
    {"message", FIELD_STR, "MESSAGE", "result or current step"},
    {"user", FIELD_STR, "USER", "local user who started it"},
    {"created_at", FIELD_STR, "CREATED", "start time, ISO 8601"},
    {"finished_at", FIELD_STR, "FINISHED", "end time, ISO 8601"},
};

static const struct field_def audit_fields[] = {
    {"seq", FIELD_INT, "SEQ", "position in the chain"},
    {"ts", FIELD_STR, "TIME", "time, ISO 8601"},
    {"user", FIELD_STR, "USER", "local user"},
    {"action", FIELD_STR, "ACTION", "action verb"},
    {"target_kind", FIELD_STR, "KIND", "kind of the target"},
    {"target", FIELD_STR, "TARGET", "id or name of the target"},
    {"params", FIELD_JSON, "PARAMS", "parameters (never secrets)"},
    {"result", FIELD_STR, "RESULT", "requested, succeeded, failed: message"},
    {"task_id", FIELD_STR, "TASK", "task id"},
    {"hash", FIELD_STR, "HASH", "SHA-256 chain hash"},
};

static const struct field_def metric_fields[] = {
    {"host", FIELD_STR, "HOST", "host id"},
    {"metric", FIELD_STR, "METRIC", "cpu_pct, mem_pct, temp_c, power_w"},
    {"ts", FIELD_INT, "TS", "epoch seconds"},
    {"value", FIELD_NUM, "VALUE", "value"},
};

static const struct field_def event_fields[] = {
    {"host", FIELD_STR, "HOST", "id of the host the event is about"},
    {"severity", FIELD_STR, "SEVERITY", "OK, Warning or Critical"},
    {"message", FIELD_STR, "MESSAGE", "the event's text"},
    {"created_at", FIELD_STR, "CREATED", "when it happened, ISO 8601 (the BMC's clock)"},
    {"source", FIELD_STR, "SOURCE", "the log it came from, e.g. SEL or Event log"},
    {"message_id", FIELD_STR, "MESSAGE_ID", "registry message id or SEL code"},
};

static const struct field_def port_fields[] = {
    {"network_id", FIELD_STR, "NETWORK", "id of the network the port is on"},
    {"device_owner", FIELD_STR, "OWNER",
     "what uses the port: compute:ZONE, network:router_interface, ..."},
    {"device_id", FIELD_STR, "DEVICE", "id of the device using the port (server, router, ...)"},
    {"instance", FIELD_STR, "INSTANCE", "id of the instance using the port (compute-owned ports)"},
    {"mac", FIELD_STR, "MAC", "MAC address"},
    {"fixed_ips", FIELD_JSON, "FIXED_IPS", "IP addresses on the port"},
    {"security_groups", FIELD_JSON, "SECGROUPS", "ids of the port's security groups"},
    {"admin_state", FIELD_BOOL, "ADMIN_UP", "administratively up"},
    {"region", FIELD_STR, "REGION", "region"},
    {"created_at", FIELD_STR, "CREATED", "creation time, ISO 8601"},
};

static const struct field_def floatingip_fields[] = {
    {"floating_ip_address", FIELD_STR, "ADDRESS", "the floating (public) address"},
    {"floating_network_id", FIELD_STR, "POOL", "id of the external network it comes from"},
    {"port_id", FIELD_STR, "PORT", "id of the port it maps to, when associated"},
    {"fixed_ip_address", FIELD_STR, "FIXED_IP", "the fixed address it maps to, when associated"},
    {"instance", FIELD_STR, "INSTANCE", "id of the instance it maps to, when associated"},
    {"router", FIELD_STR, "ROUTER", "id of the router that does the translation"},
    {"description", FIELD_STR, "DESCRIPTION", "free text"},
    {"region", FIELD_STR, "REGION", "region"},
    {"created_at", FIELD_STR, "CREATED", "creation time, ISO 8601"},
};

static const struct field_def network_fields[] = {
    {"external", FIELD_BOOL, "EXTERNAL", "router:external: a floating IP pool"},
    {"shared", FIELD_BOOL, "SHARED", "shared with every project"},
    {"subnets", FIELD_JSON, "SUBNETS", "ids of the network's subnets"},
    {"mtu", FIELD_INT, "MTU", "maximum transmission unit, bytes"},
    {"project_id", FIELD_STR, "PROJECT", "id of the project that owns it"},
    {"availability_zones", FIELD_JSON, "ZONES", "availability zones it is in"},
    {"network_type", FIELD_STR, "NET_TYPE",
     "provider:network_type (flat, vlan, vxlan, geneve, ...), admin only"},
    {"physical_network", FIELD_STR, "PHYSNET", "provider:physical_network, admin only"},
    {"segmentation_id", FIELD_INT, "SEG_ID", "provider:segmentation_id (VLAN or VNI), admin only"},
    {"admin_state", FIELD_BOOL, "ADMIN_UP", "administratively up"},
    {"description", FIELD_STR, "DESCRIPTION", "free text"},
    {"region", FIELD_STR, "REGION", "region"},
    {"created_at", FIELD_STR, "CREATED", "creation time, ISO 8601"},
};

#define SCHEMA(a) {a, sizeof a / sizeof a[0]}
static const struct {
    const struct field_def *defs;
    size_t n;
} schemas[RES_KIND__COUNT] = {
    [RES_KIND_REGION] = SCHEMA(region_fields),
    [RES_KIND_ZONE] = SCHEMA(zone_fields),
    [RES_KIND_HOST] = SCHEMA(host_fields),
    [RES_KIND_INSTANCE] = SCHEMA(instance_fields),
    [RES_KIND_VOLUME] = SCHEMA(volume_fields),
    [RES_KIND_SNAPSHOT] = SCHEMA(snapshot_fields),
    [RES_KIND_SECGROUP] = SCHEMA(secgroup_fields),
    [RES_KIND_IMAGE] = SCHEMA(image_fields),
    [RES_KIND_FLAVOR] = SCHEMA(flavor_fields),
    [RES_KIND_KEYPAIR] = SCHEMA(keypair_fields),
    [RES_KIND_SERVERGROUP] = SCHEMA(servergroup_fields),
    [RES_KIND_TASK] = SCHEMA(task_fields),
    [RES_KIND_AUDIT] = SCHEMA(audit_fields),
    [RES_KIND_METRIC] = SCHEMA(metric_fields),
    [RES_KIND_EVENT] = SCHEMA(event_fields),
    [RES_KIND_PORT] = SCHEMA(port_fields),
    [RES_KIND_FLOATINGIP] = SCHEMA(floatingip_fields),
    [RES_KIND_NETWORK] = SCHEMA(network_fields),
};

static const struct {
    const char *name, *plural;
} kind_names[RES_KIND__COUNT] = {
    [RES_KIND_REGION] = {"region", "regions"},
    [RES_KIND_ZONE] = {"zone", "zones"},
    [RES_KIND_HOST] = {"host", "hosts"},
    [RES_KIND_INSTANCE] = {"instance", "instances"},
    [RES_KIND_VOLUME] = {"volume", "volumes"},
    [RES_KIND_SNAPSHOT] = {"snapshot", "snapshots"},
    [RES_KIND_SECGROUP] = {"secgroup", "secgroups"},
    [RES_KIND_IMAGE] = {"image", "images"},
    [RES_KIND_FLAVOR] = {"flavor", "flavors"},
    [RES_KIND_KEYPAIR] = {"keypair", "keypairs"},
    [RES_KIND_SERVERGROUP] = {"servergroup", "servergroups"},
    [RES_KIND_TASK] = {"task", "tasks"},
    [RES_KIND_AUDIT] = {"audit", "audit"},
    [RES_KIND_METRIC] = {"metric", "metrics"},
    [RES_KIND_EVENT] = {"event", "events"},
    [RES_KIND_PORT] = {"port", "ports"},
    [RES_KIND_FLOATINGIP] = {"floatingip", "floatingips"},
    [RES_KIND_NETWORK] = {"network", "networks"},
};

static const struct {
    const char *alias;
    enum res_kind kind;
} kind_aliases[] = {
    {"server", RES_KIND_INSTANCE},   {"servers", RES_KIND_INSTANCE},
    {"vm", RES_KIND_INSTANCE},       {"vms", RES_KIND_INSTANCE},
    {"disk", RES_KIND_VOLUME},       {"disks", RES_KIND_VOLUME},
    {"node", RES_KIND_HOST},         {"nodes", RES_KIND_HOST},
    {"security-group", RES_KIND_SECGROUP}, {"security-groups", RES_KIND_SECGROUP},
    {"server-group", RES_KIND_SERVERGROUP}, {"server-groups", RES_KIND_SERVERGROUP},
    {"floating-ip", RES_KIND_FLOATINGIP}, {"floating-ips", RES_KIND_FLOATINGIP},
    {"fip", RES_KIND_FLOATINGIP},    {"fips", RES_KIND_FLOATINGIP},
};

static const char *const status_names[RES_STATUS__COUNT] = {
    [RES_STATUS_UNKNOWN] = "UNKNOWN",   [RES_STATUS_ACTIVE] = "ACTIVE",
    [RES_STATUS_BUILD] = "BUILD",       [RES_STATUS_BUSY] = "BUSY",
    [RES_STATUS_SHUTOFF] = "SHUTOFF",   [RES_STATUS_PAUSED] = "PAUSED",
    [RES_STATUS_VERIFY] = "VERIFY_RESIZE", [RES_STATUS_ERROR] = "ERROR",
    [RES_STATUS_MAINTENANCE] = "MAINTENANCE", [RES_STATUS_DELETED] = "DELETED",
};

_Static_assert(sizeof status_names / sizeof status_names[0] == RES_STATUS__COUNT,
               "status_names must name every status");

const char *res_kind_name(enum res_kind k)
{
    return (unsigned)k < RES_KIND__COUNT ? kind_names[k].name : "unknown";
}

const char *res_kind_plural(enum res_kind k)
{
    return (unsigned)k < RES_KIND__COUNT ? kind_names[k].plural : "unknown";
}

int res_kind_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    for (int k = 0; k < RES_KIND__COUNT; k++) {
        if (strcmp(name, kind_names[k].name) == 0 || strcmp(name, kind_names[k].plural) == 0)
            return k;
    }
    for (size_t i = 0; i < sizeof kind_aliases / sizeof kind_aliases[0]; i++) {
        if (strcmp(name, kind_aliases[i].alias) == 0)
            return (int)kind_aliases[i].kind;
    }
    return -1;
}

const char *res_status_name(enum res_status s)
{
    return (unsigned)s < RES_STATUS__COUNT ? status_names[s] : "UNKNOWN";
}

int res_status_from_name(const char *name)
{
    for (int s = 0; s < RES_STATUS__COUNT; s++) {
        if (strcasecmp(name, status_names[s]) == 0)
            return s;
    }
    return -1;
}

const struct field_def *res_schema(enum res_kind k, size_t *n)
{
    RT_ASSERT((unsigned)k < RES_KIND__COUNT);
    *n = schemas[k].n;
    return schemas[k].defs;
}

int res_field_index(enum res_kind k, const char *name)
{
    /* Mappers set a row's fields mostly in schema order: the search starts just after
     * the field this thread found last (one compare instead of ~15 for 10 000 rows of
     * 20 fields each).  The linker merges equal string literals, so a mapper's name is
     * most often the schema's own pointer: compared first, strcmp() only otherwise. */
    static _Thread_local size_t hint;
    size_t n;
    const struct field_def *defs = res_schema(k, &n);
    size_t start = hint < n ? hint : 0;

    for (size_t j = 0; j < n; j++) {
        size_t i = start + j < n ? start + j : start + j - n; /* no division per try */
        if (defs[i].name == name ||
            (defs[i].name[0] == name[0] && strcmp(defs[i].name, name) == 0)) {
            hint = i + 1;
            return (int)i;
        }
    }
    return -1;
}

struct resource *res_new(const char *provider, enum res_kind k, const char *id, const char *name)
{
    struct resource *r = xcalloc(1, sizeof *r);
    size_t n;

    res_schema(k, &n);
    r->provider = xstrdup(provider);
    r->kind = k;
    r->id = xstrdup(id);
    r->name = xstrdup(name != NULL ? name : id);
    r->progress = -1;
    r->nfields = n;
    r->fields = xcalloc(n, sizeof *r->fields);
    return r;
}

/* Is p the row's own allocation (not NULL, not in its slab)? */
static int res_owns(const struct resource *r, const void *p)
{
    const char *c = p;

    return c != NULL && (r->slab == NULL || c < r->slab || c >= r->slab + r->slab_len);
}

/* Free a member the row owns on its own (a slab member goes with the slab). */
static void res_drop(const struct resource *r, void *p)
{
    if (res_owns(r, p))
        free(p);
}

void res_free(struct resource *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nfields; i++)
        res_drop(r, r->fields[i]);
    res_drop(r, r->fields);
    res_drop(r, r->provider);
    res_drop(r, r->id);
    res_drop(r, r->name);
    res_drop(r, r->raw_status);
    free(r->slab);
    res_drop_raw(r);
    free(r);
}

void res_set_provider(struct resource *r, const char *provider)
{
    res_drop(r, r->provider);
    r->provider = xstrdup(provider);
}

/* A copy of a slab row: the slab copied whole, its members moved along (the rest copied
 * one by one, as res_new() would). */
static struct resource *dup_slab(const struct resource *r)
{
    struct resource *c = xmalloc(sizeof *c);
    char *slab = xmalloc(r->slab_len);
#define MOVE(p) ((p) == NULL ? NULL : res_owns(r, (p)) ? xstrdup(p) : slab + ((p) - r->slab))

    memcpy(slab, r->slab, r->slab_len);
    *c = *r;
    c->slab = slab;
    c->fields = res_owns(r, r->fields) ? xcalloc(r->nfields, sizeof *c->fields)
                                       : (char **)(void *)(slab + ((char *)r->fields - r->slab));
    for (size_t i = 0; i < r->nfields; i++)
        c->fields[i] = MOVE(r->fields[i]);
    c->provider = MOVE(r->provider);
    c->id = MOVE(r->id);
    c->name = MOVE(r->name);
    c->raw_status = MOVE(r->raw_status);
#undef MOVE
    c->raw = xstrdup(r->raw);
    c->raw_borrowed = 0;
    return c;
}

struct resource *res_dup(const struct resource *r)
{
    struct resource *c;

    if (r->slab != NULL)
        return dup_slab(r);
    c = res_new(r->provider, r->kind, r->id, r->name);
    c->status = r->status;
    c->raw_status = xstrdup(r->raw_status);
    c->updated_at = r->updated_at;
    c->progress = r->progress;
    for (size_t i = 0; i < r->nfields; i++)
        c->fields[i] = xstrdup(r->fields[i]);
    c->raw = xstrdup(r->raw);
    return c;
}

/* v in decimal, ended in buf (24 bytes); returns where the text starts.  Not through
 * printf: two of these per server mapped, 10 000 servers a listing. */
static char *decimal(char buf[24], long long v)
{
    char *p = buf + 23;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    *p = '\0';
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    return p;
}

/* ---- rows built in one piece ------------------------------------------------------- */

#define SLOT_NONE UINT32_MAX

static void build_put(struct res_build *b, size_t at, const char *v, size_t n)
{
    if (v == NULL) {
        b->off[at] = SLOT_NONE;
        return;
    }
    b->off[at] = (uint32_t)b->text->len;
    b->len[at] = (uint32_t)n;
    strbuf_add(b->text, v, n);
    strbuf_addc(b->text, '\0');
}

/* The builder's index of a slot: provider, id, name, raw_status, then the fields. */
static size_t build_at(const struct res_build *b, int slot)
{
    if (slot == RES_SLOT_RAW_STATUS)
        return 3;
    if (slot < 0 || (size_t)slot >= b->nfields)
        rt_fatal("no slot %d in kind '%s'", slot, res_kind_name(b->kind));
    return 4 + (size_t)slot;
}

void res_build_start(struct res_build *b, const char *provider, enum res_kind k,
                     const char *id, const char *name)
{
    size_t n;

    res_schema(k, &n);
    if (n > RES_BUILD_MAX_FIELDS)
        rt_fatal("kind '%s' has %zu fields, a builder %d", res_kind_name(k), n,
                 RES_BUILD_MAX_FIELDS);
    if (b->text == NULL) {
        b->text = xmalloc(sizeof *b->text);
        *b->text = (struct strbuf)STRBUF_INIT;
    }
    strbuf_reset(b->text);
    b->kind = k;
    b->nfields = n;
    b->status = RES_STATUS_UNKNOWN;
    b->progress = -1;
    b->updated_at = 0;
    for (size_t i = 0; i < 4 + n; i++)
        b->off[i] = SLOT_NONE;
    if (name == NULL || *name == '\0')
        name = id;
    build_put(b, 0, provider, provider != NULL ? strlen(provider) : 0);
    build_put(b, 1, id, strlen(id));
    build_put(b, 2, name, strlen(name));
}

void res_build_set(struct res_build *b, int slot, const char *v, size_t n)
{
    build_put(b, build_at(b, slot), v, n);
}

void res_build_set_int(struct res_build *b, int slot, long long v)
{
    char tmp[24], *p = decimal(tmp, v);

    res_build_set(b, slot, p, (size_t)(tmp + 23 - p));
}

struct strbuf *res_build_open(struct res_build *b, size_t *mark)
{
    *mark = b->text->len;
    return b->text;
}

void res_build_close(struct res_build *b, int slot, size_t mark)
{
    size_t at = build_at(b, slot);

    b->off[at] = (uint32_t)mark;
    b->len[at] = (uint32_t)(b->text->len - mark);
    strbuf_addc(b->text, '\0');
}

struct resource *res_build_done(struct res_build *b)
{
    struct resource *r = xcalloc(1, sizeof *r);
    size_t nstr = 4 + b->nfields, arr = b->nfields * sizeof(char *) + nstr * sizeof(uint32_t);
    char *str, **at[4] = {&r->provider, &r->id, &r->name, &r->raw_status};
    uint32_t *lens;

    /* The slab: fields array, lengths (slot order), strings. */
    r->slab_len = arr + b->text->len;
    r->slab = xmalloc(r->slab_len);
    lens = (uint32_t *)(void *)(r->slab + b->nfields * sizeof(char *));
    str = r->slab + arr;
    memcpy(str, b->text->buf, b->text->len);
    memcpy(lens, b->len, nstr * sizeof *lens);
    r->kind = b->kind;
    r->nfields = b->nfields;
    r->fields = (char **)(void *)r->slab;
    for (size_t i = 0; i < 4; i++)
        *at[i] = b->off[i] == SLOT_NONE ? NULL : str + b->off[i];
    for (size_t i = 0; i < b->nfields; i++)
        r->fields[i] = b->off[4 + i] == SLOT_NONE ? NULL : str + b->off[4 + i];
    r->status = b->status;
    r->progress = b->progress;
    r->updated_at = b->updated_at;
    strbuf_reset(b->text);
    return r;
}

size_t res_member_len(const struct resource *r, int slot, const char *s)
{
    if (!res_owns(r, s))
        return ((const uint32_t *)(const void *)(r->slab + r->nfields * sizeof(char *)))[4 + slot];
    return strlen(s);
}

void res_build_free(struct res_build *b)
{
    if (b->text != NULL) {
        strbuf_done(b->text);
        free(b->text);
    }
    b->text = NULL;
}

static int field_slot(const struct resource *r, const char *field)
{
    int i = res_field_index(r->kind, field);

    if (i < 0)
        rt_fatal("no field '%s' in kind '%s'", field, res_kind_name(r->kind));
    return i;
}

void res_set_take(struct resource *r, const char *field, char *value)
{
    int i = field_slot(r, field);

    r->hash = 0;
    res_drop(r, r->fields[i]);
    r->fields[i] = value;
}

void res_set(struct resource *r, const char *field, const char *value)
{
    res_set_take(r, field, xstrdup(value));
}

void res_setf(struct resource *r, const char *field, const char *fmt, ...)
{
    va_list ap;
    char *v = NULL;

    va_start(ap, fmt);
    if (vasprintf(&v, fmt, ap) < 0)
        rt_fatal("out of memory formatting a field");
    va_end(ap);
    res_set_take(r, field, v);
}

void res_set_int(struct resource *r, const char *field, long long v)
{
    char tmp[24];

    res_set(r, field, decimal(tmp, v));
}

void res_set_num(struct resource *r, const char *field, double v)
{
    res_setf(r, field, "%.1f", v);
}

void res_set_bool(struct resource *r, const char *field, int v)
{
    res_set(r, field, v ? "true" : "false");
}

const char *res_get(const struct resource *r, const char *field)
{
    int i = res_field_index(r->kind, field);

    return i < 0 ? NULL : r->fields[i];
}

long long res_get_int(const struct resource *r, const char *field, long long dflt)
{
    const char *v = res_get(r, field);
    long long x;

    if (v == NULL || rt_parse_int(v, &x) < 0)
        return dflt;
    return x;
}

double res_get_num(const struct resource *r, const char *field, double dflt)
{
    const char *v = res_get(r, field);
    char *end = NULL;
    double x;

    if (v == NULL)
        return dflt;
    x = strtod(v, &end);
    return end == v ? dflt : x;
}

void res_set_status(struct resource *r, enum res_status s, const char *raw_status)
{
    r->hash = 0;
    r->status = s;
    res_drop(r, r->raw_status);
    r->raw_status = xstrdup(raw_status);
}

void res_set_raw_take(struct resource *r, char *raw_json)
{
    res_drop_raw(r);
    r->raw = raw_json;
}

void res_set_raw_borrowed(struct resource *r, const char *raw_json)
{
    res_drop_raw(r);
    r->raw = (char *)raw_json;
    r->raw_borrowed = raw_json != NULL;
}

void res_drop_raw(struct resource *r)
{
    if (!r->raw_borrowed)
        free(r->raw);
    r->raw = NULL;
    r->raw_borrowed = 0;
}

char *res_json_strlist(const char *const *items, size_t n)
{
    json_t *a = json_array();
    char *s;

    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(items[i]));
    s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    if (s == NULL)
        rt_fatal("out of memory encoding a list");
    return s;
}

int res_json_list_has(const char *json, const char *s)
{
    json_t *a;
    size_t i;
    json_t *v;
    int found = 0;

    if (json == NULL || s == NULL)
        return 0;
    a = json_loads(json, 0, NULL);
    if (!json_is_array(a)) {
        json_decref(a);
        return 0;
    }
    json_array_foreach(a, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0) {
            found = 1;
            break;
        }
    }
    json_decref(a);
    return found;
}

/*
 * Render a JSON field for one cell without a full parse: strings of an array
 * are joined with ", "; objects are shown as a count ("3 rules" style is the
 * view's business, here "{...}" items are counted).
 */
/*
 * The common case without a parse: an array of plain strings (no escapes),
 * e.g. ["10.0.0.4","10.0.0.5"] -> "10.0.0.4, 10.0.0.5".  Returns 0, or -1
 * (sb untouched) for anything else.
 */
static int display_json_fast(const char *v, struct strbuf *sb)
{
    const char *p = v;
    size_t start = sb->len;
    int first = 1;

    while (*p == ' ')
        p++;
    if (*p++ != '[')
        return -1;
    for (;;) {
        const char *q;
        while (*p == ' ')
            p++;
        if (*p == ']' && first)
            break;
        if (*p != '"')
            goto slow;
        q = ++p;
        while (*q != '"' && *q != '\\' && (unsigned char)*q >= 0x20 && (unsigned char)*q < 0x80)
            q++;
        if (*q != '"')
            goto slow;
        if (sb->len > 0)
            strbuf_adds(sb, ", ");
        strbuf_add(sb, p, (size_t)(q - p));
        first = 0;
        p = q + 1;
        while (*p == ' ')
            p++;
        if (*p == ']')
            break;
        if (*p++ != ',')
            goto slow;
    }
    p++;
    while (*p == ' ')
        p++;
    if (*p != '\0')
        goto slow;
    return 0;
slow:
    sb->len = start;
    if (sb->buf != NULL)
        sb->buf[start] = '\0';
    return -1;
}

static void display_json(const char *v, struct strbuf *sb)
{
    json_t *j;

    if (display_json_fast(v, sb) == 0)
        return;
    j = json_loads(v, 0, NULL);
    size_t i;
    json_t *item;

    if (j == NULL) {
        strbuf_adds(sb, v);
        return;
    }
    if (json_is_array(j)) {
        size_t nobj = 0;
        json_array_foreach(j, i, item)
        {
            if (json_is_string(item)) {
                if (sb->len > 0)
                    strbuf_adds(sb, ", ");
                strbuf_adds(sb, json_string_value(item));
            } else {
                nobj++;
            }
        }
        if (nobj > 0)
            strbuf_addf(sb, "%s%zu item%s", sb->len > 0 ? ", " : "", nobj, nobj == 1 ? "" : "s");
    } else {
        strbuf_adds(sb, v);
    }
    json_decref(j);
}

const char *res_field_display(const struct resource *r, int idx, char *buf, size_t len)
{
    size_t n;
    const struct field_def *defs = res_schema(r->kind, &n);
    const char *v;

    if (len == 0)
        return "";
    buf[0] = '\0';
    if (idx < 0 || (size_t)idx >= r->nfields || r->fields[idx] == NULL)
        return buf;
    v = r->fields[idx];
    if (defs[idx].type == FIELD_JSON) {
        struct strbuf sb = STRBUF_INIT;
        display_json(v, &sb);
        snprintf(buf, len, "%s", sb.buf != NULL ? sb.buf : "");
        strbuf_done(&sb);
        return buf;
    }
    return v;
}

/* One JSON scalar as describe shows it: strings as they are, integral numbers without
 * a fraction, lists of strings joined. */
static void describe_scalar(json_t *v, struct strbuf *sb)
{
    size_t i;
    json_t *it;

    if (json_is_string(v)) {
        strbuf_adds(sb, json_string_value(v));
    } else if (json_is_integer(v)) {
        strbuf_addf(sb, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        strbuf_addf(sb, "%g", json_real_value(v));
    } else if (json_is_boolean(v)) {
        strbuf_adds(sb, json_is_true(v) ? "yes" : "no");
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, it) {
            if (i > 0)
                strbuf_adds(sb, " ");
            describe_scalar(it, sb);
        }
    } else if (json_is_object(v)) {
        strbuf_adds(sb, "{...}");
    }
}

size_t res_field_describe(const struct resource *r, int idx, struct strbuf *sb)
{
    size_t n, lines = 0, i;
    const struct field_def *defs = res_schema(r->kind, &n);
    json_t *j = NULL, *item;
    char buf[1024];

    if (idx < 0 || (size_t)idx >= r->nfields || r->fields[idx] == NULL)
        return 0;
    if (defs[idx].type == FIELD_JSON)
        j = json_loads(r->fields[idx], 0, NULL);
    if (!json_is_array(j) || json_array_size(j) == 0 || !json_is_object(json_array_get(j, 0))) {
        const char *v = res_field_display(r, idx, buf, sizeof buf);
        json_decref(j);
        if (v == NULL || v[0] == '\0')
            return 0;
        strbuf_adds(sb, v);
        return 1;
    }
    json_array_foreach(j, i, item) {
        const char *key;
        json_t *v;
        int first = 1;
        if (lines > 0)
            strbuf_addc(sb, '\n');
        lines++;
        if (!json_is_object(item)) {
            describe_scalar(item, sb);
            continue;
        }
        /* The first member labels the line; the others follow as "key value". */
        json_object_foreach(item, key, v) {
            if (json_is_null(v))
                continue;
            if (first == 1) {
                describe_scalar(v, sb);
                strbuf_addc(sb, ':');
            } else {
                strbuf_addf(sb, "%s %s ", first == 2 ? "" : ",", key);
                describe_scalar(v, sb);
            }
            first = first == 1 ? 2 : 0;
        }
        if (first == 2)
            sb->buf[--sb->len] = '\0'; /* a label alone: no colon */
    }
    json_decref(j);
    return lines;
}

/*
 * Store format of the fields: for each known value, "name" US "value" RS
 * (US = 0x1f, RS = 0x1e).  Inside values the bytes RS, US and DLE (0x10)
 * are written as DLE followed by the byte + 0x40.  Cheap to write and to
 * read back: loading 100 000 cached rows must not cost a JSON parse each.
 */
#define FENC_RS 0x1e
#define FENC_US 0x1f
#define FENC_DLE 0x10

char *res_fields_encode(const struct resource *r)
{
    size_t n;
    const struct field_def *defs = res_schema(r->kind, &n);
    struct strbuf sb = STRBUF_INIT;

    for (size_t i = 0; i < n && i < r->nfields; i++) {
        const char *v = r->fields[i];
        const char *run;
        if (v == NULL)
            continue;
        strbuf_adds(&sb, defs[i].name);
        strbuf_addc(&sb, FENC_US);
        for (run = v; *v != '\0'; v++) {
            if (*v == FENC_RS || *v == FENC_US || *v == FENC_DLE) {
                strbuf_add(&sb, run, (size_t)(v - run));
                strbuf_addc(&sb, FENC_DLE);
                strbuf_addc(&sb, (char)(*v + 0x40));
                run = v + 1;
            }
        }
        strbuf_add(&sb, run, (size_t)(v - run));
        strbuf_addc(&sb, FENC_RS);
    }
    return strbuf_take(&sb);
}

int res_fields_decode(struct resource *r, const char *enc, struct rt_error *err)
{
    size_t n;
    const struct field_def *defs = res_schema(r->kind, &n);
    size_t hint = 0;
    const char *p = enc;

    while (*p != '\0') {
        const char *us = strchr(p, FENC_US), *q;
        size_t klen, vlen, idx = n;
        char *val;

        if (us == NULL)
            return rt_err_set(err, RT_ERR_PARSE, 0, "cached fields of '%s' are damaged", r->id);
        klen = (size_t)(us - p);
        /* Fields are written in schema order: try the next slot first. */
        for (size_t t = 0; t < n; t++) {
            size_t i = (hint + t) % n;
            if (strncmp(defs[i].name, p, klen) == 0 && defs[i].name[klen] == '\0') {
                idx = i;
                break;
            }
        }
        q = strchr(us + 1, FENC_RS);
        if (q == NULL)
            return rt_err_set(err, RT_ERR_PARSE, 0, "cached fields of '%s' are damaged", r->id);
        vlen = (size_t)(q - us - 1);
        if (idx < n) {
            const char *c = us + 1, *dle;
            char *o = val = xmalloc(vlen + 1);
            /* copy runs between escapes whole: escapes are rare */
            while ((dle = memchr(c, FENC_DLE, (size_t)(q - c))) != NULL && dle + 1 < q) {
                memcpy(o, c, (size_t)(dle - c));
                o += dle - c;
                *o++ = (char)(dle[1] - 0x40);
                c = dle + 2;
            }
            memcpy(o, c, (size_t)(q - c));
            o += q - c;
            *o = '\0';
            res_drop(r, r->fields[idx]);
            r->fields[idx] = val;
            hint = idx + 1;
        }
        p = q + 1;
    }
    return 0;
}

uint64_t res_hash(const struct resource *r)
{
    uint64_t h = RT_FNV_INIT;

    /* A string with its NUL ends itself; NULL hashes as nothing (tail length 0), "" as
     * its NUL (length 1): one call per field. */
#define HS(s, slot) (h = (s) != NULL ? rt_hash(h, (s), res_member_len(r, (slot), (s)) + 1) \
                                    : rt_hash(h, "", 0))
    HS(r->name, RES_SLOT_NAME);
    HS(r->raw_status, RES_SLOT_RAW_STATUS);
    h = rt_hash(h, &r->status, sizeof r->status);
    h = rt_hash(h, &r->progress, sizeof r->progress);
    for (size_t i = 0; i < r->nfields; i++)
        HS(r->fields[i], (int)i);
#undef HS
    return h;
}

void res_list_init(struct res_list *l)
{
    l->items = NULL;
    l->len = l->cap = 0;
}

void res_list_push(struct res_list *l, struct resource *r)
{
    l->items = xgrow(l->items, &l->cap, l->len + 1, sizeof *l->items);
    l->items[l->len++] = r;
}

void res_list_done(struct res_list *l)
{
    for (size_t i = 0; i < l->len; i++)
        res_free(l->items[i]);
    free(l->items);
    res_list_init(l);
}

void res_list_splice(struct res_list *dst, struct res_list *src)
{
    for (size_t i = 0; i < src->len; i++)
        res_list_push(dst, src->items[i]);
    free(src->items);
    res_list_init(src);
}
