/*
 * redfish.c - the "redfish" provider: bare-metal servers through their BMCs
 * (DMTF Redfish over HTTP(S), libcurl through core/http.c, jansson).
 *
 * Configuration (docs/CONFIG.md, "Redfish"): a list of BMCs (`bmcs:` or
 * `bmc_file:`), each with an address, credentials (password_file,
 * password_env, or a password the command line asked on the terminal and
 * passes as prov_env.secret; never argv, never the store), optional name/rack/zone
 * labels, `insecure` and `tls_fingerprint`.
 *
 * Model: every ComputerSystem is a host (id "BMC/SystemId", name the BMC's
 * name when it has one system, else "BMC/SystemId"); a system powered on
 * and installed (deployed by racktop, or reporting a running OS) is also an
 * instance with the same id.  Links are always followed from the service
 * root (@odata.id, Members, Links); no path below /redfish/v1 is assumed.
 *
 * I/O: one http_multi per provider instance, owned here and driven on the
 * worker thread.  A refresh submits the first request of every BMC at once;
 * each reply's callback submits the next ones (the crawl), and http_run()
 * returns when all are done or the deadline passed: a slow or dead BMC only
 * costs its own rows (kept from the previous refresh, marked with the
 * error).  Nor does it delay the others' fresh rows: during list()'s crawl,
 * a BMC whose requests are all answered while others are still outstanding
 * posts its changed host and instance rows at once (provider_post_rows(),
 * bmc_crawled()); list()'s result then confirms them in the usual SYNC.  At most `per_bmc` requests run per BMC and `concurrency` overall.
 * A BMC with a request that got no reply is "unreachable" for that refresh:
 * its hosts keep their last known fields, as ERROR "unreachable" with the
 * reason in last_error.  When the engine shuts down (provider_stopping()),
 * http_run() is cancelled within 200 ms, so quitting never waits on hung BMCs.
 *
 * Inventory details (`details: true`): the Processors, Memory, Storage and
 * SimpleStorage collections are slots like the others; what they only link
 * (members without $expand, a Storage's drives, its Volumes collection and
 * volumes) is gathered per crawl into the synthetic slot "Details" (an object
 * keyed by the link), which redfish_map.c resolves links against.
 *
 * Documents are kept per system as their reply text with their ETag (the
 * "slots"): later refreshes send If-None-Match and reuse the text on a 304;
 * text is parsed only when mapped, which keeps memory flat for big fleets.
 * Sensor sweeps (metrics) refetch only the Thermal/Power/EnvironmentMetrics
 * slots.  After an inventory the slots (with the service root and Systems
 * collection) are kept in the store, blob "docs:<bmc>", so the next process
 * starts with them and its first crawl is conditional too (docs_keep()).
 *
 * Trust: an https BMC is verified against the system CAs (or `cacert`).
 * When a pin exists (store pin "tls" for host:port, or `tls_fingerprint`),
 * the first contact is an unauthenticated GET of the service root that only
 * fetches the certificate; if its SHA-256 matches the pin, the key is pinned
 * in libcurl (CURLOPT_PINNEDPUBLICKEY) for everything after, else the BMC is
 * refused.  An unverified certificate without a pin is reported with its
 * fingerprint, subject and expiry and `racktop trust` as the remedy.
 *
 * Actions run their first steps synchronously in act() (bounded by the
 * timeout) and return a task reference that task_poll() follows:
 *   "power:<Expect>:<deadline>:<host>"  the power state reaching Expect;
 *   "prov:<host>"                       the provisioning flow, whose state is
 *                                       a store blob so a later run resumes it.
 *
 * Threading: the engine calls one instance from its worker thread only.
 * Besides prov_redfish_ops this file exports redfish_probe_certs() (redfish.h)
 * for `racktop trust`, which must parse the same BMC entries.
 */
#include "redfish.h"
#include "redfish_priv.h"

#include "core/action.h"
#include "core/config.h"
#include "core/err.h"
#include "core/hmap.h"
#include "core/http.h"
#include "core/log.h"
#include "core/model.h"
#include "core/provider.h"
#include "core/store.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "core/yamltree.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum slot_id {
    SL_SYS, SL_CHASSIS, SL_ENCL, SL_THERMAL, SL_POWER, SL_ENV, SL_TSUB, SL_PSUB, SL_MANAGER,
    SL_ETH, SL_PROC, SL_MEM, SL_STOR, SL_SSTOR, SL_DETAILS, SL__COUNT
};
static const char *const slot_names[SL__COUNT] = {
    "System", "Chassis", "Enclosure", "Thermal", "Power", "EnvironmentMetrics",
    "ThermalSubsystem", "PowerSubsystem", "Manager", "EthernetInterfaces", "Processors",
    "Memory", "Storage", "SimpleStorage", "Details",
};

struct slot {
    char *url;
    char *etag;
    char *text;
};

/* A LogService of a system or a manager and what is known of its entries. */
struct rf_log {
    char *url;          /* the LogService */
    char *host_id;      /* the host its entries are about */
    char *name;         /* the LogService's Name, the source of entries without EntryType */
    struct slot svc;    /* the LogService document */
    struct slot first;  /* the first page of its Entries (revalidated with If-None-Match) */
    char **pages;       /* later pages ($skip to the newest, or nextLink), while first is unchanged */
    size_t npages;
    struct hmap *ent;   /* entry @odata.id -> text, for collections that only link their
                           members: the cursor, each entry is fetched once */
    int seen;           /* b->gen of the last crawl that listed it */
};

/* A LogServices collection (of a system or of a manager). */
struct rf_lcoll {
    char *host_id;
    struct slot s;
};

struct rf_sys {
    char *sid;      /* the system's Id */
    char *host_id;  /* "bmc/Id" */
    int seen;       /* generation of the last refresh that listed it */
    struct slot s[SL__COUNT];
    /* The inventory details (`details: true`) that are not in the collections: members a
     * service did not expand, drives, volume collections and volumes, each fetched on its
     * own.  Gathered here during a crawl, keyed by the link that led to them, then written
     * to slot SL_DETAILS as one object {"<@odata.id>": document, ...} (no ETag: refetched
     * by every inventory crawl). */
    json_t *bag;
    int bag_reset;  /* this crawl asked for the details: replace SL_DETAILS at its end */
    int bag_asked;  /* documents requested for the bag in this crawl (RF_BAG_MAX at most:
                       a BMC listing 100 000 members does not get 100 000 requests) */
    /* What the engine last got for this system, per kind (0 host, 1 instance): the hash of
     * the documents the row was mapped from and res_hash() of the row (0: no row), so a
     * BMC whose crawl ends early posts only rows that changed (bmc_crawled()). */
    uint64_t docs_hash[2], row_hash[2];
};

struct rf_bmc {
    char *name, *address, *user, *password, *rack, *zone, *tls_fp, *ssh_address;
    int insecure, https;
    char *origin;          /* scheme://host:port */
    char *pin_subject;     /* host:port */
    char *pin_spki;        /* pinned key after a matching probe */
    char *refused_pin;     /* pin value when refused; retry when the store changes */
    int refused;
    char refusal[256];     /* why it was refused, repeated on every refresh */
    /* service */
    struct slot root;      /* the service root and the Systems collection, revalidated */
    struct slot coll;      /* like the system slots (and persisted with them) */
    uint64_t kept_hash;    /* hash of the documents last written to the store */
    int root_ok, expand;
    char *systems_url, *sessions_url;
    char *token, *session_uri;
    int basic;
    /* state */
    struct rf_sys *sys;
    size_t nsys, capsys;
    int topskip;           /* the service root advertises $top/$skip */
    struct rf_log **logs;  /* pointers: callbacks hold them while the array grows */
    size_t nlogs, caplogs;
    struct rf_lcoll **lcolls;
    size_t nlcolls, caplcolls;
    int gen;
    char err[256];
    int unreachable;       /* a request of the last refresh got no reply (timeout, refused,
                              dropped): its rows are the previous refresh's, shown as ERROR
                              "unreachable" with err as the reason */
    int inflight;          /* its requests submitted and not yet answered */
};

struct rf {
    struct provider *p;
    struct http_multi *http;
    struct rf_bmc *bmcs;
    size_t nbmcs;
    struct hmap *by_name; /* name -> struct rf_bmc* */
    char ns[96];          /* store blob namespace */
    long req_timeout_ms;
    int64_t list_timeout_ms;
    int64_t provision_timeout_s;
    int provision_ssh;
    int details;
    int64_t last_inventory; /* mono ms of the last full crawl: list(hosts) and
                               list(instances) of one refresh share it */
    int events_max;         /* newest entries kept per log */
    int closing;            /* in close(): the logout requests are not cancelled */
    int progressive;        /* inside list()'s inventory crawl: post each BMC's rows as soon
                               as its crawl ends (provider_post_rows) */
    size_t crawling;        /* BMCs of that crawl whose requests are not all answered */
};

/* http_opts.cancelled: the engine is quitting; a refresh waiting on hung BMCs ends now. */
static int rf_cancelled(void *ctx)
{
    struct rf *rf = ctx;

    return !rf->closing && provider_stopping(rf->p);
}

/* ---- small helpers ------------------------------------------------------------------- */

