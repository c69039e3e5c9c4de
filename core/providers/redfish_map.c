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
 *   PoweringOn/Off -> BUSY, Off -> SHUTOFF, On -> ACTIVE.
 */
#include "redfish_priv.h"

#include "core/model.h"
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

/* IPv4 addresses of the system's interfaces (an expanded collection or members). */
static char *addresses(const json_t *eth)
{
    json_t *members = json_is_object(eth) ? json_object_get(eth, "Members") : NULL;
    const char *items[16];
    size_t n = 0, i, j;
    json_t *m, *a;

    json_array_foreach(members, i, m) {
        json_t *v4 = json_object_get(m, "IPv4Addresses");
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
    addr = addresses(d->ethernet);
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
