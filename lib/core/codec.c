/* Hex and base64 codecs; see codec.h. */
#include "core/codec.h"

#include <string.h>

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int mcx_hex_encode(const uint8_t *in, size_t len, char *out, size_t out_cap)
{
    static const char digits[] = "0123456789abcdef";
    if (out_cap < 2 * len + 1)
        return -1;
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
    return (int)(2 * len);
}

int mcx_hex_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap)
{
    if (in_len >= 2 && in[0] == '0' && (in[1] == 'x' || in[1] == 'X')) {
        in += 2;
        in_len -= 2;
    }
    if (in_len % 2 != 0 || in_len / 2 > out_cap)
        return -1;
    for (size_t i = 0; i < in_len / 2; i++) {
        int hi = hex_value(in[2 * i]);
        int lo = hex_value(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (int)(in_len / 2);
}

int mcx_hex_decode_exact(const char *in, uint8_t *out, size_t want)
{
    if (!in)
        return -1;
    size_t len = strlen(in);
    if (len >= 2 && in[0] == '0' && (in[1] == 'x' || in[1] == 'X'))
        len -= 2;
    if (len != 2 * want)
        return -1;
    return mcx_hex_decode(in, strlen(in), out, want) == (int)want ? 0 : -1;
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t mcx_base64_encoded_size(size_t len)
{
    return (len + 2) / 3 * 4 + 1;
}

int mcx_base64_encode(const uint8_t *in, size_t len, char *out, size_t out_cap)
{
    if (out_cap < mcx_base64_encoded_size(len))
        return -1;
    size_t o = 0;
    size_t i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = b64_alphabet[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return (int)o;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int mcx_base64_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap)
{
    size_t pad = 0;
    while (in_len > 0 && in[in_len - 1] == '=' && pad < 2) {
        in_len--;
        pad++;
    }
    if (in_len % 4 == 1 || (pad && (in_len + pad) % 4 != 0))
        return -1;
    size_t out_len = in_len / 4 * 3 + (in_len % 4 ? in_len % 4 - 1 : 0);
    if (out_len > out_cap)
        return -1;
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < in_len; i++) {
        int v = b64_value(in[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0) /* non-canonical trailing bits */
        return -1;
    return (int)o;
}
