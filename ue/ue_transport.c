/* UDP and TCP sockets of mcx-ue; see ue_transport.h. */
#include "ue_transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sip/sip_parse.h"

int ue_transport_parse(const char *text, enum ue_transport_kind *kind)
{
    if (strcasecmp(text, "udp") == 0)
        *kind = UE_TRANSPORT_UDP;
    else if (strcasecmp(text, "tcp") == 0)
        *kind = UE_TRANSPORT_TCP;
    else
        return -1;
    return 0;
}

const char *ue_transport_name(enum ue_transport_kind kind)
{
    return kind == UE_TRANSPORT_TCP ? "TCP" : "UDP";
}

int ue_addr_parse(const char *text, uint16_t default_port, struct ue_addr *addr, char *err,
                  size_t err_cap)
{
    char host[256];
    const char *port_text = NULL;
    size_t text_len = strlen(text);
    if (text_len == 0 || text_len >= sizeof host) {
        snprintf(err, err_cap, "address '%s': expected HOST[:PORT]", text);
        return -1;
    }
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || (close[1] != '\0' && close[1] != ':')) {
            snprintf(err, err_cap, "address '%s': expected [IPv6][:PORT]", text);
            return -1;
        }
        memcpy(host, text + 1, (size_t)(close - text - 1));
        host[close - text - 1] = '\0';
        port_text = close[1] == ':' ? close + 2 : NULL;
    } else {
        const char *colon = strchr(text, ':');
        if (colon && strchr(colon + 1, ':')) { /* bare IPv6, no port */
            memcpy(host, text, text_len + 1);
        } else {
            size_t host_len = colon ? (size_t)(colon - text) : text_len;
            memcpy(host, text, host_len);
            host[host_len] = '\0';
            port_text = colon ? colon + 1 : NULL;
        }
    }
    unsigned long port = default_port;
    if (port_text) {
        char *end;
        errno = 0;
        port = strtoul(port_text, &end, 10);
        if (errno || *port_text == '\0' || *end != '\0' || port > 65535 ||
            (port == 0 && default_port != 0)) {
            snprintf(err, err_cap, "address '%s': port must be 1-65535", text);
            return -1;
        }
    }
    if (host[0] == '\0') {
        snprintf(err, err_cap, "address '%s': empty host", text);
        return -1;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char service[8];
    snprintf(service, sizeof service, "%lu", port);
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(err, err_cap, "address '%s': %s", text, gai_strerror(rc));
        return -1;
    }
    memcpy(&addr->ss, res->ai_addr, res->ai_addrlen);
    addr->len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

uint16_t ue_addr_port(const struct ue_addr *addr)
{
    if (addr->ss.ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)&addr->ss)->sin6_port);
    return ntohs(((const struct sockaddr_in *)&addr->ss)->sin_port);
}

/* Writes the numeric host (IPv6 in brackets) and port of a socket address. */
static void addr_text(const struct sockaddr_storage *ss, char *host, size_t cap, uint16_t *port)
{
    char text[INET6_ADDRSTRLEN] = "?";
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
        snprintf(host, cap, "[%s]", text);
        *port = ntohs(in6->sin6_port);
    } else {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
        snprintf(host, cap, "%s", text);
        *port = ntohs(in->sin_port);
    }
}

