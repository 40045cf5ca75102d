/* Partner role, Cx server side: MAR forwarded over NNG, UAR/SAR/LIR answered from bindings. */
#include "mms_partner_cx.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "cx/cx_server.h"
#include "migration/envelope.h"
#include "migration/result.h"
#include "mms_clock.h"
#include "mms_map.h"
#include "mms_partner_link.h"
#include "mms_serving.h"
#include "mms_userdata.h"

static const struct mms_config *g_cfg;
static struct mcx_store *g_store;

/* A MAR waiting for the primary's reply. */
struct mar_pending {
    struct mcx_cx_txn *txn;
    struct mcx_binding binding;
    char partner_impu[MCX_STORE_IDENTITY_MAX];
    const char *primary_impu; /* points into binding */
    char tid[MCX_MIGRATION_TRANSACTION_ID_MAX + 1];
    char scheme[MCX_CX_SCHEME_MAX];
    uint32_t items;
    bool resync;
    uint64_t start_us;
};

/* Answers txn with an Experimental-Result (experimental) or a base Result-Code. */
static void answer_code(struct mcx_cx_txn *txn, uint32_t code, bool experimental)
{
    struct mcx_cx_result r;
    if (experimental)
        mcx_cx_result_set_experimental(&r, code);
    else
        mcx_cx_result_set_base(&r, code);
    mcx_cx_answer_result(txn, &r);
}

/* Maps a binding lookup status to the answer for it: 5001 when unbound, 5012 otherwise. */
static void answer_lookup_failure(struct mcx_cx_txn *txn, int status, uint32_t *code)
{
    if (status == MCX_STORE_NOT_FOUND) {
        *code = MCX_CX_ERROR_USER_UNKNOWN;
        answer_code(txn, MCX_CX_ERROR_USER_UNKNOWN, true);
    } else {
        MCX_WARN("store_error", "status=%s detail=\"%s\"", mcx_store_status_name(status),
                 mcx_store_last_error());
        *code = MCX_DIAMETER_UNABLE_TO_COMPLY;
        answer_code(txn, MCX_DIAMETER_UNABLE_TO_COMPLY, false);
    }
}

/* Copies one AuthVector of the primary's response into a Cx item. -1 when it does not fit. */
static int copy_vector(const mcx_auth_vector *v, struct mcx_cx_auth_item *item)
{
    memset(item, 0, sizeof *item);
    item->item_number = v->item_number;
    if (strlen(v->scheme) >= sizeof item->scheme ||
        v->authenticate.len > sizeof item->authenticate ||
        v->authorization.len > sizeof item->authorization ||
        strlen(v->digest_realm) >= sizeof item->digest_realm ||
        strlen(v->digest_qop) >= sizeof item->digest_qop ||
        strlen(v->digest_ha1) >= sizeof item->digest_ha1)
        return -1;
    memcpy(item->scheme, v->scheme, strlen(v->scheme) + 1);
    if (v->authenticate.len)
        memcpy(item->authenticate, v->authenticate.data, v->authenticate.len);
    item->authenticate_len = v->authenticate.len;
    if (v->authorization.len)
        memcpy(item->authorization, v->authorization.data, v->authorization.len);
    item->authorization_len = v->authorization.len;
    if (v->confidentiality_key.len == MCX_CX_KEY_LEN) {
        item->has_ck = true;
        memcpy(item->ck, v->confidentiality_key.data, MCX_CX_KEY_LEN);
    }
    if (v->integrity_key.len == MCX_CX_KEY_LEN) {
        item->has_ik = true;
        memcpy(item->ik, v->integrity_key.data, MCX_CX_KEY_LEN);
    }
    if (v->digest_ha1[0]) {
        item->has_digest = true;
        memcpy(item->digest_realm, v->digest_realm, strlen(v->digest_realm) + 1);
        memcpy(item->digest_qop, v->digest_qop, strlen(v->digest_qop) + 1);
        memcpy(item->digest_ha1, v->digest_ha1, strlen(v->digest_ha1) + 1);
    }
    return 0;
}

/* Fills maa from a GetSipAuthInfoResponse (primary identities mapped back to partner ones).
 * Returns a short reason when the response is unusable (then maa says 5012), else NULL. */
