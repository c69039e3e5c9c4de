#!/usr/bin/env python3
"""Run a command on a new pseudo-terminal and answer its prompts.

pty_answer.py --prompt REGEX --tty FILE [--stdout FILE] [--timeout S] ANSWER... -- CMD ARGS...

The child gets the pty as its controlling terminal, stdin and stderr (and
stdout unless --stdout sends it to a file).  Each time the terminal shows a
new match of REGEX, the next ANSWER (backslash escapes allowed: '\\n', '\\x04')
is typed, so nothing is typed before the program asks.  What the terminal
showed goes to --tty; the exit status is the child's (137 when the timeout
killed it).
"""
import argparse, os, pty, re, select, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--prompt", required=True)
ap.add_argument("--tty", required=True)
ap.add_argument("--stdout")
ap.add_argument("--timeout", type=float, default=60)
ap.add_argument("answers", nargs="*")
argv = sys.argv[1:]
if "--" not in argv:
    sys.exit("pty_answer.py: no '--' before the command")
cut = argv.index("--")
opts, cmd = ap.parse_args(argv[:cut]), argv[cut + 1:]
if not cmd:
    sys.exit("pty_answer.py: no command")
prompt = re.compile(opts.prompt.encode())
answers = [a.encode().decode("unicode_escape").encode() for a in opts.answers]

pid, fd = pty.fork()
if pid == 0:
    if opts.stdout:
        out = os.open(opts.stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, 1)
    try:
        os.execvp(cmd[0], cmd)
    finally:
        os._exit(127)

seen, pos, status = b"", 0, None
end = time.time() + opts.timeout
while status is None:
    if time.time() > end:
        os.kill(pid, 9)
        end = float("inf")
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: every holder of the terminal closed it
            chunk = b""
        if not chunk:
            _, status = os.waitpid(pid, 0)
            break
        seen += chunk
    m = prompt.search(seen, pos)
    if m and answers:
        os.write(fd, answers.pop(0))
        pos = m.end()
    done, st = os.waitpid(pid, os.WNOHANG)
    if done:
        status = st
while select.select([fd], [], [], 0.2)[0]:  # what it wrote before it ended
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
with open(opts.tty, "wb") as f:
    f.write(seen)
code = os.waitstatus_to_exitcode(status)
sys.exit(128 - code if code < 0 else code)
