/*
 * openstack_map.c - OpenStack JSON -> racktop resources.
 *
 * Pure functions over jansson values (borrowed; nothing is kept): one per
 * backend object (Nova server, flavor, hypervisor, keypair, server group,
 * availability zone; Ironic node; Cinder volume and snapshot; Neutron
 * security group; Glance image).  They accept every microversion the
 * provider negotiates: older shapes (flavor by id, server group `policies`)
 * and newer ones (embedded flavor, `policy`) both map.  Strings are copied
 * as data; the views sanitise them before they reach a terminal.
 */
#include "openstack_priv.h"

#include "core/model.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *js(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

int64_t os_parse_time(const char *s)
{
    struct tm tm = {0};
    int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
    const char *p;
    int64_t t;

    if (s == NULL || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
        return 0;
    p = s + n;
    if (*p == 'T' || *p == ' ') {
        int m = 0;
        if (sscanf(p + 1, "%2d:%2d:%2d%n", &h, &mi, &se, &m) != 3)
            return 0;
        p += 1 + m;
        if (*p == '.')
            for (p++; *p >= '0' && *p <= '9'; p++)
                ;
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    t = (int64_t)timegm(&tm);
    if ((*p == '+' || *p == '-') && strlen(p) >= 6) {
        int oh = 0, om = 0;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) == 2)
            t -= (*p == '+' ? 1 : -1) * (int64_t)(oh * 3600 + om * 60);
    }
    return t;
}

static struct resource *new_res(const struct os_map_ctx *c, enum res_kind k, json_t *o,
                                const char *id_key, const char *name_key)
{
    const char *id = js(o, id_key);
    const char *name = js(o, name_key);
    struct resource *r;

    if (id == NULL)
        return NULL;
    r = res_new(c->provider, k, id, name != NULL && *name ? name : id);
    if (c->with_raw)
        res_set_raw_take(r, json_dumps(o, JSON_COMPACT));
    return r;
}

static void set_str(struct resource *r, const char *field, const char *v)
{
    if (v != NULL && *v != '\0')
        res_set(r, field, v);
}

static void set_int_json(struct resource *r, const char *field, json_t *v)
{
    if (json_is_integer(v))
        res_set_int(r, field, (long long)json_integer_value(v));
    else if (json_is_real(v))
        res_set_int(r, field, (long long)json_real_value(v));
    else if (json_is_string(v)) {
        char *end;
        long long n = strtoll(json_string_value(v), &end, 10);
        if (end != json_string_value(v) && *end == '\0')
            res_set_int(r, field, n);
    }
}

static void set_bool_json(struct resource *r, const char *field, json_t *v)
{
    if (json_is_boolean(v))
        res_set_bool(r, field, json_is_true(v));
    else if (json_is_string(v))
        res_set_bool(r, field, strcasecmp(json_string_value(v), "true") == 0);
}

static void set_updated(struct resource *r, json_t *o, const char *k1, const char *k2)
{
    int64_t t = os_parse_time(js(o, k1));

    if (t == 0 && k2 != NULL)
        t = os_parse_time(js(o, k2));
    r->updated_at = t;
}

/* ---- Nova ---------------------------------------------------------------------------------- */

enum res_status os_server_status(const char *st)
{
    static const struct {
        const char *name;
        enum res_status s;
    } map[] = {
        {"ACTIVE", RES_STATUS_ACTIVE},     {"BUILD", RES_STATUS_BUILD},
        {"SHUTOFF", RES_STATUS_SHUTOFF},   {"STOPPED", RES_STATUS_SHUTOFF},
        {"PAUSED", RES_STATUS_PAUSED},     {"SUSPENDED", RES_STATUS_PAUSED},
        {"SHELVED", RES_STATUS_SHUTOFF},   {"SHELVED_OFFLOADED", RES_STATUS_SHUTOFF},
        {"VERIFY_RESIZE", RES_STATUS_VERIFY}, {"ERROR", RES_STATUS_ERROR},
        {"DELETED", RES_STATUS_DELETED},   {"SOFT_DELETED", RES_STATUS_DELETED},
        {"REBOOT", RES_STATUS_BUSY},       {"HARD_REBOOT", RES_STATUS_BUSY},
        {"REBUILD", RES_STATUS_BUSY},      {"RESIZE", RES_STATUS_BUSY},
        {"REVERT_RESIZE", RES_STATUS_BUSY}, {"MIGRATING", RES_STATUS_BUSY},
        {"PASSWORD", RES_STATUS_BUSY},     {"RESCUE", RES_STATUS_BUSY},
    };

