/* e-Office lists: declarations by filter (cursor-paginated), officers' worklists, enterprises'
 * status-change feed. Literal SQL only (the statement cache is keyed by the string's address):
 * one statement per shape, and optional filters written as (? = '' OR col = ?) on top of the
 * part that drives the index. */
#include <stdlib.h>
#include <string.h>

#include "core/decl.h"

#include "store/pack.h"
#include "store/store_users.h"

#define LIST_SELECT                                                                                \
    "SELECT d.id, d.number, d.kind, d.type_code, d.status, d.channel, d.declarant, d.party,"       \
    " d.office, d.customs_value, d.total_tax, d.created_at, d.registered_at, d.cleared_at,"        \
    " d.updated_at, COALESCE(p.name, ''), COALESCE(k.username, ''), COALESCE(k.name, ''),"
#define LIST_FROM                                                                                  \
    " FROM declarations d LEFT JOIN parties p ON p.tax_code = d.party"                             \
    " LEFT JOIN decl_claims k ON k.decl_id = d.id"
/* the last column: the working hours the inspection's limit was extended by (schema migration
 * 19), which only the worklists show */
#define LIST_COLS LIST_SELECT " 0" LIST_FROM
#define WL_COLS                                                                                    \
    LIST_SELECT " COALESCE(x.working_hours, 0)" LIST_FROM                                          \
                " LEFT JOIN inspection_extensions x ON x.decl_id = d.id"

/* ?1 status ?2 channel ?3 office ?4 type_code ?5 from ?6 to ?7 cursor_at ?8 cursor_id */
#define LIST_FILTERS                                                                               \
    " (?1 = 0 OR d.status = ?1) AND (?2 = 0 OR d.channel = ?2) AND (?3 = '' OR d.office = ?3)"     \
    " AND (?4 = '' OR d.type_code = ?4) AND d.created_at >= ?5 AND d.created_at < ?6"              \
    " AND (d.created_at < ?7 OR (d.created_at = ?7 AND d.id < ?8))"

/* ?9 party; ?10..?15 three search words as [lo, hi) */
#define LIST_PARTY " AND (d.party = ?9 OR d.declarant = ?9)"
/* decl_terms keeps the declaration id as 16 bytes (schema migration 16): decode(d.id, 'hex')
 * compares with it, and also keeps the planner from driving the query by the matches' ids
 * (then sorting them all): it walks the created_at index newest first and stops after a page.
 * Every term query reads decl_terms and decl_terms_recent (schema migration 18: the live path's
 * terms wait there until the writer merges them), each by its own key range; a row may be in
 * both for a while (store_users.c), which IN and EXISTS do not count twice and the one join
 * (TERMS_COLS) removes with UNION. */
#define LIST_TERMS_ALL                                                                             \
    " AND decode(d.id, 'hex') IN (SELECT decl_id FROM decl_terms WHERE term >= ?10 AND term < ?11" \
    " UNION ALL SELECT decl_id FROM decl_terms_recent WHERE term >= ?10 AND term < ?11)"           \
    " AND decode(d.id, 'hex') IN (SELECT decl_id FROM decl_terms WHERE term >= ?12 AND term < ?13" \
    " UNION ALL SELECT decl_id FROM decl_terms_recent WHERE term >= ?12 AND term < ?13)"           \
    " AND decode(d.id, 'hex') IN (SELECT decl_id FROM decl_terms WHERE term >= ?14 AND term < ?15" \
    " UNION ALL SELECT decl_id FROM decl_terms_recent WHERE term >= ?14 AND term < ?15)"
#define LIST_ORDER " ORDER BY d.created_at DESC, d.id DESC LIMIT ?16"

static const char list_all[] = LIST_COLS " WHERE" LIST_FILTERS " AND ?9 = '' AND ?10 = ?11"
                                         " AND ?12 = ?13 AND ?14 = ?15" LIST_ORDER;
