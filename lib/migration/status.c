/* Error names and struct mcx_migration_status; see envelope.h and status.h. */
#include "migration/status.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const error_names[] = {
    [MCX_MIGRATION_OK] = "OK",
    [MCX_MIGRATION_MALFORMED] = "MALFORMED",
    [MCX_MIGRATION_UNSUPPORTED_VERSION] = "UNSUPPORTED_VERSION",
    [MCX_MIGRATION_MISSING_FIELD] = "MISSING_FIELD",
    [MCX_MIGRATION_INVALID_VALUE] = "INVALID_VALUE",
    [MCX_MIGRATION_TOO_LARGE] = "TOO_LARGE",
    [MCX_MIGRATION_UNKNOWN_ORIGIN] = "UNKNOWN_ORIGIN",
    [MCX_MIGRATION_INTERNAL] = "INTERNAL",
    [MCX_MIGRATION_UNEXPECTED_BODY] = "UNEXPECTED_BODY",
};

/* The C codes are sent as protobuf ErrorCode values: keep them identical. */
_Static_assert((int)MCX_MIGRATION_MALFORMED == (int)MCX__MIGRATION__V1__ERROR_CODE__MALFORMED,
               "code");
_Static_assert((int)MCX_MIGRATION_UNSUPPORTED_VERSION ==
                   (int)MCX__MIGRATION__V1__ERROR_CODE__UNSUPPORTED_VERSION,
               "code");
_Static_assert((int)MCX_MIGRATION_MISSING_FIELD ==
                   (int)MCX__MIGRATION__V1__ERROR_CODE__MISSING_FIELD,
               "code");
_Static_assert((int)MCX_MIGRATION_INVALID_VALUE ==
                   (int)MCX__MIGRATION__V1__ERROR_CODE__INVALID_VALUE,
               "code");
_Static_assert((int)MCX_MIGRATION_TOO_LARGE == (int)MCX__MIGRATION__V1__ERROR_CODE__TOO_LARGE,
               "code");
_Static_assert((int)MCX_MIGRATION_UNKNOWN_ORIGIN ==
                   (int)MCX__MIGRATION__V1__ERROR_CODE__UNKNOWN_ORIGIN,
               "code");
_Static_assert((int)MCX_MIGRATION_INTERNAL == (int)MCX__MIGRATION__V1__ERROR_CODE__INTERNAL,
               "code");
_Static_assert((int)MCX_MIGRATION_UNEXPECTED_BODY ==
                   (int)MCX__MIGRATION__V1__ERROR_CODE__UNEXPECTED_BODY,
               "code");

const char *mcx_migration_error_name(enum mcx_migration_error code)
{
    if ((unsigned)code < sizeof error_names / sizeof error_names[0] && error_names[code])
        return error_names[code];
    return "UNKNOWN";
}

void mcx_migration_status_clear(struct mcx_migration_status *status)
{
    if (!status)
        return;
    status->code = MCX_MIGRATION_OK;
    status->detail[0] = '\0';
    status->transaction_id[0] = '\0';
}

enum mcx_migration_error mcx_migration_fail(struct mcx_migration_status *status,
                                            enum mcx_migration_error code, const char *fmt, ...)
{
    if (!status)
        return code;
    status->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(status->detail, sizeof status->detail, fmt, ap);
    va_end(ap);
    return code;
}
