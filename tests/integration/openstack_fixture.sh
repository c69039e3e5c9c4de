#!/usr/bin/env bash
# OpenStack provider end to end against the loopback fixture server built on
# the upstream API samples: Keystone password auth and catalog, Nova, Cinder,
# Neutron (security groups, ports, floating IPs, networks) and Glance listings (paged), the
# main actions tracked to completion,
# upstream-format errors with their request ids, 401 re-auth, 429/503 with
# Retry-After, and a request log with no malformed request in it.
set -euo pipefail
. "$(dirname "$0")/openstack_lib.bash"
os_start_fixture --servers 7
os_clouds_fx "interface: public"
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
expect 0 do create instance web-1 flavor=m1.tiny image=cirros-0.3.2-x86_64-disk network=auto secgroups=default keypair=keypair-5d935425-31d5-48a7-a0f1-e76e9813f2c3 --wait
expect 1 do create instance web-9 flavor=m1.tiny image=cirros-0.3.2-x86_64-disk keypair=k1 --wait
err_has "Invalid key_name provided."
expect 0 list instances -o json
jq -e '.[] | select(.name=="web-1") | .status=="ACTIVE"' "$T/out" > /dev/null || die "web-1 not ACTIVE"
expect 0 do delete instance web-1 --yes --wait
expect 0 list instances -o json
jq -e '[.[] | select(.name=="web-1")] | length==0' "$T/out" > /dev/null || die "web-1 still listed"

# ---- the rest of the Nova verbs of the issue; the fixture checks each body's shape
srv() { expect 0 show instance "$1" -o json; jq -e "$2" "$T/out" > /dev/null || die "$1: expected $2, got $(jq -c 'del(.raw)' "$T/out")"; }
expect 0 do resize instance vm-00001 flavor=m1.small --wait
expect 0 do revert-resize instance vm-00001 --wait
srv vm-00001 '.status=="ACTIVE"'
expect 3 do rebuild instance vm-00001 --wait          # destructive: refused without --yes
expect 0 do rebuild instance vm-00001 --yes --wait    # from its current image
expect 0 do rebuild instance vm-00001 image=cirros-0.3.2-x86_64-disk --yes --wait
img=$(jq -r '.images[] | select(.name=="cirros-0.3.2-x86_64-disk") | .id' "$OS_FIXTURES/openstack/glance/images-list-response.json")
srv vm-00001 ".raw.image.id==\"$img\" and .status==\"ACTIVE\""
expect 0 do migrate instance vm-00001 --wait          # cold: ends in VERIFY_RESIZE
srv vm-00001 '.status=="VERIFY_RESIZE" and .host=="host2"'
expect 0 do confirm-resize instance vm-00001 --wait
expect 0 do migrate instance vm-00001 host=host1 --wait
expect 0 do confirm-resize instance vm-00001 --wait
srv vm-00001 '.status=="ACTIVE" and .host=="host1"'
expect 0 do live-migrate instance vm-00001 --wait     # host: the scheduler's choice (null)
srv vm-00001 '.host=="host2"'
expect 0 do live-migrate instance vm-00001 host=host1 --wait
srv vm-00001 '.host=="host1" and .status=="ACTIVE"'
expect 0 do evacuate instance vm-00001 host=host2 --yes --wait
srv vm-00001 '.host=="host2"'
expect 0 do evacuate instance vm-00001 --yes --wait
os_requests > "$T/req.json"
jq -e '[.[] | select(.path|endswith("/action"))] | length >= 12' "$T/req.json" > /dev/null || die "server actions not sent"
no_violations

