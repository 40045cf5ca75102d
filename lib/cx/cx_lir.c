/* LIR/LIA build and parse (TS 29.229 6.1.5, 6.1.6). */
#include "cx/cx_lir.h"

#include <string.h>

#include "cx/cx_avp.h"

int mcx_cx_lir_build(const struct mcx_cx_route *route, const struct mcx_cx_lir *lir,
                     struct msg **out, struct mcx_cx_error *err)
{
    struct msg *msg = NULL;
    *out = NULL;
    if (!lir->public_identity[0]) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0, "LIR needs public_identity");
        return -1;
    }
    if (cx_request_start(mcx_cx_dict.lir, route, &msg, err) != 0)
        return -1;
    if ((lir->originating_request &&
         cx_add_i32(msg, mcx_cx_dict.originating_request, 0 /* ORIGINATING */, err) != 0) ||
        cx_add_str(msg, mcx_cx_dict.public_identity, lir->public_identity, err) != 0 ||
        (lir->has_authorization_type && cx_add_i32(msg, mcx_cx_dict.user_authorization_type,
                                                   (int32_t)lir->authorization_type, err) != 0)) {
        fd_msg_free(msg);
        return -1;
    }
    *out = msg;
    return 0;
}

int mcx_cx_lir_parse(struct msg *req, struct mcx_cx_lir *lir, struct mcx_cx_error *err)
{
    memset(lir, 0, sizeof *lir);
    struct cx_avps walk;
    int more;
    cx_avps_start(&walk, req, &lir->origin, NULL, lir->public_identity);
    int32_t v;
    while ((more = cx_avps_next(&walk, err)) > 0) {
        if (cx_is(&walk.id, AVP_ORIGINATING_REQUEST, V3GPP)) {
            if (cx_get_i32(walk.hdr, &v, err) != 0)
                return -1;
            lir->originating_request = (v == 0);
        } else if (cx_is(&walk.id, AVP_USER_AUTHORIZATION_TYPE, V3GPP)) {
            if (cx_get_enum(walk.hdr, &walk.id, 2, "User-Authorization-Type",
                            &lir->authorization_type, err) != 0)
                return -1;
            lir->has_authorization_type = true;
        }
    }
    if (more < 0)
        return -1;
    if (!lir->public_identity[0])
        return cx_missing(err, AVP_PUBLIC_IDENTITY, V3GPP, "Public-Identity");
    return 0;
}

int mcx_cx_lia_build(struct msg **msg, const struct mcx_cx_lia *lia, struct mcx_cx_error *err)
{
    if (cx_answer_head(msg, &lia->result, lia->user_name, lia->public_identity, err) != 0)
        return -1;
    if (cx_add_server_info(*msg, lia->server_name, &lia->capabilities, err) != 0)
        return -1;
    return cx_answer_tail(*msg, &lia->result, err);
}

int mcx_cx_lia_parse(struct msg *ans, struct mcx_cx_lia *lia, struct mcx_cx_error *err)
{
    memset(lia, 0, sizeof *lia);
    if (mcx_cx_answer_parse_common(ans, &lia->result, &lia->origin, lia->user_name,
                                   lia->public_identity, err) != 0)
        return -1;
    return cx_get_server_info(ans, lia->server_name, &lia->capabilities, err);
}
