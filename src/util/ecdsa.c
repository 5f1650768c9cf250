#include "util/ecdsa.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <string.h>

static EVP_MD *sha256; /* fetched once: implicit fetches by name cost a lookup per call */
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void fetch(void) { sha256 = EVP_MD_fetch(NULL, "SHA256", NULL); }

EVP_PKEY *ecdsa_parse_p256_pem(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    if (!b)
        return NULL;
    EVP_PKEY *k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!k)
        return NULL;
    char group[64] = "";
    size_t gl = 0;
    if (!EVP_PKEY_is_a(k, "EC") ||
        !EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &gl) ||
        (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0)) {
        EVP_PKEY_free(k);
        return NULL;
    }
    return k;
}

int ecdsa_b64_decode(const char *in, unsigned char *out, size_t max)
{
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned acc = 0;
    int bits = 0, pad = 0;
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            continue;
        if (*p == '=') {
            pad++;
            continue;
        }
        const char *q = strchr(alpha, *p);
        if (!q || pad)
            return -1;
        acc = (acc << 6) | (unsigned)(q - alpha);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n >= max)
                return -1;
            out[n++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (pad > 2)
        return -1;
    return (int)n;
}

int ecdsa_verify_p256(EVP_PKEY *key, const void *msg, size_t n, const unsigned char *der,
                      size_t der_len)
{
    unsigned char dg[32];
    unsigned int dl = 0;
    pthread_once(&once, fetch);
    if (!sha256 || !EVP_Digest(msg, n, dg, &dl, sha256, NULL))
        return -1;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    if (!ctx)
        return -1;
    int rc = -1;
    if (EVP_PKEY_verify_init(ctx) == 1 && EVP_PKEY_CTX_set_signature_md(ctx, sha256) == 1)
        rc = EVP_PKEY_verify(ctx, der, der_len, dg, dl) == 1 ? 1 : 0;
    EVP_PKEY_CTX_free(ctx);
    return rc;
}
