# Shared set-up for the tmux-driven UI tests (after tmux's regress/ scripts):
# a private tmux server per test, racktop in a private XDG home, helpers to
# send keys, wait for text and compare screens with golden files.
: "${RACKTOP:?RACKTOP must name the racktop binary}"
command -v tmux > /dev/null || { echo "tmux is missing: skipped"; exit 77; }
T=$(mktemp -d /tmp/racktop-ui.XXXXXX)
SOCK="rt$$"
TMUX_CMD=(tmux -L "$SOCK" -f /dev/null)
cleanup() {
    "${TMUX_CMD[@]}" kill-server 2> /dev/null || true
    local s
    for s in /tmp/tmux-"$(id -u)"/"rt$$"*; do
        if [ -S "$s" ]; then
            tmux -S "$s" kill-server 2> /dev/null || true
            rm -f "$s"
        fi
    done
    rm -rf "$T"
}
trap cleanup EXIT
export HOME="$T/home" XDG_CONFIG_HOME="$T/config" XDG_STATE_HOME="$T/state" XDG_CACHE_HOME="$T/cache"
mkdir -p "$HOME"
export RACKTOP_DEMO_SPEED="${RACKTOP_DEMO_SPEED:-50}"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset NO_COLOR TMUX
RESULTS="$(dirname "${BASH_SOURCE[0]}")/results"

die() {
    echo "FAIL: $*" >&2
    echo "--- screen:" >&2
    screen >&2 || true
    exit 1
}
pass() { echo "PASS: $(basename "$0")"; exit 0; }

# start COLS ROWS [racktop args...]: run racktop in a fresh tmux server
start() {
    local cols=$1 rows=$2; shift 2
    local q=""
    for a in "$@"; do q+=" $(printf '%q' "$a")"; done
    "${TMUX_CMD[@]}" new-session -d -x "$cols" -y "$rows" \
        "env TERM=${UI_TERM:-screen-256color} $(printf '%q' "$RACKTOP")$q; echo RACKTOP-EXITED \$?; sleep 30"
    wait_for "racktop"
}
# new_server: end this tmux server and use a fresh socket for the next start
# (a new session on a socket whose server is still exiting fails with
# "server exited unexpectedly").
new_server() {
    "${TMUX_CMD[@]}" kill-server 2> /dev/null || true
    SOCK="${SOCK}n"
    TMUX_CMD=(tmux -L "$SOCK" -f /dev/null)
}
screen() { "${TMUX_CMD[@]}" capture-pane -p "$@"; }
keys() { "${TMUX_CMD[@]}" send-keys "$@"; }
type_text() { "${TMUX_CMD[@]}" send-keys -l "$1"; }
resize() { "${TMUX_CMD[@]}" resize-window -x "$1" -y "$2"; }
# wait_for TEXT [SECONDS]: until the screen shows TEXT (fixed string)
wait_for() {
    local text=$1 limit=${2:-15} i
    for ((i = 0; i < limit * 10; i++)); do
        screen | grep -qF -- "$text" && return 0
        sleep 0.1
    done
    die "timed out waiting for '$text'"
}
# wait_gone TEXT [SECONDS]
wait_gone() {
    local text=$1 limit=${2:-15} i
    for ((i = 0; i < limit * 10; i++)); do
        screen | grep -qF -- "$text" || return 0
        sleep 0.1
    done
    die "'$text' is still shown"
}
# settle: until two captures 200 ms apart are the same
settle() {
    local a b i
    a=$(screen)
    for ((i = 0; i < 50; i++)); do
        sleep 0.2
        b=$(screen)
        [ "$a" = "$b" ] && return 0
        a=$b
    done
}
# golden NAME: compare the screen (clock masked) with results/NAME.result; GENERATE=1 rewrites
golden() {
    local name=$1 file="$RESULTS/$1.result"
    settle
    screen | sed -E 's/[0-9]{2}:[0-9]{2}$/HH:MM/' > "$T/screen.txt"
    if [ "${GENERATE:-0}" = 1 ]; then
        cp "$T/screen.txt" "$file"
        return 0
    fi
    [ -f "$file" ] || die "golden $file is missing (GENERATE=1 creates it)"
    diff -u "$file" "$T/screen.txt" >&2 || die "screen differs from $file"
}
