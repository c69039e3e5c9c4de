/*
 * table.h - the generic table widget behind every pane (htop's Panel).
 *
 * The table knows nothing about the data: the owner describes the columns
 * and answers callbacks for the rows it has.  The table keeps an index
 * (sorted order, then filtered view), the cursor, the scroll position and
 * the marks, and draws only the rows that are visible.
 *
 *     static const struct table_column cols[] = {
 *         {"name", "Name", 10, 0, 0, 0, 0},
 *         {"status", "Status", 8, 12, 1, 0, 0},
 *         {"vcpus", "CPUs", 4, 5, 3, 1, 1},
 *     };
 *     struct table_source src = {cols, 3, my_cell, my_key, my_role, NULL, view};
 *     struct table *t = table_new(&src);
 *     table_set_rows(t, n);                    after every data change
 *     if (table_set_filter(t, "status:error", &err) < 0) show(err.msg);
 *     table_key(t, ch);                         in the view's key handler
 *     table_draw(t, w, 0, 0, h, wd, theme, ascii);
 *     if (table_cursor_row(t, &row) == 0) act_on(row);
 *     table_free(t);
 *
 * Rows are addressed two ways: a "data row" is the owner's index (0..n-1,
 * what the callbacks receive); a "position" is an index into the visible,
 * sorted and filtered list.  The row key (a stable id such as a UUID) lets
 * the cursor and the marks follow a row when the owner's order changes.
 *
 * Cost: table_set_rows() is O(n log n) when sorted (keys are computed once
 * per row, not per comparison) and O(n) otherwise; a filter change is O(n):
 * the first one after table_set_rows() asks for every cell once (to build
 * the filter cache), later ones only search that cache; drawing formats
 * only the visible rows.
 */
#ifndef RT_TABLE_H
#define RT_TABLE_H

#include <curses.h>
#include <stddef.h>

struct binding;
struct rt_error;
struct theme;
struct table;

#define TABLE_MAX_COLUMNS 32

struct table_column {
    const char *id;    /* filter name, e.g. "status" (matched case-insensitively) */
    const char *title; /* header text; also accepted by the filter */
    int min_width;     /* <= 0: the width of the title */
    int max_width;     /* <= 0: no limit (a flex column that takes spare room) */
    int priority;      /* lower = dropped last when the window is narrow */
    int align_right;
    int numeric; /* sort by the leading number of the text */
};

struct table_source {
    const struct table_column *columns; /* borrowed; must outlive the table */
    int ncolumns;                       /* 1..TABLE_MAX_COLUMNS */
    /*
     * MUST: the text of a cell, UTF-8, untrusted (the table sanitises it
     * before drawing).  May format into scratch and return it.  NULL is "".
     */
    const char *(*cell)(void *ctx, size_t row, int col, char *scratch, size_t scratch_len);
    /*
     * MAY: a stable identity for a row (the cursor and the marks follow it
     * across table_set_rows()).  NULL: the data row index is the key.
     */
    const char *(*row_key)(void *ctx, size_t row, char *scratch, size_t scratch_len);
    /* MAY: the enum theme_role to draw the row with.  NULL: ROLE_DEFAULT. */
    int (*row_role)(void *ctx, size_t row);
    /* MAY: a one-column glyph shown before the row (sanitised).  NULL: none. */
    const char *(*row_glyph)(void *ctx, size_t row);
    void *ctx;
};

/* Which columns a width shows, where, and how wide. */
struct table_layout {
    int ncols;                  /* shown columns */
    int col[TABLE_MAX_COLUMNS]; /* their indexes into the column array, in order */
    int x[TABLE_MAX_COLUMNS];   /* offset from the start of the cell area */
    int width[TABLE_MAX_COLUMNS];
};

/*
 * Pure layout: fit columns into `avail` cells, one space between columns.
 * While the minimum widths do not fit, drop the column with the highest
 * priority value (the rightmost among equals); always keep one.  Spare
 * room is shared out one cell at a time among the columns still below
 * their max_width.  Needs no curses.
 */
void table_layout_compute(const struct table_column *cols, int ncols, int avail,
                          struct table_layout *out);

