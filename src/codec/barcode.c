#include "codec/barcode.h"

#include <qrencode.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zint.h>

typedef struct sbuf {
    char *p;
    size_t n, cap;
    int oom;
} sbuf;

static void put(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = 1;
            return;
        }
        if (b->p && b->n + (size_t)k < b->cap) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)k;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
}

static void put_escaped(sbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': put(b, "&lt;"); break;
        case '>': put(b, "&gt;"); break;
        case '&': put(b, "&amp;"); break;
        case '"': put(b, "&quot;"); break;
        default: put(b, "%c", *s);
        }
    }
}

static char *done(sbuf *b)
{
    if (b->oom) {
        free(b->p);
        return NULL;
    }
    return b->p;
}

char *barcode_code128_svg(const char *text)
{
    struct zint_symbol *z = ZBarcode_Create();
    sbuf b = {0};
    if (!z)
        return NULL;
    z->symbology = BARCODE_CODE128;
    z->height = 50;
    z->scale = 1;
    z->show_hrt = 1;
    if (ZBarcode_Encode_and_Buffer_Vector(z, (const unsigned char *)text, (int)strlen(text), 0) >= 5 ||
        !z->vector) {
        ZBarcode_Delete(z);
        return NULL;
    }
    put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
            "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.2f %.2f\">\n<desc>Code 128: ",
        z->vector->width * 2, z->vector->height * 2, z->vector->width, z->vector->height);
    put_escaped(&b, text);
    put(&b, "</desc>\n<rect x=\"0\" y=\"0\" width=\"%.2f\" height=\"%.2f\" fill=\"#FFFFFF\"/>\n<g fill=\"#000000\">\n",
        z->vector->width, z->vector->height);
    for (struct zint_vector_rect *r = z->vector->rectangles; r; r = r->next)
        put(&b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>\n", r->x, r->y, r->width, r->height);
    for (struct zint_vector_string *s = z->vector->strings; s; s = s->next) {
        put(&b, "<text x=\"%.2f\" y=\"%.2f\" font-family=\"monospace\" font-size=\"%.1f\" text-anchor=\"%s\">",
            s->x, s->y, s->fsize, s->halign == 1 ? "start" : s->halign == 2 ? "end" : "middle");
        put_escaped(&b, (const char *)s->text);
        put(&b, "</text>\n");
    }
    put(&b, "</g>\n</svg>\n");
    ZBarcode_Delete(z);
    return done(&b);
}

char *barcode_qr_svg(const char *payload, const char *desc)
{
    QRcode *q = QRcode_encodeString8bit(payload, 0, QR_ECLEVEL_M);
    sbuf b = {0};
    if (!q)
        return NULL;
    int quiet = 4, w = q->width + 2 * quiet;
    put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
            "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">\n",
        w * 4, w * 4, w, w);
    if (desc) {
        put(&b, "<desc>");
        put_escaped(&b, desc);
        put(&b, "</desc>\n");
    }
    put(&b, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#FFFFFF\"/>\n<path fill=\"#000000\" d=\"", w, w);
    for (int y = 0; y < q->width; y++)
        for (int x = 0; x < q->width; x++)
            if (q->data[y * q->width + x] & 1)
                put(&b, "M%d %dh1v1h-1z", x + quiet, y + quiet);
    put(&b, "\"/>\n</svg>\n");
    QRcode_free(q);
    return done(&b);
}
