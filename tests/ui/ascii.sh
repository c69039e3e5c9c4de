#!/usr/bin/env bash
# --ascii (and a non-UTF-8 locale) draw with ASCII only; NO_COLOR works.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
start 100 30 --ascii
wait_for "Instances  1/250"
keys 2
wait_for "Hosts  1/"
sleep 2
settle
LC_ALL=C grep -P '[^\x00-\x7f]' <(screen) && die "non-ASCII output with --ascii"
keys q
wait_for "RACKTOP-EXITED 0"
new_server
# A C locale picks ASCII by itself.
export LANG=C LC_ALL=C
start 100 30
wait_for "Instances  1/250"
settle
LC_ALL=C grep -P '[^\x00-\x7f]' <(screen) && die "non-ASCII output in the C locale"
keys q
wait_for "RACKTOP-EXITED 0"
pass
