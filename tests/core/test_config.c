/* Unit tests of lib/core/config: YAML tree, typed getters and their file:line:key errors,
 * unknown and missing keys, YAML errors, loading from a file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"

static const char valid_yaml[] = "# mcx-hss\n"                              /* 1 */
                                 "identity: hss.primary.mcx.lab\n"          /* 2 */
                                 "cx:\n"                                    /* 3 */
                                 "  listen: 127.0.10.1\n"                   /* 4 */
                                 "  port: 3868\n"                           /* 5 */
                                 "  tls: no\n"                              /* 6 */
                                 "  workers: 4\n"                           /* 7 */
                                 "  timeout: 1500ms\n"                      /* 8 */
                                 "  peers:\n"                               /* 9 */
                                 "    - host: cscf.primary.mcx.lab\n"       /* 10 */
                                 "      port: 3871\n"                       /* 11 */
                                 "    - host: mms.primary.mcx.lab\n"        /* 12 */
                                 "      port: 3873\n"                       /* 13 */
                                 "realms: [primary.mcx.lab, \"mcx.lab\"]\n" /* 14 */
                                 "log:\n"                                   /* 15 */
                                 "  level: info\n"                          /* 16 */
                                 "  file: ~\n"                              /* 17 */
                                 "quoted: \"\"\n";                          /* 18 */

static struct mcx_config *load(const char *text)
{
    char err[256] = "";
    struct mcx_config *cfg =
        mcx_config_load_string("hss.yaml", text, strlen(text), err, sizeof err);
    if (!cfg)
        fail_msg("load failed: %s", err);
    return cfg;
}

/* Loads text expecting a load error; returns it in err. */
static void load_fails(const char *text, char *err, size_t cap)
{
    err[0] = '\0';
    struct mcx_config *cfg = mcx_config_load_string("hss.yaml", text, strlen(text), err, cap);
    assert_null(cfg);
}

static void valid_file(void **state)
{
    (void)state;
    struct mcx_config *cfg = load(valid_yaml);
    const struct mcx_config_node *root = mcx_config_root(cfg);
    char err[256] = "";
    const char *s = NULL;
    assert_int_equal(mcx_config_get_string(root, "identity", &s, err, sizeof err), 1);
    assert_string_equal(s, "hss.primary.mcx.lab");

    const struct mcx_config_node *cx = NULL;
    assert_int_equal(mcx_config_get_map(root, "cx", &cx, err, sizeof err), 1);
    assert_string_equal(mcx_config_node_path(cx), "cx");
    assert_int_equal(mcx_config_node_line(cx), 4);
    assert_int_equal(mcx_config_get_string(cx, "listen", &s, err, sizeof err), 1);
    assert_string_equal(s, "127.0.10.1");
    uint16_t port = 0;
    assert_int_equal(mcx_config_get_port(cx, "port", &port, err, sizeof err), 1);
    assert_int_equal(port, 3868);
    bool tls = true;
    assert_int_equal(mcx_config_get_bool(cx, "tls", &tls, err, sizeof err), 1);
    assert_false(tls);
    uint32_t workers = 0;
    assert_int_equal(mcx_config_get_u32(cx, "workers", 1, 64, &workers, err, sizeof err), 1);
    assert_int_equal(workers, 4);
    uint16_t workers16 = 0;
    assert_int_equal(mcx_config_get_u16(cx, "workers", 1, 8, &workers16, err, sizeof err), 1);
    assert_int_equal(workers16, 4);
    uint64_t ms = 0;
    assert_int_equal(mcx_config_get_duration_ms(cx, "timeout", 100, 60000, &ms, err, sizeof err),
                     1);
    assert_int_equal(ms, 1500);

    const struct mcx_config_node *peers = NULL;
    assert_int_equal(mcx_config_get_seq(cx, "peers", &peers, err, sizeof err), 1);
    assert_int_equal(mcx_config_node_count(peers), 2);
    const struct mcx_config_node *peer1 = mcx_config_node_at(peers, 1);
    assert_string_equal(mcx_config_node_path(peer1), "cx.peers[1]");
    assert_int_equal(mcx_config_get_string(peer1, "host", &s, err, sizeof err), 1);
    assert_string_equal(s, "mms.primary.mcx.lab");
    assert_int_equal(mcx_config_get_port(peer1, "port", &port, err, sizeof err), 1);
    assert_int_equal(port, 3873);
    assert_null(mcx_config_node_at(peers, 2));

    const char *realms[4];
    size_t n = 0;
    assert_int_equal(mcx_config_get_strings(root, "realms", realms, 4, &n, err, sizeof err), 1);
    assert_int_equal(n, 2);
    assert_string_equal(realms[0], "primary.mcx.lab");
    assert_string_equal(realms[1], "mcx.lab");

    /* Null and absent keys leave the preset default and return 0. */
    const struct mcx_config_node *log = NULL;
    assert_int_equal(mcx_config_get_map(root, "log", &log, err, sizeof err), 1);
    const char *file = "default.log";
    assert_int_equal(mcx_config_get_string(log, "file", &file, err, sizeof err), 0);
    assert_string_equal(file, "default.log");
    assert_int_equal(mcx_config_get_string(log, "absent", &file, err, sizeof err), 0);
    assert_int_equal(mcx_config_get_string(NULL, "anything", &file, err, sizeof err), 0);
    /* A quoted empty string is a value, not null. */
    assert_int_equal(mcx_config_get_string(root, "quoted", &s, err, sizeof err), 1);
    assert_string_equal(s, "");

    /* Iteration in file order. */
    assert_int_equal(mcx_config_node_count(root), 5);
    assert_string_equal(mcx_config_map_key(root, 0), "identity");
    assert_string_equal(mcx_config_map_key(root, 4), "quoted");
    assert_null(mcx_config_map_key(root, 5));
    assert_int_equal(mcx_config_node_kind(mcx_config_lookup(log, "file")), MCX_CONFIG_NULL);
    assert_string_equal(mcx_config_name(cfg), "hss.yaml");

    static const char *const top_keys[] = {"identity", "cx", "realms", "log", "quoted", NULL};
    static const char *const top_required[] = {"identity", "cx", NULL};
    assert_int_equal(mcx_config_check_keys(root, top_keys, top_required, err, sizeof err), 0);
    mcx_config_free(cfg);
}

