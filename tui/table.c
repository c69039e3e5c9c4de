/*
 * table.c - data-agnostic table: index, sort, filter, cursor, marks, drawing.
 *
 * State is three layers over the owner's rows 0..nrows-1:
 *   order[]  every data row, in sort order (rebuilt by table_set_rows() and
 *            sort changes: O(n log n) with one cell look-up per row, since
 *            keys are extracted into an array before qsort);  sort keys and
 *            filter matching use the sanitised text, as drawn;
 *   view[]   the rows of order[] that pass the filter (rebuilt by filter
 *            changes too: O(n), and sorting is not redone);
 *   ft_*     the filter cache: every row's cells as the filter sees them
 *            (sanitised, ASCII lower-cased, US between cells, RS after the
 *            row) in one arena, built on the first filtering after a
 *            table_set_rows() and dropped by the next one.  A filter change
 *            is then one memmem() pass over the arena per term instead of
 *            rows x columns cell call-backs (100 000 rows: ~17 MB, a few ms
 *            per keystroke instead of a few hundred).  A term holding a
 *            control byte cannot be searched there: such filters use the
 *            call-backs, as before;
 *   cursor   a position in view[], with top <= cursor < top + page.
 * The cursor's row key is remembered (sel_key) so that after any rebuild the
 * cursor goes back to the same logical row; the first guess is the old
 * position, so an unchanged table costs one key look-up.
 *
 * Marks are a set of row keys (open addressing, FNV-1a), pruned on every
 * table_set_rows() so the count only covers rows that exist.
 *
 * Invariants: nview <= nrows; cursor < nview unless nview == 0 (then 0);
 * view[] and order[] hold valid data rows.  UI thread only.
 */
#include "tui/table.h"

#include "core/err.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "core/xalloc.h"
#include "tui/draw.h"
#include "tui/filter.h"
#include "tui/keymap.h"
#include "tui/sanitize.h"
#include "tui/theme.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TABLE_SCRATCH 256
#define TABLE_GUTTER 2 /* mark or glyph, then a space */

struct table_marks {
    char **slot; /* NULL: empty, table_tomb: deleted */
    size_t cap, count, used;
};

struct table {
    struct table_source src;
    const char *ids[TABLE_MAX_COLUMNS];
    const char *titles[TABLE_MAX_COLUMNS];
    size_t nrows;
    size_t *order, order_cap;
    size_t *view, view_cap, nview;
    struct filter *filter;
    char *filter_text;
    int sort_col, sort_reverse;
    size_t cursor, top;
    int page; /* rows shown; 0 until drawn or set */
    char *sel_key;
    struct table_marks marks;
    char *line;
    size_t line_cap, line_len;
    /* The filter cache (ft_valid: built for the current rows). */
    char *ft_buf;
    size_t ft_len, ft_cap;
    uint32_t *ft_row, *ft_col; /* row starts (nrows + 1), cell starts (nrows x ncolumns) */
    size_t ft_row_cap, ft_col_cap;
    unsigned char *ft_match, *ft_hit;
    size_t ft_match_cap, ft_hit_cap;
    int ft_valid;
    /* The data row sel_key was taken from (a hint: checked before use). */
    size_t sel_row;
};

static char table_tomb[1];

static const struct binding table_keys[] = {
    {KEYMAP_FN(KEY_UP), NULL, TABLE_ACT_UP, "move up", NULL},
    {'k', NULL, TABLE_ACT_UP, NULL, NULL},
    {KEYMAP_FN(KEY_DOWN), NULL, TABLE_ACT_DOWN, "move down", NULL},
    {'j', NULL, TABLE_ACT_DOWN, NULL, NULL},
    {KEYMAP_FN(KEY_PPAGE), NULL, TABLE_ACT_PGUP, "page up", NULL},
    {KEYMAP_CTRL('b'), NULL, TABLE_ACT_PGUP, NULL, NULL},
    {KEYMAP_FN(KEY_NPAGE), NULL, TABLE_ACT_PGDN, "page down", NULL},
    {KEYMAP_CTRL('f'), NULL, TABLE_ACT_PGDN, NULL, NULL},
    {KEYMAP_FN(KEY_HOME), NULL, TABLE_ACT_HOME, "first row", NULL},
    {'g', NULL, TABLE_ACT_HOME, NULL, NULL},
    {KEYMAP_FN(KEY_END), NULL, TABLE_ACT_END, "last row", NULL},
    {'G', NULL, TABLE_ACT_END, NULL, NULL},
    {' ', NULL, TABLE_ACT_MARK, "mark or unmark the row, then move down", "mark"},
    {'U', NULL, TABLE_ACT_CLEAR_MARKS, "clear all marks", NULL},
    {'>', NULL, TABLE_ACT_SORT_NEXT, "sort by the next column", "sort"},
    {'<', NULL, TABLE_ACT_SORT_PREV, "sort by the previous column", NULL},
    {'I', NULL, TABLE_ACT_SORT_INVERT, "invert the sort order", NULL},
    {0},
};

