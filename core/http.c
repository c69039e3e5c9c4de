/*
 * http.c - the shared HTTP engine (see http.h for the contract).
 *
 * Design: two intrusive lists, `queue` (waiting: not started, or waiting out
 * a Retry-After) and `active` (on the wire).  http_run() loops: fail
 * everything when the deadline passed; start every queued request whose host
 * key and the global cap allow it (and whose retry time has come); then
 * either hand the started requests to the test transport (synchronously) or
 * let curl_multi_perform() move the sockets and collect finished transfers;
 * then sleep in curl_multi_poll() until a socket is ready or the next retry
 * or the deadline is due.  Completion (finish()) decides between a retry
 * (back to the queue, slot released) and the callback.
 *
 * Per-host counts live in a hash map of small counters keyed by host key.
 * Easy handles are recycled through a free list (curl_easy_reset keeps the
 * handle's caches; connections stay in the multi handle's pool); at the end
 * of http_run() the list is cut back to HTTP_POOL_KEEP handles.
 *
 * Threading: one http_multi per thread; nothing global except
 * curl_global_init, done once under pthread_once.
 */
#include "http.h"

#include "err.h"
#include "hmap.h"
#include "sha256.h"
#include "strbuf.h"
#include "util.h"
#include "xalloc.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>

#define HTTP_MAX_BODY (32u * 1024 * 1024)
/* Spare easy handles kept between runs.  A burst of 2 000 requests needs 2 000 handles
 * (~5 KiB each in libcurl 7.88, more with their buffers); keeping them all after the
 * burst held ~11 MiB for nothing (docs/BENCHMARKS.md, "Redfish").  Connections do not
 * live in the easy handles but in the multi handle's cache, so they stay open. */
#define HTTP_POOL_KEEP 32

struct hdr {
    char *name, *value;
};

struct http_request {
    char *method, *url;
    struct hdr *hdrs;
    size_t nhdrs, caphdrs;
    char *body;
    size_t body_len;
    char *content_type;
    char *user, *password;
    char *host_key;
    long timeout_ms;
    int retries;           /* -2: the engine's default */
    int insecure, want_cert;
    char *pin_spki;
    void *data;
    /* engine state */
    http_done_fn done;
    void *ctx;
    int64_t not_before;    /* mono ms */
    int attempts;
    int64_t started;
    CURL *easy;
    struct curl_slist *slist;
    char *pin_opt;
    struct strbuf rbody;
    struct http_response resp;
    struct http_request *prev, *next;
};

struct rlist {
    struct http_request *head, *tail;
    size_t len;
};

struct http_multi {
    struct http_opts o;
    char *cacert;
    CURLM *multi;
    struct rlist queue, active;
    struct hmap *hosts; /* host key -> int* in-flight count */
    CURL **pool;
    size_t npool, cappool;
    int total;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- lists --------------------------------------------------------------------------- */

static void rlist_push(struct rlist *l, struct http_request *r)
{
    r->next = NULL;
    r->prev = l->tail;
    if (l->tail != NULL)
        l->tail->next = r;
    else
        l->head = r;
    l->tail = r;
    l->len++;
}

static void rlist_remove(struct rlist *l, struct http_request *r)
{
    if (r->prev != NULL)
        r->prev->next = r->next;
    else
        l->head = r->next;
    if (r->next != NULL)
        r->next->prev = r->prev;
    else
        l->tail = r->prev;
    r->prev = r->next = NULL;
    l->len--;
}

/* ---- requests ------------------------------------------------------------------------ */

struct http_request *http_request_new(const char *method, const char *url)
{
    struct http_request *rq = xcalloc(1, sizeof *rq);

