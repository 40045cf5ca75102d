/* AVP add/get helpers shared by the Cx command files; see cx_avp.h. */
#include "cx/cx_avp.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cx_error_set(struct mcx_cx_error *err, uint32_t result_code, uint32_t avp_code,
                  uint32_t avp_vendor, const char *fmt, ...)
{
    if (!err)
        return;
    err->result_code = result_code;
    err->avp_code = avp_code;
    err->avp_vendor = avp_vendor;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    va_end(ap);
}

int cx_missing(struct mcx_cx_error *err, uint32_t code, uint32_t vendor, const char *name)
{
    cx_error_set(err, MCX_DIAMETER_MISSING_AVP, code, vendor, "missing mandatory AVP %s", name);
    return -1;
}

static int add_value(msg_or_avp *parent, struct dict_object *model, union avp_value *value,
                     struct mcx_cx_error *err)
{
    struct avp *avp = NULL;
    if (!model) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "Cx dictionary not initialised");
        return -1;
    }
    if (fd_msg_avp_new(model, 0, &avp) != 0) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "cannot create AVP");
        return -1;
    }
    if ((value && fd_msg_avp_setvalue(avp, value) != 0) ||
        fd_msg_avp_add(parent, MSG_BRW_LAST_CHILD, avp) != 0) {
        fd_msg_free(avp);
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "cannot add AVP");
        return -1;
    }
    return 0;
}

int cx_add_bytes(msg_or_avp *parent, struct dict_object *model, const uint8_t *value, size_t len,
                 struct mcx_cx_error *err)
{
    union avp_value v;
    memset(&v, 0, sizeof v);
    v.os.data = (uint8_t *)value;
    v.os.len = len;
    return add_value(parent, model, &v, err);
}

int cx_add_str(msg_or_avp *parent, struct dict_object *model, const char *value,
               struct mcx_cx_error *err)
{
    return cx_add_bytes(parent, model, (const uint8_t *)value, strlen(value), err);
}

int cx_add_u32(msg_or_avp *parent, struct dict_object *model, uint32_t value,
               struct mcx_cx_error *err)
{
    union avp_value v;
    memset(&v, 0, sizeof v);
    v.u32 = value;
    return add_value(parent, model, &v, err);
}

int cx_add_i32(msg_or_avp *parent, struct dict_object *model, int32_t value,
               struct mcx_cx_error *err)
{
    union avp_value v;
    memset(&v, 0, sizeof v);
    v.i32 = value;
    return add_value(parent, model, &v, err);
}

int cx_add_group(msg_or_avp *parent, struct dict_object *model, struct avp **group,
                 struct mcx_cx_error *err)
{
    *group = NULL;
    if (!model || fd_msg_avp_new(model, 0, group) != 0) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "cannot create grouped AVP");
        return -1;
    }
    if (fd_msg_avp_add(parent, MSG_BRW_LAST_CHILD, *group) != 0) {
        fd_msg_free(*group);
        *group = NULL;
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "cannot add grouped AVP");
        return -1;
    }
    return 0;
}

static int add_vsai(struct msg *msg, struct mcx_cx_error *err)
{
    struct avp *g;
    if (cx_add_group(msg, mcx_cx_dict.vendor_specific_application_id, &g, err) != 0 ||
        cx_add_u32(g, mcx_cx_dict.vendor_id, MCX_CX_VENDOR_3GPP, err) != 0 ||
        cx_add_u32(g, mcx_cx_dict.auth_application_id, MCX_CX_APPLICATION_ID, err) != 0)
        return -1;
    return 0;
}

int cx_request_new(struct dict_object *cmd, struct msg **out, struct mcx_cx_error *err)
{
    *out = NULL;
    if (!cmd || fd_msg_new(cmd, MSGFL_ALLOC_ETEID, out) != 0) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "cannot create request");
        return -1;
    }
    return 0;
}

