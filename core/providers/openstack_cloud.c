/*
 * openstack_cloud.c - which cloud to talk to, read the way the OpenStack CLI
 * (openstacksdk / os-client-config) reads it.
 *
 * clouds.yaml and secure.yaml are searched in $OS_CLIENT_CONFIG_FILE (resp.
 * $OS_CLIENT_SECURE_FILE), ./, $XDG_CONFIG_HOME/openstack/ (default
 * ~/.config/openstack/) and /etc/openstack/; the first file found of each is
 * used and the secure entry is merged over the clouds entry key by key (auth
 * keys inside `auth:`).  With no cloud named and no $OS_CLOUD, the OS_*
 * variables describe the cloud ("envvars").  Values of OS_* never override a
 * named cloud (the CLI's behaviour is the same for the keys we read).
 *
 * Errors name the file and line of the offending value ("clouds.yaml:7: ...").
 * Pure functions plus getenv; no I/O beyond reading the two files.
 */
#include "openstack_priv.h"

#include "core/config.h"
#include "core/err.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "core/yamltree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const svc_names[OS_SVC__COUNT] = {
    [OS_SVC_IDENTITY] = "identity", [OS_SVC_COMPUTE] = "compute",
    [OS_SVC_VOLUME] = "block_storage", [OS_SVC_NETWORK] = "network",
    [OS_SVC_IMAGE] = "image", [OS_SVC_BAREMETAL] = "baremetal",
};

const char *os_svc_name(enum os_svc s)
{
    return (unsigned)s < OS_SVC__COUNT ? svc_names[s] : "unknown";
}

static void wipe(char *s)
{
    if (s != NULL) {
        volatile char *v = s;
        while (*v != '\0')
            *v++ = '\0';
        free(s);
    }
}

void os_cloud_done(struct os_cloud *c)
{
    free(c->name);
    free(c->auth_type);
    free(c->auth_url);
    free(c->username);
    free(c->user_id);
    wipe(c->password);
    free(c->project_name);
    free(c->project_id);
    free(c->user_domain_name);
    free(c->user_domain_id);
    free(c->project_domain_name);
    free(c->project_domain_id);
    free(c->app_cred_id);
    free(c->app_cred_name);
    wipe(c->app_cred_secret);
    free(c->region);
    free(c->interface);
    free(c->cacert);
    for (int i = 0; i < OS_SVC__COUNT; i++)
        free(c->override[i]);
    memset(c, 0, sizeof *c);
}

/* A scalar of the merged entry: secure wins; `auth` keys live under auth:. */
static const struct ynode *pick(const struct ynode *ent, const struct ynode *sec, int in_auth,
                                const char *key)
{
    const struct ynode *n = NULL;

    if (sec != NULL)
        n = ynode_map_get(in_auth ? ynode_map_get(sec, "auth") : sec, key);
    if (n == NULL)
        n = ynode_map_get(in_auth ? ynode_map_get(ent, "auth") : ent, key);
    return n;
}

static int take(const struct ynode *ent, const struct ynode *sec, int in_auth, const char *key,
                char **dst, struct rt_error *err)
{
    const struct ynode *n = pick(ent, sec, in_auth, key);

    if (n == NULL || ynode_is_null(n))
        return 0;
    if (ynode_scalar(n) == NULL)
        return ynode_err(err, n, "'%s' must be a scalar (got %s)", key, ynode_describe(n));
    free(*dst);
    *dst = xstrdup(ynode_scalar(n));
    return 0;
}

static void finish_defaults(struct os_cloud *c)
{
    if (c->auth_type == NULL)
        c->auth_type = xstrdup(c->app_cred_id != NULL || c->app_cred_name != NULL
                                   ? "v3applicationcredential" : "password");
    if (c->interface == NULL)
        c->interface = xstrdup("public");
}

