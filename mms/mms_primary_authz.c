/* Primary role: authorisation of a partner's request against allowed_partners. */
#include "mms_primary_authz.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"

const char *mms_authz_name(enum mms_authz decision)
{
    switch (decision) {
    case MMS_AUTHZ_ALLOWED:
        return "allowed";
    case MMS_AUTHZ_USER_UNKNOWN:
        return "user_unknown";
    case MMS_AUTHZ_DENIED:
        return "denied";
    case MMS_AUTHZ_UNAVAILABLE:
        return "unavailable";
    }
    return "unknown";
}

enum mms_authz mms_primary_authorize(struct mcx_store *store, const char *origin_system,
                                     const char *impi)
{
    struct mcx_subscriber *sub = malloc(sizeof *sub);
    enum mms_authz decision = MMS_AUTHZ_DENIED;
    int rc;
    if (!sub)
        return MMS_AUTHZ_UNAVAILABLE;
    rc = mcx_store_subscriber_get_by_impi(store, impi, sub);
    if (rc == MCX_STORE_NOT_FOUND) {
        decision = MMS_AUTHZ_USER_UNKNOWN;
    } else if (rc != MCX_STORE_OK) {
        MCX_WARN("store_error", "status=%s detail=\"%s\"", mcx_store_status_name(rc),
                 mcx_store_last_error());
        decision = MMS_AUTHZ_UNAVAILABLE;
    } else {
        for (size_t i = 0; i < sub->partner_count; i++)
            if (strcmp(sub->allowed_partners[i], origin_system) == 0)
                decision = MMS_AUTHZ_ALLOWED;
    }
    explicit_bzero(sub, sizeof *sub); /* holds K and OPc */
    free(sub);
    return decision;
}
