/* The CSV formats of the store (db/README.md), RFC 4180 quoting (core/csv.h), a header line
 * naming the columns in any order, then one record per subscriber or binding:
 * - subscribers, read by `mcx-ctl subscriber import` and `mcx-ue load`, written by
 *   `mcx-ctl subscriber export`: impi,impu,k,op,opc,amf,sqn,schemes,allowed_partners
 *   [,ha1,imsi,msisdn]; ';' separates the items of impu, schemes, allowed_partners and msisdn;
 * - migration bindings, read by `mcx-ctl binding import`, written by `mcx-ctl binding export`:
 *   partner_impi,partner_impus,primary_impi,primary_impus,primary_system,primary_mms; ';'
 *   separates the items of partner_impus and primary_impus.
 * This file maps columns to names; what a value must look like is checked by the reader's user. */
#ifndef MCX_STORE_CSV_H
#define MCX_STORE_CSV_H

#include <stdbool.h>
#include <stdio.h>

#include "core/csv.h"
#include "store/store.h"

enum mcx_csv_column {
    MCX_CSV_IMPI,
    MCX_CSV_IMPU,
    MCX_CSV_K,
    MCX_CSV_OP,
    MCX_CSV_OPC,
    MCX_CSV_AMF,
    MCX_CSV_SQN,
    MCX_CSV_SCHEMES,
    MCX_CSV_ALLOWED_PARTNERS, /* the last of the nine columns a strict header must name */
    MCX_CSV_HA1,
    MCX_CSV_IMSI,
    MCX_CSV_MSISDN,
    MCX_CSV_COLUMNS
};

/* How a header is judged. */
enum mcx_csv_header_mode {
    MCX_CSV_STRICT,   /* the nine columns impi..allowed_partners required, unknown ones refused */
    MCX_CSV_TOLERANT, /* impi, k and op or opc required, unknown columns ignored */
};

/* Where each known column sits in a record (-1: absent) and how many fields a record has. */
struct mcx_csv_layout {
    int position[MCX_CSV_COLUMNS];
    size_t fields;
};

/* Reads the header from reader into layout (column names match case-insensitively). Returns 0,
 * or -1 with a one-line reason in err ("empty file" when there is no header). */
int mcx_subscriber_csv_header(struct mcx_csv_reader *reader, enum mcx_csv_header_mode mode,
                              struct mcx_csv_layout *layout, char *err, size_t err_cap);

/* Reads the next subscriber record: values[c] is the text of column c ("" when the header has no
 * such column), valid until the next read. Returns 1, 0 at the end, or -1 with a reason in err
 * (reader->line_no is the record's line). */
int mcx_subscriber_csv_next(struct mcx_csv_reader *reader, const struct mcx_csv_layout *layout,
                            const char *values[MCX_CSV_COLUMNS], char *err, size_t err_cap);

/* Static name of a column ("impi", ...). */
const char *mcx_csv_column_name(enum mcx_csv_column column);

/* Writes the full header (all twelve columns). Returns 0, or -1 on a write error. */
int mcx_subscriber_csv_write_header(FILE *out);

/* Writes sub as a record of all twelve columns, secrets included. Returns 0, or -1 with the
 * reason in err when a list item holds ';' (it could not be read back) or on a write error. */
int mcx_subscriber_csv_write(FILE *out, const struct mcx_subscriber *sub, char *err,
                             size_t err_cap);

/* ---- migration bindings ---- */

enum mcx_binding_csv_column {
    MCX_BINDING_CSV_PARTNER_IMPI,
    MCX_BINDING_CSV_PARTNER_IMPUS,
    MCX_BINDING_CSV_PRIMARY_IMPI,
    MCX_BINDING_CSV_PRIMARY_IMPUS,
    MCX_BINDING_CSV_PRIMARY_SYSTEM,
    MCX_BINDING_CSV_PRIMARY_MMS,
    MCX_BINDING_CSV_COLUMNS
};

/* Where each binding column sits in a record and how many fields a record has. */
struct mcx_binding_csv_layout {
    int position[MCX_BINDING_CSV_COLUMNS];
    size_t fields;
};

/* Reads a binding header into layout: all six columns required, unknown ones refused, names
 * matched case-insensitively. Returns 0, or -1 with a one-line reason in err. */
int mcx_binding_csv_header(struct mcx_csv_reader *reader, struct mcx_binding_csv_layout *layout,
                           char *err, size_t err_cap);

/* Reads the next binding record: values[c] is the text of column c, valid until the next read.
 * Returns 1, 0 at the end, or -1 with a reason in err (reader->line_no is the record's line). */
int mcx_binding_csv_next(struct mcx_csv_reader *reader, const struct mcx_binding_csv_layout *layout,
                         const char *values[MCX_BINDING_CSV_COLUMNS], char *err, size_t err_cap);

/* Static name of a binding column ("partner_impi", ...). */
const char *mcx_binding_csv_column_name(enum mcx_binding_csv_column column);

/* Writes the binding header (all six columns). Returns 0, or -1 on a write error. */
int mcx_binding_csv_write_header(FILE *out);

/* Writes b as a record. Returns 0, or -1 with the reason in err when an IMPU holds ';' (it could
 * not be read back) or on a write error. */
int mcx_binding_csv_write(FILE *out, const struct mcx_binding *b, char *err, size_t err_cap);

#endif
