/* mcx-cscf configuration: the YAML file read with core/config.h (errors name file:line:key;
 * unknown keys are errors).
 *
 *     log: {level: info}
 *     sip:
 *       address: 127.0.20.1          # numeric IPv4 or IPv6
 *       port: 5060
 *       workers: 0                   # 0: one per CPU
 *       tcp: true
 *       tcp_connections: 4096        # TCP connections per worker
 *       tcp_idle_timeout: 600s       # close a TCP connection silent this long (0: never)
 *     registrar:
 *       server_name: sip:scscf.partner.mcx.lab:5060   # S-CSCF name in MAR/SAR (required)
 *       visited_network: partner.mcx.lab              # UAR Visited-Network-Identifier
 *       service_route: "<sip:orig@127.0.20.1:5060;lr>"
 *       min_expires: 60
 *       max_expires: 7200
 *       default_expires: 3600
 *       nonce_ttl: 30s
 *       auth_items: 1                # vectors per MAR (1..8), cached and used one at a time
 *       uar: true                    # I-CSCF UAR before the MAR
 *       shards: 256                  # registration store shards
 *       cx_timeout: 2s               # Diameter answer deadline
 *       cx_peer_wait: 5s             # at start-up, wait this long for each Cx peer
 *     routes:                        # first match wins (required, at least one)
 *       - {match: "*@mig.partner.mcx.lab", realm: partner.mcx.lab, host: mms.partner.mcx.lab}
 *       - {match: "*", realm: partner.mcx.lab, host: hss.partner.mcx.lab}
 *     diameter: {...}                # see cx/cx_config.h
 */
#ifndef CSCF_CONFIG_H
#define CSCF_CONFIG_H

#include <stddef.h>

#include "core/log.h"
#include "cx/diameter.h"
#include "registrar.h"
#include "transport.h"

struct cscf_config {
    enum mcx_log_level log_level;
    struct cscf_transport_config sip;
    struct registrar_config registrar;
    uint32_t shards;
    uint64_t cx_timeout_ms;
    uint64_t cx_peer_wait_ms;
    struct mcx_diameter_config diameter;
};

/* Loads path into *out (defaults for absent keys). Returns 0, or -1 with a
 * "FILE:LINE: key '...': ..." reason in err. */
int cscf_config_load(const char *path, struct cscf_config *out, char *err, size_t err_cap);

/* As cscf_config_load() from YAML text; name is the file name used in errors. */
int cscf_config_parse(const char *name, const char *text, size_t len, struct cscf_config *out,
                      char *err, size_t err_cap);

#endif
