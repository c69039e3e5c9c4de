/*
 * fleet.h - the consumer's view of the fleet: the union of every provider's
 * resources, kept up to date from engine events.
 *
 * The UI and the command-line mode each own one fleet on their thread.  It
 * starts from the store's cache (every row marked stale) and is replaced
 * slice by slice, one (provider, kind) at a time, as SYNC events arrive.
 *
 *     struct fleet *f = fleet_new();
 *     fleet_load_cache(f, engine_store(e), RT_KIND_BIT(RES_KIND_INSTANCE), &err);
 *     ... for each event: fleet_apply(f, ev); engine_event_free(ev);
 *     for (size_t i = 0; i < fleet_count(f, RES_KIND_INSTANCE); i++)
 *         use(fleet_at(f, RES_KIND_INSTANCE, i));
 *
 * Resources returned are borrowed: valid until fleet_version() of their kind
 * changes (a SYNC, an insert, a delete, a cache load); an UPSERT of a known
 * row updates it in place.  Not thread-safe.
 */
#ifndef RT_FLEET_H
#define RT_FLEET_H

#include "model.h"

#include <stddef.h>
#include <stdint.h>

struct engine_event;
struct fleet;
struct rt_error;
struct store;

struct fleet *fleet_new(void);
void fleet_free(struct fleet *f);

/* Load cached rows of the kinds in mask (RT_KIND_BIT) and mark each (provider, kind) slice
 * stale. Replaces what the fleet held for those kinds. */
int fleet_load_cache(struct fleet *f, struct store *st, uint32_t kinds, struct rt_error *err);
/* Load the cached rows of kind k of every provider not in `skip` and replace their
 * slices, each marked stale unless its provider is in `current` (NULL-terminated name
 * lists, either may be NULL).  For a caller that asks for a refresh first and wants the
 * cache only where the refresh did not deliver (the command line: reading 10 000 rows
 * from SQLite that the refresh replaces cost ~20 ms of CPU). */
int fleet_load_cache_except(struct fleet *f, struct store *st, enum res_kind k,
                            const char *const *skip, const char *const *current,
                            struct rt_error *err);
/* Apply an engine event (SYNC, UPSERT, DELETE); takes the event's rows. Returns 1 if the
 * fleet changed. */
int fleet_apply(struct fleet *f, struct engine_event *ev);

size_t fleet_count(const struct fleet *f, enum res_kind k);
const struct resource *fleet_at(const struct fleet *f, enum res_kind k, size_t i);
const struct resource *fleet_find(const struct fleet *f, enum res_kind k, const char *provider,
                                  const char *id);
/* Find by id, else by exact name; provider NULL = any. RT_ERR_NOT_FOUND, or RT_ERR_ARG when a
 * name matches several resources (the message lists where). */
const struct resource *fleet_lookup(const struct fleet *f, enum res_kind k, const char *provider,
                                    const char *id_or_name, struct rt_error *err);
/* Is the (provider, kind) slice still the cached copy (not refreshed in this run)? */
int fleet_is_stale(const struct fleet *f, enum res_kind k, const char *provider);
/* Bumped when rows of a kind are added, removed or replaced (borrowed pointers to that
 * kind are then invalid: rebuild). */
uint64_t fleet_version(const struct fleet *f, enum res_kind k);
/* Bumped when a row changes in place (an UPSERT of a known row): pointers stay valid, only
 * the contents (and so sort order and filter results) changed. */
uint64_t fleet_content_version(const struct fleet *f, enum res_kind k);

#endif
