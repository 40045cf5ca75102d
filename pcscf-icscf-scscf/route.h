/* Cx routing table of mcx-cscf: identity pattern -> Diameter destination (realm + host).
 * The first entry whose pattern matches wins. */
#ifndef CSCF_ROUTE_H
#define CSCF_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "cx/cx_common.h"

#define CSCF_ROUTE_MAX 32

struct cscf_route {
    char pattern[MCX_CX_IDENTITY_MAX]; /* glob with '*' and '?', e.g. "*@mig.partner.mcx.lab" */
    struct mcx_cx_route dest;
};

struct cscf_route_table {
    struct cscf_route routes[CSCF_ROUTE_MAX];
    size_t count;
};

/* Whether text matches the glob pattern ('*' any run, '?' one character; case-insensitive,
 * as SIP host names are). */
bool cscf_glob_match(const char *pattern, const char *text);

/* Writes the identity used for matching into out: the URI or IMPI without its scheme
 * ("sip:", "sips:", "tel:"), parameters and port ("sip:alice@x.lab:5060;p" -> "alice@x.lab").
 * Returns 0, or -1 when it does not fit. */
int cscf_route_identity(const char *uri_or_impi, char *out, size_t cap);

/* Adds a route. Returns 0, or -1 when the table is full or a field is too long. */
int cscf_route_add(struct cscf_route_table *t, const char *pattern, const char *realm,
                   const char *host);

/* The destination for an identity (IMPU or IMPI, any form accepted by cscf_route_identity), or
 * NULL when no route matches. The pointer is into the table. */
const struct mcx_cx_route *cscf_route_lookup(const struct cscf_route_table *t,
                                             const char *identity);

#endif
