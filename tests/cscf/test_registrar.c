/* Unit tests of the mcx-cscf registration state machine. The Cx side is a recording test
 * double behind the registrar's cx_iface.h (the real client needs a Diameter peer; the
 * integration tests use a real mcx-hss); vectors are real Milenage vectors from lib/aka and
 * the UE side computes real RFC 3310 / RFC 2617 responses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aka/aka.h"
#include "aka/digest.h"
#include "core/codec.h"
#include "core/log.h"
#include "registrar.h"
#include "sip/sip_auth.h"
#include "sip/sip_parse.h"

/* ---- recording Cx double and worker environment ---- */

enum cx_kind { CX_NONE, CX_UAR, CX_MAR, CX_SAR };

struct fixture {
    struct registrar reg;
    struct reg_worker w;
    /* Cx */
    int uar_count, mar_count, sar_count;
    enum cx_kind last_kind;
    struct mcx_cx_route last_route;
    struct mcx_cx_uar uar;
    struct mcx_cx_mar mar;
    struct mcx_cx_sar sar;
    struct reg_txn *pending;
    bool fail_send;
    /* finished transactions handed back (post) */
    struct reg_txn *posted;
    /* responses sent */
    int sent_count;
    char sent[8192];
    size_t sent_len;
    struct sip_msg rsp;
    /* UE */
    uint64_t now;
    uint8_t k[16], opc[16];
    struct mcx_aka_vector vec;
    uint64_t sqn;
};

static int fake_uar(void *impl, const struct mcx_cx_route *r, const struct mcx_cx_uar *uar,
                    struct reg_txn *txn)
{
    struct fixture *f = impl;
    if (f->fail_send)
        return -1;
    f->uar_count++;
    f->last_kind = CX_UAR;
    f->last_route = *r;
    f->uar = *uar;
    f->pending = txn;
    return 0;
}

static int fake_mar(void *impl, const struct mcx_cx_route *r, const struct mcx_cx_mar *mar,
                    struct reg_txn *txn)
{
    struct fixture *f = impl;
    if (f->fail_send)
        return -1;
    f->mar_count++;
    f->last_kind = CX_MAR;
    f->last_route = *r;
    f->mar = *mar;
    f->pending = txn;
    return 0;
}

static int fake_sar(void *impl, const struct mcx_cx_route *r, const struct mcx_cx_sar *sar,
                    struct reg_txn *txn)
{
    struct fixture *f = impl;
    if (f->fail_send)
        return -1;
    f->sar_count++;
    f->last_kind = CX_SAR;
    f->last_route = *r;
    f->sar = *sar;
    f->pending = txn;
    return 0;
}

static void env_send(void *ctx, const struct cscf_peer *to, const char *buf, size_t len)
{
    struct fixture *f = ctx;
    (void)to;
    assert_true(len < sizeof f->sent);
    memcpy(f->sent, buf, len);
    f->sent[len] = '\0';
    f->sent_len = len;
    f->sent_count++;
    const char *reason;
    /* a 400 to a malformed request echoes the bad header, so only its start line may parse */
    if (sip_parse(f->sent, f->sent_len, &f->rsp, &reason) != SIP_OK) {
        assert_int_equal(strncmp(f->sent, "SIP/2.0 400 ", 12), 0);
        f->rsp.status = 400;
    }
}

static void env_post(void *ctx, struct reg_txn *txn)
{
    struct fixture *f = ctx;
    assert_null(f->posted);
    f->posted = txn;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct registrar_config cfg;
    registrar_config_defaults(&cfg);
    snprintf(cfg.server_name, sizeof cfg.server_name, "sip:scscf.mcx.lab:5060");
    snprintf(cfg.service_route, sizeof cfg.service_route, "<sip:orig@127.0.10.1:5060;lr>");
    cfg.min_expires = 60;
    cfg.max_expires = 7200;
    assert_int_equal(cscf_route_add(&cfg.routes, "*@mig.partner.mcx.lab", "partner.mcx.lab",
                                    "mms.partner.mcx.lab"),
                     0);
    assert_int_equal(cscf_route_add(&cfg.routes, "*", "mcx.lab", "hss.mcx.lab"), 0);
    struct cscf_cx_ops cx = {fake_uar, fake_mar, fake_sar, f};
    assert_int_equal(registrar_init(&f->reg, &cfg, &cx, 16), 0);
    struct reg_worker_env env = {env_send, env_post, f};
    assert_int_equal(reg_worker_init(&f->w, &f->reg, &env, 0, 1), 0);
    f->now = 1000000;
    for (int i = 0; i < 16; i++) {
        f->k[i] = (uint8_t)(0x41 + i);
        f->opc[i] = (uint8_t)(0x11 * (i + 1));
    }
    f->sqn = 32;
    *state = f;
    return 0;
}

static void finish(struct fixture *f);

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f->pending) {
        /* an exchange the test left open ends like a Diameter timeout */
        reg_txn_cx_result(f->pending)->outcome = CSCF_CX_TIMEOUT;
        finish(f);
    }
    assert_int_equal(f->w.in_flight, 0);
    reg_worker_destroy(&f->w);
    registrar_destroy(&f->reg);
    free(f);
    return 0;
}

