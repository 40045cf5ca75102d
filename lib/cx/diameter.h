/* Embedded freeDiameter core started from our own configuration.
 *
 * One core per process (a freeDiameter limit). Typical daemon use:
 *
 *     struct mcx_diameter_config cfg;
 *     mcx_diameter_config_defaults(&cfg);
 *     ... fill identity, realm, listen address/port, state_dir, peers, accept ...
 *     char err[256];
 *     if (mcx_diameter_init(&cfg, err, sizeof err) != 0) { log err; exit }
 *     mcx_cx_serve_mar(on_mar, ctx);          (cx_server.h: register handlers before start)
 *     if (mcx_diameter_start(err, sizeof err) != 0) { log err; exit }
 *     mcx_diameter_wait_peer("hss.primary.mcx.lab", 5000);   (optional)
 *     ... on SIGTERM: mcx_diameter_shutdown();
 *
 * What init does: writes <state_dir>/freeDiameter.conf (TCP only, no SCTP), loads the
 * dict_nasreq, dict_dcca and dict_dcca_3gpp extensions (in that order), registers the Cx
 * dictionary (cx_dict.h) and advertises application 16777216 (vendor 10415) in CER/CEA.
 * What start does: binds the listener to listen_address:listen_port ONLY (freeDiameter drops
 * loopback ListenOn lines; we add the endpoint with EP_ACCEPTALL), then connects to the peers.
 *
 * TLS: freeDiameter refuses to start without a certificate and key even when no peer uses TLS.
 * With tls = false we generate a throw-away self-signed EC certificate for the identity (and
 * RFC 7919 ffdhe2048 DH parameters) in state_dir with OpenSSL; no connection uses them (every
 * peer is configured No_TLS and the TLS port is disabled). With tls = true the three paths
 * tls_cert, tls_key and tls_ca are required, the listener is TLS-only (SecPort) and peers are
 * connected with TLS.
 *
 * Incoming connections: peers listed in `peers` are known to freeDiameter; any other peer is
 * accepted only if its Diameter identity matches an `accept` entry: an exact identity, or
 * "*.realm" which matches any identity ending in ".realm". Others are refused.
 *
 * Routing: requests go to the open peer whose identity equals Destination-Host, otherwise to an
 * open peer whose realm (from its CER/CEA Origin-Realm) equals Destination-Realm; when none
 * matches, the core answers 3002 DIAMETER_UNABLE_TO_DELIVER (delivered to the client callback
 * as an ordinary answer).
 *
 * Logging: freeDiameter's own log lines go through core/log.h as event=diameter_core (errors as
 * warn, fatal as error, notices as debug); its message-dump hooks are replaced by one-line
 * summaries without AVP values, so no secret carried in a Cx message reaches the log. */
#ifndef MCX_CX_DIAMETER_H
#define MCX_CX_DIAMETER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MCX_DIAMETER_ID_MAX    256 /* Diameter identity / realm, 255 chars + NUL */
#define MCX_DIAMETER_ADDR_MAX  64  /* numeric IPv4 or IPv6 address */
#define MCX_DIAMETER_PATH_MAX  512
#define MCX_DIAMETER_MAX_PEERS 16

/* A peer this node connects to (ConnectPeer). */
struct mcx_diameter_peer {
    char identity[MCX_DIAMETER_ID_MAX];  /* its Diameter identity (Origin-Host) */
    char address[MCX_DIAMETER_ADDR_MAX]; /* numeric address to connect to */
    uint16_t port;                       /* its listening port */
};

