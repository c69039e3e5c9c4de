/*
 * console.c - SSH console sessions in the dashboard (see console.h).
 *
 * Ownership: `struct consoles` (one per dashboard) owns its sessions; a
 * session owns its ssh_conn, its term and its fd/timer registrations.  The
 * console layer, the host-key dialog and the password box borrow the
 * session: they are modal, so while one is up nothing can close the
 * session under it; consoles_free() (at exit) removes the console layer
 * itself, and the dialogs never touch the session from their destroy
 * callbacks.  A session is closed only from the :sessions pane or at exit.
 *
 * Flow of one session:
 *
 *   connect form  (ssh_target.h prefill) -> session_open(): ssh_conn_new,
 *                 term_new, app_add_fd, console_show()
 *   on_fd         remote output -> term_feed (at most 1 MiB a pass; the
 *                 rest on a 10 ms timer, so keys stay responsive in a
 *                 flood); events: host key (dialog), prompt (masked box),
 *                 state and exit (title line)
 *   console layer title line + terminal; keys go to term_key() except the
 *                 detach key, scrolling, and `r` after a disconnect
 *   detach        the layer pops; the session keeps reading, so its screen
 *                 is current when it is re-entered
 *
 * The terminal is in raw mode while a console is shown (console_show /
 * console_destroy), so ctrl-c and friends reach the remote shell instead
 * of signalling racktop.
 *
 * Threading: UI thread only; each ssh_conn has its own I/O thread.
 */
#include "console.h"

#include "ssh_target.h"
#include "views.h"

#include "core/config.h"
#include "core/engine.h"
#include "core/err.h"
#include "core/fleet.h"
#include "core/ssh.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "tui/app.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/form.h"
#include "tui/masked.h"
#include "tui/sanitize.h"
#include "tui/term.h"
#include "tui/theme.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONSOLE_SCROLLBACK 5000
#define CONSOLE_PASS_BYTES (1u << 20) /* remote output fed per pass before yielding */
#define CONSOLE_BACKLOG_MS 10

struct session {
    struct consoles *cs;
    unsigned id;
    char *name;   /* instance name (or host) */
    char *target; /* "user@host:port" as asked */
    char *jump;   /* jump list as asked, or NULL */
    struct ssh_conn *c;
    struct term *t;
    int fd_id, timer_id, layer_id; /* -1: none */
    enum ssh_state state;
    char msg[512]; /* last message for the title line (disconnects, refusals, exit) */
    int64_t started_ms;
};

struct consoles {
    struct dash *d;
    struct session **v;
    size_t n, cap;
    unsigned next_id;
    int detach_key;       /* console.detach_key */
    char detach_name[32]; /* as configured, for the title line */
};

static struct app *cs_app(const struct consoles *cs)
{
    return dash_app(cs->d);
}

/* ---- sessions ----------------------------------------------------------------------- */

static void console_show(struct session *s);
static int session_fd(void *ctx, struct app *a, int fd, short revents);

static void session_send(void *ctx, const char *buf, size_t n)
{
    struct session *s = ctx;

    if (s->state == SSH_STATE_OPEN)
        ssh_conn_write(s->c, buf, n);
}

static void session_resize(void *ctx, int rows, int cols)
{
    struct session *s = ctx;

    ssh_conn_resize(s->c, cols, rows);
}

static void session_free(struct session *s)
{
    struct app *a = cs_app(s->cs);

    if (s->layer_id >= 0)
        app_remove_layer(a, s->layer_id); /* console_destroy() resets layer_id */
    if (s->fd_id >= 0)
        app_remove_fd(a, s->fd_id);
    if (s->timer_id >= 0)
        app_remove_timer(a, s->timer_id);
    ssh_conn_free(s->c);
    term_free(s->t);
    free(s->name);
    free(s->target);
    free(s->jump);
    free(s);
}

static void session_close(struct session *s)
{
    struct consoles *cs = s->cs;

    for (size_t i = 0; i < cs->n; i++) {
        if (cs->v[i] == s) {
            memmove(&cs->v[i], &cs->v[i + 1], (cs->n - i - 1) * sizeof cs->v[0]);
            cs->n--;
            break;
        }
    }
    session_free(s);
    app_dirty(cs_app(cs));
}

