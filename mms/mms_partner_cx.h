/* Partner role, Cx server side (TS 23.280 10.1.6.2 steps 3, 4, 9, 10): MAR for a bound partner
 * identity is translated through the binding and forwarded to the primary MMS over NNG
 * (asynchronously: the transaction is answered from the link callback); UAR, SAR and LIR for
 * bound identities are answered locally from the binding; unbound identities get 5001. */
#ifndef MMS_PARTNER_CX_H
#define MMS_PARTNER_CX_H

#include "mms_config.h"
#include "store/store.h"

/* Registers the MAR/UAR/SAR/LIR handlers (after mcx_diameter_init, before start). cfg and
 * store must outlive the Diameter core. Returns 0, or -1 after logging why. */
int mms_partner_cx_register(const struct mms_config *cfg, struct mcx_store *store);

#endif
