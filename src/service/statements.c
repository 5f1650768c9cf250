/* e-Payment reports: an enterprise's statement (and the monthly statement of a
 * priority enterprise), and the overdue debts that feed the "overdue > 90 days" refusal of the
 * registration stage. Everything here is derived from the ledger entries (core/ledger.h); no
 * balance is stored. See docs/architecture.md, "e-Payment". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/json_fields.h"
#include "core/lifecycle.h"
#include "service/kernel.h"
#include "service/ledger.h"
#include "service/statements.h"
#include "util/decimal.h"

#define MAX_ENTRIES 256 /* per declaration, like payments.c */
#define STMT_MAX 20000  /* declarations in one statement */
#define DEBT_MAX 10000  /* unpaid declarations in the overdue report */
#define CHECK_BATCH 32  /* the registration check reads this many candidates without malloc */

static int64_t day_start(date_ymd d) { return date_legal_start(d); }

static json_t *date_or_null(date_ymd d)
{
    char buf[16];
    if (!d)
        return json_null();
    date_format(d, buf);
    return json_string(buf);
}

/* The declaration's entries booked before `until` (unix s) as core entries; returns their count. */
static int entries_until(const ledger_row *rows, int n, int64_t until, ledger_entry *e)
{
    int k = 0;
    for (int i = 0; i < n && i < MAX_ENTRIES; i++)
        if (rows[i].at < until)
            pay_entry_of(&rows[i], &e[k++]);
    return k;
}

/* The debt a declaration's ledger leaves before `until` (released: cleared before it). */
static void debt_until(const decl_row *m, const ledger_row *rows, int n, int64_t until, int aeo,
                       ledger_debt *d)
{
    ledger_entry e[MAX_ENTRIES];
    int k = entries_until(rows, n, until, e);
    date_ymd released = m->cleared_at && m->cleared_at < until ? date_legal(m->cleared_at) : 0;
    ledger_debt_of(e, k, aeo, released, d);
    if (!pay_owes_taxes(m->status))
        d->unpaid = 0;
}

/* Reads one declaration (meta and entries): 1, or 0 when it vanished, <0 on error. */
static int read_decl(db_conn *c, const char *decl_id, decl_row *m, ledger_row *rows, int *n)
{
    int rc = store_decl_get_meta(c, decl_id, m);
    if (rc != 1)
        return rc;
    *n = store_ledger_list(c, decl_id, rows, MAX_ENTRIES);
    if (*n < 0)
        return *n;
    if (*n > MAX_ENTRIES)
        *n = MAX_ENTRIES;
    return 1;
}

/* ---- overdue debts ------------------------------------------------------------------------- */

/* a debt falls due on or after the day of its first assessment (core/ledger.h): one overdue
 * more than min_days days was assessed before today - min_days */
static int64_t overdue_before(date_ymd today, int min_days)
{
    return day_start(date_add_days(today, -min_days));
}

static int overdue_of(db_conn *c, const char *enterprise, date_ymd today, int min_days,
                      int64_t *amount, db_stmt *sent);

int pay_overdue_days(db_conn *c, const char *enterprise, date_ymd today, int min_days,
                     int64_t *amount)
{
    return overdue_of(c, enterprise, today, min_days, amount, NULL);
}

int pay_overdue_send(db_conn *c, const char *enterprise, date_ymd today, int min_days, db_stmt **st)
{
    return store_ledger_unpaid_send(c, enterprise, overdue_before(today, min_days), st);
}

int pay_overdue_days_read(db_conn *c, db_stmt *st, const char *enterprise, date_ymd today,
                          int min_days, int64_t *amount)
{
    return overdue_of(c, enterprise, today, min_days, amount, st);
}

