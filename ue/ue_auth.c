/* UE side of SIP Digest (AKAv1/AKAv2/MD5); see ue_auth.h. */
#include "ue_auth.h"

#include <stdio.h>
#include <string.h>

#include "core/codec.h"
#include "sip/sip_auth.h"
#include "sip/sip_msg.h"

#define AKA_NONCE_MIN   (MCX_AKA_RAND_LEN + MCX_AKA_AUTN_LEN)
#define AKA_NONCE_MAX   192 /* decoded nonce bytes: RAND || AUTN || server data */
#define PASSWORD_MAX    64  /* AKA passwords: 8-byte RES or 24 base64 characters */
#define AUTS_BASE64_MAX 24  /* 14 bytes in base64 (20 characters) plus the NUL */

int ue_auth_initial(const struct ue_isim *isim, const char *uri, enum mcx_digest_algorithm alg,
                    char *out, size_t cap)
{
    int n = snprintf(out, cap,
                     "Digest username=\"%s\", realm=\"%s\", nonce=\"\", uri=\"%s\", response=\"\", "
                     "algorithm=%s",
                     isim->impi, isim->domain, uri, mcx_digest_algorithm_name(alg));
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

/* Picks the qop from a challenge's qop list: auth preferred, then auth-int, else none. */
static enum mcx_digest_qop choose_qop(struct sip_slice qop_list)
{
    enum mcx_digest_qop best = MCX_DIGEST_QOP_NONE;
    size_t pos = 0;
    struct sip_slice item;
    while (qop_list.p && sip_list_next(qop_list, &pos, &item) == 1) {
        if (sip_slice_ieq(item, "auth"))
            return MCX_DIGEST_QOP_AUTH;
        if (sip_slice_ieq(item, "auth-int"))
            best = MCX_DIGEST_QOP_AUTH_INT;
    }
    return best;
}

/* The digest password for the challenge into pw (cap bytes): from the ISIM for AKA, from
 * params for MD5. Sets answer->kind/sqn/sqn_accepted, and auts (base64) on a resync. Returns
 * the length, or -1 with *reason. */
static int challenge_password(struct ue_isim *isim, const struct sip_digest *d,
                              const struct ue_auth_params *params, struct ue_auth_answer *answer,
                              uint8_t *pw, size_t cap, char auts[AUTS_BASE64_MAX],
                              const char **reason)
{
    if (!answer->aka) {
        if (!params->password) {
            *reason = "MD5 digest challenge but no password configured (--password)";
            return -1;
        }
        size_t len = strlen(params->password);
        if (len > cap) {
            *reason = "password too long";
            return -1;
        }
        memcpy(pw, params->password, len);
        answer->kind = UE_AUTH_RESPONSE;
        return (int)len;
    }
    uint8_t nonce[AKA_NONCE_MAX];
    int nonce_len = d->nonce.len < 4 * ((AKA_NONCE_MAX + 2) / 3)
                        ? mcx_base64_decode(d->nonce.p, d->nonce.len, nonce, sizeof nonce)
                        : -1;
    if (nonce_len < AKA_NONCE_MIN) {
        *reason = "AKA nonce is not base64(RAND || AUTN)";
        return -1;
    }
    struct mcx_aka_ue_result r;
    int rc = ue_isim_authenticate(isim, nonce, nonce + MCX_AKA_RAND_LEN, &r);
    int len = -1;
    switch (rc) {
    case MCX_AKA_CHECK_OK:
        answer->kind = UE_AUTH_RESPONSE;
        answer->sqn = r.sqn;
        answer->sqn_accepted = true;
        len = mcx_digest_aka_password(answer->algorithm, r.res, r.res_len, r.ik, r.ck, false, pw,
                                      cap);
        break;
    case MCX_AKA_CHECK_SYNC_FAILURE:
        answer->kind = UE_AUTH_RESYNC;
        answer->sqn = r.sqn;
        len = 0;
        break;
    case MCX_AKA_CHECK_MAC_FAILURE:
        answer->kind = UE_AUTH_MAC_FAILURE;
        len = 0;
        break;
    default:
        break;
    }
    if (rc == MCX_AKA_CHECK_SYNC_FAILURE &&
        mcx_base64_encode(r.auts, sizeof r.auts, auts, AUTS_BASE64_MAX) < 0)
        len = -1;
    memset(&r, 0, sizeof r);
    if (len < 0)
        *reason = "AKA computation failed";
    return len;
}

int ue_auth_answer(struct ue_isim *isim, struct sip_slice challenge,
                   const struct ue_auth_params *params, struct ue_auth_answer *answer,
                   const char **reason)
{
    memset(answer, 0, sizeof *answer);
    struct sip_digest d;
    if (sip_digest_parse(challenge, &d, reason) != 0)
        return -1;
    if (!d.nonce.p) {
        *reason = "challenge has no nonce";
        return -1;
    }
    if (mcx_digest_algorithm_parse(d.algorithm.p, d.algorithm.len, &answer->algorithm) != 0) {
        *reason = "challenge names an unsupported algorithm";
        return -1;
    }
    answer->aka = answer->algorithm == MCX_DIGEST_ALG_AKAV1_MD5 ||
                  answer->algorithm == MCX_DIGEST_ALG_AKAV2_MD5;
    char nonce[UE_AUTH_TEXT_MAX], opaque[UE_AUTH_TEXT_MAX];
    if ((d.realm.p ? sip_unescape(d.realm, answer->realm, sizeof answer->realm) : 0) < 0 ||
        sip_unescape(d.nonce, nonce, sizeof nonce) < 0 ||
        (d.opaque.p ? sip_unescape(d.opaque, opaque, sizeof opaque) : 0) < 0) {
        *reason = "challenge realm, nonce or opaque too long";
        return -1;
    }
    enum mcx_digest_qop qop = choose_qop(d.qop);

    uint8_t pw[PASSWORD_MAX];
    char auts[AUTS_BASE64_MAX] = "";
    int pw_len = challenge_password(isim, &d, params, answer, pw, sizeof pw, auts, reason);
    if (pw_len < 0)
        return -1;

    char response[MCX_DIGEST_HEX_SIZE] = "";
    char nc[9];
    snprintf(nc, sizeof nc, "%08x", (unsigned)params->nc);
    if (answer->kind != UE_AUTH_MAC_FAILURE) {
        char ha1[MCX_DIGEST_HEX_SIZE], ha2[MCX_DIGEST_HEX_SIZE];
        int rc = mcx_digest_ha1(isim->impi, answer->realm, pw, (size_t)pw_len, ha1);
        if (rc == 0 && answer->algorithm == MCX_DIGEST_ALG_MD5_SESS) {
            char sess[MCX_DIGEST_HEX_SIZE];
            rc = mcx_digest_ha1_sess(ha1, nonce, params->cnonce, sess);
            memcpy(ha1, sess, sizeof ha1);
        }
        if (rc == 0)
            rc = mcx_digest_ha2(params->method, params->uri, qop, NULL, 0, ha2);
        if (rc == 0)
            rc = mcx_digest_response(ha1, nonce, qop, nc, params->cnonce, ha2, response);
        memset(ha1, 0, sizeof ha1);
        if (rc != 0) {
            memset(pw, 0, sizeof pw);
            *reason = "digest computation failed";
            return -1;
        }
    }
    memset(pw, 0, sizeof pw);

    struct sip_writer w;
    sip_writer_init(&w, answer->header, sizeof answer->header);
    sip_writer_printf(&w, "Digest username=\"%s\", realm=\"", isim->impi);
    sip_writer_slice(&w, d.realm);
    sip_writer_str(&w, "\", nonce=\"");
    sip_writer_slice(&w, d.nonce);
    sip_writer_printf(&w, "\", uri=\"%s\", response=\"%s\", algorithm=%s", params->uri, response,
                      mcx_digest_algorithm_name(answer->algorithm));
    if (qop != MCX_DIGEST_QOP_NONE && answer->kind != UE_AUTH_MAC_FAILURE)
        sip_writer_printf(&w, ", qop=%s, nc=%s, cnonce=\"%s\"", mcx_digest_qop_name(qop), nc,
                          params->cnonce);
    if (d.opaque.p) {
        sip_writer_str(&w, ", opaque=\"");
        sip_writer_slice(&w, d.opaque);
        sip_writer_str(&w, "\"");
    }
    if (answer->kind == UE_AUTH_RESYNC)
        sip_writer_printf(&w, ", auts=\"%s\"", auts);
    int len = sip_writer_finish(&w);
    if (len < 0) {
        *reason = "Authorization header too long";
        return -1;
    }
    answer->header_len = (size_t)len;
    return 0;
}
