/* Subscriber look-ups shared by the Cx handlers, with store statuses mapped to Cx results. */
#ifndef MCX_HSS_LOOKUP_H
#define MCX_HSS_LOOKUP_H

#include <stdbool.h>
#include <stdint.h>

#include "cx/cx_common.h"
#include "store/store.h"

/* Sets result for a failed store call: NOT_FOUND -> Experimental 5001, MISMATCH -> 5002,
 * anything else (database unreachable, errors) -> base 5012 DIAMETER_UNABLE_TO_COMPLY. */
void hss_result_from_store(int status, struct mcx_cx_result *result);

/* Whether impu is one of sub's public identities (exact match). */
bool hss_subscriber_has_impu(const struct mcx_subscriber *sub, const char *impu);

/* Loads the subscriber of impi into *sub (caller-owned) and checks that impu (may be NULL or
 * "": not checked) belongs to it. Returns 0, or -1 with result set: 5001 when impi or impu is
 * unknown, 5002 when impu belongs to someone else, 5012 when the database failed. */
int hss_lookup_pair(struct mcx_store *store, const char *impi, const char *impu,
                    struct mcx_subscriber *sub, struct mcx_cx_result *result);

/* Wipes the key material of sub (K, OP, OPc, HA1) once a handler is done with it. */
void hss_subscriber_wipe(struct mcx_subscriber *sub);

/* Microseconds on the monotonic clock (for latency_us in the request log lines). */
uint64_t hss_now_us(void);

#endif
