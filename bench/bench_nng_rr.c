/* B3 baseline: raw NNG req/rep round trips with messages of the size the MMS link carries and
 * the same contexts (REQ contexts on the client, a pool of REP contexts on the server).
 *
 *   bench-nng-rr sizes --impi I --impu U [--origin S] [--items N]
 *       prints {"request":BYTES,"reply":BYTES}: the encoded sizes of the GetSipAuthInfoRequest
 *       and of its GetSipAuthInfoResponse with N (default 1) AKA vectors (lib/migration).
 *   bench-nng-rr serve --url URL --contexts N --reply-size BYTES
 *       REP socket with N contexts; answers every request with BYTES bytes at once. Prints
 *       "ready" on stdout when listening; SIGTERM/SIGINT stop it.
 *   bench-nng-rr load --url URL --contexts N --request-size BYTES [--reply-size BYTES]
 *                     [--ms 3000] [--warmup-ms 500]
 *       REQ socket with N contexts, each keeping one request outstanding (a reply of another
 *       size than --reply-size, when given, counts as failed); after the warm-up
 *       counts round trips for --ms and prints one JSON object (ok, failed, ok_per_s,
 *       latency p50/p99/max in ms, cpu_s from /proc/self/stat).
 * Exit 0, 1 on an NNG or encoding failure (or, for load, any failed round trip), 2 on usage. */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "bench_clock.h"
#include "cx/cx_common.h"
#include "migration/envelope.h"

#define MAX_CONTEXTS 4096

struct rr_opts {
    char url[256];
    unsigned contexts, ms, warmup_ms, items;
    size_t request_size, reply_size;
    const char *impi, *impu, *origin;
};

/* One context with its aio; client or server side. */
struct rr_slot {
    nng_ctx ctx;
    nng_aio *aio;
    bool sending;
    uint64_t start_us;
};

static struct rr_opts O = {
    .contexts = 64, .ms = 3000, .warmup_ms = 500, .items = 1, .origin = "partner.mcx.lab"};
static uint8_t *payload; /* what every request or reply carries (O.*_size bytes), owned here */

/* ---- sizes ---------------------------------------------------------------------------- */

static int cmd_sizes(void)
{
    static const uint8_t fill[32] = {0x5a};
    char tid[33];
    struct mcx_auth_request_fields f = {.impi = O.impi,
                                        .impu = O.impu,
                                        .scheme = MCX_CX_SCHEME_AKAV1,
                                        .number_of_items = O.items,
                                        .server_name = "sip:scscf.partner.mcx.lab:5060"};
    if (!O.impi || !O.impu || mcx_migration_transaction_id(tid, sizeof tid) != 0)
        return 2;
    mcx_envelope *req = mcx_envelope_new_request(tid, O.origin, &f);
    mcx_envelope *rep =
        mcx_envelope_new_response(tid, "primary.mcx.lab", 0, O.impi, O.impu, 2001, false);
    int rc = 1;
    if (!req || !rep)
        goto out;
    for (unsigned i = 0; i < O.items; i++) {
        struct mcx_auth_vector_fields v = {.item_number = i + 1,
                                           .scheme = MCX_CX_SCHEME_AKAV1,
                                           .authenticate = fill,
                                           .authenticate_len = 32,
                                           .authorization = fill,
                                           .authorization_len = 8,
                                           .confidentiality_key = fill,
                                           .confidentiality_key_len = 16,
                                           .integrity_key = fill,
                                           .integrity_key_len = 16};
        if (mcx_envelope_add_vector(rep, &v) != 0)
            goto out;
    }
    printf("{\"request\":%zu,\"reply\":%zu}\n", mcx_envelope_encoded_size(req),
           mcx_envelope_encoded_size(rep));
    rc = 0;
out:
    mcx_envelope_free(req);
    mcx_envelope_free(rep);
    return rc;
}

/* ---- serve ---------------------------------------------------------------------------- */

static void serve_cb(void *arg)
{
    struct rr_slot *s = arg;
    if (nng_aio_result(s->aio) != 0) {
        if (s->sending) {
            nng_msg_free(nng_aio_get_msg(s->aio));
            nng_aio_set_msg(s->aio, NULL);
        } else if (nng_aio_result(s->aio) == NNG_ECLOSED) {
            return;
        }
        s->sending = false;
        nng_ctx_recv(s->ctx, s->aio);
        return;
    }
    if (s->sending) {
        s->sending = false;
        nng_ctx_recv(s->ctx, s->aio);
        return;
    }
    nng_msg *msg = nng_aio_get_msg(s->aio);
    nng_msg_clear(msg);
    if (nng_msg_append(msg, payload, O.reply_size) != 0) {
        nng_msg_free(msg);
        nng_ctx_recv(s->ctx, s->aio);
        return;
    }
    nng_aio_set_msg(s->aio, msg);
    s->sending = true;
    nng_ctx_send(s->ctx, s->aio);
}

