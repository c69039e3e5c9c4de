/*
 * actions.c - forms, confirmations and the action menu.
 *
 * The flow for one action:
 *
 *   actions_start()  targets = marked rows, else the cursor row (none for a
 *                    create); drop targets whose provider cannot do it; if
 *                    the action takes parameters, build a form from its
 *                    param_def list (choices come from the fleet: flavors,
 *                    images, zones, hosts, instances, key pairs, ...; a
 *                    floating IP's pool: the provider's external networks)
 *   form submit      every field validated as it is left and again on
 *                    submit with action_validate(): nothing is sent with a
 *                    bad value
 *   confirmation     names the action and every target; destructive
 *                    actions require typing the name (or, for a batch, the
 *                    number of targets)
 *   run              engine_act() per target: journalled, audited, queued
 *                    to the provider; progress shows in the task drawer
 *
 * The engine refuses again whatever the UI lets through (read-only).
 */
#include "actions.h"

#include "core/engine.h"
#include "core/err.h"
#include "core/fleet.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "tui/app.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/form.h"
#include "tui/keymap.h"
#include "tui/sanitize.h"
#include "tui/theme.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 16

struct flow;

struct field_ctx {
    struct flow *fl;
    const struct param_def *pd; /* NULL: the name field of a create */
    int field;
    char **options; /* choice/multi options (owned), NULL-terminated */
    size_t noptions;
    int optional_choice; /* option 0 is "(none)" */
};

struct flow {
    struct dash *d;
    const struct action_def *a;
    char *provider;              /* for creates, and the provider of every target */
    struct resource **targets;   /* copies: the fleet may change while the form is open */
    size_t ntargets;
    char *rule_id;               /* remove-rule from the rules pane */
    struct params params;
    struct form *form;
    struct field_ctx fields[MAX_FIELDS];
    int nfields;
    struct dialog *dialog;
    const char *missing; /* a required choice had no options: the kind it lists */
};

static void flow_free(struct flow *fl)
{
    if (fl == NULL)
        return;
    for (size_t i = 0; i < fl->ntargets; i++)
        res_free(fl->targets[i]);
    free(fl->targets);
    for (int i = 0; i < fl->nfields; i++) {
        for (size_t k = 0; k < fl->fields[i].noptions; k++)
            free(fl->fields[i].options[k]);
        free(fl->fields[i].options);
    }
    form_free(fl->form);
    dialog_free(fl->dialog);
    params_done(&fl->params);
    free(fl->provider);
    free(fl->rule_id);
    free(fl);
}

static const char *target_word(const struct flow *fl)
{
    return res_kind_name(fl->a->kind);
}

/* ---- running ------------------------------------------------------------------------ */

static void flow_run(struct flow *fl)
{
    struct engine *e = dash_engine(fl->d);
    size_t ok = 0, failed = 0;
    struct rt_error err = {0}, first = {0};

    if (fl->a->flags & ACTION_CREATES) {
        char *task = NULL;
        const char *name = params_get(&fl->params, "__name");
        struct params p = {0};
        for (size_t i = 0; i < fl->params.len; i++) {
            if (strcmp(fl->params.items[i].key, "__name") != 0)
                params_set(&p, fl->params.items[i].key, fl->params.items[i].value);
        }
        if (engine_act(e, fl->provider, fl->a, name, name, &p, &task, &err) < 0)
            dash_message(fl->d, 1, "%s", err.msg);
        else
            dash_message(fl->d, 0, "%s %s '%s': task %s started", fl->a->verb, target_word(fl),
                         name, task);
        free(task);
        params_done(&p);
        return;
    }
    for (size_t i = 0; i < fl->ntargets; i++) {
        char *task = NULL;
        const struct resource *r = fl->targets[i];
        if (engine_act(e, r->provider, fl->a, r->id, r->name, &fl->params, &task, &err) < 0) {
            if (failed++ == 0)
                first = err;
        } else {
            ok++;
        }
        free(task);
    }
    if (failed > 0)
        dash_message(fl->d, 1, "%s: %zu started, %zu refused: %s", fl->a->verb, ok, failed,
                     first.msg);
    else if (ok == 1)
        dash_message(fl->d, 0, "%s %s '%s': task started", fl->a->verb, target_word(fl),
                     fl->targets[0]->name);
    else
        dash_message(fl->d, 0, "%s: %zu tasks started", fl->a->verb, ok);
}

