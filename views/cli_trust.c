/*
 * cli_trust.c - `racktop trust PROVIDER [BMC...] [--yes]`.
 *
 * BMCs usually carry self-signed certificates.  This command connects to each
 * named BMC of a Redfish provider (all of them when none is named) without
 * credentials, shows the certificate's SHA-256 fingerprint, subject and
 * expiry next to the pin already stored, and pins it in the store after a
 * yes at the prompt (or with --yes, for scripts: there is no prompt without
 * a terminal).  The provider then verifies that key on every connection and
 * refuses a changed certificate.  Backend strings (subjects) are sanitised
 * before printing.  Exit codes: 0 pinned (or nothing to do), 1 a BMC could
 * not be probed, 2 usage, 3 declined / no --yes without a terminal,
 * 4 no such provider or BMC.
 */
#include "cli_trust.h"

#include "core/config.h"
#include "core/err.h"
#include "core/providers/redfish.h"
#include "core/store.h"
#include "core/xalloc.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Printable ASCII only: subjects come from the network. */
static void clean(char *dst, size_t len, const char *src)
{
    size_t o = 0;

    for (; *src != '\0' && o + 1 < len; src++)
        dst[o++] = (*src >= 0x20 && *src < 0x7f) ? *src : '?';
    dst[o] = '\0';
}

static int ask(const char *bmc)
{
    char line[16];

    fprintf(stderr, "pin this certificate for BMC '%s'? [y/N] ", bmc);
    if (fgets(line, sizeof line, stdin) == NULL)
        return 0;
    return line[0] == 'y' || line[0] == 'Y';
}

int cli_trust_main(const struct engine_opts *opts, int argc, char **argv)
{
    static const struct option longopts[] = {{"yes", no_argument, NULL, 'y'},
                                             {NULL, 0, NULL, 0}};
    struct rt_error err = {0};
    struct config *cfg = NULL;
    const struct config_provider *cp;
    struct store *st = NULL;
    struct redfish_cert *rows = NULL;
    size_t n = 0;
    int yes = 0, c, rc = 0, tty = isatty(0) && isatty(2);

    optind = 0;
    while ((c = getopt_long(argc, argv, "y", longopts, NULL)) != -1) {
        if (c == 'y') {
            yes = 1;
        } else {
            fprintf(stderr, "racktop: usage: racktop trust PROVIDER [BMC...] [--yes]\n");
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "racktop: usage: racktop trust PROVIDER [BMC...] [--yes]\n");
        return 2;
    }
    cfg = config_load(opts->config_path, &err);
    if (cfg == NULL) {
        fprintf(stderr, "racktop: %s\n", err.msg);
        return rt_err_exit_code(&err);
    }
    cp = config_find_provider(cfg, argv[optind]);
    if (cp == NULL || strcmp(cp->type, "redfish") != 0) {
        fprintf(stderr, "racktop: no redfish provider '%s' in the configuration\n", argv[optind]);
        config_free(cfg);
        return 4;
    }
    if (redfish_probe_certs(cp, (const char *const *)argv + optind + 1,
                            (size_t)(argc - optind - 1), cfg->timeout_s * 1000, &rows, &n,
                            &err) < 0 ||
        (st = store_open(opts->store_path, &err)) == NULL) {
        fprintf(stderr, "racktop: %s\n", err.msg);
        rc = rt_err_exit_code(&err);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        struct redfish_cert *r = &rows[i];
        char subj[256], exp[64], *old;
        if (!r->https) {
            printf("%s: %s is plain http: nothing to trust\n", r->bmc, r->address);
            continue;
        }
        if (!r->cert.present) {
            fprintf(stderr, "racktop: BMC '%s': cannot read its certificate: %s\n", r->bmc, r->err);
            rc = 1;
            continue;
        }
        clean(subj, sizeof subj, r->cert.subject);
        clean(exp, sizeof exp, r->cert.expires);
        old = store_pin_get(st, "tls", r->pin_subject, NULL);
        if (old != NULL && strcasecmp(old, r->cert.sha256) == 0) {
            printf("%s: already pinned SHA256:%s\n", r->bmc, old);
            free(old);
            continue;
        }
        printf("%s (%s)\n  SHA256:%s\n  subject %s\n  expires %s\n", r->bmc, r->pin_subject,
               r->cert.sha256, subj, exp);
        if (old != NULL)
            printf("  CHANGED: the pinned certificate was SHA256:%s\n", old);
        free(old);
        fflush(stdout);
        if (!yes && !(tty && ask(r->bmc))) {
            fprintf(stderr, "racktop: not pinned: BMC '%s'%s\n", r->bmc,
                    tty ? "" : " (no terminal to ask: add --yes)");
            if (rc == 0)
                rc = 3;
            continue;
        }
        if (store_pin_set(st, "tls", r->pin_subject, r->cert.sha256, &err) < 0) {
            fprintf(stderr, "racktop: %s\n", err.msg);
            rc = 1;
            continue;
        }
        printf("%s: pinned\n", r->bmc);
    }
out:
    free(rows);
    store_close(st);
    config_free(cfg);
    return rc;
}
