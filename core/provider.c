/*
 * provider.c - the table of provider types and checked dispatch.
 *
 * The wrappers check the method pointer and the arguments, then call the
 * provider; an optional method left NULL is reported as unsupported.  A
 * provider instance is used by one worker thread at a time (the engine's
 * guarantee); the accessors are safe to call from that thread.
 */
#include "provider.h"

#include "err.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "xalloc.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The built-in provider types.  A config naming a type missing here (and not
 * loadable, below) is reported as that provider's status.
 *
 * The libvirt provider (WITH_LIBVIRT) is a module, racktop-libvirt.so, loaded
 * the first time a config names the type: libvirt and the ~25 libraries behind
 * it cost every racktop start ~7 ms of dynamic loading (more than half of it),
 * and most starts never talk to libvirt.  The module calls back into the
 * racktop executable (built with -rdynamic).  A program that links the
 * provider's objects itself (the libvirt unit test) gets them directly: the weak
 * reference below is then defined.
 */
extern const struct provider_ops prov_demo_ops;
extern const struct provider_ops prov_redfish_ops;
extern const struct provider_ops prov_openstack_ops;

static const struct provider_ops *const provider_table[] = {
    &prov_demo_ops,
    &prov_redfish_ops,
    &prov_openstack_ops,
    NULL,
};

#ifdef WITH_LIBVIRT
extern const struct provider_ops prov_libvirt_ops __attribute__((weak));

#ifndef RACKTOP_MODULE_DIR
#define RACKTOP_MODULE_DIR "/usr/local/lib/racktop"
#endif
#define LIBVIRT_MODULE "racktop-libvirt.so"

static pthread_once_t libvirt_once = PTHREAD_ONCE_INIT;
static const struct provider_ops *libvirt_ops;
static char libvirt_error[400];

/* dlopen() the module at path; 0 with libvirt_ops set, -1 with libvirt_error set. */
static int libvirt_try(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    const struct provider_ops *ops;

    if (h == NULL) {
        snprintf(libvirt_error, sizeof libvirt_error, "%s", dlerror());
        return -1;
    }
    ops = dlsym(h, "prov_libvirt_ops");
    if (ops == NULL || ops->name == NULL || strcmp(ops->name, "libvirt") != 0) {
        snprintf(libvirt_error, sizeof libvirt_error, "%s: no libvirt provider in it", path);
        dlclose(h);
        return -1;
    }
    libvirt_ops = ops; /* the module stays loaded for the life of the process */
    return 0;
}

/* Next to the executable (a build tree, a relocated install), then the install dir. */
static void libvirt_load(void)
{
    char exe[PATH_MAX], path[PATH_MAX + sizeof LIBVIRT_MODULE + 1];
    ssize_t n;

    if (&prov_libvirt_ops != NULL) {
        libvirt_ops = &prov_libvirt_ops;
        return;
    }
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        char *slash;
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash != NULL) {
            slash[1] = '\0';
            snprintf(path, sizeof path, "%s%s", exe, LIBVIRT_MODULE);
            if (access(path, F_OK) == 0) {
                libvirt_try(path);
                return;
            }
        }
    }
    snprintf(path, sizeof path, "%s/%s", RACKTOP_MODULE_DIR, LIBVIRT_MODULE);
    if (access(path, F_OK) == 0)
        libvirt_try(path);
    else
        snprintf(libvirt_error, sizeof libvirt_error,
                 "%s is not installed (looked next to racktop and in %s)", LIBVIRT_MODULE,
                 RACKTOP_MODULE_DIR);
}
#endif

const char *provider_type_error(const char *type)
{
#ifdef WITH_LIBVIRT
    if (strcmp(type, "libvirt") == 0) {
        pthread_once(&libvirt_once, libvirt_load);
        return libvirt_ops == NULL ? libvirt_error : NULL;
    }
#else
    (void)type;
#endif
    return NULL;
}

/*
 * The stored rows of one kind (provider_row_stored()), read at its first call in a
 * list() and dropped when list() returns: open addressing on the id's hash, slots of
 * {key, hash} (key 0: empty; hash 0: two ids share the key, neither is vouched for).
 */
struct stored_rows {
    int kind;            /* -1: not read in this list() */
    size_t mask;         /* slots - 1 */
    uint64_t *slot;      /* 2 * slots */
    uint64_t *pairs;     /* while reading: {key, hash} as read */
    size_t n, cap;
};

