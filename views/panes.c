/*
 * panes.c - the pane table: rows, columns and keys of every pane, and the
 * views built from them.
 *
 * Columns say where a cell comes from (a fixed resource member, a schema
 * field, a sparkline of metric history); the table widget does the rest.
 * Keys name action verbs of core/action.c, so the dashboard can check the
 * provider's capability mask and the read-only mode before offering them.
 * Cells return backend text untouched: the table sanitises what it draws.
 */
#include "views.h"

#include "console.h"
#include "core/fleet.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "tui/theme.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define C(id, title, minw, maxw, prio, right, num) {id, title, minw, maxw, prio, right, num}
#define FIXED(src, id, title, minw, maxw, prio) {C(id, title, minw, maxw, prio, 0, 0), src, NULL}
#define FIELD(id, title, minw, maxw, prio) {C(id, title, minw, maxw, prio, 0, 0), COL_FIELD, id}
#define REF(id, title, kind, minw, maxw, prio)                                                  \
    {C(id, title, minw, maxw, prio, 0, 0), COL_REF, id, kind}
#define NUMF(id, title, minw, maxw, prio) {C(id, title, minw, maxw, prio, 1, 1), COL_FIELD, id}

static const struct pane_column inst_cols[] = {
    FIXED(COL_NAME, "name", "NAME", 12, 28, 0),
    FIXED(COL_STATUS, "status", "STATUS", 13, 16, 0),
    FIELD("type", "TYPE", 9, 9, 1),
    FIELD("zone", "ZONE", 10, 12, 3),
    FIELD("host", "HOST", 10, 20, 4),
    FIELD("flavor", "FLAVOR", 9, 16, 2),
    FIELD("addresses", "ADDRESSES", 11, 34, 2),
    FIELD("image", "IMAGE", 10, 18, 5),
    FIELD("task_state", "TASK", 8, 14, 6),
    FIXED(COL_PROVIDER, "provider", "PROVIDER", 8, 12, 5),
    FIXED(COL_ID, "id", "ID", 8, 36, 8),
};

static const struct pane_column host_cols[] = {
    FIXED(COL_NAME, "name", "NAME", 12, 24, 0),
    FIXED(COL_STATUS, "status", "STATUS", 13, 16, 0),
    FIELD("type", "TYPE", 10, 10, 2),
    FIELD("power", "POWER", 5, 5, 1),
    FIELD("health", "HEALTH", 8, 8, 1),
    NUMF("cpu_pct", "CPU%", 5, 5, 1),
    NUMF("mem_pct", "MEM%", 5, 5, 2),
    NUMF("temp_c", "TEMP", 5, 5, 2),
    FIELD("fans", "FANS", 8, 8, 3),
    FIELD("psus", "PSUS", 8, 8, 3),
    {C("cpu_hist", "CPU HISTORY", 12, 30, 4, 0, 0), COL_SPARK, "cpu_pct"},
    FIELD("provision_state", "PROVISION", 10, 14, 5),
    FIELD("zone", "ZONE", 10, 12, 5),
    NUMF("instances", "INST", 4, 5, 6),
    FIXED(COL_PROVIDER, "provider", "PROVIDER", 8, 12, 6),
    /* Why a host is unreachable or its data stale (a BMC's error); wide screens only. */
    FIELD("last_error", "LAST ERROR", 40, 90, 7),
};

static const struct pane_column vol_cols[] = {
    FIXED(COL_NAME, "name", "NAME", 14, 28, 0),
    FIXED(COL_STATUS, "status", "STATUS", 13, 16, 0),
    NUMF("size_gb", "SIZE_GB", 7, 7, 1),
    REF("attached_to", "ATTACHED_TO", RES_KIND_INSTANCE, 12, 36, 2),
    FIELD("device", "DEVICE", 8, 10, 4),
    FIELD("bootable", "BOOT", 5, 5, 3),
    FIELD("zone", "ZONE", 10, 12, 3),
    FIELD("volume_type", "VTYPE", 6, 10, 5),
    FIXED(COL_PROVIDER, "provider", "PROVIDER", 8, 12, 5),
    FIXED(COL_ID, "id", "ID", 8, 36, 7),
};

static const struct pane_column snap_cols[] = {
    FIXED(COL_NAME, "name", "NAME", 14, 30, 0),
    FIXED(COL_STATUS, "status", "STATUS", 13, 16, 0),
    FIELD("source_kind", "OF", 8, 8, 2),
    FIELD("source", "SOURCE", 12, 36, 1),
    NUMF("size_gb", "SIZE_GB", 7, 7, 2),
    FIELD("created_at", "CREATED", 20, 20, 3),
    FIXED(COL_PROVIDER, "provider", "PROVIDER", 8, 12, 4),
    FIXED(COL_ID, "id", "ID", 8, 36, 6),
};

static const struct pane_column sg_cols[] = {
    FIXED(COL_NAME, "name", "NAME", 12, 24, 0),
    FIELD("rules", "RULES", 8, 10, 1),
    FIELD("region", "REGION", 8, 10, 2),
    FIELD("description", "DESCRIPTION", 12, 0, 3),
    FIXED(COL_PROVIDER, "provider", "PROVIDER", 8, 12, 4),
    FIXED(COL_ID, "id", "ID", 8, 36, 6),
};

