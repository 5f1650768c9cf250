/* A calendar day's body decoded (PUT /api/v1/calendar/{date}, the administration). Syntax only,
 * every error at once; whether the kind fits the date is the service's to check. */
#ifndef ECUSTOMS_CODEC_JSON_CALENDAR_H
#define ECUSTOMS_CODEC_JSON_CALENDAR_H

#include <jansson.h>

#include "util/errs.h"

typedef struct calendar_in {
    char kind[12];   /* holiday | workday | normal */
    char name[160];  /* what the day is */
    char basis[240]; /* the decision or article; "" when not given */
    char status[16]; /* official | statutory | provisional; "official" when not given */
} calendar_in;

/* Decodes a day into d (defaults set first). The body is an object. */
void json_calendar_decode(json_t *body, calendar_in *d, errs *e);

#endif