    for (size_t i = 0; st != NULL && i < sizeof map / sizeof map[0]; i++) {
        if (strcasecmp(st, map[i].name) == 0)
            return map[i].s;
    }
    return RES_STATUS_UNKNOWN;
}

static const char *power_name(json_t *v)
{
    switch (json_is_integer(v) ? (int)json_integer_value(v) : -1) {
    case 0: return "nostate";
    case 1: return "running";
    case 3: return "paused";
    case 4: return "shutdown";
    case 6: return "crashed";
    case 7: return "suspended";
    default: return NULL;
    }
}

/* Addresses: floating first, then fixed, in network order. */
static char *addresses_json(json_t *addrs)
{
    json_t *arr = json_array(), *lst, *a;
    const char *net;
    char *out;
    size_t i;

    for (int pass = 0; pass < 2; pass++) {
        json_object_foreach(addrs, net, lst) {
            json_array_foreach(lst, i, a) {
                const char *type = js(a, "OS-EXT-IPS:type");
                int floating = type != NULL && strcmp(type, "floating") == 0;
                if (js(a, "addr") != NULL && floating == (pass == 0))
                    json_array_append_new(arr, json_string(js(a, "addr")));
            }
        }
    }
    out = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return out;
}

static char *list_of(json_t *arr, const char *key)
{
    json_t *out = json_array(), *v;
    size_t i;
    char *s;

    json_array_foreach(arr, i, v) {
        const char *x = json_is_string(v) ? json_string_value(v) : js(v, key);
        if (x != NULL)
            json_array_append_new(out, json_string(x));
    }
    s = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    return s;
}

struct resource *os_map_server(const struct os_map_ctx *c, json_t *srv)
{
    struct resource *r = new_res(c, RES_KIND_INSTANCE, srv, "id", "name");
    json_t *fl, *img, *fault, *prog;
    const char *st, *task, *hv;
    char raw[96];

    if (r == NULL)
        return NULL;
    st = js(srv, "status");
    task = js(srv, "OS-EXT-STS:task_state");
    snprintf(raw, sizeof raw, "%s%s%s", st ? st : "?", task ? "/" : "", task ? task : "");
    res_set_status(r, os_server_status(st), raw);
    hv = js(srv, "OS-EXT-SRV-ATTR:hypervisor_hostname");
    res_set(r, "type", hv != NULL && c->node_ids != NULL && json_object_get(c->node_ids, hv)
                           ? "baremetal" : "vm");
    if (c->node_ids != NULL && js(srv, "id") != NULL && json_object_get(c->node_ids, js(srv, "id")) != NULL)
        res_set(r, "type", "baremetal");
    set_str(r, "region", c->region);
    set_str(r, "zone", js(srv, "OS-EXT-AZ:availability_zone"));
    set_str(r, "host", hv != NULL ? hv : js(srv, "OS-EXT-SRV-ATTR:host"));
    fl = json_object_get(srv, "flavor");
    if (js(fl, "original_name") != NULL) {
        res_set(r, "flavor", js(fl, "original_name"));
        set_int_json(r, "vcpus", json_object_get(fl, "vcpus"));
        set_int_json(r, "ram_mb", json_object_get(fl, "ram"));
    } else {
        set_str(r, "flavor", js(fl, "id"));
    }
    img = json_object_get(srv, "image");
    if (json_is_object(img))
        set_str(r, "image", js(img, "id"));
    else
        res_set(r, "image", "(boot from volume)");
    res_set_take(r, "addresses", addresses_json(json_object_get(srv, "addresses")));
    res_set_take(r, "volumes", list_of(json_object_get(srv, "os-extended-volumes:volumes_attached"),
                                       "id"));
    res_set_take(r, "security_groups", list_of(json_object_get(srv, "security_groups"), "name"));
    set_str(r, "keypair", js(srv, "key_name"));
    if (json_array_size(json_object_get(srv, "server_groups")) > 0)
        set_str(r, "server_group",
                json_string_value(json_array_get(json_object_get(srv, "server_groups"), 0)));
    set_str(r, "vm_state", js(srv, "OS-EXT-STS:vm_state"));
    set_str(r, "task_state", task);
    set_str(r, "power_state", power_name(json_object_get(srv, "OS-EXT-STS:power_state")));
    set_bool_json(r, "locked", json_object_get(srv, "locked"));
    set_str(r, "created_at", js(srv, "created"));
    fault = json_object_get(srv, "fault");
    set_str(r, "fault", js(fault, "message"));
    prog = json_object_get(srv, "progress");
    if (task != NULL && json_is_integer(prog))
        r->progress = (int)json_integer_value(prog);
    set_updated(r, srv, "updated", "created");
    return r;
}