static struct session *session_by_id(const struct consoles *cs, unsigned id)
{
    for (size_t i = 0; i < cs->n; i++) {
        if (cs->v[i]->id == id)
            return cs->v[i];
    }
    return NULL;
}

/* Start a session and show its console.  Strings are copied; empty ones mean "default". */
static void session_open(struct dash *d, const char *name, const char *host, const char *user,
                         int port, const char *jump)
{
    struct consoles *cs = dash_consoles(d);
    struct app *a = dash_app(d);
    struct ssh_opts o = {0};
    struct rt_error err = {0};
    struct session *s;
    struct ssh_conn *c;
    int rows = LINES - 1 > 2 ? LINES - 1 : 24, cols = COLS > 10 ? COLS : 80;

    o.host = host;
    o.user = user != NULL && user[0] ? user : NULL;
    o.port = port;
    o.jump = jump != NULL && jump[0] ? jump : NULL;
    o.pty = 1;
    o.term = "xterm-256color"; /* what libvterm emulates, whatever the local TERM */
    o.cols = cols;
    o.rows = rows;
    c = ssh_conn_new(&o, &err);
    if (c == NULL) {
        dash_message(d, 1, "ssh %s: %s", name, err.msg);
        return;
    }
    s = xcalloc(1, sizeof *s);
    s->cs = cs;
    s->id = ++cs->next_id;
    s->name = xstrdup(name);
    s->target = xasprintf("%s%s%s%s%.0d", o.user != NULL ? o.user : "", o.user != NULL ? "@" : "",
                          host, port > 0 ? ":" : "", port);
    s->jump = o.jump != NULL ? xstrdup(o.jump) : NULL;
    s->c = c;
    s->state = ssh_conn_state(c);
    s->started_ms = rt_mono_ms();
    s->timer_id = s->layer_id = -1;
    s->t = term_new(rows, cols, CONSOLE_SCROLLBACK);
    term_set_output(s->t, session_send, s);
    term_set_resize(s->t, session_resize, s);
    s->fd_id = app_add_fd(a, ssh_conn_fd(c), POLLIN, session_fd, s);
    cs->v = xgrow(cs->v, &cs->cap, cs->n + 1, sizeof *cs->v);
    cs->v[cs->n++] = s;
    console_show(s);
}

static void session_reconnect(struct session *s)
{
    struct rt_error err = {0};
    int rows, cols;

    s->msg[0] = '\0';
    if (ssh_conn_reconnect(s->c, &err) < 0) {
        snprintf(s->msg, sizeof s->msg, "%s", err.msg);
        return;
    }
    s->state = SSH_STATE_CONNECTING;
    term_size(s->t, &rows, &cols);
    ssh_conn_resize(s->c, cols, rows);
    term_feed(s->t, "\r\n[reconnecting]\r\n", 18);
}

/* ---- host keys and prompts ---------------------------------------------------------- */

struct hostkey_ask {
    struct session *s;
    struct dialog *dlg;
    struct ssh_conn_event ev;
};

static void hostkey_draw(void *ctx, struct app *a, WINDOW *w, int h, int width)
{
    struct hostkey_ask *hk = ctx;
    int cy = 0, cx;

    (void)h;
    (void)width;
    cx = dialog_draw(hk->dlg, w, dash_theme(hk->s->cs->d), dash_ascii(hk->s->cs->d), &cy);
    if (cx >= 0)
        app_show_cursor(a, cy, cx);
}

static int hostkey_key(void *ctx, struct app *a, int ch)
{
    struct hostkey_ask *hk = ctx;
    struct session *s = hk->s;
    struct dash *d = s->cs->d;
    struct rt_error err = {0};

    (void)a;
    switch (dialog_key(hk->dlg, ch)) {
    case DIALOG_OK:
        if (ssh_hostkey_pin(engine_store(dash_engine(d)), &hk->ev, &err) < 0)
            dash_message(d, 1, "the key was accepted but could not be pinned: %s", err.msg);
        ssh_conn_hostkey_reply(s->c, 1);
        return APP_CLOSE;
    case DIALOG_CANCEL:
        snprintf(s->msg, sizeof s->msg, "host key of %s:%d not accepted", hk->ev.host,
                 hk->ev.port);
        ssh_conn_hostkey_reply(s->c, 0);
        return APP_CLOSE;
    case DIALOG_PENDING:
        break;
    }
    return APP_HANDLED;
}

