/* Secrets never reach the log: runs vector generation, UE check (ok, sync and MAC failure),
 * AUTS verification and digest computation with logging at debug into a memstream, then
 * asserts that K, OP, OPc, RES/XRES, CK, IK, AUTS-derived keys, HA1 and passwords appear in no
 * form (lower/upper hex, base64, plain text), while the non-secret events are there. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aka/aka.h"
#include "aka/digest.h"
#include "aka/milenage.h"
#include "core/codec.h"
#include "core/log.h"
#include "hex_util.h"

/* Fails when the bytes occur in the log as lower/upper-case hex or base64. */
static void assert_bytes_absent(const char *log, const uint8_t *bytes, size_t len, const char *what)
{
    char hex[2 * 32 + 1], upper[2 * 32 + 1], b64[64];
    assert_true(len <= 32);
    assert_int_equal(mcx_hex_encode(bytes, len, hex, sizeof hex), (int)(2 * len));
    for (size_t i = 0; i <= 2 * len; i++)
        upper[i] = (char)toupper((unsigned char)hex[i]);
    assert_true(mcx_base64_encode(bytes, len, b64, sizeof b64) > 0);
    b64[strcspn(b64, "=")] = '\0';
    if (strstr(log, hex) || strstr(log, upper) || strstr(log, b64))
        fail_msg("%s appears in the log", what);
}

static void assert_text_absent(const char *log, const char *text, const char *what)
{
    if (strstr(log, text))
        fail_msg("%s appears in the log", what);
}

