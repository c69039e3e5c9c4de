/*
 * openstack_map.c - OpenStack JSON -> racktop resources.
 *
 * Pure functions over jansson values (borrowed; nothing is kept): one per
 * backend object (Nova server, flavor, hypervisor, keypair, server group,
 * availability zone; Ironic node; Cinder volume and snapshot; Neutron
 * security group, port, floating IP and network; Glance image).
 * The big listings (servers, nodes) build
 * only the members their mapper reads (os_server_keys, os_node_keys, next
 * to the mapper): a mapper that reads a new member must name it there, or
 * listings will not see it (test_openstack.c maps each sample both ways).  They accept every microversion the
 * provider negotiates: older shapes (flavor by id, server group `policies`)
 * and newer ones (embedded flavor, `policy`) both map.  Strings are copied
 * as data; the views sanitise them before they reach a terminal.
 */
#include "openstack_priv.h"

#include "core/err.h"
#include "core/jscan.h"
#include "core/model.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *js(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int two(const char *p)
{
    return (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9') ? (p[0] - '0') * 10 + p[1] - '0'
                                                                     : -1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/*
 * The common shape "YYYY-MM-DDTHH:MM:SS" (fraction, "Z" or an offset may follow) without
 * sscanf() and timegm(): they were a tenth of mapping a server.  -1 when the text has
 * another shape (os_parse_time() then takes the general path).
 */
static int64_t fast_time(const char *s)
{
    int y1, y2, mo, d, h, mi, se;
    const char *p = s + 19;
    int64_t t;

    if (strlen(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':')
        return -1;
    y1 = two(s);
    y2 = two(s + 2);
    mo = two(s + 5);
    d = two(s + 8);
    h = two(s + 11);
    mi = two(s + 14);
    se = two(s + 17);
    if (y1 < 0 || y2 < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
        mi < 0 || mi > 59 || se < 0 || se > 60)
        return -1;
    t = days_from_civil(y1 * 100 + y2, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    if (*p == '\0' || *p == 'Z')
        return t;
    if ((*p == '+' || *p == '-') && strlen(p) >= 6 && two(p + 1) >= 0 && p[3] == ':' &&
        two(p + 4) >= 0)
        return t - (*p == '+' ? 1 : -1) * (int64_t)(two(p + 1) * 3600 + two(p + 4) * 60);
    return -1;
}

int64_t os_parse_time(const char *s)
{
    struct tm tm = {0};
    int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
    const char *p;
    int64_t t;

    if (s == NULL)
        return 0;
    if ((t = fast_time(s)) >= 0)
        return t;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
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

/* A JSON integer, a real (cut) or a string holding a whole integer, into *out; 0 when v is
 * none of these. */
static int json_int_of(json_t *v, long long *out)
{
    if (json_is_integer(v)) {
        *out = (long long)json_integer_value(v);
        return 1;
    }
    if (json_is_real(v)) {
        *out = (long long)json_real_value(v);
        return 1;
    }
    if (json_is_string(v)) {
        char *end;
        long long n = strtoll(json_string_value(v), &end, 10);
        if (end != json_string_value(v) && *end == '\0') {
            *out = n;
            return 1;
        }
    }
    return 0;
}

/* A JSON boolean, or a string ("true" in any case is true, anything else false). */
static int json_bool_of(json_t *v, int *out)
{
    if (json_is_boolean(v))
        *out = json_is_true(v);
    else if (json_is_string(v))
        *out = strcasecmp(json_string_value(v), "true") == 0;
    else
        return 0;
    return 1;
}

static void set_int_json(struct resource *r, const char *field, json_t *v)
{
    long long n;

    if (json_int_of(v, &n))
        res_set_int(r, field, n);
}

static void set_bool_json(struct resource *r, const char *field, json_t *v)
{
    int b;

    if (json_bool_of(v, &b))
        res_set_bool(r, field, b);
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

static const char *power_name(long long v)
{
    switch (v) {
    case 0: return "nostate";
    case 1: return "running";
    case 3: return "paused";
    case 4: return "shutdown";
    case 6: return "crashed";
    case 7: return "suspended";
    default: return NULL;
    }
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

/* ---- Nova servers, mapped from their text --------------------------------------------------
 *
 * A listing of 10 000 servers is 20 MB of JSON; building a jansson tree of it (or even of
 * the fifth the mapping reads) cost most of a cold listing in allocations.  Servers are
 * therefore mapped from the spans of their members (core/jscan.c): one checking pass over
 * the page finds the members named in os_server_keys, and only strings that end up in the
 * row are copied.  os_map_server() on a jansson value (a single GET) goes through the same
 * code via its text, so there is one mapping.  The nested members (flavor, image,
 * addresses, volumes, groups) are read again from text already checked, with trusted
 * cursors (jscan_init_trusted()): bracket and quote counting, not a second check.
 */

/* The members read, in the order of enum os_server_key. */
const char *const os_server_keys[] = {
    "id", "name", "status", "updated", "created", "OS-EXT-STS:task_state",
    "OS-EXT-STS:vm_state", "OS-EXT-STS:power_state", "OS-EXT-SRV-ATTR:hypervisor_hostname",
    "OS-EXT-SRV-ATTR:host", "OS-EXT-AZ:availability_zone", "flavor", "image", "addresses",
    "os-extended-volumes:volumes_attached", "security_groups", "key_name", "server_groups",
    "locked", "fault", "progress", NULL,
};

_Static_assert(sizeof os_server_keys / sizeof os_server_keys[0] == OS_SK__COUNT + 1,
               "os_server_keys and enum os_server_key disagree");

/* First byte of a present value ('"', '{', '[', 't', 'f', 'n', or a number's), else 0. */
static char sp_kind(const char *t, struct jscan_span v)
{
    return jscan_has(v) ? t[v.start] : '\0';
}

/* 1 when the value is the string `want`. */
static int sp_eq(const char *t, struct jscan_span v, const char *want)
{
    struct jscan c;

    if (sp_kind(t, v) != '"')
        return 0;
    jscan_init_trusted(&c, t, v.end);
    return jscan_key_is(&c, v, want);
}

/* The decoded string in buf when it fits, else a new one left in *heap (the caller frees
 * it); NULL when absent or not a string. */
static const char *sp_str(const char *t, struct jscan_span v, char *buf, size_t size,
                          char **heap)
{
    const char *s = jscan_strcpy(t, v, buf, size);

    if (s == NULL && sp_kind(t, v) == '"')
        s = *heap = jscan_strdup(t, v);
    return s;
}

static int sp_is_int(const char *t, struct jscan_span v)
{
    char k = sp_kind(t, v);

    if (k != '-' && (k < '0' || k > '9'))
        return 0;
    for (size_t i = v.start; i < v.end; i++) {
        if (t[i] == '.' || t[i] == 'e' || t[i] == 'E')
            return 0;
    }
    return 1;
}

/* A JSON integer (json_is_integer()) into *out. */
static int sp_int(const char *t, struct jscan_span v, long long *out)
{
    char buf[32];

    if (!sp_is_int(t, v) || v.end - v.start >= sizeof buf)
        return 0;
    memcpy(buf, t + v.start, v.end - v.start);
    buf[v.end - v.start] = '\0';
    *out = strtoll(buf, NULL, 10);
    return 1;
}

/* The member names the mapper looks up in a server's nested objects, prepared once in the
 * process and shared, read-only, by every thread (jscan_keys_init() per object was a tenth
 * of the cost of mapping one). */
enum sp_keyset { SP_KS_FLAVOR, SP_KS_ID, SP_KS_NAME, SP_KS_MSG, SP_KS_ADDR, SP_KS__COUNT };
static const char *const sp_fl_keys[] = {"original_name", "vcpus", "ram", "id", NULL};
static const char *const sp_id_key[] = {"id", NULL};
static const char *const sp_name_key[] = {"name", NULL};
static const char *const sp_msg_key[] = {"message", NULL};
static const char *const sp_addr_keys[] = {"addr", "OS-EXT-IPS:type", NULL};
static struct jscan_keys sp_keysets[SP_KS__COUNT];
static pthread_once_t sp_keysets_once = PTHREAD_ONCE_INIT;

/* The instance fields the mapper sets, by schema index (looked up once, with the keys). */
static struct {
    int type, region, zone, host, flavor, vcpus, ram_mb, image, addresses, volumes, secgroups,
        keypair, server_group, vm_state, task_state, power_state, locked, created_at, fault;
} sf;

static int instance_field(const char *name)
{
    int i = res_field_index(RES_KIND_INSTANCE, name);

    if (i < 0)
        rt_fatal("no field '%s' in kind 'instance'", name);
    return i;
}

static void sp_keysets_init(void)
{
    static const char *const *const sets[SP_KS__COUNT] = {
        [SP_KS_FLAVOR] = sp_fl_keys, [SP_KS_ID] = sp_id_key, [SP_KS_NAME] = sp_name_key,
        [SP_KS_MSG] = sp_msg_key, [SP_KS_ADDR] = sp_addr_keys};

    for (size_t i = 0; i < SP_KS__COUNT; i++)
        jscan_keys_init(&sp_keysets[i], sets[i]);
    sf.type = instance_field("type");
    sf.region = instance_field("region");
    sf.zone = instance_field("zone");
    sf.host = instance_field("host");
    sf.flavor = instance_field("flavor");
    sf.vcpus = instance_field("vcpus");
    sf.ram_mb = instance_field("ram_mb");
    sf.image = instance_field("image");
    sf.addresses = instance_field("addresses");
    sf.volumes = instance_field("volumes");
    sf.secgroups = instance_field("security_groups");
    sf.keypair = instance_field("keypair");
    sf.server_group = instance_field("server_group");
    sf.vm_state = instance_field("vm_state");
    sf.task_state = instance_field("task_state");
    sf.power_state = instance_field("power_state");
    sf.locked = instance_field("locked");
    sf.created_at = instance_field("created_at");
    sf.fault = instance_field("fault");
}

/* The members of key set `set` of the object at span obj (checked before); all absent if
 * it is not one. */
static void sp_fields(const char *t, struct jscan_span obj, enum sp_keyset set,
                      struct jscan_span *vals)
{
    const struct jscan_keys *ks = &sp_keysets[set];
    struct jscan c;
    struct jscan_error e;

    pthread_once(&sp_keysets_once, sp_keysets_init);
    jscan_init_trusted(&c, t, obj.end);
    c.pos = obj.start;
    if (sp_kind(t, obj) != '{' || jscan_fields_set(&c, ks, vals, NULL, &e) < 0) {
        for (size_t i = 0; i < ks->n; i++)
            vals[i].start = vals[i].end = 0;
    }
}

/* The item at cursor c (in an array, checked before): its span in *it and, when it is an
 * object, its members of key set `set` in vals (else all absent).  The cursor moves past
 * it, an object walked once.  0, or -1 when it cannot. */
static int sp_item(struct jscan *c, enum sp_keyset set, struct jscan_span *it,
                   struct jscan_span *vals)
{
    const struct jscan_keys *ks = &sp_keysets[set];
    struct jscan_error e;

    pthread_once(&sp_keysets_once, sp_keysets_init);
    if (jscan_peek(c) == JSCAN_TYPE_OBJECT)
        return jscan_fields_set(c, ks, vals, it, &e);
    for (size_t i = 0; i < ks->n; i++)
        vals[i].start = vals[i].end = 0;
    return jscan_skip(c, it, NULL);
}

/* A cursor inside the array or object at span v (checked before); -1 if it is neither. */
static int sp_enter(struct jscan *c, const char *t, struct jscan_span v, char kind)
{
    if (sp_kind(t, v) != kind)
        return -1;
    jscan_init_trusted(c, t, v.end);
    c->pos = v.start;
    return jscan_enter(c, NULL);
}

/*
 * The row is built in one piece (struct res_build, core/model.h): each value goes
 * straight from the page's text into the builder's buffer, decoded there, and the row
 * is two allocations where res_set() took one per string (~27 a server, most of the
 * mapping's time in malloc).
 */

/* Decode the string at span v into the slot; 0 (nothing set) when v is absent or not a
 * string, or when it is empty and keep_empty is 0 (set_str()'s rule). */
static int bd_str(struct res_build *b, int slot, const char *t, struct jscan_span v,
                  int keep_empty)
{
    size_t mark, room = v.end - v.start, n;
    struct strbuf *o;

    if (sp_kind(t, v) != '"')
        return 0;
    o = res_build_open(b, &mark);
    strbuf_reserve(o, room);
    if (jscan_strcpy_n(t, v, o->buf + o->len, room, &n) == NULL)
        return 0;
    if (n == 0 && !keep_empty)
        return 0;
    o->len += n;
    res_build_close(b, slot, mark);
    return 1;
}

/* A C string (set_str()'s rule: not NULL, not empty). */
static void bd_cstr(struct res_build *b, int slot, const char *v)
{
    if (v != NULL && *v != '\0')
        res_build_set(b, slot, v, strlen(v));
}

/* set_int_json() / set_bool_json() of a span: the common literals directly, the rest
 * (reals, strings) through the jansson rules, so both paths agree. */
static void bd_int(struct res_build *b, int slot, const char *t, struct jscan_span v)
{
    long long n;
    json_t *j;
    int ok;

    if (sp_int(t, v, &n)) {
        res_build_set_int(b, slot, n);
    } else if (jscan_has(v)) {
        j = jscan_build(t, v);
        ok = json_int_of(j, &n);
        json_decref(j);
        if (ok)
            res_build_set_int(b, slot, n);
    }
}

static void bd_bool(struct res_build *b, int slot, const char *t, struct jscan_span v)
{
    json_t *j;
    int x = 0, ok = 0;

    if (sp_kind(t, v) == 't' || sp_kind(t, v) == 'f') {
        x = sp_kind(t, v) == 't';
        ok = 1;
    } else if (sp_kind(t, v) == '"') {
        j = jscan_build(t, v);
        ok = json_bool_of(j, &x);
        json_decref(j);
    }
    if (ok)
        res_build_set(b, slot, x ? "true" : "false", x ? 4 : 5);
}

/* Append a string value as jansson's json_dumps() writes it. */
static void sp_put_jstr(struct strbuf *b, const char *t, struct jscan_span v)
{
    char *d;

    if (memchr(t + v.start, '\\', v.end - v.start) == NULL) {
        strbuf_add(b, t + v.start, v.end - v.start); /* nothing to escape: as it came */
        return;
    }
    d = jscan_strdup(t, v);
    strbuf_addc(b, '"');
    for (const unsigned char *p = (const unsigned char *)d; *p; p++) {
        switch (*p) {
        case '"': strbuf_adds(b, "\\\""); break;
        case '\\': strbuf_adds(b, "\\\\"); break;
        case '\b': strbuf_adds(b, "\\b"); break;
        case '\f': strbuf_adds(b, "\\f"); break;
        case '\n': strbuf_adds(b, "\\n"); break;
        case '\r': strbuf_adds(b, "\\r"); break;
        case '\t': strbuf_adds(b, "\\t"); break;
        default:
            if (*p < 0x20)
                strbuf_addf(b, "\\u%04X", *p);
            else
                strbuf_addc(b, (char)*p);
        }
    }
    strbuf_addc(b, '"');
    free(d);
}

/* A list of JSON strings written into the builder's buffer from `mark`: '[' or ','
 * before each, ']' (or "[]") at the end. */
static void list_sep(struct strbuf *o, size_t mark)
{
    strbuf_addc(o, o->len == mark ? '[' : ',');
}

static void list_end(struct res_build *b, int slot, struct strbuf *o, size_t mark)
{
    strbuf_adds(o, o->len == mark ? "[]" : "]");
    res_build_close(b, slot, mark);
}

/* Addresses: floating first, then fixed, in network order (as addresses_json()): two
 * walks of the (small, checked) object, straight into the row. */
static void sp_addresses(struct res_build *b, int slot, const char *t, struct jscan_span v)
{
    size_t mark;
    struct strbuf *o = res_build_open(b, &mark);

    for (int floating = 1; floating >= 0; floating--) {
        struct jscan nets, lst;
        struct jscan_span net, a, f[2];
        if (sp_enter(&nets, t, v, '{') < 0)
            break;
        while (jscan_next(&nets, NULL, NULL) > 0) {
            if (jscan_skip(&nets, &net, NULL) < 0 || sp_enter(&lst, t, net, '[') < 0)
                continue;
            while (jscan_next(&lst, NULL, NULL) > 0) {
                if (sp_item(&lst, SP_KS_ADDR, &a, f) < 0)
                    break;
                if (sp_kind(t, f[0]) != '"' || sp_eq(t, f[1], "floating") != floating)
                    continue;
                list_sep(o, mark);
                sp_put_jstr(o, t, f[0]);
            }
        }
    }
    list_end(b, slot, o, mark);
}

/* Strings of a list, each a string or its object's member of key set `key` (one name,
 * as list_of()). */
static void sp_list_of(struct res_build *b, int slot, const char *t, struct jscan_span v,
                       enum sp_keyset key)
{
    size_t mark;
    struct strbuf *o = res_build_open(b, &mark);
    struct jscan c;
    struct jscan_span it, f[1];

    if (sp_enter(&c, t, v, '[') == 0) {
        while (jscan_next(&c, NULL, NULL) > 0 && sp_item(&c, key, &it, f) == 0) {
            if (sp_kind(t, it) == '{')
                it = f[0];
            if (sp_kind(t, it) == '"') {
                list_sep(o, mark);
                sp_put_jstr(o, t, it);
            }
        }
    }
    list_end(b, slot, o, mark);
}

struct resource *os_map_server_text(const struct os_map_ctx *c, const char *t,
                                    const struct jscan_span *v)
{
    struct res_build own = RES_BUILD_INIT, *b = c->build != NULL ? c->build : &own;
    struct jscan_span f[4];
    struct resource *r;
    char idb[64], nameb[128], stb[32], tb[48], taskb[64], *idh = NULL, *nameh = NULL;
    char hvb[128], *sth = NULL, *taskh = NULL, *hvh = NULL, *tmp = NULL;
    const char *id = sp_str(t, v[OS_SK_ID], idb, sizeof idb, &idh), *name, *st, *task, *hv;
    char raw[96];
    long long n;
    int bm;

    if (id == NULL)
        return NULL;
    pthread_once(&sp_keysets_once, sp_keysets_init);
    name = sp_str(t, v[OS_SK_NAME], nameb, sizeof nameb, &nameh);
    res_build_start(b, c->provider, RES_KIND_INSTANCE, id, name);
    free(nameh);
    st = sp_str(t, v[OS_SK_STATUS], stb, sizeof stb, &sth);
    task = sp_str(t, v[OS_SK_TASK], taskb, sizeof taskb, &taskh);
    {   /* "status/task_state", cut to fit (no printf: once a server, 10 000 a listing) */
        size_t la = strnlen(st ? st : "?", sizeof raw - 1);
        memcpy(raw, st ? st : "?", la);
        if (task != NULL && la + 1 < sizeof raw) {
            size_t lb = strnlen(task, sizeof raw - 2 - la);
            raw[la++] = '/';
            memcpy(raw + la, task, lb);
            la += lb;
        }
        raw[la] = '\0';
        b->status = os_server_status(st);
        res_build_set(b, RES_SLOT_RAW_STATUS, raw, la);
    }
    free(sth);
    /* The hypervisor is the host when Nova names one (even empty); a bare-metal one is an
     * Ironic node. */
    hv = sp_str(t, v[OS_SK_HV], hvb, sizeof hvb, &hvh);
    bm = hv != NULL && c->node_ids != NULL && json_object_get(c->node_ids, hv) != NULL;
    if (hv != NULL)
        bd_cstr(b, sf.host, hv);
    else
        bd_str(b, sf.host, t, v[OS_SK_HOST], 0);
    free(hvh);
    if (c->node_ids != NULL && json_object_get(c->node_ids, id) != NULL)
        bm = 1;
    res_build_set(b, sf.type, bm ? "baremetal" : "vm", bm ? 9 : 2);
    free(idh);
    bd_cstr(b, sf.region, c->region);
    bd_str(b, sf.zone, t, v[OS_SK_AZ], 0);
    sp_fields(t, v[OS_SK_FLAVOR], SP_KS_FLAVOR, f);
    if (sp_kind(t, f[0]) == '"') {
        bd_str(b, sf.flavor, t, f[0], 1);
        bd_int(b, sf.vcpus, t, f[1]);
        bd_int(b, sf.ram_mb, t, f[2]);
    } else {
        bd_str(b, sf.flavor, t, f[3], 0);
    }
    if (sp_kind(t, v[OS_SK_IMAGE]) == '{') {
        sp_fields(t, v[OS_SK_IMAGE], SP_KS_ID, f);
        bd_str(b, sf.image, t, f[0], 0);
    } else {
        res_build_set(b, sf.image, "(boot from volume)", 18);
    }
    sp_addresses(b, sf.addresses, t, v[OS_SK_ADDRS]);
    sp_list_of(b, sf.volumes, t, v[OS_SK_VOLS], SP_KS_ID);
    sp_list_of(b, sf.secgroups, t, v[OS_SK_SECGROUPS], SP_KS_NAME);
    bd_str(b, sf.keypair, t, v[OS_SK_KEY], 0);
    {
        struct jscan g;
        struct jscan_span first;
        if (sp_enter(&g, t, v[OS_SK_SRVGROUPS], '[') == 0 && jscan_next(&g, NULL, NULL) > 0 &&
            jscan_skip(&g, &first, NULL) == 0)
            bd_str(b, sf.server_group, t, first, 0);
    }
    bd_str(b, sf.vm_state, t, v[OS_SK_VM], 0);
    bd_cstr(b, sf.task_state, task);
    free(taskh);
    if (sp_int(t, v[OS_SK_POWER], &n))
        bd_cstr(b, sf.power_state, power_name(n));
    bd_bool(b, sf.locked, t, v[OS_SK_LOCKED]);
    bd_str(b, sf.created_at, t, v[OS_SK_CREATED], 0);
    sp_fields(t, v[OS_SK_FAULT], SP_KS_MSG, f);
    bd_str(b, sf.fault, t, f[0], 0);
    if (sp_kind(t, v[OS_SK_TASK]) == '"' && sp_int(t, v[OS_SK_PROGRESS], &n))
        b->progress = (int)n;
    b->updated_at = os_parse_time(sp_str(t, v[OS_SK_UPDATED], tb, sizeof tb, &tmp));
    free(tmp);
    tmp = NULL;
    if (b->updated_at == 0) {
        b->updated_at = os_parse_time(sp_str(t, v[OS_SK_CREATED], tb, sizeof tb, &tmp));
        free(tmp);
    }
    r = res_build_done(b);
    res_build_free(&own);
    return r;
}

struct resource *os_map_server(const struct os_map_ctx *c, json_t *srv)
{
    char *text = json_is_object(srv) ? json_dumps(srv, JSON_COMPACT) : NULL;
    struct jscan_span v[OS_SK__COUNT];
    struct jscan cur;
    struct resource *r = NULL;

    if (text == NULL)
        return NULL;
    jscan_init(&cur, text, strlen(text));
    if (jscan_fields(&cur, os_server_keys, v, NULL, NULL) == 0)
        r = os_map_server_text(c, text, v);
    if (r != NULL && c->with_raw)
        res_set_raw_take(r, text);
    else
        free(text);
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

/* Every member os_map_node() reads. */
const char *const os_node_keys[] = {
    "uuid", "name", "provision_state", "target_provision_state", "power_state",
    "target_power_state", "maintenance", "maintenance_reason", "conductor_group", "last_error",
    "instance_uuid", "resource_class", "driver_info", "driver", "properties", "updated_at",
    "created_at", NULL,
};

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

/* ---- Neutron ports and floating IPs ---------------------------------------------------------- */

/* Port and floating IP states: ACTIVE, DOWN (not bound / not associated), BUILD, ERROR. */
static enum res_status neutron_status(const char *st)
{
    if (st == NULL)
        return RES_STATUS_UNKNOWN;
    if (strcasecmp(st, "ACTIVE") == 0)
        return RES_STATUS_ACTIVE;
    if (strcasecmp(st, "DOWN") == 0)
        return RES_STATUS_SHUTOFF;
    if (strcasecmp(st, "BUILD") == 0 || strcasecmp(st, "PENDING_CREATE") == 0 ||
        strcasecmp(st, "PENDING_UPDATE") == 0)
        return RES_STATUS_BUILD;
    if (strcasecmp(st, "ERROR") == 0)
        return RES_STATUS_ERROR;
    return RES_STATUS_UNKNOWN;
}

/* A device owner that is an instance: Nova's "compute:ZONE" (also bare metal through Nova)
 * and Ironic's "baremetal:none". */
static int owner_is_instance(const char *owner)
{
    return owner != NULL &&
           (strncmp(owner, "compute:", 8) == 0 || strncmp(owner, "baremetal:", 10) == 0);
}

struct resource *os_map_port(const struct os_map_ctx *c, json_t *port)
{
    struct resource *r;
    const char *owner;

    if (json_is_object(json_object_get(port, "port")))
        port = json_object_get(port, "port");
    if ((r = new_res(c, RES_KIND_PORT, port, "id", "name")) == NULL)
        return NULL;
    owner = js(port, "device_owner");
    res_set_status(r, neutron_status(js(port, "status")), js(port, "status"));
    set_str(r, "network_id", js(port, "network_id"));
    set_str(r, "device_owner", owner);
    set_str(r, "device_id", js(port, "device_id"));
    if (owner_is_instance(owner))
        set_str(r, "instance", js(port, "device_id"));
    set_str(r, "mac", js(port, "mac_address"));
    res_set_take(r, "fixed_ips", list_of(json_object_get(port, "fixed_ips"), "ip_address"));
    res_set_take(r, "security_groups", list_of(json_object_get(port, "security_groups"), "id"));
    set_bool_json(r, "admin_state", json_object_get(port, "admin_state_up"));
    set_str(r, "region", c->region);
    set_str(r, "created_at", js(port, "created_at"));
    set_updated(r, port, "updated_at", "created_at");
    return r;
}

struct resource *os_map_floatingip(const struct os_map_ctx *c, json_t *fip)
{
    struct resource *r;
    json_t *pd;

    if (json_is_object(json_object_get(fip, "floatingip")))
        fip = json_object_get(fip, "floatingip");
    /* A floating IP has no name: it is known by its address. */
    if ((r = new_res(c, RES_KIND_FLOATINGIP, fip, "id", "floating_ip_address")) == NULL)
        return NULL;
    res_set_status(r, neutron_status(js(fip, "status")), js(fip, "status"));
    set_str(r, "floating_ip_address", js(fip, "floating_ip_address"));
    set_str(r, "floating_network_id", js(fip, "floating_network_id"));
    set_str(r, "port_id", js(fip, "port_id"));
    set_str(r, "fixed_ip_address", js(fip, "fixed_ip_address"));
    /* port_details (the fip-port-details extension) names the device behind the port. */
    pd = json_object_get(fip, "port_details");
    if (js(fip, "port_id") != NULL && owner_is_instance(js(pd, "device_owner")))
        set_str(r, "instance", js(pd, "device_id"));
    set_str(r, "router", js(fip, "router_id"));
    set_str(r, "description", js(fip, "description"));
    set_str(r, "region", c->region);
    set_str(r, "created_at", js(fip, "created_at"));
    set_updated(r, fip, "updated_at", "created_at");
    return r;
}

/*
 * A Neutron network.  The provider:* attributes are admin-only (absent for a project
 * member); a multi-segment network (the multiprovider extension) has them per segment in
 * `segments`, and the first segment is shown.  router:external marks a floating IP pool.
 */
struct resource *os_map_network(const struct os_map_ctx *c, json_t *net)
{
    struct resource *r;
    json_t *seg;

    if (json_is_object(json_object_get(net, "network")))
        net = json_object_get(net, "network");
    if ((r = new_res(c, RES_KIND_NETWORK, net, "id", "name")) == NULL)
        return NULL;
    res_set_status(r, neutron_status(js(net, "status")), js(net, "status"));
    set_bool_json(r, "external", json_object_get(net, "router:external"));
    set_bool_json(r, "shared", json_object_get(net, "shared"));
    if (json_is_array(json_object_get(net, "subnets")))
        res_set_take(r, "subnets", list_of(json_object_get(net, "subnets"), "id"));
    set_int_json(r, "mtu", json_object_get(net, "mtu"));
    set_str(r, "project_id", js(net, "project_id") ? js(net, "project_id") : js(net, "tenant_id"));
    if (json_is_array(json_object_get(net, "availability_zones")))
        res_set_take(r, "availability_zones",
                     list_of(json_object_get(net, "availability_zones"), NULL));
    seg = net;
    if (js(net, "provider:network_type") == NULL &&
        json_is_object(json_array_get(json_object_get(net, "segments"), 0)))
        seg = json_array_get(json_object_get(net, "segments"), 0);
    set_str(r, "network_type", js(seg, "provider:network_type"));
    set_str(r, "physical_network", js(seg, "provider:physical_network"));
    set_int_json(r, "segmentation_id", json_object_get(seg, "provider:segmentation_id"));
    set_bool_json(r, "admin_state", json_object_get(net, "admin_state_up"));
    set_str(r, "description", js(net, "description"));
    set_str(r, "region", c->region);
    set_str(r, "created_at", js(net, "created_at"));
    set_updated(r, net, "updated_at", "created_at");
    return r;
}