static const struct pane_column img_cols[] = {
    FIXED(COL_NAME, "name", "NAME", 14, 28, 0),
    FIXED(COL_STATUS, "status", "STATUS", 10, 14, 1),
    FIELD("os_distro", "DISTRO", 8, 10, 1),
    FIELD("os_version", "VERSION", 7, 10, 2),
    NUMF("size_gb", "SIZE_GB", 7, 8, 2),
    FIELD("disk_format", "FORMAT", 6, 6, 3),
    FIELD("visibility", "VISIBILITY", 10, 10, 3),
    FIELD("default_user", "SSH_USER", 8, 10, 4),
    FIXED(COL_PROVIDER, "provider", "PROVIDER", 8, 12, 5),
};

static const struct pane_column flv_cols[] = {
    FIXED(COL_NAME, "name", "NAME", 14, 24, 0),
    FIELD("type", "TYPE", 9, 9, 1),
    NUMF("vcpus", "VCPUS", 5, 5, 1),
    NUMF("ram_mb", "RAM_MB", 7, 8, 1),
    NUMF("disk_gb", "DISK_GB", 7, 7, 2),
    FIELD("resource_class", "CLASS", 8, 20, 3),
    FIXED(COL_PROVIDER, "provider", "PROVIDER", 8, 12, 4),
};

static const struct pane_column kp_cols[] = {
    FIXED(COL_NAME, "name", "NAME", 14, 24, 0),
    FIELD("key_type", "TYPE", 5, 5, 2),
    FIELD("fingerprint", "FINGERPRINT", 20, 60, 1),
    FIXED(COL_PROVIDER, "provider", "PROVIDER", 8, 12, 3),
};

static const struct pane_column sgp_cols[] = {
    FIXED(COL_NAME, "name", "NAME", 14, 24, 0),
    FIELD("policy", "POLICY", 12, 20, 1),
    FIELD("members", "MEMBERS", 10, 0, 2),
    FIXED(COL_PROVIDER, "provider", "PROVIDER", 8, 12, 3),
};

static const struct pane_column port_cols[] = {
    FIXED(COL_NAME, "name", "NAME", 14, 36, 0),
    FIXED(COL_STATUS, "status", "STATUS", 9, 12, 0),
    FIELD("fixed_ips", "FIXED_IPS", 12, 32, 1),
    FIELD("device_owner", "OWNER", 10, 24, 2),
    REF("instance", "INSTANCE", RES_KIND_INSTANCE, 10, 36, 2),
    FIELD("mac", "MAC", 17, 17, 3),
    FIXED(COL_PROVIDER, "provider", "PROVIDER", 8, 12, 4),
};

static const struct pane_column fip_cols[] = {
    FIXED(COL_NAME, "name", "ADDRESS", 12, 40, 0),
    FIXED(COL_STATUS, "status", "STATUS", 9, 12, 0),
    FIELD("fixed_ip_address", "FIXED_IP", 10, 40, 1),
    REF("instance", "INSTANCE", RES_KIND_INSTANCE, 10, 36, 1),
    REF("floating_network_id", "POOL", RES_KIND_NETWORK, 10, 36, 3),
    FIXED(COL_PROVIDER, "provider", "PROVIDER", 8, 12, 4),
};

static const struct pane_column net_cols[] = {
    FIXED(COL_NAME, "name", "NAME", 12, 36, 0),
    FIXED(COL_STATUS, "status", "STATUS", 9, 12, 0),
    FIELD("external", "EXTERNAL", 8, 8, 1),
    FIELD("shared", "SHARED", 6, 6, 2),
    FIELD("subnets", "SUBNETS", 10, 40, 3),
    NUMF("mtu", "MTU", 4, 5, 2),
    FIELD("network_type", "NET_TYPE", 8, 8, 3),
    NUMF("segmentation_id", "SEG_ID", 6, 6, 4),
    FIELD("availability_zones", "ZONES", 8, 24, 4),
    FIXED(COL_PROVIDER, "provider", "PROVIDER", 8, 12, 4),
    FIELD("project_id", "PROJECT", 10, 32, 5),
};

static const struct pane_column task_cols[] = {
    FIXED(COL_UPDATED, "updated", "TIME", 8, 8, 1),
    FIXED(COL_STATUS, "status", "STATE", 13, 16, 0),
    FIELD("action", "ACTION", 10, 14, 0),
    FIELD("target_kind", "KIND", 8, 10, 3),
    FIELD("target_name", "TARGET", 12, 28, 1),
    FIELD("message", "MESSAGE", 16, 0, 2),
    FIELD("user", "USER", 6, 10, 4),
    FIXED(COL_PROVIDER, "provider", "PROVIDER", 8, 12, 4),
    FIXED(COL_ID, "id", "ID", 8, 30, 6),
};

static const struct pane_column audit_cols[] = {
    NUMF("seq", "SEQ", 4, 6, 2),
    FIELD("ts", "TIME", 20, 20, 1),
    FIELD("user", "USER", 6, 10, 3),
    FIELD("action", "ACTION", 10, 14, 0),
    FIELD("target", "TARGET", 12, 28, 1),
    FIELD("result", "RESULT", 12, 0, 0),
    FIXED(COL_PROVIDER, "provider", "PROVIDER", 8, 12, 4),
    FIELD("params", "PARAMS", 10, 40, 5),
};

static const struct pane_column event_cols[] = {
    FIELD("created_at", "TIME", 20, 20, 1),
    FIELD("severity", "SEVERITY", 8, 8, 0),
    FIELD("host", "HOST", 12, 24, 1),
    FIELD("message", "MESSAGE", 16, 0, 0),
    FIELD("source", "SOURCE", 6, 10, 3),
    FIXED(COL_PROVIDER, "provider", "PROVIDER", 8, 12, 4),
};

