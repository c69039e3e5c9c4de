/*
 * cli.c - the command-line mode.
 *
 * Each subcommand builds an engine (no timers: refreshes only on request),
 * loads the cached fleet, asks the providers for the kinds it needs, waits
 * for every provider's answer (bounded by the config's timeout), and prints.
 * Output goes to stdout; diagnostics, one line each, to stderr.  Strings from
 * backends are printed as data: JSON output escapes them; table and CSV
 * output replace control characters, so a hostile name cannot drive the
 * terminal.
 */
#include "cli.h"
#include "cli_secret.h"
#include "cli_ssh.h"
#include "cli_trust.h"

#include "core/audit.h"
#include "core/config.h"
#include "core/err.h"
#include "core/fleet.h"
#include "core/log.h"
#include "core/resjson.h"
#include "core/store.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "tui/filter.h"
#include "tui/sanitize.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum out_fmt { OUT_TABLE, OUT_JSON, OUT_CSV };

struct session {
    struct engine *e;
    struct fleet *f;
    int started;
    int failures;          /* providers that did not refresh */
    unsigned char *warned; /* per provider: its permanent warning went to stderr */
};

static const char usage_text[] =
    "usage: racktop [global options] <command> [args]\n"
    "\n"
    "commands:\n"
    "  list <kind> [-o table|json|csv] [--provider NAME] [--filter TEXT]\n"
    "  show <kind> <id-or-name> [-o table|json] [--provider NAME] [--lines N] [--no-detail]\n"
    "  do <action> <kind> <id-or-name> [key=value ...] [--yes] [--wait] [--provider NAME]\n"
    "  audit [-o table|json] [--verify] [--limit N]\n"
    "  info [-o table|json]\n"
    "  trust PROVIDER [BMC...] [--yes]   pin the TLS certificates of Redfish BMCs\n"
    "  ssh [-p PORT] [-J JUMP[,...]] [-i KEY] [--accept-new] [user@]HOST|INSTANCE [-- CMD]\n"
    "\n"
    "kinds: instances hosts volumes snapshots secgroups images flavors keypairs servergroups\n"
    "       regions zones tasks audit\n"
    "global options (before the command): --read-only --demo-seed N --demo-size N\n"
    "       --theme NAME --config FILE\n"
    "exit codes: 0 ok, 1 backend/action failed, 2 bad usage, 3 refused, 4 not found\n";

const char *cli_usage(void)
{
    return usage_text;
}

int cli_is_command(const char *w)
{
    static const char *const cmds[] = {"list", "show", "do", "audit", "info", "ssh", "trust"};

    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        if (strcmp(w, cmds[i]) == 0)
            return 1;
    }
    return 0;
}

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
    va_list ap;
    char msg[1024], clean[1024];

    /* Messages carry backend text (error bodies, names): never raw to the terminal. */
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sanitize_into(clean, sizeof clean, msg, 0);
    fprintf(stderr, "racktop: %s\n", clean);
    return code;
}

static int fail_err(const struct rt_error *err)
{
    return fail(rt_err_exit_code(err), "%s", err->msg[0] ? err->msg : "failed");
}

static int parse_fmt(const char *s, enum out_fmt *f, int allow_csv)
{
    if (strcmp(s, "table") == 0)
        *f = OUT_TABLE;
    else if (strcmp(s, "json") == 0)
        *f = OUT_JSON;
    else if (allow_csv && strcmp(s, "csv") == 0)
        *f = OUT_CSV;
    else
        return -1;
    return 0;
}

static int parse_kind(const char *s, int *k)
{
    *k = res_kind_from_name(s);
    if (*k < 0 || *k == RES_KIND_METRIC)
        return fail(2,
                    "unknown kind '%s' (expected instances, hosts, volumes, snapshots, secgroups, "
                    "images, flavors, keypairs, servergroups, regions, zones, events, ports, "
                    "floatingips, networks, tasks or audit)",
                    s);
    return 0;
}

/* ---- sessions ----------------------------------------------------------------------- */

static int session_open(struct session *s, const struct engine_opts *opts, struct rt_error *err)
{
    memset(s, 0, sizeof *s);
    s->e = engine_new(opts, err);
    if (s->e == NULL)
        return -1;
    s->f = fleet_new();
    return 0;
}

static void session_close(struct session *s)
{
    free(s->warned);
    /* Each command ends its process: the fleet's rows (10 000 servers are 250 000
     * allocations, ~5 ms to free one by one) are left to the kernel unless the build
     * checks for leaks (xalloc_must_free()).  The engine is still closed: it joins its
     * threads and the store. */
    if (xalloc_must_free())
        fleet_free(s->f);
    engine_free(s->e);
}

static int session_start(struct session *s, struct rt_error *err)
{
    if (s->started)
        return 0;
    if (cli_secret_ask(s->e, err) < 0)
        return -1;
    if (engine_start(s->e, err) < 0)
        return -1;
    s->started = 1;
    return 0;
}

/* A provider's permanent caveat (provider_set_warning: TLS verification off), once per
 * provider and command, on stderr. */
static void session_warn(struct session *s, size_t i, const struct provider_info *info)
{
    char clean[300];

    if (info->warning[0] == '\0')
        return;
    if (s->warned == NULL)
        s->warned = xcalloc(engine_provider_count(s->e), 1);
    if (i >= engine_provider_count(s->e) || s->warned[i])
        return;
    s->warned[i] = 1;
    sanitize_into(clean, sizeof clean, info->warning, 0);
    fprintf(stderr, "racktop: warning: provider '%s': %s\n", info->name, clean);
}

/*
 * The cache, read after the refresh and only where it did not deliver: a provider that
 * failed, did not answer in time, or is no longer configured shows its cached rows,
 * marked stale; one that answered "unchanged" shows them as current.  Reading every
 * cached row up front (as the dashboard does, to paint at once) cost a listing of
 * 10 000 servers ~20 ms of CPU for rows the refresh then replaced.
 */
