/* Subscriber CSV for the load generator; see ue_csv.h. */
#include "ue_csv.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store_csv.h"

/* Copies the first ';'-separated item of value, trimmed, into out (cap bytes). */
static int first_item(const char *value, char *out, size_t cap)
{
    const char *semi = strchr(value, ';');
    size_t n = semi ? (size_t)(semi - value) : strlen(value);
    while (n > 0 && (value[0] == ' ' || value[0] == '\t'))
        value++, n--;
    while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
        n--;
    if (n >= cap)
        return -1;
    memcpy(out, value, n);
    out[n] = '\0';
    return 0;
}

/* Fills row from the column values of one record (the first item of a list). */
static int row_from_values(const char *const values[MCX_CSV_COLUMNS], struct ue_subscriber *row,
                           char *why, size_t why_cap)
{
    static const struct {
        enum mcx_csv_column column;
        size_t offset, cap;
    } wanted[] = {
        {MCX_CSV_IMPI, offsetof(struct ue_subscriber, impi), UE_IDENTITY_MAX},
        {MCX_CSV_IMPU, offsetof(struct ue_subscriber, impu), UE_IDENTITY_MAX},
        {MCX_CSV_K, offsetof(struct ue_subscriber, k), sizeof row->k},
        {MCX_CSV_OP, offsetof(struct ue_subscriber, op), sizeof row->op},
        {MCX_CSV_OPC, offsetof(struct ue_subscriber, opc), sizeof row->opc},
        {MCX_CSV_AMF, offsetof(struct ue_subscriber, amf), sizeof row->amf},
    };
    memset(row, 0, sizeof *row);
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        if (first_item(values[wanted[i].column], (char *)row + wanted[i].offset, wanted[i].cap)) {
            snprintf(why, why_cap, "%s too long", mcx_csv_column_name(wanted[i].column));
            return -1;
        }
    }
    struct ue_isim check;
    int rc = ue_subscriber_to_isim(row, &check, why, why_cap);
    memset(&check, 0, sizeof check);
    return rc;
}

/* Reads the rows of an open CSV stream (name is used in errors). */
static int read_rows(const char *name, FILE *in, size_t max_rows, struct ue_subscriber **rows_out,
                     size_t *count_out, char *err, size_t err_cap)
{
    struct mcx_csv_reader reader;
    struct mcx_csv_layout layout;
    struct ue_subscriber *rows = NULL;
    size_t cap = 0, count = 0;
    char why[200];
    mcx_csv_reader_init(&reader, in);
    if (mcx_subscriber_csv_header(&reader, MCX_CSV_TOLERANT, &layout, why, sizeof why) != 0) {
        snprintf(err, err_cap, "%s:%zu: %s", name, reader.line_no, why);
        goto fail;
    }
    while (max_rows == 0 || count < max_rows) {
        const char *values[MCX_CSV_COLUMNS];
        int rc = mcx_subscriber_csv_next(&reader, &layout, values, why, sizeof why);
        if (rc == 0)
            break;
        if (count == cap && rc > 0) {
            size_t new_cap = cap ? cap * 2 : 64;
            struct ue_subscriber *grown = realloc(rows, new_cap * sizeof *rows);
            if (!grown) {
                snprintf(why, sizeof why, "out of memory");
                rc = -1;
            } else {
                rows = grown;
                cap = new_cap;
            }
        }
        if (rc < 0 || row_from_values(values, &rows[count], why, sizeof why) != 0) {
            snprintf(err, err_cap, "%s:%zu: %s", name, reader.line_no, why);
            goto fail;
        }
        count++;
    }
    if (count == 0) {
        snprintf(err, err_cap, "%s: no subscriber rows", name);
        goto fail;
    }
    mcx_csv_reader_free(&reader);
    *rows_out = rows;
    *count_out = count;
    return 0;
fail:
    mcx_csv_reader_free(&reader);
    free(rows);
    return -1;
}

int ue_csv_parse(const char *name, const char *text, size_t len, size_t max_rows,
                 struct ue_subscriber **rows_out, size_t *count_out, char *err, size_t err_cap)
{
    *rows_out = NULL;
    *count_out = 0;
    if (len == 0) {
        snprintf(err, err_cap, "%s: empty file (expected a header line)", name);
        return -1;
    }
    FILE *in = fmemopen((void *)text, len, "r");
    if (!in) {
        snprintf(err, err_cap, "%s: %s", name, strerror(errno));
        return -1;
    }
    int rc = read_rows(name, in, max_rows, rows_out, count_out, err, err_cap);
    fclose(in);
    return rc;
}

int ue_csv_load(const char *path, size_t max_rows, struct ue_subscriber **rows, size_t *count,
                char *err, size_t err_cap)
{
    *rows = NULL;
    *count = 0;
    FILE *in = fopen(path, "r");
    if (!in) {
        snprintf(err, err_cap, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(in), &st) == 0 && st.st_size > (off_t)UE_CSV_FILE_MAX) {
        snprintf(err, err_cap, "%s: larger than %u bytes", path, UE_CSV_FILE_MAX);
        fclose(in);
        return -1;
    }
    int rc = read_rows(path, in, max_rows, rows, count, err, err_cap);
    fclose(in);
    return rc;
}

int ue_subscriber_to_isim(const struct ue_subscriber *row, struct ue_isim *isim, char *err,
                          size_t err_cap)
{
    ue_isim_init(isim);
    if (ue_isim_set_identity(isim, row->impi, row->impu, NULL, err, err_cap) != 0)
        return -1;
    /* A row may carry both (an export of a subscriber provisioned with OP): OPc wins. */
    return ue_isim_set_keys(isim, row->k, row->opc[0] ? NULL : row->op,
                            row->opc[0] ? row->opc : NULL, row->amf[0] ? row->amf : NULL, err,
                            err_cap);
}