int cx_request_start(struct dict_object *cmd, const struct mcx_cx_route *route, struct msg **out,
                     struct mcx_cx_error *err)
{
    if (cx_request_new(cmd, out, err) != 0)
        return -1;
    if (cx_request_head(*out, route, err) != 0) {
        fd_msg_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int cx_request_head(struct msg *msg, const struct mcx_cx_route *route, struct mcx_cx_error *err)
{
    if (!route || route->realm[0] == '\0') {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 283, 0, "route has no Destination-Realm");
        return -1;
    }
    if (fd_msg_new_session(msg, NULL, 0) != 0) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "cannot create Session-Id");
        return -1;
    }
    if (add_vsai(msg, err) != 0 || cx_add_i32(msg, mcx_cx_dict.auth_session_state, 1, err) != 0)
        return -1;
    if (fd_msg_add_origin(msg, 0) != 0) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "cannot add origin");
        return -1;
    }
    if (cx_add_str(msg, mcx_cx_dict.destination_realm, route->realm, err) != 0)
        return -1;
    if (route->host[0] && cx_add_str(msg, mcx_cx_dict.destination_host, route->host, err) != 0)
        return -1;
    return 0;
}

static int add_result(struct msg *ans, const struct mcx_cx_result *r, struct mcx_cx_error *err)
{
    if (r->experimental_code) {
        struct avp *g;
        if (cx_add_group(ans, mcx_cx_dict.experimental_result, &g, err) != 0 ||
            cx_add_u32(g, mcx_cx_dict.vendor_id, MCX_CX_VENDOR_3GPP, err) != 0 ||
            cx_add_u32(g, mcx_cx_dict.experimental_result_code, r->experimental_code, err) != 0)
            return -1;
        return 0;
    }
    uint32_t code = r->result_code ? r->result_code : MCX_DIAMETER_UNABLE_TO_COMPLY;
    if (code >= 3000 && code < 4000) {
        struct msg_hdr *hdr;
        if (fd_msg_hdr(ans, &hdr) == 0)
            hdr->msg_flags |= CMD_FLAG_ERROR;
    }
    return cx_add_u32(ans, mcx_cx_dict.result_code, code, err);
}

int cx_answer_head(struct msg **msg, const struct mcx_cx_result *result, const char *user_name,
                   const char *public_identity, struct mcx_cx_error *err)
{
    if (!msg || !*msg || !result) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "no request to answer");
        return -1;
    }
    if (fd_msg_new_answer_from_req(fd_g_config->cnf_dict, msg, 0) != 0) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "cannot create answer");
        return -1;
    }
    struct msg *ans = *msg;
    if (add_vsai(ans, err) != 0 || add_result(ans, result, err) != 0 ||
        cx_add_i32(ans, mcx_cx_dict.auth_session_state, 1, err) != 0)
        return -1;
    if (fd_msg_add_origin(ans, 0) != 0) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "cannot add origin");
        return -1;
    }
    if (user_name && user_name[0] && cx_add_str(ans, mcx_cx_dict.user_name, user_name, err) != 0)
        return -1;
    if (public_identity && public_identity[0] &&
        cx_add_str(ans, mcx_cx_dict.public_identity, public_identity, err) != 0)
        return -1;
    return 0;
}

/* A zero-filled AVP of the given code for Failed-AVP (RFC 6733 7.5), or NULL when unknown. */
static struct avp *failed_avp_example(uint32_t code, uint32_t vendor)
{
    struct dict_avp_request req = {.avp_vendor = vendor, .avp_code = code};
    struct dict_object *model = NULL;
    struct dict_avp_data data;
    struct avp *avp = NULL;
    if (fd_dict_search(fd_g_config->cnf_dict, DICT_AVP, AVP_BY_CODE_AND_VENDOR, &req, &model,
                       ENOENT) != 0 ||
        !model || fd_dict_getval(model, &data) != 0 || fd_msg_avp_new(model, 0, &avp) != 0)
        return NULL;
    if (data.avp_basetype != AVP_TYPE_GROUPED) {
        union avp_value v;
        static uint8_t empty[1];
        memset(&v, 0, sizeof v); /* integers: 0 of the type's size */
        if (data.avp_basetype == AVP_TYPE_OCTETSTRING) {
            v.os.data = empty;
            v.os.len = 0;
        }
        if (fd_msg_avp_setvalue(avp, &v) != 0) {
            fd_msg_free(avp);
            return NULL;
        }
    }
    return avp;
}

