#!/usr/bin/env bash
# --demo-size scales the demo fleet; 100 000 instances list as JSON.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
expect 0 --demo-size 10000 list instances -o json
[ "$(jq length "$T/out")" = 10000 ] || die "10000: got $(jq length "$T/out")"
# The JSON and the CSV of a big listing hold the same rows in the same order.
jq -r '.[] | [.provider, .kind, .id, .name, .status] | @csv' "$T/out" | tr -d '"' > "$T/json_rows"
expect 0 --demo-size 10000 list instances -o csv
tail -n +2 "$T/out" | cut -d, -f1-5 > "$T/csv_rows"
head -1 "$T/out" | grep -q '^provider,kind,id,name,status,' || die "csv columns: $(head -1 "$T/out")"
cmp -s "$T/json_rows" "$T/csv_rows" || die "JSON rows differ from CSV rows: $(diff "$T/json_rows" "$T/csv_rows" | head -5)"
expect 0 --demo-size 100000 list instances -o json
[ "$(jq length "$T/out")" = 100000 ] || die "100000: got $(jq length "$T/out")"
# A seed makes the fleet deterministic.
expect 0 --demo-seed 7 list instances -o json
jq -S '[.[] | {id, name, type, zone, flavor}]' "$T/out" > "$T/a"
rm -rf "$XDG_STATE_HOME"
expect 0 --demo-seed 7 list instances -o json
jq -S '[.[] | {id, name, type, zone, flavor}]' "$T/out" > "$T/b"
cmp -s "$T/a" "$T/b" || die "same seed, different fleet"
pass
