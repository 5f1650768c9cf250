#include "store/store_users.h"
#include "store/pack.h"

#include <ctype.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- people ------------------------------------------------------------------------------- */

int store_user_put(db_conn *c, const user_row *u)
{
    static const char sql[] =
        "INSERT INTO users (username, party, name, office, password, created_at, disabled)"
        " VALUES (?, ?, ?, ?, ?, ?, 0) ON CONFLICT (username) DO UPDATE SET party = excluded.party,"
        " name = excluded.name, office = excluded.office, password = excluded.password,"
        " disabled = 0";
    static const char role_sql[] = "INSERT INTO user_roles (username, role) VALUES (?, ?)"
                                   " ON CONFLICT (username, role) DO NOTHING";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, u->username);
    db_bind_text(c, st, 2, u->party);
    db_bind_text(c, st, 3, u->name);
    db_bind_text(c, st, 4, u->office);
    db_bind_text(c, st, 5, u->password);
    db_bind_int64(c, st, 6, u->created_at);
    int rc = db_run(c, st);
    for (int i = 0; rc == 0 && i < u->n_roles; i++) {
        if (!(st = db_prepare(c, role_sql)))
            return DB_ERR;
        db_bind_text(c, st, 1, u->username);
        db_bind_text(c, st, 2, u->roles[i]);
        rc = db_run(c, st);
    }
    return rc;
}

int store_user_get(db_conn *c, const char *username, user_row *out)
{
    static const char sql[] = "SELECT username, party, name, office, password, created_at, disabled"
                              " FROM users WHERE username = ?";
    /* roles in a stable order: the first is the one a session starts with */
    static const char roles_sql[] = "SELECT role FROM user_roles WHERE username = ? ORDER BY role";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    memset(out, 0, sizeof *out);
    db_bind_text(c, st, 1, username);
    int rc = db_step(c, st);
    if (rc == DB_ROW) {
        db_col_copy(c, st, 0, out->username, sizeof out->username);
        db_col_copy(c, st, 1, out->party, sizeof out->party);
        db_col_copy(c, st, 2, out->name, sizeof out->name);
        db_col_copy(c, st, 3, out->office, sizeof out->office);
        db_col_copy(c, st, 4, out->password, sizeof out->password);
        out->created_at = db_col_int64(c, st, 5);
        out->disabled = (int)db_col_int64(c, st, 6);
    }
    db_reset(c, st);
    if (rc != DB_ROW)
        return rc == DB_DONE ? 0 : rc;
    if (!(st = db_prepare(c, roles_sql)))
        return DB_ERR;
    db_bind_text(c, st, 1, username);
    while (out->n_roles < USER_MAX_ROLES && db_step(c, st) == DB_ROW)
        db_col_copy(c, st, 0, out->roles[out->n_roles++], sizeof out->roles[0]);
    db_reset(c, st);
    return 1;
}

/* ---- sessions ----------------------------------------------------------------------------- */

int store_session_put(db_conn *c, const char *id_hash, const session_row *s)
{
    static const char sql[] = "INSERT INTO sessions (id_hash, username, role, csrf, created_at,"
                              " seen_at) VALUES (?, ?, ?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, id_hash);
    db_bind_text(c, st, 2, s->username);
    db_bind_text(c, st, 3, s->role);
    db_bind_text(c, st, 4, s->csrf);
    db_bind_int64(c, st, 5, s->created_at);
    db_bind_int64(c, st, 6, s->seen_at);
    return db_run(c, st);
}