int cx_answer_tail(struct msg *ans, const struct mcx_cx_result *result, struct mcx_cx_error *err)
{
    if (result->error_message[0] &&
        cx_add_str(ans, mcx_cx_dict.error_message, result->error_message, err) != 0)
        return -1;
    if (result->failed_avp_code) {
        struct avp *example =
            failed_avp_example(result->failed_avp_code, result->failed_avp_vendor);
        struct avp *g;
        if (!example)
            return 0; /* unknown AVP: Result-Code alone still tells the peer */
        if (cx_add_group(ans, mcx_cx_dict.failed_avp, &g, err) != 0) {
            fd_msg_free(example);
            return -1;
        }
        if (fd_msg_avp_add(g, MSG_BRW_LAST_CHILD, example) != 0) {
            fd_msg_free(example);
            cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "cannot add Failed-AVP");
            return -1;
        }
    }
    return 0;
}

struct avp *cx_first(msg_or_avp *parent)
{
    struct avp *child = NULL;
    if (fd_msg_browse(parent, MSG_BRW_FIRST_CHILD, &child, NULL) != 0)
        return NULL;
    return child;
}

struct avp *cx_next(struct avp *avp)
{
    struct avp *next = NULL;
    if (fd_msg_browse(avp, MSG_BRW_NEXT, &next, NULL) != 0)
        return NULL;
    return next;
}

void cx_avps_start(struct cx_avps *walk, msg_or_avp *parent, struct mcx_cx_origin *origin,
                   char *user_name, char *public_identity)
{
    memset(walk, 0, sizeof *walk);
    walk->next = cx_first(parent);
    walk->origin = origin;
    walk->user_name = user_name;
    walk->public_identity = public_identity;
}

int cx_avps_next(struct cx_avps *walk, struct mcx_cx_error *err)
{
    while (walk->next) {
        walk->avp = walk->next;
        walk->next = cx_next(walk->avp);
        if (cx_header(walk->avp, &walk->hdr, &walk->id, err) != 0)
            return -1;
        if (!walk->origin)
            return 1;
        int took = cx_take_identities(&walk->id, walk->hdr, walk->origin, walk->user_name,
                                      walk->public_identity, err);
        if (took <= 0)
            return took < 0 ? -1 : 1;
    }
    return 0;
}

int cx_header(struct avp *avp, struct avp_hdr **hdr, struct cx_avp_id *id, struct mcx_cx_error *err)
{
    if (fd_msg_avp_hdr(avp, hdr) != 0 || !*hdr) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "unreadable AVP header");
        return -1;
    }
    id->code = (*hdr)->avp_code;
    id->vendor = ((*hdr)->avp_flags & AVP_FLAG_VENDOR) ? (*hdr)->avp_vendor : 0;
    return 0;
}

int cx_get_bytes(const struct avp_hdr *hdr, uint8_t *out, size_t cap, size_t *len,
                 struct mcx_cx_error *err)
{
    uint32_t vendor = (hdr->avp_flags & AVP_FLAG_VENDOR) ? hdr->avp_vendor : 0;
    if (!hdr->avp_value) {
        cx_error_set(err, MCX_DIAMETER_INVALID_AVP_VALUE, hdr->avp_code, vendor,
                     "AVP %u has no parsed value", hdr->avp_code);
        return -1;
    }
    if (hdr->avp_value->os.len > cap) {
        cx_error_set(err, MCX_DIAMETER_INVALID_AVP_LENGTH, hdr->avp_code, vendor,
                     "AVP %u value of %zu bytes exceeds %zu", hdr->avp_code, hdr->avp_value->os.len,
                     cap);
        return -1;
    }
    if (hdr->avp_value->os.len)
        memcpy(out, hdr->avp_value->os.data, hdr->avp_value->os.len);
    *len = hdr->avp_value->os.len;
    return 0;
}

