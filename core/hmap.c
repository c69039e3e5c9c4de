/*
 * hmap.c - linear-probing hash map with tombstones, FNV-1a hashing.
 * Load factor kept under 0.7 (tombstones included); grows by doubling.
 */
#include "hmap.h"

#include "util.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    char *key;    /* NULL: empty; TOMB: deleted */
    void *value;
    uint64_t hash;
};

struct hmap {
    struct slot *slots;
    size_t cap;   /* power of two */
    size_t len;   /* live keys */
    size_t used;  /* live + tombstones */
    void (*free_value)(void *);
};

static char tomb_marker;
#define TOMB (&tomb_marker)

struct hmap *hmap_new(void (*free_value)(void *))
{
    struct hmap *m = xcalloc(1, sizeof *m);

    m->free_value = free_value;
    return m;
}

void hmap_clear(struct hmap *m)
{
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key != NULL && m->slots[i].key != TOMB) {
            free(m->slots[i].key);
            if (m->free_value != NULL)
                m->free_value(m->slots[i].value);
        }
    }
    free(m->slots);
    m->slots = NULL;
    m->cap = m->len = m->used = 0;
}

void hmap_free(struct hmap *m)
{
    if (m == NULL)
        return;
    hmap_clear(m);
    free(m);
}

static uint64_t hash_key(const char *key)
{
    return rt_fnv1a(RT_FNV_INIT, key, strlen(key));
}

static struct slot *find(const struct hmap *m, const char *key, uint64_t h)
{
    size_t mask, i;

    if (m->cap == 0)
        return NULL;
    mask = m->cap - 1;
    for (i = h & mask;; i = (i + 1) & mask) {
        struct slot *s = &m->slots[i];
        if (s->key == NULL)
            return NULL;
        if (s->key != TOMB && s->hash == h && strcmp(s->key, key) == 0)
            return s;
    }
}

static void rehash(struct hmap *m, size_t cap)
{
    struct slot *old = m->slots;
    size_t oldcap = m->cap;

    m->slots = xcalloc(cap, sizeof *m->slots);
    m->cap = cap;
    m->used = m->len;
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i].key != NULL && old[i].key != TOMB) {
            size_t j = old[i].hash & (cap - 1);
            while (m->slots[j].key != NULL)
                j = (j + 1) & (cap - 1);
            m->slots[j] = old[i];
        }
    }
    free(old);
}

void hmap_put(struct hmap *m, const char *key, void *value)
{
    uint64_t h = hash_key(key);
    struct slot *s = find(m, key, h);
    size_t i, mask;

    if (s != NULL) {
        if (m->free_value != NULL && s->value != value)
            m->free_value(s->value);
        s->value = value;
        return;
    }
    if ((m->used + 1) * 10 >= m->cap * 7)
        rehash(m, m->cap == 0 ? 16 : (m->len * 2 + 2 > m->cap ? m->cap * 2 : m->cap));
    mask = m->cap - 1;
    for (i = h & mask; m->slots[i].key != NULL && m->slots[i].key != TOMB; i = (i + 1) & mask)
        ;
    if (m->slots[i].key == NULL)
        m->used++;
    m->slots[i].key = xstrdup(key);
    m->slots[i].value = value;
    m->slots[i].hash = h;
    m->len++;
}

void *hmap_get(const struct hmap *m, const char *key)
{
    struct slot *s = find(m, key, hash_key(key));

    return s != NULL ? s->value : NULL;
}

int hmap_del(struct hmap *m, const char *key)
{
    struct slot *s = find(m, key, hash_key(key));

    if (s == NULL)
        return 0;
    free(s->key);
    if (m->free_value != NULL)
        m->free_value(s->value);
    s->key = TOMB;
    s->value = NULL;
    m->len--;
    return 1;
}

size_t hmap_len(const struct hmap *m)
{
    return m->len;
}

int hmap_next(const struct hmap *m, size_t *i, const char **key, void **value)
{
    for (; *i < m->cap; (*i)++) {
        struct slot *s = &m->slots[*i];
        if (s->key != NULL && s->key != TOMB) {
            *key = s->key;
            if (value != NULL)
                *value = s->value;
            (*i)++;
            return 1;
        }
    }
    return 0;
}
