/* UAR/UAA build and parse (TS 29.229 6.1.1, 6.1.2). */
#include "cx/cx_uar.h"

#include <string.h>

#include "cx/cx_avp.h"

int mcx_cx_uar_build(const struct mcx_cx_route *route, const struct mcx_cx_uar *uar,
                     struct msg **out, struct mcx_cx_error *err)
{
    struct msg *msg = NULL;
    *out = NULL;
    if (!uar->user_name[0] || !uar->public_identity[0] || !uar->visited_network[0]) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0,
                     "UAR needs user_name, public_identity and visited_network");
        return -1;
    }
    if (cx_request_start(mcx_cx_dict.uar, route, &msg, err) != 0)
        return -1;
    if (cx_add_str(msg, mcx_cx_dict.user_name, uar->user_name, err) != 0 ||
        cx_add_str(msg, mcx_cx_dict.public_identity, uar->public_identity, err) != 0 ||
        cx_add_str(msg, mcx_cx_dict.visited_network_identifier, uar->visited_network, err) != 0 ||
        cx_add_i32(msg, mcx_cx_dict.user_authorization_type, (int32_t)uar->authorization_type,
                   err) != 0 ||
        (uar->has_uar_flags && cx_add_u32(msg, mcx_cx_dict.uar_flags, uar->uar_flags, err) != 0)) {
        fd_msg_free(msg);
        return -1;
    }
    *out = msg;
    return 0;
}

int mcx_cx_uar_parse(struct msg *req, struct mcx_cx_uar *uar, struct mcx_cx_error *err)
{
    bool have_visited = false;
    memset(uar, 0, sizeof *uar);
    struct cx_avps walk;
    int more;
    cx_avps_start(&walk, req, &uar->origin, uar->user_name, uar->public_identity);
    while ((more = cx_avps_next(&walk, err)) > 0) {
        if (cx_is(&walk.id, AVP_VISITED_NETWORK_IDENTIFIER, V3GPP)) {
            if (cx_get_str(walk.hdr, uar->visited_network, sizeof uar->visited_network, err) != 0)
                return -1;
            have_visited = true;
        } else if (cx_is(&walk.id, AVP_USER_AUTHORIZATION_TYPE, V3GPP)) {
            if (cx_get_enum(walk.hdr, &walk.id, (int32_t)MCX_CX_UAT_REGISTRATION_AND_CAPABILITIES,
                            "User-Authorization-Type", &uar->authorization_type, err) != 0)
                return -1;
        } else if (cx_is(&walk.id, AVP_UAR_FLAGS, V3GPP)) {
            if (cx_get_u32(walk.hdr, &uar->uar_flags, err) != 0)
                return -1;
            uar->has_uar_flags = true;
        }
    }
    if (more < 0)
        return -1;
    if (!uar->user_name[0])
        return cx_missing(err, AVP_USER_NAME, 0, "User-Name");
    if (!uar->public_identity[0])
        return cx_missing(err, AVP_PUBLIC_IDENTITY, V3GPP, "Public-Identity");
    if (!have_visited)
        return cx_missing(err, AVP_VISITED_NETWORK_IDENTIFIER, V3GPP, "Visited-Network-Identifier");
    return 0;
}

int mcx_cx_uaa_build(struct msg **msg, const struct mcx_cx_uaa *uaa, struct mcx_cx_error *err)
{
    if (cx_answer_head(msg, &uaa->result, uaa->user_name, uaa->public_identity, err) != 0)
        return -1;
    if (cx_add_server_info(*msg, uaa->server_name, &uaa->capabilities, err) != 0)
        return -1;
    return cx_answer_tail(*msg, &uaa->result, err);
}

int mcx_cx_uaa_parse(struct msg *ans, struct mcx_cx_uaa *uaa, struct mcx_cx_error *err)
{
    memset(uaa, 0, sizeof *uaa);
    if (mcx_cx_answer_parse_common(ans, &uaa->result, &uaa->origin, uaa->user_name,
                                   uaa->public_identity, err) != 0)
        return -1;
    return cx_get_server_info(ans, uaa->server_name, &uaa->capabilities, err);
}
