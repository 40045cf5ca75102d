/* SQLite backend: a pool of connections (one per concurrent caller), WAL journal, busy timeout
 * so that several processes can share one file, prepared statements cached per connection.
 *
 * Tables: subscribers (one row per IMPI, lists '\n'-joined), subscriber_impus (IMPU -> IMPI,
 * unique), migration_bindings and binding_partner_impus (partner IMPU -> partner IMPI, unique). */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/codec.h"
#include "core/log.h"
#include "store/store_backend.h"
#include "store/store_lists.h"

#define BUSY_TIMEOUT_MS 10000
#define LIST_TEXT_MAX   (MCX_STORE_MAX_PARTNERS * MCX_STORE_IDENTITY_MAX + 64)

static const char schema_sql[] =
    "BEGIN IMMEDIATE;"
    "CREATE TABLE IF NOT EXISTS subscribers ("
    " impi TEXT PRIMARY KEY NOT NULL,"
    " imsi TEXT NOT NULL DEFAULT '',"
    " msisdn TEXT NOT NULL DEFAULT '',"
    " k TEXT NOT NULL, op TEXT, opc TEXT, amf TEXT NOT NULL,"
    " sqn INTEGER NOT NULL DEFAULT 0 CHECK (sqn BETWEEN 0 AND 281474976710655),"
    " impus TEXT NOT NULL,"
    " schemes TEXT NOT NULL DEFAULT '',"
    " ha1 TEXT NOT NULL DEFAULT '',"
    " allowed_partners TEXT NOT NULL DEFAULT '',"
    " server_name TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE IF NOT EXISTS subscriber_impus ("
    " impu TEXT PRIMARY KEY NOT NULL,"
    " impi TEXT NOT NULL REFERENCES subscribers(impi) ON DELETE CASCADE);"
    "CREATE INDEX IF NOT EXISTS subscriber_impus_impi ON subscriber_impus(impi);"
    "CREATE TABLE IF NOT EXISTS migration_bindings ("
    " partner_impi TEXT PRIMARY KEY NOT NULL,"
    " partner_impus TEXT NOT NULL,"
    " primary_system TEXT NOT NULL,"
    " primary_impi TEXT NOT NULL,"
    " primary_impus TEXT NOT NULL,"
    " primary_mms TEXT NOT NULL,"
    " UNIQUE (primary_system, primary_impi));"
    "CREATE TABLE IF NOT EXISTS binding_partner_impus ("
    " impu TEXT PRIMARY KEY NOT NULL,"
    " partner_impi TEXT NOT NULL REFERENCES migration_bindings(partner_impi) ON DELETE CASCADE);"
    "CREATE INDEX IF NOT EXISTS binding_partner_impus_impi ON binding_partner_impus(partner_impi);"
    "COMMIT;";

#define SUB_COLUMNS                                                                                \
    "s.impi, s.imsi, s.msisdn, s.k, s.op, s.opc, s.amf, s.sqn, s.impus, s.schemes, s.ha1, "        \
    "s.allowed_partners, s.server_name"
#define BINDING_COLUMNS                                                                            \
    "b.partner_impi, b.partner_impus, b.primary_system, b.primary_impi, b.primary_impus, "         \
    "b.primary_mms"

enum stmt_id {
    ST_SUB_INSERT,
    ST_SUB_UPDATE,
    ST_SUB_DELETE,
    ST_SUB_BY_IMPI,
    ST_SUB_BY_IMPU,
    ST_SUB_LIST,
    ST_IMPU_INSERT,
    ST_IMPU_DELETE_ALL,
    ST_IMPU_OWNER,
    ST_SUB_EXISTS,
    ST_SERVER_NAME_SET,
    ST_SQN_ADVANCE,
    ST_SQN_SET,
    ST_BIND_INSERT,
    ST_BIND_IMPU_INSERT,
    ST_BIND_DELETE,
    ST_BIND_BY_PARTNER_IMPI,
    ST_BIND_BY_PARTNER_IMPU,
    ST_BIND_BY_PRIMARY,
    ST_BIND_BY_PRIMARY_ANY,
    ST_BIND_LIST,
    ST_SAVEPOINT,
    ST_RELEASE,
    ST_ROLLBACK_TO,
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_SUB_INSERT] = "INSERT INTO subscribers (impi, imsi, msisdn, k, op, opc, amf, sqn, impus, "
                      "schemes, ha1, allowed_partners, server_name) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [ST_SUB_UPDATE] = "UPDATE subscribers SET imsi = ?2, msisdn = ?3, k = ?4, op = ?5, opc = ?6, "
                      "amf = ?7, impus = ?9, schemes = ?10, ha1 = ?11, allowed_partners = ?12 "
                      "WHERE impi = ?1",
    [ST_SUB_DELETE] = "DELETE FROM subscribers WHERE impi = ?1",
    [ST_SUB_BY_IMPI] = "SELECT " SUB_COLUMNS " FROM subscribers s WHERE s.impi = ?1",
    [ST_SUB_BY_IMPU] = "SELECT " SUB_COLUMNS " FROM subscriber_impus i "
                       "JOIN subscribers s ON s.impi = i.impi WHERE i.impu = ?1",
    [ST_SUB_LIST] = "SELECT " SUB_COLUMNS " FROM subscribers s WHERE s.impi > ?1 "
                    "ORDER BY s.impi LIMIT ?2",
    [ST_IMPU_INSERT] = "INSERT INTO subscriber_impus (impu, impi) VALUES (?1, ?2)",
    [ST_IMPU_DELETE_ALL] = "DELETE FROM subscriber_impus WHERE impi = ?1",
    [ST_IMPU_OWNER] = "SELECT impi FROM subscriber_impus WHERE impu = ?1",
    [ST_SUB_EXISTS] = "SELECT 1 FROM subscribers WHERE impi = ?1",
    [ST_SERVER_NAME_SET] = "UPDATE subscribers SET server_name = ?2 WHERE impi = ?1",
    [ST_SQN_ADVANCE] = "UPDATE subscribers SET sqn = sqn + ?2 WHERE impi = ?1 AND sqn <= ?3 "
                       "RETURNING sqn",
    [ST_SQN_SET] = "UPDATE subscribers SET sqn = ?2 WHERE impi = ?1",
    [ST_BIND_INSERT] = "INSERT INTO migration_bindings (partner_impi, partner_impus, "
                       "primary_system, primary_impi, primary_impus, primary_mms) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_BIND_IMPU_INSERT] = "INSERT INTO binding_partner_impus (impu, partner_impi) "
                            "VALUES (?1, ?2)",
    [ST_BIND_DELETE] = "DELETE FROM migration_bindings WHERE partner_impi = ?1",
    [ST_BIND_BY_PARTNER_IMPI] =
        "SELECT " BINDING_COLUMNS " FROM migration_bindings b WHERE b.partner_impi = ?1",
    [ST_BIND_BY_PARTNER_IMPU] = "SELECT " BINDING_COLUMNS " FROM binding_partner_impus i "
                                "JOIN migration_bindings b ON b.partner_impi = i.partner_impi "
                                "WHERE i.impu = ?1",
    [ST_BIND_BY_PRIMARY] = "SELECT " BINDING_COLUMNS " FROM migration_bindings b "
                           "WHERE b.primary_system = ?1 AND b.primary_impi = ?2",
    [ST_BIND_BY_PRIMARY_ANY] = "SELECT " BINDING_COLUMNS " FROM migration_bindings b "
                               "WHERE b.primary_impi = ?1 ORDER BY b.partner_impi LIMIT 2",
    [ST_BIND_LIST] = "SELECT " BINDING_COLUMNS " FROM migration_bindings b "
                     "WHERE b.partner_impi > ?1 ORDER BY b.partner_impi LIMIT ?2",
    [ST_SAVEPOINT] = "SAVEPOINT mcx_row",
    [ST_RELEASE] = "RELEASE mcx_row",
    [ST_ROLLBACK_TO] = "ROLLBACK TO mcx_row",
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
};

