/* mcx-ue ISIM stand-in: identities and defaults, keys (OPc from OP), SQN state file round trip
 * with atomic replacement, missing and malformed files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ue_isim.h"
#include "ue_test_util.h"

static char tmpdir[256];

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ue_test_isim.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void identity_defaults(void **state)
{
    (void)state;
    struct ue_isim isim;
    char err[256];
    ue_isim_init(&isim);
    assert_int_equal(
        ue_isim_set_identity(&isim, "alice@mig.partner.mcx.lab", NULL, NULL, err, sizeof err), 0);
    assert_string_equal(isim.impu, "sip:alice@mig.partner.mcx.lab");
    assert_string_equal(isim.domain, "mig.partner.mcx.lab");
    assert_int_equal(
        ue_isim_set_identity(&isim, "bob@x", "sip:+4912@y", "z.example", err, sizeof err), 0);
    assert_string_equal(isim.impu, "sip:+4912@y");
    assert_string_equal(isim.domain, "z.example");
    /* No domain anywhere, spaces, a non-URI IMPU: clear errors. */
    assert_int_equal(ue_isim_set_identity(&isim, "nodomain", NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "domain"));
    assert_int_equal(ue_isim_set_identity(&isim, "a b@x", NULL, NULL, err, sizeof err), -1);
    assert_int_equal(ue_isim_set_identity(&isim, "a@x", "alice@x", NULL, err, sizeof err), -1);
    assert_int_equal(ue_isim_set_identity(&isim, "", NULL, NULL, err, sizeof err), -1);
}

static void keys_from_op_and_opc(void **state)
{
    (void)state;
    struct ue_isim a, b;
    char err[256];
    uint8_t opc[16];
    UE_HEX(SET1_OPC, opc, 16);
    ue_isim_init(&a);
    ue_isim_init(&b);
    assert_int_equal(ue_isim_set_keys(&a, SET1_K, SET1_OP, NULL, NULL, err, sizeof err), 0);
    assert_memory_equal(a.opc, opc, 16);
    assert_int_equal(a.amf[0], 0x80);
    assert_int_equal(a.amf[1], 0x00);
    assert_int_equal(ue_isim_set_keys(&b, SET1_K, NULL, SET1_OPC, SET1_AMF, err, sizeof err), 0);
    assert_memory_equal(b.opc, opc, 16);
    assert_int_equal(b.amf[0], 0xb9);
    /* Both or neither of OP/OPc, short K: errors that never echo the key text. */
    assert_int_equal(ue_isim_set_keys(&a, SET1_K, SET1_OP, SET1_OPC, NULL, err, sizeof err), -1);
    assert_int_equal(ue_isim_set_keys(&a, SET1_K, NULL, NULL, NULL, err, sizeof err), -1);
    assert_int_equal(ue_isim_set_keys(&a, "465b5ce8", NULL, SET1_OPC, NULL, err, sizeof err), -1);
    assert_null(strstr(err, "465b5ce8"));
    assert_int_equal(ue_isim_set_keys(&a, SET1_K, NULL, SET1_OPC, "80", err, sizeof err), -1);
    assert_non_null(strstr(err, "AMF"));
}

static void state_file_round_trip(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/ue.state", tmpdir);
    char err[256];
    struct ue_isim isim;
    ue_isim_init(&isim);
    /* Missing file: fresh state, created by the first save. */
    assert_int_equal(ue_isim_state_load(&isim, path, err, sizeof err), 0);
    assert_int_equal(mcx_aka_ue_state_highest_sqn(&isim.sqn), 0);
    for (int i = 0; i < MCX_AKA_IND_SLOTS; i++)
        isim.sqn.seq_ms[i] = 1000u + (uint64_t)i * 7u;
    isim.sqn.seq_ms[9] = MCX_AKA_SEQ_MAX;
    isim.sqn.delta = 12345;
    assert_int_equal(ue_isim_state_save(&isim, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    struct ue_isim again;
    ue_isim_init(&again);
    assert_int_equal(ue_isim_state_load(&again, path, err, sizeof err), 0);
    assert_memory_equal(again.sqn.seq_ms, isim.sqn.seq_ms, sizeof isim.sqn.seq_ms);
    assert_int_equal(again.sqn.delta, 12345);
    assert_string_equal(again.state_path, path);

    /* A second save replaces the file and leaves no temporary behind. */
    again.sqn.seq_ms[0] = 5;
    assert_int_equal(ue_isim_state_save(&again, err, sizeof err), 0);
    char tmp[320];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    assert_int_not_equal(access(tmp, F_OK), 0);
    struct ue_isim third;
    ue_isim_init(&third);
    assert_int_equal(ue_isim_state_load(&third, path, err, sizeof err), 0);
    assert_int_equal(third.sqn.seq_ms[0], 5);
    assert_int_equal(third.sqn.seq_ms[1], 1007);
}

static void state_file_errors(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/bad.state", tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("version=1\ndelta=5\nseq_ms=1,2,3\n", f); /* too few slots */
    fclose(f);
    char err[256];
    struct ue_isim isim;
    ue_isim_init(&isim);
    isim.sqn.seq_ms[3] = 77;
    assert_int_equal(ue_isim_state_load(&isim, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "malformed"));
    assert_int_equal(isim.sqn.seq_ms[3], 77); /* unchanged */
    /* A directory where the file should be: the save fails with a clear error. */
    snprintf(path, sizeof path, "%s/no/such/dir/ue.state", tmpdir);
    assert_int_equal(ue_isim_state_load(&isim, path, err, sizeof err), 0);
    assert_int_equal(ue_isim_state_save(&isim, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
    /* No state file configured: save is a no-op. */
    struct ue_isim mem;
    ue_isim_init(&mem);
    assert_int_equal(ue_isim_state_save(&mem, err, sizeof err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identity_defaults),
        cmocka_unit_test(keys_from_op_and_opc),
        cmocka_unit_test(state_file_round_trip),
        cmocka_unit_test(state_file_errors),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
