#!/usr/bin/env bash
# The dashboard on a libvirt provider (libvirt's test driver, two URIs as two
# hosts): the hosts and instances panes show its rows, a stop from the
# keyboard runs as a task to SHUTOFF, a drill-down from a host lists its VMs.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
node="$(cd "$(dirname "$0")/../fixtures/libvirt" && pwd)/node.xml"
mkdir -p "$XDG_CONFIG_HOME/racktop"
cat > "$XDG_CONFIG_HOME/racktop/config.yaml" <<YAML
providers:
  - name: kvm
    type: libvirt
    uris: [test:///default, "test://$node"]
YAML
if "$RACKTOP" list hosts 2>&1 | grep -q "not available in this build"; then
    echo "libvirt provider not built: skipped"
    exit 77
fi
start 120 30
wait_for "kvm connected"
keys 2
wait_for "Hosts  1/2"
screen | grep -q "hypervisor" || die "hosts pane lacks the libvirt hosts"
keys 1
wait_for "Instances  1/"
keys /; type_text "status:ACTIVE"; keys Enter
wait_for "filter: status:ACTIVE"
name=$(screen | sed -n 4p | awk '{print $1}')
[ -n "$name" ] || die "no running domain"
keys x
wait_for "stop instance '$name'"
keys y
wait_for "stop $name: succeeded" 30
keys Escape
keys /; type_text "$name"; keys Enter
wait_for "SHUTOFF"
keys h
wait_for "Host of $name"
keys i
wait_for "Instances on "
screen | grep -q "$name" || die "the host's instances do not include $name"
keys q
wait_for "RACKTOP-EXITED 0"
pass
