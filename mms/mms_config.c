/* mcx-mms configuration: defaults, the `mms:` section and the shared `diameter:` section. */
#include "mms_config.h"

#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "cx/cx_config.h"

const char *mms_role_name(enum mms_role role)
{
    return role == MMS_ROLE_PRIMARY ? "primary" : "partner";
}

int mms_role_parse(const char *text, enum mms_role *role)
{
    if (strcmp(text, "partner") == 0)
        *role = MMS_ROLE_PARTNER;
    else if (strcmp(text, "primary") == 0)
        *role = MMS_ROLE_PRIMARY;
    else
        return -1;
    return 0;
}

bool mms_config_is_partner(const struct mms_config *cfg, const char *system)
{
    for (size_t i = 0; i < cfg->partner_count; i++)
        if (strcmp(cfg->partners[i], system) == 0)
            return true;
    return false;
}

/* Reads a duration key in milliseconds within min..max into *out (unsigned). */
static int get_ms(const struct mcx_config_node *map, const char *key, uint64_t min, uint64_t max,
                  unsigned *out, char *err, size_t err_cap)
{
    uint64_t ms = *out;
    int rc = mcx_config_get_duration_ms(map, key, min, max, &ms, err, err_cap);
    if (rc == 1)
        *out = (unsigned)ms;
    return rc;
}

static void set_defaults(struct mms_config *cfg, enum mms_role role)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->role = role;
    cfg->log_level = MCX_LOG_INFO;
    cfg->hss_timeout_ms = 2000;
    cfg->max_message = 64 * 1024;
    cfg->contexts = 64;
    cfg->timeout_ms = 2000;
    cfg->resends = 1;
    cfg->max_in_flight = 1024;
    cfg->reconnect_min_ms = 100;
    cfg->reconnect_max_ms = 1000;
    mcx_diameter_config_defaults(&cfg->diameter);
    /* The lab topology (DESIGN.md section 5); the file overrides any of it. */
    struct mcx_diameter_config *d = &cfg->diameter;
    if (role == MMS_ROLE_PRIMARY) {
        snprintf(cfg->system_id, sizeof cfg->system_id, "primary.mcx.lab");
        snprintf(cfg->hss_realm, sizeof cfg->hss_realm, "primary.mcx.lab");
        snprintf(cfg->hss_host, sizeof cfg->hss_host, "hss.primary.mcx.lab");
        snprintf(cfg->listen_url, sizeof cfg->listen_url, "tcp://127.0.10.1:7300");
        snprintf(d->identity, sizeof d->identity, "mms.primary.mcx.lab");
        snprintf(d->realm, sizeof d->realm, "primary.mcx.lab");
        snprintf(d->listen_address, sizeof d->listen_address, "127.0.10.1");
        d->listen_port = 3873;
        mcx_diameter_config_add_peer(d, "hss.primary.mcx.lab", "127.0.10.1", 3868);
    } else {
        snprintf(cfg->system_id, sizeof cfg->system_id, "partner.mcx.lab");
        snprintf(d->identity, sizeof d->identity, "mms.partner.mcx.lab");
        snprintf(d->realm, sizeof d->realm, "partner.mcx.lab");
        snprintf(d->listen_address, sizeof d->listen_address, "127.0.20.1");
        d->listen_port = 3870;
    }
}

/* Defaults that depend on the parsed Diameter section: the state directory and, for a partner
 * that names no peers, the inbound allow-list "*.<realm>" (its SIP core). */
static int finish_diameter(struct mms_config *cfg, const char *path, char *err, size_t err_cap)
{
    struct mcx_diameter_config *d = &cfg->diameter;
    if (!d->state_dir[0] &&
        (size_t)snprintf(d->state_dir, sizeof d->state_dir, "/tmp/mcx-mms-%s-%u", d->identity,
                         (unsigned)d->listen_port) >= sizeof d->state_dir) {
        snprintf(err, err_cap, "%s: diameter.identity is too long for the default state_dir", path);
        return -1;
    }
    if (cfg->role == MMS_ROLE_PARTNER && d->peer_count == 0 && d->accept_count == 0) {
        char pattern[MCX_DIAMETER_ID_MAX];
        if ((size_t)snprintf(pattern, sizeof pattern, "*.%s", d->realm) >= sizeof pattern ||
            mcx_diameter_config_add_accept(d, pattern) != 0) {
            snprintf(err, err_cap, "%s: diameter.realm is too long for the default accept", path);
            return -1;
        }
    }
    return 0;
}