/* Feeds a request to the worker. */
static void deliver(struct fixture *f, const char *text)
{
    struct cscf_peer from = {.transport = CSCF_UDP};
    reg_worker_on_message(&f->w, text, strlen(text), &from, f->now);
}

/* Finishes the pending Cx exchange (the test filled f->pending's result) on the worker. */
static void finish(struct fixture *f)
{
    assert_non_null(f->pending);
    struct reg_txn *t = f->pending;
    f->pending = NULL;
    reg_txn_cx_done(t);
    assert_ptr_equal(f->posted, t);
    f->posted = NULL;
    reg_worker_on_cx_done(&f->w, t, f->now);
}

static void answer_uaa(struct fixture *f, uint32_t experimental)
{
    struct cscf_cx_result *r = reg_txn_cx_result(f->pending);
    r->outcome = CSCF_CX_ANSWERED;
    memset(&r->u.uaa, 0, sizeof r->u.uaa);
    if (experimental)
        r->u.uaa.result.experimental_code = experimental;
    else
        r->u.uaa.result.result_code = MCX_DIAMETER_SUCCESS;
    finish(f);
}

/* Answers the pending MAR with count fresh AKA vectors (the first is kept in f->vec). */
static void answer_maa_aka(struct fixture *f, size_t count)
{
    struct cscf_cx_result *r = reg_txn_cx_result(f->pending);
    r->outcome = CSCF_CX_ANSWERED;
    struct mcx_cx_maa *maa = &r->u.maa;
    memset(maa, 0, sizeof *maa);
    maa->result.result_code = MCX_DIAMETER_SUCCESS;
    maa->item_count = count;
    static const uint8_t amf[2] = {0x80, 0x00};
    for (size_t i = 0; i < count; i++) {
        struct mcx_aka_vector v;
        f->sqn += 32;
        assert_int_equal(mcx_aka_vector_generate(f->k, f->opc, f->sqn, amf, &v), 0);
        if (i == 0)
            f->vec = v;
        struct mcx_cx_auth_item *it = &maa->items[i];
        it->item_number = (uint32_t)i + 1;
        snprintf(it->scheme, sizeof it->scheme, "%s", MCX_CX_SCHEME_AKAV1);
        memcpy(it->authenticate, v.rand, 16);
        memcpy(it->authenticate + 16, v.autn, 16);
        it->authenticate_len = 32;
        memcpy(it->authorization, v.xres, v.xres_len);
        it->authorization_len = v.xres_len;
        it->has_ck = it->has_ik = true;
        memcpy(it->ck, v.ck, 16);
        memcpy(it->ik, v.ik, 16);
    }
    finish(f);
}

static void answer_saa(struct fixture *f, uint32_t experimental)
{
    struct cscf_cx_result *r = reg_txn_cx_result(f->pending);
    r->outcome = CSCF_CX_ANSWERED;
    struct mcx_cx_saa *saa = &r->u.saa;
    memset(saa, 0, sizeof *saa);
    if (experimental) {
        saa->result.experimental_code = experimental;
    } else {
        saa->result.result_code = MCX_DIAMETER_SUCCESS;
        static const char xml[] =
            "<?xml version=\"1.0\"?><IMSSubscription><PrivateID>alice@mcx.lab</PrivateID>"
            "<ServiceProfile><PublicIdentity><Identity>sip:alice@mcx.lab</Identity>"
            "</PublicIdentity><PublicIdentity><Identity>tel:+15550001</Identity>"
            "</PublicIdentity></ServiceProfile></IMSSubscription>";
        memcpy(saa->user_data, xml, sizeof xml - 1);
        saa->user_data_len = sizeof xml - 1;
    }
    finish(f);
}

/* Writes a REGISTER for user@domain with optional contact parameters and Authorization. */
static void make_register(char *out, size_t cap, const char *user, const char *domain,
                          const char *branch, unsigned cseq, const char *contact,
                          const char *expires_header, const char *auth)
{
    snprintf(out, cap,
             "REGISTER sip:%s SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 127.0.30.1:5061;branch=z9hG4bK%s\r\n"
             "From: <sip:%s@%s>;tag=ue1\r\n"
             "To: <sip:%s@%s>\r\n"
             "Call-ID: reg-%s@127.0.30.1\r\n"
             "CSeq: %u REGISTER\r\n"
             "Contact: %s\r\n"
             "Path: <sip:term@pcscf.mcx.lab;lr>\r\n"
             "%s%s%s"
             "%s%s"
             "Content-Length: 0\r\n\r\n",
             domain, branch, user, domain, user, domain, user, cseq, contact,
             expires_header ? "Expires: " : "", expires_header ? expires_header : "",
             expires_header ? "\r\n" : "", auth ? auth : "", auth ? "\r\n" : "");
}

/* Reads the nonce (and realm/algorithm) of the last 401. */
static void challenge_of(struct fixture *f, char *nonce, size_t cap, struct sip_digest *d)
{
    assert_int_equal(f->rsp.status, 401);
    int h = sip_header_find(&f->rsp, SIP_HDR_WWW_AUTHENTICATE, 0);
    assert_true(h >= 0);
    const char *reason;
    assert_int_equal(sip_digest_parse(f->rsp.headers[h].value, d, &reason), 0);
    assert_true(sip_unescape(d->nonce, nonce, cap) > 0);
}