int store_session_get(db_conn *c, const char *id_hash, session_row *out)
{
    static const char sql[] =
        "SELECT username, role, csrf, created_at, seen_at FROM sessions WHERE id_hash = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, id_hash);
    int rc = db_step(c, st);
    if (rc == DB_ROW) {
        db_col_copy(c, st, 0, out->username, sizeof out->username);
        db_col_copy(c, st, 1, out->role, sizeof out->role);
        db_col_copy(c, st, 2, out->csrf, sizeof out->csrf);
        out->created_at = db_col_int64(c, st, 3);
        out->seen_at = db_col_int64(c, st, 4);
    }
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

int store_session_touch(db_conn *c, const char *id_hash, int64_t seen_at)
{
    static const char sql[] = "UPDATE sessions SET seen_at = ? WHERE id_hash = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, seen_at);
    db_bind_text(c, st, 2, id_hash);
    return db_run(c, st);
}

int store_session_set_role(db_conn *c, const char *id_hash, const char *role)
{
    static const char sql[] = "UPDATE sessions SET role = ? WHERE id_hash = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, role);
    db_bind_text(c, st, 2, id_hash);
    return db_run(c, st);
}

int store_session_delete(db_conn *c, const char *id_hash)
{
    static const char sql[] = "DELETE FROM sessions WHERE id_hash = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, id_hash);
    return db_run(c, st);
}

/* ---- sign-in failures ----------------------------------------------------------------------- */

int store_login_failures_get(db_conn *c, const char *username, int *failures, int64_t *last_at)
{
    static const char sql[] = "SELECT failures, last_at FROM login_failures WHERE username = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    *failures = 0;
    *last_at = 0;
    db_bind_text(c, st, 1, username);
    int rc = db_step(c, st);
    if (rc == DB_ROW) {
        *failures = (int)db_col_int64(c, st, 0);
        *last_at = db_col_int64(c, st, 1);
    }
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

int store_login_failure_add(db_conn *c, const char *username, int64_t at)
{
    static const char sql[] =
        "INSERT INTO login_failures (username, failures, last_at) VALUES (?, 1, ?)"
        " ON CONFLICT (username) DO UPDATE SET failures = login_failures.failures + 1,"
        " last_at = excluded.last_at";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, username);
    db_bind_int64(c, st, 2, at);
    return db_run(c, st);
}

int store_login_failures_clear(db_conn *c, const char *username)
{
    static const char sql[] = "DELETE FROM login_failures WHERE username = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, username);
    return db_run(c, st);
}

/* ---- tokens of people ----------------------------------------------------------------------- */

int store_token_owner_put(db_conn *c, const char *hash_hex, const char *username,
                          int64_t expires_at)
{
    static const char sql[] =
        "INSERT INTO token_owners (token_hash, username, expires_at) VALUES (?, ?, ?)";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, hash_hex);
    db_bind_text(c, st, 2, username);
    db_bind_int64(c, st, 3, expires_at);
    return db_run(c, st);
}

int store_token_owner_get(db_conn *c, const char *hash_hex, char username[64], char name[128],
                          char office[9], int64_t *expires_at)
{
    static const char sql[] =
        "SELECT o.username, COALESCE(u.name, ''), COALESCE(u.office, ''), o.expires_at,"
        " COALESCE(u.disabled, 0) FROM token_owners o LEFT JOIN users u ON u.username = o.username"
        " WHERE o.token_hash = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    username[0] = name[0] = office[0] = 0;
    *expires_at = 0;
    db_bind_text(c, st, 1, hash_hex);
    int rc = db_step(c, st);
    if (rc == DB_ROW) {
        db_col_copy(c, st, 0, username, 64);
        db_col_copy(c, st, 1, name, 128);
        db_col_copy(c, st, 2, office, 9);
        *expires_at = db_col_int64(c, st, 3);
        if (db_col_int64(c, st, 4)) /* a disabled person's tokens stop working */
            *expires_at = 1;
    }
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

static int count_changes(db_conn *c, const char *sql, const char *key)
{
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, key);
    int n = 0;
    while (db_step(c, st) == DB_ROW)
        n++;
    db_reset(c, st);
    return n;
}

int store_token_delete(db_conn *c, const char *hash_hex)
{
    static const char del[] = "DELETE FROM tokens WHERE token_hash = ? RETURNING token_hash";
    static const char del_owner[] =
        "DELETE FROM token_owners WHERE token_hash = ? RETURNING token_hash";
    int n = count_changes(c, del, hash_hex);
    if (n < 0 || count_changes(c, del_owner, hash_hex) < 0)
        return DB_ERR;
    return n > 0;
}

