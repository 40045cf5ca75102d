/* mcx-ctl: what `subscriber import` and `binding import` share besides their columns: the CSV
 * file (or stdin), the line of every row handed to the store, and the report of the outcome.
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

/* Opens path ("-": stdin) for cmd and starts a CSV reader on it. Returns 0, or CTL_EXIT_FAILED
 * after a one-line error. Free with ctl_import_close() either way. */
int ctl_import_open(struct ctl_import *imp, const char *cmd, const char *path);

/* Notes that the record just read (reader.line_no) is the next row. Returns 0, or -1 when out of
 * memory (row_error says so). */
int ctl_import_note_row(struct ctl_import *imp);

/* Records why the row just noted could not be read; returns MCX_STORE_INVALID for the import
 * source to return. */
int ctl_import_row_fail(struct ctl_import *imp, const char *reason);

/* Prints "mcx-ctl CMD: PATH:LINE: reason" on stderr; returns CTL_EXIT_FAILED. */
int ctl_import_fail_at(const struct ctl_import *imp, size_t line, const char *reason);

/* Reports the result of a store import of rows called noun ("subscribers"): on success the
 * count and rate on stdout; on failure the line and reason of the row that failed and how many
 * rows before it stay imported, on stderr. Returns the exit code. */
int ctl_import_report(const struct ctl_import *imp, int status, size_t imported, const char *noun);

/* Frees the reader and the line list and closes the file (not stdin). */
void ctl_import_close(struct ctl_import *imp);

#endif
