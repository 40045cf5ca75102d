/* Async Cx client: fd_msg_send_timeout with an answer callback and an expiry callback. */
#include "cx/cx_client.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "cx/cx_avp.h"

/* One request in flight; freed by whichever of the answer / expiry callbacks runs. */
struct pending {
    uint32_t command;
    union {
        mcx_cx_maa_cb maa;
        mcx_cx_uaa_cb uaa;
        mcx_cx_saa_cb saa;
        mcx_cx_lia_cb lia;
    } cb;
    void *ctx;
};

const char *mcx_cx_outcome_name(enum mcx_cx_outcome outcome)
{
    switch (outcome) {
    case MCX_CX_ANSWERED:
        return "answered";
    case MCX_CX_TIMEOUT:
        return "timeout";
    case MCX_CX_BAD_ANSWER:
        return "bad_answer";
    }
    return "unknown";
}

static const char *command_name(uint32_t command)
{
    switch (command) {
    case MCX_CX_CMD_UAR:
        return "UAR";
    case MCX_CX_CMD_SAR:
        return "SAR";
    case MCX_CX_CMD_LIR:
        return "LIR";
    case MCX_CX_CMD_MAR:
        return "MAR";
    }
    return "?";
}

/* Calls the user callback of p with outcome and answer (NULL unless answered). */
static void deliver(struct pending *p, enum mcx_cx_outcome outcome, const void *answer)
{
    switch (p->command) {
    case MCX_CX_CMD_MAR:
        p->cb.maa(p->ctx, outcome, answer);
        break;
    case MCX_CX_CMD_UAR:
        p->cb.uaa(p->ctx, outcome, answer);
        break;
    case MCX_CX_CMD_SAR:
        p->cb.saa(p->ctx, outcome, answer);
        break;
    case MCX_CX_CMD_LIR:
        p->cb.lia(p->ctx, outcome, answer);
        break;
    }
}

/* Parses ans into a new answer struct of p's command; NULL with err on failure. */
static void *parse_answer(const struct pending *p, struct msg *ans, struct mcx_cx_error *err)
{
    void *out = NULL;
    int rc = -1;
    switch (p->command) {
    case MCX_CX_CMD_MAR:
        if ((out = malloc(sizeof(struct mcx_cx_maa))))
            rc = mcx_cx_maa_parse(ans, out, err);
        break;
    case MCX_CX_CMD_UAR:
        if ((out = malloc(sizeof(struct mcx_cx_uaa))))
            rc = mcx_cx_uaa_parse(ans, out, err);
        break;
    case MCX_CX_CMD_SAR:
        if ((out = malloc(sizeof(struct mcx_cx_saa))))
            rc = mcx_cx_saa_parse(ans, out, err);
        break;
    case MCX_CX_CMD_LIR:
        if ((out = malloc(sizeof(struct mcx_cx_lia))))
            rc = mcx_cx_lia_parse(ans, out, err);
        break;
    }
    if (!out)
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "out of memory");
    if (rc != 0) {
        free(out);
        return NULL;
    }
    return out;
}

static void on_answer(void *data, struct msg **msg)
{
    struct pending *p = data;
    struct mcx_cx_error err;
    memset(&err, 0, sizeof err);
    void *answer = parse_answer(p, *msg, &err);
    if (answer) {
        deliver(p, MCX_CX_ANSWERED, answer);
        if (p->command == MCX_CX_CMD_MAR) /* XRES, CK, IK must not linger in freed memory */
            explicit_bzero(answer, sizeof(struct mcx_cx_maa));
        free(answer);
    } else {
        MCX_WARN("cx_bad_answer", "cmd=%s result=%u avp=%u reason=\"%s\"", command_name(p->command),
                 err.result_code, err.avp_code, err.text);
        deliver(p, MCX_CX_BAD_ANSWER, NULL);
    }
    fd_msg_free(*msg); /* frees the request too */
    *msg = NULL;
    free(p);
}

static void on_expiry(void *data, DiamId_t sent_to, size_t sent_to_len, struct msg **req)
{
    struct pending *p = data;
    if (req && *req) { /* dispose of it ourselves: the default is a "dropped" warning */
        fd_msg_free(*req);
        *req = NULL;
    }
    MCX_WARN("cx_timeout", "cmd=%s peer=%.*s", command_name(p->command), (int)sent_to_len,
             sent_to ? (const char *)sent_to : "-");
    deliver(p, MCX_CX_TIMEOUT, NULL);
    free(p);
}

