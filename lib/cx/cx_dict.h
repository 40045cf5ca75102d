/* The Cx application in the freeDiameter dictionary: application 16777216 (vendor 10415), the
 * commands 300-305 (UAR/UAA, SAR/SAA, LIR/LIA, MAR/MAA, RTR/RTA, PPR/PPA) with their AVP rules,
 * and the RFC 4740 Digest-* AVPs that dict_dcca_3gpp.fdx lacks (Digest-Realm 104, Digest-QoP
 * 110, Digest-HA1 121). Every dictionary object the Cx code uses is looked up once here and
 * cached in mcx_cx_dict, so building and parsing a message does no dictionary search.
 *
 * mcx_cx_dict_init() is called by mcx_diameter_init(); other code only reads mcx_cx_dict. */
#ifndef MCX_CX_DICT_H
#define MCX_CX_DICT_H

struct dict_object; /* freeDiameter/libfdproto.h */

struct mcx_cx_dict {
    struct dict_object *vendor;
    struct dict_object *app;
    /* commands */
    struct dict_object *uar, *uaa, *sar, *saa, *lir, *lia, *mar, *maa, *rtr, *rta, *ppr, *ppa;
    /* base protocol AVPs */
    struct dict_object *session_id, *origin_host, *origin_realm, *destination_host,
        *destination_realm, *user_name, *result_code, *experimental_result,
        *experimental_result_code, *vendor_id, *auth_application_id,
        *vendor_specific_application_id, *auth_session_state, *failed_avp, *error_message,
        *error_reporting_host, *proxy_info, *route_record;
    /* Cx AVPs (vendor 10415) */
    struct dict_object *visited_network_identifier, *public_identity, *server_name,
        *server_capabilities, *mandatory_capability, *optional_capability, *user_data,
        *sip_number_auth_items, *sip_authentication_scheme, *sip_authenticate, *sip_authorization,
        *sip_authentication_context, *sip_auth_data_item, *sip_item_number, *server_assignment_type,
        *deregistration_reason, *reason_code, *reason_info, *user_authorization_type,
        *user_data_already_available, *confidentiality_key, *integrity_key, *supported_features,
        *associated_identities, *originating_request, *wildcarded_public_identity,
        *sip_digest_authenticate, *uar_flags;
    /* RFC 4740 digest AVPs (vendor 0) */
    struct dict_object *digest_realm, *digest_qop, *digest_ha1;
};

/* The cached objects; valid after mcx_cx_dict_init() returned 0. */
extern struct mcx_cx_dict mcx_cx_dict;

/* Registers the Cx application, commands, rules and missing AVPs in the core's dictionary and
 * fills mcx_cx_dict. Needs fd_core_initialize() and dict_dcca_3gpp.fdx loaded. Idempotent.
 * Returns 0, or -1 after logging which object could not be found or created. */
int mcx_cx_dict_init(void);

#endif
