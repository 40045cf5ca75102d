/* B2/B3/B6 load client: Diameter MARs with a fixed number in flight against a Cx peer
 * (mcx-hss, a partner mcx-mms, or bench-cx-peer).
 *
 *   bench-cx-load --identity ID --realm R --address A --port P --state-dir DIR
 *                 --peer-identity ID --peer-address A --peer-port P [--dest-realm R]
 *                 --users N --user-prefix PFX --domain D [--inflight 64] [--ms 3000]
 *                 [--warmup-ms 500] [--items 1] [--timeout-ms 5000]
 *
 * User i (0 <= i < N, drawn at random for each request) is IMPI PFX<i>@D, IMPU sip:PFX<i>@D.
 * After the warm-up (not counted) it keeps --inflight MARs outstanding for --ms milliseconds,
 * then waits for the last answers. An answer counts as ok when it is 2001 with the requested
 * number of AKA vectors (RAND||AUTN, XRES, CK, IK). Prints one JSON object: ok, failed (by
 * first failure code), ok_per_s, latency p50/p99/max in ms (nearest rank over ok answers) and
 * this process's CPU time from /proc/self/stat. Exit 0 when every answer was ok, 3 when some
 * failed, 1 when Diameter could not start or the peer never opened, 2 on usage. */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_clock.h"
#include "core/log.h"
#include "cx/cx_client.h"
#include "cx/diameter.h"

#define NAME_MAX_LEN 128

struct load_opts {
    struct mcx_diameter_config dia;
    char peer_identity[MCX_DIAMETER_ID_MAX];
    char peer_address[MCX_DIAMETER_ADDR_MAX];
    unsigned peer_port;
    char dest_realm[MCX_DIAMETER_ID_MAX];
    char user_prefix[NAME_MAX_LEN];
    char domain[NAME_MAX_LEN];
    unsigned users, inflight, ms, warmup_ms, items, timeout_ms;
};

/* Shared between the sending thread and the answer callbacks. */
struct load_state {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned outstanding;
    bool counting;     /* answers to requests sent after the warm-up are recorded */
    uint64_t *latency; /* microseconds of ok answers, owned here */
    size_t n_latency, cap_latency;
    uint64_t ok, failed, timeouts, bad_answers;
    uint32_t first_fail_code;
    unsigned items;
};

static struct load_state S = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* Per request: its start time and whether it is counted. */
struct request {
    uint64_t start_us;
    bool counted;
};

/* Whether maa carries the expected AKA vectors. */
static bool answer_ok(const struct mcx_cx_maa *maa)
{
    if (!mcx_cx_result_is_success(&maa->result) || maa->item_count != S.items)
        return false;
    for (size_t i = 0; i < maa->item_count; i++) {
        const struct mcx_cx_auth_item *it = &maa->items[i];
        if (it->authenticate_len != 32 || it->authorization_len == 0 || !it->has_ck || !it->has_ik)
            return false;
    }
    return true;
}

