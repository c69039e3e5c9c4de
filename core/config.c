/*
 * config.c - load and validate config.yaml.
 *
 * The file is parsed into a ynode tree (yamltree.c) that the config keeps, so
 * provider entries can be handed on as borrowed subtrees with their line
 * numbers.  Validation happens once, here, in this order:
 *
 *   1. secrets: a `password` key in a file that group or others can access
 *      refuses the whole file, before anything else is looked at;
 *   2. the top level is a map; each key is an option from options[], a group
 *      of options (`refresh`, `retention`: a map whose keys are the next
 *      segment of the dotted option names), `providers` or `keys`;
 *   3. each provider entry: a map with a valid unique name, a known type and
 *      an optional read_only.  Its other keys belong to the provider.
 *   4. `ssh:` is a group of options (ssh.host, ssh.user, ...) plus two maps
 *      of overrides, `zones` and `providers`, whose entries take the same
 *      keys, checked against the same rows of options[].
 *
 * options[] is the single source for names, types, defaults, ranges and help
 * (tmux's options-table.c).  Defaults go through the same parser as the file,
 * so a bad default trips an assertion at the first config_new_defaults().
 *
 * To add an option: add a field to struct config, a row to options[] (a
 * dotted name nests it under a group automatically), and a line to the
 * example in config.h.  A new provider type goes into config_types[].
 *
 * No global mutable state; a loaded config is immutable.
 */
#include "config.h"

#include "err.h"
#include "provider.h"
#include "ssh.h"
#include "strbuf.h"
#include "util.h"
#include "xalloc.h"
#include "yamltree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_FILE_NAME "config.yaml"
#define PROVIDER_NAME_MAX 64
#define SECRET_FILE_MAX (64 * 1024)
#define DAY (24LL * 3600)

#define OFF(field) offsetof(struct config, field)

static int check_jump(const char *text, char *why, size_t whylen);
static int check_detach_key(const char *text, char *why, size_t whylen);

static const struct config_option options[] = {
    {"theme", CONFIG_TYPE_STRING, "default", 1, 64,
     "colour theme: the name of a .theme file (default, light, high-contrast, mono, ...)",
     OFF(theme)},
    {"read_only", CONFIG_TYPE_BOOL, "false", 0, 1,
     "refuse every action that changes a backend, for all providers", OFF(read_only)},
    {"timeout", CONFIG_TYPE_DURATION, "30s", 1, 3600,
     "how long a network call, or the command-line mode, waits before giving up", OFF(timeout_s)},
    {"refresh.inventory", CONFIG_TYPE_DURATION, "30s", 1, DAY,
     "how often each provider lists its resources again", OFF(refresh_inventory_s)},
    {"refresh.health", CONFIG_TYPE_DURATION, "10s", 1, 3600,
     "how often health metrics (sensors, node stats) are sampled", OFF(refresh_health_s)},
    {"retention.metrics", CONFIG_TYPE_DURATION, "7d", 3600, 366 * DAY,
     "how long metric history is kept in the store", OFF(retention_metrics_s)},
    {"ssh.host", CONFIG_TYPE_STRING, "", 0, 255,
     "consoles connect to this address instead of the instance's own (NAT, tests)",
     OFF(ssh.host)},
    {"ssh.user", CONFIG_TYPE_STRING, "", 0, 64,
     "console login user instead of the image's default_user", OFF(ssh.user)},
    {"ssh.port", CONFIG_TYPE_INT, "0", 0, 65535, "console SSH port (0: ~/.ssh/config, then 22)",
     OFF(ssh.port)},
    {"ssh.jump", CONFIG_TYPE_STRING, "", 0, 1024,
     "jump hosts for instances with only private addresses: [user@]host[:port][,...] or none",
     OFF(ssh.jump), check_jump},
    {"console.detach_key", CONFIG_TYPE_STRING, "ctrl-]", 1, 16,
     "key that leaves an SSH console for the dashboard, the session staying open: a control "
     "key (ctrl-], ctrl-a, ...) or F1-F12",
     OFF(console_detach_key), check_detach_key},
};
#define N_OPTIONS (sizeof options / sizeof options[0])

static const char *const config_types[] = {"demo", "openstack", "redfish", "libvirt", NULL};