static int session_load_cache(struct session *s, uint32_t kinds, const uint32_t *fresh,
                              const uint32_t *unchanged, struct rt_error *err)
{
    size_t np = engine_provider_count(s->e);
    struct provider_info *info = xcalloc(np + 1, sizeof *info);
    const char **skip = xcalloc(np + 1, sizeof *skip), **cur = xcalloc(np + 1, sizeof *cur);
    int rc = 0;

    for (size_t i = 0; i < np; i++)
        engine_provider_info(s->e, i, &info[i]);
    for (uint32_t m = kinds; m != 0 && rc == 0; m &= m - 1) {
        enum res_kind k = (enum res_kind)__builtin_ctz(m);
        size_t ns = 0, nc = 0;
        for (size_t i = 0; i < np; i++) {
            if (fresh[i] & RT_KIND_BIT(k))
                skip[ns++] = info[i].name;
            else if (unchanged[i] & RT_KIND_BIT(k))
                cur[nc++] = info[i].name;
        }
        skip[ns] = cur[nc] = NULL;
        rc = fleet_load_cache_except(s->f, engine_store(s->e), k, skip, cur, err);
    }
    free(info);
    free(skip);
    free(cur);
    return rc;
}

/* Wait for every provider to answer a refresh of `kinds`. Warns about failures. */
static int session_sync(struct session *s, uint32_t kinds, struct rt_error *err)
{
    size_t np = engine_provider_count(s->e);
    uint32_t *pending = xcalloc(np, sizeof *pending);
    uint32_t *fresh = xcalloc(np, sizeof *fresh); /* kinds whose fresh rows arrived */
    uint32_t *unchanged = xcalloc(np, sizeof *unchanged); /* kinds answered "unchanged" */
    int64_t deadline = rt_mono_ms() + engine_config(s->e)->timeout_s * 1000;
    size_t left = 0;
    int rc;

    if (session_start(s, err) < 0) {
        free(pending);
        free(fresh);
        free(unchanged);
        return -1;
    }
    for (size_t i = 0; i < np; i++) {
        pending[i] = kinds;
        for (uint32_t m = kinds; m; m &= m - 1)
            left++;
    }
    engine_refresh(s->e, NULL, kinds);
    while (left > 0) {
        struct pollfd pfd = {engine_fd(s->e), POLLIN, 0};
        struct engine_event *ev;
        int64_t now = rt_mono_ms();

        if (now >= deadline)
            break;
        if (poll(&pfd, 1, (int)(deadline - now)) < 0 && errno != EINTR)
            break;
        while ((ev = engine_next_event(s->e)) != NULL) {
            int pi = engine_provider_index(s->e, ev->provider);
            if ((ev->type == ENGINE_EV_SYNC || ev->type == ENGINE_EV_SYNC_FAILED) && pi >= 0 &&
                (pending[pi] & RT_KIND_BIT(ev->kind))) {
                pending[pi] &= ~RT_KIND_BIT(ev->kind);
                if (ev->type == ENGINE_EV_SYNC)
                    (ev->unchanged ? unchanged : fresh)[pi] |= RT_KIND_BIT(ev->kind);
                left--;
                if (ev->type == ENGINE_EV_SYNC_FAILED && ev->err.code != RT_ERR_UNSUPPORTED) {
                    char clean[300];
                    sanitize_into(clean, sizeof clean, ev->err.msg, 0);
                    fprintf(stderr, "racktop: warning: %s: %s (showing cached data)\n",
                            ev->provider, clean);
                    s->failures++;
                }
            }
            if (ev->type == ENGINE_EV_PROVIDER && pi >= 0)
                session_warn(s, (size_t)pi, &ev->info);
            if (ev->type == ENGINE_EV_PROVIDER && pi >= 0 && pending[pi] != 0) {
                /* The provider could not open (auth, config, unreachable): say why now
                 * rather than waiting out the timeout. */
                struct provider_info info;
                engine_provider_info(s->e, (size_t)pi, &info);
                if (info.state == PROV_STATE_UNREACHABLE) {
                    char clean[300];
                    sanitize_into(clean, sizeof clean, info.last_error, 0);
                    fprintf(stderr, "racktop: warning: %s (showing cached data)\n", clean);
                    for (uint32_t b = pending[pi]; b != 0; b &= b - 1)
                        left--;
                    pending[pi] = 0;
                    s->failures++;
                }
            }
            fleet_apply(s->f, ev);
            engine_event_free(ev);
        }
    }
    for (size_t i = 0; i < np; i++) {
        struct provider_info info;
        engine_provider_info(s->e, i, &info);
        session_warn(s, i, &info);
    }
    for (size_t i = 0; i < np && left > 0; i++) {
        if (pending[i] != 0) {
            struct provider_info info;
            engine_provider_info(s->e, i, &info);
            fprintf(stderr,
                    "racktop: warning: provider '%s' did not answer within %llds (showing cached "
                    "data)\n",
                    info.name, (long long)engine_config(s->e)->timeout_s);
            s->failures++;
        }
    }
    rc = session_load_cache(s, kinds, fresh, unchanged, err);
    free(pending);
    free(fresh);
    free(unchanged);
    return rc;
}

/* ---- output ------------------------------------------------------------------------- */

/* Per kind, the schema fields shown in table output (the JSON has them all). */
static const char *const *table_fields(enum res_kind k)
{
    static const char *const inst[] = {"type", "zone", "host", "flavor", "addresses", NULL};
    static const char *const host[] = {"type", "zone", "power", "health", "cpu_pct", "mem_pct",
                                       "temp_c", NULL};
    static const char *const vol[] = {"size_gb", "attached_to", "bootable", "zone", NULL};
    static const char *const snap[] = {"source", "size_gb", "created_at", NULL};
    static const char *const sg[] = {"region", "rules", "description", NULL};
    static const char *const img[] = {"os_distro", "size_gb", "visibility", NULL};
    static const char *const flv[] = {"type", "vcpus", "ram_mb", "disk_gb", NULL};
    static const char *const kp[] = {"fingerprint", NULL};
    static const char *const sgp[] = {"policy", "members", NULL};
    static const char *const task[] = {"action", "target_kind", "target_name", "progress",
                                       "message", NULL};
    static const char *const audit[] = {"seq", "ts", "user", "action", "target", "result", NULL};
    static const char *const zone[] = {"region", "available", NULL};
    static const char *const event[] = {"created_at", "severity", "host", "source", "message",
                                        NULL};
    static const char *const port[] = {"device_owner", "instance", "fixed_ips", "mac", NULL};
    static const char *const fip[] = {"fixed_ip_address", "instance", "floating_network_id",
                                      NULL};
    static const char *const net[] = {"external", "shared", "subnets", "mtu", NULL};
    static const char *const none[] = {NULL};

    switch (k) {
    case RES_KIND_INSTANCE: return inst;
    case RES_KIND_HOST: return host;
    case RES_KIND_VOLUME: return vol;
    case RES_KIND_SNAPSHOT: return snap;
    case RES_KIND_SECGROUP: return sg;
    case RES_KIND_IMAGE: return img;
    case RES_KIND_FLAVOR: return flv;
    case RES_KIND_KEYPAIR: return kp;
    case RES_KIND_SERVERGROUP: return sgp;
    case RES_KIND_TASK: return task;
    case RES_KIND_AUDIT: return audit;
    case RES_KIND_ZONE: return zone;
    case RES_KIND_NETWORK: return net;
    case RES_KIND_EVENT: return event;
    case RES_KIND_PORT: return port;
    case RES_KIND_FLOATINGIP: return fip;
    default: return none;
    }
}