/* sent: the enterprise's unpaid declarations started by pay_overdue_send (NULL: read here) */
static int overdue_of(db_conn *c, const char *enterprise, date_ymd today, int min_days,
                      int64_t *amount, db_stmt *sent)
{
    int64_t before = overdue_before(today, min_days);
    unpaid_row local[CHECK_BATCH], *u = local;
    int n = sent ? store_ledger_unpaid_read(c, sent, u, CHECK_BATCH)
                 : store_ledger_unpaid(c, enterprise, before, u, CHECK_BATCH);
    if (amount)
        *amount = 0;
    if (n <= 0)
        return n;
    if (n > CHECK_BATCH) { /* rare: many unpaid old declarations */
        if (!(u = calloc((size_t)n, sizeof *u)))
            return DB_ERR;
        int n2 = store_ledger_unpaid(c, enterprise, before, u, n);
        if (n2 < 0) {
            free(u);
            return n2;
        }
        n = n2 < n ? n2 : n;
    }
    ledger_row *rows = calloc(MAX_ENTRIES, sizeof *rows);
    int aeo = rows ? pay_is_aeo(c, enterprise) : DB_ERR, rc = aeo < 0 ? aeo : 0;
    int32_t worst = 0;
    for (int i = 0; i < n && rc >= 0; i++) {
        decl_row m = {0};
        int k = 0;
        if ((rc = read_decl(c, u[i].decl_id, &m, rows, &k)) == 1) {
            ledger_debt d;
            debt_until(&m, rows, k, INT64_MAX, aeo, &d);
            int32_t days = ledger_days_overdue(&d, today);
            if (days > min_days) {
                if (days > worst)
                    worst = days;
                if (amount)
                    *amount += d.unpaid;
            }
        }
        decl_row_release(&m);
    }
    free(rows);
    if (u != local)
        free(u);
    return rc < 0 ? rc : worst;
}

typedef struct debt_ent {
    char party[14];
    char name[256];
    int aeo;
    int64_t amount;
    int32_t days;    /* of the oldest debt */
    date_ymd oldest; /* its due date */
    json_t *decls;
} debt_ent;

typedef struct debts_ctx {
    date_ymd today;
    int min_days;
    unpaid_row *u;
    int n;
    debt_ent *ents;
    int ne;
} debts_ctx;

static int debts_job(db_conn *c, void *ctx)
{
    debts_ctx *x = ctx;
    /* an overdue debt was assessed before its due date: at the latest yesterday */
    x->n = store_ledger_unpaid(c, NULL, day_start(date_add_days(x->today, -x->min_days)), x->u,
                               DEBT_MAX);
    if (x->n < 0)
        return x->n;
    ledger_row *rows = calloc(MAX_ENTRIES, sizeof *rows);
    int rc = rows ? 0 : DB_ERR;
    debt_ent *cur = NULL;
    for (int i = 0; i < x->n && i < DEBT_MAX && rc >= 0; i++) {
        if (!cur || strcmp(cur->party, x->u[i].party) != 0) { /* rows come by enterprise */
            party p;
            cur = &x->ents[x->ne++];
            snprintf(cur->party, sizeof cur->party, "%s", x->u[i].party);
            if ((rc = store_party_get(c, cur->party, &p)) < 0)
                break;
            snprintf(cur->name, sizeof cur->name, "%s", rc == 1 ? p.name : "");
            cur->aeo = rc == 1 && p.aeo;
            cur->decls = json_array();
        }
        decl_row m = {0};
        int k = 0;
        if ((rc = read_decl(c, x->u[i].decl_id, &m, rows, &k)) == 1) {
            ledger_debt d;
            debt_until(&m, rows, k, INT64_MAX, cur->aeo, &d);
            int32_t days = ledger_days_overdue(&d, x->today);
            if (days > x->min_days) {
                cur->amount += d.unpaid;
                if (days > cur->days) {
                    cur->days = days;
                    cur->oldest = d.due;
                }
                json_array_append_new(cur->decls,
                                      json_pack("{s:s,s:s,s:o,s:o,s:i}", "declaration", m.number,
                                                "status", decl_status_name((decl_status)m.status),
                                                "unpaid", json_money(d.unpaid), "due",
                                                date_or_null(d.due), "days_overdue", days));
            }
        }
        decl_row_release(&m);
    }
    free(rows);
    return rc < 0 ? rc : 0;
}

static int by_days_desc(const void *a, const void *b)
{
    const debt_ent *x = a, *y = b;
    if (x->days != y->days)
        return x->days < y->days ? 1 : -1;
    return strcmp(x->party, y->party);
}

