/* Unit tests of the SIP response / request builder: round trips through the parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip_msg.h"

#define assert_slice(slice, str) assert_true(sip_slice_eq((slice), (str)))

static const char request[] =
    "REGISTER sip:mcx.lab SIP/2.0\r\n"
    "v: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKp1, SIP/2.0/UDP 127.0.30.1:5061;branch=z9hG4bKu\r\n"
    "Via: SIP/2.0/TCP [::1]:5070;branch=z9hG4bKv6\r\n"
    "f: <sip:alice@mcx.lab>;tag=ft\r\n"
    "t: <sip:alice@mcx.lab>\r\n"
    "i: call-1\r\n"
    "CSeq: 9 REGISTER\r\n"
    "Contact: <sip:alice@127.0.30.1:5061>\r\n"
    "Content-Length: 0\r\n\r\n";

static void builds_response_with_to_tag(void **state)
{
    (void)state;
    struct sip_msg req;
    const char *reason;
    assert_int_equal(sip_parse(request, strlen(request), &req, &reason), SIP_OK);
    static const char extra[] = "WWW-Authenticate: Digest realm=\"mcx.lab\", nonce=\"n\"\r\n";
    struct sip_response r = {
        .status = 401, .to_tag = "srv1", .headers = extra, .headers_len = strlen(extra)};
    char out[2048];
    int n = sip_response_build(&req, &r, out, sizeof out);
    assert_true(n > 0);
    assert_int_equal((size_t)n, strlen(out));
    struct sip_msg rsp;
    assert_int_equal(sip_parse(out, (size_t)n, &rsp, &reason), SIP_OK);
    assert_false(rsp.is_request);
    assert_int_equal(rsp.status, 401);
    assert_slice(rsp.reason, "Unauthorized");
    assert_slice(rsp.to_tag, "srv1");
    assert_slice(rsp.from_tag, "ft");
    assert_slice(rsp.call_id, "call-1");
    assert_int_equal(rsp.cseq, 9);
    assert_slice(rsp.cseq_method, "REGISTER");
    assert_int_equal(rsp.content_length, 0);
    struct sip_via v[4];
    assert_int_equal(sip_msg_vias(&rsp, v, 4), 3);
    assert_slice(v[0].branch, "z9hG4bKp1");
    assert_slice(v[1].branch, "z9hG4bKu");
    assert_slice(v[2].host, "[::1]");
    assert_true(sip_header_find(&rsp, SIP_HDR_WWW_AUTHENTICATE, 0) >= 0);
    assert_int_equal(sip_header_find(&rsp, SIP_HDR_CONTACT, 0), -1);
    assert_non_null(strstr(out, "Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKp1, SIP/2.0/UDP"));

    /* every buffer too small by one byte or more fails cleanly */
    for (size_t cap = 0; cap <= (size_t)n; cap++) {
        char small[2048];
        memset(small, 'X', sizeof small);
        assert_int_equal(sip_response_build(&req, &r, small, cap), -1);
        assert_int_equal(small[cap], 'X');
    }
}

static void keeps_existing_to_tag_and_body(void **state)
{
    (void)state;
    static const char req_text[] = "REGISTER sip:mcx.lab SIP/2.0\r\n"
                                   "Via: SIP/2.0/UDP h;branch=z9hG4bK2\r\n"
                                   "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=existing\r\n"
                                   "Call-ID: c\r\nCSeq: 2 REGISTER\r\n\r\n";
    struct sip_msg req;
    const char *reason;
    assert_int_equal(sip_parse(req_text, strlen(req_text), &req, &reason), SIP_OK);
    struct sip_response r = {.status = 400,
                             .reason = "Malformed Via header",
                             .to_tag = "new",
                             .content_type = "text/plain",
                             .body = "oops",
                             .body_len = 4};
    char out[1024];
    int n = sip_response_build(&req, &r, out, sizeof out);
    assert_true(n > 0);
    struct sip_msg rsp;
    assert_int_equal(sip_parse(out, (size_t)n, &rsp, &reason), SIP_OK);
    assert_slice(rsp.reason, "Malformed Via header");
    assert_slice(rsp.to_tag, "existing");
    assert_slice(rsp.body, "oops");
    assert_int_equal(sip_header_find(&rsp, SIP_HDR_CONTENT_TYPE, 0) >= 0, 1);
    assert_string_equal(sip_reason_phrase(423), "Interval Too Brief");
    assert_string_equal(sip_reason_phrase(504), "Server Time-out");
}