static const char *fill_maa(const struct mar_pending *p, const mcx_auth_info_response *resp,
                            struct mcx_cx_maa *maa)
{
    uint32_t code;
    bool experimental;
    if (resp->result != MCX__MIGRATION__V1__RESULT__SUCCESS) {
        if (mcx_migration_result_to_diameter(resp->result, &code, &experimental) != 0)
            return "unknown result";
        if (experimental)
            mcx_cx_result_set_experimental(&maa->result, code);
        else
            mcx_cx_result_set_base(&maa->result, code);
        return NULL;
    }
    if (strcmp(resp->impi, p->binding.primary_impi) != 0)
        return "response for another private identity";
    if (mms_map_partner_impu_of_primary(&p->binding, resp->impu) == NULL)
        return "response for a public identity outside the binding";
    if (resp->n_vectors == 0 || resp->n_vectors > MCX_CX_MAX_AUTH_ITEMS)
        return "vector count out of range";
    for (size_t i = 0; i < resp->n_vectors; i++)
        if (copy_vector(resp->vectors[i], &maa->items[i]) != 0)
            return "vector does not fit a Cx item";
    maa->item_count = resp->n_vectors;
    maa->number_auth_items = (uint32_t)resp->n_vectors;
    mcx_cx_result_set_success(&maa->result);
    return NULL;
}

/* Link callback: builds and sends the MAA (TS 23.280 steps 9-10), logs the request. */
static void on_primary_reply(void *arg, enum mms_link_outcome outcome, const mcx_envelope *reply)
{
    struct mar_pending *p = arg;
    struct mcx_cx_maa *maa = calloc(1, sizeof *maa);
    const char *problem = NULL;
    const char *result_name = mms_link_outcome_name(outcome);

    if (!maa) {
        answer_code(p->txn, MCX_DIAMETER_UNABLE_TO_COMPLY, false);
        MCX_ERROR("mar", "tid=%s impi=%s result=out_of_memory", p->tid, p->binding.partner_impi);
        free(p);
        return;
    }
    if (outcome == MMS_LINK_REPLY && reply->body_case == MCX_ENVELOPE_BODY_RESPONSE) {
        problem = fill_maa(p, reply->response, maa);
        result_name = mcx_migration_result_name(reply->response->result);
    } else if (outcome == MMS_LINK_REPLY && reply->body_case == MCX_ENVELOPE_BODY_ERROR) {
        problem = mcx_migration_error_name((enum mcx_migration_error)reply->error->code);
        result_name = "error_response";
    } else {
        problem = mms_link_outcome_name(outcome);
    }
    if (problem)
        mcx_cx_result_set_base(&maa->result, MCX_DIAMETER_UNABLE_TO_COMPLY);
    memcpy(maa->user_name, p->binding.partner_impi, strlen(p->binding.partner_impi) + 1);
    memcpy(maa->public_identity, p->partner_impu, strlen(p->partner_impu) + 1);
    if (mcx_cx_answer_maa(p->txn, maa) != 0)
        problem = "answer not sent";
    mcx_log(
        problem ? MCX_LOG_WARN : MCX_LOG_INFO, "mar",
        "tid=%s impi=%s impu=%s primary_system=%s primary_impi=%s primary_impu=%s scheme=\"%s\" "
        "items=%" PRIu32 " resync=%s outcome=%s result=%s diameter=%" PRIu32 " vectors=%zu%s%s%s "
        "latency_us=%" PRIu64,
        p->tid, p->binding.partner_impi, p->partner_impu, p->binding.primary_system,
        p->binding.primary_impi, p->primary_impu, p->scheme, p->items, p->resync ? "yes" : "no",
        mms_link_outcome_name(outcome), result_name, mcx_cx_result_code(&maa->result),
        maa->item_count, problem ? " problem=\"" : "", problem ? problem : "", problem ? "\"" : "",
        mms_now_us() - p->start_us);
    free(maa);
    free(p);
}

