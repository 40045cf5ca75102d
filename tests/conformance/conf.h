/* mcx-mms-conformance: NNG message-level conformance suite for migration management servers
 * (proto/mcx_migration.proto over NNG req/rep). Shared declarations of the suite's files. */
#ifndef CONF_H
#define CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nng/nng.h>

#define CONF_TEXT_MAX 256
#define CONF_PATH_MAX 512

/* Everything the command line sets. */
struct conf_options {
    char role[16];              /* role under test: "primary" | "partner" */
    char url[CONF_TEXT_MAX];    /* primary: where it listens; partner: where we listen */
    char tls_ca[CONF_PATH_MAX]; /* TLS (tls+tcp:// URLs): CA, our certificate and key */
    char tls_cert[CONF_PATH_MAX];
    char tls_key[CONF_PATH_MAX];
    char tls_peer_name[CONF_TEXT_MAX];
    unsigned wait_ms;   /* how long a case waits for an answer */
    unsigned in_flight; /* requests in flight in the concurrency case */
    /* against a primary (we act as a partner) */
    char origin[CONF_TEXT_MAX]; /* our system id */
    char unknown_origin[CONF_TEXT_MAX];
    char impi[CONF_TEXT_MAX], impu[CONF_TEXT_MAX]; /* subscriber that allows us */
    uint8_t k[16], opc[16];
    bool have_keys;
    char denied_impi[CONF_TEXT_MAX], denied_impu[CONF_TEXT_MAX]; /* does not allow us */
    size_t max_message;                                          /* the server's Envelope limit */
    /* against a partner (we act as the primary and as its SIP core) */
    char partner_system[CONF_TEXT_MAX]; /* origin_system the partner must send */
    char primary_system[CONF_TEXT_MAX]; /* our system id in replies */
    char partner_impi[CONF_TEXT_MAX], partner_impu[CONF_TEXT_MAX];
    char primary_impi[CONF_TEXT_MAX], primary_impu[CONF_TEXT_MAX];
    char unbound_impi[CONF_TEXT_MAX], unbound_impu[CONF_TEXT_MAX];
    unsigned partner_timeout_ms; /* the partner's configured link timeout */
    char dia_identity[CONF_TEXT_MAX], dia_realm[CONF_TEXT_MAX], dia_address[64];
    uint16_t dia_port;
    char dia_state_dir[CONF_PATH_MAX];
    char peer_identity[CONF_TEXT_MAX], peer_realm[CONF_TEXT_MAX], peer_address[64];
    uint16_t peer_port;
};

/* Result of one case: 0 pass, -1 fail with a reason. */
typedef int (*conf_case_fn)(const struct conf_options *opt, char *why, size_t why_cap);

struct conf_case {
    const char *name;
    conf_case_fn run;
};

/* Runs cases in order, printing one "PASS name" / "FAIL name: reason" line each; adds to the
 * totals. */
void conf_run_cases(const struct conf_options *opt, const struct conf_case *cases, size_t n,
                    unsigned *passed, unsigned *failed);

/* Formats a failure reason into why and returns -1. */
int conf_fail(char *why, size_t why_cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Runs every case against a primary MMS (conf_primary.c) over one REQ socket. Returns 0, or
 * -1 when the set-up failed (counted as one failure). */
int conf_primary_run(const struct conf_options *opt, unsigned *passed, unsigned *failed);

/* Runs every case against a partner MMS (conf_partner.c): starts our Diameter core and REP
 * listener, runs, stops. Returns 0, or -1 when the set-up failed (counted as one failure). */
int conf_partner_run(const struct conf_options *opt, unsigned *passed, unsigned *failed);

/* NNG helpers (conf_nng.c). Opens a REQ socket dialled to opt->url (TLS when the URL says so;
 * no automatic resend; short redial). Returns 0, or -1 with why. */
int conf_req_open(const struct conf_options *opt, nng_socket *sock, char *why, size_t why_cap);

/* Whether url is an NNG TLS URL (tls+tcp://...). */
bool conf_url_is_tls(const char *url);

/* Opens a REP socket listening on opt->url (TLS when the URL says so). */
int conf_rep_open(const struct conf_options *opt, nng_socket *sock, char *why, size_t why_cap);

/* One request/reply on a new context of a REQ socket: sends len bytes, waits up to wait_ms for
 * the reply. Returns 0 with *reply (caller frees with nng_msg_free), or the NNG error
 * (NNG_ETIMEDOUT when nothing came back). */
int conf_req_call(nng_socket sock, const uint8_t *data, size_t len, unsigned wait_ms,
                  nng_msg **reply);

/* Vectors (conf_vectors.c): checks that a SIP-Authenticate (RAND||AUTN), XRES, CK, IK set was
 * made with K/OPc: recovers SQN from AUTN and recomputes everything. *sqn receives the SQN.
 * Returns 0, or -1 with why. */
int conf_vector_verify(const uint8_t k[16], const uint8_t opc[16], const uint8_t *authenticate,
                       size_t authenticate_len, const uint8_t *xres, size_t xres_len,
                       const uint8_t *ck, size_t ck_len, const uint8_t *ik, size_t ik_len,
                       uint64_t *sqn, char *why, size_t why_cap);

#endif
