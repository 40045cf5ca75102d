/* mcx-hss: the SIP database. Answers Cx (UAR, MAR, SAR, LIR) from a SIP core or a primary
 * migration management server, backed by the subscriber store (SQLite or MongoDB).
 *
 * Start-up: configuration, store, embedded freeDiameter core with the four Cx handlers, then
 * the pidfile (when configured) and the log line event=ready. SIGTERM or SIGINT stop it
 * cleanly: DPR to the peers, core threads joined, store closed, pidfile removed. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "cx/cx_server.h"
#include "cx/diameter.h"
#include "hss.h"
#include "hss_config.h"

#ifndef MCX_VERSION
#define MCX_VERSION "unknown"
#endif

static void usage(FILE *out)
{
    fprintf(out, "usage: mcx-hss --config FILE [--pidfile FILE] [--check-config]\n"
                 "       mcx-hss --help | --version\n"
                 "\n"
                 "The SIP database (HSS) of mcx-migrate: a Cx server (UAR, MAR, SAR, LIR) on\n"
                 "freeDiameter over a SQLite or MongoDB subscriber store.\n"
                 "\n"
                 "  -c, --config FILE   YAML configuration (sections hss: and diameter:)\n"
                 "  -p, --pidfile FILE  write the process id here once ready (overrides\n"
                 "                      hss.pidfile); removed on exit\n"
                 "  -t, --check-config  load and check the configuration, then exit\n"
                 "  -h, --help          this text\n"
                 "  -V, --version       the version\n"
                 "\n"
                 "Logs go to stderr, one key=value line per event; event=ready means the Cx\n"
                 "listener is up. SIGTERM or SIGINT stop the server cleanly.\n");
}

static int write_pidfile(const char *path)
{
    char tmp[600];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return -1;
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    int ok = fprintf(f, "%ld\n", (long)getpid()) > 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Registers the Cx handlers on the initialised core. */
static int serve(struct hss *hss)
{
    return mcx_cx_serve_mar(hss_mar_handle, hss) != 0 ||
                   mcx_cx_serve_uar(hss_uar_handle, hss) != 0 ||
                   mcx_cx_serve_sar(hss_sar_handle, hss) != 0 ||
                   mcx_cx_serve_lir(hss_lir_handle, hss) != 0
               ? -1
               : 0;
}

/* Runs the server until SIGTERM/SIGINT; returns the process exit status. */
static int run(const struct hss_config *cfg)
{
    char err[512];
    struct hss hss;
    memset(&hss, 0, sizeof hss);
    hss.max_auth_items = cfg->max_auth_items;
    snprintf(hss.digest_qop, sizeof hss.digest_qop, "%s", cfg->digest_qop);

    if (mcx_store_open(cfg->database, &hss.store, err, sizeof err) != MCX_STORE_OK) {
        MCX_ERROR("start_failed", "stage=store reason=\"%s\"", err);
        return 1;
    }
    int status = 1;
    if (mcx_diameter_init(&cfg->diameter, err, sizeof err) != 0) {
        MCX_ERROR("start_failed", "stage=diameter_init reason=\"%s\"", err);
        goto out;
    }
    if (serve(&hss) != 0) {
        MCX_ERROR("start_failed", "stage=handlers reason=\"cannot register the Cx handlers\"");
        goto out;
    }
    if (mcx_diameter_start(err, sizeof err) != 0) {
        MCX_ERROR("start_failed", "stage=diameter_start reason=\"%s\"", err);
        goto out;
    }
    if (cfg->pidfile[0] && write_pidfile(cfg->pidfile) != 0) {
        MCX_ERROR("start_failed", "stage=pidfile path=%s", cfg->pidfile);
        goto out;
    }
    MCX_INFO("ready",
             "identity=%s realm=%s listen=%s port=%u tls=%s database=%s "
             "max_auth_items=%u pid=%ld version=%s",
             cfg->diameter.identity, cfg->diameter.realm, cfg->diameter.listen_address,
             cfg->diameter.listen_port, cfg->diameter.tls ? "on" : "off",
             mcx_store_backend(hss.store), cfg->max_auth_items, (long)getpid(), MCX_VERSION);

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    MCX_INFO("stopping", "signal=%s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    status = 0;
out:
    mcx_diameter_shutdown();
    mcx_store_close(hss.store);
    if (cfg->pidfile[0])
        unlink(cfg->pidfile);
    MCX_INFO("stopped", "status=%d", status);
    return status;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'}, {"pidfile", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
        {"check-config", no_argument, NULL, 't'}, {NULL, 0, NULL, 0}};
    const char *config_path = NULL, *pidfile = NULL;
    bool check_only = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "c:p:hVt", options, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config_path = optarg;
            break;
        case 'p':
            pidfile = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("mcx-hss %s\n", MCX_VERSION);
            return 0;
        case 't':
            check_only = true;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!config_path || optind != argc) {
        fprintf(stderr, "mcx-hss: %s\n",
                optind != argc ? "unexpected argument" : "--config FILE is required");
        usage(stderr);
        return 2;
    }

    mcx_log_init("mcx-hss", MCX_LOG_INFO, NULL);
    static struct hss_config cfg; /* large (Diameter peers): not on the stack */
    char err[512];
    if (hss_config_load(config_path, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "mcx-hss: %s\n", err);
        return 2;
    }
    if (pidfile &&
        (size_t)snprintf(cfg.pidfile, sizeof cfg.pidfile, "%s", pidfile) >= sizeof cfg.pidfile) {
        fprintf(stderr, "mcx-hss: --pidfile path is too long\n");
        return 2;
    }
    if (check_only) {
        printf("mcx-hss: %s: configuration OK (identity %s, %s:%u)\n", config_path,
               cfg.diameter.identity, cfg.diameter.listen_address, cfg.diameter.listen_port);
        return 0;
    }
    mcx_log_init("mcx-hss", cfg.log_level, NULL);

    /* Every thread created from here on (store, freeDiameter) inherits this mask, so the
     * stop signals reach only sigwait() in run(). */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    return run(&cfg);
}
