/* Text serialisation of the UE SEQ_MS state; see aka.h. */
#include "aka/aka.h"

#include <string.h>

#define STATE_VERSION 1

int mcx_aka_ue_state_save(const struct mcx_aka_ue_state *state, char *buf, size_t cap)
{
    if (!state || !buf)
        return MCX_AKA_EINVAL;
    size_t len = 0;
    int n = snprintf(buf, cap, "version=%d\ndelta=%llu\nseq_ms=", STATE_VERSION,
                     (unsigned long long)state->delta);
    if (n < 0 || (size_t)n >= cap)
        return MCX_AKA_ESPACE;
    len = (size_t)n;
    for (int i = 0; i < MCX_AKA_IND_SLOTS; i++) {
        n = snprintf(buf + len, cap - len, "%s%llu", i ? "," : "",
                     (unsigned long long)state->seq_ms[i]);
        if (n < 0 || (size_t)n >= cap - len)
            return MCX_AKA_ESPACE;
        len += (size_t)n;
    }
    if (len + 2 > cap)
        return MCX_AKA_ESPACE;
    buf[len++] = '\n';
    buf[len] = '\0';
    return (int)len;
}

/* Parses one decimal number in [min, max] from [*pos, end), advancing *pos. */
static int parse_u64(const char **pos, const char *end, uint64_t min, uint64_t max, uint64_t *value)
{
    const char *p = *pos;
    uint64_t v = 0;
    if (p >= end || *p < '0' || *p > '9')
        return -1;
    while (p < end && *p >= '0' && *p <= '9') {
        unsigned digit = (unsigned)(*p - '0');
        if (v > max / 10 || v * 10 + digit > max) /* max <= 2^48: no overflow */
            return -1;
        v = v * 10 + digit;
        p++;
    }
    if (v < min)
        return -1;
    *pos = p;
    *value = v;
    return 0;
}

/* Parses the value of one "key=value" line of [value, end) into *parsed. */
static int parse_line(const char *key, size_t key_len, const char *value, const char *end,
                      struct mcx_aka_ue_state *parsed, unsigned *seen)
{
    uint64_t number;
    if (key_len == 7 && memcmp(key, "version", 7) == 0) {
        if (parse_u64(&value, end, STATE_VERSION, STATE_VERSION, &number) != 0 || value != end)
            return -1;
        *seen |= 1;
        return 0;
    }
    if (key_len == 5 && memcmp(key, "delta", 5) == 0) {
        if (parse_u64(&value, end, 1, MCX_AKA_SEQ_MAX, &parsed->delta) != 0 || value != end)
            return -1;
        *seen |= 2;
        return 0;
    }
    if (key_len == 6 && memcmp(key, "seq_ms", 6) == 0) {
        for (int i = 0; i < MCX_AKA_IND_SLOTS; i++) {
            if (i > 0 && (value >= end || *value++ != ','))
                return -1;
            if (parse_u64(&value, end, 0, MCX_AKA_SEQ_MAX, &parsed->seq_ms[i]) != 0)
                return -1;
        }
        if (value != end)
            return -1;
        *seen |= 4;
        return 0;
    }
    return -1;
}

int mcx_aka_ue_state_load(struct mcx_aka_ue_state *state, const char *text, size_t len)
{
    if (!state || !text)
        return MCX_AKA_EINVAL;
    struct mcx_aka_ue_state parsed;
    mcx_aka_ue_state_init(&parsed);
    unsigned seen = 0;
    const char *pos = text, *end = text + len;
    while (pos < end) {
        const char *line_end = memchr(pos, '\n', (size_t)(end - pos));
        if (!line_end)
            line_end = end;
        const char *content_end = line_end;
        if (content_end > pos && content_end[-1] == '\r')
            content_end--;
        if (content_end > pos && *pos != '#') {
            const char *eq = memchr(pos, '=', (size_t)(content_end - pos));
            if (!eq || parse_line(pos, (size_t)(eq - pos), eq + 1, content_end, &parsed, &seen))
                return MCX_AKA_EFORMAT;
        }
        pos = line_end < end ? line_end + 1 : end;
    }
    if (seen != 7)
        return MCX_AKA_EFORMAT;
    *state = parsed;
    return 0;
}

int mcx_aka_ue_state_save_file(const struct mcx_aka_ue_state *state, FILE *out)
{
    char buf[MCX_AKA_UE_STATE_TEXT_MAX];
    int len = mcx_aka_ue_state_save(state, buf, sizeof buf);
    if (len < 0)
        return len;
    if (!out || fwrite(buf, 1, (size_t)len, out) != (size_t)len || fflush(out) != 0)
        return MCX_AKA_EIO;
    return 0;
}

int mcx_aka_ue_state_load_file(struct mcx_aka_ue_state *state, FILE *in)
{
    char buf[MCX_AKA_UE_STATE_TEXT_MAX + 1];
    if (!in)
        return MCX_AKA_EINVAL;
    size_t len = fread(buf, 1, sizeof buf, in);
    if (ferror(in))
        return MCX_AKA_EIO;
    if (len > MCX_AKA_UE_STATE_TEXT_MAX)
        return MCX_AKA_EFORMAT;
    return mcx_aka_ue_state_load(state, buf, len);
}
