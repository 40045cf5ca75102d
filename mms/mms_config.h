/* mcx-mms configuration: the `mms:` section of the YAML file and the shared `diameter:` section
 * (cx/cx_config.h).
 *
 *     mms:
 *       system_id: partner.mcx.lab          # our MC system id (Envelope.origin_system)
 *       database: sqlite:/var/lib/mcx/db    # partner: bindings; primary: subscribers
 *       log_level: info                     # debug | info | warn | error
 *       server_name: sip:scscf.partner.mcx.lab   # partner: S-CSCF named in UAA/LIA when unassigned
 *       partners: [partner.mcx.lab]         # primary: partner systems it serves
 *       hss: {realm: primary.mcx.lab, host: hss.primary.mcx.lab, timeout: 2s}   # primary
 *       link:
 *         listen: tcp://127.0.10.1:7300     # primary: REP listener URL (tcp:// or tls+tcp://)
 *         tls: {cert: own.pem, key: own.key, ca: ca.pem, peer_name: mms.primary.mcx.lab}
 *         max_message: 65536                # Envelope size limit, bytes
 *         contexts: 64                      # primary: REP contexts (requests served at once)
 *         timeout: 2s                       # partner: whole budget of one request
 *         resends: 1                        # partner: resends within that budget
 *         max_in_flight: 1024               # partner: requests in flight per primary system
 *         reconnect_min: 100ms              # partner: redial back-off bounds
 *         reconnect_max: 1s
 *     diameter: {...}                       # cx/cx_config.h
 *
 * link.tls is required for tls+tcp:// URLs; peer verification is always required (a wrong or
 * missing peer certificate is refused); peer_name (partner only, optional) is the name the
 * primary's certificate must carry, by default the host part of the URL.
 * Defaults are the lab topology (DESIGN.md section 5): primary: system primary.mcx.lab, REP on
 * tcp://127.0.10.1:7300, hss {realm primary.mcx.lab, host hss.primary.mcx.lab}, Diameter
 * mms.primary.mcx.lab on 127.0.10.1:3873 with peer hss.primary.mcx.lab at 127.0.10.1:3868;
 * partner: system partner.mcx.lab, Diameter mms.partner.mcx.lab on 127.0.20.1:3870 accepting
 * "*.<realm>" when no peers/accept are given. state_dir defaults to
 * /tmp/mcx-mms-<identity>-<port>. Only mms.database (and, for a primary, mms.partners) must be
 * given.
 *
 * The partner learns each primary's URL from the bindings (primary_mms); TLS settings in
 * link.tls apply to every tls+tcp:// link. */
#ifndef MMS_CONFIG_H
#define MMS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"
#include "cx/diameter.h"

#define MMS_TEXT_MAX     256
#define MMS_PATH_MAX     512
#define MMS_MAX_PARTNERS 16

enum mms_role { MMS_ROLE_PARTNER, MMS_ROLE_PRIMARY };

struct mms_tls_files {
    bool configured;
    char cert[MMS_PATH_MAX];
    char key[MMS_PATH_MAX];
    char ca[MMS_PATH_MAX];
    char peer_name[MMS_TEXT_MAX]; /* partner: name the primary's certificate must carry,
                                     "" = the host of the URL */
};

struct mms_config {
    enum mms_role role;
    char system_id[MMS_TEXT_MAX];
    char database[MMS_PATH_MAX];
    enum mcx_log_level log_level;
    char server_name[MMS_TEXT_MAX]; /* partner; "" = answer with Server-Capabilities */
    char partners[MMS_MAX_PARTNERS][MMS_TEXT_MAX];
    size_t partner_count;
    char hss_realm[MMS_TEXT_MAX];
    char hss_host[MMS_TEXT_MAX]; /* "" = realm routing */
    unsigned hss_timeout_ms;
    char listen_url[MMS_TEXT_MAX];
    struct mms_tls_files tls;
    size_t max_message;
    unsigned contexts;
    unsigned timeout_ms;
    unsigned resends;
    unsigned max_in_flight;
    unsigned reconnect_min_ms;
    unsigned reconnect_max_ms;
    struct mcx_diameter_config diameter;
};

/* Static name of a role ("partner", "primary"). */
const char *mms_role_name(enum mms_role role);

/* Parses "partner" | "primary"; returns 0, or -1 when unknown. */
int mms_role_parse(const char *text, enum mms_role *role);

/* Loads the YAML file at path for role into *cfg (caller-owned; defaults first, then the file).
 * Returns 0, or -1 with a "FILE:LINE: ..." reason in err (err_cap bytes). */
int mms_config_load(const char *path, enum mms_role role, struct mms_config *cfg, char *err,
                    size_t err_cap);

/* Whether system is one of the configured partners (primary role). */
bool mms_config_is_partner(const struct mms_config *cfg, const char *system);

#endif