/* One getter error case: YAML text, a call, and the exact message. */
struct getter_case {
    const char *yaml;
    int (*call)(const struct mcx_config_node *root, char *err, size_t cap);
    const char *message;
};

static const struct mcx_config_node *cx_of(const struct mcx_config_node *root)
{
    return mcx_config_lookup(root, "cx");
}

static int call_port(const struct mcx_config_node *root, char *err, size_t cap)
{
    uint16_t port;
    return mcx_config_get_port(cx_of(root), "port", &port, err, cap);
}

static int call_workers(const struct mcx_config_node *root, char *err, size_t cap)
{
    uint32_t workers;
    return mcx_config_get_u32(cx_of(root), "workers", 1, 32, &workers, err, cap);
}

static int call_u16(const struct mcx_config_node *root, char *err, size_t cap)
{
    uint16_t v;
    return mcx_config_get_u16(cx_of(root), "workers", 2, 9, &v, err, cap);
}

static int call_tls(const struct mcx_config_node *root, char *err, size_t cap)
{
    bool tls;
    return mcx_config_get_bool(cx_of(root), "tls", &tls, err, cap);
}

static int call_timeout(const struct mcx_config_node *root, char *err, size_t cap)
{
    uint64_t ms;
    return mcx_config_get_duration_ms(cx_of(root), "timeout", 100, 30000, &ms, err, cap);
}

static int call_string(const struct mcx_config_node *root, char *err, size_t cap)
{
    const char *s;
    return mcx_config_get_string(cx_of(root), "listen", &s, err, cap);
}

static int call_strings(const struct mcx_config_node *root, char *err, size_t cap)
{
    const char *items[2];
    size_t n;
    return mcx_config_get_strings(root, "realms", items, 2, &n, err, cap);
}

static int call_map(const struct mcx_config_node *root, char *err, size_t cap)
{
    const struct mcx_config_node *cx;
    return mcx_config_get_map(root, "cx", &cx, err, cap);
}

static int call_seq(const struct mcx_config_node *root, char *err, size_t cap)
{
    const struct mcx_config_node *peers;
    return mcx_config_get_seq(cx_of(root), "peers", &peers, err, cap);
}