/* Keys of a provider entry that config.c itself reads. */
static const char *const provider_own_keys[] = {"name", "type", "read_only", NULL};

enum parse_rc {
    PARSE_OK,
    PARSE_BAD,   /* not of the option's type */
    PARSE_RANGE, /* of the type, outside min..max */
};

/* A parsed option value, before it is stored into struct config. */
struct value {
    long long num;   /* bool, duration (seconds), int */
    const char *str; /* string: borrowed */
};

const struct config_option *config_options(size_t *n)
{
    *n = N_OPTIONS;
    return options;
}

const char *config_type_name(enum config_type type)
{
    switch (type) {
    case CONFIG_TYPE_STRING:
        return "string";
    case CONFIG_TYPE_BOOL:
        return "bool";
    case CONFIG_TYPE_DURATION:
        return "duration";
    case CONFIG_TYPE_INT:
        return "int";
    }
    return "?";
}

const char *const *config_provider_types(void)
{
    return config_types;
}

char *config_default_path(void)
{
    char *dir = rt_xdg_dir("CONFIG");
    char *path = xasprintf("%s/%s", dir, CONFIG_FILE_NAME);

    free(dir);
    return path;
}

/* What a value of this type looks like, for "'x' must be <this>". */
static const char *type_expectation(enum config_type type)
{
    switch (type) {
    case CONFIG_TYPE_STRING:
        return "a string";
    case CONFIG_TYPE_BOOL:
        return "true or false";
    case CONFIG_TYPE_DURATION:
        return "a duration like 30s, 5m";
    case CONFIG_TYPE_INT:
        return "a whole number";
    }
    return "?";
}

/* Seconds in the largest unit that divides them: 86400 -> "1d", 90 -> "90s". */
static const char *format_duration(long long s, char *buf, size_t len)
{
    if (s != 0 && s % DAY == 0)
        snprintf(buf, len, "%lldd", s / DAY);
    else if (s != 0 && s % 3600 == 0)
        snprintf(buf, len, "%lldh", s / 3600);
    else if (s != 0 && s % 60 == 0)
        snprintf(buf, len, "%lldm", s / 60);
    else
        snprintf(buf, len, "%llds", s);
    return buf;
}

static enum parse_rc option_parse(const struct config_option *o, const char *text, struct value *v)
{
    int b;
    long long n = 0;

    switch (o->type) {
    case CONFIG_TYPE_STRING:
        n = (long long)strlen(text);
        if (n < o->min || n > o->max)
            return PARSE_RANGE;
        v->str = text;
        return PARSE_OK;
    case CONFIG_TYPE_BOOL:
        if (ynode_parse_bool(text, &b) < 0)
            return PARSE_BAD;
        v->num = b;
        return PARSE_OK;
    case CONFIG_TYPE_DURATION:
        n = rt_parse_duration(text);
        if (n < 0)
            return PARSE_BAD;
        break;
    case CONFIG_TYPE_INT:
        if (rt_parse_int(text, &n) < 0)
            return PARSE_BAD;
        break;
    }
    if (n < o->min || n > o->max)
        return PARSE_RANGE;
    v->num = n;
    return PARSE_OK;
}

/* Store v at base + offset (struct config, or an ssh override entry). */
static void option_store(void *base, size_t offset, const struct config_option *o,
                         const struct value *v)
{
    char *field = (char *)base + offset;

    switch (o->type) {
    case CONFIG_TYPE_STRING:
        free(*(char **)field);
        *(char **)field = xstrdup(v->str);
        break;
    case CONFIG_TYPE_BOOL:
        *(int *)field = (int)v->num;
        break;
    case CONFIG_TYPE_DURATION:
        *(int64_t *)field = v->num;
        break;
    case CONFIG_TYPE_INT:
        *(long long *)field = v->num;
        break;
    }
}

/* The message for a value of the right type but outside the option's range. */
static int range_err(const struct config_option *o, const struct ynode *at, const char *text,
                     struct rt_error *err)
{
    char lo[32], hi[32];

