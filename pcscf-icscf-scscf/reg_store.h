/* In-memory registrations of mcx-cscf, sharded by public identity (IMPU): each shard is a hash
 * table under its own mutex. A record holds the user's pending challenge, the unused vectors of
 * a multi-item MAA, the contact bindings and the associated URIs from the SAR's User-Data.
 * Secrets (XRES, CK, IK, HA1) are wiped when a record or vector is dropped. */
#ifndef CSCF_REG_STORE_H
#define CSCF_REG_STORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REG_MAX_BINDINGS 8  /* contacts per IMPU */
#define REG_MAX_VECTORS  8  /* cached vectors per user */
#define REG_NONCE_MAX    48 /* base64 of RAND||AUTN is 44 characters */

enum reg_alg {
    REG_ALG_AKAV1 = 0, /* Digest-AKAv1-MD5 */
    REG_ALG_AKAV2,     /* Digest-AKAv2-MD5 */
    REG_ALG_MD5,       /* SIP Digest */
};

/* One authentication vector from an MAA. */
struct reg_vector {
    enum reg_alg alg;
    uint8_t rand_autn[32]; /* AKA: RAND||AUTN */
    uint8_t xres[16];      /* AKA: XRES */
    uint8_t xres_len;
    uint8_t ck[16];
    uint8_t ik[16];
    char ha1[33]; /* SIP Digest: HA1 hex from the HSS */
};

/* The outstanding 401 challenge of a user: single-use, expires. */
struct reg_challenge {
    bool active;
    struct reg_vector v;
    char nonce[REG_NONCE_MAX];
    uint64_t created_ms;
    uint32_t nc_last;
};

struct reg_binding {
    char *uri;     /* Contact URI without <> */
    char *path;    /* Path header values of the REGISTER joined by ", ", or NULL */
    char *call_id; /* Call-ID of the REGISTER that made or refreshed it */
    uint32_t cseq;
    uint64_t expires_at_ms;
};

struct reg_user {
    struct reg_user *next; /* hash chain */
    char *impu;
    char *impi;
    char *realm; /* realm of our challenges */
    struct reg_challenge challenge;
    struct reg_vector *vectors; /* unused vectors, used first to last */
    uint8_t vector_count;
    uint8_t binding_count;
    bool registered;
    struct reg_binding *bindings; /* binding_count entries */
    char *associated_uris;        /* P-Associated-URI value, or NULL */
};

struct reg_shard {
    pthread_mutex_t lock;
    struct reg_user **buckets;
    size_t bucket_count;
    size_t user_count;
};

struct reg_store {
    struct reg_shard *shards;
    size_t shard_count;
};

/* Creates a store with shard_count shards (>= 1). Returns NULL on allocation failure. The
 * caller owns it (reg_store_free). */
struct reg_store *reg_store_new(size_t shard_count);

/* Frees every record and the store; NULL is fine. */
void reg_store_free(struct reg_store *store);

/* Index of the shard that holds impu. */
size_t reg_store_shard_of(const struct reg_store *store, const char *impu);

/* Locks and returns the shard that holds impu. */
struct reg_shard *reg_store_lock(struct reg_store *store, const char *impu);

/* Locks and returns shard i (for sweeps). */
struct reg_shard *reg_store_lock_index(struct reg_store *store, size_t i);

/* Unlocks a shard returned by reg_store_lock*. */
void reg_shard_unlock(struct reg_shard *shard);

/* The record of impu in a locked shard, or NULL. */
struct reg_user *reg_shard_find(struct reg_shard *shard, const char *impu);

/* Adds an empty record for impu to a locked shard (impu must not be present). Returns it, or
 * NULL on allocation failure. The shard owns it. */
struct reg_user *reg_shard_add(struct reg_shard *shard, const char *impu, const char *impi,
                               const char *realm);

/* Unlinks and frees a record of a locked shard. */
void reg_shard_remove(struct reg_shard *shard, struct reg_user *user);

/* Number of records in all shards (locks each shard in turn). */
size_t reg_store_user_count(struct reg_store *store);

/* Replaces the user's cached vectors by count copies of vecs. Returns 0, or -1 on allocation
 * failure (the cache is then empty). */
int reg_user_set_vectors(struct reg_user *user, const struct reg_vector *vecs, size_t count);

/* Takes the first cached vector into *out. Returns true, or false when none is cached. */
bool reg_user_take_vector(struct reg_user *user, struct reg_vector *out);

/* Drops every cached vector (resynchronisation). */
void reg_user_clear_vectors(struct reg_user *user);

/* Adds or refreshes the binding of uri (exact match). Returns 0, or -1 when the user already has
 * REG_MAX_BINDINGS other bindings or allocation fails (nothing changed). */
int reg_user_set_binding(struct reg_user *user, const char *uri, const char *path,
                         const char *call_id, uint32_t cseq, uint64_t expires_at_ms);

/* Removes the binding of uri if present. */
void reg_user_remove_binding(struct reg_user *user, const char *uri);

/* Removes every binding. */
void reg_user_clear_bindings(struct reg_user *user);

/* Removes bindings whose expiry is <= now_ms; returns how many were removed. */
size_t reg_user_expire_bindings(struct reg_user *user, uint64_t now_ms);

/* Replaces the associated URIs (NULL clears). Returns 0, or -1 on allocation failure. */
int reg_user_set_associated(struct reg_user *user, const char *value);

/* Overwrites secret bytes so that the compiler cannot drop the write. */
void reg_wipe(void *p, size_t n);

#endif
