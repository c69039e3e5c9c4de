/*
 * resjson.c - typed JSON encoding of resources (see resjson.h).
 */
#include "resjson.h"

#include "jscan.h"
#include "strbuf.h"
#include "util.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A JSON string even for invalid UTF-8: bad bytes become U+FFFD. */
json_t *res_json_string(const char *v)
{
    json_t *j;
    char *fixed;
    size_t o = 0, n;

    if (v == NULL)
        return json_null();
    j = json_string(v);
    if (j != NULL)
        return j;
    n = strlen(v);
    fixed = xmalloc(n * 3 + 1);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)v[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        int ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++)
            ok = ((unsigned char)v[i + k] >> 6) == 2;
        if (ok) {
            /* Overlong forms and surrogates pass the shape test; let jansson judge. */
            json_t *probe = json_stringn(v + i, len);
            ok = probe != NULL;
            json_decref(probe);
        }
        if (ok) {
            memcpy(fixed + o, v + i, len);
            o += len;
            i += len;
        } else {
            memcpy(fixed + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    fixed[o] = '\0';
    j = json_string(fixed);
    free(fixed);
    return j != NULL ? j : json_string("?");
}

json_t *res_field_json(const struct resource *r, size_t idx)
{
    size_t n;
    const struct field_def *defs = res_schema(r->kind, &n);
    const char *v = idx < r->nfields ? r->fields[idx] : NULL;
    long long x;
    char *end = NULL;
    double d;
    json_t *j;

    if (v == NULL || idx >= n)
        return json_null();
    switch (defs[idx].type) {
    case FIELD_INT:
        if (rt_parse_int(v, &x) == 0)
            return json_integer(x);
        break;
    case FIELD_NUM:
        d = strtod(v, &end);
        if (end != v && *end == '\0')
            return json_real(d);
        break;
    case FIELD_BOOL:
        if (strcmp(v, "true") == 0)
            return json_true();
        if (strcmp(v, "false") == 0)
            return json_false();
        break;
    case FIELD_JSON:
        j = json_loads(v, JSON_DECODE_ANY, NULL);
        if (j != NULL)
            return j;
        break;
    case FIELD_STR:
        break;
    }
    return res_json_string(v);
}

json_t *res_to_json(const struct resource *r, int stale)
{
    json_t *o = json_object();
    size_t n;
    const struct field_def *defs = res_schema(r->kind, &n);
    char when[32];

    json_object_set_new(o, "provider", res_json_string(r->provider));
    json_object_set_new(o, "kind", json_string(res_kind_name(r->kind)));
    json_object_set_new(o, "id", res_json_string(r->id));
    json_object_set_new(o, "name", res_json_string(r->name));
    json_object_set_new(o, "status", json_string(res_status_name(r->status)));
    json_object_set_new(o, "raw_status", res_json_string(r->raw_status));
    json_object_set_new(o, "progress", r->progress >= 0 ? json_integer(r->progress) : json_null());
    json_object_set_new(o, "updated_at",
                        r->updated_at > 0 ? json_string(rt_iso8601(r->updated_at, when, sizeof when))
                                          : json_null());
    if (stale >= 0)
        json_object_set_new(o, "stale", json_boolean(stale));
    for (size_t i = 0; i < n; i++)
        json_object_set_new(o, defs[i].name, res_field_json(r, i));
    return o;
}

/* ---- the streaming writer ----------------------------------------------------------- */

/* Length of a valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_valid(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    uint32_t cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

void res_json_write_string(struct strbuf *sb, const char *v)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)v;
    size_t n = strlen(v), len;
    char *o;

    /* Written in place: room for the worst case (every byte a \u00XX escape), so the
     * loop needs no bounds checks; 10 000 rows of ~30 strings each come through here. */
    strbuf_reserve(sb, 6 * n + 2);
    o = sb->buf + sb->len;
    *o++ = '"';
    for (size_t i = 0; i < n;) {
        unsigned char c;
        uint64_t w;
        /* Eight plain bytes at a time (most of a row is plain ASCII). */
        if (i + 8 <= n && (memcpy(&w, s + i, 8), !rt_json_special8(w))) {
            memcpy(o, &w, 8);
            o += 8;
            i += 8;
            continue;
        }
        c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            *o++ = (char)c;
            i++;
            continue;
        }
        if (c < 0x80) {
            *o++ = '\\';
            switch (c) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case '\n': *o++ = 'n'; break;
            case '\r': *o++ = 'r'; break;
            case '\t': *o++ = 't'; break;
            default:
                memcpy(o, "u00", 3);
                o[3] = hex[c >> 4];
                o[4] = hex[c & 15];
                o += 5;
                break;
            }
            i++;
        } else if ((len = utf8_valid(s + i, n - i)) > 0) {
            memcpy(o, v + i, len);
            o += len;
            i += len;
        } else {
            memcpy(o, "\xef\xbf\xbd", 3); /* U+FFFD */
            o += 3;
            i++;
        }
    }
    *o++ = '"';
    *o = '\0';
    sb->len = (size_t)(o - sb->buf);
}

