# The acceptance of the dashboard's SSH console, as a new user would try it:
# from the instances pane, a console to a server through a jump host
# (ssh.jump in the config; the demo fleet's addresses are private, ssh.host
# points them at the test sshd), at 80x24; vim and htop inside it at 80x24
# and after a resize (each drawn at the new size, the main screen back after
# them); a detach key set in the config (console.detach_key: ctrl-g; ctrl-]
# then reaches the remote like any other key); detach, other panes, come
# back to the same screen; then the server's host key changes and the
# reconnect is refused with a plain message, in the console and in the
# dashboard.  htop is optional (skipped, and said so, when not installed).
set -u
. "$(dirname "$0")/ssh_lib.bash"
command -v tmux > /dev/null || { echo "SKIP: needs tmux"; exit 77; }
command -v vim > /dev/null || command -v vi > /dev/null || { echo "SKIP: needs vim or vi"; exit 77; }
VIM=$(command -v vim || command -v vi)

sshd_start target
sshd_start jump
P=${SSHD_PORT[target]}; J=${SSHD_PORT[jump]}
mkdir -p "$XDG_CONFIG_HOME/racktop"
cat > "$XDG_CONFIG_HOME/racktop/config.yaml" <<CFG
ssh: {host: 127.0.0.1, port: $P, user: root, jump: "root@127.0.0.1:$J"}
console: {detach_key: "ctrl-g"}
CFG
cat > "$HOME/.ssh/config" <<CFG
Host 127.0.0.1
    IdentityFile $T/userkey
CFG
# The jump host is known; the target's key is new (asked, then pinned).
echo "[127.0.0.1]:$J $(cat "$T/jump/hostkey.pub")" > "$HOME/.ssh/known_hosts"
for i in $(seq 1 200); do echo "VIM-LINE-$i"; done > "$T/vimfile.txt"

. "$(dirname "$0")/tmux_lib.bash"
tmux_new rtjump
trap 'tmux_cleanup; cleanup' EXIT

$TM new-session -d -x 80 -y 24 "env TERM=xterm-256color LANG=C.UTF-8 $RACKTOP --demo-seed 1; echo RACKTOP-EXITED \$?; sleep 60"
wait_for "Instances  1/" 15

# ---- open through the jump host from the instances pane ----------------------------
keys s
wait_for "SSH console:"
NAME=$(screen | sed -n 's/.*SSH console: \([^ │|]*\).*/\1/p' | head -1)
[ -n "$NAME" ] || fail "no instance name in the form title"
wait_for "127.0.0.1:$J"          # the jump host, prefilled from ssh.jump
keys Enter
wait_for "Unknown SSH host key"
wait_for "$(hostkey_fp target)"  # the target's key is asked about, not the jump host's
type_text "yes"; keys Enter
wait_for "[open]" 15
screen | head -1 | grep -q "via .*:$J" || fail "the title does not show the jump chain"
grep -q "direct-tcpip.*port $P\|127.0.0.1 port $P" "$T/jump/sshd.log" ||
    fail "the jump host's log shows no forward to the target port $P"
type_line "export PS1='rt\$ '; clear; stty size"
wait_for "23 80"                 # 24 rows minus the title line

# ---- ctrl-] is no longer the detach key: it reaches the remote --------------------------
type_line "clear; cat -v"
sleep 0.3
keys C-]
keys Enter
wait_for "^]"
screen | grep -qF "detached" && fail "ctrl-] detached although console.detach_key is ctrl-g"
keys C-d
wait_for 'rt$'

# ---- vim at 80x24, then after a resize ---------------------------------------------------
type_line "clear; echo MAIN-MARK"
wait_for MAIN-MARK
type_line "$VIM -u NONE -N -n $T/vimfile.txt"
wait_for "VIM-LINE-22"
screen | grep -q "VIM-LINE-23" && fail "vim drew more lines than 23 rows hold"
screen | grep -q "MAIN-MARK" && fail "vim's alternate screen shows main screen text"
$TM resize-window -x 100 -y 30
wait_for "VIM-LINE-28"           # vim learnt the new size (29 rows) and redrew
screen | grep -q "VIM-LINE-29" && fail "vim drew more lines than 29 rows hold"
type_text "Go"; type_text "typed-in-vim"; keys Escape
wait_for "typed-in-vim"
type_text ":q!"; keys Enter
wait_for "MAIN-MARK"
wait_gone "VIM-LINE-2"
screen | head -1 | grep -q "ctrl-g: detach" || fail "the title line does not name ctrl-g as the detach key"

# ---- htop at 100x30, then back at 80x24 ---------------------------------------------------
if command -v htop > /dev/null; then
    type_line "htop"
    wait_for "PID" 15
    wait_for "F10Quit"
    screen | grep -q "MAIN-MARK" && fail "htop's alternate screen shows main screen text"
    $TM resize-window -x 80 -y 24
    sleep 1
    screen | tail -1 | grep -q "F1Help" || fail "htop did not redraw its function bar on the last row at 80x24"
    keys q
    wait_for "MAIN-MARK"
    wait_gone "F10Quit"
else
    echo "note: htop not installed, its part skipped (.ci/deps.sh --test installs it)"
    $TM resize-window -x 80 -y 24
fi
type_line "clear; stty size"
wait_for "23 80"

# ---- detach with the configured key, move around, come back -------------------------------
type_line "echo still-here-\$((6*7))"
wait_for "still-here-42"
keys C-g
wait_for "detached"
wait_for "Instances  "
keys 2; wait_for "Hosts  1/"
keys '?'
wait_for "Help"
keys G
wait_for "back to the dashboard"
screen | grep -qE "ctrl-g +back to the dashboard" || fail "help does not name ctrl-g as the detach key"
keys q
keys :; type_text "console $NAME"; keys Enter
wait_for "[open]"
wait_for "still-here-42"         # the screen kept its contents

# ---- the server's host key changes: refused cold ------------------------------------------
type_line "exit"
wait_for "exited with status 0"
sshd_rekey target
keys r
wait_for "HOST KEY CHANGED" 15   # in full in the console, not only in the cut title line
screen | grep -q "Unknown SSH host key" && fail "a changed key was offered for acceptance"
screen | grep -qF "[open]" && fail "connected despite a changed key"
screen | grep -qF "REFUSED" || fail "no REFUSED in the console"
keys C-g
wait_for "detached"
keys :; type_text "sessions"; keys Enter
wait_for "SSH sessions"
screen | grep -F "$NAME" | grep -qi "refused\|changed\|failed" || fail ":sessions does not show the refusal"
keys r                           # reconnect from :sessions: refused again, no dialog
sleep 1
screen | grep -q "Unknown SSH host key" && fail "reconnect offered a changed key for acceptance"
wait_for "HOST KEY CHANGED" 15
keys C-g
keys q
wait_for "RACKTOP-EXITED 0"
pass
