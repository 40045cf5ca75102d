/* Building SIP messages into a caller buffer with bounds checks: responses to a parsed request
 * per RFC 3261 8.2.6 and simple requests (a UE's REGISTER). */
#ifndef MCX_SIP_MSG_H
#define MCX_SIP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip/sip_parse.h"

/* Appends to a fixed caller buffer; once something does not fit, overflow stays set and every
 * later append is ignored. */
struct sip_writer {
    char *buf;
    size_t cap;
    size_t len;
    bool overflow;
};

/* Starts writing into buf (cap bytes, one kept for a NUL). */
void sip_writer_init(struct sip_writer *w, char *buf, size_t cap);

/* Appends n bytes. */
void sip_writer_add(struct sip_writer *w, const char *s, size_t n);

/* Appends a NUL-terminated string. */
void sip_writer_str(struct sip_writer *w, const char *s);

/* Appends the bytes of a slice. */
void sip_writer_slice(struct sip_writer *w, struct sip_slice s);

/* Appends printf-formatted text. */
void sip_writer_printf(struct sip_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* NUL-terminates and returns the length written, or -1 when something did not fit. */
int sip_writer_finish(struct sip_writer *w);

/* The RFC 3261 reason phrase of a status code ("Unauthorized"), or "Unknown". */
const char *sip_reason_phrase(int status);

/* What sip_response_build() adds to the copied request headers. */
struct sip_response {
    int status;
    const char *reason;  /* NULL: sip_reason_phrase(status) */
    const char *to_tag;  /* added to To when the request's To has no tag; NULL: none */
    const char *headers; /* extra header lines, each ending in CRLF; may be NULL */
    size_t headers_len;
    const char *content_type; /* NULL when there is no body */
    const char *body;
    size_t body_len;
    const char *received; /* RFC 3581: source IP of the request (IPv6 without brackets), added
                             to the top Via as ;received=; NULL: Via copied unchanged */
    uint16_t rport;       /* with received: the value of a valueless rport in the top Via */
};

/* Builds the response to req: status line, every Via (in order; the top one with received and
 * rport filled in when r->received is set), From, To (+ to_tag when the request's To has none),
 * Call-ID, CSeq, the extra headers, Content-Length, body. Header names
 * are written in long form. Returns the length (out is NUL-terminated), or -1 when cap is too
 * small. The caller owns out. */
int sip_response_build(const struct sip_msg *req, const struct sip_response *r, char *out,
                       size_t cap);

/* A simple request such as a UE's REGISTER. */
struct sip_request {
    const char *method;        /* "REGISTER" */
    const char *ruri;          /* "sip:mcx.lab" */
    const char *via_transport; /* "UDP" / "TCP" */
    const char *via_host;      /* IPv6 hosts in brackets */
    uint16_t via_port;
    const char *branch;   /* the part after "z9hG4bK" */
    const char *from_uri; /* "sip:alice@mcx.lab" */
    const char *from_tag;
    const char *to_uri;
    const char *to_tag; /* NULL: none */
    const char *call_id;
    uint32_t cseq;
    const char *contact; /* full Contact value ("<sip:alice@127.0.0.1:5062>"); NULL: none */
    long expires;        /* Expires header; -1: none */
    int max_forwards;    /* 0..255; <0: 70 */
    const char *headers; /* extra header lines, each ending in CRLF; may be NULL */
    size_t headers_len;
    const char *content_type;
    const char *body;
    size_t body_len;
};

/* Builds the request. Returns the length (out is NUL-terminated), or -1 when cap is too small
 * or a mandatory field is missing. The caller owns out. */
int sip_request_build(const struct sip_request *r, char *out, size_t cap);

#endif
