/*
 * test_ssh.c - the parts of core/ssh.c that need no server: host and jump
 * list parsing, ~/.ssh/config lookup, host-key decisions against
 * known_hosts verdicts and store pins, and a connection to a closed port
 * failing with an event (not a hang, not a crash).  The real servers are
 * in tests/integration/ssh_*.sh.
 */
#include "testutil.h"

#include "core/ssh.h"
#include "core/store.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

static void test_hop_parse(void **state)
{
    struct ssh_hop h;
    struct rt_error err = {0};

    (void)state;
    assert_int_equal(ssh_hop_parse("alice@bastion.example:2222", &h, &err), 0);
    assert_string_equal(h.user, "alice");
    assert_string_equal(h.host, "bastion.example");
    assert_int_equal(h.port, 2222);
    ssh_hop_done(&h);
    assert_int_equal(ssh_hop_parse("10.0.0.4", &h, &err), 0);
    assert_null(h.user);
    assert_int_equal(h.port, 0);
    ssh_hop_done(&h);
    assert_int_equal(ssh_hop_parse("root@[fe80::1]:22", &h, &err), 0);
    assert_string_equal(h.host, "fe80::1");
    assert_int_equal(h.port, 22);
    ssh_hop_done(&h);
    assert_int_equal(ssh_hop_parse("fe80::1", &h, &err), 0); /* bare IPv6 */
    assert_string_equal(h.host, "fe80::1");
    ssh_hop_done(&h);
    assert_int_equal(ssh_hop_parse("host:99999", &h, &err), -1);
    assert_int_equal(err.code, RT_ERR_ARG);
    assert_int_equal(ssh_hop_parse("@host", &h, &err), -1);
    assert_int_equal(ssh_hop_parse("ho st", &h, &err), -1);
    assert_int_equal(ssh_hop_parse("", &h, &err), -1);
}

static void test_jump_parse(void **state)
{
    struct ssh_hop hops[SSH_MAX_HOPS];
    struct rt_error err = {0};
    int n;

    (void)state;
    n = ssh_jump_parse("a@j1:2200,j2", hops, SSH_MAX_HOPS, &err);
    assert_int_equal(n, 2);
    assert_string_equal(hops[0].user, "a");
    assert_int_equal(hops[0].port, 2200);
    assert_string_equal(hops[1].host, "j2");
    while (n > 0)
        ssh_hop_done(&hops[--n]);
    assert_int_equal(ssh_jump_parse("j1,j2,j3", hops, 2, &err), -1);
    assert_int_equal(ssh_jump_parse(",", hops, 2, &err), -1);
}

static void test_config(void **state)
{
    char path[] = "/tmp/rt-sshcfg-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    struct ssh_host_config hc;
    struct rt_error err = {0};

    (void)state;
    fputs("# comment\n"
          "Host web-* !web-db\n"
          "    HostName %h.lab.example\n"
          "    User ubuntu\n"
          "    Port=2200\n"
          "    IdentityFile ~/.ssh/lab\n"
          "    ProxyJump bastion\n"
          "Match host foo\n"
          "    User nobody\n"
          "Host *\n"
          "    User fallback\n"
          "    IdentityFile ~/.ssh/other\n",
          f);
    fclose(f);
    setenv("HOME", "/home/op", 1);
    assert_int_equal(ssh_config_lookup(path, "web-1", &hc, &err), 0);
    assert_string_equal(hc.hostname, "web-1.lab.example");
    assert_string_equal(hc.user, "ubuntu"); /* the first value wins */
    assert_int_equal(hc.port, 2200);
    assert_string_equal(hc.proxyjump, "bastion");
    assert_int_equal(hc.nidentity, 2);
    assert_string_equal(hc.identity[0], "/home/op/.ssh/lab");
    ssh_host_config_done(&hc);
    assert_int_equal(ssh_config_lookup(path, "web-db", &hc, &err), 0);
    assert_null(hc.hostname);
    assert_string_equal(hc.user, "fallback");
    ssh_host_config_done(&hc);
    assert_int_equal(ssh_config_lookup("/nonexistent/config", "x", &hc, &err), 0);
    assert_null(hc.user);
    assert_int_equal(ssh_config_lookup("none", "x", &hc, &err), 0);
    unlink(path);
    assert_true(ssh_pattern_match_list("10.0.?.* *.lab", "10.0.1.5"));
    assert_false(ssh_pattern_match_list("* !db*", "db1"));
}

static struct ssh_conn_event hk(enum ssh_known k, const char *fp)
{
    struct ssh_conn_event ev;

    memset(&ev, 0, sizeof ev);
    ev.type = SSH_EV_HOSTKEY;
    snprintf(ev.host, sizeof ev.host, "10.0.0.4");
    ev.port = 22;
    ev.known = k;
    snprintf(ev.keytype, sizeof ev.keytype, "ssh-ed25519");
    snprintf(ev.fingerprint, sizeof ev.fingerprint, "%s", fp);
    return ev;
}

