/*
 * test_jscan.c - the JSON scanner (core/jscan.c): walking and picking,
 * string decoding, and the checks that make a malformed reply an error with
 * a position: truncation at every byte, bad escapes and UTF-8, trailing
 * commas, deep nesting (no stack overflow).  A differential test against
 * jansson over the upstream API samples and deterministic mutations of them
 * holds the scanner to the parser it replaces: same verdict on every input,
 * and the same value when both accept.
 */
#include "testutil.h"

#include "core/jscan.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Check a whole document with the cursor: 0 or -1 (e set). */
static int check_doc(const char *t, size_t n, struct jscan_error *e)
{
    struct jscan c;

    jscan_init(&c, t, n);
    if (jscan_skip(&c, NULL, e) < 0)
        return -1;
    return jscan_end(&c, e);
}

static int ok(const char *t)
{
    struct jscan_error e;

    return check_doc(t, strlen(t), &e) == 0;
}

static json_t *build_doc(const char *t)
{
    struct jscan c;
    struct jscan_span v;
    struct jscan_error e;

    jscan_init(&c, t, strlen(t));
    if (jscan_skip(&c, &v, &e) < 0 || jscan_end(&c, &e) < 0)
        fail_msg("'%s' refused: %s", t, e.msg);
    return jscan_build(t, v);
}

static void test_grammar(void **state)
{
    static const char *const good[] = {
        "{}", "[]", " [ ] ", "0", "-0", "1.5e-3", "-12.0E+2", "\"\"", "true", "false", "null",
        "{\"a\":[1,{\"b\":null}],\"c\":\"d\"}", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
        "\"\\u00e9\\uD83D\\uDE00\"", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", "[\"\x7f\"]", "\n{\"k\" : 1 }\r\n",
    };
    static const char *const bad[] = {
        "", " ", "{", "[", "[1,]", "{\"a\":1,}", "{,}", "[,1]", "{\"a\"}", "{\"a\" 1}", "{1:2}",
        "01", "1.", ".5", "-", "1e", "+1", "tru", "truex", "nul", "[1 2]", "{\"a\":1 \"b\":2}",
        "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u0000\"", "\"\\uDC00\"", "\"\\uD800\"",
        "\"\\uD800\\u0041\"", "\"a\nb\"", "\"\x01\"", "\"\xc3\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"",
        "\"\xf4\x90\x80\x80\"", "\"\xff\"", "[1]]", "{} {}", "[1]x", "'a'", "NaN", "[-]",
    };
    struct jscan_error e;

    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (check_doc(good[i], strlen(good[i]), &e) < 0)
            fail_msg("good[%zu] '%s' refused: %s", i, good[i], e.msg);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&e, 0, sizeof e);
        if (check_doc(bad[i], strlen(bad[i]), &e) == 0)
            fail_msg("bad[%zu] '%s' accepted", i, bad[i]);
        assert_true(e.msg[0] != '\0');
        assert_true(e.pos <= strlen(bad[i]));
    }
    /* The messages say what and where. */
    check_doc("[1,]", 4, &e);
    assert_string_equal(e.msg, "unexpected ']' at byte 3 (a value expected)");
    check_doc("{\"a\":", 5, &e);
    assert_string_equal(e.msg, "truncated at byte 5 (a value expected)");
}

/* Every prefix of a valid document is refused, without reading past its end. */
static void test_truncation(void **state)
{
    const char *doc = "{\"servers\": [{\"id\": \"a\\u00e9\", \"n\": [1, 2.5e3, true, null, "
                      "{\"x\": \"caf\xc3\xa9\"}]}, {\"id\": \"b\"}], \"links\": []}";
    size_t n = strlen(doc);
    struct jscan_error e;

    (void)state;
    assert_int_equal(check_doc(doc, n, &e), 0);
    for (size_t k = 0; k < n; k++) {
        /* A heap copy of exactly k bytes, so ASan sees any read past the end. */
        char *t = malloc(k ? k : 1);
        memcpy(t, doc, k);
        if (check_doc(t, k, &e) == 0)
            fail_msg("prefix of %zu bytes accepted", k);
        free(t);
    }
}

