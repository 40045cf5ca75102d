/* Primary role: NNG REP socket with a pool of contexts; validation, authorisation, dispatch. */
#include "mms_primary_link.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/util/platform.h>

#include "core/log.h"
#include "migration/envelope.h"
#include "migration/result.h"
#include "mms_clock.h"
#include "mms_primary_authz.h"
#include "mms_primary_cx.h"
#include "mms_tls.h"

enum pslot_state { PS_RECEIVING, PS_WORKING, PS_SENDING };

/* One REP context: receives a request, works on it, sends the reply, receives again. */
struct pslot {
    nng_aio *aio;
    nng_ctx ctx;
    enum pslot_state state;
    uint64_t start_us;
    char tid[MCX_MIGRATION_TRANSACTION_ID_MAX + 1];
    char origin[MCX_MIGRATION_ORIGIN_MAX + 1];
    char impi[MCX_MIGRATION_IDENTITY_MAX + 1];
    char impu[MCX_MIGRATION_IDENTITY_MAX + 1];
};

static struct {
    const struct mms_config *cfg;
    struct mcx_store *store;
    nng_socket sock;
    bool sock_open;
    atomic_int working; /* slots waiting for the HSS */
    struct pslot *slots;
    unsigned slot_count;
    atomic_bool stopping;
} g;

/* Copies text into a fixed field, truncating (fields are validated lengths already). */
static void set_field(char *out, size_t cap, const char *text)
{
    snprintf(out, cap, "%s", text ? text : "");
}

static void arm_receive(struct pslot *s)
{
    s->state = PS_RECEIVING;
    s->tid[0] = s->origin[0] = s->impi[0] = s->impu[0] = '\0';
    nng_ctx_recv(s->ctx, s->aio);
}

/* Encodes env (consumed) and sends it on the slot's context; logs the request. */
static void send_reply(struct pslot *s, mcx_envelope *env, const char *result)
{
    struct mcx_migration_status status;
    uint8_t *buf = NULL;
    size_t len = 0;
    nng_msg *msg = NULL;

    if (env && mcx_envelope_encode_alloc(env, g.cfg->max_message, &buf, &len, &status) !=
                   MCX_MIGRATION_OK) {
        MCX_ERROR("link_encode", "tid=%s detail=\"%s\"", s->tid, status.detail);
        mcx_envelope_free(env);
        env = mcx_envelope_new_error(s->tid[0] ? s->tid : "unknown", g.cfg->system_id,
                                     MCX_MIGRATION_INTERNAL, "reply could not be encoded");
        result = "internal";
        if (env && mcx_envelope_encode_alloc(env, 0, &buf, &len, &status) != MCX_MIGRATION_OK)
            buf = NULL;
    }
    mcx_envelope_free(env);
    MCX_INFO("link_request", "tid=%s origin=%s impi=%s impu=%s result=%s latency_us=%" PRIu64,
             s->tid[0] ? s->tid : "-", s->origin[0] ? s->origin : "-", s->impi[0] ? s->impi : "-",
             s->impu[0] ? s->impu : "-", result, mms_now_us() - s->start_us);
    if (!buf || nng_msg_alloc(&msg, len) != 0) {
        free(buf);
        if (atomic_load(&g.stopping))
            return;
        arm_receive(s); /* no reply possible: the requester times out and resends */
        return;
    }
    memcpy(nng_msg_body(msg), buf, len);
    free(buf);
    s->state = PS_SENDING;
    nng_aio_set_msg(s->aio, msg);
    nng_ctx_send(s->ctx, s->aio);
}

