/*
 * util.h - small helpers shared by every layer: time, paths, parsing.
 */
#ifndef RT_UTIL_H
#define RT_UTIL_H

#include <stdint.h>
#include <stddef.h>

struct rt_error;

/* Wall-clock time in milliseconds and seconds since the epoch. */
int64_t rt_now_ms(void);
/* Monotonic milliseconds, for timeouts and intervals. */
int64_t rt_mono_ms(void);
/* Format an epoch-seconds time as UTC ISO 8601 ("2026-11-21T12:00:00Z") into buf (>= 21). */
char *rt_iso8601(int64_t epoch_s, char *buf, size_t len);
/* Nonzero when one of the eight bytes of w is '"', '\\', below 0x20 or above 0x7f: what a
 * JSON string cannot hold as it is (the "has zero byte" test, so a false alarm is possible
 * and only costs the caller's byte loop). */
static inline uint64_t rt_json_special8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull;
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');

    return (((q - ones) & ~q) | ((b - ones) & ~b) | (w - ones * 0x20) | w) &
           0x8080808080808080ull;
}
/* Parse a duration "30s", "5m", "2h", "1d" or a plain number of seconds. -1 on error. */
int64_t rt_parse_duration(const char *s);
/* Parse a whole decimal integer; 0 on success, -1 if s is not one. */
int rt_parse_int(const char *s, long long *out);
/* Expand a leading "~/" with $HOME. Returns a new string. */
char *rt_expand_home(const char *path);
/* mkdir -p with the given mode for created directories. */
int rt_mkdir_p(const char *path, unsigned mode, struct rt_error *err);
/* $XDG_<KIND>_HOME/racktop (kind: "CONFIG", "STATE", "CACHE"), new string. */
char *rt_xdg_dir(const char *kind);
/* Case-insensitive substring search (ASCII). */
const char *rt_strcasestr(const char *hay, const char *needle);
/* FNV-1a 64-bit hash of a buffer, continuing from h (start with RT_FNV_INIT). */
#define RT_FNV_INIT 0xcbf29ce484222325ULL
uint64_t rt_fnv1a(uint64_t h, const void *data, size_t n);
/* A faster 64-bit hash of a buffer, eight bytes a step, continuing from h (start with
 * RT_FNV_INIT): for change detection (res_hash, the engine's list hash), where values are
 * never compared across machines.  Each step is a bijection of h, so a change confined to one
 * buffer always changes the result.  FNV-1a stays where a value must be stable. */
uint64_t rt_hash(uint64_t h, const void *data, size_t n);

#endif
