/*
 * yamltree.c - load a YAML document with libyaml and copy it into ynodes.
 *
 * libyaml's document API (yaml_parser_load) does the parsing and resolves
 * aliases to node indexes, which may be shared or even cyclic.  build_node()
 * walks that graph from the root and copies every node it reaches, so the
 * result is a plain tree; the depth limit stops cycles (`&a [*a]`) and the
 * node budget stops alias bombs.  Merge keys (`<<`) are applied while a map
 * is copied, after its own keys, so explicit keys win.
 *
 * Nodes of one tree point to a single file-name string owned by the root.
 * Nothing here keeps global state; parsing is reentrant and a finished tree
 * is immutable.
 */
#include "yamltree.h"

#include "err.h"
#include "xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

struct build {
    yaml_document_t *doc;
    const char *file;
    size_t count;
    struct rt_error *err;
};

static int build_node(struct build *b, int index, int depth, struct ynode **out);

static void node_free(struct ynode *n)
{
    if (n == NULL)
        return;
    free(n->scalar);
    for (size_t i = 0; i < n->len; i++) {
        if (n->type == YNODE_MAP) {
            node_free(n->pairs[i].key);
            node_free(n->pairs[i].value);
        } else if (n->type == YNODE_SEQ) {
            node_free(n->items[i]);
        }
    }
    free(n->pairs);
    free(n->items);
    free(n->file_owned);
    free(n);
}

void ynode_free(struct ynode *root)
{
    node_free(root);
}

