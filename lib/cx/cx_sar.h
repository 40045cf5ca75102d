/* Server-Assignment-Request / -Answer (SAR/SAA, command 301, TS 29.229 6.1.3-6.1.4).
 *
 * SAR: Server-Name, Server-Assignment-Type and User-Data-Already-Available are required on
 * parse; User-Name and the Public-Identity list are optional (at least one of them is
 * required, as the HSS needs an identity). SAA: result, echoed identities, User-Data (the
 * IMS subscription XML). */
#ifndef MCX_CX_SAR_H
#define MCX_CX_SAR_H

#include "cx/cx_common.h"

/* Server-Assignment-Type values (TS 29.229 6.3.15). */
enum mcx_cx_server_assignment_type {
    MCX_CX_SAT_NO_ASSIGNMENT = 0,
    MCX_CX_SAT_REGISTRATION = 1,
    MCX_CX_SAT_RE_REGISTRATION = 2,
    MCX_CX_SAT_UNREGISTERED_USER = 3,
    MCX_CX_SAT_TIMEOUT_DEREGISTRATION = 4,
    MCX_CX_SAT_USER_DEREGISTRATION = 5,
    MCX_CX_SAT_TIMEOUT_DEREGISTRATION_STORE_SERVER_NAME = 6,
    MCX_CX_SAT_USER_DEREGISTRATION_STORE_SERVER_NAME = 7,
    MCX_CX_SAT_ADMINISTRATIVE_DEREGISTRATION = 8,
    MCX_CX_SAT_AUTHENTICATION_FAILURE = 9,
    MCX_CX_SAT_AUTHENTICATION_TIMEOUT = 10,
    MCX_CX_SAT_DEREGISTRATION_TOO_MUCH_DATA = 11,
    MCX_CX_SAT_AAA_USER_DATA_REQUEST = 12,
    MCX_CX_SAT_PGW_UPDATE = 13,
    MCX_CX_SAT_RESTORATION = 14,
};

/* User-Data-Already-Available values. */
#define MCX_CX_USER_DATA_NOT_AVAILABLE     0u
#define MCX_CX_USER_DATA_ALREADY_AVAILABLE 1u

struct mcx_cx_sar {
    struct mcx_cx_origin origin;         /* parse only */
    char user_name[MCX_CX_IDENTITY_MAX]; /* IMPI, "" = not sent */
    size_t public_identity_count;
    char public_identities[MCX_CX_MAX_PUBLIC_IDS][MCX_CX_IDENTITY_MAX];
    char server_name[MCX_CX_IDENTITY_MAX];
    uint32_t assignment_type;             /* enum mcx_cx_server_assignment_type */
    uint32_t user_data_already_available; /* MCX_CX_USER_DATA_* */
};

struct mcx_cx_saa {
    struct mcx_cx_result result;
    struct mcx_cx_origin origin;               /* parse only */
    char user_name[MCX_CX_IDENTITY_MAX];       /* echoed, "" = not sent */
    char public_identity[MCX_CX_IDENTITY_MAX]; /* echoed (first of the SAR), "" = not sent */
    uint8_t user_data[MCX_CX_USER_DATA_MAX];   /* IMS subscription XML (not NUL-terminated) */
    size_t user_data_len;                      /* 0 = no User-Data */
};

/* Builds a SAR to route; *out is a new request (caller sends or frees). 0, or -1 with err. */
int mcx_cx_sar_build(const struct mcx_cx_route *route, const struct mcx_cx_sar *sar,
                     struct msg **out, struct mcx_cx_error *err);

/* Parses a received SAR. Returns 0, or -1 with err naming the missing or bad AVP. */
int mcx_cx_sar_parse(struct msg *req, struct mcx_cx_sar *sar, struct mcx_cx_error *err);

/* Replaces the request *msg by the SAA built from saa. Returns 0, or -1 with err. */
int mcx_cx_saa_build(struct msg **msg, const struct mcx_cx_saa *saa, struct mcx_cx_error *err);

/* Parses a received SAA. Returns 0, or -1 with err. */
int mcx_cx_saa_parse(struct msg *ans, struct mcx_cx_saa *saa, struct mcx_cx_error *err);

#endif