    rq->method = xstrdup(method);
    rq->url = xstrdup(url);
    rq->retries = -2;
    return rq;
}

static void wipe_free(char *s)
{
    if (s != NULL) {
        volatile char *v = s;
        while (*v != '\0')
            *v++ = '\0';
        free(s);
    }
}

void http_response_done(struct http_response *resp)
{
    free(resp->body);
    free(resp->etag);
    free(resp->location);
    wipe_free(resp->auth_token);
    free(resp->request_id);
    wipe_free(resp->subject_token);
    resp->body = resp->etag = resp->location = resp->auth_token = NULL;
    resp->request_id = resp->subject_token = NULL;
}

void http_request_free(struct http_request *rq)
{
    if (rq == NULL)
        return;
    free(rq->method);
    free(rq->url);
    for (size_t i = 0; i < rq->nhdrs; i++) {
        free(rq->hdrs[i].name);
        wipe_free(rq->hdrs[i].value);
    }
    free(rq->hdrs);
    free(rq->body);
    free(rq->content_type);
    free(rq->user);
    wipe_free(rq->password);
    free(rq->host_key);
    free(rq->pin_spki);
    free(rq->pin_opt);
    if (rq->slist != NULL)
        curl_slist_free_all(rq->slist);
    strbuf_done(&rq->rbody);
    http_response_done(&rq->resp);
    free(rq);
}

void http_request_add_header(struct http_request *rq, const char *name, const char *value)
{
    rq->hdrs = xgrow(rq->hdrs, &rq->caphdrs, rq->nhdrs + 1, sizeof *rq->hdrs);
    rq->hdrs[rq->nhdrs].name = xstrdup(name);
    rq->hdrs[rq->nhdrs].value = xstrdup(value);
    rq->nhdrs++;
}

void http_request_set_body(struct http_request *rq, const char *body, size_t len,
                           const char *content_type)
{
    free(rq->body);
    rq->body = xmalloc(len + 1);
    memcpy(rq->body, body, len);
    rq->body[len] = '\0';
    rq->body_len = len;
    free(rq->content_type);
    rq->content_type = xstrdup(content_type != NULL ? content_type : "application/json");
}

void http_request_set_basic_auth(struct http_request *rq, const char *user, const char *password)
{
    free(rq->user);
    wipe_free(rq->password);
    rq->user = xstrdup(user != NULL ? user : "");
    rq->password = xstrdup(password != NULL ? password : "");
}

void http_request_set_host_key(struct http_request *rq, const char *key)
{
    free(rq->host_key);
    rq->host_key = xstrdup(key);
}

void http_request_set_timeout(struct http_request *rq, long timeout_ms)
{
    rq->timeout_ms = timeout_ms;
}

void http_request_set_retries(struct http_request *rq, int retries)
{
    rq->retries = retries < 0 ? 0 : retries;
}

void http_request_set_tls(struct http_request *rq, int insecure, const char *pin_spki,
                          int want_cert)
{
    rq->insecure = insecure;
    free(rq->pin_spki);
    rq->pin_spki = xstrdup(pin_spki);
    rq->want_cert = want_cert;
}

void http_request_set_data(struct http_request *rq, void *data)
{
    rq->data = data;
}

const char *http_request_method(const struct http_request *rq)
{
    return rq->method;
}

const char *http_request_url(const struct http_request *rq)
{
    return rq->url;
}

const char *http_request_body(const struct http_request *rq, size_t *len)
{
    if (len != NULL)
        *len = rq->body_len;
    return rq->body;
}

const char *http_request_header(const struct http_request *rq, const char *name)
{
    for (size_t i = 0; i < rq->nhdrs; i++) {
        if (strcasecmp(rq->hdrs[i].name, name) == 0)
            return rq->hdrs[i].value;
    }
    return NULL;
}

const char *http_request_host_key(const struct http_request *rq)
{
    return rq->host_key;
}

void *http_request_data(const struct http_request *rq)
{
    return rq->data;
}

int http_request_has_basic_auth(const struct http_request *rq)
{
    return rq->user != NULL;
}

/* ---- URLs ---------------------------------------------------------------------------- */

char *http_url_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    struct strbuf b = STRBUF_INIT;

    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            strbuf_addc(&b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            strbuf_add(&b, e, 3);
        }
    }
    return strbuf_take(&b);
}