static int parse_tls(const struct mcx_config_node *link, struct mms_tls_files *tls, char *err,
                     size_t err_cap)
{
    static const char *const keys[] = {"cert", "key", "ca", "peer_name", NULL};
    static const char *const required[] = {"cert", "key", "ca", NULL};
    const struct mcx_config_node *node = NULL;
    int rc = mcx_config_get_map(link, "tls", &node, err, err_cap);
    if (rc <= 0)
        return rc;
    if (mcx_config_check_keys(node, keys, required, err, err_cap) != 0)
        return -1;
    if (mcx_config_get_text(node, "cert", tls->cert, sizeof tls->cert, err, err_cap) < 0 ||
        mcx_config_get_text(node, "key", tls->key, sizeof tls->key, err, err_cap) < 0 ||
        mcx_config_get_text(node, "ca", tls->ca, sizeof tls->ca, err, err_cap) < 0 ||
        mcx_config_get_text(node, "peer_name", tls->peer_name, sizeof tls->peer_name, err,
                            err_cap) < 0)
        return -1;
    tls->configured = true;
    return 1;
}

static int parse_link(const struct mcx_config_node *mms, struct mms_config *cfg, char *err,
                      size_t err_cap)
{
    static const char *const keys[] = {"listen",        "tls",     "max_message",   "contexts",
                                       "timeout",       "resends", "max_in_flight", "reconnect_min",
                                       "reconnect_max", NULL};
    const struct mcx_config_node *link = NULL;
    uint32_t value;
    if (mcx_config_get_map(mms, "link", &link, err, err_cap) < 0)
        return -1;
    if (mcx_config_check_keys(link, keys, NULL, err, err_cap) != 0)
        return -1;
    if (mcx_config_get_text(link, "listen", cfg->listen_url, sizeof cfg->listen_url, err, err_cap) <
            0 ||
        parse_tls(link, &cfg->tls, err, err_cap) < 0)
        return -1;
    value = (uint32_t)cfg->max_message;
    if (mcx_config_get_u32(link, "max_message", 1024, 16u * 1024 * 1024, &value, err, err_cap) < 0)
        return -1;
    cfg->max_message = value;
    if (mcx_config_get_u32(link, "contexts", 1, 4096, &cfg->contexts, err, err_cap) < 0 ||
        get_ms(link, "timeout", 10, 600000, &cfg->timeout_ms, err, err_cap) < 0 ||
        mcx_config_get_u32(link, "resends", 0, 100, &cfg->resends, err, err_cap) < 0 ||
        mcx_config_get_u32(link, "max_in_flight", 1, 65536, &cfg->max_in_flight, err, err_cap) <
            0 ||
        get_ms(link, "reconnect_min", 1, 60000, &cfg->reconnect_min_ms, err, err_cap) < 0 ||
        get_ms(link, "reconnect_max", 1, 600000, &cfg->reconnect_max_ms, err, err_cap) < 0)
        return -1;
    if (cfg->reconnect_max_ms < cfg->reconnect_min_ms)
        return mcx_config_errorf(mcx_config_lookup(link, "reconnect_max"), err, err_cap,
                                 "must not be below reconnect_min");
    return 0;
}

static int parse_hss(const struct mcx_config_node *mms, struct mms_config *cfg, char *err,
                     size_t err_cap)
{
    static const char *const keys[] = {"realm", "host", "timeout", NULL};
    const struct mcx_config_node *hss = NULL;
    int rc = mcx_config_get_map(mms, "hss", &hss, err, err_cap);
    if (rc <= 0)
        return rc;
    if (mcx_config_check_keys(hss, keys, NULL, err, err_cap) != 0 ||
        mcx_config_get_text(hss, "realm", cfg->hss_realm, sizeof cfg->hss_realm, err, err_cap) <
            0 ||
        mcx_config_get_text(hss, "host", cfg->hss_host, sizeof cfg->hss_host, err, err_cap) < 0 ||
        get_ms(hss, "timeout", 10, 600000, &cfg->hss_timeout_ms, err, err_cap) < 0)
        return -1;
    return 0;
}

