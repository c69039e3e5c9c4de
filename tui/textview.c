/*
 * textview.c - a pager over an array of sanitised lines.
 *
 * Lines are sanitised once, in textview_set_text(), so drawing and
 * searching work on exactly what is shown.  The search prompt is a
 * struct prompt owned by the view; while it is open it gets every key.
 * Invariant: top <= max(0, nlines - page).  UI thread only.
 */
#include "tui/textview.h"

#include "core/strbuf.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "tui/draw.h"
#include "tui/keymap.h"
#include "tui/prompt.h"
#include "tui/sanitize.h"
#include "tui/theme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXTVIEW_TAB 8
#define TEXTVIEW_HSTEP 8

struct textview {
    char *title;
    char **lines;
    size_t nlines, cap;
    size_t top;
    int hscroll;
    int page; /* text rows shown; 0 until drawn */
    struct prompt *search;
    int searching;
    char *needle;
    long match;
};

static const struct binding textview_keys[] = {
    {KEYMAP_FN(KEY_UP), NULL, TEXTVIEW_ACT_UP, "scroll up", NULL},
    {'k', NULL, TEXTVIEW_ACT_UP, NULL, NULL},
    {KEYMAP_FN(KEY_DOWN), NULL, TEXTVIEW_ACT_DOWN, "scroll down", NULL},
    {'j', NULL, TEXTVIEW_ACT_DOWN, NULL, NULL},
    {KEYMAP_FN(KEY_PPAGE), NULL, TEXTVIEW_ACT_PGUP, "page up", NULL},
    {KEYMAP_CTRL('b'), NULL, TEXTVIEW_ACT_PGUP, NULL, NULL},
    {KEYMAP_FN(KEY_NPAGE), NULL, TEXTVIEW_ACT_PGDN, "page down", NULL},
    {KEYMAP_CTRL('f'), NULL, TEXTVIEW_ACT_PGDN, NULL, NULL},
    {' ', NULL, TEXTVIEW_ACT_PGDN, NULL, NULL},
    {KEYMAP_FN(KEY_HOME), NULL, TEXTVIEW_ACT_TOP, "top", NULL},
    {'g', NULL, TEXTVIEW_ACT_TOP, NULL, NULL},
    {KEYMAP_FN(KEY_END), NULL, TEXTVIEW_ACT_BOTTOM, "bottom", NULL},
    {'G', NULL, TEXTVIEW_ACT_BOTTOM, NULL, NULL},
    {KEYMAP_FN(KEY_LEFT), NULL, TEXTVIEW_ACT_LEFT, "scroll left", NULL},
    {KEYMAP_FN(KEY_RIGHT), NULL, TEXTVIEW_ACT_RIGHT, "scroll right", NULL},
    {'/', NULL, TEXTVIEW_ACT_SEARCH, "search", "search"},
    {'n', NULL, TEXTVIEW_ACT_NEXT, "next match", "next"},
    {'N', NULL, TEXTVIEW_ACT_PREV, "previous match", NULL},
    {'q', NULL, TEXTVIEW_ACT_CLOSE, "close", "close"},
    {KEYMAP_ESC, NULL, TEXTVIEW_ACT_CLOSE, NULL, NULL},
    {0},
};

const struct binding *textview_bindings(void)
{
    return textview_keys;
}

struct textview *textview_new(const char *title)
{
    struct textview *tv = xcalloc(1, sizeof *tv);

    tv->title = xstrdup(title != NULL ? title : "");
    tv->search = prompt_new("/");
    tv->match = -1;
    return tv;
}

static void textview_clear(struct textview *tv)
{
    for (size_t i = 0; i < tv->nlines; i++)
        free(tv->lines[i]);
    tv->nlines = 0;
}

void textview_free(struct textview *tv)
{
    if (tv == NULL)
        return;
    textview_clear(tv);
    free(tv->lines);
    free(tv->title);
    free(tv->needle);
    prompt_free(tv->search);
    free(tv);
}

/* One raw line (n bytes) with tabs expanded, sanitised, appended. */
static void textview_add_line(struct textview *tv, const char *s, size_t n)
{
    struct strbuf sb = STRBUF_INIT;
    const char *end = s + n;
    int col = 0;

    if (n > 0 && s[n - 1] == '\r')
        end--;
    while (s < end) {
        int32_t cp;
        size_t k;
        if (*s == '\t') {
            do
                strbuf_addc(&sb, ' ');
            while (++col % TEXTVIEW_TAB != 0);
            s++;
            continue;
        }
        k = sanitize_decode(s, (size_t)(end - s), &cp);
        strbuf_add(&sb, s, k);
        col += cp >= 0x20 ? sanitize_cp_width((uint32_t)cp) : 0;
        s += k;
    }
    tv->lines = xgrow(tv->lines, &tv->cap, tv->nlines + 1, sizeof *tv->lines);
    tv->lines[tv->nlines++] = sanitize_dup(sb.buf != NULL ? sb.buf : "", 0);
    strbuf_done(&sb);
}

void textview_set_text(struct textview *tv, const char *text)
{
    const char *p = text != NULL ? text : "";

    textview_clear(tv);
    for (;;) {
        const char *nl = strchr(p, '\n');
        if (nl == NULL) {
            if (*p != '\0')
                textview_add_line(tv, p, strlen(p));
            break;
        }
        textview_add_line(tv, p, (size_t)(nl - p));
        p = nl + 1;
    }
    tv->top = 0;
    tv->hscroll = 0;
    tv->match = -1;
}

size_t textview_line_count(const struct textview *tv)
{
    return tv->nlines;
}

