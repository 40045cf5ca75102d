/* Reads the `diameter:` YAML section into struct mcx_diameter_config; see cx_config.h. */
#include "cx/cx_config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *const section_keys[] = {"identity",  "realm",         "address",  "port",
                                           "state_dir", "extension_dir", "watchdog", "reconnect",
                                           "tls",       "peers",         "accept",   NULL};
static const char *const tls_keys[] = {"enabled", "cert", "key", "ca", NULL};
static const char *const tls_required[] = {"cert", "key", "ca", NULL};
static const char *const peer_keys[] = {"identity", "address", "port", NULL};

/* Reads a duration key as whole seconds within min_s..max_s into *seconds when present. */
static int get_seconds(const struct mcx_config_node *map, const char *key, unsigned min_s,
                       unsigned max_s, unsigned *seconds, char *err, size_t err_cap)
{
    uint64_t ms = 0;
    int found = mcx_config_get_duration_ms(map, key, (uint64_t)min_s * 1000, (uint64_t)max_s * 1000,
                                           &ms, err, err_cap);
    if (found <= 0)
        return found;
    if (ms % 1000 != 0)
        return mcx_config_errorf(mcx_config_lookup(map, key), err, err_cap,
                                 "expected whole seconds (e.g. 30s)");
    *seconds = (unsigned)(ms / 1000);
    return 0;
}

static int parse_tls(const struct mcx_config_node *section, struct mcx_diameter_config *out,
                     char *err, size_t err_cap)
{
    const struct mcx_config_node *tls = NULL;
    int found = mcx_config_get_map(section, "tls", &tls, err, err_cap);
    if (found <= 0)
        return found;
    bool enabled = false;
    if (mcx_config_check_keys(tls, tls_keys, NULL, err, err_cap) != 0 ||
        mcx_config_get_bool(tls, "enabled", &enabled, err, err_cap) < 0)
        return -1;
    if (enabled && mcx_config_check_keys(tls, tls_keys, tls_required, err, err_cap) != 0)
        return -1;
    out->tls = enabled;
    if (mcx_config_get_text(tls, "cert", out->tls_cert, sizeof out->tls_cert, err, err_cap) < 0 ||
        mcx_config_get_text(tls, "key", out->tls_key, sizeof out->tls_key, err, err_cap) < 0 ||
        mcx_config_get_text(tls, "ca", out->tls_ca, sizeof out->tls_ca, err, err_cap) < 0)
        return -1;
    return 0;
}

static int parse_peers(const struct mcx_config_node *section, struct mcx_diameter_config *out,
                       char *err, size_t err_cap)
{
    const struct mcx_config_node *peers = NULL;
    int found = mcx_config_get_seq(section, "peers", &peers, err, err_cap);
    if (found <= 0)
        return found;
    out->peer_count = 0;
    size_t count = mcx_config_node_count(peers);
    if (count > MCX_DIAMETER_MAX_PEERS)
        return mcx_config_errorf(peers, err, err_cap, "at most %d peers", MCX_DIAMETER_MAX_PEERS);
    for (size_t i = 0; i < count; i++) {
        const struct mcx_config_node *peer = mcx_config_node_at(peers, i);
        struct mcx_diameter_peer *p = &out->peers[i];
        memset(p, 0, sizeof *p);
        if (mcx_config_check_keys(peer, peer_keys, peer_keys, err, err_cap) != 0 ||
            mcx_config_get_text(peer, "identity", p->identity, sizeof p->identity, err, err_cap) <
                0 ||
            mcx_config_get_text(peer, "address", p->address, sizeof p->address, err, err_cap) < 0 ||
            mcx_config_get_port(peer, "port", &p->port, err, err_cap) < 0)
            return -1;
        out->peer_count = i + 1;
    }
    return 0;
}

static int parse_accept(const struct mcx_config_node *section, struct mcx_diameter_config *out,
                        char *err, size_t err_cap)
{
    const char *patterns[MCX_DIAMETER_MAX_PEERS];
    size_t count = 0;
    int found = mcx_config_get_strings(section, "accept", patterns, MCX_DIAMETER_MAX_PEERS, &count,
                                       err, err_cap);
    if (found <= 0)
        return found;
    out->accept_count = 0;
    for (size_t i = 0; i < count; i++) {
        if (patterns[i][0] == '\0' || mcx_diameter_config_add_accept(out, patterns[i]) != 0)
            return mcx_config_errorf(mcx_config_lookup(section, "accept"), err, err_cap,
                                     "entry %zu is empty or too long", i);
    }
    return 0;
}

int mcx_cx_config_parse(const struct mcx_config_node *section, struct mcx_diameter_config *out,
                        char *err, size_t err_cap)
{
    if (!section)
        return 0;
    if (mcx_config_check_keys(section, section_keys, NULL, err, err_cap) != 0)
        return -1;
    if (mcx_config_get_text(section, "identity", out->identity, sizeof out->identity, err,
                            err_cap) < 0 ||
        mcx_config_get_text(section, "realm", out->realm, sizeof out->realm, err, err_cap) < 0 ||
        mcx_config_get_text(section, "address", out->listen_address, sizeof out->listen_address,
                            err, err_cap) < 0 ||
        mcx_config_get_port(section, "port", &out->listen_port, err, err_cap) < 0 ||
        mcx_config_get_text(section, "state_dir", out->state_dir, sizeof out->state_dir, err,
                            err_cap) < 0 ||
        mcx_config_get_text(section, "extension_dir", out->extension_dir, sizeof out->extension_dir,
                            err, err_cap) < 0 ||
        get_seconds(section, "watchdog", 6, 3600, &out->watchdog_seconds, err, err_cap) < 0 ||
        get_seconds(section, "reconnect", 1, 3600, &out->reconnect_seconds, err, err_cap) < 0 ||
        parse_tls(section, out, err, err_cap) != 0 ||
        parse_peers(section, out, err, err_cap) != 0 ||
        parse_accept(section, out, err, err_cap) != 0)
        return -1;
    return 0;
}
