/* Live Cx over loopback: two processes, each with its own embedded freeDiameter core.
 *
 * The forked child is a Cx server ("hss.test.lab" on 127.0.0.1) answering MAR/UAR/SAR/LIR
 * with fixed data; it never answers a MAR for silent@test.lab (timeout path) and answers a MAR
 * for deferred@test.lab from another thread. The parent is the client ("client.test.lab" on
 * 127.0.0.2), which the server accepts through its accept list. Ports are free ports picked at
 * start. The child is stopped with SIGTERM in teardown (and dies with the parent otherwise). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>

#include "core/log.h"
#include "cx/cx_client.h"
#include "cx/cx_dict.h"
#include "cx/cx_server.h"
#include "cx/diameter.h"

#include "cx_test_pki.h"
#include "cx_test_util.h"

#define SERVER_ID   "hss.test.lab"
#define SERVER_ADDR "127.0.0.1"
#define CLIENT_ID   "client.test.lab"
#define CLIENT_ADDR "127.0.0.2"
#define REALM       "test.lab"
#define XML         "<IMSSubscription><PrivateID>alice@test.lab</PrivateID></IMSSubscription>"

static uint16_t server_port, client_port;
static pid_t server_pid = -1;
static char server_dir[] = "/tmp/mcx-cx-live-srv-XXXXXX";
static char client_dir[] = "/tmp/mcx-cx-live-cli-XXXXXX";
static bool use_tls; /* argv[1] == "tls": every exchange over TLS with a test CA */
static char pki_dir[] = "/tmp/mcx-cx-live-pki-XXXXXX";
static char client_log[600]; /* the client's log, captured at debug level */
static FILE *client_log_file;

/* ---------------------------------------------------------------- server (child) ---- */

static struct mcx_cx_txn *held_txn; /* the MAR we never answer */
static struct mcx_cx_txn *late_txn; /* answered when release@test.lab arrives */
static struct mcx_cx_mar late_mar;

