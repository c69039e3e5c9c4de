/*
 * redfish_map.c - Redfish JSON -> racktop model, for the Redfish provider.
 *
 * Pure functions over borrowed jansson values: no I/O, no global state.
 * Every access checks the JSON type, so partial, unexpected or hostile
 * documents give missing fields (NULL = unknown), never a crash.  Strings
 * from the BMC are stored as data; the views sanitise them when drawn.
 *
 * Choices:
 * - health is the worst of Status.Health and Status.HealthRollup;
 * - temp_c is the intake/inlet temperature when the BMC names one, else the
 *   hottest enabled reading (legacy Thermal), else EnvironmentMetrics;
 * - fans/psus are the worst health of the enabled fans / power supplies;
 * - power_w is PowerControl[0].PowerConsumedWatts, else EnvironmentMetrics;
 * - status: Critical health -> ERROR, local maintenance -> MAINTENANCE,
 *   PoweringOn/Off -> BUSY, Off -> SHUTOFF, On -> ACTIVE;
 * - inventory details (processors, dimms, drives, ...) are arrays of small
 *   objects, one per part, with our own short keys (the describe view shows
 *   one line per object); members a collection only links are looked up in
 *   d->details; absent parts (Status.State "Absent") are left out; at most
 *   RF_PARTS_MAX per list.
 */
#include "redfish_priv.h"

#include "core/model.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *rf_str(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

    return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *rf_path(const json_t *obj, const char *path)
{
    char buf[128];
    char *save = NULL, *tok;
    json_t *cur = (json_t *)obj;

    snprintf(buf, sizeof buf, "%s", path);
    for (tok = strtok_r(buf, ".", &save); tok != NULL && cur != NULL;
         tok = strtok_r(NULL, ".", &save))
        cur = json_is_object(cur) ? json_object_get(cur, tok) : NULL;
    return cur;
}

const char *rf_link(const json_t *obj, const char *key)
{
    json_t *l = json_is_object(obj) ? json_object_get(obj, key) : NULL;

    return rf_str(l, "@odata.id");
}

int rf_num(const json_t *obj, const char *key, double *out)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

    if (!json_is_number(v))
        return -1;
    *out = json_number_value(v);
    return 0;
}

int rf_health_rank(const char *h)
{
    if (h == NULL)
        return -1;
    if (strcasecmp(h, "OK") == 0)
        return 0;
    if (strcasecmp(h, "Warning") == 0)
        return 1;
    if (strcasecmp(h, "Critical") == 0)
        return 2;
    return -1;
}

const char *rf_health_name(int rank)
{
    static const char *const names[] = {"OK", "Warning", "Critical"};

    return rank >= 0 && rank <= 2 ? names[rank] : NULL;
}

static int max_rank(int a, int b)
{
    return a > b ? a : b;
}

int rf_worst_health(const json_t *arr)
{
    size_t i;
    json_t *it;
    int worst = -1;

    if (!json_is_array(arr))
        return -1;
    json_array_foreach(arr, i, it) {
        json_t *st = json_object_get(it, "Status");
        const char *state = rf_str(st, "State");
        if (state != NULL && (strcmp(state, "Absent") == 0 || strcmp(state, "Disabled") == 0))
            continue;
        worst = max_rank(worst, rf_health_rank(rf_str(st, "Health")));
    }
    return worst;
}

const char *rf_power_word(const char *ps)
{
    if (ps == NULL)
        return "unknown";
    if (strcmp(ps, "On") == 0 || strcmp(ps, "PoweringOff") == 0 || strcmp(ps, "Paused") == 0)
        return "on";
    if (strcmp(ps, "Off") == 0 || strcmp(ps, "PoweringOn") == 0)
        return "off";
    return "unknown";
}

