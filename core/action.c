/*
 * action.c - the table of action verbs and parameter validation.
 *
 * The table index of an action is its bit in a provider's capability mask,
 * so rows may be appended but never reordered once released (the store's
 * task journal records verbs by name, not by index, so reordering is only a
 * compatibility concern for in-memory masks).
 */
#include "action.h"

#include "err.h"
#include "util.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define K(k) RT_KIND_BIT(RES_KIND_##k)

static const struct param_def p_none[] = {{NULL}};

static const struct param_def p_inst_create[] = {
    {"flavor", PARAM_STR, 1, NULL, "flavor name or id"},
    {"image", PARAM_STR, 1, NULL, "image name or id, or volume:ID to boot from a volume"},
    {"type", PARAM_ENUM, 0, "vm|baremetal", "instance type (default from the flavor)"},
    {"region", PARAM_STR, 0, NULL, "region"},
    {"zone", PARAM_STR, 0, NULL, "availability zone"},
    {"network", PARAM_STR, 0, NULL,
     "network names or ids and port:ID, comma-separated; or auto or none"},
    {"secgroups", PARAM_STR, 0, NULL, "comma-separated security group names"},
    {"keypair", PARAM_STR, 0, NULL, "key pair name"},
    {"server_group", PARAM_STR, 0, NULL, "server group name"},
    {"count", PARAM_INT, 0, NULL, "how many (names get -1, -2, ...)"},
    {"user_data", PARAM_STR, 0, NULL, "cloud-init user data"},
    {NULL}};
static const struct param_def p_rebuild[] = {
    {"image", PARAM_STR, 0, NULL, "image to rebuild from (default: current)"}, {NULL}};
static const struct param_def p_resize[] = {
    {"flavor", PARAM_STR, 1, NULL, "new flavor name or id"}, {NULL}};
static const struct param_def p_named[] = {
    {"name", PARAM_STR, 1, NULL, "name of the new snapshot or image"}, {NULL}};
static const struct param_def p_migrate[] = {
    {"host", PARAM_STR, 0, NULL, "target host (default: scheduler's choice)"}, {NULL}};
static const struct param_def p_maint[] = {
    {"reason", PARAM_STR, 0, NULL, "why"}, {NULL}};
static const struct param_def p_provision[] = {
    {"image", PARAM_STR, 1, NULL, "image name, id or URL"},
    {"name", PARAM_STR, 0, NULL, "name of the resulting instance"},
    {NULL}};
static const struct param_def p_vol_create[] = {
    {"size_gb", PARAM_INT, 1, NULL, "size, GiB"},
    {"region", PARAM_STR, 0, NULL, "region"},
    {"zone", PARAM_STR, 0, NULL, "availability zone"},
    {"volume_type", PARAM_STR, 0, NULL, "volume type"},
    {"image", PARAM_STR, 0, NULL, "create from this image"},
    {"snapshot", PARAM_STR, 0, NULL, "create from this snapshot"},
    {NULL}};
static const struct param_def p_attach[] = {
    {"instance", PARAM_STR, 1, NULL, "instance name or id"}, {NULL}};
static const struct param_def p_detach_sg[] = {
    {"instance", PARAM_STR, 1, NULL, "instance name or id"}, {NULL}};
static const struct param_def p_extend[] = {
    {"size_gb", PARAM_INT, 1, NULL, "new size, GiB (larger than now)"}, {NULL}};
static const struct param_def p_revert[] = {
    {"snapshot", PARAM_STR, 1, NULL, "snapshot name or id"}, {NULL}};
static const struct param_def p_sg_create[] = {
    {"description", PARAM_STR, 0, NULL, "free text"},
    {"region", PARAM_STR, 0, NULL, "region"},
    {NULL}};
static const struct param_def p_add_rule[] = {
    {"direction", PARAM_ENUM, 1, "ingress|egress", "traffic direction"},
    {"protocol", PARAM_ENUM, 1, "tcp|udp|icmp|any", "IP protocol"},
    {"port", PARAM_PORT, 0, NULL, "port or range, e.g. 443 or 8000-8080 (tcp/udp)"},
    {"remote", PARAM_CIDR, 0, NULL, "remote CIDR (default 0.0.0.0/0)"},
    {"ethertype", PARAM_ENUM, 0, "IPv4|IPv6", "ether type (default from remote)"},
    {"remote_group", PARAM_STR, 0, NULL, "remote security group name or id (instead of remote)"},
    {NULL}};
