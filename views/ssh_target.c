/*
 * ssh_target.c - resolve an instance of the fleet to an SSH destination
 * (see ssh_target.h for the rules).  Pure: reads the fleet, the config and
 * ~/.ssh/config, touches no network.  Any thread that owns the fleet.
 */
#include "ssh_target.h"

#include "core/err.h"
#include "core/ssh.h"
#include "core/xalloc.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int ssh_target_is_private(const char *a)
{
    struct in_addr v4;
    struct in6_addr v6;

    if (inet_pton(AF_INET, a, &v4) == 1) {
        uint32_t x = ntohl(v4.s_addr);
        return (x >> 24) == 10 || (x >> 20) == (172u << 4 | 1) || (x >> 16) == (192u << 8 | 168) ||
               (x >> 22) == (100u << 2 | 1) || (x >> 24) == 127 || (x >> 16) == (169u << 8 | 254);
    }
    if (inet_pton(AF_INET6, a, &v6) == 1)
        return (v6.s6_addr[0] & 0xfe) == 0xfc ||
               (v6.s6_addr[0] == 0xfe && (v6.s6_addr[1] & 0xc0) == 0x80);
    return 0;
}

/* The first public address, else the first private one (new string or NULL). */
static char *pick_address(const struct resource *r, int *private_only)
{
    const char *js = res_get(r, "addresses");
    json_t *a = js != NULL ? json_loads(js, 0, NULL) : NULL;
    char *pub = NULL, *priv = NULL;
    size_t i;
    json_t *v;

    *private_only = 0;
    if (json_is_array(a)) {
        json_array_foreach(a, i, v)
        {
            const char *s = json_string_value(v);
            if (s == NULL || *s == '\0')
                continue;
            if (!ssh_target_is_private(s) && pub == NULL)
                pub = xstrdup(s);
            else if (ssh_target_is_private(s) && priv == NULL)
                priv = xstrdup(s);
        }
    }
    json_decref(a);
    if (pub != NULL) {
        free(priv);
        return pub;
    }
    *private_only = priv != NULL;
    return priv;
}

int ssh_target_from_instance(const struct fleet *f, const struct resource *r,
                             const struct config *cfg, const char *ssh_config,
                             struct ssh_target *t, struct rt_error *err)
{
    struct config_ssh cs = {0};
    struct ssh_host_config hc;
    const char *img = res_get(r, "image");
    const struct resource *im =
        img != NULL ? fleet_lookup(f, RES_KIND_IMAGE, r->provider, img, NULL) : NULL;
    const char *du = im != NULL ? res_get(im, "default_user") : NULL;

    if (cfg != NULL)
        config_ssh_for(cfg, r->provider, res_get(r, "zone"), &cs);
    t->name = xstrdup(r->name);
    t->host = pick_address(r, &t->private_only);
    if (cs.host != NULL) {
        free(t->host);
        t->host = xstrdup(cs.host);
    }
    if (t->host == NULL) {
        ssh_target_done(t);
        return rt_err_set(err, RT_ERR_NOT_FOUND, 0, "instance '%s' has no address", r->name);
    }
    if (cs.user != NULL)
        t->user = xstrdup(cs.user);
    else if (du != NULL && *du)
        t->user = xstrdup(du);
    t->port = (int)cs.port;
    /* A ProxyJump configured for the instance's name applies to its address. */
    memset(&hc, 0, sizeof hc);
    if (ssh_config_lookup(ssh_config, r->name, &hc, NULL) == 0 && hc.proxyjump != NULL) {
        t->jump = hc.proxyjump;
        hc.proxyjump = NULL;
    }
    ssh_host_config_done(&hc);
    if (t->jump == NULL && t->private_only && cs.jump != NULL)
        t->jump = xstrdup(cs.jump);
    return 0;
}

void ssh_target_done(struct ssh_target *t)
{
    free(t->name);
    free(t->host);
    free(t->user);
    free(t->jump);
    memset(t, 0, sizeof *t);
}