/* ---- confirmation ------------------------------------------------------------------- */

static void confirm_draw(void *ctx, struct app *a, WINDOW *w, int h, int width)
{
    struct flow *fl = ctx;
    int cy = 0, cx;

    (void)h;
    (void)width;
    cx = dialog_draw(fl->dialog, w, dash_theme(fl->d), dash_ascii(fl->d), &cy);
    if (cx >= 0)
        app_show_cursor(a, cy, cx);
}

static int confirm_key(void *ctx, struct app *a, int ch)
{
    struct flow *fl = ctx;

    (void)a;
    switch (dialog_key(fl->dialog, ch)) {
    case DIALOG_OK:
        flow_run(fl);
        return APP_CLOSE;
    case DIALOG_CANCEL:
        dash_message(fl->d, 0, "%s: cancelled, nothing was sent", fl->a->verb);
        return APP_CLOSE;
    case DIALOG_PENDING:
        break;
    }
    return APP_HANDLED;
}

static void flow_destroy(void *ctx)
{
    flow_free(ctx);
}

static const struct app_layer_ops confirm_ops = {"confirm", confirm_draw, confirm_key,
                                                 flow_destroy};

static void describe_params(struct strbuf *sb, const struct params *p)
{
    for (size_t i = 0; i < p->len; i++) {
        if (strcmp(p->items[i].key, "__name") == 0)
            continue;
        strbuf_addf(sb, "%s%s=%s", i == 0 || (i == 1 && strcmp(p->items[0].key, "__name") == 0)
                                       ? "\nwith "
                                       : " ",
                    p->items[i].key, p->items[i].value);
    }
}

/* Build the confirmation (takes fl). */
static void flow_confirm(struct flow *fl)
{
    struct strbuf sb = STRBUF_INIT;
    char title[128];
    int destructive = (fl->a->flags & ACTION_DESTRUCTIVE) != 0;

    snprintf(title, sizeof title, "%s %s", fl->a->verb, target_word(fl));
    if ((fl->a->flags & ACTION_CREATES) && fl->a->create_from != NULL) {
        strbuf_addf(&sb, "Create a %s from %s '%s' in provider %s.", target_word(fl),
                    fl->a->create_from, params_get(&fl->params, "__name"), fl->provider);
    } else if (fl->a->flags & ACTION_CREATES) {
        strbuf_addf(&sb, "Create %s '%s' in provider %s.", target_word(fl),
                    params_get(&fl->params, "__name"), fl->provider);
    } else if (fl->ntargets == 1) {
        strbuf_addf(&sb, "%s: %s %s '%s' (provider %s).", fl->a->help, fl->a->verb,
                    target_word(fl), fl->targets[0]->name, fl->targets[0]->provider);
    } else {
        strbuf_addf(&sb, "%s: %s %zu %ss:", fl->a->help, fl->a->verb, fl->ntargets,
                    target_word(fl));
        for (size_t i = 0; i < fl->ntargets && i < 8; i++)
            strbuf_addf(&sb, "\n  %s (%s)", fl->targets[i]->name, fl->targets[i]->provider);
        if (fl->ntargets > 8)
            strbuf_addf(&sb, "\n  ... and %zu more", fl->ntargets - 8);
    }
    describe_params(&sb, &fl->params);
    if (destructive) {
        if (fl->ntargets == 1)
            strbuf_addf(&sb, "\nThis cannot be undone. Type the name '%s' to confirm.",
                        fl->targets[0]->name);
        else
            strbuf_addf(&sb, "\nThis cannot be undone. Type %zu to confirm.", fl->ntargets);
    }
    fl->dialog = dialog_new(title, sb.buf);
    if (destructive) {
        char count[32];
        snprintf(count, sizeof count, "%zu", fl->ntargets);
        dialog_require_text(fl->dialog, fl->ntargets == 1 ? fl->targets[0]->name : count);
    }
    strbuf_done(&sb);
    app_push(dash_app(fl->d), &confirm_ops, fl, APP_LAYER_MODAL);
}

/* ---- forms -------------------------------------------------------------------------- */

