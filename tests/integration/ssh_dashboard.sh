# The dashboard's SSH console (views/console.c) in tmux against a private
# sshd, with the demo fleet pointed at it by config (ssh: {host, port, user}):
#   `s` on an instance opens the connect form prefilled from the config; the
#   unknown host key is shown (type, SHA256 fingerprint) and pinned only after
#   typing yes; a command's output shows; ctrl-] detaches; other panes; the
#   session re-entered from :sessions still shows the output; `stty size`
#   follows the pane and a resize; `less` uses the alternate screen at the
#   pane's size and the main screen comes back; the remote exit status and
#   `r` to reconnect; a password asked in a masked box (never on screen);
#   ctrl-d in :sessions closes; a changed host key is refused cold (no
#   dialog, no way around it, also not with r); read-only offers no `s` and
#   refuses :console.
set -u
. "$(dirname "$0")/ssh_lib.bash"
command -v tmux > /dev/null || { echo "SKIP: needs tmux"; exit 77; }
command -v less > /dev/null || { echo "SKIP: needs less"; exit 77; }

sshd_start target
P=${SSHD_PORT[target]}
mkdir -p "$XDG_CONFIG_HOME/racktop"
cat > "$XDG_CONFIG_HOME/racktop/config.yaml" <<CFG
ssh: {host: 127.0.0.1, port: $P, user: root}
CFG
# The key for the address; an alias without a key for the password case.
cat > "$HOME/.ssh/config" <<CFG
Host 127.0.0.1
    IdentityFile $T/userkey
Host pwtest
    HostName 127.0.0.1
    Port $P
CFG
: > "$HOME/.ssh/known_hosts"
for i in $(seq 1 200); do echo "LESS-LINE-$i"; done > "$T/lines.txt"

. "$(dirname "$0")/tmux_lib.bash"
trap 'tmux_cleanup; cleanup' EXIT
start_rt() { # start_rt COLS ROWS ARGS...
    local c=$1 r=$2; shift 2
    tmux_new rtdash
    $TM new-session -d -x "$c" -y "$r" "env TERM=xterm-256color LANG=C.UTF-8 $RACKTOP $*; echo RACKTOP-EXITED \$?; sleep 60"
    wait_for "Instances" 15
}

# ---- connect from the instances pane ------------------------------------------------
start_rt 100 30 --demo-seed 1
wait_for "Instances  1/" 15
screen | tail -2 | grep -q "s ssh" || fail "the hint bar does not offer s ssh"
keys s
wait_for "SSH console:"
NAME=$(screen | sed -n 's/.*SSH console: \([^ │|]*\).*/\1/p' | head -1)
[ -n "$NAME" ] || fail "no instance name in the form title"
screen | grep -q "127.0.0.1" || fail "host not prefilled from the config"
screen | grep -q "root" || fail "user not prefilled from the config"
screen | grep -q "$P" || fail "port not prefilled from the config"
keys Enter
wait_for "Unknown SSH host key"
wait_for "$(hostkey_fp target)"
wait_for "ssh-ed25519"
keys Enter                       # OK is disabled until yes is typed
sleep 0.3
screen | grep -qF "[open]" && fail "opened without the operator typing yes"
screen | grep -q "Unknown SSH host key" || fail "Enter alone closed the host key dialog"
keys Escape                      # refused: the attempt fails; reconnect asks again
wait_for "not accepted"
keys r
wait_for "Unknown SSH host key"
type_text "yes"; keys Enter
wait_for "[open]" 15
wait_for "root@127.0.0.1:$P"
type_line "export PS1='rt\$ '; clear"
wait_for 'rt$'
type_line 'echo hello-$((6*7))'
wait_for "hello-42"

# ---- detach, move around, re-enter ---------------------------------------------------
keys C-]
wait_for "detached"
wait_for "Instances  "
keys 2; wait_for "Hosts  1/"
keys 3; wait_for "Disks  1/"
keys :; type_text "sessions"; keys Enter
wait_for "SSH sessions"
screen | grep -F "$NAME" | grep -q "open" || fail ":sessions does not list $NAME as open"
screen | grep -F "$NAME" | grep -q "root@127.0.0.1:$P" || fail ":sessions lacks user@host"
keys Enter
wait_for "[open]"
wait_for "hello-42"              # the screen kept its contents

