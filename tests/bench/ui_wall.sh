#!/usr/bin/env bash
# Dashboard benchmark: idle CPU, RSS and open fds of `racktop --wall` over
# a long-ish, bounded run (docs/BENCHMARKS.md, "Dashboard").  The wall starts
# on a cache of N instances (default 10000; default refresh: inventory
# every 30 s, health every 10 s, panes rotating every 15 s) and is left
# alone; after a 20 s warm-up the harness samples /proc/PID every 10 s:
# utime+stime, VmRSS, the number of open fds, and the bytes written.
# CPU share = ticks / CLK_TCK / span.  Peer on the same pty, same span:
# top -d 2 (a display left running that refreshes on its own).
# Usage: RACKTOP=build/racktop tests/bench/ui_wall.sh [SECONDS] [N]
. "$(dirname "$0")/ui_lib.bash"
SECS=${1:-180}; N=${2:-10000}
machine
warm_cache "$N"
restore_cache "$N"
n=$((SECS / 10))
printf 'ready racktop wall\nsleep 20000\nsample 10000 %d wall\nquit q\n' "$n" > "$T/wall.s"
"$PTYBENCH" -T $((SECS + 120)) -s "$SIZE" -t "$BENCH_TERM" -f "$T/wall.s" -- "$RACKTOP" --demo-size "$N" --wall > "$T/wall"
printf 'ready load average\nsleep 20000\nsample 10000 %d top\nquit q\n' "$n" > "$T/top.s"
"$PTYBENCH" -T $((SECS + 120)) -s "$SIZE" -t "$BENCH_TERM" -f "$T/top.s" -- top -d 2 > "$T/top"
summary() {
    python3 - "$1" "$2" << 'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
s = [e for e in ev if e.get("event") == "sample"]
m = [e for e in ev if e.get("event") == "sample_summary"]
if not m:
    print(sys.argv[2], "no samples:", ev[-3:]); sys.exit()
m = m[0]
print("%-10s CPU %.2f%% of one core over %.0f s; RSS first/last/min/max %d/%d/%d/%d KiB; fds %d-%d; %d bytes written"
      % (sys.argv[2], m["cpu_pct"], m["span_ms"] / 1000, m["rss_first_kb"], m["rss_last_kb"],
         m["rss_min_kb"], m["rss_max_kb"], m["fds_min"], m["fds_max"], m["bytes"]))
print("%-10s RSS KiB every 10 s: %s" % ("", " ".join(str(e["rss_kb"]) for e in s)))
print("%-10s CPU ticks every 10 s: %s" % ("", " ".join(str(e["ticks"]) for e in s)))
PY
}
echo "--wall, N=$N, ${SECS} s sampled after 20 s:"
summary "$T/wall" racktop
summary "$T/top" "top -d 2"
