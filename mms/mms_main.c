/* mcx-mms: migration management server (TS 23.280 10.1.6.2), partner or primary role. */
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "cx/diameter.h"
#include "mms_config.h"
#include "mms_partner_cx.h"
#include "mms_partner_link.h"
#include "mms_primary_link.h"
#include "mms_serving.h"
#include "store/store.h"

#ifndef MCX_VERSION
#define MCX_VERSION "0"
#endif

#define HSS_WAIT_MS 5000

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mcx-mms --role partner|primary --config FILE [--check-config]\n"
            "       mcx-mms --help | --version\n"
            "\n"
            "Migration management server of 3GPP TS 23.280 clause 10.1.6.2.\n"
            "  --role partner   Cx server to the partner SIP core; forwards MAR for bound\n"
            "                   identities to the primary MMS over NNG (REQ)\n"
            "  --role primary   NNG REP server for partner MMSs; asks the SIP database (Cx MAR)\n"
            "  --config FILE    YAML configuration (sections 'mms' and 'diameter')\n"
            "  --check-config   load and check the configuration, then exit (0: valid)\n"
            "SIGTERM or SIGINT stops it cleanly. It logs event=ready when serving.\n");
}

static struct mms_config config; /* large (Diameter peers): static storage */

/* Binding listing callback: dials the binding's primary MMS ahead of the first request. */
static int dial_binding(void *ctx, const struct mcx_binding *binding)
{
    char err[256];
    (void)ctx;
    if (mms_partner_link_prepare(binding->primary_mms, err, sizeof err) != 0)
        MCX_WARN("link_prepare", "url=%s partner_impi=%s detail=\"%s\"", binding->primary_mms,
                 binding->partner_impi, err);
    return 0;
}

/* Starts the role's services; returns 0 or -1 after logging. */
static int start_role(struct mcx_store *store)
{
    char err[512];
    if (config.role == MMS_ROLE_PARTNER) {
        if (mms_partner_cx_register(&config, store) != 0)
            return -1;
    }
    if (mcx_diameter_start(err, sizeof err) != 0) {
        MCX_ERROR("diameter_start", "detail=\"%s\"", err);
        return -1;
    }
    if (config.role == MMS_ROLE_PARTNER) {
        mcx_store_binding_list(store, NULL, 0, dial_binding, NULL);
        return 0;
    }
    /* Serve partners once the HSS can be asked (after HSS_WAIT_MS anyway). */
    if (config.hss_host[0] && mcx_diameter_wait_peer(config.hss_host, HSS_WAIT_MS) != 0)
        MCX_WARN("hss_not_connected",
                 "host=%s detail=\"serving anyway; MARs fail with UNABLE_TO_COMPLY until it "
                 "connects\"",
                 config.hss_host);
    if (mms_primary_link_start(&config, store, err, sizeof err) != 0) {
        MCX_ERROR("link_start", "detail=\"%s\"", err);
        return -1;
    }
    return 0;
}

/* Stops the role's services in dependency order (link first, then Diameter). */
static void stop_role(void)
{
    if (config.role == MMS_ROLE_PARTNER)
        mms_partner_links_close();
    else
        mms_primary_link_stop();
    mcx_diameter_shutdown();
    mms_serving_free_all();
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"role", required_argument, NULL, 'r'},   {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
        {"check-config", no_argument, NULL, 't'}, {NULL, 0, NULL, 0},
    };
    const char *role_text = NULL, *path = NULL;
    enum mms_role role;
    struct mcx_store *store = NULL;
    char err[512];
    sigset_t stop_signals;
    int opt, sig = 0, status = 1;
    bool check_only = false;

    while ((opt = getopt_long(argc, argv, "r:c:hVt", options, NULL)) != -1) {
        switch (opt) {
        case 'r':
            role_text = optarg;
            break;
        case 'c':
            path = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("mcx-mms %s\n", MCX_VERSION);
            return 0;
        case 't':
            check_only = true;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc || !role_text || !path) {
        fprintf(stderr, "mcx-mms: --role and --config are required\n");
        usage(stderr);
        return 2;
    }
    if (mms_role_parse(role_text, &role) != 0) {
        fprintf(stderr, "mcx-mms: --role must be partner or primary, not '%s'\n", role_text);
        return 2;
    }
    if (mms_config_load(path, role, &config, err, sizeof err) != 0) {
        fprintf(stderr, "mcx-mms: %s\n", err);
        return 2;
    }
    if (check_only) {
        printf("mcx-mms: %s: configuration OK (role %s, system %s)\n", path, mms_role_name(role),
               config.system_id);
        return 0;
    }
    mcx_log_init("mcx-mms", config.log_level, NULL);

    /* Every thread created from here on inherits the blocked set; main waits for them. */
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (mcx_store_open(config.database, &store, err, sizeof err) != MCX_STORE_OK) {
        MCX_ERROR("store_open", "detail=\"%s\"", err);
        return 1;
    }
    if (mcx_diameter_init(&config.diameter, err, sizeof err) != 0) {
        MCX_ERROR("diameter_init", "detail=\"%s\"", err);
        mcx_store_close(store);
        return 1;
    }
    if (start_role(store) == 0) {
        MCX_INFO("ready", "role=%s system=%s identity=%s diameter=%s:%u%s%s", mms_role_name(role),
                 config.system_id, config.diameter.identity, config.diameter.listen_address,
                 (unsigned)config.diameter.listen_port, config.listen_url[0] ? " link=" : "",
                 config.listen_url);
        sigwait(&stop_signals, &sig);
        MCX_INFO("stopping", "signal=%s", sig == SIGINT ? "SIGINT" : "SIGTERM");
        status = 0;
    }
    stop_role();
    mcx_store_close(store);
    if (status == 0)
        MCX_INFO("stopped", "role=%s", mms_role_name(role));
    return status;
}