static int cmd_serve(void)
{
    nng_socket sock;
    struct rr_slot *slots = calloc(O.contexts, sizeof *slots);
    sigset_t stop;
    int sig = 0, rv;
    if (!slots || !(payload = calloc(1, O.reply_size)))
        return 1;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    if ((rv = nng_rep0_open(&sock)) != 0 ||
        (rv = nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, 65536 + 1024)) != 0 ||
        (rv = nng_listen(sock, O.url, NULL, 0)) != 0) {
        fprintf(stderr, "bench-nng-rr: listen %s: %s\n", O.url, nng_strerror(rv));
        return 1;
    }
    for (unsigned i = 0; i < O.contexts; i++) {
        if ((rv = nng_aio_alloc(&slots[i].aio, serve_cb, &slots[i])) != 0 ||
            (rv = nng_ctx_open(&slots[i].ctx, sock)) != 0) {
            fprintf(stderr, "bench-nng-rr: context: %s\n", nng_strerror(rv));
            return 1;
        }
        nng_ctx_recv(slots[i].ctx, slots[i].aio);
    }
    printf("ready\n");
    fflush(stdout);
    while (sigwait(&stop, &sig) != 0)
        ;
    nng_close(sock);
    for (unsigned i = 0; i < O.contexts; i++)
        nng_aio_free(slots[i].aio);
    free(slots);
    free(payload);
    return 0;
}

/* ---- load ----------------------------------------------------------------------------- */

struct load_counts {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool counting, stopping;
    unsigned active; /* slots still cycling */
    uint64_t ok, failed;
    int first_error;   /* NNG error of the first failed round trip, 0 = none */
    uint64_t *latency; /* microseconds, owned here */
    size_t n_latency, cap_latency;
};

static struct load_counts L = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* Sends the next request on slot s, or retires it when stopping. Called with L.mu held. */
static void load_next(struct rr_slot *s)
{
    nng_msg *msg;
    if (L.stopping || nng_msg_alloc(&msg, 0) != 0 ||
        nng_msg_append(msg, payload, O.request_size) != 0) {
        L.active--;
        pthread_cond_signal(&L.cv);
        return;
    }
    nng_aio_set_msg(s->aio, msg);
    s->sending = true;
    s->start_us = bench_now_us();
    nng_ctx_send(s->ctx, s->aio);
}

static void load_record(uint64_t latency)
{
    if (L.n_latency == L.cap_latency) {
        size_t cap = L.cap_latency ? L.cap_latency * 2 : 65536;
        uint64_t *grown = realloc(L.latency, cap * sizeof *grown);
        if (!grown)
            return;
        L.latency = grown;
        L.cap_latency = cap;
    }
    L.latency[L.n_latency++] = latency;
}

static void load_cb(void *arg)
{
    struct rr_slot *s = arg;
    int rv = nng_aio_result(s->aio);
    if (s->sending) {
        if (rv != 0) {
            nng_msg_free(nng_aio_get_msg(s->aio));
            nng_aio_set_msg(s->aio, NULL);
            pthread_mutex_lock(&L.mu);
            if (L.counting)
                L.failed++;
            if (!L.first_error)
                L.first_error = rv;
            load_next(s);
            pthread_mutex_unlock(&L.mu);
            return;
        }
        s->sending = false;
        nng_ctx_recv(s->ctx, s->aio);
        return;
    }
    uint64_t latency = bench_now_us() - s->start_us;
    pthread_mutex_lock(&L.mu);
    if (rv == 0) {
        nng_msg *msg = nng_aio_get_msg(s->aio);
        bool ok = O.reply_size ? nng_msg_len(msg) == O.reply_size : nng_msg_len(msg) > 0;
        nng_msg_free(msg);
        if (L.counting) {
            if (ok) {
                L.ok++;
                load_record(latency);
            } else {
                L.failed++;
            }
        }
    } else {
        if (L.counting)
            L.failed++;
        if (!L.first_error)
            L.first_error = rv;
    }
    load_next(s);
    pthread_mutex_unlock(&L.mu);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double percentile_ms(unsigned pct)
{
    if (L.n_latency == 0)
        return 0.0;
    size_t rank = (size_t)(((uint64_t)pct * L.n_latency + 99) / 100);
    return (double)L.latency[(rank ? rank : 1) - 1] / 1000.0;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static int cmd_load(void)
{
    nng_socket sock;
    struct rr_slot *slots = calloc(O.contexts, sizeof *slots);
    int rv;
    if (!slots || !(payload = calloc(1, O.request_size)))
        return 1;
    if ((rv = nng_req0_open(&sock)) != 0 ||
        (rv = nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, 65536 + 64)) != 0 ||
        (rv = nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME, 2000)) != 0 ||
        (rv = nng_dial(sock, O.url, NULL, 0)) != 0) {
        fprintf(stderr, "bench-nng-rr: dial %s: %s\n", O.url, nng_strerror(rv));
        return 1;
    }
    for (unsigned i = 0; i < O.contexts; i++) {
        if ((rv = nng_aio_alloc(&slots[i].aio, load_cb, &slots[i])) != 0 ||
            (rv = nng_ctx_open(&slots[i].ctx, sock)) != 0) {
            fprintf(stderr, "bench-nng-rr: context: %s\n", nng_strerror(rv));
            return 1;
        }
        nng_aio_set_timeout(slots[i].aio, 5000);
    }
    pthread_mutex_lock(&L.mu);
    L.active = O.contexts;
    for (unsigned i = 0; i < O.contexts; i++)
        load_next(&slots[i]);
    pthread_mutex_unlock(&L.mu);
    sleep_ms(O.warmup_ms);

    pthread_mutex_lock(&L.mu);
    L.counting = true;
    pthread_mutex_unlock(&L.mu);
    double cpu_start = bench_self_cpu_s();
    uint64_t start = bench_now_us();
    sleep_ms(O.ms);
    pthread_mutex_lock(&L.mu);
    L.stopping = true;
    while (L.active > 0)
        pthread_cond_wait(&L.cv, &L.mu);
    pthread_mutex_unlock(&L.mu);
    double elapsed = (double)(bench_now_us() - start) / 1e6;
    double cpu = bench_self_cpu_s() - cpu_start;
    nng_close(sock);
    for (unsigned i = 0; i < O.contexts; i++)
        nng_aio_free(slots[i].aio);
    free(slots);
    qsort(L.latency, L.n_latency, sizeof *L.latency, cmp_u64);
    printf("{\"ok\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"contexts\":%u,\"request_size\":%zu,"
           "\"elapsed_s\":%.3f,\"ok_per_s\":%.1f,\"latency_ms\":{\"p50\":%.3f,\"p99\":%.3f,"
           "\"max\":%.3f},\"cpu_s\":%.3f}\n",
           L.ok, L.failed, O.contexts, O.request_size, elapsed, (double)L.ok / elapsed,
           percentile_ms(50), percentile_ms(99), percentile_ms(100), cpu);
    if (L.first_error)
        fprintf(stderr, "bench-nng-rr: first failure: %s\n", nng_strerror(L.first_error));
    free(L.latency);
    free(payload);
    return L.failed ? 1 : 0;
}