const struct binding *table_bindings(void)
{
    return table_keys;
}

/* ---- marks: a set of strings ------------------------------------------ */

static size_t marks_slot(const struct table_marks *m, const char *key, int for_insert)
{
    size_t mask = m->cap - 1, i = (size_t)rt_fnv1a(RT_FNV_INIT, key, strlen(key)) & mask;
    size_t tomb = (size_t)-1;

    for (;;) {
        char *s = m->slot[i];
        if (s == NULL)
            return for_insert && tomb != (size_t)-1 ? tomb : i;
        if (s == table_tomb) {
            if (tomb == (size_t)-1)
                tomb = i;
        } else if (strcmp(s, key) == 0) {
            return i;
        }
        i = (i + 1) & mask;
    }
}

static int marks_has(const struct table_marks *m, const char *key)
{
    size_t i;

    if (m->count == 0)
        return 0;
    i = marks_slot(m, key, 0);
    return m->slot[i] != NULL;
}

static void marks_add(struct table_marks *m, const char *key);

static void marks_rehash(struct table_marks *m, size_t cap)
{
    struct table_marks old = *m;

    m->slot = xcalloc(cap, sizeof *m->slot);
    m->cap = cap;
    m->count = m->used = 0;
    for (size_t i = 0; i < old.cap; i++) {
        if (old.slot[i] != NULL && old.slot[i] != table_tomb) {
            marks_add(m, old.slot[i]);
            free(old.slot[i]);
        }
    }
    free(old.slot);
}

static void marks_add(struct table_marks *m, const char *key)
{
    size_t i;

    if ((m->used + 1) * 2 > m->cap) {
        size_t cap = 16; /* a power of two, at least 4x the live keys */
        while (cap < (m->count + 1) * 4)
            cap *= 2;
        marks_rehash(m, cap);
    }
    i = marks_slot(m, key, 1);
    if (m->slot[i] != NULL && m->slot[i] != table_tomb)
        return;
    if (m->slot[i] == NULL)
        m->used++;
    m->slot[i] = xstrdup(key);
    m->count++;
}

static void marks_del(struct table_marks *m, const char *key)
{
    size_t i;

    if (m->count == 0)
        return;
    i = marks_slot(m, key, 0);
    if (m->slot[i] == NULL)
        return;
    free(m->slot[i]);
    m->slot[i] = table_tomb;
    m->count--;
}

static void marks_done(struct table_marks *m)
{
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slot[i] != table_tomb)
            free(m->slot[i]);
    }
    free(m->slot);
    memset(m, 0, sizeof *m);
}

/* ---- row access --------------------------------------------------------- */

static const char *table_cell(const struct table *t, size_t row, int col, char *scratch)
{
    const char *s = t->src.cell(t->src.ctx, row, col, scratch, TABLE_SCRATCH);

    return s != NULL ? s : "";
}

static const char *table_key_of(const struct table *t, size_t row, char *scratch)
{
    const char *s;

    if (t->src.row_key == NULL) {
        snprintf(scratch, TABLE_SCRATCH, "%zu", row);
        return scratch;
    }
    s = t->src.row_key(t->src.ctx, row, scratch, TABLE_SCRATCH);
    return s != NULL ? s : "";
}

/* The filter sees cells as they are drawn: sanitised (not cut). */
static const char *table_cell_cb(void *ctx, size_t row, int col, char *scratch, size_t len)
{
    const struct table *t = ctx;
    char own[TABLE_SCRATCH];

    sanitize_into(scratch, len, table_cell(t, row, col, own), 0);
    return scratch;
}

/* ---- layout --------------------------------------------------------------- */

void table_layout_compute(const struct table_column *cols, int ncols, int avail,
                          struct table_layout *out)
{
    int minw[TABLE_MAX_COLUMNS], sum = 0, extra;

