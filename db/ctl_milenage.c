/* mcx-ctl milenage / auts: print every Milenage output for given inputs, or decode an AUTS into
 * SQN_MS and check MAC-S. Operator tools for SQN and key mismatches; they print key material
 * to stdout on purpose and log nothing. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "aka/aka.h"
#include "aka/milenage.h"
#include "core/codec.h"
#include "ctl.h"

#define EXIT_OK       0
#define EXIT_FAILED   1
#define EXIT_USAGE    2
#define AUTS_TEXT_MAX 64

/* One --name VALUE option of a subcommand. */
struct ctl_option {
    const char *name; /* without the leading "--" */
    const char *value;
};

/* Parses "--name VALUE" and "--name=VALUE" arguments into opts (names fixed by the caller).
 * Prints a one-line error and returns -1 on an unknown, repeated or valueless option. */
static int parse_options(const char *cmd, int argc, char **argv, struct ctl_option *opts,
                         size_t n_opts)
{
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "mcx-ctl %s: unexpected argument '%s'\n", cmd, arg);
            return -1;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        struct ctl_option *opt = NULL;
        for (size_t o = 0; o < n_opts; o++)
            if (strlen(opts[o].name) == name_len && strncmp(opts[o].name, name, name_len) == 0)
                opt = &opts[o];
        if (!opt) {
            fprintf(stderr, "mcx-ctl %s: unknown option '--%.*s'\n", cmd, (int)name_len, name);
            return -1;
        }
        if (opt->value) {
            fprintf(stderr, "mcx-ctl %s: --%s given twice\n", cmd, opt->name);
            return -1;
        }
        if (eq) {
            opt->value = eq + 1;
        } else if (i + 1 < argc) {
            opt->value = argv[++i];
        } else {
            fprintf(stderr, "mcx-ctl %s: --%s needs a value\n", cmd, opt->name);
            return -1;
        }
    }
    return 0;
}

/* Decodes the option's hex value into exactly len bytes; prints a one-line error on failure. */
static int option_hex(const char *cmd, const struct ctl_option *opt, uint8_t *out, size_t len)
{
    if (!opt->value) {
        fprintf(stderr, "mcx-ctl %s: missing --%s\n", cmd, opt->name);
        return -1;
    }
    if (mcx_hex_decode_exact(opt->value, out, len) != 0) {
        fprintf(stderr, "mcx-ctl %s: --%s: expected %zu hex digits (%zu bytes), got '%s'\n", cmd,
                opt->name, 2 * len, len, opt->value);
        return -1;
    }
    return 0;
}

/* Reads K and OPc (given, or derived from OP): exactly one of --op/--opc must be present. */
static int keys_from_options(const char *cmd, const struct ctl_option *k_opt,
                             const struct ctl_option *op_opt, const struct ctl_option *opc_opt,
                             uint8_t k[16], uint8_t opc[16])
{
    if (option_hex(cmd, k_opt, k, 16) != 0)
        return EXIT_USAGE;
    if (op_opt->value && opc_opt->value) {
        fprintf(stderr, "mcx-ctl %s: give either --op or --opc, not both\n", cmd);
        return EXIT_USAGE;
    }
    if (!op_opt->value && !opc_opt->value) {
        fprintf(stderr, "mcx-ctl %s: missing --op or --opc\n", cmd);
        return EXIT_USAGE;
    }
    if (opc_opt->value)
        return option_hex(cmd, opc_opt, opc, 16) != 0 ? EXIT_USAGE : EXIT_OK;
    uint8_t op[16];
    if (option_hex(cmd, op_opt, op, 16) != 0)
        return EXIT_USAGE;
    if (mcx_milenage_opc(k, op, opc) != 0) {
        fprintf(stderr, "mcx-ctl %s: OpenSSL AES failed\n", cmd);
        return EXIT_FAILED;
    }
    return EXIT_OK;
}

/* Prints "name=hex" for len bytes. */
static void print_hex(const char *name, const uint8_t *bytes, size_t len)
{
    char hex[2 * 16 + 1];
    if (mcx_hex_encode(bytes, len, hex, sizeof hex) < 0)
        return;
    printf("%s=%s\n", name, hex);
}

