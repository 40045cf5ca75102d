/* Primary role: may this partner system fetch this subscriber's credentials? Only when the
 * subscriber's profile (ims.migration.allowed_partners) names the asking system. The caller
 * has already checked that the system is a configured partner. */
#ifndef MMS_PRIMARY_AUTHZ_H
#define MMS_PRIMARY_AUTHZ_H

#include "store/store.h"

enum mms_authz {
    MMS_AUTHZ_ALLOWED = 0,
    MMS_AUTHZ_USER_UNKNOWN, /* no subscriber with this IMPI */
    MMS_AUTHZ_DENIED,       /* the subscriber does not allow migration to origin */
    MMS_AUTHZ_UNAVAILABLE,  /* the database could not answer */
};

/* Static name of a decision for logs. */
const char *mms_authz_name(enum mms_authz decision);

/* Decides whether origin_system may ask for impi's vectors (one store read). */
enum mms_authz mms_primary_authorize(struct mcx_store *store, const char *origin_system,
                                     const char *impi);

#endif
