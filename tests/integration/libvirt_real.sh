#!/usr/bin/env bash
# The libvirt provider against a real libvirtd with QEMU software emulation
# (no KVM needed): the fixture starts its own libvirtd (private socket
# directory) and virtlogd, a dir pool, and a tiny guest booted directly from
# the installed Debian cloud kernel with a busybox initramfs built here.
# Covers what the test driver lacks: real boot and forced power-off, qcow2
# backing-file creation, internal snapshots and revert, nwfilters as security
# groups (create, add-rule, attach), domain stats as host health.
# Skips (77) with the reason when root, libvirtd, qemu or the kernel is missing.
set -euo pipefail
. "$RT_SRC_DIR/tests/cli/lib.bash"
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root to run a private libvirtd"
for b in libvirtd virtlogd qemu-system-x86_64 qemu-img busybox cpio virsh; do
    command -v "$b" > /dev/null || skip "$b is not installed (.ci/deps.sh --test installs it)"
done
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | head -n 1)
[ -n "$kernel" ] || skip "no kernel in /boot (linux-image-cloud-amd64)"
"$RACKTOP" list hosts --config /dev/null > /dev/null 2>&1 || true
R="$T/rlv"; U="qemu:///system?socket=$R/run/libvirt-sock"; mkdir -p "$R/run" "$R/pool" "$R/ir/bin" "$R/ir/proc"
chmod 755 "$T" "$R" "$R/pool"   # QEMU runs as libvirt-qemu and must reach the disks
cat > "$R/libvirtd.conf" <<CONF
unix_sock_dir = "$R/run"
unix_sock_rw_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
CONF
pids=()
cleanup() {
    if [ -S "$R/run/libvirt-sock" ]; then
        for d in $(virsh -q -c "$U" list --all --name 2>/dev/null | grep -E -- "-$$\$" || true); do
            virsh -q -c "$U" destroy "$d" > /dev/null 2>&1 || true
            virsh -q -c "$U" undefine "$d" --snapshots-metadata > /dev/null 2>&1 || true
        done
        virsh -q -c "$U" nwfilter-undefine "web-$$" > /dev/null 2>&1 || true
        virsh -q -c "$U" pool-destroy "rt$$" > /dev/null 2>&1 || true
    fi
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$T"
}
trap cleanup EXIT
if [ ! -S /run/libvirt/virtlogd-sock ]; then virtlogd > "$R/virtlogd.log" 2>&1 & pids+=($!); fi
libvirtd --config "$R/libvirtd.conf" > "$R/libvirtd.log" 2>&1 & pids+=($!)
for _ in $(seq 50); do [ -S "$R/run/libvirt-sock" ] && break; sleep 0.1; done
[ -S "$R/run/libvirt-sock" ] || skip "libvirtd did not start: $(tail -n 3 "$R/libvirtd.log")"
V() { virsh -q -c "$U" "$@"; }
sleep 1
cp "$(command -v busybox)" "$R/ir/bin/"
for a in sh mount sleep; do ln -sf busybox "$R/ir/bin/$a"; done
printf '#!/bin/sh\nmount -t proc proc /proc\necho RACKTOP-GUEST-UP\nwhile true; do sleep 1; done\n' > "$R/ir/init"
chmod +x "$R/ir/init"
(cd "$R/ir" && find . | cpio -o -H newc 2> /dev/null | gzip > "$R/initrd.gz")
pool="rt$$"
V pool-create-as "$pool" dir --target "$R/pool" > /dev/null || skip "cannot create a dir pool"
qemu-img create -q -f qcow2 "$R/pool/base.qcow2" 64M
V pool-refresh "$pool" > /dev/null
V vol-create-as "$pool" tiny-1.qcow2 64M --format qcow2 --backing-vol "$R/pool/base.qcow2" \
    --backing-vol-format qcow2 > /dev/null
cat > "$R/dom.xml" <<XML
<domain type='qemu'><name>tiny-$$</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type><kernel>$kernel</kernel><initrd>$R/initrd.gz</initrd>
<cmdline>console=ttyS0 quiet</cmdline></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='$R/pool/tiny-1.qcow2'/><target dev='vda' bus='virtio'/></disk>
<serial type='pty'/><console type='pty'/></devices></domain>
XML
V define "$R/dom.xml" > /dev/null
V start "tiny-$$" > /dev/null 2>&1 || skip "QEMU cannot start a guest here: $(V start "tiny-$$" 2>&1 | tail -n 1)"
cfg="$R/config.yaml"
cat > "$cfg" <<YAML
timeout: 30s
providers:
  - name: real
    type: libvirt
    image_pool: $pool
    uris: [{uri: "$U", name: kvm1}]
YAML
rt() { expect "$1" --config "$cfg" "${@:2}"; }
vm="tiny-$$"
rt 0 list hosts -o json
jq -e '.[0].status == "ACTIVE" and .[0].instances >= 1 and (.[0].mem_pct | type == "number")' \
    "$T/out" > /dev/null || die "host: $(cat "$T/out")"
rt 0 list instances -o json
jq -e --arg n "$vm" '.[] | select(.name == $n) | .status == "ACTIVE" and .power_state == "running"
    and .ram_mb == 128' "$T/out" > /dev/null || die "instance: $(cat "$T/out")"
# Internal snapshot of the running guest (memory included), then revert.
rt 0 do snapshot instance "$vm" name=snap$$ --wait
out_has "internal snapshot snap$$"
rt 0 do force-off instance "$vm" --yes --wait
[ "$(V domstate "$vm")" = "shut off" ] || die "not shut off"
rt 0 do restore snapshot snap$$ --yes --wait
[ "$(V domstate "$vm")" = "running" ] || die "revert did not bring back the running state"
# A new VM from an image: qcow2 overlay with the image as backing file.
rt 0 do create instance new-$$ flavor=m1.tiny image=base.qcow2 --wait
disk=$(sed -n 's/.*(disk \(.*\) backed by .*/\1/p' "$T/out")
[ -n "$disk" ] || die "no disk in: $(cat "$T/out")"
qemu-img info -U "$disk" | grep -q "backing file: $R/pool/base.qcow2" || die "no backing file"
rt 0 do force-off instance "new-$$" --yes --wait
rt 0 do clone instance "new-$$" name=clone-$$ --wait
out_has "1 disk copied"
rt 0 do delete instance "clone-$$" storage=true --yes --wait
[ ! -e "$R/pool/clone-$$.qcow2" ] || die "clone disk left behind"
# nwfilters are security groups.
rt 0 do create secgroup web-$$ --wait
rt 0 do add-rule secgroup "web-$$" direction=ingress protocol=tcp port=443 remote=10.0.0.0/8 --wait
V nwfilter-dumpxml "web-$$" | grep -q "dstportstart='443'" || die "rule not in the nwfilter"
rt 0 list secgroups -o json
jq -e --arg n "web-$$" '.[] | select(.name == $n) | .rules[0] | .direction == "ingress"
    and .protocol == "tcp" and .port_min == 443 and .remote == "10.0.0.0/8"' "$T/out" > /dev/null ||
    die "rule row"
rt 0 do delete instance "new-$$" storage=true --yes --wait
V destroy "$vm" > /dev/null 2>&1 || true
V snapshot-delete "$vm" snap$$ > /dev/null 2>&1 || true
V undefine "$vm" > /dev/null 2>&1 || true
V nwfilter-undefine "web-$$" > /dev/null 2>&1 || true
V pool-destroy "$pool" > /dev/null 2>&1 || true
pass
