/* B1: Milenage vectors/s on one core against AES-128 single-block encryptions/s through the
 * same OpenSSL (EVP AES-128-ECB, key scheduled once, one 16-byte block per call).
 *
 *   bench-milenage [--ms N]
 *
 * Measures the baseline for N ms (default 1000), then mcx_milenage_compute() (every output of
 * one vector: one key schedule, 6 AES blocks) for N ms, and prints one JSON object:
 * aes_blocks_per_s, vectors_per_s, aes_blocks_per_vector, ratio = vectors/s x blocks per
 * vector / blocks/s, and this process's CPU time (/proc/self/stat). Exit 0, 1 on an OpenSSL
 * failure, 2 on usage. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "aka/milenage.h"
#include "bench_clock.h"

/* TEMP = E_K(RAND xor OPc), then OUT1..OUT5: one block each. */
#define BLOCKS_PER_VECTOR 6
#define BATCH             1024

/* AES-128 single-block encryptions/s for about ms milliseconds; -1 on an OpenSSL failure. */
static double aes_blocks_per_s(unsigned ms)
{
    static const uint8_t key[16] = {0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f,
                                    0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc};
    uint8_t block[16] = {0}, out[32];
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    EVP_CIPHER *aes = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
    double rate = -1.0;
    if (!ctx || !aes || EVP_EncryptInit_ex2(ctx, aes, key, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)
        goto done;
    uint64_t start = bench_now_us(), end = start + (uint64_t)ms * 1000u, now = start;
    uint64_t blocks = 0;
    while (now < end) {
        for (int i = 0; i < BATCH; i++) {
            int out_len = 0;
            if (EVP_EncryptUpdate(ctx, out, &out_len, block, 16) != 1 || out_len != 16)
                goto done;
            memcpy(block, out, 16); /* chain: each block depends on the previous one */
        }
        blocks += BATCH;
        now = bench_now_us();
    }
    rate = (double)blocks * 1e6 / (double)(now - start);
done:
    EVP_CIPHER_free(aes);
    EVP_CIPHER_CTX_free(ctx);
    return rate;
}

/* mcx_milenage_compute() calls/s for about ms milliseconds; -1 on failure. */
static double vectors_per_s(unsigned ms)
{
    static const uint8_t k[16] = {0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f,
                                  0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc};
    static const uint8_t opc[16] = {0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e,
                                    0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf};
    static const uint8_t amf[2] = {0x80, 0x00};
    uint8_t rand[16] = {0x23, 0x55, 0x3c, 0xbe, 0x96, 0x37, 0xa8, 0x9d,
                        0x21, 0x8a, 0xe6, 0x4d, 0xae, 0x47, 0xbf, 0x35};
    uint8_t sqn[6] = {0xff, 0x9b, 0xb4, 0xd0, 0xb6, 0x07};
    struct mcx_milenage_out out;
    uint64_t start = bench_now_us(), end = start + (uint64_t)ms * 1000u, now = start;
    uint64_t vectors = 0;
    while (now < end) {
        for (int i = 0; i < BATCH; i++) {
            if (mcx_milenage_compute(k, opc, rand, sqn, amf, &out) != 0)
                return -1.0;
            memcpy(rand, out.ck, 16); /* a new RAND for every vector */
        }
        vectors += BATCH;
        now = bench_now_us();
    }
    return (double)vectors * 1e6 / (double)(now - start);
}

int main(int argc, char **argv)
{
    unsigned ms = 1000;
    static const struct option opts[] = {
        {"ms", required_argument, NULL, 'm'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'm') {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || v == 0 || v > 600000) {
                fprintf(stderr, "bench-milenage: --ms wants 1..600000\n");
                return 2;
            }
            ms = (unsigned)v;
        } else {
            fprintf(stderr, "usage: bench-milenage [--ms N]\n");
            return c == 'h' ? 0 : 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "usage: bench-milenage [--ms N]\n");
        return 2;
    }
    uint64_t start = bench_now_us();
    double aes = aes_blocks_per_s(ms);
    double vec = vectors_per_s(ms);
    double elapsed = (double)(bench_now_us() - start) / 1e6;
    if (aes <= 0 || vec <= 0) {
        fprintf(stderr, "bench-milenage: OpenSSL failed\n");
        return 1;
    }
    printf("{\"bench\":\"B1\",\"aes_blocks_per_s\":%.0f,\"vectors_per_s\":%.0f,"
           "\"aes_blocks_per_vector\":%d,\"ratio\":%.4f,\"elapsed_s\":%.3f,\"cpu_s\":%.3f}\n",
           aes, vec, BLOCKS_PER_VECTOR, vec * BLOCKS_PER_VECTOR / aes, elapsed, bench_self_cpu_s());
    return 0;
}
