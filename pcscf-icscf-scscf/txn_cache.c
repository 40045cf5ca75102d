/* Per-worker server-transaction cache; see txn_cache.h. */
#include "txn_cache.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct txn_entry {
    struct txn_entry *hash_next;
    struct txn_entry *age_next;
    uint64_t expires_ms;
    char *response; /* NULL while pending */
    size_t response_len;
    size_t key_len;
    char key[]; /* key_len bytes */
};

static uint64_t hash_key(const char *k, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= 1099511628211ULL;
    }
    return h;
}

int txn_cache_init(struct txn_cache *c, size_t max_entries, uint64_t ttl_ms)
{
    memset(c, 0, sizeof *c);
    c->bucket_count = 16;
    while (c->bucket_count < max_entries && c->bucket_count < (1u << 20))
        c->bucket_count *= 2;
    c->buckets = calloc(c->bucket_count, sizeof *c->buckets);
    if (!c->buckets)
        return -1;
    c->max_entries = max_entries;
    c->ttl_ms = ttl_ms;
    return 0;
}

void txn_cache_destroy(struct txn_cache *c)
{
    struct txn_entry *e = c->oldest;
    while (e) {
        struct txn_entry *next = e->age_next;
        free(e->response);
        free(e);
        e = next;
    }
    free(c->buckets);
    memset(c, 0, sizeof *c);
}

int txn_key(const struct sip_msg *msg, char *key, size_t cap)
{
    int n;
    if (msg->branch.len > 7 && strncmp(msg->branch.p, "z9hG4bK", 7) == 0) {
        struct sip_via via;
        int h = sip_header_find(msg, SIP_HDR_VIA, 0);
        size_t pos = 0;
        struct sip_slice item = {NULL, 0};
        if (h < 0 || sip_list_next(msg->headers[h].value, &pos, &item) != 1 ||
            sip_via_parse(item, &via) != 0)
            return -1;
        n = snprintf(key, cap, "%.*s|%.*s:%u|%.*s|%u|%.*s", (int)msg->branch.len, msg->branch.p,
                     (int)via.host.len, via.host.p, (unsigned)via.port, (int)msg->call_id.len,
                     msg->call_id.p, (unsigned)msg->cseq, (int)msg->cseq_method.len,
                     msg->cseq_method.p);
    } else {
        n = snprintf(key, cap, "2543|%.*s|%.*s|%u|%.*s", (int)msg->from_tag.len, msg->from_tag.p,
                     (int)msg->call_id.len, msg->call_id.p, (unsigned)msg->cseq,
                     (int)msg->cseq_method.len, msg->cseq_method.p);
    }
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

static struct txn_entry **find_slot(struct txn_cache *c, const char *key, size_t key_len)
{
    struct txn_entry **pp = &c->buckets[hash_key(key, key_len) & (c->bucket_count - 1)];
    while (*pp && !((*pp)->key_len == key_len && memcmp((*pp)->key, key, key_len) == 0))
        pp = &(*pp)->hash_next;
    return pp;
}

enum txn_state txn_cache_begin(struct txn_cache *c, const char *key, size_t key_len,
                               uint64_t now_ms, const char **response, size_t *response_len)
{
    txn_cache_expire(c, now_ms);
    struct txn_entry **pp = find_slot(c, key, key_len);
    if (*pp) {
        if (!(*pp)->response)
            return TXN_PENDING;
        *response = (*pp)->response;
        *response_len = (*pp)->response_len;
        return TXN_DONE;
    }
    if (c->count >= c->max_entries)
        return TXN_NEW;
    struct txn_entry *e = calloc(1, sizeof *e + key_len);
    if (!e)
        return TXN_NEW;
    memcpy(e->key, key, key_len);
    e->key_len = key_len;
    e->expires_ms = now_ms + c->ttl_ms;
    *pp = e;
    if (c->newest)
        c->newest->age_next = e;
    else
        c->oldest = e;
    c->newest = e;
    c->count++;
    return TXN_NEW;
}

void txn_cache_complete(struct txn_cache *c, const char *key, size_t key_len, const char *response,
                        size_t response_len)
{
    struct txn_entry *e = *find_slot(c, key, key_len);
    if (!e || e->response)
        return;
    e->response = malloc(response_len ? response_len : 1);
    if (!e->response)
        return;
    memcpy(e->response, response, response_len);
    e->response_len = response_len;
}

void txn_cache_forget(struct txn_cache *c, const char *key, size_t key_len)
{
    /* Unlinked from the hash only; the entry is freed when its age comes. */
    struct txn_entry **pp = find_slot(c, key, key_len);
    if (*pp && !(*pp)->response)
        *pp = (*pp)->hash_next;
}

void txn_cache_expire(struct txn_cache *c, uint64_t now_ms)
{
    while (c->oldest && c->oldest->expires_ms <= now_ms) {
        struct txn_entry *e = c->oldest;
        struct txn_entry **pp = find_slot(c, e->key, e->key_len);
        if (*pp == e)
            *pp = e->hash_next;
        c->oldest = e->age_next;
        if (!c->oldest)
            c->newest = NULL;
        free(e->response);
        free(e);
        c->count--;
    }
}
