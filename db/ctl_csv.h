/* mcx-ctl: a subscriber or binding CSV record (store/store_csv.h reads it) into struct
 * mcx_subscriber / mcx_binding, with mcx-ctl's checks and defaults (db/README.md, "CSV format"). */
#ifndef MCX_CTL_CSV_H
#define MCX_CTL_CSV_H

#include "ctl_fields.h"
#include "store/store.h"
#include "store/store_csv.h"

/* Fills *sub (cleared first) from the column values of one record. Returns 0, or -1 with the
 * reason in err (CTL_ERR_MAX bytes). */
int ctl_csv_subscriber(const char *const values[MCX_CSV_COLUMNS], struct mcx_subscriber *sub,
                       char *err);

/* Fills *b (cleared first) from the column values of one binding record: identities non-empty,
 * at least one IMPU on each side. Returns 0, or -1 with the reason in err (CTL_ERR_MAX bytes).
 * The store validates the rest (e.g. that primary_mms is a URL). */
int ctl_csv_binding(const char *const values[MCX_BINDING_CSV_COLUMNS], struct mcx_binding *b,
                    char *err);

#endif
