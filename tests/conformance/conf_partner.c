/* Cases against a partner MMS: the suite acts as the primary MMS (NNG REP on --url, the URL the
 * partner's binding names) and as the partner's SIP core (a Cx client on lib/cx). */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>

#include "aka/aka.h"
#include "conf.h"
#include "cx/cx_client.h"
#include "cx/diameter.h"
#include "migration/envelope.h"
#include "migration/result.h"

static nng_socket g_rep;
static bool g_rep_open;
static uint64_t g_next_seq = 1000;

/* ---- Cx side: one outstanding request and its answer ---- */

struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    enum mcx_cx_outcome outcome;
    uint32_t command;
    union {
        struct mcx_cx_maa maa;
        struct mcx_cx_uaa uaa;
        struct mcx_cx_saa saa;
        struct mcx_cx_lia lia;
    } u;
};

static struct waiter *waiter_new(void)
{
    struct waiter *w = calloc(1, sizeof *w);
    if (w) {
        pthread_mutex_init(&w->mu, NULL);
        pthread_cond_init(&w->cv, NULL);
    }
    return w;
}

static void waiter_free(struct waiter *w)
{
    if (!w)
        return;
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}

/* Stores an answer of size len (NULL when not answered) and wakes the waiting case. */
static void waiter_done(struct waiter *w, enum mcx_cx_outcome outcome, const void *answer,
                        size_t len)
{
    pthread_mutex_lock(&w->mu);
    w->outcome = outcome;
    if (answer)
        memcpy(&w->u, answer, len);
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void on_maa(void *ctx, enum mcx_cx_outcome o, const struct mcx_cx_maa *a)
{
    waiter_done(ctx, o, a, sizeof *a);
}
static void on_uaa(void *ctx, enum mcx_cx_outcome o, const struct mcx_cx_uaa *a)
{
    waiter_done(ctx, o, a, sizeof *a);
}
static void on_saa(void *ctx, enum mcx_cx_outcome o, const struct mcx_cx_saa *a)
{
    waiter_done(ctx, o, a, sizeof *a);
}
static void on_lia(void *ctx, enum mcx_cx_outcome o, const struct mcx_cx_lia *a)
{
    waiter_done(ctx, o, a, sizeof *a);
}

/* Waits for the answer (the Cx client's own timeout bounds it). Returns 0 when answered. */
static int waiter_wait(struct waiter *w, char *why, size_t why_cap)
{
    pthread_mutex_lock(&w->mu);
    while (!w->done)
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
    if (w->outcome != MCX_CX_ANSWERED)
        return conf_fail(why, why_cap, "no Cx answer from the partner (%s)",
                         mcx_cx_outcome_name(w->outcome));
    return 0;
}

static struct mcx_cx_route route_of(const struct conf_options *opt)
{
    struct mcx_cx_route r;
    memset(&r, 0, sizeof r);
    snprintf(r.realm, sizeof r.realm, "%s", opt->peer_realm);
    snprintf(r.host, sizeof r.host, "%s", opt->peer_identity);
    return r;
}

static unsigned cx_timeout(const struct conf_options *opt)
{
    return opt->wait_ms + opt->partner_timeout_ms * 2;
}

/* Sends a MAR; the answer arrives in w. */
static int send_mar(const struct conf_options *opt, const char *impi, const char *impu,
                    uint32_t items, const uint8_t *resync, struct waiter *w, char *why,
                    size_t why_cap)
{
    struct mcx_cx_route route = route_of(opt);
    struct mcx_cx_mar mar;
    struct mcx_cx_error err;
    memset(&mar, 0, sizeof mar);
    snprintf(mar.user_name, sizeof mar.user_name, "%s", impi);
    snprintf(mar.public_identity, sizeof mar.public_identity, "%s", impu);
    snprintf(mar.server_name, sizeof mar.server_name, "sip:%.200s", opt->dia_identity);
    snprintf(mar.scheme, sizeof mar.scheme, "%s", MCX_CX_SCHEME_AKAV1);
    mar.number_auth_items = items;
    if (resync) {
        memcpy(mar.authorization, resync, MCX_MIGRATION_RESYNC_LEN);
        mar.authorization_len = MCX_MIGRATION_RESYNC_LEN;
    }
    if (mcx_cx_send_mar(&route, &mar, cx_timeout(opt), on_maa, w, &err) != 0)
        return conf_fail(why, why_cap, "MAR not sent: %s", err.text);
    return 0;
}

/* ---- NNG side: we are the primary ---- */

/* Receives one request on ctx within wait_ms into *req (caller frees). Returns 0,
 * NNG_ETIMEDOUT, or -1 with why when a message arrived that is not a valid request. */
static int rep_recv(nng_ctx ctx, nng_aio *aio, unsigned wait_ms, mcx_envelope **req, char *why,
                    size_t why_cap)
{
    struct mcx_migration_status status;
    enum mcx_migration_error rc;
    nng_msg *msg;
    int rv;
    *req = NULL;
    nng_aio_set_timeout(aio, (nng_duration)wait_ms);
    nng_ctx_recv(ctx, aio);
    nng_aio_wait(aio);
    if ((rv = nng_aio_result(aio)) != 0)
        return rv == NNG_ETIMEDOUT ? NNG_ETIMEDOUT
                                   : conf_fail(why, why_cap, "NNG receive: %s", nng_strerror(rv));
    msg = nng_aio_get_msg(aio);
    rc = mcx_envelope_decode(nng_msg_body(msg), nng_msg_len(msg), 0, req, &status);
    nng_msg_free(msg);
    if (rc != MCX_MIGRATION_OK)
        return conf_fail(why, why_cap, "the partner sent an invalid Envelope: %s (%s)",
                         mcx_migration_error_name(rc), status.detail);
    if ((*req)->body_case != MCX_ENVELOPE_BODY_REQUEST) {
        mcx_envelope_free(*req);
        *req = NULL;
        return conf_fail(why, why_cap, "the partner sent a non-request body");
    }
    return 0;
}

/* Sends raw bytes as the reply on ctx. */
static int rep_send_bytes(nng_ctx ctx, nng_aio *aio, const uint8_t *data, size_t len)
{
    nng_msg *msg;
    int rv;
    if ((rv = nng_msg_alloc(&msg, len)) != 0)
        return rv;
    memcpy(nng_msg_body(msg), data, len);
    nng_aio_set_msg(aio, msg);
    nng_aio_set_timeout(aio, 5000);
    nng_ctx_send(ctx, aio);
    nng_aio_wait(aio);
    if ((rv = nng_aio_result(aio)) != 0)
        nng_msg_free(nng_aio_get_msg(aio));
    return rv;
}

/* Encodes env (consumed) and sends it as the reply. */
static int rep_send(nng_ctx ctx, nng_aio *aio, mcx_envelope *env, char *why, size_t why_cap)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    struct mcx_migration_status status;
    int rv;
    if (!env)
        return conf_fail(why, why_cap, "out of memory");
    if (mcx_envelope_encode_alloc(env, 0, &buf, &len, &status) != MCX_MIGRATION_OK) {
        mcx_envelope_free(env);
        return conf_fail(why, why_cap, "reply encode: %s", status.detail);
    }
    mcx_envelope_free(env);
    rv = rep_send_bytes(ctx, aio, buf, len);
    free(buf);
    return rv ? conf_fail(why, why_cap, "NNG send: %s", nng_strerror(rv)) : 0;
}

