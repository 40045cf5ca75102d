/* mcx-ctl: opening the store and turning store results into messages and exit codes. */
#ifndef MCX_CTL_DB_H
#define MCX_CTL_DB_H

#include "store/store.h"

#define CTL_EXIT_OK     0
#define CTL_EXIT_FAILED 1 /* the operation failed: duplicate, not found, database down */
#define CTL_EXIT_USAGE  2 /* bad command line or invalid value */

/* Remembers the database URI; the store is opened by the first ctl_db_get(), after the
 * command line was checked. */
void ctl_db_use(const char *uri);

/* The open store (opened on first use); on failure prints a one-line error naming cmd and
 * returns NULL with *exit_code set. */
struct mcx_store *ctl_db_get(const char *cmd, int *exit_code);

/* In a command function: declares `store`, or returns the exit code when it cannot be opened. */
#define CTL_OPEN_STORE(cmd)                                                                        \
    int open_exit_code = CTL_EXIT_OK;                                                              \
    struct mcx_store *store = ctl_db_get(cmd, &open_exit_code);                                    \
    if (!store)                                                                                    \
    return open_exit_code

/* Closes the store if it was opened. */
void ctl_db_close(void);

/* Prints "mcx-ctl CMD: <status>: <reason>" for a failed store call and returns its exit code
 * (CTL_EXIT_USAGE for MCX_STORE_INVALID, CTL_EXIT_FAILED otherwise). */
int ctl_db_fail(const char *cmd, int status);

/* Copies value into dst (cap bytes); prints a one-line error naming option and returns -1 when
 * it is empty or too long. */
int ctl_copy_value(const char *cmd, const char *option, const char *value, char *dst, size_t cap);

#endif
