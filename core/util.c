/*
 * util.c - time, path and parsing helpers.  No global state.
 */
#include "util.h"

#include "err.h"
#include "xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <stdio.h>
#include <time.h>

int64_t rt_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t rt_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Two digits of v at p. */
static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

/*
 * Years 1970-9999 by arithmetic (the civil-from-days conversion of Howard Hinnant's date
 * algorithms): `racktop list -o json` formats one time per row, and gmtime_r() with
 * strftime() was most of printing 10 000 of them.  Other times go through libc.
 */
char *rt_iso8601(int64_t epoch_s, char *buf, size_t len)
{
    time_t t = (time_t)epoch_s;
    struct tm tm;

    if (len >= 21 && epoch_s >= 0 && epoch_s < 253402300800LL) {
        int64_t days = epoch_s / 86400, secs = epoch_s % 86400;
        int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
        unsigned d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
        unsigned m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
        unsigned y = (unsigned)(yoe + era * 400 + (m <= 2));
        put2(buf, y / 100);
        put2(buf + 2, y % 100);
        buf[4] = '-';
        put2(buf + 5, m);
        buf[7] = '-';
        put2(buf + 8, d);
        buf[10] = 'T';
        put2(buf + 11, (unsigned)(secs / 3600));
        buf[13] = ':';
        put2(buf + 14, (unsigned)(secs / 60 % 60));
        buf[16] = ':';
        put2(buf + 17, (unsigned)(secs % 60));
        buf[19] = 'Z';
        buf[20] = '\0';
        return buf;
    }
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

int64_t rt_parse_duration(const char *s)
{
    char *end = NULL;
    long long v;

    if (s == NULL || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || v < 0)
        return -1;
    if (*end == '\0' || strcmp(end, "s") == 0)
        return v;
    if (strcmp(end, "ms") == 0)
        return v / 1000;
    if (strcmp(end, "m") == 0)
        return v * 60;
    if (strcmp(end, "h") == 0)
        return v * 3600;
    if (strcmp(end, "d") == 0)
        return v * 86400;
    return -1;
}

int rt_parse_int(const char *s, long long *out)
{
    char *end = NULL;
    long long v;

    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

char *rt_expand_home(const char *path)
{
    const char *home = getenv("HOME");

    if (path[0] == '~' && (path[1] == '/' || path[1] == '\0') && home != NULL)
        return xasprintf("%s%s", home, path + 1);
    return xstrdup(path);
}

int rt_mkdir_p(const char *path, unsigned mode, struct rt_error *err)
{
    char *p = xstrdup(path);
    int rc = 0;

    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, mode) < 0 && errno != EEXIST) {
                rc = rt_err_set(err, RT_ERR_ARG, errno, "cannot create directory '%s': %s", p,
                                strerror(errno));
                break;
            }
            *s = c;
            if (c == '\0')
                break;
        }
    }
    free(p);
    return rc;
}

char *rt_xdg_dir(const char *kind)
{
    char var[32];
    const char *v, *home = getenv("HOME");
    const char *fallback;

    snprintf(var, sizeof var, "XDG_%s_HOME", kind);
    v = getenv(var);
    if (v != NULL && v[0] == '/')
        return xasprintf("%s/racktop", v);
    if (strcmp(kind, "CONFIG") == 0)
        fallback = ".config";
    else if (strcmp(kind, "STATE") == 0)
        fallback = ".local/state";
    else
        fallback = ".cache";
    return xasprintf("%s/%s/racktop", home != NULL ? home : "/tmp", fallback);
}

const char *rt_strcasestr(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    if (n == 0)
        return hay;
    for (; *hay != '\0'; hay++) {
        if (tolower((unsigned char)*hay) == tolower((unsigned char)*needle) &&
            strncasecmp(hay, needle, n) == 0)
            return hay;
    }
    return NULL;
}

uint64_t rt_hash(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t w;

    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
        h ^= h >> 29;
    }
    /* The tail in a loop: memcpy() of a variable length is a library call, and most
     * strings hashed (a row's fields) are short enough for that to be most of the cost. */
    w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)p[i] << (8 * i);
    w ^= (uint64_t)n << 56; /* the tail's length: "a" and "a\0" differ */
    h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

uint64_t rt_fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;

    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
