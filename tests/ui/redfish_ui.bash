# The dashboard over many simulated BMCs (tests/servers/redfish_server.py
# --scale N:public-rackmount1): set-up shared by the tests/ui/redfish_*.sh.
# Source after lib.bash.
#   rf_ui_start N [SERVER ARGS...]   starts the server; $URL, BMCs s0..s(N-1)
#   rf_ui_config REQUEST_TIMEOUT [PROVIDER LINES...]   writes config.yaml
#   ctl ACTION [BODY]                the server's control interface (/_control/ACTION)
#   post PATH [BODY] [USER:PASSWORD] a POST to the server (a BMC's action, say)
command -v python3 > /dev/null || { echo "python3 missing: skipped"; exit 77; }
command -v jq > /dev/null || { echo "jq missing: skipped"; exit 77; }
RF_FIXTURES="${RACKTOP_SHARED_FIXTURES:-$RT_SRC_DIR/../shared/fixtures}"
[ -d "$RF_FIXTURES/redfish/public-rackmount1" ] || { echo "no Redfish mockups: skipped"; exit 77; }
rf_ui_start() {
    N=$1
    shift
    python3 "$RT_SRC_DIR/tests/servers/redfish_server.py" --fixtures "$RF_FIXTURES" \
        --port-file "$T/port" --scale "$N:public-rackmount1" "$@" 2> "$T/server.log" &
    SRV=$!
    trap 'kill $SRV 2> /dev/null || true; wait $SRV 2> /dev/null || true; cleanup' EXIT
    for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.05; done
    [ -s "$T/port" ] || die "the Redfish test server did not start: $(cat "$T/server.log")"
    URL="http://127.0.0.1:$(cat "$T/port")"
    printf 'secret\n' > "$T/bmc.pw"
    chmod 600 "$T/bmc.pw"
    mkdir -p "$XDG_CONFIG_HOME/racktop"
}
rf_ui_config() {
    local timeout=$1
    shift
    {
        echo "timeout: 120s"
        echo "providers:"
        echo "  - name: rf"
        echo "    type: redfish"
        echo "    username: admin"
        echo "    password_file: $T/bmc.pw"
        echo "    provision_ssh: false"
        echo "    request_timeout: $timeout"
        [ $# -gt 0 ] && printf '    %s\n' "$@"
        echo "    bmcs:"
        for i in $(seq 0 $((N - 1))); do echo "      - {name: s$i, address: \"$URL/bmc/s$i\"}"; done
    } > "$XDG_CONFIG_HOME/racktop/config.yaml"
}
ctl() {
    python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode() if len(sys.argv) > 2 else None)).read().decode())' "$URL/_control/$1" "${@:2}"
}
post() {
    python3 - "$URL$1" "${2:-{\}}" "${3:-}" <<'PY'
import base64, sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST",
                             headers={"Content-Type": "application/json"})
if sys.argv[3]:
    req.add_header("Authorization", "Basic " + base64.b64encode(sys.argv[3].encode()).decode())
urllib.request.urlopen(req).read()
PY
}