/* "FILE:LINE:COL: " errors for positions that come from libyaml marks (0-based). */
static int mark_err(struct build *b, const yaml_mark_t *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int mark_err(struct build *b, const yaml_mark_t *m, const char *fmt, ...)
{
    char msg[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return rt_err_set(b->err, RT_ERR_CONFIG, 0, "%s:%zu:%zu: %s", b->file, m->line + 1,
                      m->column + 1, msg);
}

static struct ynode *node_new(struct build *b, enum ynode_type type, const yaml_node_t *yn)
{
    struct ynode *n = xcalloc(1, sizeof *n);

    n->type = type;
    n->line = (int)yn->start_mark.line + 1;
    n->col = (int)yn->start_mark.column + 1;
    n->file = b->file;
    return n;
}

static int is_merge_key(const yaml_node_t *k)
{
    return k->type == YAML_SCALAR_NODE && k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
           k->data.scalar.length == 2 && memcmp(k->data.scalar.value, "<<", 2) == 0;
}

static const struct ynode *map_find(const struct ynode *map, const char *key)
{
    for (size_t i = 0; i < map->len; i++) {
        if (strcmp(map->pairs[i].key->scalar, key) == 0)
            return map->pairs[i].key;
    }
    return NULL;
}

static void map_append(struct ynode *map, size_t *cap, struct ynode *key, struct ynode *value)
{
    map->pairs = xgrow(map->pairs, cap, map->len + 1, sizeof *map->pairs);
    map->pairs[map->len].key = key;
    map->pairs[map->len].value = value;
    map->len++;
}

/* Copy the pairs of the map at `index` that `map` lacks into `map`. */
static int merge_from(struct build *b, struct ynode *map, size_t *cap, int index, int depth)
{
    yaml_node_t *src = yaml_document_get_node(b->doc, index);
    struct ynode *copy = NULL;

    if (src->type != YAML_MAPPING_NODE)
        return mark_err(b, &src->start_mark, "merge key '<<' needs a map or a list of maps");
    if (build_node(b, index, depth, &copy) < 0)
        return -1;
    for (size_t i = 0; i < copy->len; i++) {
        if (map_find(map, copy->pairs[i].key->scalar) == NULL) {
            map_append(map, cap, copy->pairs[i].key, copy->pairs[i].value);
        } else {
            node_free(copy->pairs[i].key);
            node_free(copy->pairs[i].value);
        }
    }
    copy->len = 0;
    node_free(copy);
    return 0;
}

static int build_map(struct build *b, const yaml_node_t *yn, int depth, struct ynode *n)
{
    size_t cap = 0;
    yaml_node_pair_t *p;

    /* Explicit keys first, so they win over merged ones. */
    for (p = yn->data.mapping.pairs.start; p < yn->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(b->doc, p->key);
        struct ynode *key = NULL, *value = NULL;
        const struct ynode *prev;

        if (is_merge_key(k))
            continue;
        if (k->type != YAML_SCALAR_NODE)
            return mark_err(b, &k->start_mark, "mapping keys must be plain values, not %s",
                            k->type == YAML_MAPPING_NODE ? "a map" : "a list");
        if (build_node(b, p->key, depth + 1, &key) < 0)
            return -1;
        prev = map_find(n, key->scalar);
        if (prev != NULL) {
            mark_err(b, &k->start_mark, "duplicate key '%s' (first at line %d)", key->scalar,
                     prev->line);
            node_free(key);
            return -1;
        }
        if (build_node(b, p->value, depth + 1, &value) < 0) {
            node_free(key);
            return -1;
        }
        map_append(n, &cap, key, value);
    }
    for (p = yn->data.mapping.pairs.start; p < yn->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(b->doc, p->key);
        yaml_node_t *v;

        if (!is_merge_key(k))
            continue;
        v = yaml_document_get_node(b->doc, p->value);
        if (v->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *it = v->data.sequence.items.start;
                 it < v->data.sequence.items.top; it++) {
                if (merge_from(b, n, &cap, *it, depth + 1) < 0)
                    return -1;
            }
        } else if (merge_from(b, n, &cap, p->value, depth + 1) < 0) {
            return -1;
        }
    }
    return 0;
}

static int build_node(struct build *b, int index, int depth, struct ynode **out)
{
    yaml_node_t *yn = yaml_document_get_node(b->doc, index);
    struct ynode *n = NULL;
    size_t cap = 0;

    *out = NULL;
    RT_ASSERT(yn != NULL);
    if (depth > YNODE_MAX_DEPTH && yn->type != YAML_SCALAR_NODE)
        return mark_err(b, &yn->start_mark,
                        "nested more than %d levels deep (or an alias refers to itself)",
                        YNODE_MAX_DEPTH);
    if (++b->count > YNODE_MAX_NODES)
        return mark_err(b, &yn->start_mark,
                        "document expands to more than %d nodes (too many aliases?)",
                        YNODE_MAX_NODES);
    switch (yn->type) {
    case YAML_SCALAR_NODE:
        if (memchr(yn->data.scalar.value, '\0', yn->data.scalar.length) != NULL)
            return mark_err(b, &yn->start_mark, "value contains a NUL character");
        n = node_new(b, YNODE_SCALAR, yn);
        n->scalar = xstrndup((const char *)yn->data.scalar.value, yn->data.scalar.length);
        n->plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        break;
    case YAML_SEQUENCE_NODE:
        n = node_new(b, YNODE_SEQ, yn);
        for (yaml_node_item_t *it = yn->data.sequence.items.start; it < yn->data.sequence.items.top;
             it++) {
            struct ynode *item = NULL;

            if (build_node(b, *it, depth + 1, &item) < 0) {
                node_free(n);
                return -1;
            }
            n->items = xgrow(n->items, &cap, n->len + 1, sizeof *n->items);
            n->items[n->len++] = item;
        }
        break;
    case YAML_MAPPING_NODE:
        n = node_new(b, YNODE_MAP, yn);
        if (build_map(b, yn, depth, n) < 0) {
            node_free(n);
            return -1;
        }
        break;
    default:
        return mark_err(b, &yn->start_mark, "empty node");
    }
    *out = n;
    return 0;
}

static int parser_err(const yaml_parser_t *p, const char *name, struct rt_error *err)
{
    const char *problem = p->problem != NULL ? p->problem : "unknown problem";

    switch (p->error) {
    case YAML_MEMORY_ERROR:
        return rt_err_set(err, RT_ERR_NOMEM, 0, "%s: out of memory while parsing", name);
    case YAML_READER_ERROR:
        if (p->problem_value != -1)
            return rt_err_set(err, RT_ERR_CONFIG, 0, "%s: %s (#%X) at byte %zu", name, problem,
                              (unsigned)p->problem_value, p->problem_offset);
        return rt_err_set(err, RT_ERR_CONFIG, 0, "%s: %s at byte %zu", name, problem,
                          p->problem_offset);
    default:
        if (p->context != NULL)
            return rt_err_set(err, RT_ERR_CONFIG, 0, "%s:%zu:%zu: %s (%s at line %zu)", name,
                              p->problem_mark.line + 1, p->problem_mark.column + 1, problem,
                              p->context, p->context_mark.line + 1);
        return rt_err_set(err, RT_ERR_CONFIG, 0, "%s:%zu:%zu: %s", name, p->problem_mark.line + 1,
                          p->problem_mark.column + 1, problem);
    }
}

/* Load the first document from a prepared parser and copy it into *root. */
static int parse_with(yaml_parser_t *p, const char *name, struct ynode **root, struct rt_error *err)
{
    yaml_document_t doc, next;
    yaml_node_t *top;
    struct build b = {&doc, NULL, 0, err};
    char *file = xstrdup(name);
    int rc = -1;

    b.file = file;
    if (!yaml_parser_load(p, &doc)) {
        free(file);
        return parser_err(p, name, err);
    }
    top = yaml_document_get_root_node(&doc);
    if (top == NULL) {
        rc = 0;
        goto out;
    }
    if (!yaml_parser_load(p, &next)) {
        parser_err(p, name, err);
        goto out;
    }
    if (yaml_document_get_root_node(&next) != NULL) {
        mark_err(&b, &yaml_document_get_root_node(&next)->start_mark,
                 "a second YAML document ('---') is not supported here");
        yaml_document_delete(&next);
        goto out;
    }
    yaml_document_delete(&next);
    if (build_node(&b, 1, 0, root) < 0)
        goto out;
    (*root)->file_owned = file;
    file = NULL;
    rc = 0;
out:
    yaml_document_delete(&doc);
    free(file);
    return rc;
}

int ynode_parse_stream(FILE *fp, const char *name, struct ynode **root, struct rt_error *err)
{
    yaml_parser_t p;
    int rc;

    *root = NULL;
    if (!yaml_parser_initialize(&p))
        return rt_err_set(err, RT_ERR_NOMEM, 0, "%s: out of memory while parsing", name);
    yaml_parser_set_input_file(&p, fp);
    rc = parse_with(&p, name, root, err);
    yaml_parser_delete(&p);
    return rc;
}

int ynode_parse_string(const char *text, size_t len, const char *name, struct ynode **root,
                       struct rt_error *err)
{
    yaml_parser_t p;
    int rc;

    *root = NULL;
    if (name == NULL)
        name = "<string>";
    if (!yaml_parser_initialize(&p))
        return rt_err_set(err, RT_ERR_NOMEM, 0, "%s: out of memory while parsing", name);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    rc = parse_with(&p, name, root, err);
    yaml_parser_delete(&p);
    return rc;
}

int ynode_parse_file(const char *path, struct ynode **root, struct rt_error *err)
{
    FILE *fp;
    struct stat st;
    int rc;

    *root = NULL;
    fp = fopen(path, "rb");
    if (fp == NULL)
        return rt_err_set(err, RT_ERR_CONFIG, errno, "cannot open '%s': %s", path, strerror(errno));
    if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(fp);
        return rt_err_set(err, RT_ERR_CONFIG, EISDIR, "cannot read '%s': it is a directory", path);
    }
    rc = ynode_parse_stream(fp, path, root, err);
    fclose(fp);
    return rc;
}

