/*
 * engine.c - provider workers, the event queue, actions and the journal.
 *
 * Threads: the consumer thread (UI or command line) calls the engine_* API;
 * one worker thread per configured provider instance owns that provider and
 * its own store connection.  Shared state (job queues, wanted kinds, provider
 * info, the event queue, the stop flag) is guarded by engine->lock; workers
 * sleep on their own condition variable.  Events are appended under the lock
 * and signalled through an eventfd that the consumer polls.
 *
 * A worker's loop: open the provider (retrying with backoff while it is
 * unreachable), reconcile the journal's open tasks for it, then serve, in
 * order, action jobs, requested refreshes, task polls and the refresh and
 * health timers.  Every requested (provider, kind) refresh is answered with
 * exactly one SYNC or SYNC_FAILED event, so a caller can wait for answers.
 */
#include "engine.h"

#include "audit.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "util.h"
#include "xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define POLL_INTERVAL_MS 400
#define OPEN_BACKOFF_MAX_S 60
#define JOIN_WAIT_S 5
#define STALE_PENDING_S 120

struct act_job {
    struct task_rec task;
    const struct action_def *action;
    struct params params;
    struct act_job *next;
};

struct detail_job {
    enum res_kind kind;
    char *id;
    int lines;
    struct detail_job *next;
};

struct running {
    struct task_rec task;
    const struct action_def *action;
    int poll_errors;
    unsigned create_polls;
};

struct worker {
    struct engine *e;
    size_t index;
    const struct provider_ops *ops;  /* NULL: type not built in */
    const struct config_provider *cp; /* NULL for the built-in demo */
    char name[64];
    char type[32];
    int cfg_read_only;
    pthread_t thread;
    int started;
    pthread_cond_t cond;
    /* Guarded by e->lock. */
    uint32_t want_kinds;
    struct act_job *jobs, *jobs_tail;
    struct detail_job *djobs;        /* engine_detail() requests, newest first */
    struct provider_info info;
    /* Worker-thread only. */
    struct provider *p;
    struct store *st;
    int opened;
    struct running *running;
    size_t nrunning, caprunning;
    int64_t next_open, next_inventory, next_health, next_poll, next_prune;
    int backoff_s;
    char *secret;                    /* engine_set_secret(): wiped once open() succeeded */
    int64_t metrics_since;
    uint64_t list_hash[RES_KIND__COUNT]; /* of the last rows sent, to skip unchanged refreshes */
    int posted[RES_KIND__COUNT];         /* rows posted (provider_post_rows) since that SYNC */
};

struct ev_node {
    struct engine_event *ev;
    struct ev_node *next;
};

struct engine {
    struct engine_opts opts;
    struct config *cfg;
    struct store *st;
    char *store_path;
    char *user;
    struct worker *workers;
    size_t nworkers;
    pthread_mutex_t lock;
    int stop;
    int efd;
    struct ev_node *q_head, *q_tail;
    unsigned task_counter;
};

static const char *const prov_state_names[] = {
    [PROV_STATE_CONNECTING] = "connecting",
    [PROV_STATE_CONNECTED] = "connected",
    [PROV_STATE_DEGRADED] = "degraded",
    [PROV_STATE_UNREACHABLE] = "unreachable",
};

const char *prov_state_name(enum prov_state s)
{
    return (unsigned)s < sizeof prov_state_names / sizeof prov_state_names[0]
               ? prov_state_names[s]
               : "unknown";
}

