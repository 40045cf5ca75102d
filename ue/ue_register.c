/* One UE's REGISTER exchange as a state machine; see ue_register.h. */
#include "ue_register.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "core/codec.h"
#include "core/log.h"
#include "sip/sip_auth.h"
#include "sip/sip_msg.h"
#include "sip/sip_parse.h"
#include "ue_auth.h"

#define MAX_CHALLENGES 3 /* 401s in one exchange before it counts as a loop */

/* Timer F: how long one request may wait for its final response (64 * T1). */
static uint64_t timer_f_span(const struct ue_reg *reg)
{
    return 64u * (uint64_t)reg->cfg->t1_ms * 1000u;
}

void ue_random_hex(char *buf, size_t n)
{
    uint8_t bytes[UE_RANDOM_HEX_MAX / 2];
    char hex[UE_RANDOM_HEX_MAX + 1];
    if (n > UE_RANDOM_HEX_MAX)
        n = UE_RANDOM_HEX_MAX;
    size_t len = (n + 1) / 2;
    if (getrandom(bytes, len, 0) != (ssize_t)len) /* cannot happen after boot; stay well-formed */
        memset(bytes, 0x5a, len);
    mcx_hex_encode(bytes, len, hex, sizeof hex);
    memcpy(buf, hex, n);
    buf[n] = '\0';
}

const char *ue_reg_result_name(enum ue_reg_result result)
{
    switch (result) {
    case UE_REG_PENDING:
        return "pending";
    case UE_REG_REGISTERED:
        return "registered";
    case UE_REG_DEREGISTERED:
        return "deregistered";
    case UE_REG_MAC_FAILURE:
        return "mac_failure";
    case UE_REG_FORBIDDEN:
        return "forbidden";
    case UE_REG_AUTH_LOOP:
        return "auth_loop";
    case UE_REG_SERVER_ERROR:
        return "server_error";
    case UE_REG_REJECTED:
        return "rejected";
    case UE_REG_TIMEOUT:
        return "timeout";
    case UE_REG_BAD_CHALLENGE:
        return "bad_challenge";
    case UE_REG_TRANSPORT:
        return "transport_error";
    case UE_REG_INTERNAL:
        return "internal_error";
    }
    return "unknown";
}

void ue_reg_init(struct ue_reg *reg, struct ue_isim *isim, const struct ue_reg_config *cfg,
                 const char *local_host, uint16_t local_port)
{
    memset(reg, 0, sizeof *reg);
    reg->isim = isim;
    reg->cfg = cfg;
    snprintf(reg->local_host, sizeof reg->local_host, "%s", local_host);
    reg->local_port = local_port;
    snprintf(reg->ruri, sizeof reg->ruri, "sip:%s", isim->domain);
    char rnd[25];
    ue_random_hex(rnd, 24);
    snprintf(reg->call_id, sizeof reg->call_id, "%s@%s", rnd, local_host);
    ue_random_hex(reg->from_tag, 16);
    reg->cseq = 0;
    reg->granted_expires = -1;
}

void ue_reg_fail(struct ue_reg *reg, enum ue_reg_result result, const char *reason, uint64_t now_us)
{
    reg->result = result;
    reg->finished_us = now_us;
    reg->timer_us = 0;
    snprintf(reg->reason, sizeof reg->reason, "%s", reason);
    MCX_INFO("ue.register.end", "impi=%s call_id=%s result=%s reason=\"%s\"", reg->isim->impi,
             reg->call_id, ue_reg_result_name(result), reg->reason);
}

/* Finishes with a result; returns UE_REG_DONE. */
static enum ue_reg_action finish(struct ue_reg *reg, enum ue_reg_result result, uint64_t now_us,
                                 const char *reason)
{
    ue_reg_fail(reg, result, reason, now_us);
    return UE_REG_DONE;
}

/* Builds the next REGISTER (new CSeq and branch) with the given Authorization value and arms
 * the timers. Returns UE_REG_SEND, or UE_REG_DONE when it does not fit. */
