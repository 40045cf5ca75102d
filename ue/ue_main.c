/* mcx-ue: Milenage UE test client (register, deregister, refresh) and load generator (load).
 * See usage() for the options and the exit codes. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "aka/digest.h"
#include "core/log.h"
#include "ue_config.h"
#include "ue_csv.h"
#include "ue_isim.h"
#include "ue_load.h"
#include "ue_register.h"
#include "ue_stats.h"
#include "ue_transport.h"

enum exit_code {
    EXIT_REGISTERED = 0,
    EXIT_INTERNAL = 1,
    EXIT_USAGE = 2,
    EXIT_TRANSPORT = 3,
    EXIT_TIMEOUT = 4,
    EXIT_MAC_FAILURE = 5,
    EXIT_FORBIDDEN = 6,
    EXIT_AUTH_LOOP = 7,
    EXIT_SERVER_ERROR = 8,
    EXIT_REJECTED = 9,
    EXIT_LOAD_FAILURES = 10,
};

#define DEFAULT_PORT     5060
#define DEFAULT_EXPIRES  600
#define DEFAULT_T1_MS    500
#define DEFAULT_T2_MS    4000
#define DEFAULT_RATE     100
#define DEFAULT_DURATION 10.0

static void usage(FILE *out)
{
    fputs(
        "usage: mcx-ue COMMAND [options]\n"
        "\n"
        "commands:\n"
        "  register    REGISTER, answer the 401 (IMS-AKA or MD5), expect 200 OK\n"
        "  deregister  the same exchange with Expires: 0\n"
        "  refresh     re-register (a full REGISTER exchange)\n"
        "  load        many UEs from a subscriber CSV: registrations/s, latency, failures\n"
        "  --version   print the version\n"
        "\n"
        "ISIM stand-in (--config FILE and/or options; options win):\n"
        "  --config FILE        YAML map with any of: impi impu domain k op opc amf state server\n"
        "                       transport local expires algorithm password t1_ms users_csv\n"
        "                       users rate duration\n"
        "  --impi ID            private identity (for migration: the partner IMPI)\n"
        "  --impu URI           public identity (default sip:IMPI)\n"
        "  --domain D           home domain: Request-URI sip:D (default: the IMPI's domain)\n"
        "  --k HEX              subscriber key K (32 hex digits)\n"
        "  --op HEX | --opc HEX operator key OP, or OPc\n"
        "  --amf HEX            AMF (default 8000)\n"
        "  --state FILE         SQN state (SEQ_MS array), created when missing, written\n"
        "                       atomically after each accepted challenge\n"
        "\n"
        "SIP:\n"
        "  --server HOST:PORT   P-CSCF / registrar (port default 5060)\n"
        "  --transport udp|tcp  default udp\n"
        "  --local ADDR[:PORT]  local address (and port) to bind; load: ADDR only\n"
        "  --expires N          requested expiry in seconds (default 600)\n"
        "  --algorithm A        AKAv1-MD5 (default), AKAv2-MD5 or MD5: asked for in the first\n"
        "                       REGISTER; the 401 decides\n"
        "  --password P         password for MD5 digest\n"
        "  --t1-ms N            RFC 3261 T1 (default 500); a request times out after 64*T1\n"
        "  -v, --verbose        print the SIP exchange on stderr (ck/ik values hidden)\n"
        "\n"
        "load:\n"
        "  --users-csv FILE     CSV as read by `mcx-ctl subscriber import` (header impi,impu,k,\n"
        "                       op,opc,amf,...)\n"
        "  --users N            use the first N rows (default: all)\n"
        "  --rate R             exchanges started per second (default 100)\n"
        "  --duration S         seconds during which exchanges are started (default 10)\n"
        "  --json               one JSON object on stdout instead of the text report\n"
        "\n"
        "exit codes:\n"
        "  0  registered (deregister: de-registered; load: every exchange succeeded)\n"
        "  1  internal error (state file not writable, out of memory)\n"
        "  2  usage or configuration error\n"
        "  3  transport error (bind, connect or send failed, connection refused or closed)\n"
        "  4  timeout: no final response within 64*T1\n"
        "  5  MAC failure: AUTN not authentic (empty-response REGISTER sent, network not trusted)\n"
        "  6  403 Forbidden\n"
        "  7  401 loop: challenged again after a computed answer, or no resynchronisation\n"
        "  8  5xx server error (e.g. 504 when the primary system does not answer)\n"
        "  9  any other final response, or a challenge that cannot be answered\n"
        "  10 load: some exchanges failed (see the report)\n",
        out);
}

static uint64_t monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Exit code of a registration result. */
static int exit_of(enum ue_reg_result result)
{
    switch (result) {
    case UE_REG_REGISTERED:
    case UE_REG_DEREGISTERED:
        return EXIT_REGISTERED;
    case UE_REG_TRANSPORT:
        return EXIT_TRANSPORT;
    case UE_REG_TIMEOUT:
        return EXIT_TIMEOUT;
    case UE_REG_MAC_FAILURE:
        return EXIT_MAC_FAILURE;
    case UE_REG_FORBIDDEN:
        return EXIT_FORBIDDEN;
    case UE_REG_AUTH_LOOP:
        return EXIT_AUTH_LOOP;
    case UE_REG_SERVER_ERROR:
        return EXIT_SERVER_ERROR;
    case UE_REG_REJECTED:
    case UE_REG_BAD_CHALLENGE:
        return EXIT_REJECTED;
    default:
        return EXIT_INTERNAL;
    }
}