static void test_depth(void **state)
{
    size_t n = 100000;
    char *t = malloc(2 * n + 1);
    struct jscan_error e;

    (void)state;
    /* Deep nesting is an error, not a stack overflow. */
    memset(t, '[', n);
    memset(t + n, ']', n);
    t[2 * n] = '\0';
    assert_int_equal(check_doc(t, 2 * n, &e), -1);
    assert_non_null(strstr(e.msg, "nesting deeper than 512"));
    /* 512 levels are fine, and build. */
    memset(t, '[', 512);
    memset(t + 512, ']', 512);
    t[1024] = '\0';
    assert_true(ok(t));
    json_decref(build_doc(t));
    t[0] = '{';
    assert_false(ok(t));
    free(t);
}

static void test_cursor_and_pick(void **state)
{
    const char *t = "{\"servers_links\": [{\"href\": \"x\"}], \"servers\": [{\"id\": \"s1\", "
                    "\"name\": \"a\\\"b\", \"links\": [1, 2], \"flavor\": {\"ram\": 512}, "
                    "\"n\": 12345678901234567890, \"r\": -0.5, \"na\\u006de\": \"dup\"}, "
                    "{\"id\": \"s2\", \"metadata\": {}}], \"x\": null}";
    static const char *const keys[] = {"id", "name", "flavor", "n", "r", NULL};
    struct jscan c;
    struct jscan_span k, span;
    struct jscan_error e;
    json_t *o;
    int rc, found = 0, items = 0;
    char *s;

    (void)state;
    jscan_init(&c, t, strlen(t));
    assert_int_equal(jscan_peek(&c), JSCAN_TYPE_OBJECT);
    assert_int_equal(jscan_enter(&c, &e), 0);
    while ((rc = jscan_next(&c, &k, &e)) > 0) {
        if (!jscan_key_is(&c, k, "servers")) {
            assert_int_equal(jscan_skip(&c, NULL, &e), 0);
            continue;
        }
        found++;
        assert_int_equal(jscan_enter(&c, &e), 0);
        while ((rc = jscan_next(&c, NULL, &e)) > 0) {
            o = jscan_pick(&c, keys, &span, &e);
            assert_non_null(o);
            assert_int_equal(t[span.start], '{');
            assert_int_equal(t[span.end - 1], '}');
            if (items++ == 0) {
                assert_string_equal(json_string_value(json_object_get(o, "id")), "s1");
                /* "na\u006de" is "name" too, and comes later: the last one wins. */
                assert_string_equal(json_string_value(json_object_get(o, "name")), "dup");
                assert_null(json_object_get(o, "links"));
                assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "flavor"),
                                                                    "ram")), 512);
                assert_true(json_is_real(json_object_get(o, "n")));
                assert_true(json_real_value(json_object_get(o, "r")) == -0.5);
                assert_int_equal(json_object_size(o), 5);
            } else {
                assert_int_equal(json_object_size(o), 1);
            }
            json_decref(o);
        }
        assert_int_equal(rc, 0);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(found, 1);
    assert_int_equal(items, 2);
    assert_int_equal(jscan_end(&c, &e), 0);

    /* Strings */
    {
        const char *q = "\"a\\u00e9\\n\\uD83D\\uDE00\"";
        s = jscan_strdup(q, (struct jscan_span){0, strlen(q)});
    }
    assert_string_equal(s, "a\xc3\xa9\n\xf0\x9f\x98\x80");
    free(s);
    assert_null(jscan_strdup("12", (struct jscan_span){0, 2}));
    {   /* into a buffer, with the length strlen() would give */
        static const struct {
            const char *json, *want;
        } cases[] = {
            {"\"web-01\"", "web-01"},
            {"\"\"", ""},
            {"\"a\\nb\"", "a\nb"},
            {"\"a\\u00e9\"", "a\xc3\xa9"},
            {"\"ab\\u0000cd\"", "ab"}, /* a NUL ends it, as in jscan_strdup() */
            {"\"\\uD83D\\uDE00x\"", "\xf0\x9f\x98\x80x"},
        };
        char buf[32];
        size_t n = 99;
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            struct jscan_span sp = {0, strlen(cases[i].json)};
            assert_ptr_equal(jscan_strcpy_n(cases[i].json, sp, buf, sizeof buf, &n), buf);
            assert_string_equal(buf, cases[i].want);
            assert_int_equal(n, strlen(cases[i].want));
        }
        assert_null(jscan_strcpy_n("\"abcdef\"", (struct jscan_span){0, 8}, buf, 5, &n));
        assert_null(jscan_strcpy_n("12", (struct jscan_span){0, 2}, buf, sizeof buf, &n));
    }

    /* Misuse is an error too: next outside a container, enter on a scalar, pick a list. */
    jscan_init(&c, "[1]", 3);
    assert_int_equal(jscan_next(&c, NULL, &e), -1);
    jscan_init(&c, "1", 1);
    assert_int_equal(jscan_enter(&c, &e), -1);
    jscan_init(&c, "[1]", 3);
    assert_null(jscan_pick(&c, keys, NULL, &e));
    /* A malformed member inside a picked object. */
    jscan_init(&c, "{\"id\": \"a\", \"x\": [1,}", 21);
    assert_null(jscan_pick(&c, keys, NULL, &e));
    assert_non_null(strstr(e.msg, "byte 20"));
}