/* Cell text for filters and tables: columns provider, id, name, status, then schema. */
struct cell_ctx {
    const struct resource *const *rows;
};

static const char *row_cell(void *vctx, size_t row, int col, char *scratch, size_t len)
{
    struct cell_ctx *c = vctx;
    const struct resource *r = c->rows[row];

    switch (col) {
    case 0: return r->provider;
    case 1: return r->id;
    case 2: return r->name;
    case 3: return res_status_name(r->status);
    default: return res_field_display(r, col - 4, scratch, len);
    }
}

static void column_names(enum res_kind k, const char ***ids, const char ***titles, int *n)
{
    size_t nf;
    const struct field_def *defs = res_schema(k, &nf);
    static const char *const fixed_ids[] = {"provider", "id", "name", "status"};
    static const char *const fixed_titles[] = {"PROVIDER", "ID", "NAME", "STATUS"};

    *n = (int)(4 + nf);
    *ids = xcalloc((size_t)*n, sizeof **ids);
    *titles = xcalloc((size_t)*n, sizeof **titles);
    for (int i = 0; i < 4; i++) {
        (*ids)[i] = fixed_ids[i];
        (*titles)[i] = fixed_titles[i];
    }
    for (size_t i = 0; i < nf; i++) {
        (*ids)[4 + i] = defs[i].name;
        (*titles)[4 + i] = defs[i].title;
    }
}

static void print_json_rows(const struct resource *const *rows, size_t n, struct session *s)
{
    struct strbuf sb = STRBUF_INIT;
    const char *last = NULL; /* rows come grouped by provider: one staleness look-up each */
    int stale = -1;

    strbuf_addc(&sb, '[');
    for (size_t i = 0; i < n; i++) {
        strbuf_adds(&sb, i == 0 ? "\n" : ",\n");
        if (s != NULL && (last == NULL || strcmp(last, rows[i]->provider) != 0)) {
            last = rows[i]->provider;
            stale = fleet_is_stale(s->f, rows[i]->kind, last);
        }
        res_json_write(&sb, rows[i], stale);
        if (sb.len > 65536) {
            fwrite(sb.buf, 1, sb.len, stdout);
            strbuf_reset(&sb);
        }
    }
    strbuf_adds(&sb, n > 0 ? "\n]\n" : "]\n");
    fwrite(sb.buf, 1, sb.len, stdout);
    strbuf_done(&sb);
}

static void csv_field(struct strbuf *sb, const char *v)
{
    char *clean = sanitize_dup(v != NULL ? v : "", 0);
    int quote = strpbrk(clean, ",\"\n\r") != NULL;

    if (quote)
        strbuf_addc(sb, '"');
    for (const char *c = clean; *c; c++) {
        if (*c == '"')
            strbuf_addc(sb, '"');
        strbuf_addc(sb, *c);
    }
    if (quote)
        strbuf_addc(sb, '"');
    free(clean);
}

static void print_csv_rows(const struct resource *const *rows, size_t n, enum res_kind k)
{
    size_t nf;
    const struct field_def *defs = res_schema(k, &nf);
    struct strbuf sb = STRBUF_INIT;
    char scratch[1024];

    strbuf_adds(&sb, "provider,kind,id,name,status,raw_status");
    for (size_t i = 0; i < nf; i++)
        strbuf_addf(&sb, ",%s", defs[i].name);
    strbuf_addc(&sb, '\n');
    for (size_t r = 0; r < n; r++) {
        const struct resource *res = rows[r];
        csv_field(&sb, res->provider);
        strbuf_addc(&sb, ',');
        csv_field(&sb, res_kind_name(k));
        strbuf_addc(&sb, ',');
        csv_field(&sb, res->id);
        strbuf_addc(&sb, ',');
        csv_field(&sb, res->name);
        strbuf_addc(&sb, ',');
        csv_field(&sb, res_status_name(res->status));
        strbuf_addc(&sb, ',');
        csv_field(&sb, res->raw_status);
        for (size_t i = 0; i < nf; i++) {
            strbuf_addc(&sb, ',');
            csv_field(&sb, res_field_display(res, (int)i, scratch, sizeof scratch));
        }
        strbuf_addc(&sb, '\n');
        if (sb.len > 65536) {
            fwrite(sb.buf, 1, sb.len, stdout);
            strbuf_reset(&sb);
        }
    }
    if (sb.len > 0)
        fwrite(sb.buf, 1, sb.len, stdout);
    strbuf_done(&sb);
}

static void print_table_rows(const struct resource *const *rows, size_t n, enum res_kind k,
                             struct session *s)
{
    const char *const *fields = table_fields(k);
    int cols[16], ncols = 0, widths[16];
    const char *titles[16];
    size_t nf;
    const struct field_def *defs = res_schema(k, &nf);
    char scratch[512], clean[512];

