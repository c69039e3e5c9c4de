/*
 * dashboard.c - the interactive console and the NOC wall display.
 *
 * One app loop (tui/app.c) on the UI thread polls the terminal, the engine's
 * wake-up fd and timers; the UI never waits on the network.  Engine events
 * update the fleet, the task list and the provider status; views rebuild
 * their rows lazily, when the data they borrow from changed.  The screen:
 *
 *   row 0        header: context, provider states, badges, counts, clock
 *   row 1        pane tabs and the pane title (drill-down path, filter)
 *   rows 2..     the pane's table
 *   drawer       running tasks with progress bars (0-3 rows)
 *   hints        the current pane's keys
 *   status       messages and errors, or the : and / prompts
 *
 * Modal layers (dialogs, forms, pagers, the action menu) are pushed on top;
 * see actions.c for the action flow.  Wall mode is read-only, rotates panes
 * and tiles several on big screens.
 *
 * Threading: everything here runs on the UI thread.
 */
#include "dashboard.h"
#include "cli_secret.h"

#include "actions.h"
#include "console.h"
#include "views.h"

#include "core/audit.h"
#include "core/config.h"
#include "core/err.h"
#include "core/fleet.h"
#include "core/hmap.h"
#include "core/log.h"
#include "core/store.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/keymap.h"
#include "tui/progress.h"
#include "tui/prompt.h"
#include "tui/sanitize.h"
#include "tui/spark.h"
#include "tui/statusbar.h"
#include "tui/textview.h"
#include "tui/theme.h"

#include <jansson.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_DEPTH 16
#define MAX_TASKS 500
#define DRAWER_MAX 3
#define MAX_TILES 4

enum dash_action {
    DA_QUIT = 1,
    DA_HELP,
    DA_PALETTE,
    DA_FILTER,
    DA_BACK,
    DA_REFRESH,
    DA_DESCRIBE,
    DA_RAW,
    DA_ACTIONS,
    DA_PANE, /* + digit, see digit_keys */
};

static const struct binding global_keys[] = {
    {'?', NULL, DA_HELP, "help: every key of this pane", "help"},
    {':', NULL, DA_PALETTE, "command palette (:instances, :theme NAME, :q, ...)", "cmd"},
    {'/', NULL, DA_FILTER, "filter rows (text, !text, column:text)", "filter"},
    {KEYMAP_ENTER, "enter", DA_DESCRIBE, "describe the resource", "describe"},
    {'d', NULL, DA_DESCRIBE, "describe the resource", NULL},
    {'y', NULL, DA_RAW, "the backend's raw JSON", NULL},
    {'a', NULL, DA_ACTIONS, "menu of every action allowed here", "actions"},
    {KEYMAP_ESC, "esc", DA_BACK, "clear the filter, or go back", NULL},
    {KEYMAP_CTRL('r'), "ctrl-r", DA_REFRESH, "refresh from the providers now", NULL},
    {'q', NULL, DA_QUIT, "quit", "quit"},
    {KEYMAP_CTRL('c'), "ctrl-c", DA_QUIT, "quit", NULL},
    {0},
};

static const struct binding help_hint[] = {
    {'?', NULL, DA_HELP, "help", "help"},
    {0},
};

static const struct binding wall_keys[] = {
    {'q', NULL, DA_QUIT, "quit", "quit"},
    {KEYMAP_CTRL('c'), "ctrl-c", DA_QUIT, "quit", NULL},
    {KEYMAP_CTRL('r'), "ctrl-r", DA_REFRESH, "refresh from the providers now", NULL},
    {0},
};

struct dash {
    struct app *app;
    struct engine *e;
    struct fleet *f;
    struct theme *theme;
    struct dash_opts o;
    int read_only;
    int ascii;
    int drawing;
    struct view *stack[MAX_DEPTH];
    int depth;
    struct statusbar *sb;
    struct prompt *cmd, *filt;
    int prompt_mode; /* 0 none, ':' or '/' */
    char *filter_before;
    struct provider_info *pinfo;
    size_t np;
    struct res_list tasks; /* newest first */
    uint64_t tasks_version;
    struct res_list audit;
    uint64_t audit_version;
    int audit_loaded;
    char *region;
    struct hmap *spark;
    int clock_min;
    /* count_states() cache, per kind; region_gen counts :region changes */
    struct state_counts {
        int valid;
        uint64_t version, content, region_gen;
        size_t n[RES_STATUS__COUNT];
    } counts[RES_KIND__COUNT];
    uint64_t region_gen;
    /* Key tables of the current pane, built from its pane_keys (filtered). */
    struct binding *pane_bindings;
    const struct pane_def *pane_bindings_for;
    /* Wall mode. */
    const struct pane_def *wall_panes[8];
    struct view *tiles[MAX_TILES];
    int nwall, wall_index;
    struct consoles *consoles; /* SSH console sessions (console.c) */
    int start_timer;            /* starts the engine after the first frame */
    struct pager *detail_pager; /* the describe waiting for engine_detail(), or NULL */
};

/* ---- accessors for panes.c and actions.c -------------------------------------------- */

struct fleet *dash_fleet(struct dash *d)
{
    return d->f;
}

const struct res_list *dash_tasks(struct dash *d, uint64_t *version)
{
    *version = d->tasks_version;
    return &d->tasks;
}

static void load_audit(struct dash *d)
{
    struct rt_error err = {0};

    res_list_done(&d->audit);
    if (audit_list(engine_store(d->e), 1000, &d->audit, &err) < 0)
        statusbar_message(d->sb, STATUSBAR_ERROR, 8000, "%s", err.msg);
    d->audit_loaded = 1;
}

const struct res_list *dash_audit(struct dash *d, uint64_t *version)
{
    if (!d->audit_loaded)
        load_audit(d);
    *version = d->audit_version;
    return &d->audit;
}

size_t dash_providers(struct dash *d, const struct provider_info **out)
{
    *out = d->pinfo;
    return d->np;
}

const char *dash_region(struct dash *d)
{
    return d->region;
}

int dash_ascii(struct dash *d)
{
    return d->ascii;
}

int dash_drawing(struct dash *d)
{
    return d->drawing;
}

int dash_read_only(struct dash *d)
{
    return d->read_only;
}

struct engine *dash_engine(struct dash *d)
{
    return d->e;
}

struct app *dash_app(struct dash *d)
{
    return d->app;
}

const struct theme *dash_theme(struct dash *d)
{
    return d->theme;
}

struct consoles *dash_consoles(struct dash *d)
{
    return d->consoles;
}

struct view *dash_view(struct dash *d)
{
    return d->depth > 0 ? d->stack[d->depth - 1] : NULL;
}

void dash_message(struct dash *d, int error, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    statusbar_message(d->sb, error ? STATUSBAR_ERROR : STATUSBAR_INFO, error ? 10000 : 5000, "%s",
                      buf);
    app_dirty(d->app);
}

