/*
 * term.c - the terminal widget: libvterm's screen drawn into curses.
 *
 * libvterm parses every byte the remote sends and keeps the screen model
 * (cells with characters, width, attributes, palette colours); this file
 * only reads that model and draws cells with mvwadd_wch(), so escape
 * sequences never pass through to the operator's terminal.  Lines that
 * scroll off the top of the main screen land in a ring (the scrollback);
 * the alternate screen never pushes lines.  The ring's slots keep their
 * cell buffers when a line is evicted or popped, so once the ring has
 * filled, a pushed line costs one copy of its cells and no allocation (a
 * flood pushes a line per line of output).  Keys become bytes through
 * libvterm's keyboard functions (which honour application cursor mode and
 * bracketed paste), and those, like libvterm's replies to queries (DA,
 * DSR), go out through the output callback.
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
#include <stdlib.h>
#include <string.h>
#include <vterm.h>
#include <wchar.h>

#define TERM_PAIR_BASE 256

struct sbline {
    int cols;               /* cells in use */
    int cap;                /* cells allocated; kept across reuse of the slot */
    VTermScreenCell *cells; /* NULL until the slot is first used */
};

struct term {
    VTerm *vt;
    VTermScreen *screen;
    int rows, cols;
    struct sbline *sb;              /* ring */
    size_t sb_cap, sb_len, sb_head; /* head: index of the oldest line */
    int offset;                     /* lines scrolled back */
    int altscreen, cursor_visible;
    VTermPos cursor;
    char *title;
    void (*out_cb)(void *ctx, const char *buf, size_t n);
    void *out_ctx;
    void (*resize_cb)(void *ctx, int rows, int cols);
    void *resize_ctx;
};

/* ---- libvterm callbacks -------------------------------------------------------- */

static void output_cb(const char *s, size_t len, void *user)
{
    struct term *t = user;

    if (t->out_cb != NULL)
        t->out_cb(t->out_ctx, s, len);
}

static int cb_damage(VTermRect rect, void *user)
{
    (void)rect;
    (void)user;
    return 1;
}

static int cb_movecursor(VTermPos pos, VTermPos oldpos, int visible, void *user)
{
    struct term *t = user;

    (void)oldpos;
    (void)visible;
    t->cursor = pos;
    return 1;
}

static int cb_settermprop(VTermProp prop, VTermValue *val, void *user)
{
    struct term *t = user;

    switch (prop) {
    case VTERM_PROP_ALTSCREEN:
        t->altscreen = val->boolean;
        break;
    case VTERM_PROP_CURSORVISIBLE:
        t->cursor_visible = val->boolean;
        break;
    case VTERM_PROP_TITLE:
        free(t->title);
        t->title = xstrdup(val->string != NULL ? val->string : "");
        break;
    default:
        break;
    }
    return 1;
}

static int cb_sb_pushline(int cols, const VTermScreenCell *cells, void *user)
{
    struct term *t = user;
    struct sbline *l;

    if (t->sb_cap == 0 || cols < 1)
        return 1;
    if (t->sb_len == t->sb_cap) { /* full: the oldest line's slot becomes the newest */
        t->sb_head = (t->sb_head + 1) % t->sb_cap;
        t->sb_len--;
    }
    l = &t->sb[(t->sb_head + t->sb_len) % t->sb_cap];
    if (l->cap < cols) {
        l->cells = xrealloc(l->cells, (size_t)cols * sizeof *cells);
        l->cap = cols;
    }
    l->cols = cols;
    memcpy(l->cells, cells, (size_t)cols * sizeof *cells);
    t->sb_len++;
    if (t->offset > 0 && t->offset < (int)t->sb_len)
        t->offset++; /* keep the view still while scrolled back */
    return 1;
}

static int cb_sb_popline(int cols, VTermScreenCell *cells, void *user)
{
    struct term *t = user;
    struct sbline *l;
    int n;

    if (t->sb_len == 0)
        return 0;
    l = &t->sb[(t->sb_head + t->sb_len - 1) % t->sb_cap];
    n = l->cols < cols ? l->cols : cols;
    memcpy(cells, l->cells, (size_t)n * sizeof *cells);
    for (int i = n; i < cols; i++) {
        memset(&cells[i], 0, sizeof cells[i]);
        cells[i].width = 1;
        cells[i].fg = l->cells[0].fg;
        cells[i].bg = l->cells[0].bg;
        vterm_color_indexed(&cells[i].fg, 7);
        cells[i].fg.type |= VTERM_COLOR_DEFAULT_FG;
        vterm_color_indexed(&cells[i].bg, 0);
        cells[i].bg.type |= VTERM_COLOR_DEFAULT_BG;
    }
    l->cols = 0; /* the slot keeps its buffer for the next push */
    t->sb_len--;
    if (t->offset > (int)t->sb_len)
        t->offset = (int)t->sb_len;
    return 1;
}

