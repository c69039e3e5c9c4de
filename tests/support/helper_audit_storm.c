/*
 * helper_audit_storm.c - a write storm for the crash-safety test.
 *
 * usage: helper_audit_storm DB
 * Appends audit rows and rewrites inventory rows as fast as it can; after
 * each audit row is committed (audit_append returned) it prints its seq on
 * stdout, unbuffered.  The test kills it with SIGKILL at a random moment and
 * then checks that every printed seq is in the database and that the
 * database passes PRAGMA integrity_check and the audit chain verifies.
 */
#include "core/audit.h"
#include "core/err.h"
#include "core/store.h"
#include "core/xalloc.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    struct rt_error err = {0};
    struct store *st;
    struct res_list rows;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DB\n", argv[0]);
        return 2;
    }
    st = store_open(argv[1], &err);
    if (st == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    res_list_init(&rows);
    for (int i = 0; i < 200; i++) {
        char id[32];
        snprintf(id, sizeof id, "i-%d", i);
        res_list_push(&rows, res_new("storm", RES_KIND_INSTANCE, id, id));
    }
    for (long n = 0;; n++) {
        struct audit_entry e = {0};
        int64_t seq = 0;
        char target[32];

        snprintf(target, sizeof target, "i-%ld", n % 200);
        e.provider = "storm";
        e.action = "reboot";
        e.kind = "instance";
        e.target = target;
        e.result = "requested";
        if (audit_append(st, &e, &seq, &err) < 0) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        printf("%lld\n", (long long)seq);
        for (size_t i = 0; i < rows.len; i++)
            res_set_int(rows.items[i], "vcpus", n);
        if (store_put_resources(st, "storm", RES_KIND_INSTANCE, &rows, 1, &err) < 0) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
    }
}
