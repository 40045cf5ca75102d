/* Identity mapping through a binding: positional IMPU correspondence. */
#include "mms_map.h"

#include <string.h>

int mms_map_partner_impu_index(const struct mcx_binding *b, const char *impu)
{
    for (size_t i = 0; i < b->partner_impu_count; i++)
        if (strcmp(b->partner_impu[i], impu) == 0)
            return (int)i;
    return -1;
}

const char *mms_map_primary_impu(const struct mcx_binding *b, int partner_index)
{
    size_t i = partner_index < 0 ? 0 : (size_t)partner_index;
    if (i >= b->primary_impu_count)
        i = b->primary_impu_count - 1;
    return b->primary_impu[i];
}

const char *mms_map_partner_impu_of_primary(const struct mcx_binding *b, const char *primary_impu)
{
    for (size_t i = 0; i < b->primary_impu_count; i++)
        if (strcmp(b->primary_impu[i], primary_impu) == 0) {
            size_t j = i < b->partner_impu_count ? i : b->partner_impu_count - 1;
            return b->partner_impu[j];
        }
    return NULL;
}
