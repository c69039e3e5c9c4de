/*
 * ssh.c - SSH connections on an I/O thread: jump chains over direct-tcpip
 * channels, host-key events, the auth chain, PTY, keepalives, exec.
 *
 * Design.  Each struct ssh_conn owns one thread that runs the whole
 * connection as sequential code over non-blocking libssh calls: every call
 * that answers SSH_AGAIN is retried after wait_io(), the one place the
 * thread sleeps.  wait_io() polls the control pipe (owner -> thread), every
 * hop's socket and every forwarding socketpair, and pumps the forwards, so
 * hop N's bytes keep flowing through hops 0..N-1 whatever the code is
 * waiting for, and cancellation is immediate.
 *
 * Jump chain: hop 0 is a TCP connection; hop i > 0 is a libssh session whose
 * socket (SSH_OPTIONS_FD) is one end of a socketpair; the other end is
 * pumped to a direct-tcpip channel opened on hop i-1.  The target is the
 * last hop.
 *
 * Shared state (queue, buffers, replies, flags) is under c->lock; libssh
 * objects belong to the thread alone.  The thread wakes the owner by
 * writing one byte to c->wake[1] when it queues something and no wake-up is
 * pending; the owner clears it with ssh_conn_wake_clear() before collecting.
 *
 * Secrets: prompt answers are moved from the owner's reply into a thread
 * local, used, then explicit_bzero()ed.  Nothing in this file logs.
 */
#include "ssh.h"

#include "store.h"
#include "util.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_CAP (1u << 20) /* stop reading the channel while this much output waits */
#define FWD_BUF 65536

struct fwd {
    ssh_channel ch; /* on the previous hop */
    int fd;         /* our end of the socketpair */
    char *to_sock;  /* channel -> socket bytes not yet written */
    size_t ts_len, ts_off;
    char *to_chan; /* socket -> channel */
    size_t tc_len, tc_off;
    int sock_eof, chan_eof;
};

struct hop_rt {
    char *user, *host;
    int port;
    char *ident[10];
    int nident;
    ssh_session s;
    struct fwd fwd; /* i > 0: how this hop's bytes reach it */
};

struct qev {
    struct ssh_conn_event *ev;
    struct qev *next;
};

struct ssh_conn {
    /* options, copied */
    struct ssh_opts o;
    char *known_hosts;
    int timeout_ms;
    int nhops;
    struct hop_rt hops[SSH_MAX_HOPS];
    char hopname[SSH_MAX_HOPS][320];
    char title[1024];

    pthread_t th;
    int running;
    int wake[2]; /* thread -> owner */
    int ctl[2];  /* owner -> thread */

    pthread_mutex_t lock;
    /* under lock */
    struct qev *qhead, *qtail;
    struct strbuf out, errout;
    size_t out_off, err_off;
    struct strbuf in;
    int eof_req;
    int cols, rows, resize_pending;
    int hk_reply; /* -1 waiting */
    char *answer;
    int answer_set;
    int cancel;
    int wake_pending;
    int out_full;
    enum ssh_state state;

