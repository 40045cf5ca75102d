/* Subscriber and migration-binding store: one small interface over two backends.
 *
 * mcx_store_open() picks the backend from the URI:
 *   "mongodb://..."          MongoDB through libmongoc (client pool; reconnects by itself)
 *   "sqlite:PATH" or a path  SQLite (one connection per concurrent caller, WAL, busy timeout)
 * Every function is thread-safe on one shared struct mcx_store. Two processes may share one
 * database. Data layout: DESIGN.md section 4 (Open5GS-compatible `subscribers`, plus
 * `migration_bindings`).
 *
 * SQN: the database holds the SQN of the last authentication vector issued. Issuing n vectors
 * adds n * MCX_STORE_SQN_STEP (SEQ += n, the 5 IND bits are untouched), atomically in the
 * database; resynchronisation sets it with mcx_store_sqn_set(). See aka/aka.h for the policy.
 *
 * Errors: every call returns MCX_STORE_OK (0) or a negative enum mcx_store_status; a one-line
 * description of the last failure on the calling thread is in mcx_store_last_error(). Secrets
 * (K, OP, OPc, HA1) never appear in error texts or logs. */
#ifndef MCX_STORE_H
#define MCX_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Result codes (0 or negative). */
enum mcx_store_status {
    MCX_STORE_OK = 0,
    MCX_STORE_NOT_FOUND = -1,     /* no such subscriber / binding / identity */
    MCX_STORE_DUPLICATE = -2,     /* an IMPI or IMPU (or binding key) already exists */
    MCX_STORE_INVALID = -3,       /* a value failed validation (hex, length, empty, too many) */
    MCX_STORE_MISMATCH = -4,      /* IMPI and IMPU both exist but do not belong together */
    MCX_STORE_UNAVAILABLE = -5,   /* database unreachable or timed out: retry later */
    MCX_STORE_SQN_EXHAUSTED = -6, /* advancing would pass the 48-bit SQN range */
    MCX_STORE_AMBIGUOUS = -7,     /* a lookup matched more than one binding */
    MCX_STORE_ERROR = -8,         /* any other database failure */
};

#define MCX_STORE_IDENTITY_MAX 256 /* bytes for an IMPI/IMPU/system/URL, NUL included */
#define MCX_STORE_SCHEME_MAX   48  /* bytes for a scheme name, NUL included */
#define MCX_STORE_MAX_IMPUS    16
#define MCX_STORE_MAX_SCHEMES  8
#define MCX_STORE_MAX_PARTNERS 16
#define MCX_STORE_MAX_MSISDNS  8
#define MCX_STORE_DIGITS_MAX   16               /* IMSI / MSISDN: up to 15 digits, NUL included */
#define MCX_STORE_SQN_MAX      0xffffffffffffLL /* SQN is 48 bits */
#define MCX_STORE_SQN_STEP     32 /* SQN increment per vector: SEQ += 1, IND untouched */

/* One subscriber (`subscribers` document / row). Empty strings mean "absent". */
struct mcx_subscriber {
    char imsi[MCX_STORE_DIGITS_MAX];
    char msisdn[MCX_STORE_MAX_MSISDNS][MCX_STORE_DIGITS_MAX];
    size_t msisdn_count;
    uint8_t k[16];
    bool has_op; /* exactly one of has_op / has_opc */
    uint8_t op[16];
    bool has_opc;
    uint8_t opc[16];
    uint8_t amf[2];
    int64_t sqn; /* 0 .. MCX_STORE_SQN_MAX */
    char impi[MCX_STORE_IDENTITY_MAX];
    char impu[MCX_STORE_MAX_IMPUS][MCX_STORE_IDENTITY_MAX];
    size_t impu_count; /* at least 1 */
    char schemes[MCX_STORE_MAX_SCHEMES][MCX_STORE_SCHEME_MAX];
    size_t scheme_count;
    char ha1[33]; /* SIP Digest HA1 = MD5(impi:realm:password) in hex, or "" */
    char allowed_partners[MCX_STORE_MAX_PARTNERS][MCX_STORE_IDENTITY_MAX];
    size_t partner_count;
    char server_name[MCX_STORE_IDENTITY_MAX]; /* assigned S-CSCF, "" when none */
};

