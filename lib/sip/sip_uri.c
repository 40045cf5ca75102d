/* URIs, name-addr / addr-spec and Via values of the zero-copy SIP parser; see sip_parse.h. */
#include "sip/sip_chars.h"
#include "sip/sip_parse.h"

#include <string.h>

static bool is_host_char(char c)
{
    return sip_is_alnum(c) || c == '-' || c == '.' || c == '_';
}

static bool is_ipv6_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
           c == '.';
}

/* Parses host [":" port] at p[*i]; stops at the first byte that cannot continue it.
 * Returns 0 or -1. */
static int parse_hostport(const char *p, size_t len, size_t *i, struct sip_slice *host,
                          uint16_t *port, bool lws_around_colon)
{
    size_t k = *i;
    size_t hs = k;
    if (k < len && p[k] == '[') {
        k++;
        size_t digits = 0;
        while (k < len && is_ipv6_char(p[k])) {
            k++;
            digits++;
        }
        if (k >= len || p[k] != ']' || digits < 2)
            return -1;
        k++;
    } else {
        while (k < len && is_host_char(p[k]))
            k++;
        if (k == hs)
            return -1;
    }
    *host = (struct sip_slice){p + hs, k - hs};
    *port = 0;
    size_t save = k;
    if (lws_around_colon)
        while (k < len && sip_is_lws(p[k]))
            k++;
    if (k < len && p[k] == ':') {
        k++;
        if (lws_around_colon)
            while (k < len && sip_is_lws(p[k]))
                k++;
        size_t ps = k;
        unsigned long v = 0;
        while (k < len && p[k] >= '0' && p[k] <= '9' && k - ps < 6) {
            v = v * 10 + (unsigned long)(p[k] - '0');
            k++;
        }
        if (k == ps || v == 0 || v > 65535 || (k < len && p[k] >= '0' && p[k] <= '9'))
            return -1;
        *port = (uint16_t)v;
    } else {
        k = save;
    }
    *i = k;
    return 0;
}

int sip_uri_parse(struct sip_slice s, struct sip_uri *uri)
{
    memset(uri, 0, sizeof *uri);
    const char *p = s.p;
    size_t len = s.len;
    for (size_t k = 0; k < len; k++)
        if (sip_is_lws(p[k]) || p[k] == '<' || p[k] == '>' || p[k] == '"' || p[k] == '\0')
            return SIP_ERR_URI;
    size_t i = 0;
    while (i < len && (sip_is_alnum(p[i]) || p[i] == '+' || p[i] == '-' || p[i] == '.'))
        i++;
    if (i == 0 || i >= len || p[i] != ':')
        return SIP_ERR_URI;
    uri->scheme = (struct sip_slice){p, i};
    i++;
    if (!sip_slice_ieq(uri->scheme, "sip") && !sip_slice_ieq(uri->scheme, "sips")) {
        if (i >= len)
            return SIP_ERR_URI;
        uri->user = (struct sip_slice){p + i, len - i};
        return 0;
    }
    const char *at = memchr(p + i, '@', len - i);
    if (at) {
        size_t ue = (size_t)(at - p);
        const char *colon = memchr(p + i, ':', ue - i);
        size_t user_end = colon ? (size_t)(colon - p) : ue;
        uri->user = (struct sip_slice){p + i, user_end - i};
        if (colon)
            uri->password = (struct sip_slice){colon + 1, ue - user_end - 1};
        if (uri->user.len == 0)
            return SIP_ERR_URI;
        i = ue + 1;
    }
    if (parse_hostport(p, len, &i, &uri->host, &uri->port, false) != 0)
        return SIP_ERR_URI;
    if (i < len && p[i] == ';') {
        size_t ps = i;
        while (i < len && p[i] != '?')
            i++;
        uri->params = (struct sip_slice){p + ps, i - ps};
        size_t pos = 0;
        struct sip_slice n, v;
        int rc;
        while ((rc = sip_param_next(uri->params, &pos, &n, &v)) == 1)
            ;
        if (rc < 0)
            return SIP_ERR_URI;
    }
    if (i < len && p[i] == '?') {
        uri->headers = (struct sip_slice){p + i + 1, len - i - 1};
        i = len;
    }
    if (i != len)
        return SIP_ERR_URI;
    return 0;
}

/* Validates a header-parameter list that must start with ';' (or be empty). */
static int check_params(struct sip_slice params)
{
    if (params.len == 0)
        return 0;
    if (params.p[0] != ';')
        return -1;
    size_t pos = 0;
    struct sip_slice n, v;
    int rc;
    while ((rc = sip_param_next(params, &pos, &n, &v)) == 1)
        ;
    return rc;
}

