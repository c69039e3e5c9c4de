#!/usr/bin/env bash
# Dashboard benchmark: key-to-frame latency while filtering N rows
# (docs/BENCHMARKS.md, "Dashboard").  The dashboard starts on a cache of N
# instances and is left to settle (its first provider sync done: 3 s
# without output); then `/` opens the filter and words are typed one key at a
# time, with backspaces in between.  Latency of a key = from its write to the
# pty to the last byte of the frame burst it caused (helper_ptybench `key`,
# burst over after 150 ms of quiet).  The first letter after a data change
# builds the table's filter cache and is reported on its own.
# Peer, same pty and rows: less with the same rows (`racktop list`
# output), its `&pattern` filter; latency from the Enter that applies the
# pattern to the end of the repaint.
# Usage: RACKTOP=build/racktop [RACKTOP_BASE=old/racktop] tests/bench/ui_filter.sh [RUNS] [N]
. "$(dirname "$0")/ui_lib.bash"
RUNS=${1:-3}; N=${2:-100000}
WORDS=(web-1 10.1 gpu)
machine
warm_cache "$N"
{
    printf 'ready 1/%s\nsettle 3000 180\nkey / open\n' "$N"
    first=1
    for w in "${WORDS[@]}"; do
        for ((i = 0; i < ${#w}; i++)); do
            if [ $first = 1 ]; then printf 'key %s first\n' "${w:i:1}"; first=0
            else printf 'key %s type\n' "${w:i:1}"; fi
        done
        for ((i = 0; i < ${#w}; i++)); do printf 'key \\x7f erase\n'; done
    done
    printf 'quit \\e\\eq\n'
} > "$T/filter.s"
{
    printf 'ready LESSREADY\n'
    for w in "${WORDS[@]}"; do printf 'send &%s\nsleep 100\nkey \\r apply\nsend &\nsleep 100\nkey \\r clear\n' "$w"; done
    printf 'quit q\n'
} > "$T/less.s"
: > "$T/rt"; : > "$T/rt1"; : > "$T/base"; : > "$T/base1"; : > "$T/less"
for r in $(seq 1 "$RUNS"); do
    restore_cache "$N"
    pty "$T/filter.s" "$RACKTOP" --demo-size "$N" > "$T/out"
    jget latency_ms key type < "$T/out" >> "$T/rt"; jget latency_ms key erase < "$T/out" >> "$T/rt"
    jget latency_ms key first < "$T/out" >> "$T/rt1"
    if [ -n "${RACKTOP_BASE:-}" ]; then
        restore_cache "$N"
        pty "$T/filter.s" "$RACKTOP_BASE" --demo-size "$N" > "$T/out"
        jget latency_ms key type < "$T/out" >> "$T/base"; jget latency_ms key erase < "$T/out" >> "$T/base"
        jget latency_ms key first < "$T/out" >> "$T/base1"
    fi
    pty "$T/less.s" less -Ps"LESSREADY" "$T/list-$N.txt" | jget latency_ms key apply >> "$T/less"
done
rt=$(stats < "$T/rt"); le=$(stats < "$T/less")
echo "N=$N filter key-to-frame latency (ms: median p95 min max keys)"
echo "  racktop, each key     $rt"
echo "  racktop, first key    $(stats < "$T/rt1")"
if [ -s "$T/base" ]; then
    echo "  racktop (base), each  $(stats < "$T/base")"
    echo "  racktop (base), first $(stats < "$T/base1")"
fi
echo "  less & filter (peer)  $le"
echo "  ratio racktop key / less filter: $(ratio "${rt%% *}" "${le%% *}")"
