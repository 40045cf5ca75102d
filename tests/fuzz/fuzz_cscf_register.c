/* libFuzzer target: mcx-cscf's registrar (REGISTER handling, Authorization, contacts, expiry,
 * retransmission cache, response building) over arbitrary SIP input. The input is up to four
 * NUL-separated messages handled in order by a fresh registrar; its first byte chooses how the
 * Cx side answers (success with an AKA or MD5 vector, error results, timeouts, failed sends).
 * The answers are queued and run on the "worker" after each message, as in mcx-cscf. The AKA
 * vector is fixed, so a seed can answer its nonce (base64 of the RAND||AUTN below). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "registrar.h"

#define MAX_QUEUE 16

struct harness {
    uint8_t mode;
    struct reg_txn *queue[MAX_QUEUE];
    size_t queued;
    size_t sent;
    unsigned calls;
};

static struct harness H;

static const uint8_t rand_autn[32] = {
    0x23, 0x55, 0x3c, 0xbe, 0x96, 0x37, 0xa8, 0x9d, 0x21, 0x8a, 0xe6, 0x4d, 0xae, 0x47, 0xbf, 0x35,
    0x55, 0xf3, 0x28, 0xb4, 0x35, 0x77, 0xb9, 0xb9, 0x4a, 0x9f, 0xfa, 0xc3, 0x54, 0xdf, 0xaf, 0xb3};
static const uint8_t xres[8] = {0xa5, 0x42, 0x11, 0xd5, 0xe3, 0xba, 0x50, 0xbf};

/* Fills the answer for the request kind by the mode bits, then queues the transaction. */
static int answer(struct reg_txn *txn, int kind)
{
    uint8_t m = (uint8_t)(H.mode >> (2 * kind));
    H.calls++;
    if ((m & 3) == 3 && (H.calls & 1))
        return -1; /* the send itself fails */
    struct cscf_cx_result *r = reg_txn_cx_result(txn);
    memset(r, 0, sizeof *r);
    switch (m & 3) {
    case 1:
        r->outcome = CSCF_CX_TIMEOUT;
        break;
    case 2:
        r->outcome = CSCF_CX_ANSWERED;
        r->u.maa.result.experimental_code = (H.calls & 2) ? MCX_CX_ERROR_USER_UNKNOWN : 0;
        r->u.maa.result.result_code = (H.calls & 2) ? 0 : MCX_DIAMETER_UNABLE_TO_DELIVER;
        break;
    default:
        r->outcome = CSCF_CX_ANSWERED;
        if (kind == 1) {
            struct mcx_cx_maa *maa = &r->u.maa;
            maa->result.result_code = MCX_DIAMETER_SUCCESS;
            maa->item_count = 2;
            for (size_t i = 0; i < 2; i++) {
                struct mcx_cx_auth_item *it = &maa->items[i];
                if ((H.mode & 0x80) && i == 0) {
                    strcpy(it->scheme, MCX_CX_SCHEME_SIP_DIGEST);
                    it->has_digest = true;
                    strcpy(it->digest_realm, "mcx.lab");
                    strcpy(it->digest_ha1, "939e7578ed9e3c518a452acee763bce9");
                } else {
                    strcpy(it->scheme, MCX_CX_SCHEME_AKAV1);
                    memcpy(it->authenticate, rand_autn, 32);
                    it->authenticate_len = 32;
                    memcpy(it->authorization, xres, 8);
                    it->authorization_len = 8;
                    it->has_ck = it->has_ik = true;
                }
            }
        } else if (kind == 2) {
            static const char xml[] = "<Identity>sip:a@mcx.lab</Identity><Identity>tel:1";
            r->u.saa.result.result_code = MCX_DIAMETER_SUCCESS;
            memcpy(r->u.saa.user_data, xml, sizeof xml - 1);
            r->u.saa.user_data_len = sizeof xml - 1;
        } else {
            r->u.uaa.result.experimental_code = MCX_CX_FIRST_REGISTRATION;
        }
    }
    reg_txn_cx_done(txn);
    return 0;
}