/* Providers and rules: cells come from special sources; ids are column positions. */
static const struct pane_column prov_cols[] = {
    FIXED(COL_NAME, "name", "NAME", 10, 20, 0),
    {C("type", "TYPE", 9, 10, 1, 0, 0), COL_FIELD, "type"},
    FIXED(COL_STATUS, "state", "STATE", 12, 14, 0),
    {C("synced", "SYNCED", 8, 10, 2, 0, 0), COL_FIELD, "synced"},
    {C("flags", "FLAGS", 9, 20, 2, 0, 0), COL_FIELD, "flags"},
    {C("error", "LAST ERROR", 12, 0, 1, 0, 0), COL_FIELD, "error"},
};

static const struct pane_column rule_cols[] = {
    {C("direction", "DIRECTION", 9, 9, 0, 0, 0), COL_FIELD, "direction"},
    {C("ethertype", "ETHER", 5, 5, 2, 0, 0), COL_FIELD, "ethertype"},
    {C("protocol", "PROTO", 5, 5, 0, 0, 0), COL_FIELD, "protocol"},
    {C("ports", "PORTS", 11, 11, 0, 0, 0), COL_FIELD, "ports"},
    {C("remote", "REMOTE", 12, 0, 1, 0, 0), COL_FIELD, "remote"},
    {C("id", "RULE ID", 8, 36, 3, 0, 0), COL_FIELD, "id"},
};

#define N(a) (int)(sizeof a / sizeof a[0])

static const struct pane_key inst_keys[] = {
    {'c', NULL, "create", DRILL_NONE, "create an instance (form)", "create"},
    {'u', NULL, "start", DRILL_NONE, "start (power on)", "start"},
    {'x', NULL, "stop", DRILL_NONE, "stop (graceful shutdown)", "stop"},
    {'r', NULL, "reboot", DRILL_NONE, "reboot (soft)", "reboot"},
    {'R', NULL, "hard-reboot", DRILL_NONE, "reboot (hard)", NULL},
    {KEYMAP_CTRL('d'), "ctrl-d", "delete", DRILL_NONE, "delete (type the name to confirm)",
     "delete"},
    {'S', NULL, "snapshot", DRILL_NONE, "snapshot the instance", "snap"},
    {'z', NULL, "resize", DRILL_NONE, "resize to another flavor", NULL},
    {'m', NULL, "migrate", DRILL_NONE, "cold migrate", NULL},
    {'L', NULL, "live-migrate", DRILL_NONE, "live migrate", NULL},
    {'v', NULL, NULL, DRILL_INST_DISKS, "its disks", "disks"},
    {'p', NULL, NULL, DRILL_INST_SNAPSHOTS, "its snapshots", NULL},
    {'e', NULL, NULL, DRILL_INST_SECGROUPS, "its security groups", NULL},
    {'h', NULL, NULL, DRILL_INST_HOST, "its host", "host"},
    {'s', NULL, NULL, DRILL_NONE, "SSH console on the instance (connect form)", "ssh",
     console_key_connect, PANE_KEY_HIDE_READ_ONLY},
    {0},
};

static const struct pane_key host_keys[] = {
    {'u', NULL, "power-on", DRILL_NONE, "power on", "on"},
    {'x', NULL, "power-off", DRILL_NONE, "power off (type the name to confirm)", "off"},
    {'o', NULL, "power-cycle", DRILL_NONE, "power cycle (type the name to confirm)", NULL},
    {'m', NULL, "maintenance-on", DRILL_NONE, "put in maintenance", "maint"},
    {'M', NULL, "maintenance-off", DRILL_NONE, "take out of maintenance", NULL},
    {'P', NULL, "provision", DRILL_NONE, "bare metal: deploy an image", "provision"},
    {'i', NULL, NULL, DRILL_HOST_INSTANCES, "its instances", "instances"},
    {'E', NULL, NULL, DRILL_HOST_EVENTS, "its hardware events (BMC logs)", "events"},
    {'C', NULL, "clear-sel", DRILL_NONE, "clear the BMC event logs (type the name to confirm)",
     NULL},
    {0},
};

static const struct pane_key vol_keys[] = {
    {'c', NULL, "create", DRILL_NONE, "create a disk (form)", "create"},
    {'t', NULL, "attach", DRILL_NONE, "attach to an instance", "attach"},
    {'T', NULL, "detach", DRILL_NONE, "detach from its instance", "detach"},
    {'e', NULL, "extend", DRILL_NONE, "grow the disk", NULL},
    {'S', NULL, "snapshot", DRILL_NONE, "snapshot the disk", "snap"},
    {KEYMAP_CTRL('d'), "ctrl-d", "delete", DRILL_NONE, "delete (type the name to confirm)",
     "delete"},
    {'p', NULL, NULL, DRILL_DISK_SNAPSHOTS, "its snapshots", "snapshots"},
    {0},
};

static const struct pane_key snap_keys[] = {
    {'R', NULL, "restore", DRILL_NONE, "restore the source to this snapshot", "restore"},
    {KEYMAP_CTRL('d'), "ctrl-d", "delete", DRILL_NONE, "delete (type the name to confirm)",
     "delete"},
    {0},
};

static const struct pane_key sg_keys[] = {
    {'c', NULL, "create", DRILL_NONE, "create a security group", "create"},
    {'r', NULL, NULL, DRILL_SG_RULES, "its rules (add and remove)", "rules"},
    {'t', NULL, "attach", DRILL_NONE, "add the group to an instance", NULL},
    {'T', NULL, "detach", DRILL_NONE, "remove the group from an instance", NULL},
    {KEYMAP_CTRL('d'), "ctrl-d", "delete", DRILL_NONE, "delete (type the name to confirm)",
     "delete"},
    {0},
};