const struct provider_info *dash_provider(struct dash *d, const char *name)
{
    for (size_t i = 0; i < d->np; i++) {
        if (strcmp(d->pinfo[i].name, name) == 0)
            return &d->pinfo[i];
    }
    return NULL;
}

int dash_can(struct dash *d, const char *provider, const struct action_def *a)
{
    const struct provider_info *p = provider != NULL ? dash_provider(d, provider) : NULL;

    if (d->read_only || a == NULL)
        return 0;
    if (p != NULL)
        return !p->read_only && (p->actions >> action_index(a) & 1);
    for (size_t i = 0; i < d->np; i++) {
        if (!d->pinfo[i].read_only && (d->pinfo[i].actions >> action_index(a) & 1))
            return 1;
    }
    return 0;
}

const char *dash_spark(struct dash *d, const struct resource *host, const char *metric)
{
    char *key = xasprintf("%s\x1f%s\x1f%s", host->provider, host->id, metric);
    char *cached = hmap_get(d->spark, key);
    double vals[60];
    size_t n = 0;
    char buf[256];

    if (cached == NULL) {
        int64_t since = rt_now_ms() / 1000 - 3600;
        buf[0] = '\0';
        if (store_metric_history(engine_store(d->e), host->provider, host->id, metric, since, vals,
                                 NULL, 30, &n, NULL) == 0 &&
            n > 0)
            spark_render(buf, sizeof buf, vals, n, 30, 0, 100,
                         d->ascii ? SPARK_ASCII : SPARK_BLOCKS);
        cached = xstrdup(buf);
        hmap_put(d->spark, key, cached);
    }
    free(key);
    return cached;
}

/* ---- views stack -------------------------------------------------------------------- */

static void pane_bindings_refresh(struct dash *d);

void dash_push_view(struct dash *d, struct view *v)
{
    if (v == NULL)
        return;
    if (d->depth == MAX_DEPTH) {
        view_free(d->stack[1]);
        memmove(&d->stack[1], &d->stack[2], (MAX_DEPTH - 2) * sizeof d->stack[0]);
        d->depth--;
    }
    d->stack[d->depth++] = v;
    pane_bindings_refresh(d);
    app_dirty(d->app);
}

static void set_root(struct dash *d, const struct pane_def *def)
{
    while (d->depth > 0)
        view_free(d->stack[--d->depth]);
    dash_push_view(d, view_new(d, def));
}

static void pop_view(struct dash *d)
{
    if (d->depth > 1) {
        view_free(d->stack[--d->depth]);
        pane_bindings_refresh(d);
        app_dirty(d->app);
    }
}

/* Bring a view's rows up to date with the data it borrows from. */
static void view_sync(struct dash *d, struct view *v)
{
    uint64_t ver = 0;

    switch (v->def->src) {
    case PANE_SRC_FLEET:
        ver = fleet_version(d->f, v->def->kind);
        if (ver != v->seen_version) {
            view_rebuild(v);
        } else if (fleet_content_version(d->f, v->def->kind) != v->seen_content) {
            /* In-place changes: re-sort and re-filter, pointers are still valid. */
            v->seen_content = fleet_content_version(d->f, v->def->kind);
            table_set_rows(v->table, v->nrows);
        }
        break;
    case PANE_SRC_TASKS:
        if (d->tasks_version != v->seen_version)
            view_rebuild(v);
        break;
    case PANE_SRC_AUDIT:
        if (!d->audit_loaded || d->audit_version != v->seen_version) {
            if (!d->audit_loaded)
                load_audit(d);
            view_rebuild(v);
        }
        break;
    case PANE_SRC_PROVIDERS:
    case PANE_SRC_SESSIONS:
        view_rebuild(v);
        break;
    case PANE_SRC_RULES:
        if (fleet_version(d->f, RES_KIND_SECGROUP) != v->seen_version ||
            fleet_content_version(d->f, RES_KIND_SECGROUP) != v->seen_content) {
            v->seen_content = fleet_content_version(d->f, RES_KIND_SECGROUP);
            view_rebuild(v);
        }
        break;
    }
}

/* ---- engine events ------------------------------------------------------------------ */

static void task_event(struct dash *d, struct engine_event *ev)
{
    struct resource *r = task_rec_resource(&ev->task);
    size_t i;

    for (i = 0; i < d->tasks.len; i++) {
        if (strcmp(d->tasks.items[i]->id, r->id) == 0)
            break;
    }
    if (i < d->tasks.len) {
        res_free(d->tasks.items[i]);
        memmove(&d->tasks.items[1], &d->tasks.items[0], i * sizeof d->tasks.items[0]);
    } else {
        res_list_push(&d->tasks, NULL);
        memmove(&d->tasks.items[1], &d->tasks.items[0], (d->tasks.len - 1) * sizeof r);
        if (d->tasks.len > MAX_TASKS)
            res_free(d->tasks.items[--d->tasks.len]);
    }
    d->tasks.items[0] = r;
    d->tasks_version++;
    if (ev->task.state == TASK_SUCCEEDED || ev->task.state == TASK_FAILED ||
        ev->task.state == TASK_INTERRUPTED) {
        char msg[300];
        sanitize_into(msg, sizeof msg, ev->task.message != NULL ? ev->task.message : "", d->ascii);
        statusbar_message(d->sb, ev->task.state == TASK_SUCCEEDED ? STATUSBAR_INFO : STATUSBAR_ERROR,
                          ev->task.state == TASK_SUCCEEDED ? 6000 : 15000, "%s %s: %s%s%s",
                          ev->task.action, ev->task.target_name ? ev->task.target_name : "",
                          task_state_name(ev->task.state), msg[0] ? " - " : "", msg);
    }
    /* Results are appended to the audit log: reload it when next shown. */
    d->audit_version++;
    d->audit_loaded = 0;
}

static int describe_detail(struct dash *d, const struct engine_event *ev);
static const char detail_placeholder[] = "\n(fetching history and console output...)\n";

static int on_engine(void *ctx, struct app *a, int fd, short revents)
{
    struct dash *d = ctx;
    struct engine_event *ev;
    int changed = 0;

    (void)a;
    (void)fd;
    (void)revents;
    while ((ev = engine_next_event(d->e)) != NULL) {
        switch (ev->type) {
        case ENGINE_EV_SYNC:
        case ENGINE_EV_UPSERT:
        case ENGINE_EV_DELETE:
            changed |= fleet_apply(d->f, ev);
            break;
        case ENGINE_EV_SYNC_FAILED:
            if (ev->err.code != RT_ERR_UNSUPPORTED)
                changed = 1;
            break;
        case ENGINE_EV_TASK:
            task_event(d, ev);
            changed = 1;
            break;
        case ENGINE_EV_PROVIDER: {
            int i = engine_provider_index(d->e, ev->provider);
            if (i >= 0 && (size_t)i < d->np) {
                d->pinfo[i] = ev->info;
                pane_bindings_refresh(d);
            }
            changed = 1;
            break;
        }
        case ENGINE_EV_METRICS:
            hmap_clear(d->spark);
            changed = 1;
            break;
        case ENGINE_EV_DETAIL:
            changed |= describe_detail(d, ev);
            break;
        }
        engine_event_free(ev);
    }
    return changed ? APP_REDRAW : APP_IGNORED;
}

