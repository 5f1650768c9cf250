/* Lowercase hexadecimal: digests, identifiers, tokens. One loop over a table instead of one
 * snprintf per byte (32 of them cost ~22,000 instructions per SHA-256 digest). */
#ifndef ECUSTOMS_UTIL_HEX_H
#define ECUSTOMS_UTIL_HEX_H

#include <stddef.h>

/* Writes the 2*n lowercase hex digits of bytes and a NUL into out (2*n + 1 chars). */
void hex_encode(const void *bytes, size_t n, char *out);

/* Decodes the first 2*n characters of text, lowercase hex digits, into n bytes: 1 when all of
 * them are, else 0 (out then partly written). Reads no further than the first character that is
 * not a digit, so a NUL-terminated text shorter than 2*n is safe; whether text ends after the
 * 2*n is the caller's to check. */
int hex_decode(const char *text, size_t n, unsigned char *out);

#endif
