/* REGISTER handling: UAR, MAR, challenge, digest check, SAR, bindings; see registrar.h. */
#include "registrar.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "aka/digest.h"
#include "core/codec.h"
#include "core/log.h"
#include "sip/sip_auth.h"
#include "sip/sip_msg.h"

#define RESPONSE_MAX    8192
#define EXTRA_MAX       4096
#define MAX_CONTACT_OPS (REG_MAX_BINDINGS * 2)
#define PATH_MAX_BYTES  1024
#define ASSOCIATED_MAX  1024

enum reg_step {
    STEP_UAR = 0,
    STEP_MAR,
    STEP_SAR_REGISTER,     /* REGISTRATION, RE_REGISTRATION or USER_DEREGISTRATION */
    STEP_SAR_AUTH_FAILURE, /* then 403 */
    STEP_SAR_TIMEOUT,      /* timer: no SIP request */
};

struct reg_txn {
    struct reg_txn *next; /* free for the worker's queue */
    struct reg_worker *worker;
    enum reg_step step;
    struct cscf_peer from;
    char *req; /* copy of the request bytes (NULL for timer SARs) */
    size_t req_len;
    char key[TXN_KEY_MAX];
    size_t key_len;
    char impu[MCX_CX_IDENTITY_MAX];
    char impi[MCX_CX_IDENTITY_MAX];
    char realm[MCX_CX_IDENTITY_MAX];
    struct mcx_cx_route route;
    uint32_t assignment_type;
    bool stale;  /* the 401 says stale=TRUE */
    bool resync; /* MAR carries RAND||AUTS */
    char scheme[MCX_CX_SCHEME_MAX];
    struct cscf_cx_result cx;
};

struct cscf_cx_result *reg_txn_cx_result(struct reg_txn *txn)
{
    return &txn->cx;
}

struct reg_txn **reg_txn_link(struct reg_txn *txn)
{
    return &txn->next;
}

void reg_txn_cx_done(struct reg_txn *txn)
{
    struct reg_worker *w = txn->worker;
    w->env.post(w->env.ctx, txn);
}

void registrar_config_defaults(struct registrar_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->min_expires = 60;
    cfg->max_expires = 7200;
    cfg->default_expires = 3600;
    cfg->nonce_ttl_ms = 30000;
    cfg->auth_items = 1;
    cfg->txn_ttl_ms = 32000;
    cfg->txn_max = 65536;
    cfg->use_uar = true;
}

int registrar_init(struct registrar *r, const struct registrar_config *cfg,
                   const struct cscf_cx_ops *cx, size_t shard_count)
{
    memset(r, 0, sizeof *r);
    r->cfg = *cfg;
    r->cx = *cx;
    r->store = reg_store_new(shard_count);
    return r->store ? 0 : -1;
}

void registrar_destroy(struct registrar *r)
{
    reg_store_free(r->store);
    r->store = NULL;
}

int reg_worker_init(struct reg_worker *w, struct registrar *r, const struct reg_worker_env *env,
                    unsigned index, unsigned count)
{
    memset(w, 0, sizeof *w);
    w->reg = r;
    w->env = *env;
    w->index = index;
    w->count = count ? count : 1;
    if (getrandom(&w->tag_seed, sizeof w->tag_seed, 0) != sizeof w->tag_seed)
        w->tag_seed = (uint32_t)(uintptr_t)w ^ index;
    return txn_cache_init(&w->txns, r->cfg.txn_max, r->cfg.txn_ttl_ms);
}

void reg_worker_destroy(struct reg_worker *w)
{
    txn_cache_destroy(&w->txns);
}

/* ---- responses ---- */

/* The numeric source address and port of a peer; returns 0, or -1 when it has none. */
static int peer_address(const struct cscf_peer *p, char *out, size_t cap, uint16_t *port)
{
    if (p->addr.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&p->addr;
        *port = ntohs(a->sin_port);
        return inet_ntop(AF_INET, &a->sin_addr, out, (socklen_t)cap) ? 0 : -1;
    }
    if (p->addr.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&p->addr;
        *port = ntohs(a->sin6_port);
        return inet_ntop(AF_INET6, &a->sin6_addr, out, (socklen_t)cap) ? 0 : -1;
    }
    return -1;
}

/* Builds and sends a response; final responses are kept for retransmissions (key may be NULL). */
static void respond(struct reg_worker *w, const struct sip_msg *req, const struct cscf_peer *to,
                    const char *key, size_t key_len, int status, const char *reason,
                    const char *extra, size_t extra_len)
{
    char tag[24];
    snprintf(tag, sizeof tag, "%08x%08llx", w->tag_seed, (unsigned long long)++w->tag_counter);
    struct sip_response r = {.status = status,
                             .reason = reason,
                             .to_tag = tag,
                             .headers = extra,
                             .headers_len = extra_len};
    /* RFC 3581 / RFC 3261 18.2.1: tell the client where its request came from */
    char received[INET6_ADDRSTRLEN];
    if (peer_address(to, received, sizeof received, &r.rport) == 0)
        r.received = received;
    char out[RESPONSE_MAX];
    int n = sip_response_build(req, &r, out, sizeof out);
    if (n < 0) {
        MCX_ERROR("sip_response_too_large", "status=%d", status);
        struct sip_response small = {.status = 500, .to_tag = tag};
        n = sip_response_build(req, &small, out, sizeof out);
        if (n < 0)
            return;
    }
    w->env.send(w->env.ctx, to, out, (size_t)n);
    if (key && status >= 200)
        txn_cache_complete(&w->txns, key, key_len, out, (size_t)n);
}

/* ---- request inspection ---- */

/* Copies the URI of a name-addr header (To) without URI parameters or headers. */
static int header_uri(const struct sip_msg *m, enum sip_hdr id, char *out, size_t cap)
{
    int h = sip_header_find(m, id, 0);
    struct sip_name_addr na;
    if (h < 0 || sip_name_addr_parse(m->headers[h].value, &na) != 0)
        return -1;
    struct sip_slice u = na.uri;
    for (size_t i = 0; i < u.len; i++) {
        if (u.p[i] == ';' || u.p[i] == '?') {
            u.len = i;
            break;
        }
    }
    return sip_slice_copy(u, out, cap) < 0 ? -1 : 0;
}

