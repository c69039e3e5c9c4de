/*
 * test_config.c - config.yaml loading and validation (core/config.c) and the
 * YAML tree under it (core/yamltree.c).
 *
 * Most cases write a small config into a fresh temporary directory, so the
 * file mode can be set per case, and compare the whole error message,
 * including the file name and line, with the expected text.
 */
#include "testutil.h"

#include "core/config.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "core/yamltree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct tctx {
    char *dir;
};

static int setup(void **state)
{
    struct tctx *t = xcalloc(1, sizeof *t);

    t->dir = make_tmpdir();
    if (t->dir == NULL)
        return -1;
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct tctx *t = *state;

    rm_rf(t->dir);
    free(t->dir);
    free(t);
    return 0;
}

/* Write `text` to <dir>/<name> with `mode`; returns the path (new string). */
static char *write_file(const struct tctx *t, const char *name, const char *text, mode_t mode)
{
    char *path = xasprintf("%s/%s", t->dir, name);
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

/* Load `text` as a config and expect failure with "<path><suffix>". */
static void expect_error(const struct tctx *t, const char *text, const char *suffix)
{
    struct rt_error err = {0};
    char *path = write_file(t, "config.yaml", text, 0600);
    char *want = xasprintf("%s%s", path, suffix);
    struct config *cfg = config_load(path, &err);

    if (cfg != NULL || strcmp(err.msg, want) != 0)
        fprintf(stderr, "config:\n%s\nwant: %s\ngot:  %s\n", text, want,
                cfg != NULL ? "(success)" : err.msg);
    assert_null(cfg);
    assert_int_equal(err.code, RT_ERR_CONFIG);
    assert_string_equal(err.msg, want);
    free(want);
    free(path);
}

/* Load `text` as a config that must be valid. */
static struct config *expect_ok(const struct tctx *t, const char *text)
{
    struct rt_error err = {0};
    char *path = write_file(t, "config.yaml", text, 0600);
    struct config *cfg = config_load(path, &err);

    if (cfg == NULL)
        fprintf(stderr, "config:\n%s\nunexpected error: %s\n", text, err.msg);
    assert_non_null(cfg);
    assert_string_equal(cfg->path, path);
    assert_int_equal(cfg->file_exists, 1);
    free(path);
    return cfg;
}

static void assert_defaults(const struct config *cfg)
{
    assert_string_equal(cfg->theme, "default");
    assert_int_equal(cfg->read_only, 0);
    assert_int_equal(cfg->timeout_s, 30);
    assert_int_equal(cfg->refresh_inventory_s, 30);
    assert_int_equal(cfg->refresh_health_s, 10);
    assert_int_equal(cfg->retention_metrics_s, 7 * 86400);
    assert_int_equal(cfg->n_providers, 0);
    assert_null(cfg->keys);
}

/* ---- defaults and file discovery ---- */

static void test_defaults_without_file(void **state)
{
    struct tctx *t = *state;
    struct rt_error err = {0};
    struct config *cfg;
    char *path, *want;

    setenv("XDG_CONFIG_HOME", t->dir, 1);
    path = config_default_path();
    want = xasprintf("%s/racktop/config.yaml", t->dir);
    assert_string_equal(path, want);

    cfg = config_load(NULL, &err);
    assert_non_null(cfg);
    assert_null(cfg->path);
    assert_int_equal(cfg->file_exists, 0);
    assert_null(cfg->root);
    assert_null(cfg->providers);
    assert_defaults(cfg);
    config_free(cfg);

    cfg = config_new_defaults();
    assert_defaults(cfg);
    config_free(cfg);
    free(want);
    free(path);
    unsetenv("XDG_CONFIG_HOME");
}

static void test_default_path_is_read(void **state)
{
    struct tctx *t = *state;
    struct rt_error err = {0};
    struct config *cfg;
    char *dir = xasprintf("%s/racktop", t->dir);
    char *path = xasprintf("%s/config.yaml", dir);
    FILE *f;

    assert_int_equal(mkdir(dir, 0700), 0);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("timeout: 5s\nproviders:\n  - {name: x, type: demo}\n", f);
    fclose(f);
    setenv("XDG_CONFIG_HOME", t->dir, 1);
    cfg = config_load(NULL, &err);
    assert_non_null(cfg);
    assert_string_equal(cfg->path, path);
    assert_int_equal(cfg->file_exists, 1);
    assert_int_equal(cfg->timeout_s, 5);
    assert_int_equal(cfg->n_providers, 1);
    config_free(cfg);

    /* A broken default file is an error, not a silent fallback. */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("timeout: soon\n", f);
    fclose(f);
    assert_null(config_load(NULL, &err));
    assert_true(strstr(err.msg, "'timeout' must be a duration") != NULL);
    unsetenv("XDG_CONFIG_HOME");
    free(path);
    free(dir);
}

static void test_explicit_missing_file(void **state)
{
    struct tctx *t = *state;
    struct rt_error err = {0};
    char *path = xasprintf("%s/nope.yaml", t->dir);
    char *want = xasprintf("cannot open config file '%s': %s", path, strerror(ENOENT));

    assert_null(config_load(path, &err));
    assert_int_equal(err.code, RT_ERR_CONFIG);
    assert_int_equal(err.detail, ENOENT);
    assert_string_equal(err.msg, want);

    /* A directory is not a config file. */
    assert_null(config_load(t->dir, &err));
    assert_true(strstr(err.msg, "is not a regular file") != NULL);
    free(want);
    free(path);
}

/* ---- a complete, valid file ---- */

static void test_full_example(void **state)
{
    struct rt_error err = {0};
    char *path = fixture_path("config/full.yaml");
    struct config *cfg = config_load(path, &err);
    const struct config_provider *cp;
    const struct ynode *bmcs, *bmc, *uris;

    (void)state;
    if (cfg == NULL)
        fprintf(stderr, "%s\n", err.msg);
    assert_non_null(cfg);
    assert_string_equal(cfg->path, path);
    assert_string_equal(cfg->theme, "mono");
    assert_int_equal(cfg->read_only, 1);
    assert_int_equal(cfg->timeout_s, 45);
    assert_int_equal(cfg->refresh_inventory_s, 120);
    assert_int_equal(cfg->refresh_health_s, 15);
    assert_int_equal(cfg->retention_metrics_s, 14 * 86400);
    assert_int_equal(cfg->n_providers, 4);

    cp = &cfg->providers[0];
    assert_string_equal(cp->name, "lab");
    assert_string_equal(cp->type, "demo");
    assert_int_equal(cp->read_only, 0);
    assert_int_equal(cp->line, 8);
    assert_int_equal(cp->node->type, YNODE_MAP);

    cp = &cfg->providers[1];
    assert_string_equal(cp->name, "prod");
    assert_string_equal(cp->type, "openstack");
    assert_int_equal(cp->read_only, 0);
    assert_int_equal(cp->line, 11);
    assert_string_equal(config_provider_get_string(cp, "cloud"), "prod");
    assert_string_equal(config_provider_get_string(cp, "region"), "RegionOne");
    assert_null(config_provider_get_string(cp, "interface"));
    assert_int_equal(config_provider_get(cp, "region")->line, 14);

    cp = config_find_provider(cfg, "rack-a");
    assert_ptr_equal(cp, &cfg->providers[2]);
    assert_string_equal(cp->type, "redfish");
    assert_int_equal(cp->read_only, 1);
    bmcs = config_provider_get(cp, "bmcs");
    assert_non_null(bmcs);
    assert_int_equal(bmcs->type, YNODE_SEQ);
    assert_int_equal(ynode_len(bmcs), 1);
    bmc = ynode_seq_item(bmcs, 0);
    assert_int_equal(bmc->line, 19);
    assert_string_equal(ynode_map_get_scalar(bmc, "name"), "node-01");
    assert_string_equal(ynode_map_get_scalar(bmc, "address"), "https://10.1.0.11");
    assert_string_equal(ynode_map_get_scalar(bmc, "username"), "admin");
    assert_string_equal(ynode_map_get_scalar(bmc, "password_file"), "~/.config/racktop/bmc.pass");
    assert_null(config_provider_get_string(cp, "bmcs"));

    cp = config_find_provider(cfg, "kvm");
    assert_non_null(cp);
    assert_string_equal(cp->type, "libvirt");
    uris = config_provider_get(cp, "uris");
    assert_int_equal(ynode_len(uris), 2);
    assert_string_equal(ynode_scalar(ynode_seq_item(uris, 0)), "qemu:///system");
    assert_string_equal(ynode_scalar(ynode_seq_item(uris, 1)), "qemu+ssh://root@kvm2/system");
    assert_null(config_find_provider(cfg, "nope"));

    /* The provider validates its own keys with the same message style. */
    {
        static const char *const redfish_keys[] = {"bmcs", "bmc_file", NULL};
        static const char *const os_keys[] = {"cloud", "interface", NULL};

        assert_int_equal(config_provider_check_keys(&cfg->providers[2], redfish_keys, &err), 0);
        assert_int_equal(config_provider_check_keys(&cfg->providers[1], os_keys, &err), -1);
        {
            char *want = xasprintf("%s:14: provider 'prod': unknown key 'region'", path);
            assert_string_equal(err.msg, want);
            free(want);
        }
    }
    config_free(cfg);
    free(path);
}

static void test_values_and_bools(void **state)
{
    struct tctx *t = *state;
    struct config *cfg;

    cfg = expect_ok(t, "read_only: yes\ntimeout: 90\nrefresh:\n  health: 1m\n"
                       "retention:\n  metrics: 2h\ntheme: \"light\"\n");
    assert_int_equal(cfg->read_only, 1);
    assert_int_equal(cfg->timeout_s, 90);
    assert_int_equal(cfg->refresh_health_s, 60);
    assert_int_equal(cfg->refresh_inventory_s, 30); /* untouched default */
    assert_int_equal(cfg->retention_metrics_s, 7200);
    assert_string_equal(cfg->theme, "light");
    config_free(cfg);

    cfg = expect_ok(t, "read_only: on\n");
    assert_int_equal(cfg->read_only, 1);
    config_free(cfg);
    cfg = expect_ok(t, "read_only: Off\nproviders:\n  - {name: a, type: demo, read_only: TRUE}\n");
    assert_int_equal(cfg->read_only, 0);
    assert_int_equal(cfg->providers[0].read_only, 1);
    config_free(cfg);
    cfg = expect_ok(t, "read_only: no\nrefresh:\nkeys:\n  quit: Q\n");
    assert_int_equal(cfg->read_only, 0);
    assert_non_null(cfg->keys);
    assert_string_equal(ynode_map_get_scalar(cfg->keys, "quit"), "Q");
    config_free(cfg);
}

static void test_flow_style(void **state)
{
    struct tctx *t = *state;
    struct config *cfg;

    cfg = expect_ok(t, "{theme: high-contrast, refresh: {inventory: 1m, health: 5s},\n"
                       " providers: [{name: a.b_c-1, type: demo}, {name: k, type: libvirt,\n"
                       "   uris: [\"qemu:///system\", 'test:///default']}]}\n");
    assert_string_equal(cfg->theme, "high-contrast");
    assert_int_equal(cfg->refresh_inventory_s, 60);
    assert_int_equal(cfg->refresh_health_s, 5);
    assert_int_equal(cfg->n_providers, 2);
    assert_string_equal(cfg->providers[0].name, "a.b_c-1");
    assert_string_equal(cfg->providers[1].type, "libvirt");
    assert_int_equal(cfg->providers[1].line, 2);
    assert_string_equal(
        ynode_scalar(ynode_seq_item(config_provider_get(&cfg->providers[1], "uris"), 1)),
        "test:///default");
    config_free(cfg);
}

static void test_empty_files(void **state)
{
    struct tctx *t = *state;
    struct config *cfg;

    cfg = expect_ok(t, "");
    assert_null(cfg->root);
    assert_defaults(cfg);
    config_free(cfg);

    cfg = expect_ok(t, "# only a comment\n\n");
    assert_defaults(cfg);
    config_free(cfg);

    cfg = expect_ok(t, "---\n");
    assert_defaults(cfg);
    config_free(cfg);

    cfg = expect_ok(t, "providers: []\n");
    assert_defaults(cfg);
    config_free(cfg);

    cfg = expect_ok(t, "providers:\n");
    assert_defaults(cfg);
    config_free(cfg);
}

/* ---- validation messages ---- */

static void test_unknown_keys(void **state)
{
    struct tctx *t = *state;

    expect_error(t,
                 "# racktop\n"
                 "theme: default\n"
                 "read_only: false\n"
                 "timeout: 30s\n"
                 "\n"
                 "# refresh intervals\n"
                 "refrsh: {inventory: 30s}\n",
                 ":7: unknown key 'refrsh' (did you mean 'refresh'?)");
    expect_error(t, "timout: 1s\n", ":1: unknown key 'timout' (did you mean 'timeout'?)");
    expect_error(t, "theme: x\nfrobnicate: 1\n", ":2: unknown key 'frobnicate'");
    expect_error(t, "refresh:\n  inventory: 1s\n  invntory: 2s\n",
                 ":3: unknown key 'invntory' in 'refresh' (did you mean 'inventory'?)");
    expect_error(t, "retention: {logs: 1d}\n", ":1: unknown key 'logs' in 'retention'");
    expect_error(t, "refresh.inventory: 1s\n", ":1: unknown key 'refresh.inventory'");
}

static void test_bad_values(void **state)
{
    struct tctx *t = *state;

    expect_error(t, "theme: default\nread_only: false\n\ntimeout: soon\n",
                 ":4: 'timeout' must be a duration like 30s, 5m (got 'soon')");
    expect_error(t, "timeout: 2d\n", ":1: 'timeout' must be between 1s and 1h (got '2d')");
    expect_error(t, "timeout: 0s\n", ":1: 'timeout' must be between 1s and 1h (got '0s')");
    expect_error(t, "timeout: -5s\n", ":1: 'timeout' must be a duration like 30s, 5m (got '-5s')");
    expect_error(t, "timeout:\n", ":1: 'timeout' must be a duration like 30s, 5m (got nothing)");
    expect_error(t, "timeout: [1s]\n",
                 ":1: 'timeout' must be a duration like 30s, 5m (got a list)");
    expect_error(t, "refresh:\n  health: 3x\n",
                 ":2: 'refresh.health' must be a duration like 30s, 5m (got '3x')");
    expect_error(t, "retention: {metrics: 10m}\n",
                 ":1: 'retention.metrics' must be between 1h and 366d (got '10m')");
    expect_error(t, "read_only: maybe\n", ":1: 'read_only' must be true or false (got 'maybe')");
    expect_error(t, "theme: \"\"\n", ":1: 'theme' must not be empty");
    expect_error(t, "theme: {a: b}\n", ":1: 'theme' must be a string (got a map)");
    expect_error(t, "refresh: 30s\n",
                 ":1: 'refresh' must be a map with keys inventory, health (got a scalar)");
    expect_error(t, "keys: [q]\n", ":1: 'keys' must be a map of key bindings (got a list)");
}

static void test_bad_shape(void **state)
{
    struct tctx *t = *state;

    expect_error(t, "- theme\n- timeout\n",
                 ":1: the top level must be a map of options (got a list)");
    expect_error(t, "hello\n", ":1: the top level must be a map of options (got a scalar)");
    expect_error(t, "timeout: 1s\ntheme: a\ntimeout: 2s\n",
                 ":3:1: duplicate key 'timeout' (first at line 1)");
}

static void test_bad_providers(void **state)
{
    struct tctx *t = *state;

    expect_error(t, "theme: x\nproviders:\n  name: lab\n  type: demo\n",
                 ":2: 'providers' must be a list (got a map)");
    expect_error(t, "providers: lab\n", ":1: 'providers' must be a list (got a scalar)");
    expect_error(t, "providers:\n  - lab\n",
                 ":2: providers entry 1 must be a map with 'name' and 'type' (got a scalar)");
    expect_error(t, "providers:\n  - name: a\n    type: demo\n  - type: demo\n",
                 ":4: providers entry 2 has no 'name'");
    expect_error(t, "providers:\n  - name:\n    type: demo\n",
                 ":2: providers entry 1: 'name' must be a string (got nothing)");
    expect_error(t, "providers:\n  - name: lab\n",
                 ":2: provider 'lab' has no 'type' (expected demo, openstack, redfish or libvirt)");
    expect_error(t,
                 "theme: default\n"
                 "providers:\n"
                 "  - name: lab\n"
                 "    type: demo\n"
                 "  - name: prod\n"
                 "    # production cloud\n"
                 "    cloud: prod\n"
                 "\n"
                 "    type: openstak\n",
                 ":9: provider 'prod': unknown type 'openstak' (expected demo, openstack, "
                 "redfish or libvirt)");
    expect_error(t, "providers:\n  - {name: a, type: [demo]}\n",
                 ":2: provider 'a': 'type' must be one of demo, openstack, redfish or libvirt "
                 "(got a list)");
    expect_error(t, "providers:\n  - name: Prod Lab\n    type: demo\n",
                 ":2: provider name 'Prod Lab' may contain only a-z, 0-9, '_', '.' and '-'");
    expect_error(t, "providers:\n  - {name: \"a/b\", type: demo}\n",
                 ":2: provider name 'a/b' may contain only a-z, 0-9, '_', '.' and '-'");
    expect_error(t,
                 "providers:\n"
                 "  - name: lab\n"
                 "    type: demo\n"
                 "  - name: kvm\n"
                 "    type: libvirt\n"
                 "  - name: lab\n"
                 "    type: openstack\n",
                 ":6: provider name 'lab' is already used at line 2");
    expect_error(t, "providers:\n  - {name: a, type: demo, read_only: sometimes}\n",
                 ":2: provider 'a': 'read_only' must be true or false (got 'sometimes')");
    expect_error(t,
                 "providers:\n  - name: "
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
                 "    type: demo\n",
                 ":2: provider name 'aaaaaaaaaaaaaaaaaaaa...' is longer than 64 characters");
}

static void test_syntax_errors(void **state)
{
    struct tctx *t = *state;

    expect_error(t, "theme: default\ntimeout: 30s\n  refresh: 1s\n",
                 ":3:10: mapping values are not allowed in this context");
    expect_error(t, "theme: default\nrefresh: {inventory: 30s\nread_only: false\n",
                 ":3:10: did not find expected ',' or '}' (while parsing a flow mapping at "
                 "line 2)");
    expect_error(t, "theme: \"unterminated\n",
                 ":2:1: found unexpected end of stream (while scanning a quoted scalar at "
                 "line 1)");
    expect_error(t, "theme: *nowhere\n", ":1:8: found undefined alias");
    expect_error(t, "theme: a\n---\ntheme: b\n",
                 ":3:1: a second YAML document ('---') is not supported here");
}

/* ---- secrets ---- */

static void test_password_needs_private_file(void **state)
{
    struct tctx *t = *state;
    static const char text[] =
        "providers:\n"
        "  - name: rack-a\n"
        "    type: redfish\n"
        "    bmcs:\n"
        "      - {name: n1, address: \"https://10.0.0.1\", username: admin, password: s3cret}\n";
    struct rt_error err = {0};
    struct config *cfg;
    char *path, *want;

    path = write_file(t, "config.yaml", text, 0644);
    want = xasprintf("%s:5: a 'password' in a file others can read (mode 0644): run "
                     "'chmod 600 %s' or use password_file",
                     path, path);
    assert_null(config_load(path, &err));
    assert_int_equal(err.code, RT_ERR_CONFIG);
    assert_string_equal(err.msg, want);
    free(want);

    /* Group access alone is enough to refuse, and the check runs before validation. */
    assert_int_equal(chmod(path, 0640), 0);
    assert_null(config_load(path, &err));
    assert_true(strstr(err.msg, "(mode 0640)") != NULL);
    free(path);
    path = write_file(t, "config.yaml", "bogus: 1\nPassword: x\n", 0604);
    assert_null(config_load(path, &err));
    assert_true(strstr(err.msg, ":2: a 'password' in a file others can read (mode 0604)") != NULL);
    free(path);

    /* 0600 is accepted, and the provider sees its password. */
    path = write_file(t, "config.yaml", text, 0600);
    cfg = config_load(path, &err);
    assert_non_null(cfg);
    assert_string_equal(
        ynode_map_get_scalar(ynode_seq_item(config_provider_get(&cfg->providers[0], "bmcs"), 0),
                             "password"),
        "s3cret");
    config_free(cfg);
    free(path);

    /* password_file is not a password; a readable file that names one is fine. */
    path = write_file(t, "config.yaml",
                      "providers:\n  - name: r\n    type: redfish\n"
                      "    bmcs: [{name: n1, password_file: /x/pass}]\n",
                      0644);
    cfg = config_load(path, &err);
    assert_non_null(cfg);
    config_free(cfg);
    free(path);
}

static void test_secret_file(void **state)
{
    struct tctx *t = *state;
    struct rt_error err = {0};
    char *path, *want, *secret, *missing;
    const char *old_home = getenv("HOME");
    char *saved_home = old_home != NULL ? xstrdup(old_home) : NULL;

    path = write_file(t, "bmc.pass", "hunter2\n", 0600);
    assert_int_equal(config_check_secret_file(path, &err), 0);
    secret = config_read_secret_file(path, &err);
    assert_non_null(secret);
    assert_string_equal(secret, "hunter2");
    free(secret);

    /* "~/" is expanded. */
    setenv("HOME", t->dir, 1);
    assert_int_equal(config_check_secret_file("~/bmc.pass", &err), 0);
    secret = config_read_secret_file("~/bmc.pass", &err);
    assert_string_equal(secret, "hunter2");
    free(secret);
    if (saved_home != NULL)
        setenv("HOME", saved_home, 1);
    else
        unsetenv("HOME");
    free(saved_home);

    assert_int_equal(chmod(path, 0644), 0);
    want = xasprintf("refusing secret file '%s': others can read it (mode 0644); run "
                     "'chmod 600 %s'",
                     path, path);
    assert_int_equal(config_check_secret_file(path, &err), -1);
    assert_int_equal(err.code, RT_ERR_CONFIG);
    assert_string_equal(err.msg, want);
    assert_null(config_read_secret_file(path, &err));
    assert_string_equal(err.msg, want);
    free(want);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(config_check_secret_file(path, &err), -1);
    assert_true(strstr(err.msg, "(mode 0640)") != NULL);
    free(path);

    missing = xasprintf("%s/none.pass", t->dir);
    assert_int_equal(config_check_secret_file(missing, &err), -1);
    assert_int_equal(err.detail, ENOENT);
    assert_true(strstr(err.msg, "cannot open secret file") != NULL);
    free(missing);

    assert_int_equal(config_check_secret_file(t->dir, &err), -1);
    assert_true(strstr(err.msg, "is not a regular file") != NULL);

    path = write_file(t, "empty.pass", "\n", 0600);
    assert_null(config_read_secret_file(path, &err));
    assert_true(strstr(err.msg, "is empty") != NULL);
    free(path);
}

/* ---- the options table ---- */

static void test_options_table(void **state)
{
    static const char *const want[] = {"theme",          "read_only",
                                       "timeout",        "refresh.inventory",
                                       "refresh.health", "retention.metrics",
                                       "ssh.host",       "ssh.user",
                                       "ssh.port",       "ssh.jump",
                                       "console.detach_key"};
    const struct config_option *o;
    size_t n = 0;

    (void)state;
    o = config_options(&n);
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(o[i].name, want[i]);
        assert_non_null(o[i].default_value);
        assert_non_null(o[i].help);
        assert_true(o[i].min <= o[i].max);
    }
    assert_int_equal(o[2].type, CONFIG_TYPE_DURATION);
    assert_string_equal(o[2].default_value, "30s");
    assert_string_equal(config_type_name(o[1].type), "bool");
    assert_string_equal(config_type_name(CONFIG_TYPE_DURATION), "duration");
    assert_string_equal(config_provider_types()[0], "demo");
    assert_string_equal(config_provider_types()[3], "libvirt");
    assert_null(config_provider_types()[4]);
}