static void fill_vectors(struct mcx_cx_maa *maa, const struct mcx_cx_mar *mar)
{
    memset(maa, 0, sizeof *maa);
    mcx_cx_result_set_success(&maa->result);
    maa->item_count = mar->number_auth_items > 2 ? 2 : mar->number_auth_items;
    maa->number_auth_items = (uint32_t)maa->item_count;
    for (size_t i = 0; i < maa->item_count; i++) {
        struct mcx_cx_auth_item *it = &maa->items[i];
        it->item_number = (uint32_t)i + 1;
        snprintf(it->scheme, sizeof it->scheme, MCX_CX_SCHEME_AKAV1);
        if (mar->authorization_len) { /* resync: echo RAND||AUTS so the client can check it */
            memcpy(it->authenticate, mar->authorization, mar->authorization_len);
            it->authenticate_len = mar->authorization_len;
        } else {
            for (int b = 0; b < 32; b++)
                it->authenticate[b] = (uint8_t)(b + 16 * i);
            it->authenticate_len = 32;
        }
        memcpy(it->authorization, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
        it->authorization_len = 8;
        it->has_ck = it->has_ik = true;
        memset(it->ck, 0xcc, 16);
        memset(it->ik, 0x11, 16);
    }
}

struct deferred {
    struct mcx_cx_txn *txn;
    struct mcx_cx_mar mar;
};

static void *answer_later(void *arg)
{
    struct deferred *d = arg;
    struct mcx_cx_maa maa;
    struct timespec pause = {0, 50 * 1000000L};
    nanosleep(&pause, NULL);
    fill_vectors(&maa, &d->mar);
    mcx_cx_answer_maa(d->txn, &maa);
    free(d);
    return NULL;
}

static void on_mar(void *ctx, struct mcx_cx_txn *txn, const struct mcx_cx_mar *mar)
{
    (void)ctx;
    struct mcx_cx_maa maa;
    if (strcmp(mar->user_name, "silent@test.lab") == 0) {
        held_txn = txn;
        return;
    }
    if (strcmp(mar->user_name, "late@test.lab") == 0) {
        late_txn = txn;
        late_mar = *mar;
        return;
    }
    if (strcmp(mar->user_name, "release@test.lab") == 0 && late_txn) {
        fill_vectors(&maa, &late_mar); /* after the client gave up: it must drop this */
        mcx_cx_answer_maa(late_txn, &maa);
        late_txn = NULL;
    }
    if (strcmp(mar->user_name, "unknown@test.lab") == 0) {
        struct mcx_cx_result r;
        mcx_cx_result_set_experimental(&r, MCX_CX_ERROR_USER_UNKNOWN);
        mcx_cx_answer_result(txn, &r);
        return;
    }
    if (strcmp(mar->user_name, "deferred@test.lab") == 0) {
        struct deferred *d = malloc(sizeof *d);
        pthread_t th;
        d->txn = txn;
        d->mar = *mar;
        pthread_create(&th, NULL, answer_later, d);
        pthread_detach(th);
        return;
    }
    fill_vectors(&maa, mar);
    mcx_cx_answer_maa(txn, &maa);
}

static void on_uar(void *ctx, struct mcx_cx_txn *txn, const struct mcx_cx_uar *uar)
{
    (void)ctx;
    struct mcx_cx_uaa uaa;
    memset(&uaa, 0, sizeof uaa);
    mcx_cx_result_set_experimental(&uaa.result, MCX_CX_FIRST_REGISTRATION);
    snprintf(uaa.server_name, sizeof uaa.server_name, "sip:scscf.%.200s", uar->visited_network);
    mcx_cx_answer_uaa(txn, &uaa);
}

static void on_sar(void *ctx, struct mcx_cx_txn *txn, const struct mcx_cx_sar *sar)
{
    (void)ctx;
    struct mcx_cx_saa *saa = calloc(1, sizeof *saa);
    mcx_cx_result_set_success(&saa->result);
    if (sar->assignment_type == MCX_CX_SAT_REGISTRATION) {
        memcpy(saa->user_data, XML, sizeof XML - 1);
        saa->user_data_len = sizeof XML - 1;
    }
    mcx_cx_answer_saa(txn, saa);
    free(saa);
}

static void on_lir(void *ctx, struct mcx_cx_txn *txn, const struct mcx_cx_lir *lir)
{
    (void)ctx;
    struct mcx_cx_lia lia;
    memset(&lia, 0, sizeof lia);
    mcx_cx_result_set_success(&lia.result);
    snprintf(lia.server_name, sizeof lia.server_name, "sip:scscf.%s",
             lir->originating_request ? "orig.test.lab" : "term.test.lab");
    mcx_cx_answer_lia(txn, &lia);
}

static void base_config(struct mcx_diameter_config *cfg, const char *id, const char *addr,
                        uint16_t port, const char *dir)
{
    mcx_diameter_config_defaults(cfg);
    snprintf(cfg->identity, sizeof cfg->identity, "%s", id);
    snprintf(cfg->realm, sizeof cfg->realm, REALM);
    snprintf(cfg->listen_address, sizeof cfg->listen_address, "%s", addr);
    cfg->listen_port = port;
    cfg->reconnect_seconds = 1;
    snprintf(cfg->state_dir, sizeof cfg->state_dir, "%s", dir);
    if (use_tls) {
        cfg->tls = true;
        snprintf(cfg->tls_cert, sizeof cfg->tls_cert, "%s/%s-cert.pem", pki_dir, id);
        snprintf(cfg->tls_key, sizeof cfg->tls_key, "%s/%s-key.pem", pki_dir, id);
        snprintf(cfg->tls_ca, sizeof cfg->tls_ca, "%s/ca.pem", pki_dir);
    }
}

/* The child: a Cx server until SIGTERM. */
static void run_server(void)
{
    struct mcx_diameter_config cfg;
    char err[256];
    sigset_t set;
    int sig;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* freeDiameter's threads inherit this */
    mcx_log_init("cx_live_server", MCX_LOG_WARN, NULL);
    base_config(&cfg, SERVER_ID, SERVER_ADDR, server_port, server_dir);
    mcx_diameter_config_add_accept(&cfg, CLIENT_ID);
    if (mcx_diameter_init(&cfg, err, sizeof err) != 0 || mcx_cx_serve_mar(on_mar, NULL) != 0 ||
        mcx_cx_serve_uar(on_uar, NULL) != 0 || mcx_cx_serve_sar(on_sar, NULL) != 0 ||
        mcx_cx_serve_lir(on_lir, NULL) != 0 || mcx_diameter_start(err, sizeof err) != 0) {
        fprintf(stderr, "server: %s\n", err);
        _exit(1);
    }
    sigwait(&set, &sig);
    if (held_txn) {
        struct mcx_cx_result r;
        mcx_cx_result_set_base(&r, MCX_DIAMETER_UNABLE_TO_COMPLY);
        mcx_cx_answer_result(held_txn, &r);
    }
    mcx_diameter_shutdown();
    _exit(0);
}

/* ---------------------------------------------------------------- client (parent) --- */

struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    enum mcx_cx_outcome outcome;
    struct mcx_cx_maa maa;
    struct mcx_cx_uaa uaa;
    struct mcx_cx_saa saa;
    struct mcx_cx_lia lia;
};