static enum ue_reg_action build_request(struct ue_reg *reg, const char *authorization,
                                        uint64_t now_us)
{
    char contact[UE_IDENTITY_MAX + 128];
    char user[UE_IDENTITY_MAX];
    snprintf(user, sizeof user, "%s", reg->isim->impi);
    char *at = strrchr(user, '@');
    if (at)
        *at = '\0';
    snprintf(contact, sizeof contact, "<sip:%s@%s:%u%s>", user, reg->local_host,
             (unsigned)reg->local_port, reg->cfg->reliable ? ";transport=tcp" : "");
    char headers[UE_REG_OUT_MAX];
    int hlen =
        snprintf(headers, sizeof headers,
                 "Authorization: %s\r\nSupported: path\r\nUser-Agent: mcx-ue/" MCX_VERSION "\r\n",
                 authorization);
    if (hlen < 0 || (size_t)hlen >= sizeof headers)
        return finish(reg, UE_REG_INTERNAL, now_us, "REGISTER headers too long");
    reg->cseq++;
    ue_random_hex(reg->branch, 20);
    struct sip_request r = {
        .method = "REGISTER",
        .ruri = reg->ruri,
        .via_transport = reg->cfg->transport,
        .via_host = reg->local_host,
        .via_port = reg->local_port,
        .branch = reg->branch,
        .from_uri = reg->isim->impu,
        .from_tag = reg->from_tag,
        .to_uri = reg->isim->impu,
        .call_id = reg->call_id,
        .cseq = reg->cseq,
        .contact = contact,
        .expires = reg->expires,
        .max_forwards = 70,
        .headers = headers,
        .headers_len = (size_t)hlen,
    };
    int len = sip_request_build(&r, reg->out, sizeof reg->out);
    if (len < 0)
        return finish(reg, UE_REG_INTERNAL, now_us, "REGISTER does not fit the buffer");
    reg->out_len = (size_t)len;
    reg->request_us = now_us;
    reg->interval_us = (uint64_t)reg->cfg->t1_ms * 1000u;
    reg->timer_us = now_us + (reg->cfg->reliable ? timer_f_span(reg) : reg->interval_us);
    if (reg->cfg->trace)
        reg->cfg->trace(reg->cfg->trace_arg, "send", reg->out, reg->out_len);
    return UE_REG_SEND;
}

enum ue_reg_action ue_reg_start(struct ue_reg *reg, long expires, uint64_t now_us)
{
    reg->expires = expires;
    reg->started_us = now_us;
    reg->finished_us = 0;
    reg->retransmits = 0;
    reg->challenges = 0;
    reg->answered = reg->resynced = reg->mac_failure = reg->min_expires_retried = false;
    reg->nc = 0;
    reg->result = UE_REG_PENDING;
    reg->status = 0;
    reg->granted_expires = -1;
    reg->service_route[0] = reg->p_associated_uri[0] = reg->reason[0] = '\0';
    char auth[UE_AUTH_HEADER_MAX];
    if (ue_auth_initial(reg->isim, reg->ruri, reg->cfg->algorithm, auth, sizeof auth) < 0)
        return finish(reg, UE_REG_INTERNAL, now_us, "Authorization header too long");
    MCX_INFO("ue.register.start", "impi=%s impu=%s call_id=%s expires=%ld", reg->isim->impi,
             reg->isim->impu, reg->call_id, expires);
    return build_request(reg, auth, now_us);
}

enum ue_reg_action ue_reg_on_timer(struct ue_reg *reg, uint64_t now_us)
{
    if (reg->result != UE_REG_PENDING || reg->timer_us == 0 || now_us < reg->timer_us)
        return UE_REG_WAIT;
    uint64_t timer_f = reg->request_us + timer_f_span(reg);
    if (now_us >= timer_f) {
        char reason[96];
        snprintf(reason, sizeof reason, "no final response to CSeq %u within %llu ms (timer F)",
                 (unsigned)reg->cseq, (unsigned long long)(timer_f_span(reg) / 1000u));
        return finish(reg, UE_REG_TIMEOUT, now_us, reason);
    }
    if (reg->cfg->reliable) {
        reg->timer_us = timer_f;
        return UE_REG_WAIT;
    }
    reg->retransmits++;
    reg->interval_us *= 2;
    if (reg->interval_us > (uint64_t)reg->cfg->t2_ms * 1000u)
        reg->interval_us = (uint64_t)reg->cfg->t2_ms * 1000u;
    reg->timer_us = now_us + reg->interval_us < timer_f ? now_us + reg->interval_us : timer_f;
    MCX_DEBUG("ue.register.retransmit", "call_id=%s cseq=%u next_ms=%llu", reg->call_id,
              (unsigned)reg->cseq, (unsigned long long)(reg->interval_us / 1000u));
    if (reg->cfg->trace)
        reg->cfg->trace(reg->cfg->trace_arg, "send (retransmission)", reg->out, reg->out_len);
    return UE_REG_SEND;
}

/* Appends n bytes to out (cap bytes, *len used); returns false when they did not all fit. */
static bool append_cut(char *out, size_t cap, size_t *len, const char *p, size_t n)
{
    size_t room = cap - 1 - *len;
    size_t take = n < room ? n : room;
    memcpy(out + *len, p, take);
    *len += take;
    out[*len] = '\0';
    return take == n;
}

/* Joins the values of every header with this id into out (", " between them); a value that
 * does not fit is cut and ends in "...". */
