/*
 * test_app.c - the main loop on a real pseudo-terminal: keys (UTF-8,
 * function keys, lone Esc), layers and modality, timers, extra fds,
 * SIGWINCH resizing, sanitised output and a silent idle loop.
 *
 * The app draws to the pty's slave side; a thread drains the master side
 * into a buffer (the terminal "screen bytes") so the app never blocks on a
 * full pty, and the test writes keystrokes into the master.
 */
#include "testutil.h"

#include "core/err.h"
#include "core/strbuf.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/keymap.h"
#include "tui/theme.h"

#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct drain {
    int fd;
    pthread_mutex_t lock;
    struct strbuf out;
    int stop;
};

static void *drain_main(void *arg)
{
    struct drain *d = arg;
    char buf[4096];

    for (;;) {
        struct pollfd p = {d->fd, POLLIN, 0};
        ssize_t n;
        int stop;

        pthread_mutex_lock(&d->lock);
        stop = d->stop;
        pthread_mutex_unlock(&d->lock);
        if (stop)
            break;
        if (poll(&p, 1, 20) <= 0)
            continue;
        n = read(d->fd, buf, sizeof buf);
        if (n <= 0)
            break;
        pthread_mutex_lock(&d->lock);
        strbuf_add(&d->out, buf, (size_t)n);
        pthread_mutex_unlock(&d->lock);
    }
    return NULL;
}

/* Bytes received so far, once the terminal output has settled (no new bytes for 50 ms). */
static size_t drained(struct drain *d)
{
    size_t n = (size_t)-1, prev;

    do {
        prev = n;
        usleep(50 * 1000);
        pthread_mutex_lock(&d->lock);
        n = d->out.len;
        pthread_mutex_unlock(&d->lock);
    } while (n != prev);
    return n;
}

/* ---- layers used by the test ------------------------------------------- */

struct screen {
    int keys[64];
    int nkeys;
    int draws;
    int destroyed;
    const char *text;
};

static void screen_draw(void *ctx, struct app *a, WINDOW *w, int h, int width)
{
    struct screen *s = ctx;

    s->draws++;
    draw_text(w, 0, 0, width, s->text, theme_attr(app_theme(a), ROLE_HEADER), DRAW_LEFT,
              app_ascii(a));
    draw_fill(w, 1, 0, h - 1, width, theme_attr(app_theme(a), ROLE_DEFAULT));
}

static int screen_key(void *ctx, struct app *a, int ch)
{
    struct screen *s = ctx;

    (void)a;
    if (s->nkeys < 64)
        s->keys[s->nkeys++] = ch;
    if (ch == 'q')
        return APP_QUIT;
    if (ch == 'x')
        return APP_HANDLED | APP_CLOSE;
    if (ch == 'i')
        return APP_IGNORED;
    return APP_HANDLED;
}

static void screen_destroy(void *ctx)
{
    ((struct screen *)ctx)->destroyed++;
}

static const struct app_layer_ops screen_ops = {"screen", screen_draw, screen_key, screen_destroy};

static int global_keys;

static int global_key(void *ctx, struct app *a, int ch)
{
    (void)ctx;
    (void)a;
    (void)ch;
    global_keys++;
    return APP_HANDLED;
}

static int ticks;

static int on_tick(void *ctx, struct app *a)
{
    (void)ctx;
    (void)a;
    ticks++;
    return APP_IGNORED; /* nothing visible: must not cause a redraw */
}

static int fd_events;

static int on_fd(void *ctx, struct app *a, int fd, short revents)
{
    char c;

    (void)ctx;
    (void)a;
    if ((revents & POLLIN) && read(fd, &c, 1) == 1)
        fd_events++;
    return APP_REDRAW;
}

static void type(int master, const char *keys)
{
    assert_int_equal(write(master, keys, strlen(keys)), (ssize_t)strlen(keys));
}

