/* Slice helpers, comma lists and ;parameters of the zero-copy SIP parser; see sip_parse.h. */
#include "sip/sip_parse.h"
#include "sip/sip_chars.h"

#include <string.h>
#include <strings.h>

bool sip_slice_ieq(struct sip_slice a, const char *s)
{
    size_t n = strlen(s);
    return a.len == n && (n == 0 || strncasecmp(a.p, s, n) == 0);
}

bool sip_slice_eq(struct sip_slice a, const char *s)
{
    size_t n = strlen(s);
    return a.len == n && (n == 0 || memcmp(a.p, s, n) == 0);
}

bool sip_slice_same(struct sip_slice a, struct sip_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

int sip_slice_to_ulong(struct sip_slice s, unsigned long *out)
{
    if (s.len == 0 || s.len > 10)
        return -1;
    unsigned long v = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return -1;
        v = v * 10 + (unsigned long)(s.p[i] - '0');
    }
    *out = v;
    return 0;
}

int sip_slice_copy(struct sip_slice s, char *out, size_t out_cap)
{
    if (out_cap == 0)
        return -1;
    if (s.len >= out_cap) {
        out[0] = '\0';
        return -1;
    }
    if (s.len)
        memcpy(out, s.p, s.len);
    out[s.len] = '\0';
    return (int)s.len;
}

int sip_unescape(struct sip_slice s, char *out, size_t out_cap)
{
    size_t o = 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (c == '\\' && i + 1 < s.len)
            c = s.p[++i];
        if (o + 1 >= out_cap) {
            if (out_cap)
                out[0] = '\0';
            return -1;
        }
        out[o++] = c;
    }
    if (out_cap == 0)
        return -1;
    out[o] = '\0';
    return (int)o;
}

struct sip_slice sip_trim(struct sip_slice s)
{
    while (s.len && sip_is_lws(s.p[0])) {
        s.p++;
        s.len--;
    }
    while (s.len && sip_is_lws(s.p[s.len - 1]))
        s.len--;
    return s;
}

size_t sip_skip_quoted(const char *p, size_t len, size_t i)
{
    /* p[i] is the opening quote. */
    for (i++; i < len; i++) {
        if (p[i] == '\\') {
            if (i + 1 >= len)
                return 0;
            i++;
        } else if (p[i] == '"') {
            return i + 1;
        }
    }
    return 0;
}

int sip_list_next(struct sip_slice value, size_t *pos, struct sip_slice *item)
{
    size_t i = *pos;
    const char *p = value.p;
    size_t len = value.len;
    for (;;) {
        while (i < len && (sip_is_lws(p[i]) || p[i] == ','))
            i++;
        if (i >= len) {
            *pos = i;
            return 0;
        }
        size_t start = i;
        bool in_angle = false;
        while (i < len) {
            char c = p[i];
            if (c == '"') {
                size_t end = sip_skip_quoted(p, len, i);
                if (end == 0)
                    return -1;
                i = end;
                continue;
            }
            if (c == '<')
                in_angle = true;
            else if (c == '>')
                in_angle = false;
            else if (c == ',' && !in_angle)
                break;
            i++;
        }
        if (in_angle)
            return -1;
        *item = sip_trim((struct sip_slice){p + start, i - start});
        *pos = i;
        if (item->len)
            return 1;
    }
}

int sip_param_next(struct sip_slice params, size_t *pos, struct sip_slice *name,
                   struct sip_slice *val)
{
    const char *p = params.p;
    size_t len = params.len;
    size_t i = *pos;
    while (i < len && (sip_is_lws(p[i]) || p[i] == ';'))
        i++;
    if (i >= len) {
        *pos = i;
        return 0;
    }
    size_t ns = i;
    while (i < len && sip_is_param_char(p[i]))
        i++;
    if (i == ns)
        return -1;
    *name = (struct sip_slice){p + ns, i - ns};
    while (i < len && sip_is_lws(p[i]))
        i++;
    *val = (struct sip_slice){p + i, 0};
    if (i < len && p[i] == '=') {
        i++;
        while (i < len && sip_is_lws(p[i]))
            i++;
        if (i < len && p[i] == '"') {
            size_t end = sip_skip_quoted(p, len, i);
            if (end == 0)
                return -1;
            *val = (struct sip_slice){p + i + 1, end - i - 2};
            i = end;
        } else if (i < len && p[i] == '[') {
            size_t vs = i;
            while (i < len && p[i] != ']')
                i++;
            if (i >= len)
                return -1;
            i++;
            *val = (struct sip_slice){p + vs, i - vs};
        } else {
            size_t vs = i;
            while (i < len && sip_is_param_char(p[i]))
                i++;
            if (i == vs)
                return -1;
            *val = (struct sip_slice){p + vs, i - vs};
        }
        while (i < len && sip_is_lws(p[i]))
            i++;
    }
    if (i < len && p[i] != ';')
        return -1;
    *pos = i;
    return 1;
}

int sip_param_find(struct sip_slice params, const char *name, struct sip_slice *val)
{
    size_t pos = 0;
    struct sip_slice n, v;
    int rc;
    while ((rc = sip_param_next(params, &pos, &n, &v)) == 1) {
        if (sip_slice_ieq(n, name)) {
            *val = v;
            return 1;
        }
    }
    return rc;
}
