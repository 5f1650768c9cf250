/* util/sig.c: P-256 PEM keys, base64, ECDSA verification over the exact bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "util/ecdsa.h"

static char *public_pem(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(b, k);
    char *data;
    long n = BIO_get_mem_data(b, &data);
    char *out = strndup(data, (size_t)n);
    BIO_free(b);
    return out;
}

static size_t sign(EVP_PKEY *k, const char *msg, unsigned char *sig, size_t max)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t n = max;
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k), 1);
    assert_int_equal(EVP_DigestSign(ctx, sig, &n, (const unsigned char *)msg, strlen(msg)), 1);
    EVP_MD_CTX_free(ctx);
    return n;
}

static void verifies_exact_bytes_only(void **state)
{
    (void)state;
    EVP_PKEY *priv = EVP_EC_gen("P-256"), *other = EVP_EC_gen("P-256");
    char *pem = public_pem(priv);
    EVP_PKEY *pub = ecdsa_parse_p256_pem(pem);
    assert_non_null(pub);
    const char *body = "{\"bank_transaction_id\":\"T1\",\"lines\":[]}";
    unsigned char s[128];
    size_t n = sign(priv, body, s, sizeof s);
    assert_int_equal(ecdsa_verify_p256(pub, body, strlen(body), s, n), 1);
    assert_int_equal(ecdsa_verify_p256(pub, body, strlen(body) - 1, s, n), 0); /* other bytes */
    unsigned char t[128];
    size_t m = sign(other, body, t, sizeof t); /* other key */
    assert_int_equal(ecdsa_verify_p256(pub, body, strlen(body), t, m), 0);
    s[n / 2] ^= 1;
    assert_int_not_equal(ecdsa_verify_p256(pub, body, strlen(body), s, n), 1); /* corrupted */
    EVP_PKEY_free(pub);
    EVP_PKEY_free(priv);
    EVP_PKEY_free(other);
    free(pem);
}

static void only_p256_keys(void **state)
{
    (void)state;
    EVP_PKEY *k384 = EVP_EC_gen("P-384");
    char *pem = public_pem(k384);
    assert_null(ecdsa_parse_p256_pem(pem));
    assert_null(
        ecdsa_parse_p256_pem("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n"));
    assert_null(ecdsa_parse_p256_pem(""));
    EVP_PKEY_free(k384);
    free(pem);
}

static void base64(void **state)
{
    (void)state;
    unsigned char out[16];
    assert_int_equal(ecdsa_b64_decode("aGVsbG8=", out, sizeof out), 5);
    assert_memory_equal(out, "hello", 5);
    assert_int_equal(ecdsa_b64_decode("aGVs\nbG8h", out, sizeof out), 6);
    assert_int_equal(ecdsa_b64_decode("not base64 !", out, sizeof out), -1);
    assert_int_equal(ecdsa_b64_decode("aGVsbG8=aa", out, sizeof out), -1);
    assert_int_equal(ecdsa_b64_decode("aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ=", out, 8),
                     -1); /* too long */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verifies_exact_bytes_only),
        cmocka_unit_test(only_p256_keys),
        cmocka_unit_test(base64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
