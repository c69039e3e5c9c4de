/*
 * provider.h - the driver table every backend implements.
 *
 * A provider type ("demo", "openstack", "redfish", "libvirt") is one const
 * `struct provider_ops`; a configured provider instance ("lab", "prod") is a
 * `struct provider` created by the engine from a config entry.  The pattern is
 * libvirt's virHypervisorDriver: mandatory open/close, optional methods left
 * NULL and reported as RT_ERR_UNSUPPORTED by the provider_* wrappers, a
 * capability mask telling the panes which kinds and actions exist.
 *
 * Threading: the engine calls every method of one instance from that
 * instance's worker thread only, never from the UI or command-line thread.
 * Methods MAY block (network, libvirt); providers talking to many endpoints
 * (Redfish BMCs) run their requests concurrently inside a call on one libcurl
 * multi handle.  Results flow back to consumers as engine events.
 *
 * Life of an instance:
 *
 *     p = provider_new(ops, "lab", cfg_entry, env);       engine thread
 *     provider_open(p, &err);                             worker thread
 *     provider_list(p, RES_KIND_INSTANCE, &rows, &err);   worker, on refresh
 *     provider_act(p, &req, &ref, &err);                  worker, on an action
 *     provider_task_poll(p, ref, &prog, &err);            worker, until done
 *     provider_detail(p, &dreq, &detail, &err);           worker, when a describe opens
 *     provider_close(p); provider_free(p);
 *
 * To add a provider: write core/providers/NAME.c exporting one
 * `const struct provider_ops prov_NAME_ops`, add it to the table in
 * provider.c (guarded by its WITH_ option if optional), accept its `type:` in
 * config.c, document its keys in docs/CONFIG.md, and add fixture tests.
 */
#ifndef RT_PROVIDER_H
#define RT_PROVIDER_H

#include "action.h"
#include "model.h"

#include <stddef.h>
#include <stdint.h>

struct config_provider;
struct provider;
struct rt_error;
struct store;

enum prov_open { PROV_OPEN_OK, PROV_OPEN_DECLINED, PROV_OPEN_ERROR };

/* What the engine hands every provider instance. */
struct prov_env {
    struct store *store;   /* the worker thread's own store connection */
    unsigned long demo_seed;
    long demo_size;        /* instances in the demo fleet; 0 = default */
    double demo_speed;     /* time scale of the demo (RACKTOP_DEMO_SPEED), 1 = real time */
    int64_t timeout_s;     /* network timeout */
    /* A password typed at a prompt for this provider (engine_set_secret), or NULL.
     * Borrowed, valid during open() only (wiped after it succeeded): copy it. */
    const char *secret;
    /* Ask the engine to refresh these kinds soon (RT_KIND_BIT mask). Safe from any thread,
     * e.g. a backend's event callback; requests merge. Use provider_request_refresh(). */
    void (*request_refresh)(void *ctx, uint32_t kinds);
    void *request_ctx;
    /* Non-zero once the engine shuts down (same ctx; any thread): a provider waiting on
     * the network (a refresh with hung BMCs) gives up and returns, so quitting is prompt.
     * NULL: never.  Use provider_stopping(). */
    int (*stopping)(void *ctx);
    /* Progressive delivery (same ctx; NULL: not offered).  Use provider_post_rows() and
     * provider_post_delete(); see there for the rules. */
    void (*post_rows)(void *ctx, enum res_kind k, const struct res_list *rows);
    void (*post_delete)(void *ctx, enum res_kind k, const char *id);
    /* Each kind is listed once at most (engine_opts.list_once).  Use
     * provider_lists_once(). */
    int list_once;
};

/* One action request. Borrowed by the provider for the duration of act(). */
struct act_request {
    const struct action_def *action;
    const char *target_id;   /* id of the target; for ACTION_CREATES, the new name */
    const char *target_name; /* display name of the target */
    const struct params *params;
};

enum task_state { TASK_PENDING, TASK_RUNNING, TASK_SUCCEEDED, TASK_FAILED, TASK_INTERRUPTED };

struct task_progress {
    enum task_state state;
    int progress;      /* 0..100, -1 unknown */
    char message[256]; /* current step, or the result/error when finished */
};

struct metric_sample {
    char *host;          /* host id */
    const char *metric;  /* static: "cpu_pct", "mem_pct", "temp_c", "power_w" */
    int64_t ts;          /* epoch seconds */
    double value;
};

struct metric_list {
    struct metric_sample *items;
    size_t len, cap;
};

/*
 * On-demand detail of one resource for the describe view: what is too costly to fetch
 * with every listing (an instance's action history, its console output, an event log).
 * Named sections of plain text, in the order to show them; the text is backend text and
 * the consumer sanitises it before it reaches a terminal.
 */
struct detail_request {
    enum res_kind kind;
    const char *id;   /* borrowed */
    int lines;        /* tail length of log-like sections (console output); 0 = default */
};

struct res_detail_section {
    char *title;      /* "actions", "console" */
    char *text;       /* lines separated by '\n'; a section that failed says why */
};

