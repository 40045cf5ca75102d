/* mcx-ue REGISTER state machine against a network side built in the test from the AKA library:
 * the full exchange (empty-response REGISTER, 401, answered REGISTER checked with XRES, 200),
 * UDP retransmission timing (T1 doubling to T2, timer F), TCP without retransmission, the
 * resynchronisation path, MAC failure -> 403, 401 loop, stray responses, 423 and error codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aka/aka.h"
#include "aka/digest.h"
#include "core/log.h"
#include "sip/sip_auth.h"
#include "sip/sip_msg.h"
#include "sip/sip_parse.h"
#include "ue_register.h"
#include "ue_test_util.h"

#define T1_MS 500u
#define T2_MS 4000u
#define MS    1000u /* microseconds */

static const char impi[] = "alice@mig.partner.mcx.lab";

struct fixture {
    struct ue_isim isim;
    struct ue_reg_config cfg;
    struct ue_reg reg;
    uint8_t k[16], opc[16], amf[2];
    struct mcx_aka_vector vector; /* the last challenge sent */
    char response[4096];
    size_t response_len;
};

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof f);
    char err[256];
    ue_isim_init(&f.isim);
    if (ue_isim_set_identity(&f.isim, impi, NULL, NULL, err, sizeof err) != 0 ||
        ue_isim_set_keys(&f.isim, SET1_K, NULL, SET1_OPC, "8000", err, sizeof err) != 0)
        return -1;
    mcx_hex_decode_exact(SET1_K, f.k, 16);
    mcx_hex_decode_exact(SET1_OPC, f.opc, 16);
    f.amf[0] = 0x80;
    f.cfg = (struct ue_reg_config){.transport = "UDP",
                                   .reliable = false,
                                   .algorithm = MCX_DIGEST_ALG_AKAV1_MD5,
                                   .t1_ms = T1_MS,
                                   .t2_ms = T2_MS};
    ue_reg_init(&f.reg, &f.isim, &f.cfg, "127.0.30.1", 5062);
    *state = &f;
    return 0;
}

/* Parses the request the machine left in reg->out. */
static void parse_out(struct fixture *f, struct sip_msg *msg)
{
    const char *why = NULL;
    assert_int_equal(sip_parse(f->reg.out, f->reg.out_len, msg, &why), SIP_OK);
    assert_true(msg->is_request);
    assert_true(sip_slice_eq(msg->method, "REGISTER"));
}

/* Builds a response to the current request with extra header lines. */
static void respond(struct fixture *f, int status, const char *headers)
{
    struct sip_msg req;
    parse_out(f, &req);
    struct sip_response r = {.status = status,
                             .to_tag = status > 100 ? "srv1" : NULL,
                             .headers = headers,
                             .headers_len = headers ? strlen(headers) : 0};
    int n = sip_response_build(&req, &r, f->response, sizeof f->response);
    assert_true(n > 0);
    f->response_len = (size_t)n;
}

/* A 401 whose nonce carries a vector for seq under the HSS policy (or with the given keys). */
static void challenge(struct fixture *f, uint64_t seq, const uint8_t *k, const char *algorithm)
{
    assert_int_equal(
        mcx_aka_vector_generate(k ? k : f->k, f->opc, mcx_sqn_for_seq(seq), f->amf, &f->vector), 0);
    uint8_t nonce[32];
    memcpy(nonce, f->vector.rand, 16);
    memcpy(nonce + 16, f->vector.autn, 16);
    char b64[64], headers[512];
    assert_int_equal(mcx_base64_encode(nonce, 32, b64, sizeof b64), 44);
    snprintf(headers, sizeof headers,
             "WWW-Authenticate: Digest realm=\"mig.partner.mcx.lab\", nonce=\"%s\", "
             "qop=\"auth\", algorithm=%s\r\n",
             b64, algorithm);
    respond(f, 401, headers);
}

/* Finds the Authorization of the current request and parses it. */
static void authorization(struct fixture *f, struct sip_msg *msg, struct sip_digest *d)
{
    parse_out(f, msg);
    int i = sip_header_find(msg, SIP_HDR_AUTHORIZATION, 0);
    assert_true(i >= 0);
    const char *why;
    assert_int_equal(sip_digest_parse(msg->headers[i].value, d, &why), 0);
}

