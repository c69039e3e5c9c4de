/*
 * http.h - the shared HTTP engine: many concurrent requests on one libcurl
 * multi handle, driven from one thread.
 *
 * A `struct http_multi` belongs to one user (a provider instance) and is used
 * from that user's thread only (the provider's worker thread: http_run()
 * blocks, so the UI never calls it).  Requests are queued with http_submit();
 * http_run() drives every queued and in-flight request until none is left or
 * a deadline passes, calling each request's completion callback exactly once
 * (also on failure, cancellation or deadline).  A callback may submit new
 * requests (following links); they run in the same http_run().
 *
 *     struct http_opts o = {.max_total = 64, .max_per_host = 2};
 *     struct http_multi *m = http_multi_new(&o);
 *     struct http_request *rq = http_request_new("GET", "https://bmc1/redfish/v1/");
 *     http_request_set_host_key(rq, "bmc1");
 *     http_request_add_header(rq, "Accept", "application/json");
 *     http_submit(m, rq, on_done, ctx);            (m owns rq from here)
 *     http_run(m, rt_mono_ms() + 30000);
 *     http_multi_free(m);
 *
 * Scheduling: at most `max_total` requests are on the wire at once and at most
 * `max_per_host` per host key (BMCs are fragile: one or two at a time).  The
 * queue is first come, first served among the requests allowed to start.
 * Connections are kept alive and reused (libcurl's connection cache lives in
 * the multi handle; easy handles are recycled): `max_conns` sizes that cache,
 * which must hold hosts * max_per_host connections for a sweep of many hosts
 * to reuse them (libcurl closes the oldest idle connection when it is full).
 *
 * Retries: a 503 (or 429) is retried after its Retry-After (capped by
 * `max_retry_after_ms`) or an exponential backoff, up to `retries` times;
 * the request does not hold a concurrency slot while it waits.
 *
 * TLS: verified by default (`cacert` adds a CA file).  `tls.insecure` turns
 * verification off.  `tls.pin_spki` (base64 SHA-256 of the public key, as
 * computed by http_cert_from_der()) pins the peer key: libcurl checks it in
 * the handshake, before anything is sent.  `tls.want_cert` asks for the peer
 * certificate (fingerprint, subject, expiry) in the response, for first
 * contact and for `racktop trust`.
 *
 * Secrets: header values are copied but never logged or put in messages;
 * http_request_set_basic_auth() copies the password and wipes it when the
 * request is freed.
 *
 * The transport seam: when `opts.transport` is set, no socket is opened:
 * every request is handed to transport->perform() in queue order, which fills
 * the response (status, headers, body) — unit tests serve canned replies that
 * way (STYLE 3.10).  Scheduling, retries and callbacks behave the same.
 */
#ifndef RT_HTTP_H
#define RT_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct rt_error;
struct http_multi;
struct http_request;

/* The peer certificate, when asked for (tls.want_cert) or on a pin mismatch. */
struct http_cert {
    int present;           /* 1 when the fields below are filled */
    char sha256[65];       /* lower-case hex SHA-256 of the DER certificate */
    char spki_b64[48];     /* base64 SHA-256 of the SubjectPublicKeyInfo (the pin) */
    char subject[256];
    char issuer[256];
    char expires[64];      /* as libcurl prints it: "Jan  1 00:00:00 2030 GMT" */
};

struct http_response {
    long status;           /* HTTP status; 0 when no reply came (see err) */
    char *body;            /* NUL-terminated, never NULL (may be "") */
    size_t body_len;
    char *etag;            /* ETag header or NULL */
    char *location;        /* Location header or NULL */
    char *auth_token;      /* X-Auth-Token header or NULL (a secret: never log it) */
    long retry_after_s;    /* Retry-After in seconds, -1 when absent */
    int attempts;          /* tries made (1 + retries) */
    int64_t elapsed_ms;    /* time of the last try */
    struct http_cert cert; /* peer certificate when asked for */
    /* Transport failure when status == 0 (RT_ERR_TRANSPORT, RT_ERR_TIMEOUT,
     * RT_ERR_AUTH for a TLS verification or pin failure; detail = CURLcode). */
    int err_code;          /* enum rt_err, 0 = none */
    long err_detail;
    char err_msg[256];
    int tls_failed;        /* 1: certificate verification failed (unknown CA, self-signed) */
    int pin_mismatch;      /* 1: the peer key does not match tls.pin_spki */
    /* OpenStack: the request id an operator hands to the cloud team
     * (X-OpenStack-Request-Id, else X-Compute-Request-Id), or NULL. */
    char *request_id;
    char *subject_token;   /* X-Subject-Token header (Keystone) or NULL (a secret: never log it) */
};

/* MUST fill resp->status (or err_*), MAY set the other fields (strings malloc'd, body
 * NUL-terminated).  Returns 0; -1 means "no reply" (err_* set). */
struct http_transport {
    int (*perform)(void *ctx, const struct http_request *req, struct http_response *resp);
    void *ctx;
};

