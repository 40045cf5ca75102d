/* The registrar of mcx-cscf: the I-CSCF (UAR) and S-CSCF (MAR, SAR, IMS-AKA and MD5 digest,
 * bindings) handling of REGISTER, independent of sockets.
 *
 * Threading: one struct registrar is shared by every worker (its store is sharded and locked);
 * each worker thread owns one struct reg_worker and calls reg_worker_* only from that thread.
 * A request that needs Diameter becomes a struct reg_txn; the Cx implementation finishes it on
 * a Diameter thread with reg_txn_cx_done(), which hands it to env.post() so that the owning
 * worker continues it in reg_worker_on_cx_done(). Nothing here blocks. */
#ifndef CSCF_REGISTRAR_H
#define CSCF_REGISTRAR_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cx_iface.h"
#include "reg_store.h"
#include "route.h"
#include "txn_cache.h"

enum cscf_transport {
    CSCF_UDP = 0,
    CSCF_TCP,
};

/* Where a request came from, i.e. where its responses go. */
struct cscf_peer {
    enum cscf_transport transport;
    uint64_t conn_id; /* TCP connection of the owning worker; 0 for UDP */
    struct sockaddr_storage addr;
    socklen_t addr_len;
};

struct registrar_config {
    char server_name[MCX_CX_IDENTITY_MAX];     /* our S-CSCF SIP URI (MAR/SAR Server-Name) */
    char visited_network[MCX_CX_IDENTITY_MAX]; /* UAR Visited-Network-Identifier */
    char service_route[512];                   /* Service-Route value in the 200 OK ("" = none) */
    uint32_t min_expires;                      /* shorter non-zero expiries get 423 */
    uint32_t max_expires;                      /* longer ones are cut to this */
    uint32_t default_expires;
    uint64_t nonce_ttl_ms; /* a challenge is valid this long */
    uint32_t auth_items;   /* SIP-Number-Auth-Items asked for in a MAR (1..8) */
    uint64_t txn_ttl_ms;   /* retransmission cache lifetime */
    size_t txn_max;        /* retransmission cache entries per worker */
    bool use_uar;          /* send a UAR (I-CSCF) before the MAR */
    struct cscf_route_table routes;
};

/* Sets the defaults: expiries 60/7200/3600 s, nonce 30 s, 1 auth item, UAR on, a 32 s cache of
 * at most 65536 transactions per worker. */
void registrar_config_defaults(struct registrar_config *cfg);

/* Counters, updated atomically by every worker. */
struct registrar_stats {
    atomic_ulong challenges;      /* 401 sent */
    atomic_ulong registered;      /* 200 OK to a REGISTER with bindings */
    atomic_ulong deregistered;    /* 200 OK that removed every binding */
    atomic_ulong auth_failures;   /* 403 after a wrong response */
    atomic_ulong cx_failures;     /* 480/504 after a Cx error or timeout */
    atomic_ulong retransmissions; /* requests answered from the cache or absorbed */
    atomic_ulong bad_requests;    /* 400 */
    atomic_ulong timeouts;        /* users whose bindings all expired */
};

struct registrar {
    struct registrar_config cfg;
    struct reg_store *store;
    struct cscf_cx_ops cx;
    struct registrar_stats stats;
};

/* Prepares r with a copy of cfg and the Cx implementation. Returns 0, or -1 when the store
 * cannot be allocated. */
int registrar_init(struct registrar *r, const struct registrar_config *cfg,
                   const struct cscf_cx_ops *cx, size_t shard_count);

/* Frees the store. */
void registrar_destroy(struct registrar *r);

/* What a worker gives the registrar. */
struct reg_worker_env {
    /* Sends bytes to a peer over its transport (on the worker thread). */
    void (*send)(void *ctx, const struct cscf_peer *to, const char *buf, size_t len);
    /* Queues a finished Cx transaction for the owning worker (any thread, must not block). */
    void (*post)(void *ctx, struct reg_txn *txn);
    void *ctx;
};

struct reg_worker {
    struct registrar *reg;
    struct reg_worker_env env;
    struct txn_cache txns;
    unsigned index; /* this worker sweeps shards index, index+count, ... */
    unsigned count;
    uint64_t tag_counter;
    uint32_t tag_seed;
    size_t in_flight; /* Cx transactions not yet finished */
};

/* Prepares a worker. Returns 0, or -1 on allocation failure. */
int reg_worker_init(struct reg_worker *w, struct registrar *r, const struct reg_worker_env *env,
                    unsigned index, unsigned count);

/* Frees the worker's cache (its Cx transactions must have finished). */
void reg_worker_destroy(struct reg_worker *w);

/* Handles one received SIP message (a datagram or a framed TCP message). */
void reg_worker_on_message(struct reg_worker *w, const char *buf, size_t len,
                           const struct cscf_peer *from, uint64_t now_ms);

/* Continues a transaction whose Cx exchange finished (on the owning worker); frees it. */
void reg_worker_on_cx_done(struct reg_worker *w, struct reg_txn *txn, uint64_t now_ms);

/* Periodic work: retransmission cache expiry; expired challenges and bindings in this
 * worker's shards (SAR TIMEOUT_DEREGISTRATION for users left without bindings). */
void reg_worker_tick(struct reg_worker *w, uint64_t now_ms);

#endif
