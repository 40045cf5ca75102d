/* Field rules of proto/mcx_migration.proto, applied to a decoded or built Envelope. */
#include "migration/envelope.h"
#include "migration/result.h"
#include "migration/status.h"

#include <stdio.h>
#include <string.h>

static const char *const known_schemes[] = {
    "Digest-AKAv1-MD5", "Digest-AKAv2-MD5",   "SIP Digest", "Digest-MD5",
    "NASS-Bundled",     "Early-IMS-Security", "Unknown",    NULL,
};

static bool scheme_in(const char *scheme, const char *const list[])
{
    if (!scheme)
        return false;
    for (int i = 0; list[i]; i++) {
        if (strcmp(scheme, list[i]) == 0)
            return true;
    }
    return false;
}

bool mcx_migration_scheme_known(const char *scheme)
{
    return scheme_in(scheme, known_schemes);
}

bool mcx_migration_scheme_is_aka(const char *scheme)
{
    static const char *const aka[] = {"Digest-AKAv1-MD5", "Digest-AKAv2-MD5", NULL};
    return scheme_in(scheme, aka);
}

bool mcx_migration_scheme_is_digest(const char *scheme)
{
    static const char *const digest[] = {"SIP Digest", "Digest-MD5", NULL};
    return scheme_in(scheme, digest);
}

enum text_rule {
    TEXT_TOKEN, /* printable ASCII 0x21-0x7e only */
    TEXT_LINE,  /* valid UTF-8 without control characters */
};

/* Length of the well-formed UTF-8 sequence at s (at most len bytes), or 0 when it is not one
 * (bad lead or continuation byte, overlong form, surrogate, above U+10FFFF, truncated). */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t need;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return need;
}

/* Checks a string field: present when required, at most max bytes, allowed characters. */
static enum mcx_migration_error check_text(struct mcx_migration_status *status, const char *field,
                                           const char *value, bool required, size_t max,
                                           enum text_rule rule)
{
    size_t len = value ? strlen(value) : 0;
    if (len == 0) {
        if (required)
            return mcx_migration_fail(status, MCX_MIGRATION_MISSING_FIELD, "missing field %s",
                                      field);
        return MCX_MIGRATION_OK;
    }
    if (len > max)
        return mcx_migration_fail(status, MCX_MIGRATION_INVALID_VALUE,
                                  "field %s is %zu bytes, longer than %zu", field, len, max);
    const unsigned char *bytes = (const unsigned char *)value;
    for (size_t i = 0; i < len;) {
        unsigned char c = bytes[i];
        size_t step = utf8_sequence(bytes + i, len - i);
        bool bad =
            step == 0 || c < 0x20 || c == 0x7f || (rule == TEXT_TOKEN && (c == ' ' || c > 0x7e));
        if (bad)
            return mcx_migration_fail(status, MCX_MIGRATION_INVALID_VALUE,
                                      "field %s has a forbidden character at byte %zu", field, i);
        i += step;
    }
    return MCX_MIGRATION_OK;
}

/* Checks that a bytes field is empty or, when required, between min and max bytes. */
static enum mcx_migration_error check_bytes(struct mcx_migration_status *status, const char *field,
                                            const ProtobufCBinaryData *value, bool required,
                                            size_t min, size_t max)
{
    if (value->len == 0) {
        if (required)
            return mcx_migration_fail(status, MCX_MIGRATION_MISSING_FIELD, "missing field %s",
                                      field);
        return MCX_MIGRATION_OK;
    }
    if (!required)
        return mcx_migration_fail(status, MCX_MIGRATION_INVALID_VALUE,
                                  "field %s must be empty here", field);
    if (value->len < min || value->len > max) {
        if (min == max)
            return mcx_migration_fail(status, MCX_MIGRATION_INVALID_VALUE,
                                      "field %s must be %zu bytes, got %zu", field, min,
                                      value->len);
        return mcx_migration_fail(status, MCX_MIGRATION_INVALID_VALUE,
                                  "field %s must be %zu-%zu bytes, got %zu", field, min, max,
                                  value->len);
    }
    return MCX_MIGRATION_OK;
}

static bool is_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        enum mcx_migration_error try_rc_ = (expr);                                                 \
        if (try_rc_ != MCX_MIGRATION_OK)                                                           \
            return try_rc_;                                                                        \
    } while (0)