static int name_ok(const char *s)
{
    if (s == NULL || *s == '\0' || strlen(s) > 63)
        return 0;
    for (; *s; s++) {
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            return 0;
    }
    return 1;
}

static const char *validate_field(void *ctx, const struct form *f, int field)
{
    struct field_ctx *fc = ctx;
    const struct param_def *pd = fc->pd;
    const char *v;
    static char msg[160];
    int lo, hi;
    long long x;

    (void)field;
    if (pd == NULL && fc->options != NULL)
        return NULL; /* a pool picked from the fleet's list */
    if (pd == NULL) {
        v = form_text(f, fc->field);
        if (fc->fl->a->create_from != NULL) /* an existing resource: the provider checks it */
            return v == NULL || v[0] == '\0' ? "required" : NULL;
        if (!name_ok(v))
            return "a name of 1-63 letters, digits, '-', '_' or '.'";
        if (fleet_lookup(dash_fleet(fc->fl->d), fc->fl->a->kind, fc->fl->provider, v, NULL) !=
            NULL) {
            snprintf(msg, sizeof msg, "a %s named '%s' already exists", target_word(fc->fl), v);
            return msg;
        }
        return NULL;
    }
    if (fc->options != NULL)
        return NULL; /* a choice is always one of its options */
    if (pd->type == PARAM_INT) {
        x = form_int(f, fc->field);
        if (strcmp(pd->name, "size_gb") == 0 && strcmp(fc->fl->a->verb, "extend") == 0 &&
            fc->fl->ntargets > 0 && x <= res_get_int(fc->fl->targets[0], "size_gb", 0)) {
            snprintf(msg, sizeof msg, "must be larger than the current %lld GiB",
                     res_get_int(fc->fl->targets[0], "size_gb", 0));
            return msg;
        }
        return NULL;
    }
    v = form_text(f, fc->field);
    if (v == NULL || v[0] == '\0')
        return pd->required ? "required" : NULL;
    if (pd->type == PARAM_PORT && param_parse_port(v, &lo, &hi) < 0)
        return "a port 1-65535, a range like 8000-8080, or any";
    if (pd->type == PARAM_CIDR && !param_valid_cidr(v))
        return "a CIDR like 10.0.0.0/8 or 0.0.0.0/0";
    if (strcmp(pd->name, "name") == 0 && !name_ok(v))
        return "letters, digits, '-', '_' or '.'";
    return NULL;
}

/* Option sources for parameters that name a resource. */
static int param_source(const char *name, enum res_kind *k)
{
    static const struct {
        const char *name;
        enum res_kind kind;
    } map[] = {
        {"flavor", RES_KIND_FLAVOR},     {"image", RES_KIND_IMAGE},
        {"zone", RES_KIND_ZONE},         {"region", RES_KIND_REGION},
        {"host", RES_KIND_HOST},         {"instance", RES_KIND_INSTANCE},
        {"snapshot", RES_KIND_SNAPSHOT}, {"keypair", RES_KIND_KEYPAIR},
        {"server_group", RES_KIND_SERVERGROUP}, {"secgroups", RES_KIND_SECGROUP},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(map[i].name, name) == 0) {
            *k = map[i].kind;
            return 1;
        }
    }
    return 0;
}

/* The kind an ACTION_CREATES action's create_from names, when the form offers it as a
 * choice from the fleet: a floating IP's pool is one of the provider's external networks. */
static int create_source(const struct action_def *a, enum res_kind *k)
{
    if (a->kind == RES_KIND_FLOATINGIP && a->create_from != NULL &&
        strcmp(a->create_from, "pool") == 0) {
        *k = RES_KIND_NETWORK;
        return 1;
    }
    return 0;
}

/* Is a network's name shared by another external network of the same provider?  Then the
 * option is its id: a name would be ambiguous to the provider. */
static int pool_name_ambiguous(struct fleet *f, const struct resource *net)
{
    for (size_t i = 0; i < fleet_count(f, RES_KIND_NETWORK); i++) {
        const struct resource *r = fleet_at(f, RES_KIND_NETWORK, i);
        const char *ext = res_get(r, "external");
        if (r != net && ext != NULL && strcmp(ext, "true") == 0 &&
            strcmp(r->provider, net->provider) == 0 && strcmp(r->name, net->name) == 0)
            return 1;
    }
    return 0;
}

