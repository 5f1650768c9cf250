/* Specialised inspection use cases (see service/inspection.h). */
#include "service/inspection.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/json_fields.h"
#include "codec/json_inspection.h"
#include "core/lifecycle.h"
#include "service/kernel.h"
#include "service/ledger.h"
#include "service/payments.h"
#include "service/users.h"
#include "store/store_inspection.h"
#include "store/store_permits.h"

#define MAX_OWED 256 /* rows per declaration: 50 items x a few procedures */
#define MAX_RESULTS 256
#define MAX_OBLIGATIONS 2000

static int owes(const char *stage)
{
    return strcmp(stage, "before_clearance") == 0 || strcmp(stage, "after_clearance") == 0;
}

/* ---- what is owed ---------------------------------------------------------------------------- */

/* Agencies checked during one registration: connected or not (insp_agencies, inspection.h:
 * one statement for all of them, started ahead; an agency not in it is asked alone). */
typedef insp_agencies agency_memo;

int insp_agencies_send(db_conn *c, const tariff *t, const decl *d, insp_agencies *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 0; i < d->n_items; i++) {
        const tariff_line *l = tariff_find(t, (uint32_t)strtoul(d->items[i].hs_code, NULL, 10));
        for (int k = 0; l && k < l->n_procedures; k++) {
            const tariff_procedure *p = &l->procedures[k];
            if (!owes(p->stage) || !tariff_procedure_applies(p, d->kind == DECL_EXPORT))
                continue;
            int seen = 0;
            for (int j = 0; j < a->n && !seen; j++)
                seen = strcmp(a->agency[j], p->agency) == 0;
            if (!seen && a->n < STORE_AGENCY_SLOTS)
                a->agency[a->n++] = p->agency;
        }
    }
    if (!a->n)
        return 0;
    int rc = store_agencies_connected_send(c, a->agency, a->n, &a->st);
    if (rc != 0)
        a->n = 0;
    return rc;
}

void insp_agencies_unsend(db_conn *c, insp_agencies *a)
{
    if (a->st)
        db_reset(c, a->st);
    a->st = NULL;
}

static int connected(db_conn *c, agency_memo *m, const char *agency)
{
    if (m->st) { /* the look-up started by insp_agencies_send */
        db_stmt *st = m->st;
        m->st = NULL;
        int rc = store_agencies_connected_read(c, st, m->agency, m->n, m->connected);
        if (rc < 0) {
            m->n = 0;
            return rc;
        }
    }

    for (int i = 0; i < m->n; i++)
        if (strcmp(m->agency[i], agency) == 0)
            return m->connected[i];
    int rc = store_agency_connected(c, agency);
    if (rc >= 0 && m->n < 16) {
        m->agency[m->n] = agency;
        m->connected[m->n++] = rc;
    }
    return rc;
}

static json_t *owed_json(const insp_owed_row *r, const insp_result_row *res, int nres,
                         int64_t cleared_at);

int insp_on_register(db_conn *c, const tariff *t, const decl *d, const char *decl_id, int64_t now,
                     int fresh, json_t **owed)
{
    insp_agencies none = {0};
    return insp_on_register_sent(c, t, d, decl_id, now, fresh, &none, owed);
}

