/* IMS-AKA on Milenage (3GPP TS 33.102): authentication vectors, SQN structure, UE-side AUTN
 * verification with the SEQ/IND array of Annex C.2, AUTS generation and verification.
 *
 * SQN structure (TS 33.102 Annex C.1.1): SQN (48 bits) = SEQ (43 bits) || IND (5 bits); the
 * IND part selects one of 32 slots of the UE's SEQ_MS array.
 *
 * HSS policy (the subscriber store and every vector producer rely on it):
 *  - The database holds, in `security.sqn`, a value whose SEQ part (value >> 5) is the SEQ of the
 *    last vector issued. Its IND bits carry no meaning and are ignored.
 *  - Issuing n vectors atomically adds n * 32 to the stored value (SEQ += n; MongoDB $inc,
 *    SQLite UPDATE ... RETURNING), never a read-modify-write in C. The vectors of that batch use
 *    SEQ = mcx_sqn_batch_first_seq(value_after_add, n) ... that + n - 1.
 *  - The vector with sequence number SEQ uses IND = SEQ mod 32: SQN = mcx_sqn_for_seq(SEQ)
 *    = SEQ << 5 | (SEQ & 31). Consecutive vectors therefore land in different UE slots, so
 *    vectors used out of order (up to 32) are still accepted by the UE.
 *  - Resynchronisation (Annex C.3.4): after an AUTS verifies, the HSS sets SEQ_HE = SEQ_MS by
 *    writing mcx_sqn_resync_stored(SQN_MS) to the database, then issues vectors as above; the
 *    first one uses SEQ_MS + 1 (= mcx_sqn_resync_next_seq(SQN_MS)).
 * All SEQ arithmetic wraps modulo 2^43 (SQN modulo 2^48).
 *
 * Functions returning int give 0 (or a non-negative result described at the function) on
 * success and a negative enum mcx_aka_error on failure. No function logs a secret. */
#ifndef MCX_AKA_AKA_H
#define MCX_AKA_AKA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aka/milenage.h"

#define MCX_AKA_RAND_LEN      16
#define MCX_AKA_AUTN_LEN      16
#define MCX_AKA_AUTS_LEN      14
#define MCX_AKA_XRES_MAX      16
#define MCX_AKA_IND_BITS      5
#define MCX_AKA_IND_SLOTS     32
#define MCX_AKA_SQN_MAX       0xffffffffffffULL
#define MCX_AKA_SEQ_MAX       (MCX_AKA_SQN_MAX >> MCX_AKA_IND_BITS)
#define MCX_AKA_DEFAULT_DELTA (1ULL << 28)

enum mcx_aka_error {
    MCX_AKA_ECRYPTO = -1, /* OpenSSL failure */
    MCX_AKA_ERANDOM = -2, /* the CSPRNG could not produce RAND */
    MCX_AKA_EINVAL = -3,  /* argument out of range (SQN > 48 bits, NULL, ...) */
    MCX_AKA_EFORMAT = -4, /* saved UE state text is malformed */
    MCX_AKA_ESPACE = -5,  /* output buffer too small */
    MCX_AKA_EIO = -6,     /* FILE* read or write failed */
};

/* One authentication vector as the HSS hands it out (Cx SIP-Auth-Data-Item). */
struct mcx_aka_vector {
    uint8_t rand[MCX_AKA_RAND_LEN];
    uint8_t autn[MCX_AKA_AUTN_LEN]; /* (SQN xor AK) || AMF || MAC-A */
    uint8_t xres[MCX_AKA_XRES_MAX];
    size_t xres_len; /* 8 for Milenage */
    uint8_t ck[MCX_MILENAGE_CK_LEN];
    uint8_t ik[MCX_MILENAGE_IK_LEN];
};

