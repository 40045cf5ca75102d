/* Multimedia-Auth-Request: AKA vectors (Digest-AKAv1-MD5 / Digest-AKAv2-MD5), SIP Digest HA1,
 * "Unknown" (the subscriber's first scheme) and resynchronisation from RAND||AUTS.
 *
 * SQN policy (aka/aka.h): n vectors take one atomic store advance of n; the vector with
 * sequence number SEQ uses SQN = mcx_sqn_for_seq(SEQ). On resynchronisation the AUTS is
 * verified (MAC-S), the stored SQN is set to mcx_sqn_resync_stored(SQN_MS) and new vectors
 * follow from SEQ_MS + 1. A MAC-S failure answers 5006, as Open5GS does. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aka/aka.h"
#include "core/log.h"
#include "hss.h"
#include "hss_lookup.h"

enum hss_scheme { SCHEME_NONE = 0, SCHEME_AKAV1, SCHEME_AKAV2, SCHEME_DIGEST };

#define RESYNC_LEN (MCX_AKA_RAND_LEN + MCX_AKA_AUTS_LEN)

/* What the request log line reports besides the result. */
struct mar_outcome {
    char scheme[MCX_CX_SCHEME_MAX]; /* scheme served (resolved for "Unknown") */
    bool resync;                    /* SIP-Authorization (RAND||AUTS) was present */
    const char *reason;             /* short static text for a failure, or NULL */
};

/* Scheme named by a SIP-Authentication-Scheme value (case-insensitive); SCHEME_NONE when we do
 * not serve it. "SIP Digest" and "Digest-MD5" are the same scheme. */
static enum hss_scheme scheme_parse(const char *name)
{
    if (strcasecmp(name, MCX_CX_SCHEME_AKAV1) == 0)
        return SCHEME_AKAV1;
    if (strcasecmp(name, MCX_CX_SCHEME_AKAV2) == 0)
        return SCHEME_AKAV2;
    if (strcasecmp(name, MCX_CX_SCHEME_SIP_DIGEST) == 0 || strcasecmp(name, "Digest-MD5") == 0)
        return SCHEME_DIGEST;
    return SCHEME_NONE;
}

/* Index of the subscriber's entry for scheme, or -1 when the subscriber does not have it. */
static int subscriber_scheme(const struct mcx_subscriber *sub, enum hss_scheme scheme)
{
    for (size_t i = 0; i < sub->scheme_count && i < MCX_STORE_MAX_SCHEMES; i++) {
        if (scheme_parse(sub->schemes[i]) == scheme)
            return (int)i;
    }
    return -1;
}

/* Domain part of an IMPI (user@realm), the realm HA1 was made with; "" when there is none. */
static const char *impi_realm(const char *impi)
{
    const char *at = strrchr(impi, '@');
    return at ? at + 1 : "";
}

/* Fills item with the SIP Digest data (realm, qop, HA1). Returns 0, or -1 with result 5006
 * when the subscriber has no HA1. */
static int digest_item(const struct hss *hss, const struct mcx_subscriber *sub, const char *scheme,
                       struct mcx_cx_auth_item *item, struct mcx_cx_result *result)
{
    if (!sub->ha1[0]) {
        mcx_cx_result_set_experimental(result, MCX_CX_ERROR_AUTH_SCHEME_NOT_SUPPORTED);
        return -1;
    }
    item->item_number = 1;
    snprintf(item->scheme, sizeof item->scheme, "%s", scheme);
    item->has_digest = true;
    snprintf(item->digest_realm, sizeof item->digest_realm, "%s", impi_realm(sub->impi));
    snprintf(item->digest_qop, sizeof item->digest_qop, "%s", hss->digest_qop);
    snprintf(item->digest_ha1, sizeof item->digest_ha1, "%s", sub->ha1);
    return 0;
}

/* Verifies RAND||AUTS and sets the stored SQN from SQN_MS. Returns 0, or -1 with result set
 * (5006 on a wrong length or MAC-S, 5012 on a crypto or store failure). */
