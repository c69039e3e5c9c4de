#!/usr/bin/env bash
# TLS trust for BMCs with self-signed certificates: an unknown certificate is
# reported (fingerprint, subject, expiry) and the BMC not contacted further;
# `racktop trust` pins it; a changed certificate is refused with a plain
# message, before any credential is sent; `insecure` works but warns.
set -euo pipefail
. "$(dirname "$0")/redfish_lib.bash"
command -v openssl > /dev/null || { echo "SKIP: openssl missing"; exit 77; }
for c in a b; do
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=bmc-$c.test" \
        -keyout "$T/$c.key" -out "$T/$c.crt" 2> /dev/null
done
fp_a=$(openssl x509 -in "$T/a.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
fp_b=$(openssl x509 -in "$T/b.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)

rf_start --tls "$T/a.crt" "$T/a.key" --bmc r1=public-rackmount1
rf_config <<EOF2
      - {name: r1, address: "$RF_URL/bmc/r1"}
EOF2
# unknown certificate: reported, not trusted, no credentials sent
expect 1 list hosts -o json
err_has "unverified certificate SHA256:$fp_a"
err_has "bmc-a.test"
err_has "racktop trust rf r1"
rf_requests > "$T/req.json"
[ "$(jq '[.[] | select(.token!=null or .auth!=null or .method!="GET")] | length' "$T/req.json")" = 0 ] \
    || die "credentials went to an unverified BMC: $(cat "$T/req.json")"

# without a terminal, trust needs --yes
expect 3 trust rf r1 < /dev/null
err_has "add --yes"
expect 0 trust rf r1 --yes
out_has "SHA256:$fp_a"
out_has "r1: pinned"
expect 4 trust rf nosuchbmc --yes
expect 0 list hosts -o json
jq -e '.[0].id=="r1/437XR1138R2" and .[0].last_error==null' "$T/out" > /dev/null || die "pinned BMC not listed: $(cat "$T/out")"

# the same port now presents another certificate: refused before credentials go out
kill "${RF_PIDS[0]}"; wait "${RF_PIDS[0]}" 2> /dev/null || true
old_port=$RF_PORT
rf_start --tls "$T/b.crt" "$T/b.key" --port "$old_port" --bmc r1=public-rackmount1
expect 1 list hosts -o json
err_has "TLS certificate changed: now SHA256:$fp_b"
err_has "pinned SHA256:$fp_a"
rf_requests > "$T/req.json"
[ "$(jq '[.[] | select(.token!=null or .auth!=null or .method!="GET")] | length' "$T/req.json")" = 0 ] \
    || die "credentials went to a BMC whose certificate changed"

# a tls_fingerprint in the config pins without the store
rf_config <<EOF2
      - {name: r1, address: "$RF_URL/bmc/r1", tls_fingerprint: "SHA256:$fp_b"}
EOF2
expect 0 list hosts -o json

# insecure: works, with a permanent warning on the host
rf_config <<EOF2
      - {name: r1, address: "$RF_URL/bmc/r1", insecure: true}
EOF2
rm -f "$XDG_STATE_HOME/racktop/racktop.db"*
expect 0 list hosts -o json
jq -e '.[0].last_error | test("TLS verification is off")' "$T/out" > /dev/null || die "no insecure warning"
# ...and the provider's permanent warning (the dashboard's badge), once on stderr
err_has "racktop: warning: provider 'rf': TLS verification off for BMC 'r1' (insecure: true)"
[ "$(grep -c 'TLS verification off' "$T/err")" = 1 ] || die "the warning is not printed once: $(cat "$T/err")"
pass