/* Checks the current request's response digest as a registrar would, with XRES (AKAv1). */
static void assert_response_valid(struct fixture *f)
{
    struct sip_msg msg;
    struct sip_digest d;
    authorization(f, &msg, &d);
    char nonce[64], cnonce[64], nc[16], uri[64], resp[64], ha1[33], ha2[33], expect[33];
    assert_true(sip_slice_copy(d.nonce, nonce, sizeof nonce) > 0);
    assert_true(sip_slice_copy(d.cnonce, cnonce, sizeof cnonce) > 0);
    assert_true(sip_slice_copy(d.nc, nc, sizeof nc) > 0);
    assert_true(sip_slice_copy(d.uri, uri, sizeof uri) > 0);
    assert_true(sip_slice_copy(d.response, resp, sizeof resp) > 0);
    assert_string_equal(uri, "sip:mig.partner.mcx.lab");
    assert_true(sip_slice_eq(d.username, impi));
    assert_int_equal(mcx_digest_aka_ha1(MCX_DIGEST_ALG_AKAV1_MD5, impi, "mig.partner.mcx.lab",
                                        f->vector.xres, f->vector.xres_len, NULL, NULL, false, ha1),
                     0);
    assert_int_equal(mcx_digest_ha2("REGISTER", uri, MCX_DIGEST_QOP_AUTH, NULL, 0, ha2), 0);
    assert_int_equal(mcx_digest_response(ha1, nonce, MCX_DIGEST_QOP_AUTH, nc, cnonce, ha2, expect),
                     0);
    assert_string_equal(resp, expect);
}

static const char ok_headers[] =
    "Contact: <sip:alice@127.0.30.1:5062>;expires=300\r\n"
    "Service-Route: <sip:orig@scscf.mig.partner.mcx.lab;lr>\r\n"
    "P-Associated-URI: <sip:alice@mig.partner.mcx.lab>, <tel:+4930123>\r\n";

static void full_exchange(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(ue_reg_start(&f->reg, 600, 1000 * MS), UE_REG_SEND);
    struct sip_msg msg;
    struct sip_digest d;
    authorization(f, &msg, &d);
    assert_int_equal(msg.cseq, 1);
    assert_int_equal(msg.expires, 600);
    assert_true(sip_slice_eq(msg.ruri, "sip:mig.partner.mcx.lab"));
    assert_true(d.response.p && d.response.len == 0);
    assert_true(d.nonce.p && d.nonce.len == 0);
    assert_true(sip_slice_eq(d.username, impi));
    assert_true(sip_header_find(&msg, SIP_HDR_CONTACT, 0) >= 0);
    int sup = sip_header_find(&msg, SIP_HDR_SUPPORTED, 0);
    assert_true(sup >= 0 && sip_slice_eq(msg.headers[sup].value, "path"));
    assert_true(msg.branch.len > 7 && memcmp(msg.branch.p, "z9hG4bK", 7) == 0);
    assert_true(msg.from_tag.len > 0);
    char call_id[64], branch1[64];
    sip_slice_copy(msg.call_id, call_id, sizeof call_id);
    sip_slice_copy(msg.branch, branch1, sizeof branch1);

    challenge(f, 1, NULL, "AKAv1-MD5");
    assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 1010 * MS),
                     UE_REG_SEND);
    authorization(f, &msg, &d);
    assert_int_equal(msg.cseq, 2);
    assert_true(sip_slice_eq(msg.call_id, call_id));
    assert_false(sip_slice_eq(msg.branch, branch1));
    assert_response_valid(f);
    assert_int_equal(f->isim.sqn.seq_ms[1], 1);

    respond(f, 200, ok_headers);
    assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 1020 * MS),
                     UE_REG_DONE);
    assert_int_equal(f->reg.result, UE_REG_REGISTERED);
    assert_int_equal(f->reg.status, 200);
    assert_int_equal(f->reg.granted_expires, 300);
    assert_string_equal(f->reg.service_route, "<sip:orig@scscf.mig.partner.mcx.lab;lr>");
    assert_string_equal(f->reg.p_associated_uri, "<sip:alice@mig.partner.mcx.lab>, <tel:+4930123>");
    assert_int_equal(f->reg.finished_us - f->reg.started_us, 20 * MS);
    assert_int_equal(f->reg.timer_us, 0);

    /* A de-registration reuses the Call-ID with the next CSeq. */
    assert_int_equal(ue_reg_start(&f->reg, 0, 2000 * MS), UE_REG_SEND);
    parse_out(f, &msg);
    assert_int_equal(msg.cseq, 3);
    assert_int_equal(msg.expires, 0);
    assert_true(sip_slice_eq(msg.call_id, call_id));
    challenge(f, 2, NULL, "AKAv1-MD5");
    assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 2001 * MS),
                     UE_REG_SEND);
    respond(f, 200, NULL);
    assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 2002 * MS),
                     UE_REG_DONE);
    assert_int_equal(f->reg.result, UE_REG_DEREGISTERED);
}

