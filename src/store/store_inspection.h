/* Specialised inspection and amendment review queries (tables in schema.sql,
 * migration 2). Inside a transaction (store_read/store_write jobs). */
#ifndef ECUSTOMS_STORE_INSPECTION_H
#define ECUSTOMS_STORE_INSPECTION_H

#include <stdint.h>

#include "store/db.h"

/* One procedure an item owes: what, whose, when, and where it stands. */
typedef struct insp_owed_row {
    char decl_id[33];
    int line; /* 1-based item line */
    char legal_ref[96];
    char agency[12];
    char name[256]; /* the procedure's text (not stored: from the tariff) */
    char stage[24]; /* before_clearance | after_clearance */
    char hs_code[9];
    char status[12]; /* pending | passed | failed */
    int64_t at;
    /* joined for the agency's list */
    char number[13];
    int64_t cleared_at;
} insp_owed_row;

typedef struct insp_result_row {
    int64_t id;
    char decl_id[33];
    int line;
    char legal_ref[96];
    char agency[12];
    char enterprise[14];
    char hs_code[9];
    char result[8]; /* pass | fail */
    char certificate[64];
    int issued; /* date_ymd */
    char recorded_by[14];
    char role[24];
    int referenced; /* 1: a declarant referenced an earlier result */
    char note[256];
    int64_t at;
} insp_result_row;

/* Removes what a declaration owes (an amendment rewrites it). */
int store_insp_owed_clear(db_conn *c, const char *decl_id);
/* Writes (or replaces) the rows a declaration owes: one row for the declaration, plus one per
 * after_clearance procedure for the agency's list. */
int store_insp_owed_write(db_conn *c, const char *decl_id, const insp_owed_row *rows, int n,
                          int64_t at);
/* The declaration's owed rows in (line, legal_ref) order; count or <0. */
int store_insp_owed_of(db_conn *c, const char *decl_id, insp_owed_row *out, int max);
int store_insp_owed_set(db_conn *c, const char *decl_id, int line, const char *legal_ref,
                        const char *status);
/* An agency's rows of one stage (only after_clearance is kept per agency), with the
 * declaration's number and clearance instant, newest first; count or <0. */
int store_insp_owed_by_agency(db_conn *c, const char *agency, const char *stage, insp_owed_row *out,
                              int max);

int store_insp_result_put(db_conn *c, insp_result_row *r); /* r->id allocated */
int store_insp_results_of(db_conn *c, const char *decl_id, insp_result_row *out, int max);
/* Results carrying a certificate number, oldest first; count or <0. */
int store_insp_results_by_cert(db_conn *c, const char *certificate, insp_result_row *out, int max);

int store_storage_release_put(db_conn *c, const char *decl_id, const char *address, const char *by,
                              int64_t at);
/* 1 and *address (>= 256 bytes) when released for storage, 0 when not, <0 error. */
int store_storage_release_get(db_conn *c, const char *decl_id, char *address, size_t size,
                              int64_t *at);

/* ---- amendments (section 3) ---- */

/* Every amendment with its risk assessment; status amendment_review (waiting for an officer),
 * accepted, rejected, or applied (needed no review). */
typedef struct amend_row {
    char decl_id[33];
    int seq;       /* 1, 2, ... per declaration */
    int amendment; /* the 12th digit it has (or would have) */
    char status[20];
    char *doc, *taxes, *risk; /* heap */
    int64_t customs_value, total_tax;
    int after_clearance;
    char requested_by[14];
    int64_t requested_at;
    char decided_by[14];
    int64_t decided_at;
    char note[512];
    /* joined for the officer's queue */
    char number[13];
} amend_row;

void amend_row_release(amend_row *r);
int store_amend_put(db_conn *c, amend_row *r); /* r->seq allocated */
int store_amend_decide(db_conn *c, const char *decl_id, int seq, const char *status, const char *by,
                       int64_t at, const char *note);
/* A declaration's amendments in order; count or <0 (rows to release). */
int store_amends_of(db_conn *c, const char *decl_id, amend_row *out, int max);
/* The amendment waiting for review (at most one per declaration): 1 (*out filled when not NULL;
 * release it), 0 none, <0 error. */
int store_amend_pending(db_conn *c, const char *decl_id, amend_row *out);
/* Amendments of one status, oldest first, with the declaration's number; count or <0. */
int store_amends_by_status(db_conn *c, const char *status, amend_row *out, int max);

/* Superseded versions of a declaration (declaration_versions), oldest first. */
typedef struct version_row {
    int amendment;
    char *doc, *taxes; /* heap */
    int64_t replaced_at;
} version_row;
int store_versions_of(db_conn *c, const char *decl_id, version_row *out, int max);

/* The agency codes a party is bound to; count or <0. */
int store_agencies_of(db_conn *c, const char *party, char (*out)[12], int max);

#endif
