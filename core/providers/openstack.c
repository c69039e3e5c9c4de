/*
 * openstack.c - the "openstack" provider: Nova, Ironic, Cinder, Neutron and
 * Glance behind one Keystone (or none: standalone services through
 * <service>_endpoint_override with auth_type none).
 *
 * Configuration (docs/CONFIG.md, "OpenStack"): `cloud` names a clouds.yaml
 * entry (default $OS_CLOUD, else the OS_* variables); `region`, `interface`
 * override the cloud's; `page_size`, `concurrency`, `request_timeout`,
 * `all_projects` tune the requests.
 *
 * Model: Nova servers are instances; Ironic nodes and Nova hypervisors are
 * hosts (hypervisors of type ironic are left out when Ironic is reachable:
 * the node is the host, and a bare-metal server's host is its node's uuid,
 * so the hosts pane shows both views of one machine); Cinder volumes and
 * snapshots, Neutron security groups, ports and floating IPs (openstack_neutron.c),
 * Glance images, Nova flavors, keypairs, server groups and availability zones map
 * one to one (openstack_map.c).
 *
 * Refresh: lists page with limit/marker.  A page is scanned, not parsed
 * (core/jscan.c checks all of it and builds nothing it was not asked for):
 * servers are mapped straight from the spans of the members the mapping reads
 * (os_map_server_text()), nodes from small objects of only those members; the
 * next page is asked for as soon as the marker is known, so the backend
 * prepares it while this one is mapped, and each page is freed before the
 * next is handled.  Servers are cached by id, each mapped row built in one
 * piece (struct res_build, core/model.h) and a copy of it kept with its
 * `updated` time (struct os_srv); later refreshes
 * ask only for changes-since the last one (deleted servers come back with
 * status DELETED and leave the cache) and re-map only servers whose `updated`
 * moved, so a fleet of thousands costs one small request when nothing
 * changed (and a refresh in which nothing moved answers "unchanged" without
 * rows).  A row's raw JSON is the text of the page as received, lent from the
 * kept reply (struct os, kept), and only rows that were (re)mapped and that the
 * store does not hold as they are (provider_row_stored()) carry it to the
 * engine: a page none of whose rows lends it is not kept.
 *
 * Actions are accepted by the backend in act() and followed by task_poll()
 * through a reference "<what>:<id>:<verb>" (what = server, node, volume,
 * snapshot, image, or reservation for a create of count=N > 1:
 * "reservation:R:create/N", every server of Nova's reservation R) that maps
 * task_state/progress, provision states and volume states to task progress.
 * Synchronous ones (lock, rules, ...) return no reference.
 *
 * Threading: one instance per worker thread; all HTTP through os->http.
 */
#include "openstack_priv.h"

#include "core/action.h"
#include "core/config.h"
#include "core/err.h"
#include "core/hmap.h"
#include "core/http.h"
#include "core/jscan.h"
#include "core/model.h"
#include "core/provider.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "core/yamltree.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *js(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void map_ctx(struct os *os, struct os_map_ctx *c)
{
    c->provider = provider_name(os->p);
    c->region = os->cloud.region;
    c->node_ids = os->node_ids;
    c->with_raw = 1;
    c->build = NULL;
}

/*
 * One page as fetch_pages() hands it to its callback; everything is borrowed for the
 * call.  The items are either built (jansson objects of only the listing's keys) or, for
 * the big server listings, left as text: n rows of nkeys member spans, mapped from the
 * text directly (os_map_server_text()).
 */
struct os_page {
    const char *text;                /* the reply body */
    char **body;                     /* where the reply holds it: a callback may take it */
    size_t n;                        /* items */
    const struct jscan_span *item;   /* each item's bytes in text (its raw JSON) */
    json_t *items;                   /* built mode: the items, else NULL */
    const struct jscan_span *field;  /* fields mode: field[i * nkeys + k], else NULL */
    size_t nkeys;
    int links, next;                 /* "<key>_links" present; one of them is rel=next */
};

typedef void (*page_fn)(void *ctx, const struct os_page *pg);

/* Growable arrays of spans, reused from page to page. */
struct span_vec {
    struct jscan_span *v;
    size_t n, cap;
};

static struct jscan_span *span_vec_grow(struct span_vec *sv, size_t more)
{
    if (sv->n + more > sv->cap) {
        sv->cap = sv->cap ? 2 * sv->cap : 1024;
        if (sv->cap < sv->n + more)
            sv->cap = sv->n + more;
        sv->v = xrealloc(sv->v, sv->cap * sizeof *sv->v);
    }
    sv->n += more;
    return sv->v + sv->n - more;
}

/* 1 when the key span is "<key>_links" (Nova's and Cinder's paging links). */
static int links_key_is(const struct jscan *c, struct jscan_span k, const char *key)
{
    char want[64];
    int n = snprintf(want, sizeof want, "%s_links", key);

    return n > 0 && (size_t)n < sizeof want && jscan_key_is(c, k, want);
}

/* The links array at the cursor: note that it is there and whether one is rel=next. */
static int scan_links(struct jscan *c, struct os_page *pg, struct jscan_error *je)
{
    static const char *const rel_key[] = {"rel", NULL};
    int rc;

    pg->links = 1;
    if (jscan_enter(c, je) < 0)
        return -1;
    while ((rc = jscan_next(c, NULL, je)) > 0) {
        json_t *l;
        if (jscan_peek(c) != JSCAN_TYPE_OBJECT) {
            if (jscan_skip(c, NULL, je) < 0)
                return -1;
            continue;
        }
        if ((l = jscan_pick(c, rel_key, NULL, je)) == NULL)
            return -1;
        if (json_is_string(json_object_get(l, "rel")) &&
            strcmp(json_string_value(json_object_get(l, "rel")), "next") == 0)
            pg->next = 1;
        json_decref(l);
    }
    return rc;
}

/* The value of query parameter `name` in url, percent-decoded (new), or NULL. */
static char *query_param(const char *url, const char *name)
{
    const char *q = strchr(url, '?');
    size_t nl = strlen(name);

    while (q != NULL && *q != '\0') {
        const char *v, *end;
        q++;
        end = q + strcspn(q, "&#");
        if ((size_t)(end - q) > nl && strncmp(q, name, nl) == 0 && q[nl] == '=') {
            char *out = xmalloc((size_t)(end - q)), *o = out;
            for (v = q + nl + 1; v < end; v++) {
                if (*v == '%' && v + 2 < end && isxdigit((unsigned char)v[1]) &&
                    isxdigit((unsigned char)v[2])) {
                    char hex[3] = {v[1], v[2], '\0'};
                    *o++ = (char)strtol(hex, NULL, 16);
                    v += 2;
                } else {
                    *o++ = *v == '+' ? ' ' : *v;
                }
            }
            *o = '\0';
            return out;
        }
        q = *end == '&' ? end : NULL;
    }
    return NULL;
}

/*
 * The marker of the next page as the reply's "<key>_links" rel=next href gives it, read
 * from the reply's tail before the reply is scanned (Nova and Cinder put the links after
 * the list), so the next page can be asked for while this one is scanned: the scan was
 * the client's whole share of each page's round trip.  Only a guess: fetch_pages() drops
 * a request whose marker the scan does not confirm.  NULL when the tail has no such link.
 */
