/* The VASSCM bodies decoded: a port operator's gate event (POST /gate-events), an officer's hold
 * (POST /holds) and a container's manifest permission (POST /containers/{number}/
 * manifest-permissions). Syntax only, every error at once; whether the operator is bound to the
 * location is the service's. */
#ifndef ECUSTOMS_CODEC_JSON_GATE_H
#define ECUSTOMS_CODEC_JSON_GATE_H

#include <jansson.h>

#include "core/manifest.h"
#include "util/errs.h"

typedef struct gate_event_in {
    gate_type type;
    char container[12]; /* ISO 6346 */
    char location[17];  /* UN/LOCODE, optionally "-" and a terminal code of 1-10 */
    char seal[24];
} gate_event_in;

typedef struct hold_in {
    char subject[36]; /* container or bill of lading */
    char reason[256];
} hold_in;

typedef struct container_permit_in {
    char carrier[14]; /* the carrier's tax code */
    char reason[256];
} container_permit_in;

/* Decodes a gate event into g (zeroed first). */
void json_gate_event_decode(json_t *body, gate_event_in *g, errs *e);
/* A hold is exactly {subject, reason}: anything else is one "hold" error at "". 0 or -1. */
int json_hold_decode(json_t *body, hold_in *h, errs *e);
/* Decodes a manifest permission into p (zeroed first). */
void json_container_permit_decode(json_t *body, container_permit_in *p, errs *e);

#endif