static int resynchronise(struct hss *hss, const struct mcx_subscriber *sub, const uint8_t *opc,
                         const struct mcx_cx_mar *req, struct mcx_cx_result *result,
                         struct mar_outcome *outcome)
{
    uint64_t sqn_ms = 0;
    bool mac_ok = false;
    if (req->authorization_len != RESYNC_LEN) {
        outcome->reason = "resync_length";
        mcx_cx_result_set_experimental(result, MCX_CX_ERROR_AUTH_SCHEME_NOT_SUPPORTED);
        return -1;
    }
    if (mcx_aka_auts_verify(sub->k, opc, req->authorization, req->authorization + MCX_AKA_RAND_LEN,
                            &sqn_ms, &mac_ok) != 0) {
        mcx_cx_result_set_base(result, MCX_DIAMETER_UNABLE_TO_COMPLY);
        return -1;
    }
    if (!mac_ok) {
        outcome->reason = "resync_mac_s";
        mcx_cx_result_set_experimental(result, MCX_CX_ERROR_AUTH_SCHEME_NOT_SUPPORTED);
        return -1;
    }
    int rc = mcx_store_sqn_set(hss->store, sub->impi, (int64_t)mcx_sqn_resync_stored(sqn_ms));
    if (rc != MCX_STORE_OK) {
        hss_result_from_store(rc, result);
        return -1;
    }
    return 0;
}

/* Issues n AKA vectors into maa (one atomic SQN advance). Returns 0, or -1 with result. */
static int aka_items(struct hss *hss, const struct mcx_subscriber *sub, const uint8_t *opc,
                     const char *scheme, unsigned n, struct mcx_cx_maa *maa,
                     struct mcx_cx_result *result, struct mar_outcome *outcome)
{
    int64_t stored = 0;
    int rc = mcx_store_sqn_advance(hss->store, sub->impi, n, &stored);
    if (rc != MCX_STORE_OK) {
        if (rc == MCX_STORE_SQN_EXHAUSTED)
            outcome->reason = "sqn_exhausted";
        hss_result_from_store(rc == MCX_STORE_NOT_FOUND ? rc : MCX_STORE_UNAVAILABLE, result);
        return -1;
    }
    uint64_t seq = mcx_sqn_batch_first_seq((uint64_t)stored, n);
    for (unsigned i = 0; i < n; i++, seq++) {
        struct mcx_aka_vector v;
        struct mcx_cx_auth_item *item = &maa->items[i];
        if (mcx_aka_vector_generate(sub->k, opc, mcx_sqn_for_seq(seq & MCX_AKA_SEQ_MAX), sub->amf,
                                    &v) != 0) {
            explicit_bzero(&v, sizeof v);
            mcx_cx_result_set_base(result, MCX_DIAMETER_UNABLE_TO_COMPLY);
            return -1;
        }
        item->item_number = i + 1;
        snprintf(item->scheme, sizeof item->scheme, "%s", scheme);
        memcpy(item->authenticate, v.rand, MCX_AKA_RAND_LEN);
        memcpy(item->authenticate + MCX_AKA_RAND_LEN, v.autn, MCX_AKA_AUTN_LEN);
        item->authenticate_len = MCX_AKA_RAND_LEN + MCX_AKA_AUTN_LEN;
        memcpy(item->authorization, v.xres, v.xres_len);
        item->authorization_len = v.xres_len;
        item->has_ck = item->has_ik = true;
        memcpy(item->ck, v.ck, sizeof item->ck);
        memcpy(item->ik, v.ik, sizeof item->ik);
        explicit_bzero(&v, sizeof v);
    }
    maa->item_count = n;
    maa->number_auth_items = n;
    return 0;
}

/* Works out the answer for a request; the subscriber's secrets stay in this frame. */
static void answer_mar(struct hss *hss, const struct mcx_cx_mar *req, struct mcx_cx_maa *maa,
                       struct mar_outcome *outcome)
{
    struct mcx_subscriber sub;
    struct mcx_cx_result *result = &maa->result;
    uint8_t opc[MCX_MILENAGE_KEY_LEN];
    if (hss_lookup_pair(hss->store, req->user_name, req->public_identity, &sub, result) != 0)
        return;