static char *peek_next_marker(const char *body, size_t len, const char *key)
{
    static const char *const link_keys[] = {"rel", "href", NULL};
    char want[72];
    int n = snprintf(want, sizeof want, "\"%s_links\"", key);
    const char *p, *hit = NULL, *end = body + len;
    struct jscan c;
    char *marker = NULL;

    if (body == NULL || n <= 0 || (size_t)n >= sizeof want)
        return NULL;
    for (p = len > 4096 ? end - 4096 : body; (p = memmem(p, (size_t)(end - p), want, (size_t)n));
         p += n)
        hit = p;
    if (hit == NULL)
        return NULL;
    for (p = hit + n; p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'); p++)
        ;
    if (p >= end || *p != ':')
        return NULL;
    jscan_init(&c, body, len);
    c.pos = (size_t)(p + 1 - body);
    if (jscan_peek(&c) != JSCAN_TYPE_ARRAY || jscan_enter(&c, NULL) < 0)
        return NULL;
    while (marker == NULL && jscan_next(&c, NULL, NULL) > 0) {
        json_t *l = jscan_peek(&c) == JSCAN_TYPE_OBJECT ? jscan_pick(&c, link_keys, NULL, NULL)
                                                        : NULL;
        const char *rel = js(l, "rel"), *href = js(l, "href");
        if (l == NULL && jscan_skip(&c, NULL, NULL) < 0)
            break;
        if (rel != NULL && href != NULL && strcmp(rel, "next") == 0)
            marker = query_param(href, "marker");
        json_decref(l);
    }
    return marker;
}

/*
 * Scan one page (core/jscan.c) instead of parsing it whole: the items of the array under
 * `key` go to pg, built (items not NULL) as objects of only `keys` (NULL: whole), or as
 * member spans (fields not NULL).  The whole reply is checked on the way, so a malformed
 * or truncated page is an error naming the service, the request, the byte and the
 * request id.
 */
static int scan_page(const struct os_reply *rep, enum os_svc s, const char *path,
                     const char *key, const char *const *keys, struct os_page *pg,
                     struct span_vec *items, struct span_vec *fields, struct rt_error *err)
{
    struct jscan c;
    struct jscan_span k, span;
    struct jscan_error je = {0};
    struct jscan_keys ks;
    int rc, found = 0;

    if (fields != NULL)
        jscan_keys_init(&ks, keys); /* once a page, not once an item */
    jscan_init(&c, rep->body != NULL ? rep->body : "", rep->body_len);
    if (jscan_peek(&c) != JSCAN_TYPE_OBJECT) {
        /* Not an object: tell a malformed reply from a misplaced list. */
        if (jscan_skip(&c, NULL, &je) < 0 || jscan_end(&c, &je) < 0)
            goto bad;
        goto missing;
    }
    if (jscan_enter(&c, &je) < 0)
        goto bad;
    while ((rc = jscan_next(&c, &k, &je)) > 0) {
        if (!pg->links && jscan_peek(&c) == JSCAN_TYPE_ARRAY && links_key_is(&c, k, key)) {
            if (scan_links(&c, pg, &je) < 0)
                goto bad;
            continue;
        }
        if (found || !jscan_key_is(&c, k, key) || jscan_peek(&c) != JSCAN_TYPE_ARRAY) {
            if (jscan_skip(&c, NULL, &je) < 0)
                goto bad;
            continue;
        }
        found = 1;
        if (jscan_enter(&c, &je) < 0)
            goto bad;
        while ((rc = jscan_next(&c, NULL, &je)) > 0) {
            int obj = jscan_peek(&c) == JSCAN_TYPE_OBJECT;
            if (fields != NULL) {
                struct jscan_span *f = span_vec_grow(fields, pg->nkeys);
                if (obj ? jscan_fields_set(&c, &ks, f, &span, &je) < 0
                        : jscan_skip(&c, &span, &je) < 0)
                    goto bad;
                if (!obj) /* not an object: no members (the mapper skips it) */
                    memset(f, 0, pg->nkeys * sizeof *f);
            } else {
                json_t *it;
                if (obj)
                    it = jscan_pick(&c, keys, &span, &je);
                else /* not an object: kept as it is (the mappers skip it) */
                    it = jscan_skip(&c, &span, &je) == 0 ? jscan_build(c.text, span) : NULL;
                if (it == NULL)
                    goto bad;
                json_array_append_new(pg->items, it);
            }
            *span_vec_grow(items, 1) = span;
        }
        if (rc < 0)
            goto bad;
    }
    if (rc < 0 || jscan_end(&c, &je) < 0)
        goto bad;
    if (!found)
        goto missing;
    pg->text = c.text;
    pg->n = items->n;
    pg->item = items->v;
    pg->field = fields != NULL ? fields->v : NULL;
    return 0;
missing:
    return rt_err_set(err, RT_ERR_PARSE, 0, "%s GET %s: the reply has no '%s' list (request id "
                      "%s)", os_svc_name(s), path, key, rep->request_id ? rep->request_id : "none");
bad:
    return rt_err_set(err, RT_ERR_PARSE, 0, "%s GET %s: the reply is not JSON: %s (request id "
                      "%s)", os_svc_name(s), path, je.msg[0] ? je.msg : "empty",
                      rep->request_id ? rep->request_id : "none");
}

/*
 * GET every page of a collection: `path` (may already carry a query), the
 * collection key in the reply, the id key used as the marker (it must be among
 * `keys`, the members the callback reads; NULL: all).  Each page goes to `fn`
 * and is freed before the next one is asked for, so a fleet is never held as
 * one tree (freeing 10 000 parsed servers at once was a fifth of a listing's
 * CPU).  Pages are scanned, not parsed (scan_page()): only the members in
 * `keys` are ever built, or with `as_fields` none at all (a server is 2 KiB of
 * JSON, the mapping reads a fifth of it).  The next page is asked for as soon
 * as its marker is known (from the links, before this page is scanned; else
 * after the scan), so the backend and the client work at the same time.
 * `as_fields`: 0 builds items, 1 hands out member spans.  (Mapping on a second
 * thread gained nothing once the next page was asked for before the scan: on
 * two cores with the backend on the same machine it only competed with it.)
 */
static char *page_url(struct os *os, const char *path, const char *marker)
{
    char *m = marker != NULL ? http_url_escape(marker) : NULL;
    char *url = xasprintf("%s%slimit=%d%s%s", path, strchr(path, '?') ? "&" : "?",
                          os->page_size, m ? "&marker=" : "", m ? m : "");

    free(m);
    return url;
}

static int fetch_pages(struct os *os, enum os_svc s, const char *path, const char *key,
                       const char *id_key, const char *const *keys, int as_fields, page_fn fn,
                       void *ctx, struct rt_error *err)
{
    struct span_vec items = {0}, fields = {0};
    struct os_call *next;
    char *marker = NULL, *guess = NULL, *url;
    size_t k_id = 0;
    int more, rc = -1;

    if (as_fields) {
        RT_ASSERT(keys != NULL);
        while (keys[k_id] != NULL && strcmp(keys[k_id], id_key) != 0)
            k_id++;
        RT_ASSERT(keys[k_id] != NULL);
    }
    url = page_url(os, path, NULL);
    next = os_get_begin(os, s, url, err);
    free(url);
    if (next == NULL)
        goto out;
    /* While the first page is on its way: the stored rows its mapping will look up. */
    if (os->listing > 0)
        provider_rows_stored_load(os->p, (enum res_kind)(os->listing - 1));
    while (next != NULL) {
        struct os_reply rep;
        struct os_page pg = {0};
        size_t n;

        if (os_get_end(os, next, &rep, err) < 0) {
            next = NULL;
            goto out;
        }
        next = NULL;
        free(guess);
        if ((guess = peek_next_marker(rep.body, rep.body_len, key)) != NULL) {
            url = page_url(os, path, guess);
            next = os_get_begin(os, s, url, err);
            free(url);
            if (next == NULL) {
                os_reply_done(&rep);
                goto out;
            }
        }
        items.n = fields.n = 0;
        if (as_fields) {
            while (keys[pg.nkeys] != NULL)
                pg.nkeys++;
        } else {
            pg.items = json_array();
        }
        if (scan_page(&rep, s, path, key, keys, &pg, &items, as_fields ? &fields : NULL,
                      err) < 0) {
            json_decref(pg.items);
            os_reply_done(&rep);
            goto out;
        }
        n = pg.n;
        free(marker);
        if (n == 0)
            marker = NULL;
        else if (as_fields)
            marker = jscan_strdup(pg.text, pg.field[(n - 1) * pg.nkeys + k_id]);
        else
            marker = xstrdup(js(json_array_get(pg.items, n - 1), id_key));
        /* More to come: ask for the next page now, so the backend works on it while this
         * one is mapped (or it was asked for before the scan, with the marker the links
         * gave: kept when the scan agrees).  When the reply has "<key>_links" they
         * decide: Nova and Cinder
         * send rel=next on every page that reached their limit (which may be their
         * max_limit, below our page_size: a "short" page that is not the last), and
         * links without a next one end the listing.  Without links, a full page may
         * have more behind it, a short one is the last. */
        more = marker != NULL && n > 0 && (pg.links ? pg.next : (int)n >= os->page_size);
        if (next != NULL && !(more && strcmp(guess, marker) == 0)) {
            os_get_drop(os, next); /* the links said otherwise than the list: rare */
            next = NULL;
        }
        if (more && next == NULL) {
            url = page_url(os, path, marker);
            next = os_get_begin(os, s, url, err);
            free(url);
            if (next == NULL) {
                json_decref(pg.items);
                os_reply_done(&rep);
                goto out;
            }
        }
        pg.body = &rep.body;
        fn(ctx, &pg);
        json_decref(pg.items);
        os_reply_done(&rep);
    }
    rc = 0;
out:
    os_get_drop(os, next);
    free(items.v);
    free(fields.v);
    free(marker);
    free(guess);
    return rc;
}

static void append_items(void *ctx, const struct os_page *pg)
{
    json_array_extend(ctx, pg->items);
}

/* fetch_pages() collecting every item, whole, into `out` (increfed). */
static int fetch_all(struct os *os, enum os_svc s, const char *path, const char *key,
                     const char *id_key, json_t *out, struct rt_error *err)
{
    return fetch_pages(os, s, path, key, id_key, NULL, 0, append_items, out, err);
}

typedef struct resource *(*map_fn)(const struct os_map_ctx *, json_t *);

/* Map a page as it arrives, each row carrying its item's text as raw JSON unless the store
 * holds the row as it is. */
struct map_page {
    struct provider *p;
    struct os_map_ctx c;       /* with_raw 0: the raw JSON is the text as received */
    map_fn fn;
    struct res_list *out;
    int skip_ironic;           /* hypervisors of type ironic stay out (the node is the host) */
};

static void map_items(void *ctx, const struct os_page *pg)
{
    struct map_page *mp = ctx;
    json_t *it;
    size_t i;

    json_array_foreach(pg->items, i, it) {
        const char *t = mp->skip_ironic ? js(it, "hypervisor_type") : NULL;
        struct resource *r;
        if (t != NULL && strcasecmp(t, "ironic") == 0)
            continue;
        if ((r = mp->fn(&mp->c, it)) == NULL)
            continue;
        r->hash = res_hash(r); /* hashed once: here and by the engine */
        if (!provider_row_stored(mp->p, r->kind, r->id, r->hash))
            res_set_raw_take(r, xstrndup(pg->text + pg->item[i].start,
                                         pg->item[i].end - pg->item[i].start));
        res_list_push(mp->out, r);
    }
}

/* fetch_pages() mapping each page with fn into out. */
static int fetch_mapped(struct os *os, enum os_svc s, const char *path, const char *key,
                        const char *id_key, const char *const *keys, map_fn fn,
                        int skip_ironic, struct res_list *out, struct rt_error *err)
{
    struct map_page mp = {.p = os->p, .fn = fn, .out = out, .skip_ironic = skip_ironic};

    map_ctx(os, &mp.c);
    mp.c.with_raw = 0;
    return fetch_pages(os, s, path, key, id_key, keys, 0, map_items, &mp, err);
}

/* uuid -> 1 and instance_uuid -> node uuid, from Ironic (bare-metal linking). */
static int load_node_ids(struct os *os, struct rt_error *err)
{
    json_t *arr = json_array(), *n;
    size_t i;

    if (fetch_all(os, OS_SVC_BAREMETAL, "/v1/nodes?fields=uuid,instance_uuid", "nodes", "uuid",
                  arr, err) < 0) {
        json_decref(arr);
        return -1;
    }
    json_decref(os->node_ids);
    os->node_ids = json_object();
    json_array_foreach(arr, i, n) {
        if (js(n, "uuid") == NULL)
            continue;
        json_object_set_new(os->node_ids, js(n, "uuid"), json_true());
        if (js(n, "instance_uuid") != NULL)
            json_object_set_new(os->node_ids, js(n, "instance_uuid"), json_string(js(n, "uuid")));
    }
    json_decref(arr);
    return 0;
}

static void push_mapped(struct res_list *out, struct resource *r)
{
    if (r != NULL)
        res_list_push(out, r);
}

/* A bare-metal server: type and host from the node link.  1 when it is one (its fields
 * were set: the row's hash is cleared), else 0. */
static int link_server(struct os *os, struct resource *r)
{
    json_t *v;

    if (os->node_ids == NULL)
        return 0;
    v = json_object_get(os->node_ids, r->id);
    if (!json_is_string(v))
        return 0;
    res_set(r, "type", "baremetal");
    res_set(r, "host", json_string_value(v));
    return 1;
}

/*
 * One cached server: its mapping as of `updated` (without raw JSON and
 * without the bare-metal link, which is applied on every listing), a row built
 * in one piece (a copy is two allocations and a memcpy);
 * between a listing's merge and its end, the freshly mapped row itself
 * (handed to the engine as it is, not copied) and the raw text received with
 * it.
 */
struct os_srv {
    char *updated;
    struct resource *pk;       /* a copy of the mapping, built in one piece (res_build) */
    uint64_t hash;             /* res_hash() of that mapping */
    struct resource *fresh;    /* mapped in this listing, not yet handed out */
    const char *raw;           /* in os->kept: lent to the row handed out */
    uint64_t seq;              /* first seen: listing order */
    uint64_t gen;              /* last full listing that returned it */
};

static void os_srv_free(void *p)
{
    struct os_srv *e = p;

    if (e == NULL)
        return;
    free(e->updated);
    res_free(e->pk);
    res_free(e->fresh);
    free(e);
}

static int cmp_srv_seq(const void *a, const void *b)
{
    const struct os_srv *x = *(struct os_srv *const *)a, *y = *(struct os_srv *const *)b;

    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct merge_ctx {
    struct os *os;
    struct os_map_ctx c;
    uint64_t gen;
    size_t pos;                /* items seen so far in this listing */
    size_t changed;            /* servers mapped (new or moved) or gone in it */
    struct os_srv **seen;      /* the listing's servers in the order it gave them, once each */
    size_t nseen, seen_cap;
    int seen_bad;              /* one of them was removed again (gone in a later page) */
    struct res_build build;    /* the rows' builder (c.build), kept from row to row */
};

/* e is in this listing: stamp it with its generation, noting the order the first time. */
static void merge_seen(struct merge_ctx *m, struct os_srv *e)
{
    if (e->gen != m->gen) {
        m->seen = xgrow(m->seen, &m->seen_cap, m->nseen + 1, sizeof *m->seen);
        m->seen[m->nseen++] = e;
    }
    e->gen = m->gen;
}

/* A string member decoded into buf when it fits, else into a new string left in *heap
 * (the caller frees it); NULL when it is absent or not a string. */
static const char *span_str(const char *t, struct jscan_span v, char *buf, size_t size,
                            char **heap)
{
    const char *s = jscan_strcpy(t, v, buf, size);

    if (s == NULL && (s = *heap = jscan_strdup(t, v)) == NULL)
        return NULL;
    return s;
}

/* One page of servers into the cache (fetch_pages() callback, fields mode). */
static void merge_servers(void *ctx, const struct os_page *pg)
{
    struct merge_ctx *m = ctx;
    struct os *os = m->os;
    char *body = NULL; /* the page's text, kept once a row lends its raw JSON from it */
    size_t i;

    for (i = 0; i < pg->n; i++) {
        const struct jscan_span *f = pg->field + i * pg->nkeys;
        char idb[64], stb[32], updb[48], *idh = NULL, *sth = NULL, *updh = NULL;
        const char *id, *st, *upd;
        struct os_srv *e;
        struct resource *r;
        int lend;
        m->pos++;
        if ((id = span_str(pg->text, f[OS_SK_ID], idb, sizeof idb, &idh)) == NULL)
            continue;
        provider_row_stored_prefetch(os->p, RES_KIND_INSTANCE, id);
        e = hmap_get(os->servers, id);
        st = span_str(pg->text, f[OS_SK_STATUS], stb, sizeof stb, &sth);
        upd = span_str(pg->text, f[OS_SK_UPDATED], updb, sizeof updb, &updh);
        if (st != NULL && (strcmp(st, "DELETED") == 0 || strcmp(st, "SOFT_DELETED") == 0)) {
            m->seen_bad |= e != NULL && e->gen == m->gen;
            m->changed += hmap_del(os->servers, id) != 0;
        } else if (e != NULL && upd != NULL && e->updated != NULL &&
                   strcmp(e->updated, upd) == 0) {
            merge_seen(m, e);  /* unchanged: keep the mapping */
        } else if ((r = os_map_server_text(&m->c, pg->text, f)) != NULL) {
            if (e == NULL) {
                e = xcalloc(1, sizeof *e);
                e->seq = m->gen * 100000000u + m->pos;
                hmap_put(os->servers, id, e);
            }
            m->changed++;
            res_free(e->fresh);
            e->fresh = r;
            /* Copied (and hashed) here, while the backend works on the next page: at the
             * end of a listing it was 10 000 rows in a row (~4 ms).  Not kept when no
             * later listing will want it (~2 ms of 10 000 servers' CPU). */
            res_free(e->pk);
            e->pk = os->servers_unpacked ? NULL : res_dup(r);
            e->hash = res_hash(r); /* the engine then hashes none of them */
            free(e->updated);
            e->updated = xstrdup(upd);
            /* Raw JSON only for a row the store does not hold as it goes out (linked, for
             * a bare-metal one: the cache keeps the hash of the mapping alone): a page
             * none of whose rows lends it is not kept, and its memory serves the next. */
            lend = !provider_row_stored(os->p, RES_KIND_INSTANCE, id,
                                        link_server(os, r) ? res_hash(r) : e->hash);
            if (lend && body == NULL && *pg->body != NULL) {
                body = *pg->body;
                *pg->body = NULL;
                os->kept = xgrow(os->kept, &os->kept_cap, os->nkept + 1, sizeof *os->kept);
                os->kept[os->nkept++] = body;
            }
            /* The item's text in place, ended where the ',' or ']' after it was (no
             * span of this page reaches that byte: items are separate). */
            e->raw = NULL;
            if (lend && body != NULL) {
                body[pg->item[i].end] = '\0';
                e->raw = body + pg->item[i].start;
            }
            merge_seen(m, e);
        }
        free(idh);
        free(sth);
        free(updh);
    }
}

/*
 * The servers a listing merged but did not hand out (it failed) lose their mapping: the
 * next listing maps them again (with their raw JSON when the store lacks them).  Their
 * fresh rows may be linked to nodes that are not theirs by then.  After a listing that
 * handed them out, nothing is left to forget.
 */
static void forget_merged(struct os *os)
{
    size_t it = 0;
    const char *id;
    void *val;

    while (os->servers != NULL && hmap_next(os->servers, &it, &id, &val)) {
        struct os_srv *e = val;
        if (e->raw != NULL || e->fresh != NULL) {
            e->raw = NULL;
            res_free(e->fresh);
            e->fresh = NULL;
            free(e->updated);
            e->updated = NULL;
        }
    }
}

/*
 * Free the reply bodies kept for the rows' raw JSON (struct os, kept).  Rows handed out
 * were done with them before this provider was called again; a server merged by a
 * listing that failed still points into them (forget_merged()).
 */
static void drop_kept(struct os *os)
{
    if (os->nkept == 0)
        return;
    forget_merged(os);
    for (size_t i = 0; i < os->nkept; i++)
        free(os->kept[i]);
    os->nkept = 0;
}

/*
 * Servers.  The first listing fetches everything; later ones ask for
 * changes-since the previous one and merge (DELETED / SOFT_DELETED leave).
 * A server whose `updated` did not move keeps its previous mapping, so an
 * unchanged fleet costs neither parsing nor mapping beyond the small reply;
 * its row goes out without raw JSON (the engine's hash check then skips the
 * store write, and the raw text stored earlier stays valid).  Raw JSON is
 * the backend's text as received, cut out of the page, not re-serialised.
 * When no server moved, none went and the bare-metal links are the same, a
 * refresh (provider_list_may_skip) answers 1 without rows: the engine keeps
 * the rows it has (10 000 servers were 10 000 rows unpacked and hashed for
 * nothing, every refresh interval of an idle dashboard).
 */
static int list_servers(struct os *os, struct res_list *out, struct rt_error *err)
{
    struct merge_ctx m = {0};
    struct os_srv **ents = NULL;
    char *since = NULL, *path;
    const char *all = os->all_projects && os->is_admin ? "all_tenants=1&" : "";
    char now[32];
    const char *id;
    void *val;
    size_t i, n, it = 0;
    int rc = -1, links_same;
    json_t *old_links = json_incref(os->node_ids);

    /* The next changes-since starts a little before this request (clock skew, races). */
    rt_iso8601(rt_now_ms() / 1000 - 5, now, sizeof now);
    if (os->servers != NULL && os->servers_since != NULL && !os->servers_unpacked)
        os->listing = 0; /* changes-since (below): only the servers that moved are looked up */
    if (os->endpoint[OS_SVC_BAREMETAL] != NULL && load_node_ids(os, NULL) < 0) {
        json_decref(os->node_ids);
        os->node_ids = NULL; /* Ironic down: servers still list, without the link */
    }
    links_same = old_links == NULL ? os->node_ids == NULL : json_equal(old_links, os->node_ids);
    json_decref(old_links);
    if (os->servers_unpacked) {
        /* Entries without a kept row cannot stand for servers a changes-since listing
         * leaves out: a full one (only if a "once" process lists again). */
        hmap_free(os->servers);
        os->servers = NULL;
        os->servers_unpacked = 0;
    }
    if (os->servers != NULL && os->servers_since != NULL) {
        since = http_url_escape(os->servers_since);
        path = xasprintf("/servers/detail?%schanges-since=%s", all, since);
    } else {
        path = xasprintf("/servers/detail%s%.*s", *all ? "?" : "", *all ? (int)strlen(all) - 1 : 0,
                         all);
    }
    os->servers_unpacked = provider_lists_once(os->p);
    if (os->servers == NULL)
        os->servers = hmap_new(os_srv_free);
    m.os = os;
    map_ctx(os, &m.c);
    m.c.build = &m.build;
    m.c.with_raw = 0;
    m.gen = ++os->servers_seq;
    if (fetch_pages(os, OS_SVC_COMPUTE, path, "servers", "id", os_server_keys, 1,
                    merge_servers, &m, err) < 0) {
        /* What merged is forgotten, and the next listing starts over with a full one. */
        free(os->servers_since);
        os->servers_since = NULL;
        forget_merged(os);
        drop_kept(os);
        goto out;
    }
    if (since != NULL && m.changed == 0 && links_same && provider_list_may_skip(os->p)) {
        free(os->servers_since);
        os->servers_since = xstrdup(now);
        rc = 1;
        goto out;
    }
    if (since == NULL && !m.seen_bad && m.nseen == hmap_len(os->servers)) {
        /* A full listing that returned every server known: its own order (already the
         * first-seen order unless the backend reordered them), nothing to drop. */
        ents = m.seen;
        n = m.nseen;
        m.seen = NULL;
    } else {
        /* The cache; a full listing drops what it no longer returns. */
        n = hmap_len(os->servers);
        ents = xcalloc(n + 1, sizeof *ents);
        n = 0;
        while (hmap_next(os->servers, &it, &id, &val))
            ents[n++] = val;
        if (since == NULL) {
            size_t k = 0;
            for (i = 0; i < n; i++) {
                if (ents[i]->gen == m.gen)
                    ents[k++] = ents[i];
                else
                    hmap_del(os->servers, ents[i]->fresh != NULL ? ents[i]->fresh->id
                                                                 : ents[i]->pk->id);
            }
            n = k;
        }
    }
    for (i = 1; i < n && ents[i - 1]->seq < ents[i]->seq; i++)
        ;
    if (i < n)
        qsort(ents, n, sizeof *ents, cmp_srv_seq);
    for (i = 0; i < n; i++) {
        struct os_srv *e = ents[i];
        struct resource *r;
        if (e->fresh != NULL) {
            /* (Re)mapped now: the cache has a copy, the row itself goes out. */
            r = e->fresh;
            e->fresh = NULL;
        } else {
            r = res_dup(e->pk);
        }
        res_set_raw_borrowed(r, e->raw);
        e->raw = NULL;
        r->hash = e->hash;
        link_server(os, r); /* a bare-metal link sets fields: the hash is then cleared */
        res_list_push(out, r);
    }
    free(os->servers_since);
    os->servers_since = xstrdup(now);
    rc = 0;
out:
    res_build_free(&m.build);
    free(ents);
    free(m.seen);
    free(since);
    free(path);
    return rc;
}

static int list_hosts(struct os *os, struct res_list *out, struct rt_error *err)
{
    struct os_map_ctx c;
    json_t *arr = json_array(), *it;
    size_t i;
    int rc = -1, have_ironic = os->endpoint[OS_SVC_BAREMETAL] != NULL;

    map_ctx(os, &c);
    if (have_ironic && fetch_mapped(os, OS_SVC_BAREMETAL, "/v1/nodes/detail", "nodes", "uuid",
                                    os_node_keys, os_map_node, 0, out, err) < 0)
        goto out;
    if (os->endpoint[OS_SVC_COMPUTE] != NULL) {
        struct rt_error e2 = {0};
        /* Paging of hypervisors needs 2.33; older clouds answer in one page.  Hypervisors
         * are admin-only by default: a 403 just means no VM hosts to show. */
        if (os->nova_mv_minor >= 33) {
            if (fetch_mapped(os, OS_SVC_COMPUTE, "/os-hypervisors/detail", "hypervisors", "id",
                             NULL, os_map_hypervisor, have_ironic, out, &e2) < 0 &&
                e2.detail != 403) {
                rt_err_copy(err, &e2);
                goto out;
            }
        } else {
            struct os_reply rep;
            if (os_call(os, OS_SVC_COMPUTE, "GET", "/os-hypervisors/detail", NULL, &rep, &e2) == 0) {
                json_array_extend(arr, json_object_get(rep.doc, "hypervisors"));
                os_reply_done(&rep);
            } else if (e2.detail != 403) {
                rt_err_copy(err, &e2);
                goto out;
            }
            json_array_foreach(arr, i, it) {
                const char *t = js(it, "hypervisor_type");
                if (have_ironic && t != NULL && strcasecmp(t, "ironic") == 0)
                    continue;
                push_mapped(out, os_map_hypervisor(&c, it));
            }
        }
    }
    rc = 0;
out:
    json_decref(arr);
    return rc;
}

static int list_simple(struct os *os, enum os_svc s, const char *path, const char *key,
                       const char *id_key, int paged, map_fn fn, struct res_list *out,
                       struct rt_error *err)
{
    struct os_map_ctx c;
    struct os_reply rep;
    json_t *it;
    size_t i;

    if (paged)
        return fetch_mapped(os, s, path, key, id_key, NULL, fn, 0, out, err);
    if (os_call(os, s, "GET", path, NULL, &rep, err) < 0)
        return -1;
    map_ctx(os, &c);
    json_array_foreach(json_object_get(rep.doc, key), i, it)
        push_mapped(out, fn(&c, it));
    os_reply_done(&rep);
    return 0;
}

static int list_regions(struct os *os, struct res_list *out)
{
    json_t *seen = json_object(), *svc, *ep;
    size_t i, j;

    if (os->cloud.region != NULL)
        json_object_set_new(seen, os->cloud.region, json_true());
    json_array_foreach(os->catalog, i, svc) {
        json_array_foreach(json_object_get(svc, "endpoints"), j, ep) {
            const char *r = js(ep, "region_id") ? js(ep, "region_id") : js(ep, "region");
            if (r != NULL)
                json_object_set_new(seen, r, json_true());
        }
    }
    {
        const char *k;
        json_t *v;
        json_object_foreach(seen, k, v) {
            struct resource *r = res_new(provider_name(os->p), RES_KIND_REGION, k, k);
            res_set_status(r, RES_STATUS_ACTIVE, NULL);
            res_list_push(out, r);
        }
    }
    json_decref(seen);
    return 0;
}

static int list_kind(struct provider *p, struct os *os, enum res_kind k, struct res_list *out,
                     struct rt_error *err)
{
    const char *all = os->all_projects && os->is_admin ? "?all_tenants=1" : "";
    char path[128];

    switch (k) {
    case RES_KIND_INSTANCE:
        return list_servers(os, out, err);
    case RES_KIND_HOST:
        return list_hosts(os, out, err);
    case RES_KIND_FLAVOR:
        return list_simple(os, OS_SVC_COMPUTE, "/flavors/detail", "flavors", "id", 1,
                           os_map_flavor, out, err);
    case RES_KIND_KEYPAIR:
        return list_simple(os, OS_SVC_COMPUTE, "/os-keypairs", "keypairs", "name", 0,
                           os_map_keypair, out, err);
    case RES_KIND_SERVERGROUP:
        return list_simple(os, OS_SVC_COMPUTE,
                           os->all_projects && os->is_admin ? "/os-server-groups?all_projects=True"
                                                            : "/os-server-groups",
                           "server_groups", "id", 0, os_map_servergroup, out, err);
    case RES_KIND_ZONE:
        return list_simple(os, OS_SVC_COMPUTE, "/os-availability-zone", "availabilityZoneInfo",
                           "zoneName", 0, os_map_zone, out, err);
    case RES_KIND_VOLUME:
        snprintf(path, sizeof path, "/volumes/detail%s", all);
        return list_simple(os, OS_SVC_VOLUME, path, "volumes", "id", 1, os_map_volume, out, err);
    case RES_KIND_SNAPSHOT:
        snprintf(path, sizeof path, "/snapshots/detail%s", all);
        return list_simple(os, OS_SVC_VOLUME, path, "snapshots", "id", 1, os_map_snapshot, out,
                           err);
    case RES_KIND_SECGROUP:
        return list_simple(os, OS_SVC_NETWORK, "/v2.0/security-groups", "security_groups", "id",
                           1, os_map_secgroup, out, err);
    case RES_KIND_IMAGE:
        return list_simple(os, OS_SVC_IMAGE, "/v2/images", "images", "id", 1, os_map_image, out,
                           err);
    case RES_KIND_REGION:
        return list_regions(os, out);
    case RES_KIND_PORT:
    case RES_KIND_FLOATINGIP:
    case RES_KIND_NETWORK:
        return os_neutron_list(os, k, out, err);
    default:
        return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "provider '%s' has no %s",
                          provider_name(p), res_kind_plural(k));
    }
}

static int os_list(struct provider *p, enum res_kind k, struct res_list *out, struct rt_error *err)
{
    struct os *os = provider_priv(p);
    int rc;

    drop_kept(os); /* the rows of the last listing are done with their raw JSON */
    os_discover(os, err);
    os->listing = (int)k + 1;
    rc = list_kind(p, os, k, out, err);
    os->listing = 0;
    return rc;
}

/* GET one object: reply key `key`; *obj increfed. */
static int get_one(struct os *os, enum os_svc s, const char *path, const char *key, json_t **obj,
                   struct rt_error *err)
{
    struct os_reply rep;

    if (os_call(os, s, "GET", path, NULL, &rep, err) < 0)
        return -1;
    *obj = key != NULL ? json_object_get(rep.doc, key) : rep.doc;
    if (!json_is_object(*obj)) {
        rt_err_set(err, RT_ERR_PARSE, 0, "%s GET %s: unexpected reply (request id %s)",
                   os_svc_name(s), path, rep.request_id ? rep.request_id : "none");
        os_reply_done(&rep);
        return -1;
    }
    json_incref(*obj);
    os_reply_done(&rep);
    return 0;
}

static int os_get(struct provider *p, enum res_kind k, const char *id, struct resource **out,
                  struct rt_error *err)
{
    struct os *os = provider_priv(p);
    struct os_map_ctx c;
    json_t *o = NULL;
    char *e = http_url_escape(id), *path = NULL;
    int rc = -1;

    os_discover(os, err);
    map_ctx(os, &c);
    *out = NULL;
    switch (k) {
    case RES_KIND_INSTANCE:
        path = xasprintf("/servers/%s", e);
        if (get_one(os, OS_SVC_COMPUTE, path, "server", &o, err) == 0) {
            *out = os_map_server(&c, o);
            if (*out != NULL)
                link_server(os, *out);
        }
        break;
    case RES_KIND_HOST:
        if (os->endpoint[OS_SVC_BAREMETAL] != NULL) {
            path = xasprintf("/v1/nodes/%s", e);
            if (get_one(os, OS_SVC_BAREMETAL, path, NULL, &o, err) == 0)
                *out = os_map_node(&c, o);
        } else {
            struct res_list l;
            res_list_init(&l);
            if (list_hosts(os, &l, err) == 0) {
                for (size_t i = 0; i < l.len; i++) {
                    if (strcmp(l.items[i]->id, id) == 0) {
                        *out = l.items[i];
                        l.items[i] = res_new("x", RES_KIND_HOST, "x", "x");
                        break;
                    }
                }
                if (*out == NULL)
                    rt_err_set(err, RT_ERR_NOT_FOUND, 404, "host '%s' not found", id);
            }
            res_list_done(&l);
        }
        break;
    case RES_KIND_VOLUME:
        path = xasprintf("/volumes/%s", e);
        if (get_one(os, OS_SVC_VOLUME, path, "volume", &o, err) == 0)
            *out = os_map_volume(&c, o);
        break;
    case RES_KIND_SNAPSHOT:
        path = xasprintf("/snapshots/%s", e);
        if (get_one(os, OS_SVC_VOLUME, path, "snapshot", &o, err) == 0)
            *out = os_map_snapshot(&c, o);
        break;
    case RES_KIND_SECGROUP:
        path = xasprintf("/v2.0/security-groups/%s", e);
        if (get_one(os, OS_SVC_NETWORK, path, "security_group", &o, err) == 0)
            *out = os_map_secgroup(&c, o);
        break;
    case RES_KIND_IMAGE:
        path = xasprintf("/v2/images/%s", e);
        if (get_one(os, OS_SVC_IMAGE, path, NULL, &o, err) == 0)
            *out = os_map_image(&c, o);
        break;
    case RES_KIND_FLAVOR:
        path = xasprintf("/flavors/%s", e);
        if (get_one(os, OS_SVC_COMPUTE, path, "flavor", &o, err) == 0)
            *out = os_map_flavor(&c, o);
        break;
    case RES_KIND_PORT:
    case RES_KIND_FLOATINGIP:
    case RES_KIND_NETWORK:
        os_neutron_get(os, k, id, out, err);
        break;
    default: {
        struct res_list l;
        res_list_init(&l);
        if (os_list(p, k, &l, err) == 0) {
            for (size_t i = 0; i < l.len; i++) {
                if (strcmp(l.items[i]->id, id) == 0) {
                    *out = res_dup(l.items[i]);
                    break;
                }
            }
            if (*out == NULL)
                rt_err_set(err, RT_ERR_NOT_FOUND, 404, "%s '%s' not found", res_kind_name(k), id);
        }
        res_list_done(&l);
        break;
    }
    }
    if (*out != NULL)
        rc = 0;
    else if (o != NULL)
        rt_err_set(err, RT_ERR_PARSE, 0, "%s '%s': the reply lacks an id", res_kind_name(k), id);
    json_decref(o);
    free(path);
    free(e);
    return rc;
}

/* ---- name resolution ------------------------------------------------------------------------ */

/*
 * The id of `what` given a name or id: GET {path_by_id}/ID first, then the
 * listing filtered by name.  New string or NULL with err set.
 */
static char *resolve(struct os *os, enum os_svc s, const char *by_id_fmt, const char *list_path,
                     const char *key_one, const char *key_list, const char *what,
                     const char *name_or_id, struct rt_error *err)
{
    struct os_reply rep;
    char *e = http_url_escape(name_or_id), *path = xasprintf(by_id_fmt, e);
    char *out = NULL;
    struct rt_error e2 = {0};
    json_t *arr, *it;
    size_t i;
    int hits = 0;

    if (os_call(os, s, "GET", path, NULL, &rep, &e2) == 0) {
        json_t *o = key_one != NULL ? json_object_get(rep.doc, key_one) : rep.doc;
        if (js(o, "id") != NULL)
            out = xstrdup(js(o, "id"));
        os_reply_done(&rep);
    } else if (e2.code != RT_ERR_NOT_FOUND && e2.detail != 400) {
        rt_err_copy(err, &e2);
        goto done;
    }
    if (out != NULL)
        goto done;
    free(path);
    path = xasprintf("%s%sname=%s", list_path, strchr(list_path, '?') ? "&" : "?", e);
    if (os_call(os, s, "GET", path, NULL, &rep, err) < 0)
        goto done;
    arr = json_object_get(rep.doc, key_list);
    json_array_foreach(arr, i, it) {
        if (js(it, "name") != NULL && strcmp(js(it, "name"), name_or_id) == 0) {
            if (out == NULL)
                out = xstrdup(js(it, "id"));
            hits++;
        }
    }
    os_reply_done(&rep);
    if (hits > 1) {
        free(out);
        out = NULL;
        rt_err_set(err, RT_ERR_ARG, 0, "%d %ss are called '%s'; give the id", hits, what,
                   name_or_id);
    } else if (out == NULL) {
        rt_err_set(err, RT_ERR_NOT_FOUND, 404, "no %s '%s'", what, name_or_id);
    }
done:
    free(path);
    free(e);
    return out;
}

static char *resolve_server(struct os *os, const char *v, struct rt_error *err)
{
    return resolve(os, OS_SVC_COMPUTE, "/servers/%s", "/servers", "server", "servers", "instance",
                   v, err);
}

static char *resolve_flavor(struct os *os, const char *v, struct rt_error *err)
{
    return resolve(os, OS_SVC_COMPUTE, "/flavors/%s", "/flavors/detail", "flavor", "flavors",
                   "flavor", v, err);
}

static char *resolve_image(struct os *os, const char *v, struct rt_error *err)
{
    if (os->endpoint[OS_SVC_IMAGE] == NULL)
        return xstrdup(v);
    return resolve(os, OS_SVC_IMAGE, "/v2/images/%s", "/v2/images", NULL, "images", "image", v,
                   err);
}

static char *resolve_snapshot(struct os *os, const char *v, struct rt_error *err)
{
    return resolve(os, OS_SVC_VOLUME, "/snapshots/%s", "/snapshots/detail", "snapshot",
                   "snapshots", "snapshot", v, err);
}

char *os_resolve(struct os *os, enum os_svc s, const char *by_id_fmt, const char *list_path,
                 const char *key_one, const char *key_list, const char *what,
                 const char *name_or_id, struct rt_error *err)
{
    return resolve(os, s, by_id_fmt, list_path, key_one, key_list, what, name_or_id, err);
}

/* ---- actions -------------------------------------------------------------------------------- */

static int post(struct os *os, enum os_svc s, const char *path, json_t *body,
                struct os_reply *rep, struct rt_error *err)
{
    int rc = os_call(os, s, "POST", path, body, rep, err);

    json_decref(body);
    return rc;
}

static int server_action(struct os *os, const char *id, json_t *body, struct rt_error *err)
{
    char *path = xasprintf("/servers/%s/action", id);
    int rc = post(os, OS_SVC_COMPUTE, path, body, NULL, err);

    free(path);
    return rc;
}

static char *ref(const char *what, const char *id, const char *verb)
{
    return xasprintf("%s:%s:%s", what, id, verb);
}

/*
 * The `networks` of a server create from network=: comma-separated network names or ids
 * (names resolved through Neutron when it is in the catalog), port:ID, or one of auto/none.
 * New JSON value, or NULL with err.
 */
static json_t *server_networks(struct os *os, const char *v, struct rt_error *err)
{
    json_t *nets;
    char *dup, *save = NULL;

    if (strcmp(v, "auto") == 0 || strcmp(v, "none") == 0)
        return json_string(v);
    nets = json_array();
    dup = xstrdup(v);
    for (char *t = strtok_r(dup, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        char *id;
        if (strncmp(t, "port:", 5) == 0) {
            json_array_append_new(nets, json_pack("{s:s}", "port", t + 5));
            continue;
        }
        id = os->endpoint[OS_SVC_NETWORK] != NULL
                 ? resolve(os, OS_SVC_NETWORK, "/v2.0/networks/%s", "/v2.0/networks", "network",
                           "networks", "network", t, err)
                 : xstrdup(t);
        if (id == NULL) {
            json_decref(nets);
            nets = NULL;
            break;
        }
        json_array_append_new(nets, json_pack("{s:s}", "uuid", id));
        free(id);
    }
    free(dup);
    if (nets != NULL && json_array_size(nets) == 0) {
        json_decref(nets);
        nets = NULL;
        rt_err_set(err, RT_ERR_ARG, 0, "'network' names no network");
    }
    return nets;
}

static int act_server_create(struct os *os, const struct act_request *req, char **task_ref,
                             struct rt_error *err)
{
    const struct params *pp = req->params;
    char *flavor = NULL, *image = NULL;
    json_t *srv = json_object(), *body;
    struct os_reply rep = {0};
    const char *v;
    int rc = -1;
    long long count = params_get_int(pp, "count", 1);

    if ((flavor = resolve_flavor(os, params_get(pp, "flavor"), err)) == NULL)
        goto out;
    json_object_set_new(srv, "name", json_string(req->target_id));
    json_object_set_new(srv, "flavorRef", json_string(flavor));
    v = params_get(pp, "image");
    if (v != NULL && strncmp(v, "volume:", 7) == 0) {
        /* Boot from an existing volume: image=volume:<id>. */
        json_object_set_new(srv, "imageRef", json_string(""));
        json_object_set_new(srv, "block_device_mapping_v2",
                            json_pack("[{s:s,s:s,s:s,s:i,s:b}]", "uuid", v + 7, "source_type",
                                      "volume", "destination_type", "volume", "boot_index", 0,
                                      "delete_on_termination", 0));
    } else {
        if ((image = resolve_image(os, v, err)) == NULL)
            goto out;
        json_object_set_new(srv, "imageRef", json_string(image));
    }
    if ((v = params_get(pp, "network")) != NULL) {
        json_t *nets = server_networks(os, v, err);
        if (nets == NULL)
            goto out;
        json_object_set_new(srv, "networks", nets);
    } else if (os->nova_mv_minor >= 37)
        json_object_set_new(srv, "networks", json_string("auto"));
    if ((v = params_get(pp, "secgroups")) != NULL) {
        json_t *sgs = json_array();
        char *dup = xstrdup(v), *save = NULL;
        for (char *t = strtok_r(dup, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
            json_array_append_new(sgs, json_pack("{s:s}", "name", t));
        free(dup);
        json_object_set_new(srv, "security_groups", sgs);
    }
    if ((v = params_get(pp, "keypair")) != NULL)
        json_object_set_new(srv, "key_name", json_string(v));
    if ((v = params_get(pp, "zone")) != NULL)
        json_object_set_new(srv, "availability_zone", json_string(v));
    if ((v = params_get(pp, "user_data")) != NULL) {
        /* base64 */
        static const char b64[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        size_t n = strlen(v);
        struct strbuf b = {0};
        for (size_t i = 0; i < n; i += 3) {
            unsigned x = (unsigned)(unsigned char)v[i] << 16;
            if (i + 1 < n)
                x |= (unsigned)(unsigned char)v[i + 1] << 8;
            if (i + 2 < n)
                x |= (unsigned char)v[i + 2];
            strbuf_addf(&b, "%c%c%c%c", b64[(x >> 18) & 63], b64[(x >> 12) & 63],
                        i + 1 < n ? b64[(x >> 6) & 63] : '=', i + 2 < n ? b64[x & 63] : '=');
        }
        json_object_set_new(srv, "user_data", json_string(b.len ? b.buf : ""));
        strbuf_done(&b);
    }
    if (count > 1) {
        /* Nova answers a multiple create with the first server only, unless asked for the
         * reservation id that all of them share (the multiple-create API, 2.1+); the task
         * then follows the whole reservation (GET /servers/detail?reservation_id=). */
        json_object_set_new(srv, "min_count", json_integer(count));
        json_object_set_new(srv, "max_count", json_integer(count));
        json_object_set_new(srv, "return_reservation_id", json_true());
    }
    body = json_pack("{s:O}", "server", srv);
    if ((v = params_get(pp, "server_group")) != NULL) {
        /* The scheduler hint wants the group's uuid: resolve a name. */
        char *g = resolve(os, OS_SVC_COMPUTE, "/os-server-groups/%s", "/os-server-groups",
                          "server_group", "server_groups", "server group", v, err);
        if (g == NULL) {
            json_decref(body);
            goto out;
        }
        json_object_set_new(body, "os:scheduler_hints", json_pack("{s:s}", "group", g));
        free(g);
    }
    if (post(os, OS_SVC_COMPUTE, "/servers", body, &rep, err) < 0)
        goto out;
    if (count > 1) {
        char verb[32];
        v = js(rep.doc, "reservation_id");
        if (v == NULL || *v == '\0' || strchr(v, ':') != NULL || strlen(v) > 120) {
            rt_err_set(err, RT_ERR_PARSE, 0, "compute POST /servers: no reservation_id in the "
                       "reply to a create of %lld (request id %s)", count,
                       rep.request_id ? rep.request_id : "none");
            goto out;
        }
        snprintf(verb, sizeof verb, "create/%lld", count);
        *task_ref = ref("reservation", v, verb);
        rc = 0;
        goto out;
    }
    v = js(json_object_get(rep.doc, "server"), "id");
    if (v == NULL) {
        rt_err_set(err, RT_ERR_PARSE, 0, "compute POST /servers: no server id in the reply "
                   "(request id %s)", rep.request_id ? rep.request_id : "none");
        goto out;
    }
    *task_ref = ref("server", v, "create");
    rc = 0;
out:
    os_reply_done(&rep);
    json_decref(srv);
    free(flavor);
    free(image);
    return rc;
}

static int act_instance(struct os *os, const struct act_request *req, char **task_ref,
                        struct rt_error *err)
{
    const char *verb = req->action->verb, *id = req->target_id;
    const char *host = params_get(req->params, "host");
    char *tmp = NULL;
    int rc = -1;

    if (strcmp(verb, "create") == 0)
        return act_server_create(os, req, task_ref, err);
    if (strcmp(verb, "start") == 0)
        rc = server_action(os, id, json_pack("{s:n}", "os-start"), err);
    else if (strcmp(verb, "stop") == 0)
        rc = server_action(os, id, json_pack("{s:n}", "os-stop"), err);
    else if (strcmp(verb, "reboot") == 0)
        rc = server_action(os, id, json_pack("{s:{s:s}}", "reboot", "type", "SOFT"), err);
    else if (strcmp(verb, "hard-reboot") == 0)
        rc = server_action(os, id, json_pack("{s:{s:s}}", "reboot", "type", "HARD"), err);
    else if (strcmp(verb, "suspend") == 0)
        rc = server_action(os, id, json_pack("{s:n}", "suspend"), err);
    else if (strcmp(verb, "resume") == 0)
        rc = server_action(os, id, json_pack("{s:n}", "resume"), err);
    else if (strcmp(verb, "confirm-resize") == 0)
        rc = server_action(os, id, json_pack("{s:n}", "confirmResize"), err);
    else if (strcmp(verb, "revert-resize") == 0)
        rc = server_action(os, id, json_pack("{s:n}", "revertResize"), err);
    else if (strcmp(verb, "lock") == 0 || strcmp(verb, "unlock") == 0) {
        /* Synchronous in Nova: nothing to follow. */
        return server_action(os, id, json_pack("{s:n}", verb), err);
    } else if (strcmp(verb, "delete") == 0) {
        char *path = xasprintf("/servers/%s", id);
        rc = os_call(os, OS_SVC_COMPUTE, "DELETE", path, NULL, NULL, err);
        free(path);
    } else if (strcmp(verb, "rebuild") == 0) {
        const char *img = params_get(req->params, "image");
        if (img == NULL) {
            json_t *srv = NULL;
            char *path = xasprintf("/servers/%s", id);
            rc = get_one(os, OS_SVC_COMPUTE, path, "server", &srv, err);
            free(path);
            if (rc < 0)
                return -1;
            tmp = xstrdup(js(json_object_get(srv, "image"), "id"));
            json_decref(srv);
            if (tmp == NULL)
                return rt_err_set(err, RT_ERR_ARG, 0, "instance '%s' boots from a volume: give "
                                  "image=...", req->target_name);
        } else if ((tmp = resolve_image(os, img, err)) == NULL) {
            return -1;
        }
        rc = server_action(os, id, json_pack("{s:{s:s}}", "rebuild", "imageRef", tmp), err);
    } else if (strcmp(verb, "resize") == 0) {
        if ((tmp = resolve_flavor(os, params_get(req->params, "flavor"), err)) == NULL)
            return -1;
        rc = server_action(os, id, json_pack("{s:{s:s}}", "resize", "flavorRef", tmp), err);
    } else if (strcmp(verb, "image") == 0 || strcmp(verb, "snapshot") == 0) {
        struct os_reply rep;
        char *path = xasprintf("/servers/%s/action", id);
        rc = post(os, OS_SVC_COMPUTE, path,
                  json_pack("{s:{s:s}}", "createImage", "name", params_get(req->params, "name")),
                  &rep, err);
        free(path);
        if (rc < 0)
            return -1;
        {
            const char *img = js(rep.doc, "image_id");
            const char *loc = rep.location != NULL ? strrchr(rep.location, '/') : NULL;
            if (img == NULL && loc != NULL)
                img = loc + 1;
            if (img != NULL && os->endpoint[OS_SVC_IMAGE] != NULL)
                *task_ref = ref("image", img, verb);
        }
        os_reply_done(&rep);
        return 0;
    } else if (strcmp(verb, "migrate") == 0) {
        rc = server_action(os, id, host != NULL && os->nova_mv_minor >= 56
                                       ? json_pack("{s:{s:s}}", "migrate", "host", host)
                                       : json_pack("{s:n}", "migrate"), err);
    } else if (strcmp(verb, "live-migrate") == 0) {
        json_t *b = json_pack("{s:s}", "block_migration", "auto");
        json_object_set_new(b, "host", host != NULL ? json_string(host) : json_null());
        rc = server_action(os, id, json_pack("{s:o}", "os-migrateLive", b), err);
    } else if (strcmp(verb, "evacuate") == 0) {
        json_t *b = json_object();
        if (host != NULL)
            json_object_set_new(b, "host", json_string(host));
        rc = server_action(os, id, json_pack("{s:o}", "evacuate", b), err);
    } else {
        return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "provider '%s' cannot '%s' instances",
                          provider_name(os->p), verb);
    }
    free(tmp);
    if (rc < 0)
        return -1;
    *task_ref = ref("server", id, verb);
    return 0;
}

static int node_put(struct os *os, const char *id, const char *what, json_t *body,
                    struct rt_error *err)
{
    char *path = xasprintf("/v1/nodes/%s/%s", id, what);
    int rc = os_call(os, OS_SVC_BAREMETAL, "PUT", path, body, NULL, err);

    json_decref(body);
    free(path);
    return rc;
}

static int act_host(struct os *os, const struct act_request *req, char **task_ref,
                    struct rt_error *err)
{
    static const struct {
        const char *verb, *kind, *target;
    } map[] = {
        {"power-on", "states/power", "power on"},
        {"power-off", "states/power", "power off"},
        {"power-cycle", "states/power", "rebooting"},
        {"shutdown", "states/power", "soft power off"},
        {"restart", "states/power", "soft rebooting"},
        {"manage", "states/provision", "manage"},
        {"provide", "states/provision", "provide"},
        {"undeploy", "states/provision", "deleted"},
        {"provision", "states/provision", "active"},
    };
    const char *verb = req->action->verb, *id = req->target_id;
    char *path;
    int rc;

    if (os->endpoint[OS_SVC_BAREMETAL] == NULL ||
        (os->node_ids != NULL && json_object_get(os->node_ids, id) == NULL &&
         strchr(id, '-') == NULL))
        return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "host '%s' is a hypervisor: '%s' needs a "
                          "bare-metal (Ironic) node", req->target_name, verb);
    if (strcmp(verb, "maintenance-on") == 0) {
        const char *reason = params_get(req->params, "reason");
        return node_put(os, id, "maintenance",
                        json_pack("{s:s}", "reason", reason != NULL ? reason : "racktop"), err);
    }
    if (strcmp(verb, "maintenance-off") == 0) {
        path = xasprintf("/v1/nodes/%s/maintenance", id);
        rc = os_call(os, OS_SVC_BAREMETAL, "DELETE", path, NULL, NULL, err);
        free(path);
        return rc;
    }
    if (strcmp(verb, "provision") == 0) {
        json_t *patch = json_pack("[{s:s,s:s,s:s}]", "op", "add", "path",
                                  "/instance_info/image_source", "value",
                                  params_get(req->params, "image"));
        if (params_get(req->params, "name") != NULL)
            json_array_append_new(patch, json_pack("{s:s,s:s,s:s}", "op", "add", "path",
                                                   "/instance_info/display_name", "value",
                                                   params_get(req->params, "name")));
        path = xasprintf("/v1/nodes/%s", id);
        rc = os_call(os, OS_SVC_BAREMETAL, "PATCH", path, patch, NULL, err);
        json_decref(patch);
        free(path);
        if (rc < 0)
            return -1;
    }
    if (os_node_verb_is_ours(verb))
        return os_node_provision(os, req, task_ref, err);
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(map[i].verb, verb) != 0)
            continue;
        if (node_put(os, id, map[i].kind, json_pack("{s:s}", "target", map[i].target), err) < 0)
            return -1;
        *task_ref = ref("node", id, verb);
        return 0;
    }
    return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "provider '%s' cannot '%s' hosts",
                      provider_name(os->p), verb);
}

