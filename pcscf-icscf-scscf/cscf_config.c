/* mcx-cscf YAML configuration; see cscf_config.h. */
#include "cscf_config.h"

#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "cx/cx_config.h"

static const char *const top_keys[] = {"log", "sip", "registrar", "routes", "diameter", NULL};
static const char *const top_required[] = {"registrar", "routes", NULL};
static const char *const log_keys[] = {"level", NULL};
static const char *const sip_keys[] = {
    "address", "port", "workers", "tcp", "tcp_connections", "tcp_idle_timeout", NULL};
static const char *const reg_keys[] = {"server_name", "visited_network", "service_route",
                                       "min_expires", "max_expires",     "default_expires",
                                       "nonce_ttl",   "auth_items",      "uar",
                                       "shards",      "cx_timeout",      "cx_peer_wait",
                                       NULL};
static const char *const reg_required[] = {"server_name", NULL};
static const char *const route_keys[] = {"match", "realm", "host", NULL};
static const char *const route_required[] = {"match", "realm", NULL};

static void defaults(struct cscf_config *c)
{
    memset(c, 0, sizeof *c);
    c->log_level = MCX_LOG_INFO;
    snprintf(c->sip.address, sizeof c->sip.address, "127.0.0.1");
    c->sip.port = 5060;
    c->sip.tcp = true;
    c->sip.tcp_max_connections = 4096;
    c->sip.tcp_idle_ms = 600000;
    registrar_config_defaults(&c->registrar);
    c->shards = 256;
    c->cx_timeout_ms = 2000;
    c->cx_peer_wait_ms = 5000;
    mcx_diameter_config_defaults(&c->diameter);
}

static int parse_log(const struct mcx_config_node *root, struct cscf_config *c, char *err,
                     size_t cap)
{
    const struct mcx_config_node *log = NULL;
    if (mcx_config_get_map(root, "log", &log, err, cap) < 0 ||
        mcx_config_check_keys(log, log_keys, NULL, err, cap) != 0)
        return -1;
    const char *level = NULL;
    int found = mcx_config_get_string(log, "level", &level, err, cap);
    if (found < 0)
        return -1;
    if (found && mcx_log_level_parse(level, &c->log_level) != 0)
        return mcx_config_errorf(mcx_config_lookup(log, "level"), err, cap,
                                 "expected debug, info, warn or error");
    return 0;
}

static int parse_sip(const struct mcx_config_node *root, struct cscf_config *c, char *err,
                     size_t cap)
{
    const struct mcx_config_node *sip = NULL;
    uint32_t workers = 0, conns = 4096;
    if (mcx_config_get_map(root, "sip", &sip, err, cap) < 0 ||
        mcx_config_check_keys(sip, sip_keys, NULL, err, cap) != 0 ||
        mcx_config_get_text(sip, "address", c->sip.address, sizeof c->sip.address, err, cap) < 0 ||
        mcx_config_get_port(sip, "port", &c->sip.port, err, cap) < 0 ||
        mcx_config_get_u32(sip, "workers", 0, 256, &workers, err, cap) < 0 ||
        mcx_config_get_bool(sip, "tcp", &c->sip.tcp, err, cap) < 0 ||
        mcx_config_get_u32(sip, "tcp_connections", 1, 1000000, &conns, err, cap) < 0 ||
        mcx_config_get_duration_ms(sip, "tcp_idle_timeout", 0, 86400000, &c->sip.tcp_idle_ms, err,
                                   cap) < 0)
        return -1;
    c->sip.workers = workers;
    c->sip.tcp_max_connections = conns;
    return 0;
}

