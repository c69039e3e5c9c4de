/*
 * test_openstack.c - the OpenStack provider's pure parts, fed from the
 * upstream API samples (shared fixtures, read in place): JSON -> model
 * mapping for every kind, state normalisation, upstream error bodies of each
 * service, ISO times, and clouds.yaml/secure.yaml resolution with file:line
 * errors.
 */
#include "testutil.h"

#include "core/err.h"
#include "core/model.h"
#include "core/providers/openstack_priv.h"
#include "core/xalloc.h"
#include "core/yamltree.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *sample(const char *rel)
{
    char *p = shared_fixture_path(rel);
    json_error_t je;
    json_t *doc = json_load_file(p, 0, &je);

    if (doc == NULL)
        fail_msg("cannot load %s: %s", p, je.text);
    free(p);
    return doc;
}

static const struct os_map_ctx ctx = {"os", "RegionOne", NULL, 0};

static void test_server(void **state)
{
    json_t *doc = sample("openstack/nova/servers-details-resp.v2.100.json");
    json_t *srv = json_array_get(json_object_get(doc, "servers"), 0);
    struct resource *r;

    (void)state;
    r = os_map_server(&ctx, srv);
    assert_non_null(r);
    assert_string_equal(r->id, "f5dc173b-6804-445a-a6d8-c705dad5b5eb");
    assert_string_equal(r->name, "new-server-test");
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    assert_string_equal(res_get(r, "type"), "vm");
    assert_string_equal(res_get(r, "zone"), "us-west");
    assert_string_equal(res_get(r, "flavor"), "m1.tiny");
    assert_int_equal(res_get_int(r, "vcpus", -1), 1);
    assert_int_equal(res_get_int(r, "ram_mb", -1), 512);
    assert_string_equal(res_get(r, "image"), "70a599e0-31e7-49b7-b260-868f441e862b");
    assert_true(res_json_list_has(res_get(r, "addresses"), "192.168.1.30"));
    assert_string_equal(res_get(r, "power_state"), "running");
    assert_string_equal(res_get(r, "vm_state"), "active");
    assert_null(res_get(r, "task_state"));
    assert_string_equal(res_get(r, "locked"), "false");
    assert_string_equal(res_get(r, "region"), "RegionOne");
    assert_int_equal(r->progress, -1);
    assert_true(r->updated_at > 1300000000);
    res_free(r);

    /* A bare-metal server: its host is an Ironic node known to the provider. */
    {
        json_t *ids = json_object();
        struct os_map_ctx c2 = ctx;
        json_object_set_new(srv, "OS-EXT-SRV-ATTR:hypervisor_hostname", json_string("node-uuid-1"));
        json_object_set_new(ids, "node-uuid-1", json_true());
        c2.node_ids = ids;
        r = os_map_server(&c2, srv);
        assert_string_equal(res_get(r, "type"), "baremetal");
        assert_string_equal(res_get(r, "host"), "node-uuid-1");
        res_free(r);
        json_decref(ids);
    }
    /* A build in progress carries task_state and progress. */
    json_object_set_new(srv, "status", json_string("BUILD"));
    json_object_set_new(srv, "OS-EXT-STS:task_state", json_string("spawning"));
    json_object_set_new(srv, "progress", json_integer(40));
    r = os_map_server(&ctx, srv);
    assert_int_equal(r->status, RES_STATUS_BUILD);
    assert_string_equal(r->raw_status, "BUILD/spawning");
    assert_int_equal(r->progress, 40);
    res_free(r);
    json_decref(doc);
}

static void test_server_statuses(void **state)
{
    (void)state;
    assert_int_equal(os_server_status("SHUTOFF"), RES_STATUS_SHUTOFF);
    assert_int_equal(os_server_status("VERIFY_RESIZE"), RES_STATUS_VERIFY);
    assert_int_equal(os_server_status("HARD_REBOOT"), RES_STATUS_BUSY);
    assert_int_equal(os_server_status("MIGRATING"), RES_STATUS_BUSY);
    assert_int_equal(os_server_status("ERROR"), RES_STATUS_ERROR);
    assert_int_equal(os_server_status("SUSPENDED"), RES_STATUS_PAUSED);
    assert_int_equal(os_server_status("weird"), RES_STATUS_UNKNOWN);
    assert_int_equal(os_server_status(NULL), RES_STATUS_UNKNOWN);
}

