/* The same invoice or bill of lading declared twice by one enterprise: not refused
 * (a split shipment or a re-declaration after cancellation is lawful) but a warning on the second
 * declaration and a risk input (risk rules with "duplicate_document": true select it). */
#ifndef ECUSTOMS_SERVICE_DUPLICATES_H
#define ECUSTOMS_SERVICE_DUPLICATES_H

#include <jansson.h>

#include "core/decl.h"
#include "service/app.h"
#include "store/db.h"
#include "store/store_reference.h"

/* Before classification (a read): the warnings for d's invoice and bills of lading already
 * declared by party in other standing declarations; NULL when none (or on a storage error, which
 * is logged: the warning is advice, registration goes on). */
json_t *dup_warnings(app *a, const decl *d, const char *enterprise, const char *own_id);
/* The same inside a caller's read (c), with the look-ups of the invoice and of the first bill of
 * lading already made by it (store_document_others_send/_read, sent with its other reads: one
 * round trip), or NULL / n < 0: made here. *warnings: NULL when none. 0 or <0 (then NULL). */
typedef struct dup_hits {
    int n;
    char nums[STORE_DOC_OTHERS_MAX][13];
} dup_hits;
int dup_collect(db_conn *c, const decl *d, const char *enterprise, const char *own_id,
                const dup_hits *inv, const dup_hits *bl0, json_t **warnings);
/* Inside the registration transaction: records d's documents as declared by decl_id (and an
 * export's containers, for the gate), replacing those it recorded before. fresh: decl_id has
 * recorded none (its first registration), so there is nothing to replace -- and nothing to look
 * for: declared_documents has no index by declaration, and that look-up was a scan of the
 * whole table on every registration. */
int dup_record(db_conn *c, const decl *d, const char *enterprise, const char *decl_id, int64_t at,
               int fresh);

#endif
