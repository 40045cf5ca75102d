/* Unit tests of lib/migration: Envelope round trips, decode errors (truncated, garbage,
 * oversize, version, missing and out-of-range fields), builders, Result <-> Diameter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "migration/envelope.h"
#include "migration/result.h"

static const uint8_t rand_autn[32] = {
    0x23, 0x55, 0x3c, 0xbe, 0x96, 0x37, 0xa8, 0x9d, 0x21, 0x8a, 0xe6, 0x4d, 0xae, 0x47, 0xbf, 0x35,
    0x55, 0x32, 0x21, 0xfd, 0x3d, 0x3a, 0x80, 0x00, 0x4a, 0x9b, 0x44, 0x40, 0x3e, 0xe0, 0xd3, 0xbc};
static const uint8_t xres[8] = {0xa5, 0x42, 0x11, 0xd5, 0xe3, 0xba, 0x50, 0xbf};
static const uint8_t ck[16] = {0xb4, 0x0b, 0xa9, 0xa3, 0xc5, 0x8b, 0x2a, 0x05,
                               0xbb, 0xf0, 0xd9, 0x87, 0xb2, 0x1b, 0xf8, 0xcb};
static const uint8_t ik[16] = {0xf7, 0x69, 0xbc, 0xd7, 0x51, 0x04, 0x46, 0x04,
                               0x12, 0x76, 0x72, 0x71, 0x1c, 0x6d, 0x34, 0x41};
static const uint8_t resync[30] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                                   16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30};

static mcx_envelope *make_request(void)
{
    struct mcx_auth_request_fields req = {
        .impi = "alice@primary.mcx.lab",
        .impu = "sip:alice@primary.mcx.lab",
        .scheme = "Digest-AKAv1-MD5",
        .number_of_items = 2,
        .resync_info = resync,
        .resync_info_len = sizeof resync,
        .server_name = "sip:scscf.partner.mcx.lab:5060",
    };
    mcx_envelope *env = mcx_envelope_new_request("tx-0001", "partner.mcx.lab", &req);
    assert_non_null(env);
    return env;
}

static struct mcx_auth_vector_fields aka_vector(uint32_t item)
{
    struct mcx_auth_vector_fields v = {
        .item_number = item,
        .scheme = "Digest-AKAv1-MD5",
        .authenticate = rand_autn,
        .authenticate_len = sizeof rand_autn,
        .authorization = xres,
        .authorization_len = sizeof xres,
        .confidentiality_key = ck,
        .confidentiality_key_len = sizeof ck,
        .integrity_key = ik,
        .integrity_key_len = sizeof ik,
    };
    return v;
}

static mcx_envelope *make_response(void)
{
    mcx_envelope *env = mcx_envelope_new_response(
        "tx-0001", "primary.mcx.lab", MCX__MIGRATION__V1__RESULT__SUCCESS, "alice@primary.mcx.lab",
        "sip:alice@primary.mcx.lab", 2001, false);
    assert_non_null(env);
    struct mcx_auth_vector_fields v1 = aka_vector(1), v2 = aka_vector(2);
    assert_int_equal(mcx_envelope_add_vector(env, &v1), 0);
    assert_int_equal(mcx_envelope_add_vector(env, &v2), 0);
    struct mcx_auth_vector_fields digest = {
        .item_number = 3,
        .scheme = "SIP Digest",
        .digest_realm = "primary.mcx.lab",
        .digest_ha1 = "939e7578ed9e3c518a452acee763bce9",
        .digest_qop = "auth",
    };
    assert_int_equal(mcx_envelope_add_vector(env, &digest), 0);
    return env;
}

static mcx_envelope *make_error(void)
{
    mcx_envelope *env =
        mcx_envelope_new_error("tx-0001", "primary.mcx.lab", MCX_MIGRATION_UNKNOWN_ORIGIN,
                               "origin_system evil.lab is not a partner");
    assert_non_null(env);
    return env;
}

/* Packs env with protobuf-c directly (no validation), to feed the decoder bad messages. */
static uint8_t *pack_raw(const mcx_envelope *env, size_t *len)
{
    *len = mcx__migration__v1__envelope__get_packed_size(env);
    uint8_t *buf = malloc(*len ? *len : 1);
    assert_non_null(buf);
    assert_int_equal(mcx__migration__v1__envelope__pack(env, buf), *len);
    return buf;
}