static int volume_action(struct os *os, const char *id, json_t *body, struct rt_error *err)
{
    char *path = xasprintf("/volumes/%s/action", id);
    int rc = post(os, OS_SVC_VOLUME, path, body, NULL, err);

    free(path);
    return rc;
}

static int act_volume(struct os *os, const struct act_request *req, char **task_ref,
                      struct rt_error *err)
{
    const char *verb = req->action->verb, *id = req->target_id;
    const struct params *pp = req->params;
    char *tmp = NULL, *path = NULL;
    struct os_reply rep = {0};
    int rc = -1;

    if (strcmp(verb, "create") == 0) {
        json_t *v = json_pack("{s:s,s:I}", "name", req->target_id, "size",
                              (json_int_t)params_get_int(pp, "size_gb", 1));
        if (params_get(pp, "zone") != NULL)
            json_object_set_new(v, "availability_zone", json_string(params_get(pp, "zone")));
        if (params_get(pp, "volume_type") != NULL)
            json_object_set_new(v, "volume_type", json_string(params_get(pp, "volume_type")));
        if (params_get(pp, "image") != NULL) {
            if ((tmp = resolve_image(os, params_get(pp, "image"), err)) == NULL) {
                json_decref(v);
                goto out;
            }
            json_object_set_new(v, "imageRef", json_string(tmp));
        } else if (params_get(pp, "snapshot") != NULL) {
            if ((tmp = resolve_snapshot(os, params_get(pp, "snapshot"), err)) == NULL) {
                json_decref(v);
                goto out;
            }
            json_object_set_new(v, "snapshot_id", json_string(tmp));
        }
        if (post(os, OS_SVC_VOLUME, "/volumes", json_pack("{s:o}", "volume", v), &rep, err) < 0)
            goto out;
        if (js(json_object_get(rep.doc, "volume"), "id") == NULL) {
            rt_err_set(err, RT_ERR_PARSE, 0, "block_storage POST /volumes: no volume id in the "
                       "reply (request id %s)", rep.request_id ? rep.request_id : "none");
            goto out;
        }
        *task_ref = ref("volume", js(json_object_get(rep.doc, "volume"), "id"), verb);
        rc = 0;
    } else if (strcmp(verb, "extend") == 0) {
        rc = volume_action(os, id, json_pack("{s:{s:I}}", "os-extend", "new_size",
                                             (json_int_t)params_get_int(pp, "size_gb", 0)), err);
    } else if (strcmp(verb, "delete") == 0) {
        path = xasprintf("/volumes/%s", id);
        rc = os_call(os, OS_SVC_VOLUME, "DELETE", path, NULL, NULL, err);
    } else if (strcmp(verb, "snapshot") == 0) {
        if (post(os, OS_SVC_VOLUME, "/snapshots",
                 json_pack("{s:{s:s,s:s,s:b}}", "snapshot", "volume_id", id, "name",
                           params_get(pp, "name"), "force", 1), &rep, err) < 0)
            goto out;
        if (js(json_object_get(rep.doc, "snapshot"), "id") != NULL)
            *task_ref = ref("snapshot", js(json_object_get(rep.doc, "snapshot"), "id"), "create");
        rc = 0;
        goto out;
    } else if (strcmp(verb, "revert") == 0) {
        if ((tmp = resolve_snapshot(os, params_get(pp, "snapshot"), err)) == NULL)
            goto out;
        rc = volume_action(os, id, json_pack("{s:{s:s}}", "revert", "snapshot_id", tmp), err);
    } else if (strcmp(verb, "attach") == 0) {
        if ((tmp = resolve_server(os, params_get(pp, "instance"), err)) == NULL)
            goto out;
        path = xasprintf("/servers/%s/os-volume_attachments", tmp);
        rc = post(os, OS_SVC_COMPUTE, path,
                  json_pack("{s:{s:s}}", "volumeAttachment", "volumeId", id), NULL, err);
    } else if (strcmp(verb, "detach") == 0) {
        json_t *vol = NULL;
        char *vp = xasprintf("/volumes/%s", id);
        const char *srv;
        rc = get_one(os, OS_SVC_VOLUME, vp, "volume", &vol, err);
        free(vp);
        if (rc < 0)
            goto out;
        srv = js(json_array_get(json_object_get(vol, "attachments"), 0), "server_id");
        if (srv == NULL) {
            json_decref(vol);
            rc = rt_err_set(err, RT_ERR_CONFLICT, 409, "volume '%s' is not attached",
                            req->target_name);
            goto out;
        }
        path = xasprintf("/servers/%s/os-volume_attachments/%s", srv, id);
        json_decref(vol);
        rc = os_call(os, OS_SVC_COMPUTE, "DELETE", path, NULL, NULL, err);
    } else {
        rc = rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "provider '%s' cannot '%s' volumes",
                        provider_name(os->p), verb);
        goto out;
    }
    if (rc == 0 && *task_ref == NULL)
        *task_ref = ref("volume", id, verb);
