/* mcx-ctl subscriber field parsers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aka/digest.h"
#include "core/codec.h"
#include "ctl_fields.h"

int ctl_field_hex(const char *name, const char *text, uint8_t *out, size_t len, char *err)
{
    if (mcx_hex_decode_exact(text, out, len) != 0) {
        snprintf(err, CTL_ERR_MAX, "%s: expected %zu hex digits (%zu bytes)", name, 2 * len, len);
        return -1;
    }
    return 0;
}

int ctl_field_sqn(const char *text, int64_t *out, char *err)
{
    char *end = NULL;
    errno = 0;
    int base = (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) ? 16 : 10;
    unsigned long long value = strtoull(base == 16 ? text + 2 : text, &end, base);
    if (!*text || text[0] == '-' || text[0] == '+' || errno || !end || *end ||
        end == (base == 16 ? text + 2 : text) || value > (unsigned long long)MCX_STORE_SQN_MAX) {
        snprintf(err, CTL_ERR_MAX, "sqn: expected a number 0..%lld (decimal or 0x-hex), got '%s'",
                 (long long)MCX_STORE_SQN_MAX, text);
        return -1;
    }
    *out = (int64_t)value;
    return 0;
}

int ctl_field_string(const char *name, const char *text, char *dst, size_t cap, char *err)
{
    size_t len = strlen(text);
    if (len == 0 || len >= cap) {
        snprintf(err, CTL_ERR_MAX, "%s: must be 1..%zu characters", name, cap - 1);
        return -1;
    }
    memcpy(dst, text, len + 1);
    return 0;
}

int ctl_field_list_add(const char *name, const char *text, char *items, size_t item_cap, size_t max,
                       size_t *count, char *err)
{
    if (*count >= max) {
        snprintf(err, CTL_ERR_MAX, "%s: at most %zu values", name, max);
        return -1;
    }
    if (ctl_field_string(name, text, items + *count * item_cap, item_cap, err) != 0)
        return -1;
    (*count)++;
    return 0;
}

int ctl_field_list_set(const char *name, const char *const *values, size_t n_values, char *items,
                       size_t item_cap, size_t max, size_t *count, char *err)
{
    *count = 0;
    for (size_t i = 0; i < n_values; i++) {
        if (ctl_field_list_add(name, values[i], items, item_cap, max, count, err) != 0)
            return -1;
    }
    return 0;
}

int ctl_field_list_split(const char *name, const char *text, char *items, size_t item_cap,
                         size_t max, size_t *count, char *err)
{
    *count = 0;
    const char *pos = text;
    if (!*text)
        return 0;
    for (;;) {
        const char *semi = strchr(pos, ';');
        size_t len = semi ? (size_t)(semi - pos) : strlen(pos);
        char item[MCX_STORE_IDENTITY_MAX];
        if (len == 0 || len >= sizeof item || len >= item_cap) {
            snprintf(err, CTL_ERR_MAX, "%s: empty or too long item", name);
            return -1;
        }
        memcpy(item, pos, len);
        item[len] = '\0';
        if (ctl_field_list_add(name, item, items, item_cap, max, count, err) != 0)
            return -1;
        if (!semi)
            return 0;
        pos = semi + 1;
    }
}

int ctl_field_password(struct mcx_subscriber *sub, const char *password, char *err)
{
    const char *at = strchr(sub->impi, '@');
    if (!at || !at[1]) {
        snprintf(err, CTL_ERR_MAX,
                 "password: the IMPI must be user@realm so that HA1 can use the realm");
        return -1;
    }
    if (!*password) {
        snprintf(err, CTL_ERR_MAX, "password: must not be empty");
        return -1;
    }
    if (mcx_digest_ha1(sub->impi, at + 1, (const uint8_t *)password, strlen(password), sub->ha1) !=
        0) {
        snprintf(err, CTL_ERR_MAX, "password: HA1 computation failed");
        return -1;
    }
    return 0;
}
