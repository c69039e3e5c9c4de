#!/usr/bin/env bash
# The dashboard over 500 simulated BMCs (the Redfish test server) of which 50
# hang (accept the request, never answer) and 25 are dead (drop the
# connection):
#   1. with the cache of an earlier run, the hosts pane paints the cached rows
#      at once, marked stale, and answers keys (move, filter, describe, close)
#      while the refresh waits on the hung BMCs (request_timeout 60 s: it
#      cannot finish during this phase);
#   2. quitting then is prompt;
#   3. with a short request_timeout, the hung and dead BMCs are ERROR rows in
#      the hosts pane with the reason in LAST ERROR, counted in the header.
# No timing assertions: wait_for's limits are generous.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/redfish_ui.bash"
rf_ui_start 500
config() { rf_ui_config "$1" "concurrency: 128"; }

# ---- a healthy run fills the cache
config 60s
"$RACKTOP" list hosts -o json > "$T/warm.json" 2> "$T/err" || die "warm-up list failed: $(cat "$T/err")"
[ "$(jq length "$T/warm.json")" = "$N" ] || die "warm-up listed $(jq length "$T/warm.json") hosts"

# ---- 50 hung, 25 dead
for i in $(seq 10 59); do ctl fault "{\"bmc\":\"s$i\",\"kind\":\"delay\",\"ms\":600000}" > /dev/null; done
for i in $(seq 60 84); do ctl fault "{\"bmc\":\"s$i\",\"kind\":\"dead\"}" > /dev/null; done

# ---- 1. cached rows at once, keys answered while the hung BMCs are outstanding
start 200 50
wait_for "rf connected" 30
keys 2
wait_for "Hosts  1/$N" 30
wait_for "STALE: cached data from rf"
keys j j
wait_for "Hosts  3/$N"
keys /; type_text "s42"; keys Enter
wait_for "filter: s42"
wait_for "/11 of $N"             # s42, s420..s429
keys g                           # the first row: s42
wait_for "Hosts  1/11 of $N"
screen | sed -n 4p | grep -qE '^  s42 ' || die "the filter does not show s42 first"
keys Enter                       # describe s42: a hung BMC, its cached inventory
wait_for "cpu_summary"
wait_for "SATA Bay 1: model 3000GT8"
screen | grep -qE '^ *processors +CPU1: ' || die "describe lacks the processor lines"
keys q
wait_gone "cpu_summary"
keys Escape                      # clear the filter
wait_gone "filter: s42"
# still waiting on the hung BMCs: the refresh has not finished, the data is still the cache
screen | grep -qF "STALE: cached data from rf" || die "the refresh finished: the keys were not tested while BMCs hung"

# ---- 2. quitting while they hang is prompt (that the refresh is cancelled and
# the healthy BMCs are still logged out of: tests/ui/redfish_quit.sh, whose
# dozen BMCs fit the 1.5 s logout cap on any machine; 425 do not under ASan)
keys q
wait_for "RACKTOP-EXITED 0" 20

# ---- 3. a short request timeout: the hung and dead BMCs are reported with a reason
new_server
config 3s
start 200 50
keys 2
wait_for "hosts: ACTIVE 425 ERROR 75" 90
keys /; type_text "status:ERROR"; keys Enter
wait_for "/75 of $N"
keys g
wait_for "BMC 's10': no reply within 3000 ms"
# its row: ERROR, with the last known (cached) power and temperature
screen | grep -E '^  s10 ' | grep -qE "ERROR +baremetal +on .* 25\.0 " || die "hung BMC s10 is not an ERROR row with its cached data"
keys Escape
wait_gone "filter: status:ERROR"
keys /; type_text "s60"; keys Enter
wait_for "/1 of $N"
screen | grep -E '^  s60 ' | grep -q "ERROR.*BMC 's60': [A-Z]" || die "dead BMC s60 has no reason"
keys q
wait_for "RACKTOP-EXITED 0" 20
pass