char *http_url_origin(const char *url)
{
    const char *p = strstr(url, "://");
    const char *end;

    if (p == NULL)
        return NULL;
    end = strchr(p + 3, '/');
    return end != NULL ? xstrndup(url, (size_t)(end - url)) : xstrdup(url);
}

char *http_url_resolve(const char *base, const char *ref)
{
    char *origin, *out;

    if (strncmp(ref, "http://", 7) == 0 || strncmp(ref, "https://", 8) == 0)
        return xstrdup(ref);
    origin = http_url_origin(base);
    if (origin == NULL)
        return xstrdup(ref);
    if (ref[0] == '/') {
        out = xasprintf("%s%s", origin, ref);
    } else {
        const char *slash = strrchr(base + strlen(origin), '/');
        size_t n = slash != NULL ? (size_t)(slash - base) + 1 : strlen(base);
        out = xasprintf("%.*s%s%s", (int)n, base, slash != NULL ? "" : "/", ref);
    }
    free(origin);
    return out;
}

/* ---- certificates -------------------------------------------------------------------- */

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_encode(const unsigned char *in, size_t n, char *out, size_t outlen)
{
    size_t o = 0;

    for (size_t i = 0; i < n && o + 4 < outlen; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = b64chars[(v >> 18) & 63];
        out[o++] = b64chars[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64chars[v & 63] : '=';
    }
    out[o] = '\0';
}

unsigned char *http_pem_to_der(const char *pem, size_t *len)
{
    const char *b = strstr(pem, "-----BEGIN CERTIFICATE-----");
    const char *e;
    unsigned char *out;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;

    if (b == NULL)
        return NULL;
    b += strlen("-----BEGIN CERTIFICATE-----");
    e = strstr(b, "-----END CERTIFICATE-----");
    if (e == NULL)
        return NULL;
    out = xmalloc((size_t)(e - b));
    for (const char *p = b; p < e; p++) {
        const char *c = strchr(b64chars, *p);
        if (*p == '=' || *p == '\0')
            break;
        if (c == NULL)
            continue; /* whitespace */
        acc = (acc << 6) | (unsigned)(c - b64chars);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)((acc >> bits) & 0xff);
        }
    }
    *len = o;
    return out;
}

/* One DER TLV at p (n bytes left): header and body sizes. -1 if malformed. */
static int der_tlv(const unsigned char *p, size_t n, unsigned char *tag, size_t *hdr,
                   size_t *body)
{
    size_t l, h = 2;

    if (n < 2)
        return -1;
    *tag = p[0];
    l = p[1];
    if (l & 0x80) {
        size_t k = l & 0x7f;
        if (k == 0 || k > 4 || n < 2 + k)
            return -1;
        l = 0;
        for (size_t i = 0; i < k; i++)
            l = (l << 8) | p[2 + i];
        h += k;
    }
    if (l > n - h)
        return -1;
    *hdr = h;
    *body = l;
    return 0;
}

int http_cert_from_der(const unsigned char *der, size_t len, struct http_cert *cert)
{
    unsigned char tag, d[32];
    size_t h, b, off;
    const unsigned char *tbs;
    size_t tbslen;
    struct sha256 c;

    /* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE {...}, ... } */
    if (der_tlv(der, len, &tag, &h, &b) < 0 || tag != 0x30)
        return -1;
    if (der_tlv(der + h, b, &tag, &h, &tbslen) < 0 || tag != 0x30)
        return -1;
    tbs = der + 2 + (der[1] & 0x80 ? (der[1] & 0x7f) : 0) + h;
    off = 0;
    /* [0] version (optional), serial, signature, issuer, validity, subject, SPKI */
    for (int field = 0; field < 7; field++) {
        if (der_tlv(tbs + off, tbslen - off, &tag, &h, &b) < 0)
            return -1;
        if (field == 0 && tag != 0xa0)
            field++; /* no version: this is the serial */
        if (field == 6) {
            if (tag != 0x30)
                return -1;
            sha256_init(&c);
            sha256_update(&c, tbs + off, h + b);
            sha256_final(&c, d);
            b64_encode(d, sizeof d, cert->spki_b64, sizeof cert->spki_b64);
            break;
        }
        off += h + b;
    }
    sha256_init(&c);
    sha256_update(&c, der, len);
    sha256_final(&c, d);
    sha256_hex(d, cert->sha256);
    cert->present = 1;
    return 0;
}