out:
    os_reply_done(&rep);
    free(tmp);
    free(path);
    return rc;
}

static int act_snapshot(struct os *os, const struct act_request *req, char **task_ref,
                        struct rt_error *err)
{
    const char *verb = req->action->verb, *id = req->target_id;
    char *path;
    int rc;

    if (strcmp(verb, "delete") == 0) {
        path = xasprintf("/snapshots/%s", id);
        rc = os_call(os, OS_SVC_VOLUME, "DELETE", path, NULL, NULL, err);
        free(path);
        if (rc == 0)
            *task_ref = ref("snapshot", id, verb);
        return rc;
    }
    if (strcmp(verb, "restore") == 0) {
        json_t *snap = NULL;
        char *vol;
        path = xasprintf("/snapshots/%s", id);
        rc = get_one(os, OS_SVC_VOLUME, path, "snapshot", &snap, err);
        free(path);
        if (rc < 0)
            return -1;
        vol = xstrdup(js(snap, "volume_id"));
        json_decref(snap);
        if (vol == NULL)
            return rt_err_set(err, RT_ERR_PARSE, 0, "snapshot '%s' names no volume", id);
        rc = volume_action(os, vol, json_pack("{s:{s:s}}", "revert", "snapshot_id", id), err);
        if (rc == 0)
            *task_ref = ref("volume", vol, "revert");
        free(vol);
        return rc;
    }
    return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "provider '%s' cannot '%s' snapshots",
                      provider_name(os->p), verb);
}

