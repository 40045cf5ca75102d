/* Start line, header section, mandatory headers and stream framing of the zero-copy SIP
 * parser; see sip_parse.h. */
#include "sip/sip_parse.h"
#include "sip/sip_chars.h"

#include <string.h>
#include <strings.h>

struct header_name {
    const char *name;
    size_t name_len; /* strlen(name), so sip_header_id does not measure per header */
    char compact;    /* 0 when none */
    enum sip_hdr id;
};

#define HDR(name, compact, id)                                                                     \
    {                                                                                              \
        name, sizeof name - 1, compact, id                                                         \
    }
static const struct header_name header_names[] = {
    HDR("Via", 'v', SIP_HDR_VIA),
    HDR("From", 'f', SIP_HDR_FROM),
    HDR("To", 't', SIP_HDR_TO),
    HDR("Call-ID", 'i', SIP_HDR_CALL_ID),
    HDR("CSeq", 0, SIP_HDR_CSEQ),
    HDR("Contact", 'm', SIP_HDR_CONTACT),
    HDR("Content-Length", 'l', SIP_HDR_CONTENT_LENGTH),
    HDR("Content-Type", 'c', SIP_HDR_CONTENT_TYPE),
    HDR("Content-Encoding", 'e', SIP_HDR_CONTENT_ENCODING),
    HDR("Expires", 0, SIP_HDR_EXPIRES),
    HDR("Min-Expires", 0, SIP_HDR_MIN_EXPIRES),
    HDR("Max-Forwards", 0, SIP_HDR_MAX_FORWARDS),
    HDR("Authorization", 0, SIP_HDR_AUTHORIZATION),
    HDR("Proxy-Authorization", 0, SIP_HDR_PROXY_AUTHORIZATION),
    HDR("WWW-Authenticate", 0, SIP_HDR_WWW_AUTHENTICATE),
    HDR("Proxy-Authenticate", 0, SIP_HDR_PROXY_AUTHENTICATE),
    HDR("Authentication-Info", 0, SIP_HDR_AUTHENTICATION_INFO),
    HDR("Path", 0, SIP_HDR_PATH),
    HDR("Route", 0, SIP_HDR_ROUTE),
    HDR("Record-Route", 0, SIP_HDR_RECORD_ROUTE),
    HDR("Service-Route", 0, SIP_HDR_SERVICE_ROUTE),
    HDR("P-Associated-URI", 0, SIP_HDR_P_ASSOCIATED_URI),
    HDR("Supported", 'k', SIP_HDR_SUPPORTED),
    HDR("Require", 0, SIP_HDR_REQUIRE),
    HDR("Allow", 0, SIP_HDR_ALLOW),
    HDR("Event", 'o', SIP_HDR_EVENT),
    HDR("Subject", 's', SIP_HDR_SUBJECT),
    HDR("User-Agent", 0, SIP_HDR_USER_AGENT),
    HDR("Server", 0, SIP_HDR_SERVER),
    HDR("Accept-Contact", 'a', SIP_HDR_ACCEPT_CONTACT),
    HDR("Referred-By", 'b', SIP_HDR_REFERRED_BY),
    HDR("Reject-Contact", 'j', SIP_HDR_REJECT_CONTACT),
    HDR("Refer-To", 'r', SIP_HDR_REFER_TO),
    HDR("Allow-Events", 'u', SIP_HDR_ALLOW_EVENTS),
    HDR("Session-Expires", 'x', SIP_HDR_SESSION_EXPIRES),
    HDR("Identity", 'y', SIP_HDR_IDENTITY),
    HDR("Identity-Info", 'n', SIP_HDR_IDENTITY_INFO),
    HDR("Request-Disposition", 'd', SIP_HDR_REQUEST_DISPOSITION),
};
#undef HDR

enum sip_hdr sip_header_id(const char *name, size_t len)
{
    size_t n = sizeof header_names / sizeof header_names[0];
    if (len == 1) {
        char c = name[0];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        for (size_t i = 0; i < n; i++)
            if (header_names[i].compact == c)
                return header_names[i].id;
        return SIP_HDR_OTHER;
    }
    for (size_t i = 0; i < n; i++)
        if (header_names[i].name_len == len && strncasecmp(header_names[i].name, name, len) == 0)
            return header_names[i].id;
    return SIP_HDR_OTHER;
}

