/* mcx-ctl CSV import runs (command line, file, row lines, outcome) and export ends; see
 * ctl_import.h. */
#include "ctl_import.h"

#include <stdlib.h>
#include <string.h>

#include "ctl_db.h"
#include "ctl_options.h"

int ctl_import_open(struct ctl_import *imp, const char *cmd, const char *path)
{
    memset(imp, 0, sizeof *imp);
    imp->cmd = cmd;
    imp->path = path;
    imp->in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    mcx_csv_reader_init(&imp->reader, imp->in);
    clock_gettime(CLOCK_MONOTONIC, &imp->start);
    if (!imp->in) {
        fprintf(stderr, "mcx-ctl %s: cannot open %s\n", cmd, path);
        return CTL_EXIT_FAILED;
    }
    return 0;
}

int ctl_import_note_row(struct ctl_import *imp)
{
    if (imp->rows == imp->row_cap) {
        size_t cap = imp->row_cap ? 2 * imp->row_cap : 1024;
        size_t *lines = realloc(imp->row_lines, cap * sizeof *lines);
        if (!lines) {
            snprintf(imp->row_error, sizeof imp->row_error, "out of memory");
            return -1;
        }
        imp->row_lines = lines;
        imp->row_cap = cap;
    }
    imp->row_lines[imp->rows++] = imp->reader.line_no;
    return 0;
}

int ctl_import_row_read(struct ctl_import *imp, int rc, const char *err)
{
    if (rc == 0)
        return 0;
    if (ctl_import_note_row(imp) != 0)
        return ctl_import_row_fail(imp, "out of memory");
    if (rc < 0)
        return ctl_import_row_fail(imp, err);
    return 1;
}

int ctl_import_row_fail(struct ctl_import *imp, const char *reason)
{
    snprintf(imp->row_error, sizeof imp->row_error, "%s", reason);
    imp->row_failed = true;
    return MCX_STORE_INVALID;
}

int ctl_import_fail_at(const struct ctl_import *imp, size_t line, const char *reason)
{
    fprintf(stderr, "mcx-ctl %s: %s:%zu: %s\n", imp->cmd, imp->path, line, reason);
    return CTL_EXIT_FAILED;
}

int ctl_import_report(const struct ctl_import *imp, int status, size_t imported, const char *noun)
{
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds =
        (double)(end.tv_sec - imp->start.tv_sec) + (end.tv_nsec - imp->start.tv_nsec) / 1e9;
    if (status == MCX_STORE_OK) {
        printf("imported %zu %s in %.3f s (%.0f/s)\n", imported, noun, seconds,
               seconds > 0 ? (double)imported / seconds : 0.0);
        return CTL_EXIT_OK;
    }
    if (imported >= imp->rows) {
        /* not the failure of a noted row (the database went away before the first one; no
         * memory to note the next) */
        fprintf(stderr, "mcx-ctl %s: %s: %s\n", imp->cmd, mcx_store_status_name(status),
                imp->row_failed ? imp->row_error : mcx_store_last_error());
        fprintf(stderr, "mcx-ctl %s: stopped; %zu %s were imported\n", imp->cmd, imported, noun);
        return CTL_EXIT_FAILED;
    }
    size_t line = imp->row_lines[imported];
    if (imp->row_failed && imported + 1 == imp->rows) {
        ctl_import_fail_at(imp, line, imp->row_error);
    } else {
        char reason[CTL_ERR_MAX + 300];
        snprintf(reason, sizeof reason, "%s: %s", mcx_store_status_name(status),
                 mcx_store_last_error());
        ctl_import_fail_at(imp, line, reason);
    }
    fprintf(stderr, "mcx-ctl %s: stopped at line %zu; %zu %s before it were imported\n", imp->cmd,
            line, imported, noun);
    return CTL_EXIT_FAILED;
}

int ctl_import_command(const char *cmd, int argc, char **argv, const struct ctl_import_kind *kind,
                       struct ctl_import *imp)
{
    const char *path = NULL;
    size_t n_positional = 0;
    if (ctl_parse_options(cmd, argc, argv, NULL, 0, &path, 1, &n_positional))
        return CTL_EXIT_USAGE;
    if (n_positional != 1) {
        fprintf(stderr, "mcx-ctl %s: give one CSV file (or - for stdin)\n", cmd);
        return CTL_EXIT_USAGE;
    }
    CTL_OPEN_STORE(cmd);
    int exit_code = ctl_import_open(imp, cmd, path);
    char err[CTL_ERR_MAX];
    if (exit_code == CTL_EXIT_OK && kind->header(imp, err, sizeof err) != 0)
        exit_code = ctl_import_fail_at(imp, imp->reader.line_no, err);
    if (exit_code == CTL_EXIT_OK) {
        size_t imported = 0;
        int rc = kind->store_import(store, imp, &imported);
        exit_code = ctl_import_report(imp, rc, imported, kind->noun);
    }
    ctl_import_close(imp);
    return exit_code;
}

int ctl_export_row_fail(const char *cmd, const char *key, const char *err, int *failed)
{
    fprintf(stderr, "mcx-ctl %s: %s: %s\n", cmd, key, err);
    *failed = 1;
    return 1;
}

int ctl_export_finish(const char *cmd, int rc, int failed)
{
    if (rc != MCX_STORE_OK)
        return ctl_db_fail(cmd, rc);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "mcx-ctl %s: write error on stdout\n", cmd);
        return CTL_EXIT_FAILED;
    }
    return failed ? CTL_EXIT_FAILED : CTL_EXIT_OK;
}

void ctl_import_close(struct ctl_import *imp)
{
    mcx_csv_reader_free(&imp->reader);
    if (imp->in && imp->in != stdin)
        fclose(imp->in);
    imp->in = NULL;
    free(imp->row_lines);
    imp->row_lines = NULL;
}
