/*
 * test_model.c - kinds, schemas, resources, typed JSON, fleet merging,
 * action table and parameter validation, SHA-256.
 */
#include "testutil.h"

#include <limits.h>
#include <time.h>

#include "core/action.h"
#include "core/engine.h"
#include "core/err.h"
#include "core/fleet.h"
#include "core/hmap.h"
#include "core/resjson.h"
#include "core/sha256.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "core/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_kind_names(void **state)
{
    (void)state;
    for (int k = 0; k < RES_KIND__COUNT; k++) {
        assert_int_equal(res_kind_from_name(res_kind_name((enum res_kind)k)), k);
        assert_int_equal(res_kind_from_name(res_kind_plural((enum res_kind)k)), k);
    }
    assert_int_equal(res_kind_from_name("vms"), RES_KIND_INSTANCE);
    assert_int_equal(res_kind_from_name("disks"), RES_KIND_VOLUME);
    assert_int_equal(res_kind_from_name("instancez"), -1);
    /* Kinds are stored by number (the cache): a new kind is appended, never inserted. */
    assert_int_equal(RES_KIND_PORT, 15);
    assert_int_equal(RES_KIND_FLOATINGIP, 16);
    assert_int_equal(RES_KIND_NETWORK, 17);
    assert_string_equal(res_kind_plural(RES_KIND_NETWORK), "networks");
    assert_int_equal(res_kind_from_name("network"), RES_KIND_NETWORK);
    assert_int_equal(res_field_index(RES_KIND_NETWORK, "external"), 0);
    for (int s = 0; s < RES_STATUS__COUNT; s++)
        assert_int_equal(res_status_from_name(res_status_name((enum res_status)s)), s);
}

static void test_fields_encode_decode_and_hash(void **state)
{
    (void)state;
    struct resource *r = res_new("lab", RES_KIND_VOLUME, "v-1", "data-1"), *c;
    char *enc;
    uint64_t h;

    res_set_int(r, "size_gb", 40);
    res_set_bool(r, "bootable", 0);
    res_set(r, "attached_to", "i-1");
    h = res_hash(r);
    enc = res_fields_encode(r);
    c = res_new("lab", RES_KIND_VOLUME, "v-1", "data-1");
    assert_int_equal(res_fields_decode(c, enc, NULL), 0);
    assert_int_equal(res_hash(c), h);
    assert_int_equal(res_get_int(c, "size_gb", -1), 40);
    res_set_int(c, "size_gb", 41);
    assert_int_not_equal(res_hash(c), h);
    /* unknown names (a newer schema) are ignored, damage is refused */
    assert_int_equal(res_fields_decode(c, "future\x1fx\x1e" "device\x1f/dev/vdb\x1e", NULL), 0);
    assert_string_equal(res_get(c, "device"), "/dev/vdb");
    assert_int_equal(res_fields_decode(c, "device/dev/vdc", NULL), -1);
    assert_int_equal(res_fields_decode(c, "device\x1f/dev/vdc", NULL), -1);
    /* separator bytes inside values survive the round trip */
    res_set(c, "volume_type", "a\x1e" "b\x1f" "c\x10" "d");
    free(enc);
    enc = res_fields_encode(c);
    res_set(c, "volume_type", NULL);
    assert_int_equal(res_fields_decode(c, enc, NULL), 0);
    assert_string_equal(res_get(c, "volume_type"), "a\x1e" "b\x1f" "c\x10" "d");
    free(enc);
    res_free(c);
    res_free(r);
}

