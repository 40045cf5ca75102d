/* The UE side of SIP Digest for REGISTER: the Authorization value of the first request (username
 * and empty response, as IMS UEs send it, TS 24.229 5.1.1.2.1) and the answer to a 401 challenge:
 * AKAv1-MD5 / AKAv2-MD5 (RFC 3310, RFC 4169) through the ISIM, or plain MD5 / MD5-sess with a
 * password (RFC 2617/7616).
 *
 * For AKA the ISIM checks MAC-A first, then SQN freshness (TS 33.102 6.3.3):
 *  - authentic and fresh: response from RES (AKAv1) or the RFC 4169 password (AKAv2);
 *  - authentic but stale (or too far ahead): auts="base64(AUTS)" and the response computed with
 *    an empty password (RFC 3310 3.4), so that the network resynchronises and challenges again;
 *  - MAC-A wrong: the network is not authentic; the REGISTER carries an empty response and no
 *    auts, and the S-CSCF answers 403.
 * No secret (RES, CK, IK, password, HA1) is logged or kept in the answer. */
#ifndef MCX_UE_AUTH_H
#define MCX_UE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aka/digest.h"
#include "sip/sip_parse.h"
#include "ue_isim.h"

#define UE_AUTH_HEADER_MAX 1536 /* Authorization value including the NUL */
#define UE_AUTH_TEXT_MAX   256  /* realm, nonce, opaque after unescaping, including the NUL */

enum ue_auth_kind {
    UE_AUTH_RESPONSE = 0,    /* response computed (fresh AKA challenge, or MD5) */
    UE_AUTH_RESYNC = 1,      /* AKA: SQN not fresh: auts and empty-password response */
    UE_AUTH_MAC_FAILURE = 2, /* AKA: MAC-A wrong: empty response, no auts */
};

/* What the answer is computed over. */
struct ue_auth_params {
    const char *method;   /* "REGISTER" */
    const char *uri;      /* digest-uri: the Request-URI, "sip:DOMAIN" */
    const char *password; /* MD5 / MD5-sess password; NULL when the user has none */
    const char *cnonce;   /* client nonce, used when the challenge offers qop */
    uint32_t nc;          /* nonce count, 1 for a nonce used the first time */
};

/* The answer to one challenge (caller-owned). */
struct ue_auth_answer {
    enum ue_auth_kind kind;
    enum mcx_digest_algorithm algorithm;
    bool aka;                        /* AKAv1-MD5 or AKAv2-MD5 */
    bool sqn_accepted;               /* AKA SQN accepted: the ISIM's SEQ_MS changed, save it */
    uint64_t sqn;                    /* SQN recovered from AUTN (AKA, MAC-A verified) */
    char realm[UE_AUTH_TEXT_MAX];    /* realm of the challenge, unescaped */
    char header[UE_AUTH_HEADER_MAX]; /* the Authorization value: "Digest username=..." */
    size_t header_len;
};

/* Writes the Authorization value of an initial REGISTER: username (IMPI), realm (domain), uri,
 * nonce="" and response="", plus the algorithm the UE asks for. Returns the length, or -1 when
 * cap is too small. out is caller-owned. */
int ue_auth_initial(const struct ue_isim *isim, const char *uri, enum mcx_digest_algorithm alg,
                    char *out, size_t cap);

/* Answers a WWW-Authenticate / Proxy-Authenticate value. AKA runs on the ISIM (its SQN state
 * changes when the SQN is accepted). Returns 0 with *answer filled, or -1 with *reason (static)
 * when the challenge cannot be answered: not Digest, no nonce, an AKA nonce that is not
 * base64(RAND || AUTN || ...), an unknown algorithm, MD5 without a password. */
int ue_auth_answer(struct ue_isim *isim, struct sip_slice challenge,
                   const struct ue_auth_params *params, struct ue_auth_answer *answer,
                   const char **reason);

#endif
