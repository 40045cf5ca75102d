/* Digest: RFC 2617 §3.5 and RFC 7616 §3.9.1 examples, AKAv1/AKAv2 on TS 35.208 set 1 and the
 * auts case (protocol-facts §3.5), auth-int, MD5-sess and rspauth (values marked [derived]
 * were computed independently with Python hashlib), constant-time comparison. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aka/aka.h"
#include "aka/digest.h"
#include "core/codec.h"
#include "hex_util.h"

static const uint8_t *pw(const char *s)
{
    return (const uint8_t *)s;
}

static void rfc2617_example(void **state)
{
    (void)state;
    static const char nonce[] = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
    char ha1[33], ha2[33], response[33];
    assert_int_equal(mcx_digest_ha1("Mufasa", "testrealm@host.com", pw("Circle Of Life"), 14, ha1),
                     0);
    assert_string_equal(ha1, "939e7578ed9e3c518a452acee763bce9");
    assert_int_equal(mcx_digest_ha2("GET", "/dir/index.html", MCX_DIGEST_QOP_AUTH, NULL, 0, ha2),
                     0);
    assert_string_equal(ha2, "39aff3a2bab6126f332b942af96d3366");
    assert_int_equal(
        mcx_digest_response(ha1, nonce, MCX_DIGEST_QOP_AUTH, "00000001", "0a4f113b", ha2, response),
        0);
    assert_string_equal(response, "6629fae49393a05397450978507c4ef1");
    assert_int_equal(
        mcx_digest_response(ha1, nonce, MCX_DIGEST_QOP_NONE, NULL, NULL, ha2, response), 0);
    assert_string_equal(response, "670fd8c2df070c60b045671b8b24ff02");
}

static void rfc7616_md5_example(void **state)
{
    (void)state;
    char ha1[33], ha2[33], response[33];
    assert_int_equal(
        mcx_digest_ha1("Mufasa", "http-auth@example.org", pw("Circle of Life"), 14, ha1), 0);
    assert_int_equal(mcx_digest_ha2("GET", "/dir/index.html", MCX_DIGEST_QOP_AUTH, NULL, 0, ha2),
                     0);
    assert_int_equal(mcx_digest_response(
                         ha1, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", MCX_DIGEST_QOP_AUTH,
                         "00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", ha2, response),
                     0);
    assert_string_equal(response, "8ca523f5e9506fed4657c9700eebdbec");
}

/* [derived] MD5-sess with the RFC 2617 inputs, RFC 7616 §3.4.2 (hex HA1 inside). */
static void md5_sess(void **state)
{
    (void)state;
    static const char nonce[] = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
    char ha1[33], sess[33], ha2[33], response[33];
    assert_int_equal(mcx_digest_ha1("Mufasa", "testrealm@host.com", pw("Circle Of Life"), 14, ha1),
                     0);
    assert_int_equal(mcx_digest_ha1_sess(ha1, nonce, "0a4f113b", sess), 0);
    assert_string_equal(sess, "5edb191b66dce1584c16cb7e7346fcee");
    assert_int_equal(mcx_digest_ha2("GET", "/dir/index.html", MCX_DIGEST_QOP_AUTH, NULL, 0, ha2),
                     0);
    assert_int_equal(mcx_digest_response(sess, nonce, MCX_DIGEST_QOP_AUTH, "00000001", "0a4f113b",
                                         ha2, response),
                     0);
    assert_string_equal(response, "8e3825c57e897f5a0dec6c2d4e5059d0");
}

/* Set 1 of TS 35.208 as an IMS-AKA challenge. */
struct set1 {
    struct mcx_aka_vector v;
    char nonce[64];
};

static void set1_challenge(struct set1 *c)
{
    uint8_t k[16], opc[16], rand[16], amf[2];
    HEX("465b5ce8b199b49faa5f0a2ee238a6bc", k, 16);
    HEX("cd63cb71954a9f4e48a5994e37a02baf", opc, 16);
    HEX("23553cbe9637a89d218ae64dae47bf35", rand, 16);
    HEX("b9b9", amf, 2);
    assert_int_equal(mcx_aka_vector_generate_with_rand(k, opc, rand, 0xff9bb4d0b607ULL, amf, &c->v),
                     0);
    uint8_t rand_autn[32];
    memcpy(rand_autn, c->v.rand, 16);
    memcpy(rand_autn + 16, c->v.autn, 16);
    assert_int_equal(mcx_base64_encode(rand_autn, 32, c->nonce, sizeof c->nonce), 44);
}

