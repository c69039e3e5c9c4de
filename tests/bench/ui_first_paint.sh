#!/usr/bin/env bash
# Dashboard benchmark: time from start to first full paint with N cached
# instances (docs/BENCHMARKS.md, "Dashboard").
#   first full paint = fork -> the last byte of the output burst in which the
#   pane title's row count ("1/N") appeared, the burst ending when the
#   program is quiet for 150 ms (helper_ptybench `ready`).
# Every run starts from the same cache (built once by `racktop list
# instances`, restored before each run).  Peers, same pty, same run:
#   less      paging the same rows (the output of `racktop list instances`),
#             first full paint = its prompt drawn after the first page;
#   list      `racktop list instances` of the same fleet to /dev/null
#             (wall time: the command-line mode printing every row).
# Usage: RACKTOP=build/racktop [RACKTOP_BASE=old/racktop] tests/bench/ui_first_paint.sh [RUNS] [N...]
. "$(dirname "$0")/ui_lib.bash"
RUNS=${1:-5}; shift || true
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(10000 100000)
machine
for n in "${SIZES[@]}"; do
    warm_cache "$n"
    printf 'ready 1/%s\nquit q\n' "$n" > "$T/paint.s"
    printf 'ready LESSREADY\nquit q\n' > "$T/less.s"
    : > "$T/rt"; : > "$T/base"; : > "$T/less"; : > "$T/list"
    for r in $(seq 1 "$RUNS"); do
        restore_cache "$n"
        pty "$T/paint.s" "$RACKTOP" --demo-size "$n" | jget paint_ms ready >> "$T/rt"
        if [ -n "${RACKTOP_BASE:-}" ]; then
            restore_cache "$n"
            pty "$T/paint.s" "$RACKTOP_BASE" --demo-size "$n" | jget paint_ms ready >> "$T/base"
        fi
        pty "$T/less.s" less -Ps"LESSREADY" "$T/list-$n.txt" | jget paint_ms ready >> "$T/less"
        restore_cache "$n"
        s=$(date +%s%N)
        "$RACKTOP" --demo-size "$n" list instances > /dev/null
        echo $(( ($(date +%s%N) - s) / 1000000 )) >> "$T/list"
    done
    rt=$(stats < "$T/rt"); le=$(stats < "$T/less"); li=$(stats < "$T/list")
    echo "N=$n first full paint (ms: median p95 min max runs)"
    echo "  racktop          $rt   runs: $(tr '\n' ' ' < "$T/rt")"
    [ -s "$T/base" ] && echo "  racktop (base)   $(stats < "$T/base")   runs: $(tr '\n' ' ' < "$T/base")"
    echo "  less (peer)      $le"
    echo "  racktop list     $li"
    echo "  ratio racktop/less $(ratio "${rt%% *}" "${le%% *}")   racktop/list $(ratio "${rt%% *}" "${li%% *}")"
done
