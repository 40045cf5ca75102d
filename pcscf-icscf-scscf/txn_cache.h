/* Per-worker server-transaction cache: answers retransmitted requests with the response already
 * sent (or absorbs them while the first copy still waits for Diameter), without a second Cx
 * request. One owner thread; no locking. Entries live ttl_ms (64*T1 = 32 s by default). */
#ifndef CSCF_TXN_CACHE_H
#define CSCF_TXN_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "sip/sip_parse.h"

#define TXN_KEY_MAX 512

struct txn_entry;

struct txn_cache {
    struct txn_entry **buckets;
    size_t bucket_count;
    struct txn_entry *oldest, *newest; /* insertion order = expiry order */
    size_t count;
    size_t max_entries;
    uint64_t ttl_ms;
};

enum txn_state {
    TXN_NEW = 0, /* first copy: process it */
    TXN_PENDING, /* a copy is being processed: drop this one */
    TXN_DONE,    /* answered: resend *response */
};

/* Prepares an empty cache. Returns 0, or -1 on allocation failure. */
int txn_cache_init(struct txn_cache *c, size_t max_entries, uint64_t ttl_ms);

/* Frees every entry. */
void txn_cache_destroy(struct txn_cache *c);

/* Writes the transaction key of a request into key (top Via branch, sent-by, Call-ID, CSeq
 * number and method; RFC 2543 requests without a branch use From tag + Call-ID + CSeq).
 * Returns its length, or -1 when it does not fit. */
int txn_key(const struct sip_msg *msg, char *key, size_t cap);

/* Looks key up; when absent, records it as pending (if there is room) and returns TXN_NEW.
 * For TXN_DONE, *response / *response_len point at the cached bytes (valid until the next
 * call on the cache). */
enum txn_state txn_cache_begin(struct txn_cache *c, const char *key, size_t key_len,
                               uint64_t now_ms, const char **response, size_t *response_len);

/* Stores the final response of a pending key (copied). A missing key is ignored. */
void txn_cache_complete(struct txn_cache *c, const char *key, size_t key_len, const char *response,
                        size_t response_len);

/* Forgets a pending key (its request is dropped without a response). */
void txn_cache_forget(struct txn_cache *c, const char *key, size_t key_len);

/* Drops entries older than the TTL. */
void txn_cache_expire(struct txn_cache *c, uint64_t now_ms);

#endif
