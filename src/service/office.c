/* e-Office use cases: the list of declarations with filters and search, officers'
 * worklists with the legal time limits, claims, and enterprises' status-change feed. */
#include "service/office.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/json_fields.h"
#include "core/decl.h"
#include "core/workhours.h"
#include "service/calendar.h"
#include "service/internal.h"
#include "service/users.h"
#include "util/decimal.h"

#define LIST_MAX 200
#define VN_OFFSET (7 * 3600)

/* Customs staff see every declaration; everyone else only their party's (declarant or
 * enterprise). */
static int sees_all(const svc_req *req)
{
    return svc_is_customs(req) || svc_role_is(req, "manager");
}

/* What the trader is expected to do next, from the status (the UI translates the code). */
static const char *awaiting(int status, int channel)
{
    switch (status) {
    case ST_PROVISIONAL: return "registration";
    case ST_REGISTERED: return channel >= CH_YELLOW ? "document_check" : "clearance";
    case ST_DOC_CHECK: return "document_check";
    case ST_INSPECTION: return "inspection";
    case ST_CHECKED: return "clearance";
    case ST_CLEARED: return "gate_out";
    default: return NULL;
    }
}

static json_t *row_json(const workhours_cal *cal, const decl_list_row *r, int64_t now,
                        int queue_hours, int64_t queue_start)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(r->id));
    json_object_set_new(o, "number", r->number[0] ? json_string(r->number) : json_null());
    json_object_set_new(o, "kind", json_string(r->kind == DECL_EXPORT ? "export" : "import"));
    json_object_set_new(o, "type_code", json_string(r->type_code));
    json_object_set_new(o, "status", json_string(decl_status_name((decl_status)r->status)));
    json_object_set_new(o, "channel",
                        r->channel ? json_string(decl_channel_name((decl_channel)r->channel))
                                   : json_null());
    json_object_set_new(o, "customs_office", json_string(r->office));
    json_object_set_new(o, "declarant", json_string(r->declarant));
    json_object_set_new(o, "enterprise", json_string(r->party));
    json_object_set_new(o, "enterprise_name", json_string(r->party_name));
    json_object_set_new(o, "customs_value", json_money(r->customs_value));
    json_object_set_new(o, "total_tax", json_money(r->total_tax));
    json_object_set_new(o, "created_at", json_timestamp(r->created_at));
    json_object_set_new(o, "registered_at", json_timestamp(r->registered_at));
    json_object_set_new(o, "cleared_at", json_timestamp(r->cleared_at));
    const char *aw = awaiting(r->status, r->channel);
    json_object_set_new(o, "awaiting", aw ? json_string(aw) : json_null());
    json_object_set_new(
        o, "claimed_by",
        r->claim_user[0] ? json_pack("{s:s,s:s}", "username", r->claim_user, "name", r->claim_name)
                         : json_null());
    if (queue_hours) {
        /* Customs Law 2014 Art. 23: the limit runs in working hours from entering the queue */
        queue_hours += r->extension_hours; /* as the head of the office extended it */
        int64_t due = workhours_deadline(cal, queue_start, queue_hours);
        json_object_set_new(o, "queue_since", json_timestamp(queue_start));
        json_object_set_new(o, "due_at", json_timestamp(due));
        json_object_set_new(o, "limit_working_hours", json_integer(queue_hours));
        json_object_set_new(o, "extended_working_hours", json_integer(r->extension_hours));
        int64_t left =
            now < due ? workhours_between(cal, now, due) : -workhours_between(cal, due, now);
        json_object_set_new(o, "working_seconds_left", json_integer(left));
        json_object_set_new(o, "overdue", json_boolean(now > due));
    }
    return o;
}

/* "YYYY-MM-DD" (a Vietnam calendar day) -> unix s at its local midnight. */
static int vn_day_start(const char *s, int64_t *out)
{
    date_ymd d;
    if (date_parse(s, &d) != 0)
        return -1;
    *out = (int64_t)date_to_days(d) * 86400 - VN_OFFSET;
    return 0;
}