static int parse_partners(const struct mcx_config_node *mms, struct mms_config *cfg, char *err,
                          size_t err_cap)
{
    const char *list[MMS_MAX_PARTNERS];
    size_t count = 0;
    if (mcx_config_get_strings(mms, "partners", list, MMS_MAX_PARTNERS, &count, err, err_cap) < 0)
        return -1;
    for (size_t i = 0; i < count; i++) {
        if (strlen(list[i]) == 0 || strlen(list[i]) >= MMS_TEXT_MAX)
            return mcx_config_errorf(mcx_config_lookup(mms, "partners"), err, err_cap,
                                     "partner system id must be 1-%d characters", MMS_TEXT_MAX - 1);
        memcpy(cfg->partners[i], list[i], strlen(list[i]) + 1);
    }
    cfg->partner_count = count;
    return 0;
}

/* Role-specific completeness checks once everything is read. */
static int check_role(const struct mcx_config_node *mms, struct mms_config *cfg, char *err,
                      size_t err_cap)
{
    if (cfg->role == MMS_ROLE_PRIMARY) {
        if (cfg->listen_url[0] == '\0')
            return mcx_config_errorf(mms, err, err_cap,
                                     "the primary role needs 'mms.link.listen' (its REP URL)");
        if (cfg->hss_realm[0] == '\0')
            return mcx_config_errorf(mms, err, err_cap, "the primary role needs 'mms.hss.realm'");
        if (cfg->partner_count == 0)
            return mcx_config_errorf(mms, err, err_cap,
                                     "the primary role needs 'mms.partners' (systems it serves)");
    }
    if (strncmp(cfg->listen_url, "tls+", 4) == 0 && !cfg->tls.configured)
        return mcx_config_errorf(mms, err, err_cap, "a tls+tcp:// listen URL needs 'link.tls'");
    return 0;
}

int mms_config_load(const char *path, enum mms_role role, struct mms_config *cfg, char *err,
                    size_t err_cap)
{
    static const char *const top_keys[] = {"mms", "diameter", NULL};
    static const char *const mms_keys[] = {"system_id", "database", "log_level", "server_name",
                                           "partners",  "hss",      "link",      NULL};
    static const char *const mms_required[] = {"database", NULL};
    static const char *const top_required[] = {"mms", NULL};
    struct mcx_config *file;
    const struct mcx_config_node *root, *mms = NULL, *diameter = NULL;
    const char *level = NULL;
    int rc = -1;

    set_defaults(cfg, role);
    if ((file = mcx_config_load_file(path, err, err_cap)) == NULL)
        return -1;
    root = mcx_config_root(file);
    if (mcx_config_check_keys(root, top_keys, top_required, err, err_cap) != 0 ||
        mcx_config_get_map(root, "mms", &mms, err, err_cap) < 0 ||
        mcx_config_get_map(root, "diameter", &diameter, err, err_cap) < 0 ||
        mcx_config_check_keys(mms, mms_keys, mms_required, err, err_cap) != 0)
        goto out;
    if (mcx_config_get_text(mms, "system_id", cfg->system_id, sizeof cfg->system_id, err, err_cap) <
            0 ||
        mcx_config_get_text(mms, "database", cfg->database, sizeof cfg->database, err, err_cap) <
            0 ||
        mcx_config_get_text(mms, "server_name", cfg->server_name, sizeof cfg->server_name, err,
                            err_cap) < 0 ||
        mcx_config_get_string(mms, "log_level", &level, err, err_cap) < 0)
        goto out;
    if (level && mcx_log_level_parse(level, &cfg->log_level) != 0) {
        mcx_config_errorf(mcx_config_lookup(mms, "log_level"), err, err_cap,
                          "expected debug, info, warn or error");
        goto out;
    }
    if (parse_partners(mms, cfg, err, err_cap) != 0 || parse_hss(mms, cfg, err, err_cap) != 0 ||
        parse_link(mms, cfg, err, err_cap) != 0 || check_role(mms, cfg, err, err_cap) != 0 ||
        mcx_cx_config_parse(diameter, &cfg->diameter, err, err_cap) != 0 ||
        finish_diameter(cfg, path, err, err_cap) != 0)
        goto out;
    rc = 0;
out:
    mcx_config_free(file);
    return rc;
}