struct sqlite_conn {
    sqlite3 *db;
    sqlite3_stmt *stmts[ST_COUNT];
    struct sqlite_conn *next;
};

struct sqlite_backend {
    char *path;
    pthread_mutex_t lock;
    struct sqlite_conn *idle; /* connections not in use */
};

/* Maps an SQLite result code to a store status, recording the reason. */
static int sqlite_status(sqlite3 *db, int rc, const char *what)
{
    int primary = rc & 0xff;
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    switch (primary) {
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return mcx_store_fail(MCX_STORE_DUPLICATE, "%s: already exists (%s)", what, msg);
        return mcx_store_fail(MCX_STORE_INVALID, "%s: constraint failed (%s)", what, msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_PROTOCOL:
    case SQLITE_READONLY:
        return mcx_store_fail(MCX_STORE_UNAVAILABLE, "%s: database unavailable (%s)", what, msg);
    default:
        return mcx_store_fail(MCX_STORE_ERROR, "%s: sqlite error (%s)", what, msg);
    }
}

static void conn_free(struct sqlite_conn *conn)
{
    if (!conn)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(conn->stmts[i]);
    sqlite3_close(conn->db);
    free(conn);
}

/* Milliseconds on the monotonic clock. */
static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs sql (one or more statements) on db. While it meets a lock, it is tried again for up to
 * BUSY_TIMEOUT_MS: the busy handler does not cover every case on a new file (the switch to WAL
 * takes its exclusive lock without waiting; two connections upgrading read locks give one of
 * them SQLITE_BUSY at once). A transaction left open by a busy try is rolled back before the
 * next; after a final failure it may still be open (sqlite3_errmsg() tells why): the caller
 * closes the connection. */
static int exec_retrying(sqlite3 *db, const char *sql)
{
    int64_t deadline = monotonic_ms() + BUSY_TIMEOUT_MS;
    long pause_ms = 1;
    for (;;) {
        int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
        int primary = rc & 0xff;
        if ((primary != SQLITE_BUSY && primary != SQLITE_LOCKED) || monotonic_ms() >= deadline)
            return rc;
        if (!sqlite3_get_autocommit(db))
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        struct timespec pause = {.tv_sec = 0, .tv_nsec = pause_ms * 1000000L};
        nanosleep(&pause, NULL);
        if (pause_ms < 50)
            pause_ms *= 2;
    }
}

/* Opens one connection with our pragmas; returns NULL with the reason recorded. The busy
 * timeout is set before anything touches the file, and the switch to WAL (which several
 * processes may attempt at once on a new file) is retried while the file is locked. */
static struct sqlite_conn *conn_open(const char *path, int *status)
{
    struct sqlite_conn *conn = calloc(1, sizeof *conn);
    if (!conn) {
        *status = mcx_store_fail(MCX_STORE_ERROR, "out of memory");
        return NULL;
    }
    int rc = sqlite3_open_v2(
        path, &conn->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        *status = mcx_store_fail(MCX_STORE_UNAVAILABLE, "cannot open sqlite database %s: %s", path,
                                 conn->db ? sqlite3_errmsg(conn->db) : sqlite3_errstr(rc));
        conn_free(conn);
        return NULL;
    }
    sqlite3_extended_result_codes(conn->db, 1);
    sqlite3_busy_timeout(conn->db, BUSY_TIMEOUT_MS);
    const char *step = "switch to WAL";
    rc = exec_retrying(conn->db, "PRAGMA journal_mode=WAL");
    if (rc == SQLITE_OK) {
        step = "pragmas";
        rc = sqlite3_exec(conn->db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", NULL,
                          NULL, NULL);
    }
    if (rc != SQLITE_OK) {
        char what[400];
        snprintf(what, sizeof what, "%s (%s)", path, step);
        *status = sqlite_status(conn->db, rc, what);
        conn_free(conn);
        return NULL;
    }
    return conn;
}

/* Takes an idle connection or opens a new one. */
static struct sqlite_conn *conn_acquire(struct sqlite_backend *be, int *status)
{
    pthread_mutex_lock(&be->lock);
    struct sqlite_conn *conn = be->idle;
    if (conn)
        be->idle = conn->next;
    pthread_mutex_unlock(&be->lock);
    if (conn)
        return conn;
    return conn_open(be->path, status);
}

/* Gives a connection back to the pool, never with a transaction left open (e.g. after a
 * failed COMMIT/RELEASE). */
static void conn_release(struct sqlite_backend *be, struct sqlite_conn *conn)
{
    if (!sqlite3_get_autocommit(conn->db))
        sqlite3_exec(conn->db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_lock(&be->lock);
    conn->next = be->idle;
    be->idle = conn;
    pthread_mutex_unlock(&be->lock);
}

/* The cached, reset statement id on conn, or NULL with the reason recorded. */
static sqlite3_stmt *stmt_get(struct sqlite_conn *conn, enum stmt_id id, int *status)
{
    if (!conn->stmts[id]) {
        int rc = sqlite3_prepare_v3(conn->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &conn->stmts[id], NULL);
        if (rc != SQLITE_OK) {
            *status = sqlite_status(conn->db, rc, "prepare");
            return NULL;
        }
    }
    sqlite3_reset(conn->stmts[id]);
    sqlite3_clear_bindings(conn->stmts[id]);
    return conn->stmts[id];
}

/* Runs a statement that returns no rows (after binding). */
static int stmt_run(struct sqlite_conn *conn, sqlite3_stmt *stmt, const char *what)
{
    int rc = sqlite3_step(stmt);
    int status = MCX_STORE_OK;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        status = sqlite_status(conn->db, rc, what);
    sqlite3_reset(stmt);
    return status;
}

/* Runs one of the argument-less statements (transactions, savepoints). */
static int exec_simple(struct sqlite_conn *conn, enum stmt_id id)
{
    int status = MCX_STORE_OK;
    sqlite3_stmt *stmt = stmt_get(conn, id, &status);
    return stmt ? stmt_run(conn, stmt, stmt_sql[id]) : status;
}

/* After a failure: runs the undo statement (then also, unless ST_COUNT) and keeps the failure's
 * reason as the thread's last error. Returns status. */
static int undo_after(struct sqlite_conn *conn, int status, enum stmt_id undo, enum stmt_id also)
{
    char reason[256];
    snprintf(reason, sizeof reason, "%s", mcx_store_last_error());
    exec_simple(conn, undo);
    if (also != ST_COUNT)
        exec_simple(conn, also);
    return mcx_store_fail(status, "%s", reason);
}

/* A connection with a transaction begun (BEGIN IMMEDIATE), or NULL with *status set. End it with
 * transaction_end(), then conn_release(). */
static struct sqlite_conn *transaction_begin(struct sqlite_backend *be, int *status)
{
    struct sqlite_conn *conn = conn_acquire(be, status);
    if (conn && (*status = exec_simple(conn, ST_BEGIN)) != MCX_STORE_OK) {
        conn_release(be, conn);
        return NULL;
    }
    return conn;
}

/* Ends the transaction on conn: COMMIT when status is OK, else (or when COMMIT fails) ROLLBACK.
 * Returns the final status. */
static int transaction_end(struct sqlite_conn *conn, int status)
{
    if (status == MCX_STORE_OK)
        status = exec_simple(conn, ST_COMMIT);
    if (status != MCX_STORE_OK)
        undo_after(conn, status, ST_ROLLBACK, ST_COUNT);
    return status;
}

static void bind_text(sqlite3_stmt *stmt, int index, const char *text)
{
    sqlite3_bind_text(stmt, index, text, -1, SQLITE_TRANSIENT);
}

static void bind_hex(sqlite3_stmt *stmt, int index, const uint8_t *bytes, size_t len)
{
    char hex[40];
    mcx_hex_encode(bytes, len, hex, sizeof hex);
    bind_text(stmt, index, hex);
}

/* Binds a list as '\n'-joined text; returns 0 or a status. */
static int bind_list(sqlite3_stmt *stmt, int index, const char *items, size_t item_cap,
                     size_t count)
{
    char text[LIST_TEXT_MAX];
    if (mcx_store_list_join(items, item_cap, count, text, sizeof text) < 0)
        return mcx_store_fail(MCX_STORE_INVALID, "list too long");
    bind_text(stmt, index, text);
    return MCX_STORE_OK;
}

/* Binds ?1..?13 of ST_SUB_INSERT / ST_SUB_UPDATE. */
static int bind_subscriber(sqlite3_stmt *stmt, const struct mcx_subscriber *sub)
{
    int rc;
    bind_text(stmt, 1, sub->impi);
    bind_text(stmt, 2, sub->imsi);
    if ((rc = bind_list(stmt, 3, &sub->msisdn[0][0], MCX_STORE_DIGITS_MAX, sub->msisdn_count)))
        return rc;
    bind_hex(stmt, 4, sub->k, sizeof sub->k);
    if (sub->has_op)
        bind_hex(stmt, 5, sub->op, sizeof sub->op);
    else
        sqlite3_bind_null(stmt, 5);
    if (sub->has_opc)
        bind_hex(stmt, 6, sub->opc, sizeof sub->opc);
    else
        sqlite3_bind_null(stmt, 6);
    bind_hex(stmt, 7, sub->amf, sizeof sub->amf);
    sqlite3_bind_int64(stmt, 8, sub->sqn);
    if ((rc = bind_list(stmt, 9, &sub->impu[0][0], MCX_STORE_IDENTITY_MAX, sub->impu_count)))
        return rc;
    if ((rc = bind_list(stmt, 10, &sub->schemes[0][0], MCX_STORE_SCHEME_MAX, sub->scheme_count)))
        return rc;
    char ha1[33];
    for (size_t i = 0; i < sizeof ha1; i++)
        ha1[i] =
            (sub->ha1[i] >= 'A' && sub->ha1[i] <= 'F') ? (char)(sub->ha1[i] + 32) : sub->ha1[i];
    bind_text(stmt, 11, ha1);
    if ((rc = bind_list(stmt, 12, &sub->allowed_partners[0][0], MCX_STORE_IDENTITY_MAX,
                        sub->partner_count)))
        return rc;
    bind_text(stmt, 13, sub->server_name);
    return MCX_STORE_OK;
}

/* Copies a text column into dst; returns 0 or a status on corrupt data. */
static int column_text(sqlite3_stmt *stmt, int col, char *dst, size_t cap)
{
    const char *text = (const char *)sqlite3_column_text(stmt, col);
    size_t len = (size_t)sqlite3_column_bytes(stmt, col);
    if (mcx_store_copy(dst, cap, text ? text : "", text ? len : 0) < 0)
        return mcx_store_fail(MCX_STORE_ERROR, "stored value in column %d is too long", col);
    return MCX_STORE_OK;
}

/* Splits a list column into slots; returns the count or a negative status. */
static int column_list(sqlite3_stmt *stmt, int col, char *items, size_t item_cap, size_t max,
                       size_t *count)
{
    const char *text = (const char *)sqlite3_column_text(stmt, col);
    int n = mcx_store_list_split(
        text ? text : "", text ? (size_t)sqlite3_column_bytes(stmt, col) : 0, items, item_cap, max);
    if (n < 0)
        return mcx_store_fail(MCX_STORE_ERROR, "stored list in column %d is too long", col);
    *count = (size_t)n;
    return MCX_STORE_OK;
}

/* Decodes a hex column of exactly len bytes; *present is false for NULL. */
static int column_hex(sqlite3_stmt *stmt, int col, uint8_t *out, size_t len, bool *present)
{
    const char *text = (const char *)sqlite3_column_text(stmt, col);
    if (present)
        *present = text != NULL;
    if (!text)
        return present ? MCX_STORE_OK
                       : mcx_store_fail(MCX_STORE_ERROR, "stored hex column %d is NULL", col);
    if (mcx_hex_decode_exact(text, out, len) != 0)
        return mcx_store_fail(MCX_STORE_ERROR, "stored hex in column %d is malformed", col);
    return MCX_STORE_OK;
}

/* Reads a SUB_COLUMNS row into *sub. */
static int row_to_subscriber(sqlite3_stmt *stmt, struct mcx_subscriber *sub)
{
    int rc;
    memset(sub, 0, sizeof *sub);
    if ((rc = column_text(stmt, 0, sub->impi, sizeof sub->impi)) ||
        (rc = column_text(stmt, 1, sub->imsi, sizeof sub->imsi)) ||
        (rc = column_list(stmt, 2, &sub->msisdn[0][0], MCX_STORE_DIGITS_MAX, MCX_STORE_MAX_MSISDNS,
                          &sub->msisdn_count)) ||
        (rc = column_hex(stmt, 3, sub->k, sizeof sub->k, NULL)) ||
        (rc = column_hex(stmt, 4, sub->op, sizeof sub->op, &sub->has_op)) ||
        (rc = column_hex(stmt, 5, sub->opc, sizeof sub->opc, &sub->has_opc)) ||
        (rc = column_hex(stmt, 6, sub->amf, sizeof sub->amf, NULL)))
        return rc;
    sub->sqn = sqlite3_column_int64(stmt, 7);
    if ((rc = column_list(stmt, 8, &sub->impu[0][0], MCX_STORE_IDENTITY_MAX, MCX_STORE_MAX_IMPUS,
                          &sub->impu_count)) ||
        (rc = column_list(stmt, 9, &sub->schemes[0][0], MCX_STORE_SCHEME_MAX, MCX_STORE_MAX_SCHEMES,
                          &sub->scheme_count)) ||
        (rc = column_text(stmt, 10, sub->ha1, sizeof sub->ha1)) ||
        (rc = column_list(stmt, 11, &sub->allowed_partners[0][0], MCX_STORE_IDENTITY_MAX,
                          MCX_STORE_MAX_PARTNERS, &sub->partner_count)) ||
        (rc = column_text(stmt, 12, sub->server_name, sizeof sub->server_name)))
        return rc;
    return MCX_STORE_OK;
}

/* Reads a BINDING_COLUMNS row into *b. */
static int row_to_binding(sqlite3_stmt *stmt, struct mcx_binding *b)
{
    int rc;
    memset(b, 0, sizeof *b);
    if ((rc = column_text(stmt, 0, b->partner_impi, sizeof b->partner_impi)) ||
        (rc = column_list(stmt, 1, &b->partner_impu[0][0], MCX_STORE_IDENTITY_MAX,
                          MCX_STORE_MAX_IMPUS, &b->partner_impu_count)) ||
        (rc = column_text(stmt, 2, b->primary_system, sizeof b->primary_system)) ||
        (rc = column_text(stmt, 3, b->primary_impi, sizeof b->primary_impi)) ||
        (rc = column_list(stmt, 4, &b->primary_impu[0][0], MCX_STORE_IDENTITY_MAX,
                          MCX_STORE_MAX_IMPUS, &b->primary_impu_count)) ||
        (rc = column_text(stmt, 5, b->primary_mms, sizeof b->primary_mms)))
        return rc;
    return MCX_STORE_OK;
}

/* Inserts the IMPU rows of sub. */
static int insert_impus(struct sqlite_conn *conn, const struct mcx_subscriber *sub)
{
    int status = MCX_STORE_OK;
    sqlite3_stmt *stmt = stmt_get(conn, ST_IMPU_INSERT, &status);
    if (!stmt)
        return status;
    for (size_t i = 0; i < sub->impu_count; i++) {
        bind_text(stmt, 1, sub->impu[i]);
        bind_text(stmt, 2, sub->impi);
        if ((status = stmt_run(conn, stmt, "impu")) != MCX_STORE_OK) {
            if (status == MCX_STORE_DUPLICATE)
                mcx_store_fail(status, "impu %s already belongs to a subscriber", sub->impu[i]);
            return status;
        }
    }
    return MCX_STORE_OK;
}

/* Inserts one subscriber inside a savepoint (all or nothing). */
static int insert_subscriber(struct sqlite_conn *conn, const struct mcx_subscriber *sub)
{
    int status = exec_simple(conn, ST_SAVEPOINT);
    if (status)
        return status;
    sqlite3_stmt *stmt = stmt_get(conn, ST_SUB_INSERT, &status);
    if (stmt && (status = bind_subscriber(stmt, sub)) == MCX_STORE_OK) {
        status = stmt_run(conn, stmt, "subscriber");
        if (status == MCX_STORE_DUPLICATE)
            mcx_store_fail(status, "impi %s already exists", sub->impi);
    }
    if (status == MCX_STORE_OK)
        status = insert_impus(conn, sub);
    if (status != MCX_STORE_OK)
        return undo_after(conn, status, ST_ROLLBACK_TO, ST_RELEASE);
    return exec_simple(conn, ST_RELEASE);
}

static int sqlite_subscriber_add(void *backend, const struct mcx_subscriber *sub)
{
    struct sqlite_backend *be = backend;
    int status = MCX_STORE_OK;
    struct sqlite_conn *conn = conn_acquire(be, &status);
    if (!conn)
        return status;
    status = insert_subscriber(conn, sub);
    conn_release(be, conn);
    return status;
}

static int sqlite_subscriber_update(void *backend, const struct mcx_subscriber *sub)
{
    struct sqlite_backend *be = backend;
    int status = MCX_STORE_OK;
    struct sqlite_conn *conn = transaction_begin(be, &status);
    if (!conn)
        return status;
    sqlite3_stmt *stmt = stmt_get(conn, ST_SUB_UPDATE, &status);
    if (stmt && (status = bind_subscriber(stmt, sub)) == MCX_STORE_OK) {
        /* ?8 and ?13 (sqn, server_name) are bound but unused by the UPDATE. */
        status = stmt_run(conn, stmt, "subscriber update");
        if (status == MCX_STORE_OK && sqlite3_changes(conn->db) == 0)
            status = mcx_store_fail(MCX_STORE_NOT_FOUND, "no subscriber with impi %s", sub->impi);
    }
    if (status == MCX_STORE_OK) {
        sqlite3_stmt *del = stmt_get(conn, ST_IMPU_DELETE_ALL, &status);
        if (del) {
            bind_text(del, 1, sub->impi);
            status = stmt_run(conn, del, "impu delete");
        }
    }
    if (status == MCX_STORE_OK)
        status = insert_impus(conn, sub);
    status = transaction_end(conn, status);
    conn_release(be, conn);
    return status;
}

/* Runs a one-parameter statement that changes rows; NOT_FOUND when none changed. */
static int change_by_key(struct sqlite_backend *be, enum stmt_id id, const char *key,
                         const char *value2, const char *what)
{
    int status = MCX_STORE_OK;
    struct sqlite_conn *conn = conn_acquire(be, &status);
    if (!conn)
        return status;
    sqlite3_stmt *stmt = stmt_get(conn, id, &status);
    if (stmt) {
        bind_text(stmt, 1, key);
        if (value2)
            bind_text(stmt, 2, value2);
        status = stmt_run(conn, stmt, what);
        if (status == MCX_STORE_OK && sqlite3_changes(conn->db) == 0)
            status = mcx_store_fail(MCX_STORE_NOT_FOUND, "%s: %s not found", what, key);
    }
    conn_release(be, conn);
    return status;
}

static int sqlite_subscriber_remove(void *backend, const char *impi)
{
    return change_by_key(backend, ST_SUB_DELETE, impi, NULL, "subscriber remove");
}

static int sqlite_server_name_set(void *backend, const char *impi, const char *server_name)
{
    return change_by_key(backend, ST_SERVER_NAME_SET, impi, server_name, "server_name");
}

/* Runs a SELECT with up to two text parameters and decodes its first row with decode. When
 * second_row_status is non-zero, a second row makes the call return that status. */
static int select_one(struct sqlite_backend *be, enum stmt_id id, const char *p1, const char *p2,
                      int (*decode)(sqlite3_stmt *, void *), void *out, int second_row_status,
                      const char *what)
{
    int status = MCX_STORE_OK;
    struct sqlite_conn *conn = conn_acquire(be, &status);
    if (!conn)
        return status;
    sqlite3_stmt *stmt = stmt_get(conn, id, &status);
    if (stmt) {
        bind_text(stmt, 1, p1);
        if (p2)
            bind_text(stmt, 2, p2);
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            status = decode(stmt, out);
            if (status == MCX_STORE_OK && second_row_status && sqlite3_step(stmt) == SQLITE_ROW)
                status =
                    mcx_store_fail(second_row_status, "%s: %s matches several entries", what, p1);
        } else if (rc == SQLITE_DONE) {
            status = mcx_store_fail(MCX_STORE_NOT_FOUND, "%s: %s not found", what, p2 ? p2 : p1);
        } else {
            status = sqlite_status(conn->db, rc, what);
        }
        sqlite3_reset(stmt);
    }
    conn_release(be, conn);
    return status;
}

static int decode_subscriber(sqlite3_stmt *stmt, void *out)
{
    return row_to_subscriber(stmt, out);
}

static int decode_binding(sqlite3_stmt *stmt, void *out)
{
    return row_to_binding(stmt, out);
}

static int decode_text(sqlite3_stmt *stmt, void *out)
{
    return column_text(stmt, 0, out, MCX_STORE_IDENTITY_MAX);
}

static int decode_nothing(sqlite3_stmt *stmt, void *out)
{
    (void)stmt;
    (void)out;
    return MCX_STORE_OK;
}

static int sqlite_subscriber_get_by_impi(void *backend, const char *impi,
                                         struct mcx_subscriber *out)
{
    return select_one(backend, ST_SUB_BY_IMPI, impi, NULL, decode_subscriber, out, 0,
                      "subscriber impi");
}

static int sqlite_subscriber_get_by_impu(void *backend, const char *impu,
                                         struct mcx_subscriber *out)
{
    return select_one(backend, ST_SUB_BY_IMPU, impu, NULL, decode_subscriber, out, 0,
                      "subscriber impu");
}

static int sqlite_identity_check(void *backend, const char *impi, const char *impu)
{
    char owner[MCX_STORE_IDENTITY_MAX];
    int status = select_one(backend, ST_IMPU_OWNER, impu, NULL, decode_text, owner, 0, "impu");
    if (status != MCX_STORE_OK)
        return status;
    if (strcmp(owner, impi) == 0)
        return MCX_STORE_OK;
    status = select_one(backend, ST_SUB_EXISTS, impi, NULL, decode_nothing, NULL, 0, "impi");
    if (status != MCX_STORE_OK)
        return status;
    return mcx_store_fail(MCX_STORE_MISMATCH, "impu %s does not belong to impi %s", impu, impi);
}

/* Shared body of the two list calls: rows of id decoded into a caller-sized item. */
static int list_rows(struct sqlite_backend *be, enum stmt_id id, const char *after, size_t limit,
                     int (*decode)(sqlite3_stmt *, void *), void *item,
                     int (*cb)(void *, const void *), void *ctx)
{
    int status = MCX_STORE_OK;
    struct sqlite_conn *conn = conn_acquire(be, &status);
    if (!conn)
        return status;
    sqlite3_stmt *stmt = stmt_get(conn, id, &status);
    if (stmt) {
        bind_text(stmt, 1, after);
        sqlite3_bind_int64(stmt, 2, limit ? (sqlite3_int64)limit : -1);
        int rc;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            if ((status = decode(stmt, item)) != MCX_STORE_OK)
                break;
            if (cb(ctx, item) != 0)
                break;
        }
        if (status == MCX_STORE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
            status = sqlite_status(conn->db, rc, "list");
        sqlite3_reset(stmt);
    }
    conn_release(be, conn);
    return status;
}

struct list_adapter {
    mcx_subscriber_cb sub_cb;
    mcx_binding_cb binding_cb;
    void *ctx;
};

static int call_subscriber_cb(void *ctx, const void *item)
{
    struct list_adapter *a = ctx;
    return a->sub_cb(a->ctx, item);
}

static int call_binding_cb(void *ctx, const void *item)
{
    struct list_adapter *a = ctx;
    return a->binding_cb(a->ctx, item);
}

static int sqlite_subscriber_list(void *backend, const char *after_impi, size_t limit,
                                  mcx_subscriber_cb cb, void *ctx)
{
    struct mcx_subscriber *sub = malloc(sizeof *sub);
    if (!sub)
        return mcx_store_fail(MCX_STORE_ERROR, "out of memory");
    struct list_adapter adapter = {.sub_cb = cb, .ctx = ctx};
    int status = list_rows(backend, ST_SUB_LIST, after_impi, limit, decode_subscriber, sub,
                           call_subscriber_cb, &adapter);
    free(sub);
    return status;
}

static int sqlite_binding_list(void *backend, const char *after, size_t limit, mcx_binding_cb cb,
                               void *ctx)
{
    struct mcx_binding *b = malloc(sizeof *b);
    if (!b)
        return mcx_store_fail(MCX_STORE_ERROR, "out of memory");
    struct list_adapter adapter = {.binding_cb = cb, .ctx = ctx};
    int status = list_rows(backend, ST_BIND_LIST, after, limit, decode_binding, b, call_binding_cb,
                           &adapter);
    free(b);
    return status;
}

/* Ends an import's transaction: the rows before a failure stay (documented), so it commits
 * either way. Returns the import's status (its reason kept), or the COMMIT's failure, after
 * which nothing was imported (*imported set to 0). */
static int commit_imported(struct sqlite_conn *conn, int status, size_t *imported)
{
    char reason[256];
    snprintf(reason, sizeof reason, "%s", mcx_store_last_error());
    int commit = exec_simple(conn, ST_COMMIT);
    if (commit != MCX_STORE_OK) {
        *imported = 0;
        return undo_after(conn, commit, ST_ROLLBACK, ST_COUNT);
    }
    return status == MCX_STORE_OK ? MCX_STORE_OK : mcx_store_fail(status, "%s", reason);
}

/* The source and row inserter of one import, over subscribers or bindings alike. */
struct import_rows {
    mcx_subscriber_source sub_source;
    mcx_binding_source binding_source;
    void *ctx;
    int (*next)(const struct import_rows *rows, void *item);
    int (*insert)(struct sqlite_conn *conn, const void *item);
};

/* Runs an import in one transaction: reads each item (item_size bytes) from rows and inserts
 * it, stopping at the first failure; *imported counts the rows inserted. */
static int import_rows(struct sqlite_backend *be, const struct import_rows *rows, size_t item_size,
                       size_t *imported)
{
    int status = MCX_STORE_OK;
    *imported = 0;
    void *item = malloc(item_size);
    if (!item)
        return mcx_store_fail(MCX_STORE_ERROR, "out of memory");
    struct sqlite_conn *conn = transaction_begin(be, &status);
    if (!conn) {
        free(item);
        return status;
    }
    for (;;) {
        int more = rows->next(rows, item);
        if (more <= 0) {
            status = more;
            break;
        }
        if ((status = rows->insert(conn, item)) != MCX_STORE_OK)
            break;
        (*imported)++;
    }
    status = commit_imported(conn, status, imported);
    conn_release(be, conn);
    free(item);
    return status;
}

static int next_subscriber(const struct import_rows *rows, void *item)
{
    return mcx_store_import_next(rows->sub_source, rows->ctx, item);
}

static int insert_subscriber_item(struct sqlite_conn *conn, const void *item)
{
    return insert_subscriber(conn, item);
}

static int sqlite_subscriber_import(void *backend, mcx_subscriber_source source, void *ctx,
                                    size_t *imported)
{
    struct import_rows rows = {.sub_source = source,
                               .ctx = ctx,
                               .next = next_subscriber,
                               .insert = insert_subscriber_item};
    return import_rows(backend, &rows, sizeof(struct mcx_subscriber), imported);
}

/* Whether the subscriber exists: NOT_FOUND, or fallback when it does. */
static int missing_or(struct sqlite_backend *be, const char *impi, int fallback, const char *reason)
{
    int status = select_one(be, ST_SUB_EXISTS, impi, NULL, decode_nothing, NULL, 0, "impi");
    if (status != MCX_STORE_OK)
        return status;
    return mcx_store_fail(fallback, "%s (impi %s)", reason, impi);
}

static int sqlite_sqn_advance(void *backend, const char *impi, int64_t delta, int64_t *new_sqn)
{
    struct sqlite_backend *be = backend;
    int status = MCX_STORE_OK;
    bool advanced = false;
    struct sqlite_conn *conn = conn_acquire(be, &status);
    if (!conn)
        return status;
    sqlite3_stmt *stmt = stmt_get(conn, ST_SQN_ADVANCE, &status);
    if (stmt) {
        bind_text(stmt, 1, impi);
        sqlite3_bind_int64(stmt, 2, delta);
        sqlite3_bind_int64(stmt, 3, MCX_STORE_SQN_MAX - delta);
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            *new_sqn = sqlite3_column_int64(stmt, 0);
            advanced = true;
            rc = sqlite3_step(stmt);
        }
        if (rc != SQLITE_DONE)
            status = sqlite_status(conn->db, rc, "sqn advance");
        sqlite3_reset(stmt);
    }
    conn_release(be, conn);
    if (status == MCX_STORE_OK && !advanced)
        status = missing_or(be, impi, MCX_STORE_SQN_EXHAUSTED, "SQN would pass 2^48-1");
    return status;
}