const char *engine_ev_name(enum engine_ev t)
{
    static const char *const names[] = {"sync", "upsert", "delete", "sync-failed",
                                        "task", "provider", "metrics", "detail"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}

/* ---- events ------------------------------------------------------------------------- */

static struct engine_event *event_new(enum engine_ev type, const char *provider, enum res_kind k)
{
    struct engine_event *ev = xcalloc(1, sizeof *ev);

    ev->type = type;
    snprintf(ev->provider, sizeof ev->provider, "%s", provider);
    ev->kind = k;
    res_list_init(&ev->rows);
    return ev;
}

void engine_event_free(struct engine_event *ev)
{
    if (ev == NULL)
        return;
    res_list_done(&ev->rows);
    res_detail_done(&ev->detail);
    free(ev->id);
    task_rec_done(&ev->task);
    free(ev);
}

/* Called with e->lock held. */
static void post_locked(struct engine *e, struct engine_event *ev)
{
    struct ev_node *n = xmalloc(sizeof *n);
    uint64_t one = 1;

    n->ev = ev;
    n->next = NULL;
    if (e->q_tail != NULL)
        e->q_tail->next = n;
    else
        e->q_head = n;
    e->q_tail = n;
    if (write(e->efd, &one, sizeof one) < 0 && errno != EAGAIN)
        rt_fatal("cannot signal the engine's event fd: %s", strerror(errno));
}

static void post(struct engine *e, struct engine_event *ev)
{
    pthread_mutex_lock(&e->lock);
    post_locked(e, ev);
    pthread_mutex_unlock(&e->lock);
}

int engine_fd(const struct engine *e)
{
    return e->efd;
}

struct engine_event *engine_next_event(struct engine *e)
{
    struct ev_node *n;
    struct engine_event *ev = NULL;
    uint64_t cnt;

    pthread_mutex_lock(&e->lock);
    n = e->q_head;
    if (n != NULL) {
        e->q_head = n->next;
        if (e->q_head == NULL)
            e->q_tail = NULL;
        ev = n->ev;
        free(n);
    }
    if (e->q_head == NULL) {
        /* Drain the counter so poll() sleeps until the next post. */
        if (read(e->efd, &cnt, sizeof cnt) < 0 && errno != EAGAIN)
            rt_fatal("cannot read the engine's event fd: %s", strerror(errno));
    }
    pthread_mutex_unlock(&e->lock);
    return ev;
}

static void post_info(struct worker *w)
{
    struct engine_event *ev = event_new(ENGINE_EV_PROVIDER, w->name, RES_KIND_HOST);

    pthread_mutex_lock(&w->e->lock);
    ev->info = w->info;
    post_locked(w->e, ev);
    pthread_mutex_unlock(&w->e->lock);
}

static void set_state(struct worker *w, enum prov_state s, const char *msg)
{
    pthread_mutex_lock(&w->e->lock);
    w->info.state = s;
    snprintf(w->info.last_error, sizeof w->info.last_error, "%s", msg != NULL ? msg : "");
    pthread_mutex_unlock(&w->e->lock);
    post_info(w);
}

static void post_task(struct worker *w, const struct task_rec *t)
{
    struct engine_event *ev = event_new(ENGINE_EV_TASK, w->name, t->kind);

    ev->task = *t;
    ev->task.id = xstrdup(t->id);
    ev->task.provider = xstrdup(t->provider);
    ev->task.action = xstrdup(t->action);
    ev->task.target_id = xstrdup(t->target_id);
    ev->task.target_name = xstrdup(t->target_name);
    ev->task.params_json = xstrdup(t->params_json);
    ev->task.backend_ref = xstrdup(t->backend_ref);
    ev->task.user = xstrdup(t->user);
    ev->task.message = xstrdup(t->message);
    post(w->e, ev);
}

/* ---- worker: journal and tasks ------------------------------------------------------ */

static void task_set_message(struct task_rec *t, const char *msg)
{
    free(t->message);
    t->message = xstrdup(msg);
}

static void audit_result(struct worker *w, const struct task_rec *t, const char *result)
{
    struct audit_entry a = {0};
    struct rt_error err = {0};

    a.user = t->user;
    a.provider = t->provider;
    a.action = t->action;
    a.kind = res_kind_name(t->kind);
    a.target = t->target_name != NULL ? t->target_name : t->target_id;
    a.params_json = t->params_json;
    a.result = result;
    a.task_id = t->id;
    if (audit_append(w->st, &a, NULL, &err) < 0)
        rt_log("audit: %s", err.msg);
}

/* Record a final state once (another racktop may be following the same task). */
static void task_finish(struct worker *w, struct task_rec *t, enum task_state state,
                        const char *msg, const struct action_def *a)
{
    struct rt_error err = {0};
    int changed;
    char *result;

    t->state = state;
    if (state == TASK_SUCCEEDED)
        t->progress = 100;
    task_set_message(t, msg);
    t->updated_at = t->finished_at = rt_now_ms() / 1000;
    changed = store_task_update(w->st, t, 1, &err);
    if (changed < 0)
        rt_log("task journal: %s", err.msg);
    if (changed > 0) {
        result = xasprintf("%s%s%s", task_state_name(state), msg != NULL && msg[0] ? ": " : "",
                           msg != NULL ? msg : "");
        audit_result(w, t, result);
        free(result);
    }
    post_task(w, t);
    if (a != NULL) {
        pthread_mutex_lock(&w->e->lock);
        w->want_kinds |= a->touches;
        pthread_mutex_unlock(&w->e->lock);
    }
}

static void running_add(struct worker *w, struct task_rec *t, const struct action_def *a)
{
    w->running = xgrow(w->running, &w->caprunning, w->nrunning + 1, sizeof *w->running);
    w->running[w->nrunning].task = *t; /* takes ownership of t's strings */
    w->running[w->nrunning].action = a;
    w->running[w->nrunning].poll_errors = 0;
    w->running[w->nrunning].create_polls = 0;
    w->nrunning++;
    memset(t, 0, sizeof *t);
}

static void running_remove(struct worker *w, size_t i)
{
    task_rec_done(&w->running[i].task);
    w->running[i] = w->running[--w->nrunning];
}

static void reconcile_journal(struct worker *w)
{
    struct task_rec *v = NULL;
    size_t n = 0;
    struct rt_error err = {0};
    int64_t now = rt_now_ms() / 1000;

    if (store_task_list(w->st, 1, 0, &v, &n, &err) < 0) {
        rt_log("task journal: %s", err.msg);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct task_rec *t = &v[i];
        const struct action_def *a = action_find(t->kind, t->action != NULL ? t->action : "");
        if (t->provider == NULL || strcmp(t->provider, w->name) != 0)
            continue;
        if (t->backend_ref != NULL && w->ops->task_poll != NULL) {
            running_add(w, t, a);
        } else if (t->backend_ref != NULL) {
            task_finish(w, t, TASK_INTERRUPTED,
                        "racktop stopped while this ran; check the resource's state", a);
        } else if (now - t->created_at > STALE_PENDING_S) {
            task_finish(w, t, TASK_INTERRUPTED,
                        "racktop stopped before the request was sent; nothing was changed", a);
        }
    }
    for (size_t i = 0; i < n; i++)
        task_rec_done(&v[i]);
    free(v);
}

static void refresh_target(struct worker *w, struct running *r)
{
    struct resource *res = NULL;
    struct rt_error err = {0};
    struct engine_event *ev;

    if (r->action != NULL && (r->action->flags & ACTION_CREATES)) {
        /* Re-list the kind every few polls so the new rows' progress shows. */
        if (++r->create_polls % 5 == 0) {
            pthread_mutex_lock(&w->e->lock);
            w->want_kinds |= RT_KIND_BIT(r->action->kind);
            pthread_mutex_unlock(&w->e->lock);
        }
        return;
    }
    if (r->action == NULL || w->ops->get == NULL)
        return;
    if (provider_get(w->p, r->task.kind, r->task.target_id, &res, &err) < 0) {
        if (err.code == RT_ERR_NOT_FOUND) {
            store_delete_resource(w->st, w->name, r->task.kind, r->task.target_id, NULL);
            ev = event_new(ENGINE_EV_DELETE, w->name, r->task.kind);
            ev->id = xstrdup(r->task.target_id);
            post(w->e, ev);
        }
        return;
    }
    if (res->updated_at == 0)
        res->updated_at = rt_now_ms() / 1000;
    store_put_resource(w->st, res, NULL);
    res_drop_raw(res);
    ev = event_new(ENGINE_EV_UPSERT, w->name, r->task.kind);
    res_list_push(&ev->rows, res);
    post(w->e, ev);
}

static void poll_tasks(struct worker *w)
{
    for (size_t i = 0; i < w->nrunning;) {
        struct running *r = &w->running[i];
        struct task_progress prog;
        struct rt_error err = {0};

        if (provider_task_poll(w->p, r->task.backend_ref, &prog, &err) < 0) {
            if (err.code == RT_ERR_NOT_FOUND || ++r->poll_errors >= 30) {
                task_finish(w, &r->task, TASK_INTERRUPTED, err.msg, r->action);
                running_remove(w, i);
                continue;
            }
            i++;
            continue;
        }
        r->poll_errors = 0;
        if (prog.state == TASK_SUCCEEDED || prog.state == TASK_FAILED ||
            prog.state == TASK_INTERRUPTED) {
            refresh_target(w, r);
            task_finish(w, &r->task, prog.state, prog.message, r->action);
            running_remove(w, i);
            continue;
        }
        if (prog.progress != r->task.progress || r->task.message == NULL ||
            strcmp(prog.message, r->task.message) != 0 || r->task.state != prog.state) {
            r->task.state = TASK_RUNNING;
            r->task.progress = prog.progress;
            task_set_message(&r->task, prog.message);
            r->task.updated_at = rt_now_ms() / 1000;
            store_task_update(w->st, &r->task, 1, NULL);
            post_task(w, &r->task);
        }
        refresh_target(w, r);
        i++;
    }
}

static void run_job(struct worker *w, struct act_job *job)
{
    struct act_request req = {0};
    struct rt_error err = {0};
    char *ref = NULL;
    struct task_rec *t = &job->task;

    if (!w->opened) {
        char msg[400];
        snprintf(msg, sizeof msg, "provider '%s' is unreachable: %s", w->name,
                 w->info.last_error);
        task_finish(w, t, TASK_FAILED, msg, NULL);
        return;
    }
    req.action = job->action;
    req.target_id = t->target_id;
    req.target_name = t->target_name;
    req.params = &job->params;
    if (provider_act(w->p, &req, &ref, &err) < 0) {
        task_finish(w, t, TASK_FAILED, err.msg, NULL);
        return;
    }
    if (w->ops->task_poll == NULL || ref == NULL) {
        free(ref);
        task_finish(w, t, TASK_SUCCEEDED, "done", job->action);
        return;
    }
    t->backend_ref = ref;
    t->state = TASK_RUNNING;
    t->progress = 0;
    task_set_message(t, "accepted by the backend");
    t->updated_at = rt_now_ms() / 1000;
    store_task_update(w->st, t, 1, NULL);
    post_task(w, t);
    /* A create has no target to follow with get(): list its kind so the new resource shows
     * up (BUILD) while the task runs. */
    if (job->action->flags & ACTION_CREATES) {
        pthread_mutex_lock(&w->e->lock);
        w->want_kinds |= RT_KIND_BIT(job->action->kind);
        pthread_mutex_unlock(&w->e->lock);
    }
    running_add(w, t, job->action);
    w->next_poll = rt_mono_ms();
}

static void run_detail(struct worker *w, struct detail_job *job)
{
    struct engine_event *ev = event_new(ENGINE_EV_DETAIL, w->name, job->kind);
    struct detail_request req = {job->kind, job->id, job->lines};

    ev->id = xstrdup(job->id);
    if (!w->opened)
        rt_err_set(&ev->err, RT_ERR_TRANSPORT, 0, "provider '%s' is unreachable: %s", w->name,
                   w->info.last_error);
    else if (provider_detail(w->p, &req, &ev->detail, &ev->err) < 0)
        res_detail_done(&ev->detail);
    post(w->e, ev);
}

static void detail_jobs_free(struct detail_job *j)
{
    while (j != NULL) {
        struct detail_job *next = j->next;
        free(j->id);
        free(j);
        j = next;
    }
}

/* ---- worker: inventory and health --------------------------------------------------- */

/*
 * Answer a refresh of k: with rows (taken, their raw JSON dropped), which replace what the
 * consumers hold, or with rows NULL, "unchanged": the rows sent last time stand.  Then the
 * provider is connected, or degraded with `trouble` (its cache could not be written).
 */
static void post_sync(struct worker *w, enum res_kind k, struct res_list *rows, int64_t now,
                      const char *trouble)
{
    struct engine_event *ev = event_new(ENGINE_EV_SYNC, w->name, k);

    if (rows == NULL) {
        ev->unchanged = 1;
    } else {
        for (size_t i = 0; i < rows->len; i++)
            res_drop_raw(rows->items[i]);
        w->posted[k] = 0;
        res_list_splice(&ev->rows, rows);
    }
    post(w->e, ev);
    pthread_mutex_lock(&w->e->lock);
    w->info.synced_at[k] = now;
    pthread_mutex_unlock(&w->e->lock);
    if (trouble != NULL)
        set_state(w, PROV_STATE_DEGRADED, trouble);
    else if (w->info.state != PROV_STATE_CONNECTED)
        set_state(w, PROV_STATE_CONNECTED, NULL);
}

static void sync_kind(struct worker *w, enum res_kind k)
{
    uint64_t h = RT_FNV_INIT, *rh = NULL;
    int cache_failed = 0, lrc;
    struct res_list rows;
    struct rt_error err = {0};
    struct engine_event *ev;
    int64_t now = rt_now_ms() / 1000;

    res_list_init(&rows);
    if (!w->opened || (w->info.kinds & RT_KIND_BIT(k)) == 0) {
        ev = event_new(ENGINE_EV_SYNC_FAILED, w->name, k);
        if (!w->opened)
            rt_err_set(&ev->err, RT_ERR_TRANSPORT, 0, "provider '%s' is unreachable: %s", w->name,
                       w->info.last_error);
        else
            rt_err_set(&ev->err, RT_ERR_UNSUPPORTED, 0, "provider '%s' has no %s", w->name,
                       res_kind_plural(k));
        post(w->e, ev);
        return;
    }
    lrc = provider_list_refresh(w->p, k, &rows, &err);
    if (lrc == 1 && w->list_hash[k] != 0) {
        /* The provider knows nothing changed since its last list(): no rows to compare. */
        res_list_done(&rows);
        if (!w->posted[k] || store_load_resources(w->st, w->name, k, &rows, &err) < 0) {
            res_list_done(&rows);
            post_sync(w, k, NULL, now, NULL);
            return;
        }
        /* Rows were posted since the last SYNC: resend that SYNC's rows (stored) so
         * nothing posted outlives this refresh. */
        post_sync(w, k, &rows, now, NULL);
        return;
    }
    if (lrc < 0) {
        res_list_done(&rows);
        ev = event_new(ENGINE_EV_SYNC_FAILED, w->name, k);
        ev->err = err;
        post(w->e, ev);
        set_state(w, PROV_STATE_DEGRADED, err.msg);
        return;
    }
    /* Each row is hashed once: the list hash below and the store's unchanged-row check. */
    rh = xmalloc((rows.len ? rows.len : 1) * sizeof *rh);
    for (size_t i = 0; i < rows.len; i++) {
        struct resource *r = rows.items[i];
        if (r->provider == NULL || strcmp(r->provider, w->name) != 0) {
            res_set_provider(r, w->name);
        }
        if (r->updated_at == 0)
            r->updated_at = now;
#ifndef NDEBUG
        /* A provider's hash must be the row's (test builds check every one). */
        RT_ASSERT(r->hash == 0 || r->hash == res_hash(r));
#endif
        rh[i] = r->hash != 0 ? r->hash : res_hash(r);
        h = rt_hash(h, r->id, strlen(r->id) + 1);
        h = rt_hash(h, &rh[i], sizeof rh[i]);
    }
    if (w->list_hash[k] != 0 && w->list_hash[k] == h && !w->posted[k]) {
        /* Nothing changed since the last refresh: no store writes, no new rows for the
         * consumers (an idle wall display stays idle), but the request is answered.
         * Not after posted rows: the consumers hold those, and this SYNC must replace them. */
        free(rh);
        res_list_done(&rows);
        post_sync(w, k, NULL, now, NULL);
        return;
    }
    w->list_hash[k] = h;
    /* The rows and their sync time in one transaction: one commit, one fsync of the WAL
     * (two cost ~8 ms more per refresh of 10 000 servers).  The list hash goes with them:
     * a later process whose first listing has the same hash (a `racktop list` run after
     * run) writes nothing but the time (store_put_listing). */
    cache_failed = store_begin(w->st, &err) < 0 ||
                   store_put_listing(w->st, w->name, k, &rows, rh, h, now, &err) < 0 ||
                   store_commit(w->st, &err) < 0;
    if (cache_failed)
        store_rollback(w->st);
    free(rh);
    if (cache_failed) {
        /* The fresh rows still reach the screen; the operator learns the cache is failing. */
        rt_log("cache: %s", err.msg);
    }
    {
        char msg[300];
        snprintf(msg, sizeof msg, "cache not updated: %s", err.msg);
        post_sync(w, k, &rows, now, cache_failed ? msg : NULL);
    }
}

static void collect_health(struct worker *w)
{
    struct metric_list l = {0};
    struct rt_error err = {0};
    int64_t now = rt_now_ms() / 1000;

    if (w->ops->metrics == NULL)
        return;
    if (w->metrics_since == 0) {
        w->metrics_since = store_metric_last_ts(w->st, w->name);
        if (w->metrics_since < now - 3600)
            w->metrics_since = now - 3600;
    }
    if (provider_metrics(w->p, w->metrics_since, &l, &err) < 0) {
        set_state(w, PROV_STATE_DEGRADED, err.msg);
        metric_list_done(&l);
        return;
    }
    for (size_t i = 0; i < l.len; i++) {
        if (l.items[i].ts > w->metrics_since)
            w->metrics_since = l.items[i].ts;
    }
    if (l.len > 0 && store_add_metrics(w->st, w->name, &l, &err) == 0)
        post(w->e, event_new(ENGINE_EV_METRICS, w->name, RES_KIND_HOST));
    metric_list_done(&l);
    if (rt_mono_ms() >= w->next_prune) {
        int64_t keep = w->e->cfg->retention_metrics_s;
        store_prune_metrics(w->st, now - keep, now - 86400, NULL);
        w->next_prune = rt_mono_ms() + 3600 * 1000;
    }
}

static void try_open(struct worker *w)
{
    struct rt_error err = {0};

    if (provider_open(w->p, w->cp, &err) < 0) {
        w->backoff_s = w->backoff_s == 0 ? 2 : w->backoff_s * 2;
        if (w->backoff_s > OPEN_BACKOFF_MAX_S)
            w->backoff_s = OPEN_BACKOFF_MAX_S;
        w->next_open = rt_mono_ms() + (int64_t)w->backoff_s * 1000;
        set_state(w, PROV_STATE_UNREACHABLE, err.msg);
        return;
    }
    w->opened = 1;
    w->backoff_s = 0;
    if (w->secret != NULL)
        explicit_bzero(w->secret, strlen(w->secret)); /* the provider took its copy */
    pthread_mutex_lock(&w->e->lock);
    w->info.kinds = provider_kinds(w->p);
    w->info.actions = provider_actions(w->p);
    snprintf(w->info.warning, sizeof w->info.warning, "%s", provider_warning(w->p));
    if (w->e->opts.auto_refresh)
        w->want_kinds |= w->info.kinds;
    pthread_mutex_unlock(&w->e->lock);
    set_state(w, PROV_STATE_CONNECTED, NULL);
    reconcile_journal(w);
    w->next_poll = rt_mono_ms();
}

static int64_t min_deadline(int64_t a, int64_t b)
{
    return a == 0 ? b : (b == 0 || a < b ? a : b);
}

/* prov_env.request_refresh: any thread (libvirt's event loop, for one). */
static void worker_request_refresh(void *ctx, uint32_t kinds)
{
    struct worker *w = ctx;

    pthread_mutex_lock(&w->e->lock);
    w->want_kinds |= kinds;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->e->lock);
}

