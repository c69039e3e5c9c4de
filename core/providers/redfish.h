/*
 * redfish.h - what the command line needs from the Redfish provider beyond
 * the provider table: probing BMC certificates for `racktop trust`.
 *
 *     struct redfish_cert *c; size_t n;
 *     if (redfish_probe_certs(cp, names, nnames, 10000, &c, &n, &err) < 0) ...
 *     for (i...) if (c[i].cert.present) store_pin_set(st, "tls", c[i].pin_subject, c[i].cert.sha256, ...)
 *     free(c);
 *
 * The probe sends no credentials: an unauthenticated GET of the service root
 * with certificate verification off, only to read the certificate.
 */
#ifndef RT_REDFISH_H
#define RT_REDFISH_H

#include "core/http.h"

#include <stddef.h>

struct config_provider;
struct rt_error;

struct redfish_cert {
    char bmc[64];          /* configured BMC name */
    char address[256];     /* configured address */
    char pin_subject[256]; /* "host:port", the key of the store pin */
    int https;             /* 0: plain http, nothing to trust */
    struct http_cert cert; /* present when the probe got a certificate */
    char err[256];         /* why not, when it did not */
};

/* Probe the BMCs of a redfish provider entry: all of them (nnames == 0) or those named
 * (an unknown name is RT_ERR_NOT_FOUND).  *out (malloc'd array, caller frees) gets one
 * row per BMC.  -1 with err on a bad entry. */
int redfish_probe_certs(const struct config_provider *cp, const char *const *names,
                        size_t nnames, long timeout_ms, struct redfish_cert **out, size_t *n,
                        struct rt_error *err);

/* How many BMC entries of a redfish provider entry have a username but no password source
 * (password_file, password_env, own or the provider's): those the command line asks a
 * password for, once for the provider, and passes in memory (engine_set_secret).  names
 * (may be NULL) gets "'r1', 'r2', 'r3' and 4 more".  -1 with err when bmc_file cannot be
 * read (open() reports it again). */
int redfish_password_missing(const struct config_provider *cp, char *names, size_t len,
                             struct rt_error *err);

#endif