int ctl_milenage(int argc, char **argv)
{
    static const char cmd[] = "milenage";
    enum { K, OP, OPC, RAND, SQN, AMF, N_OPTS };
    struct ctl_option opts[N_OPTS] = {{"k", NULL},    {"op", NULL},  {"opc", NULL},
                                      {"rand", NULL}, {"sqn", NULL}, {"amf", NULL}};
    if (argc == 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        printf("usage: mcx-ctl milenage --k HEX (--op HEX | --opc HEX) --rand HEX --sqn HEX "
               "--amf HEX\n");
        return EXIT_OK;
    }
    if (parse_options(cmd, argc, argv, opts, N_OPTS) != 0)
        return EXIT_USAGE;
    uint8_t k[16], opc[16], rand[16], sqn[6], amf[2];
    int rc = keys_from_options(cmd, &opts[K], &opts[OP], &opts[OPC], k, opc);
    if (rc != EXIT_OK)
        return rc;
    if (option_hex(cmd, &opts[RAND], rand, sizeof rand) != 0 ||
        option_hex(cmd, &opts[SQN], sqn, sizeof sqn) != 0 ||
        option_hex(cmd, &opts[AMF], amf, sizeof amf) != 0)
        return EXIT_USAGE;

    struct mcx_milenage_out out;
    if (mcx_milenage_compute(k, opc, rand, sqn, amf, &out) != 0) {
        fprintf(stderr, "mcx-ctl %s: OpenSSL AES failed\n", cmd);
        return EXIT_FAILED;
    }
    uint8_t autn[MCX_AKA_AUTN_LEN];
    for (int i = 0; i < 6; i++)
        autn[i] = sqn[i] ^ out.ak[i];
    memcpy(autn + 6, amf, 2);
    memcpy(autn + 8, out.mac_a, 8);
    print_hex("opc", opc, sizeof opc);
    print_hex("mac_a", out.mac_a, sizeof out.mac_a);
    print_hex("mac_s", out.mac_s, sizeof out.mac_s);
    print_hex("res", out.res, sizeof out.res);
    print_hex("ck", out.ck, sizeof out.ck);
    print_hex("ik", out.ik, sizeof out.ik);
    print_hex("ak", out.ak, sizeof out.ak);
    print_hex("ak_star", out.ak_star, sizeof out.ak_star);
    print_hex("autn", autn, sizeof autn);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILED;
}

/* Decodes an AUTS given as 28 hex digits or as base64 (the SIP auts= parameter). */
static int auts_from_option(const char *cmd, const struct ctl_option *opt,
                            uint8_t auts[MCX_AKA_AUTS_LEN])
{
    if (!opt->value) {
        fprintf(stderr, "mcx-ctl %s: missing --auts\n", cmd);
        return -1;
    }
    if (mcx_hex_decode_exact(opt->value, auts, MCX_AKA_AUTS_LEN) == 0)
        return 0;
    uint8_t decoded[AUTS_TEXT_MAX];
    size_t len = strlen(opt->value);
    if (len < AUTS_TEXT_MAX &&
        mcx_base64_decode(opt->value, len, decoded, sizeof decoded) == MCX_AKA_AUTS_LEN) {
        memcpy(auts, decoded, MCX_AKA_AUTS_LEN);
        return 0;
    }
    fprintf(stderr,
            "mcx-ctl %s: --auts: expected 14 bytes as 28 hex digits or base64 (20 characters), "
            "got '%s'\n",
            cmd, opt->value);
    return -1;
}

int ctl_auts(int argc, char **argv)
{
    static const char cmd[] = "auts";
    enum { K, OP, OPC, RAND, AUTS, N_OPTS };
    struct ctl_option opts[N_OPTS] = {
        {"k", NULL}, {"op", NULL}, {"opc", NULL}, {"rand", NULL}, {"auts", NULL}};
    if (argc == 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        printf("usage: mcx-ctl auts --k HEX (--op HEX | --opc HEX) --rand HEX --auts HEX|BASE64\n"
               "  exit 0 when MAC-S verifies, 1 when it does not, 2 on a usage error\n");
        return EXIT_OK;
    }
    if (parse_options(cmd, argc, argv, opts, N_OPTS) != 0)
        return EXIT_USAGE;
    uint8_t k[16], opc[16], rand[16], auts[MCX_AKA_AUTS_LEN];
    int rc = keys_from_options(cmd, &opts[K], &opts[OP], &opts[OPC], k, opc);
    if (rc != EXIT_OK)
        return rc;
    if (option_hex(cmd, &opts[RAND], rand, sizeof rand) != 0 ||
        auts_from_option(cmd, &opts[AUTS], auts) != 0)
        return EXIT_USAGE;

    uint64_t sqn_ms = 0;
    bool mac_ok = false;
    if (mcx_aka_auts_verify(k, opc, rand, auts, &sqn_ms, &mac_ok) != 0) {
        fprintf(stderr, "mcx-ctl %s: OpenSSL AES failed\n", cmd);
        return EXIT_FAILED;
    }
    uint8_t sqn_bytes[MCX_MILENAGE_SQN_LEN];
    mcx_sqn_to_bytes(sqn_ms, sqn_bytes);
    print_hex("sqn_ms", sqn_bytes, sizeof sqn_bytes);
    printf("mac_s=%s\n", mac_ok ? "ok" : "FAIL");
    if (mac_ok) {
        /* What this project's HSS does next (lib/aka/aka.h): SEQ_HE = SEQ_MS, next SEQ + 1. */
        uint64_t next_seq = mcx_sqn_resync_next_seq(sqn_ms);
        uint8_t next[MCX_MILENAGE_SQN_LEN];
        mcx_sqn_to_bytes(mcx_sqn_for_seq(next_seq), next);
        printf("seq_ms=%llu\nind_ms=%u\n", (unsigned long long)mcx_sqn_seq(sqn_ms),
               mcx_sqn_ind(sqn_ms));
        print_hex("next_sqn", next, sizeof next);
    }
    if (fflush(stdout) != 0)
        return EXIT_FAILED;
    return mac_ok ? EXIT_OK : EXIT_FAILED;
}
