/* mcx-ctl option parsing shared by the subscriber and binding subcommands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_options.h"

int ctl_parse_options(const char *cmd, int argc, char **argv, struct ctl_option *opts,
                      size_t n_opts, const char **positional, size_t max_positional,
                      size_t *n_positional)
{
    size_t positionals = 0;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            if (positionals >= max_positional) {
                fprintf(stderr, "mcx-ctl %s: unexpected argument '%s'\n", cmd, arg);
                return -1;
            }
            positional[positionals++] = arg;
            continue;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        struct ctl_option *opt = NULL;
        for (size_t o = 0; o < n_opts; o++) {
            if (strlen(opts[o].name) == name_len && strncmp(opts[o].name, name, name_len) == 0)
                opt = &opts[o];
        }
        if (!opt) {
            fprintf(stderr, "mcx-ctl %s: unknown option '--%.*s'\n", cmd, (int)name_len, name);
            return -1;
        }
        if (opt->count && !opt->repeatable) {
            fprintf(stderr, "mcx-ctl %s: --%s given twice\n", cmd, opt->name);
            return -1;
        }
        if (opt->count >= CTL_OPTION_MAX_VALUES) {
            fprintf(stderr, "mcx-ctl %s: --%s given more than %d times\n", cmd, opt->name,
                    CTL_OPTION_MAX_VALUES);
            return -1;
        }
        const char *value = "";
        if (opt->flag) {
            if (eq) {
                fprintf(stderr, "mcx-ctl %s: --%s takes no value\n", cmd, opt->name);
                return -1;
            }
        } else if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            fprintf(stderr, "mcx-ctl %s: --%s needs a value\n", cmd, opt->name);
            return -1;
        }
        opt->values[opt->count++] = value;
    }
    if (n_positional)
        *n_positional = positionals;
    return 0;
}

struct ctl_option *ctl_option_find(struct ctl_option *opts, size_t n_opts, const char *name)
{
    for (size_t i = 0; i < n_opts; i++) {
        if (strcmp(opts[i].name, name) == 0)
            return &opts[i];
    }
    fprintf(stderr, "mcx-ctl: internal error: option table lacks --%s\n", name);
    abort();
}

const char *ctl_option_value(struct ctl_option *opts, size_t n_opts, const char *name)
{
    struct ctl_option *opt = ctl_option_find(opts, n_opts, name);
    return opt->count ? opt->values[0] : NULL;
}
