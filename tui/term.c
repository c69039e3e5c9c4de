/*
 * term.c - the terminal widget: libvterm parses, our screen model keeps the
 * cells, curses draws.
 *
 * libvterm's VTermState parses every byte the remote sends and tells us,
 * through its callbacks, what happens to the screen: a glyph put at a
 * position, a rectangle scrolled, a rectangle erased, the pen changed, the
 * alternate screen switched, the size changed.  This file keeps the cells
 * (struct tcell: 12 bytes, the character, combining marks by reference,
 * attributes, palette colours) and draws them with mvwadd_wch(), so escape
 * sequences never pass through to the operator's terminal.  libvterm's own
 * VTermScreen layer is not used: it moves its whole cell buffer on every
 * scrolled line and converts the row leaving the top cell by cell, which
 * made it three quarters of the cost of a flood (docs/BENCHMARKS.md).
 *
 * The model:
 *
 *   screen    rows x cols; its rows are a ring of struct line (a cell
 *             buffer each): logical row r is lines[(top + r) % rows], so a
 *             full-screen scroll moves `top` and touches no cell.  A scroll
 *             region (DECSTBM) rotates the line structs inside the region;
 *             only a scroll that is not full width (DECSLRM margins,
 *             insert/delete characters) copies cells.
 *   screens   a primary and an alternate one (vim, less, htop); lines leave
 *             the primary screen into the scrollback only when a region that
 *             starts at the top row scrolls up, never from the alternate one.
 *   scrollback a ring of struct line too.  The line leaving the top swaps
 *             its buffer with the ring's oldest slot (or an empty one): no
 *             cell is copied or converted; the screen gets the old buffer
 *             back, blanked, as its new bottom row.  A taller screen pops
 *             the newest lines back the same way.
 *   cells     a blank cell in the default colours is all zero bytes.  The
 *             right half of a wide character holds TERM_CONT; writing over
 *             either half blanks the other, so a half character is never
 *             left behind.  Combining marks live in a per-widget table of
 *             distinct sequences (a cell holds 1 + its index, 0: none), at
 *             most TERM_COMB_MAX of them; past that, new marks are dropped
 *             (the base character stays).
 *   colours   indexes 0-255 as the remote set them; RGB is mapped to the
 *             nearest of 256 when the pen is set; "default" is a flag.
 *   damage    every change marks its logical row dirty (a bitmap) and
 *             `dirty` counts changes; term_draw() clears them.  Drawing
 *             still repaints every row it is given: the pane shares
 *             stdscr with dialogs layered over it, so a row that did not
 *             change may still need repainting, and curses already sends
 *             the terminal only what differs.  term_changed() tells the
 *             owner whether anything needs drawing at all.
 *
 * Keys become bytes through libvterm's keyboard functions (which honour
 * application cursor mode and bracketed paste), and those, like libvterm's
 * replies to queries (DA, DSR), go out through the output callback.
 *
 * Colours: a (fg, bg) pair of palette indexes gets a curses pair on first
 * use, numbered from TERM_PAIR_BASE up, cached for the life of the process
 * (pairs are a terminal-wide resource); when pairs run out, cells fall
 * back to the default pair.  UI thread only.
 */
#include "term.h"

#include "core/xalloc.h"
#include "keymap.h"
#include "theme.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vterm.h>
#include <wchar.h>

#define TERM_PAIR_BASE 256
#define TERM_CONT 0xffffffffu /* the right half of a wide character */
#define TERM_COMB_MAX 4096    /* distinct combining sequences kept */
#define TERM_COMB_LEN (VTERM_MAX_CHARS_PER_CELL - 1)

/* struct tcell.attrs */
enum {
    CA_BOLD = 1 << 0,
    CA_UNDERLINE = 1 << 1,
    CA_ITALIC = 1 << 2,
    CA_BLINK = 1 << 3,
    CA_REVERSE = 1 << 4,
    CA_STRIKE = 1 << 5,
    CA_FG = 1 << 6, /* fg is a palette index, else the default colour */
    CA_BG = 1 << 7,
    CA_WIDE = 1 << 8,      /* the left half of a wide character */
    CA_PROTECTED = 1 << 9, /* DECSCA: kept by selective erase */
};
#define CA_COLOURS (CA_FG | CA_BG)

struct tcell {
    uint32_t ch;    /* code point; 0 blank; TERM_CONT */
    uint16_t attrs; /* CA_* */
    uint16_t comb;  /* 0, or 1 + index into term.comb */
    uint8_t fg, bg; /* palette indexes when CA_FG / CA_BG */
};

struct line {
    struct tcell *cells; /* cap cells; NULL until first used (scrollback slots) */
    int cap;
    int len; /* cells in use: a scrollback line's width when it was pushed */
};

struct screen {
    struct line *lines; /* ring of rows lines */
    int top;            /* index of logical row 0 */
};

