/*
 * openstack_auth.c - Keystone v3 tokens, the service catalog, microversion
 * discovery and os_call(), the single request path of the provider.
 *
 * Auth: password (user and project by name or id, with their domains) or an
 * application credential; the token (X-Subject-Token) is held in memory only
 * and renewed a minute before it expires, or once when a request gets a 401
 * (the request is then sent again, so the caller never sees the 401).  With
 * auth_type none there is no token and every endpoint must come from a
 * <service>_endpoint_override.
 *
 * Endpoints: override first, else the catalog entry of the service type (the
 * aliases openstacksdk knows, e.g. block-storage/volumev3) for the cloud's
 * interface and region.  Microversions: each service's version document is
 * read once, on first use, and the newest version both sides support is sent
 * on every request of that service; a service without a version document is
 * spoken to at its base version.
 *
 * Every request goes through the provider's one http_multi (core/http.c):
 * os_call() submits and drives it to completion on the worker thread, so
 * connections are reused, per-host limits and 429/503 Retry-After handling
 * come from the shared engine.
 */
#include "openstack_priv.h"

#include "core/err.h"
#include "core/http.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "core/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The newest microversions this client understands. */
#define NOVA_MAX_MINOR 100
#define CINDER_MAX_MINOR 71
#define IRONIC_MAX_MINOR 92

void os_reply_done(struct os_reply *r)
{
    json_decref(r->doc);
    free(r->body);
    free(r->request_id);
    free(r->location);
    memset(r, 0, sizeof *r);
}

static void wipe(char *s)
{
    if (s != NULL) {
        volatile char *v = s;
        while (*v != '\0')
            *v++ = '\0';
        free(s);
    }
}

/* ---- raw requests ---------------------------------------------------------------------- */

struct pending {
    int done;
    long status;
    char *body;
    size_t body_len;
    char *request_id;
    char *location;
    char *subject_token;
    int err_code;
    long err_detail;
    char err_msg[256];
};

static void pending_done(struct pending *pd)
{
    free(pd->body);
    free(pd->request_id);
    free(pd->location);
    wipe(pd->subject_token);
    memset(pd, 0, sizeof *pd);
}

static void on_done(void *ctx, const struct http_request *rq, const struct http_response *resp)
{
    struct pending *pd = ctx;

    (void)rq;
    pd->done = 1;
    pd->status = resp->status;
    pd->body = http_take_body(resp, &pd->body_len);
    pd->request_id = xstrdup(resp->request_id);
    pd->location = xstrdup(resp->location);
    pd->subject_token = xstrdup(resp->subject_token);
    pd->err_code = resp->err_code;
    pd->err_detail = resp->err_detail;
    snprintf(pd->err_msg, sizeof pd->err_msg, "%s", resp->err_msg);
}

static void add_mv(struct os *os, enum os_svc s, struct http_request *rq)
{
    char h[64];

    switch (s) {
    case OS_SVC_COMPUTE:
        if (os->nova_mv[0] != '\0') {
            snprintf(h, sizeof h, "compute %s", os->nova_mv);
            http_request_add_header(rq, "OpenStack-API-Version", h);
            http_request_add_header(rq, "X-OpenStack-Nova-API-Version", os->nova_mv);
        }
        break;
    case OS_SVC_VOLUME:
        if (os->cinder_mv[0] != '\0') {
            snprintf(h, sizeof h, "volume %s", os->cinder_mv);
            http_request_add_header(rq, "OpenStack-API-Version", h);
        }
        break;
    case OS_SVC_BAREMETAL:
        if (os->ironic_mv[0] != '\0')
            http_request_add_header(rq, "X-OpenStack-Ironic-API-Version", os->ironic_mv);
        break;
    default:
        break;
    }
}