static const VTermScreenCallbacks screen_cbs = {
    .damage = cb_damage,
    .movecursor = cb_movecursor,
    .settermprop = cb_settermprop,
    .sb_pushline = cb_sb_pushline,
    .sb_popline = cb_sb_popline,
};

/* ---- life cycle ----------------------------------------------------------------- */

struct term *term_new(int rows, int cols, int scrollback)
{
    struct term *t = xcalloc(1, sizeof *t);

    t->rows = rows > 0 ? rows : 24;
    t->cols = cols > 0 ? cols : 80;
    t->vt = vterm_new(t->rows, t->cols);
    if (t->vt == NULL)
        abort();
    vterm_set_utf8(t->vt, 1);
    vterm_output_set_callback(t->vt, output_cb, t);
    t->screen = vterm_obtain_screen(t->vt);
    vterm_screen_set_callbacks(t->screen, &screen_cbs, t);
    vterm_screen_set_damage_merge(t->screen, VTERM_DAMAGE_SCROLL);
    vterm_screen_enable_altscreen(t->screen, 1);
    vterm_screen_reset(t->screen, 1);
    t->cursor_visible = 1;
    t->sb_cap = scrollback > 0 ? (size_t)scrollback : 0;
    if (t->sb_cap > 0)
        t->sb = xcalloc(t->sb_cap, sizeof *t->sb);
    return t;
}

void term_free(struct term *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->sb_cap; i++)
        free(t->sb[i].cells);
    free(t->sb);
    free(t->title);
    vterm_free(t->vt);
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
    vterm_screen_flush_damage(t->screen);
}