/* The domain of an identity ("alice@mcx.lab" -> "mcx.lab"; no '@': the whole text). */
static const char *domain_of(const char *id)
{
    const char *at = strrchr(id, '@');
    return at ? at + 1 : id;
}

struct contact_op {
    struct sip_slice uri;
    uint32_t expires; /* 0 removes */
};

/* Reads the Contact headers into ops. Returns 0, or the SIP status to answer (400, 423) with
 * *reason. *wildcard is set for "Contact: *" (with Expires: 0). */
static int collect_contacts(const struct registrar_config *cfg, const struct sip_msg *m,
                            struct contact_op *ops, size_t *n, bool *wildcard, const char **reason)
{
    *n = 0;
    *wildcard = false;
    size_t items = 0;
    for (int h = sip_header_find(m, SIP_HDR_CONTACT, 0); h >= 0;
         h = sip_header_find(m, SIP_HDR_CONTACT, (size_t)h + 1)) {
        size_t pos = 0;
        struct sip_slice item;
        int rc;
        while ((rc = sip_list_next(m->headers[h].value, &pos, &item)) == 1) {
            items++;
            struct sip_name_addr na;
            if (sip_name_addr_parse(item, &na) != 0) {
                *reason = "Malformed Contact header";
                return 400;
            }
            if (na.wildcard) {
                *wildcard = true;
                continue;
            }
            long expires = m->expires >= 0 ? m->expires : (long)cfg->default_expires;
            struct sip_slice v;
            int prc = sip_param_find(na.params, "expires", &v);
            unsigned long pe;
            if (prc < 0 || (prc == 1 && sip_slice_to_ulong(v, &pe) != 0)) {
                *reason = "Malformed Contact expires parameter";
                return 400;
            }
            if (prc == 1)
                expires = pe > UINT32_MAX ? UINT32_MAX : (long)pe;
            if (expires > 0 && (uint32_t)expires < cfg->min_expires)
                return 423;
            if (expires > (long)cfg->max_expires)
                expires = cfg->max_expires;
            if (*n >= MAX_CONTACT_OPS) {
                *reason = "Too many Contact addresses";
                return 400;
            }
            ops[*n].uri = na.uri;
            ops[*n].expires = (uint32_t)expires;
            (*n)++;
        }
        if (rc < 0) {
            *reason = "Malformed Contact header";
            return 400;
        }
    }
    if (*wildcard && (items != 1 || m->expires != 0)) {
        *reason = "Contact * needs Expires: 0 and no other Contact";
        return 400;
    }
    return 0;
}

/* Joins the request's Path header values with ", " into out (empty when none). */
static void join_path(const struct sip_msg *m, char *out, size_t cap)
{
    struct sip_writer wr;
    sip_writer_init(&wr, out, cap);
    for (int h = sip_header_find(m, SIP_HDR_PATH, 0); h >= 0;
         h = sip_header_find(m, SIP_HDR_PATH, (size_t)h + 1)) {
        if (wr.len)
            sip_writer_add(&wr, ", ", 2);
        sip_writer_slice(&wr, m->headers[h].value);
    }
    if (sip_writer_finish(&wr) < 0)
        out[0] = '\0';
}

/* ---- transactions ---- */

static struct reg_txn *txn_new(struct reg_worker *w, enum reg_step step, const char *buf,
                               size_t len, const struct cscf_peer *from, const char *key,
                               size_t key_len)
{
    struct reg_txn *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->worker = w;
    t->step = step;
    if (buf) {
        t->req = malloc(len);
        if (!t->req) {
            free(t);
            return NULL;
        }
        memcpy(t->req, buf, len);
        t->req_len = len;
        t->from = *from;
        memcpy(t->key, key, key_len);
        t->key_len = key_len;
    }
    return t;
}

static void txn_free(struct reg_txn *t)
{
    if (!t)
        return;
    reg_wipe(&t->cx, sizeof t->cx);
    free(t->req);
    free(t);
}

/* Sends the Cx request of t's current step; false when it could not be sent. */
static bool send_step(struct reg_worker *w, struct reg_txn *t, const void *request)
{
    const struct cscf_cx_ops *cx = &w->reg->cx;
    int rc = -1;
    w->in_flight++;
    switch (t->step) {
    case STEP_UAR:
        rc = cx->send_uar(cx->impl, &t->route, request, t);
        break;
    case STEP_MAR:
        rc = cx->send_mar(cx->impl, &t->route, request, t);
        break;
    case STEP_SAR_REGISTER:
    case STEP_SAR_AUTH_FAILURE:
    case STEP_SAR_TIMEOUT:
        rc = cx->send_sar(cx->impl, &t->route, request, t);
        break;
    }
    if (rc != 0)
        w->in_flight--;
    return rc == 0;
}

/* Answers a request-carrying transaction, then frees it. */
static void txn_respond(struct reg_worker *w, struct reg_txn *t, int status, const char *reason,
                        const char *extra, size_t extra_len)
{
    struct sip_msg m;
    const char *why;
    if (t->req && sip_parse(t->req, t->req_len, &m, &why) == SIP_OK)
        respond(w, &m, &t->from, t->key, t->key_len, status, reason, extra, extra_len);
    txn_free(t);
}

/* The SIP status for a failed Cx exchange: 504 on timeout or an unusable answer, 480 when the
 * peer cannot be reached, 403 when the HSS rejects the user. */
static int cx_failure_status(const struct cscf_cx_result *res, const struct mcx_cx_result *r)
{
    if (res->outcome != CSCF_CX_ANSWERED)
        return 504;
    uint32_t code = r->experimental_code ? r->experimental_code : r->result_code;
    if (code == MCX_DIAMETER_UNABLE_TO_DELIVER)
        return 480;
    if (r->experimental_code >= 5000 && r->experimental_code < 6000)
        return 403;
    if (code == MCX_DIAMETER_AUTHORIZATION_REJECTED)
        return 403;
    return 504;
}