# ---- describe: Nova's instance action history and the console log's last N lines, fetched
# on demand through the provider's detail hook; backend text is sanitised
expect 0 show instance vm-00001 --lines 5
out_has "actions:"
grep -qE '^  [0-9-]+ [0-9:]+ +evacuate +req-' "$T/out" || die "no evacuate in the history: $(cat "$T/out")"
out_has "live-migration"
[ "$(sed -n '/^actions:/,/^console/p' "$T/out" | grep -c '^  ')" = 20 ] || die "the history is not the newest 20: $(cat "$T/out")"
expect 0 show instance vm-00005
grep -qE '^  2018-04-25 01:26:36 +stop +req-f04d4b92' "$T/out" || die "the sample's history is missing: $(cat "$T/out")"
expect 0 show instance vm-00001 --lines 5
out_has "console (last 5 lines):"
out_has "boot line 99"; out_has "login: vm-00001"
grep -q "boot line 95" "$T/out" && die "more than 5 console lines: $(cat "$T/out")"
grep -q $'\x1b' "$T/out" && die "an escape sequence from the console log reached the terminal"
grep -q $'\x07' "$T/out" && die "a BEL from the console log reached the terminal"
expect 0 show instance vm-00001 -o json
jq -e '.detail[0].title=="actions" and (.detail[0].text|test("evacuate")) and (.detail[1].title=="console (last 50 lines)")
       and (.detail[1].text|split("\n")|length==50)' "$T/out" > /dev/null || die "detail JSON: $(jq -c .detail "$T/out")"
expect 0 show instance vm-00001 --no-detail -o json
jq -e 'has("detail")|not' "$T/out" > /dev/null || die "--no-detail still fetched the detail"
expect 2 show instance vm-00001 --lines 0
os_requests > "$T/req.json"
jq -e '[.[] | select(.path|endswith("/os-instance-actions")) | .query] | all(. == "limit=20")' "$T/req.json" > /dev/null \
    || die "os-instance-actions without limit=20: $(jq -c '[.[]|select(.path|endswith("/os-instance-actions"))]' "$T/req.json")"
no_violations

# ---- create with everything: boot from volume, a network by name and a port, zone, key pair,
# a server group by name, user data, count; the fixture checks Nova's schema for each
vol=$(jq -r '.volumes[0].id' "$OS_FIXTURES/openstack/cinder/volumes-list-detailed-response.json")
expect 0 do create instance web-2 flavor=m1.tiny image=volume:$vol network=net1,port:5a7a4e4c-0000-4000-8000-000000000001 \
    zone=us-west keypair=keypair-5d935425-31d5-48a7-a0f1-e76e9813f2c3 server_group=test secgroups=default,web0 \
    user_data=$'#cloud-config\nhostname: web' count=2 --wait
curl -sf "$OS_URL/_control/created" > "$T/created.json"
jq -e --arg vol "$vol" '.[-1] | .server as $s | $s.name=="web-2" and $s.imageRef=="" and $s.min_count==2 and $s.max_count==2
       and $s.block_device_mapping_v2[0].uuid==$vol and $s.block_device_mapping_v2[0].source_type=="volume"
       and $s.networks==[{"uuid":"d32019d3-bc6e-4319-9c1d-6722fc136a22"},{"port":"5a7a4e4c-0000-4000-8000-000000000001"}]
       and $s.availability_zone=="us-west" and $s.key_name=="keypair-5d935425-31d5-48a7-a0f1-e76e9813f2c3"
       and $s.security_groups==[{"name":"default"},{"name":"web0"}]
       and (.["os:scheduler_hints"].group=="616fb98f-46ca-475e-917e-2563e5a8cd19")
       and ($s.user_data|@base64d)=="#cloud-config\nhostname: web"' "$T/created.json" > /dev/null \
    || die "create body: $(jq -c '.[-1]' "$T/created.json")"
expect 0 list instances -o json
jq -e '[.[] | select(.name=="web-2-1" or .name=="web-2-2")] | length==2' "$T/out" > /dev/null || die "count=2 did not make web-2-1 and web-2-2"
expect 1 do create instance web-3 flavor=m1.tiny image=cirros-0.3.2-x86_64-disk network=no-such-net --wait
err_has "no network 'no-such-net'"
expect 1 do create instance web-3 flavor=m1.tiny image=cirros-0.3.2-x86_64-disk server_group=nope --wait
err_has "no server group 'nope'"
expect 0 do delete instance web-2-1 --yes --wait
expect 0 do delete instance web-2-2 --yes --wait
no_violations