struct term {
    VTerm *vt;
    VTermState *state;
    int rows, cols;
    struct screen scr[2]; /* primary, alternate */
    struct screen *cur;
    struct line *scratch;           /* rows lines, for rotating a scroll region */
    unsigned char *dirty_rows;      /* rows bytes */
    unsigned long dirty;            /* changes since the last term_draw() */
    struct tcell pen;               /* ch and comb unused */
    struct line *sb;                /* scrollback ring */
    size_t sb_cap, sb_len, sb_head; /* head: index of the oldest line */
    int offset;                     /* lines scrolled back */
    int altscreen, cursor_visible, reverse;
    VTermPos cursor;
    uint32_t (*comb)[TERM_COMB_LEN]; /* distinct combining sequences, 0-padded */
    size_t ncomb, comb_cap;
    char *title;
    void (*out_cb)(void *ctx, const char *buf, size_t n);
    void *out_ctx;
    void (*resize_cb)(void *ctx, int rows, int cols);
    void *resize_ctx;
};

/* ---- the model ------------------------------------------------------------------ */

static struct line *line_at(const struct term *t, const struct screen *s, int row)
{
    int i = s->top + row;

    if (i >= t->rows)
        i -= t->rows;
    return &s->lines[i];
}

static void mark(struct term *t, int row)
{
    if (row >= 0 && row < t->rows)
        t->dirty_rows[row] = 1;
    t->dirty++;
}

static void mark_all(struct term *t)
{
    memset(t->dirty_rows, 1, (size_t)t->rows);
    t->dirty++;
}

/* The cell an erase or a scroll leaves: blank, in the pen's colours (BCE). */
static struct tcell blank_cell(const struct term *t)
{
    struct tcell c = {0};

    c.attrs = t->pen.attrs & CA_COLOURS;
    c.fg = t->pen.fg;
    c.bg = t->pen.bg;
    return c;
}

static void fill(struct tcell *cells, int from, int to, struct tcell c)
{
    if (c.attrs == 0) {
        if (to > from)
            memset(&cells[from], 0, (size_t)(to - from) * sizeof *cells);
        return;
    }
    for (int i = from; i < to; i++)
        cells[i] = c;
}

/* Make l hold at least n cells; new cells are blank. */
static void line_reserve(struct line *l, int n)
{
    if (l->cap >= n)
        return;
    l->cells = xrealloc(l->cells, (size_t)n * sizeof *l->cells);
    memset(&l->cells[l->cap], 0, (size_t)(n - l->cap) * sizeof *l->cells);
    l->cap = n;
}

/* Index + 1 of the combining sequence chars[0..] (0-terminated), 0 if none fits. */
static uint16_t comb_intern(struct term *t, const uint32_t *chars)
{
    uint32_t key[TERM_COMB_LEN] = {0};

    for (int i = 0; i < TERM_COMB_LEN && chars[i]; i++)
        key[i] = chars[i];
    for (size_t i = t->ncomb; i-- > 0;)
        if (memcmp(t->comb[i], key, sizeof key) == 0)
            return (uint16_t)(i + 1);
    if (t->ncomb >= TERM_COMB_MAX)
        return 0;
    if (t->ncomb == t->comb_cap) {
        t->comb_cap = t->comb_cap ? t->comb_cap * 2 : 16;
        t->comb = xrealloc(t->comb, t->comb_cap * sizeof *t->comb);
    }
    memcpy(t->comb[t->ncomb], key, sizeof key);
    return (uint16_t)++t->ncomb;
}

/* Hand the line leaving the top to the scrollback: its buffer swaps with a slot's. */
static void sb_push(struct term *t, struct line *l)
{
    struct line *slot, tmp;

    if (t->sb_cap == 0)
        return;
    if (t->sb_len == t->sb_cap) { /* full: the oldest line's slot becomes the newest */
        t->sb_head = (t->sb_head + 1) % t->sb_cap;
        t->sb_len--;
    }
    slot = &t->sb[(t->sb_head + t->sb_len) % t->sb_cap];
    tmp = *slot;
    *slot = *l;
    slot->len = t->cols;
    *l = tmp; /* the screen keeps the slot's old buffer (maybe none); the caller blanks it */
    line_reserve(l, t->cols);
    t->sb_len++;
    if (t->offset > 0 && t->offset < (int)t->sb_len)
        t->offset++; /* keep the view still while scrolled back */
}

/* Blank logical row `row` of s from col `from` on. */
static void blank_row(struct term *t, struct screen *s, int row, int from, struct tcell b)
{
    struct line *l = line_at(t, s, row);

    line_reserve(l, t->cols);
    fill(l->cells, from, t->cols, b);
    mark(t, row);
}

/*
 * Scroll full-width rows [start, end) of s by n (> 0: up, content moves to
 * lower row numbers; < 0: down), by moving line structs.  Rows leaving the
 * top of the primary screen at row 0 go to the scrollback when push is set.
 */
static void scroll_rows(struct term *t, struct screen *s, int start, int end, int n, int push)
{
    int len = end - start, k = n > 0 ? n : -n;
    struct tcell b = blank_cell(t);

    if (k >= len)
        k = len;
    if (n > 0 && push)
        for (int r = start; r < start + k; r++)
            sb_push(t, line_at(t, s, r));
    if (start == 0 && end == t->rows) {
        s->top = n > 0 ? (s->top + k) % t->rows : (s->top + t->rows - k) % t->rows;
    } else if (k < len) {
        for (int i = 0; i < len; i++) /* new row i holds old row i + n (mod len) */
            t->scratch[i] = *line_at(t, s, start + (i + (n > 0 ? k : len - k)) % len);
        for (int i = 0; i < len; i++)
            *line_at(t, s, start + i) = t->scratch[i];
    }
    for (int i = 0; i < k; i++)
        blank_row(t, s, n > 0 ? end - 1 - i : start + i, 0, b);
    for (int r = start; r < end; r++)
        mark(t, r);
}