/* ---- search terms --------------------------------------------------------------------------- */

/* Base letters of U+00C0..U+017F, U+01A0..U+01B0 and U+1EA0..U+1EF9 ('?' = keep as is). */
static const char fold_latin1_a[] =
    "aaaaaa?ceeeeiiii?nooooo??uuuuy??aaaaaa?ceeeeiiii?nooooo??uuuuy?yaaaaaaccccccccddddeeeeeeeeee"
    "gggggggghh??iiiiiiiii???jjkk?llllll????nnnnnn???oooooo??rrrrrrsssssssstttt??uuuuuuuuuuuuwwyy"
    "yzzzzzz?";
static const char fold_horn[] = "oo?????????????uu";
static const char fold_viet[] =
    "aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooooooooooooooo"
    "uuuuuuuuuuuuuuyyyyyyyy";

static char fold_cp(unsigned cp)
{
    if (cp >= 0xC0 && cp <= 0x17F)
        return fold_latin1_a[cp - 0xC0];
    if (cp >= 0x1A0 && cp <= 0x1B0)
        return fold_horn[cp - 0x1A0];
    if (cp >= 0x1EA0 && cp <= 0x1EF9)
        return fold_viet[cp - 0x1EA0];
    return '?';
}

void store_fold(const char *in, char *out, size_t size)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t n = 0;
    if (!size)
        return;
    while (*p && n + 1 < size) {
        unsigned cp = 0;
        int len = 1;
        if (*p < 0x80) {
            out[n++] = (char)tolower(*p++);
            continue;
        }
        if ((*p & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80) {
            cp = ((unsigned)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
            len = 2;
        } else if ((*p & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
            cp = ((unsigned)(p[0] & 0x0F) << 12) | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
            len = 3;
        }
        if (cp >= 0x300 && cp <= 0x36F) { /* combining marks of decomposed input */
            p += len;
            continue;
        }
        char f = cp ? fold_cp(cp) : '?';
        if (f != '?') {
            out[n++] = f;
            p += len;
        } else { /* keep the bytes unchanged */
            for (int i = 0; i < len && *p && n + 1 < size; i++)
                out[n++] = (char)*p++;
            if (len > 1 && p[-1] && n + 1 >= size)
                break;
        }
    }
    out[n] = 0;
}

#define TERMS_MAX 128

typedef struct term_set {
    char t[TERMS_MAX][64];
    int n;
} term_set;

static void term_add(term_set *s, const char *w, size_t len)
{
    if (len < 2 || s->n >= TERMS_MAX)
        return;
    if (len > 63)
        len = 63;
    char buf[64];
    memcpy(buf, w, len);
    buf[len] = 0;
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->t[i], buf))
            return;
    memcpy(s->t[s->n++], buf, len + 1);
}

/* Splits folded text into words (letters and digits, '-' and '/' kept inside identifiers). */
static void terms_of_text(term_set *s, const char *text)
{
    char f[1024];
    if (!text)
        return;
    store_fold(text, f, sizeof f);
    const char *p = f;
    while (*p) {
        while (*p && !isalnum((unsigned char)*p) && !((unsigned char)*p & 0x80))
            p++;
        const char *w = p;
        while (*p && (isalnum((unsigned char)*p) || ((unsigned char)*p & 0x80) ||
                      ((*p == '-' || *p == '/' || *p == '.') && isalnum((unsigned char)p[1]))))
            p++;
        term_add(s, w, (size_t)(p - w));
    }
}

static const char *jstr(json_t *o, const char *a, const char *b)
{
    json_t *v = json_object_get(o, a);
    if (b)
        v = json_object_get(v, b);
    return json_string_value(v);
}

/* The terms of a declaration: its number (and the number without the amendment digit), the
 * parties, invoice, bills of lading, containers and goods of its document (packed or not). */
