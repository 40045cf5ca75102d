/* Registers the Cx application, commands, rules and missing AVPs; caches the objects. */
#include "cx/cx_dict.h"

#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>

#include <string.h>

#include "core/log.h"
#include "cx/cx_common.h"

struct mcx_cx_dict mcx_cx_dict;

static bool dict_ready;

/* AVPs we look up: field, code, vendor, name (for messages). */
struct avp_ref {
    struct dict_object **obj;
    uint32_t code;
    uint32_t vendor;
    const char *name;
};

#define D(field) (&mcx_cx_dict.field)
static const struct avp_ref avp_refs[] = {
    {D(session_id), 263, 0, "Session-Id"},
    {D(origin_host), 264, 0, "Origin-Host"},
    {D(origin_realm), 296, 0, "Origin-Realm"},
    {D(destination_host), 293, 0, "Destination-Host"},
    {D(destination_realm), 283, 0, "Destination-Realm"},
    {D(user_name), 1, 0, "User-Name"},
    {D(result_code), 268, 0, "Result-Code"},
    {D(experimental_result), 297, 0, "Experimental-Result"},
    {D(experimental_result_code), 298, 0, "Experimental-Result-Code"},
    {D(vendor_id), 266, 0, "Vendor-Id"},
    {D(auth_application_id), 258, 0, "Auth-Application-Id"},
    {D(vendor_specific_application_id), 260, 0, "Vendor-Specific-Application-Id"},
    {D(auth_session_state), 277, 0, "Auth-Session-State"},
    {D(failed_avp), 279, 0, "Failed-AVP"},
    {D(error_message), 281, 0, "Error-Message"},
    {D(error_reporting_host), 294, 0, "Error-Reporting-Host"},
    {D(proxy_info), 284, 0, "Proxy-Info"},
    {D(route_record), 282, 0, "Route-Record"},
    {D(visited_network_identifier), 600, MCX_CX_VENDOR_3GPP, "Visited-Network-Identifier"},
    {D(public_identity), 601, MCX_CX_VENDOR_3GPP, "Public-Identity"},
    {D(server_name), 602, MCX_CX_VENDOR_3GPP, "Server-Name"},
    {D(server_capabilities), 603, MCX_CX_VENDOR_3GPP, "Server-Capabilities"},
    {D(mandatory_capability), 604, MCX_CX_VENDOR_3GPP, "Mandatory-Capability"},
    {D(optional_capability), 605, MCX_CX_VENDOR_3GPP, "Optional-Capability"},
    {D(user_data), 606, MCX_CX_VENDOR_3GPP, "User-Data"},
    {D(sip_number_auth_items), 607, MCX_CX_VENDOR_3GPP, "SIP-Number-Auth-Items"},
    {D(sip_authentication_scheme), 608, MCX_CX_VENDOR_3GPP, "SIP-Authentication-Scheme"},
    {D(sip_authenticate), 609, MCX_CX_VENDOR_3GPP, "SIP-Authenticate"},
    {D(sip_authorization), 610, MCX_CX_VENDOR_3GPP, "SIP-Authorization"},
    {D(sip_authentication_context), 611, MCX_CX_VENDOR_3GPP, "SIP-Authentication-Context"},
    {D(sip_auth_data_item), 612, MCX_CX_VENDOR_3GPP, "SIP-Auth-Data-Item"},
    {D(sip_item_number), 613, MCX_CX_VENDOR_3GPP, "SIP-Item-Number"},
    {D(server_assignment_type), 614, MCX_CX_VENDOR_3GPP, "Server-Assignment-Type"},
    {D(deregistration_reason), 615, MCX_CX_VENDOR_3GPP, "Deregistration-Reason"},
    {D(reason_code), 616, MCX_CX_VENDOR_3GPP, "Reason-Code"},
    {D(reason_info), 617, MCX_CX_VENDOR_3GPP, "Reason-Info"},
    {D(user_authorization_type), 623, MCX_CX_VENDOR_3GPP, "User-Authorization-Type"},
    {D(user_data_already_available), 624, MCX_CX_VENDOR_3GPP, "User-Data-Already-Available"},
    {D(confidentiality_key), 625, MCX_CX_VENDOR_3GPP, "Confidentiality-Key"},
    {D(integrity_key), 626, MCX_CX_VENDOR_3GPP, "Integrity-Key"},
    {D(supported_features), 628, MCX_CX_VENDOR_3GPP, "Supported-Features"},
    {D(associated_identities), 632, MCX_CX_VENDOR_3GPP, "Associated-Identities"},
    {D(originating_request), 633, MCX_CX_VENDOR_3GPP, "Originating-Request"},
    {D(wildcarded_public_identity), 634, MCX_CX_VENDOR_3GPP, "Wildcarded-Public-Identity"},
    {D(sip_digest_authenticate), 635, MCX_CX_VENDOR_3GPP, "SIP-Digest-Authenticate"},
    {D(uar_flags), 637, MCX_CX_VENDOR_3GPP, "UAR-Flags"},
};

