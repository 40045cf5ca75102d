/* Envelope encode (with validation) and decode (size limit, unpack, validation); see
 * envelope.h. */
#include "migration/envelope.h"
#include "migration/status.h"

#include <stdlib.h>

enum mcx_migration_error mcx_envelope_decode(const uint8_t *data, size_t len, size_t max_len,
                                             mcx_envelope **out,
                                             struct mcx_migration_status *status)
{
    *out = NULL;
    mcx_migration_status_clear(status);
    if (max_len == 0)
        max_len = MCX_ENVELOPE_MAX_DEFAULT;
    if (len > max_len)
        return mcx_migration_fail(status, MCX_MIGRATION_TOO_LARGE,
                                  "message is %zu bytes, limit %zu", len, max_len);
    if (!data || len == 0)
        return mcx_migration_fail(status, MCX_MIGRATION_MALFORMED, "empty message");
    mcx_envelope *env = mcx__migration__v1__envelope__unpack(NULL, len, data);
    if (!env)
        return mcx_migration_fail(status, MCX_MIGRATION_MALFORMED,
                                  "not a protobuf Envelope (truncated or garbage, %zu bytes)", len);
    enum mcx_migration_error rc = mcx_envelope_validate(env, status);
    if (rc != MCX_MIGRATION_OK) {
        mcx_envelope_free(env);
        return rc;
    }
    *out = env;
    return MCX_MIGRATION_OK;
}

size_t mcx_envelope_encoded_size(const mcx_envelope *env)
{
    return mcx__migration__v1__envelope__get_packed_size(env);
}

enum mcx_migration_error mcx_envelope_encode(const mcx_envelope *env, uint8_t *buf, size_t cap,
                                             size_t *out_len, struct mcx_migration_status *status)
{
    *out_len = 0;
    enum mcx_migration_error rc = mcx_envelope_validate(env, status);
    if (rc != MCX_MIGRATION_OK)
        return rc;
    size_t size = mcx__migration__v1__envelope__get_packed_size(env);
    if (size > cap)
        return mcx_migration_fail(status, MCX_MIGRATION_TOO_LARGE,
                                  "message is %zu bytes, buffer holds %zu", size, cap);
    *out_len = mcx__migration__v1__envelope__pack(env, buf);
    return MCX_MIGRATION_OK;
}

enum mcx_migration_error mcx_envelope_encode_alloc(const mcx_envelope *env, size_t max_len,
                                                   uint8_t **out, size_t *out_len,
                                                   struct mcx_migration_status *status)
{
    *out = NULL;
    *out_len = 0;
    if (max_len == 0)
        max_len = MCX_ENVELOPE_MAX_DEFAULT;
    enum mcx_migration_error rc = mcx_envelope_validate(env, status);
    if (rc != MCX_MIGRATION_OK)
        return rc;
    size_t size = mcx__migration__v1__envelope__get_packed_size(env);
    if (size > max_len)
        return mcx_migration_fail(status, MCX_MIGRATION_TOO_LARGE,
                                  "message is %zu bytes, limit %zu", size, max_len);
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return mcx_migration_fail(status, MCX_MIGRATION_INTERNAL, "out of memory");
    *out_len = mcx__migration__v1__envelope__pack(env, buf);
    *out = buf;
    return MCX_MIGRATION_OK;
}

void mcx_envelope_free(mcx_envelope *env)
{
    /* Built envelopes use malloc'd members and protobuf_c_empty_string for empty strings,
     * exactly like unpacked ones, so protobuf-c's own free handles both. */
    if (env)
        mcx__migration__v1__envelope__free_unpacked(env, NULL);
}