    /* thread only */
    ssh_channel ch;
    struct ssh_channel_callbacks_struct chcb;
    int exit_status; /* -1 until the server sends one */
    char exit_signal[32];
    struct rt_error terr;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void lib_init(void)
{
    ssh_init();
}

/* ---- small helpers --------------------------------------------------------------- */

static void zfree(char *s)
{
    if (s != NULL) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

const char *ssh_state_name(enum ssh_state s)
{
    static const char *const names[] = {"connecting", "authenticating", "open", "closed", "failed"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

int ssh_hop_parse(const char *s, struct ssh_hop *h, struct rt_error *err)
{
    const char *at, *hp, *colon;
    char *end;
    long port;

    memset(h, 0, sizeof *h);
    if (s == NULL || *s == '\0')
        return rt_err_set(err, RT_ERR_ARG, 0, "empty host in '%s'", s != NULL ? s : "");
    at = strrchr(s, '@');
    hp = s;
    if (at != NULL) {
        if (at == s)
            return rt_err_set(err, RT_ERR_ARG, 0, "empty user in '%s'", s);
        h->user = xstrndup(s, (size_t)(at - s));
        hp = at + 1;
    }
    if (*hp == '[') {
        const char *rb = strchr(hp, ']');
        if (rb == NULL)
            goto bad;
        h->host = xstrndup(hp + 1, (size_t)(rb - hp - 1));
        colon = rb[1] == ':' ? rb + 1 : NULL;
        if (rb[1] != '\0' && colon == NULL)
            goto bad;
    } else {
        colon = strchr(hp, ':');
        if (colon != NULL && strchr(colon + 1, ':') != NULL)
            colon = NULL; /* a bare IPv6 address */
        h->host = colon != NULL ? xstrndup(hp, (size_t)(colon - hp)) : xstrdup(hp);
    }
    if (h->host[0] == '\0')
        goto bad;
    if (colon != NULL) {
        errno = 0;
        port = strtol(colon + 1, &end, 10);
        if (errno != 0 || *end != '\0' || end == colon + 1 || port < 1 || port > 65535)
            goto bad;
        h->port = (int)port;
    }
    for (const char *p = h->host; *p; p++) {
        if ((unsigned char)*p <= ' ' || *p == ',' || *p == '/')
            goto bad;
    }
    return 0;
bad:
    ssh_hop_done(h);
    return rt_err_set(err, RT_ERR_ARG, 0, "bad host '%s' (expected [user@]host[:port])", s);
}

void ssh_hop_done(struct ssh_hop *h)
{
    free(h->user);
    free(h->host);
    memset(h, 0, sizeof *h);
}

int ssh_jump_parse(const char *s, struct ssh_hop *hops, int max, struct rt_error *err)
{
    char *copy = xstrdup(s), *save = NULL, *tok;
    int n = 0;

    for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        if (n == max) {
            rt_err_set(err, RT_ERR_ARG, 0, "too many jump hosts in '%s' (at most %d)", s, max);
            goto fail;
        }
        if (ssh_hop_parse(tok, &hops[n], err) < 0)
            goto fail;
        n++;
    }
    if (n == 0) {
        rt_err_set(err, RT_ERR_ARG, 0, "empty jump host list '%s'", s);
        goto fail;
    }
    free(copy);
    return n;
fail:
    while (n > 0)
        ssh_hop_done(&hops[--n]);
    free(copy);
    return -1;
}

/* ---- ~/.ssh/config --------------------------------------------------------------- */

int ssh_pattern_match_list(const char *list, const char *name)
{
    char *copy = xstrdup(list), *save = NULL, *tok;
    int matched = 0;

    for (tok = strtok_r(copy, " \t,", &save); tok != NULL; tok = strtok_r(NULL, " \t,", &save)) {
        int neg = tok[0] == '!';
        if (fnmatch(tok + neg, name, FNM_CASEFOLD) == 0) {
            if (neg) {
                matched = 0;
                break;
            }
            matched = 1;
        }
    }
    free(copy);
    return matched;
}

void ssh_host_config_done(struct ssh_host_config *hc)
{
    free(hc->hostname);
    free(hc->user);
    free(hc->proxyjump);
    for (int i = 0; i < hc->nidentity; i++)
        free(hc->identity[i]);
    memset(hc, 0, sizeof *hc);
}

int ssh_config_lookup(const char *path, const char *alias, struct ssh_host_config *out,
                      struct rt_error *err)
{
    char *def = NULL, line[2048];
    FILE *f;
    int match = 1; /* before the first Host line everything applies */

    memset(out, 0, sizeof *out);
    if (path != NULL && (path[0] == '\0' || strcmp(path, "none") == 0))
        return 0;
    if (path == NULL) {
        const char *home = getenv("HOME");
        if (home == NULL)
            return 0;
        def = xasprintf("%s/.ssh/config", home);
        path = def;
    }
    f = fopen(path, "r");
    if (f == NULL) {
        int e = errno;
        free(def);
        if (e == ENOENT)
            return 0;
        return rt_err_set(err, RT_ERR_CONFIG, e, "cannot read '%s': %s", path, strerror(e));
    }
    while (fgets(line, sizeof line, f) != NULL) {
        char *p = line, *key, *val;
        size_t len;

        line[strcspn(line, "\r\n")] = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        key = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '=')
            p++;
        if (*p)
            *p++ = '\0';
        while (*p == ' ' || *p == '\t' || *p == '=')
            p++;
        val = p;
        len = strlen(val);
        while (len > 0 && (val[len - 1] == ' ' || val[len - 1] == '\t'))
            val[--len] = '\0';
        if (len >= 2 && val[0] == '"' && val[len - 1] == '"') {
            val[len - 1] = '\0';
            val++;
        }
        if (strcasecmp(key, "Host") == 0) {
            match = ssh_pattern_match_list(val, alias);
            continue;
        }
        if (strcasecmp(key, "Match") == 0) {
            match = 0; /* not supported: its block is skipped */
            continue;
        }
        if (!match || *val == '\0')
            continue;
        if (strcasecmp(key, "HostName") == 0 && out->hostname == NULL) {
            out->hostname = xstrdup(val);
        } else if (strcasecmp(key, "User") == 0 && out->user == NULL) {
            out->user = xstrdup(val);
        } else if (strcasecmp(key, "Port") == 0 && out->port == 0) {
            long long v;
            if (rt_parse_int(val, &v) == 0 && v > 0 && v < 65536)
                out->port = (int)v;
        } else if (strcasecmp(key, "ProxyJump") == 0 && out->proxyjump == NULL) {
            out->proxyjump = xstrdup(val);
        } else if (strcasecmp(key, "IdentityFile") == 0 && out->nidentity < 8) {
            out->identity[out->nidentity++] = rt_expand_home(val);
        }
    }
    fclose(f);
    free(def);
    if (out->hostname != NULL && strstr(out->hostname, "%h") != NULL) {
        struct strbuf sb = STRBUF_INIT;
        for (const char *q = out->hostname; *q; q++) {
            if (q[0] == '%' && q[1] == 'h') {
                strbuf_adds(&sb, alias);
                q++;
            } else {
                strbuf_addc(&sb, *q);
            }
        }
        free(out->hostname);
        out->hostname = strbuf_take(&sb);
    }
    return 0;
}

/* Fill a runtime hop from what the caller gave and the config says about the alias. */
static int hop_resolve(struct hop_rt *h, const char *alias, const char *user, int port,
                       const char *identity, const char *cfgpath, struct rt_error *err)
{
    struct ssh_host_config hc;

    if (ssh_config_lookup(cfgpath, alias, &hc, err) < 0)
        return -1;
    h->host = xstrdup(hc.hostname != NULL ? hc.hostname : alias);
    h->user = xstrdup(user != NULL ? user : hc.user);
    if (h->user == NULL) {
        const char *u = getenv("USER");
        h->user = xstrdup(u != NULL && *u ? u : "root");
    }
    h->port = port > 0 ? port : hc.port > 0 ? hc.port : 22;
    if (identity != NULL)
        h->ident[h->nident++] = rt_expand_home(identity);
    for (int i = 0; i < hc.nidentity && h->nident < 10; i++) {
        h->ident[h->nident++] = hc.identity[i];
        hc.identity[i] = NULL;
    }
    if (h->nident == 0 || identity != NULL) {
        static const char *const defaults[] = {"id_ed25519", "id_ecdsa", "id_rsa"};
        const char *home = getenv("HOME");
        for (size_t i = 0; home != NULL && i < 3 && h->nident < 10; i++)
            h->ident[h->nident++] = xasprintf("%s/.ssh/%s", home, defaults[i]);
    }
    ssh_host_config_done(&hc);
    return 0;
}

static void hop_rt_done(struct hop_rt *h)
{
    free(h->user);
    free(h->host);
    for (int i = 0; i < h->nident; i++)
        free(h->ident[i]);
    memset(h, 0, sizeof *h);
}

/* ---- owner <-> thread plumbing ---------------------------------------------------- */

/* Under lock. */
static void wake_locked(struct ssh_conn *c)
{
    if (!c->wake_pending) {
        c->wake_pending = 1;
        (void)!write(c->wake[1], "x", 1);
    }
}

static void poke(struct ssh_conn *c)
{
    (void)!write(c->ctl[1], "x", 1);
}

static void post(struct ssh_conn *c, struct ssh_conn_event *ev)
{
    struct qev *q = xcalloc(1, sizeof *q);

    q->ev = ev;
    pthread_mutex_lock(&c->lock);
    if (ev->type == SSH_EV_STATE)
        c->state = ev->state;
    if (c->qtail != NULL)
        c->qtail->next = q;
    else
        c->qhead = q;
    c->qtail = q;
    wake_locked(c);
    pthread_mutex_unlock(&c->lock);
}

static struct ssh_conn_event *ev_new(enum ssh_ev_type t, int hop, const struct ssh_conn *c)
{
    struct ssh_conn_event *ev = xcalloc(1, sizeof *ev);

    ev->type = t;
    ev->hop = hop;
    ev->exit_status = -1;
    if (hop >= 0 && hop < c->nhops) {
        snprintf(ev->host, sizeof ev->host, "%s", c->hops[hop].host);
        ev->port = c->hops[hop].port;
    }
    return ev;
}

static void post_state(struct ssh_conn *c, enum ssh_state st, int hop)
{
    struct ssh_conn_event *ev = ev_new(SSH_EV_STATE, hop, c);

    ev->state = st;
    if (st == SSH_STATE_FAILED)
        rt_err_copy(&ev->err, &c->terr);
    post(c, ev);
}

static int cancelled(struct ssh_conn *c)
{
    int v;

    pthread_mutex_lock(&c->lock);
    v = c->cancel;
    pthread_mutex_unlock(&c->lock);
    return v;
}

/* ---- forwarding ------------------------------------------------------------------ */

/* Move bytes both ways between a hop's socketpair and its channel. -1 when it broke. */
static int fwd_pump(struct fwd *f)
{
    int n;

    if (f->ch == NULL)
        return 0;
    /* channel -> socket */
    for (;;) {
        if (f->ts_off < f->ts_len) {
            ssize_t w = write(f->fd, f->to_sock + f->ts_off, f->ts_len - f->ts_off);
            if (w < 0 && errno != EAGAIN && errno != EINTR)
                return -1;
            if (w > 0)
                f->ts_off += (size_t)w;
            if (f->ts_off < f->ts_len)
                break;
        }
        f->ts_off = f->ts_len = 0;
        if (f->chan_eof)
            break;
        n = ssh_channel_read_nonblocking(f->ch, f->to_sock, FWD_BUF, 0);
        if (n == SSH_EOF || (n == 0 && ssh_channel_is_eof(f->ch))) {
            f->chan_eof = 1;
            shutdown(f->fd, SHUT_WR);
            break;
        }
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        f->ts_len = (size_t)n;
    }
    /* socket -> channel */
    for (;;) {
        if (f->tc_off < f->tc_len) {
            n = ssh_channel_write(f->ch, f->to_chan + f->tc_off, (uint32_t)(f->tc_len - f->tc_off));
            if (n < 0)
                return -1;
            f->tc_off += (size_t)n;
            if (f->tc_off < f->tc_len)
                break;
        }
        f->tc_off = f->tc_len = 0;
        if (f->sock_eof)
            break;
        {
            ssize_t r = read(f->fd, f->to_chan, FWD_BUF);
            if (r == 0) {
                f->sock_eof = 1;
                ssh_channel_send_eof(f->ch);
                break;
            }
            if (r < 0) {
                if (errno == EAGAIN || errno == EINTR)
                    break;
                return -1;
            }
            f->tc_len = (size_t)r;
        }
    }
    return 0;
}

/*
 * Sleep until something may have changed (any socket, the control pipe), at
 * most until deadline (0: no deadline, -1: return after one short poll) and
 * at most 250 ms.  Pumps every forward.  Returns 0 to retry, -1 (c->terr
 * set) when cancelled, when the deadline passed, or when a hop broke.
 */
static int wait_io(struct ssh_conn *c, int64_t deadline, const char *what)
{
    struct pollfd pf[1 + 2 * SSH_MAX_HOPS];
    int n = 0, timeout = 250;
    int64_t now = rt_mono_ms();
    char drain[64];

    if (deadline > 0) {
        if (now >= deadline)
            return rt_err_set(&c->terr, RT_ERR_TIMEOUT, 0, "timed out %s", what);
        if (deadline - now < timeout)
            timeout = (int)(deadline - now);
    } else if (deadline < 0) {
        timeout = 0;
    }
    pf[n++] = (struct pollfd){c->ctl[0], POLLIN, 0};
    for (int i = 0; i < c->nhops; i++) {
        struct hop_rt *h = &c->hops[i];
        if (h->s != NULL && ssh_get_fd(h->s) >= 0) {
            short ev = POLLIN;
            if (ssh_is_connected(h->s) && ssh_blocking_flush(h->s, 0) == SSH_AGAIN)
                ev |= POLLOUT;
            pf[n++] = (struct pollfd){ssh_get_fd(h->s), ev, 0};
        }
        if (h->fwd.ch != NULL) {
            short ev = 0;
            if (h->fwd.tc_len == 0 && !h->fwd.sock_eof)
                ev |= POLLIN;
            if (h->fwd.ts_off < h->fwd.ts_len)
                ev |= POLLOUT;
            pf[n++] = (struct pollfd){h->fwd.fd, ev, 0};
        }
    }
    if (poll(pf, (nfds_t)n, timeout) < 0 && errno != EINTR)
        return rt_err_set(&c->terr, RT_ERR_INTERNAL, errno, "poll failed: %s", strerror(errno));
    if (pf[0].revents & POLLIN) {
        while (read(c->ctl[0], drain, sizeof drain) > 0) {
        }
    }
    if (cancelled(c))
        return rt_err_set(&c->terr, RT_ERR_SSH, 0, "cancelled");
    for (int i = 1; i < c->nhops; i++) {
        if (fwd_pump(&c->hops[i].fwd) < 0)
            return rt_err_set(&c->terr, RT_ERR_TRANSPORT, 0,
                              "connection to jump host '%s' lost: %s", c->hops[i - 1].host,
                              ssh_get_error(c->hops[i - 1].s));
    }
    return 0;
}

/* Retry a non-blocking libssh call until it stops answering `again`. */
#define RETRY(c, rc, again, what, call)                                                            \
    do {                                                                                           \
        int64_t dl_ = rt_mono_ms() + (c)->timeout_ms;                                              \
        for (;;) {                                                                                 \
            (rc) = (call);                                                                         \
            if ((rc) != (again))                                                                   \
                break;                                                                             \
            if (wait_io((c), dl_, (what)) < 0) {                                                   \
                (rc) = -999;                                                                       \
                break;                                                                             \
            }                                                                                      \
        }                                                                                          \
    } while (0)

/* ---- the connection thread ------------------------------------------------------- */

static int ask(struct ssh_conn *c, int hop, const char *text, int echo, char **answer)
{
    struct ssh_conn_event *ev;

    *answer = NULL;
    if (c->o.no_prompt)
        return 0;
    pthread_mutex_lock(&c->lock);
    c->answer_set = 0;
    pthread_mutex_unlock(&c->lock);
    ev = ev_new(SSH_EV_PROMPT, hop, c);
    snprintf(ev->text, sizeof ev->text, "%s", text);
    ev->echo = echo;
    post(c, ev);
    for (;;) {
        int done;
        pthread_mutex_lock(&c->lock);
        done = c->answer_set;
        if (done) {
            *answer = c->answer;
            c->answer = NULL;
        }
        pthread_mutex_unlock(&c->lock);
        if (done)
            return *answer != NULL;
        if (wait_io(c, 0, "waiting for an answer") < 0)
            return -1;
    }
}

static int check_hostkey(struct ssh_conn *c, int i)
{
    struct hop_rt *h = &c->hops[i];
    ssh_key key = NULL;
    unsigned char *hash = NULL;
    size_t hlen = 0;
    char *fp = NULL;
    struct ssh_conn_event *ev;
    enum ssh_known_hosts_e kh;
    int reply;

    if (ssh_get_server_publickey(h->s, &key) < 0)
        return rt_err_set(&c->terr, RT_ERR_SSH, 0, "no host key from '%s': %s", h->host,
                          ssh_get_error(h->s));
    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) < 0) {
        ssh_key_free(key);
        return rt_err_set(&c->terr, RT_ERR_SSH, 0, "cannot hash the host key of '%s'", h->host);
    }
    fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
    ev = ev_new(SSH_EV_HOSTKEY, i, c);
    snprintf(ev->fingerprint, sizeof ev->fingerprint, "%s", fp != NULL ? fp : "?");
    snprintf(ev->keytype, sizeof ev->keytype, "%s", ssh_key_type_to_char(ssh_key_type(key)));
    ssh_string_free_char(fp);
    ssh_clean_pubkey_hash(&hash);
    ssh_key_free(key);
    kh = ssh_session_is_known_server(h->s);
    switch (kh) {
    case SSH_KNOWN_HOSTS_OK:
        ev->known = SSH_KNOWN_OK;
        break;
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
        ev->known = SSH_KNOWN_CHANGED;
        break;
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
        ev->known = SSH_KNOWN_UNKNOWN;
        break;
    default:
        ev->known = SSH_KNOWN_ERROR;
        break;
    }
    pthread_mutex_lock(&c->lock);
    c->hk_reply = -1;
    pthread_mutex_unlock(&c->lock);
    {
        char fpcopy[160];
        snprintf(fpcopy, sizeof fpcopy, "%s %s", ev->keytype, ev->fingerprint);
        post(c, ev);
        for (;;) {
            pthread_mutex_lock(&c->lock);
            reply = c->hk_reply;
            pthread_mutex_unlock(&c->lock);
            if (reply >= 0)
                break;
            if (wait_io(c, 0, "waiting for the host key decision") < 0)
                return -1;
        }
        if (reply == 0)
            return rt_err_set(&c->terr, RT_ERR_REFUSED, 0, "host key of '%s:%d' refused (%s)",
                              h->host, h->port, fpcopy);
    }
    return 0;
}