/* A status or a channel asked for: the same filters, with the column's equality written plainly
 * so that its (column, created_at) index (schema migration 14) drives the walk newest first and
 * stops after a page. (?1 = 0 OR d.status = ?1) hides the column from the planner: it walked the
 * whole created_at index instead, reading each row to test it (cleared and red: 70 ms of CPU at
 * 100,000 declarations, docs/performance.md). */
#define LIST_REST_NO_TERMS " AND ?9 = '' AND ?10 = ?11 AND ?12 = ?13 AND ?14 = ?15" LIST_ORDER
#define LIST_FILTERS_TAIL                                                                          \
    " AND (?3 = '' OR d.office = ?3)"                                                              \
    " AND (?4 = '' OR d.type_code = ?4) AND d.created_at >= ?5 AND d.created_at < ?6"              \
    " AND (d.created_at < ?7 OR (d.created_at = ?7 AND d.id < ?8))"
static const char list_by_status[] = LIST_COLS
    " WHERE d.status = ?1 AND (?2 = 0 OR d.channel = ?2)" LIST_FILTERS_TAIL LIST_REST_NO_TERMS;
static const char list_by_channel[] = LIST_COLS
    " WHERE d.channel = ?2 AND (?1 = 0 OR d.status = ?1)" LIST_FILTERS_TAIL LIST_REST_NO_TERMS;
static const char list_party[] = LIST_COLS " WHERE" LIST_FILTERS LIST_PARTY " AND ?10 = ?11"
                                           " AND ?12 = ?13 AND ?14 = ?15" LIST_ORDER;
/* (CROSS JOIN without ON, its condition in WHERE: PostgreSQL has no CROSS JOIN ... ON.)
 * A search starts from the declarations its first (longest) word matches — CROSS JOIN keeps
 * SQLite's join order, so a rare word (a number, a container) reads a handful of rows instead of
 * walking the whole created_at index — then sorts those matches by time. */
#define TERMS_COLS                                                                                 \
    "SELECT d.id, d.number, d.kind, d.type_code, d.status, d.channel, d.declarant, d.party,"       \
    " d.office, d.customs_value, d.total_tax, d.created_at, d.registered_at, d.cleared_at,"        \
    " d.updated_at, COALESCE(p.name, ''), COALESCE(k.username, ''), COALESCE(k.name, ''), 0"       \
    " FROM (SELECT decl_id FROM decl_terms WHERE term >= ?10 AND term < ?11"                       \
    " UNION SELECT decl_id FROM decl_terms_recent WHERE term >= ?10 AND term < ?11) AS t"          \
    " CROSS JOIN declarations d"                                                                   \
    " LEFT JOIN parties p ON p.tax_code = d.party LEFT JOIN decl_claims k ON k.decl_id = d.id"     \
    " WHERE d.id = encode(t.decl_id, 'hex') AND"
#define TERMS_REST                                                                                 \
    " AND d.id IN (SELECT encode(decl_id, 'hex') FROM decl_terms WHERE term >= ?12 AND term < ?13" \
    " UNION ALL SELECT encode(decl_id, 'hex') FROM decl_terms_recent WHERE term >= ?12 AND term "  \
    "< ?13)"                                                                                       \
    " AND d.id IN (SELECT encode(decl_id, 'hex') FROM decl_terms WHERE term >= ?14 AND term < ?15" \
    " UNION ALL SELECT encode(decl_id, 'hex') FROM decl_terms_recent WHERE term >= ?14 AND term "  \
    "< ?15)"
static const char list_terms[] = TERMS_COLS LIST_FILTERS " AND ?9 = ''" TERMS_REST LIST_ORDER;
static const char list_party_terms[] = TERMS_COLS LIST_FILTERS LIST_PARTY TERMS_REST LIST_ORDER;
/* A common word (thousands of matches) is the other way round: walk the newest declarations and
 * keep those whose id is among the matches, which stops after a page. */
static const char list_terms_scan[] =
    LIST_COLS " WHERE" LIST_FILTERS " AND ?9 = ''" LIST_TERMS_ALL LIST_ORDER;
static const char list_party_terms_scan[] =
    LIST_COLS " WHERE" LIST_FILTERS LIST_PARTY LIST_TERMS_ALL LIST_ORDER;