/* Queue a request; on_done fills pd when the engine has run it (raw_wait()). */
static void raw_submit(struct os *os, enum os_svc s, const char *method, const char *url,
                       const char *body, int with_token, struct pending *pd)
{
    struct http_request *rq = http_request_new(method, url);

    memset(pd, 0, sizeof *pd);
    http_request_add_header(rq, "Accept", "application/json");
    http_request_add_header(rq, "User-Agent", "racktop");
    if (with_token && os->token != NULL)
        http_request_add_header(rq, "X-Auth-Token", os->token);
    add_mv(os, s, rq);
    if (body != NULL)
        http_request_set_body(rq, body, strlen(body), "application/json");
    if (!os->cloud.verify)
        http_request_set_tls(rq, 1, NULL, 0);
    os->n_requests++;
    http_submit(os->http, rq, on_done, pd);
}

/* Drive the engine until the request behind pd has completed. */
static void raw_wait(struct os *os, struct pending *pd)
{
    while (!pd->done && http_pending(os->http) > 0)
        http_run(os->http, rt_mono_ms() + os->req_timeout_ms * 4 + 1000);
    if (!pd->done) {
        pd->done = 1;
        pd->err_code = RT_ERR_INTERNAL;
        snprintf(pd->err_msg, sizeof pd->err_msg, "request was not run");
    }
}

static void raw_send(struct os *os, enum os_svc s, const char *method, const char *url,
                     const char *body, int with_token, struct pending *pd)
{
    raw_submit(os, s, method, url, body, with_token, pd);
    raw_wait(os, pd);
}

/* ---- error text ------------------------------------------------------------------------- */

static const char *msg_of(json_t *o)
{
    const char *m;

    if (!json_is_object(o))
        return NULL;
    if ((m = json_string_value(json_object_get(o, "message"))) != NULL && *m)
        return m;
    if ((m = json_string_value(json_object_get(o, "faultstring"))) != NULL && *m)
        return m;
    return NULL;
}

static void one_line(char *s)
{
    char *w = s;

    for (char *r = s; *r; r++) {
        unsigned char c = (unsigned char)*r;
        if (c < 0x20 || c == 0x7f) {
            if (w > s && w[-1] != ' ')
                *w++ = ' ';
        } else {
            *w++ = *r;
        }
    }
    while (w > s && w[-1] == ' ')
        w--;
    *w = '\0';
}

char *os_error_text(const char *body, long status)
{
    json_t *doc = body != NULL && *body ? json_loads(body, JSON_DECODE_ANY, NULL) : NULL;
    const char *m = NULL;
    char *out = NULL;
    const char *key;
    json_t *v;

    if (json_is_object(doc)) {
        m = msg_of(doc);
        if (m == NULL && (m = msg_of(json_object_get(doc, "error"))) == NULL &&
            (m = msg_of(json_object_get(doc, "NeutronError"))) == NULL) {
            /* Ironic: error_message is a JSON document in a string (or an object). */
            json_t *em = json_object_get(doc, "error_message");
            if (json_is_string(em)) {
                json_t *inner = json_loads(json_string_value(em), 0, NULL);
                if (msg_of(inner) != NULL)
                    out = xstrdup(msg_of(inner));
                else
                    out = xstrdup(json_string_value(em));
                json_decref(inner);
            } else if (msg_of(em) != NULL) {
                m = msg_of(em);
            } else {
                /* Nova/Cinder: {"itemNotFound": {"message": ..., "code": 404}} */
                json_object_foreach(doc, key, v) {
                    if ((m = msg_of(v)) != NULL)
                        break;
                }
            }
        }
        if (m == NULL && out == NULL && json_is_string(json_object_get(doc, "title")))
            m = json_string_value(json_object_get(doc, "title"));
    }
    if (out == NULL && m != NULL)
        out = xstrdup(m);
    if (out == NULL) {
        if (body != NULL && *body && !json_is_object(doc)) {
            /* Plain text or HTML (Glance, proxies): the first 160 characters. */
            out = xstrndup(body, strlen(body) > 160 ? 160 : strlen(body));
        } else {
            out = xasprintf("HTTP %ld", status);
        }
    }
    json_decref(doc);
    one_line(out);
    return out;
}

