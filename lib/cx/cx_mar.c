/* MAR/MAA build and parse (TS 29.229 6.1.7, 6.1.8). */
#include "cx/cx_mar.h"

#include <stdio.h>
#include <string.h>

#include "cx/cx_avp.h"

static int add_item(struct msg *ans, const struct mcx_cx_auth_item *item, struct mcx_cx_error *err)
{
    struct avp *g;
    if (item->authenticate_len > sizeof item->authenticate ||
        item->authorization_len > sizeof item->authorization) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, AVP_SIP_AUTH_DATA_ITEM, V3GPP,
                     "auth item length out of bounds");
        return -1;
    }
    if (cx_add_group(ans, mcx_cx_dict.sip_auth_data_item, &g, err) != 0)
        return -1;
    if (item->item_number && cx_add_u32(g, mcx_cx_dict.sip_item_number, item->item_number, err))
        return -1;
    if (item->scheme[0] && cx_add_str(g, mcx_cx_dict.sip_authentication_scheme, item->scheme, err))
        return -1;
    if (item->authenticate_len && cx_add_bytes(g, mcx_cx_dict.sip_authenticate, item->authenticate,
                                               item->authenticate_len, err))
        return -1;
    if (item->authorization_len && cx_add_bytes(g, mcx_cx_dict.sip_authorization,
                                                item->authorization, item->authorization_len, err))
        return -1;
    if (item->has_ck &&
        cx_add_bytes(g, mcx_cx_dict.confidentiality_key, item->ck, MCX_CX_KEY_LEN, err))
        return -1;
    if (item->has_ik && cx_add_bytes(g, mcx_cx_dict.integrity_key, item->ik, MCX_CX_KEY_LEN, err))
        return -1;
    if (item->has_digest) {
        struct avp *d;
        if (cx_add_group(g, mcx_cx_dict.sip_digest_authenticate, &d, err) != 0 ||
            cx_add_str(d, mcx_cx_dict.digest_realm, item->digest_realm, err) != 0 ||
            (item->digest_qop[0] &&
             cx_add_str(d, mcx_cx_dict.digest_qop, item->digest_qop, err) != 0) ||
            cx_add_str(d, mcx_cx_dict.digest_ha1, item->digest_ha1, err) != 0)
            return -1;
    }
    return 0;
}

static int parse_digest(struct avp *group, struct mcx_cx_auth_item *item, struct mcx_cx_error *err)
{
    bool realm = false, ha1 = false;
    item->has_digest = true;
    struct cx_avps walk;
    int more;
    cx_avps_start(&walk, group, NULL, NULL, NULL);
    while ((more = cx_avps_next(&walk, err)) > 0) {
        if (cx_is(&walk.id, AVP_DIGEST_REALM, 0)) {
            if (cx_get_str(walk.hdr, item->digest_realm, sizeof item->digest_realm, err) != 0)
                return -1;
            realm = true;
        } else if (cx_is(&walk.id, AVP_DIGEST_QOP, 0)) {
            if (cx_get_str(walk.hdr, item->digest_qop, sizeof item->digest_qop, err) != 0)
                return -1;
        } else if (cx_is(&walk.id, AVP_DIGEST_HA1, 0)) {
            if (cx_get_str(walk.hdr, item->digest_ha1, sizeof item->digest_ha1, err) != 0)
                return -1;
            ha1 = true;
        }
    }
    if (more < 0)
        return -1;
    if (!realm)
        return cx_missing(err, AVP_DIGEST_REALM, 0, "Digest-Realm");
    if (!ha1)
        return cx_missing(err, AVP_DIGEST_HA1, 0, "Digest-HA1");
    return 0;
}

static int get_key(const struct avp_hdr *h, uint8_t key[MCX_CX_KEY_LEN], struct mcx_cx_error *err)
{
    size_t len = 0;
    if (cx_get_bytes(h, key, MCX_CX_KEY_LEN, &len, err) != 0)
        return -1;
    if (len != MCX_CX_KEY_LEN) {
        cx_error_set(err, MCX_DIAMETER_INVALID_AVP_LENGTH, h->avp_code, V3GPP,
                     "AVP %u must be %d bytes, got %zu", h->avp_code, MCX_CX_KEY_LEN, len);
        return -1;
    }
    return 0;
}

