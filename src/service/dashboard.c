/* The managers' dashboard. One read of the period's dash_facts rows (store_dashboard.c: a
 * narrow row per declaration, kept with every event) folded here into tables; the page draws a
 * chart from each table and offers its CSV.
 *
 * Time release (WCO Time Release Study): registration -> cleared and cleared -> gate-out (the
 * pass_supervision event) per channel, p50/p90 by nearest rank over the declarations that
 * reached both ends. Legal limits (Customs Law 2014 Art. 23), in working hours (core/workhours):
 * the document check from registration to the documents' decision within 2, the physical
 * inspection from the documents passing to the inspection's result within 8.
 *
 * Open cases (as the WCO Time Release Study counts the consignments not yet released when it
 * ends): the period's declarations neither cleared nor ended without clearance (cancelled,
 * rejected, invalidated, expired) at "as of" — the period's end, or now when the period has not
 * ended — with their age then (p50/p90): one rejected after the period's end was open at it. */
#include "service/dashboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/json_fields.h"
#include "core/decl.h"
#include "core/workhours.h"
#include "service/calendar.h"
#include "service/internal.h"
#include "service/ledger.h"
#include "service/offices.h"
#include "store/store_dashboard.h"
#include "util/date.h"
#include "util/decimal.h"

#define N_CH 4 /* CH_NONE..CH_RED */
#define MAX_TYPES 64
#define TOP_CHAPTERS 10
#define MAX_DAYS 366

typedef struct series {
    int64_t *v;
    size_t n, cap;
} series;

/* declarations of one type code (A11, B11, ...) */
typedef struct type_count {
    char code[4];
    int64_t n;
} type_count;

typedef struct dash_ctx {
    char office[9];
    int64_t from, to;
    int64_t by_channel[N_CH];
    type_count types[MAX_TYPES];
    int n_types;
    series to_clear[N_CH], to_gate[N_CH];
    int64_t as_of;         /* open cases: min(period end, now) */
    series open_age[N_CH]; /* age at as_of of the declarations still open then */
    int64_t docs_n, docs_met, insp_n, insp_met;
    int64_t assessed, collected;
    int64_t inspected, violations;
    int64_t amended;
    int64_t ch_decls[100], ch_items[100]; /* HS chapters 01..99 */
    const workhours_cal *cal;             /* the working-day calendar, held (service/calendar.h) */
    int oom;
} dash_ctx;

static int push(series *s, int64_t v)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        int64_t *p = realloc(s->v, cap * sizeof *p);
        if (!p)
            return -1;
        s->v = p;
        s->cap = cap;
    }
    s->v[s->n++] = v;
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* nearest rank: the smallest value with at least p% of the values at or below it */
static int64_t pct(const series *s, int p)
{
    size_t k = (s->n * (size_t)p + 99) / 100;
    return s->v[k ? k - 1 : 0];
}