static int on_tick(void *ctx, struct app *a)
{
    struct dash *d = ctx;
    time_t now = time(NULL);
    struct tm tm;
    int minute;
    int64_t deadline = statusbar_deadline(d->sb);

    (void)a;
    localtime_r(&now, &tm);
    minute = tm.tm_hour * 60 + tm.tm_min;
    /* The clock shows minutes: an idle screen redraws once a minute, and only the clock. */
    if (minute != d->clock_min) {
        d->clock_min = minute;
        return APP_REDRAW;
    }
    if (deadline >= 0 && rt_mono_ms() >= deadline)
        return APP_REDRAW;
    /* Rows showing "N s ago" (providers pane) or an age (sessions) change every second. */
    if (dash_view(d) != NULL && (dash_view(d)->def->src == PANE_SRC_PROVIDERS ||
                                 dash_view(d)->def->src == PANE_SRC_SESSIONS))
        return APP_REDRAW;
    return APP_IGNORED;
}

static int start_engine(void *ctx, struct app *a)
{
    struct dash *d = ctx;
    struct rt_error err = {0};

    app_remove_timer(a, d->start_timer);
    if (engine_start(d->e, &err) < 0) {
        dash_message(d, 1, "%s", err.msg);
        return APP_REDRAW;
    }
    return APP_IGNORED;
}

static int on_rotate(void *ctx, struct app *a)
{
    struct dash *d = ctx;

    (void)a;
    if (d->nwall <= 1)
        return APP_IGNORED;
    d->wall_index = (d->wall_index + 1) % d->nwall;
    set_root(d, d->wall_panes[d->wall_index]);
    return APP_REDRAW;
}

/* ---- drawing ------------------------------------------------------------------------ */

static attr_t A(struct dash *d, int role)
{
    return theme_attr(d->theme, role);
}

static void count_states(struct dash *d, enum res_kind k, size_t counts[RES_STATUS__COUNT])
{
    /*
     * Every frame draws these counts; 100 000 rows cost milliseconds of cache
     * misses, so they are kept until the kind's rows (or the region) change.
     */
    struct state_counts *c = &d->counts[k];

    if (c->valid && c->version == fleet_version(d->f, k) &&
        c->content == fleet_content_version(d->f, k) && c->region_gen == d->region_gen) {
        memcpy(counts, c->n, sizeof c->n);
        return;
    }
    c->valid = 1;
    c->version = fleet_version(d->f, k);
    c->content = fleet_content_version(d->f, k);
    c->region_gen = d->region_gen;
    memset(counts, 0, sizeof(size_t) * RES_STATUS__COUNT);
    for (size_t i = 0; i < fleet_count(d->f, k); i++) {
        const struct resource *r = fleet_at(d->f, k, i);
        if (d->region == NULL || (res_get(r, "region") != NULL &&
                                  strcmp(res_get(r, "region"), d->region) == 0))
            counts[r->status]++;
    }
    memcpy(c->n, counts, sizeof c->n);
}

static int any_stale(struct dash *d, enum res_kind k, char *who, size_t len)
{
    int n = 0;

    who[0] = '\0';
    for (size_t i = 0; i < d->np; i++) {
        const struct provider_info *p = &d->pinfo[i];
        if (p->state == PROV_STATE_UNREACHABLE || p->state == PROV_STATE_DEGRADED ||
            fleet_is_stale(d->f, k, p->name)) {
            if (n++ == 0)
                snprintf(who, len, "%s", p->name);
        }
    }
    return n;
}

static int draw_badge(struct dash *d, WINDOW *w, int y, int x, int maxx, const char *text, int role)
{
    int len = sanitize_width(text) + 2;
    char buf[600];

    if (x + len > maxx)
        return x;
    snprintf(buf, sizeof buf, " %s ", text);
    draw_text(w, y, x, len, buf, A(d, role), DRAW_LEFT, d->ascii);
    return x + len + 1;
}

static void draw_header(struct dash *d, WINDOW *w, int width)
{
    static const enum res_status shown[] = {RES_STATUS_ACTIVE, RES_STATUS_BUILD, RES_STATUS_BUSY,
                                             RES_STATUS_SHUTOFF, RES_STATUS_ERROR,
                                             RES_STATUS_MAINTENANCE};
    struct view *v = dash_view(d);
    enum res_kind k = v != NULL && v->def->src == PANE_SRC_FLEET ? v->def->kind : RES_KIND_INSTANCE;
    size_t counts[RES_STATUS__COUNT];
    char buf[512], clock[16];
    int x = 0, demo = 0;
    struct strbuf sb = STRBUF_INIT;
    time_t now = time(NULL);
    struct tm tm;

    draw_fill(w, 0, 0, 1, width, A(d, ROLE_HEADER));
    x = draw_badge(d, w, 0, 0, width, d->o.wall ? "racktop wall" : "racktop", ROLE_HEADER_BADGE);
    for (size_t i = 0; i < d->np; i++)
        demo |= d->pinfo[i].demo;
    if (demo)
        x = draw_badge(d, w, 0, x, width, "DEMO", ROLE_DEMO_BADGE);
    if (d->read_only)
        x = draw_badge(d, w, 0, x, width, "READ-ONLY", ROLE_READONLY_BADGE);
    for (size_t i = 0; i < d->np; i++) {
        const struct provider_info *p = &d->pinfo[i];
        const char *g = p->state == PROV_STATE_CONNECTED    ? (d->ascii ? "+" : "\u25cf")
                        : p->state == PROV_STATE_CONNECTING ? (d->ascii ? "~" : "\u25d0")
                                                            : (d->ascii ? "!" : "\u2716");
        snprintf(buf, sizeof buf, "%s %s %s", g, p->name, prov_state_name(p->state));
        x = draw_badge(d, w, 0, x, width,  buf,
                       p->state == PROV_STATE_CONNECTED    ? ROLE_HEADER
                       : p->state == PROV_STATE_CONNECTING ? ROLE_STATE_BUILD
                                                           : ROLE_STATE_ERROR);
        if (p->warning[0] != '\0') {
            snprintf(buf, sizeof buf, "%s %s: %s", d->ascii ? "!" : "\u26a0", p->name, p->warning);
            x = draw_badge(d, w, 0, x, width, buf, ROLE_STATE_ERROR);
        }
    }
    snprintf(buf, sizeof buf, "region:%s", d->region != NULL ? d->region : "all");
    x = draw_badge(d, w, 0, x, width, buf, ROLE_HEADER);
    count_states(d, k, counts);
    strbuf_addf(&sb, "%s:", res_kind_plural(k));
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
        if (counts[shown[i]] > 0)
            strbuf_addf(&sb, " %s %zu", res_status_name(shown[i]), counts[shown[i]]);
    }
    localtime_r(&now, &tm);
    strftime(clock, sizeof clock, "%H:%M", &tm);
    if (x + 7 < width) {
        draw_text(w, 0, x, width - x - 6, sb.buf, A(d, ROLE_HEADER), DRAW_LEFT, d->ascii);
        draw_text(w, 0, width - 6, 6, clock, A(d, ROLE_HEADER), DRAW_RIGHT, d->ascii);
    }
    strbuf_done(&sb);
}

