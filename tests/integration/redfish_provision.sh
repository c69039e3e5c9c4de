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

# The host answering SSH ends the deploy (provision_ssh: true): until something
# listens on its ssh_address the task waits (media still in), then it ejects.
SSH_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rf_config "provision_timeout: 60s" <<EOF2
      - {name: r1, address: "$RF_URL/bmc/r1", ssh_address: "127.0.0.1:$SSH_PORT"}
EOF2
sed -i 's/provision_ssh: false/provision_ssh: true/' "$XDG_CONFIG_HOME/racktop/config.yaml"
expect 0 do undeploy host r1 --yes --wait
rf_ctl reset
RC=0; timeout 60 "$RACKTOP" do provision host r1 image=$IMG --wait > "$T/prov.out" 2> "$T/prov.err" & PROV=$!
for _ in $(seq 50); do
    rf_requests | jq -e 'any(.[]; .path|endswith("ComputerSystem.Reset"))' > /dev/null && break
    sleep 0.2
done
sleep 3                                # the OS "runs", nothing answers on its SSH port yet
kill -0 "$PROV" 2> /dev/null || die "provisioning ended before the host answered SSH: $(cat "$T/prov.out" "$T/prov.err")"
rf_requests | jq -e 'all(.[]; (.path|endswith("EjectMedia")) | not)' > /dev/null \
    || die "the media was ejected before the host answered SSH"
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); time.sleep(60)' "$SSH_PORT" & LISTENER=$!
wait "$PROV" || RC=$?
kill "$LISTENER" 2> /dev/null || true
[ "$RC" = 0 ] || die "provisioning with an SSH check exited $RC: $(cat "$T/prov.out" "$T/prov.err")"
grep -q "deployed $IMG; virtual media ejected" "$T/prov.out" || die "no result line: $(cat "$T/prov.out")"
rf_requests | jq -e '[.[] | select(.path|endswith("EjectMedia"))] | length == 1' > /dev/null \
    || die "not ejected once after the host answered SSH"

# Nothing ever answers: the timeout fails the task and says what was left behind.
rf_config "provision_timeout: 4s" <<EOF2
      - {name: r1, address: "$RF_URL/bmc/r1", ssh_address: "127.0.0.1:$SSH_PORT"}
EOF2
sed -i 's/provision_ssh: false/provision_ssh: true/' "$XDG_CONFIG_HOME/racktop/config.yaml"
expect 0 do undeploy host r1 --yes --wait
rf_ctl reset
expect 1 do provision host r1 image=$IMG --wait
err_has "timed out after"
err_has "left behind: the image is still inserted in virtual media"
pass
