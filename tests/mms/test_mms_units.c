/* Unit tests of mcx-mms's pure parts: configuration, identity mapping, User-Data XML and the
 * assigned-S-CSCF table (suite 'unit'). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mms_config.h"
#include "mms_map.h"
#include "mms_serving.h"
#include "mms_userdata.h"

/* Writes text to a temporary file and loads it for role; returns the load result. */
static int load(const char *text, enum mms_role role, struct mms_config *cfg, char *err, size_t cap)
{
    char path[] = "/tmp/mms-unit-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    int rc = mms_config_load(path, role, cfg, err, cap);
    unlink(path);
    return rc;
}

static const char *PRIMARY = "mms:\n"
                             "  system_id: primary.mcx.lab\n"
                             "  database: sqlite:/tmp/x.db\n"
                             "  partners: [partner.mcx.lab, other.mcx.lab]\n"
                             "  hss: {realm: primary.mcx.lab, host: hss.primary.mcx.lab}\n"
                             "  link: {listen: 'tcp://127.0.10.1:7300', contexts: 8}\n"
                             "diameter:\n"
                             "  identity: mms.primary.mcx.lab\n"
                             "  port: 3873\n";

static void config_primary_ok(void **state)
{
    (void)state;
    static struct mms_config cfg;
    char err[256] = "";
    assert_int_equal(load(PRIMARY, MMS_ROLE_PRIMARY, &cfg, err, sizeof err), 0);
    assert_string_equal(cfg.system_id, "primary.mcx.lab");
    assert_int_equal(cfg.partner_count, 2);
    assert_true(mms_config_is_partner(&cfg, "other.mcx.lab"));
    assert_false(mms_config_is_partner(&cfg, "partner.mcx.la"));
    assert_int_equal(cfg.contexts, 8);
    assert_int_equal(cfg.timeout_ms, 2000); /* default */
    assert_int_equal(cfg.max_message, 65536);
    assert_string_equal(cfg.diameter.identity, "mms.primary.mcx.lab");
    assert_int_equal(cfg.diameter.listen_port, 3873);
}