/* The JSON writer's string escaping (written in place, worst case reserved). */
static void test_json_string_escapes(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", "\"\""},
        {"plain text", "\"plain text\""},
        {"q\"b\\s/", "\"q\\\"b\\\\s/\""},
        {"\n\r\t", "\"\\n\\r\\t\""},
        {"\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\""},
        {"caf\xc3\xa9 \xe2\x82\xac", "\"caf\xc3\xa9 \xe2\x82\xac\""},
        {"bad \xff\xc3", "\"bad \xef\xbf\xbd\xef\xbf\xbd\""},
        /* Longer than eight bytes: special bytes at every place of an eight-byte step. */
        {"abcdefgh\"ijklmnop", "\"abcdefgh\\\"ijklmnop\""},
        {"abcdefg\nhijklmnopq\\", "\"abcdefg\\nhijklmnopq\\\\\""},
        {"0123456789abcdef\xc3\xa9!", "\"0123456789abcdef\xc3\xa9!\""},
        {"0123456\x7f" "89abcdef\x01", "\"0123456\x7f" "89abcdef\\u0001\""},
    };
    struct strbuf sb = STRBUF_INIT;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        strbuf_reset(&sb);
        strbuf_adds(&sb, "x");
        res_json_write_string(&sb, cases[i].in);
        assert_string_equal(sb.buf + 1, cases[i].out);
        assert_int_equal(sb.len, strlen(sb.buf));
    }
    /* Every byte escaped: the reserve covers the worst case. */
    {
        char in[200];
        memset(in, 0x01, sizeof in - 1);
        in[sizeof in - 1] = '\0';
        strbuf_reset(&sb);
        res_json_write_string(&sb, in);
        assert_int_equal(sb.len, 2 + 6 * (sizeof in - 1));
    }
    strbuf_done(&sb);
}

/* The obvious encoder, a byte at a time: what res_json_write_string() must write. */
static void ref_json_string(struct strbuf *sb, const char *v)
{
    const unsigned char *s = (const unsigned char *)v;

    strbuf_addc(sb, '"');
    for (size_t i = 0; s[i] != '\0'; i++) {
        if (s[i] == '"' || s[i] == '\\')
            strbuf_addf(sb, "\\%c", s[i]);
        else if (s[i] == '\n')
            strbuf_adds(sb, "\\n");
        else if (s[i] == '\r')
            strbuf_adds(sb, "\\r");
        else if (s[i] == '\t')
            strbuf_adds(sb, "\\t");
        else if (s[i] < 0x20)
            strbuf_addf(sb, "\\u%04x", s[i]);
        else if (s[i] >= 0x80 && s[i + 1] != '\0' && s[i] == 0xc3 && (s[i + 1] & 0xc0) == 0x80)
            strbuf_add(sb, s + i, 2), i++; /* the only multibyte sequence used below */
        else if (s[i] >= 0x80)
            strbuf_adds(sb, "\xef\xbf\xbd");
        else
            strbuf_addc(sb, (char)s[i]);
    }
    strbuf_addc(sb, '"');
}

/* Every length from 0 to 40 with one special byte (or sequence) at every place: the
 * eight-byte steps, and the tail written as the string's last eight bytes, agree with the
 * byte-at-a-time encoder. */
static void test_json_string_every_place(void **state)
{
    static const char *const specials[] = {"\"", "\\", "\n", "\x01", "\x1f", "\xc3\xa9",
                                           "\xff", "\xc3", "\x7f"};
    struct strbuf got = STRBUF_INIT, want = STRBUF_INIT;
    char in[64];

    (void)state;
    for (size_t n = 0; n <= 40; n++) {
        for (size_t at = 0; at <= n; at++) {
            for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++) {
                size_t sl = strlen(specials[k]), o = 0;
                for (size_t i = 0; i < n; i++)
                    in[o++] = (char)('a' + i % 26);
                if (at < n) { /* the special replaces byte `at`; at == n: plain only */
                    memmove(in + at + sl, in + at + 1, n - at - 1);
                    memcpy(in + at, specials[k], sl);
                    o = n - 1 + sl;
                }
                in[o] = '\0';
                strbuf_reset(&got);
                strbuf_reset(&want);
                strbuf_adds(&got, "x");
                res_json_write_string(&got, in);
                ref_json_string(&want, in);
                if (strcmp(got.buf + 1, want.buf) != 0)
                    fail_msg("length %zu, special %zu at %zu: %s, expected %s", n, k, at,
                             got.buf + 1, want.buf);
                assert_int_equal(got.len, strlen(got.buf));
            }
        }
    }
    strbuf_done(&got);
    strbuf_done(&want);
}

/* json_equal(), but a number is its value: JSON has one number type, and the text "-3"
 * reads back as jansson's integer where the tree holds the real -3.0. */
