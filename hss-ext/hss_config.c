/* mcx-hss configuration file; see hss_config.h. */
#include "hss_config.h"

#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "cx/cx_common.h"
#include "cx/cx_config.h"

static const char *const top_keys[] = {"hss", "diameter", NULL};
static const char *const top_required[] = {"hss", NULL};
static const char *const hss_keys[] = {"database",  "max_auth_items", "digest_qop",
                                       "log_level", "pidfile",        NULL};
static const char *const hss_required[] = {"database", NULL};

static void set_defaults(struct hss_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_auth_items = HSS_DEFAULT_ITEMS;
    snprintf(cfg->digest_qop, sizeof cfg->digest_qop, "auth");
    cfg->log_level = MCX_LOG_INFO;
    struct mcx_diameter_config *d = &cfg->diameter;
    mcx_diameter_config_defaults(d);
    snprintf(d->identity, sizeof d->identity, HSS_DEFAULT_IDENTITY);
    snprintf(d->realm, sizeof d->realm, HSS_DEFAULT_REALM);
    snprintf(d->listen_address, sizeof d->listen_address, HSS_DEFAULT_ADDRESS);
    d->listen_port = HSS_DEFAULT_PORT;
}

/* Copies the non-empty string value of key (when present) into dst; over-long values are errors. */
static int get_text(const struct mcx_config_node *map, const char *key, char *dst, size_t cap,
                    char *err, size_t err_cap)
{
    int found = mcx_config_get_text(map, key, dst, cap, err, err_cap);
    if (found == 1 && dst[0] == '\0')
        return mcx_config_errorf(mcx_config_lookup(map, key), err, err_cap,
                                 "expected 1-%zu characters", cap - 1);
    return found;
}

static int parse_hss(const struct mcx_config_node *hss, struct hss_config *cfg, char *err,
                     size_t err_cap)
{
    const char *level = NULL;
    uint32_t items = cfg->max_auth_items;
    if (mcx_config_check_keys(hss, hss_keys, hss_required, err, err_cap) != 0 ||
        get_text(hss, "database", cfg->database, sizeof cfg->database, err, err_cap) < 0 ||
        mcx_config_get_u32(hss, "max_auth_items", 1, MCX_CX_MAX_AUTH_ITEMS, &items, err, err_cap) <
            0 ||
        get_text(hss, "digest_qop", cfg->digest_qop, sizeof cfg->digest_qop, err, err_cap) < 0 ||
        get_text(hss, "pidfile", cfg->pidfile, sizeof cfg->pidfile, err, err_cap) < 0)
        return -1;
    cfg->max_auth_items = items;
    int found = mcx_config_get_string(hss, "log_level", &level, err, err_cap);
    if (found < 0)
        return -1;
    if (found && mcx_log_level_parse(level, &cfg->log_level) != 0)
        return mcx_config_errorf(mcx_config_lookup(hss, "log_level"), err, err_cap,
                                 "expected debug, info, warn or error");
    return 0;
}

int hss_config_load(const char *path, struct hss_config *cfg, char *err, size_t err_cap)
{
    set_defaults(cfg);
    struct mcx_config *file = mcx_config_load_file(path, err, err_cap);
    if (!file)
        return -1;
    const struct mcx_config_node *root = mcx_config_root(file);
    const struct mcx_config_node *hss = NULL, *diameter = NULL;
    int rc = -1;
    if (mcx_config_check_keys(root, top_keys, top_required, err, err_cap) != 0 ||
        mcx_config_get_map(root, "hss", &hss, err, err_cap) < 0 ||
        mcx_config_get_map(root, "diameter", &diameter, err, err_cap) < 0 ||
        parse_hss(hss, cfg, err, err_cap) != 0 ||
        mcx_cx_config_parse(diameter, &cfg->diameter, err, err_cap) != 0)
        goto out;
    struct mcx_diameter_config *d = &cfg->diameter;
    if (!d->state_dir[0] &&
        (size_t)snprintf(d->state_dir, sizeof d->state_dir, "/tmp/mcx-hss-%s-%u", d->identity,
                         d->listen_port) >= sizeof d->state_dir) {
        snprintf(err, err_cap, "%s: diameter.identity is too long for the default state_dir", path);
        goto out;
    }
    if (d->peer_count == 0 && d->accept_count == 0) {
        char pattern[MCX_DIAMETER_ID_MAX];
        if ((size_t)snprintf(pattern, sizeof pattern, "*.%s", d->realm) >= sizeof pattern ||
            mcx_diameter_config_add_accept(d, pattern) != 0) {
            snprintf(err, err_cap, "%s: diameter.realm is too long", path);
            goto out;
        }
    }
    rc = 0;
out:
    mcx_config_free(file);
    return rc;
}