static void add_option(struct field_ctx *fc, const char *s, size_t *cap)
{
    for (size_t i = 0; i < fc->noptions; i++) {
        if (strcmp(fc->options[i], s) == 0)
            return;
    }
    fc->options = xgrow(fc->options, cap, fc->noptions + 2, sizeof *fc->options);
    fc->options[fc->noptions++] = xstrdup(s);
    fc->options[fc->noptions] = NULL;
}

/* Fill the options of a resource-naming field from the fleet, same provider. */
static void fleet_options(struct flow *fl, struct field_ctx *fc, enum res_kind k)
{
    struct fleet *f = dash_fleet(fl->d);
    const char *prov = fl->provider;
    size_t cap = 0;
    const struct resource *tgt = fl->ntargets > 0 ? fl->targets[0] : NULL;
    int required = fc->pd == NULL || fc->pd->required; /* NULL: a create's source */

    if (!required)
        add_option(fc, "(none)", &cap), fc->optional_choice = 1;
    for (size_t i = 0; i < fleet_count(f, k); i++) {
        const struct resource *r = fleet_at(f, k, i);
        if (prov != NULL && strcmp(r->provider, prov) != 0)
            continue;
        /* Narrow to what makes sense for the target. */
        if (k == RES_KIND_HOST && tgt != NULL && tgt->kind == RES_KIND_INSTANCE &&
            (res_get(r, "type") == NULL || res_get(tgt, "type") == NULL ||
             strcmp(res_get(r, "type"), "hypervisor") != 0 || strcmp(r->id, res_get(tgt, "host") ? res_get(tgt, "host") : "") == 0))
            continue;
        if (k == RES_KIND_SNAPSHOT && tgt != NULL &&
            (res_get(r, "source") == NULL || strcmp(res_get(r, "source"), tgt->id) != 0))
            continue;
        if (k == RES_KIND_FLAVOR && tgt != NULL && tgt->kind == RES_KIND_INSTANCE &&
            res_get(r, "type") != NULL && res_get(tgt, "type") != NULL &&
            strcmp(res_get(r, "type"), res_get(tgt, "type")) != 0)
            continue;
        /* A floating IP comes from an external network (router:external). */
        if (k == RES_KIND_NETWORK && fl->a->kind == RES_KIND_FLOATINGIP &&
            (res_get(r, "external") == NULL || strcmp(res_get(r, "external"), "true") != 0))
            continue;
        if (k == RES_KIND_ZONE || k == RES_KIND_REGION || k == RES_KIND_HOST ||
            (k == RES_KIND_NETWORK && pool_name_ambiguous(f, r)))
            add_option(fc, r->id, &cap);
        else
            add_option(fc, r->name, &cap);
    }
    if (fc->noptions == 0) {
        add_option(fc, "(none available)", &cap);
        if (fl->missing == NULL && required)
            fl->missing = res_kind_plural(k);
    }
}

static void enum_options(struct field_ctx *fc)
{
    size_t cap = 0;
    char *copy = xstrdup(fc->pd->choices), *save = NULL;

    if (!fc->pd->required)
        add_option(fc, "(default)", &cap), fc->optional_choice = 1;
    for (char *t = strtok_r(copy, "|", &save); t != NULL; t = strtok_r(NULL, "|", &save))
        add_option(fc, t, &cap);
    free(copy);
}

