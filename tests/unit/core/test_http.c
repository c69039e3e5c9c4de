/*
 * test_http.c - core/http.c through its transport seam (no sockets): queue
 * order, per-host and global caps, 503/Retry-After retries, deadlines,
 * callbacks that submit more work, cancellation, request accessors, URL helpers, PEM/DER
 * and the certificate fingerprint + SPKI pin.
 */
#include "testutil.h"

#include "core/err.h"
#include "core/http.h"
#include "core/util.h"
#include "core/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A fake transport: replies by URL suffix, counts calls. */
struct fake {
    int calls;
    int fail503; /* first N calls of "/busy" answer 503 */
    char seen[16][128];
};

static int fake_perform(void *ctx, const struct http_request *rq, struct http_response *resp)
{
    struct fake *f = ctx;
    const char *url = http_request_url(rq);

    if (f->calls < 16)
        snprintf(f->seen[f->calls], sizeof f->seen[0], "%s %s", http_request_method(rq), url);
    f->calls++;
    if (strstr(url, "/busy") != NULL && f->fail503-- > 0) {
        resp->status = 503;
        resp->retry_after_s = 0;
        resp->body = xstrdup("");
        return 0;
    }
    if (strstr(url, "/dead") != NULL) {
        snprintf(resp->err_msg, sizeof resp->err_msg, "connection refused");
        resp->err_code = RT_ERR_TRANSPORT;
        return -1;
    }
    resp->status = 200;
    resp->etag = xstrdup("W/\"1\"");
    resp->body = xasprintf("{\"url\":\"%s\",\"auth\":\"%s\"}", url,
                           http_request_header(rq, "X-Auth-Token") ? "token" : "none");
    return 0;
}

struct got {
    int n;
    long status[16];
    int attempts[16];
    char body[16][160];
    int err[16];
};

static void on_done(void *ctx, const struct http_request *rq, const struct http_response *resp)
{
    struct got *g = ctx;

    (void)rq;
    if (g->n < 16) {
        g->status[g->n] = resp->status;
        g->attempts[g->n] = resp->attempts;
        g->err[g->n] = resp->err_code;
        snprintf(g->body[g->n], sizeof g->body[0], "%s", resp->body ? resp->body : "(null)");
    }
    g->n++;
}

static struct http_multi *fake_multi(struct fake *f, struct http_transport *t, int per_host)
{
    struct http_opts o = {0};

    t->perform = fake_perform;
    t->ctx = f;
    o.transport = t;
    o.max_per_host = per_host;
    o.max_retry_after_ms = 20;
    return http_multi_new(&o);
}

static void test_order_and_bodies(void **state)
{
    struct fake f = {0};
    struct http_transport t;
    struct got g = {0};
    struct http_multi *m = fake_multi(&f, &t, 2);
    struct http_request *rq;

    (void)state;
    rq = http_request_new("GET", "http://a/x");
    http_request_add_header(rq, "X-Auth-Token", "s3cr3t");
    http_submit(m, rq, on_done, &g);
    rq = http_request_new("POST", "http://b/y");
    http_request_set_body(rq, "{}", 2, NULL);
    http_submit(m, rq, on_done, &g);
    assert_int_equal(http_pending(m), 2);
    assert_int_equal(http_run(m, rt_mono_ms() + 5000), 2);
    assert_int_equal(http_pending(m), 0);
    assert_int_equal(g.n, 2);
    assert_string_equal(f.seen[0], "GET http://a/x");
    assert_string_equal(f.seen[1], "POST http://b/y");
    assert_string_equal(g.body[0], "{\"url\":\"http://a/x\",\"auth\":\"token\"}");
    assert_string_equal(g.body[1], "{\"url\":\"http://b/y\",\"auth\":\"none\"}");
    http_multi_free(m);
}

/* A done callback may take the body instead of copying it (large listing pages). */
struct took {
    char *body;
    size_t len;
};

static void on_done_take(void *ctx, const struct http_request *rq,
                         const struct http_response *resp)
{
    struct took *t = ctx;

    (void)rq;
    t->body = http_take_body(resp, &t->len);
    assert_null(resp->body);
}

static void test_take_body(void **state)
{
    struct fake f = {0};
    struct http_transport t;
    struct took tk = {0};
    struct http_multi *m = fake_multi(&f, &t, 2);

    (void)state;
    http_submit(m, http_request_new("GET", "http://a/x"), on_done_take, &tk);
    assert_int_equal(http_run(m, rt_mono_ms() + 5000), 1);
    assert_string_equal(tk.body, "{\"url\":\"http://a/x\",\"auth\":\"none\"}");
    assert_int_equal(tk.len, strlen(tk.body));
    free(tk.body); /* ours now: the engine freed the request without it (ASan: no double free) */
    http_multi_free(m);
}