/* The rules pane acts on its security group (kind secgroup). */
static const struct pane_key rule_keys[] = {
    {'c', NULL, "add-rule", DRILL_NONE, "add a rule (form)", "add rule"},
    {'+', NULL, "add-rule", DRILL_NONE, "add a rule (form)", NULL},
    {KEYMAP_CTRL('d'), "ctrl-d", "remove-rule", DRILL_NONE, "remove the rule", "remove"},
    {'-', NULL, "remove-rule", DRILL_NONE, "remove the rule", NULL},
    {0},
};

static const struct pane_key port_keys[] = {
    {KEYMAP_CTRL('d'), "ctrl-d", "delete", DRILL_NONE, "delete (type the name to confirm)",
     "delete"},
    {0},
};

static const struct pane_key fip_keys[] = {
    {'c', NULL, "create", DRILL_NONE, "allocate a floating IP from an external network",
     "create"},
    {'t', NULL, "associate", DRILL_NONE, "map it to an instance", "associate"},
    {'T', NULL, "disassociate", DRILL_NONE, "unmap it from its instance", "disassociate"},
    {KEYMAP_CTRL('d'), "ctrl-d", "delete", DRILL_NONE, "release (type the address to confirm)",
     "delete"},
    {0},
};

static const struct pane_key session_keys[] = {
    {KEYMAP_ENTER, "enter", NULL, DRILL_NONE, "re-enter the console", "enter",
     console_key_enter, PANE_KEY_HIDE_READ_ONLY},
    {'r', NULL, NULL, DRILL_NONE, "reconnect a closed session", "reconnect", console_key_reconnect,
     PANE_KEY_HIDE_READ_ONLY},
    {KEYMAP_CTRL('d'), "ctrl-d", NULL, DRILL_NONE, "close the session", "close",
     console_key_close, PANE_KEY_HIDE_READ_ONLY},
    {0},
};

static const struct pane_column session_cols[] = {
    {C("name", "NAME", 12, 28, 0, 0, 0), COL_FIELD, "name"},
    {C("target", "USER@HOST", 14, 36, 0, 0, 0), COL_FIELD, "target"},
    {C("jump", "JUMP", 6, 30, 2, 0, 0), COL_FIELD, "jump"},
    {C("link", "LINK", 10, 40, 1, 0, 0), COL_FIELD, "link"},
    {C("age", "AGE", 5, 6, 3, 1, 1), COL_FIELD, "age"},
};

static const struct pane_key no_keys[] = {{0}};

static const struct pane_def defs[] = {
    {"instances", "Instances", PANE_SRC_FLEET, RES_KIND_INSTANCE, NULL, inst_cols, N(inst_cols),
     inst_keys, 1},
    {"vms", "Virtual machines", PANE_SRC_FLEET, RES_KIND_INSTANCE, "type:vm", inst_cols,
     N(inst_cols), inst_keys, -1},
    {"baremetal", "Bare-metal instances", PANE_SRC_FLEET, RES_KIND_INSTANCE, "type:baremetal",
     inst_cols, N(inst_cols), inst_keys, -1},
    {"hosts", "Hosts", PANE_SRC_FLEET, RES_KIND_HOST, NULL, host_cols, N(host_cols), host_keys, 2},
    {"disks", "Disks", PANE_SRC_FLEET, RES_KIND_VOLUME, NULL, vol_cols, N(vol_cols), vol_keys, 3},
    {"snapshots", "Snapshots", PANE_SRC_FLEET, RES_KIND_SNAPSHOT, NULL, snap_cols, N(snap_cols),
     snap_keys, 4},
    {"secgroups", "Security groups", PANE_SRC_FLEET, RES_KIND_SECGROUP, NULL, sg_cols, N(sg_cols),
     sg_keys, 5},
    {"images", "Images", PANE_SRC_FLEET, RES_KIND_IMAGE, NULL, img_cols, N(img_cols), no_keys, 6},
    {"flavors", "Flavors", PANE_SRC_FLEET, RES_KIND_FLAVOR, NULL, flv_cols, N(flv_cols), no_keys,
     7},
    {"tasks", "Tasks", PANE_SRC_TASKS, RES_KIND_TASK, NULL, task_cols, N(task_cols), no_keys, 8},
    {"audit", "Audit log", PANE_SRC_AUDIT, RES_KIND_AUDIT, NULL, audit_cols, N(audit_cols),
     no_keys, 9},
    {"providers", "Providers", PANE_SRC_PROVIDERS, RES_KIND_REGION, NULL, prov_cols, N(prov_cols),
     no_keys, 0},
    {"events", "Hardware events", PANE_SRC_FLEET, RES_KIND_EVENT, NULL, event_cols,
     N(event_cols), no_keys, -1},
    {"keypairs", "Key pairs", PANE_SRC_FLEET, RES_KIND_KEYPAIR, NULL, kp_cols, N(kp_cols), no_keys,
     -1},
    {"servergroups", "Server groups", PANE_SRC_FLEET, RES_KIND_SERVERGROUP, NULL, sgp_cols,
     N(sgp_cols), no_keys, -1},
    {"rules", "Rules", PANE_SRC_RULES, RES_KIND_SECGROUP, NULL, rule_cols, N(rule_cols), rule_keys,
     -1},
    {"ports", "Ports", PANE_SRC_FLEET, RES_KIND_PORT, NULL, port_cols, N(port_cols), port_keys, -1},
    {"floatingips", "Floating IPs", PANE_SRC_FLEET, RES_KIND_FLOATINGIP, NULL, fip_cols,
     N(fip_cols), fip_keys, -1},
    {"networks", "Networks", PANE_SRC_FLEET, RES_KIND_NETWORK, NULL, net_cols, N(net_cols),
     no_keys, -1},
    {"sessions", "SSH sessions", PANE_SRC_SESSIONS, RES_KIND_INSTANCE, NULL, session_cols,
     N(session_cols), session_keys, -1},
    {NULL},
};

