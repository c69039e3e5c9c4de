/*
 * app.h - the main loop: curses set-up, layers, keys, timers, extra fds.
 *
 * One poll() loop (htop's ScreenManager_run): draw if something is dirty,
 * wait for the terminal, a registered fd, a signal or the nearest timer,
 * then dispatch.  The UI never blocks anywhere else, so every widget is
 * fed keys through a callback and answers with reaction bits.
 *
 *     struct app_options opt = {.ascii = -1};
 *     struct app *a = app_new(&opt, &err);            curses is up
 *     if (a == NULL) { fprintf(stderr, "racktop: %s\n", err.msg); exit(1); }
 *     app_set_theme(a, theme);
 *     app_push(a, &main_screen_ops, screen, 0);       bottom layer
 *     app_add_fd(a, engine_wake_fd, POLLIN, on_engine, engine);
 *     app_add_timer(a, 1000, on_tick, screen);
 *     app_set_global_key(a, global_key, ctx);
 *     app_run(a);                                     until a reaction has APP_QUIT
 *     app_free(a);                                    terminal restored
 *
 * Layers form a stack: the screen at the bottom, dialogs, forms and
 * pagers pushed on top.  Keys go to the top layer first; a layer that
 * returns APP_IGNORED passes the key down, unless it is APP_LAYER_MODAL;
 * keys nobody handles go to the global key callback.  Drawing starts at
 * the highest APP_LAYER_OPAQUE layer (or the bottom) and goes up, all into
 * stdscr, then one wnoutrefresh()+doupdate().
 *
 * Keys are keymap.h codes: characters as code points (read with get_wch,
 * so UTF-8 input works), function keys as KEYMAP_FN(KEY_...).
 *
 * Threading: one app at a time, on the UI thread.  Other threads wake the
 * loop by writing to an fd registered with app_add_fd().
 */
#ifndef RT_APP_H
#define RT_APP_H

#include <curses.h>
#include <stdint.h>
#include <stdio.h>

struct rt_error;
struct theme;
struct app;

/* Reaction bits returned by key, fd and timer callbacks (htop's Htop_Reaction). */
enum app_reaction {
    APP_IGNORED = 0,
    APP_HANDLED = 1 << 0, /* a key was used (implies a redraw) */
    APP_REDRAW = 1 << 1,  /* something visible changed */
    APP_QUIT = 1 << 2,    /* leave app_run() */
    APP_CLOSE = 1 << 3,   /* from a layer's key callback: pop that layer */
};

/* Layer flags for app_push(). */
enum app_layer_flag {
    APP_LAYER_MODAL = 1 << 0,  /* keys never pass below this layer */
    APP_LAYER_OPAQUE = 1 << 1, /* covers the whole screen: layers below are not drawn */
};

struct app_layer_ops {
    const char *name;
    /* MUST: draw into w (stdscr), h x width cells; never erase, overwrite. */
    void (*draw)(void *ctx, struct app *a, WINDOW *w, int h, int width);
    /* MAY: handle a key; returns enum app_reaction bits.  NULL: ignores keys. */
    int (*key)(void *ctx, struct app *a, int ch);
    /* MAY: free ctx when the layer is popped or the app is freed. */
    void (*destroy)(void *ctx);
};

struct app_options {
    int ascii;        /* -1: from the locale (ASCII unless the codeset is UTF-8), 0, 1 */
    int no_color;     /* monochrome; a non-empty NO_COLOR variable does the same */
    int mouse;        /* report mouse events as KEYMAP_FN(KEY_MOUSE) */
    long max_frames;  /* > 0: app_run() returns after this many loop passes (smoke tests) */
    FILE *in, *out;   /* NULL: stdin and stdout */
    const char *term; /* NULL: $TERM */
};

/*
 * Start curses (setlocale, newterm, cbreak, noecho, nonl, keypad, ESCDELAY
 * 25 ms, hidden cursor, colours unless disabled) and install the SIGWINCH,
 * SIGINT, SIGTERM and SIGHUP handlers and the fatal hook that restores the
 * terminal.  Returns NULL with err set if the terminal cannot be used or
 * another app is running.
 */
struct app *app_new(const struct app_options *opt, struct rt_error *err);
/* Destroy every layer, restore the terminal and the signal handlers. */
void app_free(struct app *a);

/* Use th (borrowed; NULL: monochrome defaults) and set up its colours. */
void app_set_theme(struct app *a, struct theme *th);
const struct theme *app_theme(const struct app *a);
int app_ascii(const struct app *a);
int app_color(const struct app *a);

/* Push a layer; ctx is owned by the layer if ops->destroy is set.  Returns its id. */
int app_push(struct app *a, const struct app_layer_ops *ops, void *ctx, unsigned flags);
/* Pop the top layer (calling destroy).  Safe from inside callbacks. */
void app_pop(struct app *a);
/* Remove the layer with this id wherever it is.  Safe from inside callbacks. */
void app_remove_layer(struct app *a, int id);
size_t app_depth(const struct app *a);

/*
 * Watch fd for events (POLLIN, POLLOUT); cb returns reaction bits.
 * Returns an id for app_remove_fd().  Safe from inside callbacks.
 */
int app_add_fd(struct app *a, int fd, short events,
               int (*cb)(void *ctx, struct app *a, int fd, short revents), void *ctx);
void app_remove_fd(struct app *a, int id);
/* Call cb every interval_ms (first call one interval from now).  Returns an id. */
int app_add_timer(struct app *a, int64_t interval_ms, int (*cb)(void *ctx, struct app *a),
                  void *ctx);
void app_remove_timer(struct app *a, int id);
/* The handler for keys no layer used (e.g. the global key table). */
void app_set_global_key(struct app *a, int (*cb)(void *ctx, struct app *a, int ch), void *ctx);

/* Request a redraw / the end of app_run(). */
void app_dirty(struct app *a);
void app_quit(struct app *a);
/* From a draw callback: show the terminal cursor at (y, x) this frame. */
void app_show_cursor(struct app *a, int y, int x);

/* Run until APP_QUIT (or options.max_frames passes).  Returns 0. */
int app_run(struct app *a);
/*
 * Run at most n loop passes (each waits at most 100 ms), then return; for
 * tests and headless runs.  Returns 1 if the app was asked to quit, else 0.
 */
int app_run_frames(struct app *a, long n);
/* Frames drawn so far. */
long app_frames(const struct app *a);

#endif
