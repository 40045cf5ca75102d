/* Subscriber look-ups shared by the Cx handlers; see hss_lookup.h. */
#include "hss_lookup.h"

#include <string.h>
#include <time.h>

void hss_result_from_store(int status, struct mcx_cx_result *result)
{
    switch (status) {
    case MCX_STORE_NOT_FOUND:
        mcx_cx_result_set_experimental(result, MCX_CX_ERROR_USER_UNKNOWN);
        break;
    case MCX_STORE_MISMATCH:
        mcx_cx_result_set_experimental(result, MCX_CX_ERROR_IDENTITIES_DONT_MATCH);
        break;
    default:
        mcx_cx_result_set_base(result, MCX_DIAMETER_UNABLE_TO_COMPLY);
        break;
    }
}

bool hss_subscriber_has_impu(const struct mcx_subscriber *sub, const char *impu)
{
    for (size_t i = 0; i < sub->impu_count && i < MCX_STORE_MAX_IMPUS; i++) {
        if (strcmp(sub->impu[i], impu) == 0)
            return true;
    }
    return false;
}

int hss_lookup_pair(struct mcx_store *store, const char *impi, const char *impu,
                    struct mcx_subscriber *sub, struct mcx_cx_result *result)
{
    int rc = mcx_store_subscriber_get_by_impi(store, impi, sub);
    if (rc != MCX_STORE_OK) {
        hss_result_from_store(rc, result);
        return -1;
    }
    if (!impu || !impu[0] || hss_subscriber_has_impu(sub, impu))
        return 0;
    /* Not one of ours: an unknown IMPU is 5001, someone else's is 5002. */
    rc = mcx_store_identity_check(store, impi, impu);
    if (rc == MCX_STORE_OK)
        return 0;
    hss_result_from_store(rc, result);
    hss_subscriber_wipe(sub);
    return -1;
}

void hss_subscriber_wipe(struct mcx_subscriber *sub)
{
    explicit_bzero(sub->k, sizeof sub->k);
    explicit_bzero(sub->op, sizeof sub->op);
    explicit_bzero(sub->opc, sizeof sub->opc);
    explicit_bzero(sub->ha1, sizeof sub->ha1);
}

uint64_t hss_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
