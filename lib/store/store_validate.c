/* Validation of subscribers and bindings before they reach a backend. */
#include <string.h>

#include "store/store.h"
#include "store/store_backend.h"

/* Identity (IMPI, IMPU, system id, URL, server name): NUL-terminated in its buffer, non-empty,
 * printable ASCII without spaces. */
static int check_token(const char *what, size_t index, const char *value, size_t cap)
{
    const char *end = memchr(value, '\0', cap);
    if (!end)
        return mcx_store_fail(MCX_STORE_INVALID, "%s[%zu] is not terminated", what, index);
    if (end == value)
        return mcx_store_fail(MCX_STORE_INVALID, "%s[%zu] is empty", what, index);
    for (const char *c = value; c < end; c++) {
        if (*c <= 0x20 || *c >= 0x7f)
            return mcx_store_fail(MCX_STORE_INVALID,
                                  "%s[%zu] contains a space or non-printable character", what,
                                  index);
    }
    return MCX_STORE_OK;
}

/* Scheme name: like a token but inner spaces are allowed ("SIP Digest"). */
static int check_scheme(size_t index, const char *value)
{
    const char *end = memchr(value, '\0', MCX_STORE_SCHEME_MAX);
    if (!end || end == value)
        return mcx_store_fail(MCX_STORE_INVALID, "scheme[%zu] is empty or too long", index);
    if (value[0] == ' ' || end[-1] == ' ')
        return mcx_store_fail(MCX_STORE_INVALID, "scheme[%zu] has leading/trailing space", index);
    for (const char *c = value; c < end; c++) {
        if (*c < 0x20 || *c >= 0x7f)
            return mcx_store_fail(MCX_STORE_INVALID, "scheme[%zu] has a non-printable character",
                                  index);
    }
    return MCX_STORE_OK;
}

/* Decimal digits, min_len..15 of them ("" allowed when min_len is 0). */
static int check_digits(const char *what, size_t index, const char *value, size_t min_len)
{
    const char *end = memchr(value, '\0', MCX_STORE_DIGITS_MAX);
    if (!end)
        return mcx_store_fail(MCX_STORE_INVALID, "%s[%zu] is longer than 15 digits", what, index);
    size_t len = (size_t)(end - value);
    if (len < min_len)
        return mcx_store_fail(MCX_STORE_INVALID, "%s[%zu] is too short", what, index);
    for (size_t i = 0; i < len; i++) {
        if (value[i] < '0' || value[i] > '9')
            return mcx_store_fail(MCX_STORE_INVALID, "%s[%zu] is not all digits", what, index);
    }
    return MCX_STORE_OK;
}

/* Every entry of a token list, with no entry twice. */
static int check_token_list(const char *what, const char (*items)[MCX_STORE_IDENTITY_MAX],
                            size_t count)
{
    for (size_t i = 0; i < count; i++) {
        int rc = check_token(what, i, items[i], MCX_STORE_IDENTITY_MAX);
        if (rc)
            return rc;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(items[i], items[j]) == 0)
                return mcx_store_fail(MCX_STORE_INVALID, "%s '%s' is listed twice", what, items[i]);
        }
    }
    return MCX_STORE_OK;
}

