/* The IMS subscription document carried in SAA User-Data (TS 29.228 Annex E / TS 29.229). */
#ifndef MCX_HSS_USERDATA_H
#define MCX_HSS_USERDATA_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Writes the IMSSubscription XML of sub (PrivateID, one ServiceProfile with a PublicIdentity
 * per IMPU, identities XML-escaped) into out (cap bytes, caller-owned, not NUL-terminated).
 * Returns the length, or -1 when it does not fit. */
int hss_userdata_build(const struct mcx_subscriber *sub, uint8_t *out, size_t cap);

#endif
