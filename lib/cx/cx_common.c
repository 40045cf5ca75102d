/* Result helpers, wire (de)serialisation and the parts common to every Cx answer. */
#include "cx/cx_avp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mcx_cx_result_set_success(struct mcx_cx_result *r)
{
    mcx_cx_result_set_base(r, MCX_DIAMETER_SUCCESS);
}

void mcx_cx_result_set_base(struct mcx_cx_result *r, uint32_t result_code)
{
    memset(r, 0, sizeof *r);
    r->result_code = result_code;
}

void mcx_cx_result_set_experimental(struct mcx_cx_result *r, uint32_t experimental_code)
{
    memset(r, 0, sizeof *r);
    r->experimental_code = experimental_code;
}

void mcx_cx_result_set_from_error(struct mcx_cx_result *r, const struct mcx_cx_error *e)
{
    mcx_cx_result_set_base(r, e->result_code ? e->result_code : MCX_DIAMETER_UNABLE_TO_COMPLY);
    r->failed_avp_code = e->avp_code;
    r->failed_avp_vendor = e->avp_vendor;
    snprintf(r->error_message, sizeof r->error_message, "%s", e->text);
}

uint32_t mcx_cx_result_code(const struct mcx_cx_result *r)
{
    return r->experimental_code ? r->experimental_code : r->result_code;
}

bool mcx_cx_result_is_success(const struct mcx_cx_result *r)
{
    uint32_t code = mcx_cx_result_code(r);
    return code >= 2000 && code < 3000;
}

struct code_name {
    uint32_t code;
    const char *name;
};

static const struct code_name base_names[] = {
    {2001, "DIAMETER_SUCCESS"},           {3001, "DIAMETER_COMMAND_UNSUPPORTED"},
    {3002, "DIAMETER_UNABLE_TO_DELIVER"}, {3003, "DIAMETER_REALM_NOT_SERVED"},
    {3004, "DIAMETER_TOO_BUSY"},          {3007, "DIAMETER_APPLICATION_UNSUPPORTED"},
    {3010, "DIAMETER_UNKNOWN_PEER"},      {4001, "DIAMETER_AUTHENTICATION_REJECTED"},
    {5001, "DIAMETER_AVP_UNSUPPORTED"},   {5003, "DIAMETER_AUTHORIZATION_REJECTED"},
    {5004, "DIAMETER_INVALID_AVP_VALUE"}, {5005, "DIAMETER_MISSING_AVP"},
    {5012, "DIAMETER_UNABLE_TO_COMPLY"},  {5014, "DIAMETER_INVALID_AVP_LENGTH"},
};

static const struct code_name experimental_names[] = {
    {2001, "DIAMETER_FIRST_REGISTRATION"},
    {2002, "DIAMETER_SUBSEQUENT_REGISTRATION"},
    {2003, "DIAMETER_UNREGISTERED_SERVICE"},
    {2004, "DIAMETER_SUCCESS_SERVER_NAME_NOT_STORED"},
    {5001, "DIAMETER_ERROR_USER_UNKNOWN"},
    {5002, "DIAMETER_ERROR_IDENTITIES_DONT_MATCH"},
    {5003, "DIAMETER_ERROR_IDENTITY_NOT_REGISTERED"},
    {5004, "DIAMETER_ERROR_ROAMING_NOT_ALLOWED"},
    {5005, "DIAMETER_ERROR_IDENTITY_ALREADY_REGISTERED"},
    {5006, "DIAMETER_ERROR_AUTH_SCHEME_NOT_SUPPORTED"},
    {5007, "DIAMETER_ERROR_IN_ASSIGNMENT_TYPE"},
    {5008, "DIAMETER_ERROR_TOO_MUCH_DATA"},
    {5009, "DIAMETER_ERROR_NOT_SUPPORTED_USER_DATA"},
};

const char *mcx_cx_result_name(const struct mcx_cx_result *r)
{
    const struct code_name *table = r->experimental_code ? experimental_names : base_names;
    size_t n = r->experimental_code ? sizeof experimental_names / sizeof experimental_names[0]
                                    : sizeof base_names / sizeof base_names[0];
    uint32_t code = mcx_cx_result_code(r);
    for (size_t i = 0; i < n; i++)
        if (table[i].code == code)
            return table[i].name;
    return "UNKNOWN";
}

int mcx_cx_message_to_buffer(struct msg *msg, uint8_t **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    return fd_msg_bufferize(msg, buf, len) == 0 ? 0 : -1;
}

