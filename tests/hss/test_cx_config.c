/* lib/cx/cx_config: the `diameter:` YAML section into struct mcx_diameter_config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "cx/cx_config.h"

/* Parses the diameter: section of text over defaults; returns the parse result, err filled. */
static int parse(const char *text, struct mcx_diameter_config *out, char *err, size_t cap)
{
    char load_err[256];
    struct mcx_config *cfg =
        mcx_config_load_string("t.yaml", text, strlen(text), load_err, sizeof load_err);
    assert_non_null(cfg);
    mcx_diameter_config_defaults(out);
    snprintf(out->identity, sizeof out->identity, "default.id");
    const struct mcx_config_node *section = mcx_config_lookup(mcx_config_root(cfg), "diameter");
    err[0] = '\0';
    int rc = mcx_cx_config_parse(section, out, err, cap);
    mcx_config_free(cfg);
    return rc;
}

static void full_section(void **state)
{
    (void)state;
    struct mcx_diameter_config c;
    char err[256];
    const char *text = "diameter:\n"
                       "  identity: hss.primary.mcx.lab\n"
                       "  realm: primary.mcx.lab\n"
                       "  address: 127.0.10.1\n"
                       "  port: 3868\n"
                       "  state_dir: /tmp/x\n"
                       "  extension_dir: /usr/lib/freeDiameter\n"
                       "  watchdog: 6s\n"
                       "  reconnect: 2s\n"
                       "  tls: {enabled: true, cert: c.pem, key: k.pem, ca: ca.pem}\n"
                       "  peers:\n"
                       "    - {identity: a.primary.mcx.lab, address: 127.0.10.5, port: 3871}\n"
                       "    - identity: b.primary.mcx.lab\n"
                       "      address: ::1\n"
                       "      port: 3872\n"
                       "  accept: ['*.partner.mcx.lab', mms.primary.mcx.lab]\n";
    assert_int_equal(parse(text, &c, err, sizeof err), 0);
    assert_string_equal(c.identity, "hss.primary.mcx.lab");
    assert_string_equal(c.realm, "primary.mcx.lab");
    assert_string_equal(c.listen_address, "127.0.10.1");
    assert_int_equal(c.listen_port, 3868);
    assert_string_equal(c.state_dir, "/tmp/x");
    assert_int_equal(c.watchdog_seconds, 6);
    assert_int_equal(c.reconnect_seconds, 2);
    assert_true(c.tls);
    assert_string_equal(c.tls_cert, "c.pem");
    assert_string_equal(c.tls_key, "k.pem");
    assert_string_equal(c.tls_ca, "ca.pem");
    assert_int_equal(c.peer_count, 2);
    assert_string_equal(c.peers[0].identity, "a.primary.mcx.lab");
    assert_string_equal(c.peers[0].address, "127.0.10.5");
    assert_int_equal(c.peers[0].port, 3871);
    assert_string_equal(c.peers[1].address, "::1");
    assert_int_equal(c.peers[1].port, 3872);
    assert_int_equal(c.accept_count, 2);
    assert_string_equal(c.accept[0], "*.partner.mcx.lab");
    assert_string_equal(c.accept[1], "mms.primary.mcx.lab");
}

/* Absent keys keep the caller's defaults; an absent section changes nothing. */
static void defaults_kept(void **state)
{
    (void)state;
    struct mcx_diameter_config c;
    char err[256];
    assert_int_equal(parse("diameter: {port: 3999}\n", &c, err, sizeof err), 0);
    assert_string_equal(c.identity, "default.id");
    assert_int_equal(c.listen_port, 3999);
    assert_int_equal(c.watchdog_seconds, 30);
    assert_int_equal(c.reconnect_seconds, 5);
    assert_false(c.tls);
    assert_string_equal(c.extension_dir, "/usr/lib/freeDiameter");
    assert_int_equal(parse("other: 1\n", &c, err, sizeof err), 0);
    assert_string_equal(c.identity, "default.id");
    /* TLS disabled: cert/key/ca are not required. */
    assert_int_equal(parse("diameter: {tls: {enabled: false}}\n", &c, err, sizeof err), 0);
    assert_false(c.tls);
}

/* Each bad input gives an error naming file:line and the key. */
static void errors_name_file_line(void **state)
{
    (void)state;
    struct mcx_diameter_config c;
    char err[256];
    static const struct {
        const char *text;
        const char *expect;
    } cases[] = {
        {"diameter:\n  identity: a\n  prot: 1\n", "t.yaml:3: unknown key 'prot'"},
        {"diameter:\n  port: 70000\n", "t.yaml:2: key 'diameter.port'"},
        {"diameter:\n  watchdog: 5s\n", "t.yaml:2: key 'diameter.watchdog'"},
        {"diameter:\n  watchdog: 6500ms\n", "whole seconds"},
        {"diameter:\n  reconnect: soon\n", "t.yaml:2: key 'diameter.reconnect'"},
        {"diameter:\n  tls: {enabled: true, cert: c.pem}\n", "missing key 'key'"},
        {"diameter:\n  tls: {enabled: maybe}\n", "diameter.tls.enabled"},
        {"diameter:\n  tls: {enabled: false, pin: x}\n", "unknown key 'pin'"},
        {"diameter:\n  peers:\n    - {identity: a, address: 127.0.0.1}\n", "missing key 'port'"},
        {"diameter:\n  peers:\n    - {identity: a, address: b, port: 1, tls: x}\n",
         "t.yaml:3: unknown key 'tls'"},
        {"diameter:\n  peers: x\n", "t.yaml:2: key 'diameter.peers'"},
        {"diameter:\n  accept: [a, [b]]\n", "t.yaml:2"},
        {"diameter: 5\n", "expected a map"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(parse(cases[i].text, &c, err, sizeof err), -1);
        if (!strstr(err, cases[i].expect))
            fail_msg("case %zu: \"%s\" does not contain \"%s\"", i, err, cases[i].expect);
    }
}

/* Values longer than the struct fields are errors, not truncations. */
static void too_long(void **state)
{
    (void)state;
    struct mcx_diameter_config c;
    char err[256], text[1200];
    char identity[400];
    memset(identity, 'a', sizeof identity - 1);
    identity[sizeof identity - 1] = '\0';
    snprintf(text, sizeof text, "diameter:\n  identity: %s\n", identity);
    assert_int_equal(parse(text, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "t.yaml:2: key 'diameter.identity': longer than 255"));
    snprintf(text, sizeof text, "diameter:\n  peers:\n    - {identity: %s, address: x, port: 1}\n",
             identity);
    assert_int_equal(parse(text, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "t.yaml:3"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_section),
        cmocka_unit_test(defaults_kept),
        cmocka_unit_test(errors_name_file_line),
        cmocka_unit_test(too_long),
    };
    return cmocka_run_group_tests_name("cx_config", tests, NULL, NULL);
}
