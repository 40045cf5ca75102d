/* mcx-hss: the state every Cx handler shares, and the handlers themselves.
 *
 * Handlers run on freeDiameter's dispatch threads (registered with cx/cx_server.h). Each one
 * answers its transaction before returning; the only blocking call is the store call. Each
 * writes one log line per request (event=mar|uar|sar|lir) without secrets. */
#ifndef MCX_HSS_H
#define MCX_HSS_H

#include <stdint.h>

#include "cx/cx_server.h"
#include "store/store.h"

/* Shared, read-only after start-up (the store is thread-safe). */
struct hss {
    struct mcx_store *store;
    unsigned max_auth_items;         /* cap on SIP-Number-Auth-Items, 1..MCX_CX_MAX_AUTH_ITEMS */
    char digest_qop[MCX_CX_QOP_MAX]; /* qop sent with SIP Digest, e.g. "auth" */
};

/* MAR: authentication vectors (AKAv1/AKAv2), SIP Digest HA1, resynchronisation. */
void hss_mar_handle(void *ctx, struct mcx_cx_txn *txn, const struct mcx_cx_mar *request);

/* UAR: first or subsequent registration, Server-Name when assigned. */
void hss_uar_handle(void *ctx, struct mcx_cx_txn *txn, const struct mcx_cx_uar *request);

/* SAR: stores or clears the S-CSCF name, returns the IMS subscription in User-Data. */
void hss_sar_handle(void *ctx, struct mcx_cx_txn *txn, const struct mcx_cx_sar *request);

/* LIR: the stored Server-Name of a public identity, or 5003. */
void hss_lir_handle(void *ctx, struct mcx_cx_txn *txn, const struct mcx_cx_lir *request);

#endif