const char *textview_line(const struct textview *tv, size_t i)
{
    return i < tv->nlines ? tv->lines[i] : NULL;
}

size_t textview_top(const struct textview *tv)
{
    return tv->top;
}

long textview_match_line(const struct textview *tv)
{
    return tv->match;
}

static size_t textview_page(const struct textview *tv)
{
    return tv->page > 0 ? (size_t)tv->page : 1;
}

static void textview_scroll_to(struct textview *tv, long top)
{
    size_t page = textview_page(tv);
    size_t max = tv->nlines > page ? tv->nlines - page : 0;

    tv->top = top < 0 ? 0 : (size_t)top > max ? max : (size_t)top;
}

int textview_search(struct textview *tv, const char *needle, size_t from, int dir)
{
    size_t n = tv->nlines;

    if (needle == NULL || needle[0] == '\0' || n == 0)
        return -1;
    if (needle != tv->needle) {
        free(tv->needle);
        tv->needle = xstrdup(needle);
    }
    for (size_t k = 0; k < n; k++) {
        size_t i = dir > 0 ? (from + k) % n : (from + n - k % n) % n;
        if (rt_strcasestr(tv->lines[i], tv->needle) != NULL) {
            size_t page = textview_page(tv);
            tv->match = (long)i;
            if (i < tv->top || i >= tv->top + page)
                textview_scroll_to(tv, (long)i - (long)page / 3);
            return 0;
        }
    }
    return -1;
}

int textview_key(struct textview *tv, int ch)
{
    long page = (long)textview_page(tv);

    if (tv->searching) {
        switch (prompt_key(tv->search, ch)) {
        case PROMPT_SUBMIT:
            tv->searching = 0;
            textview_search(tv, prompt_text(tv->search), tv->top, 1);
            break;
        case PROMPT_CANCEL:
            tv->searching = 0;
            break;
        default:
            break;
        }
        return TEXTVIEW_HANDLED;
    }
    switch (keymap_lookup(textview_keys, ch)) {
    case TEXTVIEW_ACT_UP:
        textview_scroll_to(tv, (long)tv->top - 1);
        break;
    case TEXTVIEW_ACT_DOWN:
        textview_scroll_to(tv, (long)tv->top + 1);
        break;
    case TEXTVIEW_ACT_PGUP:
        textview_scroll_to(tv, (long)tv->top - page);
        break;
    case TEXTVIEW_ACT_PGDN:
        textview_scroll_to(tv, (long)tv->top + page);
        break;
    case TEXTVIEW_ACT_TOP:
        textview_scroll_to(tv, 0);
        break;
    case TEXTVIEW_ACT_BOTTOM:
        textview_scroll_to(tv, (long)tv->nlines);
        break;
    case TEXTVIEW_ACT_LEFT:
        tv->hscroll = tv->hscroll > TEXTVIEW_HSTEP ? tv->hscroll - TEXTVIEW_HSTEP : 0;
        break;
    case TEXTVIEW_ACT_RIGHT:
        tv->hscroll += TEXTVIEW_HSTEP;
        break;
    case TEXTVIEW_ACT_SEARCH:
        tv->searching = 1;
        prompt_open(tv->search, "");
        break;
    case TEXTVIEW_ACT_NEXT:
        textview_search(tv, tv->needle, tv->match >= 0 ? (size_t)tv->match + 1 : tv->top, 1);
        break;
    case TEXTVIEW_ACT_PREV:
        textview_search(tv, tv->needle,
                        tv->match >= 0 ? (size_t)tv->match + tv->nlines - 1 : tv->top, -1);
        break;
    case TEXTVIEW_ACT_CLOSE:
        return TEXTVIEW_HANDLED | TEXTVIEW_CLOSE;
    default:
        return TEXTVIEW_IGNORED;
    }
    return TEXTVIEW_HANDLED;
}

void textview_draw(struct textview *tv, WINDOW *w, int y, int x, int h, int width,
                   const struct theme *th, int ascii)
{
    char pos[64];
    int body = h - 1 - (tv->searching ? 1 : 0), pw;

    if (h <= 0 || width <= 0)
        return;
    tv->page = body > 0 ? body : 1;
    textview_scroll_to(tv, (long)tv->top);
    snprintf(pos, sizeof pos, " %zu-%zu/%zu", tv->nlines > 0 ? tv->top + 1 : 0,
             tv->top + (size_t)tv->page < tv->nlines ? tv->top + (size_t)tv->page : tv->nlines,
             tv->nlines);
    pw = (int)strlen(pos) < width ? (int)strlen(pos) : 0;
    draw_text(w, y, x, width - pw, tv->title, theme_attr(th, ROLE_TITLE), DRAW_LEFT, ascii);
    draw_text(w, y, x + width - pw, pw, pos, theme_attr(th, ROLE_TITLE), DRAW_RIGHT, ascii);
    for (int i = 0; i < body; i++) {
        size_t ln = tv->top + (size_t)i;
        if (ln < tv->nlines)
            draw_text(w, y + 1 + i, x, width, sanitize_skip_cols(tv->lines[ln], tv->hscroll),
                      theme_attr(th, (long)ln == tv->match ? ROLE_SEARCH_MATCH : ROLE_DEFAULT),
                      DRAW_LEFT, ascii);
        else
            draw_fill(w, y + 1 + i, x, 1, width, theme_attr(th, ROLE_DEFAULT));
    }
    if (tv->searching)
        prompt_draw(tv->search, w, y + h - 1, x, width, th, ascii);
}
