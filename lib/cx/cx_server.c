/* Cx server: dispatch callbacks per command, parse, transactions answered later. */
#include "cx/cx_server.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "cx/cx_avp.h"

struct mcx_cx_txn {
    struct msg *request;
    uint32_t command;
    struct mcx_cx_origin origin;
    char user_name[MCX_CX_IDENTITY_MAX];       /* echoed in every answer */
    char public_identity[MCX_CX_IDENTITY_MAX]; /* echoed in every answer */
};

/* One registered handler; indexed by command code - 300 (UAR 0, SAR 1, LIR 2, MAR 3). */
struct handler_slot {
    uint32_t command;
    union {
        mcx_cx_uar_handler uar;
        mcx_cx_sar_handler sar;
        mcx_cx_lir_handler lir;
        mcx_cx_mar_handler mar;
    } fn;
    void *ctx;
    struct disp_hdl *hdl;
};

static struct handler_slot slots[4];

/* The parsed form of any request the server handles. */
union request {
    struct mcx_cx_uar uar;
    struct mcx_cx_sar sar;
    struct mcx_cx_lir lir;
    struct mcx_cx_mar mar;
};

/* Parses req as the slot's command into r. */
static int parse_request(const struct handler_slot *s, struct msg *req, union request *r,
                         struct mcx_cx_error *err)
{
    switch (s->command) {
    case MCX_CX_CMD_UAR:
        return mcx_cx_uar_parse(req, &r->uar, err);
    case MCX_CX_CMD_SAR:
        return mcx_cx_sar_parse(req, &r->sar, err);
    case MCX_CX_CMD_LIR:
        return mcx_cx_lir_parse(req, &r->lir, err);
    case MCX_CX_CMD_MAR:
        return mcx_cx_mar_parse(req, &r->mar, err);
    }
    cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "unhandled command");
    return -1;
}

static const struct mcx_cx_origin *request_origin(const struct handler_slot *s,
                                                  const union request *r)
{
    switch (s->command) {
    case MCX_CX_CMD_UAR:
        return &r->uar.origin;
    case MCX_CX_CMD_SAR:
        return &r->sar.origin;
    case MCX_CX_CMD_LIR:
        return &r->lir.origin;
    default:
        return &r->mar.origin;
    }
}

/* Sends the answer *msg; frees it on failure. */
static int send_answer(struct msg **msg)
{
    if (fd_msg_send(msg, NULL, NULL) != 0) {
        if (*msg)
            fd_msg_free(*msg);
        *msg = NULL;
        MCX_WARN("cx_answer_failed", "reason=\"freeDiameter refused the answer\"");
        return -1;
    }
    return 0;
}

/* Turns a partly built answer back into its request (the answer is discarded). */
static void back_to_request(struct msg **msg)
{
    struct msg_hdr *hdr;
    struct msg *req = NULL;
    if (fd_msg_hdr(*msg, &hdr) != 0 || (hdr->msg_flags & CMD_FLAG_REQUEST))
        return;
    if (fd_msg_answ_getq(*msg, &req) != 0 || !req)
        return;
    fd_msg_answ_detach(*msg);
    fd_msg_free(*msg);
    *msg = req;
}

/* Answers request *msg with result, echoing the identities; frees everything on failure. */
static int answer_with_result(struct msg **msg, const struct mcx_cx_result *result,
                              const char *user_name, const char *public_identity)
{
    struct mcx_cx_error err;
    if (mcx_cx_answer_build_result(msg, result, user_name, public_identity, &err) != 0) {
        MCX_WARN("cx_answer_failed", "reason=\"%s\"", err.text);
        fd_msg_free(*msg);
        *msg = NULL;
        return -1;
    }
    return send_answer(msg);
}

