/*
 * sha256.h - SHA-256 (FIPS 180-4), used by the audit hash chain and for
 * fingerprints.  Incremental API:
 *
 *     struct sha256 c; unsigned char d[32]; char hex[65];
 *     sha256_init(&c); sha256_update(&c, p, n); sha256_final(&c, d);
 *     sha256_hex(d, hex);
 */
#ifndef RT_SHA256_H
#define RT_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
    uint32_t h[8];
    uint64_t len;
    unsigned char buf[64];
    size_t nbuf;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t n);
void sha256_final(struct sha256 *c, unsigned char out[32]);
/* Lower-case hex of a 32-byte digest into hex[65]. */
void sha256_hex(const unsigned char d[32], char hex[65]);
/* One-shot: hex digest of a NUL-terminated string. */
void sha256_str_hex(const char *s, char hex[65]);

#endif