static int parse_common(const svc_list_args *in, const svc_req *req, decl_list_q *q, errs *e)
{
    memset(q, 0, sizeof *q);
    q->office = in->office ? in->office : "";
    q->type_code = in->type_code ? in->type_code : "";
    q->party = "";
    q->to = INT64_MAX / 2;
    if (in->status && *in->status && (q->status = decl_status_from_name(in->status)) < 0)
        errs_add(e, "enum", "/status", "unknown status '%.40s'", in->status);
    if (in->channel && *in->channel) {
        q->channel = !strcmp(in->channel, "green")    ? CH_GREEN
                     : !strcmp(in->channel, "yellow") ? CH_YELLOW
                     : !strcmp(in->channel, "red")    ? CH_RED
                                                      : -1;
        if (q->channel < 0)
            errs_add(e, "enum", "/channel", "channel is green, yellow or red");
    }
    if (strlen(q->office) > 8)
        errs_add(e, "office", "/office", "a customs office code has at most 8 characters");
    if (strlen(q->type_code) > 3)
        errs_add(e, "type_code", "/type_code", "a type code has 3 characters");
    if (in->from && *in->from && vn_day_start(in->from, &q->from) != 0)
        errs_add(e, "date", "/from", "from is a date YYYY-MM-DD");
    if (in->to && *in->to) {
        if (vn_day_start(in->to, &q->to) != 0)
            errs_add(e, "date", "/to", "to is a date YYYY-MM-DD");
        else
            q->to += 86400; /* inclusive */
    }
    q->limit = 50;
    if (in->limit && *in->limit) {
        char *end;
        long l = strtol(in->limit, &end, 10);
        if (*end || l < 1 || l > LIST_MAX)
            errs_add(e, "limit", "/limit", "limit is 1..%d", LIST_MAX);
        else
            q->limit = (int)l;
    }
    if (!sees_all(req))
        q->party = req->party;
    else if (in->enterprise && *in->enterprise)
        q->party = in->enterprise;
    if (strlen(q->party) > 13)
        errs_add(e, "enterprise", "/enterprise", "a tax code has at most 13 characters");
    return e->n ? -1 : 0;
}

/* Folded words of q as [lo, hi) prefix ranges: the three longest words. */
static int parse_terms(const char *text, decl_list_q *q, errs *e)
{
    char f[256];
    if (strlen(text) > 200)
        return errs_add(e, "q", "/q", "a search has at most 200 characters");
    store_fold(text, f, sizeof f);
    char words[16][64];
    int n = 0;
    for (char *p = f; *p && n < 16;) {
        while (*p && !isalnum((unsigned char)*p) && !((unsigned char)*p & 0x80))
            p++;
        char *w = p;
        while (*p && (isalnum((unsigned char)*p) || ((unsigned char)*p & 0x80) ||
                      ((*p == '-' || *p == '/' || *p == '.') && isalnum((unsigned char)p[1]))))
            p++;
        size_t len = (size_t)(p - w);
        if (len >= 2) {
            if (len > 62)
                len = 62;
            memcpy(words[n], w, len);
            words[n++][len] = 0;
        }
    }
    /* the longest words are the most selective */
    for (int i = 0; i < n && q->n_terms < 3; i++) {
        int best = i;
        for (int j = i + 1; j < n; j++)
            if (strlen(words[j]) > strlen(words[best]))
                best = j;
        char tmp[64];
        memcpy(tmp, words[i], 64);
        memcpy(words[i], words[best], 64);
        memcpy(words[best], tmp, 64);
        char *lo = q->terms[q->n_terms][0], *hi = q->terms[q->n_terms][1];
        size_t wl = strnlen(words[i], 62);
        memcpy(lo, words[i], wl);
        memcpy(hi, words[i], wl);
        lo[wl] = hi[wl] = 0;
        hi[wl - 1]++; /* the prefix range [word, word with its last byte + 1) */
        q->n_terms++;
    }
    if (!q->n_terms && *text)
        return errs_add(e, "q", "/q", "search for at least two letters or digits");
    return 0;
}

typedef struct list_ctx {
    decl_list_q q;
    decl_list_row *rows;
    int n;
    int by_updated;
    int worklist;
} list_ctx;

static int list_job(db_conn *c, void *ctx)
{
    list_ctx *x = ctx;
    x->n = x->worklist ? store_decl_worklist(c, &x->q, x->by_updated, x->rows)
                       : store_decl_list(c, &x->q, x->rows);
    return x->n < 0 ? x->n : 0;
}

