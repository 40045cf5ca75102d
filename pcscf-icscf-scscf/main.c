/* mcx-cscf: the integrated P-CSCF, I-CSCF and S-CSCF (SIP registrar with IMS-AKA and MD5
 * digest, Cx client). Usage: mcx-cscf --config FILE [--check]. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "cscf_config.h"
#include "cx/diameter.h"
#include "cx_diameter.h"
#include "registrar.h"
#include "transport.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: mcx-cscf --config FILE [--check]\n"
                 "  --config FILE  YAML configuration (see pcscf-icscf-scscf/cscf_config.h)\n"
                 "  --check        validate the configuration and exit\n"
                 "  --version      print the version and exit\n");
}

static void log_stats(const struct registrar *r)
{
    const struct registrar_stats *s = &r->stats;
    MCX_INFO("cscf_stats",
             "challenges=%lu registered=%lu deregistered=%lu auth_failures=%lu cx_failures=%lu "
             "retransmissions=%lu bad_requests=%lu timeouts=%lu users=%zu",
             atomic_load(&s->challenges), atomic_load(&s->registered),
             atomic_load(&s->deregistered), atomic_load(&s->auth_failures),
             atomic_load(&s->cx_failures), atomic_load(&s->retransmissions),
             atomic_load(&s->bad_requests), atomic_load(&s->timeouts),
             reg_store_user_count(r->store));
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    bool check_only = false;
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"check", no_argument, NULL, 'k'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'V'},
                                         {NULL, 0, NULL, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "c:kh", opts, NULL)) != -1) {
        switch (o) {
        case 'c':
            config_path = optarg;
            break;
        case 'k':
            check_only = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("mcx-cscf %s\n", MCX_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!config_path || optind != argc) {
        usage(stderr);
        return 2;
    }
    static struct cscf_config cfg;
    char err[512];
    if (cscf_config_load(config_path, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "mcx-cscf: %s\n", err);
        return 1;
    }
    if (check_only) {
        printf("mcx-cscf: %s: configuration OK\n", config_path);
        return 0;
    }
    mcx_log_init("mcx-cscf", cfg.log_level, NULL);

    /* Every thread created from here on (freeDiameter, workers) inherits this mask; the main
     * thread takes the signals with sigwait. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    static struct cscf_cx_diameter cx_impl;
    cx_impl.timeout_ms = (unsigned)cfg.cx_timeout_ms;
    struct cscf_cx_ops ops;
    cscf_cx_diameter_ops(&cx_impl, &ops);
    static struct registrar reg;
    if (registrar_init(&reg, &cfg.registrar, &ops, cfg.shards) != 0) {
        MCX_ERROR("startup_failed", "reason=\"out of memory\"");
        return 1;
    }
    if (mcx_diameter_init(&cfg.diameter, err, sizeof err) != 0 ||
        mcx_diameter_start(err, sizeof err) != 0) {
        MCX_ERROR("diameter_start_failed", "reason=\"%s\"", err);
        registrar_destroy(&reg);
        return 1;
    }
    /* Give the configured Cx peers a moment to connect so that the first REGISTERs are not
     * answered 480 merely because the capability exchange is still running. */
    for (size_t i = 0; i < cfg.diameter.peer_count; i++) {
        if (cfg.cx_peer_wait_ms && mcx_diameter_wait_peer(cfg.diameter.peers[i].identity,
                                                          (unsigned)cfg.cx_peer_wait_ms) != 0)
            MCX_WARN("diameter_peer_not_open", "peer=%s waited_ms=%llu",
                     cfg.diameter.peers[i].identity, (unsigned long long)cfg.cx_peer_wait_ms);
    }
    struct cscf_server *server = cscf_server_start(&cfg.sip, &reg, err, sizeof err);
    if (!server) {
        MCX_ERROR("sip_start_failed", "reason=\"%s\"", err);
        mcx_diameter_shutdown();
        registrar_destroy(&reg);
        return 1;
    }
    MCX_INFO("cscf_started", "config=%s sip=%s:%u diameter=%s routes=%zu", config_path,
             cfg.sip.address, (unsigned)cfg.sip.port, mcx_diameter_identity(),
             cfg.registrar.routes.count);
    for (;;) {
        int sig = 0;
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig == SIGUSR1) {
            log_stats(&reg);
            continue;
        }
        MCX_INFO("cscf_stopping", "signal=%d", sig);
        break;
    }
    cscf_server_stop(server, cfg.cx_timeout_ms + 1000);
    log_stats(&reg);
    mcx_diameter_shutdown();
    registrar_destroy(&reg);
    MCX_INFO("cscf_stopped", "status=0");
    return 0;
}
