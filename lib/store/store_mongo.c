/* MongoDB backend: libmongoc client pool (thread-safe, reconnects by itself), the Open5GS
 * `subscribers` document layout of DESIGN.md section 4 plus `migration_bindings`:
 *
 *   subscribers:        { imsi?, msisdn: [], security: { k, op|null, opc|null, amf,
 *                         sqn: NumberLong }, ims: { impi, impu: [], schemes: [], ha1?,
 *                         migration: { allowed_partners: [] }, server_name? } }
 *   migration_bindings: { partner: { impi, impu: [] },
 *                         primary: { system, impi, impu: [], mms } }
 *
 * Unique indexes (partial, so Open5GS documents without `ims` coexist): ims.impi, ims.impu;
 * partner.impi, partner.impu, (primary.system, primary.impi). SQN changes are findAndModify
 * with $inc / $set: the server applies them atomically. */
#include <mongoc/mongoc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/log.h"
#include "store/store_backend.h"

#define DEFAULT_DB_NAME     "open5gs"
#define SUBSCRIBERS         "subscribers"
#define BINDINGS            "migration_bindings"
#define IMPORT_BATCH        1000
#define SERVER_SELECTION_MS 2000
#define CONNECT_TIMEOUT_MS  2000
#define SOCKET_TIMEOUT_MS   10000

struct mongo_backend {
    mongoc_client_pool_t *pool;
    char *db_name;
    pthread_mutex_t index_lock;
    bool indexes_ready;
};

static pthread_once_t mongoc_once = PTHREAD_ONCE_INIT;

/* libmongoc's own log lines go through ours (warnings and errors only). */
static void mongoc_log_to_mcx(mongoc_log_level_t level, const char *domain, const char *message,
                              void *data)
{
    (void)data;
    if (level <= MONGOC_LOG_LEVEL_WARNING)
        MCX_WARN("mongoc_log", "domain=%s message=\"%s\"", domain, message);
}

static void mongoc_global_init(void)
{
    mongoc_init();
    mongoc_log_set_handler(mongoc_log_to_mcx, NULL);
}

/* Maps a libmongoc error to a store status, recording the reason. */
static int mongo_status(const bson_error_t *error, const char *what)
{
    if (error->code == 11000 || error->code == 11001)
        return mcx_store_fail(MCX_STORE_DUPLICATE, "%s: already exists", what);
    if (error->domain == MONGOC_ERROR_SERVER_SELECTION || error->domain == MONGOC_ERROR_STREAM ||
        error->domain == MONGOC_ERROR_CLIENT || error->domain == MONGOC_ERROR_PROTOCOL)
        return mcx_store_fail(MCX_STORE_UNAVAILABLE, "%s: database unavailable (%s)", what,
                              error->message);
    return mcx_store_fail(MCX_STORE_ERROR, "%s: mongodb error %u (%s)", what, error->code,
                          error->message);
}

/* ---- documents ---- */

static void append_hex(bson_t *doc, const char *key, const uint8_t *bytes, size_t len)
{
    char hex[40];
    mcx_hex_encode(bytes, len, hex, sizeof hex);
    BSON_APPEND_UTF8(doc, key, hex);
}

static void append_string_array(bson_t *doc, const char *key, const char *items, size_t item_cap,
                                size_t count)
{
    bson_t array;
    BSON_APPEND_ARRAY_BEGIN(doc, key, &array);
    for (size_t i = 0; i < count; i++) {
        char index[16];
        const char *index_key;
        bson_uint32_to_string((uint32_t)i, &index_key, index, sizeof index);
        bson_append_utf8(&array, index_key, -1, items + i * item_cap, -1);
    }
    bson_append_array_end(doc, &array);
}

/* Lowercase copy of a hex HA1 (validated as 32 hex characters or empty). */
static void ha1_lower(const char *in, char out[33])
{
    for (size_t i = 0; i < 33; i++)
        out[i] = (in[i] >= 'A' && in[i] <= 'F') ? (char)(in[i] + 32) : in[i];
}

/* Appends the security sub-document (without sqn when with_sqn is false). */
static void append_security(bson_t *doc, const char *key, const struct mcx_subscriber *sub,
                            bool with_sqn)
{
    bson_t security;
    BSON_APPEND_DOCUMENT_BEGIN(doc, key, &security);
    append_hex(&security, "k", sub->k, sizeof sub->k);
    if (sub->has_op)
        append_hex(&security, "op", sub->op, sizeof sub->op);
    else
        BSON_APPEND_NULL(&security, "op");
    if (sub->has_opc)
        append_hex(&security, "opc", sub->opc, sizeof sub->opc);
    else
        BSON_APPEND_NULL(&security, "opc");
    append_hex(&security, "amf", sub->amf, sizeof sub->amf);
    if (with_sqn)
        BSON_APPEND_INT64(&security, "sqn", sub->sqn);
    bson_append_document_end(doc, &security);
}

/* Builds the whole subscriber document into doc (initialised by the caller). */
static void subscriber_to_bson(const struct mcx_subscriber *sub, bson_t *doc)
{
    if (sub->imsi[0])
        BSON_APPEND_UTF8(doc, "imsi", sub->imsi);
    append_string_array(doc, "msisdn", &sub->msisdn[0][0], MCX_STORE_DIGITS_MAX, sub->msisdn_count);
    append_security(doc, "security", sub, true);
    bson_t ims, migration;
    BSON_APPEND_DOCUMENT_BEGIN(doc, "ims", &ims);
    BSON_APPEND_UTF8(&ims, "impi", sub->impi);
    append_string_array(&ims, "impu", &sub->impu[0][0], MCX_STORE_IDENTITY_MAX, sub->impu_count);
    append_string_array(&ims, "schemes", &sub->schemes[0][0], MCX_STORE_SCHEME_MAX,
                        sub->scheme_count);
    if (sub->ha1[0]) {
        char ha1[33];
        ha1_lower(sub->ha1, ha1);
        BSON_APPEND_UTF8(&ims, "ha1", ha1);
    }
    BSON_APPEND_DOCUMENT_BEGIN(&ims, "migration", &migration);
    append_string_array(&migration, "allowed_partners", &sub->allowed_partners[0][0],
                        MCX_STORE_IDENTITY_MAX, sub->partner_count);
    bson_append_document_end(&ims, &migration);
    if (sub->server_name[0])
        BSON_APPEND_UTF8(&ims, "server_name", sub->server_name);
    bson_append_document_end(doc, &ims);
}

