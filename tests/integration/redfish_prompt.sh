#!/usr/bin/env bash
# Redfish password prompt: a BMC entry with a username and no password source
# gets its password asked once per provider on the terminal (no echo), passed
# to the provider in memory only; without a terminal, a one-line error names
# the BMC and the ways to give a password.  The terminal is a pty (python3).
set -euo pipefail
. "$(dirname "$0")/redfish_lib.bash"

rf_start --bmc r1=public-rackmount1 --bmc r2=public-rackmount1 --user admin --password secret
cat > "$XDG_CONFIG_HOME/racktop/config.yaml" <<EOF2
timeout: 20s
providers:
  - name: rf
    type: redfish
    username: admin
    provision_ssh: false
    bmcs:
      - {name: r1, address: "$RF_URL/bmc/r1"}
      - {name: r2, address: "$RF_URL/bmc/r2"}
EOF2

# ---- no terminal: one clear line, nothing sent
expect 2 list hosts < /dev/null
err_has "provider 'rf': no password for BMC 'r1', 'r2'"
err_has "password_file"
err_has "password_env"
err_has "terminal"
one_line_err
[ "$(rf_requests | jq length)" = 0 ] || die "requests were sent without a password"

# ---- a pty: asked once, no echo, the hosts are listed
# pty_run INPUT ARGS...: racktop on a new pty (stdin, stderr and /dev/tty), stdout to
# $T/out; INPUT is typed after the prompt shows.  The terminal's text goes to $T/tty.
pty_run() {
    python3 - "$T" "$RACKTOP" "$@" <<'PY'
import os, pty, select, sys, time
tdir, racktop, typed = sys.argv[1], sys.argv[2], sys.argv[3]
pid, fd = pty.fork()
if pid == 0:
    out = os.open(os.path.join(tdir, "out"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)
    os.execv(racktop, [racktop] + sys.argv[4:])
seen, sent, end, status = b"", False, time.time() + 30, None
while status is None:
    if time.time() > end:
        os.kill(pid, 9)
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            chunk = b""
        seen += chunk
        if not chunk:
            _, status = os.waitpid(pid, 0)
            break
    if not sent and b"Password for provider" in seen:
        time.sleep(0.1)
        os.write(fd, typed.encode().decode("unicode_escape").encode())
        sent = True
    done, st = os.waitpid(pid, os.WNOHANG)
    if done != 0:
        status = st
while select.select([fd], [], [], 0.2)[0]:  # what it wrote before it ended
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
open(os.path.join(tdir, "tty"), "wb").write(seen)
sys.exit(os.waitstatus_to_exitcode(status))
PY
}
rc=0; pty_run 'secret\n' list hosts -o json || rc=$?
[ "$rc" = 0 ] || die "racktop on a pty exited $rc: $(cat "$T/tty")"
[ "$(grep -c "Password for provider 'rf' (BMC 'r1', 'r2')" "$T/tty")" = 1 ] || die "not asked exactly once: $(cat "$T/tty")"
grep -q secret "$T/tty" && die "the password was echoed"
[ "$(jq_out 'length')" = 2 ] || die "expected 2 hosts: $(head -c 300 "$T/out") $(cat "$T/tty")"
rf_requests > "$T/req.json"
[ "$(jq '[.[] | select(.method=="POST" and (.path|endswith("/Sessions")) and (.body|fromjson|.Password=="secret"))] | length' "$T/req.json")" = 2 ] \
    || die "the typed password did not reach both BMCs"
grep -rq secret "$XDG_STATE_HOME" && die "the password reached the state directory"

# ---- end of input at the prompt: a clear error, nothing sent
rf_ctl reset
rc=0; pty_run '\x04' list hosts || rc=$?
[ "$rc" = 2 ] || die "end of input at the prompt exited $rc: $(cat "$T/tty")"
grep -q "no password given for BMC 'r1', 'r2'" "$T/tty" || die "no error after end of input: $(cat "$T/tty")"
[ "$(rf_requests | jq length)" = 0 ] || die "requests were sent after end of input"

# ---- a password source in the entry: no prompt even on a terminal
printf 'secret\n' > "$T/pw"; chmod 600 "$T/pw"
sed -i "s|    username: admin|    username: admin\n    password_file: $T/pw|" "$XDG_CONFIG_HOME/racktop/config.yaml"
rc=0; pty_run '' list hosts -o json || rc=$?
[ "$rc" = 0 ] || die "with password_file: exit $rc: $(cat "$T/tty")"
grep -q "Password for" "$T/tty" && die "asked although password_file is set"
[ "$(jq_out 'length')" = 2 ] || die "with password_file: expected 2 hosts"
pass
