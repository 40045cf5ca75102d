/* libFuzzer target: the SIP parser, stream framing, list/URI/name-addr/Via helpers and the
 * Digest parser over arbitrary bytes. Built by run_fuzz.sh with clang -fsanitize=fuzzer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip_auth.h"
#include "sip/sip_msg.h"
#include "sip/sip_parse.h"

/* Walks every header value through the helpers that a registrar uses. */
static void exercise_headers(const struct sip_msg *m)
{
    struct sip_via vias[SIP_MAX_VIAS];
    (void)sip_msg_vias(m, vias, SIP_MAX_VIAS);
    for (size_t i = 0; i < m->header_count; i++) {
        const struct sip_header *h = &m->headers[i];
        size_t pos = 0;
        struct sip_slice item;
        struct sip_name_addr na;
        struct sip_uri uri;
        struct sip_slice v;
        int guard = 0;
        while (sip_list_next(h->value, &pos, &item) == 1 && guard++ < 64) {
            if (sip_name_addr_parse(item, &na) == 0) {
                (void)sip_uri_parse(na.uri, &uri);
                (void)sip_param_find(na.params, "expires", &v);
            }
        }
        struct sip_digest d;
        const char *reason;
        if (sip_digest_parse(h->value, &d, &reason) == 0) {
            uint32_t nc;
            int ver;
            (void)sip_digest_nc(&d, &nc);
            (void)sip_digest_is_aka(&d, &ver);
            char out[256];
            (void)sip_unescape(d.username, out, sizeof out);
        }
    }
    if (m->is_request) {
        char out[4096];
        struct sip_response r = {
            .status = 400, .to_tag = "t", .received = "192.0.2.1", .rport = 5060};
        (void)sip_response_build(m, &r, out, sizeof out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* exact-size copy so that any over-read is caught */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    struct sip_msg m;
    const char *reason;
    if (sip_parse(buf, size, &m, &reason) == SIP_OK)
        exercise_headers(&m);
    size_t off = 0;
    int frames = 0;
    while (off < size && frames++ < 64) {
        size_t len = 0;
        int rc = sip_frame(buf + off, size - off, &len, &reason);
        if (rc != SIP_FRAME_COMPLETE && rc != SIP_FRAME_KEEPALIVE)
            break;
        if (rc == SIP_FRAME_COMPLETE && sip_parse(buf + off, len, &m, &reason) == SIP_OK)
            exercise_headers(&m);
        off += len;
    }
    struct sip_digest d;
    (void)sip_digest_parse((struct sip_slice){buf, size}, &d, &reason);
    free(buf);
    return 0;
}
