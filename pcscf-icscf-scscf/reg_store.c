/* Sharded in-memory registrations; see reg_store.h. */
#include "reg_store.h"

#include <stdlib.h>
#include <string.h>

#define INITIAL_BUCKETS 64

void reg_wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

struct reg_store *reg_store_new(size_t shard_count)
{
    if (shard_count == 0)
        return NULL;
    struct reg_store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->shards = calloc(shard_count, sizeof *s->shards);
    if (!s->shards) {
        free(s);
        return NULL;
    }
    s->shard_count = shard_count;
    for (size_t i = 0; i < shard_count; i++)
        pthread_mutex_init(&s->shards[i].lock, NULL);
    return s;
}

static void free_user(struct reg_user *u)
{
    reg_user_clear_bindings(u);
    reg_user_clear_vectors(u);
    reg_wipe(&u->challenge, sizeof u->challenge);
    free(u->bindings);
    free(u->associated_uris);
    free(u->impu);
    free(u->impi);
    free(u->realm);
    free(u);
}

void reg_store_free(struct reg_store *store)
{
    if (!store)
        return;
    for (size_t i = 0; i < store->shard_count; i++) {
        struct reg_shard *sh = &store->shards[i];
        for (size_t b = 0; b < sh->bucket_count; b++) {
            struct reg_user *u = sh->buckets[b];
            while (u) {
                struct reg_user *next = u->next;
                free_user(u);
                u = next;
            }
        }
        free(sh->buckets);
        pthread_mutex_destroy(&sh->lock);
    }
    free(store->shards);
    free(store);
}

size_t reg_store_shard_of(const struct reg_store *store, const char *impu)
{
    return (size_t)(hash_str(impu) % store->shard_count);
}

struct reg_shard *reg_store_lock(struct reg_store *store, const char *impu)
{
    return reg_store_lock_index(store, reg_store_shard_of(store, impu));
}

struct reg_shard *reg_store_lock_index(struct reg_store *store, size_t i)
{
    struct reg_shard *sh = &store->shards[i];
    pthread_mutex_lock(&sh->lock);
    return sh;
}

void reg_shard_unlock(struct reg_shard *shard)
{
    pthread_mutex_unlock(&shard->lock);
}

/* The bucket index inside a shard (upper hash bits; the low ones chose the shard). */
static size_t bucket_of(const struct reg_shard *sh, const char *impu)
{
    return (size_t)((hash_str(impu) >> 16) % sh->bucket_count);
}

struct reg_user *reg_shard_find(struct reg_shard *sh, const char *impu)
{
    if (sh->bucket_count == 0)
        return NULL;
    for (struct reg_user *u = sh->buckets[bucket_of(sh, impu)]; u; u = u->next)
        if (strcmp(u->impu, impu) == 0)
            return u;
    return NULL;
}

static int grow(struct reg_shard *sh)
{
    size_t n = sh->bucket_count ? sh->bucket_count * 2 : INITIAL_BUCKETS;
    struct reg_user **nb = calloc(n, sizeof *nb);
    if (!nb)
        return -1;
    size_t old_n = sh->bucket_count;
    struct reg_user **old = sh->buckets;
    sh->buckets = nb;
    sh->bucket_count = n;
    for (size_t b = 0; b < old_n; b++) {
        struct reg_user *u = old[b];
        while (u) {
            struct reg_user *next = u->next;
            size_t i = bucket_of(sh, u->impu);
            u->next = nb[i];
            nb[i] = u;
            u = next;
        }
    }
    free(old);
    return 0;
}

struct reg_user *reg_shard_add(struct reg_shard *sh, const char *impu, const char *impi,
                               const char *realm)
{
    if ((sh->bucket_count == 0 || sh->user_count >= sh->bucket_count * 2) && grow(sh) != 0 &&
        sh->bucket_count == 0)
        return NULL;
    struct reg_user *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->impu = strdup(impu);
    u->impi = strdup(impi);
    u->realm = strdup(realm);
    if (!u->impu || !u->impi || !u->realm) {
        free_user(u);
        return NULL;
    }
    size_t i = bucket_of(sh, impu);
    u->next = sh->buckets[i];
    sh->buckets[i] = u;
    sh->user_count++;
    return u;
}

void reg_shard_remove(struct reg_shard *sh, struct reg_user *user)
{
    struct reg_user **pp = &sh->buckets[bucket_of(sh, user->impu)];
    while (*pp && *pp != user)
        pp = &(*pp)->next;
    if (*pp) {
        *pp = user->next;
        sh->user_count--;
    }
    free_user(user);
}