static int sqlite_sqn_set(void *backend, const char *impi, int64_t sqn)
{
    struct sqlite_backend *be = backend;
    int status = MCX_STORE_OK;
    struct sqlite_conn *conn = conn_acquire(be, &status);
    if (!conn)
        return status;
    sqlite3_stmt *stmt = stmt_get(conn, ST_SQN_SET, &status);
    if (stmt) {
        bind_text(stmt, 1, impi);
        sqlite3_bind_int64(stmt, 2, sqn);
        status = stmt_run(conn, stmt, "sqn set");
        if (status == MCX_STORE_OK && sqlite3_changes(conn->db) == 0)
            status = mcx_store_fail(MCX_STORE_NOT_FOUND, "no subscriber with impi %s", impi);
    }
    conn_release(be, conn);
    return status;
}

/* Inserts the rows of binding b (the caller holds a transaction). */
static int insert_binding(struct sqlite_conn *conn, const struct mcx_binding *b)
{
    int status = MCX_STORE_OK;
    sqlite3_stmt *stmt = stmt_get(conn, ST_BIND_INSERT, &status);
    if (stmt) {
        bind_text(stmt, 1, b->partner_impi);
        status = bind_list(stmt, 2, &b->partner_impu[0][0], MCX_STORE_IDENTITY_MAX,
                           b->partner_impu_count);
        bind_text(stmt, 3, b->primary_system);
        bind_text(stmt, 4, b->primary_impi);
        if (status == MCX_STORE_OK)
            status = bind_list(stmt, 5, &b->primary_impu[0][0], MCX_STORE_IDENTITY_MAX,
                               b->primary_impu_count);
        bind_text(stmt, 6, b->primary_mms);
        if (status == MCX_STORE_OK)
            status = stmt_run(conn, stmt, "binding");
        if (status == MCX_STORE_DUPLICATE)
            mcx_store_fail(status, "a binding for partner impi %s or primary impi %s in %s exists",
                           b->partner_impi, b->primary_impi, b->primary_system);
    }
    sqlite3_stmt *impu_stmt = status ? NULL : stmt_get(conn, ST_BIND_IMPU_INSERT, &status);
    for (size_t i = 0; impu_stmt && status == MCX_STORE_OK && i < b->partner_impu_count; i++) {
        bind_text(impu_stmt, 1, b->partner_impu[i]);
        bind_text(impu_stmt, 2, b->partner_impi);
        status = stmt_run(conn, impu_stmt, "binding impu");
        if (status == MCX_STORE_DUPLICATE)
            mcx_store_fail(status, "partner impu %s is already bound", b->partner_impu[i]);
    }
    return status;
}

