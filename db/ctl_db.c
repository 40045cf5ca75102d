/* mcx-ctl store helpers: open, error reporting, exit codes. */
#include <stdio.h>

#include "core/log.h"
#include "ctl_db.h"
#include "ctl_fields.h"

static const char *db_uri;
static struct mcx_store *db_store;

void ctl_db_use(const char *uri)
{
    db_uri = uri;
    /* Failures reach the user as one line on stderr; library warnings would add more. */
    mcx_log_init("mcx-ctl", MCX_LOG_ERROR, NULL);
}

struct mcx_store *ctl_db_get(const char *cmd, int *exit_code)
{
    if (db_store)
        return db_store;
    char err[256];
    int rc = mcx_store_open(db_uri, &db_store, err, sizeof err);
    if (rc != MCX_STORE_OK) {
        fprintf(stderr, "mcx-ctl %s: cannot open database: %s\n", cmd, err);
        *exit_code = rc == MCX_STORE_INVALID ? CTL_EXIT_USAGE : CTL_EXIT_FAILED;
        db_store = NULL;
        return NULL;
    }
    return db_store;
}

void ctl_db_close(void)
{
    mcx_store_close(db_store);
    db_store = NULL;
}

int ctl_db_fail(const char *cmd, int status)
{
    fprintf(stderr, "mcx-ctl %s: %s: %s\n", cmd, mcx_store_status_name(status),
            mcx_store_last_error());
    return status == MCX_STORE_INVALID ? CTL_EXIT_USAGE : CTL_EXIT_FAILED;
}

int ctl_copy_value(const char *cmd, const char *option, const char *value, char *dst, size_t cap)
{
    char name[64], err[CTL_ERR_MAX];
    snprintf(name, sizeof name, "--%s", option);
    if (ctl_field_string(name, value, dst, cap, err) != 0) {
        fprintf(stderr, "mcx-ctl %s: %s\n", cmd, err);
        return -1;
    }
    return 0;
}