static void write_key(struct strbuf *sb, const char *k, int *first)
{
    size_t n = strlen(k);
    char *o;

    strbuf_reserve(sb, n + 4);
    o = sb->buf + sb->len;
    if (!*first)
        *o++ = ',';
    *first = 0;
    *o++ = '"';
    memcpy(o, k, n);
    o += n;
    *o++ = '"';
    *o++ = ':';
    *o = '\0';
    sb->len = (size_t)(o - sb->buf);
}

/* A decimal integer, without printf (three per row, 10 000 rows). */
static void put_int(struct strbuf *sb, long long x)
{
    char tmp[24], *p = tmp + sizeof tmp;
    unsigned long long u = x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (x < 0)
        *--p = '-';
    strbuf_add(sb, p, (size_t)(tmp + sizeof tmp - p));
}

static void write_str_or_null(struct strbuf *sb, const char *v)
{
    if (v == NULL)
        strbuf_adds(sb, "null");
    else
        res_json_write_string(sb, v);
}

static void write_field(struct strbuf *sb, const struct resource *r, size_t i,
                        enum field_type type)
{
    const char *v = r->fields[i];
    long long x;
    char *end = NULL;
    double d;

    if (v == NULL) {
        strbuf_adds(sb, "null");
        return;
    }
    switch (type) {
    case FIELD_INT:
        if (rt_parse_int(v, &x) == 0) {
            put_int(sb, x);
            return;
        }
        break;
    case FIELD_NUM:
        d = strtod(v, &end);
        if (end != v && *end == '\0' && d == d && d - d == 0) {
            strbuf_addf(sb, "%.15g", d);
            return;
        }
        break;
    case FIELD_BOOL:
        if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
            strbuf_adds(sb, v);
            return;
        }
        break;
    case FIELD_JSON: {
        /* Well-formed JSON goes out as it is (the mappers store it compact): checked
         * without building a tree, which was most of printing 10 000 servers. */
        struct jscan c;
        size_t len = strlen(v);
        jscan_init(&c, v, len);
        if (jscan_skip(&c, NULL, NULL) == 0 && jscan_end(&c, NULL) == 0) {
            strbuf_add(sb, v, len);
            return;
        }
        break;
    }
    case FIELD_STR:
        break;
    }
    res_json_write_string(sb, v);
}

void res_json_write(struct strbuf *sb, const struct resource *r, int stale)
{
    size_t n;
    const struct field_def *defs = res_schema(r->kind, &n);
    char when[32];
    int first = 1;

    strbuf_addc(sb, '{');
    write_key(sb, "provider", &first);
    write_str_or_null(sb, r->provider);
    write_key(sb, "kind", &first);
    write_str_or_null(sb, res_kind_name(r->kind));
    write_key(sb, "id", &first);
    write_str_or_null(sb, r->id);
    write_key(sb, "name", &first);
    write_str_or_null(sb, r->name);
    write_key(sb, "status", &first);
    write_str_or_null(sb, res_status_name(r->status));
    write_key(sb, "raw_status", &first);
    write_str_or_null(sb, r->raw_status);
    write_key(sb, "progress", &first);
    if (r->progress >= 0)
        put_int(sb, r->progress);
    else
        strbuf_adds(sb, "null");
    write_key(sb, "updated_at", &first);
    write_str_or_null(sb, r->updated_at > 0 ? rt_iso8601(r->updated_at, when, sizeof when)
                                            : NULL);
    if (stale >= 0) {
        write_key(sb, "stale", &first);
        strbuf_adds(sb, stale ? "true" : "false");
    }
    for (size_t i = 0; i < n && i < r->nfields; i++) {
        write_key(sb, defs[i].name, &first);
        write_field(sb, r, i, defs[i].type);
    }
    strbuf_addc(sb, '}');
}