static const struct param_def p_remove_rule[] = {
    {"rule", PARAM_STR, 1, NULL, "rule id"}, {NULL}};

static const struct param_def p_boot[] = {
    {"target", PARAM_ENUM, 1, "Pxe|Cd|Hdd|UefiHttp|BiosSetup|Usb|None", "boot source"},
    {"mode", PARAM_ENUM, 0, "once|continuous", "how long it applies (default once)"},
    {"uefi", PARAM_BOOL, 0, NULL, "UEFI (true) or legacy BIOS (false) boot; default unchanged"},
    {NULL}};
static const struct param_def p_clone[] = {
    {"name", PARAM_STR, 1, NULL, "name of the new instance"}, {NULL}};
static const struct param_def p_inst_delete[] = {
    {"storage", PARAM_BOOL, 0, NULL, "libvirt: also delete its disks (default false)"}, {NULL}};
static const struct param_def p_locate[] = {
    {"state", PARAM_ENUM, 1, "on|off|blink", "indicator LED state"}, {NULL}};
static const struct param_def p_clean[] = {
    {"steps", PARAM_STR, 0, NULL,
     "manual clean steps: interface.step[,interface.step...] or a JSON list of step objects "
     "(default deploy.erase_devices_metadata)"},
    {"disable_ramdisk", PARAM_BOOL, 0, NULL, "run the steps without booting the agent ramdisk"},
    {NULL}};
static const struct param_def p_fip_create[] = {
    {"address", PARAM_STR, 0, NULL, "the floating address to ask for (default: any free one)"},
    {"description", PARAM_STR, 0, NULL, "free text"},
    {NULL}};
static const struct param_def p_fip_associate[] = {
    {"instance", PARAM_STR, 1, NULL, "instance name or id (its port gets the address)"},
    {"port", PARAM_STR, 0, NULL, "port id, when the instance has several (default: its first)"},
    {NULL}};

