/* Embedded freeDiameter core lifecycle: init, start, peer wait, shutdown; see diameter.h. */
#include "cx/diameter.h"

#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "core/log.h"
#include "cx/cx_avp.h"
#include "cx/cx_dict.h"
#include "cx/diameter_internal.h"

enum core_state { CORE_NONE = 0, CORE_INITIALISED, CORE_RUNNING, CORE_STOPPING, CORE_STOPPED };

/* core_lock serialises init/start/shutdown; core_state is also read without it (from
 * freeDiameter threads, which shutdown joins while holding the lock). */
static long elapsed_ms_since(const struct timespec *start);
static void pause_ms(long ms);

static pthread_mutex_t core_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int core_state = CORE_NONE;
static struct mcx_diameter_config core_cfg; /* copy kept for the peer validator */

void mcx_diameter_config_defaults(struct mcx_diameter_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->watchdog_seconds = 30;
    cfg->reconnect_seconds = 5;
    snprintf(cfg->extension_dir, sizeof cfg->extension_dir, "/usr/lib/freeDiameter");
}

/* Copies src into dst (cap bytes); -1 when it does not fit. */
static int copy_field(char *dst, size_t cap, const char *src)
{
    size_t len = strlen(src);
    if (len >= cap)
        return -1;
    memcpy(dst, src, len + 1);
    return 0;
}

int mcx_diameter_config_add_peer(struct mcx_diameter_config *cfg, const char *identity,
                                 const char *address, uint16_t port)
{
    if (cfg->peer_count >= MCX_DIAMETER_MAX_PEERS)
        return -1;
    struct mcx_diameter_peer *p = &cfg->peers[cfg->peer_count];
    if (copy_field(p->identity, sizeof p->identity, identity) != 0 ||
        copy_field(p->address, sizeof p->address, address) != 0)
        return -1;
    p->port = port;
    cfg->peer_count++;
    return 0;
}

int mcx_diameter_config_add_accept(struct mcx_diameter_config *cfg, const char *pattern)
{
    if (cfg->accept_count >= MCX_DIAMETER_MAX_PEERS ||
        copy_field(cfg->accept[cfg->accept_count], MCX_DIAMETER_ID_MAX, pattern) != 0)
        return -1;
    cfg->accept_count++;
    return 0;
}

/* Whether identity (len bytes) matches an accept entry: exact, or "*.realm" suffix. */
static bool accepted(const char *identity, size_t len)
{
    for (size_t i = 0; i < core_cfg.accept_count; i++) {
        const char *a = core_cfg.accept[i];
        if (strncmp(a, "*.", 2) == 0) {
            size_t suffix = strlen(a + 1); /* ".realm" */
            if (len > suffix && strncasecmp(identity + len - suffix, a + 1, suffix) == 0)
                return true;
        } else if (strlen(a) == len && strncasecmp(identity, a, len) == 0) {
            return true;
        }
    }
    return false;
}

/* freeDiameter asks us about a connecting peer that is not in its ConnectPeer list. */
static int validate_peer(struct peer_info *info, int *auth, int (**cb2)(struct peer_info *))
{
    *cb2 = NULL;
    *auth = 0;
    if (!info->pi_diamid)
        return 0;
    if (!accepted(info->pi_diamid, info->pi_diamidlen)) {
        MCX_WARN("diameter_peer_refused", "peer=%s reason=\"not in accept list\"", info->pi_diamid);
        *auth = -1;
        return 0;
    }
    *auth = 1;
    if (!info->runtime.pir_cert_list)
        info->config.pic_flags.sec = core_cfg.tls ? PI_SEC_DEFAULT : PI_SEC_NONE;
    MCX_INFO("diameter_peer_accepted", "peer=%s", info->pi_diamid);
    return 0;
}

/* freeDiameter writes to sockets with writev (and GnuTLS), which raise SIGPIPE when the peer
 * has closed: a daemon would die on a peer disconnect. Ignore it unless the program set its
 * own handler. */
static void ignore_sigpipe(void)
{
    struct sigaction old, ign;
    if (sigaction(SIGPIPE, NULL, &old) != 0 || old.sa_handler != SIG_DFL)
        return;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, NULL);
}