static int call_peer_port(const struct mcx_config_node *root, char *err, size_t cap)
{
    const struct mcx_config_node *peers = mcx_config_lookup(cx_of(root), "peers");
    uint16_t port;
    return mcx_config_get_port(mcx_config_node_at(peers, 1), "port", &port, err, cap);
}

static const struct getter_case getter_cases[] = {
    {"cx:\n  port: 0\n", call_port, "hss.yaml:2: key 'cx.port': expected a port 1-65535"},
    {"cx:\n\n  port: 70000\n", call_port, "hss.yaml:3: key 'cx.port': expected a port 1-65535"},
    {"cx:\n  port: -1\n", call_port, "hss.yaml:2: key 'cx.port': expected a port 1-65535"},
    {"cx:\n  port: 38x\n", call_port, "hss.yaml:2: key 'cx.port': expected a port 1-65535"},
    {"cx:\n  port: [1]\n", call_port, "hss.yaml:2: key 'cx.port': expected a port 1-65535"},
    {"cx:\n  port: 99999999999999999999999\n", call_port,
     "hss.yaml:2: key 'cx.port': expected a port 1-65535"},
    {"cx:\n  workers: 33\n", call_workers,
     "hss.yaml:2: key 'cx.workers': expected an integer 1-32"},
    {"cx:\n  workers: 1\n", call_u16, "hss.yaml:2: key 'cx.workers': expected an integer 2-9"},
    {"cx:\n  tls: maybe\n", call_tls, "hss.yaml:2: key 'cx.tls': expected true or false"},
    {"cx:\n  timeout: 5\n", call_timeout,
     "hss.yaml:2: key 'cx.timeout': expected a duration 100ms-30s (e.g. 500ms, 5s, 2m)"},
    {"cx:\n  timeout: 1m\n", call_timeout,
     "hss.yaml:2: key 'cx.timeout': expected a duration 100ms-30s (e.g. 500ms, 5s, 2m)"},
    {"cx:\n  timeout: 5 s\n", call_timeout,
     "hss.yaml:2: key 'cx.timeout': expected a duration 100ms-30s (e.g. 500ms, 5s, 2m)"},
    {"cx:\n  listen:\n    a: b\n", call_string, "hss.yaml:3: key 'cx.listen': expected a string"},
    {"realms: primary.mcx.lab\n", call_strings,
     "hss.yaml:1: key 'realms': expected a list of strings"},
    {"realms:\n  - a\n  - {x: 1}\n", call_strings,
     "hss.yaml:3: key 'realms[1]': expected a string"},
    {"realms: [a, b, c]\n", call_strings,
     "hss.yaml:1: key 'realms': expected at most 2 items, got 3"},
    {"cx: 3868\n", call_map, "hss.yaml:1: key 'cx': expected a map"},
    {"cx:\n  peers: 1\n", call_seq, "hss.yaml:2: key 'cx.peers': expected a list"},
    {"cx:\n  peers:\n    - port: 1\n    - port: 0\n", call_peer_port,
     "hss.yaml:4: key 'cx.peers[1].port': expected a port 1-65535"},
    {"cx: [1, 2]\n", call_port, "hss.yaml:1: key 'cx': expected a map"},
};

static void getter_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof getter_cases / sizeof getter_cases[0]; i++) {
        struct mcx_config *cfg = load(getter_cases[i].yaml);
        char err[256] = "";
        int rc = getter_cases[i].call(mcx_config_root(cfg), err, sizeof err);
        if (rc != -1 || strcmp(err, getter_cases[i].message) != 0)
            fail_msg("case %zu: rc %d, \"%s\", want \"%s\"", i, rc, err, getter_cases[i].message);
        mcx_config_free(cfg);
    }
}

static void durations(void **state)
{
    (void)state;
    struct mcx_config *cfg = load("a: 250ms\nb: 5s\nc: 2m\nd: 1h\ne: 0\n");
    const struct mcx_config_node *root = mcx_config_root(cfg);
    char err[256];
    uint64_t ms = 0;
    static const struct {
        const char *key;
        uint64_t ms;
    } want[] = {{"a", 250}, {"b", 5000}, {"c", 120000}, {"d", 3600000}, {"e", 0}};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(
            mcx_config_get_duration_ms(root, want[i].key, 0, UINT64_MAX, &ms, err, sizeof err), 1);
        assert_int_equal(ms, want[i].ms);
    }
    mcx_config_free(cfg);
}