/* Parses one SIP-Auth-Data-Item group (request or answer form). */
static int parse_item(struct avp *group, struct mcx_cx_auth_item *item, struct mcx_cx_error *err)
{
    memset(item, 0, sizeof *item);
    struct cx_avps walk;
    int more;
    cx_avps_start(&walk, group, NULL, NULL, NULL);
    while ((more = cx_avps_next(&walk, err)) > 0) {
        if (walk.id.vendor == V3GPP) {
            switch (walk.id.code) {
            case AVP_SIP_ITEM_NUMBER:
                if (cx_get_u32(walk.hdr, &item->item_number, err) != 0)
                    return -1;
                break;
            case AVP_SIP_AUTHENTICATION_SCHEME:
                if (cx_get_str(walk.hdr, item->scheme, sizeof item->scheme, err) != 0)
                    return -1;
                break;
            case AVP_SIP_AUTHENTICATE:
                if (cx_get_bytes(walk.hdr, item->authenticate, sizeof item->authenticate,
                                 &item->authenticate_len, err) != 0)
                    return -1;
                break;
            case AVP_SIP_AUTHORIZATION:
                if (cx_get_bytes(walk.hdr, item->authorization, sizeof item->authorization,
                                 &item->authorization_len, err) != 0)
                    return -1;
                break;
            case AVP_CONFIDENTIALITY_KEY:
                if (get_key(walk.hdr, item->ck, err) != 0)
                    return -1;
                item->has_ck = true;
                break;
            case AVP_INTEGRITY_KEY:
                if (get_key(walk.hdr, item->ik, err) != 0)
                    return -1;
                item->has_ik = true;
                break;
            case AVP_SIP_DIGEST_AUTHENTICATE:
                if (parse_digest(walk.avp, item, err) != 0)
                    return -1;
                break;
            default:
                break;
            }
        }
    }
    if (more < 0)
        return -1;
    return 0;
}

int mcx_cx_mar_build(const struct mcx_cx_route *route, const struct mcx_cx_mar *mar,
                     struct msg **out, struct mcx_cx_error *err)
{
    struct msg *msg = NULL;
    *out = NULL;
    if (!mar->user_name[0] || !mar->public_identity[0]) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, 0, 0,
                     "MAR needs user_name and "
                     "public_identity");
        return -1;
    }
    if (mar->authorization_len > sizeof mar->authorization) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, AVP_SIP_AUTHORIZATION, V3GPP,
                     "authorization_len out of bounds");
        return -1;
    }
    if (cx_request_start(mcx_cx_dict.mar, route, &msg, err) != 0)
        return -1;
    struct avp *item;
    if (cx_add_str(msg, mcx_cx_dict.user_name, mar->user_name, err) != 0 ||
        cx_add_str(msg, mcx_cx_dict.public_identity, mar->public_identity, err) != 0 ||
        cx_add_group(msg, mcx_cx_dict.sip_auth_data_item, &item, err) != 0 ||
        cx_add_str(item, mcx_cx_dict.sip_authentication_scheme,
                   mar->scheme[0] ? mar->scheme : MCX_CX_SCHEME_UNKNOWN, err) != 0 ||
        (mar->authorization_len &&
         cx_add_bytes(item, mcx_cx_dict.sip_authorization, mar->authorization,
                      mar->authorization_len, err) != 0) ||
        cx_add_u32(msg, mcx_cx_dict.sip_number_auth_items,
                   mar->number_auth_items ? mar->number_auth_items : 1, err) != 0 ||
        (mar->server_name[0] &&
         cx_add_str(msg, mcx_cx_dict.server_name, mar->server_name, err) != 0)) {
        fd_msg_free(msg);
        return -1;
    }
    *out = msg;
    return 0;
}

