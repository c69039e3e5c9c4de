/*
 * hmap.h - an open-addressing hash map from strings to pointers.
 *
 * Keys are copied and owned by the map; values are borrowed unless the map
 * was created with a free callback (then the map owns them and frees them on
 * replace, delete and hmap_free).  Not thread-safe.
 *
 *     struct hmap *m = hmap_new(NULL);
 *     hmap_put(m, "web-01", row);
 *     row = hmap_get(m, "web-01");
 *     hmap_free(m);
 */
#ifndef RT_HMAP_H
#define RT_HMAP_H

#include <stddef.h>

struct hmap;

struct hmap *hmap_new(void (*free_value)(void *));
void hmap_free(struct hmap *m);
/* Insert or replace. */
void hmap_put(struct hmap *m, const char *key, void *value);
void *hmap_get(const struct hmap *m, const char *key);
/* Remove; returns 1 if the key was there. */
int hmap_del(struct hmap *m, const char *key);
size_t hmap_len(const struct hmap *m);
void hmap_clear(struct hmap *m);
/* Iterate: i starts at 0; returns 0 at the end. Order is unspecified. */
int hmap_next(const struct hmap *m, size_t *i, const char **key, void **value);

#endif
