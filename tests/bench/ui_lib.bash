# Shared set-up of the dashboard benchmarks (tests/bench/ui_*.sh; results in
# docs/BENCHMARKS.md, "Dashboard"): a private XDG home per script, the pty
# harness (tests/support/helper_ptybench.c), a demo cache built once per
# fleet size and restored before every run, and median/p95 helpers.
# Not run by ctest: these take minutes and their numbers are for people.
set -uo pipefail
: "${RACKTOP:?set RACKTOP to the racktop binary}"
PTYBENCH=${PTYBENCH:-$(dirname "$RACKTOP")/tests/helper_ptybench}
[ -x "$PTYBENCH" ] || { echo "no pty harness at $PTYBENCH (build helper_ptybench or set PTYBENCH)" >&2; exit 2; }
command -v python3 > /dev/null || { echo "python3 is needed for the statistics" >&2; exit 2; }
T=$(mktemp -d /tmp/racktop-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
export HOME="$T/home" XDG_CONFIG_HOME="$T/config" XDG_STATE_HOME="$T/state" XDG_CACHE_HOME="$T/cache"
mkdir -p "$HOME" "$XDG_STATE_HOME/racktop"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
export RACKTOP_DEMO_SPEED=${RACKTOP_DEMO_SPEED:-1}
unset NO_COLOR TMUX
SIZE=${SIZE:-120x40}
BENCH_TERM=${BENCH_TERM:-screen-256color}
DB="$XDG_STATE_HOME/racktop/racktop.db"

# warm_cache N: a cache with N demo instances (racktop list, as an operator's
# first command would leave it), saved as $T/cache-N.db
warm_cache() {
    rm -f "$DB" "$DB"-*
    "$RACKTOP" --demo-size "$1" list instances > "$T/list-$1.txt"
    cp "$DB" "$T/cache-$1.db"
}
# restore_cache N: put that cache back (every run starts from the same state)
restore_cache() {
    rm -f "$DB" "$DB"-*
    cp "$T/cache-$1.db" "$DB"
}
# pty SCRIPT CMD...: run CMD on the harness's pty; JSON lines on stdout
pty() {
    local script=$1; shift
    "$PTYBENCH" -s "$SIZE" -t "$BENCH_TERM" -f "$script" -- "$@"
}
# jget FIELD [EVENT [LABEL]]: that field of every matching JSON line on stdin
jget() {
    python3 -c '
import json, sys
f, ev, lab = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "", sys.argv[3] if len(sys.argv) > 3 else None
for l in sys.stdin:
    try: o = json.loads(l)
    except ValueError: continue
    if ev and o.get("event") != ev: continue
    if lab is not None and o.get("label") != lab: continue
    if f in o: print(o[f])' "$@"
}
# stats: "median p95 min max n" of the numbers on stdin
stats() {
    python3 -c '
import sys
v = sorted(float(x) for x in sys.stdin.read().split())
if not v: print("- - - - 0"); sys.exit()
med = v[len(v)//2] if len(v) % 2 else (v[len(v)//2-1] + v[len(v)//2]) / 2
p95 = v[min(len(v)-1, int(round(0.95 * (len(v) - 1))))]
print("%.1f %.1f %.1f %.1f %d" % (med, p95, v[0], v[-1], len(v)))'
}
median() { stats | cut -d" " -f1; }
ratio() { python3 -c 'import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print("%.2f" % (a / b) if b else "-")' "$1" "$2"; }
machine() {
    echo "machine: $(nproc) CPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -sr)"
}
