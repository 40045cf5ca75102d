/* Command-line options of the mcx-ctl provisioning subcommands: "--name VALUE", "--name=VALUE",
 * repeatable options and value-less flags, plus positional arguments. */
#ifndef MCX_CTL_OPTIONS_H
#define MCX_CTL_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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

/* Parses the options of a command that takes exactly one option, name, which is required.
 * Returns its value (in argv), or NULL after a one-line error naming cmd. */
const char *ctl_parse_required(const char *cmd, int argc, char **argv, const char *name);

/* Parses the options of a `list` command: [--after KEY] [--limit N]. Sets *after (NULL when
 * not given) and *limit (0 = no limit). Returns 0, or -1 after a one-line error naming cmd. */
int ctl_parse_list_options(const char *cmd, int argc, char **argv, const char **after,
                           size_t *limit);

/* One subcommand of a command group: its name and the function that runs it with the
 * arguments after the name, returning the exit code. */
struct ctl_command {
    const char *name;
    int (*run)(int argc, char **argv);
};

/* Runs the subcommand argv[0] of group (e.g. "subscriber") with the database db_uri (opened on
 * first use, closed after the command), or prints usage for "help"/"--help" (stdout) or a
 * missing command (stderr). Returns the exit code. */
int ctl_run_command(const char *group, const char *db_uri, const struct ctl_command *commands,
                    size_t n_commands, void (*usage)(FILE *out), int argc, char **argv);

#endif
