/*
 * store.c - the SQLite store.
 *
 * Layout (schema version STORE_SCHEMA_VERSION, see migrations[]):
 *   resources  the inventory cache, one row per (provider, kind, id); fields
 *              as the model's JSON encoding; `hash` = res_hash() so an
 *              unchanged row is never rewritten
 *   raw        the backend's raw JSON per resource, loaded only on demand
 *   synced     when each (provider, kind) was last refreshed
 *   metrics    metric history (provider, host, metric, ts, value)
 *   tasks      the task journal
 *   audit      the hash-chained audit log (owned by audit.c; append-only,
 *              enforced by triggers)
 *   pins       pinned SSH host keys and TLS certificate fingerprints
 *   meta       small key/value settings
 *   blobs      provider-private state (the demo cloud lives here)
 *
 * Durability: WAL with synchronous=FULL, so a commit that returned is on
 * disk; a process killed mid-write leaves the last committed state.  Each
 * connection belongs to one thread; busy_timeout lets writers queue.
 * Invariant: every prepared statement is finalised in the function that
 * prepared it.
 */
#include "store.h"

#include "err.h"
#include "hmap.h"
#include "store_priv.h"
#include "util.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdio.h>
#include <unistd.h>

struct store {
    sqlite3 *db;
    char *path;
};