/* Encodes with the library, decodes, and returns the decoded copy. */
static mcx_envelope *round_trip(const mcx_envelope *env)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    struct mcx_migration_status status;
    assert_int_equal(mcx_envelope_encode_alloc(env, 0, &bytes, &len, &status), MCX_MIGRATION_OK);
    assert_true(len > 0);
    mcx_envelope *out = NULL;
    enum mcx_migration_error rc = mcx_envelope_decode(bytes, len, 0, &out, &status);
    if (rc != MCX_MIGRATION_OK)
        fail_msg("decode: %s: %s", mcx_migration_error_name(rc), status.detail);
    free(bytes);
    return out;
}

static void request_round_trip(void **state)
{
    (void)state;
    mcx_envelope *env = make_request();
    mcx_envelope *out = round_trip(env);
    assert_int_equal(out->version, 1);
    assert_string_equal(out->transaction_id, "tx-0001");
    assert_string_equal(out->origin_system, "partner.mcx.lab");
    assert_int_equal(out->body_case, MCX_ENVELOPE_BODY_REQUEST);
    assert_string_equal(out->request->impi, "alice@primary.mcx.lab");
    assert_string_equal(out->request->impu, "sip:alice@primary.mcx.lab");
    assert_string_equal(out->request->scheme, "Digest-AKAv1-MD5");
    assert_int_equal(out->request->number_of_items, 2);
    assert_int_equal(out->request->resync_info.len, 30);
    assert_memory_equal(out->request->resync_info.data, resync, 30);
    assert_string_equal(out->request->server_name, "sip:scscf.partner.mcx.lab:5060");
    mcx_envelope_free(out);
    mcx_envelope_free(env);
}

static void response_round_trip(void **state)
{
    (void)state;
    mcx_envelope *env = make_response();
    mcx_envelope *out = round_trip(env);
    assert_int_equal(out->body_case, MCX_ENVELOPE_BODY_RESPONSE);
    const mcx_auth_info_response *rsp = out->response;
    assert_int_equal(rsp->result, MCX__MIGRATION__V1__RESULT__SUCCESS);
    assert_string_equal(rsp->impi, "alice@primary.mcx.lab");
    assert_string_equal(rsp->impu, "sip:alice@primary.mcx.lab");
    assert_int_equal(rsp->diameter_result_code, 2001);
    assert_false(rsp->diameter_result_experimental);
    assert_int_equal(rsp->n_vectors, 3);
    for (size_t i = 0; i < 2; i++) {
        const mcx_auth_vector *v = rsp->vectors[i];
        assert_int_equal(v->item_number, i + 1);
        assert_string_equal(v->scheme, "Digest-AKAv1-MD5");
        assert_int_equal(v->authenticate.len, 32);
        assert_memory_equal(v->authenticate.data, rand_autn, 32);
        assert_int_equal(v->authorization.len, 8);
        assert_memory_equal(v->authorization.data, xres, 8);
        assert_memory_equal(v->confidentiality_key.data, ck, 16);
        assert_memory_equal(v->integrity_key.data, ik, 16);
        assert_string_equal(v->digest_ha1, "");
    }
    assert_string_equal(rsp->vectors[2]->scheme, "SIP Digest");
    assert_string_equal(rsp->vectors[2]->digest_realm, "primary.mcx.lab");
    assert_string_equal(rsp->vectors[2]->digest_ha1, "939e7578ed9e3c518a452acee763bce9");
    assert_string_equal(rsp->vectors[2]->digest_qop, "auth");
    assert_int_equal(rsp->vectors[2]->authenticate.len, 0);
    mcx_envelope_free(out);
    mcx_envelope_free(env);
}

static void failure_response_round_trip(void **state)
{
    (void)state;
    mcx_envelope *env =
        mcx_envelope_new_response("tx-9", "primary.mcx.lab",
                                  MCX__MIGRATION__V1__RESULT__USER_UNKNOWN, NULL, NULL, 5001, true);
    assert_non_null(env);
    mcx_envelope *out = round_trip(env);
    assert_int_equal(out->response->result, MCX__MIGRATION__V1__RESULT__USER_UNKNOWN);
    assert_int_equal(out->response->diameter_result_code, 5001);
    assert_true(out->response->diameter_result_experimental);
    assert_int_equal(out->response->n_vectors, 0);
    mcx_envelope_free(out);
    mcx_envelope_free(env);
}