/* One migration binding (`migration_bindings`, partner side). */
struct mcx_binding {
    char partner_impi[MCX_STORE_IDENTITY_MAX];
    char partner_impu[MCX_STORE_MAX_IMPUS][MCX_STORE_IDENTITY_MAX];
    size_t partner_impu_count; /* at least 1 */
    char primary_impi[MCX_STORE_IDENTITY_MAX];
    char primary_impu[MCX_STORE_MAX_IMPUS][MCX_STORE_IDENTITY_MAX];
    size_t primary_impu_count; /* at least 1 */
    char primary_system[MCX_STORE_IDENTITY_MAX];
    char primary_mms[MCX_STORE_IDENTITY_MAX]; /* URL, e.g. tcp://127.0.10.1:7300 */
};

struct mcx_store;

/* Called once per listed item; return 0 to go on, non-zero to stop the listing. */
typedef int (*mcx_subscriber_cb)(void *ctx, const struct mcx_subscriber *sub);
typedef int (*mcx_binding_cb)(void *ctx, const struct mcx_binding *binding);
/* Import source: fills *sub and returns 1, returns 0 at the end, or a negative status to abort
 * (its mcx_store_status is returned by the import). */
typedef int (*mcx_subscriber_source)(void *ctx, struct mcx_subscriber *sub);
/* The same for bindings. */
typedef int (*mcx_binding_source)(void *ctx, struct mcx_binding *binding);

/* Opens the store named by uri and creates tables/indexes when missing. On failure returns a
 * status and writes a one-line reason into err (err_cap bytes). The caller owns *out and frees it
 * with mcx_store_close(). A MongoDB server that is down at open is not an error: calls return
 * MCX_STORE_UNAVAILABLE until it comes up (indexes are created on the first successful call). */
int mcx_store_open(const char *uri, struct mcx_store **out, char *err, size_t err_cap);

/* Closes the store and frees it (NULL is allowed). No call may be in progress. */
void mcx_store_close(struct mcx_store *store);

/* "sqlite" or "mongodb" (static string). */
const char *mcx_store_backend(const struct mcx_store *store);

/* Static name of a status, e.g. "not_found". */
const char *mcx_store_status_name(int status);

/* One-line description of the last failure on the calling thread (thread-local, never NULL). */
const char *mcx_store_last_error(void);

/* Checks every field of sub (hex lengths were decoded already: identities non-empty and
 * printable, counts within bounds, exactly one of OP/OPc, SQN in range). Returns MCX_STORE_OK or
 * MCX_STORE_INVALID with the reason in mcx_store_last_error(). */
int mcx_subscriber_validate(const struct mcx_subscriber *sub);

/* Same for a binding. */
int mcx_binding_validate(const struct mcx_binding *binding);

/* Adds a new subscriber (validated first). MCX_STORE_DUPLICATE when its IMPI or any IMPU exists. */
int mcx_store_subscriber_add(struct mcx_store *store, const struct mcx_subscriber *sub);

/* Replaces the subscriber with sub->impi: everything except sqn and server_name, which only
 * mcx_store_sqn_* and mcx_store_server_name_set change. MCX_STORE_NOT_FOUND when absent. */
int mcx_store_subscriber_update(struct mcx_store *store, const struct mcx_subscriber *sub);

/* Removes the subscriber with this IMPI (and its IMPUs). MCX_STORE_NOT_FOUND when absent. */
int mcx_store_subscriber_remove(struct mcx_store *store, const char *impi);

/* Fills *out (caller-owned) with the subscriber with this IMPI. */
int mcx_store_subscriber_get_by_impi(struct mcx_store *store, const char *impi,
                                     struct mcx_subscriber *out);

/* Fills *out (caller-owned) with the subscriber owning this IMPU. */
int mcx_store_subscriber_get_by_impu(struct mcx_store *store, const char *impu,
                                     struct mcx_subscriber *out);