/* ---- differential test against jansson ----------------------------------------------- */

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long sz;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)sz + 1);
    *n = fread(buf, 1, (size_t)sz, f);
    buf[*n] = '\0';
    fclose(f);
    return buf;
}

/* Same verdict as jansson; the same value when both accept. Returns 1 when accepted. */
/* In checked text a trusted cursor finds the members and spans a checking one finds, at
 * every level. */
static void walk_same(const char *t, struct jscan_span v, const char *what, int depth)
{
    struct jscan a, b;
    struct jscan_span ka, kb, va, vb;
    struct jscan_error e;
    int ra, rb;

    if (depth > 40 || (t[v.start] != '{' && t[v.start] != '['))
        return;
    jscan_init(&a, t, v.end);
    jscan_init_trusted(&b, t, v.end);
    a.pos = b.pos = v.start;
    assert_int_equal(jscan_enter(&a, &e), 0);
    assert_int_equal(jscan_enter(&b, &e), 0);
    for (;;) {
        ra = jscan_next(&a, &ka, &e);
        rb = jscan_next(&b, &kb, &e);
        if (ra != rb || (ra > 0 && t[v.start] == '{' && (ka.start != kb.start || ka.end != kb.end)))
            fail_msg("%s: trusted cursor: member differs at byte %zu", what, a.pos);
        if (ra <= 0)
            break;
        assert_int_equal(jscan_skip(&a, &va, &e), 0);
        assert_int_equal(jscan_skip(&b, &vb, &e), 0);
        if (va.start != vb.start || va.end != vb.end)
            fail_msg("%s: trusted cursor: value [%zu, %zu) for [%zu, %zu)", what, vb.start,
                     vb.end, va.start, va.end);
        walk_same(t, va, what, depth + 1);
    }
}

/* jscan_fields_set() over a whole object document (its own member loop, not the cursor's)
 * accepts what jansson accepts, and finds each wanted member as jansson reads it. */
