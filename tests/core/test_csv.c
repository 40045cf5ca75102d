/* core/csv.h record reader and field writer; store/store_csv.h subscriber header modes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/csv.h"
#include "store/store_csv.h"

/* A reader over text (kept open in *in until the caller closes it). */
static void open_text(const char *text, FILE **in, struct mcx_csv_reader *reader)
{
    *in = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(*in);
    mcx_csv_reader_init(reader, *in);
}

static void reads_quoted_fields_and_line_numbers(void **state)
{
    (void)state;
    const char *text = "a,\"b,c\",\"say \"\"hi\"\"\"\r\n"
                       "\n"
                       "  \t\r\n"
                       "x,\"two\nlines\",\n"
                       "last,,\"\"";
    FILE *in;
    struct mcx_csv_reader reader;
    char err[200];
    open_text(text, &in, &reader);

    assert_int_equal(mcx_csv_reader_next(&reader, err, sizeof err), 1);
    assert_int_equal(reader.line_no, 1);
    assert_int_equal(reader.count, 3);
    assert_string_equal(reader.fields[0], "a");
    assert_string_equal(reader.fields[1], "b,c");
    assert_string_equal(reader.fields[2], "say \"hi\"");

    assert_int_equal(mcx_csv_reader_next(&reader, err, sizeof err), 1);
    assert_int_equal(reader.line_no, 4); /* blank lines 2 and 3 skipped */
    assert_int_equal(reader.count, 3);
    assert_string_equal(reader.fields[1], "two\nlines");
    assert_string_equal(reader.fields[2], "");

    assert_int_equal(mcx_csv_reader_next(&reader, err, sizeof err), 1);
    assert_int_equal(reader.line_no, 6); /* the quoted line break counted */
    assert_int_equal(reader.count, 3);
    assert_string_equal(reader.fields[0], "last");
    assert_string_equal(reader.fields[2], "");

    assert_int_equal(mcx_csv_reader_next(&reader, err, sizeof err), 0);
    mcx_csv_reader_free(&reader);
    fclose(in);
}

static void refuses_malformed_records(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *expect;
    } bad[] = {
        {"a,\"open\n", "unterminated quoted field"},
        {"a,\"b\"c\n", "text after a closing quote"},
        {",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n", "more than 32 fields"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        FILE *in;
        struct mcx_csv_reader reader;
        char err[200] = "";
        open_text(bad[i].text, &in, &reader);
        assert_int_equal(mcx_csv_reader_next(&reader, err, sizeof err), -1);
        if (!strstr(err, bad[i].expect))
            fail_msg("case %zu: error '%s' lacks '%s'", i, err, bad[i].expect);
        mcx_csv_reader_free(&reader);
        fclose(in);
    }
    /* A NUL byte is refused (fmemopen with an explicit length keeps it). */
    {
        static const char nul_text[] = "a,b\nc,\0d\n";
        FILE *nul_in = fmemopen((void *)nul_text, sizeof nul_text - 1, "r");
        assert_non_null(nul_in);
        struct mcx_csv_reader nul_reader;
        char nul_err[200] = "";
        mcx_csv_reader_init(&nul_reader, nul_in);
        assert_int_equal(mcx_csv_reader_next(&nul_reader, nul_err, sizeof nul_err), 1);
        assert_int_equal(mcx_csv_reader_next(&nul_reader, nul_err, sizeof nul_err), -1);
        assert_int_equal(nul_reader.line_no, 2);
        assert_non_null(strstr(nul_err, "NUL byte"));
        mcx_csv_reader_free(&nul_reader);
        fclose(nul_in);
    }
    /* A record longer than MCX_CSV_RECORD_MAX is refused, not read without bound. */
    size_t len = MCX_CSV_RECORD_MAX + 10;
    char *long_text = malloc(len + 1);
    assert_non_null(long_text);
    memset(long_text, 'x', len);
    long_text[len] = '\0';
    FILE *in;
    struct mcx_csv_reader reader;
    char err[200] = "";
    open_text(long_text, &in, &reader);
    assert_int_equal(mcx_csv_reader_next(&reader, err, sizeof err), -1);
    assert_non_null(strstr(err, "record longer than"));
    mcx_csv_reader_free(&reader);
    fclose(in);
    free(long_text);
}