const struct pane_def *pane_defs(void)
{
    return defs;
}

const struct pane_def *pane_find(const char *name)
{
    if (strcmp(name, "volumes") == 0)
        name = "disks";
    for (const struct pane_def *p = defs; p->name != NULL; p++) {
        if (strcmp(p->name, name) == 0)
            return p;
    }
    return NULL;
}

const char *drill_title(enum drill d)
{
    switch (d) {
    case DRILL_INST_DISKS: return "Disks of";
    case DRILL_INST_SNAPSHOTS: return "Snapshots of";
    case DRILL_INST_SECGROUPS: return "Security groups of";
    case DRILL_INST_HOST: return "Host of";
    case DRILL_HOST_INSTANCES: return "Instances on";
    case DRILL_HOST_EVENTS: return "Events of";
    case DRILL_DISK_SNAPSHOTS: return "Snapshots of";
    case DRILL_SG_RULES: return "Rules of";
    default: return "";
    }
}

enum res_kind drill_kind(enum drill d)
{
    switch (d) {
    case DRILL_INST_DISKS: return RES_KIND_VOLUME;
    case DRILL_INST_SNAPSHOTS:
    case DRILL_DISK_SNAPSHOTS: return RES_KIND_SNAPSHOT;
    case DRILL_INST_SECGROUPS:
    case DRILL_SG_RULES: return RES_KIND_SECGROUP;
    case DRILL_INST_HOST: return RES_KIND_HOST;
    case DRILL_HOST_INSTANCES: return RES_KIND_INSTANCE;
    case DRILL_HOST_EVENTS: return RES_KIND_EVENT;
    default: return RES_KIND_INSTANCE;
    }
}

/* ---- cells -------------------------------------------------------------------------- */

static const char *status_glyph(enum res_status s, int ascii)
{
    switch (s) {
    case RES_STATUS_ACTIVE: return ascii ? "+" : "\u25cf";       /* ● */
    case RES_STATUS_BUILD:
    case RES_STATUS_BUSY: return ascii ? "~" : "\u25d0";         /* ◐ */
    case RES_STATUS_SHUTOFF: return ascii ? "-" : "\u25cb";      /* ○ */
    case RES_STATUS_PAUSED: return ascii ? "=" : "\u2016";       /* ‖ */
    case RES_STATUS_VERIFY: return ascii ? "?" : "\u25d1";       /* ◑ */
    case RES_STATUS_ERROR: return ascii ? "!" : "\u2716";        /* ✖ */
    case RES_STATUS_MAINTENANCE: return ascii ? "M" : "\u2692";  /* ⚒ */
    case RES_STATUS_DELETED: return ascii ? "x" : "\u2715";
    default: return "?";
    }
}

static const char *status_cell(struct view *v, const struct resource *r, char *buf, size_t len)
{
    const char *word = res_status_name(r->status);

    if (r->kind == RES_KIND_TASK || r->kind == RES_KIND_AUDIT)
        word = r->raw_status != NULL ? r->raw_status : word;
    if (r->kind == RES_KIND_AUDIT)
        return res_get(r, "result");
    if (r->progress >= 0 && (r->status == RES_STATUS_BUILD || r->status == RES_STATUS_BUSY))
        snprintf(buf, len, "%s %s %d%%", status_glyph(r->status, dash_ascii(v->d)), word,
                 r->progress);
    else
        snprintf(buf, len, "%s %s", status_glyph(r->status, dash_ascii(v->d)), word);
    return buf;
}

static const char *provider_cell(struct view *v, size_t row, const struct pane_column *c,
                                 char *buf, size_t len)
{
    const struct provider_info *pi;
    size_t n = dash_providers(v->d, &pi);
    const struct provider_info *p;
    int64_t newest = 0;

    if (row >= n)
        return "";
    p = &pi[row];
    switch (c->src) {
    case COL_NAME: return p->name;
    case COL_STATUS:
        snprintf(buf, len, "%s %s",
                 p->state == PROV_STATE_CONNECTED  ? status_glyph(RES_STATUS_ACTIVE, dash_ascii(v->d))
                 : p->state == PROV_STATE_CONNECTING ? status_glyph(RES_STATUS_BUILD, dash_ascii(v->d))
                                                     : status_glyph(RES_STATUS_ERROR, dash_ascii(v->d)),
                 prov_state_name(p->state));
        return buf;
    default: break;
    }
    if (strcmp(c->field, "type") == 0)
        return p->type;
    if (strcmp(c->field, "error") == 0)
        return p->last_error;
    if (strcmp(c->field, "flags") == 0) {
        snprintf(buf, len, "%s%s%s", p->demo ? "DEMO " : "", p->read_only ? "read-only" : "",
                 !p->demo && !p->read_only ? "-" : "");
        return buf;
    }
    for (int k = 0; k < RES_KIND__COUNT; k++) {
        if (p->synced_at[k] > newest)
            newest = p->synced_at[k];
    }
    if (newest == 0)
        return "never";
    snprintf(buf, len, "%llds ago", (long long)(rt_now_ms() / 1000 - newest));
    return buf;
}