static void hostkey_destroy(void *ctx)
{
    struct hostkey_ask *hk = ctx;

    dialog_free(hk->dlg);
    free(hk);
}

static const struct app_layer_ops hostkey_ops = {"hostkey", hostkey_draw, hostkey_key,
                                                 hostkey_destroy};

static void ask_hostkey(struct session *s, const struct ssh_conn_event *ev)
{
    struct hostkey_ask *hk = xcalloc(1, sizeof *hk);
    struct strbuf sb = STRBUF_INIT;
    size_t hops = ssh_conn_hops(s->c);

    hk->s = s;
    hk->ev = *ev;
    strbuf_addf(&sb, "The host %s:%d%s is not known (no pin, not in known_hosts).\n\n", ev->host,
                ev->port, hops > 1 && (size_t)ev->hop + 1 < hops ? " (a jump host)" : "");
    strbuf_addf(&sb, "%s key fingerprint:\n  %s\n\n", ev->keytype, ev->fingerprint);
    strbuf_adds(&sb, "Compare it with the one the machine's owner gave you.\n"
                     "Type yes to accept and pin it.");
    hk->dlg = dialog_new("Unknown SSH host key", sb.buf);
    dialog_set_labels(hk->dlg, "Accept", "Refuse");
    dialog_require_text(hk->dlg, "yes");
    strbuf_done(&sb);
    app_push(cs_app(s->cs), &hostkey_ops, hk, APP_LAYER_MODAL);
}

struct secret_ask {
    struct session *s;
    struct masked *m;
};

static void secret_draw(void *ctx, struct app *a, WINDOW *w, int h, int width)
{
    struct secret_ask *sa = ctx;
    int cy = 0, cx;

    (void)h;
    (void)width;
    cx = masked_draw(sa->m, w, dash_theme(sa->s->cs->d), dash_ascii(sa->s->cs->d), &cy);
    if (cx >= 0)
        app_show_cursor(a, cy, cx);
}

static int secret_key(void *ctx, struct app *a, int ch)
{
    struct secret_ask *sa = ctx;

    (void)a;
    switch (masked_key(sa->m, ch)) {
    case MASKED_SUBMIT:
        ssh_conn_prompt_reply(sa->s->c, masked_text(sa->m)); /* copied, zeroed after use */
        masked_wipe(sa->m);
        return APP_CLOSE;
    case MASKED_CANCEL:
        ssh_conn_prompt_reply(sa->s->c, NULL);
        return APP_CLOSE;
    case MASKED_PENDING:
        break;
    }
    return APP_HANDLED;
}

static void secret_destroy(void *ctx)
{
    struct secret_ask *sa = ctx;

    masked_free(sa->m); /* wipes */
    free(sa);
}

static const struct app_layer_ops secret_ops = {"secret", secret_draw, secret_key,
                                                secret_destroy};

static void ask_secret(struct session *s, const struct ssh_conn_event *ev)
{
    struct secret_ask *sa = xcalloc(1, sizeof *sa);
    char title[300];

    snprintf(title, sizeof title, " ssh %s ", s->name);
    sa->s = s;
    sa->m = masked_new(title, ev->text, ev->echo);
    app_push(cs_app(s->cs), &secret_ops, sa, APP_LAYER_MODAL);
}

/* ---- events ------------------------------------------------------------------------- */

/*
 * A message of racktop's own in the terminal, after the remote output, in
 * brackets and sanitised: the title line holds it too, but is cut at 80
 * columns.  Only once the remote side is done writing (exit, refusal).
 */
static void console_note(struct session *s, const char *text)
{
    char clean[600];

    sanitize_into(clean, sizeof clean, text, 0);
    term_feed(s->t, "\r\n[", 3);
    term_feed(s->t, clean, strlen(clean));
    term_feed(s->t, "]\r\n", 3);
}