static int auth_pubkey_file(struct ssh_conn *c, int i, const char *path)
{
    struct hop_rt *h = &c->hops[i];
    ssh_key pub = NULL, priv = NULL;
    char *pubpath = xasprintf("%s.pub", path);
    int rc;

    if (access(path, R_OK) != 0) {
        free(pubpath);
        return 0;
    }
    if (ssh_pki_import_pubkey_file(pubpath, &pub) == SSH_OK) {
        RETRY(c, rc, SSH_AUTH_AGAIN, "offering a key", ssh_userauth_try_publickey(h->s, NULL, pub));
        ssh_key_free(pub);
        if (rc == -999) {
            free(pubpath);
            return -1;
        }
        if (rc != SSH_AUTH_SUCCESS) {
            free(pubpath);
            return 0; /* the server would not take it: do not ask for its passphrase */
        }
    }
    free(pubpath);
    if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &priv) != SSH_OK) {
        for (int tries = 0; tries < 3 && priv == NULL; tries++) {
            char *pass = NULL, q[600];
            int a;
            snprintf(q, sizeof q, "Enter passphrase for key '%s': ", path);
            a = ask(c, i, q, 0, &pass);
            if (a < 0)
                return -1;
            if (a == 0)
                return 0;
            if (ssh_pki_import_privkey_file(path, pass, NULL, NULL, &priv) != SSH_OK)
                priv = NULL;
            zfree(pass);
        }
        if (priv == NULL)
            return 0;
    }
    RETRY(c, rc, SSH_AUTH_AGAIN, "authenticating with a key",
          ssh_userauth_publickey(h->s, NULL, priv));
    ssh_key_free(priv);
    if (rc == -999)
        return -1;
    return rc == SSH_AUTH_SUCCESS ? 1 : 0;
}