static struct waiter w = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void waiter_reset(void)
{
    pthread_mutex_lock(&w.mu);
    w.done = false;
    pthread_mutex_unlock(&w.mu);
}

/* Waits for the callback (a hang guard only: 20 s, far above any expected delay). */
static enum mcx_cx_outcome waiter_wait(void)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 20;
    pthread_mutex_lock(&w.mu);
    while (!w.done)
        if (pthread_cond_timedwait(&w.cv, &w.mu, &until) == ETIMEDOUT)
            break;
    bool done = w.done;
    pthread_mutex_unlock(&w.mu);
    if (!done)
        fail_msg("no callback: the library lost a request");
    return w.outcome;
}

static void waiter_signal(enum mcx_cx_outcome outcome)
{
    pthread_mutex_lock(&w.mu);
    w.outcome = outcome;
    w.done = true;
    pthread_cond_signal(&w.cv);
    pthread_mutex_unlock(&w.mu);
}

static void got_maa(void *ctx, enum mcx_cx_outcome outcome, const struct mcx_cx_maa *a)
{
    assert_ptr_equal(ctx, &w);
    if (a)
        w.maa = *a;
    waiter_signal(outcome);
}

static void got_uaa(void *ctx, enum mcx_cx_outcome outcome, const struct mcx_cx_uaa *a)
{
    (void)ctx;
    if (a)
        w.uaa = *a;
    waiter_signal(outcome);
}

static void got_saa(void *ctx, enum mcx_cx_outcome outcome, const struct mcx_cx_saa *a)
{
    (void)ctx;
    if (a)
        w.saa = *a;
    waiter_signal(outcome);
}

static void got_lia(void *ctx, enum mcx_cx_outcome outcome, const struct mcx_cx_lia *a)
{
    (void)ctx;
    if (a)
        w.lia = *a;
    waiter_signal(outcome);
}

static const struct mcx_cx_route to_server = {.realm = REALM, .host = SERVER_ID};

static void make_mar(struct mcx_cx_mar *mar, const char *impi)
{
    memset(mar, 0, sizeof *mar);
    snprintf(mar->user_name, sizeof mar->user_name, "%s", impi);
    snprintf(mar->public_identity, sizeof mar->public_identity, "sip:%s", impi);
    snprintf(mar->server_name, sizeof mar->server_name, "sip:scscf.test.lab");
    snprintf(mar->scheme, sizeof mar->scheme, MCX_CX_SCHEME_AKAV1);
    mar->number_auth_items = 2;
}

static enum mcx_cx_outcome send_mar(const struct mcx_cx_route *route, const struct mcx_cx_mar *mar,
                                    unsigned timeout_ms)
{
    struct mcx_cx_error err;
    waiter_reset();
    if (mcx_cx_send_mar(route, mar, timeout_ms, got_maa, &w, &err) != 0)
        fail_msg("send MAR: %s", err.text);
    return waiter_wait();
}