static void bmc_fail(struct rf_bmc *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bmc_fail(struct rf_bmc *b, const char *fmt, ...)
{
    va_list ap;

    if (b->err[0] != '\0')
        return; /* the first error explains the rest */
    va_start(ap, fmt);
    vsnprintf(b->err, sizeof b->err, fmt, ap);
    va_end(ap);
}

static void slot_done(struct slot *s)
{
    free(s->url);
    free(s->etag);
    free(s->text);
    memset(s, 0, sizeof *s);
}

static void slot_set_url(struct slot *s, const char *url)
{
    if (s->url != NULL && url != NULL && strcmp(s->url, url) == 0)
        return;
    slot_done(s);
    s->url = xstrdup(url);
}

static struct rf_sys *sys_find(struct rf_bmc *b, const char *sid)
{
    for (size_t i = 0; i < b->nsys; i++) {
        if (strcmp(b->sys[i].sid, sid) == 0)
            return &b->sys[i];
    }
    return NULL;
}

static struct rf_sys *sys_get(struct rf_bmc *b, const char *sid)
{
    struct rf_sys *s = sys_find(b, sid);

    if (s != NULL)
        return s;
    /* Exact growth: most BMCs have one system, and xgrow's 8 slots per BMC were 2.5 MiB
     * of 1 000 BMCs' memory.  Growth happens only while a Systems collection is read. */
    b->sys = xrealloc(b->sys, (b->nsys + 1) * sizeof *b->sys);
    b->capsys = b->nsys + 1;
    s = &b->sys[b->nsys++];
    memset(s, 0, sizeof *s);
    s->sid = xstrdup(sid);
    s->host_id = xasprintf("%s/%s", b->name, sid);
    return s;
}

/* Find a host by id ("bmc/Sys") or by name (the BMC name of a one-system BMC). */
static int host_lookup(struct rf *rf, const char *id, struct rf_bmc **bo, struct rf_sys **so)
{
    const char *slash = strchr(id, '/');
    char *bname = slash != NULL ? xstrndup(id, (size_t)(slash - id)) : xstrdup(id);
    struct rf_bmc *b = hmap_get(rf->by_name, bname);

    free(bname);
    if (b == NULL)
        return -1;
    *bo = b;
    *so = NULL;
    if (slash != NULL)
        *so = sys_find(b, slash + 1);
    else if (b->nsys == 1)
        *so = &b->sys[0];
    return 0;
}

static json_t *parse(const char *text)
{
    return text != NULL ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
}

/* ---- requests ------------------------------------------------------------------------ */

typedef void (*rf_cb)(struct rf *rf, struct rf_bmc *b, void *arg, json_t *doc,
                      const struct http_response *resp);

struct call {
    struct rf *rf;
    struct rf_bmc *b;
    rf_cb cb;
    void *arg;
    char *method, *url, *body, *if_match;
    struct slot *slot;   /* GET into this slot (If-None-Match, 304 reuse) */
    int relogged;
    int public;          /* no credentials (service root) */
    int probe;           /* certificate probe: insecure, want the certificate */
};

static void send_call(struct call *c);
static void login(struct rf *rf, struct rf_bmc *b, struct call *then);
static void bmc_crawled(struct rf *rf, struct rf_bmc *b);

/* One request of b answered (after its callback submitted any follow-ups). */
static void reply_done(struct rf *rf, struct rf_bmc *b)
{
    if (--b->inflight == 0 && rf->progressive)
        bmc_crawled(rf, b);
}

static void call_free(struct call *c)
{
    free(c->method);
    free(c->url);
    free(c->body);
    free(c->if_match);
    free(c);
}

static void on_reply(void *ctx, const struct http_request *rq, const struct http_response *resp)
{
    struct call *c = ctx;
    struct rf *rf = c->rf;
    struct rf_bmc *b = c->b;
    json_t *doc = NULL;
    const char *text = NULL;

    (void)rq;
    if (resp->status == 401 && !c->public && !c->relogged && b->password != NULL &&
        b->sessions_url != NULL && !b->basic) {
        /* The session expired or was dropped: log in again, then retry once. */
        free(b->token);
        b->token = NULL;
        c->relogged = 1;
        login(c->rf, b, c);
        reply_done(rf, b);
        return;
    }
    if (resp->status == 0) {
        if (resp->err_code == RT_ERR_TIMEOUT || resp->err_code == RT_ERR_TRANSPORT)
            b->unreachable = 1;
        if (resp->pin_mismatch)
            bmc_fail(b, "BMC '%s': the TLS certificate changed since it was pinned; refused "
                        "(run 'racktop trust' if it was replaced on purpose)", b->name);
        else
            /* The reason first: it must survive a narrow LAST ERROR column. */
            bmc_fail(b, "BMC '%s': %s (%s %s)", b->name, resp->err_msg, c->method, c->url);
    } else if (resp->status == 304 && c->slot != NULL && c->slot->text != NULL) {
        text = c->slot->text;
    } else if (resp->status >= 200 && resp->status < 300) {
        if (resp->body_len > 0) {
            json_error_t je;
            doc = json_loadb(resp->body, resp->body_len, 0, &je);
            if (doc == NULL) {
                bmc_fail(b, "BMC '%s': malformed JSON from %s: %s (line %d)", b->name, c->url,
                         je.text, je.line);
            } else if (c->slot != NULL) {
                free(c->slot->text);
                free(c->slot->etag);
                c->slot->text = xstrndup(resp->body, resp->body_len);
                c->slot->etag = xstrdup(resp->etag);
            }
        }
    } else if (strcmp(c->method, "GET") == 0 || c->cb == NULL) {
        char m[200];
        rf_error_message(resp->body, m, sizeof m);
        if (resp->status == 401)
            bmc_fail(b, "BMC '%s': authentication refused%s%s", b->name, m[0] ? ": " : "", m);
        else
            bmc_fail(b, "BMC '%s': %s %s: HTTP %ld%s%s", b->name, c->method, c->url,
                     resp->status, m[0] ? ": " : "", m);
    }
    if (text != NULL && doc == NULL && c->cb != NULL)
        doc = parse(text); /* a plain slot fetch (sensor sweep) needs no parse */
    if (c->cb != NULL)
        c->cb(c->rf, b, c->arg, doc, resp);
    json_decref(doc);
    call_free(c);
    reply_done(rf, b);
}

static void send_call(struct call *c)
{
    struct rf_bmc *b = c->b;
    struct http_request *rq = http_request_new(c->method, c->url);

    http_request_set_host_key(rq, b->name);
    http_request_set_timeout(rq, c->rf->req_timeout_ms);
    http_request_add_header(rq, "Accept", "application/json");
    http_request_add_header(rq, "OData-Version", "4.0");
    if (c->probe)
        http_request_set_tls(rq, 1, NULL, 1);
    else
        http_request_set_tls(rq, b->insecure || b->pin_spki != NULL, b->pin_spki, 0);
    if (!c->public) {
        if (b->token != NULL)
            http_request_add_header(rq, "X-Auth-Token", b->token);
        else if (b->user != NULL)
            http_request_set_basic_auth(rq, b->user, b->password);
    }
    if (c->if_match != NULL)
        http_request_add_header(rq, "If-Match", c->if_match);
    if (c->slot != NULL && c->slot->etag != NULL && c->slot->text != NULL)
        http_request_add_header(rq, "If-None-Match", c->slot->etag);
    if (c->body != NULL)
        http_request_set_body(rq, c->body, strlen(c->body), "application/json");
    b->inflight++;
    http_submit(c->rf->http, rq, on_reply, c);
}

static struct call *call_new(struct rf *rf, struct rf_bmc *b, const char *method, const char *url,
                             rf_cb cb, void *arg)
{
    struct call *c = xcalloc(1, sizeof *c);

    c->rf = rf;
    c->b = b;
    c->cb = cb;
    c->arg = arg;
    c->method = xstrdup(method);
    c->url = http_url_resolve(b->origin, url);
    return c;
}

/* GET a link into a slot (or nowhere when slot is NULL); cb gets the parsed document. */
static void get(struct rf *rf, struct rf_bmc *b, const char *url, struct slot *slot, int expand,
                rf_cb cb, void *arg)
{
    struct call *c;

    if (url == NULL)
        return;
    c = call_new(rf, b, "GET", url, cb, arg);
    if (expand && b->expand && strchr(c->url, '?') == NULL) {
        char *u = xasprintf("%s?$expand=.($levels=1)", c->url);
        free(c->url);
        c->url = u;
    }
    if (slot != NULL)
        slot_set_url(slot, c->url);
    c->slot = slot;
    send_call(c);
}

/* ---- login --------------------------------------------------------------------------- */

static void on_login(struct rf *rf, struct rf_bmc *b, void *arg, json_t *doc,
                     const struct http_response *resp)
{
    struct call *then = arg;

    (void)rf;
    if (resp->status >= 200 && resp->status < 300 && resp->auth_token != NULL) {
        const char *id = resp->location != NULL ? resp->location : rf_str(doc, "@odata.id");
        free(b->token);
        b->token = xstrdup(resp->auth_token);
        free(b->session_uri);
        b->session_uri = id != NULL ? http_url_resolve(b->origin, id) : NULL;
    } else if (resp->status == 404 || resp->status == 405 || resp->status == 501 ||
               (resp->status >= 200 && resp->status < 300)) {
        b->basic = 1; /* no usable sessions: Basic authentication on every request */
    } else {
        char m[200];
        rf_error_message(resp->body, m, sizeof m);
        if (resp->status != 0)
            bmc_fail(b, "BMC '%s': login refused (HTTP %ld%s%s)", b->name, resp->status,
                     m[0] ? ": " : "", m);
        else
            bmc_fail(b, "BMC '%s': login failed: %s", b->name, resp->err_msg);
        if (then != NULL) {
            struct http_response fake = {0};
            fake.status = resp->status != 0 ? resp->status : 0;
            fake.body = (char *)"";
            if (then->cb != NULL)
                then->cb(then->rf, then->b, then->arg, NULL, &fake);
            call_free(then);
        }
        return;
    }
    if (then != NULL)
        send_call(then);
}

static void login(struct rf *rf, struct rf_bmc *b, struct call *then)
{
    struct call *c;
    json_t *o;

    if (b->basic || b->sessions_url == NULL || b->password == NULL) {
        b->basic = 1;
        if (then != NULL)
            send_call(then);
        return;
    }
    c = call_new(rf, b, "POST", b->sessions_url, on_login, then);
    c->public = 1;
    o = json_pack("{s:s, s:s}", "UserName", b->user != NULL ? b->user : "", "Password",
                  b->password);
    c->body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    send_call(c);
}

/* ---- the crawl ----------------------------------------------------------------------- */

enum crawl_mode { CRAWL_INVENTORY, CRAWL_SENSORS, CRAWL_EVENTS };

struct sysarg {
    struct rf_sys *s; /* pointers into b->sys stay valid during one crawl: no growth after
                         the Systems collection was processed */
};

static void on_encl(struct rf *rf, struct rf_bmc *b, void *arg, json_t *doc,
                    const struct http_response *resp)
{
    struct rf_sys *s = arg;

    (void)resp;
    if (doc == NULL)
        return;
    /* A blade's chassis often has no Power of its own: the enclosure's feeds it. */
    if (s->s[SL_POWER].url == NULL && rf_link(doc, "Power") != NULL)
        get(rf, b, rf_link(doc, "Power"), &s->s[SL_POWER], 0, NULL, NULL);
}

static void on_chassis(struct rf *rf, struct rf_bmc *b, void *arg, json_t *doc,
                       const struct http_response *resp)
{
    struct rf_sys *s = arg;
    const char *encl;

    (void)resp;
    if (doc == NULL)
        return;
    if (rf_link(doc, "Thermal") != NULL)
        get(rf, b, rf_link(doc, "Thermal"), &s->s[SL_THERMAL], 0, NULL, NULL);
    else if (rf_link(doc, "ThermalSubsystem") != NULL)
        get(rf, b, rf_link(doc, "ThermalSubsystem"), &s->s[SL_TSUB], 0, NULL, NULL);
    if (rf_link(doc, "Power") != NULL)
        get(rf, b, rf_link(doc, "Power"), &s->s[SL_POWER], 0, NULL, NULL);
    else if (rf_link(doc, "PowerSubsystem") != NULL)
        get(rf, b, rf_link(doc, "PowerSubsystem"), &s->s[SL_PSUB], 0, NULL, NULL);
    if (rf_link(doc, "Thermal") == NULL || rf_link(doc, "Power") == NULL) {
        if (rf_link(doc, "EnvironmentMetrics") != NULL)
            get(rf, b, rf_link(doc, "EnvironmentMetrics"), &s->s[SL_ENV], 0, NULL, NULL);
    }
    encl = rf_link(rf_path(doc, "Links"), "ContainedBy");
    if (encl != NULL)
        get(rf, b, encl, &s->s[SL_ENCL], 0, on_encl, s);
    else
        slot_done(&s->s[SL_ENCL]);
}

static const char *first_link(json_t *links, const char *key)
{
    json_t *arr = json_is_object(links) ? json_object_get(links, key) : NULL;

    return rf_str(json_array_get(arr, 0), "@odata.id");
}

/* ---- inventory details: members, drives, volumes ------------------------------------ */

#define RF_BAG_MAX 512 /* documents fetched per system for the details, at most */

struct memarg {
    struct rf_sys *s;
    char *oid;    /* the link as the referring document gave it: the bag key */
    int storage;  /* a Storage document: follow its Drives and Volumes */
};

static void fetch_member(struct rf *rf, struct rf_bmc *b, struct rf_sys *s, const char *oid,
                         int storage);

/* A member that is only a link ({"@odata.id": ...}): the service did not expand it. */
static int only_link(const json_t *m)
{
    return json_is_object(m) && rf_str(m, "@odata.id") != NULL && json_object_size(m) == 1;
}

static void bag_add(struct rf_sys *s, const char *key, json_t *doc)
{
    if (s->bag == NULL)
        s->bag = json_object();
    json_object_set(s->bag, key, doc);
}

/* Fetch every link-only member of a collection (storage: Storage documents). */
static void fetch_members(struct rf *rf, struct rf_bmc *b, struct rf_sys *s, json_t *coll,
                          int storage)
{
    json_t *members = json_is_object(coll) ? json_object_get(coll, "Members") : NULL;
    json_t *m;
    size_t i;

    json_array_foreach(members, i, m) {
        if (only_link(m))
            fetch_member(rf, b, s, rf_str(m, "@odata.id"), storage);
    }
}

/* GET one more document for the system's bag (at most RF_BAG_MAX per refresh); cb gets a
 * struct memarg it must free. */
static void bag_fetch(struct rf *rf, struct rf_bmc *b, struct rf_sys *s, const char *oid,
                      int storage, int expand, rf_cb cb)
{
    struct memarg *ma;

    if (oid == NULL || s->bag_asked >= RF_BAG_MAX)
        return;
    s->bag_asked++;
    ma = xcalloc(1, sizeof *ma);
    ma->s = s;
    ma->oid = xstrdup(oid);
    ma->storage = storage;
    get(rf, b, oid, NULL, expand, cb, ma);
}

static void on_volumes(struct rf *rf, struct rf_bmc *b, void *arg, json_t *doc,
                       const struct http_response *resp)
{
    struct memarg *ma = arg;

    (void)resp;
    if (json_is_object(doc)) {
        bag_add(ma->s, ma->oid, doc);
        fetch_members(rf, b, ma->s, doc, 0);
    }
    free(ma->oid);
    free(ma);
}

/* A Storage document: its drives are links (often under the Chassis), its volumes a
 * collection. */
static void storage_links(struct rf *rf, struct rf_bmc *b, struct rf_sys *s, json_t *st)
{
    json_t *drives = json_is_object(st) ? json_object_get(st, "Drives") : NULL;
    const char *vols = rf_link(st, "Volumes");
    json_t *d;
    size_t i;

    json_array_foreach(drives, i, d) {
        if (only_link(d))
            fetch_member(rf, b, s, rf_str(d, "@odata.id"), 0);
    }
    bag_fetch(rf, b, s, vols, 0, 1, on_volumes);
}

static void on_member(struct rf *rf, struct rf_bmc *b, void *arg, json_t *doc,
                      const struct http_response *resp)
{
    struct memarg *ma = arg;

    (void)resp;
    if (json_is_object(doc)) {
        bag_add(ma->s, ma->oid, doc);
        if (ma->storage)
            storage_links(rf, b, ma->s, doc);
    }
    free(ma->oid);
    free(ma);
}

static void fetch_member(struct rf *rf, struct rf_bmc *b, struct rf_sys *s, const char *oid,
                         int storage)
{
    bag_fetch(rf, b, s, oid, storage, 0, on_member);
}

/* Processors, Memory, SimpleStorage, EthernetInterfaces: members not expanded. */
static void on_coll(struct rf *rf, struct rf_bmc *b, void *arg, json_t *doc,
                    const struct http_response *resp)
{
    (void)resp;
    if (rf->details)
        fetch_members(rf, b, arg, doc, 0);
}

static void on_storage_coll(struct rf *rf, struct rf_bmc *b, void *arg, json_t *doc,
                            const struct http_response *resp)
{
    struct rf_sys *s = arg;
    json_t *members = json_is_object(doc) ? json_object_get(doc, "Members") : NULL;
    json_t *m;
    size_t i;

    (void)resp;
    json_array_foreach(members, i, m) {
        if (only_link(m))
            fetch_member(rf, b, s, rf_str(m, "@odata.id"), 1);
        else
            storage_links(rf, b, s, m);
    }
}

/* After a crawl: the details gathered become slot SL_DETAILS. */
static void bags_commit(struct rf_bmc *b)
{
    for (size_t i = 0; i < b->nsys; i++) {
        struct rf_sys *s = &b->sys[i];
        if (s->bag != NULL || (s->bag_reset && b->err[0] == '\0')) {
            free(s->s[SL_DETAILS].text);
            s->s[SL_DETAILS].text = s->bag != NULL ? json_dumps(s->bag, JSON_COMPACT) : NULL;
            free(s->s[SL_DETAILS].url);
            s->s[SL_DETAILS].url = NULL;
        }
        json_decref(s->bag);
        s->bag = NULL;
        s->bag_reset = 0;
        s->bag_asked = 0;
    }
}

static void process_system(struct rf *rf, struct rf_bmc *b, struct rf_sys *s, json_t *doc)
{
    json_t *links = rf_path(doc, "Links");

    get(rf, b, first_link(links, "Chassis"), &s->s[SL_CHASSIS], 0, on_chassis, s);
    get(rf, b, first_link(links, "ManagedBy"), &s->s[SL_MANAGER], 0, NULL, NULL);
    get(rf, b, rf_link(doc, "EthernetInterfaces"), &s->s[SL_ETH], 1,
        rf->details ? on_coll : NULL, s);
    if (rf->details) {
        s->bag_reset = 1;
        get(rf, b, rf_link(doc, "Processors"), &s->s[SL_PROC], 1, on_coll, s);
        get(rf, b, rf_link(doc, "Memory"), &s->s[SL_MEM], 1, on_coll, s);
        get(rf, b, rf_link(doc, "Storage"), &s->s[SL_STOR], 1, on_storage_coll, s);
        get(rf, b, rf_link(doc, "SimpleStorage"), &s->s[SL_SSTOR], 1, on_coll, s);
    }
}

static void on_system(struct rf *rf, struct rf_bmc *b, void *arg, json_t *doc,
                      const struct http_response *resp)
{
    (void)resp;
    if (json_is_object(doc))
        process_system(rf, b, arg, doc);
}

static void on_systems(struct rf *rf, struct rf_bmc *b, void *arg, json_t *doc,
                       const struct http_response *resp)
{
    json_t *members = json_is_object(doc) ? json_object_get(doc, "Members") : NULL;
    json_t *m;
    size_t i;

    (void)arg;
    (void)resp;
    if (doc == NULL)
        return;
    if (!json_is_array(members)) {
        bmc_fail(b, "BMC '%s': the Systems collection has no Members list", b->name);
        return;
    }
    /* Create every rf_sys first: the array may move while it grows. */
    json_array_foreach(members, i, m) {
        const char *id = rf_str(m, "@odata.id");
        const char *sid = rf_str(m, "Id");
        char *derived = NULL;
        if (id == NULL)
            continue;
        if (sid == NULL) {
            const char *slash = strrchr(id, '/');
            derived = xstrdup(slash != NULL && slash[1] != '\0' ? slash + 1 : id);
            sid = derived;
        }
        sys_get(b, sid);
        free(derived);
    }
    json_array_foreach(members, i, m) {
        const char *id = rf_str(m, "@odata.id");
        const char *sid = rf_str(m, "Id");
        const char *slash;
        struct rf_sys *s;
        if (id == NULL)
            continue;
        slash = strrchr(id, '/');
        s = sys_find(b, sid != NULL ? sid : (slash != NULL ? slash + 1 : id));
        if (s == NULL)
            continue;
        s->seen = b->gen;
        if (rf_str(m, "PowerState") != NULL || rf_path(m, "Status") != NULL) {
            /* expanded: the member is the system itself */
            char *url = http_url_resolve(b->origin, id);
            slot_set_url(&s->s[SL_SYS], url);
            free(url);
            free(s->s[SL_SYS].text);
            free(s->s[SL_SYS].etag);
            s->s[SL_SYS].text = json_dumps(m, JSON_COMPACT);
            s->s[SL_SYS].etag = NULL;
            process_system(rf, b, s, m);
        } else {
            get(rf, b, id, &s->s[SL_SYS], 0, on_system, s);
        }
    }
}

static void crawl_systems(struct rf *rf, struct rf_bmc *b)
{
    get(rf, b, b->systems_url, &b->coll, 1, on_systems, NULL);
}

static void crawl_sensors(struct rf *rf, struct rf_bmc *b)
{
    static const enum slot_id sensors[] = {SL_THERMAL, SL_POWER, SL_ENV};

    for (size_t i = 0; i < b->nsys; i++) {
        for (size_t k = 0; k < sizeof sensors / sizeof sensors[0]; k++) {
            struct slot *sl = &b->sys[i].s[sensors[k]];
            if (sl->url != NULL) {
                char *u = xstrdup(sl->url);
                get(rf, b, u, sl, 0, NULL, NULL);
                free(u);
            }
        }
    }
}

/* ---- the event-log crawl: LogServices -> LogService -> Entries (-> entries) ---------- */

#define RF_LOG_PAGES 8 /* nextLink pages followed per log and refresh, at most */

static void log_free(struct rf_log *l)
{
    if (l == NULL)
        return;
    free(l->url);
    free(l->host_id);
    free(l->name);
    slot_done(&l->svc);
    slot_done(&l->first);
    for (size_t i = 0; i < l->npages; i++)
        free(l->pages[i]);
    free(l->pages);
    hmap_free(l->ent);
    free(l);
}

static void log_drop_pages(struct rf_log *l)
{
    for (size_t i = 0; i < l->npages; i++)
        free(l->pages[i]);
    free(l->pages);
    l->pages = NULL;
    l->npages = 0;
}

struct entarg {
    struct rf_log *l;
    char *oid;
};

static void on_entry(struct rf *rf, struct rf_bmc *b, void *arg, json_t *doc,
                     const struct http_response *resp)
{
    struct entarg *ea = arg;

    (void)rf;
    (void)b;
    (void)resp;
    if (json_is_object(doc))
        hmap_put(ea->l->ent, ea->oid, json_dumps(doc, JSON_COMPACT));
    free(ea->oid);
    free(ea);
}

/* Members that are only links: fetch the newest events_max of them not fetched yet. */
static void fetch_linked_entries(struct rf *rf, struct rf_bmc *b, struct rf_log *l,
                                 json_t *members)
{
    size_t n = json_array_size(members);
    size_t from = n > (size_t)rf->events_max ? n - (size_t)rf->events_max : 0;

    for (size_t i = from; i < n; i++) {
        json_t *m = json_array_get(members, i);
        const char *oid = rf_str(m, "@odata.id");
        struct entarg *ea;
        if (oid == NULL || rf_str(m, "Created") != NULL || rf_str(m, "Message") != NULL ||
            rf_str(m, "Severity") != NULL || hmap_get(l->ent, oid) != NULL)
            continue;
        ea = xcalloc(1, sizeof *ea);
        ea->l = l;
        ea->oid = xstrdup(oid);
        get(rf, b, oid, NULL, 0, on_entry, ea);
    }
}

static void on_entries_page(struct rf *rf, struct rf_bmc *b, void *arg, json_t *doc,
                            const struct http_response *resp)
{
    struct rf_log *l = arg;
    const char *next = rf_str(doc, "@odata.nextLink");

    (void)resp;
    if (!json_is_object(doc))
        return;
    l->pages = xrealloc(l->pages, (l->npages + 1) * sizeof *l->pages);
    l->pages[l->npages++] = json_dumps(doc, JSON_COMPACT);
    fetch_linked_entries(rf, b, l, json_object_get(doc, "Members"));
    /* A server that ignores the skip token serves the same page again: stop there. */
    if (next != NULL && l->npages < RF_LOG_PAGES) {
        json_t *prev = parse(l->npages > 1 ? l->pages[l->npages - 2] : l->first.text);
        const char *pn = rf_str(prev, "@odata.nextLink");
        if (pn == NULL || strcmp(pn, next) != 0)
            get(rf, b, next, NULL, 0, on_entries_page, l);
        json_decref(prev);
    }
}

static void on_entries(struct rf *rf, struct rf_bmc *b, void *arg, json_t *doc,
                       const struct http_response *resp)
{
    struct rf_log *l = arg;
    json_t *members = json_is_object(doc) ? json_object_get(doc, "Members") : NULL;
    json_t *count = json_is_object(doc) ? json_object_get(doc, "Members@odata.count") : NULL;
    const char *next = rf_str(doc, "@odata.nextLink");
    size_t have = json_array_size(members);

    if (!json_is_array(members))
        return;
    if (resp->status == 304) {
        fetch_linked_entries(rf, b, l, members); /* entries that failed last time */
        return;                                  /* unchanged: the later pages too */
    }
    log_drop_pages(l);
    if (hmap_len(l->ent) > 2 * (size_t)rf->events_max)
        hmap_clear(l->ent);
    fetch_linked_entries(rf, b, l, members);
    if (next == NULL || !json_is_integer(count) || (size_t)json_integer_value(count) <= have)
        return;
    if (b->topskip && l->first.url != NULL) {
        /* Jump to the newest entries (logs grow at the end). */
        long long total = (long long)json_integer_value(count);
        long long skip = total > rf->events_max ? total - rf->events_max : 0;
        char *base = xstrndup(l->first.url, strcspn(l->first.url, "?"));
        char *u = xasprintf("%s?$skip=%lld&$top=%d", base, skip, rf->events_max);
        get(rf, b, u, NULL, 0, on_entries_page, l);
        free(u);
        free(base);
    } else {
        get(rf, b, next, NULL, 0, on_entries_page, l);
    }
}

static void on_logsvc(struct rf *rf, struct rf_bmc *b, void *arg, json_t *doc,
                      const struct http_response *resp)
{
    struct rf_log *l = arg;

    (void)resp;
    if (!json_is_object(doc) || rf_link(doc, "Entries") == NULL)
        return;
    free(l->name);
    l->name = xstrdup(rf_str(doc, "Name"));
    get(rf, b, rf_link(doc, "Entries"), &l->first, 0, on_entries, l);
}

static struct rf_log *log_get(struct rf_bmc *b, const char *url, const char *host_id)
{
    struct rf_log *l;

    for (size_t i = 0; i < b->nlogs; i++) {
        if (strcmp(b->logs[i]->url, url) == 0)
            return b->logs[i];
    }
    b->logs = xgrow(b->logs, &b->caplogs, b->nlogs + 1, sizeof *b->logs);
    l = xcalloc(1, sizeof *l);
    l->url = xstrdup(url);
    l->host_id = xstrdup(host_id);
    l->ent = hmap_new(free);
    b->logs[b->nlogs++] = l;
    return l;
}

static void on_logcoll(struct rf *rf, struct rf_bmc *b, void *arg, json_t *doc,
                       const struct http_response *resp)
{
    struct rf_lcoll *lc = arg;
    json_t *members = json_is_object(doc) ? json_object_get(doc, "Members") : NULL;
    json_t *m;
    size_t i;

    (void)resp;
    json_array_foreach(members, i, m) {
        const char *oid = rf_str(m, "@odata.id");
        char *url;
        struct rf_log *l;
        if (oid == NULL)
            continue;
        url = http_url_resolve(b->origin, oid);
        l = log_get(b, url, lc->host_id);
        free(url);
        l->seen = b->gen;
        get(rf, b, l->url, &l->svc, 0, on_logsvc, l);
    }
}

static void crawl_logcoll(struct rf *rf, struct rf_bmc *b, const char *link, const char *host_id)
{
    char *url;
    struct rf_lcoll *lc = NULL;

    if (link == NULL)
        return;
    url = http_url_resolve(b->origin, link);
    for (size_t i = 0; i < b->nlcolls && lc == NULL; i++) {
        if (strcmp(b->lcolls[i]->s.url, url) == 0)
            lc = b->lcolls[i];
    }
    if (lc == NULL) {
        b->lcolls = xgrow(b->lcolls, &b->caplcolls, b->nlcolls + 1, sizeof *b->lcolls);
        lc = xcalloc(1, sizeof *lc);
        lc->host_id = xstrdup(host_id);
        slot_set_url(&lc->s, url);
        b->lcolls[b->nlcolls++] = lc;
    } else if (lc->host_id == NULL) {
        lc->host_id = xstrdup(host_id);
    }
    free(url);
    if (lc->host_id != NULL && strcmp(lc->host_id, host_id) != 0)
        return; /* a manager of several systems: its logs were claimed by the first */
    get(rf, b, lc->s.url, &lc->s, 0, on_logcoll, lc);
}

/* Every LogServices collection of the BMC's systems and their managers. */
static void crawl_logs(struct rf *rf, struct rf_bmc *b)
{
    for (size_t i = 0; i < b->nsys; i++) {
        json_t *sys = parse(b->sys[i].s[SL_SYS].text);
        json_t *mgr = parse(b->sys[i].s[SL_MANAGER].text);
        crawl_logcoll(rf, b, rf_link(sys, "LogServices"), b->sys[i].host_id);
        crawl_logcoll(rf, b, rf_link(mgr, "LogServices"), b->sys[i].host_id);
        json_decref(sys);
        json_decref(mgr);
    }
}

/* Logs no longer listed by a BMC that answered in full. */
static void prune_logs(struct rf_bmc *b)
{
    size_t j = 0;

    if (b->err[0] != '\0')
        return;
    for (size_t i = 0; i < b->nlogs; i++) {
        if (b->logs[i]->seen == b->gen)
            b->logs[j++] = b->logs[i];
        else
            log_free(b->logs[i]);
    }
    b->nlogs = j;
}

struct rootarg {
    enum crawl_mode mode;
};

static void after_root(struct rf *rf, struct rf_bmc *b, enum crawl_mode mode)
{
    if (mode == CRAWL_SENSORS && b->nsys > 0) {
        crawl_sensors(rf, b);
        return;
    }
    if (mode == CRAWL_EVENTS) {
        crawl_logs(rf, b); /* list() ran the inventory first */
        return;
    }
    if (b->token == NULL && !b->basic && b->user != NULL) {
        struct call *next = call_new(rf, b, "GET", b->systems_url, on_systems, NULL);
        if (b->expand) {
            char *u = xasprintf("%s?$expand=.($levels=1)", next->url);
            free(next->url);
            next->url = u;
        }
        slot_set_url(&b->coll, next->url);
        next->slot = &b->coll;
        login(rf, b, next);
        return;
    }
    crawl_systems(rf, b);
}

static void on_root(struct rf *rf, struct rf_bmc *b, void *arg, json_t *doc,
                    const struct http_response *resp)
{
    enum crawl_mode mode = (enum crawl_mode)(intptr_t)arg;
    json_t *ex;

    (void)resp;
    if (!json_is_object(doc)) {
        if (doc != NULL)
            bmc_fail(b, "BMC '%s': the service root is not a JSON object", b->name);
        return;
    }
    free(b->systems_url);
    free(b->sessions_url);
    b->systems_url = xstrdup(rf_link(doc, "Systems"));
    b->sessions_url = xstrdup(rf_link(rf_path(doc, "Links"), "Sessions"));
    if (b->sessions_url == NULL && rf_link(doc, "SessionService") != NULL)
        b->sessions_url = xasprintf("%s/Sessions", rf_link(doc, "SessionService"));
    ex = rf_path(doc, "ProtocolFeaturesSupported.ExpandQuery");
    b->expand = json_is_true(json_object_get(ex, "Levels"));
    b->topskip = json_is_true(rf_path(doc, "ProtocolFeaturesSupported.TopSkipQuery"));
    if (b->systems_url == NULL) {
        bmc_fail(b, "BMC '%s': the service root links no Systems collection", b->name);
        return;
    }
    b->root_ok = 1;
    after_root(rf, b, mode);
}

/* The certificate probe's reply: compare with the pin, or report an unknown certificate. */
static void on_probe(struct rf *rf, struct rf_bmc *b, void *arg, json_t *doc,
                     const struct http_response *resp)
{
    const char *pin = b->refused_pin;
    const struct http_cert *c = &resp->cert;

    if (!c->present) {
        bmc_fail(b, "BMC '%s': could not read its TLS certificate", b->name);
        return;
    }
    if (pin == NULL) {
        bmc_fail(b, "BMC '%s': unverified certificate SHA256:%s, subject %s, expires %s: run "
                    "'racktop trust %s %s' to pin it", b->name, c->sha256, c->subject, c->expires,
                 provider_name(rf->p), b->name);
        b->refused = 1;
        snprintf(b->refusal, sizeof b->refusal, "%s", b->err);
        return;
    }
    if (strcasecmp(pin, c->sha256) != 0) {
        bmc_fail(b, "BMC '%s': TLS certificate changed: now SHA256:%s (subject %s, expires %s), "
                    "pinned SHA256:%s; refused", b->name, c->sha256, c->subject, c->expires, pin);
        b->refused = 1;
        snprintf(b->refusal, sizeof b->refusal, "%s", b->err);
        return;
    }
    free(b->pin_spki);
    b->pin_spki = xstrdup(c->spki_b64);
    b->refused = 0;
    on_root(rf, b, arg, doc, resp); /* the probe fetched the (public) service root */
}

static void on_root_tls(struct rf *rf, struct rf_bmc *b, void *arg, json_t *doc,
                        const struct http_response *resp)
{
    if (resp->status == 0 && resp->tls_failed) {
        struct call *c = call_new(rf, b, "GET", "/redfish/v1/", on_probe, arg);
        b->err[0] = '\0';
        free(b->refused_pin);
        b->refused_pin = NULL;
        c->public = 1;
        c->probe = 1;
        free(c->url);
        c->url = xasprintf("%s/redfish/v1/", b->address);
        send_call(c);
        return;
    }
    on_root(rf, b, arg, doc, resp);
}

static char *pin_lookup(struct rf *rf, struct rf_bmc *b)
{
    char *pin;
    const char *p;

    if (b->tls_fp != NULL)
        pin = xstrdup(b->tls_fp);
    else
        pin = store_pin_get(provider_env(rf->p)->store, "tls", b->pin_subject, NULL);
    if (pin == NULL)
        return NULL;
    p = pin;
    if (strncasecmp(p, "SHA256:", 7) == 0)
        p += 7;
    {
        /* accept "AB:CD:..." as printed by openssl */
        char *out = xmalloc(strlen(p) + 1), *o = out;
        for (; *p != '\0'; p++) {
            if (*p != ':')
                *o++ = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
        }
        *o = '\0';
        free(pin);
        return out;
    }
}

static void start_bmc(struct rf *rf, struct rf_bmc *b, enum crawl_mode mode)
{
    struct call *c;
    void *arg = (void *)(intptr_t)mode;

    b->err[0] = '\0';
    b->unreachable = 0;
    b->gen++;
    if (b->refused) {
        char *pin = pin_lookup(rf, b);
        int same = (pin == NULL && b->refused_pin == NULL) ||
                   (pin != NULL && b->refused_pin != NULL && strcmp(pin, b->refused_pin) == 0);
        free(pin);
        if (same) {
            /* Not contacted again until the pin changes (racktop trust). */
            snprintf(b->err, sizeof b->err, "%s", b->refusal);
            return;
        }
        b->refused = 0;
    }
    if (b->root_ok) {
        after_root(rf, b, mode);
        return;
    }
    c = call_new(rf, b, "GET", "/redfish/v1/", on_root_tls, arg);
    free(c->url);
    c->url = xasprintf("%s/redfish/v1/", b->address);
    c->public = 1;
    slot_set_url(&b->root, c->url);
    c->slot = &b->root;
    if (b->https && !b->insecure && b->pin_spki == NULL) {
        char *pin = pin_lookup(rf, b);
        if (pin != NULL) {
            free(b->refused_pin);
            b->refused_pin = pin; /* the pin to compare with in on_probe */
            c->cb = on_probe;
            c->probe = 1;
        }
    }
    send_call(c);
}

/* Refresh one BMC (b) or all (b == NULL) and wait (bounded). */
static void refresh(struct rf *rf, struct rf_bmc *only, enum crawl_mode mode)
{
    int64_t deadline = rt_mono_ms() + rf->list_timeout_ms;

    rf->crawling = 0;
    for (size_t i = 0; i < rf->nbmcs; i++) {
        if (only == NULL || only == &rf->bmcs[i]) {
            start_bmc(rf, &rf->bmcs[i], mode);
            if (rf->bmcs[i].inflight > 0)
                rf->crawling++;
        }
    }
    http_run(rf->http, deadline);
    for (size_t i = 0; i < rf->nbmcs; i++) {
        if (only == NULL || only == &rf->bmcs[i])
            bags_commit(&rf->bmcs[i]);
    }
}

/* ---- documents kept across processes ------------------------------------------------ */

/*
 * After an inventory crawl, the documents the inventory maps (service root,
 * Systems collection, and each system's slots) are written with their ETags
 * to the store blob "docs:<bmc>" of the provider's namespace, and read back
 * by the next process's open(): its first crawl then sends If-None-Match
 * everywhere and an unchanged BMC answers 304s (one login, no bodies).
 * Only slots with an ETag are kept (nothing else can be revalidated), no
 * document above RF_KEEP_DOC_MAX and at most RF_KEEP_BMC_MAX per BMC; log
 * services and entries are not kept.  A BMC whose crawl failed keeps its
 * previous blob.  No credentials or tokens are in these documents.
 *
 *     {"v":1, "root":[url,etag,text], "coll":[url,etag,text],
 *      "sys":[{"id":sid, "slots":{"System":[url,etag,text], ...}}, ...]}
 */
#define RF_KEEP_DOC_MAX (256u * 1024)
#define RF_KEEP_BMC_MAX (1024u * 1024)
#define RF_KEEP_PREFIX "docs:"

static json_t *slot_to_json(const struct slot *sl, size_t *budget)
{
    size_t n;

    if (sl->url == NULL || sl->etag == NULL || sl->text == NULL)
        return NULL;
    n = strlen(sl->text);
    if (n > RF_KEEP_DOC_MAX || n > *budget)
        return NULL;
    *budget -= n;
    return json_pack("[sss]", sl->url, sl->etag, sl->text);
}

static void slot_from_json(struct slot *sl, const json_t *a)
{
    const char *u = json_string_value(json_array_get(a, 0));
    const char *e = json_string_value(json_array_get(a, 1));
    const char *t = json_string_value(json_array_get(a, 2));

    if (u == NULL || e == NULL || t == NULL || strlen(t) > RF_KEEP_DOC_MAX)
        return;
    slot_done(sl);
    sl->url = xstrdup(u);
    sl->etag = xstrdup(e);
    sl->text = xstrdup(t);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The blob of one BMC (new string), or NULL when there is nothing worth keeping. */
static char *docs_dump(struct rf_bmc *b)
{
    size_t budget = RF_KEEP_BMC_MAX;
    json_t *o = json_object(), *sys = json_array(), *j;
    char *out;

    json_object_set_new(o, "v", json_integer(1));
    if ((j = slot_to_json(&b->root, &budget)) != NULL)
        json_object_set_new(o, "root", j);
    if ((j = slot_to_json(&b->coll, &budget)) != NULL)
        json_object_set_new(o, "coll", j);
    for (size_t i = 0; i < b->nsys; i++) {
        struct rf_sys *s = &b->sys[i];
        json_t *slots = json_object();
        if (s->seen != b->gen) {
            json_decref(slots);
            continue; /* gone from the Systems collection */
        }
        for (int k = 0; k < SL__COUNT; k++) {
            if ((j = slot_to_json(&s->s[k], &budget)) != NULL)
                json_object_set_new(slots, slot_names[k], j);
        }
        json_array_append_new(sys, json_pack("{s:s, s:o}", "id", s->sid, "slots", slots));
    }
    json_object_set_new(o, "sys", sys);
    out = json_object_get(o, "root") != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return out;
}

/* Write the blobs of the BMCs whose last crawl succeeded and whose documents changed.
 * Failures are logged only: the cache is an optimisation. */
static void docs_keep(struct rf *rf)
{
    struct store *st = provider_env(rf->p)->store;
    struct rt_error e = {0};
    int tx = 0;

    if (st == NULL)
        return;
    for (size_t i = 0; i < rf->nbmcs; i++) {
        struct rf_bmc *b = &rf->bmcs[i];
        char key[80], *blob;
        uint64_t h;
        if (b->err[0] != '\0' || !b->root_ok)
            continue;
        blob = docs_dump(b);
        h = blob != NULL ? fnv1a(blob) : 0;
        if (h != b->kept_hash) {
            if (!tx)
                tx = store_begin(st, &e) == 0 ? 1 : -1;
            snprintf(key, sizeof key, RF_KEEP_PREFIX "%s", b->name);
            if ((blob != NULL ? store_blob_put(st, rf->ns, key, blob, &e)
                              : store_blob_delete(st, rf->ns, key, &e)) == 0)
                b->kept_hash = h;
            else
                rt_log("redfish: keeping the documents of '%s': %s", b->name, e.msg);
        }
        free(blob);
    }
    if (tx == 1 && store_commit(st, &e) < 0) {
        rt_log("redfish: keeping documents: %s", e.msg);
        store_rollback(st);
    }
}

struct docs_load {
    struct rf *rf;
    char **stale; /* keys of BMCs no longer configured */
    size_t nstale, capstale;
};

/* A system read from an expanded Systems collection has no ETag of its own, so it is not
 * kept: take it from the kept collection, so that a BMC that does not answer in the next
 * process still shows its power state and health (as stale data). */
static void sys_from_coll(struct rf_bmc *b)
{
    json_t *coll = parse(b->coll.text), *m;
    size_t i;

    json_array_foreach(json_is_object(coll) ? json_object_get(coll, "Members") : NULL, i, m) {
        const char *id = rf_str(m, "@odata.id"), *sid = rf_str(m, "Id");
        struct rf_sys *s;
        char *url;
        if (id == NULL || sid == NULL || (rf_str(m, "PowerState") == NULL &&
                                          rf_path(m, "Status") == NULL))
            continue;
        s = sys_find(b, sid);
        if (s == NULL || s->s[SL_SYS].text != NULL)
            continue;
        url = http_url_resolve(b->origin, id);
        slot_set_url(&s->s[SL_SYS], url);
        free(url);
        s->s[SL_SYS].text = json_dumps(m, JSON_COMPACT);
    }
    json_decref(coll);
}

static int docs_load_one(void *ctx, const char *key, const char *value)
{
    struct docs_load *dl = ctx;
    struct rf_bmc *b;
    json_t *o, *m;
    size_t i;

    if (strncmp(key, RF_KEEP_PREFIX, strlen(RF_KEEP_PREFIX)) != 0)
        return 0;
    b = hmap_get(dl->rf->by_name, key + strlen(RF_KEEP_PREFIX));
    if (b == NULL) {
        dl->stale = xgrow(dl->stale, &dl->capstale, dl->nstale + 1, sizeof *dl->stale);
        dl->stale[dl->nstale++] = xstrdup(key);
        return 0;
    }
    o = json_loads(value, 0, NULL);
    if (json_integer_value(json_object_get(o, "v")) != 1) {
        json_decref(o);
        return 0;
    }
    slot_from_json(&b->root, json_object_get(o, "root"));
    slot_from_json(&b->coll, json_object_get(o, "coll"));
    json_array_foreach(json_object_get(o, "sys"), i, m) {
        const char *sid = rf_str(m, "id");
        json_t *slots = json_object_get(m, "slots");
        struct rf_sys *s;
        if (sid == NULL || !json_is_object(slots))
            continue;
        s = sys_get(b, sid);
        for (int k = 0; k < SL__COUNT; k++)
            slot_from_json(&s->s[k], json_object_get(slots, slot_names[k]));
    }
    sys_from_coll(b);
    b->kept_hash = fnv1a(value);
    json_decref(o);
    return 0;
}

/* Read the kept documents of every configured BMC; forget those of removed BMCs. */
static void docs_load(struct rf *rf)
{
    struct store *st = provider_env(rf->p)->store;
    struct docs_load dl = {rf, NULL, 0, 0};
    struct rt_error e = {0};

    if (st == NULL)
        return;
    if (store_blob_foreach(st, rf->ns, docs_load_one, &dl, &e) < 0)
        rt_log("redfish: reading kept documents: %s", e.msg);
    for (size_t i = 0; i < dl.nstale; i++) {
        store_blob_delete(st, rf->ns, dl.stale[i], NULL);
        free(dl.stale[i]);
    }
    free(dl.stale);
}

/* ---- mapping ------------------------------------------------------------------------- */

struct parsed {
    json_t *d[SL__COUNT];
};

static void docs_fill(struct rf *rf, struct rf_bmc *b, struct rf_sys *s, struct parsed *pd,
                      struct rf_docs *d, char **maint, char **image)
{
    char key[300];
    struct store *st = provider_env(rf->p)->store;

    memset(d, 0, sizeof *d);
    for (int i = 0; i < SL__COUNT; i++)
        pd->d[i] = parse(s->s[i].text);
    d->bmc_name = b->name;
    d->bmc_address = b->address;
    d->rack = b->rack;
    d->zone = b->zone;
    d->system = pd->d[SL_SYS];
    d->chassis = pd->d[SL_CHASSIS];
    d->enclosure = pd->d[SL_ENCL];
    d->thermal = pd->d[SL_THERMAL];
    d->power = pd->d[SL_POWER];
    d->env = pd->d[SL_ENV];
    d->thermal_sub = pd->d[SL_TSUB];
    d->power_sub = pd->d[SL_PSUB];
    d->manager = pd->d[SL_MANAGER];
    d->ethernet = pd->d[SL_ETH];
    d->processors = pd->d[SL_PROC];
    d->memory = pd->d[SL_MEM];
    d->storage = pd->d[SL_STOR];
    d->simple_storage = pd->d[SL_SSTOR];
    d->details = pd->d[SL_DETAILS];
    d->last_error = b->err[0] != '\0' ? b->err : NULL;
    if (d->last_error == NULL && b->https && b->insecure)
        d->last_error = "warning: TLS verification is off for this BMC (insecure: true)";
    snprintf(key, sizeof key, "maint:%s", s->host_id);
    *maint = store_blob_get(st, rf->ns, key);
    d->maintenance = *maint != NULL;
    d->maintenance_reason = *maint != NULL && (*maint)[0] != '\0' ? *maint : NULL;
    snprintf(key, sizeof key, "inst:%s", s->host_id);
    *image = store_blob_get(st, rf->ns, key);
    d->provisioned_image = *image;
}

static void parsed_done(struct parsed *pd)
{
    for (int i = 0; i < SL__COUNT; i++)
        json_decref(pd->d[i]);
}

/* The host's raw JSON: {"System":{...},"Chassis":{...},...}, the slot texts as they are.
 * Allocated to its exact size: a list of 1 000 hosts holds all of them until the engine
 * has stored them, and a doubling buffer left ~40% of that unused (docs/BENCHMARKS.md). */
static char *raw_of(struct rf_sys *s)
{
    size_t n = 2, len[SL__COUNT];
    char *out, *o;
    json_t *chk;

    for (int i = 0; i < SL__COUNT; i++) {
        len[i] = s->s[i].text != NULL ? strlen(s->s[i].text) : 0;
        if (s->s[i].text != NULL)
            n += 1 + strlen(slot_names[i]) + 3 + len[i]; /* , "name" : text */
    }
    out = o = xmalloc(n + 1);
    *o++ = '{';
    for (int i = 0; i < SL__COUNT; i++) {
        if (s->s[i].text == NULL)
            continue;
        if (o > out + 1)
            *o++ = ',';
        o += sprintf(o, "\"%s\":", slot_names[i]);
        memcpy(o, s->s[i].text, len[i]);
        o += len[i];
    }
    *o++ = '}';
    *o = '\0';
    /* Only keep it if it is valid JSON (a kept slot read from the store may be damaged). */
    chk = json_loadb(out, (size_t)(o - out), 0, NULL);
    if (chk == NULL) {
        free(out);
        return NULL;
    }
    json_decref(chk);
    return out;
}

static const char *host_name(struct rf_bmc *b, struct rf_sys *s)
{
    return b->nsys == 1 ? b->name : s->host_id;
}

static struct resource *make_host(struct rf *rf, struct rf_bmc *b, struct rf_sys *s, int with_raw)
{
    struct parsed pd;
    struct rf_docs d;
    char *maint = NULL, *image = NULL;
    struct resource *r = res_new(provider_name(rf->p), RES_KIND_HOST, s->host_id, host_name(b, s));

    docs_fill(rf, b, s, &pd, &d, &maint, &image);
    rf_map_host(&d, r);
    if (b->unreachable)
        res_set_status(r, RES_STATUS_ERROR, "unreachable"); /* the fields are the last known */
    else if (d.system == NULL)
        res_set_status(r, RES_STATUS_UNKNOWN, "unknown");
    r->updated_at = rt_now_ms() / 1000;
    if (with_raw)
        r->raw = raw_of(s);
    parsed_done(&pd);
    free(maint);
    free(image);
    return r;
}

static struct resource *make_instance(struct rf *rf, struct rf_bmc *b, struct rf_sys *s)
{
    struct parsed pd;
    struct rf_docs d;
    char *maint = NULL, *image = NULL;
    struct resource *r = res_new(provider_name(rf->p), RES_KIND_INSTANCE, s->host_id,
                                 host_name(b, s));

    docs_fill(rf, b, s, &pd, &d, &maint, &image);
    if (!rf_map_instance(&d, s->host_id, r)) {
        res_free(r);
        r = NULL;
    } else {
        r->updated_at = rt_now_ms() / 1000;
    }
    parsed_done(&pd);
    free(maint);
    free(image);
    return r;
}

/* A row for a BMC that never answered: the operator must see it. */
static struct resource *placeholder(struct rf *rf, struct rf_bmc *b)
{
    struct resource *r = res_new(provider_name(rf->p), RES_KIND_HOST, b->name, b->name);

    res_set(r, "type", "baremetal");
    res_set(r, "bmc", b->address);
    res_set(r, "rack", b->rack);
    res_set(r, "zone", b->zone);
    res_set(r, "power", "unknown");
    res_set(r, "last_error", b->err[0] != '\0' ? b->err : "no reply yet");
    res_set_status(r, RES_STATUS_ERROR, "unreachable");
    r->updated_at = rt_now_ms() / 1000;
    return r;
}

struct ev_row {
    const char *created;
    json_t *entry; /* borrowed from the page it came from */
};

static int ev_cmp(const void *a, const void *b)
{
    const struct ev_row *x = a, *y = b;

    /* newest first; entries without a time last */
    if (x->created == NULL || y->created == NULL)
        return (x->created == NULL) - (y->created == NULL);
    return strcmp(y->created, x->created);
}

/* The events of one log: its pages' members (or the fetched entries they link), without
 * duplicates, the newest events_max of them. */
static void map_log(struct rf *rf, struct rf_bmc *b, struct rf_log *l, struct res_list *out)
{
    json_t **docs = xcalloc(l->npages + 1, sizeof *docs);
    json_t *fetched = json_array(); /* keeps parsed linked entries alive */
    struct hmap *seen = hmap_new(NULL);
    struct ev_row *rows = NULL;
    size_t n = 0, cap = 0;

    docs[0] = parse(l->first.text);
    for (size_t i = 0; i < l->npages; i++)
        docs[i + 1] = parse(l->pages[i]);
    for (size_t i = 0; i <= l->npages; i++) {
        json_t *members = json_is_object(docs[i]) ? json_object_get(docs[i], "Members") : NULL;
        json_t *m;
        size_t j;
        json_array_foreach(members, j, m) {
            const char *oid = rf_str(m, "@odata.id");
            json_t *e = m;
            if (oid == NULL || hmap_get(seen, oid) != NULL)
                continue;
            if (rf_str(m, "Created") == NULL && rf_str(m, "Message") == NULL &&
                rf_str(m, "Severity") == NULL) {
                e = parse(hmap_get(l->ent, oid));
                if (e == NULL)
                    continue; /* not fetched (yet) */
                json_array_append_new(fetched, e);
            }
            hmap_put(seen, oid, e);
            rows = xgrow(rows, &cap, n + 1, sizeof *rows);
            rows[n].created = rf_str(e, "Created");
            rows[n].entry = e;
            n++;
        }
    }
    if (n > 1)
        qsort(rows, n, sizeof *rows, ev_cmp);
    for (size_t i = 0; i < n && i < (size_t)rf->events_max; i++) {
        struct resource *r = res_new(provider_name(rf->p), RES_KIND_EVENT, "-", "-");
        if (rf_map_event(rows[i].entry, b->name, l->host_id, l->name, r)) {
            r->updated_at = rt_now_ms() / 1000;
            r->raw = json_dumps(rows[i].entry, JSON_COMPACT);
            res_list_push(out, r);
        } else {
            res_free(r);
        }
    }
    free(rows);
    hmap_free(seen);
    json_decref(fetched);
    for (size_t i = 0; i <= l->npages; i++)
        json_decref(docs[i]);
    free(docs);
}

static int list_events(struct rf *rf, struct res_list *out, struct rt_error *err)
{
    size_t failed = 0;

    if (rf->last_inventory == 0) {
        refresh(rf, NULL, CRAWL_INVENTORY);
        rf->last_inventory = rt_mono_ms();
    }
    refresh(rf, NULL, CRAWL_EVENTS);
    for (size_t i = 0; i < rf->nbmcs; i++) {
        struct rf_bmc *b = &rf->bmcs[i];
        if (b->err[0] != '\0')
            failed++;
        prune_logs(b);
        for (size_t j = 0; j < b->nlogs; j++)
            map_log(rf, b, b->logs[j], out);
    }
    if (failed > 0 && failed == rf->nbmcs && rf->nbmcs > 0)
        return rt_err_set(err, RT_ERR_TRANSPORT, 0, "%s", rf->bmcs[0].err);
    return 0;
}

/* What a system's rows of one refresh are mapped from: its documents, the BMC's error and
 * reachability, its naming.  (The maintenance and provisioning blobs are not in it: a change
 * of those waits for the SYNC.)  Never 0. */
static uint64_t sys_docs_hash(const struct rf_bmc *b, const struct rf_sys *s)
{
    uint64_t h = RT_FNV_INIT;
    unsigned char sep = 0x1f;
    int flags[2] = {b->unreachable, b->nsys == 1};

    for (int i = 0; i < SL__COUNT; i++) {
        if (s->s[i].text != NULL)
            h = rt_fnv1a(h, s->s[i].text, strlen(s->s[i].text));
        h = rt_fnv1a(h, &sep, 1);
    }
    h = rt_fnv1a(h, b->err, strlen(b->err));
    h = rt_fnv1a(h, flags, sizeof flags);
    return h | 1;
}

/* Row `r` (NULL: none) of kind index ki (0 host, 1 instance) is what the engine gets for s. */
static void sys_sent(struct rf_bmc *b, struct rf_sys *s, int ki, const struct resource *r)
{
    s->docs_hash[ki] = sys_docs_hash(b, s);
    s->row_hash[ki] = r != NULL ? res_hash(r) | 1 : 0;
}

/*
 * Progressive delivery (provider.h, provider_post_rows): b's part of list()'s inventory
 * crawl has ended while other BMCs are still outstanding (a hung one waits for its
 * timeout).  Post its host and instance rows that changed now; list() returns them all
 * again at its end.  The last BMC posts nothing: list() returns at once.
 */
static void bmc_crawled(struct rf *rf, struct rf_bmc *b)
{
    struct res_list hosts, insts;

    if (rf->crawling > 0)
        rf->crawling--;
    if (rf->crawling == 0 || b->nsys == 0 || provider_stopping(rf->p))
        return;
    bags_commit(b);
    res_list_init(&hosts);
    res_list_init(&insts);
    for (size_t j = 0; j < b->nsys; j++) {
        struct rf_sys *s = &b->sys[j];
        uint64_t dh = sys_docs_hash(b, s), before;
        struct resource *r;
        if (dh == s->docs_hash[0] && dh == s->docs_hash[1])
            continue;
        r = make_host(rf, b, s, 0);
        before = s->row_hash[0];
        sys_sent(b, s, 0, r);
        if (s->row_hash[0] != before)
            res_list_push(&hosts, r);
        else
            res_free(r);
        r = make_instance(rf, b, s);
        before = s->row_hash[1];
        sys_sent(b, s, 1, r);
        if (r != NULL && s->row_hash[1] != before)
            res_list_push(&insts, r);
        else
            res_free(r);
        if (r == NULL && before != 0)
            provider_post_delete(rf->p, RES_KIND_INSTANCE, s->host_id);
    }
    provider_post_rows(rf->p, RES_KIND_HOST, &hosts);
    provider_post_rows(rf->p, RES_KIND_INSTANCE, &insts);
    res_list_done(&hosts);
    res_list_done(&insts);
}

static int rf_list(struct provider *p, enum res_kind k, struct res_list *out, struct rt_error *err)
{
    struct rf *rf = provider_priv(p);
    size_t failed = 0;

    if (k == RES_KIND_EVENT)
        return list_events(rf, out, err);
    if (k != RES_KIND_HOST && k != RES_KIND_INSTANCE)
        return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "provider '%s' has no %s",
                          provider_name(p), res_kind_plural(k));
    if (rf->last_inventory == 0 || rt_mono_ms() - rf->last_inventory > 2000) {
        rf->progressive = 1;
        refresh(rf, NULL, CRAWL_INVENTORY);
        rf->progressive = 0;
        rf->last_inventory = rt_mono_ms();
        docs_keep(rf);
    }
    for (size_t i = 0; i < rf->nbmcs; i++) {
        struct rf_bmc *b = &rf->bmcs[i];
        if (b->err[0] != '\0')
            failed++;
        if (b->nsys == 0) {
            if (k == RES_KIND_HOST)
                res_list_push(out, placeholder(rf, b));
            continue;
        }
        for (size_t j = 0; j < b->nsys; j++) {
            struct resource *r = k == RES_KIND_HOST ? make_host(rf, b, &b->sys[j], 1)
                                                    : make_instance(rf, b, &b->sys[j]);
            sys_sent(b, &b->sys[j], k == RES_KIND_HOST ? 0 : 1, r);
            if (r != NULL)
                res_list_push(out, r);
        }
    }
    if (failed > 0 && failed == rf->nbmcs && rf->nbmcs > 0)
        return rt_err_set(err, RT_ERR_TRANSPORT, 0, "%s", rf->bmcs[0].err);
    return 0;
}

static int rf_get(struct provider *p, enum res_kind k, const char *id, struct resource **out,
                  struct rt_error *err)
{
    struct rf *rf = provider_priv(p);
    struct rf_bmc *b;
    struct rf_sys *s;

    if (k == RES_KIND_EVENT) {
        struct res_list all;
        int rc;
        res_list_init(&all);
        rc = list_events(rf, &all, err);
        *out = NULL;
        for (size_t i = 0; rc == 0 && i < all.len && *out == NULL; i++) {
            if (strcmp(all.items[i]->id, id) == 0) {
                *out = all.items[i];
                all.items[i] = res_new(provider_name(p), RES_KIND_EVENT, "-", "-");
            }
        }
        res_list_done(&all);
        if (rc == 0 && *out == NULL)
            rc = rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no event '%s' in provider '%s'", id,
                            provider_name(p));
        return rc;
    }
    if (k != RES_KIND_HOST && k != RES_KIND_INSTANCE)
        return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "provider '%s' has no %s",
                          provider_name(p), res_kind_plural(k));
    if (host_lookup(rf, id, &b, &s) < 0)
        return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no host '%s' in provider '%s'", id,
                          provider_name(p));
    refresh(rf, b, CRAWL_INVENTORY);
    if (host_lookup(rf, id, &b, &s) < 0 || s == NULL) {
        if (b->err[0] != '\0')
            return rt_err_set(err, RT_ERR_TRANSPORT, 0, "%s", b->err);
        return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no host '%s' in provider '%s'", id,
                          provider_name(p));
    }
    *out = k == RES_KIND_HOST ? make_host(rf, b, s, 1) : make_instance(rf, b, s);
    if (*out == NULL)
        return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "'%s' is not running an installed system",
                          id);
    return 0;
}