int mcx_cx_mar_parse(struct msg *req, struct mcx_cx_mar *mar, struct mcx_cx_error *err)
{
    bool have_items = false, have_item = false;
    memset(mar, 0, sizeof *mar);
    struct cx_avps walk;
    int more;
    cx_avps_start(&walk, req, &mar->origin, mar->user_name, mar->public_identity);
    while ((more = cx_avps_next(&walk, err)) > 0) {
        if (cx_is(&walk.id, AVP_SERVER_NAME, V3GPP)) {
            if (cx_get_str(walk.hdr, mar->server_name, sizeof mar->server_name, err) != 0)
                return -1;
        } else if (cx_is(&walk.id, AVP_SIP_NUMBER_AUTH_ITEMS, V3GPP)) {
            if (cx_get_u32(walk.hdr, &mar->number_auth_items, err) != 0)
                return -1;
            have_items = true;
        } else if (cx_is(&walk.id, AVP_SIP_AUTH_DATA_ITEM, V3GPP)) {
            struct mcx_cx_auth_item item;
            if (parse_item(walk.avp, &item, err) != 0)
                return -1;
            memcpy(mar->scheme, item.scheme, sizeof mar->scheme);
            memcpy(mar->authorization, item.authorization, item.authorization_len);
            mar->authorization_len = item.authorization_len;
            have_item = true;
        }
    }
    if (more < 0)
        return -1;
    if (!mar->user_name[0])
        return cx_missing(err, AVP_USER_NAME, 0, "User-Name");
    if (!mar->public_identity[0])
        return cx_missing(err, AVP_PUBLIC_IDENTITY, V3GPP, "Public-Identity");
    if (!have_item)
        return cx_missing(err, AVP_SIP_AUTH_DATA_ITEM, V3GPP, "SIP-Auth-Data-Item");
    if (!have_items)
        return cx_missing(err, AVP_SIP_NUMBER_AUTH_ITEMS, V3GPP, "SIP-Number-Auth-Items");
    if (!mar->scheme[0])
        snprintf(mar->scheme, sizeof mar->scheme, "%s", MCX_CX_SCHEME_UNKNOWN);
    return 0;
}

int mcx_cx_maa_build(struct msg **msg, const struct mcx_cx_maa *maa, struct mcx_cx_error *err)
{
    if (maa->item_count > MCX_CX_MAX_AUTH_ITEMS) {
        cx_error_set(err, MCX_DIAMETER_UNABLE_TO_COMPLY, AVP_SIP_AUTH_DATA_ITEM, V3GPP,
                     "item_count out of bounds");
        return -1;
    }
    if (cx_answer_head(msg, &maa->result, maa->user_name, maa->public_identity, err) != 0)
        return -1;
    struct msg *ans = *msg;
    uint32_t count = maa->number_auth_items ? maa->number_auth_items : (uint32_t)maa->item_count;
    if (count && cx_add_u32(ans, mcx_cx_dict.sip_number_auth_items, count, err) != 0)
        return -1;
    for (size_t i = 0; i < maa->item_count; i++)
        if (add_item(ans, &maa->items[i], err) != 0)
            return -1;
    return cx_answer_tail(ans, &maa->result, err);
}

int mcx_cx_maa_parse(struct msg *ans, struct mcx_cx_maa *maa, struct mcx_cx_error *err)
{
    memset(maa, 0, sizeof *maa);
    if (mcx_cx_answer_parse_common(ans, &maa->result, &maa->origin, maa->user_name,
                                   maa->public_identity, err) != 0)
        return -1;
    struct cx_avps walk;
    int more;
    cx_avps_start(&walk, ans, NULL, NULL, NULL);
    while ((more = cx_avps_next(&walk, err)) > 0) {
        if (cx_is(&walk.id, AVP_SIP_NUMBER_AUTH_ITEMS, V3GPP)) {
            if (cx_get_u32(walk.hdr, &maa->number_auth_items, err) != 0)
                return -1;
        } else if (cx_is(&walk.id, AVP_SIP_AUTH_DATA_ITEM, V3GPP)) {
            if (maa->item_count >= MCX_CX_MAX_AUTH_ITEMS) {
                cx_error_set(err, MCX_DIAMETER_INVALID_AVP_VALUE, walk.id.code, V3GPP,
                             "more than %d SIP-Auth-Data-Item", MCX_CX_MAX_AUTH_ITEMS);
                return -1;
            }
            if (parse_item(walk.avp, &maa->items[maa->item_count], err) != 0)
                return -1;
            maa->item_count++;
        }
    }
    if (more < 0)
        return -1;
    return 0;
}
