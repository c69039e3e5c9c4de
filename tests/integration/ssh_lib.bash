# Shared fixture for the SSH tests: private sshd servers on 127.0.0.1 at free
# high ports, each with its own host keys and config, plus a private HOME
# (so ~/.ssh/config and ~/.ssh/known_hosts are the test's own) and store.
#
#   . ssh_lib.bash
#   sshd_start target          # $T/target/: port in SSHD_PORT[target]
#   sshd_start jump            # a second server, used as a jump host
#   sshd_rekey target          # new host keys, restart (a "changed key")
#   rt ssh ... -- cmd          # racktop with the test's environment
#
# Auth fixtures: a user key ($T/userkey, authorised for root), a password
# (RT_TEST_PASSWORD) checked by sshd through a tiny LD_PRELOAD shim that
# answers getspnam() for the login user, so no system account is changed.
# Everything runs as root (sshd needs it for privilege separation), with
# PermitRootLogin yes in the private config.  Keyboard-interactive needs
# PAM on Linux sshd; the servers here run UsePAM no, and ssh_kbdint.sh
# starts one with PAM and a private PAM service of its own.
: "${RACKTOP:?RACKTOP must name the racktop binary}"
SSHD=${SSHD:-/usr/sbin/sshd}
if [ ! -x "$SSHD" ] || ! command -v ssh-keygen > /dev/null || [ "$(id -u)" != 0 ]; then
    echo "SKIP: needs $SSHD, ssh-keygen and root (apt-get install openssh-server)"
    exit 77
fi
command -v cc > /dev/null || { echo "SKIP: needs cc for the password shim"; exit 77; }

T=$(mktemp -d /tmp/racktop-ssh.XXXXXX)
declare -A SSHD_PORT SSHD_PID
cleanup() {
    for n in "${!SSHD_PID[@]}"; do kill "${SSHD_PID[$n]}" 2> /dev/null; done
    [ -n "${SSH_AGENT_PID:-}" ] && kill "$SSH_AGENT_PID" 2> /dev/null
    rm -rf "$T"
}
trap cleanup EXIT
export HOME="$T/home" XDG_CONFIG_HOME="$T/config" XDG_STATE_HOME="$T/state" XDG_CACHE_HOME="$T/cache"
mkdir -p "$HOME/.ssh" && chmod 700 "$HOME/.ssh"
unset SSH_AUTH_SOCK SSH_AGENT_PID NO_COLOR
export RACKTOP_DEMO_SPEED="${RACKTOP_DEMO_SPEED:-50}"
export RT_TEST_PASSWORD="rt-Pass-$$"
[ -d /run/sshd ] || mkdir -p -m 0755 /run/sshd

