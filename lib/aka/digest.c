/* MD5 Digest (RFC 2617/7616) and AKAv1/AKAv2 passwords (RFC 3310/4169); see digest.h. */
#include "aka/digest.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/codec.h"
#include "core/log.h"

#define MD5_LEN 16
#define HEX_LEN 32

static const char akav2_label[] = "http-digest-akav2-password";

static pthread_once_t md5_once = PTHREAD_ONCE_INIT;
static EVP_MD *md5_md; /* fetched once, kept for the life of the process */

static void md5_fetch(void)
{
    md5_md = EVP_MD_fetch(NULL, "MD5", NULL);
}

/* One input to a colon-joined hash. */
struct piece {
    const uint8_t *data;
    size_t len;
};

static struct piece str_piece(const char *s)
{
    return (struct piece){(const uint8_t *)s, strlen(s)};
}

/* MD5 over pieces joined by ':' written as lowercase hex into out_hex. */
static int md5_hex_joined(const struct piece *pieces, size_t n, char out_hex[33])
{
    pthread_once(&md5_once, md5_fetch);
    if (!md5_md)
        return MCX_DIGEST_ECRYPTO;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return MCX_DIGEST_ECRYPTO;
    uint8_t digest[MD5_LEN];
    unsigned digest_len = 0;
    int rc = MCX_DIGEST_ECRYPTO;
    if (EVP_DigestInit_ex2(ctx, md5_md, NULL) != 1)
        goto done;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && EVP_DigestUpdate(ctx, ":", 1) != 1)
            goto done;
        if (pieces[i].len > 0 && EVP_DigestUpdate(ctx, pieces[i].data, pieces[i].len) != 1)
            goto done;
    }
    if (EVP_DigestFinal_ex(ctx, digest, &digest_len) != 1 || digest_len != MD5_LEN)
        goto done;
    if (mcx_hex_encode(digest, MD5_LEN, out_hex, MCX_DIGEST_HEX_SIZE) != HEX_LEN)
        goto done;
    rc = 0;
done:
    EVP_MD_CTX_free(ctx);
    OPENSSL_cleanse(digest, sizeof digest);
    return rc;
}

