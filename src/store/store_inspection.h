/* Specialised inspection and amendment review queries (issue 14; tables in schema.sql,
 * migration 2). Inside a transaction (store_read/store_write jobs). */
#ifndef ECUSTOMS_STORE_INSPECTION_H
#define ECUSTOMS_STORE_INSPECTION_H

#include <stdint.h>

#include "store/db.h"

/* One procedure an item owes: what, whose, when, and where it stands. */
typedef struct insp_owed_row {
    char decl_id[33];
    int line;                 /* 1-based item line */
    char legal_ref[96];
    char agency[12];
    char name[256];           /* the procedure's text */
    char stage[24];           /* before_clearance | after_clearance */
    char hs_code[9];
    char status[12];          /* pending | passed | failed */
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
    char result[8];           /* pass | fail */
    char certificate[64];
    int issued;               /* date_ymd */
    char recorded_by[14];
    char role[24];
    int referenced;           /* 1: a declarant referenced an earlier result */
    char note[256];
    int64_t at;
} insp_result_row;

/* Replaces the rows owed by a declaration (registration, amendment). */
int store_insp_owed_clear(db_conn *c, const char *decl_id);
int store_insp_owed_put(db_conn *c, const insp_owed_row *r);
/* The declaration's owed rows in (line, legal_ref) order; count or <0. */
int store_insp_owed_of(db_conn *c, const char *decl_id, insp_owed_row *out, int max);
int store_insp_owed_set(db_conn *c, const char *decl_id, int line, const char *legal_ref,
                        const char *status);
/* An agency's rows of one stage, with the declaration's number and clearance instant, newest
 * first; count or <0. */
int store_insp_owed_by_agency(db_conn *c, const char *agency, const char *stage,
                              insp_owed_row *out, int max);

int store_insp_result_put(db_conn *c, insp_result_row *r); /* r->id allocated */
int store_insp_results_of(db_conn *c, const char *decl_id, insp_result_row *out, int max);
/* Results carrying a certificate number, oldest first; count or <0. */
int store_insp_results_by_cert(db_conn *c, const char *certificate, insp_result_row *out, int max);

int store_storage_release_put(db_conn *c, const char *decl_id, const char *address,
                              const char *by, int64_t at);
/* 1 and *address (>= 256 bytes) when released for storage, 0 when not, <0 error. */
int store_storage_release_get(db_conn *c, const char *decl_id, char *address, size_t size,
                              int64_t *at);

/* The agency codes a party is bound to; count or <0. */
int store_agencies_of(db_conn *c, const char *party, char (*out)[12], int max);

#endif