int insp_on_register_sent(db_conn *c, const tariff *t, const decl *d, const char *decl_id,
                          int64_t now, int fresh, insp_agencies *memo_in, json_t **owed)
{
    /* sized to what the lines list (a 140 KiB buffer per registration would be an mmap) */
    int cap = 0;
    for (int i = 0; i < d->n_items; i++) {
        const tariff_line *l = tariff_find(t, (uint32_t)strtoul(d->items[i].hs_code, NULL, 10));
        for (int k = 0; l && k < l->n_procedures; k++)
            cap += owes(l->procedures[k].stage);
    }
    if (cap > MAX_OWED)
        cap = MAX_OWED;
    insp_owed_row *old = fresh ? NULL : calloc(MAX_OWED, sizeof *old);
    insp_owed_row *rows = malloc((size_t)(cap ? cap : 1) * sizeof *rows);
    agency_memo memo = *memo_in;
    memo_in->st = NULL; /* read (or reset) here */
    int rc = 0, n_old = 0, n_rows = 0;
    json_t *list = owed ? json_array() : NULL;
    if (owed)
        *owed = NULL;
    if ((!fresh && !old) || !rows) {
        insp_agencies_unsend(c, &memo);
        free(old);
        free(rows);
        return DB_ERR;
    }
    /* a registration has nothing yet (no read, no delete on the hot path); an amendment replaces
     * what its declaration owed */
    if (!fresh && ((n_old = store_insp_owed_of(c, decl_id, old, MAX_OWED)) < 0 ||
                   (rc = store_insp_owed_clear(c, decl_id)) < 0)) {
        rc = n_old < 0 ? n_old : rc;
        goto out;
    }
    for (int i = 0; i < d->n_items && rc == 0; i++) {
        const decl_item *it = &d->items[i];
        const tariff_line *l = tariff_find(t, (uint32_t)strtoul(it->hs_code, NULL, 10));
        for (int k = 0; l && k < l->n_procedures && rc == 0; k++) {
            const tariff_procedure *p = &l->procedures[k];
            if (!owes(p->stage) || !tariff_procedure_applies(p, d->kind == DECL_EXPORT))
                continue;
            int on = connected(c, &memo, p->agency);
            if (on <= 0) {
                rc = on;
                continue;
            }
            insp_owed_row r = {.line = i + 1, .at = now};
            snprintf(r.decl_id, sizeof r.decl_id, "%s", decl_id);
            snprintf(r.legal_ref, sizeof r.legal_ref, "%s", p->legal_ref);
            snprintf(r.agency, sizeof r.agency, "%s", p->agency);
            snprintf(r.name, sizeof r.name, "%s", p->name);
            snprintf(r.stage, sizeof r.stage, "%s", p->stage);
            snprintf(r.hs_code, sizeof r.hs_code, "%s", it->hs_code);
            snprintf(r.status, sizeof r.status, "pending");
            /* an amendment keeps what was already decided for the same goods on the same line */
            for (int j = 0; j < n_old; j++)
                if (old[j].line == r.line && strcmp(old[j].legal_ref, r.legal_ref) == 0 &&
                    strcmp(old[j].hs_code, r.hs_code) == 0)
                    snprintf(r.status, sizeof r.status, "%s", old[j].status);
            int dup = 0; /* the source lists a few procedures twice on one line */
            for (int j = 0; j < n_rows && !dup; j++)
                dup = rows[j].line == r.line && strcmp(rows[j].legal_ref, r.legal_ref) == 0;
            if (dup || n_rows == cap)
                continue;
            rows[n_rows++] = r;
            if (list)
                json_array_append_new(list, owed_json(&r, NULL, 0, 0));
        }
    }
    if (rc == 0 && n_rows) /* one row for the declaration (nothing when nothing is owed) */
        rc = store_insp_owed_write(c, decl_id, rows, n_rows, now);
    if (rc == 0 && owed) {
        *owed = list;
        list = NULL;
    }
out:
    insp_agencies_unsend(c, &memo); /* (nothing was owed after all: never read) */
    json_decref(list);
    free(old);
    free(rows);
    return rc;
}

int insp_clearance_blocks(db_conn *c, const char *decl_id, errs *e)
{
    insp_owed_row *rows = calloc(MAX_OWED, sizeof *rows);
    if (!rows)
        return DB_ERR;
    int n = store_insp_owed_of(c, decl_id, rows, MAX_OWED), blocks = 0;
    for (int i = 0; i < n; i++) {
        const insp_owed_row *r = &rows[i];
        if (strcmp(r->stage, "before_clearance") != 0 || strcmp(r->status, "passed") == 0)
            continue;
        blocks++;
        if (!e)
            continue;
        char path[32];
        snprintf(path, sizeof path, "/items/%d", r->line - 1);
        if (strcmp(r->status, "failed") == 0)
            errs_add(
                e, "inspection_failed", path,
                "item %d (HS %s) failed %s (%s, %s): the goods cannot be cleared; re-export or "
                "destruction follows (decision inspection_failure)",
                r->line, r->hs_code, r->name, r->legal_ref, r->agency);
        else
            errs_add(e, "inspection_pending", path,
                     "item %d (HS %s) has no passing result of %s (%s, %s) yet", r->line,
                     r->hs_code, r->name, r->legal_ref, r->agency);
    }
    free(rows);
    return n < 0 ? n : blocks;
}