/* Calls cb for subscribers in IMPI order, starting after after_impi (NULL or "": from the
 * start), at most limit of them (0: no limit). The subscriber passed to cb is valid only during
 * the call. Returns MCX_STORE_OK also when cb stopped the listing. */
int mcx_store_subscriber_list(struct mcx_store *store, const char *after_impi, size_t limit,
                              mcx_subscriber_cb cb, void *ctx);

/* Inserts every subscriber the source yields, in batches inside transactions (SQLite: one
 * transaction; MongoDB: ordered bulk inserts of 1000). Stops at the first failure; rows before it
 * stay. *imported (may be NULL) receives the number inserted; on a failure, the row that failed
 * is the source's row number *imported (counted from 0). */
int mcx_store_subscriber_import(struct mcx_store *store, mcx_subscriber_source source, void *ctx,
                                size_t *imported);

/* Whether impu belongs to impi: MCX_STORE_OK, MCX_STORE_NOT_FOUND when either is unknown,
 * MCX_STORE_MISMATCH when both exist but are not associated (Cx 5002). */
int mcx_store_identity_check(struct mcx_store *store, const char *impi, const char *impu);

/* Stores the assigned S-CSCF name; NULL or "" clears it. */
int mcx_store_server_name_set(struct mcx_store *store, const char *impi, const char *server_name);

/* Clears the assigned S-CSCF name (same as mcx_store_server_name_set(store, impi, NULL)). */
int mcx_store_server_name_clear(struct mcx_store *store, const char *impi);

/* Atomically adds count * MCX_STORE_SQN_STEP to the subscriber's SQN in the database and writes
 * the new value into *new_sqn. count 1..1024. MCX_STORE_SQN_EXHAUSTED when it would pass 2^48-1
 * (nothing changed). Two processes never receive the same value. */
int mcx_store_sqn_advance(struct mcx_store *store, const char *impi, unsigned count,
                          int64_t *new_sqn);

/* Atomically sets the SQN (resynchronisation), 0 .. MCX_STORE_SQN_MAX. */
int mcx_store_sqn_set(struct mcx_store *store, const char *impi, int64_t sqn);

/* Adds a binding (validated first). MCX_STORE_DUPLICATE when the partner IMPI, a partner IMPU
 * or (primary system, primary IMPI) is already bound. */
int mcx_store_binding_add(struct mcx_store *store, const struct mcx_binding *binding);

/* Removes the binding of this partner IMPI. */
int mcx_store_binding_remove(struct mcx_store *store, const char *partner_impi);

/* Fills *out with the binding of this partner IMPI. */
int mcx_store_binding_get_by_partner_impi(struct mcx_store *store, const char *partner_impi,
                                          struct mcx_binding *out);

/* Fills *out with the binding holding this partner IMPU. */
int mcx_store_binding_get_by_partner_impu(struct mcx_store *store, const char *partner_impu,
                                          struct mcx_binding *out);

/* Fills *out with the binding of this primary IMPI in primary_system (NULL: any system;
 * MCX_STORE_AMBIGUOUS when several systems have it). */
int mcx_store_binding_get_by_primary_impi(struct mcx_store *store, const char *primary_system,
                                          const char *primary_impi, struct mcx_binding *out);

/* Inserts every binding the source yields, validated, as mcx_store_subscriber_import does
 * (SQLite: one transaction; MongoDB: ordered bulk inserts of 1000). Stops at the first invalid
 * or duplicate row (MCX_STORE_DUPLICATE: the key of binding_add, also within the source); rows
 * before it stay. *imported (may be NULL) receives the number inserted, which is also the
 * 0-based number of the row that failed. */
int mcx_store_binding_import(struct mcx_store *store, mcx_binding_source source, void *ctx,
                             size_t *imported);

/* Calls cb for every binding in partner-IMPI order (see mcx_store_subscriber_list). */
int mcx_store_binding_list(struct mcx_store *store, const char *after_partner_impi, size_t limit,
                           mcx_binding_cb cb, void *ctx);

#endif
