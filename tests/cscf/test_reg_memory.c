/* Sizing of the registration store: creates 100,000 registered users as mcx-cscf holds them
 * after a 200 OK (IMPU, IMPI, realm, one contact with Path and Call-ID, associated URIs, spent
 * challenge) and measures the heap they take with mallinfo2(). Prints bytes per registration
 * and fails above 4 KiB (100,000 UEs would then still need only ~400 MB). Under ASan the
 * allocator is replaced, so only the functional part runs. */
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "reg_store.h"

#define USERS 100000

#if defined(__SANITIZE_ADDRESS__)
#define MEASURE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEASURE 0
#endif
#endif
#ifndef MEASURE
#define MEASURE 1
#endif

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static void hundred_thousand_registrations(void **state)
{
    (void)state;
    size_t before = heap_in_use();
    struct reg_store *store = reg_store_new(256);
    assert_non_null(store);
    char impu[80], impi[64], contact[96], call_id[64], assoc[128];
    for (int i = 0; i < USERS; i++) {
        snprintf(impi, sizeof impi, "user%06d@partner.mcx.lab", i);
        snprintf(impu, sizeof impu, "sip:%s", impi);
        snprintf(contact, sizeof contact, "sip:user%06d@127.0.30.%d:5060;transport=udp", i,
                 i % 250 + 1);
        snprintf(call_id, sizeof call_id, "%08x-%04x@127.0.30.1", (unsigned)i * 2654435761u, i);
        snprintf(assoc, sizeof assoc, "<%s>, <tel:+4670%06d>", impu, i);
        struct reg_shard *sh = reg_store_lock(store, impu);
        struct reg_user *u = reg_shard_add(sh, impu, impi, "partner.mcx.lab");
        assert_non_null(u);
        assert_int_equal(reg_user_set_binding(u, contact, "<sip:term@pcscf.partner.mcx.lab;lr>",
                                              call_id, 2, 3600000),
                         0);
        assert_int_equal(reg_user_set_associated(u, assoc), 0);
        u->registered = true;
        reg_shard_unlock(sh);
    }
    assert_int_equal(reg_store_user_count(store), USERS);
    if (MEASURE) {
        size_t used = heap_in_use() - before;
        double per = (double)used / USERS;
        printf("registration store: %d registrations use %zu bytes: %.0f bytes per "
               "registration (struct reg_user %zu, struct reg_binding %zu)\n",
               USERS, used, per, sizeof(struct reg_user), sizeof(struct reg_binding));
        assert_true(per < 4096.0);
    }
    /* lookups still work after all the growth */
    struct reg_shard *sh = reg_store_lock(store, "sip:user054321@partner.mcx.lab");
    struct reg_user *u = reg_shard_find(sh, "sip:user054321@partner.mcx.lab");
    assert_non_null(u);
    assert_int_equal(u->binding_count, 1);
    assert_int_equal(reg_user_expire_bindings(u, 3600000), 1);
    reg_shard_remove(sh, u);
    reg_shard_unlock(sh);
    assert_int_equal(reg_store_user_count(store), USERS - 1);
    reg_store_free(store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hundred_thousand_registrations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