size_t reg_store_user_count(struct reg_store *store)
{
    size_t n = 0;
    for (size_t i = 0; i < store->shard_count; i++) {
        struct reg_shard *sh = reg_store_lock_index(store, i);
        n += sh->user_count;
        reg_shard_unlock(sh);
    }
    return n;
}

int reg_user_set_vectors(struct reg_user *u, const struct reg_vector *vecs, size_t count)
{
    reg_user_clear_vectors(u);
    if (count == 0)
        return 0;
    if (count > REG_MAX_VECTORS)
        count = REG_MAX_VECTORS;
    u->vectors = malloc(count * sizeof *u->vectors);
    if (!u->vectors)
        return -1;
    memcpy(u->vectors, vecs, count * sizeof *vecs);
    u->vector_count = (uint8_t)count;
    return 0;
}

bool reg_user_take_vector(struct reg_user *u, struct reg_vector *out)
{
    if (u->vector_count == 0)
        return false;
    *out = u->vectors[0];
    memmove(&u->vectors[0], &u->vectors[1], (u->vector_count - 1u) * sizeof *u->vectors);
    u->vector_count--;
    reg_wipe(&u->vectors[u->vector_count], sizeof *u->vectors);
    if (u->vector_count == 0) {
        free(u->vectors);
        u->vectors = NULL;
    }
    return true;
}

void reg_user_clear_vectors(struct reg_user *u)
{
    if (u->vectors) {
        reg_wipe(u->vectors, u->vector_count * sizeof *u->vectors);
        free(u->vectors);
    }
    u->vectors = NULL;
    u->vector_count = 0;
}

static void free_binding(struct reg_binding *b)
{
    free(b->uri);
    free(b->path);
    free(b->call_id);
    memset(b, 0, sizeof *b);
}

int reg_user_set_binding(struct reg_user *u, const char *uri, const char *path, const char *call_id,
                         uint32_t cseq, uint64_t expires_at_ms)
{
    struct reg_binding nb = {0};
    nb.uri = strdup(uri);
    nb.path = path ? strdup(path) : NULL;
    nb.call_id = strdup(call_id);
    nb.cseq = cseq;
    nb.expires_at_ms = expires_at_ms;
    if (!nb.uri || !nb.call_id || (path && !nb.path)) {
        free_binding(&nb);
        return -1;
    }
    for (size_t i = 0; i < u->binding_count; i++) {
        if (strcmp(u->bindings[i].uri, uri) == 0) {
            free_binding(&u->bindings[i]);
            u->bindings[i] = nb;
            return 0;
        }
    }
    if (u->binding_count >= REG_MAX_BINDINGS) {
        free_binding(&nb);
        return -1;
    }
    struct reg_binding *grown = realloc(u->bindings, (u->binding_count + 1u) * sizeof nb);
    if (!grown) {
        free_binding(&nb);
        return -1;
    }
    u->bindings = grown;
    u->bindings[u->binding_count++] = nb;
    return 0;
}

static void remove_binding_at(struct reg_user *u, size_t i)
{
    free_binding(&u->bindings[i]);
    memmove(&u->bindings[i], &u->bindings[i + 1], (u->binding_count - i - 1) * sizeof *u->bindings);
    u->binding_count--;
    if (u->binding_count == 0) {
        free(u->bindings);
        u->bindings = NULL;
    }
}

void reg_user_remove_binding(struct reg_user *u, const char *uri)
{
    for (size_t i = 0; i < u->binding_count; i++) {
        if (strcmp(u->bindings[i].uri, uri) == 0) {
            remove_binding_at(u, i);
            return;
        }
    }
}

void reg_user_clear_bindings(struct reg_user *u)
{
    while (u->binding_count)
        remove_binding_at(u, u->binding_count - 1u);
}

size_t reg_user_expire_bindings(struct reg_user *u, uint64_t now_ms)
{
    size_t removed = 0;
    for (size_t i = u->binding_count; i-- > 0;) {
        if (u->bindings[i].expires_at_ms <= now_ms) {
            remove_binding_at(u, i);
            removed++;
        }
    }
    return removed;
}

int reg_user_set_associated(struct reg_user *u, const char *value)
{
    char *copy = NULL;
    if (value && !(copy = strdup(value)))
        return -1;
    free(u->associated_uris);
    u->associated_uris = copy;
    return 0;
}