struct res_detail {
    struct res_detail_section *items;
    size_t len, cap;
};

struct provider_ops {
    const char *name;       /* the config `type:` this implements */
    size_t priv_size;       /* per-instance state, zeroed and owned by provider.c */
    uint32_t kinds;         /* RT_KIND_BIT()s of the kinds list() can return */
    uint64_t actions;       /* default capability mask over action_table() indices */

    /* MUST. Parse the config entry, connect. DECLINED: not for this provider. May block. */
    enum prov_open (*open)(struct provider *p, const struct config_provider *cp,
                           struct rt_error *err);
    /* MUST. Release everything open() made. Never fails. */
    void (*close)(struct provider *p);
    /* MAY. Every resource of kind k; `out` is empty on entry and owned by the caller.
     * Items carry their raw JSON in ->raw when the backend has one.  Returns 0 or -1 with
     * err.  MAY return 1 (out left empty) when provider_list_may_skip(p) is true and it
     * knows nothing of kind k changed since its previous successful list() of k: the engine
     * keeps what it sent last time. */
    int (*list)(struct provider *p, enum res_kind k, struct res_list *out, struct rt_error *err);
    /* MAY. One resource; *out owned by the caller. RT_ERR_NOT_FOUND if it is gone. */
    int (*get)(struct provider *p, enum res_kind k, const char *id, struct resource **out,
               struct rt_error *err);
    /* MAY. Start an action. Return once the backend accepted it; *task_ref (malloc'd,
     * owned by the caller) names the operation for task_poll(). Validation has already
     * happened against the action table, but backend rules (invalid transitions) are the
     * provider's to enforce, with the backend's error text. */
    int (*act)(struct provider *p, const struct act_request *req, char **task_ref,
               struct rt_error *err);
    /* MAY. Progress of an operation started by act(), possibly in an earlier run (the
     * engine reconciles its journal at start). NULL: tasks end when act() returns. */
    int (*task_poll)(struct provider *p, const char *task_ref, struct task_progress *out,
                     struct rt_error *err);
    /* MAY. Health samples taken after `since` (epoch s); appended to `out`. */
    int (*metrics)(struct provider *p, int64_t since, struct metric_list *out,
                   struct rt_error *err);
    /* MAY. On-demand detail of one resource (see struct res_detail), appended to `out`
     * (owned by the caller). May block. A section that could not be fetched carries its
     * error text and the others are still returned; -1 with err only when nothing could
     * be (the resource is gone: RT_ERR_NOT_FOUND). Kinds without detail: return 0 and
     * append nothing. */
    int (*detail)(struct provider *p, const struct detail_request *req, struct res_detail *out,
                  struct rt_error *err);
};

/* The built-in provider types, NULL-terminated (not libvirt: a module, see provider.c). */
const struct provider_ops *const *provider_types(void);
/* A built-in, loadable or registered type by name, or NULL.  The first look-up of
 * "libvirt" loads racktop-libvirt.so (thread-safe, once). */
const struct provider_ops *provider_type_find(const char *type);
/* Why provider_type_find(type) finds nothing, when a module failed to load; else NULL. */
const char *provider_type_error(const char *type);
/* Add a provider type at run time (an embedder's own backend, or a test double), before
 * any engine_new() that configures it; config `type:` then accepts ops->name.  Not
 * thread-safe; at most 8; a name already known is ignored.  Returns 0, or -1 when full. */
int provider_type_register(const struct provider_ops *ops);

struct provider *provider_new(const struct provider_ops *ops, const char *name,
                              const struct prov_env *env);
void provider_free(struct provider *p);

/* Accessors for provider implementations. Returned pointers are borrowed. */
void *provider_priv(struct provider *p);
const char *provider_name(const struct provider *p);
const struct provider_ops *provider_ops(const struct provider *p);
const struct prov_env *provider_env(const struct provider *p);
uint32_t provider_kinds(const struct provider *p);
uint64_t provider_actions(const struct provider *p);
/*
 * A permanent caveat about this instance that the operator must keep seeing
 * (e.g. "TLS verification off"), set by the provider in open(); shown as a
 * badge next to the provider in the dashboard header.  Truncated to 127 bytes; fmt NULL clears it.
 * provider_warning() returns "" when there is none (borrowed).
 */
