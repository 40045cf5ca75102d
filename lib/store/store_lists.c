/* '\n'-joined list text for the SQLite backend. */
#include <string.h>

#include "store/store_lists.h"

int mcx_store_list_join(const char *items, size_t item_cap, size_t count, char *out, size_t out_cap)
{
    size_t used = 0;
    if (out_cap == 0)
        return -1;
    out[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        const char *item = items + i * item_cap;
        size_t len = strnlen(item, item_cap);
        if (used + len + (i ? 1 : 0) + 1 > out_cap)
            return -1;
        if (i)
            out[used++] = '\n';
        memcpy(out + used, item, len);
        used += len;
        out[used] = '\0';
    }
    return (int)used;
}

int mcx_store_list_split(const char *text, size_t len, char *items, size_t item_cap,
                         size_t max_count)
{
    size_t count = 0;
    size_t pos = 0;
    if (len == 0)
        return 0;
    while (pos <= len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t item_len = nl ? (size_t)(nl - (text + pos)) : len - pos;
        if (count >= max_count || item_len >= item_cap)
            return -1;
        memcpy(items + count * item_cap, text + pos, item_len);
        items[count * item_cap + item_len] = '\0';
        count++;
        pos += item_len + 1;
    }
    return (int)count;
}