static void error_round_trip(void **state)
{
    (void)state;
    mcx_envelope *env = make_error();
    mcx_envelope *out = round_trip(env);
    assert_int_equal(out->body_case, MCX_ENVELOPE_BODY_ERROR);
    assert_int_equal(out->error->code, MCX__MIGRATION__V1__ERROR_CODE__UNKNOWN_ORIGIN);
    assert_string_equal(out->error->detail, "origin_system evil.lab is not a partner");
    mcx_envelope_free(out);
    mcx_envelope_free(env);
}

static void utf8_identities(void **state)
{
    (void)state;
    struct mcx_auth_request_fields req = {
        .impi = "j\xc3\xbcrgen@primary.mcx.lab",                    /* U+00FC */
        .impu = "sip:\xe2\x82\xac\xf0\x9f\x93\xa1@primary.mcx.lab", /* U+20AC U+1F4E1 */
        .scheme = "Unknown",
        .number_of_items = 1,
    };
    mcx_envelope *env = mcx_envelope_new_request("tx-2", "partner.mcx.lab", &req);
    assert_non_null(env);
    mcx_envelope *out = round_trip(env);
    assert_string_equal(out->request->impi, req.impi);
    assert_string_equal(out->request->impu, req.impu);
    assert_int_equal(out->request->resync_info.len, 0);
    mcx_envelope_free(out);
    mcx_envelope_free(env);
}

static void encode_into_caller_buffer(void **state)
{
    (void)state;
    mcx_envelope *env = make_request();
    size_t need = mcx_envelope_encoded_size(env);
    uint8_t buf[512];
    assert_true(need < sizeof buf);
    size_t len = 99;
    struct mcx_migration_status status;
    assert_int_equal(mcx_envelope_encode(env, buf, need - 1, &len, &status),
                     MCX_MIGRATION_TOO_LARGE);
    assert_int_equal(len, 0);
    assert_string_equal(mcx_migration_error_name(status.code), "TOO_LARGE");
    assert_int_equal(mcx_envelope_encode(env, buf, sizeof buf, &len, &status), MCX_MIGRATION_OK);
    assert_int_equal(len, need);
    mcx_envelope *out = NULL;
    assert_int_equal(mcx_envelope_decode(buf, len, 0, &out, &status), MCX_MIGRATION_OK);
    assert_string_equal(out->request->impi, "alice@primary.mcx.lab");
    mcx_envelope_free(out);
    mcx_envelope_free(env);
}

static void truncated_bytes(void **state)
{
    (void)state;
    mcx_envelope *env = make_response();
    size_t len;
    uint8_t *bytes = pack_raw(env, &len);
    struct mcx_migration_status status;
    mcx_envelope *out = (mcx_envelope *)&status; /* must be reset to NULL */
    assert_int_equal(mcx_envelope_decode(bytes, len - 1, 0, &out, &status),
                     MCX_MIGRATION_MALFORMED);
    assert_null(out);
    assert_string_equal(mcx_migration_error_name(status.code), "MALFORMED");
    assert_non_null(strstr(status.detail, "truncated"));
    /* Every strict prefix is rejected: inside the body it is MALFORMED, before it a field is
     * missing. None may decode as a valid message. */
    for (size_t cut = 1; cut < len; cut++) {
        enum mcx_migration_error rc = mcx_envelope_decode(bytes, cut, 0, &out, &status);
        assert_int_not_equal(rc, MCX_MIGRATION_OK);
        assert_true(rc == MCX_MIGRATION_MALFORMED || rc == MCX_MIGRATION_MISSING_FIELD);
        assert_null(out);
    }
    assert_int_equal(mcx_envelope_decode(bytes, 0, 0, &out, &status), MCX_MIGRATION_MALFORMED);
    free(bytes);
    mcx_envelope_free(env);
}

static void garbage_bytes(void **state)
{
    (void)state;
    uint8_t garbage[64];
    memset(garbage, 0xff, sizeof garbage);
    struct mcx_migration_status status;
    mcx_envelope *out = NULL;
    assert_int_equal(mcx_envelope_decode(garbage, sizeof garbage, 0, &out, &status),
                     MCX_MIGRATION_MALFORMED);
    assert_null(out);
    static const char text[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(mcx_envelope_decode((const uint8_t *)text, sizeof text - 1, 0, &out, &status),
                     MCX_MIGRATION_MALFORMED);
    /* Pseudo-random input (fixed seed): never accepted, never a crash. */
    uint32_t x = 0x12345678u;
    for (int round = 0; round < 2000; round++) {
        size_t n = 1 + (size_t)(round % 63);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            garbage[i] = (uint8_t)x;
        }
        assert_int_not_equal(mcx_envelope_decode(garbage, n, 0, &out, &status), MCX_MIGRATION_OK);
        assert_null(out);
    }
}

