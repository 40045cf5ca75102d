/* Digest credentials and challenges; see sip_auth.h. */
#include "sip/sip_auth.h"
#include "sip/sip_chars.h"

#include <string.h>

struct digest_field {
    const char *name;
    size_t offset;
};

#define FIELD(n)                                                                                   \
    {                                                                                              \
#n, offsetof(struct sip_digest, n)                                                         \
    }
static const struct digest_field digest_fields[] = {
    FIELD(username),  FIELD(realm),     FIELD(nonce), FIELD(uri),   FIELD(response),
    FIELD(algorithm), FIELD(cnonce),    FIELD(nc),    FIELD(qop),   FIELD(opaque),
    FIELD(auts),      FIELD(ck),        FIELD(ik),    FIELD(stale), FIELD(domain),
    FIELD(rspauth),   FIELD(nextnonce),
};
#undef FIELD

int sip_digest_parse(struct sip_slice value, struct sip_digest *d, const char **reason)
{
    memset(d, 0, sizeof *d);
    const char *p = value.p;
    size_t len = value.len;
    size_t i = 0;
    while (i < len && sip_is_lws(p[i]))
        i++;
    size_t ss = i;
    while (i < len && sip_is_token_char(p[i]))
        i++;
    d->scheme = (struct sip_slice){p + ss, i - ss};
    if (!sip_slice_ieq(d->scheme, "Digest")) {
        *reason = "Unsupported authentication scheme";
        return -1;
    }
    if (i < len && !sip_is_lws(p[i])) {
        *reason = "Malformed authentication header";
        return -1;
    }
    bool need_comma = false;
    for (;;) {
        while (i < len && sip_is_lws(p[i]))
            i++;
        if (i >= len)
            break;
        if (need_comma) {
            if (p[i] != ',') {
                *reason = "Missing comma between authentication parameters";
                return -1;
            }
            i++;
            while (i < len && sip_is_lws(p[i]))
                i++;
            if (i >= len) {
                *reason = "Trailing comma in authentication header";
                return -1;
            }
        }
        size_t ns = i;
        while (i < len && sip_is_token_char(p[i]))
            i++;
        struct sip_slice name = {p + ns, i - ns};
        while (i < len && sip_is_lws(p[i]))
            i++;
        if (name.len == 0 || i >= len || p[i] != '=') {
            *reason = "Malformed authentication parameter";
            return -1;
        }
        i++;
        while (i < len && sip_is_lws(p[i]))
            i++;
        struct sip_slice val;
        if (i < len && p[i] == '"') {
            size_t end = sip_skip_quoted(p, len, i);
            if (end == 0) {
                *reason = "Unterminated quoted string in authentication header";
                return -1;
            }
            val = (struct sip_slice){p + i + 1, end - i - 2};
            i = end;
        } else {
            size_t vs = i;
            while (i < len && (sip_is_token_char(p[i]) || p[i] == '/' || p[i] == '=' ||
                               p[i] == ':' || p[i] == '@'))
                i++;
            if (i == vs) {
                *reason = "Missing authentication parameter value";
                return -1;
            }
            val = (struct sip_slice){p + vs, i - vs};
        }
        need_comma = true;
        bool known = false;
        for (size_t f = 0; f < sizeof digest_fields / sizeof digest_fields[0]; f++) {
            if (!sip_slice_ieq(name, digest_fields[f].name))
                continue;
            struct sip_slice *slot = (struct sip_slice *)((char *)d + digest_fields[f].offset);
            if (slot->p) {
                *reason = "Duplicate authentication parameter";
                return -1;
            }
            *slot = val;
            if (!slot->p)
                slot->p = p + i; /* present but empty: keep a non-NULL pointer */
            known = true;
            break;
        }
        if (!known)
            d->unknown_params++;
    }
    return 0;
}

int sip_digest_nc(const struct sip_digest *d, uint32_t *nc)
{
    if (!d->nc.p || d->nc.len != 8)
        return -1;
    uint32_t v = 0;
    for (size_t i = 0; i < 8; i++) {
        char c = d->nc.p[i];
        int x;
        if (c >= '0' && c <= '9')
            x = c - '0';
        else if (c >= 'a' && c <= 'f')
            x = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            x = c - 'A' + 10;
        else
            return -1;
        v = (v << 4) | (uint32_t)x;
    }
    *nc = v;
    return 0;
}

bool sip_digest_is_aka(const struct sip_digest *d, int *version)
{
    if (sip_slice_ieq(d->algorithm, "AKAv1-MD5")) {
        *version = 1;
        return true;
    }
    if (sip_slice_ieq(d->algorithm, "AKAv2-MD5")) {
        *version = 2;
        return true;
    }
    return false;
}
