/* libFuzzer target: arbitrary bytes through the Diameter parser of the embedded core
 * (mcx_cx_message_from_buffer), then every Cx request and answer parser, then the error answer
 * a server would send back. Built by tests/fuzz/run_fuzz.sh (target fuzz_cx_parse) with clang
 * -fsanitize=fuzzer; the seeds in fuzz-corpus/ are the requests and answers our builders
 * produce. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "cx/cx_common.h"
#include "cx/cx_lir.h"
#include "cx/cx_mar.h"
#include "cx/cx_sar.h"
#include "cx/cx_uar.h"
#include "cx/diameter.h"

static char state_dir[] = "/tmp/mcx-cx-fuzz-XXXXXX";

static void remove_state_dir(void)
{
    static const char *const files[] = {"freeDiameter.conf", "throwaway-cert.pem",
                                        "throwaway-key.pem", "dh-ffdhe2048.pem"};
    char path[600];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", state_dir, files[i]);
        unlink(path);
    }
    rmdir(state_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[256];
    struct mcx_diameter_config cfg;
    mcx_log_init("fuzz_cx", MCX_LOG_ERROR, NULL);
    if (!mkdtemp(state_dir))
        abort();
    atexit(remove_state_dir);
    mcx_diameter_config_defaults(&cfg);
    snprintf(cfg.identity, sizeof cfg.identity, "fuzz.test.lab");
    snprintf(cfg.realm, sizeof cfg.realm, "test.lab");
    snprintf(cfg.listen_address, sizeof cfg.listen_address, "127.0.0.1");
    cfg.listen_port = 39897; /* never started */
    snprintf(cfg.state_dir, sizeof cfg.state_dir, "%s", state_dir);
    if (mcx_diameter_init(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "mcx_diameter_init: %s\n", err);
        abort();
    }
    return 0;
}

/* Parsed forms, static: the fuzzer is single-threaded and SAA is 16 KiB. */
static union {
    struct mcx_cx_mar mar;
    struct mcx_cx_maa maa;
    struct mcx_cx_uar uar;
    struct mcx_cx_uaa uaa;
    struct mcx_cx_sar sar;
    struct mcx_cx_saa saa;
    struct mcx_cx_lir lir;
    struct mcx_cx_lia lia;
} parsed;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct msg *msg = NULL;
    struct mcx_cx_error err;
    struct mcx_cx_result result;
    uint32_t code;
    bool is_request;
    if (mcx_cx_message_from_buffer(data, size, &msg, &err) != 0)
        return 0;
    (void)mcx_cx_mar_parse(msg, &parsed.mar, &err);
    (void)mcx_cx_uar_parse(msg, &parsed.uar, &err);
    (void)mcx_cx_sar_parse(msg, &parsed.sar, &err);
    (void)mcx_cx_lir_parse(msg, &parsed.lir, &err);
    (void)mcx_cx_maa_parse(msg, &parsed.maa, &err);
    (void)mcx_cx_uaa_parse(msg, &parsed.uaa, &err);
    (void)mcx_cx_saa_parse(msg, &parsed.saa, &err);
    (void)mcx_cx_lia_parse(msg, &parsed.lia, &err);
    if (mcx_cx_message_command(msg, &code, &is_request) == 0 && is_request) {
        /* What the server does with a request it cannot parse. */
        if (mcx_cx_mar_parse(msg, &parsed.mar, &err) != 0) {
            mcx_cx_result_set_from_error(&result, &err);
            if (mcx_cx_answer_build_result(&msg, &result, "u@test.lab", "sip:u@test.lab", &err) ==
                0) {
                uint8_t *buf;
                size_t len;
                if (mcx_cx_message_to_buffer(msg, &buf, &len) == 0)
                    free(buf);
            }
        }
    }
    mcx_cx_message_free(msg);
    return 0;
}
