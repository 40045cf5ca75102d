/* Hex and base64 (RFC 4648, standard alphabet, padded) with explicit lengths. */
#ifndef MCX_CODEC_H
#define MCX_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* Writes 2*len lowercase hex characters and a NUL into out (out_cap >= 2*len+1).
 * Returns the number of characters written, or -1 when out_cap is too small. */
int mcx_hex_encode(const uint8_t *in, size_t len, char *out, size_t out_cap);

/* Decodes hex (either case, no separators, optional "0x" prefix) of length in_len into out.
 * Returns the byte count, or -1 on an odd length, a non-hex character or out_cap too small. */
int mcx_hex_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap);

/* Decodes a NUL-terminated hex string that must be exactly want bytes long.
 * Returns 0, or -1 on any error (bad characters, wrong length). */
int mcx_hex_decode_exact(const char *in, uint8_t *out, size_t want);

/* Characters needed to base64-encode len bytes, including the NUL. */
size_t mcx_base64_encoded_size(size_t len);

/* Base64-encodes len bytes into out (NUL-terminated). Returns the length without the NUL,
 * or -1 when out_cap is too small. */
int mcx_base64_encode(const uint8_t *in, size_t len, char *out, size_t out_cap);

/* Decodes padded or unpadded base64 of length in_len. Returns the byte count, or -1 on a
 * character outside the alphabet, bad padding or out_cap too small. */
int mcx_base64_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap);

#endif