static int act_secgroup(struct os *os, const struct act_request *req, struct rt_error *err)
{
    const char *verb = req->action->verb, *id = req->target_id;
    const struct params *pp = req->params;
    char *path = NULL, *srv = NULL;
    int rc = -1;

    if (strcmp(verb, "create") == 0) {
        json_t *sg = json_pack("{s:s}", "name", req->target_id);
        if (params_get(pp, "description") != NULL)
            json_object_set_new(sg, "description", json_string(params_get(pp, "description")));
        rc = post(os, OS_SVC_NETWORK, "/v2.0/security-groups",
                  json_pack("{s:o}", "security_group", sg), NULL, err);
    } else if (strcmp(verb, "delete") == 0) {
        path = xasprintf("/v2.0/security-groups/%s", id);
        rc = os_call(os, OS_SVC_NETWORK, "DELETE", path, NULL, NULL, err);
    } else if (strcmp(verb, "add-rule") == 0) {
        const char *proto = params_get(pp, "protocol"), *port = params_get(pp, "port");
        const char *remote = params_get(pp, "remote"), *eth = params_get(pp, "ethertype");
        json_t *rule = json_pack("{s:s,s:s}", "security_group_id", id, "direction",
                                 params_get(pp, "direction"));
        int lo, hi;
        if (proto != NULL && strcmp(proto, "any") != 0)
            json_object_set_new(rule, "protocol", json_string(proto));
        if (port != NULL && strcmp(port, "any") != 0 && param_parse_port(port, &lo, &hi) == 0) {
            json_object_set_new(rule, "port_range_min", json_integer(lo));
            json_object_set_new(rule, "port_range_max", json_integer(hi));
        }
        if (params_get(pp, "remote_group") != NULL) {
            char *g = resolve(os, OS_SVC_NETWORK, "/v2.0/security-groups/%s",
                              "/v2.0/security-groups", "security_group", "security_groups",
                              "security group", params_get(pp, "remote_group"), err);
            if (g == NULL) {
                json_decref(rule);
                goto out;
            }
            json_object_set_new(rule, "remote_group_id", json_string(g));
            free(g);
        } else if (remote != NULL && strncmp(remote, "group:", 6) == 0)
            json_object_set_new(rule, "remote_group_id", json_string(remote + 6));
        else if (remote != NULL)
            json_object_set_new(rule, "remote_ip_prefix", json_string(remote));
        json_object_set_new(rule, "ethertype",
                            json_string(eth != NULL ? eth
                                        : remote != NULL && strchr(remote, ':') != NULL &&
                                                  strncmp(remote, "group:", 6) != 0
                                            ? "IPv6" : "IPv4"));
        rc = post(os, OS_SVC_NETWORK, "/v2.0/security-group-rules",
                  json_pack("{s:o}", "security_group_rule", rule), NULL, err);
    } else if (strcmp(verb, "remove-rule") == 0) {
        char *e = http_url_escape(params_get(pp, "rule"));
        path = xasprintf("/v2.0/security-group-rules/%s", e);
        free(e);
        rc = os_call(os, OS_SVC_NETWORK, "DELETE", path, NULL, NULL, err);
    } else if (strcmp(verb, "attach") == 0 || strcmp(verb, "detach") == 0) {
        if ((srv = resolve_server(os, params_get(pp, "instance"), err)) == NULL)
            goto out;
        rc = server_action(os, srv,
                           json_pack("{s:{s:s}}", strcmp(verb, "attach") == 0
                                                      ? "addSecurityGroup" : "removeSecurityGroup",
                                     "name", req->target_name), err);
    } else {
        rc = rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "provider '%s' cannot '%s' security groups",
                        provider_name(os->p), verb);
    }