static void draw_title(struct dash *d, WINDOW *w, int y, int width, struct view *v)
{
    struct strbuf sb = STRBUF_INIT;
    char status[256], who[64];
    int x = 0;

    draw_fill(w, y, 0, 1, width, A(d, ROLE_TITLE));
    if (d->depth <= 1 && !d->o.wall) {
        /* Tabs of the digit-bound panes. */
        for (const struct pane_def *p = pane_defs(); p->name != NULL; p++) {
            char tab[48];
            int len;
            if (p->digit < 0)
                continue;
            snprintf(tab, sizeof tab, "%d:%s", p->digit, p->name);
            len = (int)strlen(tab);
            if (x + len + 1 > width / 2)
                break;
            draw_text(w, y, x, len, tab, p == v->def ? A(d, ROLE_SELECTED) : A(d, ROLE_TITLE),
                      DRAW_LEFT, d->ascii);
            x += len + 1;
        }
    }
    for (int i = 0; i < d->depth; i++)
        strbuf_addf(&sb, "%s%s", i > 0 ? " > " : "", d->stack[i]->title);
    strbuf_addf(&sb, "  %s", table_status(v->table, status, sizeof status));
    draw_text(w, y, x, width - x, sb.buf, A(d, ROLE_TITLE) | A_BOLD, DRAW_LEFT, d->ascii);
    strbuf_done(&sb);
    if (v->def->src == PANE_SRC_FLEET && any_stale(d, v->def->kind, who, sizeof who) > 0) {
        char banner[128];
        snprintf(banner, sizeof banner, " STALE: cached data from %s ", who);
        int bw = sanitize_width(banner);
        if (bw < width / 2)
            draw_text(w, y, width - bw, bw, banner, A(d, ROLE_STALE), DRAW_LEFT, d->ascii);
    }
}

/* Running tasks, newest first, at most `max` rows. Returns rows used. */
static int drawer_rows(struct dash *d, int max)
{
    int n = 0;

    for (size_t i = 0; i < d->tasks.len && n < max; i++) {
        const struct resource *t = d->tasks.items[i];
        if (t->status == RES_STATUS_BUSY || t->status == RES_STATUS_BUILD)
            n++;
    }
    return n;
}

static void draw_drawer(struct dash *d, WINDOW *w, int y, int rows, int width)
{
    int n = 0;

    for (size_t i = 0; i < d->tasks.len && n < rows; i++) {
        const struct resource *t = d->tasks.items[i];
        char bar[64], line[512];
        int p = t->progress >= 0 ? t->progress : 0;
        if (t->status != RES_STATUS_BUSY && t->status != RES_STATUS_BUILD)
            continue;
        progress_render(bar, sizeof bar, p / 100.0, 16, d->ascii);
        snprintf(line, sizeof line, " %s %s %s %s  %s", d->ascii ? ">" : "\u25b6",
                 res_get(t, "action") ? res_get(t, "action") : "",
                 res_get(t, "target_name") ? res_get(t, "target_name") : "", bar,
                 res_get(t, "message") ? res_get(t, "message") : "");
        draw_text(w, y + n, 0, width, line, A(d, ROLE_PROGRESS), DRAW_LEFT, d->ascii);
        n++;
    }
}

static void draw_pane(struct dash *d, WINDOW *w, struct view *v, int y, int x, int h, int width,
                      int with_title)
{
    view_sync(d, v);
    if (with_title) {
        char status[256];
        char *t = xasprintf("%s  %s", v->title, table_status(v->table, status, sizeof status));
        draw_text(w, y, x, width, t, A(d, ROLE_TITLE) | A_BOLD, DRAW_LEFT, d->ascii);
        free(t);
        y++, h--;
    }
    if (h > 0)
        table_draw(v->table, w, y, x, h, width, d->theme, d->ascii);
}

static void draw_wall_summary(struct dash *d, WINDOW *w, int y, int width)
{
    size_t counts[RES_STATUS__COUNT];
    struct strbuf sb = STRBUF_INIT;
    size_t unhealthy = 0, maint = 0;
    char who[64];

    count_states(d, RES_KIND_INSTANCE, counts);
    strbuf_addf(&sb, "instances: %zu active, %zu building, %zu off, %zu error",
                counts[RES_STATUS_ACTIVE], counts[RES_STATUS_BUILD] + counts[RES_STATUS_BUSY],
                counts[RES_STATUS_SHUTOFF], counts[RES_STATUS_ERROR]);
    for (size_t i = 0; i < fleet_count(d->f, RES_KIND_HOST); i++) {
        const struct resource *h = fleet_at(d->f, RES_KIND_HOST, i);
        const char *health = res_get(h, "health");
        if (h->status == RES_STATUS_MAINTENANCE)
            maint++;
        if (health != NULL && strcmp(health, "OK") != 0)
            unhealthy++;
    }
    strbuf_addf(&sb, " | hosts: %zu unhealthy, %zu in maintenance", unhealthy, maint);
    draw_text(w, y, 0, width, sb.buf,
              A(d, unhealthy > 0 || counts[RES_STATUS_ERROR] > 0 ? ROLE_WARNING : ROLE_INFO_MSG),
              DRAW_LEFT, d->ascii);
    strbuf_done(&sb);
    if (any_stale(d, RES_KIND_INSTANCE, who, sizeof who) > 0) {
        char banner[160];
        snprintf(banner, sizeof banner, " STALE DATA: %s is not answering; showing its cached rows ",
                 who);
        draw_text(w, y + 1, 0, width, banner, A(d, ROLE_STALE), DRAW_CENTER, d->ascii);
    } else {
        draw_fill(w, y + 1, 0, 1, width, A(d, ROLE_DEFAULT));
    }
}

