#!/usr/bin/env bash
# OpenStack provider end to end against the loopback fixture server built on
# the upstream API samples: Keystone password auth and catalog, Nova, Cinder,
# Neutron and Glance listings (paged), the main actions tracked to completion,
# upstream-format errors with their request ids, 401 re-auth, 429/503 with
# Retry-After, and a request log with no malformed request in it.
set -euo pipefail
. "$(dirname "$0")/openstack_lib.bash"
os_start_fixture --servers 7
os_clouds <<EOF2
clouds:
  fx:
    auth:
      auth_url: $OS_URL/identity
      username: admin
      password: secret
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
EOF2
os_config os fx "page_size: 3"
no_violations() { v=$(os_violations); [ "$v" = "[]" ] || die "malformed requests: $v"; }

# ---- inventory, paged (7 servers in pages of 3)
expect 0 list instances -o json
[ "$(jq_out 'length')" = 7 ] || die "expected 7 instances, got $(jq_out 'length')"
jq -e '.[] | select(.name=="vm-00000") | .status=="ACTIVE" and .type=="vm" and .zone=="us-west"
       and .host=="host1" and .flavor=="m1.tiny" and .vcpus==1 and .ram_mb==512
       and (.addresses|index("192.168.1.30")) and .vm_state=="active" and .power_state=="running"
       and .region=="RegionOne" and .locked==false' "$T/out" > /dev/null \
    || die "vm-00000: $(jq -c '.[]|select(.name=="vm-00000")' "$T/out")"
os_requests > "$T/req.json"
jq -e '[.[] | select(.path|endswith("/servers/detail"))] | length == 3' "$T/req.json" > /dev/null \
    || die "servers were not paged in 3 requests: $(jq -c '[.[]|select(.path|endswith("/servers/detail"))|.query]' "$T/req.json")"
jq -e '[.[] | select(.path|endswith("/servers/detail")) | .query] | .[1] | test("limit=3&marker=")' "$T/req.json" > /dev/null \
    || die "second page lacks limit/marker"
jq -e '[.[] | select((.path|startswith("/compute/v2.1/")) and .path != "/compute/v2.1/") | .mv] | all(. == "compute 2.96")' "$T/req.json" > /dev/null \
    || die "compute requests without the negotiated microversion"
jq -e '[.[] | select(.path|startswith("/identity"))] | length == 1' "$T/req.json" > /dev/null || die "more than one token request"
# ---- the reference client (python-openstackclient, when installed) against the same
# server: it asks for compute 2.1 through the legacy X-OpenStack-Nova-API-Version
# header, so the fixture must answer in 2.1 shapes (flavor {id, links}) for it
# while racktop's 2.96 requests keep theirs; neither may leave a violation.
if command -v openstack > /dev/null; then
    OS_CLOUD=fx OS_CLIENT_CONFIG_FILE="$XDG_CONFIG_HOME/openstack/clouds.yaml" \
        openstack server list -f json --limit -1 > "$T/cli.json" 2> "$T/cli.err" \
        || die "openstack server list failed: $(tail -1 "$T/cli.err")"
    jq -e 'length == 7 and (.[] | select(.Name=="vm-00000") | .Flavor=="m1.tiny" and .Status=="ACTIVE")' \
        "$T/cli.json" > /dev/null || die "openstack server list: $(head -c 400 "$T/cli.json")"
    no_violations
fi

expect 0 list hosts -o json
jq -e 'length >= 1 and all(.type=="hypervisor")' "$T/out" > /dev/null || die "hypervisors: $(cat "$T/out")"
expect 0 list flavors -o json
jq -e '.[] | select(.name=="m1.small") | .vcpus==1 and .ram_mb==2048 and .disk_gb==20' "$T/out" > /dev/null || die "flavors"
expect 0 list volumes -o json
jq -e '.[0] | .size_gb==10 and .status=="ACTIVE" and .bootable==false' "$T/out" > /dev/null || die "volumes"
expect 0 list snapshots -o json
jq -e '.[] | select(.name=="snap-001") | .source_kind=="volume" and .size_gb==10' "$T/out" > /dev/null || die "snapshots"
expect 0 list secgroups -o json
jq -e '.[] | select(.name=="default") | (.rules|length)==4' "$T/out" > /dev/null || die "secgroups"
expect 0 list images -o json
jq -e '.[] | select(.name=="cirros-0.3.2-x86_64-disk") | .os_distro=="ubuntu" and .default_user=="ubuntu" and .visibility=="public" and .disk_format=="qcow2"' "$T/out" > /dev/null || die "images"
for k in keypairs servergroups zones regions; do
    expect 0 list $k -o json
    [ "$(jq_out 'length')" -ge 1 ] || die "no $k"
done

