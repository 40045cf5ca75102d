/* The inter-system Envelope (proto/mcx_migration.proto, package mcx.migration.v1): build,
 * encode, decode and validate.
 *
 * The messages are the protobuf-c structs generated from the .proto, exposed as-is under short
 * typedefs (mcx_envelope, mcx_auth_info_request, ...). Read them directly: env->body_case says
 * which body is set (MCX_ENVELOPE_BODY_REQUEST etc.), strings are never NULL ("" when absent),
 * bytes are {len, data}.
 *
 * Ownership: every mcx_envelope returned by this module (decoded or built) is heap memory owned
 * by the caller and released with mcx_envelope_free(). Do not mix in pointers to caller memory:
 * use the builders, which copy their inputs.
 *
 * Errors: enum mcx_migration_error, whose values equal the protobuf ErrorCode values (so a
 * receiver can answer with the same code), a static name (mcx_migration_error_name) and a detail
 * message naming the field in struct mcx_migration_status (e.g. "missing field impi"). */
#ifndef MCX_MIGRATION_ENVELOPE_H
#define MCX_MIGRATION_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcx_migration.pb-c.h"

/* The protocol version this code speaks (Envelope.version). */
#define MCX_MIGRATION_PROTOCOL_VERSION 1u
/* Default size limit for one encoded Envelope, applied when a max_len argument is 0. */
#define MCX_ENVELOPE_MAX_DEFAULT (64u * 1024u)
/* Field bounds enforced by mcx_envelope_validate() (bytes, excluding the NUL). */
#define MCX_MIGRATION_TRANSACTION_ID_MAX 64u
#define MCX_MIGRATION_ORIGIN_MAX         253u
#define MCX_MIGRATION_IDENTITY_MAX       255u
#define MCX_MIGRATION_DETAIL_MAX         255u
#define MCX_MIGRATION_QOP_MAX            32u
#define MCX_MIGRATION_ITEMS_MAX          32u
#define MCX_MIGRATION_RESYNC_LEN         30u /* RAND (16) || AUTS (14) */
#define MCX_MIGRATION_AUTHENTICATE_LEN   32u /* RAND (16) || AUTN (16) */
#define MCX_MIGRATION_XRES_MIN           4u
#define MCX_MIGRATION_XRES_MAX           16u
#define MCX_MIGRATION_KEY_LEN            16u /* CK, IK */
#define MCX_MIGRATION_HA1_HEX_LEN        32u

typedef Mcx__Migration__V1__Envelope mcx_envelope;
typedef Mcx__Migration__V1__GetSipAuthInfoRequest mcx_auth_info_request;
typedef Mcx__Migration__V1__GetSipAuthInfoResponse mcx_auth_info_response;
typedef Mcx__Migration__V1__AuthVector mcx_auth_vector;
typedef Mcx__Migration__V1__ErrorResponse mcx_error_response;
typedef Mcx__Migration__V1__Result mcx_auth_result;

#define MCX_ENVELOPE_BODY_NONE     MCX__MIGRATION__V1__ENVELOPE__BODY__NOT_SET
#define MCX_ENVELOPE_BODY_REQUEST  MCX__MIGRATION__V1__ENVELOPE__BODY_REQUEST
#define MCX_ENVELOPE_BODY_RESPONSE MCX__MIGRATION__V1__ENVELOPE__BODY_RESPONSE
#define MCX_ENVELOPE_BODY_ERROR    MCX__MIGRATION__V1__ENVELOPE__BODY_ERROR

/* Outcome of encode/decode/validate; values 1.. equal the protobuf ErrorCode values. */
enum mcx_migration_error {
    MCX_MIGRATION_OK = 0,
    MCX_MIGRATION_MALFORMED = 1,
    MCX_MIGRATION_UNSUPPORTED_VERSION = 2,
    MCX_MIGRATION_MISSING_FIELD = 3,
    MCX_MIGRATION_INVALID_VALUE = 4,
    MCX_MIGRATION_TOO_LARGE = 5,
    MCX_MIGRATION_UNKNOWN_ORIGIN = 6,
    MCX_MIGRATION_INTERNAL = 7,
    MCX_MIGRATION_UNEXPECTED_BODY = 8,
};

/* Details of the last outcome: the code, a message naming the field, and the transaction id of
 * a message that unpacked but failed validation ("" when unknown), so that a receiver can send
 * an ErrorResponse that matches the request. Never contains secret values. */
struct mcx_migration_status {
    enum mcx_migration_error code;
    char detail[160];
    char transaction_id[MCX_MIGRATION_TRANSACTION_ID_MAX + 1];
};

/* Plain-C input of mcx_envelope_new_request(); NULL strings mean empty. */
struct mcx_auth_request_fields {
    const char *impi;
    const char *impu;
    const char *scheme;
    uint32_t number_of_items;
    const uint8_t *resync_info; /* RAND || AUTS, or NULL */
    size_t resync_info_len;     /* 30 or 0 */
    const char *server_name;
};