/* Everything the embedded core needs; daemons fill it from their YAML configuration. */
struct mcx_diameter_config {
    char identity[MCX_DIAMETER_ID_MAX];         /* our Origin-Host, e.g. "hss.primary.mcx.lab" */
    char realm[MCX_DIAMETER_ID_MAX];            /* our Origin-Realm, e.g. "primary.mcx.lab" */
    char listen_address[MCX_DIAMETER_ADDR_MAX]; /* numeric; the only address we listen on */
    uint16_t listen_port;                       /* e.g. 3868 */
    bool tls;                                   /* see the header comment */
    char tls_cert[MCX_DIAMETER_PATH_MAX];       /* PEM, required when tls */
    char tls_key[MCX_DIAMETER_PATH_MAX];        /* PEM, required when tls */
    char tls_ca[MCX_DIAMETER_PATH_MAX];         /* PEM, required when tls */
    unsigned watchdog_seconds;                  /* Tw (DWR interval), >= 6; default 30 */
    unsigned reconnect_seconds;                 /* Tc (retry interval for peers), >= 1; default 5 */
    char state_dir[MCX_DIAMETER_PATH_MAX];      /* created if missing (0700); holds the .conf */
    char extension_dir[MCX_DIAMETER_PATH_MAX];  /* default "/usr/lib/freeDiameter" */
    struct mcx_diameter_peer peers[MCX_DIAMETER_MAX_PEERS]; /* peers we connect to */
    size_t peer_count;
    char accept[MCX_DIAMETER_MAX_PEERS][MCX_DIAMETER_ID_MAX]; /* inbound allow-list */
    size_t accept_count;
};

/* Sets defaults: Tw 30 s, Tc 5 s, extension_dir /usr/lib/freeDiameter, no TLS, no peers. */
void mcx_diameter_config_defaults(struct mcx_diameter_config *cfg);

/* Adds a peer to connect to. Returns 0, or -1 when the list is full or a field is too long. */
int mcx_diameter_config_add_peer(struct mcx_diameter_config *cfg, const char *identity,
                                 const char *address, uint16_t port);

/* Adds an inbound allow-list entry (identity or "*.realm"). Returns 0, or -1 when full/too long. */
int mcx_diameter_config_add_accept(struct mcx_diameter_config *cfg, const char *pattern);

/* Validates cfg, writes the freeDiameter configuration into cfg->state_dir, initialises the
 * core, loads the dictionaries and registers Cx. No socket is opened. Call once per process
 * (a configuration refused by validation may be corrected and passed again). SIGPIPE is set
 * to ignored unless the program installed a handler (freeDiameter writes with writev, so a
 * peer closing its socket would otherwise kill the process). Threads that
 * freeDiameter creates inherit the caller's signal mask: block SIGTERM/SIGINT first if the
 * daemon sigwait()s for them. Returns 0, or -1 with a one-line reason naming the field in err
 * (err_len bytes, always NUL-terminated). */
int mcx_diameter_init(const struct mcx_diameter_config *cfg, char *err, size_t err_len);

/* Starts the listener (on the configured address only) and the peer connections. Requires
 * mcx_diameter_init(). Returns 0, or -1 with a reason in err. */
int mcx_diameter_start(char *err, size_t err_len);

/* Blocks until the peer with this identity is in the open state, at most timeout_ms.
 * Returns 0 when open, -1 on timeout or when the core is not running. */
int mcx_diameter_wait_peer(const char *identity, unsigned timeout_ms);

/* Whether the peer with this identity is currently open. */
bool mcx_diameter_peer_is_open(const char *identity);

/* Stops the core cleanly. Safe to call more than once and from the thread that handled SIGTERM
 * (not from a signal handler itself). Call it after the daemon stopped making new requests and
 * answered (or failed) the transactions it still holds. In order, each step bounded:
 *  1. waits until no exchange is in flight (requests sent and not answered, requests received
 *     and not answered, messages queued in the core), at most 3 s;
 *  2. sends DPR to every peer and waits until none is connected, at most 5 s;
 *  3. stops freeDiameter's routing and dispatch threads and waits until none waits on a queue
 *     (they look at the stop order once a second), at most 5 s;
 *  4. fd_core_shutdown() and fd_core_wait_shutdown_complete().
 * Steps 1-3 avoid two freeDiameter 1.2.1 shutdown defects: the fd_fifo_del() abort
 * ("Assertion `++loops < 20' failed") when a thread still waits on a queue being deleted and
 * is not scheduled within ~20 ms, and a hang in fd_peer_free() when requests were still in
 * flight (see diameter.c). A stop normally takes about 1 s. Callbacks of requests still in
 * flight after step 1 may not be called; transactions not yet answered must not be answered
 * after it. Known freeDiameter 1.2.1 issue: with TLS, its connection teardown races
 * (gnutls_bye against the TLS receiver thread), which AddressSanitizer reports; plain TCP is
 * not affected. */
void mcx_diameter_shutdown(void);

/* Our identity and realm as configured (static storage, valid after init). */
const char *mcx_diameter_identity(void);
const char *mcx_diameter_realm(void);

#endif