/* ---- ssh: ---- */

static void test_ssh_settings(void **state)
{
    struct tctx *t = *state;
    struct config *cfg;
    struct config_ssh cs;

    cfg = expect_ok(t, "theme: mono\n");
    config_ssh_for(cfg, "lab", "az1", &cs);
    assert_null(cs.host);
    assert_null(cs.user);
    assert_null(cs.jump);
    assert_int_equal(cs.port, 0);
    config_free(cfg);

    cfg = expect_ok(t, "ssh:\n"
                       "  user: ops\n"
                       "  port: 2222\n"
                       "  jump: bastion.example:2200\n"
                       "  zones:\n"
                       "    az1: {jump: 'j1,admin@j2', user: core}\n"
                       "    az2:\n"
                       "  providers:\n"
                       "    lab: {host: 127.0.0.1, port: 22, jump: none}\n");
    assert_int_equal(cfg->n_ssh_zones, 2);
    assert_int_equal(cfg->n_ssh_providers, 1);
    /* zone over provider over top level, field by field */
    config_ssh_for(cfg, "lab", "az1", &cs);
    assert_string_equal(cs.jump, "j1,admin@j2");
    assert_string_equal(cs.user, "core");
    assert_string_equal(cs.host, "127.0.0.1");
    assert_int_equal(cs.port, 22);
    config_ssh_for(cfg, "lab", "az2", &cs);
    assert_string_equal(cs.jump, "none");
    assert_string_equal(cs.user, "ops");
    config_ssh_for(cfg, "prod", NULL, &cs);
    assert_string_equal(cs.jump, "bastion.example:2200");
    assert_null(cs.host);
    assert_int_equal(cs.port, 2222);
    config_free(cfg);

    expect_error(t, "ssh:\n  port: 70000\n",
                 ":2: 'ssh.port' must be between 0 and 65535 (got '70000')");
    expect_error(t, "ssh:\n  zones:\n    az1: {jump: 'bastion:99999'}\n",
                 ":3: 'ssh.jump': bad host 'bastion:99999' (expected [user@]host[:port])");
    expect_error(t, "ssh:\n  zones:\n    az1: {jmup: x}\n",
                 ":3: unknown key 'jmup' in 'ssh.zones.az1' (expected host, user, port or jump)");
    expect_error(t, "ssh:\n  providers: [a, b]\n",
                 ":2: 'ssh.providers' must be a map of provider names to {host, user, port, jump} "
                 "(got a list)");
    expect_error(t, "ssh:\n  usr: x\n", ":2: unknown key 'usr' in 'ssh' (did you mean 'user'?)");
}

