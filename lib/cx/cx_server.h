/* Cx server: one handler per command, answered now or later from any thread.
 *
 * Register handlers after mcx_diameter_init() and before mcx_diameter_start() (diameter.h).
 * When a request arrives the library parses it. A request that fails to parse (missing
 * mandatory AVP, wrong type or size) is answered by the library with 5005/5004/5014 and
 * Failed-AVP (User-Name and Public-Identity echoed when present); the handler is not called.
 * Otherwise the handler gets the parsed request and a transaction, and must answer the
 * transaction exactly once, with mcx_cx_answer_<cmd>() or mcx_cx_answer_result(), either
 * inside the handler or later from any thread (e.g. after an NNG round trip). The request
 * struct is valid only during the handler call; the transaction until it is answered.
 * Handlers run on freeDiameter's dispatch threads and must not block for long. */
#ifndef MCX_CX_SERVER_H
#define MCX_CX_SERVER_H

#include "cx/cx_common.h"
#include "cx/cx_lir.h"
#include "cx/cx_mar.h"
#include "cx/cx_sar.h"
#include "cx/cx_uar.h"

/* A received request waiting for its answer (opaque). */
struct mcx_cx_txn;

typedef void (*mcx_cx_mar_handler)(void *ctx, struct mcx_cx_txn *txn,
                                   const struct mcx_cx_mar *request);
typedef void (*mcx_cx_uar_handler)(void *ctx, struct mcx_cx_txn *txn,
                                   const struct mcx_cx_uar *request);
typedef void (*mcx_cx_sar_handler)(void *ctx, struct mcx_cx_txn *txn,
                                   const struct mcx_cx_sar *request);
typedef void (*mcx_cx_lir_handler)(void *ctx, struct mcx_cx_txn *txn,
                                   const struct mcx_cx_lir *request);

/* Registers the MAR handler (one per command). Returns 0, or -1 when not initialised or
 * already registered. */
int mcx_cx_serve_mar(mcx_cx_mar_handler handler, void *ctx);

/* Registers the UAR handler; as mcx_cx_serve_mar(). */
int mcx_cx_serve_uar(mcx_cx_uar_handler handler, void *ctx);

/* Registers the SAR handler; as mcx_cx_serve_mar(). */
int mcx_cx_serve_sar(mcx_cx_sar_handler handler, void *ctx);

/* Registers the LIR handler; as mcx_cx_serve_mar(). */
int mcx_cx_serve_lir(mcx_cx_lir_handler handler, void *ctx);

/* Answers a MAR transaction with answer and frees txn (also on failure, after sending a 5012
 * answer instead). Empty user_name / public_identity in answer are filled from the request.
 * Returns 0, or -1 when the answer could not be built or queued. */
int mcx_cx_answer_maa(struct mcx_cx_txn *txn, const struct mcx_cx_maa *answer);

/* Answers a UAR transaction; as mcx_cx_answer_maa(). */
int mcx_cx_answer_uaa(struct mcx_cx_txn *txn, const struct mcx_cx_uaa *answer);

/* Answers a SAR transaction; as mcx_cx_answer_maa(). */
int mcx_cx_answer_saa(struct mcx_cx_txn *txn, const struct mcx_cx_saa *answer);

/* Answers a LIR transaction; as mcx_cx_answer_maa(). */
int mcx_cx_answer_lia(struct mcx_cx_txn *txn, const struct mcx_cx_lia *answer);

/* Answers any transaction with just a result (e.g. Experimental 5001 user unknown), echoing
 * the request's User-Name and Public-Identity; frees txn. Returns 0, or -1 on failure. */
int mcx_cx_answer_result(struct mcx_cx_txn *txn, const struct mcx_cx_result *result);

/* The command code (MCX_CX_CMD_*) and the sender of a pending transaction. */
uint32_t mcx_cx_txn_command(const struct mcx_cx_txn *txn);
const struct mcx_cx_origin *mcx_cx_txn_origin(const struct mcx_cx_txn *txn);

#endif
