# The full-screen console (racktop ssh HOST without a command) in tmux,
# against a private sshd: colours, the alternate screen, `stty size`
# following a resize, a 20 MB cat with the console staying responsive,
# the server side killed (reported) and reconnect.
set -u
. "$(dirname "$0")/ssh_lib.bash"
command -v tmux > /dev/null || { echo "SKIP: needs tmux"; exit 77; }

sshd_start target
P=${SSHD_PORT[target]}
echo "[127.0.0.1]:$P $(cat "$T/target/hostkey.pub")" > "$HOME/.ssh/known_hosts"
cat > "$HOME/.ssh/config" <<CFG
Host tgt
    HostName 127.0.0.1
    Port $P
    User root
    IdentityFile $T/userkey
CFG
. "$(dirname "$0")/tmux_lib.bash"
tmux_new rtssh
trap 'tmux_cleanup; cleanup' EXIT
$TM new-session -d -x 100 -y 30 "env TERM=xterm-256color PS1='rt\$ ' ENV= $RACKTOP ssh tgt; sleep 30"


wait_for "root@127.0.0.1:$P" 10      # the status line: user@host and link state
wait_for "[open]" 10
type_line "export PS1='rt\$ '; clear"
wait_for 'rt$' 10

# Colours reach the screen as attributes, not as raw escapes.
type_line "printf '\\033[31mRED-%s\\033[0m\\n' TEXT"
wait_for RED-TEXT
$TM capture-pane -pe | grep -F RED-TEXT | grep -q $'\033\\[[0-9;]*31m' || { $TM capture-pane -pe | grep -F RED-TEXT | cat -v; die "RED-TEXT is not red"; }

# stty size follows the pane (one row is the status line).
type_line "stty size"
wait_for "29 100"
$TM resize-window -x 120 -y 40
sleep 0.5
type_line "clear; stty size"
wait_for "39 120"

# Alternate screen: in and out, the main screen comes back.
type_line "clear; echo MAIN-MARK; printf '\\033[?1049h\\033[HALT-%s' SCREEN; sleep 1; printf '\\033[?1049l'"
wait_for ALT-SCREEN
wait_for MAIN-MARK 5
sleep 1.5
screen | grep -q ALT-SCREEN && die "alternate screen content left behind"

# 20 MB through the widget, then the console still answers.
head -c 15000000 /dev/urandom | base64 -w 100 > "$T/big.txt"
start=$(date +%s)
type_line "cat $T/big.txt; echo CAT-DONE | tr A-Z a-z"
wait_for cat-done 90
echo "cat of $(stat -c %s "$T/big.txt") bytes took $(( $(date +%s) - start ))s"
type_line "clear; echo still-responsive"
wait_for still-responsive 20

# Kill the server side of the session: reported, then reconnect with r.
for pid in $(pgrep -P "${SSHD_PID[target]}"); do kill "$pid"; done
wait_for "r: reconnect" 10
$TM send-keys r
wait_for "[open]" 15
type_line "echo back-again"
wait_for back-again 10

# The remote shell ending shows its status.
type_line "exit 3"
wait_for "exited with status 3" 10
pass
