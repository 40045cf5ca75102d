/* mcx-ctl: a subscriber CSV record (store/store_csv.h reads it) into struct mcx_subscriber, with
 * mcx-ctl's checks and defaults (db/README.md, "CSV format"). */
#ifndef MCX_CTL_CSV_H
#define MCX_CTL_CSV_H

#include "ctl_fields.h"
#include "store/store.h"
#include "store/store_csv.h"

/* Fills *sub (cleared first) from the column values of one record. Returns 0, or -1 with the
 * reason in err (CTL_ERR_MAX bytes). */
int ctl_csv_subscriber(const char *const values[MCX_CSV_COLUMNS], struct mcx_subscriber *sub,
                       char *err);

#endif
