/* The post-clearance audit bodies decoded: opening a case on a declaration (POST /audit-cases)
 * and its findings (POST /audit-cases/{id}/findings). Syntax only, every error at once. */
#ifndef ECUSTOMS_CODEC_JSON_AUDIT_CASE_H
#define ECUSTOMS_CODEC_JSON_AUDIT_CASE_H

#include <jansson.h>
#include <stdint.h>

#include "util/errs.h"

typedef struct audit_case_in {
    char declaration[16]; /* 11-12 digits */
    char reason[256];
} audit_case_in;

typedef struct audit_findings_in {
    int violation;
    const char *findings;   /* 1-3999 characters, borrowed from the body (lives as long as it) */
    int64_t additional_tax; /* VND, >= 0; 0 when not given */
} audit_findings_in;

/* Each decodes into its struct (zeroed first); a body that is not an object is one "type" error. */
void json_audit_case_decode(json_t *body, audit_case_in *x, errs *e);
void json_audit_findings_decode(json_t *body, audit_findings_in *x, errs *e);

#endif
