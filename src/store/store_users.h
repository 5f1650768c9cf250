/* Store queries of e-Office: people (users and their roles), web sessions, sign-in failures
 * (throttling), and the term index that searches declarations. Portable SQL like store.c. */
#ifndef ECUSTOMS_STORE_STORE_USERS_H
#define ECUSTOMS_STORE_STORE_USERS_H

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

#define USER_MAX_ROLES 8

typedef struct user_row {
    char username[64];
    char party[14];
    char name[128];
    char office[9];
    char password[256]; /* "scrypt$N$r$p$salt_hex$hash_hex" */
    int64_t created_at;
    int disabled;
    char roles[USER_MAX_ROLES][24];
    int n_roles;
} user_row;

/* Inserts or updates the person (name, office, password, party) and adds roles (kept ones stay). */
int store_user_put(db_conn *c, const user_row *u);
/* 1 found (with roles), 0 not, <0 error. */
int store_user_get(db_conn *c, const char *username, user_row *out);

typedef struct session_row {
    char username[64];
    char role[24];
    char csrf[65];
    int64_t created_at, seen_at;
} session_row;

int store_session_put(db_conn *c, const char *id_hash, const session_row *s);
int store_session_get(db_conn *c, const char *id_hash, session_row *out); /* 1/0/<0 */
int store_session_touch(db_conn *c, const char *id_hash, int64_t seen_at);
int store_session_set_role(db_conn *c, const char *id_hash, const char *role);
int store_session_delete(db_conn *c, const char *id_hash);

/* Consecutive failed sign-ins of a username (known or not): count and time of the last. */
int store_login_failures_get(db_conn *c, const char *username, int *failures, int64_t *last_at);
int store_login_failure_add(db_conn *c, const char *username, int64_t at);
int store_login_failures_clear(db_conn *c, const char *username);

/* A token issued to a person (username) or only with an expiry (username ""). */
int store_token_owner_put(db_conn *c, const char *hash_hex, const char *username,
                          int64_t expires_at);
/* The owner of a token: 1 and username (name, office from users; "" for a machine token with
 * only an expiry), 0 when the token has no owner row, <0 error. *expires_at 0 = never. */
int store_token_owner_get(db_conn *c, const char *hash_hex, char username[64], char name[128],
                          char office[9], int64_t *expires_at);
/* Deletes a token (and its owner row). 1 deleted, 0 unknown, <0 error. */
int store_token_delete(db_conn *c, const char *hash_hex);

/* Declaration search terms (normalised: lower case, no diacritics). Replaces the terms of decl_id
 * that its previous number and document gave (both NULL for a new declaration) with those of
 * number and doc_json, writing only the difference. */
int store_decl_terms_replace(db_conn *c, const char *decl_id, const char *old_number,
                             const char *old_doc, const char *number, const char *doc_json);
/* The terms of a new declaration (its id has none): what store_decl_terms_replace writes with no
 * previous number or document, as plain INSERTs (no conflict to check). */
int store_decl_terms_new(db_conn *c, const char *decl_id, const char *number, const char *doc_json);
/* Adds the declaration number (and its 11-digit stem) at registration. */
int store_decl_terms_add_number(db_conn *c, const char *decl_id, const char *number);
/* The terms store_decl_terms_replace would write, as n NUL-separated strings (heap), and inserting
 * such a list for a declaration that has none yet (plain INSERTs, as store_decl_terms_new): for
 * a caller that computes the terms before the writer runs (decl_row's terms: the IDA). */
char *store_decl_terms_of(const char *number, const char *doc_json, int *n);
int store_decl_terms_insert(db_conn *c, const char *decl_id, const char *terms, int n);
/* n (term, declaration) pairs, in key order for a bulk writer's B-tree locality (db seed), the
 * declarations' ids as their 16 bytes already (the column's form); many rows per statement. The
 * strings and bytes must outlive the call (bound without copies). */
int store_decl_terms_insert_pairs16(db_conn *c, const char *const *terms,
                                    const unsigned char *const *ids16, long n);