/* prov_env.stopping: any thread, without the lock (a provider may call it while the
 * worker holds nothing, or from a callback). */
static int worker_stopping(void *ctx)
{
    struct worker *w = ctx;

    return __atomic_load_n(&w->e->stop, __ATOMIC_RELAXED);
}

/* prov_env.post_rows: the worker thread, inside list() (provider.h).  One UPSERT event
 * with copies of the rows, shaped like the rows of a SYNC. */
static void worker_post_rows(void *ctx, enum res_kind k, const struct res_list *rows)
{
    struct worker *w = ctx;
    struct engine_event *ev;
    int64_t now = rt_now_ms() / 1000;

    if ((unsigned)k >= RES_KIND__COUNT || (w->info.kinds & RT_KIND_BIT(k)) == 0)
        return;
    ev = event_new(ENGINE_EV_UPSERT, w->name, k);
    for (size_t i = 0; i < rows->len; i++) {
        struct resource *r;
        if (rows->items[i]->kind != k)
            continue; /* fields are per kind: a stray row cannot be relabelled */
        r = res_dup(rows->items[i]);
        res_drop_raw(r);
        if (r->provider == NULL || strcmp(r->provider, w->name) != 0) {
            res_set_provider(r, w->name);
        }
        if (r->updated_at == 0)
            r->updated_at = now;
        res_list_push(&ev->rows, r);
    }
    if (ev->rows.len == 0) {
        engine_event_free(ev);
        return;
    }
    w->posted[k] = 1;
    post(w->e, ev);
}

