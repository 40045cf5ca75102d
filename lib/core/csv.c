/* RFC 4180 record reader and field writer; see csv.h. */
#include "core/csv.h"

#include <stdlib.h>
#include <string.h>

/* Outcome of splitting a record held in text (len bytes, no NUL needed). */
enum split_result { SPLIT_OK, SPLIT_OPEN_QUOTE, SPLIT_ERROR };

/* Splits text into reader->fields (unquoted into reader->buf, which holds len + 1 bytes or more).
 * A line break outside quotes ends the record; one inside quotes is kept. */
static enum split_result split_record(struct mcx_csv_reader *reader, const char *text, size_t len,
                                      char *err, size_t err_cap)
{
    size_t i = 0, used = 0;
    reader->count = 0;
    for (;;) {
        if (reader->count == MCX_CSV_MAX_FIELDS) {
            snprintf(err, err_cap, "more than %d fields", MCX_CSV_MAX_FIELDS);
            return SPLIT_ERROR;
        }
        reader->fields[reader->count++] = reader->buf + used;
        if (i < len && text[i] == '"') {
            i++;
            for (;;) {
                if (i >= len)
                    return SPLIT_OPEN_QUOTE;
                if (text[i] == '"' && i + 1 < len && text[i + 1] == '"') {
                    reader->buf[used++] = '"';
                    i += 2;
                } else if (text[i] == '"') {
                    i++;
                    break;
                } else {
                    reader->buf[used++] = text[i++];
                }
            }
            if (i < len && text[i] == '\r' && (i + 1 == len || text[i + 1] == '\n'))
                i++;
            if (i < len && text[i] != ',' && text[i] != '\n') {
                snprintf(err, err_cap, "text after a closing quote");
                return SPLIT_ERROR;
            }
        } else {
            while (i < len && text[i] != ',' && text[i] != '\n') {
                if (text[i] == '\r' && (i + 1 == len || text[i + 1] == '\n')) {
                    i++; /* CR of a CRLF line end */
                    continue;
                }
                reader->buf[used++] = text[i++];
            }
        }
        reader->buf[used++] = '\0';
        if (i >= len || text[i] == '\n')
            return SPLIT_OK;
        i++; /* ',' */
    }
}

/* Appends the next line of input (its '\n' included) to reader->text at *len, NUL-terminated.
 * Returns 1, 0 at the end of the input, or -1 on a NUL byte, an overlong record or an error. */
static int append_line(struct mcx_csv_reader *reader, size_t *len, char *err, size_t err_cap)
{
    size_t start = *len;
    for (;;) {
        if (*len + 2 > reader->text_cap) {
            if (reader->text_cap >= MCX_CSV_RECORD_MAX) {
                snprintf(err, err_cap, "record longer than %u bytes", MCX_CSV_RECORD_MAX);
                return -1;
            }
            size_t cap = reader->text_cap ? reader->text_cap * 2 : 1024;
            char *grown = realloc(reader->text, cap);
            if (!grown) {
                snprintf(err, err_cap, "out of memory");
                return -1;
            }
            reader->text = grown;
            reader->text_cap = cap;
        }
        int c = getc_unlocked(reader->in);
        if (c == EOF) {
            if (ferror(reader->in)) {
                snprintf(err, err_cap, "read error");
                return -1;
            }
            reader->text[*len] = '\0';
            return *len > start ? 1 : 0;
        }
        if (c == '\0') {
            snprintf(err, err_cap, "NUL byte in the text");
            return -1;
        }
        reader->text[(*len)++] = (char)c;
        if (c == '\n') {
            reader->text[*len] = '\0';
            return 1;
        }
    }
}

void mcx_csv_reader_init(struct mcx_csv_reader *reader, FILE *in)
{
    memset(reader, 0, sizeof *reader);
    reader->in = in;
    reader->next_line = 1;
}

int mcx_csv_reader_next(struct mcx_csv_reader *reader, char *err, size_t err_cap)
{
    for (;;) {
        size_t len = 0;
        reader->line_no = reader->next_line;
        int rc = append_line(reader, &len, err, err_cap);
        if (rc <= 0)
            return rc;
        reader->next_line++;
        if (strspn(reader->text, " \t\r\n") == len)
            continue; /* blank line */
        for (;;) {
            if (reader->buf_cap < len + 1) {
                char *grown = realloc(reader->buf, reader->text_cap);
                if (!grown) {
                    snprintf(err, err_cap, "out of memory");
                    return -1;
                }
                reader->buf = grown;
                reader->buf_cap = reader->text_cap;
            }
            enum split_result split = split_record(reader, reader->text, len, err, err_cap);
            if (split == SPLIT_OK)
                return 1;
            if (split == SPLIT_ERROR)
                return -1;
            /* A quoted field goes on over a line break: read the next line too. */
            rc = append_line(reader, &len, err, err_cap);
            if (rc < 0)
                return -1;
            if (rc == 0) {
                snprintf(err, err_cap, "unterminated quoted field");
                return -1;
            }
            reader->next_line++;
        }
    }
}

void mcx_csv_reader_free(struct mcx_csv_reader *reader)
{
    free(reader->text);
    free(reader->buf);
    reader->text = reader->buf = NULL;
    reader->text_cap = reader->buf_cap = 0;
}

int mcx_csv_write_field(FILE *out, const char *text, bool first)
{
    if (!first && fputc(',', out) == EOF)
        return -1;
    if (!strpbrk(text, ",\"\r\n"))
        return fputs(text, out) == EOF ? -1 : 0;
    if (fputc('"', out) == EOF)
        return -1;
    for (const char *c = text; *c; c++) {
        if ((*c == '"' && fputc('"', out) == EOF) || fputc(*c, out) == EOF)
            return -1;
    }
    return fputc('"', out) == EOF ? -1 : 0;
}
