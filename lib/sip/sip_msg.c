/* SIP response and request building; see sip_msg.h. */
#include "sip/sip_msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sip_writer_init(struct sip_writer *w, char *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->overflow = cap == 0;
}

void sip_writer_add(struct sip_writer *w, const char *s, size_t n)
{
    if (w->overflow)
        return;
    if (n >= w->cap - w->len) {
        w->overflow = true;
        return;
    }
    if (n)
        memcpy(w->buf + w->len, s, n);
    w->len += n;
}

void sip_writer_str(struct sip_writer *w, const char *s)
{
    sip_writer_add(w, s, strlen(s));
}

void sip_writer_slice(struct sip_writer *w, struct sip_slice s)
{
    sip_writer_add(w, s.p, s.len);
}

void sip_writer_printf(struct sip_writer *w, const char *fmt, ...)
{
    if (w->overflow)
        return;
    size_t room = w->cap - w->len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->buf + w->len, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= room) {
        w->overflow = true;
        return;
    }
    w->len += (size_t)n;
}

int sip_writer_finish(struct sip_writer *w)
{
    if (w->overflow) {
        if (w->cap)
            w->buf[0] = '\0';
        return -1;
    }
    w->buf[w->len] = '\0';
    return (int)w->len;
}

const char *sip_reason_phrase(int status)
{
    switch (status) {
    case 100:
        return "Trying";
    case 180:
        return "Ringing";
    case 200:
        return "OK";
    case 202:
        return "Accepted";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 407:
        return "Proxy Authentication Required";
    case 408:
        return "Request Timeout";
    case 420:
        return "Bad Extension";
    case 423:
        return "Interval Too Brief";
    case 480:
        return "Temporarily Unavailable";
    case 481:
        return "Call/Transaction Does Not Exist";
    case 482:
        return "Loop Detected";
    case 483:
        return "Too Many Hops";
    case 500:
        return "Server Internal Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Server Time-out";
    case 505:
        return "Version Not Supported";
    case 513:
        return "Message Too Large";
    default:
        return "Unknown";
    }
}

/* Copies every header with this id as "Name: value\r\n", in order. */
static void copy_headers(struct sip_writer *w, const struct sip_msg *req, enum sip_hdr id)
{
    const char *name = sip_header_name(id);
    for (int h = sip_header_find(req, id, 0); h >= 0; h = sip_header_find(req, id, (size_t)h + 1)) {
        sip_writer_str(w, name);
        sip_writer_add(w, ": ", 2);
        sip_writer_slice(w, req->headers[h].value);
        sip_writer_add(w, "\r\n", 2);
    }
}

/* Writes the first Via header with ;received= (and rport=N for a valueless rport) added to its
 * first via-parm, then the other Via headers unchanged. */
static void copy_vias_received(struct sip_writer *w, const struct sip_msg *req,
                               const struct sip_response *r)
{
    int first = sip_header_find(req, SIP_HDR_VIA, 0);
    if (first < 0)
        return;
    struct sip_slice value = req->headers[first].value;
    size_t pos = 0;
    struct sip_slice item;
    struct sip_via via;
    if (sip_list_next(value, &pos, &item) != 1 || sip_via_parse(item, &via) != 0) {
        copy_headers(w, req, SIP_HDR_VIA);
        return;
    }
    sip_writer_str(w, "Via: ");
    /* the end of the first via-parm's parameters (before a trailing comment) */
    const char *params_end = item.p + item.len;
    if (via.params.len) {
        params_end = via.params.p + via.params.len;
    } else {
        const char *open = memchr(item.p, '(', item.len);
        if (open)
            params_end = open;
        while (params_end > item.p && (params_end[-1] == ' ' || params_end[-1] == '\t' ||
                                       params_end[-1] == '\r' || params_end[-1] == '\n'))
            params_end--;
    }
    size_t ppos = 0;
    struct sip_slice name, val;
    const char *cursor = value.p;
    bool has_received = false;
    while (sip_param_next(via.params, &ppos, &name, &val) == 1) {
        if (sip_slice_ieq(name, "received"))
            has_received = true;
        if (sip_slice_ieq(name, "rport") && val.len == 0 && r->rport) {
            const char *after = name.p + name.len;
            sip_writer_add(w, cursor, (size_t)(after - cursor));
            sip_writer_printf(w, "=%u", (unsigned)r->rport);
            cursor = after;
        }
    }
    sip_writer_add(w, cursor, (size_t)(params_end - cursor));
    if (!has_received)
        sip_writer_printf(w, ";received=%s", r->received);
    sip_writer_add(w, params_end, (size_t)(value.p + value.len - params_end));
    sip_writer_add(w, "\r\n", 2);
    for (int h = sip_header_find(req, SIP_HDR_VIA, (size_t)first + 1); h >= 0;
         h = sip_header_find(req, SIP_HDR_VIA, (size_t)h + 1)) {
        sip_writer_str(w, "Via: ");
        sip_writer_slice(w, req->headers[h].value);
        sip_writer_add(w, "\r\n", 2);
    }
}

