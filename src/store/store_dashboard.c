/* The managers' dashboard: one pass over a period's dash_facts rows (one per registered
 * declaration, with its HS chapters from decl_chapter_lists, written with each document, so that no
 * document is read here). Literal SQL only (the statement cache is keyed by the string's
 * address): one statement per shape, the office's driven by dash_facts_office_at (office,
 * registered_at), the whole administration's by dash_facts_at. */
#include "store/store_dashboard.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pack.h"

/* ---- dash_facts (schema migration 15): one narrow row per registered declaration ---------- */

/* A declaration's facts computed from its own rows: the declaration's columns, the first
 * instant of each check from its audit events (the lifecycle's action names; the declaration's
 * few events read through the key (decl_id, seq): migration 20 dropped the index by action), when
 * it ended without clearance (the event that moved it to the ended status it has now: cancelled 7,
 * invalidated 8, expired 9, rejected 10 in core/decl.h), the ledger's sums, the amendments asked
 * for after clearance, and whether the inspection found a violation (the event's detail is compact
 * JSON written by jansson, whose members are "key":value with no space: a "violation" inside a
 * string value is escaped and does not match). Portable SQL: both engines run the same text. */
#define FACT_INSERT                                                                                \
    "INSERT INTO dash_facts (decl_id, office, registered_at, channel, type_code, status,"          \
    " cleared_at, docs_at, docs_passed_at, inspected_at, gate_out_at, ended_at, assessed,"         \
    " collected, amended, violation, chapters, inspection_extension) "
#define FACT_SELECT                                                                                \
    "SELECT d.id, d.office, d.registered_at, d.channel, d.type_code, d.status, d.cleared_at,"      \
    " COALESCE((SELECT MIN(e.at) FROM events e WHERE e.decl_id = chain_key(d.id) AND "             \
    "e.action IN"                                                                                  \
    "  ('documents_passed', 'documents_failed')), 0),"                                             \
    " COALESCE((SELECT MIN(e.at) FROM events e WHERE e.decl_id = chain_key(d.id)"                  \
    "  AND e.action = 'documents_passed'), 0),"                                                    \
    " COALESCE((SELECT MIN(e.at) FROM events e WHERE e.decl_id = chain_key(d.id)"                  \
    "  AND e.action = 'inspection_completed'), 0),"                                                \
    " COALESCE((SELECT MIN(e.at) FROM events e WHERE e.decl_id = chain_key(d.id)"                  \
    "  AND e.action = 'pass_supervision'), 0),"                                                    \
    " CASE WHEN d.status IN (7, 8, 9, 10) THEN COALESCE((SELECT MAX(e.at) FROM events e"           \
    "  WHERE e.decl_id = chain_key(d.id) AND e.to_status = d.status), 0) ELSE 0 END,"              \
    " COALESCE((SELECT SUM(l.amount) FROM ledger_entries l WHERE l.decl_id = d.id"                 \
    "  AND l.kind = 'assessed'), 0),"                                                              \
    " COALESCE((SELECT SUM(l.amount) FROM ledger_entries l WHERE l.decl_id = d.id"                 \
    "  AND l.kind = 'paid'), 0),"                                                                  \
    " CASE WHEN EXISTS (SELECT 1 FROM amendment_requests a WHERE a.decl_id = d.id"                 \
    "  AND a.after_clearance = 1) THEN 1 ELSE 0 END,"                                              \
    " CASE WHEN (SELECT MAX(e.detail) FROM events e WHERE e.decl_id = chain_key(d.id)"             \
    "  AND e.action = 'inspection_completed') LIKE '%\"violation\":true%' THEN 1 ELSE 0 END,"      \
    " COALESCE((SELECT c.chapters FROM decl_chapter_lists c WHERE c.decl_id = decode(d.id, "       \
    "'hex')),"                                                                                     \
    "  ''),"                                                                                       \
    " COALESCE((SELECT x.working_hours FROM inspection_extensions x WHERE x.decl_id = d.id), 0)"   \
    " FROM declarations d WHERE d.registered_at > 0"
#define FACT_UPSERT                                                                                \
    " ON CONFLICT (decl_id) DO UPDATE SET office = excluded.office,"                               \
    " registered_at = excluded.registered_at, channel = excluded.channel,"                         \
    " type_code = excluded.type_code, status = excluded.status, cleared_at = excluded.cleared_at," \
    " docs_at = excluded.docs_at, docs_passed_at = excluded.docs_passed_at,"                       \
    " inspected_at = excluded.inspected_at, gate_out_at = excluded.gate_out_at,"                   \
    " ended_at = excluded.ended_at, assessed = excluded.assessed,"                                 \
    " collected = excluded.collected, amended = excluded.amended, violation = excluded.violation," \
    " chapters = excluded.chapters, inspection_extension = excluded.inspection_extension"