/* Whether s is exactly 32 hex characters. */
static bool is_digest_hex(const char *s)
{
    if (!s)
        return false;
    for (int i = 0; i < HEX_LEN; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return s[HEX_LEN] == '\0';
}

static const char *const algorithm_names[] = {"MD5", "MD5-sess", "AKAv1-MD5", "AKAv2-MD5"};

int mcx_digest_algorithm_parse(const char *text, size_t len, enum mcx_digest_algorithm *alg)
{
    if (!alg || (len > 0 && !text))
        return MCX_DIGEST_EINVAL;
    if (len == 0) {
        *alg = MCX_DIGEST_ALG_MD5;
        return 0;
    }
    for (size_t i = 0; i < sizeof algorithm_names / sizeof algorithm_names[0]; i++) {
        if (strlen(algorithm_names[i]) == len && strncasecmp(algorithm_names[i], text, len) == 0) {
            *alg = (enum mcx_digest_algorithm)i;
            return 0;
        }
    }
    return MCX_DIGEST_EINVAL;
}

const char *mcx_digest_algorithm_name(enum mcx_digest_algorithm alg)
{
    if ((unsigned)alg >= sizeof algorithm_names / sizeof algorithm_names[0])
        return "unknown";
    return algorithm_names[alg];
}

const char *mcx_digest_qop_name(enum mcx_digest_qop qop)
{
    switch (qop) {
    case MCX_DIGEST_QOP_AUTH:
        return "auth";
    case MCX_DIGEST_QOP_AUTH_INT:
        return "auth-int";
    default:
        return NULL;
    }
}

int mcx_digest_ha1(const char *user, const char *realm, const uint8_t *password,
                   size_t password_len, char out_hex[33])
{
    if (!user || !realm || (!password && password_len > 0) || !out_hex)
        return MCX_DIGEST_EINVAL;
    struct piece pieces[3] = {str_piece(user), str_piece(realm), {password, password_len}};
    int rc = md5_hex_joined(pieces, 3, out_hex);
    if (rc == 0)
        MCX_DEBUG("digest_ha1", "user=%s realm=\"%s\"", user, realm);
    return rc;
}

int mcx_digest_ha1_sess(const char *ha1_hex, const char *nonce, const char *cnonce,
                        char out_hex[33])
{
    if (!is_digest_hex(ha1_hex) || !nonce || !cnonce || !out_hex)
        return MCX_DIGEST_EINVAL;
    struct piece pieces[3] = {str_piece(ha1_hex), str_piece(nonce), str_piece(cnonce)};
    return md5_hex_joined(pieces, 3, out_hex);
}

int mcx_digest_ha2(const char *method, const char *uri, enum mcx_digest_qop qop,
                   const uint8_t *body, size_t body_len, char out_hex[33])
{
    if (!method || !uri || !out_hex || (!body && body_len > 0))
        return MCX_DIGEST_EINVAL;
    if (qop != MCX_DIGEST_QOP_AUTH_INT) {
        struct piece pieces[2] = {str_piece(method), str_piece(uri)};
        return md5_hex_joined(pieces, 2, out_hex);
    }
    char body_hex[MCX_DIGEST_HEX_SIZE];
    struct piece body_piece = {body, body_len};
    int rc = md5_hex_joined(&body_piece, 1, body_hex);
    if (rc != 0)
        return rc;
    struct piece pieces[3] = {str_piece(method), str_piece(uri), str_piece(body_hex)};
    return md5_hex_joined(pieces, 3, out_hex);
}

int mcx_digest_response(const char *ha1_hex, const char *nonce, enum mcx_digest_qop qop,
                        const char *nc, const char *cnonce, const char *ha2_hex, char out_hex[33])
{
    if (!is_digest_hex(ha1_hex) || !is_digest_hex(ha2_hex) || !nonce || !out_hex)
        return MCX_DIGEST_EINVAL;
    if (qop == MCX_DIGEST_QOP_NONE) {
        struct piece pieces[3] = {str_piece(ha1_hex), str_piece(nonce), str_piece(ha2_hex)};
        return md5_hex_joined(pieces, 3, out_hex);
    }
    const char *qop_name = mcx_digest_qop_name(qop);
    if (!qop_name || !nc || !cnonce)
        return MCX_DIGEST_EINVAL;
    struct piece pieces[6] = {str_piece(ha1_hex), str_piece(nonce),    str_piece(nc),
                              str_piece(cnonce),  str_piece(qop_name), str_piece(ha2_hex)};
    return md5_hex_joined(pieces, 6, out_hex);
}

int mcx_digest_rspauth(const char *ha1_hex, const char *nonce, enum mcx_digest_qop qop,
                       const char *nc, const char *cnonce, const char *uri, const uint8_t *body,
                       size_t body_len, char out_hex[33])
{
    char ha2[MCX_DIGEST_HEX_SIZE];
    int rc = mcx_digest_ha2("", uri, qop, body, body_len, ha2);
    if (rc != 0)
        return rc;
    return mcx_digest_response(ha1_hex, nonce, qop, nc, cnonce, ha2, out_hex);
}

int mcx_digest_aka_password(enum mcx_digest_algorithm alg, const uint8_t *res, size_t res_len,
                            const uint8_t ik[16], const uint8_t ck[16], bool auts, uint8_t *out,
                            size_t cap)
{
    if (alg != MCX_DIGEST_ALG_AKAV1_MD5 && alg != MCX_DIGEST_ALG_AKAV2_MD5)
        return MCX_DIGEST_EINVAL;
    if (!out && cap > 0)
        return MCX_DIGEST_EINVAL;
    if (auts) {
        if (cap > 0)
            out[0] = '\0';
        return 0;
    }
    if (!res || res_len == 0 || res_len > 16)
        return MCX_DIGEST_EINVAL;
    if (alg == MCX_DIGEST_ALG_AKAV1_MD5) {
        if (cap < res_len)
            return MCX_DIGEST_ESPACE;
        memcpy(out, res, res_len);
        return (int)res_len;
    }
    if (!ik || !ck)
        return MCX_DIGEST_EINVAL;
    if (cap < MCX_DIGEST_AKAV2_PASSWORD_SIZE)
        return MCX_DIGEST_ESPACE;
    pthread_once(&md5_once, md5_fetch);
    if (!md5_md)
        return MCX_DIGEST_ECRYPTO;
    uint8_t key[16 + 16 + 16], mac[MD5_LEN];
    unsigned mac_len = 0;
    size_t key_len = 0;
    memcpy(key, res, res_len);
    key_len += res_len;
    memcpy(key + key_len, ik, 16);
    key_len += 16;
    memcpy(key + key_len, ck, 16);
    key_len += 16;
    int rc = MCX_DIGEST_ECRYPTO;
    if (HMAC(md5_md, key, (int)key_len, (const uint8_t *)akav2_label, sizeof akav2_label - 1, mac,
             &mac_len) &&
        mac_len == MD5_LEN) {
        int len = mcx_base64_encode(mac, MD5_LEN, (char *)out, cap);
        rc = len < 0 ? MCX_DIGEST_ESPACE : len;
    }
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(mac, sizeof mac);
    return rc;
}

int mcx_digest_aka_ha1(enum mcx_digest_algorithm alg, const char *user, const char *realm,
                       const uint8_t *res, size_t res_len, const uint8_t ik[16],
                       const uint8_t ck[16], bool auts, char out_hex[33])
{
    uint8_t password[MCX_DIGEST_AKAV2_PASSWORD_SIZE];
    int len = mcx_digest_aka_password(alg, res, res_len, ik, ck, auts, password, sizeof password);
    if (len < 0)
        return len;
    int rc = mcx_digest_ha1(user, realm, password, (size_t)len, out_hex);
    OPENSSL_cleanse(password, sizeof password);
    return rc;
}

bool mcx_digest_equal(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    size_t len = strlen(a);
    if (strlen(b) != len)
        return false;
    return CRYPTO_memcmp(a, b, len) == 0;
}
