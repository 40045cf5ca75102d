/* Verification of authentication vectors against the subscriber's K/OPc (lib/aka). */
#include <string.h>

#include "aka/aka.h"
#include "aka/milenage.h"
#include "conf.h"

int conf_vector_verify(const uint8_t k[16], const uint8_t opc[16], const uint8_t *authenticate,
                       size_t authenticate_len, const uint8_t *xres, size_t xres_len,
                       const uint8_t *ck, size_t ck_len, const uint8_t *ik, size_t ik_len,
                       uint64_t *sqn, char *why, size_t why_cap)
{
    struct mcx_milenage_out m;
    struct mcx_aka_vector v;
    uint8_t sqn_bytes[MCX_MILENAGE_SQN_LEN];
    const uint8_t *rand = authenticate, *autn = authenticate + MCX_AKA_RAND_LEN;

    if (authenticate_len != MCX_AKA_RAND_LEN + MCX_AKA_AUTN_LEN)
        return conf_fail(why, why_cap, "SIP-Authenticate is %zu bytes, not 32", authenticate_len);
    if (ck_len != 16 || ik_len != 16 || xres_len < 4 || xres_len > 16)
        return conf_fail(why, why_cap, "CK/IK/XRES sizes %zu/%zu/%zu", ck_len, ik_len, xres_len);
    /* AK = f5(K, RAND) does not depend on SQN: compute with any SQN, then unmask AUTN. */
    memset(sqn_bytes, 0, sizeof sqn_bytes);
    if (mcx_milenage_compute(k, opc, rand, sqn_bytes, autn + 6, &m) != 0)
        return conf_fail(why, why_cap, "Milenage failed");
    for (int i = 0; i < MCX_MILENAGE_SQN_LEN; i++)
        sqn_bytes[i] = autn[i] ^ m.ak[i];
    *sqn = mcx_sqn_from_bytes(sqn_bytes);
    if (mcx_aka_vector_generate_with_rand(k, opc, rand, *sqn, autn + 6, &v) != 0)
        return conf_fail(why, why_cap, "vector recomputation failed");
    if (memcmp(v.autn, autn, MCX_AKA_AUTN_LEN) != 0)
        return conf_fail(why, why_cap, "AUTN (MAC-A) does not verify with the subscriber's K/OPc");
    if (v.xres_len != xres_len || memcmp(v.xres, xres, xres_len) != 0)
        return conf_fail(why, why_cap, "XRES differs from f2(K, RAND)");
    if (memcmp(v.ck, ck, 16) != 0 || memcmp(v.ik, ik, 16) != 0)
        return conf_fail(why, why_cap, "CK/IK differ from f3/f4(K, RAND)");
    return 0;
}
