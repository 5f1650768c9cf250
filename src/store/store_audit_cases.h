/* Post-clearance audit cases. Queries only; the table is in schema.sql (migration 8). */
#ifndef ECUSTOMS_STORE_AUDIT_CASES_H
#define ECUSTOMS_STORE_AUDIT_CASES_H

#include <stdint.h>

#include "store/db.h"
#include "store/store.h"

typedef struct case_row {
    char id[33];
    char decl_id[33];
    char number[13];
    char party[14];
    char status[16]; /* open | findings | assessed | closed */
    char reason[256];
    char *selection; /* the selection's reasons (JSON), heap, may be NULL */
    char opened_by[14];
    int64_t opened_at;
    char *findings; /* heap, may be NULL */
    int violation;
    int64_t additional_tax, interest;
    int interest_days;
    int64_t updated_at;
} case_row;

void case_row_release(case_row *r);
/* Insert or update by id. */
int store_case_put(db_conn *c, const case_row *r);
/* 1 found, 0 not, <0 error. */
int store_case_get(db_conn *c, const char *id, case_row *out);
/* 1 when decl_id has a case still open (open or findings), 0 not, <0 error. */
int store_case_open_for(db_conn *c, const char *decl_id);
/* Cases (status NULL: all) newest first; fn owns nothing (the row is released after it). Returns
 * the count or <0. */
typedef void (*store_case_fn)(const case_row *r, void *ctx);
int store_case_each(db_conn *c, const char *status, store_case_fn fn, void *ctx, int max);

/* Cleared (or passed_supervision) declarations registered at or after `since`, newest first, at
 * most max, with doc, taxes and risk: fn per row (released after it). Returns the count or <0. */
typedef void (*store_decl_fn)(const decl_row *r, void *ctx);
int store_decl_cleared_since(db_conn *c, int64_t since, int max, store_decl_fn fn, void *ctx);

#endif