/* Writes a message to stderr for -v with the values of ck= and ik= replaced: TS 24.229 has the
 * P-CSCF strip them, but a registrar under test may not. */
static void trace_message(void *arg, const char *direction, const char *msg, size_t len)
{
    const char *peer = arg;
    fprintf(stderr, "--- %s %s %s ---\n", direction, strcmp(direction, "recv") == 0 ? "from" : "to",
            peer);
    size_t i = 0;
    while (i < len) {
        bool key =
            i + 4 <= len &&
            (strncasecmp(msg + i, "ck=\"", 4) == 0 || strncasecmp(msg + i, "ik=\"", 4) == 0) &&
            (i == 0 || msg[i - 1] == ' ' || msg[i - 1] == ',' || msg[i - 1] == '\t');
        if (!key) {
            fputc(msg[i++], stderr);
            continue;
        }
        fwrite(msg + i, 1, 4, stderr);
        fputs("<hidden>\"", stderr);
        i += 4;
        while (i < len && msg[i] != '"' && msg[i] != '\r')
            i++;
        if (i < len && msg[i] == '"')
            i++;
    }
    if (len == 0 || msg[len - 1] != '\n')
        fputc('\n', stderr);
}

/* Parses a long option value in min..max. */
static int parse_long(const char *name, const char *text, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "mcx-ue: --%s: expected an integer %ld-%ld, got '%s'\n", name, min, max,
                text);
        return -1;
    }
    *out = v;
    return 0;
}

enum opt_id {
    OPT_CONFIG = 256,
    OPT_IMPI,
    OPT_IMPU,
    OPT_DOMAIN,
    OPT_K,
    OPT_OP,
    OPT_OPC,
    OPT_AMF,
    OPT_STATE,
    OPT_SERVER,
    OPT_TRANSPORT,
    OPT_LOCAL,
    OPT_EXPIRES,
    OPT_ALGORITHM,
    OPT_PASSWORD,
    OPT_T1,
    OPT_USERS_CSV,
    OPT_USERS,
    OPT_RATE,
    OPT_DURATION,
    OPT_JSON,
};