static int same_json(json_t *a, json_t *b)
{
    const char *k;
    json_t *v;
    size_t i;

    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    if (json_typeof(a) != json_typeof(b))
        return 0;
    if (json_is_object(a)) {
        if (json_object_size(a) != json_object_size(b))
            return 0;
        json_object_foreach(a, k, v) {
            json_t *w = json_object_get(b, k);
            if (w == NULL || !same_json(v, w))
                return 0;
        }
        return 1;
    }
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b))
            return 0;
        json_array_foreach(a, i, v) {
            if (!same_json(v, json_array_get(b, i)))
                return 0;
        }
        return 1;
    }
    return json_equal(a, b);
}

/* res_json_write() (the text the command line prints) says what res_to_json() says, for
 * rows of two kinds in turn, odd values of every field type among them. */
static void test_json_write_matches_tree(void **state)
{
    static const char *const ints[] = {"8", "0", "-12", "007", "-0", "+5", " 5", "12a", "-",
                                       "123456789012345678", "9223372036854775807",
                                       "99999999999999999999", ""};
    static const char *const jsons[] = {"[\"10.0.0.5\",\"203.0.113.5\"]", "[]", "[\"\"]",
                                        "[ \"a\" ]", "[\"a\\\"b\"]", "[\"caf\xc3\xa9\"]",
                                        "[\"a\",]", "[\"a\"\"b\"]", "[\"a\"]]", "[\"a]",
                                        "[1,{\"k\":null}]", "{\"k\":\"v\"}", "\"s\"", "[\"\x01\"]",
                                        "[\"bad\xff\"]", "nope"};
    static const char *const bools[] = {"true", "false", "TRUE", "1"};
    static const char *const nums[] = {"12.5", "0", "-3", "1e3", "abc", "7.25x"};
    struct strbuf sb = STRBUF_INIT;

    (void)state;
    for (size_t i = 0; i < 40; i++) {
        enum res_kind kind = i % 3 == 2 ? RES_KIND_HOST : RES_KIND_INSTANCE;
        struct resource *r = res_new(i % 5 == 4 ? "l\"ab" : "lab", kind, "i-1234567890abcdef",
                                     i % 2 ? "web-\x1b[2J-01" : "db");
        json_t *tree, *back;
        json_error_t je;
        res_set_status(r, RES_STATUS_ACTIVE, i % 4 ? "active" : NULL);
        r->progress = i % 3 == 0 ? -1 : (int)i * 3;
        r->updated_at = i % 6 == 5 ? 0 : 1795300000 + (int64_t)(i / 2) * 86461;
        if (kind == RES_KIND_INSTANCE) {
            res_set(r, "vcpus", ints[i % (sizeof ints / sizeof ints[0])]);
            res_set(r, "addresses", jsons[i % (sizeof jsons / sizeof jsons[0])]);
            res_set(r, "locked", bools[i % (sizeof bools / sizeof bools[0])]);
            res_set(r, "host", i % 2 ? "bad\xff\xfeutf8" : "host-01.example.org");
        } else {
            res_set(r, "mem_mb", ints[i % (sizeof ints / sizeof ints[0])]);
            res_set(r, "cpu_pct", nums[i % (sizeof nums / sizeof nums[0])]);
            res_set(r, "maintenance", bools[i % (sizeof bools / sizeof bools[0])]);
            res_set(r, "boot_order", jsons[(i + 3) % (sizeof jsons / sizeof jsons[0])]);
        }
        strbuf_reset(&sb);
        res_json_write(&sb, r, (int)(i % 3) - 1);
        back = json_loads(sb.buf, 0, &je);
        if (back == NULL)
            fail_msg("row %zu is not JSON (%s): %s", i, je.text, sb.buf);
        tree = res_to_json(r, (int)(i % 3) - 1);
        if (!same_json(back, tree)) {
            char *t = json_dumps(tree, JSON_COMPACT | JSON_PRESERVE_ORDER);
            fprintf(stderr, "row %zu:\n%s\nexpected\n%s\n", i, sb.buf, t);
            free(t);
            fail();
        }
        json_decref(back);
        json_decref(tree);
        res_free(r);
    }
    strbuf_done(&sb);
}

