/* mcx-ue digest answers to 401 challenges built from TS 35.208 set 1, against the worked values
 * of protocol-facts.md 3.5: AKAv1 and AKAv2 responses with and without qop, the stale-SQN path
 * (auts + empty-password response, AUTS verified by the network-side code), the MAC failure path
 * (empty response, no auts, SQN state untouched), MD5 (RFC 2617 3.5) and bad challenges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip_parse.h"
#include "ue_auth.h"
#include "ue_test_util.h"

/* An ISIM holding set 1 whose SQN state accepts the set-1 SQN (one SEQ behind, other slot). */
static void set1_isim(struct ue_isim *isim)
{
    char err[256];
    ue_isim_init(isim);
    assert_int_equal(ue_isim_set_identity(isim, SET1_IMPI, NULL, SET1_DOMAIN, err, sizeof err), 0);
    assert_int_equal(ue_isim_set_keys(isim, SET1_K, NULL, SET1_OPC, SET1_AMF, err, sizeof err), 0);
    isim->sqn.seq_ms[0] = mcx_sqn_seq(SET1_SQN) - 1;
}

static struct sip_slice slice(const char *s)
{
    return (struct sip_slice){s, strlen(s)};
}

static const struct ue_auth_params set1_params = {
    .method = "REGISTER", .uri = SET1_URI, .password = NULL, .cnonce = "0a4f113b", .nc = 1};

static void answer(struct ue_isim *isim, const char *challenge, const struct ue_auth_params *p,
                   struct ue_auth_answer *a)
{
    const char *reason = NULL;
    int rc = ue_auth_answer(isim, slice(challenge), p, a, &reason);
    if (rc != 0)
        fail_msg("ue_auth_answer: %s", reason);
}

static void akav1_set1_qop_auth(void **state)
{
    (void)state;
    struct ue_isim isim;
    set1_isim(&isim);
    struct ue_auth_answer a;
    answer(&isim,
           "Digest realm=\"home1.net\", nonce=\"" SET1_NONCE "\", qop=\"auth,auth-int\", "
           "algorithm=AKAv1-MD5, ck=\"b40ba9a3c58b2a05bbf0d987b21bf8cb\", "
           "ik=\"f769bcd751044604127672711c6d3441\"",
           &set1_params, &a);
    assert_int_equal(a.kind, UE_AUTH_RESPONSE);
    assert_true(a.aka);
    assert_true(a.sqn_accepted);
    assert_int_equal(a.sqn, SET1_SQN);
    assert_int_equal(isim.sqn.seq_ms[mcx_sqn_ind(SET1_SQN)], mcx_sqn_seq(SET1_SQN));
    char v[128];
    assert_int_equal(ue_test_param(a.header, "response", v, sizeof v), 0);
    assert_string_equal(v, "d631c17126f6ad3a5984ced4459958df");
    assert_int_equal(ue_test_param(a.header, "username", v, sizeof v), 0);
    assert_string_equal(v, SET1_IMPI);
    assert_int_equal(ue_test_param(a.header, "nonce", v, sizeof v), 0);
    assert_string_equal(v, SET1_NONCE);
    assert_int_equal(ue_test_param(a.header, "qop", v, sizeof v), 0);
    assert_string_equal(v, "auth");
    assert_int_equal(ue_test_param(a.header, "nc", v, sizeof v), 0);
    assert_string_equal(v, "00000001");
    assert_int_equal(ue_test_param(a.header, "algorithm", v, sizeof v), 0);
    assert_string_equal(v, "AKAv1-MD5");
    assert_int_equal(ue_test_param(a.header, "auts", v, sizeof v), -1);
    /* RES never appears in the header. */
    assert_null(strstr(a.header, "a54211d5e3ba50bf"));

    /* The same challenge again is a replay: SQN not fresh any more. */
    struct ue_auth_answer replay;
    answer(&isim, "Digest realm=\"home1.net\", nonce=\"" SET1_NONCE "\", algorithm=AKAv1-MD5",
           &set1_params, &replay);
    assert_int_equal(replay.kind, UE_AUTH_RESYNC);
}