    /* provider, name, id, status, then the kind's fields */
    titles[ncols] = "PROVIDER", cols[ncols++] = 0;
    titles[ncols] = "NAME", cols[ncols++] = 2;
    titles[ncols] = "ID", cols[ncols++] = 1;
    titles[ncols] = "STATUS", cols[ncols++] = 3;
    for (size_t i = 0; fields[i] != NULL && ncols < 16; i++) {
        int idx = res_field_index(k, fields[i]);
        if (idx >= 0) {
            titles[ncols] = defs[idx].title;
            cols[ncols++] = 4 + idx;
        }
    }
    for (int c = 0; c < ncols; c++)
        widths[c] = (int)strlen(titles[c]);
    struct cell_ctx ctx = {rows};
    for (size_t r = 0; r < n; r++) {
        for (int c = 0; c < ncols; c++) {
            const char *v = row_cell(&ctx, r, cols[c], scratch, sizeof scratch);
            int w;
            sanitize_into(clean, sizeof clean, v != NULL ? v : "", 0);
            w = sanitize_width(clean);
            if (c == 3 && s != NULL && fleet_is_stale(s->f, k, rows[r]->provider))
                w += 1;
            if (w > 40)
                w = 40;
            if (w > widths[c])
                widths[c] = w;
        }
    }
    for (int c = 0; c < ncols; c++) {
        if (c + 1 < ncols)
            printf("%-*s  ", widths[c], titles[c]);
        else
            printf("%s\n", titles[c]);
    }
    for (size_t r = 0; r < n; r++) {
        for (int c = 0; c < ncols; c++) {
            const char *v = row_cell(&ctx, r, cols[c], scratch, sizeof scratch);
            char cell[512];
            int w;
            sanitize_into(clean, sizeof clean, v != NULL ? v : "", 0);
            if (c == 3 && s != NULL && fleet_is_stale(s->f, k, rows[r]->provider))
                strncat(clean, "*", sizeof clean - strlen(clean) - 1);
            sanitize_truncate(cell, sizeof cell, clean, widths[c], 0);
            w = sanitize_width(cell);
            fputs(cell, stdout);
            if (c + 1 < ncols)
                printf("%*s", widths[c] - w + 2, "");
        }
        fputc('\n', stdout);
    }
}

static void print_rows(const struct resource *const *rows, size_t n, enum res_kind k,
                       enum out_fmt fmt, struct session *s)
{
    if (fmt == OUT_JSON)
        print_json_rows(rows, n, s);
    else if (fmt == OUT_CSV)
        print_csv_rows(rows, n, k);
    else
        print_table_rows(rows, n, k, s);
    fflush(stdout);
}

static int load_store_kind(struct session *s, enum res_kind k, struct res_list *out,
                           struct rt_error *err)
{
    if (k == RES_KIND_AUDIT)
        return audit_list(engine_store(s->e), 0, out, err);
    if (k == RES_KIND_TASK) {
        struct task_rec *v = NULL;
        size_t n = 0;
        if (store_task_list(engine_store(s->e), 0, 0, &v, &n, err) < 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            res_list_push(out, task_rec_resource(&v[i]));
            task_rec_done(&v[i]);
        }
        free(v);
    }
    return 0;
}

/* ---- list --------------------------------------------------------------------------- */

static int cmd_list(const struct engine_opts *opts, int argc, char **argv)
{
    static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
                                             {"provider", required_argument, NULL, 'p'},
                                             {"filter", required_argument, NULL, 'f'},
                                             {NULL, 0, NULL, 0}};
    enum out_fmt fmt = OUT_TABLE;
    const char *provider = NULL, *filter_text = NULL;
    struct engine_opts eo = *opts;
    struct session s;
    struct rt_error err = {0};
    struct res_list store_rows;
    struct filter *flt = NULL;
    const struct resource **rows = NULL;
    size_t nrows = 0, cap = 0;
    const char **ids = NULL, **titles = NULL;
    int ncols = 0, k, c, rc = 0;

    optind = 0; /* 0: glibc re-initialises its scan state (ordering mode) */
    while ((c = getopt_long(argc, argv, "o:p:f:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            if (parse_fmt(optarg, &fmt, 1) < 0)
                return fail(2, "unknown output format '%s' (expected table, json or csv)", optarg);
            break;
        case 'p': provider = optarg; break;
        case 'f': filter_text = optarg; break;
        default: return fail(2, "usage: racktop list <kind> [-o table|json|csv] [--provider NAME] [--filter TEXT]");
        }
    }
    if (optind >= argc)
        return fail(2, "list: which kind? (instances, hosts, volumes, ...)");
    if (parse_kind(argv[optind], &k) != 0)
        return 2;
    if (optind + 1 < argc)
        return fail(2, "list: unexpected argument '%s'", argv[optind + 1]);
    column_names((enum res_kind)k, &ids, &titles, &ncols);
    if (filter_text != NULL) {
        flt = filter_parse(filter_text, ids, titles, ncols, &err);
        if (flt == NULL) {
            free(ids);
            free(titles);
            return fail(2, "bad filter: %s", err.msg);
        }
    }
    eo.list_once = 1; /* one refresh, then the process ends */
    if (session_open(&s, &eo, &err) < 0) {
        filter_free(flt);
        free(ids);
        free(titles);
        return fail_err(&err);
    }
    if (provider != NULL && engine_provider_index(s.e, provider) < 0) {
        rc = fail(4, "no provider '%s' (see 'racktop info')", provider);
        goto out;
    }
    res_list_init(&store_rows);
    if (k == RES_KIND_TASK || k == RES_KIND_AUDIT) {
        if (load_store_kind(&s, (enum res_kind)k, &store_rows, &err) < 0) {
            rc = fail_err(&err);
            goto out;
        }
        for (size_t i = 0; i < store_rows.len; i++) {
            rows = xgrow(rows, &cap, nrows + 1, sizeof *rows);
            rows[nrows++] = store_rows.items[i];
        }
    } else {
        if (session_sync(&s, RT_KIND_BIT(k), &err) < 0) {
            rc = fail_err(&err);
            goto out;
        }
        /* The refresh is all this command needs of the providers: let them close (their
         * connections; their caches are left to the kernel, xalloc_must_free()) while
         * the rows are printed. */
        engine_stop(s.e);
        for (size_t i = 0; i < fleet_count(s.f, (enum res_kind)k); i++) {
            rows = xgrow(rows, &cap, nrows + 1, sizeof *rows);
            rows[nrows++] = fleet_at(s.f, (enum res_kind)k, i);
        }
    }
    {
        size_t j = 0;
        struct cell_ctx ctx = {(const struct resource *const *)rows};
        for (size_t i = 0; i < nrows; i++) {
            if (provider != NULL && strcmp(rows[i]->provider, provider) != 0)
                continue;
            if (flt != NULL && !filter_match(flt, row_cell, &ctx, i))
                continue;
            rows[j++] = rows[i];
        }
        nrows = j;
    }
    print_rows((const struct resource *const *)rows, nrows, (enum res_kind)k, fmt, &s);
    if (s.failures > 0)
        rc = 1;
    res_list_done(&store_rows);
out:
    free(rows);
    filter_free(flt);
    free(ids);
    free(titles);
    session_close(&s);
    return rc;
}