static void draw_wall(struct dash *d, WINDOW *w, int h, int width)
{
    int top = 3, tiles = 1;

    draw_wall_summary(d, w, 1, width);
    if (width >= 160 && h >= 40)
        tiles = d->nwall < MAX_TILES ? d->nwall : MAX_TILES;
    if (tiles <= 1) {
        struct view *v = dash_view(d);
        draw_pane(d, w, v, top, 0, h - top - 1, width, 1);
    } else {
        int rows = tiles > 2 ? 2 : 1, cols = 2;
        int th = (h - top - 1) / rows, tw = (width - 1) / cols;
        for (int i = 0; i < tiles; i++) {
            int ty = top + (i / cols) * th, tx = (i % cols) * (tw + 1);
            if (d->tiles[i] == NULL)
                d->tiles[i] = view_new(d, d->wall_panes[i]);
            draw_pane(d, w, d->tiles[i], ty, tx, th, tw, 1);
        }
    }
    statusbar_draw_message(d->sb, w, h - 1, 0, width, d->theme, d->ascii, rt_mono_ms());
}

static void draw_main(void *ctx, struct app *a, WINDOW *w, int h, int width)
{
    struct dash *d = ctx;
    struct view *v = dash_view(d);
    const struct binding *hints[4];
    int drawer, body;

    (void)a;
    d->drawing = 1;
    if (h < 6 || width < 30) {
        draw_fill(w, 0, 0, h, width, A(d, ROLE_DEFAULT));
        draw_text(w, 0, 0, width, "terminal too small", A(d, ROLE_WARNING), DRAW_LEFT, d->ascii);
        d->drawing = 0;
        return;
    }
    draw_header(d, w, width);
    if (d->o.wall) {
        draw_wall(d, w, h, width);
        d->drawing = 0;
        return;
    }
    draw_title(d, w, 1, width, v);
    drawer = drawer_rows(d, h >= 20 ? DRAWER_MAX : 1);
    body = h - 2 - 2 - drawer;
    draw_pane(d, w, v, 2, 0, body, width, 0);
    draw_drawer(d, w, 2 + body, drawer, width);
    /* "? help" first so it is always visible, then the pane's own keys. */
    hints[0] = help_hint;
    hints[1] = d->pane_bindings;
    hints[2] = global_keys + 1;
    hints[3] = NULL;
    statusbar_draw_hints(w, h - 2, 0, width, hints, d->theme, d->ascii);
    if (d->prompt_mode != 0) {
        int cx = prompt_draw(d->prompt_mode == ':' ? d->cmd : d->filt, w, h - 1, 0, width,
                             d->theme, d->ascii);
        if (cx >= 0)
            app_show_cursor(d->app, h - 1, cx);
    } else {
        statusbar_draw_message(d->sb, w, h - 1, 0, width, d->theme, d->ascii, rt_mono_ms());
    }
    d->drawing = 0;
}

/* ---- keys --------------------------------------------------------------------------- */

static void pane_bindings_refresh(struct dash *d)
{
    struct view *v = dash_view(d);
    size_t n = 0;

    free(d->pane_bindings);
    d->pane_bindings = NULL;
    d->pane_bindings_for = NULL;
    if (v == NULL)
        return;
    for (const struct pane_key *k = v->def->keys; k->key != 0; k++)
        n++;
    d->pane_bindings = xcalloc(n + 1, sizeof *d->pane_bindings);
    n = 0;
    for (const struct pane_key *k = v->def->keys; k->key != 0; k++) {
        if (k->verb != NULL) {
            /* Only what some provider can do, and nothing that changes things when read-only. */
            const struct action_def *a = action_find(v->def->kind, k->verb);
            if (!dash_can(d, v->scope_provider, a))
                continue;
        } else if (k->drill != DRILL_NONE && d->o.wall) {
            continue;
        }
        if ((k->flags & PANE_KEY_HIDE_READ_ONLY) && d->read_only)
            continue;
        d->pane_bindings[n].key = k->key;
        d->pane_bindings[n].keyname = k->keyname;
        d->pane_bindings[n].action = (int)(k - v->def->keys) + 1;
        d->pane_bindings[n].help = k->help;
        d->pane_bindings[n].hint = k->hint;
        n++;
    }
    d->pane_bindings_for = v->def;
}

static void open_describe(struct dash *d, int raw);
static void open_help(struct dash *d);
static void run_command(struct dash *d, const char *line);

static int pane_key(struct dash *d, struct view *v, int ch)
{
    int act = keymap_lookup(d->pane_bindings, ch);
    const struct pane_key *k;

    if (act <= 0)
        return APP_IGNORED;
    k = &v->def->keys[act - 1];
    if (k->run != NULL)
        return k->run(d, v) | APP_HANDLED;
    if (k->drill != DRILL_NONE) {
        const struct resource *r = view_cursor_resource(v);
        if (r == NULL) {
            dash_message(d, 1, "no row selected");
            return APP_HANDLED;
        }
        dash_push_view(d, view_new_drill(d, v, r, k->drill));
        return APP_HANDLED;
    }
    actions_start(d, v, action_find(v->def->kind, k->verb));
    return APP_HANDLED;
}

/* --mouse: the wheel scrolls, a click selects a row, a double click describes it. */
static int mouse_event(struct dash *d, struct view *v)
{
    MEVENT me;
    int first_row = 3; /* header, title, column header */

    if (getmouse(&me) != OK)
        return APP_IGNORED;
    if (me.bstate & BUTTON4_PRESSED) {
        table_move(v->table, -3);
        return APP_HANDLED;
    }
#ifdef BUTTON5_PRESSED
    if (me.bstate & BUTTON5_PRESSED) {
        table_move(v->table, 3);
        return APP_HANDLED;
    }
#endif
    if ((me.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)) &&
        me.y >= first_row) {
        table_move_to(v->table, table_top(v->table) + (size_t)(me.y - first_row));
        if (me.bstate & BUTTON1_DOUBLE_CLICKED)
            open_describe(d, 0);
        return APP_HANDLED;
    }
    return APP_IGNORED;
}

