/*
 * app.c - curses lifetime, the poll() loop, layers, timers and extra fds.
 *
 * Loop pass (app_step):
 *   1. draw if dirty (layers bottom-up into stdscr, wnoutrefresh, doupdate);
 *   2. poll() the terminal, the signal self-pipe and registered fds, with
 *      the time to the nearest timer as timeout;
 *   3. handle signals (SIGWINCH: ioctl + resizeterm + dirty; SIGINT,
 *      SIGTERM, SIGHUP: quit), read every pending key with wget_wch() and
 *      dispatch it, run fd callbacks, then due timers.
 * Nothing redraws unless a reaction asks for it, so an idle console costs
 * one poll() per timer interval and no output.
 *
 * Callbacks may push/pop layers and add/remove fds and timers while the
 * loop iterates: entries are found again by id after every callback, and
 * removed fds/timers are only marked dead (id 0) and compacted between
 * passes.
 *
 * Signals: handlers only write the signal number to a non-blocking
 * self-pipe.  SIGWINCH is installed before newterm() so that ncurses does
 * not install its own.  The fatal hook calls endwin() so an abort leaves a
 * usable terminal.  One app at a time (app_current), UI thread only.
 */
#include "tui/app.h"

#include "core/err.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "tui/keymap.h"
#include "tui/theme.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define APP_ESCDELAY_MS 25
#define APP_FRAME_WAIT_MS 100 /* longest wait of a pass in app_run_frames() */

struct app_layer {
    int id;
    const struct app_layer_ops *ops;
    void *ctx;
    unsigned flags;
};

struct app_fd {
    int id; /* 0: removed */
    int fd;
    short events;
    int (*cb)(void *ctx, struct app *a, int fd, short revents);
    void *ctx;
};

struct app_timer {
    int id; /* 0: removed */
    int64_t interval, due;
    int (*cb)(void *ctx, struct app *a);
    void *ctx;
};

struct app {
    struct app_options opt;
    SCREEN *screen;
    FILE *in, *out;
    int ascii, color;
    struct theme *theme;
    struct app_layer *layers;
    size_t nlayers, layers_cap;
    struct app_fd *fds;
    size_t nfds, fds_cap;
    struct app_timer *timers;
    size_t ntimers, timers_cap;
    int (*global_key)(void *ctx, struct app *a, int ch);
    void *global_ctx;
    int next_id;
    int dirty, quit;
    long frames, passes;
    int cursor_y, cursor_x, cursor_shown;
    struct sigaction old_sig[4];
};

static const int app_signals[4] = {SIGWINCH, SIGINT, SIGTERM, SIGHUP};
static struct app *app_current;
static int app_sigpipe[2] = {-1, -1};

static void app_on_signal(int sig)
{
    unsigned char b = (unsigned char)sig;
    int saved = errno;

    if (app_sigpipe[1] >= 0 && write(app_sigpipe[1], &b, 1) < 0) {
        /* the pipe is full: a wake-up is already pending */
    }
    errno = saved;
}

static void app_fatal_hook(void)
{
    if (app_current != NULL && !isendwin())
        endwin();
}

static int app_pipe(int fds[2])
{
    if (pipe(fds) < 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    }
    return 0;
}

static void app_restore_signals(struct app *a)
{
    for (size_t i = 0; i < sizeof app_signals / sizeof app_signals[0]; i++)
        sigaction(app_signals[i], &a->old_sig[i], NULL);
}

static int app_wants_ascii(int opt)
{
    const char *cs;

    if (opt >= 0)
        return opt;
    cs = nl_langinfo(CODESET);
    return cs == NULL || (strcmp(cs, "UTF-8") != 0 && strcmp(cs, "utf8") != 0);
}

struct app *app_new(const struct app_options *opt, struct rt_error *err)
{
    struct app *a;
    struct sigaction sa;
    const char *nc = getenv("NO_COLOR");