static int on_request(struct msg **msg, struct avp *avp, struct session *sess, void *opaque,
                      enum disp_action *act)
{
    (void)avp;
    (void)sess;
    struct handler_slot *s = opaque;
    struct mcx_cx_error err;
    struct msg_hdr *hdr;
    *act = DISP_ACT_CONT;
    if (fd_msg_hdr(*msg, &hdr) != 0 || !(hdr->msg_flags & CMD_FLAG_REQUEST))
        return 0; /* an answer nobody waited for: freeDiameter discards it */
    memset(&err, 0, sizeof err);
    union request *r = malloc(sizeof *r);
    struct mcx_cx_txn *txn = calloc(1, sizeof *txn);
    if (!r || !txn) {
        free(r);
        free(txn);
        return ENOMEM; /* freeDiameter answers DIAMETER_UNABLE_TO_COMPLY */
    }
    cx_scan_identities(*msg, txn->user_name, txn->public_identity);
    if (parse_request(s, *msg, r, &err) != 0) {
        struct mcx_cx_result result;
        MCX_WARN("cx_bad_request", "cmd=%u result=%u avp=%u vendor=%u reason=\"%s\"", s->command,
                 err.result_code, err.avp_code, err.avp_vendor, err.text);
        mcx_cx_result_set_from_error(&result, &err);
        answer_with_result(msg, &result, txn->user_name, txn->public_identity);
        *msg = NULL;
        free(r);
        free(txn);
        return 0;
    }
    txn->request = *msg;
    txn->command = s->command;
    txn->origin = *request_origin(s, r);
    *msg = NULL; /* the transaction owns the request until it is answered */
    switch (s->command) {
    case MCX_CX_CMD_UAR:
        s->fn.uar(s->ctx, txn, &r->uar);
        break;
    case MCX_CX_CMD_SAR:
        s->fn.sar(s->ctx, txn, &r->sar);
        break;
    case MCX_CX_CMD_LIR:
        s->fn.lir(s->ctx, txn, &r->lir);
        break;
    case MCX_CX_CMD_MAR:
        s->fn.mar(s->ctx, txn, &r->mar);
        break;
    }
    free(r);
    return 0;
}

/* Registers slot for command with the dispatcher. */
static int serve(uint32_t command, struct dict_object *cmd, void *ctx)
{
    struct handler_slot *s = &slots[command - MCX_CX_CMD_UAR];
    if (!mcx_cx_dict.app || !cmd || s->hdl) {
        MCX_ERROR("cx_serve", "cmd=%u error=\"core not initialised or handler already set\"",
                  command);
        return -1;
    }
    s->command = command;
    s->ctx = ctx;
    struct disp_when when = {.app = mcx_cx_dict.app, .command = cmd};
    if (fd_disp_register(on_request, DISP_HOW_CC, &when, s, &s->hdl) != 0) {
        MCX_ERROR("cx_serve", "cmd=%u error=\"fd_disp_register failed\"", command);
        return -1;
    }
    return 0;
}

int mcx_cx_serve_mar(mcx_cx_mar_handler handler, void *ctx)
{
    if (!handler)
        return -1;
    slots[MCX_CX_CMD_MAR - MCX_CX_CMD_UAR].fn.mar = handler;
    return serve(MCX_CX_CMD_MAR, mcx_cx_dict.mar, ctx);
}

int mcx_cx_serve_uar(mcx_cx_uar_handler handler, void *ctx)
{
    if (!handler)
        return -1;
    slots[MCX_CX_CMD_UAR - MCX_CX_CMD_UAR].fn.uar = handler;
    return serve(MCX_CX_CMD_UAR, mcx_cx_dict.uar, ctx);
}

int mcx_cx_serve_sar(mcx_cx_sar_handler handler, void *ctx)
{
    if (!handler)
        return -1;
    slots[MCX_CX_CMD_SAR - MCX_CX_CMD_UAR].fn.sar = handler;
    return serve(MCX_CX_CMD_SAR, mcx_cx_dict.sar, ctx);
}

int mcx_cx_serve_lir(mcx_cx_lir_handler handler, void *ctx)
{
    if (!handler)
        return -1;
    slots[MCX_CX_CMD_LIR - MCX_CX_CMD_UAR].fn.lir = handler;
    return serve(MCX_CX_CMD_LIR, mcx_cx_dict.lir, ctx);
}