#define AKA_USER  "user1_private@home1.net"
#define AKA_REALM "home1.net"
#define AKA_URI   "sip:home1.net"

static void akav1_set1(void **state)
{
    (void)state;
    struct set1 c;
    set1_challenge(&c);
    assert_string_equal(c.nonce, "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M=");
    char ck_hex[33], ik_hex[33];
    assert_int_equal(mcx_hex_encode(c.v.ck, 16, ck_hex, sizeof ck_hex), 32);
    assert_int_equal(mcx_hex_encode(c.v.ik, 16, ik_hex, sizeof ik_hex), 32);
    assert_string_equal(ck_hex, "b40ba9a3c58b2a05bbf0d987b21bf8cb");
    assert_string_equal(ik_hex, "f769bcd751044604127672711c6d3441");

    uint8_t password[32];
    assert_int_equal(mcx_digest_aka_password(MCX_DIGEST_ALG_AKAV1_MD5, c.v.xres, c.v.xres_len,
                                             c.v.ik, c.v.ck, false, password, sizeof password),
                     8);
    assert_memory_equal(password, c.v.xres, 8);

    char ha1[33], ha2[33], response[33];
    assert_int_equal(mcx_digest_aka_ha1(MCX_DIGEST_ALG_AKAV1_MD5, AKA_USER, AKA_REALM, c.v.xres,
                                        c.v.xres_len, c.v.ik, c.v.ck, false, ha1),
                     0);
    assert_string_equal(ha1, "3d77b71f334d3e838e2da1a3b8266f43");
    assert_int_equal(mcx_digest_ha2("REGISTER", AKA_URI, MCX_DIGEST_QOP_AUTH, NULL, 0, ha2), 0);
    assert_string_equal(ha2, "ca533ac64871379f7570dbe5f7133d25");
    assert_int_equal(mcx_digest_response(ha1, c.nonce, MCX_DIGEST_QOP_AUTH, "00000001", "0a4f113b",
                                         ha2, response),
                     0);
    assert_string_equal(response, "d631c17126f6ad3a5984ced4459958df");
    assert_int_equal(
        mcx_digest_response(ha1, c.nonce, MCX_DIGEST_QOP_NONE, NULL, NULL, ha2, response), 0);
    assert_string_equal(response, "0233d5422332d3cd4cb80c033b5ed782");
}

static void akav1_auts_empty_password(void **state)
{
    (void)state;
    struct set1 c;
    set1_challenge(&c);
    uint8_t password[32] = {0xaa};
    assert_int_equal(mcx_digest_aka_password(MCX_DIGEST_ALG_AKAV1_MD5, c.v.xres, c.v.xres_len,
                                             c.v.ik, c.v.ck, true, password, sizeof password),
                     0);
    char ha1[33], ha2[33], response[33];
    assert_int_equal(mcx_digest_aka_ha1(MCX_DIGEST_ALG_AKAV1_MD5, AKA_USER, AKA_REALM, NULL, 0,
                                        NULL, NULL, true, ha1),
                     0);
    assert_string_equal(ha1, "7ac29e622fd0d81e37da0c6d40a572cf");
    assert_int_equal(mcx_digest_ha2("REGISTER", AKA_URI, MCX_DIGEST_QOP_AUTH, NULL, 0, ha2), 0);
    assert_int_equal(mcx_digest_response(ha1, c.nonce, MCX_DIGEST_QOP_AUTH, "00000001", "0a4f113b",
                                         ha2, response),
                     0);
    assert_string_equal(response, "8e03552f1a81086a8c9ba4a33ddf3aba");
}