static void builds_register_request(void **state)
{
    (void)state;
    static const char auth[] = "Authorization: Digest username=\"alice@mcx.lab\", "
                               "realm=\"mcx.lab\", nonce=\"\", uri=\"sip:mcx.lab\", "
                               "response=\"\"\r\n";
    struct sip_request r = {
        .method = "REGISTER",
        .ruri = "sip:mcx.lab",
        .via_transport = "UDP",
        .via_host = "[::1]",
        .via_port = 5062,
        .branch = "abc",
        .from_uri = "sip:alice@mcx.lab",
        .from_tag = "ft",
        .to_uri = "sip:alice@mcx.lab",
        .call_id = "cid",
        .cseq = 3,
        .contact = "<sip:alice@[::1]:5062>",
        .expires = 600,
        .max_forwards = -1,
        .headers = auth,
        .headers_len = strlen(auth),
    };
    char out[1024];
    int n = sip_request_build(&r, out, sizeof out);
    assert_true(n > 0);
    struct sip_msg m;
    const char *reason;
    assert_int_equal(sip_parse(out, (size_t)n, &m, &reason), SIP_OK);
    assert_true(m.is_request);
    assert_slice(m.method, "REGISTER");
    assert_slice(m.branch, "z9hG4bKabc");
    assert_int_equal(m.expires, 600);
    assert_int_equal(m.max_forwards, 70);
    assert_int_equal(m.cseq, 3);
    assert_int_equal(m.to_tag.len, 0);
    assert_true(sip_header_find(&m, SIP_HDR_AUTHORIZATION, 0) >= 0);
    assert_int_equal(sip_request_build(&r, out, 50), -1);
    r.call_id = NULL;
    assert_int_equal(sip_request_build(&r, out, sizeof out), -1);
}

static void fills_received_and_rport(void **state)
{
    (void)state;
    static const char req_text[] =
        "REGISTER sip:mcx.lab SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 10.0.0.9:5062;rport;branch=z9hG4bKr1 (comment), SIP/2.0/UDP "
        "x;branch=z9hG4bKr0\r\n"
        "Via: SIP/2.0/UDP y;branch=z9hG4bKr9\r\n"
        "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: rp\r\nCSeq: 1 REGISTER\r\n\r\n";
    struct sip_msg req;
    const char *reason;
    assert_int_equal(sip_parse(req_text, strlen(req_text), &req, &reason), SIP_OK);
    struct sip_response r = {.status = 200, .to_tag = "t", .received = "192.0.2.7", .rport = 40000};
    char out[2048];
    int n = sip_response_build(&req, &r, out, sizeof out);
    assert_true(n > 0);
    assert_non_null(strstr(out, "Via: SIP/2.0/UDP 10.0.0.9:5062;rport=40000;branch=z9hG4bKr1;"
                                "received=192.0.2.7 (comment), SIP/2.0/UDP x;branch=z9hG4bKr0\r\n"
                                "Via: SIP/2.0/UDP y;branch=z9hG4bKr9\r\n"));
    struct sip_msg rsp;
    assert_int_equal(sip_parse(out, (size_t)n, &rsp, &reason), SIP_OK);
    struct sip_via v[4];
    assert_int_equal(sip_msg_vias(&rsp, v, 4), 3);
    struct sip_slice val;
    assert_int_equal(sip_param_find(v[0].params, "rport", &val), 1);
    assert_true(sip_slice_eq(val, "40000"));
    assert_int_equal(sip_param_find(v[0].params, "received", &val), 1);
    assert_true(sip_slice_eq(val, "192.0.2.7"));

    /* no params and no rport: only received is added; IPv6 without brackets */
    static const char bare[] = "OPTIONS sip:mcx.lab SIP/2.0\r\nVia: SIP/2.0/TCP [::1]:5070\r\n"
                               "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: rq\r\n"
                               "CSeq: 1 OPTIONS\r\n\r\n";
    assert_int_equal(sip_parse(bare, strlen(bare), &req, &reason), SIP_OK);
    r.received = "::1";
    n = sip_response_build(&req, &r, out, sizeof out);
    assert_true(n > 0);
    assert_non_null(strstr(out, "Via: SIP/2.0/TCP [::1]:5070;received=::1\r\n"));
    assert_int_equal(sip_parse(out, (size_t)n, &rsp, &reason), SIP_OK);
    for (size_t cap = 0; cap < (size_t)n; cap++)
        assert_int_equal(sip_response_build(&req, &r, out, cap), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builds_response_with_to_tag),
        cmocka_unit_test(keeps_existing_to_tag_and_body),
        cmocka_unit_test(builds_register_request),
        cmocka_unit_test(fills_received_and_rport),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
