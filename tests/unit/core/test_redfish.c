/*
 * test_redfish.c - the Redfish JSON -> model mapping (redfish_map.c) over the
 * DMTF mockups read in place from the shared fixtures, plus partial,
 * malformed and hostile documents that must map to "unknown", never crash.
 */
#include "testutil.h"

#include "core/model.h"
#include "core/providers/redfish_priv.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *load_mock(const char *rel)
{
    char *p = xasprintf("redfish/%s/index.json", rel);
    char *path = shared_fixture_path(p);
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);

    if (doc == NULL)
        fail_msg("cannot read %s: %s", path, je.text);
    free(p);
    free(path);
    return doc;
}

static void test_rackmount_host(void **state)
{
    struct rf_docs d = {0};
    struct resource *r = res_new("rf", RES_KIND_HOST, "r1/437XR1138R2", "r1");

    (void)state;
    d.bmc_name = "r1";
    d.bmc_address = "https://10.0.0.5";
    d.rack = "A01";
    d.system = load_mock("public-rackmount1/Systems/437XR1138R2");
    d.chassis = load_mock("public-rackmount1/Chassis/1U");
    d.thermal = load_mock("public-rackmount1/Chassis/1U/Thermal");
    d.power = load_mock("public-rackmount1/Chassis/1U/Power");
    d.manager = load_mock("public-rackmount1/Managers/BMC");
    rf_map_host(&d, r);
    assert_string_equal(res_get(r, "type"), "baremetal");
    assert_string_equal(res_get(r, "power"), "on");
    assert_string_equal(res_get(r, "health"), "Warning"); /* HealthRollup */
    assert_string_equal(res_get(r, "model"), "Contoso 3500");
    assert_string_equal(res_get(r, "serial"), "437XR1138R2");
    assert_string_equal(res_get(r, "bmc"), "https://10.0.0.5");
    assert_string_equal(res_get(r, "rack"), "A01");
    assert_string_equal(res_get(r, "bmc_firmware"), "1.45.455b66-rev4");
    assert_string_equal(res_get(r, "boot_override"), "Pxe/Once/UEFI");
    assert_string_equal(res_get(r, "provision_state"), "available");
    assert_true(res_get_num(r, "temp_c", -1) == 25);  /* the intake sensor */
    assert_true(res_get_num(r, "power_w", -1) == 344);
    assert_int_equal(res_get_int(r, "vcpus", -1), 8);
    assert_int_equal(res_get_int(r, "mem_mb", -1), 96 * 1024);
    assert_string_equal(res_get(r, "fans"), "OK");
    assert_int_equal(r->status, RES_STATUS_ACTIVE);
    assert_string_equal(r->raw_status, "On");
    for (json_t **j = &d.system; j <= &d.ethernet; j++)
        json_decref(*j);
    res_free(r);
}

static void test_newer_subsystems_and_instance(void **state)
{
    struct rf_docs d = {0};
    struct resource *r = res_new("rf", RES_KIND_HOST, "x/1", "x");
    struct resource *in = res_new("rf", RES_KIND_INSTANCE, "x/1", "x");
    double v;

    (void)state;
    d.system = load_mock("public-rackmount1/Systems/437XR1138R2");
    d.env = load_mock("public-rackmount1/Chassis/1U/EnvironmentMetrics");
    d.thermal_sub = load_mock("public-rackmount1/Chassis/1U/ThermalSubsystem");
    assert_int_equal(rf_map_temp(&d, &v), 0);
    assert_true(v == 39);
    assert_int_equal(rf_map_power(&d, &v), 0);
    assert_true(v == 374);
    d.provisioned_image = "http://img/os.iso";
    rf_map_host(&d, r);
    assert_string_equal(res_get(r, "fans"), "OK");
    assert_string_equal(res_get(r, "provision_state"), "active");
    assert_string_equal(res_get(r, "instance_id"), "x/1");
    assert_int_equal(rf_map_instance(&d, "x/1", in), 1);
    assert_string_equal(res_get(in, "image"), "http://img/os.iso");
    assert_string_equal(res_get(in, "host"), "x/1");
    assert_string_equal(res_get(in, "power_state"), "running");
    json_decref(d.system);
    json_decref(d.env);
    json_decref(d.thermal_sub);
    res_free(r);
    res_free(in);
}

