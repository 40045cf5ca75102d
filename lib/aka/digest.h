/* HTTP/SIP Digest with MD5 (RFC 2617, RFC 7616) and its AKA variants (RFC 3310 AKAv1-MD5,
 * RFC 4169 AKAv2-MD5). Digests travel as 32 lowercase hex characters plus a NUL, written into
 * caller-owned char[MCX_DIGEST_HEX_SIZE] buffers.
 *
 *   HA1 = MD5(user ":" realm ":" password)            MD5-sess: MD5(HA1hex ":" nonce ":" cnonce)
 *   HA2 = MD5(method ":" uri)                         auth-int: MD5(method ":" uri ":"
 * MD5hex(body)) response = MD5(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2)   (qop absent:
 * HA1:nonce:HA2) rspauth  = response with an empty method
 *
 * AKA: the password is RES as raw bytes (AKAv1) or base64(HMAC-MD5(RES||IK||CK,
 * "http-digest-akav2-password")) (AKAv2); it is empty when the client sends auts (RFC 3310
 * §3.4; applied to AKAv2 too, since no RES/IK/CK exist after a synchronisation failure). On
 * the network side the password comes from XRES.
 *
 * Functions return 0 (or a length where stated) or a negative enum mcx_digest_error. Nothing
 * here logs a password, RES, IK, CK or HA1. */
#ifndef MCX_AKA_DIGEST_H
#define MCX_AKA_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MCX_DIGEST_HEX_SIZE 33 /* 32 hex characters + NUL */
/* Characters of an AKAv2 password (base64 of 16 bytes) plus the NUL. */
#define MCX_DIGEST_AKAV2_PASSWORD_SIZE 25

enum mcx_digest_error {
    MCX_DIGEST_EINVAL = -1,  /* NULL or malformed argument (e.g. HA1 not 32 hex characters) */
    MCX_DIGEST_ECRYPTO = -2, /* OpenSSL failure */
    MCX_DIGEST_ESPACE = -3,  /* output buffer too small */
};

enum mcx_digest_qop {
    MCX_DIGEST_QOP_NONE = 0, /* RFC 2069 compatibility: no qop, nc or cnonce */
    MCX_DIGEST_QOP_AUTH,
    MCX_DIGEST_QOP_AUTH_INT,
};

enum mcx_digest_algorithm {
    MCX_DIGEST_ALG_MD5 = 0,
    MCX_DIGEST_ALG_MD5_SESS,
    MCX_DIGEST_ALG_AKAV1_MD5,
    MCX_DIGEST_ALG_AKAV2_MD5,
};

/* Parses an algorithm directive value of length len ("MD5", "MD5-sess", "AKAv1-MD5",
 * "AKAv2-MD5", case-insensitive; len 0 means absent = MD5). Returns 0, or MCX_DIGEST_EINVAL
 * for anything else. */
int mcx_digest_algorithm_parse(const char *text, size_t len, enum mcx_digest_algorithm *alg);

/* Directive spelling of an algorithm ("MD5", "MD5-sess", "AKAv1-MD5", "AKAv2-MD5"); static. */
const char *mcx_digest_algorithm_name(enum mcx_digest_algorithm alg);

/* Directive spelling of a qop ("auth", "auth-int"; NULL for MCX_DIGEST_QOP_NONE); static. */
const char *mcx_digest_qop_name(enum mcx_digest_qop qop);

/* HA1 = MD5(user ":" realm ":" password) as hex into out_hex. The password is password_len
 * raw bytes (it may contain NULs, as an AKAv1 RES does). */
int mcx_digest_ha1(const char *user, const char *realm, const uint8_t *password,
                   size_t password_len, char out_hex[33]);

/* MD5-sess HA1 = MD5(HA1hex ":" nonce ":" cnonce) (RFC 7616 §3.4.2, hex form of HA1). */
int mcx_digest_ha1_sess(const char *ha1_hex, const char *nonce, const char *cnonce,
                        char out_hex[33]);

/* HA2 = MD5(method ":" uri), or with MCX_DIGEST_QOP_AUTH_INT MD5(method ":" uri ":"
 * MD5hex(body)) (body may be NULL when body_len is 0). method "" gives the rspauth HA2. */
int mcx_digest_ha2(const char *method, const char *uri, enum mcx_digest_qop qop,
                   const uint8_t *body, size_t body_len, char out_hex[33]);

/* request-digest from HA1 and HA2 hex. With MCX_DIGEST_QOP_NONE nc and cnonce are ignored
 * (may be NULL); otherwise both are required. */
int mcx_digest_response(const char *ha1_hex, const char *nonce, enum mcx_digest_qop qop,
                        const char *nc, const char *cnonce, const char *ha2_hex, char out_hex[33]);

/* Response-auth (rspauth) for Authentication-Info: the response with an empty method. */
int mcx_digest_rspauth(const char *ha1_hex, const char *nonce, enum mcx_digest_qop qop,
                       const char *nc, const char *cnonce, const char *uri, const uint8_t *body,
                       size_t body_len, char out_hex[33]);

/* Digest password for an AKA algorithm into out (cap bytes, caller-owned): AKAv1 = the res_len
 * RES bytes; AKAv2 = base64 HMAC-MD5 text (NUL-terminated, cap >= 25); with auts the empty
 * password. ik/ck are needed for AKAv2 only. Returns the password length, or an error. */
int mcx_digest_aka_password(enum mcx_digest_algorithm alg, const uint8_t *res, size_t res_len,
                            const uint8_t ik[16], const uint8_t ck[16], bool auts, uint8_t *out,
                            size_t cap);

/* HA1 for AKAv1-MD5/AKAv2-MD5: mcx_digest_aka_password() then mcx_digest_ha1(). */
int mcx_digest_aka_ha1(enum mcx_digest_algorithm alg, const char *user, const char *realm,
                       const uint8_t *res, size_t res_len, const uint8_t ik[16],
                       const uint8_t ck[16], bool auts, char out_hex[33]);

/* Constant-time comparison of two NUL-terminated digest strings (e.g. a received response and
 * the expected one). Different lengths compare unequal; bytes are compared exactly. */
bool mcx_digest_equal(const char *a, const char *b);

#endif
