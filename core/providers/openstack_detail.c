/*
 * openstack_detail.c - the on-demand detail of the "openstack" provider
 * (provider_ops.detail), shown by the describe view and `racktop show`:
 *
 *   instance  "actions": Nova's instance action history (os-instance-actions,
 *             newest first, `limit` from microversion 2.58), one line each:
 *             start time, action, request id, user, message;
 *             "console": the last N lines of the console log
 *             (POST /servers/{id}/action {"os-getConsoleOutput": {"length": N}}).
 *   host      (an Ironic node; a Nova hypervisor has no detail)
 *             "state": the node's last_error, fault, maintenance reason and the
 *             clean / deploy step it is in, when any is set (one GET of the node);
 *             "history": the node's event history (GET /v1/nodes/{id}/history,
 *             Ironic API 1.78+; hidden when the negotiated version is older),
 *             newest first, one line each: time, severity, event type, event.
 *
 * A section that fails (a console of a stopped server answers 409) carries the
 * backend's message instead; only a server that is gone fails the whole call.
 * The text is backend text: the caller sanitises it before showing it.
 *
 * Threading: the provider's worker thread only (engine_detail()).
 */
#include "openstack_priv.h"

#include "core/err.h"
#include "core/http.h"
#include "core/provider.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DETAIL_ACTIONS_MAX 20
#define DETAIL_CONSOLE_LINES 50
#define DETAIL_HISTORY_MAX 20
#define IRONIC_HISTORY_MINOR 78

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The "actions" section text (new string), or NULL with err. */
static char *instance_actions(struct os *os, const char *id, struct rt_error *err)
{
    struct os_reply rep = {0};
    struct strbuf sb = STRBUF_INIT;
    char *path;
    json_t *arr, *a;
    size_t i;

    path = os->nova_mv_minor >= 58
               ? xasprintf("/servers/%s/os-instance-actions?limit=%d", id, DETAIL_ACTIONS_MAX)
               : xasprintf("/servers/%s/os-instance-actions", id);
    if (os_call(os, OS_SVC_COMPUTE, "GET", path, NULL, &rep, err) < 0) {
        free(path);
        return NULL;
    }
    free(path);
    arr = json_object_get(rep.doc, "instanceActions");
    if (!json_is_array(arr)) {
        rt_err_set(err, RT_ERR_PARSE, 0, "compute GET os-instance-actions: no instanceActions "
                   "in the reply (request id %s)", rep.request_id ? rep.request_id : "none");
        os_reply_done(&rep);
        return NULL;
    }
    json_array_foreach(arr, i, a) {
        const char *t = str(a, "start_time"), *msg = str(a, "message");
        char when[20];
        if (i >= DETAIL_ACTIONS_MAX)
            break;
        /* "2018-04-25T01:26:36.036697" -> "2018-04-25 01:26:36" */
        snprintf(when, sizeof when, "%s", t != NULL ? t : "-");
        if (strlen(when) > 10 && when[10] == 'T')
            when[10] = ' ';
        strbuf_addf(&sb, "%-19s  %-16s %-40s %s%s%s\n", when,
                    str(a, "action") ? str(a, "action") : "?",
                    str(a, "request_id") ? str(a, "request_id") : "-",
                    str(a, "user_id") ? str(a, "user_id") : "-", msg ? "  " : "", msg ? msg : "");
    }
    if (i == 0)
        strbuf_adds(&sb, "(no actions recorded)\n");
    os_reply_done(&rep);
    return strbuf_take(&sb);
}

/* The "console" section text (new string), or NULL with err. */
static char *console_output(struct os *os, const char *id, int lines, struct rt_error *err)
{
    struct os_reply rep = {0};
    char *path = xasprintf("/servers/%s/action", id);
    json_t *body = json_pack("{s:{s:i}}", "os-getConsoleOutput", "length", lines);
    const char *out;
    char *txt = NULL;
    int rc = os_call(os, OS_SVC_COMPUTE, "POST", path, body, &rep, err);

    json_decref(body);
    free(path);
    if (rc < 0)
        return NULL;
    out = str(rep.doc, "output");
    if (out == NULL)
        rt_err_set(err, RT_ERR_PARSE, 0, "compute os-getConsoleOutput: no output in the reply "
                   "(request id %s)", rep.request_id ? rep.request_id : "none");
    else
        txt = xstrdup(*out != '\0' ? out : "(the console log is empty)");
    os_reply_done(&rep);
    return txt;
}

/* "2021-09-15T17:45:04.686541+00:00" -> "2021-09-15 17:45:04" into when[20]. */
static void short_time(const char *t, char when[20])
{
    snprintf(when, 20, "%s", t != NULL ? t : "-");
    if (strlen(when) > 10 && when[10] == 'T')
        when[10] = ' ';
}

/* One step object ({"interface": "deploy", "step": "erase_devices", "args": ...}) as a
 * "LABEL deploy.erase_devices {args}" line; nothing when there is none ({} or null). */
static void add_step(struct strbuf *sb, const char *label, json_t *step)
{
    const char *iface = str(step, "interface"), *name = str(step, "step");
    json_t *args = json_object_get(step, "args");
    char *a = NULL;

    if (name == NULL)
        return;
    if (json_is_object(args) && json_object_size(args) > 0)
        a = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS);
    strbuf_addf(sb, "%-18s %s%s%s%s%s\n", label, iface ? iface : "", iface ? "." : "", name,
                a ? " " : "", a ? a : "");
    free(a);
}

