/*
 * openstack_priv.h - internals of the "openstack" provider, shared by its
 * files and exposed to tests/unit/core/test_openstack.c (libvirt's *priv.h
 * rule).  Nothing here is part of the core API.
 *
 *   openstack_cloud.c  clouds.yaml / secure.yaml / OS_* reading (struct os_cloud)
 *   openstack_auth.c   Keystone v3 tokens, the service catalog, endpoint choice,
 *                      microversion discovery and os_call(), the one request helper
 *   openstack_map.c    backend JSON -> racktop model (pure functions)
 *   openstack.c        the provider_ops: list (paging), get, act, task_poll
 *   openstack_ironic.c bare-metal provision verbs inspect, clean, abort, rebuild and
 *                      their progress
 *   openstack_detail.c provider_ops.detail: instance action history, console output;
 *                      bare-metal node state and history
 *   openstack_neutron.c Neutron ports and floating IPs: listing (limit/marker paging),
 *                      floating IP create/associate/disassociate/delete, port delete
 *
 * Threading: one struct os per provider instance, used from that instance's
 * worker thread only.  Secrets (password, application credential secret,
 * token) live in memory only, are wiped when freed, and never reach a
 * message, a log or the store.
 */
#ifndef RT_OPENSTACK_PRIV_H
#define RT_OPENSTACK_PRIV_H

#include "core/model.h"
#include "core/provider.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct hmap;
struct http_multi;
struct http_opts;
struct provider;
struct rt_error;
struct ynode;

enum os_svc { OS_SVC_IDENTITY, OS_SVC_COMPUTE, OS_SVC_VOLUME, OS_SVC_NETWORK, OS_SVC_IMAGE,
              OS_SVC_BAREMETAL, OS_SVC__COUNT };

/* What a cloud entry resolves to (clouds.yaml merged with secure.yaml, or OS_*). */
struct os_cloud {
    char *name;              /* cloud name, or "envvars" */
    char *auth_type;         /* "password" (default), "v3applicationcredential", "none" */
    char *auth_url;
    char *username, *user_id, *password;
    char *project_name, *project_id;
    char *user_domain_name, *user_domain_id, *project_domain_name, *project_domain_id;
    char *app_cred_id, *app_cred_name, *app_cred_secret;
    char *region;            /* region_name */
    char *interface;         /* public (default), internal, admin */
    char *cacert;
    int verify;              /* 1 unless `verify: false` / OS_INSECURE */
    char *override[OS_SVC__COUNT]; /* <service>_endpoint_override */
};

/* Find and resolve a cloud.  `cloud` NULL: $OS_CLOUD, else the OS_* variables.
 * Search order for clouds.yaml: $OS_CLIENT_CONFIG_FILE, ./, $XDG_CONFIG_HOME/openstack/
 * (~/.config/openstack/), /etc/openstack/; secure.yaml likewise, merged on top. */
int os_cloud_load(const char *cloud, struct os_cloud *out, struct rt_error *err);
/* Same from an already parsed clouds.yaml / secure.yaml (either may be NULL). */
int os_cloud_from_tree(const struct ynode *clouds, const struct ynode *secure, const char *cloud,
                       struct os_cloud *out, struct rt_error *err);
void os_cloud_done(struct os_cloud *c);

/* A backend reply as os_call() hands it back. */
struct os_reply {
    long status;
    json_t *doc;             /* parsed body or NULL (owned) */
    char *body;              /* the body as received, NUL-terminated, or NULL (owned) */
    size_t body_len;
    char *request_id;        /* owned or NULL */
    char *location;
};
void os_reply_done(struct os_reply *r);

struct os {
    struct provider *p;
    /* Inside a list() that maps every row it gets: the kind + 1, whose stored rows
     * fetch_pages() reads while the first page is on its way; else 0 (a changes-since
     * refresh looks up the few rows it maps, if any). */
    int listing;
    struct os_cloud cloud;
    struct http_multi *http;
    long req_timeout_ms;
    int page_size;
    int all_projects;          /* list every project's servers (admin) */
    /* auth state */
    char *token;               /* secret */
    int64_t token_expires;     /* epoch seconds; 0 unknown */
    char *project_id;          /* from the token */
    int is_admin;
    json_t *catalog;           /* token.catalog (owned) */
    char *endpoint[OS_SVC__COUNT];  /* chosen base URLs, no trailing slash */
    char nova_mv[16], cinder_mv[16], ironic_mv[16]; /* negotiated microversions */
    int nova_mv_minor, cinder_mv_minor, ironic_mv_minor;
    int versions_done;
    /* incremental refresh of servers */
    char *servers_since;       /* ISO time of the last full/incremental fetch */
    struct hmap *servers;      /* id -> struct os_srv (owned): the last listing, mapped */
    int servers_unpacked;      /* listed once (provider_lists_once()): the entries keep no
                                * copy of their rows, the next listing starts afresh */
    uint64_t servers_seq;      /* first-seen counter: keeps the listing order */
    /* Reply bodies of the last server listing, kept because the rows handed out lend
     * their raw JSON from them (res_set_raw_borrowed: 20 MB for 10 000 servers, not
     * copied).  Freed by the next list() or close. */
    char **kept;
    size_t nkept, kept_cap;
    /* ironic node ids (for linking bare-metal instances) */
    json_t *node_ids;          /* uuid -> instance_uuid (or null) */
    /* stats for tests: requests sent */
    long n_requests;
};

