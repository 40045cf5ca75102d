/* Milenage on OpenSSL 3 EVP AES-128-ECB; see milenage.h. */
#include "aka/milenage.h"

#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define BLOCK_LEN 16

/* Which OUTi blocks a caller needs (OUT1 = bit 0 ... OUT5 = bit 4). */
enum {
    NEED_OUT1 = 1 << 0,
    NEED_OUT2 = 1 << 1,
    NEED_OUT3 = 1 << 2,
    NEED_OUT4 = 1 << 3,
    NEED_OUT5 = 1 << 4,
};

/* Rotation (in bytes) and last-byte constant for OUT1..OUT5 (TS 35.206 §4.1). */
static const unsigned out_rot_bytes[5] = {8, 0, 4, 8, 12};
static const uint8_t out_const[5] = {0x00, 0x01, 0x02, 0x04, 0x08};

static pthread_once_t aes_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *aes_128_ecb; /* fetched once, kept for the life of the process */

static void aes_fetch(void)
{
    aes_128_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
}

/* Writes x rotated left by rot_bytes bytes (cyclic, 128 bits) into out. */
static void rotate_left(const uint8_t x[BLOCK_LEN], unsigned rot_bytes, uint8_t out[BLOCK_LEN])
{
    for (unsigned i = 0; i < BLOCK_LEN; i++)
        out[i] = x[(i + rot_bytes) % BLOCK_LEN];
}

/* Encrypts n_blocks contiguous 16-byte blocks of in into out with a context keyed once. */
static int aes_blocks(EVP_CIPHER_CTX *ctx, const uint8_t *in, uint8_t *out, int n_blocks)
{
    int out_len = 0;
    if (EVP_EncryptUpdate(ctx, out, &out_len, in, n_blocks * BLOCK_LEN) != 1 ||
        out_len != n_blocks * BLOCK_LEN)
        return MCX_MILENAGE_ECRYPTO;
    return 0;
}

/* Computes the OUTi blocks selected by need into outs[i-1], with one key schedule for K.
 * sqn and amf are used only for OUT1. */