struct http_opts {
    int max_total;            /* global cap on requests on the wire; 0 = 64 */
    int max_per_host;         /* per host key; 0 = 2 */
    long timeout_ms;          /* default per-request timeout; 0 = 30000 */
    long connect_timeout_ms;  /* 0 = min(timeout, 10000) */
    int retries;              /* 503/429 retries; 0 = 2, -1 = none */
    long max_retry_after_ms;  /* cap on a Retry-After wait; 0 = 10000 */
    int max_conns;            /* connections kept open, idle ones included (libcurl's
                               * connection cache); 0 = 2 * max_total.  Give at least
                               * hosts * max_per_host, or connections are closed and
                               * reopened between sweeps.  Capped by RLIMIT_NOFILE. */
    const char *cacert;       /* extra CA bundle for every request, or NULL */
    const struct http_transport *transport; /* NULL: libcurl (the real network) */
    /* Asked by http_run() at least every 200 ms: non-zero ends the run at once, what is
     * left completing with RT_ERR_TRANSPORT "cancelled" (the user is quitting).  NULL:
     * never. */
    int (*cancelled)(void *ctx);
    void *cancel_ctx;
    long recv_buffer;         /* libcurl's receive buffer per transfer in flight
                               * (CURLOPT_BUFFERSIZE, 1024..); 0 = libcurl's 16 KiB.
                               * Small replies from thousands of hosts at once want less. */
};

/* Called once per request, on the thread running http_run(). `resp` and `req` are
 * borrowed for the call (req is freed after it returns). */
typedef void (*http_done_fn)(void *ctx, const struct http_request *req,
                             const struct http_response *resp);

/* Inside a done callback: take the response body (free() it) instead of copying it;
 * resp->body is NULL afterwards.  Never NULL; *len (may be NULL) gets its length. */
char *http_take_body(const struct http_response *resp, size_t *len);

/* ---- the engine ---------------------------------------------------------------------- */

/* New engine (never fails: allocation aborts). Options copied; opts NULL = defaults. */
struct http_multi *http_multi_new(const struct http_opts *opts);
/* Cancel what is left (callbacks run with RT_ERR_TRANSPORT "cancelled") and free. NULL ok. */
void http_multi_free(struct http_multi *m);
/* Queue a request; m takes ownership of rq. */
void http_submit(struct http_multi *m, struct http_request *rq, http_done_fn done, void *ctx);
/* Drive every request until none is left or rt_mono_ms() >= deadline_ms (then the rest
 * complete with RT_ERR_TIMEOUT). Returns the number of requests completed. May block. */
size_t http_run(struct http_multi *m, int64_t deadline_ms);
/* Start what may start and move every transfer as far as it goes without waiting (a
 * queued request goes onto the wire).  Completions are delivered by the next http_run().
 * Never blocks; with a transport (tests) it does nothing. */
void http_poke(struct http_multi *m);
/* Requests queued or in flight. */
size_t http_pending(const struct http_multi *m);

/* ---- requests ------------------------------------------------------------------------ */

/* method: "GET", "POST", "PATCH", "DELETE", ... Both strings copied. */
struct http_request *http_request_new(const char *method, const char *url);
void http_request_free(struct http_request *rq);
/* Add "Name: value" (copied). */
void http_request_add_header(struct http_request *rq, const char *name, const char *value);
/* Body (copied) with its Content-Type (NULL = application/json). */
void http_request_set_body(struct http_request *rq, const char *body, size_t len,
                           const char *content_type);
/* Basic authentication (both copied; the password is wiped on free). */
void http_request_set_basic_auth(struct http_request *rq, const char *user, const char *password);
/* Concurrency key (e.g. the BMC name); default: the URL's host:port. */
void http_request_set_host_key(struct http_request *rq, const char *key);
void http_request_set_timeout(struct http_request *rq, long timeout_ms);
/* Retries for this request (-1 none). */
void http_request_set_retries(struct http_request *rq, int retries);
/* TLS: insecure (no verification), a pinned key (base64 SHA-256 of the SPKI, copied,
 * NULL = none), want_cert (report the peer certificate). */
void http_request_set_tls(struct http_request *rq, int insecure, const char *pin_spki,
                          int want_cert);
/* Opaque user data carried with the request (not owned). */
void http_request_set_data(struct http_request *rq, void *data);

/* Borrowed views for callbacks and transports. */
const char *http_request_method(const struct http_request *rq);
const char *http_request_url(const struct http_request *rq);
const char *http_request_body(const struct http_request *rq, size_t *len);
/* Value of a header set on the request (case-insensitive name), or NULL. */
const char *http_request_header(const struct http_request *rq, const char *name);
const char *http_request_host_key(const struct http_request *rq);
void *http_request_data(const struct http_request *rq);
/* 1 when basic auth is set (the credentials are not exposed). */
int http_request_has_basic_auth(const struct http_request *rq);

/* ---- helpers ------------------------------------------------------------------------- */

/* Fill cert->sha256 and cert->spki_b64 from a DER certificate; -1 if it is not one. */
int http_cert_from_der(const unsigned char *der, size_t len, struct http_cert *cert);
/* Decode a PEM certificate (the first one in the text) to DER: new buffer, or NULL. */
unsigned char *http_pem_to_der(const char *pem, size_t *len);
/* Resolve a reference (absolute URL or "/path") against a base URL: new string. */
char *http_url_resolve(const char *base, const char *ref);
/* A path segment or query value percent-encoded (RFC 3986: all but A-Z a-z 0-9 - _ . ~):
 * new string.  Ids, names and ISO times go into URLs through it. */
char *http_url_escape(const char *s);
/* "scheme://host:port" of a URL (new string), or NULL if it has none. */
char *http_url_origin(const char *url);
/* Free the strings of a response filled by a transport (not the struct). */
void http_response_done(struct http_response *resp);

#endif
