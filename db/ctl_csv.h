/* mcx-ctl subscriber CSV (import/export), documented in db/README.md:
 *   impi,impu,k,op,opc,amf,sqn,schemes,allowed_partners[,ha1,imsi,msisdn]
 * one subscriber per line after the header; ';' separates the items of impu, schemes,
 * allowed_partners and msisdn; RFC 4180 double quotes around a field that holds ',' or '"'. */
#ifndef MCX_CTL_CSV_H
#define MCX_CTL_CSV_H

#include <stdio.h>

#include "ctl_fields.h"
#include "store/store.h"

enum ctl_csv_column {
    CSV_IMPI,
    CSV_IMPU,
    CSV_K,
    CSV_OP,
    CSV_OPC,
    CSV_AMF,
    CSV_SQN,
    CSV_SCHEMES,
    CSV_ALLOWED_PARTNERS,
    CSV_HA1,
    CSV_IMSI,
    CSV_MSISDN,
    CSV_COLUMNS
};

/* Where each known column sits in the file (-1: absent). */
struct ctl_csv_layout {
    int position[CSV_COLUMNS];
    size_t fields; /* fields per line */
};

/* Reads the header line: the first nine columns are required, ha1/imsi/msisdn optional, in any
 * order. Returns 0, or -1 with the reason in err. */
int ctl_csv_header(const char *line, struct ctl_csv_layout *layout, char *err);

/* Parses one data line into *sub (cleared first). Returns 0, or -1 with the reason in err. */
int ctl_csv_row(const struct ctl_csv_layout *layout, const char *line, struct mcx_subscriber *sub,
                char *err);

/* Writes the full header (all twelve columns). */
void ctl_csv_write_header(FILE *out);

/* Writes one subscriber as a line of all twelve columns, secrets included. Returns 0, or -1
 * with the reason in err when an item holds ';' (it could not be read back). */
int ctl_csv_write_row(FILE *out, const struct mcx_subscriber *sub, char *err);

#endif
