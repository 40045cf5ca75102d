/* Milenage against all 19 distinct TS 35.208 §4.3 conformance sets: OPc from OP and every
 * output (f1, f1*, f2, f3, f4, f5, f5*), through the one-call and the separate functions.
 * argv[1] is the path of tests/aka/data/milenage-35208.tsv (given by meson). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aka/aka.h"
#include "aka/milenage.h"
#include "hex_util.h"

#define SET_COUNT 19
#define COLUMNS   15

/* Column order of the TSV header. */
enum col {
    COL_SET,
    COL_LABEL,
    COL_K,
    COL_RAND,
    COL_SQN,
    COL_AMF,
    COL_OP,
    COL_OPC,
    COL_MAC_A,
    COL_MAC_S,
    COL_RES,
    COL_CK,
    COL_IK,
    COL_AK,
    COL_AK_STAR
};

static const char *const expected_header[COLUMNS] = {
    "set",      "hostap_label", "K",      "RAND",  "SQN",   "AMF",   "OP",           "OPc",
    "f1_MAC-A", "f1star_MAC-S", "f2_RES", "f3_CK", "f4_IK", "f5_AK", "f5star_AKstar"};

struct test_set {
    char fields[COLUMNS][64];
};

static const char *data_path;
static struct test_set sets[SET_COUNT];
static int set_count;

/* Splits one tab-separated line into fields; returns the field count. */
static int split_line(char *line, struct test_set *out)
{
    int n = 0;
    char *save = NULL;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *tok = strtok_r(line, "\t", &save); tok; tok = strtok_r(NULL, "\t", &save)) {
        if (n >= COLUMNS || strlen(tok) >= sizeof out->fields[0])
            return -1;
        strcpy(out->fields[n++], tok);
    }
    return n;
}

static int load_sets(void **state)
{
    (void)state;
    FILE *in = fopen(data_path, "r");
    if (!in) {
        fprintf(stderr, "cannot open %s\n", data_path);
        return -1;
    }
    char line[1024];
    struct test_set header;
    if (!fgets(line, sizeof line, in) || split_line(line, &header) != COLUMNS) {
        fclose(in);
        return -1;
    }
    for (int i = 0; i < COLUMNS; i++)
        if (strcmp(header.fields[i], expected_header[i]) != 0) {
            fclose(in);
            return -1;
        }
    set_count = 0;
    while (fgets(line, sizeof line, in)) {
        if (line[0] == '\n' || line[0] == '\0')
            continue;
        if (set_count >= SET_COUNT || split_line(line, &sets[set_count]) != COLUMNS) {
            fclose(in);
            return -1;
        }
        set_count++;
    }
    fclose(in);
    return 0;
}

static void all_nineteen_sets_present(void **state)
{
    (void)state;
    assert_int_equal(set_count, SET_COUNT);
    for (int i = 0; i < SET_COUNT; i++)
        assert_int_equal(atoi(sets[i].fields[COL_SET]), i + 1);
}

static void opc_from_op(void **state)
{
    (void)state;
    for (int i = 0; i < set_count; i++) {
        const struct test_set *s = &sets[i];
        uint8_t k[16], op[16], opc[16];
        HEX(s->fields[COL_K], k, 16);
        HEX(s->fields[COL_OP], op, 16);
        assert_int_equal(mcx_milenage_opc(k, op, opc), 0);
        assert_hex_equal(opc, 16, s->fields[COL_OPC]);
    }
}