static void terms_collect(term_set *s, const char *number, const char *doc_json)
{
    /* the document may come packed already (store/pack.h: callers pack before the writer) */
    char *plain = doc_json ? store_unpack(doc_json) : NULL;
    json_t *doc = plain ? json_loads(plain, 0, NULL) : NULL;
    free(plain);
    if (number && *number) {
        term_add(s, number, strlen(number));
        if (strlen(number) == 12) /* the number without its amendment digit finds every version */
            term_add(s, number, 11);
    }
    if (doc) {
        static const char *const parties[] = {"importer", "exporter", "declarant", NULL};
        for (int i = 0; parties[i]; i++) {
            terms_of_text(s, jstr(doc, parties[i], "tax_code"));
            terms_of_text(s, jstr(doc, parties[i], "name"));
        }
        terms_of_text(s, jstr(doc, "invoice", "number"));
        json_t *tr = json_object_get(doc, "transport"), *v;
        size_t i;
        json_array_foreach(json_object_get(tr, "bills_of_lading"), i, v)
            terms_of_text(s, json_string_value(v));
        json_array_foreach(json_object_get(tr, "containers"), i, v)
            terms_of_text(s, json_string_value(v));
        json_array_foreach(json_object_get(doc, "items"), i, v)
        {
            terms_of_text(s, jstr(v, "description", NULL));
            terms_of_text(s, jstr(v, "hs_code", NULL));
        }
        json_decref(doc);
    }
}

char *store_decl_terms_of(const char *number, const char *doc_json, int *n)
{
    term_set *s = calloc(1, sizeof *s);
    char *out = NULL;
    *n = 0;
    if (!s)
        return NULL;
    terms_collect(s, number, doc_json);
    size_t len = 1;
    for (int i = 0; i < s->n; i++)
        len += strlen(s->t[i]) + 1;
    if ((out = malloc(len))) {
        size_t k = 0;
        for (int i = 0; i < s->n; i++) {
            size_t l = strlen(s->t[i]) + 1;
            memcpy(out + k, s->t[i], l);
            k += l;
        }
        out[k] = 0;
        *n = s->n;
    }
    free(s);
    return out;
}

/* A declaration's terms go in as few statements as the binary digits of their number (38
 * terms: 32 + 4 + 2 rows), not one each: a statement's fixed cost (a round trip's share, the
 * executor's start, the index look-ups) was most of a registration's time on PostgreSQL.
 * terms_sql[k] inserts 2^k rows, ?1 the declaration. */
#define TERMS_SQL_N 8 /* up to 128 rows = TERMS_MAX */
static char *terms_sql[2][TERMS_SQL_N];
static pthread_once_t terms_once = PTHREAD_ONCE_INIT;

/* terms_sql[1]: without ON CONFLICT, for a new declaration's terms (a set: term_add keeps each
 * once; the id is new): PostgreSQL checks an ON CONFLICT row's key with an index search of its
 * own before the insert searches again -- ~40 searches per registration (perf: 9 % of the
 * writer backend's CPU went to the ON CONFLICT checks). */
static void terms_sql_init(void)
{
    /* the live path writes into the recent table (schema migration 18), which the writer merges
     * into decl_terms in term order (store_decl_terms_merge): see there for why */
    static const char head[] = "INSERT INTO decl_terms_recent (term, decl_id) VALUES ";
    static const char tails[2][48] = {" ON CONFLICT (term, decl_id) DO NOTHING", ""};
    for (int v = 0; v < 2; v++) {
        const char *tail = tails[v];
        for (int k = 0; k < TERMS_SQL_N; k++) {
            int rows = 1 << k;
            size_t cap = sizeof head + sizeof tails[v] + (size_t)rows * 16, n;
            char *q = malloc(cap);
            if (!q)
                return;
            n = (size_t)snprintf(q, cap, "%s", head);
            for (int i = 0; i < rows; i++)
                n += (size_t)snprintf(q + n, cap - n, "%s(?%d, ?1)", i ? ", " : "", i + 2);
            snprintf(q + n, cap - n, "%s", tail);
            terms_sql[v][k] = q;
        }
    }
}

