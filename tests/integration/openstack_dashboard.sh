#!/usr/bin/env bash
# The OpenStack provider in the dashboard and on the command line, against the
# fixture server, for what the describe view and the warnings show:
#   - a cloud with `verify: false`: `racktop list` prints the provider's
#     permanent warning on stderr exactly once, and the dashboard header shows
#     it as a badge that stays (after a refresh, on other panes);
#   - describe (`d`) on an instance opens at once with the fields, then the
#     provider's detail (Nova's action history, the console's last lines)
#     arrives from its worker thread; the console's escape sequences never
#     reach the terminal;
#   - the Neutron panes: a floating IP's POOL is its network's name, create
#     offers the external networks as the pool, the networks pane.
set -euo pipefail
. "$(dirname "$0")/openstack_lib.bash"
command -v tmux > /dev/null || { echo "SKIP: needs tmux"; exit 77; }
os_start_fixture --servers 3
os_clouds_fx "verify: false"
os_config os fx

# ---- the command line: the warning once per provider, on stderr; stdout stays clean JSON
expect 0 list instances -o json
err_has "racktop: warning: provider 'os': TLS verification off (verify: false)"
[ "$(grep -c 'TLS verification off' "$T/err")" = 1 ] || die "warning not printed once: $(cat "$T/err")"
[ "$(jq_out 'length')" = 3 ] || die "stdout is not the JSON list: $(head -c 300 "$T/out")"
expect 0 show instance vm-00000 -o json
err_has "TLS verification off"
# a cloud that verifies prints nothing of the kind
sed -i 's/    verify: false/    verify: true/' "$XDG_CONFIG_HOME/openstack/clouds.yaml"
expect 0 list instances -o json
grep -q 'TLS verification' "$T/err" && die "a warning without verify: false: $(cat "$T/err")"
sed -i 's/    verify: true/    verify: false/' "$XDG_CONFIG_HOME/openstack/clouds.yaml"
# an action gives the instance a history entry of its own
expect 0 do stop instance vm-00001 --wait

# ---- the dashboard
. "$(dirname "$0")/tmux_lib.bash"
tmux_new rtosd
trap 'tmux_cleanup; os_cleanup' EXIT
$TM new-session -d -x 200 -y 50 "env TERM=xterm-256color LANG=C.UTF-8 $RACKTOP; echo RACKTOP-EXITED \$?; sleep 60"
wait_for "os connected" 20
wait_for "vm-00002" 20
screen | head -1 | grep -qF "os: TLS verification off (verify: false)" || fail "no warning badge in the header"
keys 4                                  # another pane: the badge stays
sleep 0.5
screen | head -1 | grep -qF "TLS verification off" || fail "the badge went away on another pane"
keys 1
wait_for "vm-00001"
# put the cursor on vm-00001 with the filter, then describe it
keys /
$TM send-keys -l "vm-00001"
keys Enter
sleep 0.3
keys d
wait_for "instance vm-00001"
wait_for "actions:" 15
wait_for "console (last 50 lines):" 15
screen | grep -qE '[0-9-]+ [0-9:]+ +stop +req-' || fail "the history lacks racktop's stop"
screen | grep -qF "fetching history" && fail "the placeholder stayed"
keys G                                   # the end of the text: the console's last line
sleep 0.3
screen | grep -qF "login: vm-00001" || fail "the console's last line is not shown"
screen | grep -q "owned" && fail "the OSC title sequence's text was shown"
$TM capture-pane -p -e | grep -q $'\x1b\]0;' && fail "an OSC sequence reached the pane"
keys q
sleep 0.3
screen | head -1 | grep -qF "TLS verification off" || fail "the badge went away after describe"
# the Neutron panes from the palette: floating IPs (by address, with what they map to) and ports
keys :; $TM send-keys -l "floatingips"; keys Enter
wait_for "Floating IPs  1/3" 15
screen | grep -E '172\.24\.4\.228 .*ACTIVE .*10\.0\.0\.3' > /dev/null || fail "the floating IP pane lacks 172.24.4.228 -> 10.0.0.3"
# the POOL column names the external network ("public"), not its id; create picks the pool
# from the external networks Neutron listed (net1/net2 are not), and Neutron gets its id
screen | grep -E '172\.24\.4\.228 .* public ' > /dev/null || fail "the POOL of 172.24.4.228 is not 'public'"
screen | grep -qF "376da547-b977" && fail "the floating IP pane shows the pool's id"
keys c
wait_for "create floatingip" 10
wait_for "< public >  (1/1)" 10
keys Enter
wait_for "Create a floatingip from pool 'public' in provider os." 10
keys y
wait_for "Floating IPs  1/4" 20
curl -sf "$OS_URL/_control/requests" | jq -e '[.[] | select(.method=="POST" and .path=="/network/v2.0/floatingips")] | length==1' > /dev/null \
    || fail "the floating IP was not created through Neutron"
[ "$(curl -sf "$OS_URL/_control/violations")" = "[]" ] || fail "malformed requests: $(curl -sf "$OS_URL/_control/violations")"
keys :; $TM send-keys -l "networks"; keys Enter
wait_for "Networks  1/3" 15
screen | grep -E 'public .*ACTIVE .*true' > /dev/null || fail "the networks pane does not show public as external"
keys :; $TM send-keys -l "ports"; keys Enter
wait_for "Ports  1/5" 15
screen | grep -E 'port-vm-00001 .*ACTIVE .*192\.168\.1\.11' > /dev/null || fail "the ports pane lacks port-vm-00001"
keys q
wait_for "RACKTOP-EXITED" 10
screen | grep -qF "RACKTOP-EXITED 0" || fail "racktop did not exit cleanly (a sanitizer report?)"
pass