static int rf_metrics(struct provider *p, int64_t since, struct metric_list *out,
                      struct rt_error *err)
{
    struct rf *rf = provider_priv(p);
    int64_t now = rt_now_ms() / 1000;

    (void)since;
    (void)err;
    refresh(rf, NULL, CRAWL_SENSORS);
    for (size_t i = 0; i < rf->nbmcs; i++) {
        struct rf_bmc *b = &rf->bmcs[i];
        for (size_t j = 0; j < b->nsys; j++) {
            /* Only the sensor documents: a sweep of 1 000 BMCs parses nothing else. */
            static const enum slot_id used[] = {SL_THERMAL, SL_POWER, SL_ENV, SL_TSUB, SL_PSUB};
            json_t *pd[sizeof used / sizeof used[0]];
            struct rf_docs d = {0};
            double v;
            for (size_t u = 0; u < sizeof used / sizeof used[0]; u++)
                pd[u] = parse(b->sys[j].s[used[u]].text);
            d.thermal = pd[0];
            d.power = pd[1];
            d.env = pd[2];
            d.thermal_sub = pd[3];
            d.power_sub = pd[4];
            if (rf_map_temp(&d, &v) == 0)
                metric_list_push(out, b->sys[j].host_id, "temp_c", now, v);
            if (rf_map_power(&d, &v) == 0)
                metric_list_push(out, b->sys[j].host_id, "power_w", now, v);
            for (size_t u = 0; u < sizeof used / sizeof used[0]; u++)
                json_decref(pd[u]);
        }
    }
    return 0;
}