static int authenticate(struct ssh_conn *c, int i)
{
    struct hop_rt *h = &c->hops[i];
    int rc, methods;
    char tried[128] = "";

    post_state(c, SSH_STATE_AUTH, i);
    RETRY(c, rc, SSH_AUTH_AGAIN, "authenticating", ssh_userauth_none(h->s, NULL));
    if (rc == -999)
        return -1;
    if (rc == SSH_AUTH_SUCCESS)
        return 0;
    {
        char *banner = ssh_get_issue_banner(h->s);
        if (banner != NULL && *banner) {
            struct ssh_conn_event *ev = ev_new(SSH_EV_BANNER, i, c);
            snprintf(ev->text, sizeof ev->text, "%s", banner);
            post(c, ev);
        }
        ssh_string_free_char(banner);
    }
    methods = ssh_userauth_list(h->s, NULL);
    if (methods & SSH_AUTH_METHOD_PUBLICKEY) {
        strcat(tried, "publickey");
        if (!c->o.no_agent && getenv("SSH_AUTH_SOCK") != NULL) {
            RETRY(c, rc, SSH_AUTH_AGAIN, "authenticating with the agent",
                  ssh_userauth_agent(h->s, NULL));
            if (rc == -999)
                return -1;
            if (rc == SSH_AUTH_SUCCESS)
                return 0;
        }
        for (int k = 0; k < h->nident; k++) {
            rc = auth_pubkey_file(c, i, h->ident[k]);
            if (rc < 0)
                return -1;
            if (rc == 1)
                return 0;
        }
    }
    if ((methods & SSH_AUTH_METHOD_PASSWORD) && !c->o.no_prompt) {
        strcat(tried, tried[0] ? ", password" : "password");
        for (int tries = 0; tries < 3; tries++) {
            char q[400], *pw = NULL;
            int a;
            snprintf(q, sizeof q, "%s@%s's password: ", h->user, h->host);
            a = ask(c, i, q, 0, &pw);
            if (a < 0)
                return -1;
            if (a == 0)
                break;
            RETRY(c, rc, SSH_AUTH_AGAIN, "authenticating with a password",
                  ssh_userauth_password(h->s, NULL, pw));
            zfree(pw);
            if (rc == -999)
                return -1;
            if (rc == SSH_AUTH_SUCCESS)
                return 0;
            if (rc == SSH_AUTH_ERROR)
                break;
        }
    }
    if ((methods & SSH_AUTH_METHOD_INTERACTIVE) && !c->o.no_prompt) {
        strcat(tried, tried[0] ? ", keyboard-interactive" : "keyboard-interactive");
        RETRY(c, rc, SSH_AUTH_AGAIN, "keyboard-interactive auth",
              ssh_userauth_kbdint(h->s, NULL, NULL));
        for (int rounds = 0; rc == SSH_AUTH_INFO && rounds < 8; rounds++) {
            int np = ssh_userauth_kbdint_getnprompts(h->s);
            const char *instr = ssh_userauth_kbdint_getinstruction(h->s);
            for (int p = 0; p < np; p++) {
                char echo = 0, q[512], *ans = NULL;
                const char *prompt = ssh_userauth_kbdint_getprompt(h->s, (unsigned)p, &echo);
                int a;
                snprintf(q, sizeof q, "%s%s%s", p == 0 && instr != NULL && *instr ? instr : "",
                         p == 0 && instr != NULL && *instr ? "\n" : "",
                         prompt != NULL ? prompt : "");
                a = ask(c, i, q, echo, &ans);
                if (a < 0)
                    return -1;
                if (a == 0)
                    goto kbd_done;
                ssh_userauth_kbdint_setanswer(h->s, (unsigned)p, ans);
                zfree(ans);
            }
            RETRY(c, rc, SSH_AUTH_AGAIN, "keyboard-interactive auth",
                  ssh_userauth_kbdint(h->s, NULL, NULL));
        }
        if (rc == -999)
            return -1;
        if (rc == SSH_AUTH_SUCCESS)
            return 0;
    }
kbd_done:
    return rt_err_set(&c->terr, RT_ERR_AUTH, 0, "authentication to '%s@%s:%d' failed (tried: %s)",
                      h->user, h->host, h->port, tried[0] ? tried : "none the server offers");
}