static int make_state_dir(const char *dir, char *err, size_t err_len)
{
    struct stat st;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, err_len, "cannot create state_dir %s: %s", dir, strerror(errno));
        return -1;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, err_len, "state_dir %s is not a directory", dir);
        return -1;
    }
    return 0;
}

/* Makes the core listen on the configured address only (freeDiameter's ListenOn parser drops
 * loopback addresses; EP_ACCEPTALL bypasses that filter). */
static int add_listen_endpoint(char *err, size_t err_len)
{
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, core_cfg.listen_address, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        len = sizeof *sin;
    } else if (inet_pton(AF_INET6, core_cfg.listen_address, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        len = sizeof *sin6;
    } else {
        snprintf(err, err_len, "bad listen address %s", core_cfg.listen_address);
        return -1;
    }
    if (fd_ep_add_merge(&fd_g_config->cnf_endpoints, (sSA *)&ss, len, EP_FL_CONF | EP_ACCEPTALL) !=
        0) {
        snprintf(err, err_len, "cannot add listen endpoint %s", core_cfg.listen_address);
        return -1;
    }
    return 0;
}

int mcx_diameter_init(const struct mcx_diameter_config *cfg, char *err, size_t err_len)
{
    char conf_path[MCX_DIAMETER_PATH_MAX + 32];
    struct diameter_tls_paths tls;
    int rc = -1;
    err[0] = '\0';
    if (diameter_conf_validate(cfg, err, err_len) != 0 ||
        make_state_dir(cfg->state_dir, err, err_len) != 0)
        return -1;
    pthread_mutex_lock(&core_lock);
    if (core_state != CORE_NONE) {
        snprintf(err, err_len, "the Diameter core can be initialised once per process");
        goto out;
    }
    core_cfg = *cfg;
    memset(&tls, 0, sizeof tls);
    if (cfg->tls) {
        snprintf(tls.cert, sizeof tls.cert, "%s", cfg->tls_cert);
        snprintf(tls.key, sizeof tls.key, "%s", cfg->tls_key);
        snprintf(tls.ca, sizeof tls.ca, "%s", cfg->tls_ca);
        if ((size_t)snprintf(tls.dh, sizeof tls.dh, "%s/dh-ffdhe2048.pem", cfg->state_dir) >=
                sizeof tls.dh ||
            diameter_tls_write_dh(tls.dh, err, err_len) != 0)
            goto out;
    } else if (diameter_tls_throwaway(cfg->state_dir, cfg->identity, &tls, err, err_len) != 0) {
        goto out;
    }
    snprintf(conf_path, sizeof conf_path, "%s/freeDiameter.conf", cfg->state_dir);
    if (diameter_conf_write(cfg, &tls, conf_path, err, err_len) != 0)
        goto out;

    ignore_sigpipe();
    if (diameter_log_install() != 0) {
        snprintf(err, err_len, "cannot install the freeDiameter log handler");
        goto out;
    }
    if (fd_core_initialize() != 0) {
        snprintf(err, err_len, "freeDiameter core initialisation failed");
        goto out;
    }
    core_state = CORE_INITIALISED; /* from here on, shutdown must run */
    if (diameter_hooks_install() != 0) {
        snprintf(err, err_len, "cannot install the freeDiameter hooks");
        goto out;
    }
    if (fd_core_parseconf(conf_path) != 0) {
        snprintf(err, err_len, "freeDiameter rejected %s (see diameter_core log lines)", conf_path);
        goto out;
    }
    fd_g_config->cnf_flags.no_fwd = 1; /* we are an end node, never a relay */
    if (mcx_cx_dict_init() != 0) {
        snprintf(err, err_len, "cannot register the Cx dictionary");
        goto out;
    }
    if (cx_error_echo_install() != 0) {
        snprintf(err, err_len, "cannot install the Cx error-answer hook");
        goto out;
    }
    if (fd_disp_app_support(mcx_cx_dict.app, mcx_cx_dict.vendor, 1, 0) != 0) {
        snprintf(err, err_len, "cannot advertise the Cx application");
        goto out;
    }
    if (fd_peer_validate_register(validate_peer) != 0) {
        snprintf(err, err_len, "cannot register the peer validator");
        goto out;
    }
    if (add_listen_endpoint(err, err_len) != 0)
        goto out;
    MCX_INFO("diameter_init", "identity=%s realm=%s listen=%s port=%u tls=%s peers=%zu conf=%s",
             cfg->identity, cfg->realm, cfg->listen_address, cfg->listen_port,
             cfg->tls ? "on" : "off", cfg->peer_count, conf_path);
    rc = 0;
out:
    pthread_mutex_unlock(&core_lock);
    return rc;
}

