/*
 * model.h - the resource model every layer shares.
 *
 * A resource is keyed by (provider, kind, id) and carries a display name, a
 * normalised status next to the backend's raw status, an update time, an
 * optional progress (0-100, -1 when no operation runs) and the kind-specific
 * fields.  Fields are described by one schema table per kind (model.c), which
 * drives the JSON output of the command-line mode, the store's encoding, the
 * describe view and the docs, so they cannot drift.  Values are kept as text:
 *
 *   FIELD_STR   plain text                         "az-1"
 *   FIELD_INT   decimal integer                    "40"
 *   FIELD_NUM   decimal number                     "41.5"
 *   FIELD_BOOL  "true" or "false"
 *   FIELD_JSON  compact JSON (arrays, objects)     "[\"10.0.0.4\"]"
 *
 * A NULL value means "unknown / not applicable" (JSON null).
 *
 * The backend's raw JSON travels in `raw` from a provider to the engine,
 * which stores it and drops it (res_drop_raw): resources held by consumers
 * have raw == NULL (the describe view loads it from the store on demand).
 * A provider may lend it instead (res_set_raw_borrowed: text inside a reply it
 * keeps, 20 MB for 10 000 servers not copied); it must then keep that text
 * until its next call, and the engine drops raw before the provider is called
 * again.
 *
 * Resources are plain values owned by whoever holds them; res_free() frees
 * one, res_list_done() frees a list and its items.  Not thread-safe by
 * themselves: a resource belongs to one thread at a time (events move them).
 * A big mapper builds its rows in one piece (struct res_build, below): such a
 * row is the same value, its strings in one slab; change it only through
 * res_set*().
 *
 * To add a new kind: append RES_KIND_X here (before RES_KIND__COUNT, so cached
 * rows keep their kind numbers), its name, plural and schema in model.c, then
 * list it in the providers' kinds masks, give it a pane (views/panes.c), and
 * document it in docs/CLI.md and README.md (tests/cli/docs_sync.sh checks the
 * JSON keys against docs/CLI.md).
 */
#ifndef RT_MODEL_H
#define RT_MODEL_H

#include <stddef.h>
#include <stdint.h>

struct rt_error;
struct strbuf;

enum res_kind {
    RES_KIND_REGION,
    RES_KIND_ZONE,
    RES_KIND_HOST,
    RES_KIND_INSTANCE,
    RES_KIND_VOLUME,
    RES_KIND_SNAPSHOT,
    RES_KIND_SECGROUP,
    RES_KIND_IMAGE,
    RES_KIND_FLAVOR,
    RES_KIND_KEYPAIR,
    RES_KIND_SERVERGROUP,
    RES_KIND_TASK,
    RES_KIND_AUDIT,
    RES_KIND_METRIC,
    RES_KIND_EVENT,     /* hardware/BMC log entries (SEL, event logs) */
    RES_KIND_PORT,      /* network ports (Neutron) */
    RES_KIND_FLOATINGIP, /* floating IPs (Neutron) */
    RES_KIND_NETWORK,   /* networks (Neutron); external ones are floating IP pools */
    RES_KIND__COUNT
};

/* Normalised states, in the spirit of Nova's server status. */
enum res_status {
    RES_STATUS_UNKNOWN,
    RES_STATUS_ACTIVE,      /* running / available / in-use / healthy */
    RES_STATUS_BUILD,       /* being created or deployed */
    RES_STATUS_BUSY,        /* transitional: rebooting, resizing, migrating, ... */
    RES_STATUS_SHUTOFF,     /* stopped / powered off */
    RES_STATUS_PAUSED,      /* paused / suspended */
    RES_STATUS_VERIFY,      /* resize awaiting confirmation */
    RES_STATUS_ERROR,
    RES_STATUS_MAINTENANCE,
    RES_STATUS_DELETED,
    RES_STATUS__COUNT
};

enum field_type { FIELD_STR, FIELD_INT, FIELD_NUM, FIELD_BOOL, FIELD_JSON };

struct field_def {
    const char *name;  /* JSON key and column id, e.g. "size_gb" */
    enum field_type type;
    const char *title; /* column title, e.g. "SIZE" */
    const char *help;  /* one line for docs */
};