static void booleans(void **state)
{
    (void)state;
    struct mcx_config *cfg = load("a: true\nb: False\nc: YES\nd: off\n");
    const struct mcx_config_node *root = mcx_config_root(cfg);
    char err[256];
    bool v;
    assert_int_equal(mcx_config_get_bool(root, "a", &v, err, sizeof err), 1);
    assert_true(v);
    assert_int_equal(mcx_config_get_bool(root, "b", &v, err, sizeof err), 1);
    assert_false(v);
    assert_int_equal(mcx_config_get_bool(root, "c", &v, err, sizeof err), 1);
    assert_true(v);
    assert_int_equal(mcx_config_get_bool(root, "d", &v, err, sizeof err), 1);
    assert_false(v);
    mcx_config_free(cfg);
}

static void unknown_keys(void **state)
{
    (void)state;
    struct mcx_config *cfg = load("identity: x\n"
                                  "cx:\n"
                                  "  port: 3868\n"
                                  "  prot: tcp\n"
                                  "colour: blue\n");
    const struct mcx_config_node *root = mcx_config_root(cfg);
    char err[256] = "";
    static const char *const cx_keys[] = {"port", "listen", NULL};
    assert_int_equal(mcx_config_check_keys(cx_of(root), cx_keys, NULL, err, sizeof err), -1);
    assert_string_equal(err, "hss.yaml:4: unknown key 'prot' in 'cx'");
    static const char *const top_keys[] = {"identity", "cx", NULL};
    assert_int_equal(mcx_config_check_keys(root, top_keys, NULL, err, sizeof err), -1);
    assert_string_equal(err, "hss.yaml:5: unknown key 'colour'");
    static const char *const all_cx[] = {"port", "prot", NULL};
    assert_int_equal(mcx_config_check_keys(cx_of(root), all_cx, NULL, err, sizeof err), 0);
    mcx_config_free(cfg);
}

static void missing_keys(void **state)
{
    (void)state;
    struct mcx_config *cfg = load("cx:\n  listen: 127.0.0.1\n  port:\n");
    const struct mcx_config_node *root = mcx_config_root(cfg);
    char err[256] = "";
    static const char *const cx_keys[] = {"port", "listen", "realm", NULL};
    static const char *const need_realm[] = {"listen", "realm", NULL};
    assert_int_equal(mcx_config_check_keys(cx_of(root), cx_keys, need_realm, err, sizeof err), -1);
    assert_string_equal(err, "hss.yaml:2: missing key 'realm' in 'cx'");
    static const char *const need_port[] = {"port", NULL};
    assert_int_equal(mcx_config_check_keys(cx_of(root), cx_keys, need_port, err, sizeof err), -1);
    assert_string_equal(err, "hss.yaml:3: key 'cx.port': missing value");
    static const char *const top_keys[] = {"cx", NULL};
    static const char *const need_identity[] = {"identity", NULL};
    assert_int_equal(mcx_config_check_keys(root, top_keys, need_identity, err, sizeof err), -1);
    assert_string_equal(err, "hss.yaml:1: missing key 'identity'");
    mcx_config_free(cfg);
}