/* Copies the UTF-8 string at dotted path into dst; absent or null gives "" when optional. */
static int read_string(const bson_t *doc, const char *path, char *dst, size_t cap, bool optional)
{
    bson_iter_t iter;
    dst[0] = '\0';
    if (!bson_iter_init(&iter, doc) || !bson_iter_find_descendant(&iter, path, &iter) ||
        BSON_ITER_HOLDS_NULL(&iter)) {
        if (optional)
            return MCX_STORE_OK;
        return mcx_store_fail(MCX_STORE_ERROR, "stored document lacks %s", path);
    }
    if (!BSON_ITER_HOLDS_UTF8(&iter))
        return mcx_store_fail(MCX_STORE_ERROR, "stored %s is not a string", path);
    uint32_t len = 0;
    const char *value = bson_iter_utf8(&iter, &len);
    if (mcx_store_copy(dst, cap, value, len) < 0)
        return mcx_store_fail(MCX_STORE_ERROR, "stored %s is too long", path);
    return MCX_STORE_OK;
}

/* Reads the string array at path into slots; absent gives 0 items. */
static int read_string_array(const bson_t *doc, const char *path, char *items, size_t item_cap,
                             size_t max, size_t *count)
{
    bson_iter_t iter, child;
    *count = 0;
    if (!bson_iter_init(&iter, doc) || !bson_iter_find_descendant(&iter, path, &iter) ||
        BSON_ITER_HOLDS_NULL(&iter))
        return MCX_STORE_OK;
    if (!BSON_ITER_HOLDS_ARRAY(&iter) || !bson_iter_recurse(&iter, &child))
        return mcx_store_fail(MCX_STORE_ERROR, "stored %s is not an array", path);
    while (bson_iter_next(&child)) {
        if (!BSON_ITER_HOLDS_UTF8(&child))
            return mcx_store_fail(MCX_STORE_ERROR, "stored %s has a non-string item", path);
        if (*count >= max)
            return mcx_store_fail(MCX_STORE_ERROR, "stored %s has too many items", path);
        uint32_t len = 0;
        const char *value = bson_iter_utf8(&child, &len);
        if (mcx_store_copy(items + *count * item_cap, item_cap, value, len) < 0)
            return mcx_store_fail(MCX_STORE_ERROR, "stored %s has a too long item", path);
        (*count)++;
    }
    return MCX_STORE_OK;
}

/* Decodes the hex string at path (exactly len bytes); *present false for absent/null. */
static int read_hex(const bson_t *doc, const char *path, uint8_t *out, size_t len, bool *present)
{
    char hex[40];
    int rc = read_string(doc, path, hex, sizeof hex, present != NULL);
    if (rc)
        return rc;
    if (present)
        *present = hex[0] != '\0';
    if (!hex[0] && present)
        return MCX_STORE_OK;
    if (mcx_hex_decode_exact(hex, out, len) != 0)
        return mcx_store_fail(MCX_STORE_ERROR, "stored %s is not %zu bytes of hex", path, len);
    return MCX_STORE_OK;
}

static int bson_to_subscriber(const bson_t *doc, struct mcx_subscriber *sub)
{
    int rc;
    memset(sub, 0, sizeof *sub);
    if ((rc = read_string(doc, "imsi", sub->imsi, sizeof sub->imsi, true)) ||
        (rc = read_string_array(doc, "msisdn", &sub->msisdn[0][0], MCX_STORE_DIGITS_MAX,
                                MCX_STORE_MAX_MSISDNS, &sub->msisdn_count)) ||
        (rc = read_hex(doc, "security.k", sub->k, sizeof sub->k, NULL)) ||
        (rc = read_hex(doc, "security.op", sub->op, sizeof sub->op, &sub->has_op)) ||
        (rc = read_hex(doc, "security.opc", sub->opc, sizeof sub->opc, &sub->has_opc)) ||
        (rc = read_hex(doc, "security.amf", sub->amf, sizeof sub->amf, NULL)) ||
        (rc = read_string(doc, "ims.impi", sub->impi, sizeof sub->impi, false)) ||
        (rc = read_string_array(doc, "ims.impu", &sub->impu[0][0], MCX_STORE_IDENTITY_MAX,
                                MCX_STORE_MAX_IMPUS, &sub->impu_count)) ||
        (rc = read_string_array(doc, "ims.schemes", &sub->schemes[0][0], MCX_STORE_SCHEME_MAX,
                                MCX_STORE_MAX_SCHEMES, &sub->scheme_count)) ||
        (rc = read_string(doc, "ims.ha1", sub->ha1, sizeof sub->ha1, true)) ||
        (rc = read_string_array(doc, "ims.migration.allowed_partners", &sub->allowed_partners[0][0],
                                MCX_STORE_IDENTITY_MAX, MCX_STORE_MAX_PARTNERS,
                                &sub->partner_count)) ||
        (rc = read_string(doc, "ims.server_name", sub->server_name, sizeof sub->server_name, true)))
        return rc;
    bson_iter_t iter;
    if (bson_iter_init(&iter, doc) && bson_iter_find_descendant(&iter, "security.sqn", &iter) &&
        BSON_ITER_HOLDS_NUMBER(&iter))
        sub->sqn = bson_iter_as_int64(&iter);
    return MCX_STORE_OK;
}