# ---- window size, resize, the alternate screen ---------------------------------------
type_line "clear; stty size"
wait_for "29 100"                # 30 rows minus the title line
$TM resize-window -x 120 -y 40
sleep 0.5
type_line "clear; stty size"
wait_for "39 120"
type_line "clear; echo MAIN-MARK"
wait_for MAIN-MARK
type_line "less $T/lines.txt"
wait_for "LESS-LINE-38"
screen | grep -q "LESS-LINE-39" && fail "less drew more lines than the pane has"
screen | grep -q "MAIN-MARK" && fail "the alternate screen shows main screen text"
keys q
wait_for "MAIN-MARK"
wait_gone "LESS-LINE-38"
$TM resize-window -x 100 -y 30
sleep 0.3

# ---- exit status and reconnect --------------------------------------------------------
type_line "exit 3"
wait_for "exited with status 3"
wait_for "r: reconnect"
keys r
wait_for "[open]" 15             # the pinned key: no question this time
screen | grep -q "Unknown SSH host key" && fail "asked about a pinned key"
keys C-]
wait_for "detached"

# ---- a password, asked in a masked box --------------------------------------------------
keys :; type_text "console $NAME"; keys Enter
wait_for "[open]"                # :console NAME re-enters the open session
keys C-]
wait_for "detached"
keys 1
wait_for "Instances  "
keys s
wait_for "SSH console:"
keys C-u; type_text "pwtest"; keys Enter
wait_for "assword" 15
type_text "$RT_TEST_PASSWORD"
sleep 0.3
screen | grep -qF "$RT_TEST_PASSWORD" && fail "the password is shown"
screen | grep -q '\*\*\*\*' || fail "no masked echo"
keys Enter
wait_for "[open]" 15
type_line "echo pw-session-ok"
wait_for "pw-session-ok"
keys C-]
wait_for "detached"
keys :; type_text "sessions"; keys Enter
wait_for "SSH sessions  1/2"
# close the selected (first) session: it is open, so a dialog asks
keys C-d
wait_for "Close session"
keys y
wait_for "SSH sessions  1/1"
keys C-d; wait_for "Close session"; keys y
wait_for "SSH sessions  0/0"
grep -rqF "$RT_TEST_PASSWORD" "$XDG_STATE_HOME" && fail "the password reached the state dir"
keys q
wait_for "RACKTOP-EXITED 0"

# ---- a changed host key is refused cold --------------------------------------------------
sshd_rekey target
start_rt 100 30 --demo-seed 1
wait_for "Instances  1/" 15
keys s
wait_for "SSH console:"
keys Enter
wait_for "REFUSED" 15
screen | grep -q "Unknown SSH host key" && fail "a changed key was offered for acceptance"
screen | grep -qF "[open]" && fail "connected despite a changed key"
keys r
sleep 1
wait_for "REFUSED" 15
screen | grep -q "Unknown SSH host key" && fail "reconnect offered a changed key for acceptance"
screen | grep -qF "[open]" && fail "reconnect connected despite a changed key"
keys C-]
keys q
wait_for "RACKTOP-EXITED 0"

# ---- read-only: no s, no :console -------------------------------------------------------
start_rt 100 30 --demo-seed 1 --read-only
wait_for "READ-ONLY"
screen | tail -2 | grep -q "ssh" && fail "read-only offers ssh in the hint bar"
keys s
sleep 0.5
screen | grep -q "SSH console:" && fail "read-only opened the connect form"
keys '?'
wait_for "Instances pane"
screen | grep -q "SSH console on the instance" && fail "read-only help lists the ssh key"
keys q
keys :; type_text "console $NAME"; keys Enter
wait_for "read-only: SSH consoles are not available"
keys q
wait_for "RACKTOP-EXITED 0"
pass
