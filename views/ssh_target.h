/*
 * ssh_target.h - where to SSH to for an instance of the fleet.
 *
 * Shared by `racktop ssh INSTANCE` (cli_ssh.c) and the dashboard's console
 * (console.c), so both pick the same address, user, port and jump hosts:
 *
 *   address  the first floating/public address, else the first private one
 *            (the model lists floating/public ones first); the config's
 *            ssh.host replaces it (NAT, tests)
 *   user     the config's ssh.user, else the image's default_user
 *   port     the config's ssh.port, else 0 (~/.ssh/config, then 22)
 *   jump     ProxyJump of a ~/.ssh/config Host pattern matching the
 *            instance's name; else, for a private-only address, the
 *            config's ssh.jump; NULL: ssh.c asks ~/.ssh/config about the
 *            address itself
 *
 * The config's ssh settings are looked up per zone, then per provider,
 * then at the top level (config_ssh_for()).
 *
 *     struct ssh_target t = {0};
 *     if (ssh_target_from_instance(fleet, inst, cfg, NULL, &t, &err) < 0) ...err.msg...
 *     o.host = t.host; o.user = t.user; o.port = t.port; o.jump = t.jump;
 *     ssh_target_done(&t);
 */
#ifndef RT_SSH_TARGET_H
#define RT_SSH_TARGET_H

#include "core/config.h"
#include "core/fleet.h"
#include "core/model.h"

struct rt_error;

struct ssh_target {
    char *name;       /* the instance's name, or NULL for a plain host */
    char *host;       /* address or host name to connect to */
    char *user;       /* NULL: ~/.ssh/config, then $USER */
    char *jump;       /* NULL: ~/.ssh/config; "none": direct */
    int port;         /* 0: ~/.ssh/config, then 22 */
    int private_only; /* the instance has only private addresses */
};

/*
 * Fill t (zeroed by the caller) for instance r of fleet f.  cfg may be NULL
 * (no ssh: settings); ssh_config NULL means ~/.ssh/config.  Returns 0, or
 * -1 with RT_ERR_NOT_FOUND when the instance has no address at all.
 * Strings in t are new; free them with ssh_target_done().
 */
int ssh_target_from_instance(const struct fleet *f, const struct resource *r,
                             const struct config *cfg, const char *ssh_config,
                             struct ssh_target *t, struct rt_error *err);
/* Free t's strings and zero it.  Safe on a zeroed target. */
void ssh_target_done(struct ssh_target *t);
/* Is a an RFC 1918 / CGNAT / loopback / link-local / ULA address? */
int ssh_target_is_private(const char *a);

#endif