    if (ncols > TABLE_MAX_COLUMNS)
        ncols = TABLE_MAX_COLUMNS;
    if (avail < 0)
        avail = 0;
    out->ncols = 0;
    for (int i = 0; i < ncols; i++) {
        int tw = sanitize_width(cols[i].title);
        minw[i] = cols[i].min_width > 0 ? cols[i].min_width : (tw > 0 ? tw : 1);
        out->col[out->ncols++] = i;
        sum += minw[i];
    }
    while (out->ncols > 1 && sum + out->ncols - 1 > avail) {
        int d = 0;
        for (int j = 1; j < out->ncols; j++) {
            if (cols[out->col[j]].priority >= cols[out->col[d]].priority)
                d = j;
        }
        sum -= minw[out->col[d]];
        memmove(&out->col[d], &out->col[d + 1], (size_t)(out->ncols - d - 1) * sizeof(int));
        out->ncols--;
    }
    for (int j = 0; j < out->ncols; j++)
        out->width[j] = minw[out->col[j]];
    if (out->ncols == 1 && out->width[0] > avail)
        out->width[0] = avail;
    extra = avail - sum - (out->ncols > 0 ? out->ncols - 1 : 0);
    while (extra > 0) {
        int grew = 0;
        for (int j = 0; j < out->ncols && extra > 0; j++) {
            int max = cols[out->col[j]].max_width;
            if (max <= 0 || out->width[j] < max) {
                out->width[j]++;
                extra--;
                grew = 1;
            }
        }
        if (!grew)
            break;
    }
    for (int j = 0, x = 0; j < out->ncols; j++) {
        out->x[j] = x;
        x += out->width[j] + 1;
    }
}

/* ---- sorting -------------------------------------------------------------- */

struct table_sort_item {
    const char *s;
    size_t off; /* of s in the arena, until the arena stops growing */
    size_t row;
    double num;
    int has_num;
};

/* Case-insensitive comparison where digit runs compare as numbers ("web-2" < "web-10"). */
static int table_natcmp(const char *a, const char *b)
{
    while (*a != '\0' && *b != '\0') {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            const char *ea, *eb;
            size_t la, lb;
            while (*a == '0' && isdigit((unsigned char)a[1]))
                a++;
            while (*b == '0' && isdigit((unsigned char)b[1]))
                b++;
            for (ea = a; isdigit((unsigned char)*ea); ea++)
                ;
            for (eb = b; isdigit((unsigned char)*eb); eb++)
                ;
            la = (size_t)(ea - a);
            lb = (size_t)(eb - b);
            if (la != lb)
                return la < lb ? -1 : 1;
            for (; a < ea; a++, b++) {
                if (*a != *b)
                    return *a < *b ? -1 : 1;
            }
        } else {
            int ca = tolower((unsigned char)*a), cb = tolower((unsigned char)*b);
            if (ca != cb)
                return ca < cb ? -1 : 1;
            a++;
            b++;
        }
    }
    return *a != '\0' ? 1 : (*b != '\0' ? -1 : 0);
}

static int table_key_cmp(const struct table_sort_item *a, const struct table_sort_item *b)
{
    int c;

    if (a->has_num && b->has_num && a->num != b->num)
        return a->num < b->num ? -1 : 1;
    c = table_natcmp(a->s, b->s);
    return c != 0 ? c : strcmp(a->s, b->s);
}

/* Rows without a number sort after rows with one, in both directions. */
static int table_cmp_asc(const void *pa, const void *pb)
{
    const struct table_sort_item *a = pa, *b = pb;
    int c;

    if (a->has_num != b->has_num)
        return a->has_num ? -1 : 1;
    c = table_key_cmp(a, b);
    if (c != 0)
        return c;
    return a->row < b->row ? -1 : a->row > b->row;
}

static int table_cmp_desc(const void *pa, const void *pb)
{
    const struct table_sort_item *a = pa, *b = pb;
    int c;

    if (a->has_num != b->has_num)
        return a->has_num ? -1 : 1;
    c = table_key_cmp(b, a);
    if (c != 0)
        return c;
    return a->row < b->row ? -1 : a->row > b->row;
}

/* The leading number of s, if it starts with one (after blanks, with sign). */
static int table_number(const char *s, double *out)
{
    const char *p = s;
    char *end = NULL;

    while (*p == ' ')
        p++;
    if (*p == '-' || *p == '+')
        p++;
    if (*p == '.')
        p++;
    if (!isdigit((unsigned char)*p))
        return 0;
    *out = strtod(s, &end);
    return end != s;
}

