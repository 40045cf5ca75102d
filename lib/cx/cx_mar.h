/* Multimedia-Auth-Request / -Answer (MAR/MAA, command 303, TS 29.229 6.1.7-6.1.8).
 *
 * MAR: User-Name (IMPI), Public-Identity (IMPU), SIP-Number-Auth-Items, SIP-Auth-Data-Item
 * {SIP-Authentication-Scheme, [SIP-Authorization = RAND||AUTS on resynchronisation]} are
 * required on parse; Server-Name is optional on parse (some clients omit it) and sent when set.
 * MAA: result, echoed User-Name / Public-Identity, SIP-Number-Auth-Items and the vectors. */
#ifndef MCX_CX_MAR_H
#define MCX_CX_MAR_H

#include "cx/cx_common.h"

struct mcx_cx_mar {
    struct mcx_cx_origin origin;                     /* parse only */
    char user_name[MCX_CX_IDENTITY_MAX];             /* IMPI */
    char public_identity[MCX_CX_IDENTITY_MAX];       /* IMPU */
    char server_name[MCX_CX_IDENTITY_MAX];           /* S-CSCF SIP URI, "" when absent */
    uint32_t number_auth_items;                      /* SIP-Number-Auth-Items */
    char scheme[MCX_CX_SCHEME_MAX];                  /* e.g. MCX_CX_SCHEME_AKAV1 */
    uint8_t authorization[MCX_CX_AUTHORIZATION_MAX]; /* RAND||AUTS (30 bytes) on resync */
    size_t authorization_len;                        /* 0: no SIP-Authorization */
};

/* One SIP-Auth-Data-Item of an MAA. AKA: authenticate = RAND||AUTN, authorization = XRES,
 * ck/ik. SIP Digest: has_digest with realm, qop and HA1 (hex text). */
struct mcx_cx_auth_item {
    uint32_t item_number; /* SIP-Item-Number; 0 = not sent */
    char scheme[MCX_CX_SCHEME_MAX];
    uint8_t authenticate[MCX_CX_AUTHENTICATE_MAX];
    size_t authenticate_len;
    uint8_t authorization[MCX_CX_AUTHORIZATION_MAX];
    size_t authorization_len;
    bool has_ck;
    uint8_t ck[MCX_CX_KEY_LEN];
    bool has_ik;
    uint8_t ik[MCX_CX_KEY_LEN];
    bool has_digest; /* SIP-Digest-Authenticate present */
    char digest_realm[MCX_CX_IDENTITY_MAX];
    char digest_qop[MCX_CX_QOP_MAX];
    char digest_ha1[MCX_CX_HA1_MAX];
};

struct mcx_cx_maa {
    struct mcx_cx_result result;
    struct mcx_cx_origin origin;               /* parse only */
    char user_name[MCX_CX_IDENTITY_MAX];       /* echoed IMPI ("" = not sent) */
    char public_identity[MCX_CX_IDENTITY_MAX]; /* echoed IMPU ("" = not sent) */
    uint32_t number_auth_items;                /* 0 = not sent */
    size_t item_count;
    struct mcx_cx_auth_item items[MCX_CX_MAX_AUTH_ITEMS];
};

/* Builds a MAR to route (new Session-Id, our origin). On success *out is a new request the
 * caller sends (cx_client.h) or frees with mcx_cx_message_free(). Returns 0, or -1 with err. */
int mcx_cx_mar_build(const struct mcx_cx_route *route, const struct mcx_cx_mar *mar,
                     struct msg **out, struct mcx_cx_error *err);

/* Parses a received MAR into *mar. Returns 0, or -1 with err naming the missing or bad AVP. */
int mcx_cx_mar_parse(struct msg *req, struct mcx_cx_mar *mar, struct mcx_cx_error *err);

/* Replaces the request *msg by the MAA built from maa (the answer owns the request).
 * Returns 0, or -1 with err (then *msg is unchanged when the answer could not be created). */
int mcx_cx_maa_build(struct msg **msg, const struct mcx_cx_maa *maa, struct mcx_cx_error *err);

/* Parses a received MAA into *maa. Returns 0, or -1 with err. */
int mcx_cx_maa_parse(struct msg *ans, struct mcx_cx_maa *maa, struct mcx_cx_error *err);

#endif