static void test_blade_and_localstorage(void **state)
{
    struct rf_docs d = {0};
    struct resource *r = res_new("rf", RES_KIND_HOST, "bl/529QB9450R6", "bl/529QB9450R6");

    (void)state;
    d.system = load_mock("public-bladed/Systems/529QB9450R6");
    d.chassis = load_mock("public-bladed/Chassis/Blade1");
    d.enclosure = load_mock("public-bladed/Chassis/MultiBladeEncl");
    d.thermal = load_mock("public-bladed/Chassis/Blade1/Thermal");
    d.power = load_mock("public-bladed/Chassis/MultiBladeEncl/Power");
    rf_map_host(&d, r);
    assert_string_equal(res_get(r, "enclosure"), "MultiBladeEncl");
    assert_string_equal(res_get(r, "model"), "Contoso SX1000");
    assert_string_equal(res_get(r, "boot_override"), "none");
    assert_non_null(res_get(r, "temp_c"));
    assert_null(res_get(r, "power_w")); /* the enclosure reports no PowerControl */
    assert_string_equal(res_get(r, "psus"), "OK");
    for (json_t **j = &d.system; j <= &d.ethernet; j++)
        json_decref(*j);
    res_free(r);

    memset(&d, 0, sizeof d);
    r = res_new("rf", RES_KIND_HOST, "ls/1", "ls");
    d.system = load_mock("public-localstorage/Systems/437XR1138R2");
    d.thermal = load_mock("public-localstorage/Chassis/1U/Thermal");
    d.power = load_mock("public-localstorage/Chassis/1U/Power");
    rf_map_host(&d, r);
    assert_string_equal(res_get(r, "power"), "on");
    assert_non_null(res_get(r, "psus"));
    for (json_t **j = &d.system; j <= &d.ethernet; j++)
        json_decref(*j);
    res_free(r);
}

/* Partial and hostile documents: wrong types everywhere, nothing known, no crash. */
static void test_malformed(void **state)
{
    static const char *const docs[] = {
        "{}", "[]", "42", "\"On\"", "{\"PowerState\": 7, \"Status\": []}",
        "{\"PowerState\": \"On\", \"ProcessorSummary\": \"x\", \"MemorySummary\": {\"TotalSystemMemoryGiB\": \"lots\"}}",
        "{\"Boot\": {\"BootSourceOverrideTarget\": null}, \"Status\": {\"Health\": \"Critical\"}, \"PowerState\": \"On\"}",
        "{\"Temperatures\": [1, null, {\"ReadingCelsius\": \"hot\"}], \"Fans\": {\"a\": 1}}",
    };
    (void)state;
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        json_t *j = json_loads(docs[i], JSON_DECODE_ANY, NULL);
        struct rf_docs d = {0};
        struct resource *r = res_new("rf", RES_KIND_HOST, "h", "h");
        struct resource *in = res_new("rf", RES_KIND_INSTANCE, "h", "h");
        double v;
        assert_non_null(j);
        d.system = d.chassis = d.thermal = d.power = d.env = d.manager = d.ethernet = j;
        rf_map_host(&d, r);
        rf_map_instance(&d, "h", in);
        (void)rf_map_temp(&d, &v);
        if (i == 6) {
            assert_int_equal(r->status, RES_STATUS_ERROR);
            assert_string_equal(res_get(r, "health"), "Critical");
        }
        if (i < 4) {
            assert_string_equal(res_get(r, "power"), "unknown");
            assert_null(res_get(r, "health"));
            assert_int_equal(r->status, RES_STATUS_UNKNOWN);
        }
        json_decref(j);
        res_free(r);
        res_free(in);
    }
}

/* Put the mockup document each link-only member of coll (or link in arr) points to into
 * details, keyed by the link, as the provider's crawl does for a service without $expand. */
