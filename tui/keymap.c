/*
 * keymap.c - binding tables, key names in both directions, help text.
 *
 * The named keys live in one table (keymap_names[]) that both
 * keymap_parse_key() and keymap_key_name() read, so a name always parses
 * back to the key it was printed for.  The first entry for a key is its
 * canonical name; later entries are accepted aliases.
 *
 * Pure functions over caller tables; thread-safe.
 */
#include "tui/keymap.h"

#include "core/strbuf.h"
#include "tui/sanitize.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KEYMAP_MAX_FKEY 63
#define KEYMAP_HELP_KEYCOL 14 /* width of the key column in help text */

struct keymap_name {
    const char *name;
    int key;
};

static const struct keymap_name keymap_names[] = {
    {"enter", KEYMAP_ENTER},
    {"return", KEYMAP_ENTER},
    {"esc", KEYMAP_ESC},
    {"escape", KEYMAP_ESC},
    {"space", ' '},
    {"tab", '\t'},
    {"backtab", KEYMAP_FN(KEY_BTAB)},
    {"shift-tab", KEYMAP_FN(KEY_BTAB)},
    {"backspace", KEYMAP_FN(KEY_BACKSPACE)},
    {"delete", KEYMAP_FN(KEY_DC)},
    {"del", KEYMAP_FN(KEY_DC)},
    {"insert", KEYMAP_FN(KEY_IC)},
    {"ins", KEYMAP_FN(KEY_IC)},
    {"up", KEYMAP_FN(KEY_UP)},
    {"down", KEYMAP_FN(KEY_DOWN)},
    {"left", KEYMAP_FN(KEY_LEFT)},
    {"right", KEYMAP_FN(KEY_RIGHT)},
    {"home", KEYMAP_FN(KEY_HOME)},
    {"end", KEYMAP_FN(KEY_END)},
    {"pgup", KEYMAP_FN(KEY_PPAGE)},
    {"pageup", KEYMAP_FN(KEY_PPAGE)},
    {"pgdn", KEYMAP_FN(KEY_NPAGE)},
    {"pagedown", KEYMAP_FN(KEY_NPAGE)},
};

/* Keys that mean the same to dispatch: Enter may arrive three ways. */
static int keymap_canonical(int key)
{
    if (key == '\n' || key == KEYMAP_FN(KEY_ENTER))
        return KEYMAP_ENTER;
    if (key == 127 || key == KEYMAP_CTRL('h'))
        return KEYMAP_FN(KEY_BACKSPACE);
    return key;
}

int keymap_lookup(const struct binding *table, int key)
{
    key = keymap_canonical(key);
    for (const struct binding *b = table; b->action != 0; b++) {
        if (keymap_canonical(b->key) == key)
            return b->action;
    }
    return 0;
}

const struct binding *keymap_find_action(const struct binding *table, int action)
{
    for (const struct binding *b = table; b->action != 0; b++) {
        if (b->action == action)
            return b;
    }
    return NULL;
}

int keymap_parse_key(const char *name)
{
    size_t len;
    int32_t cp;

    if (name == NULL || name[0] == '\0')
        return -1;
    len = strlen(name);
    if (sanitize_decode(name, len, &cp) == len)
        return cp >= 0x20 && cp != 0x7f ? cp : -1; /* one printable character */
    for (size_t i = 0; i < sizeof keymap_names / sizeof keymap_names[0]; i++) {
        if (strcasecmp(name, keymap_names[i].name) == 0)
            return keymap_names[i].key;
    }
    if (strncasecmp(name, "ctrl-", 5) == 0 || strncasecmp(name, "c-", 2) == 0 || name[0] == '^') {
        const char *c = name[0] == '^' ? name + 1 : strchr(name, '-') + 1;
        int ch = (unsigned char)c[0];
        if (ch == '\0' || c[1] != '\0')
            return -1;
        if (ch >= 'A' && ch <= 'Z')
            ch += 'a' - 'A';
        if ((ch >= 'a' && ch <= 'z') || ch == '@' || ch == '[' || ch == '\\' || ch == ']' ||
            ch == '^' || ch == '_' || ch == ' ')
            return KEYMAP_CTRL(ch);
        return -1;
    }
    if ((name[0] == 'F' || name[0] == 'f') && name[1] >= '1' && name[1] <= '9') {
        char *end = NULL;
        long n = strtol(name + 1, &end, 10);
        if (*end == '\0' && n >= 1 && n <= KEYMAP_MAX_FKEY)
            return KEYMAP_FN(KEY_F((int)n));
    }
    return -1;
}

