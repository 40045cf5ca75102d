/* Partner side of the inter-system link: one NNG REQ socket per primary MMS URL, many requests
 * in flight on it (one nng_ctx + nng_aio per request slot, no thread blocked per request).
 *
 * A request has a whole time budget (link.timeout) and is resent by NNG's REQ protocol every
 * timeout / (resends + 1) while no reply came, and at once on a new connection when the one it
 * was sent on closed. The dialer redials by itself (reconnect_min..reconnect_max back-off), so
 * service resumes when the primary comes back. The reply is decoded and validated
 * (lib/migration) and must carry the request's transaction id. */
#ifndef MMS_PARTNER_LINK_H
#define MMS_PARTNER_LINK_H

#include <stddef.h>

#include "migration/envelope.h"
#include "mms_config.h"

/* How a request ended. */
enum mms_link_outcome {
    MMS_LINK_REPLY = 0, /* a valid reply envelope with our transaction id */
    MMS_LINK_TIMEOUT,   /* no reply within the budget (primary down or silent) */
    MMS_LINK_BAD_REPLY, /* a reply that failed decoding/validation or did not match */
    MMS_LINK_BUSY,      /* every request slot of the link is in use */
    MMS_LINK_FAILED,    /* local failure (socket closed, out of memory, TLS setup, ...) */
};

/* Static name of an outcome for logs ("reply", "timeout", ...). */
const char *mms_link_outcome_name(enum mms_link_outcome outcome);

/* Called once per request, on an NNG thread. reply is valid only during the call (NULL unless
 * MMS_LINK_REPLY); it is owned by the link. */
typedef void (*mms_link_cb)(void *arg, enum mms_link_outcome outcome, const mcx_envelope *reply);

/* Prepares the link table from cfg (kept by pointer: it must outlive the links). */
void mms_partner_links_init(const struct mms_config *cfg);

/* Sends the encoded envelope (data, len; copied) with transaction id tid to the primary MMS at
 * url, creating that link on first use. Returns 0 and cb(arg, ...) follows exactly once, from
 * an NNG thread (MMS_LINK_BUSY may come before this returns); or returns -1 (bad URL, TLS
 * setup failed, out of memory, closing) with a reason in err, and cb is never called. */
int mms_partner_link_request(const char *url, const char *tid, const uint8_t *data, size_t len,
                             mms_link_cb cb, void *arg, char *err, size_t err_cap);

/* Opens (dials) the link to url now, e.g. at start-up for every primary named in a binding, so
 * that the first request does not wait for the connection. Returns 0, or -1 with err. */
int mms_partner_link_prepare(const char *url, char *err, size_t err_cap);

/* Closes every link: requests in flight end with MMS_LINK_FAILED; then frees everything. */
void mms_partner_links_close(void);

#endif
