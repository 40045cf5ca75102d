/* Internal to lib/cx: AVP add/get helpers over freeDiameter with bounds checks and
 * mcx_cx_error reporting. Not for use outside lib/cx (include cx_common.h etc. instead). */
#ifndef MCX_CX_AVP_H
#define MCX_CX_AVP_H

#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>

#include "cx/cx_common.h"
#include "cx/cx_dict.h"

/* AVP-Code + Vendor-Id of an AVP header (vendor 0 when the V flag is clear). */
struct cx_avp_id {
    uint32_t code;
    uint32_t vendor;
};

/* Fills err (may be NULL) with a result code, the offending AVP and a printf text. */
void cx_error_set(struct mcx_cx_error *err, uint32_t result_code, uint32_t avp_code,
                  uint32_t avp_vendor, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Adds a child AVP at the end of parent (a msg or a grouped avp). Each returns 0, or -1 with
 * err (5012) when freeDiameter refuses. */
int cx_add_str(msg_or_avp *parent, struct dict_object *model, const char *value,
               struct mcx_cx_error *err);
int cx_add_bytes(msg_or_avp *parent, struct dict_object *model, const uint8_t *value, size_t len,
                 struct mcx_cx_error *err);
int cx_add_u32(msg_or_avp *parent, struct dict_object *model, uint32_t value,
               struct mcx_cx_error *err);
int cx_add_i32(msg_or_avp *parent, struct dict_object *model, int32_t value,
               struct mcx_cx_error *err);
/* Creates a grouped AVP, adds it to parent and returns it in *group for its children. */
int cx_add_group(msg_or_avp *parent, struct dict_object *model, struct avp **group,
                 struct mcx_cx_error *err);

/* Adds Session-Id (new), Vendor-Specific-Application-Id, Auth-Session-State
 * (NO_STATE_MAINTAINED), Origin-Host/Realm and Destination-Realm/Host: the head of every Cx
 * request. */
int cx_request_head(struct msg *msg, const struct mcx_cx_route *route, struct mcx_cx_error *err);

/* Creates a new request of the given command model; *out owns it. */
int cx_request_new(struct dict_object *cmd, struct msg **out, struct mcx_cx_error *err);

/* cx_request_new() then cx_request_head(): a request ready for its command's AVPs, owned by
 * *out; on failure nothing is left to free. */
int cx_request_start(struct dict_object *cmd, const struct mcx_cx_route *route, struct msg **out,
                     struct mcx_cx_error *err);

/* Replaces the request *msg by an answer and adds Vendor-Specific-Application-Id, the result
 * (Result-Code or Experimental-Result), Auth-Session-State and Origin-Host/Realm; then
 * User-Name and Public-Identity when non-empty. Failed-AVP and Error-Message are added by
 * cx_answer_tail(). */
int cx_answer_head(struct msg **msg, const struct mcx_cx_result *result, const char *user_name,
                   const char *public_identity, struct mcx_cx_error *err);

/* Adds Error-Message and Failed-AVP from result when set. */
int cx_answer_tail(struct msg *ans, const struct mcx_cx_result *result, struct mcx_cx_error *err);

/* First child AVP of a msg or grouped avp (NULL when none), and the next sibling. */
struct avp *cx_first(msg_or_avp *parent);
struct avp *cx_next(struct avp *avp);

/* A walk over the child AVPs of a message or grouped AVP that reads each header; when origin
 * is set it also takes the identity AVPs (see cx_take_identities()) instead of returning them. */
struct cx_avps {
    struct avp *next;
    struct mcx_cx_origin *origin; /* NULL: no AVP is taken */
    char *user_name;
    char *public_identity;
    struct avp *avp; /* the current AVP, its header and id */
    struct avp_hdr *hdr;
    struct cx_avp_id id;
};

/* Starts a walk over the children of parent; origin, user_name and public_identity as for
 * cx_take_identities() (origin NULL: every AVP is returned). */
void cx_avps_start(struct cx_avps *walk, msg_or_avp *parent, struct mcx_cx_origin *origin,
                   char *user_name, char *public_identity);

/* Steps to the next AVP for the caller: 1 with walk->avp, hdr and id set, 0 after the last, -1
 * with err on an unreadable header or a bad identity value. */
int cx_avps_next(struct cx_avps *walk, struct mcx_cx_error *err);

/* Header and id of an AVP; returns 0, or -1 with err. */
int cx_header(struct avp *avp, struct avp_hdr **hdr, struct cx_avp_id *id,
              struct mcx_cx_error *err);

/* Copies a string AVP value into out (cap bytes incl. NUL). -1 with err 5014 when too long,
 * 5004 when it holds a NUL byte or was not parsed as a string. */
int cx_get_str(const struct avp_hdr *hdr, char *out, size_t cap, struct mcx_cx_error *err);

/* Copies an OctetString value into out (cap bytes); *len gets its length. -1 with 5014 when
 * longer than cap. */
int cx_get_bytes(const struct avp_hdr *hdr, uint8_t *out, size_t cap, size_t *len,
                 struct mcx_cx_error *err);

/* Reads an Unsigned32 / Enumerated (Integer32) value. -1 with 5014/5004 on a bad value. */
int cx_get_u32(const struct avp_hdr *hdr, uint32_t *value, struct mcx_cx_error *err);
int cx_get_i32(const struct avp_hdr *hdr, int32_t *value, struct mcx_cx_error *err);

/* Reads the Origin-Host/Origin-Realm AVP into origin when hdr is one of them; returns 1 when
 * consumed, 0 when not an origin AVP, -1 on a bad value. */
int cx_take_origin(const struct cx_avp_id *id, const struct avp_hdr *hdr,
                   struct mcx_cx_origin *origin, struct mcx_cx_error *err);

/* Reads the AVPs every Cx message may name its sender and user with: Origin-Host/Realm into
 * origin, User-Name into user_name and the first Public-Identity into public_identity (each
 * MCX_CX_IDENTITY_MAX bytes; NULL: that AVP is not taken). Returns 1 when consumed, 0 when hdr is
 * none of them, -1 on a bad value. */
int cx_take_identities(const struct cx_avp_id *id, const struct avp_hdr *hdr,
                       struct mcx_cx_origin *origin, char *user_name, char *public_identity,
                       struct mcx_cx_error *err);

/* Reads an Enumerated AVP whose known values are 0..max into *value; -1 with 5004
 * "<name> <v> unknown" for any other value. */
int cx_get_enum(const struct avp_hdr *hdr, const struct cx_avp_id *id, int32_t max,
                const char *name, uint32_t *value, struct mcx_cx_error *err);

/* Adds Server-Name (when non-empty) and Server-Capabilities (when present): the body of UAA and
 * LIA. */
int cx_add_server_info(struct msg *ans, const char *server_name,
                       const struct mcx_cx_server_capabilities *caps, struct mcx_cx_error *err);

/* Reads Server-Name (MCX_CX_IDENTITY_MAX bytes) and Server-Capabilities of a UAA or LIA. */
int cx_get_server_info(struct msg *ans, char *server_name, struct mcx_cx_server_capabilities *caps,
                       struct mcx_cx_error *err);

/* Reads the Server-Capabilities group into caps. */
int cx_get_capabilities(struct avp *group, struct mcx_cx_server_capabilities *caps,
                        struct mcx_cx_error *err);

/* Adds a Server-Capabilities group from caps when caps->present. */
int cx_add_capabilities(msg_or_avp *parent, const struct mcx_cx_server_capabilities *caps,
                        struct mcx_cx_error *err);

/* Best-effort User-Name and first Public-Identity of a message (each MCX_CX_IDENTITY_MAX
 * bytes; "" when absent or unreadable), for echoing in answers. */
void cx_scan_identities(msg_or_avp *msg, char *user_name, char *public_identity);

/* Makes the error answers freeDiameter builds itself for Cx requests that fail dictionary
 * parsing (e.g. 5005 for a missing mandatory AVP) echo the request's User-Name and
 * Public-Identity too. Call once after the core is initialised. Returns 0, or -1. */
int cx_error_echo_install(void);

/* Sets err to 5005 for a missing mandatory AVP and returns -1. */
int cx_missing(struct mcx_cx_error *err, uint32_t code, uint32_t vendor, const char *name);

/* Whether id is (code, vendor). */
static inline int cx_is(const struct cx_avp_id *id, uint32_t code, uint32_t vendor)
{
    return id->code == code && id->vendor == vendor;
}

/* AVP codes used by the parsers. */
#define AVP_USER_NAME                   1u
#define AVP_DIGEST_REALM                104u
#define AVP_DIGEST_QOP                  110u
#define AVP_DIGEST_HA1                  121u
#define AVP_SESSION_ID                  263u
#define AVP_ORIGIN_HOST                 264u
#define AVP_VENDOR_ID                   266u
#define AVP_RESULT_CODE                 268u
#define AVP_FAILED_AVP                  279u
#define AVP_ERROR_MESSAGE               281u
#define AVP_ORIGIN_REALM                296u
#define AVP_EXPERIMENTAL_RESULT         297u
#define AVP_EXPERIMENTAL_RESULT_CODE    298u
#define AVP_VISITED_NETWORK_IDENTIFIER  600u
#define AVP_PUBLIC_IDENTITY             601u
#define AVP_SERVER_NAME                 602u
#define AVP_SERVER_CAPABILITIES         603u
#define AVP_MANDATORY_CAPABILITY        604u
#define AVP_OPTIONAL_CAPABILITY         605u
#define AVP_USER_DATA                   606u
#define AVP_SIP_NUMBER_AUTH_ITEMS       607u
#define AVP_SIP_AUTHENTICATION_SCHEME   608u
#define AVP_SIP_AUTHENTICATE            609u
#define AVP_SIP_AUTHORIZATION           610u
#define AVP_SIP_AUTH_DATA_ITEM          612u
#define AVP_SIP_ITEM_NUMBER             613u
#define AVP_SERVER_ASSIGNMENT_TYPE      614u
#define AVP_USER_AUTHORIZATION_TYPE     623u
#define AVP_USER_DATA_ALREADY_AVAILABLE 624u
#define AVP_CONFIDENTIALITY_KEY         625u
#define AVP_INTEGRITY_KEY               626u
#define AVP_ORIGINATING_REQUEST         633u
#define AVP_SIP_DIGEST_AUTHENTICATE     635u
#define AVP_UAR_FLAGS                   637u

#define V3GPP MCX_CX_VENDOR_3GPP

#endif
