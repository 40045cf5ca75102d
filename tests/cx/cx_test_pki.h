/* A throw-away PKI for the TLS variant of the live Cx test: one CA and, per Diameter identity,
 * a P-256 certificate (CN and DNS SAN = identity) signed by it. Written with OpenSSL into a
 * directory as ca.pem, <identity>-cert.pem and <identity>-key.pem. */
#ifndef MCX_TEST_CX_PKI_H
#define MCX_TEST_CX_PKI_H

#include <stdio.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static int pki_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

/* A certificate for cn with key, signed by issuer_key (issuer NULL: self-signed CA). */
static X509 *pki_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
                      long serial)
{
    char san[300];
    X509 *cert = X509_new();
    if (!cert)
        return NULL;
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    snprintf(san, sizeof san, "DNS:%s", cn);
    if (!X509_set_version(cert, 2) || !ASN1_INTEGER_set(X509_get_serialNumber(cert), serial) ||
        !X509_gmtime_adj(X509_getm_notBefore(cert), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert), 86400) || !X509_set_pubkey(cert, key) ||
        !X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name) ||
        pki_ext(cert, issuer ? issuer : cert, NID_basic_constraints,
                issuer ? "critical,CA:FALSE" : "critical,CA:TRUE") != 0 ||
        pki_ext(cert, issuer ? issuer : cert, NID_key_usage,
                issuer ? "critical,digitalSignature" : "critical,keyCertSign,cRLSign") != 0 ||
        (issuer && pki_ext(cert, issuer, NID_ext_key_usage, "serverAuth,clientAuth") != 0) ||
        (issuer && pki_ext(cert, issuer, NID_subject_alt_name, san) != 0) ||
        !X509_sign(cert, issuer_key, EVP_sha256())) {
        X509_free(cert);
        return NULL;
    }
    return cert;
}

static int pki_write(const char *path, X509 *cert, EVP_PKEY *key)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok =
        cert ? PEM_write_X509(f, cert) : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* Writes the CA and one certificate per identity into dir. Returns 0, or -1. */
static int pki_make(const char *dir, const char *const *identities, int count)
{
    char path[700];
    int rc = -1;
    EVP_PKEY *ca_key = EVP_EC_gen("P-256");
    X509 *ca = ca_key ? pki_cert("Test Cx CA", ca_key, NULL, ca_key, 1) : NULL;
    snprintf(path, sizeof path, "%s/ca.pem", dir);
    if (!ca || pki_write(path, ca, NULL) != 0)
        goto out;
    for (int i = 0; i < count; i++) {
        EVP_PKEY *key = EVP_EC_gen("P-256");
        X509 *cert = key ? pki_cert(identities[i], key, ca, ca_key, 2 + i) : NULL;
        int ok = cert != NULL;
        snprintf(path, sizeof path, "%s/%s-cert.pem", dir, identities[i]);
        ok = ok && pki_write(path, cert, NULL) == 0;
        snprintf(path, sizeof path, "%s/%s-key.pem", dir, identities[i]);
        ok = ok && pki_write(path, NULL, key) == 0;
        X509_free(cert);
        EVP_PKEY_free(key);
        if (!ok)
            goto out;
    }
    rc = 0;
out:
    X509_free(ca);
    EVP_PKEY_free(ca_key);
    return rc;
}

#endif
