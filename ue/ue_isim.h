/* ISIM stand-in of mcx-ue: the private and public identity, the home domain, the Milenage keys
 * (K, OPc, AMF) and the SEQ_MS array of TS 33.102 Annex C.2, kept in a state file so that SQN
 * freshness holds across runs. For migration (TS 23.280 10.1.6.2) it simply holds the partner
 * identities. Nothing here logs K, OP or OPc. */
#ifndef MCX_UE_ISIM_H
#define MCX_UE_ISIM_H

#include <stddef.h>
#include <stdint.h>

#include "aka/aka.h"

#define UE_IDENTITY_MAX 256  /* IMPI, IMPU, domain, each including the NUL */
#define UE_PATH_MAX     1024 /* state file path including the NUL */

struct ue_isim {
    char impi[UE_IDENTITY_MAX];   /* "alice@mig.partner.mcx.lab" */
    char impu[UE_IDENTITY_MAX];   /* "sip:alice@mig.partner.mcx.lab" */
    char domain[UE_IDENTITY_MAX]; /* home domain: registrar "sip:DOMAIN" and digest realm */
    uint8_t k[MCX_MILENAGE_KEY_LEN];
    uint8_t opc[MCX_MILENAGE_KEY_LEN];
    uint8_t amf[MCX_MILENAGE_AMF_LEN];
    struct mcx_aka_ue_state sqn;  /* SEQ_MS per IND slot */
    char state_path[UE_PATH_MAX]; /* "" = SQN state kept in memory only */
};

/* Clears *isim (no identity, zero keys, fresh SQN state, no state file). */
void ue_isim_init(struct ue_isim *isim);

/* Sets the identities. impu NULL/"" gives "sip:IMPI"; domain NULL/"" gives the part of the IMPI
 * after '@'. Returns 0, or -1 with a one-line reason in err (cap bytes). */
int ue_isim_set_identity(struct ue_isim *isim, const char *impi, const char *impu,
                         const char *domain, char *err, size_t err_cap);

/* Sets K and OPc from hex: exactly one of op_hex / opc_hex (OPc is then derived from OP);
 * amf_hex NULL gives "8000". Returns 0, or -1 with a reason in err that never echoes a key. */
int ue_isim_set_keys(struct ue_isim *isim, const char *k_hex, const char *op_hex,
                     const char *opc_hex, const char *amf_hex, char *err, size_t err_cap);

/* Loads the SQN state from path and remembers path for ue_isim_state_save(). A missing file
 * gives a fresh state (it is created on the first save). Returns 0, or -1 with err filled
 * (unreadable or malformed file). */
int ue_isim_state_load(struct ue_isim *isim, const char *path, char *err, size_t err_cap);

/* Writes the SQN state atomically (PATH.tmp.PID, fsync, rename) to the remembered path; a no-op
 * when there is none. Returns 0, or -1 with err filled. */
int ue_isim_state_save(const struct ue_isim *isim, char *err, size_t err_cap);

/* Runs the USIM side of AKA on a challenge (MAC-A, then SQN freshness): see mcx_aka_ue_check().
 * Returns an enum mcx_aka_check (result caller-owned) or a negative mcx_aka_error. */
int ue_isim_authenticate(struct ue_isim *isim, const uint8_t rand[MCX_AKA_RAND_LEN],
                         const uint8_t autn[MCX_AKA_AUTN_LEN], struct mcx_aka_ue_result *result);

#endif