static const char *const migrations[] = {
    /* 1: the first schema */
    "CREATE TABLE resources(provider TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,"
    " name TEXT, status TEXT, raw_status TEXT, progress INTEGER, updated_at INTEGER,"
    " fields TEXT, hash INTEGER, UNIQUE(provider, kind, id));"
    "CREATE INDEX resources_kind ON resources(kind);"
    "CREATE TABLE raw(provider TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,"
    " json TEXT, UNIQUE(provider, kind, id));"
    "CREATE TABLE synced(provider TEXT NOT NULL, kind TEXT NOT NULL, ts INTEGER,"
    " PRIMARY KEY(provider, kind)) WITHOUT ROWID;"
    "CREATE TABLE metrics(provider TEXT NOT NULL, host TEXT NOT NULL, metric TEXT NOT NULL,"
    " ts INTEGER NOT NULL, value REAL);"
    "CREATE INDEX metrics_key ON metrics(provider, host, metric, ts);"
    "CREATE INDEX metrics_ts ON metrics(ts);"
    "CREATE TABLE tasks(id TEXT PRIMARY KEY, provider TEXT, action TEXT, kind TEXT,"
    " target_id TEXT, target_name TEXT, params TEXT, backend_ref TEXT, user TEXT,"
    " state TEXT, progress INTEGER, message TEXT, created_at INTEGER, updated_at INTEGER,"
    " finished_at INTEGER);"
    "CREATE INDEX tasks_state ON tasks(state);"
    "CREATE TABLE audit(seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, user TEXT,"
    " provider TEXT, action TEXT, kind TEXT, target TEXT, params TEXT, result TEXT,"
    " task_id TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TABLE pins(kind TEXT NOT NULL, subject TEXT NOT NULL, fingerprint TEXT NOT NULL,"
    " created_at INTEGER, PRIMARY KEY(kind, subject));"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE blobs(ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT,"
    " PRIMARY KEY(ns, key)) WITHOUT ROWID;",
    /* 2: the unchanged-row check reads (id, hash) of a provider's kind from the index
     * alone (10 000 servers: 0.6 ms instead of 3-4 ms reading every row's fields) */
    "CREATE INDEX resources_hash ON resources(provider, kind, id, hash);",
    /* 3: the hash of the last full listing of (provider, kind), see store_put_listing() */
    "ALTER TABLE synced ADD COLUMN list_hash INTEGER;",
};

_Static_assert(sizeof migrations / sizeof migrations[0] == STORE_SCHEMA_VERSION,
               "one migration per schema version");

sqlite3 *store_db(struct store *st)
{
    return st->db;
}

int store_db_error(struct store *st, const char *what, struct rt_error *err)
{
    return rt_err_set(err, RT_ERR_DB, sqlite3_extended_errcode(st->db), "store '%s': %s: %s",
                      st->path, what, sqlite3_errmsg(st->db));
}

char *store_default_path(void)
{
    char *dir = rt_xdg_dir("STATE");
    char *p = xasprintf("%s/racktop.db", dir);

    free(dir);
    return p;
}

static int exec(struct store *st, const char *sql, struct rt_error *err)
{
    char *msg = NULL;

    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        rt_err_set(err, RT_ERR_DB, sqlite3_extended_errcode(st->db), "store '%s': %s", st->path,
                   msg != NULL ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int prepare(struct store *st, const char *sql, sqlite3_stmt **stmt, struct rt_error *err)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK)
        return store_db_error(st, "prepare", err);
    return 0;
}

static int user_version(struct store *st)
{
    sqlite3_stmt *s = NULL;
    int v = -1;

    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return v;
}

static int migrate(struct store *st, struct rt_error *err)
{
    int v;

    /* Up to date: no write lock needed (another connection may hold one). */
    if (user_version(st) == STORE_SCHEMA_VERSION)
        return 0;
    if (exec(st, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    v = user_version(st);
    if (v < 0) {
        store_db_error(st, "reading the schema version", err);
        goto fail;
    }
    if (v > STORE_SCHEMA_VERSION) {
        rt_err_set(err, RT_ERR_DB, 0,
                   "store '%s' has schema version %d, newer than this racktop knows (%d); "
                   "upgrade racktop or move the file away",
                   st->path, v, STORE_SCHEMA_VERSION);
        goto fail;
    }
    for (; v < STORE_SCHEMA_VERSION; v++) {
        char pragma[64];
        if (exec(st, migrations[v], err) < 0)
            goto fail;
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
        if (exec(st, pragma, err) < 0)
            goto fail;
    }
    return exec(st, "COMMIT", err);
fail:
    exec(st, "ROLLBACK", NULL);
    return -1;
}

static pthread_mutex_t create_lock = PTHREAD_MUTEX_INITIALIZER;

struct store *store_open(const char *path, struct rt_error *err)
{
    struct store *st = xcalloc(1, sizeof *st);
    int mem, rc;

    st->path = path != NULL ? xstrdup(path) : store_default_path();
    mem = strcmp(st->path, ":memory:") == 0;
    if (!mem) {
        char *dir = xstrdup(st->path);
        char *slash = strrchr(dir, '/');
        int fd;
        if (slash != NULL && slash != dir) {
            *slash = '\0';
            if (rt_mkdir_p(dir, 0700, err) < 0) {
                free(dir);
                goto fail;
            }
        }
        free(dir);
        /*
         * Create the file ourselves so it is 0600 from the first byte, but only
         * when it does not exist: closing any descriptor of a database file
         * drops every POSIX lock this process holds on it, including those of
         * other connections in other threads (SQLite's "how to corrupt"
         * list).  The mutex keeps the create+close before any other thread's
         * sqlite3_open of the same new file.
         */
        pthread_mutex_lock(&create_lock);
        fd = open(st->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            close(fd);
        } else if (errno != EEXIST) {
            pthread_mutex_unlock(&create_lock);
            rt_err_set(err, RT_ERR_DB, errno, "cannot open store '%s': %s", st->path,
                       strerror(errno));
            goto fail;
        }
    } else {
        pthread_mutex_lock(&create_lock);
    }
    rc = sqlite3_open_v2(st->path, &st->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    pthread_mutex_unlock(&create_lock);
    if (rc != SQLITE_OK) {
        rt_err_set(err, RT_ERR_DB, st->db ? sqlite3_errcode(st->db) : 0,
                   "cannot open store '%s': %s", st->path,
                   st->db ? sqlite3_errmsg(st->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(st->db, 10000);
    if (exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
             err) < 0)
        goto fail;
    if (migrate(st, err) < 0)
        goto fail;
    /* The WAL and shm files inherit the umask; keep them private too. */
    if (!mem) {
        char *wal = xasprintf("%s-wal", st->path), *shm = xasprintf("%s-shm", st->path);
        chmod(st->path, 0600);
        chmod(wal, 0600);
        chmod(shm, 0600);
        free(wal);
        free(shm);
    }
    return st;
fail:
    store_close(st);
    return NULL;
}

void store_close(struct store *st)
{
    if (st == NULL)
        return;
    if (st->db != NULL)
        sqlite3_close_v2(st->db);
    free(st->path);
    free(st);
}

const char *store_path(const struct store *st)
{
    return st->path;
}

int store_begin(struct store *st, struct rt_error *err)
{
    return exec(st, "BEGIN IMMEDIATE", err);
}

int store_commit(struct store *st, struct rt_error *err)
{
    return exec(st, "COMMIT", err);
}

void store_rollback(struct store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        exec(st, "ROLLBACK", NULL);
}

/* The end of a transaction a function began itself: commit when rc is 0, else roll back.
 * Returns rc, or -1 when the commit fails. */
static int tx_end(struct store *st, int rc, struct rt_error *err)
{
    if (rc == 0)
        return store_commit(st, err);
    store_rollback(st);
    return rc;
}

/* ---- inventory ---------------------------------------------------------------------- */

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v == NULL)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

static int put_one(struct store *st, sqlite3_stmt *ins, sqlite3_stmt *raw, const struct resource *r,
                   uint64_t h, struct rt_error *err)
{
    char *fields = res_fields_encode(r);
    int rc;

    sqlite3_reset(ins);
    bind_text(ins, 1, r->provider);
    bind_text(ins, 2, res_kind_name(r->kind));
    bind_text(ins, 3, r->id);
    bind_text(ins, 4, r->name);
    bind_text(ins, 5, res_status_name(r->status));
    bind_text(ins, 6, r->raw_status);
    sqlite3_bind_int(ins, 7, r->progress);
    sqlite3_bind_int64(ins, 8, r->updated_at);
    bind_text(ins, 9, fields);
    sqlite3_bind_int64(ins, 10, (sqlite3_int64)h);
    rc = sqlite3_step(ins);
    free(fields);
    if (rc != SQLITE_DONE)
        return store_db_error(st, "writing a resource", err);
    if (r->raw != NULL) {
        sqlite3_reset(raw);
        bind_text(raw, 1, r->provider);
        bind_text(raw, 2, res_kind_name(r->kind));
        bind_text(raw, 3, r->id);
        bind_text(raw, 4, r->raw);
        if (sqlite3_step(raw) != SQLITE_DONE)
            return store_db_error(st, "writing raw JSON", err);
    }
    return 0;
}

#define SQL_PUT                                                                                \
    "INSERT OR REPLACE INTO resources(provider, kind, id, name, status, raw_status, progress,"  \
    " updated_at, fields, hash) VALUES(?,?,?,?,?,?,?,?,?,?)"
#define SQL_PUT_RAW "INSERT OR REPLACE INTO raw(provider, kind, id, json) VALUES(?,?,?,?)"

int store_put_resources(struct store *st, const char *provider, enum res_kind k,
                        const struct res_list *rows, int full, struct rt_error *err)
{
    return store_put_resources_hashed(st, provider, k, rows, NULL, full, err);
}

/* Forget the stored list hash of (provider, kind): its rows are about to change other
 * than by store_put_listing(). */
static int forget_list_hash(struct store *st, const char *provider, enum res_kind k,
                            struct rt_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = 0;

    if (prepare(st, "UPDATE synced SET list_hash=NULL WHERE provider=? AND kind=?", &s, err) < 0)
        return -1;
    bind_text(s, 1, provider);
    bind_text(s, 2, res_kind_name(k));
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store_db_error(st, "forgetting a listing", err);
    sqlite3_finalize(s);
    return rc;
}

int store_row_hashes(struct store *st, const char *provider, enum res_kind k,
                     void (*fn)(void *ctx, const char *id, uint64_t hash), void *ctx,
                     struct rt_error *err)
{
    sqlite3_stmt *sel = NULL;
    int rc;

    if (prepare(st, "SELECT id, hash FROM resources WHERE provider=? AND kind=?", &sel, err) < 0)
        return -1;
    bind_text(sel, 1, provider);
    bind_text(sel, 2, res_kind_name(k));
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(sel, 0);
        if (id != NULL)
            fn(ctx, id, (uint64_t)sqlite3_column_int64(sel, 1));
    }
    rc = rc == SQLITE_DONE ? 0 : store_db_error(st, "reading the stored rows", err);
    sqlite3_finalize(sel);
    return rc;
}

/* The rows stored now (store_put_resources_hashed): their hashes, in the order read, and
 * index: id -> index + 1. */
struct old_row {
    uint64_t hash;
    int seen;
};

struct old_rows {
    struct old_row *rows;
    size_t n, cap;
    struct hmap *index;
};

static void old_row_add(void *ctx, const char *id, uint64_t hash)
{
    struct old_rows *o = ctx;

    o->rows = xgrow(o->rows, &o->cap, o->n + 1, sizeof *o->rows);
    o->rows[o->n].hash = hash;
    o->rows[o->n].seen = 0;
    hmap_put(o->index, id, (void *)(uintptr_t)++o->n);
}

int store_put_resources_hashed(struct store *st, const char *provider, enum res_kind k,
                               const struct res_list *rows, const uint64_t *hashes, int full,
                               struct rt_error *err)
{
    struct old_rows old = {.index = hmap_new(NULL)};
    sqlite3_stmt *ins = NULL, *raw = NULL, *del = NULL, *delraw = NULL;
    const char *kname = res_kind_name(k);
    int own_tx = sqlite3_get_autocommit(st->db), rc = -1;
    size_t it = 0;
    const char *key;
    void *val;

    if (own_tx && store_begin(st, err) < 0)
        goto out;
    if (forget_list_hash(st, provider, k, err) < 0 ||
        store_row_hashes(st, provider, k, old_row_add, &old, err) < 0 ||
        prepare(st, SQL_PUT, &ins, err) < 0 || prepare(st, SQL_PUT_RAW, &raw, err) < 0 ||
        prepare(st, "DELETE FROM resources WHERE provider=? AND kind=? AND id=?", &del, err) < 0 ||
        prepare(st, "DELETE FROM raw WHERE provider=? AND kind=? AND id=?", &delraw, err) < 0)
        goto out;
    for (size_t i = 0; i < rows->len; i++) {
        const struct resource *r = rows->items[i];
        uint64_t h = hashes != NULL ? hashes[i] : res_hash(r);
        uintptr_t at;
        struct old_row *o;
        RT_ASSERT(r->kind == k && strcmp(r->provider, provider) == 0);
        at = (uintptr_t)hmap_get(old.index, r->id);
        o = at != 0 ? &old.rows[at - 1] : NULL;
        if (o != NULL) {
            o->seen = 1;
            if (o->hash == h)
                continue;
        }
        if (put_one(st, ins, raw, r, h, err) < 0)
            goto out;
    }
    if (full) {
        /* What is not seen again is deleted. */
        while (hmap_next(old.index, &it, &key, &val)) {
            if (old.rows[(uintptr_t)val - 1].seen)
                continue;
            sqlite3_stmt *d[2] = {del, delraw};
            for (int j = 0; j < 2; j++) {
                sqlite3_reset(d[j]);
                bind_text(d[j], 1, provider);
                bind_text(d[j], 2, kname);
                bind_text(d[j], 3, key);
                if (sqlite3_step(d[j]) != SQLITE_DONE) {
                    store_db_error(st, "deleting a resource", err);
                    goto out;
                }
            }
        }
    }
    rc = 0;
out:
    sqlite3_finalize(ins);
    sqlite3_finalize(raw);
    sqlite3_finalize(del);
    sqlite3_finalize(delraw);
    hmap_free(old.index);
    free(old.rows);
    return own_tx ? tx_end(st, rc, err) : rc;
}

int store_cached_providers(struct store *st, enum res_kind k, char ***out,
                           struct rt_error *err)
{
    /* One seek per provider on the (provider, kind, id) key: "SELECT DISTINCT provider
     * ... WHERE kind=?" reads every row of the kind (3-4 ms for 10 000 servers). */
    sqlite3_stmt *first = NULL, *next = NULL, *has = NULL, *q;
    char **v = NULL, *last = NULL;
    size_t n = 0, cap = 0;
    int rc = SQLITE_DONE;

    *out = NULL;
    if (prepare(st, "SELECT provider FROM resources ORDER BY provider LIMIT 1", &first,
                err) < 0 ||
        prepare(st, "SELECT provider FROM resources WHERE provider > ?1 ORDER BY provider"
                    " LIMIT 1", &next, err) < 0 ||
        prepare(st, "SELECT 1 FROM resources WHERE provider=?1 AND kind=?2 LIMIT 1", &has,
                err) < 0) {
        sqlite3_finalize(first);
        sqlite3_finalize(next);
        return -1;
    }
    for (;;) {
        q = last == NULL ? first : next;
        if (last != NULL) {
            sqlite3_reset(next);
            bind_text(next, 1, last);
        }
        if ((rc = sqlite3_step(q)) != SQLITE_ROW)
            break;
        free(last);
        last = xstrdup((const char *)sqlite3_column_text(q, 0));
        sqlite3_reset(has);
        bind_text(has, 1, last);
        bind_text(has, 2, res_kind_name(k));
        if ((rc = sqlite3_step(has)) == SQLITE_ROW) {
            v = xgrow(v, &cap, n + 2, sizeof *v);
            v[n++] = xstrdup(last);
        } else if (rc != SQLITE_DONE) {
            break;
        }
    }
    sqlite3_finalize(first);
    sqlite3_finalize(next);
    sqlite3_finalize(has);
    free(last);
    if (rc != SQLITE_DONE) {
        for (size_t i = 0; i < n; i++)
            free(v[i]);
        free(v);
        return store_db_error(st, "reading the cached providers", err);
    }
    v = xgrow(v, &cap, n + 1, sizeof *v);
    v[n] = NULL;
    *out = v;
    return 0;
}

int store_put_resource(struct store *st, const struct resource *r, struct rt_error *err)
{
    sqlite3_stmt *ins = NULL, *raw = NULL;
    int rc = -1;

    if (forget_list_hash(st, r->provider, r->kind, err) == 0 &&
        prepare(st, SQL_PUT, &ins, err) == 0 && prepare(st, SQL_PUT_RAW, &raw, err) == 0)
        rc = put_one(st, ins, raw, r, res_hash(r), err);
    sqlite3_finalize(ins);
    sqlite3_finalize(raw);
    return rc;
}

int store_delete_resource(struct store *st, const char *provider, enum res_kind k, const char *id,
                          struct rt_error *err)
{
    static const char *const sql[] = {
        "DELETE FROM resources WHERE provider=? AND kind=? AND id=?",
        "DELETE FROM raw WHERE provider=? AND kind=? AND id=?",
    };
    int rc = forget_list_hash(st, provider, k, err);

    for (int i = 0; i < 2 && rc == 0; i++) {
        sqlite3_stmt *s = NULL;
        if (prepare(st, sql[i], &s, err) < 0)
            return -1;
        bind_text(s, 1, provider);
        bind_text(s, 2, res_kind_name(k));
        bind_text(s, 3, id);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = store_db_error(st, "deleting a resource", err);
        sqlite3_finalize(s);
    }
    return rc;
}

int store_load_resources(struct store *st, const char *provider, enum res_kind k,
                         struct res_list *out, struct rt_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (prepare(st,
                provider != NULL
                    ? "SELECT provider, id, name, status, raw_status, progress, updated_at, fields"
                      " FROM resources WHERE kind=?1 AND provider=?2"
                    : "SELECT provider, id, name, status, raw_status, progress, updated_at, fields"
                      " FROM resources WHERE kind=?1",
                &s, err) < 0)
        return -1;
    bind_text(s, 1, res_kind_name(k));
    if (provider != NULL)
        bind_text(s, 2, provider);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct resource *r =
            res_new((const char *)sqlite3_column_text(s, 0), k,
                    (const char *)sqlite3_column_text(s, 1), (const char *)sqlite3_column_text(s, 2));
        const char *status = (const char *)sqlite3_column_text(s, 3);
        const char *fields = (const char *)sqlite3_column_text(s, 7);
        int st_idx = status != NULL ? res_status_from_name(status) : -1;
        res_set_status(r, st_idx < 0 ? RES_STATUS_UNKNOWN : (enum res_status)st_idx,
                       (const char *)sqlite3_column_text(s, 4));
        r->progress = sqlite3_column_int(s, 5);
        r->updated_at = sqlite3_column_int64(s, 6);
        /* A row whose fields cannot be decoded keeps its name and status: never lost. */
        if (fields != NULL)
            res_fields_decode(r, fields, NULL);
        res_list_push(out, r);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return store_db_error(st, "reading the cache", err);
    return 0;
}

char *store_get_raw(struct store *st, const char *provider, enum res_kind k, const char *id,
                    struct rt_error *err)
{
    sqlite3_stmt *s = NULL;
    char *json = NULL;

    if (prepare(st, "SELECT json FROM raw WHERE provider=? AND kind=? AND id=?", &s, err) < 0)
        return NULL;
    bind_text(s, 1, provider);
    bind_text(s, 2, res_kind_name(k));
    bind_text(s, 3, id);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
        json = xstrdup((const char *)sqlite3_column_text(s, 0));
    else
        rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no raw JSON cached for %s '%s' of provider '%s'",
                   res_kind_name(k), id, provider);
    sqlite3_finalize(s);
    return json;
}

/* The integer `sql` selects from the synced row of (provider, kind); 0 when there is none. */
static int64_t synced_int(struct store *st, const char *sql, const char *provider,
                          enum res_kind k)
{
    sqlite3_stmt *s = NULL;
    int64_t v = 0;

    if (prepare(st, sql, &s, NULL) < 0)
        return 0;
    bind_text(s, 1, provider);
    bind_text(s, 2, res_kind_name(k));
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_INTEGER)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

int64_t store_synced_at(struct store *st, const char *provider, enum res_kind k)
{
    return synced_int(st, "SELECT ts FROM synced WHERE provider=? AND kind=?", provider, k);
}

/* The sync time, and the list hash when set is 1 (0: keep the stored one). */
static int set_synced(struct store *st, const char *provider, enum res_kind k, int64_t ts,
                      int set, uint64_t list_hash, struct rt_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = 0;

    if (prepare(st,
                set ? "INSERT INTO synced(provider, kind, ts, list_hash) VALUES(?,?,?,?)"
                      " ON CONFLICT(provider, kind) DO UPDATE SET ts=excluded.ts,"
                      " list_hash=excluded.list_hash"
                    : "INSERT INTO synced(provider, kind, ts) VALUES(?,?,?)"
                      " ON CONFLICT(provider, kind) DO UPDATE SET ts=excluded.ts",
                &s, err) < 0)
        return -1;
    bind_text(s, 1, provider);
    bind_text(s, 2, res_kind_name(k));
    sqlite3_bind_int64(s, 3, ts);
    if (set && list_hash != 0)
        sqlite3_bind_int64(s, 4, (sqlite3_int64)list_hash);
    else if (set)
        sqlite3_bind_null(s, 4);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store_db_error(st, "recording a sync", err);
    sqlite3_finalize(s);
    return rc;
}

int store_set_synced_at(struct store *st, const char *provider, enum res_kind k, int64_t ts,
                        struct rt_error *err)
{
    return set_synced(st, provider, k, ts, 0, 0, err);
}

uint64_t store_list_hash(struct store *st, const char *provider, enum res_kind k)
{
    return (uint64_t)synced_int(st, "SELECT list_hash FROM synced WHERE provider=? AND kind=?",
                                provider, k);
}

int store_put_listing(struct store *st, const char *provider, enum res_kind k,
                      const struct res_list *rows, const uint64_t *hashes, uint64_t list_hash,
                      int64_t ts, struct rt_error *err)
{
    int own_tx = sqlite3_get_autocommit(st->db), rc = -1;

    if (own_tx && store_begin(st, err) < 0)
        return -1;
    if ((list_hash != 0 && store_list_hash(st, provider, k) == list_hash) ||
        store_put_resources_hashed(st, provider, k, rows, hashes, 1, err) == 0)
        rc = set_synced(st, provider, k, ts, 1, list_hash, err);
    return own_tx ? tx_end(st, rc, err) : rc;
}

int store_forget_providers(struct store *st, const char *const *keep, struct rt_error *err)
{
    static const char *const tables[] = {"resources", "raw", "synced"};
    struct strbuf_like {
        char buf[4096];
    } in;
    size_t off = 0;

    in.buf[0] = '\0';
    for (size_t i = 0; keep != NULL && keep[i] != NULL; i++) {
        char *q = sqlite3_mprintf("%s%Q", i > 0 ? "," : "", keep[i]);
        size_t n = strlen(q);
        if (off + n + 1 < sizeof in.buf) {
            memcpy(in.buf + off, q, n + 1);
            off += n;
        }
        sqlite3_free(q);
    }
    for (size_t t = 0; t < 3; t++) {
        char *sql = xasprintf("DELETE FROM %s WHERE provider NOT IN (%s)", tables[t], in.buf);
        int rc = exec(st, sql, err);
        free(sql);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* ---- metrics ------------------------------------------------------------------------ */

int store_add_metrics(struct store *st, const char *provider, const struct metric_list *l,
                      struct rt_error *err)
{
    sqlite3_stmt *s = NULL;
    int own_tx = sqlite3_get_autocommit(st->db), rc = 0;

    if (l->len == 0)
        return 0;
    if (own_tx && store_begin(st, err) < 0)
        return -1;
    if (prepare(st, "INSERT INTO metrics(provider, host, metric, ts, value) VALUES(?,?,?,?,?)", &s,
                err) < 0) {
        rc = -1;
        goto out;
    }
    for (size_t i = 0; i < l->len && rc == 0; i++) {
        sqlite3_reset(s);
        bind_text(s, 1, provider);
        bind_text(s, 2, l->items[i].host);
        bind_text(s, 3, l->items[i].metric);
        sqlite3_bind_int64(s, 4, l->items[i].ts);
        sqlite3_bind_double(s, 5, l->items[i].value);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = store_db_error(st, "writing metrics", err);
    }
out:
    sqlite3_finalize(s);
    return own_tx ? tx_end(st, rc, err) : rc;
}

int store_metric_history(struct store *st, const char *provider, const char *host,
                         const char *metric, int64_t since, double *values, int64_t *ts,
                         size_t max, size_t *n, struct rt_error *err)
{
    sqlite3_stmt *s = NULL;
    size_t got = 0;

    *n = 0;
    /* Newest `max` samples, then reversed to oldest first. */
    if (prepare(st,
                "SELECT ts, value FROM metrics WHERE provider=? AND host=? AND metric=? AND ts>=?"
                " ORDER BY ts DESC LIMIT ?",
                &s, err) < 0)
        return -1;
    bind_text(s, 1, provider);
    bind_text(s, 2, host);
    bind_text(s, 3, metric);
    sqlite3_bind_int64(s, 4, since);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)max);
    while (got < max && sqlite3_step(s) == SQLITE_ROW) {
        if (ts != NULL)
            ts[got] = sqlite3_column_int64(s, 0);
        values[got] = sqlite3_column_double(s, 1);
        got++;
    }
    sqlite3_finalize(s);
    for (size_t i = 0; i < got / 2; i++) {
        double v = values[i];
        values[i] = values[got - 1 - i];
        values[got - 1 - i] = v;
        if (ts != NULL) {
            int64_t t = ts[i];
            ts[i] = ts[got - 1 - i];
            ts[got - 1 - i] = t;
        }
    }
    *n = got;
    return 0;
}

int64_t store_metric_last_ts(struct store *st, const char *provider)
{
    sqlite3_stmt *s = NULL;
    int64_t ts = 0;

    if (prepare(st, "SELECT max(ts) FROM metrics WHERE provider=?", &s, NULL) < 0)
        return 0;
    bind_text(s, 1, provider);
    if (sqlite3_step(s) == SQLITE_ROW)
        ts = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return ts;
}

int store_prune_metrics(struct store *st, int64_t before, int64_t coarse_before,
                        struct rt_error *err)
{
    char *sql;
    int rc;

    /* Keep one averaged sample per 5 minutes for samples older than coarse_before. */
    sql = xasprintf(
        "BEGIN IMMEDIATE;"
        "DELETE FROM metrics WHERE ts < %lld;"
        "CREATE TEMP TABLE IF NOT EXISTS m5(provider, host, metric, ts, value);"
        "DELETE FROM m5;"
        "INSERT INTO m5 SELECT provider, host, metric, (ts/300)*300, avg(value) FROM metrics"
        " WHERE ts < %lld GROUP BY provider, host, metric, ts/300;"
        "DELETE FROM metrics WHERE ts < %lld AND EXISTS (SELECT 1 FROM m5 WHERE"
        " m5.provider=metrics.provider AND m5.host=metrics.host AND m5.metric=metrics.metric"
        " AND m5.ts=(metrics.ts/300)*300);"
        "INSERT INTO metrics SELECT * FROM m5;"
        "COMMIT;",
        (long long)before, (long long)coarse_before, (long long)coarse_before);
    rc = exec(st, sql, err);
    free(sql);
    if (rc < 0)
        store_rollback(st);
    return rc;
}

/* ---- tasks -------------------------------------------------------------------------- */

void task_rec_done(struct task_rec *t)
{
    if (t == NULL)
        return;
    free(t->id);
    free(t->provider);
    free(t->action);
    free(t->target_id);
    free(t->target_name);
    free(t->params_json);
    free(t->backend_ref);
    free(t->user);
    free(t->message);
    memset(t, 0, sizeof *t);
}

static int task_write(struct store *st, const char *sql, const struct task_rec *t,
                      struct rt_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = 0;

    if (prepare(st, sql, &s, err) < 0)
        return -1;
    bind_text(s, 1, t->id);
    bind_text(s, 2, t->provider);
    bind_text(s, 3, t->action);
    bind_text(s, 4, res_kind_name(t->kind));
    bind_text(s, 5, t->target_id);
    bind_text(s, 6, t->target_name);
    bind_text(s, 7, t->params_json);
    bind_text(s, 8, t->backend_ref);
    bind_text(s, 9, t->user);
    bind_text(s, 10, task_state_name(t->state));
    sqlite3_bind_int(s, 11, t->progress);
    bind_text(s, 12, t->message);
    sqlite3_bind_int64(s, 13, t->created_at);
    sqlite3_bind_int64(s, 14, t->updated_at);
    sqlite3_bind_int64(s, 15, t->finished_at);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store_db_error(st, "writing the task journal", err);
    else
        rc = sqlite3_changes(st->db);
    sqlite3_finalize(s);
    return rc;
}

int store_task_insert(struct store *st, const struct task_rec *t, struct rt_error *err)
{
    return task_write(st,
                      "INSERT INTO tasks(id, provider, action, kind, target_id, target_name,"
                      " params, backend_ref, user, state, progress, message, created_at,"
                      " updated_at, finished_at) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,"
                      "?13,?14,?15)",
                      t, err) < 0
               ? -1
               : 0;
}

int store_task_update(struct store *st, const struct task_rec *t, int only_if_open,
                      struct rt_error *err)
{
    return task_write(st,
                      only_if_open
                          ? "UPDATE tasks SET provider=?2, action=?3, kind=?4, target_id=?5,"
                            " target_name=?6, params=?7, backend_ref=?8, user=?9, state=?10,"
                            " progress=?11, message=?12, created_at=?13, updated_at=?14,"
                            " finished_at=?15 WHERE id=?1 AND state IN ('pending','running')"
                          : "UPDATE tasks SET provider=?2, action=?3, kind=?4, target_id=?5,"
                            " target_name=?6, params=?7, backend_ref=?8, user=?9, state=?10,"
                            " progress=?11, message=?12, created_at=?13, updated_at=?14,"
                            " finished_at=?15 WHERE id=?1",
                      t, err);
}

#define SQL_TASK_COLS                                                                          \
    "SELECT id, provider, action, kind, target_id, target_name, params, backend_ref, user,"    \
    " state, progress, message, created_at, updated_at, finished_at FROM tasks"

static char *col_dup(sqlite3_stmt *s, int i)
{
    const unsigned char *v = sqlite3_column_text(s, i);

    return v != NULL ? xstrdup((const char *)v) : NULL;
}

static void task_from_row(sqlite3_stmt *s, struct task_rec *t)
{
    const char *kind = (const char *)sqlite3_column_text(s, 3);
    const char *state = (const char *)sqlite3_column_text(s, 9);
    int k = kind != NULL ? res_kind_from_name(kind) : -1;
    int ts = state != NULL ? task_state_from_name(state) : -1;

    t->id = col_dup(s, 0);
    t->provider = col_dup(s, 1);
    t->action = col_dup(s, 2);
    t->kind = k < 0 ? RES_KIND_INSTANCE : (enum res_kind)k;
    t->target_id = col_dup(s, 4);
    t->target_name = col_dup(s, 5);
    t->params_json = col_dup(s, 6);
    t->backend_ref = col_dup(s, 7);
    t->user = col_dup(s, 8);
    t->state = ts < 0 ? TASK_INTERRUPTED : (enum task_state)ts;
    t->progress = sqlite3_column_int(s, 10);
    t->message = col_dup(s, 11);
    t->created_at = sqlite3_column_int64(s, 12);
    t->updated_at = sqlite3_column_int64(s, 13);
    t->finished_at = sqlite3_column_int64(s, 14);
}

int store_task_list(struct store *st, int only_open, size_t limit, struct task_rec **out,
                    size_t *n, struct rt_error *err)
{
    sqlite3_stmt *s = NULL;
    struct task_rec *v = NULL;
    size_t len = 0, cap = 0;

    *out = NULL;
    *n = 0;
    if (prepare(st,
                only_open ? SQL_TASK_COLS " WHERE state IN ('pending','running')"
                                          " ORDER BY created_at DESC, id DESC LIMIT ?"
                          : SQL_TASK_COLS " ORDER BY created_at DESC, id DESC LIMIT ?",
                &s, err) < 0)
        return -1;
    sqlite3_bind_int64(s, 1, limit > 0 ? (sqlite3_int64)limit : -1);
    while (sqlite3_step(s) == SQLITE_ROW) {
        v = xgrow(v, &cap, len + 1, sizeof *v);
        memset(&v[len], 0, sizeof v[len]);
        task_from_row(s, &v[len++]);
    }
    sqlite3_finalize(s);
    *out = v;
    *n = len;
    return 0;
}

int store_task_get(struct store *st, const char *id, struct task_rec *out, struct rt_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = -1;

    memset(out, 0, sizeof *out);
    if (prepare(st, SQL_TASK_COLS " WHERE id=?", &s, err) < 0)
        return -1;
    bind_text(s, 1, id);
    if (sqlite3_step(s) == SQLITE_ROW) {
        task_from_row(s, out);
        rc = 0;
    } else {
        rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no task '%s'", id);
    }
    sqlite3_finalize(s);
    return rc;
}

/* A task as a RES_KIND_TASK row: status ACTIVE when it succeeded, BUSY while it runs,
 * ERROR when it failed or was interrupted; raw_status is the task state. */
struct resource *task_rec_resource(const struct task_rec *t)
{
    struct resource *r = res_new(t->provider != NULL ? t->provider : "", RES_KIND_TASK, t->id,
                                 t->action);
    char when[32];
    static const enum res_status map[] = {
        [TASK_PENDING] = RES_STATUS_BUILD,   [TASK_RUNNING] = RES_STATUS_BUSY,
        [TASK_SUCCEEDED] = RES_STATUS_ACTIVE, [TASK_FAILED] = RES_STATUS_ERROR,
        [TASK_INTERRUPTED] = RES_STATUS_ERROR,
    };

    res_set_status(r, map[t->state], task_state_name(t->state));
    res_set(r, "action", t->action);
    res_set(r, "target_kind", res_kind_name(t->kind));
    res_set(r, "target_id", t->target_id);
    res_set(r, "target_name", t->target_name);
    res_set(r, "params", t->params_json);
    res_set_int(r, "progress", t->progress);
    res_set(r, "message", t->message);
    res_set(r, "user", t->user);
    res_set(r, "created_at", rt_iso8601(t->created_at, when, sizeof when));
    if (t->finished_at > 0)
        res_set(r, "finished_at", rt_iso8601(t->finished_at, when, sizeof when));
    r->updated_at = t->updated_at;
    if (t->state == TASK_RUNNING || t->state == TASK_PENDING)
        r->progress = t->progress;
    return r;
}

/* ---- pins, meta, blobs -------------------------------------------------------------- */

static char *get_text(struct store *st, const char *sql, const char *a, const char *b)
{
    sqlite3_stmt *s = NULL;
    char *v = NULL;

    if (prepare(st, sql, &s, NULL) < 0)
        return NULL;
    bind_text(s, 1, a);
    if (b != NULL)
        bind_text(s, 2, b);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = col_dup(s, 0);
    sqlite3_finalize(s);
    return v;
}

static int put_text(struct store *st, const char *sql, const char *a, const char *b,
                    const char *c, struct rt_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = 0;

    if (prepare(st, sql, &s, err) < 0)
        return -1;
    bind_text(s, 1, a);
    bind_text(s, 2, b);
    if (c != NULL)
        bind_text(s, 3, c);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store_db_error(st, "writing", err);
    sqlite3_finalize(s);
    return rc;
}

char *store_pin_get(struct store *st, const char *kind, const char *subject, struct rt_error *err)
{
    char *v = get_text(st, "SELECT fingerprint FROM pins WHERE kind=? AND subject=?", kind, subject);

    if (v == NULL)
        rt_err_set(err, RT_ERR_NOT_FOUND, 0, "no pinned %s fingerprint for '%s'", kind, subject);
    return v;
}

int store_pin_set(struct store *st, const char *kind, const char *subject, const char *fingerprint,
                  struct rt_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = 0;

    if (prepare(st,
                "INSERT OR REPLACE INTO pins(kind, subject, fingerprint, created_at)"
                " VALUES(?,?,?,?)",
                &s, err) < 0)
        return -1;
    bind_text(s, 1, kind);
    bind_text(s, 2, subject);
    bind_text(s, 3, fingerprint);
    sqlite3_bind_int64(s, 4, rt_now_ms() / 1000);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store_db_error(st, "pinning a fingerprint", err);
    sqlite3_finalize(s);
    return rc;
}

char *store_meta_get(struct store *st, const char *key)
{
    return get_text(st, "SELECT value FROM meta WHERE key=?", key, NULL);
}

int store_meta_set(struct store *st, const char *key, const char *value, struct rt_error *err)
{
    return put_text(st, "INSERT OR REPLACE INTO meta(key, value) VALUES(?,?)", key, value, NULL,
                    err);
}

int store_blob_put(struct store *st, const char *ns, const char *key, const char *value,
                   struct rt_error *err)
{
    return put_text(st, "INSERT OR REPLACE INTO blobs(ns, key, value) VALUES(?,?,?)", ns, key,
                    value, err);
}

char *store_blob_get(struct store *st, const char *ns, const char *key)
{
    return get_text(st, "SELECT value FROM blobs WHERE ns=? AND key=?", ns, key);
}

int store_blob_delete(struct store *st, const char *ns, const char *key, struct rt_error *err)
{
    return put_text(st, "DELETE FROM blobs WHERE ns=? AND key=?", ns, key, NULL, err);
}

int store_blob_foreach(struct store *st, const char *ns,
                       int (*fn)(void *ctx, const char *key, const char *value), void *ctx,
                       struct rt_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (prepare(st, "SELECT key, value FROM blobs WHERE ns=? ORDER BY key", &s, err) < 0)
        return -1;
    bind_text(s, 1, ns);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (fn(ctx, (const char *)sqlite3_column_text(s, 0),
               (const char *)sqlite3_column_text(s, 1)) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return store_db_error(st, "reading blobs", err);
    return 0;
}

int store_blob_clear(struct store *st, const char *ns, struct rt_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = 0;

    if (prepare(st, "DELETE FROM blobs WHERE ns=?", &s, err) < 0)
        return -1;
    bind_text(s, 1, ns);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store_db_error(st, "clearing blobs", err);
    sqlite3_finalize(s);
    return rc;
}