const char *sip_header_name(enum sip_hdr id)
{
    for (size_t i = 0; i < sizeof header_names / sizeof header_names[0]; i++)
        if (header_names[i].id == id)
            return header_names[i].name;
    return NULL;
}

int sip_header_find(const struct sip_msg *msg, enum sip_hdr id, size_t from)
{
    for (size_t i = from; i < msg->header_count; i++)
        if (msg->headers[i].id == id)
            return (int)i;
    return -1;
}

int sip_header_find_name(const struct sip_msg *msg, const char *name, size_t from)
{
    enum sip_hdr id = sip_header_id(name, strlen(name));
    for (size_t i = from; i < msg->header_count; i++) {
        if (id != SIP_HDR_OTHER ? msg->headers[i].id == id
                                : sip_slice_ieq(msg->headers[i].name, name))
            return (int)i;
    }
    return -1;
}

enum sip_method sip_method_of(struct sip_slice m)
{
    static const struct {
        const char *name;
        enum sip_method id;
    } methods[] = {
        {"REGISTER", SIP_METHOD_REGISTER},
        {"INVITE", SIP_METHOD_INVITE},
        {"ACK", SIP_METHOD_ACK},
        {"BYE", SIP_METHOD_BYE},
        {"CANCEL", SIP_METHOD_CANCEL},
        {"OPTIONS", SIP_METHOD_OPTIONS},
        {"SUBSCRIBE", SIP_METHOD_SUBSCRIBE},
        {"NOTIFY", SIP_METHOD_NOTIFY},
        {"MESSAGE", SIP_METHOD_MESSAGE},
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (sip_slice_eq(m, methods[i].name))
            return methods[i].id;
    return SIP_METHOD_OTHER;
}

/* Finds the line starting at pos: *line_len excludes the CRLF or LF; *next is the index after
 * it. Returns false when no LF is within len. */
static bool next_line(const char *buf, size_t len, size_t pos, size_t *line_len, size_t *next)
{
    const char *lf = memchr(buf + pos, '\n', len - pos);
    if (!lf)
        return false;
    size_t end = (size_t)(lf - buf);
    *next = end + 1;
    if (end > pos && buf[end - 1] == '\r')
        end--;
    *line_len = end - pos;
    return true;
}

/* Number of leading CR/LF bytes (RFC 3261 7.5: ignored before a start line). */
static size_t leading_crlf(const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
        i++;
    return i;
}

/* Parses a Content-Length value; returns the number or -1. */
static long parse_content_length(struct sip_slice v)
{
    unsigned long n;
    v = sip_trim(v);
    if (sip_slice_to_ulong(v, &n) != 0 || n > SIP_MAX_MESSAGE_BYTES)
        return -1;
    return (long)n;
}

int sip_frame(const char *buf, size_t len, size_t *msg_len, const char **reason)
{
    *reason = NULL;
    *msg_len = 0;
    size_t skip = leading_crlf(buf, len);
    if (skip > 0) {
        /* A lone CR may be the first half of a CRLF keep-alive: wait for the LF. */
        if (skip == len && buf[len - 1] == '\r') {
            if (skip == 1)
                return SIP_FRAME_NEED_MORE;
            skip--;
        }
        *msg_len = skip;
        return SIP_FRAME_KEEPALIVE;
    }
    size_t pos = 0;
    long content_length = -1;
    bool first = true;
    for (;;) {
        size_t line_len, next;
        if (!next_line(buf, len, pos, &line_len, &next)) {
            if (len - pos > SIP_MAX_LINE_BYTES || len > SIP_MAX_MESSAGE_BYTES) {
                *reason = "Header section too large";
                return SIP_ERR_TOO_LARGE;
            }
            return SIP_FRAME_NEED_MORE;
        }
        if (line_len > SIP_MAX_LINE_BYTES || next > SIP_MAX_MESSAGE_BYTES) {
            *reason = "Header section too large";
            return SIP_ERR_TOO_LARGE;
        }
        if (line_len == 0) {
            pos = next;
            break;
        }
        const char *line = buf + pos;
        const char *colon = first ? NULL : memchr(line, ':', line_len);
        if (colon && line[0] != ' ' && line[0] != '\t') {
            struct sip_slice name = sip_trim((struct sip_slice){line, (size_t)(colon - line)});
            if (sip_header_id(name.p, name.len) == SIP_HDR_CONTENT_LENGTH) {
                long cl = parse_content_length(
                    (struct sip_slice){colon + 1, line_len - (size_t)(colon - line) - 1});
                if (cl < 0 || (content_length >= 0 && cl != content_length)) {
                    *reason = "Invalid Content-Length";
                    return SIP_ERR_CONTENT_LENGTH;
                }
                content_length = cl;
            }
        }
        first = false;
        pos = next;
    }
    if (content_length < 0) {
        *reason = "Missing Content-Length on a stream transport";
        return SIP_ERR_CONTENT_LENGTH;
    }
    size_t total = pos + (size_t)content_length;
    if (total > SIP_MAX_MESSAGE_BYTES) {
        *reason = "Message too large";
        return SIP_ERR_TOO_LARGE;
    }
    *msg_len = total;
    if (len < total)
        return SIP_FRAME_NEED_MORE;
    return SIP_FRAME_COMPLETE;
}

/* Splits a start line into exactly three parts at spaces (the third may contain spaces). */
static bool split_start_line(const char *p, size_t len, struct sip_slice part[3])
{
    size_t i = 0;
    for (int k = 0; k < 2; k++) {
        size_t st = i;
        while (i < len && p[i] != ' ')
            i++;
        if (i == st || i >= len)
            return false;
        part[k] = (struct sip_slice){p + st, i - st};
        while (i < len && p[i] == ' ')
            i++;
    }
    part[2] = (struct sip_slice){p + i, len - i};
    return true;
}

static int parse_start_line(const char *p, size_t len, struct sip_msg *msg, const char **reason)
{
    struct sip_slice part[3];
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 && c != '\t') {
            *reason = "Control character in start line";
            return SIP_ERR_START_LINE;
        }
    }
    if (!split_start_line(p, len, part)) {
        *reason = "Malformed start line";
        return SIP_ERR_START_LINE;
    }
    if (part[0].len > 4 && strncasecmp(part[0].p, "SIP/", 4) == 0) {
        if (!sip_slice_ieq(part[0], "SIP/2.0")) {
            *reason = "Unsupported SIP version";
            return SIP_ERR_VERSION;
        }
        unsigned long code;
        if (part[1].len != 3 || sip_slice_to_ulong(part[1], &code) != 0 || code < 100 ||
            code > 699) {
            *reason = "Malformed status code";
            return SIP_ERR_START_LINE;
        }
        msg->is_request = false;
        msg->status = (int)code;
        msg->reason = part[2];
        return 0;
    }
    for (size_t i = 0; i < part[0].len; i++) {
        if (!sip_is_token_char(part[0].p[i])) {
            *reason = "Malformed method";
            return SIP_ERR_START_LINE;
        }
    }
    while (part[2].len && part[2].p[part[2].len - 1] == ' ')
        part[2].len--;
    if (!sip_slice_ieq(part[2], "SIP/2.0")) {
        *reason = part[2].len > 4 && strncasecmp(part[2].p, "SIP/", 4) == 0
                      ? "Unsupported SIP version"
                      : "Malformed request line";
        return part[2].len > 4 && strncasecmp(part[2].p, "SIP/", 4) == 0 ? SIP_ERR_VERSION
                                                                         : SIP_ERR_START_LINE;
    }
    struct sip_uri uri;
    if (sip_uri_parse(part[1], &uri) != 0) {
        *reason = "Malformed Request-URI";
        return SIP_ERR_URI;
    }
    msg->is_request = true;
    msg->method = part[0];
    msg->ruri = part[1];
    return 0;
}