static void akav2_set1(void **state)
{
    (void)state;
    struct set1 c;
    set1_challenge(&c);
    uint8_t password[MCX_DIGEST_AKAV2_PASSWORD_SIZE];
    assert_int_equal(mcx_digest_aka_password(MCX_DIGEST_ALG_AKAV2_MD5, c.v.xres, c.v.xres_len,
                                             c.v.ik, c.v.ck, false, password, sizeof password),
                     24);
    assert_string_equal((const char *)password, "shzt3q8CWaZnCAWqs3WmEQ==");
    assert_int_equal(mcx_digest_aka_password(MCX_DIGEST_ALG_AKAV2_MD5, c.v.xres, c.v.xres_len,
                                             c.v.ik, c.v.ck, false, password, 24),
                     MCX_DIGEST_ESPACE);
    char ha1[33], ha2[33], response[33];
    assert_int_equal(mcx_digest_aka_ha1(MCX_DIGEST_ALG_AKAV2_MD5, AKA_USER, AKA_REALM, c.v.xres,
                                        c.v.xres_len, c.v.ik, c.v.ck, false, ha1),
                     0);
    assert_string_equal(ha1, "1982e9c5aaf5b3bd23630b6027691de9");
    assert_int_equal(mcx_digest_ha2("REGISTER", AKA_URI, MCX_DIGEST_QOP_AUTH, NULL, 0, ha2), 0);
    assert_int_equal(mcx_digest_response(ha1, c.nonce, MCX_DIGEST_QOP_AUTH, "00000001", "0a4f113b",
                                         ha2, response),
                     0);
    assert_string_equal(response, "9e134df9490c2cff01853e49a32aa59c");
}

/* [derived] auth-int: HA2 = MD5(method:uri:MD5hex(body)), empty and non-empty body. */
static void auth_int(void **state)
{
    (void)state;
    struct set1 c;
    set1_challenge(&c);
    static const char body[] = "v=0\r\no=- 0 0 IN IP4 127.0.30.1\r\n";
    char ha1[33], ha2[33], response[33];
    assert_int_equal(mcx_digest_ha2("REGISTER", AKA_URI, MCX_DIGEST_QOP_AUTH_INT, NULL, 0, ha2), 0);
    assert_string_equal(ha2, "2bb31a2ee8df52351883bda1738ba88c");
    assert_int_equal(mcx_digest_ha2("REGISTER", AKA_URI, MCX_DIGEST_QOP_AUTH_INT,
                                    (const uint8_t *)body, strlen(body), ha2),
                     0);
    assert_string_equal(ha2, "6f1029bc4e38d3b471882a053e3baf42");
    assert_int_equal(mcx_digest_aka_ha1(MCX_DIGEST_ALG_AKAV1_MD5, AKA_USER, AKA_REALM, c.v.xres,
                                        c.v.xres_len, c.v.ik, c.v.ck, false, ha1),
                     0);
    assert_int_equal(mcx_digest_response(ha1, c.nonce, MCX_DIGEST_QOP_AUTH_INT, "00000001",
                                         "0a4f113b", ha2, response),
                     0);
    assert_string_equal(response, "1189ffc2fe5272b834829895058c8db6");
}

/* [derived] rspauth: the server's response with an empty method, password = XRES. */
static void rspauth(void **state)
{
    (void)state;
    struct set1 c;
    set1_challenge(&c);
    char ha1[33], ha2[33], auth[33];
    assert_int_equal(mcx_digest_aka_ha1(MCX_DIGEST_ALG_AKAV1_MD5, AKA_USER, AKA_REALM, c.v.xres,
                                        c.v.xres_len, c.v.ik, c.v.ck, false, ha1),
                     0);
    assert_int_equal(mcx_digest_ha2("", AKA_URI, MCX_DIGEST_QOP_AUTH, NULL, 0, ha2), 0);
    assert_string_equal(ha2, "63f97bdaece9c1a874a1bd3dabbfc24d");
    assert_int_equal(mcx_digest_rspauth(ha1, c.nonce, MCX_DIGEST_QOP_AUTH, "00000001", "0a4f113b",
                                        AKA_URI, NULL, 0, auth),
                     0);
    assert_string_equal(auth, "494ab49f8207ac5f65e2ad9e78a02ecd");
}

static void constant_time_equal(void **state)
{
    (void)state;
    assert_true(
        mcx_digest_equal("6629fae49393a05397450978507c4ef1", "6629fae49393a05397450978507c4ef1"));
    assert_false(
        mcx_digest_equal("6629fae49393a05397450978507c4ef1", "6629fae49393a05397450978507c4ef0"));
    assert_false(
        mcx_digest_equal("7629fae49393a05397450978507c4ef1", "6629fae49393a05397450978507c4ef1"));
    assert_false(
        mcx_digest_equal("6629fae49393a05397450978507c4ef1", "6629fae49393a05397450978507c4ef"));
    assert_false(mcx_digest_equal("", "6629fae49393a05397450978507c4ef1"));
    assert_false(mcx_digest_equal(NULL, "a"));
    assert_true(mcx_digest_equal("", ""));
}