static void session_event(struct session *s, const struct ssh_conn_event *ev)
{
    struct dash *d = s->cs->d;
    char why[400], clean[600];

    switch (ev->type) {
    case SSH_EV_STATE:
        s->state = ev->state;
        if (ev->state == SSH_STATE_OPEN) {
            s->msg[0] = '\0';
        } else if (ev->state == SSH_STATE_FAILED) {
            /* A refusal already said why; keep that message. */
            if (ev->err.code != RT_ERR_REFUSED || s->msg[0] == '\0')
                snprintf(s->msg, sizeof s->msg, "%s", ev->err.msg);
        } else if (ev->state == SSH_STATE_CLOSED && s->msg[0] == '\0') {
            snprintf(s->msg, sizeof s->msg, "connection closed");
        }
        break;
    case SSH_EV_EXIT:
        if (ev->exit_signal[0])
            snprintf(s->msg, sizeof s->msg, "remote shell killed by signal %s", ev->exit_signal);
        else
            snprintf(s->msg, sizeof s->msg, "remote shell exited with status %d", ev->exit_status);
        console_note(s, s->msg);
        break;
    case SSH_EV_HOSTKEY:
        switch (ssh_hostkey_check(engine_store(dash_engine(d)), ev, SSH_HOSTKEY_ASK, why,
                                  sizeof why)) {
        case SSH_VERDICT_ACCEPT:
            ssh_conn_hostkey_reply(s->c, 1);
            break;
        case SSH_VERDICT_REFUSE:
            snprintf(s->msg, sizeof s->msg, "REFUSED: %s", why);
            ssh_conn_hostkey_reply(s->c, 0);
            dash_message(d, 1, "ssh %s: %s", s->name, why);
            console_note(s, s->msg);
            break;
        case SSH_VERDICT_ASK:
            ask_hostkey(s, ev);
            break;
        }
        break;
    case SSH_EV_PROMPT:
        ask_secret(s, ev);
        break;
    case SSH_EV_BANNER:
        sanitize_into(clean, sizeof clean, ev->text, 0);
        term_feed(s->t, clean, strlen(clean));
        term_feed(s->t, "\r\n", 2);
        break;
    }
}

static int session_backlog(void *ctx, struct app *a)
{
    return session_fd(ctx, a, -1, 0);
}

static int session_fd(void *ctx, struct app *a, int fd, short revents)
{
    struct session *s = ctx;
    struct ssh_conn_event *ev;
    char buf[65536];
    size_t n, total = 0;
    int changed = 0;

    (void)fd;
    (void)revents;
    ssh_conn_wake_clear(s->c);
    while (total < CONSOLE_PASS_BYTES && (n = ssh_conn_read(s->c, buf, sizeof buf)) > 0) {
        term_feed(s->t, buf, n);
        total += n;
    }
    /* Output left over gets a short timer: no new wake-up may come for it. */
    if (total >= CONSOLE_PASS_BYTES && s->timer_id < 0) {
        s->timer_id = app_add_timer(a, CONSOLE_BACKLOG_MS, session_backlog, s);
    } else if (total < CONSOLE_PASS_BYTES && s->timer_id >= 0) {
        app_remove_timer(a, s->timer_id);
        s->timer_id = -1;
    }
    while ((ev = ssh_conn_next_event(s->c)) != NULL) {
        session_event(s, ev);
        ssh_conn_event_free(ev);
        changed = 1;
    }
    /* Detached output needs no redraw; events change the title or :sessions. */
    return s->layer_id >= 0 || changed ? APP_REDRAW : APP_IGNORED;
}

/* ---- the console layer -------------------------------------------------------------- */

static const char *jump_text(const struct session *s, char *buf, size_t len)
{
    size_t hops = ssh_conn_hops(s->c), k = 0;

    buf[0] = '\0';
    /* The chain as resolved (includes ~/.ssh/config ProxyJump), else as asked. */
    for (size_t i = 0; hops > 1 && i + 1 < hops && k + 1 < len; i++) {
        int w = snprintf(buf + k, len - k, "%s%s", i > 0 ? "," : "", ssh_conn_hop_name(s->c, i));
        if (w < 0)
            break;
        k += (size_t)w;
    }
    if (buf[0] == '\0' && s->jump != NULL && strcasecmp(s->jump, "none") != 0)
        snprintf(buf, len, "%s", s->jump);
    return buf;
}

