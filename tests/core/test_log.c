/* Unit tests of the key=value logger: format, levels and secret redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/log.h"

static char *capture(enum mcx_log_level min, void (*emit)(void))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    assert_non_null(mem);
    mcx_log_init("test", min, mem);
    emit();
    fclose(mem);
    mcx_log_init("test", MCX_LOG_INFO, NULL);
    return buf;
}

static void emit_one(void)
{
    MCX_INFO("mar", "impi=%s items=%u", "alice@primary.mcx.lab", 3u);
}

static void line_format(void **state)
{
    (void)state;
    char *out = capture(MCX_LOG_DEBUG, emit_one);
    assert_non_null(strstr(out, " level=info comp=test event=mar impi=alice@primary.mcx.lab items=3\n"));
    assert_memory_equal(out, "ts=", 3);
    free(out);
}

static void level_filter(void **state)
{
    (void)state;
    char *out = capture(MCX_LOG_WARN, emit_one);
    assert_string_equal(out, "");
    free(out);
}

static void emit_secrets(void)
{
    MCX_INFO("oops", "impi=a k=465b5ce8b199b49faa5f0a2ee238a6bc OPc=cd63cb71954a9f4e48a5994e37a02baf "
                     "xres=a54211d5e3ba50bf ha1=\"939e7578ed9e3c518a452acee763bce9\" result=2001");
}

static void secrets_redacted(void **state)
{
    (void)state;
    char *out = capture(MCX_LOG_DEBUG, emit_secrets);
    assert_null(strstr(out, "465b5ce8"));
    assert_null(strstr(out, "cd63cb71"));
    assert_null(strstr(out, "a54211d5"));
    assert_null(strstr(out, "939e7578"));
    assert_non_null(strstr(out, "k=<redacted> OPc=<redacted> xres=<redacted> ha1=<redacted> result=2001"));
    free(out);
}

static void level_parse(void **state)
{
    (void)state;
    enum mcx_log_level level;
    assert_int_equal(mcx_log_level_parse("WARN", &level), 0);
    assert_int_equal(level, MCX_LOG_WARN);
    assert_int_equal(mcx_log_level_parse("loud", &level), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(line_format),
        cmocka_unit_test(level_filter),
        cmocka_unit_test(secrets_redacted),
        cmocka_unit_test(level_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