static void send_error(struct pslot *s, enum mcx_migration_error code, const char *detail)
{
    mcx_envelope *env =
        mcx_envelope_new_error(s->tid[0] ? s->tid : "unknown", g.cfg->system_id, code, detail);
    char result[64];
    snprintf(result, sizeof result, "error_%s", mcx_migration_error_name(code));
    for (char *p = result; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    send_reply(s, env, result);
}

static void send_result(struct pslot *s, mcx_auth_result result)
{
    mcx_envelope *env =
        mcx_envelope_new_response(s->tid, g.cfg->system_id, result, s->impi, s->impu, 0, false);
    send_reply(s, env, mcx_migration_result_name(result));
}

/* The HSS answered (or did not): reply with the response envelope. */
static void on_cx_response(void *arg, mcx_envelope *response)
{
    struct pslot *s = arg;
    const char *result = "internal";
    if (!response) {
        send_error(s, MCX_MIGRATION_INTERNAL, "out of memory");
    } else {
        if (response->body_case == MCX_ENVELOPE_BODY_RESPONSE)
            result = mcx_migration_result_name(response->response->result);
        send_reply(s, response, result);
    }
    atomic_fetch_sub(&g.working, 1);
}

/* Handles one received request message (consumed). */
static void handle_request(struct pslot *s, nng_msg *msg)
{
    struct mcx_migration_status status;
    mcx_envelope *env = NULL;
    enum mcx_migration_error rc;
    enum mms_authz decision;

    s->start_us = mms_now_us();
    rc =
        mcx_envelope_decode(nng_msg_body(msg), nng_msg_len(msg), g.cfg->max_message, &env, &status);
    nng_msg_free(msg);
    if (rc != MCX_MIGRATION_OK) {
        set_field(s->tid, sizeof s->tid, status.transaction_id);
        send_error(s, rc, status.detail);
        return;
    }
    set_field(s->tid, sizeof s->tid, env->transaction_id);
    set_field(s->origin, sizeof s->origin, env->origin_system);
    if (env->body_case != MCX_ENVELOPE_BODY_REQUEST) {
        mcx_envelope_free(env);
        send_error(s, MCX_MIGRATION_UNEXPECTED_BODY, "only GetSipAuthInfoRequest is served");
        return;
    }
    set_field(s->impi, sizeof s->impi, env->request->impi);
    set_field(s->impu, sizeof s->impu, env->request->impu);
    if (!mms_config_is_partner(g.cfg, env->origin_system)) {
        mcx_envelope_free(env);
        send_error(s, MCX_MIGRATION_UNKNOWN_ORIGIN, "origin_system is not a configured partner");
        return;
    }
    decision = mms_primary_authorize(g.store, env->origin_system, env->request->impi);
    if (decision != MMS_AUTHZ_ALLOWED) {
        mcx_envelope_free(env);
        send_result(s, decision == MMS_AUTHZ_USER_UNKNOWN ? MCX__MIGRATION__V1__RESULT__USER_UNKNOWN
                       : decision == MMS_AUTHZ_DENIED
                           ? MCX__MIGRATION__V1__RESULT__NOT_AUTHORIZED
                           : MCX__MIGRATION__V1__RESULT__UNABLE_TO_COMPLY);
        return;
    }
    s->state = PS_WORKING;
    atomic_fetch_add(&g.working, 1);
    if (mms_primary_cx_send(g.cfg, s->tid, env->request, on_cx_response, s) != 0) {
        atomic_fetch_sub(&g.working, 1);
        mcx_envelope_free(env);
        send_result(s, MCX__MIGRATION__V1__RESULT__UNABLE_TO_COMPLY);
        return;
    }
    mcx_envelope_free(env);
}

/* aio callback of a context. */
static void pslot_cb(void *arg)
{
    struct pslot *s = arg;
    int rv = nng_aio_result(s->aio);
    if (s->state == PS_SENDING) {
        if (rv != 0) {
            nng_msg *unsent = nng_aio_get_msg(s->aio);
            if (unsent)
                nng_msg_free(unsent);
            nng_aio_set_msg(s->aio, NULL);
            if (rv != NNG_ECLOSED)
                MCX_WARN("link_send_failed", "tid=%s detail=\"%s\"", s->tid, nng_strerror(rv));
        }
        if (rv == NNG_ECLOSED || atomic_load(&g.stopping))
            return;
        arm_receive(s);
        return;
    }
    if (rv != 0) {
        if (rv == NNG_ECLOSED || atomic_load(&g.stopping))
            return;
        arm_receive(s);
        return;
    }
    nng_msg *msg = nng_aio_get_msg(s->aio);
    nng_aio_set_msg(s->aio, NULL);
    handle_request(s, msg);
}

int mms_primary_link_start(const struct mms_config *cfg, struct mcx_store *store, char *err,
                           size_t err_cap)
{
    nng_listener listener;
    int rv;

    g.cfg = cfg;
    g.store = store;
    atomic_store(&g.stopping, false);
    if ((rv = nng_rep0_open(&g.sock)) != 0) {
        snprintf(err, err_cap, "REP socket: %s", nng_strerror(rv));
        return -1;
    }
    g.sock_open = true;
    /* NNG drops (closes the connection of) anything longer; shorter-but-too-large messages
     * reach lib/migration, which answers TOO_LARGE. */
    if ((rv = nng_socket_set_size(g.sock, NNG_OPT_RECVMAXSZ, cfg->max_message + 1024)) != 0) {
        snprintf(err, err_cap, "REP socket options: %s", nng_strerror(rv));
        goto fail;
    }
    if ((rv = nng_listener_create(&listener, g.sock, cfg->listen_url)) != 0) {
        snprintf(err, err_cap, "cannot listen on '%s': %s", cfg->listen_url, nng_strerror(rv));
        goto fail;
    }
    if (mms_url_is_tls(cfg->listen_url)) {
        nng_tls_config *tls;
        if (mms_tls_config_new(&cfg->tls, true, NULL, &tls, err, err_cap) != 0)
            goto fail;
        rv = nng_listener_set_ptr(listener, NNG_OPT_TLS_CONFIG, tls);
        nng_tls_config_free(tls);
        if (rv != 0) {
            snprintf(err, err_cap, "TLS on '%s': %s", cfg->listen_url, nng_strerror(rv));
            goto fail;
        }
    }
    if ((rv = nng_listener_start(listener, 0)) != 0) {
        snprintf(err, err_cap, "cannot listen on '%s': %s", cfg->listen_url, nng_strerror(rv));
        goto fail;
    }
    if ((g.slots = calloc(cfg->contexts, sizeof *g.slots)) == NULL) {
        snprintf(err, err_cap, "out of memory");
        goto fail;
    }
    for (unsigned i = 0; i < cfg->contexts; i++) {
        struct pslot *s = &g.slots[i];
        if ((rv = nng_aio_alloc(&s->aio, pslot_cb, s)) != 0 ||
            (rv = nng_ctx_open(&s->ctx, g.sock)) != 0) {
            if (s->aio)
                nng_aio_free(s->aio);
            s->aio = NULL;
            snprintf(err, err_cap, "REP context: %s", nng_strerror(rv));
            goto fail;
        }
        g.slot_count++;
    }
    for (unsigned i = 0; i < g.slot_count; i++)
        arm_receive(&g.slots[i]);
    MCX_INFO("link_listen", "url=%s contexts=%u max_message=%zu", cfg->listen_url, cfg->contexts,
             cfg->max_message);
    return 0;
fail:
    mms_primary_link_stop();
    return -1;
}

void mms_primary_link_stop(void)
{
    unsigned waited_ms = 0;
    atomic_store(&g.stopping, true);
    if (g.sock_open) {
        nng_close(g.sock);
        g.sock_open = false;
    }
    /* A slot waiting for the HSS is touched by its MAA callback: wait for those (each ends by
     * the Cx timeout at the latest) before freeing. */
    while (atomic_load(&g.working) > 0 && waited_ms < g.cfg->hss_timeout_ms + 2000) {
        nng_msleep(10);
        waited_ms += 10;
    }
    if (atomic_load(&g.working) > 0) {
        MCX_WARN("link_stop", "detail=\"HSS answers still pending; contexts left allocated\"");
        return;
    }
    for (unsigned i = 0; i < g.slot_count; i++)
        nng_aio_free(g.slots[i].aio);
    free(g.slots);
    g.slots = NULL;
    g.slot_count = 0;
}
