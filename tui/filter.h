/*
 * filter.h - incremental filter expressions for tables.
 *
 * Grammar (what the operator types after "/"):
 *   expr  := term (" " term)*          all terms must match (AND)
 *   term  := ["!"] [column ":"] value  "!" negates the term
 *   value := word | '"' chars '"'      quotes allow spaces and ':'
 * A term matches when the value is a case-insensitive (ASCII) substring of
 * the named column, or of any column when no column is given.  "column" is
 * matched case-insensitively against the column ids and titles; an unknown
 * column is an error.  A prefix that is not a name (starts with a digit, or
 * holds '.', '/', ...) is taken as part of the value, so "10.0.0.1:22"
 * searches for that text.  Terms with an empty value ("!", "status:") are
 * accepted and ignored, so a half-typed expression still filters.
 *
 *     static const char *const ids[] = {"name", "status", "host"};
 *     struct filter *f = filter_parse("web !status:error", ids, NULL, 3, &err);
 *     if (f == NULL) show(err.msg);
 *     for (row...) if (filter_match(f, cell_cb, ctx, row)) keep(row);
 *     filter_free(f);
 */
#ifndef RT_FILTER_H
#define RT_FILTER_H

#include <stddef.h>

struct rt_error;
struct filter;

/*
 * Parse expr for a table of ncols columns named ids[i] (and titles[i], which
 * may be NULL as a whole or per entry).  The arrays are only read during the
 * call.  Returns a new filter, or NULL with err set (RT_ERR_ARG) for an
 * unknown column or an unterminated quote.  An empty expr gives a filter
 * that matches everything.
 */
struct filter *filter_parse(const char *expr, const char *const *ids, const char *const *titles,
                            int ncols, struct rt_error *err);
void filter_free(struct filter *f);
/* True when the filter has no effective term (matches every row). */
int filter_is_empty(const struct filter *f);
/*
 * Does `row` match?  cell returns the text of a column of a row (NULL counts
 * as ""); it may format into scratch.  Same signature as the table's cell
 * callback.
 */
int filter_match(const struct filter *f,
                 const char *(*cell)(void *ctx, size_t row, int col, char *scratch,
                                     size_t scratch_len),
                 void *ctx, size_t row);
/*
 * The terms, for callers that match many rows at once against text they
 * keep (the table's filter cache): filter_nterms() terms (0 for NULL); term
 * i has its value (borrowed, never ""), its column (-1: any) and whether it
 * is negated.  A row matches when every term hits != negate, where "hits"
 * means the value is an ASCII case-insensitive substring of the column's
 * text (or of some column's text).
 */
size_t filter_nterms(const struct filter *f);
const char *filter_term(const struct filter *f, size_t i, int *col, int *negate);

#endif
