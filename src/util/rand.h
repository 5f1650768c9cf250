/* Cryptographic randomness with its failure checked: the kernel's generator (getrandom), else
 * OpenSSL's RAND_bytes. Either can fail (no entropy source, a broken provider); an unchecked
 * failure leaves the buffer as it was, which makes token, identifier and random-selection values
 * predictable. */
#ifndef ECUSTOMS_UTIL_RAND_H
#define ECUSTOMS_UTIL_RAND_H

#include <stddef.h>

/* Fills buf with n random bytes: 0, or -1 (logged; buf zeroed, never half-random). */
int rand_fill(void *buf, size_t n);
/* 2*nbytes lowercase hex characters and a NUL into out (nbytes <= 32): 0 or -1. */
int rand_hex(char *out, size_t nbytes);

#endif
