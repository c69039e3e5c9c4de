/*
 * engine.h - the core engine: provider workers, the event queue, actions.
 *
 * The engine owns the configured provider instances and runs each one on its
 * own worker thread, so no provider I/O ever happens on the caller's thread
 * and one slow backend never delays another.  Results reach the caller as
 * events through a queue plus a wake-up file descriptor that the caller
 * polls together with whatever else it waits on (the terminal, for the TUI):
 *
 *     struct engine *e = engine_new(&opts, &err);
 *     engine_start(e, &err);
 *     engine_refresh(e, NULL, RT_KIND_BIT(RES_KIND_INSTANCE));
 *     for (;;) {
 *         poll({engine_fd(e), POLLIN}, ...);
 *         struct engine_event *ev;
 *         while ((ev = engine_next_event(e)) != NULL) {
 *             fleet_apply(fleet, ev);
 *             engine_event_free(ev);
 *         }
 *     }
 *     engine_free(e);
 *
 * Actions: engine_act() validates, enforces read-only (here, in the engine,
 * whatever the caller is), writes the task journal and the audit row
 * ("requested") before anything is sent, then hands the request to the
 * provider's worker; progress and the result come back as ENGINE_EV_TASK
 * events and the result is appended to the audit log.  At start, each worker
 * reconciles the journal's open tasks of its provider with the backend.
 *
 * Threading: every engine_* function is for the one consumer thread that
 * created the engine (the UI thread, or the command line's main thread),
 * except engine_provider_info() which is safe anywhere.
 */
#ifndef RT_ENGINE_H
#define RT_ENGINE_H

#include "action.h"
#include "err.h"
#include "model.h"
#include "provider.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>

struct config;
struct rt_error;
struct engine;

struct engine_opts {
    const char *config_path; /* NULL: the default location (may be absent) */
    const char *store_path;  /* NULL: the default location */
    int read_only;           /* --read-only / wall mode: every mutating action refused */
    int auto_refresh;        /* 1: sync every kind at start and on the refresh timers (TUI) */
    unsigned long demo_seed; /* 0: the default seed */
    long demo_size;          /* 0: the default demo fleet */
    double demo_speed;       /* 0: from RACKTOP_DEMO_SPEED, else 1 */
    int list_once;           /* each kind is listed once at most (`racktop list`): the
                              * providers keep nothing for a later refresh
                              * (provider_lists_once()) */
};

enum prov_state {
    PROV_STATE_CONNECTING,
    PROV_STATE_CONNECTED,
    PROV_STATE_DEGRADED,    /* answered, but the last refresh of some kind failed */
    PROV_STATE_UNREACHABLE, /* could not open or reach the backend */
};

/* A snapshot of one provider instance: plain values, copied freely. */
struct provider_info {
    char name[64];
    char type[32];
    enum prov_state state;
    char last_error[256];
    int read_only;            /* the engine refuses its mutating actions */
    int demo;                 /* simulated: label it DEMO */
    uint32_t kinds;           /* what it can list */
    uint64_t actions;         /* capability mask over action_table() */
    int64_t synced_at[RES_KIND__COUNT]; /* last successful refresh per kind, 0 = never */
    char warning[128];        /* permanent caveat from the provider (provider_set_warning),
                               * e.g. TLS verification off; "" none */
};

enum engine_ev {
    ENGINE_EV_SYNC,     /* rows = every (provider, kind) resource now; replaces the old set.
                         * unchanged = 1: the refresh found exactly the rows already sent
                         * (rows is empty; keep what you have, it is no longer stale) */
    ENGINE_EV_UPSERT,   /* rows = changed resources (one, or a batch posted by a provider
                         * during a refresh: provider_post_rows()), replaced in place by id */
    ENGINE_EV_DELETE,   /* (provider, kind, id) is gone */
    ENGINE_EV_SYNC_FAILED, /* refresh of (provider, kind) failed: err; cached rows stay */
    ENGINE_EV_TASK,     /* task changed (progress, state) */
    ENGINE_EV_PROVIDER, /* info changed (state, error, caps) */
    ENGINE_EV_METRICS,  /* new samples for provider's hosts are in the store */
    ENGINE_EV_DETAIL,   /* answer to engine_detail(): (kind, id), detail or err */
};

