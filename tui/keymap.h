/*
 * keymap.h - key bindings as data.
 *
 * A binding table maps keys to actions (small integers chosen by the owner,
 * 0 meaning "none") with a help text.  The same table drives dispatch, the
 * help screen and the hint bar, so they cannot drift.
 *
 * Key codes: a Unicode character is its code point; a curses function key
 * (KEY_DOWN, KEY_F(5), ...) is KEYMAP_FN(code), so that it can never collide
 * with a character such as U+0102 (KEY_DOWN is 0402 octal).  app.c reads keys
 * with get_wch() and encodes them this way; everything else uses the codes.
 *
 *     enum { ACT_QUIT = 1, ACT_HELP, ACT_REFRESH };
 *     static const struct binding keys[] = {
 *         {'q', NULL, ACT_QUIT, "quit racktop", "quit"},
 *         {'?', NULL, ACT_HELP, "show this help", "help"},
 *         {KEYMAP_CTRL('r'), NULL, ACT_REFRESH, "refresh now", NULL},
 *         {KEYMAP_FN(KEY_F(5)), NULL, ACT_REFRESH, "refresh now", NULL},
 *         {0},
 *     };
 *     switch (keymap_lookup(keys, ch)) { case ACT_QUIT: ... }
 *     keymap_help(keys, "Global", &sb);     lines like "q          quit racktop"
 */
#ifndef RT_KEYMAP_H
#define RT_KEYMAP_H

#include <stddef.h>

struct strbuf;

#define KEYMAP_FN_BASE 0x110000 /* above every Unicode code point */
#define KEYMAP_FN(k) (KEYMAP_FN_BASE + (k))
#define KEYMAP_IS_FN(k) ((k) >= KEYMAP_FN_BASE)
#define KEYMAP_CTRL(c) ((c)&0x1f)
#define KEYMAP_ESC 27
#define KEYMAP_ENTER 13 /* nonl(): Enter arrives as CR; LF (ctrl-j) is also accepted as enter */

/*
 * One binding.  Tables end with an entry whose action is 0.
 *   key     - key code as above;
 *   keyname - how help shows the key, or NULL for keymap_key_name(key);
 *   action  - owner-defined, non-zero;
 *   help    - one line for the help screen (NULL: not listed);
 *   hint    - a short label for the hint bar (NULL: not shown there).
 * Several entries may share an action; help lists them on one line.
 */
struct binding {
    int key;
    const char *keyname;
    int action;
    const char *help;
    const char *hint;
};

/* The action bound to key in table, or 0.  Enter also matches LF/KEY_ENTER. */
int keymap_lookup(const struct binding *table, int key);
/* The first binding of action in table, or NULL (borrowed from table). */
const struct binding *keymap_find_action(const struct binding *table, int action);
/*
 * Parse a key name: a single character ("q", "G", "?", "/", "é"), "ctrl-r"
 * (also "C-r", "^R"), "enter", "esc", "space", "tab", "backtab"
 * ("shift-tab"), "backspace", "delete", "insert", "up", "down", "left",
 * "right", "home", "end", "pgup", "pgdn" (also "pageup", "pagedown"),
 * "F1".."F63".  Names are case-insensitive except single characters.
 * Returns the key code, or -1 for an unknown name.
 */
int keymap_parse_key(const char *name);
/*
 * The canonical name of a key into buf (at least 16 bytes), which
 * keymap_parse_key() reads back to a key that dispatches the same (DEL and
 * ctrl-h are "backspace", ctrl-m and LF are "enter").  Returns buf.
 */
const char *keymap_key_name(int key, char *buf, size_t len);
/* The name help shows for a binding: its keyname or the canonical name. */
const char *keymap_binding_name(const struct binding *b, char *buf, size_t len);
/*
 * Append the help text of table to sb: an optional title line, then one
 * line per action with help, "keys  help", keys joined by "/", in table
 * order.  Returns the number of lines appended.
 */
size_t keymap_help(const struct binding *table, const char *title, struct strbuf *sb);

#endif
