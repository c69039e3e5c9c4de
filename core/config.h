/*
 * config.h - the racktop configuration file.
 *
 * `$XDG_CONFIG_HOME/racktop/config.yaml` (or `--config FILE`):
 *
 *     theme: default
 *     read_only: false
 *     timeout: 30s
 *     refresh: {inventory: 30s, health: 10s}
 *     retention: {metrics: 7d}
 *     ssh: {user: ops, port: 22, jump: "bastion", host: ...,
 *           zones: {az1: {jump: ...}}, providers: {lab: {...}}}   (consoles; config_ssh_for())
 *     console: {detach_key: "ctrl-]"}   (leaves a console, the session stays open)
 *     keys: {...}                  (key overrides, handed to the keymap as a subtree)
 *     providers:
 *       - name: lab                (unique, [a-z0-9_.-]+, shown in every row)
 *         type: demo               (demo | openstack | redfish | libvirt)
 *         read_only: false
 *         ...                      (anything else is the provider's to validate)
 *
 * The scalar options (theme, read_only, timeout, refresh.*, retention.*) come
 * from one table, config_options(), that drives parsing, range checks,
 * defaults and the help text; a nested option such as `refresh.inventory` is
 * written as a map under `refresh`.  Errors name the file, the line and the
 * key: "/x/config.yaml:7: unknown key 'refrsh' (did you mean 'refresh'?)".
 *
 * Secrets: a config file that contains a `password` key anywhere and can be
 * read by group or others is refused.  Providers read password_file and
 * similar through config_read_secret_file(), which applies the same rule.
 *
 *     struct rt_error err = {0};
 *     struct config *cfg = config_load(opt_config, &err);     (NULL: default path)
 *     if (cfg == NULL) { fprintf(stderr, "racktop: %s\n", err.msg); exit(2); }
 *     if (cfg->n_providers == 0) ... use the built-in demo provider ...
 *     for (size_t i = 0; i < cfg->n_providers; i++) {
 *         const struct config_provider *cp = &cfg->providers[i];
 *         const char *cloud = config_provider_get_string(cp, "cloud");
 *         ...
 *     }
 *     config_free(cfg);
 *
 * A struct config is a plain value: nothing in it changes after config_load(),
 * so any thread may read it.  Everything it points to (strings, provider
 * entries, YAML nodes) is owned by it and valid until config_free().
 */
#ifndef RT_CONFIG_H
#define RT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct rt_error;
struct ynode;

enum config_type {
    CONFIG_TYPE_STRING,   /* min/max bound the length */
    CONFIG_TYPE_BOOL,     /* true/false, yes/no, on/off */
    CONFIG_TYPE_DURATION, /* "30s", "5m", "2h", "7d" or plain seconds; min/max in seconds */
    CONFIG_TYPE_INT,      /* a whole number within min..max */
};

/* One row of the options table.  Read-only; see config_options(). */
struct config_option {
    const char *name; /* dotted path: "timeout", "refresh.inventory" */
    enum config_type type;
    const char *default_value; /* as it would be written in the file: "30s", "false" */
    long long min, max;        /* range (seconds for durations, length for strings) */
    const char *help;          /* one line for the help screen and docs */
    size_t offset;             /* where the value lives in struct config (internal) */
    /* MAY: extra check of a value that parsed; returns 0, or -1 with a reason in why. */
    int (*check)(const char *text, char *why, size_t whylen);
};

struct config_provider {
    char *name;               /* unique, [a-z0-9_.-]+ */
    char *type;               /* "demo", "openstack", "redfish" or "libvirt" */
    int read_only;            /* `read_only: true` in the entry */
    const struct ynode *node; /* the whole entry (a map), borrowed from the config's tree */
    int line;                 /* line of the entry, for messages */
};

/*
 * SSH settings for consoles on instances (`ssh:`, see docs/CONFIG.md).  An
 * empty string or a 0 port means "not set here": the next, less specific
 * level applies (zone entry, then provider entry, then the top level), and
 * then what the fleet and ~/.ssh/config say.
 */
