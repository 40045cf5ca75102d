/* Location-Info-Request: the S-CSCF stored for a public identity (base 2001 with Server-Name),
 * Experimental 5003 IDENTITY_NOT_REGISTERED when none, 5001 when the identity is unknown. */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "hss.h"
#include "hss_lookup.h"

static void answer_lir(struct hss *hss, const struct mcx_cx_lir *req, struct mcx_cx_lia *lia)
{
    struct mcx_subscriber sub;
    int rc = mcx_store_subscriber_get_by_impu(hss->store, req->public_identity, &sub);
    if (rc != MCX_STORE_OK) {
        hss_result_from_store(rc, &lia->result);
        return;
    }
    snprintf(lia->user_name, sizeof lia->user_name, "%s", sub.impi);
    if (sub.server_name[0]) {
        snprintf(lia->server_name, sizeof lia->server_name, "%s", sub.server_name);
        mcx_cx_result_set_success(&lia->result);
    } else {
        mcx_cx_result_set_experimental(&lia->result, MCX_CX_ERROR_IDENTITY_NOT_REGISTERED);
    }
    hss_subscriber_wipe(&sub);
}

void hss_lir_handle(void *ctx, struct mcx_cx_txn *txn, const struct mcx_cx_lir *req)
{
    struct hss *hss = ctx;
    uint64_t start = hss_now_us();
    struct mcx_cx_lia lia;

    memset(&lia, 0, sizeof lia);
    snprintf(lia.public_identity, sizeof lia.public_identity, "%s", req->public_identity);
    answer_lir(hss, req, &lia);
    uint32_t code = mcx_cx_result_code(&lia.result);
    int sent = mcx_cx_answer_lia(txn, &lia);
    MCX_INFO("lir", "impu=%s impi=%s server_name=%s result=%u result_name=%s%s latency_us=%llu",
             req->public_identity, lia.user_name[0] ? lia.user_name : "-",
             lia.server_name[0] ? lia.server_name : "-", code, mcx_cx_result_name(&lia.result),
             sent == 0 ? "" : " answer=failed", (unsigned long long)(hss_now_us() - start));
}