/* ... with one or two words: the missing words' subqueries are not repeated (each one read and
 * kept every match of its word: three times the work for one word) */
#define LIST_TERMS_1                                                                               \
    " AND decode(d.id, 'hex') IN (SELECT decl_id FROM decl_terms WHERE term >= ?10 AND term < ?11" \
    " UNION ALL SELECT decl_id FROM decl_terms_recent WHERE term >= ?10 AND term < ?11)"           \
    " AND ?12 = ?13 AND ?14 = ?15"
#define LIST_TERMS_2                                                                               \
    " AND decode(d.id, 'hex') IN (SELECT decl_id FROM decl_terms WHERE term >= ?10 AND term < ?11" \
    " UNION ALL SELECT decl_id FROM decl_terms_recent WHERE term >= ?10 AND term < ?11)"           \
    " AND decode(d.id, 'hex') IN (SELECT decl_id FROM decl_terms WHERE term >= ?12 AND term < ?13" \
    " UNION ALL SELECT decl_id FROM decl_terms_recent WHERE term >= ?12 AND term < ?13)"           \
    " AND ?14 = ?15"
static const char list_terms_scan1[] =
    LIST_COLS " WHERE" LIST_FILTERS " AND ?9 = ''" LIST_TERMS_1 LIST_ORDER;
static const char list_party_terms_scan1[] =
    LIST_COLS " WHERE" LIST_FILTERS LIST_PARTY LIST_TERMS_1 LIST_ORDER;
static const char list_terms_scan2[] =
    LIST_COLS " WHERE" LIST_FILTERS " AND ?9 = ''" LIST_TERMS_2 LIST_ORDER;
static const char list_party_terms_scan2[] =
    LIST_COLS " WHERE" LIST_FILTERS LIST_PARTY LIST_TERMS_2 LIST_ORDER;
/* A word most declarations have ("goods", a seeded container): keeping all of its matches cost
 * more than the page (one word: 186 ms of CPU at 100,000 declarations). When each word is a few
 * distinct terms (its prefix range holds at most WORD_TERMS), each row of the newest-first walk
 * is tested by primary-key lookups of (term, decl_id) instead: ?17.. are the words' terms, eight
 * a word, a word with fewer repeating its last. */
#define WORD_TERMS 8
/* (string macros, not a function-like one: scripts/explain-queries.py expands these) */
#define DENSE_1                                                                                    \
    " AND (EXISTS (SELECT 1 FROM decl_terms x WHERE x.decl_id = decode(d.id, 'hex') AND x.term IN" \
    " (?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)) OR EXISTS (SELECT 1 FROM decl_terms_recent x "     \
    "WHERE x.decl_id = decode(d.id, 'hex')"                                                        \
    " AND x.term IN (?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)))"
#define DENSE_2                                                                                    \
    DENSE_1                                                                                        \
    " AND (EXISTS (SELECT 1 FROM decl_terms x WHERE x.decl_id = decode(d.id, 'hex') AND x.term IN" \
    " (?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)) OR EXISTS (SELECT 1 FROM decl_terms_recent x "     \
    "WHERE x.decl_id = decode(d.id, 'hex')"                                                        \
    " AND x.term IN (?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)))"
#define DENSE_3                                                                                    \
    DENSE_2                                                                                        \
    " AND (EXISTS (SELECT 1 FROM decl_terms x WHERE x.decl_id = decode(d.id, 'hex') AND x.term IN" \
    " (?33, ?34, ?35, ?36, ?37, ?38, ?39, ?40)) OR EXISTS (SELECT 1 FROM decl_terms_recent x "     \
    "WHERE x.decl_id = decode(d.id, 'hex')"                                                        \
    " AND x.term IN (?33, ?34, ?35, ?36, ?37, ?38, ?39, ?40)))"
#define DENSE_REST " AND ?10 = ?11 AND ?12 = ?13 AND ?14 = ?15"
static const char list_dense1[] =
    LIST_COLS " WHERE" LIST_FILTERS " AND ?9 = ''" DENSE_1 DENSE_REST LIST_ORDER;
