/* Identity mapping between partner and primary SIP identities through a provisioned binding
 * (TS 23.280 10.1.6.2 steps 4 and 9). A binding lists partner IMPUs and primary IMPUs; the
 * IMPU at position i on one side corresponds to position i on the other (the last one when the
 * other side has fewer). */
#ifndef MMS_MAP_H
#define MMS_MAP_H

#include <stdbool.h>

#include "store/store.h"

/* Index of impu in the binding's partner IMPUs, or -1 when it is not one of them. */
int mms_map_partner_impu_index(const struct mcx_binding *b, const char *impu);

/* The primary IMPU that corresponds to the partner IMPU at index i (static in b). */
const char *mms_map_primary_impu(const struct mcx_binding *b, int partner_index);

/* The partner IMPU that corresponds to primary_impu, or NULL when primary_impu is not in the
 * binding (pointer into b). */
const char *mms_map_partner_impu_of_primary(const struct mcx_binding *b, const char *primary_impu);

#endif