/* Parses argv (after the command) into *opts; the YAML file fills what options left unset. */
static int parse_args(int argc, char **argv, struct ue_options *opts)
{
    static const struct option long_opts[] = {
        {"config", required_argument, NULL, OPT_CONFIG},
        {"impi", required_argument, NULL, OPT_IMPI},
        {"impu", required_argument, NULL, OPT_IMPU},
        {"domain", required_argument, NULL, OPT_DOMAIN},
        {"k", required_argument, NULL, OPT_K},
        {"op", required_argument, NULL, OPT_OP},
        {"opc", required_argument, NULL, OPT_OPC},
        {"amf", required_argument, NULL, OPT_AMF},
        {"state", required_argument, NULL, OPT_STATE},
        {"server", required_argument, NULL, OPT_SERVER},
        {"transport", required_argument, NULL, OPT_TRANSPORT},
        {"local", required_argument, NULL, OPT_LOCAL},
        {"expires", required_argument, NULL, OPT_EXPIRES},
        {"algorithm", required_argument, NULL, OPT_ALGORITHM},
        {"password", required_argument, NULL, OPT_PASSWORD},
        {"t1-ms", required_argument, NULL, OPT_T1},
        {"users-csv", required_argument, NULL, OPT_USERS_CSV},
        {"users", required_argument, NULL, OPT_USERS},
        {"rate", required_argument, NULL, OPT_RATE},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"json", no_argument, NULL, OPT_JSON},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "vh", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_CONFIG:
            config = optarg;
            break;
        case OPT_IMPI:
            opts->impi = optarg;
            break;
        case OPT_IMPU:
            opts->impu = optarg;
            break;
        case OPT_DOMAIN:
            opts->domain = optarg;
            break;
        case OPT_K:
            opts->k = optarg;
            break;
        case OPT_OP:
            opts->op = optarg;
            break;
        case OPT_OPC:
            opts->opc = optarg;
            break;
        case OPT_AMF:
            opts->amf = optarg;
            break;
        case OPT_STATE:
            opts->state = optarg;
            break;
        case OPT_SERVER:
            opts->server = optarg;
            break;
        case OPT_TRANSPORT:
            opts->transport = optarg;
            break;
        case OPT_LOCAL:
            opts->local = optarg;
            break;
        case OPT_EXPIRES:
            if (parse_long("expires", optarg, 0, 0x7fffffff, &opts->expires) != 0)
                return -1;
            break;
        case OPT_ALGORITHM:
            opts->algorithm = optarg;
            break;
        case OPT_PASSWORD:
            opts->password = optarg;
            break;
        case OPT_T1:
            if (parse_long("t1-ms", optarg, 1, 60000, &opts->t1_ms) != 0)
                return -1;
            break;
        case OPT_USERS_CSV:
            opts->users_csv = optarg;
            break;
        case OPT_USERS:
            if (parse_long("users", optarg, 1, 10000000, &opts->users) != 0)
                return -1;
            break;
        case OPT_RATE:
            if (parse_long("rate", optarg, 1, 10000000, &opts->rate) != 0)
                return -1;
            break;
        case OPT_DURATION: {
            char *end;
            errno = 0;
            double d = strtod(optarg, &end);
            if (errno || end == optarg || *end != '\0' || !(d > 0) || d > 86400) {
                fprintf(stderr, "mcx-ue: --duration: expected seconds above 0, got '%s'\n", optarg);
                return -1;
            }
            opts->duration_s = d;
            break;
        }
        case OPT_JSON:
            opts->json = true;
            break;
        case 'v':
            opts->verbose = true;
            break;
        case 'h':
            usage(stdout);
            exit(EXIT_REGISTERED);
        default:
            fprintf(stderr, "mcx-ue: see mcx-ue --help\n");
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mcx-ue: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (config) {
        char err[512];
        if (ue_options_load_yaml(opts, config, err, sizeof err) != 0) {
            fprintf(stderr, "mcx-ue: %s\n", err);
            return -1;
        }
    }
    return 0;
}

/* SIP settings common to register and load. */
struct sip_setup {
    enum ue_transport_kind kind;
    struct ue_addr server;
    struct ue_addr local;
    bool has_local;
    struct ue_reg_config reg;
    long expires;
};

static int sip_setup_from(const struct ue_options *opts, struct sip_setup *s)
{
    char err[256];
    memset(s, 0, sizeof *s);
    if (!opts->server) {
        fprintf(stderr, "mcx-ue: missing --server HOST:PORT\n");
        return -1;
    }
    if (ue_transport_parse(opts->transport ? opts->transport : "udp", &s->kind) != 0) {
        fprintf(stderr, "mcx-ue: --transport must be udp or tcp\n");
        return -1;
    }
    if (ue_addr_parse(opts->server, DEFAULT_PORT, &s->server, err, sizeof err) != 0 ||
        (opts->local && ue_addr_parse(opts->local, 0, &s->local, err, sizeof err) != 0)) {
        fprintf(stderr, "mcx-ue: %s\n", err);
        return -1;
    }
    s->has_local = opts->local != NULL;
    enum mcx_digest_algorithm alg = MCX_DIGEST_ALG_AKAV1_MD5;
    if (opts->algorithm &&
        (mcx_digest_algorithm_parse(opts->algorithm, strlen(opts->algorithm), &alg) != 0 ||
         alg == MCX_DIGEST_ALG_MD5_SESS)) {
        fprintf(stderr, "mcx-ue: --algorithm must be AKAv1-MD5, AKAv2-MD5 or MD5\n");
        return -1;
    }
    if (alg == MCX_DIGEST_ALG_MD5 && !opts->password) {
        fprintf(stderr, "mcx-ue: --algorithm MD5 needs --password\n");
        return -1;
    }
    s->expires = opts->expires >= 0 ? opts->expires : DEFAULT_EXPIRES;
    s->reg = (struct ue_reg_config){
        .transport = ue_transport_name(s->kind),
        .reliable = s->kind == UE_TRANSPORT_TCP,
        .algorithm = alg,
        .password = opts->password,
        .t1_ms = opts->t1_ms > 0 ? (unsigned)opts->t1_ms : DEFAULT_T1_MS,
        .t2_ms = DEFAULT_T2_MS,
    };
    if (s->reg.t2_ms < s->reg.t1_ms)
        s->reg.t2_ms = s->reg.t1_ms;
    return 0;
}