static const struct action_def actions[] = {
    /* instances */
    {"create", RES_KIND_INSTANCE, ACTION_CREATES, K(INSTANCE) | K(VOLUME) | K(HOST),
     p_inst_create, "create an instance (VM or bare metal)"},
    {"start", RES_KIND_INSTANCE, 0, K(INSTANCE), p_none, "power on"},
    {"stop", RES_KIND_INSTANCE, 0, K(INSTANCE), p_none, "shut down gracefully"},
    {"reboot", RES_KIND_INSTANCE, 0, K(INSTANCE), p_none, "soft reboot"},
    {"hard-reboot", RES_KIND_INSTANCE, 0, K(INSTANCE), p_none, "hard reboot (power cycle)"},
    {"delete", RES_KIND_INSTANCE, ACTION_DESTRUCTIVE, K(INSTANCE) | K(VOLUME) | K(HOST),
     p_inst_delete, "delete the instance"},
    {"rebuild", RES_KIND_INSTANCE, ACTION_DESTRUCTIVE, K(INSTANCE), p_rebuild,
     "reinstall from an image, erasing the root disk"},
    {"resize", RES_KIND_INSTANCE, 0, K(INSTANCE) | K(HOST), p_resize, "change the flavor"},
    {"confirm-resize", RES_KIND_INSTANCE, 0, K(INSTANCE), p_none, "confirm a resize"},
    {"revert-resize", RES_KIND_INSTANCE, 0, K(INSTANCE), p_none, "revert a resize"},
    {"snapshot", RES_KIND_INSTANCE, 0, K(SNAPSHOT), p_named, "snapshot the instance"},
    {"image", RES_KIND_INSTANCE, 0, K(IMAGE), p_named, "create a whole-machine image"},
    {"migrate", RES_KIND_INSTANCE, 0, K(INSTANCE) | K(HOST), p_migrate, "cold migrate"},
    {"live-migrate", RES_KIND_INSTANCE, 0, K(INSTANCE) | K(HOST), p_migrate, "live migrate"},
    {"evacuate", RES_KIND_INSTANCE, ACTION_DESTRUCTIVE, K(INSTANCE) | K(HOST), p_migrate,
     "rebuild on another host after its host failed"},
    {"lock", RES_KIND_INSTANCE, 0, K(INSTANCE), p_none, "lock against changes"},
    {"unlock", RES_KIND_INSTANCE, 0, K(INSTANCE), p_none, "unlock"},
    /* hosts */
    {"power-on", RES_KIND_HOST, 0, K(HOST) | K(INSTANCE), p_none, "power the host on"},
    {"power-off", RES_KIND_HOST, ACTION_DESTRUCTIVE, K(HOST) | K(INSTANCE), p_none,
     "power the host off (hard)"},
    {"power-cycle", RES_KIND_HOST, ACTION_DESTRUCTIVE, K(HOST) | K(INSTANCE), p_none,
     "power cycle the host"},
    {"manage", RES_KIND_HOST, 0, K(HOST), p_none, "bare metal: enroll -> manageable"},
    {"provide", RES_KIND_HOST, 0, K(HOST), p_none, "bare metal: manageable -> available"},
    {"provision", RES_KIND_HOST, 0, K(HOST) | K(INSTANCE), p_provision,
     "bare metal: deploy an image"},
    {"undeploy", RES_KIND_HOST, ACTION_DESTRUCTIVE, K(HOST) | K(INSTANCE), p_none,
     "bare metal: tear down the deployed instance"},
    {"maintenance-on", RES_KIND_HOST, 0, K(HOST), p_maint, "put in maintenance"},
    {"maintenance-off", RES_KIND_HOST, 0, K(HOST), p_none, "take out of maintenance"},
    /* volumes */
    {"create", RES_KIND_VOLUME, ACTION_CREATES, K(VOLUME), p_vol_create, "create a volume"},
    {"attach", RES_KIND_VOLUME, 0, K(VOLUME) | K(INSTANCE), p_attach, "attach to an instance"},
    {"detach", RES_KIND_VOLUME, 0, K(VOLUME) | K(INSTANCE), p_none, "detach from its instance"},
    {"extend", RES_KIND_VOLUME, 0, K(VOLUME), p_extend, "grow the volume"},
    {"delete", RES_KIND_VOLUME, ACTION_DESTRUCTIVE, K(VOLUME) | K(SNAPSHOT), p_none,
     "delete the volume"},
    {"snapshot", RES_KIND_VOLUME, 0, K(SNAPSHOT), p_named, "snapshot the volume"},
    {"revert", RES_KIND_VOLUME, ACTION_DESTRUCTIVE, K(VOLUME), p_revert,
     "revert the volume to a snapshot"},
    /* snapshots */
    {"delete", RES_KIND_SNAPSHOT, ACTION_DESTRUCTIVE, K(SNAPSHOT), p_none, "delete the snapshot"},
    {"restore", RES_KIND_SNAPSHOT, ACTION_DESTRUCTIVE, K(VOLUME) | K(INSTANCE) | K(SNAPSHOT),
     p_none, "restore its source to this snapshot"},
    /* security groups */
    {"create", RES_KIND_SECGROUP, ACTION_CREATES, K(SECGROUP), p_sg_create,
     "create a security group"},
    {"delete", RES_KIND_SECGROUP, ACTION_DESTRUCTIVE, K(SECGROUP), p_none,
     "delete the security group"},
    {"add-rule", RES_KIND_SECGROUP, 0, K(SECGROUP), p_add_rule, "add a rule"},
    {"remove-rule", RES_KIND_SECGROUP, 0, K(SECGROUP), p_remove_rule, "remove a rule"},
    {"attach", RES_KIND_SECGROUP, 0, K(SECGROUP) | K(INSTANCE), p_attach,
     "add the group to an instance"},
    {"detach", RES_KIND_SECGROUP, 0, K(SECGROUP) | K(INSTANCE), p_detach_sg,
     "remove the group from an instance"},
    /* hosts, appended later (bare metal through a BMC) */
    {"boot", RES_KIND_HOST, 0, K(HOST), p_boot,
     "set the boot override (target Pxe, Cd, Hdd, UefiHttp, BiosSetup, None)"},
    {"clear-sel", RES_KIND_HOST, ACTION_DESTRUCTIVE, K(HOST), p_none,
     "clear the system event log"},
    {"locate", RES_KIND_HOST, 0, K(HOST), p_locate,
     "indicator LED on, off or blink (find the server in the rack)"},
    {"shutdown", RES_KIND_HOST, ACTION_DESTRUCTIVE, K(HOST) | K(INSTANCE), p_none,
     "graceful OS shutdown"},
    {"restart", RES_KIND_HOST, ACTION_DESTRUCTIVE, K(HOST) | K(INSTANCE), p_none,
     "graceful OS restart"},
    {"nmi", RES_KIND_HOST, ACTION_DESTRUCTIVE, K(HOST), p_none,
     "send a non-maskable interrupt (diagnostic dump)"},
    /* instances, appended later (libvirt) */
    {"suspend", RES_KIND_INSTANCE, 0, K(INSTANCE), p_none, "pause the VM (keeps its memory)"},
    {"resume", RES_KIND_INSTANCE, 0, K(INSTANCE), p_none, "resume a paused VM"},
    {"force-off", RES_KIND_INSTANCE, ACTION_DESTRUCTIVE, K(INSTANCE), p_none,
     "power off at once, without asking the guest"},
    {"clone", RES_KIND_INSTANCE, 0, K(INSTANCE) | K(VOLUME), p_clone,
     "copy a shut-off VM and its disks to a new VM on the same host"},
    /* hosts, appended later (bare-metal provision verbs) */
    {"inspect", RES_KIND_HOST, 0, K(HOST), p_none,
     "bare metal: discover the hardware (manageable -> inspecting -> manageable)"},
    {"clean", RES_KIND_HOST, ACTION_DESTRUCTIVE, K(HOST), p_clean,
     "bare metal: manual cleaning with the given steps (manageable -> cleaning -> manageable)"},
    {"abort", RES_KIND_HOST, 0, K(HOST), p_none,
     "bare metal: abort the running inspection, cleaning or rescue (a *wait state)"},
    {"rebuild", RES_KIND_HOST, ACTION_DESTRUCTIVE, K(HOST) | K(INSTANCE), p_none,
     "bare metal: redeploy the deployed image (active -> deploying -> active)"},
    /* floating IPs and ports, appended later (Neutron) */
    {"create", RES_KIND_FLOATINGIP, ACTION_CREATES, K(FLOATINGIP), p_fip_create,
     "allocate a floating IP; the target names the external network (pool) it comes from",
     "pool"},
    {"associate", RES_KIND_FLOATINGIP, 0, K(FLOATINGIP) | K(PORT) | K(INSTANCE), p_fip_associate,
     "map the floating IP to an instance (through its port)"},
    {"disassociate", RES_KIND_FLOATINGIP, 0, K(FLOATINGIP) | K(PORT) | K(INSTANCE), p_none,
     "unmap the floating IP from its port"},
    {"delete", RES_KIND_FLOATINGIP, ACTION_DESTRUCTIVE, K(FLOATINGIP) | K(INSTANCE), p_none,
     "release the floating IP"},
    {"delete", RES_KIND_PORT, ACTION_DESTRUCTIVE, K(PORT) | K(FLOATINGIP) | K(INSTANCE), p_none,
     "delete the port"},
};

