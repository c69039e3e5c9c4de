/*
 * fleet.c - the union of every provider's resources, per kind.
 *
 * Per kind: an array of owned resources (order: provider, then arrival) and a
 * map from "provider\x1fid" to the array index.  A SYNC replaces one
 * provider's slice: the kept rows are compacted, the new ones appended and
 * the index dropped; it is rebuilt, O(n) in the kind's size, by the first
 * look-up that needs it (`racktop list` of 10 000 servers never looks one up:
 * building it there cost ~3 ms).  Staleness is tracked per (provider, kind)
 * in a small map.
 */
#include "fleet.h"

#include "engine.h"
#include "err.h"
#include "hmap.h"
#include "store.h"
#include "strbuf.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kind_set {
    struct resource **rows;
    size_t len, cap;
    struct hmap *index; /* key -> (void *)(index + 1), valid when `indexed` */
    int indexed;
    struct hmap *stale; /* provider -> non-NULL when cached only */
    uint64_t version;   /* rows added, removed or replaced wholesale */
    uint64_t content;   /* a row's contents changed in place */
};

struct fleet {
    struct kind_set k[RES_KIND__COUNT];
};

static char *row_key(const char *provider, const char *id)
{
    return xasprintf("%s\x1f%s", provider, id);
}

struct fleet *fleet_new(void)
{
    struct fleet *f = xcalloc(1, sizeof *f);

    for (int i = 0; i < RES_KIND__COUNT; i++) {
        f->k[i].index = hmap_new(NULL);
        f->k[i].stale = hmap_new(NULL);
    }
    return f;
}

void fleet_free(struct fleet *f)
{
    if (f == NULL)
        return;
    for (int i = 0; i < RES_KIND__COUNT; i++) {
        for (size_t j = 0; j < f->k[i].len; j++)
            res_free(f->k[i].rows[j]);
        free(f->k[i].rows);
        hmap_free(f->k[i].index);
        hmap_free(f->k[i].stale);
    }
    free(f);
}

/* Rows were added or removed wholesale: a new version, the index to be rebuilt. */
static void drop_index(struct kind_set *ks)
{
    hmap_clear(ks->index);
    ks->indexed = 0;
    ks->version++;
}

/* The index of ks, built now if a wholesale change dropped it. */
static struct hmap *index_of(struct kind_set *ks)
{
    char buf[256];

    if (ks->indexed)
        return ks->index;
    hmap_clear(ks->index);
    for (size_t i = 0; i < ks->len; i++) {
        /* A stack buffer for the usual key: 100 000 rows, 100 000 fewer mallocs. */
        int n = snprintf(buf, sizeof buf, "%s\x1f%s", ks->rows[i]->provider, ks->rows[i]->id);
        char *key = n >= 0 && (size_t)n < sizeof buf ? buf
                                                     : row_key(ks->rows[i]->provider, ks->rows[i]->id);
        hmap_put(ks->index, key, (void *)(uintptr_t)(i + 1));
        if (key != buf)
            free(key);
    }
    ks->indexed = 1;
    return ks->index;
}

/* Drop every row of `provider` (NULL: all) and append `rows` (taken). */
static void replace_slice(struct kind_set *ks, const char *provider, struct res_list *rows)
{
    size_t j = 0;

    for (size_t i = 0; i < ks->len; i++) {
        if (provider == NULL || strcmp(ks->rows[i]->provider, provider) == 0)
            res_free(ks->rows[i]);
        else
            ks->rows[j++] = ks->rows[i];
    }
    ks->len = j;
    for (size_t i = 0; i < rows->len; i++) {
        ks->rows = xgrow(ks->rows, &ks->cap, ks->len + 1, sizeof *ks->rows);
        ks->rows[ks->len++] = rows->items[i];
    }
    free(rows->items);
    res_list_init(rows);
    drop_index(ks);
}

int fleet_load_cache(struct fleet *f, struct store *st, uint32_t kinds, struct rt_error *err)
{
    for (int k = 0; k < RES_KIND__COUNT; k++) {
        struct res_list rows;
        struct kind_set *ks = &f->k[k];
        if (!(kinds & RT_KIND_BIT(k)))
            continue;
        res_list_init(&rows);
        if (store_load_resources(st, NULL, (enum res_kind)k, &rows, err) < 0) {
            res_list_done(&rows);
            return -1;
        }
        hmap_clear(ks->stale);
        for (size_t i = 0; i < rows.len; i++)
            hmap_put(ks->stale, rows.items[i]->provider, ks);
        replace_slice(ks, NULL, &rows);
    }
    return 0;
}

static int name_in(const char *const *names, const char *name)
{
    for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
        if (strcmp(names[i], name) == 0)
            return 1;
    }
    return 0;
}

int fleet_load_cache_except(struct fleet *f, struct store *st, enum res_kind k,
                            const char *const *skip, const char *const *current,
                            struct rt_error *err)
{
    struct kind_set *ks = &f->k[k];
    char **cached;
    int rc = 0;

