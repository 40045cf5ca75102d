/* Private to lib/store: the '\n'-joined text form in which the SQLite backend keeps lists
 * (identities never contain control characters, so '\n' cannot occur inside an item). */
#ifndef MCX_STORE_LISTS_H
#define MCX_STORE_LISTS_H

#include <stddef.h>

/* Joins count items (each in an item_cap-byte slot of items) with '\n' into out (out_cap bytes,
 * NUL-terminated). Returns the length, or -1 when out is too small. */
int mcx_store_list_join(const char *items, size_t item_cap, size_t count, char *out,
                        size_t out_cap);

/* Splits text (length len) at '\n' into slots of item_cap bytes, at most max_count of them.
 * Empty text gives 0 items. Returns the count, or -1 when an item or the count is too large. */
int mcx_store_list_split(const char *text, size_t len, char *items, size_t item_cap,
                         size_t max_count);

#endif