static const char list_dense2[] =
    LIST_COLS " WHERE" LIST_FILTERS " AND ?9 = ''" DENSE_2 DENSE_REST LIST_ORDER;
static const char list_dense3[] =
    LIST_COLS " WHERE" LIST_FILTERS " AND ?9 = ''" DENSE_3 DENSE_REST LIST_ORDER;
static const char list_party_dense1[] =
    LIST_COLS " WHERE" LIST_FILTERS LIST_PARTY DENSE_1 DENSE_REST LIST_ORDER;
static const char list_party_dense2[] =
    LIST_COLS " WHERE" LIST_FILTERS LIST_PARTY DENSE_2 DENSE_REST LIST_ORDER;
static const char list_party_dense3[] =
    LIST_COLS " WHERE" LIST_FILTERS LIST_PARTY DENSE_3 DENSE_REST LIST_ORDER;
/* the dense walk is chosen when at least DENSE_SAMPLE_HITS of the newest DENSE_SAMPLE
 * declarations have the first word: a page of 50 is then found within ~1,000 rows */
#define DENSE_SAMPLE 200
#define DENSE_SAMPLE_HITS 10
static const char dense_sample[] =
    "SELECT COUNT(*) FROM (SELECT d.id FROM declarations d ORDER BY d.created_at DESC"
    " LIMIT 200) AS s WHERE EXISTS (SELECT 1 FROM decl_terms x WHERE x.decl_id = decode(s.id, "
    "'hex') AND x.term IN (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)) OR EXISTS (SELECT 1 FROM"
    " decl_terms_recent x WHERE x.decl_id = decode(s.id, 'hex') AND x.term IN"
    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8))";
#define COMMON_TERM 500

/* How many declarations the word [lo, hi) matches, counted up to COMMON_TERM. */
static int term_matches(db_conn *c, const char *lo, const char *hi)
{
    /* both tables (schema migration 18), each counted up to COMMON_TERM */
    static const char sql[] =
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM decl_terms WHERE term >= ?1 AND term < ?2"
        " LIMIT 500) AS x) + (SELECT COUNT(*) FROM (SELECT 1 FROM decl_terms_recent WHERE"
        " term >= ?1 AND term < ?2 LIMIT 500) AS y)";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, lo);
    db_bind_text(c, st, 2, hi);
    int n = db_step(c, st) == DB_ROW ? (int)db_col_int64(c, st, 0) : DB_ERR;
    db_reset(c, st);
    return n;
}

/* The distinct terms of the word [lo, hi), one primary-key seek each: the count (<= WORD_TERMS)
 * into out, WORD_TERMS + 1 when there are more, or <0. */
static int word_terms(db_conn *c, const char *lo, const char *hi, char out[WORD_TERMS][64])
{
    /* the first of each table's (schema migration 18): two seeks */
    static const char first[] =
        "SELECT term FROM (SELECT term FROM (SELECT term FROM decl_terms WHERE term >= ?1"
        " AND term < ?2 ORDER BY term LIMIT 1) AS a UNION ALL SELECT term FROM (SELECT term FROM"
        " decl_terms_recent WHERE term >= ?1 AND term < ?2 ORDER BY term LIMIT 1) AS b) AS x"
        " ORDER BY term LIMIT 1";
    static const char next[] =
        "SELECT term FROM (SELECT term FROM (SELECT term FROM decl_terms WHERE term > ?1"
        " AND term < ?2 ORDER BY term LIMIT 1) AS a UNION ALL SELECT term FROM (SELECT term FROM"
        " decl_terms_recent WHERE term > ?1 AND term < ?2 ORDER BY term LIMIT 1) AS b) AS x"
        " ORDER BY term LIMIT 1";
    int n = 0;
    for (;;) {
        db_stmt *st = db_prepare(c, n ? next : first);
        if (!st)
            return DB_ERR;
        db_bind_text(c, st, 1, n ? out[n - 1] : lo);
        db_bind_text(c, st, 2, hi);
        int rc = db_step(c, st);
        if (rc == DB_ROW && n == WORD_TERMS) {
            db_reset(c, st);
            return WORD_TERMS + 1;
        }
        if (rc == DB_ROW)
            db_col_copy(c, st, 0, out[n++], sizeof out[0]);
        db_reset(c, st);
        if (rc == DB_DONE)
            return n;
        if (rc != DB_ROW)
            return DB_ERR;
    }
}

