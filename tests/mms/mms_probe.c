/* mms-probe: test client for tests/mms.
 *
 *   mms-probe mar  --peer-* ... --impi I --impu U --k HEX --opc HEX [--items N] [--expect CODE]
 *                  [--count N --interval-ms M]
 *       Sends Cx MARs to a partner MMS (our own embedded freeDiameter core). Each answer is
 *       checked: with --expect 2001 (default) the identities must be the requested (partner)
 *       ones and every vector must be accepted by a UE holding K/OPc (lib/aka UE check: MAC-A,
 *       RES = XRES, CK, IK). One line per request:
 *       "req=N start_ms=T end_ms=T code=C ok=yes|no [reason=...]". Exit 0 when every answer
 *       met the expectation (in loop mode: always 0; the caller judges the lines).
 *       With --burst N: sends N MARs at once, waits for all, checks each as above and prints
 *       "burst n=N ok=K elapsed_ms=T rate_per_s=R"; exit 0 when all N were ok.
 *   mms-probe link --url URL --impi I --impu U [--origin S] [--tls-ca F [--tls-cert F
 *                  --tls-key F]] [--wait-ms N]
 *       Sends one GetSipAuthInfoRequest straight to a primary MMS over NNG. Prints
 *       "answered result=..." and exits 0, or "no_answer (...)" and exits 3. */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

#include "aka/aka.h"
#include "core/codec.h"
#include "core/log.h"
#include "cx/cx_client.h"
#include "cx/diameter.h"
#include "migration/envelope.h"
#include "migration/result.h"

struct probe {
    char mode[8];
    char impi[256], impu[256], origin[256];
    uint8_t k[16], opc[16];
    unsigned items, count, interval_ms, wait_ms, burst;
    uint32_t expect;
    char url[256], ca[512], cert[512], key[512];
    struct mcx_diameter_config dia;
    char peer_identity[256], peer_realm[256], peer_address[64];
    unsigned peer_port;
};

static struct probe P;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct answer {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    enum mcx_cx_outcome outcome;
    struct mcx_cx_maa maa;
};

