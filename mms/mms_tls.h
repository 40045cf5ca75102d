/* NNG TLS configuration for the inter-system link: mutual certificates, peer verification
 * required on both sides. */
#ifndef MMS_TLS_H
#define MMS_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "mms_config.h"

/* Builds a TLS configuration (server: listener, else: dialer) from the PEM files in files: CA,
 * own certificate and key, verification of the peer required, TLS 1.2+. peer_name (dialer, may
 * be NULL or "") is the name the server certificate must match. On success *out is owned by the
 * caller (nng_tls_config_free after handing it to NNG). Returns 0, or -1 with a reason in err. */
int mms_tls_config_new(const struct mms_tls_files *files, bool server, const char *peer_name,
                       nng_tls_config **out, char *err, size_t err_cap);

/* Whether url uses the TLS transport (tls+tcp://, tls+tcp4://, tls+tcp6://). */
bool mms_url_is_tls(const char *url);

#endif
