/* The narrow interface between the registrar and its Cx client. The registrar fills a request
 * struct of lib/cx and calls one of these functions with its transaction; the implementation
 * (cx_diameter.c on freeDiameter, or a test double) later stores the outcome and answer in
 * txn->cx and calls reg_txn_cx_done(txn) exactly once, from any thread. */
#ifndef CSCF_CX_IFACE_H
#define CSCF_CX_IFACE_H

#include "cx/cx_mar.h"
#include "cx/cx_sar.h"
#include "cx/cx_uar.h"

struct reg_txn;

/* How a Cx exchange ended (same meaning as enum mcx_cx_outcome of cx_client.h). */
enum cscf_cx_outcome {
    CSCF_CX_ANSWERED = 0,
    CSCF_CX_TIMEOUT,
    CSCF_CX_BAD_ANSWER,
};

/* Where the implementation leaves the answer; which member is valid follows the request. */
struct cscf_cx_result {
    enum cscf_cx_outcome outcome;
    union {
        struct mcx_cx_uaa uaa;
        struct mcx_cx_maa maa;
        struct mcx_cx_saa saa;
    } u;
};

struct cscf_cx_ops {
    /* Each sends one request; returns 0 (then reg_txn_cx_done follows once) or -1 (never). */
    int (*send_uar)(void *impl, const struct mcx_cx_route *route, const struct mcx_cx_uar *uar,
                    struct reg_txn *txn);
    int (*send_mar)(void *impl, const struct mcx_cx_route *route, const struct mcx_cx_mar *mar,
                    struct reg_txn *txn);
    int (*send_sar)(void *impl, const struct mcx_cx_route *route, const struct mcx_cx_sar *sar,
                    struct reg_txn *txn);
    void *impl;
};

/* The result slot of a transaction, for the implementation to fill before reg_txn_cx_done(). */
struct cscf_cx_result *reg_txn_cx_result(struct reg_txn *txn);

/* The queue link of a transaction, for the worker's hand-back queue. */
struct reg_txn **reg_txn_link(struct reg_txn *txn);

/* Hands the finished exchange back to the worker that owns txn (thread-safe). */
void reg_txn_cx_done(struct reg_txn *txn);

#endif
