/* The supervision scan body decoded (POST /supervision/scans): {"payload": the scanned text, a
 * declaration number (1-D barcode) or a signed 2-D barcode (codec/barcode.h)}. */
#ifndef ECUSTOMS_CODEC_JSON_SCAN_H
#define ECUSTOMS_CODEC_JSON_SCAN_H

#include <jansson.h>

#include "util/errs.h"

/* 0 and *payload (1-8000 characters, borrowed from the body), or -1 with the one "payload" error
 * appended at "". */
int json_scan_decode(json_t *body, const char **payload, errs *e);

#endif