/* Binds a word's terms to ?first..?first+7, the last repeated (a word has one at least). */
static void bind_word(db_conn *c, db_stmt *st, int first, char terms[WORD_TERMS][64], int n)
{
    for (int i = 0; i < WORD_TERMS; i++)
        db_bind_text(c, st, first + i, terms[i < n ? i : n - 1]);
}

/* How many of the newest DENSE_SAMPLE declarations have one of the word's terms, or <0. */
static int dense_hits(db_conn *c, char terms[WORD_TERMS][64], int n)
{
    db_stmt *st = db_prepare(c, dense_sample);
    if (!st)
        return DB_ERR;
    bind_word(c, st, 1, terms, n);
    int hits = db_step(c, st) == DB_ROW ? (int)db_col_int64(c, st, 0) : DB_ERR;
    db_reset(c, st);
    return hits;
}

static void read_row(db_conn *c, db_stmt *st, decl_list_row *r)
{
    memset(r, 0, sizeof *r);
    db_col_copy(c, st, 0, r->id, sizeof r->id);
    db_col_copy(c, st, 1, r->number, sizeof r->number);
    r->kind = (int)db_col_int64(c, st, 2);
    db_col_copy(c, st, 3, r->type_code, sizeof r->type_code);
    r->status = (int)db_col_int64(c, st, 4);
    r->channel = (int)db_col_int64(c, st, 5);
    db_col_copy(c, st, 6, r->declarant, sizeof r->declarant);
    db_col_copy(c, st, 7, r->party, sizeof r->party);
    db_col_copy(c, st, 8, r->office, sizeof r->office);
    r->customs_value = db_col_int64(c, st, 9);
    r->total_tax = db_col_int64(c, st, 10);
    r->created_at = db_col_int64(c, st, 11);
    r->registered_at = db_col_int64(c, st, 12);
    r->cleared_at = db_col_int64(c, st, 13);
    r->updated_at = db_col_int64(c, st, 14);
    db_col_copy(c, st, 15, r->party_name, sizeof r->party_name);
    db_col_copy(c, st, 16, r->claim_user, sizeof r->claim_user);
    db_col_copy(c, st, 17, r->claim_name, sizeof r->claim_name);
    r->extension_hours = (int)db_col_int64(c, st, 18);
}

