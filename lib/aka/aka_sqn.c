/* SQN = SEQ || IND helpers and the HSS sequence-number policy; see aka.h. */
#include "aka/aka.h"

#define IND_MASK ((uint64_t)MCX_AKA_IND_SLOTS - 1)

uint64_t mcx_sqn_from_bytes(const uint8_t sqn[MCX_MILENAGE_SQN_LEN])
{
    uint64_t value = 0;
    for (int i = 0; i < MCX_MILENAGE_SQN_LEN; i++)
        value = value << 8 | sqn[i];
    return value;
}

void mcx_sqn_to_bytes(uint64_t sqn, uint8_t out[MCX_MILENAGE_SQN_LEN])
{
    for (int i = MCX_MILENAGE_SQN_LEN - 1; i >= 0; i--) {
        out[i] = (uint8_t)(sqn & 0xff);
        sqn >>= 8;
    }
}

uint64_t mcx_sqn_seq(uint64_t sqn)
{
    return (sqn & MCX_AKA_SQN_MAX) >> MCX_AKA_IND_BITS;
}

unsigned mcx_sqn_ind(uint64_t sqn)
{
    return (unsigned)(sqn & IND_MASK);
}

uint64_t mcx_sqn_join(uint64_t seq, unsigned ind)
{
    return (seq & MCX_AKA_SEQ_MAX) << MCX_AKA_IND_BITS | ((uint64_t)ind & IND_MASK);
}

uint64_t mcx_sqn_for_seq(uint64_t seq)
{
    return mcx_sqn_join(seq, (unsigned)(seq & IND_MASK));
}

uint64_t mcx_sqn_batch_first_seq(uint64_t stored_after, unsigned n)
{
    /* The batch took SEQ_before + 1 .. SEQ_before + n, and SEQ_after = SEQ_before + n. */
    return (mcx_sqn_seq(stored_after) - n + 1) & MCX_AKA_SEQ_MAX;
}

uint64_t mcx_sqn_resync_next_seq(uint64_t sqn_ms)
{
    return (mcx_sqn_seq(sqn_ms) + 1) & MCX_AKA_SEQ_MAX;
}

uint64_t mcx_sqn_resync_stored(uint64_t sqn_ms)
{
    return mcx_sqn_join(mcx_sqn_seq(sqn_ms), 0);
}