static int main_key(void *ctx, struct app *a, int ch)
{
    struct dash *d = ctx;
    struct view *v = dash_view(d);
    int act, r;

    (void)a;
    if (d->prompt_mode != 0) {
        struct prompt *p = d->prompt_mode == ':' ? d->cmd : d->filt;
        enum prompt_result pr = prompt_key(p, ch);
        struct rt_error err = {0};
        char *line;
        switch (pr) {
        case PROMPT_CHANGED:
            if (d->prompt_mode == '/' && table_set_filter(v->table, prompt_text(p), &err) < 0)
                statusbar_message(d->sb, STATUSBAR_WARNING, 3000, "%s", err.msg);
            break;
        case PROMPT_SUBMIT:
            line = xstrdup(prompt_text(p));
            prompt_history_add(p, line);
            if (d->prompt_mode == ':') {
                d->prompt_mode = 0;
                run_command(d, line);
            } else {
                d->prompt_mode = 0;
                if (table_set_filter(v->table, line, &err) < 0)
                    dash_message(d, 1, "%s", err.msg);
            }
            free(line);
            break;
        case PROMPT_CANCEL:
            if (d->prompt_mode == '/')
                table_set_filter(v->table, d->filter_before != NULL ? d->filter_before : "", NULL);
            d->prompt_mode = 0;
            break;
        case PROMPT_PENDING:
            break;
        }
        return APP_HANDLED;
    }
    if (d->o.wall) {
        act = keymap_lookup(wall_keys, ch);
        if (act == DA_QUIT)
            return APP_QUIT;
        if (act == DA_REFRESH) {
            engine_refresh(d->e, NULL, ~0u);
            return APP_HANDLED;
        }
        return APP_IGNORED;
    }
    if (ch == KEYMAP_FN(KEY_MOUSE))
        return mouse_event(d, v);
    if (ch >= '0' && ch <= '9') {
        for (const struct pane_def *p = pane_defs(); p->name != NULL; p++) {
            if (p->digit == ch - '0') {
                set_root(d, p);
                return APP_HANDLED;
            }
        }
    }
    if ((r = pane_key(d, v, ch)) != APP_IGNORED)
        return r;
    r = table_key(v->table, ch);
    if (r & TABLE_HANDLED)
        return APP_HANDLED;
    act = keymap_lookup(global_keys, ch);
    switch (act) {
    case DA_QUIT: return APP_QUIT;
    case DA_HELP: open_help(d); return APP_HANDLED;
    case DA_PALETTE:
        d->prompt_mode = ':';
        prompt_open(d->cmd, "");
        return APP_HANDLED;
    case DA_FILTER:
        free(d->filter_before);
        d->filter_before = xstrdup(table_filter_text(v->table));
        d->prompt_mode = '/';
        prompt_open(d->filt, table_filter_text(v->table));
        return APP_HANDLED;
    case DA_BACK:
        if (table_filter_text(v->table)[0] != '\0' &&
            (v->def->preset == NULL || strcmp(table_filter_text(v->table), v->def->preset) != 0)) {
            table_set_filter(v->table, v->def->preset != NULL ? v->def->preset : "", NULL);
        } else if (table_marked_count(v->table) > 0) {
            table_clear_marks(v->table);
        } else {
            pop_view(d);
        }
        return APP_HANDLED;
    case DA_REFRESH:
        engine_refresh(d->e, NULL, ~0u);
        dash_message(d, 0, "refreshing from every provider");
        return APP_HANDLED;
    case DA_DESCRIBE: open_describe(d, 0); return APP_HANDLED;
    case DA_RAW: open_describe(d, 1); return APP_HANDLED;
    case DA_ACTIONS: actions_menu(d, v); return APP_HANDLED;
    default: return APP_IGNORED;
    }
}

static const struct app_layer_ops main_ops = {"dashboard", draw_main, main_key, NULL};

/* ---- describe, raw JSON, help ------------------------------------------------------- */

struct pager {
    struct dash *d;
    struct textview *tv;
    char *fields, *raw; /* the two texts `y` switches between */
    int showing_raw;
    /* A describe waiting for the provider's detail (engine_detail): which resource, and
     * where in `fields` the "fetching..." line starts (the sections replace it). */
    char *dprov, *did;
    enum res_kind dkind;
    size_t dmark;
};

static void pager_draw(void *ctx, struct app *a, WINDOW *w, int h, int width)
{
    struct pager *p = ctx;

    (void)a;
    draw_fill(w, 1, 0, h - 1, width, A(p->d, ROLE_DEFAULT));
    textview_draw(p->tv, w, 1, 0, h - 1, width, p->d->theme, p->d->ascii);
}

static int pager_key(void *ctx, struct app *a, int ch)
{
    struct pager *p = ctx;
    int r;

    (void)a;
    if (ch == 'y' && p->raw != NULL) {
        p->showing_raw = !p->showing_raw;
        textview_set_text(p->tv, p->showing_raw ? p->raw : p->fields);
        return APP_HANDLED;
    }
    r = textview_key(p->tv, ch);
    if (r & TEXTVIEW_CLOSE)
        return APP_CLOSE;
    if (ch == KEYMAP_ESC)
        return APP_CLOSE;
    return APP_HANDLED; /* modal: keys never reach the pane below */
}

static void pager_destroy(void *ctx)
{
    struct pager *p = ctx;

    if (p->d->detail_pager == p)
        p->d->detail_pager = NULL;
    textview_free(p->tv);
    free(p->fields);
    free(p->raw);
    free(p->dprov);
    free(p->did);
    free(p);
}

static const struct app_layer_ops pager_ops = {"pager", pager_draw, pager_key, pager_destroy};

static struct pager *show_text(struct dash *d, const char *title, const char *text,
                               const char *alt)
{
    struct pager *p = xcalloc(1, sizeof *p);

    p->d = d;
    p->tv = textview_new(title);
    p->fields = xstrdup(text);
    p->raw = xstrdup(alt);
    textview_set_text(p->tv, text);
    app_push(d->app, &pager_ops, p, APP_LAYER_MODAL);
    return p;
}

void dash_show_text(struct dash *d, const char *title, const char *text, const char *alt)
{
    show_text(d, title, text, alt);
}

/* ENGINE_EV_DETAIL: put the sections into the describe that asked for them, if it is
 * still open (the text view sanitises them).  1 when the screen changed. */
static int describe_detail(struct dash *d, const struct engine_event *ev)
{
    struct pager *p = d->detail_pager;
    struct strbuf sb = STRBUF_INIT;

    if (p == NULL || ev->id == NULL || ev->kind != p->dkind || strcmp(ev->provider, p->dprov) != 0 ||
        strcmp(ev->id, p->did) != 0)
        return 0;
    d->detail_pager = NULL;
    strbuf_addf(&sb, "%.*s", (int)p->dmark, p->fields);
    if (ev->err.code != RT_OK)
        strbuf_addf(&sb, "\ndetail: %s\n", ev->err.msg);
    for (size_t i = 0; i < ev->detail.len; i++)
        strbuf_addf(&sb, "\n%s:\n%s%s", ev->detail.items[i].title, ev->detail.items[i].text,
                    ev->detail.items[i].text[0] != '\0' &&
                            ev->detail.items[i].text[strlen(ev->detail.items[i].text) - 1] != '\n'
                        ? "\n" : "");
    strbuf_adds(&sb, p->fields + p->dmark + strlen(detail_placeholder));
    free(p->fields);
    p->fields = strbuf_take(&sb);
    if (!p->showing_raw)
        textview_set_text(p->tv, p->fields);
    return 1;
}

static char *pretty_json(const char *raw)
{
    json_t *j = raw != NULL ? json_loads(raw, 0, NULL) : NULL;
    char *s = j != NULL ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

    json_decref(j);
    return s != NULL ? s : xstrdup(raw != NULL ? raw : "(no raw JSON cached for this resource)");
}