/* Whether /proc/net/tcp (IPv4) or tcp6 (IPv6) shows a socket in LISTEN state on our listen
 * port (and, for IPv4, our listen address). */
static bool listen_socket_visible(void)
{
    struct in_addr want4;
    bool is_v4 = inet_pton(AF_INET, core_cfg.listen_address, &want4) == 1;
    FILE *table = fopen(is_v4 ? "/proc/self/net/tcp" : "/proc/self/net/tcp6", "r");
    if (!table)
        return true; /* no procfs: nothing to wait for */
    char line[512];
    bool found = false;
    if (!fgets(line, sizeof line, table)) { /* header line */
        fclose(table);
        return true;
    }
    while (!found && fgets(line, sizeof line, table)) {
        char local[64];
        unsigned port, state;
        if (sscanf(line, " %*u: %63[0-9A-Fa-f]:%X %*[0-9A-Fa-f]:%*X %X", local, &port, &state) != 3)
            continue;
        if (state != 0x0A || port != core_cfg.listen_port)
            continue;
        /* /proc prints the address as the in-memory 32-bit word(s) in host order. */
        found = !is_v4 || (uint32_t)strtoul(local, NULL, 16) == want4.s_addr;
    }
    fclose(table);
    return found;
}

/* freeDiameter 1.2.1 binds in fd_core_start() but calls listen() later, in its server thread:
 * waits (bounded) until the listener accepts connections, so that "ready" means ready. */
static int wait_listening(unsigned timeout_ms)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (!listen_socket_visible()) {
        if (elapsed_ms_since(&start) >= (long)timeout_ms)
            return -1;
        pause_ms(5);
    }
    return 0;
}

int mcx_diameter_start(char *err, size_t err_len)
{
    int rc = -1;
    err[0] = '\0';
    pthread_mutex_lock(&core_lock);
    if (core_state != CORE_INITIALISED) {
        snprintf(err, err_len, "the Diameter core is not initialised (or already started)");
        goto out;
    }
    if (fd_core_start() != 0) {
        snprintf(err, err_len, "freeDiameter could not start (is %s:%u in use?)",
                 core_cfg.listen_address, core_cfg.listen_port);
        goto out;
    }
    core_state = CORE_RUNNING;
    if (wait_listening(5000) != 0)
        MCX_WARN("diameter_listen_late", "listen=%s port=%u waited_ms=5000",
                 core_cfg.listen_address, core_cfg.listen_port);
    MCX_INFO("diameter_start", "identity=%s listen=%s port=%u", core_cfg.identity,
             core_cfg.listen_address, core_cfg.listen_port);
    rc = 0;
out:
    pthread_mutex_unlock(&core_lock);
    return rc;
}

bool mcx_diameter_peer_is_open(const char *identity)
{
    struct peer_hdr *peer = NULL;
    if (core_state != CORE_RUNNING)
        return false;
    if (fd_peer_getbyid((DiamId_t)identity, strlen(identity), 1, &peer) != 0 || !peer)
        return false;
    return fd_peer_get_state(peer) == STATE_OPEN;
}

/* Milliseconds since start (CLOCK_MONOTONIC). */
static long elapsed_ms_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000L + (now.tv_nsec - start->tv_nsec) / 1000000L;
}

static void pause_ms(long ms)
{
    struct timespec step = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&step, NULL);
}

int mcx_diameter_wait_peer(const char *identity, unsigned timeout_ms)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        if (mcx_diameter_peer_is_open(identity))
            return 0;
        if (elapsed_ms_since(&start) >= (long)timeout_ms || core_state != CORE_RUNNING)
            return -1;
        pause_ms(20);
    }
}

