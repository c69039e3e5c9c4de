/*
 * cli_ssh.c - `racktop ssh`: OpenSSH's habits on racktop's SSH core.
 *
 *   racktop ssh [-p PORT] [-J [user@]jump[:port][,...]] [-i KEY] [-l USER] [-F CONFIG]
 *               [--accept-new] [--connect-timeout S] [user@]HOST|INSTANCE [-- CMD ...]
 *
 * HOST may name an instance of the fleet (cached or refreshed): its first
 * address is used (floating/public addresses come first in the model); a
 * private-only instance is reached through the jump host from -J or from
 * ~/.ssh/config (a Host pattern matching its name or address).  The user
 * defaults to the image's default_user.
 *
 * With CMD: runs it and exits with its status (255 when killed by a
 * signal or when the connection fails, as ssh does; 3 when a host key is
 * refused; 2 on bad usage; 4 when an instance name matches nothing).
 * Remote output goes to stdout/stderr unchanged when they are not
 * terminals (data for scripts), and with control characters removed when
 * they are.  Without CMD: the full-screen console (tui/term.c in an app
 * loop); remote bytes only ever reach the terminal through libvterm.
 *
 * Host keys: a changed key is always refused.  An unknown key is refused
 * with CMD unless --accept-new pins it; the console asks on the terminal.
 */
#include "cli_ssh.h"
#include "console.h"
#include "ssh_target.h"

#include "core/config.h"
#include "core/err.h"
#include "core/fleet.h"
#include "core/ssh.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "tui/app.h"
#include "tui/keymap.h"
#include "tui/sanitize.h"
#include "tui/ttyline.h"
#include "tui/term.h"
#include "tui/theme.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static const char usage_ssh[] =
    "usage: racktop ssh [-p PORT] [-J [user@]jump[:port][,...]] [-i KEY] [-l USER] [-F CONFIG]\n"
    "                   [--accept-new] [--connect-timeout S] [user@]HOST|INSTANCE [-- CMD ...]";

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
    va_list ap;
    char buf[1024], clean[1024];

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    sanitize_into(clean, sizeof clean, buf, 0);
    fprintf(stderr, "racktop: %s\n", clean);
    return code;
}

/* ---- the target: host or instance -------------------------------------------------- */

static int looks_like_host(const char *h, const char *cfg)
{
    struct in6_addr a6;
    struct in_addr a4;
    struct ssh_host_config hc;
    int configured;

    if (inet_pton(AF_INET, h, &a4) == 1 || inet_pton(AF_INET6, h, &a6) == 1 ||
        strcmp(h, "localhost") == 0)
        return 1;
    if (ssh_config_lookup(cfg, h, &hc, NULL) < 0)
        return 0;
    configured = hc.hostname != NULL;
    ssh_host_config_done(&hc);
    return configured;
}

/*
 * Resolve HOST: an instance of the fleet (cache first, then a refresh), else
 * a host name.  RT_ERR_NOT_FOUND only for a name that is neither.
 */
static int resolve_target(struct engine *e, const char *want, const char *cfg, int sync,
                          struct ssh_target *t, struct rt_error *err)
{
    struct fleet *f = fleet_new();
    const struct resource *r = NULL;
    struct rt_error lerr = {0};
    int rc = 0;

