#!/usr/bin/env bash
# Read-only: no mutating key, menu, dialog or form is offered; help does not
# list them; pressing them changes nothing (no task, no audit row).
set -euo pipefail
. "$(dirname "$0")/lib.bash"
start 120 30 --read-only
wait_for "READ-ONLY"
wait_for "Instances  1/250"
screen | tail -2 | grep -qE "reboot|create|delete" && die "mutating hints shown in read-only mode"
keys r; keys c; keys C-d; keys x; keys u
sleep 0.5
screen | grep -qE "create instance|reboot instance|Type the name" && die "a dialog opened"
keys a
wait_for "read-only: no action is offered"
keys '?'
wait_for "Instances pane"
screen | grep -qE "reboot|create an instance" && die "help lists mutating keys"
keys /; type_text "Read-only"; keys Enter
wait_for "Read-only: no action"
keys q
keys 2
wait_for "Hosts  1/"
screen | tail -2 | grep -qE "provision|maint" && die "host actions offered"
keys q
wait_for "RACKTOP-EXITED 0"
"$RACKTOP" list tasks -o json > "$T/tasks.json"
[ "$(jq length "$T/tasks.json")" = 0 ] || die "a task was created in read-only mode"
"$RACKTOP" audit -o json > "$T/audit.json"
[ "$(jq length "$T/audit.json")" = 0 ] || die "an audit row was written in read-only mode"
pass