/* A SUCCESS response to req with n fresh vectors made from K/OPc (the first RAND in *rand0). */
static mcx_envelope *success_response(const struct conf_options *opt, const mcx_envelope *req,
                                      uint32_t n, uint8_t *rand0)
{
    mcx_envelope *env = mcx_envelope_new_response(
        req->transaction_id, opt->primary_system, MCX__MIGRATION__V1__RESULT__SUCCESS,
        req->request->impi, req->request->impu, MCX_DIAMETER_SUCCESS, false);
    static const uint8_t amf[2] = {0x80, 0x00};
    for (uint32_t i = 0; env && i < n; i++) {
        struct mcx_aka_vector v;
        uint8_t authenticate[32];
        if (mcx_aka_vector_generate(opt->k, opt->opc, mcx_sqn_for_seq(g_next_seq++), amf, &v)) {
            mcx_envelope_free(env);
            return NULL;
        }
        memcpy(authenticate, v.rand, 16);
        memcpy(authenticate + 16, v.autn, 16);
        if (i == 0 && rand0)
            memcpy(rand0, v.rand, 16);
        struct mcx_auth_vector_fields f = {
            .item_number = i + 1,
            .scheme = MCX_CX_SCHEME_AKAV1,
            .authenticate = authenticate,
            .authenticate_len = 32,
            .authorization = v.xres,
            .authorization_len = v.xres_len,
            .confidentiality_key = v.ck,
            .confidentiality_key_len = 16,
            .integrity_key = v.ik,
            .integrity_key_len = 16,
        };
        if (mcx_envelope_add_vector(env, &f) != 0) {
            mcx_envelope_free(env);
            return NULL;
        }
    }
    return env;
}

/* A REP context with its aio, for one case. */
struct rep_slot {
    nng_ctx ctx;
    nng_aio *aio;
};

static int slot_open(struct rep_slot *s, char *why, size_t why_cap)
{
    memset(s, 0, sizeof *s);
    if (nng_ctx_open(&s->ctx, g_rep) != 0 || nng_aio_alloc(&s->aio, NULL, NULL) != 0)
        return conf_fail(why, why_cap, "REP context");
    return 0;
}

static void slot_close(struct rep_slot *s)
{
    if (s->aio)
        nng_aio_free(s->aio);
    nng_ctx_close(s->ctx);
    s->aio = NULL;
}

/* Swallows requests still arriving (resends of requests a case left unanswered). */
static void drain(void)
{
    struct rep_slot s;
    char why[64];
    mcx_envelope *req;
    if (slot_open(&s, why, sizeof why) != 0)
        return;
    for (;;) {
        int rc = rep_recv(s.ctx, s.aio, 300, &req, why, sizeof why);
        mcx_envelope_free(req);
        if (rc == NNG_ETIMEDOUT)
            break;
    }
    slot_close(&s);
}

