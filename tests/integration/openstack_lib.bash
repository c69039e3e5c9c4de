# Shared set-up for the OpenStack script tests: the command-line helpers
# (private XDG home, expect, ...) plus the servers the tests talk to, all on
# 127.0.0.1 and killed on exit:
#
#   os_start_fixture [args]   tests/servers/openstack_server.py over the upstream API
#                             samples (Keystone, Nova, Cinder, Neutron, Glance); sets OS_PORT, OS_URL
#   os_start_ironic           the real Ironic from Debian's packages (ironic, single process,
#                             rpc_transport none, sqlite, noauth, fake-hardware); sets IR_PORT, IR_URL.
#                             Exits 77 with the reason when it is not installed or does not start.
#   os_clouds <<< yaml        writes $XDG_CONFIG_HOME/openstack/clouds.yaml
#   os_clouds_fx [keys]       the same for cloud "fx" on the fixture server (admin/demo)
#   os_config NAME CLOUD [extra keys]   writes config.yaml with one openstack provider
#   os_ctl ACTION [json]      fixture control (fault, reset, ...); os_violations prints violations
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.bash"
command -v python3 > /dev/null || { echo "SKIP: python3 missing"; exit 77; }
command -v jq > /dev/null || { echo "SKIP: jq missing"; exit 77; }
OS_FIXTURES="${RACKTOP_SHARED_FIXTURES:-$RT_SRC_DIR/../shared/fixtures}"
OS_PIDS=()
os_cleanup() {
    for p in "${OS_PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
    for p in "${OS_PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
    rm -rf "$T"
}
trap os_cleanup EXIT
mkdir -p "$XDG_CONFIG_HOME/racktop" "$XDG_CONFIG_HOME/openstack"
unset OS_AUTH_URL OS_USERNAME OS_PASSWORD OS_PROJECT_NAME OS_CLIENT_CONFIG_FILE OS_CLIENT_SECURE_FILE

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

os_start_fixture() {
    [ -d "$OS_FIXTURES/openstack/nova" ] || { echo "SKIP: no OpenStack samples in $OS_FIXTURES/openstack"; exit 77; }
    local pf="$T/osport.$RANDOM"
    python3 "$RT_SRC_DIR/tests/servers/openstack_server.py" --fixtures "$OS_FIXTURES/openstack" \
        --port-file "$pf" "$@" 2> "$T/osserver.log" &
    OS_PIDS+=($!)
    for _ in $(seq 1 200); do [ -s "$pf" ] && break; sleep 0.05; done
    [ -s "$pf" ] || die "the OpenStack fixture server did not start: $(cat "$T/osserver.log")"
    OS_PORT=$(cat "$pf")
    OS_URL="http://127.0.0.1:$OS_PORT"
}

os_start_ironic() {
    command -v ironic > /dev/null && command -v ironic-dbsync > /dev/null \
        || { echo "SKIP: Ironic is not installed (apt-get install ironic-api ironic-conductor; .ci/deps.sh --test)"; exit 77; }
    local d="$T/ironic"
    mkdir -p "$d"
    IR_PORT=$(free_port)
    cat > "$d/ironic.conf" <<CONF
[DEFAULT]
auth_strategy = noauth
rpc_transport = none
host = racktop-test
enabled_hardware_types = fake-hardware
enabled_boot_interfaces = fake
enabled_console_interfaces = fake,no-console
enabled_deploy_interfaces = fake
enabled_inspect_interfaces = fake,no-inspect
enabled_management_interfaces = fake
enabled_network_interfaces = noop
enabled_power_interfaces = fake
enabled_raid_interfaces = fake,no-raid
enabled_rescue_interfaces = fake,no-rescue
enabled_storage_interfaces = noop
enabled_vendor_interfaces = fake,no-vendor
enabled_bios_interfaces = fake,no-bios
default_deploy_interface = fake
default_boot_interface = fake
default_network_interface = noop
log_dir = $d
use_stderr = false
[api]
host_ip = 127.0.0.1
port = $IR_PORT
[database]
connection = sqlite:///$d/ironic.sqlite
[conductor]
automated_clean = false
sync_power_state_interval = -1
[dhcp]
dhcp_provider = none
[oslo_concurrency]
lock_path = $d
CONF
    ironic-dbsync --config-file "$d/ironic.conf" create_schema > "$d/dbsync.log" 2>&1 \
        || { echo "SKIP: ironic-dbsync failed: $(tail -1 "$d/dbsync.log")"; exit 77; }
    ironic --config-file "$d/ironic.conf" > "$d/ironic.out" 2>&1 &
    OS_PIDS+=($!)
    IR_URL="http://127.0.0.1:$IR_PORT"
    for _ in $(seq 1 300); do
        curl -sf "$IR_URL/v1/drivers" -H 'X-OpenStack-Ironic-API-Version: 1.31' 2> /dev/null | grep -q fake-hardware && return 0
        sleep 0.1
    done
    echo "SKIP: Ironic did not start on $IR_URL: $(tail -3 "$d/ironic.out" "$d"/*.log 2> /dev/null | tr '\n' ' ')"
    exit 77
}

# ir_api METHOD PATH [BODY]: talk to Ironic directly (the test's own view)
ir_api() {
    curl -sf -X "$1" "$IR_URL$2" -H 'X-OpenStack-Ironic-API-Version: 1.82' \
        -H 'Content-Type: application/json' ${3:+-d "$3"}
}

os_clouds() { cat > "$XDG_CONFIG_HOME/openstack/clouds.yaml"; chmod 600 "$XDG_CONFIG_HOME/openstack/clouds.yaml"; }
# os_clouds_fx [extra cloud keys]: clouds.yaml with cloud "fx", the fixture server's admin
os_clouds_fx() {
    {
        printf 'clouds:\n  fx:\n    auth:\n      auth_url: %s/identity\n' "$OS_URL"
        printf '      username: admin\n      password: secret\n      project_name: demo\n'
        printf '      user_domain_name: Default\n      project_domain_name: Default\n'
        printf '    region_name: RegionOne\n'
        [ $# -gt 0 ] && printf '    %s\n' "$@"
        true
    } | os_clouds
}
os_config() {
    local name=$1 cloud=$2; shift 2
    {
        echo "timeout: ${OS_TIMEOUT:-30s}"
        echo "providers:"
        echo "  - name: $name"
        echo "    type: openstack"
        echo "    cloud: $cloud"
        [ $# -gt 0 ] && printf '    %s\n' "$@"
        true
    } > "$XDG_CONFIG_HOME/racktop/config.yaml"
}
os_ctl() { curl -sf -X POST "$OS_URL/_control/$1" -d "${2:-{\}}" > /dev/null || die "control '$1' failed"; }
os_violations() { curl -sf "$OS_URL/_control/violations"; }
os_requests() { curl -sf "$OS_URL/_control/requests"; }
jq_out() { jq -r "$1" "$T/out"; }
