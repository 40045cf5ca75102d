/* Helpers shared by the Cx tests: a hand-made Diameter message writer (to build malformed
 * messages our builders refuse to produce) and a temporary state directory. */
#ifndef MCX_TEST_CX_UTIL_H
#define MCX_TEST_CX_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A raw Diameter message under construction (big enough for every test message). */
struct raw_msg {
    uint8_t buf[4096];
    size_t len;
    size_t group_start[4]; /* offsets of open grouped AVPs */
    int depth;
};

static inline void raw_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Starts a message: version 1, flags, command, application, ids. */
static inline void raw_begin(struct raw_msg *m, uint8_t flags, uint32_t code, uint32_t app)
{
    memset(m, 0, sizeof *m);
    m->buf[0] = 1;
    m->buf[4] = flags;
    m->buf[5] = (uint8_t)(code >> 16);
    m->buf[6] = (uint8_t)(code >> 8);
    m->buf[7] = (uint8_t)code;
    raw_put32(m->buf + 8, app);
    raw_put32(m->buf + 12, 0x1234);
    raw_put32(m->buf + 16, 0x5678);
    m->len = 20;
}

static inline size_t raw_avp_header(struct raw_msg *m, uint32_t code, uint32_t vendor)
{
    size_t start = m->len;
    raw_put32(m->buf + m->len, code);
    m->buf[m->len + 4] = (uint8_t)(0x40 | (vendor ? 0x80 : 0));
    m->len += 8;
    if (vendor) {
        raw_put32(m->buf + m->len, vendor);
        m->len += 4;
    }
    return start;
}

static inline void raw_set_avp_len(struct raw_msg *m, size_t start, size_t len)
{
    m->buf[start + 5] = (uint8_t)(len >> 16);
    m->buf[start + 6] = (uint8_t)(len >> 8);
    m->buf[start + 7] = (uint8_t)len;
}

/* Appends an AVP with a raw payload (padded to 4 bytes). */
static inline void raw_avp(struct raw_msg *m, uint32_t code, uint32_t vendor, const void *data,
                           size_t len)
{
    size_t start = raw_avp_header(m, code, vendor);
    memcpy(m->buf + m->len, data, len);
    m->len += len;
    raw_set_avp_len(m, start, m->len - start);
    while (m->len % 4)
        m->buf[m->len++] = 0;
}

static inline void raw_str(struct raw_msg *m, uint32_t code, uint32_t vendor, const char *s)
{
    raw_avp(m, code, vendor, s, strlen(s));
}

static inline void raw_u32(struct raw_msg *m, uint32_t code, uint32_t vendor, uint32_t v)
{
    uint8_t b[4];
    raw_put32(b, v);
    raw_avp(m, code, vendor, b, 4);
}

static inline void raw_group_begin(struct raw_msg *m, uint32_t code, uint32_t vendor)
{
    m->group_start[m->depth++] = raw_avp_header(m, code, vendor);
}

static inline void raw_group_end(struct raw_msg *m)
{
    size_t start = m->group_start[--m->depth];
    raw_set_avp_len(m, start, m->len - start);
}

/* Finishes the message: writes the total length. */
static inline void raw_end(struct raw_msg *m)
{
    m->buf[1] = (uint8_t)(m->len >> 16);
    m->buf[2] = (uint8_t)(m->len >> 8);
    m->buf[3] = (uint8_t)m->len;
}

/* Appends the head of a Cx request (Session-Id, VSAI, Auth-Session-State, origin, dest). */
static inline void raw_cx_request_head(struct raw_msg *m)
{
    raw_str(m, 263, 0, "client.test.lab;1;1");
    raw_group_begin(m, 260, 0);
    raw_u32(m, 266, 0, 10415);
    raw_u32(m, 258, 0, 16777216);
    raw_group_end(m);
    raw_u32(m, 277, 0, 1);
    raw_str(m, 264, 0, "client.test.lab");
    raw_str(m, 296, 0, "test.lab");
    raw_str(m, 283, 0, "test.lab");
}

#endif