/* Checks the forwarded request: primary identities, our system, scheme, items, resync. */
static int check_request(const struct conf_options *opt, const mcx_envelope *req, uint32_t items,
                         const uint8_t *resync, char *why, size_t why_cap)
{
    const mcx_auth_info_request *r = req->request;
    if (strcmp(req->origin_system, opt->partner_system) != 0)
        return conf_fail(why, why_cap, "origin_system '%s', expected '%s'", req->origin_system,
                         opt->partner_system);
    if (strcmp(r->impi, opt->primary_impi) != 0 || strcmp(r->impu, opt->primary_impu) != 0)
        return conf_fail(why, why_cap, "identities %s / %s are not the bound primary ones", r->impi,
                         r->impu);
    if (strcmp(r->scheme, MCX_CX_SCHEME_AKAV1) != 0)
        return conf_fail(why, why_cap, "scheme '%s' not forwarded as sent", r->scheme);
    if (r->number_of_items != items)
        return conf_fail(why, why_cap, "number_of_items %u, expected %u", r->number_of_items,
                         items);
    if (resync ? (r->resync_info.len != MCX_MIGRATION_RESYNC_LEN ||
                  memcmp(r->resync_info.data, resync, MCX_MIGRATION_RESYNC_LEN) != 0)
               : r->resync_info.len != 0)
        return conf_fail(why, why_cap, "resync_info not passed through unchanged");
    return 0;
}

/* Checks a MAA against the response we sent: partner identities, vectors byte for byte. */
static int check_maa(const struct conf_options *opt, const struct mcx_cx_maa *maa,
                     const mcx_envelope *sent, char *why, size_t why_cap)
{
    const mcx_auth_info_response *resp = sent->response;
    if (!mcx_cx_result_is_success(&maa->result))
        return conf_fail(why, why_cap, "MAA result %" PRIu32 ", expected success",
                         mcx_cx_result_code(&maa->result));
    if (strcmp(maa->user_name, opt->partner_impi) != 0 ||
        strcmp(maa->public_identity, opt->partner_impu) != 0)
        return conf_fail(why, why_cap, "MAA identities %s / %s are not the partner ones",
                         maa->user_name, maa->public_identity);
    if (maa->item_count != resp->n_vectors)
        return conf_fail(why, why_cap, "MAA has %zu items, the primary sent %zu", maa->item_count,
                         resp->n_vectors);
    for (size_t i = 0; i < maa->item_count; i++) {
        const struct mcx_cx_auth_item *it = &maa->items[i];
        const mcx_auth_vector *v = resp->vectors[i];
        uint64_t sqn;
        char inner[200];
        if (it->authenticate_len != v->authenticate.len ||
            memcmp(it->authenticate, v->authenticate.data, v->authenticate.len) != 0 ||
            it->authorization_len != v->authorization.len ||
            memcmp(it->authorization, v->authorization.data, v->authorization.len) != 0 ||
            !it->has_ck || !it->has_ik || memcmp(it->ck, v->confidentiality_key.data, 16) != 0 ||
            memcmp(it->ik, v->integrity_key.data, 16) != 0)
            return conf_fail(why, why_cap, "item %zu differs from the primary's vector", i + 1);
        if (conf_vector_verify(opt->k, opt->opc, it->authenticate, it->authenticate_len,
                               it->authorization, it->authorization_len, it->ck, 16, it->ik, 16,
                               &sqn, inner, sizeof inner) != 0)
            return conf_fail(why, why_cap, "item %zu: %s", i + 1, inner);
    }
    return 0;
}

/* One forwarded MAR: send, receive + check the request, reply with vectors, check the MAA. */
static int forwarded_mar(const struct conf_options *opt, uint32_t items, const uint8_t *resync,
                         char *why, size_t why_cap)
{
    struct waiter *w = waiter_new();
    struct rep_slot s;
    mcx_envelope *req = NULL, *resp = NULL;
    int rc = -1;
    if (!w || slot_open(&s, why, why_cap) != 0) {
        waiter_free(w);
        return conf_fail(why, why_cap, "set-up");
    }
    if (send_mar(opt, opt->partner_impi, opt->partner_impu, items, resync, w, why, why_cap))
        goto out_nowait;
    rc = rep_recv(s.ctx, s.aio, opt->wait_ms, &req, why, why_cap);
    if (rc == NNG_ETIMEDOUT)
        rc = conf_fail(why, why_cap, "no GetSipAuthInfoRequest reached the primary");
    if (rc == 0)
        rc = check_request(opt, req, items, resync, why, why_cap);
    if (rc == 0 && (resp = success_response(opt, req, items, NULL)) == NULL)
        rc = conf_fail(why, why_cap, "vector generation failed");
    if (rc == 0) {
        /* send the bytes and keep resp: the MAA is compared with it */
        uint8_t *buf = NULL;
        size_t len = 0;
        if (mcx_envelope_encode_alloc(resp, 0, &buf, &len, NULL) != MCX_MIGRATION_OK ||
            rep_send_bytes(s.ctx, s.aio, buf, len) != 0)
            rc = conf_fail(why, why_cap, "reply not sent");
        free(buf);
    }
    {
        char inner[256];
        if (waiter_wait(w, inner, sizeof inner) != 0) {
            if (rc == 0)
                rc = conf_fail(why, why_cap, "%s", inner);
        } else if (rc == 0) {
            rc = check_maa(opt, &w->u.maa, resp, why, why_cap);
        }
    }
    mcx_envelope_free(req);
    mcx_envelope_free(resp);
    slot_close(&s);
    waiter_free(w);
    return rc;
out_nowait:
    slot_close(&s);
    waiter_free(w);
    return -1;
}

