/* Internal to lib/cx: pieces of the embedded core setup, one file each. */
#ifndef MCX_CX_DIAMETER_INTERNAL_H
#define MCX_CX_DIAMETER_INTERNAL_H

#include <stddef.h>

#include "cx/diameter.h"

/* Paths of the TLS material handed to freeDiameter. */
struct diameter_tls_paths {
    char cert[MCX_DIAMETER_PATH_MAX];
    char key[MCX_DIAMETER_PATH_MAX];
    char ca[MCX_DIAMETER_PATH_MAX];
    char dh[MCX_DIAMETER_PATH_MAX];
};

/* Writes a throw-away self-signed EC P-256 certificate for identity (CN and DNS SAN), its key
 * (mode 0600) and RFC 7919 ffdhe2048 DH parameters into dir; fills paths (ca = cert).
 * Returns 0, or -1 with a reason in err. */
int diameter_tls_throwaway(const char *dir, const char *identity, struct diameter_tls_paths *paths,
                           char *err, size_t err_len);

/* Writes DH parameters (ffdhe2048) to path; used in TLS mode too so that freeDiameter does not
 * generate its own at start-up. Returns 0, or -1 with err. */
int diameter_tls_write_dh(const char *path, char *err, size_t err_len);

/* Checks cfg (identities, address, ports, paths, timers). Returns 0, or -1 with err. */
int diameter_conf_validate(const struct mcx_diameter_config *cfg, char *err, size_t err_len);

/* Writes the freeDiameter configuration file for cfg to path. Returns 0, or -1 with err. */
int diameter_conf_write(const struct mcx_diameter_config *cfg, const struct diameter_tls_paths *tls,
                        const char *path, char *err, size_t err_len);

/* Routes freeDiameter's logger into core/log.h (call before fd_core_initialize). */
int diameter_log_install(void);

/* Replaces freeDiameter's message-dump hooks by one-line summaries (after initialize). */
int diameter_hooks_install(void);

#endif