/* Fill resp->cert from libcurl's certificate info (first certificate of the chain). */
static void cert_from_curl(CURL *easy, struct http_cert *cert)
{
    struct curl_certinfo *ci = NULL;

    if (curl_easy_getinfo(easy, CURLINFO_CERTINFO, &ci) != CURLE_OK || ci == NULL ||
        ci->num_of_certs < 1)
        return;
    for (struct curl_slist *s = ci->certinfo[0]; s != NULL; s = s->next) {
        if (strncmp(s->data, "Subject:", 8) == 0)
            snprintf(cert->subject, sizeof cert->subject, "%s", s->data + 8);
        else if (strncmp(s->data, "Issuer:", 7) == 0)
            snprintf(cert->issuer, sizeof cert->issuer, "%s", s->data + 7);
        else if (strncmp(s->data, "Expire date:", 12) == 0)
            snprintf(cert->expires, sizeof cert->expires, "%s", s->data + 12);
        else if (strncmp(s->data, "Cert:", 5) == 0) {
            size_t n = 0;
            unsigned char *der = http_pem_to_der(s->data + 5, &n);
            if (der != NULL)
                http_cert_from_der(der, n, cert);
            free(der);
        }
    }
}

/* ---- the engine ---------------------------------------------------------------------- */

/* The connections we may keep open: `want`, or fewer when the descriptor limit cannot
 * be raised to hold them (with 64 descriptors left for everything else). */
static int conn_budget(int want)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)want + 64;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
        return want;
    if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need) {
        rl.rlim_cur = need;
        if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
            return want;
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    return rl.rlim_cur > 128 + 64 ? (int)(rl.rlim_cur - 64) : 128;
}

struct http_multi *http_multi_new(const struct http_opts *opts)
{
    struct http_multi *m = xcalloc(1, sizeof *m);

    if (opts != NULL)
        m->o = *opts;
    if (m->o.max_total <= 0)
        m->o.max_total = 64;
    if (m->o.max_per_host <= 0)
        m->o.max_per_host = 2;
    if (m->o.timeout_ms <= 0)
        m->o.timeout_ms = 30000;
    if (m->o.connect_timeout_ms <= 0)
        m->o.connect_timeout_ms = m->o.timeout_ms < 10000 ? m->o.timeout_ms : 10000;
    if (m->o.retries == 0)
        m->o.retries = 2;
    else if (m->o.retries < 0)
        m->o.retries = 0;
    if (m->o.max_retry_after_ms <= 0)
        m->o.max_retry_after_ms = 10000;
    m->cacert = xstrdup(m->o.cacert);
    m->o.cacert = m->cacert;
    m->hosts = hmap_new(free);
    if (m->o.transport == NULL) {
        pthread_once(&curl_once, curl_init_once);
        m->multi = curl_multi_init();
        if (m->multi == NULL)
            rt_fatal("out of memory creating a curl multi handle");
        /* Requests on the wire are capped by our scheduler (max_total, max_per_host by
         * host key, which may differ from the URL's host: many simulated BMCs behind one
         * address).  libcurl's limits only bound open sockets: when they are full it
         * closes the oldest idle connection, so with 1 000 BMCs a cache sized by
         * max_total alone reconnects on every sweep. */
        m->o.max_conns = conn_budget(m->o.max_conns > 0 ? m->o.max_conns : m->o.max_total * 2);
        curl_multi_setopt(m->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)m->o.max_conns);
        curl_multi_setopt(m->multi, CURLMOPT_MAXCONNECTS, (long)m->o.max_conns);
    }
    return m;
}

static int *host_count(struct http_multi *m, const char *key)
{
    int *c = hmap_get(m->hosts, key);

    if (c == NULL) {
        c = xcalloc(1, sizeof *c);
        hmap_put(m->hosts, key, c);
    }
    return c;
}