out:
    free(path);
    free(srv);
    return rc;
}

static int os_act(struct provider *p, const struct act_request *req, char **task_ref,
                  struct rt_error *err)
{
    struct os *os = provider_priv(p);

    *task_ref = NULL;
    os_discover(os, err);
    switch (req->action->kind) {
    case RES_KIND_INSTANCE:
        return act_instance(os, req, task_ref, err);
    case RES_KIND_HOST:
        return act_host(os, req, task_ref, err);
    case RES_KIND_VOLUME:
        return act_volume(os, req, task_ref, err);
    case RES_KIND_SNAPSHOT:
        return act_snapshot(os, req, task_ref, err);
    case RES_KIND_SECGROUP:
        return act_secgroup(os, req, err);
    case RES_KIND_PORT:
    case RES_KIND_FLOATINGIP:
        return os_neutron_act(os, req, err);
    default:
        return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "provider '%s' cannot '%s' %s",
                          provider_name(p), req->action->verb, res_kind_plural(req->action->kind));
    }
}

/* ---- task progress -------------------------------------------------------------------------- */

void os_prog_set(struct task_progress *out, enum task_state st, int pct, const char *fmt, ...)
{
    va_list ap;

    out->state = st;
    out->progress = pct;
    va_start(ap, fmt);
    vsnprintf(out->message, sizeof out->message, fmt, ap);
    va_end(ap);
}