# ---- count=N: Nova answers with the reservation id of all N (return_reservation_id) and the
# task follows every server of it (GET /servers/detail?reservation_id=), not just the first,
# paged: 4 servers are two pages of this config's page_size 3
os_ctl reset
expect 0 do create instance farm flavor=m1.tiny image=cirros-0.3.2-x86_64-disk network=auto count=4 --wait
out_has "4/4 ACTIVE"
curl -sf "$OS_URL/_control/created" > "$T/created.json"
jq -e '.[-1].server | .name=="farm" and .min_count==4 and .max_count==4 and .return_reservation_id==true' \
    "$T/created.json" > /dev/null || die "count=4 create body: $(jq -c '.[-1]' "$T/created.json")"
os_requests > "$T/req.json"
jq -e '[.[] | select(.path|endswith("/servers/detail")) | .query | select(test("^reservation_id=r-[a-z0-9]{8}&limit=3$"))]
       | length >= 2' "$T/req.json" > /dev/null \
    || die "the task did not follow the reservation: $(jq -c '[.[]|select(.path|endswith("/servers/detail"))|.query]' "$T/req.json")"
jq -e '[.[] | select(.path|endswith("/servers/detail")) | .query | select(test("^reservation_id=r-[a-z0-9]{8}&limit=3&marker="))]
       | length >= 1' "$T/req.json" > /dev/null \
    || die "the reservation was not paged: $(jq -c '[.[]|select(.path|endswith("/servers/detail"))|.query]' "$T/req.json")"
expect 0 list instances -o json
jq -e '[.[] | select(.name|test("^farm-[1234]$")) | select(.status=="ACTIVE")] | length==4' "$T/out" > /dev/null \
    || die "count=4 did not make farm-1..4 ACTIVE: $(jq -c '[.[]|select(.name|startswith("farm"))|{name,status}]' "$T/out")"
# one of the three fails to build: the task fails with that server's fault, after the others settle
os_ctl build_fail '{"count":1,"message":"No valid host was found. There are not enough hosts available."}'
expect 1 do create instance lot flavor=m1.tiny image=cirros-0.3.2-x86_64-disk network=auto count=3 --wait
err_has "2/3 ACTIVE, 1 failed"; err_has "lot-1: No valid host was found"; one_line_err
# the quota allows fewer than min_count: Nova refuses the whole request (403) with its words
os_ctl capacity '{"instances":1}'
expect 1 do create instance big flavor=m1.tiny image=cirros-0.3.2-x86_64-disk network=auto count=2 --wait
err_has "Quota exceeded for instances: Requested 2"; err_has "(request id req-"
os_ctl capacity '{"instances":null}'
for n in farm-1 farm-2 farm-3 farm-4 lot-1 lot-2 lot-3; do expect 0 do delete instance $n --yes --wait; done
no_violations

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
expect 0 do create volume data-3 size_gb=1 image=cirros-0.3.2-x86_64-disk --wait
expect 0 show volume data-3 -o json
jq -e ".raw.volume_image_metadata.image_id==\"$img\"" "$T/out" > /dev/null || die "volume from image: $(cat "$T/out")"
expect 0 do delete snapshot s1 --yes --wait
expect 0 list snapshots -o json
jq -e '[.[] | select(.name=="s1")] | length==0' "$T/out" > /dev/null || die "snapshot s1 still listed"

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
expect 0 do add-rule secgroup web direction=ingress protocol=tcp port=22 remote_group=default --wait
sg_default=$(jq -r '.security_groups[] | select(.name=="default") | .id' "$OS_FIXTURES/openstack/neutron/security-groups-list-response.json")
expect 0 show secgroup web -o json
jq -e ".raw.security_group_rules | map(select(.remote_group_id==\"$sg_default\" and .port_range_min==22)) | length==1" "$T/out" > /dev/null \
    || die "remote group rule: $(jq -c .raw.security_group_rules "$T/out")"