    switch (o->type) {
    case CONFIG_TYPE_STRING:
        if (text[0] == '\0')
            return ynode_err(err, at, "'%s' must not be empty", o->name);
        return ynode_err(err, at, "'%s' must be %lld to %lld characters long (got %zu)", o->name,
                         o->min, o->max, strlen(text));
    case CONFIG_TYPE_DURATION:
        return ynode_err(err, at, "'%s' must be between %s and %s (got '%s')", o->name,
                         format_duration(o->min, lo, sizeof lo),
                         format_duration(o->max, hi, sizeof hi), text);
    default:
        return ynode_err(err, at, "'%s' must be between %lld and %lld (got '%s')", o->name, o->min,
                         o->max, text);
    }
}

static int option_set_at(void *base, size_t offset, const struct config_option *o,
                         const struct ynode *value, struct rt_error *err)
{
    struct value v = {0, NULL};
    const char *text = ynode_scalar(value);
    char why[256];

    if (text == NULL)
        return ynode_err(err, value, "'%s' must be %s (got %s)", o->name, type_expectation(o->type),
                         ynode_describe(value));
    if (ynode_is_null(value))
        return ynode_err(err, value, "'%s' must be %s (got nothing)", o->name,
                         type_expectation(o->type));
    switch (option_parse(o, text, &v)) {
    case PARSE_OK:
        if (o->check != NULL && o->check(text, why, sizeof why) < 0)
            return ynode_err(err, value, "'%s': %s", o->name, why);
        option_store(base, offset, o, &v);
        return 0;
    case PARSE_BAD:
        return ynode_err(err, value, "'%s' must be %s (got '%s')", o->name,
                         type_expectation(o->type), text);
    case PARSE_RANGE:
        return range_err(o, value, text, err);
    }
    return -1;
}

static int option_set(struct config *cfg, const struct config_option *o, const struct ynode *value,
                      struct rt_error *err)
{
    return option_set_at(cfg, o->offset, o, value, err);
}

static const struct config_option *find_option(const char *name)
{
    for (size_t i = 0; i < N_OPTIONS; i++) {
        if (strcmp(options[i].name, name) == 0)
            return &options[i];
    }
    return NULL;
}

/* Whether `name` is a group: some option is called "<name>.<something>". */
static int is_group(const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < N_OPTIONS; i++) {
        if (strncmp(options[i].name, name, n) == 0 && options[i].name[n] == '.')
            return 1;
    }
    return 0;
}

/*
 * The keys allowed in the map at `prefix` (NULL: the top level): the next
 * name segment of every option below it, once each.  Segments are copied
 * into seg[], pointers into out[] (NULL-terminated).  Returns the count.
 */
#define MAX_LEVEL_KEYS (N_OPTIONS + 3)
static size_t level_keys(const char *prefix, char seg[][48], const char **out)
{
    size_t n = 0, plen = prefix != NULL ? strlen(prefix) : 0;

    if (prefix == NULL) {
        out[n++] = "providers";
        out[n++] = "keys";
    }
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const char *rest = options[i].name;
        size_t len, j;

        if (prefix != NULL) {
            if (strncmp(rest, prefix, plen) != 0 || rest[plen] != '.')
                continue;
            rest += plen + 1;
        }
        len = strcspn(rest, ".");
        RT_ASSERT(len < 48);
        for (j = 0; j < n; j++) {
            if (strlen(out[j]) == len && strncmp(out[j], rest, len) == 0)
                break;
        }
        if (j < n)
            continue;
        memcpy(seg[n], rest, len);
        seg[n][len] = '\0';
        out[n] = seg[n];
        n++;
    }
    out[n] = NULL;
    return n;
}

/* "demo, openstack, redfish or libvirt" (new string). */
static char *provider_types_text(void)
{
    struct strbuf sb = STRBUF_INIT;

    for (size_t i = 0; config_types[i] != NULL; i++) {
        if (i > 0)
            strbuf_adds(&sb, config_types[i + 1] == NULL ? " or " : ", ");
        strbuf_adds(&sb, config_types[i]);
    }
    return strbuf_take(&sb);
}

static int provider_name_ok(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' ||
              *s == '-'))
            return 0;
    }
    return 1;
}

