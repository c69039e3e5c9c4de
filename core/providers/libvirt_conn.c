/*
 * libvirt_conn.c - one thread per libvirt URI, the process-wide libvirt
 * event loop, and small XML helpers for the libvirt provider.
 *
 * Design (see libvirt_priv.h for the calling sequence):
 * - lv_global_init() runs once per process (pthread_once): it installs a
 *   silent error handler (libvirt would print every error on stderr, which
 *   would tear the curses screen) and registers libvirt's default event loop
 *   implementation, then runs it on a detached thread.  Keepalive probes,
 *   close callbacks and domain events are delivered by that loop.
 * - A connection thread owns its virConnectPtr.  While it is down it retries
 *   the open with exponential backoff (2 s .. 60 s); requests queued while it
 *   is down fail at once with the last error, so callers never wait on a
 *   host that is known to be unreachable.  A close callback (keepalive
 *   timeout, daemon restart, ssh EOF) or a failing call on a dead connection
 *   marks it broken: the thread closes it and starts reconnecting.
 * - Requests run one at a time, in order.  Completion is signalled through
 *   the provider's lv_sync; a request whose caller stopped waiting (a timed
 *   out host) is freed by the thread when it completes.
 *
 * Threading: lv_conn fields are guarded by c->mu except those documented as
 * owned by the connection thread or the provider's worker thread.
 */
#include "libvirt_priv.h"

#include "core/provider.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "core/xalloc.h"

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LV_BACKOFF_MAX_S 60

static pthread_once_t lv_once = PTHREAD_ONCE_INIT;

static void lv_quiet_error(void *ud, virErrorPtr e)
{
    (void)ud;
    (void)e;
}

static void *lv_event_loop(void *arg)
{
    (void)arg;
    for (;;) {
        if (virEventRunDefaultImpl() < 0)
            sleep(1);
    }
    return NULL;
}

static void lv_global_init_once(void)
{
    pthread_t t;

    virSetErrorFunc(NULL, lv_quiet_error);
    xmlInitParser();
    if (virInitialize() < 0 || virEventRegisterDefaultImpl() < 0)
        return;
    if (pthread_create(&t, NULL, lv_event_loop, NULL) == 0)
        pthread_detach(t);
}

void lv_global_init(void)
{
    pthread_once(&lv_once, lv_global_init_once);
    /* The error function is per thread for virSetErrorFunc's thread-local copy in some
     * versions; setting it again is cheap and harmless. */
    virSetErrorFunc(NULL, lv_quiet_error);
}

static void cond_init_mono(pthread_cond_t *cv)
{
    pthread_condattr_t a;

    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
}

static void timedwait_until(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t deadline_ms)
{
    struct timespec ts;

    ts.tv_sec = (time_t)(deadline_ms / 1000);
    ts.tv_nsec = (long)(deadline_ms % 1000) * 1000000L;
    pthread_cond_timedwait(cv, mu, &ts);
}

void lv_sync_init(struct lv_sync *s)
{
    pthread_mutex_init(&s->mu, NULL);
    cond_init_mono(&s->cv);
}

void lv_sync_done(struct lv_sync *s)
{
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
}

int lv_err(struct rt_error *err, const char *what)
{
    virErrorPtr e = virGetLastError();
    const char *m = e != NULL && e->message != NULL ? e->message : "unknown libvirt error";
    enum rt_err code = RT_ERR_LIBVIRT;

    if (e != NULL) {
        switch (e->code) {
        case VIR_ERR_NO_SUPPORT:
        case VIR_ERR_OPERATION_UNSUPPORTED:
        case VIR_ERR_ARGUMENT_UNSUPPORTED:
            code = RT_ERR_UNSUPPORTED;
            break;
        case VIR_ERR_NO_DOMAIN:
        case VIR_ERR_NO_STORAGE_VOL:
        case VIR_ERR_NO_STORAGE_POOL:
        case VIR_ERR_NO_DOMAIN_SNAPSHOT:
        case VIR_ERR_NO_NWFILTER:
        case VIR_ERR_NO_NETWORK:
            code = RT_ERR_NOT_FOUND;
            break;
        case VIR_ERR_OPERATION_INVALID:
        case VIR_ERR_OPERATION_DENIED:
            code = RT_ERR_CONFLICT;
            break;
        case VIR_ERR_OPERATION_TIMEOUT:
            code = RT_ERR_TIMEOUT;
            break;
        default:
            break;
        }
    }
    return rt_err_set(err, code, e != NULL ? e->code : 0, "%s: %s", what, m);
}

