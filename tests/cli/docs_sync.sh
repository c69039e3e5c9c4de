#!/usr/bin/env bash
# docs/CLI.md documents every key the JSON output has, for every kind.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
doc="$RT_SRC_DIR/docs/CLI.md"
for kind in instances hosts volumes snapshots secgroups images flavors keypairs servergroups regions zones events ports floatingips networks; do
    expect 0 list "$kind" -o json
    for key in $(jq -r '.[0] | keys[]' "$T/out"); do
        grep -qF "| \`$key\` |" "$doc" || die "docs/CLI.md does not document '$key' of $kind"
    done
done
pass