_Static_assert(sizeof actions / sizeof actions[0] <= RT_ACTION_MAX, "too many actions for a mask");

const struct action_def *action_table(size_t *n)
{
    *n = sizeof actions / sizeof actions[0];
    return actions;
}

const struct action_def *action_find(enum res_kind k, const char *verb)
{
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        if (actions[i].kind == k && strcmp(actions[i].verb, verb) == 0)
            return &actions[i];
    }
    return NULL;
}

int action_index(const struct action_def *a)
{
    return (int)(a - actions);
}

uint64_t action_mask_kind(enum res_kind k)
{
    uint64_t m = 0;

    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        if (actions[i].kind == k)
            m |= 1ULL << i;
    }
    return m;
}

uint64_t action_mask_all(void)
{
    size_t n = sizeof actions / sizeof actions[0];

    return n == 64 ? ~0ULL : (1ULL << n) - 1;
}

int action_verb_known(const char *verb)
{
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        if (strcmp(actions[i].verb, verb) == 0)
            return 1;
    }
    return 0;
}

void params_set(struct params *p, const char *key, const char *value)
{
    for (size_t i = 0; i < p->len; i++) {
        if (strcmp(p->items[i].key, key) == 0) {
            free(p->items[i].value);
            p->items[i].value = xstrdup(value);
            return;
        }
    }
    p->items = xgrow(p->items, &p->cap, p->len + 1, sizeof *p->items);
    p->items[p->len].key = xstrdup(key);
    p->items[p->len].value = xstrdup(value);
    p->len++;
}