static const char *rule_cell(struct view *v, size_t row, const struct pane_column *c)
{
    const struct rule_row *r;

    if (row >= v->nrules)
        return "";
    r = &v->rules[row];
    if (strcmp(c->field, "direction") == 0)
        return r->direction;
    if (strcmp(c->field, "ethertype") == 0)
        return r->ethertype;
    if (strcmp(c->field, "protocol") == 0)
        return r->protocol;
    if (strcmp(c->field, "ports") == 0)
        return r->ports;
    if (strcmp(c->field, "remote") == 0)
        return r->remote;
    return r->id;
}

static const char *view_cell(void *ctx, size_t row, int col, char *buf, size_t len)
{
    struct view *v = ctx;
    const struct pane_column *c = &v->def->cols[col];
    const struct resource *r;

    if (v->def->src == PANE_SRC_PROVIDERS)
        return provider_cell(v, row, c, buf, len);
    if (v->def->src == PANE_SRC_RULES)
        return rule_cell(v, row, c);
    if (v->def->src == PANE_SRC_SESSIONS)
        return consoles_cell(dash_consoles(v->d), row, c->field, buf, len);
    if (row >= v->nrows)
        return "";
    r = v->rows[row];
    switch (c->src) {
    case COL_PROVIDER: return r->provider;
    case COL_ID: return r->id;
    case COL_NAME: return r->name;
    case COL_STATUS: return status_cell(v, r, buf, len);
    case COL_UPDATED: {
        char iso[32];
        rt_iso8601(r->updated_at, iso, sizeof iso);
        snprintf(buf, len, "%.8s", iso + 11);
        return buf;
    }
    case COL_SPARK:
        /* History costs a query: only for rows being drawn, never for sort/filter. */
        return dash_drawing(v->d) ? dash_spark(v->d, r, c->field) : "";
    case COL_FIELD: {
        int i = res_field_index(r->kind, c->field);
        return i < 0 ? "" : res_field_display(r, i, buf, len);
    }
    case COL_REF: {
        int i = res_field_index(r->kind, c->field);
        const char *id = i < 0 ? "" : res_field_display(r, i, buf, len);
        const struct resource *to =
            id[0] != '\0' ? fleet_find(dash_fleet(v->d), c->ref, r->provider, id) : NULL;
        return to != NULL && to->name[0] != '\0' ? to->name : id;
    }
    }
    return "";
}

static const char *view_row_key(void *ctx, size_t row, char *buf, size_t len)
{
    struct view *v = ctx;

    if (v->def->src == PANE_SRC_PROVIDERS) {
        const struct provider_info *pi;
        size_t n = dash_providers(v->d, &pi);
        return row < n ? pi[row].name : "";
    }
    if (v->def->src == PANE_SRC_RULES)
        return row < v->nrules ? v->rules[row].id : "";
    if (v->def->src == PANE_SRC_SESSIONS)
        return consoles_cell(dash_consoles(v->d), row, "id", buf, len);
    if (row >= v->nrows)
        return "";
    snprintf(buf, len, "%s\x1f%s", v->rows[row]->provider, v->rows[row]->id);
    return buf;
}

static int status_role(enum res_status s)
{
    switch (s) {
    case RES_STATUS_ACTIVE: return ROLE_STATE_ACTIVE;
    case RES_STATUS_BUILD:
    case RES_STATUS_BUSY:
    case RES_STATUS_VERIFY: return ROLE_STATE_BUILD;
    case RES_STATUS_SHUTOFF:
    case RES_STATUS_PAUSED: return ROLE_STATE_SHUTOFF;
    case RES_STATUS_ERROR: return ROLE_STATE_ERROR;
    case RES_STATUS_MAINTENANCE: return ROLE_STATE_MAINTENANCE;
    default: return ROLE_STATE_UNKNOWN;
    }
}

static int view_row_role(void *ctx, size_t row)
{
    struct view *v = ctx;

    if (v->def->src == PANE_SRC_PROVIDERS) {
        const struct provider_info *pi;
        size_t n = dash_providers(v->d, &pi);
        if (row >= n)
            return ROLE_DEFAULT;
        return pi[row].state == PROV_STATE_CONNECTED    ? ROLE_STATE_ACTIVE
               : pi[row].state == PROV_STATE_CONNECTING ? ROLE_STATE_BUILD
                                                        : ROLE_STATE_ERROR;
    }
    if (v->def->src == PANE_SRC_SESSIONS)
        return consoles_row_role(dash_consoles(v->d), row);
    if (v->def->src == PANE_SRC_RULES || row >= v->nrows)
        return ROLE_DEFAULT;
    if (v->rows[row]->kind == RES_KIND_EVENT) {
        const char *sev = res_get(v->rows[row], "severity");
        if (sev != NULL && strcmp(sev, "Warning") == 0)
            return ROLE_WARNING;
    }
    if (v->rows[row]->kind == RES_KIND_HOST) {
        const char *h = res_get(v->rows[row], "health");
        if (v->rows[row]->status == RES_STATUS_ACTIVE && h != NULL && strcmp(h, "OK") != 0)
            return ROLE_WARNING;
    }
    return status_role(v->rows[row]->status);
}

/* ---- views -------------------------------------------------------------------------- */

static struct view *view_alloc(struct dash *d, const struct pane_def *def)
{
    struct view *v = xcalloc(1, sizeof *v);
    struct table_source src = {0};
    static struct table_column cols[32][TABLE_MAX_COLUMNS];
    static const struct pane_def *owner[32];
    size_t slot = 0;

