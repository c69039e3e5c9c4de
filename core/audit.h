/*
 * audit.h - the append-only, hash-chained audit log.
 *
 * Every action is written here before it is sent to a backend ("requested"),
 * and again when it ends ("succeeded" / "failed: why") as a new row: rows are
 * never updated.  Row n stores hash_n = SHA-256(hash_{n-1} | canonical row n),
 * so editing or deleting a row breaks the chain; a head file beside the
 * database (<db>.audit-head, "seq hash") witnesses the newest row so that
 * truncating the tail shows too.  Parameters are recorded, secrets never:
 * keys that look secret (password, token, secret, passphrase, key_data) are
 * replaced by "***".
 *
 *     struct audit_entry e = {.user = "ops", .provider = "lab", .action = "reboot", ...};
 *     audit_append(st, &e, &seq, &err);
 *     audit_verify(st, &bad_seq, &err);   0 = intact
 */
#ifndef RT_AUDIT_H
#define RT_AUDIT_H

#include "model.h"

#include <stddef.h>
#include <stdint.h>

struct rt_error;
struct store;

struct audit_entry {
    int64_t seq;         /* set by audit_append / audit_list */
    int64_t ts;          /* epoch s; 0 = now */
    const char *user;    /* local user; NULL = from the environment */
    const char *provider;
    const char *action;
    const char *kind;
    const char *target;
    const char *params_json;
    const char *result;  /* "requested", "succeeded", "failed: ..." , "refused: ..." */
    const char *task_id;
};

/* The local user name (new string): $USER, else the passwd entry, else the uid. */
char *audit_local_user(void);
/* Append one row in its own IMMEDIATE transaction; *seq (may be NULL) gets its number.
 * Returns only after the row is committed. */
int audit_append(struct store *st, const struct audit_entry *e, int64_t *seq,
                 struct rt_error *err);
/* Newest first, as RES_KIND_AUDIT resources (provider = the action's provider). */
int audit_list(struct store *st, size_t limit, struct res_list *out, struct rt_error *err);
/* Walk the chain. 0 when intact; -1 with a message naming the first bad row in err and
 * *bad_seq (may be NULL). *count (may be NULL) gets the number of rows checked. */
int audit_verify(struct store *st, int64_t *bad_seq, int64_t *count, struct rt_error *err);
/* Replace secret-looking values in a params JSON object. New string. */
char *audit_redact_params(const char *params_json);

#endif
