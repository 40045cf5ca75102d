/* Resynchronisation: the worked examples of protocol-facts §2.4 (A: Osmocom milenage_test,
 * B: hostap "milenage_auts test" on set 19), AUTS verification from hex and base64, and the
 * HSS's next-SQN rule of aka.h compared with the Osmocom and Open5GS rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aka/aka.h"
#include "aka/milenage.h"
#include "core/codec.h"
#include "hex_util.h"

/* Example A inputs: K = OPc = 00..0f, RAND = 0, AMF = 0000. */
struct example_a {
    uint8_t k[16], opc[16], rand[16], amf[2];
};

static void example_a_inputs(struct example_a *a)
{
    HEX("000102030405060708090a0b0c0d0e0f", a->k, 16);
    memcpy(a->opc, a->k, 16);
    memset(a->rand, 0, 16);
    memset(a->amf, 0, 2);
}

static void example_a_vector(void **state)
{
    (void)state;
    struct example_a a;
    example_a_inputs(&a);
    struct mcx_aka_vector v;
    assert_int_equal(mcx_aka_vector_generate_with_rand(a.k, a.opc, a.rand, 0x22, a.amf, &v), 0);
    assert_hex_equal(v.autn, 16, "ec9320c2c2120000c8b7de2a3449f1bd");
    assert_int_equal(v.xres_len, 8);
    assert_hex_equal(v.xres, 8, "e9fc88ccc8a35381");
    assert_hex_equal(v.ck, 16, "7200a184d8f2c758fbdf87900ddbf275");
    assert_hex_equal(v.ik, 16, "12cb2dd3e0ec8378f6fc1d606c619f47");
    uint8_t ak[6], ak_star[6];
    assert_int_equal(mcx_milenage_f5(a.k, a.opc, a.rand, ak), 0);
    assert_hex_equal(ak, 6, "ec9320c2c230");
    assert_int_equal(mcx_milenage_f5star(a.k, a.opc, a.rand, ak_star), 0);
    assert_hex_equal(ak_star, 6, "8711a0ec9e09");
}

static void example_a_opc_for_zero_op(void **state)
{
    (void)state;
    struct example_a a;
    example_a_inputs(&a);
    uint8_t op[16] = {0}, opc[16];
    assert_int_equal(mcx_milenage_opc(a.k, op, opc), 0);
    assert_hex_equal(opc, 16, "c6a13b37878f5b826f4f8162a1c8d879");
}

static void example_a_auts_generate(void **state)
{
    (void)state;
    struct example_a a;
    example_a_inputs(&a);
    uint8_t auts[14], mac_s[8], sqn_ms[6] = {0, 0, 0, 0, 0, 0x1f};
    assert_int_equal(mcx_milenage_f1star(a.k, a.opc, a.rand, sqn_ms, a.amf, mac_s), 0);
    assert_hex_equal(mac_s, 8, "37df17f80b384ee4");
    assert_int_equal(mcx_aka_auts_generate(a.k, a.opc, a.rand, 0x1f, auts), 0);
    assert_hex_equal(auts, 14, "8711a0ec9e1637df17f80b384ee4");
    char b64[32];
    assert_int_equal(mcx_base64_encode(auts, 14, b64, sizeof b64), 20);
    assert_string_equal(b64, "hxGg7J4WN98X+As4TuQ=");
}

static void example_a_auts_verify_from_base64(void **state)
{
    (void)state;
    struct example_a a;
    example_a_inputs(&a);
    static const char param[] = "hxGg7J4WN98X+As4TuQ=";
    uint8_t auts[14];
    assert_int_equal(mcx_base64_decode(param, strlen(param), auts, sizeof auts), 14);
    uint64_t sqn_ms = 0;
    bool mac_ok = false;
    assert_int_equal(mcx_aka_auts_verify(a.k, a.opc, a.rand, auts, &sqn_ms, &mac_ok), 0);
    assert_true(mac_ok);
    assert_int_equal(sqn_ms, 0x1f);
}

/* Next SQN after AUTS with SQN_MS = 0x1f (SEQ_MS 0, IND 31). Osmocom: ind_bitlen 0 -> 32;
 * ind_bitlen 5, ind 10 -> 42, 74, 106, i.e. SEQ 1, 2, 3 in slot 10. Ours (aka.h): the same SEQ
 * sequence, with IND = SEQ mod 32 -> 33, 66, 99. Open5GS would use SQN_MS + 32 + 1 = 64. */
static void example_a_next_sqn(void **state)
{
    (void)state;
    const uint64_t sqn_ms = 0x1f;
    static const uint64_t osmocom_ind10[3] = {42, 74, 106};
    static const uint64_t ours[3] = {33, 66, 99};
    assert_int_equal(mcx_sqn_resync_next_seq(sqn_ms), 1);

    /* The store's atomic path: write the resync value, then "+32" per vector issued. */
    uint64_t stored = mcx_sqn_resync_stored(sqn_ms);
    assert_int_equal(mcx_sqn_seq(stored), mcx_sqn_seq(sqn_ms));
    for (int i = 0; i < 3; i++) {
        stored += 32;
        uint64_t seq = mcx_sqn_batch_first_seq(stored, 1);
        assert_int_equal(seq, mcx_sqn_seq(osmocom_ind10[i]));
        assert_int_equal(mcx_sqn_for_seq(seq), ours[i]);
    }
    /* One batch of three gives the same SEQs. */
    stored = mcx_sqn_resync_stored(sqn_ms) + 3 * 32;
    assert_int_equal(mcx_sqn_batch_first_seq(stored, 3), 1);
    /* ind_bitlen 0 (no IND) in Osmocom gives SQN_MS + 1 = 32: SEQ 1 as well. */
    assert_int_equal(mcx_sqn_seq(32), mcx_sqn_resync_next_seq(sqn_ms));
}

