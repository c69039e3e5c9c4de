#!/usr/bin/env bash
# The libvirt provider against real libvirt daemons with QEMU software
# emulation (no KVM needed).  The fixture starts two "hosts" on this machine:
# each is a libvirtd + virtlogd in a private mount namespace (unshare -m) with
# tmpdirs bound over /run/libvirt, /var/lib/libvirt, /etc/libvirt,
# /var/log/libvirt and /var/cache/libvirt, its own host_uuid and its own
# socket directory.  The qemu driver of libvirt 9.0 has no option to move its
# state dirs (qemu.conf has none, and a privileged daemon ignores XDG_*), so
# a mount namespace is what makes the second daemon independent.  Guests boot
# the installed Debian cloud kernel with a busybox initramfs built here.
# Covers what the test driver lacks: real boot and forced power-off, qcow2
# backing-file creation, internal snapshots and revert, volume extend and
# live attach/detach, nwfilters as security groups (create, add-rule, attach
# to and detach from a live NIC, remove-rule), domain stats as host health,
# live migration between the two daemons with progress from job info, and
# cold migration back.
# Skips (77) with the reason when root, a tool, namespaces, qemu or the
# kernel is missing.  Every daemon, guest and mount is gone on exit: guests
# are destroyed through their daemon, their qemu killed by pid file as a
# fallback, and the mounts die with the namespaces when the daemons exit.
set -euo pipefail
. "$RT_SRC_DIR/tests/cli/lib.bash"
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root to run private libvirt daemons"
for b in libvirtd virtlogd qemu-system-x86_64 qemu-img busybox cpio virsh unshare script; do
    command -v "$b" > /dev/null || skip "$b is not installed (.ci/deps.sh --test installs it)"
done
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | head -n 1)
[ -n "$kernel" ] || skip "no kernel in /boot (linux-image-cloud-amd64)"
for d in /run/libvirt /var/lib/libvirt /etc/libvirt /var/log/libvirt /var/cache/libvirt; do
    [ -d "$d" ] || skip "$d is missing (libvirt-daemon-system is not installed)"
done
unshare -m --propagation private true 2>/dev/null || skip "cannot create a mount namespace here"
# The destination QEMU listens on this address; libvirt refuses loopback as migration_host.
mig_ip=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+\.' | grep -v '^127\.' | head -n 1 || true)
# ... and must take a connection from this machine (a firewall may drop it: QEMU would then
# wait for the TCP connect instead of migrating).
if [ -n "$mig_ip" ] && ! timeout 10 python3 - "$mig_ip" <<'PY' 2> /dev/null
import socket, sys
s = socket.socket()
s.bind((sys.argv[1], 0))
s.listen(1)
socket.create_connection(s.getsockname(), timeout=3).close()
PY
then
    echo "NOTE: $mig_ip takes no connection from this machine"
    mig_ip=""