static void set_fail(struct http_response *resp, enum rt_err code, long detail, const char *msg)
{
    resp->status = 0;
    resp->err_code = code;
    resp->err_detail = detail;
    snprintf(resp->err_msg, sizeof resp->err_msg, "%s", msg);
}

static void release_easy(struct http_multi *m, struct http_request *rq)
{
    if (rq->easy == NULL)
        return;
    curl_multi_remove_handle(m->multi, rq->easy);
    curl_easy_reset(rq->easy);
    m->pool = xgrow(m->pool, &m->cappool, m->npool + 1, sizeof *m->pool);
    m->pool[m->npool++] = rq->easy;
    rq->easy = NULL;
    if (rq->slist != NULL) {
        curl_slist_free_all(rq->slist);
        rq->slist = NULL;
    }
}

static int retryable(long status)
{
    return status == 503 || status == 429;
}

/* The request is done (it has left `active`, its slot released). Retry or call back. */
static void finish(struct http_multi *m, struct http_request *rq, int allow_retry)
{
    int max = rq->retries == -2 ? m->o.retries : rq->retries;

    if (allow_retry && retryable(rq->resp.status) && rq->attempts <= max) {
        long wait = rq->resp.retry_after_s >= 0 ? rq->resp.retry_after_s * 1000
                                                : 250L << (rq->attempts - 1);
        if (wait > m->o.max_retry_after_ms)
            wait = m->o.max_retry_after_ms;
        rq->not_before = rt_mono_ms() + wait;
        http_response_done(&rq->resp);
        memset(&rq->resp, 0, sizeof rq->resp);
        strbuf_reset(&rq->rbody);
        rlist_push(&m->queue, rq);
        return;
    }
    if (rq->resp.body == NULL) {
        rq->resp.body_len = rq->rbody.len; /* may hold a NUL: the parser rejects it */
        rq->resp.body = strbuf_take(&rq->rbody);
    }
    rq->resp.attempts = rq->attempts;
    if (rq->done != NULL)
        rq->done(rq->ctx, rq, &rq->resp);
    http_request_free(rq);
}

char *http_take_body(const struct http_response *resp, size_t *len)
{
    /* The response is the engine's own (rq->resp), lent to the callback as const so it
     * does not change the rest; handing the body over saves copying a large reply. */
    struct http_response *r = (struct http_response *)resp;
    char *b = r->body != NULL ? r->body : xstrdup("");

    if (len != NULL)
        *len = r->body != NULL ? r->body_len : 0;
    r->body = NULL;
    r->body_len = 0;
    return b;
}

static void slot_release(struct http_multi *m, struct http_request *rq)
{
    int *c = host_count(m, rq->host_key);

    if (*c > 0)
        (*c)--;
    if (*c == 0)
        hmap_del(m->hosts, rq->host_key);
    m->total--;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct http_request *rq = ud;
    size_t n = size * nmemb;

    if (rq->rbody.len + n > HTTP_MAX_BODY)
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    strbuf_add(&rq->rbody, ptr, n);
    return n;
}

