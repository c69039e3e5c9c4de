/*
 * openstack_neutron.c - Neutron ports, floating IPs and networks for the
 * "openstack" provider: listing and the actions on them (networks are
 * read-only: they are listed to name floating IP pools and ports' networks).
 *
 * Listing: GET /v2.0/ports, /v2.0/floatingips and /v2.0/networks page with limit/marker, as
 * Neutron does (`limit` = the provider's page_size, `marker` = the last id of
 * the previous page); a page shorter than the limit is the last.  A backend
 * without paging answers everything at once: a page longer than the limit, or
 * one that ends on an id already seen, also ends the listing.  Rows are
 * mapped by openstack_map.c (os_map_port, os_map_floatingip, os_map_network) with their raw
 * JSON.  A floating IP's `instance` comes from its port_details (the
 * fip-port-details extension); a Neutron without it answers no port_details,
 * and the instance is then the device of the port: one GET of the port, or one
 * ports listing when several floating IPs need it.
 *
 * Actions, all synchronous (Neutron applies them before it answers, so they
 * carry no task reference):
 *   floatingip create        POST /v2.0/floatingips {floating_network_id, ...};
 *                            the target names the external network (pool)
 *   floatingip associate     PUT /v2.0/floatingips/ID {port_id}: the port is the
 *                            instance's (GET /v2.0/ports?device_id=SERVER), or the
 *                            `port` parameter when it has several
 *   floatingip disassociate  PUT /v2.0/floatingips/ID {port_id: null}
 *   floatingip delete        DELETE /v2.0/floatingips/ID
 *   port delete              DELETE /v2.0/ports/ID
 * Backend errors come back from os_call() with the service's message and the
 * request id.
 *
 * Threading: the provider's worker thread, like the rest of the provider.
 */
#include "openstack_priv.h"

#include "core/action.h"
#include "core/err.h"
#include "core/http.h"
#include "core/model.h"
#include "core/provider.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *js(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static const struct {
    enum res_kind kind;
    const char *path, *key, *key_one;
    struct resource *(*map)(const struct os_map_ctx *, json_t *);
} colls[] = {
    {RES_KIND_PORT, "/v2.0/ports", "ports", "port", os_map_port},
    {RES_KIND_FLOATINGIP, "/v2.0/floatingips", "floatingips", "floatingip", os_map_floatingip},
    {RES_KIND_NETWORK, "/v2.0/networks", "networks", "network", os_map_network},
};

static int coll_of(enum res_kind k)
{
    for (size_t i = 0; i < sizeof colls / sizeof colls[0]; i++) {
        if (colls[i].kind == k)
            return (int)i;
    }
    return -1;
}

int os_neutron_lists(enum res_kind k)
{
    return coll_of(k) >= 0;
}

static void neutron_ctx(struct os *os, struct os_map_ctx *c)
{
    c->provider = provider_name(os->p);
    c->region = os->cloud.region;
    c->node_ids = NULL;
    c->with_raw = 1;
    c->build = NULL;
}

/* A floating IP bound to a port whose reply lacks port_details: a Neutron without the
 * fip-port-details extension (it answers port_details: null when there is no port). */
static int fip_lacks_details(json_t *fip)
{
    return js(fip, "port_id") != NULL && !json_is_object(json_object_get(fip, "port_details"));
}

/* The instance behind each floating IP of out->items[idx[0..n-1]] (all lacking port_details),
 * from the device of its port: one GET of the port when a single one needs it, else one
 * paged listing of the ports.  Best effort: a port that cannot be read leaves `instance`
 * unset, as a port that is not an instance's does. */
static void fip_instances(struct os *os, struct res_list *out, const size_t *idx, size_t n)
{
    struct res_list ports;
    struct rt_error e2 = {0};

    if (n == 0)
        return;
    res_list_init(&ports);
    if (n == 1) {
        struct resource *port = NULL;
        if (os_neutron_get(os, RES_KIND_PORT, res_get(out->items[idx[0]], "port_id"), &port,
                           &e2) == 0)
            res_list_push(&ports, port);
    } else if (os_neutron_list(os, RES_KIND_PORT, &ports, &e2) < 0) {
        res_list_done(&ports);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct resource *r = out->items[idx[i]];
        const char *pid = res_get(r, "port_id");
        for (size_t j = 0; pid != NULL && j < ports.len; j++) {
            if (strcmp(ports.items[j]->id, pid) == 0) {
                if (res_get(ports.items[j], "instance") != NULL)
                    res_set(r, "instance", res_get(ports.items[j], "instance"));
                break;
            }
        }
    }
    res_list_done(&ports);
}

