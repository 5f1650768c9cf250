/* Documents attached to declarations: the attachment rows and their bytes,
 * content-addressed by SHA-256 (schema.sql migration 10). */
#ifndef ECUSTOMS_STORE_ATTACHMENTS_H
#define ECUSTOMS_STORE_ATTACHMENTS_H

#include <stdint.h>

#include "store/db.h"

typedef struct attach_row {
    char id[33];
    char decl_id[33];
    char kind[32];
    char filename[256];
    char content_type[32];
    int64_t size;
    char sha256[65];
    char party[14];
    char role[24];
    char username[64];
    int64_t at;
    int seq; /* 1, 2, ... in the order attached */
} attach_row;

/* Stores the bytes (base64 text) under their SHA-256 unless already there, and the row. 0 or <0. */
int store_attach_put(db_conn *c, const attach_row *r, const char *b64);
/* The attachments of a declaration, oldest first, up to max. Count or <0. */
int store_attach_list(db_conn *c, const char *decl_id, attach_row *out, int max);
/* Files and bytes already attached to a declaration, and the highest seq (0: none; after a
 * deletion, the count is not the next seq). 0 or <0. */
int store_attach_totals(db_conn *c, const char *decl_id, int64_t *count, int64_t *bytes,
                        int *max_seq);
/* Removes an attachment's row (its bytes stay: the audit events name their SHA-256, and another
 * attachment may share them). 0 or <0. */
int store_attach_delete(db_conn *c, const char *decl_id, const char *id);
/* Replaces an attachment's file (filename, content_type, size, sha256, party, role, username,
 * at of r; id, decl_id, kind and seq as r says), storing the new bytes like store_attach_put. */
int store_attach_replace(db_conn *c, const attach_row *r, const char *b64);
/* One attachment of a declaration, with its stored base64 bytes (heap, *b64; NULL when the blob
 * is missing). 1 found, 0 not, <0 error. */
int store_attach_get(db_conn *c, const char *decl_id, const char *id, attach_row *out, char **b64);

#endif