/* prov_env.post_delete: the worker thread, inside list(). */
static void worker_post_delete(void *ctx, enum res_kind k, const char *id)
{
    struct worker *w = ctx;
    struct engine_event *ev;

    if ((unsigned)k >= RES_KIND__COUNT || (w->info.kinds & RT_KIND_BIT(k)) == 0)
        return;
    ev = event_new(ENGINE_EV_DELETE, w->name, k);
    ev->id = xstrdup(id);
    w->posted[k] = 1;
    post(w->e, ev);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct engine *e = w->e;
    struct rt_error err = {0};
    struct prov_env env = {0};

    w->st = store_open(e->store_path, &err);
    if (w->st == NULL) {
        set_state(w, PROV_STATE_UNREACHABLE, err.msg);
    } else if (w->ops == NULL) {
        char msg[500];
        const char *why = provider_type_error(w->type);
        if (why != NULL)
            snprintf(msg, sizeof msg, "provider type '%s' could not be loaded: %s", w->type, why);
        else
            snprintf(msg, sizeof msg,
                     "provider type '%s' is not available in this build of racktop", w->type);
        set_state(w, PROV_STATE_UNREACHABLE, msg);
    } else {
        env.store = w->st;
        env.demo_seed = e->opts.demo_seed;
        env.demo_size = e->opts.demo_size;
        env.demo_speed = e->opts.demo_speed;
        env.list_once = e->opts.list_once;
        env.timeout_s = e->cfg->timeout_s;
        env.request_refresh = worker_request_refresh;
        env.stopping = worker_stopping;
        env.post_rows = worker_post_rows;
        env.post_delete = worker_post_delete;
        env.request_ctx = w;
        env.secret = w->secret;
        w->p = provider_new(w->ops, w->name, &env);
        try_open(w);
    }
    w->next_inventory = rt_mono_ms() + e->cfg->refresh_inventory_s * 1000;
    w->next_health = rt_mono_ms();

    pthread_mutex_lock(&e->lock);
    while (!e->stop) {
        int64_t now = rt_mono_ms(), deadline = 0;
        struct act_job *jobs;
        struct detail_job *djobs;
        uint32_t kinds;
        int do_poll, do_inv, do_health, do_open;

        jobs = w->jobs;
        w->jobs = w->jobs_tail = NULL;
        djobs = w->djobs;
        w->djobs = NULL;
        do_open = w->p != NULL && !w->opened && now >= w->next_open;
        do_inv = w->opened && e->opts.auto_refresh && now >= w->next_inventory;
        if (do_inv)
            w->want_kinds |= w->info.kinds;
        kinds = w->want_kinds;
        if (w->opened || w->p == NULL || w->st == NULL)
            w->want_kinds = 0;
        else
            kinds = 0; /* keep them for after the open; answer jobs now */
        do_poll = w->opened && w->nrunning > 0 && now >= w->next_poll;
        do_health = w->opened && e->opts.auto_refresh && now >= w->next_health;
        if (jobs == NULL && djobs == NULL && kinds == 0 && !do_poll && !do_health && !do_open && !do_inv) {
            struct timespec ts;
            if (w->p != NULL && !w->opened)
                deadline = min_deadline(deadline, w->next_open);
            if (w->nrunning > 0)
                deadline = min_deadline(deadline, w->next_poll);
            if (w->opened && e->opts.auto_refresh) {
                deadline = min_deadline(deadline, w->next_inventory);
                deadline = min_deadline(deadline, w->next_health);
            }
            if (deadline == 0) {
                pthread_cond_wait(&w->cond, &e->lock);
            } else {
                clock_gettime(CLOCK_MONOTONIC, &ts);
                int64_t wait_ms = deadline - now;
                if (wait_ms < 1)
                    wait_ms = 1;
                ts.tv_sec += wait_ms / 1000;
                ts.tv_nsec += (wait_ms % 1000) * 1000000;
                if (ts.tv_nsec >= 1000000000) {
                    ts.tv_sec++;
                    ts.tv_nsec -= 1000000000;
                }
                pthread_cond_timedwait(&w->cond, &e->lock, &ts);
            }
            continue;
        }
        pthread_mutex_unlock(&e->lock);

        if (do_open)
            try_open(w);
        while (jobs != NULL) {
            struct act_job *next = jobs->next;
            run_job(w, jobs);
            task_rec_done(&jobs->task);
            params_done(&jobs->params);
            free(jobs);
            jobs = next;
        }
        /* Answer the newest detail request first: the one a describe view waits on. */
        for (struct detail_job *j = djobs; j != NULL; j = j->next)
            run_detail(w, j);
        detail_jobs_free(djobs);
        for (int k = 0; k < RES_KIND__COUNT; k++) {
            if (kinds & RT_KIND_BIT(k))
                sync_kind(w, (enum res_kind)k);
        }
        if (do_inv)
            w->next_inventory = rt_mono_ms() + e->cfg->refresh_inventory_s * 1000;
        if (do_poll || (w->nrunning > 0 && rt_mono_ms() >= w->next_poll)) {
            poll_tasks(w);
            w->next_poll = rt_mono_ms() + POLL_INTERVAL_MS;
        }
        if (do_health) {
            collect_health(w);
            w->next_health = rt_mono_ms() + e->cfg->refresh_health_s * 1000;
        }
        pthread_mutex_lock(&e->lock);
    }
    pthread_mutex_unlock(&e->lock);
    for (size_t i = 0; i < w->nrunning; i++)
        task_rec_done(&w->running[i].task);
    free(w->running);
    w->running = NULL;
    w->nrunning = 0;
    provider_free(w->p);
    w->p = NULL;
    store_close(w->st);
    w->st = NULL;
    return NULL;
}