static void stored_rows_drop(struct stored_rows *s);

struct provider {
    const struct provider_ops *ops;
    char *name;
    struct prov_env env;
    uint32_t kinds;
    uint64_t actions;
    int opened;
    int may_skip; /* inside provider_list_refresh() */
    struct stored_rows stored; /* provider_row_stored(), during one list() */
    void *priv;
    char warning[128];     /* provider_set_warning(); "" none */
};

const struct provider_ops *const *provider_types(void)
{
    return provider_table;
}

#define EXTRA_TYPES_MAX 8
static const struct provider_ops *extra_types[EXTRA_TYPES_MAX];

const struct provider_ops *provider_type_find(const char *type)
{
#ifdef WITH_LIBVIRT
    if (strcmp(type, "libvirt") == 0) {
        pthread_once(&libvirt_once, libvirt_load);
        return libvirt_ops;
    }
#endif
    for (size_t i = 0; provider_table[i] != NULL; i++) {
        if (strcmp(provider_table[i]->name, type) == 0)
            return provider_table[i];
    }
    for (size_t i = 0; i < EXTRA_TYPES_MAX && extra_types[i] != NULL; i++) {
        if (strcmp(extra_types[i]->name, type) == 0)
            return extra_types[i];
    }
    return NULL;
}

int provider_type_register(const struct provider_ops *ops)
{
    size_t i;

    RT_ASSERT(ops != NULL && ops->name != NULL && ops->open != NULL && ops->close != NULL);
    if (provider_type_find(ops->name) != NULL)
        return 0;
    for (i = 0; i < EXTRA_TYPES_MAX && extra_types[i] != NULL; i++)
        ;
    if (i == EXTRA_TYPES_MAX)
        return -1;
    extra_types[i] = ops;
    return 0;
}

struct provider *provider_new(const struct provider_ops *ops, const char *name,
                              const struct prov_env *env)
{
    struct provider *p = xcalloc(1, sizeof *p);

    RT_ASSERT(ops != NULL && ops->open != NULL && ops->close != NULL);
    p->ops = ops;
    p->name = xstrdup(name);
    if (env != NULL)
        p->env = *env;
    p->kinds = ops->kinds;
    p->actions = ops->actions;
    p->priv = ops->priv_size > 0 ? xcalloc(1, ops->priv_size) : NULL;
    p->stored.kind = -1;
    return p;
}

void provider_free(struct provider *p)
{
    if (p == NULL)
        return;
    if (p->opened)
        provider_close(p);
    stored_rows_drop(&p->stored);
    free(p->priv);
    free(p->name);
    free(p);
}

void provider_set_warning(struct provider *p, const char *fmt, ...)
{
    va_list ap;

    p->warning[0] = '\0';
    if (fmt == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(p->warning, sizeof p->warning, fmt, ap);
    va_end(ap);
}

const char *provider_warning(const struct provider *p)
{
    return p->warning;
}

void *provider_priv(struct provider *p)
{
    return p->priv;
}

const char *provider_name(const struct provider *p)
{
    return p->name;
}

const struct provider_ops *provider_ops(const struct provider *p)
{
    return p->ops;
}

const struct prov_env *provider_env(const struct provider *p)
{
    return &p->env;
}

uint32_t provider_kinds(const struct provider *p)
{
    return p->kinds;
}

uint64_t provider_actions(const struct provider *p)
{
    return p->actions;
}

void provider_set_caps(struct provider *p, uint32_t kinds, uint64_t actions)
{
    p->kinds = kinds;
    p->actions = actions;
}

int provider_can(const struct provider *p, const struct action_def *a)
{
    int i = action_index(a);

    return i >= 0 && i < RT_ACTION_MAX && (p->actions >> i & 1) != 0 && p->ops->act != NULL;
}

void provider_request_refresh(struct provider *p, uint32_t kinds)
{
    if (p->env.request_refresh != NULL)
        p->env.request_refresh(p->env.request_ctx, kinds);
}

int provider_stopping(const struct provider *p)
{
    return p->env.stopping != NULL && p->env.stopping(p->env.request_ctx) != 0;
}

void provider_post_rows(struct provider *p, enum res_kind k, const struct res_list *rows)
{
    if (p->env.post_rows != NULL && rows != NULL && rows->len > 0)
        p->env.post_rows(p->env.request_ctx, k, rows);
}

void provider_post_delete(struct provider *p, enum res_kind k, const char *id)
{
    if (p->env.post_delete != NULL && id != NULL)
        p->env.post_delete(p->env.request_ctx, k, id);
}

int provider_open(struct provider *p, const struct config_provider *cp, struct rt_error *err)
{
    enum prov_open rc = p->ops->open(p, cp, err);

    if (rc == PROV_OPEN_OK) {
        p->opened = 1;
        return 0;
    }
    if (rc == PROV_OPEN_DECLINED)
        return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "provider '%s' (%s) declined its configuration",
                          p->name, p->ops->name);
    return -1;
}