static void binding_to_bson(const struct mcx_binding *b, bson_t *doc)
{
    bson_t partner, primary;
    BSON_APPEND_DOCUMENT_BEGIN(doc, "partner", &partner);
    BSON_APPEND_UTF8(&partner, "impi", b->partner_impi);
    append_string_array(&partner, "impu", &b->partner_impu[0][0], MCX_STORE_IDENTITY_MAX,
                        b->partner_impu_count);
    bson_append_document_end(doc, &partner);
    BSON_APPEND_DOCUMENT_BEGIN(doc, "primary", &primary);
    BSON_APPEND_UTF8(&primary, "system", b->primary_system);
    BSON_APPEND_UTF8(&primary, "impi", b->primary_impi);
    append_string_array(&primary, "impu", &b->primary_impu[0][0], MCX_STORE_IDENTITY_MAX,
                        b->primary_impu_count);
    BSON_APPEND_UTF8(&primary, "mms", b->primary_mms);
    bson_append_document_end(doc, &primary);
}

static int bson_to_binding(const bson_t *doc, struct mcx_binding *b)
{
    int rc;
    memset(b, 0, sizeof *b);
    if ((rc = read_string(doc, "partner.impi", b->partner_impi, sizeof b->partner_impi, false)) ||
        (rc = read_string_array(doc, "partner.impu", &b->partner_impu[0][0], MCX_STORE_IDENTITY_MAX,
                                MCX_STORE_MAX_IMPUS, &b->partner_impu_count)) ||
        (rc = read_string(doc, "primary.system", b->primary_system, sizeof b->primary_system,
                          false)) ||
        (rc = read_string(doc, "primary.impi", b->primary_impi, sizeof b->primary_impi, false)) ||
        (rc = read_string_array(doc, "primary.impu", &b->primary_impu[0][0], MCX_STORE_IDENTITY_MAX,
                                MCX_STORE_MAX_IMPUS, &b->primary_impu_count)) ||
        (rc = read_string(doc, "primary.mms", b->primary_mms, sizeof b->primary_mms, false)))
        return rc;
    return MCX_STORE_OK;
}

/* ---- connections and indexes ---- */

/* One index spec for createIndexes: unique, partial on the first key existing. */
static void append_unique_index(bson_t *indexes, uint32_t position, const char *name,
                                const char *key1, const char *key2)
{
    char index_buf[16];
    const char *index_key;
    bson_uint32_to_string(position, &index_key, index_buf, sizeof index_buf);
    bson_t spec, key, partial, exists;
    bson_append_document_begin(indexes, index_key, -1, &spec);
    BSON_APPEND_DOCUMENT_BEGIN(&spec, "key", &key);
    BSON_APPEND_INT32(&key, key1, 1);
    if (key2)
        BSON_APPEND_INT32(&key, key2, 1);
    bson_append_document_end(&spec, &key);
    BSON_APPEND_UTF8(&spec, "name", name);
    BSON_APPEND_BOOL(&spec, "unique", true);
    BSON_APPEND_DOCUMENT_BEGIN(&spec, "partialFilterExpression", &partial);
    BSON_APPEND_DOCUMENT_BEGIN(&partial, key1, &exists);
    BSON_APPEND_BOOL(&exists, "$exists", true);
    bson_append_document_end(&partial, &exists);
    bson_append_document_end(&spec, &partial);
    bson_append_document_end(indexes, &spec);
}

static int create_indexes(mongoc_client_t *client, const char *db_name, const char *collection,
                          int first, int count)
{
    static const struct {
        const char *name, *key1, *key2;
    } specs[] = {
        {"ims_impi_unique", "ims.impi", NULL},
        {"ims_impu_unique", "ims.impu", NULL},
        {"partner_impi_unique", "partner.impi", NULL},
        {"partner_impu_unique", "partner.impu", NULL},
        {"primary_system_impi_unique", "primary.system", "primary.impi"},
    };
    bson_t cmd = BSON_INITIALIZER, indexes, reply;
    bson_error_t error;
    BSON_APPEND_UTF8(&cmd, "createIndexes", collection);
    BSON_APPEND_ARRAY_BEGIN(&cmd, "indexes", &indexes);
    for (int i = 0; i < count; i++)
        append_unique_index(&indexes, (uint32_t)i, specs[first + i].name, specs[first + i].key1,
                            specs[first + i].key2);
    bson_append_array_end(&cmd, &indexes);
    mongoc_database_t *db = mongoc_client_get_database(client, db_name);
    bool ok = mongoc_database_write_command_with_opts(db, &cmd, NULL, &reply, &error);
    mongoc_database_destroy(db);
    bson_destroy(&cmd);
    bson_destroy(&reply);
    return ok ? MCX_STORE_OK : mongo_status(&error, "createIndexes");
}

