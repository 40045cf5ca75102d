/* Unit tests of the zero-copy SIP parser: valid messages of every form, invalid messages with
 * their error codes and reasons, and stream framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip_parse.h"

#define assert_slice(slice, str) assert_true(sip_slice_eq((slice), (str)))

/* Parses a message from an exact-size heap copy so that ASan catches any over-read. */
static int parse_exact(const char *text, struct sip_msg *msg, const char **reason, char **copy)
{
    size_t n = strlen(text);
    *copy = malloc(n ? n : 1);
    memcpy(*copy, text, n);
    return sip_parse(*copy, n, msg, reason);
}

static const char sipp_register[] = "REGISTER sip:mcx.lab SIP/2.0\r\n"
                                    "Via: SIP/2.0/UDP 127.0.30.1:5061;branch=z9hG4bK-4711-1-0\r\n"
                                    "From: <sip:alice@mcx.lab>;tag=4711SIPpTag001\r\n"
                                    "To: <sip:alice@mcx.lab>\r\n"
                                    "Call-ID: 1-4711@127.0.30.1\r\n"
                                    "CSeq: 1 REGISTER\r\n"
                                    "Contact: sip:alice@127.0.30.1:5061\r\n"
                                    "Max-Forwards: 70\r\n"
                                    "Expires: 3600\r\n"
                                    "Content-Length: 0\r\n"
                                    "\r\n";

static void parses_sipp_register(void **state)
{
    (void)state;
    struct sip_msg m;
    const char *reason;
    char *buf;
    assert_int_equal(parse_exact(sipp_register, &m, &reason, &buf), SIP_OK);
    assert_true(m.is_request);
    assert_slice(m.method, "REGISTER");
    assert_int_equal(sip_method_of(m.method), SIP_METHOD_REGISTER);
    assert_slice(m.ruri, "sip:mcx.lab");
    assert_slice(m.call_id, "1-4711@127.0.30.1");
    assert_int_equal(m.cseq, 1);
    assert_slice(m.cseq_method, "REGISTER");
    assert_slice(m.from_tag, "4711SIPpTag001");
    assert_int_equal(m.to_tag.len, 0);
    assert_slice(m.branch, "z9hG4bK-4711-1-0");
    assert_int_equal(m.expires, 3600);
    assert_int_equal(m.max_forwards, 70);
    assert_int_equal(m.content_length, 0);
    assert_int_equal(m.body.len, 0);
    assert_int_equal(m.total_len, strlen(sipp_register));
    assert_int_equal(m.header_count, 9);
    /* zero-copy: slices point into the buffer */
    assert_true(m.call_id.p >= buf && m.call_id.p < buf + strlen(sipp_register));
    int c = sip_header_find(&m, SIP_HDR_CONTACT, 0);
    assert_true(c >= 0);
    struct sip_name_addr na;
    assert_int_equal(sip_name_addr_parse(m.headers[c].value, &na), 0);
    assert_slice(na.uri, "sip:alice@127.0.30.1:5061");
    assert_int_equal(na.display.len, 0);
    free(buf);
}

static const char pjsua_register[] =
    "REGISTER sip:mcx.lab SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.30.2:5060;rport;branch=z9hG4bKPj0c7e1f6a-8f1d-4b7e-9a0e-3c1f\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:bob@mcx.lab>;tag=Vh2qXwR.ua1pP\r\n"
    "To: <sip:bob@mcx.lab>\r\n"
    "Call-ID: 5d9c3f1e-2b4a-4d1e-8f00-aa11bb22cc33\r\n"
    "CSeq: 52345 REGISTER\r\n"
    "User-Agent: PJSUA v2.17 Linux-6.1/x86_64/glibc-2.36\r\n"
    "Contact: \"bob\" <sip:bob@127.0.30.2:5060;ob>;+sip.instance=\"<urn:uuid:00000000-0000-"
    "0000-0000-0000aa11bb22>\";expires=300\r\n"
    "Expires: 300\r\n"
    "Allow: PRACK, INVITE, ACK, BYE, CANCEL, UPDATE, INFO, SUBSCRIBE, NOTIFY, REFER, MESSAGE, "
    "OPTIONS\r\n"
    "Authorization: Digest username=\"bob@mcx.lab\", realm=\"mcx.lab\", "
    "nonce=\"9f3c1d2e\", uri=\"sip:mcx.lab\", response=\"0123456789abcdef0123456789abcdef\", "
    "algorithm=MD5, cnonce=\"xyz\", qop=auth, nc=00000001\r\n"
    "Content-Length:  0\r\n"
    "\r\n";