static int provider_parse(struct config *cfg, size_t idx, const struct ynode *entry,
                          struct rt_error *err)
{
    struct config_provider *cp = &cfg->providers[cfg->n_providers];
    const struct ynode *name = ynode_map_get(entry, "name");
    const struct ynode *type = ynode_map_get(entry, "type");
    const struct ynode *ro = ynode_map_get(entry, "read_only");
    char *types = NULL;
    int rc = -1;
    size_t t;

    if (entry->type != YNODE_MAP)
        return ynode_err(err, entry,
                         "providers entry %zu must be a map with 'name' and 'type' (got %s)", idx,
                         ynode_describe(entry));
    if (name == NULL)
        return ynode_err(err, entry, "providers entry %zu has no 'name'", idx);
    if (ynode_scalar(name) == NULL || ynode_is_null(name))
        return ynode_err(err, name, "providers entry %zu: 'name' must be a string (got %s)", idx,
                         ynode_is_null(name) ? "nothing" : ynode_describe(name));
    if (strlen(name->scalar) > PROVIDER_NAME_MAX)
        return ynode_err(err, name, "provider name '%.*s...' is longer than %d characters", 20,
                         name->scalar, PROVIDER_NAME_MAX);
    if (!provider_name_ok(name->scalar))
        return ynode_err(err, name,
                         "provider name '%s' may contain only a-z, 0-9, '_', '.' and '-'",
                         name->scalar);
    for (size_t i = 0; i < cfg->n_providers; i++) {
        if (strcmp(cfg->providers[i].name, name->scalar) == 0)
            return ynode_err(err, name, "provider name '%s' is already used at line %d",
                             name->scalar, cfg->providers[i].line);
    }
    types = provider_types_text();
    if (type == NULL) {
        ynode_err(err, entry, "provider '%s' has no 'type' (expected %s)", name->scalar, types);
        goto out;
    }
    if (ynode_scalar(type) == NULL || ynode_is_null(type)) {
        ynode_err(err, type, "provider '%s': 'type' must be one of %s (got %s)", name->scalar,
                  types, ynode_is_null(type) ? "nothing" : ynode_describe(type));
        goto out;
    }
    for (t = 0; config_types[t] != NULL; t++) {
        if (strcmp(config_types[t], type->scalar) == 0)
            break;
    }
    if (config_types[t] == NULL && provider_type_find(type->scalar) == NULL) {
        ynode_err(err, type, "provider '%s': unknown type '%s' (expected %s)", name->scalar,
                  type->scalar, types);
        goto out;
    }
    cp->read_only = 0;
    if (ro != NULL && ynode_bool(ro, &cp->read_only) < 0) {
        if (ynode_scalar(ro) != NULL && !ynode_is_null(ro))
            ynode_err(err, ro, "provider '%s': 'read_only' must be true or false (got '%s')",
                      name->scalar, ro->scalar);
        else
            ynode_err(err, ro, "provider '%s': 'read_only' must be true or false (got %s)",
                      name->scalar, ynode_is_null(ro) ? "nothing" : ynode_describe(ro));
        goto out;
    }
    cp->name = xstrdup(name->scalar);
    cp->type = xstrdup(type->scalar);
    cp->node = entry;
    cp->line = entry->line;
    cfg->n_providers++;
    rc = 0;
out:
    free(types);
    return rc;
}

static int providers_parse(struct config *cfg, const struct ynode *key, const struct ynode *list,
                           struct rt_error *err)
{
    if (ynode_is_null(list))
        return 0;
    if (list->type != YNODE_SEQ)
        return ynode_err(err, key, "'providers' must be a list (got %s)", ynode_describe(list));
    cfg->providers = xcalloc(list->len, sizeof *cfg->providers);
    for (size_t i = 0; i < list->len; i++) {
        if (provider_parse(cfg, i + 1, list->items[i], err) < 0)
            return -1;
    }
    return 0;
}

/* ---- console: ----------------------------------------------------------------------- */

/*
 * console.detach_key: a key the remote side can do without.  "ctrl-X" (also
 * "C-X", "^X") for X in a-z, backslash, ], ^ or _, except the control keys
 * a shell needs as themselves (ctrl-h backspace, ctrl-i tab, ctrl-j and ctrl-m enter,
 * ctrl-[ escape), or F1..F12.  The syntax is a subset of tui/keymap.h's
 * keymap_parse_key(), which the console uses to read it.
 */