/* ---- options -------------------------------------------------------------------------- */

static int usage(int status)
{
    fprintf(status ? stderr : stdout,
            "usage: bench-nng-rr sizes --impi I --impu U [--origin S] [--items N]\n"
            "       bench-nng-rr serve --url URL --contexts N --reply-size BYTES\n"
            "       bench-nng-rr load --url URL --contexts N --request-size BYTES\n"
            "                    [--reply-size BYTES] [--ms 3000] [--warmup-ms 500]\n");
    return status;
}

static int parse_size(const char *text, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v = strtoul(text, &end, 10);
    if (*text == '\0' || *end || v == 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"url", required_argument, NULL, 'u'},
                                         {"contexts", required_argument, NULL, 'c'},
                                         {"reply-size", required_argument, NULL, 'R'},
                                         {"request-size", required_argument, NULL, 'Q'},
                                         {"ms", required_argument, NULL, 'm'},
                                         {"warmup-ms", required_argument, NULL, 'w'},
                                         {"impi", required_argument, NULL, 'i'},
                                         {"impu", required_argument, NULL, 'p'},
                                         {"origin", required_argument, NULL, 'o'},
                                         {"items", required_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    if (argc < 2)
        return usage(2);
    const char *cmd = argv[1];
    unsigned long v = 0;
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            if (strlen(optarg) >= sizeof O.url)
                return usage(2);
            memcpy(O.url, optarg, strlen(optarg) + 1);
            break;
        case 'c':
            if (parse_size(optarg, MAX_CONTEXTS, &v) != 0)
                return usage(2);
            O.contexts = (unsigned)v;
            break;
        case 'R':
        case 'Q':
            if (parse_size(optarg, 65536, &v) != 0)
                return usage(2);
            *(c == 'R' ? &O.reply_size : &O.request_size) = v;
            break;
        case 'm':
            if (parse_size(optarg, 3600000, &v) != 0)
                return usage(2);
            O.ms = (unsigned)v;
            break;
        case 'w':
            if (strcmp(optarg, "0") == 0)
                v = 0;
            else if (parse_size(optarg, 3600000, &v) != 0)
                return usage(2);
            O.warmup_ms = (unsigned)v;
            break;
        case 'n':
            if (parse_size(optarg, 32, &v) != 0)
                return usage(2);
            O.items = (unsigned)v;
            break;
        case 'i':
            O.impi = optarg;
            break;
        case 'p':
            O.impu = optarg;
            break;
        case 'o':
            O.origin = optarg;
            break;
        case 'h':
            return usage(0);
        default:
            return usage(2);
        }
    }
    if (optind != argc)
        return usage(2);
    if (strcmp(cmd, "sizes") == 0)
        return cmd_sizes();
    if (strcmp(cmd, "serve") == 0 && O.url[0] && O.reply_size)
        return cmd_serve();
    if (strcmp(cmd, "load") == 0 && O.url[0] && O.request_size)
        return cmd_load();
    return usage(2);
}