/* Service names for messages and overrides ("compute", "baremetal", ...). */
const char *os_svc_name(enum os_svc s);

/* Authenticate (or, with auth_type none, just take the overrides). */
int os_auth(struct os *os, struct rt_error *err);
/* Read the version documents and pick microversions. Idempotent. */
int os_discover(struct os *os, struct rt_error *err);
/* Endpoint of a service, or NULL with RT_ERR_UNSUPPORTED set. */
const char *os_endpoint(struct os *os, enum os_svc s, struct rt_error *err);

/*
 * One request, synchronous on the provider thread (runs the shared http
 * multi until it completes): `path` is appended to the service endpoint
 * (or used as is when it starts with http).  `body` is borrowed (may be NULL).
 * Adds the token and the service's microversion header, retries once after
 * re-authenticating on a 401, and turns a status >= 400 into RT_ERR_HTTP
 * (detail = status; RT_ERR_NOT_FOUND for 404, RT_ERR_CONFLICT for 409,
 * RT_ERR_AUTH for 401/403) with the backend's message and the request id on
 * one line.  On success fills *out (caller calls os_reply_done) when out is
 * not NULL.
 */
int os_call(struct os *os, enum os_svc s, const char *method, const char *path, json_t *body,
            struct os_reply *out, struct rt_error *err);
/* os_call() without parsing: out->doc stays NULL, out->body holds the text (the listing
 * path scans large pages with core/jscan.c instead of building a whole tree). */
int os_call_text(struct os *os, enum os_svc s, const char *method, const char *path,
                 struct os_reply *out, struct rt_error *err);
/*
 * A GET in two halves, so a listing can ask for page N+1 while it maps page N:
 * os_get_begin() queues the request and puts it on the wire (http_poke()), or
 * returns NULL with err set (authentication failed, no endpoint);
 * os_get_end() waits for it and fills *out as os_call_text() does (0 or -1
 * with err set), os_get_drop() waits for it and throws the reply away.  Either
 * frees the call.  Nothing else may wait on os->http in between except other
 * calls of this provider.
 */
struct os_call;
struct os_call *os_get_begin(struct os *os, enum os_svc s, const char *path,
                             struct rt_error *err);
int os_get_end(struct os *os, struct os_call *c, struct os_reply *out, struct rt_error *err);
void os_get_drop(struct os *os, struct os_call *c);
/* The backend's error text from an OpenStack error body (all services' shapes). New string. */
char *os_error_text(const char *body, long status);

/* ---- mapping (openstack_map.c) -------------------------------------------------------- */

struct os_map_ctx {
    const char *provider;      /* provider instance name */
    const char *region;
    json_t *node_ids;          /* ironic node uuids (object), or NULL */
    int with_raw;
    struct res_build *build;   /* os_map_server_text()'s, kept from row to row; NULL: one
                                * per call */
};

/* ISO 8601 ("2012-09-27T20:42:00Z", "...T20:42:00.000000", "+00:00") -> epoch; 0 if bad. */
int64_t os_parse_time(const char *s);
/*
 * Servers are mapped from their text: os_server_keys (NULL-terminated) are the members
 * read; v[i] is the span of member os_server_keys[i] in `text` as jscan_fields() finds
 * it in a checked object.  os_map_server() is the same mapping for a jansson value.
 * Nodes are built as jansson objects of only os_node_keys, the members os_map_node()
 * reads.  A mapper that reads a new member names it in its list.
 */
struct jscan_span;
enum os_server_key {
    OS_SK_ID, OS_SK_NAME, OS_SK_STATUS, OS_SK_UPDATED, OS_SK_CREATED, OS_SK_TASK, OS_SK_VM,
    OS_SK_POWER, OS_SK_HV, OS_SK_HOST, OS_SK_AZ, OS_SK_FLAVOR, OS_SK_IMAGE, OS_SK_ADDRS,
    OS_SK_VOLS, OS_SK_SECGROUPS, OS_SK_KEY, OS_SK_SRVGROUPS, OS_SK_LOCKED, OS_SK_FAULT,
    OS_SK_PROGRESS, OS_SK__COUNT
};
extern const char *const os_server_keys[];
extern const char *const os_node_keys[];
struct resource *os_map_server_text(const struct os_map_ctx *c, const char *text,
                                    const struct jscan_span *v);
