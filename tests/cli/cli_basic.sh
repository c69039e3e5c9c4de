#!/usr/bin/env bash
# The command-line mode end to end on the demo fleet in an empty XDG home:
# list in every format, show, do with --wait, audit, info, read-only refusal.
set -euo pipefail
. "$(dirname "$0")/lib.bash"

# An empty home lists the built-in demo fleet: >= 200 instances, bare metal among them.
expect 0 list instances -o json
n=$(jq length "$T/out")
[ "$n" -ge 200 ] || die "only $n instances"
bm=$(jq '[.[] | select(.type == "baremetal")] | length' "$T/out")
[ "$bm" -gt 0 ] || die "no bare-metal instances"
jq -e 'all(.[]; has("provider") and has("kind") and has("id") and has("name") and has("status")
        and has("region") and has("zone") and has("host") and has("flavor") and has("image")
        and (.addresses | type == "array") and (.volumes | type == "array")
        and (.security_groups | type == "array"))' "$T/out" > /dev/null || die "instance shape"
jq -e 'all(.[]; .provider == "demo")' "$T/out" > /dev/null || die "provider column"

# Per-kind shapes.
expect 0 list volumes -o json
jq -e 'length > 0 and all(.[]; (.size_gb | type == "number") and has("attached_to")
        and (.bootable | type == "boolean"))' "$T/out" > /dev/null || die "volume shape"
expect 0 list snapshots -o json
jq -e 'length > 0 and all(.[]; has("source") and (.size_gb | type == "number")
        and has("created_at"))' "$T/out" > /dev/null || die "snapshot shape"
expect 0 list secgroups -o json
jq -e 'length > 0 and any(.[]; (.rules | length) > 0) and all(.[]; all(.rules[];
        has("direction") and has("protocol") and has("port_min") and has("port_max")
        and has("remote")))' "$T/out" > /dev/null || die "secgroup shape"
expect 0 list hosts -o json
jq -e 'any(.[]; .type == "hypervisor") and any(.[]; .type == "baremetal") and all(.[];
        has("power") and has("health") and has("cpu_pct") and has("mem_pct")
        and has("temp_c"))' "$T/out" > /dev/null || die "host shape"
for k in images flavors keypairs servergroups regions zones; do
    expect 0 list "$k" -o json
    [ "$(jq length "$T/out")" -gt 0 ] || die "no $k"
done
# Networks: per region the external pool public-REGION and the tenant "private"; every
# floating IP's pool and every port's network is one of them.
expect 0 list regions -o json
nreg=$(jq length "$T/out")
expect 0 list networks -o json
cp "$T/out" "$T/nets.json"
jq -e --argjson n "$nreg" 'length == 2 * $n
        and ([.[] | select(.external == true and (.name | startswith("public-"))
                    and .network_type == "flat")] | length) == $n
        and ([.[] | select(.external == false and .name == "private" and .mtu == 1450
                    and (.segmentation_id | type == "number"))] | length) == $n
        and all(.[]; .kind == "network" and .status == "ACTIVE" and (.subnets | length) == 1)' \
    "$T/nets.json" > /dev/null || die "networks: $(cat "$T/nets.json")"
expect 0 list floatingips -o json
jq -e --slurpfile n "$T/nets.json" 'length > 0 and all(.[]; .floating_network_id as $p
        | $n[0] | any(.[]; .id == $p and .external))' "$T/out" > /dev/null \
    || die "a floating IP's pool is not an external network"
expect 0 list ports -o json
jq -e --slurpfile n "$T/nets.json" 'length > 0 and all(.[]; .network_id as $p
        | $n[0] | any(.[]; .id == $p and (.external | not)))' "$T/out" > /dev/null \
    || die "a port's network is not a tenant network"

# Table and CSV.
expect 0 list instances
head -1 "$T/out" | grep -q '^PROVIDER  *NAME  *ID  *STATUS' || die "table header: $(head -1 "$T/out")"
[ "$(wc -l < "$T/out")" -gt 200 ] || die "table rows"
expect 0 list instances -o csv
head -1 "$T/out" | grep -q '^provider,kind,id,name,status,raw_status,type,' || die "csv header"

