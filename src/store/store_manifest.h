/* Store queries of e-Manifest and VASSCM: manifests (with versions), their bills of lading and
 * containers, port-operator locations, declaration <-> bill-of-lading links, gate events and
 * customs holds. Portable SQL like store.c. */
#ifndef ECUSTOMS_STORE_STORE_MANIFEST_H
#define ECUSTOMS_STORE_STORE_MANIFEST_H

#include <stdint.h>

#include "store/db.h"

/* Tables: src/store/schema.sql. */

/* ---- port-operator locations --------------------------------------------------------------- */
int store_oploc_put(db_conn *c, const char *party, const char *location);
int store_oploc_list(db_conn *c, const char *party, char (*out)[24], int max); /* count */

/* ---- manifests ------------------------------------------------------------------------------ */
typedef struct manifest_row {
    char id[33];
    char carrier[14];
    int version;
    char mode[4]; /* sea | air */
    char port[6]; /* UN/LOCODE of arrival */
    int64_t eta;
    int late;
    int64_t created_at, updated_at;
    char *doc; /* normalised JSON, heap */
} manifest_row;

int store_manifest_insert(db_conn *c, const manifest_row *m);
int store_manifest_update(db_conn *c, const manifest_row *m);
int store_manifest_get(db_conn *c, const char *id, manifest_row *out); /* 1/0/<0 */
int store_manifest_version_put(db_conn *c, const char *id, int version, const char *doc,
                               int64_t at);
/* Older versions, oldest first: fills versions (heap doc) and replaced_at; returns count. */
int store_manifest_versions(db_conn *c, const char *id, char **docs, int64_t *at, int max);
/* Removes the bills of lading and containers of a manifest (before an amendment re-adds them). */
int store_manifest_clear_lines(db_conn *c, const char *id);

typedef struct mbl_row {
    char bl[36];
    char manifest_id[33];
    char port[6];
    int64_t packages;
    int64_t gross_weight; /* DECIMAL_SCALE_QTY kg */
} mbl_row;

int store_mbl_put(db_conn *c, const mbl_row *r);
int store_mbl_get(db_conn *c, const char *bl, mbl_row *out); /* 1/0/<0 */
/* The same in two halves: the look-up started ahead (db_send: on a database server it goes with
 * the next statement that waits), then read (the statement reset). */
int store_mbl_send(db_conn *c, const char *bl, db_stmt **st);
int store_mbl_read(db_conn *c, db_stmt *st, mbl_row *out);

typedef struct mctr_row {
    char container[12];
    char bl[36];
    char manifest_id[33];
    char seal[24];
    char port[6];       /* of the manifest */
    char carrier[14];   /* of the manifest */
    int64_t created_at; /* of the manifest */
} mctr_row;

int store_mctr_put(db_conn *c, const char *container, const char *bl, const char *manifest_id,
                   const char *seal);
/* Rows for a container, newest manifest first. */
int store_mctr_by_container(db_conn *c, const char *container, mctr_row *out, int max);
int store_mctr_by_bl(db_conn *c, const char *bl, mctr_row *out, int max);

/* ---- declaration <-> bill of lading ---------------------------------------------------------- */
/* fresh: the declaration never had links (its first registration), so there is nothing to
 * delete -- PostgreSQL's DELETE by declaration was a bitmap scan set up at every registration. */
int store_declbl_set(db_conn *c, const char *decl_id, const char (*bls)[36], int n, int fresh);
/* One link of a new declaration (nothing to replace): what store_declbl_set inserts. */
int store_declbl_add(db_conn *c, const char *decl_id, const char *bl);
int store_declbl_decls(db_conn *c, const char *bl, char (*ids)[33], int max); /* count */

/* ---- gate events ----------------------------------------------------------------------------- */
typedef struct gate_row {
    int64_t id;
    char container[12];
    char type[12];
    char location[24];
    char seal[24];
    char operator_party[14];
    char manifest_id[33];
    int64_t at;
    char decision[8];
    char *reasons; /* JSON array, heap */
} gate_row;

int store_gate_put(db_conn *c, const gate_row *g);
int store_gate_list(db_conn *c, const char *container, gate_row *out, int max); /* oldest first */
/* 1 when an allowed event of that type exists for the container on that manifest. */
int store_gate_allowed_exists(db_conn *c, const char *container, const char *manifest_id,
                              const char *type);

/* ---- holds ----------------------------------------------------------------------------------- */
typedef struct hold_row {
    int64_t id;
    char subject[36]; /* container or bill of lading */
    char reason[256];
    char opened_by[14];
    int64_t opened_at;
    char released_by[14];
    int64_t released_at; /* 0 = open */
} hold_row;

int store_hold_put(db_conn *c, const hold_row *h);          /* insert or replace */
int store_hold_get(db_conn *c, int64_t id, hold_row *out);  /* 1/0/<0 */
int store_hold_open_count(db_conn *c, const char *subject); /* count or <0 */
int store_hold_list(db_conn *c, const char *subject, hold_row *out, int max);

/* ---- officer permissions to put a container on another carrier's manifest ------------------- */
typedef struct ctrperm_row {
    int64_t id;
    char container[12];
    char carrier[14];
    char reason[256];
    char granted_by[14];
    int64_t granted_at;
    char used_by_manifest[33]; /* "" while unused */
} ctrperm_row;

int store_ctrperm_put(db_conn *c, const ctrperm_row *p);
/* Marks the oldest unused permission of (container, carrier) as used by manifest_id: 1 when
 * one was found, 0 when none, <0 on error. */
int store_ctrperm_take(db_conn *c, const char *container, const char *carrier,
                       const char *manifest_id);

#endif