/* Rows this process wrote into decl_terms_recent since the writer last took the count
 * (store_decl_terms_recent_take): the writer's estimate of the table's size grows by it. Rows of
 * a job that was rolled back count too: an estimate, corrected by a recount at each pass. */
static _Atomic long terms_recent_added;

long store_decl_terms_recent_take(void) { return atomic_exchange(&terms_recent_added, 0); }

/* fresh: the declaration is new (no row of it can exist): plain INSERTs */
static int terms_write(db_conn *c, const char *decl_id, const char *const *terms, int n, int fresh)
{
    int rc = 0;
    pthread_once(&terms_once, terms_sql_init);
    for (int i = 0; rc == 0 && i < n;) {
        int k = TERMS_SQL_N - 1;
        while ((1 << k) > n - i)
            k--;
        const char *sql = terms_sql[fresh ? 1 : 0][k];
        db_stmt *st = sql ? db_prepare(c, sql) : NULL;
        if (!st)
            return DB_ERR;
        unsigned char idb[16];
        db_bind_id16_buf(c, st, 1, decl_id, idb); /* 16 bytes (schema migration 16) */
        for (int j = 0; j < 1 << k; j++)
            db_bind_text_static(c, st, 2 + j, terms[i + j]);
        rc = db_run_nowait(c, st);
        i += 1 << k;
    }
    if (rc == 0)
        atomic_fetch_add(&terms_recent_added, (long)n);
    return rc;
}

int store_decl_terms_insert(db_conn *c, const char *decl_id, const char *terms, int n)
{
    const char *t[TERMS_MAX];
    int k = 0, rc = 0;
    for (int i = 0; i < n; i++, terms += strlen(terms) + 1) {
        t[k++] = terms;
        if (k == TERMS_MAX || i == n - 1) {
            if ((rc = terms_write(c, decl_id, t, k, 1)) != 0)
                break;
            k = 0;
        }
    }
    return rc;
}

/* TERM_ROWS rows per statement for a bulk writer: a statement's set-up, halt and reset cost
 * about as much as one row's B-tree insert */
#define TERM_ROWS 64
static char terms_many_sql[64 + TERM_ROWS * 8 + 64];
static pthread_once_t terms_many_once = PTHREAD_ONCE_INIT;

static void terms_many_init(void)
{
    db_values_sql(terms_many_sql, sizeof terms_many_sql,
                  "INSERT INTO decl_terms (term, decl_id) VALUES ", "(?, ?)", TERM_ROWS,
                  " ON CONFLICT (term, decl_id) DO NOTHING");
}

/* store_decl_terms_insert_pairs16's rows: two arrays */
typedef struct term_pairs {
    const char *const *terms;
    const unsigned char *const *ids16;
} term_pairs;

static void term_pair_bind(db_conn *c, db_stmt *st, int k, const void *rows, long i)
{
    const term_pairs *p = rows;
    db_bind_text_static(c, st, k + 1, p->terms[i]);
    db_bind_blob_static(c, st, k + 2, p->ids16[i], 16);
}

int store_decl_terms_insert_pairs16(db_conn *c, const char *const *terms,
                                    const unsigned char *const *ids16, long n)
{
    static const char one[] = "INSERT INTO decl_terms (term, decl_id) VALUES (?, ?)"
                              " ON CONFLICT (term, decl_id) DO NOTHING";
    const term_pairs rows = {terms, ids16};
    pthread_once(&terms_many_once, terms_many_init);
    return db_insert_rows(c, terms_many_sql, TERM_ROWS, 2, one, &rows, n, term_pair_bind);
}

static int term_set_has(const term_set *s, const char *t)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->t[i], t))
            return 1;
    return 0;
}