static int connect_hop(struct ssh_conn *c, int i)
{
    struct hop_rt *h = &c->hops[i];
    int rc, off = 0, verb = SSH_LOG_NOLOG;
    long tmo = c->timeout_ms / 1000;
    char what[400];

    post_state(c, SSH_STATE_CONNECTING, i);
    h->s = ssh_new();
    if (h->s == NULL)
        return rt_err_set(&c->terr, RT_ERR_NOMEM, 0, "out of memory");
    ssh_options_set(h->s, SSH_OPTIONS_LOG_VERBOSITY, &verb);
    ssh_options_set(h->s, SSH_OPTIONS_PROCESS_CONFIG, &off);
    ssh_options_set(h->s, SSH_OPTIONS_HOST, h->host);
    ssh_options_set(h->s, SSH_OPTIONS_PORT, &h->port);
    ssh_options_set(h->s, SSH_OPTIONS_USER, h->user);
    ssh_options_set(h->s, SSH_OPTIONS_TIMEOUT, &tmo);
    if (c->known_hosts != NULL)
        ssh_options_set(h->s, SSH_OPTIONS_KNOWNHOSTS, c->known_hosts);
    if (i > 0) {
        int sp[2];
        struct hop_rt *prev = &c->hops[i - 1];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
            return rt_err_set(&c->terr, RT_ERR_INTERNAL, errno, "socketpair: %s", strerror(errno));
        set_nonblock(sp[0]);
        set_nonblock(sp[1]);
        h->fwd.fd = sp[1];
        h->fwd.to_sock = xmalloc(FWD_BUF);
        h->fwd.to_chan = xmalloc(FWD_BUF);
        ssh_options_set(h->s, SSH_OPTIONS_FD, &sp[0]);
        h->fwd.ch = ssh_channel_new(prev->s);
        snprintf(what, sizeof what, "opening a channel to '%s:%d' through '%s'", h->host, h->port,
                 prev->host);
        RETRY(c, rc, SSH_AGAIN, what,
              ssh_channel_open_forward(h->fwd.ch, h->host, h->port, "127.0.0.1", 22));
        if (rc == -999)
            return -1;
        if (rc != SSH_OK)
            return rt_err_set(&c->terr, RT_ERR_TRANSPORT, 0,
                              "jump host '%s' could not reach '%s:%d': %s", prev->host, h->host,
                              h->port, ssh_get_error(prev->s));
    }
    ssh_set_blocking(h->s, 0);
    snprintf(what, sizeof what, "connecting to '%s:%d'", h->host, h->port);
    RETRY(c, rc, SSH_AGAIN, what, ssh_connect(h->s));
    if (rc == -999)
        return -1;
    if (rc != SSH_OK)
        return rt_err_set(&c->terr, RT_ERR_TRANSPORT, 0, "cannot connect to '%s:%d'%s%s: %s",
                          h->host, h->port, i > 0 ? " via " : "", i > 0 ? c->hops[i - 1].host : "",
                          ssh_get_error(h->s));
    if (check_hostkey(c, i) < 0)
        return -1;
    return authenticate(c, i);
}

static void cb_exit_status(ssh_session s, ssh_channel ch, int status, void *user)
{
    struct ssh_conn *c = user;

    (void)s;
    (void)ch;
    c->exit_status = status;
}

static void cb_exit_signal(ssh_session s, ssh_channel ch, const char *sig, int core,
                           const char *errmsg, const char *lang, void *user)
{
    struct ssh_conn *c = user;

    (void)s;
    (void)ch;
    (void)core;
    (void)errmsg;
    (void)lang;
    snprintf(c->exit_signal, sizeof c->exit_signal, "%s", sig != NULL ? sig : "?");
}

static int open_channel(struct ssh_conn *c)
{
    struct hop_rt *h = &c->hops[c->nhops - 1];
    int rc, cols, rows;

    c->ch = ssh_channel_new(h->s);
    c->exit_status = -1;
    c->exit_signal[0] = '\0';
    memset(&c->chcb, 0, sizeof c->chcb);
    c->chcb.userdata = c;
    c->chcb.channel_exit_status_function = cb_exit_status;
    c->chcb.channel_exit_signal_function = cb_exit_signal;
    ssh_callbacks_init(&c->chcb);
    ssh_set_channel_callbacks(c->ch, &c->chcb);
    RETRY(c, rc, SSH_AGAIN, "opening a session channel", ssh_channel_open_session(c->ch));
    if (rc == -999)
        return -1;
    if (rc != SSH_OK)
        goto fail;
    if (c->o.pty) {
        pthread_mutex_lock(&c->lock);
        cols = c->cols;
        rows = c->rows;
        c->resize_pending = 0;
        pthread_mutex_unlock(&c->lock);
        RETRY(c, rc, SSH_AGAIN, "requesting a terminal",
              ssh_channel_request_pty_size(c->ch, c->o.term, cols, rows));
        if (rc == -999)
            return -1;
        if (rc != SSH_OK)
            goto fail;
    }
    if (c->o.command != NULL)
        RETRY(c, rc, SSH_AGAIN, "starting the command",
              ssh_channel_request_exec(c->ch, c->o.command));
    else
        RETRY(c, rc, SSH_AGAIN, "starting the shell", ssh_channel_request_shell(c->ch));
    if (rc == -999)
        return -1;
    if (rc != SSH_OK)
        goto fail;
    return 0;
fail:
    return rt_err_set(&c->terr, RT_ERR_SSH, 0, "'%s' refused the session: %s", h->host,
                      ssh_get_error(h->s));
}

/* Read what the channel has into the shared buffers (up to OUT_CAP). 1 if data arrived. */
static int read_channel(struct ssh_conn *c, int *err)
{
    char buf[32768];
    int got = 0;

    *err = 0;
    for (int is_err = 0; is_err < 2; is_err++) {
        for (int loops = 0; loops < 64; loops++) {
            int n, full;
            pthread_mutex_lock(&c->lock);
            full = (is_err ? c->errout.len - c->err_off : c->out.len - c->out_off) >= OUT_CAP;
            if (full)
                c->out_full = 1;
            pthread_mutex_unlock(&c->lock);
            if (full)
                break;
            n = ssh_channel_read_nonblocking(c->ch, buf, sizeof buf, is_err);
            if (n == SSH_ERROR) {
                *err = 1;
                break;
            }
            if (n <= 0)
                break;
            pthread_mutex_lock(&c->lock);
            strbuf_add(is_err ? &c->errout : &c->out, buf, (size_t)n);
            pthread_mutex_unlock(&c->lock);
            got = 1;
        }
    }
    if (got) {
        pthread_mutex_lock(&c->lock);
        wake_locked(c);
        pthread_mutex_unlock(&c->lock);
    }
    return got;
}

