/*
 * store.h - the SQLite store: inventory cache, raw JSON, metric history,
 * task journal, audit log, pinned fingerprints, provider blobs.
 *
 * One database file ($XDG_STATE_HOME/racktop/racktop.db, mode 0600), WAL
 * mode, schema versioned with PRAGMA user_version and forward migrations.
 * A `struct store` is one connection and belongs to one thread; every thread
 * that needs the store opens its own (WAL lets readers and one writer run at
 * once; writers wait on a busy timeout).  Secrets never go in.
 *
 *     struct store *st = store_open(NULL, &err);     default path
 *     store_put_resources(st, "lab", RES_KIND_INSTANCE, &rows, 1, &err);
 *     store_load_resources(st, NULL, RES_KIND_INSTANCE, &rows, &err);
 *     store_close(st);
 *
 * Every function returns 0 / a pointer on success and -1 / NULL with `err`
 * set (RT_ERR_DB, detail = sqlite result code) on failure.
 */
#ifndef RT_STORE_H
#define RT_STORE_H

#include "model.h"
#include "provider.h"

#include <stddef.h>
#include <stdint.h>

struct rt_error;
struct store;

#define STORE_SCHEMA_VERSION 3

/* Default database path (new string): $XDG_STATE_HOME/racktop/racktop.db. */
char *store_default_path(void);
/* Open (creating the file 0600 and its directory 0700) and migrate. path NULL = default;
 * ":memory:" for tests. */
struct store *store_open(const char *path, struct rt_error *err);
void store_close(struct store *st);
const char *store_path(const struct store *st);
/* Run fn inside one IMMEDIATE transaction: commit if it returns 0, roll back otherwise. */
int store_begin(struct store *st, struct rt_error *err);
int store_commit(struct store *st, struct rt_error *err);
void store_rollback(struct store *st);

/* Inventory. put: upsert the rows (raw JSON stored when r->raw != NULL; a row whose
 * res_hash() did not change is not rewritten). full = 1: rows of (provider, kind) absent
 * from the list are deleted.  The list is not modified. */
int store_put_resources(struct store *st, const char *provider, enum res_kind k,
                        const struct res_list *rows, int full, struct rt_error *err);
/* The same with hashes[i] = res_hash(rows->items[i]) already computed by the caller
 * (the engine hashes every row to skip unchanged refreshes; hashing twice cost ~7 ms
 * per 10 000 servers).  hashes NULL: computed here. */
int store_put_resources_hashed(struct store *st, const char *provider, enum res_kind k,
                               const struct res_list *rows, const uint64_t *hashes, int full,
                               struct rt_error *err);
/*
 * A full listing of (provider, kind): its rows with hashes[i] = res_hash() (as above, full
 * = 1), `list_hash` (the engine's hash of the ids and row hashes, in order; 0: none) and
 * the sync time, in the caller's transaction or its own.  When list_hash is the one stored
 * with the last listing, the stored rows are these ones: nothing is read or written but
 * the time (10 000 servers: 4 ms of checking rows saved).  Every other write of
 * (provider, kind) rows (store_put_resources*, store_put_resource,
 * store_delete_resource) forgets the stored list hash first, so it never vouches for
 * rows it did not see.
 */
int store_put_listing(struct store *st, const char *provider, enum res_kind k,
                      const struct res_list *rows, const uint64_t *hashes, uint64_t list_hash,
                      int64_t ts, struct rt_error *err);
/* Each stored row of (provider, kind) as fn(ctx, id, res_hash()), read from the key index
 * alone (10 000 servers: ~0.6 ms); id is valid during the call.  0, or -1 with err. */
int store_row_hashes(struct store *st, const char *provider, enum res_kind k,
                     void (*fn)(void *ctx, const char *id, uint64_t hash), void *ctx,
                     struct rt_error *err);
/* The list hash stored with the last listing of (provider, kind), 0 when none holds. */
uint64_t store_list_hash(struct store *st, const char *provider, enum res_kind k);
/* The providers that have cached rows of kind k (a walk of the key index, not of the
 * rows); *out is a NULL-terminated array the caller frees with each string. */
int store_cached_providers(struct store *st, enum res_kind k, char ***out,
                           struct rt_error *err);