# ---- instance actions, followed to completion
expect 0 do stop instance vm-00001 --wait
expect 0 show instance vm-00001 -o json
jq -e '.status=="SHUTOFF"' "$T/out" > /dev/null || die "vm-00001 not SHUTOFF"
expect 0 do start instance vm-00001 --wait
expect 0 do reboot instance vm-00001 --wait
expect 0 do hard-reboot instance vm-00001 --wait
expect 0 do resize instance vm-00001 flavor=m1.small --wait
expect 0 show instance vm-00001 -o json
jq -e '.status=="VERIFY_RESIZE" and .flavor=="m1.small"' "$T/out" > /dev/null || die "resize: $(cat "$T/out")"
expect 0 do confirm-resize instance vm-00001 --wait
expect 0 do lock instance vm-00001 --wait
expect 0 show instance vm-00001 -o json
jq -e '.locked==true and .status=="ACTIVE"' "$T/out" > /dev/null || die "lock"
expect 0 do unlock instance vm-00001 --wait
expect 0 do image instance vm-00001 name=golden --wait
expect 0 do create instance web-1 flavor=m1.tiny image=cirros-0.3.2-x86_64-disk network=auto secgroups=default keypair=k1 --wait
expect 0 list instances -o json
jq -e '.[] | select(.name=="web-1") | .status=="ACTIVE"' "$T/out" > /dev/null || die "web-1 not ACTIVE"
expect 0 do delete instance web-1 --yes --wait
expect 0 list instances -o json
jq -e '[.[] | select(.name=="web-1")] | length==0' "$T/out" > /dev/null || die "web-1 still listed"

# ---- a refused transition: the backend's words and the request id, one line, exit 1
expect 1 do start instance vm-00002 --wait
err_has "compute: HTTP 409: Cannot 'start' instance"
err_has "(request id req-"
one_line_err

# ---- volumes and snapshots

expect 0 do create volume data-1 size_gb=5 --wait
expect 0 list volumes -o json
jq -e '.[] | select(.name=="data-1") | .size_gb==5' "$T/out" > /dev/null || die "data-1"
expect 0 do extend volume data-1 size_gb=8 --wait
expect 0 do attach volume data-1 instance=vm-00003 --wait
expect 0 show volume data-1 -o json
jq -e '.attached_to=="00000000-0000-0000-0000-000000000004" and .device=="/dev/vdb"' "$T/out" > /dev/null || die "attach: $(cat "$T/out")"
expect 0 do detach volume data-1 --wait
expect 0 do snapshot volume data-1 name=s1 --wait
expect 0 do create volume data-2 size_gb=8 snapshot=s1 --wait
expect 0 do revert volume data-1 snapshot=s1 --yes --wait
expect 1 do extend volume data-1 size_gb=2 --wait
err_has "New size for extend must be greater"
expect 0 do delete volume data-2 --yes --wait

# ---- security groups
expect 0 do create secgroup web description=frontends --wait
expect 0 do add-rule secgroup web direction=ingress protocol=tcp port=443 remote=10.0.0.0/8 --wait
expect 0 do add-rule secgroup web direction=ingress protocol=tcp port=8000-8080 --wait
expect 1 do add-rule secgroup web direction=ingress protocol=tcp port=443 remote=10.0.0.0/8 --wait
err_has "network: HTTP 409: Security group rule already exists"
expect 0 show secgroup web -o json
jq -e '(.rules|length)==2 and (.rules|map(select(.port_min==443 and .port_max==443 and .remote=="10.0.0.0/8" and .ethertype=="IPv4"))|length)==1' "$T/out" > /dev/null \
    || die "rules: $(jq -c .rules "$T/out")"
rule=$(jq -r '.rules[] | select(.port_min==8000) | .id' "$T/out")
expect 0 do remove-rule secgroup web rule="$rule" --wait
expect 0 do attach secgroup web instance=vm-00003 --wait
expect 0 show instance vm-00003 -o json
jq -e '.security_groups|index("web")' "$T/out" > /dev/null || die "secgroup not on the instance"
expect 0 do detach secgroup web instance=vm-00003 --wait
expect 0 do delete secgroup web --yes --wait

# ---- 401: the token is revoked; racktop re-authenticates once and the request goes through
os_ctl reset
os_ctl expire
expect 0 list instances -o json
[ "$(jq_out 'length')" = 7 ] || die "after re-auth: $(jq_out 'length') instances"
# ---- 503 and 429 with Retry-After are retried (the shared HTTP engine's backoff)
os_ctl fault '{"path":"/servers/detail","status":503,"retry_after":1,"count":1}'
os_ctl fault '{"path":"/flavors/detail","status":429,"retry_after":1,"count":1,"message":"Rate limit"}'
expect 0 list instances -o json
expect 0 list flavors -o json
# ---- errors in upstream format: message + request id, one line
os_ctl fault '{"path":"/servers/detail","status":500,"count":9,"message":"Unexpected API Error. Please report this"}'
expect 1 list instances -o json
err_has "Unexpected API Error"; err_has "request id req-"
os_ctl fault '{"path":"/servers/detail","status":0,"count":0}'
os_ctl fault '{"path":"/volumes/detail","status":403,"count":1,"message":"Policy doesn'"'"'t allow volume:get_all"}'
expect 1 list volumes -o json
err_has "Policy doesn't allow"
os_ctl fault '{"path":"/security-groups","status":404,"count":1,"message":"gone fishing"}'
expect 1 list secgroups -o json
err_has "gone fishing"

# ---- wrong password: a clear auth error naming the provider and the cloud
sed -i 's/password: secret/password: wrong/' "$XDG_CONFIG_HOME/openstack/clouds.yaml"
expect 1 list instances -o json
err_has "provider 'os' (cloud 'fx')"; err_has "identity: HTTP 401"
no_violations
pass
