#!/usr/bin/env bash
# OpenStack benchmark, one run, same loopback endpoints for every client:
#   A. 10 000 servers on tests/servers/openstack_server.py:
#      racktop list instances -o json  vs  openstack server list -f json  vs  curl (same pages)
#      plus the refresh inside one process (tests/support/helper_osrefresh): the
#      provider's refresh as the engine calls it, cold, warm (changes-since, nothing
#      changed: rows "kept") and after 100 servers changed
#   B. 1 000 nodes on the real Ironic (Debian's ironic, fake-hardware):
#      racktop list hosts -o json  vs  openstack baremetal node list -f json  vs  curl
# Prints medians (wall ms) of RUNS runs and client CPU (user+sys) of racktop.
# The clients take turns run by run (curl, racktop, baseline), so load from
# elsewhere on the machine hits them alike.  BASE_RACKTOP (and BASE_OSREFRESH)
# name an older build to measure in the same run (before/after).
# usage: RACKTOP=build/racktop RT_SRC_DIR=. [OSREFRESH=build/tests/helper_osrefresh]
#        [BASE_RACKTOP=old/racktop BASE_OSREFRESH=old/tests/helper_osrefresh] tests/bench/openstack_bench.sh
set -euo pipefail
RUNS=${RUNS:-5}
BASE_RACKTOP=${BASE_RACKTOP:-}
. "$RT_SRC_DIR/tests/integration/openstack_lib.bash"
# A failed run counts as NA (never as a time): the median of anything with an NA is NA.
median() { sort -n | awk '/NA/{na=1} {a[NR]=$1} END {print (na ? "NA" : (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2))}'; }
# Every client's output goes to /dev/null while it is timed (curl's always did; racktop's
# 6 MB went to a file before, ~5 ms of page cache curl never paid): the timed runs measure
# the clients, and each client's output is checked on its own, outside the race.
ms_of() { local s e; s=$(date +%s%N); if "$@" > /dev/null 2> "$T/bench.err"; then e=$(date +%s%N); echo $(( (e - s) / 1000000 )); else echo "bench: '$*' failed: $(tail -1 "$T/bench.err")" >&2; echo NA; fi; }
# The child's user+sys CPU in ms to a tenth, from getrusage() (/usr/bin/time prints 10 ms
# steps: a 7 ms saving vanished in them); NA when the command fails.
cpu_of() { python3 -c 'import resource, subprocess, sys
cpu = lambda r: (r.ru_utime + r.ru_stime) * 1000
c0 = cpu(resource.getrusage(resource.RUSAGE_CHILDREN))  # a launcher may have had children
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
print("NA" if rc else "%.1f" % (cpu(resource.getrusage(resource.RUSAGE_CHILDREN)) - c0))' "$@"; }
row() { printf '%-44s %8s ms\n' "$1" "$2"; }
# turns VAR CMD...: append one timing of CMD to the list in VAR
turns() { local v=$1; shift; printf -v "$v" '%s %s' "${!v}" "$(ms_of "$@")"; }
med_of() { tr ' ' '\n' | grep . | median; }
# race P CURL_FN KIND: curl, racktop and the baseline take turns RUNS times (curl_fn, then
# `list KIND -o json`); sets ${P}_curl, ${P}_rt, ${P}_base: medians, ms (NA: no baseline)
race() {
    local p=$1 fn=$2 kind=$3 tc= tr= tb=
    for i in $(seq $RUNS); do
        turns tc "$fn"
        turns tr "$RACKTOP" list "$kind" -o json
        [ -z "$BASE_RACKTOP" ] || turns tb base_rt list "$kind" -o json
    done
    printf -v "${p}_curl" '%s' "$(echo "$tc" | med_of)"
    printf -v "${p}_rt" '%s' "$(echo "$tr" | med_of)"
    printf -v "${p}_base" '%s' "$([ -n "$BASE_RACKTOP" ] && echo "$tb" | med_of || echo NA)"
}

# ---- A: fixture server, 10 000 servers
os_start_fixture --servers 10000
os_clouds_fx
os_config os fx "page_size: 1000"
"$RACKTOP" list instances -o json > "$T/o.json"
[ "$(jq length "$T/o.json")" = 10000 ] || die "racktop listed $(jq length "$T/o.json") servers"
# The baseline keeps its own store: an older racktop refuses a newer schema.
base_rt() { XDG_STATE_HOME="$T/state-base" "$BASE_RACKTOP" "$@"; }
[ -z "$BASE_RACKTOP" ] || base_rt list instances -o json > /dev/null
# curl: a token, then the same 10 pages on one connection
urls=("$OS_URL/compute/v2.1/servers/detail?limit=1000")
for p in $(seq 1 9); do urls+=("$OS_URL/compute/v2.1/servers/detail?limit=1000&marker=00000000-0000-0000-0000-$(printf '%012x' $((p * 1000)))"); done
curl_a() {
    local tok
    tok=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"secret"}}},"scope":{"project":{"name":"demo","domain":{"name":"Default"}}}}}' "$OS_URL/identity/v3/auth/tokens" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}')
    curl -sf -H "X-Auth-Token: $tok" -H 'OpenStack-API-Version: compute 2.96' "${urls[@]}" > /dev/null
}
race a curl_a instances
a_cpu=$(for i in $(seq $RUNS); do cpu_of "$RACKTOP" list instances -o json; done | median)
a_base_cpu=$([ -n "$BASE_RACKTOP" ] && for i in $(seq $RUNS); do cpu_of env XDG_STATE_HOME="$T/state-base" "$BASE_RACKTOP" list instances -o json; done | median || echo NA)
if command -v openstack > /dev/null; then
    a_py=$(for i in $(seq 3); do ms_of env OS_CLOUD=fx OS_CLIENT_CONFIG_FILE="$XDG_CONFIG_HOME/openstack/clouds.yaml" openstack server list -f json --limit -1; done | median)
    env OS_CLOUD=fx OS_CLIENT_CONFIG_FILE="$XDG_CONFIG_HOME/openstack/clouds.yaml" openstack server list -f json --limit -1 > "$T/py.json"
    [ "$(jq length "$T/py.json")" = 10000 ] || die "openstack server list listed $(jq length "$T/py.json") servers"