static enum mcx_migration_error validate_request(const mcx_auth_info_request *req,
                                                 struct mcx_migration_status *status)
{
    if (!req)
        return mcx_migration_fail(status, MCX_MIGRATION_MISSING_FIELD, "missing field request");
    TRY(check_text(status, "impi", req->impi, true, MCX_MIGRATION_IDENTITY_MAX, TEXT_LINE));
    TRY(check_text(status, "impu", req->impu, true, MCX_MIGRATION_IDENTITY_MAX, TEXT_LINE));
    TRY(check_text(status, "scheme", req->scheme, true, MCX_MIGRATION_IDENTITY_MAX, TEXT_LINE));
    if (!mcx_migration_scheme_known(req->scheme))
        return mcx_migration_fail(status, MCX_MIGRATION_INVALID_VALUE,
                                  "field scheme is not a known Cx authentication scheme");
    if (req->number_of_items == 0)
        return mcx_migration_fail(status, MCX_MIGRATION_MISSING_FIELD,
                                  "missing field number_of_items");
    if (req->number_of_items > MCX_MIGRATION_ITEMS_MAX)
        return mcx_migration_fail(status, MCX_MIGRATION_INVALID_VALUE,
                                  "field number_of_items is %u, must be 1-%u", req->number_of_items,
                                  MCX_MIGRATION_ITEMS_MAX);
    if (req->resync_info.len != 0 && req->resync_info.len != MCX_MIGRATION_RESYNC_LEN)
        return mcx_migration_fail(
            status, MCX_MIGRATION_INVALID_VALUE,
            "field resync_info must be %u bytes (RAND||AUTS) or empty, got %zu",
            MCX_MIGRATION_RESYNC_LEN, req->resync_info.len);
    TRY(check_text(status, "server_name", req->server_name, false, MCX_MIGRATION_IDENTITY_MAX,
                   TEXT_LINE));
    return MCX_MIGRATION_OK;
}

/* Writes "vectors[index].name" into buf and returns buf. */
static const char *vector_field(char *buf, size_t cap, size_t index, const char *name)
{
    snprintf(buf, cap, "vectors[%zu].%s", index, name);
    return buf;
}

static enum mcx_migration_error validate_vector(const mcx_auth_vector *vec, size_t index,
                                                struct mcx_migration_status *status)
{
    char field[64]; /* "vectors[" + up to 20 digits + "]." + longest name (19) */
#define FIELD(name) vector_field(field, sizeof field, index, name)
    if (!vec)
        return mcx_migration_fail(status, MCX_MIGRATION_MISSING_FIELD, "missing field %s",
                                  FIELD("item_number"));
    if (vec->item_number == 0)
        return mcx_migration_fail(status, MCX_MIGRATION_MISSING_FIELD, "missing field %s",
                                  FIELD("item_number"));
    if (vec->item_number > MCX_MIGRATION_ITEMS_MAX)
        return mcx_migration_fail(status, MCX_MIGRATION_INVALID_VALUE,
                                  "field %s is %u, must be 1-%u", FIELD("item_number"),
                                  vec->item_number, MCX_MIGRATION_ITEMS_MAX);
    TRY(check_text(status, FIELD("scheme"), vec->scheme, true, MCX_MIGRATION_IDENTITY_MAX,
                   TEXT_LINE));
    bool aka = mcx_migration_scheme_is_aka(vec->scheme);
    bool digest = mcx_migration_scheme_is_digest(vec->scheme);
    if (!aka && !digest)
        return mcx_migration_fail(status, MCX_MIGRATION_INVALID_VALUE,
                                  "field %s is not an AKA or digest scheme", FIELD("scheme"));
    TRY(check_bytes(status, FIELD("authenticate"), &vec->authenticate, aka,
                    MCX_MIGRATION_AUTHENTICATE_LEN, MCX_MIGRATION_AUTHENTICATE_LEN));
    TRY(check_bytes(status, FIELD("authorization"), &vec->authorization, aka,
                    MCX_MIGRATION_XRES_MIN, MCX_MIGRATION_XRES_MAX));
    TRY(check_bytes(status, FIELD("confidentiality_key"), &vec->confidentiality_key, aka,
                    MCX_MIGRATION_KEY_LEN, MCX_MIGRATION_KEY_LEN));
    TRY(check_bytes(status, FIELD("integrity_key"), &vec->integrity_key, aka, MCX_MIGRATION_KEY_LEN,
                    MCX_MIGRATION_KEY_LEN));
    if (aka) {
        bool digest_set = (vec->digest_realm && vec->digest_realm[0]) ||
                          (vec->digest_ha1 && vec->digest_ha1[0]) ||
                          (vec->digest_qop && vec->digest_qop[0]);
        if (digest_set)
            return mcx_migration_fail(status, MCX_MIGRATION_INVALID_VALUE,
                                      "digest fields of vectors[%zu] must be empty for %s", index,
                                      vec->scheme);
        return MCX_MIGRATION_OK;
    }
    TRY(check_text(status, FIELD("digest_realm"), vec->digest_realm, true,
                   MCX_MIGRATION_IDENTITY_MAX, TEXT_LINE));
    size_t ha1_len = vec->digest_ha1 ? strlen(vec->digest_ha1) : 0;
    if (ha1_len == 0)
        return mcx_migration_fail(status, MCX_MIGRATION_MISSING_FIELD, "missing field %s",
                                  FIELD("digest_ha1"));
    if (ha1_len != MCX_MIGRATION_HA1_HEX_LEN || !is_hex(vec->digest_ha1, ha1_len))
        return mcx_migration_fail(status, MCX_MIGRATION_INVALID_VALUE,
                                  "field %s must be %u hex characters", FIELD("digest_ha1"),
                                  MCX_MIGRATION_HA1_HEX_LEN);
    TRY(check_text(status, FIELD("digest_qop"), vec->digest_qop, false, MCX_MIGRATION_QOP_MAX,
                   TEXT_TOKEN));
#undef FIELD
    return MCX_MIGRATION_OK;
}

