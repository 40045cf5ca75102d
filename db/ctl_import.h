/* mcx-ctl: what `subscriber import` and `binding import` share besides their columns: the
 * command line, the CSV file (or stdin), the line of every row handed to the store, and the
 * report of the outcome; and the end of an export (`subscriber export`, `binding export`).
 * The store may fail a row after reading further (MongoDB inserts in batches); it reports how
 * many rows went in, so the failed row is row number `imported` and its line is known here. */
#ifndef MCX_CTL_IMPORT_H
#define MCX_CTL_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "core/csv.h"
#include "ctl_fields.h"
#include "store/store.h"

struct ctl_import {
    const char *cmd;  /* "subscriber import" */
    const char *path; /* as given; "-" is stdin */
    FILE *in;
    struct mcx_csv_reader reader;
    size_t *row_lines; /* line of each row read so far, in order (owned) */
    size_t rows, row_cap;
    bool row_failed; /* the last row could not be read; row_error says why */
    char row_error[CTL_ERR_MAX];
    struct timespec start;
};

/* One kind of row an import reads: its source struct begins with a struct ctl_import. */
struct ctl_import_kind {
    const char *noun; /* "subscribers", for the report */
    /* Reads the CSV header of imp's reader into the source's layout; 0, or -1 with err set
     * (err_len bytes). */
    int (*header)(struct ctl_import *imp, char *err, size_t err_len);
    /* Hands the rows of the source (imp) to the store; its status, *imported rows went in. */
    int (*store_import)(struct mcx_store *store, struct ctl_import *imp, size_t *imported);
};

/* Runs `CMD FILE.csv` (FILE "-": stdin) with argc/argv after the command name: checks the
 * command line, opens the store and the file, reads the header and imports every row into the
 * store through kind, reporting the outcome. imp is the (static) source of kind. Returns the
 * exit code. */
int ctl_import_command(const char *cmd, int argc, char **argv, const struct ctl_import_kind *kind,
                       struct ctl_import *imp);

/* Opens path ("-": stdin) for cmd and starts a CSV reader on it. Returns 0, or CTL_EXIT_FAILED
 * after a one-line error. Free with ctl_import_close() either way. */
int ctl_import_open(struct ctl_import *imp, const char *cmd, const char *path);

/* Notes that the record just read (reader.line_no) is the next row. Returns 0, or -1 when out of
 * memory (row_error says so). */
int ctl_import_note_row(struct ctl_import *imp);

/* Takes the result rc of reading the next CSV record (0: no more; < 0: a bad record, reason in
 * err; > 0: a record): returns 0 at the end, 1 for a record to convert (noted as the next row),
 * or MCX_STORE_INVALID after recording why the row cannot be read. */
int ctl_import_row_read(struct ctl_import *imp, int rc, const char *err);

/* Records why the row just noted could not be read; returns MCX_STORE_INVALID for the import
 * source to return. */
int ctl_import_row_fail(struct ctl_import *imp, const char *reason);

/* Prints "mcx-ctl CMD: PATH:LINE: reason" on stderr; returns CTL_EXIT_FAILED. */
int ctl_import_fail_at(const struct ctl_import *imp, size_t line, const char *reason);

/* Reports the result of a store import of rows called noun ("subscribers"): on success the
 * count and rate on stdout; on failure the line and reason of the row that failed and how many
 * rows before it stay imported, on stderr. Returns the exit code. */
int ctl_import_report(const struct ctl_import *imp, int status, size_t imported, const char *noun);

/* For an export's row callback: prints "mcx-ctl CMD: KEY: err" on stderr and sets *failed;
 * returns 1 (stop listing). */
int ctl_export_row_fail(const char *cmd, const char *key, const char *err, int *failed);

/* Ends an export after listing: rc is the store's status, failed whether a row could not be
 * written. Flushes stdout; returns the exit code after a one-line error if any. */
int ctl_export_finish(const char *cmd, int rc, int failed);

/* Frees the reader and the line list and closes the file (not stdin). */
void ctl_import_close(struct ctl_import *imp);

#endif