/* Example B: set 19 with AUTS 4f2039392ddd || 4bb4316ed4a14688. */
static void example_b_set19(void **state)
{
    (void)state;
    uint8_t k[16], opc[16], rand[16], auts[14], ak_star[6], regenerated[14];
    HEX("90dca4eda45b53cf0f12d7c9c3bc6a89", k, 16);
    HEX("cb9cccc4b9258e6dca4760379fb82581", opc, 16);
    HEX("9fddc72092c6ad036b6e464789315b78", rand, 16);
    HEX("4f2039392ddd4bb4316ed4a14688", auts, 14);
    assert_int_equal(mcx_milenage_f5star(k, opc, rand, ak_star), 0);
    assert_hex_equal(ak_star, 6, "4f2039392ddc");

    uint64_t sqn_ms = 0;
    bool mac_ok = false;
    assert_int_equal(mcx_aka_auts_verify(k, opc, rand, auts, &sqn_ms, &mac_ok), 0);
    assert_true(mac_ok);
    assert_int_equal(sqn_ms, 1);
    assert_int_equal(mcx_aka_auts_generate(k, opc, rand, 1, regenerated), 0);
    assert_memory_equal(regenerated, auts, 14);

    uint8_t from_b64[14];
    static const char param[] = "TyA5OS3dS7QxbtShRog=";
    assert_int_equal(mcx_base64_decode(param, strlen(param), from_b64, sizeof from_b64), 14);
    assert_memory_equal(from_b64, auts, 14);

    /* SQN_MS 1 = SEQ 0, IND 1: the next vector is SEQ 1 -> SQN 33. */
    assert_int_equal(mcx_sqn_for_seq(mcx_sqn_resync_next_seq(sqn_ms)), 33);
}

/* Any flipped bit of MAC-S, of the concealed SQN, or a different RAND fails verification. */
static void tampered_auts_rejected(void **state)
{
    (void)state;
    uint8_t k[16], opc[16], rand[16], auts[14];
    HEX("90dca4eda45b53cf0f12d7c9c3bc6a89", k, 16);
    HEX("cb9cccc4b9258e6dca4760379fb82581", opc, 16);
    HEX("9fddc72092c6ad036b6e464789315b78", rand, 16);
    HEX("4f2039392ddd4bb4316ed4a14688", auts, 14);
    for (int byte = 0; byte < 14; byte++) {
        uint8_t bad[14];
        memcpy(bad, auts, 14);
        bad[byte] ^= 0x01;
        uint64_t sqn_ms;
        bool mac_ok = true;
        assert_int_equal(mcx_aka_auts_verify(k, opc, rand, bad, &sqn_ms, &mac_ok), 0);
        assert_false(mac_ok);
    }
    rand[0] ^= 0x80;
    uint64_t sqn_ms;
    bool mac_ok = true;
    assert_int_equal(mcx_aka_auts_verify(k, opc, rand, auts, &sqn_ms, &mac_ok), 0);
    assert_false(mac_ok);
}

static void sqn_split_join(void **state)
{
    (void)state;
    uint8_t bytes[6];
    mcx_sqn_to_bytes(0xff9bb4d0b607ULL, bytes);
    assert_hex_equal(bytes, 6, "ff9bb4d0b607");
    assert_int_equal(mcx_sqn_from_bytes(bytes), 0xff9bb4d0b607ULL);
    assert_int_equal(mcx_sqn_seq(0xff9bb4d0b607ULL), 0xff9bb4d0b607ULL >> 5);
    assert_int_equal(mcx_sqn_ind(0xff9bb4d0b607ULL), 0x07);
    assert_int_equal(mcx_sqn_join(0xff9bb4d0b607ULL >> 5, 7), 0xff9bb4d0b607ULL);
    assert_int_equal(mcx_sqn_for_seq(1), 33);
    assert_int_equal(mcx_sqn_for_seq(31), 31 * 32 + 31);
    assert_int_equal(mcx_sqn_for_seq(32), 32 * 32);
    assert_int_equal(mcx_sqn_for_seq(33), 33 * 32 + 1);
    /* SEQ wraps modulo 2^43: the last SEQ's successor is 0. */
    assert_int_equal(mcx_sqn_for_seq(MCX_AKA_SEQ_MAX), MCX_AKA_SQN_MAX);
    assert_int_equal(mcx_sqn_resync_next_seq(MCX_AKA_SQN_MAX), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(example_a_vector),
        cmocka_unit_test(example_a_opc_for_zero_op),
        cmocka_unit_test(example_a_auts_generate),
        cmocka_unit_test(example_a_auts_verify_from_base64),
        cmocka_unit_test(example_a_next_sqn),
        cmocka_unit_test(example_b_set19),
        cmocka_unit_test(tampered_auts_rejected),
        cmocka_unit_test(sqn_split_join),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