static bool cx_success(const struct cscf_cx_result *res, const struct mcx_cx_result *r)
{
    if (res->outcome != CSCF_CX_ANSWERED)
        return false;
    uint32_t code = r->experimental_code ? r->experimental_code : r->result_code;
    return code >= 2000 && code < 3000;
}

static void cx_failed(struct reg_worker *w, struct reg_txn *t, const char *what,
                      const struct mcx_cx_result *r)
{
    int status = cx_failure_status(&t->cx, r);
    MCX_WARN("cx_failed", "request=%s impu=%s outcome=%d result=%u experimental=%u status=%d", what,
             t->impu, (int)t->cx.outcome, r ? r->result_code : 0u, r ? r->experimental_code : 0u,
             status);
    if (status != 403)
        atomic_fetch_add(&w->reg->stats.cx_failures, 1);
    txn_respond(w, t, status, NULL, NULL, 0);
}

/* ---- challenge ---- */

static const char *alg_name(enum reg_alg a)
{
    switch (a) {
    case REG_ALG_AKAV1:
        return "AKAv1-MD5";
    case REG_ALG_AKAV2:
        return "AKAv2-MD5";
    default:
        return "MD5";
    }
}

/* Makes v the user's challenge (new nonce, realm t->realm) and sends the 401. */
static void send_challenge(struct reg_worker *w, struct reg_txn *t, const struct reg_vector *v,
                           uint64_t now_ms)
{
    char nonce[REG_NONCE_MAX];
    if (v->alg == REG_ALG_MD5) {
        uint8_t rnd[24];
        if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd) {
            txn_respond(w, t, 500, NULL, NULL, 0);
            return;
        }
        mcx_base64_encode(rnd, sizeof rnd, nonce, sizeof nonce);
    } else {
        mcx_base64_encode(v->rand_autn, sizeof v->rand_autn, nonce, sizeof nonce);
    }
    struct reg_shard *sh = reg_store_lock(w->reg->store, t->impu);
    struct reg_user *u = reg_shard_find(sh, t->impu);
    if (u && strcmp(u->impi, t->impi) != 0 && u->binding_count == 0) {
        /* another private identity now registers this IMPU: start its record afresh */
        reg_shard_remove(sh, u);
        u = NULL;
    }
    if (!u)
        u = reg_shard_add(sh, t->impu, t->impi, t->realm);
    bool ok = u != NULL && strcmp(u->impi, t->impi) == 0;
    if (ok && strcmp(u->realm, t->realm) != 0) {
        char *nr = strdup(t->realm);
        ok = nr != NULL;
        if (nr) {
            free(u->realm);
            u->realm = nr;
        }
    }
    if (ok) {
        reg_wipe(&u->challenge, sizeof u->challenge);
        u->challenge.active = true;
        u->challenge.v = *v;
        u->challenge.created_ms = now_ms;
        memcpy(u->challenge.nonce, nonce, sizeof nonce);
    }
    reg_shard_unlock(sh);
    if (!ok) {
        txn_respond(w, t, u ? 403 : 500, u ? "Identity registered by another IMPI" : NULL, NULL, 0);
        return;
    }
    char extra[EXTRA_MAX];
    int n = snprintf(extra, sizeof extra,
                     "WWW-Authenticate: Digest realm=\"%s\", nonce=\"%s\", algorithm=%s, "
                     "qop=\"auth\"%s\r\n",
                     t->realm, nonce, alg_name(v->alg), t->stale ? ", stale=TRUE" : "");
    if (n < 0 || (size_t)n >= sizeof extra) {
        txn_respond(w, t, 500, NULL, NULL, 0);
        return;
    }
    atomic_fetch_add(&w->reg->stats.challenges, 1);
    MCX_INFO("register_challenge", "impu=%s impi=%s algorithm=%s stale=%d", t->impu, t->impi,
             alg_name(v->alg), t->stale ? 1 : 0);
    txn_respond(w, t, 401, NULL, extra, (size_t)n);
}

/* Converts the items of an MAA into vectors; updates *realm for SIP Digest items that carry
 * one. Returns the count. */
static size_t maa_vectors(const struct mcx_cx_maa *maa, struct reg_vector *out, size_t cap,
                          char *realm, size_t realm_cap)
{
    size_t n = 0;
    for (size_t i = 0; i < maa->item_count && n < cap; i++) {
        const struct mcx_cx_auth_item *it = &maa->items[i];
        struct reg_vector v;
        memset(&v, 0, sizeof v);
        bool aka1 = strcasecmp(it->scheme, MCX_CX_SCHEME_AKAV1) == 0;
        bool aka2 = strcasecmp(it->scheme, MCX_CX_SCHEME_AKAV2) == 0;
        if (aka1 || aka2) {
            if (it->authenticate_len != 32 || it->authorization_len < 4 ||
                it->authorization_len > 16 || (aka2 && (!it->has_ck || !it->has_ik)))
                continue;
            v.alg = aka1 ? REG_ALG_AKAV1 : REG_ALG_AKAV2;
            memcpy(v.rand_autn, it->authenticate, 32);
            memcpy(v.xres, it->authorization, it->authorization_len);
            v.xres_len = (uint8_t)it->authorization_len;
            if (it->has_ck)
                memcpy(v.ck, it->ck, 16);
            if (it->has_ik)
                memcpy(v.ik, it->ik, 16);
        } else if (strcasecmp(it->scheme, MCX_CX_SCHEME_SIP_DIGEST) == 0 && it->has_digest) {
            if (strlen(it->digest_ha1) != 32)
                continue;
            v.alg = REG_ALG_MD5;
            for (size_t k = 0; k < 32; k++)
                v.ha1[k] = (char)tolower((unsigned char)it->digest_ha1[k]);
            if (it->digest_realm[0])
                snprintf(realm, realm_cap, "%s", it->digest_realm);
        } else {
            continue;
        }
        out[n++] = v;
        reg_wipe(&v, sizeof v);
    }
    return n;
}