static int form_field_for(struct flow *fl, const struct param_def *pd)
{
    struct field_ctx *fc;
    enum res_kind k;
    char label[64];

    if (fl->nfields == MAX_FIELDS)
        return -1;
    fc = &fl->fields[fl->nfields];
    fc->fl = fl;
    fc->pd = pd;
    snprintf(label, sizeof label, "%s%s", pd->name, pd->required ? " *" : "");
    if (strcmp(pd->name, "rule") == 0 && fl->rule_id != NULL) {
        params_set(&fl->params, "rule", fl->rule_id);
        return 0;
    }
    if (pd->type == PARAM_BOOL) {
        size_t cap = 0;
        if (!pd->required)
            add_option(fc, "(default)", &cap), fc->optional_choice = 1;
        add_option(fc, "true", &cap);
        add_option(fc, "false", &cap);
        fc->field = form_add_choice(fl->form, label, (const char *const *)fc->options,
                                    fc->noptions, 0);
    } else if (pd->type == PARAM_ENUM) {
        enum_options(fc);
        fc->field = form_add_choice(fl->form, label, (const char *const *)fc->options,
                                    fc->noptions, 0);
    } else if (param_source(pd->name, &k)) {
        fleet_options(fl, fc, k);
        if (strcmp(pd->name, "secgroups") == 0) {
            /* drop the "(none)" entry: an empty multi-choice means none */
            if (fc->optional_choice) {
                free(fc->options[0]);
                memmove(fc->options, fc->options + 1, fc->noptions * sizeof *fc->options);
                fc->noptions--;
                fc->optional_choice = 0;
            }
            fc->field = form_add_multi(fl->form, label, (const char *const *)fc->options,
                                       fc->noptions);
        } else {
            fc->field = form_add_choice(fl->form, label, (const char *const *)fc->options,
                                        fc->noptions, 0);
        }
    } else if (pd->type == PARAM_INT) {
        long long init = 1, lo = 0, hi = 1000000;
        if (strcmp(pd->name, "count") == 0)
            init = 1, lo = 1, hi = 100;
        else if (strcmp(pd->name, "size_gb") == 0) {
            lo = 1;
            init = fl->ntargets > 0 ? res_get_int(fl->targets[0], "size_gb", 10) + 10 : 10;
        }
        fc->field = form_add_int(fl->form, label, init, lo, hi);
    } else {
        const char *init = "";
        if (pd->type == PARAM_CIDR)
            init = "0.0.0.0/0";
        fc->field = form_add_text(fl->form, label, init);
    }
    form_set_validator(fl->form, fc->field, validate_field, fc);
    fl->nfields++;
    return 0;
}

static int cross_check(struct flow *fl, const struct params *p, struct rt_error *err);

/* Read the form into fl->params. 0, or -1 with a message. */
static int collect(struct flow *fl, struct rt_error *err)
{
    params_done(&fl->params);
    if (fl->rule_id != NULL)
        params_set(&fl->params, "rule", fl->rule_id);
    for (int i = 0; i < fl->nfields; i++) {
        struct field_ctx *fc = &fl->fields[i];
        if (fc->pd == NULL && fc->options != NULL) {
            size_t c = form_choice(fl->form, fc->field);
            params_set(&fl->params, "__name", c < fc->noptions ? fc->options[c] : "");
            continue;
        }
        if (fc->pd == NULL) {
            params_set(&fl->params, "__name", form_text(fl->form, fc->field));
            continue;
        }
        if (fc->options != NULL && strcmp(fc->pd->name, "secgroups") == 0) {
            struct strbuf sb = STRBUF_INIT;
            for (size_t o = 0; o < fc->noptions; o++) {
                if (form_multi_selected(fl->form, fc->field, o))
                    strbuf_addf(&sb, "%s%s", sb.len ? "," : "", fc->options[o]);
            }
            if (sb.len > 0)
                params_set(&fl->params, fc->pd->name, sb.buf);
            strbuf_done(&sb);
        } else if (fc->options != NULL) {
            size_t c = form_choice(fl->form, fc->field);
            if (c < fc->noptions && !(fc->optional_choice && c == 0) &&
                strcmp(fc->options[c], "(none available)") != 0)
                params_set(&fl->params, fc->pd->name, fc->options[c]);
        } else if (fc->pd->type == PARAM_INT) {
            char num[32];
            snprintf(num, sizeof num, "%lld", form_int(fl->form, fc->field));
            params_set(&fl->params, fc->pd->name, num);
        } else {
            const char *t = form_text(fl->form, fc->field);
            if (t != NULL && t[0] != '\0')
                params_set(&fl->params, fc->pd->name, t);
        }
    }
    {
        struct params check = {0};
        int rc;
        for (size_t i = 0; i < fl->params.len; i++) {
            if (strcmp(fl->params.items[i].key, "__name") != 0)
                params_set(&check, fl->params.items[i].key, fl->params.items[i].value);
        }
        rc = action_validate(fl->a, &check, err);
        if (rc == 0)
            rc = cross_check(fl, &check, err);
        params_done(&check);
        return rc;
    }
}