/* ---- console: ---- */

static void test_console_detach_key(void **state)
{
    struct tctx *t = *state;
    struct config *cfg;

    cfg = config_new_defaults();
    assert_string_equal(cfg->console_detach_key, "ctrl-]");
    config_free(cfg);
    cfg = expect_ok(t, "console: {detach_key: \"ctrl-g\"}\n");
    assert_string_equal(cfg->console_detach_key, "ctrl-g");
    config_free(cfg);
    cfg = expect_ok(t, "console:\n  detach_key: F12\n");
    assert_string_equal(cfg->console_detach_key, "F12");
    config_free(cfg);
    cfg = expect_ok(t, "console: {detach_key: '^\\'}\n");
    assert_string_equal(cfg->console_detach_key, "^\\");
    config_free(cfg);
    cfg = expect_ok(t, "console: {detach_key: C-_}\n");
    config_free(cfg);
    expect_error(t, "theme: mono\nconsole:\n  detach_key: q\n",
                 ":3: 'console.detach_key': must be a control key (ctrl-a..ctrl-z, ctrl-\\, "
                 "ctrl-], ctrl-^, ctrl-_) or F1..F12, e.g. \"ctrl-]\" (got 'q')");
    expect_error(t, "console: {detach_key: ctrl-m}\n",
                 ":1: 'console.detach_key': 'ctrl-m' is a key the remote shell needs (backspace, "
                 "tab, enter or escape); pick another control key such as ctrl-] or ctrl-g");
    expect_error(t, "console: {detach_key: \"ctrl-[\"}\n",
                 ":1: 'console.detach_key': 'ctrl-[' is a key the remote shell needs (backspace, "
                 "tab, enter or escape); pick another control key such as ctrl-] or ctrl-g");
    expect_error(t, "console: {detach_key: F13}\n",
                 ":1: 'console.detach_key': must be a control key (ctrl-a..ctrl-z, ctrl-\\, "
                 "ctrl-], ctrl-^, ctrl-_) or F1..F12, e.g. \"ctrl-]\" (got 'F13')");
    expect_error(t, "console: {detach_key: ctrl-ab}\n",
                 ":1: 'console.detach_key': must be a control key (ctrl-a..ctrl-z, ctrl-\\, "
                 "ctrl-], ctrl-^, ctrl-_) or F1..F12, e.g. \"ctrl-]\" (got 'ctrl-ab')");
    expect_error(t, "console: {detach_key: \"\"}\n", ":1: 'console.detach_key' must not be empty");
    expect_error(t, "console: {detatch_key: ctrl-g}\n",
                 ":1: unknown key 'detatch_key' in 'console' (did you mean 'detach_key'?)");
    expect_error(t, "console: ctrl-g\n",
                 ":1: 'console' must be a map with keys detach_key (got a scalar)");
}