static void test_hostkey_policy(void **state)
{
    struct rt_error err = {0};
    struct store *st = store_open(":memory:", &err);
    struct ssh_conn_event a = hk(SSH_KNOWN_UNKNOWN, "SHA256:AAAA");
    struct ssh_conn_event b = hk(SSH_KNOWN_UNKNOWN, "SHA256:BBBB");
    struct ssh_conn_event ch = hk(SSH_KNOWN_CHANGED, "SHA256:CCCC");
    struct ssh_conn_event ok = hk(SSH_KNOWN_OK, "SHA256:DDDD");
    char why[600];

    (void)state;
    assert_non_null(st);
    assert_int_equal(ssh_hostkey_check(st, &ok, SSH_HOSTKEY_STRICT, why, sizeof why),
                     SSH_VERDICT_ACCEPT);
    /* A changed key is refused whatever the policy, with a plain message. */
    for (int p = SSH_HOSTKEY_ASK; p <= SSH_HOSTKEY_STRICT; p++) {
        assert_int_equal(ssh_hostkey_check(st, &ch, (enum ssh_hostkey_policy)p, why, sizeof why),
                         SSH_VERDICT_REFUSE);
        assert_non_null(strstr(why, "HOST KEY CHANGED"));
        assert_non_null(strstr(why, "SHA256:CCCC"));
    }
    assert_int_equal(ssh_hostkey_check(st, &a, SSH_HOSTKEY_STRICT, why, sizeof why),
                     SSH_VERDICT_REFUSE);
    assert_non_null(strstr(why, "SHA256:AAAA"));
    assert_int_equal(ssh_hostkey_check(st, &a, SSH_HOSTKEY_ASK, why, sizeof why), SSH_VERDICT_ASK);
    assert_non_null(strstr(why, "ssh-ed25519"));
    /* accept-new pins; then the same key passes strict, another key is refused. */
    assert_int_equal(ssh_hostkey_check(st, &a, SSH_HOSTKEY_ACCEPT_NEW, why, sizeof why),
                     SSH_VERDICT_ACCEPT);
    assert_int_equal(ssh_hostkey_check(st, &a, SSH_HOSTKEY_STRICT, why, sizeof why),
                     SSH_VERDICT_ACCEPT);
    assert_int_equal(ssh_hostkey_check(st, &b, SSH_HOSTKEY_ACCEPT_NEW, why, sizeof why),
                     SSH_VERDICT_REFUSE);
    assert_non_null(strstr(why, "HOST KEY CHANGED"));
    {
        char *pin = store_pin_get(st, "ssh", "10.0.0.4:22", &err);
        assert_string_equal(pin, "ssh-ed25519 SHA256:AAAA");
        free(pin);
    }
    store_close(st);
}

static void test_connect_refused(void **state)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
    socklen_t len = sizeof sa;
    int s = socket(AF_INET, SOCK_STREAM, 0), port, failed = 0, tries = 0;
    struct ssh_opts o = {.host = "127.0.0.1",
                         .user = "nobody",
                         .ssh_config = "none",
                         .command = "true",
                         .no_prompt = 1,
                         .connect_timeout_s = 5};
    struct rt_error err = {0};
    struct ssh_conn *c;

    (void)state;
    /* A port nobody listens on: bind, read the number, close. */
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
    getsockname(s, (struct sockaddr *)&sa, &len);
    port = ntohs(sa.sin_port);
    close(s);
    o.port = port;
    c = ssh_conn_new(&o, &err);
    assert_non_null(c);
    assert_non_null(strstr(ssh_conn_title(c), "nobody@127.0.0.1:"));
    while (!failed && tries++ < 100) {
        struct pollfd p = {ssh_conn_fd(c), POLLIN, 0};
        struct ssh_conn_event *ev;
        poll(&p, 1, 100);
        ssh_conn_wake_clear(c);
        while ((ev = ssh_conn_next_event(c)) != NULL) {
            if (ev->type == SSH_EV_STATE && ev->state == SSH_STATE_FAILED) {
                failed = 1;
                assert_int_equal(ev->err.code, RT_ERR_TRANSPORT);
                assert_non_null(strstr(ev->err.msg, "127.0.0.1"));
            }
            ssh_conn_event_free(ev);
        }
    }
    assert_true(failed);
    assert_int_equal(ssh_conn_state(c), SSH_STATE_FAILED);
    /* Reconnect starts over and fails the same way; free while it runs is safe. */
    assert_int_equal(ssh_conn_reconnect(c, &err), 0);
    ssh_conn_free(c);
    /* The blocking exec wrapper reports the same failure. */
    {
        struct ssh_exec_result res;
        assert_int_equal(ssh_exec(&o, NULL, SSH_HOSTKEY_STRICT, 5000, 0, &res, &err), -1);
        assert_int_equal(err.code, RT_ERR_TRANSPORT);
        ssh_exec_result_done(&res);
    }
    /* Bad input is refused up front. */
    o.host = "-oProxyCommand=x";
    assert_null(ssh_conn_new(&o, &err));
    assert_int_equal(err.code, RT_ERR_ARG);
    o.host = "h";
    o.jump = "a,,";
    o.jump = "bad host";
    assert_null(ssh_conn_new(&o, &err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hop_parse),       cmocka_unit_test(test_jump_parse),
        cmocka_unit_test(test_config),          cmocka_unit_test(test_hostkey_policy),
        cmocka_unit_test(test_connect_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