/* ---- libvterm state callbacks --------------------------------------------------- */

static void output_cb(const char *s, size_t len, void *user)
{
    struct term *t = user;

    if (t->out_cb != NULL)
        t->out_cb(t->out_ctx, s, len);
}

/* Blank the other half of a wide character at (l, col) before col is overwritten. */
static void unwide(struct term *t, struct line *l, int col)
{
    struct tcell *c = &l->cells[col];

    if (c->ch == TERM_CONT && col > 0) {
        l->cells[col - 1].ch = 0;
        l->cells[col - 1].comb = 0;
        l->cells[col - 1].attrs &= (uint16_t)~CA_WIDE;
    } else if ((c->attrs & CA_WIDE) && col + 1 < t->cols && l->cells[col + 1].ch == TERM_CONT) {
        l->cells[col + 1].ch = 0;
    }
}

static int cb_putglyph(VTermGlyphInfo *info, VTermPos pos, void *user)
{
    struct term *t = user;
    struct line *l;
    struct tcell *c;
    int wide = info->width == 2 && pos.col + 1 < t->cols;

    if (pos.row < 0 || pos.row >= t->rows || pos.col < 0 || pos.col >= t->cols)
        return 0;
    l = line_at(t, t->cur, pos.row);
    c = &l->cells[pos.col];
    if (c->ch == TERM_CONT || (c->attrs & CA_WIDE))
        unwide(t, l, pos.col);
    if (wide && (l->cells[pos.col + 1].attrs & CA_WIDE))
        unwide(t, l, pos.col + 1);
    c->ch = info->width == 2 && !wide ? 0 : info->chars[0]; /* half a wide char: blank */
    c->comb = c->ch && info->chars[1] ? comb_intern(t, &info->chars[1]) : 0;
    c->attrs = (uint16_t)((t->pen.attrs & ~(CA_WIDE | CA_PROTECTED)) |
                          (info->protected_cell ? CA_PROTECTED : 0) | (wide ? CA_WIDE : 0));
    c->fg = t->pen.fg;
    c->bg = t->pen.bg;
    if (wide) {
        c[1] = *c;
        c[1].ch = TERM_CONT;
        c[1].comb = 0;
        c[1].attrs &= (uint16_t)~CA_WIDE;
    }
    mark(t, pos.row);
    return 1;
}

static int cb_movecursor(VTermPos pos, VTermPos oldpos, int visible, void *user)
{
    struct term *t = user;

    (void)oldpos;
    (void)visible; /* the cursor-visible property is what counts */
    t->cursor = pos;
    t->dirty++;
    return 1;
}

/*
 * Restore the wide-character invariant of a row after cells were copied
 * across part of it: a lead (CA_WIDE) is followed by its TERM_CONT half,
 * a TERM_CONT follows a lead; an orphaned half becomes a blank.
 */
static void repair_row(struct term *t, struct line *l)
{
    struct tcell *c = l->cells;

    for (int i = 0; i < t->cols; i++) {
        if (c[i].attrs & CA_WIDE) {
            if (i + 1 < t->cols && c[i + 1].ch == TERM_CONT) {
                i++;
                continue;
            }
            c[i].attrs &= (uint16_t)~CA_WIDE;
            c[i].ch = 0;
            c[i].comb = 0;
        } else if (c[i].ch == TERM_CONT) {
            c[i].ch = 0;
        }
    }
}

/* Copy cells of src to dest (same size); overlapping rows are handled by memmove. */
static int cb_moverect(VTermRect dest, VTermRect src, void *user)
{
    struct term *t = user;
    int down = src.start_row - dest.start_row, n = dest.end_col - dest.start_col;
    int from, to, step;

    if (n <= 0)
        return 1;
    if (down < 0) {
        from = dest.end_row - 1, to = dest.start_row - 1, step = -1;
    } else {
        from = dest.start_row, to = dest.end_row, step = 1;
    }
    for (int r = from; r != to; r += step) {
        struct line *d = line_at(t, t->cur, r), *s = line_at(t, t->cur, r + down);
        memmove(&d->cells[dest.start_col], &s->cells[src.start_col], (size_t)n * sizeof *d->cells);
        repair_row(t, d);
        mark(t, r);
    }
    return 1;
}

static int cb_erase(VTermRect rect, int selective, void *user)
{
    struct term *t = user;
    struct tcell b = blank_cell(t);

    if (rect.start_col < 0)
        rect.start_col = 0;
    if (rect.end_col > t->cols)
        rect.end_col = t->cols;
    for (int r = rect.start_row < 0 ? 0 : rect.start_row; r < rect.end_row && r < t->rows; r++) {
        struct line *l = line_at(t, t->cur, r);
        /* No half of a wide character survives at the edges. */
        if (rect.start_col < rect.end_col && l->cells[rect.start_col].ch == TERM_CONT)
            unwide(t, l, rect.start_col);
        if (rect.end_col > rect.start_col && rect.end_col < t->cols &&
            l->cells[rect.end_col].ch == TERM_CONT)
            l->cells[rect.end_col].ch = 0;
        if (!selective) {
            fill(l->cells, rect.start_col, rect.end_col, b);
        } else {
            for (int c = rect.start_col; c < rect.end_col; c++)
                if (!(l->cells[c].attrs & CA_PROTECTED))
                    l->cells[c] = b;
            repair_row(t, l); /* a protected half may have lost its other half */
        }
        mark(t, r);
    }
    return 1;
}