static void mar_vectors(void **state)
{
    (void)state;
    struct mcx_cx_mar mar;
    make_mar(&mar, "alice@test.lab");
    assert_int_equal(send_mar(&to_server, &mar, 5000), MCX_CX_ANSWERED);
    assert_int_equal(w.maa.result.result_code, MCX_DIAMETER_SUCCESS);
    assert_string_equal(w.maa.user_name, "alice@test.lab"); /* echoed by the library */
    assert_string_equal(w.maa.public_identity, "sip:alice@test.lab");
    assert_string_equal(w.maa.origin.host, SERVER_ID);
    assert_int_equal(w.maa.item_count, 2);
    assert_int_equal(w.maa.number_auth_items, 2);
    assert_int_equal(w.maa.items[1].item_number, 2);
    assert_int_equal(w.maa.items[1].authenticate_len, 32);
    assert_int_equal(w.maa.items[1].authenticate[0], 16);
    assert_memory_equal(w.maa.items[0].authorization, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    assert_true(w.maa.items[0].has_ck && w.maa.items[0].has_ik);
    assert_int_equal(w.maa.items[0].ck[15], 0xcc);
    assert_int_equal(w.maa.items[0].ik[0], 0x11);
}

static void mar_resync(void **state)
{
    (void)state;
    struct mcx_cx_mar mar;
    make_mar(&mar, "alice@test.lab");
    mar.number_auth_items = 1;
    for (int i = 0; i < 30; i++)
        mar.authorization[i] = (uint8_t)(200 + i);
    mar.authorization_len = 30;
    assert_int_equal(send_mar(&to_server, &mar, 5000), MCX_CX_ANSWERED);
    assert_int_equal(w.maa.item_count, 1);
    assert_int_equal(w.maa.items[0].authenticate_len, 30);
    assert_memory_equal(w.maa.items[0].authenticate, mar.authorization, 30);
}

static void mar_user_unknown(void **state)
{
    (void)state;
    struct mcx_cx_mar mar;
    make_mar(&mar, "unknown@test.lab");
    assert_int_equal(send_mar(&to_server, &mar, 5000), MCX_CX_ANSWERED);
    assert_int_equal(w.maa.result.experimental_code, MCX_CX_ERROR_USER_UNKNOWN);
    assert_false(mcx_cx_result_is_success(&w.maa.result));
    assert_string_equal(w.maa.user_name, "unknown@test.lab");
    assert_string_equal(w.maa.public_identity, "sip:unknown@test.lab");
    assert_int_equal(w.maa.item_count, 0);
}

static void mar_deferred_answer(void **state)
{
    (void)state;
    struct mcx_cx_mar mar;
    make_mar(&mar, "deferred@test.lab");
    assert_int_equal(send_mar(&to_server, &mar, 5000), MCX_CX_ANSWERED);
    assert_int_equal(w.maa.result.result_code, MCX_DIAMETER_SUCCESS);
    assert_int_equal(w.maa.item_count, 2);
    assert_string_equal(w.maa.user_name, "deferred@test.lab");
}

static void mar_timeout(void **state)
{
    (void)state;
    struct mcx_cx_mar mar;
    make_mar(&mar, "silent@test.lab");
    assert_int_equal(send_mar(&to_server, &mar, 300), MCX_CX_TIMEOUT);
    /* The core keeps working after an expiry. */
    make_mar(&mar, "alice@test.lab");
    assert_int_equal(send_mar(&to_server, &mar, 5000), MCX_CX_ANSWERED);
    assert_int_equal(w.maa.result.result_code, MCX_DIAMETER_SUCCESS);
}

static void mar_unroutable(void **state)
{
    (void)state;
    struct mcx_cx_mar mar;
    struct mcx_cx_route nowhere = {.realm = "nowhere.lab", .host = ""};
    make_mar(&mar, "alice@test.lab");
    assert_int_equal(send_mar(&nowhere, &mar, 5000), MCX_CX_ANSWERED);
    assert_int_equal(w.maa.result.result_code, MCX_DIAMETER_UNABLE_TO_DELIVER);
    /* Realm routing without Destination-Host reaches the server. */
    struct mcx_cx_route by_realm = {.realm = REALM, .host = ""};
    assert_int_equal(send_mar(&by_realm, &mar, 5000), MCX_CX_ANSWERED);
    assert_int_equal(w.maa.result.result_code, MCX_DIAMETER_SUCCESS);
    assert_string_equal(w.maa.origin.host, SERVER_ID);
}

static void uar_lir_sar(void **state)
{
    (void)state;
    struct mcx_cx_error err;
    struct mcx_cx_uar uar;
    memset(&uar, 0, sizeof uar);
    snprintf(uar.user_name, sizeof uar.user_name, "alice@test.lab");
    snprintf(uar.public_identity, sizeof uar.public_identity, "sip:alice@test.lab");
    snprintf(uar.visited_network, sizeof uar.visited_network, "visited.test.lab");
    waiter_reset();
    assert_int_equal(mcx_cx_send_uar(&to_server, &uar, 5000, got_uaa, &w, &err), 0);
    assert_int_equal(waiter_wait(), MCX_CX_ANSWERED);
    assert_int_equal(w.uaa.result.experimental_code, MCX_CX_FIRST_REGISTRATION);
    assert_string_equal(w.uaa.server_name, "sip:scscf.visited.test.lab");
    assert_string_equal(w.uaa.user_name, "alice@test.lab");

    struct mcx_cx_lir lir;
    memset(&lir, 0, sizeof lir);
    snprintf(lir.public_identity, sizeof lir.public_identity, "sip:alice@test.lab");
    lir.originating_request = true;
    waiter_reset();
    assert_int_equal(mcx_cx_send_lir(&to_server, &lir, 5000, got_lia, &w, &err), 0);
    assert_int_equal(waiter_wait(), MCX_CX_ANSWERED);
    assert_int_equal(w.lia.result.result_code, MCX_DIAMETER_SUCCESS);
    assert_string_equal(w.lia.server_name, "sip:scscf.orig.test.lab");
    assert_string_equal(w.lia.public_identity, "sip:alice@test.lab");

    struct mcx_cx_sar sar;
    memset(&sar, 0, sizeof sar);
    snprintf(sar.user_name, sizeof sar.user_name, "alice@test.lab");
    sar.public_identity_count = 1;
    snprintf(sar.public_identities[0], MCX_CX_IDENTITY_MAX, "sip:alice@test.lab");
    snprintf(sar.server_name, sizeof sar.server_name, "sip:scscf.test.lab");
    sar.assignment_type = MCX_CX_SAT_REGISTRATION;
    waiter_reset();
    assert_int_equal(mcx_cx_send_sar(&to_server, &sar, 5000, got_saa, &w, &err), 0);
    assert_int_equal(waiter_wait(), MCX_CX_ANSWERED);
    assert_int_equal(w.saa.result.result_code, MCX_DIAMETER_SUCCESS);
    assert_int_equal(w.saa.user_data_len, sizeof XML - 1);
    assert_memory_equal(w.saa.user_data, XML, sizeof XML - 1);
    assert_string_equal(w.saa.public_identity, "sip:alice@test.lab");
}

/* A SAR the server cannot parse (Server-Assignment-Type 99) is answered by the library with
 * 5004 and Failed-AVP, identities echoed; the handler never sees it. */
static void sar_invalid_value(void **state)
{
    (void)state;
    struct mcx_cx_error err;
    struct mcx_cx_sar sar;
    memset(&sar, 0, sizeof sar);
    snprintf(sar.user_name, sizeof sar.user_name, "alice@test.lab");
    sar.public_identity_count = 1;
    snprintf(sar.public_identities[0], MCX_CX_IDENTITY_MAX, "sip:alice@test.lab");
    snprintf(sar.server_name, sizeof sar.server_name, "sip:scscf.test.lab");
    sar.assignment_type = 99;
    waiter_reset();
    assert_int_equal(mcx_cx_send_sar(&to_server, &sar, 5000, got_saa, &w, &err), 0);
    assert_int_equal(waiter_wait(), MCX_CX_ANSWERED);
    assert_int_equal(w.saa.result.result_code, MCX_DIAMETER_INVALID_AVP_VALUE);
    assert_int_equal(w.saa.result.failed_avp_code, 614);
    assert_int_equal(w.saa.result.failed_avp_vendor, 10415);
    assert_string_equal(w.saa.user_name, "alice@test.lab");
    assert_string_equal(w.saa.public_identity, "sip:alice@test.lab");
    assert_int_equal(w.saa.user_data_len, 0);
}

/* Reads the client's log so far into a malloc'd string. */
static char *read_client_log(void)
{
    fflush(client_log_file);
    FILE *f = fopen(client_log, "r");
    assert_non_null(f);
    char *buf = calloc(1, 1 << 20);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* An answer arriving after its request expired is dropped by freeDiameter, whose default is
 * to dump the whole message (CK, IK, XRES) into the log; ours logs a summary only. */
static void late_answer_dropped_without_secrets(void **state)
{
    (void)state;
    struct mcx_cx_mar mar;
    make_mar(&mar, "late@test.lab");
    assert_int_equal(send_mar(&to_server, &mar, 300), MCX_CX_TIMEOUT);
    make_mar(&mar, "release@test.lab"); /* the server answers late@ first, then this */
    assert_int_equal(send_mar(&to_server, &mar, 5000), MCX_CX_ANSWERED);
    assert_int_equal(w.maa.item_count, 2);
    char *log = read_client_log();
    if (!strstr(log, "event=diameter_dropped"))
        fail_msg("the late answer was not reported as dropped; log:\n%s", log);
    assert_null(strstr(log, "Confidentiality-Key"));
    assert_null(strstr(log, "Integrity-Key"));
    assert_null(strstr(log, "SIP-Authorization"));
    assert_null(strstr(log, "cccccccccccccccc"));
    assert_null(strstr(log, "cc cc cc cc"));
    assert_null(strstr(log, "0102030405060708"));
    assert_null(strstr(log, "01 02 03 04 05 06 07 08"));
    free(log);
}

static void got_raw_answer(void *data, struct msg **msg)
{
    struct mcx_cx_error err;
    if (mcx_cx_maa_parse(*msg, &w.maa, &err) != 0)
        memset(&w.maa, 0, sizeof w.maa);
    fd_msg_free(*msg);
    *msg = NULL;
    waiter_signal(data == &w ? MCX_CX_ANSWERED : MCX_CX_BAD_ANSWER);
}

/* A MAR without Public-Identity (sent by hand) is answered 5005 with Failed-AVP naming it. */
static void mar_missing_avp_answered_5005(void **state)
{
    (void)state;
    struct mcx_cx_mar mar;
    struct mcx_cx_error err;
    struct msg *msg;
    struct avp *pub = NULL;
    make_mar(&mar, "alice@test.lab");
    assert_int_equal(mcx_cx_mar_build(&to_server, &mar, &msg, &err), 0);
    assert_int_equal(fd_msg_search_avp(msg, mcx_cx_dict.public_identity, &pub), 0);
    assert_non_null(pub);
    fd_msg_free(pub); /* unlinks it from the message */
    waiter_reset();
    assert_int_equal(fd_msg_send(&msg, got_raw_answer, &w), 0);
    assert_int_equal(waiter_wait(), MCX_CX_ANSWERED);
    assert_int_equal(w.maa.result.result_code, MCX_DIAMETER_MISSING_AVP);
    assert_int_equal(w.maa.result.failed_avp_code, 601);
    assert_int_equal(w.maa.result.failed_avp_vendor, 10415);
    assert_int_equal(w.maa.item_count, 0);
    assert_string_equal(w.maa.user_name, "alice@test.lab"); /* echoed for Kamailio */
}

/* The connection to the server uses TLS exactly when configured. */
static void transport_matches_tls_setting(void **state)
{
    (void)state;
    struct peer_hdr *peer = NULL;
    char info[128] = "";
    assert_int_equal(fd_peer_getbyid((DiamId_t)SERVER_ID, strlen(SERVER_ID), 0, &peer), 0);
    assert_non_null(peer);
    assert_int_equal(fd_peer_cnx_proto_info(peer, info, sizeof info), 0);
    assert_non_null(strstr(info, "TCP"));
    if (use_tls)
        assert_non_null(strstr(info, "TLS"));
    else
        assert_null(strstr(info, "TLS"));
}

/* Every listening socket on the server's port is bound to 127.0.0.1, none to 0.0.0.0/::. */
static void listener_bound_to_configured_address(void **state)
{
    (void)state;
    int found = 0;
    const char *tables[] = {"/proc/net/tcp", "/proc/net/tcp6"};
    for (int t = 0; t < 2; t++) {
        FILE *f = fopen(tables[t], "r");
        char line[512];
        if (!f)
            continue;
        while (fgets(line, sizeof line, f)) {
            char local[64];
            unsigned port, st;
            if (sscanf(line, " %*d: %63[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", local, &port, &st) !=
                3)
                continue;
            if (port != server_port || st != 0x0A) /* LISTEN */
                continue;
            found++;
            assert_int_equal(t, 0);
            assert_string_equal(local, "0100007F"); /* 127.0.0.1, little-endian hex */
        }
        fclose(f);
    }
    assert_int_equal(found, 1);
}

/* A peer that is neither configured nor in the accept list gets no open connection. */
static void unknown_peer_refused(void **state)
{
    (void)state;
    struct raw_msg m;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(server_port)};
    struct timeval tv = {5, 0};
    uint8_t reply[4096];
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    inet_pton(AF_INET, SERVER_ADDR, &sin.sin_addr);
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    assert_int_equal(connect(s, (struct sockaddr *)&sin, sizeof sin), 0);
    raw_begin(&m, 0x80, 257, 0); /* CER */
    raw_str(&m, 264, 0, "intruder.other.lab");
    raw_str(&m, 296, 0, "other.lab");
    raw_avp(&m, 257, 0, "\x00\x01\x7f\x00\x00\x01", 6); /* Host-IP-Address 127.0.0.1 */
    raw_u32(&m, 266, 0, 0);
    raw_str(&m, 269, 0, "intruder");
    raw_u32(&m, 258, 0, 16777216);
    raw_end(&m);
    assert_int_equal(write(s, m.buf, m.len), (ssize_t)m.len);
    size_t got = 0;
    for (;;) {
        ssize_t n = read(s, reply + got, sizeof reply - got);
        if (n <= 0)
            break;
        got += (size_t)n;
        if (got >= 20 && got >= (size_t)((reply[1] << 16) | (reply[2] << 8) | reply[3]))
            break;
    }
    close(s);
    if (got >= 20) { /* a CEA: it must not say success (2001) */
        bool success = false;
        for (size_t off = 20; off + 12 <= got;) {
            uint32_t code = (uint32_t)reply[off] << 24 | reply[off + 1] << 16 |
                            reply[off + 2] << 8 | reply[off + 3];
            size_t len = (size_t)(reply[off + 5] << 16 | reply[off + 6] << 8 | reply[off + 7]);
            if (code == 268 && len == 12)
                success = reply[off + 10] == 0x07 && reply[off + 11] == 0xd1;
            if (len < 8)
                break;
            off += (len + 3) & ~(size_t)3;
        }
        assert_false(success);
    }
    assert_false(mcx_diameter_peer_is_open("intruder.other.lab"));
}

/* Picks a currently free TCP port on addr. */
static uint16_t free_port(const char *addr)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    socklen_t len = sizeof sin;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    inet_pton(AF_INET, addr, &sin.sin_addr);
    if (s < 0 || bind(s, (struct sockaddr *)&sin, sizeof sin) != 0 ||
        getsockname(s, (struct sockaddr *)&sin, &len) != 0) {
        if (s >= 0)
            close(s);
        return 0;
    }
    close(s);
    return ntohs(sin.sin_port);
}

