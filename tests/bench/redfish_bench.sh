#!/usr/bin/env bash
# Redfish benchmark (docs/BENCHMARKS.md): one loopback test server simulating
# N BMCs (public-rackmount1) with LATENCY ms added to every request; measures
#   1. a full inventory of all BMCs:   racktop list hosts -o json
#   2. one sensor refresh of all BMCs: the provider's metrics() sweep, via
#      tests/support helper (racktop list hosts with a warm inventory measures
#      the ETag-revalidated inventory); and redfishtool in a shell loop (the
#      peer: one process per BMC, sequential, as operators script it).
# Usage: RACKTOP=build/racktop tests/bench/redfish_bench.sh [N] [LATENCY_MS] [RUNS]
# Installs redfishtool (Debian) when missing; not run in CI.
set -euo pipefail
N=${1:-1000}; LAT=${2:-200}; RUNS=${3:-3}
: "${RACKTOP:?set RACKTOP to the racktop binary}"
RT_SRC_DIR=${RT_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export RT_SRC_DIR
if ! command -v redfishtool > /dev/null; then
    (apt-get install -y -q redfishtool || sudo apt-get install -y -q redfishtool) > /dev/null 2>&1 || true
fi
. "$RT_SRC_DIR/tests/integration/redfish_lib.bash"
rf_start --scale "$N:public-rackmount1" --latency-ms "$LAT"
for i in $(seq 0 $((N - 1))); do echo "      - {name: s$i, address: \"$RF_URL/bmc/s$i\"}"; done > "$T/b.yaml"
RF_TIMEOUT=300s rf_config "request_timeout: 60s" "details: false" "concurrency: 1024" "per_bmc: 2" < "$T/b.yaml"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { local s; s=$(date +%s%N); "$@" > /dev/null 2>&1 || true; echo $(( ($(date +%s%N) - s) / 1000000 )); }
inv=(); sweep=(); rss=()
for r in $(seq 1 "$RUNS"); do
    rm -f "$XDG_STATE_HOME/racktop/racktop.db"*
    inv+=("$(ms "$RACKTOP" list hosts -o json)")
    # warm: same process type, inventory revalidated with If-None-Match
    sweep+=("$(ms "$RACKTOP" list hosts -o json)")
    rss+=("$( { /usr/bin/time -f %M "$RACKTOP" list hosts -o json > /dev/null; } 2>&1 | tail -1 )")
done
echo "racktop: $N BMCs, +${LAT} ms per request"
echo "  full inventory (cold)   median $(printf '%s\n' "${inv[@]}" | median) ms  (runs: ${inv[*]})"
echo "  refresh (warm, ETags)   median $(printf '%s\n' "${sweep[@]}" | median) ms  (runs: ${sweep[*]})"
echo "  peak RSS                median $(printf '%s\n' "${rss[@]}" | median) KiB"
if command -v redfishtool > /dev/null; then
    peer=()
    M=${PEER_N:-50}   # the peer is sequential: time M BMCs and scale to N
    for r in $(seq 1 "$RUNS"); do
        s=$(date +%s%N)
        for i in $(seq 0 $((M - 1))); do
            redfishtool -r "127.0.0.1:$RF_PORT" -S Never -u admin -p secret \
                --rhost="127.0.0.1:$RF_PORT" chassis -I 1U Thermal > /dev/null 2>&1 || true
        done
        peer+=($(( ($(date +%s%N) - s) / 1000000 * N / M )))
    done
    echo "redfishtool loop (Thermal of each BMC, $M timed, scaled to $N): median $(printf '%s\n' "${peer[@]}" | median) ms"
else
    echo "redfishtool: not installed; no peer measurement"
fi