static void on_maa(void *ctx, enum mcx_cx_outcome outcome, const struct mcx_cx_maa *maa)
{
    struct answer *a = ctx;
    pthread_mutex_lock(&a->mu);
    a->outcome = outcome;
    if (maa)
        a->maa = *maa;
    a->done = true;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

/* Checks a successful MAA as a UE with K/OPc would; reason on failure. */
static const char *check_vectors(const struct mcx_cx_maa *maa)
{
    if (strcmp(maa->user_name, P.impi) != 0 || strcmp(maa->public_identity, P.impu) != 0)
        return "identities_not_the_requested_ones";
    if (maa->item_count != P.items)
        return "wrong_item_count";
    for (size_t i = 0; i < maa->item_count; i++) {
        const struct mcx_cx_auth_item *it = &maa->items[i];
        struct mcx_aka_ue_state state;
        struct mcx_aka_ue_result res;
        if (it->authenticate_len != 32 || !it->has_ck || !it->has_ik)
            return "incomplete_vector";
        mcx_aka_ue_state_init(&state);
        if (mcx_aka_ue_check(&state, P.k, P.opc, it->authenticate, it->authenticate + 16, &res) !=
            MCX_AKA_CHECK_OK)
            return "ue_rejects_autn";
        if (res.res_len != it->authorization_len ||
            memcmp(res.res, it->authorization, res.res_len) != 0)
            return "res_differs_from_xres";
        if (memcmp(res.ck, it->ck, 16) != 0 || memcmp(res.ik, it->ik, 16) != 0)
            return "ck_ik_differ";
    }
    return NULL;
}

/* One MAR; prints its line; returns 0 when it met the expectation. */
static int one_mar(unsigned n)
{
    struct answer a = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    struct mcx_cx_route route;
    struct mcx_cx_mar mar;
    struct mcx_cx_error err;
    const char *reason = NULL;
    uint32_t code = 0;
    uint64_t start = now_ms();

    memset(&route, 0, sizeof route);
    snprintf(route.realm, sizeof route.realm, "%s", P.peer_realm);
    snprintf(route.host, sizeof route.host, "%s", P.peer_identity);
    memset(&mar, 0, sizeof mar);
    snprintf(mar.user_name, sizeof mar.user_name, "%s", P.impi);
    snprintf(mar.public_identity, sizeof mar.public_identity, "%s", P.impu);
    snprintf(mar.scheme, sizeof mar.scheme, "%s", MCX_CX_SCHEME_AKAV1);
    snprintf(mar.server_name, sizeof mar.server_name, "sip:probe.partner.mcx.lab");
    mar.number_auth_items = P.items;
    if (mcx_cx_send_mar(&route, &mar, P.wait_ms, on_maa, &a, &err) != 0) {
        printf("req=%u start_ms=%" PRIu64 " end_ms=%" PRIu64 " code=0 ok=no reason=not_sent\n", n,
               start, now_ms());
        return -1;
    }
    pthread_mutex_lock(&a.mu);
    while (!a.done)
        pthread_cond_wait(&a.cv, &a.mu);
    pthread_mutex_unlock(&a.mu);
    if (a.outcome != MCX_CX_ANSWERED) {
        reason = mcx_cx_outcome_name(a.outcome);
    } else {
        code = mcx_cx_result_code(&a.maa.result);
        if (code != P.expect)
            reason = "unexpected_code";
        else if (mcx_cx_result_is_success(&a.maa.result))
            reason = check_vectors(&a.maa);
    }
    printf("req=%u start_ms=%" PRIu64 " end_ms=%" PRIu64 " code=%" PRIu32 " ok=%s%s%s\n", n, start,
           now_ms(), code, reason ? "no" : "yes", reason ? " reason=" : "", reason ? reason : "");
    fflush(stdout);
    return reason ? -1 : 0;
}

/* --burst: n MARs in flight at once; one summary line. */
static int run_burst(void)
{
    struct answer *a = calloc(P.burst, sizeof *a);
    struct mcx_cx_route route;
    struct mcx_cx_mar mar;
    struct mcx_cx_error err;
    unsigned ok = 0;
    uint64_t start = now_ms(), elapsed;
    if (!a)
        return 1;
    memset(&route, 0, sizeof route);
    snprintf(route.realm, sizeof route.realm, "%s", P.peer_realm);
    snprintf(route.host, sizeof route.host, "%s", P.peer_identity);
    memset(&mar, 0, sizeof mar);
    snprintf(mar.user_name, sizeof mar.user_name, "%s", P.impi);
    snprintf(mar.public_identity, sizeof mar.public_identity, "%s", P.impu);
    snprintf(mar.scheme, sizeof mar.scheme, "%s", MCX_CX_SCHEME_AKAV1);
    mar.number_auth_items = P.items;
    for (unsigned i = 0; i < P.burst; i++) {
        pthread_mutex_init(&a[i].mu, NULL);
        pthread_cond_init(&a[i].cv, NULL);
        if (mcx_cx_send_mar(&route, &mar, P.wait_ms, on_maa, &a[i], &err) != 0) {
            a[i].done = true;
            a[i].outcome = MCX_CX_BAD_ANSWER;
        }
    }
    for (unsigned i = 0; i < P.burst; i++) {
        pthread_mutex_lock(&a[i].mu);
        while (!a[i].done)
            pthread_cond_wait(&a[i].cv, &a[i].mu);
        pthread_mutex_unlock(&a[i].mu);
    }
    elapsed = now_ms() - start;
    for (unsigned i = 0; i < P.burst; i++)
        if (a[i].outcome == MCX_CX_ANSWERED && mcx_cx_result_code(&a[i].maa.result) == P.expect &&
            (!mcx_cx_result_is_success(&a[i].maa.result) || check_vectors(&a[i].maa) == NULL))
            ok++;
    printf("burst n=%u ok=%u elapsed_ms=%" PRIu64 " rate_per_s=%.0f\n", P.burst, ok, elapsed,
           elapsed ? P.burst * 1000.0 / (double)elapsed : 0.0);
    for (unsigned i = 0; i < P.burst; i++) {
        pthread_mutex_destroy(&a[i].mu);
        pthread_cond_destroy(&a[i].cv);
    }
    free(a);
    return ok == P.burst ? 0 : 1;
}

static int run_mar(void)
{
    char err[256];
    int failures = 0;
    if (mcx_diameter_config_add_peer(&P.dia, P.peer_identity, P.peer_address,
                                     (uint16_t)P.peer_port) != 0 ||
        mcx_diameter_init(&P.dia, err, sizeof err) != 0 ||
        mcx_diameter_start(err, sizeof err) != 0) {
        fprintf(stderr, "mms-probe: Diameter: %s\n", err);
        return 1;
    }
    if (mcx_diameter_wait_peer(P.peer_identity, 10000) != 0) {
        fprintf(stderr, "mms-probe: no Diameter connection to %s\n", P.peer_identity);
        mcx_diameter_shutdown();
        return 1;
    }
    if (P.burst) {
        int rc = run_burst();
        mcx_diameter_shutdown();
        return rc;
    }
    for (unsigned i = 0; i < P.count; i++) {
        uint64_t start = now_ms();
        if (one_mar(i) != 0)
            failures++;
        uint64_t spent = now_ms() - start;
        if (i + 1 < P.count && spent < P.interval_ms) {
            struct timespec ts = {.tv_sec = (P.interval_ms - spent) / 1000,
                                  .tv_nsec = (long)((P.interval_ms - spent) % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    mcx_diameter_shutdown();
    return (P.count == 1 && failures) ? 1 : 0;
}

/* Reads a file into a malloc'd NUL-terminated string. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long len;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = calloc(1, (size_t)len + 1)) && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static int run_link(void)
{
    nng_socket sock;
    nng_dialer dialer;
    nng_msg *msg = NULL;
    char tid[33];
    struct mcx_auth_request_fields f = {
        .impi = P.impi, .impu = P.impu, .scheme = MCX_CX_SCHEME_AKAV1, .number_of_items = 1};
    mcx_envelope *env, *reply = NULL;
    uint8_t *buf;
    size_t len;
    int rv;

    mcx_migration_transaction_id(tid, sizeof tid);
    env = mcx_envelope_new_request(tid, P.origin, &f);
    if (!env || mcx_envelope_encode_alloc(env, 0, &buf, &len, NULL) != MCX_MIGRATION_OK)
        return 1;
    mcx_envelope_free(env);
    if (nng_req0_open(&sock) != 0 || nng_dialer_create(&dialer, sock, P.url) != 0)
        return 1;
    if (strncmp(P.url, "tls+", 4) == 0) {
        nng_tls_config *tls;
        nng_tls_config_alloc(&tls, NNG_TLS_MODE_CLIENT);
        nng_tls_config_auth_mode(tls, NNG_TLS_AUTH_MODE_REQUIRED);
        nng_tls_config_ca_file(tls, P.ca);
        if (P.cert[0]) {
            char *cert = slurp(P.cert), *key = slurp(P.key);
            if (!cert || !key || nng_tls_config_own_cert(tls, cert, key, NULL) != 0) {
                fprintf(stderr, "mms-probe: cannot load %s / %s\n", P.cert, P.key);
                return 1;
            }
            free(cert);
            free(key);
        }
        nng_dialer_set_ptr(dialer, NNG_OPT_TLS_CONFIG, tls);
        nng_tls_config_free(tls);
    }
    nng_socket_set_ms(sock, NNG_OPT_RECONNMINT, 100);
    nng_socket_set_ms(sock, NNG_OPT_RECONNMAXT, 200);
    nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, (nng_duration)P.wait_ms);
    nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, (nng_duration)P.wait_ms);
    nng_dialer_start(dialer, NNG_FLAG_NONBLOCK);
    rv = nng_send(sock, buf, len, 0);
    free(buf);
    if (rv == 0)
        rv = nng_recvmsg(sock, &msg, 0);
    if (rv != 0) {
        printf("no_answer (%s)\n", nng_strerror(rv));
        nng_close(sock);
        return 3;
    }
    if (mcx_envelope_decode(nng_msg_body(msg), nng_msg_len(msg), 0, &reply, NULL) !=
        MCX_MIGRATION_OK) {
        printf("answered result=invalid_reply\n");
    } else if (reply->body_case == MCX_ENVELOPE_BODY_RESPONSE) {
        printf("answered result=%s\n", mcx_migration_result_name(reply->response->result));
    } else {
        printf("answered result=error\n");
    }
    mcx_envelope_free(reply);
    nng_msg_free(msg);
    nng_close(sock);
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: mms-probe mar|link [options] (see the source header)\n");
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"impi", required_argument, NULL, 'i'},
        {"impu", required_argument, NULL, 'u'},
        {"k", required_argument, NULL, 'k'},
        {"opc", required_argument, NULL, 'o'},
        {"items", required_argument, NULL, 'n'},
        {"expect", required_argument, NULL, 'e'},
        {"count", required_argument, NULL, 'c'},
        {"interval-ms", required_argument, NULL, 'I'},
        {"wait-ms", required_argument, NULL, 'w'},
        {"url", required_argument, NULL, 'U'},
        {"origin", required_argument, NULL, 'O'},
        {"tls-ca", required_argument, NULL, 'A'},
        {"tls-cert", required_argument, NULL, 'C'},
        {"tls-key", required_argument, NULL, 'K'},
        {"diameter-identity", required_argument, NULL, 1},
        {"diameter-realm", required_argument, NULL, 2},
        {"diameter-address", required_argument, NULL, 3},
        {"diameter-port", required_argument, NULL, 4},
        {"diameter-state-dir", required_argument, NULL, 5},
        {"peer-identity", required_argument, NULL, 6},
        {"peer-realm", required_argument, NULL, 7},
        {"peer-address", required_argument, NULL, 8},
        {"peer-port", required_argument, NULL, 9},
        {"burst", required_argument, NULL, 10},
        {NULL, 0, NULL, 0},
    };
    int c;
    if (argc < 2 || (strcmp(argv[1], "mar") != 0 && strcmp(argv[1], "link") != 0)) {
        usage();
        return 2;
    }
    snprintf(P.mode, sizeof P.mode, "%s", argv[1]);
    P.items = 1;
    P.count = 1;
    P.expect = 2001;
    P.wait_ms = 10000;
    snprintf(P.origin, sizeof P.origin, "partner.mcx.lab");
    mcx_diameter_config_defaults(&P.dia);
    P.dia.reconnect_seconds = 1;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'i':
            snprintf(P.impi, sizeof P.impi, "%s", optarg);
            break;
        case 'u':
            snprintf(P.impu, sizeof P.impu, "%s", optarg);
            break;
        case 'k':
            if (mcx_hex_decode_exact(optarg, P.k, 16) != 0)
                return 2;
            break;
        case 'o':
            if (mcx_hex_decode_exact(optarg, P.opc, 16) != 0)
                return 2;
            break;
        case 'n':
            P.items = (unsigned)atoi(optarg);
            break;
        case 'e':
            P.expect = (uint32_t)atoi(optarg);
            break;
        case 'c':
            P.count = (unsigned)atoi(optarg);
            break;
        case 'I':
            P.interval_ms = (unsigned)atoi(optarg);
            break;
        case 'w':
            P.wait_ms = (unsigned)atoi(optarg);
            break;
        case 'U':
            snprintf(P.url, sizeof P.url, "%s", optarg);
            break;
        case 'O':
            snprintf(P.origin, sizeof P.origin, "%s", optarg);
            break;
        case 'A':
            snprintf(P.ca, sizeof P.ca, "%s", optarg);
            break;
        case 'C':
            snprintf(P.cert, sizeof P.cert, "%s", optarg);
            break;
        case 'K':
            snprintf(P.key, sizeof P.key, "%s", optarg);
            break;
        case 1:
            snprintf(P.dia.identity, sizeof P.dia.identity, "%s", optarg);
            break;
        case 2:
            snprintf(P.dia.realm, sizeof P.dia.realm, "%s", optarg);
            break;
        case 3:
            snprintf(P.dia.listen_address, sizeof P.dia.listen_address, "%s", optarg);
            break;
        case 4:
            P.dia.listen_port = (uint16_t)atoi(optarg);
            break;
        case 5:
            snprintf(P.dia.state_dir, sizeof P.dia.state_dir, "%s", optarg);
            break;
        case 6:
            snprintf(P.peer_identity, sizeof P.peer_identity, "%s", optarg);
            break;
        case 7:
            snprintf(P.peer_realm, sizeof P.peer_realm, "%s", optarg);
            break;
        case 8:
            snprintf(P.peer_address, sizeof P.peer_address, "%s", optarg);
            break;
        case 9:
            P.peer_port = (unsigned)atoi(optarg);
            break;
        case 10:
            P.burst = (unsigned)atoi(optarg);
            break;
        default:
            usage();
            return 2;
        }
    }
    if (P.items < 1 || P.items > MCX_CX_MAX_AUTH_ITEMS || P.count < 1 || !P.impi[0] || !P.impu[0]) {
        usage();
        return 2;
    }
    mcx_log_init("mms-probe", MCX_LOG_WARN, stderr);
    return strcmp(P.mode, "mar") == 0 ? run_mar() : run_link();
}