/* Builds the Authorization header of a UE that answers with password (RES or plain). */
static void make_auth(char *out, size_t cap, const char *impi, const char *realm, const char *nonce,
                      const char *alg, const uint8_t *password, size_t password_len, const char *nc,
                      bool md5_ha1_from_password)
{
    char ha1[33], ha2[33], resp[33];
    (void)md5_ha1_from_password;
    assert_int_equal(mcx_digest_ha1(impi, realm, password, password_len, ha1), 0);
    assert_int_equal(mcx_digest_ha2("REGISTER", "sip:mcx.lab", MCX_DIGEST_QOP_AUTH, NULL, 0, ha2),
                     0);
    assert_int_equal(mcx_digest_response(ha1, nonce, MCX_DIGEST_QOP_AUTH, nc, "c0ffee", ha2, resp),
                     0);
    snprintf(out, cap,
             "Authorization: Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", "
             "uri=\"sip:mcx.lab\", response=\"%s\", algorithm=%s, cnonce=\"c0ffee\", qop=auth, "
             "nc=%s",
             impi, realm, nonce, resp, alg, nc);
}

/* REGISTER -> UAR -> MAR -> 401; returns the nonce in nonce. */
static void run_challenge(struct fixture *f, const char *branch, unsigned cseq, char *nonce,
                          size_t cap)
{
    char req[2048];
    make_register(req, sizeof req, "alice", "mcx.lab", branch, cseq, "<sip:alice@127.0.30.1:5061>",
                  "600", NULL);
    deliver(f, req);
    assert_int_equal(f->last_kind, CX_UAR);
    answer_uaa(f, MCX_CX_FIRST_REGISTRATION);
    assert_int_equal(f->last_kind, CX_MAR);
    answer_maa_aka(f, 1);
    struct sip_digest d;
    challenge_of(f, nonce, cap, &d);
}

static void aka_registration_success(void **state)
{
    struct fixture *f = *state;
    char req[2048];
    make_register(req, sizeof req, "alice", "mcx.lab", "b1", 1, "<sip:alice@127.0.30.1:5061>",
                  "600", NULL);
    deliver(f, req);
    assert_int_equal(f->uar_count, 1);
    assert_string_equal(f->uar.user_name, "alice@mcx.lab");
    assert_string_equal(f->uar.public_identity, "sip:alice@mcx.lab");
    assert_int_equal(f->uar.authorization_type, MCX_CX_UAT_REGISTRATION);
    assert_string_equal(f->last_route.realm, "mcx.lab");
    assert_string_equal(f->last_route.host, "hss.mcx.lab");
    assert_int_equal(f->sent_count, 0);
    answer_uaa(f, MCX_CX_FIRST_REGISTRATION);
    assert_int_equal(f->mar_count, 1);
    assert_string_equal(f->mar.user_name, "alice@mcx.lab");
    assert_string_equal(f->mar.public_identity, "sip:alice@mcx.lab");
    assert_string_equal(f->mar.server_name, "sip:scscf.mcx.lab:5060");
    assert_string_equal(f->mar.scheme, MCX_CX_SCHEME_UNKNOWN);
    assert_int_equal(f->mar.number_auth_items, 1);
    assert_int_equal(f->mar.authorization_len, 0);
    answer_maa_aka(f, 1);
    assert_int_equal(f->sent_count, 1);
    char nonce[64];
    struct sip_digest d;
    challenge_of(f, nonce, sizeof nonce, &d);
    assert_true(f->rsp.to_tag.len > 0);
    assert_true(sip_slice_eq(d.realm, "mcx.lab"));
    assert_true(sip_slice_eq(d.algorithm, "AKAv1-MD5"));
    assert_true(sip_slice_eq(d.qop, "auth"));
    assert_null(d.ck.p); /* the P-CSCF part never lets ck/ik reach the UE */
    assert_null(d.ik.p);
    uint8_t rand_autn[32];
    char expect_nonce[64];
    memcpy(rand_autn, f->vec.rand, 16);
    memcpy(rand_autn + 16, f->vec.autn, 16);
    mcx_base64_encode(rand_autn, 32, expect_nonce, sizeof expect_nonce);
    assert_string_equal(nonce, expect_nonce);

    char auth[1024];
    make_auth(auth, sizeof auth, "alice@mcx.lab", "mcx.lab", nonce, "AKAv1-MD5", f->vec.xres,
              f->vec.xres_len, "00000001", false);
    make_register(req, sizeof req, "alice", "mcx.lab", "b2", 2, "<sip:alice@127.0.30.1:5061>",
                  "600", auth);
    deliver(f, req);
    assert_int_equal(f->sar_count, 1);
    assert_int_equal(f->sar.assignment_type, MCX_CX_SAT_REGISTRATION);
    assert_string_equal(f->sar.user_name, "alice@mcx.lab");
    assert_string_equal(f->sar.public_identities[0], "sip:alice@mcx.lab");
    assert_int_equal(f->sent_count, 1); /* nothing before the SAA */
    answer_saa(f, 0);
    assert_int_equal(f->sent_count, 2);
    assert_int_equal(f->rsp.status, 200);
    assert_non_null(strstr(f->sent, "Contact: <sip:alice@127.0.30.1:5061>;expires=600\r\n"));
    assert_non_null(strstr(f->sent, "Service-Route: <sip:orig@127.0.10.1:5060;lr>\r\n"));
    assert_non_null(strstr(f->sent, "P-Associated-URI: <sip:alice@mcx.lab>, <tel:+15550001>\r\n"));
    assert_non_null(strstr(f->sent, "Path: <sip:term@pcscf.mcx.lab;lr>\r\n"));
    assert_int_equal(reg_store_user_count(f->reg.store), 1);
    assert_int_equal(f->uar_count + f->mar_count + f->sar_count, 3);

    /* re-registration: new challenge, then SAR RE_REGISTRATION */
    f->now += 10000;
    run_challenge(f, "b3", 3, nonce, sizeof nonce);
    make_auth(auth, sizeof auth, "alice@mcx.lab", "mcx.lab", nonce, "AKAv1-MD5", f->vec.xres,
              f->vec.xres_len, "00000001", false);
    make_register(req, sizeof req, "alice", "mcx.lab", "b4", 4,
                  "<sip:alice@127.0.30.1:5061>;expires=1200, <sip:alice@[::1]:5062>", "600", auth);
    deliver(f, req);
    assert_int_equal(f->sar.assignment_type, MCX_CX_SAT_RE_REGISTRATION);
    answer_saa(f, 0);
    assert_int_equal(f->rsp.status, 200);
    assert_non_null(strstr(f->sent, "Contact: <sip:alice@127.0.30.1:5061>;expires=1200\r\n"));
    assert_non_null(strstr(f->sent, "Contact: <sip:alice@[::1]:5062>;expires=600\r\n"));

    /* a REGISTER without Contact is a query: 200 with the bindings, no SAR, nothing changes */
    f->now += 100000;
    int sars = f->sar_count;
    run_challenge(f, "b5", 5, nonce, sizeof nonce);
    make_auth(auth, sizeof auth, "alice@mcx.lab", "mcx.lab", nonce, "AKAv1-MD5", f->vec.xres,
              f->vec.xres_len, "00000001", false);
    snprintf(req, sizeof req,
             "REGISTER sip:mcx.lab SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.30.1:5061;branch=z9hG4bKq\r\n"
             "From: <sip:alice@mcx.lab>;tag=ue1\r\nTo: <sip:alice@mcx.lab>\r\n"
             "Call-ID: reg-alice@127.0.30.1\r\nCSeq: 6 REGISTER\r\n%s\r\n"
             "Content-Length: 0\r\n\r\n",
             auth);
    deliver(f, req);
    assert_int_equal(f->sar_count, sars);
    assert_int_equal(f->rsp.status, 200);
    assert_non_null(strstr(f->sent, "Contact: <sip:alice@127.0.30.1:5061>;expires=1100\r\n"));
    assert_non_null(strstr(f->sent, "P-Associated-URI: <sip:alice@mcx.lab>, <tel:+15550001>\r\n"));
}