static void oversize(void **state)
{
    (void)state;
    size_t big = MCX_ENVELOPE_MAX_DEFAULT + 1;
    uint8_t *zeros = calloc(1, big); /* tag 0 is invalid: only the size check can say TOO_LARGE */
    assert_non_null(zeros);
    struct mcx_migration_status status;
    mcx_envelope *out = NULL;
    assert_int_equal(mcx_envelope_decode(zeros, big, 0, &out, &status), MCX_MIGRATION_TOO_LARGE);
    assert_null(out);
    assert_non_null(strstr(status.detail, "65537 bytes, limit 65536"));
    assert_int_equal(mcx_envelope_decode(zeros, big - 1, 0, &out, &status),
                     MCX_MIGRATION_MALFORMED);
    free(zeros);

    /* A valid message over a caller-chosen limit, on decode and on encode. */
    mcx_envelope *env = make_response();
    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_int_equal(mcx_envelope_encode_alloc(env, 0, &bytes, &len, &status), MCX_MIGRATION_OK);
    assert_int_equal(mcx_envelope_decode(bytes, len, len - 1, &out, &status),
                     MCX_MIGRATION_TOO_LARGE);
    assert_int_equal(mcx_envelope_decode(bytes, len, len, &out, &status), MCX_MIGRATION_OK);
    mcx_envelope_free(out);
    free(bytes);
    assert_int_equal(mcx_envelope_encode_alloc(env, len - 1, &bytes, &len, &status),
                     MCX_MIGRATION_TOO_LARGE);
    assert_null(bytes);
    mcx_envelope_free(env);
}

static void unknown_version(void **state)
{
    (void)state;
    uint32_t versions[] = {0, 2, 0xffffffffu};
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        mcx_envelope *env = make_request();
        env->version = versions[i];
        size_t len;
        uint8_t *bytes = pack_raw(env, &len);
        struct mcx_migration_status status;
        mcx_envelope *out = NULL;
        assert_int_equal(mcx_envelope_decode(bytes, len, 0, &out, &status),
                         MCX_MIGRATION_UNSUPPORTED_VERSION);
        assert_null(out);
        assert_string_equal(mcx_migration_error_name(status.code), "UNSUPPORTED_VERSION");
        assert_non_null(strstr(status.detail, "unsupported version"));
        /* The transaction id survives so the primary can answer in kind. */
        assert_string_equal(status.transaction_id, "tx-0001");
        free(bytes);
        mcx_envelope_free(env);
    }
}

/* One invalid-message case: a change to a valid envelope and the expected outcome. */
struct bad_case {
    const char *name;
    mcx_envelope *(*make)(void);
    void (*mutate)(mcx_envelope *env);
    enum mcx_migration_error expect;
    const char *detail; /* substring of status.detail */
};

static void set_text(char **field, const char *value)
{
    if (*field != protobuf_c_empty_string)
        free(*field);
    *field = value[0] ? strdup(value) : (char *)protobuf_c_empty_string;
}