int params_parse_kv(struct params *p, const char *word, struct rt_error *err)
{
    const char *eq = strchr(word, '=');
    char *key;

    if (eq == NULL || eq == word)
        return rt_err_set(err, RT_ERR_ARG, 0, "parameter '%s' is not of the form key=value", word);
    key = xstrndup(word, (size_t)(eq - word));
    for (const char *c = key; *c != '\0'; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-')) {
            rt_err_set(err, RT_ERR_ARG, 0, "parameter name '%s' has a bad character", key);
            free(key);
            return -1;
        }
    }
    params_set(p, key, eq + 1);
    free(key);
    return 0;
}

const char *params_get(const struct params *p, const char *key)
{
    if (p == NULL)
        return NULL;
    for (size_t i = 0; i < p->len; i++) {
        if (strcmp(p->items[i].key, key) == 0)
            return p->items[i].value;
    }
    return NULL;
}

long long params_get_int(const struct params *p, const char *key, long long dflt)
{
    const char *v = params_get(p, key);
    long long x;

    return v != NULL && rt_parse_int(v, &x) == 0 ? x : dflt;
}

static int parse_bool(const char *v)
{
    if (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 || strcmp(v, "1") == 0 ||
        strcasecmp(v, "on") == 0)
        return 1;
    if (strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0 || strcmp(v, "0") == 0 ||
        strcasecmp(v, "off") == 0)
        return 0;
    return -1;
}

int params_get_bool(const struct params *p, const char *key, int dflt)
{
    const char *v = params_get(p, key);
    int b;

    if (v == NULL)
        return dflt;
    b = parse_bool(v);
    return b < 0 ? dflt : b;
}

void params_copy(struct params *dst, const struct params *src)
{
    for (size_t i = 0; src != NULL && i < src->len; i++)
        params_set(dst, src->items[i].key, src->items[i].value);
}

void params_done(struct params *p)
{
    for (size_t i = 0; i < p->len; i++) {
        free(p->items[i].key);
        free(p->items[i].value);
    }
    free(p->items);
    p->items = NULL;
    p->len = p->cap = 0;
}

char *params_to_json(const struct params *p)
{
    json_t *o = json_object();
    char *s;

    for (size_t i = 0; p != NULL && i < p->len; i++)
        json_object_set_new(o, p->items[i].key, json_string(p->items[i].value));
    s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_SORT_KEYS);
    json_decref(o);
    if (s == NULL)
        rt_fatal("out of memory encoding parameters");
    return s;
}

int params_from_json(struct params *p, const char *json, struct rt_error *err)
{
    json_t *o = json_loads(json != NULL ? json : "{}", 0, NULL);
    const char *k;
    json_t *v;

    if (!json_is_object(o)) {
        json_decref(o);
        return rt_err_set(err, RT_ERR_PARSE, 0, "parameters are not a JSON object");
    }
    json_object_foreach(o, k, v)
    {
        if (json_is_string(v))
            params_set(p, k, json_string_value(v));
    }
    json_decref(o);
    return 0;
}

