/*
 * openstack_detail.c - the on-demand detail of the "openstack" provider
 * (provider_ops.detail), shown by the describe view and `racktop show`:
 *
 *   instance  "actions": Nova's instance action history (os-instance-actions,
 *             newest first, `limit` from microversion 2.58), one line each:
 *             start time, action, request id, user, message;
 *             "console": the last N lines of the console log
 *             (POST /servers/{id}/action {"os-getConsoleOutput": {"length": N}}).
 *
 * A section that fails (a console of a stopped server answers 409) carries the
 * backend's message instead; only a server that is gone fails the whole call.
 * The text is backend text: the caller sanitises it before showing it.
 *
 * Threading: the provider's worker thread only (engine_detail()).
 */
#include "openstack_priv.h"

#include "core/err.h"
#include "core/provider.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DETAIL_ACTIONS_MAX 20
#define DETAIL_CONSOLE_LINES 50

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

int os_detail(struct provider *p, const struct detail_request *req, struct res_detail *out,
              struct rt_error *err)
{
    struct os *os = provider_priv(p);
    struct rt_error e2 = {0};
    char *txt, title[64];
    int lines = req->lines > 0 ? req->lines : DETAIL_CONSOLE_LINES;

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
