/*
 * openstack_ironic.c - the bare-metal provision verbs of the "openstack"
 * provider that go beyond manage/provide/deploy/undeploy: inspect, clean
 * (manual cleaning with operator-given steps), abort and rebuild, and how
 * their progress is judged from the node's provision states.
 *
 * Every verb is one PUT /v1/nodes/{id}/states/provision {"target": VERB, ...};
 * Ironic answers 202 and moves the node through its state machine
 * (manageable -> inspecting -> manageable, manageable -> cleaning [-> clean
 * wait] -> manageable, active -> deploying -> active, * wait -> * failed on
 * abort).  os_node_poll_verb() turns one GET of the node into task progress
 * for these verbs; openstack.c's poll_node() asks it first.
 *
 * Microversions: inspect 1.6, abort 1.13, clean 1.15, disable_ramdisk 1.70;
 * openstack.c's set_caps() hides the verbs the negotiated version lacks.
 *
 * Threading: the provider's worker thread only, like the rest of the provider.
 */
#include "openstack_priv.h"

#include "core/err.h"
#include "core/provider.h"
#include "core/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CLEAN_STEPS "deploy.erase_devices_metadata"

static const char *const verbs[] = {"inspect", "clean", "abort", "rebuild", NULL};

int os_node_verb_is_ours(const char *verb)
{
    for (size_t i = 0; verbs[i] != NULL; i++) {
        if (strcmp(verbs[i], verb) == 0)
            return 1;
    }
    return 0;
}

json_t *os_clean_steps_parse(const char *s, struct rt_error *err)
{
    json_t *steps = NULL, *it;
    json_error_t je;
    size_t i;

    if (s == NULL || *s == '\0')
        s = DEFAULT_CLEAN_STEPS;
    while (*s == ' ')
        s++;
    if (*s == '[') {
        steps = json_loads(s, 0, &je);
        if (!json_is_array(steps) || json_array_size(steps) == 0) {
            json_decref(steps);
            rt_err_set(err, RT_ERR_ARG, 0, "'steps' must be a non-empty JSON list of "
                       "{\"interface\": ..., \"step\": ...} objects (%s)", je.text);
            return NULL;
        }
        json_array_foreach(steps, i, it) {
            if (!json_is_string(json_object_get(it, "interface")) ||
                !json_is_string(json_object_get(it, "step"))) {
                json_decref(steps);
                rt_err_set(err, RT_ERR_ARG, 0, "'steps': item %zu lacks \"interface\" or "
                           "\"step\"", i + 1);
                return NULL;
            }
        }
        return steps;
    }
    steps = json_array();
    {
        char *dup = xstrdup(s), *save = NULL;
        for (char *t = strtok_r(dup, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
            char *dot;
            while (*t == ' ')
                t++;
            dot = strchr(t, '.');
            if (dot == NULL || dot == t || dot[1] == '\0') {
                rt_err_set(err, RT_ERR_ARG, 0, "'steps': '%s' is not interface.step (e.g. "
                           "deploy.erase_devices_metadata)", t);
                json_decref(steps);
                free(dup);
                return NULL;
            }
            *dot = '\0';
            json_array_append_new(steps, json_pack("{s:s,s:s}", "interface", t, "step", dot + 1));
        }
        free(dup);
    }
    if (json_array_size(steps) == 0) {
        json_decref(steps);
        rt_err_set(err, RT_ERR_ARG, 0, "'steps' names no step");
        return NULL;
    }
    return steps;
}

int os_node_provision(struct os *os, const struct act_request *req, char **task_ref,
                      struct rt_error *err)
{
    const char *verb = req->action->verb;
    json_t *body = json_pack("{s:s}", "target", verb);
    char *path = NULL;
    int rc = -1;

    if (strcmp(verb, "clean") == 0) {
        json_t *steps = os_clean_steps_parse(params_get(req->params, "steps"), err);
        if (steps == NULL)
            goto out;
        json_object_set_new(body, "clean_steps", steps);
        if (params_get(req->params, "disable_ramdisk") != NULL) {
            if (os->ironic_mv_minor > 0 && os->ironic_mv_minor < 70) {
                rt_err_set(err, RT_ERR_UNSUPPORTED, 0, "'disable_ramdisk' needs Ironic API 1.70 "
                           "(this one speaks %s)", os->ironic_mv);
                goto out;
            }
            json_object_set_new(body, "disable_ramdisk",
                                json_boolean(params_get_bool(req->params, "disable_ramdisk", 0)));
        }
    }
    path = xasprintf("/v1/nodes/%s/states/provision", req->target_id);
    if (os_call(os, OS_SVC_BAREMETAL, "PUT", path, body, NULL, err) < 0)
        goto out;
    *task_ref = xasprintf("node:%s:%s", req->target_id, verb);
    rc = 0;
out:
    json_decref(body);
    free(path);
    return rc;
}


static int ends_with(const char *s, const char *tail)
{
    size_t a = s != NULL ? strlen(s) : 0, b = strlen(tail);

    return a >= b && strcmp(s + a - b, tail) == 0;
}

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

int os_node_poll_verb(json_t *node, const char *verb, struct task_progress *out)
{
    const char *prov = str(node, "provision_state"), *tprov = str(node, "target_provision_state");
    const char *le = str(node, "last_error"), *done, *failed;
    const char *step = str(json_object_get(node, "clean_step"), "step");

    if (!os_node_verb_is_ours(verb))
        return 0;
    if (prov == NULL)
        prov = "?";
    if (step == NULL)
        step = str(json_object_get(node, "deploy_step"), "step");
    if (strcmp(verb, "abort") == 0) {
        /* Abort lands in "<x> failed" by design: that is its success. */
        if (tprov == NULL && !ends_with(prov, " wait"))
            os_prog_set(out, TASK_SUCCEEDED, 100, "aborted, now %s", prov);
        else
            os_prog_set(out, TASK_RUNNING, -1, "aborting (%s%s%s)", prov, tprov ? " -> " : "",
                 tprov ? tprov : "");
        return 1;
    }
    done = strcmp(verb, "rebuild") == 0 ? "active" : "manageable";
    failed = strcmp(verb, "inspect") == 0 ? "inspect failed"
             : strcmp(verb, "clean") == 0 ? "clean failed"
                                          : "deploy failed";
    if (strcmp(prov, failed) == 0 || strcmp(prov, "error") == 0)
        os_prog_set(out, TASK_FAILED, -1, "%s: %s", prov, le != NULL && *le ? le : "no error text");
    else if (tprov == NULL && strcmp(prov, done) == 0)
        os_prog_set(out, TASK_SUCCEEDED, 100, "%s%s", prov,
             strcmp(verb, "inspect") == 0 ? ", inspected" : "");
    else if (tprov == NULL && !ends_with(prov, "ing") && !ends_with(prov, " wait"))
        os_prog_set(out, TASK_FAILED, -1, "ended in '%s', not '%s'%s%s", prov, done, le ? ": " : "",
             le ? le : "");
    else
        os_prog_set(out, TASK_RUNNING, -1, "%s -> %s%s%s", prov, tprov ? tprov : done,
             step ? ", step " : "", step ? step : "");
    return 1;
}