int term_resize(struct term *t, int rows, int cols)
{
    if (rows < 1 || cols < 1 || (rows == t->rows && cols == t->cols))
        return 0;
    t->rows = rows;
    t->cols = cols;
    vterm_set_size(t->vt, rows, cols);
    vterm_screen_flush_damage(t->screen);
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

static int color_index(const VTermColor *c, int is_fg)
{
    if (is_fg ? VTERM_COLOR_IS_DEFAULT_FG(c) : VTERM_COLOR_IS_DEFAULT_BG(c))
        return -1;
    if (VTERM_COLOR_IS_INDEXED(c))
        return c->indexed.idx;
    if (VTERM_COLOR_IS_RGB(c))
        return theme_map_color(THEME_COLOR_RGB(c->rgb.red, c->rgb.green, c->rgb.blue), 256, NULL);
    return -1;
}

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

static void draw_cell(WINDOW *w, int y, int x, const VTermScreenCell *cell, int ascii,
                      int cursor_here)
{
    wchar_t wch[CCHARW_MAX + 1];
    int n = 0, bold = 0;
    attr_t attrs = A_NORMAL;
    short pair;
    cchar_t cc;
    int fg = color_index(&cell->fg, 1), bg = color_index(&cell->bg, 0);

    (void)cursor_here;
    for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && i < CCHARW_MAX && cell->chars[i]; i++) {
        uint32_t ch = cell->chars[i];
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
    pair = pair_for(fg, bg, &bold);
    if (cell->attrs.bold || bold)
        attrs |= A_BOLD;
    if (cell->attrs.underline)
        attrs |= A_UNDERLINE;
    if (cell->attrs.reverse)
        attrs |= A_REVERSE;
    if (cell->attrs.italic)
        attrs |= A_ITALIC;
    if (cell->attrs.blink)
        attrs |= A_BLINK;
    setcchar(&cc, wch, attrs, pair, NULL);
    mvwadd_wch(w, y, x, &cc);
}

/* The cells of view row r (0 = top of the widget) given the scroll offset. */
static int view_row(const struct term *t, int r, const VTermScreenCell **cells, int *ncols,
                    VTermScreenCell *scratch)
{
    int sbrow = r - t->offset; /* < 0: from the scrollback */

    if (sbrow < 0) {
        size_t idx = t->sb_len + (size_t)sbrow; /* sbrow >= -offset >= -sb_len */
        const struct sbline *l = &t->sb[(t->sb_head + idx) % t->sb_cap];
        *cells = l->cells;
        *ncols = l->cols;
        return 0;
    }
    for (int c = 0; c < t->cols; c++)
        vterm_screen_get_cell(t->screen, (VTermPos){sbrow, c}, &scratch[c]);
    *cells = scratch;
    *ncols = t->cols;
    return 0;
}

void term_draw(struct term *t, WINDOW *w, int y, int x, int h, int width, int ascii, int *cy,
               int *cx)
{
    VTermScreenCell *scratch = xmalloc((size_t)t->cols * sizeof *scratch);
    cchar_t blank;

    setcchar(&blank, L" ", A_NORMAL, 0, NULL);
    for (int r = 0; r < h; r++) {
        const VTermScreenCell *cells = NULL;
        int ncols = 0, c = 0;

        if (r < t->rows)
            view_row(t, r, &cells, &ncols, scratch);
        while (c < width) {
            if (cells != NULL && c < ncols) {
                const VTermScreenCell *cell = &cells[c];
                int cw = cell->width > 0 ? cell->width : 1;
                if (cw == 2 && c + 1 >= width) {
                    mvwadd_wch(w, y + r, x + c, &blank); /* half a wide char does not fit */
                    c++;
                    continue;
                }
                if (cell->chars[0] == (uint32_t)-1) { /* continuation of a wide char */
                    c++;
                    continue;
                }
                draw_cell(w, y + r, x + c, cell, ascii, 0);
                if (cw == 2 && ascii)
                    mvwadd_wch(w, y + r, x + c + 1, &blank);
                c += cw;
            } else {
                mvwadd_wch(w, y + r, x + c, &blank);
                c++;
            }
        }
    }
    free(scratch);
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

void term_scroll(struct term *t, int delta)
{
    long o = (long)t->offset + delta;

    if (delta == TERM_SCROLL_BOTTOM || o < 0)
        o = 0;
    if (o > (long)t->sb_len)
        o = (long)t->sb_len;
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

int term_cell(const struct term *t, int row, int col, struct term_cell_info *out)
{
    VTermScreenCell cell;
    size_t len = 0;

    memset(out, 0, sizeof *out);
    if (row < 0 || col < 0 || row >= t->rows || col >= t->cols)
        return -1;
    vterm_screen_get_cell(t->screen, (VTermPos){row, col}, &cell);
    for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && cell.chars[i] &&
                    cell.chars[i] != (uint32_t)-1 && len + 4 < sizeof out->text;
         i++)
        len += put_utf8(out->text + len, cell.chars[i]);
    out->text[len] = '\0';
    out->width = cell.chars[0] == (uint32_t)-1 ? 0 : cell.width;
    out->fg = color_index(&cell.fg, 1);
    out->bg = color_index(&cell.bg, 0);
    out->bold = cell.attrs.bold;
    out->underline = cell.attrs.underline;
    out->reverse = cell.attrs.reverse;
    out->italic = cell.attrs.italic;
    return 0;
}

/* Text of cells[0..ncols) into buf: wide-char halves skipped, trailing blanks trimmed. */
static char *cells_text(const VTermScreenCell *cells, int ncols, char *buf, size_t len)
{
    size_t used = 0, keep = 0;

    buf[0] = '\0';
    for (int c = 0; c < ncols; c++) {
        char text[32];
        size_t n = 0;
        if (cells[c].chars[0] == (uint32_t)-1)
            continue; /* right half of a wide char */
        for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && cells[c].chars[i] && n + 4 < sizeof text;
             i++)
            n += put_utf8(text + n, cells[c].chars[i]);
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
    VTermScreenCell *cells;

    if (len == 0)
        return buf;
    buf[0] = '\0';
    if (row < 0 || row >= t->rows)
        return buf;
    cells = xmalloc((size_t)t->cols * sizeof *cells);
    for (int c = 0; c < t->cols; c++)
        vterm_screen_get_cell(t->screen, (VTermPos){row, c}, &cells[c]);
    cells_text(cells, t->cols, buf, len);
    free(cells);
    return buf;
}

char *term_view_row_text(const struct term *t, int row, char *buf, size_t len)
{
    VTermScreenCell *scratch;
    const VTermScreenCell *cells = NULL;
    int ncols = 0;

    if (len == 0)
        return buf;
    buf[0] = '\0';
    if (row < 0 || row >= t->rows)
        return buf;
    scratch = xmalloc((size_t)t->cols * sizeof *scratch);
    view_row(t, row, &cells, &ncols, scratch);
    cells_text(cells, ncols, buf, len);
    free(scratch);
    return buf;
}

void term_cursor(const struct term *t, int *row, int *col, int *visible)
{
    *row = t->cursor.row;
    *col = t->cursor.col;
    *visible = t->cursor_visible;
}