static int send_uar(void *impl, const struct mcx_cx_route *r, const struct mcx_cx_uar *q,
                    struct reg_txn *t)
{
    (void)impl, (void)r, (void)q;
    return answer(t, 0);
}

static int send_mar(void *impl, const struct mcx_cx_route *r, const struct mcx_cx_mar *q,
                    struct reg_txn *t)
{
    (void)impl, (void)r, (void)q;
    return answer(t, 1);
}

static int send_sar(void *impl, const struct mcx_cx_route *r, const struct mcx_cx_sar *q,
                    struct reg_txn *t)
{
    (void)impl, (void)r, (void)q;
    return answer(t, 2);
}

static void env_send(void *ctx, const struct cscf_peer *to, const char *buf, size_t len)
{
    (void)ctx, (void)to, (void)buf;
    H.sent += len;
}

static void env_post(void *ctx, struct reg_txn *txn)
{
    struct reg_worker *w = ctx;
    if (H.queued < MAX_QUEUE)
        H.queue[H.queued++] = txn;
    else
        reg_worker_on_cx_done(w, txn, 0); /* cannot happen: one exchange at a time */
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    mcx_log_init("fuzz", MCX_LOG_ERROR, NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    memset(&H, 0, sizeof H);
    H.mode = data[0];
    struct registrar_config cfg;
    registrar_config_defaults(&cfg);
    strcpy(cfg.server_name, "sip:scscf.mcx.lab");
    strcpy(cfg.service_route, "<sip:orig@127.0.0.1;lr>");
    cfg.auth_items = 2;
    cfg.txn_max = 16;
    cscf_route_add(&cfg.routes, "*@mig.mcx.lab", "mig.mcx.lab", "mms.mcx.lab");
    cscf_route_add(&cfg.routes, "*@mcx.lab", "mcx.lab", "hss.mcx.lab");
    struct cscf_cx_ops cx = {send_uar, send_mar, send_sar, NULL};
    static struct registrar reg;
    static struct reg_worker w;
    if (registrar_init(&reg, &cfg, &cx, 4) != 0)
        return 0;
    struct reg_worker_env env = {env_send, env_post, &w};
    if (reg_worker_init(&w, &reg, &env, 0, 1) != 0) {
        registrar_destroy(&reg);
        return 0;
    }
    struct cscf_peer from = {.transport = CSCF_UDP};
    const uint8_t *p = data + 1;
    size_t left = size - 1;
    uint64_t now = 1000;
    for (int i = 0; i < 4 && left; i++) {
        const uint8_t *nul = memchr(p, 0, left);
        size_t len = nul ? (size_t)(nul - p) : left;
        /* exact-size copy so that any over-read is caught */
        char *msg = malloc(len ? len : 1);
        if (!msg)
            break;
        memcpy(msg, p, len);
        reg_worker_on_message(&w, msg, len, &from, now);
        free(msg); /* the registrar must not keep pointers into the receive buffer */
        /* run the queued Cx answers; each may queue the next exchange */
        for (size_t q = 0; q < H.queued; q++)
            reg_worker_on_cx_done(&w, H.queue[q], now);
        H.queued = 0;
        now += (H.mode & 0x40) ? 40000 : 10; /* sometimes let nonces and bindings expire */
        reg_worker_tick(&w, now);
        for (size_t q = 0; q < H.queued; q++)
            reg_worker_on_cx_done(&w, H.queue[q], now);
        H.queued = 0;
        if (!nul)
            break;
        p = nul + 1;
        left -= len + 1;
    }
    now += 8000000; /* every binding expires: timeout SARs */
    reg_worker_tick(&w, now);
    for (size_t q = 0; q < H.queued; q++)
        reg_worker_on_cx_done(&w, H.queue[q], now);
    H.queued = 0;
    reg_worker_destroy(&w);
    registrar_destroy(&reg);
    return 0;
}