static int check_detach_key(const char *text, char *why, size_t whylen)
{
    const char *k = NULL;
    char *end = NULL;

    if (strncasecmp(text, "ctrl-", 5) == 0)
        k = text + 5;
    else if (strncasecmp(text, "c-", 2) == 0)
        k = text + 2;
    else if (text[0] == '^')
        k = text + 1;
    if (k != NULL && k[0] != '\0' && k[1] == '\0') {
        int c = k[0] >= 'A' && k[0] <= 'Z' ? k[0] + ('a' - 'A') : k[0];
        if (c == 'h' || c == 'i' || c == 'j' || c == 'm' || c == '[') {
            snprintf(why, whylen,
                     "'%s' is a key the remote shell needs (backspace, tab, enter or escape); "
                     "pick another control key such as ctrl-] or ctrl-g",
                     text);
            return -1;
        }
        if ((c >= 'a' && c <= 'z') || c == '\\' || c == ']' || c == '^' || c == '_')
            return 0;
    } else if ((text[0] == 'F' || text[0] == 'f') && text[1] >= '1' && text[1] <= '9') {
        long n = strtol(text + 1, &end, 10);
        if (*end == '\0' && n >= 1 && n <= 12)
            return 0;
    }
    snprintf(why, whylen,
             "must be a control key (ctrl-a..ctrl-z, ctrl-\\, ctrl-], ctrl-^, ctrl-_) or F1..F12, "
             "e.g. \"ctrl-]\" (got '%s')",
             text);
    return -1;
}

/* ---- ssh: --------------------------------------------------------------------------- */

/* ssh.jump: "none", or a list ssh_jump_parse() accepts. */
static int check_jump(const char *text, char *why, size_t whylen)
{
    struct ssh_hop hops[SSH_MAX_HOPS];
    struct rt_error e = {0};
    int n;

    if (text[0] == '\0' || strcasecmp(text, "none") == 0)
        return 0;
    n = ssh_jump_parse(text, hops, SSH_MAX_HOPS - 1, &e);
    if (n < 0) {
        snprintf(why, whylen, "%s", e.msg);
        return -1;
    }
    while (n > 0)
        ssh_hop_done(&hops[--n]);
    return 0;
}

static void config_ssh_done(struct config_ssh *cs)
{
    free(cs->match);
    free(cs->host);
    free(cs->user);
    free(cs->jump);
}

/*
 * `zones:` or `providers:` under `ssh:`: a map of NAME -> {host, user, port,
 * jump}, each key parsed with the ssh.* row of options[] into a new entry.
 */
static int ssh_overrides_parse(struct config *cfg, const struct ynode *key,
                               const struct ynode *map, struct rt_error *err)
{
    int zones = strcmp(key->scalar, "zones") == 0;
    struct config_ssh **list = zones ? &cfg->ssh_zones : &cfg->ssh_providers;
    size_t *n = zones ? &cfg->n_ssh_zones : &cfg->n_ssh_providers;

    if (ynode_is_null(map))
        return 0;
    if (map->type != YNODE_MAP)
        return ynode_err(
            err, key, "'ssh.%s' must be a map of %s names to {host, user, port, jump} (got %s)",
            key->scalar, zones ? "zone" : "provider", ynode_describe(map));
    *list = xcalloc(map->len, sizeof **list);
    for (size_t i = 0; i < map->len; i++) {
        const struct ynode *name = map->pairs[i].key, *entry = map->pairs[i].value;
        struct config_ssh *cs = &(*list)[(*n)++];

        cs->match = xstrdup(name->scalar);
        if (ynode_is_null(entry))
            continue;
        if (entry->type != YNODE_MAP)
            return ynode_err(
                err, name, "'ssh.%s.%s' must be a map with keys host, user, port, jump (got %s)",
                key->scalar, name->scalar, ynode_describe(entry));
        for (size_t j = 0; j < entry->len; j++) {
            const struct ynode *k = entry->pairs[j].key;
            char full[128];
            const struct config_option *o;

            snprintf(full, sizeof full, "ssh.%s", k->scalar);
            o = strchr(k->scalar, '.') == NULL ? find_option(full) : NULL;
            if (o == NULL)
                return ynode_err(
                    err, k, "unknown key '%s' in 'ssh.%s.%s' (expected host, user, port or jump)",
                    k->scalar, key->scalar, name->scalar);
            if (option_set_at(cs, o->offset - OFF(ssh), o, entry->pairs[j].value, err) < 0)
                return -1;
        }
    }
    return 0;
}