/* Builds the ISIM from the options; returns 0 or -1 after printing the error. */
static int isim_from(const struct ue_options *opts, struct ue_isim *isim)
{
    char err[256];
    ue_isim_init(isim);
    if (!opts->impi || !opts->k) {
        fprintf(stderr, "mcx-ue: missing %s (options or --config)\n",
                !opts->impi ? "--impi" : "--k");
        return -1;
    }
    if (ue_isim_set_identity(isim, opts->impi, opts->impu, opts->domain, err, sizeof err) != 0 ||
        ue_isim_set_keys(isim, opts->k, opts->op, opts->opc, opts->amf, err, sizeof err) != 0 ||
        (opts->state && ue_isim_state_load(isim, opts->state, err, sizeof err) != 0)) {
        fprintf(stderr, "mcx-ue: %s\n", err);
        return -1;
    }
    return 0;
}

/* One REGISTER exchange on one socket until it ends. */
static int run_exchange(const char *command, const struct ue_options *opts)
{
    struct sip_setup setup;
    struct ue_isim isim;
    if (sip_setup_from(opts, &setup) != 0 || isim_from(opts, &isim) != 0)
        return EXIT_USAGE;
    long expires = strcmp(command, "deregister") == 0 ? 0 : setup.expires;
    if (strcmp(command, "deregister") != 0 && expires == 0) {
        fprintf(stderr, "mcx-ue: --expires 0 de-registers: use mcx-ue deregister\n");
        return EXIT_USAGE;
    }
    struct ue_conn conn;
    char err[256];
    if (ue_conn_open(&conn, setup.kind, &setup.server, setup.has_local ? &setup.local : NULL, err,
                     sizeof err) != 0) {
        fprintf(stderr, "mcx-ue: %s %s: %s\n", command, opts->server, err);
        return EXIT_TRANSPORT;
    }
    if (opts->verbose) {
        setup.reg.trace = trace_message;
        setup.reg.trace_arg = (void *)opts->server;
    }
    struct ue_reg *reg = malloc(sizeof *reg);
    if (!reg) {
        ue_conn_close(&conn);
        fprintf(stderr, "mcx-ue: out of memory\n");
        return EXIT_INTERNAL;
    }
    ue_reg_init(reg, &isim, &setup.reg, conn.local_host, conn.local_port);
    enum ue_reg_action action = ue_reg_start(reg, expires, monotonic_us());
    while (action != UE_REG_DONE) {
        uint64_t now = monotonic_us();
        if (action == UE_REG_SEND &&
            ue_conn_send(&conn, reg->out, reg->out_len, err, sizeof err) != 0) {
            ue_reg_fail(reg, UE_REG_TRANSPORT, err, now);
            break;
        }
        int timeout_ms = reg->timer_us > now ? (int)((reg->timer_us - now + 999) / 1000) : 0;
        struct pollfd pfd = {.fd = conn.fd, .events = POLLIN};
        int ready = poll(&pfd, 1, timeout_ms);
        if (ready < 0 && errno != EINTR) {
            ue_reg_fail(reg, UE_REG_INTERNAL, strerror(errno), monotonic_us());
            break;
        }
        action = UE_REG_WAIT;
        if (ready > 0) {
            const char *msg;
            size_t len;
            int rc;
            while (action == UE_REG_WAIT &&
                   (rc = ue_conn_recv(&conn, &msg, &len, err, sizeof err)) != 0) {
                if (rc < 0) {
                    ue_reg_fail(reg, UE_REG_TRANSPORT, err, monotonic_us());
                    action = UE_REG_DONE;
                    break;
                }
                action = ue_reg_on_message(reg, msg, len, monotonic_us());
            }
        }
        if (action == UE_REG_WAIT)
            action = ue_reg_on_timer(reg, monotonic_us());
    }
    ue_conn_close(&conn);

    int code = exit_of(reg->result);
    double ms = (double)(reg->finished_us - reg->started_us) / 1000.0;
    if (code == EXIT_REGISTERED && reg->result == UE_REG_REGISTERED) {
        printf("registered %s via %s (%s) in %.1f ms, expires %ld s\n", isim.impu, opts->server,
               setup.reg.transport, ms, reg->granted_expires);
        printf("Service-Route: %s\n", reg->service_route[0] ? reg->service_route : "(none)");
        printf("P-Associated-URI: %s\n",
               reg->p_associated_uri[0] ? reg->p_associated_uri : "(none)");
    } else if (code == EXIT_REGISTERED) {
        printf("deregistered %s via %s (%s) in %.1f ms\n", isim.impu, opts->server,
               setup.reg.transport, ms);
    } else {
        fprintf(stderr, "mcx-ue: %s %s failed: %s: %s\n", command, isim.impu,
                ue_reg_result_name(reg->result), reg->reason);
    }
    memset(&isim, 0, sizeof isim);
    free(reg);
    return code;
}