svc_reply svc_debts_overdue(app *a, const svc_req *req, const char *min_days)
{
    if (!svc_is_customs(req))
        return svc_error(SVC_FORBIDDEN, "forbidden", "overdue debts are shown to customs");
    debts_ctx x = {.today = svc_today()};
    if (min_days) {
        char *end;
        long v = strtol(min_days, &end, 10);
        if (!*min_days || *end || v < 0 || v > 36500) {
            errs e;
            errs_init(&e);
            errs_add(&e, "integer", "min_days", "'min_days' is a whole number of days, 0-36500");
            return svc_errors(&e);
        }
        x.min_days = (int)v;
    }
    x.u = calloc(DEBT_MAX, sizeof *x.u);
    x.ents = calloc(DEBT_MAX, sizeof *x.ents);
    svc_reply r = {0};
    if (!x.u || !x.ents) {
        r = svc_error(SVC_ERROR, "internal", "out of memory");
    } else if (store_read(a->st, debts_job, &x) != 0) {
        r = svc_error(SVC_ERROR, "storage", "cannot read the ledger");
    } else {
        qsort(x.ents, (size_t)x.ne, sizeof *x.ents, by_days_desc);
        json_t *arr = json_array();
        int64_t total = 0;
        int count = 0;
        for (int i = 0; i < x.ne; i++) {
            debt_ent *d = &x.ents[i];
            if (d->days <= x.min_days)
                continue; /* unpaid, but not (yet) overdue */
            total += d->amount;
            count++;
            json_array_append_new(
                arr, json_pack("{s:s,s:s,s:b,s:o,s:i,s:o,s:O}", "enterprise", d->party, "name",
                               d->name, "aeo", d->aeo, "overdue_amount", json_money(d->amount),
                               "days_overdue", d->days, "oldest_due", date_or_null(d->oldest),
                               "declarations", d->decls));
        }
        r.code = SVC_OK;
        r.body = json_pack("{s:o,s:i,s:i,s:o,s:b,s:o}", "as_of", date_or_null(x.today), "min_days",
                           x.min_days, "count", count, "total", json_money(total), "truncated",
                           x.n > DEBT_MAX, "enterprises", arr);
    }
    for (int i = 0; x.ents && i < x.ne; i++)
        json_decref(x.ents[i].decls);
    free(x.u);
    free(x.ents);
    return r;
}

/* ---- an enterprise's statement -------------------------------------------------------------- */

typedef struct stmt_line {
    char number[13];
    int status;
    date_ymd released;
    int64_t opening, closing; /* tax not paid (assessed + interest - paid), signed */
    int64_t mv[LE_COUNT];     /* movements in the period, per kind */
    ledger_balance b;         /* at the end of the period */
    ledger_debt debt;         /* at the end of the period */
    int32_t overdue;          /* days, on min(to, today) */
    int deferred_here;        /* AEO: released in the period with taxes deferred */
    int64_t deferred, paid_since, remaining;
    date_ymd deferred_due;
} stmt_line;

typedef struct stmt_ctx {
    const char *ent;
    date_ymd from, to, as_of;
    int month;
    party p;
    int found;
    char (*ids)[33];
    int n;
    stmt_line *lines;
    int nl;
    int64_t credit_open, credit_close;
} stmt_ctx;

/* The kinds of the movement columns, in the order of the JSON and CSV. */
static const ledger_kind mv_kinds[] = {LE_ASSESSED, LE_INTEREST,    LE_PAID,     LE_PAID_BY_CREDIT,
                                       LE_CREDIT,   LE_CREDIT_USED, LE_REFUNDED, LE_GUARANTEED};
static const char *const mv_names[] = {"assessed", "interest",    "paid",     "paid_by_credit",
                                       "credited", "credit_used", "refunded", "guaranteed"};
#define N_MV ((int)(sizeof mv_kinds / sizeof *mv_kinds))