struct resource {
    char *provider;        /* provider instance name ("lab", "prod") */
    enum res_kind kind;
    char *id;
    char *name;
    enum res_status status;
    char *raw_status;      /* the backend's words, e.g. "active/rebooting" */
    int64_t updated_at;    /* epoch seconds */
    int progress;          /* 0..100 while an operation runs, else -1 */
    char **fields;         /* res_schema(kind) values, NULL = unknown */
    size_t nfields;
    char *raw;             /* backend JSON, only between provider and engine */
    int raw_borrowed;      /* raw belongs to the provider, not to this resource */
    uint64_t hash;         /* res_hash() when a provider computed it, else 0; every
                            * res_set*() clears it.  The engine hashes rows without one */
    char *slab;            /* NULL, or the one allocation (slab_len bytes) holding the
                            * fields array and the strings of a row built in one piece
                            * (res_build_done(), or res_dup() of such a row): a member
                            * pointing into it is not freed on its own */
    size_t slab_len;
};

struct res_list {
    struct resource **items;
    size_t len;
    size_t cap;
};

/* Names: "instance" <-> RES_KIND_INSTANCE; plural forms accepted by the parser. */
const char *res_kind_name(enum res_kind k);
const char *res_kind_plural(enum res_kind k);
/* Accepts singular, plural and a few aliases ("vms", "disks", "nodes"); -1 if unknown. */
int res_kind_from_name(const char *name);
const char *res_status_name(enum res_status s);
int res_status_from_name(const char *name); /* -1 if unknown */

/* The schema of a kind: its fields, in display order. Borrowed, static. */
const struct field_def *res_schema(enum res_kind k, size_t *n);
/* Index of a field in a kind's schema, or -1. */
int res_field_index(enum res_kind k, const char *name);

/* A new resource with all fields NULL, progress -1. Copies the strings. */
struct resource *res_new(const char *provider, enum res_kind k, const char *id, const char *name);
void res_free(struct resource *r);
/* Deep copy (raw included). */
struct resource *res_dup(const struct resource *r);

/* The provider name (copied). */
void res_set_provider(struct resource *r, const char *provider);

/*
 * A row built in one piece.  A mapper that makes thousands of rows per refresh (a page of
 * 1 000 servers, every 15 s) builds each in a struct res_build: the strings go into one
 * buffer kept from row to row, and res_build_done() hands the row out in two allocations,
 * the struct and its slab (the fields array and every string, in order), where res_new()
 * and res_set() take one per string (~27 for a server).  Printing, hashing and copying
 * such a row read one block.  It is an ordinary resource: res_set*() replace its members
 * (the new value is allocated on its own) and res_free() frees what is not in the slab,
 * then the slab.  Code that writes r->fields[i] itself must not free a slab string: use
 * res_set*().
 *
 *     struct res_build b = RES_BUILD_INIT;
 *     for (each server) {
 *         res_build_start(&b, provider, RES_KIND_INSTANCE, id, name);
 *         res_build_set(&b, FIELD_IDX_OF_HOST, host, strlen(host));
 *         b.status = RES_STATUS_ACTIVE; ...
 *         push(res_build_done(&b));
 *     }
 *     res_build_free(&b);
 *
 * Slots are the field indices of the kind's schema (res_field_index()), plus the members
 * below (RES_SLOT_*; res_build_start() sets provider, id and name).  A slot set twice keeps the last value (the first stays in
 * the buffer until the row is done: mappers set each once).
 */
#define RES_BUILD_MAX_FIELDS 48
#define RES_SLOT_PROVIDER (-4)
#define RES_SLOT_ID (-3)
#define RES_SLOT_NAME (-2)
#define RES_SLOT_RAW_STATUS (-1)

struct res_build {
    enum res_kind kind;
    size_t nfields;
    enum res_status status;
    int progress;        /* -1 after res_build_start() */
    int64_t updated_at;
    struct strbuf *text; /* the strings, each NUL-ended; kept between rows */
    uint32_t off[4 + RES_BUILD_MAX_FIELDS]; /* provider, id, name, raw_status, fields */
    uint32_t len[4 + RES_BUILD_MAX_FIELDS];
};