expect 0 do remove-rule secgroup web rule="$rule" --wait
expect 0 do attach secgroup web instance=vm-00003 --wait
expect 0 show instance vm-00003 -o json
jq -e '.security_groups|index("web")' "$T/out" > /dev/null || die "secgroup not on the instance"
expect 0 do detach secgroup web instance=vm-00003 --wait
expect 0 do delete secgroup web --yes --wait

# ---- Neutron ports and floating IPs: paged listings (limit/marker), floating IP create,
# associate (through the instance's port), disassociate, delete, port delete; the fixture
# checks each body; refused requests show Neutron's message and the request id
os_ctl reset
expect 0 list ports -o json
[ "$(jq_out 'length')" = 9 ] || die "expected 9 ports (2 samples + 7 servers), got $(jq_out 'length')"
jq -e '.[] | select(.name=="port-vm-00003") | .status=="ACTIVE" and .instance=="00000000-0000-0000-0000-000000000004"
       and .device_owner=="compute:us-west" and .fixed_ips==["192.168.1.13"] and .mac=="fa:16:3e:00:00:04"
       and .admin_state==true and .network_id=="d32019d3-bc6e-4319-9c1d-6722fc136a22" and .region=="RegionOne"' \
    "$T/out" > /dev/null || die "port-vm-00003: $(jq -c '.[]|select(.name=="port-vm-00003")|del(.raw)' "$T/out")"
jq -e '.[] | select(.id=="d80b1a3b-4fc1-49f3-952e-1e2ab7081d8b") | .device_owner=="network:router_gateway"
       and .instance==null and .device_id=="9ae135f4-b6e0-4dad-9e91-3c223e385824" and .fixed_ips==["172.24.4.2"]' \
    "$T/out" > /dev/null || die "router port: $(jq -c '.[]|select(.id=="d80b1a3b-4fc1-49f3-952e-1e2ab7081d8b")' "$T/out")"
os_requests > "$T/req.json"
jq -e '[.[] | select(.path=="/network/v2.0/ports") | .query] | length==4 and .[0]=="limit=3"
       and (.[1]|test("^limit=3&marker=[0-9a-f-]+$"))' "$T/req.json" > /dev/null \
    || die "ports were not paged: $(jq -c '[.[]|select(.path=="/network/v2.0/ports")|.query]' "$T/req.json")"
jq -e '[.[] | select(.path|startswith("/network/"))] | all(.token)' "$T/req.json" > /dev/null || die "network request without a token"
expect 0 list floatingips -o json
[ "$(jq_out 'length')" = 3 ] || die "expected 3 floating IPs, got $(jq_out 'length')"
jq -e '.[] | select(.name=="172.24.4.228") | .status=="ACTIVE" and .fixed_ip_address=="10.0.0.3"
       and .port_id=="ce705c24-c1ef-408a-bda3-7bbd946164ab" and .instance=="8e3941b4-a6e9-499f-a1ac-2a4662025cba"
       and .router=="d23abc8d-2991-4a55-ba98-2aaea84cc72f" and .floating_network_id=="376da547-b977-4cfe-9cba-275c80debf57"' \
    "$T/out" > /dev/null || die "172.24.4.228: $(jq -c '.[]|select(.name=="172.24.4.228")|del(.raw)' "$T/out")"
jq -e '.[] | select(.name=="172.24.4.227") | .status=="SHUTOFF" and .port_id==null and .instance==null' "$T/out" > /dev/null \
    || die "172.24.4.227: $(jq -c '.[]|select(.name=="172.24.4.227")|del(.raw)' "$T/out")"
