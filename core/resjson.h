/*
 * resjson.h - resources as JSON objects, typed by the kind's schema.
 *
 * The shape the command line prints (`list -o json`) and the describe view
 * shows: {"provider", "kind", "id", "name", "status", "raw_status",
 * "progress", "updated_at", "stale", <schema fields...>}.  FIELD_INT becomes
 * a JSON integer, FIELD_NUM a real, FIELD_BOOL a boolean, FIELD_JSON the
 * parsed value, unknown values null.
 */
#ifndef RT_RESJSON_H
#define RT_RESJSON_H

#include "model.h"

#include <jansson.h>

struct strbuf;

/* New reference; never NULL. stale < 0 leaves the key out. */
json_t *res_to_json(const struct resource *r, int stale);
/* A JSON string of any text: invalid UTF-8 bytes become U+FFFD. NULL -> null. */
json_t *res_json_string(const char *v);
/* One field's typed JSON value (new reference). */
json_t *res_field_json(const struct resource *r, size_t idx);

/* Append the same object as compact JSON text to sb, without building a json_t (the
 * command line streams 100 000 rows this way). Always valid JSON and UTF-8. */
void res_json_write(struct strbuf *sb, const struct resource *r, int stale);
/* Append a JSON string literal of any text (invalid UTF-8 bytes become U+FFFD). */
void res_json_write_string(struct strbuf *sb, const char *v);

#endif