static json_t *result_json(const insp_result_row *r)
{
    char d[16];
    date_format(r->issued, d);
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:o}", "result", r->result, "certificate",
                          r->certificate, "date", d, "agency", r->agency, "recorded_by",
                          r->recorded_by, "referenced", r->referenced, "at", json_timestamp(r->at));
    if (r->note[0])
        json_object_set_new(o, "note", json_string(r->note));
    return o;
}

static json_t *owed_json(const insp_owed_row *r, const insp_result_row *res, int nres,
                         int64_t cleared_at)
{
    json_t *o = json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:s}", "line", r->line, "hs_code", r->hs_code,
                          "procedure", r->name, "legal_ref", r->legal_ref, "agency", r->agency,
                          "stage", r->stage, "status", r->status);
    json_t *arr = json_array();
    for (int i = 0; i < nres; i++)
        if (res[i].line == r->line && strcmp(res[i].legal_ref, r->legal_ref) == 0)
            json_array_append_new(arr, result_json(&res[i]));
    json_object_set_new(o, "results", arr);
    if (strcmp(r->stage, "after_clearance") == 0 && cleared_at) {
        char d[16];
        date_format(date_add_days(date_legal(cleared_at), INSP_AFTER_CLEARANCE_DAYS), d);
        json_object_set_new(o, "deadline", json_string(d));
    }
    return o;
}

/* The procedure's text, from the tariff line (the stored rows keep only its reference). */
static void name_of(const tariff *t, insp_owed_row *r)
{
    const tariff_line *l = t ? tariff_find(t, (uint32_t)strtoul(r->hs_code, NULL, 10)) : NULL;
    for (int k = 0; l && k < l->n_procedures; k++)
        if (strcmp(l->procedures[k].legal_ref, r->legal_ref) == 0 && owes(l->procedures[k].stage)) {
            snprintf(r->name, sizeof r->name, "%s", l->procedures[k].name);
            return;
        }
}

int insp_attach(db_conn *c, const tariff *t, const char *decl_id, json_t *view)
{
    insp_owed_row *rows = calloc(MAX_OWED, sizeof *rows);
    insp_result_row *res = calloc(MAX_RESULTS, sizeof *res);
    int rc = 0, n = 0, nres = 0;
    if (!rows || !res) {
        rc = DB_ERR;
        goto out;
    }
    if ((n = store_insp_owed_of(c, decl_id, rows, MAX_OWED)) < 0 ||
        (nres = store_insp_results_of(c, decl_id, res, MAX_RESULTS)) < 0) {
        rc = n < 0 ? n : nres;
        goto out;
    }
    const char *cl = json_string_value(json_object_get(view, "cleared_at"));
    int64_t cleared_at = 0;
    if (cl) {
        decl_row m = {0};
        if (store_decl_get_meta(c, decl_id, &m) == 1)
            cleared_at = m.cleared_at;
        decl_row_release(&m);
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        name_of(t, &rows[i]);
        json_array_append_new(arr, owed_json(&rows[i], res, nres, cleared_at));
    }
    json_object_set_new(view, "procedures_owed", arr);
    char addr[256];
    int64_t at = 0;
    int sr = store_storage_release_get(c, decl_id, addr, sizeof addr, &at);
    if (sr < 0)
        rc = sr;
    else if (sr == 1)
        json_object_set_new(
            view, "released_for_storage",
            json_pack("{s:s,s:o}", "storage_address", addr, "at", json_timestamp(at)));
out:
    free(rows);
    free(res);
    return rc;
}

/* ---- POST /declarations/{number}/inspection-results ------------------------------------------ */

typedef struct result_ctx {
    svc_job job; /* first: request, now, reply */
    const tariff *tariff;
    const char *number;
    int declarant; /* referencing a result already issued */
    char legal_ref[96];
    char result[8];
    char certificate[64];
    char reference[64];
    date_ymd issued;
    char note[256];
    int lines[INSP_MAX_LINES];
    int n_lines;
} result_ctx;

static int can_see(const svc_req *req, const decl_row *r)
{
    return svc_is_customs(req) || svc_role_is(req, "agency") ||
           strcmp(r->declarant, req->party) == 0 || strcmp(r->party, req->party) == 0;
}

static int event(db_conn *c, const svc_req *req, const decl_row *d, int64_t now, const char *action,
                 json_t *detail)
{
    /* the person who recorded the result, when a person did */
    json_t *who = svc_event_actor(req, detail ? json_deep_copy(detail) : NULL);
    char *t = who ? json_dumps(who, JSON_COMPACT) : NULL;
    json_decref(who);
    int rc =
        store_event_append(c, d->id, now, req->party, req->role, action, d->status, d->status, t);
    free(t);
    return rc;
}