static void udp_retransmission_and_timeout(void **state)
{
    struct fixture *f = *state;
    uint64_t t0 = 5000 * MS;
    assert_int_equal(ue_reg_start(&f->reg, 600, t0), UE_REG_SEND);
    assert_int_equal(f->reg.timer_us, t0 + T1_MS * MS);
    assert_int_equal(ue_reg_on_timer(&f->reg, t0 + T1_MS * MS - 1), UE_REG_WAIT);
    /* Timer E: 500, 1000, 2000, 4000, 4000 ... ms between sends; timer F at 64*T1. */
    uint64_t expected_gap[] = {1000, 2000, 4000, 4000, 4000};
    uint64_t now = t0 + T1_MS * MS;
    char first[UE_REG_OUT_MAX];
    memcpy(first, f->reg.out, f->reg.out_len);
    size_t first_len = f->reg.out_len;
    for (size_t i = 0; i < sizeof expected_gap / sizeof expected_gap[0]; i++) {
        assert_int_equal(ue_reg_on_timer(&f->reg, now), UE_REG_SEND);
        assert_int_equal(f->reg.out_len, first_len); /* the same bytes again */
        assert_memory_equal(f->reg.out, first, first_len);
        assert_int_equal(f->reg.timer_us, now + expected_gap[i] * MS);
        now = f->reg.timer_us;
    }
    assert_int_equal(f->reg.retransmits, 5);
    unsigned sends = 5;
    while (ue_reg_on_timer(&f->reg, now) == UE_REG_SEND) {
        sends++;
        now = f->reg.timer_us;
        assert_true(now <= t0 + 64 * T1_MS * MS);
    }
    assert_int_equal(f->reg.result, UE_REG_TIMEOUT);
    assert_int_equal(f->reg.finished_us, t0 + 64 * T1_MS * MS);
    assert_int_equal(sends, 10); /* RFC 3261: 11 transmissions in all within timer F */
    assert_non_null(strstr(f->reg.reason, "timer F"));
    /* Once done, timers and messages are ignored. */
    assert_int_equal(ue_reg_on_timer(&f->reg, now + 10 * MS), UE_REG_WAIT);
}

static void tcp_no_retransmission(void **state)
{
    struct fixture *f = *state;
    f->cfg.reliable = true;
    f->cfg.transport = "TCP";
    uint64_t t0 = 1 * MS;
    assert_int_equal(ue_reg_start(&f->reg, 600, t0), UE_REG_SEND);
    struct sip_msg msg;
    parse_out(f, &msg);
    int c = sip_header_find(&msg, SIP_HDR_CONTACT, 0);
    assert_non_null(memmem(msg.headers[c].value.p, msg.headers[c].value.len, ";transport=tcp", 14));
    assert_int_equal(f->reg.timer_us, t0 + 64 * T1_MS * MS);
    assert_int_equal(ue_reg_on_timer(&f->reg, t0 + 10 * T1_MS * MS), UE_REG_WAIT);
    assert_int_equal(ue_reg_on_timer(&f->reg, t0 + 64 * T1_MS * MS), UE_REG_DONE);
    assert_int_equal(f->reg.result, UE_REG_TIMEOUT);
    assert_int_equal(f->reg.retransmits, 0);
}