static void test_app_on_a_pty(void **state)
{
    struct winsize ws = {24, 80, 0, 0};
    int master, slave, wake[2];
    struct drain d = {0};
    pthread_t th;
    struct app_options opt = {0};
    struct rt_error err = {0};
    struct app *a;
    struct theme *theme = theme_new_default();
    struct screen bottom = {0}, top = {0};
    FILE *in, *out;
    size_t before;
    int top_id, timer_id, fd_id;
    (void)state;

    assert_int_equal(openpty(&master, &slave, NULL, NULL, &ws), 0);
    assert_int_equal(pipe(wake), 0);
    in = fdopen(dup(slave), "r");
    out = fdopen(slave, "w");
    d.fd = master;
    pthread_mutex_init(&d.lock, NULL);
    assert_int_equal(pthread_create(&th, NULL, drain_main, &d), 0);

    opt.ascii = 0;
    opt.in = in;
    opt.out = out;
    opt.term = "xterm-256color";
    a = app_new(&opt, &err);
    if (a == NULL)
        fail_msg("%s", err.msg);
    /* only one session at a time */
    assert_null(app_new(&opt, &err));
    assert_int_equal(err.code, RT_ERR_INTERNAL);
    app_set_theme(a, theme);
    bottom.text = "racktop \x1b]0;pwned\x07 ok";
    app_push(a, &screen_ops, &bottom, APP_LAYER_OPAQUE);
    app_set_global_key(a, global_key, NULL);
    timer_id = app_add_timer(a, 5, on_tick, NULL);
    fd_id = app_add_fd(a, wake[0], POLLIN, on_fd, NULL);

    /* first pass draws */
    assert_int_equal(app_run_frames(a, 1), 0);
    assert_int_equal(app_frames(a), 1);
    assert_int_equal(bottom.draws, 1);
    assert_int_equal(LINES, 24);
    assert_int_equal(COLS, 80);

    /* keys: ASCII, UTF-8, a function key, a lone Esc */
    type(master, "a\xc3\xa9\x1bOB");
    app_run_frames(a, 3);
    type(master, "\x1b");
    app_run_frames(a, 3);
    assert_int_equal(bottom.nkeys, 4);
    assert_int_equal(bottom.keys[0], 'a');
    assert_int_equal(bottom.keys[1], 0xe9);
    assert_int_equal(bottom.keys[2], KEYMAP_FN(KEY_DOWN));
    assert_int_equal(bottom.keys[3], KEYMAP_ESC);

    /* an ignored key falls through to the global handler */
    type(master, "i");
    app_run_frames(a, 2);
    assert_int_equal(global_keys, 1);

    /* a modal layer swallows keys, APP_CLOSE pops it */
    top.text = "dialog";
    top_id = app_push(a, &screen_ops, &top, APP_LAYER_MODAL);
    assert_true(top_id > 0);
    assert_int_equal(app_depth(a), 2);
    type(master, "i");
    app_run_frames(a, 2);
    assert_int_equal(top.nkeys, 1);
    assert_int_equal(bottom.nkeys, 5);
    assert_int_equal(global_keys, 1);
    type(master, "x");
    app_run_frames(a, 2);
    assert_int_equal(app_depth(a), 1);
    assert_int_equal(top.destroyed, 1);

    /* an extra fd wakes the loop */
    assert_int_equal(write(wake[1], "!", 1), 1);
    app_run_frames(a, 2);
    assert_int_equal(fd_events, 1);

    /* timers run; an idle loop whose timer changes nothing sends no bytes */
    before = drained(&d);
    {
        int t0 = ticks, draws = bottom.draws;
        app_run_frames(a, 10);
        assert_true(ticks > t0);
        assert_int_equal(bottom.draws, draws);
    }
    assert_int_equal(drained(&d), before);

    /* SIGWINCH: the screen takes the new size and redraws */
    ws.ws_row = 30;
    ws.ws_col = 100;
    assert_int_equal(ioctl(master, TIOCSWINSZ, &ws), 0);
    raise(SIGWINCH);
    app_run_frames(a, 2);
    assert_int_equal(LINES, 30);
    assert_int_equal(COLS, 100);

    /* a removed timer and fd stay quiet */
    app_remove_timer(a, timer_id);
    app_remove_fd(a, fd_id);
    {
        int t0 = ticks;
        assert_int_equal(write(wake[1], "!", 1), 1);
        app_run_frames(a, 3);
        assert_int_equal(ticks, t0);
        assert_int_equal(fd_events, 1);
    }

    /* a layer removed by id, wherever it is in the stack */
    top_id = app_push(a, &screen_ops, &top, 0);
    app_remove_layer(a, top_id);
    assert_int_equal(top.destroyed, 2);
    assert_int_equal(app_depth(a), 1);

    /* 'q' quits */
    type(master, "q");
    assert_int_equal(app_run_frames(a, 5), 1);

    app_free(a);
    assert_int_equal(bottom.destroyed, 1);

    /* what reached the terminal: the text, never the escape sequence */
    pthread_mutex_lock(&d.lock);
    d.stop = 1;
    pthread_mutex_unlock(&d.lock);
    pthread_join(th, NULL);
    strbuf_addc(&d.out, '\0');
    assert_non_null(strstr(d.out.buf, "racktop"));
    assert_null(strstr(d.out.buf, "pwned"));
    assert_null(strstr(d.out.buf, "\x1b]0;"));

    strbuf_done(&d.out);
    pthread_mutex_destroy(&d.lock);
    theme_free(theme);
    fclose(in);
    fclose(out);
    close(master);
    close(wake[0]);
    close(wake[1]);
}

static void test_max_frames(void **state)
{
    int master, slave;
    struct winsize ws = {24, 80, 0, 0};
    struct app_options opt = {0};
    struct screen s = {0};
    struct drain d = {0};
    pthread_t th;
    FILE *in, *out;
    struct app *a;
    (void)state;

    assert_int_equal(openpty(&master, &slave, NULL, NULL, &ws), 0);
    in = fdopen(dup(slave), "r");
    out = fdopen(slave, "w");
    d.fd = master;
    pthread_mutex_init(&d.lock, NULL);
    assert_int_equal(pthread_create(&th, NULL, drain_main, &d), 0);
    opt.ascii = 1;
    opt.no_color = 1;
    opt.max_frames = 3;
    opt.in = in;
    opt.out = out;
    opt.term = "xterm";
    a = app_new(&opt, NULL);
    assert_non_null(a);
    assert_int_equal(app_ascii(a), 1);
    assert_int_equal(app_color(a), 0);
    s.text = "smoke";
    app_push(a, &screen_ops, &s, 0);
    assert_int_equal(app_run(a), 0); /* returns by itself after 3 passes */
    assert_int_equal(app_frames(a), 1);
    app_free(a);
    pthread_mutex_lock(&d.lock);
    d.stop = 1;
    pthread_mutex_unlock(&d.lock);
    pthread_join(th, NULL);
    strbuf_done(&d.out);
    pthread_mutex_destroy(&d.lock);
    fclose(in);
    fclose(out);
    close(master);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_app_on_a_pty),
        cmocka_unit_test(test_max_frames),
    };

    setenv("LC_ALL", "C.UTF-8", 1);
    unsetenv("NO_COLOR");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