/* MAR: binding lookup (step 4), GetSipAuthInfoRequest to the primary MMS (step 5). */
static void on_mar(void *ctx, struct mcx_cx_txn *txn, const struct mcx_cx_mar *mar)
{
    struct mar_pending *p = calloc(1, sizeof *p);
    struct mcx_auth_request_fields fields;
    mcx_envelope *env = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    struct mcx_migration_status status;
    char err[256];
    uint32_t code = 0;
    int idx, rc;
    (void)ctx;

    if (!p) {
        answer_code(txn, MCX_DIAMETER_UNABLE_TO_COMPLY, false);
        return;
    }
    p->start_us = mms_now_us();
    p->txn = txn;
    rc = mcx_store_binding_get_by_partner_impi(g_store, mar->user_name, &p->binding);
    if (rc != MCX_STORE_OK) {
        answer_lookup_failure(txn, rc, &code);
        MCX_INFO("mar", "impi=%s impu=%s result=%s diameter=%" PRIu32 " latency_us=%" PRIu64,
                 mar->user_name, mar->public_identity,
                 rc == MCX_STORE_NOT_FOUND ? "unbound" : "store_error", code,
                 mms_now_us() - p->start_us);
        free(p);
        return;
    }
    if ((idx = mms_map_partner_impu_index(&p->binding, mar->public_identity)) < 0) {
        answer_code(txn, MCX_CX_ERROR_IDENTITIES_DONT_MATCH, true);
        MCX_INFO("mar",
                 "impi=%s impu=%s result=identities_dont_match diameter=5002 latency_us=%" PRIu64,
                 mar->user_name, mar->public_identity, mms_now_us() - p->start_us);
        free(p);
        return;
    }
    memcpy(p->partner_impu, mar->public_identity, strlen(mar->public_identity) + 1);
    p->primary_impu = mms_map_primary_impu(&p->binding, idx);
    memcpy(p->scheme, mar->scheme, strlen(mar->scheme) + 1);
    p->items = mar->number_auth_items;
    if (p->items < 1)
        p->items = 1;
    if (p->items > MCX_CX_MAX_AUTH_ITEMS)
        p->items = MCX_CX_MAX_AUTH_ITEMS;
    p->resync = mar->authorization_len > 0;
    if (mcx_migration_transaction_id(p->tid, sizeof p->tid) != 0)
        goto fail;

    memset(&fields, 0, sizeof fields);
    fields.impi = p->binding.primary_impi;
    fields.impu = p->primary_impu;
    fields.scheme = mar->scheme;
    fields.number_of_items = p->items;
    fields.resync_info = mar->authorization_len ? mar->authorization : NULL;
    fields.resync_info_len = mar->authorization_len;
    fields.server_name = mar->server_name;
    if ((env = mcx_envelope_new_request(p->tid, g_cfg->system_id, &fields)) == NULL)
        goto fail;
    if (mcx_envelope_encode_alloc(env, g_cfg->max_message, &buf, &len, &status) !=
        MCX_MIGRATION_OK) {
        /* e.g. an unknown scheme or a resync value of the wrong size: not forwardable */
        mcx_envelope_free(env);
        MCX_INFO("mar", "tid=%s impi=%s impu=%s result=not_forwardable detail=\"%s\" diameter=5006",
                 p->tid, mar->user_name, mar->public_identity, status.detail);
        answer_code(txn, MCX_CX_ERROR_AUTH_SCHEME_NOT_SUPPORTED, true);
        free(p);
        return;
    }
    mcx_envelope_free(env);
    rc = mms_partner_link_request(p->binding.primary_mms, p->tid, buf, len, on_primary_reply, p,
                                  err, sizeof err);
    free(buf);
    if (rc == 0)
        return; /* on_primary_reply answers */
    MCX_WARN("link_error", "tid=%s url=%s detail=\"%s\"", p->tid, p->binding.primary_mms, err);
fail:
    answer_code(txn, MCX_DIAMETER_UNABLE_TO_COMPLY, false);
    MCX_WARN("mar",
             "tid=%s impi=%s impu=%s result=unable_to_comply diameter=5012 latency_us=%" PRIu64,
             p->tid, mar->user_name, mar->public_identity, mms_now_us() - p->start_us);
    free(p);
}