static void start_mar(struct reg_worker *w, struct reg_txn *t, const uint8_t *rand_auts);

/* After the UAA: continue with the MAR (or answer the failure). */
static void on_uaa(struct reg_worker *w, struct reg_txn *t)
{
    const struct mcx_cx_uaa *uaa = &t->cx.u.uaa;
    if (!cx_success(&t->cx, &uaa->result)) {
        cx_failed(w, t, "UAR", t->cx.outcome == CSCF_CX_ANSWERED ? &uaa->result : NULL);
        return;
    }
    start_mar(w, t, NULL);
}

static void start_mar(struct reg_worker *w, struct reg_txn *t, const uint8_t *rand_auts)
{
    struct mcx_cx_mar mar;
    memset(&mar, 0, sizeof mar);
    snprintf(mar.user_name, sizeof mar.user_name, "%s", t->impi);
    snprintf(mar.public_identity, sizeof mar.public_identity, "%s", t->impu);
    snprintf(mar.server_name, sizeof mar.server_name, "%s", w->reg->cfg.server_name);
    snprintf(mar.scheme, sizeof mar.scheme, "%s", t->scheme);
    mar.number_auth_items = w->reg->cfg.auth_items;
    if (rand_auts) {
        memcpy(mar.authorization, rand_auts, 30);
        mar.authorization_len = 30;
        mar.number_auth_items = 1;
    }
    t->step = STEP_MAR;
    memset(&t->cx, 0, sizeof t->cx);
    if (!send_step(w, t, &mar)) {
        t->cx.outcome = CSCF_CX_TIMEOUT;
        cx_failed(w, t, "MAR", NULL);
    }
    reg_wipe(&mar, sizeof mar);
}

static void on_maa(struct reg_worker *w, struct reg_txn *t, uint64_t now_ms)
{
    const struct mcx_cx_maa *maa = &t->cx.u.maa;
    if (!cx_success(&t->cx, &maa->result)) {
        cx_failed(w, t, "MAR", t->cx.outcome == CSCF_CX_ANSWERED ? &maa->result : NULL);
        return;
    }
    struct reg_vector vecs[MCX_CX_MAX_AUTH_ITEMS];
    size_t n = maa_vectors(maa, vecs, MCX_CX_MAX_AUTH_ITEMS, t->realm, sizeof t->realm);
    if (n == 0) {
        MCX_WARN("maa_without_usable_vector", "impu=%s items=%zu", t->impu, maa->item_count);
        txn_respond(w, t, 403, "No usable authentication vector", NULL, 0);
        return;
    }
    char impu[MCX_CX_IDENTITY_MAX], impi[MCX_CX_IDENTITY_MAX];
    snprintf(impu, sizeof impu, "%s", t->impu);
    snprintf(impi, sizeof impi, "%s", t->impi);
    send_challenge(w, t, &vecs[0], now_ms); /* frees t */
    struct reg_shard *sh = reg_store_lock(w->reg->store, impu);
    struct reg_user *u = reg_shard_find(sh, impu);
    if (u && strcmp(u->impi, impi) == 0 && reg_user_set_vectors(u, vecs + 1, n - 1) != 0)
        MCX_WARN("vector_cache_failed", "impu=%s", impu);
    reg_shard_unlock(sh);
    reg_wipe(vecs, sizeof vecs);
}

/* Starts a challenge for t: a cached vector, else UAR (when configured) then MAR. */
static void start_challenge(struct reg_worker *w, struct reg_txn *t, uint64_t now_ms)
{
    struct reg_vector v;
    bool cached = false;
    struct reg_shard *sh = reg_store_lock(w->reg->store, t->impu);
    struct reg_user *u = reg_shard_find(sh, t->impu);
    if (u && strcmp(u->impi, t->impi) == 0) {
        cached = reg_user_take_vector(u, &v);
        if (cached)
            snprintf(t->realm, sizeof t->realm, "%s", u->realm);
    }
    reg_shard_unlock(sh);
    if (cached) {
        send_challenge(w, t, &v, now_ms);
        reg_wipe(&v, sizeof v);
        return;
    }
    if (!w->reg->cfg.use_uar) {
        start_mar(w, t, NULL);
        return;
    }
    struct mcx_cx_uar uar;
    memset(&uar, 0, sizeof uar);
    snprintf(uar.user_name, sizeof uar.user_name, "%s", t->impi);
    snprintf(uar.public_identity, sizeof uar.public_identity, "%s", t->impu);
    snprintf(uar.visited_network, sizeof uar.visited_network, "%s",
             w->reg->cfg.visited_network[0] ? w->reg->cfg.visited_network : t->realm);
    uar.authorization_type = t->assignment_type == MCX_CX_SAT_USER_DEREGISTRATION
                                 ? MCX_CX_UAT_DE_REGISTRATION
                                 : MCX_CX_UAT_REGISTRATION;
    t->step = STEP_UAR;
    if (!send_step(w, t, &uar)) {
        t->cx.outcome = CSCF_CX_TIMEOUT;
        cx_failed(w, t, "UAR", NULL);
    }
}

/* ---- SAR ---- */

static void start_sar(struct reg_worker *w, struct reg_txn *t, enum reg_step step,
                      uint32_t assignment_type)
{
    struct mcx_cx_sar sar;
    memset(&sar, 0, sizeof sar);
    snprintf(sar.user_name, sizeof sar.user_name, "%s", t->impi);
    snprintf(sar.public_identities[0], sizeof sar.public_identities[0], "%s", t->impu);
    sar.public_identity_count = 1;
    snprintf(sar.server_name, sizeof sar.server_name, "%s", w->reg->cfg.server_name);
    sar.assignment_type = assignment_type;
    sar.user_data_already_available = MCX_CX_USER_DATA_NOT_AVAILABLE;
    t->step = step;
    t->assignment_type = assignment_type;
    memset(&t->cx, 0, sizeof t->cx);
    if (!send_step(w, t, &sar)) {
        t->cx.outcome = CSCF_CX_TIMEOUT;
        if (step == STEP_SAR_TIMEOUT) {
            MCX_WARN("sar_send_failed", "impu=%s type=%u", t->impu, assignment_type);
            txn_free(t);
        } else if (step == STEP_SAR_AUTH_FAILURE) {
            txn_respond(w, t, 403, NULL, NULL, 0);
        } else {
            cx_failed(w, t, "SAR", NULL);
        }
    }
}

