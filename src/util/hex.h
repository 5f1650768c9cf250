/* Lowercase hexadecimal: digests, identifiers, tokens. One loop over a table instead of one
 * snprintf per byte (32 of them cost ~22,000 instructions per SHA-256 digest). */
#ifndef ECUSTOMS_UTIL_HEX_H
#define ECUSTOMS_UTIL_HEX_H

#include <stddef.h>

/* Writes the 2*n lowercase hex digits of bytes and a NUL into out (2*n + 1 chars). */
void hex_encode(const void *bytes, size_t n, char *out);

#endif