/* rt_hash: a change anywhere in one buffer changes it; the length of the tail counts. */
static void test_rt_hash(void **state)
{
    unsigned char buf[37];
    uint64_t h0;

    (void)state;
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)('a' + i % 26);
    h0 = rt_hash(RT_FNV_INIT, buf, sizeof buf);
    assert_true(h0 == rt_hash(RT_FNV_INIT, buf, sizeof buf));
    for (size_t i = 0; i < sizeof buf; i++) {
        for (int bit = 0; bit < 8; bit++) {
            buf[i] ^= (unsigned char)(1u << bit);
            assert_true(rt_hash(RT_FNV_INIT, buf, sizeof buf) != h0);
            buf[i] ^= (unsigned char)(1u << bit);
        }
    }
    for (size_t n = 0; n < 16; n++) /* "a", "a\0", ... and every prefix length differ */
        assert_true(rt_hash(RT_FNV_INIT, "a\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", n) !=
                    rt_hash(RT_FNV_INIT, "a\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", n + 1));
}

/* rt_iso8601() agrees with gmtime_r() and strftime() (which it formats without). */
static void test_iso8601(void **state)
{
    static const int64_t edges[] = {0, 59, 86399, 86400, 951782400 /* 2000-02-29 */,
                                    951868799, 4107542400 /* 2100-03-01 */, 1795300000,
                                    253402300799 /* 9999-12-31T23:59:59 */, 253402300800, -1};
    char a[32], b[32];
    uint64_t x = 88172645463325252ULL;

    (void)state;
    for (size_t i = 0; i < sizeof edges / sizeof edges[0] + 20000; i++) {
        int64_t t;
        time_t tt;
        struct tm tm;
        if (i < sizeof edges / sizeof edges[0]) {
            t = edges[i];
        } else {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift: spread over 1970-9999 */
            t = (int64_t)(x % 253402300800ULL);
        }
        tt = (time_t)t;
        gmtime_r(&tt, &tm);
        strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
        rt_iso8601(t, a, sizeof a);
        if (strcmp(a, b) != 0)
            fail_msg("%lld: %s, libc says %s", (long long)t, a, b);
    }
}

/* A row's hash tells a NULL field from "", and where one field ends from the next. */
static void test_res_hash_fields(void **state)
{
    struct resource *a = res_new("lab", RES_KIND_INSTANCE, "i-1", "web");
    struct resource *b = res_dup(a);

    (void)state;
    assert_true(res_hash(a) == res_hash(b));
    res_set(b, "zone", "");
    assert_true(res_hash(a) != res_hash(b));
    res_set(a, "zone", "ab");
    res_set(a, "host", "c");
    res_set(b, "zone", "a");
    res_set(b, "host", "bc");
    assert_true(res_hash(a) != res_hash(b));
    res_set(b, "zone", "ab");
    res_set(b, "host", "c");
    assert_true(res_hash(a) == res_hash(b));
    res_free(a);
    res_free(b);
}

/*
 * A row built in one piece (res_build) is the row res_new() and res_set*() make: same
 * members, same hash, same JSON; res_set*() replace its members, res_dup() copies it, the
 * fleet swaps it in place, and res_free() frees it (the ASan build checks every free).
 */
static struct resource *built_row(struct res_build *b, const char *name)
{
    size_t mark;
    struct strbuf *o;

    res_build_start(b, "lab", RES_KIND_INSTANCE, "i-1", name);
    b->status = RES_STATUS_ACTIVE;
    b->progress = 40;
    b->updated_at = 1700000000;
    res_build_set(b, RES_SLOT_RAW_STATUS, "ACTIVE/x", 6); /* n bytes, not to the NUL */
    res_build_set(b, res_field_index(RES_KIND_INSTANCE, "zone"), "az-1", 4);
    res_build_set_int(b, res_field_index(RES_KIND_INSTANCE, "vcpus"), -12);
    o = res_build_open(b, &mark);
    strbuf_adds(o, "[\"10.0.0.4\"]");
    res_build_close(b, res_field_index(RES_KIND_INSTANCE, "addresses"), mark);
    res_build_set(b, res_field_index(RES_KIND_INSTANCE, "host"), "", 0);
    return res_build_done(b);
}

static struct resource *plain_row(const char *name)
{
    struct resource *r = res_new("lab", RES_KIND_INSTANCE, "i-1", name);