static void retransmissions_use_the_cache(void **state)
{
    struct fixture *f = *state;
    char req[2048];
    make_register(req, sizeof req, "alice", "mcx.lab", "r1", 1, "<sip:alice@127.0.30.1:5061>", NULL,
                  NULL);
    deliver(f, req);
    assert_int_equal(f->uar_count, 1);
    deliver(f, req); /* while the UAR is outstanding: absorbed */
    assert_int_equal(f->uar_count, 1);
    assert_int_equal(f->sent_count, 0);
    answer_uaa(f, 0);
    answer_maa_aka(f, 1);
    assert_int_equal(f->sent_count, 1);
    char first[8192];
    memcpy(first, f->sent, f->sent_len + 1);
    deliver(f, req); /* after the 401: the same bytes again, no Diameter */
    assert_int_equal(f->sent_count, 2);
    assert_string_equal(f->sent, first);
    assert_int_equal(f->uar_count + f->mar_count + f->sar_count, 2);
    assert_int_equal(atomic_load(&f->reg.stats.retransmissions), 2);
    /* after the cache lifetime the same request is new again */
    f->now += f->reg.cfg.txn_ttl_ms + 1;
    deliver(f, req);
    assert_int_equal(f->uar_count, 2);
}

static void wrong_response_is_forbidden(void **state)
{
    struct fixture *f = *state;
    char nonce[64], auth[1024], req[2048];
    run_challenge(f, "w1", 1, nonce, sizeof nonce);
    uint8_t wrong[8];
    memcpy(wrong, f->vec.xres, 8);
    wrong[7] ^= 1;
    make_auth(auth, sizeof auth, "alice@mcx.lab", "mcx.lab", nonce, "AKAv1-MD5", wrong, 8,
              "00000001", false);
    make_register(req, sizeof req, "alice", "mcx.lab", "w2", 2, "<sip:alice@127.0.30.1:5061>", NULL,
                  auth);
    deliver(f, req);
    assert_int_equal(f->last_kind, CX_SAR);
    assert_int_equal(f->sar.assignment_type, MCX_CX_SAT_AUTHENTICATION_FAILURE);
    answer_saa(f, 0);
    assert_int_equal(f->rsp.status, 403);
    /* the nonce was single-use: the right answer with it now gets a fresh (stale) challenge */
    make_auth(auth, sizeof auth, "alice@mcx.lab", "mcx.lab", nonce, "AKAv1-MD5", f->vec.xres,
              f->vec.xres_len, "00000002", false);
    make_register(req, sizeof req, "alice", "mcx.lab", "w3", 3, "<sip:alice@127.0.30.1:5061>", NULL,
                  auth);
    deliver(f, req);
    assert_int_equal(f->last_kind, CX_UAR);
    answer_uaa(f, 0);
    answer_maa_aka(f, 1);
    struct sip_digest d;
    char nonce2[64];
    challenge_of(f, nonce2, sizeof nonce2, &d);
    assert_true(sip_slice_eq(d.stale, "TRUE"));
    assert_string_not_equal(nonce, nonce2);
    assert_int_equal(atomic_load(&f->reg.stats.registered), 0);
}