const char *ynode_type_name(enum ynode_type type)
{
    switch (type) {
    case YNODE_SCALAR:
        return "scalar";
    case YNODE_MAP:
        return "map";
    case YNODE_SEQ:
        return "list";
    }
    return "?";
}

const char *ynode_describe(const struct ynode *node)
{
    if (node == NULL)
        return "nothing";
    switch (node->type) {
    case YNODE_SCALAR:
        return "a scalar";
    case YNODE_MAP:
        return "a map";
    case YNODE_SEQ:
        return "a list";
    }
    return "?";
}

size_t ynode_len(const struct ynode *node)
{
    return node != NULL ? node->len : 0;
}

const char *ynode_scalar(const struct ynode *node)
{
    return node != NULL && node->type == YNODE_SCALAR ? node->scalar : NULL;
}

int ynode_is_null(const struct ynode *node)
{
    const char *s = ynode_scalar(node);

    if (s == NULL || !node->plain)
        return 0;
    return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
           strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

int ynode_parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};

    if (s == NULL)
        return -1;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

int ynode_bool(const struct ynode *node, int *out)
{
    return ynode_parse_bool(ynode_scalar(node), out);
}

const struct ynode *ynode_map_get(const struct ynode *map, const char *key)
{
    if (map == NULL || map->type != YNODE_MAP)
        return NULL;
    for (size_t i = 0; i < map->len; i++) {
        if (strcmp(map->pairs[i].key->scalar, key) == 0)
            return map->pairs[i].value;
    }
    return NULL;
}

