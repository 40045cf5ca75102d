/* Command-line options of the mcx-ctl provisioning subcommands: "--name VALUE", "--name=VALUE",
 * repeatable options and value-less flags, plus positional arguments. */
#ifndef MCX_CTL_OPTIONS_H
#define MCX_CTL_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#define CTL_OPTION_MAX_VALUES 16

struct ctl_option {
    const char *name; /* without the leading "--" */
    bool repeatable;  /* may be given up to CTL_OPTION_MAX_VALUES times */
    bool flag;        /* takes no value */
    const char *values[CTL_OPTION_MAX_VALUES];
    size_t count; /* times given */
};

/* Parses argv into opts (values point into argv) and up to max_positional positional arguments.
 * Prints a one-line error naming cmd and returns -1 on an unknown, repeated (when not
 * repeatable), valueless option or a surplus positional argument. */
int ctl_parse_options(const char *cmd, int argc, char **argv, struct ctl_option *opts,
                      size_t n_opts, const char **positional, size_t max_positional,
                      size_t *n_positional);

/* The option named name in opts (it must exist). */
struct ctl_option *ctl_option_find(struct ctl_option *opts, size_t n_opts, const char *name);

/* Its single value, or NULL when not given. */
const char *ctl_option_value(struct ctl_option *opts, size_t n_opts, const char *name);

#endif