int store_dash_fact_sync(db_conn *c, const char *decl_id)
{
    static const char sql[] = FACT_INSERT FACT_SELECT " AND d.id = ?" FACT_UPSERT;
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    return db_run_nowait(c, st);
}

int store_dash_facts_backfill(db_conn *c)
{
    static const char sql[] = FACT_INSERT FACT_SELECT FACT_UPSERT;
    static const char any[] = "SELECT COUNT(*) FROM (SELECT 1 FROM dash_facts LIMIT 1) f";
    db_stmt *st = db_prepare(c, any);
    if (!st)
        return DB_ERR;
    int64_t has = -1; /* stays so when the count could not be read */
    db_row(c, st, &has, db_read_int64);
    if (has != 0) /* kept by every event append since migration 15: already current */
        return has < 0 ? DB_ERR : 0;
    return db_exec(c, sql);
}

/* FACT_ROWS rows per statement for a bulk writer (a statement's set-up costs about a row) */
#define FACT_ROWS 16
#define FACT_ROW "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
static char facts_many_sql[sizeof FACT_INSERT + 8 + FACT_ROWS * sizeof FACT_ROW];
static pthread_once_t facts_many_once = PTHREAD_ONCE_INIT;

static void facts_many_init(void)
{
    db_values_sql(facts_many_sql, sizeof facts_many_sql, FACT_INSERT "VALUES ", FACT_ROW, FACT_ROWS,
                  "");
}

/* (the columns in FACT_INSERT's order) */
static void fact_bind(db_conn *c, db_stmt *st, int k, const void *rows, long i)
{
    const dash_fact_row *r = (const dash_fact_row *)rows + i;
    db_bind_text_static(c, st, k + 1, r->decl_id);
    db_bind_text_static(c, st, k + 2, r->office);
    db_bind_int64(c, st, k + 3, r->registered_at);
    db_bind_int64(c, st, k + 4, r->channel);
    db_bind_text_static(c, st, k + 5, r->type_code);
    db_bind_int64(c, st, k + 6, r->status);
    db_bind_int64(c, st, k + 7, r->cleared_at);
    db_bind_int64(c, st, k + 8, r->docs_at);
    db_bind_int64(c, st, k + 9, r->docs_passed_at);
    db_bind_int64(c, st, k + 10, r->inspected_at);
    db_bind_int64(c, st, k + 11, r->gate_out_at);
    db_bind_int64(c, st, k + 12, r->ended_at);
    db_bind_int64(c, st, k + 13, r->assessed);
    db_bind_int64(c, st, k + 14, r->collected);
    db_bind_int64(c, st, k + 15, r->amended);
    db_bind_int64(c, st, k + 16, r->violation);
    db_bind_text_static(c, st, k + 17, r->chapters ? r->chapters : "");
    db_bind_int64(c, st, k + 18, r->inspection_extension);
}

int store_dash_facts_insert_rows(db_conn *c, const dash_fact_row *r, long n)
{
    static const char one[] = FACT_INSERT "VALUES " FACT_ROW;
    pthread_once(&facts_many_once, facts_many_init);
    return db_insert_rows(c, facts_many_sql, FACT_ROWS, 18, one, r, n, fact_bind);
}

#define DASH_COLS                                                                                  \
    "SELECT channel, type_code, registered_at, cleared_at, docs_at, docs_passed_at,"               \
    " inspected_at, gate_out_at, assessed, collected, amended, violation, status, ended_at,"       \
    " chapters, inspection_extension FROM dash_facts"

static const char dash_office[] = DASH_COLS " WHERE office = ? AND registered_at >= ?"
                                            " AND registered_at < ?";
static const char dash_all[] = DASH_COLS " WHERE registered_at >= ? AND registered_at < ?";

/* The statement of a period's shape with its office (when one is asked for) and bounds bound. */
static db_stmt *period(db_conn *c, const char *sql, const char *office, int64_t from, int64_t to)
{
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return NULL;
    int i = 1;
    if (office[0])
        db_bind_text(c, st, i++, office);
    db_bind_int64(c, st, i++, from);
    db_bind_int64(c, st, i, to);
    return st;
}

