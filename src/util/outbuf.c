#include "util/outbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int outbuf_reserve(outbuf *b, size_t n)
{
    if (b->failed)
        return -1;
    if (b->n + n + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 512;
    while (cap < b->n + n + 1)
        cap *= 2;
    char *grown = realloc(b->p, cap);
    if (!grown) {
        b->failed = 1;
        return -1;
    }
    b->p = grown;
    b->cap = cap;
    return 0;
}

void outbuf_put(outbuf *b, const void *bytes, size_t n)
{
    if (outbuf_reserve(b, n) != 0)
        return;
    memcpy(b->p + b->n, bytes, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void outbuf_puts(outbuf *b, const char *s) { outbuf_put(b, s, strlen(s)); }

void outbuf_putc(outbuf *b, char c) { outbuf_put(b, &c, 1); }

void outbuf_printf(outbuf *b, const char *fmt, ...)
{
    /* into the room left; when it does not fit, once more after making room */
    for (int pass = 0; pass < 2 && !b->failed; pass++) {
        size_t room = b->p ? b->cap - b->n : 0;
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->n : NULL, room, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->failed = 1;
        } else if ((size_t)k < room) {
            b->n += (size_t)k;
            return;
        } else {
            outbuf_reserve(b, (size_t)k);
        }
    }
}

char *outbuf_take(outbuf *b)
{
    char *p = b->p;
    if (b->failed) {
        free(p);
        p = NULL;
    } else if (!p && (p = malloc(1))) { /* nothing was put: an empty text */
        p[0] = '\0';
    }
    memset(b, 0, sizeof *b);
    return p;
}

void outbuf_free(outbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}