/* Reads a 6-byte big-endian SQN. */
uint64_t mcx_sqn_from_bytes(const uint8_t sqn[MCX_MILENAGE_SQN_LEN]);
/* Writes the low 48 bits of sqn as 6 big-endian bytes. */
void mcx_sqn_to_bytes(uint64_t sqn, uint8_t out[MCX_MILENAGE_SQN_LEN]);
/* SEQ part of an SQN (sqn >> 5). */
uint64_t mcx_sqn_seq(uint64_t sqn);
/* IND part of an SQN (sqn & 31). */
unsigned mcx_sqn_ind(uint64_t sqn);
/* Joins SEQ (mod 2^43) and IND (mod 32) into an SQN. */
uint64_t mcx_sqn_join(uint64_t seq, unsigned ind);
/* SQN the HSS uses for the vector with sequence number seq: seq << 5 | (seq & 31). */
uint64_t mcx_sqn_for_seq(uint64_t seq);
/* SEQ of the first of n (>= 1) vectors whose atomic "+ n*32" left stored_after in the DB. */
uint64_t mcx_sqn_batch_first_seq(uint64_t stored_after, unsigned n);
/* SEQ of the first vector after resynchronisation to sqn_ms: SEQ_MS + 1 (Annex C.3.4). */
uint64_t mcx_sqn_resync_next_seq(uint64_t sqn_ms);
/* Value the HSS stores after resynchronisation to sqn_ms (SEQ_HE = SEQ_MS, IND bits 0). */
uint64_t mcx_sqn_resync_stored(uint64_t sqn_ms);

/* Network side: builds a vector for sqn (< 2^48) and amf with RAND from the OpenSSL CSPRNG
 * (RAND_bytes). Fills *vector (caller-owned). */
int mcx_aka_vector_generate(const uint8_t k[MCX_MILENAGE_KEY_LEN],
                            const uint8_t opc[MCX_MILENAGE_KEY_LEN], uint64_t sqn,
                            const uint8_t amf[MCX_MILENAGE_AMF_LEN], struct mcx_aka_vector *vector);

/* As mcx_aka_vector_generate() with a caller-given RAND (tests, conformance data). */
int mcx_aka_vector_generate_with_rand(const uint8_t k[MCX_MILENAGE_KEY_LEN],
                                      const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                                      const uint8_t rand[MCX_AKA_RAND_LEN], uint64_t sqn,
                                      const uint8_t amf[MCX_MILENAGE_AMF_LEN],
                                      struct mcx_aka_vector *vector);

/* UE (USIM stand-in) sequence-number state of TS 33.102 Annex C.2: SEQ_MS per IND slot. The
 * highest accepted SQN is derived from the array (slot i holds SEQ accepted with IND i). */
struct mcx_aka_ue_state {
    uint64_t seq_ms[MCX_AKA_IND_SLOTS]; /* 0 = nothing accepted in that slot */
    uint64_t delta; /* accept SEQ only if SEQ - max(SEQ_MS) <= delta; default 2^28 */
};

/* Sets every slot to 0 and delta to MCX_AKA_DEFAULT_DELTA. */
void mcx_aka_ue_state_init(struct mcx_aka_ue_state *state);

/* Highest SQN the UE has accepted (SQN_MS of an AUTS); 0 when none. */
uint64_t mcx_aka_ue_state_highest_sqn(const struct mcx_aka_ue_state *state);

/* Outcome of mcx_aka_ue_check(). Negative values are enum mcx_aka_error. */
enum mcx_aka_check {
    MCX_AKA_CHECK_OK = 0,           /* AUTN authentic and fresh: res/ck/ik valid, state updated */
    MCX_AKA_CHECK_MAC_FAILURE = 1,  /* MAC-A wrong: the network is not authentic, no AUTS */
    MCX_AKA_CHECK_SYNC_FAILURE = 2, /* MAC-A right, SQN not fresh or too far ahead: auts valid */
};