/* ---- yamltree ---- */

static struct ynode *parse_ok(const char *text)
{
    struct rt_error err = {0};
    struct ynode *root = NULL;

    if (ynode_parse_string(text, strlen(text), "t.yaml", &root, &err) < 0)
        fprintf(stderr, "unexpected: %s\n", err.msg);
    assert_non_null(root);
    return root;
}

static void parse_fails(const char *text, const char *want)
{
    struct rt_error err = {0};
    struct ynode *root = NULL;

    assert_int_equal(ynode_parse_string(text, strlen(text), "t.yaml", &root, &err), -1);
    assert_null(root);
    assert_int_equal(err.code, RT_ERR_CONFIG);
    assert_string_equal(err.msg, want);
}

static void test_yaml_tree(void **state)
{
    struct ynode *root;
    const struct ynode *n, *seq;
    int b = -1;

    (void)state;
    root = parse_ok("a: 1\nb:\n  - x\n  - {c: d}\n  - [e, f]\nq: \"null\"\nz: ~\ne:\n");
    assert_int_equal(root->type, YNODE_MAP);
    assert_int_equal(ynode_len(root), 5);
    assert_string_equal(ynode_scalar(ynode_map_key(root, 0)), "a");
    assert_string_equal(ynode_scalar(ynode_map_value(root, 0)), "1");
    assert_null(ynode_map_key(root, 5));
    assert_string_equal(root->file, "t.yaml");
    seq = ynode_map_get(root, "b");
    assert_int_equal(seq->type, YNODE_SEQ);
    assert_int_equal(ynode_len(seq), 3);
    assert_int_equal(seq->line, 3);
    assert_int_equal(seq->col, 3);
    n = ynode_seq_item(seq, 1);
    assert_int_equal(n->type, YNODE_MAP);
    assert_int_equal(n->line, 4);
    assert_int_equal(n->col, 5);
    assert_string_equal(ynode_map_get_scalar(n, "c"), "d");
    assert_string_equal(ynode_map_get(n, "c")->file, "t.yaml");
    assert_string_equal(ynode_scalar(ynode_seq_item(ynode_seq_item(seq, 2), 1)), "f");
    assert_null(ynode_seq_item(seq, 3));
    assert_null(ynode_seq_item(root, 0));
    assert_null(ynode_map_get(seq, "c"));
    assert_null(ynode_scalar(seq));
    assert_false(ynode_is_null(ynode_map_get(root, "q")));
    assert_true(ynode_is_null(ynode_map_get(root, "z")));
    assert_true(ynode_is_null(ynode_map_get(root, "e")));
    assert_false(ynode_is_null(NULL));
    assert_int_equal(ynode_bool(ynode_map_get(root, "a"), &b), -1);
    assert_int_equal(b, -1);
    assert_int_equal(ynode_parse_bool("Yes", &b), 0);
    assert_int_equal(b, 1);
    assert_int_equal(ynode_parse_bool("OFF", &b), 0);
    assert_int_equal(b, 0);
    assert_string_equal(ynode_describe(seq), "a list");
    assert_string_equal(ynode_describe(NULL), "nothing");
    assert_string_equal(ynode_type_name(YNODE_MAP), "map");
    ynode_free(root);
    ynode_free(NULL);

    /* No document at all. */
    {
        struct rt_error err = {0};
        struct ynode *r = (struct ynode *)&err;

        assert_int_equal(ynode_parse_string("# nothing\n", 10, NULL, &r, &err), 0);
        assert_null(r);
    }
}