int rf_map_temp(const struct rf_docs *d, double *out)
{
    json_t *temps = json_is_object(d->thermal) ? json_object_get(d->thermal, "Temperatures") : NULL;
    size_t i;
    json_t *it;
    double best = -1e9, v;
    int found = 0;

    json_array_foreach(temps, i, it) {
        const char *ctx = rf_str(it, "PhysicalContext");
        const char *name = rf_str(it, "Name");
        if (rf_num(it, "ReadingCelsius", &v) < 0)
            continue;
        if ((ctx != NULL && strcasecmp(ctx, "Intake") == 0) ||
            (name != NULL && (strcasestr(name, "inlet") || strcasestr(name, "intake")))) {
            *out = v;
            return 0;
        }
        if (v > best)
            best = v;
        found = 1;
    }
    if (found) {
        *out = best;
        return 0;
    }
    if (rf_num(rf_path(d->env, "TemperatureCelsius"), "Reading", &v) == 0) {
        *out = v;
        return 0;
    }
    return -1;
}

int rf_map_power(const struct rf_docs *d, double *out)
{
    json_t *pc = json_is_object(d->power) ? json_object_get(d->power, "PowerControl") : NULL;
    double v;

    if (json_is_array(pc) && rf_num(json_array_get(pc, 0), "PowerConsumedWatts", &v) == 0) {
        *out = v;
        return 0;
    }
    if (rf_num(rf_path(d->env, "PowerWatts"), "Reading", &v) == 0) {
        *out = v;
        return 0;
    }
    return -1;
}

static int status_health(const json_t *obj)
{
    json_t *st = json_is_object(obj) ? json_object_get(obj, "Status") : NULL;

    return max_rank(rf_health_rank(rf_str(st, "Health")), rf_health_rank(rf_str(st, "HealthRollup")));
}

/* ---- inventory details --------------------------------------------------------------- */

#define RF_PARTS_MAX 256

/* A member or link: the document itself when expanded, else the one fetched for it. */
static json_t *resolve(const struct rf_docs *d, json_t *m)
{
    const char *oid = rf_str(m, "@odata.id");

    if (!json_is_object(m))
        return NULL;
    if (oid == NULL || json_object_size(m) > 1)
        return m;
    m = json_is_object(d->details) ? json_object_get(d->details, oid) : NULL;
    return json_is_object(m) ? m : NULL;
}

/* The i-th resolved member of a collection document (NULL past the end or unresolved). */
static json_t *member(const struct rf_docs *d, const json_t *coll, size_t i)
{
    json_t *members = json_is_object(coll) ? json_object_get(coll, "Members") : NULL;

    return resolve(d, json_array_get(members, i));
}

static size_t nmembers(const json_t *coll)
{
    return json_array_size(json_is_object(coll) ? json_object_get(coll, "Members") : NULL);
}

static int absent(const json_t *obj)
{
    const char *st = rf_str(json_is_object(obj) ? json_object_get(obj, "Status") : NULL, "State");

    return st != NULL && strcmp(st, "Absent") == 0;
}

/* Copy obj[key] (string or number) into out as `as`; nothing when missing. */
static void put(json_t *out, const char *as, const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

    if (json_is_string(v) || json_is_number(v))
        json_object_set(out, as, v);
}

static void put_health(json_t *out, const json_t *obj)
{
    const char *h = rf_health_name(status_health(obj));
    const char *st = rf_str(json_is_object(obj) ? json_object_get(obj, "Status") : NULL, "State");

    if (h != NULL)
        json_object_set_new(out, "health", json_string(h));
    if (st != NULL && strcmp(st, "Enabled") != 0)
        json_object_set_new(out, "state", json_string(st));
}

/* CapacityBytes as whole decimal GB (as drives are sold). */
static void put_gb(json_t *out, const json_t *obj)
{
    double v;

    if (rf_num(obj, "CapacityBytes", &v) == 0 && v >= 0)
        json_object_set_new(out, "size_gb", json_integer((json_int_t)(v / 1e9 + 0.5)));
}

/* Hand a list to the resource as compact JSON (NULL when empty). */
static void set_list(struct resource *r, const char *field, json_t *arr)
{
    if (json_array_size(arr) > 0)
        res_set_take(r, field, json_dumps(arr, JSON_COMPACT));
    json_decref(arr);
}