static void parses_pjsua_register(void **state)
{
    (void)state;
    struct sip_msg m;
    const char *reason;
    char *buf;
    assert_int_equal(parse_exact(pjsua_register, &m, &reason, &buf), SIP_OK);
    assert_int_equal(m.cseq, 52345);
    assert_slice(m.branch, "z9hG4bKPj0c7e1f6a-8f1d-4b7e-9a0e-3c1f");
    int c = sip_header_find(&m, SIP_HDR_CONTACT, 0);
    struct sip_name_addr na;
    assert_int_equal(sip_name_addr_parse(m.headers[c].value, &na), 0);
    assert_slice(na.display, "\"bob\"");
    assert_slice(na.uri, "sip:bob@127.0.30.2:5060;ob");
    struct sip_slice v;
    assert_int_equal(sip_param_find(na.params, "expires", &v), 1);
    assert_slice(v, "300");
    assert_int_equal(sip_param_find(na.params, "+sip.instance", &v), 1);
    assert_slice(v, "<urn:uuid:00000000-0000-0000-0000-0000aa11bb22>");
    struct sip_uri uri;
    assert_int_equal(sip_uri_parse(na.uri, &uri), 0);
    assert_slice(uri.user, "bob");
    assert_slice(uri.host, "127.0.30.2");
    assert_int_equal(uri.port, 5060);
    assert_int_equal(sip_param_find(uri.params, "ob", &v), 1);
    assert_int_equal(v.len, 0);
    assert_true(sip_header_find(&m, SIP_HDR_AUTHORIZATION, 0) >= 0);
    free(buf);
}

static const char kamailio_path_register[] =
    "REGISTER sip:ims.mnc001.mcc001.3gppnetwork.org SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1234.0,SIP/2.0/UDP "
    "192.168.1.10:5060;received=192.168.1.10;rport=5060;branch=z9hG4bKabc\r\n"
    "Via: SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bKv6\r\n"
    "Max-Forwards: 69\r\n"
    "Path: <sip:term@pcscf.ims.mnc001.mcc001.3gppnetwork.org:5060;lr>\r\n"
    "Require: path\r\n"
    "Supported: path, gruu\r\n"
    "From: <sip:001010000000001@ims.mnc001.mcc001.3gppnetwork.org>;tag=a1\r\n"
    "To: <sip:001010000000001@ims.mnc001.mcc001.3gppnetwork.org>\r\n"
    "Call-ID: k1@10.0.0.5\r\n"
    "CSeq: 2 REGISTER\r\n"
    "Contact: <sip:001010000000001@192.168.1.10:5060>;expires=600, "
    "<sip:001010000000001@[2001:db8::2]:5060;transport=tcp>;q=0.5\r\n"
    "P-Visited-Network-ID: \"ims.mnc001.mcc001.3gppnetwork.org\"\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static void parses_kamailio_style_path_and_vias(void **state)
{
    (void)state;
    struct sip_msg m;
    const char *reason;
    char *buf;
    assert_int_equal(parse_exact(kamailio_path_register, &m, &reason, &buf), SIP_OK);
    struct sip_via vias[SIP_MAX_VIAS];
    assert_int_equal(sip_msg_vias(&m, vias, SIP_MAX_VIAS), 3);
    assert_slice(vias[0].host, "10.0.0.5");
    assert_slice(vias[0].branch, "z9hG4bK1234.0");
    assert_slice(vias[1].host, "192.168.1.10");
    struct sip_slice v;
    assert_int_equal(sip_param_find(vias[1].params, "rport", &v), 1);
    assert_slice(v, "5060");
    assert_slice(vias[2].transport, "TCP");
    assert_slice(vias[2].host, "[2001:db8::1]");
    assert_int_equal(vias[2].port, 5070);
    assert_slice(m.branch, "z9hG4bK1234.0");
    int p = sip_header_find(&m, SIP_HDR_PATH, 0);
    assert_true(p >= 0);
    assert_slice(m.headers[p].value, "<sip:term@pcscf.ims.mnc001.mcc001.3gppnetwork.org:5060;lr>");
    /* two contacts in one header */
    int c = sip_header_find(&m, SIP_HDR_CONTACT, 0);
    size_t pos = 0;
    struct sip_slice item;
    struct sip_name_addr na;
    assert_int_equal(sip_list_next(m.headers[c].value, &pos, &item), 1);
    assert_int_equal(sip_name_addr_parse(item, &na), 0);
    assert_slice(na.uri, "sip:001010000000001@192.168.1.10:5060");
    assert_int_equal(sip_list_next(m.headers[c].value, &pos, &item), 1);
    assert_int_equal(sip_name_addr_parse(item, &na), 0);
    struct sip_uri uri;
    assert_int_equal(sip_uri_parse(na.uri, &uri), 0);
    assert_slice(uri.host, "[2001:db8::2]");
    assert_int_equal(uri.port, 5060);
    assert_int_equal(sip_param_find(uri.params, "transport", &v), 1);
    assert_slice(v, "tcp");
    assert_int_equal(sip_param_find(na.params, "q", &v), 1);
    assert_slice(v, "0.5");
    assert_int_equal(sip_list_next(m.headers[c].value, &pos, &item), 0);
    assert_true(sip_header_find_name(&m, "p-visited-network-id", 0) >= 0);
    free(buf);
}

