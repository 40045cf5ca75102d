/* TS 29.228 IMSSubscription XML (User-Data of the SAA) for a binding's partner identities. */
#include "mms_userdata.h"

#include <string.h>

/* Appends text to out at *len with XML escaping (escape) or verbatim. -1 when full. */
static int put(uint8_t *out, size_t cap, size_t *len, const char *text, int escape)
{
    for (const char *p = text; *p; p++) {
        const char *rep = NULL;
        if (escape) {
            switch (*p) {
            case '&':
                rep = "&amp;";
                break;
            case '<':
                rep = "&lt;";
                break;
            case '>':
                rep = "&gt;";
                break;
            case '"':
                rep = "&quot;";
                break;
            case '\'':
                rep = "&apos;";
                break;
            }
        }
        size_t n = rep ? strlen(rep) : 1;
        if (*len + n > cap)
            return -1;
        memcpy(out + *len, rep ? rep : p, n);
        *len += n;
    }
    return 0;
}

int mms_userdata_build(const struct mcx_binding *b, uint8_t *out, size_t cap)
{
    size_t len = 0;
    if (put(out, cap, &len,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><IMSSubscription "
            "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><PrivateID>",
            0) ||
        put(out, cap, &len, b->partner_impi, 1) ||
        put(out, cap, &len, "</PrivateID><ServiceProfile>", 0))
        return -1;
    for (size_t i = 0; i < b->partner_impu_count; i++) {
        if (put(out, cap, &len,
                "<PublicIdentity><BarringIndication>0</BarringIndication><Identity>", 0) ||
            put(out, cap, &len, b->partner_impu[i], 1) ||
            put(out, cap, &len, "</Identity></PublicIdentity>", 0))
            return -1;
    }
    if (put(out, cap, &len, "</ServiceProfile></IMSSubscription>", 0))
        return -1;
    return (int)len;
}
