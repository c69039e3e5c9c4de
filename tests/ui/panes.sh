#!/usr/bin/env bash
# Every pane opens from its digit or its :command and shows rows; the
# instances pane at 80x24 matches its golden screen; help lists the keys.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
start 80 24 --demo-seed 1
wait_for "Instances  1/250"
golden instances-80x24
for p in "2 Hosts" "3 Disks" "4 Snapshots" "5 Security groups" "6 Images" "7 Flavors" \
         "0 Providers"; do
    keys "${p%% *}"
    wait_for "${p#* }  1/"
done
keys 8; wait_for "Tasks  "
keys 9; wait_for "Audit log  "
for c in keypairs servergroups vms baremetal disks; do
    keys :; type_text "$c"; keys Enter
done
wait_for "Disks  1/"
keys : ; type_text "baremetal"; keys Enter
wait_for "Bare-metal instances  1/"
screen | grep -q "baremetal" || die "baremetal pane shows no bare metal"
screen | sed -n '4,20p' | grep -E '^  [a-z]' | grep -v baremetal && die "vm rows in :baremetal"
# The hardware events pane has rows on the demo fleet (simulated BMC faults), and the
# hosts pane drills down to one host's events with E.
keys : ; type_text "events"; keys Enter
wait_for "Hardware events  1/"
screen | grep -qE 'Critical|Warning' || die "the events pane shows no severities"
screen | grep -qE 'Fan 2 failed|Power supply 2 failed|entered maintenance' || die "no event messages"
host=$(screen | grep -oE '(hv|bm)-[a-z0-9-]+-[0-9]+' | head -1)
[ -n "$host" ] || die "no host column in the events pane"
keys 2; wait_for "Hosts  1/"
keys /; type_text "$host"; keys Enter
wait_for "Hosts  1/1"
keys E
wait_for "Events of"
screen | sed -n '4,20p' | grep -qF "$host" || die "the drill-down shows no event of $host"
screen | sed -n '4,20p' | grep -E '(hv|bm)-[a-z0-9-]+-[0-9]+' | grep -vF "$host" && die "events of other hosts in the drill-down"
keys Escape
keys : ; type_text "nonsense"; keys Enter
wait_for "unknown command ':nonsense'"
keys 1
keys '?'
wait_for "Instances pane"
golden help-instances
keys q
wait_gone "Instances pane"
keys q
wait_for "RACKTOP-EXITED 0"
pass
