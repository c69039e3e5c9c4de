/*
 * audit.c - the hash-chained audit log (table `audit`, created by store.c).
 *
 * Canonical form of a row for hashing: every field as "<len>:<bytes>\n" in
 * a fixed order, preceded by the previous row's hash (64 zeros for the
 * first row).  Appends run in a BEGIN IMMEDIATE transaction so that two
 * racktop processes cannot fork the chain.  The head file is advanced after
 * the commit under flock(), only ever forwards, so a crash between commit
 * and head write leaves the head one row behind (still verifiable) rather
 * than ahead of the log.
 */
#include "audit.h"

#include "err.h"
#include "sha256.h"
#include "store.h"
#include "store_priv.h"
#include "strbuf.h"
#include "util.h"
#include "xalloc.h"

#include <fcntl.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

static const char zero_hash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

char *audit_local_user(void)
{
    const char *u = getenv("USER");
    struct passwd *pw;

    if (u != NULL && u[0] != '\0')
        return xstrdup(u);
    pw = getpwuid(getuid());
    if (pw != NULL && pw->pw_name != NULL)
        return xstrdup(pw->pw_name);
    return xasprintf("uid%u", (unsigned)getuid());
}

static void canon_field(struct strbuf *sb, const char *v)
{
    if (v == NULL)
        v = "";
    strbuf_addf(sb, "%zu:", strlen(v));
    strbuf_adds(sb, v);
    strbuf_addc(sb, '\n');
}

static void chain_hash(const char *prev, int64_t seq, int64_t ts, const char *const f[8],
                       char out[65])
{
    struct strbuf sb = STRBUF_INIT;

    strbuf_addf(&sb, "%s\n%lld\n%lld\n", prev, (long long)seq, (long long)ts);
    for (int i = 0; i < 8; i++)
        canon_field(&sb, f[i]);
    sha256_str_hex(sb.buf, out);
    strbuf_done(&sb);
}

static int is_secret_key(const char *k)
{
    static const char *const words[] = {"password", "passwd", "token", "secret", "passphrase",
                                        "key_data", "private_key", "credential"};

    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (rt_strcasestr(k, words[i]) != NULL)
            return 1;
    }
    return 0;
}

char *audit_redact_params(const char *params_json)
{
    json_t *o = json_loads(params_json != NULL ? params_json : "{}", 0, NULL);
    const char *k;
    json_t *v;
    char *s;

    if (!json_is_object(o)) {
        json_decref(o);
        return xstrdup("{}");
    }
    json_object_foreach(o, k, v)
    {
        if (is_secret_key(k))
            json_object_set_new(o, k, json_string("***"));
    }
    s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return s != NULL ? s : xstrdup("{}");
}

static char *head_path(struct store *st)
{
    const char *p = store_path(st);

    if (strcmp(p, ":memory:") == 0)
        return NULL;
    return xasprintf("%s.audit-head", p);
}

/* Read "seq hash" from the head file. 0 when present, -1 when absent/unreadable. */
static int head_read(const char *path, int64_t *seq, char hash[65])
{
    FILE *f = fopen(path, "r");
    long long s;
    int ok;

    if (f == NULL)
        return -1;
    ok = fscanf(f, "%lld %64s", &s, hash) == 2;
    fclose(f);
    if (!ok)
        return -1;
    *seq = s;
    return 0;
}

static void head_advance(struct store *st, int64_t seq, const char *hash)
{
    char *path = head_path(st);
    int fd;
    int64_t cur = 0;
    char curhash[65];

    if (path == NULL)
        return;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0 && flock(fd, LOCK_EX) == 0) {
        if (head_read(path, &cur, curhash) < 0 || cur < seq) {
            char line[128];
            int n = snprintf(line, sizeof line, "%lld %s\n", (long long)seq, hash);
            if (ftruncate(fd, 0) == 0 && pwrite(fd, line, (size_t)n, 0) == n)
                fsync(fd);
        }
        flock(fd, LOCK_UN);
    }
    if (fd >= 0)
        close(fd);
    free(path);
}

int audit_append(struct store *st, const struct audit_entry *e, int64_t *seq_out,
                 struct rt_error *err)
{
    sqlite3 *db = store_db(st);
    sqlite3_stmt *s = NULL;
    char prev[65], hash[65];
    char *user = e->user != NULL ? xstrdup(e->user) : audit_local_user();
    char *params = audit_redact_params(e->params_json);
    int64_t seq = 1, ts = e->ts > 0 ? e->ts : rt_now_ms() / 1000;
    const char *f[8];
    int rc = -1;

    if (store_begin(st, err) < 0)
        goto out;
    memcpy(prev, zero_hash, sizeof prev);
    if (sqlite3_prepare_v2(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", -1, &s,
                           NULL) != SQLITE_OK) {
        store_db_error(st, "reading the audit log", err);
        goto fail;
    }
    if (sqlite3_step(s) == SQLITE_ROW) {
        seq = sqlite3_column_int64(s, 0) + 1;
        snprintf(prev, sizeof prev, "%s", (const char *)sqlite3_column_text(s, 1));
    }
    sqlite3_finalize(s);
    s = NULL;
    f[0] = user, f[1] = e->provider, f[2] = e->action, f[3] = e->kind;
    f[4] = e->target, f[5] = params, f[6] = e->result, f[7] = e->task_id;
    chain_hash(prev, seq, ts, f, hash);
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO audit(seq, ts, user, provider, action, kind, target, params,"
                           " result, task_id, prev_hash, hash) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK) {
        store_db_error(st, "writing the audit log", err);
        goto fail;
    }
    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_int64(s, 2, ts);
    for (int i = 0; i < 8; i++) {
        if (f[i] == NULL)
            sqlite3_bind_null(s, 3 + i);
        else
            sqlite3_bind_text(s, 3 + i, f[i], -1, SQLITE_TRANSIENT);
    }
    sqlite3_bind_text(s, 11, prev, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 12, hash, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_DONE) {
        store_db_error(st, "writing the audit log", err);
        goto fail;
    }
    sqlite3_finalize(s);
    s = NULL;
    if (store_commit(st, err) < 0)
        goto fail;
    head_advance(st, seq, hash);
    if (seq_out != NULL)
        *seq_out = seq;
    rc = 0;
    goto out;
fail:
    sqlite3_finalize(s);
    store_rollback(st);
out:
    free(user);
    free(params);
    return rc;
}

