#!/usr/bin/env bash
# Resize at any moment: 200x60 -> 80x24 -> 200x60, with a dialog open; columns
# drop by priority at 80x24 and come back; the screen is redrawn whole.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
start 200 60
wait_for "Instances  1/250"
settle
screen | sed -n 3p | grep -q "IMAGE" || die "wide screen lacks the IMAGE column"
screen | sed -n 3p | grep -q "PROVIDER" || die "wide screen lacks the PROVIDER column"
[ "$(screen | grep -cE '^  [a-z]')" -ge 50 ] || die "200x60 does not use its rows"
keys r
wait_for "reboot instance"
resize 80 24
settle
wait_for "reboot instance"
screen | sed -n 3p | grep -q "IMAGE" && die "80x24 still shows IMAGE"
screen | sed -n 3p | grep -q "NAME" || die "80x24 lost NAME"
screen | sed -n 3p | grep -q "STATUS" || die "80x24 lost STATUS"
while IFS= read -r line; do
    [ "${#line}" -le 80 ] || die "a line wider than 80: $line"
done < <(screen)
keys Escape
wait_gone "reboot instance"
resize 200 60
settle
screen | sed -n 3p | grep -q "IMAGE" || die "IMAGE did not come back"
resize 40 10
settle
resize 20 5
settle
wait_for "terminal too small"
resize 100 30
settle
wait_for "Instances  1/250"
keys q
wait_for "RACKTOP-EXITED 0"
pass