svc_reply svc_decl_list(app *a, const svc_req *req, const svc_list_args *in)
{
    errs *e = calloc(1, sizeof *e);
    list_ctx *x = calloc(1, sizeof *x);
    svc_reply r = {0};
    if (!e || !x)
        goto oom;
    errs_init(e);
    parse_common(in, req, &x->q, e);
    if (in->q && *in->q)
        parse_terms(in->q, &x->q, e);
    x->q.cursor_at = INT64_MAX / 2;
    if (in->cursor && *in->cursor) {
        long long at;
        char id[40];
        if (sscanf(in->cursor, "%lld.%32[0-9a-f]", &at, id) != 2 || strlen(id) != 32)
            errs_add(e, "cursor", "/cursor", "cursor is the next_cursor of an earlier page");
        else {
            x->q.cursor_at = at;
            memcpy(x->q.cursor_id, id, 33);
        }
    } /* else: cursor_at is after every row, so the id does not matter */
    if (e->n) {
        r = svc_errors(e);
        goto out;
    }
    x->q.limit++; /* one more than asked says whether there is a next page */
    x->rows = calloc((size_t)x->q.limit, sizeof *x->rows);
    if (!x->rows)
        goto oom;
    if (store_read(a->st, list_job, x) != 0) {
        r = svc_error(SVC_ERROR, "storage", "cannot list declarations");
        goto out;
    }
    int more = x->n == x->q.limit, shown = more ? x->n - 1 : x->n;
    json_t *items = json_array();
    for (int i = 0; i < shown; i++)
        json_array_append_new(items, row_json(NULL, &x->rows[i], 0, 0, 0));
    json_t *next = json_null();
    if (more) {
        char cur[64];
        snprintf(cur, sizeof cur, "%lld.%s", (long long)x->rows[shown - 1].created_at,
                 x->rows[shown - 1].id);
        next = json_string(cur);
    }
    r.code = SVC_OK;
    r.body = json_pack("{s:o,s:o}", "items", items, "next_cursor", next);
    goto out;
oom:
    r = svc_error(SVC_ERROR, "internal", "out of memory");
out:
    if (x)
        free(x->rows);
    free(x);
    free(e);
    return r;
}