static void no_impi(mcx_envelope *e)
{
    set_text(&e->request->impi, "");
}
static void no_impu(mcx_envelope *e)
{
    set_text(&e->request->impu, "");
}
static void no_scheme(mcx_envelope *e)
{
    set_text(&e->request->scheme, "");
}
static void no_txid(mcx_envelope *e)
{
    set_text(&e->transaction_id, "");
}
static void no_origin(mcx_envelope *e)
{
    set_text(&e->origin_system, "");
}
static void no_body(mcx_envelope *e)
{
    mcx__migration__v1__get_sip_auth_info_request__free_unpacked(e->request, NULL);
    e->request = NULL;
    e->body_case = MCX_ENVELOPE_BODY_NONE;
}
static void zero_items(mcx_envelope *e)
{
    e->request->number_of_items = 0;
}
static void too_many_items(mcx_envelope *e)
{
    e->request->number_of_items = 33;
}
static void short_resync(mcx_envelope *e)
{
    e->request->resync_info.len = 29;
}
static void unknown_scheme(mcx_envelope *e)
{
    set_text(&e->request->scheme, "Digest-SHA256");
}
static void long_txid(mcx_envelope *e)
{
    char id[66];
    memset(id, 'a', 65);
    id[65] = '\0';
    set_text(&e->transaction_id, id);
}
static void space_in_txid(mcx_envelope *e)
{
    set_text(&e->transaction_id, "tx 1");
}
static void long_impi(mcx_envelope *e)
{
    char id[300];
    memset(id, 'b', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    set_text(&e->request->impi, id);
}
static void newline_in_impu(mcx_envelope *e)
{
    set_text(&e->request->impu, "sip:alice@x\r\nevent=forged");
}
static void bad_utf8_impi(mcx_envelope *e)
{
    set_text(&e->request->impi, "al\xc3\x28"
                                "ce@primary.mcx.lab");
}
static void utf8_origin(mcx_envelope *e)
{
    set_text(&e->origin_system, "partn\xc3\xa9r.lab");
}
static void short_autn(mcx_envelope *e)
{
    e->response->vectors[1]->authenticate.len = 31;
}
static void short_xres(mcx_envelope *e)
{
    e->response->vectors[0]->authorization.len = 3;
}
static void long_xres(mcx_envelope *e)
{
    ProtobufCBinaryData *x = &e->response->vectors[0]->authorization;
    free(x->data);
    x->data = calloc(1, 17);
    x->len = 17;
}
static void short_ck(mcx_envelope *e)
{
    e->response->vectors[0]->confidentiality_key.len = 15;
}
static void no_ik(mcx_envelope *e)
{
    ProtobufCBinaryData *x = &e->response->vectors[0]->integrity_key;
    free(x->data);
    x->data = NULL;
    x->len = 0;
}
static void item_zero(mcx_envelope *e)
{
    e->response->vectors[0]->item_number = 0;
}
static void item_too_big(mcx_envelope *e)
{
    e->response->vectors[0]->item_number = 40;
}
static void bad_ha1(mcx_envelope *e)
{
    set_text(&e->response->vectors[2]->digest_ha1, "939e7578ed9e3c518a452acee763bcXX");
}
static void no_realm(mcx_envelope *e)
{
    set_text(&e->response->vectors[2]->digest_realm, "");
}
static void digest_in_aka(mcx_envelope *e)
{
    set_text(&e->response->vectors[0]->digest_realm, "primary.mcx.lab");
}
static void result_unset(mcx_envelope *e)
{
    e->response->result = MCX__MIGRATION__V1__RESULT__RESULT_UNSPECIFIED;
}
static void result_unknown(mcx_envelope *e)
{
    e->response->result = (mcx_auth_result)99;
}
static void vectors_on_failure(mcx_envelope *e)
{
    e->response->result = MCX__MIGRATION__V1__RESULT__USER_UNKNOWN;
}
static void success_without_vectors(mcx_envelope *e)
{
    for (size_t i = 0; i < e->response->n_vectors; i++)
        mcx__migration__v1__auth_vector__free_unpacked(e->response->vectors[i], NULL);
    e->response->n_vectors = 0;
}
static void success_without_impi(mcx_envelope *e)
{
    set_text(&e->response->impi, "");
}
static void bad_diameter_code(mcx_envelope *e)
{
    e->response->diameter_result_code = 7001;
}
static void error_code_unset(mcx_envelope *e)
{
    e->error->code = MCX__MIGRATION__V1__ERROR_CODE__ERROR_CODE_UNSPECIFIED;
}
static void error_code_unknown(mcx_envelope *e)
{
    e->error->code = (Mcx__Migration__V1__ErrorCode)42;
}

static const struct bad_case bad_cases[] = {
    {"no impi", make_request, no_impi, MCX_MIGRATION_MISSING_FIELD, "missing field impi"},
    {"no impu", make_request, no_impu, MCX_MIGRATION_MISSING_FIELD, "missing field impu"},
    {"no scheme", make_request, no_scheme, MCX_MIGRATION_MISSING_FIELD, "missing field scheme"},
    {"no txid", make_request, no_txid, MCX_MIGRATION_MISSING_FIELD, "missing field transaction_id"},
    {"no origin", make_request, no_origin, MCX_MIGRATION_MISSING_FIELD,
     "missing field origin_system"},
    {"no body", make_request, no_body, MCX_MIGRATION_MISSING_FIELD, "missing field body"},
    {"0 items", make_request, zero_items, MCX_MIGRATION_MISSING_FIELD,
     "missing field number_of_items"},
    {"33 items", make_request, too_many_items, MCX_MIGRATION_INVALID_VALUE,
     "number_of_items is 33, must be 1-32"},
    {"resync 29", make_request, short_resync, MCX_MIGRATION_INVALID_VALUE,
     "resync_info must be 30 bytes"},
    {"scheme", make_request, unknown_scheme, MCX_MIGRATION_INVALID_VALUE,
     "scheme is not a known Cx"},
    {"txid 65", make_request, long_txid, MCX_MIGRATION_INVALID_VALUE,
     "transaction_id is 65 bytes, longer than 64"},
    {"txid space", make_request, space_in_txid, MCX_MIGRATION_INVALID_VALUE,
     "transaction_id has a forbidden character"},
    {"impi 299", make_request, long_impi, MCX_MIGRATION_INVALID_VALUE, "field impi is 299 bytes"},
    {"impu CRLF", make_request, newline_in_impu, MCX_MIGRATION_INVALID_VALUE,
     "impu has a forbidden character at byte 11"},
    {"impi bad UTF-8", make_request, bad_utf8_impi, MCX_MIGRATION_INVALID_VALUE,
     "field impi has a forbidden character at byte 2"},
    {"origin non-ASCII", make_request, utf8_origin, MCX_MIGRATION_INVALID_VALUE,
     "field origin_system has a forbidden character at byte 5"},
    {"autn 31", make_response, short_autn, MCX_MIGRATION_INVALID_VALUE,
     "vectors[1].authenticate must be 32 bytes, got 31"},
    {"xres 3", make_response, short_xres, MCX_MIGRATION_INVALID_VALUE,
     "vectors[0].authorization must be 4-16 bytes, got 3"},
    {"xres 17", make_response, long_xres, MCX_MIGRATION_INVALID_VALUE,
     "vectors[0].authorization must be 4-16 bytes, got 17"},
    {"ck 15", make_response, short_ck, MCX_MIGRATION_INVALID_VALUE,
     "vectors[0].confidentiality_key must be 16 bytes, got 15"},
    {"no ik", make_response, no_ik, MCX_MIGRATION_MISSING_FIELD,
     "missing field vectors[0].integrity_key"},
    {"item 0", make_response, item_zero, MCX_MIGRATION_MISSING_FIELD,
     "missing field vectors[0].item_number"},
    {"item 40", make_response, item_too_big, MCX_MIGRATION_INVALID_VALUE,
     "vectors[0].item_number is 40, must be 1-32"},
    {"ha1 hex", make_response, bad_ha1, MCX_MIGRATION_INVALID_VALUE,
     "vectors[2].digest_ha1 must be 32 hex"},
    {"no realm", make_response, no_realm, MCX_MIGRATION_MISSING_FIELD,
     "missing field vectors[2].digest_realm"},
    {"digest in aka", make_response, digest_in_aka, MCX_MIGRATION_INVALID_VALUE,
     "digest fields of vectors[0] must be empty"},
    {"result unset", make_response, result_unset, MCX_MIGRATION_MISSING_FIELD,
     "missing field result"},
    {"result 99", make_response, result_unknown, MCX_MIGRATION_INVALID_VALUE,
     "result has unknown value 99"},
    {"vectors on failure", make_response, vectors_on_failure, MCX_MIGRATION_INVALID_VALUE,
     "vectors must be empty when result is USER_UNKNOWN"},
    {"success no vectors", make_response, success_without_vectors, MCX_MIGRATION_MISSING_FIELD,
     "missing field vectors"},
    {"success no impi", make_response, success_without_impi, MCX_MIGRATION_MISSING_FIELD,
     "missing field impi"},
    {"diameter 7001", make_response, bad_diameter_code, MCX_MIGRATION_INVALID_VALUE,
     "diameter_result_code is 7001"},
    {"error code unset", make_error, error_code_unset, MCX_MIGRATION_MISSING_FIELD,
     "missing field code"},
    {"error code 42", make_error, error_code_unknown, MCX_MIGRATION_INVALID_VALUE,
     "code has unknown value 42"},
};

static void invalid_fields(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        mcx_envelope *env = c->make();
        c->mutate(env);
        /* The encoder refuses it... */
        uint8_t *encoded = NULL;
        size_t encoded_len = 0;
        struct mcx_migration_status status;
        enum mcx_migration_error rc =
            mcx_envelope_encode_alloc(env, 0, &encoded, &encoded_len, &status);
        if (rc != c->expect)
            fail_msg("%s: encode gave %s (%s)", c->name, mcx_migration_error_name(rc),
                     status.detail);
        assert_null(encoded);
        /* ...and the decoder rejects it on the wire, naming the field. */
        size_t len;
        uint8_t *bytes = pack_raw(env, &len);
        mcx_envelope *out = NULL;
        rc = mcx_envelope_decode(bytes, len, 0, &out, &status);
        if (rc != c->expect || status.code != c->expect || !strstr(status.detail, c->detail))
            fail_msg("%s: decode gave %s \"%s\", want %s \"%s\"", c->name,
                     mcx_migration_error_name(rc), status.detail,
                     mcx_migration_error_name(c->expect), c->detail);
        assert_null(out);
        free(bytes);
        mcx_envelope_free(env);
    }
}