static void resynchronisation(void **state)
{
    struct fixture *f = *state;
    f->isim.sqn.seq_ms[9] = 41; /* the UE has seen SEQ 41 (IND 9) */
    assert_int_equal(ue_reg_start(&f->reg, 600, 0), UE_REG_SEND);
    challenge(f, 9, NULL, "AKAv1-MD5"); /* the network is behind: SEQ 9 lands in slot 9 */
    uint8_t rand_stale[16];
    memcpy(rand_stale, f->vector.rand, 16);
    assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 1), UE_REG_SEND);
    struct sip_msg msg;
    struct sip_digest d;
    authorization(f, &msg, &d);
    assert_non_null(d.auts.p);
    uint8_t auts[20];
    assert_int_equal(mcx_base64_decode(d.auts.p, d.auts.len, auts, sizeof auts), 14);
    uint64_t sqn_ms;
    bool mac_ok;
    assert_int_equal(mcx_aka_auts_verify(f->k, f->opc, rand_stale, auts, &sqn_ms, &mac_ok), 0);
    assert_true(mac_ok);
    assert_int_equal(mcx_sqn_seq(sqn_ms), 41);
    /* The HSS resynchronises and challenges with SEQ_MS + 1. */
    challenge(f, mcx_sqn_resync_next_seq(sqn_ms), NULL, "AKAv1-MD5");
    assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 2), UE_REG_SEND);
    assert_response_valid(f);
    respond(f, 200, ok_headers);
    assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 3), UE_REG_DONE);
    assert_int_equal(f->reg.result, UE_REG_REGISTERED);
    assert_int_equal(f->reg.challenges, 2);
}

static void resync_not_honoured_is_a_loop(void **state)
{
    struct fixture *f = *state;
    f->isim.sqn.seq_ms[9] = 41;
    assert_int_equal(ue_reg_start(&f->reg, 600, 0), UE_REG_SEND);
    challenge(f, 9, NULL, "AKAv1-MD5");
    assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 1), UE_REG_SEND);
    challenge(f, 41, NULL, "AKAv1-MD5"); /* still stale: slot 9 has SEQ 41 */
    assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 2), UE_REG_DONE);
    assert_int_equal(f->reg.result, UE_REG_AUTH_LOOP);
}

static void mac_failure_then_403(void **state)
{
    struct fixture *f = *state;
    uint8_t wrong_k[16];
    memcpy(wrong_k, f->k, 16);
    wrong_k[0] ^= 0xff;
    assert_int_equal(ue_reg_start(&f->reg, 600, 0), UE_REG_SEND);
    challenge(f, 1, wrong_k, "AKAv1-MD5");
    assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 1), UE_REG_SEND);
    struct sip_msg msg;
    struct sip_digest d;
    authorization(f, &msg, &d);
    assert_true(d.response.p && d.response.len == 0);
    assert_null(d.auts.p);
    assert_true(d.nonce.len == 44);
    respond(f, 403, NULL);
    assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 2), UE_REG_DONE);
    assert_int_equal(f->reg.result, UE_REG_MAC_FAILURE);
    assert_int_equal(f->reg.status, 403);
    assert_non_null(strstr(f->reg.reason, "MAC"));
    for (int i = 0; i < MCX_AKA_IND_SLOTS; i++)
        assert_int_equal(f->isim.sqn.seq_ms[i], 0);
}

static void challenge_after_answer_is_a_loop(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(ue_reg_start(&f->reg, 600, 0), UE_REG_SEND);
    challenge(f, 1, NULL, "AKAv1-MD5");
    assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 1), UE_REG_SEND);
    challenge(f, 2, NULL, "AKAv1-MD5");
    assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 2), UE_REG_DONE);
    assert_int_equal(f->reg.result, UE_REG_AUTH_LOOP);
}