static void on_maa(void *ctx, enum mcx_cx_outcome outcome, const struct mcx_cx_maa *maa)
{
    struct request *req = ctx;
    uint64_t latency = bench_now_us() - req->start_us;
    bool ok = outcome == MCX_CX_ANSWERED && answer_ok(maa);
    pthread_mutex_lock(&S.mu);
    if (req->counted) {
        if (ok) {
            S.ok++;
            if (S.n_latency == S.cap_latency) {
                size_t cap = S.cap_latency ? S.cap_latency * 2 : 65536;
                uint64_t *grown = realloc(S.latency, cap * sizeof *grown);
                if (grown) {
                    S.latency = grown;
                    S.cap_latency = cap;
                }
            }
            if (S.n_latency < S.cap_latency)
                S.latency[S.n_latency++] = latency;
        } else {
            S.failed++;
            if (outcome == MCX_CX_TIMEOUT)
                S.timeouts++;
            else if (outcome == MCX_CX_BAD_ANSWER)
                S.bad_answers++;
            else if (!S.first_fail_code)
                S.first_fail_code = mcx_cx_result_code(&maa->result);
        }
    }
    S.outstanding--;
    pthread_cond_signal(&S.cv);
    pthread_mutex_unlock(&S.mu);
    free(req);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of the sorted samples, in ms. */
static double percentile_ms(const uint64_t *sorted, size_t n, unsigned pct)
{
    if (n == 0)
        return 0.0;
    size_t rank = (size_t)(((uint64_t)pct * n + 99) / 100);
    if (rank == 0)
        rank = 1;
    return (double)sorted[rank - 1] / 1000.0;
}

/* xorshift64*: the user drawn for each request. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

/* Sends MARs until deadline_us with O->inflight outstanding; counted says whether they count.
 * Returns the number sent, or -1 when a send failed. */
static long drive(const struct load_opts *o, uint64_t deadline_us, bool counted, uint64_t *rng)
{
    struct mcx_cx_route route;
    struct mcx_cx_mar mar;
    long sent = 0;
    memset(&route, 0, sizeof route);
    snprintf(route.realm, sizeof route.realm, "%s", o->dest_realm);
    snprintf(route.host, sizeof route.host, "%s", o->peer_identity);
    memset(&mar, 0, sizeof mar);
    snprintf(mar.scheme, sizeof mar.scheme, "%s", MCX_CX_SCHEME_AKAV1);
    if (snprintf(mar.server_name, sizeof mar.server_name, "sip:scscf.%s", o->dia.realm) >=
        (int)sizeof mar.server_name)
        return -1;
    mar.number_auth_items = o->items;
    while (bench_now_us() < deadline_us) {
        unsigned user = (unsigned)(next_random(rng) % o->users);
        int len = snprintf(mar.user_name, sizeof mar.user_name, "%s%u@%s", o->user_prefix, user,
                           o->domain);
        if (len < 0 || (size_t)len >= sizeof mar.user_name ||
            snprintf(mar.public_identity, sizeof mar.public_identity, "sip:%s", mar.user_name) >=
                (int)sizeof mar.public_identity) {
            fprintf(stderr, "bench-cx-load: identity too long\n");
            return -1;
        }
        struct request *req = malloc(sizeof *req);
        struct mcx_cx_error err;
        if (!req) {
            fprintf(stderr, "bench-cx-load: out of memory\n");
            return -1;
        }
        pthread_mutex_lock(&S.mu);
        while (S.outstanding >= o->inflight)
            pthread_cond_wait(&S.cv, &S.mu);
        S.outstanding++;
        pthread_mutex_unlock(&S.mu);
        req->counted = counted;
        req->start_us = bench_now_us();
        if (mcx_cx_send_mar(&route, &mar, o->timeout_ms, on_maa, req, &err) != 0) {
            fprintf(stderr, "bench-cx-load: send failed\n");
            free(req);
            pthread_mutex_lock(&S.mu);
            S.outstanding--;
            pthread_mutex_unlock(&S.mu);
            return -1;
        }
        sent++;
    }
    return sent;
}

/* Waits until no request is outstanding. */
static void drain(void)
{
    pthread_mutex_lock(&S.mu);
    while (S.outstanding > 0)
        pthread_cond_wait(&S.cv, &S.mu);
    pthread_mutex_unlock(&S.mu);
}

static int usage(int status)
{
    fprintf(status ? stderr : stdout,
            "usage: bench-cx-load --identity ID --realm R --address A --port P --state-dir DIR\n"
            "         --peer-identity ID --peer-address A --peer-port P [--dest-realm R]\n"
            "         --users N --user-prefix PFX --domain D [--inflight 64] [--ms 3000]\n"
            "         [--warmup-ms 500] [--items 1] [--timeout-ms 5000]\n");
    return status;
}

/* Copies optarg into field (cap bytes); -1 when too long. */
static int set_text(char *field, size_t cap, const char *value)
{
    size_t len = strlen(value);
    if (len >= cap)
        return -1;
    memcpy(field, value, len + 1);
    return 0;
}

/* Parses an unsigned in [min, max]; -1 when it is not one. */
static int set_uint(unsigned *out, const char *value, unsigned long min, unsigned long max)
{
    char *end;
    unsigned long v = strtoul(value, &end, 10);
    if (*value == '\0' || *end || v < min || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_args(int argc, char **argv, struct load_opts *o)
{
    static const struct option opts[] = {{"identity", required_argument, NULL, 'i'},
                                         {"realm", required_argument, NULL, 'r'},
                                         {"address", required_argument, NULL, 'a'},
                                         {"port", required_argument, NULL, 'p'},
                                         {"state-dir", required_argument, NULL, 's'},
                                         {"peer-identity", required_argument, NULL, 'I'},
                                         {"peer-address", required_argument, NULL, 'A'},
                                         {"peer-port", required_argument, NULL, 'P'},
                                         {"dest-realm", required_argument, NULL, 'R'},
                                         {"users", required_argument, NULL, 'u'},
                                         {"user-prefix", required_argument, NULL, 'x'},
                                         {"domain", required_argument, NULL, 'd'},
                                         {"inflight", required_argument, NULL, 'f'},
                                         {"ms", required_argument, NULL, 'm'},
                                         {"warmup-ms", required_argument, NULL, 'w'},
                                         {"items", required_argument, NULL, 'n'},
                                         {"timeout-ms", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    unsigned port = 0;
    int c, bad = 0;
    memset(o, 0, sizeof *o);
    mcx_diameter_config_defaults(&o->dia);
    o->inflight = 64;
    o->ms = 3000;
    o->warmup_ms = 500;
    o->items = 1;
    o->timeout_ms = 5000;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            bad |= set_text(o->dia.identity, sizeof o->dia.identity, optarg);
            break;
        case 'r':
            bad |= set_text(o->dia.realm, sizeof o->dia.realm, optarg);
            break;
        case 'a':
            bad |= set_text(o->dia.listen_address, sizeof o->dia.listen_address, optarg);
            break;
        case 'p':
            bad |= set_uint(&port, optarg, 1, 65535);
            o->dia.listen_port = (uint16_t)port;
            break;
        case 's':
            bad |= set_text(o->dia.state_dir, sizeof o->dia.state_dir, optarg);
            break;
        case 'I':
            bad |= set_text(o->peer_identity, sizeof o->peer_identity, optarg);
            break;
        case 'A':
            bad |= set_text(o->peer_address, sizeof o->peer_address, optarg);
            break;
        case 'P':
            bad |= set_uint(&o->peer_port, optarg, 1, 65535);
            break;
        case 'R':
            bad |= set_text(o->dest_realm, sizeof o->dest_realm, optarg);
            break;
        case 'u':
            bad |= set_uint(&o->users, optarg, 1, 100000000);
            break;
        case 'x':
            bad |= set_text(o->user_prefix, sizeof o->user_prefix, optarg);
            break;
        case 'd':
            bad |= set_text(o->domain, sizeof o->domain, optarg);
            break;
        case 'f':
            bad |= set_uint(&o->inflight, optarg, 1, 100000);
            break;
        case 'm':
            bad |= set_uint(&o->ms, optarg, 1, 3600000);
            break;
        case 'w':
            bad |= set_uint(&o->warmup_ms, optarg, 0, 3600000);
            break;
        case 'n':
            bad |= set_uint(&o->items, optarg, 1, MCX_CX_MAX_AUTH_ITEMS);
            break;
        case 't':
            bad |= set_uint(&o->timeout_ms, optarg, 1, 600000);
            break;
        case 'h':
            return 1;
        default:
            return -1;
        }
        if (bad)
            return -1;
    }
    if (optind != argc || !o->dia.identity[0] || !o->dia.realm[0] || !o->dia.listen_address[0] ||
        !o->dia.listen_port || !o->dia.state_dir[0] || !o->peer_identity[0] ||
        !o->peer_address[0] || !o->peer_port || !o->users || !o->domain[0])
        return -1;
    if (!o->dest_realm[0])
        snprintf(o->dest_realm, sizeof o->dest_realm, "%s", o->dia.realm);
    return 0;
}

int main(int argc, char **argv)
{
    struct load_opts o;
    char err[256];
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return usage(rc > 0 ? 0 : 2);
    mcx_log_init("bench-cx-load", MCX_LOG_WARN, NULL);
    if (mcx_diameter_config_add_peer(&o.dia, o.peer_identity, o.peer_address,
                                     (uint16_t)o.peer_port) != 0 ||
        mcx_diameter_init(&o.dia, err, sizeof err) != 0 ||
        mcx_diameter_start(err, sizeof err) != 0) {
        fprintf(stderr, "bench-cx-load: Diameter: %s\n", err);
        mcx_diameter_shutdown();
        return 1;
    }
    if (mcx_diameter_wait_peer(o.peer_identity, 15000) != 0) {
        fprintf(stderr, "bench-cx-load: no Diameter connection to %s\n", o.peer_identity);
        mcx_diameter_shutdown();
        return 1;
    }
    S.items = o.items;
    uint64_t rng = 0x9E3779B97F4A7C15ULL ^ (uint64_t)o.dia.listen_port;
    long sent = 0;
    if (o.warmup_ms > 0 &&
        drive(&o, bench_now_us() + (uint64_t)o.warmup_ms * 1000u, false, &rng) < 0) {
        drain();
        mcx_diameter_shutdown();
        return 1;
    }
    drain();
    double cpu_start = bench_self_cpu_s();
    uint64_t start = bench_now_us();
    sent = drive(&o, start + (uint64_t)o.ms * 1000u, true, &rng);
    drain();
    double elapsed = (double)(bench_now_us() - start) / 1e6;
    double cpu = bench_self_cpu_s() - cpu_start;
    mcx_diameter_shutdown();
    if (sent < 0)
        return 1;

    qsort(S.latency, S.n_latency, sizeof *S.latency, cmp_u64);
    printf("{\"sent\":%ld,\"ok\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"timeouts\":%" PRIu64
           ",\"bad_answers\":%" PRIu64 ",\"first_fail_code\":%" PRIu32 ",\"inflight\":%u,"
           "\"elapsed_s\":%.3f,\"ok_per_s\":%.1f,\"latency_ms\":{\"p50\":%.3f,\"p99\":%.3f,"
           "\"max\":%.3f},\"cpu_s\":%.3f}\n",
           sent, S.ok, S.failed, S.timeouts, S.bad_answers, S.first_fail_code, o.inflight, elapsed,
           (double)S.ok / elapsed, percentile_ms(S.latency, S.n_latency, 50),
           percentile_ms(S.latency, S.n_latency, 99), percentile_ms(S.latency, S.n_latency, 100),
           cpu);
    free(S.latency);
    return S.failed ? 3 : 0;
}