static void writes_fields_that_read_back(void **state)
{
    (void)state;
    char *out_text = NULL;
    size_t out_len = 0;
    FILE *out = open_memstream(&out_text, &out_len);
    assert_non_null(out);
    const char *values[] = {"plain", "with,comma", "with \"quote\"", "two\nlines", ""};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(mcx_csv_write_field(out, values[i], i == 0), 0);
    fputc('\n', out);
    fclose(out);
    assert_string_equal(out_text, "plain,\"with,comma\",\"with \"\"quote\"\"\",\"two\nlines\",\n");

    FILE *in;
    struct mcx_csv_reader reader;
    char err[200];
    open_text(out_text, &in, &reader);
    assert_int_equal(mcx_csv_reader_next(&reader, err, sizeof err), 1);
    assert_int_equal(reader.count, 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(reader.fields[i], values[i]);
    mcx_csv_reader_free(&reader);
    fclose(in);
    free(out_text);
}

/* Reads a header in mode; returns the reader's result and leaves the reason in err. */
static int header(const char *text, enum mcx_csv_header_mode mode, struct mcx_csv_layout *layout,
                  char *err, size_t err_cap)
{
    FILE *in;
    struct mcx_csv_reader reader;
    open_text(text, &in, &reader);
    int rc = mcx_subscriber_csv_header(&reader, mode, layout, err, err_cap);
    mcx_csv_reader_free(&reader);
    fclose(in);
    return rc;
}

static void subscriber_header_modes(void **state)
{
    (void)state;
    struct mcx_csv_layout layout;
    char err[200] = "";
    const char *full = "impi,impu,k,op,opc,amf,sqn,schemes,allowed_partners\n";
    assert_int_equal(header(full, MCX_CSV_STRICT, &layout, err, sizeof err), 0);
    assert_int_equal(layout.fields, 9);
    assert_int_equal(layout.position[MCX_CSV_K], 2);
    assert_int_equal(layout.position[MCX_CSV_HA1], -1);

    /* Tolerant: order free, case-insensitive, unknown ignored, only impi, k, op|opc needed. */
    assert_int_equal(header("OPC,note,impi,k\n", MCX_CSV_TOLERANT, &layout, err, sizeof err), 0);
    assert_int_equal(layout.fields, 4);
    assert_int_equal(layout.position[MCX_CSV_OPC], 0);
    assert_int_equal(layout.position[MCX_CSV_IMPI], 2);
    assert_int_equal(layout.position[MCX_CSV_IMPU], -1);
    assert_int_equal(header("OPC,note,impi,k\n", MCX_CSV_STRICT, &layout, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown column 'note'"));
    assert_int_equal(header("impi,k,opc\n", MCX_CSV_STRICT, &layout, err, sizeof err), -1);
    assert_non_null(strstr(err, "missing column impu"));
    assert_int_equal(header("impi,impu\n", MCX_CSV_TOLERANT, &layout, err, sizeof err), -1);
    assert_non_null(strstr(err, "header must name"));
    assert_int_equal(header("impi,k,opc,k\n", MCX_CSV_TOLERANT, &layout, err, sizeof err), -1);
    assert_non_null(strstr(err, "column k twice"));
    assert_int_equal(header("", MCX_CSV_TOLERANT, &layout, err, sizeof err), -1);
    assert_non_null(strstr(err, "empty file"));

    /* Records: values by column, "" for a column the header lacks, field count checked. */
    FILE *in;
    struct mcx_csv_reader reader;
    const char *values[MCX_CSV_COLUMNS];
    open_text("k,impi,opc\nK1,a@d,O1\nK2,b@d\n", &in, &reader);
    assert_int_equal(mcx_subscriber_csv_header(&reader, MCX_CSV_TOLERANT, &layout, err, sizeof err),
                     0);
    assert_int_equal(mcx_subscriber_csv_next(&reader, &layout, values, err, sizeof err), 1);
    assert_string_equal(values[MCX_CSV_IMPI], "a@d");
    assert_string_equal(values[MCX_CSV_K], "K1");
    assert_string_equal(values[MCX_CSV_OPC], "O1");
    assert_string_equal(values[MCX_CSV_AMF], "");
    assert_int_equal(mcx_subscriber_csv_next(&reader, &layout, values, err, sizeof err), -1);
    assert_int_equal(reader.line_no, 3);
    assert_non_null(strstr(err, "2 fields, the header names 3"));
    mcx_csv_reader_free(&reader);
    fclose(in);
}

static void subscriber_export_reads_back(void **state)
{
    (void)state;
    struct mcx_subscriber sub;
    memset(&sub, 0, sizeof sub);
    strcpy(sub.impi, "alice@primary.mcx.lab");
    strcpy(sub.impu[0], "sip:alice@primary.mcx.lab");
    strcpy(sub.impu[1], "tel:+4670001");
    sub.impu_count = 2;
    sub.has_opc = true;
    memset(sub.k, 0x46, sizeof sub.k);
    memset(sub.opc, 0xcd, sizeof sub.opc);
    sub.amf[0] = 0x80;
    sub.sqn = 64;
    strcpy(sub.schemes[0], "Digest-AKAv1-MD5");
    strcpy(sub.schemes[1], "SIP Digest");
    sub.scheme_count = 2;
    strcpy(sub.allowed_partners[0], "partner,with comma");
    sub.partner_count = 1;

    char *text = NULL;
    size_t len = 0;
    char err[200];
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    assert_int_equal(mcx_subscriber_csv_write_header(out), 0);
    assert_int_equal(mcx_subscriber_csv_write(out, &sub, err, sizeof err), 0);
    strcpy(sub.impu[1], "tel:+46;bad");
    assert_int_equal(mcx_subscriber_csv_write(out, &sub, err, sizeof err), -1);
    assert_non_null(strstr(err, "contains ';'"));
    fclose(out);

    FILE *in;
    struct mcx_csv_reader reader;
    struct mcx_csv_layout layout;
    const char *values[MCX_CSV_COLUMNS];
    open_text(text, &in, &reader);
    assert_int_equal(mcx_subscriber_csv_header(&reader, MCX_CSV_STRICT, &layout, err, sizeof err),
                     0);
    assert_int_equal(layout.fields, MCX_CSV_COLUMNS);
    assert_int_equal(mcx_subscriber_csv_next(&reader, &layout, values, err, sizeof err), 1);
    assert_string_equal(values[MCX_CSV_IMPU], "sip:alice@primary.mcx.lab;tel:+4670001");
    assert_string_equal(values[MCX_CSV_K], "46464646464646464646464646464646");
    assert_string_equal(values[MCX_CSV_OP], "");
    assert_string_equal(values[MCX_CSV_OPC], "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd");
    assert_string_equal(values[MCX_CSV_AMF], "8000");
    assert_string_equal(values[MCX_CSV_SQN], "64");
    assert_string_equal(values[MCX_CSV_SCHEMES], "Digest-AKAv1-MD5;SIP Digest");
    assert_string_equal(values[MCX_CSV_ALLOWED_PARTNERS], "partner,with comma");
    assert_int_equal(mcx_subscriber_csv_next(&reader, &layout, values, err, sizeof err), 0);
    mcx_csv_reader_free(&reader);
    fclose(in);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_quoted_fields_and_line_numbers),
        cmocka_unit_test(refuses_malformed_records),
        cmocka_unit_test(writes_fields_that_read_back),
        cmocka_unit_test(subscriber_header_modes),
        cmocka_unit_test(subscriber_export_reads_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
