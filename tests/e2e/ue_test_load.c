/* mcx-ue load pieces: the subscriber CSV of `mcx-ctl subscriber import` (header-named columns,
 * quotes, lists, OP or OPc, errors with line numbers) and the statistics (nearest-rank
 * percentiles, failure causes, JSON report). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ue_csv.h"
#include "ue_stats.h"
#include "ue_test_util.h"

static int parse(const char *text, size_t max, struct ue_subscriber **rows, size_t *n, char *err,
                 size_t cap)
{
    return ue_csv_parse("users.csv", text, strlen(text), max, rows, n, err, cap);
}

static void csv_import_format(void **state)
{
    (void)state;
    const char *text =
        "impi,impu,k,op,opc,amf,sqn,schemes,allowed_partners\r\n"
        "alice@primary.mcx.lab,sip:alice@primary.mcx.lab;tel:+491,\"" SET1_K "\",," SET1_OPC
        ",8000,0,Digest-AKAv1-MD5;SIP Digest,partner.mcx.lab\r\n"
        "\r\n"
        "\"bob@primary.mcx.lab\",,\"" SET1_K "\",\"" SET1_OP "\",,,32,\"Digest-AKAv1-MD5\",\"\"\n"
        "carol@primary.mcx.lab,\"sip:carol@primary.mcx.lab\",0x" SET1_K ",," SET1_OPC
        ",b9b9,64,\"a,b\",\n";
    struct ue_subscriber *rows = NULL;
    size_t n = 0;
    char err[256];
    assert_int_equal(parse(text, 0, &rows, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(rows[0].impi, "alice@primary.mcx.lab");
    assert_string_equal(rows[0].impu, "sip:alice@primary.mcx.lab"); /* first of the list */
    assert_string_equal(rows[1].impu, "");
    assert_string_equal(rows[1].op, SET1_OP);
    assert_string_equal(rows[2].amf, "b9b9");

    struct ue_isim isim;
    uint8_t opc[16];
    UE_HEX(SET1_OPC, opc, 16);
    assert_int_equal(ue_subscriber_to_isim(&rows[1], &isim, err, sizeof err), 0);
    assert_memory_equal(isim.opc, opc, 16); /* derived from OP */
    assert_string_equal(isim.impu, "sip:bob@primary.mcx.lab");
    assert_string_equal(isim.domain, "primary.mcx.lab");
    assert_int_equal(ue_subscriber_to_isim(&rows[2], &isim, err, sizeof err), 0);
    assert_int_equal(isim.amf[0], 0xb9);
    free(rows);

    /* Column order is free, unknown columns are ignored, max_rows limits. */
    const char *reordered =
        "opc,note,impi,k\n" SET1_OPC ",x,a@d," SET1_K "\n" SET1_OPC ",y,b@d," SET1_K "\n";
    assert_int_equal(parse(reordered, 1, &rows, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].impi, "a@d");
    free(rows);
}

