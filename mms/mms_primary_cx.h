/* Primary role, Cx client side (TS 23.280 10.1.6.2 steps 6-7): the GetSipAuthInfoRequest
 * becomes a Cx MAR to the SIP database (mcx-hss), sent asynchronously; its MAA becomes the
 * GetSipAuthInfoResponse, Diameter results mapped one to one (lib/migration/result.h). */
#ifndef MMS_PRIMARY_CX_H
#define MMS_PRIMARY_CX_H

#include "migration/envelope.h"
#include "mms_config.h"

/* Receives the response envelope (the callee owns it: mcx_envelope_free) for the request. */
typedef void (*mms_primary_cx_cb)(void *arg, mcx_envelope *response);

/* Sends the MAR for req (transaction tid) to the HSS named in cfg. Returns 0 and cb follows
 * once from a Diameter thread, or -1 when the MAR could not be sent (cb not called). */
int mms_primary_cx_send(const struct mms_config *cfg, const char *tid,
                        const mcx_auth_info_request *req, mms_primary_cx_cb cb, void *arg);

#endif