static const char *target_text(const struct session *s)
{
    size_t hops = ssh_conn_hops(s->c);

    return hops > 0 ? ssh_conn_hop_name(s->c, hops - 1) : s->target;
}

static int state_role(enum ssh_state st)
{
    switch (st) {
    case SSH_STATE_OPEN: return ROLE_STATE_ACTIVE;
    case SSH_STATE_CONNECTING:
    case SSH_STATE_AUTH: return ROLE_STATE_BUILD;
    case SSH_STATE_CLOSED: return ROLE_STATE_SHUTOFF;
    case SSH_STATE_FAILED: return ROLE_STATE_ERROR;
    }
    return ROLE_DEFAULT;
}

static void console_draw(void *ctx, struct app *a, WINDOW *w, int h, int width)
{
    struct session *s = ctx;
    struct dash *d = s->cs->d;
    const struct theme *th = dash_theme(d);
    char jump[512], line[1600], state[64];
    int cy = -1, cx = -1, down = s->state == SSH_STATE_CLOSED || s->state == SSH_STATE_FAILED;
    int sw;

    if (h < 3 || width < 10)
        return;
    jump_text(s, jump, sizeof jump);
    snprintf(state, sizeof state, "[%s]", ssh_state_name(s->state));
    snprintf(line, sizeof line, " %s  %s%s%s  %s%s%s%s  %s: detach%s", s->name, target_text(s),
             jump[0] ? " via " : "", jump, state, s->msg[0] ? "  " : "", s->msg,
             down ? "  r: reconnect" : "", s->cs->detach_name,
             term_scroll_offset(s->t) > 0 ? "  [scrolled back]" : "");
    draw_text(w, 0, 0, width, line, theme_attr(th, ROLE_STATUS), DRAW_LEFT, dash_ascii(d));
    /* The link state in its own colour. */
    sw = sanitize_width(line) - sanitize_width(strstr(line, state));
    if (sw >= 0 && sw + (int)strlen(state) <= width)
        draw_text(w, 0, sw, (int)strlen(state), state, theme_attr(th, state_role(s->state)),
                  DRAW_LEFT, dash_ascii(d));
    term_resize(s->t, h - 1, width); /* -> session_resize() -> window-change */
    term_draw(s->t, w, 1, 0, h - 1, width, dash_ascii(d), &cy, &cx);
    if (cy >= 0 && s->state == SSH_STATE_OPEN)
        app_show_cursor(a, cy, cx);
}

static int console_key(void *ctx, struct app *a, int ch)
{
    struct session *s = ctx;
    int rows, cols;

    (void)a;
    if (ch == s->cs->detach_key) {
        dash_message(s->cs->d, 0, "%s: detached, the session stays open (:sessions lists it)",
                     s->name);
        return APP_CLOSE;
    }
    term_size(s->t, &rows, &cols);
    if (ch == KEYMAP_FN(KEY_SPREVIOUS) || ch == KEYMAP_FN(KEY_SR)) {
        term_scroll(s->t, ch == KEYMAP_FN(KEY_SR) ? 1 : rows / 2);
        return APP_HANDLED;
    }
    if (ch == KEYMAP_FN(KEY_SNEXT) || ch == KEYMAP_FN(KEY_SF)) {
        term_scroll(s->t, ch == KEYMAP_FN(KEY_SF) ? -1 : -rows / 2);
        return APP_HANDLED;
    }
    if (s->state == SSH_STATE_CLOSED || s->state == SSH_STATE_FAILED) {
        if (ch == 'r')
            session_reconnect(s);
        return APP_HANDLED;
    }
    if (s->state == SSH_STATE_OPEN)
        term_key(s->t, ch);
    return APP_HANDLED; /* modal: nothing reaches the dashboard */
}

static void console_destroy(void *ctx)
{
    struct session *s = ctx;

    s->layer_id = -1;
    noraw();
    cbreak(); /* the dashboard's mode (app.c): ctrl-c is SIGINT again */
}

static const struct app_layer_ops console_ops = {"console", console_draw, console_key,
                                                 console_destroy};

