/*
 * action.h - the action verbs shared by the command line, the panes and
 * every provider.
 *
 * One table (action.c) lists every (kind, verb) pair with its flags and its
 * parameters; a provider's capability mask is a bit set over that table's
 * indices, so a pane offers exactly what the provider can do and a provider
 * that lacks a verb reports it unsupported.  Parameters are key=value pairs,
 * validated here against the table before anything is sent.
 *
 *     const struct action_def *a = action_find(RES_KIND_INSTANCE, "reboot");
 *     struct params p = {0};
 *     if (params_parse_kv(&p, "hard=true", &err) < 0 || action_validate(a, &p, &err) < 0) ...
 *     params_done(&p);
 *
 * To add a verb: add a row to the table in action.c (index < 64), give it a
 * param list, implement it in the providers that can, set their cap bit, and
 * document it in docs/CLI.md.
 */
#ifndef RT_ACTION_H
#define RT_ACTION_H

#include "model.h"

#include <stddef.h>
#include <stdint.h>

struct rt_error;

enum action_flag {
    ACTION_DESTRUCTIVE = 1 << 0, /* needs --yes, or typing the name in the UI */
    ACTION_CREATES = 1 << 1,     /* the target argument is the new resource's name */
};

enum param_type {
    PARAM_STR,
    PARAM_INT,   /* non-negative integer */
    PARAM_BOOL,  /* true/false/yes/no */
    PARAM_PORT,  /* "443" or "8000-8080" or "any" */
    PARAM_CIDR,  /* "10.0.0.0/8", "0.0.0.0/0", "::/0" */
    PARAM_ENUM,  /* one of `choices`, '|'-separated */
};

struct param_def {
    const char *name;
    enum param_type type;
    int required;
    const char *choices; /* PARAM_ENUM: "ingress|egress" */
    const char *help;
};

struct action_def {
    const char *verb;      /* "reboot", "add-rule" */
    enum res_kind kind;    /* kind of the target */
    unsigned flags;        /* enum action_flag */
    uint32_t touches;      /* kinds to refresh when it ends (RT_KIND_BIT) */
    const struct param_def *params; /* terminated by a NULL name */
    const char *help;
    /* ACTION_CREATES: what the target names when it is an existing resource to create
     * from (a floating IP's "pool"); NULL: the target is the new resource's name. */
    const char *create_from;
};

#define RT_KIND_BIT(k) (1u << (k))
#define RT_ACTION_MAX 64

struct param {
    char *key;
    char *value;
};

struct params {
    struct param *items;
    size_t len, cap;
};

/* The table and look-ups. Pointers are static and never freed. */
const struct action_def *action_table(size_t *n);
const struct action_def *action_find(enum res_kind k, const char *verb);
/* Index in the table: the bit of the capability mask. */
int action_index(const struct action_def *a);
/* Bit set of every action of a kind, or of all kinds. */
uint64_t action_mask_kind(enum res_kind k);
uint64_t action_mask_all(void);
/* True if any action in the table uses this verb (for "unknown action" vs "unknown for kind"). */
int action_verb_known(const char *verb);

/* Parameters: "key=value" words. Later duplicates replace earlier ones. */
int params_parse_kv(struct params *p, const char *word, struct rt_error *err);
void params_set(struct params *p, const char *key, const char *value);
const char *params_get(const struct params *p, const char *key);
long long params_get_int(const struct params *p, const char *key, long long dflt);
int params_get_bool(const struct params *p, const char *key, int dflt);
void params_copy(struct params *dst, const struct params *src);
void params_done(struct params *p);
/* JSON object of the parameters (for the audit log and the task journal). New string. */
char *params_to_json(const struct params *p);
int params_from_json(struct params *p, const char *json, struct rt_error *err);

/* Check required, unknown and malformed parameters. RT_ERR_ARG with a clear message. */
int action_validate(const struct action_def *a, const struct params *p, struct rt_error *err);
/* Parse "80", "80-443", "any" into a range; 0 on success. */
int param_parse_port(const char *s, int *lo, int *hi);
int param_valid_cidr(const char *s);

#endif