static void no_secrets_in_debug_log(void **state)
{
    (void)state;
    char *log = NULL;
    size_t log_len = 0;
    FILE *mem = open_memstream(&log, &log_len);
    assert_non_null(mem);
    mcx_log_init("test", MCX_LOG_DEBUG, mem);

    uint8_t k[16], op[16], opc[16], rand[16], amf[2];
    HEX("465b5ce8b199b49faa5f0a2ee238a6bc", k, 16);
    HEX("cdc202d5123e20f62b6d676ac72cb318", op, 16);
    HEX("23553cbe9637a89d218ae64dae47bf35", rand, 16);
    HEX("b9b9", amf, 2);
    assert_int_equal(mcx_milenage_opc(k, op, opc), 0);

    /* Network side: a fixed and a random vector; UE side: ok, replay, MAC failure. */
    struct mcx_aka_vector fixed, random_v;
    assert_int_equal(
        mcx_aka_vector_generate_with_rand(k, opc, rand, mcx_sqn_for_seq(3), amf, &fixed), 0);
    assert_int_equal(mcx_aka_vector_generate(k, opc, mcx_sqn_for_seq(4), amf, &random_v), 0);
    struct mcx_aka_ue_state ue;
    struct mcx_aka_ue_result r;
    mcx_aka_ue_state_init(&ue);
    assert_int_equal(mcx_aka_ue_check(&ue, k, opc, fixed.rand, fixed.autn, &r), MCX_AKA_CHECK_OK);
    assert_int_equal(mcx_aka_ue_check(&ue, k, opc, fixed.rand, fixed.autn, &r),
                     MCX_AKA_CHECK_SYNC_FAILURE);
    uint8_t auts[14];
    memcpy(auts, r.auts, 14);
    uint64_t sqn_ms;
    bool mac_ok;
    assert_int_equal(mcx_aka_auts_verify(k, opc, fixed.rand, auts, &sqn_ms, &mac_ok), 0);
    assert_true(mac_ok);
    auts[13] ^= 1;
    assert_int_equal(mcx_aka_auts_verify(k, opc, fixed.rand, auts, &sqn_ms, &mac_ok), 0);
    assert_false(mac_ok);
    struct mcx_aka_vector bad = random_v;
    bad.autn[9] ^= 1;
    assert_int_equal(mcx_aka_ue_check(&ue, k, opc, bad.rand, bad.autn, &r),
                     MCX_AKA_CHECK_MAC_FAILURE);

    /* Digest: SIP Digest HA1, AKAv1/AKAv2 HA1, responses, rspauth. */
    static const char sip_password[] = "Circle Of Life";
    char sip_ha1[33], v1_ha1[33], v2_ha1[33], ha2[33], response[33], auth[33];
    uint8_t v2_password[MCX_DIGEST_AKAV2_PASSWORD_SIZE];
    assert_int_equal(mcx_digest_ha1("Mufasa", "testrealm@host.com", (const uint8_t *)sip_password,
                                    strlen(sip_password), sip_ha1),
                     0);
    assert_int_equal(mcx_digest_aka_ha1(MCX_DIGEST_ALG_AKAV1_MD5, "alice@primary.mcx.lab",
                                        "primary.mcx.lab", fixed.xres, fixed.xres_len, fixed.ik,
                                        fixed.ck, false, v1_ha1),
                     0);
    assert_int_equal(mcx_digest_aka_password(MCX_DIGEST_ALG_AKAV2_MD5, random_v.xres,
                                             random_v.xres_len, random_v.ik, random_v.ck, false,
                                             v2_password, sizeof v2_password),
                     24);
    assert_int_equal(mcx_digest_aka_ha1(MCX_DIGEST_ALG_AKAV2_MD5, "alice@primary.mcx.lab",
                                        "primary.mcx.lab", random_v.xres, random_v.xres_len,
                                        random_v.ik, random_v.ck, false, v2_ha1),
                     0);
    assert_int_equal(
        mcx_digest_ha2("REGISTER", "sip:primary.mcx.lab", MCX_DIGEST_QOP_AUTH, NULL, 0, ha2), 0);
    assert_int_equal(
        mcx_digest_response(v1_ha1, "nonce", MCX_DIGEST_QOP_AUTH, "00000001", "c", ha2, response),
        0);
    assert_int_equal(mcx_digest_rspauth(v1_ha1, "nonce", MCX_DIGEST_QOP_AUTH, "00000001", "c",
                                        "sip:primary.mcx.lab", NULL, 0, auth),
                     0);

    fclose(mem);
    mcx_log_init("test", MCX_LOG_INFO, NULL);

    /* The paths did log (so the absence checks below are meaningful). */
    assert_non_null(strstr(log, "event=aka_vector seq=3 ind=3 amf=b9b9"));
    assert_non_null(strstr(log, "event=aka_ue_check result=ok"));
    assert_non_null(strstr(log, "event=aka_ue_check result=sync_failure"));
    assert_non_null(strstr(log, "event=aka_ue_check result=mac_failure"));
    assert_non_null(strstr(log, "event=aka_auts_verify mac_s=ok"));
    assert_non_null(strstr(log, "event=aka_auts_verify mac_s=fail"));
    assert_non_null(strstr(log, "event=digest_ha1 user=alice@primary.mcx.lab"));

    assert_bytes_absent(log, k, 16, "K");
    assert_bytes_absent(log, op, 16, "OP");
    assert_bytes_absent(log, opc, 16, "OPc");
    const struct mcx_aka_vector *vectors[2] = {&fixed, &random_v};
    for (int i = 0; i < 2; i++) {
        assert_bytes_absent(log, vectors[i]->xres, vectors[i]->xres_len, "XRES");
        assert_bytes_absent(log, vectors[i]->ck, 16, "CK");
        assert_bytes_absent(log, vectors[i]->ik, 16, "IK");
    }
    assert_text_absent(log, sip_ha1, "SIP Digest HA1");
    assert_text_absent(log, v1_ha1, "AKAv1 HA1");
    assert_text_absent(log, v2_ha1, "AKAv2 HA1");
    assert_text_absent(log, (const char *)v2_password, "AKAv2 password");
    assert_text_absent(log, sip_password, "SIP password");
    free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_secrets_in_debug_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