static void config_errors(void **state)
{
    (void)state;
    static struct mms_config cfg;
    char err[256];
    static const struct {
        const char *text;
        enum mms_role role;
        const char *want;
    } cases[] = {
        {"mms: {system_id: a, database: b, lnk: {}}\ndiameter: {}\n", MMS_ROLE_PARTNER,
         ":1: unknown key 'lnk'"},
        {"mms: {system_id: a}\ndiameter: {}\n", MMS_ROLE_PARTNER, "missing key 'database'"},
        {"mms: {system_id: a, database: b}\ndiameter: {}\n", MMS_ROLE_PRIMARY, "mms.partners"},
        {"mms: {database: b, partners: [p], link: {listen: ''}}\n", MMS_ROLE_PRIMARY,
         "mms.link.listen"},
        {"mms:\n  system_id: a\n  database: b\n  link: {timeout: 5}\ndiameter: {}\n",
         MMS_ROLE_PARTNER, ":4:"},
        {"mms:\n  system_id: a\n  database: b\n  link: {tls: {cert: c}}\ndiameter: {}\n",
         MMS_ROLE_PARTNER, "missing key 'key'"},
        {"mms:\n  system_id: a\n  database: b\n  link: {reconnect_min: 2s, reconnect_max: 1s}\n"
         "diameter: {}\n",
         MMS_ROLE_PARTNER, "reconnect_min"},
        {"mms: {system_id: a, database: b, log_level: loud}\ndiameter: {}\n", MMS_ROLE_PARTNER,
         "log_level"},
        {"mms: {system_id: a, database: b}\ndiameter: {prot: 1}\n", MMS_ROLE_PARTNER, "prot"},
        {"mms: {database: b}\nhss: {}\n", MMS_ROLE_PARTNER, "unknown key 'hss'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err[0] = '\0';
        assert_int_equal(load(cases[i].text, cases[i].role, &cfg, err, sizeof err), -1);
        if (!strstr(err, cases[i].want)) {
            print_error("case %zu: '%s' does not contain '%s'\n", i, err, cases[i].want);
            fail();
        }
    }
}

static void config_lab_defaults(void **state)
{
    (void)state;
    static struct mms_config cfg;
    char err[256] = "";
    assert_int_equal(
        load("mms: {database: 'sqlite:/tmp/p.db'}\n", MMS_ROLE_PARTNER, &cfg, err, sizeof err), 0);
    assert_string_equal(cfg.system_id, "partner.mcx.lab");
    assert_string_equal(cfg.diameter.identity, "mms.partner.mcx.lab");
    assert_string_equal(cfg.diameter.listen_address, "127.0.20.1");
    assert_int_equal(cfg.diameter.listen_port, 3870);
    assert_int_equal(cfg.diameter.accept_count, 1);
    assert_string_equal(cfg.diameter.accept[0], "*.partner.mcx.lab");
    assert_string_equal(cfg.diameter.state_dir, "/tmp/mcx-mms-mms.partner.mcx.lab-3870");
    assert_int_equal(load("mms: {database: d, partners: [partner.mcx.lab]}\n"
                          "diameter: {port: 3999}\n",
                          MMS_ROLE_PRIMARY, &cfg, err, sizeof err),
                     0);
    assert_string_equal(cfg.listen_url, "tcp://127.0.10.1:7300");
    assert_string_equal(cfg.hss_host, "hss.primary.mcx.lab");
    assert_int_equal(cfg.diameter.peer_count, 1);
    assert_string_equal(cfg.diameter.peers[0].identity, "hss.primary.mcx.lab");
    assert_int_equal(cfg.diameter.peers[0].port, 3868);
    assert_int_equal(cfg.diameter.listen_port, 3999);
    assert_string_equal(cfg.diameter.state_dir, "/tmp/mcx-mms-mms.primary.mcx.lab-3999");
    /* peers in the file replace the default HSS peer */
    assert_int_equal(load("mms: {database: d, partners: [p]}\n"
                          "diameter: {peers: [{identity: h.x, address: 127.0.0.9, port: 1}]}\n",
                          MMS_ROLE_PRIMARY, &cfg, err, sizeof err),
                     0);
    assert_int_equal(cfg.diameter.peer_count, 1);
    assert_string_equal(cfg.diameter.peers[0].identity, "h.x");
}

static void fill_binding(struct mcx_binding *b)
{
    memset(b, 0, sizeof *b);
    strcpy(b->partner_impi, "a&b@mig.partner.mcx.lab");
    strcpy(b->partner_impu[0], "sip:alice@mig.partner.mcx.lab");
    strcpy(b->partner_impu[1], "tel:+4670001<x>");
    strcpy(b->partner_impu[2], "sip:third@mig.partner.mcx.lab");
    b->partner_impu_count = 3;
    strcpy(b->primary_impi, "alice@primary.mcx.lab");
    strcpy(b->primary_impu[0], "sip:alice@primary.mcx.lab");
    strcpy(b->primary_impu[1], "tel:+4611111");
    b->primary_impu_count = 2;
}

static void map_positional(void **state)
{
    (void)state;
    struct mcx_binding b;
    fill_binding(&b);
    assert_int_equal(mms_map_partner_impu_index(&b, "tel:+4670001<x>"), 1);
    assert_int_equal(mms_map_partner_impu_index(&b, "sip:alice@primary.mcx.lab"), -1);
    assert_string_equal(mms_map_primary_impu(&b, 0), "sip:alice@primary.mcx.lab");
    assert_string_equal(mms_map_primary_impu(&b, 1), "tel:+4611111");
    assert_string_equal(mms_map_primary_impu(&b, 2), "tel:+4611111"); /* fewer primary IMPUs */
    assert_string_equal(mms_map_partner_impu_of_primary(&b, "tel:+4611111"), "tel:+4670001<x>");
    assert_null(mms_map_partner_impu_of_primary(&b, "sip:bob@primary.mcx.lab"));
}

static void userdata_xml(void **state)
{
    (void)state;
    struct mcx_binding b;
    uint8_t buf[2048];
    char text[2049];
    fill_binding(&b);
    int len = mms_userdata_build(&b, buf, sizeof buf);
    assert_true(len > 0);
    memcpy(text, buf, (size_t)len);
    text[len] = '\0';
    assert_non_null(strstr(text, "<PrivateID>a&amp;b@mig.partner.mcx.lab</PrivateID>"));
    assert_non_null(strstr(text, "<Identity>tel:+4670001&lt;x&gt;</Identity>"));
    assert_non_null(strstr(text, "<Identity>sip:third@mig.partner.mcx.lab</Identity>"));
    assert_null(strstr(text, "primary.mcx.lab"));           /* partner identities only */
    assert_int_equal(mms_userdata_build(&b, buf, 100), -1); /* too small: error, no overrun */
}

static void serving_table(void **state)
{
    (void)state;
    char out[256];
    assert_false(mms_serving_get("x@y", out, sizeof out));
    assert_int_equal(mms_serving_set("x@y", "sip:s1"), 0);
    assert_int_equal(mms_serving_set("x@y", "sip:s2"), 0);
    assert_true(mms_serving_get("x@y", out, sizeof out));
    assert_string_equal(out, "sip:s2");
    assert_false(mms_serving_get("x@y", out, 4)); /* does not fit */
    mms_serving_clear("x@y");
    assert_false(mms_serving_get("x@y", out, sizeof out));
    for (int i = 0; i < 10000; i++) {
        char impi[64];
        snprintf(impi, sizeof impi, "user%d@mig", i);
        assert_int_equal(mms_serving_set(impi, "sip:s"), 0);
    }
    assert_true(mms_serving_get("user9999@mig", out, sizeof out));
    mms_serving_free_all();
    assert_false(mms_serving_get("user9999@mig", out, sizeof out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_primary_ok),   cmocka_unit_test(config_errors),
        cmocka_unit_test(config_lab_defaults), cmocka_unit_test(map_positional),
        cmocka_unit_test(userdata_xml),        cmocka_unit_test(serving_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
