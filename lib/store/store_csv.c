/* Subscriber and binding CSV columns: header layout, record values, export; see store_csv.h. */
#include "store/store_csv.h"

#include <string.h>
#include <strings.h>

#include "core/codec.h"

static const char *const column_names[MCX_CSV_COLUMNS] = {
    "impi", "impu", "k",      "op", "opc", "amf", "sqn", "schemes", "allowed_partners",
    "ha1",  "imsi", "msisdn",
};

const char *mcx_csv_column_name(enum mcx_csv_column column)
{
    return column >= 0 && column < MCX_CSV_COLUMNS ? column_names[column] : "?";
}

/* The index of name in names (case-insensitive), or -1. */
static int column_of(const char *const *names, int n_names, const char *name)
{
    for (int c = 0; c < n_names; c++) {
        if (strcasecmp(name, names[c]) == 0)
            return c;
    }
    return -1;
}

/* Reads a header naming columns of names into position[] (-1: absent) and *fields. Unknown
 * columns are refused unless tolerant. Returns 0, or -1 with a reason in err. */
static int read_header(struct mcx_csv_reader *reader, const char *const *names, int n_names,
                       bool tolerant, int *position, size_t *fields, char *err, size_t err_cap)
{
    int rc = mcx_csv_reader_next(reader, err, err_cap);
    if (rc == 0)
        snprintf(err, err_cap, "empty file (expected a header line)");
    if (rc <= 0)
        return -1;
    for (int c = 0; c < n_names; c++)
        position[c] = -1;
    for (size_t f = 0; f < reader->count; f++) {
        int column = column_of(names, n_names, reader->fields[f]);
        if (column < 0 && tolerant)
            continue;
        if (column < 0) {
            snprintf(err, err_cap, "header: unknown column '%.40s'", reader->fields[f]);
            return -1;
        }
        if (position[column] >= 0) {
            snprintf(err, err_cap, "header: column %s twice", names[column]);
            return -1;
        }
        position[column] = (int)f;
    }
    *fields = reader->count;
    return 0;
}

/* Reads the next record with the layout of a header: values[c] is column c's text ("" when
 * absent). Returns 1, 0 at the end, or -1 with a reason in err. */
static int read_values(struct mcx_csv_reader *reader, const int *position, int n_columns,
                       size_t fields, const char **values, char *err, size_t err_cap)
{
    int rc = mcx_csv_reader_next(reader, err, err_cap);
    if (rc <= 0)
        return rc;
    if (reader->count != fields) {
        snprintf(err, err_cap, "%zu fields, the header names %zu", reader->count, fields);
        return -1;
    }
    for (int c = 0; c < n_columns; c++)
        values[c] = position[c] >= 0 ? reader->fields[position[c]] : "";
    return 1;
}

/* Writes one record of n fields. Returns 0, or -1 with the reason in err. */
static int write_record(FILE *out, const char *const *values, int n, char *err, size_t err_cap)
{
    for (int c = 0; c < n; c++) {
        if (mcx_csv_write_field(out, values[c], c == 0) != 0) {
            snprintf(err, err_cap, "write error");
            return -1;
        }
    }
    if (fputc('\n', out) == EOF) {
        snprintf(err, err_cap, "write error");
        return -1;
    }
    return 0;
}

/* Checks that the columns mode requires are present. */
static int check_required(enum mcx_csv_header_mode mode, const struct mcx_csv_layout *layout,
                          char *err, size_t err_cap)
{
    if (mode == MCX_CSV_TOLERANT) {
        if (layout->position[MCX_CSV_IMPI] < 0 || layout->position[MCX_CSV_K] < 0 ||
            (layout->position[MCX_CSV_OP] < 0 && layout->position[MCX_CSV_OPC] < 0)) {
            snprintf(err, err_cap, "header must name columns impi, k and op or opc");
            return -1;
        }
        return 0;
    }
    for (int c = 0; c <= MCX_CSV_ALLOWED_PARTNERS; c++) {
        if (layout->position[c] < 0) {
            snprintf(err, err_cap,
                     "header: missing column %s (need impi,impu,k,op,opc,amf,sqn,schemes,"
                     "allowed_partners)",
                     column_names[c]);
            return -1;
        }
    }
    return 0;
}

