#!/usr/bin/env bash
# SSH console benchmark (docs/BENCHMARKS.md): racktop's full-screen console
# (`racktop ssh HOST`: libssh + libvterm drawn through curses) side by side
# with the OpenSSH client, both in a tmux pane of the same size, against the
# same loopback sshd (tests/integration/ssh_lib.bash), in one run:
#   1. connection time to the first shell prompt, direct and via one jump host
#   2. keystroke echo latency (a key sent to the pane until tmux shows it)
#   3. throughput: `cat` of a large file until a marker after it shows
# Everything is observed the same way for both clients, through tmux
# capture-pane polling (~5 ms), so the absolute numbers include tmux and the
# polling; the ratios are what the target (<= 1.5x OpenSSH) is about.
# Usage: RACKTOP=build/racktop [RACKTOP_BEFORE=old/racktop] tests/bench/ssh_bench.sh [RUNS] [CAT_MB]
# Needs root, sshd, ssh, tmux (like the integration tests); not run in CI.
set -u
RUNS=${1:-5}; MB=${2:-20}
: "${RACKTOP:?set RACKTOP to the racktop binary}"
RT_SRC_DIR=${RT_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$RT_SRC_DIR/tests/integration/ssh_lib.bash"
command -v tmux > /dev/null && command -v ssh > /dev/null || { echo "SKIP: needs tmux and ssh"; exit 77; }

sshd_start target
sshd_start jump
P=${SSHD_PORT[target]}; J=${SSHD_PORT[jump]}
{
    echo "[127.0.0.1]:$P $(cat "$T/target/hostkey.pub")"
    echo "[127.0.0.1]:$J $(cat "$T/jump/hostkey.pub")"
} > "$HOME/.ssh/known_hosts"
cat > "$HOME/.ssh/config" <<CFG
Host *
    UserKnownHostsFile $HOME/.ssh/known_hosts
    StrictHostKeyChecking yes
    BatchMode yes
Host tgt
    HostName 127.0.0.1
    Port $P
    User root
    IdentityFile $T/userkey
Host jmp
    HostName 127.0.0.1
    Port $J
    User root
    IdentityFile $T/userkey
Host tgtj
    HostName 127.0.0.1
    Port $P
    User root
    IdentityFile $T/userkey
    ProxyJump jmp
CFG
# OpenSSH reads the passwd home, not $HOME: name the config (its ProxyJump child gets -F too).
OSSH="ssh -F $HOME/.ssh/config -tt"
head -c $((MB * 1024 * 1024 * 3 / 4)) /dev/urandom | base64 -w 100 > "$T/big.txt"
BYTES=$(stat -c %s "$T/big.txt")

TM="tmux -L rtbench$$ -f /dev/null"
cleanup_tmux() { $TM kill-server 2> /dev/null; cleanup; }
trap cleanup_tmux EXIT
now() { date +%s%N; }
cap() { $TM capture-pane -p -t b; }
# wait_re REGEX [SECONDS]: until the pane matches; prints nothing, returns 1 on timeout
wait_re() {
    local end=$(( $(now) + ${2:-30} * 1000000000 ))
    while [ "$(now)" -lt "$end" ]; do
        cap | grep -qE -- "$1" && return 0
        $TM has-session -t b 2> /dev/null || return 1   # the tmux server died: a lost sample
        sleep 0.005
    done
    return 1
}
median() { grep -E '^[0-9.]+$' | sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "n/a"}'; }
# open_client CMD: a fresh session running CMD; prints ms to the first prompt
open_client() {
    $TM kill-session -t b 2> /dev/null
    local s; s=$(now)
    $TM new-session -d -s b -x 100 -y 30 "env TERM=xterm-256color $1; sleep 30"
    if wait_re '(#|\$) *$' 30; then echo $(( ($(now) - s) / 1000000 )); else echo "timeout"; fi
}
type_line() { $TM send-keys -t b -l -- "$1"; $TM send-keys -t b Enter; }
# echo latency: N keystrokes of a unique letter run, ms each (median printed)
echo_latency() {
    local i lat=() s
    type_line "clear; PS1='rt> '"
    wait_re 'rt> *$' 10 || { echo "n/a"; return; }
    for i in $(seq 1 20); do
        s=$(now)
        $TM send-keys -t b -l "x"
        wait_re "rt> x{$i}\$" 5 || { echo "n/a"; return; }
        lat+=($(( ($(now) - s) / 100000 )))   # tenths of ms
    done
    $TM send-keys -t b C-u
    printf '%s\n' "${lat[@]}" | median | awk '{printf "%.1f\n", $1 / 10}'
}
# throughput: cat the file, ms until the marker after it shows
throughput() {
    local s
    type_line "clear"
    sleep 0.3
    s=$(now)
    type_line "cat $T/big.txt; echo CAT-DONE | tr A-Z a-z"
    wait_re '^cat-done' 300 || { echo "timeout"; return; }
    echo $(( ($(now) - s) / 1000000 ))
}

# Clients: OpenSSH, racktop, and with RACKTOP_BEFORE=binary an older racktop
# (before/after in one run).  Runs are interleaved (run 1 of every client,
# then run 2, ...) so a change in the machine's load hits all alike.
CLIENTS="openssh racktop"
[ -n "${RACKTOP_BEFORE:-}" ] && CLIENTS="openssh racktop-before racktop"
declare -A R V
for r in $(seq 1 "$RUNS"); do
    for client in $CLIENTS; do
        case $client in
        openssh) direct="$OSSH tgt"; viaj="$OSSH tgtj" ;;
        racktop) direct="$RACKTOP ssh tgt"; viaj="$RACKTOP ssh tgtj" ;;
        racktop-before) direct="$RACKTOP_BEFORE ssh tgt"; viaj="$RACKTOP_BEFORE ssh tgtj" ;;
        esac
        V[$client.jump]+="$(open_client "$viaj") "
        V[$client.connect]+="$(open_client "$direct") "
        V[$client.echo]+="$(echo_latency) "
        V[$client.cat]+="$(throughput) "
    done