static void all_outputs_one_call(void **state)
{
    (void)state;
    for (int i = 0; i < set_count; i++) {
        const struct test_set *s = &sets[i];
        uint8_t k[16], opc[16], rand[16], sqn[6], amf[2];
        HEX(s->fields[COL_K], k, 16);
        HEX(s->fields[COL_OPC], opc, 16);
        HEX(s->fields[COL_RAND], rand, 16);
        HEX(s->fields[COL_SQN], sqn, 6);
        HEX(s->fields[COL_AMF], amf, 2);
        struct mcx_milenage_out out;
        memset(&out, 0xee, sizeof out);
        assert_int_equal(mcx_milenage_compute(k, opc, rand, sqn, amf, &out), 0);
        assert_hex_equal(out.mac_a, 8, s->fields[COL_MAC_A]);
        assert_hex_equal(out.mac_s, 8, s->fields[COL_MAC_S]);
        assert_hex_equal(out.res, 8, s->fields[COL_RES]);
        assert_hex_equal(out.ck, 16, s->fields[COL_CK]);
        assert_hex_equal(out.ik, 16, s->fields[COL_IK]);
        assert_hex_equal(out.ak, 6, s->fields[COL_AK]);
        assert_hex_equal(out.ak_star, 6, s->fields[COL_AK_STAR]);
    }
}

static void all_outputs_separate_functions(void **state)
{
    (void)state;
    for (int i = 0; i < set_count; i++) {
        const struct test_set *s = &sets[i];
        uint8_t k[16], opc[16], rand[16], sqn[6], amf[2];
        HEX(s->fields[COL_K], k, 16);
        HEX(s->fields[COL_OPC], opc, 16);
        HEX(s->fields[COL_RAND], rand, 16);
        HEX(s->fields[COL_SQN], sqn, 6);
        HEX(s->fields[COL_AMF], amf, 2);
        uint8_t mac_a[8], mac_s[8], mac_s2[8], res[8], ck[16], ik[16], ak[6], ak_star[6];
        assert_int_equal(mcx_milenage_f1(k, opc, rand, sqn, amf, mac_a, mac_s), 0);
        assert_hex_equal(mac_a, 8, s->fields[COL_MAC_A]);
        assert_hex_equal(mac_s, 8, s->fields[COL_MAC_S]);
        assert_int_equal(mcx_milenage_f1star(k, opc, rand, sqn, amf, mac_s2), 0);
        assert_hex_equal(mac_s2, 8, s->fields[COL_MAC_S]);
        assert_int_equal(mcx_milenage_f2(k, opc, rand, res), 0);
        assert_hex_equal(res, 8, s->fields[COL_RES]);
        assert_int_equal(mcx_milenage_f3(k, opc, rand, ck), 0);
        assert_hex_equal(ck, 16, s->fields[COL_CK]);
        assert_int_equal(mcx_milenage_f4(k, opc, rand, ik), 0);
        assert_hex_equal(ik, 16, s->fields[COL_IK]);
        assert_int_equal(mcx_milenage_f5(k, opc, rand, ak), 0);
        assert_hex_equal(ak, 6, s->fields[COL_AK]);
        assert_int_equal(mcx_milenage_f5star(k, opc, rand, ak_star), 0);
        assert_hex_equal(ak_star, 6, s->fields[COL_AK_STAR]);
        memset(res, 0, sizeof res);
        memset(ck, 0, sizeof ck);
        memset(ik, 0, sizeof ik);
        memset(ak, 0, sizeof ak);
        assert_int_equal(mcx_milenage_f2345(k, opc, rand, res, ck, ik, ak), 0);
        assert_hex_equal(res, 8, s->fields[COL_RES]);
        assert_hex_equal(ck, 16, s->fields[COL_CK]);
        assert_hex_equal(ik, 16, s->fields[COL_IK]);
        assert_hex_equal(ak, 6, s->fields[COL_AK]);
    }
}