/* Bit flags returned by table_key(). */
enum table_reaction {
    TABLE_IGNORED = 0,
    TABLE_HANDLED = 1 << 0,
    TABLE_MOVED = 1 << 1,  /* the cursor row changed */
    TABLE_MARKS = 1 << 2,  /* marks changed */
    TABLE_SORTED = 1 << 3, /* sort column or direction changed */
};

/* Actions of the table's own bindings (see table_bindings()). */
enum table_action {
    TABLE_ACT_UP = 1,
    TABLE_ACT_DOWN,
    TABLE_ACT_PGUP,
    TABLE_ACT_PGDN,
    TABLE_ACT_HOME,
    TABLE_ACT_END,
    TABLE_ACT_MARK,
    TABLE_ACT_CLEAR_MARKS,
    TABLE_ACT_SORT_NEXT,
    TABLE_ACT_SORT_PREV,
    TABLE_ACT_SORT_INVERT,
};

/* Create a table (src is copied; its columns array is borrowed).  No rows yet. */
struct table *table_new(const struct table_source *src);
void table_free(struct table *t);
/* The key bindings table_key() handles, for help screens (static, borrowed). */
const struct binding *table_bindings(void);

/*
 * The owner's data changed and now has nrows rows: re-sort, re-filter, put
 * the cursor back on the row with the same key (or as near as possible,
 * keeping its screen line), and forget marks whose rows are gone.
 */
void table_set_rows(struct table *t, size_t nrows);
/*
 * Set the filter expression (see filter.h).  An unchanged expression costs
 * nothing.  On a parse error returns -1 with err set and keeps the previous
 * filter, so incremental typing never empties the table by accident.
 */
int table_set_filter(struct table *t, const char *expr, struct rt_error *err);
/* The filter text in force (borrowed; "" for none). */
const char *table_filter_text(const struct table *t);
/* Sort by column col (-1: the owner's order), reversed if reverse. */
void table_set_sort(struct table *t, int col, int reverse);
/* The sort column (-1 for none); *reverse gets the direction if not NULL. */
int table_sort_column(const struct table *t, int *reverse);

/* Rows in the owner's data, and rows visible after filtering. */
size_t table_total(const struct table *t);
size_t table_count(const struct table *t);
/* The data row at a visible position (pos < table_count()). */
size_t table_row_at(const struct table *t, size_t pos);
/* The cursor's position and data row: 0, or -1 when the table is empty. */
int table_cursor(const struct table *t, size_t *pos);
int table_cursor_row(const struct table *t, size_t *row);
/* Move the cursor to a position (clamped) or by delta positions. */
void table_move_to(struct table *t, size_t pos);
void table_move(struct table *t, long delta);
/* Put the cursor on the visible row with this key; 0, or -1 if none. */
int table_select_key(struct table *t, const char *key);
/* Rows the window shows (for paging); table_draw() sets it too.  >= 1. */
void table_set_page(struct table *t, int rows);
/* The first visible position (scroll offset). */
size_t table_top(const struct table *t);

/* Marks, by row key: toggle the cursor row's mark, query, count, clear. */
void table_toggle_mark(struct table *t);
int table_is_marked(const struct table *t, size_t row);
size_t table_marked_count(const struct table *t);
void table_clear_marks(struct table *t);
/*
 * The data rows that are marked, in the visible order (filtered-out marked
 * rows included at the end).  Returns a new array (free() it) and its
 * length in *n; NULL when nothing is marked.
 */
size_t *table_marked_rows(const struct table *t, size_t *n);

/* Handle a key (movement, marks, sort).  Returns enum table_reaction bits. */
int table_key(struct table *t, int ch);
/*
 * Draw into the h x width area of w at (y, x): a header line with the sort
 * indicator, then the visible rows, and a scroll bar on the right when the
 * rows do not fit.  Overwrites every cell of the area; never erases w.
 */
void table_draw(struct table *t, WINDOW *w, int y, int x, int h, int width, const struct theme *th,
                int ascii);
/* "12/4567" plus " [3 marked]" and " filter: ..." when set, into buf. */
const char *table_status(const struct table *t, char *buf, size_t len);

#endif
