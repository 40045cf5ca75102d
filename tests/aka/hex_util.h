/* Test helper: hex literal to bytes, failing the running cmocka test on bad input. */
#ifndef MCX_TESTS_AKA_HEX_UTIL_H
#define MCX_TESTS_AKA_HEX_UTIL_H

#include <string.h>

#include "core/codec.h"

/* Decodes hex (exactly len bytes) into out; fails the test otherwise. */
#define HEX(hex, out, len) assert_int_equal(mcx_hex_decode_exact((hex), (out), (len)), 0)

/* Asserts that len bytes equal the given hex string (message shows both in hex). */
#define assert_hex_equal(bytes, len, hex)                                                          \
    do {                                                                                           \
        char got_hex_[2 * (len) + 1];                                                              \
        assert_int_equal(mcx_hex_encode((bytes), (len), got_hex_, sizeof got_hex_),                \
                         (int)(2 * (len)));                                                        \
        assert_string_equal(got_hex_, (hex));                                                      \
    } while (0)

#endif