/* ---- Clean stop ---------------------------------------------------------------------------
 *
 * freeDiameter 1.2.1's own stop (fd_core_shutdown, core.c core_shutdown) sets its routing and
 * dispatch threads to stop "after their current loop", disconnects the peers, then deletes the
 * incoming, outgoing and local queues with fd_fifo_del(). Those threads wait on the queues with
 * a 1 s fd_fifo_timedget() and only look at the stop order between two waits, so most of them
 * are still waiting when the queues are deleted. fd_fifo_del() (libfdproto/fifo.c) then signals
 * one waiter per iteration, sleeps 1 ms, and asserts `++loops < 20`: if the woken threads are
 * not all scheduled within about 20 ms, which happens on a loaded machine even with a single
 * waiter, the process aborts (SIGABRT). Requests still in flight at that moment can also hang
 * the stop: answers arriving after the routing threads stopped can fill the incoming queue (20
 * entries) and block the peer's state machine until its 16 s forced close, and we saw a peer
 * freed while its request-expiry thread still waited on the peer's condition variable, so
 * fd_peer_free() blocked forever in pthread_cond_destroy().
 *
 * So before calling fd_core_shutdown() we (1) let the exchanges in flight finish, (2) disconnect
 * the peers (DPR/DPA) while the routing threads still run, (3) give the routing and dispatch
 * threads their stop order ourselves and wait until none of them waits on a queue. The core's
 * own stop then finds idle peers and queues nobody waits on. Steps 2 and 3 use two functions
 * and three queue pointers that libfdcore 1.2.1 exports but declares only in its internal
 * header (fdcore-internal.h); they are declared here with the same signatures. */
struct fd_peer;
int fd_psm_terminate(struct fd_peer *peer, char *reason);
int fd_rtdisp_cleanstop(void);
extern struct fifo *fd_g_incoming;
extern struct fifo *fd_g_outgoing;
extern struct fifo *fd_g_local;

#define STOP_DRAIN_LIMIT_MS      3000u /* exchanges in flight: wait at most this long */
#define STOP_DISCONNECT_LIMIT_MS 5000u /* DPR/DPA with every peer */
#define STOP_QUIESCE_LIMIT_MS    5000u /* queue waiters leave within 1 s of the stop order */
#define STOP_POLL_MS             5

/* Requests in flight with every peer (sent and not answered, received and not answered) plus
 * messages still queued in the core's routing and local-dispatch queues. */
static long pending_exchanges(void)
{
    long total = 0;
    if (pthread_rwlock_rdlock(&fd_g_peers_rw) != 0)
        return 0;
    for (struct fd_list *li = fd_g_peers.next; li != &fd_g_peers; li = li->next) {
        long to_receive = 0, to_send = 0;
        if (fd_peer_get_load_pending((struct peer_hdr *)li->o, &to_receive, &to_send) == 0)
            total += to_receive + to_send;
    }
    pthread_rwlock_unlock(&fd_g_peers_rw);
    static const enum fd_stat_type queues[] = {STAT_G_INCOMING, STAT_G_LOCAL, STAT_G_OUTGOING};
    for (size_t i = 0; i < sizeof queues / sizeof queues[0]; i++) {
        int count = 0, limit = 0, highest = 0;
        long long items = 0;
        struct timespec total_time, blocking, last;
        if (fd_stat_getstats(queues[i], NULL, &count, &limit, &highest, &items, &total_time,
                             &blocking, &last) == 0)
            total += count;
    }
    return total;
}

/* Sends DPR to every peer not yet terminated; returns how many were asked. */
static int disconnect_peers(void)
{
    int asked = 0;
    if (pthread_rwlock_rdlock(&fd_g_peers_rw) != 0)
        return 0;
    for (struct fd_list *li = fd_g_peers.next; li != &fd_g_peers; li = li->next) {
        if (fd_peer_get_state((struct peer_hdr *)li->o) != STATE_ZOMBIE &&
            fd_psm_terminate((struct fd_peer *)li->o, "REBOOTING") == 0)
            asked++;
    }
    pthread_rwlock_unlock(&fd_g_peers_rw);
    return asked;
}

/* Whether a peer in this state has a connection (open, or being opened or closed). */
static bool connected_state(int state)
{
    return state != STATE_NEW && state != STATE_CLOSED && state != STATE_WAITCNXACK &&
           state != STATE_ZOMBIE;
}

/* Peers that still have a connection. A peer whose DPR crossed the remote's own DPR ends in
 * CLOSED (waiting to reconnect) rather than ZOMBIE: that counts as disconnected. */