void provider_close(struct provider *p)
{
    if (p->opened) {
        p->ops->close(p);
        p->opened = 0;
    }
}

static int unsupported(const struct provider *p, const char *what, struct rt_error *err)
{
    return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "provider '%s' (%s) does not support %s", p->name,
                      p->ops->name, what);
}

static void stored_rows_drop(struct stored_rows *s)
{
    free(s->slot);
    free(s->pairs);
    *s = (struct stored_rows){.kind = -1};
}

int provider_list(struct provider *p, enum res_kind k, struct res_list *out, struct rt_error *err)
{
    int rc;

    RT_ASSERT(out != NULL && out->len == 0);
    if (p->ops->list == NULL || (p->kinds & RT_KIND_BIT(k)) == 0)
        return unsupported(p, res_kind_plural(k), err);
    rc = p->ops->list(p, k, out, err);
    stored_rows_drop(&p->stored);
    return rc;
}

static uint64_t stored_key(const char *id)
{
    uint64_t h = rt_hash(RT_FNV_INIT, id, strlen(id));

    return h != 0 ? h : 1;
}

static void stored_row_add(void *ctx, const char *id, uint64_t hash)
{
    struct stored_rows *s = ctx;

    s->pairs = xgrow(s->pairs, &s->cap, 2 * s->n + 2, sizeof *s->pairs);
    s->pairs[2 * s->n] = stored_key(id);
    s->pairs[2 * s->n + 1] = hash;
    s->n++;
}

static void stored_rows_read(struct provider *p, enum res_kind k)
{
    struct stored_rows *s = &p->stored;
    size_t slots = 16;
    struct rt_error err = {0};

    stored_rows_drop(s);
    s->kind = (int)k;
    if (p->env.store == NULL)
        return;
    if (store_row_hashes(p->env.store, p->name, k, stored_row_add, s, &err) < 0) {
        /* None vouched for (not even those read): every row carries its raw JSON. */
        rt_log("provider '%s': %s (listing %s with raw JSON)", p->name, err.msg,
               res_kind_plural(k));
        s->n = 0;
        return;
    }
    while (slots * 3 < s->n * 4) /* at most 3/4 full */
        slots *= 2;
    s->mask = slots - 1;
    s->slot = xcalloc(2 * slots, sizeof *s->slot);
    for (size_t i = 0; i < s->n; i++) {
        uint64_t key = s->pairs[2 * i], *e;
        size_t j = (size_t)key & s->mask;
        while (e = s->slot + 2 * j, e[0] != 0 && e[0] != key)
            j = (j + 1) & s->mask;
        e[1] = e[0] == key ? 0 : s->pairs[2 * i + 1];
        e[0] = key;
    }
    free(s->pairs);
    s->pairs = NULL;
}

void provider_rows_stored_load(struct provider *p, enum res_kind k)
{
    if (p->stored.kind != (int)k)
        stored_rows_read(p, k);
}

void provider_row_stored_prefetch(const struct provider *p, enum res_kind k, const char *id)
{
    const struct stored_rows *s = &p->stored;

    if (s->kind == (int)k && s->slot != NULL)
        __builtin_prefetch(s->slot + 2 * ((size_t)stored_key(id) & s->mask));
}

int provider_row_stored(struct provider *p, enum res_kind k, const char *id, uint64_t hash)
{
    struct stored_rows *s = &p->stored;
    uint64_t key;
    size_t j;

    if (hash == 0 || id == NULL)
        return 0;
    if (s->kind != (int)k)
        stored_rows_read(p, k);
    if (s->n == 0) /* none stored, or the store could not tell */
        return 0;
    key = stored_key(id);
    for (j = (size_t)key & s->mask; s->slot[2 * j] != 0; j = (j + 1) & s->mask) {
        if (s->slot[2 * j] == key)
            return s->slot[2 * j + 1] == hash;
    }
    return 0;
}

