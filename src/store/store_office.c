/* e-Office lists: declarations by filter (cursor-paginated), officers' worklists, enterprises'
 * status-change feed. Literal SQL only (the statement cache is keyed by the string's address):
 * one statement per shape, and optional filters written as (? = '' OR col = ?) on top of the
 * part that drives the index. */
#include <string.h>

#include "store/pack.h"
#include "store/store_users.h"

#define LIST_COLS                                                                                  \
    "SELECT d.id, d.number, d.kind, d.type_code, d.status, d.channel, d.declarant, d.party,"       \
    " d.office, d.customs_value, d.total_tax, d.created_at, d.registered_at, d.cleared_at,"        \
    " d.updated_at, COALESCE(p.name, ''), COALESCE(k.username, ''), COALESCE(k.name, '')"          \
    " FROM declarations d LEFT JOIN parties p ON p.tax_code = d.party"                             \
    " LEFT JOIN decl_claims k ON k.decl_id = d.id"

/* ?1 status ?2 channel ?3 office ?4 type_code ?5 from ?6 to ?7 cursor_at ?8 cursor_id */
#define LIST_FILTERS                                                                               \
    " (?1 = 0 OR d.status = ?1) AND (?2 = 0 OR d.channel = ?2) AND (?3 = '' OR d.office = ?3)"     \
    " AND (?4 = '' OR d.type_code = ?4) AND d.created_at >= ?5 AND d.created_at < ?6"              \
    " AND (d.created_at < ?7 OR (d.created_at = ?7 AND d.id < ?8))"

/* ?9 party; ?10..?15 three search words as [lo, hi) */
#define LIST_PARTY " AND (d.party = ?9 OR d.declarant = ?9)"
/* (d.id || '') keeps the planner from driving the query by the matches' ids (then sorting
 * them all): it walks the created_at index newest first and stops after a page */
#define LIST_TERMS_ALL                                                                             \
    " AND (d.id || '') IN (SELECT decl_id FROM decl_terms WHERE term >= ?10 AND term < ?11)"       \
    " AND (d.id || '') IN (SELECT decl_id FROM decl_terms WHERE term >= ?12 AND term < ?13)"       \
    " AND (d.id || '') IN (SELECT decl_id FROM decl_terms WHERE term >= ?14 AND term < ?15)"
#define LIST_ORDER " ORDER BY d.created_at DESC, d.id DESC LIMIT ?16"

static const char list_all[] = LIST_COLS " WHERE" LIST_FILTERS " AND ?9 = '' AND ?10 = ?11"
                                         " AND ?12 = ?13 AND ?14 = ?15" LIST_ORDER;
static const char list_party[] = LIST_COLS " WHERE" LIST_FILTERS LIST_PARTY " AND ?10 = ?11"
                                           " AND ?12 = ?13 AND ?14 = ?15" LIST_ORDER;
/* (CROSS JOIN without ON, its condition in WHERE: PostgreSQL has no CROSS JOIN ... ON.)
 * A search starts from the declarations its first (longest) word matches — CROSS JOIN keeps
 * SQLite's join order, so a rare word (a number, a container) reads a handful of rows instead of
 * walking the whole created_at index — then sorts those matches by time. */
#define TERMS_COLS                                                                                 \
    "SELECT d.id, d.number, d.kind, d.type_code, d.status, d.channel, d.declarant, d.party,"       \
    " d.office, d.customs_value, d.total_tax, d.created_at, d.registered_at, d.cleared_at,"        \
    " d.updated_at, COALESCE(p.name, ''), COALESCE(k.username, ''), COALESCE(k.name, '')"          \
    " FROM decl_terms t CROSS JOIN declarations d"                                                 \
    " LEFT JOIN parties p ON p.tax_code = d.party LEFT JOIN decl_claims k ON k.decl_id = d.id"     \
    " WHERE d.id = t.decl_id AND t.term >= ?10 AND t.term < ?11 AND"
