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

/*
 * The writers below put their text into room the caller made (room()): each returns the end
 * of what it wrote.  A row takes one check of the buffer per field instead of one per piece
 * (key, quotes, value), and no call per piece: printing 10 000 servers is 6 MB of this.
 */
static char *room(struct strbuf *sb, size_t n)
{
    if (sb->buf == NULL || sb->cap - sb->len < n + 1)
        strbuf_reserve(sb, n);
    return sb->buf + sb->len;
}

static void room_done(struct strbuf *sb, char *o)
{
    *o = '\0';
    sb->len = (size_t)(o - sb->buf);
}

/* Worst case of put_string(): every byte a \u00XX escape, and the quotes. */
#define STRING_ROOM(n) (6 * (n) + 2)

static char *put_string(char *o, const char *v, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)v;
    size_t len;

    *o++ = '"';
    for (size_t i = 0; i < n;) {
        unsigned char c;
        uint64_t w;
        /* Eight plain bytes at a time (most of a row is plain ASCII).  The tail, when the
         * string has eight bytes, as its last eight: those already written were plain too
         * (else they would not test plain now), so they went out as they are and writing
         * them again from the same place changes nothing. */
        if (i + 8 <= n) {
            memcpy(&w, s + i, 8);
            if (!rt_json_special8(w)) {
                memcpy(o, &w, 8);
                o += 8;
                i += 8;
                continue;
            }
        } else if (n >= 8) {
            memcpy(&w, s + n - 8, 8);
            if (!rt_json_special8(w)) {
                memcpy(o - (i - (n - 8)), &w, 8);
                o += n - i;
                break;
            }
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
    return o;
}

void res_json_write_string(struct strbuf *sb, const char *v)
{
    size_t n = strlen(v);

    room_done(sb, put_string(room(sb, STRING_ROOM(n)), v, n));
}

/* The key of a member and what goes before it: `{"name":` for the first, `,"name":` after. */
#define KEY_ROOM(klen) ((klen) + 4)

static char *put_key(char *o, const char *k, size_t klen, int first)
{
    *o++ = first ? '{' : ',';
    *o++ = '"';
    memcpy(o, k, klen);
    o += klen;
    *o++ = '"';
    *o++ = ':';
    return o;
}

/* A decimal integer, without printf (three per row, 10 000 rows); at most 20 bytes. */
static char *put_int(char *o, long long x)
{
    char tmp[24], *p = tmp + sizeof tmp;
    unsigned long long u = x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (x < 0)
        *--p = '-';
    memcpy(o, p, (size_t)(tmp + sizeof tmp - p));
    return o + (tmp + sizeof tmp - p);
}

/* v is an integer as put_int() would write it: -?(0|[1-9][0-9]{0,17}), which strtoll()
 * reads back to the same digits.  Anything else (sign, spaces, leading zeros, 19 digits and
 * more) takes rt_parse_int() and put_int(). */
static int canonical_int(const char *v, size_t n)
{
    size_t i = v[0] == '-';

    if (n == i || n - i > 18 || (v[i] == '0' && n - i > 1))
        return 0;
    for (; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return 0;
    }
    return 1;
}

/* v is ["a","b",...] exactly: compact, strings of printable ASCII without escapes.  All
 * such text is JSON; anything else (spaces, escapes, other bytes, other values) goes to the
 * scanner, which knows the whole grammar. */
static int plain_string_list(const char *v, size_t n)
{
    size_t i = 1;

    if (n < 2 || v[0] != '[' || v[n - 1] != ']')
        return 0;
    if (n == 2)
        return 1;
    for (;;) {
        if (v[i++] != '"')
            return 0;
        while (i < n && v[i] != '"') {
            unsigned char c = (unsigned char)v[i++];
            if (c < 0x20 || c >= 0x80 || c == '\\')
                return 0;
        }
        if (++i >= n) /* the closing quote, then ',' or the final ']' */
            return 0;
        if (i == n - 1)
            return 1;
        if (v[i++] != ',')
            return 0;
    }
}

static char *put_lit(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}

#define PUT_LIT(o, s) put_lit(o, s, sizeof s - 1)

/* Room for any value of n bytes: a string's worst case, or a number's text (%.15g is at
 * most 24 bytes), or null. */
#define VALUE_ROOM(n) (STRING_ROOM(n) + 24)

static char *put_str_or_null(char *o, const char *v, size_t n)
{
    return v == NULL ? PUT_LIT(o, "null") : put_string(o, v, n);
}

static char *put_field(char *o, const char *v, size_t n, enum field_type type)
{
    long long x;
    char *end = NULL;
    double d;

    if (v == NULL)
        return PUT_LIT(o, "null");
    switch (type) {
    case FIELD_INT:
        if (canonical_int(v, n))
            return put_lit(o, v, n);
        if (rt_parse_int(v, &x) == 0)
            return put_int(o, x);
        break;
    case FIELD_NUM:
        d = strtod(v, &end);
        if (end != v && *end == '\0' && d == d && d - d == 0) {
            int k = snprintf(o, 25, "%.15g", d); /* at most 22: -1.23456789012345e-308 */
            if (k > 0 && k < 25)
                return o + k;
        }
        break;
    case FIELD_BOOL:
        if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
            return put_lit(o, v, n);
        break;
    case FIELD_JSON: {
        /* Well-formed JSON goes out as it is (the mappers store it compact): checked
         * without building a tree, which was most of printing 10 000 servers; a list of
         * plain strings (addresses, volumes, groups) without the scanner. */
        struct jscan c;
        if (plain_string_list(v, n))
            return put_lit(o, v, n);
        jscan_init(&c, v, n);
        if (jscan_skip(&c, NULL, NULL) == 0 && jscan_end(&c, NULL) == 0)
            return put_lit(o, v, n);
        break;
    }
    case FIELD_STR:
        break;
    }
    return put_string(o, v, n);
}

/*
 * The members' keys of one kind as `,"name":` in fixed slots, so a row copies each with one
 * move of a constant size (no strlen, no memcpy call).  Per thread, for the schema it wrote
 * last; a key too long for a slot (none today) is written by put_key().
 */
#define KEY_SLOT 32
#define KEY_SLOTS 64

struct key_slots {
    const struct field_def *defs;
    unsigned char len[KEY_SLOTS]; /* 0: not in a slot */
    char text[KEY_SLOTS][KEY_SLOT];
};

static void key_slots_fill(struct key_slots *ks, const struct field_def *defs, size_t n)
{
    ks->defs = defs;
    for (size_t i = 0; i < KEY_SLOTS; i++) {
        size_t kn = i < n ? strlen(defs[i].name) : KEY_SLOT;
        ks->len[i] = 0;
        if (KEY_ROOM(kn) <= KEY_SLOT)
            ks->len[i] = (unsigned char)(put_key(ks->text[i], defs[i].name, kn, 0) - ks->text[i]);
    }
}

void res_json_write(struct strbuf *sb, const struct resource *r, int stale)
{
    static _Thread_local struct key_slots ks;
    /* The same instant for every row of a refresh: formatted once per thread. */
    static _Thread_local int64_t when_t = -1;
    static _Thread_local char when[32];
    static const char *const fixed_keys[] = {"provider", "kind", "id", "name", "status",
                                             "raw_status"};
    static const int fixed_slots[] = {RES_SLOT_PROVIDER, 0, RES_SLOT_ID, RES_SLOT_NAME, 0,
                                      RES_SLOT_RAW_STATUS};
    const char *fixed[6];
    size_t n;
    const struct field_def *defs = res_schema(r->kind, &n);
    char *o;

    fixed[0] = r->provider;
    fixed[1] = res_kind_name(r->kind);
    fixed[2] = r->id;
    fixed[3] = r->name;
    fixed[4] = res_status_name(r->status);
    fixed[5] = r->raw_status;
    for (size_t i = 0; i < 6; i++) {
        size_t vn = fixed[i] == NULL ? 0
                    : fixed_slots[i] != 0 ? res_member_len(r, fixed_slots[i], fixed[i])
                                          : strlen(fixed[i]),
               kn = strlen(fixed_keys[i]);
        o = room(sb, KEY_ROOM(kn) + VALUE_ROOM(vn));
        o = put_key(o, fixed_keys[i], kn, i == 0);
        room_done(sb, put_str_or_null(o, fixed[i], vn));
    }
    if (r->updated_at > 0 && r->updated_at != when_t) {
        rt_iso8601(r->updated_at, when, sizeof when);
        when_t = r->updated_at;
    }
    /* "progress" (an int), "updated_at" and "stale": 60 bytes and the time's text. */
    o = room(sb, 64 + (r->updated_at > 0 ? STRING_ROOM(strlen(when)) : 0));
    o = PUT_LIT(o, ",\"progress\":");
    o = r->progress >= 0 ? put_int(o, r->progress) : PUT_LIT(o, "null");
    o = PUT_LIT(o, ",\"updated_at\":");
    o = r->updated_at > 0 ? put_string(o, when, strlen(when)) : PUT_LIT(o, "null");
    if (stale >= 0)
        o = stale ? PUT_LIT(o, ",\"stale\":true") : PUT_LIT(o, ",\"stale\":false");
    room_done(sb, o);
    if (ks.defs != defs)
        key_slots_fill(&ks, defs, n);
    for (size_t i = 0; i < n && i < r->nfields; i++) {
        const char *v = r->fields[i];
        size_t vn = v != NULL ? res_member_len(r, (int)i, v) : 0;
        if (i < KEY_SLOTS && ks.len[i] > 0) {
            o = room(sb, KEY_SLOT + VALUE_ROOM(vn));
            memcpy(o, ks.text[i], KEY_SLOT);
            o += ks.len[i];
        } else {
            size_t kn = strlen(defs[i].name);
            o = room(sb, KEY_ROOM(kn) + VALUE_ROOM(vn));
            o = put_key(o, defs[i].name, kn, 0);
        }
        room_done(sb, put_field(o, v, vn, defs[i].type));
    }
    o = room(sb, 1);
    room_done(sb, PUT_LIT(o, "}"));
}
