/* Large text columns (a declaration's document and tax assessment, its versions, its risk facts)
 * are stored deflated: the tax document of a 25-item declaration is ~19 KB of JSON that repeats
 * the same keys and legal references on every item, and it made ~80 % of the database
 * (docs/performance.md, "Storage"). Packed text is "~y<length>:" followed by the zlib stream
 * (deflated with preset dictionary 1, store/pack.c) in base64, so the column stays TEXT in every
 * engine; "~z<length>:" (no dictionary) was written before schema migration 13's release and is
 * still read; text without a marker (rows written before packing) is read as it is. */
#ifndef ECUSTOMS_STORE_PACK_H
#define ECUSTOMS_STORE_PACK_H

#include <stddef.h>

#include "store/db.h"

/* Packed copy of text (heap), or NULL when packing would not pay (short text), text is packed
 * already, or packing failed: then store text itself. Callers on the hot path pack before they
 * hand a job to the writer thread, so that the single writer spends its time on SQL. */
char *store_pack(const char *text);
/* The text of a column as stored (packed or not), heap; NULL for NULL or on corrupt input. */
char *store_unpack(const char *stored);

/* Since schema migration 16 the packed columns (declarations.doc and .taxes, their versions,
 * risk_facts.facts) hold bytes (SQLite BLOB, PostgreSQL bytea): base64 made a third of those
 * columns. A packed text "~y<length>:<base64>" is stored as the byte 0, 'y', "<length>:" and the
 * zlib stream itself; any other text as its own bytes (a text never holds the byte 0). The text
 * as callers know it (what store_pack returns, what the audit trail's state digest hashes) is
 * unchanged: these functions convert at the column.
 * store_packed_blob: the bytes of a stored text (heap, *n of them); NULL for NULL or no memory.
 * store_blob_packed: the stored text of those bytes (heap); NULL for NULL or no memory. */
unsigned char *store_packed_blob(const char *stored, size_t *n);
char *store_blob_packed(const void *b, size_t n);
/* Binds stored (a store_pack result or unpacked text; NULL binds NULL) as the column's bytes. */
int store_bind_packed(db_conn *c, db_stmt *s, int i, const char *stored);
/* A packed column as its stored text (heap; NULL for NULL). */
char *store_col_packed(db_conn *c, db_stmt *s, int i);
/* A packed column's plain text (heap; NULL for NULL or corrupt), inflated from the bytes. */
char *store_col_unpack(db_conn *c, db_stmt *s, int i);

#endif
