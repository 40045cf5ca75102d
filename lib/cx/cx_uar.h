/* User-Authorization-Request / -Answer (UAR/UAA, command 300, TS 29.229 6.1.1-6.1.2).
 *
 * UAR: User-Name, Public-Identity and Visited-Network-Identifier are required on parse;
 * User-Authorization-Type (default REGISTRATION 0) and UAR-Flags are optional.
 * UAA: result (e.g. Experimental 2001 FIRST_REGISTRATION), Server-Name or Server-Capabilities,
 * echoed User-Name / Public-Identity. */
#ifndef MCX_CX_UAR_H
#define MCX_CX_UAR_H

#include "cx/cx_common.h"

/* User-Authorization-Type values. */
#define MCX_CX_UAT_REGISTRATION                  0u
#define MCX_CX_UAT_DE_REGISTRATION               1u
#define MCX_CX_UAT_REGISTRATION_AND_CAPABILITIES 2u

struct mcx_cx_uar {
    struct mcx_cx_origin origin;               /* parse only */
    char user_name[MCX_CX_IDENTITY_MAX];       /* IMPI */
    char public_identity[MCX_CX_IDENTITY_MAX]; /* IMPU */
    char visited_network[MCX_CX_IDENTITY_MAX]; /* Visited-Network-Identifier */
    uint32_t authorization_type;               /* MCX_CX_UAT_* */
    bool has_uar_flags;
    uint32_t uar_flags;
};

struct mcx_cx_uaa {
    struct mcx_cx_result result;
    struct mcx_cx_origin origin;               /* parse only */
    char user_name[MCX_CX_IDENTITY_MAX];       /* echoed, "" = not sent */
    char public_identity[MCX_CX_IDENTITY_MAX]; /* echoed, "" = not sent */
    char server_name[MCX_CX_IDENTITY_MAX];     /* assigned S-CSCF, "" = not sent */
    struct mcx_cx_server_capabilities capabilities;
};

/* Builds a UAR to route; *out is a new request (caller sends or frees). 0, or -1 with err. */
int mcx_cx_uar_build(const struct mcx_cx_route *route, const struct mcx_cx_uar *uar,
                     struct msg **out, struct mcx_cx_error *err);

/* Parses a received UAR. Returns 0, or -1 with err naming the missing or bad AVP. */
int mcx_cx_uar_parse(struct msg *req, struct mcx_cx_uar *uar, struct mcx_cx_error *err);

/* Replaces the request *msg by the UAA built from uaa. Returns 0, or -1 with err. */
int mcx_cx_uaa_build(struct msg **msg, const struct mcx_cx_uaa *uaa, struct mcx_cx_error *err);

/* Parses a received UAA. Returns 0, or -1 with err. */
int mcx_cx_uaa_parse(struct msg *ans, struct mcx_cx_uaa *uaa, struct mcx_cx_error *err);

#endif