#define RES_BUILD_INIT {0}

/* Start a row (drops what the builder held); name NULL or "" means the id. */
void res_build_start(struct res_build *b, const char *provider, enum res_kind k,
                     const char *id, const char *name);
/* Set a slot to the n bytes at v (NULL: unknown); they must hold no NUL. */
void res_build_set(struct res_build *b, int slot, const char *v, size_t n);
/* Set a slot to the decimal text of v (as res_set_int()). */
void res_build_set_int(struct res_build *b, int slot, long long v);
/* Write a slot's text in place: res_build_open() returns the buffer to append to (no
 * NUL), res_build_close() makes what was appended since the value of slot. */
struct strbuf *res_build_open(struct res_build *b, size_t *mark);
void res_build_close(struct res_build *b, int slot, size_t mark);
/* The row, and the builder ready for the next one (res_build_start()). */
struct resource *res_build_done(struct res_build *b);
void res_build_free(struct res_build *b);
/* strlen(s) of the row's member in `slot` (a RES_SLOT_* or a field index) whose value s
 * is (not NULL): a slab keeps its strings' lengths, which the printer and the hash read
 * instead of finding each NUL (a third of printing 10 000 servers). */
size_t res_member_len(const struct resource *r, int slot, const char *s);

/* Set a field by name; value copied (NULL clears). Aborts on an unknown name: a programming error. */
void res_set(struct resource *r, const char *field, const char *value);
void res_setf(struct resource *r, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void res_set_int(struct resource *r, const char *field, long long v);
void res_set_num(struct resource *r, const char *field, double v);
void res_set_bool(struct resource *r, const char *field, int v);
/* Take ownership of a malloc'd value. */
void res_set_take(struct resource *r, const char *field, char *value);
/* Borrowed value or NULL (also NULL for unknown names). */
const char *res_get(const struct resource *r, const char *field);
long long res_get_int(const struct resource *r, const char *field, long long dflt);
double res_get_num(const struct resource *r, const char *field, double dflt);
void res_set_status(struct resource *r, enum res_status s, const char *raw_status);
void res_set_raw_take(struct resource *r, char *raw_json);
/* raw lent by the provider (see above): never freed through this resource. */
void res_set_raw_borrowed(struct resource *r, const char *raw_json);
/* Free raw (unless borrowed) and set it NULL. */
void res_drop_raw(struct resource *r);

/* JSON list helpers for FIELD_JSON arrays of strings. */
char *res_json_strlist(const char *const *items, size_t n); /* new string '["a","b"]' */
/* Render a field for a table cell: lists become "a, b". Writes into buf. */
const char *res_field_display(const struct resource *r, int idx, char *buf, size_t len);
/* Render a field for describe (`racktop show`, the dashboard's describe view): like
 * res_field_display(), except that a JSON array of objects gives one line per object,
 * "first-value: key value, key value, ..." (e.g. "CPU1: model Xeon, cores 8, health OK"),
 * lines separated by '\n' (no trailing one).  Appends to sb; returns the number of lines
 * (0 when the field is unknown or empty).  The text is backend data: sanitise it. */
size_t res_field_describe(const struct resource *r, int idx, struct strbuf *sb);
/* Does a JSON string list contain s? */
int res_json_list_has(const char *json, const char *s);

/* Encode all fields in the store's compact format (name/value records). New string. */
char *res_fields_encode(const struct resource *r);
/* Decode the store format into r's fields; unknown names are ignored (old schemas).
 * RT_ERR_PARSE when the text is damaged (fields decoded so far are kept). */
int res_fields_decode(struct resource *r, const char *json, struct rt_error *err);
/* Hash of everything except raw and updated_at: used to skip unchanged rows. */
uint64_t res_hash(const struct resource *r);

/* Lists. */
void res_list_init(struct res_list *l);
void res_list_push(struct res_list *l, struct resource *r); /* takes ownership */
void res_list_done(struct res_list *l);                     /* frees items */
/* Move every item of src to the end of dst; src is left empty. */
void res_list_splice(struct res_list *dst, struct res_list *src);

#endif