static void yaml_errors(void **state)
{
    (void)state;
    static const struct {
        const char *yaml;
        const char *prefix; /* libyaml's wording follows; we fix file:line and our own texts */
    } cases[] = {
        {"cx:\n  port: 1\n port: 2\n", "hss.yaml:3: invalid YAML: "},
        {"a: [1, 2\n", "hss.yaml:2: invalid YAML: "},
        {"a: \"open\n", "hss.yaml:2: invalid YAML: "},
        {"cx:\n  port: 1\n  port: 2\n", "hss.yaml:3: duplicate key 'port' in 'cx'"},
        {"a: 1\na: 2\n", "hss.yaml:2: duplicate key 'a'"},
        {"- a\n- b\n", "hss.yaml:1: the top level must be a map of keys"},
        {"just text\n", "hss.yaml:1: the top level must be a map of keys"},
        {"a: &x 1\nb: *x\n", "hss.yaml:2: YAML aliases (*name) are not supported"},
        {"a: 1\n---\nb: 2\n", "hss.yaml:2: only one YAML document is allowed"},
        {"? [a, b]\n: 1\n", "hss.yaml:1: map keys must be plain strings"},
        {"a: \"x\\0y\"\n", "hss.yaml:1: key 'a': NUL byte in the value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[256];
        load_fails(cases[i].yaml, err, sizeof err);
        if (strncmp(err, cases[i].prefix, strlen(cases[i].prefix)) != 0)
            fail_msg("case %zu: \"%s\", want prefix \"%s\"", i, err, cases[i].prefix);
    }
}

/* "a: " then n opening and n closing brackets: n sequences under the top-level map. */
static void nested_lists(char *buf, size_t cap, int n)
{
    size_t len = (size_t)snprintf(buf, cap, "a: ");
    for (int i = 0; i < n; i++)
        buf[len++] = '[';
    buf[len++] = '1';
    for (int i = 0; i < n; i++)
        buf[len++] = ']';
    buf[len++] = '\n';
    buf[len] = '\0';
    assert_true(len < cap);
}

static void depth_limit(void **state)
{
    (void)state;
    char text[256];
    char err[256];
    /* The top-level map plus 31 lists: 32 levels, accepted. */
    nested_lists(text, sizeof text, 31);
    struct mcx_config *cfg = load(text);
    const struct mcx_config_node *node = mcx_config_lookup(mcx_config_root(cfg), "a");
    for (int i = 1; i < 31; i++)
        node = mcx_config_node_at(node, 0);
    assert_string_equal(mcx_config_node_path(node),
                        "a[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]["
                        "0][0][0][0][0][0]");
    assert_string_equal(mcx_config_node_text(mcx_config_node_at(node, 0)), "1");
    mcx_config_free(cfg);
    /* One more is refused. */
    nested_lists(text, sizeof text, 32);
    load_fails(text, err, sizeof err);
    assert_non_null(strstr(err, "hss.yaml:1: key 'a[0]"));
    assert_non_null(strstr(err, "nested deeper than 32 levels"));
}

static void empty_documents(void **state)
{
    (void)state;
    const char *texts[] = {"", "# only a comment\n", "---\n", "~\n"};
    for (size_t i = 0; i < 4; i++) {
        struct mcx_config *cfg = load(texts[i]);
        assert_int_equal(mcx_config_node_kind(mcx_config_root(cfg)), MCX_CONFIG_MAP);
        assert_int_equal(mcx_config_node_count(mcx_config_root(cfg)), 0);
        mcx_config_free(cfg);
    }
}

static void error_buffer_is_bounded(void **state)
{
    (void)state;
    struct mcx_config *cfg = load("cx:\n  port: 0\n");
    char err[16];
    memset(err, 'x', sizeof err);
    uint16_t port;
    assert_int_equal(mcx_config_get_port(cx_of(mcx_config_root(cfg)), "port", &port, err, 12), -1);
    assert_string_equal(err, "hss.yaml:2:");
    assert_int_equal(err[12], 'x');
    mcx_config_free(cfg);
}

static void from_file(void **state)
{
    (void)state;
    char path[] = "/tmp/mcx-test-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char text[] = "cx:\n  port: 3868\n  timeout: 10x\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    char err[512] = "";
    struct mcx_config *cfg = mcx_config_load_file(path, err, sizeof err);
    assert_non_null(cfg);
    uint64_t ms;
    assert_int_equal(mcx_config_get_duration_ms(cx_of(mcx_config_root(cfg)), "timeout", 1, 1000,
                                                &ms, err, sizeof err),
                     -1);
    char want[512];
    snprintf(want, sizeof want,
             "%s:3: key 'cx.timeout': expected a duration 1ms-1s (e.g. 500ms, 5s, 2m)", path);
    assert_string_equal(err, want);
    mcx_config_free(cfg);
    unlink(path);

    assert_null(mcx_config_load_file(path, err, sizeof err));
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    assert_string_equal(err, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_file),      cmocka_unit_test(getter_errors),
        cmocka_unit_test(durations),       cmocka_unit_test(booleans),
        cmocka_unit_test(unknown_keys),    cmocka_unit_test(missing_keys),
        cmocka_unit_test(yaml_errors),     cmocka_unit_test(depth_limit),
        cmocka_unit_test(empty_documents), cmocka_unit_test(error_buffer_is_bounded),
        cmocka_unit_test(from_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