void provider_set_warning(struct provider *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *provider_warning(const struct provider *p);
/* Narrow (or widen) the capabilities after open(), e.g. by API microversion. */
void provider_set_caps(struct provider *p, uint32_t kinds, uint64_t actions);
int provider_can(const struct provider *p, const struct action_def *a);
/* Event-driven refresh: a backend event (a domain stopped, a node changed) asks the engine
 * to re-list these kinds. Safe from any thread. */
void provider_request_refresh(struct provider *p, uint32_t kinds);
/* 1 when the engine is shutting down (prov_env.stopping), else 0. Safe from any thread. */
int provider_stopping(const struct provider *p);
/*
 * Progressive delivery: a list() that waits on many endpoints (a Redfish refresh with a
 * hung BMC waits for its timeout) hands over the rows it already knows to be current, so
 * the consumers see them now rather than when the slowest endpoint gives up.
 *
 * Who, when: the provider, on its worker thread, while inside list() (of any kind: the
 * rows may be of another kind k that the same crawl produced, e.g. instances during
 * list(hosts)).  Not from another thread, not from act()/get()/metrics().
 *
 * provider_post_rows(): `rows` are borrowed and copied (without ->raw); the engine sets
 * their provider and updated_at like list() rows and queues ONE ENGINE_EV_UPSERT event of
 * kind k carrying them all, which consumers (fleet_apply) apply in place at once: a known
 * (provider, kind, id) is replaced, an unknown one appended.  provider_post_delete() queues
 * an ENGINE_EV_DELETE of (provider, k, id).  Both arrive before the SYNC (or SYNC_FAILED)
 * that answers the refresh.
 *
 * What does not change: the rows list() finally returns are still the truth.  They produce
 * the usual SYNC (replacing the provider's set of that kind, so a posted row that list()
 * does not return disappears), are written to the store (posted rows are not), and clear
 * the staleness mark (posted rows do not).  A kind with posted rows is answered with a
 * full SYNC even when list()'s rows hash like the previous ones (or list() answers 1,
 * "unchanged": the engine then sends the stored rows), so what was posted never outlives
 * the refresh.  Post only what changed: every post is a screen update for every consumer.
 * Without the hook (NULL, older engines) these calls do nothing.
 */
void provider_post_rows(struct provider *p, enum res_kind k, const struct res_list *rows);
void provider_post_delete(struct provider *p, enum res_kind k, const char *id);

/* Checked dispatch (libvirt's public wrappers): argument checks, NULL method ->
 * RT_ERR_UNSUPPORTED with a message naming the provider. */
int provider_open(struct provider *p, const struct config_provider *cp, struct rt_error *err);
void provider_close(struct provider *p);
int provider_list(struct provider *p, enum res_kind k, struct res_list *out, struct rt_error *err);
/* The engine's refresh: like provider_list() but the provider may answer 1, "unchanged". */
int provider_list_refresh(struct provider *p, enum res_kind k, struct res_list *out,
                          struct rt_error *err);
/* For list() implementations: may this call answer 1 ("unchanged")? */
int provider_list_may_skip(const struct provider *p);
/* For list() implementations: is this the only listing of its kind the process will ask
 * for (a command that lists and exits)?  Then what a provider keeps to make the next
 * refresh cheaper (a packed copy of each row, a changes-since time) is not needed. */
int provider_lists_once(const struct provider *p);
/*
 * Inside list(): 1 when the store already holds this row, (this provider, k, id) with
 * res_hash() == hash, so the engine will not rewrite it and the raw JSON stored with it
 * stands: the row may go out without ->raw.  A provider that keeps reply bodies only to
 * lend raw JSON keeps none for a fleet the store already has (10 000 servers listed
 * again: 16 MB less memory, a few ms of CPU).  0 when the row is new or changed, or the
 * store cannot tell.  The hash must be the row's final one (as r->hash: what the engine
 * stores).  The first call of a list() reads the stored (id, hash) pairs of (provider, k)
 * from the store's key index (10 000 servers: ~1.5 ms); they are dropped when list()
 * returns (provider_list()).  Worker thread only (it uses prov_env.store).
 */
int provider_row_stored(struct provider *p, enum res_kind k, const char *id, uint64_t hash);
/* The same row's look-up, started now: a provider that calls this before mapping the row
 * finds the slot in the cache when it asks (a miss per row: ~0.8 ms of 10 000 servers). */
void provider_row_stored_prefetch(const struct provider *p, enum res_kind k, const char *id);
/* Inside list(): read now what provider_row_stored() will look up for k, e.g. while the
 * listing's first request is on its way (10 000 servers: ~2 ms off the critical path).
 * Optional. */
void provider_rows_stored_load(struct provider *p, enum res_kind k);
int provider_get(struct provider *p, enum res_kind k, const char *id, struct resource **out,
                 struct rt_error *err);
int provider_act(struct provider *p, const struct act_request *req, char **task_ref,
                 struct rt_error *err);
int provider_task_poll(struct provider *p, const char *task_ref, struct task_progress *out,
                       struct rt_error *err);
int provider_metrics(struct provider *p, int64_t since, struct metric_list *out,
                     struct rt_error *err);
int provider_detail(struct provider *p, const struct detail_request *req, struct res_detail *out,
                    struct rt_error *err);

/* Detail sections. add copies title and text; done frees every section (NULL-safe). */
void res_detail_add(struct res_detail *d, const char *title, const char *text);
void res_detail_done(struct res_detail *d);

/* Metric lists. push copies host; metric must be a static string. */
void metric_list_push(struct metric_list *l, const char *host, const char *metric, int64_t ts,
                      double value);
void metric_list_done(struct metric_list *l);

const char *task_state_name(enum task_state s);
int task_state_from_name(const char *s);

#endif