static int cb_scrollrect(VTermRect rect, int downward, int rightward, void *user)
{
    struct term *t = user;

    if (rect.start_row < 0 || rect.end_row > t->rows || rect.start_row >= rect.end_row)
        return 1;
    if (rightward == 0 && rect.start_col == 0 && rect.end_col == t->cols) {
        scroll_rows(t, t->cur, rect.start_row, rect.end_row, downward,
                    rect.start_row == 0 && t->cur == &t->scr[0]);
        return 1;
    }
    /* Part of the width (margins, insert/delete characters): copy cells. */
    vterm_scroll_rect(rect, downward, rightward, cb_moverect, cb_erase, t);
    return 1;
}

static int cb_initpen(void *user)
{
    struct term *t = user;

    memset(&t->pen, 0, sizeof t->pen);
    return 1;
}

/* Palette index of a libvterm colour into *idx; 0 for the default colour. */
static int pen_colour(const VTermColor *c, int is_fg, uint8_t *idx)
{
    if (is_fg ? VTERM_COLOR_IS_DEFAULT_FG(c) : VTERM_COLOR_IS_DEFAULT_BG(c))
        return 0;
    if (VTERM_COLOR_IS_INDEXED(c)) {
        *idx = c->indexed.idx;
        return 1;
    }
    if (VTERM_COLOR_IS_RGB(c)) {
        int m = theme_map_color(THEME_COLOR_RGB(c->rgb.red, c->rgb.green, c->rgb.blue), 256, NULL);
        if (m < 0)
            return 0;
        *idx = (uint8_t)m;
        return 1;
    }
    return 0;
}

static void pen_flag(struct term *t, uint16_t flag, int on)
{
    if (on)
        t->pen.attrs |= flag;
    else
        t->pen.attrs &= (uint16_t)~flag;
}

static int cb_setpenattr(VTermAttr attr, VTermValue *val, void *user)
{
    struct term *t = user;

    switch (attr) {
    case VTERM_ATTR_BOLD:
        pen_flag(t, CA_BOLD, val->boolean);
        break;
    case VTERM_ATTR_UNDERLINE:
        pen_flag(t, CA_UNDERLINE, val->number != 0);
        break;
    case VTERM_ATTR_ITALIC:
        pen_flag(t, CA_ITALIC, val->boolean);
        break;
    case VTERM_ATTR_BLINK:
        pen_flag(t, CA_BLINK, val->boolean);
        break;
    case VTERM_ATTR_REVERSE:
        pen_flag(t, CA_REVERSE, val->boolean);
        break;
    case VTERM_ATTR_STRIKE:
        pen_flag(t, CA_STRIKE, val->boolean);
        break;
    case VTERM_ATTR_FOREGROUND:
        pen_flag(t, CA_FG, pen_colour(&val->color, 1, &t->pen.fg));
        break;
    case VTERM_ATTR_BACKGROUND:
        pen_flag(t, CA_BG, pen_colour(&val->color, 0, &t->pen.bg));
        break;
    default:
        break;
    }
    return 1;
}

static int cb_settermprop(VTermProp prop, VTermValue *val, void *user)
{
    struct term *t = user;

    switch (prop) {
    case VTERM_PROP_ALTSCREEN:
        /* libvterm erases the alternate screen right after switching to it. */
        t->altscreen = val->boolean;
        t->cur = &t->scr[t->altscreen ? 1 : 0];
        mark_all(t);
        break;
    case VTERM_PROP_CURSORVISIBLE:
        t->cursor_visible = val->boolean;
        t->dirty++;
        break;
    case VTERM_PROP_REVERSE:
        t->reverse = val->boolean;
        mark_all(t);
        break;
    case VTERM_PROP_TITLE:
        free(t->title);
        t->title = xstrdup(val->string != NULL ? val->string : "");
        t->dirty++;
        break;
    default:
        break;
    }
    return 1;
}

static int cb_bell(void *user)
{
    (void)user; /* no bell: the operator's terminal is not the remote's to ring */
    return 1;
}

static int row_blank(const struct term *t, const struct screen *s, int row)
{
    const struct line *l = line_at(t, s, row);

    for (int c = 0; c < t->cols; c++)
        if (l->cells[c].ch != 0)
            return 0;
    return 1;
}

/* A screen of new_rows x new_cols keeping the top-left of s (lines reused). */
static void screen_resize(struct term *t, struct screen *s, int new_rows, int new_cols)
{
    struct line *lines = xcalloc((size_t)new_rows, sizeof *lines);

    for (int r = 0; r < t->rows; r++) {
        struct line *l = line_at(t, s, r);
        if (r < new_rows) {
            lines[r] = *l;
            line_reserve(&lines[r], new_cols);
            if (new_cols > t->cols) /* cells past the old width may hold old text */
                memset(&lines[r].cells[t->cols], 0,
                       (size_t)(new_cols - t->cols) * sizeof *lines[r].cells);
            else if (new_cols < lines[r].cap && (lines[r].cells[new_cols - 1].attrs & CA_WIDE))
                lines[r].cells[new_cols - 1] = (struct tcell){0}; /* its right half is gone */
        } else {
            free(l->cells);
        }
    }
    for (int r = t->rows; r < new_rows; r++)
        line_reserve(&lines[r], new_cols);
    free(s->lines);
    s->lines = lines;
    s->top = 0;
}