static void test_node(void **state)
{
    json_t *doc = sample("openstack/ironic/nodes-list-details-response.json");
    json_t *n = json_array_get(json_object_get(doc, "nodes"), 0);
    struct resource *r;

    (void)state;
    r = os_map_node(&ctx, n);
    assert_non_null(r);
    assert_string_equal(r->id, "6d85703a-565d-469a-96ce-30b6de53079d");
    assert_string_equal(r->name, "test_node_classic");
    assert_string_equal(res_get(r, "type"), "baremetal");
    assert_string_equal(res_get(r, "power"), "off");
    assert_string_equal(res_get(r, "provision_state"), "available");
    assert_string_equal(res_get(r, "maintenance"), "false");
    assert_string_equal(res_get(r, "instance_id"), "5344a3e2-978a-444e-990a-cbf47c62ef88");
    assert_string_equal(res_get(r, "model"), "fake");
    assert_int_equal(r->status, RES_STATUS_SHUTOFF);
    res_free(r);

    json_object_set_new(n, "maintenance", json_true());
    json_object_set_new(n, "maintenance_reason", json_string("fan"));
    r = os_map_node(&ctx, n);
    assert_int_equal(r->status, RES_STATUS_MAINTENANCE);
    assert_string_equal(res_get(r, "maintenance_reason"), "fan");
    res_free(r);
    json_decref(doc);

    assert_int_equal(os_node_status("deploying", "active", "power on", 0), RES_STATUS_BUILD);
    assert_int_equal(os_node_status("cleaning", "available", "power on", 0), RES_STATUS_BUSY);
    assert_int_equal(os_node_status("deploy failed", NULL, "power on", 0), RES_STATUS_ERROR);
    assert_int_equal(os_node_status("active", NULL, "power on", 0), RES_STATUS_ACTIVE);
    assert_int_equal(os_node_status("enroll", NULL, NULL, 0), RES_STATUS_UNKNOWN);
}

static void test_cinder_neutron_glance(void **state)
{
    json_t *doc;
    struct resource *r;

    (void)state;
    doc = sample("openstack/cinder/volumes-list-detailed-response.json");
    r = os_map_volume(&ctx, json_array_get(json_object_get(doc, "volumes"), 0));
    assert_int_equal(res_get_int(r, "size_gb", -1), 10);
    assert_int_equal(r->status, RES_STATUS_BUILD); /* "creating" */
    assert_string_equal(res_get(r, "bootable"), "false");
    assert_string_equal(res_get(r, "zone"), "nova");
    assert_string_equal(res_get(r, "volume_type"), "__DEFAULT__");
    res_free(r);
    json_decref(doc);

    doc = sample("openstack/cinder/snapshots-list-detailed-response.json");
    r = os_map_snapshot(&ctx, json_array_get(json_object_get(doc, "snapshots"), 0));
    assert_string_equal(r->name, "snap-001");
    assert_string_equal(res_get(r, "source_kind"), "volume");
    assert_string_equal(res_get(r, "description"), "Daily backup");
    res_free(r);
    json_decref(doc);

    doc = sample("openstack/neutron/security-groups-list-response.json");
    r = os_map_secgroup(&ctx, json_array_get(json_object_get(doc, "security_groups"), 0));
    assert_string_equal(r->name, "default");
    {
        json_t *rules = json_loads(res_get(r, "rules"), 0, NULL);
        assert_true(json_array_size(rules) >= 2);
        assert_string_equal(json_string_value(json_object_get(json_array_get(rules, 0),
                                                              "protocol")), "any");
        assert_string_equal(json_string_value(json_object_get(json_array_get(rules, 0),
                                                              "direction")), "egress");
        json_decref(rules);
    }
    res_free(r);
    json_decref(doc);

    doc = sample("openstack/glance/images-list-response.json");
    {
        json_t *img = json_array_get(json_object_get(doc, "images"), 0);
        json_object_set_new(img, "os_distro", json_string("ubuntu"));
        r = os_map_image(&ctx, img);
        assert_string_equal(r->name, "cirros-0.3.2-x86_64-disk");
        assert_int_equal(r->status, RES_STATUS_ACTIVE);
        assert_string_equal(res_get(r, "default_user"), "ubuntu");
        assert_string_equal(res_get(r, "visibility"), "public");
        assert_string_equal(res_get(r, "disk_format"), "qcow2");
        res_free(r);
    }
    json_decref(doc);
    assert_string_equal(os_default_user("rhel"), "cloud-user");
    assert_null(os_default_user("plan9"));
}

static void test_nova_others(void **state)
{
    json_t *doc;
    struct resource *r;

    (void)state;
    doc = sample("openstack/nova/flavors-detail-resp.json");
    r = os_map_flavor(&ctx, json_array_get(json_object_get(doc, "flavors"), 1));
    assert_string_equal(r->name, "m1.small");
    assert_int_equal(res_get_int(r, "ram_mb", -1), 2048);
    assert_int_equal(res_get_int(r, "disk_gb", -1), 20);
    assert_string_equal(res_get(r, "type"), "vm");
    res_free(r);
    json_decref(doc);

    doc = sample("openstack/nova/hypervisors-detail-resp.json");
    r = os_map_hypervisor(&ctx, json_array_get(json_object_get(doc, "hypervisors"), 0));
    assert_non_null(r);
    assert_string_equal(res_get(r, "type"), "hypervisor");
    assert_non_null(res_get(r, "vcpus"));
    assert_non_null(res_get(r, "mem_mb"));
    res_free(r);
    json_decref(doc);

    doc = sample("openstack/nova/server-groups-list-resp.json");
    r = os_map_servergroup(&ctx, json_array_get(json_object_get(doc, "server_groups"), 0));
    assert_non_null(res_get(r, "policy")); /* old shape: policies[0] */
    res_free(r);
    json_decref(doc);

    doc = sample("openstack/nova/keypairs-list-resp.v2.35.json");
    r = os_map_keypair(&ctx, json_array_get(json_object_get(doc, "keypairs"), 0));
    assert_string_equal(res_get(r, "key_type"), "ssh");
    assert_non_null(res_get(r, "fingerprint"));
    res_free(r);
    json_decref(doc);
}