/* The "state" section of a node (new string, NULL when nothing is set), from its JSON. */
static char *node_state(json_t *n)
{
    struct strbuf sb = STRBUF_INIT;
    static const char *const keys[][2] = {
        {"last_error", "last_error"}, {"fault", "fault"},
        {"maintenance_reason", "maintenance_reason"},
    };

    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = str(n, keys[i][0]);
        if (v != NULL && *v != '\0')
            strbuf_addf(&sb, "%-18s %s\n", keys[i][1], v);
    }
    add_step(&sb, "clean_step", json_object_get(n, "clean_step"));
    add_step(&sb, "deploy_step", json_object_get(n, "deploy_step"));
    if (sb.len == 0) {
        strbuf_done(&sb);
        return NULL;
    }
    return strbuf_take(&sb);
}

/* The "history" section of a node (new string), or NULL with err. */
static char *node_history(struct os *os, const char *eid, struct rt_error *err)
{
    struct os_reply rep = {0};
    struct strbuf sb = STRBUF_INIT;
    char *path = xasprintf("/v1/nodes/%s/history?detail=True", eid);
    json_t *arr;
    size_t n, shown = 0;

    if (os_call(os, OS_SVC_BAREMETAL, "GET", path, NULL, &rep, err) < 0) {
        free(path);
        return NULL;
    }
    free(path);
    arr = json_object_get(rep.doc, "history");
    if (!json_is_array(arr)) {
        rt_err_set(err, RT_ERR_PARSE, 0, "baremetal GET node history: no history in the reply "
                   "(request id %s)", rep.request_id ? rep.request_id : "none");
        os_reply_done(&rep);
        return NULL;
    }
    /* Ironic lists oldest first: show the newest DETAIL_HISTORY_MAX, newest first. */
    n = json_array_size(arr);
    for (size_t i = n; i > 0 && shown < DETAIL_HISTORY_MAX; i--, shown++) {
        json_t *h = json_array_get(arr, i - 1);
        const char *ev = str(h, "event"), *type = str(h, "event_type");
        char when[20];
        short_time(str(h, "created_at"), when);
        strbuf_addf(&sb, "%-19s  %-7s %-16s %s\n", when,
                    str(h, "severity") ? str(h, "severity") : "-", type ? type : "-",
                    ev ? ev : "");
    }
    if (n == 0)
        strbuf_adds(&sb, "(no events recorded)\n");
    else if (n > shown)
        strbuf_addf(&sb, "(%zu older events not shown)\n", n - shown);
    os_reply_done(&rep);
    return strbuf_take(&sb);
}

/* The detail of a host that is an Ironic node.  A host Ironic does not know (a Nova
 * hypervisor, when both are in the catalog) has none. */
static int node_detail(struct os *os, const char *id, struct res_detail *out,
                       struct rt_error *err)
{
    struct os_reply rep = {0};
    struct rt_error e2 = {0};
    char *eid = http_url_escape(id), *path = xasprintf("/v1/nodes/%s", eid), *txt;

    if (os_call(os, OS_SVC_BAREMETAL, "GET", path, NULL, &rep, &e2) < 0) {
        free(path);
        free(eid);
        if (e2.code == RT_ERR_NOT_FOUND && os->endpoint[OS_SVC_COMPUTE] != NULL)
            return 0;
        rt_err_copy(err, &e2);
        return -1;
    }
    free(path);
    txt = json_is_object(rep.doc) ? node_state(rep.doc) : NULL;
    if (txt != NULL)
        res_detail_add(out, "state", txt);
    free(txt);
    os_reply_done(&rep);
    if (os->ironic_mv_minor >= IRONIC_HISTORY_MINOR) {
        memset(&e2, 0, sizeof e2);
        txt = node_history(os, eid, &e2);
        res_detail_add(out, "history", txt != NULL ? txt : e2.msg);
        free(txt);
    }
    free(eid);
    return 0;
}

int os_detail(struct provider *p, const struct detail_request *req, struct res_detail *out,
              struct rt_error *err)
{
    struct os *os = provider_priv(p);
    struct rt_error e2 = {0};
    char *txt, title[64];
    int lines = req->lines > 0 ? req->lines : DETAIL_CONSOLE_LINES;

    if (req->kind == RES_KIND_HOST && os->endpoint[OS_SVC_BAREMETAL] != NULL) {
        os_discover(os, NULL);
        return node_detail(os, req->id, out, err);
    }
    if (req->kind != RES_KIND_INSTANCE || os->endpoint[OS_SVC_COMPUTE] == NULL)
        return 0;
    os_discover(os, NULL);
    txt = instance_actions(os, req->id, &e2);
    if (txt == NULL && e2.code == RT_ERR_NOT_FOUND) {
        rt_err_copy(err, &e2);
        return -1;
    }
    res_detail_add(out, "actions", txt != NULL ? txt : e2.msg);
    free(txt);
    memset(&e2, 0, sizeof e2);
    txt = console_output(os, req->id, lines, &e2);
    snprintf(title, sizeof title, "console (last %d lines)", lines);
    res_detail_add(out, title, txt != NULL ? txt : e2.msg);
    free(txt);
    return 0;
}