/* Extracts the <Identity> values of an IMS subscription XML as "<a>, <b>" into out. Returns
 * the count. */
static size_t user_data_identities(const uint8_t *xml, size_t len, char *out, size_t cap)
{
    struct sip_writer wr;
    sip_writer_init(&wr, out, cap);
    const char *p = (const char *)xml;
    const char *end = p + len;
    static const char open[] = "<Identity>", close[] = "</Identity>";
    size_t count = 0;
    while (p < end) {
        const char *s = memmem(p, (size_t)(end - p), open, sizeof open - 1);
        if (!s)
            break;
        s += sizeof open - 1;
        const char *e = memmem(s, (size_t)(end - s), close, sizeof close - 1);
        if (!e)
            break;
        struct sip_slice id = sip_trim((struct sip_slice){s, (size_t)(e - s)});
        bool clean = id.len > 0;
        for (size_t i = 0; i < id.len; i++)
            if (id.p[i] == '<' || id.p[i] == '>' || id.p[i] == '\r' || id.p[i] == '\n' ||
                id.p[i] == '"')
                clean = false;
        if (clean) {
            size_t mark = wr.len;
            if (count)
                sip_writer_add(&wr, ", ", 2);
            sip_writer_add(&wr, "<", 1);
            sip_writer_slice(&wr, id);
            sip_writer_add(&wr, ">", 1);
            if (wr.overflow) {
                wr.overflow = false;
                wr.len = mark;
                break;
            }
            count++;
        }
        p = e + sizeof close - 1;
    }
    if (sip_writer_finish(&wr) < 0)
        out[0] = '\0';
    return count;
}

/* Writes one Contact line per binding of u with the seconds it has left at now_ms. */
static void write_contacts(struct sip_writer *wr, const struct reg_user *u, uint64_t now_ms)
{
    for (size_t i = 0; i < u->binding_count; i++) {
        const struct reg_binding *b = &u->bindings[i];
        uint64_t left = b->expires_at_ms > now_ms ? (b->expires_at_ms - now_ms + 999) / 1000 : 0;
        sip_writer_printf(wr, "Contact: <%s>;expires=%llu\r\n", b->uri, (unsigned long long)left);
    }
}

/* Applies the REGISTER's contacts after a successful SAR and sends the 200 OK. */
static void on_saa_register(struct reg_worker *w, struct reg_txn *t, uint64_t now_ms)
{
    const struct mcx_cx_saa *saa = &t->cx.u.saa;
    if (!cx_success(&t->cx, &saa->result)) {
        cx_failed(w, t, "SAR", t->cx.outcome == CSCF_CX_ANSWERED ? &saa->result : NULL);
        return;
    }
    struct sip_msg m;
    const char *why;
    if (sip_parse(t->req, t->req_len, &m, &why) != SIP_OK) {
        txn_free(t);
        return;
    }
    struct contact_op ops[MAX_CONTACT_OPS];
    size_t nops;
    bool wildcard;
    (void)collect_contacts(&w->reg->cfg, &m, ops, &nops, &wildcard, &why);
    char path[PATH_MAX_BYTES];
    join_path(&m, path, sizeof path);
    char assoc[ASSOCIATED_MAX];
    if (user_data_identities(saa->user_data, saa->user_data_len, assoc, sizeof assoc) == 0)
        snprintf(assoc, sizeof assoc, "<%s>", t->impu);
    char call_id[256];
    if (sip_slice_copy(m.call_id, call_id, sizeof call_id) < 0)
        call_id[0] = '\0';

    char extra[EXTRA_MAX];
    struct sip_writer wr;
    sip_writer_init(&wr, extra, sizeof extra);
    int status = 200;
    const char *reason = NULL;
    size_t remaining = 0;
    struct reg_shard *sh = reg_store_lock(w->reg->store, t->impu);
    struct reg_user *u = reg_shard_find(sh, t->impu);
    if (!u)
        u = reg_shard_add(sh, t->impu, t->impi, t->realm);
    if (!u) {
        status = 500;
    } else if (wildcard) {
        reg_user_clear_bindings(u);
    } else {
        for (size_t i = 0; i < nops; i++) {
            char uri[MCX_CX_IDENTITY_MAX];
            if (sip_slice_copy(ops[i].uri, uri, sizeof uri) < 0)
                continue;
            if (ops[i].expires == 0) {
                reg_user_remove_binding(u, uri);
            } else if (reg_user_set_binding(u, uri, path[0] ? path : NULL, call_id, m.cseq,
                                            now_ms + ops[i].expires * 1000ull) != 0) {
                status = 403;
                reason = "Too many registered contacts";
            }
        }
    }
    if (u) {
        remaining = u->binding_count;
        write_contacts(&wr, u, now_ms);
        if (remaining) {
            u->registered = true;
            reg_user_set_associated(u, assoc);
        } else {
            reg_shard_remove(sh, u);
            u = NULL;
        }
    }
    reg_shard_unlock(sh);
    if (status != 200) {
        txn_respond(w, t, status, reason, NULL, 0);
        return;
    }
    for (int h = sip_header_find(&m, SIP_HDR_PATH, 0); h >= 0;
         h = sip_header_find(&m, SIP_HDR_PATH, (size_t)h + 1)) {
        sip_writer_str(&wr, "Path: ");
        sip_writer_slice(&wr, m.headers[h].value);
        sip_writer_str(&wr, "\r\n");
    }
    if (remaining) {
        if (w->reg->cfg.service_route[0])
            sip_writer_printf(&wr, "Service-Route: %s\r\n", w->reg->cfg.service_route);
        sip_writer_printf(&wr, "P-Associated-URI: %s\r\n", assoc);
        atomic_fetch_add(&w->reg->stats.registered, 1);
        MCX_INFO("register_ok", "impu=%s impi=%s contacts=%zu type=%u", t->impu, t->impi, remaining,
                 t->assignment_type);
    } else {
        atomic_fetch_add(&w->reg->stats.deregistered, 1);
        MCX_INFO("deregister_ok", "impu=%s impi=%s", t->impu, t->impi);
    }
    if (path[0])
        sip_writer_str(&wr, "Supported: path\r\n");
    int n = sip_writer_finish(&wr);
    if (n < 0) {
        txn_respond(w, t, 500, NULL, NULL, 0);
        return;
    }
    txn_respond(w, t, 200, NULL, extra, (size_t)n);
}

