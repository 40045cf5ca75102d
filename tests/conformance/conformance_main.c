/* mcx-mms-conformance: NNG message-level conformance suite for migration management servers.
 *
 *   mcx-mms-conformance --role-under-test primary --url URL --impi I --impu U --k HEX --opc HEX
 *       --denied-impi I --denied-impu U [--origin SYSTEM] [--tls-ca F --tls-cert F --tls-key F]
 *   mcx-mms-conformance --role-under-test partner --url URL (where we listen as the primary)
 *       --partner-impi I --partner-impu U --primary-impi I --primary-impu U
 *       --unbound-impi I --unbound-impu U --k HEX --opc HEX
 *       --diameter-identity ID --diameter-realm R --diameter-address A --diameter-port P
 *       --peer-identity ID --peer-realm R --peer-address A --peer-port P ...
 *
 * Prints one "PASS name" or "FAIL name: reason" line per case and "N passed, N failed".
 * Exit status: 0 all passed, 1 some failed, 2 usage. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "core/codec.h"
#include "core/log.h"

int conf_fail(char *why, size_t why_cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_cap, fmt, ap);
    va_end(ap);
    return -1;
}

void conf_run_cases(const struct conf_options *opt, const struct conf_case *cases, size_t n,
                    unsigned *passed, unsigned *failed)
{
    for (size_t i = 0; i < n; i++) {
        char why[512] = "";
        if (cases[i].run(opt, why, sizeof why) == 0) {
            printf("PASS  %s\n", cases[i].name);
            (*passed)++;
        } else {
            printf("FAIL  %s: %s\n", cases[i].name, why[0] ? why : "(no reason)");
            (*failed)++;
        }
        fflush(stdout);
    }
}

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: mcx-mms-conformance --role-under-test primary|partner --url URL [options]\n"
        "\n"
        "common:   --tls-ca F --tls-cert F --tls-key F [--tls-peer-name N]  (tls+tcp:// URLs)\n"
        "          --wait-ms N (answer wait per case, default 5000)\n"
        "          --k HEX --opc HEX (the test subscriber's keys: vectors are verified / made)\n"
        "primary:  --url = the primary's REP URL; the suite acts as a partner MMS\n"
        "          --impi I --impu U (subscriber allowing --origin)\n"
        "          --denied-impi I --denied-impu U (subscriber not allowing --origin)\n"
        "          --origin SYSTEM (default partner.mcx.lab) --unknown-origin SYSTEM\n"
        "          --max-message N (server limit, default 65536) --in-flight N (default 200)\n"
        "partner:  --url = where the suite listens as the primary (the binding's primary_mms)\n"
        "          --partner-impi I --partner-impu U --primary-impi I --primary-impu U\n"
        "          --unbound-impi I --unbound-impu U --partner-system S --primary-system S\n"
        "          --partner-timeout-ms N (the partner's link timeout, default 2000)\n"
        "          --diameter-identity ID --diameter-realm R --diameter-address A\n"
        "          --diameter-port P --diameter-state-dir D (our Cx client)\n"
        "          --peer-identity ID --peer-realm R --peer-address A --peer-port P (partner)\n"
        "          --in-flight N (default 200)\n");
}

/* Copies optarg into a bounded option field; exits 2 when too long. */
static void set_text(char *out, size_t cap, const char *name)
{
    if (strlen(optarg) >= cap) {
        fprintf(stderr, "mcx-mms-conformance: --%s is too long\n", name);
        exit(2);
    }
    memcpy(out, optarg, strlen(optarg) + 1);
}

static unsigned get_number(const char *name, unsigned min, unsigned max)
{
    char *end;
    unsigned long v = strtoul(optarg, &end, 10);
    if (*optarg == '\0' || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "mcx-mms-conformance: --%s must be %u-%u\n", name, min, max);
        exit(2);
    }
    return (unsigned)v;
}

static void get_key(const char *name, uint8_t out[16])
{
    if (mcx_hex_decode_exact(optarg, out, 16) != 0) {
        fprintf(stderr, "mcx-mms-conformance: --%s must be 32 hex digits\n", name);
        exit(2);
    }
}