static int run_load(const struct ue_options *opts)
{
    struct sip_setup setup;
    if (sip_setup_from(opts, &setup) != 0)
        return EXIT_USAGE;
    if (!opts->users_csv) {
        fprintf(stderr, "mcx-ue: load needs --users-csv FILE\n");
        return EXIT_USAGE;
    }
    if (setup.has_local && ue_addr_port(&setup.local) != 0) {
        fprintf(stderr, "mcx-ue: load: --local takes an address only (each UE has its own port)\n");
        return EXIT_USAGE;
    }
    char err[512];
    struct ue_subscriber *rows = NULL;
    size_t count = 0;
    size_t want = opts->users > 0 ? (size_t)opts->users : 0;
    if (ue_csv_load(opts->users_csv, want, &rows, &count, err, sizeof err) != 0) {
        fprintf(stderr, "mcx-ue: %s\n", err);
        return EXIT_USAGE;
    }
    if (want && count < want) {
        fprintf(stderr, "mcx-ue: --users %zu but %s has %zu rows\n", want, opts->users_csv, count);
        free(rows);
        return EXIT_USAGE;
    }
    struct ue_load_config cfg = {
        .kind = setup.kind,
        .server = setup.server,
        .local = setup.has_local ? &setup.local : NULL,
        .rate = opts->rate > 0 ? (double)opts->rate : DEFAULT_RATE,
        .duration_s = opts->duration_s > 0 ? opts->duration_s : DEFAULT_DURATION,
        .expires = setup.expires,
        .reg = &setup.reg,
        .progress = isatty(STDERR_FILENO) == 1,
    };
    struct ue_stats stats;
    ue_stats_init(&stats);
    int rc = ue_load_run(&cfg, rows, count, &stats, err, sizeof err);
    memset(rows, 0, count * sizeof *rows);
    free(rows);
    if (rc != 0) {
        fprintf(stderr, "mcx-ue: load: %s\n", err);
        ue_stats_free(&stats);
        return EXIT_TRANSPORT;
    }
    if (opts->json)
        ue_stats_print_json(&stats, stdout);
    else
        ue_stats_print_text(&stats, stdout);
    int code =
        ue_stats_failed(&stats) == 0 && stats.registered > 0 ? EXIT_REGISTERED : EXIT_LOAD_FAILURES;
    ue_stats_free(&stats);
    return code;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
        strcmp(command, "help") == 0) {
        usage(stdout);
        return EXIT_REGISTERED;
    }
    if (strcmp(command, "--version") == 0) {
        printf("mcx-ue %s\n", MCX_VERSION);
        return EXIT_REGISTERED;
    }
    bool load = strcmp(command, "load") == 0;
    if (!load && strcmp(command, "register") != 0 && strcmp(command, "deregister") != 0 &&
        strcmp(command, "refresh") != 0) {
        fprintf(stderr, "mcx-ue: unknown command '%s' (see mcx-ue --help)\n", command);
        return EXIT_USAGE;
    }
    struct ue_options opts;
    ue_options_init(&opts);
    if (parse_args(argc - 1, argv + 1, &opts) != 0) {
        ue_options_free(&opts);
        return EXIT_USAGE;
    }
    mcx_log_init("mcx-ue", opts.verbose ? MCX_LOG_INFO : MCX_LOG_WARN, stderr);
    int code = load ? run_load(&opts) : run_exchange(command, &opts);
    ue_options_free(&opts);
    return code;
}