static void table_resort(struct table *t)
{
    struct table_sort_item *items;
    struct strbuf arena = STRBUF_INIT;
    char scratch[TABLE_SCRATCH];
    int numeric;

    t->order = xgrow(t->order, &t->order_cap, t->nrows, sizeof *t->order);
    if (t->sort_col < 0 || t->nrows == 0) {
        for (size_t i = 0; i < t->nrows; i++)
            t->order[i] = i;
        return;
    }
    numeric = t->src.columns[t->sort_col].numeric;
    items = xmalloc(t->nrows * sizeof *items);
    for (size_t r = 0; r < t->nrows; r++) {
        char key[TABLE_SCRATCH];
        size_t n = sanitize_into(key, sizeof key, table_cell(t, r, t->sort_col, scratch), 0);
        items[r].row = r;
        items[r].off = arena.len;
        items[r].has_num = numeric && table_number(key, &items[r].num);
        strbuf_add(&arena, key, (n < sizeof key ? n : strlen(key)) + 1);
    }
    for (size_t r = 0; r < t->nrows; r++)
        items[r].s = arena.buf + items[r].off;
    qsort(items, t->nrows, sizeof *items, t->sort_reverse ? table_cmp_desc : table_cmp_asc);
    for (size_t i = 0; i < t->nrows; i++)
        t->order[i] = items[i].row;
    free(items);
    strbuf_done(&arena);
}

/* ---- filter, cursor ------------------------------------------------------- */

static void table_ftext_drop(struct table *t)
{
    free(t->ft_buf);
    free(t->ft_row);
    free(t->ft_col);
    free(t->ft_match);
    free(t->ft_hit);
    t->ft_buf = NULL;
    t->ft_row = t->ft_col = NULL;
    t->ft_match = t->ft_hit = NULL;
    t->ft_len = t->ft_cap = t->ft_row_cap = t->ft_col_cap = t->ft_match_cap = t->ft_hit_cap = 0;
    t->ft_valid = 0;
}

/* Build the filter cache; 0, or -1 when the text would not fit 32-bit offsets. */
static int table_ftext_build(struct table *t)
{
    char own[TABLE_SCRATCH], cell[TABLE_SCRATCH];
    size_t nc = (size_t)t->src.ncolumns;

    t->ft_row = xgrow(t->ft_row, &t->ft_row_cap, t->nrows + 1, sizeof *t->ft_row);
    t->ft_col = xgrow(t->ft_col, &t->ft_col_cap, t->nrows * nc + 1, sizeof *t->ft_col);
    t->ft_len = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        t->ft_row[r] = (uint32_t)t->ft_len;
        for (size_t c = 0; c < nc; c++) {
            const char *src = table_cell(t, r, (int)c, own), *e;
            size_t n;
            char *o;
            /* Printable ASCII is its own sanitised form: the usual case, no copy. */
            for (e = src; *e >= 0x20 && *e < 0x7f && e - src < TABLE_SCRATCH - 1; e++)
                ;
            if (*e == '\0') {
                n = (size_t)(e - src);
            } else {
                n = sanitize_into(cell, sizeof cell, src, 0);
                if (n >= sizeof cell)
                    n = strlen(cell);
                src = cell;
            }
            if (t->ft_len + n + 1 >= UINT32_MAX) {
                table_ftext_drop(t);
                return -1;
            }
            t->ft_col[r * nc + c] = (uint32_t)t->ft_len;
            t->ft_buf = xgrow(t->ft_buf, &t->ft_cap, t->ft_len + n + 2, 1);
            o = t->ft_buf + t->ft_len;
            for (size_t i = 0; i < n; i++)
                o[i] = src[i] >= 'A' && src[i] <= 'Z' ? (char)(src[i] + 32) : src[i];
            o[n] = c + 1 < nc ? '\x1f' : '\x1e';
            t->ft_len += n + 1;
        }
    }
    t->ft_row[t->nrows] = (uint32_t)t->ft_len;
    t->ft_valid = 1;
    return 0;
}

/* Mark in hit[] the rows where the lower-cased needle occurs (in column col, or any). */
static void table_ftext_search(const struct table *t, const char *needle, size_t nlen, int col,
                               unsigned char *hit)
{
    const char *base = t->ft_buf, *end = t->ft_buf + t->ft_len, *p = base, *m;
    size_t nc = (size_t)t->src.ncolumns, r = 0;

    memset(hit, 0, t->nrows);
    if (col >= 0) {
        for (r = 0; r < t->nrows; r++) {
            size_t s = t->ft_col[r * nc + (size_t)col];
            size_t e = ((size_t)col + 1 < nc ? t->ft_col[r * nc + (size_t)col + 1] : t->ft_row[r + 1]) - 1;
            hit[r] = memmem(base + s, e - s, needle, nlen) != NULL;
        }
        return;
    }
    /* One pass over the arena; after a hit, go on from the next row. */
    while (p < end && (m = memmem(p, (size_t)(end - p), needle, nlen)) != NULL) {
        size_t off = (size_t)(m - base);
        while (t->ft_row[r + 1] <= off)
            r++;
        hit[r] = 1;
        p = base + t->ft_row[r + 1];
    }
}

