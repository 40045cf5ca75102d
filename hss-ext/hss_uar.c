/* User-Authorization-Request: is the user known, and is an S-CSCF already assigned?
 *
 * REGISTRATION / REGISTRATION_AND_CAPABILITIES: Experimental 2002 SUBSEQUENT_REGISTRATION with
 * Server-Name when one is stored, else 2001 FIRST_REGISTRATION. DE_REGISTRATION: base 2001
 * with Server-Name when one is stored, else Experimental 5003 IDENTITY_NOT_REGISTERED. */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "hss.h"
#include "hss_lookup.h"

static void answer_uar(struct hss *hss, const struct mcx_cx_uar *req, struct mcx_cx_uaa *uaa)
{
    struct mcx_subscriber sub;
    if (hss_lookup_pair(hss->store, req->user_name, req->public_identity, &sub, &uaa->result) != 0)
        return;
    bool assigned = sub.server_name[0] != '\0';
    if (assigned)
        snprintf(uaa->server_name, sizeof uaa->server_name, "%s", sub.server_name);
    if (req->authorization_type == MCX_CX_UAT_DE_REGISTRATION) {
        if (assigned)
            mcx_cx_result_set_success(&uaa->result);
        else
            mcx_cx_result_set_experimental(&uaa->result, MCX_CX_ERROR_IDENTITY_NOT_REGISTERED);
    } else {
        mcx_cx_result_set_experimental(&uaa->result, assigned ? MCX_CX_SUBSEQUENT_REGISTRATION
                                                              : MCX_CX_FIRST_REGISTRATION);
    }
    hss_subscriber_wipe(&sub);
}

void hss_uar_handle(void *ctx, struct mcx_cx_txn *txn, const struct mcx_cx_uar *req)
{
    struct hss *hss = ctx;
    uint64_t start = hss_now_us();
    struct mcx_cx_uaa uaa;

    memset(&uaa, 0, sizeof uaa);
    snprintf(uaa.user_name, sizeof uaa.user_name, "%s", req->user_name);
    snprintf(uaa.public_identity, sizeof uaa.public_identity, "%s", req->public_identity);
    answer_uar(hss, req, &uaa);
    uint32_t code = mcx_cx_result_code(&uaa.result);
    int sent = mcx_cx_answer_uaa(txn, &uaa);
    MCX_INFO("uar",
             "impi=%s impu=%s type=%u server_name=%s result=%u result_name=%s%s latency_us=%llu",
             req->user_name, req->public_identity, req->authorization_type,
             uaa.server_name[0] ? uaa.server_name : "-", code, mcx_cx_result_name(&uaa.result),
             sent == 0 ? "" : " answer=failed", (unsigned long long)(hss_now_us() - start));
}