# Filters use the dashboard's grammar.
expect 0 list instances -o json --filter 'type:baremetal'
jq -e 'length > 0 and all(.[]; .type == "baremetal")' "$T/out" > /dev/null || die "filter"
expect 0 list instances -o json --filter '!status:ACTIVE'
jq -e 'all(.[]; .status != "ACTIVE")' "$T/out" > /dev/null || die "negated filter"
expect 2 list instances --filter 'colour:red'
err_has "colour"

# Pick an ACTIVE VM and reboot it with --wait.
expect 0 list instances -o json --filter 'status:ACTIVE type:vm'
name=$(jq -r '.[0].name' "$T/out")
id=$(jq -r '.[0].id' "$T/out")
expect 0 show instance "$name" -o json
jq -e --arg id "$id" '.id == $id and (.raw | type == "object")' "$T/out" > /dev/null || die "show json"
expect 0 show instance "$id"
out_has "raw:"

# Read-only refuses and changes nothing: exit 3, no task, no audit row.
expect 0 audit -o json
before=$(jq length "$T/out")
expect 3 --read-only do reboot instance "$name" --yes --wait
err_has "read-only"
one_line_err
expect 0 audit -o json
[ "$(jq length "$T/out")" = "$before" ] || die "read-only wrote an audit row"
expect 0 list tasks -o json
[ "$(jq length "$T/out")" = 0 ] || die "read-only journalled a task"

expect 0 do reboot instance "$name" --yes --wait
out_has "succeeded"
expect 0 show instance "$name" -o json
jq -e '.status == "ACTIVE"' "$T/out" > /dev/null || die "not ACTIVE after reboot"
expect 0 audit -o json
jq -e --arg n "$name" 'any(.[]; .action == "reboot" and .target == $n and .result == "requested")
     and any(.[]; .action == "reboot" and .target == $n and (.result | startswith("succeeded")))' \
    "$T/out" > /dev/null || die "audit lacks the reboot"
expect 0 list tasks -o json
jq -e '.[0].action == "reboot" and .[0].status == "ACTIVE" and .[0].progress == 100' "$T/out" \
    > /dev/null || die "task journal"
expect 0 audit --verify
out_has "intact"

# Destructive without --yes and no TTY: refused, exit 3.
expect 3 do delete instance "$name"
err_has "--yes"
one_line_err

# Backend-style refusal: deleting an attached volume.
expect 0 list volumes -o json
vol=$(jq -r '[.[] | select(.attached_to != null)][0].id' "$T/out")
expect 1 do delete volume "$vol" --yes --wait
err_has "in-use"

# Backend error text is data: an escape sequence in it never reaches stderr raw.
expect 0 list volumes -o json
vol=$(jq -r '[.[] | select(.attached_to == null)][0].id' "$T/out")
expect 1 do attach volume "$vol" $'instance=\e]2;PWNED\aevil' --wait
grep -q $'\e' "$T/err" && die "an escape sequence reached stderr"
err_has "evil"

# Usage errors: exit 2 with one line; unknown ids: exit 4.
expect 2 list widgets;                 err_has "unknown kind 'widgets'"; one_line_err
expect 2 list instances -o yaml;       err_has "unknown output format 'yaml'"; one_line_err
expect 2 do explode instance "$name";  err_has "unknown action 'explode'"; one_line_err
expect 2 do reboot snapshot x;         err_has "does not apply to snapshots"; one_line_err
expect 2 do resize instance "$name";   err_has "needs parameter 'flavor='"; one_line_err
expect 2 do add-rule secgroup default direction=in protocol=tcp; err_has "ingress|egress"
expect 4 show instance no-such-instance; err_has "no instance 'no-such-instance'"; one_line_err
expect 4 do reboot instance no-such-instance --yes; err_has "no instance"
expect 2 frobnicate;                   err_has "unknown command 'frobnicate'"
expect 2 --bogus list instances;       err_has "unknown option"
expect 2 --demo-size zero list instances; err_has "--demo-size"

# info names the resolved paths.
expect 0 info -o json
jq -e --arg s "$XDG_STATE_HOME/racktop/racktop.db" '.store == $s and .config_exists == false
     and (.providers | length) == 1 and .providers[0].demo == true' "$T/out" > /dev/null \
    || die "info: $(cat "$T/out")"
pass