static void follow(json_t *details, const char *mock, json_t *links)
{
    json_t *m;
    size_t i;

    json_array_foreach(links, i, m) {
        const char *oid = json_string_value(json_object_get(m, "@odata.id"));
        char *rel;
        if (oid == NULL)
            continue;
        rel = xasprintf("%s%s", mock, oid + strlen("/redfish/v1"));
        json_object_set_new(details, oid, load_mock(rel));
        free(rel);
    }
}

/* The describe text of a field of r. */
static char *describe(const struct resource *r, const char *field, size_t *lines)
{
    struct strbuf sb = STRBUF_INIT;

    *lines = res_field_describe(r, res_field_index(r->kind, field), &sb);
    return strbuf_take(&sb);
}

static void test_details_links(void **state)
{
    const char *ls = "public-localstorage";
    struct rf_docs d = {0};
    struct resource *r = res_new("rf", RES_KIND_HOST, "ls/437XR1138R2", "ls");
    json_t *details = json_object(), *st, *arr;
    char *txt;
    size_t lines;

    (void)state;
    d.system = load_mock("public-localstorage/Systems/437XR1138R2");
    d.processors = load_mock("public-localstorage/Systems/437XR1138R2/Processors");
    d.memory = load_mock("public-localstorage/Systems/437XR1138R2/Memory");
    d.storage = load_mock("public-localstorage/Systems/437XR1138R2/Storage");
    d.ethernet = load_mock("public-localstorage/Systems/437XR1138R2/EthernetInterfaces");
    follow(details, ls, json_object_get(d.processors, "Members"));
    follow(details, ls, json_object_get(d.memory, "Members"));
    follow(details, ls, json_object_get(d.storage, "Members"));
    follow(details, ls, json_object_get(d.ethernet, "Members"));
    st = json_object_get(details, "/redfish/v1/Systems/437XR1138R2/Storage/1");
    assert_non_null(st);
    follow(details, ls, json_object_get(st, "Drives"));
    arr = json_pack("[O]", json_object_get(st, "Volumes"));
    follow(details, ls, arr);
    follow(details, ls, json_object_get(json_object_get(details,
                        "/redfish/v1/Systems/437XR1138R2/Storage/1/Volumes"), "Members"));
    d.details = details;
    rf_map_host(&d, r);
    assert_string_equal(res_get(r, "cpu_summary"), "2 x Multi-Core Intel(R) Xeon(R) processor "
                                                   "7xxx Series, 8 cores, 16 threads, OK");
    assert_string_equal(res_get(r, "mem_summary"), "96 GiB in 3 DIMMs, OK");
    assert_string_equal(res_get(r, "boot_override"), "Pxe/Once/UEFI");
    txt = describe(r, "drives", &lines);
    assert_int_equal(lines, 4);
    assert_non_null(strstr(txt, "35D38F11ACEF7BD3: model C123, size_gb 900, media HDD, "
                                "protocol SAS, health OK\n"));
    free(txt);
    txt = describe(r, "volumes", &lines);
    assert_int_equal(lines, 3);
    assert_non_null(strstr(txt, "Virtual Disk 1: raid RAID1, size_gb 900, health OK"));
    free(txt);
    txt = describe(r, "processors", &lines);
    assert_int_equal(lines, 1); /* CPU2 is absent */
    assert_non_null(strstr(txt, "CPU1: socket CPU 1, model Multi-Core Intel(R) Xeon(R) processor "
                                "7xxx Series, cores 8, threads 16, speed_mhz 3700, health OK"));
    free(txt);
    txt = describe(r, "dimms", &lines);
    assert_int_equal(lines, 3);
    assert_non_null(strstr(txt, "DIMM1: size_mib 32768, type DDR4, health OK"));
    free(txt);
    txt = describe(r, "storage_controllers", &lines);
    assert_string_equal(txt, "Contoso Integrated RAID: model 12Gbs Integrated RAID, firmware "
                             "1.0.0.7, health OK");
    free(txt);
    txt = describe(r, "nics", &lines);
    assert_int_equal(lines, 2);
    assert_non_null(strstr(txt, "mac 12:44:6A:3B:04:11, speed_mbps 1000, link LinkUp, ipv4 "
                                "192.168.0.10, health OK"));
    free(txt);
    /* JSON output keeps the structure */
    assert_non_null(strstr(res_get(r, "drives"), "\"size_gb\":900"));
    /* Without the linked documents the lists are empty, the summaries stay. */
    res_free(r);
    r = res_new("rf", RES_KIND_HOST, "ls/437XR1138R2", "ls");
    d.details = NULL;
    rf_map_host(&d, r);
    assert_null(res_get(r, "drives"));
    assert_null(res_get(r, "processors"));
    assert_non_null(res_get(r, "cpu_summary"));
    res_free(r);
    json_decref(arr);
    json_decref(details);
    json_decref(d.system);
    json_decref(d.processors);
    json_decref(d.memory);
    json_decref(d.storage);
    json_decref(d.ethernet);
}

