#!/usr/bin/env bash
# A process killed with SIGKILL during a write storm leaves a database that
# passes PRAGMA integrity_check, whose audit chain verifies, and that holds
# every audit row the process had acknowledged.
set -euo pipefail
. "$(dirname "$0")/lib.bash"

helper="$RT_BUILD_DIR/tests/helper_audit_storm"
[ -x "$helper" ] || die "missing $helper"
db="$XDG_STATE_HOME/racktop/racktop.db"
mkdir -p "$XDG_STATE_HOME/racktop"

for round in 1 2 3 4 5; do
    "$helper" "$db" > "$T/acked.$round" 2> "$T/err.$round" &
    pid=$!
    # Kill at a different moment each round (0.3 s .. 1.5 s).
    sleep "0.$((round * 2 + 1))"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
    [ -s "$T/err.$round" ] && die "storm failed: $(cat "$T/err.$round")"
    last=$(tail -n 1 "$T/acked.$round")
    [ -n "$last" ] || die "round $round: nothing acknowledged"
    ic=$(sqlite3 "$db" 'PRAGMA integrity_check;')
    [ "$ic" = ok ] || die "round $round: integrity_check: $ic"
    have=$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE seq <= $last;")
    [ "$have" = "$last" ] || die "round $round: acknowledged $last rows, $have present"
    "$RACKTOP" audit --verify > "$T/verify.$round" || die "round $round: $(cat "$T/verify.$round")"
    echo "round $round: killed after $last acknowledged rows; intact"
done
pass