int mcx_subscriber_csv_header(struct mcx_csv_reader *reader, enum mcx_csv_header_mode mode,
                              struct mcx_csv_layout *layout, char *err, size_t err_cap)
{
    if (read_header(reader, column_names, MCX_CSV_COLUMNS, mode == MCX_CSV_TOLERANT,
                    layout->position, &layout->fields, err, err_cap) != 0)
        return -1;
    return check_required(mode, layout, err, err_cap);
}

int mcx_subscriber_csv_next(struct mcx_csv_reader *reader, const struct mcx_csv_layout *layout,
                            const char *values[MCX_CSV_COLUMNS], char *err, size_t err_cap)
{
    return read_values(reader, layout->position, MCX_CSV_COLUMNS, layout->fields, values, err,
                       err_cap);
}

int mcx_subscriber_csv_write_header(FILE *out)
{
    char err[32];
    return write_record(out, column_names, MCX_CSV_COLUMNS, err, sizeof err);
}

/* Joins count list items (item_cap bytes apart) with ';' into out; -1 when an item holds ';'. */
static int join_list(const char *name, const char *items, size_t item_cap, size_t count, char *out,
                     size_t cap, char *err, size_t err_cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        const char *item = items + i * item_cap;
        if (strchr(item, ';')) {
            snprintf(err, err_cap, "%s item '%.60s' contains ';'", name, item);
            return -1;
        }
        int n = snprintf(out + used, cap - used, "%s%s", i ? ";" : "", item);
        if (n < 0 || (size_t)n >= cap - used) {
            snprintf(err, err_cap, "%s too long", name);
            return -1;
        }
        used += (size_t)n;
    }
    return 0;
}

int mcx_subscriber_csv_write(FILE *out, const struct mcx_subscriber *sub, char *err, size_t err_cap)
{
    char impus[MCX_STORE_MAX_IMPUS * MCX_STORE_IDENTITY_MAX];
    char schemes[MCX_STORE_MAX_SCHEMES * MCX_STORE_SCHEME_MAX];
    char partners[MCX_STORE_MAX_PARTNERS * MCX_STORE_IDENTITY_MAX];
    char msisdns[MCX_STORE_MAX_MSISDNS * MCX_STORE_DIGITS_MAX];
    char k[33], op[33] = "", opc[33] = "", amf[5], sqn[24];
    if (join_list("impu", &sub->impu[0][0], MCX_STORE_IDENTITY_MAX, sub->impu_count, impus,
                  sizeof impus, err, err_cap) ||
        join_list("schemes", &sub->schemes[0][0], MCX_STORE_SCHEME_MAX, sub->scheme_count, schemes,
                  sizeof schemes, err, err_cap) ||
        join_list("allowed_partners", &sub->allowed_partners[0][0], MCX_STORE_IDENTITY_MAX,
                  sub->partner_count, partners, sizeof partners, err, err_cap) ||
        join_list("msisdn", &sub->msisdn[0][0], MCX_STORE_DIGITS_MAX, sub->msisdn_count, msisdns,
                  sizeof msisdns, err, err_cap))
        return -1;
    mcx_hex_encode(sub->k, sizeof sub->k, k, sizeof k);
    if (sub->has_op)
        mcx_hex_encode(sub->op, sizeof sub->op, op, sizeof op);
    if (sub->has_opc)
        mcx_hex_encode(sub->opc, sizeof sub->opc, opc, sizeof opc);
    mcx_hex_encode(sub->amf, sizeof sub->amf, amf, sizeof amf);
    snprintf(sqn, sizeof sqn, "%lld", (long long)sub->sqn);
    const char *values[MCX_CSV_COLUMNS] = {
        [MCX_CSV_IMPI] = sub->impi,
        [MCX_CSV_IMPU] = impus,
        [MCX_CSV_K] = k,
        [MCX_CSV_OP] = op,
        [MCX_CSV_OPC] = opc,
        [MCX_CSV_AMF] = amf,
        [MCX_CSV_SQN] = sqn,
        [MCX_CSV_SCHEMES] = schemes,
        [MCX_CSV_ALLOWED_PARTNERS] = partners,
        [MCX_CSV_HA1] = sub->ha1,
        [MCX_CSV_IMSI] = sub->imsi,
        [MCX_CSV_MSISDN] = msisdns,
    };
    return write_record(out, values, MCX_CSV_COLUMNS, err, err_cap);
}