/* Answers 200 with the user's current bindings, Service-Route and P-Associated-URI, changing
 * nothing. */
static void respond_bindings(struct reg_worker *w, struct reg_txn *t, uint64_t now_ms)
{
    char extra[EXTRA_MAX];
    struct sip_writer wr;
    sip_writer_init(&wr, extra, sizeof extra);
    struct reg_shard *sh = reg_store_lock(w->reg->store, t->impu);
    struct reg_user *u = reg_shard_find(sh, t->impu);
    if (u && u->registered && u->binding_count) {
        write_contacts(&wr, u, now_ms);
        if (w->reg->cfg.service_route[0])
            sip_writer_printf(&wr, "Service-Route: %s\r\n", w->reg->cfg.service_route);
        if (u->associated_uris)
            sip_writer_printf(&wr, "P-Associated-URI: %s\r\n", u->associated_uris);
    }
    reg_shard_unlock(sh);
    int n = sip_writer_finish(&wr);
    if (n < 0) {
        txn_respond(w, t, 500, NULL, NULL, 0);
        return;
    }
    txn_respond(w, t, 200, NULL, extra, (size_t)n);
}

/* ---- digest check ---- */

/* Copies a digest parameter (unescaped) into out; false when absent or too long. */
static bool param_copy(struct sip_slice s, char *out, size_t cap)
{
    return s.p && sip_unescape(s, out, cap) >= 0;
}