/* Filter through the cache; 0, or -1 when it cannot be used (then nothing changed). */
static int table_refilter_cached(struct table *t)
{
    size_t nterms = filter_nterms(t->filter);
    char needle[TABLE_SCRATCH];

    for (size_t i = 0; i < nterms; i++) {
        int col, neg;
        const char *v = filter_term(t->filter, i, &col, &neg);
        if (strlen(v) >= sizeof needle)
            return -1;
        for (const char *c = v; *c != '\0'; c++) {
            if ((unsigned char)*c < 0x20)
                return -1;
        }
    }
    if (!t->ft_valid && table_ftext_build(t) < 0)
        return -1;
    t->ft_match = xgrow(t->ft_match, &t->ft_match_cap, t->nrows + 1, 1);
    t->ft_hit = xgrow(t->ft_hit, &t->ft_hit_cap, t->nrows + 1, 1);
    memset(t->ft_match, 1, t->nrows);
    for (size_t i = 0; i < nterms; i++) {
        int col, neg;
        const char *v = filter_term(t->filter, i, &col, &neg);
        size_t n = strlen(v);
        for (size_t k = 0; k < n; k++)
            needle[k] = v[k] >= 'A' && v[k] <= 'Z' ? (char)(v[k] + 32) : v[k];
        table_ftext_search(t, needle, n, col, t->ft_hit);
        for (size_t r = 0; r < t->nrows; r++)
            t->ft_match[r] &= t->ft_hit[r] != neg;
    }
    t->nview = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        if (t->ft_match[t->order[i]])
            t->view[t->nview++] = t->order[i];
    }
    return 0;
}

static void table_refilter(struct table *t)
{
    t->view = xgrow(t->view, &t->view_cap, t->nrows, sizeof *t->view);
    if (filter_is_empty(t->filter)) {
        if (t->nrows > 0)
            memcpy(t->view, t->order, t->nrows * sizeof *t->view);
        t->nview = t->nrows;
        return;
    }
    if (table_refilter_cached(t) == 0)
        return;
    t->nview = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        if (filter_match(t->filter, table_cell_cb, t, t->order[i]))
            t->view[t->nview++] = t->order[i];
    }
}

static void table_clamp(struct table *t)
{
    size_t page = (size_t)t->page;

    if (t->nview == 0) {
        t->cursor = t->top = 0;
        return;
    }
    if (t->cursor >= t->nview)
        t->cursor = t->nview - 1;
    if (t->top > t->cursor)
        t->top = t->cursor;
    if (page == 0) /* not drawn yet: the first draw scrolls */
        return;
    if (t->cursor >= t->top + page)
        t->top = t->cursor - page + 1;
    if (t->nview <= page)
        t->top = 0;
    else if (t->top > t->nview - page)
        t->top = t->nview - page;
}

/* Remember the key of the cursor row. */
static void table_remember(struct table *t)
{
    char scratch[TABLE_SCRATCH];

    if (t->nview == 0)
        return;
    free(t->sel_key);
    t->sel_key = xstrdup(table_key_of(t, t->view[t->cursor], scratch));
    t->sel_row = t->view[t->cursor];
}

/*
 * After a rebuild: find the remembered row again.  A data refresh keeps it
 * on its screen line (keep_line); after a sort or filter change, where every
 * row moves anyway, the view starts from the top if the cursor row allows.
 */
static void table_restore(struct table *t, int keep_line)
{
    char scratch[TABLE_SCRATCH];
    size_t offset = t->cursor >= t->top ? t->cursor - t->top : 0;

    if (t->nview == 0) {
        t->cursor = t->top = 0;
        return;
    }
    if (t->sel_key != NULL &&
        (t->cursor >= t->nview ||
         strcmp(table_key_of(t, t->view[t->cursor], scratch), t->sel_key) != 0)) {
        /*
         * Usually the row is still the same data row (a filter or sort change):
         * look for that number first, one key look-up instead of one per row.
         */
        if (t->sel_row < t->nrows &&
            strcmp(table_key_of(t, t->sel_row, scratch), t->sel_key) == 0) {
            size_t p;
            for (p = 0; p < t->nview && t->view[p] != t->sel_row; p++)
                ;
            if (p < t->nview)
                t->cursor = p;
            /* else the row is filtered out: as the key search would, keep the position */
        } else {
            for (size_t p = 0; p < t->nview; p++) {
                if (strcmp(table_key_of(t, t->view[p], scratch), t->sel_key) == 0) {
                    t->cursor = p;
                    break;
                }
            }
        }
    }
    if (t->cursor >= t->nview)
        t->cursor = t->nview - 1;
    if (keep_line)
        t->top = t->cursor >= offset ? t->cursor - offset : 0;
    else
        t->top = 0;
    table_clamp(t);
    table_remember(t);
}

/* ---- public API ----------------------------------------------------------- */