static void remove_state_dir(const char *dir)
{
    static const char *const files[] = {"freeDiameter.conf", "throwaway-cert.pem",
                                        "throwaway-key.pem", "dh-ffdhe2048.pem"};
    char path[600];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

static int teardown(void **state)
{
    (void)state;
    int rc = 0;
    mcx_diameter_shutdown();
    if (server_pid > 0) {
        int status = 0;
        kill(server_pid, SIGTERM);
        waitpid(server_pid, &status, 0);
        server_pid = -1;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "server exited abnormally (status %d)\n", status);
            rc = -1; /* a crash or sanitizer report in the server fails the suite */
        }
    }
    if (client_log_file) {
        fclose(client_log_file);
        client_log_file = NULL;
        unlink(client_log);
    }
    remove_state_dir(server_dir);
    remove_state_dir(client_dir);
    if (use_tls) {
        static const char *const pki_files[] = {"ca.pem", SERVER_ID "-cert.pem",
                                                SERVER_ID "-key.pem", CLIENT_ID "-cert.pem",
                                                CLIENT_ID "-key.pem"};
        char path[700];
        for (size_t i = 0; i < sizeof pki_files / sizeof pki_files[0]; i++) {
            snprintf(path, sizeof path, "%s/%s", pki_dir, pki_files[i]);
            unlink(path);
        }
        rmdir(pki_dir);
    }
    return rc;
}