static void parses_compact_forms_and_case(void **state)
{
    (void)state;
    static const char text[] = "REGISTER sip:mcx.lab SIP/2.0\r\n"
                               "v: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKc1\r\n"
                               "f: \"A \\\"quoted\\\" name\" <sip:a@mcx.lab>;tag=t1\r\n"
                               "t: sip:a@mcx.lab\r\n"
                               "i: cid-compact\r\n"
                               "cseq: 7 REGISTER\r\n"
                               "m: <sip:a@127.0.0.1>\r\n"
                               "k: path\r\n"
                               "s: hello\r\n"
                               "e: identity\r\n"
                               "c: text/plain\r\n"
                               "CONTENT-LENGTH : 5\r\n"
                               "\r\n"
                               "hello";
    struct sip_msg m;
    const char *reason;
    char *buf;
    assert_int_equal(parse_exact(text, &m, &reason, &buf), SIP_OK);
    assert_slice(m.call_id, "cid-compact");
    assert_int_equal(m.cseq, 7);
    assert_slice(m.from_tag, "t1");
    assert_int_equal(m.content_length, 5);
    assert_slice(m.body, "hello");
    assert_int_equal(m.headers[0].id, SIP_HDR_VIA);
    assert_int_equal(m.headers[6].id, SIP_HDR_SUPPORTED);
    assert_int_equal(m.headers[7].id, SIP_HDR_SUBJECT);
    assert_int_equal(m.headers[8].id, SIP_HDR_CONTENT_ENCODING);
    assert_int_equal(m.headers[9].id, SIP_HDR_CONTENT_TYPE);
    assert_int_equal(sip_header_id("via", 3), SIP_HDR_VIA);
    assert_int_equal(sip_header_id("WWW-authenticate", 16), SIP_HDR_WWW_AUTHENTICATE);
    assert_int_equal(sip_header_id("X-Foo", 5), SIP_HDR_OTHER);
    struct sip_name_addr na;
    int f = sip_header_find(&m, SIP_HDR_FROM, 0);
    assert_int_equal(sip_name_addr_parse(m.headers[f].value, &na), 0);
    char disp[64];
    struct sip_slice inner = {na.display.p + 1, na.display.len - 2};
    assert_int_equal(sip_unescape(inner, disp, sizeof disp), 15);
    assert_string_equal(disp, "A \"quoted\" name");
    free(buf);
}

