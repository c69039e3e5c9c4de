/*
 * statusbar.c - message line with expiry, and the hint bar.
 *
 * The message is formatted once and kept raw; it is sanitised when drawn,
 * since it often carries backend text (err.msg).  Expiry is evaluated at
 * draw time against the `now` the caller passes, so the module needs no
 * clock of its own and tests can drive time.  UI thread only.
 */
#include "tui/statusbar.h"

#include "core/err.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "tui/draw.h"
#include "tui/keymap.h"
#include "tui/sanitize.h"
#include "tui/theme.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATUSBAR_MAX_SEEN 64

struct statusbar {
    char *text;
    enum statusbar_severity sev;
    int64_t expires; /* -1: never */
};

struct statusbar *statusbar_new(void)
{
    return xcalloc(1, sizeof(struct statusbar));
}

void statusbar_free(struct statusbar *sb)
{
    if (sb == NULL)
        return;
    free(sb->text);
    free(sb);
}

void statusbar_message(struct statusbar *sb, enum statusbar_severity sev, int64_t ttl_ms,
                       const char *fmt, ...)
{
    va_list ap;
    char *text = NULL;

    va_start(ap, fmt);
    if (vasprintf(&text, fmt, ap) < 0)
        rt_fatal("out of memory formatting a status message");
    va_end(ap);
    free(sb->text);
    sb->text = text;
    sb->sev = sev;
    sb->expires = ttl_ms > 0 ? rt_mono_ms() + ttl_ms : -1;
}

void statusbar_clear(struct statusbar *sb)
{
    free(sb->text);
    sb->text = NULL;
}

const char *statusbar_text(const struct statusbar *sb, int64_t now, enum statusbar_severity *sev)
{
    if (sb->text == NULL || (sb->expires >= 0 && now >= sb->expires))
        return NULL;
    if (sev != NULL)
        *sev = sb->sev;
    return sb->text;
}

int64_t statusbar_deadline(const struct statusbar *sb)
{
    return sb->text != NULL ? sb->expires : -1;
}

void statusbar_draw_message(const struct statusbar *sb, WINDOW *w, int y, int x, int width,
                            const struct theme *th, int ascii, int64_t now)
{
    enum statusbar_severity sev = STATUSBAR_INFO;
    const char *text = statusbar_text(sb, now, &sev);
    enum theme_role role = ROLE_STATUS;

    if (text != NULL)
        role = sev == STATUSBAR_ERROR     ? ROLE_ERROR_MSG
               : sev == STATUSBAR_WARNING ? ROLE_WARNING
                                          : ROLE_INFO_MSG;
    draw_text(w, y, x, width, text != NULL ? text : "", theme_attr(th, role), DRAW_LEFT, ascii);
}

int statusbar_draw_hints(WINDOW *w, int y, int x, int width, const struct binding *const *tables,
                         const struct theme *th, int ascii)
{
    int seen[STATUSBAR_MAX_SEEN], nseen = 0, used = 0, pairs = 0, full = 0;
    attr_t key_attr = theme_attr(th, ROLE_HINT_KEY), text_attr = theme_attr(th, ROLE_HINT_TEXT);
    char name[32];

    /* "key hint  key hint": one hint per action; actions are per table, so a
     * table's actions are only compared with that table's. */
    for (const struct binding *const *t = tables; *t != NULL && !full; t++) {
        nseen = 0;
        for (const struct binding *b = *t; b->action != 0 && !full; b++) {
            int kw, hw, dup = 0;

            if (b->hint == NULL)
                continue;
            for (int i = 0; i < nseen; i++)
                dup |= seen[i] == b->action;
            if (dup)
                continue;
            keymap_binding_name(b, name, sizeof name);
            kw = sanitize_width(name);
            hw = sanitize_width(b->hint);
            if (used + kw + 1 + hw + (pairs > 0 ? 2 : 0) > width) {
                full = 1;
                break;
            }
            if (pairs > 0) {
                draw_text(w, y, x + used, 2, "", theme_attr(th, ROLE_STATUS), DRAW_LEFT, ascii);
                used += 2;
            }
            draw_text(w, y, x + used, kw, name, key_attr, DRAW_LEFT, ascii);
            used += kw;
            draw_text(w, y, x + used, 1, "", text_attr, DRAW_LEFT, ascii);
            used++;
            draw_text(w, y, x + used, hw, b->hint, text_attr, DRAW_LEFT, ascii);
            used += hw;
            pairs++;
            if (nseen < STATUSBAR_MAX_SEEN)
                seen[nseen++] = b->action;
        }
    }
    if (used < width)
        draw_fill(w, y, x + used, 1, width - used, theme_attr(th, ROLE_STATUS));
    return pairs;
}