static void akav1_set1_no_qop(void **state)
{
    (void)state;
    struct ue_isim isim;
    set1_isim(&isim);
    struct ue_auth_answer a;
    answer(&isim, "Digest realm=\"home1.net\",nonce=\"" SET1_NONCE "\",algorithm=AKAv1-MD5",
           &set1_params, &a);
    char v[128];
    assert_int_equal(ue_test_param(a.header, "response", v, sizeof v), 0);
    assert_string_equal(v, "0233d5422332d3cd4cb80c033b5ed782");
    assert_int_equal(ue_test_param(a.header, "qop", v, sizeof v), -1);
    assert_int_equal(ue_test_param(a.header, "cnonce", v, sizeof v), -1);
}

static void akav2_set1(void **state)
{
    (void)state;
    struct ue_isim isim;
    set1_isim(&isim);
    struct ue_auth_answer a;
    answer(&isim,
           "Digest realm=\"home1.net\", nonce=\"" SET1_NONCE "\", qop=\"auth\", "
           "algorithm=AKAv2-MD5, opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
           &set1_params, &a);
    assert_int_equal(a.kind, UE_AUTH_RESPONSE);
    assert_int_equal(a.algorithm, MCX_DIGEST_ALG_AKAV2_MD5);
    char v[128];
    assert_int_equal(ue_test_param(a.header, "response", v, sizeof v), 0);
    assert_string_equal(v, "9e134df9490c2cff01853e49a32aa59c");
    assert_int_equal(ue_test_param(a.header, "opaque", v, sizeof v), 0);
    assert_string_equal(v, "5ccc069c403ebaf9f0171e9517f40e41");
    assert_null(strstr(a.header, "shzt3q8CWaZnCAWqs3WmEQ=="));
}

static void stale_sqn_gives_auts(void **state)
{
    (void)state;
    struct ue_isim isim;
    set1_isim(&isim);
    /* The UE has already accepted this SEQ in the same slot: the challenge is stale. */
    isim.sqn.seq_ms[mcx_sqn_ind(SET1_SQN)] = mcx_sqn_seq(SET1_SQN) + 3;
    struct mcx_aka_ue_state before = isim.sqn;
    struct ue_auth_answer a;
    answer(&isim,
           "Digest realm=\"home1.net\", nonce=\"" SET1_NONCE "\", qop=\"auth\", "
           "algorithm=AKAv1-MD5",
           &set1_params, &a);
    assert_int_equal(a.kind, UE_AUTH_RESYNC);
    assert_false(a.sqn_accepted);
    assert_memory_equal(&isim.sqn, &before, sizeof before);
    char v[128];
    assert_int_equal(ue_test_param(a.header, "response", v, sizeof v), 0);
    assert_string_equal(v, "8e03552f1a81086a8c9ba4a33ddf3aba"); /* empty password */
    assert_int_equal(ue_test_param(a.header, "auts", v, sizeof v), 0);
    uint8_t auts[32];
    assert_int_equal(mcx_base64_decode(v, strlen(v), auts, sizeof auts), MCX_AKA_AUTS_LEN);
    /* The network recovers SQN_MS = the highest SQN the UE accepted, and MAC-S verifies. */
    uint8_t k[16], opc[16], rand[16];
    UE_HEX(SET1_K, k, 16);
    UE_HEX(SET1_OPC, opc, 16);
    UE_HEX(SET1_RAND, rand, 16);
    uint64_t sqn_ms = 0;
    bool mac_ok = false;
    assert_int_equal(mcx_aka_auts_verify(k, opc, rand, auts, &sqn_ms, &mac_ok), 0);
    assert_true(mac_ok);
    assert_int_equal(sqn_ms, mcx_aka_ue_state_highest_sqn(&isim.sqn));
    assert_int_equal(mcx_sqn_seq(sqn_ms), mcx_sqn_seq(SET1_SQN) + 3);
}

static void mac_failure_gives_empty_response(void **state)
{
    (void)state;
    struct ue_isim isim;
    set1_isim(&isim);
    struct mcx_aka_ue_state before = isim.sqn;
    /* Set 1 with the last byte of MAC-A changed. */
    uint8_t nonce[32];
    UE_HEX(SET1_RAND, nonce, 16);
    UE_HEX(SET1_AUTN, nonce + 16, 16);
    nonce[31] ^= 0x01;
    char b64[64];
    assert_int_equal(mcx_base64_encode(nonce, sizeof nonce, b64, sizeof b64), 44);
    char challenge[256];
    snprintf(challenge, sizeof challenge,
             "Digest realm=\"home1.net\", nonce=\"%s\", qop=\"auth\", algorithm=AKAv1-MD5", b64);
    struct ue_auth_answer a;
    answer(&isim, challenge, &set1_params, &a);
    assert_int_equal(a.kind, UE_AUTH_MAC_FAILURE);
    assert_false(a.sqn_accepted);
    assert_memory_equal(&isim.sqn, &before, sizeof before);
    char v[128];
    assert_int_equal(ue_test_param(a.header, "response", v, sizeof v), 0);
    assert_string_equal(v, "");
    assert_int_equal(ue_test_param(a.header, "auts", v, sizeof v), -1);
    assert_int_equal(ue_test_param(a.header, "nonce", v, sizeof v), 0);
    assert_string_equal(v, b64);
}