    if (app_current != NULL) {
        rt_err_set(err, RT_ERR_INTERNAL, 0, "a terminal session is already running");
        return NULL;
    }
    setlocale(LC_ALL, "");
    a = xcalloc(1, sizeof *a);
    a->opt = *opt;
    a->in = opt->in != NULL ? opt->in : stdin;
    a->out = opt->out != NULL ? opt->out : stdout;
    a->ascii = app_wants_ascii(opt->ascii);
    a->next_id = 1;
    a->dirty = 1;
    a->cursor_y = -1;
    if (app_pipe(app_sigpipe) < 0) {
        rt_err_set(err, RT_ERR_INTERNAL, errno, "cannot create a pipe: %s", strerror(errno));
        free(a);
        return NULL;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = app_on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < sizeof app_signals / sizeof app_signals[0]; i++)
        sigaction(app_signals[i], &sa, &a->old_sig[i]);

    a->screen = newterm(opt->term, a->out, a->in);
    if (a->screen == NULL) {
        rt_err_set(err, RT_ERR_ARG, 0, "cannot use terminal type '%s'",
                   opt->term != NULL ? opt->term : (getenv("TERM") ? getenv("TERM") : "(unset)"));
        app_restore_signals(a);
        close(app_sigpipe[0]);
        close(app_sigpipe[1]);
        app_sigpipe[0] = app_sigpipe[1] = -1;
        free(a);
        return NULL;
    }
    set_term(a->screen);
    app_current = a;
    rt_set_fatal_hook(app_fatal_hook);
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    leaveok(stdscr, TRUE);
    set_escdelay(APP_ESCDELAY_MS);
    curs_set(0);
    a->color = !opt->no_color && (nc == NULL || nc[0] == '\0') && has_colors();
    if (a->color) {
        start_color();
        use_default_colors();
    }
    if (opt->mouse)
        mousemask(ALL_MOUSE_EVENTS, NULL);
    return a;
}

void app_free(struct app *a)
{
    if (a == NULL)
        return;
    while (a->nlayers > 0)
        app_pop(a);
    free(a->layers);
    free(a->fds);
    free(a->timers);
    if (!isendwin())
        endwin();
    delscreen(a->screen);
    app_restore_signals(a);
    close(app_sigpipe[0]);
    close(app_sigpipe[1]);
    app_sigpipe[0] = app_sigpipe[1] = -1;
    rt_set_fatal_hook(NULL);
    app_current = NULL;
    free(a);
}

void app_set_theme(struct app *a, struct theme *th)
{
    a->theme = th;
    if (th != NULL)
        theme_apply(th, a->color);
    a->dirty = 1;
}

const struct theme *app_theme(const struct app *a)
{
    return a->theme;
}

int app_ascii(const struct app *a)
{
    return a->ascii;
}

int app_color(const struct app *a)
{
    return a->color;
}

/* ---- layers ------------------------------------------------------------- */

int app_push(struct app *a, const struct app_layer_ops *ops, void *ctx, unsigned flags)
{
    struct app_layer *l;

    RT_ASSERT(ops != NULL && ops->draw != NULL);
    a->layers = xgrow(a->layers, &a->layers_cap, a->nlayers + 1, sizeof *a->layers);
    l = &a->layers[a->nlayers++];
    l->id = a->next_id++;
    l->ops = ops;
    l->ctx = ctx;
    l->flags = flags;
    a->dirty = 1;
    return l->id;
}

static long app_layer_index(const struct app *a, int id)
{
    for (size_t i = 0; i < a->nlayers; i++) {
        if (a->layers[i].id == id)
            return (long)i;
    }
    return -1;
}

void app_remove_layer(struct app *a, int id)
{
    long i = app_layer_index(a, id);
    struct app_layer l;

    if (i < 0)
        return;
    l = a->layers[i];
    memmove(&a->layers[i], &a->layers[i + 1], (a->nlayers - (size_t)i - 1) * sizeof l);
    a->nlayers--;
    a->dirty = 1;
    if (l.ops->destroy != NULL)
        l.ops->destroy(l.ctx);
}

void app_pop(struct app *a)
{
    if (a->nlayers > 0)
        app_remove_layer(a, a->layers[a->nlayers - 1].id);
}