int ue_conn_open(struct ue_conn *conn, enum ue_transport_kind kind, const struct ue_addr *server,
                 const struct ue_addr *local, char *err, size_t err_cap)
{
    memset(conn, 0, sizeof *conn);
    conn->fd = -1;
    conn->kind = kind;
    conn->buf = malloc(UE_CONN_BUF_SIZE);
    if (!conn->buf) {
        snprintf(err, err_cap, "out of memory");
        return -1;
    }
    int type = kind == UE_TRANSPORT_TCP ? SOCK_STREAM : SOCK_DGRAM;
    conn->fd = socket(server->ss.ss_family, type | SOCK_CLOEXEC, 0);
    if (conn->fd < 0) {
        snprintf(err, err_cap, "socket: %s", strerror(errno));
        goto fail;
    }
    if (local) {
        if (local->ss.ss_family != server->ss.ss_family) {
            snprintf(err, err_cap, "local and server addresses are of different families");
            goto fail;
        }
        if (bind(conn->fd, (const struct sockaddr *)&local->ss, local->len) != 0) {
            snprintf(err, err_cap, "bind: %s", strerror(errno));
            goto fail;
        }
    }
    if (connect(conn->fd, (const struct sockaddr *)&server->ss, server->len) != 0) {
        snprintf(err, err_cap, "connect: %s", strerror(errno));
        goto fail;
    }
    if (kind == UE_TRANSPORT_TCP) {
        int one = 1;
        setsockopt(conn->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    int flags = fcntl(conn->fd, F_GETFL);
    if (flags < 0 || fcntl(conn->fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        snprintf(err, err_cap, "fcntl: %s", strerror(errno));
        goto fail;
    }
    struct sockaddr_storage ss;
    socklen_t ss_len = sizeof ss;
    if (getsockname(conn->fd, (struct sockaddr *)&ss, &ss_len) != 0) {
        snprintf(err, err_cap, "getsockname: %s", strerror(errno));
        goto fail;
    }
    addr_text(&ss, conn->local_host, sizeof conn->local_host, &conn->local_port);
    return 0;
fail:
    ue_conn_close(conn);
    return -1;
}

int ue_conn_send(struct ue_conn *conn, const char *msg, size_t len, char *err, size_t err_cap)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(conn->fd, msg + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, err_cap, "send: %s", strerror(errno));
            return -1;
        }
        if (conn->kind == UE_TRANSPORT_UDP && (size_t)n != len) {
            snprintf(err, err_cap, "send: datagram truncated");
            return -1;
        }
        off += (size_t)n;
    }
    return 0;
}

/* Drops the message returned by the previous call from the front of the buffer. */
static void drop_consumed(struct ue_conn *conn)
{
    if (conn->consumed == 0)
        return;
    memmove(conn->buf, conn->buf + conn->consumed, conn->len - conn->consumed);
    conn->len -= conn->consumed;
    conn->consumed = 0;
}

/* Frames the next message from the TCP buffer: 1 message, 0 need more, -1 unusable stream. */
static int frame_stream(struct ue_conn *conn, const char **msg, size_t *len, char *err,
                        size_t err_cap)
{
    for (;;) {
        size_t msg_len = 0;
        const char *reason = NULL;
        int rc = sip_frame(conn->buf, conn->len, &msg_len, &reason);
        if (rc < 0) {
            snprintf(err, err_cap, "unframeable SIP stream: %s", reason ? reason : "bad message");
            return -1;
        }
        if (rc == SIP_FRAME_KEEPALIVE) {
            conn->consumed = msg_len;
            drop_consumed(conn);
            continue;
        }
        if (rc == SIP_FRAME_COMPLETE) {
            *msg = conn->buf;
            *len = msg_len;
            conn->consumed = msg_len;
            return 1;
        }
        if (conn->len >= UE_CONN_BUF_SIZE) {
            snprintf(err, err_cap, "SIP message larger than %d bytes", UE_CONN_BUF_SIZE);
            return -1;
        }
        return 0;
    }
}

int ue_conn_recv(struct ue_conn *conn, const char **msg, size_t *len, char *err, size_t err_cap)
{
    if (conn->fd < 0) {
        snprintf(err, err_cap, "connection closed");
        return -1;
    }
    if (conn->kind == UE_TRANSPORT_UDP) {
        conn->len = 0;
        conn->consumed = 0;
        for (;;) {
            ssize_t n = recv(conn->fd, conn->buf, UE_CONN_BUF_SIZE, MSG_TRUNC);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return 0;
            if (n < 0) { /* ICMP port unreachable and the like: report, keep the socket */
                snprintf(err, err_cap, "recv: %s", strerror(errno));
                return -1;
            }
            if ((size_t)n > UE_CONN_BUF_SIZE || n == 0)
                continue; /* truncated or empty datagram: not a message we can use */
            *msg = conn->buf;
            *len = (size_t)n;
            return 1;
        }
    }
    drop_consumed(conn);
    int framed = frame_stream(conn, msg, len, err, err_cap);
    if (framed != 0)
        return framed;
    for (;;) {
        ssize_t n = recv(conn->fd, conn->buf + conn->len, UE_CONN_BUF_SIZE - conn->len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n <= 0) {
            snprintf(err, err_cap, "%s",
                     n == 0 ? "server closed the TCP connection" : strerror(errno));
            return -1;
        }
        conn->len += (size_t)n;
        framed = frame_stream(conn, msg, len, err, err_cap);
        if (framed != 0)
            return framed;
    }
}

void ue_conn_close(struct ue_conn *conn)
{
    if (conn->fd >= 0)
        close(conn->fd);
    conn->fd = -1;
    free(conn->buf);
    conn->buf = NULL;
    conn->len = conn->consumed = 0;
}
