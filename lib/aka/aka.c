/* Network-side AKA: vector generation and AUTS generation/verification; see aka.h. */
#include "aka/aka.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "core/log.h"

static const uint8_t resync_amf[MCX_MILENAGE_AMF_LEN] = {0x00, 0x00};

int mcx_aka_vector_generate_with_rand(const uint8_t k[MCX_MILENAGE_KEY_LEN],
                                      const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                                      const uint8_t rand[MCX_AKA_RAND_LEN], uint64_t sqn,
                                      const uint8_t amf[MCX_MILENAGE_AMF_LEN],
                                      struct mcx_aka_vector *vector)
{
    if (!k || !opc || !rand || !amf || !vector || sqn > MCX_AKA_SQN_MAX)
        return MCX_AKA_EINVAL;
    uint8_t sqn_bytes[MCX_MILENAGE_SQN_LEN];
    struct mcx_milenage_out out;
    mcx_sqn_to_bytes(sqn, sqn_bytes);
    if (mcx_milenage_compute(k, opc, rand, sqn_bytes, amf, &out) != 0)
        return MCX_AKA_ECRYPTO;

    memcpy(vector->rand, rand, MCX_AKA_RAND_LEN);
    for (int i = 0; i < MCX_MILENAGE_SQN_LEN; i++)
        vector->autn[i] = sqn_bytes[i] ^ out.ak[i];
    memcpy(vector->autn + 6, amf, MCX_MILENAGE_AMF_LEN);
    memcpy(vector->autn + 8, out.mac_a, MCX_MILENAGE_MAC_LEN);
    memset(vector->xres, 0, sizeof vector->xres);
    memcpy(vector->xres, out.res, MCX_MILENAGE_RES_LEN);
    vector->xres_len = MCX_MILENAGE_RES_LEN;
    memcpy(vector->ck, out.ck, sizeof vector->ck);
    memcpy(vector->ik, out.ik, sizeof vector->ik);
    OPENSSL_cleanse(&out, sizeof out);
    MCX_DEBUG("aka_vector", "seq=%llu ind=%u amf=%02x%02x", (unsigned long long)mcx_sqn_seq(sqn),
              mcx_sqn_ind(sqn), amf[0], amf[1]);
    return 0;
}

int mcx_aka_vector_generate(const uint8_t k[MCX_MILENAGE_KEY_LEN],
                            const uint8_t opc[MCX_MILENAGE_KEY_LEN], uint64_t sqn,
                            const uint8_t amf[MCX_MILENAGE_AMF_LEN], struct mcx_aka_vector *vector)
{
    uint8_t rand[MCX_AKA_RAND_LEN];
    if (RAND_bytes(rand, sizeof rand) != 1) {
        MCX_ERROR("aka_rand_failed", "reason=RAND_bytes");
        return MCX_AKA_ERANDOM;
    }
    return mcx_aka_vector_generate_with_rand(k, opc, rand, sqn, amf, vector);
}

int mcx_aka_auts_generate(const uint8_t k[MCX_MILENAGE_KEY_LEN],
                          const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                          const uint8_t rand[MCX_AKA_RAND_LEN], uint64_t sqn_ms,
                          uint8_t auts[MCX_AKA_AUTS_LEN])
{
    if (!k || !opc || !rand || !auts || sqn_ms > MCX_AKA_SQN_MAX)
        return MCX_AKA_EINVAL;
    uint8_t sqn_bytes[MCX_MILENAGE_SQN_LEN];
    struct mcx_milenage_out out;
    mcx_sqn_to_bytes(sqn_ms, sqn_bytes);
    if (mcx_milenage_compute(k, opc, rand, sqn_bytes, resync_amf, &out) != 0)
        return MCX_AKA_ECRYPTO;
    for (int i = 0; i < MCX_MILENAGE_SQN_LEN; i++)
        auts[i] = sqn_bytes[i] ^ out.ak_star[i];
    memcpy(auts + MCX_MILENAGE_SQN_LEN, out.mac_s, MCX_MILENAGE_MAC_LEN);
    OPENSSL_cleanse(&out, sizeof out);
    return 0;
}

int mcx_aka_auts_verify(const uint8_t k[MCX_MILENAGE_KEY_LEN],
                        const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                        const uint8_t rand[MCX_AKA_RAND_LEN], const uint8_t auts[MCX_AKA_AUTS_LEN],
                        uint64_t *sqn_ms, bool *mac_ok)
{
    if (!k || !opc || !rand || !auts || !sqn_ms || !mac_ok)
        return MCX_AKA_EINVAL;
    uint8_t ak_star[MCX_MILENAGE_AK_LEN], sqn_bytes[MCX_MILENAGE_SQN_LEN];
    uint8_t mac_s[MCX_MILENAGE_MAC_LEN];
    if (mcx_milenage_f5star(k, opc, rand, ak_star) != 0)
        return MCX_AKA_ECRYPTO;
    for (int i = 0; i < MCX_MILENAGE_SQN_LEN; i++)
        sqn_bytes[i] = auts[i] ^ ak_star[i];
    if (mcx_milenage_f1star(k, opc, rand, sqn_bytes, resync_amf, mac_s) != 0)
        return MCX_AKA_ECRYPTO;
    *mac_ok = CRYPTO_memcmp(mac_s, auts + MCX_MILENAGE_SQN_LEN, MCX_MILENAGE_MAC_LEN) == 0;
    *sqn_ms = mcx_sqn_from_bytes(sqn_bytes);
    OPENSSL_cleanse(ak_star, sizeof ak_star);
    OPENSSL_cleanse(mac_s, sizeof mac_s);
    if (*mac_ok)
        MCX_DEBUG("aka_auts_verify", "mac_s=ok seq_ms=%llu ind_ms=%u",
                  (unsigned long long)mcx_sqn_seq(*sqn_ms), mcx_sqn_ind(*sqn_ms));
    else
        MCX_DEBUG("aka_auts_verify", "mac_s=fail");
    return 0;
}