/* ---- connection thread ----------------------------------------------------------------- */

static void close_cb(virConnectPtr conn, int reason, void *opaque)
{
    struct lv_conn *c = opaque;
    static const char *const why[] = {"error", "end of file", "keepalive timeout", "client"};

    (void)conn;
    pthread_mutex_lock(&c->mu);
    c->broken = 1;
    snprintf(c->last_error, sizeof c->last_error, "connection to '%s' closed: %s", c->uri,
             reason >= 0 && reason < 4 ? why[reason] : "unknown reason");
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static int lifecycle_cb(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
    struct lv_conn *c = opaque;
    static const char *const names[] = {"defined", "undefined", "started", "suspended",
                                        "resumed", "stopped", "shutdown", "pmsuspended",
                                        "crashed"};
    const char *dn = virDomainGetName(dom);

    (void)conn;
    (void)detail;
    pthread_mutex_lock(&c->mu);
    c->events++;
    snprintf(c->last_event, sizeof c->last_event, "%s %s", dn != NULL ? dn : "?",
             event >= 0 && event < 9 ? names[event] : "changed");
    pthread_mutex_unlock(&c->mu);
    /* Events drive the refresh; polling fills in the rest. */
    if (c->owner != NULL)
        provider_request_refresh(c->owner, RT_KIND_BIT(RES_KIND_INSTANCE) |
                                               RT_KIND_BIT(RES_KIND_HOST) |
                                               RT_KIND_BIT(RES_KIND_SNAPSHOT));
    return 0;
}

static int auth_cb(virConnectCredentialPtr cred, unsigned int ncred, void *cbdata)
{
    (void)cred;
    (void)ncred;
    (void)cbdata;
    return -1; /* never prompt: the console owns the terminal */
}

static void drop_connection(struct lv_conn *c)
{
    if (c->conn == NULL)
        return;
    if (c->lifecycle_cb >= 0)
        virConnectDomainEventDeregisterAny(c->conn, c->lifecycle_cb);
    c->lifecycle_cb = -1;
    virConnectUnregisterCloseCallback(c->conn, close_cb);
    virConnectClose(c->conn);
    c->conn = NULL;
}

/* Open the connection (thread, unlocked). */
static void try_connect(struct lv_conn *c)
{
    static int creds[] = {VIR_CRED_AUTHNAME, VIR_CRED_PASSPHRASE, VIR_CRED_NOECHOPROMPT};
    virConnectAuth auth = {creds, sizeof creds / sizeof creds[0], auth_cb, NULL};
    virConnectPtr conn = virConnectOpenAuth(c->open_uri, &auth, 0);
    char msg[256] = "";
    const char *type = NULL;
    virNWFilterPtr *filters = NULL;
    int nf = -1;

    if (conn == NULL) {
        struct rt_error e = {0};
        lv_err(&e, "cannot connect");
        snprintf(msg, sizeof msg, "%s", e.msg);
    } else {
        if (c->keepalive_interval_s > 0)
            virConnectSetKeepAlive(conn, (int)c->keepalive_interval_s, 3); /* -1: local driver */
        virConnectRegisterCloseCallback(conn, close_cb, c, NULL);
        c->lifecycle_cb = virConnectDomainEventRegisterAny(
            conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(lifecycle_cb), c,
            NULL);
        type = virConnectGetType(conn);
        nf = virConnectListAllNWFilters(conn, &filters, 0);
        for (int i = 0; i < nf; i++)
            virNWFilterFree(filters[i]);
        free(filters);
        virResetLastError();
    }
    pthread_mutex_lock(&c->mu);
    c->conn = conn;
    if (conn == NULL) {
        c->state = LV_DOWN;
        snprintf(c->last_error, sizeof c->last_error, "%s", msg);
        c->backoff_s = c->backoff_s == 0 ? 2 : c->backoff_s * 2;
        if (c->backoff_s > LV_BACKOFF_MAX_S)
            c->backoff_s = LV_BACKOFF_MAX_S;
        c->next_retry_ms = rt_mono_ms() + (int64_t)c->backoff_s * 1000;
    } else {
        c->state = LV_UP;
        c->last_error[0] = '\0';
        c->backoff_s = 0;
        c->broken = 0;
        c->connected_at = rt_now_ms() / 1000;
        snprintf(c->driver, sizeof c->driver, "%s", type != NULL ? type : "");
        c->has_nwfilter = nf >= 0;
    }
    pthread_mutex_unlock(&c->mu);
}

static void req_finish(struct lv_conn *c, struct lv_req *r)
{
    int free_it;

    pthread_mutex_lock(&c->sync->mu);
    r->done = 1;
    free_it = --r->refs == 0;
    pthread_cond_broadcast(&c->sync->cv);
    pthread_mutex_unlock(&c->sync->mu);
    if (free_it) {
        if (r->free_arg != NULL)
            r->free_arg(r->arg);
        free(r);
    }
}

static void lv_quiet_xml(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void *conn_main(void *arg)
{
    struct lv_conn *c = arg;

    virSetErrorFunc(NULL, lv_quiet_error);
    xmlSetGenericErrorFunc(NULL, lv_quiet_xml); /* libxml2 keeps it per thread */
    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        struct lv_req *r;
        int64_t now = rt_mono_ms();

        if (c->broken && c->conn != NULL) {
            char keep[256];
            snprintf(keep, sizeof keep, "%s", c->last_error);
            pthread_mutex_unlock(&c->mu);
            drop_connection(c);
            pthread_mutex_lock(&c->mu);
            c->state = LV_DOWN;
            snprintf(c->last_error, sizeof c->last_error, "%s", keep);
            c->backoff_s = 1;
            c->next_retry_ms = now + 1000;
            continue;
        }
        if (c->conn == NULL && now >= c->next_retry_ms) {
            if (c->state != LV_DOWN)
                c->state = LV_CONNECTING;
            pthread_mutex_unlock(&c->mu);
            try_connect(c);
            pthread_mutex_lock(&c->mu);
            continue;
        }
        r = c->head;
        if (r != NULL) {
            c->head = r->next;
            if (c->head == NULL)
                c->tail = NULL;
            if (c->conn == NULL) {
                rt_err_set(&r->err, RT_ERR_TRANSPORT, 0, "host '%s' is unreachable: %s", c->name,
                           c->last_error[0] ? c->last_error : "not connected");
                r->rc = -1;
                pthread_mutex_unlock(&c->mu);
            } else {
                virConnectPtr conn = c->conn;
                pthread_mutex_unlock(&c->mu);
                virResetLastError();
                r->rc = r->fn(c, conn, r->arg, &r->err);
                if (r->rc < 0 && virConnectIsAlive(conn) == 0) {
                    pthread_mutex_lock(&c->mu);
                    c->broken = 1;
                    snprintf(c->last_error, sizeof c->last_error, "connection to '%.80s' lost: %.140s",
                             c->uri, r->err.msg);
                    pthread_mutex_unlock(&c->mu);
                }
            }
            req_finish(c, r);
            pthread_mutex_lock(&c->mu);
            continue;
        }
        if (c->conn == NULL)
            timedwait_until(&c->cv, &c->mu, c->next_retry_ms);
        else
            timedwait_until(&c->cv, &c->mu, now + 30000);
    }
    /* Fail what is still queued. */
    while (c->head != NULL) {
        struct lv_req *r = c->head;
        c->head = r->next;
        rt_err_set(&r->err, RT_ERR_TRANSPORT, 0, "host '%s': provider closing", c->name);
        r->rc = -1;
        pthread_mutex_unlock(&c->mu);
        req_finish(c, r);
        pthread_mutex_lock(&c->mu);
    }
    c->tail = NULL;
    pthread_mutex_unlock(&c->mu);
    drop_connection(c);
    return NULL;
}

struct lv_conn *lv_conn_new(const char *uri, const char *name, struct lv_sync *sync,
                            int64_t keepalive_s)
{
    struct lv_conn *c = xcalloc(1, sizeof *c);

    c->uri = xstrdup(uri);
    if (strstr(uri, "+ssh://") != NULL && strstr(uri, "no_tty=") == NULL)
        c->open_uri = xasprintf("%s%sno_tty=1", uri, strchr(uri, '?') != NULL ? "&" : "?");
    else
        c->open_uri = xstrdup(uri);
    c->name = xstrdup(name);
    c->sync = sync;
    c->keepalive_interval_s = keepalive_s;
    c->lifecycle_cb = -1;
    c->state = LV_CONNECTING;
    c->cpu_pct = c->mem_pct = c->disk_bps = c->net_bps = -1;
    pthread_mutex_init(&c->mu, NULL);
    cond_init_mono(&c->cv);
    for (int k = 0; k < RES_KIND__COUNT; k++)
        res_list_init(&c->cache[k]);
    return c;
}

int lv_conn_start(struct lv_conn *c, struct rt_error *err)
{
    int rc = pthread_create(&c->thread, NULL, conn_main, c);

    if (rc != 0)
        return rt_err_set(err, RT_ERR_INTERNAL, rc, "cannot start a thread for '%s'", c->uri);
    c->started = 1;
    return 0;
}

void lv_conn_free(struct lv_conn *c)
{
    if (c == NULL)
        return;
    if (c->started) {
        pthread_mutex_lock(&c->mu);
        c->stop = 1;
        pthread_cond_signal(&c->cv);
        pthread_mutex_unlock(&c->mu);
        pthread_join(c->thread, NULL);
    }
    drop_connection(c);
    for (int k = 0; k < RES_KIND__COUNT; k++)
        res_list_done(&c->cache[k]);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c->uri);
    free(c->open_uri);
    free(c->name);
    free(c);
}