/* What the UE derives from a challenge (caller-owned). */
struct mcx_aka_ue_result {
    uint64_t sqn; /* SQN recovered from AUTN (once MAC-A verified) */
    uint8_t res[MCX_AKA_XRES_MAX];
    size_t res_len; /* 8; 0 unless MCX_AKA_CHECK_OK */
    uint8_t ck[MCX_MILENAGE_CK_LEN];
    uint8_t ik[MCX_MILENAGE_IK_LEN];
    uint8_t auts[MCX_AKA_AUTS_LEN]; /* set on MCX_AKA_CHECK_SYNC_FAILURE */
};

/* UE side: verifies AUTN for RAND: MAC-A first, then SQN freshness against *state (SEQ >
 * SEQ_MS[IND] and SEQ - max(SEQ_MS) <= delta). On success updates SEQ_MS[IND] and returns
 * MCX_AKA_CHECK_OK with RES/CK/IK; on a stale or too-new SQN returns
 * MCX_AKA_CHECK_SYNC_FAILURE with an AUTS for the highest accepted SQN; on a wrong MAC-A
 * returns MCX_AKA_CHECK_MAC_FAILURE. *state changes only on MCX_AKA_CHECK_OK. */
int mcx_aka_ue_check(struct mcx_aka_ue_state *state, const uint8_t k[MCX_MILENAGE_KEY_LEN],
                     const uint8_t opc[MCX_MILENAGE_KEY_LEN], const uint8_t rand[MCX_AKA_RAND_LEN],
                     const uint8_t autn[MCX_AKA_AUTN_LEN], struct mcx_aka_ue_result *result);

/* UE side: AUTS = (SQN_MS xor AK*) || MAC-S, MAC-S = f1*(K, SQN_MS, RAND, AMF = 0000). */
int mcx_aka_auts_generate(const uint8_t k[MCX_MILENAGE_KEY_LEN],
                          const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                          const uint8_t rand[MCX_AKA_RAND_LEN], uint64_t sqn_ms,
                          uint8_t auts[MCX_AKA_AUTS_LEN]);

/* Network side: recovers SQN_MS from an AUTS for the RAND of the rejected challenge and
 * checks MAC-S in constant time. Returns 0 with *sqn_ms and *mac_ok set (a wrong MAC-S is not
 * an error: *mac_ok = false and *sqn_ms must not be used), or a negative error. */
int mcx_aka_auts_verify(const uint8_t k[MCX_MILENAGE_KEY_LEN],
                        const uint8_t opc[MCX_MILENAGE_KEY_LEN],
                        const uint8_t rand[MCX_AKA_RAND_LEN], const uint8_t auts[MCX_AKA_AUTS_LEN],
                        uint64_t *sqn_ms, bool *mac_ok);

/* Longest text mcx_aka_ue_state_save() writes, including the NUL. */
#define MCX_AKA_UE_STATE_TEXT_MAX 1024

/* Writes *state as text ("version=1", "delta=N", "seq_ms=N,N,...,N" lines) into buf (NUL-
 * terminated). Returns the length without the NUL, or MCX_AKA_ESPACE. */
int mcx_aka_ue_state_save(const struct mcx_aka_ue_state *state, char *buf, size_t cap);

/* Parses text of length len written by mcx_aka_ue_state_save() into *state. Unknown keys,
 * missing keys, bad numbers or a wrong slot count give MCX_AKA_EFORMAT; *state is then
 * unchanged. */
int mcx_aka_ue_state_load(struct mcx_aka_ue_state *state, const char *text, size_t len);

/* Writes *state to out in the text format above. Returns 0 or MCX_AKA_EIO/ESPACE. */
int mcx_aka_ue_state_save_file(const struct mcx_aka_ue_state *state, FILE *out);

/* Reads the text format from in (at most MCX_AKA_UE_STATE_TEXT_MAX bytes) into *state. */
int mcx_aka_ue_state_load_file(struct mcx_aka_ue_state *state, FILE *in);

#endif