svc_reply svc_worklist(app *a, const svc_req *req, const char *queue, const svc_list_args *in)
{
    if (!svc_is_customs(req) && !svc_role_is(req, "manager"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "worklists are for customs officers");
    int docs = !strcmp(queue, "document-check"), insp = !strcmp(queue, "inspection");
    if (!docs && !insp)
        return svc_error(SVC_NOT_FOUND, "not_found", "worklists: document-check or inspection");
    errs *e = calloc(1, sizeof *e);
    list_ctx *x = calloc(1, sizeof *x);
    svc_reply r = {0};
    if (!e || !x) {
        free(e);
        free(x);
        return svc_error(SVC_ERROR, "internal", "out of memory");
    }
    errs_init(e);
    svc_list_args args = *in;
    if (!args.office || !*args.office) /* an officer's own office unless another is asked for */
        args.office = req->office;
    parse_common(&args, req, &x->q, e);
    if (args.status && *args.status)
        errs_add(e, "status", "/status", "a worklist has its own statuses");
    if (e->n) {
        r = svc_errors(e);
        goto out;
    }
    x->worklist = 1;
    x->q.limit = x->q.limit < LIST_MAX && in->limit ? x->q.limit : LIST_MAX;
    if (docs) { /* yellow and red: registered (waiting) and document check started */
        x->q.status = ST_REGISTERED;
        x->q.status2 = ST_DOC_CHECK;
        x->q.min_channel = CH_YELLOW;
    } else {
        x->q.status = ST_INSPECTION;
        x->by_updated = 1;
    }
    x->rows = calloc((size_t)x->q.limit, sizeof *x->rows);
    if (!x->rows || store_read(a->st, list_job, x) != 0) {
        r = svc_error(SVC_ERROR, "storage", "cannot read the worklist");
        goto out;
    }
    int64_t now = (int64_t)time(NULL);
    json_t *items = json_array();
    const workhours_cal *cal = calendar_hold(a);
    for (int i = 0; i < x->n; i++) {
        const decl_list_row *row = &x->rows[i];
        json_array_append_new(items, row_json(cal, row, now,
                                              docs ? WORKHOURS_DOC_CHECK : WORKHOURS_INSPECTION,
                                              docs ? row->registered_at : row->updated_at));
    }
    calendar_drop(a, cal);
    r.code = SVC_OK;
    r.body = json_pack("{s:s,s:s,s:o}", "queue", queue, "office", args.office ? args.office : "",
                       "items", items);
out:
    if (x)
        free(x->rows);
    free(x);
    free(e);
    return r;
}

/* ---- extensions of the inspection's time limit ---------------------------------------------- */

/* Customs Law 2014 Art. 23: the physical inspection ends within 8 working hours of the goods'
 * presentation; for a large consignment, many kinds of goods or a complex inspection, the head of
 * the customs office where the declaration is processed may extend it, by at most two days in
 * all (DECL_EXTENSION_MAX_HOURS working hours). The head is the office's manager, as a person:
 * the extension is a decision someone answers for. */
typedef struct extend_ctx {
    svc_job job;
    const char *key;
    const decl_extension_in *in;
    const workhours_cal *cal;
    int total;
    int64_t due;
} extend_ctx;

static int extend_job(db_conn *c, void *ctx)
{
    extend_ctx *x = ctx;
    const svc_req *req = x->job.req;
    if (svc_idem_lookup(c, req, &x->job.reply))
        return 1;
    decl_row row;
    int rc = store_decl_get_meta(c, x->key, &row);
    if (rc != 1)
        return rc < 0 ? rc
                      : svc_fail(&x->job,
                                 svc_error(SVC_NOT_FOUND, "not_found", "no such declaration"));
    char msg[160];
    if (req->office[0] && strcmp(req->office, row.office)) {
        snprintf(msg, sizeof msg, "only the head of office %s extends its inspections", row.office);
        return svc_fail(&x->job, svc_error(SVC_FORBIDDEN, "other_office", msg));
    }
    if (row.status != ST_INSPECTION) {
        snprintf(msg, sizeof msg,
                 "only a physical inspection under way is extended (the declaration is %s)",
                 decl_status_name((decl_status)row.status));
        return svc_fail(&x->job, svc_error(SVC_CONFLICT, "not_in_inspection", msg));
    }
    int before = store_insp_extension_get(c, row.id);
    if (before < 0)
        return before;
    x->total = before + x->in->working_hours;
    if (x->total > DECL_EXTENSION_MAX_HOURS) {
        errs e;
        errs_init(&e);
        errs_add(&e, "extension_exceeded", "/working_hours",
                 "extended by %d working hours already: at most %d more (two working days in all)",
                 before, DECL_EXTENSION_MAX_HOURS - before);
        svc_reply r = svc_errors(&e);
        r.code = SVC_CONFLICT;
        return svc_fail(&x->job, r);
    }
    if ((rc = store_insp_extension_add(c, row.id, x->in->working_hours, x->job.now, req->user,
                                       x->in->reason)) != 0)
        return rc;
    /* the limit runs from entering the inspection queue, as the worklist counts it */
    x->due = workhours_deadline(x->cal, row.updated_at, WORKHOURS_INSPECTION + x->total);
    json_t *d =
        json_pack("{s:i,s:i,s:s,s:o}", "working_hours", x->in->working_hours, "total_working_hours",
                  x->total, "reason", x->in->reason, "due_at", json_timestamp(x->due));
    d = svc_event_actor(req, d);
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    rc = store_event_append(c, row.id, x->job.now, req->party, req->role, "inspection_extended",
                            row.status, row.status, text);
    free(text);
    if (rc != 0)
        return rc;
    x->job.reply.code = SVC_OK;
    x->job.reply.body = json_pack(
        "{s:s,s:i,s:i,s:o,s:o}", "declaration", row.number[0] ? row.number : row.id,
        "extended_working_hours", x->total, "limit_working_hours", WORKHOURS_INSPECTION + x->total,
        "due_at", json_timestamp(x->due), "at", json_timestamp(x->job.now));
    return svc_idem_save(c, req, x->job.reply.code, x->job.reply.body, x->job.now);
}

svc_reply svc_inspection_extend(app *a, const svc_req *req, const char *number,
                                const decl_extension_in *in, errs *e)
{
    if (!svc_role_is(req, "manager"))
        return svc_error(SVC_FORBIDDEN, "forbidden",
                         "the head of the customs office (manager) extends an inspection");
    if (!req->user[0])
        return svc_error(SVC_FORBIDDEN, "person_required",
                         "an extension is decided by a person: sign in, or use a token issued "
                         "with --user");
    svc_reply r;
    if (svc_write_answered(a, req, e, &r))
        return r;
    extend_ctx x = {.job = svc_job_start(req), .key = number, .in = in, .cal = calendar_hold(a)};
    r = svc_run_write(a, &x.job, extend_job, &x, "the database refused the extension");
    calendar_drop(a, x.cal);
    return r;
}

/* ---- notifications ------------------------------------------------------------------------- */

typedef struct notif_ctx {
    const char *party;
    int64_t after, at; /* a feed position, or a time to find one (at >= 0) */
    notif_row rows[100];
    int n;
} notif_ctx;

static int notif_job(db_conn *c, void *ctx)
{
    notif_ctx *x = ctx;
    if (x->at >= 0 && (x->after = store_feed_position(c, x->at)) < 0)
        return (int)x->after;
    x->n = store_notifications(c, x->party, x->after, x->rows, 100);
    return x->n < 0 ? x->n : 0;
}

svc_reply svc_notifications(app *a, const svc_req *req, const char *since)
{
    notif_ctx *x = calloc(1, sizeof *x);
    if (!x)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    x->party = req->party;
    x->at = -1;
    if (since && *since) {
        /* a cursor from an earlier answer ("f<position>"), or a time (ISO UTC or unix s) */
        long long v;
        struct tm tm = {0};
        const char *end;
        size_t digits = strspn(since, "0123456789");
        if (since[0] == 'f' && strspn(since + 1, "0123456789") == strlen(since + 1) && since[1] &&
            strlen(since) < 19 && sscanf(since + 1, "%lld", &v) == 1) {
            x->after = v;
        } else if ((end = strptime(since, "%Y-%m-%dT%H:%M:%SZ", &tm)) && !*end) {
            x->at = (int64_t)timegm(&tm);
        } else if (digits && digits == strlen(since) && digits < 19 &&
                   sscanf(since, "%lld", &v) == 1) {
            x->at = v;
        } else {
            free(x);
            return svc_error(SVC_INVALID, "since",
                             "since is the next of an earlier answer, a UTC "
                             "time (YYYY-MM-DDTHH:MM:SSZ) or unix seconds");
        }
    }
    if (store_read(a->st, notif_job, x) != 0) {
        free(x);
        return svc_error(SVC_ERROR, "storage", "cannot read notifications");
    }
    json_t *items = json_array();
    for (int i = 0; i < x->n; i++) {
        notif_row *n = &x->rows[i];
        json_array_append_new(
            items,
            json_pack("{s:s,s:o,s:i,s:s,s:o,s:s,s:o,s:o}", "declaration_id", n->decl_id, "number",
                      n->number[0] ? json_string(n->number) : json_null(), "seq", n->seq, "action",
                      n->action, "from_status",
                      n->from_status ? json_string(decl_status_name((decl_status)n->from_status))
                                     : json_null(),
                      "to_status", decl_status_name((decl_status)n->to_status), "channel",
                      n->channel ? json_string(decl_channel_name((decl_channel)n->channel))
                                 : json_null(),
                      "at", json_timestamp(n->at)));
    }
    char next[32];
    snprintf(next, sizeof next, "f%lld", (long long)(x->n ? x->rows[x->n - 1].feed : x->after));
    svc_reply r = {.code = SVC_OK, .body = json_pack("{s:o,s:s}", "items", items, "next", next)};
    free(x);
    return r;
}

/* ---- claims -------------------------------------------------------------------------------- */

typedef struct claim_ctx {
    const svc_req *req;
    const char *key;
    int64_t now;
    int found;
    char prev_user[64], prev_name[128];
    decl_row row;
} claim_ctx;

static int claim_job(db_conn *c, void *ctx)
{
    claim_ctx *x = ctx;
    int64_t at;
    x->found = store_decl_get_meta(c, x->key, &x->row);
    if (x->found != 1)
        return x->found < 0 ? x->found : 1;
    int rc = store_claim_get(c, x->row.id, x->prev_user, x->prev_name, &at);
    if (rc < 0)
        return rc;
    if ((rc = store_claim_put(c, x->row.id, x->req->user, x->req->user_name, x->now)) != 0)
        return rc;
    json_t *d = json_pack("{s:s?}", "previous_holder", x->prev_user[0] ? x->prev_user : NULL);
    d = svc_event_actor(x->req, d);
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    rc = store_event_append(c, x->row.id, x->now, x->req->party, x->req->role, "claim",
                            x->row.status, x->row.status, text);
    free(text);
    return rc;
}

svc_reply svc_decl_claim(app *a, const svc_req *req, const char *number)
{
    if (!svc_role_is(req, "officer"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only customs officers take declarations");
    if (!req->user[0])
        return svc_error(
            SVC_FORBIDDEN, "person_required",
            "a declaration is taken by a person: sign in, or use a token issued with --user");
    claim_ctx x = {.req = req, .key = number, .now = (int64_t)time(NULL)};
    int rc = store_write(a->st, claim_job, &x);
    if (x.found == 0)
        return svc_error(SVC_NOT_FOUND, "not_found", "no such declaration");
    if (rc != 0)
        return svc_error(SVC_ERROR, "storage", "cannot record the claim");
    svc_reply r = {.code = SVC_OK,
                   .body = json_pack("{s:s,s:{s:s,s:s},s:o}", "declaration",
                                     x.row.number[0] ? x.row.number : x.row.id, "claimed_by",
                                     "username", req->user, "name", req->user_name, "at",
                                     json_timestamp(x.now))};
    if (x.prev_user[0] && strcmp(x.prev_user, req->user))
        json_object_set_new(r.body, "previous_holder",
                            json_pack("{s:s,s:s}", "username", x.prev_user, "name", x.prev_name));
    return r;
}