/* Hostile or broken detail documents: wrong types everywhere, too many members. */
static void test_details_malformed(void **state)
{
    static const char *const colls[] = {
        "{\"Members\": 5}",
        "{\"Members\": [1, \"x\", null, [], {\"@odata.id\": 7}, {\"@odata.id\": \"/nowhere\"}]}",
        "{\"Members\": [{\"Id\": [1], \"TotalCores\": \"many\", \"Status\": \"bad\", "
        "\"Drives\": \"x\", \"Volumes\": [1], \"StorageControllers\": {\"a\": 1}, "
        "\"Devices\": [null, 3, {\"CapacityBytes\": \"big\"}], \"IPv4Addresses\": 9, "
        "\"AllowedSpeedsMHz\": \"fast\"}]}",
        "{\"Members\": [{\"@odata.id\": \"/l\"}]}",
    };
    json_t *details = json_pack("{s:[i]}", "/l", 1); /* a link to a non-object */
    struct strbuf sb = STRBUF_INIT;

    (void)state;
    for (size_t i = 0; i < sizeof colls / sizeof colls[0]; i++) {
        json_t *j = json_loads(colls[i], 0, NULL);
        struct rf_docs d = {0};
        struct resource *r = res_new("rf", RES_KIND_HOST, "h", "h");
        assert_non_null(j);
        d.system = j;
        d.processors = d.memory = d.storage = d.simple_storage = d.ethernet = j;
        d.details = i == 3 ? details : j;
        rf_map_host(&d, r);
        for (int f = 0; f < (int)r->nfields; f++)
            (void)res_field_describe(r, f, &sb);
        res_free(r);
        json_decref(j);
    }
    /* 1 000 processors: the list stops at 256 parts. */
    {
        json_t *many = json_object(), *m = json_array();
        struct rf_docs d = {0};
        struct resource *r = res_new("rf", RES_KIND_HOST, "h", "h");
        size_t lines;
        char *txt;
        for (int i = 0; i < 1000; i++)
            json_array_append_new(m, json_pack("{s:s, s:i}", "Id", "CPU", "TotalCores", 4));
        json_object_set_new(many, "Members", m);
        d.processors = many;
        rf_map_host(&d, r);
        txt = describe(r, "processors", &lines);
        assert_int_equal(lines, 256);
        assert_string_equal(res_get(r, "cpu_summary"), "1000 x processor, 4000 cores");
        free(txt);
        res_free(r);
        json_decref(many);
    }
    strbuf_done(&sb);
    json_decref(details);
}

