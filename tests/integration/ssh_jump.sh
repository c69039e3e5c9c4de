# ProxyJump: racktop ssh through a second private sshd acting as the jump
# host (-J, a chain of two bastions, and ProxyJump from ~/.ssh/config), each
# hop's host key checked and pinned, the jump's log showing the forward.
set -u
. "$(dirname "$0")/ssh_lib.bash"

sshd_start target
sshd_start jump
P=${SSHD_PORT[target]}
JP=${SSHD_PORT[jump]}

# The jump host's key is checked like any other: unknown -> refused.
rt ssh -p "$P" -i "$T/userkey" -J "root@127.0.0.1:$JP" root@127.0.0.1 -- true
expect_rc 3 "unknown jump host key"
err_has "127.0.0.1:$JP"

rt ssh -p "$P" -i "$T/userkey" --accept-new -J "root@127.0.0.1:$JP" root@127.0.0.1 -- 'echo through-jump; exit 4'
expect_rc 4 "command through the jump host"
out_is through-jump
grep -q "direct-tcpip" "$T/jump/sshd.log" || die "the jump host saw no forward"

# Two bastions in a chain (the same server twice).
before=$(grep -c "direct-tcpip" "$T/jump/sshd.log")
rt ssh -p "$P" -i "$T/userkey" -J "root@127.0.0.1:$JP,root@127.0.0.1:$JP" root@127.0.0.1 -- 'echo two-hops'
expect_rc 0 "two jump hosts"
out_is two-hops
after=$(grep -c "direct-tcpip" "$T/jump/sshd.log")
[ "$after" -ge $((before + 2)) ] || die "expected two more forwards, saw $before -> $after"

# ~/.ssh/config: an alias with HostName/Port/User/IdentityFile/ProxyJump.
cat > "$HOME/.ssh/config" <<CFG
Host bastion
    HostName 127.0.0.1
    Port $JP
    User root
    IdentityFile $T/userkey

Host inner-*
    HostName 127.0.0.1
    Port $P
    User root
    IdentityFile $T/userkey
    ProxyJump bastion
CFG
before=$(grep -c "direct-tcpip" "$T/jump/sshd.log")
rt ssh inner-web -- 'echo from-config'
expect_rc 0 "ProxyJump from ~/.ssh/config"
out_is from-config
after=$(grep -c "direct-tcpip" "$T/jump/sshd.log")
[ "$after" -gt "$before" ] || die "the config's ProxyJump was not used"

# -J none overrides the config: direct.
rt ssh -J none inner-web -- 'echo direct'
expect_rc 0 "-J none"
out_is direct

# The jump host going away mid-way is an error, not a hang.
sshd_stop jump
rt ssh --connect-timeout 5 inner-web -- true
expect_rc 255 "jump host down"
err_has "127.0.0.1"

pass