static int session_loop(struct ssh_conn *c)
{
    struct hop_rt *h = &c->hops[c->nhops - 1];
    struct strbuf pend = STRBUF_INIT;
    size_t pend_off = 0;
    int eof_sent = 0, rc = 0;
    int64_t last_io = rt_mono_ms(), eof_at = 0;
    int keep = c->o.keepalive_s == 0 ? 30 : c->o.keepalive_s;

    post_state(c, SSH_STATE_OPEN, c->nhops - 1);
    for (;;) {
        int eof_req, resize, cols, rows, rerr, full;

        pthread_mutex_lock(&c->lock);
        if (c->in.len > 0) {
            strbuf_add(&pend, c->in.buf, c->in.len);
            explicit_bzero(c->in.buf, c->in.len); /* may hold a typed password */
            strbuf_reset(&c->in);
        }
        eof_req = c->eof_req;
        resize = c->resize_pending;
        cols = c->cols;
        rows = c->rows;
        c->resize_pending = 0;
        pthread_mutex_unlock(&c->lock);

        if (resize && c->o.pty)
            ssh_channel_change_pty_size(c->ch, cols, rows);
        if (pend_off < pend.len) {
            int n = ssh_channel_write(c->ch, pend.buf + pend_off, (uint32_t)(pend.len - pend_off));
            if (n == SSH_ERROR) {
                rt_err_set(&c->terr, RT_ERR_TRANSPORT, 0, "connection to '%s' lost: %s", h->host,
                           ssh_get_error(h->s));
                rc = -1;
                break;
            }
            if (n > 0) {
                pend_off += (size_t)n;
                last_io = rt_mono_ms();
            }
            if (pend_off == pend.len) {
                explicit_bzero(pend.buf, pend.len);
                strbuf_reset(&pend);
                pend_off = 0;
            }
        }
        if (eof_req && !eof_sent && pend.len == 0) {
            ssh_channel_send_eof(c->ch);
            eof_sent = 1;
        }
        if (read_channel(c, &rerr))
            last_io = rt_mono_ms();
        if (rerr || (ssh_get_status(h->s) & (SSH_CLOSED | SSH_CLOSED_ERROR))) {
            rt_err_set(&c->terr, RT_ERR_TRANSPORT, 0, "connection to '%s' lost: %s", h->host,
                       ssh_get_error(h->s));
            rc = -1;
            break;
        }
        pthread_mutex_lock(&c->lock);
        full = c->out.len - c->out_off >= OUT_CAP || c->errout.len - c->err_off >= OUT_CAP;
        pthread_mutex_unlock(&c->lock);
        if (!full && (ssh_channel_is_closed(c->ch) || ssh_channel_is_eof(c->ch))) {
            int more;
            /* After EOF the channel reads return at once without touching the socket:
             * drive the session so exit-status and close are processed. */
            (void)ssh_channel_get_exit_status(c->ch); /* non-blocking session: one pass */
            more = ssh_channel_poll(c->ch, 0) > 0 || ssh_channel_poll(c->ch, 1) > 0;
            if (eof_at == 0)
                eof_at = rt_mono_ms();
            if (!more && (ssh_channel_is_closed(c->ch) || rt_mono_ms() - eof_at > 5000)) {
                struct ssh_conn_event *ev = ev_new(SSH_EV_EXIT, c->nhops - 1, c);
                ev->exit_status = c->exit_status;
                snprintf(ev->exit_signal, sizeof ev->exit_signal, "%s", c->exit_signal);
                post(c, ev);
                break;
            }
        }
        if (keep > 0 && rt_mono_ms() - last_io > keep * 1000L) {
            for (int i = 0; i < c->nhops; i++)
                ssh_send_ignore(c->hops[i].s, "");
            last_io = rt_mono_ms();
        }
        if (full) {
            /* Back-pressure: only the control pipe wakes us (the reader pokes it). */
            struct pollfd p = {c->ctl[0], POLLIN, 0};
            char drain[64];
            poll(&p, 1, 250);
            while (read(c->ctl[0], drain, sizeof drain) > 0) {
            }
            if (cancelled(c)) {
                rt_err_set(&c->terr, RT_ERR_SSH, 0, "cancelled");
                rc = -1;
                break;
            }
            continue;
        }
        if (wait_io(c, 0, "") < 0) {
            rc = -1;
            break;
        }
    }
    if (pend.buf != NULL)
        explicit_bzero(pend.buf, pend.cap);
    strbuf_done(&pend);
    return rc;
}

static void teardown(struct ssh_conn *c)
{
    if (c->ch != NULL) {
        ssh_channel_free(c->ch);
        c->ch = NULL;
    }
    for (int i = c->nhops - 1; i >= 0; i--) {
        struct hop_rt *h = &c->hops[i];
        if (h->s != NULL) {
            if (ssh_is_connected(h->s))
                ssh_disconnect(h->s);
            ssh_free(h->s);
            h->s = NULL;
        }
        if (h->fwd.ch != NULL) {
            ssh_channel_free(h->fwd.ch);
            h->fwd.ch = NULL;
        }
        if (h->fwd.fd >= 0) {
            close(h->fwd.fd);
            h->fwd.fd = -1;
        }
        free(h->fwd.to_sock);
        free(h->fwd.to_chan);
        memset(&h->fwd, 0, sizeof h->fwd);
        h->fwd.fd = -1;
    }
}

static void *conn_main(void *arg)
{
    struct ssh_conn *c = arg;
    int rc = 0;

    for (int i = 0; i < c->nhops && rc == 0; i++)
        rc = connect_hop(c, i);
    if (rc == 0)
        rc = open_channel(c);
    if (rc == 0)
        rc = session_loop(c);
    /* Closing: the last events go out before the sessions are torn down. */
    if (rc == 0)
        post_state(c, SSH_STATE_CLOSED, c->nhops - 1);
    else if (!cancelled(c))
        post_state(c, SSH_STATE_FAILED, c->nhops - 1);
    teardown(c);
    return NULL;
}

/* ---- owner API ------------------------------------------------------------------- */