/* ---- bindings ---- */

static const char *const binding_column_names[MCX_BINDING_CSV_COLUMNS] = {
    "partner_impi",  "partner_impus",  "primary_impi",
    "primary_impus", "primary_system", "primary_mms",
};

const char *mcx_binding_csv_column_name(enum mcx_binding_csv_column column)
{
    return column >= 0 && column < MCX_BINDING_CSV_COLUMNS ? binding_column_names[column] : "?";
}

int mcx_binding_csv_header(struct mcx_csv_reader *reader, struct mcx_binding_csv_layout *layout,
                           char *err, size_t err_cap)
{
    if (read_header(reader, binding_column_names, MCX_BINDING_CSV_COLUMNS, false, layout->position,
                    &layout->fields, err, err_cap) != 0)
        return -1;
    for (int c = 0; c < MCX_BINDING_CSV_COLUMNS; c++) {
        if (layout->position[c] < 0) {
            snprintf(err, err_cap,
                     "header: missing column %s (need partner_impi,partner_impus,primary_impi,"
                     "primary_impus,primary_system,primary_mms)",
                     binding_column_names[c]);
            return -1;
        }
    }
    return 0;
}

int mcx_binding_csv_next(struct mcx_csv_reader *reader, const struct mcx_binding_csv_layout *layout,
                         const char *values[MCX_BINDING_CSV_COLUMNS], char *err, size_t err_cap)
{
    return read_values(reader, layout->position, MCX_BINDING_CSV_COLUMNS, layout->fields, values,
                       err, err_cap);
}

int mcx_binding_csv_write_header(FILE *out)
{
    char err[32];
    return write_record(out, binding_column_names, MCX_BINDING_CSV_COLUMNS, err, sizeof err);
}

int mcx_binding_csv_write(FILE *out, const struct mcx_binding *b, char *err, size_t err_cap)
{
    char partner_impus[MCX_STORE_MAX_IMPUS * MCX_STORE_IDENTITY_MAX];
    char primary_impus[MCX_STORE_MAX_IMPUS * MCX_STORE_IDENTITY_MAX];
    if (join_list("partner_impus", &b->partner_impu[0][0], MCX_STORE_IDENTITY_MAX,
                  b->partner_impu_count, partner_impus, sizeof partner_impus, err, err_cap) ||
        join_list("primary_impus", &b->primary_impu[0][0], MCX_STORE_IDENTITY_MAX,
                  b->primary_impu_count, primary_impus, sizeof primary_impus, err, err_cap))
        return -1;
    const char *values[MCX_BINDING_CSV_COLUMNS] = {
        [MCX_BINDING_CSV_PARTNER_IMPI] = b->partner_impi,
        [MCX_BINDING_CSV_PARTNER_IMPUS] = partner_impus,
        [MCX_BINDING_CSV_PRIMARY_IMPI] = b->primary_impi,
        [MCX_BINDING_CSV_PRIMARY_IMPUS] = primary_impus,
        [MCX_BINDING_CSV_PRIMARY_SYSTEM] = b->primary_system,
        [MCX_BINDING_CSV_PRIMARY_MMS] = b->primary_mms,
    };
    return write_record(out, values, MCX_BINDING_CSV_COLUMNS, err, err_cap);
}