/* Writes the end every built message shares: extra header lines, Content-Type (with a body),
 * Content-Length, the blank line and the body; returns sip_writer_finish(). */
static int finish_message(struct sip_writer *w, const char *headers, size_t headers_len,
                          const char *content_type, const char *body, size_t body_len)
{
    if (headers)
        sip_writer_add(w, headers, headers_len);
    if (content_type && body_len)
        sip_writer_printf(w, "Content-Type: %s\r\n", content_type);
    sip_writer_printf(w, "Content-Length: %zu\r\n\r\n", body ? body_len : 0);
    if (body)
        sip_writer_add(w, body, body_len);
    return sip_writer_finish(w);
}

int sip_response_build(const struct sip_msg *req, const struct sip_response *r, char *out,
                       size_t cap)
{
    struct sip_writer w;
    sip_writer_init(&w, out, cap);
    if (r->status < 100 || r->status > 699)
        return -1;
    sip_writer_printf(&w, "SIP/2.0 %d %s\r\n", r->status,
                      r->reason ? r->reason : sip_reason_phrase(r->status));
    if (r->received)
        copy_vias_received(&w, req, r);
    else
        copy_headers(&w, req, SIP_HDR_VIA);
    copy_headers(&w, req, SIP_HDR_FROM);
    int to = sip_header_find(req, SIP_HDR_TO, 0);
    if (to >= 0) {
        sip_writer_str(&w, "To: ");
        sip_writer_slice(&w, req->headers[to].value);
        if (req->to_tag.len == 0 && r->to_tag && r->status > 100)
            sip_writer_printf(&w, ";tag=%s", r->to_tag);
        sip_writer_add(&w, "\r\n", 2);
    }
    copy_headers(&w, req, SIP_HDR_CALL_ID);
    copy_headers(&w, req, SIP_HDR_CSEQ);
    return finish_message(&w, r->headers, r->headers_len, r->content_type, r->body, r->body_len);
}

int sip_request_build(const struct sip_request *r, char *out, size_t cap)
{
    if (!r->method || !r->ruri || !r->via_host || !r->branch || !r->from_uri || !r->from_tag ||
        !r->to_uri || !r->call_id)
        return -1;
    struct sip_writer w;
    sip_writer_init(&w, out, cap);
    sip_writer_printf(&w, "%s %s SIP/2.0\r\n", r->method, r->ruri);
    sip_writer_printf(&w, "Via: SIP/2.0/%s %s", r->via_transport ? r->via_transport : "UDP",
                      r->via_host);
    if (r->via_port)
        sip_writer_printf(&w, ":%u", (unsigned)r->via_port);
    sip_writer_printf(&w, ";rport;branch=z9hG4bK%s\r\n", r->branch);
    sip_writer_printf(&w, "Max-Forwards: %d\r\n", r->max_forwards < 0 ? 70 : r->max_forwards);
    sip_writer_printf(&w, "From: <%s>;tag=%s\r\n", r->from_uri, r->from_tag);
    sip_writer_printf(&w, "To: <%s>", r->to_uri);
    if (r->to_tag)
        sip_writer_printf(&w, ";tag=%s", r->to_tag);
    sip_writer_add(&w, "\r\n", 2);
    sip_writer_printf(&w, "Call-ID: %s\r\nCSeq: %u %s\r\n", r->call_id, (unsigned)r->cseq,
                      r->method);
    if (r->contact)
        sip_writer_printf(&w, "Contact: %s\r\n", r->contact);
    if (r->expires >= 0)
        sip_writer_printf(&w, "Expires: %ld\r\n", r->expires);
    return finish_message(&w, r->headers, r->headers_len, r->content_type, r->body, r->body_len);
}