static void console_show(struct session *s)
{
    if (s->layer_id >= 0)
        return;
    s->layer_id = app_push(cs_app(s->cs), &console_ops, s, APP_LAYER_OPAQUE | APP_LAYER_MODAL);
    raw(); /* ctrl-c, ctrl-z, ctrl-\, ctrl-s/q go to the remote side */
    term_scroll(s->t, TERM_SCROLL_BOTTOM);
}

/* ---- the connect form --------------------------------------------------------------- */

struct connect_form {
    struct dash *d;
    struct form *f;
    char *name;
    int fhost, fuser, fport, fjump;
};

static const char *connect_validate(void *ctx, const struct form *f, int field)
{
    struct connect_form *cf = ctx;
    const char *v = form_text(f, field);
    static char msg[300];
    long long n;

    if (field == cf->fhost)
        return v == NULL || v[0] == '\0' ? "required" : NULL;
    if (field == cf->fport) {
        if (v == NULL || v[0] == '\0')
            return NULL;
        if (rt_parse_int(v, &n) < 0 || n < 1 || n > 65535)
            return "a port 1-65535, or empty for ~/.ssh/config or 22";
        return NULL;
    }
    if (field == cf->fjump && v != NULL && v[0] != '\0' && strcasecmp(v, "none") != 0) {
        struct ssh_hop hops[SSH_MAX_HOPS];
        struct rt_error err = {0};
        int k = ssh_jump_parse(v, hops, SSH_MAX_HOPS - 1, &err);
        if (k < 0) {
            snprintf(msg, sizeof msg, "%s", err.msg);
            return msg;
        }
        while (k > 0)
            ssh_hop_done(&hops[--k]);
    }
    return NULL;
}

static void connect_draw(void *ctx, struct app *a, WINDOW *w, int h, int width)
{
    struct connect_form *cf = ctx;
    int cy = 0, cx;

    (void)h;
    (void)width;
    cx = form_draw(cf->f, w, dash_theme(cf->d), dash_ascii(cf->d), &cy);
    if (cx >= 0)
        app_show_cursor(a, cy, cx);
}

static int connect_key(void *ctx, struct app *a, int ch)
{
    struct connect_form *cf = ctx;
    char *name, *host, *user, *jump;
    long long port = 0;
    struct dash *d = cf->d;

    switch (form_key(cf->f, ch)) {
    case FORM_SUBMIT:
        name = xstrdup(cf->name);
        host = xstrdup(form_text(cf->f, cf->fhost));
        user = xstrdup(form_text(cf->f, cf->fuser));
        jump = xstrdup(form_text(cf->f, cf->fjump));
        if (form_text(cf->f, cf->fport)[0] != '\0')
            rt_parse_int(form_text(cf->f, cf->fport), &port);
        app_pop(a); /* frees cf: the console goes on top of the dashboard, not of the form */
        session_open(d, name, host, user, (int)port, jump);
        free(name);
        free(host);
        free(user);
        free(jump);
        return APP_HANDLED;
    case FORM_CANCEL:
        return APP_CLOSE;
    case FORM_PENDING:
        break;
    }
    return APP_HANDLED;
}

static void connect_destroy(void *ctx)
{
    struct connect_form *cf = ctx;

    form_free(cf->f);
    free(cf->name);
    free(cf);
}

static const struct app_layer_ops connect_ops = {"connect", connect_draw, connect_key,
                                                 connect_destroy};

static void open_connect_form(struct dash *d, const struct resource *r)
{
    struct ssh_target t = {0};
    struct rt_error err = {0};
    struct connect_form *cf;
    char title[300], port[16] = "";

    if (ssh_target_from_instance(dash_fleet(d), r, engine_config(dash_engine(d)), NULL, &t,
                                 &err) < 0) {
        dash_message(d, 1, "%s", err.msg);
        return;
    }
    cf = xcalloc(1, sizeof *cf);
    cf->d = d;
    cf->name = xstrdup(r->name);
    snprintf(title, sizeof title, "SSH console: %s", r->name);
    if (t.port > 0)
        snprintf(port, sizeof port, "%d", t.port);
    cf->f = form_new(title);
    cf->fhost = form_add_text(cf->f, "host *", t.host);
    cf->fuser = form_add_text(cf->f, "user", t.user != NULL ? t.user : "");
    cf->fport = form_add_text(cf->f, "port", port);
    cf->fjump = form_add_text(cf->f, "jump", t.jump != NULL ? t.jump : "");
    form_set_validator(cf->f, cf->fhost, connect_validate, cf);
    form_set_validator(cf->f, cf->fport, connect_validate, cf);
    form_set_validator(cf->f, cf->fjump, connect_validate, cf);
    ssh_target_done(&t);
    app_push(dash_app(d), &connect_ops, cf, APP_LAYER_MODAL);
}