/* One B-tree keyed (term, decl_id) and no index by declaration (schema migration 12: the terms
 * were ~40 % of a database's bytes when stored three times), so the terms to delete are found
 * from the previous number and document rather than by decl_id: only the difference is written.
 * A term may be in either table (schema migration 18: decl_terms, or decl_terms_recent until the
 * writer merges it), so both are deleted from: the recent table first. On PostgreSQL with several
 * servers a merge and an amendment are serialised by the writer's lock anyway (db_pg.c); were they
 * not, this order still holds: a merge that moved the row first is seen by the second DELETE (a
 * new snapshot per statement), one that comes later finds the row gone. */
int store_decl_terms_replace(db_conn *c, const char *decl_id, const char *old_number,
                             const char *old_doc, const char *number, const char *doc_json)
{
    static const char del[2][64] = {"DELETE FROM decl_terms_recent WHERE term = ? AND decl_id = ?",
                                    "DELETE FROM decl_terms WHERE term = ? AND decl_id = ?"};
    term_set *was = calloc(1, sizeof *was), *now = calloc(1, sizeof *now);
    int rc = was && now ? DB_OK : DB_ERR;
    if (rc == DB_OK) {
        if (old_number || old_doc)
            terms_collect(was, old_number, old_doc);
        terms_collect(now, number, doc_json);
    }
    for (int i = 0; rc == DB_OK && i < was->n; i++) {
        if (term_set_has(now, was->t[i]))
            continue;
        for (int t = 0; rc == DB_OK && t < 2; t++) {
            db_stmt *st = db_prepare(c, del[t]);
            if (!st) {
                rc = DB_ERR;
                break;
            }
            db_bind_text(c, st, 1, was->t[i]);
            db_bind_id16(c, st, 2, decl_id);
            rc = db_run_nowait(c, st);
        }
    }
    const char *added[TERMS_MAX];
    int n_added = 0;
    for (int i = 0; rc == DB_OK && i < now->n; i++)
        if (!term_set_has(was, now->t[i]))
            added[n_added++] = now->t[i];
    if (rc == DB_OK && n_added)
        rc = terms_write(c, decl_id, added, n_added, 0);
    free(was);
    free(now);
    return rc;
}

int store_decl_terms_new(db_conn *c, const char *decl_id, const char *number, const char *doc_json)
{
    term_set *now = calloc(1, sizeof *now);
    int rc = now ? DB_OK : DB_ERR;
    if (rc == DB_OK) {
        const char *t[TERMS_MAX];
        terms_collect(now, number, doc_json);
        for (int i = 0; i < now->n; i++)
            t[i] = now->t[i];
        if (now->n)
            rc = terms_write(c, decl_id, t, now->n, 1);
    }
    free(now);
    return rc;
}

int store_decl_terms_add_number(db_conn *c, const char *decl_id, const char *number)
{
    /* the number, and its first 11 digits that stay the same across amendments */
    size_t len = number ? strlen(number) : 0;
    char t[2][16];
    const char *tp[2] = {t[0], t[1]};
    if (!len)
        return 0;
    snprintf(t[0], sizeof t[0], "%s", number);
    snprintf(t[1], sizeof t[1], "%.11s", number);
    return terms_write(c, decl_id, tp, len == 12 ? 2 : 1, 0);
}

/* ---- the recent terms' merge (schema migration 18) ---------------------------------------- */

/* Why a recent table and a merge: a declaration's ~39 terms are spread over the whole key space,
 * so inserted into decl_terms (1.4 GB at 1,000,000 declarations) each lands on a leaf of its own,
 * which the commit rewrites into the WAL and the writer's cache has usually dropped: +11..15 % CPU
 * per registration at 1,000,000 (docs/performance.md, stop 16). Inserted into a small B-tree of
 * the same key they land on leaves that stay cached and are shared by many declarations. The
 * merge then moves a slice of the recent table, consecutive in term order, into decl_terms in one
 * statement: its rows go down the big tree left to right (each leaf read and written once for all
 * the slice's rows on it), in a transaction of its own between two of the writer's batches, small
 * enough (store.c: TERMS_MERGE_ROWS) that the registrations queued behind it wait a few ms, not a
 * whole merge of the table. The slices walk the key space from a cursor and wrap around, so each
 * row waits at most one pass. */