static void push(json_t *arr, json_t *obj)
{
    if (json_array_size(arr) < RF_PARTS_MAX && json_object_size(obj) > 0)
        json_array_append(arr, obj);
    json_decref(obj);
}

static void map_processors(const struct rf_docs *d, struct resource *r)
{
    const json_t *ps = rf_path(d->system, "ProcessorSummary");
    json_t *arr = json_array();
    const char *model = rf_str(ps, "Model");
    double count = -1, cores = -1, threads = -1, v;
    long long sum_cores = 0, sum_threads = 0, ncpu = 0;
    int health = status_health(ps);
    struct strbuf sb = STRBUF_INIT;

    for (size_t i = 0; i < nmembers(d->processors); i++) {
        json_t *p = member(d, d->processors, i), *o;
        const char *type = rf_str(p, "ProcessorType");
        if (p == NULL || absent(p))
            continue;
        o = json_object();
        put(o, "id", p, "Id");
        put(o, "socket", p, "Socket");
        if (type != NULL && strcmp(type, "CPU") != 0)
            put(o, "type", p, "ProcessorType");
        put(o, "model", p, "Model");
        put(o, "cores", p, "TotalCores");
        put(o, "threads", p, "TotalThreads");
        if (json_is_number(json_object_get(p, "OperatingSpeedMHz")))
            put(o, "speed_mhz", p, "OperatingSpeedMHz");
        else
            put(o, "speed_mhz", p, "MaxSpeedMHz");
        put_health(o, p);
        push(arr, o);
        if (type == NULL || strcmp(type, "CPU") == 0) {
            ncpu++;
            if (model == NULL)
                model = rf_str(p, "Model");
            if (rf_num(p, "TotalCores", &v) == 0)
                sum_cores += (long long)v;
            if (rf_num(p, "TotalThreads", &v) == 0)
                sum_threads += (long long)v;
            health = max_rank(health, status_health(p));
        }
    }
    /* The summary: the system's ProcessorSummary, completed from the processors. */
    if (rf_num(ps, "Count", &count) < 0 && ncpu > 0)
        count = (double)ncpu;
    if (rf_num(ps, "CoreCount", &cores) < 0 && sum_cores > 0)
        cores = (double)sum_cores;
    if (rf_num(ps, "LogicalProcessorCount", &threads) < 0 && sum_threads > 0)
        threads = (double)sum_threads;
    if (count > 0 || model != NULL) {
        if (count > 0)
            strbuf_addf(&sb, "%lld x ", (long long)count);
        strbuf_adds(&sb, model != NULL ? model : "processor");
        if (cores > 0)
            strbuf_addf(&sb, ", %lld cores", (long long)cores);
        if (threads > 0)
            strbuf_addf(&sb, ", %lld threads", (long long)threads);
        if (health >= 0)
            strbuf_addf(&sb, ", %s", rf_health_name(health));
        res_set_take(r, "cpu_summary", strbuf_take(&sb));
    }
    strbuf_done(&sb);
    set_list(r, "processors", arr);
}

static void map_memory(const struct rf_docs *d, struct resource *r)
{
    const json_t *ms = rf_path(d->system, "MemorySummary");
    json_t *arr = json_array();
    double gib = -1, v;
    long long mib = 0, n = 0;
    int health = status_health(ms);
    struct strbuf sb = STRBUF_INIT;

    for (size_t i = 0; i < nmembers(d->memory); i++) {
        json_t *m = member(d, d->memory, i), *o, *speeds;
        if (m == NULL || absent(m))
            continue;
        o = json_object();
        if (rf_str(m, "DeviceLocator") != NULL)
            put(o, "slot", m, "DeviceLocator");
        else
            put(o, "slot", m, "Id");
        put(o, "size_mib", m, "CapacityMiB");
        put(o, "type", m, "MemoryDeviceType");
        speeds = json_object_get(m, "AllowedSpeedsMHz");
        if (json_is_number(json_object_get(m, "OperatingSpeedMhz")))
            put(o, "speed_mhz", m, "OperatingSpeedMhz");
        else if (json_is_number(json_array_get(speeds, 0)))
            json_object_set(o, "speed_mhz", json_array_get(speeds, 0));
        put_health(o, m);
        push(arr, o);
        n++;
        if (rf_num(m, "CapacityMiB", &v) == 0)
            mib += (long long)v;
        health = max_rank(health, status_health(m));
    }
    if (rf_num(ms, "TotalSystemMemoryGiB", &gib) < 0 && mib > 0)
        gib = (double)mib / 1024;
    if (gib >= 0) {
        strbuf_addf(&sb, "%g GiB", gib);
        if (n > 0)
            strbuf_addf(&sb, " in %lld DIMM%s", n, n == 1 ? "" : "s");
        if (health >= 0)
            strbuf_addf(&sb, ", %s", rf_health_name(health));
        res_set_take(r, "mem_summary", strbuf_take(&sb));
    }
    strbuf_done(&sb);
    set_list(r, "dimms", arr);
}