static int reply_error(struct os *os, enum os_svc s, const char *method, const char *url,
                       const struct pending *pd, struct rt_error *err)
{
    enum rt_err code = RT_ERR_HTTP;
    char *text;
    const char *path = url;
    char *origin = http_url_origin(url);

    (void)os;
    if (origin != NULL)
        path = url + strlen(origin);
    free(origin);
    if (pd->status == 0) {
        return rt_err_set(err, pd->err_code ? (enum rt_err)pd->err_code : RT_ERR_TRANSPORT,
                          pd->err_detail, "%s %s %s: %s", os_svc_name(s), method, path,
                          pd->err_msg);
    }
    text = os_error_text(pd->body, pd->status);
    if (pd->status == 404)
        code = RT_ERR_NOT_FOUND;
    else if (pd->status == 409)
        code = RT_ERR_CONFLICT;
    else if (pd->status == 401 || pd->status == 403)
        code = RT_ERR_AUTH;
    /* The backend's words and the request id first: a long path is what gets cut. */
    rt_err_set(err, code, pd->status, "%s: HTTP %ld: %.170s (request id %s; %s %s)",
               os_svc_name(s), pd->status, text,
               pd->request_id != NULL ? pd->request_id : "none", method, path);
    if (err != NULL)
        err->detail = pd->status;
    free(text);
    return -1;
}

/* ---- catalog ---------------------------------------------------------------------------- */

static const char *const *svc_types(enum os_svc s)
{
    static const char *const identity[] = {"identity", NULL};
    static const char *const compute[] = {"compute", NULL};
    static const char *const volume[] = {"block-storage", "volumev3", "volume", NULL};
    static const char *const network[] = {"network", NULL};
    static const char *const image[] = {"image", NULL};
    static const char *const baremetal[] = {"baremetal", NULL};
    static const char *const *const t[OS_SVC__COUNT] = {identity, compute, volume,
                                                         network, image, baremetal};
    return t[s];
}

static char *strip_slash(char *u)
{
    size_t n = strlen(u);

    while (n > 0 && u[n - 1] == '/')
        u[--n] = '\0';
    return u;
}

/* Replace $(project_id)s / %(project_id)s / %(tenant_id)s in an override URL. */
static char *subst_project(const char *url, const char *project)
{
    static const char *const pats[] = {"$(project_id)s", "%(project_id)s", "$(tenant_id)s",
                                       "%(tenant_id)s"};
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
        const char *p = strstr(url, pats[i]);
        if (p != NULL)
            return xasprintf("%.*s%s%s", (int)(p - url), url, project != NULL ? project : "",
                             p + strlen(pats[i]));
    }
    return xstrdup(url);
}

static void pick_endpoints(struct os *os)
{
    for (int s = 0; s < OS_SVC__COUNT; s++) {
        const char *const *types = svc_types((enum os_svc)s);
        free(os->endpoint[s]);
        os->endpoint[s] = NULL;
        if (os->cloud.override[s] != NULL) {
            os->endpoint[s] = strip_slash(subst_project(os->cloud.override[s], os->project_id));
            continue;
        }
        for (size_t t = 0; types[t] != NULL && os->endpoint[s] == NULL; t++) {
            size_t i;
            json_t *svc;
            json_array_foreach(os->catalog, i, svc) {
                size_t j;
                json_t *ep;
                if (json_string_value(json_object_get(svc, "type")) == NULL ||
                    strcmp(json_string_value(json_object_get(svc, "type")), types[t]) != 0)
                    continue;
                json_array_foreach(json_object_get(svc, "endpoints"), j, ep) {
                    const char *itf = json_string_value(json_object_get(ep, "interface"));
                    const char *reg = json_string_value(json_object_get(ep, "region_id"));
                    const char *reg2 = json_string_value(json_object_get(ep, "region"));
                    const char *url = json_string_value(json_object_get(ep, "url"));
                    if (url == NULL || itf == NULL || strcmp(itf, os->cloud.interface) != 0)
                        continue;
                    if (os->cloud.region != NULL &&
                        !((reg != NULL && strcmp(reg, os->cloud.region) == 0) ||
                          (reg2 != NULL && strcmp(reg2, os->cloud.region) == 0)))
                        continue;
                    os->endpoint[s] = strip_slash(xstrdup(url));
                    break;
                }
                if (os->endpoint[s] != NULL)
                    break;
            }
        }
    }
}