static void test_error_text(void **state)
{
    char *t;

    (void)state;
    t = os_error_text("{\"itemNotFound\": {\"message\": \"Instance x could not be found.\", "
                      "\"code\": 404}}", 404);
    assert_string_equal(t, "Instance x could not be found.");
    free(t);
    t = os_error_text("{\"NeutronError\": {\"type\": \"X\", \"message\": \"Quota exceeded\", "
                      "\"detail\": \"\"}}", 409);
    assert_string_equal(t, "Quota exceeded");
    free(t);
    t = os_error_text("{\"error_message\": \"{\\\"faultstring\\\": \\\"Node n1 is locked\\\", "
                      "\\\"debuginfo\\\": null}\"}", 409);
    assert_string_equal(t, "Node n1 is locked");
    free(t);
    t = os_error_text("{\"error\": {\"code\": 401, \"message\": \"The request you have made "
                      "requires authentication.\", \"title\": \"Unauthorized\"}}", 401);
    assert_string_equal(t, "The request you have made requires authentication.");
    free(t);
    t = os_error_text("<html>\n<body>503 Service\nUnavailable</body></html>", 503);
    assert_null(strchr(t, '\n'));
    free(t);
    t = os_error_text("", 502);
    assert_string_equal(t, "HTTP 502");
    free(t);
}

static void test_time(void **state)
{
    (void)state;
    assert_int_equal(os_parse_time("1970-01-02T00:00:00Z"), 86400);
    assert_int_equal(os_parse_time("1970-01-02T00:00:00.123456"), 86400);
    assert_int_equal(os_parse_time("1970-01-02T01:00:00+01:00"), 86400);
    assert_int_equal(os_parse_time("nope"), 0);
    assert_int_equal(os_parse_time(NULL), 0);
}

static void test_clouds(void **state)
{
    static const char clouds[] =
        "clouds:\n"
        "  prod:\n"
        "    auth:\n"
        "      auth_url: https://keystone.example:5000/v3\n"
        "      username: ops\n"
        "      project_name: fleet\n"
        "      user_domain_name: Default\n"
        "    region_name: RegionTwo\n"
        "    interface: internal\n"
        "    verify: false\n"
        "  ironic:\n"
        "    auth_type: none\n"
        "    baremetal_endpoint_override: http://127.0.0.1:6385\n"
        "  bad:\n"
        "    auth_type: kerberos\n"
        "    auth: {auth_url: http://x}\n";
    static const char secure[] = "clouds:\n  prod:\n    auth:\n      password: s3cret\n";
    struct ynode *c = NULL, *s = NULL;
    struct os_cloud oc;
    struct rt_error err = {0};

    (void)state;
    assert_int_equal(ynode_parse_string(clouds, strlen(clouds), "clouds.yaml", &c, &err), 0);
    assert_int_equal(ynode_parse_string(secure, strlen(secure), "secure.yaml", &s, &err), 0);
    assert_int_equal(os_cloud_from_tree(c, s, "prod", &oc, &err), 0);
    assert_string_equal(oc.password, "s3cret");
    assert_string_equal(oc.username, "ops");
    assert_string_equal(oc.region, "RegionTwo");
    assert_string_equal(oc.interface, "internal");
    assert_string_equal(oc.auth_type, "password");
    assert_int_equal(oc.verify, 0);
    os_cloud_done(&oc);

    assert_int_equal(os_cloud_from_tree(c, NULL, "ironic", &oc, &err), 0);
    assert_string_equal(oc.auth_type, "none");
    assert_string_equal(oc.override[OS_SVC_BAREMETAL], "http://127.0.0.1:6385");
    assert_null(oc.override[OS_SVC_COMPUTE]);
    os_cloud_done(&oc);

    /* No secure.yaml: the password is missing. */
    assert_int_equal(os_cloud_from_tree(c, NULL, "prod", &oc, &err), -1);
    assert_non_null(strstr(err.msg, "clouds.yaml:3: cloud 'prod': password auth needs"));
    assert_int_equal(os_cloud_from_tree(c, NULL, "bad", &oc, &err), -1);
    assert_non_null(strstr(err.msg, "auth_type 'kerberos' is not supported"));
    assert_int_equal(os_cloud_from_tree(c, NULL, "nope", &oc, &err), -1);
    assert_non_null(strstr(err.msg, "cloud 'nope' is not in clouds.yaml"));
    ynode_free(c);
    ynode_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server),
        cmocka_unit_test(test_server_statuses),
        cmocka_unit_test(test_node),
        cmocka_unit_test(test_cinder_neutron_glance),
        cmocka_unit_test(test_nova_others),
        cmocka_unit_test(test_error_text),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_clouds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