static char *dup_opt(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

static int start_thread(struct ssh_conn *c, struct rt_error *err)
{
    int rc;

    c->cancel = 0;
    c->state = SSH_STATE_CONNECTING;
    rt_err_clear(&c->terr);
    rc = pthread_create(&c->th, NULL, conn_main, c);
    if (rc != 0)
        return rt_err_set(err, RT_ERR_INTERNAL, rc, "cannot start the ssh thread: %s",
                          strerror(rc));
    c->running = 1;
    return 0;
}

struct ssh_conn *ssh_conn_new(const struct ssh_opts *o, struct rt_error *err)
{
    struct ssh_conn *c;
    struct ssh_hop jumps[SSH_MAX_HOPS];
    struct ssh_host_config tcfg;
    const char *jump;
    char *cfgjump = NULL;
    int nj = 0;
    struct strbuf t = STRBUF_INIT;

    pthread_once(&init_once, lib_init);
    if (o == NULL || o->host == NULL || o->host[0] == '\0') {
        rt_err_set(err, RT_ERR_ARG, 0, "no host to connect to");
        return NULL;
    }
    if (strchr(o->host, '/') != NULL || o->host[0] == '-') {
        rt_err_set(err, RT_ERR_ARG, 0, "bad host name '%s'", o->host);
        return NULL;
    }
    if (ssh_config_lookup(o->ssh_config, o->host, &tcfg, err) < 0)
        return NULL;
    cfgjump = tcfg.proxyjump;
    tcfg.proxyjump = NULL;
    ssh_host_config_done(&tcfg);
    jump = o->jump != NULL ? o->jump : cfgjump;
    if (jump != NULL && strcasecmp(jump, "none") != 0 && *jump != '\0') {
        nj = ssh_jump_parse(jump, jumps, SSH_MAX_HOPS - 1, err);
        if (nj < 0) {
            free(cfgjump);
            return NULL;
        }
    }
    free(cfgjump);
    c = xcalloc(1, sizeof *c);
    c->o = *o;
    c->o.host = dup_opt(o->host);
    c->o.user = dup_opt(o->user);
    c->o.jump = dup_opt(o->jump);
    c->o.identity = dup_opt(o->identity);
    c->o.ssh_config = dup_opt(o->ssh_config);
    c->o.known_hosts = dup_opt(o->known_hosts);
    c->o.command = dup_opt(o->command);
    c->o.term = xstrdup(o->term != NULL ? o->term : "xterm-256color");
    /* libssh would find the home directory through getpwuid(); OpenSSH users expect $HOME. */
    c->known_hosts = rt_expand_home(o->known_hosts != NULL ? o->known_hosts : "~/.ssh/known_hosts");
    c->timeout_ms = (o->connect_timeout_s > 0 ? o->connect_timeout_s : 20) * 1000;
    c->cols = o->cols > 0 ? o->cols : 80;
    c->rows = o->rows > 0 ? o->rows : 24;
    c->wake[0] = c->wake[1] = c->ctl[0] = c->ctl[1] = -1;
    pthread_mutex_init(&c->lock, NULL);
    for (int i = 0; i < nj; i++) {
        /* -i is offered to the jump hosts too (after their own IdentityFile keys). */
        if (hop_resolve(&c->hops[i], jumps[i].host, jumps[i].user, jumps[i].port, o->identity,
                        c->o.ssh_config, err) < 0)
            goto fail;
        c->nhops++;
    }
    if (hop_resolve(&c->hops[nj], o->host, o->user, o->port, o->identity, c->o.ssh_config, err) < 0)
        goto fail;
    c->nhops++;
    for (int i = 0; i < c->nhops; i++) {
        snprintf(c->hopname[i], sizeof c->hopname[i], "%s@%s:%d", c->hops[i].user, c->hops[i].host,
                 c->hops[i].port);
        c->hops[i].fwd.fd = -1;
    }
    strbuf_adds(&t, c->hopname[c->nhops - 1]);
    for (int i = 0; i + 1 < c->nhops; i++) {
        strbuf_adds(&t, i == 0 ? " via " : ",");
        strbuf_adds(&t, c->hopname[i]);
    }
    snprintf(c->title, sizeof c->title, "%s", t.buf);
    strbuf_done(&t);
    if (pipe2(c->wake, O_CLOEXEC | O_NONBLOCK) < 0 || pipe2(c->ctl, O_CLOEXEC | O_NONBLOCK) < 0) {
        rt_err_set(err, RT_ERR_INTERNAL, errno, "pipe: %s", strerror(errno));
        goto fail;
    }
    for (int i = 0; i < nj; i++)
        ssh_hop_done(&jumps[i]);
    nj = 0;
    if (start_thread(c, err) < 0)
        goto fail;
    return c;
fail:
    for (int i = 0; i < nj; i++)
        ssh_hop_done(&jumps[i]);
    ssh_conn_free(c);
    return NULL;
}

static void stop_thread(struct ssh_conn *c)
{
    if (!c->running)
        return;
    pthread_mutex_lock(&c->lock);
    c->cancel = 1;
    pthread_mutex_unlock(&c->lock);
    poke(c);
    pthread_join(c->th, NULL);
    c->running = 0;
}

static void clear_shared(struct ssh_conn *c)
{
    struct qev *q = c->qhead;

    while (q != NULL) {
        struct qev *next = q->next;
        ssh_conn_event_free(q->ev);
        free(q);
        q = next;
    }
    c->qhead = c->qtail = NULL;
    strbuf_done(&c->out);
    strbuf_done(&c->errout);
    c->out_off = c->err_off = 0;
    if (c->in.buf != NULL)
        explicit_bzero(c->in.buf, c->in.cap);
    strbuf_done(&c->in);
    zfree(c->answer);
    c->answer = NULL;
    c->eof_req = 0;
    c->out_full = 0;
}

void ssh_conn_free(struct ssh_conn *c)
{
    if (c == NULL)
        return;
    stop_thread(c);
    clear_shared(c);
    for (int i = 0; i < SSH_MAX_HOPS; i++)
        hop_rt_done(&c->hops[i]);
    free((char *)c->o.host);
    free((char *)c->o.user);
    free((char *)c->o.jump);
    free((char *)c->o.identity);
    free((char *)c->o.ssh_config);
    free((char *)c->o.known_hosts);
    free((char *)c->o.command);
    free((char *)c->o.term);
    free(c->known_hosts);
    for (int i = 0; i < 2; i++) {
        if (c->wake[i] >= 0)
            close(c->wake[i]);
        if (c->ctl[i] >= 0)
            close(c->ctl[i]);
    }
    pthread_mutex_destroy(&c->lock);
    free(c);
}

int ssh_conn_reconnect(struct ssh_conn *c, struct rt_error *err)
{
    stop_thread(c);
    pthread_mutex_lock(&c->lock);
    clear_shared(c);
    c->wake_pending = 0;
    pthread_mutex_unlock(&c->lock);
    return start_thread(c, err);
}

int ssh_conn_fd(const struct ssh_conn *c)
{
    return c->wake[0];
}

void ssh_conn_wake_clear(struct ssh_conn *c)
{
    char buf[64];

    pthread_mutex_lock(&c->lock);
    while (read(c->wake[0], buf, sizeof buf) > 0) {
    }
    c->wake_pending = 0;
    pthread_mutex_unlock(&c->lock);
}

struct ssh_conn_event *ssh_conn_next_event(struct ssh_conn *c)
{
    struct ssh_conn_event *ev = NULL;

    pthread_mutex_lock(&c->lock);
    if (c->qhead != NULL) {
        struct qev *q = c->qhead;
        c->qhead = q->next;
        if (c->qhead == NULL)
            c->qtail = NULL;
        ev = q->ev;
        free(q);
    }
    pthread_mutex_unlock(&c->lock);
    return ev;
}

void ssh_conn_event_free(struct ssh_conn_event *ev)
{
    free(ev);
}

static size_t take(struct ssh_conn *c, struct strbuf *sb, size_t *off, void *buf, size_t n)
{
    size_t avail, k;
    int poke_it = 0;

    pthread_mutex_lock(&c->lock);
    avail = sb->len - *off;
    k = avail < n ? avail : n;
    if (k > 0) {
        memcpy(buf, sb->buf + *off, k);
        *off += k;
    }
    if (*off == sb->len) {
        strbuf_reset(sb);
        *off = 0;
    } else if (*off > (1u << 16) && *off * 2 > sb->len) {
        memmove(sb->buf, sb->buf + *off, sb->len - *off);
        sb->len -= *off;
        sb->buf[sb->len] = '\0';
        *off = 0;
    }
    if (c->out_full && sb->len - *off < OUT_CAP / 2) {
        c->out_full = 0;
        poke_it = 1;
    }
    pthread_mutex_unlock(&c->lock);
    if (poke_it)
        poke(c);
    return k;
}

size_t ssh_conn_read(struct ssh_conn *c, void *buf, size_t n)
{
    return take(c, &c->out, &c->out_off, buf, n);
}

size_t ssh_conn_read_stderr(struct ssh_conn *c, void *buf, size_t n)
{
    return take(c, &c->errout, &c->err_off, buf, n);
}

void ssh_conn_write(struct ssh_conn *c, const void *buf, size_t n)
{
    pthread_mutex_lock(&c->lock);
    if (c->state != SSH_STATE_CLOSED && c->state != SSH_STATE_FAILED && c->in.len < (8u << 20))
        strbuf_add(&c->in, buf, n);
    pthread_mutex_unlock(&c->lock);
    poke(c);
}

void ssh_conn_send_eof(struct ssh_conn *c)
{
    pthread_mutex_lock(&c->lock);
    c->eof_req = 1;
    pthread_mutex_unlock(&c->lock);
    poke(c);
}

void ssh_conn_resize(struct ssh_conn *c, int cols, int rows)
{
    if (cols < 1 || rows < 1)
        return;
    pthread_mutex_lock(&c->lock);
    if (cols != c->cols || rows != c->rows) {
        c->cols = cols;
        c->rows = rows;
        c->resize_pending = 1;
    }
    pthread_mutex_unlock(&c->lock);
    poke(c);
}

void ssh_conn_hostkey_reply(struct ssh_conn *c, int accept)
{
    pthread_mutex_lock(&c->lock);
    c->hk_reply = accept ? 1 : 0;
    pthread_mutex_unlock(&c->lock);
    poke(c);
}

void ssh_conn_prompt_reply(struct ssh_conn *c, const char *answer)
{
    pthread_mutex_lock(&c->lock);
    zfree(c->answer);
    c->answer = answer != NULL ? xstrdup(answer) : NULL;
    c->answer_set = 1;
    pthread_mutex_unlock(&c->lock);
    poke(c);
}

enum ssh_state ssh_conn_state(const struct ssh_conn *c)
{
    enum ssh_state s;

    pthread_mutex_lock((pthread_mutex_t *)&c->lock);
    s = c->state;
    pthread_mutex_unlock((pthread_mutex_t *)&c->lock);
    return s;
}

const char *ssh_conn_title(const struct ssh_conn *c)
{
    return c->title;
}

size_t ssh_conn_hops(const struct ssh_conn *c)
{
    return (size_t)c->nhops;
}

const char *ssh_conn_hop_name(const struct ssh_conn *c, size_t i)
{
    return i < (size_t)c->nhops ? c->hopname[i] : NULL;
}

/* ---- host-key decisions (owner thread) ------------------------------------------- */

static void pin_subject(const struct ssh_conn_event *ev, char *buf, size_t len)
{
    snprintf(buf, len, "%s:%d", ev->host, ev->port);
}

enum ssh_verdict ssh_hostkey_check(struct store *st, const struct ssh_conn_event *ev,
                                   enum ssh_hostkey_policy pol, char *why, size_t whylen)
{
    char subj[300], want[160];
    char *pin = NULL;

    if (why != NULL && whylen > 0)
        why[0] = '\0';
    if (ev->known == SSH_KNOWN_OK)
        return SSH_VERDICT_ACCEPT;
    if (ev->known == SSH_KNOWN_CHANGED) {
        if (why != NULL)
            snprintf(why, whylen,
                     "HOST KEY CHANGED for '%s:%d': known_hosts has a different key; the "
                     "server now offers %s %s; refusing (someone may be intercepting the "
                     "connection; if the change is expected, fix known_hosts)",
                     ev->host, ev->port, ev->keytype, ev->fingerprint);
        return SSH_VERDICT_REFUSE;
    }
    pin_subject(ev, subj, sizeof subj);
    snprintf(want, sizeof want, "%s %s", ev->keytype, ev->fingerprint);
    if (st != NULL)
        pin = store_pin_get(st, "ssh", subj, NULL);
    if (pin != NULL) {
        int same = strcmp(pin, want) == 0;
        if (!same && why != NULL)
            snprintf(why, whylen,
                     "HOST KEY CHANGED for '%s': racktop pinned %s, the server now offers %s; "
                     "refusing (someone may be intercepting the connection)",
                     subj, pin, want);
        free(pin);
        return same ? SSH_VERDICT_ACCEPT : SSH_VERDICT_REFUSE;
    }
    switch (pol) {
    case SSH_HOSTKEY_ACCEPT_NEW:
        if (ssh_hostkey_pin(st, ev, NULL) < 0 && why != NULL)
            snprintf(why, whylen, "could not pin the key of '%s'", subj);
        return SSH_VERDICT_ACCEPT;
    case SSH_HOSTKEY_STRICT:
        if (why != NULL)
            snprintf(why, whylen,
                     "unknown host key for '%s': %s %s; refusing (use --accept-new to pin it)",
                     subj, ev->keytype, ev->fingerprint);
        return SSH_VERDICT_REFUSE;
    default:
        if (why != NULL)
            snprintf(why, whylen,
                     "The authenticity of '%s' is not known. %s key fingerprint is %s.", subj,
                     ev->keytype, ev->fingerprint);
        return SSH_VERDICT_ASK;
    }
}

int ssh_hostkey_pin(struct store *st, const struct ssh_conn_event *ev, struct rt_error *err)
{
    char subj[300], fp[160];

    if (st == NULL)
        return 0;
    pin_subject(ev, subj, sizeof subj);
    snprintf(fp, sizeof fp, "%s %s", ev->keytype, ev->fingerprint);
    return store_pin_set(st, "ssh", subj, fp, err);
}

/* ---- exec ------------------------------------------------------------------------ */

void ssh_exec_result_done(struct ssh_exec_result *res)
{
    strbuf_done(&res->out);
    strbuf_done(&res->err);
}

int ssh_exec(const struct ssh_opts *o, struct store *st, enum ssh_hostkey_policy pol,
             int timeout_ms, size_t max_output, struct ssh_exec_result *res, struct rt_error *err)
{
    struct ssh_opts eo = *o;
    struct ssh_conn *c;
    int64_t deadline = rt_mono_ms() + (timeout_ms > 0 ? timeout_ms : 60000);
    int rc = -1, done = 0, exited = 0;
    char buf[32768];

    memset(res, 0, sizeof *res);
    res->exit_status = -1;
    if (max_output == 0)
        max_output = 16u << 20;
    eo.no_prompt = 1;
    if (pol == SSH_HOSTKEY_ASK)
        pol = SSH_HOSTKEY_STRICT;
    if (eo.command == NULL)
        eo.command = "true";
    c = ssh_conn_new(&eo, err);
    if (c == NULL)
        return -1;
    while (!done) {
        struct pollfd p = {ssh_conn_fd(c), POLLIN, 0};
        struct ssh_conn_event *ev;
        int64_t now = rt_mono_ms();
        size_t n;

        if (now >= deadline) {
            rt_err_set(err, RT_ERR_TIMEOUT, 0, "'%s' did not finish within %d ms",
                       ssh_conn_title(c), timeout_ms);
            break;
        }
        poll(&p, 1, (int)(deadline - now < 250 ? deadline - now : 250));
        ssh_conn_wake_clear(c);
        while ((n = ssh_conn_read(c, buf, sizeof buf)) > 0) {
            if (res->out.len + n <= max_output)
                strbuf_add(&res->out, buf, n);
        }
        while ((n = ssh_conn_read_stderr(c, buf, sizeof buf)) > 0) {
            if (res->err.len + n <= max_output)
                strbuf_add(&res->err, buf, n);
        }
        while ((ev = ssh_conn_next_event(c)) != NULL) {
            char why[512];
            switch (ev->type) {
            case SSH_EV_HOSTKEY:
                if (ssh_hostkey_check(st, ev, pol, why, sizeof why) == SSH_VERDICT_ACCEPT) {
                    ssh_conn_hostkey_reply(c, 1);
                } else {
                    rt_err_set(err, RT_ERR_REFUSED, 0, "%s", why);
                    ssh_conn_hostkey_reply(c, 0);
                    done = 1;
                }
                break;
            case SSH_EV_PROMPT:
                ssh_conn_prompt_reply(c, NULL);
                break;
            case SSH_EV_EXIT:
                res->exit_status = ev->exit_status;
                snprintf(res->exit_signal, sizeof res->exit_signal, "%s", ev->exit_signal);
                exited = 1;
                break;
            case SSH_EV_STATE:
                if (ev->state == SSH_STATE_FAILED) {
                    if (!done)
                        rt_err_copy(err, &ev->err);
                    done = 1;
                } else if (ev->state == SSH_STATE_CLOSED) {
                    done = 1;
                    rc = exited ? 0 : -1;
                    if (!exited)
                        rt_err_set(err, RT_ERR_SSH, 0, "'%s' closed without a status",
                                   ssh_conn_title(c));
                }
                break;
            default:
                break;
            }
            ssh_conn_event_free(ev);
        }
    }
    /* Output that arrived with the last events. */
    {
        size_t n;
        while ((n = ssh_conn_read(c, buf, sizeof buf)) > 0)
            if (res->out.len + n <= max_output)
                strbuf_add(&res->out, buf, n);
        while ((n = ssh_conn_read_stderr(c, buf, sizeof buf)) > 0)
            if (res->err.len + n <= max_output)
                strbuf_add(&res->err, buf, n);
    }
    ssh_conn_free(c);
    if (rc == 0)
        rt_err_clear(err);
    return rc;
}
