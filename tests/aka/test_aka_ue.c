/* UE-side AKA: MAC-A then SQN freshness with the SEQ_MS array (TS 33.102 Annex C.2), AUTS on
 * sync failure checked with the network-side verifier, and state save/load. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aka/aka.h"
#include "hex_util.h"

struct subscriber {
    uint8_t k[16], opc[16], amf[2];
};

static void set1_subscriber(struct subscriber *s)
{
    HEX("465b5ce8b199b49faa5f0a2ee238a6bc", s->k, 16);
    HEX("cd63cb71954a9f4e48a5994e37a02baf", s->opc, 16);
    HEX("8000", s->amf, 2);
}

/* HSS side: a vector for SEQ under the policy of aka.h. */
static void hss_vector(const struct subscriber *s, uint64_t seq, struct mcx_aka_vector *v)
{
    assert_int_equal(mcx_aka_vector_generate(s->k, s->opc, mcx_sqn_for_seq(seq), s->amf, v), 0);
}

static int ue_check(struct mcx_aka_ue_state *ue, const struct subscriber *s,
                    const struct mcx_aka_vector *v, struct mcx_aka_ue_result *r)
{
    return mcx_aka_ue_check(ue, s->k, s->opc, v->rand, v->autn, r);
}

static void fresh_vector_accepted(void **state)
{
    (void)state;
    struct subscriber s;
    set1_subscriber(&s);
    struct mcx_aka_ue_state ue;
    mcx_aka_ue_state_init(&ue);
    assert_int_equal(mcx_aka_ue_state_highest_sqn(&ue), 0);
    struct mcx_aka_vector v;
    struct mcx_aka_ue_result r;
    hss_vector(&s, 1, &v);
    assert_int_equal(ue_check(&ue, &s, &v, &r), MCX_AKA_CHECK_OK);
    assert_int_equal(r.sqn, 33);
    assert_int_equal(r.res_len, v.xres_len);
    assert_memory_equal(r.res, v.xres, v.xres_len);
    assert_memory_equal(r.ck, v.ck, 16);
    assert_memory_equal(r.ik, v.ik, 16);
    assert_int_equal(ue.seq_ms[1], 1);
    assert_int_equal(mcx_aka_ue_state_highest_sqn(&ue), 33);
}

/* A replayed challenge is a sync failure whose AUTS the network verifies and decodes to the
 * highest accepted SQN; the HSS's next vector after resync is then accepted. */
static void replay_rejected_with_correct_auts(void **state)
{
    (void)state;
    struct subscriber s;
    set1_subscriber(&s);
    struct mcx_aka_ue_state ue;
    mcx_aka_ue_state_init(&ue);
    struct mcx_aka_vector v1, v5, next;
    struct mcx_aka_ue_result r;
    hss_vector(&s, 1, &v1);
    hss_vector(&s, 5, &v5);
    assert_int_equal(ue_check(&ue, &s, &v1, &r), MCX_AKA_CHECK_OK);
    assert_int_equal(ue_check(&ue, &s, &v5, &r), MCX_AKA_CHECK_OK);
    struct mcx_aka_ue_state before = ue;

    assert_int_equal(ue_check(&ue, &s, &v1, &r), MCX_AKA_CHECK_SYNC_FAILURE);
    assert_int_equal(r.res_len, 0);
    assert_memory_equal(&before, &ue, sizeof ue);

    uint64_t sqn_ms = 0;
    bool mac_ok = false;
    assert_int_equal(mcx_aka_auts_verify(s.k, s.opc, v1.rand, r.auts, &sqn_ms, &mac_ok), 0);
    assert_true(mac_ok);
    assert_int_equal(sqn_ms, mcx_sqn_for_seq(5));
    /* The AUTS is bound to the RAND of the rejected challenge. */
    assert_int_equal(mcx_aka_auts_verify(s.k, s.opc, v5.rand, r.auts, &sqn_ms, &mac_ok), 0);
    assert_false(mac_ok);

    uint64_t seq = mcx_sqn_resync_next_seq(mcx_sqn_for_seq(5));
    assert_int_equal(seq, 6);
    hss_vector(&s, seq, &next);
    assert_int_equal(ue_check(&ue, &s, &next, &r), MCX_AKA_CHECK_OK);
}

