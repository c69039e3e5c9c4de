#!/usr/bin/env bash
# Quitting the dashboard while a Redfish refresh waits on hung BMCs: the
# refresh is cancelled (prov_env.stopping), not waited for and not abandoned,
# so racktop still logs out of every BMC it logged in to, and exits.
# Twelve BMCs, three of them hung: small enough that the logouts fit the
# 1.5 s quit cap on any machine (tests/ui/redfish_scale.sh does 500 BMCs).
set -euo pipefail
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/redfish_ui.bash"
rf_ui_start 12
rf_ui_config 120s
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
