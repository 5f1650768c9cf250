/* Store side of the managers' dashboard: the declarations registered in a period, at one office
 * or all, with the instants of their checks, their ledger sums and amendments, read from
 * dash_facts (schema migration 15: one narrow row per registered declaration, kept by the event
 * append in the transaction of every change, docs/performance.md). Portable SQL like store.c. */
#ifndef ECUSTOMS_STORE_STORE_DASHBOARD_H
#define ECUSTOMS_STORE_STORE_DASHBOARD_H

#include <stdint.h>

#include "store/db.h"

typedef struct dash_row {
    int channel;
    int status; /* decl_status now */
    char type_code[4];
    int64_t registered_at, cleared_at; /* unix s; 0 = not */
    int64_t docs_at;                   /* document check decided (passed or failed), 0 = not */
    int64_t docs_passed_at;            /* documents passed (a red one then waits for inspection) */
    int64_t inspected_at;              /* inspection_completed, 0 = not */
    int64_t gate_out_at;               /* pass_supervision, 0 = not */
    int64_t ended_at; /* entered its ended status (cancelled, rejected...), 0 = not or unknown */
    int64_t assessed, collected;    /* ledger sums, VND */
    int amendments_after_clearance; /* 1: an amendment was asked for after clearance */
    int violation;                  /* 1: the inspection found a violation */
    int inspection_extension_hours; /* the inspection's limit extended by (migration 19) */
    const char *chapters; /* "chapter:items,..." (HS chapters of its items), "" or NULL: none */
} dash_row;

typedef int (*dash_row_fn)(void *ctx, const dash_row *r);

/* Calls fn for each declaration registered in [from, to) (unix s) at office ("" = every
 * office). Returns 0 or <0 (a storage error, or fn's). */
int store_dashboard_scan(db_conn *c, const char *office, int64_t from, int64_t to, dash_row_fn fn,
                         void *ctx);

/* ---- dash_facts (schema migration 15) ------------------------------------------------------ */

/* Recomputes the declaration's dash_facts row from its own rows (declaration, events, ledger,
 * amendment requests), in the caller's transaction; nothing for an id that is no registered
 * declaration (an audit chain of its own, a draft). Called by every event append
 * (store_event_append_x), which follows every change of a declaration or its ledger (its state
 * digest covers both), so the row is as current as the audit trail. 0 or <0. */
int store_dash_fact_sync(db_conn *c, const char *decl_id);
/* A dash_facts row computed by a bulk writer that knows the declaration's final rows (db seed):
 * what store_dash_fact_sync would compute from them. */
typedef struct dash_fact_row {
    const char *decl_id, *office, *type_code, *chapters; /* bound without copies */
    int64_t registered_at, cleared_at, docs_at, docs_passed_at, inspected_at, gate_out_at;
    int64_t ended_at, assessed, collected;
    int channel, status, amended, violation;
    int inspection_extension; /* working hours the inspection's limit was extended by */
} dash_fact_row;
/* n rows of declarations that have none yet, many per statement. 0 or <0. */
int store_dash_facts_insert_rows(db_conn *c, const dash_fact_row *r, long n);
/* Every registered declaration's row, when the table has none: the back-fill of a database that
 * had no dash_facts before (schema.c, at the latest migration that changed its columns, so that
 * the statement and the table agree; a table with rows is kept current by the event append). */
int store_dash_facts_backfill(db_conn *c);

/* ---- decl_chapter_lists (schema migrations 11, 20): a declaration's HS chapters ----------- */

/* Item lines per HS chapter (01..99) of a document (JSON text, unpacked): items[c] += lines. */
void store_decl_chapters_of(const char *doc_json, int items[100]);
/* The text of items as dash_facts carries it ("85:6,87:1", by chapter; "" without items). */
#define STORE_CHAPTERS_MAX (100 * 24)
void store_decl_chapters_text(const int items[100], char *out);
/* Replaces the declaration's row with its document's chapters (JSON, packed or not), in the
 * caller's transaction (none when the document has no item). */
int store_decl_chapters_put(db_conn *c, const char *decl_id, const char *doc_json);
/* A new declaration's row (nothing to replace), from its document or from its items per chapter
 * as store_decl_chapters_of counted them. */
int store_decl_chapters_new(db_conn *c, const char *decl_id, const char *doc_json);
int store_decl_chapters_new_items(db_conn *c, const char *decl_id, const int items[100]);
/* After an update: rewritten only when the chapters differ from those of was_doc (the document
 * being replaced; NULL: unknown, rewritten). */
int store_decl_chapters_update(db_conn *c, const char *decl_id, const char *was_doc,
                               const char *doc_json);
/* n rows (decl_id, chapters text) of declarations that have none yet, many per statement: for a
 * bulk writer that knows the chapters beforehand (db seed: once per template), in key order for
 * its B-tree's locality. The texts must outlive the call (bound without copies). */
int store_decl_chapters_insert_rows(db_conn *c, const char *const *decl_ids,
                                    const char *const *chapters, long n);
/* Rewrites decl_chapter_lists from every declaration's document: migration 20's back-fill
 * (schema.c), in the migration's transaction. 0 or <0. */
int store_decl_chapters_backfill(db_conn *c);

#endif