struct config_ssh {
    char *match;    /* the zone or provider an override entry is for; NULL at the top level */
    char *host;     /* connect here instead of the instance's own address (NAT, tests) */
    char *user;     /* login user instead of the image's default_user */
    char *jump;     /* "[user@]host[:port][,...]" for private-only addresses; "none": direct */
    long long port; /* 0: ~/.ssh/config, then 22 */
};

struct config {
    char *path;      /* file the config was read from; NULL when none was read */
    int file_exists; /* 1 when a file was read */
    /* Options (see config_options() for defaults and ranges). */
    char *theme;
    int read_only;
    int64_t timeout_s;
    int64_t refresh_inventory_s;
    int64_t refresh_health_s;
    int64_t retention_metrics_s;
    struct config_ssh ssh; /* `ssh:` top level (options ssh.*) */
    char *console_detach_key; /* console.detach_key: "ctrl-]" (a keymap_parse_key() name) */
    /* `ssh: {zones: {ZONE: {...}}, providers: {NAME: {...}}}` overrides, file order. */
    struct config_ssh *ssh_zones, *ssh_providers;
    size_t n_ssh_zones, n_ssh_providers;
    /* `keys:` map of key overrides for the keymap to parse, or NULL. */
    const struct ynode *keys;
    /* Providers in file order; none when the file has none (use the demo provider). */
    struct config_provider *providers;
    size_t n_providers;
    struct ynode *root; /* the parsed file, owned; NULL when none was read */
};

/*
 * Load the configuration.  `path` NULL means config_default_path(), which may
 * be missing: then the result holds the defaults and no providers.  An
 * explicit `path` must exist.  Returns a new config (free with config_free())
 * or NULL with err set (RT_ERR_CONFIG; "FILE:LINE: ..." for a bad value).
 */
struct config *config_load(const char *path, struct rt_error *err);
/* The defaults and no providers; never fails. */
struct config *config_new_defaults(void);
/* NULL is a no-op. */
void config_free(struct config *cfg);
/* `$XDG_CONFIG_HOME/racktop/config.yaml` (new string, caller frees). */
char *config_default_path(void);

/* The options table (*n rows), for help screens and docs.  Static storage. */
const struct config_option *config_options(size_t *n);
/* "string", "bool", "duration" or "int". */
const char *config_type_name(enum config_type type);
/* The provider types a config may name, NULL-terminated.  Static storage. */
const char *const *config_provider_types(void);

/*
 * The SSH settings for an instance of `provider` in `zone` (either may be
 * NULL): field by field, the zone's entry wins over the provider's, which
 * wins over the top level.  Unset fields come out as NULL / 0; strings are
 * borrowed from cfg.
 */
void config_ssh_for(const struct config *cfg, const char *provider, const char *zone,
                    struct config_ssh *out);

/* The provider entry called `name`, or NULL. Borrowed from cfg. */
const struct config_provider *config_find_provider(const struct config *cfg, const char *name);
/* The value of `key` in the provider's entry, or NULL when absent. Borrowed. */
const struct ynode *config_provider_get(const struct config_provider *cp, const char *key);
/* The value of `key` when it is a scalar, else NULL. Borrowed. */
const char *config_provider_get_string(const struct config_provider *cp, const char *key);
/*
 * Check the provider's keys against `allowed` (NULL-terminated; name, type and
 * read_only are always allowed).  On an unknown key returns -1 with
 * "FILE:LINE: provider 'x': unknown key 'k' (did you mean 'y'?)".
 */
int config_provider_check_keys(const struct config_provider *cp, const char *const *allowed,
                               struct rt_error *err);

/*
 * Refuse a secret file (password_file, a key) that group or others may access.
 * A leading "~/" is expanded.  Returns 0 when the file is a regular file with
 * mode & 077 == 0, else -1 with err set (RT_ERR_CONFIG, detail = errno when
 * the file cannot be read).
 */
int config_check_secret_file(const char *path, struct rt_error *err);
/*
 * Check a secret file as above and return its contents with trailing newlines
 * removed (new string, caller frees), or NULL with err set.
 */
char *config_read_secret_file(const char *path, struct rt_error *err);

#endif