/* Nothing accepted yet: a sync failure reports SQN_MS = 0. */
static void empty_state_reports_zero(void **state)
{
    (void)state;
    struct subscriber s;
    set1_subscriber(&s);
    struct mcx_aka_ue_state ue;
    mcx_aka_ue_state_init(&ue);
    struct mcx_aka_vector v;
    struct mcx_aka_ue_result r;
    hss_vector(&s, 0, &v); /* SEQ 0 is never fresh */
    assert_int_equal(ue_check(&ue, &s, &v, &r), MCX_AKA_CHECK_SYNC_FAILURE);
    uint64_t sqn_ms = 99;
    bool mac_ok = false;
    assert_int_equal(mcx_aka_auts_verify(s.k, s.opc, v.rand, r.auts, &sqn_ms, &mac_ok), 0);
    assert_true(mac_ok);
    assert_int_equal(sqn_ms, 0);
}

static void too_far_ahead_rejected(void **state)
{
    (void)state;
    struct subscriber s;
    set1_subscriber(&s);
    struct mcx_aka_ue_state ue;
    mcx_aka_ue_state_init(&ue);
    assert_int_equal(ue.delta, 1ULL << 28);
    struct mcx_aka_vector v;
    struct mcx_aka_ue_result r;
    hss_vector(&s, 10, &v);
    assert_int_equal(ue_check(&ue, &s, &v, &r), MCX_AKA_CHECK_OK);

    /* Default delta 2^28: SEQ 10 + delta + 1 is too far, 10 + delta is accepted. */
    hss_vector(&s, 10 + (1ULL << 28) + 1, &v);
    assert_int_equal(ue_check(&ue, &s, &v, &r), MCX_AKA_CHECK_SYNC_FAILURE);
    uint64_t sqn_ms;
    bool mac_ok;
    assert_int_equal(mcx_aka_auts_verify(s.k, s.opc, v.rand, r.auts, &sqn_ms, &mac_ok), 0);
    assert_true(mac_ok);
    assert_int_equal(sqn_ms, mcx_sqn_for_seq(10));
    hss_vector(&s, 10 + (1ULL << 28), &v);
    assert_int_equal(ue_check(&ue, &s, &v, &r), MCX_AKA_CHECK_OK);

    /* A configured delta applies the same way. */
    mcx_aka_ue_state_init(&ue);
    ue.delta = 100;
    hss_vector(&s, 101, &v);
    assert_int_equal(ue_check(&ue, &s, &v, &r), MCX_AKA_CHECK_SYNC_FAILURE);
    hss_vector(&s, 100, &v);
    assert_int_equal(ue_check(&ue, &s, &v, &r), MCX_AKA_CHECK_OK);
    hss_vector(&s, 201, &v);
    assert_int_equal(ue_check(&ue, &s, &v, &r), MCX_AKA_CHECK_SYNC_FAILURE);
    hss_vector(&s, 200, &v);
    assert_int_equal(ue_check(&ue, &s, &v, &r), MCX_AKA_CHECK_OK);
}

/* IND slots: 32 vectors used in reverse order are all accepted (one slot each); SEQ 32..40
 * wrap onto slots 0..8 and are accepted; the old SEQ of a reused slot is then a replay. */
static void wrapped_ind_slots(void **state)
{
    (void)state;
    struct subscriber s;
    set1_subscriber(&s);
    struct mcx_aka_ue_state ue;
    mcx_aka_ue_state_init(&ue);
    struct mcx_aka_vector v[41];
    struct mcx_aka_ue_result r;
    for (uint64_t seq = 1; seq <= 40; seq++)
        hss_vector(&s, seq, &v[seq]);
    for (uint64_t seq = 31; seq >= 1; seq--)
        assert_int_equal(ue_check(&ue, &s, &v[seq], &r), MCX_AKA_CHECK_OK);
    for (unsigned ind = 1; ind < 32; ind++)
        assert_int_equal(ue.seq_ms[ind], ind);
    for (uint64_t seq = 32; seq <= 40; seq++) {
        assert_int_equal(mcx_sqn_ind(mcx_sqn_for_seq(seq)), seq % 32);
        assert_int_equal(ue_check(&ue, &s, &v[seq], &r), MCX_AKA_CHECK_OK);
    }
    assert_int_equal(ue.seq_ms[0], 32);
    assert_int_equal(ue.seq_ms[8], 40);
    assert_int_equal(ue.seq_ms[9], 9);
    /* SEQ 3 shares slot 3 with SEQ 35 (accepted): replay. */
    assert_int_equal(ue_check(&ue, &s, &v[3], &r), MCX_AKA_CHECK_SYNC_FAILURE);
    /* SEQ 20 (slot 20) was accepted once: replay, even though 20 > SEQ_MS of other slots. */
    assert_int_equal(ue_check(&ue, &s, &v[20], &r), MCX_AKA_CHECK_SYNC_FAILURE);
    uint64_t sqn_ms;
    bool mac_ok;
    assert_int_equal(mcx_aka_auts_verify(s.k, s.opc, v[20].rand, r.auts, &sqn_ms, &mac_ok), 0);
    assert_true(mac_ok);
    assert_int_equal(sqn_ms, mcx_sqn_for_seq(40));
    /* Slots are independent: SEQ 12 arriving with IND 9 (another HSS's IND choice) is fresh
     * because 12 > SEQ_MS[9] = 9, although slot 8 already holds 40. */
    struct mcx_aka_vector other;
    assert_int_equal(mcx_aka_vector_generate(s.k, s.opc, mcx_sqn_join(12, 9), s.amf, &other), 0);
    assert_int_equal(ue_check(&ue, &s, &other, &r), MCX_AKA_CHECK_OK);
    assert_int_equal(ue.seq_ms[9], 12);
}

