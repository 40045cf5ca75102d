/* Location-Info-Request / -Answer (LIR/LIA, command 302, TS 29.229 6.1.5-6.1.6).
 *
 * LIR: Public-Identity is required on parse; Originating-Request and User-Authorization-Type
 * are optional. LIA: result, Server-Name or Server-Capabilities, echoed Public-Identity. */
#ifndef MCX_CX_LIR_H
#define MCX_CX_LIR_H

#include "cx/cx_common.h"

struct mcx_cx_lir {
    struct mcx_cx_origin origin;               /* parse only */
    char public_identity[MCX_CX_IDENTITY_MAX]; /* IMPU */
    bool originating_request;                  /* Originating-Request = ORIGINATING (0) */
    bool has_authorization_type;
    uint32_t authorization_type; /* MCX_CX_UAT_* (cx_uar.h) */
};

struct mcx_cx_lia {
    struct mcx_cx_result result;
    struct mcx_cx_origin origin;               /* parse only */
    char user_name[MCX_CX_IDENTITY_MAX];       /* echoed when known, "" = not sent */
    char public_identity[MCX_CX_IDENTITY_MAX]; /* echoed, "" = not sent */
    char server_name[MCX_CX_IDENTITY_MAX];     /* serving S-CSCF, "" = not sent */
    struct mcx_cx_server_capabilities capabilities;
};

/* Builds a LIR to route; *out is a new request (caller sends or frees). 0, or -1 with err. */
int mcx_cx_lir_build(const struct mcx_cx_route *route, const struct mcx_cx_lir *lir,
                     struct msg **out, struct mcx_cx_error *err);

/* Parses a received LIR. Returns 0, or -1 with err naming the missing or bad AVP. */
int mcx_cx_lir_parse(struct msg *req, struct mcx_cx_lir *lir, struct mcx_cx_error *err);

/* Replaces the request *msg by the LIA built from lia. Returns 0, or -1 with err. */
int mcx_cx_lia_build(struct msg **msg, const struct mcx_cx_lia *lia, struct mcx_cx_error *err);

/* Parses a received LIA. Returns 0, or -1 with err. */
int mcx_cx_lia_parse(struct msg *ans, struct mcx_cx_lia *lia, struct mcx_cx_error *err);

#endif
