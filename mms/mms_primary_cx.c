/* Primary role: GetSipAuthInfoRequest -> Cx MAR to the HSS -> GetSipAuthInfoResponse. */
#include "mms_primary_cx.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "cx/cx_client.h"
#include "migration/result.h"

struct mar_call {
    const struct mms_config *cfg;
    char tid[MCX_MIGRATION_TRANSACTION_ID_MAX + 1];
    char impi[MCX_CX_IDENTITY_MAX];
    char impu[MCX_CX_IDENTITY_MAX];
    mms_primary_cx_cb cb;
    void *arg;
};

/* Response for an MAA: result from the Diameter code, vectors on success. NULL on no memory. */
static mcx_envelope *response_from_maa(const struct mar_call *c, const struct mcx_cx_maa *maa)
{
    bool experimental = maa->result.experimental_code != 0;
    uint32_t code = mcx_cx_result_code(&maa->result);
    mcx_auth_result result = mcx_migration_result_from_diameter(code, experimental);
    const char *impi = maa->user_name[0] ? maa->user_name : c->impi;
    const char *impu = maa->public_identity[0] ? maa->public_identity : c->impu;
    mcx_envelope *env;

    if (result == MCX__MIGRATION__V1__RESULT__SUCCESS && maa->item_count == 0)
        result = MCX__MIGRATION__V1__RESULT__UNABLE_TO_COMPLY; /* success without vectors */
    env = mcx_envelope_new_response(c->tid, c->cfg->system_id, result, impi, impu, code,
                                    experimental);
    if (!env || result != MCX__MIGRATION__V1__RESULT__SUCCESS)
        return env;
    for (size_t i = 0; i < maa->item_count && i < MCX_MIGRATION_ITEMS_MAX; i++) {
        const struct mcx_cx_auth_item *it = &maa->items[i];
        struct mcx_auth_vector_fields v = {
            .item_number = it->item_number ? it->item_number : (uint32_t)(i + 1),
            .scheme = it->scheme,
            .authenticate = it->authenticate,
            .authenticate_len = it->authenticate_len,
            .authorization = it->authorization,
            .authorization_len = it->authorization_len,
            .confidentiality_key = it->has_ck ? it->ck : NULL,
            .confidentiality_key_len = it->has_ck ? MCX_CX_KEY_LEN : 0,
            .integrity_key = it->has_ik ? it->ik : NULL,
            .integrity_key_len = it->has_ik ? MCX_CX_KEY_LEN : 0,
            .digest_realm = it->has_digest ? it->digest_realm : NULL,
            .digest_ha1 = it->has_digest ? it->digest_ha1 : NULL,
            .digest_qop = it->has_digest ? it->digest_qop : NULL,
        };
        if (mcx_envelope_add_vector(env, &v) != 0) {
            mcx_envelope_free(env);
            return NULL;
        }
    }
    return env;
}

/* MAA callback (Diameter thread). */
static void on_maa(void *ctx, enum mcx_cx_outcome outcome, const struct mcx_cx_maa *answer)
{
    struct mar_call *c = ctx;
    mcx_envelope *env;
    if (outcome == MCX_CX_ANSWERED) {
        env = response_from_maa(c, answer);
    } else {
        MCX_WARN("hss_no_answer", "tid=%s impi=%s outcome=%s", c->tid, c->impi,
                 mcx_cx_outcome_name(outcome));
        env = mcx_envelope_new_response(c->tid, c->cfg->system_id,
                                        MCX__MIGRATION__V1__RESULT__UNABLE_TO_COMPLY, c->impi,
                                        c->impu, 0, false);
    }
    c->cb(c->arg, env);
    free(c);
}

int mms_primary_cx_send(const struct mms_config *cfg, const char *tid,
                        const mcx_auth_info_request *req, mms_primary_cx_cb cb, void *arg)
{
    struct mcx_cx_route route;
    struct mcx_cx_mar *mar = calloc(1, sizeof *mar);
    struct mar_call *c = calloc(1, sizeof *c);
    struct mcx_cx_error err;

    if (!mar || !c || strlen(req->impi) >= sizeof mar->user_name ||
        strlen(req->impu) >= sizeof mar->public_identity ||
        strlen(req->scheme) >= sizeof mar->scheme ||
        strlen(req->server_name) >= sizeof mar->server_name ||
        req->resync_info.len > sizeof mar->authorization)
        goto fail;
    memset(&route, 0, sizeof route);
    memcpy(route.realm, cfg->hss_realm, strlen(cfg->hss_realm) + 1);
    memcpy(route.host, cfg->hss_host, strlen(cfg->hss_host) + 1);
    memcpy(mar->user_name, req->impi, strlen(req->impi) + 1);
    memcpy(mar->public_identity, req->impu, strlen(req->impu) + 1);
    memcpy(mar->scheme, req->scheme, strlen(req->scheme) + 1);
    memcpy(mar->server_name, req->server_name, strlen(req->server_name) + 1);
    mar->number_auth_items = req->number_of_items;
    if (req->resync_info.len)
        memcpy(mar->authorization, req->resync_info.data, req->resync_info.len);
    mar->authorization_len = req->resync_info.len;

    c->cfg = cfg;
    memcpy(c->tid, tid, strlen(tid) + 1);
    memcpy(c->impi, req->impi, strlen(req->impi) + 1);
    memcpy(c->impu, req->impu, strlen(req->impu) + 1);
    c->cb = cb;
    c->arg = arg;
    if (mcx_cx_send_mar(&route, mar, cfg->hss_timeout_ms, on_maa, c, &err) != 0) {
        MCX_WARN("hss_send_failed", "tid=%s impi=%s detail=\"%s\"", tid, req->impi, err.text);
        goto fail;
    }
    free(mar);
    return 0;
fail:
    free(mar);
    free(c);
    return -1;
}
