/* Helpers shared by the mcx-ue unit tests (cmocka). */
#ifndef MCX_TESTS_E2E_UE_TEST_UTIL_H
#define MCX_TESTS_E2E_UE_TEST_UTIL_H

#include <string.h>

#include "core/codec.h"

/* Decodes hex (exactly len bytes) into out; fails the test otherwise. */
#define UE_HEX(hex, out, len) assert_int_equal(mcx_hex_decode_exact((hex), (out), (len)), 0)

/* TS 35.208 test set 1 (protocol-facts.md 1.3) and the AKAv1 worked example of 3.5. */
#define SET1_K      "465b5ce8b199b49faa5f0a2ee238a6bc"
#define SET1_OP     "cdc202d5123e20f62b6d676ac72cb318"
#define SET1_OPC    "cd63cb71954a9f4e48a5994e37a02baf"
#define SET1_RAND   "23553cbe9637a89d218ae64dae47bf35"
#define SET1_SQN    0xff9bb4d0b607ULL
#define SET1_AMF    "b9b9"
#define SET1_AUTN   "55f328b43577b9b94a9ffac354dfafb3"
#define SET1_NONCE  "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M="
#define SET1_IMPI   "user1_private@home1.net"
#define SET1_DOMAIN "home1.net"
#define SET1_URI    "sip:home1.net"

/* Value of parameter name (e.g. "response") in an Authorization value, copied into out;
 * returns 0, or -1 when absent. Handles quoted and token values. */
static inline int ue_test_param(const char *header, const char *name, char *out, size_t cap)
{
    size_t nlen = strlen(name);
    for (const char *p = header; (p = strstr(p, name)) != NULL; p += nlen) {
        if ((p != header && p[-1] != ' ' && p[-1] != ',') || p[nlen] != '=')
            continue;
        const char *v = p + nlen + 1;
        size_t len;
        if (*v == '"') {
            v++;
            const char *end = strchr(v, '"');
            if (!end)
                return -1;
            len = (size_t)(end - v);
        } else {
            len = strcspn(v, ", ");
        }
        if (len >= cap)
            return -1;
        memcpy(out, v, len);
        out[len] = '\0';
        return 0;
    }
    return -1;
}

#endif