    if (fleet_load_cache(f, engine_store(e),
                         RT_KIND_BIT(RES_KIND_INSTANCE) | RT_KIND_BIT(RES_KIND_IMAGE), &lerr) == 0)
        r = fleet_lookup(f, RES_KIND_INSTANCE, NULL, want, &lerr);
    if (r == NULL && lerr.code == RT_ERR_ARG) {
        rt_err_copy(err, &lerr);
        rc = -1;
        goto out;
    }
    if (r == NULL && sync && !looks_like_host(want, cfg)) {
        /* Not cached: ask the providers once, bounded by the config's timeout. */
        uint32_t kinds = RT_KIND_BIT(RES_KIND_INSTANCE) | RT_KIND_BIT(RES_KIND_IMAGE);
        size_t np = engine_provider_count(e), left = np * 2;
        int64_t deadline = rt_mono_ms() + engine_config(e)->timeout_s * 1000;
        if (engine_start(e, err) < 0) {
            rc = -1;
            goto out;
        }
        engine_refresh(e, NULL, kinds);
        while (left > 0 && rt_mono_ms() < deadline) {
            struct pollfd p = {engine_fd(e), POLLIN, 0};
            struct engine_event *ev;
            poll(&p, 1, 200);
            while ((ev = engine_next_event(e)) != NULL) {
                if ((ev->type == ENGINE_EV_SYNC || ev->type == ENGINE_EV_SYNC_FAILED) &&
                    (kinds & RT_KIND_BIT(ev->kind)) && left > 0)
                    left--;
                fleet_apply(f, ev);
                engine_event_free(ev);
            }
        }
        rt_err_clear(&lerr);
        r = fleet_lookup(f, RES_KIND_INSTANCE, NULL, want, &lerr);
        if (r == NULL && lerr.code == RT_ERR_ARG) {
            rt_err_copy(err, &lerr);
            rc = -1;
            goto out;
        }
    }
    if (r == NULL) {
        t->host = xstrdup(want);
        goto out;
    }
    rc = ssh_target_from_instance(f, r, engine_config(e), cfg, t, err);
out:
    fleet_free(f);
    return rc;
}

/* ---- terminal prompts (line mode) -------------------------------------------------- */

/* Ask on /dev/tty; echo off unless echo.  New string or NULL (no terminal, EOF). */
static char *tty_ask(const char *prompt, int echo)
{
    char buf[1024];
    char *s = NULL;

    if (ttyline_read(prompt, echo, buf, sizeof buf) == 0)
        s = xstrdup(buf);
    explicit_bzero(buf, sizeof buf);
    return s;
}

