/* Cx interface of the registrar on lib/cx; see cx_diameter.h. */
#include "cx_diameter.h"

#include "core/log.h"
#include "cx/cx_client.h"

static enum cscf_cx_outcome outcome_of(enum mcx_cx_outcome o)
{
    switch (o) {
    case MCX_CX_ANSWERED:
        return CSCF_CX_ANSWERED;
    case MCX_CX_TIMEOUT:
        return CSCF_CX_TIMEOUT;
    default:
        return CSCF_CX_BAD_ANSWER;
    }
}

/* Callbacks run on a freeDiameter thread: copy the answer, hand the transaction back. */
static void on_uaa(void *ctx, enum mcx_cx_outcome o, const struct mcx_cx_uaa *a)
{
    struct cscf_cx_result *r = reg_txn_cx_result(ctx);
    r->outcome = outcome_of(o);
    if (a && o == MCX_CX_ANSWERED)
        r->u.uaa = *a;
    reg_txn_cx_done(ctx);
}

static void on_maa(void *ctx, enum mcx_cx_outcome o, const struct mcx_cx_maa *a)
{
    struct cscf_cx_result *r = reg_txn_cx_result(ctx);
    r->outcome = outcome_of(o);
    if (a && o == MCX_CX_ANSWERED)
        r->u.maa = *a;
    reg_txn_cx_done(ctx);
}

static void on_saa(void *ctx, enum mcx_cx_outcome o, const struct mcx_cx_saa *a)
{
    struct cscf_cx_result *r = reg_txn_cx_result(ctx);
    r->outcome = outcome_of(o);
    if (a && o == MCX_CX_ANSWERED)
        r->u.saa = *a;
    reg_txn_cx_done(ctx);
}

static int send_uar(void *impl, const struct mcx_cx_route *route, const struct mcx_cx_uar *uar,
                    struct reg_txn *txn)
{
    struct cscf_cx_diameter *d = impl;
    struct mcx_cx_error err;
    if (mcx_cx_send_uar(route, uar, d->timeout_ms, on_uaa, txn, &err) != 0) {
        MCX_WARN("cx_send_failed", "request=UAR realm=%s host=%s reason=\"%s\"", route->realm,
                 route->host, err.text);
        return -1;
    }
    return 0;
}

static int send_mar(void *impl, const struct mcx_cx_route *route, const struct mcx_cx_mar *mar,
                    struct reg_txn *txn)
{
    struct cscf_cx_diameter *d = impl;
    struct mcx_cx_error err;
    if (mcx_cx_send_mar(route, mar, d->timeout_ms, on_maa, txn, &err) != 0) {
        MCX_WARN("cx_send_failed", "request=MAR realm=%s host=%s reason=\"%s\"", route->realm,
                 route->host, err.text);
        return -1;
    }
    return 0;
}

static int send_sar(void *impl, const struct mcx_cx_route *route, const struct mcx_cx_sar *sar,
                    struct reg_txn *txn)
{
    struct cscf_cx_diameter *d = impl;
    struct mcx_cx_error err;
    if (mcx_cx_send_sar(route, sar, d->timeout_ms, on_saa, txn, &err) != 0) {
        MCX_WARN("cx_send_failed", "request=SAR realm=%s host=%s reason=\"%s\"", route->realm,
                 route->host, err.text);
        return -1;
    }
    return 0;
}

void cscf_cx_diameter_ops(struct cscf_cx_diameter *impl, struct cscf_cx_ops *ops)
{
    ops->send_uar = send_uar;
    ops->send_mar = send_mar;
    ops->send_sar = send_sar;
    ops->impl = impl;
}
