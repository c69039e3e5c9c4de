#!/usr/bin/env bash
# Floating IPs on the demo fleet through the pane: the POOL column names the
# external network (the network kind), create offers the pool as a choice of
# the provider's external networks (not a new name, not typed), says what it
# will do, and the new address is allocated from the pool picked.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
# An associated address, the name of its instance and of its pool, from the command line.
"$RACKTOP" --demo-seed 1 list floatingips -o json > "$T/fips.json"
"$RACKTOP" --demo-seed 1 list instances -o json > "$T/inst.json"
"$RACKTOP" --demo-seed 1 list networks -o json > "$T/nets.json"
ADDR=$(jq -r '[.[] | select(.instance != null)][0].floating_ip_address' "$T/fips.json")
IID=$(jq -r '[.[] | select(.instance != null)][0].instance' "$T/fips.json")
NID=$(jq -r '[.[] | select(.instance != null)][0].floating_network_id' "$T/fips.json")
INAME=$(jq -r --arg id "$IID" '.[] | select(.id == $id) | .name' "$T/inst.json")
POOL=$(jq -r --arg id "$NID" '.[] | select(.id == $id) | .name' "$T/nets.json")
NPOOLS=$(jq '[.[] | select(.external)] | length' "$T/nets.json")
[ -n "$INAME" ] || die "no instance named for $IID"
[ -n "$POOL" ] || die "no network named for pool $NID"
[ "$NPOOLS" = 2 ] || die "expected 2 external networks in the demo, got $NPOOLS"
start 120 30 --demo-seed 1
wait_for "Instances  1/250"
keys :; type_text "networks"; keys Enter
wait_for "Networks  1/4"
screen | grep -F "$POOL " | grep -qF "true" || die "the networks pane does not show $POOL as external"
keys :; type_text "floatingips"; keys Enter
wait_for "Floating IPs  1/33"
# The INSTANCE column names the instance and the POOL column the network, not their ids.
keys /; type_text "$ADDR"; keys Enter
wait_for "1/1 of 33"
screen | grep -F "$ADDR " | grep -qF " $INAME " || die "the row of $ADDR does not name $INAME"
screen | grep -F "$ADDR " | grep -qF "${IID:0:12}" && die "the row of $ADDR shows the instance id"
screen | grep -F "$ADDR " | grep -qF " $POOL" || die "the POOL of $ADDR is not the network's name $POOL"
screen | grep -F "$ADDR " | grep -qF "${NID:0:12}" && die "the row of $ADDR shows the network id"
keys Escape
wait_gone "1/1 of 33"
keys c
wait_for "create floatingip"
wait_for "pool *"
screen | grep -q "name \*" && die "the create form asks for a new name instead of the pool"
# The pool is a choice of the two external networks; the tenant networks are not offered.
wait_for "(1/$NPOOLS)"
FIRST=$(screen | grep -oE '< public-[a-z0-9-]+ >' | head -1 | sed -E 's/^< (.*) >$/\1/')
[ -n "$FIRST" ] || die "the pool field shows no external network"
keys Right
wait_for "(2/$NPOOLS)"
PICK=$(screen | grep -oE '< public-[a-z0-9-]+ >' | head -1 | sed -E 's/^< (.*) >$/\1/')
[ -n "$PICK" ] && [ "$PICK" != "$FIRST" ] || die "right did not move to the other pool"
keys Right Right                             # it cycles: only the external networks
wait_for "< $PICK >  (2/$NPOOLS)"
screen | grep -qF "< private >" && die "a tenant network is offered as a pool"
keys Enter
wait_for "Create a floatingip from pool '$PICK' in provider demo."
keys y
wait_for "allocated from $PICK" 30
wait_for "Floating IPs  1/34" 30
# The new address is in the picked pool (its POOL cell names it).
NEW=$("$RACKTOP" --demo-seed 1 list floatingips -o json |
      jq -r --slurpfile f "$T/fips.json" '[.[] | select(.floating_ip_address as $a | $f[0] | map(.floating_ip_address) | index($a) | not)][0].floating_ip_address')
[ -n "$NEW" ] && [ "$NEW" != null ] || die "no new floating IP listed"
keys /; type_text "$NEW"; keys Enter
wait_for "1/1 of 34"
screen | grep -F "$NEW " | grep -qF " $PICK" || die "the new $NEW is not from $PICK"
keys Escape
keys q
wait_for "RACKTOP-EXITED 0"
pass