#define TERMS_REST                                                                                 \
    " AND d.id IN (SELECT decl_id FROM decl_terms WHERE term >= ?12 AND term < ?13)"               \
    " AND d.id IN (SELECT decl_id FROM decl_terms WHERE term >= ?14 AND term < ?15)"
static const char list_terms[] = TERMS_COLS LIST_FILTERS " AND ?9 = ''" TERMS_REST LIST_ORDER;
static const char list_party_terms[] = TERMS_COLS LIST_FILTERS LIST_PARTY TERMS_REST LIST_ORDER;
/* A common word (thousands of matches) is the other way round: walk the newest declarations and
 * keep those whose id is among the matches, which stops after a page. */
static const char list_terms_scan[] =
    LIST_COLS " WHERE" LIST_FILTERS " AND ?9 = ''" LIST_TERMS_ALL LIST_ORDER;
static const char list_party_terms_scan[] =
    LIST_COLS " WHERE" LIST_FILTERS LIST_PARTY LIST_TERMS_ALL LIST_ORDER;
#define COMMON_TERM 500

/* How many declarations the word [lo, hi) matches, counted up to COMMON_TERM. */
static int term_matches(db_conn *c, const char *lo, const char *hi)
{
    static const char sql[] = "SELECT COUNT(*) FROM (SELECT 1 FROM decl_terms WHERE term >= ?"
                              " AND term < ? LIMIT 500) AS x";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, lo);
    db_bind_text(c, st, 2, hi);
    int n = db_step(c, st) == DB_ROW ? (int)db_col_int64(c, st, 0) : DB_ERR;
    db_reset(c, st);
    return n;
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
}

int store_decl_list(db_conn *c, const decl_list_q *q, decl_list_row *out)
{
    const char *sql = q->party[0] ? (q->n_terms ? list_party_terms : list_party)
                                  : (q->n_terms ? list_terms : list_all);
    if (q->n_terms) {
        int m = term_matches(c, q->terms[0][0], q->terms[0][1]);
        if (m < 0)
            return m;
        if (m >= COMMON_TERM)
            sql = q->party[0] ? list_party_terms_scan : list_terms_scan;
    }
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, q->status);
    db_bind_int64(c, st, 2, q->channel);
    db_bind_text(c, st, 3, q->office);
    db_bind_text(c, st, 4, q->type_code);
    db_bind_int64(c, st, 5, q->from);
    db_bind_int64(c, st, 6, q->to);
    db_bind_int64(c, st, 7, q->cursor_at);
    db_bind_text(c, st, 8, q->cursor_id);
    db_bind_text(c, st, 9, q->party);
    /* fewer than three words: the missing ones repeat the first (same rows) */
    for (int i = 0; i < 3; i++) {
        int k = i < q->n_terms ? i : 0;
        db_bind_text(c, st, 10 + 2 * i, q->n_terms ? q->terms[k][0] : "");
        db_bind_text(c, st, 11 + 2 * i, q->n_terms ? q->terms[k][1] : "");
    }
    db_bind_int64(c, st, 16, q->limit);
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
static const char wl_registered[] = LIST_COLS WL_WHERE " ORDER BY d.registered_at, d.id LIMIT ?10";
static const char wl_updated[] = LIST_COLS WL_WHERE " ORDER BY d.updated_at, d.id LIMIT ?10";

int store_decl_worklist(db_conn *c, const decl_list_q *q, int by_updated, decl_list_row *out)
{
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
        "SELECT e.decl_id, COALESCE(d.number, ''), e.action, e.seq, e.from_status, e.to_status,"
        " d.channel, e.at, e.feed FROM events e CROSS JOIN declarations d"
        " WHERE d.id = e.decl_id AND e.feed > ?1 AND e.from_status <> e.to_status AND (d.party = "
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
        out[n].doc = store_unpack(db_col_text(c, st, 1)); /* stored deflated (store/pack.h) */
        out[n].taxes = store_unpack(db_col_text(c, st, 2));
        out[n].replaced_at = db_col_int64(c, st, 3);
        n++;
    }
    db_reset(c, st);
    return n;
}