int mcx_subscriber_validate(const struct mcx_subscriber *sub)
{
    int rc;
    if (!sub)
        return mcx_store_fail(MCX_STORE_INVALID, "no subscriber");
    if ((rc = check_token("impi", 0, sub->impi, sizeof sub->impi)))
        return rc;
    if (sub->impu_count < 1 || sub->impu_count > MCX_STORE_MAX_IMPUS)
        return mcx_store_fail(MCX_STORE_INVALID, "a subscriber needs 1..%d IMPUs",
                              MCX_STORE_MAX_IMPUS);
    if ((rc = check_token_list("impu", sub->impu, sub->impu_count)))
        return rc;
    if (sub->scheme_count > MCX_STORE_MAX_SCHEMES)
        return mcx_store_fail(MCX_STORE_INVALID, "at most %d schemes", MCX_STORE_MAX_SCHEMES);
    for (size_t i = 0; i < sub->scheme_count; i++) {
        if ((rc = check_scheme(i, sub->schemes[i])))
            return rc;
    }
    if (sub->partner_count > MCX_STORE_MAX_PARTNERS)
        return mcx_store_fail(MCX_STORE_INVALID, "at most %d allowed partners",
                              MCX_STORE_MAX_PARTNERS);
    if ((rc = check_token_list("allowed_partner", sub->allowed_partners, sub->partner_count)))
        return rc;
    if (sub->msisdn_count > MCX_STORE_MAX_MSISDNS)
        return mcx_store_fail(MCX_STORE_INVALID, "at most %d MSISDNs", MCX_STORE_MAX_MSISDNS);
    for (size_t i = 0; i < sub->msisdn_count; i++) {
        if ((rc = check_digits("msisdn", i, sub->msisdn[i], 1)))
            return rc;
    }
    if ((rc = check_digits("imsi", 0, sub->imsi, 0)))
        return rc;
    if (sub->imsi[0] && strlen(sub->imsi) < 5)
        return mcx_store_fail(MCX_STORE_INVALID, "imsi must have 5..15 digits");
    if (sub->has_op == sub->has_opc)
        return mcx_store_fail(MCX_STORE_INVALID, "exactly one of OP and OPc is required");
    if (sub->sqn < 0 || sub->sqn > MCX_STORE_SQN_MAX)
        return mcx_store_fail(MCX_STORE_INVALID, "sqn outside the 48-bit range");
    const char *ha1_end = memchr(sub->ha1, '\0', sizeof sub->ha1);
    if (!ha1_end)
        return mcx_store_fail(MCX_STORE_INVALID, "ha1 is not terminated");
    if (ha1_end != sub->ha1) {
        if (ha1_end - sub->ha1 != 32 || strspn(sub->ha1, "0123456789abcdefABCDEF") != 32)
            return mcx_store_fail(MCX_STORE_INVALID, "ha1 must be 32 hex characters");
    }
    if (sub->server_name[0] &&
        (rc = check_token("server_name", 0, sub->server_name, sizeof sub->server_name)))
        return rc;
    if (!memchr(sub->server_name, '\0', sizeof sub->server_name))
        return mcx_store_fail(MCX_STORE_INVALID, "server_name is not terminated");
    return MCX_STORE_OK;
}

int mcx_binding_validate(const struct mcx_binding *b)
{
    int rc;
    if (!b)
        return mcx_store_fail(MCX_STORE_INVALID, "no binding");
    if ((rc = check_token("partner_impi", 0, b->partner_impi, sizeof b->partner_impi)))
        return rc;
    if ((rc = check_token("primary_impi", 0, b->primary_impi, sizeof b->primary_impi)))
        return rc;
    if ((rc = check_token("primary_system", 0, b->primary_system, sizeof b->primary_system)))
        return rc;
    if ((rc = check_token("primary_mms", 0, b->primary_mms, sizeof b->primary_mms)))
        return rc;
    if (!strstr(b->primary_mms, "://"))
        return mcx_store_fail(MCX_STORE_INVALID,
                              "primary_mms must be a URL such as tcp://127.0.10.1:7300");
    if (b->partner_impu_count < 1 || b->partner_impu_count > MCX_STORE_MAX_IMPUS ||
        b->primary_impu_count < 1 || b->primary_impu_count > MCX_STORE_MAX_IMPUS)
        return mcx_store_fail(MCX_STORE_INVALID, "a binding needs 1..%d IMPUs on each side",
                              MCX_STORE_MAX_IMPUS);
    if ((rc = check_token_list("partner_impu", b->partner_impu, b->partner_impu_count)))
        return rc;
    return check_token_list("primary_impu", b->primary_impu, b->primary_impu_count);
}