/* RFC 4740 AVPs (vendor 0, M flag) that dict_dcca_3gpp.fdx does not define. */
struct digest_avp {
    struct dict_object **obj;
    uint32_t code;
    const char *name;
    bool utf8;
};
static const struct digest_avp digest_avps[] = {
    {D(digest_realm), 104, "Digest-Realm", true},
    {D(digest_qop), 110, "Digest-QoP", true},
    {D(digest_ha1), 121, "Digest-HA1", false},
};

struct cmd_def {
    struct dict_object **obj;
    uint32_t code;
    bool request;
    const char *name;
};
static const struct cmd_def cmd_defs[] = {
    {D(uar), 300, true, "User-Authorization-Request"},
    {D(uaa), 300, false, "User-Authorization-Answer"},
    {D(sar), 301, true, "Server-Assignment-Request"},
    {D(saa), 301, false, "Server-Assignment-Answer"},
    {D(lir), 302, true, "Location-Info-Request"},
    {D(lia), 302, false, "Location-Info-Answer"},
    {D(mar), 303, true, "Multimedia-Auth-Request"},
    {D(maa), 303, false, "Multimedia-Auth-Answer"},
    {D(rtr), 304, true, "Registration-Termination-Request"},
    {D(rta), 304, false, "Registration-Termination-Answer"},
    {D(ppr), 305, true, "Push-Profile-Request"},
    {D(ppa), 305, false, "Push-Profile-Answer"},
};

/* One rule of a command or grouped AVP. */
struct rule_def {
    struct dict_object **avp;
    enum rule_position position;
    int min;
    int max;
};
#define HEAD(f)                                                                                    \
    {                                                                                              \
        D(f), RULE_FIXED_HEAD, 1, 1                                                                \
    }
#define REQ(f)                                                                                     \
    {                                                                                              \
        D(f), RULE_REQUIRED, 1, 1                                                                  \
    }
#define OPT(f)                                                                                     \
    {                                                                                              \
        D(f), RULE_OPTIONAL, 0, 1                                                                  \
    }
#define ANY(f)                                                                                     \
    {                                                                                              \
        D(f), RULE_OPTIONAL, 0, -1                                                                 \
    }
#define END                                                                                        \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

/* Requests follow TS 29.229 6.1 (with Server-Name optional in MAR, as Open5GS does for
 * interoperability). Answers are lenient: only what every answer must carry is required. */
#define REQUEST_HEAD                                                                               \
    HEAD(session_id), REQ(vendor_specific_application_id), REQ(auth_session_state),                \
        REQ(origin_host), REQ(origin_realm), REQ(destination_realm)
#define REQUEST_TAIL ANY(supported_features), ANY(proxy_info), ANY(route_record), END
#define ANSWER_HEAD                                                                                \
    HEAD(session_id), OPT(vendor_specific_application_id), OPT(result_code),                       \
        OPT(experimental_result), OPT(auth_session_state), REQ(origin_host), REQ(origin_realm),    \
        OPT(user_name), OPT(public_identity)
#define ANSWER_TAIL                                                                                \
    ANY(supported_features), OPT(error_message), OPT(error_reporting_host), OPT(failed_avp),       \
        ANY(proxy_info), ANY(route_record), END

static const struct rule_def rules_uar[] = {REQUEST_HEAD,
                                            OPT(destination_host),
                                            REQ(user_name),
                                            REQ(public_identity),
                                            REQ(visited_network_identifier),
                                            OPT(user_authorization_type),
                                            OPT(uar_flags),
                                            REQUEST_TAIL};
static const struct rule_def rules_uaa[] = {ANSWER_HEAD, OPT(server_name), OPT(server_capabilities),
                                            ANSWER_TAIL};
static const struct rule_def rules_sar[] = {REQUEST_HEAD,
                                            OPT(destination_host),
                                            OPT(user_name),
                                            ANY(public_identity),
                                            OPT(wildcarded_public_identity),
                                            REQ(server_name),
                                            REQ(server_assignment_type),
                                            REQ(user_data_already_available),
                                            OPT(deregistration_reason),
                                            REQUEST_TAIL};
static const struct rule_def rules_saa[] = {ANSWER_HEAD, OPT(user_data), OPT(associated_identities),
                                            ANSWER_TAIL};
static const struct rule_def rules_lir[] = {
    REQUEST_HEAD,         OPT(destination_host),        OPT(originating_request),
    REQ(public_identity), OPT(user_authorization_type), REQUEST_TAIL};