static void parses_folded_lines(void **state)
{
    (void)state;
    static const char text[] = "REGISTER sip:mcx.lab SIP/2.0\r\n"
                               "Via: SIP/2.0/UDP 127.0.0.1:5060\r\n"
                               "  ;branch=z9hG4bKfold,\r\n"
                               "\tSIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bKsecond\r\n"
                               "From: <sip:a@mcx.lab>\r\n"
                               " ;tag=ff\r\n"
                               "To: <sip:a@mcx.lab>\r\n"
                               "Call-ID: fold-1\r\n"
                               "CSeq: 1\r\n"
                               "  REGISTER\r\n"
                               "Subject: I know you're there,\r\n"
                               "         pick up the phone\r\n"
                               "Content-Length: 0\r\n"
                               "\r\n";
    struct sip_msg m;
    const char *reason;
    char *buf;
    assert_int_equal(parse_exact(text, &m, &reason, &buf), SIP_OK);
    assert_slice(m.branch, "z9hG4bKfold");
    assert_slice(m.from_tag, "ff");
    assert_int_equal(m.cseq, 1);
    assert_slice(m.cseq_method, "REGISTER");
    struct sip_via vias[4];
    assert_int_equal(sip_msg_vias(&m, vias, 4), 2);
    assert_slice(vias[1].branch, "z9hG4bKsecond");
    int s = sip_header_find(&m, SIP_HDR_SUBJECT, 0);
    assert_slice(m.headers[s].value, "I know you're there,\r\n         pick up the phone");
    free(buf);
}

static void parses_ipv6_and_lf_only(void **state)
{
    (void)state;
    static const char text[] = "\r\n\r\nREGISTER sip:[::1]:5060;transport=udp SIP/2.0\n"
                               "Via: SIP/2.0/UDP [::1]:5062;branch=z9hG4bK6\n"
                               "From: <sip:a@[::1]>;tag=x\n"
                               "To: <sip:a@[::1]>\n"
                               "Call-ID: v6\n"
                               "CSeq: 3 REGISTER\n"
                               "Contact: <sip:a@[::1]:5062>\n"
                               "\n";
    struct sip_msg m;
    const char *reason;
    char *buf;
    assert_int_equal(parse_exact(text, &m, &reason, &buf), SIP_OK);
    struct sip_uri uri;
    assert_int_equal(sip_uri_parse(m.ruri, &uri), 0);
    assert_slice(uri.host, "[::1]");
    assert_int_equal(uri.port, 5060);
    struct sip_via v[2];
    assert_int_equal(sip_msg_vias(&m, v, 2), 1);
    assert_slice(v[0].host, "[::1]");
    assert_int_equal(v[0].port, 5062);
    assert_int_equal(m.content_length, -1);
    assert_int_equal(m.body.len, 0);
    free(buf);
}

static void parses_response(void **state)
{
    (void)state;
    static const char text[] =
        "SIP/2.0 401 Unauthorized\r\n"
        "Via: SIP/2.0/UDP 127.0.30.1:5061;branch=z9hG4bK-1;received=127.0.30.1\r\n"
        "From: <sip:alice@mcx.lab>;tag=1\r\n"
        "To: <sip:alice@mcx.lab>;tag=srv\r\n"
        "Call-ID: r1\r\n"
        "CSeq: 1 REGISTER\r\n"
        "WWW-Authenticate: Digest realm=\"mcx.lab\", nonce=\"abc\", algorithm=AKAv1-MD5, "
        "qop=\"auth\"\r\n"
        "Content-Length: 0\r\n\r\n";
    struct sip_msg m;
    const char *reason;
    char *buf;
    assert_int_equal(parse_exact(text, &m, &reason, &buf), SIP_OK);
    assert_false(m.is_request);
    assert_int_equal(m.status, 401);
    assert_slice(m.reason, "Unauthorized");
    assert_slice(m.to_tag, "srv");
    free(buf);
}