static int check(struct os_cloud *c, const struct ynode *at, struct rt_error *err)
{
    if (strcmp(c->auth_type, "none") != 0 && strcmp(c->auth_type, "noauth") != 0 &&
        strcmp(c->auth_type, "password") != 0 && strcmp(c->auth_type, "v3password") != 0 &&
        strcmp(c->auth_type, "v3applicationcredential") != 0)
        return ynode_err(err, at, "cloud '%s': auth_type '%s' is not supported (expected "
                         "password, v3applicationcredential or none)", c->name, c->auth_type);
    if (strcmp(c->interface, "public") != 0 && strcmp(c->interface, "internal") != 0 &&
        strcmp(c->interface, "admin") != 0)
        return ynode_err(err, at, "cloud '%s': interface '%s' must be public, internal or admin",
                         c->name, c->interface);
    if (strcmp(c->auth_type, "none") == 0 || strcmp(c->auth_type, "noauth") == 0) {
        int any = 0;
        for (int i = 0; i < OS_SVC__COUNT; i++)
            any |= c->override[i] != NULL;
        if (!any)
            return ynode_err(err, at, "cloud '%s': auth_type none needs at least one "
                             "<service>_endpoint_override (e.g. baremetal_endpoint_override)",
                             c->name);
        return 0;
    }
    if (c->auth_url == NULL)
        return ynode_err(err, at, "cloud '%s': no auth_url", c->name);
    if (strcmp(c->auth_type, "v3applicationcredential") == 0) {
        if (c->app_cred_secret == NULL || (c->app_cred_id == NULL && c->app_cred_name == NULL))
            return ynode_err(err, at, "cloud '%s': application credentials need "
                             "application_credential_id (or _name) and _secret", c->name);
    } else if ((c->username == NULL && c->user_id == NULL) || c->password == NULL) {
        return ynode_err(err, at, "cloud '%s': password auth needs username (or user_id) and "
                         "password", c->name);
    }
    return 0;
}

int os_cloud_from_tree(const struct ynode *clouds, const struct ynode *secure, const char *cloud,
                       struct os_cloud *out, struct rt_error *err)
{
    const struct ynode *ent = ynode_map_get(ynode_map_get(clouds, "clouds"), cloud);
    const struct ynode *sec = ynode_map_get(ynode_map_get(secure, "clouds"), cloud);
    const struct ynode *v;
    static const struct {
        const char *key;
        int in_auth;
        size_t off;
    } keys[] = {
#define F(k, a, f) {k, a, offsetof(struct os_cloud, f)}
        F("auth_type", 0, auth_type), F("auth_url", 1, auth_url), F("username", 1, username),
        F("user_id", 1, user_id), F("password", 1, password),
        F("project_name", 1, project_name), F("project_id", 1, project_id),
        F("tenant_name", 1, project_name), F("tenant_id", 1, project_id),
        F("user_domain_name", 1, user_domain_name), F("user_domain_id", 1, user_domain_id),
        F("project_domain_name", 1, project_domain_name),
        F("project_domain_id", 1, project_domain_id),
        F("application_credential_id", 1, app_cred_id),
        F("application_credential_name", 1, app_cred_name),
        F("application_credential_secret", 1, app_cred_secret),
        F("region_name", 0, region), F("interface", 0, interface), F("cacert", 0, cacert),
#undef F
    };