int store_decl_list(db_conn *c, const decl_list_q *q, decl_list_row *out)
{
    static const char *const scans[2][3] = {
        {list_terms_scan1, list_terms_scan2, list_terms_scan},
        {list_party_terms_scan1, list_party_terms_scan2, list_party_terms_scan}};
    static const char *const dense[2][3] = {
        {list_dense1, list_dense2, list_dense3},
        {list_party_dense1, list_party_dense2, list_party_dense3}};
    const char *sql = q->party[0] ? (q->n_terms ? list_party_terms : list_party)
                                  : (q->n_terms ? list_terms : list_all);
    /* a status or channel without words or party: the walk of its own index; both: the channel's
     * when it is yellow or red (the rarer), else the status's */
    if (!q->party[0] && !q->n_terms && (q->status || q->channel))
        sql =
            q->channel && (q->channel != CH_GREEN || !q->status) ? list_by_channel : list_by_status;
    char(*terms)[WORD_TERMS][64] = NULL;
    int n_word_terms[3] = {0, 0, 0}, use_dense = 0, party = q->party[0] != 0;
    int words = q->n_terms > 3 ? 3 : q->n_terms;
    if (words) {
        int m = term_matches(c, q->terms[0][0], q->terms[0][1]);
        if (m < 0)
            return m;
        if (m >= COMMON_TERM) {
            sql = scans[party][words - 1];
            if (!(terms = calloc(3, sizeof *terms)))
                return DB_ERR;
            use_dense = 1;
            for (int w = 0; w < words && use_dense; w++) {
                int n = word_terms(c, q->terms[w][0], q->terms[w][1], terms[w]);
                if (n < 0) {
                    free(terms);
                    return n;
                }
                n_word_terms[w] = n;
                use_dense = n >= 1 && n <= WORD_TERMS;
            }
            if (use_dense) {
                int hits = dense_hits(c, terms[0], n_word_terms[0]);
                if (hits < 0) {
                    free(terms);
                    return hits;
                }
                use_dense = hits >= DENSE_SAMPLE_HITS;
            }
            if (use_dense)
                sql = dense[party][words - 1];
        }
    }
    db_stmt *st = db_prepare(c, sql);
    if (!st) {
        free(terms);
        return DB_ERR;
    }
    db_bind_int64(c, st, 1, q->status);
    db_bind_int64(c, st, 2, q->channel);
    db_bind_text(c, st, 3, q->office);
    db_bind_text(c, st, 4, q->type_code);
    db_bind_int64(c, st, 5, q->from);
    db_bind_int64(c, st, 6, q->to);
    db_bind_int64(c, st, 7, q->cursor_at);
    db_bind_text(c, st, 8, q->cursor_id);
    db_bind_text(c, st, 9, q->party);
    /* fewer than three words: the missing ones repeat the first (same rows) in the statements
     * that test three; the one- and two-word scans test "?lo = ?hi" for the missing ones, the
     * dense walk for all three (its words are in ?17..) */
    int blank_from = use_dense ? 0 : (sql == scans[party][0] || sql == scans[party][1]) ? words : 3;
    for (int i = 0; i < 3; i++) {
        int k = i < q->n_terms ? i : 0;
        int blank = !q->n_terms || i >= blank_from;
        db_bind_text(c, st, 10 + 2 * i, blank ? "" : q->terms[k][0]);
        db_bind_text(c, st, 11 + 2 * i, blank ? "" : q->terms[k][1]);
    }
    db_bind_int64(c, st, 16, q->limit);
    for (int w = 0; use_dense && w < words; w++)
        bind_word(c, st, 17 + WORD_TERMS * w, terms[w], n_word_terms[w]);
    free(terms);
    int n = 0, rc;
    while (n < q->limit && (rc = db_step(c, st)) == DB_ROW)
        read_row(c, st, &out[n++]);
    db_reset(c, st);
    return n;
}

/* ?1 status ?2 status2 ?3 min channel ?4 channel ?5 office ?6 type ?7 party ?8 from ?9 to ?10
 * limit */
#define WL_WHERE                                                                                   \
    " WHERE d.status IN (?1, ?2) AND d.channel >= ?3 AND (?4 = 0 OR d.channel = ?4)"               \
    " AND (?5 = '' OR d.office = ?5) AND (?6 = '' OR d.type_code = ?6)"                            \
    " AND (?7 = '' OR d.party = ?7 OR d.declarant = ?7) AND d.registered_at >= ?8"                 \
    " AND d.registered_at < ?9"
static const char wl_registered[] = WL_COLS WL_WHERE " ORDER BY d.registered_at, d.id LIMIT ?10";
static const char wl_updated[] = WL_COLS WL_WHERE " ORDER BY d.updated_at, d.id LIMIT ?10";

/* An office's queue, one status at a time (?1 = ?2: the status), from the (office, status,
 * registered_at) index (schema migration 14): the queue's own rows, in order. With both statuses
 * in one statement the planner took the office's (office, registered_at) index instead and read
 * every declaration the office ever had, or the status index and every office's queue (20 ms of
 * CPU at 100,000 declarations, docs/performance.md). */
#define WL_OFFICE_WHERE                                                                            \
    " WHERE d.office = ?5 AND d.status = ?1 AND ?2 = ?1 AND d.channel >= ?3"                       \
    " AND (?4 = 0 OR d.channel = ?4) AND (?6 = '' OR d.type_code = ?6)"                            \
    " AND (?7 = '' OR d.party = ?7 OR d.declarant = ?7) AND d.registered_at >= ?8"                 \
    " AND d.registered_at < ?9"
