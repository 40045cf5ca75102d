/* SIP transport of mcx-cscf: worker threads, each with its own epoll loop, its own
 * SO_REUSEPORT UDP socket and TCP listener on the configured address:port (IPv4 or IPv6), its
 * TCP connections (per-connection buffers, Content-Length framing, several messages per read,
 * partial reads and writes), a one-second tick, and an eventfd + queue through which Diameter
 * threads hand finished Cx transactions back. Nothing on a loop blocks. */
#ifndef CSCF_TRANSPORT_H
#define CSCF_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registrar.h"

struct cscf_transport_config {
    char address[64]; /* numeric IPv4 or IPv6 address */
    uint16_t port;
    unsigned workers;           /* 0: one per online CPU */
    bool tcp;                   /* also listen on TCP */
    size_t tcp_max_connections; /* per worker; 0: 4096 */
    uint64_t tcp_idle_ms;       /* close a connection silent this long; 0: never */
};

struct cscf_server;

/* Binds the sockets and starts the workers on reg. Returns the server (caller owns it, see
 * cscf_server_stop), or NULL with a reason in err. */
struct cscf_server *cscf_server_start(const struct cscf_transport_config *cfg,
                                      struct registrar *reg, char *err, size_t err_cap);

/* Number of running workers. */
unsigned cscf_server_workers(const struct cscf_server *s);

/* Stops reading new requests, lets every worker finish its outstanding Cx transactions (at most
 * drain_ms), joins the workers and frees everything. */
void cscf_server_stop(struct cscf_server *s, uint64_t drain_ms);

/* Monotonic clock in milliseconds. */
uint64_t cscf_now_ms(void);

#endif