static void md5_rfc2617(void **state)
{
    (void)state;
    struct ue_isim isim;
    char err[256];
    ue_isim_init(&isim);
    assert_int_equal(
        ue_isim_set_identity(&isim, "Mufasa", NULL, "testrealm@host.com", err, sizeof err), 0);
    struct ue_auth_params p = {.method = "GET",
                               .uri = "/dir/index.html",
                               .password = "Circle Of Life",
                               .cnonce = "0a4f113b",
                               .nc = 1};
    struct ue_auth_answer a;
    answer(&isim,
           "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
           "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
           "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
           &p, &a);
    assert_false(a.aka);
    assert_int_equal(a.algorithm, MCX_DIGEST_ALG_MD5);
    char v[128];
    assert_int_equal(ue_test_param(a.header, "response", v, sizeof v), 0);
    assert_string_equal(v, "6629fae49393a05397450978507c4ef1");
    assert_null(strstr(a.header, "Circle"));
    /* MD5 without a password cannot be answered. */
    p.password = NULL;
    const char *reason = NULL;
    assert_int_equal(ue_auth_answer(&isim, slice("Digest realm=\"r\", nonce=\"n\", algorithm=MD5"),
                                    &p, &a, &reason),
                     -1);
    assert_non_null(strstr(reason, "password"));
}

static void bad_challenges(void **state)
{
    (void)state;
    struct ue_isim isim;
    set1_isim(&isim);
    struct ue_auth_answer a;
    const char *reason = NULL;
    static const char *const bad[] = {
        "Basic realm=\"x\"",
        "Digest realm=\"home1.net\", algorithm=AKAv1-MD5",                     /* no nonce */
        "Digest realm=\"home1.net\", nonce=\"c2hvcnQ=\", algorithm=AKAv1-MD5", /* 5 bytes */
        "Digest realm=\"home1.net\", nonce=\"!!!notbase64!!!\", algorithm=AKAv1-MD5",
        "Digest realm=\"home1.net\", nonce=\"" SET1_NONCE "\", algorithm=SHA-512-256",
        "Digest realm=\"home1.net\", nonce=\"" SET1_NONCE "\", algorithm=AKAv1-MD5, realm=\"x\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        reason = NULL;
        assert_int_equal(ue_auth_answer(&isim, slice(bad[i]), &set1_params, &a, &reason), -1);
        assert_non_null(reason);
    }
    /* Nothing was accepted along the way. */
    assert_int_equal(isim.sqn.seq_ms[mcx_sqn_ind(SET1_SQN)], 0);
}

static void initial_authorization(void **state)
{
    (void)state;
    struct ue_isim isim;
    set1_isim(&isim);
    char out[512];
    int n = ue_auth_initial(&isim, SET1_URI, MCX_DIGEST_ALG_AKAV1_MD5, out, sizeof out);
    assert_true(n > 0);
    assert_string_equal(out, "Digest username=\"user1_private@home1.net\", realm=\"home1.net\", "
                             "nonce=\"\", uri=\"sip:home1.net\", response=\"\", "
                             "algorithm=AKAv1-MD5");
    assert_int_equal(ue_auth_initial(&isim, SET1_URI, MCX_DIGEST_ALG_AKAV1_MD5, out, 20), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(akav1_set1_qop_auth),
        cmocka_unit_test(akav1_set1_no_qop),
        cmocka_unit_test(akav2_set1),
        cmocka_unit_test(stale_sqn_gives_auts),
        cmocka_unit_test(mac_failure_gives_empty_response),
        cmocka_unit_test(md5_rfc2617),
        cmocka_unit_test(bad_challenges),
        cmocka_unit_test(initial_authorization),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