static void zfree_str(char *s)
{
    if (s != NULL) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

/*
 * Handle the connection-phase events in line mode.  Returns 1 when the
 * event ended the attempt (*code set), else 0.
 */
static int line_event(struct ssh_conn *c, struct store *st, struct ssh_conn_event *ev,
                      enum ssh_hostkey_policy pol, int can_ask, int *code)
{
    char why[600];

    switch (ev->type) {
    case SSH_EV_HOSTKEY:
        switch (ssh_hostkey_check(st, ev, pol, why, sizeof why)) {
        case SSH_VERDICT_ACCEPT:
            ssh_conn_hostkey_reply(c, 1);
            break;
        case SSH_VERDICT_REFUSE:
            fail(3, "%s", why);
            ssh_conn_hostkey_reply(c, 0);
            *code = 3;
            return 1;
        case SSH_VERDICT_ASK: {
            char q[800], *a;
            snprintf(q, sizeof q, "%s\nAccept and pin it? (yes/no): ", why);
            a = can_ask ? tty_ask(q, 1) : NULL;
            if (a != NULL && (strcmp(a, "yes") == 0 || strcmp(a, "y") == 0)) {
                struct rt_error perr = {0};
                if (ssh_hostkey_pin(st, ev, &perr) < 0)
                    fail(1, "warning: could not pin the key: %s", perr.msg);
                ssh_conn_hostkey_reply(c, 1);
            } else {
                fail(3, "host key of '%s:%d' not accepted", ev->host, ev->port);
                ssh_conn_hostkey_reply(c, 0);
                *code = 3;
                free(a);
                return 1;
            }
            free(a);
            break;
        }
        }
        break;
    case SSH_EV_PROMPT: {
        char *a = can_ask ? tty_ask(ev->text, ev->echo) : NULL;
        ssh_conn_prompt_reply(c, a);
        zfree_str(a);
        break;
    }
    case SSH_EV_BANNER: {
        char clean[600];
        sanitize_into(clean, sizeof clean, ev->text, 0);
        if (can_ask)
            fprintf(stderr, "%s\n", clean);
        break;
    }
    case SSH_EV_STATE:
        if (ev->state == SSH_STATE_FAILED) {
            if (ev->err.code != RT_ERR_REFUSED)
                fail(255, "%s", ev->err.msg);
            *code = ev->err.code == RT_ERR_REFUSED ? 3 : 255;
            return 1;
        }
        break;
    default:
        break;
    }
    return 0;
}

/* Write remote output: raw for pipes and files, without control characters for terminals. */
static void emit(int fd, const char *buf, size_t n, int tty)
{
    char clean[32768 * 2];
    size_t k = 0;

    if (!tty) {
        while (n > 0) {
            ssize_t w = write(fd, buf, n);
            if (w < 0) {
                if (errno == EINTR || errno == EAGAIN)
                    continue;
                return;
            }
            buf += w;
            n -= (size_t)w;
        }
        return;
    }
    for (size_t i = 0; i < n && k < sizeof clean; i++) {
        unsigned char ch = (unsigned char)buf[i];
        if (ch == '\n' || ch == '\t' || ch >= 0x20) {
            if (ch != 0x7f)
                clean[k++] = (char)ch;
        }
    }
    emit(fd, clean, k, 0);
}

static int run_command(struct ssh_conn *c, struct store *st, enum ssh_hostkey_policy pol)
{
    int code = -1, exit_status = -1, have_exit = 0, in_open = isatty(STDIN_FILENO) == 0;
    int out_tty = isatty(STDOUT_FILENO), err_tty = isatty(STDERR_FILENO);
    int can_ask = isatty(STDIN_FILENO);
    char buf[32768];
    char sig[32] = "";

    if (!in_open)
        ssh_conn_send_eof(c);
    for (;;) {
        struct pollfd p[2] = {{ssh_conn_fd(c), POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
        struct ssh_conn_event *ev;
        size_t n;
        int np = in_open && ssh_conn_state(c) == SSH_STATE_OPEN ? 2 : 1;

        if (poll(p, (nfds_t)np, 1000) < 0 && errno != EINTR)
            break;
        if (np == 2 && (p[1].revents & (POLLIN | POLLHUP))) {
            ssize_t r = read(STDIN_FILENO, buf, sizeof buf);
            if (r > 0) {
                ssh_conn_write(c, buf, (size_t)r);
            } else if (r == 0 || errno != EINTR) {
                in_open = 0;
                ssh_conn_send_eof(c);
            }
        }
        ssh_conn_wake_clear(c);
        while ((n = ssh_conn_read(c, buf, sizeof buf)) > 0)
            emit(STDOUT_FILENO, buf, n, out_tty);
        while ((n = ssh_conn_read_stderr(c, buf, sizeof buf)) > 0)
            emit(STDERR_FILENO, buf, n, err_tty);
        while ((ev = ssh_conn_next_event(c)) != NULL) {
            int stop = 0;
            if (ev->type == SSH_EV_EXIT) {
                have_exit = 1;
                exit_status = ev->exit_status;
                snprintf(sig, sizeof sig, "%s", ev->exit_signal);
            } else if (ev->type == SSH_EV_STATE && ev->state == SSH_STATE_CLOSED) {
                code = have_exit && exit_status >= 0 ? exit_status & 0xff : 255;
                stop = 1;
            } else {
                stop = line_event(c, st, ev, pol, can_ask, &code);
            }
            ssh_conn_event_free(ev);
            if (stop) {
                while ((n = ssh_conn_read(c, buf, sizeof buf)) > 0)
                    emit(STDOUT_FILENO, buf, n, out_tty);
                while ((n = ssh_conn_read_stderr(c, buf, sizeof buf)) > 0)
                    emit(STDERR_FILENO, buf, n, err_tty);
                if (sig[0])
                    fail(255, "remote command killed by signal %s", sig);
                return code;
            }
        }
    }
    return 255;
}

/* ---- the full-screen console ------------------------------------------------------- */

struct console {
    struct ssh_conn *c;
    struct term *t;
    struct store *st;
    struct app *a;
    int detach_key;       /* console.detach_key */
    char detach_name[32]; /* its name as configured */
    enum ssh_state state;
    char msg[1024]; /* status line text (sanitised when drawn) */
    int prompting;  /* 1: password-like prompt, 2: host key yes/no */
    int prompt_echo;
    char prompt[1024];
    struct strbuf answer;     /* secret while typing: zeroed on use */
    struct ssh_conn_event hk; /* the host key being asked about */
};

static void con_send(void *ctx, const char *buf, size_t n)
{
    struct console *k = ctx;

    if (k->state == SSH_STATE_OPEN)
        ssh_conn_write(k->c, buf, n);
}

static void con_resize(void *ctx, int rows, int cols)
{
    struct console *k = ctx;

    ssh_conn_resize(k->c, cols, rows);
}

static void con_draw(void *ctx, struct app *a, WINDOW *w, int h, int width)
{
    struct console *k = ctx;
    const struct theme *th = app_theme(a);
    char line[2400], title[600], clean[2400];
    int cy = -1, cx = -1;

    if (h < 2)
        return;
    term_resize(k->t, h - 1, width);
    term_draw(k->t, w, 0, 0, h - 1, width, app_ascii(a), &cy, &cx);
    sanitize_into(title, sizeof title, ssh_conn_title(k->c), app_ascii(a));
    if (k->prompting) {
        snprintf(line, sizeof line, " %s %s", k->prompt, k->prompting == 2 ? "(yes/no) " : "");
    } else if (k->msg[0]) {
        snprintf(line, sizeof line, " %s [%s] %s", title, ssh_state_name(k->state), k->msg);
    } else {
        snprintf(line, sizeof line, " %s [%s]%s  %s: quit  shift-PgUp/PgDn: scroll", title,
                 ssh_state_name(k->state), term_scroll_offset(k->t) > 0 ? " [scrolled back]" : "",
                 k->detach_name);
    }
    sanitize_into(clean, sizeof clean, line, app_ascii(a));
    wattrset(w, theme_attr(th, k->prompting ? ROLE_INPUT_FOCUS : ROLE_STATUS));
    mvwhline(w, h - 1, 0, ' ', width);
    mvwaddnstr(w, h - 1, 0, clean, width);
    if (k->prompting && k->prompt_echo && k->answer.len > 0)
        waddnstr(w, k->answer.buf, width);
    wattrset(w, A_NORMAL);
    if (k->prompting)
        app_show_cursor(a, h - 1, getcurx(w));
    else if (cy >= 0 && k->state == SSH_STATE_OPEN)
        app_show_cursor(a, cy, cx);
}

static void prompt_done(struct console *k, int ok)
{
    if (k->prompting == 2) {
        int yes = ok && k->answer.len > 0 &&
                  (strcmp(k->answer.buf, "yes") == 0 || strcmp(k->answer.buf, "y") == 0);
        if (yes)
            ssh_hostkey_pin(k->st, &k->hk, NULL);
        ssh_conn_hostkey_reply(k->c, yes);
    } else {
        ssh_conn_prompt_reply(k->c, ok ? (k->answer.buf != NULL ? k->answer.buf : "") : NULL);
    }
    if (k->answer.buf != NULL)
        explicit_bzero(k->answer.buf, k->answer.cap);
    strbuf_reset(&k->answer);
    k->prompting = 0;
}

static int con_key(void *ctx, struct app *a, int ch)
{
    struct console *k = ctx;

    (void)a;
    if (k->prompting) {
        if (ch == KEYMAP_ENTER || ch == '\n' || ch == KEYMAP_FN(KEY_ENTER)) {
            prompt_done(k, 1);
        } else if (ch == KEYMAP_ESC || ch == KEYMAP_CTRL('c')) {
            prompt_done(k, 0);
        } else if (ch == 127 || ch == 8 || ch == KEYMAP_FN(KEY_BACKSPACE)) {
            if (k->answer.len > 0)
                k->answer.buf[--k->answer.len] = '\0';
        } else if (!KEYMAP_IS_FN(ch) && ch >= 32) {
            char u[8];
            int n = 0;
            unsigned c = (unsigned)ch;
            if (c < 0x80)
                u[n++] = (char)c;
            else if (c < 0x800) {
                u[n++] = (char)(0xc0 | c >> 6);
                u[n++] = (char)(0x80 | (c & 0x3f));
            } else if (c < 0x10000) {
                u[n++] = (char)(0xe0 | c >> 12);
                u[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
                u[n++] = (char)(0x80 | (c & 0x3f));
            } else {
                u[n++] = (char)(0xf0 | c >> 18);
                u[n++] = (char)(0x80 | ((c >> 12) & 0x3f));
                u[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
                u[n++] = (char)(0x80 | (c & 0x3f));
            }
            strbuf_add(&k->answer, u, (size_t)n);
        }
        return APP_HANDLED;
    }
    if (ch == k->detach_key)
        return APP_QUIT;
    if (ch == KEYMAP_FN(KEY_SPREVIOUS) || ch == KEYMAP_FN(KEY_SR)) {
        int r, c;
        term_size(k->t, &r, &c);
        term_scroll(k->t, ch == KEYMAP_FN(KEY_SR) ? 1 : r / 2);
        return APP_HANDLED;
    }
    if (ch == KEYMAP_FN(KEY_SNEXT) || ch == KEYMAP_FN(KEY_SF)) {
        int r, c;
        term_size(k->t, &r, &c);
        term_scroll(k->t, ch == KEYMAP_FN(KEY_SF) ? -1 : -r / 2);
        return APP_HANDLED;
    }
    if (k->state == SSH_STATE_CLOSED || k->state == SSH_STATE_FAILED) {
        if (ch == 'r') {
            struct rt_error err = {0};
            k->msg[0] = '\0';
            if (ssh_conn_reconnect(k->c, &err) < 0)
                snprintf(k->msg, sizeof k->msg, "%s", err.msg);
            k->state = SSH_STATE_CONNECTING;
            term_feed(k->t, "\r\n[reconnecting]\r\n", 18);
            return APP_HANDLED;
        }
        if (ch == 'q')
            return APP_QUIT;
        return APP_HANDLED;
    }
    term_key(k->t, ch);
    return APP_HANDLED;
}

static int con_fd(void *ctx, struct app *a, int fd, short revents)
{
    struct console *k = ctx;
    struct ssh_conn_event *ev;
    char buf[65536];
    size_t n, total = 0;

    (void)a;
    (void)fd;
    (void)revents;
    ssh_conn_wake_clear(k->c);
    /* Bounded per pass so keys stay responsive during a flood; the rest waits. */
    while (total < (1u << 20) && (n = ssh_conn_read(k->c, buf, sizeof buf)) > 0) {
        term_feed(k->t, buf, n);
        total += n;
    }
    while ((ev = ssh_conn_next_event(k->c)) != NULL) {
        char why[600];
        switch (ev->type) {
        case SSH_EV_STATE:
            k->state = ev->state;
            if (ev->state == SSH_STATE_FAILED)
                snprintf(k->msg, sizeof k->msg, "%s  r: reconnect  q: quit", ev->err.msg);
            else if (ev->state == SSH_STATE_CLOSED && k->msg[0] == '\0')
                snprintf(k->msg, sizeof k->msg, "closed  r: reconnect  q: quit");
            break;
        case SSH_EV_EXIT:
            snprintf(k->msg, sizeof k->msg,
                     "remote shell exited with status %d  r: reconnect  q: quit", ev->exit_status);
            break;
        case SSH_EV_HOSTKEY:
            switch (ssh_hostkey_check(k->st, ev, SSH_HOSTKEY_ASK, why, sizeof why)) {
            case SSH_VERDICT_ACCEPT:
                ssh_conn_hostkey_reply(k->c, 1);
                break;
            case SSH_VERDICT_REFUSE:
                snprintf(k->msg, sizeof k->msg, "%s", why);
                ssh_conn_hostkey_reply(k->c, 0);
                break;
            case SSH_VERDICT_ASK:
                k->hk = *ev;
                k->prompting = 2;
                k->prompt_echo = 1;
                snprintf(k->prompt, sizeof k->prompt, "%s Accept and pin?", why);
                break;
            }
            break;
        case SSH_EV_PROMPT:
            k->prompting = 1;
            k->prompt_echo = ev->echo;
            snprintf(k->prompt, sizeof k->prompt, "%s", ev->text);
            break;
        default:
            break;
        }
        ssh_conn_event_free(ev);
    }
    return APP_REDRAW;
}

/* Output left over by a bounded pass (no new wake-up may come for it). */
static int con_tick(void *ctx, struct app *a)
{
    return con_fd(ctx, a, -1, 0);
}

static int run_console(struct ssh_conn *c, struct store *st, const struct config *cfg,
                       const char *theme_name)
{
    struct app_options ao = {.ascii = -1};
    struct rt_error err = {0};
    struct console k;
    struct app *a;
    struct theme *th = NULL;
    int rows = 24, cols = 80;

    memset(&k, 0, sizeof k);
    k.c = c;
    k.st = st;
    k.detach_key = console_detach_key(cfg, k.detach_name, sizeof k.detach_name);
    k.state = ssh_conn_state(c);
    a = app_new(&ao, &err);
    if (a == NULL)
        return fail(1, "%s", err.msg);
    if (theme_name != NULL)
        th = theme_load(theme_name, NULL);
    if (th == NULL)
        th = theme_new_default();
    app_set_theme(a, th);
    getmaxyx(stdscr, rows, cols);
    k.t = term_new(rows - 1, cols, 5000);
    k.a = a;
    term_set_output(k.t, con_send, &k);
    term_set_resize(k.t, con_resize, &k);
    ssh_conn_resize(c, cols, rows - 1);
    app_push(a, &(struct app_layer_ops){"console", con_draw, con_key, NULL}, &k, APP_LAYER_OPAQUE);
    raw(); /* ctrl-c, ctrl-z, ctrl-\ go to the remote shell, not to racktop as signals */
    app_add_fd(a, ssh_conn_fd(c), POLLIN, con_fd, &k);
    app_add_timer(a, 100, con_tick, &k);
    /* Output that came before the screen was up. */
    con_fd(&k, a, ssh_conn_fd(c), POLLIN);
    app_run(a);
    app_free(a);
    theme_free(th);
    term_free(k.t);
    strbuf_done(&k.answer);
    return 0;
}

/* ---- entry ------------------------------------------------------------------------- */

enum { OPT_ACCEPT_NEW = 1000, OPT_TIMEOUT, OPT_NO_FLEET };

int cli_ssh_main(const struct engine_opts *eopts, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"port", required_argument, NULL, 'p'},
        {"jump", required_argument, NULL, 'J'},
        {"identity", required_argument, NULL, 'i'},
        {"login", required_argument, NULL, 'l'},
        {"config", required_argument, NULL, 'F'},
        {"accept-new", no_argument, NULL, OPT_ACCEPT_NEW},
        {"connect-timeout", required_argument, NULL, OPT_TIMEOUT},
        {"no-fleet", no_argument, NULL, OPT_NO_FLEET},
        {NULL, 0, NULL, 0}};
    struct ssh_opts o = {0};
    struct ssh_target t = {0};
    struct rt_error err = {0};
    struct engine *e = NULL;
    struct ssh_conn *c = NULL;
    struct ssh_hop dest = {0};
    struct strbuf cmd = STRBUF_INIT;
    enum ssh_hostkey_policy pol = SSH_HOSTKEY_STRICT;
    const char *user = NULL, *jump = NULL, *cfg = NULL;
    int ch, port = 0, timeout = 0, rc = 0, no_fleet = 0;
    long long v;

    optind = 0;
    while ((ch = getopt_long(argc, argv, "+p:J:i:l:F:", longopts, NULL)) != -1) {
        switch (ch) {
        case 'p':
            if (rt_parse_int(optarg, &v) < 0 || v < 1 || v > 65535)
                return fail(2, "bad port '%s'", optarg);
            port = (int)v;
            break;
        case 'J':
            jump = optarg;
            break;
        case 'i':
            o.identity = optarg;
            break;
        case 'l':
            user = optarg;
            break;
        case 'F':
            cfg = optarg;
            break;
        case OPT_ACCEPT_NEW:
            pol = SSH_HOSTKEY_ACCEPT_NEW;
            break;
        case OPT_TIMEOUT:
            if (rt_parse_int(optarg, &v) < 0 || v < 1 || v > 3600)
                return fail(2, "bad --connect-timeout '%s'", optarg);
            timeout = (int)v;
            break;
        case OPT_NO_FLEET:
            no_fleet = 1;
            break;
        default:
            return fail(2, "%s", usage_ssh);
        }
    }
    if (optind >= argc)
        return fail(2, "%s", usage_ssh);
    if (ssh_hop_parse(argv[optind], &dest, &err) < 0)
        return fail(2, "%s", err.msg);
    if (dest.port != 0 && port == 0 && strchr(argv[optind], '[') == NULL)
        port = dest.port;
    for (int i = optind + 1; i < argc; i++) {
        if (i == optind + 1 && strcmp(argv[i], "--") == 0)
            continue;
        if (cmd.len > 0)
            strbuf_addc(&cmd, ' ');
        strbuf_adds(&cmd, argv[i]);
    }
    if (jump != NULL) {
        struct ssh_hop hops[SSH_MAX_HOPS];
        int n =
            strcasecmp(jump, "none") == 0 ? 0 : ssh_jump_parse(jump, hops, SSH_MAX_HOPS - 1, &err);
        if (n < 0) {
            rc = fail(2, "%s", err.msg);
            goto out;
        }
        while (n > 0)
            ssh_hop_done(&hops[--n]);
    }
    e = engine_new(eopts, &err);
    if (e == NULL) {
        rc = fail(rt_err_exit_code(&err), "%s", err.msg);
        goto out;
    }
    if (resolve_target(e, dest.host, cfg, !no_fleet, &t, &err) < 0) {
        rc = fail(rt_err_exit_code(&err), "%s", err.msg);
        goto out;
    }
    if (cmd.len == 0 && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
        rc = fail(2, "the console needs a terminal (give a command after '--' to run it)");
        goto out;
    }
    if (cmd.len == 0 && isatty(STDIN_FILENO) && pol == SSH_HOSTKEY_STRICT)
        pol = SSH_HOSTKEY_ASK;
    o.host = t.host;
    o.user = user != NULL ? user : dest.user != NULL ? dest.user : t.user;
    o.port = port != 0 ? port : t.port;
    o.jump = jump != NULL ? jump : t.jump;
    o.ssh_config = cfg;
    o.command = cmd.len > 0 ? cmd.buf : NULL;
    o.pty = cmd.len == 0;
    o.connect_timeout_s = timeout;
    o.no_prompt = !isatty(STDIN_FILENO);
    if (o.pty) {
        const char *term = getenv("TERM");
        o.term = "xterm-256color"; /* what libvterm emulates, whatever the local TERM */
        (void)term;
    }
    c = ssh_conn_new(&o, &err);
    if (c == NULL) {
        rc = fail(rt_err_exit_code(&err), "%s", err.msg);
        goto out;
    }
    if (o.command != NULL) {
        rc = run_command(c, engine_store(e), pol);
    } else {
        /* Connection phase in line mode (host key questions, passwords), then the screen. */
        rc = -1;
        while (rc < 0) {
            struct pollfd p = {ssh_conn_fd(c), POLLIN, 0};
            struct ssh_conn_event *ev;
            int code = 0, open_now = 0;
            poll(&p, 1, 1000);
            ssh_conn_wake_clear(c);
            while ((ev = ssh_conn_next_event(c)) != NULL) {
                if (ev->type == SSH_EV_STATE && ev->state == SSH_STATE_OPEN)
                    open_now = 1;
                else if (ev->type == SSH_EV_STATE && ev->state == SSH_STATE_CLOSED)
                    code = 255, rc = 255;
                else if (line_event(c, engine_store(e), ev, pol, 1, &code))
                    rc = code;
                ssh_conn_event_free(ev);
            }
            if (rc < 0 && open_now) {
                rc = run_console(c, engine_store(e), engine_config(e), NULL);
                break;
            }
        }
    }
out:
    ssh_conn_free(c);
    engine_free(e);
    ssh_hop_done(&dest);
    ssh_target_done(&t);
    strbuf_done(&cmd);
    return rc;
}