/* After a passing result: a green declaration whose taxes are covered (or an AEO one) is
 * released by the system now that nothing blocks it. */
static int clear_if_free(db_conn *c, const svc_req *req, const decl_row *d, int64_t now)
{
    int blocks = insp_clearance_blocks(c, d->id, NULL);
    if (blocks != 0 || d->channel != CH_GREEN || d->status != ST_REGISTERED)
        return blocks < 0 ? blocks : 0;
    int rc = pay_clear_if_covered(c, d->id, d->party, now, req,
                                  "green channel: taxes covered, specialised inspection passed");
    return rc < 0 ? rc : 0;
}

static int record_job(db_conn *c, void *ctx)
{
    result_ctx *x = ctx;
    decl_row d = {0};
    insp_owed_row *rows = calloc(MAX_OWED, sizeof *rows);
    insp_result_row *found = calloc(16, sizeof *found);
    int rc = 0, n = 0, nfound = 0;
    if (!rows || !found) {
        rc = DB_ERR;
        goto out;
    }
    if (svc_idem_lookup(c, x->job.req, &x->job.reply)) {
        rc = 1;
        goto out;
    }
    if ((rc = store_decl_get_meta(c, x->number, &d)) < 0)
        goto out;
    if (rc == 0 || !d.number[0] || !can_see(x->job.req, &d)) {
        rc = svc_fail(&x->job, svc_error(SVC_NOT_FOUND, "not_found", "no such declaration"));
        goto out;
    }
    rc = 0;
    if (d.status == ST_CANCELLED || d.status == ST_INVALIDATED || d.status == ST_EXPIRED ||
        d.status == ST_REJECTED) {
        rc = svc_fail(&x->job,
                      svc_error(SVC_CONFLICT, "illegal_transition",
                                "the declaration is closed: no result can be recorded on it"));
        goto out;
    }
    if ((n = store_insp_owed_of(c, d.id, rows, MAX_OWED)) < 0) {
        rc = n;
        goto out;
    }
    if (x->declarant && (nfound = store_insp_results_by_cert(c, x->reference, found, 16)) < 0) {
        rc = nfound;
        goto out;
    }
    errs e;
    errs_init(&e);
    json_t *recorded = json_array();
    for (int k = 0; k < x->n_lines && rc == 0; k++) {
        int line = x->lines[k];
        char path[32];
        snprintf(path, sizeof path, "/items/%d", k);
        insp_result_row r = {.line = line, .issued = x->issued, .at = x->job.now};
        const insp_owed_row *o = NULL;
        if (x->declarant) {
            /* a passing result of the same enterprise's goods (same HS code) for a procedure this
             * item owes, recorded by the agency itself */
            const insp_result_row *src = NULL;
            for (int i = 0; i < n && !src; i++) {
                if (rows[i].line != line)
                    continue;
                for (int j = 0; j < nfound && !src; j++)
                    if (!found[j].referenced && strcmp(found[j].result, "pass") == 0 &&
                        strcmp(found[j].enterprise, d.party) == 0 &&
                        strcmp(found[j].legal_ref, rows[i].legal_ref) == 0 &&
                        strcmp(found[j].hs_code, rows[i].hs_code) == 0)
                        src = &found[j], o = &rows[i];
            }
            if (!src) {
                errs_add(
                    &e, "reference_invalid", "/reference",
                    "no passing result with certificate %s was issued for the goods of item %d "
                    "of this enterprise",
                    x->reference, line);
                continue;
            }
            snprintf(r.result, sizeof r.result, "pass");
            snprintf(r.certificate, sizeof r.certificate, "%s", src->certificate);
            r.issued = src->issued;
            r.referenced = 1;
        } else {
            for (int i = 0; i < n && !o; i++)
                if (rows[i].line == line && strcmp(rows[i].legal_ref, x->legal_ref) == 0)
                    o = &rows[i];
            if (!o) {
                errs_add(&e, "procedure_not_owed", path, "item %d does not owe procedure %s", line,
                         x->legal_ref);
                continue;
            }
            int bound = store_agency_bound(c, x->job.req->party, o->agency);
            if (bound < 0) {
                rc = bound;
                break;
            }
            if (!bound) {
                char msg[200];
                snprintf(msg, sizeof msg,
                         "procedure %s belongs to agency %s; party %s is not bound to it",
                         o->legal_ref, o->agency, x->job.req->party);
                json_decref(recorded);
                rc = svc_fail(&x->job, svc_error(SVC_FORBIDDEN, "agency_not_bound", msg));
                goto out;
            }
            snprintf(r.result, sizeof r.result, "%s", x->result);
            snprintf(r.certificate, sizeof r.certificate, "%s", x->certificate);
        }
        snprintf(r.decl_id, sizeof r.decl_id, "%s", d.id);
        snprintf(r.legal_ref, sizeof r.legal_ref, "%s", o->legal_ref);
        snprintf(r.agency, sizeof r.agency, "%s", o->agency);
        snprintf(r.enterprise, sizeof r.enterprise, "%s", d.party);
        snprintf(r.hs_code, sizeof r.hs_code, "%s", o->hs_code);
        snprintf(r.recorded_by, sizeof r.recorded_by, "%s", x->job.req->party);
        snprintf(r.role, sizeof r.role, "%s", x->job.req->role);
        snprintf(r.note, sizeof r.note, "%s", x->note);
        if ((rc = store_insp_result_put(c, &r)) == 0)
            rc = store_insp_owed_set(c, d.id, line, o->legal_ref,
                                     strcmp(r.result, "pass") == 0 ? "passed" : "failed");
        json_array_append_new(recorded,
                              json_pack("{s:i,s:s,s:s,s:s,s:b}", "line", line, "legal_ref",
                                        o->legal_ref, "result", r.result, "certificate",
                                        r.certificate, "referenced", r.referenced));
    }
    if (rc == 0 && e.n) {
        json_decref(recorded);
        rc = svc_fail(&x->job, svc_errors(&e));
        goto out;
    }
    if (rc == 0) {
        json_t *detail = json_pack("{s:o}", "results", recorded);
        rc = event(c, x->job.req, &d, x->job.now, "inspection_result", detail);
        json_decref(detail);
    } else {
        json_decref(recorded);
    }
    if (rc == 0)
        rc = clear_if_free(c, x->job.req, &d, x->job.now);
    if (rc == 0) {
        decl_row now_row = {0};
        int k = store_decl_get_meta(c, d.id, &now_row);
        json_t *v = json_pack("{s:s,s:s,s:o}", "declaration", d.number, "status",
                              decl_status_name((decl_status)(k == 1 ? now_row.status : d.status)),
                              "cleared_at", json_timestamp(k == 1 ? now_row.cleared_at : 0));
        decl_row_release(&now_row);
        if ((rc = insp_attach(c, x->tariff, d.id, v)) == 0) {
            x->job.reply.code = SVC_CREATED;
            x->job.reply.body = v;
            rc = svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->job.now);
        } else {
            json_decref(v);
        }
    }