    res_set_status(r, RES_STATUS_ACTIVE, "ACTIVE");
    r->progress = 40;
    r->updated_at = 1700000000;
    res_set(r, "zone", "az-1");
    res_set_int(r, "vcpus", -12);
    res_set(r, "addresses", "[\"10.0.0.4\"]");
    res_set(r, "host", "");
    return r;
}

static void test_built_rows(void **state)
{
    struct res_build b = RES_BUILD_INIT;
    struct resource *r, *p, *c, *r2;
    char *enc;
    struct strbuf j1 = STRBUF_INIT, j2 = STRBUF_INIT;
    struct fleet *f = fleet_new();
    struct engine_event ev = {0};

    (void)state;
    for (int k = 0; k < RES_KIND__COUNT; k++) { /* every kind fits a builder */
        size_t n;
        res_schema((enum res_kind)k, &n);
        assert_true(n <= RES_BUILD_MAX_FIELDS);
    }
    r = built_row(&b, NULL); /* no name: the id */
    p = plain_row("i-1");
    assert_non_null(r->slab);
    assert_string_equal(r->name, "i-1");
    assert_string_equal(r->raw_status, "ACTIVE");
    assert_string_equal(res_get(r, "vcpus"), "-12");
    assert_string_equal(res_get(r, "host"), "");
    assert_null(res_get(r, "image"));
    assert_int_equal(r->progress, 40);
    assert_true(res_hash(r) == res_hash(p));
    res_json_write(&j1, r, 0);
    res_json_write(&j2, p, 0);
    assert_string_equal(j1.buf, j2.buf);

    /* The builder is ready for the next row, and the first one does not change. */
    r2 = built_row(&b, "web");
    assert_string_equal(r2->name, "web");
    c = built_row(&b, NULL); /* the same row again: the same slab, nothing left over */
    assert_int_equal(c->slab_len, r->slab_len);
    assert_memory_equal(c->slab + r->nfields * sizeof(char *), r->slab + r->nfields * sizeof(char *),
                        r->slab_len - r->nfields * sizeof(char *));
    res_free(c);
    assert_string_equal(r->name, "i-1");
    assert_string_equal(res_get(r, "zone"), "az-1");

    /* A copy is a row of its own: a slab of its own, members moved along, and members set
     * after the build copied too. */
    res_set(r, "zone", "az-2");
    res_set_status(r, RES_STATUS_SHUTOFF, "SHUTOFF");
    res_set_provider(r, "prod");
    {   /* lengths: the slab's for its own strings, strlen() for the ones set since */
        struct resource *q = plain_row("i-1");
        res_set(q, "zone", "az-2");
        res_set_status(q, RES_STATUS_SHUTOFF, "SHUTOFF");
        res_set_provider(q, "prod");
        strbuf_reset(&j1);
        strbuf_reset(&j2);
        res_json_write(&j1, r, 0);
        res_json_write(&j2, q, 0);
        assert_string_equal(j1.buf, j2.buf);
        assert_true(res_hash(r) == res_hash(q));
        res_free(q);
    }
    c = res_dup(r);
    assert_non_null(c->slab);
    assert_true(c->slab != r->slab);
    assert_true(c->id != r->id && c->fields[res_field_index(RES_KIND_INSTANCE, "zone")] !=
                                      r->fields[res_field_index(RES_KIND_INSTANCE, "zone")]);
    assert_true(c->id >= c->slab && c->id < c->slab + c->slab_len);
    assert_true(res_hash(c) == res_hash(r));
    assert_string_equal(c->provider, "prod");
    assert_string_equal(res_get(c, "zone"), "az-2");
    assert_string_equal(c->raw_status, "SHUTOFF");
    res_free(r);
    assert_string_equal(res_get(c, "addresses"), "[\"10.0.0.4\"]");
    assert_string_equal(c->name, "i-1");
    /* Decoding cached fields replaces the slab's own (az-2 back to p's az-1). */
    enc = res_fields_encode(p);
    assert_int_equal(res_fields_decode(c, enc, NULL), 0);
    assert_string_equal(res_get(c, "zone"), "az-1");
    free(enc);

    /* The fleet swaps an upsert's contents into the row it holds (slab and all). */
    ev.type = ENGINE_EV_SYNC;
    ev.kind = RES_KIND_INSTANCE;
    snprintf(ev.provider, sizeof ev.provider, "lab");
    res_list_init(&ev.rows);
    res_list_push(&ev.rows, r2);
    fleet_apply(f, &ev);
    ev.type = ENGINE_EV_UPSERT;
    res_list_push(&ev.rows, built_row(&b, "web-2"));
    fleet_apply(f, &ev);
    assert_string_equal(fleet_find(f, RES_KIND_INSTANCE, "lab", "i-1")->name, "web-2");
    ev.type = ENGINE_EV_UPSERT;
    res_list_push(&ev.rows, plain_row("web-3"));
    fleet_apply(f, &ev);
    assert_string_equal(fleet_find(f, RES_KIND_INSTANCE, "lab", "i-1")->name, "web-3");
    fleet_free(f);
    res_build_free(&b);
    res_free(c);
    res_free(p);
    strbuf_done(&j1);
    strbuf_done(&j2);
}