done
$TM kill-session -t b 2> /dev/null
for client in $CLIENTS; do
    for m in connect jump echo cat; do
        R[$client.$m]=$(printf '%s\n' ${V[$client.$m]} | median)
    done
    echo "$client: connect ${V[$client.connect]}| via jump ${V[$client.jump]}| echo ${V[$client.echo]}| cat ${V[$client.cat]}" >&2
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else print "n/a" }'; }
mbps() { awk -v ms="$1" -v b="$BYTES" 'BEGIN { if (ms + 0 > 0) printf "%.1f MB/s", b / 1048576 / (ms / 1000); else print "n/a" }'; }
echo "SSH console benchmark: $RUNS runs, medians; loopback sshd; 100x30 tmux panes; $(ssh -V 2>&1)"
row() { # LABEL MEASURE UNIT
    local peer=openssh c
    printf '%-34s %9s %s' "$1" "${R[openssh.$2]}" "$3"
    for c in $CLIENTS; do
        [ $c = openssh ] && continue
        printf ' %9s %s %7s' "${R[$c.$2]}" "$3" "$(ratio "${R[$c.$2]}" "${R[$peer.$2]}")"
    done
    echo
}
printf '%-34s %12s' "measure" "OpenSSH"
for c in $CLIENTS; do [ $c = openssh ] || printf ' %12s %7s' "$c" "ratio"; done
echo
row "connect to first prompt (direct)" connect ms
row "connect to first prompt (1 jump)" jump ms
row "keystroke echo" echo ms
row "cat $((BYTES / 1048576)) MiB" cat ms
printf '%-34s %12s' "  throughput" "$(mbps "${R[openssh.cat]}")"
for c in $CLIENTS; do [ $c = openssh ] || printf ' %12s %7s' "$(mbps "${R[$c.cat]}")" ""; done
echo