size_t app_depth(const struct app *a)
{
    return a->nlayers;
}

/* ---- fds and timers ----------------------------------------------------- */

int app_add_fd(struct app *a, int fd, short events,
               int (*cb)(void *ctx, struct app *a, int fd, short revents), void *ctx)
{
    struct app_fd *f;

    a->fds = xgrow(a->fds, &a->fds_cap, a->nfds + 1, sizeof *a->fds);
    f = &a->fds[a->nfds++];
    f->id = a->next_id++;
    f->fd = fd;
    f->events = events;
    f->cb = cb;
    f->ctx = ctx;
    return f->id;
}

void app_remove_fd(struct app *a, int id)
{
    for (size_t i = 0; i < a->nfds; i++) {
        if (a->fds[i].id == id)
            a->fds[i].id = 0;
    }
}

int app_add_timer(struct app *a, int64_t interval_ms, int (*cb)(void *ctx, struct app *a),
                  void *ctx)
{
    struct app_timer *t;

    a->timers = xgrow(a->timers, &a->timers_cap, a->ntimers + 1, sizeof *a->timers);
    t = &a->timers[a->ntimers++];
    t->id = a->next_id++;
    t->interval = interval_ms > 0 ? interval_ms : 1;
    t->due = rt_mono_ms() + t->interval;
    t->cb = cb;
    t->ctx = ctx;
    return t->id;
}

void app_remove_timer(struct app *a, int id)
{
    for (size_t i = 0; i < a->ntimers; i++) {
        if (a->timers[i].id == id)
            a->timers[i].id = 0;
    }
}

/* Drop removed fds and timers (between passes, never while iterating). */
static void app_compact(struct app *a)
{
    size_t k = 0;

    for (size_t i = 0; i < a->nfds; i++) {
        if (a->fds[i].id != 0)
            a->fds[k++] = a->fds[i];
    }
    a->nfds = k;
    k = 0;
    for (size_t i = 0; i < a->ntimers; i++) {
        if (a->timers[i].id != 0)
            a->timers[k++] = a->timers[i];
    }
    a->ntimers = k;
}

void app_set_global_key(struct app *a, int (*cb)(void *ctx, struct app *a, int ch), void *ctx)
{
    a->global_key = cb;
    a->global_ctx = ctx;
}

void app_dirty(struct app *a)
{
    a->dirty = 1;
}

void app_quit(struct app *a)
{
    a->quit = 1;
}

void app_show_cursor(struct app *a, int y, int x)
{
    a->cursor_y = y;
    a->cursor_x = x;
}

long app_frames(const struct app *a)
{
    return a->frames;
}

/* ---- the loop ----------------------------------------------------------- */

static void app_react(struct app *a, int r)
{
    if (r & (APP_HANDLED | APP_REDRAW))
        a->dirty = 1;
    if (r & APP_QUIT)
        a->quit = 1;
}

static void app_draw(struct app *a)
{
    size_t first = 0;
    int want_cursor;

    for (size_t i = a->nlayers; i-- > 0;) {
        if (a->layers[i].flags & APP_LAYER_OPAQUE) {
            first = i;
            break;
        }
    }
    a->cursor_y = -1;
    for (size_t i = first; i < a->nlayers; i++) {
        struct app_layer l = a->layers[i];
        l.ops->draw(l.ctx, a, stdscr, LINES, COLS);
    }
    want_cursor = a->cursor_y >= 0;
    if (want_cursor != a->cursor_shown) {
        curs_set(want_cursor);
        leaveok(stdscr, want_cursor ? FALSE : TRUE);
        a->cursor_shown = want_cursor;
    }
    if (want_cursor)
        wmove(stdscr, a->cursor_y, a->cursor_x);
    wnoutrefresh(stdscr);
    doupdate();
    a->dirty = 0;
    a->frames++;
}