/* Finishes txn: sends *msg when built, else a 5012 answer; frees txn. */
static int finish(struct mcx_cx_txn *txn, struct msg *msg, int built,
                  const struct mcx_cx_error *err)
{
    int rc;
    if (built == 0) {
        rc = send_answer(&msg);
    } else {
        struct mcx_cx_result result;
        MCX_WARN("cx_answer_failed", "cmd=%u reason=\"%s\"", txn->command, err->text);
        back_to_request(&msg);
        mcx_cx_result_set_base(&result, MCX_DIAMETER_UNABLE_TO_COMPLY);
        answer_with_result(&msg, &result, txn->user_name, txn->public_identity);
        rc = -1;
    }
    free(txn);
    return rc;
}

/* Answers txn with 5012 when we ran out of memory building the real answer. */
static int answer_oom(struct mcx_cx_txn *txn)
{
    struct mcx_cx_result r;
    mcx_cx_result_set_base(&r, MCX_DIAMETER_UNABLE_TO_COMPLY);
    mcx_cx_answer_result(txn, &r);
    return -1;
}

/* Fills empty echoed identities of an answer from the request. */
static void echo_identities(const struct mcx_cx_txn *txn, char *user_name, char *public_identity)
{
    if (!user_name[0])
        memcpy(user_name, txn->user_name, MCX_CX_IDENTITY_MAX);
    if (!public_identity[0])
        memcpy(public_identity, txn->public_identity, MCX_CX_IDENTITY_MAX);
}

int mcx_cx_answer_maa(struct mcx_cx_txn *txn, const struct mcx_cx_maa *answer)
{
    struct mcx_cx_error err;
    struct mcx_cx_maa *copy = malloc(sizeof *copy);
    if (!copy)
        return answer_oom(txn);
    *copy = *answer;
    echo_identities(txn, copy->user_name, copy->public_identity);
    struct msg *msg = txn->request;
    int built = mcx_cx_maa_build(&msg, copy, &err);
    explicit_bzero(copy, sizeof *copy); /* XRES, CK, IK must not linger in freed memory */
    free(copy);
    return finish(txn, msg, built, &err);
}

int mcx_cx_answer_uaa(struct mcx_cx_txn *txn, const struct mcx_cx_uaa *answer)
{
    struct mcx_cx_error err;
    struct mcx_cx_uaa *copy = malloc(sizeof *copy);
    if (!copy)
        return answer_oom(txn);
    *copy = *answer;
    echo_identities(txn, copy->user_name, copy->public_identity);
    struct msg *msg = txn->request;
    int built = mcx_cx_uaa_build(&msg, copy, &err);
    free(copy);
    return finish(txn, msg, built, &err);
}

int mcx_cx_answer_saa(struct mcx_cx_txn *txn, const struct mcx_cx_saa *answer)
{
    struct mcx_cx_error err;
    struct mcx_cx_saa *copy = malloc(sizeof *copy);
    if (!copy)
        return answer_oom(txn);
    *copy = *answer;
    echo_identities(txn, copy->user_name, copy->public_identity);
    struct msg *msg = txn->request;
    int built = mcx_cx_saa_build(&msg, copy, &err);
    free(copy);
    return finish(txn, msg, built, &err);
}

int mcx_cx_answer_lia(struct mcx_cx_txn *txn, const struct mcx_cx_lia *answer)
{
    struct mcx_cx_error err;
    struct mcx_cx_lia *copy = malloc(sizeof *copy);
    if (!copy)
        return answer_oom(txn);
    *copy = *answer;
    echo_identities(txn, copy->user_name, copy->public_identity);
    struct msg *msg = txn->request;
    int built = mcx_cx_lia_build(&msg, copy, &err);
    free(copy);
    return finish(txn, msg, built, &err);
}

int mcx_cx_answer_result(struct mcx_cx_txn *txn, const struct mcx_cx_result *result)
{
    struct msg *msg = txn->request;
    int rc = answer_with_result(&msg, result, txn->user_name, txn->public_identity);
    free(txn);
    return rc;
}

uint32_t mcx_cx_txn_command(const struct mcx_cx_txn *txn)
{
    return txn->command;
}

const struct mcx_cx_origin *mcx_cx_txn_origin(const struct mcx_cx_txn *txn)
{
    return &txn->origin;
}
