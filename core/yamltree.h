/*
 * yamltree.h - a YAML file as a small, generic, read-only tree.
 *
 * libyaml parses; this module copies the first document into plain nodes
 * (scalar, map, sequence) that remember where they came from (file, line,
 * column), so every consumer can report "FILE:LINE: ..." for a bad value.
 * The racktop config, the providers' own options and OpenStack clouds.yaml
 * are all read through it.
 *
 *     struct ynode *root = NULL;
 *     struct rt_error err = {0};
 *     if (ynode_parse_file("clouds.yaml", &root, &err) < 0)
 *         fprintf(stderr, "racktop: %s\n", err.msg);   (FILE:LINE:COL: problem)
 *     const struct ynode *clouds = ynode_map_get(root, "clouds");
 *     for (size_t i = 0; i < ynode_len(clouds); i++)
 *         printf("%s\n", ynode_scalar(ynode_map_key(clouds, i)));
 *     ynode_free(root);
 *
 * What the tree holds:
 * - Scalars keep their text exactly as YAML resolved it (quotes removed,
 *   escapes decoded); no type guessing.  `plain` tells an unquoted scalar
 *   from a quoted one, so "null" and null can be told apart (ynode_is_null).
 * - Map keys must be scalars and unique; a duplicate key is a parse error.
 *   Pairs keep their file order.
 * - Anchors and aliases are resolved by copying the anchored node, so the
 *   tree has no sharing and no cycles.  The YAML 1.1 merge key
 *   (`<<: *base` or `<<: [*a, *b]`) is applied: keys written in the map win
 *   over merged ones.  An alias that refers to itself, nesting deeper than
 *   YNODE_MAX_DEPTH, or a document that expands beyond YNODE_MAX_NODES nodes
 *   (an alias bomb) is refused.
 * - Only the first document of a stream is read; a second one is an error.
 *   A file with no document (empty, or only comments) parses to NULL.
 *
 * Ownership: the root owns every node below it and the file name they point
 * to.  Pointers returned by the getters are borrowed from the tree and stay
 * valid until ynode_free(root).  The tree is never modified after parsing, so
 * several threads may read it at once.
 */
#ifndef RT_YAMLTREE_H
#define RT_YAMLTREE_H

#include <stddef.h>
#include <stdio.h>

struct rt_error;

#define YNODE_MAX_DEPTH 64
#define YNODE_MAX_NODES 100000

enum ynode_type {
    YNODE_SCALAR,
    YNODE_MAP,
    YNODE_SEQ,
};

struct ynode;

struct ynode_pair {
    struct ynode *key; /* always a YNODE_SCALAR */
    struct ynode *value;
};

/* Read-only for consumers; use the functions below rather than the fields when possible. */
struct ynode {
    enum ynode_type type;
    char *scalar;             /* YNODE_SCALAR: the text, never NULL; NULL otherwise */
    int plain;                /* YNODE_SCALAR: 1 when written without quotes or | > */
    int line;                 /* 1-based line where the node starts */
    int col;                  /* 1-based column where the node starts */
    const char *file;         /* name used in messages; owned by the root */
    size_t len;               /* pairs of a map, items of a sequence, 0 for a scalar */
    struct ynode_pair *pairs; /* YNODE_MAP */
    struct ynode **items;     /* YNODE_SEQ */
    char *file_owned;         /* set on the root only */
};

/*
 * Parse a YAML file.  On success returns 0 and sets *root to the tree (NULL
 * when the file holds no document), which the caller frees with ynode_free().
 * On failure returns -1, leaves *root NULL and sets err (RT_ERR_CONFIG):
 * "FILE:LINE:COL: <problem>" for a syntax error, "cannot open 'FILE': <why>"
 * (detail = errno, so ENOENT can be told apart) when the file cannot be read.
 */
int ynode_parse_file(const char *path, struct ynode **root, struct rt_error *err);
/* Same, from an open stream (not closed); `name` is used in messages and node->file. */
int ynode_parse_stream(FILE *fp, const char *name, struct ynode **root, struct rt_error *err);
/* Same, from memory; `name` may be NULL ("<string>"). */
int ynode_parse_string(const char *text, size_t len, const char *name, struct ynode **root,
                       struct rt_error *err);
/* Free a tree returned by a parse function.  Only call it on a root.  NULL is a no-op. */
void ynode_free(struct ynode *root);

/* "scalar", "map" or "list", for messages such as "(got a list)". */
const char *ynode_type_name(enum ynode_type type);
/* "a scalar", "a map", "a list" or "nothing" (for NULL). */
const char *ynode_describe(const struct ynode *node);

/* Pairs of a map or items of a sequence; 0 for a scalar or NULL. */
size_t ynode_len(const struct ynode *node);
/* The text of a scalar, or NULL when node is NULL or not a scalar. */
const char *ynode_scalar(const struct ynode *node);
/* 1 for an empty plain scalar, "~", "null", "Null" or "NULL" (what `key:` gives). */
int ynode_is_null(const struct ynode *node);
/*
 * Read a boolean scalar: true/false, yes/no, on/off (any case).  Returns 0 and
 * sets *out to 1 or 0, or -1 (without touching err or *out) when the node is
 * not such a scalar.
 */
int ynode_bool(const struct ynode *node, int *out);
/* The same rule on plain text: 0 and *out set, or -1. */
int ynode_parse_bool(const char *s, int *out);

/* The value for `key` in a map, or NULL when absent or node is not a map. */
const struct ynode *ynode_map_get(const struct ynode *map, const char *key);
/* The text of map[key] when it is a scalar, otherwise NULL. */
const char *ynode_map_get_scalar(const struct ynode *map, const char *key);
/* The i-th key (a scalar node) / value of a map; NULL when out of range or not a map. */
const struct ynode *ynode_map_key(const struct ynode *map, size_t i);
const struct ynode *ynode_map_value(const struct ynode *map, size_t i);
/* The i-th item of a sequence; NULL when out of range or not a sequence. */
const struct ynode *ynode_seq_item(const struct ynode *seq, size_t i);

/*
 * Set err to "FILE:LINE: <message>" with RT_ERR_CONFIG, the position taken
 * from `at` (when `at` is NULL the prefix is left out).  Returns -1.
 */
int ynode_err(struct rt_error *err, const struct ynode *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * The candidate closest to `word` by edit distance, when close enough to be a
 * likely typo; NULL otherwise.  `candidates` is NULL-terminated.
 */
const char *ynode_suggest(const char *word, const char *const *candidates);

/*
 * Check that every key of `map` is one of `allowed` (NULL-terminated).  On an
 * unknown key returns -1 with "FILE:LINE: <ctx>unknown key 'x' (did you mean
 * 'y'?)" in err, where ctx (may be NULL) is a prefix such as "provider 'a': ".
 * Returns 0 when all keys are known or map is not a map.
 */
int ynode_check_keys(const struct ynode *map, const char *const *allowed, const char *ctx,
                     struct rt_error *err);

#endif