/* res_set_int() writes what printf("%lld") would. */
static void test_set_int(void **state)
{
    static const long long v[] = {0, 7, -5, 1234567890123LL, LLONG_MAX, LLONG_MIN};
    struct resource *r = res_new("lab", RES_KIND_INSTANCE, "i-1", "web");
    char want[32];

    (void)state;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        snprintf(want, sizeof want, "%lld", v[i]);
        res_set_int(r, "vcpus", v[i]);
        assert_string_equal(res_get(r, "vcpus"), want);
    }
    res_free(r);
}

/* A buffer reserved and taken without text is the empty string. */
static void test_strbuf_reserve_empty(void **state)
{
    struct strbuf sb = STRBUF_INIT;
    char *s;

    (void)state;
    strbuf_reserve(&sb, 100);
    assert_string_equal(sb.buf, "");
    s = strbuf_take(&sb);
    assert_string_equal(s, "");
    free(s);
}

/* What a part of the process holds is freed when it closes, except in a short command of
 * a build that does not check for leaks (the last test here: the heap policy stays). */
static void test_must_free(void **state)
{
    (void)state;
    assert_int_equal(xalloc_must_free(), 1);
    xalloc_batch_heap();
    assert_int_equal(xalloc_must_free(), RT_FREE_AT_EXIT ? 1 : 0);
    free(xmalloc(1 << 20)); /* the heap still serves */
}

/* xstrndup() stops at n or at a NUL before it. */
static void test_xstrndup(void **state)
{
    char *s;

    (void)state;
    s = xstrndup("abcdef", 3);
    assert_string_equal(s, "abc");
    free(s);
    s = xstrndup("ab\0cdef", 6);
    assert_string_equal(s, "ab");
    free(s);
    s = xstrndup("abc", 0);
    assert_string_equal(s, "");
    free(s);
}

static void test_typed_json(void **state)
{
    (void)state;
    struct resource *r = res_new("lab", RES_KIND_INSTANCE, "i-1", "web\x1b[2J-1");
    json_t *o;

    res_set_status(r, RES_STATUS_ACTIVE, "active");
    res_set(r, "type", "baremetal");
    res_set(r, "addresses", "[\"203.0.113.5\",\"10.0.0.5\"]");
    res_set_int(r, "vcpus", 8);
    res_set_bool(r, "locked", 1);
    res_set(r, "host", "bad\xff\xfeutf8");
    o = res_to_json(r, 1);
    assert_string_equal(json_string_value(json_object_get(o, "type")), "baremetal");
    assert_int_equal(json_array_size(json_object_get(o, "addresses")), 2);
    assert_int_equal(json_integer_value(json_object_get(o, "vcpus")), 8);
    assert_true(json_is_true(json_object_get(o, "locked")));
    assert_true(json_is_null(json_object_get(o, "zone")));
    assert_true(json_is_true(json_object_get(o, "stale")));
    assert_string_equal(json_string_value(json_object_get(o, "status")), "ACTIVE");
    /* invalid UTF-8 from a backend still gives valid JSON */
    assert_non_null(json_object_get(o, "host"));
    assert_non_null(strstr(json_string_value(json_object_get(o, "host")), "\xef\xbf\xbd"));
    json_decref(o);
    {
        char buf[128];
        int i = res_field_index(RES_KIND_INSTANCE, "addresses");
        assert_string_equal(res_field_display(r, i, buf, sizeof buf), "203.0.113.5, 10.0.0.5");
        /* the no-parse path and the jansson path agree */
        static const char *const cases[][2] = {
            {"[]", ""},
            {"[\"a\"]", "a"},
            {" [ \"a\" , \"b\" ] ", "a, b"},
            {"[\"\", \"b\"]", "b"},
            {"[\"a\\u0041\", \"b\"]", "aA, b"},
            {"[\"a\", 3]", "a, 1 item"},
            {"[{\"x\": 1}, {}]", "2 items"},
            {"[\"a\",]", "[\"a\",]"},
            {"[\"a\"] x", "[\"a\"] x"},
            {"[\"caf\xc3\xa9\"]", "caf\xc3\xa9"},
            {"{\"k\": \"v\"}", "{\"k\": \"v\"}"},
            {"[\"unterminated", "[\"unterminated"},
        };
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            res_set(r, "addresses", cases[k][0]);
            assert_string_equal(res_field_display(r, i, buf, sizeof buf), cases[k][1]);
        }
    }
    res_free(r);
}