    v->d = d;
    v->def = def;
    res_list_init(&v->owned);
    /* The table borrows a plain table_column array: keep one per pane definition. */
    for (slot = 0; slot < 32 && owner[slot] != NULL && owner[slot] != def; slot++)
        ;
    RT_ASSERT(slot < 32);
    if (owner[slot] == NULL) {
        for (int i = 0; i < def->ncols; i++)
            cols[slot][i] = def->cols[i].tc;
        owner[slot] = def;
    }
    src.columns = cols[slot];
    src.ncolumns = def->ncols;
    src.cell = view_cell;
    src.row_key = view_row_key;
    src.row_role = view_row_role;
    src.ctx = v;
    v->table = table_new(&src);
    return v;
}

struct view *view_new(struct dash *d, const struct pane_def *def)
{
    struct view *v = view_alloc(d, def);

    v->title = xstrdup(def->title);
    if (def->preset != NULL)
        table_set_filter(v->table, def->preset, NULL);
    view_rebuild(v);
    return v;
}

struct view *view_new_drill(struct dash *d, const struct view *parent, const struct resource *r,
                            enum drill drill)
{
    const struct pane_def *def = NULL;
    struct view *v;

    (void)parent;
    switch (drill) {
    case DRILL_INST_DISKS: def = pane_find("disks"); break;
    case DRILL_INST_SNAPSHOTS:
    case DRILL_DISK_SNAPSHOTS: def = pane_find("snapshots"); break;
    case DRILL_INST_SECGROUPS: def = pane_find("secgroups"); break;
    case DRILL_INST_HOST: def = pane_find("hosts"); break;
    case DRILL_HOST_INSTANCES: def = pane_find("instances"); break;
    case DRILL_HOST_EVENTS: def = pane_find("events"); break;
    case DRILL_SG_RULES: def = pane_find("rules"); break;
    default: return NULL;
    }
    v = view_alloc(d, def);
    v->scope = drill;
    v->scope_provider = xstrdup(r->provider);
    /* The host drill-down looks for the instance's host, not the instance. */
    v->scope_id = xstrdup(drill == DRILL_INST_HOST && res_get(r, "host") != NULL ? res_get(r, "host")
                                                                                : r->id);
    v->scope_name = xstrdup(r->name);
    if (drill == DRILL_INST_SECGROUPS) {
        json_t *a = json_loads(res_get(r, "security_groups") ? res_get(r, "security_groups")
                                                               : "[]",
                               0, NULL);
        size_t n = json_is_array(a) ? json_array_size(a) : 0;
        v->scope_list = xcalloc(n + 1, sizeof *v->scope_list);
        for (size_t i = 0; i < n; i++) {
            json_t *s = json_array_get(a, i);
            v->scope_list[i] = xstrdup(json_is_string(s) ? json_string_value(s) : "");
        }
        json_decref(a);
    }
    if (drill == DRILL_INST_SNAPSHOTS) {
        /* Snapshots of the instance itself and of its disks. */
        json_t *a = json_loads(res_get(r, "volumes") ? res_get(r, "volumes") : "[]", 0, NULL);
        size_t n = json_is_array(a) ? json_array_size(a) : 0;
        v->scope_list = xcalloc(n + 1, sizeof *v->scope_list);
        for (size_t i = 0; i < n; i++) {
            json_t *s = json_array_get(a, i);
            v->scope_list[i] = xstrdup(json_is_string(s) ? json_string_value(s) : "");
        }
        json_decref(a);
    }
    v->title = xasprintf("%s %s", drill_title(drill), r->name);
    view_rebuild(v);
    return v;
}

static void free_rules(struct view *v)
{
    for (size_t i = 0; i < v->nrules; i++) {
        struct rule_row *r = &v->rules[i];
        free(r->id);
        free(r->direction);
        free(r->ethertype);
        free(r->protocol);
        free(r->ports);
        free(r->remote);
    }
    free(v->rules);
    v->rules = NULL;
    v->nrules = 0;
}

void view_free(struct view *v)
{
    if (v == NULL)
        return;
    table_free(v->table);
    free(v->rows);
    res_list_done(&v->owned);
    free_rules(v);
    free(v->title);
    free(v->scope_provider);
    free(v->scope_id);
    free(v->scope_name);
    for (size_t i = 0; v->scope_list != NULL && v->scope_list[i] != NULL; i++)
        free(v->scope_list[i]);
    free(v->scope_list);
    free(v);
}

static int in_list(char *const *list, const char *s)
{
    for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
        if (s != NULL && strcmp(list[i], s) == 0)
            return 1;
    }
    return 0;
}

static int eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int in_scope(const struct view *v, const struct resource *r)
{
    const char *region = dash_region(v->d);

    if (region != NULL) {
        const char *rg = r->kind == RES_KIND_ZONE || r->kind == RES_KIND_REGION ? NULL
                                                                                 : res_get(r, "region");
        const char *zone = r->kind == RES_KIND_HOST || r->kind == RES_KIND_INSTANCE ||
                                   r->kind == RES_KIND_VOLUME
                               ? res_get(r, "zone")
                               : NULL;
        if (rg != NULL && strcmp(rg, region) != 0)
            return 0;
        if (rg == NULL && zone != NULL && strncmp(zone, region, strlen(region)) != 0)
            return 0;
    }
    if (v->scope == DRILL_NONE)
        return 1;
    if (strcmp(r->provider, v->scope_provider) != 0)
        return 0;
    switch (v->scope) {
    case DRILL_INST_DISKS: return eq(res_get(r, "attached_to"), v->scope_id);
    case DRILL_INST_SNAPSHOTS:
        return eq(res_get(r, "source"), v->scope_id) || in_list(v->scope_list, res_get(r, "source"));
    case DRILL_INST_SECGROUPS: return in_list(v->scope_list, r->name);
    case DRILL_INST_HOST: return eq(r->id, v->scope_id) || eq(r->name, v->scope_id);
    case DRILL_HOST_INSTANCES:
    case DRILL_HOST_EVENTS: return eq(res_get(r, "host"), v->scope_id);
    case DRILL_DISK_SNAPSHOTS: return eq(res_get(r, "source"), v->scope_id);
    default: return 1;
    }
}