static void csv_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *expect;
    } bad[] = {
        {"", "empty"},
        {"impi,impu\na@d,sip:a@d\n", "header must name"},
        {"impi,k,opc,impi\n", "twice"},
        {"impi,k,opc\na@d," SET1_K "\n", ":2: 2 fields"},
        {"impi,k,opc\na@d," SET1_K "," SET1_OPC ",extra\n", ":2: 4 fields, the header names 3"},
        {"impi,k,opc\na@d,\"" SET1_K "," SET1_OPC "\n", ":2: unterminated quoted field"},
        {"impi,k,opc\na@d," SET1_K "," SET1_OPC "\nb@d,1234," SET1_OPC "\n", ":3: K"},
        {"impi,k,opc\nnodomain," SET1_K "," SET1_OPC "\n", ":2: IMPI"},
        {"impi,k,opc\n\n\n", "no subscriber rows"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct ue_subscriber *rows = (struct ue_subscriber *)1;
        size_t n = 99;
        char err[256] = "";
        assert_int_equal(parse(bad[i].text, 0, &rows, &n, err, sizeof err), -1);
        assert_null(rows);
        assert_int_equal(n, 0);
        if (!strstr(err, bad[i].expect))
            fail_msg("case %zu: error '%s' lacks '%s'", i, err, bad[i].expect);
        assert_null(strstr(err, SET1_K)); /* keys never echoed */
    }
    char err[256];
    struct ue_subscriber *rows;
    size_t n;
    assert_int_equal(ue_csv_load("/nonexistent/users.csv", 0, &rows, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
}

static void percentiles(void **state)
{
    (void)state;
    struct ue_stats s;
    ue_stats_init(&s);
    assert_int_equal(ue_stats_percentile(&s, 50), 0); /* no samples */
    /* 1..100 in a scrambled order. */
    for (uint64_t i = 0; i < 100; i++)
        assert_int_equal(ue_stats_record(&s, UE_REG_REGISTERED, (i * 37) % 100 + 1), 0);
    assert_int_equal(s.registered, 100);
    assert_int_equal(ue_stats_percentile(&s, 50), 50);
    assert_int_equal(ue_stats_percentile(&s, 90), 90);
    assert_int_equal(ue_stats_percentile(&s, 99), 99);
    assert_int_equal(ue_stats_percentile(&s, 100), 100);
    assert_int_equal(ue_stats_percentile(&s, 0.5), 1);
    ue_stats_free(&s);

    /* Ten samples: p50 is the 5th, p90 the 9th, p99 the 10th (nearest rank). */
    ue_stats_init(&s);
    uint64_t ten[] = {700, 100, 900, 300, 1000, 200, 500, 400, 800, 600};
    for (size_t i = 0; i < 10; i++)
        ue_stats_record(&s, UE_REG_REGISTERED, ten[i]);
    assert_int_equal(ue_stats_percentile(&s, 50), 500);
    assert_int_equal(ue_stats_percentile(&s, 90), 900);
    assert_int_equal(ue_stats_percentile(&s, 99), 1000);
    ue_stats_free(&s);

    /* One sample is every percentile. */
    ue_stats_init(&s);
    ue_stats_record(&s, UE_REG_REGISTERED, 42);
    assert_int_equal(ue_stats_percentile(&s, 50), 42);
    assert_int_equal(ue_stats_percentile(&s, 99), 42);
    ue_stats_free(&s);
}

static void failure_causes_and_json(void **state)
{
    (void)state;
    struct ue_stats s;
    ue_stats_init(&s);
    s.started = 9;
    ue_stats_record(&s, UE_REG_REGISTERED, 2000);
    ue_stats_record(&s, UE_REG_AUTH_LOOP, 1);
    ue_stats_record(&s, UE_REG_FORBIDDEN, 1);
    ue_stats_record(&s, UE_REG_FORBIDDEN, 1);
    ue_stats_record(&s, UE_REG_SERVER_ERROR, 1);
    ue_stats_record(&s, UE_REG_TIMEOUT, 1);
    ue_stats_record(&s, UE_REG_MAC_FAILURE, 1);
    ue_stats_record(&s, UE_REG_REJECTED, 1);
    ue_stats_record(&s, UE_REG_TRANSPORT, 1);
    assert_int_equal(s.count, 1); /* only successes carry a latency */
    assert_int_equal(ue_stats_failed(&s), 8);
    assert_int_equal(s.failures[UE_FAIL_FORBIDDEN], 2);
    assert_int_equal(s.failures[UE_FAIL_OTHER], 2);
    s.elapsed_s = 0.5;
    char buf[1024] = "";
    FILE *out = fmemopen(buf, sizeof buf, "w");
    assert_non_null(out);
    ue_stats_print_json(&s, out);
    fclose(out);
    assert_non_null(strstr(buf, "\"registered\":1,"));
    assert_non_null(strstr(buf, "\"failed\":8,"));
    assert_non_null(strstr(buf, "\"registrations_per_s\":2.0,"));
    assert_non_null(strstr(buf, "\"p50\":2.000"));
    assert_non_null(strstr(buf, "\"forbidden\":2"));
    assert_non_null(strstr(buf, "\"auth_loop\":1"));
    assert_non_null(strstr(buf, "\"timeout\":1"));
    assert_non_null(strstr(buf, "\"server_error\":1"));
    assert_int_equal(buf[strlen(buf) - 2], '}');
    ue_stats_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_import_format),
        cmocka_unit_test(csv_errors),
        cmocka_unit_test(percentiles),
        cmocka_unit_test(failure_causes_and_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