static void uri_forms(void **state)
{
    (void)state;
    struct sip_uri u;
    struct sip_slice s = {"sips:alice:secret@example.com:5061;transport=tls;lr?subject=x", 0};
    s.len = strlen(s.p);
    assert_int_equal(sip_uri_parse(s, &u), 0);
    assert_slice(u.scheme, "sips");
    assert_slice(u.user, "alice");
    assert_slice(u.password, "secret");
    assert_slice(u.host, "example.com");
    assert_int_equal(u.port, 5061);
    assert_slice(u.params, ";transport=tls;lr");
    assert_slice(u.headers, "subject=x");
    s.p = "tel:+15551234";
    s.len = strlen(s.p);
    assert_int_equal(sip_uri_parse(s, &u), 0);
    assert_slice(u.scheme, "tel");
    assert_slice(u.user, "+15551234");
    const char *bad[] = {"sip:",    "sip:a@",       "sip:host:0",   "sip:host:65536", "sip:[::1",
                         "nocolon", "sip:a b@host", "sip:host:12a", "sip:@host",      "sip:[zz]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s.p = bad[i];
        s.len = strlen(bad[i]);
        assert_int_equal(sip_uri_parse(s, &u), SIP_ERR_URI);
    }
}

static void name_addr_forms(void **state)
{
    (void)state;
    struct sip_name_addr na;
    struct sip_slice s = {"*", 1};
    assert_int_equal(sip_name_addr_parse(s, &na), 0);
    assert_true(na.wildcard);
    s.p = "Alice Smith <sip:alice@mcx.lab>;tag=9";
    s.len = strlen(s.p);
    assert_int_equal(sip_name_addr_parse(s, &na), 0);
    assert_slice(na.display, "Alice Smith");
    assert_slice(na.uri, "sip:alice@mcx.lab");
    assert_slice(na.params, ";tag=9");
    s.p = "sip:alice@mcx.lab;tag=9";
    s.len = strlen(s.p);
    assert_int_equal(sip_name_addr_parse(s, &na), 0);
    assert_slice(na.uri, "sip:alice@mcx.lab");
    assert_slice(na.params, ";tag=9");
    const char *bad[] = {"<sip:a@b", "\"unterminated <sip:a@b>", "<sip:a@b>junk",
                         "<>",       "Alice <sip:a@b>;=x",       ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s.p = bad[i];
        s.len = strlen(bad[i]);
        assert_int_equal(sip_name_addr_parse(s, &na), -1);
    }
}

struct bad_case {
    const char *text;
    int err;
    const char *reason;
};

#define HDRS                                                                                       \
    "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n"     \
    "Call-ID: x\r\n"