static void test_helpers(void **state)
{
    char buf[128];
    json_t *sys = load_mock("public-rackmount1/Systems/437XR1138R2");

    (void)state;
    assert_string_equal(rf_error_message("{\"error\":{\"code\":\"x\",\"message\":\"general\","
                                         "\"@Message.ExtendedInfo\":[{\"Message\":\"The value 'X' "
                                         "is not supported.\"}]}}", buf, sizeof buf),
                        "The value 'X' is not supported.");
    assert_string_equal(rf_error_message("{\"error\":{\"message\":\"only this\"}}", buf, sizeof buf),
                        "only this");
    assert_string_equal(rf_error_message("<html>", buf, sizeof buf), "");
    assert_string_equal(rf_error_message(NULL, buf, sizeof buf), "");
    assert_int_equal(rf_allowed(json_object_get(sys, "Boot"), "BootSourceOverrideTarget", "Cd"), 1);
    assert_int_equal(rf_allowed(json_object_get(sys, "Boot"), "BootSourceOverrideTarget", "UefiHttp"), 0);
    assert_int_equal(rf_allowed(sys, "Nothing", "x"), -1);
    assert_string_equal(rf_power_word("PoweringOn"), "off");
    assert_string_equal(rf_power_word(NULL), "unknown");
    assert_int_equal(rf_health_rank("Critical"), 2);
    assert_null(rf_health_name(-1));
    assert_string_equal(rf_link(sys, "Processors"), "/redfish/v1/Systems/437XR1138R2/Processors");
    assert_null(rf_link(sys, "Nope"));
    json_decref(sys);
}

static void test_events(void **state)
{
    json_t *coll = load_mock("public-rackmount1/Systems/437XR1138R2/LogServices/Log1/Entries");
    json_t *e = json_array_get(json_object_get(coll, "Members"), 1);
    struct resource *r = res_new("rf", RES_KIND_EVENT, "-", "-");
    json_t *bare;
    char buf[128];

    (void)state;
    assert_int_equal(rf_map_event(e, "r1", "r1/437XR1138R2", "System Log Service", r), 1);
    assert_string_equal(r->id, "r1/Systems/437XR1138R2/LogServices/Log1/Entries/2");
    assert_string_equal(r->name, "Log Entry 2");
    assert_string_equal(res_get(r, "host"), "r1/437XR1138R2");
    assert_string_equal(res_get(r, "severity"), "Critical");
    assert_string_equal(res_get(r, "source"), "SEL");
    assert_string_equal(res_get(r, "message_id"), "0x592E28");
    assert_string_equal(res_get(r, "created_at"), "2012-03-07T14:45:00Z");
    assert_string_equal(res_get(r, "message"), "Temperature threshold exceeded");
    assert_int_equal(r->status, RES_STATUS_ERROR);
    res_free(r);
    /* An Oem entry without a message: the log's name is the source, the code the text. */
    bare = json_pack("{s:s, s:s, s:s, s:s}", "@odata.id", "/x/redfish/v1/Managers/M/LogServices/L/Entries/9",
                     "EntryType", "Oem", "EntryCode", "Assert", "Severity", "bogus");
    r = res_new("rf", RES_KIND_EVENT, "-", "-");
    assert_int_equal(rf_map_event(bare, "b", "b/S", "Audit Log", r), 1);
    assert_string_equal(r->id, "b/Managers/M/LogServices/L/Entries/9");
    assert_string_equal(res_get(r, "source"), "Audit Log");
    assert_string_equal(res_get(r, "message"), "Assert");
    assert_string_equal(res_get(r, "message_id"), "Assert");
    assert_int_equal(r->status, RES_STATUS_UNKNOWN);
    res_free(r);
    /* No @odata.id, or not an object: no event, nothing touched. */
    r = res_new("rf", RES_KIND_EVENT, "-", "-");
    assert_int_equal(rf_map_event(json_object_get(bare, "EntryType"), "b", "b/S", NULL, r), 0);
    json_object_del(bare, "@odata.id");
    assert_int_equal(rf_map_event(bare, "b", "b/S", NULL, r), 0);
    assert_null(rf_event_id(bare, "b", buf, sizeof buf));
    assert_string_equal(r->id, "-");
    res_free(r);
    json_decref(bare);
    json_decref(coll);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rackmount_host),
        cmocka_unit_test(test_newer_subsystems_and_instance),
        cmocka_unit_test(test_blade_and_localstorage),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_details_links),
        cmocka_unit_test(test_details_malformed),
        cmocka_unit_test(test_helpers),
        cmocka_unit_test(test_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