/* ---- public API --------------------------------------------------------------------- */

static void worker_init(struct engine *e, struct worker *w, size_t i, const char *name,
                        const char *type, const struct config_provider *cp)
{
    pthread_condattr_t ca;

    w->e = e;
    w->index = i;
    w->cp = cp;
    w->ops = provider_type_find(type);
    snprintf(w->name, sizeof w->name, "%s", name);
    snprintf(w->type, sizeof w->type, "%s", type);
    w->cfg_read_only = cp != NULL && cp->read_only;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &ca);
    pthread_condattr_destroy(&ca);
    snprintf(w->info.name, sizeof w->info.name, "%s", name);
    snprintf(w->info.type, sizeof w->info.type, "%s", type);
    w->info.state = PROV_STATE_CONNECTING;
    w->info.read_only = e->opts.read_only || w->cfg_read_only;
    w->info.demo = strcmp(type, "demo") == 0;
    w->info.kinds = w->ops != NULL ? w->ops->kinds : 0;
    w->info.actions = w->ops != NULL ? w->ops->actions : 0;
}

struct engine *engine_new(const struct engine_opts *opts, struct rt_error *err)
{
    struct engine *e = xcalloc(1, sizeof *e);
    const char *speed = getenv("RACKTOP_DEMO_SPEED");

