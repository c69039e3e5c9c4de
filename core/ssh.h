/*
 * ssh.h - SSH sessions (libssh): jump chains, host-key safety, auth, PTY, exec.
 *
 * A connection (struct ssh_conn) runs on its own I/O thread, so name
 * resolution, key exchange and authentication never touch the caller's
 * thread.  The thread drives libssh in non-blocking mode from one poll()
 * loop that also watches a control pipe, so every wait is cancellable and
 * bounded.  The caller (the UI thread, the command line, a health probe)
 * talks to it through a wake-up fd, an event queue and two byte buffers:
 *
 *     struct ssh_opts o = {.host = "10.0.0.4", .user = "ubuntu", .jump = "bastion",
 *                          .pty = 1, .term = "xterm-256color", .cols = 80, .rows = 24};
 *     struct ssh_conn *c = ssh_conn_new(&o, &err);        the thread starts connecting
 *     app_add_fd(a, ssh_conn_fd(c), POLLIN, on_ssh, c);     readable: something to collect
 *
 *     on_ssh():
 *         ssh_conn_wake_clear(c);                           first, then collect everything:
 *         while ((ev = ssh_conn_next_event(c)) != NULL) {
 *             switch (ev->type) {
 *             case SSH_EV_HOSTKEY:                          the thread waits for the answer
 *                 v = ssh_hostkey_check(store, ev, SSH_HOSTKEY_ASK, why, sizeof why);
 *                 ACCEPT: ssh_conn_hostkey_reply(c, 1);  REFUSE: ssh_conn_hostkey_reply(c, 0);
 *                 ASK: show ev->keytype + ev->fingerprint; on yes ssh_hostkey_pin() + reply 1
 *             case SSH_EV_PROMPT:                           password, passphrase, kbd-interactive
 *                 ask (no echo unless ev->echo); ssh_conn_prompt_reply(c, answer or NULL);
 *                 then explicit_bzero() the answer
 *             case SSH_EV_STATE: ev->state, ev->err.msg on SSH_STATE_FAILED
 *             case SSH_EV_EXIT:  ev->exit_status (-1 if the server sent none), ev->exit_signal
 *             }
 *             ssh_conn_event_free(ev);
 *         }
 *         while ((n = ssh_conn_read(c, buf, sizeof buf)) > 0) term_feed(t, buf, n);
 *
 *     keys:    ssh_conn_write(c, bytes, n);
 *     resize:  ssh_conn_resize(c, cols, rows);               sends window-change
 *     after SSH_STATE_CLOSED/FAILED: ssh_conn_reconnect(c, &err) starts over, same options
 *     ssh_conn_free(c);                                      cancels and joins the thread
 *
 * Host keys: every hop's key is checked against known_hosts (ev->known),
 * then the caller decides with ssh_hostkey_check(), which also consults the
 * racktop pins in the store (kind "ssh", subject "host:port").  A changed
 * key is always refused; no option turns that off.
 *
 * Auth, per hop, in order: ssh-agent ($SSH_AUTH_SOCK), identity files (-i,
 * ~/.ssh/config IdentityFile, then id_ed25519, id_ecdsa, id_rsa; encrypted
 * ones ask for the passphrase), password, keyboard-interactive.  Answers to
 * prompts live in the thread only as long as libssh needs them and are
 * zeroed after use; nothing here logs them.
 *
 * ~/.ssh/config: Host (patterns with * ? and !), HostName, User, Port,
 * IdentityFile, ProxyJump are honoured, for the target and for each jump
 * host.  libssh's own config processing is turned off, so ProxyJump never
 * spawns an ssh -W process: each bastion is a libssh session of ours and
 * the next hop runs over a direct-tcpip channel through it.
 *
 * Threading: ssh_conn_* functions are for the one owner thread; the
 * connection's thread touches only its libssh sessions and the locked
 * buffers.  The store is never used by the I/O thread.
 */
#ifndef RT_SSH_H
#define RT_SSH_H

#include "err.h"
#include "strbuf.h"

#include <stddef.h>

struct store;
struct ssh_conn;

#define SSH_MAX_HOPS 8

enum ssh_hostkey_policy {
    SSH_HOSTKEY_ASK,        /* unknown key: ask the operator (interactive) */
    SSH_HOSTKEY_ACCEPT_NEW, /* unknown key: pin it (OpenSSH StrictHostKeyChecking=accept-new) */
    SSH_HOSTKEY_STRICT,     /* unknown key: refuse */
};

