/* mcx-ctl subscriber and binding CSV record checks and defaults; see ctl_csv.h. */
#include "ctl_csv.h"

#include <string.h>

int ctl_csv_subscriber(const char *const v[MCX_CSV_COLUMNS], struct mcx_subscriber *sub, char *err)
{
    memset(sub, 0, sizeof *sub);
    if (ctl_field_string("impi", v[MCX_CSV_IMPI], sub->impi, sizeof sub->impi, err) ||
        ctl_field_list_split("impu", v[MCX_CSV_IMPU], &sub->impu[0][0], MCX_STORE_IDENTITY_MAX,
                             MCX_STORE_MAX_IMPUS, &sub->impu_count, err) ||
        ctl_field_hex("k", v[MCX_CSV_K], sub->k, sizeof sub->k, err))
        return -1;
    if (sub->impu_count == 0) {
        snprintf(err, CTL_ERR_MAX, "impu: at least one is required");
        return -1;
    }
    if (!!v[MCX_CSV_OP][0] == !!v[MCX_CSV_OPC][0]) {
        snprintf(err, CTL_ERR_MAX, "exactly one of op and opc must be given");
        return -1;
    }
    if (v[MCX_CSV_OP][0]) {
        sub->has_op = true;
        if (ctl_field_hex("op", v[MCX_CSV_OP], sub->op, sizeof sub->op, err))
            return -1;
    } else {
        sub->has_opc = true;
        if (ctl_field_hex("opc", v[MCX_CSV_OPC], sub->opc, sizeof sub->opc, err))
            return -1;
    }
    const char *amf = v[MCX_CSV_AMF][0] ? v[MCX_CSV_AMF] : "8000";
    const char *sqn = v[MCX_CSV_SQN][0] ? v[MCX_CSV_SQN] : "0";
    const char *schemes = v[MCX_CSV_SCHEMES][0] ? v[MCX_CSV_SCHEMES] : "Digest-AKAv1-MD5";
    if (ctl_field_hex("amf", amf, sub->amf, sizeof sub->amf, err) ||
        ctl_field_sqn(sqn, &sub->sqn, err) ||
        ctl_field_list_split("schemes", schemes, &sub->schemes[0][0], MCX_STORE_SCHEME_MAX,
                             MCX_STORE_MAX_SCHEMES, &sub->scheme_count, err) ||
        ctl_field_list_split("allowed_partners", v[MCX_CSV_ALLOWED_PARTNERS],
                             &sub->allowed_partners[0][0], MCX_STORE_IDENTITY_MAX,
                             MCX_STORE_MAX_PARTNERS, &sub->partner_count, err) ||
        ctl_field_list_split("msisdn", v[MCX_CSV_MSISDN], &sub->msisdn[0][0], MCX_STORE_DIGITS_MAX,
                             MCX_STORE_MAX_MSISDNS, &sub->msisdn_count, err))
        return -1;
    if (v[MCX_CSV_HA1][0] &&
        ctl_field_string("ha1", v[MCX_CSV_HA1], sub->ha1, sizeof sub->ha1, err))
        return -1;
    if (v[MCX_CSV_IMSI][0] &&
        ctl_field_string("imsi", v[MCX_CSV_IMSI], sub->imsi, sizeof sub->imsi, err))
        return -1;
    return 0;
}

/* One ';'-separated IMPU list column with at least one item. */
static int impu_list(const char *name, const char *text, char *items, size_t *count, char *err)
{
    if (ctl_field_list_split(name, text, items, MCX_STORE_IDENTITY_MAX, MCX_STORE_MAX_IMPUS, count,
                             err) != 0)
        return -1;
    if (*count == 0) {
        snprintf(err, CTL_ERR_MAX, "%s: at least one is required", name);
        return -1;
    }
    return 0;
}

int ctl_csv_binding(const char *const v[MCX_BINDING_CSV_COLUMNS], struct mcx_binding *b, char *err)
{
    memset(b, 0, sizeof *b);
    if (ctl_field_string("partner_impi", v[MCX_BINDING_CSV_PARTNER_IMPI], b->partner_impi,
                         sizeof b->partner_impi, err) ||
        impu_list("partner_impus", v[MCX_BINDING_CSV_PARTNER_IMPUS], &b->partner_impu[0][0],
                  &b->partner_impu_count, err) ||
        ctl_field_string("primary_impi", v[MCX_BINDING_CSV_PRIMARY_IMPI], b->primary_impi,
                         sizeof b->primary_impi, err) ||
        impu_list("primary_impus", v[MCX_BINDING_CSV_PRIMARY_IMPUS], &b->primary_impu[0][0],
                  &b->primary_impu_count, err) ||
        ctl_field_string("primary_system", v[MCX_BINDING_CSV_PRIMARY_SYSTEM], b->primary_system,
                         sizeof b->primary_system, err) ||
        ctl_field_string("primary_mms", v[MCX_BINDING_CSV_PRIMARY_MMS], b->primary_mms,
                         sizeof b->primary_mms, err))
        return -1;
    return 0;
}
