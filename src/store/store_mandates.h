/* Mandates: an enterprise lets a declarant (a customs broker) act for it between
 * two dates. Table: src/store/schema.sql. */
#ifndef ECUSTOMS_STORE_STORE_MANDATES_H
#define ECUSTOMS_STORE_STORE_MANDATES_H

#include <stdint.h>

#include "store/db.h"

typedef struct mandate_row {
    int64_t id;
    char enterprise[14];
    char declarant[14];
    int32_t valid_from, valid_to; /* yyyymmdd, Vietnam's dates, both included */
    char granted_by[14];
    int64_t granted_at;
    char revoked_by[14];
    int64_t revoked_at; /* 0 = in force */
} mandate_row;

int store_mandate_put(db_conn *c, const mandate_row *m);         /* insert or update by id */
int store_mandate_get(db_conn *c, int64_t id, mandate_row *out); /* 1/0/<0 */
/* 1 when a mandate of (enterprise, declarant) is in force on date, 0 when not, <0 on error. */
int store_mandate_valid(db_conn *c, const char *enterprise, const char *declarant, int32_t date);
/* Of an enterprise (declarant NULL: every one), newest first; count or <0. */
int store_mandate_list(db_conn *c, const char *enterprise, const char *declarant, mandate_row *out,
                       int max);

/* A bank's link to a declaration: 1 when it paid or guaranteed on it, or holds a
 * mandate of the declaration's enterprise in force on date (the enterprise chose it to pay);
 * 0 when none; <0 on error. */
int store_bank_linked(db_conn *c, const char *decl_id, const char *enterprise, const char *bank,
                      int32_t date);

#endif
