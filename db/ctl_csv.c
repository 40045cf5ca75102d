/* mcx-ctl subscriber CSV reader and writer. */
#include <stdbool.h>
#include <string.h>

#include "core/codec.h"
#include "ctl_csv.h"

#define CSV_MAX_FIELDS 16
#define CSV_LINE_MAX   (MCX_STORE_MAX_PARTNERS * MCX_STORE_IDENTITY_MAX * 2 + 1024)

static const char *const column_names[CSV_COLUMNS] = {
    "impi", "impu", "k",      "op", "opc", "amf", "sqn", "schemes", "allowed_partners",
    "ha1",  "imsi", "msisdn",
};

/* Splits a line into fields (quotes removed) stored in buf. Returns the field count, or -1. */
static int split_fields(const char *line, char *buf, size_t buf_cap, char **fields, char *err)
{
    size_t used = 0;
    int count = 0;
    const char *p = line;
    for (;;) {
        if (count >= CSV_MAX_FIELDS) {
            snprintf(err, CTL_ERR_MAX, "more than %d fields", CSV_MAX_FIELDS);
            return -1;
        }
        fields[count++] = buf + used;
        bool quoted = *p == '"';
        if (quoted)
            p++;
        for (;;) {
            if (used + 1 >= buf_cap) {
                snprintf(err, CTL_ERR_MAX, "line too long");
                return -1;
            }
            if (quoted) {
                if (*p == '\0') {
                    snprintf(err, CTL_ERR_MAX, "unterminated quoted field");
                    return -1;
                }
                if (*p == '"' && p[1] == '"') {
                    buf[used++] = '"';
                    p += 2;
                    continue;
                }
                if (*p == '"') {
                    p++;
                    if (*p != ',' && *p != '\0' && *p != '\r' && *p != '\n') {
                        snprintf(err, CTL_ERR_MAX, "text after a closing quote");
                        return -1;
                    }
                    quoted = false;
                    continue;
                }
                buf[used++] = *p++;
                continue;
            }
            if (*p == ',' || *p == '\0' || *p == '\r' || *p == '\n')
                break;
            buf[used++] = *p++;
        }
        buf[used++] = '\0';
        if (*p != ',')
            return count;
        p++;
    }
}

int ctl_csv_header(const char *line, struct ctl_csv_layout *layout, char *err)
{
    char buf[CSV_LINE_MAX];
    char *fields[CSV_MAX_FIELDS];
    int count = split_fields(line, buf, sizeof buf, fields, err);
    if (count < 0)
        return -1;
    for (int c = 0; c < CSV_COLUMNS; c++)
        layout->position[c] = -1;
    for (int f = 0; f < count; f++) {
        int column = -1;
        for (int c = 0; c < CSV_COLUMNS; c++) {
            if (strcmp(fields[f], column_names[c]) == 0)
                column = c;
        }
        if (column < 0) {
            snprintf(err, CTL_ERR_MAX, "header: unknown column '%.40s'", fields[f]);
            return -1;
        }
        if (layout->position[column] >= 0) {
            snprintf(err, CTL_ERR_MAX, "header: column %s twice", column_names[column]);
            return -1;
        }
        layout->position[column] = f;
    }
    for (int c = 0; c <= CSV_ALLOWED_PARTNERS; c++) {
        if (layout->position[c] < 0) {
            snprintf(err, CTL_ERR_MAX,
                     "header: missing column %s (need impi,impu,k,op,opc,amf,sqn,schemes,"
                     "allowed_partners)",
                     column_names[c]);
            return -1;
        }
    }
    layout->fields = (size_t)count;
    return 0;
}

int ctl_csv_row(const struct ctl_csv_layout *layout, const char *line, struct mcx_subscriber *sub,
                char *err)
{
    char buf[CSV_LINE_MAX];
    char *fields[CSV_MAX_FIELDS];
    int count = split_fields(line, buf, sizeof buf, fields, err);
    if (count < 0)
        return -1;
    if ((size_t)count != layout->fields) {
        snprintf(err, CTL_ERR_MAX, "%d fields, the header has %zu", count, layout->fields);
        return -1;
    }
    const char *v[CSV_COLUMNS];
    for (int c = 0; c < CSV_COLUMNS; c++)
        v[c] = layout->position[c] >= 0 ? fields[layout->position[c]] : "";
    memset(sub, 0, sizeof *sub);
    if (ctl_field_string("impi", v[CSV_IMPI], sub->impi, sizeof sub->impi, err) ||
        ctl_field_list_split("impu", v[CSV_IMPU], &sub->impu[0][0], MCX_STORE_IDENTITY_MAX,
                             MCX_STORE_MAX_IMPUS, &sub->impu_count, err) ||
        ctl_field_hex("k", v[CSV_K], sub->k, sizeof sub->k, err))
        return -1;
    if (sub->impu_count == 0) {
        snprintf(err, CTL_ERR_MAX, "impu: at least one is required");
        return -1;
    }
    if (!!v[CSV_OP][0] == !!v[CSV_OPC][0]) {
        snprintf(err, CTL_ERR_MAX, "exactly one of op and opc must be given");
        return -1;
    }
    if (v[CSV_OP][0]) {
        sub->has_op = true;
        if (ctl_field_hex("op", v[CSV_OP], sub->op, sizeof sub->op, err))
            return -1;
    } else {
        sub->has_opc = true;
        if (ctl_field_hex("opc", v[CSV_OPC], sub->opc, sizeof sub->opc, err))
            return -1;
    }
    if (ctl_field_hex("amf", v[CSV_AMF][0] ? v[CSV_AMF] : "8000", sub->amf, sizeof sub->amf, err) ||
        ctl_field_sqn(v[CSV_SQN][0] ? v[CSV_SQN] : "0", &sub->sqn, err) ||
        ctl_field_list_split("schemes", v[CSV_SCHEMES][0] ? v[CSV_SCHEMES] : "Digest-AKAv1-MD5",
                             &sub->schemes[0][0], MCX_STORE_SCHEME_MAX, MCX_STORE_MAX_SCHEMES,
                             &sub->scheme_count, err) ||
        ctl_field_list_split("allowed_partners", v[CSV_ALLOWED_PARTNERS],
                             &sub->allowed_partners[0][0], MCX_STORE_IDENTITY_MAX,
                             MCX_STORE_MAX_PARTNERS, &sub->partner_count, err) ||
        ctl_field_list_split("msisdn", v[CSV_MSISDN], &sub->msisdn[0][0], MCX_STORE_DIGITS_MAX,
                             MCX_STORE_MAX_MSISDNS, &sub->msisdn_count, err))
        return -1;
    if (v[CSV_HA1][0] && ctl_field_string("ha1", v[CSV_HA1], sub->ha1, sizeof sub->ha1, err))
        return -1;
    if (v[CSV_IMSI][0] && ctl_field_string("imsi", v[CSV_IMSI], sub->imsi, sizeof sub->imsi, err))
        return -1;
    return 0;
}