static int stmt_decl(db_conn *c, stmt_ctx *x, const char *decl_id, ledger_row *rows)
{
    decl_row m = {0};
    int n = 0, rc = read_decl(c, decl_id, &m, rows, &n);
    if (rc != 1) {
        decl_row_release(&m);
        return rc;
    }
    int64_t from_ts = day_start(x->from), to_ts = day_start(date_add_days(x->to, 1));
    ledger_entry e[MAX_ENTRIES];
    ledger_balance open, close;
    ledger_balance_of(e, entries_until(rows, n, from_ts, e), &open);
    ledger_balance_of(e, entries_until(rows, n, to_ts, e), &close);
    x->credit_open += open.credit_left;
    x->credit_close += close.credit_left;
    stmt_line *l = &x->lines[x->nl];
    memset(l, 0, sizeof *l);
    int moved = 0;
    for (int i = 0; i < n; i++) {
        ledger_kind k = ledger_kind_parse(rows[i].kind);
        if (rows[i].at >= from_ts && rows[i].at < to_ts && k < LE_COUNT) {
            l->mv[k] += rows[i].amount;
            moved = 1;
        }
    }
    l->opening = open.assessed - open.paid;
    l->closing = close.assessed - close.paid;
    l->b = close;
    debt_until(&m, rows, n, to_ts, x->p.aeo, &l->debt);
    l->overdue = ledger_days_overdue(&l->debt, x->as_of);
    l->released = m.cleared_at && m.cleared_at < to_ts ? date_legal(m.cleared_at) : 0;
    if (x->p.aeo && m.cleared_at >= from_ts && m.cleared_at < to_ts && pay_owes_taxes(m.status)) {
        /* the monthly deferral: what the goods left owing at their release, paid since, left */
        ledger_balance at_release, now;
        int k = 0;
        for (int i = 0; i < n; i++) {
            /* booked in the second of the release: the assessment counts as deferred, money as
             * paid since (a green AEO declaration is released in its registration job) */
            ledger_kind kind = ledger_kind_parse(rows[i].kind);
            int money = kind == LE_PAID || kind == LE_PAID_BY_CREDIT || kind == LE_CREDIT;
            if (rows[i].at < m.cleared_at || (rows[i].at == m.cleared_at && !money))
                pay_entry_of(&rows[i], &e[k++]);
        }
        ledger_balance_of(e, k, &at_release);
        ledger_balance_of(e, entries_until(rows, n, INT64_MAX, e), &now);
        l->deferred = at_release.assessed - at_release.paid;
        if (l->deferred > 0) {
            l->deferred_here = 1;
            l->remaining = now.assessed - now.paid > 0 ? now.assessed - now.paid : 0;
            l->paid_since = now.paid - at_release.paid;
            l->deferred_due = ledger_aeo_deadline(date_legal(m.cleared_at));
        }
    }
    if (moved || l->opening != 0 || l->deferred_here) {
        snprintf(l->number, sizeof l->number, "%s", m.number);
        l->status = m.status;
        x->nl++;
    }
    decl_row_release(&m);
    return 0;
}

static int stmt_job(db_conn *c, void *ctx)
{
    stmt_ctx *x = ctx;
    x->found = store_party_get(c, x->ent, &x->p);
    if (x->found != 1)
        return x->found < 0 ? x->found : 0;
    x->n = store_ledger_decls_of(c, x->ent, day_start(date_add_days(x->to, 1)), x->ids, STMT_MAX);
    if (x->n < 0)
        return x->n;
    int n = x->n < STMT_MAX ? x->n : STMT_MAX, rc = 0;
    ledger_row *rows = calloc(MAX_ENTRIES, sizeof *rows);
    x->lines = calloc((size_t)(n ? n : 1), sizeof *x->lines);
    if (!rows || !x->lines)
        rc = DB_ERR;
    for (int i = 0; i < n && rc >= 0; i++)
        rc = stmt_decl(c, x, x->ids[i], rows);
    free(rows);
    return rc < 0 ? rc : 0;
}

static void money_fields(json_t *o, const int64_t *mv)
{
    for (int i = 0; i < N_MV; i++)
        json_object_set_new(o, mv_names[i], json_money(mv[mv_kinds[i]]));
}