struct resource *os_map_flavor(const struct os_map_ctx *c, json_t *fl)
{
    struct resource *r = new_res(c, RES_KIND_FLAVOR, fl, "id", "name");
    json_t *specs;
    const char *k;
    json_t *v;
    const char *rc = NULL;

    if (r == NULL)
        return NULL;
    res_set_status(r, json_is_true(json_object_get(fl, "OS-FLV-DISABLED:disabled"))
                          ? RES_STATUS_SHUTOFF : RES_STATUS_ACTIVE, NULL);
    specs = json_object_get(fl, "extra_specs");
    json_object_foreach(specs, k, v) {
        /* resources:CUSTOM_BAREMETAL_GOLD=1 names an Ironic resource class. */
        if (strncmp(k, "resources:CUSTOM_", 17) == 0 && json_is_string(v) &&
            strcmp(json_string_value(v), "1") == 0)
            rc = k + 17;
    }
    res_set(r, "type", rc != NULL ? "baremetal" : "vm");
    set_int_json(r, "vcpus", json_object_get(fl, "vcpus"));
    set_int_json(r, "ram_mb", json_object_get(fl, "ram"));
    set_int_json(r, "disk_gb", json_object_get(fl, "disk"));
    set_str(r, "resource_class", rc);
    return r;
}

struct resource *os_map_hypervisor(const struct os_map_ctx *c, json_t *hv)
{
    const char *name = js(hv, "hypervisor_hostname");
    struct resource *r;
    const char *state = js(hv, "state"), *status = js(hv, "status");
    json_t *v;
    char raw[64];

    if (name == NULL)
        return NULL;
    /* The host id is the hypervisor_hostname: what servers report as their host. */
    r = res_new(c->provider, RES_KIND_HOST, name, name);
    if (c->with_raw)
        res_set_raw_take(r, json_dumps(hv, JSON_COMPACT));
    snprintf(raw, sizeof raw, "%s/%s", state ? state : "?", status ? status : "?");
    if (status != NULL && strcmp(status, "disabled") == 0)
        res_set_status(r, RES_STATUS_MAINTENANCE, raw);
    else if (state != NULL && strcmp(state, "down") == 0)
        res_set_status(r, RES_STATUS_ERROR, raw);
    else
        res_set_status(r, RES_STATUS_ACTIVE, raw);
    res_set(r, "type", "hypervisor");
    set_str(r, "region", c->region);
    res_set(r, "power", state != NULL && strcmp(state, "up") == 0 ? "on" : "unknown");
    res_set(r, "health", state != NULL && strcmp(state, "down") == 0 ? "Critical"
                         : status != NULL && strcmp(status, "disabled") == 0 ? "Warning" : "OK");
    res_set_bool(r, "maintenance", status != NULL && strcmp(status, "disabled") == 0);
    v = json_object_get(json_object_get(hv, "service"), "disabled_reason");
    set_str(r, "maintenance_reason", json_string_value(v));
    /* Before 2.88 the usage counters are here; later they moved to Placement. */
    set_int_json(r, "vcpus", json_object_get(hv, "vcpus"));
    set_int_json(r, "vcpus_used", json_object_get(hv, "vcpus_used"));
    set_int_json(r, "mem_mb", json_object_get(hv, "memory_mb"));
    set_int_json(r, "mem_used_mb", json_object_get(hv, "memory_mb_used"));
    if (json_is_integer(json_object_get(hv, "running_vms")))
        set_int_json(r, "instances", json_object_get(hv, "running_vms"));
    else if (json_is_array(json_object_get(hv, "servers")))
        res_set_int(r, "instances", (long long)json_array_size(json_object_get(hv, "servers")));
    if (json_is_integer(json_object_get(hv, "vcpus")) &&
        json_integer_value(json_object_get(hv, "vcpus")) > 0 &&
        json_is_integer(json_object_get(hv, "vcpus_used")))
        res_set_num(r, "cpu_pct", 100.0 * (double)json_integer_value(json_object_get(hv, "vcpus_used")) /
                                      (double)json_integer_value(json_object_get(hv, "vcpus")));
    if (json_is_integer(json_object_get(hv, "memory_mb")) &&
        json_integer_value(json_object_get(hv, "memory_mb")) > 0 &&
        json_is_integer(json_object_get(hv, "memory_mb_used")))
        res_set_num(r, "mem_pct",
                    100.0 * (double)json_integer_value(json_object_get(hv, "memory_mb_used")) /
                        (double)json_integer_value(json_object_get(hv, "memory_mb")));
    set_str(r, "model", js(hv, "hypervisor_type"));
    return r;
}

