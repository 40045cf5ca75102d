/* SAR/SAA build and parse (TS 29.229 6.1.3, 6.1.4). */
#include "cx/cx_sar.h"

#include <string.h>

#include "cx/cx_avp.h"

int mcx_cx_sar_build(const struct mcx_cx_route *route, const struct mcx_cx_sar *sar,
                     struct msg **out, struct mcx_cx_error *err)
{
    struct msg *msg = NULL;
    *out = NULL;
    if (!sar->server_name[0] || (!sar->user_name[0] && sar->public_identity_count == 0) ||
        sar->public_identity_count > MCX_CX_MAX_PUBLIC_IDS) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0,
                     "SAR needs server_name and a user_name or public identities (max %d)",
                     MCX_CX_MAX_PUBLIC_IDS);
        return -1;
    }
    if (cx_request_start(mcx_cx_dict.sar, route, &msg, err) != 0)
        return -1;
    if ((sar->user_name[0] && cx_add_str(msg, mcx_cx_dict.user_name, sar->user_name, err) != 0))
        goto fail;
    for (size_t i = 0; i < sar->public_identity_count; i++)
        if (cx_add_str(msg, mcx_cx_dict.public_identity, sar->public_identities[i], err) != 0)
            goto fail;
    if (cx_add_str(msg, mcx_cx_dict.server_name, sar->server_name, err) != 0 ||
        cx_add_i32(msg, mcx_cx_dict.server_assignment_type, (int32_t)sar->assignment_type, err) !=
            0 ||
        cx_add_i32(msg, mcx_cx_dict.user_data_already_available,
                   (int32_t)sar->user_data_already_available, err) != 0)
        goto fail;
    *out = msg;
    return 0;
fail:
    fd_msg_free(msg);
    return -1;
}

int mcx_cx_sar_parse(struct msg *req, struct mcx_cx_sar *sar, struct mcx_cx_error *err)
{
    bool have_type = false, have_udaa = false;
    memset(sar, 0, sizeof *sar);
    struct cx_avps walk;
    int more;
    cx_avps_start(&walk, req, &sar->origin, sar->user_name, NULL);
    while ((more = cx_avps_next(&walk, err)) > 0) {
        if (cx_is(&walk.id, AVP_PUBLIC_IDENTITY, V3GPP)) {
            if (sar->public_identity_count >= MCX_CX_MAX_PUBLIC_IDS) {
                cx_error_set(err, MCX_DIAMETER_INVALID_AVP_VALUE, walk.id.code, V3GPP,
                             "more than %d Public-Identity", MCX_CX_MAX_PUBLIC_IDS);
                return -1;
            }
            if (cx_get_str(walk.hdr, sar->public_identities[sar->public_identity_count],
                           MCX_CX_IDENTITY_MAX, err) != 0)
                return -1;
            sar->public_identity_count++;
        } else if (cx_is(&walk.id, AVP_SERVER_NAME, V3GPP)) {
            if (cx_get_str(walk.hdr, sar->server_name, sizeof sar->server_name, err) != 0)
                return -1;
        } else if (cx_is(&walk.id, AVP_SERVER_ASSIGNMENT_TYPE, V3GPP)) {
            if (cx_get_enum(walk.hdr, &walk.id, MCX_CX_SAT_RESTORATION, "Server-Assignment-Type",
                            &sar->assignment_type, err) != 0)
                return -1;
            have_type = true;
        } else if (cx_is(&walk.id, AVP_USER_DATA_ALREADY_AVAILABLE, V3GPP)) {
            if (cx_get_enum(walk.hdr, &walk.id, 1, "User-Data-Already-Available",
                            &sar->user_data_already_available, err) != 0)
                return -1;
            have_udaa = true;
        }
    }
    if (more < 0)
        return -1;
    if (!sar->user_name[0] && sar->public_identity_count == 0)
        return cx_missing(err, AVP_PUBLIC_IDENTITY, V3GPP, "Public-Identity or User-Name");
    if (!sar->server_name[0])
        return cx_missing(err, AVP_SERVER_NAME, V3GPP, "Server-Name");
    if (!have_type)
        return cx_missing(err, AVP_SERVER_ASSIGNMENT_TYPE, V3GPP, "Server-Assignment-Type");
    if (!have_udaa)
        return cx_missing(err, AVP_USER_DATA_ALREADY_AVAILABLE, V3GPP,
                          "User-Data-Already-Available");
    return 0;
}

int mcx_cx_saa_build(struct msg **msg, const struct mcx_cx_saa *saa, struct mcx_cx_error *err)
{
    if (saa->user_data_len > sizeof saa->user_data) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, AVP_USER_DATA, V3GPP,
                     "user_data_len out of bounds");
        return -1;
    }
    if (cx_answer_head(msg, &saa->result, saa->user_name, saa->public_identity, err) != 0)
        return -1;
    struct msg *ans = *msg;
    if (saa->user_data_len &&
        cx_add_bytes(ans, mcx_cx_dict.user_data, saa->user_data, saa->user_data_len, err) != 0)
        return -1;
    return cx_answer_tail(ans, &saa->result, err);
}

int mcx_cx_saa_parse(struct msg *ans, struct mcx_cx_saa *saa, struct mcx_cx_error *err)
{
    memset(saa, 0, sizeof *saa);
    if (mcx_cx_answer_parse_common(ans, &saa->result, &saa->origin, saa->user_name,
                                   saa->public_identity, err) != 0)
        return -1;
    struct cx_avps walk;
    int more;
    cx_avps_start(&walk, ans, NULL, NULL, NULL);
    while ((more = cx_avps_next(&walk, err)) > 0) {
        if (cx_is(&walk.id, AVP_USER_DATA, V3GPP) &&
            cx_get_bytes(walk.hdr, saa->user_data, sizeof saa->user_data, &saa->user_data_len,
                         err) != 0)
            return -1;
    }
    if (more < 0)
        return -1;
    return 0;
}