/* SIPp 3.6.1 cuts a RES at its first 0x00 byte (strlen): that response must never pass. */
static void truncated_res_is_forbidden(void **state)
{
    struct fixture *f = *state;
    char nonce[64], auth[1024], req[2048];
    run_challenge(f, "t1", 1, nonce, sizeof nonce);
    size_t cut = 3; /* as if RES[3] were 0x00 */
    make_auth(auth, sizeof auth, "alice@mcx.lab", "mcx.lab", nonce, "AKAv1-MD5", f->vec.xres, cut,
              "00000001", false);
    make_register(req, sizeof req, "alice", "mcx.lab", "t2", 2, "<sip:alice@127.0.30.1:5061>", NULL,
                  auth);
    deliver(f, req);
    assert_int_equal(f->sar.assignment_type, MCX_CX_SAT_AUTHENTICATION_FAILURE);
    answer_saa(f, 0);
    assert_int_equal(f->rsp.status, 403);
}

static void resync_sends_rand_auts(void **state)
{
    struct fixture *f = *state;
    char nonce[64], req[2048], auth[1024];
    run_challenge(f, "s1", 1, nonce, sizeof nonce);
    static const uint8_t auts[14] = {0x87, 0x11, 0xa0, 0xec, 0x9e, 0x16, 0x37,
                                     0xdf, 0x17, 0xf8, 0x0b, 0x38, 0x4e, 0xe4};
    char auts64[32];
    mcx_base64_encode(auts, sizeof auts, auts64, sizeof auts64);
    uint8_t rand[16];
    memcpy(rand, f->vec.rand, 16);
    snprintf(auth, sizeof auth,
             "Authorization: Digest username=\"alice@mcx.lab\", realm=\"mcx.lab\", "
             "nonce=\"%s\", uri=\"sip:mcx.lab\", response=\"\", algorithm=AKAv1-MD5, "
             "auts=\"%s\", qop=auth, nc=00000001, cnonce=\"x\"",
             nonce, auts64);
    make_register(req, sizeof req, "alice", "mcx.lab", "s2", 2, "<sip:alice@127.0.30.1:5061>", NULL,
                  auth);
    int mars = f->mar_count;
    deliver(f, req);
    assert_int_equal(f->mar_count, mars + 1);
    assert_int_equal(f->uar_count, 1); /* resync goes straight to the MAR */
    assert_int_equal(f->mar.authorization_len, 30);
    assert_memory_equal(f->mar.authorization, rand, 16);
    assert_memory_equal(f->mar.authorization + 16, auts, 14);
    answer_maa_aka(f, 1);
    char nonce2[64];
    struct sip_digest d;
    challenge_of(f, nonce2, sizeof nonce2, &d);
    assert_string_not_equal(nonce, nonce2);
    /* and the fresh vector registers */
    make_auth(auth, sizeof auth, "alice@mcx.lab", "mcx.lab", nonce2, "AKAv1-MD5", f->vec.xres,
              f->vec.xres_len, "00000001", false);
    make_register(req, sizeof req, "alice", "mcx.lab", "s3", 3, "<sip:alice@127.0.30.1:5061>", NULL,
                  auth);
    deliver(f, req);
    answer_saa(f, 0);
    assert_int_equal(f->rsp.status, 200);
}

static void cached_vectors_are_used_one_at_a_time(void **state)
{
    struct fixture *f = *state;
    f->reg.cfg.auth_items = 3;
    char req[2048];
    make_register(req, sizeof req, "alice", "mcx.lab", "c1", 1, "<sip:alice@127.0.30.1:5061>", NULL,
                  NULL);
    deliver(f, req);
    answer_uaa(f, 0);
    assert_int_equal(f->mar.number_auth_items, 3);
    answer_maa_aka(f, 3);
    char n1[64], n2[64], n3[64];
    struct sip_digest d;
    challenge_of(f, n1, sizeof n1, &d);
    make_register(req, sizeof req, "alice", "mcx.lab", "c2", 2, "<sip:alice@127.0.30.1:5061>", NULL,
                  NULL);
    deliver(f, req);
    challenge_of(f, n2, sizeof n2, &d);
    make_register(req, sizeof req, "alice", "mcx.lab", "c3", 3, "<sip:alice@127.0.30.1:5061>", NULL,
                  NULL);
    deliver(f, req);
    challenge_of(f, n3, sizeof n3, &d);
    assert_int_equal(f->uar_count + f->mar_count, 2); /* both from the cache */
    assert_string_not_equal(n1, n2);
    assert_string_not_equal(n2, n3);
    make_register(req, sizeof req, "alice", "mcx.lab", "c4", 4, "<sip:alice@127.0.30.1:5061>", NULL,
                  NULL);
    deliver(f, req); /* cache empty: Diameter again */
    assert_int_equal(f->uar_count, 2);
}