static int poll_server(struct os *os, const char *id, const char *verb, struct task_progress *out,
                       struct rt_error *err)
{
    json_t *srv = NULL;
    struct rt_error e2 = {0};
    char *path = xasprintf("/servers/%s", id);
    const char *st, *task;
    int pct;

    if (get_one(os, OS_SVC_COMPUTE, path, "server", &srv, &e2) < 0) {
        free(path);
        if (e2.code == RT_ERR_NOT_FOUND && strcmp(verb, "delete") == 0) {
            os_prog_set(out, TASK_SUCCEEDED, 100, "deleted");
            return 0;
        }
        if (e2.code == RT_ERR_NOT_FOUND) {
            os_prog_set(out, TASK_FAILED, -1, "the instance is gone");
            return 0;
        }
        rt_err_copy(err, &e2);
        return -1;
    }
    free(path);
    st = js(srv, "status");
    task = js(srv, "OS-EXT-STS:task_state");
    pct = json_is_integer(json_object_get(srv, "progress"))
              ? (int)json_integer_value(json_object_get(srv, "progress")) : -1;
    if (st != NULL && strcmp(st, "ERROR") == 0) {
        const char *f = js(json_object_get(srv, "fault"), "message");
        os_prog_set(out, TASK_FAILED, -1, "ERROR%s%s", f ? ": " : "", f ? f : "");
    } else if (task != NULL) {
        os_prog_set(out, TASK_RUNNING, pct, "%s (%s)", task, st ? st : "?");
    } else if (strcmp(verb, "delete") == 0) {
        os_prog_set(out, TASK_RUNNING, pct, "deleting (%s)", st ? st : "?");
    } else if (st != NULL && (strcmp(st, "BUILD") == 0 || os_server_status(st) == RES_STATUS_BUSY)) {
        os_prog_set(out, TASK_RUNNING, pct, "%s", st);
    } else if ((strcmp(verb, "resize") == 0 || strcmp(verb, "migrate") == 0) &&
               strcmp(st ? st : "", "VERIFY_RESIZE") == 0) {
        os_prog_set(out, TASK_SUCCEEDED, 100, "VERIFY_RESIZE: confirm or revert the resize");
    } else if (strcmp(verb, "stop") == 0 && strcmp(st ? st : "", "SHUTOFF") != 0) {
        os_prog_set(out, TASK_RUNNING, pct, "stopping (%s)", st ? st : "?");
    } else if (strcmp(verb, "start") == 0 && strcmp(st ? st : "", "ACTIVE") != 0) {
        os_prog_set(out, TASK_RUNNING, pct, "starting (%s)", st ? st : "?");
    } else {
        os_prog_set(out, TASK_SUCCEEDED, 100, "%s", st ? st : "done");
    }
    json_decref(srv);
    return 0;
}

/*
 * A multiple create (task "reservation:R:create/N"): every server of reservation R, listed
 * with GET /servers/detail?reservation_id=R, paged like any listing (a count above the
 * page size, or above Nova's max_limit, is more than one page).  Running while any is
 * building (a server
 * not listed yet counts as building until none is); succeeded when all N are ACTIVE;
 * failed once none builds any more and some ended in ERROR (their fault messages) or are
 * gone.
 */
static int poll_reservation(struct os *os, const char *resv, const char *verb,
                            struct task_progress *out, struct rt_error *err)
{
    struct strbuf faults = STRBUF_INIT;
    char *e = http_url_escape(resv), *path = xasprintf("/servers/detail?reservation_id=%s", e);
    long n = 0;
    size_t i, listed, missing, active = 0, failed = 0, building = 0, pct_sum = 0;
    json_t *arr = json_array(), *srv;

    free(e);
    if (sscanf(verb, "create/%ld", &n) != 1 || n < 1) {
        free(path);
        json_decref(arr);
        return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "unknown task reference 'reservation:%s:%s'",
                          resv, verb);
    }
    if (fetch_all(os, OS_SVC_COMPUTE, path, "servers", "id", arr, err) < 0) {
        free(path);
        json_decref(arr);
        return -1;
    }
    free(path);
    listed = json_array_size(arr);
    json_array_foreach(arr, i, srv) {
        const char *st = js(srv, "status"), *task = js(srv, "OS-EXT-STS:task_state");
        json_t *pr = json_object_get(srv, "progress");

        if (st != NULL && strcmp(st, "ERROR") == 0) {
            const char *f = js(json_object_get(srv, "fault"), "message");
            const char *name = js(srv, "name");
            failed++;
            strbuf_addf(&faults, "%s%s: %s", faults.len ? "; " : "",
                        name ? name : (js(srv, "id") ? js(srv, "id") : "?"),
                        f ? f : "no fault message");
        } else if (st != NULL && strcmp(st, "ACTIVE") == 0 && task == NULL) {
            active++;
            pct_sum += 100;
        } else if (task != NULL || st == NULL || strcmp(st, "BUILD") == 0 ||
                   os_server_status(st) == RES_STATUS_BUSY) {
            building++;
            if (json_is_integer(pr))
                pct_sum += (size_t)json_integer_value(pr);
        } else {
            /* settled, but not ACTIVE (stopped, deleted meanwhile, ...) */
            const char *name = js(srv, "name");
            failed++;
            strbuf_addf(&faults, "%s%s: %s", faults.len ? "; " : "", name ? name : "?", st);
        }
    }
    missing = listed < (size_t)n ? (size_t)n - listed : 0;
    if (listed == 0) {
        os_prog_set(out, TASK_FAILED, -1, "the %ld instances are gone", n);
    } else if (building > 0) {
        os_prog_set(out, TASK_RUNNING, (int)(pct_sum / (size_t)n), "%zu/%ld ACTIVE, %zu building%s",
                    active, n, building, failed ? ", some in ERROR" : "");
    } else if (failed > 0 || missing > 0) {
        char gone[48] = "";
        if (missing > 0)
            snprintf(gone, sizeof gone, ", %zu gone", missing);
        os_prog_set(out, TASK_FAILED, -1, "%zu/%ld ACTIVE, %zu failed%s%s%s", active, n, failed,
                    gone, faults.len ? ": " : "", faults.len ? faults.buf : "");
    } else {
        os_prog_set(out, TASK_SUCCEEDED, 100, "%zu/%ld ACTIVE", active, n);
    }
    strbuf_done(&faults);
    json_decref(arr);
    return 0;
}

static int poll_node(struct os *os, const char *id, const char *verb, struct task_progress *out,
                     struct rt_error *err)
{
    json_t *n = NULL;
    char *path = xasprintf("/v1/nodes/%s", id);
    const char *prov, *tprov, *tpow, *le;
    int rc = get_one(os, OS_SVC_BAREMETAL, path, NULL, &n, err);

    free(path);
    if (rc < 0)
        return -1;
    if (os_node_poll_verb(n, verb, out)) {
        json_decref(n);
        return 0;
    }
    prov = js(n, "provision_state");
    tprov = js(n, "target_provision_state");
    tpow = js(n, "target_power_state");
    le = js(n, "last_error");
    if (os_node_status(prov, NULL, NULL, 0) == RES_STATUS_ERROR) {
        os_prog_set(out, TASK_FAILED, -1, "%s: %s", prov, le ? le : "no error text");
    } else if (tprov != NULL) {
        const char *step = js(json_object_get(n, "deploy_step"), "step");
        if (step == NULL)
            step = js(json_object_get(n, "clean_step"), "step");
        os_prog_set(out, TASK_RUNNING, -1, "%s -> %s%s%s", prov ? prov : "?", tprov,
                 step ? ", step " : "", step ? step : "");
    } else if (tpow != NULL) {
        os_prog_set(out, TASK_RUNNING, -1, "%s -> %s", js(n, "power_state") ? js(n, "power_state") : "?", tpow);
    } else if (le != NULL && *le && strncmp(verb, "power", 5) == 0) {
        os_prog_set(out, TASK_FAILED, -1, "%s", le);
    } else {
        os_prog_set(out, TASK_SUCCEEDED, 100, "%s, %s", prov ? prov : "?",
                 js(n, "power_state") ? js(n, "power_state") : "?");
    }
    json_decref(n);
    return 0;
}

static int poll_cinder(struct os *os, const char *what, const char *id, const char *verb,
                       struct task_progress *out, struct rt_error *err)
{
    json_t *o = NULL;
    struct rt_error e2 = {0};
    int is_vol = strcmp(what, "volume") == 0;
    char *path = xasprintf(is_vol ? "/volumes/%s" : "/snapshots/%s", id);
    const char *st;

    if (get_one(os, OS_SVC_VOLUME, path, is_vol ? "volume" : "snapshot", &o, &e2) < 0) {
        free(path);
        if (e2.code == RT_ERR_NOT_FOUND) {
            os_prog_set(out, strcmp(verb, "delete") == 0 ? TASK_SUCCEEDED : TASK_FAILED, -1,
                     strcmp(verb, "delete") == 0 ? "deleted" : "the %s is gone", what);
            return 0;
        }
        rt_err_copy(err, &e2);
        return -1;
    }
    free(path);
    st = js(o, "status");
    if (st == NULL)
        os_prog_set(out, TASK_RUNNING, -1, "no status");
    else if (strncmp(st, "error", 5) == 0)
        os_prog_set(out, TASK_FAILED, -1, "%s", st);
    else if (strcmp(st, "available") == 0 || strcmp(st, "in-use") == 0) {
        if (strcmp(verb, "attach") == 0 && strcmp(st, "in-use") != 0)
            os_prog_set(out, TASK_RUNNING, -1, "attaching (%s)", st);
        else if (strcmp(verb, "detach") == 0 && strcmp(st, "available") != 0)
            os_prog_set(out, TASK_RUNNING, -1, "detaching (%s)", st);
        else if (strcmp(verb, "delete") == 0)
            os_prog_set(out, TASK_RUNNING, -1, "deleting (%s)", st);
        else
            os_prog_set(out, TASK_SUCCEEDED, 100, "%s", st);
    } else {
        os_prog_set(out, TASK_RUNNING, -1, "%s", st);
    }
    json_decref(o);
    return 0;
}

static int poll_image(struct os *os, const char *id, struct task_progress *out,
                      struct rt_error *err)
{
    json_t *o = NULL;
    char *path = xasprintf("/v2/images/%s", id);
    const char *st;
    int rc = get_one(os, OS_SVC_IMAGE, path, NULL, &o, err);

