#!/usr/bin/env bash
# The libvirt provider end to end through the command line, against libvirt's
# test driver: one provider entry with two URIs (test:///default and the node
# file tests/fixtures/libvirt/node.xml) is two hosts; a third URI that cannot
# be opened must not delay or break the others.  The test driver keeps its
# state per process, so every `do` is checked by its own result and by the
# rows the same run refreshes, not by a later `list`.
# In a build without libvirt, checks the "not available in this build" message.
set -euo pipefail
. "$RT_SRC_DIR/tests/cli/lib.bash"
node="$RT_SRC_DIR/tests/fixtures/libvirt/node.xml"
cfg="$XDG_CONFIG_HOME/racktop/config.yaml"
mkdir -p "$(dirname "$cfg")"
cat > "$cfg" <<YAML
timeout: 10s
providers:
  - name: kvm
    type: libvirt
    uris:
      - test:///default
      - test://$node
      - {uri: "test:///nonexistent/racktop/missing.xml", name: gone}
    flavors:
      - {name: c2.small, vcpus: 2, ram_mb: 3072, disk_gb: 10}
YAML

got=0
"$RACKTOP" list hosts -o json > "$T/out" 2> "$T/err" || got=$?
if grep -q "not available in this build" "$T/err"; then
    [ "$got" = 1 ] || die "list with an unbuilt provider exited $got"
    err_has "provider type 'libvirt' is not available in this build of racktop"
    echo "libvirt not built: checked the message"
    pass
fi

# The provider is a module (racktop-libvirt.so) loaded on demand: a racktop that finds
# none, or a broken one, says why and exits 1 (the other providers would still list).
# Sanitizer builds link the provider in and build no module.
if [ -e "$(dirname "$RACKTOP")/racktop-libvirt.so" ] && [ ! -e /usr/local/lib/racktop/racktop-libvirt.so ]; then
    mkdir -p "$T/bare"
    cp "$RACKTOP" "$T/bare/racktop"
    got=0
    "$T/bare/racktop" list hosts -o json > "$T/out" 2> "$T/err" || got=$?
    [ "$got" = 1 ] || die "list without the libvirt module exited $got"
    err_has "provider type 'libvirt' could not be loaded: racktop-libvirt.so is not installed"
    echo "not an ELF object" > "$T/bare/racktop-libvirt.so"
    got=0
    "$T/bare/racktop" list hosts -o json > "$T/out" 2> "$T/err" || got=$?
    [ "$got" = 1 ] || die "list with a broken libvirt module exited $got"
    err_has "provider type 'libvirt' could not be loaded: $T/bare/racktop-libvirt.so"
fi

# Hosts: both URIs, with health; the broken one is an ERROR row with its reason.
start=$(date +%s)
expect 0 list hosts -o json
[ $(( $(date +%s) - start )) -lt 8 ] || die "a broken URI delayed the listing"
jq -e 'length == 3' "$T/out" > /dev/null || die "want 3 hosts: $(cat "$T/out")"
jq -e '.[] | select(.id == "node") | .status == "ACTIVE" and .type == "hypervisor"
        and .vcpus == 16 and .mem_mb == 32768 and .instances == 3 and (.mem_pct | type == "number")
        and .health == "OK"' "$T/out" > /dev/null || die "node host row"
jq -e '.[] | select(.id == "default") | .status == "ACTIVE"' "$T/out" > /dev/null ||
    die "default host row"
jq -e '.[] | select(.id == "gone") | .status == "ERROR" and .health == "Critical"
        and (.last_error | test("missing.xml"))' "$T/out" > /dev/null || die "gone host row"

# Instances of both hosts, ids unique across URIs.
expect 0 list instances -o json
jq -e 'length == 4 and ([.[].id] | unique | length) == 4' "$T/out" > /dev/null ||
    die "instances: $(jq -c '[.[].id]' "$T/out")"
jq -e '.[] | select(.name == "web-1") | .host == "node" and .status == "ACTIVE"
        and .flavor == "m1.small" and .vcpus == 1 and .ram_mb == 2048
        and (.volumes | index("node//var/lib/libvirt/images/web-1.qcow2") != null)
        and (.addresses | length) > 0' "$T/out" > /dev/null || die "web-1 row"
