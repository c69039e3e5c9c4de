/*
 * redfish_priv.h - internals of the Redfish provider shared by redfish.c
 * (I/O, config, actions) and redfish_map.c (pure JSON -> model mapping),
 * and exposed to the unit tests (libvirt's *priv.h rule).
 *
 * The mapping functions take the Redfish documents of one computer system
 * (borrowed jansson values, any of which may be NULL or of the wrong type:
 * BMC replies are data, never trusted) and fill a resource.  They never
 * abort on malformed input.
 */
#ifndef RT_REDFISH_PRIV_H
#define RT_REDFISH_PRIV_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct resource;

/* Everything known about one ComputerSystem, borrowed. */
struct rf_docs {
    const char *bmc_name;      /* configured BMC name */
    const char *bmc_address;   /* configured address */
    const char *rack, *zone;   /* configured labels, may be NULL */
    json_t *system;            /* ComputerSystem */
    json_t *chassis;           /* its Chassis (Links.Chassis[0]) */
    json_t *enclosure;         /* the chassis containing it (blades), or NULL */
    json_t *thermal;           /* Thermal (legacy) of the chassis or enclosure */
    json_t *power;             /* Power (legacy) */
    json_t *env;               /* EnvironmentMetrics (newer) */
    json_t *thermal_sub;       /* ThermalSubsystem (newer) */
    json_t *power_sub;         /* PowerSubsystem (newer) */
    json_t *manager;           /* Manager (Links.ManagedBy[0]) */
    json_t *ethernet;          /* EthernetInterfaces collection (expanded or not) */
    json_t *processors;        /* Processors collection (expanded or not) */
    json_t *memory;            /* Memory collection */
    json_t *storage;           /* Storage collection */
    json_t *simple_storage;    /* SimpleStorage collection */
    json_t *details;           /* {"<@odata.id>": document}: what the collections only link
                                  (members not expanded, drives, volume collections, volumes) */
    int maintenance;           /* local flag */
    const char *maintenance_reason;
    const char *provisioned_image; /* racktop deployed this image, or NULL */
    const char *last_error;    /* BMC error of the last refresh, or NULL */
};

/* Borrowed string member or NULL (also when obj is not an object). */
const char *rf_str(const json_t *obj, const char *key);
/* Member by path "A.B.C" (objects only), borrowed, or NULL. */
json_t *rf_path(const json_t *obj, const char *path);
/* The @odata.id of obj[key] (a link object), or NULL. */
const char *rf_link(const json_t *obj, const char *key);
/* Number member as double; 0 when present and numeric, -1 otherwise. */
int rf_num(const json_t *obj, const char *key, double *out);

/* Health words: 0 OK, 1 Warning, 2 Critical, -1 unknown. */
int rf_health_rank(const char *h);
const char *rf_health_name(int rank);
/* Worst Status.Health over an array of members ("Fans", "PowerSupplies", ...). */
int rf_worst_health(const json_t *arr);

/* "on", "off" or "unknown" from a PowerState. */
const char *rf_power_word(const char *power_state);

/* Fill a host resource (type baremetal) from the documents, the inventory details
 * (cpu_summary, processors, mem_summary, dimms, storage_controllers, drives, volumes, nics,
 * boot_order, boot_targets) included when their documents are there. */
void rf_map_host(const struct rf_docs *d, struct resource *r);
/* Fill an instance resource for a powered, installed system; returns 0 when the
 * system does not count as an installed instance (r untouched). */
int rf_map_instance(const struct rf_docs *d, const char *host_id, struct resource *r);
/* Temperature (C) and power (W) readings for metrics; -1 when absent. */
int rf_map_temp(const struct rf_docs *d, double *out);
int rf_map_power(const struct rf_docs *d, double *out);
/* Fill an event resource (kind event) from a LogEntry: id "<bmc>/<path of the entry below
 * /redfish/v1/>", host host_id, severity, message, created_at, source (EntryType SEL: "SEL",
 * Event: "Event log", else the log service's name, else "Log"), message_id.  Returns 0
 * (r untouched) when the entry has no @odata.id, else 1.  r must be a fresh event. */
int rf_map_event(const json_t *entry, const char *bmc, const char *host_id,
                 const char *log_name, struct resource *r);
/* The id rf_map_event() gives an entry, into buf; NULL without @odata.id. */
const char *rf_event_id(const json_t *entry, const char *bmc, char *buf, size_t len);

/* The first message of a Redfish error body (error.@Message.ExtendedInfo[0].Message, or
 * error.message) copied into buf; "" when the body has none. */
const char *rf_error_message(const char *body, char *buf, size_t len);
/* Is `value` among obj's "<prop>@Redfish.AllowableValues"? 1 yes, 0 no, -1 no list. */
int rf_allowed(const json_t *obj, const char *prop, const char *value);

#endif