const char *os_endpoint(struct os *os, enum os_svc s, struct rt_error *err)
{
    if (os->endpoint[s] == NULL) {
        rt_err_set(err, RT_ERR_UNSUPPORTED, 0,
                   "cloud '%s' has no %s endpoint (interface %s%s%s)", os->cloud.name,
                   os_svc_name(s), os->cloud.interface, os->cloud.region ? ", region " : "",
                   os->cloud.region ? os->cloud.region : "");
        return NULL;
    }
    return os->endpoint[s];
}

/* ---- Keystone ---------------------------------------------------------------------------- */

static json_t *name_or_id(const char *name, const char *id)
{
    return id != NULL ? json_pack("{s:s}", "id", id) : json_pack("{s:s}", "name", name);
}

static json_t *domain_of(const char *name, const char *id)
{
    if (id == NULL && name == NULL)
        id = "default";
    return name_or_id(name, id);
}

static json_t *auth_body(const struct os_cloud *c)
{
    json_t *ident, *scope = NULL;

    if (strcmp(c->auth_type, "v3applicationcredential") == 0) {
        json_t *ac = name_or_id(c->app_cred_name, c->app_cred_id);
        json_object_set_new(ac, "secret", json_string(c->app_cred_secret));
        if (c->app_cred_id == NULL) {
            json_t *u = name_or_id(c->username, c->user_id);
            if (c->user_id == NULL)
                json_object_set_new(u, "domain", domain_of(c->user_domain_name,
                                                           c->user_domain_id));
            json_object_set_new(ac, "user", u);
        }
        ident = json_pack("{s:[s],s:o}", "methods", "application_credential",
                          "application_credential", ac);
    } else {
        json_t *u = name_or_id(c->username, c->user_id);
        if (c->user_id == NULL)
            json_object_set_new(u, "domain", domain_of(c->user_domain_name, c->user_domain_id));
        json_object_set_new(u, "password", json_string(c->password));
        ident = json_pack("{s:[s],s:{s:o}}", "methods", "password", "password", "user", u);
        if (c->project_id != NULL || c->project_name != NULL) {
            json_t *pr = name_or_id(c->project_name, c->project_id);
            if (c->project_id == NULL)
                json_object_set_new(pr, "domain",
                                    domain_of(c->project_domain_name != NULL
                                                  ? c->project_domain_name
                                                  : c->user_domain_name,
                                              c->project_domain_id != NULL
                                                  ? c->project_domain_id
                                                  : c->user_domain_id));
            scope = json_pack("{s:o}", "project", pr);
        }
    }
    return scope != NULL ? json_pack("{s:{s:o,s:o}}", "auth", "identity", ident, "scope", scope)
                         : json_pack("{s:{s:o}}", "auth", "identity", ident);
}

static int is_noauth(const struct os *os)
{
    return strcmp(os->cloud.auth_type, "none") == 0 || strcmp(os->cloud.auth_type, "noauth") == 0;
}