static json_t *stmt_json(const stmt_ctx *x)
{
    json_t *decls = json_array(), *deferred = json_array();
    int64_t open = 0, close = 0, mv[LE_COUNT] = {0}, outstanding = 0, overdue_amount = 0;
    int64_t d_total = 0, d_paid = 0, d_left = 0;
    int32_t overdue_days = 0;
    for (int i = 0; i < x->nl; i++) {
        const stmt_line *l = &x->lines[i];
        open += l->opening;
        close += l->closing;
        outstanding += l->b.outstanding;
        for (int k = 0; k < LE_COUNT; k++)
            mv[k] += l->mv[k];
        if (l->overdue > 0) {
            overdue_amount += l->debt.unpaid;
            if (l->overdue > overdue_days)
                overdue_days = l->overdue;
        }
        json_t *o = json_pack("{s:s,s:s,s:o,s:o}", "declaration", l->number, "status",
                              decl_status_name((decl_status)l->status), "released",
                              date_or_null(l->released), "opening", json_money(l->opening));
        money_fields(o, l->mv);
        json_object_set_new(o, "closing", json_money(l->closing));
        json_object_set_new(o, "assessed_total", json_money(l->b.assessed));
        json_object_set_new(o, "paid_total", json_money(l->b.paid));
        json_object_set_new(o, "guaranteed_total", json_money(l->b.guaranteed));
        json_object_set_new(o, "outstanding", json_money(l->b.outstanding));
        json_object_set_new(o, "due", date_or_null(l->debt.unpaid > 0 ? l->debt.due : 0));
        json_object_set_new(o, "days_overdue", json_integer(l->overdue));
        json_array_append_new(decls, o);
        if (l->deferred_here) {
            d_total += l->deferred;
            d_paid += l->paid_since;
            d_left += l->remaining;
            json_array_append_new(
                deferred,
                json_pack("{s:s,s:o,s:o,s:o,s:o,s:o}", "declaration", l->number, "released",
                          date_or_null(l->released), "deferred", json_money(l->deferred), "due",
                          date_or_null(l->deferred_due), "paid_since", json_money(l->paid_since),
                          "remaining", json_money(l->remaining)));
        }
    }
    json_t *moves = json_object();
    money_fields(moves, mv);
    json_t *body =
        json_pack("{s:s,s:s,s:b,s:o,s:o,s:o,s:o,s:o,s:o}", "enterprise", x->ent, "name", x->p.name,
                  "aeo", x->p.aeo, "from", date_or_null(x->from), "to", date_or_null(x->to),
                  "opening_balance", json_money(open), "movements", moves, "closing_balance",
                  json_money(close), "outstanding", json_money(outstanding));
    json_object_set_new(
        body, "credit",
        json_pack("{s:o,s:o,s:o,s:o,s:o}", "opening", json_money(x->credit_open), "credited",
                  json_money(mv[LE_CREDIT]), "used", json_money(mv[LE_CREDIT_USED]), "refunded",
                  json_money(mv[LE_REFUNDED]), "closing", json_money(x->credit_close)));
    json_object_set_new(body, "overdue",
                        json_pack("{s:o,s:o,s:i}", "as_of", date_or_null(x->as_of), "amount",
                                  json_money(overdue_amount), "days", overdue_days));
    if (x->p.aeo) {
        /* the monthly statement of a priority enterprise: taxes deferred at release */
        json_t *dfr = json_pack("{s:o,s:o,s:o,s:o,s:o}", "due",
                                date_or_null(x->month ? ledger_aeo_deadline(x->from) : 0), "total",
                                json_money(d_total), "paid_since", json_money(d_paid), "remaining",
                                json_money(d_left), "declarations", deferred);
        json_object_set_new(body, "deferred", dfr);
    } else {
        json_decref(deferred);
        json_object_set_new(body, "deferred", json_null());
    }
    json_object_set_new(body, "count", json_integer(x->nl));
    json_object_set_new(body, "truncated", json_boolean(x->n > STMT_MAX));
    json_object_set_new(body, "declarations", decls);
    return body;
}

