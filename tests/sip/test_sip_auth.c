/* Unit tests of the Digest credentials / challenge parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip_auth.h"

#define assert_slice(slice, str) assert_true(sip_slice_eq((slice), (str)))

static struct sip_slice S(const char *s) {
    return (struct sip_slice){s, strlen(s)};
}

static void
parses_pjsua_aka_credentials(void **state)
{
    (void)state;
    struct sip_digest d;
    const char *reason = NULL;
    assert_int_equal(
        sip_digest_parse(S("Digest username=\"alice@mcx.lab\", realm=\"mcx.lab\", "
                           "nonce=\"3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\", "
                           "uri=\"sip:mcx.lab\", response=\"6629fae49393a05397450978507c4ef1\", "
                           "algorithm=AKAv1-MD5, cnonce=\"0a4f113b\", qop=auth, nc=00000001"),
                         &d, &reason),
        0);
    assert_slice(d.scheme, "Digest");
    assert_slice(d.username, "alice@mcx.lab");
    assert_slice(d.realm, "mcx.lab");
    assert_slice(d.nonce, "3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    assert_slice(d.uri, "sip:mcx.lab");
    assert_slice(d.response, "6629fae49393a05397450978507c4ef1");
    assert_slice(d.cnonce, "0a4f113b");
    assert_slice(d.qop, "auth");
    uint32_t nc;
    assert_int_equal(sip_digest_nc(&d, &nc), 0);
    assert_int_equal(nc, 1);
    int v;
    assert_true(sip_digest_is_aka(&d, &v));
    assert_int_equal(v, 1);
    assert_null(d.auts.p);
    assert_null(d.opaque.p);
}

static void any_order_and_auts(void **state)
{
    (void)state;
    struct sip_digest d;
    const char *reason = NULL;
    /* SIPp order, extra spaces, folded whitespace, unknown parameter, empty response */
    assert_int_equal(sip_digest_parse(S("digest  response=\"\",nc=0000000a ,\r\n qop=\"auth\","
                                        "auts=\"hxGg7J4WN98X+As4TuQ=\", foo=bar, "
                                        "algorithm=akav2-md5,uri=\"sip:mcx.lab\","
                                        "nonce=\"n\",realm=\"r\",username=\"u\""),
                                      &d, &reason),
                     0);
    assert_non_null(d.response.p);
    assert_int_equal(d.response.len, 0);
    assert_slice(d.auts, "hxGg7J4WN98X+As4TuQ=");
    assert_slice(d.qop, "auth");
    assert_int_equal(d.unknown_params, 1);
    uint32_t nc;
    assert_int_equal(sip_digest_nc(&d, &nc), 0);
    assert_int_equal(nc, 10);
    int v;
    assert_true(sip_digest_is_aka(&d, &v));
    assert_int_equal(v, 2);
}

static void parses_ims_challenge_with_ck_ik(void **state)
{
    (void)state;
    struct sip_digest d;
    const char *reason = NULL;
    assert_int_equal(
        sip_digest_parse(S("Digest realm=\"mcx.lab\", nonce=\"abc=\", algorithm=AKAv1-MD5, "
                           "ck=\"00112233445566778899aabbccddeeff\", "
                           "ik=\"ffeeddccbbaa99887766554433221100\", qop=\"auth,auth-int\", "
                           "opaque=\"o\\\"q\", stale=FALSE"),
                         &d, &reason),
        0);
    assert_slice(d.ck, "00112233445566778899aabbccddeeff");
    assert_slice(d.ik, "ffeeddccbbaa99887766554433221100");
    assert_slice(d.qop, "auth,auth-int");
    assert_slice(d.opaque, "o\\\"q");
    char out[8];
    assert_int_equal(sip_unescape(d.opaque, out, sizeof out), 3);
    assert_string_equal(out, "o\"q");
    assert_slice(d.stale, "FALSE");
    struct sip_digest md5;
    assert_int_equal(sip_digest_parse(S("Digest realm=\"a\", nonce=\"b\""), &md5, &reason), 0);
    int v;
    assert_false(sip_digest_is_aka(&md5, &v));
}

static void rejects_bad_headers(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *reason;
    } bad[] = {
        {"Basic dXNlcjpwYXNz", "Unsupported authentication scheme"},
        {"", "Unsupported authentication scheme"},
        {"Digest username=\"a\" realm=\"b\"", "Missing comma between authentication parameters"},
        {"Digest username=\"a", "Unterminated quoted string in authentication header"},
        {"Digest username", "Malformed authentication parameter"},
        {"Digest username=", "Missing authentication parameter value"},
        {"Digest username=\"a\", username=\"b\"", "Duplicate authentication parameter"},
        {"Digest nonce=\"a\",", "Trailing comma in authentication header"},
        {"Digest=x", "Malformed authentication header"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sip_digest d;
        const char *reason = NULL;
        if (sip_digest_parse(S(bad[i].text), &d, &reason) != -1 ||
            strcmp(reason, bad[i].reason) != 0)
            fail_msg("case %zu: reason=%s", i, reason ? reason : "(none)");
    }
    struct sip_digest d;
    const char *reason;
    assert_int_equal(sip_digest_parse(S("Digest nc=1"), &d, &reason), 0);
    uint32_t nc;
    assert_int_equal(sip_digest_nc(&d, &nc), -1);
    assert_int_equal(sip_digest_parse(S("Digest nc=0000000g"), &d, &reason), 0);
    assert_int_equal(sip_digest_nc(&d, &nc), -1);
    assert_int_equal(sip_digest_parse(S("Digest realm=x"), &d, &reason), 0);
    assert_int_equal(sip_digest_nc(&d, &nc), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_pjsua_aka_credentials),
        cmocka_unit_test(any_order_and_auts),
        cmocka_unit_test(parses_ims_challenge_with_ck_ik),
        cmocka_unit_test(rejects_bad_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
