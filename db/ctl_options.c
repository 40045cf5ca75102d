/* mcx-ctl option parsing shared by the subscriber and binding subcommands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_db.h"
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

const char *ctl_parse_required(const char *cmd, int argc, char **argv, const char *name)
{
    struct ctl_option opts[] = {{.name = name}};
    if (ctl_parse_options(cmd, argc, argv, opts, 1, NULL, 0, NULL))
        return NULL;
    if (!opts[0].count) {
        fprintf(stderr, "mcx-ctl %s: missing --%s\n", cmd, name);
        return NULL;
    }
    return opts[0].values[0];
}

int ctl_parse_list_options(const char *cmd, int argc, char **argv, const char **after,
                           size_t *limit)
{
    struct ctl_option opts[] = {{.name = "after"}, {.name = "limit"}};
    if (ctl_parse_options(cmd, argc, argv, opts, 2, NULL, 0, NULL))
        return -1;
    *after = opts[0].count ? opts[0].values[0] : NULL;
    *limit = 0;
    if (opts[1].count) {
        char *end = NULL;
        long value = strtol(opts[1].values[0], &end, 10);
        if (!*opts[1].values[0] || *end || value < 1) {
            fprintf(stderr, "mcx-ctl %s: --limit: expected a positive number\n", cmd);
            return -1;
        }
        *limit = (size_t)value;
    }
    return 0;
}

int ctl_run_command(const char *group, const char *db_uri, const struct ctl_command *commands,
                    size_t n_commands, void (*usage)(FILE *out), int argc, char **argv)
{
    if (argc < 1) {
        usage(stderr);
        return CTL_EXIT_USAGE;
    }
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "help") == 0) {
        usage(stdout);
        return CTL_EXIT_OK;
    }
    for (size_t i = 0; i < n_commands; i++) {
        if (strcmp(argv[0], commands[i].name) != 0)
            continue;
        ctl_db_use(db_uri);
        int exit_code = commands[i].run(argc - 1, argv + 1);
        ctl_db_close();
        return exit_code;
    }
    fprintf(stderr, "mcx-ctl %s: unknown command '%s' (try %s --help)\n", group, argv[0], group);
    return CTL_EXIT_USAGE;
}