/*
 * The size changed (vterm_set_size): as libvterm's screen does, a shorter
 * primary screen first pushes rows above the cursor into the scrollback
 * (blank rows at the bottom go first), a taller one pops lines back from
 * it; delta tells libvterm how far the cursor moved with the text.
 */
static int cb_resize(int rows, int cols, VTermPos *delta, void *user)
{
    struct term *t = user;
    int primary = t->cur == &t->scr[0];

    if (primary && rows < t->rows) {
        VTermPos cur;
        int r;
        vterm_state_get_cursorpos(t->state, &cur);
        for (r = t->rows - 1; r >= rows; r--)
            if (!row_blank(t, &t->scr[0], r) || cur.row == r)
                break;
        if (r + 1 > rows) {
            scroll_rows(t, &t->scr[0], 0, t->rows, r + 1 - rows, 1);
            delta->row -= r + 1 - rows;
        }
    }
    screen_resize(t, &t->scr[0], rows, cols);
    screen_resize(t, &t->scr[1], rows, cols);
    free(t->scratch);
    t->scratch = xcalloc((size_t)rows, sizeof *t->scratch);
    free(t->dirty_rows);
    t->dirty_rows = xcalloc((size_t)rows, 1);
    {
        int old_rows = t->rows;
        t->rows = rows;
        t->cols = cols;
        for (int n = rows - old_rows; primary && n > 0 && t->sb_len > 0; n--) {
            /* Pop the newest line into row 0: the blank bottom row rotates to the top. */
            struct line *top, *slot, tmp;
            t->scr[0].top = (t->scr[0].top + t->rows - 1) % t->rows;
            top = line_at(t, &t->scr[0], 0);
            slot = &t->sb[(t->sb_head + t->sb_len - 1) % t->sb_cap];
            tmp = *top;
            *top = *slot;
            *slot = tmp;
            slot->len = 0; /* the slot keeps the buffer for the next push */
            line_reserve(top, cols);
            if (top->len < cols)
                memset(&top->cells[top->len], 0, (size_t)(cols - top->len) * sizeof *top->cells);
            else if (top->cells[cols - 1].attrs & CA_WIDE)
                top->cells[cols - 1] = (struct tcell){0};
            t->sb_len--;
            delta->row++;
        }
    }
    if (t->offset > (int)t->sb_len)
        t->offset = (int)t->sb_len;
    mark_all(t);
    return 1;
}

static const VTermStateCallbacks state_cbs = {
    .putglyph = cb_putglyph,
    .movecursor = cb_movecursor,
    .scrollrect = cb_scrollrect,
    .moverect = cb_moverect,
    .erase = cb_erase,
    .initpen = cb_initpen,
    .setpenattr = cb_setpenattr,
    .settermprop = cb_settermprop,
    .bell = cb_bell,
    .resize = cb_resize,
};

/* ---- life cycle ----------------------------------------------------------------- */

static void screen_init(struct term *t, struct screen *s)
{
    s->lines = xcalloc((size_t)t->rows, sizeof *s->lines);
    s->top = 0;
    for (int r = 0; r < t->rows; r++)
        line_reserve(&s->lines[r], t->cols);
}

static void screen_done(struct term *t, struct screen *s)
{
    for (int r = 0; r < t->rows; r++)
        free(s->lines[r].cells);
    free(s->lines);
}

struct term *term_new(int rows, int cols, int scrollback)
{
    struct term *t = xcalloc(1, sizeof *t);

    t->rows = rows > 0 ? rows : 24;
    t->cols = cols > 0 ? cols : 80;
    screen_init(t, &t->scr[0]);
    screen_init(t, &t->scr[1]);
    t->cur = &t->scr[0];
    t->scratch = xcalloc((size_t)t->rows, sizeof *t->scratch);
    t->dirty_rows = xcalloc((size_t)t->rows, 1);
    t->cursor_visible = 1;
    t->sb_cap = scrollback > 0 ? (size_t)scrollback : 0;
    if (t->sb_cap > 0)
        t->sb = xcalloc(t->sb_cap, sizeof *t->sb);
    t->vt = vterm_new(t->rows, t->cols);
    if (t->vt == NULL)
        abort();
    vterm_set_utf8(t->vt, 1);
    vterm_output_set_callback(t->vt, output_cb, t);
    t->state = vterm_obtain_state(t->vt);
    vterm_state_set_callbacks(t->state, &state_cbs, t);
    vterm_state_reset(t->state, 1);
    mark_all(t);
    return t;
}

void term_free(struct term *t)
{
    if (t == NULL)
        return;
    vterm_free(t->vt);
    screen_done(t, &t->scr[0]);
    screen_done(t, &t->scr[1]);
    for (size_t i = 0; i < t->sb_cap; i++)
        free(t->sb[i].cells);
    free(t->sb);
    free(t->scratch);
    free(t->dirty_rows);
    free(t->comb);
    free(t->title);
    free(t);
}