/* Creates the unique indexes once per store (they are idempotent on the server). */
static int ensure_indexes(struct mongo_backend *be, mongoc_client_t *client)
{
    int status = MCX_STORE_OK;
    if (__atomic_load_n(&be->indexes_ready, __ATOMIC_ACQUIRE))
        return MCX_STORE_OK;
    pthread_mutex_lock(&be->index_lock);
    if (!be->indexes_ready) {
        status = create_indexes(client, be->db_name, SUBSCRIBERS, 0, 2);
        if (status == MCX_STORE_OK)
            status = create_indexes(client, be->db_name, BINDINGS, 2, 3);
        if (status == MCX_STORE_OK)
            __atomic_store_n(&be->indexes_ready, true, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&be->index_lock);
    return status;
}

/* A client from the pool and the named collection, indexes ensured. */
struct mongo_handle {
    mongoc_client_t *client;
    mongoc_collection_t *coll;
};

static int handle_open(struct mongo_backend *be, const char *collection, struct mongo_handle *h)
{
    h->client = mongoc_client_pool_pop(be->pool);
    h->coll = NULL;
    int status = ensure_indexes(be, h->client);
    if (status != MCX_STORE_OK) {
        mongoc_client_pool_push(be->pool, h->client);
        h->client = NULL;
        return status;
    }
    h->coll = mongoc_client_get_collection(h->client, be->db_name, collection);
    return MCX_STORE_OK;
}

static void handle_close(struct mongo_backend *be, struct mongo_handle *h)
{
    if (h->coll)
        mongoc_collection_destroy(h->coll);
    if (h->client)
        mongoc_client_pool_push(be->pool, h->client);
}

/* The int64 count named key in a write reply (0 when absent). */
static int64_t reply_count(const bson_t *reply, const char *key)
{
    bson_iter_t iter;
    if (bson_iter_init_find(&iter, reply, key) && BSON_ITER_HOLDS_NUMBER(&iter))
        return bson_iter_as_int64(&iter);
    return 0;
}

/* ---- generic operations ---- */

static int insert_doc(struct mongo_backend *be, const char *collection, const bson_t *doc,
                      const char *what)
{
    struct mongo_handle h;
    bson_error_t error;
    int status = handle_open(be, collection, &h);
    if (status)
        return status;
    if (!mongoc_collection_insert_one(h.coll, doc, NULL, NULL, &error))
        status = mongo_status(&error, what);
    handle_close(be, &h);
    return status;
}

/* update_one(filter, update); NOT_FOUND when nothing matched. */
static int update_doc(struct mongo_backend *be, const char *collection, const bson_t *filter,
                      const bson_t *update, const char *key, const char *what)
{
    struct mongo_handle h;
    bson_error_t error;
    bson_t reply;
    int status = handle_open(be, collection, &h);
    if (status)
        return status;
    if (!mongoc_collection_update_one(h.coll, filter, update, NULL, &reply, &error))
        status = mongo_status(&error, what);
    else if (reply_count(&reply, "matchedCount") == 0)
        status = mcx_store_fail(MCX_STORE_NOT_FOUND, "%s: %s not found", what, key);
    bson_destroy(&reply);
    handle_close(be, &h);
    return status;
}

static int delete_doc(struct mongo_backend *be, const char *collection, const char *field,
                      const char *key, const char *what)
{
    struct mongo_handle h;
    bson_error_t error;
    bson_t reply;
    bson_t *filter = BCON_NEW(field, BCON_UTF8(key));
    int status = handle_open(be, collection, &h);
    if (status == MCX_STORE_OK) {
        if (!mongoc_collection_delete_one(h.coll, filter, NULL, &reply, &error))
            status = mongo_status(&error, what);
        else if (reply_count(&reply, "deletedCount") == 0)
            status = mcx_store_fail(MCX_STORE_NOT_FOUND, "%s: %s not found", what, key);
        bson_destroy(&reply);
        handle_close(be, &h);
    }
    bson_destroy(filter);
    return status;
}

/* Runs find(filter, opts) and calls decode+cb per document. Stops when cb returns non-zero.
 * *found receives the number of documents seen. */
static int find_docs(struct mongo_backend *be, const char *collection, const bson_t *filter,
                     const bson_t *opts, int (*each)(void *ctx, const bson_t *doc), void *ctx,
                     size_t *found, const char *what)
{
    struct mongo_handle h;
    bson_error_t error;
    const bson_t *doc;
    *found = 0;
    int status = handle_open(be, collection, &h);
    if (status)
        return status;
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(h.coll, filter, opts, NULL);
    while (mongoc_cursor_next(cursor, &doc)) {
        (*found)++;
        int rc = each(ctx, doc);
        if (rc < 0) {
            status = rc;
            break;
        }
        if (rc > 0)
            break;
    }
    if (status == MCX_STORE_OK && mongoc_cursor_error(cursor, &error))
        status = mongo_status(&error, what);
    mongoc_cursor_destroy(cursor);
    handle_close(be, &h);
    return status;
}

/* find with limit 2 on field = key: first document decoded by decode into out. */
struct find_one_ctx {
    int (*decode)(const bson_t *doc, void *out);
    void *out;
    size_t seen;
};

static int find_one_each(void *ctx, const bson_t *doc)
{
    struct find_one_ctx *c = ctx;
    if (c->seen++ == 0) {
        int rc = c->decode(doc, c->out);
        return rc < 0 ? rc : 0;
    }
    return 1;
}

static int find_one(struct mongo_backend *be, const char *collection, const bson_t *filter,
                    int (*decode)(const bson_t *, void *), void *out, int second_status,
                    const char *key, const char *what)
{
    struct find_one_ctx ctx = {decode, out, 0};
    size_t found = 0;
    bson_t *opts = BCON_NEW("limit", BCON_INT64(second_status ? 2 : 1));
    int status = find_docs(be, collection, filter, opts, find_one_each, &ctx, &found, what);
    bson_destroy(opts);
    if (status)
        return status;
    if (found == 0)
        return mcx_store_fail(MCX_STORE_NOT_FOUND, "%s: %s not found", what, key);
    if (found > 1 && second_status)
        return mcx_store_fail(second_status, "%s: %s matches several entries", what, key);
    return MCX_STORE_OK;
}

static int decode_subscriber(const bson_t *doc, void *out)
{
    return bson_to_subscriber(doc, out);
}

static int decode_binding(const bson_t *doc, void *out)
{
    return bson_to_binding(doc, out);
}

static int decode_nothing(const bson_t *doc, void *out)
{
    (void)doc;
    (void)out;
    return MCX_STORE_OK;
}

/* ---- subscribers ---- */

static int mongo_subscriber_add(void *backend, const struct mcx_subscriber *sub)
{
    bson_t doc = BSON_INITIALIZER;
    subscriber_to_bson(sub, &doc);
    int status = insert_doc(backend, SUBSCRIBERS, &doc, "subscriber add");
    bson_destroy(&doc);
    if (status == MCX_STORE_DUPLICATE)
        mcx_store_fail(status, "impi %s or one of its impus already exists", sub->impi);
    return status;
}

static int mongo_subscriber_update(void *backend, const struct mcx_subscriber *sub)
{
    bson_t *filter = BCON_NEW("ims.impi", BCON_UTF8(sub->impi));
    bson_t update = BSON_INITIALIZER, set, unset;
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
    if (sub->imsi[0])
        BSON_APPEND_UTF8(&set, "imsi", sub->imsi);
    append_string_array(&set, "msisdn", &sub->msisdn[0][0], MCX_STORE_DIGITS_MAX,
                        sub->msisdn_count);
    append_hex(&set, "security.k", sub->k, sizeof sub->k);
    if (sub->has_op)
        append_hex(&set, "security.op", sub->op, sizeof sub->op);
    else
        BSON_APPEND_NULL(&set, "security.op");
    if (sub->has_opc)
        append_hex(&set, "security.opc", sub->opc, sizeof sub->opc);
    else
        BSON_APPEND_NULL(&set, "security.opc");
    append_hex(&set, "security.amf", sub->amf, sizeof sub->amf);
    append_string_array(&set, "ims.impu", &sub->impu[0][0], MCX_STORE_IDENTITY_MAX,
                        sub->impu_count);
    append_string_array(&set, "ims.schemes", &sub->schemes[0][0], MCX_STORE_SCHEME_MAX,
                        sub->scheme_count);
    append_string_array(&set, "ims.migration.allowed_partners", &sub->allowed_partners[0][0],
                        MCX_STORE_IDENTITY_MAX, sub->partner_count);
    if (sub->ha1[0]) {
        char ha1[33];
        ha1_lower(sub->ha1, ha1);
        BSON_APPEND_UTF8(&set, "ims.ha1", ha1);
    }
    bson_append_document_end(&update, &set);
    if (!sub->ha1[0] || !sub->imsi[0]) {
        BSON_APPEND_DOCUMENT_BEGIN(&update, "$unset", &unset);
        if (!sub->ha1[0])
            BSON_APPEND_UTF8(&unset, "ims.ha1", "");
        if (!sub->imsi[0])
            BSON_APPEND_UTF8(&unset, "imsi", "");
        bson_append_document_end(&update, &unset);
    }
    int status = update_doc(backend, SUBSCRIBERS, filter, &update, sub->impi, "subscriber update");
    if (status == MCX_STORE_DUPLICATE)
        mcx_store_fail(status, "an impu of %s already belongs to another subscriber", sub->impi);
    bson_destroy(&update);
    bson_destroy(filter);
    return status;
}

static int mongo_subscriber_remove(void *backend, const char *impi)
{
    return delete_doc(backend, SUBSCRIBERS, "ims.impi", impi, "subscriber remove");
}

static int mongo_subscriber_get_by_impi(void *backend, const char *impi, struct mcx_subscriber *out)
{
    bson_t *filter = BCON_NEW("ims.impi", BCON_UTF8(impi));
    int status =
        find_one(backend, SUBSCRIBERS, filter, decode_subscriber, out, 0, impi, "subscriber impi");
    bson_destroy(filter);
    return status;
}

static int mongo_subscriber_get_by_impu(void *backend, const char *impu, struct mcx_subscriber *out)
{
    bson_t *filter = BCON_NEW("ims.impu", BCON_UTF8(impu));
    int status =
        find_one(backend, SUBSCRIBERS, filter, decode_subscriber, out, 0, impu, "subscriber impu");
    bson_destroy(filter);
    return status;
}

struct list_ctx {
    mcx_subscriber_cb sub_cb;
    mcx_binding_cb binding_cb;
    void *ctx;
    struct mcx_subscriber *sub;
    struct mcx_binding *binding;
};

static int list_each_subscriber(void *ctx, const bson_t *doc)
{
    struct list_ctx *l = ctx;
    int rc = bson_to_subscriber(doc, l->sub);
    if (rc)
        return rc;
    return l->sub_cb(l->ctx, l->sub) ? 1 : 0;
}

static int list_each_binding(void *ctx, const bson_t *doc)
{
    struct list_ctx *l = ctx;
    int rc = bson_to_binding(doc, l->binding);
    if (rc)
        return rc;
    return l->binding_cb(l->ctx, l->binding) ? 1 : 0;
}

/* find {field: {$gt: after}} sorted by field, limit (0 = none). */
static int list_sorted(struct mongo_backend *be, const char *collection, const char *field,
                       const char *after, size_t limit, int (*each)(void *, const bson_t *),
                       struct list_ctx *ctx)
{
    bson_t *filter = BCON_NEW(field, "{", "$gt", BCON_UTF8(after), "}");
    bson_t *opts = BCON_NEW("sort", "{", field, BCON_INT32(1), "}");
    if (limit)
        BSON_APPEND_INT64(opts, "limit", (int64_t)limit);
    size_t found = 0;
    int status = find_docs(be, collection, filter, opts, each, ctx, &found, "list");
    bson_destroy(opts);
    bson_destroy(filter);
    return status;
}

static int mongo_subscriber_list(void *backend, const char *after, size_t limit,
                                 mcx_subscriber_cb cb, void *ctx)
{
    struct list_ctx l = {.sub_cb = cb, .ctx = ctx, .sub = malloc(sizeof(struct mcx_subscriber))};
    if (!l.sub)
        return mcx_store_fail(MCX_STORE_ERROR, "out of memory");
    int status =
        list_sorted(backend, SUBSCRIBERS, "ims.impi", after, limit, list_each_subscriber, &l);
    free(l.sub);
    return status;
}

static int mongo_binding_list(void *backend, const char *after, size_t limit, mcx_binding_cb cb,
                              void *ctx)
{
    struct list_ctx l = {
        .binding_cb = cb, .ctx = ctx, .binding = malloc(sizeof(struct mcx_binding))};
    if (!l.binding)
        return mcx_store_fail(MCX_STORE_ERROR, "out of memory");
    int status =
        list_sorted(backend, BINDINGS, "partner.impi", after, limit, list_each_binding, &l);
    free(l.binding);
    return status;
}

/* Executes one ordered bulk insert; adds the inserted count to *imported. */
static int run_bulk(mongoc_bulk_operation_t *bulk, size_t *imported)
{
    bson_t reply;
    bson_error_t error;
    int status = MCX_STORE_OK;
    if (!mongoc_bulk_operation_execute(bulk, &reply, &error))
        status = mongo_status(&error, "import");
    *imported += (size_t)reply_count(&reply, "nInserted");
    bson_destroy(&reply);
    return status;
}

/* Yields the next import row as a document: 1, 0 at the end, or a negative status. */
typedef int (*import_next_doc)(void *ctx, bson_t *doc);

/* Inserts the rows next_doc yields into collection in ordered bulk inserts of IMPORT_BATCH,
 * stopping at the first failure. The status returned is the first failure in row order: an
 * insert that failed in the last batch comes before a bad row that ended the reading. */
static int bulk_import(struct mongo_backend *be, const char *collection, import_next_doc next_doc,
                       void *ctx, size_t *imported)
{
    struct mongo_handle h;
    *imported = 0;
    int status = handle_open(be, collection, &h);
    if (status)
        return status;
    bson_t *opts = BCON_NEW("ordered", BCON_BOOL(true));
    mongoc_bulk_operation_t *bulk = NULL;
    size_t batched = 0;
    for (;;) {
        bson_t doc = BSON_INITIALIZER;
        int more = next_doc(ctx, &doc);
        if (more <= 0) {
            bson_destroy(&doc);
            status = more;
            break;
        }
        if (!bulk)
            bulk = mongoc_collection_create_bulk_operation_with_opts(h.coll, opts);
        mongoc_bulk_operation_insert(bulk, &doc);
        bson_destroy(&doc);
        if (++batched == IMPORT_BATCH) {
            status = run_bulk(bulk, imported);
            mongoc_bulk_operation_destroy(bulk);
            bulk = NULL;
            batched = 0;
            if (status)
                break;
        }
    }
    if (bulk) {
        /* Rows read before a failure are still written (documented behaviour). */
        char reason[256];
        snprintf(reason, sizeof reason, "%s", mcx_store_last_error());
        int flush = run_bulk(bulk, imported);
        mongoc_bulk_operation_destroy(bulk);
        if (flush != MCX_STORE_OK)
            status = flush;
        else if (status != MCX_STORE_OK)
            mcx_store_fail(status, "%s", reason);
    }
    bson_destroy(opts);
    handle_close(be, &h);
    return status;
}

struct subscriber_rows {
    mcx_subscriber_source source;
    void *ctx;
    struct mcx_subscriber sub;
};

static int next_subscriber_doc(void *ctx, bson_t *doc)
{
    struct subscriber_rows *rows = ctx;
    int more = mcx_store_import_next(rows->source, rows->ctx, &rows->sub);
    if (more > 0)
        subscriber_to_bson(&rows->sub, doc);
    return more;
}

static int mongo_subscriber_import(void *backend, mcx_subscriber_source source, void *ctx,
                                   size_t *imported)
{
    struct subscriber_rows *rows = malloc(sizeof *rows);
    *imported = 0;
    if (!rows)
        return mcx_store_fail(MCX_STORE_ERROR, "out of memory");
    rows->source = source;
    rows->ctx = ctx;
    int status = bulk_import(backend, SUBSCRIBERS, next_subscriber_doc, rows, imported);
    if (status == MCX_STORE_DUPLICATE)
        mcx_store_fail(status, "row %zu: impi or impu already exists", *imported + 1);
    free(rows);
    return status;
}

static int mongo_identity_check(void *backend, const char *impi, const char *impu)
{
    struct mcx_subscriber *owner = malloc(sizeof *owner);
    if (!owner)
        return mcx_store_fail(MCX_STORE_ERROR, "out of memory");
    int status = mongo_subscriber_get_by_impu(backend, impu, owner);
    if (status == MCX_STORE_OK && strcmp(owner->impi, impi) != 0) {
        bson_t *filter = BCON_NEW("ims.impi", BCON_UTF8(impi));
        status = find_one(backend, SUBSCRIBERS, filter, decode_nothing, NULL, 0, impi, "impi");
        bson_destroy(filter);
        if (status == MCX_STORE_OK)
            status = mcx_store_fail(MCX_STORE_MISMATCH, "impu %s does not belong to impi %s", impu,
                                    impi);
    }
    free(owner);
    return status;
}

static int mongo_server_name_set(void *backend, const char *impi, const char *server_name)
{
    bson_t *filter = BCON_NEW("ims.impi", BCON_UTF8(impi));
    bson_t *update = server_name[0]
                         ? BCON_NEW("$set", "{", "ims.server_name", BCON_UTF8(server_name), "}")
                         : BCON_NEW("$unset", "{", "ims.server_name", BCON_UTF8(""), "}");
    int status = update_doc(backend, SUBSCRIBERS, filter, update, impi, "server_name");
    bson_destroy(update);
    bson_destroy(filter);
    return status;
}

/* findAndModify(query, update) returning the new document's security.sqn. *matched false when
 * no document matched the query. */
static int find_and_modify_sqn(struct mongo_backend *be, const bson_t *query, const bson_t *update,
                               int64_t *sqn, bool *matched)
{
    struct mongo_handle h;
    bson_error_t error;
    bson_t reply;
    bson_iter_t iter;
    *matched = false;
    int status = handle_open(be, SUBSCRIBERS, &h);
    if (status)
        return status;
    mongoc_find_and_modify_opts_t *opts = mongoc_find_and_modify_opts_new();
    bson_t *fields = BCON_NEW("security.sqn", BCON_INT32(1));
    mongoc_find_and_modify_opts_set_update(opts, update);
    mongoc_find_and_modify_opts_set_flags(opts, MONGOC_FIND_AND_MODIFY_RETURN_NEW);
    mongoc_find_and_modify_opts_set_fields(opts, fields);
    if (!mongoc_collection_find_and_modify_with_opts(h.coll, query, opts, &reply, &error)) {
        status = mongo_status(&error, "sqn findAndModify");
    } else if (bson_iter_init(&iter, &reply) &&
               bson_iter_find_descendant(&iter, "value.security.sqn", &iter) &&
               BSON_ITER_HOLDS_NUMBER(&iter)) {
        *sqn = bson_iter_as_int64(&iter);
        *matched = true;
    }
    bson_destroy(&reply);
    bson_destroy(fields);
    mongoc_find_and_modify_opts_destroy(opts);
    handle_close(be, &h);
    return status;
}

/* After a findAndModify that matched nothing: NOT_FOUND, or fallback when the IMPI exists. */
static int missing_or(struct mongo_backend *be, const char *impi, int fallback, const char *reason)
{
    bson_t *filter = BCON_NEW("ims.impi", BCON_UTF8(impi));
    int status = find_one(be, SUBSCRIBERS, filter, decode_nothing, NULL, 0, impi, "impi");
    bson_destroy(filter);
    if (status != MCX_STORE_OK)
        return status;
    return mcx_store_fail(fallback, "%s (impi %s)", reason, impi);
}

static int mongo_sqn_advance(void *backend, const char *impi, int64_t delta, int64_t *new_sqn)
{
    bool matched = false;
    /* A document without security.sqn (hand-made) starts from 0: $inc creates the field. */
    bson_t *query = BCON_NEW("ims.impi", BCON_UTF8(impi), "$or", "[", "{", "security.sqn", "{",
                             "$lte", BCON_INT64(MCX_STORE_SQN_MAX - delta), "}", "}", "{",
                             "security.sqn", "{", "$exists", BCON_BOOL(false), "}", "}", "]");
    bson_t *update = BCON_NEW("$inc", "{", "security.sqn", BCON_INT64(delta), "}");
    int status = find_and_modify_sqn(backend, query, update, new_sqn, &matched);
    bson_destroy(update);
    bson_destroy(query);
    if (status == MCX_STORE_OK && !matched)
        status = missing_or(backend, impi, MCX_STORE_SQN_EXHAUSTED, "SQN would pass 2^48-1");
    return status;
}

static int mongo_sqn_set(void *backend, const char *impi, int64_t sqn)
{
    bool matched = false;
    int64_t stored = 0;
    bson_t *query = BCON_NEW("ims.impi", BCON_UTF8(impi));
    bson_t *update = BCON_NEW("$set", "{", "security.sqn", BCON_INT64(sqn), "}");
    int status = find_and_modify_sqn(backend, query, update, &stored, &matched);
    bson_destroy(update);
    bson_destroy(query);
    if (status == MCX_STORE_OK && !matched)
        status = mcx_store_fail(MCX_STORE_NOT_FOUND, "no subscriber with impi %s", impi);
    return status;
}

/* ---- bindings ---- */

static int mongo_binding_add(void *backend, const struct mcx_binding *b)
{
    bson_t doc = BSON_INITIALIZER;
    binding_to_bson(b, &doc);
    int status = insert_doc(backend, BINDINGS, &doc, "binding add");
    bson_destroy(&doc);
    if (status == MCX_STORE_DUPLICATE)
        mcx_store_fail(status,
                       "a binding for partner impi %s, one of its impus or primary impi %s in %s "
                       "exists",
                       b->partner_impi, b->primary_impi, b->primary_system);
    return status;
}

struct binding_rows {
    mcx_binding_source source;
    void *ctx;
    struct mcx_binding binding;
};

static int next_binding_doc(void *ctx, bson_t *doc)
{
    struct binding_rows *rows = ctx;
    int more = mcx_store_binding_import_next(rows->source, rows->ctx, &rows->binding);
    if (more > 0)
        binding_to_bson(&rows->binding, doc);
    return more;
}

static int mongo_binding_import(void *backend, mcx_binding_source source, void *ctx,
                                size_t *imported)
{
    struct binding_rows *rows = malloc(sizeof *rows);
    *imported = 0;
    if (!rows)
        return mcx_store_fail(MCX_STORE_ERROR, "out of memory");
    rows->source = source;
    rows->ctx = ctx;
    int status = bulk_import(backend, BINDINGS, next_binding_doc, rows, imported);
    if (status == MCX_STORE_DUPLICATE)
        mcx_store_fail(status,
                       "row %zu: its partner impi, one of its partner impus or its primary impi "
                       "in its primary system is already bound",
                       *imported + 1);
    free(rows);
    return status;
}

static int mongo_binding_remove(void *backend, const char *partner_impi)
{
    return delete_doc(backend, BINDINGS, "partner.impi", partner_impi, "binding remove");
}

static int binding_find(struct mongo_backend *be, bson_t *filter, const char *key,
                        struct mcx_binding *out, int second_status)
{
    int status = find_one(be, BINDINGS, filter, decode_binding, out, second_status, key, "binding");
    bson_destroy(filter);
    return status;
}

static int mongo_binding_get_by_partner_impi(void *backend, const char *impi,
                                             struct mcx_binding *out)
{
    return binding_find(backend, BCON_NEW("partner.impi", BCON_UTF8(impi)), impi, out, 0);
}

static int mongo_binding_get_by_partner_impu(void *backend, const char *impu,
                                             struct mcx_binding *out)
{
    return binding_find(backend, BCON_NEW("partner.impu", BCON_UTF8(impu)), impu, out, 0);
}

static int mongo_binding_get_by_primary_impi(void *backend, const char *system, const char *impi,
                                             struct mcx_binding *out)
{
    if (system)
        return binding_find(
            backend, BCON_NEW("primary.system", BCON_UTF8(system), "primary.impi", BCON_UTF8(impi)),
            impi, out, 0);
    return binding_find(backend, BCON_NEW("primary.impi", BCON_UTF8(impi)), impi, out,
                        MCX_STORE_AMBIGUOUS);
}

/* ---- open / close ---- */

static void mongo_close(void *backend)
{
    struct mongo_backend *be = backend;
    if (!be)
        return;
    if (be->pool)
        mongoc_client_pool_destroy(be->pool);
    pthread_mutex_destroy(&be->index_lock);
    free(be->db_name);
    free(be);
}

int mcx_store_mongo_open(const char *uri_text, void **backend, char *err, size_t err_cap)
{
    bson_error_t error;
    pthread_once(&mongoc_once, mongoc_global_init);
    mongoc_uri_t *uri = mongoc_uri_new_with_error(uri_text, &error);
    if (!uri) {
        snprintf(err, err_cap, "invalid MongoDB URI: %s", error.message);
        return MCX_STORE_INVALID;
    }
    /* Fail fast when the server is down (the HSS answers UNABLE_TO_COMPLY and retries). */
    if (!mongoc_uri_has_option(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
        mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS,
                                       SERVER_SELECTION_MS);
    if (!mongoc_uri_has_option(uri, MONGOC_URI_CONNECTTIMEOUTMS))
        mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, CONNECT_TIMEOUT_MS);
    if (!mongoc_uri_has_option(uri, MONGOC_URI_SOCKETTIMEOUTMS))
        mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SOCKETTIMEOUTMS, SOCKET_TIMEOUT_MS);
    struct mongo_backend *be = calloc(1, sizeof *be);
    const char *db_name = mongoc_uri_get_database(uri);
    if (!be || !(be->db_name = strdup(db_name && *db_name ? db_name : DEFAULT_DB_NAME))) {
        free(be);
        mongoc_uri_destroy(uri);
        snprintf(err, err_cap, "out of memory");
        return MCX_STORE_ERROR;
    }
    pthread_mutex_init(&be->index_lock, NULL);
    be->pool = mongoc_client_pool_new_with_error(uri, &error);
    mongoc_uri_destroy(uri);
    if (!be->pool) {
        snprintf(err, err_cap, "cannot create MongoDB client pool: %s", error.message);
        mongo_close(be);
        return MCX_STORE_INVALID;
    }
    mongoc_client_pool_set_error_api(be->pool, MONGOC_ERROR_API_VERSION_2);
    mongoc_client_pool_set_appname(be->pool, "mcx-migrate");
    /* Create the indexes now if the server answers; otherwise on the first call. */
    mongoc_client_t *client = mongoc_client_pool_pop(be->pool);
    int status = ensure_indexes(be, client);
    mongoc_client_pool_push(be->pool, client);
    if (status != MCX_STORE_OK && status != MCX_STORE_UNAVAILABLE) {
        snprintf(err, err_cap, "%s", mcx_store_last_error());
        mongo_close(be);
        return status;
    }
    if (status == MCX_STORE_UNAVAILABLE)
        MCX_WARN("store_unavailable", "backend=mongodb db=%s reason=\"%s\"", be->db_name,
                 mcx_store_last_error());
    MCX_DEBUG("store_open", "backend=mongodb db=%s", be->db_name);
    *backend = be;
    return MCX_STORE_OK;
}

const struct mcx_store_ops mcx_store_mongo_ops = {
    .name = "mongodb",
    .close = mongo_close,
    .subscriber_add = mongo_subscriber_add,
    .subscriber_update = mongo_subscriber_update,
    .subscriber_remove = mongo_subscriber_remove,
    .subscriber_get_by_impi = mongo_subscriber_get_by_impi,
    .subscriber_get_by_impu = mongo_subscriber_get_by_impu,
    .subscriber_list = mongo_subscriber_list,
    .subscriber_import = mongo_subscriber_import,
    .identity_check = mongo_identity_check,
    .server_name_set = mongo_server_name_set,
    .sqn_advance = mongo_sqn_advance,
    .sqn_set = mongo_sqn_set,
    .binding_add = mongo_binding_add,
    .binding_remove = mongo_binding_remove,
    .binding_get_by_partner_impi = mongo_binding_get_by_partner_impi,
    .binding_get_by_partner_impu = mongo_binding_get_by_partner_impu,
    .binding_get_by_primary_impi = mongo_binding_get_by_primary_impi,
    .binding_list = mongo_binding_list,
    .binding_import = mongo_binding_import,
};
