/* RFC 4180 CSV records: ',' between fields, double quotes around a field that holds ',', '"' or
 * a line break, "" for a quote inside quotes; records end at "\n" or "\r\n" outside quotes.
 * One reader over a FILE (a file, stdin or fmemopen()ed text) and one field writer; what the
 * columns mean is the caller's business (store/store_csv.h for subscribers). */
#ifndef MCX_CSV_H
#define MCX_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define MCX_CSV_MAX_FIELDS 32            /* fields per record */
#define MCX_CSV_RECORD_MAX (64u * 1024u) /* bytes per record, line breaks included */

/* Reader state; fields point into memory owned by the reader, valid until the next call. */
struct mcx_csv_reader {
    FILE *in;
    size_t line_no;   /* line on which the last record returned starts (1-based) */
    size_t next_line; /* line on which the next record starts */
    char *text;       /* the record as read (may span lines inside quotes) */
    size_t text_cap;
    char *buf; /* unquoted fields, NUL-terminated */
    size_t buf_cap;
    char *fields[MCX_CSV_MAX_FIELDS];
    size_t count; /* fields in the last record */
};

/* Starts reading records from in (not closed by the reader). */
void mcx_csv_reader_init(struct mcx_csv_reader *reader, FILE *in);

/* Reads the next record, skipping lines that hold only blanks. Returns 1 with reader->fields and
 * reader->count, 0 at the end of the input, or -1 with a one-line reason in err (err_cap bytes;
 * reader->line_no is the record's line). Field contents never appear in err. */
int mcx_csv_reader_next(struct mcx_csv_reader *reader, char *err, size_t err_cap);

/* Frees the reader's buffers (the FILE stays open). */
void mcx_csv_reader_free(struct mcx_csv_reader *reader);

/* Writes text as one field to out, after a ',' unless first, quoted when it holds ',', '"',
 * '\r' or '\n'. Returns 0, or -1 on a write error. */
int mcx_csv_write_field(FILE *out, const char *text, bool first);

#endif
