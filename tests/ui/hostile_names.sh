#!/usr/bin/env bash
# A server named with escape sequences renders harmlessly: the terminal title
# is not changed, the screen is not cleared, no colour leaks.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
# The demo refuses C0 controls in names (as clouds do) but not C1 controls or
# bidi overrides; descriptions it takes as they come.
evil=$'evil\u202e\u009b31m-1'
desc=$'\e]2;PWNED\a\e[2J\e[31mred'
"$RACKTOP" do create instance "$evil" flavor=m1.small image=debian-12 --wait > "$T/out" 2>&1 \
    || die "could not create the hostile instance: $(cat "$T/out")"
"$RACKTOP" do create secgroup evil-sg "description=$desc" --wait > "$T/out" 2>&1 \
    || die "could not create the hostile group: $(cat "$T/out")"
grep -q $'\e' "$T/out" && die "the command line printed an escape sequence"
"$RACKTOP" list secgroups > "$T/out"
grep -q $'\e' "$T/out" && die "list printed an escape sequence"
start 120 30
wait_for "Instances  1/"
keys /; type_text "evil"; keys Enter
wait_for "1/1 of 251"
settle
screen | grep -q $'\u202e' && die "a bidi override reached the screen"
keys 5
wait_for "Security groups  1/"
keys /; type_text "evil-sg"; keys Enter
wait_for "evil-sg"
settle
title=$("${TMUX_CMD[@]}" display-message -p '#{pane_title}')
[ "$title" != "PWNED" ] || die "the pane title was changed by a server name"
screen | grep -q "PWNED" && die "the OSC payload is shown as text"
screen -e | grep -qF $'\e[31mred' && die "the description's colour leaked"
screen | grep -q "Security groups  1/1" || die "the screen was cleared"
keys Enter
wait_for "provider           demo"
title=$("${TMUX_CMD[@]}" display-message -p '#{pane_title}')
[ "$title" != "PWNED" ] || die "describe changed the pane title"
keys q; keys q
wait_for "RACKTOP-EXITED 0"
pass