out:
    decl_row_release(&d);
    free(rows);
    free(found);
    return rc;
}

/* The item lines of the declaration (its stored document), for validating `items`. */
typedef struct lines_ctx {
    const char *number;
    decl_row row;
    int found;
} lines_ctx;

static int lines_job(db_conn *c, void *ctx)
{
    lines_ctx *x = ctx;
    x->found = store_decl_get(c, x->number, &x->row);
    return x->found < 0 ? x->found : 0;
}

svc_reply svc_inspection_result(app *a, const svc_req *req, const char *number,
                                const insp_result_in *in, errs *e)
{
    svc_reply r = {0};
    int declarant = svc_role_is(req, "declarant");
    if (!declarant && !svc_role_is(req, "agency"))
        return svc_error(
            SVC_FORBIDDEN, "forbidden",
            "inspection results are recorded by the agency (or referenced by the declarant)");
    if (svc_body_not_object(e))
        return svc_not_object();
    if (svc_idempotent_replay(a, req, &r))
        return r;
    lines_ctx lc = {.number = number};
    if (store_read(a->st, lines_job, &lc) != 0)
        return svc_error(SVC_ERROR, "storage", "cannot read the declaration");
    int n_items = 0;
    if (lc.found == 1) {
        json_t *doc = json_loads(lc.row.doc, 0, NULL);
        n_items = (int)json_array_size(json_object_get(doc, "items"));
        json_decref(doc);
    }
    int visible = lc.found == 1 && lc.row.number[0] &&
                  (!declarant || strcmp(lc.row.declarant, req->party) == 0 ||
                   strcmp(lc.row.party, req->party) == 0);
    decl_row_release(&lc.row);
    if (!visible)
        return svc_error(SVC_NOT_FOUND, "not_found", "no such declaration");

    result_ctx x = {
        .job = svc_job_start(req), .tariff = a->tariff, .number = number, .declarant = declarant};
    /* the item lines the body names, against the declaration's items */
    int n_lines = 0;
    for (int i = 0; i < in->n_lines; i++) {
        if (in->lines[i] < 1 || in->lines[i] > n_items) {
            char path[32];
            snprintf(path, sizeof path, "/items/%d", i);
            errs_add(e, "line", path, "item lines of this declaration are 1-%d", n_items);
        } else {
            x.lines[n_lines++] = in->lines[i];
        }
    }
    if (in->issued && in->issued > svc_today())
        errs_add(e, "date_future", "/date", "a result cannot be dated in the future");
    snprintf(x.legal_ref, sizeof x.legal_ref, "%s", in->legal_ref);
    snprintf(x.result, sizeof x.result, "%s", in->result);
    snprintf(x.certificate, sizeof x.certificate, "%s", in->certificate);
    snprintf(x.reference, sizeof x.reference, "%s", in->reference);
    snprintf(x.note, sizeof x.note, "%s", in->note);
    x.issued = in->issued;
    x.n_lines = n_lines;
    if (e->n)
        return svc_errors(e);
    return svc_run_write(a, &x.job, record_job, &x, "the database refused the inspection result");
}