const char *keymap_key_name(int key, char *buf, size_t len)
{
    key = keymap_canonical(key);
    for (size_t i = 0; i < sizeof keymap_names / sizeof keymap_names[0]; i++) {
        if (keymap_names[i].key == key) {
            snprintf(buf, len, "%s", keymap_names[i].name);
            return buf;
        }
    }
    if (key >= KEYMAP_FN(KEY_F(1)) && key <= KEYMAP_FN(KEY_F(KEYMAP_MAX_FKEY)))
        snprintf(buf, len, "F%d", key - KEYMAP_FN(KEY_F(0)));
    else if (KEYMAP_IS_FN(key))
        snprintf(buf, len, "key-%d", key - KEYMAP_FN_BASE);
    else if (key == 0)
        snprintf(buf, len, "ctrl-@");
    else if (key < 0x20)
        snprintf(buf, len, "ctrl-%c", key + 'a' - 1);
    else if (key < 0x7f)
        snprintf(buf, len, "%c", key);
    else if (key > 0x9f && key < 0x110000) {
        char cp[5] = {0};
        /* encode the code point as UTF-8 */
        if (key < 0x800) {
            cp[0] = (char)(0xc0 | (key >> 6));
            cp[1] = (char)(0x80 | (key & 0x3f));
        } else if (key < 0x10000) {
            cp[0] = (char)(0xe0 | (key >> 12));
            cp[1] = (char)(0x80 | ((key >> 6) & 0x3f));
            cp[2] = (char)(0x80 | (key & 0x3f));
        } else {
            cp[0] = (char)(0xf0 | (key >> 18));
            cp[1] = (char)(0x80 | ((key >> 12) & 0x3f));
            cp[2] = (char)(0x80 | ((key >> 6) & 0x3f));
            cp[3] = (char)(0x80 | (key & 0x3f));
        }
        snprintf(buf, len, "%s", cp);
    } else {
        snprintf(buf, len, "key-%d", key);
    }
    return buf;
}

const char *keymap_binding_name(const struct binding *b, char *buf, size_t len)
{
    if (b->keyname != NULL) {
        snprintf(buf, len, "%s", b->keyname);
        return buf;
    }
    return keymap_key_name(b->key, buf, len);
}

size_t keymap_help(const struct binding *table, const char *title, struct strbuf *sb)
{
    struct strbuf keys = STRBUF_INIT;
    size_t lines = 0;
    char name[32];

    if (title != NULL) {
        strbuf_addf(sb, "%s\n", title);
        lines++;
    }
    for (const struct binding *b = table; b->action != 0; b++) {
        int seen = 0;
        int pad;

        if (b->help == NULL)
            continue;
        /* Only the first binding of an action and help text opens a line. */
        for (const struct binding *e = table; e != b; e++) {
            if (e->action == b->action && e->help != NULL)
                seen = 1;
        }
        if (seen)
            continue;
        strbuf_reset(&keys);
        for (const struct binding *e = table; e->action != 0; e++) {
            if (e->action != b->action)
                continue;
            if (keys.len > 0)
                strbuf_addc(&keys, '/');
            strbuf_adds(&keys, keymap_binding_name(e, name, sizeof name));
        }
        pad = KEYMAP_HELP_KEYCOL - sanitize_width(keys.buf);
        strbuf_addf(sb, "  %s%*s %s\n", keys.buf, pad > 0 ? pad : 0, "", b->help);
        lines++;
    }
    strbuf_done(&keys);
    return lines;
}
