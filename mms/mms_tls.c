/* NNG TLS configuration for the inter-system link (mbed TLS engine of Debian's NNG). */
#include "mms_tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PEM_FILE_MAX (256 * 1024)

bool mms_url_is_tls(const char *url)
{
    return strncmp(url, "tls+", 4) == 0;
}

/* Reads a whole PEM file into a malloc'd NUL-terminated string (*out, caller frees). */
static int read_pem(const char *path, char **out, char *err, size_t err_cap)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t len;
    if (!f) {
        snprintf(err, err_cap, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if ((buf = malloc(PEM_FILE_MAX + 1)) == NULL) {
        fclose(f);
        snprintf(err, err_cap, "out of memory reading %s", path);
        return -1;
    }
    len = fread(buf, 1, PEM_FILE_MAX + 1, f);
    fclose(f);
    if (len == 0 || len > PEM_FILE_MAX) {
        free(buf);
        snprintf(err, err_cap, "%s: %s", path, len ? "file too large" : "empty file");
        return -1;
    }
    buf[len] = '\0';
    *out = buf;
    return 0;
}

int mms_tls_config_new(const struct mms_tls_files *files, bool server, const char *peer_name,
                       nng_tls_config **out, char *err, size_t err_cap)
{
    nng_tls_config *cfg = NULL;
    char *cert = NULL, *key = NULL;
    int rv;

    if (!files->configured) {
        snprintf(err, err_cap, "TLS link without 'link.tls' (cert, key, ca)");
        return -1;
    }
    if ((rv = nng_tls_config_alloc(&cfg, server ? NNG_TLS_MODE_SERVER : NNG_TLS_MODE_CLIENT))) {
        snprintf(err, err_cap, "TLS unavailable: %s", nng_strerror(rv));
        return -1;
    }
    if ((rv = nng_tls_config_version(cfg, NNG_TLS_1_2, NNG_TLS_1_2)) != 0 ||
        (rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED)) != 0) {
        snprintf(err, err_cap, "TLS setup: %s", nng_strerror(rv));
        goto fail;
    }
    if ((rv = nng_tls_config_ca_file(cfg, files->ca)) != 0) {
        snprintf(err, err_cap, "TLS CA %s: %s", files->ca, nng_strerror(rv));
        goto fail;
    }
    if (read_pem(files->cert, &cert, err, err_cap) != 0 ||
        read_pem(files->key, &key, err, err_cap) != 0)
        goto fail;
    if ((rv = nng_tls_config_own_cert(cfg, cert, key, NULL)) != 0) {
        snprintf(err, err_cap, "TLS certificate %s / key %s: %s", files->cert, files->key,
                 nng_strerror(rv));
        goto fail;
    }
    if (!server && peer_name && peer_name[0] &&
        (rv = nng_tls_config_server_name(cfg, peer_name)) != 0) {
        snprintf(err, err_cap, "TLS peer name: %s", nng_strerror(rv));
        goto fail;
    }
    free(cert);
    explicit_bzero(key, strlen(key));
    free(key);
    *out = cfg;
    return 0;
fail:
    free(cert);
    if (key)
        explicit_bzero(key, strlen(key));
    free(key);
    nng_tls_config_free(cfg);
    return -1;
}