int store_dashboard_scan(db_conn *c, const char *office, int64_t from, int64_t to, dash_row_fn fn,
                         void *ctx)
{
    db_stmt *st = period(c, office[0] ? dash_office : dash_all, office, from, to);
    if (!st)
        return DB_ERR;
    int rc, ret = 0;
    while ((rc = db_step(c, st)) == DB_ROW) {
        dash_row r;
        memset(&r, 0, sizeof r);
        r.channel = (int)db_col_int64(c, st, 0);
        db_col_copy(c, st, 1, r.type_code, sizeof r.type_code);
        r.registered_at = db_col_int64(c, st, 2);
        r.cleared_at = db_col_int64(c, st, 3);
        r.docs_at = db_col_int64(c, st, 4);
        r.docs_passed_at = db_col_int64(c, st, 5);
        r.inspected_at = db_col_int64(c, st, 6);
        r.gate_out_at = db_col_int64(c, st, 7);
        r.assessed = db_col_int64(c, st, 8);
        r.collected = db_col_int64(c, st, 9);
        r.amendments_after_clearance = (int)db_col_int64(c, st, 10);
        r.violation = (int)db_col_int64(c, st, 11);
        r.status = (int)db_col_int64(c, st, 12);
        r.ended_at = db_col_int64(c, st, 13);
        r.chapters = db_col_text(c, st, 14);
        r.inspection_extension_hours = (int)db_col_int64(c, st, 15);
        ret = fn(ctx, &r);
        if (ret)
            break;
    }
    if (!ret && rc != DB_DONE)
        ret = DB_ERR;
    db_reset(c, st);
    return ret;
}

/* ---- decl_chapter_lists ------------------------------------------------------------------ */

/* The document is scanned for its "hs_code" members, not parsed: parsing a month's documents
 * (~5,000 of ~5 KB at an office) took 80 % of the dashboard's time before this table existed,
 * and db seed writes 100,000s of rows (docs/performance.md). Only items have an hs_code member in
 * a declaration (codec/json_decl.c); the text "hs_code" inside a string value is escaped
 * (\"hs_code\"), so it does not match. */
