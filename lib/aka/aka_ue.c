/* UE-side AKA: AUTN verification with the SEQ_MS array of TS 33.102 Annex C.2; see aka.h. */
#include "aka/aka.h"

#include <string.h>

#include <openssl/crypto.h>

#include "core/log.h"

void mcx_aka_ue_state_init(struct mcx_aka_ue_state *state)
{
    memset(state->seq_ms, 0, sizeof state->seq_ms);
    state->delta = MCX_AKA_DEFAULT_DELTA;
}

/* Largest SEQ_MS over all slots. */
static uint64_t highest_seq(const struct mcx_aka_ue_state *state)
{
    uint64_t highest = 0;
    for (int i = 0; i < MCX_AKA_IND_SLOTS; i++)
        if (state->seq_ms[i] > highest)
            highest = state->seq_ms[i];
    return highest;
}

uint64_t mcx_aka_ue_state_highest_sqn(const struct mcx_aka_ue_state *state)
{
    /* SEQ 0 is never accepted (acceptance needs SEQ > SEQ_MS >= 0), so 0 means "empty". */
    uint64_t best = 0;
    for (unsigned i = 0; i < MCX_AKA_IND_SLOTS; i++) {
        if (state->seq_ms[i] == 0)
            continue;
        uint64_t sqn = mcx_sqn_join(state->seq_ms[i], i);
        if (sqn > best)
            best = sqn;
    }
    return best;
}

/* Annex C.2: SEQ must be newer than the slot's SEQ_MS and at most delta ahead of the highest. */
static bool sqn_is_fresh(const struct mcx_aka_ue_state *state, uint64_t sqn)
{
    uint64_t seq = mcx_sqn_seq(sqn);
    unsigned ind = mcx_sqn_ind(sqn);
    if (seq <= state->seq_ms[ind])
        return false;
    uint64_t highest = highest_seq(state);
    return !(seq > highest && seq - highest > state->delta);
}

int mcx_aka_ue_check(struct mcx_aka_ue_state *state, const uint8_t k[MCX_MILENAGE_KEY_LEN],
                     const uint8_t opc[MCX_MILENAGE_KEY_LEN], const uint8_t rand[MCX_AKA_RAND_LEN],
                     const uint8_t autn[MCX_AKA_AUTN_LEN], struct mcx_aka_ue_result *result)
{
    if (!state || !k || !opc || !rand || !autn || !result)
        return MCX_AKA_EINVAL;
    memset(result, 0, sizeof *result);
    struct mcx_milenage_out out;
    uint8_t sqn_bytes[MCX_MILENAGE_SQN_LEN];
    int rc = MCX_AKA_ECRYPTO;

    if (mcx_milenage_f2345(k, opc, rand, out.res, out.ck, out.ik, out.ak) != 0)
        goto done;
    for (int i = 0; i < MCX_MILENAGE_SQN_LEN; i++)
        sqn_bytes[i] = autn[i] ^ out.ak[i];
    if (mcx_milenage_f1(k, opc, rand, sqn_bytes, autn + 6, out.mac_a, NULL) != 0)
        goto done;
    if (CRYPTO_memcmp(out.mac_a, autn + 8, MCX_MILENAGE_MAC_LEN) != 0) {
        MCX_DEBUG("aka_ue_check", "result=mac_failure");
        rc = MCX_AKA_CHECK_MAC_FAILURE;
        goto done;
    }
    uint64_t sqn = mcx_sqn_from_bytes(sqn_bytes);
    result->sqn = sqn;
    if (!sqn_is_fresh(state, sqn)) {
        uint64_t sqn_ms = mcx_aka_ue_state_highest_sqn(state);
        if (mcx_aka_auts_generate(k, opc, rand, sqn_ms, result->auts) != 0)
            goto done;
        MCX_DEBUG("aka_ue_check", "result=sync_failure seq=%llu ind=%u seq_ms=%llu",
                  (unsigned long long)mcx_sqn_seq(sqn), mcx_sqn_ind(sqn),
                  (unsigned long long)mcx_sqn_seq(sqn_ms));
        rc = MCX_AKA_CHECK_SYNC_FAILURE;
        goto done;
    }
    state->seq_ms[mcx_sqn_ind(sqn)] = mcx_sqn_seq(sqn);
    memcpy(result->res, out.res, MCX_MILENAGE_RES_LEN);
    result->res_len = MCX_MILENAGE_RES_LEN;
    memcpy(result->ck, out.ck, sizeof result->ck);
    memcpy(result->ik, out.ik, sizeof result->ik);
    MCX_DEBUG("aka_ue_check", "result=ok seq=%llu ind=%u", (unsigned long long)mcx_sqn_seq(sqn),
              mcx_sqn_ind(sqn));
    rc = MCX_AKA_CHECK_OK;
done:
    OPENSSL_cleanse(&out, sizeof out);
    return rc;
}
