/* Result <-> Diameter code table; see result.h. */
#include "migration/result.h"

#include <stddef.h>

struct result_row {
    mcx_auth_result result;
    uint32_t code;
    bool experimental;
    const char *name;
};

static const struct result_row result_table[] = {
    {MCX__MIGRATION__V1__RESULT__SUCCESS, 2001, false, "SUCCESS"},
    {MCX__MIGRATION__V1__RESULT__USER_UNKNOWN, 5001, true, "USER_UNKNOWN"},
    {MCX__MIGRATION__V1__RESULT__IDENTITIES_DONT_MATCH, 5002, true, "IDENTITIES_DONT_MATCH"},
    {MCX__MIGRATION__V1__RESULT__AUTH_SCHEME_NOT_SUPPORTED, 5006, true,
     "AUTH_SCHEME_NOT_SUPPORTED"},
    {MCX__MIGRATION__V1__RESULT__NOT_AUTHORIZED, 5003, false, "NOT_AUTHORIZED"},
    {MCX__MIGRATION__V1__RESULT__UNABLE_TO_COMPLY, 5012, false, "UNABLE_TO_COMPLY"},
    {MCX__MIGRATION__V1__RESULT__IDENTITY_NOT_REGISTERED, 5003, true, "IDENTITY_NOT_REGISTERED"},
    {MCX__MIGRATION__V1__RESULT__ROAMING_NOT_ALLOWED, 5004, true, "ROAMING_NOT_ALLOWED"},
    {MCX__MIGRATION__V1__RESULT__IN_ASSIGNMENT_TYPE, 5007, true, "IN_ASSIGNMENT_TYPE"},
    {MCX__MIGRATION__V1__RESULT__TOO_BUSY, 3004, false, "TOO_BUSY"},
};

#define RESULT_ROWS (sizeof result_table / sizeof result_table[0])

mcx_auth_result mcx_migration_result_from_diameter(uint32_t code, bool experimental)
{
    for (size_t i = 0; i < RESULT_ROWS; i++) {
        if (result_table[i].code == code && result_table[i].experimental == experimental)
            return result_table[i].result;
    }
    return MCX__MIGRATION__V1__RESULT__UNABLE_TO_COMPLY;
}

int mcx_migration_result_to_diameter(mcx_auth_result result, uint32_t *code, bool *experimental)
{
    for (size_t i = 0; i < RESULT_ROWS; i++) {
        if (result_table[i].result == result) {
            *code = result_table[i].code;
            *experimental = result_table[i].experimental;
            return 0;
        }
    }
    return -1;
}

const char *mcx_migration_result_name(mcx_auth_result result)
{
    if (result == MCX__MIGRATION__V1__RESULT__RESULT_UNSPECIFIED)
        return "RESULT_UNSPECIFIED";
    for (size_t i = 0; i < RESULT_ROWS; i++) {
        if (result_table[i].result == result)
            return result_table[i].name;
    }
    return "UNKNOWN";
}