/* Vectors built from each set carry AUTN = (SQN xor AK) || AMF || MAC-A and XRES/CK/IK. */
static void vectors_from_every_set(void **state)
{
    (void)state;
    for (int i = 0; i < set_count; i++) {
        const struct test_set *s = &sets[i];
        uint8_t k[16], opc[16], rand[16], sqn[6], amf[2], ak[6], mac_a[8];
        HEX(s->fields[COL_K], k, 16);
        HEX(s->fields[COL_OPC], opc, 16);
        HEX(s->fields[COL_RAND], rand, 16);
        HEX(s->fields[COL_SQN], sqn, 6);
        HEX(s->fields[COL_AMF], amf, 2);
        HEX(s->fields[COL_AK], ak, 6);
        HEX(s->fields[COL_MAC_A], mac_a, 8);
        struct mcx_aka_vector v;
        assert_int_equal(
            mcx_aka_vector_generate_with_rand(k, opc, rand, mcx_sqn_from_bytes(sqn), amf, &v), 0);
        assert_memory_equal(v.rand, rand, 16);
        for (int b = 0; b < 6; b++)
            assert_int_equal(v.autn[b], sqn[b] ^ ak[b]);
        assert_memory_equal(v.autn + 6, amf, 2);
        assert_memory_equal(v.autn + 8, mac_a, 8);
        assert_int_equal(v.xres_len, 8);
        assert_hex_equal(v.xres, 8, s->fields[COL_RES]);
        assert_hex_equal(v.ck, 16, s->fields[COL_CK]);
        assert_hex_equal(v.ik, 16, s->fields[COL_IK]);
    }
}

/* protocol-facts §1.3: AUTN for set 1, written out. */
static void set1_autn(void **state)
{
    (void)state;
    uint8_t k[16], opc[16], rand[16], amf[2];
    HEX("465b5ce8b199b49faa5f0a2ee238a6bc", k, 16);
    HEX("cd63cb71954a9f4e48a5994e37a02baf", opc, 16);
    HEX("23553cbe9637a89d218ae64dae47bf35", rand, 16);
    HEX("b9b9", amf, 2);
    struct mcx_aka_vector v;
    assert_int_equal(mcx_aka_vector_generate_with_rand(k, opc, rand, 0xff9bb4d0b607ULL, amf, &v),
                     0);
    assert_hex_equal(v.autn, 16, "55f328b43577b9b94a9ffac354dfafb3");
}

/* RAND comes from the CSPRNG: two vectors differ in RAND, and each is self-consistent. */
static void random_rand(void **state)
{
    (void)state;
    uint8_t k[16], opc[16], amf[2] = {0x80, 0x00};
    HEX("465b5ce8b199b49faa5f0a2ee238a6bc", k, 16);
    HEX("cd63cb71954a9f4e48a5994e37a02baf", opc, 16);
    struct mcx_aka_vector a, b, again;
    assert_int_equal(mcx_aka_vector_generate(k, opc, 33, amf, &a), 0);
    assert_int_equal(mcx_aka_vector_generate(k, opc, 33, amf, &b), 0);
    assert_memory_not_equal(a.rand, b.rand, 16);
    assert_int_equal(mcx_aka_vector_generate_with_rand(k, opc, a.rand, 33, amf, &again), 0);
    assert_memory_equal(&a, &again, sizeof a);
}

static void sqn_out_of_range_rejected(void **state)
{
    (void)state;
    uint8_t key[16] = {0}, rand[16] = {0}, amf[2] = {0};
    struct mcx_aka_vector v;
    assert_int_equal(
        mcx_aka_vector_generate_with_rand(key, key, rand, MCX_AKA_SQN_MAX + 1, amf, &v),
        MCX_AKA_EINVAL);
    assert_int_equal(mcx_aka_vector_generate_with_rand(key, key, rand, MCX_AKA_SQN_MAX, amf, &v),
                     0);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PATH/milenage-35208.tsv\n", argv[0]);
        return 2;
    }
    data_path = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_nineteen_sets_present),
        cmocka_unit_test(opc_from_op),
        cmocka_unit_test(all_outputs_one_call),
        cmocka_unit_test(all_outputs_separate_functions),
        cmocka_unit_test(vectors_from_every_set),
        cmocka_unit_test(set1_autn),
        cmocka_unit_test(random_rand),
        cmocka_unit_test(sqn_out_of_range_rejected),
    };
    return cmocka_run_group_tests(tests, load_sets, NULL);
}
