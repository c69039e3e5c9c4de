#!/usr/bin/env bash
# Redfish connection reuse: with more BMCs than `concurrency`, every BMC keeps
# its connection between requests (the connection cache holds BMCs x per_bmc
# connections, not only `concurrency`): one connection per BMC for a whole
# inventory, even though only 2 requests are on the wire at once.  Each BMC
# listens on a port of its own (--ports), as real BMCs do.
set -euo pipefail
. "$(dirname "$0")/redfish_lib.bash"

rf_start --ports --scale 6:public-rackmount1
pf=$(ls "$T"/port.* | head -1)
[ "$(wc -l < "$pf")" = 6 ] || die "the server lists $(wc -l < "$pf") BMCs"
RF_URL="http://127.0.0.1:$(awk 'NR==1{print $2}' "$pf")"   # any port answers /_control
awk '{printf "      - {name: %s, address: \"http://127.0.0.1:%s\"}\n", $1, $2}' "$pf" \
    | rf_config "concurrency: 2" "per_bmc: 1" "details: false"
expect 0 list hosts -o json
[ "$(jq_out 'length')" = 6 ] || die "expected 6 hosts, got $(jq_out 'length')"
rf_requests > "$T/req.json"
[ "$(jq '[.[] | select(.method=="GET")] | length' "$T/req.json")" -ge 36 ] || die "too few requests recorded"
jq -e 'group_by(.bmc) | all(map(.conn) | unique | length == 1)' "$T/req.json" > /dev/null \
    || die "BMCs reconnected: $(jq -c 'group_by(.bmc) | map({bmc: .[0].bmc, conns: (map(.conn) | unique | length), requests: length})' "$T/req.json")"
pass