static enum mcx_migration_error validate_response(const mcx_auth_info_response *rsp,
                                                  struct mcx_migration_status *status)
{
    if (!rsp)
        return mcx_migration_fail(status, MCX_MIGRATION_MISSING_FIELD, "missing field response");
    if (rsp->result == MCX__MIGRATION__V1__RESULT__RESULT_UNSPECIFIED)
        return mcx_migration_fail(status, MCX_MIGRATION_MISSING_FIELD, "missing field result");
    uint32_t code;
    bool experimental;
    if (mcx_migration_result_to_diameter(rsp->result, &code, &experimental) != 0)
        return mcx_migration_fail(status, MCX_MIGRATION_INVALID_VALUE,
                                  "field result has unknown value %d", (int)rsp->result);
    bool success = rsp->result == MCX__MIGRATION__V1__RESULT__SUCCESS;
    TRY(check_text(status, "impi", rsp->impi, success, MCX_MIGRATION_IDENTITY_MAX, TEXT_LINE));
    TRY(check_text(status, "impu", rsp->impu, success, MCX_MIGRATION_IDENTITY_MAX, TEXT_LINE));
    if (rsp->diameter_result_code != 0 &&
        (rsp->diameter_result_code < 1000 || rsp->diameter_result_code > 5999))
        return mcx_migration_fail(status, MCX_MIGRATION_INVALID_VALUE,
                                  "field diameter_result_code is %u, must be 0 or 1000-5999",
                                  rsp->diameter_result_code);
    if (rsp->n_vectors > MCX_MIGRATION_ITEMS_MAX)
        return mcx_migration_fail(status, MCX_MIGRATION_INVALID_VALUE,
                                  "field vectors has %zu items, at most %u allowed", rsp->n_vectors,
                                  MCX_MIGRATION_ITEMS_MAX);
    if (success && rsp->n_vectors == 0)
        return mcx_migration_fail(status, MCX_MIGRATION_MISSING_FIELD, "missing field vectors");
    if (!success && rsp->n_vectors != 0)
        return mcx_migration_fail(status, MCX_MIGRATION_INVALID_VALUE,
                                  "field vectors must be empty when result is %s",
                                  mcx_migration_result_name(rsp->result));
    for (size_t i = 0; i < rsp->n_vectors; i++)
        TRY(validate_vector(rsp->vectors[i], i, status));
    return MCX_MIGRATION_OK;
}

static enum mcx_migration_error validate_error(const mcx_error_response *error,
                                               struct mcx_migration_status *status)
{
    if (!error)
        return mcx_migration_fail(status, MCX_MIGRATION_MISSING_FIELD, "missing field error");
    if (error->code == MCX__MIGRATION__V1__ERROR_CODE__ERROR_CODE_UNSPECIFIED)
        return mcx_migration_fail(status, MCX_MIGRATION_MISSING_FIELD, "missing field code");
    if ((int)error->code < 0 || (int)error->code > MCX_MIGRATION_UNEXPECTED_BODY)
        return mcx_migration_fail(status, MCX_MIGRATION_INVALID_VALUE,
                                  "field code has unknown value %d", (int)error->code);
    return check_text(status, "detail", error->detail, false, MCX_MIGRATION_DETAIL_MAX, TEXT_LINE);
}

enum mcx_migration_error mcx_envelope_validate(const mcx_envelope *env,
                                               struct mcx_migration_status *status)
{
    mcx_migration_status_clear(status);
    if (!env)
        return mcx_migration_fail(status, MCX_MIGRATION_INTERNAL, "no envelope");
    /* Keep a usable transaction id even when a later rule fails, so the answer can carry it. */
    if (status && check_text(NULL, "transaction_id", env->transaction_id, true,
                             MCX_MIGRATION_TRANSACTION_ID_MAX, TEXT_TOKEN) == MCX_MIGRATION_OK)
        snprintf(status->transaction_id, sizeof status->transaction_id, "%s", env->transaction_id);
    if (env->version != MCX_MIGRATION_PROTOCOL_VERSION)
        return mcx_migration_fail(status, MCX_MIGRATION_UNSUPPORTED_VERSION,
                                  "unsupported version %u (this system speaks %u)", env->version,
                                  MCX_MIGRATION_PROTOCOL_VERSION);
    TRY(check_text(status, "transaction_id", env->transaction_id, true,
                   MCX_MIGRATION_TRANSACTION_ID_MAX, TEXT_TOKEN));
    TRY(check_text(status, "origin_system", env->origin_system, true, MCX_MIGRATION_ORIGIN_MAX,
                   TEXT_TOKEN));
    switch (env->body_case) {
    case MCX_ENVELOPE_BODY_REQUEST:
        return validate_request(env->request, status);
    case MCX_ENVELOPE_BODY_RESPONSE:
        return validate_response(env->response, status);
    case MCX_ENVELOPE_BODY_ERROR:
        return validate_error(env->error, status);
    default:
        return mcx_migration_fail(status, MCX_MIGRATION_MISSING_FIELD, "missing field body");
    }
}