int store_put_resource(struct store *st, const struct resource *r, struct rt_error *err);
int store_delete_resource(struct store *st, const char *provider, enum res_kind k, const char *id,
                          struct rt_error *err);
/* Cached rows (raw not loaded). provider NULL = every provider. Appended to out. */
int store_load_resources(struct store *st, const char *provider, enum res_kind k,
                         struct res_list *out, struct rt_error *err);
/* The backend's raw JSON for a resource: new string, or NULL with RT_ERR_NOT_FOUND. */
char *store_get_raw(struct store *st, const char *provider, enum res_kind k, const char *id,
                    struct rt_error *err);
/* When (provider, kind) was last synced, epoch s; 0 if never. */
int64_t store_synced_at(struct store *st, const char *provider, enum res_kind k);
int store_set_synced_at(struct store *st, const char *provider, enum res_kind k, int64_t ts,
                        struct rt_error *err);
/* Remove every cached row of providers not in `keep` (NULL-terminated names). */
int store_forget_providers(struct store *st, const char *const *keep, struct rt_error *err);

/* Metric history. */
int store_add_metrics(struct store *st, const char *provider, const struct metric_list *l,
                      struct rt_error *err);
/* Samples of one host's metric since `since`, oldest first, at most max. */
int store_metric_history(struct store *st, const char *provider, const char *host,
                         const char *metric, int64_t since, double *values, int64_t *ts,
                         size_t max, size_t *n, struct rt_error *err);
int64_t store_metric_last_ts(struct store *st, const char *provider);
/* Delete samples older than `before`; downsample older than `coarse_before` to 5 min. */
int store_prune_metrics(struct store *st, int64_t before, int64_t coarse_before,
                        struct rt_error *err);

/* Task journal. */
struct task_rec {
    char *id;           /* "t-<ms>-<n>" */
    char *provider;
    char *action;       /* verb */
    enum res_kind kind; /* target kind */
    char *target_id;
    char *target_name;
    char *params_json;
    char *backend_ref;  /* provider's handle for task_poll */
    char *user;
    enum task_state state;
    int progress;
    char *message;
    int64_t created_at, updated_at, finished_at;
};
void task_rec_done(struct task_rec *t);
int store_task_insert(struct store *st, const struct task_rec *t, struct rt_error *err);
/* Rewrite a task. only_if_open: only while it is still pending/running in the store (so two
 * racktop processes following one task finish it once). Returns rows changed (0/1) or -1. */
int store_task_update(struct store *st, const struct task_rec *t, int only_if_open,
                      struct rt_error *err);
/* Tasks, newest first; only_open = pending/running only. Array owned by caller
 * (task_rec_done each, then free). */
int store_task_list(struct store *st, int only_open, size_t limit, struct task_rec **out,
                    size_t *n, struct rt_error *err);
int store_task_get(struct store *st, const char *id, struct task_rec *out, struct rt_error *err);
/* A task as a RES_KIND_TASK resource (new; status from the task state). */
struct resource *task_rec_resource(const struct task_rec *t);

/* Pinned fingerprints: kind "ssh" or "tls", subject "host:port". */
char *store_pin_get(struct store *st, const char *kind, const char *subject,
                    struct rt_error *err); /* NULL + RT_ERR_NOT_FOUND if none */
int store_pin_set(struct store *st, const char *kind, const char *subject, const char *fingerprint,
                  struct rt_error *err);

/* Small key/value metadata. */
char *store_meta_get(struct store *st, const char *key);
int store_meta_set(struct store *st, const char *key, const char *value, struct rt_error *err);

/* Provider-private blobs (namespace = provider type + instance, e.g. "demo:lab"). */
int store_blob_put(struct store *st, const char *ns, const char *key, const char *value,
                   struct rt_error *err);
char *store_blob_get(struct store *st, const char *ns, const char *key);
int store_blob_delete(struct store *st, const char *ns, const char *key, struct rt_error *err);
/* Calls fn for every blob of a namespace, in key order; stops early if fn returns non-zero. */
int store_blob_foreach(struct store *st, const char *ns,
                       int (*fn)(void *ctx, const char *key, const char *value), void *ctx,
                       struct rt_error *err);
int store_blob_clear(struct store *st, const char *ns, struct rt_error *err);

#endif
