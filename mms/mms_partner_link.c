/* Partner side of the inter-system link: NNG REQ sockets, request slots (ctx + aio), timeout
 * and resend. */
#include "mms_partner_link.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/util/platform.h>

#include "core/log.h"
#include "mms_tls.h"

#define MAX_LINKS 16

enum slot_state { SLOT_IDLE, SLOT_SENDING, SLOT_RECEIVING };

struct link;

/* One request in flight: its own REQ context and aio, reused after completion. */
struct slot {
    struct link *link;
    nng_aio *aio;
    nng_ctx ctx;
    enum slot_state state;
    char tid[MCX_MIGRATION_TRANSACTION_ID_MAX + 1];
    nng_time deadline;
    mms_link_cb cb;
    void *arg;
    struct slot *next_free;
};

/* One REQ socket dialled to one primary MMS URL. */
struct link {
    char url[MMS_TEXT_MAX];
    nng_socket sock;
    nng_dialer dialer;
    pthread_mutex_t mu; /* free list and slot creation */
    struct slot **slots;
    size_t slot_count;
    struct slot *free_list;
};

static struct {
    const struct mms_config *cfg;
    pthread_mutex_t mu; /* the link table */
    /* Held for reading by every request from its link look-up until nng_ctx_send returned,
     * and for writing by mms_partner_links_close() while it sets `closing`: so no request can
     * still be using a link, slot or aio that the close frees (a send on an aio that
     * nng_aio_free() already stopped would never complete and keep its message). */
    pthread_rwlock_t use;
    struct link *links[MAX_LINKS];
    size_t link_count;
    bool closing;
} g = {.mu = PTHREAD_MUTEX_INITIALIZER, .use = PTHREAD_RWLOCK_INITIALIZER};

const char *mms_link_outcome_name(enum mms_link_outcome outcome)
{
    switch (outcome) {
    case MMS_LINK_REPLY:
        return "reply";
    case MMS_LINK_TIMEOUT:
        return "timeout";
    case MMS_LINK_BAD_REPLY:
        return "bad_reply";
    case MMS_LINK_BUSY:
        return "busy";
    case MMS_LINK_FAILED:
        return "failed";
    }
    return "unknown";
}

void mms_partner_links_init(const struct mms_config *cfg)
{
    g.cfg = cfg;
    g.closing = false;
}

/* Logs connection changes of a link (pipe added / removed). */
static void pipe_event(nng_pipe pipe, nng_pipe_ev ev, void *arg)
{
    struct link *link = arg;
    (void)pipe;
    if (ev == NNG_PIPE_EV_ADD_POST)
        MCX_INFO("link_up", "url=%s", link->url);
    else if (ev == NNG_PIPE_EV_REM_POST)
        MCX_WARN("link_down", "url=%s", link->url);
}

/* Returns the slot to its link's free list. */
static void slot_release(struct slot *s)
{
    struct link *link = s->link;
    s->state = SLOT_IDLE;
    s->cb = NULL;
    s->arg = NULL;
    pthread_mutex_lock(&link->mu);
    s->next_free = link->free_list;
    link->free_list = s;
    pthread_mutex_unlock(&link->mu);
}

/* Ends a request: calls the user callback once, then frees the slot for reuse (the slot is
 * not touched afterwards: another thread may take it at once). */
static void slot_finish(struct slot *s, enum mms_link_outcome outcome, const mcx_envelope *reply)
{
    s->cb(s->arg, outcome, reply);
    slot_release(s);
}

static enum mms_link_outcome outcome_of_error(int rv)
{
    return rv == NNG_ETIMEDOUT ? MMS_LINK_TIMEOUT : MMS_LINK_FAILED;
}

/* Decodes a reply and checks it answers our request. */
static void slot_reply(struct slot *s, nng_msg *msg)
{
    struct mcx_migration_status status;
    mcx_envelope *env = NULL;
    enum mcx_migration_error rc =
        mcx_envelope_decode(nng_msg_body(msg), nng_msg_len(msg), g.cfg->max_message, &env, &status);
    nng_msg_free(msg);
    if (rc != MCX_MIGRATION_OK) {
        MCX_WARN("link_bad_reply", "url=%s tid=%s error=%s detail=\"%s\"", s->link->url, s->tid,
                 mcx_migration_error_name(rc), status.detail);
        slot_finish(s, MMS_LINK_BAD_REPLY, NULL);
        return;
    }
    if (strcmp(env->transaction_id, s->tid) != 0 || env->body_case == MCX_ENVELOPE_BODY_REQUEST) {
        MCX_WARN("link_bad_reply", "url=%s tid=%s reply_tid=%s detail=\"%s\"", s->link->url, s->tid,
                 env->transaction_id,
                 env->body_case == MCX_ENVELOPE_BODY_REQUEST ? "request body in a reply"
                                                             : "transaction id mismatch");
        mcx_envelope_free(env);
        slot_finish(s, MMS_LINK_BAD_REPLY, NULL);
        return;
    }
    slot_finish(s, MMS_LINK_REPLY, env);
    mcx_envelope_free(env);
}