int os_auth(struct os *os, struct rt_error *err)
{
    json_t *body = NULL, *doc = NULL, *tok, *roles, *r;
    char *text = NULL, *url = NULL;
    struct pending pd;
    size_t i;
    int rc = -1;
    size_t n;

    if (is_noauth(os)) {
        if (os->endpoint[OS_SVC_BAREMETAL] == NULL && os->endpoint[OS_SVC_COMPUTE] == NULL)
            pick_endpoints(os);
        os->is_admin = 1; /* noauth services answer for every project */
        return 0;
    }
    n = strlen(os->cloud.auth_url);
    while (n > 0 && os->cloud.auth_url[n - 1] == '/')
        n--;
    url = n >= 3 && strncmp(os->cloud.auth_url + n - 3, "/v3", 3) == 0
              ? xasprintf("%.*s/auth/tokens", (int)n, os->cloud.auth_url)
              : xasprintf("%.*s/v3/auth/tokens", (int)n, os->cloud.auth_url);
    body = auth_body(&os->cloud);
    text = json_dumps(body, JSON_COMPACT);
    raw_send(os, OS_SVC_IDENTITY, "POST", url, text, 0, &pd);
    memset(text, 0, strlen(text)); /* it holds the password */
    if (pd.status != 201 && pd.status != 200) {
        reply_error(os, OS_SVC_IDENTITY, "POST", url, &pd, err);
        if (pd.status == 401 && err != NULL)
            err->code = RT_ERR_AUTH;
        goto out;
    }
    if (pd.subject_token == NULL) {
        rt_err_set(err, RT_ERR_AUTH, 0, "identity POST /auth/tokens: no X-Subject-Token in the "
                   "reply (request id %s)", pd.request_id ? pd.request_id : "none");
        goto out;
    }
    doc = json_loads(pd.body, 0, NULL);
    tok = json_object_get(doc, "token");
    if (!json_is_object(tok)) {
        rt_err_set(err, RT_ERR_PARSE, 0, "identity POST /auth/tokens: the reply has no token "
                   "(request id %s)", pd.request_id ? pd.request_id : "none");
        goto out;
    }
    wipe(os->token);
    os->token = pd.subject_token;
    pd.subject_token = NULL;
    os->token_expires = os_parse_time(json_string_value(json_object_get(tok, "expires_at")));
    free(os->project_id);
    os->project_id = xstrdup(json_string_value(
        json_object_get(json_object_get(tok, "project"), "id")));
    os->is_admin = 0;
    roles = json_object_get(tok, "roles");
    json_array_foreach(roles, i, r) {
        const char *rn = json_string_value(json_object_get(r, "name"));
        if (rn != NULL && strcmp(rn, "admin") == 0)
            os->is_admin = 1;
    }
    json_decref(os->catalog);
    os->catalog = json_incref(json_object_get(tok, "catalog"));
    if (os->catalog == NULL)
        os->catalog = json_array();
    pick_endpoints(os);
    rc = 0;
out:
    free(text);
    free(url);
    json_decref(body);
    json_decref(doc);
    pending_done(&pd);
    return rc;
}

/* ---- versions --------------------------------------------------------------------------- */

/* "2.96" -> 96 (major must match), -1 if not such a version. */
static int minor_of(const char *v, int major)
{
    int ma = 0, mi = 0;

    if (v == NULL || sscanf(v, "%d.%d", &ma, &mi) != 2 || ma != major)
        return -1;
    return mi;
}

/* The version object of a document: {"version": {...}}, {"versions": [...]} (pick id prefix)
 * or Ironic's {"default_version": {...}}. Borrowed. */
static json_t *version_obj(json_t *doc, const char *id_prefix)
{
    json_t *v = json_object_get(doc, "version");
    size_t i;

    if (json_is_object(v))
        return v;
    if (json_is_object(json_object_get(doc, "default_version")))
        return json_object_get(doc, "default_version");
    json_array_foreach(json_object_get(doc, "versions"), i, v) {
        const char *id = json_string_value(json_object_get(v, "id"));
        if (id != NULL && strncmp(id, id_prefix, strlen(id_prefix)) == 0 &&
            json_string_value(json_object_get(v, "version")) != NULL &&
            *json_string_value(json_object_get(v, "version")) != '\0')
            return v;
    }
    return NULL;
}

/* One service's version negotiation: its version document asked for, then read. */
struct nego {
    const char *id_prefix;
    int major, client_max;
    char *out;
    size_t outlen;
    int *minor;
    struct pending pd;
};