static void rejects_malformed_messages(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"", SIP_ERR_START_LINE, "Empty message"},
        {"REGISTER sip:a@b SIP/2.0", SIP_ERR_TRUNCATED, "Truncated start line"},
        {"REGISTER sip:a@b\r\n\r\n", SIP_ERR_START_LINE, "Malformed start line"},
        {"REGISTER sip:a@b SIP/3.0\r\n" HDRS "CSeq: 1 REGISTER\r\n\r\n", SIP_ERR_VERSION,
         "Unsupported SIP version"},
        {"REG(ISTER sip:a@b SIP/2.0\r\n" HDRS "CSeq: 1 REGISTER\r\n\r\n", SIP_ERR_START_LINE,
         "Malformed method"},
        {"REGISTER a@b SIP/2.0\r\n" HDRS "CSeq: 1 REGISTER\r\n\r\n", SIP_ERR_URI,
         "Malformed Request-URI"},
        {"SIP/2.0 99 Odd\r\n" HDRS "CSeq: 1 REGISTER\r\n\r\n", SIP_ERR_START_LINE,
         "Malformed status code"},
        {"REGISTER sip:a@b SIP/2.0\r\n" HDRS "CSeq: 1 REGISTER\r\n", SIP_ERR_TRUNCATED,
         "Header section not terminated by an empty line"},
        {"REGISTER sip:a@b SIP/2.0\r\n" HDRS "CSeq 1 REGISTER\r\n\r\n", SIP_ERR_HEADER,
         "Malformed header line"},
        {"REGISTER sip:a@b SIP/2.0\r\n  folded-first\r\n" HDRS "CSeq: 1 REGISTER\r\n\r\n",
         SIP_ERR_HEADER, "Continuation line without a header"},
        {"REGISTER sip:a@b SIP/2.0\r\n" HDRS "CSeq: 1 REGISTER\r\nX: a\001b\r\n\r\n",
         SIP_ERR_HEADER, "Control character in header"},
        {"REGISTER sip:a@b SIP/2.0\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\n"
         "CSeq: 1 REGISTER\r\n\r\n",
         SIP_ERR_MISSING_HEADER, "Missing Via header"},
        {"REGISTER sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>\r\n"
         "To: <sip:a@b>\r\nCSeq: 1 REGISTER\r\n\r\n",
         SIP_ERR_MISSING_HEADER, "Missing Call-ID header"},
        {"REGISTER sip:a@b SIP/2.0\r\n" HDRS "\r\n", SIP_ERR_MISSING_HEADER, "Missing CSeq header"},
        {"REGISTER sip:a@b SIP/2.0\r\n" HDRS "CSeq: 1 INVITE\r\n\r\n", SIP_ERR_CSEQ,
         "CSeq method does not match the request method"},
        {"REGISTER sip:a@b SIP/2.0\r\n" HDRS "CSeq: one REGISTER\r\n\r\n", SIP_ERR_CSEQ,
         "Malformed CSeq header"},
        {"REGISTER sip:a@b SIP/2.0\r\n" HDRS "CSeq: 1 REGISTER\r\nCSeq: 2 REGISTER\r\n\r\n",
         SIP_ERR_CSEQ, "Duplicate CSeq header"},
        {"REGISTER sip:a@b SIP/2.0\r\nVia: SIP/2.1/UDP h\r\nFrom: <sip:a@b>\r\nTo: <sip:a@b>\r\n"
         "Call-ID: x\r\nCSeq: 1 REGISTER\r\n\r\n",
         SIP_ERR_VIA, "Malformed Via header"},
        {"REGISTER sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP [::1;branch=x\r\nFrom: <sip:a@b>\r\n"
         "To: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n\r\n",
         SIP_ERR_VIA, "Malformed Via header"},
        {"REGISTER sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=\r\nFrom: <sip:a@b>\r\n"
         "To: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n\r\n",
         SIP_ERR_VIA, "Malformed Via header"},
        {"REGISTER sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b\r\n"
         "To: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n\r\n",
         SIP_ERR_FROM, "Malformed From header"},
        {"REGISTER sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>\r\n"
         "To: \"open <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n\r\n",
         SIP_ERR_TO, "Malformed To header"},
        {"REGISTER sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>;tag=\r\n"
         "To: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n\r\n",
         SIP_ERR_FROM, "Malformed From header"},
        {"REGISTER sip:a@b SIP/2.0\r\n" HDRS "CSeq: 1 REGISTER\r\nContent-Length: 10\r\n\r\nabc",
         SIP_ERR_CONTENT_LENGTH, "Content-Length exceeds the message size"},
        {"REGISTER sip:a@b SIP/2.0\r\n" HDRS "CSeq: 1 REGISTER\r\nContent-Length: -1\r\n\r\n",
         SIP_ERR_CONTENT_LENGTH, "Invalid Content-Length"},
        {"REGISTER sip:a@b SIP/2.0\r\n" HDRS
         "CSeq: 1 REGISTER\r\nContent-Length: 0\r\nl: 3\r\n\r\nabc",
         SIP_ERR_CONTENT_LENGTH, "Invalid Content-Length"},
        {"REGISTER sip:a@b SIP/2.0\r\n" HDRS "CSeq: 1 REGISTER\r\nExpires: soon\r\n\r\n",
         SIP_ERR_VALUE, "Malformed Expires header"},
        {"REGISTER sip:a@b SIP/2.0\r\n" HDRS "CSeq: 1 REGISTER\r\nMax-Forwards: -3\r\n\r\n",
         SIP_ERR_VALUE, "Malformed Max-Forwards header"},
        {"REGISTER sip:a@b SIP/2.0\r\n" HDRS "Call-ID: y\r\nCSeq: 1 REGISTER\r\n\r\n",
         SIP_ERR_CALL_ID, "Duplicate Call-ID header"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sip_msg m;
        const char *reason = NULL;
        char *buf;
        int rc = parse_exact(cases[i].text, &m, &reason, &buf);
        if (rc != cases[i].err || strcmp(reason, cases[i].reason) != 0)
            fail_msg("case %zu: rc=%d reason=\"%s\", expected %d \"%s\"", i, rc, reason,
                     cases[i].err, cases[i].reason);
        free(buf);
    }
}