static void map_drive(json_t *drives, const json_t *dr, const char *id_key)
{
    json_t *o = json_object();

    put(o, "id", dr, id_key);
    put(o, "model", dr, "Model");
    put_gb(o, dr);
    put(o, "media", dr, "MediaType");
    put(o, "protocol", dr, "Protocol");
    put_health(o, dr);
    push(drives, o);
}

static void map_storage(const struct rf_docs *d, struct resource *r)
{
    json_t *ctls = json_array(), *drives = json_array(), *vols = json_array();
    size_t i, j, k;

    for (i = 0; i < nmembers(d->storage); i++) {
        json_t *st = member(d, d->storage, i), *c, *dl;
        json_t *vcoll;
        if (st == NULL)
            continue;
        json_array_foreach(json_object_get(st, "StorageControllers"), j, c) {
            json_t *o = json_object();
            if (absent(c)) {
                json_decref(o);
                continue;
            }
            put(o, "name", c, "Name");
            put(o, "model", c, "Model");
            put(o, "firmware", c, "FirmwareVersion");
            put_health(o, c);
            push(ctls, o);
        }
        json_array_foreach(json_object_get(st, "Drives"), j, dl) {
            json_t *dr = resolve(d, dl);
            if (dr != NULL && !absent(dr))
                map_drive(drives, dr, "Id");
        }
        vcoll = resolve(d, json_object_get(st, "Volumes"));
        for (k = 0; k < nmembers(vcoll); k++) {
            json_t *v = member(d, vcoll, k), *o;
            if (v == NULL || absent(v))
                continue;
            o = json_object();
            put(o, "name", v, rf_str(v, "Name") != NULL ? "Name" : "Id");
            if (rf_str(v, "RAIDType") != NULL)
                put(o, "raid", v, "RAIDType");
            else
                put(o, "raid", v, "VolumeType");
            put_gb(o, v);
            put_health(o, v);
            push(vols, o);
        }
    }
    /* SimpleStorage: a controller with its devices inline. */
    for (i = 0; i < nmembers(d->simple_storage); i++) {
        json_t *ss = member(d, d->simple_storage, i), *dev, *o;
        if (ss == NULL || absent(ss))
            continue;
        o = json_object();
        put(o, "name", ss, rf_str(ss, "Description") != NULL ? "Description" : "Name");
        put_health(o, ss);
        push(ctls, o);
        json_array_foreach(json_object_get(ss, "Devices"), j, dev) {
            if (json_is_object(dev) && !absent(dev))
                map_drive(drives, dev, "Name");
        }
    }
    set_list(r, "storage_controllers", ctls);
    set_list(r, "drives", drives);
    set_list(r, "volumes", vols);
}

