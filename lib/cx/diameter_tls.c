/* Throw-away TLS credentials for freeDiameter when TLS is off (it insists on having some). */
#include "cx/diameter_internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Opens path for writing with the given mode, truncating; NULL on failure. */
static FILE *open_private(const char *path, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w");
    if (!f)
        close(fd);
    return f;
}

int diameter_tls_write_dh(const char *path, char *err, size_t err_len)
{
    int rc = -1;
    EVP_PKEY *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
    OSSL_PARAM group[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"ffdhe2048", 0),
        OSSL_PARAM_construct_end()};
    if (!ctx || EVP_PKEY_paramgen_init(ctx) <= 0 || EVP_PKEY_CTX_set_params(ctx, group) <= 0 ||
        EVP_PKEY_paramgen(ctx, &params) <= 0) {
        snprintf(err, err_len, "cannot create DH parameters");
        goto out;
    }
    FILE *f = open_private(path, 0644);
    if (!f) {
        snprintf(err, err_len, "cannot write %s", path);
        goto out;
    }
    BIO *bio = BIO_new_fp(f, BIO_NOCLOSE);
    int ok = bio && PEM_write_bio_Parameters(bio, params);
    BIO_free(bio);
    if (fclose(f) != 0 || !ok) {
        snprintf(err, err_len, "cannot write %s", path);
        goto out;
    }
    rc = 0;
out:
    EVP_PKEY_free(params);
    EVP_PKEY_CTX_free(ctx);
    return rc;
}

static int add_ext(X509 *cert, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

/* Builds a self-signed certificate for identity valid from yesterday for ten years. */
static X509 *self_signed(EVP_PKEY *key, const char *identity)
{
    X509 *cert = X509_new();
    uint8_t serial[8];
    char san[MCX_DIAMETER_ID_MAX + 8];
    if (!cert || RAND_bytes(serial, sizeof serial) != 1)
        goto fail;
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert))) {
        BN_free(bn);
        goto fail;
    }
    BN_free(bn);
    X509_NAME *name = X509_get_subject_name(cert);
    snprintf(san, sizeof san, "DNS:%s", identity);
    if (!X509_set_version(cert, 2) || !X509_gmtime_adj(X509_getm_notBefore(cert), -86400) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert), 3650L * 86400) || !X509_set_pubkey(cert, key) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)identity, -1,
                                    -1, 0) ||
        !X509_set_issuer_name(cert, name) ||
        add_ext(cert, NID_basic_constraints, "critical,CA:TRUE") != 0 ||
        add_ext(cert, NID_key_usage, "critical,digitalSignature,keyCertSign") != 0 ||
        add_ext(cert, NID_subject_alt_name, san) != 0 || !X509_sign(cert, key, EVP_sha256()))
        goto fail;
    return cert;
fail:
    X509_free(cert);
    return NULL;
}

int diameter_tls_throwaway(const char *dir, const char *identity, struct diameter_tls_paths *paths,
                           char *err, size_t err_len)
{
    int rc = -1;
    X509 *cert = NULL;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    if ((size_t)snprintf(paths->cert, sizeof paths->cert, "%s/throwaway-cert.pem", dir) >=
            sizeof paths->cert ||
        (size_t)snprintf(paths->key, sizeof paths->key, "%s/throwaway-key.pem", dir) >=
            sizeof paths->key ||
        (size_t)snprintf(paths->dh, sizeof paths->dh, "%s/dh-ffdhe2048.pem", dir) >=
            sizeof paths->dh) {
        snprintf(err, err_len, "state_dir path too long");
        goto out;
    }
    memcpy(paths->ca, paths->cert, sizeof paths->ca);
    if (!key || !(cert = self_signed(key, identity))) {
        snprintf(err, err_len, "cannot generate the throw-away certificate");
        goto out;
    }
    FILE *kf = open_private(paths->key, 0600);
    if (!kf) {
        snprintf(err, err_len, "cannot write %s", paths->key);
        goto out;
    }
    int ok = PEM_write_PrivateKey(kf, key, NULL, NULL, 0, NULL, NULL);
    if (fclose(kf) != 0 || !ok) {
        snprintf(err, err_len, "cannot write %s", paths->key);
        goto out;
    }
    FILE *cf = open_private(paths->cert, 0644);
    if (!cf) {
        snprintf(err, err_len, "cannot write %s", paths->cert);
        goto out;
    }
    ok = PEM_write_X509(cf, cert);
    if (fclose(cf) != 0 || !ok) {
        snprintf(err, err_len, "cannot write %s", paths->cert);
        goto out;
    }
    rc = diameter_tls_write_dh(paths->dh, err, err_len);
out:
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}
