/* ECDSA P-256 signatures (e-Payment: banks sign the exact bytes of what they send). */
#ifndef ECUSTOMS_UTIL_ECDSA_H
#define ECUSTOMS_UTIL_ECDSA_H

#include <openssl/evp.h>
#include <stddef.h>

/* Parses a PEM public key; NULL unless it is an EC key on prime256v1 (P-256). */
EVP_PKEY *ecdsa_parse_p256_pem(const char *pem);
/* Decodes standard base64 (whitespace ignored). Returns the length, or -1. */
int ecdsa_b64_decode(const char *b64, unsigned char *out, size_t max);
/* Verifies a DER-encoded ECDSA signature over SHA-256(msg). 1 valid, 0 not, <0 error. */
int ecdsa_verify_p256(EVP_PKEY *key, const void *msg, size_t n, const unsigned char *der,
                      size_t der_len);

#endif