/* Plain-C input of mcx_envelope_add_vector(); NULL pointers mean empty. */
struct mcx_auth_vector_fields {
    uint32_t item_number;
    const char *scheme;
    const uint8_t *authenticate; /* RAND || AUTN */
    size_t authenticate_len;
    const uint8_t *authorization; /* XRES */
    size_t authorization_len;
    const uint8_t *confidentiality_key;
    size_t confidentiality_key_len;
    const uint8_t *integrity_key;
    size_t integrity_key_len;
    const char *digest_realm;
    const char *digest_ha1;
    const char *digest_qop;
};

/* Static upper-case name of an error code ("MALFORMED", ...; "OK" for 0, "UNKNOWN" otherwise). */
const char *mcx_migration_error_name(enum mcx_migration_error code);

/* Whether scheme is a Cx SIP-Authentication-Scheme this protocol carries. */
bool mcx_migration_scheme_known(const char *scheme);

/* Whether scheme is an AKA scheme (Digest-AKAv1-MD5, Digest-AKAv2-MD5). */
bool mcx_migration_scheme_is_aka(const char *scheme);

/* Whether scheme is a plain digest scheme carrying HA1 (SIP Digest, Digest-MD5). */
bool mcx_migration_scheme_is_digest(const char *scheme);

/* Checks every rule of the .proto on env (version, ids, body, field sizes). Returns
 * MCX_MIGRATION_OK or the error, with status (may be NULL) naming the offending field. */
enum mcx_migration_error mcx_envelope_validate(const mcx_envelope *env,
                                               struct mcx_migration_status *status);

/* Rejects len > max_len (0: MCX_ENVELOPE_MAX_DEFAULT) with TOO_LARGE before unpacking, then
 * unpacks (MALFORMED on truncated bytes or garbage) and validates. On success *out is a new
 * envelope owned by the caller (mcx_envelope_free); on error *out is NULL. */
enum mcx_migration_error mcx_envelope_decode(const uint8_t *data, size_t len, size_t max_len,
                                             mcx_envelope **out,
                                             struct mcx_migration_status *status);

/* Validates env, then packs it into the caller-owned buffer buf of cap bytes; *out_len receives
 * the encoded size. TOO_LARGE when it does not fit in cap. */
enum mcx_migration_error mcx_envelope_encode(const mcx_envelope *env, uint8_t *buf, size_t cap,
                                             size_t *out_len, struct mcx_migration_status *status);

/* Validates env, then packs it into a malloc'd buffer *out (caller frees with free()) of
 * *out_len bytes. TOO_LARGE when the encoding exceeds max_len (0: MCX_ENVELOPE_MAX_DEFAULT). */
enum mcx_migration_error mcx_envelope_encode_alloc(const mcx_envelope *env, size_t max_len,
                                                   uint8_t **out, size_t *out_len,
                                                   struct mcx_migration_status *status);

/* Encoded size of env in bytes (no validation), e.g. to size an NNG message. */
size_t mcx_envelope_encoded_size(const mcx_envelope *env);

/* New version-1 envelope with a GetSipAuthInfoRequest body; copies all inputs. Returns NULL
 * on allocation failure. Caller owns it (mcx_envelope_free). Not validated until encoded. */
mcx_envelope *mcx_envelope_new_request(const char *transaction_id, const char *origin_system,
                                       const struct mcx_auth_request_fields *request);

/* New version-1 envelope with a GetSipAuthInfoResponse body and no vectors yet (add them with
 * mcx_envelope_add_vector); copies all inputs. NULL on allocation failure; caller owns it. */
mcx_envelope *mcx_envelope_new_response(const char *transaction_id, const char *origin_system,
                                        mcx_auth_result result, const char *impi, const char *impu,
                                        uint32_t diameter_result_code,
                                        bool diameter_result_experimental);

/* Appends a copy of vector to a response envelope. Returns 0, or -1 when env has no response
 * body, already holds MCX_MIGRATION_ITEMS_MAX vectors, or memory runs out (env unchanged). */
int mcx_envelope_add_vector(mcx_envelope *env, const struct mcx_auth_vector_fields *vector);

/* New version-1 envelope with an ErrorResponse body (code, detail copied). NULL on allocation
 * failure; caller owns it. */
mcx_envelope *mcx_envelope_new_error(const char *transaction_id, const char *origin_system,
                                     enum mcx_migration_error code, const char *detail);

/* Frees an envelope from this module and everything it holds; NULL is fine. */
void mcx_envelope_free(mcx_envelope *env);

/* Writes a fresh random transaction id (32 lowercase hex characters from getrandom) and a NUL
 * into out (cap >= 33). Returns 0, or -1 when cap is too small or no randomness is available. */
int mcx_migration_transaction_id(char *out, size_t cap);

#endif