/* ---- show --------------------------------------------------------------------------- */

#define SHOW_USAGE                                                                         \
    "usage: racktop show <kind> <id-or-name> [-o table|json] [--provider NAME] [--lines N] " \
    "[--no-detail]"

/*
 * The provider's on-demand detail of one resource (history, console output: provider_ops
 * .detail), fetched on its worker thread; waits for the answer up to the timeout.  Other
 * events are dropped (the caller holds pointers into the fleet).  0 with `out` filled (or
 * left empty when the provider has no detail), -1 with err.
 */
static int session_detail(struct session *s, const char *provider, enum res_kind k,
                          const char *id, int lines, struct res_detail *out,
                          struct rt_error *err)
{
    int64_t deadline = rt_mono_ms() + engine_config(s->e)->timeout_s * 1000;
    struct rt_error e2 = {0};

    if (engine_detail(s->e, provider, k, id, lines, &e2) < 0)
        return e2.code == RT_ERR_UNSUPPORTED ? 0 : (rt_err_copy(err, &e2), -1);
    for (;;) {
        struct pollfd pfd = {engine_fd(s->e), POLLIN, 0};
        struct engine_event *ev;
        int64_t now = rt_mono_ms();

        if (now >= deadline)
            return rt_err_set(err, RT_ERR_TRANSPORT, 0, "provider '%s' did not send the detail "
                              "of '%s' within %llds", provider, id,
                              (long long)engine_config(s->e)->timeout_s);
        if (poll(&pfd, 1, (int)(deadline - now)) < 0 && errno != EINTR)
            return rt_err_set(err, RT_ERR_INTERNAL, errno, "poll: %s", strerror(errno));
        while ((ev = engine_next_event(s->e)) != NULL) {
            if (ev->type == ENGINE_EV_DETAIL && ev->kind == k && ev->id != NULL &&
                strcmp(ev->provider, provider) == 0 && strcmp(ev->id, id) == 0) {
                int rc = 0;
                if (ev->err.code != RT_OK) {
                    rt_err_copy(err, &ev->err);
                    rc = -1;
                } else {
                    *out = ev->detail;
                    memset(&ev->detail, 0, sizeof ev->detail);
                }
                engine_event_free(ev);
                return rc;
            }
            engine_event_free(ev);
        }
    }
}