/* Looks up the binding of a UAR/SAR/LIR by IMPI (when non-empty) or IMPU; answers failures. */
static int lookup(struct mcx_cx_txn *txn, const char *impi, const char *impu, struct mcx_binding *b,
                  uint32_t *code)
{
    int rc = (impi && impi[0]) ? mcx_store_binding_get_by_partner_impi(g_store, impi, b)
                               : mcx_store_binding_get_by_partner_impu(g_store, impu, b);
    if (rc != MCX_STORE_OK) {
        answer_lookup_failure(txn, rc, code);
        return -1;
    }
    if (impu && impu[0] && mms_map_partner_impu_index(b, impu) < 0) {
        *code = MCX_CX_ERROR_IDENTITIES_DONT_MATCH;
        answer_code(txn, MCX_CX_ERROR_IDENTITIES_DONT_MATCH, true);
        return -1;
    }
    return 0;
}

/* UAR: answered from the binding and the assigned S-CSCF. */
static void on_uar(void *ctx, struct mcx_cx_txn *txn, const struct mcx_cx_uar *uar)
{
    struct mcx_binding *b = malloc(sizeof *b);
    struct mcx_cx_uaa uaa;
    uint64_t start = mms_now_us();
    uint32_t code = 0;
    bool assigned;
    (void)ctx;
    if (!b) {
        answer_code(txn, MCX_DIAMETER_UNABLE_TO_COMPLY, false);
        return;
    }
    if (lookup(txn, uar->user_name, uar->public_identity, b, &code) != 0)
        goto log;
    memset(&uaa, 0, sizeof uaa);
    assigned = mms_serving_get(b->partner_impi, uaa.server_name, sizeof uaa.server_name);
    if (uar->authorization_type == MCX_CX_UAT_DE_REGISTRATION) {
        if (assigned)
            mcx_cx_result_set_success(&uaa.result);
        else
            mcx_cx_result_set_experimental(&uaa.result, MCX_CX_ERROR_IDENTITY_NOT_REGISTERED);
    } else if (assigned) {
        mcx_cx_result_set_experimental(&uaa.result, MCX_CX_SUBSEQUENT_REGISTRATION);
    } else {
        mcx_cx_result_set_experimental(&uaa.result, MCX_CX_FIRST_REGISTRATION);
        if (g_cfg->server_name[0])
            memcpy(uaa.server_name, g_cfg->server_name, strlen(g_cfg->server_name) + 1);
        else
            uaa.capabilities.present = true;
    }
    code = mcx_cx_result_code(&uaa.result);
    mcx_cx_answer_uaa(txn, &uaa);
log:
    MCX_INFO("uar", "impi=%s impu=%s type=%" PRIu32 " diameter=%" PRIu32 " latency_us=%" PRIu64,
             uar->user_name, uar->public_identity, uar->authorization_type, code,
             mms_now_us() - start);
    free(b);
}