fi
"$RACKTOP" list hosts --config /dev/null > /dev/null 2>&1 || true
R="$T/rlv"; mkdir -p "$R/pool" "$R/data" "$R/ir/bin" "$R/ir/proc"
chmod 755 "$T" "$R" "$R/pool" "$R/data"   # QEMU runs as libvirt-qemu and must reach the disks
U="qemu:///system?socket=$R/kvm1/sock/libvirt-sock"
U2="qemu:///system?socket=$R/kvm2/sock/libvirt-sock"
# start_daemon NAME UUID PORT: libvirtd + virtlogd of one host in a private mount namespace.
start_daemon() {
    local d="$R/$1"
    mkdir -p "$d/sock" "$d/run" "$d/lib" "$d/log" "$d/cache" "$d/etc/qemu" "$d/etc/nwfilter"
    cp /etc/libvirt/qemu.conf "$d/etc/"
    cp -a /var/cache/libvirt/. "$d/cache/" 2>/dev/null || true   # qemu capabilities: faster start
    if [ -n "$mig_ip" ]; then
        printf 'migration_host = "%s"\nmigration_port_min = %d\nmigration_port_max = %d\n' \
            "$mig_ip" "$3" $(($3 + 15)) >> "$d/etc/qemu.conf"
    fi
    printf 'unix_sock_dir = "%s"\nunix_sock_rw_perms = "0700"\nauth_unix_rw = "none"\n' "$d/sock" \
        > "$d/libvirtd.conf"
    printf 'auth_unix_ro = "none"\nhost_uuid = "%s"\n' "$2" >> "$d/libvirtd.conf"
    D="$d" unshare -m --propagation private bash -c '
        for m in run:/run/libvirt lib:/var/lib/libvirt log:/var/log/libvirt \
                 cache:/var/cache/libvirt etc:/etc/libvirt; do
            mount --bind "$D/${m%%:*}" "${m#*:}" || exit 1
        done
        virtlogd -p "$D/virtlogd.pid" > "$D/virtlogd.log" 2>&1 & echo $! > "$D/virtlogd.bgpid"
        exec libvirtd --config "$D/libvirtd.conf" -p "$D/libvirtd.pid"' > "$d/libvirtd.log" 2>&1 &
    echo $! > "$d/main.pid"
}
stop_daemon() {
    local d="$R/$1" u="qemu:///system?socket=$R/$1/sock/libvirt-sock" p
    [ -d "$d" ] || return 0
    if [ -S "$d/sock/libvirt-sock" ]; then
        for n in $(virsh -q -c "$u" list --all --name 2>/dev/null || true); do
            virsh -q -c "$u" destroy "$n" > /dev/null 2>&1 || true
            virsh -q -c "$u" undefine "$n" --snapshots-metadata > /dev/null 2>&1 || true
        done
    fi
    for p in "$d"/run/qemu/*.pid; do   # guests the daemon could not destroy
        [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true
    done
    for p in main.pid virtlogd.bgpid; do
        [ -f "$d/$p" ] && kill "$(cat "$d/$p")" 2>/dev/null || true
    done
}
# Should the test ever hang: its commands are traced to a file, and a watchdog prints the
# trace's tail and the processes left before ctest's 600 s timeout kills the test silently.
exec {trace_fd}> "$T/trace"
BASH_XTRACEFD=$trace_fd
PS4='+ ${SECONDS}s '
set -x
(sleep 540 < /dev/null > /dev/null 2>&1
 echo "WATCHDOG: still running after 540 s; the last commands:"
 tail -n 20 "$T/trace"
 ps -eo pid,etimes,args --forest | grep -E 'racktop|virsh|qemu|script' | grep -v grep | cut -c 1-160) &
watchdog=$!
cleanup() {
    pkill -P "$watchdog" sleep 2> /dev/null || true
    kill "$watchdog" 2> /dev/null || true
    stop_daemon kvm1
    stop_daemon kvm2
    sleep 0.3
    rm -rf "$T"
}
trap cleanup EXIT
start_daemon kvm1 "5a0c3e1e-7f4b-4c8e-9d1a-$(printf '%012d' $$)" 49300
start_daemon kvm2 "5a0c3e1e-7f4b-4c8e-9d1b-$(printf '%012d' $$)" 49320
for _ in $(seq 100); do
    [ -S "$R/kvm1/sock/libvirt-sock" ] && [ -S "$R/kvm2/sock/libvirt-sock" ] && break
    sleep 0.1
done
for h in kvm1 kvm2; do
    [ -S "$R/$h/sock/libvirt-sock" ] ||
        skip "libvirtd of $h did not start: $(grep -v ': info :' "$R/$h/libvirtd.log" | tail -n 2)"
done
V() { virsh -q -c "$U" "$@"; }
V2() { virsh -q -c "$U2" "$@"; }
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
<cmdline>console=ttyS0 quiet</cmdline></os><features><acpi/></features>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='$R/pool/tiny-1.qcow2'/><target dev='vda' bus='virtio'/></disk>
<interface type='ethernet'><model type='virtio'/></interface>
<serial type='file'><source path='$R/tiny.console'/></serial></devices></domain>
XML
# The guest that migrates: no disk, so no storage has to be shared or copied.
cat > "$R/mig.xml" <<XML
<domain type='qemu'><name>mig-$$</name><memory unit='MiB'>96</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type><kernel>$kernel</kernel><initrd>$R/initrd.gz</initrd>
<cmdline>console=ttyS0 quiet</cmdline></os>
<devices><serial type='pty'/><console type='pty'/></devices></domain>
XML
V define "$R/dom.xml" > /dev/null
V define "$R/mig.xml" > /dev/null
# No ACPI, so its PCI bus cannot hot-plug: attach falls back to the definition.
sed -e "s/mig-$$/nohp-$$/" -e 's/>96</>32</' "$R/mig.xml" > "$R/nohp.xml"
V define "$R/nohp.xml" > /dev/null
V start "tiny-$$" > /dev/null 2>&1 || skip "QEMU cannot start a guest here: $(V start "tiny-$$" 2>&1 | tail -n 1)"
V start "mig-$$" > /dev/null
V start --paused "nohp-$$" > /dev/null
V pool-create-as "data$$" dir --target "$R/data" > /dev/null
cfg="$R/config.yaml"
cat > "$cfg" <<YAML
timeout: 30s
providers:
  - name: real
    type: libvirt
    image_pool: $pool
    uris: [{uri: "$U", name: kvm1}, {uri: "$U2", name: kvm2}]
YAML
rt() { expect "$1" --config "$cfg" "${@:2}"; }
vm="tiny-$$"
rt 0 list hosts -o json
jq -e '.[0].status == "ACTIVE" and .[0].instances >= 2 and (.[0].mem_pct | type == "number")
    and .[1].status == "ACTIVE" and .[1].name == "kvm2"' "$T/out" > /dev/null ||
    die "hosts: $(cat "$T/out")"
rt 0 list instances -o json
jq -e --arg n "$vm" '.[] | select(.name == $n) | .status == "ACTIVE" and .power_state == "running"
    and .ram_mb == 128' "$T/out" > /dev/null || die "instance: $(cat "$T/out")"
# The guest must have booted (it acknowledges the hot-unplug below), so wait for it.
for _ in $(seq 300); do grep -qs RACKTOP-GUEST-UP "$R/tiny.console" && break; sleep 0.1; done
grep -qs RACKTOP-GUEST-UP "$R/tiny.console" || die "the guest did not boot in 30 s"
# Internal snapshot of the running guest (memory included), then revert.
rt 0 do snapshot instance "$vm" name=snap$$ --wait
out_has "internal snapshot snap$$"
rt 0 do force-off instance "$vm" --yes --wait
[ "$(V domstate "$vm")" = "shut off" ] || die "not shut off"
rt 0 do restore snapshot snap$$ --yes --wait
[ "$(V domstate "$vm")" = "running" ] || die "revert did not bring back the running state"
# Volumes: create in the data pool, extend, attach live (and to the definition), detach.
rt 0 do create volume data-$$ size_gb=1 --wait
out_has "volume data-$$.qcow2 created in pool data$$ on kvm1"
rt 0 do extend volume data-$$.qcow2 size_gb=2 --wait
[ "$(V vol-info --bytes "$R/data/data-$$.qcow2" | awk '/^Capacity/ {print $2}')" = 2147483648 ] ||
    die "extend: $(V vol-info "$R/data/data-$$.qcow2")"
qemu-img info -U "$R/data/data-$$.qcow2" | grep -q 'virtual size: 2 GiB' || die "image not grown"
rt 1 do extend volume data-$$.qcow2 size_gb=1 --wait
err_has "size_gb must be larger than the current 2 GiB"
rt 0 do attach volume data-$$.qcow2 instance="$vm" --wait
out_has "attached to $vm as vdb (live)"
V domblklist "$vm" | grep -q "vdb .*data-$$.qcow2" || die "not attached live: $(V domblklist "$vm")"
V domblklist "$vm" --inactive | grep -q "vdb .*data-$$.qcow2" || die "not in the definition"
rt 0 list volumes -o json
jq -e --arg n "data-$$.qcow2" '.[] | select(.name == $n) | .size_gb == 2 and .raw_status == "in-use"
    and .device == "vdb" and (.attached_to | startswith("kvm1/"))' "$T/out" > /dev/null ||
    die "volume row: $(cat "$T/out")"
rt 0 do detach volume data-$$.qcow2 --wait
out_has "detached from $vm as vdb (live)"
for _ in $(seq 50); do   # the guest acknowledges the unplug asynchronously
    V domblklist "$vm" | grep -q "data-$$" || break
    sleep 0.1
done
V domblklist "$vm" | grep -q "data-$$" && die "still attached live: $(V domblklist "$vm")"
V domblklist "$vm" --inactive | grep -q "data-$$" && die "still in the definition"
# Hot-plug refused: the definition changes, the message says the running guest did not.
rt 0 do attach volume data-$$.qcow2 instance="nohp-$$" --wait
out_has "added to the definition of nohp-$$ as vdb, not live: live attach"
V domblklist "nohp-$$" | grep -q "data-$$" && die "attached live to a guest without hotplug"
V domblklist "nohp-$$" --inactive | grep -q "vdb .*data-$$.qcow2" || die "not in the definition"
rt 0 do detach volume data-$$.qcow2 --wait
out_has "removed from the definition of nohp-$$ as vdb, not live"
V domblklist "nohp-$$" --inactive | grep -q "data-$$" && die "still in nohp's definition"
rt 0 do delete volume data-$$.qcow2 --yes --wait
[ ! -e "$R/data/data-$$.qcow2" ] || die "volume file left behind"
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
# Attach the group to the running guest's NIC (live and in the definition), then detach.
rt 0 do attach secgroup "web-$$" instance="$vm" --wait
out_has "nwfilter web-$$ attached to 1 interface of $vm"
V dumpxml "$vm" | grep -q "<filterref filter='web-$$'" || die "no filterref live"
V dumpxml --inactive "$vm" | grep -q "<filterref filter='web-$$'" || die "no filterref in the definition"
V nwfilter-binding-list | grep -q "web-$$" || die "no nwfilter binding: $(V nwfilter-binding-list)"
rt 1 do delete secgroup "web-$$" --yes --wait   # libvirt refuses: the filter is in use
rt 0 do detach secgroup "web-$$" instance="$vm" --wait
out_has "nwfilter web-$$ detached from 1 interface of $vm"
V dumpxml "$vm" | grep -q "filterref" && die "filterref left live"
V dumpxml --inactive "$vm" | grep -q "filterref" && die "filterref left in the definition"
rt 1 do detach secgroup "web-$$" instance="$vm" --wait
err_has "does not use nwfilter web-$$"
rt 0 do add-rule secgroup "web-$$" direction=egress protocol=udp port=53 --wait
rt 0 do remove-rule secgroup "web-$$" rule=1 --wait
out_has "rule removed"
V nwfilter-dumpxml "web-$$" | grep -q "dstportstart='443'" && die "rule 1 still there"
V nwfilter-dumpxml "web-$$" | grep -q "dstportstart='53'" || die "rule 2 removed instead of rule 1"
rt 1 do remove-rule secgroup "web-$$" rule=5 --wait
err_has "has no rule '5'"
rt 0 do delete secgroup "web-$$" --yes --wait
V nwfilter-list | grep -q "web-$$" && die "nwfilter left behind"
rt 0 do delete instance "new-$$" storage=true --yes --wait
# Live migration kvm1 -> kvm2, followed through task_poll: the CLI draws the task's progress
# on a terminal, so run it under script(1) and read the percentages it drew.
mig="mig-$$"
Vh() { virsh -q -c "qemu:///system?socket=$R/$1/sock/libvirt-sock" "${@:2}"; }
from=kvm1 to=kvm2
if [ -z "$mig_ip" ]; then
    echo "NOTE: no non-loopback IPv4 address for migration_host; live migration not tested"
else
    V migrate-setspeed "$mig" 2 > /dev/null   # MiB/s: several task polls (400 ms) even under ASan
    # Once racktop has drawn a percentage between 0 and 100, the copy goes at full speed: at
    # 2 MiB/s, a guest that dirties its memory faster (still booting, on a loaded machine)
    # would keep pre-copy iterating and the migration would never converge.
    (set +x   # not in the trace: the commands around it are what a hang needs
    for _ in $(seq 1200); do
        tr '\r' '\n' < "$R/mig.tty" 2> /dev/null | grep -aqE 'kvm2: [1-9][0-9]?% of memory' && break
        sleep 0.1
    done
    V migrate-setspeed "$mig" 100000 > /dev/null 2>&1 || true) &
    fast=$!
    script -qfec "'$RACKTOP' --config '$cfg' do live-migrate instance '$mig' host=kvm2 --wait --timeout 240s" \
        "$R/mig.tty" > /dev/null 2>&1 ||
        die "live-migrate: $(tr '\r' '\n' < "$R/mig.tty" | tail -n 3)
$(V domjobinfo "$mig" 2>&1)"
    kill "$fast" 2> /dev/null || true
    wait "$fast" 2> /dev/null || true
    grep -aq "succeeded: live-migrate instance '$mig': $mig migrated to kvm2" "$R/mig.tty" ||
        die "no success line: $(tr '\r' '\n' < "$R/mig.tty" | tail -n 3)"
    # Drawn early: the first percentage of a 2 MiB/s copy comes within a few polls, not after
    # a host refresh that waited for the migrating domain's job (75-80% once).
    tr '\r' '\n' < "$R/mig.tty" | grep -aoE 'migrating to kvm2: [0-9]+% of memory copied' |
        awk '{v = $4 + 0; if (v > 0 && v < 100) { n++; if (!first) first = v } }
             END {exit n && first < 50 ? 0 : 1}' ||
        die "no progress between 0 and 50% drawn: $(tr "\r" "\n" < "$R/mig.tty" | grep -a "%" | head -n 5)"
    [ "$(V2 domstate "$mig")" = running ] || die "not running on kvm2"
    [ "$(V2 dominfo "$mig" | awk '/^Persistent:/ {print $2}')" = yes ] || die "not persistent on kvm2: $(V2 dominfo "$mig")"
    V dominfo "$mig" > /dev/null 2>&1 && die "still defined on kvm1"
    rt 0 list instances -o json
    jq -e --arg n "$mig" '.[] | select(.name == $n) | .zone == "kvm2" and .power_state == "running"' \
        "$T/out" > /dev/null || die "migrated row: $(cat "$T/out")"
    rt 1 do live-migrate instance "$mig" host=kvm2 --wait
    err_has "already runs on 'kvm2'"
    from=kvm2 to=kvm1
fi
# Cold migration (back, after a live one): needs the instance shut off.
rt 1 do migrate instance "$mig" host=$to --wait
err_has "cold migration needs the instance shut off"
rt 0 do force-off instance "$mig" --yes --wait
rt 0 do migrate instance "$mig" host=$to --wait
out_has "cold-migrated to $to"
[ "$(Vh $to domstate "$mig")" = "shut off" ] || die "not defined on $to"
Vh $from dominfo "$mig" > /dev/null 2>&1 && die "still defined on $from"
pass
