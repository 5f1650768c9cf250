/* The bodies of the steps a lodged declaration takes, decoded: its cancellation (POST
 * /declarations/{number}/cancellation), an officer's decision (POST .../decisions) and the review
 * of an amendment (POST .../amendments/{k}/decision). Syntax only, every error at once; the
 * declaration's state and the lifecycle are the service's. Long texts are borrowed from the body
 * (they live as long as it). */
#ifndef ECUSTOMS_CODEC_JSON_DECL_ACTION_H
#define ECUSTOMS_CODEC_JSON_DECL_ACTION_H

#include <jansson.h>
#include <stdint.h>

#include "codec/json_inspection.h"
#include "core/lifecycle.h"
#include "util/errs.h"

typedef struct decl_cancel_in {
    const char *reason_code; /* as sent (the service checks it is H01..H08), NULL when missing */
    const char *reason;      /* free text, NULL when not given */
} decl_cancel_in;

typedef enum decl_decision_kind {
    DECISION_LIFECYCLE = 1, /* a step of core/lifecycle: act is set */
    DECISION_INSPECTION,    /* release_for_storage or inspection_failure: insp is set
                                  (json_insp_decision_decode), the rest is not decoded */
} decl_decision_kind;

/* An inspection's correction of one item (the facts the officer found): the item's line and the
 * fields that change, "" for those that stay as declared. The taxes are computed again from the
 * corrected declaration (service/clearance.c). */
#define DECL_REASSESS_MAX 50
typedef struct decl_reassess_in {
    int line; /* 1-based */
    char hs_code[16];
    char origin[4];
    char quantity[32];
    char unit_price[32];
    char value[32];
} decl_reassess_in;

typedef struct decl_decision_in {
    decl_decision_kind kind;      /* 0 when the decision is missing or unknown (an error) */
    const char *decision;         /* as sent */
    lifecycle_action act;         /* DECISION_LIFECYCLE: the step; ACT_COUNT otherwise */
    int has_passed, passed;       /* "passed", when a boolean */
    int has_violation, violation; /* "violation", when a boolean */
    const char *findings;         /* NULL when not given */
    const char *note;             /* NULL when not given */
    int64_t additional_tax;       /* inspection: VND, >= 0 */
    decl_reassess_in *reassess;   /* inspection: per-item corrections (heap), or NULL */
    int n_reassess;
    insp_decision_in insp; /* DECISION_INSPECTION: its fields */
} decl_decision_in;

typedef struct amend_review_in {
    int accept;       /* 1 accept, 0 reject */
    const char *note; /* 1-511 characters, NULL when not given */
} amend_review_in;

/* Each decodes into its struct (zeroed first). The body is an object (the service answers a
 * "type" error for one that is not, before anything else). */
void json_decl_cancel_decode(json_t *body, decl_cancel_in *c, errs *e);

/* POST /declarations/{n}/inspection-extension: the head of the customs office extends the
 * physical inspection's limit (Customs Law 2014 Art. 23). */
#define DECL_EXTENSION_MAX_HOURS 16 /* two working days of 8 hours */
typedef struct decl_extension_in {
    int working_hours; /* 1..DECL_EXTENSION_MAX_HOURS */
    char reason[501];  /* why: a large consignment, many kinds of goods, a complex inspection */
} decl_extension_in;
/* {"working_hours": 1..16, "reason": "..."}; every error into e. */
void json_decl_extension_decode(json_t *body, decl_extension_in *x, errs *e);
/* For a DECISION_INSPECTION only the inspection decision's fields are decoded (into insp). */
void json_decl_decision_decode(json_t *body, decl_decision_in *d, errs *e);
/* Frees what json_decl_decision_decode allocated (the corrections). */
void json_decl_decision_release(decl_decision_in *d);
void json_amend_review_decode(json_t *body, amend_review_in *r, errs *e);

#endif