struct engine_event {
    enum engine_ev type;
    char provider[64];
    enum res_kind kind;
    struct res_list rows; /* owned by the event; take items with res_list_splice() */
    int unchanged;        /* ENGINE_EV_SYNC: same rows as the previous SYNC of this kind */
    char *id;
    struct task_rec task;
    struct provider_info info;
    struct res_detail detail; /* ENGINE_EV_DETAIL; owned by the event */
    struct rt_error err;
};

const char *prov_state_name(enum prov_state s);
const char *engine_ev_name(enum engine_ev t);

/* Load the config, open the caller's store connection, create the providers (the built-in
 * demo provider "demo" when the config names none). Nothing is started yet. NULL + err on a
 * bad config (RT_ERR_CONFIG) or an unusable store (RT_ERR_DB). */
struct engine *engine_new(const struct engine_opts *opts, struct rt_error *err);
/* Start the worker threads. */
int engine_start(struct engine *e, struct rt_error *err);
/* Ask the workers to stop and return at once: they close their providers (freeing their
 * caches unless xalloc_must_free() says otherwise, logging out) while the caller goes on,
 * e.g. printing what it has.  Refreshes and actions are not run after it; events already
 * queued, provider info and engine_store() stay readable until engine_free(). */
void engine_stop(struct engine *e);
/* Stop the workers (waiting a bounded time for each) and free everything. NULL is a no-op. */
void engine_free(struct engine *e);

/* Readable when events are queued. */
int engine_fd(const struct engine *e);
/* Next event or NULL (non-blocking); the caller frees it with engine_event_free(). */
struct engine_event *engine_next_event(struct engine *e);
void engine_event_free(struct engine_event *ev);

/* A password given interactively for a provider whose configuration names no source
 * (the command line asks on the terminal before engine_start()).  Copied; the provider
 * sees it as prov_env.secret during open() only, and the copy is wiped once open()
 * succeeded and at engine_free().  Never stored, never logged.  Before engine_start()
 * only.  -1 with RT_ERR_NOT_FOUND when no provider has that name. */
int engine_set_secret(struct engine *e, const char *provider, const char *secret,
                      struct rt_error *err);

/* Ask for a refresh of these kinds (RT_KIND_BIT mask) from one provider (NULL = all). */
void engine_refresh(struct engine *e, const char *provider, uint32_t kinds);

/* Start an action. target_id is the resource id (for ACTION_CREATES, the new name). On
 * success *task_id (malloc'd) names the journalled task. Errors: RT_ERR_REFUSED (read-only),
 * RT_ERR_UNSUPPORTED (the provider lacks it), RT_ERR_ARG (parameters), RT_ERR_NOT_FOUND (no
 * such provider), RT_ERR_DB. */
int engine_act(struct engine *e, const char *provider, const struct action_def *a,
               const char *target_id, const char *target_name, const struct params *params,
               char **task_id, struct rt_error *err);

/* Fetch the on-demand detail of one resource (provider_ops.detail: history, console
 * output) on the provider's worker thread.  The answer is exactly one ENGINE_EV_DETAIL
 * event with ev->kind, ev->id and either ev->detail or ev->err.  `lines`: tail length of
 * log-like sections, 0 = the provider's default.  Returns -1 at once (no event) with
 * RT_ERR_NOT_FOUND for an unknown provider, RT_ERR_UNSUPPORTED when it has no detail. */
int engine_detail(struct engine *e, const char *provider, enum res_kind k, const char *id,
                  int lines, struct rt_error *err);

/* Providers. */
size_t engine_provider_count(const struct engine *e);
void engine_provider_info(struct engine *e, size_t i, struct provider_info *out);
/* Index of a provider by name, or -1. */
int engine_provider_index(const struct engine *e, const char *name);
/* Would the engine refuse mutating actions on this provider? */
int engine_read_only(const struct engine *e, const char *provider);

/* The caller thread's store connection and the loaded config. Borrowed. */
struct store *engine_store(struct engine *e);
const struct config *engine_config(const struct engine *e);
const struct engine_opts *engine_opts(const struct engine *e);

#endif
