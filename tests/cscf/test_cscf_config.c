/* Unit tests of the mcx-cscf YAML configuration: values, defaults, errors naming file:line:key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cscf_config.h"

static int parse(const char *text, struct cscf_config *cfg, char *err, size_t cap)
{
    return cscf_config_parse("cscf.yaml", text, strlen(text), cfg, err, cap);
}

static void reads_a_full_file(void **state)
{
    (void)state;
    static const char text[] =
        "log: {level: debug}\n"
        "sip: {address: \"::1\", port: 5070, workers: 3, tcp: false, tcp_connections: 10,\n"
        "      tcp_idle_timeout: 2m}\n"
        "registrar:\n"
        "  server_name: sip:scscf.partner.mcx.lab:5060\n"
        "  visited_network: partner.mcx.lab\n"
        "  service_route: \"<sip:orig@127.0.20.1:5060;lr>\"\n"
        "  min_expires: 30\n"
        "  max_expires: 600\n"
        "  default_expires: 300\n"
        "  nonce_ttl: 10s\n"
        "  auth_items: 4\n"
        "  uar: false\n"
        "  shards: 64\n"
        "  cx_timeout: 500ms\n"
        "  cx_peer_wait: 0s\n"
        "routes:\n"
        "  - {match: \"*@mig.partner.mcx.lab\", realm: partner.mcx.lab, "
        "host: mms.partner.mcx.lab}\n"
        "  - {match: \"*\", realm: partner.mcx.lab}\n"
        "diameter:\n"
        "  identity: cscf.partner.mcx.lab\n"
        "  realm: partner.mcx.lab\n"
        "  address: 127.0.20.1\n"
        "  port: 3872\n";
    static struct cscf_config cfg;
    char err[256] = "";
    assert_int_equal(parse(text, &cfg, err, sizeof err), 0);
    assert_int_equal(cfg.log_level, MCX_LOG_DEBUG);
    assert_string_equal(cfg.sip.address, "::1");
    assert_int_equal(cfg.sip.port, 5070);
    assert_int_equal(cfg.sip.workers, 3);
    assert_false(cfg.sip.tcp);
    assert_int_equal(cfg.sip.tcp_max_connections, 10);
    assert_int_equal(cfg.sip.tcp_idle_ms, 120000);
    assert_string_equal(cfg.registrar.server_name, "sip:scscf.partner.mcx.lab:5060");
    assert_string_equal(cfg.registrar.service_route, "<sip:orig@127.0.20.1:5060;lr>");
    assert_int_equal(cfg.registrar.min_expires, 30);
    assert_int_equal(cfg.registrar.max_expires, 600);
    assert_int_equal(cfg.registrar.default_expires, 300);
    assert_int_equal(cfg.registrar.nonce_ttl_ms, 10000);
    assert_int_equal(cfg.registrar.auth_items, 4);
    assert_false(cfg.registrar.use_uar);
    assert_int_equal(cfg.shards, 64);
    assert_int_equal(cfg.cx_timeout_ms, 500);
    assert_int_equal(cfg.cx_peer_wait_ms, 0);
    assert_int_equal(cfg.registrar.routes.count, 2);
    assert_string_equal(cfg.registrar.routes.routes[0].dest.host, "mms.partner.mcx.lab");
    assert_string_equal(cfg.registrar.routes.routes[1].dest.host, "");
    const struct mcx_cx_route *r =
        cscf_route_lookup(&cfg.registrar.routes, "sip:bob@mig.partner.mcx.lab");
    assert_non_null(r);
    assert_string_equal(r->host, "mms.partner.mcx.lab");
    assert_string_equal(cfg.diameter.identity, "cscf.partner.mcx.lab");
    assert_int_equal(cfg.diameter.listen_port, 3872);
}

static void defaults_apply(void **state)
{
    (void)state;
    static struct cscf_config cfg;
    char err[256];
    assert_int_equal(
        parse("registrar: {server_name: \"sip:s\"}\nroutes: [{match: \"*\", realm: r}]\n", &cfg,
              err, sizeof err),
        0);
    assert_int_equal(cfg.sip.port, 5060);
    assert_true(cfg.sip.tcp);
    assert_int_equal(cfg.sip.workers, 0);
    assert_int_equal(cfg.sip.tcp_max_connections, 4096);
    assert_int_equal(cfg.sip.tcp_idle_ms, 600000);
    assert_int_equal(cfg.registrar.min_expires, 60);
    assert_int_equal(cfg.registrar.nonce_ttl_ms, 30000);
    assert_true(cfg.registrar.use_uar);
    assert_int_equal(cfg.cx_timeout_ms, 2000);
    assert_int_equal(cfg.cx_peer_wait_ms, 5000);
}

static void errors_name_file_line_and_key(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *expect;
    } cases[] = {
        {"registrar: {server_name: s}\nroutes: [{match: a, realm: r}]\nsipp: {}\n", "cscf.yaml:3"},
        {"registrar: {server_name: s, min_expires: x}\nroutes: [{match: a, realm: r}]\n",
         "min_expires"},
        {"registrar: {server_name: s}\nroutes: [{match: a, realm: r, hots: h}]\n", "hots"},
        {"registrar: {server_name: s}\nroutes: []\n", "at least one route"},
        {"routes: [{match: a, realm: r}]\n", "registrar"},
        {"registrar: {server_name: s}\nroutes: [{match: a}]\n", "realm"},
        {"registrar: {server_name: s}\nroutes: [{match: a, realm: r}]\nsip: {port: 70000}\n",
         "sip.port"},
        {"registrar: {server_name: s, min_expires: 100, max_expires: 50}\n"
         "routes: [{match: a, realm: r}]\n",
         "max_expires"},
        {"registrar: {server_name: s}\nroutes: [{match: a, realm: r}]\nlog: {level: loud}\n",
         "log.level"},
        {"registrar: {server_name: s}\nroutes: [{match: a, realm: r}]\ndiameter: {prot: 1}\n",
         "prot"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        static struct cscf_config cfg;
        char err[256] = "";
        if (parse(cases[i].text, &cfg, err, sizeof err) != -1 ||
            strstr(err, cases[i].expect) == NULL || strncmp(err, "cscf.yaml:", 10) != 0)
            fail_msg("case %zu: err=\"%s\" (wanted \"%s\")", i, err, cases[i].expect);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_a_full_file),
        cmocka_unit_test(defaults_apply),
        cmocka_unit_test(errors_name_file_line_and_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