struct ssh_opts {
    const char *host;       /* MUST: target name, address or ~/.ssh/config alias */
    const char *user;       /* NULL: config User, then $USER */
    int port;               /* 0: config Port, then 22 */
    const char *jump;       /* "[user@]host[:port][,...]"; NULL: config ProxyJump; "none": direct */
    const char *identity;   /* extra identity file tried first (-i), or NULL */
    const char *ssh_config; /* NULL: ~/.ssh/config; "" or "none": no config file */
    const char *known_hosts; /* NULL: ~/.ssh/known_hosts */
    const char *command;     /* NULL: a login shell */
    int pty;                 /* request a PTY */
    const char *term;        /* TERM for the PTY; NULL: "xterm-256color" */
    int cols, rows;          /* PTY size; 0: 80x24 */
    int connect_timeout_s;   /* per step (TCP, key exchange, each auth); 0: 20 */
    int keepalive_s;         /* idle keepalive interval; 0: 30; < 0: off */
    int no_prompt;           /* never emit SSH_EV_PROMPT: password/passphrase auth fail */
    int no_agent;            /* skip ssh-agent */
};

enum ssh_state {
    SSH_STATE_CONNECTING, /* TCP, key exchange, host key, through the chain */
    SSH_STATE_AUTH,       /* authenticating (to the hop in ev->hop) */
    SSH_STATE_OPEN,       /* channel open: shell or command running */
    SSH_STATE_CLOSED,     /* the remote side ended (see SSH_EV_EXIT) */
    SSH_STATE_FAILED,     /* err says why; ssh_conn_reconnect() may be tried */
};

/* known_hosts verdict for a host key. */
enum ssh_known {
    SSH_KNOWN_OK,      /* matches known_hosts */
    SSH_KNOWN_UNKNOWN, /* not in known_hosts */
    SSH_KNOWN_CHANGED, /* known_hosts has another key for this host (or another type) */
    SSH_KNOWN_ERROR,   /* known_hosts could not be read */
};

enum ssh_ev_type {
    SSH_EV_STATE,   /* state changed: state, hop, err when FAILED */
    SSH_EV_HOSTKEY, /* answer with ssh_conn_hostkey_reply(): host, port, keytype, fingerprint, known
                     */
    SSH_EV_PROMPT,  /* answer with ssh_conn_prompt_reply(): text, echo */
    SSH_EV_BANNER,  /* the server's pre-auth banner in text (untrusted: sanitise) */
    SSH_EV_EXIT,    /* the remote command ended: exit_status, exit_signal */
};

struct ssh_conn_event {
    enum ssh_ev_type type;
    int hop;        /* index in the chain; the target is the last */
    char host[256]; /* the hop's host name and port (as connected) */
    int port;
    enum ssh_state state;
    enum ssh_known known;
    char keytype[32];     /* "ssh-ed25519", ... */
    char fingerprint[96]; /* "SHA256:base64" */
    char text[512];       /* prompt or banner; untrusted */
    int echo;             /* the prompt's answer may be shown */
    int exit_status;      /* -1: none sent */
    char exit_signal[32]; /* "" or "TERM", ... */
    struct rt_error err;
};

/*
 * Start connecting (the thread does the work).  Options are copied.
 * NULL + RT_ERR_ARG on a bad jump list or missing host.
 */