static void open_describe(struct dash *d, int raw)
{
    struct view *v = dash_view(d);
    const struct resource *r = view_cursor_resource(v);
    const struct rule_row *rule = view_cursor_rule(v);
    struct strbuf sb = STRBUF_INIT;
    size_t nf;
    const struct field_def *defs;
    char buf[1024], *rawjson = NULL, *title;
    size_t dmark = (size_t)-1;
    struct pager *pg;

    if (rule != NULL) {
        strbuf_addf(&sb, "rule        %s\ndirection   %s\nethertype   %s\nprotocol    %s\n"
                         "ports       %s\nremote      %s\n",
                    rule->id, rule->direction ? rule->direction : "-",
                    rule->ethertype ? rule->ethertype : "-", rule->protocol ? rule->protocol : "-",
                    rule->ports ? rule->ports : "-", rule->remote ? rule->remote : "-");
        dash_show_text(d, "Rule", sb.buf, NULL);
        strbuf_done(&sb);
        return;
    }
    if (r == NULL) {
        dash_message(d, 1, "nothing to describe here");
        return;
    }
    defs = res_schema(r->kind, &nf);
    strbuf_addf(&sb, "%-18s %s\n%-18s %s\n%-18s %s\n%-18s %s\n%-18s %s (%s)%s\n", "provider",
                r->provider, "kind", res_kind_name(r->kind), "id", r->id, "name", r->name,
                "status", res_status_name(r->status), r->raw_status ? r->raw_status : "-",
                fleet_is_stale(d->f, r->kind, r->provider) ? "  [stale: cached]" : "");
    if (r->progress >= 0)
        strbuf_addf(&sb, "%-18s %d%%\n", "progress", r->progress);
    if (r->updated_at > 0)
        strbuf_addf(&sb, "%-18s %s\n", "updated", rt_iso8601(r->updated_at, buf, sizeof buf));
    for (size_t i = 0; i < nf; i++) {
        /* Lists of parts (processors, drives, ...) give one line each, aligned. */
        struct strbuf fv = STRBUF_INIT;
        const char *line, *nl;
        if (res_field_describe(r, (int)i, &fv) == 0)
            strbuf_addf(&sb, "%-18s -\n", defs[i].name);
        for (line = fv.buf; line != NULL && fv.len > 0; line = nl != NULL ? nl + 1 : NULL) {
            nl = strchr(line, '\n');
            strbuf_addf(&sb, "%-18s %.*s\n", line == fv.buf ? defs[i].name : "",
                        (int)(nl != NULL ? (size_t)(nl - line) : strlen(line)), line);
        }
        strbuf_done(&fv);
    }
    if (r->kind == RES_KIND_SECGROUP && res_get(r, "rules") != NULL) {
        char *rules = pretty_json(res_get(r, "rules"));
        strbuf_addf(&sb, "\nrules:\n%s\n", rules);
        free(rules);
    }
    if (r->kind != RES_KIND_TASK && r->kind != RES_KIND_AUDIT && !raw &&
        engine_detail(d->e, r->provider, r->kind, r->id, 0, NULL) == 0) {
        /* Fetched on the provider's worker; describe_detail() replaces this line. */
        dmark = sb.len;
        strbuf_adds(&sb, detail_placeholder);
    }
    strbuf_adds(&sb, "\n(y: the backend's raw JSON; /: search; q or esc: close)\n");
    if (r->kind != RES_KIND_TASK && r->kind != RES_KIND_AUDIT) {
        char *j = store_get_raw(engine_store(d->e), r->provider, r->kind, r->id, NULL);
        rawjson = pretty_json(j);
        free(j);
    }
    title = xasprintf("%s %s", res_kind_name(r->kind), r->name);
    pg = show_text(d, title, raw && rawjson != NULL ? rawjson : sb.buf,
                   raw && rawjson != NULL ? sb.buf : rawjson);
    if (dmark != (size_t)-1) {
        pg->dprov = xstrdup(r->provider);
        pg->did = xstrdup(r->id);
        pg->dkind = r->kind;
        pg->dmark = dmark;
        d->detail_pager = pg;
    }
    if (raw && rawjson != NULL) {
        /* Started on the raw text: `y` goes back to the fields. */
    }
    free(title);
    free(rawjson);
    strbuf_done(&sb);
}

static void open_help(struct dash *d)
{
    struct view *v = dash_view(d);
    struct strbuf sb = STRBUF_INIT;
    char title[128];

    snprintf(title, sizeof title, "%s pane", v->def->title);
    keymap_help(d->pane_bindings, title, &sb);
    keymap_help(global_keys, "Everywhere", &sb);
    keymap_help(table_bindings(), "Moving, marking, sorting", &sb);
    strbuf_adds(&sb, "\nPanes (digits jump, : commands open):\n");
    for (const struct pane_def *p = pane_defs(); p->name != NULL; p++) {
        if (p->src == PANE_SRC_RULES)
            continue;
        if (p->digit >= 0)
            strbuf_addf(&sb, "  %d  :%-13s %s\n", p->digit, p->name, p->title);
        else
            strbuf_addf(&sb, "     :%-13s %s\n", p->name, p->title);
    }
    strbuf_adds(&sb, "     :theme NAME    switch the colour theme\n"
                     "     :region NAME   show one region (:region all for every one)\n"
                     "     :console NAME  SSH console on an instance (opens, or re-enters)\n"
                     "     :q             quit\n");
    if (!d->read_only)
        strbuf_addf(&sb,
                    "\nIn an SSH console:\n"
                    "  %-14s back to the dashboard, the session stays open\n"
                    "  %-14s (config.yaml: console.detach_key)\n"
                    "  shift-PgUp/Dn  scroll back\n",
                    console_detach_name(d->consoles), "");
    if (d->read_only)
        strbuf_adds(&sb, "\nRead-only: no action that changes anything is offered.\n");
    dash_show_text(d, "Help", sb.buf, NULL);
    strbuf_done(&sb);
}

/* ---- command palette ---------------------------------------------------------------- */

static const char *const extra_cmds[] = {"theme ", "region ", "console ", "q", "quit", "help",
                                         NULL};

static const char *complete_cmd(void *ctx, const char *text, size_t index)
{
    size_t i = 0, len = strlen(text);

    (void)ctx;
    for (const struct pane_def *p = pane_defs(); p->name != NULL; p++) {
        if (p->src == PANE_SRC_RULES)
            continue;
        if (strncmp(p->name, text, len) == 0 && i++ == index)
            return p->name;
    }
    for (size_t k = 0; extra_cmds[k] != NULL; k++) {
        if (strncmp(extra_cmds[k], text, len) == 0 && i++ == index)
            return extra_cmds[k];
    }
    return NULL;
}

