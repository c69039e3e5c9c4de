#!/usr/bin/env bash
# Configuration through the command line: errors name file, line and key;
# several providers make one fleet; per-provider read-only; secrets refused.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
cfg="$XDG_CONFIG_HOME/racktop/config.yaml"
mkdir -p "$(dirname "$cfg")"

# Unknown top-level key, with a suggestion.
printf 'theme: default\nrefrsh: {inventory: 30s}\n' > "$cfg"
expect 2 list instances
err_has "$cfg:2: unknown key 'refrsh' (did you mean 'refresh'?)"
one_line_err

# Bad duration.
printf 'timeout: soon\n' > "$cfg"
expect 2 list instances
err_has "$cfg:1:"
err_has "'timeout'"

# Unknown provider type.
printf 'providers:\n  - name: prod\n    type: openstak\n' > "$cfg"
expect 2 list instances
err_has "$cfg:3:"
err_has "openstak"

# YAML syntax error.
printf 'providers: [\n  - name: x\n' > "$cfg"
expect 2 info
err_has "$cfg:"

# A readable config with a password is refused.
printf 'providers:\n  - name: rack\n    type: demo\n    password: hunter2\n' > "$cfg"
chmod 644 "$cfg"
expect 2 list instances
err_has "chmod 600"

# An explicit --config that does not exist.
expect 2 --config "$T/nope.yaml" list instances
err_has "$T/nope.yaml"

# Two providers: the fleet is their union, each row says where it came from.
printf 'providers:\n  - name: lab\n    type: demo\n  - name: lab2\n    type: demo\n    read_only: true\n' > "$cfg"
chmod 600 "$cfg"
expect 0 list instances -o json
jq -e '(map(select(.provider == "lab")) | length) >= 200 and
       (map(select(.provider == "lab2")) | length) >= 200' "$T/out" > /dev/null || die "union"
name=$(jq -r '[.[] | select(.provider == "lab2" and .status == "ACTIVE" and .type == "vm")][0].name' "$T/out")
# The name exists in both providers: ambiguous without --provider.
expect 2 do reboot instance "$name" --yes
err_has "--provider"
# lab2 is read-only in the config: refused there, allowed in lab.
expect 3 do reboot instance "$name" --provider lab2 --yes
err_has "read-only"
expect 0 do reboot instance "$name" --provider lab --yes --wait
expect 4 list instances --provider nope
err_has "no provider 'nope'"

# A provider type this build does not have: reported, the others still listed, exit 1.
printf 'providers:\n  - name: lab\n    type: demo\n  - name: prod\n    type: openstack\n    cloud: prod\n' > "$cfg"
expect 1 list instances -o json
err_has "prod"
jq -e 'length >= 200' "$T/out" > /dev/null || die "demo rows missing when another provider fails"
# A provider that fails keeps its cached rows (from the two-demo run above), marked stale;
# the rows that were refreshed are not (the cache is read after the refresh, only where
# it did not deliver).
printf 'providers:\n  - name: lab\n    type: demo\n  - name: lab2\n    type: openstack\n    cloud: prod\n' > "$cfg"
expect 1 list instances -o json
err_has "showing cached data"
jq -e '(map(select(.provider == "lab2")) | length) >= 200 and
       (map(select(.provider == "lab")) | length) >= 200 and
       all(.[]; .stale == (.provider == "lab2"))' "$T/out" > /dev/null \
    || die "cached rows of a failing provider: $(jq -c '[group_by(.provider)[] | {p: .[0].provider, n: length, stale: (map(.stale) | unique)}]' "$T/out")"

# Config-level read_only.
printf 'read_only: true\n' > "$cfg"
expect 0 list instances -o json
name=$(jq -r '[.[] | select(.status == "ACTIVE")][0].name' "$T/out")
expect 3 do reboot instance "$name" --yes
pass