    e->opts = *opts;
    e->efd = -1;
    pthread_mutex_init(&e->lock, NULL);
    if (e->opts.demo_seed == 0)
        e->opts.demo_seed = 42;
    if (e->opts.demo_speed <= 0) {
        char *end = NULL;
        double v = speed != NULL ? strtod(speed, &end) : 0;
        if (speed != NULL && (end == speed || *end != '\0' || v <= 0)) {
            rt_err_set(err, RT_ERR_ARG, 0,
                       "RACKTOP_DEMO_SPEED must be a positive number (got '%s')", speed);
            goto fail;
        }
        e->opts.demo_speed = v > 0 ? v : 1;
    }
    e->cfg = config_load(opts->config_path, err);
    if (e->cfg == NULL)
        goto fail;
    if (e->cfg->read_only)
        e->opts.read_only = 1;
    e->store_path = opts->store_path != NULL ? xstrdup(opts->store_path) : store_default_path();
    e->st = store_open(e->store_path, err);
    if (e->st == NULL)
        goto fail;
    e->user = audit_local_user();
    e->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (e->efd < 0) {
        rt_err_set(err, RT_ERR_INTERNAL, errno, "cannot create an eventfd: %s", strerror(errno));
        goto fail;
    }
    if (e->cfg->n_providers == 0) {
        e->nworkers = 1;
        e->workers = xcalloc(1, sizeof *e->workers);
        worker_init(e, &e->workers[0], 0, "demo", "demo", NULL);
    } else {
        e->nworkers = e->cfg->n_providers;
        e->workers = xcalloc(e->nworkers, sizeof *e->workers);
        for (size_t i = 0; i < e->nworkers; i++) {
            const struct config_provider *cp = &e->cfg->providers[i];
            worker_init(e, &e->workers[i], i, cp->name, cp->type, cp);
        }
    }
    return e;
fail:
    engine_free(e);
    return NULL;
}