static const struct rule_def rules_lia[] = {ANSWER_HEAD, OPT(server_name), OPT(server_capabilities),
                                            OPT(wildcarded_public_identity), ANSWER_TAIL};
static const struct rule_def rules_mar[] = {REQUEST_HEAD,
                                            OPT(destination_host),
                                            REQ(user_name),
                                            REQ(public_identity),
                                            REQ(sip_auth_data_item),
                                            REQ(sip_number_auth_items),
                                            OPT(server_name),
                                            REQUEST_TAIL};
static const struct rule_def rules_maa[] = {ANSWER_HEAD, OPT(sip_number_auth_items),
                                            ANY(sip_auth_data_item), ANSWER_TAIL};
static const struct rule_def rules_rtr[] = {
    HEAD(session_id),           REQ(vendor_specific_application_id),
    REQ(auth_session_state),    REQ(origin_host),
    REQ(origin_realm),          REQ(destination_host),
    REQ(destination_realm),     REQ(user_name),
    OPT(associated_identities), ANY(public_identity),
    REQ(deregistration_reason), REQUEST_TAIL};
static const struct rule_def rules_rta[] = {ANSWER_HEAD, OPT(associated_identities), ANSWER_TAIL};
static const struct rule_def rules_ppr[] = {HEAD(session_id),
                                            REQ(vendor_specific_application_id),
                                            REQ(auth_session_state),
                                            REQ(origin_host),
                                            REQ(origin_realm),
                                            REQ(destination_host),
                                            REQ(destination_realm),
                                            REQ(user_name),
                                            OPT(user_data),
                                            OPT(sip_auth_data_item),
                                            REQUEST_TAIL};
static const struct rule_def rules_ppa[] = {ANSWER_HEAD, ANSWER_TAIL};

static const struct rule_def rules_auth_item[] = {
    OPT(sip_item_number),   OPT(sip_authentication_scheme),  OPT(sip_authenticate),
    OPT(sip_authorization), OPT(sip_authentication_context), OPT(confidentiality_key),
    OPT(integrity_key),     OPT(sip_digest_authenticate),    END};
static const struct rule_def rules_digest[] = {OPT(digest_realm), OPT(digest_qop), OPT(digest_ha1),
                                               END};
static const struct rule_def rules_capabilities[] = {
    ANY(mandatory_capability), ANY(optional_capability), ANY(server_name), END};

static int find_avp(const struct avp_ref *ref)
{
    struct dict_avp_request req = {.avp_vendor = ref->vendor, .avp_code = ref->code};
    if (fd_dict_search(fd_g_config->cnf_dict, DICT_AVP, AVP_BY_CODE_AND_VENDOR, &req, ref->obj,
                       ENOENT) != 0 ||
        !*ref->obj) {
        MCX_ERROR("cx_dict",
                  "error=\"AVP not in dictionary (is dict_dcca_3gpp.fdx loaded?)\" "
                  "avp=%s code=%u vendor=%u",
                  ref->name, ref->code, ref->vendor);
        return -1;
    }
    return 0;
}

static int define_digest_avp(const struct digest_avp *def)
{
    avp_code_t code = def->code;
    if (fd_dict_search(fd_g_config->cnf_dict, DICT_AVP, AVP_BY_CODE, &code, def->obj, ENOENT) ==
            0 &&
        *def->obj)
        return 0;
    struct dict_object *type = NULL;
    if (def->utf8 && fd_dict_search(fd_g_config->cnf_dict, DICT_TYPE, TYPE_BY_NAME, "UTF8String",
                                    &type, ENOENT) != 0) {
        MCX_ERROR("cx_dict", "error=\"UTF8String type missing\"");
        return -1;
    }
    struct dict_avp_data data = {
        .avp_code = def->code,
        .avp_vendor = 0,
        .avp_name = (char *)def->name,
        .avp_flag_mask = AVP_FLAG_VENDOR | AVP_FLAG_MANDATORY,
        .avp_flag_val = AVP_FLAG_MANDATORY,
        .avp_basetype = AVP_TYPE_OCTETSTRING,
    };
    if (fd_dict_new(fd_g_config->cnf_dict, DICT_AVP, &data, type, def->obj) != 0) {
        MCX_ERROR("cx_dict", "error=\"cannot define AVP\" avp=%s", def->name);
        return -1;
    }
    return 0;
}