static void unknown_fields_are_ignored(void **state)
{
    (void)state;
    /* A newer peer may add fields: field 99 (varint 7) appended to a valid request. */
    mcx_envelope *env = make_request();
    size_t len;
    uint8_t *bytes = pack_raw(env, &len);
    uint8_t *longer = malloc(len + 3);
    assert_non_null(longer);
    memcpy(longer, bytes, len);
    longer[len] = 0x98; /* (99 << 3) | 0 = 792 = 0x98 0x06 */
    longer[len + 1] = 0x06;
    longer[len + 2] = 0x07;
    struct mcx_migration_status status;
    mcx_envelope *out = NULL;
    assert_int_equal(mcx_envelope_decode(longer, len + 3, 0, &out, &status), MCX_MIGRATION_OK);
    assert_string_equal(out->request->impi, "alice@primary.mcx.lab");
    mcx_envelope_free(out);
    free(longer);
    free(bytes);
    mcx_envelope_free(env);
}

static void builder_limits(void **state)
{
    (void)state;
    mcx_envelope *req = make_request();
    struct mcx_auth_vector_fields v = aka_vector(1);
    assert_int_equal(mcx_envelope_add_vector(req, &v), -1);
    mcx_envelope_free(req);

    mcx_envelope *rsp = mcx_envelope_new_response(
        "t", "primary.mcx.lab", MCX__MIGRATION__V1__RESULT__SUCCESS, "a@b", "sip:a@b", 2001, false);
    for (uint32_t i = 1; i <= MCX_MIGRATION_ITEMS_MAX; i++) {
        v = aka_vector(i);
        assert_int_equal(mcx_envelope_add_vector(rsp, &v), 0);
    }
    assert_int_equal(mcx_envelope_add_vector(rsp, &v), -1);
    assert_int_equal(rsp->response->n_vectors, MCX_MIGRATION_ITEMS_MAX);
    mcx_envelope *out = round_trip(rsp);
    assert_int_equal(out->response->n_vectors, MCX_MIGRATION_ITEMS_MAX);
    assert_int_equal(out->response->vectors[31]->item_number, 32);
    mcx_envelope_free(out);
    mcx_envelope_free(rsp);
    mcx_envelope_free(NULL);
}