/* Checks across fields that need the fleet: flavor against image, type against flavor. */
static int cross_check(struct flow *fl, const struct params *p, struct rt_error *err)
{
    struct fleet *f = dash_fleet(fl->d);
    const char *fn = params_get(p, "flavor"), *in = params_get(p, "image");
    const char *type = params_get(p, "type");
    const struct resource *flv = fn ? fleet_lookup(f, RES_KIND_FLAVOR, fl->provider, fn, NULL) : NULL;
    const struct resource *img = in ? fleet_lookup(f, RES_KIND_IMAGE, fl->provider, in, NULL) : NULL;

    if (flv != NULL && img != NULL && strcmp(fl->a->verb, "create") == 0 &&
        res_get_int(img, "min_disk_gb", 0) > res_get_int(flv, "disk_gb", 1 << 30) &&
        res_get_int(flv, "disk_gb", 0) > 0)
        return rt_err_set(err, RT_ERR_ARG, 0,
                          "flavor '%s' has a %lld GiB disk; image '%s' needs at least %lld GiB",
                          fn, res_get_int(flv, "disk_gb", 0), in,
                          res_get_int(img, "min_disk_gb", 0));
    if (flv != NULL && type != NULL && res_get(flv, "type") != NULL &&
        strcmp(res_get(flv, "type"), type) != 0)
        return rt_err_set(err, RT_ERR_ARG, 0, "flavor '%s' is for %s, not %s", fn,
                          res_get(flv, "type"), type);
    return 0;
}

static void form_draw_cb(void *ctx, struct app *a, WINDOW *w, int h, int width)
{
    struct flow *fl = ctx;
    int cy = 0, cx;

    (void)h;
    (void)width;
    cx = form_draw(fl->form, w, dash_theme(fl->d), dash_ascii(fl->d), &cy);
    if (cx >= 0)
        app_show_cursor(a, cy, cx);
}

static int form_key_cb(void *ctx, struct app *a, int ch)
{
    struct flow *fl = ctx;
    struct rt_error err = {0};

    switch (form_key(fl->form, ch)) {
    case FORM_SUBMIT:
        if (collect(fl, &err) < 0) {
            dash_message(fl->d, 1, "%s", err.msg);
            return APP_HANDLED;
        }
        /* Hand the flow over to the confirmation; this layer must not free it. */
        {
            struct flow *next = xcalloc(1, sizeof *next);
            *next = *fl;
            memset(fl, 0, sizeof *fl);
            form_free(next->form);
            next->form = NULL;
            /* field options are no longer needed */
            for (int i = 0; i < next->nfields; i++) {
                for (size_t k = 0; k < next->fields[i].noptions; k++)
                    free(next->fields[i].options[k]);
                free(next->fields[i].options);
                next->fields[i].options = NULL;
                next->fields[i].noptions = 0;
            }
            next->nfields = 0;
            app_pop(a);
            flow_confirm(next);
        }
        return APP_HANDLED;
    case FORM_CANCEL:
        dash_message(fl->d, 0, "%s: cancelled, nothing was sent", fl->a->verb);
        return APP_CLOSE;
    case FORM_PENDING:
        break;
    }
    return APP_HANDLED;
}

static const struct app_layer_ops form_ops = {"form", form_draw_cb, form_key_cb, flow_destroy};

/* ---- start -------------------------------------------------------------------------- */

/* Does the action need a form?  Not when its only parameters are optional switches
 * (e.g. delete storage=): the defaults apply and the confirmation says so. */
static int has_params(const struct action_def *a)
{
    for (const struct param_def *pd = a->params; pd->name != NULL; pd++) {
        if (pd->required || pd->type != PARAM_BOOL)
            return 1;
    }
    return 0;
}

