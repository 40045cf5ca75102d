/* SIP transport of mcx-ue: one UDP socket or TCP connection per UE, non-blocking, with RFC 3261
 * stream framing over TCP (lib/sip sip_frame). Addresses are numeric or resolved once at start. */
#ifndef MCX_UE_TRANSPORT_H
#define MCX_UE_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define UE_HOST_MAX      64    /* numeric host text including brackets and the NUL */
#define UE_CONN_BUF_SIZE 16384 /* receive buffer per connection: one response at a time */

enum ue_transport_kind { UE_TRANSPORT_UDP = 0, UE_TRANSPORT_TCP };

struct ue_addr {
    struct sockaddr_storage ss;
    socklen_t len;
};

/* One UE's socket. */
struct ue_conn {
    int fd; /* -1 when closed */
    enum ue_transport_kind kind;
    char local_host[UE_HOST_MAX]; /* numeric, IPv6 in brackets: for Via and Contact */
    uint16_t local_port;
    char *buf;       /* UE_CONN_BUF_SIZE bytes, owned */
    size_t len;      /* bytes held in buf */
    size_t consumed; /* bytes of the message last returned, dropped on the next receive */
};

/* Parses "udp"/"tcp" (any case). Returns 0, or -1. */
int ue_transport_parse(const char *text, enum ue_transport_kind *kind);

/* Via transport token of a kind: "UDP" or "TCP" (static). */
const char *ue_transport_name(enum ue_transport_kind kind);

/* Resolves "HOST[:PORT]" or "[V6][:PORT]" (port defaults to default_port; 0 allowed only when
 * default_port is 0) into *addr. Returns 0, or -1 with err filled. */
int ue_addr_parse(const char *text, uint16_t default_port, struct ue_addr *addr, char *err,
                  size_t err_cap);

/* Port of an address (0 when none was given). */
uint16_t ue_addr_port(const struct ue_addr *addr);

/* Opens a socket of kind to server, bound to local when given (port 0 = ephemeral), connected
 * (TCP: connection established before returning), then non-blocking. Fills the local address.
 * Returns 0, or -1 with err filled (*conn is then closed). */
int ue_conn_open(struct ue_conn *conn, enum ue_transport_kind kind, const struct ue_addr *server,
                 const struct ue_addr *local, char *err, size_t err_cap);

/* Sends one message (the whole of it). Returns 0, or -1 with err filled. */
int ue_conn_send(struct ue_conn *conn, const char *msg, size_t len, char *err, size_t err_cap);

/* Receives the next complete message without blocking: returns 1 with *msg and *len pointing into
 * the connection's buffer (valid until the next call), 0 when nothing complete is available,
 * -1 with err filled when the connection failed or closed, or a stream became unframeable. */
int ue_conn_recv(struct ue_conn *conn, const char **msg, size_t *len, char *err, size_t err_cap);

/* Closes the socket and frees the buffer; safe to call twice. */
void ue_conn_close(struct ue_conn *conn);

#endif