    memset(out, 0, sizeof *out);
    out->verify = 1;
    if (ent == NULL && sec == NULL) {
        const struct ynode *all = ynode_map_get(clouds, "clouds");
        if (clouds == NULL)
            return rt_err_set(err, RT_ERR_CONFIG, 0,
                              "cloud '%s': no clouds.yaml found (looked in ./, "
                              "$XDG_CONFIG_HOME/openstack/, /etc/openstack/)", cloud);
        return ynode_err(err, all != NULL ? all : clouds, "cloud '%s' is not in clouds.yaml",
                         cloud);
    }
    if ((ent != NULL && ent->type != YNODE_MAP) || (sec != NULL && sec->type != YNODE_MAP))
        return ynode_err(err, ent != NULL ? ent : sec, "cloud '%s' must be a map", cloud);
    out->name = xstrdup(cloud);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (take(ent, sec, keys[i].in_auth, keys[i].key, (char **)((char *)out + keys[i].off),
                 err) < 0)
            goto fail;
    }
    /* endpoint_override at top level (openstacksdk) or under auth: for `none`. */
    for (int s = 0; s < OS_SVC__COUNT; s++) {
        char key[64];
        snprintf(key, sizeof key, "%s_endpoint_override", svc_names[s]);
        if (take(ent, sec, 0, key, &out->override[s], err) < 0)
            goto fail;
        if (out->override[s] == NULL && take(ent, sec, 1, key, &out->override[s], err) < 0)
            goto fail;
    }
    if (out->override[OS_SVC_VOLUME] == NULL &&
        (take(ent, sec, 0, "volumev3_endpoint_override", &out->override[OS_SVC_VOLUME], err) < 0 ||
         take(ent, sec, 0, "volume_endpoint_override", &out->override[OS_SVC_VOLUME], err) < 0))
        goto fail;
    if (out->override[OS_SVC_IDENTITY] == NULL && out->auth_url != NULL &&
        (v = pick(ent, sec, 1, "endpoint")) != NULL && ynode_scalar(v) != NULL)
        out->override[OS_SVC_IDENTITY] = xstrdup(ynode_scalar(v));
    v = pick(ent, sec, 0, "verify");
    if (v != NULL && ynode_bool(v, &out->verify) < 0) {
        ynode_err(err, v, "cloud '%s': 'verify' must be true or false", cloud);
        goto fail;
    }
    v = pick(ent, sec, 0, "insecure");
    if (v != NULL) {
        int ins = 0;
        if (ynode_bool(v, &ins) < 0) {
            ynode_err(err, v, "cloud '%s': 'insecure' must be true or false", cloud);
            goto fail;
        }
        if (ins)
            out->verify = 0;
    }
    if (out->region == NULL) {
        /* regions: [a, b] or [{name: a}] -> the first one */
        const struct ynode *r = ynode_seq_item(pick(ent, sec, 0, "regions"), 0);
        const char *rn = ynode_scalar(r) != NULL ? ynode_scalar(r) : ynode_map_get_scalar(r, "name");
        if (rn != NULL)
            out->region = xstrdup(rn);
    }
    finish_defaults(out);
    if (check(out, ent != NULL ? ent : sec, err) < 0)
        goto fail;
    return 0;
fail:
    os_cloud_done(out);
    return -1;
}

static char *env_dup(const char *name)
{
    const char *v = getenv(name);

    return v != NULL && *v != '\0' ? xstrdup(v) : NULL;
}

static int from_env(struct os_cloud *c, struct rt_error *err)
{
    static const struct {
        const char *var;
        size_t off;
    } vars[] = {
#define F(k, f) {k, offsetof(struct os_cloud, f)}
        F("OS_AUTH_TYPE", auth_type), F("OS_AUTH_URL", auth_url), F("OS_USERNAME", username),
        F("OS_USER_ID", user_id), F("OS_PASSWORD", password),
        F("OS_PROJECT_NAME", project_name), F("OS_PROJECT_ID", project_id),
        F("OS_USER_DOMAIN_NAME", user_domain_name), F("OS_USER_DOMAIN_ID", user_domain_id),
        F("OS_PROJECT_DOMAIN_NAME", project_domain_name),
        F("OS_PROJECT_DOMAIN_ID", project_domain_id),
        F("OS_APPLICATION_CREDENTIAL_ID", app_cred_id),
        F("OS_APPLICATION_CREDENTIAL_NAME", app_cred_name),
        F("OS_APPLICATION_CREDENTIAL_SECRET", app_cred_secret),
        F("OS_REGION_NAME", region), F("OS_INTERFACE", interface), F("OS_CACERT", cacert),
#undef F
    };
    const char *ins = getenv("OS_INSECURE");

    memset(c, 0, sizeof *c);
    c->verify = 1;
    c->name = xstrdup("envvars");
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        *(char **)((char *)c + vars[i].off) = env_dup(vars[i].var);
    if (c->project_name == NULL)
        c->project_name = env_dup("OS_TENANT_NAME");
    if (c->project_id == NULL)
        c->project_id = env_dup("OS_TENANT_ID");
    for (int s = 0; s < OS_SVC__COUNT; s++) {
        char var[64];
        snprintf(var, sizeof var, "OS_%s_ENDPOINT_OVERRIDE", svc_names[s]);
        for (char *q = var; *q; q++)
            *q = (char)(*q >= 'a' && *q <= 'z' ? *q - 32 : *q);
        c->override[s] = env_dup(var);
    }
    if (c->override[OS_SVC_BAREMETAL] == NULL)
        c->override[OS_SVC_BAREMETAL] = env_dup("OS_ENDPOINT"); /* baremetal CLI's name */
    if (ins != NULL) {
        int v = 0;
        if (ynode_parse_bool(ins, &v) == 0 && v)
            c->verify = 0;
    }
    if (c->auth_url == NULL && c->override[OS_SVC_BAREMETAL] == NULL) {
        os_cloud_done(c);
        return rt_err_set(err, RT_ERR_CONFIG, 0,
                          "no OpenStack cloud configured: give 'cloud' in the provider entry, "
                          "set OS_CLOUD, or set OS_AUTH_URL");
    }
    if (c->auth_url == NULL && c->auth_type == NULL)
        c->auth_type = xstrdup("none");
    finish_defaults(c);
    if (check(c, NULL, err) < 0) {
        os_cloud_done(c);
        return -1;
    }
    return 0;
}