static void error_names(void **state)
{
    (void)state;
    assert_string_equal(mcx_migration_error_name(MCX_MIGRATION_OK), "OK");
    assert_string_equal(mcx_migration_error_name(MCX_MIGRATION_MALFORMED), "MALFORMED");
    assert_string_equal(mcx_migration_error_name(MCX_MIGRATION_MISSING_FIELD), "MISSING_FIELD");
    assert_string_equal(mcx_migration_error_name(MCX_MIGRATION_UNEXPECTED_BODY), "UNEXPECTED_BODY");
    assert_string_equal(mcx_migration_error_name((enum mcx_migration_error)77), "UNKNOWN");
}

static void result_mapping(void **state)
{
    (void)state;
    static const struct {
        mcx_auth_result result;
        uint32_t code;
        bool experimental;
    } table[] = {
        {MCX__MIGRATION__V1__RESULT__SUCCESS, 2001, false},
        {MCX__MIGRATION__V1__RESULT__USER_UNKNOWN, 5001, true},
        {MCX__MIGRATION__V1__RESULT__IDENTITIES_DONT_MATCH, 5002, true},
        {MCX__MIGRATION__V1__RESULT__AUTH_SCHEME_NOT_SUPPORTED, 5006, true},
        {MCX__MIGRATION__V1__RESULT__NOT_AUTHORIZED, 5003, false},
        {MCX__MIGRATION__V1__RESULT__UNABLE_TO_COMPLY, 5012, false},
        {MCX__MIGRATION__V1__RESULT__IDENTITY_NOT_REGISTERED, 5003, true},
        {MCX__MIGRATION__V1__RESULT__ROAMING_NOT_ALLOWED, 5004, true},
        {MCX__MIGRATION__V1__RESULT__IN_ASSIGNMENT_TYPE, 5007, true},
        {MCX__MIGRATION__V1__RESULT__TOO_BUSY, 3004, false},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        uint32_t code = 0;
        bool experimental = !table[i].experimental;
        assert_int_equal(mcx_migration_result_to_diameter(table[i].result, &code, &experimental),
                         0);
        assert_int_equal(code, table[i].code);
        assert_int_equal(experimental, table[i].experimental);
        assert_int_equal(mcx_migration_result_from_diameter(code, experimental), table[i].result);
    }
    uint32_t code;
    bool experimental;
    assert_int_equal(mcx_migration_result_to_diameter(
                         MCX__MIGRATION__V1__RESULT__RESULT_UNSPECIFIED, &code, &experimental),
                     -1);
    assert_int_equal(mcx_migration_result_to_diameter((mcx_auth_result)50, &code, &experimental),
                     -1);
    assert_int_equal(mcx_migration_result_from_diameter(5005, false),
                     MCX__MIGRATION__V1__RESULT__UNABLE_TO_COMPLY);
    assert_int_equal(mcx_migration_result_from_diameter(2001, true),
                     MCX__MIGRATION__V1__RESULT__UNABLE_TO_COMPLY);
    assert_string_equal(mcx_migration_result_name(MCX__MIGRATION__V1__RESULT__USER_UNKNOWN),
                        "USER_UNKNOWN");
    assert_string_equal(mcx_migration_result_name((mcx_auth_result)50), "UNKNOWN");
}

