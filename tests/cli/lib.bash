# Shared set-up for the command-line tests: a private XDG home per test,
# helpers to run racktop and check exit codes and messages.
: "${RACKTOP:?RACKTOP must name the racktop binary}"
T=$(mktemp -d /tmp/racktop-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
export HOME="$T/home" XDG_CONFIG_HOME="$T/config" XDG_STATE_HOME="$T/state" XDG_CACHE_HOME="$T/cache"
mkdir -p "$HOME"
export RACKTOP_DEMO_SPEED="${RACKTOP_DEMO_SPEED:-50}"
unset NO_COLOR OS_CLOUD

die() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "PASS: $(basename "$0")"; exit 0; }

# expect CODE CMD...: run racktop, keep stdout in $T/out and stderr in $T/err
expect() {
    local want=$1; shift
    local got=0
    "$RACKTOP" "$@" > "$T/out" 2> "$T/err" || got=$?
    if [ "$got" != "$want" ]; then
        echo "--- stdout"; head -c 2000 "$T/out"; echo "--- stderr"; cat "$T/err"
        die "racktop $* exited $got, expected $want"
    fi
}
# err_has TEXT: stderr of the last run contains TEXT
err_has() { grep -qF -- "$1" "$T/err" || die "stderr lacks '$1': $(cat "$T/err")"; }
out_has() { grep -qF -- "$1" "$T/out" || die "stdout lacks '$1'"; }
one_line_err() { [ "$(wc -l < "$T/err")" -le 1 ] || die "stderr is not one line: $(cat "$T/err")"; }