static int on_row(void *ctx, const dash_row *r)
{
    dash_ctx *x = ctx;
    int ch = r->channel >= 0 && r->channel < N_CH ? r->channel : 0;
    x->by_channel[ch]++;
    int t = 0;
    while (t < x->n_types && strcmp(x->types[t].code, r->type_code))
        t++;
    if (t == x->n_types && t < MAX_TYPES) {
        memcpy(x->types[t].code, r->type_code, sizeof x->types[t].code);
        x->n_types++;
    }
    if (t < MAX_TYPES)
        x->types[t].n++;
    if (r->cleared_at > 0 && r->cleared_at >= r->registered_at &&
        push(&x->to_clear[ch], r->cleared_at - r->registered_at))
        x->oom = 1;
    if (r->cleared_at > 0 && r->gate_out_at >= r->cleared_at &&
        push(&x->to_gate[ch], r->gate_out_at - r->cleared_at))
        x->oom = 1;
    /* ended by as_of: one cancelled or rejected later was still open then (an ended one whose
     * end is not known, ended_at 0, counts as ended whenever it ended) */
    int ended = (r->status == ST_CANCELLED || r->status == ST_REJECTED ||
                 r->status == ST_INVALIDATED || r->status == ST_EXPIRED) &&
                r->ended_at <= x->as_of;
    if (!ended && r->registered_at <= x->as_of &&
        (r->cleared_at <= 0 || r->cleared_at > x->as_of) &&
        push(&x->open_age[ch], x->as_of - r->registered_at))
        x->oom = 1;
    if (r->docs_at > 0) {
        x->docs_n++;
        x->docs_met +=
            workhours_between(x->cal, r->registered_at, r->docs_at) <= WORKHOURS_DOC_CHECK * 3600;
    }
    if (r->inspected_at > 0) {
        x->inspected++;
        if (r->docs_passed_at > 0) {
            x->insp_n++;
            /* within the law's limit as the head of the office extended it (Art. 23) */
            x->insp_met += workhours_between(x->cal, r->docs_passed_at, r->inspected_at) <=
                           (int64_t)(WORKHOURS_INSPECTION + r->inspection_extension_hours) * 3600;
        }
        x->violations += r->violation;
    }
    x->assessed += r->assessed;
    x->collected += r->collected;
    x->amended += r->amendments_after_clearance;
    /* HS chapters: a declaration counts once per chapter, each item line once */
    for (const char *p = r->chapters; p && *p;) {
        char *end;
        long hs = strtol(p, &end, 10);
        if (*end != ':')
            break;
        long items = strtol(end + 1, &end, 10);
        if (hs >= 0 && hs < 100) {
            x->ch_decls[hs]++;
            x->ch_items[hs] += items;
        }
        p = *end == ',' ? end + 1 : end;
    }
    return 0;
}

static int scan_job(db_conn *c, void *ctx)
{
    dash_ctx *x = ctx;
    return store_dashboard_scan(c, x->office, x->from, x->to, on_row, x);
}

/* ---- tables ------------------------------------------------------------------------------- */

static json_t *table(json_t *tables, const char *name, const char *cols)
{
    json_t *t = json_pack("{s:s,s:[],s:[]}", "name", name, "columns", "rows");
    json_t *c = json_object_get(t, "columns");
    char buf[256];
    snprintf(buf, sizeof buf, "%s", cols);
    for (char *save = NULL, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save))
        json_array_append_new(c, json_string(p));
    json_array_append_new(tables, t);
    return json_object_get(t, "rows");
}

static json_t *share(int64_t met, int64_t n)
{
    char buf[16];
    if (!n)
        return json_null();
    snprintf(buf, sizeof buf, "%.1f", 100.0 * (double)met / (double)n);
    return json_string(buf);
}

static const char *const ch_names[N_CH] = {"none", "green", "yellow", "red"};

