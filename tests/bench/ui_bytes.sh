#!/usr/bin/env bash
# Dashboard benchmark: bytes written to the terminal per refresh
# (docs/BENCHMARKS.md, "Dashboard"), on a pty of SIZE (120x40), TERM
# screen-256color, N demo instances (2000), `refresh: {inventory: 2s}`.
#   full     the first full paint (every cell of the screen);
#   idle     three 10 s windows with nothing changing (5 inventory
#            refreshes each): expected 0 bytes;
#   minute   one window across a clock-minute change: the header clock;
#   change   1% of the instances rebooted from another process
#            (`racktop do reboot instance ID`, one per call; the dashboard
#            sees them on its next refresh): bytes per refresh burst while
#            they go to REBOOT and back (5 s at RACKTOP_DEMO_SPEED=1).
# Peer on the same pty: top -d 2 (bytes per refresh of a screen of
# processes that change a little every time).
# Usage: RACKTOP=build/racktop [RACKTOP_BASE=old/racktop] tests/bench/ui_bytes.sh [N]
. "$(dirname "$0")/ui_lib.bash"
N=${1:-2000}
machine
mkdir -p "$XDG_CONFIG_HOME/racktop"
printf 'refresh: {inventory: 2s}\n' > "$XDG_CONFIG_HOME/racktop/config.yaml"
warm_cache "$N"
awk 'NR > 1 && NR % 100 == 2 {print $3}' "$T/list-$N.txt" > "$T/ids"
{
    echo "for id in $(tr '\n' ' ' < "$T/ids"); do \"$RACKTOP\" --demo-size $N do reboot instance \$id --yes; done"
} > "$T/reboot.sh"
printf 'ready 1/%s\nsettle 3000 60\nwindow 10000 idle\nwindow 10000 idle\nwindow 10000 idle\nrun sh %s\nwindow 12000 change\nwindow 62000 minute\nquit q\n' \
    "$N" "$T/reboot.sh" > "$T/bytes.s"
report() {
    local out=$1 name=$2
    echo "$name (N=$N, $(wc -l < "$T/ids") instances rebooted, $SIZE):"
    echo "  full first paint          $(jget bytes ready < "$out") bytes"
    echo "  idle 10 s windows         $(jget bytes window idle < "$out" | tr '\n' ' ')bytes"
    python3 - "$out" << 'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for e in ev:
    if e.get("event") == "run":
        print("  reboots issued in        %.0f ms (exit %d)" % (e["ms"], e["status"]))
    if e.get("event") == "window" and e["label"] in ("change", "minute"):
        print("  %-25s %s bytes in bursts (offset ms, bytes): %s" % (e["label"] + " window", e["bytes"],
              " ".join("%d:%d" % (b[0], b[1]) for b in e["bursts"])))
PY
}
restore_cache "$N"
pty "$T/bytes.s" "$RACKTOP" --demo-size "$N" > "$T/out"
report "$T/out" racktop
if [ -n "${RACKTOP_BASE:-}" ]; then
    restore_cache "$N"
    pty "$T/bytes.s" "$RACKTOP_BASE" --demo-size "$N" > "$T/base"
    report "$T/base" "racktop (base)"
fi
printf 'ready load average\nsettle 500 10\nwindow 10000 top\nquit q\n' > "$T/top.s"
pty "$T/top.s" top -d 2 > "$T/top"
echo "top -d 2 (peer): full first paint $(jget bytes ready < "$T/top") bytes; per refresh: $(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("event") == "window": print(" ".join(str(b[1]) for b in o["bursts"]), "bytes")' "$T/top")"
