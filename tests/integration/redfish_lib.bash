# Shared set-up for the Redfish script tests: the command-line helpers (private
# XDG home, expect, ...) plus a loopback Redfish test server over the DMTF
# mockups (tests/servers/redfish_server.py), killed on exit.
#
#   . "$(dirname "$0")/redfish_lib.bash"
#   rf_start --bmc r1=public-rackmount1 ...     starts it; $RF_PORT, $RF_URL are set
#   rf_config <<< "bmcs yaml"                   writes config.yaml for provider 'rf'
#   rf_ctl fault '{"bmc":"r1","kind":"status","status":503,"count":1}'
#   rf_requests > file                          recorded requests (JSON)
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.bash"
command -v python3 > /dev/null || { echo "SKIP: python3 missing"; exit 77; }
command -v jq > /dev/null || { echo "SKIP: jq missing"; exit 77; }
RF_FIXTURES="${RACKTOP_SHARED_FIXTURES:-$RT_SRC_DIR/../shared/fixtures}"
[ -d "$RF_FIXTURES/redfish/public-rackmount1" ] || { echo "SKIP: no mockups in $RF_FIXTURES/redfish"; exit 77; }
RF_PIDS=()
rf_cleanup() {
    for p in "${RF_PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
    for p in "${RF_PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
    rm -rf "$T"
}
trap rf_cleanup EXIT
mkdir -p "$XDG_CONFIG_HOME/racktop"
printf 'secret\n' > "$T/bmc.pw"
chmod 600 "$T/bmc.pw"

# rf_start [server args...]: start a server; sets RF_PORT (and RF_SCHEME from --tls)
rf_start() {
    local pf="$T/port.$RANDOM" scheme=http
    case " $* " in *" --tls "*) scheme=https ;; esac
    python3 "$RT_SRC_DIR/tests/servers/redfish_server.py" --fixtures "$RF_FIXTURES" \
        --port-file "$pf" --state-delay-ms "${RF_STATE_DELAY_MS:-300}" "$@" 2> "$T/server.log" &
    RF_PIDS+=($!)
    for _ in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
    [ -s "$pf" ] || die "the Redfish test server did not start: $(cat "$T/server.log")"
    RF_PORT=$(cat "$pf")
    RF_URL="$scheme://127.0.0.1:$RF_PORT"
}
# rf_config [extra provider keys]: reads the bmcs list (YAML, indented 4) on stdin
rf_config() {
    {
        echo "timeout: ${RF_TIMEOUT:-20s}"
        echo "providers:"
        echo "  - name: rf"
        echo "    type: redfish"
        echo "    username: admin"
        echo "    password_file: $T/bmc.pw"
        echo "    provision_ssh: false"
        [ $# -gt 0 ] && printf '    %s\n' "$@"
        echo "    bmcs:"
        cat
    } > "$XDG_CONFIG_HOME/racktop/config.yaml"
}
rf_http() { # METHOD PATH [BODY]: talk to the control interface (no certificate check)
    python3 - "$@" <<'PY'
import ssl, sys, urllib.request
m, path = sys.argv[1], sys.argv[2]
body = sys.argv[3].encode() if len(sys.argv) > 3 else None
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
import os
req = urllib.request.Request(os.environ["RF_URL"] + path, data=body, method=m)
sys.stdout.write(urllib.request.urlopen(req, context=ctx).read().decode())
PY
}
rf_ctl() { local body=${2:-"{}"}; RF_URL=$RF_URL rf_http POST "/_control/$1" "$body" > /dev/null; }
rf_requests() { RF_URL=$RF_URL rf_http GET /_control/requests; }
# jq_out FILTER: run jq on the last stdout
jq_out() { jq -r "$1" "$T/out"; }