void actions_start(struct dash *d, struct view *v, const struct action_def *a)
{
    struct flow *fl;
    size_t n = 0;
    const struct resource **rows = NULL;
    char title[128];

    if (a == NULL)
        return;
    if (dash_read_only(d)) {
        dash_message(d, 1, "read-only: '%s' is not allowed", a->verb);
        return;
    }
    fl = xcalloc(1, sizeof *fl);
    fl->d = d;
    fl->a = a;
    if (v->def->src == PANE_SRC_RULES) {
        /* Rules act on the security group the pane belongs to. */
        const struct resource *sg =
            fleet_find(dash_fleet(d), RES_KIND_SECGROUP, v->scope_provider, v->scope_id);
        const struct rule_row *rule = view_cursor_rule(v);
        if (sg == NULL) {
            dash_message(d, 1, "the security group is gone");
            flow_free(fl);
            return;
        }
        if (strcmp(a->verb, "remove-rule") == 0) {
            if (rule == NULL) {
                dash_message(d, 1, "no rule selected");
                flow_free(fl);
                return;
            }
            fl->rule_id = xstrdup(rule->id);
        }
        fl->targets = xcalloc(1, sizeof *fl->targets);
        fl->targets[0] = res_dup(sg);
        fl->ntargets = 1;
        fl->provider = xstrdup(sg->provider);
    } else if (a->flags & ACTION_CREATES) {
        const struct resource *cur = view_cursor_resource(v);
        const struct provider_info *pi;
        size_t np = dash_providers(d, &pi);
        if (v->scope_provider != NULL)
            fl->provider = xstrdup(v->scope_provider);
        else if (cur != NULL && dash_can(d, cur->provider, a))
            fl->provider = xstrdup(cur->provider);
        for (size_t i = 0; fl->provider == NULL && i < np; i++) {
            if (dash_can(d, pi[i].name, a))
                fl->provider = xstrdup(pi[i].name);
        }
        if (fl->provider == NULL) {
            dash_message(d, 1, "no provider can '%s' %ss", a->verb, res_kind_name(a->kind));
            flow_free(fl);
            return;
        }
    } else {
        rows = view_targets(v, &n);
        if (n == 0) {
            dash_message(d, 1, "no %s selected", res_kind_name(a->kind));
            free(rows);
            flow_free(fl);
            return;
        }
        fl->targets = xcalloc(n, sizeof *fl->targets);
        for (size_t i = 0; i < n; i++) {
            if (!dash_can(d, rows[i]->provider, a)) {
                dash_message(d, 1, "provider '%s' does not support '%s' on %s", rows[i]->provider,
                             a->verb, res_kind_plural(a->kind));
                continue;
            }
            fl->targets[fl->ntargets++] = res_dup(rows[i]);
        }
        free(rows);
        if (fl->ntargets == 0) {
            flow_free(fl);
            return;
        }
        fl->provider = xstrdup(fl->targets[0]->provider);
    }
    if (!has_params(a) && !(a->flags & ACTION_CREATES)) {
        flow_confirm(fl);
        return;
    }
    if (fl->rule_id != NULL && strcmp(a->verb, "remove-rule") == 0) {
        params_set(&fl->params, "rule", fl->rule_id);
        flow_confirm(fl);
        return;
    }
    snprintf(title, sizeof title, "%s %s%s", a->verb, res_kind_name(a->kind),
             fl->ntargets > 1 ? "s" : "");
    if (fl->ntargets == 1) {
        size_t len = strlen(title);
        snprintf(title + len, sizeof title - len, " '%s'", fl->targets[0]->name);
    }
    fl->form = form_new(title);
    if (a->flags & ACTION_CREATES) {
        struct field_ctx *fc = &fl->fields[fl->nfields++];
        const struct provider_info *pi = dash_provider(d, fl->provider);
        enum res_kind src;
        char label[64];
        fc->fl = fl;
        snprintf(label, sizeof label, "%s *", a->create_from != NULL ? a->create_from : "name");
        /* An existing resource to create from is picked from the fleet when the provider
         * lists that kind; otherwise it is typed, and the provider checks it. */
        if (create_source(a, &src) && pi != NULL && (pi->kinds & RT_KIND_BIT(src))) {
            fleet_options(fl, fc, src);
            fc->field = form_add_choice(fl->form, label, (const char *const *)fc->options,
                                        fc->noptions, 0);
        } else {
            fc->field = form_add_text(fl->form, label, "");
        }
        form_set_validator(fl->form, fc->field, validate_field, fc);
    }
    for (const struct param_def *pd = a->params; pd->name != NULL; pd++)
        form_field_for(fl, pd);
    if (fl->missing != NULL) {
        const struct provider_info *pi = dash_provider(d, fl->provider);
        int k = res_kind_from_name(fl->missing);
        if (pi != NULL && k >= 0 && pi->synced_at[k] == 0)
            dash_message(d, 1, "%s: no %s known yet; %s is still loading them", a->verb,
                         fl->missing, fl->provider);
        else
            dash_message(d, 1, "%s: provider %s has no %s to choose from", a->verb, fl->provider,
                         fl->missing);
        flow_free(fl);
        return;
    }
    app_push(dash_app(d), &form_ops, fl, APP_LAYER_MODAL);
}