static void cx_failures_leave_no_state(void **state)
{
    struct fixture *f = *state;
    char req[2048];
    make_register(req, sizeof req, "alice", "mcx.lab", "f1", 1, "<sip:alice@127.0.30.1:5061>", NULL,
                  NULL);
    deliver(f, req);
    reg_txn_cx_result(f->pending)->outcome = CSCF_CX_TIMEOUT;
    finish(f);
    assert_int_equal(f->rsp.status, 504);
    make_register(req, sizeof req, "alice", "mcx.lab", "f2", 2, "<sip:alice@127.0.30.1:5061>", NULL,
                  NULL);
    deliver(f, req);
    answer_uaa(f, 0);
    struct cscf_cx_result *r = reg_txn_cx_result(f->pending);
    r->outcome = CSCF_CX_ANSWERED;
    r->u.maa.result.result_code = MCX_DIAMETER_UNABLE_TO_DELIVER;
    finish(f);
    assert_int_equal(f->rsp.status, 480);
    make_register(req, sizeof req, "alice", "mcx.lab", "f3", 3, "<sip:alice@127.0.30.1:5061>", NULL,
                  NULL);
    deliver(f, req);
    answer_uaa(f, MCX_CX_ERROR_USER_UNKNOWN);
    assert_int_equal(f->rsp.status, 403);
    f->fail_send = true; /* the peer is gone: the send itself fails */
    make_register(req, sizeof req, "alice", "mcx.lab", "f4", 4, "<sip:alice@127.0.30.1:5061>", NULL,
                  NULL);
    deliver(f, req);
    assert_int_equal(f->rsp.status, 504);
    assert_int_equal(reg_store_user_count(f->reg.store), 0);
    assert_int_equal(f->w.in_flight, 0);
    /* a SAR failure after a good response: 504 and no binding */
    f->fail_send = false;
    char nonce[64], auth[1024];
    run_challenge(f, "f5", 5, nonce, sizeof nonce);
    make_auth(auth, sizeof auth, "alice@mcx.lab", "mcx.lab", nonce, "AKAv1-MD5", f->vec.xres,
              f->vec.xres_len, "00000001", false);
    make_register(req, sizeof req, "alice", "mcx.lab", "f6", 6, "<sip:alice@127.0.30.1:5061>", NULL,
                  auth);
    deliver(f, req);
    reg_txn_cx_result(f->pending)->outcome = CSCF_CX_TIMEOUT;
    finish(f);
    assert_int_equal(f->rsp.status, 504);
    struct reg_shard *sh = reg_store_lock(f->reg.store, "sip:alice@mcx.lab");
    struct reg_user *u = reg_shard_find(sh, "sip:alice@mcx.lab");
    assert_true(u == NULL || (u->binding_count == 0 && !u->registered));
    reg_shard_unlock(sh);
}

static void interval_too_brief_and_bad_requests(void **state)
{
    struct fixture *f = *state;
    char req[2048];
    make_register(req, sizeof req, "alice", "mcx.lab", "i1", 1, "<sip:alice@127.0.30.1:5061>", "30",
                  NULL);
    deliver(f, req);
    assert_int_equal(f->rsp.status, 423);
    assert_non_null(strstr(f->sent, "Min-Expires: 60\r\n"));
    make_register(req, sizeof req, "alice", "mcx.lab", "i2", 2,
                  "<sip:alice@127.0.30.1:5061>;expires=abc", NULL, NULL);
    deliver(f, req);
    assert_int_equal(f->rsp.status, 400);
    assert_true(sip_slice_eq(f->rsp.reason, "Malformed Contact expires parameter"));
    make_register(req, sizeof req, "alice", "mcx.lab", "i3", 3, "*", "600", NULL);
    deliver(f, req);
    assert_int_equal(f->rsp.status, 400);
    make_register(req, sizeof req, "alice", "mcx.lab", "i4", 4, "<sip:a@b>", NULL,
                  "Authorization: Digest username=\"alice@mcx.lab\" realm=\"x\"");
    deliver(f, req);
    assert_int_equal(f->rsp.status, 400);
    assert_true(sip_slice_eq(f->rsp.reason, "Malformed Authorization header"));
    /* a malformed request gets 400 naming the fault */
    static const char bad[] = "REGISTER sip:mcx.lab SIP/2.0\r\n"
                              "Via: SIP/2.0/UDP 127.0.30.1:5061;branch=z9hG4bKbad\r\n"
                              "From: <sip:alice@mcx.lab>;tag=1\r\nTo: <sip:alice@mcx.lab>\r\n"
                              "Call-ID: bad-1\r\nCSeq: x REGISTER\r\n\r\n";
    deliver(f, bad);
    assert_int_equal(strncmp(f->sent, "SIP/2.0 400 Malformed CSeq header\r\n", 35), 0);
    assert_non_null(strstr(f->sent, "Call-ID: bad-1\r\n"));
    int sent = f->sent_count;
    /* a malformed response is dropped */
    deliver(f, "SIP/2.0 200 OK\r\nVia: nonsense\r\n\r\n");
    deliver(f, "garbage\r\n\r\n");
    assert_int_equal(f->sent_count, sent);
    assert_int_equal(f->uar_count + f->mar_count + f->sar_count, 0);
    /* other methods */
    static const char options[] = "OPTIONS sip:mcx.lab SIP/2.0\r\n"
                                  "Via: SIP/2.0/UDP 127.0.30.1:5061;branch=z9hG4bKo\r\n"
                                  "From: <sip:a@mcx.lab>;tag=1\r\nTo: <sip:mcx.lab>\r\n"
                                  "Call-ID: o1\r\nCSeq: 1 OPTIONS\r\n\r\n";
    deliver(f, options);
    assert_int_equal(f->rsp.status, 200);
    static const char invite[] = "INVITE sip:b@mcx.lab SIP/2.0\r\n"
                                 "Via: SIP/2.0/UDP 127.0.30.1:5061;branch=z9hG4bKi\r\n"
                                 "From: <sip:a@mcx.lab>;tag=1\r\nTo: <sip:b@mcx.lab>\r\n"
                                 "Call-ID: i1\r\nCSeq: 1 INVITE\r\n\r\n";
    deliver(f, invite);
    assert_int_equal(f->rsp.status, 405);
}