static void rejects_too_many_headers(void **state)
{
    (void)state;
    char *text = malloc(SIP_MAX_MESSAGE_BYTES);
    int n = snprintf(text, 4096, "REGISTER sip:a@b SIP/2.0\r\n" HDRS "CSeq: 1 REGISTER\r\n");
    for (int i = 0; i < SIP_MAX_HEADERS; i++)
        n += snprintf(text + n, 64, "X-H%d: v\r\n", i);
    n += snprintf(text + n, 8, "\r\n");
    struct sip_msg m;
    const char *reason;
    assert_int_equal(sip_parse(text, (size_t)n, &m, &reason), SIP_ERR_TOO_MANY_HEADERS);
    assert_string_equal(reason, "Too many headers");
    /* exactly the limit is fine: 5 mandatory + 59 */
    n = snprintf(text, 4096, "REGISTER sip:a@b SIP/2.0\r\n" HDRS "CSeq: 1 REGISTER\r\n");
    for (int i = 0; i < SIP_MAX_HEADERS - 5; i++)
        n += snprintf(text + n, 64, "X-H%d: v\r\n", i);
    n += snprintf(text + n, 8, "\r\n");
    assert_int_equal(sip_parse(text, (size_t)n, &m, &reason), SIP_OK);
    assert_int_equal(m.header_count, SIP_MAX_HEADERS);
    /* a header line above SIP_MAX_LINE_BYTES */
    n = snprintf(text, 4096, "REGISTER sip:a@b SIP/2.0\r\n" HDRS "CSeq: 1 REGISTER\r\nX: ");
    memset(text + n, 'a', SIP_MAX_LINE_BYTES);
    n += SIP_MAX_LINE_BYTES;
    n += snprintf(text + n, 8, "\r\n\r\n");
    assert_int_equal(sip_parse(text, (size_t)n, &m, &reason), SIP_ERR_TOO_LARGE);
    assert_string_equal(reason, "Header line too long");
    free(text);
}

static void frames_stream(void **state)
{
    (void)state;
    size_t a = strlen(sipp_register);
    size_t b = strlen(pjsua_register);
    char *two = malloc(a + b + 4);
    memcpy(two, "\r\n\r\n", 4); /* a keep-alive first */
    memcpy(two + 4, sipp_register, a);
    memcpy(two + 4 + a, pjsua_register, b);
    size_t len = a + b + 4;
    size_t off = 0, mlen = 0;
    const char *reason;
    assert_int_equal(sip_frame(two, len, &mlen, &reason), SIP_FRAME_KEEPALIVE);
    assert_int_equal(mlen, 4);
    off += mlen;
    assert_int_equal(sip_frame(two + off, len - off, &mlen, &reason), SIP_FRAME_COMPLETE);
    assert_int_equal(mlen, a);
    struct sip_msg m;
    assert_int_equal(sip_parse(two + off, mlen, &m, &reason), SIP_OK);
    assert_slice(m.call_id, "1-4711@127.0.30.1");
    off += mlen;
    /* every strict prefix of the second message needs more bytes */
    for (size_t cut = 0; cut < b; cut++) {
        char *part = malloc(cut ? cut : 1);
        memcpy(part, two + off, cut);
        int rc = sip_frame(part, cut, &mlen, &reason);
        free(part);
        if (rc != SIP_FRAME_NEED_MORE && !(cut == 0))
            fail_msg("prefix %zu: rc=%d", cut, rc);
    }
    assert_int_equal(sip_frame(two + off, len - off, &mlen, &reason), SIP_FRAME_COMPLETE);
    assert_int_equal(mlen, b);
    assert_int_equal(sip_parse(two + off, mlen, &m, &reason), SIP_OK);
    assert_int_equal(m.cseq, 52345);
    free(two);

    /* body framing with compact l: */
    static const char withbody[] =
        "MESSAGE sip:a@b SIP/2.0\r\n" HDRS "CSeq: 1 MESSAGE\r\nl: 4\r\n\r\nbodyNEXT";
    assert_int_equal(sip_frame(withbody, strlen(withbody), &mlen, &reason), SIP_FRAME_COMPLETE);
    assert_int_equal(mlen, strlen(withbody) - 4);
    assert_int_equal(sip_frame(withbody, strlen(withbody) - 5, &mlen, &reason),
                     SIP_FRAME_NEED_MORE);
    assert_int_equal(mlen, strlen(withbody) - 4); /* headers complete: the size is known */
    assert_int_equal(sip_frame(withbody, 30, &mlen, &reason), SIP_FRAME_NEED_MORE);
    assert_int_equal(mlen, 0); /* header section incomplete */

    static const char nolen[] = "OPTIONS sip:a@b SIP/2.0\r\n" HDRS "CSeq: 1 OPTIONS\r\n\r\n";
    assert_int_equal(sip_frame(nolen, strlen(nolen), &mlen, &reason), SIP_ERR_CONTENT_LENGTH);
    assert_string_equal(reason, "Missing Content-Length on a stream transport");
    static const char badlen[] = "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 99999999\r\n\r\n";
    assert_int_equal(sip_frame(badlen, strlen(badlen), &mlen, &reason), SIP_ERR_CONTENT_LENGTH);

    /* a header section that never ends is an error once it passes the limit */
    char *junk = malloc(SIP_MAX_MESSAGE_BYTES + 10);
    int n = snprintf(junk, 64, "OPTIONS sip:a@b SIP/2.0\r\n");
    while ((size_t)n < SIP_MAX_MESSAGE_BYTES + 1)
        n += snprintf(junk + n, 16, "X: y\r\n");
    assert_int_equal(sip_frame(junk, (size_t)n, &mlen, &reason), SIP_ERR_TOO_LARGE);
    assert_int_equal(sip_frame("\r", 1, &mlen, &reason), SIP_FRAME_NEED_MORE);
    free(junk);
}