/* Records one header line (name:value) into msg. */
static int add_header(struct sip_msg *msg, const char *line, size_t line_len, const char **reason)
{
    size_t i = 0;
    while (i < line_len && sip_is_token_char(line[i]))
        i++;
    size_t name_len = i;
    while (i < line_len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (name_len == 0 || i >= line_len || line[i] != ':') {
        *reason = "Malformed header line";
        return SIP_ERR_HEADER;
    }
    if (msg->header_count >= SIP_MAX_HEADERS) {
        *reason = "Too many headers";
        return SIP_ERR_TOO_MANY_HEADERS;
    }
    struct sip_header *h = &msg->headers[msg->header_count++];
    h->name = (struct sip_slice){line, name_len};
    h->id = sip_header_id(line, name_len);
    h->value = sip_trim((struct sip_slice){line + i + 1, line_len - i - 1});
    return 0;
}

/* Parses "tag" from a From/To value. */
static int parse_party(struct sip_slice v, struct sip_slice *tag)
{
    struct sip_name_addr na;
    if (sip_name_addr_parse(v, &na) != 0 || na.wildcard)
        return -1;
    struct sip_slice t;
    int rc = sip_param_find(na.params, "tag", &t);
    if (rc < 0 || (rc == 1 && t.len == 0))
        return -1;
    *tag = rc == 1 ? t : (struct sip_slice){NULL, 0};
    return 0;
}

/* Parses a CSeq value "number LWS method". */
static int parse_cseq(struct sip_slice v, uint32_t *num, struct sip_slice *method)
{
    size_t i = 0;
    while (i < v.len && v.p[i] >= '0' && v.p[i] <= '9')
        i++;
    unsigned long n;
    if (sip_slice_to_ulong((struct sip_slice){v.p, i}, &n) != 0 || n > 0x7fffffffUL)
        return -1;
    size_t ws = i;
    while (i < v.len && sip_is_lws(v.p[i]))
        i++;
    if (i == ws || i >= v.len)
        return -1;
    size_t ms = i;
    while (i < v.len && sip_is_token_char(v.p[i]))
        i++;
    if (i != v.len)
        return -1;
    *num = (uint32_t)n;
    *method = (struct sip_slice){v.p + ms, i - ms};
    return 0;
}

/* Parses a delta-seconds / small-number header value. */
static int parse_number(struct sip_slice v, unsigned long max, long *out)
{
    unsigned long n;
    if (sip_slice_to_ulong(sip_trim(v), &n) != 0)
        return -1;
    *out = n > max ? (long)max : (long)n;
    return 0;
}

/* Fills the shortcuts and checks the mandatory headers. */
static int check_headers(struct sip_msg *msg, const char **reason)
{
    bool seen[SIP_HDR__COUNT] = {false};
    bool has_via = false;
    for (size_t i = 0; i < msg->header_count; i++) {
        struct sip_header *h = &msg->headers[i];
        bool dup = seen[h->id];
        seen[h->id] = true;
        switch (h->id) {
        case SIP_HDR_VIA: {
            size_t pos = 0;
            struct sip_slice item;
            struct sip_via via;
            int rc, n = 0;
            while ((rc = sip_list_next(h->value, &pos, &item)) == 1) {
                if (sip_via_parse(item, &via) != 0) {
                    *reason = "Malformed Via header";
                    return SIP_ERR_VIA;
                }
                if (!has_via)
                    msg->branch = via.branch;
                has_via = true;
                n++;
            }
            if (rc < 0 || n == 0) {
                *reason = "Malformed Via header";
                return SIP_ERR_VIA;
            }
            break;
        }
        case SIP_HDR_FROM:
            if (dup || parse_party(h->value, &msg->from_tag) != 0) {
                *reason = dup ? "Duplicate From header" : "Malformed From header";
                return SIP_ERR_FROM;
            }
            break;
        case SIP_HDR_TO:
            if (dup || parse_party(h->value, &msg->to_tag) != 0) {
                *reason = dup ? "Duplicate To header" : "Malformed To header";
                return SIP_ERR_TO;
            }
            break;
        case SIP_HDR_CALL_ID: {
            bool bad = dup || h->value.len == 0;
            for (size_t k = 0; !bad && k < h->value.len; k++)
                bad = sip_is_lws(h->value.p[k]) || (unsigned char)h->value.p[k] < 0x21;
            if (bad) {
                *reason = dup ? "Duplicate Call-ID header" : "Malformed Call-ID header";
                return SIP_ERR_CALL_ID;
            }
            msg->call_id = h->value;
            break;
        }
        case SIP_HDR_CSEQ:
            if (dup || parse_cseq(h->value, &msg->cseq, &msg->cseq_method) != 0) {
                *reason = dup ? "Duplicate CSeq header" : "Malformed CSeq header";
                return SIP_ERR_CSEQ;
            }
            break;
        case SIP_HDR_CONTENT_LENGTH: {
            long cl = parse_content_length(h->value);
            if (cl < 0 || (dup && cl != msg->content_length)) {
                *reason = "Invalid Content-Length";
                return SIP_ERR_CONTENT_LENGTH;
            }
            msg->content_length = cl;
            break;
        }
        case SIP_HDR_EXPIRES:
            if (dup || parse_number(h->value, 0xffffffffUL, &msg->expires) != 0) {
                *reason = "Malformed Expires header";
                return SIP_ERR_VALUE;
            }
            break;
        case SIP_HDR_MAX_FORWARDS:
            if (dup || parse_number(h->value, 255, &msg->max_forwards) != 0) {
                *reason = "Malformed Max-Forwards header";
                return SIP_ERR_VALUE;
            }
            break;
        default:
            break;
        }
    }
    static const struct {
        enum sip_hdr id;
        const char *reason;
    } mandatory[] = {
        {SIP_HDR_VIA, "Missing Via header"},   {SIP_HDR_FROM, "Missing From header"},
        {SIP_HDR_TO, "Missing To header"},     {SIP_HDR_CALL_ID, "Missing Call-ID header"},
        {SIP_HDR_CSEQ, "Missing CSeq header"},
    };
    for (size_t i = 0; i < sizeof mandatory / sizeof mandatory[0]; i++) {
        if (!seen[mandatory[i].id]) {
            *reason = mandatory[i].reason;
            return SIP_ERR_MISSING_HEADER;
        }
    }
    if (msg->is_request && !sip_slice_same(msg->cseq_method, msg->method)) {
        *reason = "CSeq method does not match the request method";
        return SIP_ERR_CSEQ;
    }
    return 0;
}

int sip_parse(const char *buf, size_t len, struct sip_msg *msg, const char **reason)
{
    static const char *const no_reason = "";
    const char *dummy;
    if (!reason)
        reason = &dummy;
    *reason = no_reason;
    memset(msg, 0, sizeof *msg);
    msg->content_length = msg->expires = msg->max_forwards = -1;
    if (!buf || len == 0) {
        *reason = "Empty message";
        return SIP_ERR_START_LINE;
    }
    if (len > SIP_MAX_MESSAGE_BYTES) {
        *reason = "Message too large";
        return SIP_ERR_TOO_LARGE;
    }
    size_t pos = leading_crlf(buf, len);
    size_t line_len, next;
    if (!next_line(buf, len, pos, &line_len, &next)) {
        *reason = "Truncated start line";
        return SIP_ERR_TRUNCATED;
    }
    int rc = parse_start_line(buf + pos, line_len, msg, reason);
    if (rc != 0)
        return rc;
    pos = next;
    const char *cur = NULL; /* start of the current (possibly folded) header line */
    for (;;) {
        if (!next_line(buf, len, pos, &line_len, &next)) {
            *reason = "Header section not terminated by an empty line";
            return SIP_ERR_TRUNCATED;
        }
        const char *line = buf + pos;
        for (size_t i = 0; i < line_len; i++) {
            unsigned char c = (unsigned char)line[i];
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                *reason = "Control character in header";
                return SIP_ERR_HEADER;
            }
        }
        if (line_len > 0 && (line[0] == ' ' || line[0] == '\t')) {
            /* Continuation: the current header's value now ends at this line's end. */
            if (!cur) {
                *reason = "Continuation line without a header";
                return SIP_ERR_HEADER;
            }
            struct sip_header *h = &msg->headers[msg->header_count - 1];
            if ((size_t)(line + line_len - cur) > SIP_MAX_LINE_BYTES) {
                *reason = "Header line too long";
                return SIP_ERR_TOO_LARGE;
            }
            const char *vs = h->value.len ? h->value.p : line;
            h->value = sip_trim((struct sip_slice){vs, (size_t)(line + line_len - vs)});
        } else {
            if (line_len == 0) {
                pos = next;
                break;
            }
            if (line_len > SIP_MAX_LINE_BYTES) {
                *reason = "Header line too long";
                return SIP_ERR_TOO_LARGE;
            }
            rc = add_header(msg, line, line_len, reason);
            if (rc != 0)
                return rc;
            cur = line;
        }
        pos = next;
    }
    rc = check_headers(msg, reason);
    if (rc != 0)
        return rc;
    size_t avail = len - pos;
    if (msg->content_length >= 0) {
        if ((size_t)msg->content_length > avail) {
            *reason = "Content-Length exceeds the message size";
            return SIP_ERR_CONTENT_LENGTH;
        }
        avail = (size_t)msg->content_length;
    }
    msg->body = (struct sip_slice){buf + pos, avail};
    msg->total_len = pos + avail;
    *reason = "OK";
    return SIP_OK;
}