static int parse_registrar(const struct mcx_config_node *root, struct cscf_config *c, char *err,
                           size_t cap)
{
    const struct mcx_config_node *r = NULL;
    struct registrar_config *rc = &c->registrar;
    if (mcx_config_get_map(root, "registrar", &r, err, cap) < 0 ||
        mcx_config_check_keys(r, reg_keys, reg_required, err, cap) != 0 ||
        mcx_config_get_text(r, "server_name", rc->server_name, sizeof rc->server_name, err, cap) <
            0 ||
        mcx_config_get_text(r, "visited_network", rc->visited_network, sizeof rc->visited_network,
                            err, cap) < 0 ||
        mcx_config_get_text(r, "service_route", rc->service_route, sizeof rc->service_route, err,
                            cap) < 0 ||
        mcx_config_get_u32(r, "min_expires", 1, 86400, &rc->min_expires, err, cap) < 0 ||
        mcx_config_get_u32(r, "max_expires", 1, 604800, &rc->max_expires, err, cap) < 0 ||
        mcx_config_get_u32(r, "default_expires", 1, 604800, &rc->default_expires, err, cap) < 0 ||
        mcx_config_get_duration_ms(r, "nonce_ttl", 1000, 3600000, &rc->nonce_ttl_ms, err, cap) <
            0 ||
        mcx_config_get_u32(r, "auth_items", 1, 8, &rc->auth_items, err, cap) < 0 ||
        mcx_config_get_bool(r, "uar", &rc->use_uar, err, cap) < 0 ||
        mcx_config_get_u32(r, "shards", 1, 65536, &c->shards, err, cap) < 0 ||
        mcx_config_get_duration_ms(r, "cx_timeout", 100, 60000, &c->cx_timeout_ms, err, cap) < 0 ||
        mcx_config_get_duration_ms(r, "cx_peer_wait", 0, 600000, &c->cx_peer_wait_ms, err, cap) < 0)
        return -1;
    if (rc->min_expires > rc->max_expires)
        return mcx_config_errorf(mcx_config_lookup(r, "min_expires"), err, cap,
                                 "must not exceed max_expires (%u)", rc->max_expires);
    if (rc->default_expires < rc->min_expires || rc->default_expires > rc->max_expires)
        return mcx_config_errorf(r, err, cap,
                                 "default_expires must lie between min_expires and max_expires");
    return 0;
}

static int parse_routes(const struct mcx_config_node *root, struct cscf_config *c, char *err,
                        size_t cap)
{
    const struct mcx_config_node *seq = NULL;
    if (mcx_config_get_seq(root, "routes", &seq, err, cap) < 0)
        return -1;
    size_t n = mcx_config_node_count(seq);
    if (n == 0)
        return mcx_config_errorf(mcx_config_lookup(root, "routes"), err, cap,
                                 "needs at least one route");
    for (size_t i = 0; i < n; i++) {
        const struct mcx_config_node *r = mcx_config_node_at(seq, i);
        if (mcx_config_node_kind(r) != MCX_CONFIG_MAP)
            return mcx_config_errorf(r, err, cap, "expected a map {match, realm, host}");
        const char *match = NULL, *realm = NULL, *host = NULL;
        if (mcx_config_check_keys(r, route_keys, route_required, err, cap) != 0 ||
            mcx_config_get_string(r, "match", &match, err, cap) < 0 ||
            mcx_config_get_string(r, "realm", &realm, err, cap) < 0 ||
            mcx_config_get_string(r, "host", &host, err, cap) < 0)
            return -1;
        if (cscf_route_add(&c->registrar.routes, match, realm, host) != 0)
            return mcx_config_errorf(r, err, cap, "too many routes (max %d) or value too long",
                                     CSCF_ROUTE_MAX);
    }
    return 0;
}

static int parse_root(const struct mcx_config_node *root, struct cscf_config *c, char *err,
                      size_t cap)
{
    const struct mcx_config_node *dia = NULL;
    if (mcx_config_check_keys(root, top_keys, top_required, err, cap) != 0 ||
        parse_log(root, c, err, cap) != 0 || parse_sip(root, c, err, cap) != 0 ||
        parse_registrar(root, c, err, cap) != 0 || parse_routes(root, c, err, cap) != 0 ||
        mcx_config_get_map(root, "diameter", &dia, err, cap) < 0 ||
        mcx_cx_config_parse(dia, &c->diameter, err, cap) != 0)
        return -1;
    return 0;
}

int cscf_config_parse(const char *name, const char *text, size_t len, struct cscf_config *out,
                      char *err, size_t err_cap)
{
    defaults(out);
    struct mcx_config *cfg = mcx_config_load_string(name, text, len, err, err_cap);
    if (!cfg)
        return -1;
    int rc = parse_root(mcx_config_root(cfg), out, err, err_cap);
    mcx_config_free(cfg);
    return rc;
}

int cscf_config_load(const char *path, struct cscf_config *out, char *err, size_t err_cap)
{
    defaults(out);
    struct mcx_config *cfg = mcx_config_load_file(path, err, err_cap);
    if (!cfg)
        return -1;
    int rc = parse_root(mcx_config_root(cfg), out, err, err_cap);
    mcx_config_free(cfg);
    return rc;
}