static void join_headers(const struct sip_msg *msg, enum sip_hdr id, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    bool fits = true;
    for (int i = sip_header_find(msg, id, 0); i >= 0 && fits;
         i = sip_header_find(msg, id, (size_t)i + 1)) {
        if (len > 0)
            fits = append_cut(out, cap, &len, ", ", 2);
        struct sip_slice v = msg->headers[i].value;
        fits = fits && append_cut(out, cap, &len, v.p, v.len);
    }
    if (!fits && cap > 4)
        memcpy(out + cap - 4, "...", 4);
}

/* The expiry the registrar granted to our Contact (its expires= parameter), else Expires. */
static long granted_expiry(const struct ue_reg *reg, const struct sip_msg *msg)
{
    char hostport[96];
    snprintf(hostport, sizeof hostport, "%s:%u", reg->local_host, (unsigned)reg->local_port);
    for (int i = sip_header_find(msg, SIP_HDR_CONTACT, 0); i >= 0;
         i = sip_header_find(msg, SIP_HDR_CONTACT, (size_t)i + 1)) {
        size_t pos = 0;
        struct sip_slice item;
        while (sip_list_next(msg->headers[i].value, &pos, &item) == 1) {
            struct sip_name_addr na;
            if (sip_name_addr_parse(item, &na) != 0 ||
                !memmem(na.uri.p, na.uri.len, hostport, strlen(hostport)))
                continue;
            struct sip_slice val;
            unsigned long v;
            if (sip_param_find(na.params, "expires", &val) == 1 && sip_slice_to_ulong(val, &v) == 0)
                return (long)v;
        }
    }
    return msg->expires;
}

/* Answers a 401/407 challenge. */
static enum ue_reg_action on_challenge(struct ue_reg *reg, const struct sip_msg *msg,
                                       uint64_t now_us)
{
    reg->challenges++;
    if (reg->mac_failure)
        return finish(reg, UE_REG_MAC_FAILURE, now_us,
                      "AUTN MAC-A mismatch: network not authentic (challenged again)");
    enum sip_hdr id = msg->status == 407 ? SIP_HDR_PROXY_AUTHENTICATE : SIP_HDR_WWW_AUTHENTICATE;
    /* Prefer the challenge with the algorithm we asked for; else the first Digest one. */
    int chosen = -1;
    for (int i = sip_header_find(msg, id, 0); i >= 0; i = sip_header_find(msg, id, (size_t)i + 1)) {
        struct sip_digest d;
        const char *why;
        enum mcx_digest_algorithm alg;
        if (sip_digest_parse(msg->headers[i].value, &d, &why) != 0)
            continue;
        if (chosen < 0)
            chosen = i;
        if (mcx_digest_algorithm_parse(d.algorithm.p, d.algorithm.len, &alg) == 0 &&
            alg == reg->cfg->algorithm) {
            chosen = i;
            break;
        }
    }
    if (chosen < 0)
        return finish(reg, UE_REG_BAD_CHALLENGE, now_us, "401 without a Digest challenge");
    struct sip_digest d;
    const char *why;
    sip_digest_parse(msg->headers[chosen].value, &d, &why);
    bool stale = d.stale.p && sip_slice_ieq(d.stale, "true");
    if ((reg->answered && !stale) || reg->challenges > MAX_CHALLENGES)
        return finish(reg, UE_REG_AUTH_LOOP, now_us,
                      "challenged again after answering (401 loop): wrong credentials?");

    char cnonce[17];
    ue_random_hex(cnonce, 16);
    struct ue_auth_params params = {
        .method = "REGISTER",
        .uri = reg->ruri,
        .password = reg->cfg->password,
        .cnonce = cnonce,
        .nc = 1,
    };
    struct ue_auth_answer answer;
    const char *reason = NULL;
    if (ue_auth_answer(reg->isim, msg->headers[chosen].value, &params, &answer, &reason) != 0)
        return finish(reg, UE_REG_BAD_CHALLENGE, now_us, reason);
    switch (answer.kind) {
    case UE_AUTH_RESPONSE:
        reg->answered = true;
        if (answer.sqn_accepted) {
            char err[256];
            if (ue_isim_state_save(reg->isim, err, sizeof err) != 0)
                return finish(reg, UE_REG_INTERNAL, now_us, err);
        }
        MCX_INFO("ue.challenge", "impi=%s call_id=%s algorithm=%s outcome=answered sqn=%llu",
                 reg->isim->impi, reg->call_id, mcx_digest_algorithm_name(answer.algorithm),
                 (unsigned long long)answer.sqn);
        break;
    case UE_AUTH_RESYNC:
        if (reg->resynced)
            return finish(reg, UE_REG_AUTH_LOOP, now_us,
                          "SQN still not fresh after resynchronisation (401 loop)");
        reg->resynced = true;
        MCX_INFO("ue.challenge", "impi=%s call_id=%s algorithm=%s outcome=sync_failure sqn=%llu",
                 reg->isim->impi, reg->call_id, mcx_digest_algorithm_name(answer.algorithm),
                 (unsigned long long)answer.sqn);
        break;
    case UE_AUTH_MAC_FAILURE:
        reg->mac_failure = true;
        MCX_WARN("ue.challenge", "impi=%s call_id=%s algorithm=%s outcome=mac_failure",
                 reg->isim->impi, reg->call_id, mcx_digest_algorithm_name(answer.algorithm));
        break;
    }
    return build_request(reg, answer.header, now_us);
}