static const char wl_office_registered[] =
    WL_COLS WL_OFFICE_WHERE " ORDER BY d.registered_at, d.id LIMIT ?10";
static const char wl_office_updated[] =
    WL_COLS WL_OFFICE_WHERE " ORDER BY d.updated_at, d.id LIMIT ?10";

static int worklist_one(db_conn *c, const char *sql, const decl_list_q *q, int status1, int status2,
                        decl_list_row *out)
{
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, status1);
    db_bind_int64(c, st, 2, status2);
    db_bind_int64(c, st, 3, q->min_channel);
    db_bind_int64(c, st, 4, q->channel);
    db_bind_text(c, st, 5, q->office);
    db_bind_text(c, st, 6, q->type_code);
    db_bind_text(c, st, 7, q->party);
    db_bind_int64(c, st, 8, q->from);
    db_bind_int64(c, st, 9, q->to);
    db_bind_int64(c, st, 10, q->limit);
    int n = 0, rc = DB_DONE;
    while (n < q->limit && (rc = db_step(c, st)) == DB_ROW)
        read_row(c, st, &out[n++]);
    db_reset(c, st);
    return n < q->limit && rc != DB_DONE ? DB_ERR : n;
}

/* a before b in the queue's order */
static int wl_before(const decl_list_row *a, const decl_list_row *b, int by_updated)
{
    int64_t x = by_updated ? a->updated_at : a->registered_at;
    int64_t y = by_updated ? b->updated_at : b->registered_at;
    return x != y ? x < y : strcmp(a->id, b->id) < 0;
}

int store_decl_worklist(db_conn *c, const decl_list_q *q, int by_updated, decl_list_row *out)
{
    if (q->office[0]) {
        const char *sql = by_updated ? wl_office_updated : wl_office_registered;
        int n1 = worklist_one(c, sql, q, q->status, q->status, out);
        if (n1 < 0 || !q->status2 || q->status2 == q->status)
            return n1;
        decl_list_row *two = calloc((size_t)q->limit * 2, sizeof *two);
        if (!two)
            return DB_ERR;
        int n2 = worklist_one(c, sql, q, q->status2, q->status2, two);
        if (n2 < 0) {
            free(two);
            return n2;
        }
        /* merge the two ordered lists into out, the first q->limit */
        decl_list_row *merged = two + q->limit;
        int i = 0, j = 0, n = 0;
        while (n < q->limit && (i < n1 || j < n2))
            merged[n++] = j >= n2 || (i < n1 && wl_before(&out[i], &two[j], by_updated)) ? out[i++]
                                                                                         : two[j++];
        memcpy(out, merged, (size_t)n * sizeof *out);
        free(two);
        return n;
    }
    db_stmt *st = db_prepare(c, by_updated ? wl_updated : wl_registered);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, q->status);
    db_bind_int64(c, st, 2, q->status2 ? q->status2 : q->status);
    db_bind_int64(c, st, 3, q->min_channel);
    db_bind_int64(c, st, 4, q->channel);
    db_bind_text(c, st, 5, q->office);
    db_bind_text(c, st, 6, q->type_code);
    db_bind_text(c, st, 7, q->party);
    db_bind_int64(c, st, 8, q->from);
    db_bind_int64(c, st, 9, q->to);
    db_bind_int64(c, st, 10, q->limit);
    int n = 0;
    while (n < q->limit && db_step(c, st) == DB_ROW)
        read_row(c, st, &out[n++]);
    db_reset(c, st);
    return n;
}