void ctl_csv_write_header(FILE *out)
{
    for (int c = 0; c < CSV_COLUMNS; c++)
        fprintf(out, "%s%s", c ? "," : "", column_names[c]);
    fputc('\n', out);
}

/* Writes a field, quoted when it holds ',' or '"'. */
static void write_field(FILE *out, const char *text, bool first)
{
    if (!first)
        fputc(',', out);
    if (!strpbrk(text, ",\"")) {
        fputs(text, out);
        return;
    }
    fputc('"', out);
    for (const char *c = text; *c; c++) {
        if (*c == '"')
            fputc('"', out);
        fputc(*c, out);
    }
    fputc('"', out);
}

/* Joins list items with ';' into out; -1 when an item holds ';'. */
static int join_list(const char *name, const char *items, size_t item_cap, size_t count, char *out,
                     size_t cap, char *err)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        const char *item = items + i * item_cap;
        if (strchr(item, ';')) {
            snprintf(err, CTL_ERR_MAX, "%s item '%.60s' contains ';'", name, item);
            return -1;
        }
        int n = snprintf(out + used, cap - used, "%s%s", i ? ";" : "", item);
        if (n < 0 || (size_t)n >= cap - used) {
            snprintf(err, CTL_ERR_MAX, "%s too long", name);
            return -1;
        }
        used += (size_t)n;
    }
    return 0;
}

int ctl_csv_write_row(FILE *out, const struct mcx_subscriber *sub, char *err)
{
    char impus[MCX_STORE_MAX_IMPUS * MCX_STORE_IDENTITY_MAX];
    char schemes[MCX_STORE_MAX_SCHEMES * MCX_STORE_SCHEME_MAX];
    char partners[MCX_STORE_MAX_PARTNERS * MCX_STORE_IDENTITY_MAX];
    char msisdns[MCX_STORE_MAX_MSISDNS * MCX_STORE_DIGITS_MAX];
    char k[33], op[33] = "", opc[33] = "", amf[5], sqn[24];
    if (join_list("impu", &sub->impu[0][0], MCX_STORE_IDENTITY_MAX, sub->impu_count, impus,
                  sizeof impus, err) ||
        join_list("schemes", &sub->schemes[0][0], MCX_STORE_SCHEME_MAX, sub->scheme_count, schemes,
                  sizeof schemes, err) ||
        join_list("allowed_partners", &sub->allowed_partners[0][0], MCX_STORE_IDENTITY_MAX,
                  sub->partner_count, partners, sizeof partners, err) ||
        join_list("msisdn", &sub->msisdn[0][0], MCX_STORE_DIGITS_MAX, sub->msisdn_count, msisdns,
                  sizeof msisdns, err))
        return -1;
    mcx_hex_encode(sub->k, sizeof sub->k, k, sizeof k);
    if (sub->has_op)
        mcx_hex_encode(sub->op, sizeof sub->op, op, sizeof op);
    if (sub->has_opc)
        mcx_hex_encode(sub->opc, sizeof sub->opc, opc, sizeof opc);
    mcx_hex_encode(sub->amf, sizeof sub->amf, amf, sizeof amf);
    snprintf(sqn, sizeof sqn, "%lld", (long long)sub->sqn);
    const char *values[CSV_COLUMNS] = {
        [CSV_IMPI] = sub->impi, [CSV_IMPU] = impus,      [CSV_K] = k,
        [CSV_OP] = op,          [CSV_OPC] = opc,         [CSV_AMF] = amf,
        [CSV_SQN] = sqn,        [CSV_SCHEMES] = schemes, [CSV_ALLOWED_PARTNERS] = partners,
        [CSV_HA1] = sub->ha1,   [CSV_IMSI] = sub->imsi,  [CSV_MSISDN] = msisdns,
    };
    for (int c = 0; c < CSV_COLUMNS; c++)
        write_field(out, values[c], c == 0);
    fputc('\n', out);
    return 0;
}