int param_parse_port(const char *s, int *lo, int *hi)
{
    long long a, b;
    const char *dash;

    if (strcasecmp(s, "any") == 0) {
        *lo = 1, *hi = 65535;
        return 0;
    }
    dash = strchr(s, '-');
    if (dash == NULL) {
        if (rt_parse_int(s, &a) < 0 || a < 1 || a > 65535)
            return -1;
        *lo = *hi = (int)a;
        return 0;
    }
    {
        char *first = xstrndup(s, (size_t)(dash - s));
        int rc = rt_parse_int(first, &a);
        free(first);
        if (rc < 0 || rt_parse_int(dash + 1, &b) < 0 || a < 1 || b > 65535 || a > b)
            return -1;
    }
    *lo = (int)a, *hi = (int)b;
    return 0;
}

int param_valid_cidr(const char *s)
{
    const char *slash = strchr(s, '/');
    char addr[64];
    unsigned char buf[16];
    long long bits;
    int v6;

    if (slash == NULL || (size_t)(slash - s) >= sizeof addr)
        return 0;
    memcpy(addr, s, (size_t)(slash - s));
    addr[slash - s] = '\0';
    v6 = strchr(addr, ':') != NULL;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, buf) != 1)
        return 0;
    if (rt_parse_int(slash + 1, &bits) < 0 || bits < 0 || bits > (v6 ? 128 : 32))
        return 0;
    return 1;
}

static int enum_has(const char *choices, const char *v)
{
    size_t n = strlen(v);

    for (const char *c = choices; c != NULL && *c != '\0';) {
        const char *bar = strchr(c, '|');
        size_t len = bar != NULL ? (size_t)(bar - c) : strlen(c);
        if (len == n && strncmp(c, v, n) == 0)
            return 1;
        c = bar != NULL ? bar + 1 : NULL;
    }
    return 0;
}

int action_validate(const struct action_def *a, const struct params *p, struct rt_error *err)
{
    for (size_t i = 0; p != NULL && i < p->len; i++) {
        const struct param_def *d = NULL;
        const char *v = p->items[i].value;
        long long x;
        int lo, hi;

        for (const struct param_def *q = a->params; q->name != NULL; q++) {
            if (strcmp(q->name, p->items[i].key) == 0)
                d = q;
        }
        if (d == NULL)
            return rt_err_set(err, RT_ERR_ARG, 0, "action '%s' on %s takes no parameter '%s'",
                              a->verb, res_kind_name(a->kind), p->items[i].key);
        switch (d->type) {
        case PARAM_STR:
            if (v[0] == '\0' && d->required)
                return rt_err_set(err, RT_ERR_ARG, 0, "parameter '%s' must not be empty", d->name);
            break;
        case PARAM_INT:
            if (rt_parse_int(v, &x) < 0 || x < 0)
                return rt_err_set(err, RT_ERR_ARG, 0,
                                  "parameter '%s' must be a non-negative integer (got '%s')",
                                  d->name, v);
            break;
        case PARAM_BOOL:
            if (parse_bool(v) < 0)
                return rt_err_set(err, RT_ERR_ARG, 0,
                                  "parameter '%s' must be true or false (got '%s')", d->name, v);
            break;
        case PARAM_PORT:
            if (param_parse_port(v, &lo, &hi) < 0)
                return rt_err_set(err, RT_ERR_ARG, 0,
                                  "parameter '%s' must be a port 1-65535, a range like 8000-8080 "
                                  "or 'any' (got '%s')",
                                  d->name, v);
            break;
        case PARAM_CIDR:
            if (!param_valid_cidr(v))
                return rt_err_set(err, RT_ERR_ARG, 0,
                                  "parameter '%s' must be a CIDR like 10.0.0.0/8 (got '%s')",
                                  d->name, v);
            break;
        case PARAM_ENUM:
            if (!enum_has(d->choices, v))
                return rt_err_set(err, RT_ERR_ARG, 0, "parameter '%s' must be one of %s (got '%s')",
                                  d->name, d->choices, v);
            break;
        }
    }
    for (const struct param_def *q = a->params; q->name != NULL; q++) {
        if (q->required && params_get(p, q->name) == NULL)
            return rt_err_set(err, RT_ERR_ARG, 0, "action '%s' on %s needs parameter '%s=' (%s)",
                              a->verb, res_kind_name(a->kind), q->name, q->help);
    }
    return 0;
}