static int case_mar_forwarded(const struct conf_options *opt, char *why, size_t why_cap)
{
    return forwarded_mar(opt, 1, NULL, why, why_cap);
}

static int case_several_items(const struct conf_options *opt, char *why, size_t why_cap)
{
    return forwarded_mar(opt, 3, NULL, why, why_cap);
}

static int case_resync_passthrough(const struct conf_options *opt, char *why, size_t why_cap)
{
    uint8_t resync[MCX_MIGRATION_RESYNC_LEN];
    for (size_t i = 0; i < sizeof resync; i++)
        resync[i] = (uint8_t)(0x30 + i);
    return forwarded_mar(opt, 1, resync, why, why_cap);
}

/* Kind of reply the primary gives in reply_case(). */
enum reply_kind { REPLY_RESULT, REPLY_ERROR, REPLY_SILENT, REPLY_GARBAGE };

/* Sends a MAR, answers it as kind says and returns the MAA's effective code in *code. */
static int reply_case(const struct conf_options *opt, enum reply_kind kind, mcx_auth_result result,
                      uint32_t *code, bool *experimental, char *why, size_t why_cap)
{
    struct waiter *w = waiter_new();
    struct rep_slot s;
    mcx_envelope *req = NULL;
    int rc;
    if (!w || slot_open(&s, why, why_cap) != 0) {
        waiter_free(w);
        return conf_fail(why, why_cap, "set-up");
    }
    if (send_mar(opt, opt->partner_impi, opt->partner_impu, 1, NULL, w, why, why_cap) != 0) {
        slot_close(&s);
        waiter_free(w);
        return -1;
    }
    rc = rep_recv(s.ctx, s.aio, opt->wait_ms, &req, why, why_cap);
    if (rc == NNG_ETIMEDOUT)
        rc = conf_fail(why, why_cap, "no GetSipAuthInfoRequest reached the primary");
    if (rc == 0) {
        uint32_t dcode = 0;
        bool dexp = false;
        static const uint8_t junk[] = {0x0a, 0xff, 0xff, 0xff, 0x12, 0x00, 0x99};
        switch (kind) {
        case REPLY_RESULT:
            mcx_migration_result_to_diameter(result, &dcode, &dexp);
            rc = rep_send(s.ctx, s.aio,
                          mcx_envelope_new_response(req->transaction_id, opt->primary_system,
                                                    result, req->request->impi, req->request->impu,
                                                    dcode, dexp),
                          why, why_cap);
            break;
        case REPLY_ERROR:
            rc = rep_send(s.ctx, s.aio,
                          mcx_envelope_new_error(req->transaction_id, opt->primary_system,
                                                 MCX_MIGRATION_INTERNAL, "conformance: internal"),
                          why, why_cap);
            break;
        case REPLY_GARBAGE:
            rc = rep_send_bytes(s.ctx, s.aio, junk, sizeof junk) ? -1 : 0;
            break;
        case REPLY_SILENT:
            break;
        }
    }
    if (waiter_wait(w, rc == 0 ? why : (char[256]){0}, 256) != 0 && rc == 0)
        rc = -1;
    if (rc == 0) {
        *code = mcx_cx_result_code(&w->u.maa.result);
        *experimental = w->u.maa.result.experimental_code != 0;
        if (strcmp(w->u.maa.user_name, opt->partner_impi) != 0)
            rc = conf_fail(why, why_cap, "MAA User-Name '%s' is not the partner IMPI",
                           w->u.maa.user_name);
    }
    mcx_envelope_free(req);
    slot_close(&s);
    waiter_free(w);
    return rc;
}

static int case_result_mapping(const struct conf_options *opt, char *why, size_t why_cap)
{
    static const mcx_auth_result results[] = {
        MCX__MIGRATION__V1__RESULT__USER_UNKNOWN,
        MCX__MIGRATION__V1__RESULT__IDENTITIES_DONT_MATCH,
        MCX__MIGRATION__V1__RESULT__AUTH_SCHEME_NOT_SUPPORTED,
        MCX__MIGRATION__V1__RESULT__NOT_AUTHORIZED,
        MCX__MIGRATION__V1__RESULT__UNABLE_TO_COMPLY,
        MCX__MIGRATION__V1__RESULT__IDENTITY_NOT_REGISTERED,
        MCX__MIGRATION__V1__RESULT__ROAMING_NOT_ALLOWED,
    };
    for (size_t i = 0; i < sizeof results / sizeof results[0]; i++) {
        uint32_t want, got;
        bool want_exp, got_exp;
        char inner[256];
        mcx_migration_result_to_diameter(results[i], &want, &want_exp);
        if (reply_case(opt, REPLY_RESULT, results[i], &got, &got_exp, inner, sizeof inner))
            return conf_fail(why, why_cap, "%s: %s", mcx_migration_result_name(results[i]), inner);
        if (got != want || got_exp != want_exp)
            return conf_fail(why, why_cap, "%s gave %s %" PRIu32 ", expected %s %" PRIu32,
                             mcx_migration_result_name(results[i]),
                             got_exp ? "Experimental-Result" : "Result-Code", got,
                             want_exp ? "Experimental-Result" : "Result-Code", want);
    }
    return 0;
}