static void routing_table_chooses_the_peer(void **state)
{
    struct fixture *f = *state;
    char req[2048];
    make_register(req, sizeof req, "bob", "mig.partner.mcx.lab", "p1", 1,
                  "<sip:bob@127.0.30.2:5061>", NULL, NULL);
    deliver(f, req);
    assert_string_equal(f->last_route.realm, "partner.mcx.lab");
    assert_string_equal(f->last_route.host, "mms.partner.mcx.lab");
    answer_uaa(f, 0);
    assert_string_equal(f->last_route.host, "mms.partner.mcx.lab");
    assert_true(cscf_glob_match("*@mig.partner.mcx.lab", "BOB@Mig.Partner.mcx.lab"));
    assert_false(cscf_glob_match("*@mig.partner.mcx.lab", "bob@partner.mcx.lab"));
    assert_true(cscf_glob_match("a?c*", "abcdef"));
    char id[64];
    assert_int_equal(cscf_route_identity("sip:bob@x.lab:5060;transport=tcp", id, sizeof id), 0);
    assert_string_equal(id, "bob@x.lab");
    assert_int_equal(cscf_route_identity("tel:+1555", id, sizeof id), 0);
    assert_string_equal(id, "+1555");
}

static void deregistration_and_expiry(void **state)
{
    struct fixture *f = *state;
    char nonce[64], auth[1024], req[2048];
    run_challenge(f, "d1", 1, nonce, sizeof nonce);
    make_auth(auth, sizeof auth, "alice@mcx.lab", "mcx.lab", nonce, "AKAv1-MD5", f->vec.xres,
              f->vec.xres_len, "00000001", false);
    make_register(req, sizeof req, "alice", "mcx.lab", "d2", 2, "<sip:alice@127.0.30.1:5061>",
                  "600", auth);
    deliver(f, req);
    answer_saa(f, 0);
    assert_int_equal(f->rsp.status, 200);
    /* Expires: 0 -> challenge -> SAR USER_DEREGISTRATION -> 200 without contacts */
    make_register(req, sizeof req, "alice", "mcx.lab", "d3", 3, "*", "0", NULL);
    deliver(f, req);
    assert_int_equal(f->uar.authorization_type, MCX_CX_UAT_DE_REGISTRATION);
    answer_uaa(f, 0);
    answer_maa_aka(f, 1);
    struct sip_digest d;
    challenge_of(f, nonce, sizeof nonce, &d);
    make_auth(auth, sizeof auth, "alice@mcx.lab", "mcx.lab", nonce, "AKAv1-MD5", f->vec.xres,
              f->vec.xres_len, "00000001", false);
    make_register(req, sizeof req, "alice", "mcx.lab", "d4", 4, "*", "0", auth);
    deliver(f, req);
    assert_int_equal(f->sar.assignment_type, MCX_CX_SAT_USER_DEREGISTRATION);
    answer_saa(f, 0);
    assert_int_equal(f->rsp.status, 200);
    assert_null(strstr(f->sent, "Contact:"));
    assert_int_equal(reg_store_user_count(f->reg.store), 0);

    /* register again with 60 s, then let the binding expire */
    run_challenge(f, "d5", 5, nonce, sizeof nonce);
    make_auth(auth, sizeof auth, "alice@mcx.lab", "mcx.lab", nonce, "AKAv1-MD5", f->vec.xres,
              f->vec.xres_len, "00000001", false);
    make_register(req, sizeof req, "alice", "mcx.lab", "d6", 6, "<sip:alice@127.0.30.1:5061>", "60",
                  auth);
    deliver(f, req);
    answer_saa(f, 0);
    assert_int_equal(f->rsp.status, 200);
    int sars = f->sar_count;
    f->now += 59000;
    reg_worker_tick(&f->w, f->now);
    assert_int_equal(f->sar_count, sars);
    f->now += 2000;
    reg_worker_tick(&f->w, f->now);
    assert_int_equal(f->sar_count, sars + 1);
    assert_int_equal(f->sar.assignment_type, MCX_CX_SAT_TIMEOUT_DEREGISTRATION);
    assert_string_equal(f->sar.public_identities[0], "sip:alice@mcx.lab");
    answer_saa(f, 0);
    assert_int_equal(reg_store_user_count(f->reg.store), 0);
    assert_int_equal(atomic_load(&f->reg.stats.timeouts), 1);
}

