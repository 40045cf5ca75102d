/* Cx User-Data for the partner's SAA: a TS 29.228 IMSSubscription XML document naming the
 * partner private identity and one ServiceProfile with every partner public identity. */
#ifndef MMS_USERDATA_H
#define MMS_USERDATA_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Writes the IMSSubscription XML for binding b into out (cap bytes, not NUL-terminated).
 * Returns the length, or -1 when it does not fit. */
int mms_userdata_build(const struct mcx_binding *b, uint8_t *out, size_t cap);

#endif