static json_t *build_tables(dash_ctx *x)
{
    json_t *tables = json_array(), *rows;
    rows = table(tables, "by_channel", "channel,declarations");
    for (int c = 1; c < N_CH; c++)
        json_array_append_new(rows, json_pack("[s,I]", ch_names[c], (json_int_t)x->by_channel[c]));
    rows = table(tables, "by_type", "type_code,declarations");
    for (int i = 0; i < x->n_types; i++) /* sorted by code: the scan's order is the engine's */
        for (int j = i + 1; j < x->n_types; j++)
            if (strcmp(x->types[j].code, x->types[i].code) < 0) {
                type_count tmp = x->types[i];
                x->types[i] = x->types[j];
                x->types[j] = tmp;
            }
    for (int i = 0; i < x->n_types; i++)
        json_array_append_new(rows,
                              json_pack("[s,I]", x->types[i].code, (json_int_t)x->types[i].n));
    rows = table(tables, "release_times", "stage,channel,declarations,p50_seconds,p90_seconds");
    for (int s = 0; s < 2; s++)
        for (int c = 1; c < N_CH; c++) {
            series *v = s ? &x->to_gate[c] : &x->to_clear[c];
            if (v->n) /* an empty series has no array (qsort's NULL is undefined even for 0) */
                qsort(v->v, v->n, sizeof *v->v, cmp_i64);
            json_array_append_new(
                rows, json_pack("[s,s,I,o,o]",
                                s ? "cleared_to_gate_out" : "registration_to_cleared", ch_names[c],
                                (json_int_t)v->n, v->n ? json_integer(pct(v, 50)) : json_null(),
                                v->n ? json_integer(pct(v, 90)) : json_null()));
        }
    rows = table(tables, "open_cases", "channel,open_declarations,p50_age_seconds,p90_age_seconds");
    series all = {0};
    for (int c = 1; c < N_CH; c++) {
        series *v = &x->open_age[c];
        for (size_t i = 0; i < v->n; i++)
            if (push(&all, v->v[i]))
                x->oom = 1;
    }
    for (int c = 1; c <= N_CH; c++) { /* the channels, then every channel ("all") */
        series *v = c < N_CH ? &x->open_age[c] : &all;
        if (v->n)
            qsort(v->v, v->n, sizeof *v->v, cmp_i64);
        json_array_append_new(rows, json_pack("[s,I,o,o]", c < N_CH ? ch_names[c] : "all",
                                              (json_int_t)v->n,
                                              v->n ? json_integer(pct(v, 50)) : json_null(),
                                              v->n ? json_integer(pct(v, 90)) : json_null()));
    }
    free(all.v);
    rows =
        table(tables, "legal_limits", "check,limit_working_hours,declarations,met,share_percent");
    json_array_append_new(rows, json_pack("[s,i,I,I,o]", "document_check", WORKHOURS_DOC_CHECK,
                                          (json_int_t)x->docs_n, (json_int_t)x->docs_met,
                                          share(x->docs_met, x->docs_n)));
    json_array_append_new(rows, json_pack("[s,i,I,I,o]", "physical_inspection",
                                          WORKHOURS_INSPECTION, (json_int_t)x->insp_n,
                                          (json_int_t)x->insp_met, share(x->insp_met, x->insp_n)));
    rows = table(tables, "revenue", "figure,vnd");
    json_array_append_new(rows, json_pack("[s,o]", "assessed", json_money(x->assessed)));
    json_array_append_new(rows, json_pack("[s,o]", "collected", json_money(x->collected)));
    rows = table(tables, "inspections", "inspected,violations,hit_rate_percent");
    json_array_append_new(rows,
                          json_pack("[I,I,o]", (json_int_t)x->inspected, (json_int_t)x->violations,
                                    share(x->violations, x->inspected)));
    rows = table(tables, "amendments", "amended_after_clearance");
    json_array_append_new(rows, json_pack("[I]", (json_int_t)x->amended));
    rows = table(tables, "hs_chapters", "chapter,declarations,items");
    char used[100] = {0};
    for (int k = 0; k < TOP_CHAPTERS; k++) { /* most declarations first, then the lower chapter */
        int best = -1;
        for (int c = 0; c < 100; c++)
            if (!used[c] && x->ch_decls[c] && (best < 0 || x->ch_decls[c] > x->ch_decls[best]))
                best = c;
        if (best < 0)
            break;
        used[best] = 1;
        char code[3] = {(char)('0' + best / 10), (char)('0' + best % 10), 0};
        json_array_append_new(rows, json_pack("[s,I,I]", code, (json_int_t)x->ch_decls[best],
                                              (json_int_t)x->ch_items[best]));
    }
    return tables;
}

static svc_reply csv_of(json_t *t)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    json_t *cols = json_object_get(t, "columns"), *rows = json_object_get(t, "rows"), *row, *v;
    size_t i, j;
    json_array_foreach(cols, i, v)
        pay_csv_field(f, json_string_value(v), i + 1 == json_array_size(cols));
    json_array_foreach(rows, i, row)
    {
        json_array_foreach(row, j, v)
        {
            char buf[32];
            const char *s = json_is_string(v) ? json_string_value(v) : "";
            if (json_is_integer(v)) {
                snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
                s = buf;
            }
            pay_csv_field(f, s, j + 1 == json_array_size(row));
        }
    }
    return pay_csv_reply(f, &text, &len);
}

