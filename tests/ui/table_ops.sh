#!/usr/bin/env bash
# Filter (substring, negation, column), sort and reverse, marks, describe and
# raw JSON, drill-down and back.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
start 120 40
wait_for "Instances  1/250"
keys /; type_text "type:baremetal"; keys Enter
wait_for "filter: type:baremetal"
rows=$(screen | sed -n '4,36p' | grep -cE '^  [a-z]' || true)
[ "$rows" -gt 5 ] || die "filter shows $rows rows"
screen | sed -n '4,36p' | grep -E '^  [a-z]' | grep -v baremetal && die "filter let a vm through"
keys Escape
wait_gone "filter: type:baremetal"
keys /; type_text "!status:ACTIVE"; keys Enter
wait_for "filter: !status:ACTIVE"
screen | sed -n '4,36p' | grep -F "ACTIVE" | grep -vF "!status" && die "negated filter shows ACTIVE rows"
keys Escape
wait_gone "filter: !status"
keys /; type_text "colour:red"; keys Enter
wait_for "unknown column"
keys Escape; keys Escape
# Sort: the first column (NAME) ascending, then reversed.
keys '>'
settle
first=$(screen | sed -n 4p | awk '{print $1}')
keys I
settle
last=$(screen | sed -n 4p | awk '{print $1}')
[[ "$first" < "$last" ]] || die "sort: '$first' then reversed '$last'"
# Marks.
keys Space Space Space
wait_for "[3 marked]"
keys Escape
wait_gone "marked]"
# Describe and raw JSON.
keys g Enter
wait_for "provider           demo"
screen | grep -q "^id " || die "describe lacks the id"
keys y
wait_for '"OS-EXT-AZ:availability_zone"'
keys /; type_text "flavor"; keys Enter
keys y
wait_for "provider           demo"
keys q
wait_gone "provider           demo"
# Drill-down: instance -> host -> its instances, then back.
keys /; type_text "status:ACTIVE type:vm"; keys Enter
keys h
wait_for "Host of "
keys i
wait_for "Instances on "
keys Escape Escape
wait_for "filter: status:ACTIVE type:vm"   # back where we were, filter kept
keys Escape
wait_gone "filter: status:ACTIVE"
keys q
wait_for "RACKTOP-EXITED 0"
pass