static void run_command(struct dash *d, const char *line)
{
    char cmd[64] = "", arg[128] = "";
    const struct pane_def *p;

    if (sscanf(line, " %63s %127s", cmd, arg) < 1)
        return;
    if (strcmp(cmd, "q") == 0 || strcmp(cmd, "quit") == 0) {
        app_quit(d->app);
        return;
    }
    if (strcmp(cmd, "help") == 0) {
        open_help(d);
        return;
    }
    if (strcmp(cmd, "theme") == 0) {
        struct rt_error err = {0};
        struct theme *th = arg[0] ? theme_load(arg, &err) : NULL;
        if (th == NULL) {
            dash_message(d, 1, "%s", arg[0] ? err.msg : "usage: :theme NAME");
            return;
        }
        app_set_theme(d->app, th);
        theme_free(d->theme);
        d->theme = th;
        dash_message(d, 0, "theme %s", arg);
        return;
    }
    if (strcmp(cmd, "console") == 0) {
        console_command(d, arg);
        return;
    }
    if (strcmp(cmd, "region") == 0) {
        free(d->region);
        d->region = arg[0] && strcmp(arg, "all") != 0 ? xstrdup(arg) : NULL;
        d->region_gen++;
        for (int i = 0; i < d->depth; i++)
            view_rebuild(d->stack[i]);
        app_dirty(d->app);
        return;
    }
    p = pane_find(cmd);
    if (p != NULL && p->src != PANE_SRC_RULES) {
        set_root(d, p);
        return;
    }
    dash_message(d, 1, "unknown command ':%s' (? lists the commands)", cmd);
}

/* ---- set-up ------------------------------------------------------------------------- */

static int parse_wall_panes(struct dash *d)
{
    const char *list = d->o.panes != NULL ? d->o.panes : "instances,hosts,tasks,disks";
    char *copy = xstrdup(list), *save = NULL;

    d->nwall = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        const struct pane_def *p = pane_find(tok);
        if (p == NULL || p->src == PANE_SRC_RULES) {
            fprintf(stderr, "racktop: --panes: unknown pane '%s' (e.g. instances,hosts,tasks)\n",
                    tok);
            free(copy);
            return -1;
        }
        if (d->nwall < 8)
            d->wall_panes[d->nwall++] = p;
    }
    free(copy);
    if (d->nwall == 0) {
        fprintf(stderr, "racktop: --panes: no pane named\n");
        return -1;
    }
    return 0;
}

static void load_tasks(struct dash *d)
{
    struct task_rec *v = NULL;
    size_t n = 0;

    if (store_task_list(engine_store(d->e), 0, 200, &v, &n, NULL) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        res_list_push(&d->tasks, task_rec_resource(&v[i]));
        task_rec_done(&v[i]);
    }
    free(v);
    d->tasks_version++;
}

static struct theme *pick_theme(const struct dash_opts *o, const struct config *cfg,
                                struct rt_error *err)
{
    const char *name = o->theme != NULL ? o->theme : cfg->theme;
    struct theme *th = theme_load(name, err);

    return th;
}

int dashboard_main(const struct engine_opts *eo, const struct dash_opts *o)
{
    struct dash *d = xcalloc(1, sizeof *d);
    struct rt_error err = {0}, terr = {0};
    struct app_options ao = {0};
    int rc = 0;

    d->o = *o;
    res_list_init(&d->tasks);
    res_list_init(&d->audit);
    d->spark = hmap_new(free);
    d->clock_min = -1;
    if (o->wall && parse_wall_panes(d) < 0) {
        rc = 2;
        goto out;
    }
    d->e = engine_new(eo, &err);
    if (d->e == NULL) {
        fprintf(stderr, "racktop: %s\n", err.msg);
        rc = rt_err_exit_code(&err);
        goto out;
    }
    if (cli_secret_ask(d->e, &err) < 0) { /* before curses takes the terminal */
        fprintf(stderr, "racktop: %s\n", err.msg);
        rc = rt_err_exit_code(&err);
        goto out;
    }
    d->read_only = engine_read_only(d->e, NULL) || o->wall;
    d->theme = pick_theme(o, engine_config(d->e), &terr);
    rt_err_clear(&err);
    ao.ascii = o->ascii ? 1 : -1;
    ao.mouse = o->mouse;
    ao.max_frames = o->max_frames;
    d->f = fleet_new();
    /* The cached fleet is shown at once (marked stale) while the providers refresh. */
    if (fleet_load_cache(d->f, engine_store(d->e), (1u << RES_KIND__COUNT) - 1, &terr) < 0)
        fprintf(stderr, "racktop: cache: %s\n", terr.msg);
    d->np = engine_provider_count(d->e);
    d->pinfo = xcalloc(d->np, sizeof *d->pinfo);
    for (size_t i = 0; i < d->np; i++)
        engine_provider_info(d->e, i, &d->pinfo[i]);
    load_tasks(d);
    /* From here curses owns the terminal: diagnostics go to the log file only. */
    rt_log_init(NULL, 0);
    d->app = app_new(&ao, &err);
    if (d->app == NULL) {
        fprintf(stderr, "racktop: %s\n", err.msg);
        rc = 1;
        goto out;
    }
    d->ascii = app_ascii(d->app);
    if (d->theme == NULL)
        d->theme = app_color(d->app) ? theme_new_default() : theme_new_mono();
    app_set_theme(d->app, d->theme);
    d->sb = statusbar_new();
    if (terr.msg[0] != '\0')
        statusbar_message(d->sb, STATUSBAR_ERROR, 15000, "%s (using the default theme)", terr.msg);
    d->cmd = prompt_new(":");
    prompt_set_completer(d->cmd, complete_cmd, d);
    d->filt = prompt_new("/");
    d->consoles = consoles_new(d);
    app_push(d->app, &main_ops, d, APP_LAYER_OPAQUE);
    set_root(d, o->wall ? d->wall_panes[0] : pane_find("instances"));
    app_add_fd(d->app, engine_fd(d->e), POLLIN, on_engine, d);
    /* The providers start after the first frame: the cached fleet is on the screen at
     * once, and the first refresh does not compete with drawing it. */
    d->start_timer = app_add_timer(d->app, 1, start_engine, d);
    app_add_timer(d->app, 1000, on_tick, d);
    if (o->wall)
        app_add_timer(d->app, (int64_t)o->rotate_s * 1000, on_rotate, d);
    if (d->read_only && !o->wall)
        statusbar_message(d->sb, STATUSBAR_INFO, 6000, "read-only: actions are not offered");
    app_run(d->app);
out:
    consoles_free(d->consoles); /* before app_free: it unregisters its layers and fds */
    if (d->app != NULL)
        app_free(d->app);
    while (d->depth > 0)
        view_free(d->stack[--d->depth]);
    for (int i = 0; i < MAX_TILES; i++)
        view_free(d->tiles[i]);
    free(d->pane_bindings);
    statusbar_free(d->sb);
    prompt_free(d->cmd);
    prompt_free(d->filt);
    free(d->filter_before);
    free(d->pinfo);
    free(d->region);
    res_list_done(&d->tasks);
    res_list_done(&d->audit);
    hmap_free(d->spark);
    engine_free(d->e);
    fleet_free(d->f);
    theme_free(d->theme);
    free(d);
    return rc;
}
