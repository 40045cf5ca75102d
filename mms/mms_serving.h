/* Partner role: the S-CSCF assigned to each bound partner IMPI (from SAR), kept in memory for
 * UAR/LIR answers. Thread-safe. Lost on restart: the SIP core re-registers and SARs again. */
#ifndef MMS_SERVING_H
#define MMS_SERVING_H

#include <stdbool.h>
#include <stddef.h>

/* Records server_name for impi (replacing any earlier one). Returns 0, or -1 when out of
 * memory or a string is too long. */
int mms_serving_set(const char *impi, const char *server_name);

/* Forgets the server assigned to impi (no-op when none). */
void mms_serving_clear(const char *impi);

/* Copies the server assigned to impi into out (cap bytes). Returns true when one is assigned. */
bool mms_serving_get(const char *impi, char *out, size_t cap);

/* Frees every entry. */
void mms_serving_free_all(void);

#endif