struct ssh_conn *ssh_conn_new(const struct ssh_opts *o, struct rt_error *err);
/* Cancel whatever is under way, join the thread, free everything.  NULL is a no-op. */
void ssh_conn_free(struct ssh_conn *c);
/* Tear down the current attempt and start again with the same options. */
int ssh_conn_reconnect(struct ssh_conn *c, struct rt_error *err);
/* Readable when events or output are waiting; call ssh_conn_wake_clear() first, then collect. */
int ssh_conn_fd(const struct ssh_conn *c);
void ssh_conn_wake_clear(struct ssh_conn *c);
/* Next event or NULL; free with ssh_conn_event_free(). */
struct ssh_conn_event *ssh_conn_next_event(struct ssh_conn *c);
void ssh_conn_event_free(struct ssh_conn_event *ev);
/* Copy up to n bytes of remote output (stdout; with a PTY stderr is merged). Returns bytes. */
size_t ssh_conn_read(struct ssh_conn *c, void *buf, size_t n);
/* Same for stderr (exec without a PTY). */
size_t ssh_conn_read_stderr(struct ssh_conn *c, void *buf, size_t n);
/* Queue bytes for the remote side (keys, pastes). Dropped unless connecting or open. */
void ssh_conn_write(struct ssh_conn *c, const void *buf, size_t n);
/* Send EOF on the channel after queued input (exec with stdin). */
void ssh_conn_send_eof(struct ssh_conn *c);
/* New PTY size; the window-change goes out as soon as the channel is open. */
void ssh_conn_resize(struct ssh_conn *c, int cols, int rows);
/* Answers. The answer string is copied, and the copy zeroed after use. NULL cancels. */
void ssh_conn_hostkey_reply(struct ssh_conn *c, int accept);
void ssh_conn_prompt_reply(struct ssh_conn *c, const char *answer);
enum ssh_state ssh_conn_state(const struct ssh_conn *c);
/* "user@host:port via j1,j2" for titles (borrowed, valid until free; untrusted parts sanitise). */
const char *ssh_conn_title(const struct ssh_conn *c);
/* The chain as resolved so far, "user@host:port" per hop, target last (borrowed). */
size_t ssh_conn_hops(const struct ssh_conn *c);
const char *ssh_conn_hop_name(const struct ssh_conn *c, size_t i);

const char *ssh_state_name(enum ssh_state s);

enum ssh_verdict { SSH_VERDICT_ACCEPT, SSH_VERDICT_REFUSE, SSH_VERDICT_ASK };
/*
 * Decide about a host key event on the owner's thread: known_hosts match or
 * a matching pin accept; a changed key (known_hosts or pin) refuses; an
 * unknown key asks, is accepted-and-pinned (ACCEPT_NEW: the pin is written
 * here) or refused (STRICT).  st may be NULL (no pins).  why gets a
 * one-line reason for REFUSE/ASK messages.
 */
enum ssh_verdict ssh_hostkey_check(struct store *st, const struct ssh_conn_event *ev,
                                   enum ssh_hostkey_policy pol, char *why, size_t whylen);
/* Pin ev's key for "host:port" in the store (after the operator accepted it). */
int ssh_hostkey_pin(struct store *st, const struct ssh_conn_event *ev, struct rt_error *err);

/* ---- helpers, also used by the command line and tests ----------------------------- */

struct ssh_hop {
    char *user; /* NULL: default */
    char *host;
    int port; /* 0: default */
};
/* Parse "[user@]host[:port]" ("[v6]:port" too). 0 or -1 (RT_ERR_ARG). Free with ssh_hop_done. */
int ssh_hop_parse(const char *s, struct ssh_hop *h, struct rt_error *err);
void ssh_hop_done(struct ssh_hop *h);
/* Parse a comma-separated jump list into hops[max]; returns the count or -1. */
int ssh_jump_parse(const char *s, struct ssh_hop *hops, int max, struct rt_error *err);

/* What ~/.ssh/config says about a host alias (first value wins, as in OpenSSH). */
struct ssh_host_config {
    char *hostname, *user, *proxyjump;
    int port;
    char *identity[8];
    int nidentity;
};
int ssh_config_lookup(const char *path, const char *alias, struct ssh_host_config *out,
                      struct rt_error *err);
void ssh_host_config_done(struct ssh_host_config *hc);
/* OpenSSH-style pattern list match ("*.lab !db-* 10.0.?.*"). */
int ssh_pattern_match_list(const char *list, const char *name);

/*
 * Run a command and collect its output (blocking the calling thread, which
 * polls; safe on any thread that owns st).  Host keys: pol (known_hosts
 * and pins; ASK is treated as STRICT).  Never prompts.  Returns 0 when the
 * command ran (res->exit_status holds its status), -1 with err on failure
 * (RT_ERR_TIMEOUT after timeout_ms, RT_ERR_REFUSED for a host key,
 * RT_ERR_AUTH, RT_ERR_SSH).  Output beyond max_output bytes per stream
 * (0: 16 MiB) is dropped.
 */
struct ssh_exec_result {
    struct strbuf out, err;
    int exit_status;
    char exit_signal[32];
};
int ssh_exec(const struct ssh_opts *o, struct store *st, enum ssh_hostkey_policy pol,
             int timeout_ms, size_t max_output, struct ssh_exec_result *res, struct rt_error *err);
void ssh_exec_result_done(struct ssh_exec_result *res);

#endif