static void test_yaml_aliases(void **state)
{
    struct ynode *root;
    const struct ynode *n;

    (void)state;
    root = parse_ok("base: &b {user: admin, port: 443}\n"
                    "one: *b\n"
                    "two:\n"
                    "  <<: *b\n"
                    "  port: 8443\n"
                    "list: &l [1, 2]\n"
                    "three: {<<: [*b, {extra: yes, user: root}], name: x}\n"
                    "copy: *l\n");
    n = ynode_map_get(root, "one");
    assert_string_equal(ynode_map_get_scalar(n, "user"), "admin");
    assert_int_equal(n->line, 1); /* where the anchored node is */
    n = ynode_map_get(root, "two");
    assert_int_equal(ynode_len(n), 2);
    assert_string_equal(ynode_map_get_scalar(n, "port"), "8443");
    assert_string_equal(ynode_map_get_scalar(n, "user"), "admin");
    assert_null(ynode_map_get(n, "<<"));
    n = ynode_map_get(root, "three");
    assert_int_equal(ynode_len(n), 4);
    assert_string_equal(ynode_map_get_scalar(n, "user"), "admin"); /* first merge wins */
    assert_string_equal(ynode_map_get_scalar(n, "extra"), "yes");
    assert_string_equal(ynode_map_get_scalar(n, "port"), "443");
    assert_int_equal(ynode_len(ynode_map_get(root, "copy")), 2);
    ynode_free(root);

    parse_fails("a: &x [1, *x]\n",
                "t.yaml:1:4: nested more than 64 levels deep (or an alias refers to itself)");
    parse_fails("a: &x 1\nb: {<<: *x}\n",
                "t.yaml:1:4: merge key '<<' needs a map or a list of maps");
    parse_fails("? [a]\n: b\n", "t.yaml:1:3: mapping keys must be plain values, not a list");
    parse_fails("a: 1\nb: 2\na: 3\n", "t.yaml:3:1: duplicate key 'a' (first at line 1)");

    /* An alias bomb is cut off by the node budget. */
    {
        char buf[2048];
        int off = snprintf(buf, sizeof buf, "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        struct rt_error err = {0};
        struct ynode *r = NULL;

        for (int i = 1; i <= 6; i++)
            off += snprintf(buf + off, sizeof buf - (size_t)off,
                            "l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, "
                            "*l%d]\n",
                            i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
                            i - 1);
        assert_int_equal(ynode_parse_string(buf, (size_t)off, "bomb.yaml", &r, &err), -1);
        assert_null(r);
        assert_true(strstr(err.msg, "document expands to more than 100000 nodes") != NULL);
    }
}

static void test_yaml_file_and_messages(void **state)
{
    struct tctx *t = *state;
    struct rt_error err = {0};
    struct ynode *root = NULL;
    char *path = write_file(t, "clouds.yaml",
                            "clouds:\n  prod:\n    auth: {auth_url: https://k:5000/v3}\n"
                            "    regin: RegionOne\n",
                            0600);
    char *want, *missing;
    static const char *const allowed[] = {"auth", "region", "interface", NULL};
    const struct ynode *prod;

    assert_int_equal(ynode_parse_file(path, &root, &err), 0);
    prod = ynode_map_get(ynode_map_get(root, "clouds"), "prod");
    assert_string_equal(ynode_map_get_scalar(ynode_map_get(prod, "auth"), "auth_url"),
                        "https://k:5000/v3");
    assert_int_equal(ynode_check_keys(prod, allowed, "cloud 'prod': ", &err), -1);
    want = xasprintf("%s:4: cloud 'prod': unknown key 'regin' (did you mean 'region'?)", path);
    assert_string_equal(err.msg, want);
    free(want);
    assert_int_equal(ynode_check_keys(ynode_map_get(prod, "auth"),
                                      (const char *const[]){"auth_url", NULL}, NULL, &err),
                     0);
    assert_int_equal(ynode_err(&err, prod, "bad %s", "thing"), -1);
    want = xasprintf("%s:3: bad thing", path);
    assert_string_equal(err.msg, want);
    free(want);
    ynode_err(&err, NULL, "plain");
    assert_string_equal(err.msg, "plain");
    ynode_free(root);
    free(path);

    missing = xasprintf("%s/missing.yaml", t->dir);
    assert_int_equal(ynode_parse_file(missing, &root, &err), -1);
    assert_int_equal(err.detail, ENOENT);
    assert_null(root);
    free(missing);
    assert_int_equal(ynode_parse_file(t->dir, &root, &err), -1);
    assert_true(strstr(err.msg, "is a directory") != NULL);

    /* Bad UTF-8 is reported with its byte offset. */
    parse_fails("a: \xff\n", "t.yaml: invalid leading UTF-8 octet (#FF) at byte 3");

    {
        static const char *const words[] = {"inventory", "health", NULL};

        assert_string_equal(ynode_suggest("helth", words), "health");
        assert_string_equal(ynode_suggest("INVENTORY", words), "inventory");
        assert_null(ynode_suggest("xyz", words));
        assert_null(ynode_suggest("health", words)); /* exact is not a typo */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults_without_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_path_is_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explicit_missing_file, setup, teardown),
        cmocka_unit_test(test_full_example),
        cmocka_unit_test_setup_teardown(test_values_and_bools, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flow_style, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_providers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_password_needs_private_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secret_file, setup, teardown),
        cmocka_unit_test(test_options_table),
        cmocka_unit_test_setup_teardown(test_ssh_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_console_detach_key, setup, teardown),
        cmocka_unit_test(test_yaml_tree),
        cmocka_unit_test(test_yaml_aliases),
        cmocka_unit_test_setup_teardown(test_yaml_file_and_messages, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