expect 0 list fips
out_has "172.24.4.228"; out_has "10.0.0.3"
# networks: the two samples plus the fixture's external "public", paged (3 = a full page, then
# an empty one after the last id); provider:* attributes are absent for this project member
os_ctl reset
expect 0 list networks -o json
[ "$(jq_out 'length')" = 3 ] || die "expected 3 networks (2 samples + public), got $(jq_out 'length')"
jq -e '.[] | select(.name=="public") | .id=="376da547-b977-4cfe-9cba-275c80debf57" and .external==true
       and .status=="ACTIVE" and .subnets==["278d9507-36e7-403c-bb80-1d7093318fe6"] and .mtu==1500
       and .availability_zones==["nova"] and .region=="RegionOne"' \
    "$T/out" > /dev/null || die "public: $(jq -c '.[]|select(.name=="public")|del(.raw)' "$T/out")"
jq -e '.[] | select(.name=="net1") | .external==false and .shared==false
       and .project_id=="4fd44f30292945e481c7b8a0c8908869" and .network_type==null' \
    "$T/out" > /dev/null || die "net1: $(jq -c '.[]|select(.name=="net1")|del(.raw)' "$T/out")"
os_requests > "$T/req.json"
jq -e '[.[] | select(.path=="/network/v2.0/networks") | .query] | length==2 and .[0]=="limit=3"
       and .[1]=="limit=3&marker=376da547-b977-4cfe-9cba-275c80debf57"' "$T/req.json" > /dev/null \
    || die "networks were not paged: $(jq -c '[.[]|select(.path=="/network/v2.0/networks")|.query]' "$T/req.json")"
no_violations
for k in ports floatingips networks; do # docs/CLI.md documents every key (the demo has none of these)
    expect 0 list $k -o json
    for key in $(jq -r '.[0] | keys[]' "$T/out"); do
        grep -qF "| \`$key\` |" "$RT_SRC_DIR/docs/CLI.md" || die "docs/CLI.md does not document '$key' of $k"
    done
done
fip() { expect 0 show floatingip "$1" -o json; jq -e "$2" "$T/out" > /dev/null || die "$1: expected $2, got $(jq -c 'del(.raw)' "$T/out")"; }
expect 0 do create floatingip public address=172.24.4.50 description=web --wait
fip 172.24.4.50 '.status=="SHUTOFF" and .floating_network_id=="376da547-b977-4cfe-9cba-275c80debf57" and .description=="web"'
expect 0 do create floatingip 376da547-b977-4cfe-9cba-275c80debf57 --wait    # by id, any free address
expect 0 list floatingips -o json
[ "$(jq_out 'length')" = 5 ] || die "expected 5 floating IPs after two creates, got $(jq_out 'length')"
expect 1 do create floatingip public address=172.24.4.50 --wait
err_has "network: HTTP 409: IP address 172.24.4.50 already allocated"; err_has "(request id req-"; one_line_err
expect 1 do create floatingip net1 --wait
err_has "is not a valid external network"; err_has "(request id req-"
expect 1 do create floatingip no-such-pool --wait
err_has "no network 'no-such-pool'"
expect 0 do associate floatingip 172.24.4.50 instance=vm-00003 --wait
fip 172.24.4.50 '.status=="ACTIVE" and .port_id=="5a7a4e4c-1000-4000-8000-000000000004" and .fixed_ip_address=="192.168.1.13"
                 and .instance=="00000000-0000-0000-0000-000000000004"'
os_requests > "$T/req.json"
jq -e '[.[] | select(.path=="/network/v2.0/ports" and .query=="device_id=00000000-0000-0000-0000-000000000004")] | length==1' \
    "$T/req.json" > /dev/null || die "the instance's port was not looked up by device_id"
jq -e '[.[] | select(.method=="PUT" and (.path|startswith("/network/v2.0/floatingips/")))] | length==1' "$T/req.json" > /dev/null \
    || die "associate did not PUT the floating IP"