static void transaction_ids(void **state)
{
    (void)state;
    char a[33], b[40];
    assert_int_equal(mcx_migration_transaction_id(a, sizeof a), 0);
    assert_int_equal(mcx_migration_transaction_id(b, sizeof b), 0);
    assert_int_equal(strlen(a), 32);
    assert_int_equal(strspn(a, "0123456789abcdef"), 32);
    assert_string_not_equal(a, b);
    char small[32];
    assert_int_equal(mcx_migration_transaction_id(small, sizeof small), -1);
}

static void schemes(void **state)
{
    (void)state;
    assert_true(mcx_migration_scheme_known("Unknown"));
    assert_true(mcx_migration_scheme_known("NASS-Bundled"));
    assert_false(mcx_migration_scheme_known("digest-akav1-md5"));
    assert_false(mcx_migration_scheme_known(NULL));
    assert_true(mcx_migration_scheme_is_aka("Digest-AKAv2-MD5"));
    assert_false(mcx_migration_scheme_is_aka("SIP Digest"));
    assert_true(mcx_migration_scheme_is_digest("Digest-MD5"));
    assert_false(mcx_migration_scheme_is_digest("Early-IMS-Security"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_round_trip),
        cmocka_unit_test(response_round_trip),
        cmocka_unit_test(failure_response_round_trip),
        cmocka_unit_test(error_round_trip),
        cmocka_unit_test(utf8_identities),
        cmocka_unit_test(encode_into_caller_buffer),
        cmocka_unit_test(truncated_bytes),
        cmocka_unit_test(garbage_bytes),
        cmocka_unit_test(oversize),
        cmocka_unit_test(unknown_version),
        cmocka_unit_test(invalid_fields),
        cmocka_unit_test(unknown_fields_are_ignored),
        cmocka_unit_test(builder_limits),
        cmocka_unit_test(error_names),
        cmocka_unit_test(result_mapping),
        cmocka_unit_test(transaction_ids),
        cmocka_unit_test(schemes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
