/*
 * libvirt_priv.h - internals of the libvirt provider shared by libvirt.c
 * (mapping, actions) and libvirt_conn.c (connection threads, XML helpers).
 *
 * One `struct lv_conn` per configured URI.  Each runs its own thread that
 * owns the virConnectPtr: it opens the connection (retrying with backoff),
 * watches it (keepalive, close callback, domain lifecycle events) and runs
 * the requests queued for it one at a time.  The provider's worker thread
 * queues requests with lv_call()/lv_submit() and waits with a deadline, so a
 * host that hangs only delays its own answers: the caller stops waiting,
 * reports that host as not answering, and the request is freed by the
 * connection thread when it finally returns.  Request arguments must
 * therefore be self-contained (owned by the request, freed by free_arg).
 *
 *     struct lv_req *r = lv_submit(c, fn, arg, free_arg);
 *     lv_wait(sync, &r, 1, deadline_ms);
 *     if (lv_req_done(r)) use arg ... else report a timeout
 *     lv_req_release(sync, r);
 */
#ifndef RT_LIBVIRT_PRIV_H
#define RT_LIBVIRT_PRIV_H

#include "core/err.h"
#include "core/model.h"

#include <libvirt/libvirt.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <pthread.h>
#include <stdint.h>

struct lv_conn;

/* A function run on a connection's thread with its open connection. 0 or -1 + err. */
typedef int (*lv_fn)(struct lv_conn *c, virConnectPtr conn, void *arg, struct rt_error *err);

/* Completion signalling shared by every connection of one provider instance. */
struct lv_sync {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC */
};

struct lv_req {
    lv_fn fn;
    void *arg;
    void (*free_arg)(void *);
    int rc;
    struct rt_error err;
    int done;      /* under sync->mu */
    int refs;      /* under sync->mu: 2 while queued (caller + thread) */
    struct lv_req *next;
};

enum lv_state { LV_CONNECTING, LV_UP, LV_DOWN };

/*
 * A host's I/O rate from byte counters summed over its running domains.  The sum is only
 * comparable between two refreshes when the same domains made it: a domain whose job was
 * busy (a migration: its stats are skipped rather than waited for), or one that started or
 * stopped, would make it jump or drop.  `sig` names the domains that reported (an XOR of
 * their UUIDs' hashes and their count); when it changed, the baseline starts again and the
 * last rate stays.
 */
struct lv_io {
    unsigned long long prev;
    uint64_t prev_sig;
    int64_t prev_ms; /* 0: no baseline */
};

/* Feed one refresh's total; *bps is set when a rate could be computed. */
void lv_io_update(struct lv_io *a, unsigned long long total, uint64_t sig, int64_t now_ms,
                  double *bps);

struct lv_conn {
    /* Fixed after lv_conn_new(). */
    char *uri;      /* as configured */
    char *open_uri; /* what is passed to virConnectOpenAuth (no_tty=1 added for ssh) */
    char *name;     /* host id */
    struct lv_sync *sync;
    int64_t keepalive_interval_s;

    pthread_t thread;
    int started;
    pthread_mutex_t mu; /* everything below */
    pthread_cond_t cv;  /* CLOCK_MONOTONIC */
    struct lv_req *head, *tail;
    int stop;
    enum lv_state state;
    char last_error[256];
    int backoff_s;
    int64_t next_retry_ms;
    int broken;             /* close callback fired */
    unsigned long events;   /* domain lifecycle events seen */
    char last_event[128];
    int64_t connected_at;   /* epoch s */
    char driver[32];        /* virConnectGetType: "QEMU", "TEST" */
    struct provider *owner; /* asked to refresh on domain events; set before lv_conn_start() */
    int has_nwfilter;       /* the driver lists nwfilters */

    /* Connection thread only. */
    virConnectPtr conn;
    int lifecycle_cb;
    /* Health deltas (connection thread only). */
    unsigned long long cpu_prev_total, cpu_prev_idle;
    int64_t cpu_prev_ms;
    struct lv_io io_disk, io_net;
    double cpu_pct, mem_pct, disk_bps, net_bps; /* last computed, -1 unknown */

    /* Provider worker thread only: the last good rows of each kind from this host. */
    struct res_list cache[RES_KIND__COUNT];
    int cache_ok[RES_KIND__COUNT];
};

/* Start the process-wide libvirt event loop (once) and silence the default error printer. */
void lv_global_init(void);

struct lv_conn *lv_conn_new(const char *uri, const char *name, struct lv_sync *sync,
                            int64_t keepalive_s);
/* Start the thread. */
int lv_conn_start(struct lv_conn *c, struct rt_error *err);
/* Stop and join the thread (it finishes the call it runs, drops queued ones), close, free. */
void lv_conn_free(struct lv_conn *c);
/* State and last error, copied under the lock. */
enum lv_state lv_conn_state(struct lv_conn *c, char *err_out, size_t len);

void lv_sync_init(struct lv_sync *s);
void lv_sync_done(struct lv_sync *s);

/* Queue fn(arg) on the connection's thread; the request owns arg (free_arg may be NULL). */
struct lv_req *lv_submit(struct lv_conn *c, lv_fn fn, void *arg, void (*free_arg)(void *));
/* Wait until every request is done or deadline (rt_mono_ms) passes. */
void lv_wait(struct lv_sync *s, struct lv_req *const *reqs, size_t n, int64_t deadline_ms);
int lv_req_done(struct lv_sync *s, struct lv_req *r);
/* Drop the caller's reference (an unfinished request is freed by its thread later). */
void lv_req_release(struct lv_sync *s, struct lv_req *r);
/* Submit, wait, release: 0 or -1 with err (RT_ERR_TIMEOUT when the host did not answer).
 * On a timeout arg is left to the request (freed later by free_arg); the caller must not use it. */
int lv_call(struct lv_conn *c, lv_fn fn, void *arg, void (*free_arg)(void *), int64_t timeout_ms,
            int *abandoned, struct rt_error *err);

/* Set err from libvirt's last error: RT_ERR_LIBVIRT, or RT_ERR_UNSUPPORTED / NOT_FOUND /
 * CONFLICT for the codes that mean that; `what` prefixes the message ("start 'vm1'"). */
int lv_err(struct rt_error *err, const char *what);

/* XML helpers over libxml2.  lv_xml_parse returns NULL with err set (RT_ERR_PARSE). */
xmlDocPtr lv_xml_parse(const char *xml, struct rt_error *err);
/* The string value of an XPath expression ("string(/domain/name)"); new string or NULL. */
char *lv_xpath_str(xmlDocPtr doc, xmlNodePtr ctx, const char *expr);
long long lv_xpath_int(xmlDocPtr doc, xmlNodePtr ctx, const char *expr, long long dflt);
/* Nodes matching expr; caller frees with xmlXPathFreeObject (may be NULL). */
xmlXPathObjectPtr lv_xpath_nodes(xmlDocPtr doc, xmlNodePtr ctx, const char *expr);
/* The document (or one node) as text: new string. */
char *lv_xml_dump(xmlDocPtr doc, xmlNodePtr node);
/* XML-escape s into a new string. */
char *lv_xml_escape(const char *s);

#endif
