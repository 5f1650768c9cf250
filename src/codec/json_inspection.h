/* The specialised-inspection bodies decoded: a result the agency records, or the declarant
 * references (POST /declarations/{number}/inspection-results), and the officer's decisions after a
 * failed inspection (release_for_storage, inspection_failure). Syntax only, every error at once;
 * that a result is not dated in the future is the service's (it owns the clock). */
#ifndef ECUSTOMS_CODEC_JSON_INSPECTION_H
#define ECUSTOMS_CODEC_JSON_INSPECTION_H

#include <jansson.h>

#include "util/date.h"
#include "util/errs.h"

#define INSP_MAX_LINES 64

typedef struct insp_result_in {
    char legal_ref[96];   /* the agency's: "procedure" */
    char result[8];       /* the agency's: pass | fail */
    char certificate[64]; /* the agency's */
    char reference[64];   /* the declarant's: a result already issued */
    date_ymd issued;      /* the agency's: "date" (0 when missing or malformed) */
    char note[256];
    int lines[INSP_MAX_LINES]; /* item lines as given, 1-based (0: not an integer); whether the
                                  declaration has them is the service's check */
    int n_lines;
} insp_result_in;

typedef struct insp_decision_in {
    char address[256]; /* release_for_storage: storage_address */
    char measure[16];  /* inspection_failure: re_export | destruction */
    char note[512];
} insp_decision_in;

/* Decodes a result into r (zeroed first): the declarant's fields when declarant, else the
 * agency's. The body is an object. */
void json_insp_result_decode(json_t *body, int declarant, insp_result_in *r, errs *e);
/* Decodes a decision's body into d (zeroed first): release (release_for_storage) or not
 * (inspection_failure). */
void json_insp_decision_decode(json_t *body, int release, insp_decision_in *d, errs *e);

#endif