static void ssh_pick(struct config_ssh *out, const struct config_ssh *cs)
{
    if (cs == NULL)
        return;
    if (out->host == NULL && cs->host != NULL && cs->host[0] != '\0')
        out->host = cs->host;
    if (out->user == NULL && cs->user != NULL && cs->user[0] != '\0')
        out->user = cs->user;
    if (out->jump == NULL && cs->jump != NULL && cs->jump[0] != '\0')
        out->jump = cs->jump;
    if (out->port == 0)
        out->port = cs->port;
}

static const struct config_ssh *ssh_find(const struct config_ssh *list, size_t n, const char *name)
{
    for (size_t i = 0; name != NULL && i < n; i++) {
        if (strcmp(list[i].match, name) == 0)
            return &list[i];
    }
    return NULL;
}

void config_ssh_for(const struct config *cfg, const char *provider, const char *zone,
                    struct config_ssh *out)
{
    memset(out, 0, sizeof *out);
    ssh_pick(out, ssh_find(cfg->ssh_zones, cfg->n_ssh_zones, zone));
    ssh_pick(out, ssh_find(cfg->ssh_providers, cfg->n_ssh_providers, provider));
    ssh_pick(out, &cfg->ssh);
}

/* Parse the map at `prefix` (NULL: the top level) against options[]. */
static int map_parse(struct config *cfg, const struct ynode *map, const char *prefix,
                     struct rt_error *err)
{
    for (size_t i = 0; i < map->len; i++) {
        const struct ynode *key = map->pairs[i].key, *value = map->pairs[i].value;
        const struct config_option *o;
        char full[128];
        char seg[MAX_LEVEL_KEYS][48];
        const char *allowed[MAX_LEVEL_KEYS + 1];
        const char *hint;

        snprintf(full, sizeof full, "%s%s%s", prefix != NULL ? prefix : "",
                 prefix != NULL ? "." : "", key->scalar);
        if (prefix == NULL && strcmp(key->scalar, "providers") == 0) {
            if (providers_parse(cfg, key, value, err) < 0)
                return -1;
            continue;
        }
        if (prefix != NULL && strcmp(prefix, "ssh") == 0 &&
            (strcmp(key->scalar, "zones") == 0 || strcmp(key->scalar, "providers") == 0)) {
            if (ssh_overrides_parse(cfg, key, value, err) < 0)
                return -1;
            continue;
        }
        if (prefix == NULL && strcmp(key->scalar, "keys") == 0) {
            if (!ynode_is_null(value) && value->type != YNODE_MAP)
                return ynode_err(err, key, "'keys' must be a map of key bindings (got %s)",
                                 ynode_describe(value));
            cfg->keys = ynode_is_null(value) ? NULL : value;
            continue;
        }
        /* Each key is one segment: `refresh.inventory: 1s` is not a way to write it. */
        o = strchr(key->scalar, '.') == NULL ? find_option(full) : NULL;
        if (o != NULL) {
            if (option_set(cfg, o, value, err) < 0)
                return -1;
            continue;
        }
        if (strchr(key->scalar, '.') == NULL && is_group(full)) {
            if (ynode_is_null(value))
                continue;
            if (value->type != YNODE_MAP) {
                char *names;
                struct strbuf sb = STRBUF_INIT;

                level_keys(full, seg, allowed);
                for (size_t j = 0; allowed[j] != NULL; j++)
                    strbuf_addf(&sb, "%s%s", j > 0 ? ", " : "", allowed[j]);
                names = strbuf_take(&sb);
                ynode_err(err, key, "'%s' must be a map with keys %s (got %s)", full, names,
                          ynode_describe(value));
                free(names);
                return -1;
            }
            if (map_parse(cfg, value, full, err) < 0)
                return -1;
            continue;
        }
        level_keys(prefix, seg, allowed);
        hint = ynode_suggest(key->scalar, allowed);
        if (prefix == NULL && hint != NULL)
            return ynode_err(err, key, "unknown key '%s' (did you mean '%s'?)", key->scalar, hint);
        if (prefix == NULL)
            return ynode_err(err, key, "unknown key '%s'", key->scalar);
        if (hint != NULL)
            return ynode_err(err, key, "unknown key '%s' in '%s' (did you mean '%s'?)", key->scalar,
                             prefix, hint);
        return ynode_err(err, key, "unknown key '%s' in '%s'", key->scalar, prefix);
    }
    return 0;
}

