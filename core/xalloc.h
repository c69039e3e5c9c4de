/*
 * xalloc.h - allocation that cannot fail.
 *
 * Every function aborts through rt_fatal() (which restores the terminal
 * first) when memory runs out, so callers never check for NULL.  All
 * x*free-style helpers accept NULL.
 */
#ifndef RT_XALLOC_H
#define RT_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow an array: returns p resized to at least `need` elements of `size`, updating *cap. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);           /* xstrdup(NULL) returns NULL */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The heap policy of a short command (`racktop list`, `show`, `do`...): a listing of
 * 10 000 servers touches ~40 MB once and exits, and one minor page fault per fresh 4 KiB
 * page was ~15% of its CPU.  Call before any thread starts: one malloc arena for every
 * thread, big blocks from the heap rather than their own mmap, the heap grown 64 MiB at a
 * time and that span advised for transparent huge pages (one fault per 2 MiB where the
 * kernel's THP mode is "madvise" or "always"; nothing changes where it is "never").  Memory
 * freed is kept for reuse, not trimmed: not for the long-running dashboard or `ssh`.
 * A no-op without glibc and in builds that check for leaks (their allocator is not
 * glibc's).
 */
void xalloc_batch_heap(void);

/*
 * Whether what a part of the process holds must be freed when that part closes: 1, except
 * in a short command (xalloc_batch_heap() was called) of a build that does not check for
 * leaks (RT_FREE_AT_EXIT below).  There a cache that is only closed because the command
 * ends is left to the kernel, which takes the whole heap back at exit in one go: freeing
 * a provider's 10 000 cached servers one by one cost ~5 ms on a worker, and slowed the
 * printing on the other core while it ran.  Whatever is skipped must be unreachable
 * afterwards (its owner forgets it), so a later open starts afresh.
 */
int xalloc_must_free(void);

/*
 * RT_FREE_AT_EXIT: 1 when memory a command would leave to the kernel at exit must be
 * freed anyway, because the build checks for leaks (AddressSanitizer's LeakSanitizer, or
 * -DRT_FREE_AT_EXIT=1 for valgrind).  Then a real leak still shows, as with git's
 * UNLEAK().  Elsewhere a command may skip freeing what it holds until the end.
 */
#ifndef RT_FREE_AT_EXIT
#if defined(__SANITIZE_ADDRESS__)
#define RT_FREE_AT_EXIT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RT_FREE_AT_EXIT 1
#endif
#endif
#endif
#ifndef RT_FREE_AT_EXIT
#define RT_FREE_AT_EXIT 0
#endif

#endif
