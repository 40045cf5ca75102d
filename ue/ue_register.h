/* One UE's registration as a state machine, driven by its caller's I/O loop (mcx-ue register,
 * mcx-ue load): REGISTER with an empty-response Authorization, 401 challenge answered through
 * ue_auth (AKA through the ISIM, resynchronisation with auts, MAC failure), the final response,
 * and RFC 3261 17.1.2 retransmission over UDP (timer E from T1 doubling up to T2, timer F =
 * 64*T1 per request; over TCP only timer F). The machine does no I/O and reads no clock: every
 * call gets the time (monotonic microseconds), and each request to send is left in reg->out. */
#ifndef MCX_UE_REGISTER_H
#define MCX_UE_REGISTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aka/digest.h"
#include "ue_isim.h"

#define UE_REG_OUT_MAX   4096 /* one REGISTER */
#define UE_REG_VALUE_MAX 1024 /* Service-Route, P-Associated-URI as printed */

/* How an exchange ended. */
enum ue_reg_result {
    UE_REG_PENDING = 0,   /* still running */
    UE_REG_REGISTERED,    /* 2xx to a REGISTER with Expires > 0 */
    UE_REG_DEREGISTERED,  /* 2xx to a REGISTER with Expires: 0 */
    UE_REG_MAC_FAILURE,   /* AUTN's MAC-A was wrong: network not authentic */
    UE_REG_FORBIDDEN,     /* 403 */
    UE_REG_AUTH_LOOP,     /* challenged again after a computed answer (or too many 401s) */
    UE_REG_SERVER_ERROR,  /* 5xx */
    UE_REG_REJECTED,      /* any other final response (3xx, 4xx, 6xx) */
    UE_REG_TIMEOUT,       /* no final response before timer F */
    UE_REG_BAD_CHALLENGE, /* a 401 we cannot answer (see ue_auth_answer) */
    UE_REG_TRANSPORT,     /* send failed, connection refused or closed */
    UE_REG_INTERNAL,      /* request did not fit, state file could not be written, ... */
};

/* What the caller's loop must do after a call. */
enum ue_reg_action {
    UE_REG_WAIT = 0, /* nothing to send: wait for a message or reg->timer_us */
    UE_REG_SEND,     /* send reg->out (reg->out_len bytes) */
    UE_REG_DONE,     /* finished: reg->result says how */
};

/* Prints one SIP message of the exchange (-v); direction is "send" or "recv". */
typedef void (*ue_reg_trace_fn)(void *arg, const char *direction, const char *msg, size_t len);

/* Settings shared by the UEs of one run (the caller keeps them alive). */
struct ue_reg_config {
    const char *transport;               /* Via token: "UDP" / "TCP" */
    bool reliable;                       /* TCP: no retransmission */
    enum mcx_digest_algorithm algorithm; /* asked for in the first request */
    const char *password;                /* MD5 digest password, NULL when none */
    unsigned t1_ms;                      /* RFC 3261 T1 (500) */
    unsigned t2_ms;                      /* RFC 3261 T2 (4000) */
    ue_reg_trace_fn trace;               /* NULL: no trace */
    void *trace_arg;
};

/* One UE's registration state. */
struct ue_reg {
    struct ue_isim *isim;
    const struct ue_reg_config *cfg;
    char local_host[64]; /* Via and Contact host/port */
    uint16_t local_port;
    char ruri[UE_IDENTITY_MAX + 8]; /* "sip:DOMAIN" */
    char call_id[64];
    char from_tag[24];
    uint32_t cseq;
    char branch[32];
    long expires; /* asked for (0 = de-register) */

    char out[UE_REG_OUT_MAX]; /* the current request, retransmitted as is */
    size_t out_len;

    uint64_t started_us;  /* first REGISTER of the exchange */
    uint64_t request_us;  /* first transmission of the current request (timer F) */
    uint64_t timer_us;    /* next deadline (retransmission or timer F); 0 when done */
    uint64_t interval_us; /* current retransmission interval */
    unsigned retransmits; /* of the whole exchange */

    unsigned challenges; /* 401s in this exchange */
    bool answered;       /* a computed response was sent (a further 401 is a loop) */
    bool resynced;       /* auts was sent */
    bool mac_failure;    /* the empty-response REGISTER after a MAC failure was sent */
    bool min_expires_retried;
    uint32_t nc;

    enum ue_reg_result result;
    int status;           /* final status code, 0 when none */
    uint64_t finished_us; /* when result was set */
    long granted_expires; /* from Contact expires= or Expires, -1 when absent */
    char service_route[UE_REG_VALUE_MAX];
    char p_associated_uri[UE_REG_VALUE_MAX];
    char reason[160]; /* one line: why it ended (status line, error) */
};

/* Prepares a UE: identities from isim, Call-ID and From tag random, local address for Via and
 * Contact. The isim and cfg must outlive reg. */
void ue_reg_init(struct ue_reg *reg, struct ue_isim *isim, const struct ue_reg_config *cfg,
                 const char *local_host, uint16_t local_port);

/* Starts an exchange (Expires = expires; 0 de-registers) at now_us: builds the first REGISTER
 * (same Call-ID as the previous exchange, next CSeq). Returns UE_REG_SEND or UE_REG_DONE
 * (internal error). */
enum ue_reg_action ue_reg_start(struct ue_reg *reg, long expires, uint64_t now_us);

/* Feeds one received SIP message. Messages that are not responses to the current request
 * (other Call-ID or CSeq, requests, garbage) are ignored (UE_REG_WAIT). */
enum ue_reg_action ue_reg_on_message(struct ue_reg *reg, const char *msg, size_t len,
                                     uint64_t now_us);

/* Handles the clock: retransmission due (UE_REG_SEND), timer F expired (UE_REG_DONE with
 * UE_REG_TIMEOUT) or nothing yet (UE_REG_WAIT). */
enum ue_reg_action ue_reg_on_timer(struct ue_reg *reg, uint64_t now_us);

/* Ends the exchange from outside (a transport error): result and reason as given. */
void ue_reg_fail(struct ue_reg *reg, enum ue_reg_result result, const char *reason,
                 uint64_t now_us);

/* Short name of a result ("registered", "mac_failure", "timeout", ...); static. */
const char *ue_reg_result_name(enum ue_reg_result result);

#define UE_RANDOM_HEX_MAX 64 /* longest ue_random_hex() string */

/* Fills buf with n (at most UE_RANDOM_HEX_MAX) random lowercase hex characters and a NUL
 * (getrandom, encoded by mcx_hex_encode). */
void ue_random_hex(char *buf, size_t n);

#endif
