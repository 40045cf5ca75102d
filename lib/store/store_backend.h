/* Private to lib/store: the table of operations each backend implements, and the helpers
 * the backends share. Arguments reaching a backend were checked by store.c (non-NULL,
 * validated structs, non-empty bounded identities). */
#ifndef MCX_STORE_BACKEND_H
#define MCX_STORE_BACKEND_H

#include <stdarg.h>

#include "store/store.h"

struct mcx_store_ops {
    const char *name;
    void (*close)(void *backend);
    int (*subscriber_add)(void *backend, const struct mcx_subscriber *sub);
    int (*subscriber_update)(void *backend, const struct mcx_subscriber *sub);
    int (*subscriber_remove)(void *backend, const char *impi);
    int (*subscriber_get_by_impi)(void *backend, const char *impi, struct mcx_subscriber *out);
    int (*subscriber_get_by_impu)(void *backend, const char *impu, struct mcx_subscriber *out);
    int (*subscriber_list)(void *backend, const char *after_impi, size_t limit,
                           mcx_subscriber_cb cb, void *ctx);
    int (*subscriber_import)(void *backend, mcx_subscriber_source source, void *ctx,
                             size_t *imported);
    int (*identity_check)(void *backend, const char *impi, const char *impu);
    int (*server_name_set)(void *backend, const char *impi, const char *server_name);
    int (*sqn_advance)(void *backend, const char *impi, int64_t delta, int64_t *new_sqn);
    int (*sqn_set)(void *backend, const char *impi, int64_t sqn);
    int (*binding_add)(void *backend, const struct mcx_binding *binding);
    int (*binding_remove)(void *backend, const char *partner_impi);
    int (*binding_get_by_partner_impi)(void *backend, const char *partner_impi,
                                       struct mcx_binding *out);
    int (*binding_get_by_partner_impu)(void *backend, const char *partner_impu,
                                       struct mcx_binding *out);
    int (*binding_get_by_primary_impi)(void *backend, const char *primary_system,
                                       const char *primary_impi, struct mcx_binding *out);
    int (*binding_list)(void *backend, const char *after_partner_impi, size_t limit,
                        mcx_binding_cb cb, void *ctx);
    int (*binding_import)(void *backend, mcx_binding_source source, void *ctx, size_t *imported);
};

/* Opens the SQLite backend on path; *backend is freed by ops->close. */
int mcx_store_sqlite_open(const char *path, void **backend, char *err, size_t err_cap);
extern const struct mcx_store_ops mcx_store_sqlite_ops;

/* Opens the MongoDB backend on a mongodb:// URI; *backend is freed by ops->close. */
int mcx_store_mongo_open(const char *uri, void **backend, char *err, size_t err_cap);
extern const struct mcx_store_ops mcx_store_mongo_ops;

/* Records a printf-formatted reason as the calling thread's last error and returns status. */
int mcx_store_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads the next import row from source into sub (cleared first) and validates it. Returns 1
 * with a valid row, 0 at the end, or a negative status (the source's, or MCX_STORE_INVALID). */
int mcx_store_import_next(mcx_subscriber_source source, void *ctx, struct mcx_subscriber *sub);

/* The same for a binding import row. */
int mcx_store_binding_import_next(mcx_binding_source source, void *ctx,
                                  struct mcx_binding *binding);

/* Copies src into dst (dst_cap bytes); returns 0, or -1 when it does not fit. */
int mcx_store_copy(char *dst, size_t dst_cap, const char *src, size_t src_len);

#endif
