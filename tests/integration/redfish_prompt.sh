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
    local typed=$1
    shift
    python3 "$RT_SRC_DIR/tests/support/pty_answer.py" --prompt "Password for provider" \
        --tty "$T/tty" --stdout "$T/out" --timeout 30 "$typed" -- "$RACKTOP" "$@"
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