enum lv_state lv_conn_state(struct lv_conn *c, char *err_out, size_t len)
{
    enum lv_state s;

    pthread_mutex_lock(&c->mu);
    s = c->state;
    if (err_out != NULL)
        snprintf(err_out, len, "%s", c->last_error);
    pthread_mutex_unlock(&c->mu);
    return s;
}

/* ---- requests ---------------------------------------------------------------------------- */

struct lv_req *lv_submit(struct lv_conn *c, lv_fn fn, void *arg, void (*free_arg)(void *))
{
    struct lv_req *r = xcalloc(1, sizeof *r);

    r->fn = fn;
    r->arg = arg;
    r->free_arg = free_arg;
    r->refs = 2;
    pthread_mutex_lock(&c->mu);
    if (c->tail != NULL)
        c->tail->next = r;
    else
        c->head = r;
    c->tail = r;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return r;
}

void lv_wait(struct lv_sync *s, struct lv_req *const *reqs, size_t n, int64_t deadline_ms)
{
    pthread_mutex_lock(&s->mu);
    for (;;) {
        size_t pending = 0;
        for (size_t i = 0; i < n; i++)
            pending += reqs[i] != NULL && !reqs[i]->done;
        if (pending == 0 || rt_mono_ms() >= deadline_ms)
            break;
        timedwait_until(&s->cv, &s->mu, deadline_ms);
    }
    pthread_mutex_unlock(&s->mu);
}