static char *header_value(const char *line, size_t n, const char *name)
{
    size_t ln = strlen(name);
    const char *v, *e;

    if (n <= ln || strncasecmp(line, name, ln) != 0 || line[ln] != ':')
        return NULL;
    v = line + ln + 1;
    e = line + n;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
        e--;
    return xstrndup(v, (size_t)(e - v));
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct http_request *rq = ud;
    size_t n = size * nmemb;
    char *v;

    if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
        /* A new response (after a redirect or 100-continue): forget earlier headers. */
        http_response_done(&rq->resp);
        rq->resp.retry_after_s = -1;
        return n;
    }
    if ((v = header_value(ptr, n, "ETag")) != NULL) {
        free(rq->resp.etag);
        rq->resp.etag = v;
    } else if ((v = header_value(ptr, n, "Location")) != NULL) {
        free(rq->resp.location);
        rq->resp.location = v;
    } else if ((v = header_value(ptr, n, "X-Auth-Token")) != NULL) {
        wipe_free(rq->resp.auth_token);
        rq->resp.auth_token = v;
    } else if ((v = header_value(ptr, n, "X-Subject-Token")) != NULL) {
        wipe_free(rq->resp.subject_token);
        rq->resp.subject_token = v;
    } else if ((v = header_value(ptr, n, "X-OpenStack-Request-Id")) != NULL) {
        free(rq->resp.request_id); /* wins over X-Compute-Request-Id */
        rq->resp.request_id = v;
    } else if ((v = header_value(ptr, n, "X-Compute-Request-Id")) != NULL) {
        if (rq->resp.request_id == NULL)
            rq->resp.request_id = v;
        else
            free(v);
    } else if ((v = header_value(ptr, n, "Content-Length")) != NULL) {
        long long len;
        /* A large reply is received into one allocation of its announced size. */
        if (rt_parse_int(v, &len) == 0 && len > 0 && len <= HTTP_MAX_BODY &&
            rq->rbody.len == 0)
            strbuf_reserve(&rq->rbody, (size_t)len);
        free(v);
    } else if ((v = header_value(ptr, n, "Retry-After")) != NULL) {
        long long s;
        rq->resp.retry_after_s = rt_parse_int(v, &s) == 0 && s >= 0 ? (long)s : 1;
        free(v);
    }
    return n;
}

static void setup_easy(struct http_multi *m, struct http_request *rq)
{
    CURL *e;
    char *h;
    long timeout = rq->timeout_ms > 0 ? rq->timeout_ms : m->o.timeout_ms;

    if (m->npool > 0) {
        e = m->pool[--m->npool];
    } else {
        e = curl_easy_init();
        if (e == NULL)
            rt_fatal("out of memory creating a curl easy handle");
    }
    rq->easy = e;
    curl_easy_setopt(e, CURLOPT_URL, rq->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, rq);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     m->o.connect_timeout_ms < timeout ? m->o.connect_timeout_ms : timeout);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, rq);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, rq);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    if (strcmp(rq->method, "GET") == 0 && rq->body == NULL) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(rq->method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
        if (strcmp(rq->method, "POST") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method);
        if (rq->body != NULL || strcmp(rq->method, "POST") == 0) {
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)rq->body_len);
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body != NULL ? rq->body : "");
        }
    }
    for (size_t i = 0; i < rq->nhdrs; i++) {
        h = xasprintf("%s: %s", rq->hdrs[i].name, rq->hdrs[i].value);
        rq->slist = curl_slist_append(rq->slist, h);
        wipe_free(h);
    }
    if (rq->content_type != NULL) {
        h = xasprintf("Content-Type: %s", rq->content_type);
        rq->slist = curl_slist_append(rq->slist, h);
        free(h);
    }
    rq->slist = curl_slist_append(rq->slist, "Expect:");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, rq->slist);
    if (rq->user != NULL) {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(e, CURLOPT_USERNAME, rq->user);
        curl_easy_setopt(e, CURLOPT_PASSWORD, rq->password);
    }
    if (m->o.cacert != NULL)
        curl_easy_setopt(e, CURLOPT_CAINFO, m->o.cacert);
    if (m->o.recv_buffer > 0)
        curl_easy_setopt(e, CURLOPT_BUFFERSIZE, m->o.recv_buffer);
    if (rq->insecure || rq->pin_spki != NULL) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (rq->pin_spki != NULL) {
        free(rq->pin_opt);
        rq->pin_opt = xasprintf("sha256//%s", rq->pin_spki);
        curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, rq->pin_opt);
    }
    if (rq->want_cert || rq->pin_spki != NULL)
        curl_easy_setopt(e, CURLOPT_CERTINFO, 1L);
}

static void start(struct http_multi *m, struct http_request *rq)
{
    (*host_count(m, rq->host_key))++;
    m->total++;
    rq->attempts++;
    rq->started = rt_mono_ms();
    memset(&rq->resp, 0, sizeof rq->resp);
    rq->resp.retry_after_s = -1;
    strbuf_reset(&rq->rbody);
    rlist_push(&m->active, rq);
    if (m->o.transport == NULL) {
        setup_easy(m, rq);
        curl_multi_add_handle(m->multi, rq->easy);
    }
}

