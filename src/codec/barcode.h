/* Barcodes as SVG documents: Code 128 (zint) for the declaration number scanned at the
 * supervision gate, QR (libqrencode) for the signed declaration + container list (Decision
 * 2629/QD-TCHQ 2014, Official Letter 8155/TCHQ-VNACCS). */
#ifndef ECUSTOMS_CODEC_BARCODE_H
#define ECUSTOMS_CODEC_BARCODE_H

/* Heap SVG or NULL. desc (may be NULL) is written, escaped, into the SVG's <desc>. */
char *barcode_code128_svg(const char *text);
char *barcode_qr_svg(const char *payload, const char *desc);

#include <stddef.h>

/* The same symbols as PNG images (8-bit grayscale, heap; *len = byte count), or NULL. */
unsigned char *barcode_code128_png(const char *text, size_t *len);
unsigned char *barcode_qr_png(const char *payload, size_t *len);

#endif
