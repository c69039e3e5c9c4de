#!/usr/bin/env bash
# Structured inventory of the three DMTF mockups: processors, DIMMs, storage
# controllers, drives, volumes (Storage) and SimpleStorage devices, network
# interfaces and boot settings as host fields (`list -o json`) and as one
# readable line per part in `racktop show`; the same inventory from a BMC
# without $expand (every member link followed); the hosts pane's health,
# temperature, fans and PSUs for every mockup; a malformed drive document is
# that BMC's error, not a crash.
set -euo pipefail
. "$(dirname "$0")/redfish_lib.bash"

rf_start --bmc r1=public-rackmount1 --bmc bl=public-bladed --bmc ls=public-localstorage \
    --bmc nx=public-localstorage --no-expand nx
rf_config <<EOF2
      - {name: r1, address: "$RF_URL/bmc/r1"}
      - {name: bl, address: "$RF_URL/bmc/bl"}
      - {name: ls, address: "$RF_URL/bmc/ls"}
      - {name: nx, address: "$RF_URL/bmc/nx"}
EOF2

expect 0 list hosts -o json
cp "$T/out" "$T/hosts.json"
h() { jq -c ".[] | select(.id==\"$1\")" "$T/hosts.json"; }

# ---- the hosts pane's columns, for every mockup (blades: the enclosure's fans and PSUs)
jq -e 'length == 7 and all(.health != null and .temp_c != null and .fans != null and .psus != null
       and .last_error == null)' "$T/hosts.json" > /dev/null \
    || die "a host lacks health/temperature/fans/PSUs: $(jq -c '.[] | {id,health,temp_c,fans,psus,last_error}' "$T/hosts.json")"

# ---- localstorage: Storage with drives (linked under the Chassis) and a Volumes collection
h ls/437XR1138R2 | jq -e '
    .cpu_summary == "2 x Multi-Core Intel(R) Xeon(R) processor 7xxx Series, 8 cores, 16 threads, OK"
    and .mem_summary == "96 GiB in 3 DIMMs, OK"
    and (.processors | length == 1 and .[0].cores == 8 and .[0].threads == 16 and .[0].health == "OK")
    and (.dimms | length == 3 and all(.size_mib == 32768 and .type == "DDR4"))
    and (.storage_controllers | length == 1 and .[0].model == "12Gbs Integrated RAID")
    and (.drives | length == 4 and all(.size_gb == 900 and .media == "HDD" and .protocol == "SAS"))
    and (.volumes | map(.raid) == ["RAID1", "RAID0", "RAID0"])
    and (.nics | length == 2 and .[0].mac == "12:44:6A:3B:04:11" and .[0].ipv4 == "192.168.0.10")
    and (.boot_targets | index("Pxe") != null)' > /dev/null \
    || die "localstorage inventory: $(h ls/437XR1138R2)"
# ---- rackmount1: SimpleStorage devices (absent bays left out), an FPGA, an absent CPU
h r1/437XR1138R2 | jq -e '
    (.drives | map(.id) == ["SATA Bay 1", "SATA Bay 2"]) and .drives[1].health == "Warning"
    and .drives[0].size_gb == 8000
    and (.processors | map(.id) == ["CPU1", "FPGA1"]) and .processors[1].type == "FPGA"
    and (.storage_controllers | .[0].health == "Warning") and .volumes == null
    and (.nics | length == 4)' > /dev/null || die "rackmount1 inventory: $(h r1/437XR1138R2)"
# ---- a blade
h bl/529QB9452R6 | jq -e '
    .cpu_summary == "1 x Multi-Core Intel(R) Xeon(R) processor E5-16xx Series, 4 cores, 8 threads, OK"
    and (.drives | length == 2) and .mem_summary == "64 GiB, OK"' > /dev/null \
    || die "blade inventory: $(h bl/529QB9452R6)"
# ---- without $expand: the same inventory, every member fetched on its own
for f in cpu_summary mem_summary processors dimms storage_controllers drives volumes nics; do
    [ "$(h ls/437XR1138R2 | jq -c ".$f")" = "$(h nx/437XR1138R2 | jq -c ".$f")" ] \
        || die "no-\$expand BMC differs in $f: $(h nx/437XR1138R2 | jq -c ".$f")"
done
expect 0 list instances -o json
jq -e '.[] | select(.id=="nx/437XR1138R2") | .addresses == ["192.168.0.10", "192.168.0.11"]' "$T/out" \
    > /dev/null || die "instance addresses without \$expand: $(cat "$T/out")"
rf_requests > "$T/req.json"
jq -e '[.[] | select(.bmc=="nx" and (.query|contains("expand")))] | length == 0' "$T/req.json" > /dev/null \
    || die "\$expand sent to a BMC that does not offer it"
jq -e '[.[] | select(.bmc=="nx" and (.path|test("/Memory/DIMM[0-9]$")))] | length >= 3' "$T/req.json" > /dev/null \
    || die "the DIMMs of the no-\$expand BMC were not fetched"

# ---- racktop show: one line per part, continuation lines aligned under the value
expect 0 show host ls --no-detail
out_has 'cpu_summary      2 x Multi-Core Intel(R) Xeon(R) processor 7xxx Series, 8 cores, 16 threads, OK'
out_has 'drives           35D38F11ACEF7BD3: model C123, size_gb 900, media HDD, protocol SAS, health OK'
grep -qE '^ {17}3D58ECBC375FD9F2: model C123, size_gb 900, media HDD, protocol SAS, health OK$' "$T/out" \
    || die "drives are not one per line: $(grep -A4 '^drives' "$T/out")"
out_has 'volumes          Virtual Disk 1: raid RAID1, size_gb 900, health OK'
out_has 'dimms            DIMM1: size_mib 32768, type DDR4, health OK'
out_has 'processors       CPU1: socket CPU 1, model Multi-Core Intel(R) Xeon(R) processor 7xxx Series, cores 8, threads 16, speed_mhz 3700, health OK'
[ "$(grep -c '^ \{17\}Virtual Disk [23]: raid RAID0' "$T/out")" = 2 ] || die "volumes: $(grep -A3 '^volumes' "$T/out")"
# the raw JSON has the documents the details came from
expect 0 show host ls --no-detail -o json
jq -e '.raw.Details | keys | any(test("/Drives/35D38F11ACEF7BD3$"))' "$T/out" > /dev/null \
    || die "the drive documents are not in the raw JSON"

# ---- a malformed drive document: that BMC's error, the others unaffected
rf_ctl fault '{"bmc":"ls","kind":"malformed","path":"/Drives/35D38F11ACEF7BD3","count":1}'
expect 0 list hosts -o json
jq -e '.[] | select(.id=="ls/437XR1138R2") | (.last_error|test("malformed JSON")) and (.drives|length==3)' \
    "$T/out" > /dev/null || die "malformed drive: $(jq -c '.[] | select(.id=="ls/437XR1138R2") | {last_error,drives}' "$T/out")"
jq -e '.[] | select(.id=="nx/437XR1138R2") | .last_error==null and (.drives|length==4)' "$T/out" > /dev/null \
    || die "another BMC was affected by the malformed drive"
# and the next refresh is whole again
expect 0 list hosts -o json
jq -e '.[] | select(.id=="ls/437XR1138R2") | .last_error==null and (.drives|length==4)' "$T/out" > /dev/null \
    || die "the drive did not come back"
pass
