#!/usr/bin/env bash
# Redfish hardware events: every LogService of each system and its manager
# (followed from the links), entries mapped to kind event (severity, time,
# source SEL / Event log, message id), `show event`, and clear-sel emptying them.
set -euo pipefail
. "$(dirname "$0")/redfish_lib.bash"

rf_start --bmc r1=public-rackmount1 --bmc bl=public-bladed --bmc ls=public-localstorage
rf_config <<EOF2
      - {name: r1, address: "$RF_URL/bmc/r1"}
      - {name: bl, address: "$RF_URL/bmc/bl"}
      - {name: ls, address: "$RF_URL/bmc/ls"}
EOF2

expect 0 list events -o json
# r1 and ls: 2 SEL entries (system log) + 1 event (manager log); bl: one blade's manager log.
[ "$(jq_out 'length')" = 7 ] || die "expected 7 events, got $(jq_out 'length'): $(cat "$T/out")"
jq -e '.[] | select(.id=="r1/Systems/437XR1138R2/LogServices/Log1/Entries/2") | .kind=="event" and
       .host=="r1/437XR1138R2" and .severity=="Critical" and .source=="SEL" and .message_id=="0x592E28"
       and .created_at=="2012-03-07T14:45:00Z" and .message=="Temperature threshold exceeded"
       and .status=="ERROR"' "$T/out" > /dev/null || die "SEL entry: $(jq -c '.[0]' "$T/out")"
jq -e '.[] | select(.id=="r1/Managers/BMC/LogServices/Log/Entries/1") | .source=="Event log" and
       .message_id=="Event.1.0.TempWayTooHot" and .host=="r1/437XR1138R2"' "$T/out" > /dev/null \
    || die "manager log entry missing"
jq -e '[.[] | select(.host|startswith("bl/"))] | length==1 and .[0].severity=="Warning"
       and .[0].status=="ACTIVE"' "$T/out" > /dev/null || die "blade event: $(jq -c '[.[]|select(.host|startswith("bl/"))]' "$T/out")"
# The crawl followed links: LogServices collections of systems and managers were read.
rf_requests > "$T/req.json"
for p in /redfish/v1/Systems/437XR1138R2/LogServices /redfish/v1/Managers/BMC/LogServices/Log/Entries; do
    jq -e --arg p "$p" 'any(.[]; .bmc=="r1" and .path==$p)' "$T/req.json" > /dev/null || die "no GET of $p"
done
# The table and the describe view.
expect 0 list events --filter "host:ls/"
out_has "SEVERITY"
[ "$(grep -c 'ls/437XR1138R2' "$T/out")" = 3 ] || die "filtered table: $(cat "$T/out")"
expect 0 show event r1/Managers/BMC/LogServices/Log/Entries/1 -o json
jq_out '.raw' | grep -q 'System May be Melting' || die "show event lacks the raw entry"
expect 4 show event r1/nope

# clear-sel clears both logs of r1; the other BMCs keep theirs.
rf_ctl reset
expect 0 do clear-sel host r1 --yes --wait
rf_requests > "$T/req.json"
[ "$(jq '[.[] | select(.bmc=="r1" and .method=="POST" and (.path|endswith("LogService.ClearLog")))] | length' "$T/req.json")" = 2 ] \
    || die "clear-sel did not clear both logs of r1"
expect 0 list events -o json
jq -e 'all(.[]; (.host|startswith("r1/")) | not) and length==4' "$T/out" > /dev/null \
    || die "after clear-sel: $(jq -c '[.[]|.id]' "$T/out")"
pass