static void test_fleet_merge_and_lookup(void **state)
{
    (void)state;
    struct fleet *f = fleet_new();
    struct engine_event ev = {0};
    struct rt_error err = {0};

    ev.type = ENGINE_EV_SYNC;
    ev.kind = RES_KIND_INSTANCE;
    snprintf(ev.provider, sizeof ev.provider, "a");
    res_list_init(&ev.rows);
    res_list_push(&ev.rows, res_new("a", RES_KIND_INSTANCE, "1", "web"));
    res_list_push(&ev.rows, res_new("a", RES_KIND_INSTANCE, "2", "db"));
    assert_int_equal(fleet_apply(f, &ev), 1);
    snprintf(ev.provider, sizeof ev.provider, "b");
    res_list_push(&ev.rows, res_new("b", RES_KIND_INSTANCE, "1", "web"));
    fleet_apply(f, &ev);
    assert_int_equal(fleet_count(f, RES_KIND_INSTANCE), 3);
    assert_non_null(fleet_lookup(f, RES_KIND_INSTANCE, NULL, "db", &err));
    assert_null(fleet_lookup(f, RES_KIND_INSTANCE, NULL, "web", &err));
    assert_int_equal(err.code, RT_ERR_ARG); /* ambiguous */
    assert_non_null(strstr(err.msg, "a/1"));
    assert_non_null(fleet_lookup(f, RES_KIND_INSTANCE, "b", "web", &err));
    assert_null(fleet_lookup(f, RES_KIND_INSTANCE, NULL, "nope", &err));
    assert_int_equal(err.code, RT_ERR_NOT_FOUND);
    /* A new sync of provider a replaces only a's slice. */
    snprintf(ev.provider, sizeof ev.provider, "a");
    res_list_push(&ev.rows, res_new("a", RES_KIND_INSTANCE, "3", "cache"));
    fleet_apply(f, &ev);
    assert_int_equal(fleet_count(f, RES_KIND_INSTANCE), 2);
    assert_null(fleet_find(f, RES_KIND_INSTANCE, "a", "1"));
    assert_non_null(fleet_find(f, RES_KIND_INSTANCE, "b", "1"));
    /* Upsert replaces in place; delete removes. */
    ev.type = ENGINE_EV_UPSERT;
    res_list_push(&ev.rows, res_new("a", RES_KIND_INSTANCE, "3", "cache-renamed"));
    fleet_apply(f, &ev);
    assert_string_equal(fleet_find(f, RES_KIND_INSTANCE, "a", "3")->name, "cache-renamed");
    ev.type = ENGINE_EV_DELETE;
    ev.id = "3";
    assert_int_equal(fleet_apply(f, &ev), 1);
    assert_int_equal(fleet_count(f, RES_KIND_INSTANCE), 1);
    fleet_free(f);
}