int engine_start(struct engine *e, struct rt_error *err)
{
    for (size_t i = 0; i < e->nworkers; i++) {
        struct worker *w = &e->workers[i];
        int rc = pthread_create(&w->thread, NULL, worker_main, w);
        if (rc != 0)
            return rt_err_set(err, RT_ERR_INTERNAL, rc, "cannot start a worker thread: %s",
                              strerror(rc));
        w->started = 1;
    }
    return 0;
}

void engine_stop(struct engine *e)
{
    if (e == NULL)
        return;
    pthread_mutex_lock(&e->lock);
    __atomic_store_n(&e->stop, 1, __ATOMIC_RELAXED); /* also read by worker_stopping() */
    for (size_t i = 0; i < e->nworkers; i++)
        pthread_cond_signal(&e->workers[i].cond);
    pthread_mutex_unlock(&e->lock);
}

void engine_free(struct engine *e)
{
    struct ev_node *n;

    if (e == NULL)
        return;
    engine_stop(e);
    for (size_t i = 0; i < e->nworkers; i++) {
        struct worker *w = &e->workers[i];
        struct timespec ts;
        if (!w->started)
            continue;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += JOIN_WAIT_S;
        if (pthread_timedjoin_np(w->thread, NULL, &ts) != 0) {
            /* A provider stuck in a blocking call: leave it; the process is ending. */
            pthread_detach(w->thread);
            w->started = 0;
            continue;
        }
    }
    for (size_t i = 0; i < e->nworkers; i++) {
        struct worker *w = &e->workers[i];
        while (w->jobs != NULL) {
            struct act_job *next = w->jobs->next;
            task_rec_done(&w->jobs->task);
            params_done(&w->jobs->params);
            free(w->jobs);
            w->jobs = next;
        }
        detail_jobs_free(w->djobs);
        w->djobs = NULL;
        if (w->e != NULL)
            pthread_cond_destroy(&w->cond);
        if (w->secret != NULL) {
            explicit_bzero(w->secret, strlen(w->secret));
            free(w->secret);
        }
    }
    while ((n = e->q_head) != NULL) {
        e->q_head = n->next;
        engine_event_free(n->ev);
        free(n);
    }
    free(e->workers);
    store_close(e->st);
    config_free(e->cfg);
    free(e->store_path);
    free(e->user);
    if (e->efd >= 0)
        close(e->efd);
    pthread_mutex_destroy(&e->lock);
    free(e);
}

int engine_set_secret(struct engine *e, const char *provider, const char *secret,
                      struct rt_error *err)
{
    for (size_t i = 0; i < e->nworkers; i++) {
        struct worker *w = &e->workers[i];
        if (strcmp(w->name, provider) != 0)
            continue;
        RT_ASSERT(!w->started);
        if (w->secret != NULL) {
            explicit_bzero(w->secret, strlen(w->secret));
            free(w->secret);
        }
        w->secret = xstrdup(secret);
        return 0;
    }
    return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no provider '%s'", provider);
}

void engine_refresh(struct engine *e, const char *provider, uint32_t kinds)
{
    pthread_mutex_lock(&e->lock);
    for (size_t i = 0; i < e->nworkers; i++) {
        struct worker *w = &e->workers[i];
        if (provider != NULL && strcmp(provider, w->name) != 0)
            continue;
        w->want_kinds |= kinds;
        pthread_cond_signal(&w->cond);
    }
    pthread_mutex_unlock(&e->lock);
}

