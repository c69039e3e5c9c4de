#!/usr/bin/env bash
# Redfish benchmark (docs/BENCHMARKS.md, "Redfish").  The loopback test server
# (tests/servers/redfish_server.py --ports) simulates N BMCs (public-rackmount1),
# each on a port of its own and without a URL prefix, as real BMCs are, with
# LATENCY ms added to every request.  It measures, RUNS times each (medians):
#   1. racktop's full inventory of all BMCs: `racktop list hosts -o json`
#      (cold: empty store), wall time and peak RSS;
#   2. sensor sweeps of all BMCs on their own: helper_rfsweep runs the
#      provider's list(hosts) once and then times metrics() SWEEPS times (default
#      3) in the same process, the GETs of every known Thermal and Power link
#      (If-None-Match): the first right after the inventory, the later ones
#      with the connections the earlier ones left open; and its peak RSS;
#   3. the peer: redfishtool (Debian), one process per request in a shell loop,
#      reading Thermal and Power of each BMC (`Chassis -1 Thermal|Power`); it is
#      sequential, so PEER_N BMCs are timed and the time scaled to N (linear).
# Usage: RACKTOP=build/racktop [RFSWEEP=build/tests/helper_rfsweep] [SWEEPS=3] \
#        [CONC=2048] [PEER=0] tests/bench/redfish_bench.sh [N] [LATENCY_MS] [RUNS]
# CONC is racktop's `concurrency`; 2048 puts all 2 000 sweep GETs on the wire.
# Installs redfishtool (apt) when missing; not run in CI.
set -euo pipefail
N=${1:-1000}; LAT=${2:-200}; RUNS=${3:-3}; PEER_N=${PEER_N:-20}
: "${RACKTOP:?set RACKTOP to the racktop binary}"
RFSWEEP=${RFSWEEP:-$(dirname "$RACKTOP")/tests/helper_rfsweep}
[ -x "$RFSWEEP" ] || { echo "no helper_rfsweep at $RFSWEEP (set RFSWEEP)" >&2; exit 2; }
RT_SRC_DIR=${RT_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export RT_SRC_DIR
if ! command -v redfishtool > /dev/null; then
    (apt-get install -y -q redfishtool || sudo apt-get install -y -q redfishtool) > /dev/null 2>&1 || true
fi
. "$RT_SRC_DIR/tests/integration/redfish_lib.bash"
PROCS=${PROCS:-$(nproc)}
rf_start --ports --procs "$PROCS" --scale "$N:public-rackmount1" --latency-ms "$LAT"
# rf_start read the first line of the port file ("s0 PORT"): the real map is the file.
pf=$(ls "$T"/port.* | head -1)
[ "$(wc -l < "$pf")" = "$N" ] || die "the server lists $(wc -l < "$pf") BMCs, expected $N"
awk '{printf "      - {name: %s, address: \"http://127.0.0.1:%s\"}\n", $1, $2}' "$pf" > "$T/b.yaml"
RF_TIMEOUT=300s rf_config "request_timeout: 60s" "details: false" "concurrency: ${CONC:-2048}" "per_bmc: 2" < "$T/b.yaml"
cfg="$XDG_CONFIG_HOME/racktop/config.yaml"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# one single request's time (root document of one BMC), for the target
one=$(awk 'NR==1{print $2}' "$pf")
single=()
for r in $(seq 1 5); do
    s=$(date +%s%N); curl -s -o /dev/null "http://127.0.0.1:$one/redfish/v1/"; single+=($(( ($(date +%s%N) - s) / 1000000 )))
done
inv=(); invrss=(); sweep=(); warm=(); sweeprss=(); samples=""
for r in $(seq 1 "$RUNS"); do
    rm -f "$XDG_STATE_HOME/racktop/racktop.db"*
    s=$(date +%s%N)
    /usr/bin/time -f %M -o "$T/rss" "$RACKTOP" list hosts -o json > "$T/hosts.json" 2> "$T/err" || true
    inv+=($(( ($(date +%s%N) - s) / 1000000 )))
    invrss+=("$(tail -1 "$T/rss")")
    [ "$(jq length "$T/hosts.json")" = "$N" ] || die "inventory listed $(jq length "$T/hosts.json") hosts: $(head -c 300 "$T/err")"
    /usr/bin/time -f %M -o "$T/rss" "$RFSWEEP" "$cfg" rf "${SWEEPS:-3}" > "$T/sweep" 2> "$T/err" || die "helper_rfsweep: $(cat "$T/err")"
    sweep+=("$(sed -n 's/.*sweep_ms=\([0-9]*\).*/\1/p' "$T/sweep")")
    # the later sweeps of the same process (warm connections): their median
    warm+=("$(sed -n 's/.*sweep_ms=[0-9]*,\([0-9,]*\).*/\1/p' "$T/sweep" | tr , '\n' | median)")
    sweeprss+=("$(tail -1 "$T/rss")")
    samples=$(sed -n 's/.*samples=\([0-9]*\).*/\1/p' "$T/sweep")
done
echo "racktop: $N BMCs (one port each, $PROCS server processes), +${LAT} ms per request, $RUNS runs"
echo "  single request (curl, root)  median $(printf '%s\n' "${single[@]}" | median) ms"
echo "  full inventory (cold)        median $(printf '%s\n' "${inv[@]}" | median) ms  (runs: ${inv[*]})"
echo "    peak RSS                   median $(( $(printf '%s\n' "${invrss[@]}" | median) / 1024 )) MiB"
sm1=$(printf '%s\n' "${single[@]}" | median)
echo "  sensor sweep (metrics())     median $(printf '%s\n' "${sweep[@]}" | median) ms  (runs: ${sweep[*]}; $samples samples)"
[ "${SWEEPS:-3}" -gt 1 ] && echo "  later sweeps, same process   median $(printf '%s\n' "${warm[@]}" | median) ms  (runs: ${warm[*]})"
echo "  sweep / single request       $(awk -v a="$(printf '%s\n' "${sweep[@]}" | median)" -v b="$sm1" 'BEGIN{printf "%.1f", a/(b>0?b:1)}')x first, $(awk -v a="$(printf '%s\n' "${warm[@]:-0}" | median)" -v b="$sm1" 'BEGIN{printf "%.1f", a/(b>0?b:1)}')x later"
echo "    peak RSS (inventory+sweep) median $(( $(printf '%s\n' "${sweeprss[@]}" | median) / 1024 )) MiB"
if [ "${PEER:-1}" = 0 ]; then
    echo "redfishtool: skipped (PEER=0)"
elif command -v redfishtool > /dev/null; then
    peer=(); peerrss=0
    for r in $(seq 1 "$RUNS"); do
        s=$(date +%s%N)
        head -n "$PEER_N" "$pf" | while read -r name port; do
            for what in Thermal Power; do
                redfishtool -r "127.0.0.1:$port" -S Never -u admin -p secret Chassis -1 "$what" > "$T/peer.out" \
                    || die "redfishtool failed on $name"
            done
        done
        peer+=($(( ($(date +%s%N) - s) / 1000000 * N / PEER_N )))
    done
    grep -q '"PowerControl"' "$T/peer.out" || die "redfishtool did not read Power"
    /usr/bin/time -f %M -o "$T/rss" redfishtool -r "127.0.0.1:$one" -S Never -u admin -p secret Chassis -1 Thermal > /dev/null
    peerrss=$(tail -1 "$T/rss")
    pm=$(printf '%s\n' "${peer[@]}" | median); sm=$(printf '%s\n' "${sweep[@]}" | median)
    echo "redfishtool loop (Thermal+Power per BMC, $PEER_N timed, scaled to $N): median $pm ms (runs: ${peer[*]}), RSS per process $(( peerrss / 1024 )) MiB"
    echo "ratio redfishtool / racktop sweep: $(awk -v a="$pm" -v b="$sm" 'BEGIN{printf "%.0f", a/(b>0?b:1)}')x"
else
    echo "redfishtool: not installed; no peer measurement"
fi
