/* Reference tables: Vietnam's customs offices (admin-managed) and the documents each
 * enterprise has declared (for the duplicate-document warning). Queries only; the tables are in
 * schema.sql (migration 8). */
#ifndef ECUSTOMS_STORE_REFERENCE_H
#define ECUSTOMS_STORE_REFERENCE_H

#include <stdint.h>

#include "store/db.h"

typedef struct office_row {
    char code[9];
    char name[160];
    char province[96];
    char kind[12]; /* office | team */
    int active;
    char source[64];
    int64_t updated_at;
} office_row;

/* Inserts or replaces. 0 or DB_*. */
int store_office_put(db_conn *c, const office_row *o);
/* 1 found, 0 not, <0 error. */
int store_office_get(db_conn *c, const char *code, office_row *out);
/* All offices in code order: fn per row; returns the count or <0. */
typedef void (*store_office_fn)(const office_row *o, void *ctx);
int store_office_each(db_conn *c, store_office_fn fn, void *ctx);
int64_t store_office_count(db_conn *c);

/* Records that decl_id declared the document (kind "invoice" | "bill_of_lading", ref) for party. */
int store_document_add(db_conn *c, const char *party, const char *kind, const char *ref,
                       const char *decl_id, int64_t at);
/* The same for n documents (kinds[i], refs[i]), in statements of up to STORE_DOCS_PER_INSERT
 * rows. 0 or DB_*. */
#define STORE_DOCS_PER_INSERT 4
int store_documents_add(db_conn *c, const char *party, const char *decl_id, int64_t at, int n,
                        const char *const *kinds, const char *const *refs);
/* The numbers of the other declarations (not decl_id) of party that declared the document and
 * still stand (not cancelled, invalidated, expired or rejected): up to max into numbers. Returns
 * the count written or <0. */
/* The same in two halves, so that a caller sends several reads together (db_send: one round
 * trip to a database server) and then reads each: slot 0..STORE_DOC_SLOTS-1 tells apart the
 * look-ups in flight at once (one per slot). At most STORE_DOC_OTHERS_MAX numbers are found. */
#define STORE_DOC_SLOTS 2
#define STORE_DOC_OTHERS_MAX 20
int store_document_others_send(db_conn *c, int slot, const char *party, const char *kind,
                               const char *ref, const char *decl_id, db_stmt **st);
int store_document_others_read(db_conn *c, db_stmt *st, char (*numbers)[13], int max);
/* Two look-ups, (kind0, ref0) and (kind1, ref1), sent as one statement; read2 puts each one's
 * numbers (up to max) into numbers[k] and their count into n[k]. 0 or <0. */
int store_document_others_send2(db_conn *c, const char *party, const char *kind0, const char *ref0,
                                const char *kind1, const char *ref1, const char *decl_id,
                                db_stmt **st);
int store_document_others_read2(db_conn *c, db_stmt *st, char (*numbers[2])[13], int n[2], int max);
int store_document_others(db_conn *c, const char *party, const char *kind, const char *ref,
                          const char *decl_id, char (*numbers)[13], int max);
/* Forgets decl_id's documents (before re-recording an amendment's). */
int store_document_clear(db_conn *c, const char *decl_id);

/* The rate of currency's period before the one starting on `before` (yyyymmdd): 1 found, 0 none,
 * <0 error. */
int store_fx_previous(db_conn *c, const char *currency, int32_t before, int64_t *vnd_per_unit,
                      int32_t *valid_from);

/* Registered export declarations whose document lists container (recorded by dup_record): up to
 * max ids. Returns the count or <0. */
int store_decl_exports_by_container(db_conn *c, const char *container, char (*ids)[33], int max);

#endif
