/* Digest credentials and challenges: the Authorization, Proxy-Authorization,
 * WWW-Authenticate and Proxy-Authenticate header values (RFC 3261 25.1, RFC 2617, RFC 3310,
 * TS 24.229 ck/ik), parameters in any order, quoted or token values. Zero-copy: every value
 * is a slice of the header value. */
#ifndef MCX_SIP_AUTH_H
#define MCX_SIP_AUTH_H

#include <stdint.h>

#include "sip/sip_parse.h"

/* A parameter that was absent has .p == NULL; a present but empty one ("") has .p != NULL and
 * .len == 0. Quoted values are given without their quotes, with backslash escapes still in
 * place (copy them out with sip_unescape()). */
struct sip_digest {
    struct sip_slice scheme; /* "Digest" */
    struct sip_slice username;
    struct sip_slice realm;
    struct sip_slice nonce;
    struct sip_slice uri;
    struct sip_slice response;
    struct sip_slice algorithm;
    struct sip_slice cnonce;
    struct sip_slice nc;
    struct sip_slice qop;
    struct sip_slice opaque;
    struct sip_slice auts;
    struct sip_slice ck;
    struct sip_slice ik;
    struct sip_slice stale;
    struct sip_slice domain;
    struct sip_slice rspauth;
    struct sip_slice nextnonce;
    unsigned unknown_params; /* parameters not listed above (ignored) */
};

/* Parses a Digest credentials or challenge value ("Digest username=\"a\", realm=..."). Unknown
 * parameters are ignored; a duplicate known parameter, a missing '=' or value, an unterminated
 * quote or a scheme other than Digest is an error. Returns 0, or -1 with *reason (static). */
int sip_digest_parse(struct sip_slice value, struct sip_digest *d, const char **reason);

/* Parses the nc parameter (exactly 8 hex digits). Returns 0 and *nc, or -1. */
int sip_digest_nc(const struct sip_digest *d, uint32_t *nc);

/* Whether the algorithm names IMS AKA ("AKAv1-MD5", "AKAv2-MD5", any case); sets *version to
 * 1 or 2. A missing algorithm means MD5 (RFC 3310 3.1), i.e. not AKA. */
bool sip_digest_is_aka(const struct sip_digest *d, int *version);

#endif
