#!/usr/bin/env bash
# Floating IPs on the demo fleet through the pane: create asks for the pool
# (an existing external network, not a new name), says what it will do, and
# the new address is allocated from that pool.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
# An associated address and the name of its instance, from the command line.
"$RACKTOP" --demo-seed 1 list floatingips -o json > "$T/fips.json"
"$RACKTOP" --demo-seed 1 list instances -o json > "$T/inst.json"
ADDR=$(jq -r '[.[] | select(.instance != null)][0].floating_ip_address' "$T/fips.json")
IID=$(jq -r '[.[] | select(.instance != null)][0].instance' "$T/fips.json")
INAME=$(jq -r --arg id "$IID" '.[] | select(.id == $id) | .name' "$T/inst.json")
[ -n "$INAME" ] || die "no instance named for $IID"
start 100 30 --demo-seed 1
wait_for "Instances  1/250"
keys :; type_text "floatingips"; keys Enter
wait_for "Floating IPs  1/33"
# The INSTANCE column names the instance, not its id.
keys /; type_text "$ADDR"; keys Enter
wait_for "1/1 of 33"
screen | grep -F "$ADDR " | grep -qF " $INAME " || die "the row of $ADDR does not name $INAME"
screen | grep -F "$ADDR " | grep -qF "${IID:0:12}" && die "the row of $ADDR shows the instance id"
keys Escape
wait_gone "1/1 of 33"
keys c
wait_for "create floatingip"
wait_for "pool *"
screen | grep -q "name \*" && die "the create form asks for a new name instead of the pool"
keys Enter                                   # empty: refused before anything is sent
wait_for "required"
type_text "public"
keys Enter
wait_for "Create a floatingip from pool 'public' in provider demo."
keys y
wait_for "allocated from public-" 30
wait_for "Floating IPs  1/34" 30
keys q
wait_for "RACKTOP-EXITED 0"
pass
