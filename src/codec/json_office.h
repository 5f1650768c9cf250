/* The customs office body decoded (PUT /offices/{code}, the administration). Syntax only, every
 * error at once; the code of the URL is the service's to check. */
#ifndef ECUSTOMS_CODEC_JSON_OFFICE_H
#define ECUSTOMS_CODEC_JSON_OFFICE_H

#include <jansson.h>

#include "util/errs.h"

typedef struct office_in {
    char name[160];
    char province[96]; /* "" when not given */
    char kind[12];     /* office | team; "office" when not given */
    int active;        /* 1 when not given */
} office_in;

/* Decodes an office into o (defaults set first). The body is an object. */
void json_office_decode(json_t *body, office_in *o, errs *e);

#endif
