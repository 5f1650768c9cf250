/* A growable byte buffer for text assembled piece by piece (a view, a PNG, a signed message).
 * A failed allocation is remembered instead of reported at every put: the writer checks
 * `failed` (or outbuf_take's NULL) once at the end. The bytes are always followed by a NUL. */
#ifndef ECUSTOMS_UTIL_OUTBUF_H
#define ECUSTOMS_UTIL_OUTBUF_H

#include <stddef.h>

typedef struct outbuf {
    char *p;    /* the bytes (NULL until the first put) */
    size_t n;   /* how many */
    size_t cap; /* allocated, the NUL included */
    int failed; /* memory ran out: later puts do nothing */
} outbuf;

/* Room for n more bytes and the NUL. 0, or -1 (and failed) when memory runs out. */
int outbuf_reserve(outbuf *b, size_t n);

void outbuf_put(outbuf *b, const void *bytes, size_t n);
void outbuf_puts(outbuf *b, const char *s);
void outbuf_putc(outbuf *b, char c);
__attribute__((format(printf, 2, 3))) void outbuf_printf(outbuf *b, const char *fmt, ...);

/* The bytes (the caller frees them), or NULL when a put failed; b is emptied either way. */
char *outbuf_take(outbuf *b);

/* Frees the bytes and empties b. */
void outbuf_free(outbuf *b);

#endif