int engine_provider_index(const struct engine *e, const char *name)
{
    for (size_t i = 0; i < e->nworkers; i++) {
        if (strcmp(e->workers[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

int engine_read_only(const struct engine *e, const char *provider)
{
    int i = provider != NULL ? engine_provider_index(e, provider) : -1;

    if (e->opts.read_only)
        return 1;
    return i >= 0 && e->workers[i].cfg_read_only;
}

int engine_act(struct engine *e, const char *provider, const struct action_def *a,
               const char *target_id, const char *target_name, const struct params *params,
               char **task_id, struct rt_error *err)
{
    int i = provider != NULL ? engine_provider_index(e, provider) : -1;
    struct worker *w;
    struct act_job *job;
    struct audit_entry ae = {0};
    uint64_t actions;
    int64_t now_ms = rt_now_ms();

    *task_id = NULL;
    if (i < 0)
        return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no provider '%s'",
                          provider != NULL ? provider : "(none)");
    w = &e->workers[i];
    if (__atomic_load_n(&e->stop, __ATOMIC_RELAXED))
        return rt_err_set(err, RT_ERR_REFUSED, 0, "racktop is stopping: '%s' was not run", a->verb);
    if (engine_read_only(e, provider))
        return rt_err_set(err, RT_ERR_REFUSED, 0,
                          "refused: '%s' would change %s '%s', but %s is read-only", a->verb,
                          res_kind_name(a->kind), target_name != NULL ? target_name : target_id,
                          e->opts.read_only ? "racktop" : provider);
    if (target_id == NULL || target_id[0] == '\0')
        return rt_err_set(err, RT_ERR_ARG, 0, "'%s' needs a target", a->verb);
    if (action_validate(a, params, err) < 0)
        return -1;
    pthread_mutex_lock(&e->lock);
    actions = w->info.actions;
    pthread_mutex_unlock(&e->lock);
    if (w->ops == NULL || w->ops->act == NULL || !(actions >> action_index(a) & 1))
        return rt_err_set(err, RT_ERR_UNSUPPORTED, 0,
                          "provider '%s' (%s) does not support '%s' on %s", w->name, w->type,
                          a->verb, res_kind_plural(a->kind));

    job = xcalloc(1, sizeof *job);
    job->action = a;
    params_copy(&job->params, params);
    job->task.id = xasprintf("t-%lld-%d-%u", (long long)now_ms, (int)getpid(), ++e->task_counter);
    job->task.provider = xstrdup(w->name);
    job->task.action = xstrdup(a->verb);
    job->task.kind = a->kind;
    job->task.target_id = xstrdup(target_id);
    job->task.target_name = xstrdup(target_name != NULL ? target_name : target_id);
    job->task.params_json = params_to_json(params);
    job->task.user = xstrdup(e->user);
    job->task.state = TASK_PENDING;
    job->task.progress = 0;
    job->task.message = xstrdup("waiting for the provider");
    job->task.created_at = job->task.updated_at = now_ms / 1000;

    /* Journal and audit before anything is sent. */
    ae.user = e->user;
    ae.provider = w->name;
    ae.action = a->verb;
    ae.kind = res_kind_name(a->kind);
    ae.target = job->task.target_name;
    ae.params_json = job->task.params_json;
    ae.result = "requested";
    ae.task_id = job->task.id;
    if (store_task_insert(e->st, &job->task, err) < 0 || audit_append(e->st, &ae, NULL, err) < 0) {
        task_rec_done(&job->task);
        params_done(&job->params);
        free(job);
        return -1;
    }
    *task_id = xstrdup(job->task.id);
    pthread_mutex_lock(&e->lock);
    if (w->jobs_tail != NULL)
        w->jobs_tail->next = job;
    else
        w->jobs = job;
    w->jobs_tail = job;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&e->lock);
    return 0;
}

int engine_detail(struct engine *e, const char *provider, enum res_kind k, const char *id,
                  int lines, struct rt_error *err)
{
    int i = provider != NULL ? engine_provider_index(e, provider) : -1;
    struct worker *w;
    struct detail_job *job;

    if (i < 0)
        return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no provider '%s'",
                          provider != NULL ? provider : "(none)");
    w = &e->workers[i];
    if (w->ops == NULL || w->ops->detail == NULL)
        return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "provider '%s' (%s) has no resource detail",
                          w->name, w->type);
    if (id == NULL || id[0] == '\0')
        return rt_err_set(err, RT_ERR_ARG, 0, "detail: no resource id");
    if (__atomic_load_n(&e->stop, __ATOMIC_RELAXED))
        return rt_err_set(err, RT_ERR_REFUSED, 0, "racktop is stopping");
    job = xcalloc(1, sizeof *job);
    job->kind = k;
    job->id = xstrdup(id);
    job->lines = lines;
    pthread_mutex_lock(&e->lock);
    job->next = w->djobs;
    w->djobs = job;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&e->lock);
    return 0;
}

size_t engine_provider_count(const struct engine *e)
{
    return e->nworkers;
}

void engine_provider_info(struct engine *e, size_t i, struct provider_info *out)
{
    pthread_mutex_lock(&e->lock);
    *out = e->workers[i].info;
    pthread_mutex_unlock(&e->lock);
}

struct store *engine_store(struct engine *e)
{
    return e->st;
}

const struct config *engine_config(const struct engine *e)
{
    return e->cfg;
}

const struct engine_opts *engine_opts(const struct engine *e)
{
    return &e->opts;
}
