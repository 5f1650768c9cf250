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

/* Packed copy of text (heap), or NULL when packing would not pay (short text), text is packed
 * already, or packing failed: then store text itself. Callers on the hot path pack before they
 * hand a job to the writer thread, so that the single writer spends its time on SQL. */
char *store_pack(const char *text);
/* The text of a column as stored (packed or not), heap; NULL for NULL or on corrupt input. */
char *store_unpack(const char *stored);

#endif