/* aio callback of a slot: send done -> receive; receive done -> reply. */
static void slot_cb(void *arg)
{
    struct slot *s = arg;
    int rv = nng_aio_result(s->aio);
    if (s->state == SLOT_SENDING) {
        if (rv != 0) {
            nng_msg *unsent = nng_aio_get_msg(s->aio);
            if (unsent)
                nng_msg_free(unsent);
            nng_aio_set_msg(s->aio, NULL);
            slot_finish(s, outcome_of_error(rv), NULL);
            return;
        }
        nng_time now = nng_clock();
        s->state = SLOT_RECEIVING;
        nng_aio_set_timeout(s->aio, s->deadline > now ? (nng_duration)(s->deadline - now) : 1);
        nng_ctx_recv(s->ctx, s->aio);
        return;
    }
    if (s->state == SLOT_RECEIVING) {
        if (rv != 0) {
            slot_finish(s, outcome_of_error(rv), NULL);
            return;
        }
        nng_msg *msg = nng_aio_get_msg(s->aio);
        nng_aio_set_msg(s->aio, NULL);
        slot_reply(s, msg);
    }
}

/* Creates a new slot on link (caller holds link->mu). NULL on failure. */
static struct slot *slot_new(struct link *link)
{
    struct slot *s = calloc(1, sizeof *s);
    struct slot **grown;
    if (!s)
        return NULL;
    s->link = link;
    if (nng_aio_alloc(&s->aio, slot_cb, s) != 0) {
        free(s);
        return NULL;
    }
    if (nng_ctx_open(&s->ctx, link->sock) != 0) {
        nng_aio_free(s->aio);
        free(s);
        return NULL;
    }
    if ((grown = realloc(link->slots, (link->slot_count + 1) * sizeof *grown)) == NULL) {
        nng_ctx_close(s->ctx);
        nng_aio_free(s->aio);
        free(s);
        return NULL;
    }
    link->slots = grown;
    link->slots[link->slot_count++] = s;
    return s;
}

/* Takes a free slot of link, creating one while under max_in_flight. NULL when all are busy. */
static struct slot *slot_take(struct link *link)
{
    struct slot *s;
    pthread_mutex_lock(&link->mu);
    if ((s = link->free_list) != NULL)
        link->free_list = s->next_free;
    else if (link->slot_count < g.cfg->max_in_flight)
        s = slot_new(link);
    pthread_mutex_unlock(&link->mu);
    return s;
}

/* Opens the REQ socket for url and starts dialling (non-blocking: the primary may be down). */
static struct link *link_open(const char *url, char *err, size_t err_cap)
{
    const struct mms_config *cfg = g.cfg;
    struct link *link;
    nng_duration resend;
    int rv;

    if (strlen(url) >= MMS_TEXT_MAX) {
        snprintf(err, err_cap, "primary MMS URL too long");
        return NULL;
    }
    if ((link = calloc(1, sizeof *link)) == NULL) {
        snprintf(err, err_cap, "out of memory");
        return NULL;
    }
    memcpy(link->url, url, strlen(url) + 1);
    pthread_mutex_init(&link->mu, NULL);
    resend = (nng_duration)(cfg->timeout_ms / (cfg->resends + 1));
    if ((rv = nng_req0_open(&link->sock)) != 0) {
        snprintf(err, err_cap, "REQ socket: %s", nng_strerror(rv));
        goto fail_mutex;
    }
    if ((rv = nng_socket_set_size(link->sock, NNG_OPT_RECVMAXSZ, cfg->max_message + 64)) ||
        (rv =
             nng_socket_set_ms(link->sock, NNG_OPT_REQ_RESENDTIME,
                               cfg->resends ? (resend > 0 ? resend : 1) : NNG_DURATION_INFINITE)) ||
        (rv = nng_socket_set_ms(link->sock, NNG_OPT_RECONNMINT,
                                (nng_duration)cfg->reconnect_min_ms)) ||
        (rv = nng_socket_set_ms(link->sock, NNG_OPT_RECONNMAXT,
                                (nng_duration)cfg->reconnect_max_ms)) ||
        (rv = nng_pipe_notify(link->sock, NNG_PIPE_EV_ADD_POST, pipe_event, link)) ||
        (rv = nng_pipe_notify(link->sock, NNG_PIPE_EV_REM_POST, pipe_event, link))) {
        snprintf(err, err_cap, "REQ socket options: %s", nng_strerror(rv));
        goto fail_sock;
    }
    if ((rv = nng_dialer_create(&link->dialer, link->sock, url)) != 0) {
        snprintf(err, err_cap, "cannot dial '%s': %s", url, nng_strerror(rv));
        goto fail_sock;
    }
    if (mms_url_is_tls(url)) {
        nng_tls_config *tls;
        if (mms_tls_config_new(&cfg->tls, false, cfg->tls.peer_name, &tls, err, err_cap) != 0)
            goto fail_sock;
        rv = nng_dialer_set_ptr(link->dialer, NNG_OPT_TLS_CONFIG, tls);
        nng_tls_config_free(tls);
        if (rv != 0) {
            snprintf(err, err_cap, "TLS on '%s': %s", url, nng_strerror(rv));
            goto fail_sock;
        }
    }
    if ((rv = nng_dialer_start(link->dialer, NNG_FLAG_NONBLOCK)) != 0) {
        snprintf(err, err_cap, "cannot dial '%s': %s", url, nng_strerror(rv));
        goto fail_sock;
    }
    MCX_INFO("link_dial", "url=%s timeout_ms=%u resends=%u max_in_flight=%u", url, cfg->timeout_ms,
             cfg->resends, cfg->max_in_flight);
    return link;
fail_sock:
    nng_close(link->sock);
fail_mutex:
    pthread_mutex_destroy(&link->mu);
    free(link);
    return NULL;
}