static void map_nics(const struct rf_docs *d, struct resource *r)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < nmembers(d->ethernet); i++) {
        json_t *e = member(d, d->ethernet, i), *o, *a;
        struct strbuf sb = STRBUF_INIT;
        size_t j;
        if (e == NULL || absent(e))
            continue;
        o = json_object();
        put(o, "id", e, "Id");
        put(o, "mac", e, "MACAddress");
        put(o, "speed_mbps", e, "SpeedMbps");
        put(o, "link", e, "LinkStatus");
        json_array_foreach(json_object_get(e, "IPv4Addresses"), j, a) {
            const char *ip = rf_str(a, "Address");
            if (ip != NULL && strcmp(ip, "0.0.0.0") != 0)
                strbuf_addf(&sb, "%s%s", sb.len > 0 ? " " : "", ip);
        }
        if (sb.len > 0)
            json_object_set_new(o, "ipv4", json_string(sb.buf));
        strbuf_done(&sb);
        put_health(o, e);
        push(arr, o);
    }
    set_list(r, "nics", arr);
}

/* A JSON array of the strings in arr (other items skipped), or nothing. */
static void map_strings(struct resource *r, const char *field, const json_t *arr)
{
    json_t *out = json_array(), *it;
    size_t i;

    json_array_foreach(arr, i, it) {
        if (json_is_string(it) && json_array_size(out) < RF_PARTS_MAX)
            json_array_append(out, it);
    }
    set_list(r, field, out);
}

static void map_details(const struct rf_docs *d, struct resource *r)
{
    json_t *boot = rf_path(d->system, "Boot");

    map_processors(d, r);
    map_memory(d, r);
    map_storage(d, r);
    map_nics(d, r);
    map_strings(r, "boot_order", json_is_object(boot) ? json_object_get(boot, "BootOrder") : NULL);
    map_strings(r, "boot_targets",
                json_is_object(boot)
                    ? json_object_get(boot, "BootSourceOverrideTarget@Redfish.AllowableValues")
                    : NULL);
}

void rf_map_host(const struct rf_docs *d, struct resource *r)
{
    const json_t *s = d->system;
    const char *ps = rf_str(s, "PowerState");
    const char *mf = rf_str(s, "Manufacturer"), *model = rf_str(s, "Model");
    int health = status_health(s), fans, psus;
    double v;
    enum res_status st;

    res_set(r, "type", "baremetal");
    res_set(r, "power", rf_power_word(ps));
    res_set(r, "zone", d->zone);
    res_set(r, "rack", d->rack);
    res_set(r, "bmc", d->bmc_address);
    if (mf != NULL && model != NULL)
        res_setf(r, "model", "%s %s", mf, model);
    else
        res_set(r, "model", model != NULL ? model : rf_str(d->chassis, "Model"));
    res_set(r, "serial", rf_str(s, "SerialNumber") != NULL ? rf_str(s, "SerialNumber")
                                                           : rf_str(d->chassis, "SerialNumber"));
    res_set(r, "bios_version", rf_str(s, "BiosVersion"));
    res_set(r, "bmc_firmware", rf_str(d->manager, "FirmwareVersion"));
    if (d->enclosure != NULL) {
        const char *en = rf_str(d->enclosure, "Id");
        res_set(r, "enclosure", en);
    }
    {
        const char *tgt = rf_str(rf_path(s, "Boot"), "BootSourceOverrideTarget");
        const char *en = rf_str(rf_path(s, "Boot"), "BootSourceOverrideEnabled");
        const char *mode = rf_str(rf_path(s, "Boot"), "BootSourceOverrideMode");
        if (tgt != NULL && en != NULL && strcmp(en, "Disabled") != 0 && strcmp(tgt, "None") != 0)
            res_setf(r, "boot_override", "%s/%s%s%s", tgt, en, mode ? "/" : "", mode ? mode : "");
        else if (tgt != NULL || en != NULL)
            res_set(r, "boot_override", "none");
    }
    if (rf_num(rf_path(s, "ProcessorSummary"), "CoreCount", &v) == 0 ||
        rf_num(rf_path(s, "ProcessorSummary"), "LogicalProcessorCount", &v) == 0 ||
        rf_num(rf_path(s, "ProcessorSummary"), "Count", &v) == 0)
        res_set_int(r, "vcpus", (long long)v);
    if (rf_num(rf_path(s, "MemorySummary"), "TotalSystemMemoryGiB", &v) == 0)
        res_set_int(r, "mem_mb", (long long)(v * 1024));
    if (rf_map_temp(d, &v) == 0)
        res_set_num(r, "temp_c", v);
    if (rf_map_power(d, &v) == 0)
        res_set_num(r, "power_w", v);
    fans = rf_worst_health(json_is_object(d->thermal) ? json_object_get(d->thermal, "Fans") : NULL);
    if (fans < 0 && d->thermal_sub != NULL)
        fans = status_health(d->thermal_sub);
    psus = rf_worst_health(json_is_object(d->power) ? json_object_get(d->power, "PowerSupplies")
                                                    : NULL);
    if (psus < 0 && d->power_sub != NULL)
        psus = status_health(d->power_sub);
    res_set(r, "fans", rf_health_name(fans));
    res_set(r, "psus", rf_health_name(psus));
    health = max_rank(health, status_health(d->chassis));
    res_set(r, "health", rf_health_name(health));
    res_set_bool(r, "maintenance", d->maintenance);
    res_set(r, "maintenance_reason", d->maintenance ? d->maintenance_reason : NULL);
    if (d->provisioned_image != NULL) {
        res_set(r, "provision_state", "active");
        res_set(r, "instance_id", r->id);
    } else {
        res_set(r, "provision_state", "available");
    }
    res_set(r, "last_error", d->last_error);
    map_details(d, r);
    if (health == 2)
        st = RES_STATUS_ERROR;
    else if (d->maintenance)
        st = RES_STATUS_MAINTENANCE;
    else if (ps != NULL && (strcmp(ps, "PoweringOn") == 0 || strcmp(ps, "PoweringOff") == 0))
        st = RES_STATUS_BUSY;
    else if (ps != NULL && strcmp(ps, "Off") == 0)
        st = RES_STATUS_SHUTOFF;
    else if (ps != NULL && strcmp(ps, "On") == 0)
        st = RES_STATUS_ACTIVE;
    else
        st = RES_STATUS_UNKNOWN;
    res_set_status(r, st, ps != NULL ? ps : "unknown");
}