/* ---- entry points ------------------------------------------------------------------- */

static int refuse_read_only(struct dash *d)
{
    if (!dash_read_only(d))
        return 0;
    dash_message(d, 1, "read-only: SSH consoles are not available");
    return 1;
}

int console_key_connect(struct dash *d, struct view *v)
{
    const struct resource *r = view_cursor_resource(v);

    if (refuse_read_only(d))
        return APP_HANDLED;
    if (r == NULL || r->kind != RES_KIND_INSTANCE) {
        dash_message(d, 1, "no instance selected");
        return APP_HANDLED;
    }
    open_connect_form(d, r);
    return APP_HANDLED;
}

static struct session *cursor_session(struct dash *d, struct view *v)
{
    struct consoles *cs = dash_consoles(d);
    size_t row;

    if (table_cursor_row(v->table, &row) < 0 || row >= cs->n) {
        dash_message(d, 1, "no session selected");
        return NULL;
    }
    return cs->v[row];
}

int console_key_enter(struct dash *d, struct view *v)
{
    struct session *s = refuse_read_only(d) ? NULL : cursor_session(d, v);

    if (s != NULL)
        console_show(s);
    return APP_HANDLED;
}

int console_key_reconnect(struct dash *d, struct view *v)
{
    struct session *s = refuse_read_only(d) ? NULL : cursor_session(d, v);

    if (s == NULL)
        return APP_HANDLED;
    if (s->state != SSH_STATE_CLOSED && s->state != SSH_STATE_FAILED) {
        dash_message(d, 1, "%s: the session is %s", s->name, ssh_state_name(s->state));
        return APP_HANDLED;
    }
    session_reconnect(s);
    console_show(s);
    return APP_HANDLED;
}

struct close_ask {
    struct consoles *cs;
    unsigned id;
    struct dialog *dlg;
};

static void close_draw(void *ctx, struct app *a, WINDOW *w, int h, int width)
{
    struct close_ask *ca = ctx;
    int cy = 0, cx;

    (void)h;
    (void)width;
    cx = dialog_draw(ca->dlg, w, dash_theme(ca->cs->d), dash_ascii(ca->cs->d), &cy);
    if (cx >= 0)
        app_show_cursor(a, cy, cx);
}

static int close_key(void *ctx, struct app *a, int ch)
{
    struct close_ask *ca = ctx;
    struct session *s;

    (void)a;
    switch (dialog_key(ca->dlg, ch)) {
    case DIALOG_OK:
        s = session_by_id(ca->cs, ca->id);
        if (s != NULL) {
            dash_message(ca->cs->d, 0, "%s: session closed", s->name);
            session_close(s);
        }
        return APP_CLOSE;
    case DIALOG_CANCEL:
        return APP_CLOSE;
    case DIALOG_PENDING:
        break;
    }
    return APP_HANDLED;
}

static void close_destroy(void *ctx)
{
    struct close_ask *ca = ctx;

    dialog_free(ca->dlg);
    free(ca);
}

static const struct app_layer_ops close_ops = {"close-session", close_draw, close_key,
                                               close_destroy};

int console_key_close(struct dash *d, struct view *v)
{
    struct session *s = cursor_session(d, v);
    struct close_ask *ca;
    char *msg;

    if (s == NULL)
        return APP_HANDLED;
    if (s->state == SSH_STATE_CLOSED || s->state == SSH_STATE_FAILED) {
        dash_message(d, 0, "%s: session closed", s->name);
        session_close(s);
        return APP_HANDLED;
    }
    ca = xcalloc(1, sizeof *ca);
    ca->cs = dash_consoles(d);
    ca->id = s->id;
    msg = xasprintf("Hang up the SSH session to %s (%s)?\nWhat runs in its shell gets a hangup.",
                    s->name, target_text(s));
    ca->dlg = dialog_new("Close session", msg);
    dialog_set_labels(ca->dlg, "Close", "Keep");
    free(msg);
    app_push(dash_app(d), &close_ops, ca, APP_LAYER_MODAL);
    return APP_HANDLED;
}