int store_notifications(db_conn *c, const char *party, int64_t after, notif_row *out, int max)
{
    /* status changes only (a payment booked without a change of status is in the ledger);
     * read forward from the cursor in feed order (CROSS JOIN: events drive), so a poller that
     * keeps up reads only the few events since its last call */
    static const char sql[] =
        "SELECT d.id, COALESCE(d.number, ''), e.action, e.seq, e.from_status, e.to_status,"
        " d.channel, e.at, e.feed FROM events e CROSS JOIN declarations d"
        " WHERE d.id = chain_name(e.decl_id) AND e.feed > ?1 AND e.from_status <> e.to_status "
        "AND (d.party = "
        "?2 OR d.declarant = ?2)"
        " ORDER BY e.feed LIMIT ?3";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, after);
    db_bind_text(c, st, 2, party);
    db_bind_int64(c, st, 3, max);
    int n = 0;
    while (n < max && db_step(c, st) == DB_ROW) {
        notif_row *r = &out[n++];
        db_col_copy(c, st, 0, r->decl_id, sizeof r->decl_id);
        db_col_copy(c, st, 1, r->number, sizeof r->number);
        db_col_copy(c, st, 2, r->action, sizeof r->action);
        r->seq = (int)db_col_int64(c, st, 3);
        r->from_status = (int)db_col_int64(c, st, 4);
        r->to_status = (int)db_col_int64(c, st, 5);
        r->channel = (int)db_col_int64(c, st, 6);
        r->at = db_col_int64(c, st, 7);
        r->feed = db_col_int64(c, st, 8);
    }
    db_reset(c, st);
    return n;
}

int64_t store_feed_position(db_conn *c, int64_t at)
{
    /* just before the first event at or after `at` (by the events_at index: MIN(feed) with
     * this WHERE would walk the feed index from its start); feed follows commit order, which
     * follows time closely enough for a starting point. No such event: the end of the feed. */
    static const char first[] = "SELECT feed FROM events WHERE at >= ? ORDER BY at LIMIT 1";
    static const char last[] = "SELECT COALESCE(MAX(feed), 0) FROM events";
    db_stmt *st = db_prepare(c, first);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, at);
    int64_t v = DB_ERR;
    int rc = db_step(c, st);
    if (rc == DB_ROW)
        v = db_col_int64(c, st, 0) - 1;
    db_reset(c, st);
    if (rc != DB_DONE)
        return rc == DB_ROW ? v : DB_ERR;
    if (!(st = db_prepare(c, last)))
        return DB_ERR;
    if (db_step(c, st) == DB_ROW)
        v = db_col_int64(c, st, 0);
    db_reset(c, st);
    return v;
}

int store_decl_versions(db_conn *c, const char *decl_id, decl_version_row *out, int max)
{
    static const char sql[] = "SELECT amendment, doc, taxes, replaced_at FROM declaration_versions"
                              " WHERE decl_id = ? ORDER BY amendment";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    int n = 0;
    while (n < max && db_step(c, st) == DB_ROW) {
        out[n].amendment = (int)db_col_int64(c, st, 0);
        out[n].doc = store_col_unpack(c, st, 1); /* stored deflated (store/pack.h) */
        out[n].taxes = store_col_unpack(c, st, 2);
        out[n].replaced_at = db_col_int64(c, st, 3);
        n++;
    }
    db_reset(c, st);
    return n;
}

/* ---- extensions of the inspection's time limit (schema migration 19) ----------------------- */

int store_insp_extension_get(db_conn *c, const char *decl_id)
{
    static const char sql[] =
        "SELECT COALESCE(MAX(working_hours), 0) FROM inspection_extensions WHERE decl_id = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    int64_t hours = DB_ERR; /* stays so when the row could not be read */
    db_row(c, st, &hours, db_read_int64);
    return (int)hours;
}

int store_insp_extension_add(db_conn *c, const char *decl_id, int hours, int64_t at,
                             const char *username, const char *reason)
{
    static const char sql[] =
        "INSERT INTO inspection_extensions (decl_id, working_hours, at, username, reason)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (decl_id) DO UPDATE SET"
        " working_hours = inspection_extensions.working_hours + excluded.working_hours,"
        " at = excluded.at, username = excluded.username, reason = excluded.reason";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    db_bind_int64(c, st, 2, hours);
    db_bind_int64(c, st, 3, at);
    db_bind_text(c, st, 4, username);
    db_bind_text(c, st, 5, reason);
    return db_run(c, st);
}
