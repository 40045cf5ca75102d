/* Milenage (3GPP TS 35.205/35.206): OPc from OP and the functions f1, f1*, f2, f3, f4, f5, f5*.
 *
 * AES-128 comes from OpenSSL 3 (EVP, AES-128-ECB). Every call schedules the key K once and
 * reuses that cipher context for all AES blocks it needs: mcx_milenage_compute() produces every
 * output of one vector with a single key schedule and two cipher calls.
 *
 * All byte strings are big-endian, with the fixed lengths below. Functions return 0, or
 * MCX_MILENAGE_ECRYPTO when OpenSSL fails; outputs are written only on success. */
#ifndef MCX_AKA_MILENAGE_H
#define MCX_AKA_MILENAGE_H

#include <stdint.h>

#define MCX_MILENAGE_KEY_LEN  16 /* K, OP, OPc */
#define MCX_MILENAGE_RAND_LEN 16
#define MCX_MILENAGE_SQN_LEN  6
#define MCX_MILENAGE_AMF_LEN  2
#define MCX_MILENAGE_MAC_LEN  8 /* MAC-A (f1), MAC-S (f1*) */
#define MCX_MILENAGE_RES_LEN  8 /* f2 */
#define MCX_MILENAGE_CK_LEN   16
#define MCX_MILENAGE_IK_LEN   16
#define MCX_MILENAGE_AK_LEN   6 /* AK (f5), AK* (f5*) */

#define MCX_MILENAGE_ECRYPTO (-1)

/* Every Milenage output for one (K, OPc, RAND, SQN, AMF). */
struct mcx_milenage_out {
    uint8_t mac_a[MCX_MILENAGE_MAC_LEN];  /* f1 */
    uint8_t mac_s[MCX_MILENAGE_MAC_LEN];  /* f1* */
    uint8_t res[MCX_MILENAGE_RES_LEN];    /* f2 */
    uint8_t ck[MCX_MILENAGE_CK_LEN];      /* f3 */
    uint8_t ik[MCX_MILENAGE_IK_LEN];      /* f4 */
    uint8_t ak[MCX_MILENAGE_AK_LEN];      /* f5 */
    uint8_t ak_star[MCX_MILENAGE_AK_LEN]; /* f5* */
};

/* Computes OPc = E_K(OP) xor OP into opc. */
int mcx_milenage_opc(const uint8_t k[MCX_MILENAGE_KEY_LEN], const uint8_t op[MCX_MILENAGE_KEY_LEN],
                     uint8_t opc[MCX_MILENAGE_KEY_LEN]);

/* Computes every output (f1, f1*, f2, f3, f4, f5, f5*) with one key schedule; fills *out. */
int mcx_milenage_compute(const uint8_t k[MCX_MILENAGE_KEY_LEN],
                         const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                         const uint8_t rand[MCX_MILENAGE_RAND_LEN],
                         const uint8_t sqn[MCX_MILENAGE_SQN_LEN],
                         const uint8_t amf[MCX_MILENAGE_AMF_LEN], struct mcx_milenage_out *out);

/* f1 and f1*: network authentication code MAC-A and resynchronisation code MAC-S. Either output
 * pointer may be NULL when that value is not wanted. */
int mcx_milenage_f1(const uint8_t k[MCX_MILENAGE_KEY_LEN], const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                    const uint8_t rand[MCX_MILENAGE_RAND_LEN],
                    const uint8_t sqn[MCX_MILENAGE_SQN_LEN],
                    const uint8_t amf[MCX_MILENAGE_AMF_LEN], uint8_t mac_a[MCX_MILENAGE_MAC_LEN],
                    uint8_t mac_s[MCX_MILENAGE_MAC_LEN]);

/* f1* alone: MAC-S (used with AMF = 0000 for AUTS). */
int mcx_milenage_f1star(const uint8_t k[MCX_MILENAGE_KEY_LEN],
                        const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                        const uint8_t rand[MCX_MILENAGE_RAND_LEN],
                        const uint8_t sqn[MCX_MILENAGE_SQN_LEN],
                        const uint8_t amf[MCX_MILENAGE_AMF_LEN],
                        uint8_t mac_s[MCX_MILENAGE_MAC_LEN]);

/* f2, f3, f4, f5 in one pass (they share OUT2..OUT4); any output pointer may be NULL. */
int mcx_milenage_f2345(const uint8_t k[MCX_MILENAGE_KEY_LEN],
                       const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                       const uint8_t rand[MCX_MILENAGE_RAND_LEN], uint8_t res[MCX_MILENAGE_RES_LEN],
                       uint8_t ck[MCX_MILENAGE_CK_LEN], uint8_t ik[MCX_MILENAGE_IK_LEN],
                       uint8_t ak[MCX_MILENAGE_AK_LEN]);

/* f2 alone: RES (XRES on the network side). */
int mcx_milenage_f2(const uint8_t k[MCX_MILENAGE_KEY_LEN], const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                    const uint8_t rand[MCX_MILENAGE_RAND_LEN], uint8_t res[MCX_MILENAGE_RES_LEN]);

/* f3 alone: cipher key CK. */
int mcx_milenage_f3(const uint8_t k[MCX_MILENAGE_KEY_LEN], const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                    const uint8_t rand[MCX_MILENAGE_RAND_LEN], uint8_t ck[MCX_MILENAGE_CK_LEN]);

/* f4 alone: integrity key IK. */
int mcx_milenage_f4(const uint8_t k[MCX_MILENAGE_KEY_LEN], const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                    const uint8_t rand[MCX_MILENAGE_RAND_LEN], uint8_t ik[MCX_MILENAGE_IK_LEN]);

/* f5 alone: anonymity key AK (conceals SQN in AUTN). */
int mcx_milenage_f5(const uint8_t k[MCX_MILENAGE_KEY_LEN], const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                    const uint8_t rand[MCX_MILENAGE_RAND_LEN], uint8_t ak[MCX_MILENAGE_AK_LEN]);

/* f5*: resynchronisation anonymity key AK* (conceals SQN_MS in AUTS). */
int mcx_milenage_f5star(const uint8_t k[MCX_MILENAGE_KEY_LEN],
                        const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                        const uint8_t rand[MCX_MILENAGE_RAND_LEN],
                        uint8_t ak_star[MCX_MILENAGE_AK_LEN]);

#endif