static void test_retry_503(void **state)
{
    struct fake f = {0};
    struct http_transport t;
    struct got g = {0};
    struct http_multi *m = fake_multi(&f, &t, 2);

    (void)state;
    f.fail503 = 2;
    http_submit(m, http_request_new("GET", "http://a/busy"), on_done, &g);
    http_run(m, rt_mono_ms() + 5000);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.status[0], 200);
    assert_int_equal(g.attempts[0], 3);
    /* retries exhausted: the 503 reaches the callback */
    f.fail503 = 10;
    g.n = 0;
    http_submit(m, http_request_new("GET", "http://a/busy"), on_done, &g);
    http_run(m, rt_mono_ms() + 5000);
    assert_int_equal(g.status[0], 503);
    assert_int_equal(g.attempts[0], 3);
    /* no retries for this request */
    f.fail503 = 10;
    g.n = 0;
    {
        struct http_request *rq = http_request_new("GET", "http://a/busy");
        http_request_set_retries(rq, -1);
        http_submit(m, rq, on_done, &g);
    }
    http_run(m, rt_mono_ms() + 5000);
    assert_int_equal(g.attempts[0], 1);
    http_multi_free(m);
}

static void test_transport_failure_and_free_cancels(void **state)
{
    struct fake f = {0};
    struct http_transport t;
    struct got g = {0};
    struct http_multi *m = fake_multi(&f, &t, 2);

    (void)state;
    http_submit(m, http_request_new("GET", "http://a/dead"), on_done, &g);
    http_run(m, rt_mono_ms() + 5000);
    assert_int_equal(g.status[0], 0);
    assert_int_equal(g.err[0], RT_ERR_TRANSPORT);
    /* queued but never run: freeing the engine still calls back, once */
    http_submit(m, http_request_new("GET", "http://a/x"), on_done, &g);
    http_multi_free(m);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.status[1], 0);
}

/* A callback that follows a "link": submits one more request from inside http_run. */
struct chain {
    struct http_multi *m;
    int hops;
    struct got g;
};

static void on_chain(void *ctx, const struct http_request *rq, const struct http_response *resp)
{
    struct chain *c = ctx;

    on_done(&c->g, rq, resp);
    if (++c->hops < 3)
        http_submit(c->m, http_request_new("GET", "http://a/next"), on_chain, c);
}

static void test_callbacks_submit(void **state)
{
    struct fake f = {0};
    struct http_transport t;
    struct chain c = {0};

    (void)state;
    c.m = fake_multi(&f, &t, 1);
    http_submit(c.m, http_request_new("GET", "http://a/first"), on_chain, &c);
    http_run(c.m, rt_mono_ms() + 5000);
    assert_int_equal(c.g.n, 3);
    assert_int_equal(f.calls, 3);
    http_multi_free(c.m);
}

static void test_deadline(void **state)
{
    struct fake f = {0};
    struct http_transport t;
    struct got g = {0};
    struct http_multi *m = fake_multi(&f, &t, 2);

    (void)state;
    /* a deadline already passed: nothing is sent, the callback gets RT_ERR_TIMEOUT */
    http_submit(m, http_request_new("GET", "http://a/x"), on_done, &g);
    http_run(m, rt_mono_ms() - 1);
    assert_int_equal(f.calls, 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.err[0], RT_ERR_TIMEOUT);
    http_multi_free(m);
}

/* http_opts.cancelled: a quit while a crawl runs.  The first reply's callback "quits" and
 * queues a follow-up: the follow-up is never sent and completes as cancelled. */
struct cancel_ctx {
    int quit, asked;
    struct http_multi *m;
    struct got *g;
};

static int is_cancelled(void *ctx)
{
    struct cancel_ctx *c = ctx;

    c->asked++;
    return c->quit;
}

static void on_first(void *ctx, const struct http_request *rq, const struct http_response *resp)
{
    struct cancel_ctx *c = ctx;

    on_done(c->g, rq, resp);
    c->quit = 1;
    http_submit(c->m, http_request_new("GET", "http://a/next"), on_done, c->g);
}

