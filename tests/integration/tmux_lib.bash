# Driving racktop full-screen in a private tmux server, for the integration
# tests that pair the dashboard or the console with a real backend (sshd,
# the OpenStack fixture).  Source after the backend's lib (it uses die).
#
#   tmux_new NAME        a private tmux server (again: a fresh one, so a new
#                        session never races a dying server); $TM runs tmux on it
#   tmux_cleanup         kills it (call from the test's EXIT trap)
#   screen               the pane's text          fail MSG   screen + die
#   wait_for TEXT [S]    until the pane shows TEXT (default 15 s)
#   wait_gone TEXT [S]   until it no longer does
#   keys KEY...          tmux key names           type_text TEXT / type_line TEXT
TM=
TMUX_SERVERS=0
tmux_new() {
    tmux_cleanup
    TMUX_SERVERS=$((TMUX_SERVERS + 1))
    TM="tmux -L $1$$-$TMUX_SERVERS -f /dev/null"
}
tmux_cleanup() { [ -z "$TM" ] || $TM kill-server 2> /dev/null || true; }
screen() { $TM capture-pane -p; }
fail() { echo "--- screen"; screen; die "$@"; }
wait_for() {
    local i
    for i in $(seq $(( ${2:-15} * 10 ))); do
        screen | grep -qF -- "$1" && return 0
        sleep 0.1
    done
    fail "screen never showed '$1'"
}
wait_gone() {
    local i
    for i in $(seq $(( ${2:-15} * 10 ))); do
        screen | grep -qF -- "$1" || return 0
        sleep 0.1
    done
    fail "screen still shows '$1'"
}
keys() { $TM send-keys "$@"; }
type_text() { $TM send-keys -l -- "$1"; }
type_line() { type_text "$1"; keys Enter; }