/* ---- synchronous calls for actions --------------------------------------------------- */

struct sync_result {
    int done;
    long status;
    json_t *doc;
    char *etag;
    char msg[256];
};

static void on_sync(struct rf *rf, struct rf_bmc *b, void *arg, json_t *doc,
                    const struct http_response *resp)
{
    struct sync_result *r = arg;

    (void)rf;
    (void)b;
    r->done = 1;
    r->status = resp->status;
    r->doc = json_incref(doc);
    r->etag = xstrdup(resp->etag);
    if (resp->status == 0)
        snprintf(r->msg, sizeof r->msg, "%s", resp->err_msg);
    else if (resp->status >= 300)
        rf_error_message(resp->body, r->msg, sizeof r->msg);
}

/* One request, waited for. Returns 0 on 2xx (r->doc may be set), -1 with err otherwise. */
static int call_sync(struct rf *rf, struct rf_bmc *b, const char *method, const char *url,
                     json_t *body, const char *if_match, struct sync_result *r,
                     struct rt_error *err)
{
    struct call *c = call_new(rf, b, method, url, on_sync, r);

    memset(r, 0, sizeof *r);
    if (body != NULL)
        c->body = json_dumps(body, JSON_COMPACT);
    c->if_match = xstrdup(if_match);
    if (b->token == NULL && !b->basic && b->user != NULL)
        login(rf, b, c);
    else
        send_call(c);
    http_run(rf->http, rt_mono_ms() + rf->list_timeout_ms);
    if (r->done && r->status >= 200 && r->status < 300)
        return 0;
    if (!r->done || r->status == 0)
        return rt_err_set(err, RT_ERR_TRANSPORT, 0, "BMC '%s': %s %s: %s", b->name, method, url,
                          r->msg[0] ? r->msg : b->err[0] ? b->err : "no reply");
    return rt_err_set(err, r->status == 412 || r->status == 409 ? RT_ERR_CONFLICT : RT_ERR_HTTP,
                      r->status, "BMC '%s': %s %s: HTTP %ld%s%s", b->name, method, url, r->status,
                      r->msg[0] ? ": " : "", r->msg);
}