struct table *table_new(const struct table_source *src)
{
    struct table *t = xcalloc(1, sizeof *t);

    RT_ASSERT(src->cell != NULL);
    RT_ASSERT(src->ncolumns >= 1 && src->ncolumns <= TABLE_MAX_COLUMNS);
    t->src = *src;
    for (int i = 0; i < src->ncolumns; i++) {
        t->ids[i] = src->columns[i].id;
        t->titles[i] = src->columns[i].title;
    }
    t->filter_text = xstrdup("");
    t->sort_col = -1;
    return t;
}

void table_free(struct table *t)
{
    if (t == NULL)
        return;
    free(t->order);
    free(t->view);
    filter_free(t->filter);
    free(t->filter_text);
    free(t->sel_key);
    marks_done(&t->marks);
    free(t->line);
    table_ftext_drop(t);
    free(t);
}

static void table_prune_marks(struct table *t)
{
    struct table_marks keep = {0};
    char scratch[TABLE_SCRATCH];

    if (t->marks.count == 0)
        return;
    for (size_t r = 0; r < t->nrows; r++) {
        const char *k = table_key_of(t, r, scratch);
        if (marks_has(&t->marks, k))
            marks_add(&keep, k);
    }
    marks_done(&t->marks);
    t->marks = keep;
}

void table_set_rows(struct table *t, size_t nrows)
{
    t->nrows = nrows;
    table_ftext_drop(t); /* the rows' texts changed: rebuilt when a filter needs them */
    table_resort(t);
    table_refilter(t);
    table_restore(t, 1);
    table_prune_marks(t);
}

int table_set_filter(struct table *t, const char *expr, struct rt_error *err)
{
    struct filter *f;

    if (expr == NULL)
        expr = "";
    if (strcmp(expr, t->filter_text) == 0)
        return 0;
    f = filter_parse(expr, t->ids, t->titles, t->src.ncolumns, err);
    if (f == NULL)
        return -1;
    filter_free(t->filter);
    t->filter = f;
    free(t->filter_text);
    t->filter_text = xstrdup(expr);
    table_refilter(t);
    table_restore(t, 0);
    return 0;
}

const char *table_filter_text(const struct table *t)
{
    return t->filter_text;
}

void table_set_sort(struct table *t, int col, int reverse)
{
    if (col < -1 || col >= t->src.ncolumns)
        col = -1;
    reverse = reverse != 0;
    if (col == t->sort_col && reverse == t->sort_reverse)
        return;
    t->sort_col = col;
    t->sort_reverse = reverse;
    table_resort(t);
    table_refilter(t);
    table_restore(t, 0);
}

int table_sort_column(const struct table *t, int *reverse)
{
    if (reverse != NULL)
        *reverse = t->sort_reverse;
    return t->sort_col;
}

size_t table_total(const struct table *t)
{
    return t->nrows;
}

size_t table_count(const struct table *t)
{
    return t->nview;
}

size_t table_row_at(const struct table *t, size_t pos)
{
    RT_ASSERT(pos < t->nview);
    return t->view[pos];
}

int table_cursor(const struct table *t, size_t *pos)
{
    if (t->nview == 0)
        return -1;
    *pos = t->cursor;
    return 0;
}

int table_cursor_row(const struct table *t, size_t *row)
{
    if (t->nview == 0)
        return -1;
    *row = t->view[t->cursor];
    return 0;
}

void table_move_to(struct table *t, size_t pos)
{
    if (t->nview == 0)
        return;
    t->cursor = pos < t->nview ? pos : t->nview - 1;
    table_clamp(t);
    table_remember(t);
}

void table_move(struct table *t, long delta)
{
    size_t pos = t->cursor;

    if (delta < 0)
        pos = (size_t)-delta > pos ? 0 : pos - (size_t)-delta;
    else
        pos = pos + (size_t)delta < pos ? (size_t)-1 : pos + (size_t)delta;
    table_move_to(t, pos);
}

int table_select_key(struct table *t, const char *key)
{
    char scratch[TABLE_SCRATCH];

    for (size_t p = 0; p < t->nview; p++) {
        if (strcmp(table_key_of(t, t->view[p], scratch), key) == 0) {
            table_move_to(t, p);
            return 0;
        }
    }
    return -1;
}

void table_set_page(struct table *t, int rows)
{
    t->page = rows > 0 ? rows : 1;
    table_clamp(t);
}

size_t table_top(const struct table *t)
{
    return t->top;
}

void table_toggle_mark(struct table *t)
{
    char scratch[TABLE_SCRATCH];
    const char *k;

    if (t->nview == 0)
        return;
    k = table_key_of(t, t->view[t->cursor], scratch);
    if (marks_has(&t->marks, k))
        marks_del(&t->marks, k);
    else
        marks_add(&t->marks, k);
}