static void app_dispatch_key(struct app *a, int ch)
{
    long i = (long)a->nlayers - 1;

    while (i >= 0 && !a->quit) {
        struct app_layer l = a->layers[i];
        int r = l.ops->key != NULL ? l.ops->key(l.ctx, a, ch) : APP_IGNORED;

        if (r & APP_CLOSE)
            app_remove_layer(a, l.id);
        app_react(a, r);
        if (r != APP_IGNORED || (l.flags & APP_LAYER_MODAL))
            return;
        /* callbacks may have changed the stack: continue below this layer */
        i = app_layer_index(a, l.id);
        i = i < 0 ? (long)a->nlayers - 1 : i - 1;
    }
    if (a->global_key != NULL && !a->quit)
        app_react(a, a->global_key(a->global_ctx, a, ch));
}

static void app_resize(struct app *a)
{
    struct winsize ws;

    if (ioctl(fileno(a->out), TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    a->dirty = 1;
}

static void app_read_signals(struct app *a)
{
    unsigned char buf[64];
    ssize_t n;

    while ((n = read(app_sigpipe[0], buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == SIGWINCH)
                app_resize(a);
            else
                a->quit = 1;
        }
    }
}

static void app_read_keys(struct app *a)
{
    wint_t wch;
    int rc;

    while (!a->quit && (rc = wget_wch(stdscr, &wch)) != ERR) {
        int ch = rc == KEY_CODE_YES ? KEYMAP_FN((int)wch) : (int)wch;

        if (ch == KEYMAP_FN(KEY_RESIZE)) {
            a->dirty = 1;
            continue;
        }
        app_dispatch_key(a, ch);
    }
}

static void app_run_timers(struct app *a)
{
    int64_t now = rt_mono_ms();

    for (size_t i = 0; i < a->ntimers && !a->quit; i++) {
        struct app_timer t = a->timers[i];

        if (t.id == 0 || t.due > now)
            continue;
        a->timers[i].due = t.due + t.interval > now ? t.due + t.interval : now + t.interval;
        app_react(a, t.cb(t.ctx, a));
    }
}

/* One pass; max_wait_ms < 0: wait for the next event however long. */
static void app_step(struct app *a, int max_wait_ms)
{
    struct pollfd *pfd;
    size_t n = 0, nfds;
    int timeout = max_wait_ms;
    int64_t now;

    app_compact(a);
    if (a->dirty)
        app_draw(a);
    now = rt_mono_ms();
    for (size_t i = 0; i < a->ntimers; i++) {
        int64_t left = a->timers[i].due - now;
        left = left < 0 ? 0 : left;
        if (timeout < 0 || left < timeout)
            timeout = (int)left;
    }
    nfds = a->nfds;
    pfd = xcalloc(nfds + 2, sizeof *pfd);
    pfd[n].fd = fileno(a->in);
    pfd[n++].events = POLLIN;
    pfd[n].fd = app_sigpipe[0];
    pfd[n++].events = POLLIN;
    for (size_t i = 0; i < nfds; i++) {
        pfd[n].fd = a->fds[i].fd;
        pfd[n++].events = a->fds[i].events;
    }
    if (poll(pfd, n, timeout) > 0) {
        if (pfd[1].revents & POLLIN)
            app_read_signals(a);
        if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
            app_read_keys(a);
        if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))
            a->quit = 1; /* the terminal is gone */
        for (size_t i = 0; i < nfds && !a->quit; i++) {
            struct app_fd f = a->fds[i]; /* callbacks may grow the array */
            if (f.id != 0 && pfd[2 + i].revents != 0)
                app_react(a, f.cb(f.ctx, a, f.fd, pfd[2 + i].revents));
        }
    }
    free(pfd);
    if (!a->quit)
        app_run_timers(a);
    a->passes++;
}

int app_run(struct app *a)
{
    long limit = a->opt.max_frames;

    while (!a->quit && (limit <= 0 || a->passes < limit))
        app_step(a, limit > 0 ? APP_FRAME_WAIT_MS : -1);
    if (a->dirty && !a->quit)
        app_draw(a);
    return 0;
}

int app_run_frames(struct app *a, long n)
{
    for (long i = 0; i < n && !a->quit; i++)
        app_step(a, APP_FRAME_WAIT_MS);
    if (a->dirty && !a->quit)
        app_draw(a);
    return a->quit;
}
