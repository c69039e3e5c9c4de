#!/usr/bin/env bash
# --mouse is opt-in: a click selects a row, the wheel scrolls; without --mouse
# the same bytes do not move the cursor (text selection keeps working).
set -euo pipefail
. "$(dirname "$0")/lib.bash"
# xterm mouse reports: ESC [ M <button+32> <col+33> <row+33>
click() { printf '\033[M%b%b%b\033[M%b%b%b' "\\x20" "\\x$(printf %x $(($1 + 33)))" \
    "\\x$(printf %x $(($2 + 33)))" "\\x23" "\\x$(printf %x $(($1 + 33)))" "\\x$(printf %x $(($2 + 33)))"; }
start 100 30 --mouse
wait_for "Instances  1/250"
type_text "$(click 10 9)"
wait_for "Instances  7/250"
start_plain() { new_server; start 100 30; }
start_plain
wait_for "Instances  1/250"
type_text "$(click 10 9)"
sleep 0.5
screen | grep -q "Instances  7/250" && die "a click moved the cursor without --mouse"
pass