static void sync_done(struct sync_result *r)
{
    json_decref(r->doc);
    free(r->etag);
    r->doc = NULL;
    r->etag = NULL;
}

/* Make sure the BMC's inventory is loaded and find the host. */
static int target(struct rf *rf, const char *id, struct rf_bmc **bo, struct rf_sys **so,
                  struct rt_error *err)
{
    if (host_lookup(rf, id, bo, so) < 0)
        return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no host '%s' in provider '%s'", id,
                          provider_name(rf->p));
    if (*so == NULL || (*so)->s[SL_SYS].text == NULL) {
        refresh(rf, *bo, CRAWL_INVENTORY);
        host_lookup(rf, id, bo, so);
    }
    if (*so == NULL || (*so)->s[SL_SYS].url == NULL) {
        if ((*bo)->err[0] != '\0')
            return rt_err_set(err, RT_ERR_TRANSPORT, 0, "%s", (*bo)->err);
        return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no host '%s' in provider '%s'", id,
                          provider_name(rf->p));
    }
    return 0;
}

/* Fresh copy of the system document (and its ETag). */
static json_t *fetch_system(struct rf *rf, struct rf_bmc *b, struct rf_sys *s, char **etag,
                            struct rt_error *err)
{
    struct sync_result r;
    json_t *doc;

    if (call_sync(rf, b, "GET", s->s[SL_SYS].url, NULL, NULL, &r, err) < 0) {
        sync_done(&r);
        return NULL;
    }
    if (!json_is_object(r.doc)) {
        sync_done(&r);
        rt_err_set(err, RT_ERR_PARSE, 0, "BMC '%s': malformed system document", b->name);
        return NULL;
    }
    doc = json_incref(r.doc);
    if (etag != NULL) {
        const char *oe = rf_str(doc, "@odata.etag");
        *etag = r.etag != NULL ? xstrdup(r.etag) : xstrdup(oe);
    }
    free(s->s[SL_SYS].text);
    s->s[SL_SYS].text = json_dumps(doc, JSON_COMPACT);
    sync_done(&r);
    return doc;
}

/* Reset types the service advertises (AllowableValues, else ActionInfo); NULL = unknown. */
static json_t *reset_types(struct rf *rf, struct rf_bmc *b, json_t *sys)
{
    json_t *act = rf_path(sys, "Actions");
    json_t *reset = json_is_object(act) ? json_object_get(act, "#ComputerSystem.Reset") : NULL;
    json_t *vals = json_is_object(reset) ? json_object_get(reset, "ResetType@Redfish.AllowableValues")
                                         : NULL;
    const char *info = rf_str(reset, "@Redfish.ActionInfo");
    struct sync_result r;
    json_t *params, *p;
    size_t i;

    if (json_is_array(vals))
        return json_incref(vals);
    if (info == NULL || call_sync(rf, b, "GET", info, NULL, NULL, &r, NULL) < 0)
        return NULL;
    params = json_is_object(r.doc) ? json_object_get(r.doc, "Parameters") : NULL;
    json_array_foreach(params, i, p) {
        const char *n = rf_str(p, "Name");
        if (n != NULL && strcmp(n, "ResetType") == 0 &&
            json_is_array(json_object_get(p, "AllowableValues"))) {
            vals = json_incref(json_object_get(p, "AllowableValues"));
            break;
        }
    }
    sync_done(&r);
    return json_is_array(vals) ? vals : NULL;
}