/* SAR: records or clears the assigned S-CSCF; User-Data lists the partner IMPUs. */
static void on_sar(void *ctx, struct mcx_cx_txn *txn, const struct mcx_cx_sar *sar)
{
    struct mcx_binding *b = malloc(sizeof *b);
    struct mcx_cx_saa *saa = calloc(1, sizeof *saa);
    uint64_t start = mms_now_us();
    uint32_t code = 0;
    bool user_data = true;
    int len;
    (void)ctx;
    if (!b || !saa) {
        answer_code(txn, MCX_DIAMETER_UNABLE_TO_COMPLY, false);
        goto out;
    }
    if (lookup(txn, sar->user_name, sar->public_identity_count ? sar->public_identities[0] : "", b,
               &code) != 0)
        goto log;
    for (size_t i = 1; i < sar->public_identity_count; i++)
        if (mms_map_partner_impu_index(b, sar->public_identities[i]) < 0) {
            code = MCX_CX_ERROR_IDENTITIES_DONT_MATCH;
            answer_code(txn, code, true);
            goto log;
        }
    switch (sar->assignment_type) {
    case MCX_CX_SAT_REGISTRATION:
    case MCX_CX_SAT_RE_REGISTRATION:
    case MCX_CX_SAT_UNREGISTERED_USER:
        if (sar->server_name[0] && mms_serving_set(b->partner_impi, sar->server_name) != 0) {
            code = MCX_DIAMETER_UNABLE_TO_COMPLY;
            answer_code(txn, code, false);
            goto log;
        }
        break;
    case MCX_CX_SAT_TIMEOUT_DEREGISTRATION:
    case MCX_CX_SAT_USER_DEREGISTRATION:
    case MCX_CX_SAT_ADMINISTRATIVE_DEREGISTRATION:
    case MCX_CX_SAT_DEREGISTRATION_TOO_MUCH_DATA:
        mms_serving_clear(b->partner_impi);
        user_data = false;
        break;
    case MCX_CX_SAT_TIMEOUT_DEREGISTRATION_STORE_SERVER_NAME:
    case MCX_CX_SAT_USER_DEREGISTRATION_STORE_SERVER_NAME:
    case MCX_CX_SAT_AUTHENTICATION_FAILURE:
    case MCX_CX_SAT_AUTHENTICATION_TIMEOUT:
        user_data = false;
        break;
    case MCX_CX_SAT_NO_ASSIGNMENT:
        break;
    default:
        code = MCX_CX_ERROR_IN_ASSIGNMENT_TYPE;
        answer_code(txn, code, true);
        goto log;
    }
    if (user_data) {
        if ((len = mms_userdata_build(b, saa->user_data, sizeof saa->user_data)) < 0) {
            code = MCX_CX_ERROR_TOO_MUCH_DATA;
            answer_code(txn, code, true);
            goto log;
        }
        saa->user_data_len = (size_t)len;
    }
    memcpy(saa->user_name, b->partner_impi, strlen(b->partner_impi) + 1);
    mcx_cx_result_set_success(&saa->result);
    code = MCX_DIAMETER_SUCCESS;
    mcx_cx_answer_saa(txn, saa);
log:
    MCX_INFO("sar",
             "impi=%s impu=%s type=%" PRIu32 " server=\"%s\" diameter=%" PRIu32
             " latency_us=%" PRIu64,
             sar->user_name, sar->public_identity_count ? sar->public_identities[0] : "",
             sar->assignment_type, sar->server_name, code, mms_now_us() - start);
out:
    free(b);
    free(saa);
}

/* LIR: the assigned S-CSCF of a bound partner IMPU, or 5003 when none. */
static void on_lir(void *ctx, struct mcx_cx_txn *txn, const struct mcx_cx_lir *lir)
{
    struct mcx_binding *b = malloc(sizeof *b);
    struct mcx_cx_lia lia;
    uint64_t start = mms_now_us();
    uint32_t code = 0;
    (void)ctx;
    if (!b) {
        answer_code(txn, MCX_DIAMETER_UNABLE_TO_COMPLY, false);
        return;
    }
    if (lookup(txn, NULL, lir->public_identity, b, &code) != 0)
        goto log;
    memset(&lia, 0, sizeof lia);
    if (mms_serving_get(b->partner_impi, lia.server_name, sizeof lia.server_name))
        mcx_cx_result_set_success(&lia.result);
    else
        mcx_cx_result_set_experimental(&lia.result, MCX_CX_ERROR_IDENTITY_NOT_REGISTERED);
    memcpy(lia.public_identity, lir->public_identity, strlen(lir->public_identity) + 1);
    code = mcx_cx_result_code(&lia.result);
    mcx_cx_answer_lia(txn, &lia);
log:
    MCX_INFO("lir", "impu=%s diameter=%" PRIu32 " latency_us=%" PRIu64, lir->public_identity, code,
             mms_now_us() - start);
    free(b);
}

int mms_partner_cx_register(const struct mms_config *cfg, struct mcx_store *store)
{
    g_cfg = cfg;
    g_store = store;
    mms_partner_links_init(cfg);
    if (mcx_cx_serve_mar(on_mar, NULL) != 0 || mcx_cx_serve_uar(on_uar, NULL) != 0 ||
        mcx_cx_serve_sar(on_sar, NULL) != 0 || mcx_cx_serve_lir(on_lir, NULL) != 0) {
        MCX_ERROR("cx_register", "detail=\"cannot register the Cx handlers\"");
        return -1;
    }
    return 0;
}
