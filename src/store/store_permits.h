/* e-Permit storage: agency bindings, permits issued by agencies and their drawdown
 * by registered declarations. Portable SQL, like store.c; tables are in src/store/schema.sql. */
#ifndef ECUSTOMS_STORE_STORE_PERMITS_H
#define ECUSTOMS_STORE_STORE_PERMITS_H

#include <stdint.h>

#include "store/db.h"
#include "util/date.h"

/* Binds party (its tokens of role agency) to the procedures of agency code (MOIT, MIC...). */
int store_agency_bind(db_conn *c, const char *party, const char *agency);
/* 1 bound, 0 not, <0 error. */
int store_agency_bound(db_conn *c, const char *party, const char *agency);
/* 1 when any party is bound to agency (the agency issues e-Permits), 0 not, <0 error. */
int store_agency_connected(db_conn *c, const char *agency);
/* The same for up to STORE_AGENCY_SLOTS agencies in one statement, started ahead (db_send: on a
 * database server it goes with the next statement that waits; a registration asked one agency
 * at a time, a round trip each), then read: connected[i] 1 or 0 for agency[i]; 0 or <0. */
#define STORE_AGENCY_SLOTS 16
int store_agencies_connected_send(db_conn *c, const char *const *agency, int n, db_stmt **st);
int store_agencies_connected_read(db_conn *c, db_stmt *st, const char *const *agency, int n,
                                  int *connected);

typedef struct permit_row {
    char number[48];
    char agency[16];
    char issuer[14]; /* the agency party that issued it */
    char enterprise[14];
    char procedure[64]; /* legal reference of the procedure, may be "" */
    char hs_codes[256]; /* comma-separated HS prefixes (4, 6 or 8 digits) */
    int64_t quantity;   /* DECIMAL_SCALE_QTY */
    char unit[8];
    int64_t used; /* DECIMAL_SCALE_QTY, drawn by registrations */
    date_ymd valid_from, valid_to;
    int64_t revoked_at; /* 0 = valid */
    int64_t created_at;
} permit_row;

int store_permit_insert(db_conn *c, const permit_row *p); /* DB_CONSTRAINT if number taken */
int store_permit_get(db_conn *c, const char *number, permit_row *out); /* 1/0/<0 */
int store_permit_revoke(db_conn *c, const char *number, int64_t at);
/* Adds qty to used when used + qty <= quantity: 1 drawn, 0 not enough left, <0 error. */
int store_permit_draw(db_conn *c, const char *number, int64_t qty);
int store_permit_usage_add(db_conn *c, const char *permit, const char *decl_id, int line,
                           const char *agency, int64_t qty, int64_t at);

typedef struct permit_usage {
    char permit[48];
    char agency[16];
    int line;
    int64_t quantity;
} permit_usage;
/* Usages recorded for a declaration, by line; returns the count (<= max) or <0. */
int store_permit_usages(db_conn *c, const char *decl_id, permit_usage *out, int max);

/* ---- e-C/O: certificates of origin received from the exporting country --------------------- */

typedef struct cert_row {
    char number[48];
    char form[16];
    char issuing_country[3];
    date_ymd issue_date;
    char exporter[256];
    char importer[14];
    char invoice_number[48];
    char transport_ref[48];
    char issuer[14]; /* the party that lodged it (agency or asw) */
    int64_t created_at;
} cert_row;

typedef struct cert_item_row {
    char hs6[7];
    int64_t quantity; /* DECIMAL_SCALE_QTY */
    int64_t used;
    int64_t fob_value; /* DECIMAL_SCALE_AMOUNT */
    char origin_criterion[16];
} cert_item_row;

int store_cert_insert(db_conn *c, const cert_row *r); /* DB_CONSTRAINT if taken */
int store_cert_item_insert(db_conn *c, const char *number, int idx, const cert_item_row *it);
int store_cert_get(db_conn *c, const char *number, cert_row *out); /* 1/0/<0 */
/* Items of a certificate in order; returns the count (<= max) or <0. */
int store_cert_items(db_conn *c, const char *number, cert_item_row *out, int max);
/* Draws qty from the first item of hs6 with enough left: 1 drawn, 0 not enough, <0 error. */
int store_cert_draw(db_conn *c, const char *number, const char *hs6, int64_t qty,
                    const char *decl_id, int line); /* records the use for decl_id (may be NULL) */
/* What decl_id itself consumed of one certificate item (so re-assessing it does not count its
 * own use against it). */
int store_cert_own_usage(db_conn *c, const char *decl_id, const char *number, int idx,
                         int64_t *qty);
/* Gives back everything decl_id drew from permits and certificates (amendment, cancellation,
 * invalidation); the quantities released are returned. */
int store_release_decl_usages(db_conn *c, const char *decl_id, int64_t *cert_released,
                              int64_t *permit_released);

#endif
