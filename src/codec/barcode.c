#include "codec/barcode.h"

#include <png.h>
#include <qrencode.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zint.h>

#include "util/outbuf.h"

static void put_escaped(outbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': outbuf_printf(b, "&lt;"); break;
        case '>': outbuf_printf(b, "&gt;"); break;
        case '&': outbuf_printf(b, "&amp;"); break;
        case '"': outbuf_printf(b, "&quot;"); break;
        default: outbuf_putc(b, *s);
        }
    }
}

char *barcode_code128_svg(const char *text)
{
    struct zint_symbol *z = ZBarcode_Create();
    outbuf b = {0};
    if (!z)
        return NULL;
    z->symbology = BARCODE_CODE128;
    z->height = 50;
    z->scale = 1;
    z->show_hrt = 1;
    if (ZBarcode_Encode_and_Buffer_Vector(z, (const unsigned char *)text, (int)strlen(text), 0) >=
            5 ||
        !z->vector) {
        ZBarcode_Delete(z);
        return NULL;
    }
    outbuf_printf(
        &b,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
        "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.2f %.2f\">\n<desc>Code 128: ",
        z->vector->width * 2, z->vector->height * 2, z->vector->width, z->vector->height);
    put_escaped(&b, text);
    outbuf_printf(
        &b,
        "</desc>\n<rect x=\"0\" y=\"0\" width=\"%.2f\" height=\"%.2f\" fill=\"#FFFFFF\"/>\n<g "
        "fill=\"#000000\">\n",
        z->vector->width, z->vector->height);
    for (struct zint_vector_rect *r = z->vector->rectangles; r; r = r->next)
        outbuf_printf(&b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>\n", r->x,
                      r->y, r->width, r->height);
    for (struct zint_vector_string *s = z->vector->strings; s; s = s->next) {
        outbuf_printf(&b,
                      "<text x=\"%.2f\" y=\"%.2f\" font-family=\"monospace\" font-size=\"%.1f\" "
                      "text-anchor=\"%s\">",
                      s->x, s->y, s->fsize,
                      s->halign == 1   ? "start"
                      : s->halign == 2 ? "end"
                                       : "middle");
        put_escaped(&b, (const char *)s->text);
        outbuf_printf(&b, "</text>\n");
    }
    outbuf_printf(&b, "</g>\n</svg>\n");
    ZBarcode_Delete(z);
    return outbuf_take(&b);
}

char *barcode_qr_svg(const char *payload, const char *desc)
{
    QRcode *q = QRcode_encodeString8bit(payload, 0, QR_ECLEVEL_M);
    outbuf b = {0};
    if (!q)
        return NULL;
    int quiet = 4, w = q->width + 2 * quiet;
    outbuf_printf(
        &b,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
        "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">\n",
        w * 4, w * 4, w, w);
    if (desc) {
        outbuf_printf(&b, "<desc>");
        put_escaped(&b, desc);
        outbuf_printf(&b, "</desc>\n");
    }
    outbuf_printf(&b,
                  "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#FFFFFF\"/>\n<path "
                  "fill=\"#000000\" d=\"",
                  w, w);
    for (int y = 0; y < q->width; y++)
        for (int x = 0; x < q->width; x++)
            if (q->data[y * q->width + x] & 1)
                outbuf_printf(&b, "M%d %dh1v1h-1z", x + quiet, y + quiet);
    outbuf_printf(&b, "\"/>\n</svg>\n");
    QRcode_free(q);
    return outbuf_take(&b);
}

/* ---- PNG (libpng): one writer for both symbologies, from a matrix of dark modules ------------ */

/* libpng writes the PNG into a growable buffer (util/buf.h) */
static void png_mem_write(png_structp png, png_bytep data, png_size_t n)
{
    outbuf_put(png_get_io_ptr(png), data, n);
}

static void png_mem_flush(png_structp png) { (void)png; }

/* dark[y * w + x] != 0 is a black module; each module becomes scale x scale pixels, with a
 * quiet zone of `quiet` modules. 8-bit grayscale. */
static unsigned char *matrix_png(const unsigned char *dark, int w, int h, int scale, int quiet,
                                 size_t *len)
{
    int W = (w + 2 * quiet) * scale, H = (h + 2 * quiet) * scale;
    outbuf m = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    unsigned char *row = malloc((size_t)W);
    if (!png || !info || !row || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        outbuf_free(&m);
        return NULL;
    }
    png_set_write_fn(png, &m, png_mem_write, png_mem_flush);
    png_set_IHDR(png, info, (png_uint_32)W, (png_uint_32)H, 8, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int py = 0; py < H; py++) {
        int y = py / scale - quiet;
        for (int px = 0; px < W; px++) {
            int x = px / scale - quiet;
            row[px] = (y >= 0 && y < h && x >= 0 && x < w && dark[y * w + x]) ? 0 : 255;
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    size_t n = m.n;
    unsigned char *out = (unsigned char *)outbuf_take(&m);
    if (out)
        *len = n;
    return out;
}

unsigned char *barcode_code128_png(const char *text, size_t *len)
{
    struct zint_symbol *z = ZBarcode_Create();
    unsigned char *out = NULL;
    if (!z)
        return NULL;
    z->symbology = BARCODE_CODE128;
    z->height = 50;
    z->scale = 1;
    z->show_hrt = 0; /* the human-readable text is in the SVG; the PNG is for scanners */
    if (ZBarcode_Encode_and_Buffer(z, (const unsigned char *)text, (int)strlen(text), 0) < 5 &&
        z->bitmap) {
        int w = z->bitmap_width, h = z->bitmap_height;
        unsigned char *dark = malloc((size_t)w * (size_t)h);
        if (dark) {
            for (int i = 0; i < w * h; i++) /* RGB triplets: dark where red < 128 */
                dark[i] = z->bitmap[3 * i] < 128;
            out = matrix_png(dark, w, h, 2, 10, len);
            free(dark);
        }
    }
    ZBarcode_Delete(z);
    return out;
}

unsigned char *barcode_qr_png(const char *payload, size_t *len)
{
    QRcode *q = QRcode_encodeString8bit(payload, 0, QR_ECLEVEL_M);
    unsigned char *out = NULL;
    if (!q)
        return NULL;
    unsigned char *dark = malloc((size_t)q->width * (size_t)q->width);
    if (dark) {
        for (int i = 0; i < q->width * q->width; i++)
            dark[i] = q->data[i] & 1;
        out = matrix_png(dark, q->width, q->width, 4, 4, len);
        free(dark);
    }
    QRcode_free(q);
    return out;
}
