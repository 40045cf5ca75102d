/* Cx (TS 29.228/29.229) on freeDiameter: limits, result codes and the types every command
 * shares. Message structs are plain C with bounded fixed-size fields; strings are
 * NUL-terminated, byte fields carry their length.
 *
 * Layers:
 *  - cx_mar.h, cx_uar.h, cx_sar.h, cx_lir.h: build/parse of one command (request and answer)
 *    on freeDiameter `struct msg` objects; used by the client/server helpers and by tests.
 *  - cx_client.h: send a request, get the parsed answer in a callback (async, with timeout).
 *  - cx_server.h: register a handler per command, answer now or later from any thread.
 *
 * Parse functions never crash on bad input: a missing mandatory AVP, a value of the wrong
 * size or type, or a field longer than our bound gives -1 and a struct mcx_cx_error naming the
 * AVP and the Diameter result to answer with (5005 DIAMETER_MISSING_AVP, 5004
 * DIAMETER_INVALID_AVP_VALUE, 5014 DIAMETER_INVALID_AVP_LENGTH). */
#ifndef MCX_CX_COMMON_H
#define MCX_CX_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct msg; /* freeDiameter message (freeDiameter/libfdproto.h) */

#define MCX_CX_APPLICATION_ID 16777216u
#define MCX_CX_VENDOR_3GPP    10415u

/* Command codes (TS 29.229 6.1). */
#define MCX_CX_CMD_UAR 300u
#define MCX_CX_CMD_SAR 301u
#define MCX_CX_CMD_LIR 302u
#define MCX_CX_CMD_MAR 303u
#define MCX_CX_CMD_RTR 304u
#define MCX_CX_CMD_PPR 305u

/* Bounds of the fixed-size fields. */
#define MCX_CX_IDENTITY_MAX      256 /* IMPI, IMPU, Server-Name, hosts, realms: 255 + NUL */
#define MCX_CX_SCHEME_MAX        64
#define MCX_CX_AUTHENTICATE_MAX  64 /* SIP-Authenticate: RAND||AUTN is 32 bytes */
#define MCX_CX_AUTHORIZATION_MAX 64 /* SIP-Authorization: XRES (4..16) or RAND||AUTS (30) */
#define MCX_CX_KEY_LEN           16 /* CK, IK */
#define MCX_CX_HA1_MAX           65 /* Digest-HA1 as hex text (MD5 32, SHA-256 64) + NUL */
#define MCX_CX_QOP_MAX           32
#define MCX_CX_MAX_AUTH_ITEMS    8
#define MCX_CX_MAX_PUBLIC_IDS    8
#define MCX_CX_MAX_CAPABILITIES  8
#define MCX_CX_USER_DATA_MAX     16384 /* User-Data XML, bytes */
#define MCX_CX_TEXT_MAX          128

/* Base Result-Code values used by Cx. */
#define MCX_DIAMETER_SUCCESS                2001u
#define MCX_DIAMETER_UNABLE_TO_DELIVER      3002u
#define MCX_DIAMETER_AUTHORIZATION_REJECTED 5003u
#define MCX_DIAMETER_INVALID_AVP_VALUE      5004u
#define MCX_DIAMETER_MISSING_AVP            5005u
#define MCX_DIAMETER_UNABLE_TO_COMPLY       5012u
#define MCX_DIAMETER_INVALID_AVP_LENGTH     5014u

/* Experimental-Result-Code values (Vendor-Id 10415, TS 29.229 6.2). */
#define MCX_CX_FIRST_REGISTRATION                2001u
#define MCX_CX_SUBSEQUENT_REGISTRATION           2002u
#define MCX_CX_UNREGISTERED_SERVICE              2003u
#define MCX_CX_SUCCESS_SERVER_NAME_NOT_STORED    2004u
#define MCX_CX_ERROR_USER_UNKNOWN                5001u
#define MCX_CX_ERROR_IDENTITIES_DONT_MATCH       5002u
#define MCX_CX_ERROR_IDENTITY_NOT_REGISTERED     5003u
#define MCX_CX_ERROR_ROAMING_NOT_ALLOWED         5004u
#define MCX_CX_ERROR_IDENTITY_ALREADY_REGISTERED 5005u
#define MCX_CX_ERROR_AUTH_SCHEME_NOT_SUPPORTED   5006u
#define MCX_CX_ERROR_IN_ASSIGNMENT_TYPE          5007u
#define MCX_CX_ERROR_TOO_MUCH_DATA               5008u
#define MCX_CX_ERROR_NOT_SUPPORTED_USER_DATA     5009u

/* SIP-Authentication-Scheme strings. */
#define MCX_CX_SCHEME_AKAV1      "Digest-AKAv1-MD5"
#define MCX_CX_SCHEME_AKAV2      "Digest-AKAv2-MD5"
#define MCX_CX_SCHEME_SIP_DIGEST "SIP Digest"
#define MCX_CX_SCHEME_UNKNOWN    "Unknown"

/* The outcome carried by an answer. Exactly one of result_code / experimental_code is set in
 * a well-formed answer. failed_avp_* name the AVP reported in Failed-AVP (0: none). */