/* The first map key named "password" (any case) anywhere in the tree, or NULL. */
static const struct ynode *find_password(const struct ynode *n)
{
    const struct ynode *found;

    if (n == NULL)
        return NULL;
    for (size_t i = 0; i < n->len; i++) {
        if (n->type == YNODE_MAP) {
            if (strcasecmp(n->pairs[i].key->scalar, "password") == 0)
                return n->pairs[i].key;
            found = find_password(n->pairs[i].value);
        } else {
            found = find_password(n->items[i]);
        }
        if (found != NULL)
            return found;
    }
    return NULL;
}

struct config *config_new_defaults(void)
{
    struct config *cfg = xcalloc(1, sizeof *cfg);

    for (size_t i = 0; i < N_OPTIONS; i++) {
        struct value v = {0, NULL};

        RT_ASSERT(option_parse(&options[i], options[i].default_value, &v) == PARSE_OK);
        option_store(cfg, options[i].offset, &options[i], &v);
    }
    return cfg;
}

void config_free(struct config *cfg)
{
    if (cfg == NULL)
        return;
    for (size_t i = 0; i < cfg->n_providers; i++) {
        free(cfg->providers[i].name);
        free(cfg->providers[i].type);
    }
    free(cfg->providers);
    for (size_t i = 0; i < cfg->n_ssh_zones; i++)
        config_ssh_done(&cfg->ssh_zones[i]);
    free(cfg->ssh_zones);
    for (size_t i = 0; i < cfg->n_ssh_providers; i++)
        config_ssh_done(&cfg->ssh_providers[i]);
    free(cfg->ssh_providers);
    for (size_t i = 0; i < N_OPTIONS; i++) {
        if (options[i].type == CONFIG_TYPE_STRING)
            free(*(char **)((char *)cfg + options[i].offset));
    }
    ynode_free(cfg->root);
    free(cfg->path);
    free(cfg);
}

struct config *config_load(const char *path, struct rt_error *err)
{
    struct config *cfg = NULL;
    char *file = path != NULL ? rt_expand_home(path) : config_default_path();
    const struct ynode *root, *pw;
    struct stat st;
    FILE *fp = NULL;
    int fd;

    fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT && path == NULL) {
            free(file);
            return config_new_defaults();
        }
        rt_err_set(err, RT_ERR_CONFIG, errno, "cannot open config file '%s': %s", file,
                   strerror(errno));
        goto fail;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        rt_err_set(err, RT_ERR_CONFIG, 0, "config file '%s' is not a regular file", file);
        close(fd);
        goto fail;
    }
    fp = fdopen(fd, "rb");
    if (fp == NULL) {
        rt_err_set(err, RT_ERR_CONFIG, errno, "cannot read config file '%s': %s", file,
                   strerror(errno));
        close(fd);
        goto fail;
    }
    cfg = config_new_defaults();
    cfg->path = file;
    cfg->file_exists = 1;
    file = NULL;
    if (ynode_parse_stream(fp, cfg->path, &cfg->root, err) < 0)
        goto fail;
    root = cfg->root;
    pw = find_password(root);
    if (pw != NULL && (st.st_mode & 077) != 0) {
        ynode_err(err, pw,
                  "a 'password' in a file others can read (mode %04o): run 'chmod 600 %s' "
                  "or use password_file",
                  (unsigned)(st.st_mode & 07777), cfg->path);
        goto fail;
    }
    if (root == NULL || ynode_is_null(root))
        goto done;
    if (root->type != YNODE_MAP) {
        ynode_err(err, root, "the top level must be a map of options (got %s)",
                  ynode_describe(root));
        goto fail;
    }
    if (map_parse(cfg, root, NULL, err) < 0)
        goto fail;