static void test_actions_and_params(void **state)
{
    (void)state;
    struct params p = {0};
    struct rt_error err = {0};
    const struct action_def *rule = action_find(RES_KIND_SECGROUP, "add-rule");
    size_t n;
    const struct action_def *tab = action_table(&n);
    int lo, hi;

    assert_true(n <= RT_ACTION_MAX);
    /* Each (kind, verb) appears once. */
    for (size_t i = 0; i < n; i++)
        assert_ptr_equal(action_find(tab[i].kind, tab[i].verb), &tab[i]);
    assert_null(action_find(RES_KIND_SNAPSHOT, "reboot"));
    assert_true(action_verb_known("reboot"));
    assert_false(action_verb_known("explode"));
    assert_true(action_find(RES_KIND_INSTANCE, "delete")->flags & ACTION_DESTRUCTIVE);
    assert_false(action_find(RES_KIND_INSTANCE, "reboot")->flags & ACTION_DESTRUCTIVE);

    assert_non_null(rule);
    assert_int_equal(params_parse_kv(&p, "direction=ingress", &err), 0);
    assert_int_equal(action_validate(rule, &p, &err), -1);
    assert_non_null(strstr(err.msg, "'protocol='"));
    assert_int_equal(params_parse_kv(&p, "protocol=tcp", &err), 0);
    assert_int_equal(params_parse_kv(&p, "port=443", &err), 0);
    assert_int_equal(params_parse_kv(&p, "remote=0.0.0.0/0", &err), 0);
    assert_int_equal(action_validate(rule, &p, &err), 0);
    params_set(&p, "port", "70000");
    assert_int_equal(action_validate(rule, &p, &err), -1);
    assert_non_null(strstr(err.msg, "port"));
    params_set(&p, "port", "8000-8080");
    params_set(&p, "remote", "10.0.0.0/33");
    assert_int_equal(action_validate(rule, &p, &err), -1);
    assert_non_null(strstr(err.msg, "CIDR"));
    params_set(&p, "remote", "::/0");
    params_set(&p, "direction", "sideways");
    assert_int_equal(action_validate(rule, &p, &err), -1);
    assert_non_null(strstr(err.msg, "ingress|egress"));
    params_set(&p, "direction", "egress");
    params_set(&p, "colour", "blue");
    assert_int_equal(action_validate(rule, &p, &err), -1);
    assert_non_null(strstr(err.msg, "no parameter 'colour'"));
    params_done(&p);
    assert_int_equal(params_parse_kv(&p, "novalue", &err), -1);
    assert_int_equal(err.code, RT_ERR_ARG);
    assert_int_equal(param_parse_port("any", &lo, &hi), 0);
    assert_true(lo == 1 && hi == 65535);
    assert_int_equal(param_parse_port("90-80", &lo, &hi), -1);
    params_done(&p);
}

static void test_sha256_vectors(void **state)
{
    (void)state;
    char hex[65];

    sha256_str_hex("", hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_str_hex("abc", hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha256_str_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_hmap(void **state)
{
    (void)state;
    struct hmap *m = hmap_new(free);
    char key[32];

    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        hmap_put(m, key, xstrdup(key));
    }
    assert_int_equal(hmap_len(m), 10000);
    for (int i = 0; i < 10000; i += 2) {
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(hmap_del(m, key), 1);
    }
    assert_int_equal(hmap_len(m), 5000);
    assert_null(hmap_get(m, "k2"));
    assert_string_equal(hmap_get(m, "k3"), "k3");
    hmap_put(m, "k3", xstrdup("replaced"));
    assert_string_equal(hmap_get(m, "k3"), "replaced");
    hmap_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_fields_encode_decode_and_hash),
        cmocka_unit_test(test_typed_json),
        cmocka_unit_test(test_json_string_escapes),
        cmocka_unit_test(test_json_string_every_place),
        cmocka_unit_test(test_json_write_matches_tree),
        cmocka_unit_test(test_rt_hash),
        cmocka_unit_test(test_iso8601),
        cmocka_unit_test(test_res_hash_fields),
        cmocka_unit_test(test_built_rows),
        cmocka_unit_test(test_xstrndup),
        cmocka_unit_test(test_strbuf_reserve_empty),
        cmocka_unit_test(test_set_int),
        cmocka_unit_test(test_fleet_merge_and_lookup),
        cmocka_unit_test(test_actions_and_params),
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_hmap),
        cmocka_unit_test(test_must_free), /* last: sets the process's heap policy */
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