/* 1 when a YAML tree holds a password or secret anywhere (any cloud). */
static int tree_has_secret(const struct ynode *n)
{
    static const char *const keys[] = {"password", "application_credential_secret", "token",
                                       NULL};
    size_t i, len = ynode_len(n);

    for (i = 0; i < len; i++) {
        const struct ynode *k = ynode_map_key(n, i), *v = ynode_map_value(n, i);
        const struct ynode *item = ynode_seq_item(n, i);
        const char *ks = k != NULL ? ynode_scalar(k) : NULL;
        if (ks != NULL && v != NULL && ynode_scalar(v) != NULL && *ynode_scalar(v) != '\0') {
            for (size_t j = 0; keys[j] != NULL; j++)
                if (strcmp(ks, keys[j]) == 0)
                    return 1;
        }
        if ((v != NULL && tree_has_secret(v)) || (item != NULL && tree_has_secret(item)))
            return 1;
    }
    return 0;
}

/*
 * Parse the first existing file among the candidates; *root NULL when none
 * exists.  A file holding a password, secret or token must not be readable
 * by group or others (the rule config.yaml follows): it is refused with the
 * chmod to run, like a password_file.
 */
static int find_file(const char *env, const char *base, struct ynode **root, struct rt_error *err)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    char *cands[4] = {NULL};
    int rc = 0;
    size_t n = 0;

    *root = NULL;
    if (env != NULL && getenv(env) != NULL && *getenv(env) != '\0')
        cands[n++] = xstrdup(getenv(env));
    cands[n++] = xasprintf("./%s", base);
    if (xdg != NULL && *xdg != '\0')
        cands[n++] = xasprintf("%s/openstack/%s", xdg, base);
    else if (home != NULL)
        cands[n++] = xasprintf("%s/.config/openstack/%s", home, base);
    cands[n++] = xasprintf("/etc/openstack/%s", base);
    for (size_t i = 0; i < n; i++) {
        struct rt_error e2 = {0};
        if (ynode_parse_file(cands[i], root, &e2) == 0) {
            if (*root == NULL)
                continue;
            if (tree_has_secret(*root) && config_check_secret_file(cands[i], &e2) < 0) {
                rt_err_set(err, e2.code, e2.detail, "%s (it holds a password)", e2.msg);
                ynode_free(*root);
                *root = NULL;
                rc = -1;
            }
            break;
        }
        if (e2.detail == ENOENT || e2.detail == ENOTDIR)
            continue;
        rt_err_copy(err, &e2);
        rc = -1;
        break;
    }
    for (size_t i = 0; i < n; i++)
        free(cands[i]);
    return rc;
}

int os_cloud_load(const char *cloud, struct os_cloud *out, struct rt_error *err)
{
    struct ynode *clouds = NULL, *secure = NULL;
    int rc;

    if (cloud == NULL || *cloud == '\0')
        cloud = getenv("OS_CLOUD");
    if (cloud == NULL || *cloud == '\0')
        return from_env(out, err);
    if (find_file("OS_CLIENT_CONFIG_FILE", "clouds.yaml", &clouds, err) < 0)
        return -1;
    if (find_file("OS_CLIENT_SECURE_FILE", "secure.yaml", &secure, err) < 0) {
        ynode_free(clouds);
        return -1;
    }
    rc = os_cloud_from_tree(clouds, secure, cloud, out, err);
    ynode_free(clouds);
    ynode_free(secure);
    return rc;
}
