/* GetSipAuthInfoResponse.Result <-> Diameter result codes, one-to-one (table in
 * proto/mcx_migration.proto). The partner MMS uses it to rebuild the MAA the primary's HSS
 * gave; the primary MMS to fill the response from its MAA. */
#ifndef MCX_MIGRATION_RESULT_H
#define MCX_MIGRATION_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include "migration/envelope.h"

/* Result for a Diameter answer: code is the Result-Code (experimental false) or the
 * Experimental-Result-Code with vendor 10415 (experimental true). Codes outside the table give
 * UNABLE_TO_COMPLY. */
mcx_auth_result mcx_migration_result_from_diameter(uint32_t code, bool experimental);

/* Diameter code for result: *code and *experimental (true: send it in Experimental-Result with
 * vendor 10415). Returns 0, or -1 for RESULT_UNSPECIFIED or a value outside the enum. */
int mcx_migration_result_to_diameter(mcx_auth_result result, uint32_t *code, bool *experimental);

/* Static name of a result ("SUCCESS", "USER_UNKNOWN", ...; "UNKNOWN" outside the enum). */
const char *mcx_migration_result_name(mcx_auth_result result);

#endif