/* IPv4 addresses of the system's interfaces (an expanded collection, or the members
 * fetched on their own). */
static char *addresses(const struct rf_docs *d)
{
    const char *items[16];
    size_t n = 0, i, j;
    json_t *m, *a;

    for (i = 0; i < nmembers(d->ethernet); i++) {
        json_t *v4;
        m = member(d, d->ethernet, i);
        v4 = json_is_object(m) ? json_object_get(m, "IPv4Addresses") : NULL;
        json_array_foreach(v4, j, a) {
            const char *ip = rf_str(a, "Address");
            if (ip != NULL && n < 16 && strcmp(ip, "0.0.0.0") != 0)
                items[n++] = ip;
        }
    }
    return n > 0 ? res_json_strlist(items, n) : NULL;
}

int rf_map_instance(const struct rf_docs *d, const char *host_id, struct resource *r)
{
    const json_t *s = d->system;
    const char *ps = rf_str(s, "PowerState");
    const char *boot = rf_str(rf_path(s, "BootProgress"), "LastState");
    const char *hn = rf_str(s, "HostName");
    int installed = d->provisioned_image != NULL || (boot != NULL && strcmp(boot, "OSRunning") == 0) ||
                    (hn != NULL && hn[0] != '\0');
    char *addr;

    if (ps == NULL || strcmp(rf_power_word(ps), "on") != 0 || !installed)
        return 0;
    res_set(r, "type", "baremetal");
    res_set(r, "zone", d->zone);
    res_set(r, "host", host_id);
    res_set(r, "image", d->provisioned_image);
    res_set(r, "power_state", strcmp(ps, "On") == 0 ? "running" : "powering-off");
    res_set(r, "vm_state", d->provisioned_image != NULL ? "active" : "running");
    addr = addresses(d);
    if (addr != NULL)
        res_set_take(r, "addresses", addr);
    {
        double v;
        if (rf_num(rf_path(s, "ProcessorSummary"), "LogicalProcessorCount", &v) == 0 ||
            rf_num(rf_path(s, "ProcessorSummary"), "CoreCount", &v) == 0)
            res_set_int(r, "vcpus", (long long)v);
        if (rf_num(rf_path(s, "MemorySummary"), "TotalSystemMemoryGiB", &v) == 0)
            res_set_int(r, "ram_mb", (long long)(v * 1024));
    }
    res_set_status(r, strcmp(ps, "On") == 0 ? RES_STATUS_ACTIVE : RES_STATUS_BUSY,
                   boot != NULL ? boot : ps);
    return 1;
}