int cx_get_str(const struct avp_hdr *hdr, char *out, size_t cap, struct mcx_cx_error *err)
{
    size_t len = 0;
    if (cap == 0 || cx_get_bytes(hdr, (uint8_t *)out, cap - 1, &len, err) != 0)
        return -1;
    if (memchr(out, '\0', len)) {
        uint32_t vendor = (hdr->avp_flags & AVP_FLAG_VENDOR) ? hdr->avp_vendor : 0;
        cx_error_set(err, MCX_DIAMETER_INVALID_AVP_VALUE, hdr->avp_code, vendor,
                     "AVP %u string contains a NUL byte", hdr->avp_code);
        return -1;
    }
    out[len] = '\0';
    return 0;
}

int cx_get_u32(const struct avp_hdr *hdr, uint32_t *value, struct mcx_cx_error *err)
{
    if (!hdr->avp_value) {
        uint32_t vendor = (hdr->avp_flags & AVP_FLAG_VENDOR) ? hdr->avp_vendor : 0;
        cx_error_set(err, MCX_DIAMETER_INVALID_AVP_LENGTH, hdr->avp_code, vendor,
                     "AVP %u is not a 32-bit integer", hdr->avp_code);
        return -1;
    }
    *value = hdr->avp_value->u32;
    return 0;
}

int cx_get_i32(const struct avp_hdr *hdr, int32_t *value, struct mcx_cx_error *err)
{
    uint32_t u;
    if (cx_get_u32(hdr, &u, err) != 0)
        return -1;
    *value = hdr->avp_value->i32;
    return 0;
}

int cx_take_origin(const struct cx_avp_id *id, const struct avp_hdr *hdr,
                   struct mcx_cx_origin *origin, struct mcx_cx_error *err)
{
    if (cx_is(id, AVP_ORIGIN_HOST, 0))
        return cx_get_str(hdr, origin->host, sizeof origin->host, err) == 0 ? 1 : -1;
    if (cx_is(id, AVP_ORIGIN_REALM, 0))
        return cx_get_str(hdr, origin->realm, sizeof origin->realm, err) == 0 ? 1 : -1;
    return 0;
}

int cx_take_identities(const struct cx_avp_id *id, const struct avp_hdr *hdr,
                       struct mcx_cx_origin *origin, char *user_name, char *public_identity,
                       struct mcx_cx_error *err)
{
    int took = cx_take_origin(id, hdr, origin, err);
    if (took != 0)
        return took;
    if (user_name && cx_is(id, AVP_USER_NAME, 0))
        return cx_get_str(hdr, user_name, MCX_CX_IDENTITY_MAX, err) == 0 ? 1 : -1;
    if (public_identity && cx_is(id, AVP_PUBLIC_IDENTITY, V3GPP)) {
        if (public_identity[0])
            return 1; /* only the first one is kept */
        return cx_get_str(hdr, public_identity, MCX_CX_IDENTITY_MAX, err) == 0 ? 1 : -1;
    }
    return 0;
}

int cx_get_enum(const struct avp_hdr *hdr, const struct cx_avp_id *id, int32_t max,
                const char *name, uint32_t *value, struct mcx_cx_error *err)
{
    int32_t v;
    if (cx_get_i32(hdr, &v, err) != 0)
        return -1;
    if (v < 0 || v > max) {
        cx_error_set(err, MCX_DIAMETER_INVALID_AVP_VALUE, id->code, id->vendor, "%s %d unknown",
                     name, v);
        return -1;
    }
    *value = (uint32_t)v;
    return 0;
}

int cx_add_server_info(struct msg *ans, const char *server_name,
                       const struct mcx_cx_server_capabilities *caps, struct mcx_cx_error *err)
{
    if (server_name[0] && cx_add_str(ans, mcx_cx_dict.server_name, server_name, err) != 0)
        return -1;
    return cx_add_capabilities(ans, caps, err);
}

int cx_get_server_info(struct msg *ans, char *server_name, struct mcx_cx_server_capabilities *caps,
                       struct mcx_cx_error *err)
{
    struct cx_avps walk;
    int more;
    cx_avps_start(&walk, ans, NULL, NULL, NULL);
    while ((more = cx_avps_next(&walk, err)) > 0) {
        if (cx_is(&walk.id, AVP_SERVER_NAME, V3GPP)) {
            if (cx_get_str(walk.hdr, server_name, MCX_CX_IDENTITY_MAX, err) != 0)
                return -1;
        } else if (cx_is(&walk.id, AVP_SERVER_CAPABILITIES, V3GPP)) {
            if (cx_get_capabilities(walk.avp, caps, err) != 0)
                return -1;
        }
    }
    if (more < 0)
        return -1;
    return 0;
}