/* The link for url, opened on first use. */
static struct link *link_get(const char *url, char *err, size_t err_cap)
{
    struct link *link = NULL;
    pthread_mutex_lock(&g.mu);
    if (g.closing) {
        snprintf(err, err_cap, "shutting down");
        goto out;
    }
    for (size_t i = 0; i < g.link_count; i++)
        if (strcmp(g.links[i]->url, url) == 0) {
            link = g.links[i];
            goto out;
        }
    if (g.link_count == MAX_LINKS) {
        snprintf(err, err_cap, "more than %d primary MMS URLs", MAX_LINKS);
        goto out;
    }
    if ((link = link_open(url, err, err_cap)) != NULL)
        g.links[g.link_count++] = link;
out:
    pthread_mutex_unlock(&g.mu);
    return link;
}

int mms_partner_link_prepare(const char *url, char *err, size_t err_cap)
{
    pthread_rwlock_rdlock(&g.use);
    int rv = link_get(url, err, err_cap) ? 0 : -1;
    pthread_rwlock_unlock(&g.use);
    return rv;
}

int mms_partner_link_request(const char *url, const char *tid, const uint8_t *data, size_t len,
                             mms_link_cb cb, void *arg, char *err, size_t err_cap)
{
    struct link *link;
    struct slot *s;
    nng_msg *msg;
    int rv;

    if (strlen(tid) > MCX_MIGRATION_TRANSACTION_ID_MAX) {
        snprintf(err, err_cap, "transaction id too long");
        return -1;
    }
    pthread_rwlock_rdlock(&g.use);
    if ((link = link_get(url, err, err_cap)) == NULL) {
        pthread_rwlock_unlock(&g.use);
        return -1;
    }
    if ((rv = nng_msg_alloc(&msg, len)) != 0) {
        pthread_rwlock_unlock(&g.use);
        snprintf(err, err_cap, "message: %s", nng_strerror(rv));
        return -1;
    }
    memcpy(nng_msg_body(msg), data, len);
    if ((s = slot_take(link)) == NULL) {
        pthread_rwlock_unlock(&g.use);
        nng_msg_free(msg);
        cb(arg, MMS_LINK_BUSY, NULL);
        return 0;
    }
    s->cb = cb;
    s->arg = arg;
    memcpy(s->tid, tid, strlen(tid) + 1);
    s->deadline = nng_clock() + g.cfg->timeout_ms;
    s->state = SLOT_SENDING;
    nng_aio_set_msg(s->aio, msg);
    nng_aio_set_timeout(s->aio, (nng_duration)g.cfg->timeout_ms);
    nng_ctx_send(s->ctx, s->aio);
    pthread_rwlock_unlock(&g.use);
    return 0;
}

void mms_partner_links_close(void)
{
    pthread_rwlock_wrlock(&g.use); /* waits for requests being handed to NNG right now */
    pthread_mutex_lock(&g.mu);
    g.closing = true;
    pthread_mutex_unlock(&g.mu);
    pthread_rwlock_unlock(&g.use);
    /* No new link or request can start now; closing a socket ends its requests (ECLOSED). */
    for (size_t i = 0; i < g.link_count; i++)
        nng_close(g.links[i]->sock);
    for (size_t i = 0; i < g.link_count; i++) {
        struct link *link = g.links[i];
        for (size_t j = 0; j < link->slot_count; j++) {
            nng_aio_free(link->slots[j]->aio); /* waits for a running callback */
            free(link->slots[j]);
        }
        free(link->slots);
        pthread_mutex_destroy(&link->mu);
        free(link);
        g.links[i] = NULL;
    }
    g.link_count = 0;
}
