/* Worker threads, epoll loops, UDP and TCP sockets; see transport.h. */
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "sip/sip_parse.h"

#define UDP_BUF        65536
#define TCP_READ_CHUNK 16384
#define TCP_OUT_MAX    (1024 * 1024)
#define MAX_EVENTS     64

/* epoll tags: the top byte says what the event is about. */
enum ev_kind { EV_UDP = 1, EV_LISTEN, EV_QUEUE, EV_TIMER, EV_CONN };
#define EV_TAG(kind, low) (((uint64_t)(kind) << 56) | (uint64_t)(low))
#define EV_KIND(tag)      ((enum ev_kind)((tag) >> 56))
#define EV_LOW(tag)       ((tag) & ((1ULL << 56) - 1))

struct conn {
    int fd;
    uint64_t id; /* generation << 24 | fd */
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char *in;
    size_t in_len, in_cap;
    size_t frame_need;  /* size of the message at the buffer start once its headers are in */
    size_t hdr_scanned; /* bytes at the buffer start known to hold no end of headers */
    char *out;
    size_t out_len, out_cap;
    bool want_write;
    uint64_t last_ms; /* last time bytes arrived */
};

struct worker {
    struct cscf_server *server;
    unsigned index;
    pthread_t thread;
    bool started;
    int epfd, udp_fd, listen_fd, queue_fd, timer_fd;
    struct reg_worker reg;
    /* hand-back queue (Diameter threads -> this loop) */
    pthread_mutex_t queue_lock;
    struct reg_txn *queue_head, *queue_tail;
    /* TCP connections indexed by fd */
    struct conn **conns;
    size_t conn_slots;
    size_t conn_count;
    uint32_t generation;
    char *udp_buf;
};

struct cscf_server {
    struct cscf_transport_config cfg;
    struct registrar *reg;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    unsigned worker_count;
    struct worker *workers;
    atomic_bool stopping;
    uint64_t drain_deadline;
};

uint64_t cscf_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- sockets ---- */

static int parse_address(const char *text, uint16_t port, struct sockaddr_storage *ss,
                         socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, text, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(port);
        *len = sizeof *in4;
        return 0;
    }
    if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        *len = sizeof *in6;
        return 0;
    }
    return -1;
}

static void addr_text(const struct sockaddr_storage *ss, char *out, size_t cap, uint16_t *port)
{
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, out, (socklen_t)cap);
        *port = ntohs(a->sin6_port);
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, out, (socklen_t)cap);
        *port = ntohs(a->sin_port);
    }
}