static void test_cancel(void **state)
{
    struct fake f = {0};
    struct http_transport t = {fake_perform, &f};
    struct got g = {0};
    struct cancel_ctx c = {0};
    struct http_opts o = {0};

    (void)state;
    o.transport = &t;
    o.cancelled = is_cancelled;
    o.cancel_ctx = &c;
    c.m = http_multi_new(&o);
    c.g = &g;
    http_submit(c.m, http_request_new("GET", "http://a/first"), on_first, &c);
    assert_int_equal(http_run(c.m, rt_mono_ms() + 60000), 2);
    assert_int_equal(f.calls, 1); /* /next was never sent */
    assert_int_equal(g.n, 2);
    assert_int_equal(g.status[0], 200);
    assert_int_equal(g.status[1], 0);
    assert_int_equal(g.err[1], RT_ERR_TRANSPORT);
    assert_true(c.asked >= 2);
    http_multi_free(c.m);
}

static void test_request_accessors(void **state)
{
    struct http_request *rq = http_request_new("PATCH", "https://bmc/redfish/v1/Systems/1");
    size_t len = 0;

    (void)state;
    http_request_add_header(rq, "If-Match", "W/\"abc\"");
    http_request_set_body(rq, "{\"a\":1}", 7, NULL);
    http_request_set_basic_auth(rq, "admin", "pw");
    assert_string_equal(http_request_method(rq), "PATCH");
    assert_string_equal(http_request_header(rq, "if-match"), "W/\"abc\"");
    assert_null(http_request_header(rq, "X-Other"));
    assert_string_equal(http_request_body(rq, &len), "{\"a\":1}");
    assert_int_equal(len, 7);
    assert_true(http_request_has_basic_auth(rq));
    http_request_free(rq);
    http_request_free(NULL);
}

static void test_urls(void **state)
{
    char *s;

    (void)state;
    s = http_url_resolve("https://10.0.0.1:8443/bmc/x/redfish/v1/", "/redfish/v1/Systems");
    assert_string_equal(s, "https://10.0.0.1:8443/redfish/v1/Systems");
    free(s);
    s = http_url_resolve("https://h/a/b", "http://other/z");
    assert_string_equal(s, "http://other/z");
    free(s);
    s = http_url_resolve("https://h/a/b", "c");
    assert_string_equal(s, "https://h/a/c");
    free(s);
    s = http_url_origin("https://h:1/a/b?q");
    assert_string_equal(s, "https://h:1");
    free(s);
    assert_null(http_url_origin("no-scheme"));
    /* Unreserved characters stay, the rest is %XX (upper case), bytes above 0x7f too. */
    s = http_url_escape("2026-11-22T04:00:00+00:00");
    assert_string_equal(s, "2026-11-22T04%3A00%3A00%2B00%3A00");
    free(s);
    s = http_url_escape("a b/c?d&e=f_g.h~i\xc3\xa9");
    assert_string_equal(s, "a%20b%2Fc%3Fd%26e%3Df_g.h~i%C3%A9");
    free(s);
    s = http_url_escape("");
    assert_string_equal(s, "");
    free(s);
}

/* A real self-signed certificate (openssl req -x509 -newkey ec ...), its SHA-256 and SPKI pin
 * as computed by `openssl x509 -fingerprint -sha256` and
 * `openssl x509 -pubkey | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`. */
static const char test_pem[] =
#include "test_http_cert.inc"
    ;

static void test_cert_fingerprint(void **state)
{
    size_t len = 0;
    unsigned char *der = http_pem_to_der(test_pem, &len);
    struct http_cert c = {0};

    (void)state;
    assert_non_null(der);
    assert_int_equal(http_cert_from_der(der, len, &c), 0);
    assert_true(c.present);
    assert_string_equal(c.sha256, TEST_CERT_SHA256);
    assert_string_equal(c.spki_b64, TEST_CERT_SPKI);
    /* truncated or garbage DER is refused, never read past the end */
    memset(&c, 0, sizeof c);
    assert_int_equal(http_cert_from_der(der, len / 2, &c), -1);
    assert_int_equal(http_cert_from_der((const unsigned char *)"\x30\x82\xff\xff", 4, &c), -1);
    free(der);
    assert_null(http_pem_to_der("no certificate here", &len));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_bodies),
        cmocka_unit_test(test_take_body),
        cmocka_unit_test(test_retry_503),
        cmocka_unit_test(test_transport_failure_and_free_cancels),
        cmocka_unit_test(test_callbacks_submit),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_request_accessors),
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_cert_fingerprint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