static void fields_same(const char *t, size_t n, json_t *ref, const char *what)
{
    static const char *const keys[] = {"server", "servers", "volume", "node", "nodes", "id",
                                       "name", "status", "links", "flavor", "addresses",
                                       "token", "image", "images", "port", "ports", NULL};
    struct jscan_keys ks;
    struct jscan_span v[RT_JSCAN_MAX_KEYS];
    struct jscan c;
    struct jscan_error e;
    int rc;

    jscan_keys_init(&ks, keys);
    jscan_init(&c, t, n);
    rc = jscan_fields_set(&c, &ks, v, NULL, &e) == 0 && jscan_end(&c, &e) == 0;
    if (rc != (ref != NULL))
        fail_msg("%s: jansson %s, jscan_fields_set %s ('%s')", what,
                 ref ? "accepts" : "refuses", rc ? "accepts" : "refuses", rc ? "" : e.msg);
    for (size_t j = 0; rc && keys[j] != NULL; j++) {
        json_t *want = json_object_get(ref, keys[j]), *got;
        if (want == NULL) {
            if (jscan_has(v[j]))
                fail_msg("%s: '%s' found, jansson has none", what, keys[j]);
            continue;
        }
        if (!jscan_has(v[j]))
            fail_msg("%s: '%s' not found", what, keys[j]);
        /* The span alone, read by jansson: its end is checked too. */
        got = json_loadb(t + v[j].start, v[j].end - v[j].start, JSON_DECODE_ANY, NULL);
        if (got == NULL || !json_equal(want, got))
            fail_msg("%s: '%s' differs from jansson's", what, keys[j]);
        json_decref(got);
    }
}

static int same_as_jansson(const char *t, size_t n, const char *what)
{
    json_error_t je;
    json_t *ref = json_loadb(t, n, JSON_DECODE_ANY, &je), *mine;
    struct jscan c;
    struct jscan_span v;
    struct jscan_error e;
    int rc;

    jscan_init(&c, t, n);
    rc = jscan_skip(&c, &v, &e) == 0 && jscan_end(&c, &e) == 0;
    if (ref == NULL && strstr(je.text, "too big integer") != NULL)
        return rc; /* jansson refuses integers beyond 64 bits; the scanner makes them reals */
    if (rc != (ref != NULL))
        fail_msg("%s: jansson %s ('%s'), jscan %s ('%s')", what, ref ? "accepts" : "refuses",
                 ref ? "" : je.text, rc ? "accepts" : "refuses", rc ? "" : e.msg);
    jscan_init(&c, t, n);
    if (jscan_peek(&c) == JSCAN_TYPE_OBJECT)
        fields_same(t, n, ref, what);
    if (rc) {
        mine = jscan_build(t, v);
        if (!json_equal(ref, mine))
            fail_msg("%s: jscan_build differs from json_loads", what);
        json_decref(mine);
        walk_same(t, v, what, 0);
    }
    json_decref(ref);
    return rc;
}

/* Trusted cursors over strings ending in backslash runs, escaped quotes, numbers and
 * literals last in their object. */
static void test_trusted(void **state)
{
    const char *t = "{\"a\\\\\": \"x\\\\\", \"b\": \"say \\\"hi\\\"\", \"c\": [1, -2.5e3, true, null, "
                    "{\"d\": false}], \"e\": {\"f\": [[]], \"g\": \"}]\\\\\"}, \"h\": 12}";
    struct jscan c;
    struct jscan_span v;
    struct jscan_error e;

    (void)state;
    jscan_init(&c, t, strlen(t));
    assert_int_equal(jscan_skip(&c, &v, &e), 0);
    assert_int_equal(jscan_end(&c, &e), 0);
    walk_same(t, v, "escapes", 0);
}

/* A checking or a trusted cursor at the start of t. */
static void cursor_at(struct jscan *c, const char *t, int trusted)
{
    if (trusted)
        jscan_init_trusted(c, t, strlen(t));
    else
        jscan_init(c, t, strlen(t));
}

/* Prepared names: same-length names told apart, long names (the last length bucket) by
 * their full length, escaped keys decoded. */