die() { echo "FAIL: $*" >&2; for f in "$T"/*/sshd.log; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done >&2; exit 1; }
pass() { echo "PASS: $(basename "$0")"; exit 0; }

ssh-keygen -q -t ed25519 -N '' -C racktop-test -f "$T/userkey"
cat > "$T/fakeshadow.c" <<'CEOF'
#define _GNU_SOURCE
#include <crypt.h>
#include <shadow.h>
#include <stdlib.h>
#include <string.h>
/* getspnam() for the test: the login user's password is $RT_TEST_PASSWORD. */
struct spwd *getspnam(const char *name)
{
    static struct spwd sp;
    static char hash[256];
    const char *pw = getenv("RT_TEST_PASSWORD");
    const char *h;
    if (pw == NULL)
        return NULL;
    h = crypt(pw, "$6$racktoptest$");
    if (h == NULL)
        return NULL;
    strncpy(hash, h, sizeof hash - 1);
    memset(&sp, 0, sizeof sp);
    sp.sp_namp = (char *)name;
    sp.sp_pwdp = hash;
    sp.sp_lstchg = -1; sp.sp_min = -1; sp.sp_max = -1; sp.sp_warn = -1;
    sp.sp_inact = -1; sp.sp_expire = -1;
    return &sp;
}
CEOF
cc -shared -fPIC -o "$T/fakeshadow.so" "$T/fakeshadow.c" -lcrypt || { echo "SKIP: cannot build the password shim"; exit 77; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# sshd_start NAME [extra sshd_config lines...]
# (sshd keeps the first value of a keyword, so the extra lines come first and
# override the defaults below; $SSHD may be overridden for one call)
sshd_start() {
    local n=$1; shift
    local d="$T/$n"
    mkdir -p "$d"
    [ -f "$d/hostkey" ] || ssh-keygen -q -t ed25519 -N '' -f "$d/hostkey"
    [ -n "${SSHD_PORT[$n]:-}" ] || SSHD_PORT[$n]=$(free_port)
    cp "$T/userkey.pub" "$d/authorized_keys"
    {
        for l in "$@"; do echo "$l"; done
        echo "Port ${SSHD_PORT[$n]}"
        echo "ListenAddress 127.0.0.1"
        echo "HostKey $d/hostkey"
        echo "PidFile $d/sshd.pid"
        echo "AuthorizedKeysFile $d/authorized_keys"
        echo "UsePAM no"
        echo "PermitRootLogin yes"
        echo "PasswordAuthentication yes"
        echo "KbdInteractiveAuthentication no"
        echo "PubkeyAuthentication yes"
        echo "StrictModes no"
        echo "AllowTcpForwarding yes"
        echo "LogLevel DEBUG1"
        echo "LoginGraceTime 30"
        echo "MaxAuthTries 10"
        echo "PrintMotd no"
        echo "PrintLastLog no"
        echo "AcceptEnv LANG"
    } > "$d/sshd_config"
    "$SSHD" -t -f "$d/sshd_config" || die "sshd -t failed for $n"
    LD_PRELOAD="$T/fakeshadow.so" "$SSHD" -D -E "$d/sshd.log" -f "$d/sshd_config" &
    SSHD_PID[$n]=$!
    for _ in $(seq 100); do
        (exec 3<> "/dev/tcp/127.0.0.1/${SSHD_PORT[$n]}") 2> /dev/null && return 0
        sleep 0.05
    done
    die "sshd $n did not start"
}

sshd_stop() {
    local n=$1
    kill "${SSHD_PID[$n]}" 2> /dev/null
    wait "${SSHD_PID[$n]}" 2> /dev/null
    unset "SSHD_PID[$n]"
}

# New host key, same port: what an operator sees as a "changed key".
sshd_rekey() {
    local n=$1
    sshd_stop "$n"
    rm -f "$T/$n/hostkey" "$T/$n/hostkey.pub"
    sshd_start "$n"
}

hostkey_fp() { ssh-keygen -lf "$T/$1/hostkey.pub" | awk '{print $2}'; }

# rt ARGS...: racktop; stdout in $T/out, stderr in $T/err, exit code in $RC
rt() {
    RC=0
    timeout 60 "$RACKTOP" "$@" > "$T/out" 2> "$T/err" < /dev/null || RC=$?
}
expect_rc() { [ "$RC" = "$1" ] || { echo "--- out"; head -c 2000 "$T/out"; echo "--- err"; cat "$T/err"; die "exit $RC, expected $1 ($2)"; } >&2; }
err_has() { grep -qF -- "$1" "$T/err" || die "stderr lacks '$1': $(cat "$T/err")"; }
out_is() { [ "$(cat "$T/out")" = "$1" ] || die "stdout is '$(head -c 500 "$T/out")', expected '$1'"; }

# rt_tty PROMPT_REGEX ANSWERS -- ARGS...: racktop on a pseudo-terminal (for
# prompts); each answer is typed when the next prompt shows, never earlier.
# The terminal's text goes to $T/out (and $T/err).
rt_tty() {
    local prompt=$1 answers=()
    shift
    while [ "$1" != -- ]; do answers+=("$1"); shift; done
    shift
    RC=0
    python3 "$RT_SRC_DIR/tests/support/pty_answer.py" --prompt "$prompt" --tty "$T/out" \
        --timeout 60 "${answers[@]}" -- "$RACKTOP" "$@" || RC=$?
    cp "$T/out" "$T/err"
}
