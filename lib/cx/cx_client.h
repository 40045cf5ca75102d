/* Cx client: send a request and receive the parsed answer in a callback.
 *
 * Asynchronous: a send returns as soon as the request is queued; no thread blocks per request.
 * Exactly one callback call follows a successful send (return 0):
 *  - MCX_CX_ANSWERED with the parsed answer. This includes error answers and the answers the
 *    local core makes itself, e.g. result 3002 DIAMETER_UNABLE_TO_DELIVER when no open peer
 *    matches the route: check mcx_cx_result_is_success(&answer->result).
 *  - MCX_CX_TIMEOUT (answer NULL) when no answer arrived within timeout_ms.
 *  - MCX_CX_BAD_ANSWER (answer NULL) when an answer arrived but could not be parsed.
 * The callback runs on a freeDiameter thread; it must not block for long. The answer struct
 * is owned by the library and valid only during the call: copy what you keep.
 * When a send returns -1 (err set) the callback is never called.
 * Requires mcx_diameter_start() (diameter.h). Session-Id is new per request, Origin-Host/Realm
 * come from the core, Destination-Realm/Host from route. */
#ifndef MCX_CX_CLIENT_H
#define MCX_CX_CLIENT_H

#include "cx/cx_common.h"
#include "cx/cx_lir.h"
#include "cx/cx_mar.h"
#include "cx/cx_sar.h"
#include "cx/cx_uar.h"

enum mcx_cx_outcome {
    MCX_CX_ANSWERED = 0,
    MCX_CX_TIMEOUT,
    MCX_CX_BAD_ANSWER,
};

/* Short name of an outcome for logs ("answered", "timeout", "bad_answer"). */
const char *mcx_cx_outcome_name(enum mcx_cx_outcome outcome);

typedef void (*mcx_cx_maa_cb)(void *ctx, enum mcx_cx_outcome outcome,
                              const struct mcx_cx_maa *answer);
typedef void (*mcx_cx_uaa_cb)(void *ctx, enum mcx_cx_outcome outcome,
                              const struct mcx_cx_uaa *answer);
typedef void (*mcx_cx_saa_cb)(void *ctx, enum mcx_cx_outcome outcome,
                              const struct mcx_cx_saa *answer);
typedef void (*mcx_cx_lia_cb)(void *ctx, enum mcx_cx_outcome outcome,
                              const struct mcx_cx_lia *answer);

/* Sends a MAR; cb(ctx, ...) is called once later. timeout_ms > 0. Returns 0, or -1 with err. */
int mcx_cx_send_mar(const struct mcx_cx_route *route, const struct mcx_cx_mar *mar,
                    unsigned timeout_ms, mcx_cx_maa_cb cb, void *ctx, struct mcx_cx_error *err);

/* Sends a UAR; as mcx_cx_send_mar(). */
int mcx_cx_send_uar(const struct mcx_cx_route *route, const struct mcx_cx_uar *uar,
                    unsigned timeout_ms, mcx_cx_uaa_cb cb, void *ctx, struct mcx_cx_error *err);

/* Sends a SAR; as mcx_cx_send_mar(). */
int mcx_cx_send_sar(const struct mcx_cx_route *route, const struct mcx_cx_sar *sar,
                    unsigned timeout_ms, mcx_cx_saa_cb cb, void *ctx, struct mcx_cx_error *err);

/* Sends a LIR; as mcx_cx_send_mar(). */
int mcx_cx_send_lir(const struct mcx_cx_route *route, const struct mcx_cx_lir *lir,
                    unsigned timeout_ms, mcx_cx_lia_cb cb, void *ctx, struct mcx_cx_error *err);

#endif
