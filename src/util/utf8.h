/* UTF-8 checks for text that reaches a JSON reply. Jansson refuses invalid UTF-8 (json_string
 * returns NULL, json_dumps fails), so one bad byte in an error message or a note loses the whole
 * reply. Two sources: bytes from outside that JSON did not check (percent-decoded URLs, files),
 * and our own truncation (a "%.20s" or a fixed buffer that cuts a multi-byte character). */
#ifndef ECUSTOMS_UTIL_UTF8_H
#define ECUSTOMS_UTIL_UTF8_H

#include <stddef.h>

/* 1 if s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). */
int utf8_valid(const char *s, size_t n);
/* Makes the NUL-terminated s well-formed in place, never longer: an incomplete sequence at the
 * end (a cut character) is dropped, any other ill-formed byte becomes '?'. */
void utf8_repair(char *s);
/* snprintf that never leaves a cut character at the end (or anywhere: see utf8_repair). */
int utf8_snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
