/* Test environment for the mcx-hss Diameter tests: a work directory, mcx-hss processes started
 * and stopped by the test (loopback only), the test's own embedded freeDiameter core as a Cx
 * client, synchronous wrappers around the async Cx client, and raw TCP helpers.
 *
 * Every mcx-hss started here dies with the test process (PR_SET_PDEATHSIG) and is also killed
 * by an atexit handler, so no server outlives a failing test. */
#ifndef MCX_TEST_HSS_ENV_H
#define MCX_TEST_HSS_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cx/cx_client.h"
#include "store/store.h"

#define ENV_REALM       "primary.mcx.lab"
#define ENV_HSS_ID      "hss.primary.mcx.lab"
#define ENV_HSS2_ID     "hss2.primary.mcx.lab"
#define ENV_HSS3_ID     "hss3.primary.mcx.lab"
#define ENV_CLIENT_ID   "cxtest.primary.mcx.lab"
#define ENV_RAW1_ID     "raw1.primary.mcx.lab"
#define ENV_RAW2_ID     "raw2.primary.mcx.lab"
#define ENV_HSS_ADDR    "127.0.10.1"
#define ENV_CLIENT_ADDR "127.0.10.2"
#define ENV_MAX_ITEMS   5

/* One mcx-hss process the test controls. */
struct env_hss {
    const char *identity;
    uint16_t port;
    char database[512];
    char dir[512];   /* its config, pidfile, state_dir and log live here */
    char log[600];   /* its stderr (appended across restarts) */
    pid_t pid;       /* -1 when not running */
    int last_status; /* waitpid status of the last stop */
};

struct env {
    char dir[256]; /* work directory, removed at the end */
    const char *hss_binary;
    struct env_hss hss;  /* the HSS under test */
    struct env_hss hss2; /* a second HSS whose database is unreachable */
    struct env_hss hss3; /* a third HSS on the same database as hss */
    uint16_t client_port;
    struct mcx_store *store; /* the test's own connection to the HSS's database */
    const char *mongo_mock;  /* tests/store/mongo_mock_server.py, or NULL */
    uint16_t hss2_db_port;   /* where hss2's MongoDB is expected (nothing listens at first) */
    char hss2_db_uri[256];
    pid_t mongo_pid; /* the MongoDB test server started for hss2, or -1 */
    bool tls;        /* every Diameter connection over TLS (test PKI in <dir>/pki) */
};

extern struct env env;

/* A free TCP port on addr (bound once and released). */
uint16_t env_free_port(const char *addr);

/* Creates the work directory, opens the store at db_uri and prepares the HSS slots (with
 * tls, a test CA and a certificate per identity). hss_port 0 picks a free port. Returns 0, or
 * -1 with a message on stderr. */
int env_setup(const char *hss_binary, const char *db_uri, uint16_t hss_port, bool tls);

/* Stops everything that runs and removes the work directory (kept when keep is true, a stop
 * failed or MCX_TEST_KEEP is set): the test client's core first (env_client_stop), then every
 * HSS still running (env_hss_stop_clean). Returns 0, or -1 when the client stop failed or an
 * HSS did not exit with status 0. */
int env_teardown(bool keep);

/* Writes h's configuration and starts it; waits for its pidfile (event=ready). Returns 0, or -1
 * (the log is printed). */
int env_hss_start(struct env_hss *h);

/* Sends SIGTERM and waits for the process; returns its exit status (0 = clean), or -1. */
int env_hss_stop(struct env_hss *h);

/* env_hss_stop(), then whether the stop was clean: exit status 0, nothing else (a signal or
 * another status is reported on stderr with the HSS log and fails the caller). */
bool env_hss_stop_clean(struct env_hss *h);

/* Whether h's process is still running (not exited). */
bool env_hss_alive(struct env_hss *h);

/* Whether the log of h contains text. */
bool env_log_contains(const struct env_hss *h, const char *text);

/* Waits until the log of h contains text (a request's log line is written just after its
 * answer is sent); false after 10 s (a hang guard only). */
bool env_log_wait(const struct env_hss *h, const char *text);

/* Starts the MongoDB wire-protocol test server (env.mongo_mock) on env.hss2_db_port and waits
 * until it accepts connections. Returns 0, or -1. */
int env_mongo_start(void);

/* Stops the MongoDB test server when it runs. */
void env_mongo_stop(void);

/* Starts the test's Cx client core (peers: the three HSS slots). Returns 0, or -1. */
int env_client_start(void);

/* Waits until the client's connection to identity is open (hang guard 30 s). */
int env_client_wait(const char *identity);

/* Stops the test client's core: waits until every request counted with env_request_begin()
 * was answered or expired (hang guard 60 s; requests here expire after at most 30 s), then
 * mcx_diameter_shutdown(). Returns 0, or -1 when requests were still in flight (the core is
 * shut down all the same). Safe when the core was never started, and more than once. */
int env_client_stop(void);

/* Counts a request the client sent and whose callback has not run yet. The env_* request
 * wrappers count their own; a test sending requests itself calls env_request_begin() before
 * each send and env_request_end() in its callback (or when the send fails). */
void env_request_begin(void);
void env_request_end(void);

/* Synchronous Cx requests to identity: return the outcome, the parsed answer in *out. */
enum mcx_cx_outcome env_mar(const char *identity, const struct mcx_cx_mar *mar,
                            struct mcx_cx_maa *out);
enum mcx_cx_outcome env_uar(const char *identity, const struct mcx_cx_uar *uar,
                            struct mcx_cx_uaa *out);
enum mcx_cx_outcome env_sar(const char *identity, const struct mcx_cx_sar *sar,
                            struct mcx_cx_saa *out);
enum mcx_cx_outcome env_lir(const char *identity, const struct mcx_cx_lir *lir,
                            struct mcx_cx_lia *out);

/* Sends an already built request message (struct msg *, freeDiameter) and parses the answer
 * as an MAA into *out. Returns 0 when an answer arrived, -1 otherwise. */
int env_send_raw_mar(void *msg, struct mcx_cx_maa *out);

/* Opens a TCP connection to the HSS under test (receive timeout 10 s). Returns the fd or -1. */
int env_tcp_connect(void);

/* Reads one Diameter message (or until EOF) into buf; returns its length, 0 on EOF/reset, -1
 * on timeout. */
ssize_t env_tcp_read_message(int fd, uint8_t *buf, size_t cap);

#endif
