/*
 * console.h - SSH console sessions inside the dashboard.
 *
 * A session is an ssh_conn (core/ssh.c, its own I/O thread) plus a
 * terminal widget (tui/term.c) plus its registration with the app loop (the
 * connection's wake-up fd; a short timer while output is backlogged).  The
 * session belongs to the dashboard's `struct consoles`, not to a layer, so
 * it keeps running, and its screen keeps filling, while the operator looks
 * at other panes.  Several sessions may be open at once.
 *
 *   `s` on an instance row   connect form prefilled from ssh_target.h
 *                            (address, user, port, jump), then the console
 *   :console NAME            re-enter NAME's session, or open the form
 *   :sessions                the list; enter re-enters, r reconnects,
 *                            ctrl-d closes
 *   in the console           the detach key (console.detach_key, ctrl-] by
 *                            default) goes back to the dashboard,
 *                            the session stays; after a disconnect `r`
 *                            reconnects; shift-PgUp/PgDn scroll back
 *
 * The console is a full-screen modal layer: a title line (name,
 * user@host:port, jump chain, link state, messages) over the terminal.
 * While it is shown the terminal is in raw mode, so ctrl-c, ctrl-z, ctrl-s
 * and ctrl-\ reach the remote side.  Host keys: unknown ones are shown
 * (type, SHA256 fingerprint) and pinned only when the operator types yes;
 * changed ones are refused, with no way around it.  Password and
 * passphrase prompts use tui/masked.h; answers are zeroed after use.
 *
 * Never in read-only or wall mode (the keys carry PANE_KEY_HIDE_READ_ONLY
 * and every entry point checks again).
 *
 * Threading: UI thread only.
 */
#ifndef RT_CONSOLE_H
#define RT_CONSOLE_H

#include "tui/keymap.h"

#include <stddef.h>

struct dash;
struct view;
struct consoles;

struct config;

/* The default of console.detach_key (core/config.c's options table has the same). */
#define CONSOLE_DETACH_DEFAULT KEYMAP_CTRL(']')

/*
 * The key that leaves a console with its session alive: console.detach_key
 * of cfg (validated by config_load), else ctrl-].  Its name as configured
 * goes into name (for the title line and help).  Returns the key code.
 */
int console_detach_key(const struct config *cfg, char *name, size_t len);
/* The dashboard's detach key name (borrowed from cs; NULL: the default), for help. */
const char *console_detach_name(const struct consoles *cs);

/* The dashboard's session list (after app_new); free before app_free(). */
struct consoles *consoles_new(struct dash *d);
/* Close every session (hang up, join threads, remove layers and fds).  NULL: no-op. */
void consoles_free(struct consoles *cs);

/* Pane-key commands (struct pane_key.run); return enum app_reaction bits. */
int console_key_connect(struct dash *d, struct view *v);   /* `s` on an instance */
int console_key_enter(struct dash *d, struct view *v);     /* :sessions: re-enter */
int console_key_reconnect(struct dash *d, struct view *v); /* :sessions: reconnect */
int console_key_close(struct dash *d, struct view *v);     /* :sessions: close */
/* `:console NAME`: re-enter the session for NAME, else open the connect form. */
void console_command(struct dash *d, const char *name);

/* Rows of :sessions, oldest first. */
size_t consoles_count(const struct consoles *cs);
/*
 * A cell of row `row`: field "name", "target" (user@host:port), "jump",
 * "link" (state and last message), "age", or "id" (stable row key).
 * Returns buf or a borrowed string; "" out of range.  Untrusted parts are
 * sanitised by the table when drawn.
 */
const char *consoles_cell(struct consoles *cs, size_t row, const char *field, char *buf,
                          size_t len);
/* The theme role of a row (by link state). */
int consoles_row_role(const struct consoles *cs, size_t row);

#endif
