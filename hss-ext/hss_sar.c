/* Server-Assignment-Request: records the S-CSCF serving a user and returns the user's IMS
 * subscription.
 *
 *   REGISTRATION, RE_REGISTRATION, UNREGISTERED_USER, RESTORATION   store Server-Name, User-Data
 *   NO_ASSIGNMENT                                                   User-Data only
 *   USER_/TIMEOUT_/ADMINISTRATIVE_DEREGISTRATION, DEREGISTRATION_TOO_MUCH_DATA   clear it
 *   *_DEREGISTRATION_STORE_SERVER_NAME                              keep it
 *   AUTHENTICATION_FAILURE, AUTHENTICATION_TIMEOUT                  no change
 *   anything else                                                   Experimental 5007
 * User-Data is left out when the S-CSCF says it already has it. The stored name is in the
 * database, so it survives a restart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "hss.h"
#include "hss_lookup.h"
#include "hss_userdata.h"

enum sar_action { SAR_STORE, SAR_PROFILE_ONLY, SAR_CLEAR, SAR_KEEP, SAR_REJECT };

static enum sar_action sar_action_for(uint32_t type)
{
    switch (type) {
    case MCX_CX_SAT_REGISTRATION:
    case MCX_CX_SAT_RE_REGISTRATION:
    case MCX_CX_SAT_UNREGISTERED_USER:
    case MCX_CX_SAT_RESTORATION:
        return SAR_STORE;
    case MCX_CX_SAT_NO_ASSIGNMENT:
        return SAR_PROFILE_ONLY;
    case MCX_CX_SAT_TIMEOUT_DEREGISTRATION:
    case MCX_CX_SAT_USER_DEREGISTRATION:
    case MCX_CX_SAT_ADMINISTRATIVE_DEREGISTRATION:
    case MCX_CX_SAT_DEREGISTRATION_TOO_MUCH_DATA:
        return SAR_CLEAR;
    case MCX_CX_SAT_TIMEOUT_DEREGISTRATION_STORE_SERVER_NAME:
    case MCX_CX_SAT_USER_DEREGISTRATION_STORE_SERVER_NAME:
    case MCX_CX_SAT_AUTHENTICATION_FAILURE:
    case MCX_CX_SAT_AUTHENTICATION_TIMEOUT:
        return SAR_KEEP;
    default:
        return SAR_REJECT;
    }
}

/* Finds the subscriber from User-Name (or the first Public-Identity) and checks that every
 * Public-Identity of the request belongs to it. Returns 0, or -1 with result. */
static int sar_lookup(struct hss *hss, const struct mcx_cx_sar *req, struct mcx_subscriber *sub,
                      struct mcx_cx_result *result)
{
    size_t impus = req->public_identity_count;
    if (impus > MCX_CX_MAX_PUBLIC_IDS)
        impus = MCX_CX_MAX_PUBLIC_IDS;
    if (req->user_name[0]) {
        if (hss_lookup_pair(hss->store, req->user_name, impus ? req->public_identities[0] : NULL,
                            sub, result) != 0)
            return -1;
    } else if (impus) {
        int rc = mcx_store_subscriber_get_by_impu(hss->store, req->public_identities[0], sub);
        if (rc != MCX_STORE_OK) {
            hss_result_from_store(rc, result);
            return -1;
        }
    } else {
        mcx_cx_result_set_base(result, MCX_DIAMETER_MISSING_AVP);
        result->failed_avp_code = 1; /* User-Name */
        snprintf(result->error_message, sizeof result->error_message,
                 "User-Name or Public-Identity is required");
        return -1;
    }
    for (size_t i = 1; i < impus; i++) {
        if (!hss_subscriber_has_impu(sub, req->public_identities[i])) {
            int rc = mcx_store_identity_check(hss->store, sub->impi, req->public_identities[i]);
            if (rc != MCX_STORE_OK) {
                hss_result_from_store(rc, result);
                hss_subscriber_wipe(sub);
                return -1;
            }
        }
    }
    return 0;
}

static void answer_sar(struct hss *hss, const struct mcx_cx_sar *req, struct mcx_cx_saa *saa)
{
    struct mcx_subscriber sub;
    enum sar_action action = sar_action_for(req->assignment_type);
    if (sar_lookup(hss, req, &sub, &saa->result) != 0)
        return;
    int rc = MCX_STORE_OK;
    switch (action) {
    case SAR_REJECT:
        mcx_cx_result_set_experimental(&saa->result, MCX_CX_ERROR_IN_ASSIGNMENT_TYPE);
        goto out;
    case SAR_STORE:
        if (!req->server_name[0]) {
            mcx_cx_result_set_base(&saa->result, MCX_DIAMETER_MISSING_AVP);
            saa->result.failed_avp_code = 602; /* Server-Name */
            saa->result.failed_avp_vendor = MCX_CX_VENDOR_3GPP;
            goto out;
        }
        rc = mcx_store_server_name_set(hss->store, sub.impi, req->server_name);
        break;
    case SAR_CLEAR:
        rc = mcx_store_server_name_clear(hss->store, sub.impi);
        break;
    case SAR_PROFILE_ONLY:
    case SAR_KEEP:
        break;
    }
    if (rc != MCX_STORE_OK) {
        hss_result_from_store(rc, &saa->result);
        goto out;
    }
    if ((action == SAR_STORE || action == SAR_PROFILE_ONLY) &&
        req->user_data_already_available != MCX_CX_USER_DATA_ALREADY_AVAILABLE) {
        int len = hss_userdata_build(&sub, saa->user_data, sizeof saa->user_data);
        if (len < 0) {
            mcx_cx_result_set_experimental(&saa->result, MCX_CX_ERROR_TOO_MUCH_DATA);
            goto out;
        }
        saa->user_data_len = (size_t)len;
    }
    mcx_cx_result_set_success(&saa->result);
out:
    hss_subscriber_wipe(&sub);
}

void hss_sar_handle(void *ctx, struct mcx_cx_txn *txn, const struct mcx_cx_sar *req)
{
    struct hss *hss = ctx;
    uint64_t start = hss_now_us();
    struct mcx_cx_saa *saa = calloc(1, sizeof *saa); /* 16 KiB of User-Data: not on the stack */
    if (!saa) {
        struct mcx_cx_result result;
        mcx_cx_result_set_base(&result, MCX_DIAMETER_UNABLE_TO_COMPLY);
        mcx_cx_answer_result(txn, &result);
        MCX_ERROR("sar", "impi=%s result=5012 reason=out_of_memory", req->user_name);
        return;
    }
    snprintf(saa->user_name, sizeof saa->user_name, "%s", req->user_name);
    if (req->public_identity_count)
        snprintf(saa->public_identity, sizeof saa->public_identity, "%s",
                 req->public_identities[0]);
    answer_sar(hss, req, saa);
    uint32_t code = mcx_cx_result_code(&saa->result);
    size_t user_data_len = saa->user_data_len;
    int sent = mcx_cx_answer_saa(txn, saa);
    MCX_INFO(
        "sar",
        "impi=%s impu=%s type=%u server_name=%s user_data_bytes=%zu result=%u result_name=%s%s "
        "latency_us=%llu",
        req->user_name[0] ? req->user_name : "-",
        saa->public_identity[0] ? saa->public_identity : "-", req->assignment_type,
        req->server_name[0] ? req->server_name : "-", user_data_len, code,
        mcx_cx_result_name(&saa->result), sent == 0 ? "" : " answer=failed",
        (unsigned long long)(hss_now_us() - start));
    free(saa);
}