struct resource *os_map_keypair(const struct os_map_ctx *c, json_t *kp)
{
    struct resource *r;

    if (json_is_object(json_object_get(kp, "keypair")))
        kp = json_object_get(kp, "keypair");
    r = new_res(c, RES_KIND_KEYPAIR, kp, "name", "name");
    if (r == NULL)
        return NULL;
    res_set_status(r, RES_STATUS_ACTIVE, NULL);
    set_str(r, "fingerprint", js(kp, "fingerprint"));
    set_str(r, "key_type", js(kp, "type") != NULL ? js(kp, "type") : "ssh");
    set_str(r, "created_at", js(kp, "created_at"));
    return r;
}

struct resource *os_map_servergroup(const struct os_map_ctx *c, json_t *sg)
{
    struct resource *r = new_res(c, RES_KIND_SERVERGROUP, sg, "id", "name");

    if (r == NULL)
        return NULL;
    res_set_status(r, RES_STATUS_ACTIVE, NULL);
    if (js(sg, "policy") != NULL)
        res_set(r, "policy", js(sg, "policy"));
    else
        set_str(r, "policy", json_string_value(json_array_get(json_object_get(sg, "policies"), 0)));
    res_set_take(r, "members", list_of(json_object_get(sg, "members"), "id"));
    set_str(r, "region", c->region);
    return r;
}

struct resource *os_map_zone(const struct os_map_ctx *c, json_t *az)
{
    struct resource *r = new_res(c, RES_KIND_ZONE, az, "zoneName", "zoneName");
    int avail;

    if (r == NULL)
        return NULL;
    avail = json_is_true(json_object_get(json_object_get(az, "zoneState"), "available"));
    res_set_status(r, avail ? RES_STATUS_ACTIVE : RES_STATUS_ERROR,
                   avail ? "available" : "unavailable");
    set_str(r, "region", c->region);
    res_set_bool(r, "available", avail);
    return r;
}

/* ---- Ironic -------------------------------------------------------------------------------- */

enum res_status os_node_status(const char *prov, const char *target_prov, const char *power,
                               int maintenance)
{
    static const char *const failed[] = {"error", "deploy failed", "clean failed",
                                         "inspect failed", "rescue failed", "unrescue failed",
                                         "adopt failed", "service failed", NULL};
    static const char *const building[] = {"deploying", "wait call-back", NULL};

    if (maintenance)
        return RES_STATUS_MAINTENANCE;
    for (size_t i = 0; prov != NULL && failed[i] != NULL; i++) {
        if (strcmp(prov, failed[i]) == 0)
            return RES_STATUS_ERROR;
    }
    for (size_t i = 0; prov != NULL && building[i] != NULL; i++) {
        if (strcmp(prov, building[i]) == 0)
            return RES_STATUS_BUILD;
    }
    if (target_prov != NULL)
        return RES_STATUS_BUSY;
    if (power != NULL && strcmp(power, "power on") == 0)
        return RES_STATUS_ACTIVE;
    if (power != NULL && strcmp(power, "power off") == 0)
        return RES_STATUS_SHUTOFF;
    return RES_STATUS_UNKNOWN;
}

struct resource *os_map_node(const struct os_map_ctx *c, json_t *node)
{
    struct resource *r = new_res(c, RES_KIND_HOST, node, "uuid", "name");
    const char *prov, *tprov, *power, *tpower;
    json_t *di, *props;
    int maint;
    char raw[128];
    static const char *const bmc_keys[] = {"redfish_address", "ipmi_address", "drac_address",
                                           "ilo_address", "irmc_address", NULL};