void term_set_output(struct term *t, void (*cb)(void *ctx, const char *buf, size_t n), void *ctx)
{
    t->out_cb = cb;
    t->out_ctx = ctx;
}

void term_set_resize(struct term *t, void (*cb)(void *ctx, int rows, int cols), void *ctx)
{
    t->resize_cb = cb;
    t->resize_ctx = ctx;
}

void term_feed(struct term *t, const char *buf, size_t n)
{
    if (n == 0)
        return;
    vterm_input_write(t->vt, buf, n);
}

int term_resize(struct term *t, int rows, int cols)
{
    if (rows < 1 || cols < 1 || (rows == t->rows && cols == t->cols))
        return 0;
    if (rows < t->rows) {
        /*
         * libvterm 0.1.4 clamps only the bottom of a scroll region (DECSTBM)
         * to a shorter screen: with its top below the new last row, the next
         * scroll memmoves a negative size (a crash; its own VTermScreen
         * crashes the same way).  Reset the region first, cursor kept; the
         * remote program redraws after the window-change anyway.
         */
        VTermPos p;
        char seq[48];
        int n;
        vterm_state_get_cursorpos(t->state, &p);
        n = snprintf(seq, sizeof seq, "\033[r\033[%d;%dH", p.row + 1, p.col + 1);
        vterm_input_write(t->vt, seq, (size_t)n);
    }
    vterm_set_size(t->vt, rows, cols);        /* -> cb_resize(), which sets t->rows, t->cols */
    if (t->rows != rows || t->cols != cols) { /* libvterm did not call back: do it here */
        VTermPos delta = {0, 0};
        cb_resize(rows, cols, &delta, t);
    }
    if (t->resize_cb != NULL)
        t->resize_cb(t->resize_ctx, rows, cols);
    return 1;
}

void term_size(const struct term *t, int *rows, int *cols)
{
    *rows = t->rows;
    *cols = t->cols;
}

/* ---- keys ----------------------------------------------------------------------- */

int term_key(struct term *t, int key)
{
    VTermModifier mod = VTERM_MOD_NONE;
    VTermKey vk = VTERM_KEY_NONE;

    if (KEYMAP_IS_FN(key)) {
        int k = key - KEYMAP_FN_BASE;
        switch (k) {
        case KEY_UP:
            vk = VTERM_KEY_UP;
            break;
        case KEY_DOWN:
            vk = VTERM_KEY_DOWN;
            break;
        case KEY_LEFT:
            vk = VTERM_KEY_LEFT;
            break;
        case KEY_RIGHT:
            vk = VTERM_KEY_RIGHT;
            break;
        case KEY_SR:
            vk = VTERM_KEY_UP;
            mod = VTERM_MOD_SHIFT;
            break;
        case KEY_SF:
            vk = VTERM_KEY_DOWN;
            mod = VTERM_MOD_SHIFT;
            break;
        case KEY_SLEFT:
            vk = VTERM_KEY_LEFT;
            mod = VTERM_MOD_SHIFT;
            break;
        case KEY_SRIGHT:
            vk = VTERM_KEY_RIGHT;
            mod = VTERM_MOD_SHIFT;
            break;
        case KEY_HOME:
            vk = VTERM_KEY_HOME;
            break;
        case KEY_END:
            vk = VTERM_KEY_END;
            break;
        case KEY_PPAGE:
            vk = VTERM_KEY_PAGEUP;
            break;
        case KEY_NPAGE:
            vk = VTERM_KEY_PAGEDOWN;
            break;
        case KEY_IC:
            vk = VTERM_KEY_INS;
            break;
        case KEY_DC:
            vk = VTERM_KEY_DEL;
            break;
        case KEY_BACKSPACE:
            vk = VTERM_KEY_BACKSPACE;
            break;
        case KEY_ENTER:
            vk = VTERM_KEY_ENTER;
            break;
        case KEY_BTAB:
            vk = VTERM_KEY_TAB;
            mod = VTERM_MOD_SHIFT;
            break;
        default:
            if (k >= KEY_F(1) && k <= KEY_F(12))
                vk = (VTermKey)VTERM_KEY_FUNCTION(k - KEY_F0);
            else if (k > KEY_F(12) && k <= KEY_F(24)) { /* shifted F1-F12 */
                vk = (VTermKey)VTERM_KEY_FUNCTION(k - KEY_F(12));
                mod = VTERM_MOD_SHIFT;
            } else
                return 0;
        }
        t->offset = 0;
        vterm_keyboard_key(t->vt, vk, mod);
        return 1;
    }
    if (key < 0 || key > 0x10ffff)
        return 0;
    t->offset = 0;
    switch (key) {
    case 13:
    case 10:
        vterm_keyboard_key(t->vt, VTERM_KEY_ENTER, mod);
        return 1;
    case 9:
        vterm_keyboard_key(t->vt, VTERM_KEY_TAB, mod);
        return 1;
    case 27:
        vterm_keyboard_key(t->vt, VTERM_KEY_ESCAPE, mod);
        return 1;
    case 127:
    case 8:
        vterm_keyboard_key(t->vt, VTERM_KEY_BACKSPACE, mod);
        return 1;
    default:
        break;
    }
    if (key < 32) {
        char c = (char)key; /* ctrl-a .. ctrl-_ pass through as bytes */
        output_cb(&c, 1, t);
        return 1;
    }
    vterm_keyboard_unichar(t->vt, (uint32_t)key, mod);
    return 1;
}