/* ---- the action menu ---------------------------------------------------------------- */

struct menu {
    struct dash *d;
    struct view *v;
    const struct action_def *items[64];
    int n, sel;
};

static void menu_draw(void *ctx, struct app *a, WINDOW *w, int h, int width)
{
    struct menu *m = ctx;
    const struct theme *th = dash_theme(m->d);
    int bw = 52, bh = m->n + 4, y, x;

    (void)a;
    if (bw > width)
        bw = width;
    if (bh > h)
        bh = h;
    y = (h - bh) / 2;
    x = (width - bw) / 2;
    draw_fill(w, y, x, bh, bw, theme_attr(th, ROLE_DIALOG));
    draw_box(w, y, x, bh, bw, theme_attr(th, ROLE_BORDER), dash_ascii(m->d));
    draw_text(w, y, x + 2, bw - 4, " actions (enter runs, esc closes) ",
              theme_attr(th, ROLE_DIALOG_TITLE), DRAW_LEFT, dash_ascii(m->d));
    for (int i = 0; i < m->n && 2 + i < bh - 1; i++) {
        char line[128];
        snprintf(line, sizeof line, "%-14s %s", m->items[i]->verb, m->items[i]->help);
        draw_text(w, y + 2 + i, x + 2, bw - 4, line,
                  theme_attr(th, i == m->sel ? ROLE_SELECTED : ROLE_DIALOG), DRAW_LEFT,
                  dash_ascii(m->d));
    }
}

static int menu_key(void *ctx, struct app *a, int ch)
{
    struct menu *m = ctx;

    (void)a;
    if (ch == KEYMAP_ESC || ch == 'q')
        return APP_CLOSE;
    if ((ch == 'j' || ch == KEYMAP_FN(KEY_DOWN)) && m->sel + 1 < m->n)
        m->sel++;
    else if ((ch == 'k' || ch == KEYMAP_FN(KEY_UP)) && m->sel > 0)
        m->sel--;
    else if (ch == KEYMAP_ENTER || ch == '\n' || ch == KEYMAP_FN(KEY_ENTER)) {
        struct dash *d = m->d;
        struct view *v = m->v;
        const struct action_def *act = m->items[m->sel];
        app_pop(a); /* frees m */
        actions_start(d, v, act);
        return APP_HANDLED;
    }
    return APP_HANDLED;
}

static const struct app_layer_ops menu_ops = {"actions", menu_draw, menu_key, free};

void actions_menu(struct dash *d, struct view *v)
{
    struct menu *m;
    size_t n;
    const struct action_def *tab = action_table(&n);
    const struct resource *cur = view_cursor_resource(v);
    enum res_kind k = v->def->kind;

    if (dash_read_only(d)) {
        dash_message(d, 1, "read-only: no action is offered");
        return;
    }
    if (v->def->src != PANE_SRC_FLEET && v->def->src != PANE_SRC_RULES) {
        dash_message(d, 1, "no actions on this pane");
        return;
    }
    m = xcalloc(1, sizeof *m);
    m->d = d;
    m->v = v;
    for (size_t i = 0; i < n && m->n < 64; i++) {
        if (tab[i].kind != k)
            continue;
        if (v->def->src == PANE_SRC_RULES && strcmp(tab[i].verb, "add-rule") != 0 &&
            strcmp(tab[i].verb, "remove-rule") != 0)
            continue;
        if (!dash_can(d, cur != NULL ? cur->provider : v->scope_provider, &tab[i]))
            continue;
        m->items[m->n++] = &tab[i];
    }
    if (m->n == 0) {
        dash_message(d, 1, "no action is allowed here");
        free(m);
        return;
    }
    app_push(dash_app(d), &menu_ops, m, APP_LAYER_MODAL);
}
