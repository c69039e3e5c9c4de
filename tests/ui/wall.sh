#!/usr/bin/env bash
# --wall: read-only always, no prompts, panes rotate, summary header, tiles
# on a big screen; its keys cannot change anything.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
start 120 30 --wall --rotate 1 --panes instances,hosts
wait_for "racktop wall"
wait_for "READ-ONLY"
wait_for "hosts:"
wait_for "Instances  " 5
wait_for "Hosts  " 5
wait_for "Instances  " 5
for k in r c C-d a : / '?' x u; do keys "$k"; done
sleep 0.5
screen | grep -qE "reboot instance|create instance|Help|^:" && die "wall mode opened a prompt or dialog"
keys q
wait_for "RACKTOP-EXITED 0"
"$RACKTOP" list tasks -o json > "$T/tasks.json"
[ "$(jq length "$T/tasks.json")" = 0 ] || die "wall mode created a task"
new_server
start 200 60 --wall --panes instances,hosts,tasks,disks
wait_for "racktop wall"
settle
for p in "Instances  " "Hosts  " "Tasks  " "Disks  "; do
    screen | grep -qF "$p" || die "tile '$p' missing on a big screen"
done
"$RACKTOP" --wall --panes nonsense > "$T/out" 2>&1 && die "--panes nonsense accepted"
grep -q "unknown pane 'nonsense'" "$T/out" || die "bad --panes message: $(cat "$T/out")"
pass