int sip_name_addr_parse(struct sip_slice s, struct sip_name_addr *na)
{
    memset(na, 0, sizeof *na);
    s = sip_trim(s);
    const char *p = s.p;
    size_t len = s.len;
    if (len == 0)
        return -1;
    size_t i = 0;
    if (p[0] == '*') {
        na->wildcard = true;
        na->params = sip_trim((struct sip_slice){p + 1, len - 1});
        return check_params(na->params);
    }
    size_t lt = len;
    if (p[0] == '"') {
        size_t end = sip_skip_quoted(p, len, 0);
        if (end == 0)
            return -1;
        na->display = (struct sip_slice){p, end};
        i = end;
        while (i < len && sip_is_lws(p[i]))
            i++;
        if (i >= len || p[i] != '<')
            return -1;
        lt = i;
    } else {
        for (size_t k = 0; k < len; k++) {
            if (p[k] == '<') {
                lt = k;
                break;
            }
            if (!sip_is_token_char(p[k]) && !sip_is_lws(p[k]))
                break;
        }
        if (lt < len)
            na->display = sip_trim((struct sip_slice){p, lt});
    }
    if (lt < len) {
        const char *gt = memchr(p + lt, '>', len - lt);
        if (!gt)
            return -1;
        na->uri = (struct sip_slice){p + lt + 1, (size_t)(gt - p) - lt - 1};
        i = (size_t)(gt - p) + 1;
    } else {
        size_t us = 0;
        while (i < len && p[i] != ';' && !sip_is_lws(p[i]))
            i++;
        na->uri = (struct sip_slice){p + us, i - us};
    }
    struct sip_uri uri;
    if (sip_uri_parse(na->uri, &uri) != 0)
        return -1;
    na->params = sip_trim((struct sip_slice){p + i, len - i});
    return check_params(na->params);
}

int sip_via_parse(struct sip_slice s, struct sip_via *via)
{
    memset(via, 0, sizeof *via);
    s = sip_trim(s);
    via->raw = s;
    const char *p = s.p;
    size_t len = s.len;
    size_t i = 0;
    /* sent-protocol: name LWS? "/" LWS? version LWS? "/" LWS? transport */
    struct sip_slice part[3];
    for (int k = 0; k < 3; k++) {
        while (i < len && sip_is_lws(p[i]))
            i++;
        size_t st = i;
        while (i < len && sip_is_token_char(p[i]))
            i++;
        if (i == st)
            return -1;
        part[k] = (struct sip_slice){p + st, i - st};
        while (i < len && sip_is_lws(p[i]))
            i++;
        if (k < 2) {
            if (i >= len || p[i] != '/')
                return -1;
            i++;
        }
    }
    if (!sip_slice_ieq(part[0], "SIP") || !sip_slice_eq(part[1], "2.0"))
        return -1;
    via->transport = part[2];
    if (i == 0 || !sip_is_lws(p[i - 1]))
        return -1;
    if (parse_hostport(p, len, &i, &via->host, &via->port, true) != 0)
        return -1;
    while (i < len && sip_is_lws(p[i]))
        i++;
    /* An optional trailing comment "(...)" is allowed by RFC 3261 and ignored. */
    size_t pe = len;
    if (pe > i && p[pe - 1] == ')') {
        const char *open = memchr(p + i, '(', len - i);
        if (!open)
            return -1;
        pe = (size_t)(open - p);
    }
    via->params = sip_trim((struct sip_slice){p + i, pe - i});
    if (check_params(via->params) != 0)
        return -1;
    struct sip_slice br;
    if (sip_param_find(via->params, "branch", &br) == 1) {
        if (br.len == 0)
            return -1;
        via->branch = br;
    }
    return 0;
}

int sip_msg_vias(const struct sip_msg *msg, struct sip_via *out, size_t cap)
{
    size_t n = 0;
    for (int h = sip_header_find(msg, SIP_HDR_VIA, 0); h >= 0;
         h = sip_header_find(msg, SIP_HDR_VIA, (size_t)h + 1)) {
        size_t pos = 0;
        struct sip_slice item;
        int rc;
        while ((rc = sip_list_next(msg->headers[h].value, &pos, &item)) == 1) {
            if (n >= cap)
                return -1;
            if (sip_via_parse(item, &out[n]) != 0)
                return -1;
            n++;
        }
        if (rc < 0)
            return -1;
    }
    return (int)n;
}