/* Expects MAA 5012 (base) after the primary replies as kind says. */
static int expect_5012(const struct conf_options *opt, enum reply_kind kind, char *why,
                       size_t why_cap)
{
    uint32_t code;
    bool exp;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = reply_case(opt, kind, MCX__MIGRATION__V1__RESULT__SUCCESS, &code, &exp, why, why_cap);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    drain(); /* resends of a request left unanswered */
    if (rc != 0)
        return -1;
    if (code != MCX_DIAMETER_UNABLE_TO_COMPLY || exp)
        return conf_fail(why, why_cap, "MAA result %" PRIu32 "%s, expected Result-Code 5012", code,
                         exp ? " (experimental)" : "");
    if (kind == REPLY_SILENT)
        fprintf(stderr, "conformance: silent primary -> 5012 after %ld ms\n",
                (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
    return 0;
}

static int case_error_response(const struct conf_options *opt, char *why, size_t why_cap)
{
    return expect_5012(opt, REPLY_ERROR, why, why_cap);
}

static int case_silent_primary(const struct conf_options *opt, char *why, size_t why_cap)
{
    return expect_5012(opt, REPLY_SILENT, why, why_cap);
}

static int case_wrong_transaction_id(const struct conf_options *opt, char *why, size_t why_cap)
{
    /* success_response() copies the request's tid; corrupt it through a custom request */
    struct waiter *w = waiter_new();
    struct rep_slot s;
    mcx_envelope *req = NULL;
    int rc;
    if (!w || slot_open(&s, why, why_cap) != 0) {
        waiter_free(w);
        return conf_fail(why, why_cap, "set-up");
    }
    if (send_mar(opt, opt->partner_impi, opt->partner_impu, 1, NULL, w, why, why_cap) != 0) {
        slot_close(&s);
        waiter_free(w);
        return -1;
    }
    rc = rep_recv(s.ctx, s.aio, opt->wait_ms, &req, why, why_cap);
    if (rc == NNG_ETIMEDOUT)
        rc = conf_fail(why, why_cap, "no GetSipAuthInfoRequest reached the primary");
    if (rc == 0) {
        char *orig = req->transaction_id;
        req->transaction_id = (char *)"not-the-transaction-id";
        rc = rep_send(s.ctx, s.aio, success_response(opt, req, 1, NULL), why, why_cap);
        req->transaction_id = orig;
    }
    if (rc == 0 && waiter_wait(w, why, why_cap) == 0) {
        uint32_t code = mcx_cx_result_code(&w->u.maa.result);
        if (code != MCX_DIAMETER_UNABLE_TO_COMPLY)
            rc = conf_fail(why, why_cap,
                           "a reply with another transaction id was accepted "
                           "(MAA %" PRIu32 ")",
                           code);
    } else if (rc == 0) {
        rc = -1;
    } else {
        char ignore[64];
        waiter_wait(w, ignore, sizeof ignore);
    }
    mcx_envelope_free(req);
    slot_close(&s);
    waiter_free(w);
    drain();
    return rc;
}

static int case_garbage_reply(const struct conf_options *opt, char *why, size_t why_cap)
{
    return expect_5012(opt, REPLY_GARBAGE, why, why_cap);
}

static int case_delayed_reply(const struct conf_options *opt, char *why, size_t why_cap)
{
    struct waiter *w = waiter_new();
    struct rep_slot s;
    mcx_envelope *req = NULL;
    int rc;
    if (!w || slot_open(&s, why, why_cap) != 0) {
        waiter_free(w);
        return conf_fail(why, why_cap, "set-up");
    }
    if (send_mar(opt, opt->partner_impi, opt->partner_impu, 1, NULL, w, why, why_cap) != 0) {
        slot_close(&s);
        waiter_free(w);
        return -1;
    }
    rc = rep_recv(s.ctx, s.aio, opt->wait_ms, &req, why, why_cap);
    if (rc == NNG_ETIMEDOUT)
        rc = conf_fail(why, why_cap, "no GetSipAuthInfoRequest reached the primary");
    if (rc == 0) {
        nng_msleep((nng_duration)(opt->partner_timeout_ms / 4)); /* within the budget */
        rc = rep_send(s.ctx, s.aio, success_response(opt, req, 1, NULL), why, why_cap);
    }
    if (waiter_wait(w, rc == 0 ? why : (char[256]){0}, 256) != 0 && rc == 0)
        rc = -1;
    if (rc == 0 && !mcx_cx_result_is_success(&w->u.maa.result))
        rc = conf_fail(why, why_cap, "a reply after %u ms gave MAA %" PRIu32,
                       opt->partner_timeout_ms / 4, mcx_cx_result_code(&w->u.maa.result));
    mcx_envelope_free(req);
    slot_close(&s);
    waiter_free(w);
    drain();
    return rc;
}

/* Sends a MAR that must be answered locally with code (experimental) and never forwarded. */
static int local_mar(const struct conf_options *opt, const char *impi, const char *impu,
                     uint32_t want, char *why, size_t why_cap)
{
    struct waiter *w = waiter_new();
    struct rep_slot s;
    mcx_envelope *req = NULL;
    int rc;
    if (!w || slot_open(&s, why, why_cap) != 0) {
        waiter_free(w);
        return conf_fail(why, why_cap, "set-up");
    }
    rc = send_mar(opt, impi, impu, 1, NULL, w, why, why_cap);
    if (rc == 0 && waiter_wait(w, why, why_cap) == 0) {
        if (w->u.maa.result.experimental_code != want)
            rc = conf_fail(why, why_cap, "MAA result %" PRIu32 ", expected Experimental %" PRIu32,
                           mcx_cx_result_code(&w->u.maa.result), want);
    } else if (rc == 0) {
        rc = -1;
    }
    if (rc == 0 && rep_recv(s.ctx, s.aio, 500, &req, why, why_cap) != NNG_ETIMEDOUT)
        rc = conf_fail(why, why_cap, "the request was forwarded to the primary");
    mcx_envelope_free(req);
    slot_close(&s);
    waiter_free(w);
    return rc;
}

static int case_unbound_identity(const struct conf_options *opt, char *why, size_t why_cap)
{
    return local_mar(opt, opt->unbound_impi, opt->unbound_impu, MCX_CX_ERROR_USER_UNKNOWN, why,
                     why_cap);
}

static int case_identities_dont_match(const struct conf_options *opt, char *why, size_t why_cap)
{
    return local_mar(opt, opt->partner_impi, opt->unbound_impu, MCX_CX_ERROR_IDENTITIES_DONT_MATCH,
                     why, why_cap);
}

/* UAR, SAR and LIR answered from the binding: registration cycle, nothing forwarded. */
static int case_uar_sar_lir_local(const struct conf_options *opt, char *why, size_t why_cap)
{
    struct mcx_cx_route route = route_of(opt);
    struct mcx_cx_error err;
    struct waiter *w = NULL;
    struct rep_slot s;
    mcx_envelope *req = NULL;
    char server[MCX_CX_IDENTITY_MAX];
    int rc = -1;

    snprintf(server, sizeof server, "sip:%.200s:5060", opt->dia_identity);
    if (slot_open(&s, why, why_cap) != 0)
        return -1;
    /* 1. UAR registration: first or subsequent registration, answered locally */
    {
        struct mcx_cx_uar uar;
        memset(&uar, 0, sizeof uar);
        snprintf(uar.user_name, sizeof uar.user_name, "%s", opt->partner_impi);
        snprintf(uar.public_identity, sizeof uar.public_identity, "%s", opt->partner_impu);
        snprintf(uar.visited_network, sizeof uar.visited_network, "%s", opt->dia_realm);
        if (!(w = waiter_new()) ||
            mcx_cx_send_uar(&route, &uar, cx_timeout(opt), on_uaa, w, &err) != 0 ||
            waiter_wait(w, why, why_cap) != 0) {
            conf_fail(why, why_cap, "UAR: no answer");
            goto out;
        }
        uint32_t c = w->u.uaa.result.experimental_code;
        if (c != MCX_CX_FIRST_REGISTRATION && c != MCX_CX_SUBSEQUENT_REGISTRATION) {
            conf_fail(why, why_cap, "UAR answered %" PRIu32 ", expected 2001/2002",
                      mcx_cx_result_code(&w->u.uaa.result));
            goto out;
        }
        waiter_free(w);
        w = NULL;
    }
    /* 2. SAR REGISTRATION: success, User-Data names the partner identities */
    {
        struct mcx_cx_sar sar;
        memset(&sar, 0, sizeof sar);
        snprintf(sar.user_name, sizeof sar.user_name, "%s", opt->partner_impi);
        snprintf(sar.public_identities[0], sizeof sar.public_identities[0], "%s",
                 opt->partner_impu);
        sar.public_identity_count = 1;
        snprintf(sar.server_name, sizeof sar.server_name, "%s", server);
        sar.assignment_type = MCX_CX_SAT_REGISTRATION;
        if (!(w = waiter_new()) ||
            mcx_cx_send_sar(&route, &sar, cx_timeout(opt), on_saa, w, &err) != 0 ||
            waiter_wait(w, why, why_cap) != 0) {
            conf_fail(why, why_cap, "SAR: no answer");
            goto out;
        }
        if (!mcx_cx_result_is_success(&w->u.saa.result)) {
            conf_fail(why, why_cap, "SAR REGISTRATION answered %" PRIu32,
                      mcx_cx_result_code(&w->u.saa.result));
            goto out;
        }
        char xml[MCX_CX_USER_DATA_MAX + 1];
        memcpy(xml, w->u.saa.user_data, w->u.saa.user_data_len);
        xml[w->u.saa.user_data_len] = '\0';
        if (!strstr(xml, "<IMSSubscription") || !strstr(xml, opt->partner_impu) ||
            !strstr(xml, opt->partner_impi) || strstr(xml, opt->primary_impu)) {
            conf_fail(why, why_cap, "SAA User-Data does not list the partner identities only");
            goto out;
        }
        waiter_free(w);
        w = NULL;
    }
    /* 3. LIR: the S-CSCF just assigned */
    {
        struct mcx_cx_lir lir;
        memset(&lir, 0, sizeof lir);
        snprintf(lir.public_identity, sizeof lir.public_identity, "%s", opt->partner_impu);
        if (!(w = waiter_new()) ||
            mcx_cx_send_lir(&route, &lir, cx_timeout(opt), on_lia, w, &err) != 0 ||
            waiter_wait(w, why, why_cap) != 0) {
            conf_fail(why, why_cap, "LIR: no answer");
            goto out;
        }
        if (!mcx_cx_result_is_success(&w->u.lia.result) ||
            strcmp(w->u.lia.server_name, server) != 0) {
            conf_fail(why, why_cap, "LIA %" PRIu32 " server '%s', expected success '%s'",
                      mcx_cx_result_code(&w->u.lia.result), w->u.lia.server_name, server);
            goto out;
        }
        waiter_free(w);
        w = NULL;
    }
    /* 4. SAR USER_DEREGISTRATION then LIR: not registered any more (5003) */
    {
        struct mcx_cx_sar sar;
        struct mcx_cx_lir lir;
        memset(&sar, 0, sizeof sar);
        snprintf(sar.user_name, sizeof sar.user_name, "%s", opt->partner_impi);
        snprintf(sar.public_identities[0], sizeof sar.public_identities[0], "%s",
                 opt->partner_impu);
        sar.public_identity_count = 1;
        snprintf(sar.server_name, sizeof sar.server_name, "%s", server);
        sar.assignment_type = MCX_CX_SAT_USER_DEREGISTRATION;
        if (!(w = waiter_new()) ||
            mcx_cx_send_sar(&route, &sar, cx_timeout(opt), on_saa, w, &err) != 0 ||
            waiter_wait(w, why, why_cap) != 0 || !mcx_cx_result_is_success(&w->u.saa.result)) {
            conf_fail(why, why_cap, "SAR USER_DEREGISTRATION failed");
            goto out;
        }
        waiter_free(w);
        memset(&lir, 0, sizeof lir);
        snprintf(lir.public_identity, sizeof lir.public_identity, "%s", opt->partner_impu);
        if (!(w = waiter_new()) ||
            mcx_cx_send_lir(&route, &lir, cx_timeout(opt), on_lia, w, &err) != 0 ||
            waiter_wait(w, why, why_cap) != 0) {
            conf_fail(why, why_cap, "LIR after deregistration: no answer");
            goto out;
        }
        if (w->u.lia.result.experimental_code != MCX_CX_ERROR_IDENTITY_NOT_REGISTERED) {
            conf_fail(why, why_cap, "LIR after deregistration answered %" PRIu32 ", expected 5003",
                      mcx_cx_result_code(&w->u.lia.result));
            goto out;
        }
    }
    if (rep_recv(s.ctx, s.aio, 300, &req, why, why_cap) != NNG_ETIMEDOUT) {
        conf_fail(why, why_cap, "UAR/SAR/LIR caused a request to the primary");
        goto out;
    }
    rc = 0;
out:
    mcx_envelope_free(req);
    waiter_free(w);
    slot_close(&s);
    return rc;
}

/* Many MARs at once: the primary holds every request before answering any (so the partner
 * must have them all in flight), then answers in reverse order. */
static int case_in_flight(const struct conf_options *opt, char *why, size_t why_cap)
{
    unsigned n = opt->in_flight, got = 0, ok = 0;
    struct waiter **w = calloc(n, sizeof *w);
    struct rep_slot *s = calloc(n, sizeof *s);
    mcx_envelope **req = calloc(n, sizeof *req);
    uint8_t(*rands)[16] = calloc(n, 16);
    int rc = -1;
    why[0] = '\0';
    if (!w || !s || !req || !rands)
        goto out;
    for (unsigned i = 0; i < n; i++)
        if (slot_open(&s[i], why, why_cap) != 0)
            goto out;
    for (unsigned i = 0; i < n; i++) {
        if (!(w[i] = waiter_new()) ||
            send_mar(opt, opt->partner_impi, opt->partner_impu, 1, NULL, w[i], why, why_cap)) {
            waiter_free(w[i]);
            w[i] = NULL;
            goto out;
        }
    }
    for (unsigned i = 0; i < n; i++) {
        nng_aio_set_timeout(s[i].aio, (nng_duration)opt->wait_ms);
        nng_ctx_recv(s[i].ctx, s[i].aio);
    }
    for (unsigned i = 0; i < n; i++) {
        nng_aio_wait(s[i].aio);
        if (nng_aio_result(s[i].aio) == 0) {
            nng_msg *msg = nng_aio_get_msg(s[i].aio);
            if (mcx_envelope_decode(nng_msg_body(msg), nng_msg_len(msg), 0, &req[i], NULL) ==
                    MCX_MIGRATION_OK &&
                req[i]->body_case == MCX_ENVELOPE_BODY_REQUEST)
                got++;
            else {
                mcx_envelope_free(req[i]);
                req[i] = NULL;
            }
            nng_msg_free(msg);
        }
    }
    if (got != n) {
        conf_fail(why, why_cap, "only %u of %u requests were in flight at once", got, n);
        for (unsigned i = 0; i < n; i++)
            if (req[i]) /* answer what came so that the MARs end */
                rep_send(s[i].ctx, s[i].aio, success_response(opt, req[i], 1, NULL), (char[64]){0},
                         64);
    } else {
        for (unsigned i = n; i-- > 0;)
            rep_send(s[i].ctx, s[i].aio, success_response(opt, req[i], 1, rands[i]), (char[64]){0},
                     64);
    }
    for (unsigned i = 0; i < n; i++) {
        char inner[128];
        if (waiter_wait(w[i], inner, sizeof inner) != 0 ||
            !mcx_cx_result_is_success(&w[i]->u.maa.result) || w[i]->u.maa.item_count != 1)
            continue;
        for (unsigned j = 0; j < n; j++)
            if (memcmp(w[i]->u.maa.items[0].authenticate, rands[j], 16) == 0) {
                memset(rands[j], 0, 16); /* each vector delivered once */
                ok++;
                break;
            }
    }
    if (got == n && ok != n)
        conf_fail(why, why_cap, "%u of %u MAAs carried their own vectors", ok, n);
    else if (got == n)
        rc = 0;
out:
    for (unsigned i = 0; w && i < n; i++)
        if (w[i]) {
            char ignore[64];
            waiter_wait(w[i], ignore, sizeof ignore);
            waiter_free(w[i]);
        }
    for (unsigned i = 0; s && i < n; i++)
        if (s[i].aio)
            slot_close(&s[i]);
    for (unsigned i = 0; req && i < n; i++)
        mcx_envelope_free(req[i]);
    free(w);
    free(s);
    free(req);
    free(rands);
    drain();
    return rc;
}

/* The primary goes away (5012) and comes back (the partner redials, service resumes). */
static int case_primary_restart(const struct conf_options *opt, char *why, size_t why_cap)
{
    struct waiter *w = waiter_new();
    int rc;
    if (!w)
        return conf_fail(why, why_cap, "out of memory");
    nng_close(g_rep);
    g_rep_open = false;
    rc = send_mar(opt, opt->partner_impi, opt->partner_impu, 1, NULL, w, why, why_cap);
    if (rc == 0 && waiter_wait(w, why, why_cap) == 0) {
        if (mcx_cx_result_code(&w->u.maa.result) != MCX_DIAMETER_UNABLE_TO_COMPLY)
            rc = conf_fail(why, why_cap, "primary down: MAA %" PRIu32 ", expected 5012",
                           mcx_cx_result_code(&w->u.maa.result));
    } else if (rc == 0) {
        rc = -1;
    }
    waiter_free(w);
    if (conf_rep_open(opt, &g_rep, why, why_cap) != 0)
        return -1;
    g_rep_open = true;
    if (rc != 0)
        return rc;
    if (forwarded_mar(opt, 1, NULL, why, why_cap) != 0) {
        char inner[256];
        snprintf(inner, sizeof inner, "%s", why);
        return conf_fail(why, why_cap, "after the primary came back: %s", inner);
    }
    return 0;
}

static const struct conf_case cases[] = {
    {"partner.mar_forwarded", case_mar_forwarded},
    {"partner.several_items", case_several_items},
    {"partner.resync_passthrough", case_resync_passthrough},
    {"partner.result_mapping", case_result_mapping},
    {"partner.error_response", case_error_response},
    {"partner.wrong_transaction_id", case_wrong_transaction_id},
    {"partner.garbage_reply", case_garbage_reply},
    {"partner.delayed_reply", case_delayed_reply},
    {"partner.silent_primary", case_silent_primary},
    {"partner.unbound_identity", case_unbound_identity},
    {"partner.identities_dont_match", case_identities_dont_match},
    {"partner.uar_sar_lir_local", case_uar_sar_lir_local},
    {"partner.in_flight", case_in_flight},
    {"partner.primary_restart", case_primary_restart},
};

/* Starts our Diameter core with the partner MMS as its only peer. */
static int diameter_up(const struct conf_options *opt, char *why, size_t why_cap)
{
    static struct mcx_diameter_config cfg;
    char err[256];
    mcx_diameter_config_defaults(&cfg);
    snprintf(cfg.identity, sizeof cfg.identity, "%s", opt->dia_identity);
    snprintf(cfg.realm, sizeof cfg.realm, "%s", opt->dia_realm);
    snprintf(cfg.listen_address, sizeof cfg.listen_address, "%s", opt->dia_address);
    cfg.listen_port = opt->dia_port;
    snprintf(cfg.state_dir, sizeof cfg.state_dir, "%s", opt->dia_state_dir);
    cfg.reconnect_seconds = 1;
    if (mcx_diameter_config_add_peer(&cfg, opt->peer_identity, opt->peer_address, opt->peer_port) !=
        0)
        return conf_fail(why, why_cap, "bad --peer-* options");
    if (mcx_diameter_init(&cfg, err, sizeof err) != 0 || mcx_diameter_start(err, sizeof err) != 0)
        return conf_fail(why, why_cap, "Diameter: %s", err);
    if (mcx_diameter_wait_peer(opt->peer_identity, opt->wait_ms * 2) != 0)
        return conf_fail(why, why_cap,
                         "the partner MMS %s at %s:%u did not open a Diameter "
                         "connection",
                         opt->peer_identity, opt->peer_address, opt->peer_port);
    return 0;
}

int conf_partner_run(const struct conf_options *opt, unsigned *passed, unsigned *failed)
{
    char why[512];
    if (conf_rep_open(opt, &g_rep, why, sizeof why) == 0)
        g_rep_open = true;
    if (!g_rep_open || diameter_up(opt, why, sizeof why) != 0) {
        printf("FAIL  partner.setup: %s\n", why);
        (*failed)++;
        if (g_rep_open)
            nng_close(g_rep);
        mcx_diameter_shutdown();
        return -1;
    }
    conf_run_cases(opt, cases, sizeof cases / sizeof cases[0], passed, failed);
    if (g_rep_open)
        nng_close(g_rep);
    mcx_diameter_shutdown();
    return 0;
}