jq -e '.[] | select(.name == "batch-1") | .status == "PAUSED"' "$T/out" > /dev/null || die batch-1
jq -e '.[] | select(.name == "test") | .host == "default"' "$T/out" > /dev/null || die "test dom"
expect 0 list instances --filter 'host:node status:SHUTOFF' -o json
jq -e 'length == 1 and .[0].name == "db-1"' "$T/out" > /dev/null || die "filter by host"
expect 0 show instance web-1 -o json
jq -e '.raw.libvirt == "domain" and (.raw.xml | test("<domain")) and .raw.persistent == true' \
    "$T/out" > /dev/null || die "raw domain XML"

expect 0 list volumes -o json
jq -e '.[] | select(.name == "db-1-data.qcow2") | .attached_to ==
        "node/22222222-2222-4222-8222-222222222222" and .device == "vdb" and .size_gb == 100' \
    "$T/out" > /dev/null || die "volume attachment"
expect 0 list images -o json
jq -e 'length == 1 and (.[0] | .name == "debian-12.qcow2" and .disk_format == "qcow2")' "$T/out" \
    > /dev/null || die "images"
expect 0 list flavors -o json
jq -e 'length == 6 and any(.[]; .name == "c2.small" and .vcpus == 2)' "$T/out" > /dev/null ||
    die "flavors"

# Actions: lifecycle.
expect 0 do stop instance web-1 --wait
out_has "succeeded: stop instance 'web-1': shut off"
expect 0 do suspend instance web-1 --wait
out_has "paused"
expect 0 do resume instance batch-1 --wait
out_has "resumed"
expect 1 do resume instance db-1 --wait
err_has "not paused"
expect 3 do force-off instance web-1
err_has "destructive"
expect 0 do force-off instance web-1 --yes --wait
out_has "powered off (forced)"
expect 0 do resize instance web-1 flavor=c2.small --wait
out_has "resized to c2.small"
expect 1 do resize instance web-1 flavor=huge --wait
err_has "no flavor 'huge'"

# Create from an image (qcow2 overlay on the image), snapshot, revert.
expect 0 do create instance app-1 flavor=m1.tiny image=debian-12.qcow2 --wait
out_has "backed by /var/lib/libvirt/base/debian-12.qcow2"
expect 0 do snapshot instance db-1 name=s1 --wait
out_has "internal snapshot s1 of db-1 taken"
expect 0 list snapshots -o json
jq -e 'length == 0' "$T/out" > /dev/null || die "test driver state should not outlive a process"

# Clone needs a shut-off VM; db-1 is.
expect 0 do clone instance db-1 name=db-2 --wait
out_has "cloned to db-2 on node (2 disks copied)"
expect 1 do clone instance web-1 name=web-2 --wait
err_has "shut off"

# Migration between the two hosts: cold works on shut-off VMs; live needs a real hypervisor.
expect 0 do migrate instance db-1 host=default --wait
out_has "cold-migrated to default"
expect 1 do live-migrate instance web-1 host=default --wait
err_has "not supported"
expect 1 do migrate instance db-1 host=nowhere --wait
err_has "no libvirt host 'nowhere'"

# Delete with and without storage.
expect 0 do delete instance db-1 --yes --wait
out_has "its disks were kept"
expect 0 do delete instance db-1 storage=true --yes --wait
out_has "with its disks"

# Volumes.
expect 0 do create volume scratch size_gb=2 zone=node --wait
out_has "volume scratch.qcow2 created in pool default on node"
expect 0 do delete volume spare.qcow2 --yes --wait
out_has "deleted"
expect 1 do extend volume spare.qcow2 size_gb=9 --wait
err_has "not supported"

# nwfilters: the test driver has none, so security groups are not offered.
expect 1 do create secgroup web --wait
err_has "secgroups"

# Read-only refuses.
expect 3 --read-only do stop instance web-1 --wait
err_has "read-only"

# A malformed entry is refused with file:line: tests/unit/core/test_libvirt.c (test_bad_config).
pass
