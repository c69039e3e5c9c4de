#!/usr/bin/env bash
# 500 simulated BMCs on one server, some slow, some dead, one answering
# malformed JSON, one with a 503 + Retry-After, one dropping its session:
# every healthy BMC is listed, each broken one is reported on its own row,
# and the whole refresh is bounded by the request timeout, not by the
# number of broken BMCs.
set -euo pipefail
. "$(dirname "$0")/redfish_lib.bash"
N=500
rf_start --scale $N:public-rackmount1 --bmc m1=public-bladed
{
    for i in $(seq 0 $((N - 1))); do echo "      - {name: s$i, address: \"$RF_URL/bmc/s$i\"}"; done
    echo "      - {name: m1, address: \"$RF_URL/bmc/m1\"}"
} > "$T/bmcs.yaml"
RF_TIMEOUT=60s rf_config "request_timeout: 2s" "details: false" "concurrency: 128" < "$T/bmcs.yaml"

# faults: 10 dead (connection dropped), 10 slow (5 s > the 2 s request timeout),
# one malformed systems collection, one 503 with Retry-After, one expired session
for i in $(seq 10 19); do rf_ctl fault "{\"bmc\":\"s$i\",\"kind\":\"dead\"}"; done
for i in $(seq 20 29); do rf_ctl fault "{\"bmc\":\"s$i\",\"kind\":\"delay\",\"ms\":5000}"; done
rf_ctl fault '{"bmc":"s30","kind":"malformed","path":"/Systems","count":100}'
rf_ctl fault '{"bmc":"s31","kind":"status","status":503,"retry_after":1,"count":1,"path":"/Chassis/1U/Power"}'
rf_ctl fault '{"bmc":"m1","kind":"status","status":401,"count":1,"path":"/Chassis/Blade2"}'

start=$(date +%s%N)
expect 0 list hosts -o json
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "list of $N BMCs with faults: ${ms} ms"
[ "$ms" -lt 30000 ] || die "the refresh took ${ms} ms: broken BMCs delay the others"
jq -e 'length == 504' "$T/out" > /dev/null || die "expected 504 hosts, got $(jq length "$T/out")"
ok=$(jq '[.[] | select(.status=="ACTIVE" and .last_error==null)] | length' "$T/out")
[ "$ok" -ge 480 ] || die "only $ok healthy hosts"
for i in 10 15 19; do
    jq -e ".[] | select(.id==\"s$i\") | .status==\"ERROR\" and (.last_error|test(\"BMC 's$i'\"))" "$T/out" > /dev/null \
        || die "dead BMC s$i not reported: $(jq -c ".[] | select(.id|startswith(\"s$i\"))" "$T/out")"
done
jq -e '.[] | select(.id=="s25") | .last_error | test("no reply within|deadline")' "$T/out" > /dev/null \
    || die "slow BMC s25 not reported: $(jq -c '.[] | select(.id|startswith("s25"))' "$T/out")"
jq -e '.[] | select(.id=="s30") | .last_error | test("malformed JSON")' "$T/out" > /dev/null \
    || die "malformed JSON not reported: $(jq -c '.[] | select(.id|startswith("s30"))' "$T/out")"
jq -e '.[] | select(.id=="s31/437XR1138R2") | .power_w==344 and .last_error==null' "$T/out" > /dev/null \
    || die "the 503 was not retried: $(jq -c '.[] | select(.id|startswith("s31"))' "$T/out")"
jq -e '[.[] | select(.id|startswith("m1/"))] | length==4 and all(.last_error==null)' "$T/out" > /dev/null \
    || die "the 401 did not lead to a new login: $(jq -c '[.[] | select(.id|startswith("m1/"))]' "$T/out")"
rf_requests > "$T/req.json"
jq -e '[.[] | select(.bmc=="s31" and (.path|endswith("/Power")))] | length >= 2' "$T/req.json" > /dev/null || die "no retry of the 503"
[ "$(jq '[.[] | select(.bmc=="m1" and .method=="POST" and (.path|endswith("/Sessions")))] | length' "$T/req.json")" = 2 ] \
    || die "m1 should log in twice (once more after the 401)"
# per-BMC concurrency: never more than 2 requests of one BMC at once is checked in
# test_http; here: no BMC got more than its crawl
pass