static void params_and_lists(void **state)
{
    (void)state;
    struct sip_slice params = {";a=1; B = \"x,y;z\" ;flag;c=[::1]", 0};
    params.len = strlen(params.p);
    struct sip_slice v;
    assert_int_equal(sip_param_find(params, "b", &v), 1);
    assert_slice(v, "x,y;z");
    assert_int_equal(sip_param_find(params, "flag", &v), 1);
    assert_int_equal(v.len, 0);
    assert_int_equal(sip_param_find(params, "c", &v), 1);
    assert_slice(v, "[::1]");
    assert_int_equal(sip_param_find(params, "zz", &v), 0);
    struct sip_slice bad = {";a=\"open", 8};
    assert_int_equal(sip_param_find(bad, "b", &v), -1);

    struct sip_slice list = {"<sip:a,b@x>, \"c,d\" <sip:e@f> ,, g", 0};
    list.len = strlen(list.p);
    size_t pos = 0;
    struct sip_slice item;
    assert_int_equal(sip_list_next(list, &pos, &item), 1);
    assert_slice(item, "<sip:a,b@x>");
    assert_int_equal(sip_list_next(list, &pos, &item), 1);
    assert_slice(item, "\"c,d\" <sip:e@f>");
    assert_int_equal(sip_list_next(list, &pos, &item), 1);
    assert_slice(item, "g");
    assert_int_equal(sip_list_next(list, &pos, &item), 0);
    unsigned long n;
    assert_int_equal(sip_slice_to_ulong((struct sip_slice){"12345678901", 11}, &n), -1);
    assert_int_equal(sip_slice_to_ulong((struct sip_slice){"42", 2}, &n), 0);
    assert_int_equal(n, 42);
    char small[3];
    assert_int_equal(sip_slice_copy((struct sip_slice){"abc", 3}, small, sizeof small), -1);
    assert_int_equal(sip_unescape((struct sip_slice){"abc", 3}, small, sizeof small), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_sipp_register),
        cmocka_unit_test(parses_pjsua_register),
        cmocka_unit_test(parses_kamailio_style_path_and_vias),
        cmocka_unit_test(parses_compact_forms_and_case),
        cmocka_unit_test(parses_folded_lines),
        cmocka_unit_test(parses_ipv6_and_lf_only),
        cmocka_unit_test(parses_response),
        cmocka_unit_test(uri_forms),
        cmocka_unit_test(name_addr_forms),
        cmocka_unit_test(rejects_malformed_messages),
        cmocka_unit_test(rejects_too_many_headers),
        cmocka_unit_test(frames_stream),
        cmocka_unit_test(params_and_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