static int sqlite_binding_add(void *backend, const struct mcx_binding *b)
{
    struct sqlite_backend *be = backend;
    int status = MCX_STORE_OK;
    struct sqlite_conn *conn = transaction_begin(be, &status);
    if (!conn)
        return status;
    status = transaction_end(conn, insert_binding(conn, b));
    conn_release(be, conn);
    return status;
}

/* Inserts binding b inside a savepoint (all or nothing). */
static int insert_binding_row(struct sqlite_conn *conn, const struct mcx_binding *b)
{
    int status = exec_simple(conn, ST_SAVEPOINT);
    if (status)
        return status;
    if ((status = insert_binding(conn, b)) != MCX_STORE_OK)
        return undo_after(conn, status, ST_ROLLBACK_TO, ST_RELEASE);
    return exec_simple(conn, ST_RELEASE);
}

static int next_binding(const struct import_rows *rows, void *item)
{
    return mcx_store_binding_import_next(rows->binding_source, rows->ctx, item);
}

static int insert_binding_item(struct sqlite_conn *conn, const void *item)
{
    return insert_binding_row(conn, item);
}

static int sqlite_binding_import(void *backend, mcx_binding_source source, void *ctx,
                                 size_t *imported)
{
    struct import_rows rows = {
        .binding_source = source, .ctx = ctx, .next = next_binding, .insert = insert_binding_item};
    return import_rows(backend, &rows, sizeof(struct mcx_binding), imported);
}

