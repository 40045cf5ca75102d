/* Cx routing table; see route.h. */
#include "route.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

bool cscf_glob_match(const char *p, const char *t)
{
    const char *star = NULL, *resume = NULL;
    while (*t) {
        if (*p == '*') {
            star = p++;
            resume = t;
        } else if (*p && (*p == '?' || tolower((unsigned char)*p) == tolower((unsigned char)*t))) {
            p++;
            t++;
        } else if (star) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

int cscf_route_identity(const char *id, char *out, size_t cap)
{
    static const char *const schemes[] = {"sips:", "sip:", "tel:"};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        size_t n = strlen(schemes[i]);
        if (strncasecmp(id, schemes[i], n) == 0) {
            id += n;
            break;
        }
    }
    size_t len = strcspn(id, ";?>");
    const char *at = memchr(id, '@', len);
    const char *host = at ? at + 1 : id;
    if (*host != '[') {
        const char *colon = memchr(host, ':', len - (size_t)(host - id));
        if (colon && at)
            len = (size_t)(colon - id);
    }
    if (len + 1 > cap)
        return -1;
    memcpy(out, id, len);
    out[len] = '\0';
    return 0;
}

int cscf_route_add(struct cscf_route_table *t, const char *pattern, const char *realm,
                   const char *host)
{
    if (t->count >= CSCF_ROUTE_MAX)
        return -1;
    struct cscf_route *r = &t->routes[t->count];
    if (snprintf(r->pattern, sizeof r->pattern, "%s", pattern) >= (int)sizeof r->pattern ||
        snprintf(r->dest.realm, sizeof r->dest.realm, "%s", realm) >= (int)sizeof r->dest.realm ||
        snprintf(r->dest.host, sizeof r->dest.host, "%s", host ? host : "") >=
            (int)sizeof r->dest.host)
        return -1;
    t->count++;
    return 0;
}

const struct mcx_cx_route *cscf_route_lookup(const struct cscf_route_table *t, const char *identity)
{
    char id[MCX_CX_IDENTITY_MAX];
    if (cscf_route_identity(identity, id, sizeof id) != 0)
        return NULL;
    for (size_t i = 0; i < t->count; i++)
        if (cscf_glob_match(t->routes[i].pattern, id))
            return &t->routes[i].dest;
    return NULL;
}