int os_neutron_list(struct os *os, enum res_kind k, struct res_list *out, struct rt_error *err)
{
    int ci = coll_of(k), rc = -1;
    int limit = os->page_size > 0 ? os->page_size : 1000;
    struct os_map_ctx c;
    char *marker = NULL;
    size_t *need = NULL, nneed = 0, capneed = 0;

    if (ci < 0)
        return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "provider '%s' has no %s",
                          provider_name(os->p), res_kind_plural(k));
    neutron_ctx(os, &c);
    for (;;) {
        struct os_reply rep;
        char *path = xasprintf("%s?limit=%d%s%s", colls[ci].path, limit,
                               marker != NULL ? "&marker=" : "", marker != NULL ? marker : "");
        json_t *arr, *it;
        size_t i, n;
        const char *last;

        if (os_call(os, OS_SVC_NETWORK, "GET", path, NULL, &rep, err) < 0) {
            free(path);
            goto out;
        }
        arr = json_object_get(rep.doc, colls[ci].key);
        if (!json_is_array(arr)) {
            rt_err_set(err, RT_ERR_PARSE, 0, "network GET %s: the reply has no '%s' list (request "
                       "id %s)", path, colls[ci].key, rep.request_id ? rep.request_id : "none");
            free(path);
            os_reply_done(&rep);
            goto out;
        }
        free(path);
        json_array_foreach(arr, i, it) {
            struct resource *r = colls[ci].map(&c, it);
            if (r == NULL)
                continue;
            if (k == RES_KIND_FLOATINGIP && fip_lacks_details(it)) {
                if (nneed == capneed) {
                    capneed = capneed ? 2 * capneed : 16;
                    need = xrealloc(need, capneed * sizeof *need);
                }
                need[nneed++] = out->len;
            }
            res_list_push(out, r);
        }
        n = json_array_size(arr);
        last = n > 0 ? js(json_array_get(arr, n - 1), "id") : NULL;
        /* The last page, or a backend that does not page (everything at once, or the same
         * page again). */
        if (n != (size_t)limit || last == NULL || (marker != NULL && strcmp(marker, last) == 0)) {
            os_reply_done(&rep);
            break;
        }
        free(marker);
        marker = http_url_escape(last);
        os_reply_done(&rep);
    }
    fip_instances(os, out, need, nneed);
    rc = 0;
out:
    free(need);
    free(marker);
    return rc;
}

int os_neutron_get(struct os *os, enum res_kind k, const char *id, struct resource **out,
                   struct rt_error *err)
{
    int ci = coll_of(k);
    struct os_map_ctx c;
    struct os_reply rep;
    char *e, *path;

    *out = NULL;
    if (ci < 0)
        return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "provider '%s' has no %s",
                          provider_name(os->p), res_kind_plural(k));
    e = http_url_escape(id);
    path = xasprintf("%s/%s", colls[ci].path, e);
    free(e);
    if (os_call(os, OS_SVC_NETWORK, "GET", path, NULL, &rep, err) < 0) {
        free(path);
        return -1;
    }
    neutron_ctx(os, &c);
    if (json_is_object(json_object_get(rep.doc, colls[ci].key_one)))
        *out = colls[ci].map(&c, json_object_get(rep.doc, colls[ci].key_one));
    if (*out != NULL && k == RES_KIND_FLOATINGIP &&
        fip_lacks_details(json_object_get(rep.doc, colls[ci].key_one))) {
        struct res_list one = {.items = out, .len = 1, .cap = 1};
        size_t zero = 0;
        fip_instances(os, &one, &zero, 1);
    }
    if (*out == NULL)
        rt_err_set(err, RT_ERR_PARSE, 0, "network GET %s: unexpected reply (request id %s)", path,
                   rep.request_id ? rep.request_id : "none");
    os_reply_done(&rep);
    free(path);
    return *out != NULL ? 0 : -1;
}

/* The port of an instance a floating IP goes to: `port` when given (it must be the
 * instance's), else the instance's first port.  New string or NULL with err. */
static char *instance_port(struct os *os, const char *instance, const char *port,
                           struct rt_error *err)
{
    struct os_reply rep;
    char *srv = NULL, *e, *path, *out = NULL;
    json_t *ports, *p;
    size_t i;

    if (os->endpoint[OS_SVC_COMPUTE] != NULL)
        srv = os_resolve(os, OS_SVC_COMPUTE, "/servers/%s", "/servers", "server", "servers",
                         "instance", instance, err);
    else
        srv = xstrdup(instance);
    if (srv == NULL)
        return NULL;
    e = http_url_escape(srv);
    path = xasprintf("/v2.0/ports?device_id=%s", e);
    free(e);
    if (os_call(os, OS_SVC_NETWORK, "GET", path, NULL, &rep, err) < 0)
        goto done;
    ports = json_object_get(rep.doc, "ports");
    json_array_foreach(ports, i, p) {
        const char *id = js(p, "id");
        if (id != NULL && (port == NULL || strcmp(port, id) == 0)) {
            out = xstrdup(id);
            break;
        }
    }
    if (out == NULL && port != NULL)
        rt_err_set(err, RT_ERR_NOT_FOUND, 404, "port '%s' is not a port of instance '%s'", port,
                   instance);
    else if (out == NULL)
        rt_err_set(err, RT_ERR_NOT_FOUND, 404, "instance '%s' has no port (request id %s)",
                   instance, rep.request_id ? rep.request_id : "none");
    os_reply_done(&rep);
done:
    free(path);
    free(srv);
    return out;
}