/* Use the newest microversion both sides support (none when the document says nothing). */
static void negotiate_done(struct nego *n)
{
    json_t *doc, *v;
    int hi, lo;

    if (n->pd.status != 200) {
        pending_done(&n->pd);
        return; /* no version document: the base version, no header */
    }
    doc = json_loads(n->pd.body, 0, NULL);
    v = version_obj(doc, n->id_prefix);
    hi = minor_of(json_string_value(json_object_get(v, "version")), n->major);
    lo = minor_of(json_string_value(json_object_get(v, "min_version")), n->major);
    if (hi >= 0) {
        int use = hi < n->client_max ? hi : n->client_max;
        if (lo < 0 || use >= lo) {
            snprintf(n->out, n->outlen, "%d.%d", n->major, use);
            *n->minor = use;
        }
    }
    json_decref(doc);
    pending_done(&n->pd);
}

/* The URL up to and including the first path segment starting with `seg` ("/v3"). */
static char *cut_after(const char *url, const char *seg)
{
    const char *p = strstr(url, seg);

    if (p == NULL)
        return xasprintf("%s/", url);
    p += strlen(seg);
    while (*p != '\0' && *p != '/')
        p++;
    return xasprintf("%.*s/", (int)(p - url), url);
}

/* The URL with a trailing "/vN" segment removed. */
static char *strip_version(const char *url, const char *seg)
{
    size_t n = strlen(url), k = strlen(seg);

    if (n >= k && strcmp(url + n - k, seg) == 0)
        return xasprintf("%.*s/", (int)(n - k), url);
    return xasprintf("%s/", url);
}

int os_discover(struct os *os, struct rt_error *err)
{
    struct nego n[3] = {
        {"v2.1", 2, NOVA_MAX_MINOR, os->nova_mv, sizeof os->nova_mv, &os->nova_mv_minor},
        {"v3", 3, CINDER_MAX_MINOR, os->cinder_mv, sizeof os->cinder_mv, &os->cinder_mv_minor},
        {"v1", 1, IRONIC_MAX_MINOR, os->ironic_mv, sizeof os->ironic_mv, &os->ironic_mv_minor},
    };
    static const enum os_svc svc[3] = {OS_SVC_COMPUTE, OS_SVC_VOLUME, OS_SVC_BAREMETAL};
    int asked[3] = {0};

    (void)err;
    if (os->versions_done)
        return 0;
    os->versions_done = 1;
    /* The documents are asked for at once (each is a round trip: over a WAN, tens of ms). */
    for (int i = 0; i < 3; i++) {
        const char *ep = os->endpoint[svc[i]];
        char *u;
        if (ep == NULL)
            continue;
        u = svc[i] == OS_SVC_COMPUTE  ? xasprintf("%s/", ep)
            : svc[i] == OS_SVC_VOLUME ? cut_after(ep, "/v3")
                                      : strip_version(ep, "/v1");
        raw_submit(os, svc[i], "GET", u, NULL, 1, &n[i].pd);
        free(u);
        asked[i] = 1;
    }
    for (int i = 0; i < 3; i++) {
        if (asked[i]) {
            raw_wait(os, &n[i].pd);
            negotiate_done(&n[i]);
        }
    }
    return 0;
}

/* ---- the request path ------------------------------------------------------------------- */

static char *full_url(struct os *os, enum os_svc s, const char *path, struct rt_error *err)
{
    const char *base;

    if (strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0)
        return xstrdup(path);
    base = os_endpoint(os, s, err);
    if (base == NULL)
        return NULL;
    return xasprintf("%s%s", base, path);
}

/* A request between os_call_begin() and os_call_end(). */
struct os_call {
    enum os_svc s;
    const char *method;        /* static string */
    char *url, *text;
    int parse;
    struct pending pd;
};

static void call_free(struct os_call *c)
{
    if (c == NULL)
        return;
    pending_done(&c->pd);
    free(c->url);
    free(c->text);
    free(c);
}