static int define_command(const struct cmd_def *def)
{
    command_code_t code = def->code;
    int by = def->request ? CMD_BY_CODE_R : CMD_BY_CODE_A;
    if (fd_dict_search(fd_g_config->cnf_dict, DICT_COMMAND, by, &code, def->obj, ENOENT) == 0 &&
        *def->obj)
        return 0;
    struct dict_cmd_data data = {
        .cmd_code = def->code,
        .cmd_name = (char *)def->name,
        .cmd_flag_mask =
            CMD_FLAG_REQUEST | CMD_FLAG_PROXIABLE | (def->request ? CMD_FLAG_ERROR : 0),
        .cmd_flag_val = CMD_FLAG_PROXIABLE | (def->request ? CMD_FLAG_REQUEST : 0),
    };
    if (fd_dict_new(fd_g_config->cnf_dict, DICT_COMMAND, &data, mcx_cx_dict.app, def->obj) != 0) {
        MCX_ERROR("cx_dict", "error=\"cannot define command\" command=%s", def->name);
        return -1;
    }
    return 0;
}

static int add_rules(struct dict_object *parent, const struct rule_def *rules, const char *what)
{
    for (const struct rule_def *r = rules; r->avp; r++) {
        struct dict_rule_data data = {
            .rule_avp = *r->avp,
            .rule_position = r->position,
            .rule_order = r->position == RULE_FIXED_HEAD ? 1 : 0,
            .rule_min = r->min,
            .rule_max = r->max,
        };
        int rc = fd_dict_new(fd_g_config->cnf_dict, DICT_RULE, &data, parent, NULL);
        if (rc != 0 && rc != EEXIST) {
            MCX_ERROR("cx_dict", "error=\"cannot add rule\" parent=%s rc=%d", what, rc);
            return -1;
        }
    }
    return 0;
}

int mcx_cx_dict_init(void)
{
    if (dict_ready)
        return 0;
    if (!fd_g_config || !fd_g_config->cnf_dict) {
        MCX_ERROR("cx_dict", "error=\"freeDiameter core not initialised\"");
        return -1;
    }
    vendor_id_t vendor = MCX_CX_VENDOR_3GPP;
    if (fd_dict_search(fd_g_config->cnf_dict, DICT_VENDOR, VENDOR_BY_ID, &vendor,
                       &mcx_cx_dict.vendor, ENOENT) != 0) {
        MCX_ERROR("cx_dict", "error=\"vendor 10415 missing (load dict_dcca_3gpp.fdx)\"");
        return -1;
    }
    application_id_t app_id = MCX_CX_APPLICATION_ID;
    if (fd_dict_search(fd_g_config->cnf_dict, DICT_APPLICATION, APPLICATION_BY_ID, &app_id,
                       &mcx_cx_dict.app, ENOENT) != 0) {
        struct dict_application_data app = {MCX_CX_APPLICATION_ID, "3GPP Cx"};
        if (fd_dict_new(fd_g_config->cnf_dict, DICT_APPLICATION, &app, mcx_cx_dict.vendor,
                        &mcx_cx_dict.app) != 0) {
            MCX_ERROR("cx_dict", "error=\"cannot define application 16777216\"");
            return -1;
        }
    }
    for (size_t i = 0; i < sizeof avp_refs / sizeof avp_refs[0]; i++)
        if (find_avp(&avp_refs[i]) != 0)
            return -1;
    for (size_t i = 0; i < sizeof digest_avps / sizeof digest_avps[0]; i++)
        if (define_digest_avp(&digest_avps[i]) != 0)
            return -1;
    for (size_t i = 0; i < sizeof cmd_defs / sizeof cmd_defs[0]; i++)
        if (define_command(&cmd_defs[i]) != 0)
            return -1;

    const struct {
        struct dict_object *parent;
        const struct rule_def *rules;
        const char *name;
    } sets[] = {
        {mcx_cx_dict.uar, rules_uar, "UAR"},
        {mcx_cx_dict.uaa, rules_uaa, "UAA"},
        {mcx_cx_dict.sar, rules_sar, "SAR"},
        {mcx_cx_dict.saa, rules_saa, "SAA"},
        {mcx_cx_dict.lir, rules_lir, "LIR"},
        {mcx_cx_dict.lia, rules_lia, "LIA"},
        {mcx_cx_dict.mar, rules_mar, "MAR"},
        {mcx_cx_dict.maa, rules_maa, "MAA"},
        {mcx_cx_dict.rtr, rules_rtr, "RTR"},
        {mcx_cx_dict.rta, rules_rta, "RTA"},
        {mcx_cx_dict.ppr, rules_ppr, "PPR"},
        {mcx_cx_dict.ppa, rules_ppa, "PPA"},
        {mcx_cx_dict.sip_auth_data_item, rules_auth_item, "SIP-Auth-Data-Item"},
        {mcx_cx_dict.sip_digest_authenticate, rules_digest, "SIP-Digest-Authenticate"},
        {mcx_cx_dict.server_capabilities, rules_capabilities, "Server-Capabilities"},
    };
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        if (add_rules(sets[i].parent, sets[i].rules, sets[i].name) != 0)
            return -1;
    dict_ready = true;
    return 0;
}