static void nonce_expires_and_nc_must_increase(void **state)
{
    struct fixture *f = *state;
    char nonce[64], auth[1024], req[2048];
    run_challenge(f, "n1", 1, nonce, sizeof nonce);
    f->now += f->reg.cfg.nonce_ttl_ms + 1;
    make_auth(auth, sizeof auth, "alice@mcx.lab", "mcx.lab", nonce, "AKAv1-MD5", f->vec.xres,
              f->vec.xres_len, "00000001", false);
    make_register(req, sizeof req, "alice", "mcx.lab", "n2", 2, "<sip:alice@127.0.30.1:5061>", NULL,
                  auth);
    deliver(f, req);
    assert_int_equal(f->last_kind, CX_UAR); /* expired: a fresh challenge, not a check */
    answer_uaa(f, 0);
    answer_maa_aka(f, 1);
    struct sip_digest d;
    challenge_of(f, nonce, sizeof nonce, &d);
    assert_true(sip_slice_eq(d.stale, "TRUE"));
    /* nc 0 never increases on the first use */
    make_auth(auth, sizeof auth, "alice@mcx.lab", "mcx.lab", nonce, "AKAv1-MD5", f->vec.xres,
              f->vec.xres_len, "00000000", false);
    make_register(req, sizeof req, "alice", "mcx.lab", "n3", 3, "<sip:alice@127.0.30.1:5061>", NULL,
                  auth);
    deliver(f, req);
    assert_int_equal(f->sar.assignment_type, MCX_CX_SAT_AUTHENTICATION_FAILURE);
    answer_saa(f, 0);
    assert_int_equal(f->rsp.status, 403);
}

static void md5_subscriber_registers(void **state)
{
    struct fixture *f = *state;
    char req[2048];
    make_register(req, sizeof req, "carol", "mcx.lab", "m1", 1, "<sip:carol@127.0.30.3:5060>", NULL,
                  NULL);
    deliver(f, req);
    answer_uaa(f, 0);
    struct cscf_cx_result *r = reg_txn_cx_result(f->pending);
    r->outcome = CSCF_CX_ANSWERED;
    memset(&r->u.maa, 0, sizeof r->u.maa);
    r->u.maa.result.result_code = MCX_DIAMETER_SUCCESS;
    r->u.maa.item_count = 1;
    struct mcx_cx_auth_item *it = &r->u.maa.items[0];
    snprintf(it->scheme, sizeof it->scheme, "%s", MCX_CX_SCHEME_SIP_DIGEST);
    it->has_digest = true;
    snprintf(it->digest_realm, sizeof it->digest_realm, "mcx.lab");
    snprintf(it->digest_qop, sizeof it->digest_qop, "auth");
    static const char password[] = "carol-secret";
    assert_int_equal(mcx_digest_ha1("carol@mcx.lab", "mcx.lab", (const uint8_t *)password,
                                    strlen(password), it->digest_ha1),
                     0);
    finish(f);
    char nonce[64];
    struct sip_digest d;
    challenge_of(f, nonce, sizeof nonce, &d);
    assert_true(sip_slice_eq(d.algorithm, "MD5"));
    char auth[1024];
    make_auth(auth, sizeof auth, "carol@mcx.lab", "mcx.lab", nonce, "MD5",
              (const uint8_t *)password, strlen(password), "00000001", true);
    make_register(req, sizeof req, "carol", "mcx.lab", "m2", 2, "<sip:carol@127.0.30.3:5060>", NULL,
                  auth);
    deliver(f, req);
    assert_int_equal(f->sar.assignment_type, MCX_CX_SAT_REGISTRATION);
    answer_saa(f, 0);
    assert_int_equal(f->rsp.status, 200);
}

int main(void)
{
    mcx_log_init("test_registrar", MCX_LOG_ERROR, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(aka_registration_success, setup, teardown),
        cmocka_unit_test_setup_teardown(retransmissions_use_the_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_response_is_forbidden, setup, teardown),
        cmocka_unit_test_setup_teardown(truncated_res_is_forbidden, setup, teardown),
        cmocka_unit_test_setup_teardown(resync_sends_rand_auts, setup, teardown),
        cmocka_unit_test_setup_teardown(cached_vectors_are_used_one_at_a_time, setup, teardown),
        cmocka_unit_test_setup_teardown(cx_failures_leave_no_state, setup, teardown),
        cmocka_unit_test_setup_teardown(interval_too_brief_and_bad_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(routing_table_chooses_the_peer, setup, teardown),
        cmocka_unit_test_setup_teardown(deregistration_and_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(nonce_expires_and_nc_must_increase, setup, teardown),
        cmocka_unit_test_setup_teardown(md5_subscriber_registers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