/* Authenticate if needed and queue the request: NULL with err set when it cannot be sent. */
static struct os_call *call_begin(struct os *os, enum os_svc s, const char *method,
                                  const char *path, json_t *body, int parse, struct rt_error *err)
{
    struct os_call *c;
    char *url;

    if (!is_noauth(os) &&
        (os->token == NULL || (os->token_expires > 0 && rt_now_ms() / 1000 + 60 >= os->token_expires))) {
        if (os_auth(os, err) < 0)
            return NULL;
    }
    url = full_url(os, s, path, err);
    if (url == NULL)
        return NULL;
    c = xcalloc(1, sizeof *c);
    c->s = s;
    c->method = method;
    c->url = url;
    c->parse = parse;
    if (body != NULL)
        c->text = json_dumps(body, JSON_COMPACT);
    raw_submit(os, s, method, url, c->text, 1, &c->pd);
    return c;
}

/* Wait for the request, re-authenticate and resend once on a 401, fill out. Frees c. */
static int call_end(struct os *os, struct os_call *c, struct os_reply *out, struct rt_error *err)
{
    enum os_svc s = c->s;
    const char *method = c->method;
    int rc = -1;

    raw_wait(os, &c->pd);
    if (c->pd.status == 401 && !is_noauth(os)) {
        /* The token expired or was revoked: authenticate once more, then resend. */
        pending_done(&c->pd);
        if (os_auth(os, err) < 0)
            goto out;
        raw_send(os, s, method, c->url, c->text, 1, &c->pd);
    }
    if (c->pd.status < 200 || c->pd.status >= 300) {
        reply_error(os, s, method, c->url, &c->pd, err);
        goto out;
    }
    if (out != NULL) {
        out->status = c->pd.status;
        if (c->parse && c->pd.body != NULL && *c->pd.body != '\0') {
            json_error_t je;
            out->doc = json_loads(c->pd.body, JSON_DECODE_ANY, &je);
            if (out->doc == NULL) {
                rt_err_set(err, RT_ERR_PARSE, 0, "%s %s: the reply is not JSON: %s (request id "
                           "%s)", os_svc_name(s), method, je.text,
                           c->pd.request_id ? c->pd.request_id : "none");
                goto out;
            }
        }
        out->body_len = c->pd.body != NULL ? c->pd.body_len : 0;
        out->body = c->pd.body;
        c->pd.body = NULL;
        out->request_id = c->pd.request_id;
        c->pd.request_id = NULL;
        out->location = c->pd.location;
        c->pd.location = NULL;
    }
    rc = 0;
out:
    call_free(c);
    return rc;
}

static int call(struct os *os, enum os_svc s, const char *method, const char *path, json_t *body,
                struct os_reply *out, int parse, struct rt_error *err)
{
    struct os_call *c;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    if ((c = call_begin(os, s, method, path, body, parse, err)) == NULL)
        return -1;
    return call_end(os, c, out, err);
}

int os_call(struct os *os, enum os_svc s, const char *method, const char *path, json_t *body,
            struct os_reply *out, struct rt_error *err)
{
    return call(os, s, method, path, body, out, 1, err);
}

int os_call_text(struct os *os, enum os_svc s, const char *method, const char *path,
                 struct os_reply *out, struct rt_error *err)
{
    return call(os, s, method, path, NULL, out, 0, err);
}

struct os_call *os_get_begin(struct os *os, enum os_svc s, const char *path,
                             struct rt_error *err)
{
    struct os_call *c = call_begin(os, s, "GET", path, NULL, 0, err);

    if (c != NULL)
        http_poke(os->http);
    return c;
}

int os_get_end(struct os *os, struct os_call *c, struct os_reply *out, struct rt_error *err)
{
    memset(out, 0, sizeof *out);
    return call_end(os, c, out, err);
}

void os_get_drop(struct os *os, struct os_call *c)
{
    if (c == NULL)
        return;
    raw_wait(os, &c->pd); /* its callback writes into c: it must have run */
    call_free(c);
}