    /* The scheme: the requested one if the subscriber has it, or for "Unknown" their first. */
    const char *scheme_name = req->scheme;
    enum hss_scheme scheme = scheme_parse(req->scheme);
    if (strcasecmp(req->scheme, MCX_CX_SCHEME_UNKNOWN) == 0) {
        scheme_name = sub.scheme_count ? sub.schemes[0] : MCX_CX_SCHEME_AKAV1;
        scheme = scheme_parse(scheme_name);
    } else if (subscriber_scheme(&sub, scheme) < 0 &&
               !(sub.scheme_count == 0 && scheme == SCHEME_AKAV1)) {
        scheme = SCHEME_NONE;
    }
    snprintf(outcome->scheme, sizeof outcome->scheme, "%s", scheme_name);
    if (scheme == SCHEME_NONE) {
        outcome->reason = "scheme_not_allowed";
        mcx_cx_result_set_experimental(result, MCX_CX_ERROR_AUTH_SCHEME_NOT_SUPPORTED);
        goto out;
    }
    if (scheme == SCHEME_DIGEST) {
        maa->item_count = 1;
        maa->number_auth_items = 1;
        if (digest_item(hss, &sub, scheme_name, &maa->items[0], result) == 0)
            mcx_cx_result_set_success(result);
        else
            outcome->reason = "no_ha1";
        goto out;
    }

    if (sub.has_opc) {
        memcpy(opc, sub.opc, sizeof opc);
    } else if (mcx_milenage_opc(sub.k, sub.op, opc) != 0) {
        mcx_cx_result_set_base(result, MCX_DIAMETER_UNABLE_TO_COMPLY);
        goto out;
    }
    unsigned n = req->number_auth_items ? req->number_auth_items : 1;
    if (n > hss->max_auth_items)
        n = hss->max_auth_items;
    if (req->authorization_len) {
        outcome->resync = true;
        if (resynchronise(hss, &sub, opc, req, result, outcome) != 0)
            goto out;
    }
    if (aka_items(hss, &sub, opc, scheme_name, n, maa, result, outcome) == 0)
        mcx_cx_result_set_success(result);
out:
    explicit_bzero(opc, sizeof opc);
    hss_subscriber_wipe(&sub);
}

void hss_mar_handle(void *ctx, struct mcx_cx_txn *txn, const struct mcx_cx_mar *req)
{
    struct hss *hss = ctx;
    uint64_t start = hss_now_us();
    struct mcx_cx_maa maa;
    struct mar_outcome outcome;

    memset(&maa, 0, sizeof maa);
    memset(&outcome, 0, sizeof outcome);
    snprintf(outcome.scheme, sizeof outcome.scheme, "%s", req->scheme);
    snprintf(maa.user_name, sizeof maa.user_name, "%s", req->user_name);
    snprintf(maa.public_identity, sizeof maa.public_identity, "%s", req->public_identity);
    answer_mar(hss, req, &maa, &outcome);
    if (!mcx_cx_result_is_success(&maa.result)) {
        maa.item_count = 0;
        maa.number_auth_items = 0;
    }
    size_t items = maa.item_count;
    uint32_t code = mcx_cx_result_code(&maa.result);
    int sent = mcx_cx_answer_maa(txn, &maa);
    explicit_bzero(maa.items, sizeof maa.items);
    MCX_INFO("mar",
             "impi=%s impu=%s scheme=\"%s\" requested=%u items=%zu resync=%d result=%u "
             "result_name=%s%s%s%s "
             "latency_us=%llu",
             req->user_name, req->public_identity, outcome.scheme, req->number_auth_items, items,
             outcome.resync ? 1 : 0, code, mcx_cx_result_name(&maa.result),
             outcome.reason ? " reason=" : "", outcome.reason ? outcome.reason : "",
             sent == 0 ? "" : " answer=failed", (unsigned long long)(hss_now_us() - start));
}
