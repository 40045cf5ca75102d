/* mcx-hss configuration file (YAML, core/config.h):
 *
 *     hss:
 *       database: sqlite:/var/lib/mcx/hss.db   # or mongodb://host/db (required)
 *       max_auth_items: 5                       # cap on SIP-Number-Auth-Items, 1-8
 *       digest_qop: auth                        # qop in SIP-Digest-Authenticate
 *       log_level: info                         # debug | info | warn | error
 *       pidfile: /run/mcx-hss.pid               # optional; written once ready
 *     diameter: { ... }                         # cx/cx_config.h
 *
 * Diameter defaults (the lab's primary HSS): identity hss.primary.mcx.lab, realm
 * primary.mcx.lab, 127.0.10.1:3868, TCP without TLS, state_dir /tmp/mcx-hss-<identity>-<port>,
 * and, when neither peers nor accept are configured, accept "*.<realm>". */
#ifndef MCX_HSS_CONFIG_H
#define MCX_HSS_CONFIG_H

#include <stddef.h>

#include "core/log.h"
#include "cx/diameter.h"

#define HSS_DEFAULT_IDENTITY "hss.primary.mcx.lab"
#define HSS_DEFAULT_REALM    "primary.mcx.lab"
#define HSS_DEFAULT_ADDRESS  "127.0.10.1"
#define HSS_DEFAULT_PORT     3868
#define HSS_DEFAULT_ITEMS    5

struct hss_config {
    char database[1024];
    unsigned max_auth_items;
    char digest_qop[32];
    enum mcx_log_level log_level;
    char pidfile[512];
    struct mcx_diameter_config diameter;
};

/* Loads path into *cfg (caller-owned) with the defaults above. Returns 0, or -1 with a
 * "FILE:LINE: ..." reason in err (err_cap bytes). */
int hss_config_load(const char *path, struct hss_config *cfg, char *err, size_t err_cap);

#endif