struct resource *os_map_server(const struct os_map_ctx *c, json_t *srv);
struct resource *os_map_flavor(const struct os_map_ctx *c, json_t *fl);
struct resource *os_map_hypervisor(const struct os_map_ctx *c, json_t *hv);
struct resource *os_map_node(const struct os_map_ctx *c, json_t *node);
struct resource *os_map_volume(const struct os_map_ctx *c, json_t *vol);
struct resource *os_map_snapshot(const struct os_map_ctx *c, json_t *snap);
struct resource *os_map_secgroup(const struct os_map_ctx *c, json_t *sg);
struct resource *os_map_image(const struct os_map_ctx *c, json_t *img);
struct resource *os_map_keypair(const struct os_map_ctx *c, json_t *kp);
struct resource *os_map_servergroup(const struct os_map_ctx *c, json_t *sg);
struct resource *os_map_zone(const struct os_map_ctx *c, json_t *az);
/* Neutron ports and floating IPs (a bare object or one wrapped in "port" / "floatingip"). */
struct resource *os_map_port(const struct os_map_ctx *c, json_t *port);
struct resource *os_map_floatingip(const struct os_map_ctx *c, json_t *fip);
/* A Neutron network (bare or wrapped in "network"): external = router:external. */
struct resource *os_map_network(const struct os_map_ctx *c, json_t *net);
/* Default SSH user for an image's os_distro (NULL when unknown). Static string. */
const char *os_default_user(const char *os_distro);
/* Ironic states -> racktop status. */
enum res_status os_node_status(const char *prov, const char *target_prov, const char *power,
                               int maintenance);
enum res_status os_server_status(const char *status);

/* ---- bare-metal provision verbs (openstack_ironic.c) ------------------------------------ */

/* Is `verb` one of inspect, clean, abort, rebuild (handled by os_node_provision)? */
int os_node_verb_is_ours(const char *verb);
/* Manual clean steps from the `steps` parameter: "iface.step[,iface.step]" or a JSON list of
 * step objects; NULL or "" means the default (deploy.erase_devices_metadata).  New array, or
 * NULL with RT_ERR_ARG. */
json_t *os_clean_steps_parse(const char *s, struct rt_error *err);
/* PUT states/provision for one of those verbs; *task_ref "node:ID:VERB" (new string). */
int os_node_provision(struct os *os, const struct act_request *req, char **task_ref,
                      struct rt_error *err);
/* provider_ops.detail (openstack_detail.c). */
int os_detail(struct provider *p, const struct detail_request *req, struct res_detail *out,
              struct rt_error *err);
/* Sets a task's state, percentage (-1 unknown) and message (openstack.c). */
void os_prog_set(struct task_progress *out, enum task_state st, int pct, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Progress of such a verb from one GET of the node.  1 when `verb` is one of them (out set),
 * 0 when it is not (out untouched). */
int os_node_poll_verb(json_t *node, const char *verb, struct task_progress *out);

/* The id of a `what` given its name or id (openstack.c): GET by_id_fmt with the escaped
 * value, else the list at list_path filtered by ?name=.  New string, or NULL with err
 * (RT_ERR_NOT_FOUND; RT_ERR_ARG when the name is ambiguous). */
char *os_resolve(struct os *os, enum os_svc s, const char *by_id_fmt, const char *list_path,
                 const char *key_one, const char *key_list, const char *what,
                 const char *name_or_id, struct rt_error *err);

/* ---- Neutron ports, floating IPs and networks (openstack_neutron.c) ---------------------- */

/* Does this file list kind k (RES_KIND_PORT, RES_KIND_FLOATINGIP, RES_KIND_NETWORK)? */
int os_neutron_lists(enum res_kind k);
/* Every port, floating IP or network, paged with limit/marker (page_size), each row with
 * its raw JSON.  0, or -1 with err (the service's message and the request id). */
int os_neutron_list(struct os *os, enum res_kind k, struct res_list *out, struct rt_error *err);
/* One port, floating IP or network by id; *out new. */
int os_neutron_get(struct os *os, enum res_kind k, const char *id, struct resource **out,
                   struct rt_error *err);
/* Floating IP create/associate/disassociate/delete, port delete.  Synchronous: Neutron
 * applies them before it answers, so there is no task reference. */
int os_neutron_act(struct os *os, const struct act_request *req, struct rt_error *err);
/* The kinds (RT_KIND_BIT) and actions (capability bits) this file adds when Neutron is in
 * the catalog; associate needs Nova too (to find the instance). */
void os_neutron_caps(const struct os *os, uint32_t *kinds, uint64_t *acts);

#endif
