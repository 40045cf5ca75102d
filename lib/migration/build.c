/* Builders for the three kinds of Envelope and transaction ids; see envelope.h. Every member is
 * malloc'd (or protobuf_c_empty_string) so that mcx_envelope_free() releases all of it. */
#include "migration/envelope.h"

#include "core/codec.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* Heap copy of s, or protobuf-c's shared empty string for NULL/"" (never freed). */
static char *copy_text(const char *s, bool *failed)
{
    if (!s || !s[0])
        return (char *)protobuf_c_empty_string;
    char *copy = strdup(s);
    if (!copy)
        *failed = true;
    return copy ? copy : (char *)protobuf_c_empty_string;
}

/* Heap copy of len bytes into *dst ({0, NULL} when empty). */
static void copy_bytes(ProtobufCBinaryData *dst, const uint8_t *src, size_t len, bool *failed)
{
    dst->len = 0;
    dst->data = NULL;
    if (!src || len == 0)
        return;
    dst->data = malloc(len);
    if (!dst->data) {
        *failed = true;
        return;
    }
    memcpy(dst->data, src, len);
    dst->len = len;
}

/* New envelope with version, transaction id and origin set and no body. */
static mcx_envelope *envelope_new(const char *transaction_id, const char *origin_system,
                                  bool *failed)
{
    mcx_envelope *env = malloc(sizeof *env);
    if (!env) {
        *failed = true;
        return NULL;
    }
    mcx__migration__v1__envelope__init(env);
    env->version = MCX_MIGRATION_PROTOCOL_VERSION;
    env->transaction_id = copy_text(transaction_id, failed);
    env->origin_system = copy_text(origin_system, failed);
    return env;
}

mcx_envelope *mcx_envelope_new_request(const char *transaction_id, const char *origin_system,
                                       const struct mcx_auth_request_fields *request)
{
    bool failed = false;
    mcx_envelope *env = envelope_new(transaction_id, origin_system, &failed);
    if (!env)
        return NULL;
    mcx_auth_info_request *req = malloc(sizeof *req);
    if (!req) {
        mcx_envelope_free(env);
        return NULL;
    }
    mcx__migration__v1__get_sip_auth_info_request__init(req);
    env->body_case = MCX_ENVELOPE_BODY_REQUEST;
    env->request = req;
    req->impi = copy_text(request->impi, &failed);
    req->impu = copy_text(request->impu, &failed);
    req->scheme = copy_text(request->scheme, &failed);
    req->number_of_items = request->number_of_items;
    copy_bytes(&req->resync_info, request->resync_info, request->resync_info_len, &failed);
    req->server_name = copy_text(request->server_name, &failed);
    if (failed) {
        mcx_envelope_free(env);
        return NULL;
    }
    return env;
}

mcx_envelope *mcx_envelope_new_response(const char *transaction_id, const char *origin_system,
                                        mcx_auth_result result, const char *impi, const char *impu,
                                        uint32_t diameter_result_code,
                                        bool diameter_result_experimental)
{
    bool failed = false;
    mcx_envelope *env = envelope_new(transaction_id, origin_system, &failed);
    if (!env)
        return NULL;
    mcx_auth_info_response *rsp = malloc(sizeof *rsp);
    if (!rsp) {
        mcx_envelope_free(env);
        return NULL;
    }
    mcx__migration__v1__get_sip_auth_info_response__init(rsp);
    env->body_case = MCX_ENVELOPE_BODY_RESPONSE;
    env->response = rsp;
    rsp->result = result;
    rsp->impi = copy_text(impi, &failed);
    rsp->impu = copy_text(impu, &failed);
    rsp->diameter_result_code = diameter_result_code;
    rsp->diameter_result_experimental = diameter_result_experimental;
    if (failed) {
        mcx_envelope_free(env);
        return NULL;
    }
    return env;
}

int mcx_envelope_add_vector(mcx_envelope *env, const struct mcx_auth_vector_fields *vector)
{
    if (!env || env->body_case != MCX_ENVELOPE_BODY_RESPONSE || !env->response)
        return -1;
    mcx_auth_info_response *rsp = env->response;
    if (rsp->n_vectors >= MCX_MIGRATION_ITEMS_MAX)
        return -1;
    mcx_auth_vector **grown = realloc(rsp->vectors, (rsp->n_vectors + 1) * sizeof *grown);
    if (!grown)
        return -1;
    rsp->vectors = grown;
    mcx_auth_vector *vec = malloc(sizeof *vec);
    if (!vec)
        return -1;
    mcx__migration__v1__auth_vector__init(vec);
    bool failed = false;
    vec->item_number = vector->item_number;
    vec->scheme = copy_text(vector->scheme, &failed);
    copy_bytes(&vec->authenticate, vector->authenticate, vector->authenticate_len, &failed);
    copy_bytes(&vec->authorization, vector->authorization, vector->authorization_len, &failed);
    copy_bytes(&vec->confidentiality_key, vector->confidentiality_key,
               vector->confidentiality_key_len, &failed);
    copy_bytes(&vec->integrity_key, vector->integrity_key, vector->integrity_key_len, &failed);
    vec->digest_realm = copy_text(vector->digest_realm, &failed);
    vec->digest_ha1 = copy_text(vector->digest_ha1, &failed);
    vec->digest_qop = copy_text(vector->digest_qop, &failed);
    if (failed) {
        mcx__migration__v1__auth_vector__free_unpacked(vec, NULL);
        return -1;
    }
    rsp->vectors[rsp->n_vectors++] = vec;
    return 0;
}

mcx_envelope *mcx_envelope_new_error(const char *transaction_id, const char *origin_system,
                                     enum mcx_migration_error code, const char *detail)
{
    bool failed = false;
    mcx_envelope *env = envelope_new(transaction_id, origin_system, &failed);
    if (!env)
        return NULL;
    mcx_error_response *error = malloc(sizeof *error);
    if (!error) {
        mcx_envelope_free(env);
        return NULL;
    }
    mcx__migration__v1__error_response__init(error);
    env->body_case = MCX_ENVELOPE_BODY_ERROR;
    env->error = error;
    error->code = (Mcx__Migration__V1__ErrorCode)code;
    error->detail = copy_text(detail, &failed);
    if (failed) {
        mcx_envelope_free(env);
        return NULL;
    }
    return env;
}

int mcx_migration_transaction_id(char *out, size_t cap)
{
    uint8_t random[16];
    if (cap < 2 * sizeof random + 1)
        return -1;
    size_t got = 0;
    while (got < sizeof random) {
        ssize_t n = getrandom(random + got, sizeof random - got, 0);
        if (n < 0)
            return -1;
        got += (size_t)n;
    }
    return mcx_hex_encode(random, sizeof random, out, cap) < 0 ? -1 : 0;
}