static int has_value(json_t *arr, const char *v)
{
    size_t i;
    json_t *it;

    json_array_foreach(arr, i, it) {
        if (json_is_string(it) && strcmp(json_string_value(it), v) == 0)
            return 1;
    }
    return 0;
}

static int do_reset(struct rf *rf, struct rf_bmc *b, json_t *sys, const char *type,
                    struct rt_error *err)
{
    json_t *act = rf_path(sys, "Actions");
    const char *tgt = rf_str(json_is_object(act) ? json_object_get(act, "#ComputerSystem.Reset")
                                                 : NULL, "target");
    json_t *types, *body;
    struct sync_result r;
    int rc;

    if (tgt == NULL)
        return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "BMC '%s' offers no ComputerSystem.Reset",
                          b->name);
    types = reset_types(rf, b, sys);
    if (types != NULL && !has_value(types, type)) {
        char *list = json_dumps(types, JSON_COMPACT);
        rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "BMC '%s' does not offer reset type '%s' (it offers %s)",
                   b->name, type, list != NULL ? list : "?");
        free(list);
        json_decref(types);
        return -1;
    }
    json_decref(types);
    body = json_pack("{s:s}", "ResetType", type);
    rc = call_sync(rf, b, "POST", tgt, body, NULL, &r, err);
    json_decref(body);
    sync_done(&r);
    return rc;
}

static const char *reset_target(json_t *sys, json_t *types, const char *want)
{
    (void)sys;
    if (types == NULL || has_value(types, want))
        return want;
    return NULL;
}

static char *power_ref(const char *expect, int64_t timeout_s, const char *host)
{
    return xasprintf("power:%s:%lld:%s", expect, (long long)(rt_now_ms() / 1000 + timeout_s), host);
}

static int patch_system(struct rf *rf, struct rf_bmc *b, struct rf_sys *s, json_t *patch,
                        struct rt_error *err)
{
    struct sync_result r;
    char *etag = NULL;
    json_t *sys;
    int rc = -1;

    for (int attempt = 0; attempt < 2; attempt++) {
        sys = fetch_system(rf, b, s, &etag, err);
        if (sys == NULL)
            break;
        json_decref(sys);
        rc = call_sync(rf, b, "PATCH", s->s[SL_SYS].url, patch, etag, &r, err);
        sync_done(&r);
        free(etag);
        etag = NULL;
        if (rc == 0 || r.status != 412)
            break; /* 412: changed under us; read the new ETag and try once more */
    }
    free(etag);
    return rc;
}

/* Clear every log service of the system and its manager that offers ClearLog. */
static int clear_logs(struct rf *rf, struct rf_bmc *b, struct rf_sys *s, json_t *sys,
                      struct rt_error *err)
{
    const char *colls[2];
    int cleared = 0;
    json_t *mgr = parse(s->s[SL_MANAGER].text);

    colls[0] = rf_link(sys, "LogServices");
    colls[1] = rf_link(mgr, "LogServices");
    for (int i = 0; i < 2; i++) {
        struct sync_result r;
        json_t *members, *m;
        size_t j;
        if (colls[i] == NULL || call_sync(rf, b, "GET", colls[i], NULL, NULL, &r, NULL) < 0) {
            if (colls[i] != NULL)
                sync_done(&r);
            continue;
        }
        members = json_is_object(r.doc) ? json_object_get(r.doc, "Members") : NULL;
        json_array_foreach(members, j, m) {
            struct sync_result ls, cr;
            const char *url = rf_str(m, "@odata.id");
            const char *tgt;
            json_t *empty;
            if (url == NULL || call_sync(rf, b, "GET", url, NULL, NULL, &ls, NULL) < 0) {
                if (url != NULL)
                    sync_done(&ls);
                continue;
            }
            tgt = rf_str(json_object_get(rf_path(ls.doc, "Actions"), "#LogService.ClearLog"),
                         "target");
            if (tgt != NULL) {
                empty = json_object();
                if (call_sync(rf, b, "POST", tgt, empty, NULL, &cr, err) == 0)
                    cleared++;
                sync_done(&cr);
                json_decref(empty);
            }
            sync_done(&ls);
        }
        sync_done(&r);
    }
    json_decref(mgr);
    if (cleared == 0)
        return err != NULL && err->code != RT_OK
                   ? -1
                   : rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "BMC '%s' offers no log to clear",
                                b->name);
    return 0;
}

/* ---- provisioning -------------------------------------------------------------------- */

/* Find a CD/DVD virtual media device: under the System or under its Manager. */
static json_t *find_vmedia(struct rf *rf, struct rf_bmc *b, struct rf_sys *s, json_t *sys,
                           struct rt_error *err)
{
    json_t *mgr = parse(s->s[SL_MANAGER].text);
    const char *colls[2] = {rf_link(sys, "VirtualMedia"), rf_link(mgr, "VirtualMedia")};
    json_t *found = NULL;

    for (int i = 0; i < 2 && found == NULL; i++) {
        struct sync_result r;
        json_t *members, *m;
        size_t j;
        if (colls[i] == NULL)
            continue;
        if (call_sync(rf, b, "GET", colls[i], NULL, NULL, &r, NULL) < 0) {
            sync_done(&r);
            continue;
        }
        members = json_is_object(r.doc) ? json_object_get(r.doc, "Members") : NULL;
        json_array_foreach(members, j, m) {
            struct sync_result vm;
            const char *url = rf_str(m, "@odata.id");
            json_t *types;
            if (url == NULL)
                continue;
            if (call_sync(rf, b, "GET", url, NULL, NULL, &vm, NULL) < 0) {
                sync_done(&vm);
                continue;
            }
            types = json_is_object(vm.doc) ? json_object_get(vm.doc, "MediaTypes") : NULL;
            if (has_value(types, "CD") || has_value(types, "DVD")) {
                found = json_incref(vm.doc);
                sync_done(&vm);
                break;
            }
            sync_done(&vm);
        }
        sync_done(&r);
    }
    json_decref(mgr);
    if (found == NULL)
        rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "BMC '%s' has no CD/DVD virtual media", b->name);
    return found;
}

static const char *vm_action(json_t *vm, const char *name)
{
    json_t *act = json_is_object(vm) ? json_object_get(vm, "Actions") : NULL;

    return rf_str(json_is_object(act) ? json_object_get(act, name) : NULL, "target");
}

static int provision_start(struct rf *rf, struct rf_bmc *b, struct rf_sys *s, const char *image,
                           const char *name, char **ref, struct rt_error *err)
{
    json_t *sys = NULL, *vm = NULL, *body = NULL, *types = NULL, *state = NULL;
    struct sync_result r;
    const char *insert, *eject, *reset_type;
    char key[300], *text = NULL;
    int rc = -1, inserted = 0, boot_set = 0;
    struct strbuf left = STRBUF_INIT;

    memset(&r, 0, sizeof r);
    sys = fetch_system(rf, b, s, NULL, err);
    if (sys == NULL)
        goto out;
    vm = find_vmedia(rf, b, s, sys, err);
    if (vm == NULL)
        goto out;
    insert = vm_action(vm, "#VirtualMedia.InsertMedia");
    eject = vm_action(vm, "#VirtualMedia.EjectMedia");
    if (insert == NULL) {
        rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "BMC '%s': virtual media '%s' has no InsertMedia",
                   b->name, rf_str(vm, "Id") ? rf_str(vm, "Id") : "?");
        goto out;
    }
    if (json_is_true(json_object_get(vm, "Inserted")) && eject != NULL) {
        body = json_object();
        rc = call_sync(rf, b, "POST", eject, body, NULL, &r, err);
        json_decref(body);
        body = NULL;
        sync_done(&r);
        if (rc < 0)
            goto out;
    }
    body = json_pack("{s:s, s:b, s:b}", "Image", image, "Inserted", 1, "WriteProtected", 1);
    rc = call_sync(rf, b, "POST", insert, body, NULL, &r, err);
    json_decref(body);
    body = NULL;
    sync_done(&r);
    if (rc < 0)
        goto out;
    inserted = 1;
    body = json_pack("{s:{s:s, s:s}}", "Boot", "BootSourceOverrideTarget", "Cd",
                     "BootSourceOverrideEnabled", "Once");
    rc = patch_system(rf, b, s, body, err);
    json_decref(body);
    body = NULL;
    if (rc < 0)
        goto out;
    boot_set = 1;
    types = reset_types(rf, b, sys);
    if (strcmp(rf_power_word(rf_str(sys, "PowerState")), "on") == 0)
        reset_type = reset_target(sys, types, "PowerCycle") != NULL ? "PowerCycle" : "ForceRestart";
    else
        reset_type = "On";
    rc = do_reset(rf, b, sys, reset_type, err);
    if (rc < 0)
        goto out;
    state = json_pack("{s:s, s:s?, s:s, s:s?, s:I, s:s}", "image", image, "name", name, "eject",
                      eject != NULL ? eject : "", "media", rf_str(vm, "@odata.id"), "started",
                      (json_int_t)(rt_now_ms() / 1000), "step", "booting");
    text = json_dumps(state, JSON_COMPACT);
    snprintf(key, sizeof key, "prov:%s", s->host_id);
    if (store_blob_put(provider_env(rf->p)->store, rf->ns, key, text, err) < 0) {
        rc = -1;
        goto out;
    }
    *ref = xasprintf("prov:%s", s->host_id);
    rc = 0;
out:
    if (rc < 0 && (inserted || boot_set) && err != NULL) {
        char msg[sizeof err->msg + 128];
        strbuf_addf(&left, "%s%s", inserted ? "the image is still inserted in virtual media" : "",
                    boot_set ? (inserted ? " and a one-time boot from Cd is set" :
                                           "a one-time boot from Cd is set") : "");
        snprintf(msg, sizeof msg, "%s; left behind: %s", err->msg, left.buf);
        snprintf(err->msg, sizeof err->msg, "%.255s", msg);
    }
    strbuf_done(&left);
    free(text);
    json_decref(state);
    json_decref(types);
    json_decref(vm);
    json_decref(sys);
    return rc;
}

/* TCP connect to host:22 (or host:port) within ms; 1 when it answers. */
static int ssh_answers(const char *addr, int ms)
{
    char host[256], *colon;
    const char *port = "22";
    struct addrinfo hints = {0}, *res = NULL;
    int fd = -1, ok = 0;

    snprintf(host, sizeof host, "%s", addr);
    colon = strrchr(host, ':');
    if (colon != NULL && strchr(host, ':') == colon) {
        *colon = '\0';
        port = colon + 1;
    }
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0 || res == NULL)
        return 0;
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        if (connect(fd, res->ai_addr, res->ai_addrlen) == 0) {
            ok = 1;
        } else if (errno == EINPROGRESS) {
            struct pollfd pfd = {fd, POLLOUT, 0};
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            if (poll(&pfd, 1, ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
                soerr == 0)
                ok = 1;
        }
        close(fd);
    }
    freeaddrinfo(res);
    return ok;
}

static int provision_poll(struct rf *rf, const char *host, struct task_progress *out,
                          struct rt_error *err)
{
    struct store *st = provider_env(rf->p)->store;
    char key[300], *text;
    json_t *state = NULL, *sys = NULL;
    struct rf_bmc *b;
    struct rf_sys *s;
    int64_t started, elapsed;
    const char *image, *eject, *ps, *boot;
    int rc = 0;

    snprintf(key, sizeof key, "prov:%s", host);
    text = store_blob_get(st, rf->ns, key);
    state = parse(text);
    free(text);
    if (!json_is_object(state)) {
        json_decref(state);
        return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no provisioning of '%s' in progress", host);
    }
    if (target(rf, host, &b, &s, err) < 0) {
        json_decref(state);
        return -1;
    }
    image = rf_str(state, "image");
    eject = rf_str(state, "eject");
    started = json_integer_value(json_object_get(state, "started"));
    elapsed = rt_now_ms() / 1000 - started;
    sys = fetch_system(rf, b, s, NULL, err);
    if (sys == NULL) {
        json_decref(state);
        return -1;
    }
    ps = rf_str(sys, "PowerState");
    boot = rf_str(rf_path(sys, "BootProgress"), "LastState");
    out->state = TASK_RUNNING;
    if (elapsed > rf->provision_timeout_s) {
        out->state = TASK_FAILED;
        out->progress = -1;
        snprintf(out->message, sizeof out->message,
                 "provisioning %s timed out after %llds (power %s, boot progress %s); left "
                 "behind: the image is still inserted in virtual media, power is %s",
                 image != NULL ? image : "?", (long long)elapsed, ps ? ps : "unknown",
                 boot ? boot : "unknown", ps ? ps : "unknown");
        store_blob_delete(st, rf->ns, key, NULL);
        goto out;
    }
    if (ps == NULL || strcmp(ps, "On") != 0) {
        out->progress = 20;
        snprintf(out->message, sizeof out->message, "booting from %s: power %s",
                 image != NULL ? image : "the image", ps ? ps : "unknown");
        goto out;
    }
    if (boot != NULL && strcmp(boot, "OSRunning") != 0 && strcmp(boot, "None") != 0) {
        out->progress = 50;
        snprintf(out->message, sizeof out->message, "installing: boot progress %s", boot);
        goto out;
    }
    if (rf->provision_ssh) {
        const char *addr = b->ssh_address;
        char *addrs = NULL;
        if (addr == NULL) {
            json_t *eth = parse(s->s[SL_ETH].text);
            struct resource *tmp = res_new("x", RES_KIND_INSTANCE, "x", "x");
            struct rf_docs d = {0};
            d.system = sys;
            d.ethernet = eth;
            d.provisioned_image = image;
            if (rf_map_instance(&d, host, tmp) && res_get(tmp, "addresses") != NULL) {
                json_t *a = parse(res_get(tmp, "addresses"));
                addrs = xstrdup(json_string_value(json_array_get(a, 0)));
                json_decref(a);
            }
            res_free(tmp);
            json_decref(eth);
            addr = addrs;
        }
        if (addr == NULL || !ssh_answers(addr, 1000)) {
            out->progress = 80;
            snprintf(out->message, sizeof out->message, "waiting for SSH on %s",
                     addr != NULL ? addr : "(no address known)");
            free(addrs);
            goto out;
        }
        free(addrs);
    }
    if (eject != NULL && eject[0] != '\0') {
        struct sync_result r;
        json_t *body = json_object();
        if (call_sync(rf, b, "POST", eject, body, NULL, &r, err) < 0) {
            json_decref(body);
            sync_done(&r);
            out->state = TASK_FAILED;
            snprintf(out->message, sizeof out->message,
                     "deployed %.60s but ejecting the virtual media failed: %.100s; left "
                     "behind: the "
                     "image is still inserted", image ? image : "?",
                     err != NULL ? err->msg : "");
            store_blob_delete(st, rf->ns, key, NULL);
            goto out;
        }
        json_decref(body);
        sync_done(&r);
    }
    snprintf(key, sizeof key, "inst:%s", host);
    store_blob_put(st, rf->ns, key, image != NULL ? image : "", NULL);
    snprintf(key, sizeof key, "prov:%s", host);
    store_blob_delete(st, rf->ns, key, NULL);
    out->state = TASK_SUCCEEDED;
    out->progress = 100;
    snprintf(out->message, sizeof out->message, "deployed %s; virtual media ejected",
             image != NULL ? image : "the image");
out:
    json_decref(sys);
    json_decref(state);
    return rc;
}