int mcx_cx_message_from_buffer(const uint8_t *buf, size_t len, struct msg **out,
                               struct mcx_cx_error *err)
{
    *out = NULL;
    if (!buf || len < 20 || len > 65535) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "bad message length %zu", len);
        return -1;
    }
    uint8_t *copy = malloc(len);
    if (!copy) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "out of memory");
        return -1;
    }
    memcpy(copy, buf, len);
    struct msg *msg = NULL;
    /* On success the message owns the buffer. */
    if (fd_msg_parse_buffer(&copy, len, &msg) != 0) {
        free(copy);
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "malformed Diameter framing");
        return -1;
    }
    struct fd_pei pei;
    memset(&pei, 0, sizeof pei);
    if (fd_msg_parse_dict(msg, fd_g_config->cnf_dict, &pei) != 0) {
        uint32_t code = 0, vendor = 0;
        if (pei.pei_avp) {
            struct avp_hdr *h;
            if (fd_msg_avp_hdr(pei.pei_avp, &h) == 0) {
                code = h->avp_code;
                vendor = (h->avp_flags & AVP_FLAG_VENDOR) ? h->avp_vendor : 0;
            }
        }
        uint32_t rc = MCX_DIAMETER_INVALID_AVP_VALUE;
        if (pei.pei_errcode && strcmp(pei.pei_errcode, "DIAMETER_INVALID_AVP_LENGTH") == 0)
            rc = MCX_DIAMETER_INVALID_AVP_LENGTH;
        cx_error_set(err, rc, code, vendor, "%s",
                     pei.pei_message   ? pei.pei_message
                     : pei.pei_errcode ? pei.pei_errcode
                                       : "dictionary parse error");
        if (pei.pei_avp_free)
            fd_msg_free(pei.pei_avp);
        fd_msg_free(msg);
        return -1;
    }
    *out = msg;
    return 0;
}

void mcx_cx_message_free(struct msg *msg)
{
    if (msg)
        fd_msg_free(msg);
}

int mcx_cx_message_command(struct msg *msg, uint32_t *code, bool *is_request)
{
    struct msg_hdr *hdr;
    if (!msg || fd_msg_hdr(msg, &hdr) != 0)
        return -1;
    *code = hdr->msg_code;
    *is_request = (hdr->msg_flags & CMD_FLAG_REQUEST) != 0;
    return 0;
}

int mcx_cx_answer_build_result(struct msg **msg, const struct mcx_cx_result *result,
                               const char *user_name, const char *public_identity,
                               struct mcx_cx_error *err)
{
    if (cx_answer_head(msg, result, user_name, public_identity, err) != 0)
        return -1;
    return cx_answer_tail(*msg, result, err);
}

static int parse_experimental(struct avp *group, struct mcx_cx_result *r, struct mcx_cx_error *err)
{
    bool have_code = false;
    struct cx_avps walk;
    int more;
    cx_avps_start(&walk, group, NULL, NULL, NULL);
    while ((more = cx_avps_next(&walk, err)) > 0) {
        if (cx_is(&walk.id, AVP_EXPERIMENTAL_RESULT_CODE, 0)) {
            if (cx_get_u32(walk.hdr, &r->experimental_code, err) != 0)
                return -1;
            have_code = true;
        }
    }
    if (more < 0)
        return -1;
    if (!have_code)
        return cx_missing(err, AVP_EXPERIMENTAL_RESULT_CODE, 0, "Experimental-Result-Code");
    return 0;
}

int mcx_cx_answer_parse_common(struct msg *ans, struct mcx_cx_result *result,
                               struct mcx_cx_origin *origin, char *user_name, char *public_identity,
                               struct mcx_cx_error *err)
{
    struct mcx_cx_result r;
    struct mcx_cx_origin o;
    memset(&r, 0, sizeof r);
    memset(&o, 0, sizeof o);
    if (user_name)
        user_name[0] = '\0';
    if (public_identity)
        public_identity[0] = '\0';
    struct cx_avps walk;
    int more;
    cx_avps_start(&walk, ans, &o, user_name, public_identity);
    while ((more = cx_avps_next(&walk, err)) > 0) {
        if (cx_is(&walk.id, AVP_RESULT_CODE, 0)) {
            if (cx_get_u32(walk.hdr, &r.result_code, err) != 0)
                return -1;
        } else if (cx_is(&walk.id, AVP_EXPERIMENTAL_RESULT, 0)) {
            if (parse_experimental(walk.avp, &r, err) != 0)
                return -1;
        } else if (cx_is(&walk.id, AVP_ERROR_MESSAGE, 0)) {
            size_t len = 0;
            /* Informational: keep what fits rather than failing the whole answer. */
            if (walk.hdr->avp_value) {
                len = walk.hdr->avp_value->os.len < sizeof r.error_message - 1
                          ? walk.hdr->avp_value->os.len
                          : sizeof r.error_message - 1;
                memcpy(r.error_message, walk.hdr->avp_value->os.data, len);
                r.error_message[len] = '\0';
            }
        } else if (cx_is(&walk.id, AVP_FAILED_AVP, 0)) {
            struct avp *inner = cx_first(walk.avp);
            struct avp_hdr *ih;
            struct cx_avp_id iid;
            if (inner && cx_header(inner, &ih, &iid, err) == 0) {
                r.failed_avp_code = iid.code;
                r.failed_avp_vendor = iid.vendor;
            }
        }
    }
    if (more < 0)
        return -1;
    if (r.result_code == 0 && r.experimental_code == 0)
        return cx_missing(err, AVP_RESULT_CODE, 0, "Result-Code or Experimental-Result");
    if (o.host[0] == '\0')
        return cx_missing(err, AVP_ORIGIN_HOST, 0, "Origin-Host");
    if (result)
        *result = r;
    if (origin)
        *origin = o;
    return 0;
}