static int milenage_outs(const uint8_t k[16], const uint8_t opc[16], const uint8_t rand[16],
                         const uint8_t sqn[6], const uint8_t amf[2], unsigned need,
                         uint8_t outs[5][BLOCK_LEN])
{
    pthread_once(&aes_once, aes_fetch);
    if (!aes_128_ecb)
        return MCX_MILENAGE_ECRYPTO;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return MCX_MILENAGE_ECRYPTO;
    int rc = MCX_MILENAGE_ECRYPTO;
    uint8_t temp[BLOCK_LEN], block[BLOCK_LEN], rotated[BLOCK_LEN];
    uint8_t inputs[5 * BLOCK_LEN], results[5 * BLOCK_LEN];
    unsigned which[5];
    int n = 0;

    if (EVP_EncryptInit_ex2(ctx, aes_128_ecb, k, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)
        goto done;
    /* TEMP = E_K(RAND xor OPc) */
    for (int i = 0; i < BLOCK_LEN; i++)
        block[i] = rand[i] ^ opc[i];
    if (aes_blocks(ctx, block, temp, 1) != 0)
        goto done;

    if (need & NEED_OUT1) {
        /* IN1 = SQN || AMF || SQN || AMF; input = TEMP xor rot(IN1 xor OPc, r1) xor c1 */
        memcpy(block, sqn, 6);
        memcpy(block + 6, amf, 2);
        memcpy(block + 8, sqn, 6);
        memcpy(block + 14, amf, 2);
        for (int i = 0; i < BLOCK_LEN; i++)
            block[i] ^= opc[i];
        rotate_left(block, out_rot_bytes[0], rotated);
        for (int i = 0; i < BLOCK_LEN; i++)
            inputs[n * BLOCK_LEN + i] = temp[i] ^ rotated[i];
        inputs[n * BLOCK_LEN + BLOCK_LEN - 1] ^= out_const[0];
        which[n++] = 0;
    }
    for (unsigned o = 1; o < 5; o++) {
        if (!(need & (1u << o)))
            continue;
        /* input = rot(TEMP xor OPc, ri) xor ci */
        for (int i = 0; i < BLOCK_LEN; i++)
            block[i] = temp[i] ^ opc[i];
        rotate_left(block, out_rot_bytes[o], inputs + n * BLOCK_LEN);
        inputs[n * BLOCK_LEN + BLOCK_LEN - 1] ^= out_const[o];
        which[n++] = o;
    }
    if (n > 0 && aes_blocks(ctx, inputs, results, n) != 0)
        goto done;
    for (int b = 0; b < n; b++)
        for (int i = 0; i < BLOCK_LEN; i++)
            outs[which[b]][i] = results[b * BLOCK_LEN + i] ^ opc[i];
    rc = 0;
done:
    EVP_CIPHER_CTX_free(ctx);
    OPENSSL_cleanse(temp, sizeof temp);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(rotated, sizeof rotated);
    OPENSSL_cleanse(inputs, sizeof inputs);
    OPENSSL_cleanse(results, sizeof results);
    return rc;
}

int mcx_milenage_opc(const uint8_t k[MCX_MILENAGE_KEY_LEN], const uint8_t op[MCX_MILENAGE_KEY_LEN],
                     uint8_t opc[MCX_MILENAGE_KEY_LEN])
{
    pthread_once(&aes_once, aes_fetch);
    if (!aes_128_ecb)
        return MCX_MILENAGE_ECRYPTO;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return MCX_MILENAGE_ECRYPTO;
    uint8_t enc[BLOCK_LEN];
    int rc = MCX_MILENAGE_ECRYPTO;
    if (EVP_EncryptInit_ex2(ctx, aes_128_ecb, k, NULL, NULL) == 1 &&
        EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 && aes_blocks(ctx, op, enc, 1) == 0) {
        for (int i = 0; i < BLOCK_LEN; i++)
            opc[i] = enc[i] ^ op[i];
        rc = 0;
    }
    EVP_CIPHER_CTX_free(ctx);
    OPENSSL_cleanse(enc, sizeof enc);
    return rc;
}

int mcx_milenage_compute(const uint8_t k[MCX_MILENAGE_KEY_LEN],
                         const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                         const uint8_t rand[MCX_MILENAGE_RAND_LEN],
                         const uint8_t sqn[MCX_MILENAGE_SQN_LEN],
                         const uint8_t amf[MCX_MILENAGE_AMF_LEN], struct mcx_milenage_out *out)
{
    uint8_t outs[5][BLOCK_LEN];
    int rc = milenage_outs(k, opc, rand, sqn, amf, 0x1f, outs);
    if (rc == 0) {
        memcpy(out->mac_a, outs[0], 8);
        memcpy(out->mac_s, outs[0] + 8, 8);
        memcpy(out->res, outs[1] + 8, 8);
        memcpy(out->ak, outs[1], 6);
        memcpy(out->ck, outs[2], 16);
        memcpy(out->ik, outs[3], 16);
        memcpy(out->ak_star, outs[4], 6);
    }
    OPENSSL_cleanse(outs, sizeof outs);
    return rc;
}

int mcx_milenage_f1(const uint8_t k[MCX_MILENAGE_KEY_LEN], const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                    const uint8_t rand[MCX_MILENAGE_RAND_LEN],
                    const uint8_t sqn[MCX_MILENAGE_SQN_LEN],
                    const uint8_t amf[MCX_MILENAGE_AMF_LEN], uint8_t mac_a[MCX_MILENAGE_MAC_LEN],
                    uint8_t mac_s[MCX_MILENAGE_MAC_LEN])
{
    uint8_t outs[5][BLOCK_LEN];
    int rc = milenage_outs(k, opc, rand, sqn, amf, NEED_OUT1, outs);
    if (rc == 0) {
        if (mac_a)
            memcpy(mac_a, outs[0], 8);
        if (mac_s)
            memcpy(mac_s, outs[0] + 8, 8);
    }
    OPENSSL_cleanse(outs, sizeof outs);
    return rc;
}

int mcx_milenage_f1star(const uint8_t k[MCX_MILENAGE_KEY_LEN],
                        const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                        const uint8_t rand[MCX_MILENAGE_RAND_LEN],
                        const uint8_t sqn[MCX_MILENAGE_SQN_LEN],
                        const uint8_t amf[MCX_MILENAGE_AMF_LEN],
                        uint8_t mac_s[MCX_MILENAGE_MAC_LEN])
{
    return mcx_milenage_f1(k, opc, rand, sqn, amf, NULL, mac_s);
}

int mcx_milenage_f2345(const uint8_t k[MCX_MILENAGE_KEY_LEN],
                       const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                       const uint8_t rand[MCX_MILENAGE_RAND_LEN], uint8_t res[MCX_MILENAGE_RES_LEN],
                       uint8_t ck[MCX_MILENAGE_CK_LEN], uint8_t ik[MCX_MILENAGE_IK_LEN],
                       uint8_t ak[MCX_MILENAGE_AK_LEN])
{
    unsigned need = 0;
    if (res || ak)
        need |= NEED_OUT2;
    if (ck)
        need |= NEED_OUT3;
    if (ik)
        need |= NEED_OUT4;
    uint8_t outs[5][BLOCK_LEN];
    int rc = milenage_outs(k, opc, rand, NULL, NULL, need, outs);
    if (rc == 0) {
        if (res)
            memcpy(res, outs[1] + 8, 8);
        if (ak)
            memcpy(ak, outs[1], 6);
        if (ck)
            memcpy(ck, outs[2], 16);
        if (ik)
            memcpy(ik, outs[3], 16);
    }
    OPENSSL_cleanse(outs, sizeof outs);
    return rc;
}

int mcx_milenage_f2(const uint8_t k[MCX_MILENAGE_KEY_LEN], const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                    const uint8_t rand[MCX_MILENAGE_RAND_LEN], uint8_t res[MCX_MILENAGE_RES_LEN])
{
    return mcx_milenage_f2345(k, opc, rand, res, NULL, NULL, NULL);
}

int mcx_milenage_f3(const uint8_t k[MCX_MILENAGE_KEY_LEN], const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                    const uint8_t rand[MCX_MILENAGE_RAND_LEN], uint8_t ck[MCX_MILENAGE_CK_LEN])
{
    return mcx_milenage_f2345(k, opc, rand, NULL, ck, NULL, NULL);
}

int mcx_milenage_f4(const uint8_t k[MCX_MILENAGE_KEY_LEN], const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                    const uint8_t rand[MCX_MILENAGE_RAND_LEN], uint8_t ik[MCX_MILENAGE_IK_LEN])
{
    return mcx_milenage_f2345(k, opc, rand, NULL, NULL, ik, NULL);
}

int mcx_milenage_f5(const uint8_t k[MCX_MILENAGE_KEY_LEN], const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                    const uint8_t rand[MCX_MILENAGE_RAND_LEN], uint8_t ak[MCX_MILENAGE_AK_LEN])
{
    return mcx_milenage_f2345(k, opc, rand, NULL, NULL, NULL, ak);
}

int mcx_milenage_f5star(const uint8_t k[MCX_MILENAGE_KEY_LEN],
                        const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                        const uint8_t rand[MCX_MILENAGE_RAND_LEN],
                        uint8_t ak_star[MCX_MILENAGE_AK_LEN])
{
    uint8_t outs[5][BLOCK_LEN];
    int rc = milenage_outs(k, opc, rand, NULL, NULL, NEED_OUT5, outs);
    if (rc == 0)
        memcpy(ak_star, outs[4], 6);
    OPENSSL_cleanse(outs, sizeof outs);
    return rc;
}
