/* IMSSubscription XML for SAA User-Data; see hss_userdata.h. */
#include "hss_userdata.h"

#include <string.h>

/* Appends len bytes of text to out at *pos; -1 when it does not fit. */
static int put(uint8_t *out, size_t cap, size_t *pos, const char *text, size_t len)
{
    if (len > cap - *pos)
        return -1;
    memcpy(out + *pos, text, len);
    *pos += len;
    return 0;
}

static int put_str(uint8_t *out, size_t cap, size_t *pos, const char *text)
{
    return put(out, cap, pos, text, strlen(text));
}

/* Appends text with &, <, >, " and ' escaped as XML character entities. */
static int put_escaped(uint8_t *out, size_t cap, size_t *pos, const char *text)
{
    for (const char *p = text; *p; p++) {
        const char *entity = NULL;
        switch (*p) {
        case '&':
            entity = "&amp;";
            break;
        case '<':
            entity = "&lt;";
            break;
        case '>':
            entity = "&gt;";
            break;
        case '"':
            entity = "&quot;";
            break;
        case '\'':
            entity = "&apos;";
            break;
        default:
            break;
        }
        if ((entity ? put_str(out, cap, pos, entity) : put(out, cap, pos, p, 1)) != 0)
            return -1;
    }
    return 0;
}

int hss_userdata_build(const struct mcx_subscriber *sub, uint8_t *out, size_t cap)
{
    size_t pos = 0;
    if (put_str(out, cap, &pos,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                "<IMSSubscription xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
                "<PrivateID>") != 0 ||
        put_escaped(out, cap, &pos, sub->impi) != 0 ||
        put_str(out, cap, &pos, "</PrivateID><ServiceProfile>") != 0)
        return -1;
    for (size_t i = 0; i < sub->impu_count && i < MCX_STORE_MAX_IMPUS; i++) {
        if (put_str(out, cap, &pos,
                    "<PublicIdentity><BarringIndication>0</BarringIndication>"
                    "<Identity>") != 0 ||
            put_escaped(out, cap, &pos, sub->impu[i]) != 0 ||
            put_str(out, cap, &pos, "</Identity></PublicIdentity>") != 0)
            return -1;
    }
    if (put_str(out, cap, &pos, "</ServiceProfile></IMSSubscription>") != 0)
        return -1;
    return (int)pos;
}