/* Undeploy: eject the virtual media, forget the deployment (and a provisioning in
 * progress), power off.  *ref follows the power-off; NULL when the host was already off. */
static int undeploy(struct rf *rf, struct rf_bmc *b, struct rf_sys *s, json_t *sys, char **ref,
                    struct rt_error *err)
{
    struct store *st = provider_env(rf->p)->store;
    struct rt_error verr = {0};
    json_t *vm = find_vmedia(rf, b, s, sys, &verr); /* none: nothing to eject */
    char key[300];

    if (vm != NULL && json_is_true(json_object_get(vm, "Inserted"))) {
        const char *eject = vm_action(vm, "#VirtualMedia.EjectMedia");
        struct sync_result r;
        json_t *body;
        int rc;
        if (eject == NULL) {
            rt_err_set(err, RT_ERR_UNSUPPORTED, 0,
                       "BMC '%s': virtual media '%s' holds an image and offers no EjectMedia",
                       b->name, rf_str(vm, "Id") != NULL ? rf_str(vm, "Id") : "?");
            json_decref(vm);
            return -1;
        }
        body = json_object();
        rc = call_sync(rf, b, "POST", eject, body, NULL, &r, err);
        json_decref(body);
        sync_done(&r);
        if (rc < 0) {
            json_decref(vm);
            return -1;
        }
    }
    json_decref(vm);
    snprintf(key, sizeof key, "prov:%s", s->host_id);
    if (store_blob_delete(st, rf->ns, key, err) < 0)
        return -1;
    snprintf(key, sizeof key, "inst:%s", s->host_id);
    if (store_blob_delete(st, rf->ns, key, err) < 0)
        return -1;
    if (strcmp(rf_power_word(rf_str(sys, "PowerState")), "off") == 0)
        return 0;
    if (do_reset(rf, b, sys, "ForceOff", err) < 0)
        return -1;
    *ref = power_ref("Off", 600, s->host_id);
    return 0;
}

/* ---- actions ------------------------------------------------------------------------- */


/* Host power verbs -> ComputerSystem.Reset type and the PowerState to wait for (NULL: none). */
static const struct {
    const char *verb, *reset_type, *expect;
} power_verbs[] = {
    {"power-on", "On", "On"},
    {"power-off", "ForceOff", "Off"},
    {"shutdown", "GracefulShutdown", "Off"},
    {"restart", "GracefulRestart", "On"},
    {"nmi", "Nmi", NULL},
};

static int rf_act(struct provider *p, const struct act_request *req, char **task_ref,
                  struct rt_error *err)
{
    struct rf *rf = provider_priv(p);
    const char *verb = req->action->verb;
    struct store *st = provider_env(p)->store;
    struct rf_bmc *b;
    struct rf_sys *s;
    json_t *sys = NULL, *types = NULL, *body = NULL;
    const char *rt = NULL, *expect = NULL;
    char key[300];
    int rc = -1;

    *task_ref = NULL;
    rf->last_inventory = 0; /* the next list sees the action's effect */
    if (req->action->kind != RES_KIND_HOST)
        return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "provider '%s' cannot '%s' %s",
                          provider_name(p), verb, res_kind_plural(req->action->kind));
    if (target(rf, req->target_id, &b, &s, err) < 0)
        return -1;
    if (strcmp(verb, "maintenance-on") == 0) {
        const char *reason = params_get(req->params, "reason");
        snprintf(key, sizeof key, "maint:%s", s->host_id);
        return store_blob_put(st, rf->ns, key, reason != NULL ? reason : "", err);
    }
    if (strcmp(verb, "maintenance-off") == 0) {
        snprintf(key, sizeof key, "maint:%s", s->host_id);
        return store_blob_delete(st, rf->ns, key, err);
    }
    sys = fetch_system(rf, b, s, NULL, err);
    if (sys == NULL)
        return -1;
    if (strcmp(verb, "provision") == 0) {
        rc = provision_start(rf, b, s, params_get(req->params, "image"),
                             params_get(req->params, "name"), task_ref, err);
        goto out;
    }
    if (strcmp(verb, "undeploy") == 0) {
        rc = undeploy(rf, b, s, sys, task_ref, err);
        goto out;
    }
    if (strcmp(verb, "boot") == 0) {
        const char *tgt = params_get(req->params, "target");
        const char *mode = params_get(req->params, "mode");
        int uefi = params_get_bool(req->params, "uefi", -1);
        json_t *boot = json_object();
        json_object_set_new(boot, "BootSourceOverrideTarget", json_string(tgt));
        json_object_set_new(boot, "BootSourceOverrideEnabled",
                            json_string(strcmp(tgt, "None") == 0 ? "Disabled"
                                        : mode != NULL && strcmp(mode, "continuous") == 0
                                            ? "Continuous" : "Once"));
        if (uefi >= 0)
            json_object_set_new(boot, "BootSourceOverrideMode",
                                json_string(uefi ? "UEFI" : "Legacy"));
        if (rf_allowed(rf_path(sys, "Boot"), "BootSourceOverrideTarget", tgt) == 0) {
            json_decref(boot);
            rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "BMC '%s' does not offer boot target '%s'",
                       b->name, tgt);
            goto out;
        }
        body = json_pack("{s:o}", "Boot", boot);
        rc = patch_system(rf, b, s, body, err);
        goto out;
    }
    if (strcmp(verb, "locate") == 0) {
        const char *state = params_get(req->params, "state");
        if (rf_str(sys, "IndicatorLED") != NULL || json_object_get(sys, "LocationIndicatorActive") == NULL)
            body = json_pack("{s:s}", "IndicatorLED",
                             strcmp(state, "on") == 0 ? "Lit"
                             : strcmp(state, "blink") == 0 ? "Blinking" : "Off");
        else
            body = json_pack("{s:b}", "LocationIndicatorActive", strcmp(state, "off") != 0);
        rc = patch_system(rf, b, s, body, err);
        goto out;
    }
    if (strcmp(verb, "clear-sel") == 0) {
        rc = clear_logs(rf, b, s, sys, err);
        goto out;
    }
    types = reset_types(rf, b, sys);
    for (size_t i = 0; i < sizeof power_verbs / sizeof power_verbs[0]; i++) {
        if (strcmp(verb, power_verbs[i].verb) == 0) {
            rt = power_verbs[i].reset_type;
            expect = power_verbs[i].expect;
        }
    }
    if (strcmp(verb, "power-cycle") == 0) {
        /* An off host is simply powered on; else PowerCycle where advertised. */
        expect = "On";
        if (strcmp(rf_power_word(rf_str(sys, "PowerState")), "off") == 0)
            rt = "On";
        else
            rt = reset_target(sys, types, "PowerCycle") != NULL ? "PowerCycle" : "ForceRestart";
    }
    if (rt == NULL) {
        rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "provider '%s' cannot '%s' hosts",
                   provider_name(p), verb);
        goto out;
    }
    rc = do_reset(rf, b, sys, rt, err);
    if (rc == 0 && expect != NULL)
        *task_ref = power_ref(expect, 600, s->host_id);
out:
    json_decref(body);
    json_decref(types);
    json_decref(sys);
    return rc;
}

static int rf_task_poll(struct provider *p, const char *ref, struct task_progress *out,
                        struct rt_error *err)
{
    struct rf *rf = provider_priv(p);

    memset(out, 0, sizeof *out);
    out->progress = -1;
    if (strncmp(ref, "prov:", 5) == 0)
        return provision_poll(rf, ref + 5, out, err);
    if (strncmp(ref, "power:", 6) == 0) {
        char expect[32];
        long long deadline;
        int n = 0;
        struct rf_bmc *b;
        struct rf_sys *s;
        json_t *sys;
        const char *ps;
        if (sscanf(ref + 6, "%31[^:]:%lld:%n", expect, &deadline, &n) < 2 || n == 0)
            return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "bad task reference '%s'", ref);
        if (target(rf, ref + 6 + n, &b, &s, err) < 0)
            return -1;
        sys = fetch_system(rf, b, s, NULL, err);
        if (sys == NULL)
            return -1;
        ps = rf_str(sys, "PowerState");
        if (ps != NULL && strcmp(ps, expect) == 0) {
            out->state = TASK_SUCCEEDED;
            out->progress = 100;
            snprintf(out->message, sizeof out->message, "power is %s", ps);
        } else if (rt_now_ms() / 1000 > deadline) {
            out->state = TASK_FAILED;
            snprintf(out->message, sizeof out->message, "power is still %s, expected %s",
                     ps ? ps : "unknown", expect);
        } else {
            out->state = TASK_RUNNING;
            out->progress = 50;
            snprintf(out->message, sizeof out->message, "power is %s, waiting for %s",
                     ps ? ps : "unknown", expect);
        }
        json_decref(sys);
        return 0;
    }
    return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "unknown task reference '%s'", ref);
}

/* ---- configuration ------------------------------------------------------------------- */

static const char *const provider_keys[] = {
    "bmcs", "bmc_file", "username", "password_file", "password_env", "insecure",
    "request_timeout", "concurrency", "per_bmc", "cacert", "provision_timeout",
    "provision_ssh", "details", "events_per_log", NULL};
static const char *const bmc_keys[] = {
    "name", "address", "username", "password_file", "password_env", "insecure", "rack", "zone",
    "tls_fingerprint", "ssh_address", NULL};

struct secret_cache {
    struct hmap *files; /* path -> password */
};

static void wipe(char *s)
{
    if (s != NULL) {
        memset(s, 0, strlen(s));
        free(s);
    }
}

static int valid_name(const char *s)
{
    if (s == NULL || *s == '\0' || strlen(s) > 63)
        return 0;
    for (; *s != '\0'; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return 0;
    }
    return 1;
}

static int parse_bmc(struct rf *rf, const struct ynode *n, const struct ynode *defaults,
                     struct secret_cache *sc, struct rf_bmc *b, struct rt_error *err)
{
    const char *name = ynode_map_get_scalar(n, "name");
    const char *addr = ynode_map_get_scalar(n, "address");
    const char *user = ynode_map_get_scalar(n, "username");
    const char *pfile = ynode_map_get_scalar(n, "password_file");
    const char *penv = ynode_map_get_scalar(n, "password_env");
    const struct ynode *ins = ynode_map_get(n, "insecure");
    char ctx[96];

    if (n == NULL || n->type != YNODE_MAP)
        return ynode_err(err, n, "a BMC entry must be a map with 'address' (got %s)",
                         ynode_describe(n));
    snprintf(ctx, sizeof ctx, "BMC '%s': ", name != NULL ? name : "?");
    if (ynode_check_keys(n, bmc_keys, ctx, err) < 0)
        return -1;
    if (addr == NULL || addr[0] == '\0')
        return ynode_err(err, n, "%s'address' is required (https://host[:port])", ctx);
    if (strncmp(addr, "https://", 8) != 0 && strncmp(addr, "http://", 7) != 0) {
        char *a = xasprintf("https://%s", addr);
        b->address = a;
    } else {
        b->address = xstrdup(addr);
    }
    while (b->address[strlen(b->address) - 1] == '/')
        b->address[strlen(b->address) - 1] = '\0';
    if (name == NULL) {
        /* default: the host part of the address */
        const char *h = strstr(b->address, "://") + 3;
        size_t len = strcspn(h, ":/");
        b->name = xstrndup(h, len);
    } else {
        b->name = xstrdup(name);
    }
    if (!valid_name(b->name))
        return ynode_err(err, n, "BMC name '%s' may only use letters, digits, '-', '_' and '.'",
                         b->name);
    if (hmap_get(rf->by_name, b->name) != NULL)
        return ynode_err(err, n, "BMC name '%s' is used twice", b->name);
    if (user == NULL)
        user = ynode_map_get_scalar(defaults, "username");
    if (pfile == NULL && penv == NULL) {
        pfile = ynode_map_get_scalar(defaults, "password_file");
        penv = ynode_map_get_scalar(defaults, "password_env");
    }
    b->user = xstrdup(user);
    if (pfile != NULL) {
        char *pw = hmap_get(sc->files, pfile);
        if (pw == NULL) {
            struct rt_error e2 = {0};
            pw = config_read_secret_file(pfile, &e2);
            if (pw == NULL)
                return ynode_err(err, n, "%s%s", ctx, e2.msg);
            hmap_put(sc->files, pfile, pw);
        }
        b->password = xstrdup(pw);
    } else if (penv != NULL) {
        const char *v = getenv(penv);
        if (v == NULL)
            return ynode_err(err, n, "%spassword_env names '%s', which is not set", ctx, penv);
        b->password = xstrdup(v);
    } else if (b->user != NULL && provider_env(rf->p)->secret != NULL &&
               provider_env(rf->p)->secret[0] != '\0') {
        b->password = xstrdup(provider_env(rf->p)->secret); /* typed at the prompt */
    }
    if (b->user != NULL && b->password == NULL)
        return ynode_err(err, n, "%sno password: set password_file or password_env, or run "
                                 "racktop on a terminal to be asked for it", ctx);
    if (ins == NULL)
        ins = ynode_map_get(defaults, "insecure");
    if (ins != NULL && ynode_bool(ins, &b->insecure) < 0)
        return ynode_err(err, ins, "%s'insecure' must be true or false", ctx);
    b->rack = xstrdup(ynode_map_get_scalar(n, "rack"));
    b->zone = xstrdup(ynode_map_get_scalar(n, "zone"));
    b->ssh_address = xstrdup(ynode_map_get_scalar(n, "ssh_address"));
    if (ynode_map_get_scalar(n, "tls_fingerprint") != NULL) {
        const char *fp = ynode_map_get_scalar(n, "tls_fingerprint");
        size_t hex = 0;
        for (const char *c = strncasecmp(fp, "SHA256:", 7) == 0 ? fp + 7 : fp; *c; c++)
            hex += *c != ':';
        if (hex != 64)
            return ynode_err(err, ynode_map_get(n, "tls_fingerprint"),
                             "%stls_fingerprint must be SHA256:<64 hex digits>", ctx);
        b->tls_fp = xstrdup(fp);
    }
    b->https = strncmp(b->address, "https://", 8) == 0;
    b->origin = http_url_origin(b->address);
    {
        const char *h = strstr(b->origin, "://") + 3;
        b->pin_subject = strchr(h, ':') != NULL ? xstrdup(h) : xasprintf("%s:%d", h, b->https ? 443 : 80);
    }
    hmap_put(rf->by_name, b->name, b);
    return 0;
}

static int parse_list(struct rf *rf, const struct ynode *list, const struct ynode *defaults,
                      struct secret_cache *sc, struct rt_error *err)
{
    size_t n = ynode_len(list);

    if (list == NULL || list->type != YNODE_SEQ)
        return ynode_err(err, list, "'bmcs' must be a list of BMC entries (got %s)",
                         ynode_describe(list));
    rf->bmcs = xcalloc(n > 0 ? n : 1, sizeof *rf->bmcs);
    for (size_t i = 0; i < n; i++) {
        if (parse_bmc(rf, ynode_seq_item(list, i), defaults, sc, &rf->bmcs[i], err) < 0) {
            rf->nbmcs = i + 1;
            return -1;
        }
        rf->nbmcs = i + 1;
    }
    return 0;
}