/* A wrong MAC-A is reported as such (no AUTS), before and independently of freshness. */
static void mac_failure_distinguished(void **state)
{
    (void)state;
    struct subscriber s;
    set1_subscriber(&s);
    struct mcx_aka_ue_state ue;
    mcx_aka_ue_state_init(&ue);
    struct mcx_aka_vector v;
    struct mcx_aka_ue_result r;
    hss_vector(&s, 7, &v);
    struct mcx_aka_ue_state before = ue;
    for (int byte = 0; byte < 16; byte++) {
        struct mcx_aka_vector bad = v;
        bad.autn[byte] ^= 0x10; /* concealed SQN, AMF or MAC-A */
        assert_int_equal(ue_check(&ue, &s, &bad, &r), MCX_AKA_CHECK_MAC_FAILURE);
        assert_int_equal(r.res_len, 0);
        assert_memory_equal(&before, &ue, sizeof ue);
    }
    struct subscriber other = s;
    other.k[0] ^= 1;
    assert_int_equal(mcx_aka_ue_check(&ue, other.k, other.opc, v.rand, v.autn, &r),
                     MCX_AKA_CHECK_MAC_FAILURE);
    assert_int_equal(ue_check(&ue, &s, &v, &r), MCX_AKA_CHECK_OK);
    /* Replayed and tampered: MAC is checked first, so this is a MAC failure, not a sync one. */
    struct mcx_aka_vector bad = v;
    bad.autn[15] ^= 1;
    assert_int_equal(ue_check(&ue, &s, &bad, &r), MCX_AKA_CHECK_MAC_FAILURE);
    assert_int_equal(ue_check(&ue, &s, &v, &r), MCX_AKA_CHECK_SYNC_FAILURE);
}

static void state_save_load_round_trip(void **state)
{
    (void)state;
    struct mcx_aka_ue_state ue, loaded;
    mcx_aka_ue_state_init(&ue);
    ue.delta = 12345;
    for (int i = 0; i < MCX_AKA_IND_SLOTS; i++)
        ue.seq_ms[i] = (uint64_t)i * 1000003 + (i == 31 ? MCX_AKA_SEQ_MAX - 31 * 1000003 : 0);
    char buf[MCX_AKA_UE_STATE_TEXT_MAX];
    int len = mcx_aka_ue_state_save(&ue, buf, sizeof buf);
    assert_true(len > 0);
    assert_int_equal((size_t)len, strlen(buf));
    assert_non_null(strstr(buf, "version=1\n"));
    assert_non_null(strstr(buf, "delta=12345\n"));
    mcx_aka_ue_state_init(&loaded);
    assert_int_equal(mcx_aka_ue_state_load(&loaded, buf, (size_t)len), 0);
    assert_memory_equal(&loaded, &ue, sizeof ue);

    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(mcx_aka_ue_state_save_file(&ue, f), 0);
    rewind(f);
    mcx_aka_ue_state_init(&loaded);
    assert_int_equal(mcx_aka_ue_state_load_file(&loaded, f), 0);
    fclose(f);
    assert_memory_equal(&loaded, &ue, sizeof ue);

    /* Too small a buffer is an error, not a truncated state. */
    assert_int_equal(mcx_aka_ue_state_save(&ue, buf, 40), MCX_AKA_ESPACE);
}