    if (r == NULL)
        return NULL;
    prov = js(node, "provision_state");
    tprov = js(node, "target_provision_state");
    power = js(node, "power_state");
    tpower = js(node, "target_power_state");
    maint = json_is_true(json_object_get(node, "maintenance"));
    snprintf(raw, sizeof raw, "%s%s%s/%s", prov ? prov : "?", tprov ? "->" : "",
             tprov ? tprov : "", power ? power : "?");
    res_set_status(r, os_node_status(prov, tprov, power, maint), raw);
    res_set(r, "type", "baremetal");
    set_str(r, "region", c->region);
    set_str(r, "zone", js(node, "conductor_group"));
    res_set(r, "power", power == NULL ? "unknown"
                        : strcmp(power, "power on") == 0 ? "on"
                        : strcmp(power, "power off") == 0 ? "off" : "unknown");
    (void)tpower;
    {
        const char *le = js(node, "last_error");
        res_set(r, "health", os_node_status(prov, NULL, power, 0) == RES_STATUS_ERROR
                                 ? "Critical" : le != NULL && *le ? "Warning" : "OK");
        set_str(r, "last_error", le);
    }
    set_str(r, "provision_state", prov);
    res_set_bool(r, "maintenance", maint);
    set_str(r, "maintenance_reason", js(node, "maintenance_reason"));
    set_str(r, "instance_id", js(node, "instance_uuid"));
    set_str(r, "resource_class", js(node, "resource_class"));
    di = json_object_get(node, "driver_info");
    for (size_t i = 0; bmc_keys[i] != NULL; i++) {
        if (js(di, bmc_keys[i]) != NULL) {
            res_set(r, "bmc", js(di, bmc_keys[i]));
            break;
        }
    }
    set_str(r, "model", js(node, "driver"));
    props = json_object_get(node, "properties");
    set_int_json(r, "vcpus", json_object_get(props, "cpus"));
    set_int_json(r, "mem_mb", json_object_get(props, "memory_mb"));
    if (js(node, "instance_uuid") != NULL)
        res_set_int(r, "instances", 1);
    if (tprov != NULL)
        r->progress = 0;
    set_updated(r, node, "updated_at", "created_at");
    return r;
}

/* ---- Cinder -------------------------------------------------------------------------------- */

static enum res_status volume_status(const char *st)
{
    if (st == NULL)
        return RES_STATUS_UNKNOWN;
    if (strcmp(st, "available") == 0 || strcmp(st, "in-use") == 0)
        return RES_STATUS_ACTIVE;
    if (strcmp(st, "creating") == 0 || strcmp(st, "downloading") == 0)
        return RES_STATUS_BUILD;
    if (strncmp(st, "error", 5) == 0)
        return RES_STATUS_ERROR;
    if (strcmp(st, "deleted") == 0)
        return RES_STATUS_DELETED;
    return RES_STATUS_BUSY; /* attaching, detaching, extending, deleting, reserved, ... */
}

struct resource *os_map_volume(const struct os_map_ctx *c, json_t *vol)
{
    struct resource *r = new_res(c, RES_KIND_VOLUME, vol, "id", "name");
    json_t *att;
    const char *src;

    if (r == NULL)
        return NULL;
    res_set_status(r, volume_status(js(vol, "status")), js(vol, "status"));
    set_int_json(r, "size_gb", json_object_get(vol, "size"));
    att = json_array_get(json_object_get(vol, "attachments"), 0);
    set_str(r, "attached_to", js(att, "server_id"));
    set_str(r, "device", js(att, "device"));
    set_bool_json(r, "bootable", json_object_get(vol, "bootable"));
    set_str(r, "volume_type", js(vol, "volume_type"));
    set_str(r, "region", c->region);
    set_str(r, "zone", js(vol, "availability_zone"));
    src = js(json_object_get(vol, "volume_image_metadata"), "image_id");
    if (src == NULL)
        src = js(vol, "snapshot_id");
    if (src == NULL)
        src = js(vol, "source_volid");
    set_str(r, "source", src);
    set_str(r, "created_at", js(vol, "created_at"));
    set_updated(r, vol, "updated_at", "created_at");
    return r;
}