/* text/csv: a header row, one row per declaration, a TOTAL row (like the reconciliation). */
static svc_reply stmt_csv(const stmt_ctx *x)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    fputs("declaration,status,released,opening", f);
    for (int i = 0; i < N_MV; i++)
        fprintf(f, ",%s", mv_names[i]);
    fputs(",closing,outstanding,due,days_overdue\r\n", f);
    int64_t open = 0, close = 0, outstanding = 0, mv[LE_COUNT] = {0};
    char buf[32];
    for (int i = 0; i < x->nl; i++) {
        const stmt_line *l = &x->lines[i];
        open += l->opening;
        close += l->closing;
        outstanding += l->b.outstanding;
        pay_csv_field(f, l->number, 0);
        pay_csv_field(f, decl_status_name((decl_status)l->status), 0);
        date_format(l->released, buf);
        pay_csv_field(f, l->released ? buf : "", 0);
        fprintf(f, "%lld,", (long long)l->opening);
        for (int k = 0; k < N_MV; k++) {
            mv[mv_kinds[k]] += l->mv[mv_kinds[k]];
            fprintf(f, "%lld,", (long long)l->mv[mv_kinds[k]]);
        }
        fprintf(f, "%lld,%lld,", (long long)l->closing, (long long)l->b.outstanding);
        date_format(l->debt.due, buf);
        pay_csv_field(f, l->debt.unpaid > 0 && l->debt.due ? buf : "", 0);
        fprintf(f, "%d\r\n", (int)l->overdue);
    }
    fprintf(f, "TOTAL,,,%lld", (long long)open);
    for (int k = 0; k < N_MV; k++)
        fprintf(f, ",%lld", (long long)mv[mv_kinds[k]]);
    fprintf(f, ",%lld,%lld,,\r\n", (long long)close, (long long)outstanding);
    return pay_csv_reply(f, &text, &len);
}

/* The period: ?month=YYYY-MM, or ?from=&to= (inclusive days); every error at once. */
static void stmt_period(stmt_ctx *x, const char *from, const char *to, const char *month,
                        const char *format, errs *e)
{
    if (format && strcmp(format, "csv") && strcmp(format, "json"))
        errs_add(e, "format", "format", "'format' is json or csv");
    if (month) {
        char d[16];
        x->month = 1;
        if (from || to)
            errs_add(e, "period", "month", "give either 'month' or 'from' and 'to', not both");
        snprintf(d, sizeof d, "%.7s-01", month);
        if (strlen(month) != 7 || date_parse(d, &x->from) != 0) {
            errs_add(e, "month", "month", "'month' is written YYYY-MM");
        } else {
            date_ymd next = ledger_aeo_deadline(x->from); /* the 10th of the next month */
            x->to = date_add_days(next - 9, -1);
        }
        return;
    }
    if (!from)
        errs_add(e, "required", "from", "'from' (YYYY-MM-DD) or 'month' (YYYY-MM) is required");
    else if (date_parse(from, &x->from) != 0)
        errs_add(e, "date", "from", "'from' is a date YYYY-MM-DD");
    if (!to)
        errs_add(e, "required", "to", "'to' (YYYY-MM-DD) is required with 'from'");
    else if (date_parse(to, &x->to) != 0)
        errs_add(e, "date", "to", "'to' is a date YYYY-MM-DD");
    if (x->from && x->to && x->to < x->from)
        errs_add(e, "date_range", "to", "'to' is before 'from'");
}

svc_reply svc_enterprise_statement(app *a, const svc_req *req, const char *enterprise,
                                   const char *from, const char *to, const char *month,
                                   const char *format, int accept_csv)
{
    if (!svc_is_enterprise(req, enterprise) && !svc_is_customs(req))
        return svc_error(SVC_FORBIDDEN, "forbidden",
                         "an enterprise's statement is shown to it and to customs");
    stmt_ctx x = {.ent = enterprise};
    errs e;
    errs_init(&e);
    stmt_period(&x, from, to, month, format, &e);
    if (e.n)
        return svc_errors(&e);
    date_ymd today = svc_today();
    x.as_of = x.to < today ? x.to : today;
    x.ids = calloc(STMT_MAX, sizeof *x.ids);
    svc_reply r = {0};
    if (!x.ids)
        r = svc_error(SVC_ERROR, "internal", "out of memory");
    else if (store_read(a->st, stmt_job, &x) != 0)
        r = svc_error(SVC_ERROR, "storage", "cannot read the ledger");
    else if (x.found != 1)
        r = svc_error(SVC_NOT_FOUND, "not_found", "no such enterprise");
    else if (format ? !strcmp(format, "csv") : accept_csv)
        r = stmt_csv(&x);
    else {
        r.code = SVC_OK;
        r.body = stmt_json(&x);
    }
    free(x.ids);
    free(x.lines);
    return r;
}