static int put_fip(struct os *os, const char *id, json_t *port_id, struct rt_error *err)
{
    char *e = http_url_escape(id), *path = xasprintf("/v2.0/floatingips/%s", e);
    json_t *body = json_pack("{s:{s:o}}", "floatingip", "port_id", port_id);
    int rc = os_call(os, OS_SVC_NETWORK, "PUT", path, body, NULL, err);

    json_decref(body);
    free(path);
    free(e);
    return rc;
}

static int act_floatingip(struct os *os, const struct act_request *req, struct rt_error *err)
{
    const char *verb = req->action->verb;
    const struct params *pp = req->params;
    char *net = NULL, *port = NULL, *path = NULL, *e = NULL;
    int rc = -1;

    if (strcmp(verb, "create") == 0) {
        json_t *fip, *body;
        net = os_resolve(os, OS_SVC_NETWORK, "/v2.0/networks/%s", "/v2.0/networks", "network",
                         "networks", "network", req->target_id, err);
        if (net == NULL)
            goto out;
        fip = json_pack("{s:s}", "floating_network_id", net);
        if (params_get(pp, "address") != NULL)
            json_object_set_new(fip, "floating_ip_address", json_string(params_get(pp, "address")));
        if (params_get(pp, "description") != NULL)
            json_object_set_new(fip, "description", json_string(params_get(pp, "description")));
        body = json_pack("{s:o}", "floatingip", fip);
        rc = os_call(os, OS_SVC_NETWORK, "POST", "/v2.0/floatingips", body, NULL, err);
        json_decref(body);
    } else if (strcmp(verb, "associate") == 0) {
        port = instance_port(os, params_get(pp, "instance"), params_get(pp, "port"), err);
        if (port != NULL)
            rc = put_fip(os, req->target_id, json_string(port), err);
    } else if (strcmp(verb, "disassociate") == 0) {
        rc = put_fip(os, req->target_id, json_null(), err);
    } else if (strcmp(verb, "delete") == 0) {
        e = http_url_escape(req->target_id);
        path = xasprintf("/v2.0/floatingips/%s", e);
        rc = os_call(os, OS_SVC_NETWORK, "DELETE", path, NULL, NULL, err);
    } else {
        rc = rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "provider '%s' cannot '%s' floating IPs",
                        provider_name(os->p), verb);
    }
out:
    free(net);
    free(port);
    free(path);
    free(e);
    return rc;
}

int os_neutron_act(struct os *os, const struct act_request *req, struct rt_error *err)
{
    const char *verb = req->action->verb;

    if (req->action->kind == RES_KIND_FLOATINGIP)
        return act_floatingip(os, req, err);
    if (req->action->kind == RES_KIND_PORT && strcmp(verb, "delete") == 0) {
        char *e = http_url_escape(req->target_id), *path = xasprintf("/v2.0/ports/%s", e);
        int rc = os_call(os, OS_SVC_NETWORK, "DELETE", path, NULL, NULL, err);
        free(path);
        free(e);
        return rc;
    }
    return rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "provider '%s' cannot '%s' %s",
                      provider_name(os->p), verb, res_kind_plural(req->action->kind));
}

static uint64_t bit(enum res_kind k, const char *verb)
{
    const struct action_def *a = action_find(k, verb);

    return a != NULL ? 1ULL << action_index(a) : 0;
}

void os_neutron_caps(const struct os *os, uint32_t *kinds, uint64_t *acts)
{
    if (os->endpoint[OS_SVC_NETWORK] == NULL)
        return;
    *kinds |= RT_KIND_BIT(RES_KIND_PORT) | RT_KIND_BIT(RES_KIND_FLOATINGIP) |
              RT_KIND_BIT(RES_KIND_NETWORK);
    *acts |= bit(RES_KIND_FLOATINGIP, "create") | bit(RES_KIND_FLOATINGIP, "disassociate") |
             bit(RES_KIND_FLOATINGIP, "delete") | bit(RES_KIND_PORT, "delete");
    if (os->endpoint[OS_SVC_COMPUTE] != NULL)
        *acts |= bit(RES_KIND_FLOATINGIP, "associate");
}