# a Neutron without the fip-port-details extension: the instance comes from the port's device
os_ctl neutron '{"port_details": false}'
os_ctl reset
expect 0 list floatingips -o json
jq -e '(.[] | select(.name=="172.24.4.50") | .instance=="00000000-0000-0000-0000-000000000004")
       and (.[] | select(.name=="172.24.4.227") | .instance==null)' "$T/out" > /dev/null \
    || die "without port_details: $(jq -c '[.[]|{name,port_id,instance}]' "$T/out")"
fip 172.24.4.50 '.instance=="00000000-0000-0000-0000-000000000004" and .port_id=="5a7a4e4c-1000-4000-8000-000000000004"'
os_requests > "$T/req.json"
jq -e '[.[] | select(.path|startswith("/network/v2.0/ports"))] | length >= 1' "$T/req.json" > /dev/null \
    || die "the ports were not looked up for the missing port_details"
# one floating IP read after an action (the task's result): its one port is read with one
# GET, not a listing of every port, and gives the instance
expect 0 do disassociate floatingip 172.24.4.50 --wait
os_ctl reset
expect 0 do associate floatingip 172.24.4.50 instance=vm-00003 --wait
os_requests > "$T/req.json"
jq -e '[.[] | select(.method=="GET" and (.path|test("^/network/v2.0/ports/[0-9a-f-]+$")))] | length >= 1' \
    "$T/req.json" > /dev/null \
    || die "the port of one floating IP was not read by itself: $(jq -c '[.[]|select(.path|startswith("/network/v2.0/ports"))|.path]' "$T/req.json")"
fip 172.24.4.50 '.instance=="00000000-0000-0000-0000-000000000004"'
os_ctl neutron '{"port_details": true}'
expect 1 do associate floatingip 172.24.4.227 instance=vm-00003 --wait
err_has "network: HTTP 409: Cannot associate floating IP 172.24.4.227"; err_has "(request id req-"; one_line_err
expect 1 do associate floatingip 172.24.4.227 instance=vm-00003 port=5a7a4e4c-1000-4000-8000-000000000001 --wait
err_has "is not a port of instance 'vm-00003'"
expect 2 do associate floatingip 172.24.4.227 --wait
err_has "needs parameter 'instance='"
expect 0 do disassociate floatingip 172.24.4.50 --wait
fip 172.24.4.50 '.status=="SHUTOFF" and .port_id==null and .fixed_ip_address==null and .instance==null'
expect 3 do delete floatingip 172.24.4.50 --wait        # destructive: refused without --yes
expect 0 do delete floatingip 172.24.4.50 --yes --wait
expect 0 list floatingips -o json
jq -e '[.[] | select(.name=="172.24.4.50")] | length==0' "$T/out" > /dev/null || die "172.24.4.50 still listed"
expect 0 do delete port port-vm-00006 --yes --wait
expect 0 list ports -o json
jq -e 'length==8 and ([.[] | select(.name=="port-vm-00006")] | length==0)' "$T/out" > /dev/null || die "port-vm-00006 still listed"
expect 4 do delete port port-vm-00006 --yes --wait        # gone: not found
err_has "no port 'port-vm-00006'"
# backend text is sanitised before it reaches the terminal
os_ctl port '{"id":"5a7a4e4c-1000-4000-8000-000000000002","name":"evil\u001b]0;pwned\u0007\u001b[2J-port"}'
expect 0 list ports
out_has "-port"
grep -q $'\x1b' "$T/out" && die "an escape sequence from a port name reached the terminal"
grep -q $'\x07' "$T/out" && die "a BEL from a port name reached the terminal"
os_ctl fault '{"path":"/v2.0/floatingips","status":500,"count":9,"message":"Request Failed: internal server error while processing your request."}'
expect 1 list floatingips -o json
err_has "Request Failed: internal server error"; err_has "request id req-"; one_line_err
no_violations

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