static int sqlite_binding_remove(void *backend, const char *partner_impi)
{
    return change_by_key(backend, ST_BIND_DELETE, partner_impi, NULL, "binding remove");
}

static int sqlite_binding_get_by_partner_impi(void *backend, const char *impi,
                                              struct mcx_binding *out)
{
    return select_one(backend, ST_BIND_BY_PARTNER_IMPI, impi, NULL, decode_binding, out, 0,
                      "binding partner impi");
}

static int sqlite_binding_get_by_partner_impu(void *backend, const char *impu,
                                              struct mcx_binding *out)
{
    return select_one(backend, ST_BIND_BY_PARTNER_IMPU, impu, NULL, decode_binding, out, 0,
                      "binding partner impu");
}

static int sqlite_binding_get_by_primary_impi(void *backend, const char *system, const char *impi,
                                              struct mcx_binding *out)
{
    if (system)
        return select_one(backend, ST_BIND_BY_PRIMARY, system, impi, decode_binding, out, 0,
                          "binding primary impi");
    return select_one(backend, ST_BIND_BY_PRIMARY_ANY, impi, NULL, decode_binding, out,
                      MCX_STORE_AMBIGUOUS, "binding primary impi");
}

static void sqlite_close(void *backend)
{
    struct sqlite_backend *be = backend;
    if (!be)
        return;
    while (be->idle) {
        struct sqlite_conn *next = be->idle->next;
        conn_free(be->idle);
        be->idle = next;
    }
    pthread_mutex_destroy(&be->lock);
    free(be->path);
    free(be);
}