const char *ynode_map_get_scalar(const struct ynode *map, const char *key)
{
    return ynode_scalar(ynode_map_get(map, key));
}

const struct ynode *ynode_map_key(const struct ynode *map, size_t i)
{
    if (map == NULL || map->type != YNODE_MAP || i >= map->len)
        return NULL;
    return map->pairs[i].key;
}

const struct ynode *ynode_map_value(const struct ynode *map, size_t i)
{
    if (map == NULL || map->type != YNODE_MAP || i >= map->len)
        return NULL;
    return map->pairs[i].value;
}

const struct ynode *ynode_seq_item(const struct ynode *seq, size_t i)
{
    if (seq == NULL || seq->type != YNODE_SEQ || i >= seq->len)
        return NULL;
    return seq->items[i];
}

int ynode_err(struct rt_error *err, const struct ynode *at, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (at == NULL)
        return rt_err_set(err, RT_ERR_CONFIG, 0, "%s", msg);
    return rt_err_set(err, RT_ERR_CONFIG, 0, "%s:%d: %s", at->file, at->line, msg);
}

/* Case-insensitive Levenshtein distance, capped: words longer than 63 bytes are "far". */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row[64];

    if (la >= sizeof row / sizeof row[0] || lb >= sizeof row / sizeof row[0])
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];

        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = (a[i - 1] | 0x20) == (b[j - 1] | 0x20) ? 0 : 1;
            size_t best = diag + cost;

            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *ynode_suggest(const char *word, const char *const *candidates)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;

    for (size_t i = 0; candidates[i] != NULL; i++) {
        size_t d = edit_distance(word, candidates[i]);

        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    /* Close enough to be a typo: at most 2 edits, and at most a third of the word. */
    if (best == NULL || strcmp(best, word) == 0 || best_d > 2 || best_d * 3 > strlen(best))
        return NULL;
    return best;
}

int ynode_check_keys(const struct ynode *map, const char *const *allowed, const char *ctx,
                     struct rt_error *err)
{
    if (map == NULL || map->type != YNODE_MAP)
        return 0;
    for (size_t i = 0; i < map->len; i++) {
        const struct ynode *key = map->pairs[i].key;
        const char *hint;
        size_t j;

        for (j = 0; allowed[j] != NULL; j++) {
            if (strcmp(key->scalar, allowed[j]) == 0)
                break;
        }
        if (allowed[j] != NULL)
            continue;
        hint = ynode_suggest(key->scalar, allowed);
        if (hint != NULL)
            return ynode_err(err, key, "%sunknown key '%s' (did you mean '%s'?)",
                             ctx != NULL ? ctx : "", key->scalar, hint);
        return ynode_err(err, key, "%sunknown key '%s'", ctx != NULL ? ctx : "", key->scalar);
    }
    return 0;
}