svc_reply svc_dashboard(app *a, const svc_req *req, const char *office, const char *from,
                        const char *to, const char *format, const char *table_name)
{
    if (!svc_is_customs(req))
        return svc_error(SVC_FORBIDDEN, "forbidden",
                         "the dashboard is for customs managers and officers");
    errs *e = calloc(1, sizeof *e);
    dash_ctx *x = calloc(1, sizeof *x);
    svc_reply r = {0};
    json_t *tables = NULL;
    if (!e || !x) {
        r = svc_error(SVC_ERROR, "internal", "out of memory");
        goto out;
    }
    errs_init(e);
    date_ymd df = {0}, dt = {0};
    int have_from = from && *from, have_to = to && *to;
    if (!have_from)
        errs_add(e, "required", "/from", "from is a date YYYY-MM-DD");
    else if (date_parse(from, &df) != 0)
        errs_add(e, "date", "/from", "from is a date YYYY-MM-DD");
    if (!have_to)
        errs_add(e, "required", "/to", "to is a date YYYY-MM-DD");
    else if (date_parse(to, &dt) != 0)
        errs_add(e, "date", "/to", "to is a date YYYY-MM-DD");
    if (!e->n) {
        int32_t days = date_to_days(dt) - date_to_days(df);
        if (days < 0)
            errs_add(e, "range", "/to", "to is on or after from");
        else if (days >= MAX_DAYS)
            errs_add(e, "range", "/to", "a period has at most %d days", MAX_DAYS);
    }
    if (office && *office) {
        errs oe;
        errs_init(&oe);
        /* a closed office keeps its history: only an unknown code is refused */
        if (strlen(office) > 8 || (offices_check(a, office, &oe),
                                   oe.n && !strcmp(oe.items[0].code, "customs_office_unknown")))
            errs_add(e, "office_unknown", "/office", "no customs office '%.8s'", office);
        else
            snprintf(x->office, sizeof x->office, "%s", office);
    }
    int csv = format && !strcmp(format, "csv");
    if (format && *format && !csv && strcmp(format, "json"))
        errs_add(e, "format", "/format", "format is json or csv");
    if (csv && (!table_name || !*table_name))
        errs_add(e, "required", "/table", "a CSV download names its table");
    if (e->n) {
        r = svc_errors(e);
        goto out;
    }
    x->cal = calendar_hold(a);
    x->from = date_legal_start(df);
    x->to = date_legal_end(dt) + 1;
    int64_t now = svc_now();
    x->as_of = now < x->to ? now : x->to;
    if (store_read(a->st, scan_job, x) != 0 || x->oom) {
        r = svc_error(SVC_ERROR, "storage", "cannot read the period's declarations");
        goto out;
    }
    tables = build_tables(x);
    if (csv) {
        json_t *t;
        size_t i;
        json_array_foreach(tables, i, t) if (!strcmp(json_string_value(json_object_get(t, "name")),
                                                     table_name)) break;
        if (i == json_array_size(tables)) {
            errs_add(e, "table", "/table", "no table '%.40s'", table_name);
            r = svc_errors(e);
        } else {
            r = csv_of(json_array_get(tables, i));
        }
        goto out;
    }
    r.code = SVC_OK;
    r.body = json_pack("{s:o,s:s,s:s,s:s,s:o,s:O}", "office",
                       x->office[0] ? json_string(x->office) : json_null(), "from", from, "to", to,
                       "time_zone", "Asia/Ho_Chi_Minh", "open_as_of", json_timestamp(x->as_of),
                       "tables", tables);
out:
    json_decref(tables);
    if (x && x->cal)
        calendar_drop(a, x->cal);
    if (x)
        for (int c = 0; c < N_CH; c++) {
            free(x->to_clear[c].v);
            free(x->to_gate[c].v);
            free(x->open_age[c].v);
        }
    free(x);
    free(e);
    return r;
}