int mcx_store_sqlite_open(const char *path, void **backend, char *err, size_t err_cap)
{
    struct sqlite_backend *be = calloc(1, sizeof *be);
    if (!be || !(be->path = strdup(path))) {
        free(be);
        snprintf(err, err_cap, "out of memory");
        return MCX_STORE_ERROR;
    }
    pthread_mutex_init(&be->lock, NULL);
    int status = MCX_STORE_OK;
    struct sqlite_conn *conn = conn_open(path, &status);
    if (conn) {
        /* One writer at a time creates the schema: BEGIN IMMEDIATE takes the write lock (with
         * the busy timeout) before anything is read, so no two openers deadlock upgrading. */
        int rc = exec_retrying(conn->db, schema_sql);
        if (rc != SQLITE_OK) {
            char what[400];
            snprintf(what, sizeof what, "%s (schema)", path);
            status = sqlite_status(conn->db, rc, what);
        }
    }
    if (status != MCX_STORE_OK) {
        snprintf(err, err_cap, "%s", mcx_store_last_error());
        conn_free(conn);
        sqlite_close(be);
        return status;
    }
    conn_release(be, conn);
    MCX_DEBUG("store_open", "backend=sqlite path=%s", path);
    *backend = be;
    return MCX_STORE_OK;
}

const struct mcx_store_ops mcx_store_sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_close,
    .subscriber_add = sqlite_subscriber_add,
    .subscriber_update = sqlite_subscriber_update,
    .subscriber_remove = sqlite_subscriber_remove,
    .subscriber_get_by_impi = sqlite_subscriber_get_by_impi,
    .subscriber_get_by_impu = sqlite_subscriber_get_by_impu,
    .subscriber_list = sqlite_subscriber_list,
    .subscriber_import = sqlite_subscriber_import,
    .identity_check = sqlite_identity_check,
    .server_name_set = sqlite_server_name_set,
    .sqn_advance = sqlite_sqn_advance,
    .sqn_set = sqlite_sqn_set,
    .binding_add = sqlite_binding_add,
    .binding_remove = sqlite_binding_remove,
    .binding_get_by_partner_impi = sqlite_binding_get_by_partner_impi,
    .binding_get_by_partner_impu = sqlite_binding_get_by_partner_impu,
    .binding_get_by_primary_impi = sqlite_binding_get_by_primary_impi,
    .binding_list = sqlite_binding_list,
    .binding_import = sqlite_binding_import,
};