struct resource *os_map_snapshot(const struct os_map_ctx *c, json_t *snap)
{
    struct resource *r = new_res(c, RES_KIND_SNAPSHOT, snap, "id", "name");
    json_t *prog;

    if (r == NULL)
        return NULL;
    res_set_status(r, volume_status(js(snap, "status")), js(snap, "status"));
    set_str(r, "source", js(snap, "volume_id"));
    res_set(r, "source_kind", "volume");
    set_int_json(r, "size_gb", json_object_get(snap, "size"));
    set_str(r, "created_at", js(snap, "created_at"));
    set_str(r, "region", c->region);
    set_str(r, "description", js(snap, "description"));
    prog = json_object_get(snap, "os-extended-snapshot-attributes:progress");
    if (json_is_string(prog) && r->status == RES_STATUS_BUILD)
        r->progress = atoi(json_string_value(prog));
    set_updated(r, snap, "updated_at", "created_at");
    return r;
}

/* ---- Neutron ------------------------------------------------------------------------------- */

struct resource *os_map_secgroup(const struct os_map_ctx *c, json_t *sg)
{
    struct resource *r = new_res(c, RES_KIND_SECGROUP, sg, "id", "name");
    json_t *rules = json_array(), *rule;
    size_t i;

    if (r == NULL) {
        json_decref(rules);
        return NULL;
    }
    res_set_status(r, RES_STATUS_ACTIVE, NULL);
    set_str(r, "description", js(sg, "description"));
    set_str(r, "region", c->region);
    json_array_foreach(json_object_get(sg, "security_group_rules"), i, rule) {
        const char *remote = js(rule, "remote_ip_prefix");
        const char *rgroup = js(rule, "remote_group_id");
        json_t *o = json_pack("{s:s?,s:s?,s:s?,s:s}", "id", js(rule, "id"), "direction",
                              js(rule, "direction"), "ethertype", js(rule, "ethertype"),
                              "protocol", js(rule, "protocol") ? js(rule, "protocol") : "any");
        json_object_set_new(o, "port_min", json_is_integer(json_object_get(rule, "port_range_min"))
                                               ? json_incref(json_object_get(rule, "port_range_min"))
                                               : json_null());
        json_object_set_new(o, "port_max", json_is_integer(json_object_get(rule, "port_range_max"))
                                               ? json_incref(json_object_get(rule, "port_range_max"))
                                               : json_null());
        if (remote != NULL)
            json_object_set_new(o, "remote", json_string(remote));
        else if (rgroup != NULL)
            json_object_set_new(o, "remote", json_sprintf("group:%s", rgroup));
        else
            json_object_set_new(o, "remote", json_string("any"));
        json_array_append_new(rules, o);
    }
    res_set_take(r, "rules", json_dumps(rules, JSON_COMPACT));
    json_decref(rules);
    set_updated(r, sg, "updated_at", "created_at");
    return r;
}

/* ---- Glance -------------------------------------------------------------------------------- */

const char *os_default_user(const char *d)
{
    static const struct {
        const char *distro, *user;
    } users[] = {
        {"ubuntu", "ubuntu"}, {"debian", "debian"}, {"centos", "centos"},
        {"fedora", "fedora"}, {"rhel", "cloud-user"}, {"rocky", "rocky"},
        {"almalinux", "almalinux"}, {"opensuse", "opensuse"}, {"sles", "sles"},
        {"cirros", "cirros"}, {"arch", "arch"}, {"freebsd", "freebsd"}, {"coreos", "core"},
        {"flatcar", "core"}, {"euleros", "root"}, {"openeuler", "root"},
    };

    for (size_t i = 0; d != NULL && i < sizeof users / sizeof users[0]; i++) {
        if (strcasecmp(d, users[i].distro) == 0)
            return users[i].user;
    }
    return NULL;
}

struct resource *os_map_image(const struct os_map_ctx *c, json_t *img)
{
    struct resource *r = new_res(c, RES_KIND_IMAGE, img, "id", "name");
    const char *st = js(img, "status");
    const char *distro = js(img, "os_distro");
    const char *user = js(img, "os_admin_user");
    json_t *size = json_object_get(img, "size");
    enum res_status s = RES_STATUS_UNKNOWN;