void store_decl_chapters_of(const char *doc_json, int items[100])
{
    for (const char *p = doc_json; p && (p = strstr(p, "\"hs_code\"")) != NULL;) {
        p += 9; /* a key: then ':' (whitespace around it as the sender wrote it) */
        p += strspn(p, " \t\r\n");
        if (*p != ':')
            continue;
        p++;
        p += strspn(p, " \t\r\n");
        if (p[0] != '"' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
            continue;
        items[(p[1] - '0') * 10 + (p[2] - '0')]++;
    }
}

/* The chapters of a document, packed or not (store/pack.h: callers pack before the writer). */
static void chapters_count(const char *doc_json, int items[100])
{
    char *plain = doc_json && doc_json[0] == '~' && (doc_json[1] == 'z' || doc_json[1] == 'y')
                      ? store_unpack(doc_json)
                      : NULL;
    store_decl_chapters_of(plain ? plain : doc_json, items);
    free(plain);
}

/* items as the text dash_facts carries: "chapter:items" by chapter, comma-separated
 * ("85:6,87:1"); "" when the document has no item (out: STORE_CHAPTERS_MAX bytes). */
void store_decl_chapters_text(const int items[100], char *out)
{
    size_t n = 0;
    out[0] = 0;
    for (int ch = 0; ch < 100; ch++)
        if (items[ch] > 0)
            n += (size_t)snprintf(out + n, STORE_CHAPTERS_MAX - n, "%s%d:%d", n ? "," : "", ch,
                                  items[ch]);
}

/* The declaration's row (schema migration 20: one per declaration that has items, its id as 16
 * bytes), replaced; or removed when the document has no item. */
static int chapters_write(db_conn *c, const char *decl_id, const int items[100], int replace)
{
    static const char up[] = "INSERT INTO decl_chapter_lists (decl_id, chapters) VALUES (?, ?)"
                             " ON CONFLICT (decl_id) DO UPDATE SET chapters = excluded.chapters";
    static const char del[] = "DELETE FROM decl_chapter_lists WHERE decl_id = ?";
    char text[STORE_CHAPTERS_MAX];
    store_decl_chapters_text(items, text);
    if (!text[0] && !replace)
        return 0;
    db_stmt *st = db_prepare(c, text[0] ? up : del);
    if (!st)
        return DB_ERR;
    int rc = db_bind_id16(c, st, 1, decl_id);
    if (rc == 0 && text[0])
        rc = db_bind_text(c, st, 2, text);
    if (rc != 0) {
        db_reset(c, st);
        return rc;
    }
    return db_run_nowait(c, st);
}

int store_decl_chapters_put(db_conn *c, const char *decl_id, const char *doc_json)
{
    int items[100] = {0};
    chapters_count(doc_json, items);
    return chapters_write(c, decl_id, items, 1);
}

int store_decl_chapters_new_items(db_conn *c, const char *decl_id, const int items[100])
{
    return chapters_write(c, decl_id, items, 0);
}

int store_decl_chapters_new(db_conn *c, const char *decl_id, const char *doc_json)
{
    int items[100] = {0};
    chapters_count(doc_json, items);
    return store_decl_chapters_new_items(c, decl_id, items);
}

int store_decl_chapters_update(db_conn *c, const char *decl_id, const char *was_doc,
                               const char *doc_json)
{
    int was[100] = {0}, now[100] = {0};
    if (!was_doc)
        return store_decl_chapters_put(c, decl_id, doc_json);
    chapters_count(was_doc, was);
    chapters_count(doc_json, now);
    if (!memcmp(was, now, sizeof was))
        return 0; /* most updates (the number, the channel, a decision) keep the items */
    return chapters_write(c, decl_id, now, 1);
}

/* CHAPTER_ROWS rows per statement (a statement's set-up and reset cost about a row's insert) */
#define CHAPTER_ROWS 32
static char chapters_many_sql[80 + CHAPTER_ROWS * 12];
static pthread_once_t chapters_many_once = PTHREAD_ONCE_INIT;

static void chapters_many_init(void)
{
    db_values_sql(chapters_many_sql, sizeof chapters_many_sql,
                  "INSERT INTO decl_chapter_lists (decl_id, chapters) VALUES ", "(?, ?)",
                  CHAPTER_ROWS, "");
}

/* store_decl_chapters_insert_rows's rows: two arrays, and the ids' bytes */
typedef struct chapter_rows {
    const char *const *decl_ids, *const *chapters;
    unsigned char (*id16)[16];
} chapter_rows;

static void chapter_bind(db_conn *c, db_stmt *st, int k, const void *rows, long i)
{
    const chapter_rows *r = rows;
    db_bind_id16_buf(c, st, k + 1, r->decl_ids[i], r->id16[i]);
    db_bind_text_static(c, st, k + 2, r->chapters[i]);
}

int store_decl_chapters_insert_rows(db_conn *c, const char *const *decl_ids,
                                    const char *const *chapters, long n)
{
    static const char one[] = "INSERT INTO decl_chapter_lists (decl_id, chapters) VALUES (?, ?)";
    chapter_rows rows = {decl_ids, chapters, malloc((size_t)(n > 0 ? n : 1) * 16)};
    if (!rows.id16)
        return DB_ERR;
    pthread_once(&chapters_many_once, chapters_many_init);
    int rc = db_insert_rows(c, chapters_many_sql, CHAPTER_ROWS, 2, one, &rows, n, chapter_bind);
    free(rows.id16);
    return rc;
}

#define BACKFILL_PAGE 500

/* By pages of ids, each read to its end before the page's rows are written: a driver need not
 * keep a result open while the same connection writes. */
int store_decl_chapters_backfill(db_conn *c)
{
    static const char page[] =
        "SELECT id, doc FROM declarations WHERE id > ? ORDER BY id LIMIT 500"; /* BACKFILL_PAGE */
    char *ids[BACKFILL_PAGE], *docs[BACKFILL_PAGE], after[64] = "";
    int rc = db_exec(c, "DELETE FROM decl_chapter_lists");
    for (int n = BACKFILL_PAGE; rc == 0 && n == BACKFILL_PAGE;) {
        db_stmt *st = db_prepare(c, page);
        if (!st)
            return DB_ERR;
        db_bind_text(c, st, 1, after);
        int step = DB_DONE;
        n = 0;
        while (n < BACKFILL_PAGE && (step = db_step(c, st)) == DB_ROW) {
            ids[n] = db_col_dup(c, st, 0);
            /* a NULL or corrupt document has no chapters, as the dashboard read it before */
            docs[n] = store_col_unpack(c, st, 1); /* text, or bytes (migration 16) */
            n++;
            if (!ids[n - 1])
                rc = DB_ERR;
        }
        if (n < BACKFILL_PAGE && step != DB_DONE)
            rc = DB_ERR;
        db_reset(c, st);
        for (int i = 0; i < n; i++) {
            if (rc == 0)
                rc = store_decl_chapters_new(c, ids[i], docs[i]);
            if (i == n - 1 && ids[i])
                snprintf(after, sizeof after, "%s", ids[i]);
            free(ids[i]);
            free(docs[i]);
        }
    }
    return rc;
}
