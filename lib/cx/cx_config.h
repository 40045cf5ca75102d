/* The `diameter:` section of a daemon's YAML configuration (core/config.h), read into the
 * struct mcx_diameter_config that mcx_diameter_init() takes (cx/diameter.h).
 *
 *     diameter:
 *       identity: hss.primary.mcx.lab      # Origin-Host
 *       realm: primary.mcx.lab             # Origin-Realm
 *       address: 127.0.10.1                # the only address we listen on (numeric)
 *       port: 3868
 *       state_dir: /tmp/mcx-hss            # holds the generated freeDiameter.conf
 *       extension_dir: /usr/lib/freeDiameter
 *       watchdog: 30s                      # Tw, whole seconds >= 6
 *       reconnect: 5s                      # Tc, whole seconds >= 1
 *       tls: {enabled: false, cert: c.pem, key: k.pem, ca: ca.pem}
 *       peers:                             # peers we connect to
 *         - {identity: hss.primary.mcx.lab, address: 127.0.10.1, port: 3868}
 *       accept: ["*.primary.mcx.lab"]      # inbound allow-list (identity or "*.realm")
 *
 * Every key is optional here: the caller presets its own defaults in *out (after
 * mcx_diameter_config_defaults()) and keys present in the file override them. Unknown keys, bad
 * values and missing keys inside tls (when enabled) and peers entries are errors naming
 * file:line and the key path. Whether the result is complete (identity, address...) is
 * checked by mcx_diameter_init(). */
#ifndef MCX_CX_CONFIG_H
#define MCX_CX_CONFIG_H

#include <stddef.h>

#include "core/config.h"
#include "cx/diameter.h"

/* Overrides fields of *out with the keys of section (a `diameter:` map; NULL = absent, nothing
 * changes). Returns 0, or -1 with a "FILE:LINE: key '...': ..." reason in err (err_cap bytes);
 * *out may then be partly updated. */
int mcx_cx_config_parse(const struct mcx_config_node *section, struct mcx_diameter_config *out,
                        char *err, size_t err_cap);

#endif