static void free_secret(void *v)
{
    wipe(v);
}

static int64_t dur_key(const struct ynode *node, const char *key, int64_t dflt,
                       struct rt_error *err, int *bad)
{
    const struct ynode *v = ynode_map_get(node, key);
    int64_t d;

    if (v == NULL)
        return dflt;
    d = rt_parse_duration(ynode_scalar(v) != NULL ? ynode_scalar(v) : "");
    if (d <= 0) {
        ynode_err(err, v, "'%s' must be a duration such as 10s or 5m", key);
        *bad = 1;
    }
    return d;
}

static int int_key(const struct ynode *node, const char *key, int dflt, int min, int max,
                   struct rt_error *err, int *bad)
{
    const struct ynode *v = ynode_map_get(node, key);
    long long x;

    if (v == NULL)
        return dflt;
    if (ynode_scalar(v) == NULL || rt_parse_int(ynode_scalar(v), &x) < 0 || x < min || x > max) {
        ynode_err(err, v, "'%s' must be a whole number from %d to %d", key, min, max);
        *bad = 1;
        return dflt;
    }
    return (int)x;
}

static void bmcs_free(struct rf *rf)
{
    for (size_t i = 0; i < rf->nbmcs; i++) {
        struct rf_bmc *b = &rf->bmcs[i];
        free(b->name);
        free(b->address);
        free(b->user);
        wipe(b->password);
        free(b->rack);
        free(b->zone);
        free(b->tls_fp);
        free(b->ssh_address);
        free(b->origin);
        free(b->pin_subject);
        free(b->pin_spki);
        free(b->refused_pin);
        free(b->systems_url);
        free(b->sessions_url);
        wipe(b->token);
        free(b->session_uri);
        slot_done(&b->root);
        slot_done(&b->coll);
        for (size_t j = 0; j < b->nsys; j++) {
            for (int k = 0; k < SL__COUNT; k++)
                slot_done(&b->sys[j].s[k]);
            json_decref(b->sys[j].bag);
            free(b->sys[j].sid);
            free(b->sys[j].host_id);
        }
        free(b->sys);
        for (size_t j = 0; j < b->nlogs; j++)
            log_free(b->logs[j]);
        free(b->logs);
        for (size_t j = 0; j < b->nlcolls; j++) {
            slot_done(&b->lcolls[j]->s);
            free(b->lcolls[j]->host_id);
            free(b->lcolls[j]);
        }
        free(b->lcolls);
    }
    free(rf->bmcs);
    rf->bmcs = NULL;
    rf->nbmcs = 0;
}

static enum prov_open rf_open(struct provider *p, const struct config_provider *cp,
                              struct rt_error *err)
{
    struct rf *rf = provider_priv(p);
    const struct ynode *node = cp != NULL ? cp->node : NULL;
    const struct ynode *list = ynode_map_get(node, "bmcs");
    const char *file = ynode_map_get_scalar(node, "bmc_file");
    struct ynode *froot = NULL;
    struct secret_cache sc = {hmap_new(free_secret)};
    struct http_opts ho = {0};
    int bad = 0, ins_all = 0;
    int64_t req_s;
    uint64_t acts = 0;
    static const char *const verbs[] = {"power-on", "power-off", "power-cycle", "provision",
                                        "maintenance-on", "maintenance-off", "boot", "clear-sel",
                                        "locate", "shutdown", "restart", "nmi", "undeploy"};

    rf->p = p;
    snprintf(rf->ns, sizeof rf->ns, "redfish:%s", provider_name(p));
    rf->by_name = hmap_new(NULL);
    if (cp == NULL)
        return rt_err_set(err, RT_ERR_CONFIG, 0, "provider '%s': no configuration",
                          provider_name(p)), PROV_OPEN_ERROR;
    if (config_provider_check_keys(cp, provider_keys, err) < 0)
        goto fail;
    if ((list == NULL) == (file == NULL)) {
        ynode_err(err, node, "provider '%s': give either 'bmcs' (a list) or 'bmc_file' (a path)",
                  cp->name);
        goto fail;
    }
    if (file != NULL) {
        char *path = rt_expand_home(file);
        int rc = ynode_parse_file(path, &froot, err);
        free(path);
        if (rc < 0)
            goto fail;
        list = ynode_map_get(froot, "bmcs") != NULL ? ynode_map_get(froot, "bmcs") : froot;
        if (list == NULL) {
            ynode_err(err, ynode_map_get(node, "bmc_file"), "bmc_file '%s' lists no BMCs", file);
            goto fail;
        }
    }
    if (ynode_map_get(node, "insecure") != NULL &&
        ynode_bool(ynode_map_get(node, "insecure"), &ins_all) < 0) {
        ynode_err(err, ynode_map_get(node, "insecure"), "'insecure' must be true or false");
        goto fail;
    }
    if (parse_list(rf, list, node, &sc, err) < 0)
        goto fail;
    req_s = dur_key(node, "request_timeout", 10, err, &bad);
    rf->provision_timeout_s = dur_key(node, "provision_timeout", 1800, err, &bad);
    ho.max_total = int_key(node, "concurrency", 256, 1, 4096, err, &bad);
    ho.max_per_host = int_key(node, "per_bmc", 2, 1, 8, err, &bad);
    rf->events_max = int_key(node, "events_per_log", 200, 1, 10000, err, &bad);
    if (ynode_map_get(node, "provision_ssh") != NULL &&
        ynode_bool(ynode_map_get(node, "provision_ssh"), &rf->provision_ssh) < 0) {
        ynode_err(err, ynode_map_get(node, "provision_ssh"), "'provision_ssh' must be true or false");
        bad = 1;
    } else if (ynode_map_get(node, "provision_ssh") == NULL) {
        rf->provision_ssh = 1;
    }
    rf->details = 1;
    if (ynode_map_get(node, "details") != NULL &&
        ynode_bool(ynode_map_get(node, "details"), &rf->details) < 0) {
        ynode_err(err, ynode_map_get(node, "details"), "'details' must be true or false");
        bad = 1;
    }
    if (bad)
        goto fail;
    rf->req_timeout_ms = (long)req_s * 1000;
    {
        int64_t t = provider_env(p)->timeout_s;
        /* A refresh ends a little before the engine's own timeout; a BMC that has not
         * finished by then keeps its previous rows, marked with the error. */
        rf->list_timeout_ms = (t > 3 ? t - 2 : 1) * 1000;
    }
    ho.timeout_ms = rf->req_timeout_ms;
    /* Keep a connection per BMC and concurrent request open between refreshes and
     * sensor sweeps (docs/BENCHMARKS.md: reconnecting 2 000 sockets doubled a sweep). */
    ho.max_conns = (int)(rf->nbmcs * (size_t)ho.max_per_host) + 16;
    if (ho.max_conns < ho.max_total * 2)
        ho.max_conns = ho.max_total * 2;
    ho.cacert = ynode_map_get_scalar(node, "cacert");
    /* Redfish documents are a few KiB: libcurl's default 16 KiB receive buffer per
     * transfer was the biggest item of a 1 000-BMC crawl's peak (docs/BENCHMARKS.md). */
    ho.recv_buffer = 1024;
    ho.cancelled = rf_cancelled;
    ho.cancel_ctx = rf;
    rf->http = http_multi_new(&ho);
    docs_load(rf);
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        const struct action_def *a = action_find(RES_KIND_HOST, verbs[i]);
        if (a != NULL)
            acts |= 1ULL << action_index(a);
    }
    provider_set_caps(p, provider_ops(p)->kinds, acts);
    {
        /* Like OpenStack's verify: false: a permanent badge while any BMC skips TLS checks. */
        size_t n_insecure = 0;
        const char *first = NULL;
        for (size_t i = 0; i < rf->nbmcs; i++) {
            if (rf->bmcs[i].https && rf->bmcs[i].insecure && n_insecure++ == 0)
                first = rf->bmcs[i].name;
        }
        if (n_insecure == 1)
            provider_set_warning(p, "TLS verification off for BMC '%s' (insecure: true)", first);
        else if (n_insecure > 1)
            provider_set_warning(p, "TLS verification off for %zu BMCs (insecure: true)",
                                 n_insecure);
        else
            provider_set_warning(p, NULL);
    }
    hmap_free(sc.files);
    ynode_free(froot);
    return PROV_OPEN_OK;
fail:
    hmap_free(sc.files);
    ynode_free(froot);
    bmcs_free(rf);
    hmap_free(rf->by_name);
    rf->by_name = NULL;
    return PROV_OPEN_ERROR;
}

static void rf_close(struct provider *p)
{
    struct rf *rf = provider_priv(p);

    if (rf->http != NULL) {
        /* Log out: delete every session we opened (BMCs have few session slots).  Not
         * cancelled, but bounded: a BMC that hangs must not hold up quitting. */
        rf->closing = 1;
        for (size_t i = 0; i < rf->nbmcs; i++) {
            struct rf_bmc *b = &rf->bmcs[i];
            if (b->token != NULL && b->session_uri != NULL) {
                struct call *c = call_new(rf, b, "DELETE", b->session_uri, NULL, NULL);
                send_call(c);
            }
        }
        http_run(rf->http, rt_mono_ms() + 1500);
        http_multi_free(rf->http);
        rf->http = NULL;
    }
    bmcs_free(rf);
    hmap_free(rf->by_name);
    rf->by_name = NULL;
}

const struct provider_ops prov_redfish_ops = {
    .name = "redfish",
    .priv_size = sizeof(struct rf),
    .kinds = RT_KIND_BIT(RES_KIND_HOST) | RT_KIND_BIT(RES_KIND_INSTANCE) |
             RT_KIND_BIT(RES_KIND_EVENT),
    .actions = 0, /* set in open() from the action table */
    .open = rf_open,
    .close = rf_close,
    .list = rf_list,
    .get = rf_get,
    .act = rf_act,
    .task_poll = rf_task_poll,
    .metrics = rf_metrics,
};

/* ---- BMCs that need a password typed in ---------------------------------------------- */

int redfish_password_missing(const struct config_provider *cp, char *names, size_t len,
                             struct rt_error *err)
{
    const struct ynode *node = cp != NULL ? cp->node : NULL;
    const struct ynode *list = ynode_map_get(node, "bmcs");
    const char *file = ynode_map_get_scalar(node, "bmc_file");
    struct ynode *froot = NULL;
    struct strbuf sb = STRBUF_INIT;
    int count = 0, rc = -1;
    size_t n;

    if (file != NULL && list == NULL) {
        char *path = rt_expand_home(file);
        int prc = ynode_parse_file(path, &froot, err);
        free(path);
        if (prc < 0)
            goto out;
        list = ynode_map_get(froot, "bmcs") != NULL ? ynode_map_get(froot, "bmcs") : froot;
    }
    n = list != NULL && list->type == YNODE_SEQ ? ynode_len(list) : 0;
    for (size_t i = 0; i < n; i++) {
        const struct ynode *b = ynode_seq_item(list, i);
        const char *user = ynode_map_get_scalar(b, "username");
        const char *name = ynode_map_get_scalar(b, "name");
        int has_src = ynode_map_get_scalar(b, "password_file") != NULL ||
                      ynode_map_get_scalar(b, "password_env") != NULL;
        if (b == NULL || b->type != YNODE_MAP)
            continue;
        if (!has_src)
            has_src = ynode_map_get_scalar(node, "password_file") != NULL ||
                      ynode_map_get_scalar(node, "password_env") != NULL;
        if (user == NULL)
            user = ynode_map_get_scalar(node, "username");
        if (user == NULL || has_src)
            continue;
        if (name == NULL)
            name = ynode_map_get_scalar(b, "address");
        if (count < 3)
            strbuf_addf(&sb, "%s'%s'", count > 0 ? ", " : "", name != NULL ? name : "?");
        count++;
    }
    if (count > 3)
        strbuf_addf(&sb, " and %d more", count - 3);
    if (names != NULL && len > 0)
        snprintf(names, len, "%s", sb.buf != NULL ? sb.buf : "");
    rc = count;
out:
    strbuf_done(&sb);
    ynode_free(froot);
    return rc;
}

/* ---- certificate probe for `racktop trust` ------------------------------------------- */

static void on_trust_probe(void *ctx, const struct http_request *rq,
                           const struct http_response *resp)
{
    struct redfish_cert *row = ctx;

    (void)rq;
    row->cert = resp->cert;
    if (!resp->cert.present)
        snprintf(row->err, sizeof row->err, "%s",
                 resp->status == 0 ? resp->err_msg : "no certificate in the reply");
}

int redfish_probe_certs(const struct config_provider *cp, const char *const *names,
                        size_t nnames, long timeout_ms, struct redfish_cert **out, size_t *n,
                        struct rt_error *err)
{
    struct rf rf = {0};
    const struct ynode *node = cp->node;
    const struct ynode *list = ynode_map_get(node, "bmcs");
    const char *file = ynode_map_get_scalar(node, "bmc_file");
    struct ynode *froot = NULL;
    struct secret_cache sc = {hmap_new(free_secret)};
    struct http_opts ho = {0};
    struct http_multi *m;
    struct redfish_cert *rows = NULL;
    size_t nrows = 0;
    int rc = -1;

    *out = NULL;
    *n = 0;
    rf.by_name = hmap_new(NULL);
    if (file != NULL) {
        char *path = rt_expand_home(file);
        int prc = ynode_parse_file(path, &froot, err);
        free(path);
        if (prc < 0)
            goto out;
        list = ynode_map_get(froot, "bmcs") != NULL ? ynode_map_get(froot, "bmcs") : froot;
    }
    if (parse_list(&rf, list, node, &sc, err) < 0)
        goto out;
    for (size_t i = 0; i < nnames; i++) {
        if (hmap_get(rf.by_name, names[i]) == NULL) {
            rt_err_set(err, RT_ERR_NOT_FOUND, 0, "provider '%s' has no BMC '%s'", cp->name,
                       names[i]);
            goto out;
        }
    }
    ho.timeout_ms = timeout_ms;
    ho.max_total = 64;
    m = http_multi_new(&ho);
    rows = xcalloc(rf.nbmcs > 0 ? rf.nbmcs : 1, sizeof *rows);
    for (size_t i = 0; i < rf.nbmcs; i++) {
        struct rf_bmc *b = &rf.bmcs[i];
        struct redfish_cert *row;
        int want = nnames == 0;
        for (size_t j = 0; j < nnames && !want; j++)
            want = strcmp(names[j], b->name) == 0;
        if (!want)
            continue;
        row = &rows[nrows++];
        snprintf(row->bmc, sizeof row->bmc, "%s", b->name);
        snprintf(row->address, sizeof row->address, "%s", b->address);
        snprintf(row->pin_subject, sizeof row->pin_subject, "%s", b->pin_subject);
        row->https = b->https;
        if (b->https) {
            char *url = xasprintf("%s/redfish/v1/", b->address);
            struct http_request *rq = http_request_new("GET", url);
            free(url);
            http_request_set_tls(rq, 1, NULL, 1);
            http_request_set_host_key(rq, b->name);
            http_submit(m, rq, on_trust_probe, row);
        }
    }
    http_run(m, rt_mono_ms() + timeout_ms + 1000);
    http_multi_free(m);
    *out = rows;
    *n = nrows;
    rows = NULL;
    rc = 0;
out:
    free(rows);
    hmap_free(sc.files);
    ynode_free(froot);
    bmcs_free(&rf);
    hmap_free(rf.by_name);
    return rc;
}
