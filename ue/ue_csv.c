/* Subscriber CSV for the load generator; see ue_csv.h. */
#include "ue_csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FIELD_MAX   1024 /* one field after unquoting, including the NUL */
#define COLUMNS_MAX 32

enum column { COL_IGNORED = 0, COL_IMPI, COL_IMPU, COL_K, COL_OP, COL_OPC, COL_AMF };

/* Reads one field starting at *pos into out (unquoted). Sets *end_of_line when the field ended
 * the record. Returns 0, or -1 on an unterminated quote or a field longer than FIELD_MAX. */
static int next_field(const char *text, size_t len, size_t *pos, char *out, bool *end_of_line,
                      size_t *line)
{
    size_t i = *pos, n = 0;
    bool quoted = i < len && text[i] == '"';
    if (quoted) {
        i++;
        for (;;) {
            if (i >= len)
                return -1;
            if (text[i] == '"') {
                if (i + 1 < len && text[i + 1] == '"') {
                    if (n + 1 >= FIELD_MAX)
                        return -1;
                    out[n++] = '"';
                    i += 2;
                    continue;
                }
                i++;
                break;
            }
            if (text[i] == '\n')
                (*line)++;
            if (n + 1 >= FIELD_MAX)
                return -1;
            out[n++] = text[i++];
        }
    }
    while (i < len && text[i] != ',' && text[i] != '\n') {
        if (text[i] != '\r') {
            if (quoted || n + 1 >= FIELD_MAX)
                return -1; /* text after a closing quote, or too long */
            out[n++] = text[i];
        }
        i++;
    }
    out[n] = '\0';
    *end_of_line = i >= len || text[i] == '\n';
    *pos = i < len ? i + 1 : i;
    return 0;
}

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

static enum column column_of(const char *name)
{
    static const struct {
        const char *name;
        enum column col;
    } known[] = {{"impi", COL_IMPI}, {"impu", COL_IMPU}, {"k", COL_K},
                 {"op", COL_OP},     {"opc", COL_OPC},   {"amf", COL_AMF}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcasecmp(name, known[i].name) == 0)
            return known[i].col;
    return COL_IGNORED;
}

/* Whether a line holds only whitespace. */
static bool blank_line(const char *text, size_t len, size_t pos)
{
    for (; pos < len && text[pos] != '\n'; pos++)
        if (text[pos] != ' ' && text[pos] != '\t' && text[pos] != '\r')
            return false;
    return true;
}