static void stray_and_provisional_ignored(void **state)
{
    struct fixture *f = *state;
    uint64_t t0 = 0;
    assert_int_equal(ue_reg_start(&f->reg, 600, t0), UE_REG_SEND);
    respond(f, 200, NULL);
    /* Another Call-ID, another CSeq, a request, garbage: all ignored. */
    char other[4096];
    memcpy(other, f->response, f->response_len);
    char *cid = strstr(other, f->reg.call_id);
    assert_non_null(cid);
    cid[0] = cid[0] == 'x' ? 'y' : 'x';
    assert_int_equal(ue_reg_on_message(&f->reg, other, f->response_len, 1), UE_REG_WAIT);
    f->reg.cseq++;
    assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 1), UE_REG_WAIT);
    f->reg.cseq--;
    assert_int_equal(ue_reg_on_message(&f->reg, f->reg.out, f->reg.out_len, 1), UE_REG_WAIT);
    assert_int_equal(ue_reg_on_message(&f->reg, "garbage\r\n\r\n", 11, 1), UE_REG_WAIT);
    /* 100 Trying over UDP moves retransmissions to T2. */
    respond(f, 100, NULL);
    assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 10 * MS),
                     UE_REG_WAIT);
    assert_int_equal(f->reg.timer_us, 10 * MS + T2_MS * MS);
    assert_int_equal(f->reg.result, UE_REG_PENDING);
}

static void final_error_codes(void **state)
{
    struct fixture *f = *state;
    static const struct {
        int status;
        enum ue_reg_result result;
    } cases[] = {{403, UE_REG_FORBIDDEN}, {504, UE_REG_SERVER_ERROR}, {500, UE_REG_SERVER_ERROR},
                 {404, UE_REG_REJECTED},  {302, UE_REG_REJECTED},     {603, UE_REG_REJECTED}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(ue_reg_start(&f->reg, 600, 0), UE_REG_SEND);
        respond(f, cases[i].status, NULL);
        assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 1), UE_REG_DONE);
        assert_int_equal(f->reg.result, cases[i].result);
        assert_int_equal(f->reg.status, cases[i].status);
    }
    /* A 401 without a Digest challenge cannot be answered. */
    assert_int_equal(ue_reg_start(&f->reg, 600, 0), UE_REG_SEND);
    respond(f, 401, "WWW-Authenticate: Basic realm=\"x\"\r\n");
    assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 1), UE_REG_DONE);
    assert_int_equal(f->reg.result, UE_REG_BAD_CHALLENGE);
}

static void interval_too_brief(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(ue_reg_start(&f->reg, 60, 0), UE_REG_SEND);
    respond(f, 423, "Min-Expires: 1800\r\n");
    assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 1), UE_REG_SEND);
    struct sip_msg msg;
    parse_out(f, &msg);
    assert_int_equal(msg.expires, 1800);
    respond(f, 423, "Min-Expires: 3600\r\n"); /* only one retry */
    assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 2), UE_REG_DONE);
    assert_int_equal(f->reg.result, UE_REG_REJECTED);
}

static void long_service_route_cut(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(ue_reg_start(&f->reg, 600, 0), UE_REG_SEND);
    char headers[3000];
    int n = snprintf(headers, sizeof headers,
                     "Service-Route: <sip:first@x;lr>\r\nService-Route: <sip:");
    memset(headers + n, 'a', 1500);
    snprintf(headers + n + 1500, sizeof headers - (size_t)n - 1500, "@x;lr>\r\n");
    respond(f, 200, headers);
    assert_int_equal(ue_reg_on_message(&f->reg, f->response, f->response_len, 1), UE_REG_DONE);
    assert_int_equal(f->reg.result, UE_REG_REGISTERED);
    size_t len = strlen(f->reg.service_route);
    assert_int_equal(len, UE_REG_VALUE_MAX - 1);
    assert_memory_equal(f->reg.service_route, "<sip:first@x;lr>, <sip:aaa", 26);
    assert_string_equal(f->reg.service_route + len - 3, "...");
    assert_string_equal(f->reg.p_associated_uri, "");
}

int main(void)
{
    mcx_log_init("ue-test", MCX_LOG_WARN, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(full_exchange, setup),
        cmocka_unit_test_setup(udp_retransmission_and_timeout, setup),
        cmocka_unit_test_setup(tcp_no_retransmission, setup),
        cmocka_unit_test_setup(resynchronisation, setup),
        cmocka_unit_test_setup(resync_not_honoured_is_a_loop, setup),
        cmocka_unit_test_setup(mac_failure_then_403, setup),
        cmocka_unit_test_setup(challenge_after_answer_is_a_loop, setup),
        cmocka_unit_test_setup(stray_and_provisional_ignored, setup),
        cmocka_unit_test_setup(final_error_codes, setup),
        cmocka_unit_test_setup(interval_too_brief, setup),
        cmocka_unit_test_setup(long_service_route_cut, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