/* The last term of the next slice: the term `rows` rows after the cursor (the slice takes all
 * rows of that term too, so that the next one starts after it: a cursor is a term). */
static const char merge_hi[] =
    "SELECT term FROM decl_terms_recent WHERE term > ? ORDER BY term LIMIT 1 OFFSET ?";
/* ON CONFLICT: a row may be in both tables (an amendment's term re-added while decl_terms still
 * had it); the INSERT ... SELECT and the DELETE run in one write transaction, under the writer's
 * lock on PostgreSQL, so no row is written meanwhile between the two statements */
static const char merge_ins[] =
    "INSERT INTO decl_terms (term, decl_id) SELECT term, decl_id FROM decl_terms_recent"
    " WHERE term > ? AND term <= ? ORDER BY term, decl_id ON CONFLICT (term, decl_id) DO NOTHING";
static const char merge_del[] = "DELETE FROM decl_terms_recent WHERE term > ? AND term <= ?";
static const char merge_ins_end[] =
    "INSERT INTO decl_terms (term, decl_id) SELECT term, decl_id FROM decl_terms_recent"
    " WHERE term > ? ORDER BY term, decl_id ON CONFLICT (term, decl_id) DO NOTHING";
static const char merge_del_end[] = "DELETE FROM decl_terms_recent WHERE term > ?";

int store_decl_terms_merge(db_conn *c, int rows, char cursor[TERM_CURSOR], int *wrapped)
{
    char hi[TERM_CURSOR] = "";
    int found = 0, rc;
    *wrapped = 0;
    if (rows < 1)
        rows = 1;
    db_stmt *st = db_prepare(c, merge_hi);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, cursor);
    db_bind_int64(c, st, 2, rows - 1);
    rc = db_step(c, st);
    if (rc == DB_ROW) {
        db_col_copy(c, st, 0, hi, sizeof hi);
        found = 1;
    }
    db_reset(c, st);
    if (rc != DB_ROW && rc != DB_DONE)
        return rc < 0 ? rc : DB_ERR;
    for (int k = 0; k < 2; k++) {
        const char *sql = found ? (k ? merge_del : merge_ins) : (k ? merge_del_end : merge_ins_end);
        if (!(st = db_prepare(c, sql)))
            return DB_ERR;
        db_bind_text(c, st, 1, cursor);
        if (found)
            db_bind_text(c, st, 2, hi);
        if ((rc = db_run(c, st)) != 0)
            return rc;
    }
    if (found) {
        snprintf(cursor, TERM_CURSOR, "%s", hi);
        return rows;
    }
    cursor[0] = 0; /* the end of the key space: the next slice starts again from the first term */
    *wrapped = 1;
    return 0;
}

int store_decl_terms_recent_count(db_conn *c, long *n)
{
    static const char sql[] = "SELECT COUNT(*) FROM decl_terms_recent";
    int64_t v = 0;
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    int rc = db_row(c, st, &v, db_read_int64);
    *n = (long)v;
    return rc == 1 ? 0 : rc < 0 ? rc : DB_ERR;
}

/* ---- claims --------------------------------------------------------------------------------- */

int store_claim_put(db_conn *c, const char *decl_id, const char *username, const char *name,
                    int64_t at)
{
    static const char sql[] =
        "INSERT INTO decl_claims (decl_id, username, name, at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (decl_id) DO UPDATE SET username = excluded.username, name = excluded.name,"
        " at = excluded.at";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    db_bind_text(c, st, 2, username);
    db_bind_text(c, st, 3, name);
    db_bind_int64(c, st, 4, at);
    return db_run(c, st);
}

int store_claim_get(db_conn *c, const char *decl_id, char username[64], char name[128], int64_t *at)
{
    static const char sql[] = "SELECT username, name, at FROM decl_claims WHERE decl_id = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    int rc = db_step(c, st);
    if (rc == DB_ROW) {
        db_col_copy(c, st, 0, username, 64);
        db_col_copy(c, st, 1, name, 128);
        *at = db_col_int64(c, st, 2);
    }
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}