/* The recent terms (schema migration 18): the live path above writes a declaration's terms into
 * decl_terms_recent; the writer (store.c) moves them into decl_terms a slice at a time.
 * store_decl_terms_merge moves the rows of the next `rows` (at least; all of the last term's)
 * after cursor (a term, exclusive; "" = from the first) in term order, in the caller's write
 * transaction, and advances cursor: returns rows, or 0 with *wrapped = 1 when the slice reached
 * the end (the rest moved, cursor back to ""), or <0. */
#define TERM_CURSOR 64
int store_decl_terms_merge(db_conn *c, int rows, char cursor[TERM_CURSOR], int *wrapped);
/* The rows in decl_terms_recent now (a scan of the small table). */
int store_decl_terms_recent_count(db_conn *c, long *n);
/* The rows this process's live path wrote into decl_terms_recent since the last call (the
 * writer's estimate of the table's size; rolled-back rows counted too). */
long store_decl_terms_recent_take(void);

/* Worklist claims: who holds a declaration. */
int store_claim_put(db_conn *c, const char *decl_id, const char *username, const char *name,
                    int64_t at);
int store_claim_get(db_conn *c, const char *decl_id, char username[64], char name[128],
                    int64_t *at);

/* ---- lists of declarations (e-Office) ----------------------------------------------------- */

typedef struct decl_list_q {
    int status;            /* 0 = any */
    int status2;           /* a second status (worklists), 0 = none */
    int channel;           /* 0 = any */
    int min_channel;       /* worklists: yellow and red only (2) */
    const char *office;    /* "" = any */
    const char *type_code; /* "" = any */
    const char *party;     /* enterprise scope: party or declarant, "" = any */
    int64_t from, to;      /* created_at range [from, to) */
    int64_t cursor_at;     /* list: rows strictly before (cursor_at, cursor_id) */
    char cursor_id[33];
    char terms[3][2][64]; /* up to 3 search words as [lo, hi) ranges; n_terms used */
    int n_terms;
    int limit;
} decl_list_q;

typedef struct decl_list_row {
    char id[33], number[13], type_code[4], declarant[14], party[14], office[9];
    int kind, status, channel;
    int64_t customs_value, total_tax, created_at, registered_at, cleared_at, updated_at;
    char party_name[128];
    char claim_user[64], claim_name[128];
    int extension_hours; /* worklists: the inspection's limit extended by (working hours) */
} decl_list_row;

/* Newest first (created_at, id descending). Returns the count (<= q->limit) or <0. */
int store_decl_list(db_conn *c, const decl_list_q *q, decl_list_row *out);
/* Worklists: registered declarations in q->status (or status2), oldest first by the time the
 * declaration entered the queue (registered_at for the document check, updated_at for the
 * physical inspection when by_updated). */
int store_decl_worklist(db_conn *c, const decl_list_q *q, int by_updated, decl_list_row *out);

/* The working hours a declaration's inspection limit was extended by (0: never), or <0. */
int store_insp_extension_get(db_conn *c, const char *decl_id);
/* Adds hours to its extension, recording the instant, the person and the reason. 0 or <0. */
int store_insp_extension_add(db_conn *c, const char *decl_id, int hours, int64_t at,
                             const char *username, const char *reason);

typedef struct notif_row {
    char decl_id[33], number[13], action[40];
    int seq, from_status, to_status, channel;
    int64_t at, feed;
} notif_row;

/* Status changes of an enterprise's declarations after feed position `after`, in commit order. */
int store_notifications(db_conn *c, const char *party, int64_t after, notif_row *out, int max);
/* The feed position just before the first event at or after `at` (unix s). */
int64_t store_feed_position(db_conn *c, int64_t at);

typedef struct decl_version_row {
    int amendment;
    char *doc, *taxes; /* heap */
    int64_t replaced_at;
} decl_version_row;

/* The earlier versions of an amended declaration, oldest first (count, <0 error). */
int store_decl_versions(db_conn *c, const char *decl_id, decl_version_row *out, int max);

/* Normalises text for search: ASCII lower case, Vietnamese letters without diacritics
 * (đ -> d, ế -> e, ...), other bytes kept. out gets at most size-1 bytes. */
void store_fold(const char *in, char *out, size_t size);

#endif