int provider_list_refresh(struct provider *p, enum res_kind k, struct res_list *out,
                          struct rt_error *err)
{
    int rc;

    p->may_skip = 1;
    rc = provider_list(p, k, out, err);
    p->may_skip = 0;
    return rc;
}

int provider_list_may_skip(const struct provider *p)
{
    return p->may_skip;
}

int provider_lists_once(const struct provider *p)
{
    return p->env.list_once;
}

int provider_get(struct provider *p, enum res_kind k, const char *id, struct resource **out,
                 struct rt_error *err)
{
    *out = NULL;
    if (id == NULL || id[0] == '\0')
        return rt_err_set(err, RT_ERR_ARG, 0, "no %s id given", res_kind_name(k));
    if (p->ops->get == NULL || (p->kinds & RT_KIND_BIT(k)) == 0)
        return unsupported(p, "getting one resource", err);
    return p->ops->get(p, k, id, out, err);
}

int provider_act(struct provider *p, const struct act_request *req, char **task_ref,
                 struct rt_error *err)
{
    *task_ref = NULL;
    RT_ASSERT(req != NULL && req->action != NULL);
    if (req->target_id == NULL || req->target_id[0] == '\0')
        return rt_err_set(err, RT_ERR_ARG, 0, "no target given for '%s'", req->action->verb);
    if (!provider_can(p, req->action)) {
        char what[96];
        snprintf(what, sizeof what, "'%s' on %s", req->action->verb,
                 res_kind_plural(req->action->kind));
        return unsupported(p, what, err);
    }
    return p->ops->act(p, req, task_ref, err);
}

int provider_task_poll(struct provider *p, const char *task_ref, struct task_progress *out,
                       struct rt_error *err)
{
    memset(out, 0, sizeof *out);
    out->progress = -1;
    if (p->ops->task_poll == NULL)
        return unsupported(p, "following tasks", err);
    return p->ops->task_poll(p, task_ref, out, err);
}

int provider_metrics(struct provider *p, int64_t since, struct metric_list *out,
                     struct rt_error *err)
{
    if (p->ops->metrics == NULL)
        return unsupported(p, "health metrics", err);
    return p->ops->metrics(p, since, out, err);
}

int provider_detail(struct provider *p, const struct detail_request *req, struct res_detail *out,
                    struct rt_error *err)
{
    if (req == NULL || req->id == NULL || req->id[0] == '\0')
        return rt_err_set(err, RT_ERR_ARG, 0, "detail: no resource id");
    if (p->ops->detail == NULL)
        return unsupported(p, "resource detail", err);
    return p->ops->detail(p, req, out, err);
}

void res_detail_add(struct res_detail *d, const char *title, const char *text)
{
    d->items = xgrow(d->items, &d->cap, d->len + 1, sizeof *d->items);
    d->items[d->len].title = xstrdup(title != NULL ? title : "");
    d->items[d->len].text = xstrdup(text != NULL ? text : "");
    d->len++;
}

void res_detail_done(struct res_detail *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->len; i++) {
        free(d->items[i].title);
        free(d->items[i].text);
    }
    free(d->items);
    d->items = NULL;
    d->len = d->cap = 0;
}

void metric_list_push(struct metric_list *l, const char *host, const char *metric, int64_t ts,
                      double value)
{
    l->items = xgrow(l->items, &l->cap, l->len + 1, sizeof *l->items);
    l->items[l->len].host = xstrdup(host);
    l->items[l->len].metric = metric;
    l->items[l->len].ts = ts;
    l->items[l->len].value = value;
    l->len++;
}

void metric_list_done(struct metric_list *l)
{
    for (size_t i = 0; i < l->len; i++)
        free(l->items[i].host);
    free(l->items);
    l->items = NULL;
    l->len = l->cap = 0;
}

static const char *const task_state_names[] = {
    [TASK_PENDING] = "pending",     [TASK_RUNNING] = "running", [TASK_SUCCEEDED] = "succeeded",
    [TASK_FAILED] = "failed",       [TASK_INTERRUPTED] = "interrupted",
};

const char *task_state_name(enum task_state s)
{
    return (unsigned)s < sizeof task_state_names / sizeof task_state_names[0]
               ? task_state_names[s]
               : "unknown";
}

int task_state_from_name(const char *s)
{
    for (size_t i = 0; i < sizeof task_state_names / sizeof task_state_names[0]; i++) {
        if (strcmp(task_state_names[i], s) == 0)
            return (int)i;
    }
    return -1;
}
