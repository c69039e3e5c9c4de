#!/usr/bin/env bash
# A create through the form to ACTIVE with progress shown; a snapshot; a
# delete that demands the name; a security-group rule added and removed; all
# from the keyboard, at 80x24 and at 200x60 (UI_SIZES overrides).
set -euo pipefail
. "$(dirname "$0")/lib.bash"
export RACKTOP_DEMO_SPEED=2
for size in ${UI_SIZES:-80x24 200x60}; do
new_server
rm -rf "$XDG_STATE_HOME"
start "${size%x*}" "${size#*x}"
wait_for "Instances  1/250"
# The form's choices come from the fleet: wait until flavors and images are in.
keys 7; wait_for "Flavors  1/"
keys 6; wait_for "Images  1/"
keys 1; wait_for "Instances  1/250"
# Create: the form refuses a bad name before anything is sent.
keys c
wait_for "create instance"
type_text "bad name"
keys Tab
wait_for "a name of 1-63 letters"
keys BTab
keys BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
type_text "ui-made-1"
keys Tab
# flavor: choose m1.small (cycle right until it shows)
for i in $(seq 1 12); do screen | grep -q "< m1.small >" && break; keys Right; done
keys Enter
wait_for "Create instance 'ui-made-1' in provider demo."
keys y
wait_for "create instance 'ui-made-1': task"
wait_for "create ui-made-1" 10
keys /; type_text "ui-made-1"; keys Enter
wait_for "BUILD"
wait_for "create ui-made-1: succeeded" 30
wait_for "ACTIVE"
# Snapshot it.
keys S
wait_for "snapshot instance 'ui-made-1'"
type_text "ui-snap-1"; keys Enter
wait_for "with name=ui-snap-1"
keys y
wait_for "snapshot ui-made-1: succeeded" 30
# Delete demands the name: OK is refused until it is typed.
keys C-d
wait_for "Type the name 'ui-made-1' to confirm"
keys Enter
wait_for "Type the name 'ui-made-1' to confirm"
type_text "ui-made-1"
keys Enter
wait_for "delete instance 'ui-made-1': task"
wait_for "delete ui-made-1: succeeded" 30
keys Escape
# Security group rule add and remove through the rules sub-view.
keys 5
wait_for "Security groups  1/"
keys /; type_text "name:web"; keys Enter
keys r
wait_for "Rules of web"
before=$(screen | grep -cE "ingress|egress" || true)
keys c
wait_for "add-rule secgroup"
# direction (ingress) and protocol (tcp) start on their first option
keys Tab Tab
type_text "8443"
keys Enter
wait_for "add-rule secgroup 'web'"
keys y
wait_for "add-rule web: succeeded" 30
wait_for "8443"
keys /; type_text "8443"; keys Enter
keys C-d
wait_for "remove-rule secgroup 'web'"
keys y
wait_for "remove-rule web: succeeded" 30
wait_gone "8443 " 10
keys q
wait_for "RACKTOP-EXITED 0"
echo "ok at $size"
done
pass