#define SQL_AUDIT_COLS                                                                         \
    "SELECT seq, ts, user, provider, action, kind, target, params, result, task_id,"           \
    " prev_hash, hash FROM audit"

static const char *col(sqlite3_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s, i);
}

int audit_list(struct store *st, size_t limit, struct res_list *out, struct rt_error *err)
{
    sqlite3_stmt *s = NULL;

    if (sqlite3_prepare_v2(store_db(st), SQL_AUDIT_COLS " ORDER BY seq DESC LIMIT ?", -1, &s,
                           NULL) != SQLITE_OK)
        return store_db_error(st, "reading the audit log", err);
    sqlite3_bind_int64(s, 1, limit > 0 ? (sqlite3_int64)limit : -1);
    while (sqlite3_step(s) == SQLITE_ROW) {
        char id[32], when[32];
        struct resource *r;
        snprintf(id, sizeof id, "%lld", (long long)sqlite3_column_int64(s, 0));
        r = res_new(col(s, 3) != NULL ? col(s, 3) : "", RES_KIND_AUDIT, id, col(s, 4));
        res_set(r, "seq", id);
        res_set(r, "ts", rt_iso8601(sqlite3_column_int64(s, 1), when, sizeof when));
        res_set(r, "user", col(s, 2));
        res_set(r, "action", col(s, 4));
        res_set(r, "target_kind", col(s, 5));
        res_set(r, "target", col(s, 6));
        res_set(r, "params", col(s, 7));
        res_set(r, "result", col(s, 8));
        res_set(r, "task_id", col(s, 9));
        res_set(r, "hash", col(s, 11));
        r->updated_at = sqlite3_column_int64(s, 1);
        r->status = col(s, 8) != NULL && strncmp(col(s, 8), "failed", 6) == 0 ? RES_STATUS_ERROR
                    : col(s, 8) != NULL && strncmp(col(s, 8), "refused", 7) == 0
                        ? RES_STATUS_ERROR
                        : RES_STATUS_ACTIVE;
        res_list_push(out, r);
    }
    sqlite3_finalize(s);
    return 0;
}

int audit_verify(struct store *st, int64_t *bad_seq, int64_t *count, struct rt_error *err)
{
    sqlite3_stmt *s = NULL;
    char prev[65], hash[65], head_hash[65];
    int64_t expect = 1, n = 0, head_seq = 0;
    char *hp = head_path(st);
    int have_head = hp != NULL && head_read(hp, &head_seq, head_hash) == 0;
    int rc = 0;

    free(hp);
    if (bad_seq != NULL)
        *bad_seq = 0;
    memcpy(prev, zero_hash, sizeof prev);
    if (sqlite3_prepare_v2(store_db(st), SQL_AUDIT_COLS " ORDER BY seq", -1, &s, NULL) !=
        SQLITE_OK)
        return store_db_error(st, "reading the audit log", err);
    while (sqlite3_step(s) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(s, 0);
        const char *f[8] = {col(s, 2), col(s, 3), col(s, 4), col(s, 5),
                            col(s, 6), col(s, 7), col(s, 8), col(s, 9)};
        const char *stored_prev = col(s, 10), *stored = col(s, 11);

        if (seq != expect) {
            rc = rt_err_set(err, RT_ERR_CONFLICT, 0,
                            "audit log tampered: row %lld is missing (next row is %lld)",
                            (long long)expect, (long long)seq);
            if (bad_seq != NULL)
                *bad_seq = expect;
            break;
        }
        chain_hash(prev, seq, sqlite3_column_int64(s, 1), f, hash);
        if (stored_prev == NULL || strcmp(stored_prev, prev) != 0 || stored == NULL ||
            strcmp(stored, hash) != 0) {
            rc = rt_err_set(err, RT_ERR_CONFLICT, 0,
                            "audit log tampered: row %lld does not match its hash chain",
                            (long long)seq);
            if (bad_seq != NULL)
                *bad_seq = seq;
            break;
        }
        if (have_head && seq == head_seq && strcmp(hash, head_hash) != 0) {
            rc = rt_err_set(err, RT_ERR_CONFLICT, 0,
                            "audit log tampered: row %lld differs from the recorded head",
                            (long long)seq);
            if (bad_seq != NULL)
                *bad_seq = seq;
            break;
        }
        memcpy(prev, hash, sizeof prev);
        expect++;
        n++;
    }
    sqlite3_finalize(s);
    if (rc == 0 && have_head && head_seq > n) {
        rc = rt_err_set(err, RT_ERR_CONFLICT, 0,
                        "audit log tampered: %lld row(s) deleted from the end (the head records "
                        "row %lld, the log ends at %lld)",
                        (long long)(head_seq - n), (long long)head_seq, (long long)n);
        if (bad_seq != NULL)
            *bad_seq = n + 1;
    }
    if (count != NULL)
        *count = n;
    return rc;
}
