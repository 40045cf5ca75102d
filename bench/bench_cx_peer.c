/* B2 baseline: a Cx peer that answers every MAR at once without touching a store.
 *
 *   bench-cx-peer --identity ID --realm R --address A --port P --state-dir DIR
 *
 * Each MAR is answered 2001 with SIP-Number-Auth-Items AKA vectors (at most 4) made with
 * Milenage from one fixed lab key and an in-memory SQN counter, so the answer has the size and
 * the crypto of the one mcx-hss sends; only the subscriber lookup and the atomic SQN advance in
 * the database are missing. UAR, SAR and LIR are not served (the library answers 3001).
 * Accepts any peer of its own realm. Logs event=ready when listening; SIGTERM/SIGINT stop it. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aka/aka.h"
#include "core/log.h"
#include "cx/cx_server.h"
#include "cx/diameter.h"

#define PEER_MAX_ITEMS 4

static const uint8_t lab_k[16] = {0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f,
                                  0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc};
static const uint8_t lab_opc[16] = {0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e,
                                    0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf};
static const uint8_t lab_amf[2] = {0x80, 0x00};

static atomic_uint_fast64_t next_seq = 1;

/* Answers one MAR with vectors from the fixed key. */
static void on_mar(void *ctx, struct mcx_cx_txn *txn, const struct mcx_cx_mar *req)
{
    (void)ctx;
    static _Thread_local struct mcx_cx_maa maa;
    unsigned n = req->number_auth_items == 0 ? 1 : req->number_auth_items;
    if (n > PEER_MAX_ITEMS)
        n = PEER_MAX_ITEMS;
    memset(&maa, 0, sizeof maa);
    mcx_cx_result_set_success(&maa.result);
    maa.number_auth_items = n;
    maa.item_count = n;
    uint64_t seq = atomic_fetch_add(&next_seq, n);
    for (unsigned i = 0; i < n; i++) {
        struct mcx_aka_vector v;
        struct mcx_cx_auth_item *item = &maa.items[i];
        if (mcx_aka_vector_generate(lab_k, lab_opc, mcx_sqn_for_seq((seq + i) & MCX_AKA_SEQ_MAX),
                                    lab_amf, &v) != 0) {
            struct mcx_cx_result fail;
            mcx_cx_result_set_base(&fail, MCX_DIAMETER_UNABLE_TO_COMPLY);
            mcx_cx_answer_result(txn, &fail);
            return;
        }
        item->item_number = i + 1;
        snprintf(item->scheme, sizeof item->scheme, "%s", req->scheme);
        memcpy(item->authenticate, v.rand, MCX_AKA_RAND_LEN);
        memcpy(item->authenticate + MCX_AKA_RAND_LEN, v.autn, MCX_AKA_AUTN_LEN);
        item->authenticate_len = MCX_AKA_RAND_LEN + MCX_AKA_AUTN_LEN;
        memcpy(item->authorization, v.xres, v.xres_len);
        item->authorization_len = v.xres_len;
        item->has_ck = item->has_ik = true;
        memcpy(item->ck, v.ck, sizeof item->ck);
        memcpy(item->ik, v.ik, sizeof item->ik);
    }
    mcx_cx_answer_maa(txn, &maa);
}

static int usage(int status)
{
    fprintf(status ? stderr : stdout,
            "usage: bench-cx-peer --identity ID --realm R --address A --port P "
            "--state-dir DIR\n");
    return status;
}

int main(int argc, char **argv)
{
    struct mcx_diameter_config cfg;
    static const struct option opts[] = {{"identity", required_argument, NULL, 'i'},
                                         {"realm", required_argument, NULL, 'r'},
                                         {"address", required_argument, NULL, 'a'},
                                         {"port", required_argument, NULL, 'p'},
                                         {"state-dir", required_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    char accept[MCX_DIAMETER_ID_MAX + 2];
    char err[256];
    int c;

    mcx_log_init("bench-cx-peer", MCX_LOG_INFO, NULL);
    mcx_diameter_config_defaults(&cfg);
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *field = NULL;
        size_t cap = 0;
        switch (c) {
        case 'i':
            field = cfg.identity, cap = sizeof cfg.identity;
            break;
        case 'r':
            field = cfg.realm, cap = sizeof cfg.realm;
            break;
        case 'a':
            field = cfg.listen_address, cap = sizeof cfg.listen_address;
            break;
        case 's':
            field = cfg.state_dir, cap = sizeof cfg.state_dir;
            break;
        case 'p': {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || v == 0 || v > 65535)
                return usage(2);
            cfg.listen_port = (uint16_t)v;
            continue;
        }
        case 'h':
            return usage(0);
        default:
            return usage(2);
        }
        if (strlen(optarg) >= cap)
            return usage(2);
        memcpy(field, optarg, strlen(optarg) + 1);
    }
    if (optind != argc || !cfg.identity[0] || !cfg.realm[0] || !cfg.listen_address[0] ||
        !cfg.listen_port || !cfg.state_dir[0])
        return usage(2);
    snprintf(accept, sizeof accept, "*.%s", cfg.realm);
    if (mcx_diameter_config_add_accept(&cfg, accept) != 0)
        return usage(2);

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    if (mcx_diameter_init(&cfg, err, sizeof err) != 0 || mcx_cx_serve_mar(on_mar, NULL) != 0 ||
        mcx_diameter_start(err, sizeof err) != 0) {
        MCX_ERROR("start_failed", "reason=\"%s\"", err);
        mcx_diameter_shutdown();
        return 1;
    }
    MCX_INFO("ready", "identity=%s port=%u", cfg.identity, cfg.listen_port);
    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    mcx_diameter_shutdown();
    return 0;
}
