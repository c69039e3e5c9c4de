#!/usr/bin/env bash
# Redfish documents kept across processes: after one `racktop list hosts`,
# a second process revalidates every document it had with If-None-Match, the
# test server answers 304 to all of them (no body is fetched again), and the
# output is the same.  A document changed on the BMC is fetched in full.
set -euo pipefail
. "$(dirname "$0")/redfish_lib.bash"

rf_start --bmc r1=public-rackmount1 --bmc bl=public-bladed
rf_config <<EOF2
      - {name: r1, address: "$RF_URL/bmc/r1", rack: A01}
      - {name: bl, address: "$RF_URL/bmc/bl"}
EOF2
norm() { jq -S 'map(del(.updated_at))' "$T/out"; }

# ---- first process: the full crawl, nothing to revalidate
expect 0 list hosts -o json
[ "$(jq_out 'length')" = 5 ] || die "expected 5 hosts, got $(jq_out 'length')"
norm > "$T/first.json"
rf_requests > "$T/req1.json"
n1=$(jq '[.[] | select(.method=="GET")] | length' "$T/req1.json")
[ "$(jq '[.[] | select(.method=="GET" and .if_none_match!=null)] | length' "$T/req1.json")" = 0 ] \
    || die "the first crawl sent If-None-Match with an empty store"
# documents were kept, and hold no secret
if command -v sqlite3 > /dev/null; then
    db="$XDG_STATE_HOME/racktop/racktop.db"
    [ "$(sqlite3 "$db" "select count(*) from blobs where key like 'docs:%'")" = 2 ] || die "no kept documents"
    sqlite3 "$db" "select value from blobs" | grep -q secret && die "the password reached the store"
fi

# ---- second process: conditional GETs only, all answered 304
rf_ctl reset
expect 0 list hosts -o json
norm > "$T/second.json"
diff -u "$T/first.json" "$T/second.json" > "$T/diff" || die "the output changed: $(cat "$T/diff")"
rf_requests > "$T/req2.json"
gets=$(jq '[.[] | select(.method=="GET")] | length' "$T/req2.json")
cond=$(jq '[.[] | select(.method=="GET" and .if_none_match!=null)] | length' "$T/req2.json")
[ "$gets" -gt 0 ] || die "the second process sent no GET"
[ "$gets" -le "$n1" ] || die "the second process sent more GETs ($gets) than the first ($n1)"
[ "$cond" = "$gets" ] || die "only $cond of $gets GETs were conditional: $(jq -c '[.[] | select(.method=="GET" and .if_none_match==null) | .bmc+" "+.path]' "$T/req2.json")"
# the server answered every one of them 304 (it records its replies)
[ "$(jq '[.[] | select(.method=="GET" and .status!=304)] | length' "$T/req2.json")" = 0 ] \
    || die "GETs not answered 304: $(jq -c '[.[] | select(.method=="GET" and .status!=304) | "\(.bmc) \(.path) \(.status)"]' "$T/req2.json")"
# one login per BMC is all that is not a GET (tokens are never kept)
[ "$(jq '[.[] | select(.method=="POST" and (.path|endswith("/Sessions")))] | length' "$T/req2.json")" = 2 ] \
    || die "expected one login per BMC"

# ---- a document changed on the BMC is fetched in full, the rest stays 304
# (changed by another client: racktop's own actions refresh what it keeps)
curl -sf -u admin:secret -X PATCH -H 'Content-Type: application/json' \
    -d '{"Boot":{"BootSourceOverrideTarget":"Hdd","BootSourceOverrideEnabled":"Continuous","BootSourceOverrideMode":"UEFI"}}' \
    "$RF_URL/bmc/r1/redfish/v1/Systems/437XR1138R2" > /dev/null || die "PATCH through curl failed"
rf_ctl reset
expect 0 list hosts -o json
jq -e '.[] | select(.id=="r1/437XR1138R2") | .boot_override=="Hdd/Continuous/UEFI"' "$T/out" > /dev/null \
    || die "the changed system is not shown: $(jq -c '.[] | select(.id=="r1/437XR1138R2")' "$T/out")"
rf_requests > "$T/req3.json"
# (the system itself, or the $expand-ed Systems collection that carries it)
jq -e '[.[] | select(.method=="GET" and .bmc=="r1" and (.path|test("/Systems(/[^/]+)?$")) and .status==200)] | length >= 1' \
    "$T/req3.json" > /dev/null || die "the changed system was not fetched in full: $(jq -c '[.[]|select(.bmc=="r1")|"\(.path) \(.status)"]' "$T/req3.json")"
[ "$(jq '[.[] | select(.method=="GET" and .bmc=="bl" and .status!=304)] | length' "$T/req3.json")" = 0 ] \
    || die "an unchanged BMC was not answered 304"

# ---- a BMC removed from the configuration loses its kept documents
rf_config <<EOF2
      - {name: r1, address: "$RF_URL/bmc/r1", rack: A01}
EOF2
expect 0 list hosts -o json
if command -v sqlite3 > /dev/null; then
    [ "$(sqlite3 "$XDG_STATE_HOME/racktop/racktop.db" "select count(*) from blobs where key='docs:bl'")" = 0 ] \
        || die "the documents of a removed BMC were kept"
fi
pass
