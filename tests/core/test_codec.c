/* Unit tests of the hex and base64 codecs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/codec.h"

static void hex_round_trip(void **state)
{
    (void)state;
    const uint8_t in[] = {0x00, 0x01, 0xab, 0xff};
    char hex[9];
    assert_int_equal(mcx_hex_encode(in, sizeof in, hex, sizeof hex), 8);
    assert_string_equal(hex, "0001abff");
    uint8_t out[4];
    assert_int_equal(mcx_hex_decode("0001ABff", 8, out, sizeof out), 4);
    assert_memory_equal(in, out, 4);
    assert_int_equal(mcx_hex_decode_exact("0x0001abff", out, 4), 0);
}

static void hex_rejects_bad_input(void **state)
{
    (void)state;
    uint8_t out[4];
    char small[8];
    assert_int_equal(mcx_hex_decode("abc", 3, out, sizeof out), -1);
    assert_int_equal(mcx_hex_decode("zz", 2, out, sizeof out), -1);
    assert_int_equal(mcx_hex_decode("0011223344", 10, out, sizeof out), -1);
    assert_int_equal(mcx_hex_decode_exact("001122", out, 4), -1);
    assert_int_equal(mcx_hex_decode_exact(NULL, out, 4), -1);
    assert_int_equal(mcx_hex_encode(out, 4, small, sizeof small), -1);
}

static void base64_rfc4648_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *plain, *b64;
    } vectors[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},       {"foo", "Zm9v"},
                   {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        char enc[16];
        uint8_t dec[16];
        size_t plain_len = strlen(vectors[i].plain);
        assert_int_equal(mcx_base64_encode((const uint8_t *)vectors[i].plain, plain_len, enc,
                                           sizeof enc),
                         (int)strlen(vectors[i].b64));
        assert_string_equal(enc, vectors[i].b64);
        assert_int_equal(
            mcx_base64_decode(vectors[i].b64, strlen(vectors[i].b64), dec, sizeof dec),
            (int)plain_len);
        assert_memory_equal(dec, vectors[i].plain, plain_len);
    }
}

static void base64_nonce_of_set1(void **state)
{
    (void)state;
    /* RAND||AUTN of TS 35.208 set 1 (reference/protocol-facts.md section 3.5). */
    uint8_t rand_autn[32];
    assert_int_equal(mcx_hex_decode("23553cbe9637a89d218ae64dae47bf3555f328b43577b9b94a9ffac354dfafb3",
                                    64, rand_autn, sizeof rand_autn),
                     32);
    char nonce[45];
    assert_int_equal(mcx_base64_encode(rand_autn, 32, nonce, sizeof nonce), 44);
    assert_string_equal(nonce, "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M=");
}

static void base64_rejects_bad_input(void **state)
{
    (void)state;
    uint8_t out[16];
    assert_int_equal(mcx_base64_decode("Zm9v!", 5, out, sizeof out), -1);
    assert_int_equal(mcx_base64_decode("Z", 1, out, sizeof out), -1);
    assert_int_equal(mcx_base64_decode("Zh==", 4, out, sizeof out), -1); /* non-canonical */
    assert_int_equal(mcx_base64_decode("Zm9vYmFy", 8, out, 5), -1);
    assert_int_equal(mcx_base64_decode("Zg=", 3, out, sizeof out), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hex_round_trip),
        cmocka_unit_test(hex_rejects_bad_input),
        cmocka_unit_test(base64_rfc4648_vectors),
        cmocka_unit_test(base64_nonce_of_set1),
        cmocka_unit_test(base64_rejects_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
