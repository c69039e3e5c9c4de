#!/usr/bin/env bash
# Redfish provider end to end over the three DMTF mockups: inventory, health,
# instances, power, boot override (ETag), locate, clear-sel, maintenance,
# sessions (login, X-Auth-Token, logout), error replies.
set -euo pipefail
. "$(dirname "$0")/redfish_lib.bash"

rf_start --bmc r1=public-rackmount1 --bmc bl=public-bladed --bmc ls=public-localstorage
rf_config <<EOF2
      - {name: r1, address: "$RF_URL/bmc/r1", rack: A01, zone: z1}
      - {name: bl, address: "$RF_URL/bmc/bl", rack: A02}
      - {name: ls, address: "$RF_URL/bmc/ls"}
EOF2

# ---- inventory and health
expect 0 list hosts -o json
[ "$(jq_out 'length')" = 6 ] || die "expected 6 hosts (1 + 4 blades + 1), got $(jq_out 'length')"
jq -e '.[] | select(.id=="r1/437XR1138R2") | .name=="r1" and .type=="baremetal" and .power=="on"
       and .health=="Warning" and .model=="Contoso 3500" and .serial=="437XR1138R2"
       and .rack=="A01" and .zone=="z1" and .temp_c==25 and .power_w==344 and .fans=="OK"
       and .psus=="Warning" and .vcpus==8 and .mem_mb==98304 and .bmc_firmware=="1.45.455b66-rev4"
       and .bios_version=="P79 v1.45 (12/06/2017)" and .boot_override=="Pxe/Once/UEFI"
       and .status=="ACTIVE"' "$T/out" > /dev/null || die "rackmount1 host: $(jq -c '.[] | select(.id=="r1/437XR1138R2")' "$T/out")"
jq -e '[.[] | select(.id|startswith("bl/"))] | length==4 and all(.enclosure=="MultiBladeEncl")
       and all(.name|startswith("bl/"))' "$T/out" > /dev/null || die "blades: $(jq -c '[.[]|select(.id|startswith("bl/"))]' "$T/out")"
jq -e '.[] | select(.id=="ls/437XR1138R2") | .power_w!=null and .temp_c!=null' "$T/out" > /dev/null \
    || die "localstorage host lacks sensors"
# The raw document keeps what was crawled (storage, processors, memory).
expect 0 show host r1 -o json
out_has '437XR1138R2'

# ---- sessions: one login per BMC, then X-Auth-Token on every request
rf_requests > "$T/req.json"
[ "$(jq '[.[] | select(.method=="POST" and (.path|endswith("/Sessions")))] | length' "$T/req.json")" -ge 3 ] \
    || die "no session login recorded"
[ "$(jq '[.[] | select(.path!="/redfish/v1" and .method=="GET" and .token==null)] | length' "$T/req.json")" = 0 ] \
    || die "a GET went out without the session token"
[ "$(jq '[.[] | select(.method=="DELETE" and (.path|contains("/Sessions/")))] | length' "$T/req.json")" -ge 3 ] \
    || die "sessions were not deleted on exit"
grep -q secret "$T/out" "$T/err" && die "the password leaked into the output"

# ---- instances: powered and running an OS
expect 0 list instances -o json
jq -e '.[] | select(.id=="r1/437XR1138R2") | .type=="baremetal" and .host=="r1/437XR1138R2"' "$T/out" > /dev/null \
    || die "instance missing: $(cat "$T/out")"

# ---- power: the advertised reset types, followed to the end
rf_ctl reset
expect 0 do power-off host r1 --yes --wait
rf_requests > "$T/req.json"
jq -e '[.[] | select(.method=="POST" and (.path|endswith("ComputerSystem.Reset")))][0].body | fromjson | .ResetType=="ForceOff"' \
    "$T/req.json" > /dev/null || die "power-off did not send ForceOff: $(jq -c '.[]|select(.method=="POST")' "$T/req.json")"
expect 0 list hosts -o json
jq -e '.[] | select(.id=="r1/437XR1138R2") | .power=="off" and .status=="SHUTOFF"' "$T/out" > /dev/null || die "power state not off"
expect 0 list instances -o json
jq -e 'all(.id!="r1/437XR1138R2")' "$T/out" > /dev/null || die "a powered-off system is still an instance"
rf_ctl reset
expect 0 do power-cycle host r1 --yes --wait
rf_requests > "$T/req.json"
# rackmount1 does not advertise PowerCycle: a powered-off host gets On
jq -e '[.[] | select(.method=="POST" and (.path|endswith("ComputerSystem.Reset")))][0].body | fromjson | .ResetType=="On"' \
    "$T/req.json" > /dev/null || die "power-cycle of an off host did not send On"
rf_ctl reset
expect 0 do power-cycle host bl/529QB9451R6 --yes --wait
rf_requests > "$T/req.json"
jq -e '[.[] | select(.method=="POST" and (.path|endswith("ComputerSystem.Reset")))][0].body | fromjson | .ResetType=="ForceRestart"' \
    "$T/req.json" > /dev/null || die "power-cycle without PowerCycle advertised must use ForceRestart"
expect 0 do restart host ls --yes --wait
expect 0 do nmi host ls --yes

# ---- boot override: PATCH with If-Match from the ETag
rf_ctl reset
expect 0 do boot host r1 target=Hdd mode=continuous uefi=true --wait
rf_requests > "$T/req.json"
jq -e '[.[] | select(.method=="PATCH")][0] | (.if_match|startswith("W/")) and
       (.body|fromjson|.Boot.BootSourceOverrideTarget=="Hdd" and .Boot.BootSourceOverrideEnabled=="Continuous"
        and .Boot.BootSourceOverrideMode=="UEFI")' "$T/req.json" > /dev/null || die "boot PATCH: $(jq -c '.[]|select(.method=="PATCH")' "$T/req.json")"
expect 0 list hosts -o json
jq -e '.[] | select(.id=="r1/437XR1138R2") | .boot_override=="Hdd/Continuous/UEFI"' "$T/out" > /dev/null || die "boot override not shown"
# A target the BMC does not list is refused before anything is sent.
expect 1 do boot host bl/529QB9450R6 target=UefiHttp --wait
err_has "does not offer boot target 'UefiHttp'"

# ---- locate and clear-sel
rf_ctl reset
expect 0 do locate host r1 state=blink --wait
rf_requests > "$T/req.json"
jq -e '[.[] | select(.method=="PATCH")][0].body | fromjson | .IndicatorLED=="Blinking"' "$T/req.json" > /dev/null || die "locate"
expect 0 do clear-sel host r1 --yes --wait
rf_requests > "$T/req.json"
jq -e '[.[] | select(.method=="POST" and (.path|endswith("LogService.ClearLog")))] | length >= 1' "$T/req.json" > /dev/null || die "clear-sel"

# ---- maintenance is a local flag
expect 0 do maintenance-on host ls reason=disk --wait
expect 0 list hosts -o json
jq -e '.[] | select(.id=="ls/437XR1138R2") | .maintenance==true and .maintenance_reason=="disk" and .status=="MAINTENANCE"' "$T/out" > /dev/null || die "maintenance"
expect 0 do maintenance-off host ls --wait

# ---- the BMC's error text reaches the operator (ExtendedInfo), on one line
rf_ctl fault '{"bmc":"r1","kind":"status","status":400,"path":"ComputerSystem.Reset","count":1}'
expect 1 do power-on host r1 --wait
err_has "injected fault 400"
one_line_err
pass
