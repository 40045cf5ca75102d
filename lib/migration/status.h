/* Internal to lib/migration: filling struct mcx_migration_status. */
#ifndef MCX_MIGRATION_STATUS_H
#define MCX_MIGRATION_STATUS_H

#include "migration/envelope.h"

/* Records code and a printf-formatted detail in status (NULL is fine); returns code. */
enum mcx_migration_error mcx_migration_fail(struct mcx_migration_status *status,
                                            enum mcx_migration_error code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Resets status (NULL is fine) to OK with an empty detail and transaction id. */
void mcx_migration_status_clear(struct mcx_migration_status *status);

#endif