    if (store_cached_providers(st, k, &cached, err) < 0)
        return -1;
    for (size_t i = 0; cached[i] != NULL && rc == 0; i++) {
        struct res_list rows;
        if (name_in(skip, cached[i]))
            continue;
        res_list_init(&rows);
        if (store_load_resources(st, cached[i], k, &rows, err) < 0) {
            res_list_done(&rows);
            rc = -1;
            break;
        }
        if (!name_in(current, cached[i]))
            hmap_put(ks->stale, cached[i], ks);
        else
            hmap_del(ks->stale, cached[i]);
        replace_slice(ks, cached[i], &rows);
    }
    for (size_t i = 0; cached[i] != NULL; i++)
        free(cached[i]);
    free(cached);
    return rc;
}

static void upsert(struct kind_set *ks, struct resource *r)
{
    char *key = row_key(r->provider, r->id);
    uintptr_t at = (uintptr_t)hmap_get(index_of(ks), key);

    if (at != 0) {
        /* Swap the contents so pointers held by views stay valid. */
        struct resource tmp = *ks->rows[at - 1];
        *ks->rows[at - 1] = *r;
        *r = tmp;
        res_free(r);
        ks->content++;
    } else {
        ks->rows = xgrow(ks->rows, &ks->cap, ks->len + 1, sizeof *ks->rows);
        ks->rows[ks->len++] = r;
        hmap_put(ks->index, key, (void *)(uintptr_t)ks->len);
        ks->version++;
    }
    free(key);
}

static int delete_row(struct kind_set *ks, const char *provider, const char *id)
{
    char *key = row_key(provider, id);
    uintptr_t at = (uintptr_t)hmap_get(index_of(ks), key);

    free(key);
    if (at == 0)
        return 0;
    res_free(ks->rows[at - 1]);
    memmove(&ks->rows[at - 1], &ks->rows[at], (ks->len - at) * sizeof *ks->rows);
    ks->len--;
    drop_index(ks);
    return 1;
}

int fleet_apply(struct fleet *f, struct engine_event *ev)
{
    struct kind_set *ks;

    if ((unsigned)ev->kind >= RES_KIND__COUNT)
        return 0;
    ks = &f->k[ev->kind];
    switch (ev->type) {
    case ENGINE_EV_SYNC:
        if (ev->unchanged) {
            /* Confirmed fresh; the rows held are the current ones. */
            return hmap_del(ks->stale, ev->provider);
        }
        hmap_del(ks->stale, ev->provider);
        replace_slice(ks, ev->provider, &ev->rows);
        return 1;
    case ENGINE_EV_UPSERT:
        for (size_t i = 0; i < ev->rows.len; i++)
            upsert(ks, ev->rows.items[i]);
        free(ev->rows.items);
        res_list_init(&ev->rows);
        return 1;
    case ENGINE_EV_DELETE:
        return ev->id != NULL && delete_row(ks, ev->provider, ev->id);
    default:
        return 0;
    }
}

size_t fleet_count(const struct fleet *f, enum res_kind k)
{
    return f->k[k].len;
}

const struct resource *fleet_at(const struct fleet *f, enum res_kind k, size_t i)
{
    return i < f->k[k].len ? f->k[k].rows[i] : NULL;
}

const struct resource *fleet_find(const struct fleet *f, enum res_kind k, const char *provider,
                                  const char *id)
{
    /* The index is a cache of the rows: building it does not change the fleet. */
    struct kind_set *ks = (struct kind_set *)&f->k[k];
    char *key = row_key(provider, id);
    uintptr_t at = (uintptr_t)hmap_get(index_of(ks), key);

    free(key);
    return at != 0 ? ks->rows[at - 1] : NULL;
}

const struct resource *fleet_lookup(const struct fleet *f, enum res_kind k, const char *provider,
                                    const char *id_or_name, struct rt_error *err)
{
    const struct kind_set *ks = &f->k[k];
    const struct resource *found = NULL;
    size_t matches = 0;
    struct strbuf where = STRBUF_INIT;

    for (size_t i = 0; i < ks->len; i++) {
        const struct resource *r = ks->rows[i];
        if (provider != NULL && strcmp(r->provider, provider) != 0)
            continue;
        if (strcmp(r->id, id_or_name) == 0)
            return r;
    }
    for (size_t i = 0; i < ks->len; i++) {
        const struct resource *r = ks->rows[i];
        if (provider != NULL && strcmp(r->provider, provider) != 0)
            continue;
        if (r->name != NULL && strcmp(r->name, id_or_name) == 0) {
            if (matches < 4)
                strbuf_addf(&where, "%s%s/%s", matches > 0 ? ", " : "", r->provider, r->id);
            found = r;
            matches++;
        }
    }
    if (matches == 1) {
        strbuf_done(&where);
        return found;
    }
    if (matches == 0)
        rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no %s '%s'%s%s", res_kind_name(k), id_or_name,
                   provider != NULL ? " in provider " : "", provider != NULL ? provider : "");
    else
        rt_err_set(err, RT_ERR_ARG, 0, "%zu %ss are named '%s' (%s%s); give the id or --provider",
                   matches, res_kind_name(k), id_or_name, where.buf, matches > 4 ? ", ..." : "");
    strbuf_done(&where);
    return NULL;
}

int fleet_is_stale(const struct fleet *f, enum res_kind k, const char *provider)
{
    return hmap_get(f->k[k].stale, provider) != NULL;
}

uint64_t fleet_version(const struct fleet *f, enum res_kind k)
{
    return f->k[k].version;
}

uint64_t fleet_content_version(const struct fleet *f, enum res_kind k)
{
    return f->k[k].content;
}