static void complete_curl(struct http_multi *m, struct http_request *rq, CURLcode rc)
{
    long status = 0;

    rlist_remove(&m->active, rq);
    slot_release(m, rq);
    rq->resp.elapsed_ms = rt_mono_ms() - rq->started;
    if (rq->want_cert || rq->pin_spki != NULL)
        cert_from_curl(rq->easy, &rq->resp.cert);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(rq->easy, CURLINFO_RESPONSE_CODE, &status);
        rq->resp.status = status;
    } else {
        char msg[256];
        enum rt_err code = RT_ERR_TRANSPORT;
        switch (rc) {
        case CURLE_OPERATION_TIMEDOUT:
            code = RT_ERR_TIMEOUT;
            snprintf(msg, sizeof msg, "no reply within %ld ms",
                     rq->timeout_ms > 0 ? rq->timeout_ms : m->o.timeout_ms);
            break;
        case CURLE_PEER_FAILED_VERIFICATION:
#if CURLE_SSL_CACERT != CURLE_PEER_FAILED_VERIFICATION
        case CURLE_SSL_CACERT:
#endif
            code = RT_ERR_AUTH;
            rq->resp.tls_failed = 1;
            snprintf(msg, sizeof msg, "TLS certificate not trusted: %s", curl_easy_strerror(rc));
            break;
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            code = RT_ERR_AUTH;
            rq->resp.pin_mismatch = 1;
            snprintf(msg, sizeof msg, "the TLS certificate changed (it does not match the pin)");
            break;
        case CURLE_WRITE_ERROR:
            snprintf(msg, sizeof msg, "reply larger than %u bytes", HTTP_MAX_BODY);
            break;
        default:
            snprintf(msg, sizeof msg, "%s", curl_easy_strerror(rc));
            break;
        }
        set_fail(&rq->resp, code, (long)rc, msg);
    }
    release_easy(m, rq);
    finish(m, rq, rc == CURLE_OK);
}

static void complete_transport(struct http_multi *m, struct http_request *rq)
{
    struct http_response r = {0};
    int rc;

    r.retry_after_s = -1;
    rc = m->o.transport->perform(m->o.transport->ctx, rq, &r);
    rlist_remove(&m->active, rq);
    slot_release(m, rq);
    http_response_done(&rq->resp);
    rq->resp = r;
    if (rc < 0 && rq->resp.err_code == 0)
        set_fail(&rq->resp, RT_ERR_TRANSPORT, 0, "no reply");
    if (rq->resp.body != NULL && rq->resp.body_len == 0)
        rq->resp.body_len = strlen(rq->resp.body);
    rq->resp.elapsed_ms = rt_mono_ms() - rq->started;
    finish(m, rq, rc == 0);
}

void http_submit(struct http_multi *m, struct http_request *rq, http_done_fn done, void *ctx)
{
    rq->done = done;
    rq->ctx = ctx;
    if (rq->host_key == NULL) {
        char *o = http_url_origin(rq->url);
        rq->host_key = o != NULL ? o : xstrdup("");
    }
    rq->not_before = 0;
    rlist_push(&m->queue, rq);
}

size_t http_pending(const struct http_multi *m)
{
    return m->queue.len + m->active.len;
}

/* Start what the caps allow; returns the earliest retry time still waiting (or 0). */
static int64_t start_eligible(struct http_multi *m, int64_t now)
{
    int64_t next = 0;
    struct http_request *rq = m->queue.head, *nx;

    while (rq != NULL && m->total < m->o.max_total) {
        nx = rq->next;
        if (rq->not_before > now) {
            if (next == 0 || rq->not_before < next)
                next = rq->not_before;
        } else {
            int *c = hmap_get(m->hosts, rq->host_key);
            if (c == NULL || *c < m->o.max_per_host) {
                rlist_remove(&m->queue, rq);
                start(m, rq);
            }
        }
        rq = nx;
    }
    return next;
}