done:
    fclose(fp);
    return cfg;
fail:
    if (fp != NULL)
        fclose(fp);
    config_free(cfg);
    free(file);
    return NULL;
}

const struct config_provider *config_find_provider(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_providers; i++) {
        if (strcmp(cfg->providers[i].name, name) == 0)
            return &cfg->providers[i];
    }
    return NULL;
}

const struct ynode *config_provider_get(const struct config_provider *cp, const char *key)
{
    return ynode_map_get(cp->node, key);
}

const char *config_provider_get_string(const struct config_provider *cp, const char *key)
{
    return ynode_map_get_scalar(cp->node, key);
}

int config_provider_check_keys(const struct config_provider *cp, const char *const *allowed,
                               struct rt_error *err)
{
    const char **all;
    char ctx[PROVIDER_NAME_MAX + 16];
    size_t n = 0, k = 0;
    int rc;

    while (allowed[n] != NULL)
        n++;
    all = xcalloc(n + 4, sizeof *all);
    for (size_t i = 0; provider_own_keys[i] != NULL; i++)
        all[k++] = provider_own_keys[i];
    for (size_t i = 0; i < n; i++)
        all[k++] = allowed[i];
    all[k] = NULL;
    snprintf(ctx, sizeof ctx, "provider '%s': ", cp->name);
    rc = ynode_check_keys(cp->node, all, ctx, err);
    free(all);
    return rc;
}

/* Open a secret file and check it: a regular file that only its owner may access. */
static int secret_open(const char *path, char **expanded, struct rt_error *err)
{
    char *file = rt_expand_home(path);
    struct stat st;
    int fd;

    *expanded = file;
    fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rt_err_set(err, RT_ERR_CONFIG, errno, "cannot open secret file '%s': %s", file,
                          strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return rt_err_set(err, RT_ERR_CONFIG, 0, "secret file '%s' is not a regular file", file);
    }
    if ((st.st_mode & 077) != 0) {
        close(fd);
        return rt_err_set(err, RT_ERR_CONFIG, 0,
                          "refusing secret file '%s': others can read it (mode %04o); run "
                          "'chmod 600 %s'",
                          file, (unsigned)(st.st_mode & 07777), file);
    }
    return fd;
}

int config_check_secret_file(const char *path, struct rt_error *err)
{
    char *file = NULL;
    int fd = secret_open(path, &file, err);

    free(file);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

char *config_read_secret_file(const char *path, struct rt_error *err)
{
    struct strbuf sb = STRBUF_INIT;
    char *file = NULL, buf[4096];
    ssize_t got;
    int fd = secret_open(path, &file, err);

    if (fd < 0)
        goto fail;
    while ((got = read(fd, buf, sizeof buf)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rt_err_set(err, RT_ERR_CONFIG, errno, "cannot read secret file '%s': %s", file,
                       strerror(errno));
            goto fail;
        }
        if (sb.len + (size_t)got > SECRET_FILE_MAX) {
            rt_err_set(err, RT_ERR_CONFIG, 0, "secret file '%s' is larger than %d bytes", file,
                       SECRET_FILE_MAX);
            goto fail;
        }
        strbuf_add(&sb, buf, (size_t)got);
    }
    while (sb.len > 0 && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == '\r'))
        sb.buf[--sb.len] = '\0';
    if (sb.len == 0 || memchr(sb.buf, '\0', sb.len) != NULL) {
        rt_err_set(err, RT_ERR_CONFIG, 0, "secret file '%s' is %s", file,
                   sb.len == 0 ? "empty" : "not text (it contains a NUL byte)");
        goto fail;
    }
    close(fd);
    explicit_bzero(buf, sizeof buf);
    free(file);
    return strbuf_take(&sb);
fail:
    if (fd >= 0)
        close(fd);
    explicit_bzero(buf, sizeof buf);
    if (sb.buf != NULL)
        explicit_bzero(sb.buf, sb.cap);
    strbuf_done(&sb);
    free(file);
    return NULL;
}