    free(path);
    if (rc < 0)
        return -1;
    st = js(o, "status");
    if (st != NULL && strcmp(st, "active") == 0)
        os_prog_set(out, TASK_SUCCEEDED, 100, "image %s active", id);
    else if (st != NULL && (strcmp(st, "killed") == 0 || strcmp(st, "deleted") == 0))
        os_prog_set(out, TASK_FAILED, -1, "image %s %s", id, st);
    else
        os_prog_set(out, TASK_RUNNING, -1, "image %s", st ? st : "?");
    json_decref(o);
    return 0;
}

static int os_task_poll(struct provider *p, const char *task_ref, struct task_progress *out,
                        struct rt_error *err)
{
    struct os *os = provider_priv(p);
    char what[16], id[128], verb[32];
    int rc;

    memset(out, 0, sizeof *out);
    out->progress = -1;
    if (sscanf(task_ref, "%15[^:]:%127[^:]:%31s", what, id, verb) != 3)
        return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "unknown task reference '%s'", task_ref);
    os_discover(os, err);
    if (strcmp(what, "server") == 0)
        rc = poll_server(os, id, verb, out, err);
    else if (strcmp(what, "node") == 0)
        rc = poll_node(os, id, verb, out, err);
    else if (strcmp(what, "volume") == 0 || strcmp(what, "snapshot") == 0)
        rc = poll_cinder(os, what, id, verb, out, err);
    else if (strcmp(what, "image") == 0)
        rc = poll_image(os, id, out, err);
    else if (strcmp(what, "reservation") == 0)
        rc = poll_reservation(os, id, verb, out, err);
    else
        return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "unknown task reference '%s'", task_ref);
    return rc;
}

/* ---- open / close --------------------------------------------------------------------------- */

static const char *const provider_keys[] = {"cloud", "region", "interface", "page_size",
                                            "concurrency", "request_timeout", "all_projects",
                                            NULL};

static int int_key(const struct ynode *node, const char *key, int dflt, int min, int max,
                   int *out, struct rt_error *err)
{
    const struct ynode *v = ynode_map_get(node, key);
    long long n;

    *out = dflt;
    if (v == NULL)
        return 0;
    if (ynode_scalar(v) == NULL || rt_parse_int(ynode_scalar(v), &n) < 0 || n < min || n > max)
        return ynode_err(err, v, "'%s' must be a whole number from %d to %d", key, min, max);
    *out = (int)n;
    return 0;
}

static uint64_t mask_of(enum res_kind k, const char *const *verbs)
{
    uint64_t m = 0;

    for (size_t i = 0; verbs[i] != NULL; i++) {
        const struct action_def *a = action_find(k, verbs[i]);
        if (a != NULL)
            m |= 1ULL << action_index(a);
    }
    return m;
}

static void set_caps(struct os *os)
{
    static const char *const inst[] = {"create", "start", "stop", "reboot", "hard-reboot",
                                       "delete", "rebuild", "resize", "confirm-resize",
                                       "revert-resize", "snapshot", "image", "migrate",
                                       "live-migrate", "evacuate", "lock", "unlock", "suspend",
                                       "resume", NULL};
    static const char *const host[] = {"power-on", "power-off", "power-cycle", "shutdown",
                                       "restart", "manage", "provide", "provision", "undeploy",
                                       "maintenance-on", "maintenance-off", "inspect", "clean",
                                       "abort", "rebuild", NULL};
    static const char *const vol[] = {"create", "extend", "delete", "snapshot", "revert",
                                      "attach", "detach", NULL};
    static const char *const snap[] = {"delete", "restore", NULL};
    static const char *const sg[] = {"create", "delete", "add-rule", "remove-rule", "attach",
                                     "detach", NULL};
    uint32_t kinds = RT_KIND_BIT(RES_KIND_REGION);
    uint64_t acts = 0;

    if (os->endpoint[OS_SVC_COMPUTE] != NULL) {
        kinds |= RT_KIND_BIT(RES_KIND_INSTANCE) | RT_KIND_BIT(RES_KIND_HOST) |
                 RT_KIND_BIT(RES_KIND_FLAVOR) | RT_KIND_BIT(RES_KIND_KEYPAIR) |
                 RT_KIND_BIT(RES_KIND_SERVERGROUP) | RT_KIND_BIT(RES_KIND_ZONE);
        acts |= mask_of(RES_KIND_INSTANCE, inst);
    }
    if (os->endpoint[OS_SVC_BAREMETAL] != NULL) {
        kinds |= RT_KIND_BIT(RES_KIND_HOST);
        acts |= mask_of(RES_KIND_HOST, host);
        /* Provision verbs by Ironic microversion: inspect 1.6, abort 1.13, clean 1.15. */
        if (os->ironic_mv_minor > 0 && os->ironic_mv_minor < 15)
            acts &= ~mask_of(RES_KIND_HOST, (const char *const[]){"clean", NULL});
        if (os->ironic_mv_minor > 0 && os->ironic_mv_minor < 13)
            acts &= ~mask_of(RES_KIND_HOST, (const char *const[]){"abort", NULL});
        if (os->ironic_mv_minor > 0 && os->ironic_mv_minor < 6)
            acts &= ~mask_of(RES_KIND_HOST, (const char *const[]){"inspect", NULL});
    }
    if (os->endpoint[OS_SVC_VOLUME] != NULL) {
        kinds |= RT_KIND_BIT(RES_KIND_VOLUME) | RT_KIND_BIT(RES_KIND_SNAPSHOT);
        acts |= mask_of(RES_KIND_VOLUME, vol) | mask_of(RES_KIND_SNAPSHOT, snap);
        if (os->endpoint[OS_SVC_COMPUTE] == NULL)
            acts &= ~mask_of(RES_KIND_VOLUME, (const char *const[]){"attach", "detach", NULL});
        if (os->cinder_mv_minor > 0 && os->cinder_mv_minor < 40)
            acts &= ~(mask_of(RES_KIND_VOLUME, (const char *const[]){"revert", NULL}) |
                      mask_of(RES_KIND_SNAPSHOT, (const char *const[]){"restore", NULL}));
    }
    if (os->endpoint[OS_SVC_NETWORK] != NULL) {
        kinds |= RT_KIND_BIT(RES_KIND_SECGROUP);
        acts |= mask_of(RES_KIND_SECGROUP, sg);
        if (os->endpoint[OS_SVC_COMPUTE] == NULL)
            acts &= ~mask_of(RES_KIND_SECGROUP, (const char *const[]){"attach", "detach", NULL});
    }
    if (os->endpoint[OS_SVC_IMAGE] != NULL)
        kinds |= RT_KIND_BIT(RES_KIND_IMAGE);
    os_neutron_caps(os, &kinds, &acts);
    provider_set_caps(os->p, kinds, acts);
}

static void os_close(struct provider *p)
{
    struct os *os = provider_priv(p);

    http_multi_free(os->http);
    os->http = NULL;
    os_cloud_done(&os->cloud);
    if (os->token != NULL) {
        memset(os->token, 0, strlen(os->token));
        free(os->token);
        os->token = NULL;
    }
    free(os->project_id);
    os->project_id = NULL;
    json_decref(os->catalog);
    os->catalog = NULL;
    for (int s = 0; s < OS_SVC__COUNT; s++) {
        free(os->endpoint[s]);
        os->endpoint[s] = NULL;
    }
    free(os->servers_since);
    os->servers_since = NULL;
    /* The servers' cache is the bulk of what the provider holds: left to the kernel when
     * the process only closes the provider because its command ends (xalloc.h). */
    if (xalloc_must_free()) {
        drop_kept(os);
        free(os->kept);
        hmap_free(os->servers);
    }
    os->nkept = 0;
    os->kept = NULL;
    os->kept_cap = 0;
    os->servers = NULL;
    json_decref(os->node_ids);
    os->node_ids = NULL;
}

static enum prov_open os_open(struct provider *p, const struct config_provider *cp,
                              struct rt_error *err)
{
    struct os *os = provider_priv(p);
    const struct ynode *node = cp != NULL ? cp->node : NULL;
    const char *cloud = ynode_map_get_scalar(node, "cloud");
    const char *v;
    struct http_opts ho = {0};
    int conc = 0, timeout_s = 0;
    struct rt_error e2 = {0};

    os->p = p;
    if (config_provider_check_keys(cp, provider_keys, err) < 0)
        return PROV_OPEN_ERROR;
    if (int_key(node, "page_size", 1000, 1, 10000, &os->page_size, err) < 0 ||
        int_key(node, "concurrency", 8, 1, 256, &conc, err) < 0 ||
        int_key(node, "request_timeout", 30, 1, 3600, &timeout_s, err) < 0)
        return PROV_OPEN_ERROR;
    if (ynode_map_get(node, "all_projects") != NULL) {
        if (ynode_bool(ynode_map_get(node, "all_projects"), &os->all_projects) < 0) {
            ynode_err(err, ynode_map_get(node, "all_projects"), "'all_projects' must be true or "
                      "false");
            return PROV_OPEN_ERROR;
        }
    } else {
        os->all_projects = 1;
    }
    if (os_cloud_load(cloud, &os->cloud, &e2) < 0) {
        rt_err_set(err, e2.code, e2.detail, "provider '%s': %s", provider_name(p), e2.msg);
        return PROV_OPEN_ERROR;
    }
    if ((v = ynode_map_get_scalar(node, "region")) != NULL) {
        free(os->cloud.region);
        os->cloud.region = xstrdup(v);
    }
    if ((v = ynode_map_get_scalar(node, "interface")) != NULL) {
        if (strcmp(v, "public") != 0 && strcmp(v, "internal") != 0 && strcmp(v, "admin") != 0) {
            ynode_err(err, ynode_map_get(node, "interface"), "'interface' must be public, "
                      "internal or admin");
            os_close(p);
            return PROV_OPEN_ERROR;
        }
        free(os->cloud.interface);
        os->cloud.interface = xstrdup(v);
    }
    /* Not an error, but never to be forgotten: the dashboard shows it as long as it lasts. */
    provider_set_warning(p, os->cloud.verify ? NULL : "TLS verification off (verify: false)");
    os->req_timeout_ms = (long)timeout_s * 1000;
    ho.max_total = conc * 4;
    ho.max_per_host = conc;
    ho.timeout_ms = os->req_timeout_ms;
    ho.retries = 3;
    ho.cacert = os->cloud.cacert;
    /* A page of 1 000 servers is 2 MB: read it 100 KiB a call, as the curl tool does,
     * not 16 KiB (a sixth of the system calls and of the write callbacks). */
    ho.recv_buffer = 100 << 10;
    os->http = http_multi_new(&ho);
    if (os_auth(os, &e2) < 0) {
        rt_err_set(err, e2.code, e2.detail, "provider '%s' (cloud '%s'): %s", provider_name(p),
                   os->cloud.name, e2.msg);
        os_close(p);
        return PROV_OPEN_ERROR;
    }
    os_discover(os, NULL);
    set_caps(os);
    return PROV_OPEN_OK;
}

const struct provider_ops prov_openstack_ops = {
    .name = "openstack",
    .priv_size = sizeof(struct os),
    .kinds = RT_KIND_BIT(RES_KIND_INSTANCE) | RT_KIND_BIT(RES_KIND_HOST) |
             RT_KIND_BIT(RES_KIND_VOLUME) | RT_KIND_BIT(RES_KIND_SNAPSHOT) |
             RT_KIND_BIT(RES_KIND_SECGROUP) | RT_KIND_BIT(RES_KIND_IMAGE) |
             RT_KIND_BIT(RES_KIND_FLAVOR) | RT_KIND_BIT(RES_KIND_KEYPAIR) |
             RT_KIND_BIT(RES_KIND_SERVERGROUP) | RT_KIND_BIT(RES_KIND_ZONE) |
             RT_KIND_BIT(RES_KIND_REGION) | RT_KIND_BIT(RES_KIND_PORT) |
             RT_KIND_BIT(RES_KIND_FLOATINGIP) | RT_KIND_BIT(RES_KIND_NETWORK),
    .actions = 0, /* set in open() from the endpoints found */
    .open = os_open,
    .close = os_close,
    .list = os_list,
    .get = os_get,
    .act = os_act,
    .task_poll = os_task_poll,
    .detail = os_detail,
};