int ue_csv_parse(const char *name, const char *text, size_t len, size_t max_rows,
                 struct ue_subscriber **rows_out, size_t *count_out, char *err, size_t err_cap)
{
    enum column columns[COLUMNS_MAX];
    size_t n_columns = 0, pos = 0, line = 1;
    char field[FIELD_MAX];
    bool eol = false, seen[COL_AMF + 1] = {false};
    *rows_out = NULL;
    *count_out = 0;
    if (len == 0) {
        snprintf(err, err_cap, "%s: empty file (expected a header line)", name);
        return -1;
    }
    while (!eol) {
        if (next_field(text, len, &pos, field, &eol, &line) != 0 || n_columns == COLUMNS_MAX) {
            snprintf(err, err_cap, "%s:1: malformed header line", name);
            return -1;
        }
        enum column col = column_of(field);
        if (col != COL_IGNORED && seen[col]) {
            snprintf(err, err_cap, "%s:1: column '%s' appears twice", name, field);
            return -1;
        }
        seen[col] = true;
        columns[n_columns++] = col;
    }
    if (!seen[COL_IMPI] || !seen[COL_K] || (!seen[COL_OP] && !seen[COL_OPC])) {
        snprintf(err, err_cap, "%s:1: header must name columns impi, k and op or opc", name);
        return -1;
    }
    size_t cap = 0, count = 0;
    struct ue_subscriber *rows = NULL;
    while (pos < len && (max_rows == 0 || count < max_rows)) {
        line++;
        if (blank_line(text, len, pos)) {
            const char *nl = memchr(text + pos, '\n', len - pos);
            pos = nl ? (size_t)(nl - text) + 1 : len;
            continue;
        }
        if (count == cap) {
            size_t new_cap = cap ? cap * 2 : 64;
            struct ue_subscriber *grown = realloc(rows, new_cap * sizeof *rows);
            if (!grown) {
                snprintf(err, err_cap, "%s: out of memory", name);
                goto fail;
            }
            rows = grown;
            cap = new_cap;
        }
        struct ue_subscriber *row = &rows[count];
        memset(row, 0, sizeof *row);
        size_t row_line = line, n = 0;
        eol = false;
        while (!eol) {
            if (next_field(text, len, &pos, field, &eol, &line) != 0) {
                snprintf(err, err_cap, "%s:%zu: malformed field (quote or length)", name, row_line);
                goto fail;
            }
            if (n >= n_columns) {
                snprintf(err, err_cap, "%s:%zu: more fields than the header names", name, row_line);
                goto fail;
            }
            struct {
                char *dst;
                size_t cap;
            } target = {NULL, 0};
            switch (columns[n++]) {
            case COL_IMPI:
                target.dst = row->impi, target.cap = sizeof row->impi;
                break;
            case COL_IMPU:
                target.dst = row->impu, target.cap = sizeof row->impu;
                break;
            case COL_K:
                target.dst = row->k, target.cap = sizeof row->k;
                break;
            case COL_OP:
                target.dst = row->op, target.cap = sizeof row->op;
                break;
            case COL_OPC:
                target.dst = row->opc, target.cap = sizeof row->opc;
                break;
            case COL_AMF:
                target.dst = row->amf, target.cap = sizeof row->amf;
                break;
            case COL_IGNORED:
                break;
            }
            if (target.dst && first_item(field, target.dst, target.cap) != 0) {
                snprintf(err, err_cap, "%s:%zu: field %zu too long", name, row_line, n);
                goto fail;
            }
        }
        if (n != n_columns) {
            snprintf(err, err_cap, "%s:%zu: %zu fields, the header names %zu", name, row_line, n,
                     n_columns);
            goto fail;
        }
        struct ue_isim check;
        char why[160];
        if (ue_subscriber_to_isim(row, &check, why, sizeof why) != 0) {
            snprintf(err, err_cap, "%s:%zu: %s", name, row_line, why);
            memset(&check, 0, sizeof check);
            goto fail;
        }
        memset(&check, 0, sizeof check);
        count++;
    }
    if (count == 0) {
        snprintf(err, err_cap, "%s: no subscriber rows", name);
        goto fail;
    }
    *rows_out = rows;
    *count_out = count;
    return 0;
fail:
    free(rows);
    return -1;
}

int ue_csv_load(const char *path, size_t max_rows, struct ue_subscriber **rows, size_t *count,
                char *err, size_t err_cap)
{
    FILE *in = fopen(path, "rb");
    if (!in) {
        snprintf(err, err_cap, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    int rc = -1;
    for (;;) {
        if (len == cap) {
            if (cap >= UE_CSV_FILE_MAX) {
                snprintf(err, err_cap, "%s: larger than %u bytes", path, UE_CSV_FILE_MAX);
                goto out;
            }
            size_t new_cap = cap ? cap * 2 : 65536;
            char *grown = realloc(text, new_cap);
            if (!grown) {
                snprintf(err, err_cap, "%s: out of memory", path);
                goto out;
            }
            text = grown;
            cap = new_cap;
        }
        size_t n = fread(text + len, 1, cap - len, in);
        len += n;
        if (n == 0) {
            if (ferror(in)) {
                snprintf(err, err_cap, "%s: read error", path);
                goto out;
            }
            break;
        }
    }
    rc = ue_csv_parse(path, text, len, max_rows, rows, count, err, err_cap);
out:
    free(text);
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