static void test_fields_set(void **state)
{
    static const char *const keys[] = {"OS-EXT-SRV-ATTR:hypervisor_hostname",
                                       "OS-EXT-AZ:availability_zone", "ab", "cd", NULL};
    const char *t = "{\"cd\": 1, \"ab\": 2, \"OS-EXT-SRV-ATTR:hypervisor_hostnamX\": 0, "
                    "\"OS-EXT-SRV-ATTR:hypervisor_hostname\": \"h\", \"OS-EXT-SRV-ATTR:hyper\": 0, "
                    "\"OS-EXT-AZ:availability_zone\": \"z\", \"a\\u0062\": 3, \"ba\": 4}";
    struct jscan_keys ks;
    struct jscan_span v[4];
    struct jscan c;
    struct jscan_error e;

    static const char *const few[] = {"cd", "ab", NULL};
    /* The last key ends less than eight bytes before the end of the text. */
    const char *tail = "{\"ab\":1,\"cd\":2}";
    struct jscan_keys kf;

    (void)state;
    jscan_keys_init(&ks, keys);
    assert_int_equal(ks.n, 4);
    /* A checking cursor, then a trusted one (the mapper's): the same spans. */
    jscan_keys_init(&kf, few);
    for (int trusted = 0; trusted < 2; trusted++) {
        cursor_at(&c, t, trusted);
        assert_int_equal(jscan_fields_set(&c, &ks, v, NULL, &e), 0);
        assert_memory_equal(t + v[0].start, "\"h\"", 3);
        assert_memory_equal(t + v[1].start, "\"z\"", 3);
        assert_memory_equal(t + v[2].start, "3", 1); /* "a\u0062" is "ab" too, and later */
        assert_memory_equal(t + v[3].start, "1", 1);
        assert_int_equal(jscan_end(&c, &e), 0);
        cursor_at(&c, tail, trusted);
        assert_int_equal(jscan_fields_set(&c, &kf, v, NULL, &e), 0);
        assert_memory_equal(tail + v[0].start, "2", 1);
        assert_memory_equal(tail + v[1].start, "1", 1);
    }
}

static void test_against_jansson(void **state)
{
    static const char *const dirs[] = {"openstack/nova", "openstack/ironic", "openstack/cinder",
                                       "openstack/neutron", "openstack/glance",
                                       "openstack/keystone"};
    static const char repl[] = "{}[]\",:\\ 0-.eE\x01\xc3\xe9u";
    unsigned seed = 7;
    size_t files = 0, accepted = 0, refused = 0;

    (void)state;
    for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
        char *dir = shared_fixture_path(dirs[d]);
        DIR *dh = opendir(dir);
        struct dirent *de;
        if (dh == NULL) {
            free(dir);
            continue;
        }
        while ((de = readdir(dh)) != NULL) {
            char path[1024], what[1200];
            size_t n;
            char *t;
            if (strstr(de->d_name, ".json") == NULL)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            if ((t = slurp(path, &n)) == NULL)
                continue;
            files++;
            snprintf(what, sizeof what, "%s", de->d_name);
            same_as_jansson(t, n, what);
            /* Mutations: one byte replaced, or the text cut, at pseudo-random places. */
            for (int m = 0; m < 40 && n > 0; m++) {
                char *u = malloc(n + 1);
                size_t at, len = n;
                seed = seed * 1103515245u + 12345u;
                at = (seed >> 8) % n;
                memcpy(u, t, n);
                if (m % 4 == 3)
                    len = at;
                else
                    u[at] = repl[(seed >> 20) % (sizeof repl - 1)];
                u[len] = '\0';
                snprintf(what, sizeof what, "%s, mutation %d at byte %zu", de->d_name, m, at);
                if (same_as_jansson(u, len, what))
                    accepted++;
                else
                    refused++;
                free(u);
            }
            free(t);
        }
        closedir(dh);
        free(dir);
    }
    if (files == 0)
        skip();
    print_message("%zu samples, %zu mutations accepted, %zu refused\n", files, accepted, refused);
    /* Both outcomes were exercised. */
    assert_true(accepted > 10);
    assert_true(refused > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grammar),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_cursor_and_pick),
        cmocka_unit_test(test_fields_set),
        cmocka_unit_test(test_trusted),
        cmocka_unit_test(test_against_jansson),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