int table_is_marked(const struct table *t, size_t row)
{
    char scratch[TABLE_SCRATCH];

    return t->marks.count > 0 && marks_has(&t->marks, table_key_of(t, row, scratch));
}

size_t table_marked_count(const struct table *t)
{
    return t->marks.count;
}

void table_clear_marks(struct table *t)
{
    marks_done(&t->marks);
}

size_t *table_marked_rows(const struct table *t, size_t *n)
{
    unsigned char *seen;
    size_t *rows, k = 0;

    *n = 0;
    if (t->marks.count == 0)
        return NULL;
    rows = xmalloc(t->marks.count * sizeof *rows);
    seen = xcalloc(t->nrows, 1);
    for (size_t p = 0; p < t->nview && k < t->marks.count; p++) {
        seen[t->view[p]] = 1;
        if (table_is_marked(t, t->view[p]))
            rows[k++] = t->view[p];
    }
    for (size_t i = 0; i < t->nrows && k < t->marks.count; i++) {
        size_t r = t->order[i];
        if (!seen[r] && table_is_marked(t, r))
            rows[k++] = r;
    }
    free(seen);
    *n = k;
    return rows;
}

int table_key(struct table *t, int ch)
{
    size_t before = t->cursor;
    int sort_col = t->sort_col, rc = TABLE_HANDLED;

    switch (keymap_lookup(table_keys, ch)) {
    case TABLE_ACT_UP:
        table_move(t, -1);
        break;
    case TABLE_ACT_DOWN:
        table_move(t, 1);
        break;
    case TABLE_ACT_PGUP:
        table_move(t, -(long)(t->page > 0 ? t->page : 1));
        break;
    case TABLE_ACT_PGDN:
        table_move(t, t->page > 0 ? t->page : 1);
        break;
    case TABLE_ACT_HOME:
        table_move_to(t, 0);
        break;
    case TABLE_ACT_END:
        table_move_to(t, t->nview > 0 ? t->nview - 1 : 0);
        break;
    case TABLE_ACT_MARK:
        if (t->nview == 0)
            return TABLE_HANDLED;
        table_toggle_mark(t);
        table_move(t, 1);
        rc |= TABLE_MARKS;
        break;
    case TABLE_ACT_CLEAR_MARKS:
        if (t->marks.count > 0)
            rc |= TABLE_MARKS;
        table_clear_marks(t);
        break;
    case TABLE_ACT_SORT_NEXT:
        sort_col = sort_col + 1 >= t->src.ncolumns ? -1 : sort_col + 1;
        table_set_sort(t, sort_col, t->sort_reverse);
        return rc | TABLE_SORTED | TABLE_MOVED;
    case TABLE_ACT_SORT_PREV:
        sort_col = sort_col < 0 ? t->src.ncolumns - 1 : sort_col - 1;
        table_set_sort(t, sort_col, t->sort_reverse);
        return rc | TABLE_SORTED | TABLE_MOVED;
    case TABLE_ACT_SORT_INVERT:
        table_set_sort(t, t->sort_col, !t->sort_reverse);
        return rc | TABLE_SORTED | TABLE_MOVED;
    default:
        return TABLE_IGNORED;
    }
    if (t->cursor != before)
        rc |= TABLE_MOVED;
    return rc;
}

/* ---- drawing -------------------------------------------------------------- */

static void table_line_reset(struct table *t)
{
    t->line = xgrow(t->line, &t->line_cap, 1, 1);
    t->line_len = 0;
    t->line[0] = '\0';
}

/* Append text in exactly cols columns to the line buffer. */
static void table_line_add(struct table *t, const char *text, int cols, int align_right, int ascii)
{
    size_t room;

    if (cols <= 0)
        return;
    room = (size_t)cols * 4 + 8;
    t->line = xgrow(t->line, &t->line_cap, t->line_len + room, 1);
    t->line_len += sanitize_pad(t->line + t->line_len, room, text, cols, align_right, ascii);
}

static void table_format_row(struct table *t, const struct table_layout *lay, size_t row, int width,
                             int ascii)
{
    char scratch[TABLE_SCRATCH];
    const char *gutter = "";
    int used = TABLE_GUTTER;

    table_line_reset(t);
    if (table_is_marked(t, row))
        gutter = "*";
    else if (t->src.row_glyph != NULL)
        gutter = t->src.row_glyph(t->src.ctx, row);
    table_line_add(t, gutter, TABLE_GUTTER, 0, ascii);
    for (int j = 0; j < lay->ncols; j++) {
        const struct table_column *c = &t->src.columns[lay->col[j]];
        table_line_add(t, table_cell(t, row, lay->col[j], scratch), lay->width[j], c->align_right,
                       ascii);
        used += lay->width[j];
        if (j + 1 < lay->ncols) {
            table_line_add(t, "", 1, 0, ascii);
            used++;
        }
    }
    table_line_add(t, "", width - used, 0, ascii);
}