/* ---- GET /agencies/me/obligations ------------------------------------------------------------ */

typedef struct oblig_ctx {
    const char *party;
    char agencies[16][12];
    int n_agencies;
    insp_owed_row *rows;
    int n;
} oblig_ctx;

static int oblig_job(db_conn *c, void *ctx)
{
    oblig_ctx *x = ctx;
    x->n_agencies = store_agencies_of(c, x->party, x->agencies, 16);
    if (x->n_agencies < 0)
        return x->n_agencies;
    for (int i = 0; i < x->n_agencies && x->n < MAX_OBLIGATIONS; i++) {
        int k = store_insp_owed_by_agency(c, x->agencies[i], "after_clearance", x->rows + x->n,
                                          MAX_OBLIGATIONS - x->n);
        if (k < 0)
            return k;
        x->n += k;
    }
    return 0;
}

svc_reply svc_agency_obligations(app *a, const svc_req *req)
{
    if (!svc_role_is(req, "agency"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only agencies list their obligations");
    oblig_ctx x = {.party = req->party};
    x.rows = calloc(MAX_OBLIGATIONS, sizeof *x.rows);
    if (!x.rows)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    if (store_read(a->st, oblig_job, &x) != 0) {
        free(x.rows);
        return svc_error(SVC_ERROR, "storage", "cannot read the obligations");
    }
    json_t *arr = json_array();
    for (int i = 0; i < x.n; i++) {
        insp_owed_row *r = &x.rows[i];
        name_of(a->tariff, r);
        json_t *o = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:o}", "declaration", r->number, "line",
                              r->line, "hs_code", r->hs_code, "procedure", r->name, "legal_ref",
                              r->legal_ref, "agency", r->agency, "status", r->status, "cleared_at",
                              json_timestamp(r->cleared_at));
        if (r->cleared_at) {
            char d[16];
            date_format(date_add_days(date_legal(r->cleared_at), INSP_AFTER_CLEARANCE_DAYS), d);
            json_object_set_new(o, "deadline", json_string(d));
        } else {
            json_object_set_new(o, "deadline", json_null()); /* runs from clearance */
        }
        json_array_append_new(arr, o);
    }
    free(x.rows);
    svc_reply r = {.code = SVC_OK,
                   .body = json_pack("{s:o,s:i}", "obligations", arr, "count", x.n)};
    return r;
}

/* ---- officer decisions: release for storage, measures after a failed result ------------------ */

typedef struct idec_ctx {
    svc_job job; /* first: request, now, reply */
    const tariff *tariff;
    const char *number;
    const char *decision;
    char address[256];
    char measure[16];
    char note[512];
} idec_ctx;

