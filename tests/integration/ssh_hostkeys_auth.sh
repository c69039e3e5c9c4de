# racktop ssh against a private sshd: host-key policy (unknown refused,
# --accept-new pins, changed key refused with exit 3), key auth with the
# command's exit status and output, ssh-agent auth, password auth through a
# prompt on a pty, wrong password reported cleanly.
set -u
. "$(dirname "$0")/ssh_lib.bash"

sshd_start target
P=${SSHD_PORT[target]}
FP=$(hostkey_fp target)

# Unknown host key, no --accept-new: refused (exit 3), fingerprint shown.
rt ssh -p "$P" -i "$T/userkey" root@127.0.0.1 -- true
expect_rc 3 "unknown key refused"
err_has "unknown host key"
err_has "$FP"

# --accept-new pins it; the command's output and status come back.
rt ssh -p "$P" -i "$T/userkey" --accept-new root@127.0.0.1 -- 'echo hello; echo oops >&2; exit 7'
expect_rc 7 "exit status of the remote command"
out_is hello
grep -qx oops "$T/err" || die "stderr lacks the remote stderr"

# Pinned now: no --accept-new needed.
rt ssh -p "$P" -i "$T/userkey" root@127.0.0.1 -- 'echo again'
expect_rc 0 "pinned key accepted"
out_is again

# stdin is forwarded when it is not a terminal.
RC=0; printf 'line1\nline2\n' | timeout 30 "$RACKTOP" ssh -p "$P" -i "$T/userkey" root@127.0.0.1 -- 'wc -l' > "$T/out" 2> "$T/err" || RC=$?
expect_rc 0 "stdin forwarding"
[ "$(tr -d ' ' < "$T/out")" = 2 ] || die "remote wc -l saw '$(cat "$T/out")'"

# ssh-agent auth: the key is only in a private agent.
eval "$(ssh-agent -s -a "$T/agent.sock")" > /dev/null
ssh-add -q "$T/userkey" 2> /dev/null || die "ssh-add failed"
rt ssh -p "$P" root@127.0.0.1 -- 'echo via-agent'
expect_rc 0 "agent auth"
out_is via-agent
kill "$SSH_AGENT_PID"; unset SSH_AUTH_SOCK SSH_AGENT_PID

# No key, no terminal: cannot prompt for a password -> clear failure, no crash.
rt ssh -p "$P" root@127.0.0.1 -- true
expect_rc 255 "no usable auth without a terminal"
err_has "authentication to 'root@127.0.0.1:$P' failed"

# Password typed at the prompt on a terminal.
rt_tty 'password:' "$RT_TEST_PASSWORD\n" -- ssh -p "$P" root@127.0.0.1 -- 'echo pw-ok'
expect_rc 0 "password auth"
grep -q "password:" "$T/out" || die "no password prompt: $(cat "$T/out")"
grep -q "pw-ok" "$T/out" || die "no output after password auth: $(cat "$T/out")"
grep -qF "$RT_TEST_PASSWORD" "$T/out" && die "the password was echoed"

# Wrong password three times: a clear error.
rt_tty 'password:' 'wrong1\n' 'wrong2\n' 'wrong3\n' -- ssh -p "$P" root@127.0.0.1 -- 'echo nope'
expect_rc 255 "wrong password"
grep -q "authentication to 'root@127.0.0.1:$P' failed" "$T/out" || die "no auth failure message: $(cat "$T/out")"

# An encrypted key: its passphrase is asked on the terminal (a wrong one asks
# again), not echoed, and the key then logs in.
KEYPASS="kp-$RANDOM-$$"
ssh-keygen -q -t ed25519 -N "$KEYPASS" -C racktop-enc -f "$T/enckey"
cat "$T/enckey.pub" >> "$T/target/authorized_keys"
rt_tty 'passphrase for key' 'not-it\n' "$KEYPASS\n" -- ssh -p "$P" -i "$T/enckey" root@127.0.0.1 -- 'echo enc-ok'
expect_rc 0 "encrypted key auth"
[ "$(grep -c "Enter passphrase for key '$T/enckey'" "$T/out")" = 2 ] || die "passphrase not asked twice: $(cat "$T/out")"
grep -q "enc-ok" "$T/out" || die "no output after encrypted key auth: $(cat "$T/out")"
grep -qF "$KEYPASS" "$T/out" && die "the passphrase was echoed"
grep -q "password:" "$T/out" && die "fell back to a password after the key: $(cat "$T/out")"

# The secrets never reach the store.
DB="$XDG_STATE_HOME/racktop/racktop.db"
[ -f "$DB" ] || die "no store at $DB"
grep -qaF "$RT_TEST_PASSWORD" "$DB" "$DB-wal" 2> /dev/null && die "the password is in the store"
grep -qaF "$KEYPASS" "$DB" "$DB-wal" 2> /dev/null && die "the key passphrase is in the store"

# Changed host key: always refused, exit 3, plain message with the new fingerprint.
sshd_rekey target
NEWFP=$(hostkey_fp target)
rt ssh -p "$P" -i "$T/userkey" --accept-new root@127.0.0.1 -- true
expect_rc 3 "changed key refused even with --accept-new"
err_has "HOST KEY CHANGED"
err_has "$NEWFP"

# known_hosts is honoured too: a matching entry accepts, a stale one refuses.
echo "[127.0.0.1]:$P $(cat "$T/target/hostkey.pub")" > "$HOME/.ssh/known_hosts"
rt ssh -p "$P" -i "$T/userkey" root@127.0.0.1 -- 'echo kh-ok'
expect_rc 0 "known_hosts match"
out_is kh-ok
sshd_rekey target
rt ssh -p "$P" -i "$T/userkey" --accept-new root@127.0.0.1 -- true
expect_rc 3 "known_hosts mismatch"
err_has "HOST KEY CHANGED"

pass
