/* Store front end: picks the backend from the URI, checks arguments, keeps the thread-local
 * error text, then calls the backend. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_backend.h"

struct mcx_store {
    const struct mcx_store_ops *ops;
    void *backend;
};

static _Thread_local char last_error[256];

int mcx_store_fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return status;
}

const char *mcx_store_last_error(void)
{
    return last_error;
}

int mcx_store_import_next(mcx_subscriber_source source, void *ctx, struct mcx_subscriber *sub)
{
    memset(sub, 0, sizeof *sub);
    int more = source(ctx, sub);
    if (more <= 0)
        return more;
    int status = mcx_subscriber_validate(sub);
    return status == MCX_STORE_OK ? 1 : status;
}

int mcx_store_binding_import_next(mcx_binding_source source, void *ctx, struct mcx_binding *binding)
{
    memset(binding, 0, sizeof *binding);
    int more = source(ctx, binding);
    if (more <= 0)
        return more;
    int status = mcx_binding_validate(binding);
    return status == MCX_STORE_OK ? 1 : status;
}

int mcx_store_copy(char *dst, size_t dst_cap, const char *src, size_t src_len)
{
    if (src_len >= dst_cap)
        return -1;
    memcpy(dst, src, src_len);
    dst[src_len] = '\0';
    return 0;
}

const char *mcx_store_status_name(int status)
{
    switch (status) {
    case MCX_STORE_OK:
        return "ok";
    case MCX_STORE_NOT_FOUND:
        return "not_found";
    case MCX_STORE_DUPLICATE:
        return "duplicate";
    case MCX_STORE_INVALID:
        return "invalid";
    case MCX_STORE_MISMATCH:
        return "mismatch";
    case MCX_STORE_UNAVAILABLE:
        return "unavailable";
    case MCX_STORE_SQN_EXHAUSTED:
        return "sqn_exhausted";
    case MCX_STORE_AMBIGUOUS:
        return "ambiguous";
    default:
        return "error";
    }
}

int mcx_store_open(const char *uri, struct mcx_store **out, char *err, size_t err_cap)
{
    if (err && err_cap)
        err[0] = '\0';
    if (!uri || !out || !*uri) {
        if (err && err_cap)
            snprintf(err, err_cap, "empty database URI");
        return MCX_STORE_INVALID;
    }
    *out = NULL;
    struct mcx_store *store = calloc(1, sizeof *store);
    if (!store) {
        if (err && err_cap)
            snprintf(err, err_cap, "out of memory");
        return MCX_STORE_ERROR;
    }
    int rc;
    if (strncmp(uri, "mongodb://", 10) == 0 || strncmp(uri, "mongodb+srv://", 14) == 0) {
        store->ops = &mcx_store_mongo_ops;
        rc = mcx_store_mongo_open(uri, &store->backend, err, err_cap);
    } else {
        const char *path = strncmp(uri, "sqlite:", 7) == 0 ? uri + 7 : uri;
        if (strstr(uri, "://") && strncmp(uri, "sqlite:", 7) != 0) {
            if (err && err_cap)
                snprintf(err, err_cap,
                         "unsupported database URI (use mongodb://..., sqlite:PATH or a path)");
            free(store);
            return MCX_STORE_INVALID;
        }
        if (!*path) {
            if (err && err_cap)
                snprintf(err, err_cap, "sqlite: URI without a path");
            free(store);
            return MCX_STORE_INVALID;
        }
        store->ops = &mcx_store_sqlite_ops;
        rc = mcx_store_sqlite_open(path, &store->backend, err, err_cap);
    }
    if (rc != MCX_STORE_OK) {
        free(store);
        return rc;
    }
    *out = store;
    return MCX_STORE_OK;
}

void mcx_store_close(struct mcx_store *store)
{
    if (!store)
        return;
    store->ops->close(store->backend);
    free(store);
}

const char *mcx_store_backend(const struct mcx_store *store)
{
    return store->ops->name;
}

/* Non-NULL, non-empty and shorter than MCX_STORE_IDENTITY_MAX. */
static int check_identity(const char *what, const char *value)
{
    if (!value || !*value)
        return mcx_store_fail(MCX_STORE_INVALID, "%s is empty", what);
    if (strlen(value) >= MCX_STORE_IDENTITY_MAX)
        return mcx_store_fail(MCX_STORE_INVALID, "%s is longer than %d bytes", what,
                              MCX_STORE_IDENTITY_MAX - 1);
    return MCX_STORE_OK;
}

int mcx_store_subscriber_add(struct mcx_store *store, const struct mcx_subscriber *sub)
{
    int rc = mcx_subscriber_validate(sub);
    return rc ? rc : store->ops->subscriber_add(store->backend, sub);
}

int mcx_store_subscriber_update(struct mcx_store *store, const struct mcx_subscriber *sub)
{
    int rc = mcx_subscriber_validate(sub);
    return rc ? rc : store->ops->subscriber_update(store->backend, sub);
}

int mcx_store_subscriber_remove(struct mcx_store *store, const char *impi)
{
    int rc = check_identity("impi", impi);
    return rc ? rc : store->ops->subscriber_remove(store->backend, impi);
}

int mcx_store_subscriber_get_by_impi(struct mcx_store *store, const char *impi,
                                     struct mcx_subscriber *out)
{
    int rc = check_identity("impi", impi);
    return rc ? rc : store->ops->subscriber_get_by_impi(store->backend, impi, out);
}