/* Queues msg with p; frees both on failure. */
static int send_request(struct msg *msg, struct pending *p, unsigned timeout_ms,
                        struct mcx_cx_error *err)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    if (fd_msg_send_timeout(&msg, on_answer, p, on_expiry, &deadline) != 0) {
        if (msg)
            fd_msg_free(msg);
        free(p);
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "freeDiameter refused the request");
        return -1;
    }
    return 0;
}

/* Checks the common arguments and allocates the pending record. */
static struct pending *pending_new(uint32_t command, bool have_cb, unsigned timeout_ms, void *ctx,
                                   struct mcx_cx_error *err)
{
    if (!have_cb || timeout_ms == 0) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "callback and timeout required");
        return NULL;
    }
    struct pending *p = calloc(1, sizeof *p);
    if (!p) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "out of memory");
        return NULL;
    }
    p->command = command;
    p->ctx = ctx;
    return p;
}

int mcx_cx_send_mar(const struct mcx_cx_route *route, const struct mcx_cx_mar *mar,
                    unsigned timeout_ms, mcx_cx_maa_cb cb, void *ctx, struct mcx_cx_error *err)
{
    struct msg *msg;
    struct pending *p = pending_new(MCX_CX_CMD_MAR, cb != NULL, timeout_ms, ctx, err);
    if (!p)
        return -1;
    p->cb.maa = cb;
    if (mcx_cx_mar_build(route, mar, &msg, err) != 0) {
        free(p);
        return -1;
    }
    MCX_DEBUG("cx_send", "cmd=MAR impi=%s impu=%s realm=%s host=%s", mar->user_name,
              mar->public_identity, route->realm, route->host[0] ? route->host : "-");
    return send_request(msg, p, timeout_ms, err);
}

int mcx_cx_send_uar(const struct mcx_cx_route *route, const struct mcx_cx_uar *uar,
                    unsigned timeout_ms, mcx_cx_uaa_cb cb, void *ctx, struct mcx_cx_error *err)
{
    struct msg *msg;
    struct pending *p = pending_new(MCX_CX_CMD_UAR, cb != NULL, timeout_ms, ctx, err);
    if (!p)
        return -1;
    p->cb.uaa = cb;
    if (mcx_cx_uar_build(route, uar, &msg, err) != 0) {
        free(p);
        return -1;
    }
    MCX_DEBUG("cx_send", "cmd=UAR impi=%s impu=%s realm=%s", uar->user_name, uar->public_identity,
              route->realm);
    return send_request(msg, p, timeout_ms, err);
}

int mcx_cx_send_sar(const struct mcx_cx_route *route, const struct mcx_cx_sar *sar,
                    unsigned timeout_ms, mcx_cx_saa_cb cb, void *ctx, struct mcx_cx_error *err)
{
    struct msg *msg;
    struct pending *p = pending_new(MCX_CX_CMD_SAR, cb != NULL, timeout_ms, ctx, err);
    if (!p)
        return -1;
    p->cb.saa = cb;
    if (mcx_cx_sar_build(route, sar, &msg, err) != 0) {
        free(p);
        return -1;
    }
    MCX_DEBUG("cx_send", "cmd=SAR impi=%s type=%u realm=%s", sar->user_name, sar->assignment_type,
              route->realm);
    return send_request(msg, p, timeout_ms, err);
}

int mcx_cx_send_lir(const struct mcx_cx_route *route, const struct mcx_cx_lir *lir,
                    unsigned timeout_ms, mcx_cx_lia_cb cb, void *ctx, struct mcx_cx_error *err)
{
    struct msg *msg;
    struct pending *p = pending_new(MCX_CX_CMD_LIR, cb != NULL, timeout_ms, ctx, err);
    if (!p)
        return -1;
    p->cb.lia = cb;
    if (mcx_cx_lir_build(route, lir, &msg, err) != 0) {
        free(p);
        return -1;
    }
    MCX_DEBUG("cx_send", "cmd=LIR impu=%s realm=%s", lir->public_identity, route->realm);
    return send_request(msg, p, timeout_ms, err);
}