/* The loaded state keeps accepting and rejecting exactly as the saved one would. */
static void state_survives_reload(void **state)
{
    (void)state;
    struct subscriber s;
    set1_subscriber(&s);
    struct mcx_aka_ue_state ue, reloaded;
    mcx_aka_ue_state_init(&ue);
    struct mcx_aka_vector v3, v4;
    struct mcx_aka_ue_result r;
    hss_vector(&s, 3, &v3);
    hss_vector(&s, 4, &v4);
    assert_int_equal(ue_check(&ue, &s, &v3, &r), MCX_AKA_CHECK_OK);
    char buf[MCX_AKA_UE_STATE_TEXT_MAX];
    int len = mcx_aka_ue_state_save(&ue, buf, sizeof buf);
    assert_true(len > 0);
    assert_int_equal(mcx_aka_ue_state_load(&reloaded, buf, (size_t)len), 0);
    assert_int_equal(ue_check(&reloaded, &s, &v3, &r), MCX_AKA_CHECK_SYNC_FAILURE);
    assert_int_equal(ue_check(&reloaded, &s, &v4, &r), MCX_AKA_CHECK_OK);
}

static void state_load_rejects_malformed(void **state)
{
    (void)state;
    static const char zeros31[] = "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0";
    char text[512];
    struct {
        const char *version, *delta, *seq_ms, *extra;
    } cases[] = {
        {"version=2", "delta=5", "seq_ms=%s,0", ""},                       /* unknown version */
        {"", "delta=5", "seq_ms=%s,0", ""},                                /* missing version */
        {"version=1", "", "seq_ms=%s,0", ""},                              /* missing delta */
        {"version=1", "delta=5", "", ""},                                  /* missing seq_ms */
        {"version=1", "delta=0", "seq_ms=%s,0", ""},                       /* delta 0 */
        {"version=1", "delta=x", "seq_ms=%s,0", ""},                       /* not a number */
        {"version=1", "delta=5", "seq_ms=%s", ""},                         /* 31 slots */
        {"version=1", "delta=5", "seq_ms=%s,0,0", ""},                     /* 33 slots */
        {"version=1", "delta=5", "seq_ms=%s,-1", ""},                      /* negative */
        {"version=1", "delta=5", "seq_ms=%s,8796093022208", ""},           /* 2^43: beyond SEQ */
        {"version=1", "delta=5", "seq_ms=%s,99999999999999999999999", ""}, /* overflow */
        {"version=1", "delta=5", "seq_ms=%s,0", "colour=blue"},            /* unknown key */
        {"version=1", "delta=5", "seq_ms=%s,0", "no equals sign"},
        {"version=1", "delta=5 ", "seq_ms=%s,0", ""}, /* trailing junk */
    };
    struct mcx_aka_ue_state ue, untouched;
    mcx_aka_ue_state_init(&ue);
    ue.seq_ms[4] = 77;
    untouched = ue;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char seq_line[200] = "";
        if (cases[i].seq_ms[0])
            snprintf(seq_line, sizeof seq_line, cases[i].seq_ms, zeros31);
        int n = snprintf(text, sizeof text, "%s\n%s\n%s\n%s\n", cases[i].version, cases[i].delta,
                         seq_line, cases[i].extra);
        assert_true(n > 0 && (size_t)n < sizeof text);
        int rc = mcx_aka_ue_state_load(&ue, text, (size_t)n);
        if (rc != MCX_AKA_EFORMAT)
            fail_msg("case %zu accepted: %s", i, text);
        assert_memory_equal(&ue, &untouched, sizeof ue);
    }
    /* The same template with valid values loads (so the cases above fail for their reason). */
    snprintf(text, sizeof text, "# comment\nversion=1\r\ndelta=5\nseq_ms=%s,8796093022207\n",
             zeros31);
    assert_int_equal(mcx_aka_ue_state_load(&ue, text, strlen(text)), 0);
    assert_int_equal(ue.delta, 5);
    assert_int_equal(ue.seq_ms[31], MCX_AKA_SEQ_MAX);
    assert_int_equal(ue.seq_ms[4], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fresh_vector_accepted),
        cmocka_unit_test(replay_rejected_with_correct_auts),
        cmocka_unit_test(empty_state_reports_zero),
        cmocka_unit_test(too_far_ahead_rejected),
        cmocka_unit_test(wrapped_ind_slots),
        cmocka_unit_test(mac_failure_distinguished),
        cmocka_unit_test(state_save_load_round_trip),
        cmocka_unit_test(state_survives_reload),
        cmocka_unit_test(state_load_rejects_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