/* A non-blocking SO_REUSEPORT socket bound to the server address. */
static int bound_socket(const struct cscf_server *s, int type, char *err, size_t cap)
{
    int fd = socket(s->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, cap, "socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        snprintf(err, cap, "SO_REUSEPORT: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (s->addr.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (type == SOCK_DGRAM) {
        int size = 4 * 1024 * 1024;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    if (bind(fd, (const struct sockaddr *)&s->addr, s->addr_len) != 0) {
        snprintf(err, cap, "bind %s:%u (%s): %s", s->cfg.address, (unsigned)s->cfg.port,
                 type == SOCK_DGRAM ? "udp" : "tcp", strerror(errno));
        close(fd);
        return -1;
    }
    if (type == SOCK_STREAM && listen(fd, 1024) != 0) {
        snprintf(err, cap, "listen: %s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int ep_add(int epfd, int fd, uint32_t events, uint64_t tag)
{
    struct epoll_event ev = {.events = events, .data.u64 = tag};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* ---- TCP connections ---- */

static struct conn *conn_by_id(struct worker *w, uint64_t id)
{
    size_t fd = (size_t)(id & 0xffffff);
    if (fd >= w->conn_slots || !w->conns[fd] || w->conns[fd]->id != id)
        return NULL;
    return w->conns[fd];
}

static void conn_close(struct worker *w, struct conn *c, const char *why)
{
    MCX_DEBUG("tcp_close", "worker=%u fd=%d reason=%s", w->index, c->fd, why);
    epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    w->conns[c->fd] = NULL;
    w->conn_count--;
    free(c->in);
    free(c->out);
    free(c);
}

static void conn_update_events(struct worker *w, struct conn *c, bool want_write)
{
    if (c->want_write == want_write)
        return;
    c->want_write = want_write;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | (want_write ? EPOLLOUT : 0u),
                             .data.u64 = EV_TAG(EV_CONN, c->id)};
    epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes what is queued; returns -1 when the connection failed. */
static int conn_flush(struct worker *w, struct conn *c)
{
    while (c->out_len) {
        ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                conn_update_events(w, c, true);
                return 0;
            }
            if (errno == EINTR)
                continue;
            return -1;
        }
        memmove(c->out, c->out + n, c->out_len - (size_t)n);
        c->out_len -= (size_t)n;
    }
    conn_update_events(w, c, false);
    return 0;
}

static void conn_send(struct worker *w, struct conn *c, const char *buf, size_t len)
{
    if (c->out_len + len > TCP_OUT_MAX) {
        conn_close(w, c, "output_overflow");
        return;
    }
    if (c->out_len + len > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 4096;
        while (cap < c->out_len + len)
            cap *= 2;
        char *grown = realloc(c->out, cap);
        if (!grown) {
            conn_close(w, c, "out_of_memory");
            return;
        }
        c->out = grown;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, buf, len);
    c->out_len += len;
    if (conn_flush(w, c) != 0)
        conn_close(w, c, "write_error");
}

static void accept_all(struct worker *w)
{
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(w->listen_fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                MCX_WARN("tcp_accept_failed", "worker=%u error=\"%s\"", w->index, strerror(errno));
            return;
        }
        if (w->conn_count >= w->server->cfg.tcp_max_connections || fd > 0xffffff) {
            close(fd);
            MCX_WARN("tcp_connection_refused", "worker=%u reason=limit", w->index);
            continue;
        }
        if ((size_t)fd >= w->conn_slots) {
            size_t n = w->conn_slots ? w->conn_slots : 256;
            while (n <= (size_t)fd)
                n *= 2;
            struct conn **grown = realloc(w->conns, n * sizeof *grown);
            if (!grown) {
                close(fd);
                continue;
            }
            memset(grown + w->conn_slots, 0, (n - w->conn_slots) * sizeof *grown);
            w->conns = grown;
            w->conn_slots = n;
        }
        struct conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->fd = fd;
        c->id = ((uint64_t)++w->generation << 24) | (uint64_t)fd;
        c->addr = ss;
        c->addr_len = sl;
        c->last_ms = cscf_now_ms();
        if (ep_add(w->epfd, fd, EPOLLIN | EPOLLRDHUP, EV_TAG(EV_CONN, c->id)) != 0) {
            close(fd);
            free(c);
            continue;
        }
        w->conns[fd] = c;
        w->conn_count++;
    }
}

/* Whether p holds the end of a header section (an empty line: LF LF or LF CR LF). */
static bool has_header_end(const char *p, size_t len)
{
    return memmem(p, len, "\n\n", 2) != NULL || memmem(p, len, "\n\r\n", 3) != NULL;
}

/* Reads what is available and hands every complete message to the registrar. */
static void conn_readable(struct worker *w, struct conn *c)
{
    uint64_t id = c->id;
    for (;;) {
        if (c->in_cap - c->in_len < TCP_READ_CHUNK) {
            size_t cap = c->in_cap ? c->in_cap * 2 : 2 * TCP_READ_CHUNK;
            if (cap > 2 * SIP_MAX_MESSAGE_BYTES + 2 * TCP_READ_CHUNK) {
                conn_close(w, c, "input_overflow");
                return;
            }
            char *grown = realloc(c->in, cap);
            if (!grown) {
                conn_close(w, c, "out_of_memory");
                return;
            }
            c->in = grown;
            c->in_cap = cap;
        }
        ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
        if (n == 0) {
            conn_close(w, c, "peer_closed");
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                conn_close(w, c, "read_error");
            return;
        }
        c->in_len += (size_t)n;
        c->last_ms = cscf_now_ms();
        size_t off = 0;
        for (;;) {
            size_t avail = c->in_len - off;
            if (avail == 0)
                break;
            /* Framing work stays linear in the bytes received, however they are split: wait
             * for the whole body once its size is known, and for an end of headers before
             * parsing a header section. */
            if (c->frame_need && avail < c->frame_need)
                break;
            if (!c->frame_need && c->in[off] != '\r' && c->in[off] != '\n') {
                size_t from = c->hdr_scanned > 3 ? c->hdr_scanned - 3 : 0;
                if (!has_header_end(c->in + off + from, avail - from)) {
                    c->hdr_scanned = avail;
                    if (avail > SIP_MAX_MESSAGE_BYTES) {
                        MCX_INFO("tcp_framing_error", "worker=%u reason=\"%s\"", w->index,
                                 "Header section too large");
                        conn_close(w, c, "framing_error");
                        return;
                    }
                    break;
                }
            }
            size_t msg_len = 0;
            const char *reason = NULL;
            int rc = sip_frame(c->in + off, avail, &msg_len, &reason);
            if (rc == SIP_FRAME_NEED_MORE) {
                c->frame_need = msg_len;
                break;
            }
            if (rc < 0) {
                MCX_INFO("tcp_framing_error", "worker=%u reason=\"%s\"", w->index, reason);
                conn_close(w, c, "framing_error");
                return;
            }
            c->frame_need = 0;
            c->hdr_scanned = 0;
            if (rc == SIP_FRAME_COMPLETE) {
                struct cscf_peer from = {
                    .transport = CSCF_TCP, .conn_id = id, .addr = c->addr, .addr_len = c->addr_len};
                reg_worker_on_message(&w->reg, c->in + off, msg_len, &from, cscf_now_ms());
                if (!conn_by_id(w, id))
                    return; /* closed while answering */
            }
            off += msg_len;
        }
        /* frame_need and hdr_scanned count from the message start, which moves to 0 here */
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
    }
}

/* Closes the connections that have been silent longer than the idle limit. */
static void close_idle(struct worker *w, uint64_t now_ms)
{
    uint64_t idle = w->server->cfg.tcp_idle_ms;
    if (!idle)
        return;
    for (size_t i = 0; i < w->conn_slots && w->conn_count; i++) {
        struct conn *c = w->conns[i];
        if (c && now_ms - c->last_ms > idle)
            conn_close(w, c, "idle");
    }
}

/* ---- registrar environment ---- */

static void env_send(void *ctx, const struct cscf_peer *to, const char *buf, size_t len)
{
    struct worker *w = ctx;
    if (to->transport == CSCF_TCP) {
        struct conn *c = conn_by_id(w, to->conn_id);
        if (c)
            conn_send(w, c, buf, len);
        else
            MCX_DEBUG("tcp_response_dropped", "worker=%u reason=connection_gone", w->index);
        return;
    }
    if (sendto(w->udp_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&to->addr,
               to->addr_len) < 0) {
        char host[64];
        uint16_t port;
        addr_text(&to->addr, host, sizeof host, &port);
        MCX_WARN("udp_send_failed", "worker=%u to=%s:%u error=\"%s\"", w->index, host,
                 (unsigned)port, strerror(errno));
    }
}

static void env_post(void *ctx, struct reg_txn *txn)
{
    struct worker *w = ctx;
    *reg_txn_link(txn) = NULL;
    pthread_mutex_lock(&w->queue_lock);
    if (w->queue_tail)
        *reg_txn_link(w->queue_tail) = txn;
    else
        w->queue_head = txn;
    w->queue_tail = txn;
    pthread_mutex_unlock(&w->queue_lock);
    uint64_t one = 1;
    ssize_t n = write(w->queue_fd, &one, sizeof one);
    (void)n; /* an eventfd write only fails when the counter is saturated: still readable */
}

static void drain_queue(struct worker *w)
{
    uint64_t count;
    ssize_t n = read(w->queue_fd, &count, sizeof count);
    (void)n;
    pthread_mutex_lock(&w->queue_lock);
    struct reg_txn *t = w->queue_head;
    w->queue_head = w->queue_tail = NULL;
    pthread_mutex_unlock(&w->queue_lock);
    while (t) {
        struct reg_txn *next = *reg_txn_link(t);
        reg_worker_on_cx_done(&w->reg, t, cscf_now_ms());
        t = next;
    }
}

/* ---- the loop ---- */

static void udp_readable(struct worker *w)
{
    for (int i = 0; i < 256; i++) {
        struct cscf_peer from = {.transport = CSCF_UDP};
        from.addr_len = sizeof from.addr;
        ssize_t n = recvfrom(w->udp_fd, w->udp_buf, UDP_BUF, 0, (struct sockaddr *)&from.addr,
                             &from.addr_len);
        if (n < 0)
            return;
        if (n == 0)
            continue;
        reg_worker_on_message(&w->reg, w->udp_buf, (size_t)n, &from, cscf_now_ms());
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct cscf_server *s = w->server;
    struct epoll_event events[MAX_EVENTS];
    bool sockets_closed = false;
    for (;;) {
        if (atomic_load(&s->stopping)) {
            if (!sockets_closed) {
                /* stop taking requests; keep the queue for outstanding Cx answers */
                epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->udp_fd, NULL);
                if (w->listen_fd >= 0)
                    epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->listen_fd, NULL);
                sockets_closed = true;
            }
            if (w->reg.in_flight == 0 || cscf_now_ms() >= s->drain_deadline)
                break;
        }
        int n = epoll_wait(w->epfd, events, MAX_EVENTS, 200);
        for (int i = 0; i < n; i++) {
            uint64_t tag = events[i].data.u64;
            switch (EV_KIND(tag)) {
            case EV_UDP:
                udp_readable(w);
                break;
            case EV_LISTEN:
                accept_all(w);
                break;
            case EV_QUEUE:
                drain_queue(w);
                break;
            case EV_TIMER: {
                uint64_t ticks;
                ssize_t r = read(w->timer_fd, &ticks, sizeof ticks);
                (void)r;
                uint64_t now = cscf_now_ms();
                reg_worker_tick(&w->reg, now);
                close_idle(w, now);
                break;
            }
            case EV_CONN: {
                struct conn *c = conn_by_id(w, EV_LOW(tag));
                if (!c)
                    break;
                if (events[i].events & EPOLLOUT) {
                    if (conn_flush(w, c) != 0) {
                        conn_close(w, c, "write_error");
                        break;
                    }
                }
                if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                    conn_readable(w, c);
                break;
            }
            }
        }
    }
    drain_queue(w);
    return NULL;
}

/* ---- start / stop ---- */

static void worker_free(struct worker *w)
{
    for (size_t i = 0; i < w->conn_slots; i++)
        if (w->conns[i])
            conn_close(w, w->conns[i], "shutdown");
    free(w->conns);
    int fds[] = {w->udp_fd, w->listen_fd, w->queue_fd, w->timer_fd, w->epfd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(w->udp_buf);
    reg_worker_destroy(&w->reg);
    pthread_mutex_destroy(&w->queue_lock);
}

static int worker_setup(struct cscf_server *s, struct worker *w, unsigned index, char *err,
                        size_t cap)
{
    w->server = s;
    w->index = index;
    w->epfd = w->udp_fd = w->listen_fd = w->queue_fd = w->timer_fd = -1;
    pthread_mutex_init(&w->queue_lock, NULL);
    struct reg_worker_env env = {env_send, env_post, w};
    if (reg_worker_init(&w->reg, s->reg, &env, index, s->worker_count) != 0) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    w->udp_buf = malloc(UDP_BUF);
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    w->queue_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    w->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (!w->udp_buf || w->epfd < 0 || w->queue_fd < 0 || w->timer_fd < 0) {
        snprintf(err, cap, "worker resources: %s", strerror(errno));
        return -1;
    }
    struct itimerspec its = {.it_interval = {1, 0}, .it_value = {1, 0}};
    timerfd_settime(w->timer_fd, 0, &its, NULL);
    w->udp_fd = bound_socket(s, SOCK_DGRAM, err, cap);
    if (w->udp_fd < 0)
        return -1;
    if (s->cfg.tcp) {
        w->listen_fd = bound_socket(s, SOCK_STREAM, err, cap);
        if (w->listen_fd < 0)
            return -1;
    }
    if (ep_add(w->epfd, w->udp_fd, EPOLLIN, EV_TAG(EV_UDP, 0)) != 0 ||
        ep_add(w->epfd, w->queue_fd, EPOLLIN, EV_TAG(EV_QUEUE, 0)) != 0 ||
        ep_add(w->epfd, w->timer_fd, EPOLLIN, EV_TAG(EV_TIMER, 0)) != 0 ||
        (w->listen_fd >= 0 && ep_add(w->epfd, w->listen_fd, EPOLLIN, EV_TAG(EV_LISTEN, 0)) != 0)) {
        snprintf(err, cap, "epoll_ctl: %s", strerror(errno));
        return -1;
    }
    return 0;
}

struct cscf_server *cscf_server_start(const struct cscf_transport_config *cfg,
                                      struct registrar *reg, char *err, size_t err_cap)
{
    struct cscf_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, err_cap, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    if (s->cfg.tcp_max_connections == 0)
        s->cfg.tcp_max_connections = 4096;
    s->reg = reg;
    if (parse_address(cfg->address, cfg->port, &s->addr, &s->addr_len) != 0) {
        snprintf(err, err_cap, "not a numeric IPv4 or IPv6 address: '%s'", cfg->address);
        free(s);
        return NULL;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    s->worker_count = cfg->workers ? cfg->workers : (unsigned)(cpus > 0 ? cpus : 1);
    s->workers = calloc(s->worker_count, sizeof *s->workers);
    if (!s->workers) {
        snprintf(err, err_cap, "out of memory");
        free(s);
        return NULL;
    }
    unsigned ready = 0;
    for (; ready < s->worker_count; ready++) {
        if (worker_setup(s, &s->workers[ready], ready, err, err_cap) != 0) {
            worker_free(&s->workers[ready]);
            break;
        }
    }
    if (ready == s->worker_count) {
        for (unsigned i = 0; i < s->worker_count; i++) {
            if (pthread_create(&s->workers[i].thread, NULL, worker_main, &s->workers[i]) != 0) {
                snprintf(err, err_cap, "pthread_create failed");
                break;
            }
            s->workers[i].started = true;
        }
    }
    if (ready != s->worker_count || !s->workers[s->worker_count - 1].started) {
        atomic_store(&s->stopping, true);
        s->drain_deadline = 0;
        for (unsigned i = 0; i < ready; i++) {
            if (s->workers[i].started)
                pthread_join(s->workers[i].thread, NULL);
            worker_free(&s->workers[i]);
        }
        free(s->workers);
        free(s);
        return NULL;
    }
    MCX_INFO("sip_listening", "address=%s port=%u workers=%u tcp=%d", cfg->address,
             (unsigned)cfg->port, s->worker_count, cfg->tcp ? 1 : 0);
    return s;
}

unsigned cscf_server_workers(const struct cscf_server *s)
{
    return s->worker_count;
}

void cscf_server_stop(struct cscf_server *s, uint64_t drain_ms)
{
    if (!s)
        return;
    s->drain_deadline = cscf_now_ms() + drain_ms;
    atomic_store(&s->stopping, true);
    for (unsigned i = 0; i < s->worker_count; i++) {
        uint64_t one = 1;
        ssize_t n = write(s->workers[i].queue_fd, &one, sizeof one);
        (void)n;
    }
    for (unsigned i = 0; i < s->worker_count; i++)
        pthread_join(s->workers[i].thread, NULL);
    for (unsigned i = 0; i < s->worker_count; i++)
        worker_free(&s->workers[i]);
    free(s->workers);
    free(s);
}
