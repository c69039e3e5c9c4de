#!/usr/bin/env bash
# Quitting the dashboard while a Redfish refresh waits on hung BMCs: the
# refresh is cancelled (prov_env.stopping), not waited for and not abandoned,
# so racktop still logs out of every BMC it logged in to, and exits.
# Twelve BMCs, three of them hung: small enough that the logouts fit the
# 1.5 s quit cap on any machine (tests/ui/redfish_scale.sh does 500 BMCs).
set -euo pipefail
. "$(dirname "$0")/lib.bash"
command -v python3 > /dev/null || { echo "python3 missing: skipped"; exit 77; }
command -v jq > /dev/null || { echo "jq missing: skipped"; exit 77; }
RF_FIXTURES="${RACKTOP_SHARED_FIXTURES:-$RT_SRC_DIR/../shared/fixtures}"
[ -d "$RF_FIXTURES/redfish/public-rackmount1" ] || { echo "no Redfish mockups: skipped"; exit 77; }
N=12
python3 "$RT_SRC_DIR/tests/servers/redfish_server.py" --fixtures "$RF_FIXTURES" \
    --port-file "$T/port" --scale "$N:public-rackmount1" 2> "$T/server.log" &
SRV=$!
trap 'kill $SRV 2> /dev/null || true; wait $SRV 2> /dev/null || true; cleanup' EXIT
for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.05; done
[ -s "$T/port" ] || die "the Redfish test server did not start: $(cat "$T/server.log")"
URL="http://127.0.0.1:$(cat "$T/port")"
ctl() { python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode() if len(sys.argv) > 2 else None)).read().decode())' "$URL/_control/$1" "${@:2}"; }
printf 'secret\n' > "$T/bmc.pw"
chmod 600 "$T/bmc.pw"
mkdir -p "$XDG_CONFIG_HOME/racktop"
{
    echo "providers:"
    echo "  - name: rf"
    echo "    type: redfish"
    echo "    username: admin"
    echo "    password_file: $T/bmc.pw"
    echo "    provision_ssh: false"
    echo "    request_timeout: 120s"
    echo "    bmcs:"
    for i in $(seq 0 $((N - 1))); do echo "      - {name: s$i, address: \"$URL/bmc/s$i\"}"; done
} > "$XDG_CONFIG_HOME/racktop/config.yaml"
for i in 3 4 5; do ctl fault "{\"bmc\":\"s$i\",\"kind\":\"delay\",\"ms\":600000}" > /dev/null; done

logins() { ctl requests | jq '[.[] | select(.method=="POST" and (.path|endswith("/Sessions")) and .status != null and .status < 300)] | length'; }
deletes() { ctl requests | jq '[.[] | select(.method=="DELETE" and (.path|contains("/Sessions/")))] | length'; }
before_login=$(logins)
before_delete=$(deletes)
start 160 40
wait_for "rf connected" 30
# every healthy BMC has logged in; the three hung ones hold the refresh
for _ in $(seq 1 300); do [ $(( $(logins) - before_login )) -ge 9 ] && break; sleep 0.1; done
[ $(( $(logins) - before_login )) -ge 9 ] || die "the healthy BMCs did not all log in: $(( $(logins) - before_login ))"
screen | grep -q "ERROR 3" && die "the hung BMCs already timed out: the quit would not be tested mid-refresh"
keys q
wait_for "RACKTOP-EXITED 0" 20
del=$(( $(deletes) - before_delete ))
[ "$del" = 9 ] || die "$del sessions deleted on quit, expected the 9 of the healthy BMCs"
pass