static int live_peers(void)
{
    int live = 0;
    if (pthread_rwlock_rdlock(&fd_g_peers_rw) != 0)
        return 0;
    for (struct fd_list *li = fd_g_peers.next; li != &fd_g_peers; li = li->next)
        if (connected_state(fd_peer_get_state((struct peer_hdr *)li->o)))
            live++;
    pthread_rwlock_unlock(&fd_g_peers_rw);
    return live;
}

/* Threads blocked waiting for an item of queue (fd_fifo_dump's "threads:" field; the count is
 * not otherwise exposed). Returns -1 when it cannot be read. */
static int queue_waiters(struct fifo *queue)
{
    char *buf = NULL;
    size_t len = 0;
    int waiters = -1;
    if (!queue)
        return 0;
    if (fd_fifo_dump(&buf, &len, NULL, "q", queue, NULL) != NULL) {
        const char *t = strstr(buf, "threads:");
        if (!t || sscanf(t, "threads:%d", &waiters) != 1)
            waiters = -1;
    }
    free(buf);
    return waiters;
}

static int routing_waiters(void)
{
    int total = 0;
    struct fifo *queues[] = {fd_g_incoming, fd_g_outgoing, fd_g_local};
    for (size_t i = 0; i < sizeof queues / sizeof queues[0]; i++) {
        int n = queue_waiters(queues[i]);
        if (n < 0)
            return -1;
        total += n;
    }
    return total;
}

/* Waits until check() returns 0 twice in a row, STOP_POLL_MS apart (a routing thread that read
 * the stop order just before it was given may not yet count as waiting), at most limit_ms.
 * Returns the last value seen (0 when done). */
static long wait_until_zero(long (*check)(void), unsigned limit_ms)
{
    struct timespec start;
    int zeros = 0;
    long value = 0;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        value = check();
        zeros = value == 0 ? zeros + 1 : 0;
        if (zeros >= 2 || elapsed_ms_since(&start) >= (long)limit_ms)
            return value;
        pause_ms(STOP_POLL_MS);
    }
}

static long check_pending(void)
{
    return pending_exchanges();
}

static long check_live_peers(void)
{
    return live_peers();
}

static long check_waiters(void)
{
    int n = routing_waiters();
    return n < 0 ? 0 : n; /* unreadable: nothing better to wait for */
}

/* Steps 1-3 above; each bounded, a step that runs out of time is logged and the stop goes on. */
static void quiesce_core(void)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    long pending = wait_until_zero(check_pending, STOP_DRAIN_LIMIT_MS);
    if (pending > 0)
        MCX_WARN("diameter_stop_pending", "identity=%s pending=%ld waited_ms=%u", core_cfg.identity,
                 pending, STOP_DRAIN_LIMIT_MS);
    if (disconnect_peers() > 0) {
        long live = wait_until_zero(check_live_peers, STOP_DISCONNECT_LIMIT_MS);
        if (live > 0)
            MCX_WARN("diameter_stop_peers", "identity=%s still_connected=%ld waited_ms=%u",
                     core_cfg.identity, live, STOP_DISCONNECT_LIMIT_MS);
    }
    fd_rtdisp_cleanstop();
    long waiters = wait_until_zero(check_waiters, STOP_QUIESCE_LIMIT_MS);
    if (waiters > 0)
        MCX_WARN("diameter_stop_waiters", "identity=%s waiting_threads=%ld waited_ms=%u",
                 core_cfg.identity, waiters, STOP_QUIESCE_LIMIT_MS);
    MCX_DEBUG("diameter_stop_quiesced", "identity=%s ms=%ld", core_cfg.identity,
              elapsed_ms_since(&start));
}

void mcx_diameter_shutdown(void)
{
    pthread_mutex_lock(&core_lock);
    if (core_state == CORE_RUNNING) {
        core_state = CORE_STOPPING; /* peers read as not open from here on */
        quiesce_core();
    }
    if (core_state == CORE_INITIALISED || core_state == CORE_STOPPING) {
        fd_core_shutdown();
        fd_core_wait_shutdown_complete();
        core_state = CORE_STOPPED;
        MCX_INFO("diameter_stop", "identity=%s", core_cfg.identity);
    }
    pthread_mutex_unlock(&core_lock);
}

const char *mcx_diameter_identity(void)
{
    return core_cfg.identity;
}

const char *mcx_diameter_realm(void)
{
    return core_cfg.realm;
}