static int setup(void **state)
{
    struct mcx_diameter_config cfg;
    char err[256];
    server_port = free_port(SERVER_ADDR);
    client_port = free_port(CLIENT_ADDR);
    if (!server_port || !client_port || !mkdtemp(server_dir) || !mkdtemp(client_dir))
        return -1;
    if (use_tls) {
        static const char *const ids[] = {SERVER_ID, CLIENT_ID};
        if (!mkdtemp(pki_dir) || pki_make(pki_dir, ids, 2) != 0)
            return -1;
    }
    snprintf(client_log, sizeof client_log, "%s/client.log", client_dir);
    client_log_file = fopen(client_log, "w");
    if (!client_log_file)
        return -1;
    setvbuf(client_log_file, NULL, _IOLBF, 0);
    mcx_log_init("cx_live_client", MCX_LOG_DEBUG, client_log_file);
    fflush(NULL);
    server_pid = fork();
    if (server_pid < 0)
        return -1;
    if (server_pid == 0)
        run_server();
    base_config(&cfg, CLIENT_ID, CLIENT_ADDR, client_port, client_dir);
    mcx_diameter_config_add_peer(&cfg, SERVER_ID, SERVER_ADDR, server_port);
    if (mcx_diameter_init(&cfg, err, sizeof err) != 0 || mcx_diameter_start(err, sizeof err) != 0) {
        fprintf(stderr, "client: %s\n", err);
        teardown(state);
        return -1;
    }
    if (mcx_diameter_wait_peer(SERVER_ID, 20000) != 0) {
        fprintf(stderr, "client: peer %s never opened\n", SERVER_ID);
        teardown(state);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    use_tls = argc > 1 && strcmp(argv[1], "tls") == 0;
#ifdef __SANITIZE_ADDRESS__
    /* freeDiameter 1.2.1 races in TLS connection teardown (fd_cnx_destroy calls gnutls_bye
     * while its TLS receiver thread frees the record buffer): AddressSanitizer reports a
     * heap-use-after-free inside libfdcore at shutdown in about half the runs. Not our code;
     * the TLS variant runs in the plain build only. */
    if (use_tls) {
        printf("SKIP: TLS variant not run under AddressSanitizer (freeDiameter TLS teardown "
               "race)\n");
        return 77;
    }
#endif
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mar_vectors),
        cmocka_unit_test(mar_resync),
        cmocka_unit_test(mar_user_unknown),
        cmocka_unit_test(mar_deferred_answer),
        cmocka_unit_test(mar_timeout),
        cmocka_unit_test(mar_unroutable),
        cmocka_unit_test(uar_lir_sar),
        cmocka_unit_test(sar_invalid_value),
        cmocka_unit_test(late_answer_dropped_without_secrets),
        cmocka_unit_test(mar_missing_avp_answered_5005),
        cmocka_unit_test(transport_matches_tls_setting),
        cmocka_unit_test(listener_bound_to_configured_address),
        cmocka_unit_test(unknown_peer_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
