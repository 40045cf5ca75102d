/* NNG sockets of the conformance suite: REQ (acting as a partner) and REP (acting as a
 * primary), plain TCP or TLS with mutual certificates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

#include "conf.h"

/* Reads a PEM file into a malloc'd string (caller frees); NULL on failure. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long len;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && len < 1024 * 1024 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)len + 1)) != NULL) {
        if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
            free(buf);
            buf = NULL;
        } else {
            buf[len] = '\0';
        }
    }
    fclose(f);
    return buf;
}

/* TLS configuration from the options: CA required; own cert/key when given. */
static int tls_config(const struct conf_options *opt, bool server, nng_tls_config **out, char *why,
                      size_t why_cap)
{
    nng_tls_config *cfg;
    char *cert = NULL, *key = NULL;
    int rv;
    if (!opt->tls_ca[0])
        return conf_fail(why, why_cap, "a tls+tcp:// URL needs --tls-ca");
    if ((rv = nng_tls_config_alloc(&cfg, server ? NNG_TLS_MODE_SERVER : NNG_TLS_MODE_CLIENT)))
        return conf_fail(why, why_cap, "TLS: %s", nng_strerror(rv));
    if ((rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED)) != 0 ||
        (rv = nng_tls_config_ca_file(cfg, opt->tls_ca)) != 0) {
        nng_tls_config_free(cfg);
        return conf_fail(why, why_cap, "TLS CA %s: %s", opt->tls_ca, nng_strerror(rv));
    }
    if (opt->tls_cert[0]) {
        cert = read_file(opt->tls_cert);
        key = read_file(opt->tls_key);
        rv = (cert && key) ? nng_tls_config_own_cert(cfg, cert, key, NULL) : NNG_ENOENT;
        free(cert);
        free(key);
        if (rv != 0) {
            nng_tls_config_free(cfg);
            return conf_fail(why, why_cap, "TLS certificate/key: %s", nng_strerror(rv));
        }
    }
    if (!server && opt->tls_peer_name[0])
        nng_tls_config_server_name(cfg, opt->tls_peer_name);
    *out = cfg;
    return 0;
}

bool conf_url_is_tls(const char *url)
{
    return strncmp(url, "tls+", 4) == 0;
}

int conf_req_open(const struct conf_options *opt, nng_socket *sock, char *why, size_t why_cap)
{
    nng_dialer dialer;
    int rv;
    if ((rv = nng_req0_open(sock)) != 0)
        return conf_fail(why, why_cap, "REQ socket: %s", nng_strerror(rv));
    nng_socket_set_ms(*sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
    nng_socket_set_ms(*sock, NNG_OPT_RECONNMINT, 50);
    nng_socket_set_ms(*sock, NNG_OPT_RECONNMAXT, 200);
    nng_socket_set_size(*sock, NNG_OPT_RECVMAXSZ, 4 * 1024 * 1024);
    if ((rv = nng_dialer_create(&dialer, *sock, opt->url)) != 0) {
        nng_close(*sock);
        return conf_fail(why, why_cap, "dial %s: %s", opt->url, nng_strerror(rv));
    }
    if (conf_url_is_tls(opt->url)) {
        nng_tls_config *tls;
        if (tls_config(opt, false, &tls, why, why_cap) != 0) {
            nng_close(*sock);
            return -1;
        }
        nng_dialer_set_ptr(dialer, NNG_OPT_TLS_CONFIG, tls);
        nng_tls_config_free(tls);
    }
    if ((rv = nng_dialer_start(dialer, NNG_FLAG_NONBLOCK)) != 0) {
        nng_close(*sock);
        return conf_fail(why, why_cap, "dial %s: %s", opt->url, nng_strerror(rv));
    }
    return 0;
}

int conf_rep_open(const struct conf_options *opt, nng_socket *sock, char *why, size_t why_cap)
{
    nng_listener listener;
    int rv;
    if ((rv = nng_rep0_open(sock)) != 0)
        return conf_fail(why, why_cap, "REP socket: %s", nng_strerror(rv));
    nng_socket_set_size(*sock, NNG_OPT_RECVMAXSZ, 4 * 1024 * 1024);
    if ((rv = nng_listener_create(&listener, *sock, opt->url)) != 0) {
        nng_close(*sock);
        return conf_fail(why, why_cap, "listen %s: %s", opt->url, nng_strerror(rv));
    }
    if (conf_url_is_tls(opt->url)) {
        nng_tls_config *tls;
        if (tls_config(opt, true, &tls, why, why_cap) != 0) {
            nng_close(*sock);
            return -1;
        }
        nng_listener_set_ptr(listener, NNG_OPT_TLS_CONFIG, tls);
        nng_tls_config_free(tls);
    }
    if ((rv = nng_listener_start(listener, 0)) != 0) {
        nng_close(*sock);
        return conf_fail(why, why_cap, "listen %s: %s", opt->url, nng_strerror(rv));
    }
    return 0;
}

int conf_req_call(nng_socket sock, const uint8_t *data, size_t len, unsigned wait_ms,
                  nng_msg **reply)
{
    nng_ctx ctx;
    nng_aio *aio;
    nng_msg *msg;
    int rv;
    *reply = NULL;
    if ((rv = nng_ctx_open(&ctx, sock)) != 0)
        return rv;
    if ((rv = nng_aio_alloc(&aio, NULL, NULL)) != 0) {
        nng_ctx_close(ctx);
        return rv;
    }
    if ((rv = nng_msg_alloc(&msg, len)) != 0)
        goto out;
    memcpy(nng_msg_body(msg), data, len);
    nng_aio_set_msg(aio, msg);
    nng_aio_set_timeout(aio, (nng_duration)wait_ms);
    nng_ctx_send(ctx, aio);
    nng_aio_wait(aio);
    if ((rv = nng_aio_result(aio)) != 0) {
        nng_msg_free(nng_aio_get_msg(aio));
        goto out;
    }
    nng_aio_set_timeout(aio, (nng_duration)wait_ms);
    nng_ctx_recv(ctx, aio);
    nng_aio_wait(aio);
    if ((rv = nng_aio_result(aio)) == 0)
        *reply = nng_aio_get_msg(aio);
out:
    nng_aio_free(aio);
    nng_ctx_close(ctx);
    return rv;
}