static int idec_job(db_conn *c, void *ctx)
{
    idec_ctx *x = ctx;
    decl_row d = {0};
    int rc;
    if (svc_idem_lookup(c, x->job.req, &x->job.reply))
        return 1;
    if ((rc = store_decl_get(c, x->number, &d)) < 0)
        return rc;
    if (rc == 0 || !d.number[0]) {
        decl_row_release(&d);
        return svc_fail(&x->job, svc_error(SVC_NOT_FOUND, "not_found", "no such declaration"));
    }
    insp_owed_row *rows = calloc(MAX_OWED, sizeof *rows);
    int n = rows ? store_insp_owed_of(c, d.id, rows, MAX_OWED) : DB_ERR, pending = 0, failed = 0;
    for (int i = 0; i < n; i++)
        if (strcmp(rows[i].stage, "before_clearance") == 0) {
            pending += strcmp(rows[i].status, "pending") == 0;
            failed += strcmp(rows[i].status, "failed") == 0;
        }
    free(rows);
    if (n < 0) {
        decl_row_release(&d);
        return n;
    }
    int release = strcmp(x->decision, "release_for_storage") == 0;
    int live = d.status == ST_REGISTERED || d.status == ST_DOC_CHECK || d.status == ST_INSPECTION ||
               d.status == ST_CHECKED;
    const char *why = NULL;
    if (!live)
        why = release ? "only goods not yet cleared can be released for storage"
                      : "the declaration is not waiting for clearance";
    else if (release && !pending)
        why = "release for storage is for goods waiting for a specialised inspection result";
    else if (!release && !failed)
        why = "no specialised inspection of this declaration failed";
    if (why) {
        decl_row_release(&d);
        return svc_fail(&x->job, svc_error(SVC_CONFLICT, "illegal_transition", why));
    }
    if (release &&
        (rc = store_storage_release_put(c, d.id, x->address, x->job.req->party, x->job.now)) != 0) {
        decl_row_release(&d);
        if (rc == DB_CONSTRAINT)
            return svc_fail(&x->job, svc_error(SVC_CONFLICT, "illegal_transition",
                                               "the goods are already released for storage"));
        return rc;
    }
    json_t *detail = json_pack("{s:s}", "decision", x->decision);
    if (release)
        json_object_set_new(detail, "storage_address", json_string(x->address));
    else
        json_object_set_new(detail, "measure", json_string(x->measure));
    if (x->note[0])
        json_object_set_new(detail, "note", json_string(x->note));
    json_t *decisions = d.decisions ? json_loads(d.decisions, 0, NULL) : NULL;
    if (!decisions)
        decisions = json_array();
    json_t *entry = json_deep_copy(detail);
    char ts[24];
    date_format_timestamp((time_t)x->job.now, ts);
    json_object_set_new(entry, "action", json_string(x->decision));
    json_object_set_new(entry, "by", json_string(x->job.req->party));
    json_object_set_new(entry, "role", json_string(x->job.req->role));
    json_object_set_new(entry, "at", json_string(ts));
    json_array_append_new(decisions, entry);
    free(d.decisions);
    d.decisions = json_dumps(decisions, JSON_COMPACT);
    json_decref(decisions);
    d.updated_at = x->job.now;
    rc = store_decl_update(c, &d);
    if (rc == 0)
        rc = event(c, x->job.req, &d, x->job.now, x->decision, detail);
    json_decref(detail);
    if (rc == 0) {
        json_t *v = svc_decl_view_row(&d, x->job.req);
        if ((rc = insp_attach(c, x->tariff, d.id, v)) == 0) {
            x->job.reply.code = SVC_OK;
            x->job.reply.body = v;
            rc = svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->job.now);
        } else {
            json_decref(v);
        }
    }
    decl_row_release(&d);
    return rc;
}

int svc_insp_decision(app *a, const svc_req *req, const char *number, const char *decision,
                      const insp_decision_in *in, errs *e, svc_reply *out)
{
    int release = strcmp(decision, "release_for_storage") == 0;
    if (!release && strcmp(decision, "inspection_failure") != 0)
        return 0;
    if (svc_idempotent_replay(a, req, out))
        return 1;
    idec_ctx x = {
        .job = svc_job_start(req), .tariff = a->tariff, .number = number, .decision = decision};
    snprintf(x.address, sizeof x.address, "%s", in->address);
    snprintf(x.measure, sizeof x.measure, "%s", in->measure);
    snprintf(x.note, sizeof x.note, "%s", in->note);
    if (e->n) {
        *out = svc_errors(e);
        return 1;
    }
    *out = svc_run_write(a, &x.job, idec_job, &x, "the database refused the decision");
    return 1;
}