void term_paste(struct term *t, const char *s, size_t n)
{
    t->offset = 0;
    vterm_keyboard_start_paste(t->vt);
    output_cb(s, n, t);
    vterm_keyboard_end_paste(t->vt);
}

/* ---- drawing -------------------------------------------------------------------- */

/* A curses pair for (fg, bg) palette indexes (-1 default); 0 when none is left. */
static short pair_for(int fg, int bg, int *bold)
{
    static short cache[257][257]; /* [fg+1][bg+1] -> pair, 0 = not yet */
    static int next = TERM_PAIR_BASE;
    int cfg, cbg;
    short *slot;

    if (!has_colors() || COLORS < 8)
        return 0;
    cfg = fg < 0 ? -1 : fg < COLORS ? fg : theme_map_color(fg, COLORS, bold);
    cbg = bg < 0 ? -1 : bg < COLORS ? bg : theme_map_color(bg, COLORS, NULL);
    if (cfg < 0 && cbg < 0)
        return 0;
    slot = &cache[fg + 1][bg + 1];
    if (*slot > 0)
        return *slot;
    if (next >= COLOR_PAIRS || next > 32767)
        return 0;
    if (init_pair((short)next, (short)cfg, (short)cbg) == ERR)
        return 0;
    *slot = (short)next++;
    return *slot;
}

/* The code points of a cell (base then combining marks) into out; returns the count. */
static int cell_chars(const struct term *t, const struct tcell *c, uint32_t *out)
{
    int n = 0;

    if (c->ch == 0 || c->ch == TERM_CONT)
        return 0;
    out[n++] = c->ch;
    if (c->comb > 0 && c->comb <= t->ncomb)
        for (int i = 0; i < TERM_COMB_LEN && t->comb[c->comb - 1][i]; i++)
            out[n++] = t->comb[c->comb - 1][i];
    return n;
}

static void draw_cell(const struct term *t, WINDOW *w, int y, int x, const struct tcell *cell,
                      int ascii)
{
    wchar_t wch[CCHARW_MAX + 1];
    uint32_t chars[VTERM_MAX_CHARS_PER_CELL];
    int n = 0, nc, bold = 0;
    attr_t attrs = A_NORMAL;
    short pair;
    cchar_t cc;

    nc = cell_chars(t, cell, chars);
    for (int i = 0; i < nc && i < CCHARW_MAX; i++) {
        uint32_t ch = chars[i];
        if (ch < 32 || (ch >= 0x7f && ch < 0xa0) || ch > 0x10ffff)
            ch = '?'; /* never a control character, whatever the model holds */
        if (ascii && ch > 126)
            ch = i == 0 ? '?' : 0;
        if (ch == 0)
            break;
        wch[n++] = (wchar_t)ch;
    }
    if (n == 0)
        wch[n++] = L' ';
    wch[n] = L'\0';
    pair =
        pair_for(cell->attrs & CA_FG ? cell->fg : -1, cell->attrs & CA_BG ? cell->bg : -1, &bold);
    if ((cell->attrs & CA_BOLD) || bold)
        attrs |= A_BOLD;
    if (cell->attrs & CA_UNDERLINE)
        attrs |= A_UNDERLINE;
    if (!(cell->attrs & CA_REVERSE) != !t->reverse)
        attrs |= A_REVERSE;
    if (cell->attrs & CA_ITALIC)
        attrs |= A_ITALIC;
    if (cell->attrs & CA_BLINK)
        attrs |= A_BLINK;
    setcchar(&cc, wch, attrs, pair, NULL);
    mvwadd_wch(w, y, x, &cc);
}

/* The cells of view row r (0 = top of the widget) given the scroll offset. */
static const struct tcell *view_row(const struct term *t, int r, int *ncols)
{
    int sbrow = r - t->offset; /* < 0: from the scrollback */

    if (sbrow < 0) {
        size_t idx = t->sb_len + (size_t)sbrow; /* sbrow >= -offset >= -sb_len */
        const struct line *l = &t->sb[(t->sb_head + idx) % t->sb_cap];
        *ncols = l->len;
        return l->cells;
    }
    *ncols = t->cols;
    return line_at(t, t->cur, sbrow)->cells;
}

void term_draw(struct term *t, WINDOW *w, int y, int x, int h, int width, int ascii, int *cy,
               int *cx)
{
    cchar_t blank;

    setcchar(&blank, L" ", A_NORMAL, 0, NULL);
    for (int r = 0; r < h; r++) {
        const struct tcell *cells = NULL;
        int ncols = 0, c = 0;

        if (r < t->rows)
            cells = view_row(t, r, &ncols);
        while (c < width) {
            if (cells != NULL && c < ncols) {
                const struct tcell *cell = &cells[c];
                int cw = (cell->attrs & CA_WIDE) ? 2 : 1;
                if (cell->ch == TERM_CONT) { /* right half of a wide char drawn already */
                    if (c == 0)
                        mvwadd_wch(w, y + r, x + c, &blank);
                    c++;
                    continue;
                }
                if (cw == 2 && (c + 1 >= width || c + 1 >= ncols)) {
                    mvwadd_wch(w, y + r, x + c, &blank); /* half a wide char does not fit */
                    c++;
                    continue;
                }
                draw_cell(t, w, y + r, x + c, cell, ascii);
                if (cw == 2 && ascii)
                    mvwadd_wch(w, y + r, x + c + 1, &blank);
                c += cw;
            } else {
                mvwadd_wch(w, y + r, x + c, &blank);
                c++;
            }
        }
    }
    memset(t->dirty_rows, 0, (size_t)t->rows);
    t->dirty = 0;
    if (cy != NULL && cx != NULL) {
        int row = t->cursor.row + t->offset;
        if (t->cursor_visible && row < h && t->cursor.col < width) {
            *cy = y + row;
            *cx = x + t->cursor.col;
        } else {
            *cy = *cx = -1;
        }
    }
}