else
    a_py=NA
fi
# One process, three refreshes (provider only); 100 servers change before the third.
OSREFRESH=${OSREFRESH:-$(dirname "$RACKTOP")/tests/helper_osrefresh}
cat > "$T/touch.sh" <<EOF2
for i in \$(seq 1 100); do
    curl -sf -X POST "$OS_URL/_control/server" -d "{\\"id\\": \\"00000000-0000-0000-0000-\$(printf %012x \$((i * 97)))\\", \\"status\\": \\"SHUTOFF\\"}" || exit 1
done
EOF2
touch_cmd="bash $T/touch.sh"
: > "$T/refresh"
: > "$T/refresh.base"
for i in $(seq $RUNS); do
    "$OSREFRESH" "$XDG_CONFIG_HOME/racktop/config.yaml" os "$touch_cmd" >> "$T/refresh"
    [ -z "${BASE_OSREFRESH:-}" ] || "$BASE_OSREFRESH" "$XDG_CONFIG_HOME/racktop/config.yaml" os "$touch_cmd" >> "$T/refresh.base"
done
r_med() { awk -v k="$1" -v f="$2" '$1==k {print $f}' "${3:-$T/refresh}" | median; }

# ---- B: real Ironic, 1 000 nodes
os_start_ironic
python3 - "$IR_URL" <<'PY'
import http.client, json, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
h = {"Content-Type": "application/json", "X-OpenStack-Ironic-API-Version": "1.82"}
for i in range(1000):
    c.request("POST", "/v1/nodes", json.dumps({"name": "n-%04d" % i, "driver": "fake-hardware"}), h)
    r = c.getresponse(); r.read()
PY
os_clouds <<EOF2
clouds:
  bm:
    auth_type: none
    baremetal_endpoint_override: $IR_URL
EOF2
os_config bm bm "page_size: 1000"
"$RACKTOP" list hosts -o json > "$T/h.json"
[ "$(jq length "$T/h.json")" = 1000 ] || die "racktop listed $(jq length "$T/h.json") nodes"
curl_b() { curl -sf -H 'X-OpenStack-Ironic-API-Version: 1.82' "$IR_URL/" "$IR_URL/v1/nodes/detail?limit=1000" > /dev/null; }
race b curl_b hosts
if command -v openstack > /dev/null; then
    b_py=$(for i in $(seq 3); do ms_of env OS_CLOUD=bm openstack baremetal node list -f json --long; done | median)
else
    b_py=NA
fi

echo "== A: 10000 servers, fixture server (median of $RUNS; Python CLI median of 3)"
row "curl, token + 10 pages of 1000 (floor)" "$a_curl"
row "racktop list instances -o json" "$a_rt"
row "racktop client CPU (user+sys)" "$a_cpu"
if [ -n "$BASE_RACKTOP" ]; then
    row "baseline racktop list instances -o json" "$a_base"
    row "baseline racktop client CPU (user+sys)" "$a_base_cpu"
fi
row "openstack server list -f json" "$a_py"
awk -v r="$a_rt" -v c="$a_curl" -v p="$a_py" 'BEGIN{printf "racktop/curl = %.2f   python/racktop = %s\n", r/c, (p=="NA"?"NA":sprintf("%.1f", p/r))}'
[ -z "$BASE_RACKTOP" ] || awk -v r="$a_rt" -v b="$a_base" -v c="$a_curl" 'BEGIN{printf "baseline/curl = %.2f   baseline/racktop = %.2f\n", b/c, b/r}'
echo "== A, refresh inside one process (the provider's refresh only; median of $RUNS)"
for k in cold warm changed; do
    row "$k: rows $(r_med $k 2), cpu $(r_med $k 4) ms" "$(r_med $k 3)"
    [ -z "${BASE_OSREFRESH:-}" ] || row "  baseline $k: cpu $(r_med $k 4 "$T/refresh.base") ms" "$(r_med $k 3 "$T/refresh.base")"
done
echo "== B: 1000 nodes, real Ironic $(dpkg-query -W -f='${Version}' ironic-api 2>/dev/null)"
row "curl, version doc + 1 page of 1000 (floor)" "$b_curl"
row "racktop list hosts -o json" "$b_rt"
[ -z "$BASE_RACKTOP" ] || row "baseline racktop list hosts -o json" "$b_base"
row "openstack baremetal node list -f json --long" "$b_py"
awk -v r="$b_rt" -v c="$b_curl" -v p="$b_py" 'BEGIN{printf "racktop/curl = %.2f   python/racktop = %s\n", r/c, (p=="NA"?"NA":sprintf("%.1f", p/r))}'
[ -z "$BASE_RACKTOP" ] || awk -v b="$b_base" -v c="$b_curl" 'BEGIN{printf "baseline/curl = %.2f\n", b/c}'