static int cmd_show(const struct engine_opts *opts, int argc, char **argv)
{
    static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
                                             {"provider", required_argument, NULL, 'p'},
                                             {"lines", required_argument, NULL, 'n'},
                                             {"no-detail", no_argument, NULL, 'N'},
                                             {NULL, 0, NULL, 0}};
    enum out_fmt fmt = OUT_TABLE;
    const char *provider = NULL;
    struct session s;
    struct rt_error err = {0};
    const struct resource *r;
    struct res_list store_rows;
    struct res_detail detail = {0};
    char *raw = NULL, *detail_err = NULL;
    int k, c, rc = 0, want_detail = 1;
    long long lines = 0;

    optind = 0; /* 0: glibc re-initialises its scan state (ordering mode) */
    while ((c = getopt_long(argc, argv, "o:p:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            if (parse_fmt(optarg, &fmt, 0) < 0)
                return fail(2, "unknown output format '%s' (expected table or json)", optarg);
            break;
        case 'p': provider = optarg; break;
        case 'n':
            if (rt_parse_int(optarg, &lines) < 0 || lines < 1 || lines > 10000)
                return fail(2, "--lines must be a whole number from 1 to 10000 (got '%s')", optarg);
            break;
        case 'N': want_detail = 0; break;
        default: return fail(2, SHOW_USAGE);
        }
    }
    if (argc - optind != 2)
        return fail(2, SHOW_USAGE);
    if (parse_kind(argv[optind], &k) != 0)
        return 2;
    if (session_open(&s, opts, &err) < 0)
        return fail_err(&err);
    res_list_init(&store_rows);
    if (k == RES_KIND_TASK || k == RES_KIND_AUDIT) {
        if (load_store_kind(&s, (enum res_kind)k, &store_rows, &err) < 0) {
            rc = fail_err(&err);
            goto out;
        }
        r = NULL;
        for (size_t i = 0; i < store_rows.len && r == NULL; i++) {
            if (strcmp(store_rows.items[i]->id, argv[optind + 1]) == 0)
                r = store_rows.items[i];
        }
        if (r == NULL) {
            rc = fail(4, "no %s '%s'", res_kind_name((enum res_kind)k), argv[optind + 1]);
            goto out;
        }
    } else {
        if (session_sync(&s, RT_KIND_BIT(k), &err) < 0) {
            rc = fail_err(&err);
            goto out;
        }
        r = fleet_lookup(s.f, (enum res_kind)k, provider, argv[optind + 1], &err);
        if (r == NULL) {
            rc = fail_err(&err);
            goto out;
        }
        raw = store_get_raw(engine_store(s.e), r->provider, r->kind, r->id, NULL);
        if (want_detail) {
            struct rt_error derr = {0};
            if (session_detail(&s, r->provider, r->kind, r->id, (int)lines, &detail, &derr) < 0)
                detail_err = xstrdup(derr.msg);
        }
    }
    if (fmt == OUT_JSON) {
        json_t *o = res_to_json(r, fleet_is_stale(s.f, r->kind, r->provider));
        json_t *rawj = raw != NULL ? json_loads(raw, 0, NULL) : NULL;
        char *txt;
        json_object_set_new(o, "raw", rawj != NULL ? rawj : json_null());
        if (detail.len > 0 || detail_err != NULL) {
            json_t *arr = json_array();
            for (size_t i = 0; i < detail.len; i++)
                json_array_append_new(arr, json_pack("{s:s,s:s}", "title", detail.items[i].title,
                                                     "text", detail.items[i].text));
            if (detail_err != NULL)
                json_array_append_new(arr, json_pack("{s:s,s:s}", "title", "error", "text",
                                                     detail_err));
            json_object_set_new(o, "detail", arr);
        }
        txt = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(txt != NULL ? txt : "{}");
        free(txt);
        json_decref(o);
    } else {
        size_t nf;
        const struct field_def *defs = res_schema(r->kind, &nf);
        char scratch[1024], clean[1024];
#define LINE(k_, v_)                                                                           \
    do {                                                                                       \
        sanitize_into(clean, sizeof clean, (v_) != NULL ? (v_) : "-", 0);                     \
        printf("%-16s %s\n", k_, clean);                                                      \
    } while (0)
        LINE("provider", r->provider);
        LINE("kind", res_kind_name(r->kind));
        LINE("id", r->id);
        LINE("name", r->name);
        snprintf(scratch, sizeof scratch, "%s (%s)%s", res_status_name(r->status),
                 r->raw_status != NULL ? r->raw_status : "-",
                 fleet_is_stale(s.f, r->kind, r->provider) ? " [stale: cached]" : "");
        LINE("status", scratch);
        for (size_t i = 0; i < nf; i++) {
            /* Lists of parts (processors, drives, ...) give one line each. */
            struct strbuf fv = STRBUF_INIT;
            char *line, *nl;
            if (res_field_describe(r, (int)i, &fv) == 0)
                LINE(defs[i].name, NULL);
            for (line = fv.buf; line != NULL && fv.len > 0; line = nl != NULL ? nl + 1 : NULL) {
                nl = strchr(line, '\n');
                if (nl != NULL)
                    *nl = '\0';
                LINE(line == fv.buf ? defs[i].name : "", line);
            }
            strbuf_done(&fv);
        }
#undef LINE
        if (detail_err != NULL) {
            sanitize_into(clean, sizeof clean, detail_err, 0);
            printf("detail:          %s\n", clean);
        }
        for (size_t i = 0; i < detail.len; i++) {
            /* Backend text (a console log): line by line through the sanitizer. */
            char *dup = xstrdup(detail.items[i].text);
            sanitize_into(clean, sizeof clean, detail.items[i].title, 0);
            printf("%s:\n", clean);
            for (char *line = dup, *nl; line != NULL && *line; line = nl != NULL ? nl + 1 : NULL) {
                nl = strchr(line, '\n');
                if (nl != NULL)
                    *nl = '\0';
                sanitize_into(clean, sizeof clean, line, 0);
                printf("  %s\n", clean);
            }
            free(dup);
        }
        if (raw != NULL) {
            json_t *rawj = json_loads(raw, 0, NULL);
            char *txt = rawj != NULL ? json_dumps(rawj, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
                                     : NULL;
            /* Line by line: the sanitizer drops newlines, and each line is made safe. */
            printf("raw:\n");
            for (char *line = txt != NULL ? txt : raw, *nl; line != NULL && *line;
                 line = nl != NULL ? nl + 1 : NULL) {
                nl = strchr(line, '\n');
                if (nl != NULL)
                    *nl = '\0';
                sanitize_into(clean, sizeof clean, line, 0);
                printf("  %s\n", clean);
            }
            free(txt);
            json_decref(rawj);
        }
    }
    if (s.failures > 0)
        rc = 1;
out:
    free(raw);
    free(detail_err);
    res_detail_done(&detail);
    res_list_done(&store_rows);
    session_close(&s);
    return rc;
}

/* ---- do ----------------------------------------------------------------------------- */

static void progress_line(const struct task_rec *t, int tty)
{
    char bar[32];
    int p = t->progress < 0 ? 0 : t->progress > 100 ? 100 : t->progress;
    int fill = p * 20 / 100;
    char msg[200];

    if (!tty)
        return;
    for (int i = 0; i < 20; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[20] = '\0';
    sanitize_into(msg, sizeof msg, t->message != NULL ? t->message : "", 0);
    fprintf(stderr, "\r\033[K[%s] %3d%% %.60s", bar, p, msg);
    fflush(stderr);
}

static int confirm_destructive(const struct action_def *a, const char *name)
{
    char line[512];
    char clean[256];

    if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
        return 0;
    sanitize_into(clean, sizeof clean, name, 0);
    fprintf(stderr, "'%s' is destructive. Type the name '%s' to confirm: ", a->verb, clean);
    fflush(stderr);
    if (fgets(line, sizeof line, stdin) == NULL)
        return 0;
    line[strcspn(line, "\r\n")] = '\0';
    return strcmp(line, name) == 0;
}

static int cmd_do(const struct engine_opts *opts, int argc, char **argv)
{
    static const struct option longopts[] = {{"yes", no_argument, NULL, 'y'},
                                             {"wait", no_argument, NULL, 'w'},
                                             {"provider", required_argument, NULL, 'p'},
                                             {"timeout", required_argument, NULL, 't'},
                                             {NULL, 0, NULL, 0}};
    const char *provider = NULL;
    int yes = 0, wait = 0, k, c, rc = 0, tty = isatty(STDERR_FILENO);
    int64_t wait_timeout_s = 3600;
    const struct action_def *a;
    struct params params = {0};
    struct session s;
    struct rt_error err = {0};
    const char *target_id, *target_name, *prov_name;
    char *task_id = NULL, *chosen = NULL;
    const struct resource *r = NULL;
    char **pos = xcalloc((size_t)argc + 1, sizeof *pos);
    int npos = 0;

    /* Options may come anywhere after the action (key=value words are positional). */
    optind = 0; /* 0: glibc re-initialises its scan state (ordering mode) */
    while (optind < argc) {
        c = getopt_long(argc, argv, "-ywp:t:", longopts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 1: pos[npos++] = optarg; break;
        case 'y': yes = 1; break;
        case 'w': wait = 1; break;
        case 'p': provider = optarg; break;
        case 't':
            wait_timeout_s = rt_parse_duration(optarg);
            if (wait_timeout_s <= 0) {
                free(pos);
                return fail(2, "--timeout must be a duration like 90s or 10m (got '%s')", optarg);
            }
            break;
        default:
            free(pos);
            return fail(2, "usage: racktop do <action> <kind> <id-or-name> [key=value ...] [--yes] [--wait]");
        }
    }
    while (optind < argc)
        pos[npos++] = argv[optind++];
    if (npos < 3) {
        free(pos);
        return fail(2, "usage: racktop do <action> <kind> <id-or-name> [key=value ...] [--yes] [--wait]");
    }
    if (parse_kind(pos[1], &k) != 0) {
        free(pos);
        return 2;
    }
    a = action_find((enum res_kind)k, pos[0]);
    if (a == NULL) {
        rc = action_verb_known(pos[0])
                 ? fail(2, "action '%s' does not apply to %s", pos[0],
                        res_kind_plural((enum res_kind)k))
                 : fail(2, "unknown action '%s' (see docs/CLI.md for the verbs of each kind)",
                        pos[0]);
        free(pos);
        return rc;
    }
    for (int i = 3; i < npos; i++) {
        if (params_parse_kv(&params, pos[i], &err) < 0) {
            free(pos);
            params_done(&params);
            return fail_err(&err);
        }
    }
    if (action_validate(a, &params, &err) < 0) {
        free(pos);
        params_done(&params);
        return fail_err(&err);
    }
    if (session_open(&s, opts, &err) < 0) {
        free(pos);
        params_done(&params);
        return fail_err(&err);
    }
    if (provider != NULL && engine_provider_index(s.e, provider) < 0) {
        rc = fail(4, "no provider '%s' (see 'racktop info')", provider);
        goto out;
    }
    if (engine_read_only(s.e, provider)) {
        rc = fail(3, "refused: '%s' changes things and racktop is read-only", a->verb);
        goto out;
    }
    /* Refresh the kind first: the providers are then open and their capabilities known. */
    if (session_sync(&s, RT_KIND_BIT(k), &err) < 0) {
        rc = fail_err(&err);
        goto out;
    }
    if (a->flags & ACTION_CREATES) {
        size_t np = engine_provider_count(s.e);
        target_id = target_name = pos[2];
        prov_name = provider;
        if (prov_name == NULL) {
            struct provider_info info;
            int found = -1, many = 0;
            for (size_t i = 0; i < np; i++) {
                engine_provider_info(s.e, i, &info);
                if (info.actions >> action_index(a) & 1) {
                    many += found >= 0;
                    if (found < 0)
                        found = (int)i;
                }
            }
            if (found < 0) {
                rc = fail(1, "no provider supports '%s' on %s", a->verb, res_kind_plural(a->kind));
                goto out;
            }
            if (many > 0) {
                rc = fail(2, "several providers can '%s' %s; choose one with --provider", a->verb,
                          res_kind_plural(a->kind));
                goto out;
            }
            engine_provider_info(s.e, (size_t)found, &info);
            chosen = xstrdup(info.name);
            prov_name = chosen;
        }
    } else {
        r = fleet_lookup(s.f, (enum res_kind)k, provider, pos[2], &err);
        if (r == NULL) {
            rc = fail_err(&err);
            goto out;
        }
        target_id = r->id;
        target_name = r->name;
        prov_name = r->provider;
    }
    if ((a->flags & ACTION_DESTRUCTIVE) && !yes && !confirm_destructive(a, target_name)) {
        char clean[256];
        sanitize_into(clean, sizeof clean, target_name, 0);
        rc = fail(3, "refused: '%s' on %s '%s' is destructive; add --yes to confirm", a->verb,
                  res_kind_name(a->kind), clean);
        goto out;
    }
    if (engine_act(s.e, prov_name, a, target_id, target_name, &params, &task_id, &err) < 0) {
        rc = fail_err(&err);
        goto out;
    }
    {
        int64_t accept_deadline = rt_mono_ms() + engine_config(s.e)->timeout_s * 1000;
        int64_t done_deadline = rt_mono_ms() + wait_timeout_s * 1000;
        int accepted = 0, finished = 0;
        struct task_rec last = {0};

        while (!finished) {
            struct pollfd pfd = {engine_fd(s.e), POLLIN, 0};
            struct engine_event *ev;
            int64_t now = rt_mono_ms(), deadline = accepted ? done_deadline : accept_deadline;
            if (now >= deadline) {
                if (tty && wait)
                    fputc('\n', stderr);
                rc = fail(1, "task %s: %s", task_id,
                          accepted ? "still running after --timeout; it goes on in the backend"
                                   : "the provider did not accept the request in time");
                break;
            }
            if (poll(&pfd, 1, (int)(deadline - now)) < 0 && errno != EINTR)
                break;
            while ((ev = engine_next_event(s.e)) != NULL) {
                if (ev->type == ENGINE_EV_TASK && strcmp(ev->task.id, task_id) == 0) {
                    task_rec_done(&last);
                    last = ev->task;
                    memset(&ev->task, 0, sizeof ev->task);
                    if (last.state != TASK_PENDING)
                        accepted = 1;
                    if (last.state == TASK_SUCCEEDED || last.state == TASK_FAILED ||
                        last.state == TASK_INTERRUPTED)
                        finished = 1;
                    else if (wait)
                        progress_line(&last, tty);
                }
                engine_event_free(ev);
            }
            if (accepted && !wait && !finished) {
                printf("task %s running: %s %s '%s'\n", task_id, a->verb, res_kind_name(a->kind),
                       target_name);
                break;
            }
        }
        if (finished) {
            char msg[300];
            if (tty && wait)
                fputs("\r\033[K", stderr);
            sanitize_into(msg, sizeof msg, last.message != NULL ? last.message : "", 0);
            if (last.state == TASK_SUCCEEDED) {
                printf("task %s succeeded: %s %s '%s'%s%s\n", task_id, a->verb,
                       res_kind_name(a->kind), target_name, msg[0] ? ": " : "", msg);
            } else {
                rc = fail(1, "task %s %s: %s", task_id, task_state_name(last.state), msg);
            }
        }
        task_rec_done(&last);
    }
out:
    free(chosen);
    free(task_id);
    free(pos);
    params_done(&params);
    session_close(&s);
    return rc;
}

/* ---- audit, info -------------------------------------------------------------------- */

static int cmd_audit(const struct engine_opts *opts, int argc, char **argv)
{
    static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
                                             {"verify", no_argument, NULL, 'v'},
                                             {"limit", required_argument, NULL, 'n'},
                                             {NULL, 0, NULL, 0}};
    enum out_fmt fmt = OUT_TABLE;
    int verify = 0, c, rc = 0;
    long long limit = 0;
    struct session s;
    struct rt_error err = {0};
    struct res_list rows;

    optind = 0; /* 0: glibc re-initialises its scan state (ordering mode) */
    while ((c = getopt_long(argc, argv, "o:vn:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            if (parse_fmt(optarg, &fmt, 1) < 0)
                return fail(2, "unknown output format '%s' (expected table, json or csv)", optarg);
            break;
        case 'v': verify = 1; break;
        case 'n':
            if (rt_parse_int(optarg, &limit) < 0 || limit < 0)
                return fail(2, "--limit must be a number (got '%s')", optarg);
            break;
        default: return fail(2, "usage: racktop audit [-o table|json|csv] [--verify] [--limit N]");
        }
    }
    if (optind < argc)
        return fail(2, "audit: unexpected argument '%s'", argv[optind]);
    if (session_open(&s, opts, &err) < 0)
        return fail_err(&err);
    if (verify) {
        int64_t bad = 0, count = 0;
        if (audit_verify(engine_store(s.e), &bad, &count, &err) < 0) {
            rc = fail(1, "%s", err.msg);
        } else {
            printf("audit log intact: %lld row(s), hash chain verified\n", (long long)count);
        }
        session_close(&s);
        return rc;
    }
    res_list_init(&rows);
    if (audit_list(engine_store(s.e), (size_t)limit, &rows, &err) < 0) {
        rc = fail_err(&err);
    } else {
        /* Oldest first reads naturally in a terminal and in JSON. */
        for (size_t i = 0; i < rows.len / 2; i++) {
            struct resource *t = rows.items[i];
            rows.items[i] = rows.items[rows.len - 1 - i];
            rows.items[rows.len - 1 - i] = t;
        }
        print_rows((const struct resource *const *)rows.items, rows.len, RES_KIND_AUDIT, fmt,
                   NULL);
    }
    res_list_done(&rows);
    session_close(&s);
    return rc;
}

static int cmd_info(const struct engine_opts *opts, int argc, char **argv)
{
    enum out_fmt fmt = OUT_TABLE;
    struct session s;
    struct rt_error err = {0};
    const struct config *cfg;
    char *cfg_default = config_default_path();
    char *state_dir = rt_xdg_dir("STATE");
    json_t *o, *provs;
    int c;
    static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
                                             {NULL, 0, NULL, 0}};

    optind = 0; /* 0: glibc re-initialises its scan state (ordering mode) */
    while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
        if (c != 'o' || parse_fmt(optarg, &fmt, 0) < 0) {
            free(cfg_default);
            free(state_dir);
            return fail(2, "usage: racktop info [-o table|json]");
        }
    }
    if (session_open(&s, opts, &err) < 0) {
        free(cfg_default);
        free(state_dir);
        return fail_err(&err);
    }
    cfg = engine_config(s.e);
    o = json_object();
    json_object_set_new(o, "version", json_string(RACKTOP_VERSION));
    json_object_set_new(o, "config",
                        json_string(cfg->path != NULL ? cfg->path
                                                      : opts->config_path != NULL
                                                            ? opts->config_path
                                                            : cfg_default));
    json_object_set_new(o, "config_exists", json_boolean(cfg->file_exists));
    json_object_set_new(o, "state_dir", json_string(state_dir));
    json_object_set_new(o, "store", json_string(store_path(engine_store(s.e))));
    json_object_set_new(o, "theme", json_string(cfg->theme));
    json_object_set_new(o, "read_only", json_boolean(engine_read_only(s.e, NULL)));
    json_object_set_new(o, "timeout_s", json_integer(cfg->timeout_s));
    json_object_set_new(o, "refresh_inventory_s", json_integer(cfg->refresh_inventory_s));
    json_object_set_new(o, "refresh_health_s", json_integer(cfg->refresh_health_s));
    provs = json_array();
    for (size_t i = 0; i < engine_provider_count(s.e); i++) {
        struct provider_info info;
        json_t *p = json_object();
        struct res_list cached;
        engine_provider_info(s.e, i, &info);
        json_object_set_new(p, "name", json_string(info.name));
        json_object_set_new(p, "type", json_string(info.type));
        json_object_set_new(p, "read_only", json_boolean(engine_read_only(s.e, info.name)));
        json_object_set_new(p, "demo", json_boolean(info.demo));
        res_list_init(&cached);
        store_load_resources(engine_store(s.e), info.name, RES_KIND_INSTANCE, &cached, NULL);
        json_object_set_new(p, "cached_instances", json_integer((json_int_t)cached.len));
        res_list_done(&cached);
        json_array_append_new(provs, p);
    }
    json_object_set_new(o, "providers", provs);
    if (fmt == OUT_JSON) {
        char *txt = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(txt);
        free(txt);
    } else {
        const char *key;
        json_t *v;
        json_object_foreach(o, key, v)
        {
            if (json_is_array(v)) {
                size_t i;
                json_t *p;
                json_array_foreach(v, i, p)
                {
                    printf("%-20s %s (%s)%s%s, %lld cached instances\n", i == 0 ? "providers" : "",
                           json_string_value(json_object_get(p, "name")),
                           json_string_value(json_object_get(p, "type")),
                           json_is_true(json_object_get(p, "demo")) ? " DEMO" : "",
                           json_is_true(json_object_get(p, "read_only")) ? " read-only" : "",
                           (long long)json_integer_value(json_object_get(p, "cached_instances")));
                }
            } else if (json_is_string(v)) {
                printf("%-20s %s\n", key, json_string_value(v));
            } else if (json_is_integer(v)) {
                printf("%-20s %lld\n", key, (long long)json_integer_value(v));
            } else {
                printf("%-20s %s\n", key, json_is_true(v) ? "yes" : "no");
            }
        }
    }
    json_decref(o);
    free(cfg_default);
    free(state_dir);
    session_close(&s);
    return 0;
}

int cli_main(const struct engine_opts *opts, int argc, char **argv)
{
    rt_log_init(NULL, 1);
    if (strcmp(argv[0], "ssh") != 0) /* the one command that stays: an interactive session */
        xalloc_batch_heap();
    if (strcmp(argv[0], "list") == 0)
        return cmd_list(opts, argc, argv);
    if (strcmp(argv[0], "show") == 0)
        return cmd_show(opts, argc, argv);
    if (strcmp(argv[0], "do") == 0)
        return cmd_do(opts, argc, argv);
    if (strcmp(argv[0], "audit") == 0)
        return cmd_audit(opts, argc, argv);
    if (strcmp(argv[0], "info") == 0)
        return cmd_info(opts, argc, argv);
    if (strcmp(argv[0], "ssh") == 0)
        return cli_ssh_main(opts, argc, argv);
    if (strcmp(argv[0], "trust") == 0)
        return cli_trust_main(opts, argc, argv);
    return fail(2, "unknown command '%s' (see racktop --help)", argv[0]);
}
