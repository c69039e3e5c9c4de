/*
 * filter.c - parse and evaluate table filter expressions.
 *
 * A parsed filter is a flat array of terms {negate, column or -1, value}.
 * Matching costs at most terms x columns cell look-ups per row and stops at
 * the first term that fails; the table runs it in one O(n) pass.  Case folding is ASCII only
 * (rt_strcasestr), so "é" does not match "É".
 *
 * Objects are immutable after parsing; thread-safe for concurrent matching.
 */
#include "tui/filter.h"

#include "core/err.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "core/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FILTER_SCRATCH 256

struct filter_term {
    int negate;
    int col; /* -1: any column */
    char *value;
};

struct filter {
    struct filter_term *terms;
    size_t nterms;
    int ncols;
};

/* Is s[0..n) a plausible column name: a letter, then letters, digits, '-', '_'? */
static int filter_is_name(const char *s, size_t n)
{
    if (n == 0 || !isalpha((unsigned char)s[0]))
        return 0;
    for (size_t i = 1; i < n; i++) {
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return 0;
    }
    return 1;
}

static int filter_find_col(const char *name, size_t n, const char *const *ids,
                           const char *const *titles, int ncols)
{
    for (int i = 0; i < ncols; i++) {
        if (ids[i] != NULL && strlen(ids[i]) == n && strncasecmp(ids[i], name, n) == 0)
            return i;
        if (titles != NULL && titles[i] != NULL && strlen(titles[i]) == n &&
            strncasecmp(titles[i], name, n) == 0)
            return i;
    }
    return -1;
}

/* Read a value at *pp (a word or a quoted string) into sb; -1 if a quote is open. */
static int filter_read_value(const char **pp, struct strbuf *sb)
{
    const char *p = *pp;

    if (*p == '"') {
        const char *end = strchr(p + 1, '"');
        if (end == NULL)
            return -1;
        strbuf_add(sb, p + 1, (size_t)(end - p - 1));
        *pp = end + 1;
        return 0;
    }
    while (*p != '\0' && *p != ' ')
        strbuf_addc(sb, *p++);
    *pp = p;
    return 0;
}

struct filter *filter_parse(const char *expr, const char *const *ids, const char *const *titles,
                            int ncols, struct rt_error *err)
{
    struct filter *f = xcalloc(1, sizeof *f);
    struct strbuf val = STRBUF_INIT;
    size_t cap = 0;
    const char *p = expr != NULL ? expr : "";

    f->ncols = ncols;
    for (;;) {
        struct filter_term t = {0, -1, NULL};
        const char *colon;
        size_t wordlen;

        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        if (*p == '!') {
            t.negate = 1;
            p++;
        }
        wordlen = strcspn(p, " ");
        colon = memchr(p, ':', wordlen);
        if (colon != NULL && filter_is_name(p, (size_t)(colon - p))) {
            t.col = filter_find_col(p, (size_t)(colon - p), ids, titles, ncols);
            if (t.col < 0) {
                rt_err_set(err, RT_ERR_ARG, 0, "unknown column '%.*s' in filter", (int)(colon - p),
                           p);
                goto fail;
            }
            p = colon + 1;
        }
        strbuf_reset(&val);
        if (filter_read_value(&p, &val) < 0) {
            rt_err_set(err, RT_ERR_ARG, 0, "unterminated quote in filter");
            goto fail;
        }
        if (val.len == 0)
            continue;
        t.value = xstrdup(val.buf);
        f->terms = xgrow(f->terms, &cap, f->nterms + 1, sizeof *f->terms);
        f->terms[f->nterms++] = t;
    }
    strbuf_done(&val);
    return f;
fail:
    strbuf_done(&val);
    filter_free(f);
    return NULL;
}

void filter_free(struct filter *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->nterms; i++)
        free(f->terms[i].value);
    free(f->terms);
    free(f);
}

int filter_is_empty(const struct filter *f)
{
    return f == NULL || f->nterms == 0;
}

static int filter_term_hits(const struct filter_term *t,
                            const char *(*cell)(void *, size_t, int, char *, size_t), void *ctx,
                            size_t row, int ncols)
{
    char scratch[FILTER_SCRATCH];
    const char *s;

    if (t->col >= 0) {
        s = cell(ctx, row, t->col, scratch, sizeof scratch);
        return rt_strcasestr(s != NULL ? s : "", t->value) != NULL;
    }
    for (int c = 0; c < ncols; c++) {
        s = cell(ctx, row, c, scratch, sizeof scratch);
        if (s != NULL && rt_strcasestr(s, t->value) != NULL)
            return 1;
    }
    return 0;
}

int filter_match(const struct filter *f,
                 const char *(*cell)(void *ctx, size_t row, int col, char *scratch,
                                     size_t scratch_len),
                 void *ctx, size_t row)
{
    if (f == NULL)
        return 1;
    for (size_t i = 0; i < f->nterms; i++) {
        const struct filter_term *t = &f->terms[i];
        if (filter_term_hits(t, cell, ctx, row, f->ncols) == t->negate)
            return 0;
    }
    return 1;
}

size_t filter_nterms(const struct filter *f)
{
    return f != NULL ? f->nterms : 0;
}

const char *filter_term(const struct filter *f, size_t i, int *col, int *negate)
{
    RT_ASSERT(f != NULL && i < f->nterms);
    *col = f->terms[i].col;
    *negate = f->terms[i].negate;
    return f->terms[i].value;
}
