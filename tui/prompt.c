/*
 * prompt.c - line input with history browsing and cycling completion.
 *
 * History is a bounded array, oldest first; consecutive duplicates and
 * empty lines are not added.  While browsing (hist_pos < count) the line
 * that was being typed is saved in `draft` and comes back when browsing
 * past the newest entry.  Completion remembers the text before the first
 * Tab (`base`) and the candidate index; any key other than Tab/Shift-Tab
 * ends the cycle.  UI thread only.
 */
#include "tui/prompt.h"

#include "core/xalloc.h"
#include "tui/draw.h"
#include "tui/keymap.h"
#include "tui/lineedit.h"
#include "tui/sanitize.h"
#include "tui/theme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROMPT_MAX_CANDIDATES 1000

struct prompt {
    char *label;
    struct lineedit edit;
    char *history[PROMPT_HISTORY_MAX];
    size_t nhistory, hist_pos;
    char *draft;
    const char *(*complete)(void *ctx, const char *text, size_t index);
    void *complete_ctx;
    char *base; /* text before the first Tab; NULL: not cycling */
    size_t cand, ncand;
};

struct prompt *prompt_new(const char *label)
{
    struct prompt *p = xcalloc(1, sizeof *p);

    p->label = xstrdup(label != NULL ? label : "");
    lineedit_init(&p->edit, "");
    return p;
}

static void prompt_end_cycle(struct prompt *p)
{
    free(p->base);
    p->base = NULL;
}

void prompt_free(struct prompt *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->nhistory; i++)
        free(p->history[i]);
    free(p->label);
    free(p->draft);
    prompt_end_cycle(p);
    lineedit_done(&p->edit);
    free(p);
}

void prompt_set_completer(struct prompt *p,
                          const char *(*complete)(void *ctx, const char *text, size_t index),
                          void *ctx)
{
    p->complete = complete;
    p->complete_ctx = ctx;
}

void prompt_open(struct prompt *p, const char *initial)
{
    lineedit_set(&p->edit, initial != NULL ? initial : "");
    p->hist_pos = p->nhistory;
    free(p->draft);
    p->draft = NULL;
    prompt_end_cycle(p);
}

const char *prompt_text(const struct prompt *p)
{
    return lineedit_text(&p->edit);
}

size_t prompt_history_count(const struct prompt *p)
{
    return p->nhistory;
}

const char *prompt_history_entry(const struct prompt *p, size_t i)
{
    return i < p->nhistory ? p->history[i] : NULL;
}

void prompt_history_add(struct prompt *p, const char *line)
{
    if (line == NULL || line[0] == '\0')
        return;
    if (p->nhistory > 0 && strcmp(p->history[p->nhistory - 1], line) == 0)
        return;
    if (p->nhistory == PROMPT_HISTORY_MAX) {
        free(p->history[0]);
        memmove(p->history, p->history + 1, (PROMPT_HISTORY_MAX - 1) * sizeof p->history[0]);
        p->nhistory--;
    }
    p->history[p->nhistory++] = xstrdup(line);
    p->hist_pos = p->nhistory;
}

static enum prompt_result prompt_browse(struct prompt *p, int dir)
{
    if (dir < 0 && p->hist_pos == 0)
        return PROMPT_PENDING;
    if (dir > 0 && p->hist_pos >= p->nhistory)
        return PROMPT_PENDING;
    if (p->hist_pos == p->nhistory) {
        free(p->draft);
        p->draft = xstrdup(prompt_text(p));
    }
    p->hist_pos = dir < 0 ? p->hist_pos - 1 : p->hist_pos + 1;
    lineedit_set(&p->edit, p->hist_pos < p->nhistory ? p->history[p->hist_pos]
                                                     : (p->draft != NULL ? p->draft : ""));
    return PROMPT_CHANGED;
}

static enum prompt_result prompt_complete(struct prompt *p, int dir)
{
    const char *c;

    if (p->complete == NULL)
        return PROMPT_PENDING;
    if (p->base == NULL) {
        p->base = xstrdup(prompt_text(p));
        for (p->ncand = 0; p->ncand < PROMPT_MAX_CANDIDATES; p->ncand++) {
            if (p->complete(p->complete_ctx, p->base, p->ncand) == NULL)
                break;
        }
        if (p->ncand == 0) {
            prompt_end_cycle(p);
            return PROMPT_PENDING;
        }
        p->cand = dir > 0 ? 0 : p->ncand - 1;
    } else {
        p->cand = (p->cand + p->ncand + (size_t)(dir > 0 ? 1 : -1)) % p->ncand;
    }
    c = p->complete(p->complete_ctx, p->base, p->cand);
    lineedit_set(&p->edit, c != NULL ? c : p->base);
    return PROMPT_CHANGED;
}

enum prompt_result prompt_key(struct prompt *p, int ch)
{
    if (ch == '\t' || ch == KEYMAP_FN(KEY_BTAB))
        return prompt_complete(p, ch == '\t' ? 1 : -1);
    prompt_end_cycle(p);
    switch (ch) {
    case KEYMAP_ESC:
        return PROMPT_CANCEL;
    case KEYMAP_ENTER:
    case '\n':
    case KEYMAP_FN(KEY_ENTER):
        prompt_history_add(p, prompt_text(p));
        return PROMPT_SUBMIT;
    case KEYMAP_FN(KEY_UP):
        return prompt_browse(p, -1);
    case KEYMAP_FN(KEY_DOWN):
        return prompt_browse(p, 1);
    default:
        return lineedit_key(&p->edit, ch) == LINEEDIT_CHANGED ? PROMPT_CHANGED : PROMPT_PENDING;
    }
}

int prompt_draw(const struct prompt *p, WINDOW *w, int y, int x, int width, const struct theme *th,
                int ascii)
{
    int lw = sanitize_width(p->label), cx, tail = 0;
    char count[32];

    if (lw > width)
        lw = width;
    draw_text(w, y, x, lw, p->label, theme_attr(th, ROLE_INPUT), DRAW_LEFT, ascii);
    if (p->base != NULL) {
        snprintf(count, sizeof count, " (%zu/%zu)", p->cand + 1, p->ncand);
        tail = (int)strlen(count);
        if (tail > width - lw - 1)
            tail = 0;
    }
    cx =
        lineedit_draw(&p->edit, w, y, x + lw, width - lw - tail, theme_attr(th, ROLE_INPUT), ascii);
    if (tail > 0)
        draw_text(w, y, x + width - tail, tail, count, theme_attr(th, ROLE_DIM), DRAW_LEFT, ascii);
    return cx;
}
