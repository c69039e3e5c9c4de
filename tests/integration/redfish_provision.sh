#!/usr/bin/env bash
# Image provisioning through virtual media, on both layouts (VirtualMedia under
# the System: rackmount1; under the Manager: localstorage), the failure with
# what is left behind, a BMC without virtual media (bladed), and undeploy
# (eject, forget the deployment, power off).
set -euo pipefail
. "$(dirname "$0")/redfish_lib.bash"

rf_start --bmc r1=public-rackmount1 --bmc bl=public-bladed --bmc ls=public-localstorage
rf_config <<EOF2
      - {name: r1, address: "$RF_URL/bmc/r1"}
      - {name: bl, address: "$RF_URL/bmc/bl"}
      - {name: ls, address: "$RF_URL/bmc/ls"}
EOF2
IMG=http://images.example/ubuntu-24.04.iso
for h in r1 ls; do
    rf_ctl reset
    expect 0 do provision host $h image=$IMG --wait
    out_has "deployed $IMG; virtual media ejected"
    rf_requests > "$T/req.json"
    # The order matters: insert, one-time boot from Cd, reset, then eject once the OS runs.
    jq -r '.[] | select(.method!="GET") | "\(.method) \(.path | sub(".*/"; ""))"' "$T/req.json" \
        | grep -v -e Sessions -e '^DELETE' > "$T/steps"
    grep -q '^POST VirtualMedia.InsertMedia$' "$T/steps" || die "$h: no InsertMedia: $(cat "$T/steps")"
    [ "$(grep -n . "$T/steps" | grep -E 'InsertMedia|PATCH|Reset|EjectMedia' | tail -4 | cut -d: -f2- | tr '\n' ,)" \
        = "POST VirtualMedia.InsertMedia,PATCH 437XR1138R2,POST ComputerSystem.Reset,POST VirtualMedia.EjectMedia," ] \
        || die "$h: steps out of order: $(tr '\n' , < "$T/steps")"
    jq -e '[.[] | select(.path|endswith("InsertMedia"))][0].body | fromjson | .Image=="'$IMG'" and .Inserted==true' \
        "$T/req.json" > /dev/null || die "$h: InsertMedia body"
    jq -e '[.[] | select(.method=="PATCH")][0].body | fromjson | .Boot.BootSourceOverrideTarget=="Cd" and
           .Boot.BootSourceOverrideEnabled=="Once"' "$T/req.json" > /dev/null || die "$h: boot override"
done
# ls keeps its media under the Manager
jq -e 'any(.[]; .path=="/redfish/v1/Managers/BMC/VirtualMedia/CD1/Actions/VirtualMedia.InsertMedia")' \
    "$T/req.json" > /dev/null || die "localstorage: the Manager's virtual media was not used"
expect 0 list hosts -o json
jq -e '.[] | select(.id=="r1/437XR1138R2") | .provision_state=="active" and .instance_id=="r1/437XR1138R2"' "$T/out" > /dev/null \
    || die "r1 not active after provisioning"
expect 0 list instances -o json
jq -e '.[] | select(.id=="ls/437XR1138R2") | .image=="'$IMG'"' "$T/out" > /dev/null || die "instance image"

# Undeploy: forget the deployment, power off (the media was ejected after the deploy).
rf_ctl reset
expect 0 do undeploy host r1 --yes --wait
rf_requests > "$T/req.json"
jq -e '[.[] | select(.method=="POST" and (.path|endswith("ComputerSystem.Reset")))] | length==1 and
       (.[0].body | fromjson | .ResetType=="ForceOff")' "$T/req.json" > /dev/null \
    || die "undeploy did not power off: $(jq -c '[.[]|select(.method!="GET")]' "$T/req.json")"
jq -e 'all(.[]; (.path|endswith("EjectMedia")) | not)' "$T/req.json" > /dev/null \
    || die "undeploy ejected media that was not inserted"
expect 0 list hosts -o json
jq -e '.[] | select(.id=="r1/437XR1138R2") | .provision_state=="available" and .instance_id==null
       and .power=="off"' "$T/out" > /dev/null || die "r1 after undeploy: $(jq -c '.[]|select(.id=="r1/437XR1138R2")' "$T/out")"
expect 0 list instances -o json
jq -e 'all(.[]; .id!="r1/437XR1138R2")' "$T/out" > /dev/null || die "r1 is still an instance after undeploy"

# No virtual media on the blades: a clear refusal, nothing changed.
rf_ctl reset
expect 1 do provision host bl/529QB9450R6 image=$IMG --wait
err_has "BMC 'bl' has no CD/DVD virtual media"
rf_requests > "$T/req.json"
[ "$(jq '[.[] | select(.method=="POST" and (.path|contains("Actions")))] | length' "$T/req.json")" = 0 ] \
    || die "something was changed on a BMC without virtual media"

# The reset fails after the media went in: the error says what was left behind.
rf_ctl reset
rf_ctl fault '{"bmc":"r1","kind":"status","status":500,"path":"ComputerSystem.Reset","count":5}'
expect 1 do provision host r1 image=$IMG --wait
err_has "injected fault 500"
err_has "left behind: the image is still inserted in virtual media and a one-time boot from Cd is set"
# Undeploy cleans that up: the inserted image is ejected; r1 is off already, so no reset.
rf_ctl reset
expect 0 do undeploy host r1 --yes --wait
rf_requests > "$T/req.json"
jq -e '[.[] | select(.method=="POST" and (.path|endswith("VirtualMedia.EjectMedia")))] | length==1' \
    "$T/req.json" > /dev/null || die "undeploy did not eject the inserted image"
jq -e 'all(.[]; (.path|endswith("ComputerSystem.Reset")) | not)' "$T/req.json" > /dev/null \
    || die "undeploy reset a host that was off"
pass