static void push_row(struct view *v, const struct resource *r)
{
    v->rows = xgrow(v->rows, &v->cap, v->nrows + 1, sizeof *v->rows);
    v->rows[v->nrows++] = r;
}

static char *json_text(json_t *o, const char *key)
{
    json_t *j = json_object_get(o, key);

    if (json_is_string(j))
        return xstrdup(json_string_value(j));
    if (json_is_integer(j))
        return xasprintf("%lld", (long long)json_integer_value(j));
    return NULL;
}

static void rebuild_rules(struct view *v)
{
    struct fleet *f = dash_fleet(v->d);
    const struct resource *sg = fleet_find(f, RES_KIND_SECGROUP, v->scope_provider, v->scope_id);
    json_t *a;
    size_t i;
    json_t *o;

    free_rules(v);
    if (sg == NULL || res_get(sg, "rules") == NULL)
        return;
    a = json_loads(res_get(sg, "rules"), 0, NULL);
    if (!json_is_array(a)) {
        json_decref(a);
        return;
    }
    v->rules = xcalloc(json_array_size(a) + 1, sizeof *v->rules);
    json_array_foreach(a, i, o)
    {
        struct rule_row *r = &v->rules[v->nrules];
        char *lo = json_text(o, "port_min"), *hi = json_text(o, "port_max");
        if (!json_is_object(o))
            continue;
        r->id = json_text(o, "id");
        r->direction = json_text(o, "direction");
        r->ethertype = json_text(o, "ethertype");
        r->protocol = json_text(o, "protocol");
        r->remote = json_text(o, "remote");
        if (lo == NULL && hi == NULL)
            r->ports = xstrdup("any");
        else if (lo != NULL && hi != NULL && strcmp(lo, hi) != 0)
            r->ports = xasprintf("%s-%s", lo, hi);
        else
            r->ports = xstrdup(lo != NULL ? lo : hi);
        if (r->id == NULL)
            r->id = xasprintf("#%zu", i);
        free(lo);
        free(hi);
        v->nrules++;
    }
    json_decref(a);
}

void view_rebuild(struct view *v)
{
    struct fleet *f = dash_fleet(v->d);
    const struct res_list *src = NULL;
    uint64_t version = 0;

    v->nrows = 0;
    switch (v->def->src) {
    case PANE_SRC_FLEET: {
        enum res_kind k = v->def->kind;
        size_t n = fleet_count(f, k);
        for (size_t i = 0; i < n; i++) {
            const struct resource *r = fleet_at(f, k, i);
            if (in_scope(v, r))
                push_row(v, r);
        }
        v->seen_version = fleet_version(f, k);
        table_set_rows(v->table, v->nrows);
        return;
    }
    case PANE_SRC_TASKS: src = dash_tasks(v->d, &version); break;
    case PANE_SRC_AUDIT: src = dash_audit(v->d, &version); break;
    case PANE_SRC_PROVIDERS: {
        const struct provider_info *pi;
        table_set_rows(v->table, dash_providers(v->d, &pi));
        return;
    }
    case PANE_SRC_SESSIONS:
        table_set_rows(v->table, consoles_count(dash_consoles(v->d)));
        return;
    case PANE_SRC_RULES:
        rebuild_rules(v);
        v->seen_version = fleet_version(f, RES_KIND_SECGROUP);
        table_set_rows(v->table, v->nrules);
        return;
    }
    for (size_t i = 0; src != NULL && i < src->len; i++)
        push_row(v, src->items[i]);
    v->seen_version = version;
    table_set_rows(v->table, v->nrows);
}

const struct resource *view_cursor_resource(const struct view *v)
{
    size_t row;

    if (v->def->src == PANE_SRC_PROVIDERS || v->def->src == PANE_SRC_RULES ||
        v->def->src == PANE_SRC_SESSIONS)
        return NULL;
    if (table_cursor_row(v->table, &row) < 0 || row >= v->nrows)
        return NULL;
    return v->rows[row];
}

const struct rule_row *view_cursor_rule(const struct view *v)
{
    size_t row;

    if (v->def->src != PANE_SRC_RULES || table_cursor_row(v->table, &row) < 0 || row >= v->nrules)
        return NULL;
    return &v->rules[row];
}

const struct resource **view_targets(const struct view *v, size_t *n)
{
    size_t nm = 0, *marked;
    const struct resource **out;
    const struct resource *cur;

    *n = 0;
    if (v->def->src != PANE_SRC_FLEET)
        return NULL;
    marked = table_marked_rows(v->table, &nm);
    if (marked != NULL && nm > 0) {
        out = xcalloc(nm, sizeof *out);
        for (size_t i = 0; i < nm; i++) {
            if (marked[i] < v->nrows)
                out[(*n)++] = v->rows[marked[i]];
        }
        free(marked);
        return out;
    }
    free(marked);
    cur = view_cursor_resource(v);
    if (cur == NULL)
        return NULL;
    out = xcalloc(1, sizeof *out);
    out[0] = cur;
    *n = 1;
    return out;
}
