#!/usr/bin/env bash
# Progressive delivery (provider_post_rows): with some BMCs hung, a change on a
# healthy BMC reaches the dashboard while the refresh still waits on the hung
# ones (issue 5: "a slow or dead BMC never delays the others or the UI").
#   1. a healthy run fills the cache (all servers on);
#   2. two BMCs hang (accept, never answer; request_timeout 60 s, so the
#      refresh cannot finish during the test) and s1 is powered off on its BMC;
#   3. the dashboard shows s1 "off" while the cached data is still marked
#      STALE, i.e. before the refresh's SYNC: the row came as an UPSERT.
# No timing assertions: wait_for's limits are generous.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/redfish_ui.bash"
rf_ui_start 8 --state-delay-ms 0
rf_ui_config 60s

# ---- 1. a healthy run fills the cache: every server on
"$RACKTOP" list hosts -o json > "$T/warm.json" 2> "$T/err" || die "warm-up list failed: $(cat "$T/err")"
[ "$(jq length "$T/warm.json")" = "$N" ] || die "warm-up listed $(jq length "$T/warm.json") hosts"
[ "$(jq -r '.[] | select(.name=="s1") | .power' "$T/warm.json")" = on ] || die "s1 is not on after warm-up"

# ---- 2. two BMCs hang; s1 is powered off behind racktop's back
for i in 6 7; do post /_control/fault "{\"bmc\":\"s$i\",\"kind\":\"delay\",\"ms\":600000}"; done
post /bmc/s1/redfish/v1/Systems/437XR1138R2/Actions/ComputerSystem.Reset \
    '{"ResetType":"ForceOff"}' admin:secret

# ---- 3. the dashboard: s1 off while the refresh still waits on s6 and s7
start 200 40
wait_for "rf connected" 30
keys 2
wait_for "Hosts  1/$N" 30
wait_for "STALE: cached data from rf"
row() { screen | grep -E "^  $1 " || true; }
for _ in $(seq 1 300); do
    row s1 | grep -qE ' off ' && break
    sleep 0.1
done
row s1 | grep -qE ' off ' || die "s1's power-off did not show while the hung BMCs were outstanding"
row s2 | grep -qE ' on ' || die "s2 changed: $(row s2)"
# the refresh has not ended: the rows came before its SYNC
screen | grep -qF "STALE: cached data from rf" || die "the refresh finished: nothing shows progressive delivery"
keys q
wait_for "RACKTOP-EXITED 0" 20
pass