const char *rf_error_message(const char *body, char *buf, size_t len)
{
    json_t *doc = body != NULL ? json_loads(body, 0, NULL) : NULL;
    json_t *e = json_is_object(doc) ? json_object_get(doc, "error") : NULL;
    json_t *ext = json_is_object(e) ? json_object_get(e, "@Message.ExtendedInfo") : NULL;
    const char *m = rf_str(json_array_get(ext, 0), "Message");

    if (m == NULL)
        m = rf_str(e, "message");
    snprintf(buf, len, "%s", m != NULL ? m : "");
    json_decref(doc);
    return buf;
}

int rf_allowed(const json_t *obj, const char *prop, const char *value)
{
    char key[128];
    json_t *arr, *it;
    size_t i;

    snprintf(key, sizeof key, "%s@Redfish.AllowableValues", prop);
    arr = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!json_is_array(arr))
        return -1;
    json_array_foreach(arr, i, it) {
        if (json_is_string(it) && strcmp(json_string_value(it), value) == 0)
            return 1;
    }
    return 0;
}

/* ---- log entries --------------------------------------------------------------------- */

const char *rf_event_id(const json_t *entry, const char *bmc, char *buf, size_t len)
{
    const char *oid = rf_str(entry, "@odata.id");
    const char *rel;

    if (oid == NULL || oid[0] == '\0')
        return NULL;
    rel = strstr(oid, "/redfish/v1/");
    rel = rel != NULL ? rel + strlen("/redfish/v1/") : (oid[0] == '/' ? oid + 1 : oid);
    snprintf(buf, len, "%s/%s", bmc, rel);
    return buf;
}

int rf_map_event(const json_t *entry, const char *bmc, const char *host_id,
                 const char *log_name, struct resource *r)
{
    char id[512];
    const char *sev = rf_str(entry, "Severity");
    const char *type = rf_str(entry, "EntryType");
    const char *msg = rf_str(entry, "Message");
    const char *mid = rf_str(entry, "MessageId");
    const char *src;
    int rank;

    if (rf_event_id(entry, bmc, id, sizeof id) == NULL)
        return 0;
    free(r->id);
    r->id = xstrdup(id);
    free(r->name);
    r->name = xstrdup(rf_str(entry, "Name") != NULL ? rf_str(entry, "Name")
                      : rf_str(entry, "Id") != NULL ? rf_str(entry, "Id") : id);
    rank = rf_health_rank(sev);
    if (mid == NULL)
        mid = rf_str(entry, "EntryCode");
    if (msg == NULL) /* a bare SEL record: sensor type and event code tell what happened */
        msg = rf_str(entry, "EntryCode") != NULL ? rf_str(entry, "EntryCode")
                                                 : rf_str(entry, "SensorType");
    if (type != NULL && strcmp(type, "SEL") == 0)
        src = "SEL";
    else if (type != NULL && strcmp(type, "Event") == 0)
        src = "Event log";
    else
        src = log_name != NULL ? log_name : "Log";
    res_set(r, "host", host_id);
    res_set(r, "severity", rank >= 0 ? rf_health_name(rank) : sev);
    res_set(r, "message", msg);
    res_set(r, "created_at", rf_str(entry, "Created"));
    res_set(r, "source", src);
    res_set(r, "message_id", mid);
    res_set_status(r, rank == 2 ? RES_STATUS_ERROR : rank >= 0 ? RES_STATUS_ACTIVE
                                                               : RES_STATUS_UNKNOWN,
                   sev != NULL ? sev : "unknown");
    return 1;
}