int lv_req_done(struct lv_sync *s, struct lv_req *r)
{
    int d;

    pthread_mutex_lock(&s->mu);
    d = r->done;
    pthread_mutex_unlock(&s->mu);
    return d;
}

void lv_req_release(struct lv_sync *s, struct lv_req *r)
{
    int free_it;

    if (r == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    free_it = --r->refs == 0;
    pthread_mutex_unlock(&s->mu);
    if (free_it) {
        if (r->free_arg != NULL)
            r->free_arg(r->arg);
        free(r);
    }
}

int lv_call(struct lv_conn *c, lv_fn fn, void *arg, void (*free_arg)(void *), int64_t timeout_ms,
            int *abandoned, struct rt_error *err)
{
    struct lv_req *r = lv_submit(c, fn, arg, NULL);
    int rc;

    *abandoned = 0;
    lv_wait(c->sync, &r, 1, rt_mono_ms() + timeout_ms);
    if (!lv_req_done(c->sync, r)) {
        /* The thread frees arg when the call finally returns. */
        pthread_mutex_lock(&c->sync->mu);
        if (!r->done) {
            r->free_arg = free_arg;
            *abandoned = 1;
        }
        pthread_mutex_unlock(&c->sync->mu);
        if (*abandoned) {
            lv_req_release(c->sync, r);
            return rt_err_set(err, RT_ERR_TIMEOUT, 0,
                              "host '%s' did not answer within %lld s; it may be hung", c->name,
                              (long long)(timeout_ms / 1000));
        }
    }
    rc = r->rc;
    if (rc < 0)
        rt_err_copy(err, &r->err);
    lv_req_release(c->sync, r);
    return rc;
}

/* ---- XML ---------------------------------------------------------------------------------- */

xmlDocPtr lv_xml_parse(const char *xml, struct rt_error *err)
{
    xmlDocPtr d = NULL;

    if (xml != NULL)
        d = xmlReadMemory(xml, (int)strlen(xml), "libvirt.xml", NULL,
                          XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (d == NULL)
        rt_err_set(err, RT_ERR_PARSE, 0, "libvirt returned XML that does not parse");
    return d;
}

static xmlXPathObjectPtr eval(xmlDocPtr doc, xmlNodePtr ctx, const char *expr)
{
    xmlXPathContextPtr x = xmlXPathNewContext(doc);
    xmlXPathObjectPtr o;

    if (x == NULL)
        return NULL;
    if (ctx != NULL)
        x->node = ctx;
    o = xmlXPathEvalExpression((const xmlChar *)expr, x);
    xmlXPathFreeContext(x);
    return o;
}

char *lv_xpath_str(xmlDocPtr doc, xmlNodePtr ctx, const char *expr)
{
    xmlXPathObjectPtr o = eval(doc, ctx, expr);
    char *s = NULL;

    if (o != NULL && o->type == XPATH_STRING && o->stringval != NULL && o->stringval[0] != '\0')
        s = xstrdup((const char *)o->stringval);
    xmlXPathFreeObject(o);
    return s;
}

long long lv_xpath_int(xmlDocPtr doc, xmlNodePtr ctx, const char *expr, long long dflt)
{
    char *s = lv_xpath_str(doc, ctx, expr);
    long long v;

    if (s == NULL || rt_parse_int(s, &v) < 0)
        v = dflt;
    free(s);
    return v;
}

xmlXPathObjectPtr lv_xpath_nodes(xmlDocPtr doc, xmlNodePtr ctx, const char *expr)
{
    xmlXPathObjectPtr o = eval(doc, ctx, expr);

    if (o != NULL && (o->type != XPATH_NODESET || o->nodesetval == NULL)) {
        xmlXPathFreeObject(o);
        return NULL;
    }
    return o;
}

char *lv_xml_dump(xmlDocPtr doc, xmlNodePtr node)
{
    xmlBufferPtr b = xmlBufferCreate();
    char *s;

    if (node == NULL)
        node = xmlDocGetRootElement(doc);
    xmlNodeDump(b, doc, node, 0, 1);
    s = xstrdup((const char *)xmlBufferContent(b));
    xmlBufferFree(b);
    return s;
}

char *lv_xml_escape(const char *s)
{
    struct strbuf sb = STRBUF_INIT;

    for (; s != NULL && *s != '\0'; s++) {
        switch (*s) {
        case '<': strbuf_adds(&sb, "&lt;"); break;
        case '>': strbuf_adds(&sb, "&gt;"); break;
        case '&': strbuf_adds(&sb, "&amp;"); break;
        case '\'': strbuf_adds(&sb, "&apos;"); break;
        case '"': strbuf_adds(&sb, "&quot;"); break;
        default: strbuf_addc(&sb, *s); break;
        }
    }
    strbuf_addc(&sb, '\0');
    return strbuf_take(&sb);
}