static void table_format_header(struct table *t, const struct table_layout *lay, int width,
                                int ascii)
{
    char title[TABLE_SCRATCH + 8];
    int used = TABLE_GUTTER;

    table_line_reset(t);
    table_line_add(t, "", TABLE_GUTTER, 0, ascii);
    for (int j = 0; j < lay->ncols; j++) {
        const struct table_column *c = &t->src.columns[lay->col[j]];
        if (lay->col[j] == t->sort_col) {
            const char *ind =
                t->sort_reverse ? (ascii ? "v" : "\xe2\x96\xbc") : (ascii ? "^" : "\xe2\x96\xb2");
            char name[TABLE_SCRATCH];
            /* keep the indicator visible however narrow the column is */
            sanitize_truncate(name, sizeof name, c->title, lay->width[j] - 1, ascii);
            snprintf(title, sizeof title, "%s%s", name, ind);
        } else {
            snprintf(title, sizeof title, "%s", c->title != NULL ? c->title : "");
        }
        table_line_add(t, title, lay->width[j], c->align_right, ascii);
        used += lay->width[j];
        if (j + 1 < lay->ncols) {
            table_line_add(t, "", 1, 0, ascii);
            used++;
        }
    }
    table_line_add(t, "", width - used, 0, ascii);
}

static attr_t table_row_attr(const struct table *t, size_t pos, size_t row, const struct theme *th)
{
    int role = ROLE_DEFAULT;

    if (pos == t->cursor)
        return theme_attr(th, ROLE_SELECTED);
    if (table_is_marked(t, row))
        return theme_attr(th, ROLE_MARKED);
    if (t->src.row_role != NULL)
        role = t->src.row_role(t->src.ctx, row);
    if (role < 0 || role >= ROLE__COUNT)
        role = ROLE_DEFAULT;
    return theme_attr(th, (enum theme_role)role);
}

void table_draw(struct table *t, WINDOW *w, int y, int x, int h, int width, const struct theme *th,
                int ascii)
{
    struct table_layout lay;
    int body = h - 1, sb, inner;

    if (h <= 0 || width <= 0)
        return;
    table_set_page(t, body);
    if (width <= TABLE_GUTTER) { /* too narrow for anything useful */
        draw_fill(w, y, x, h, width, theme_attr(th, ROLE_DEFAULT));
        return;
    }
    sb = body > 0 && t->nview > (size_t)body && width > TABLE_GUTTER + 2;
    inner = width - sb;
    table_layout_compute(t->src.columns, t->src.ncolumns, inner - TABLE_GUTTER, &lay);

    table_format_header(t, &lay, width, ascii);
    draw_raw(w, y, x, t->line, theme_attr(th, ROLE_COLUMN_HEADER));
    for (int i = 0; i < body; i++) {
        size_t pos = t->top + (size_t)i;
        if (pos < t->nview) {
            size_t row = t->view[pos];
            table_format_row(t, &lay, row, inner, ascii);
            draw_raw(w, y + 1 + i, x, t->line, table_row_attr(t, pos, row, th));
        } else if (i == 0 && t->nview == 0) {
            draw_text(w, y + 1, x, inner,
                      t->nrows == 0 ? "  (no rows)" : "  (no rows match the filter)",
                      theme_attr(th, ROLE_DIM), DRAW_LEFT, ascii);
        } else {
            draw_fill(w, y + 1 + i, x, 1, inner, theme_attr(th, ROLE_DEFAULT));
        }
    }
    if (sb)
        draw_scrollbar(w, y + 1, x + width - 1, body, t->top, (size_t)body, t->nview,
                       theme_attr(th, ROLE_BORDER), ascii);
}

const char *table_status(const struct table *t, char *buf, size_t len)
{
    struct strbuf sb = STRBUF_INIT;

    strbuf_addf(&sb, "%zu/%zu", t->nview > 0 ? t->cursor + 1 : 0, t->nview);
    if (t->nview != t->nrows)
        strbuf_addf(&sb, " of %zu", t->nrows);
    if (t->marks.count > 0)
        strbuf_addf(&sb, " [%zu marked]", t->marks.count);
    if (t->filter_text[0] != '\0')
        strbuf_addf(&sb, " filter: %s", t->filter_text);
    snprintf(buf, len, "%s", sb.buf);
    strbuf_done(&sb);
    return buf;
}
