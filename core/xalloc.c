/*
 * xalloc.c - allocation wrappers that abort cleanly on exhaustion.
 */
#include "xalloc.h"

#include "err.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL)
        rt_fatal("out of memory allocating %zu bytes", n);
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

    if (p == NULL)
        rt_fatal("out of memory allocating %zu x %zu bytes", nmemb, size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (q == NULL)
        rt_fatal("out of memory reallocating %zu bytes", n);
    return q;
}

void *xgrow(void *p, size_t *cap, size_t need, size_t size)
{
    size_t c = *cap;

    if (need <= c)
        return p;
    if (c < 8)
        c = 8;
    while (c < need)
        c *= 2;
    if (size != 0 && c > (size_t)-1 / size)
        rt_fatal("array too large (%zu elements)", c);
    p = xrealloc(p, c * size);
    *cap = c;
    return p;
}

/* The first len bytes of s as a new string (s has no NUL before len). */
static char *dup_len(const char *s, size_t len)
{
    char *p = xmalloc(len + 1);

    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *xstrdup(const char *s)
{
    return s == NULL ? NULL : dup_len(s, strlen(s));
}

/* strnlen() through memchr(): libc's vector search, not a byte loop (this copies every
 * server's raw JSON of a listing, 20 MB for 10 000 servers). */
char *xstrndup(const char *s, size_t n)
{
    const char *nul = memchr(s, '\0', n);

    return dup_len(s, nul != NULL ? (size_t)(nul - s) : n);
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *p = NULL;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&p, fmt, ap);
    va_end(ap);
    if (n < 0)
        rt_fatal("out of memory formatting a string");
    return p;
}

static int short_command;

int xalloc_must_free(void)
{
    return RT_FREE_AT_EXIT || !__atomic_load_n(&short_command, __ATOMIC_RELAXED);
}

void xalloc_batch_heap(void)
{
    __atomic_store_n(&short_command, 1, __ATOMIC_RELAXED);
#if defined(__GLIBC__) && !RT_FREE_AT_EXIT
    enum { PAD = 64 << 20, HUGE = 2 << 20 };
    void *p;
    char *top;
    uintptr_t start;

    mallopt(M_ARENA_MAX, 1);              /* the worker threads share the advised heap */
    mallopt(M_MMAP_THRESHOLD, PAD / 2);   /* reply bodies (~1 MB a page) come from it too */
    mallopt(M_TOP_PAD, PAD);
    /* Grow the heap now (a block above what is left of it), advise the whole span, then
     * hand the block back: the 64 MiB pad stays mapped, as M_TOP_PAD asks. */
    p = malloc(256 << 10);
    top = sbrk(0);
    start = ((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
    if (p != NULL && top != (void *)-1 && (uintptr_t)top > start)
        (void)madvise((void *)start, (uintptr_t)top - start, MADV_HUGEPAGE);
    free(p);
#endif
}