/* Whether the credentials answer the challenge ch with realm. */
static bool digest_ok(const struct reg_challenge *ch, const char *realm, const char *impi,
                      const struct sip_digest *d)
{
    char user[MCX_CX_IDENTITY_MAX], drealm[MCX_CX_IDENTITY_MAX], uri[512], nonce[64], resp[64],
        cnonce[128], nc[16];
    if (!param_copy(d->username, user, sizeof user) ||
        !param_copy(d->realm, drealm, sizeof drealm) || !param_copy(d->uri, uri, sizeof uri) ||
        !param_copy(d->nonce, nonce, sizeof nonce) || !param_copy(d->response, resp, sizeof resp))
        return false;
    if (strcmp(user, impi) != 0 || strcmp(drealm, realm) != 0 || strcmp(nonce, ch->nonce) != 0)
        return false;
    enum mcx_digest_algorithm alg;
    if (mcx_digest_algorithm_parse(d->algorithm.p, d->algorithm.len, &alg) != 0)
        return false;
    enum mcx_digest_algorithm want = ch->v.alg == REG_ALG_AKAV1   ? MCX_DIGEST_ALG_AKAV1_MD5
                                     : ch->v.alg == REG_ALG_AKAV2 ? MCX_DIGEST_ALG_AKAV2_MD5
                                                                  : MCX_DIGEST_ALG_MD5;
    if (alg != want)
        return false;
    /* we offered qop="auth": the client must use it */
    if (!sip_slice_ieq(d->qop, "auth") || !param_copy(d->cnonce, cnonce, sizeof cnonce) ||
        !param_copy(d->nc, nc, sizeof nc) || cnonce[0] == '\0')
        return false;
    char ha1[MCX_DIGEST_HEX_SIZE], ha2[MCX_DIGEST_HEX_SIZE], expect[MCX_DIGEST_HEX_SIZE];
    int rc;
    if (ch->v.alg == REG_ALG_MD5) {
        memcpy(ha1, ch->v.ha1, sizeof ha1);
        rc = 0;
    } else {
        rc = mcx_digest_aka_ha1(alg, user, realm, ch->v.xres, ch->v.xres_len, ch->v.ik, ch->v.ck,
                                false, ha1);
    }
    bool ok = rc == 0 && mcx_digest_ha2("REGISTER", uri, MCX_DIGEST_QOP_AUTH, NULL, 0, ha2) == 0 &&
              mcx_digest_response(ha1, nonce, MCX_DIGEST_QOP_AUTH, nc, cnonce, ha2, expect) == 0;
    for (char *c = resp; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    ok = ok && mcx_digest_equal(expect, resp);
    reg_wipe(ha1, sizeof ha1);
    reg_wipe(expect, sizeof expect);
    return ok;
}

/* ---- REGISTER ---- */

static void handle_register(struct reg_worker *w, const struct sip_msg *m, const char *buf,
                            size_t len, const struct cscf_peer *from, const char *key,
                            size_t key_len, uint64_t now_ms)
{
    const struct registrar_config *cfg = &w->reg->cfg;
    struct contact_op ops[MAX_CONTACT_OPS];
    size_t nops;
    bool wildcard;
    const char *reason = NULL;
    int st = collect_contacts(cfg, m, ops, &nops, &wildcard, &reason);
    if (st == 423) {
        char extra[64];
        int n = snprintf(extra, sizeof extra, "Min-Expires: %u\r\n", cfg->min_expires);
        respond(w, m, from, key, key_len, 423, NULL, extra, (size_t)n);
        return;
    }
    if (st != 0) {
        atomic_fetch_add(&w->reg->stats.bad_requests, 1);
        respond(w, m, from, key, key_len, st, reason, NULL, 0);
        return;
    }
    struct reg_txn *t = txn_new(w, STEP_UAR, buf, len, from, key, key_len);
    if (!t) {
        respond(w, m, from, key, key_len, 500, NULL, NULL, 0);
        return;
    }
    if (header_uri(m, SIP_HDR_TO, t->impu, sizeof t->impu) != 0) {
        txn_respond(w, t, 400, "Malformed To header", NULL, 0);
        return;
    }
    bool removes_all = wildcard;
    if (!wildcard && nops > 0) {
        removes_all = true;
        for (size_t i = 0; i < nops; i++)
            if (ops[i].expires)
                removes_all = false;
    }
    t->assignment_type = removes_all ? MCX_CX_SAT_USER_DEREGISTRATION : MCX_CX_SAT_REGISTRATION;

    struct sip_digest d;
    bool have_auth = false;
    int ah = sip_header_find(m, SIP_HDR_AUTHORIZATION, 0);
    if (ah >= 0) {
        const char *why;
        if (sip_digest_parse(m->headers[ah].value, &d, &why) != 0) {
            atomic_fetch_add(&w->reg->stats.bad_requests, 1);
            txn_respond(w, t, 400, "Malformed Authorization header", NULL, 0);
            return;
        }
        have_auth = true;
    }
    if (have_auth && d.username.p && d.username.len) {
        if (sip_unescape(d.username, t->impi, sizeof t->impi) < 0) {
            txn_respond(w, t, 400, "Authorization username too long", NULL, 0);
            return;
        }
    } else if (cscf_route_identity(t->impu, t->impi, sizeof t->impi) != 0) {
        txn_respond(w, t, 400, "Malformed To header", NULL, 0);
        return;
    }
    snprintf(t->realm, sizeof t->realm, "%s", domain_of(t->impi));
    const struct mcx_cx_route *route = cscf_route_lookup(&cfg->routes, t->impu);
    if (!route) {
        MCX_WARN("no_cx_route", "impu=%s", t->impu);
        txn_respond(w, t, 403, "No route for this identity", NULL, 0);
        return;
    }
    t->route = *route;
    snprintf(t->scheme, sizeof t->scheme, "%s", MCX_CX_SCHEME_UNKNOWN);
    int aka_version;
    if (have_auth && d.algorithm.p) {
        if (sip_digest_is_aka(&d, &aka_version))
            snprintf(t->scheme, sizeof t->scheme, "%s",
                     aka_version == 2 ? MCX_CX_SCHEME_AKAV2 : MCX_CX_SCHEME_AKAV1);
        else if (sip_slice_ieq(d.algorithm, "MD5"))
            snprintf(t->scheme, sizeof t->scheme, "%s", MCX_CX_SCHEME_SIP_DIGEST);
    }

    /* Credentials for our outstanding challenge? */
    char nonce[REG_NONCE_MAX];
    bool answers_challenge =
        have_auth && d.nonce.p && d.nonce.len && sip_unescape(d.nonce, nonce, sizeof nonce) >= 0;
    if (!answers_challenge) {
        start_challenge(w, t, now_ms);
        return;
    }
    struct reg_challenge ch;
    char realm[MCX_CX_IDENTITY_MAX];
    bool found = false, expired = false, replay = false;
    struct reg_shard *sh = reg_store_lock(w->reg->store, t->impu);
    struct reg_user *u = reg_shard_find(sh, t->impu);
    if (u && u->challenge.active && strcmp(u->challenge.nonce, nonce) == 0 &&
        strcmp(u->impi, t->impi) == 0) {
        found = true;
        ch = u->challenge;
        snprintf(realm, sizeof realm, "%s", u->realm);
        expired = now_ms - ch.created_ms > w->reg->cfg.nonce_ttl_ms;
        uint32_t nc = 0;
        if (!d.auts.p && (sip_digest_nc(&d, &nc) != 0 || nc <= ch.nc_last))
            replay = true;
        /* single use: whatever happens next, this nonce is spent */
        reg_wipe(&u->challenge, sizeof u->challenge);
    }
    reg_shard_unlock(sh);
    if (!found || expired) {
        t->stale = true;
        start_challenge(w, t, now_ms);
        return;
    }
    if (d.auts.p) {
        /* resynchronisation: MAR with RAND || AUTS, then a fresh 401 */
        uint8_t rand_auts[30];
        uint8_t auts[32];
        int n = mcx_base64_decode(d.auts.p, d.auts.len, auts, sizeof auts);
        if (ch.v.alg == REG_ALG_MD5 || n != 14) {
            reg_wipe(&ch, sizeof ch);
            atomic_fetch_add(&w->reg->stats.bad_requests, 1);
            txn_respond(w, t, 400, "Malformed auts parameter", NULL, 0);
            return;
        }
        memcpy(rand_auts, ch.v.rand_autn, 16);
        memcpy(rand_auts + 16, auts, 14);
        reg_wipe(&ch, sizeof ch);
        sh = reg_store_lock(w->reg->store, t->impu);
        u = reg_shard_find(sh, t->impu);
        if (u)
            reg_user_clear_vectors(u);
        reg_shard_unlock(sh);
        MCX_INFO("register_resync", "impu=%s impi=%s", t->impu, t->impi);
        t->resync = true;
        start_mar(w, t, rand_auts);
        return;
    }
    bool ok = !replay && digest_ok(&ch, realm, t->impi, &d);
    reg_wipe(&ch, sizeof ch);
    if (!ok) {
        atomic_fetch_add(&w->reg->stats.auth_failures, 1);
        MCX_WARN("register_auth_failed", "impu=%s impi=%s replay=%d", t->impu, t->impi,
                 replay ? 1 : 0);
        start_sar(w, t, STEP_SAR_AUTH_FAILURE, MCX_CX_SAT_AUTHENTICATION_FAILURE);
        return;
    }
    bool registered = false;
    sh = reg_store_lock(w->reg->store, t->impu);
    u = reg_shard_find(sh, t->impu);
    registered = u && u->registered;
    reg_shard_unlock(sh);
    if ((removes_all && !registered) || (nops == 0 && !wildcard)) {
        /* nothing to remove, or a query (no Contact, RFC 3261 10.2.3): no SAR, no change */
        respond_bindings(w, t, now_ms);
        return;
    }
    uint32_t sat = removes_all  ? MCX_CX_SAT_USER_DEREGISTRATION
                   : registered ? MCX_CX_SAT_RE_REGISTRATION
                                : MCX_CX_SAT_REGISTRATION;
    start_sar(w, t, STEP_SAR_REGISTER, sat);
}

void reg_worker_on_message(struct reg_worker *w, const char *buf, size_t len,
                           const struct cscf_peer *from, uint64_t now_ms)
{
    struct sip_msg m;
    const char *reason = NULL;
    int rc = sip_parse(buf, len, &m, &reason);
    if (rc != SIP_OK) {
        /* A request we can still answer gets 400 naming the fault; anything else is dropped. */
        MCX_INFO("sip_parse_error", "reason=\"%s\" bytes=%zu", reason, len);
        if (m.is_request && sip_method_of(m.method) != SIP_METHOD_ACK) {
            atomic_fetch_add(&w->reg->stats.bad_requests, 1);
            respond(w, &m, from, NULL, 0, 400, reason, NULL, 0);
        }
        return;
    }
    if (!m.is_request)
        return; /* we send no requests that expect responses over SIP */
    enum sip_method method = sip_method_of(m.method);
    if (method == SIP_METHOD_ACK)
        return;
    char key[TXN_KEY_MAX];
    int key_len = txn_key(&m, key, sizeof key);
    if (key_len < 0) {
        respond(w, &m, from, NULL, 0, 400, "Transaction identifiers too long", NULL, 0);
        return;
    }
    const char *cached;
    size_t cached_len;
    switch (txn_cache_begin(&w->txns, key, (size_t)key_len, now_ms, &cached, &cached_len)) {
    case TXN_DONE:
        atomic_fetch_add(&w->reg->stats.retransmissions, 1);
        w->env.send(w->env.ctx, from, cached, cached_len);
        return;
    case TXN_PENDING:
        atomic_fetch_add(&w->reg->stats.retransmissions, 1);
        return;
    case TXN_NEW:
        break;
    }
    if (m.max_forwards == 0) {
        respond(w, &m, from, key, (size_t)key_len, 483, NULL, NULL, 0);
        return;
    }
    switch (method) {
    case SIP_METHOD_REGISTER:
        handle_register(w, &m, buf, len, from, key, (size_t)key_len, now_ms);
        return;
    case SIP_METHOD_OPTIONS: {
        static const char allow[] = "Allow: REGISTER, OPTIONS\r\n";
        respond(w, &m, from, key, (size_t)key_len, 200, NULL, allow, sizeof allow - 1);
        return;
    }
    default: {
        static const char allow[] = "Allow: REGISTER, OPTIONS\r\n";
        respond(w, &m, from, key, (size_t)key_len, 405, NULL, allow, sizeof allow - 1);
        return;
    }
    }
}

void reg_worker_on_cx_done(struct reg_worker *w, struct reg_txn *t, uint64_t now_ms)
{
    if (w->in_flight)
        w->in_flight--;
    switch (t->step) {
    case STEP_UAR:
        on_uaa(w, t);
        return;
    case STEP_MAR:
        on_maa(w, t, now_ms);
        return;
    case STEP_SAR_REGISTER:
        on_saa_register(w, t, now_ms);
        return;
    case STEP_SAR_AUTH_FAILURE:
        txn_respond(w, t, 403, NULL, NULL, 0);
        return;
    case STEP_SAR_TIMEOUT:
        if (!cx_success(&t->cx, &t->cx.u.saa.result))
            MCX_WARN("sar_timeout_deregistration_failed", "impu=%s outcome=%d", t->impu,
                     (int)t->cx.outcome);
        txn_free(t);
        return;
    }
    txn_free(t);
}

void reg_worker_tick(struct reg_worker *w, uint64_t now_ms)
{
    txn_cache_expire(&w->txns, now_ms);
    struct reg_store *store = w->reg->store;
    for (size_t i = w->index; i < store->shard_count; i += w->count) {
        /* collect users left without bindings, then send their SARs outside the lock */
        struct reg_txn *timeouts = NULL;
        struct reg_shard *sh = reg_store_lock_index(store, i);
        for (size_t b = 0; b < sh->bucket_count; b++) {
            struct reg_user *u = sh->buckets[b];
            while (u) {
                struct reg_user *next = u->next;
                if (u->challenge.active &&
                    now_ms - u->challenge.created_ms > w->reg->cfg.nonce_ttl_ms)
                    reg_wipe(&u->challenge, sizeof u->challenge);
                bool was_registered = u->registered && u->binding_count > 0;
                reg_user_expire_bindings(u, now_ms);
                if (was_registered && u->binding_count == 0) {
                    const struct mcx_cx_route *route =
                        cscf_route_lookup(&w->reg->cfg.routes, u->impu);
                    struct reg_txn *t =
                        route ? txn_new(w, STEP_SAR_TIMEOUT, NULL, 0, NULL, NULL, 0) : NULL;
                    if (t) {
                        snprintf(t->impu, sizeof t->impu, "%s", u->impu);
                        snprintf(t->impi, sizeof t->impi, "%s", u->impi);
                        t->route = *route;
                        t->next = timeouts;
                        timeouts = t;
                    }
                    atomic_fetch_add(&w->reg->stats.timeouts, 1);
                    MCX_INFO("registration_expired", "impu=%s", u->impu);
                    u->registered = false;
                }
                if (!u->registered && !u->challenge.active && u->binding_count == 0)
                    reg_shard_remove(sh, u);
                u = next;
            }
        }
        reg_shard_unlock(sh);
        while (timeouts) {
            struct reg_txn *t = timeouts;
            timeouts = t->next;
            t->next = NULL;
            start_sar(w, t, STEP_SAR_TIMEOUT, MCX_CX_SAT_TIMEOUT_DEREGISTRATION);
        }
    }
}
