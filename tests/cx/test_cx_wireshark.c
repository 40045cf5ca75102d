/* The Cx messages we build decode cleanly in Wireshark's Diameter dissector (tshark): every
 * command's request and answer is written to a pcap file (one TCP segment to port 3868 each)
 * and tshark must show each as Diameter with the expected command and AVP names, and report
 * no malformed packet and no error-level expert info. Skipped (77) when tshark is missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/log.h"
#include "cx/cx_common.h"
#include "cx/cx_lir.h"
#include "cx/cx_mar.h"
#include "cx/cx_sar.h"
#include "cx/cx_uar.h"
#include "cx/diameter.h"

static char state_dir[] = "/tmp/mcx-cx-wireshark-XXXXXX";
static char pcap_path[600];
static const struct mcx_cx_route route = {.realm = "test.lab", .host = "hss.test.lab"};

/* ----------------------------------------------------------------- pcap writer ---- */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint16_t ip_checksum(const uint8_t *hdr, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i += 2)
        sum += (uint32_t)(hdr[i] << 8 | hdr[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Appends one IPv4/TCP packet carrying payload (LINKTYPE_RAW); each on its own connection. */
static void pcap_packet(FILE *f, const uint8_t *payload, size_t len, uint16_t src_port,
                        bool to_server)
{
    uint8_t pkt[40];
    uint32_t rec[4] = {1700000000u, src_port, (uint32_t)(40 + len), (uint32_t)(40 + len)};
    memset(pkt, 0, sizeof pkt);
    pkt[0] = 0x45;
    put16(pkt + 2, (uint16_t)(40 + len));
    pkt[8] = 64;
    pkt[9] = 6; /* TCP */
    put32(pkt + 12, to_server ? 0x7f000002 : 0x7f000001);
    put32(pkt + 16, to_server ? 0x7f000001 : 0x7f000002);
    put16(pkt + 10, ip_checksum(pkt, 20));
    put16(pkt + 20, to_server ? src_port : 3868);
    put16(pkt + 22, to_server ? 3868 : src_port);
    put32(pkt + 24, 1000);
    put32(pkt + 28, 1);
    pkt[32] = 0x50; /* data offset 5 words */
    pkt[33] = 0x18; /* PSH, ACK */
    put16(pkt + 34, 65535);
    fwrite(rec, sizeof rec, 1, f);
    fwrite(pkt, sizeof pkt, 1, f);
    fwrite(payload, 1, len, f);
}

/* Writes msg; an answer (to_server false) is then freed, with the request it answers. */
static void pcap_message(FILE *f, struct msg *msg, uint16_t src_port, bool to_server)
{
    uint8_t *buf;
    size_t len;
    assert_int_equal(mcx_cx_message_to_buffer(msg, &buf, &len), 0);
    pcap_packet(f, buf, len, src_port, to_server);
    free(buf);
    if (!to_server)
        mcx_cx_message_free(msg);
}

/* -------------------------------------------------------------- the messages ---- */

static void write_messages(FILE *f)
{
    struct mcx_cx_error err;
    struct msg *msg;

    struct mcx_cx_mar mar;
    memset(&mar, 0, sizeof mar);
    snprintf(mar.user_name, sizeof mar.user_name, "alice@test.lab");
    snprintf(mar.public_identity, sizeof mar.public_identity, "sip:alice@test.lab");
    snprintf(mar.server_name, sizeof mar.server_name, "sip:scscf.test.lab");
    snprintf(mar.scheme, sizeof mar.scheme, MCX_CX_SCHEME_AKAV1);
    mar.number_auth_items = 1;
    memset(mar.authorization, 0x5a, 30);
    mar.authorization_len = 30;
    assert_int_equal(mcx_cx_mar_build(&route, &mar, &msg, &err), 0);
    pcap_message(f, msg, 40001, true);

    struct mcx_cx_maa maa;
    memset(&maa, 0, sizeof maa);
    mcx_cx_result_set_success(&maa.result);
    maa.item_count = 2;
    maa.items[0].item_number = 1;
    snprintf(maa.items[0].scheme, sizeof maa.items[0].scheme, MCX_CX_SCHEME_AKAV1);
    memset(maa.items[0].authenticate, 0x33, 32);
    maa.items[0].authenticate_len = 32;
    memset(maa.items[0].authorization, 0x44, 8);
    maa.items[0].authorization_len = 8;
    maa.items[0].has_ck = maa.items[0].has_ik = true;
    maa.items[1].item_number = 2;
    snprintf(maa.items[1].scheme, sizeof maa.items[1].scheme, MCX_CX_SCHEME_SIP_DIGEST);
    maa.items[1].has_digest = true;
    snprintf(maa.items[1].digest_realm, sizeof maa.items[1].digest_realm, "test.lab");
    snprintf(maa.items[1].digest_qop, sizeof maa.items[1].digest_qop, "auth");
    snprintf(maa.items[1].digest_ha1, sizeof maa.items[1].digest_ha1, "%032d", 7);
    snprintf(maa.user_name, sizeof maa.user_name, "alice@test.lab");
    snprintf(maa.public_identity, sizeof maa.public_identity, "sip:alice@test.lab");
    assert_int_equal(mcx_cx_maa_build(&msg, &maa, &err), 0);
    pcap_message(f, msg, 40001, false);

    struct mcx_cx_uar uar;
    memset(&uar, 0, sizeof uar);
    snprintf(uar.user_name, sizeof uar.user_name, "alice@test.lab");
    snprintf(uar.public_identity, sizeof uar.public_identity, "sip:alice@test.lab");
    snprintf(uar.visited_network, sizeof uar.visited_network, "test.lab");
    assert_int_equal(mcx_cx_uar_build(&route, &uar, &msg, &err), 0);
    pcap_message(f, msg, 40002, true);
    struct mcx_cx_result unknown;
    mcx_cx_result_set_experimental(&unknown, MCX_CX_ERROR_USER_UNKNOWN);
    assert_int_equal(
        mcx_cx_answer_build_result(&msg, &unknown, uar.user_name, uar.public_identity, &err), 0);
    pcap_message(f, msg, 40002, false);

    struct mcx_cx_sar sar;
    memset(&sar, 0, sizeof sar);
    snprintf(sar.user_name, sizeof sar.user_name, "alice@test.lab");
    sar.public_identity_count = 1;
    snprintf(sar.public_identities[0], MCX_CX_IDENTITY_MAX, "sip:alice@test.lab");
    snprintf(sar.server_name, sizeof sar.server_name, "sip:scscf.test.lab");
    sar.assignment_type = MCX_CX_SAT_REGISTRATION;
    assert_int_equal(mcx_cx_sar_build(&route, &sar, &msg, &err), 0);
    pcap_message(f, msg, 40003, true);
    struct mcx_cx_saa *saa = calloc(1, sizeof *saa);
    assert_non_null(saa);
    mcx_cx_result_set_success(&saa->result);
    memcpy(saa->user_data, "<IMSSubscription/>", 18);
    saa->user_data_len = 18;
    assert_int_equal(mcx_cx_saa_build(&msg, saa, &err), 0);
    free(saa);
    pcap_message(f, msg, 40003, false);

    struct mcx_cx_lir lir;
    memset(&lir, 0, sizeof lir);
    snprintf(lir.public_identity, sizeof lir.public_identity, "sip:alice@test.lab");
    assert_int_equal(mcx_cx_lir_build(&route, &lir, &msg, &err), 0);
    pcap_message(f, msg, 40004, true);
    struct mcx_cx_error missing = {.result_code = MCX_DIAMETER_MISSING_AVP,
                                   .avp_code = 1,
                                   .text = "missing mandatory AVP User-Name"};
    struct mcx_cx_result failed;
    mcx_cx_result_set_from_error(&failed, &missing);
    assert_int_equal(mcx_cx_answer_build_result(&msg, &failed, NULL, lir.public_identity, &err), 0);
    pcap_message(f, msg, 40004, false);
}

/* Runs tshark on the pcap; returns its verbose output (malloc'd). With MCX_TSHARK_DUMP=FILE
 * the output is also written to FILE (to read a failure in full). */
static char *run_tshark(void)
{
    char cmd[800];
    snprintf(cmd, sizeof cmd, "tshark -n -r '%s' -V -o tcp.desegment_tcp_streams:TRUE 2>&1",
             pcap_path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 21, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    size_t n;
    while ((n = fread(out + len, 1, cap - 1 - len, p)) > 0)
        len += n;
    out[len] = '\0';
    int status = pclose(p);
    if (getenv("MCX_TSHARK_DUMP")) {
        FILE *d = fopen(getenv("MCX_TSHARK_DUMP"), "w");
        if (d) {
            fputs(out, d);
            fclose(d);
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("tshark failed (status %d):\n%s", status, out);
    return out;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void decodes_cleanly(void **state)
{
    (void)state;
    FILE *f = fopen(pcap_path, "wb");
    assert_non_null(f);
    uint32_t global[6] = {0xa1b2c3d4u, 0x00040002u, 0, 0, 65535, 101 /* LINKTYPE_RAW */};
    fwrite(global, sizeof global, 1, f);
    write_messages(f);
    assert_int_equal(fclose(f), 0);

    char *out = run_tshark();
    if (count(out, "Diameter Protocol") != 8)
        fail_msg("expected 8 Diameter messages:\n%s", out);
    /* Wireshark 4.0 names (it prefixes some 3GPP AVPs with "3GPP-" or "Cx-"). */
    const char *must[] = {
        "Command Code: Multimedia-Auth (303)",
        "Command Code: User-Authorization (300)",
        "Command Code: Server-Assignment (301)",
        "Command Code: Location-Info (302)",
        "ApplicationId: 3GPP Cx (16777216)",
        "SIP-Auth-Data-Item(612)",
        "SIP-Authorization(610) l=42 f=VM- vnd=TGPP val=5a5a5a5a",
        "SIP-Authenticate(609)",
        "SIP-Number-Auth-Items(607) l=16 f=VM- vnd=TGPP val=2",
        "Confidentiality-Key(625)",
        "Integrity-Key(626)",
        "SIP-Digest-Authenticate(635)",
        "Digest-HA1(121)",
        "Digest-Realm(104) l=16 f=-M- val=test.lab",
        "Digest-Qop(110)",
        "Public-Identity(601)",
        "Server-Assignment-Type(614) l=16 f=VM- vnd=TGPP val=REGISTRATION (1)",
        "User-Data(606)",
        "Experimental-Result-Code(298) l=12 f=-M- val=DIAMETER_ERROR_USER_UNKNOWN (5001)",
        "Failed-AVP(279)",
        "Result-Code(268) l=12 f=-M- val=DIAMETER_MISSING_AVP (5005)",
        "Vendor-Specific-Application-Id(260)",
    };
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        if (!strstr(out, must[i]))
            fail_msg("tshark output lacks \"%s\":\n%s", must[i], out);
    if (strstr(out, "Malformed") || strstr(out, "[Expert Info (Error") ||
        strstr(out, "Unknown AVP") || strstr(out, "Unknown command"))
        fail_msg("tshark reports a problem:\n%s", out);
    free(out);
}

static int setup(void **state)
{
    (void)state;
    char err[256];
    struct mcx_diameter_config cfg;
    mcx_log_init("test_cx_wireshark", MCX_LOG_WARN, NULL);
    if (!mkdtemp(state_dir))
        return -1;
    snprintf(pcap_path, sizeof pcap_path, "%s/cx.pcap", state_dir);
    mcx_diameter_config_defaults(&cfg);
    snprintf(cfg.identity, sizeof cfg.identity, "client.test.lab");
    snprintf(cfg.realm, sizeof cfg.realm, "test.lab");
    snprintf(cfg.listen_address, sizeof cfg.listen_address, "127.0.0.1");
    cfg.listen_port = 39898; /* never started */
    snprintf(cfg.state_dir, sizeof cfg.state_dir, "%s", state_dir);
    if (mcx_diameter_init(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "mcx_diameter_init: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    static const char *const files[] = {"freeDiameter.conf", "throwaway-cert.pem",
                                        "throwaway-key.pem", "dh-ffdhe2048.pem", "cx.pcap"};
    char path[700];
    mcx_diameter_shutdown();
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", state_dir, files[i]);
        unlink(path);
    }
    rmdir(state_dir);
    return 0;
}

int main(void)
{
    if (system("command -v tshark >/dev/null 2>&1") != 0) {
        printf("SKIP: tshark not installed\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {cmocka_unit_test(decodes_cleanly)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