int term_changed(const struct term *t)
{
    return t->dirty != 0;
}

int term_row_dirty(const struct term *t, int row)
{
    return row >= 0 && row < t->rows && t->dirty_rows[row];
}

void term_scroll(struct term *t, int delta)
{
    long o = (long)t->offset + delta;

    if (delta == TERM_SCROLL_BOTTOM || o < 0)
        o = 0;
    if (o > (long)t->sb_len)
        o = (long)t->sb_len;
    if (o != t->offset)
        mark_all(t);
    t->offset = (int)o;
}

int term_scroll_offset(const struct term *t)
{
    return t->offset;
}

size_t term_scrollback_lines(const struct term *t)
{
    return t->sb_len;
}

int term_altscreen(const struct term *t)
{
    return t->altscreen;
}

const char *term_title(const struct term *t)
{
    return t->title != NULL ? t->title : "";
}

/* ---- inspection ----------------------------------------------------------------- */

static size_t put_utf8(char *p, uint32_t c)
{
    if (c < 0x80) {
        p[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        p[0] = (char)(0xc0 | (c >> 6));
        p[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        p[0] = (char)(0xe0 | (c >> 12));
        p[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        p[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    p[0] = (char)(0xf0 | (c >> 18));
    p[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    p[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    p[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

/* UTF-8 text of a cell into text (at least 32 bytes); returns its length. */
static size_t cell_text(const struct term *t, const struct tcell *c, char *text)
{
    uint32_t chars[VTERM_MAX_CHARS_PER_CELL];
    int n = cell_chars(t, c, chars);
    size_t len = 0;

    for (int i = 0; i < n && chars[i] <= 0x10ffff; i++)
        len += put_utf8(text + len, chars[i]);
    text[len] = '\0';
    return len;
}

int term_cell(const struct term *t, int row, int col, struct term_cell_info *out)
{
    const struct tcell *c;

    memset(out, 0, sizeof *out);
    if (row < 0 || col < 0 || row >= t->rows || col >= t->cols)
        return -1;
    c = &line_at(t, t->cur, row)->cells[col];
    cell_text(t, c, out->text);
    out->width = c->ch == TERM_CONT ? 0 : (c->attrs & CA_WIDE) ? 2 : 1;
    out->fg = c->attrs & CA_FG ? c->fg : -1;
    out->bg = c->attrs & CA_BG ? c->bg : -1;
    out->bold = !!(c->attrs & CA_BOLD);
    out->underline = !!(c->attrs & CA_UNDERLINE);
    out->reverse = !!(c->attrs & CA_REVERSE);
    out->italic = !!(c->attrs & CA_ITALIC);
    return 0;
}

/* Text of cells[0..ncols) into buf: wide-char halves skipped, trailing blanks trimmed. */
static char *cells_text(const struct term *t, const struct tcell *cells, int ncols, char *buf,
                        size_t len)
{
    size_t used = 0, keep = 0;

    buf[0] = '\0';
    for (int c = 0; c < ncols; c++) {
        char text[32];
        size_t n;
        if (cells[c].ch == TERM_CONT)
            continue; /* right half of a wide char */
        n = cell_text(t, &cells[c], text);
        if (n == 0)
            text[n++] = ' ';
        if (used + n + 1 > len)
            break;
        memcpy(buf + used, text, n);
        used += n;
        if (n != 1 || text[0] != ' ')
            keep = used;
    }
    buf[keep] = '\0';
    return buf;
}

char *term_row_text(const struct term *t, int row, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    buf[0] = '\0';
    if (row < 0 || row >= t->rows)
        return buf;
    return cells_text(t, line_at(t, t->cur, row)->cells, t->cols, buf, len);
}

char *term_view_row_text(const struct term *t, int row, char *buf, size_t len)
{
    const struct tcell *cells;
    int ncols = 0;

    if (len == 0)
        return buf;
    buf[0] = '\0';
    if (row < 0 || row >= t->rows)
        return buf;
    cells = view_row(t, row, &ncols);
    return cells_text(t, cells, ncols, buf, len);
}

char *term_scrollback_text(const struct term *t, size_t i, char *buf, size_t len)
{
    const struct line *l;

    if (len == 0)
        return buf;
    buf[0] = '\0';
    if (i >= t->sb_len)
        return buf;
    l = &t->sb[(t->sb_head + i) % t->sb_cap];
    return cells_text(t, l->cells, l->len, buf, len);
}

void term_cursor(const struct term *t, int *row, int *col, int *visible)
{
    *row = t->cursor.row;
    *col = t->cursor.col;
    *visible = t->cursor_visible;
}