int cx_get_capabilities(struct avp *group, struct mcx_cx_server_capabilities *caps,
                        struct mcx_cx_error *err)
{
    memset(caps, 0, sizeof *caps);
    caps->present = true;
    struct cx_avps walk;
    int more;
    cx_avps_start(&walk, group, NULL, NULL, NULL);
    while ((more = cx_avps_next(&walk, err)) > 0) {
        if (cx_is(&walk.id, AVP_MANDATORY_CAPABILITY, V3GPP) ||
            cx_is(&walk.id, AVP_OPTIONAL_CAPABILITY, V3GPP)) {
            bool mandatory = walk.id.code == AVP_MANDATORY_CAPABILITY;
            size_t *count = mandatory ? &caps->mandatory_count : &caps->optional_count;
            uint32_t *list = mandatory ? caps->mandatory : caps->optional;
            if (*count >= MCX_CX_MAX_CAPABILITIES) {
                cx_error_set(err, MCX_DIAMETER_INVALID_AVP_VALUE, walk.id.code, V3GPP,
                             "more than %d capabilities", MCX_CX_MAX_CAPABILITIES);
                return -1;
            }
            if (cx_get_u32(walk.hdr, &list[*count], err) != 0)
                return -1;
            (*count)++;
        } else if (cx_is(&walk.id, AVP_SERVER_NAME, V3GPP)) {
            if (caps->server_name_count >= MCX_CX_MAX_CAP_SERVER_NAMES) {
                cx_error_set(err, MCX_DIAMETER_INVALID_AVP_VALUE, walk.id.code, V3GPP,
                             "more than %d server names", MCX_CX_MAX_CAP_SERVER_NAMES);
                return -1;
            }
            if (cx_get_str(walk.hdr, caps->server_names[caps->server_name_count],
                           MCX_CX_IDENTITY_MAX, err) != 0)
                return -1;
            caps->server_name_count++;
        }
    }
    if (more < 0)
        return -1;
    return 0;
}

int cx_add_capabilities(msg_or_avp *parent, const struct mcx_cx_server_capabilities *caps,
                        struct mcx_cx_error *err)
{
    if (!caps->present)
        return 0;
    struct avp *g;
    if (cx_add_group(parent, mcx_cx_dict.server_capabilities, &g, err) != 0)
        return -1;
    for (size_t i = 0; i < caps->mandatory_count && i < MCX_CX_MAX_CAPABILITIES; i++)
        if (cx_add_u32(g, mcx_cx_dict.mandatory_capability, caps->mandatory[i], err) != 0)
            return -1;
    for (size_t i = 0; i < caps->optional_count && i < MCX_CX_MAX_CAPABILITIES; i++)
        if (cx_add_u32(g, mcx_cx_dict.optional_capability, caps->optional[i], err) != 0)
            return -1;
    for (size_t i = 0; i < caps->server_name_count && i < MCX_CX_MAX_CAP_SERVER_NAMES; i++)
        if (cx_add_str(g, mcx_cx_dict.server_name, caps->server_names[i], err) != 0)
            return -1;
    return 0;
}

void cx_scan_identities(msg_or_avp *msg, char *user_name, char *public_identity)
{
    user_name[0] = public_identity[0] = '\0';
    for (struct avp *a = cx_first(msg); a; a = cx_next(a)) {
        struct avp_hdr *h;
        struct cx_avp_id id;
        if (cx_header(a, &h, &id, NULL) != 0)
            return;
        if (cx_is(&id, AVP_USER_NAME, 0) && !user_name[0]) {
            if (cx_get_str(h, user_name, MCX_CX_IDENTITY_MAX, NULL) != 0)
                user_name[0] = '\0';
        } else if (cx_is(&id, AVP_PUBLIC_IDENTITY, V3GPP) && !public_identity[0]) {
            if (cx_get_str(h, public_identity, MCX_CX_IDENTITY_MAX, NULL) != 0)
                public_identity[0] = '\0';
        }
    }
}
