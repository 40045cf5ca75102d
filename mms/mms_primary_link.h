/* Primary role, inter-system link (TS 23.280 10.1.6.2 steps 5 and 8): an NNG REP socket
 * listening on link.listen (tcp:// or tls+tcp:// with mutual certificates) with a pool of
 * link.contexts contexts, each serving one request at a time without blocking a thread.
 *
 * Every received Envelope is decoded and validated (lib/migration): bad bytes, wrong version,
 * missing fields or a too large message get an ErrorResponse (messages beyond the NNG receive
 * limit are dropped by NNG). A request from an unconfigured origin gets UNKNOWN_ORIGIN; one for
 * a subscriber whose allowed_partners does not name the origin gets NOT_AUTHORIZED and the HSS
 * is not asked; otherwise the MAR goes to the HSS (mms_primary_cx.h). One log line per
 * request: transaction id, origin, identities, result, latency. */
#ifndef MMS_PRIMARY_LINK_H
#define MMS_PRIMARY_LINK_H

#include <stddef.h>

#include "mms_config.h"
#include "store/store.h"

/* Opens the REP socket, starts listening and arms every context. cfg and store must outlive
 * the link. Returns 0, or -1 with a reason in err. */
int mms_primary_link_start(const struct mms_config *cfg, struct mcx_store *store, char *err,
                           size_t err_cap);

/* Stops listening, closes the socket (pending replies are dropped) and frees the contexts. */
void mms_primary_link_stop(void);

#endif
