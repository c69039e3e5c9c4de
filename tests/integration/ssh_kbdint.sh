# keyboard-interactive authentication (core/ssh.c, ssh_userauth_kbdint)
# against a private sshd that offers only that method: the server's prompt
# is shown on the terminal, the answer is not echoed, a right answer logs
# in, wrong answers end in a clear error.
#
# OpenSSH on Linux implements keyboard-interactive only through PAM (its
# other devices, bsdauth and skey, are not built), so this sshd runs with
# UsePAM yes.  OpenSSH 9.2 has no PAMServiceName option: the PAM service is
# the name sshd was started as (__progname), so sshd is started through a
# symlink named racktop-kbdint-PID, and /etc/pam.d/racktop-kbdint-PID
# (written here, removed on exit) checks the answer with pam_exec against
# RT_TEST_PASSWORD; no real account or password is involved.
set -u
. "$(dirname "$0")/ssh_lib.bash"

PAM_DIR=/etc/pam.d
PAM_LIB=$(dirname "$(find /lib /usr/lib -name pam_exec.so -path '*security*' 2> /dev/null | head -1)")
if [ ! -f "$PAM_LIB/pam_exec.so" ] || [ ! -f "$PAM_LIB/pam_permit.so" ] || [ ! -w "$PAM_DIR" ] ||
    ! grep -q "libpam" < <(ldd "$SSHD" 2> /dev/null); then
    echo "SKIP: needs sshd built with PAM, pam_exec.so and a writable $PAM_DIR"
    exit 77
fi
SVC="racktop-kbdint-$$"
trap 'rm -f "$PAM_DIR/$SVC"; cleanup' EXIT

# The answer check: pam_exec hands the typed answer on stdin (NUL-terminated).
cat > "$T/kbdcheck.sh" << CHK
#!/bin/sh
[ "\$(tr -d '\\000')" = "$RT_TEST_PASSWORD" ]
CHK
chmod 700 "$T/kbdcheck.sh"
cat > "$PAM_DIR/$SVC" << PAMCFG
# racktop test service (tests/integration/ssh_kbdint.sh); removed when the test ends
auth     required $PAM_LIB/pam_exec.so expose_authtok quiet $T/kbdcheck.sh
# pam_exec ignores setcred; a stack where every module ignores fails, so:
auth     optional $PAM_LIB/pam_permit.so
account  required $PAM_LIB/pam_permit.so
session  required $PAM_LIB/pam_permit.so
password required $PAM_LIB/pam_deny.so
PAMCFG
ln -s "$SSHD" "$T/$SVC"
SSHD="$T/$SVC" sshd_start kbd "UsePAM yes" "KbdInteractiveAuthentication yes" \
    "PasswordAuthentication no" "PubkeyAuthentication no" "AuthenticationMethods keyboard-interactive"
P=${SSHD_PORT[kbd]}

# The server offers keyboard-interactive and nothing else; no terminal to
# answer on, so a clear failure (and the host key gets pinned).
rt ssh -p "$P" -i "$T/userkey" --accept-new root@127.0.0.1 -- true
expect_rc 255 "no terminal: cannot answer"
err_has "authentication to 'root@127.0.0.1:$P' failed"

# The prompt is shown, the answer not echoed, the command runs.
rt_tty 'Password:' "$RT_TEST_PASSWORD\n" -- ssh -p "$P" root@127.0.0.1 -- 'echo kbd-ok'
expect_rc 0 "keyboard-interactive auth"
grep -q "Password:" "$T/out" || die "no keyboard-interactive prompt: $(cat "$T/out")"
grep -q "kbd-ok" "$T/out" || die "no output after keyboard-interactive auth: $(cat "$T/out")"
grep -qF "$RT_TEST_PASSWORD" "$T/out" && die "the answer was echoed"
grep -q "PAM: .*succeeded\|Accepted keyboard-interactive/pam" "$T/kbd/sshd.log" ||
    die "sshd did not accept keyboard-interactive/pam"

# A wrong answer: a clear error, no crash.
rt_tty 'Password:' 'wrong1\n' 'wrong2\n' 'wrong3\n' 'wrong4\n' -- ssh -p "$P" root@127.0.0.1 -- 'echo nope'
[ "$RC" != 0 ] || die "a wrong answer logged in"
grep -q "authentication to 'root@127.0.0.1:$P' failed" "$T/out" || die "no auth failure message: $(cat "$T/out")"
grep -q "nope" "$T/out" && die "the command ran after a wrong answer"

# The answer never reaches the store.
DB="$XDG_STATE_HOME/racktop/racktop.db"
grep -qaF "$RT_TEST_PASSWORD" "$DB" "$DB-wal" 2> /dev/null && die "the answer is in the store"
pass