void console_command(struct dash *d, const char *name)
{
    struct consoles *cs = dash_consoles(d);
    struct session *found = NULL;
    const struct resource *r;
    struct rt_error err = {0};

    if (refuse_read_only(d))
        return;
    if (name == NULL || name[0] == '\0') {
        dash_message(d, 1, "usage: :console NAME (an instance; :sessions lists open consoles)");
        return;
    }
    /* The newest session for that name, preferring one that is still up. */
    for (size_t i = 0; i < cs->n; i++) {
        struct session *s = cs->v[i];
        if (strcmp(s->name, name) != 0)
            continue;
        if (found == NULL || s->state == SSH_STATE_OPEN || found->state != SSH_STATE_OPEN)
            found = s;
    }
    if (found != NULL) {
        console_show(found);
        return;
    }
    r = fleet_lookup(dash_fleet(d), RES_KIND_INSTANCE, NULL, name, &err);
    if (r == NULL) {
        dash_message(d, 1, "%s", err.msg[0] ? err.msg : "no such instance");
        return;
    }
    open_connect_form(d, r);
}

/* ---- the list ----------------------------------------------------------------------- */

struct consoles *consoles_new(struct dash *d)
{
    struct consoles *cs = xcalloc(1, sizeof *cs);

    cs->d = d;
    cs->detach_key =
        console_detach_key(engine_config(dash_engine(d)), cs->detach_name, sizeof cs->detach_name);
    return cs;
}

int console_detach_key(const struct config *cfg, char *name, size_t len)
{
    const char *want = cfg != NULL ? cfg->console_detach_key : NULL;
    int key = want != NULL ? keymap_parse_key(want) : -1;

    if (key < 0) { /* no config, or a name config_load() would not have let through */
        key = CONSOLE_DETACH_DEFAULT;
        want = "ctrl-]";
    }
    snprintf(name, len, "%s", want);
    return key;
}

const char *console_detach_name(const struct consoles *cs)
{
    return cs != NULL ? cs->detach_name : "ctrl-]";
}

void consoles_free(struct consoles *cs)
{
    if (cs == NULL)
        return;
    for (size_t i = 0; i < cs->n; i++)
        session_free(cs->v[i]);
    free(cs->v);
    free(cs);
}

size_t consoles_count(const struct consoles *cs)
{
    return cs->n;
}

const char *consoles_cell(struct consoles *cs, size_t row, const char *field, char *buf,
                          size_t len)
{
    struct session *s;
    int64_t age;

    if (row >= cs->n)
        return "";
    s = cs->v[row];
    if (strcmp(field, "id") == 0) {
        snprintf(buf, len, "%u", s->id);
        return buf;
    }
    if (strcmp(field, "name") == 0)
        return s->name;
    if (strcmp(field, "target") == 0)
        return target_text(s);
    if (strcmp(field, "jump") == 0) {
        jump_text(s, buf, len);
        return buf[0] ? buf : "-";
    }
    if (strcmp(field, "link") == 0) {
        snprintf(buf, len, "%s%s%s", ssh_state_name(s->state), s->msg[0] ? ": " : "", s->msg);
        return buf;
    }
    if (strcmp(field, "age") == 0) {
        age = (rt_mono_ms() - s->started_ms) / 1000;
        if (age < 120)
            snprintf(buf, len, "%llds", (long long)age);
        else if (age < 7200)
            snprintf(buf, len, "%lldm", (long long)age / 60);
        else if (age < 2 * 86400)
            snprintf(buf, len, "%lldh", (long long)age / 3600);
        else
            snprintf(buf, len, "%lldd", (long long)age / 86400);
        return buf;
    }
    return "";
}

int consoles_row_role(const struct consoles *cs, size_t row)
{
    return row < cs->n ? state_role(cs->v[row]->state) : ROLE_DEFAULT;
}
