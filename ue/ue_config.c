/* mcx-ue settings from YAML; see ue_config.h. */
#include "ue_config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

void ue_options_init(struct ue_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->expires = -1;
    opts->t1_ms = -1;
    opts->users = -1;
    opts->rate = -1;
    opts->duration_s = -1;
}

/* Reads a string key into *field unless the command line already set it. */
static int take_string(const struct mcx_config_node *root, const char *key, const char **field,
                       char *err, size_t err_cap)
{
    const char *value = NULL;
    int rc = mcx_config_get_string(root, key, &value, err, err_cap);
    if (rc < 0)
        return -1;
    if (rc == 1 && !*field)
        *field = value;
    return 0;
}

/* Reads an integer key in min..max into *field unless already set (>= 0). */
static int take_long(const struct mcx_config_node *root, const char *key, uint32_t min,
                     uint32_t max, long *field, char *err, size_t err_cap)
{
    uint32_t value = 0;
    int rc = mcx_config_get_u32(root, key, min, max, &value, err, err_cap);
    if (rc < 0)
        return -1;
    if (rc == 1 && *field < 0)
        *field = (long)value;
    return 0;
}

int ue_options_load_yaml(struct ue_options *opts, const char *path, char *err, size_t err_cap)
{
    static const char *const allowed[] = {
        "impi",  "impu",      "domain",    "k",     "op",       "opc",       "amf",
        "state", "server",    "transport", "local", "expires",  "algorithm", "password",
        "t1_ms", "users_csv", "users",     "rate",  "duration", NULL};
    if (opts->yaml) {
        snprintf(err, err_cap, "only one --config file");
        return -1;
    }
    struct mcx_config *cfg = mcx_config_load_file(path, err, err_cap);
    if (!cfg)
        return -1;
    const struct mcx_config_node *root = mcx_config_root(cfg);
    if (mcx_config_check_keys(root, allowed, NULL, err, err_cap) != 0)
        goto fail;
    struct {
        const char *key;
        const char **field;
    } strings[] = {
        {"impi", &opts->impi},
        {"impu", &opts->impu},
        {"domain", &opts->domain},
        {"k", &opts->k},
        {"op", &opts->op},
        {"opc", &opts->opc},
        {"amf", &opts->amf},
        {"state", &opts->state},
        {"server", &opts->server},
        {"transport", &opts->transport},
        {"local", &opts->local},
        {"algorithm", &opts->algorithm},
        {"password", &opts->password},
        {"users_csv", &opts->users_csv},
    };
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        if (take_string(root, strings[i].key, strings[i].field, err, err_cap) != 0)
            goto fail;
    if (take_long(root, "expires", 0, 0x7fffffff, &opts->expires, err, err_cap) != 0 ||
        take_long(root, "t1_ms", 1, 60000, &opts->t1_ms, err, err_cap) != 0 ||
        take_long(root, "users", 1, 10000000, &opts->users, err, err_cap) != 0 ||
        take_long(root, "rate", 1, 10000000, &opts->rate, err, err_cap) != 0)
        goto fail;
    uint64_t duration_ms = 0;
    int rc = mcx_config_get_duration_ms(root, "duration", 1, 24ull * 3600 * 1000, &duration_ms, err,
                                        err_cap);
    if (rc < 0)
        goto fail;
    if (rc == 1 && opts->duration_s < 0)
        opts->duration_s = (double)duration_ms / 1000.0;
    opts->yaml = cfg;
    return 0;
fail:
    mcx_config_free(cfg);
    return -1;
}

void ue_options_free(struct ue_options *opts)
{
    mcx_config_free(opts->yaml);
    opts->yaml = NULL;
}