static void set_defaults(struct conf_options *o)
{
    memset(o, 0, sizeof *o);
    o->wait_ms = 5000;
    o->in_flight = 200;
    o->max_message = 64 * 1024;
    o->partner_timeout_ms = 2000;
    strcpy(o->origin, "partner.mcx.lab");
    strcpy(o->unknown_origin, "unknown.conformance.invalid");
    strcpy(o->partner_system, "partner.mcx.lab");
    strcpy(o->primary_system, "primary.mcx.lab");
    strcpy(o->dia_identity, "conformance.partner.mcx.lab");
    strcpy(o->dia_realm, "partner.mcx.lab");
    strcpy(o->dia_address, "127.0.20.1");
    o->dia_port = 3874;
    strcpy(o->dia_state_dir, "/tmp/mcx-mms-conformance");
    strcpy(o->peer_identity, "mms.partner.mcx.lab");
    strcpy(o->peer_realm, "partner.mcx.lab");
    strcpy(o->peer_address, "127.0.20.1");
    o->peer_port = 3870;
}

#define TEXT(field, name) set_text(o->field, sizeof o->field, name)

int main(int argc, char **argv)
{
    enum {
        O_ROLE = 256,
        O_URL,
        O_CA,
        O_CERT,
        O_KEY,
        O_PEER_NAME,
        O_WAIT,
        O_INFLIGHT,
        O_ORIGIN,
        O_UNKNOWN_ORIGIN,
        O_IMPI,
        O_IMPU,
        O_K,
        O_OPC,
        O_DENIED_IMPI,
        O_DENIED_IMPU,
        O_MAXMSG,
        O_PARTNER_SYSTEM,
        O_PRIMARY_SYSTEM,
        O_P_IMPI,
        O_P_IMPU,
        O_PR_IMPI,
        O_PR_IMPU,
        O_U_IMPI,
        O_U_IMPU,
        O_PTIMEOUT,
        O_D_ID,
        O_D_REALM,
        O_D_ADDR,
        O_D_PORT,
        O_D_STATE,
        O_PEER_ID,
        O_PEER_REALM,
        O_PEER_ADDR,
        O_PEER_PORT,
        O_HELP,
    };
    static const struct option options[] = {
        {"role-under-test", required_argument, NULL, O_ROLE},
        {"url", required_argument, NULL, O_URL},
        {"tls-ca", required_argument, NULL, O_CA},
        {"tls-cert", required_argument, NULL, O_CERT},
        {"tls-key", required_argument, NULL, O_KEY},
        {"tls-peer-name", required_argument, NULL, O_PEER_NAME},
        {"wait-ms", required_argument, NULL, O_WAIT},
        {"in-flight", required_argument, NULL, O_INFLIGHT},
        {"origin", required_argument, NULL, O_ORIGIN},
        {"unknown-origin", required_argument, NULL, O_UNKNOWN_ORIGIN},
        {"impi", required_argument, NULL, O_IMPI},
        {"impu", required_argument, NULL, O_IMPU},
        {"k", required_argument, NULL, O_K},
        {"opc", required_argument, NULL, O_OPC},
        {"denied-impi", required_argument, NULL, O_DENIED_IMPI},
        {"denied-impu", required_argument, NULL, O_DENIED_IMPU},
        {"max-message", required_argument, NULL, O_MAXMSG},
        {"partner-system", required_argument, NULL, O_PARTNER_SYSTEM},
        {"primary-system", required_argument, NULL, O_PRIMARY_SYSTEM},
        {"partner-impi", required_argument, NULL, O_P_IMPI},
        {"partner-impu", required_argument, NULL, O_P_IMPU},
        {"primary-impi", required_argument, NULL, O_PR_IMPI},
        {"primary-impu", required_argument, NULL, O_PR_IMPU},
        {"unbound-impi", required_argument, NULL, O_U_IMPI},
        {"unbound-impu", required_argument, NULL, O_U_IMPU},
        {"partner-timeout-ms", required_argument, NULL, O_PTIMEOUT},
        {"diameter-identity", required_argument, NULL, O_D_ID},
        {"diameter-realm", required_argument, NULL, O_D_REALM},
        {"diameter-address", required_argument, NULL, O_D_ADDR},
        {"diameter-port", required_argument, NULL, O_D_PORT},
        {"diameter-state-dir", required_argument, NULL, O_D_STATE},
        {"peer-identity", required_argument, NULL, O_PEER_ID},
        {"peer-realm", required_argument, NULL, O_PEER_REALM},
        {"peer-address", required_argument, NULL, O_PEER_ADDR},
        {"peer-port", required_argument, NULL, O_PEER_PORT},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    static struct conf_options opts;
    struct conf_options *o = &opts;
    bool have_k = false, have_opc = false;
    unsigned passed = 0, failed = 0;
    int c;

    set_defaults(o);
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case O_ROLE:
            TEXT(role, "role-under-test");
            break;
        case O_URL:
            TEXT(url, "url");
            break;
        case O_CA:
            TEXT(tls_ca, "tls-ca");
            break;
        case O_CERT:
            TEXT(tls_cert, "tls-cert");
            break;
        case O_KEY:
            TEXT(tls_key, "tls-key");
            break;
        case O_PEER_NAME:
            TEXT(tls_peer_name, "tls-peer-name");
            break;
        case O_WAIT:
            o->wait_ms = get_number("wait-ms", 100, 600000);
            break;
        case O_INFLIGHT:
            o->in_flight = get_number("in-flight", 1, 10000);
            break;
        case O_ORIGIN:
            TEXT(origin, "origin");
            break;
        case O_UNKNOWN_ORIGIN:
            TEXT(unknown_origin, "unknown-origin");
            break;
        case O_IMPI:
            TEXT(impi, "impi");
            break;
        case O_IMPU:
            TEXT(impu, "impu");
            break;
        case O_K:
            get_key("k", o->k);
            have_k = true;
            break;
        case O_OPC:
            get_key("opc", o->opc);
            have_opc = true;
            break;
        case O_DENIED_IMPI:
            TEXT(denied_impi, "denied-impi");
            break;
        case O_DENIED_IMPU:
            TEXT(denied_impu, "denied-impu");
            break;
        case O_MAXMSG:
            o->max_message = get_number("max-message", 1024, 16u << 20);
            break;
        case O_PARTNER_SYSTEM:
            TEXT(partner_system, "partner-system");
            break;
        case O_PRIMARY_SYSTEM:
            TEXT(primary_system, "primary-system");
            break;
        case O_P_IMPI:
            TEXT(partner_impi, "partner-impi");
            break;
        case O_P_IMPU:
            TEXT(partner_impu, "partner-impu");
            break;
        case O_PR_IMPI:
            TEXT(primary_impi, "primary-impi");
            break;
        case O_PR_IMPU:
            TEXT(primary_impu, "primary-impu");
            break;
        case O_U_IMPI:
            TEXT(unbound_impi, "unbound-impi");
            break;
        case O_U_IMPU:
            TEXT(unbound_impu, "unbound-impu");
            break;
        case O_PTIMEOUT:
            o->partner_timeout_ms = get_number("partner-timeout-ms", 10, 600000);
            break;
        case O_D_ID:
            TEXT(dia_identity, "diameter-identity");
            break;
        case O_D_REALM:
            TEXT(dia_realm, "diameter-realm");
            break;
        case O_D_ADDR:
            TEXT(dia_address, "diameter-address");
            break;
        case O_D_PORT:
            o->dia_port = (uint16_t)get_number("diameter-port", 1, 65535);
            break;
        case O_D_STATE:
            TEXT(dia_state_dir, "diameter-state-dir");
            break;
        case O_PEER_ID:
            TEXT(peer_identity, "peer-identity");
            break;
        case O_PEER_REALM:
            TEXT(peer_realm, "peer-realm");
            break;
        case O_PEER_ADDR:
            TEXT(peer_address, "peer-address");
            break;
        case O_PEER_PORT:
            o->peer_port = (uint16_t)get_number("peer-port", 1, 65535);
            break;
        case O_HELP:
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    o->have_keys = have_k && have_opc;
    if (optind != argc || !o->url[0] || !o->have_keys) {
        fprintf(stderr, "mcx-mms-conformance: --url, --k and --opc are required\n");
        usage(stderr);
        return 2;
    }
    if (o->tls_cert[0] && !o->tls_key[0]) {
        fprintf(stderr, "mcx-mms-conformance: --tls-cert needs --tls-key\n");
        return 2;
    }
    mcx_log_init("mcx-mms-conformance", MCX_LOG_WARN, stderr);
    if (strcmp(o->role, "primary") == 0) {
        if (!o->impi[0] || !o->impu[0]) {
            fprintf(stderr, "mcx-mms-conformance: --impi and --impu are required\n");
            return 2;
        }
        conf_primary_run(o, &passed, &failed);
    } else if (strcmp(o->role, "partner") == 0) {
        if (!o->partner_impi[0] || !o->partner_impu[0] || !o->primary_impi[0] ||
            !o->primary_impu[0] || !o->unbound_impi[0] || !o->unbound_impu[0]) {
            fprintf(stderr, "mcx-mms-conformance: the partner role needs --partner-impi/impu, "
                            "--primary-impi/impu and --unbound-impi/impu\n");
            return 2;
        }
        conf_partner_run(o, &passed, &failed);
    } else {
        fprintf(stderr, "mcx-mms-conformance: --role-under-test must be primary or partner\n");
        return 2;
    }
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