    if (r == NULL)
        return NULL;
    if (st != NULL) {
        if (strcmp(st, "active") == 0)
            s = RES_STATUS_ACTIVE;
        else if (strcmp(st, "queued") == 0 || strcmp(st, "saving") == 0 ||
                 strcmp(st, "uploading") == 0 || strcmp(st, "importing") == 0)
            s = RES_STATUS_BUILD;
        else if (strcmp(st, "killed") == 0)
            s = RES_STATUS_ERROR;
        else if (strcmp(st, "deactivated") == 0)
            s = RES_STATUS_SHUTOFF;
        else if (strcmp(st, "deleted") == 0 || strcmp(st, "pending_delete") == 0)
            s = RES_STATUS_DELETED;
    }
    res_set_status(r, s, st);
    set_str(r, "os_distro", distro);
    set_str(r, "os_version", js(img, "os_version"));
    if (json_is_integer(size))
        res_set_num(r, "size_gb", (double)json_integer_value(size) / (1024.0 * 1024 * 1024));
    set_int_json(r, "min_disk_gb", json_object_get(img, "min_disk"));
    set_str(r, "visibility", js(img, "visibility"));
    set_str(r, "disk_format", js(img, "disk_format"));
    set_str(r, "default_user", user != NULL ? user : os_default_user(distro));
    set_str(r, "region", c->region);
    set_updated(r, img, "updated_at", "created_at");
    return r;
}

/* ---- raw item text ------------------------------------------------------------------------ */

static size_t skip_ws(const char *s, size_t i, size_t n)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/* Index just past the string starting at s[i] == '"', or 0 when it does not end. */
static size_t skip_string(const char *s, size_t i, size_t n)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return 0;
}

/* Index just past the value starting at s[i], or 0 when it is malformed. */
static size_t skip_value(const char *s, size_t i, size_t n)
{
    size_t depth = 0;

    if (i >= n)
        return 0;
    if (s[i] == '"')
        return skip_string(s, i, n);
    if (s[i] != '{' && s[i] != '[') {
        size_t st = i;
        while (i < n && strchr(",}] \t\r\n", s[i]) == NULL)
            i++;
        return i > st ? i : 0;
    }
    while (i < n) {
        char ch = s[i];
        if (ch == '"') {
            if ((i = skip_string(s, i, n)) == 0)
                return 0;
            continue;
        }
        if (ch == '{' || ch == '[')
            depth++;
        else if (ch == '}' || ch == ']') {
            if (--depth == 0)
                return i + 1;
        }
        i++;
    }
    return 0;
}

long os_json_array_spans(const char *text, size_t len, const char *key, size_t **spans)
{
    size_t i = skip_ws(text, 0, len), klen = strlen(key), cap = 0, n = 0, *sp = NULL;

    *spans = NULL;
    if (i >= len || text[i] != '{')
        return -1;
    i = skip_ws(text, i + 1, len);
    while (i < len && text[i] == '"') {
        size_t k0 = i + 1, kend = skip_string(text, i, len);
        int match;
        if (kend == 0)
            return -1;
        match = kend - 1 - k0 == klen && memcmp(text + k0, key, klen) == 0;
        i = skip_ws(text, kend, len);
        if (i >= len || text[i] != ':')
            return -1;
        i = skip_ws(text, i + 1, len);
        if (match && i < len && text[i] == '[') {
            i = skip_ws(text, i + 1, len);
            while (i < len && text[i] != ']') {
                size_t end = skip_value(text, i, len);
                if (end == 0)
                    goto bad;
                if (n == cap) {
                    cap = cap ? 2 * cap : 64;
                    sp = xrealloc(sp, 2 * cap * sizeof *sp);
                }
                sp[2 * n] = i;
                sp[2 * n + 1] = end;
                n++;
                i = skip_ws(text, end, len);
                if (i < len && text[i] == ',')
                    i = skip_ws(text, i + 1, len);
                else if (i >= len || text[i] != ']')
                    goto bad;
            }
            if (i >= len)
                goto bad;
            *spans = sp;
            return (long)n;
        }
        if ((i = skip_value(text, i, len)) == 0)
            return -1;
        i = skip_ws(text, i, len);
        if (i < len && text[i] == ',')
            i = skip_ws(text, i + 1, len);
    }
    return -1;
bad:
    free(sp);
    return -1;
}