struct mcx_cx_result {
    uint32_t result_code;       /* base Result-Code, 0 when absent */
    uint32_t experimental_code; /* Experimental-Result-Code (vendor 10415), 0 when absent */
    uint32_t failed_avp_code;
    uint32_t failed_avp_vendor;
    char error_message[MCX_CX_TEXT_MAX]; /* Error-Message, "" when absent */
};

/* Why a build or parse failed: the Diameter result to report and the offending AVP. */
struct mcx_cx_error {
    uint32_t result_code; /* 5005, 5004, 5014, or 5012 for local failures */
    uint32_t avp_code;    /* 0 when not about one AVP */
    uint32_t avp_vendor;
    char text[MCX_CX_TEXT_MAX];
};

/* Where a request goes: Destination-Realm (required) and Destination-Host ("" = realm
 * routing). */
struct mcx_cx_route {
    char realm[MCX_CX_IDENTITY_MAX];
    char host[MCX_CX_IDENTITY_MAX];
};

/* Who sent a received message (Origin-Host, Origin-Realm); filled by parse, ignored by build. */
struct mcx_cx_origin {
    char host[MCX_CX_IDENTITY_MAX];
    char realm[MCX_CX_IDENTITY_MAX];
};

/* Server-Capabilities (UAA, LIA): capability numbers and optional S-CSCF names. */
#define MCX_CX_MAX_CAP_SERVER_NAMES 4
struct mcx_cx_server_capabilities {
    bool present;
    size_t mandatory_count;
    uint32_t mandatory[MCX_CX_MAX_CAPABILITIES];
    size_t optional_count;
    uint32_t optional[MCX_CX_MAX_CAPABILITIES];
    size_t server_name_count;
    char server_names[MCX_CX_MAX_CAP_SERVER_NAMES][MCX_CX_IDENTITY_MAX];
};

/* Sets r to base Result-Code 2001 DIAMETER_SUCCESS (clears everything else). */
void mcx_cx_result_set_success(struct mcx_cx_result *r);

/* Sets r to a base Result-Code (e.g. 5012). */
void mcx_cx_result_set_base(struct mcx_cx_result *r, uint32_t result_code);

/* Sets r to an Experimental-Result with Vendor-Id 10415 (e.g. MCX_CX_ERROR_USER_UNKNOWN). */
void mcx_cx_result_set_experimental(struct mcx_cx_result *r, uint32_t experimental_code);

/* Sets r from a parse error: its Result-Code, Failed-AVP and text. */
void mcx_cx_result_set_from_error(struct mcx_cx_result *r, const struct mcx_cx_error *e);

/* Whether r reports success (2xxx base or experimental code). */
bool mcx_cx_result_is_success(const struct mcx_cx_result *r);

/* The effective code: experimental_code when set, else result_code. */
uint32_t mcx_cx_result_code(const struct mcx_cx_result *r);

/* Name of r's effective code for logs, e.g. "DIAMETER_SUCCESS",
 * "DIAMETER_ERROR_USER_UNKNOWN" (experimental codes are the 3GPP ones), "UNKNOWN" otherwise.
 * Static storage. */
const char *mcx_cx_result_name(const struct mcx_cx_result *r);

/* Serialises msg into a malloc'd buffer (*buf, *len; the caller frees *buf).
 * Returns 0, or -1 on an incomplete message. */
int mcx_cx_message_to_buffer(struct msg *msg, uint8_t **buf, size_t *len);

/* Parses a wire-format Diameter message (copied; buf stays the caller's) against the
 * dictionary, as the core does for received messages. On success *out is a new message the
 * caller frees with mcx_cx_message_free(). Returns 0, or -1 with err set (e.g. 5014 for an AVP
 * whose length does not fit its type). */
int mcx_cx_message_from_buffer(const uint8_t *buf, size_t len, struct msg **out,
                               struct mcx_cx_error *err);

/* Frees a message obtained from a build or mcx_cx_message_from_buffer(); NULL is fine. */
void mcx_cx_message_free(struct msg *msg);

/* Command code of msg and whether it is a request; returns 0, or -1 when unreadable. */
int mcx_cx_message_command(struct msg *msg, uint32_t *code, bool *is_request);

/* Replaces the request *msg by an answer carrying `result` (Result-Code or Experimental-Result,
 * Failed-AVP, Error-Message), Vendor-Specific-Application-Id, Auth-Session-State, our origin and
 * the echoed User-Name / Public-Identity when non-NULL and non-empty. Used for error answers to
 * any Cx command. The answer takes ownership of the request. Returns 0, or -1 with err set. */
int mcx_cx_answer_build_result(struct msg **msg, const struct mcx_cx_result *result,
                               const char *user_name, const char *public_identity,
                               struct mcx_cx_error *err);

/* Parses the fields common to every Cx answer: result (Result-Code, Experimental-Result,
 * Failed-AVP, Error-Message), origin, User-Name and Public-Identity (first one) when present.
 * Any output pointer may be NULL. Returns 0, or -1 with err set. */
int mcx_cx_answer_parse_common(struct msg *ans, struct mcx_cx_result *result,
                               struct mcx_cx_origin *origin, char *user_name, char *public_identity,
                               struct mcx_cx_error *err);

#endif