int mcx_store_subscriber_get_by_impu(struct mcx_store *store, const char *impu,
                                     struct mcx_subscriber *out)
{
    int rc = check_identity("impu", impu);
    return rc ? rc : store->ops->subscriber_get_by_impu(store->backend, impu, out);
}

int mcx_store_subscriber_list(struct mcx_store *store, const char *after_impi, size_t limit,
                              mcx_subscriber_cb cb, void *ctx)
{
    if (!cb)
        return mcx_store_fail(MCX_STORE_INVALID, "no callback");
    return store->ops->subscriber_list(store->backend, after_impi ? after_impi : "", limit, cb,
                                       ctx);
}

int mcx_store_subscriber_import(struct mcx_store *store, mcx_subscriber_source source, void *ctx,
                                size_t *imported)
{
    size_t count = 0;
    if (!source)
        return mcx_store_fail(MCX_STORE_INVALID, "no import source");
    int rc = store->ops->subscriber_import(store->backend, source, ctx, &count);
    if (imported)
        *imported = count;
    return rc;
}

int mcx_store_identity_check(struct mcx_store *store, const char *impi, const char *impu)
{
    int rc = check_identity("impi", impi);
    if (!rc)
        rc = check_identity("impu", impu);
    return rc ? rc : store->ops->identity_check(store->backend, impi, impu);
}

int mcx_store_server_name_set(struct mcx_store *store, const char *impi, const char *server_name)
{
    int rc = check_identity("impi", impi);
    if (rc)
        return rc;
    if (server_name && strlen(server_name) >= MCX_STORE_IDENTITY_MAX)
        return mcx_store_fail(MCX_STORE_INVALID, "server_name is too long");
    return store->ops->server_name_set(store->backend, impi, server_name ? server_name : "");
}

int mcx_store_server_name_clear(struct mcx_store *store, const char *impi)
{
    return mcx_store_server_name_set(store, impi, NULL);
}

int mcx_store_sqn_advance(struct mcx_store *store, const char *impi, unsigned count,
                          int64_t *new_sqn)
{
    int rc = check_identity("impi", impi);
    if (rc)
        return rc;
    if (count < 1 || count > 1024)
        return mcx_store_fail(MCX_STORE_INVALID, "vector count %u outside 1..1024", count);
    int64_t value = 0;
    rc = store->ops->sqn_advance(store->backend, impi, (int64_t)count * MCX_STORE_SQN_STEP, &value);
    if (rc == MCX_STORE_OK && new_sqn)
        *new_sqn = value;
    return rc;
}

int mcx_store_sqn_set(struct mcx_store *store, const char *impi, int64_t sqn)
{
    int rc = check_identity("impi", impi);
    if (rc)
        return rc;
    if (sqn < 0 || sqn > MCX_STORE_SQN_MAX)
        return mcx_store_fail(MCX_STORE_INVALID, "sqn outside the 48-bit range");
    return store->ops->sqn_set(store->backend, impi, sqn);
}

int mcx_store_binding_add(struct mcx_store *store, const struct mcx_binding *binding)
{
    int rc = mcx_binding_validate(binding);
    return rc ? rc : store->ops->binding_add(store->backend, binding);
}

int mcx_store_binding_remove(struct mcx_store *store, const char *partner_impi)
{
    int rc = check_identity("partner impi", partner_impi);
    return rc ? rc : store->ops->binding_remove(store->backend, partner_impi);
}

int mcx_store_binding_get_by_partner_impi(struct mcx_store *store, const char *partner_impi,
                                          struct mcx_binding *out)
{
    int rc = check_identity("partner impi", partner_impi);
    return rc ? rc : store->ops->binding_get_by_partner_impi(store->backend, partner_impi, out);
}

int mcx_store_binding_get_by_partner_impu(struct mcx_store *store, const char *partner_impu,
                                          struct mcx_binding *out)
{
    int rc = check_identity("partner impu", partner_impu);
    return rc ? rc : store->ops->binding_get_by_partner_impu(store->backend, partner_impu, out);
}

int mcx_store_binding_get_by_primary_impi(struct mcx_store *store, const char *primary_system,
                                          const char *primary_impi, struct mcx_binding *out)
{
    int rc = check_identity("primary impi", primary_impi);
    if (!rc && primary_system && *primary_system)
        rc = check_identity("primary system", primary_system);
    if (rc)
        return rc;
    return store->ops->binding_get_by_primary_impi(
        store->backend, (primary_system && *primary_system) ? primary_system : NULL, primary_impi,
        out);
}

int mcx_store_binding_list(struct mcx_store *store, const char *after_partner_impi, size_t limit,
                           mcx_binding_cb cb, void *ctx)
{
    if (!cb)
        return mcx_store_fail(MCX_STORE_INVALID, "no callback");
    return store->ops->binding_list(store->backend, after_partner_impi ? after_partner_impi : "",
                                    limit, cb, ctx);
}

int mcx_store_binding_import(struct mcx_store *store, mcx_binding_source source, void *ctx,
                             size_t *imported)
{
    size_t count = 0;
    if (!source)
        return mcx_store_fail(MCX_STORE_INVALID, "no import source");
    int rc = store->ops->binding_import(store->backend, source, ctx, &count);
    if (imported)
        *imported = count;
    return rc;
}
