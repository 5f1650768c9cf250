/* The QR payload verifier (POST /api/v1/supervision/scan, `ecustoms barcode verify`): any text
 * is split and checked without crashing, and a payload this harness signs itself (fields taken
 * from the input) must verify, while the same payload with one byte changed must not. */
#include "fuzz_common.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <stdio.h>

#include "service/barcodes.h"
#include "service/manifests.h"

static EVP_PKEY *K;
static barcode_payload *P;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    K = EVP_EC_gen("P-256");
    P = malloc(sizeof *P);
    return K && P ? 0 : 1;
}

static void b64url(const unsigned char *in, size_t n, char *out)
{
    int k = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    for (int i = 0; i < k; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    while (k > 0 && out[k - 1] == '=')
        k--;
    out[k] = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 9000)
        return 0;
    char *text = malloc(size + 400);
    memcpy(text, data, size);
    text[size] = 0;
    char why[160];
    barcode_payload_verify(K, text, P, why, sizeof why);

    /* signed round trip: the input (no '|' or NUL) as the container list; one input in four, as
     * signing costs ten times the rest */
    size_t n = strcspn(text, "|");
    if (n < size || n > 5000 || (size && data[0] % 4)) {
        free(text);
        return 0;
    }
    char *payload = malloc(n + 400);
    int len = snprintf(payload, n + 400,
                       "VNACCS1|102345678901|cleared|0101234567|%s|2026-11-30T06:00:00Z", text);
    unsigned char sig[128];
    size_t siglen = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, K) == 1 &&
        EVP_DigestSign(md, sig, &siglen, (unsigned char *)payload, (size_t)len) == 1) {
        char b64[256];
        b64url(sig, siglen, b64);
        snprintf(payload + len, 300, "|%s", b64);
        if (barcode_payload_verify(K, payload, P, why, sizeof why) == 0 && !P->signature_valid) {
            fprintf(stderr, "a payload signed with the key does not verify: %s\n", why);
            abort();
        }
        payload[8] ^= 1; /* the declaration number changes: the signature must not hold */
        if (barcode_payload_verify(K, payload, P, why, sizeof why) == 0 && P->signature_valid)
            abort();
    }
    EVP_MD_CTX_free(md);
    free(payload);
    free(text);
    return 0;
}