enum ue_reg_action ue_reg_on_message(struct ue_reg *reg, const char *buf, size_t len,
                                     uint64_t now_us)
{
    if (reg->result != UE_REG_PENDING)
        return UE_REG_WAIT;
    struct sip_msg msg;
    const char *why = NULL;
    if (sip_parse(buf, len, &msg, &why) != SIP_OK || msg.is_request) {
        MCX_DEBUG("ue.message.ignored", "call_id=%s reason=\"%s\"", reg->call_id,
                  why ? why : "request");
        return UE_REG_WAIT;
    }
    if (!sip_slice_eq(msg.call_id, reg->call_id) || msg.cseq != reg->cseq ||
        !sip_slice_eq(msg.cseq_method, "REGISTER")) {
        MCX_DEBUG("ue.message.ignored", "call_id=%s reason=\"not the current request\"",
                  reg->call_id);
        return UE_REG_WAIT;
    }
    if (reg->cfg->trace)
        reg->cfg->trace(reg->cfg->trace_arg, "recv", buf, msg.total_len);
    if (msg.status < 200) {
        if (!reg->cfg->reliable) { /* RFC 3261 17.1.2.2: keep retransmitting at T2 */
            uint64_t timer_f = reg->request_us + timer_f_span(reg);
            reg->interval_us = (uint64_t)reg->cfg->t2_ms * 1000u;
            reg->timer_us =
                now_us + reg->interval_us < timer_f ? now_us + reg->interval_us : timer_f;
        }
        return UE_REG_WAIT;
    }
    reg->status = msg.status;
    char status_line[128];
    snprintf(status_line, sizeof status_line, "%d %.*s", msg.status,
             (int)(msg.reason.len > 96 ? 96 : msg.reason.len), msg.reason.p);
    if (msg.status == 401 || msg.status == 407)
        return on_challenge(reg, &msg, now_us);
    if (msg.status >= 200 && msg.status < 300) {
        if (reg->mac_failure)
            return finish(reg, UE_REG_MAC_FAILURE, now_us,
                          "AUTN MAC-A mismatch, yet the network accepted the empty response");
        join_headers(&msg, SIP_HDR_SERVICE_ROUTE, reg->service_route, sizeof reg->service_route);
        join_headers(&msg, SIP_HDR_P_ASSOCIATED_URI, reg->p_associated_uri,
                     sizeof reg->p_associated_uri);
        reg->granted_expires = granted_expiry(reg, &msg);
        return finish(reg, reg->expires == 0 ? UE_REG_DEREGISTERED : UE_REG_REGISTERED, now_us,
                      status_line);
    }
    if (msg.status == 423 && !reg->min_expires_retried) {
        int i = sip_header_find(&msg, SIP_HDR_MIN_EXPIRES, 0);
        unsigned long min_expires;
        if (i >= 0 && sip_slice_to_ulong(msg.headers[i].value, &min_expires) == 0 &&
            min_expires > 0 && min_expires <= 0x7fffffffUL) {
            reg->min_expires_retried = true;
            reg->expires = (long)min_expires;
            char auth[UE_AUTH_HEADER_MAX];
            if (ue_auth_initial(reg->isim, reg->ruri, reg->cfg->algorithm, auth, sizeof auth) < 0)
                return finish(reg, UE_REG_INTERNAL, now_us, "Authorization header too long");
            return build_request(reg, auth, now_us);
        }
    }
    if (msg.status == 403)
        return finish(reg, reg->mac_failure ? UE_REG_MAC_FAILURE : UE_REG_FORBIDDEN, now_us,
                      reg->mac_failure ? "AUTN MAC-A mismatch: network not authentic (403)"
                                       : status_line);
    if (reg->mac_failure)
        return finish(reg, UE_REG_MAC_FAILURE, now_us,
                      "AUTN MAC-A mismatch: network not authentic");
    if (msg.status >= 500 && msg.status < 600)
        return finish(reg, UE_REG_SERVER_ERROR, now_us, status_line);
    return finish(reg, UE_REG_REJECTED, now_us, status_line);
}