static void fail_all(struct http_multi *m, enum rt_err code, const char *msg)
{
    struct http_request *rq;

    while ((rq = m->active.head) != NULL) {
        rlist_remove(&m->active, rq);
        slot_release(m, rq);
        release_easy(m, rq);
        http_response_done(&rq->resp);
        set_fail(&rq->resp, code, 0, msg);
        finish(m, rq, 0);
    }
    while ((rq = m->queue.head) != NULL) {
        rlist_remove(&m->queue, rq);
        http_response_done(&rq->resp);
        memset(&rq->resp, 0, sizeof rq->resp);
        set_fail(&rq->resp, code, 0, msg);
        finish(m, rq, 0);
    }
}

void http_poke(struct http_multi *m)
{
    int running = 0;

    if (m->o.transport != NULL || m->queue.len + m->active.len == 0)
        return;
    start_eligible(m, rt_mono_ms());
    curl_multi_perform(m->multi, &running);
}

size_t http_run(struct http_multi *m, int64_t deadline_ms)
{
    size_t done = 0;

    while (m->queue.len + m->active.len > 0) {
        int64_t now = rt_mono_ms(), next, wait;
        size_t before = m->queue.len + m->active.len;

        if (now >= deadline_ms) {
            done += before;
            fail_all(m, RT_ERR_TIMEOUT, "deadline passed before a reply");
            continue; /* callbacks may have queued more: fail those too */
        }
        if (m->o.cancelled != NULL && m->o.cancelled(m->o.cancel_ctx)) {
            done += before;
            fail_all(m, RT_ERR_TRANSPORT, "cancelled");
            continue;
        }
        next = start_eligible(m, now);
        if (m->o.transport != NULL) {
            if (m->active.len == 0) {
                wait = (next > 0 ? next : deadline_ms) - now;
                if (wait > 0) {
                    struct timespec ts = {wait / 1000, (wait % 1000) * 1000000L};
                    nanosleep(&ts, NULL);
                }
                continue;
            }
            while (m->active.head != NULL) {
                complete_transport(m, m->active.head);
                done++;
            }
            continue;
        }
        {
            int running = 0, left = 0;
            CURLMsg *msg;
            curl_multi_perform(m->multi, &running);
            while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
                if (msg->msg == CURLMSG_DONE) {
                    struct http_request *rq = NULL;
                    CURLcode rc = msg->data.result;
                    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&rq);
                    complete_curl(m, rq, rc);
                    done++;
                }
            }
            if (m->queue.len + m->active.len == 0)
                break;
            /* Something new may be startable at once (slots freed). */
            if (m->queue.head != NULL && m->total < m->o.max_total) {
                int64_t n2 = start_eligible(m, rt_mono_ms());
                if (n2 > 0 && (next == 0 || n2 < next))
                    next = n2;
            }
            now = rt_mono_ms();
            wait = deadline_ms - now;
            if (next > 0 && next - now < wait)
                wait = next - now;
            if (wait > 1000)
                wait = 1000;
            if (m->o.cancelled != NULL && wait > 200)
                wait = 200; /* look at the cancel flag often enough for a prompt quit */
            if (wait < 0)
                wait = 0;
            if (m->active.len > 0)
                curl_multi_poll(m->multi, NULL, 0, (int)wait, NULL);
            else if (wait > 0) {
                struct timespec ts = {wait / 1000, (wait % 1000) * 1000000L};
                nanosleep(&ts, NULL);
            }
        }
    }
    while (m->npool > HTTP_POOL_KEEP)
        curl_easy_cleanup(m->pool[--m->npool]);
    return done;
}

void http_multi_free(struct http_multi *m)
{
    if (m == NULL)
        return;
    fail_all(m, RT_ERR_TRANSPORT, "cancelled");
    for (size_t i = 0; i < m->npool; i++)
        curl_easy_cleanup(m->pool[i]);
    free(m->pool);
    if (m->multi != NULL)
        curl_multi_cleanup(m->multi);
    hmap_free(m->hosts);
    free(m->cacert);
    free(m);
}