static void algorithm_names(void **state)
{
    (void)state;
    enum mcx_digest_algorithm alg = MCX_DIGEST_ALG_AKAV2_MD5;
    assert_int_equal(mcx_digest_algorithm_parse("akav1-md5", 9, &alg), 0);
    assert_int_equal(alg, MCX_DIGEST_ALG_AKAV1_MD5);
    assert_int_equal(mcx_digest_algorithm_parse("AKAv2-MD5", 9, &alg), 0);
    assert_int_equal(alg, MCX_DIGEST_ALG_AKAV2_MD5);
    assert_int_equal(mcx_digest_algorithm_parse("MD5-sess", 8, &alg), 0);
    assert_int_equal(alg, MCX_DIGEST_ALG_MD5_SESS);
    assert_int_equal(mcx_digest_algorithm_parse("", 0, &alg), 0);
    assert_int_equal(alg, MCX_DIGEST_ALG_MD5);
    assert_int_equal(mcx_digest_algorithm_parse("AKAv1-MD5x", 10, &alg), MCX_DIGEST_EINVAL);
    assert_int_equal(mcx_digest_algorithm_parse("AKAv1-MD5", 8, &alg), MCX_DIGEST_EINVAL);
    assert_int_equal(mcx_digest_algorithm_parse("SHA-256", 7, &alg), MCX_DIGEST_EINVAL);
    assert_string_equal(mcx_digest_algorithm_name(MCX_DIGEST_ALG_AKAV1_MD5), "AKAv1-MD5");
    assert_string_equal(mcx_digest_qop_name(MCX_DIGEST_QOP_AUTH_INT), "auth-int");
    assert_null(mcx_digest_qop_name(MCX_DIGEST_QOP_NONE));
}

static void bad_arguments(void **state)
{
    (void)state;
    char out[33], ha2[33];
    static const char ha1[] = "939e7578ed9e3c518a452acee763bce9";
    assert_int_equal(mcx_digest_ha2("GET", "/", MCX_DIGEST_QOP_AUTH, NULL, 0, ha2), 0);
    assert_int_equal(mcx_digest_ha1(NULL, "r", pw("p"), 1, out), MCX_DIGEST_EINVAL);
    assert_int_equal(mcx_digest_ha1("u", "r", NULL, 1, out), MCX_DIGEST_EINVAL);
    assert_int_equal(
        mcx_digest_response("939e7578", "n", MCX_DIGEST_QOP_NONE, NULL, NULL, ha2, out),
        MCX_DIGEST_EINVAL);
    assert_int_equal(mcx_digest_response("939e7578ed9e3c518a452acee763bcez", "n",
                                         MCX_DIGEST_QOP_NONE, NULL, NULL, ha2, out),
                     MCX_DIGEST_EINVAL);
    assert_int_equal(mcx_digest_response(ha1, "n", MCX_DIGEST_QOP_AUTH, "00000001", NULL, ha2, out),
                     MCX_DIGEST_EINVAL);
    assert_int_equal(mcx_digest_ha1_sess("short", "n", "c", out), MCX_DIGEST_EINVAL);
    assert_int_equal(mcx_digest_ha2("GET", "/", MCX_DIGEST_QOP_AUTH_INT, NULL, 5, out),
                     MCX_DIGEST_EINVAL);
    uint8_t res[8] = {1}, pwbuf[4];
    assert_int_equal(
        mcx_digest_aka_password(MCX_DIGEST_ALG_MD5, res, 8, NULL, NULL, false, pwbuf, sizeof pwbuf),
        MCX_DIGEST_EINVAL);
    assert_int_equal(mcx_digest_aka_password(MCX_DIGEST_ALG_AKAV1_MD5, res, 8, NULL, NULL, false,
                                             pwbuf, sizeof pwbuf),
                     MCX_DIGEST_ESPACE);
    assert_int_equal(mcx_digest_aka_password(MCX_DIGEST_ALG_AKAV2_MD5, res, 8, NULL, NULL, false,
                                             pwbuf, sizeof pwbuf),
                     MCX_DIGEST_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc2617_example),
        cmocka_unit_test(rfc7616_md5_example),
        cmocka_unit_test(md5_sess),
        cmocka_unit_test(akav1_set1),
        cmocka_unit_test(akav1_auts_empty_password),
        cmocka_unit_test(akav2_set1),
        cmocka_unit_test(auth_int),
        cmocka_unit_test(rspauth),
        cmocka_unit_test(constant_time_equal),
        cmocka_unit_test(algorithm_names),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
