/* Selections that stick to a consignment. Table: src/store/schema.sql. */
#ifndef ECUSTOMS_STORE_STORE_SELECTIONS_H
#define ECUSTOMS_STORE_STORE_SELECTIONS_H

#include <stdint.h>

#include "store/db.h"

/* Records that the goods (importer, ref_kind "invoice" | "bl", ref) were selected for channel
 * by declaration decl_id (number) that was then cancelled. */
int store_selection_put(db_conn *c, const char *importer, const char *ref_kind, const char *ref,
                        const char *decl_id, const char *number, int channel, int64_t at);
/* The highest channel recorded for (importer, ref_kind, ref), 0 when none (number gets the
 * declaration that was selected); <0 on error. */
int store_selection_get(db_conn *c, const char *importer, const char *ref_kind, const char *ref,
                        char number[13]);
/* The same in two halves (see store_reference.h, store_document_others_send): slot
 * 0..STORE_SELECTION_SLOTS-1, one look-up in flight per slot. */
#define STORE_SELECTION_SLOTS 2
int store_selection_send(db_conn *c, int slot, const char *importer, const char *ref_kind,
                         const char *ref, db_stmt **st);
int store_selection_read(db_conn *c, db_stmt *st, char number[13]);
/* Two look-ups, (kind0, ref0) and (kind1, ref1), sent as one statement; read2 gives each one's
 * channel (0 when none) and number. 0 or <0. */
int store_selection_send2(db_conn *c, const char *importer, const char *kind0, const char *ref0,
                          const char *kind1, const char *ref1, db_stmt **st);
int store_selection_read2(db_conn *c, db_stmt *st, int channel[2], char number[2][13]);

#endif
