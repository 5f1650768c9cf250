/* e-Clearance use cases: IDA (create), IDB (modify), IDC (register: check -> number ->
 * classify), amendments, cancellation, officer decisions, invalidation, and reads.
 *
 * Pattern of every write: the expensive, side-effect-free work (decode, validate, tariff and
 * taxes, selectivity) happens in the caller's thread; the job handed to the group-commit
 * writer only re-reads the row, checks that nothing changed in between, and writes. */
#include "service/clearance.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/json_fields.h"
#include "codec/json_span.h"
#include "codec/json_decl.h"
#include "codec/json_decl_action.h"
#include "codec/json_tax.h"
#include "core/lifecycle.h"
#include "core/number.h"
#include "core/typecode.h"
#include "core/validate.h"
#include "service/app.h"
#include "service/audit_log.h"
#include "service/duplicates.h"
#include "service/offices.h"
#include "service/internal.h"
#include "service/mandates.h"
#include "service/views.h"
#include "service/kernel.h"
#include "service/users.h"
#include "service/certificates.h"
#include "service/amendments.h"
#include "service/inspection.h"
#include "service/permits.h"
#include "store/store_audit.h"
#include "store/store_dashboard.h"
#include "store/store_inspection.h"
#include "store/store_permits.h"
#include "store/store_selections.h"
#include "store/store_users.h"
#include "service/ledger.h"
#include "service/statements.h"
#include "service/manifests.h"
#include "service/risk_engine.h"
#include "store/store_risk.h"
#include "store/pack.h"
#include "util/outbuf.h"
#include "util/decimal.h"
#include "util/log.h"
#include "util/rand.h"

#define PROVISIONAL_DAYS 7 /* IDA data kept for 7 days */

/* The last second provisional data created at `created_at` may be modified or registered: the end
 * of the 7th legal day after its creation (the sweep expires it the day after: svc_invalidate). */
static int64_t provisional_until(int64_t created_at)
{
    return date_legal_end(date_add_days(date_legal(created_at), PROVISIONAL_DAYS));
}
#define AMEND_AFTER_CLEARANCE_DAYS 60
#define INVALIDATE_DAYS 15
#define MAX_FX 64

static int can_see(const svc_req *req, const decl_row *r)
{
    return svc_is_customs(req) || svc_role_is(req, "system") ||
           strcmp(r->declarant, req->party) == 0 || strcmp(r->party, req->party) == 0;
}

/* ---- decode + validate + taxes ------------------------------------------------------------ */

/* Drops errors whose path already has an earlier error (a missing field would otherwise also
 * be reported as "must be positive"). */
static void dedupe(errs *e)
{
    int w = 0;
    for (int i = 0; i < e->n; i++) {
        int dup = 0;
        for (int j = 0; j < w && !dup; j++)
            dup = e->items[i].path[0] && strcmp(e->items[j].path, e->items[i].path) == 0;
        if (!dup)
            e->items[w++] = e->items[i];
    }
    e->n = w;
}

/* The assessed declaration: decoded struct + taxes, ready to be stored. */
typedef struct assessed {
    decl d;
    tax_result tr;
    tax_item_result *items;
    char *doc;   /* canonical JSON of the submitted declaration */
    char *taxes; /* JSON of the tax result */
    json_t *taxes_json;
} assessed;

static void assessed_release(assessed *x)
{
    decl_release(&x->d);
    free(x->items);
    free(x->doc);
    free(x->taxes);
    json_decref(x->taxes_json);
    memset(x, 0, sizeof *x);
}

/* Checks the decoded declaration in (its struct moves into x: in->d is left zeroed; e holds the
 * decoder's errors), computes taxes with the rates of `date`. On failure returns -1 and a 422
 * reply with every problem. text is the document's JSON: the request's body (req->raw_body) or
 * the stored document (req NULL). */
enum { ASSESS_ENCODE = 1 }; /* also serialise the document and the taxes */

static int assess_ex(app *a, const svc_req *req, decl_in *in, errs *e, const char *text,
                     date_ymd date, assessed *x, svc_reply *fail, int flags, const char *own_id)
{
    memset(x, 0, sizeof *x);
    x->d = in->d;
    memset(&in->d, 0, sizeof in->d);
    /* a declarant the body names is kept as it is (a different one is refused below) */
    int given_same = in->declarant_given && x->d.declarant[0];
    decl_validate(&x->d, a->tariff, e);
    decl_validate_dates(&x->d, svc_today(), e); /* sane windows are about today, not the tax date */
    offices_check(a, x->d.customs_office, e);
    if (req && svc_role_is(req, "declarant")) {
        /* the declarant is the enterprise holding the token (a broker or the trader) */
        if (!x->d.declarant[0])
            snprintf(x->d.declarant, sizeof x->d.declarant, "%s", req->party);
        else if (strcmp(x->d.declarant, req->party) != 0)
            errs_add(e, "declarant_mismatch", "/declarant",
                     "the declarant must be the enterprise of the token (%s)", req->party);
    }
    if (e->n == 0) {
        tax_fx rates[MAX_FX];
        int nfx = app_fx_on(a, date, rates, MAX_FX);
        tax_fx_table table = {rates, (size_t)(nfx > 0 ? nfx : 0)};
        x->items = calloc((size_t)x->d.n_items, sizeof *x->items);
        x->tr.items = x->items;
        if (!x->items)
            errs_add(e, "internal", "", "out of memory");
        else {
            cert_check ck; /* e-C/O: a claim the registry does not support falls back to MFN */
            cert_verify(a, &x->d, date, own_id, &ck);
            tax_compute(a->tariff, a->tax, &table, &x->d, date, &x->tr, e);
            cert_annotate(&ck, &x->tr);
        }
    }
    dedupe(e);
    if (e->n > 0) {
        *fail = svc_errors(e);
        assessed_release(x);
        return -1;
    }
    if (!(flags & ASSESS_ENCODE))
        return 0;
    /* Store the declaration as submitted plus the declarant filled in. When the request's exact
     * bytes are at hand they are stored (with the declarant spliced in after the opening brace
     * when it was absent) instead of re-serialising the parsed document. */
    const char *raw = req ? req->raw_body : NULL;
    const char *brace = raw ? strchr(raw, '{') : NULL;
    if (brace && !in->declarant_given) {
        size_t rest = req->raw_len - (size_t)(brace + 1 - raw);
        size_t n = strlen(x->d.declarant) + 32;
        x->doc = malloc(n + rest + 1);
        if (x->doc) {
            int k = snprintf(x->doc, n, "{\"declarant\":\"%s\",", x->d.declarant);
            memcpy(x->doc + k, brace + 1, rest);
            x->doc[k + rest] = 0;
        }
    } else if (raw && given_same) {
        x->doc = strndup(raw, req->raw_len);
    } else if (text) { /* stored documents, and a declarant given empty: serialised again */
        json_t *copy = raw ? json_loadb(raw, req->raw_len, 0, NULL) : json_loads(text, 0, NULL);
        json_object_set_new(copy, "declarant", json_string(x->d.declarant));
        x->doc = json_dumps(copy, JSON_COMPACT);
        json_decref(copy);
    }
    x->taxes_json = json_tax_result(&x->tr, &x->d);
    x->taxes = json_dumps(x->taxes_json, JSON_COMPACT);
    return 0;
}

/* A declaration a request submitted, with the request's bytes as its document. */
static int assess(app *a, const svc_req *req, decl_in *in, errs *e, date_ymd date, assessed *x,
                  svc_reply *fail)
{
    return assess_ex(a, req, in, e, req->raw_body, date, x, fail, ASSESS_ENCODE, NULL);
}

/* A stored document assessed again (IDC, an accepted amendment): decoded here. */
static int assess_stored(app *a, const char *text, date_ymd date, assessed *x, svc_reply *fail,
                         int flags, const char *own_id)
{
    errs e; /* on the stack (docs/architecture.md, "Memory") */
    decl_in in;
    errs_init(&e);
    json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
    json_decl_in_decode(doc, &in, &e);
    json_decref(doc);
    return assess_ex(a, NULL, &in, &e, text, date, x, fail, flags, own_id);
}

/* ---- views -------------------------------------------------------------------------------- */

/* The declaration as its parties and customs see it. Selectivity details (rule names, scores)
 * are for customs only; the declarant sees the channel and the kinds of reasons. */
static json_t *decl_view_of(const decl_row *r, const svc_req *req, json_t *doc, json_t *taxes);

static json_t *decl_view(const decl_row *r, const svc_req *req)
{
    json_t *doc = json_loads(r->doc, 0, NULL);
    json_t *taxes = json_loads(r->taxes, 0, NULL);
    json_t *v = decl_view_of(r, req, doc, taxes);
    json_decref(doc);
    json_decref(taxes);
    return v;
}

/* Everything in the view but the items, the tax totals and the submitted header: the row's
 * own fields, the selectivity reasons and the decisions. */
static json_t *decl_view_head(const decl_row *r, const svc_req *req)
{
    char buf[16];
    json_t *v = json_object();

    json_object_set_new(v, "id", json_string(r->id));
    json_object_set_new(v, "number", r->number[0] ? json_string(r->number) : json_null());
    json_object_set_new(v, "status", json_string(decl_status_name((decl_status)r->status)));
    json_object_set_new(v, "channel",
                        r->channel ? json_string(decl_channel_name((decl_channel)r->channel))
                                   : json_null());
    json_object_set_new(v, "channel_code", r->channel ? json_integer(r->channel) : json_null());
    json_object_set_new(v, "amendment", json_integer(r->amendment));
    json_object_set_new(v, "kind", json_string(r->kind == DECL_EXPORT ? "export" : "import"));
    json_object_set_new(v, "type_code", json_string(r->type_code));
    json_object_set_new(v, "customs_office", json_string(r->office));
    json_object_set_new(v, "declarant", json_string(r->declarant));
    json_object_set_new(v, "enterprise", json_string(r->party));
    json_object_set_new(v, "customs_value", json_money(r->customs_value));
    date_format(r->tax_date, buf);
    json_object_set_new(v, "tax_date", json_string(buf));
    json_object_set_new(v, "created_at", json_timestamp(r->created_at));
    json_object_set_new(v, "registered_at", json_timestamp(r->registered_at));
    json_object_set_new(v, "cleared_at", json_timestamp(r->cleared_at));
    if (r->status == ST_PROVISIONAL)
        json_object_set_new(v, "provisional_until",
                            json_timestamp(provisional_until(r->created_at)));
    const typecode *tc = typecode_find(r->type_code);
    if (tc && tc->reexport_days > 0 && r->registered_at) {
        /* temporary admission: the goods must leave again (or be declared for consumption) */
        char dl[16];
        date_format(date_add_days(date_legal(r->registered_at), tc->reexport_days), dl);
        json_object_set_new(v, "reexport_deadline", json_string(dl));
    }

    json_t *risk = r->risk ? json_loads(r->risk, 0, NULL) : NULL;
    json_t *reasons = json_array();
    if (risk) {
        json_t *rs = json_object_get(risk, "reasons"), *it;
        size_t i;
        json_array_foreach(rs, i, it)
        {
            if (svc_is_customs(req))
                json_array_append(reasons, it);
            else
                json_array_append_new(reasons,
                                      json_pack("{s:O}", "code", json_object_get(it, "code")));
        }
        json_t *model = json_object_get(risk, "model");
        if (model &&
            svc_is_customs(req)) /* the score and its explanation: never to the declarant */
            json_object_set(v, "risk_model", model);
        json_decref(risk);
    }
    json_object_set_new(v, "reasons", reasons);
    json_t *dec = r->decisions ? json_loads(r->decisions, 0, NULL) : NULL;
    svc_view_filter(req, dec);
    json_object_set_new(v, "decisions", dec ? dec : json_array());
    return v;
}

/* doc and taxes are borrowed. The submitted items are returned once, at the top level, each
 * with its customs value and taxes; "declaration" carries the rest of the submitted header. */
static json_t *decl_view_of(const decl_row *r, const svc_req *req, json_t *doc, json_t *taxes)
{
    json_t *v = decl_view_head(r, req);
    /* items = submitted item + its customs value and taxes */
    json_t *items = json_array();
    json_t *ditems = json_object_get(doc, "items"), *titems = json_object_get(taxes, "items");
    for (size_t i = 0; i < json_array_size(ditems); i++) {
        json_t *it = json_copy(json_array_get(ditems, i));
        json_t *ti = json_array_get(titems, i);
        json_object_set_new(it, "line", json_integer((json_int_t)i + 1));
        if (ti) {
            json_object_set(it, "customs_value", json_object_get(ti, "customs_value"));
            json_object_set(it, "taxes", json_object_get(ti, "taxes"));
        }
        json_array_append_new(items, it);
    }
    json_object_set_new(v, "items", items);
    json_object_set(v, "taxes", json_object_get(taxes, "taxes"));
    json_t *header = json_object();
    const char *k;
    json_t *val;
    json_object_foreach(doc, k, val)
    {
        if (strcmp(k, "items") != 0)
            json_object_set(header, k, val);
    }
    json_object_set_new(v, "declaration", header);
    return v;
}

/* ---- the view of a GET, with the stored texts copied ------------------------------------------
 */

/* The GET answers with the view of decl_view_of, but copies the items and the tax totals from
 * the stored document and tax document as text (codec/json_span.h) instead of parsing them into
 * values to write them back: parsing, building and writing a 25-item view with jansson cost
 * ~10 million instructions, most of a GET. The small parts stay values: the head, the
 * submitted header ("declaration"), and what the attachers add — each item's extra members
 * (permits used) are gathered in a placeholder object per item and appended to its text. */
typedef struct spliced_view {
    json_t *view;      /* head + "declaration" + placeholder "items" (one {} per item) */
    json_span *items;  /* the submitted items, in the document's text */
    json_span *titems; /* the tax document's items */
    int n_items, n_titems;
    json_span totals; /* the tax document's "taxes"; p = NULL when it has none */
} spliced_view;

static void spliced_release(spliced_view *s)
{
    json_decref(s->view);
    free(s->items);
    free(s->titems);
}

/* Finds the spans and builds the value parts. 0, or -1 when a stored text does not scan as this
 * code expects (then the GET takes decl_view). */
static int spliced_open(spliced_view *s, const decl_row *r, const svc_req *req)
{
    memset(s, 0, sizeof *s);
    if (!r->doc || !r->taxes)
        return -1;
    static const char *const tax_keys[] = {"items", "taxes", NULL};
    json_span doc = json_span_text(r->doc), ditems, ditems_member, tax[2];
    if (json_span_member(doc, "items", &ditems, &ditems_member) != 0 ||
        json_span_members(json_span_text(r->taxes), tax_keys, tax) != 0 || !tax[0].p)
        return -1;
    json_span titems = tax[0];
    s->totals = tax[1];
    if ((s->n_items = json_span_elements(ditems, &s->items)) < 0 ||
        (s->n_titems = json_span_elements(titems, &s->titems)) < 0)
        goto bad;
    for (int i = 0; i < s->n_items; i++)
        if (s->items[i].n < 2 || s->items[i].p[0] != '{')
            goto bad;
    for (int i = 0; i < s->n_titems; i++)
        if (s->titems[i].p[0] != '{')
            goto bad;
    /* the header: the document without its items member */
    size_t before = (size_t)(ditems_member.p - doc.p);
    size_t after = doc.n - before - ditems_member.n;
    char *head_text = malloc(before + after);
    if (!head_text)
        goto bad;
    memcpy(head_text, doc.p, before);
    memcpy(head_text + before, ditems_member.p + ditems_member.n, after);
    json_t *header = json_loadb(head_text, before + after, 0, NULL);
    free(head_text);
    if (!json_is_object(header)) {
        json_decref(header);
        goto bad;
    }
    s->view = decl_view_head(r, req);
    json_t *placeholders = json_array();
    for (int i = 0; i < s->n_items; i++)
        json_array_append_new(placeholders, json_object());
    json_object_set_new(s->view, "items", placeholders);
    json_object_set_new(s->view, "declaration", header);
    return 0;
bad:
    spliced_release(s);
    memset(s, 0, sizeof *s);
    return -1;
}

/* What a tax item adds to its item, copied after the item's text (what the tax item has). */
static void put_tax_members(outbuf *b, const json_span *titem)
{
    static const char *const keys[] = {"customs_value", "taxes", NULL};
    json_span v[2];
    if (!titem || json_span_members(*titem, keys, v) != 0)
        return;
    for (int i = 0; keys[i]; i++) {
        if (!v[i].p)
            continue;
        outbuf_puts(b, ",\"");
        outbuf_puts(b, keys[i]);
        outbuf_puts(b, "\":");
        outbuf_put(b, v[i].p, v[i].n);
    }
}

/* The view as text: the values' part written by jansson, then the items and the tax totals
 * copied in before its closing brace. NULL when memory runs out. */
static char *spliced_text(spliced_view *s)
{
    json_t *extras = json_incref(json_object_get(s->view, "items"));
    json_object_del(s->view, "items");
    char *values = json_dumps(s->view, JSON_COMPACT);
    outbuf b = {0};
    if (!values || !extras)
        goto done;
    outbuf_put(&b, values, strlen(values) - 1); /* without its closing brace */
    outbuf_puts(&b, ",\"items\":[");
    for (int i = 0; i < s->n_items; i++) {
        const json_span *it = &s->items[i];
        const char *last = it->p + it->n - 1;                           /* '}' */
        const char *inner = it->p + 1;                                  /* after '{' */
        int empty = json_span_value(inner, last, &(json_span){0}) != 0; /* "{}" or "{ }" */
        char line[32];
        outbuf_puts(&b, i ? ",{" : "{");
        if (!empty) {
            outbuf_put(&b, inner, (size_t)(last - inner));
            outbuf_puts(&b, ",");
        }
        snprintf(line, sizeof line, "\"line\":%d", i + 1);
        outbuf_puts(&b, line);
        const json_span *ti = i < s->n_titems ? &s->titems[i] : NULL;
        put_tax_members(&b, ti);
        const char *k;
        json_t *val;
        json_object_foreach(json_array_get(extras, (size_t)i), k, val)
        {
            json_t *one = json_pack("{s:O}", k, val);
            char *t = one ? json_dumps(one, JSON_COMPACT) : NULL;
            if (t) {
                outbuf_puts(&b, ",");
                outbuf_put(&b, t + 1, strlen(t) - 2); /* "key":value, without the braces */
            } else {
                b.failed = 1;
            }
            free(t);
            json_decref(one);
        }
        outbuf_puts(&b, "}");
    }
    outbuf_puts(&b, "]");
    if (s->totals.p) {
        outbuf_puts(&b, ",\"taxes\":");
        outbuf_put(&b, s->totals.p, s->totals.n);
    }
    outbuf_puts(&b, "}");
done:
    free(values);
    json_decref(extras);
    if (!values || !extras)
        b.failed = 1;
    return outbuf_take(&b);
}

json_t *svc_decl_view_row(const decl_row *r, const svc_req *req) { return decl_view(r, req); }

/* ---- IDA: create ---------------------------------------------------------------------------- */

typedef struct write_ctx {
    svc_job job;     /* first: request, now, reply */
    decl_row row;    /* the row to write (or as read) */
    const char *key; /* id or number the request addressed */
    /* for transitions */
    lifecycle_action action;
    json_t *detail;   /* event detail (borrowed) */
    int64_t seen_rev; /* the row's revision as the request read it */
    assessed *ax;
    const risk_decision *risk;
    char *reply_text;     /* reply serialised outside the writer (create) */
    const tariff *tariff; /* amendments re-check permits */
} write_ctx;

/* An event's detail as stored: detail (may be NULL), with the person acting (e-Office), which is
 * part of the hashed detail. Heap, or NULL for none. */
static char *event_detail(const write_ctx *x, json_t *detail)
{
    json_t *who = x->job.req->user[0]
                      ? svc_event_actor(x->job.req, detail ? json_deep_copy(detail) : NULL)
                      : NULL;
    char *d = who      ? json_dumps(who, JSON_COMPACT)
              : detail ? json_dumps(detail, JSON_COMPACT)
                       : NULL;
    json_decref(who);
    return d;
}

static int event(db_conn *c, write_ctx *x, const char *action, int from, int to, json_t *detail)
{
    char *d = event_detail(x, detail);
    int rc = store_event_append(c, x->row.id, x->job.now, x->job.req->party, x->job.req->role,
                                action, from, to, d);
    free(d);
    return rc;
}

/* A declarant acts for another enterprise only under a mandate in force today:
 * 0 when it may, 1 (reply set: 403 no_mandate) when not, <0 on error. */
static int no_mandate(db_conn *c, write_ctx *x, const char *enterprise, const char *declarant)
{
    int rc = svc_mandate_allows(c, enterprise, declarant, date_today());
    if (rc < 0)
        return rc;
    if (rc == 1)
        return 0;
    party p; /* an enterprise unknown to customs is refused as such at registration */
    if ((rc = store_party_get(c, enterprise, &p)) <= 0)
        return rc;
    char msg[160];
    snprintf(msg, sizeof msg, "declarant %s holds no mandate of enterprise %s in force today",
             declarant, enterprise);
    svc_reply r = svc_error(SVC_FORBIDDEN, "no_mandate", msg);
    json_object_set_new(json_array_get(json_object_get(r.body, "errors"), 0), "path",
                        json_string("/importer/tax_code"));
    return svc_fail(&x->job, r);
}

/* The reply is built and serialised before the job, so the single writer thread spends its
 * time on SQL only. */
static int create_job(db_conn *c, void *ctx)
{
    write_ctx *x = ctx;
    if (svc_idem_lookup(c, x->job.req, &x->job.reply))
        return 1;
    int rc = no_mandate(c, x, x->row.party, x->row.declarant);
    if (rc != 0)
        return rc;
    /* the row and its first event, whose state is the row as bound: nothing read back; the
     * writes go with the next job's first round trip (db_confirm_later: nothing here looks at
     * their errors) */
    db_confirm_later(c);
    char *d = event_detail(x, NULL);
    rc = store_decl_create(c, &x->row, x->job.now, x->job.req->party, x->job.req->role, "ida", d);
    free(d);
    if (rc == 0 && x->job.req->idem_key)
        rc = store_idem_put(c, x->job.req->party, x->job.req->idem_key, x->job.req->request_hash,
                            svc_code_stored(SVC_CREATED), x->reply_text, x->job.now);
    if (rc != 0)
        return rc;
    x->job.reply.code = SVC_CREATED; /* body: the prepared reply, handed over by the caller */
    return 0;
}

/* A time-ordered id (store_new_id): new rows append at the right edge of the B-trees. 0, or -1
 * when there is no randomness for its random part. */
static int new_decl_id(char out[33])
{
    unsigned char b[10];
    struct timespec ts;
    if (rand_fill(b, sizeof b) != 0)
        return -1;
    clock_gettime(CLOCK_REALTIME, &ts);
    store_new_id((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000, b, out);
    return 0;
}

static void fill_row_from(decl_row *row, const assessed *ax, date_ymd date)
{
    row->kind = ax->d.kind;
    snprintf(row->type_code, sizeof row->type_code, "%s", ax->d.type_code);
    snprintf(row->declarant, sizeof row->declarant, "%s", ax->d.declarant);
    snprintf(row->party, sizeof row->party, "%s", decl_vn_party(&ax->d)->tax_code);
    snprintf(row->office, sizeof row->office, "%s", ax->d.customs_office);
    row->customs_value = ax->tr.customs_value;
    row->total_tax = ax->tr.total;
    row->tax_date = date;
    row->doc = ax->doc;
    row->taxes = ax->taxes;
}

svc_reply svc_decl_create(app *a, const svc_req *req, decl_in *in, errs *e)
{
    svc_reply r = {0};
    assessed ax;
    if (!svc_role_is(req, "declarant"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only declarants submit declarations");
    if (svc_idempotent_replay(a, req, &r))
        return r;
    date_ymd today = svc_today();
    char id[33];
    if (new_decl_id(id) != 0)
        return svc_error(SVC_ERROR, "random", "no randomness for an identifier; retry later");
    if (assess(a, req, in, e, today, &ax, &r) != 0)
        return r;
    write_ctx x = {.job = svc_job_start(req)};
    memcpy(x.row.id, id, sizeof id);
    fill_row_from(&x.row, &ax, today);
    x.row.status = ST_PROVISIONAL;
    x.row.created_at = x.row.updated_at = x.job.now;
    /* The IDA answer: identity, status and the assessment (the tax document's members: items
     * with their taxes); the full declaration is one GET away. Serialised here, outside the
     * writer: the text is both the answer and what a replayed Idempotency-Key gets. */
    char until[24];
    date_format_timestamp((time_t)provisional_until(x.job.now), until);
    json_t *answer =
        json_pack("{s:s,s:n,s:s,s:n,s:s,s:s,s:s,s:s,s:s,s:s}", "id", x.row.id, "number", "status",
                  "provisional", "channel", "kind", x.row.kind == DECL_EXPORT ? "export" : "import",
                  "type_code", x.row.type_code, "customs_office", x.row.office, "declarant",
                  x.row.declarant, "enterprise", x.row.party, "provisional_until", until);
    if (answer && json_object_update(answer, ax.taxes_json) == 0)
        x.reply_text = json_dumps(answer, JSON_COMPACT);
    json_decref(answer);
    if (!x.reply_text) {
        assessed_release(&ax);
        return svc_error(SVC_ERROR, "internal", "out of memory");
    }
    /* packed here, not by the writer thread (store/pack.h); the search terms and HS chapters
     * the writer would otherwise unpack and parse the document again for, likewise */
    char *pdoc = store_pack(ax.doc), *ptaxes = store_pack(ax.taxes);
    int chapters[100] = {0};
    char *terms = store_decl_terms_of(x.row.number, ax.doc, &x.row.n_terms);
    x.row.terms = terms;
    store_decl_chapters_of(ax.doc, chapters);
    x.row.chapter_items = chapters;
    if (pdoc)
        x.row.doc = pdoc;
    if (ptaxes)
        x.row.taxes = ptaxes;
    r = svc_run_write(a, &x.job, create_job, &x, "the database refused the change");
    free(terms);
    free(pdoc);
    free(ptaxes);
    if (r.code == SVC_CREATED && !r.body) {
        r.text = x.reply_text;
        x.reply_text = NULL;
    }
    free(x.reply_text);
    assessed_release(&ax);
    return r;
}

/* ---- reads ---------------------------------------------------------------------------------- */

typedef struct read_ctx {
    const char *key;
    decl_row row;
    int found;
    event_row *events;
    int n_events;
    char *stored[2]; /* with want_stored: the document and tax document as their columns read */
    int want_stored;
} read_ctx;

static void read_release(read_ctx *x)
{
    decl_row_release(&x->row);
    free(x->stored[0]);
    free(x->stored[1]);
    x->stored[0] = x->stored[1] = NULL;
}

static int get_job(db_conn *c, void *ctx)
{
    read_ctx *x = ctx;
    x->found = x->want_stored ? store_decl_get_stored(c, x->key, &x->row, x->stored)
                              : store_decl_get(c, x->key, &x->row);
    if (x->found == 1 && x->events)
        x->n_events = store_event_list(c, x->row.id, x->events, 1000);
    if (x->n_events < 0)
        return x->n_events; /* a read error is an error, not a shorter history */
    return x->found < 0 ? x->found : 0;
}

typedef struct attach_ctx {
    const tariff *tariff;
    const char *id;
    json_t *view;
} attach_ctx;

static int attach_job(db_conn *c, void *ctx)
{
    attach_ctx *x = ctx;
    int rc = insp_attach(c, x->tariff, x->id, x->view);
    return rc < 0 ? rc : amend_attach(c, x->id, x->view);
}

/* specialised inspection: what the items owe, the results, a release for storage. 0, or <0
 * when they cannot be read (the view would be missing what blocks clearance: not shown so) */
static int attach_inspection(app *a, const char *id, json_t *view)
{
    attach_ctx x = {a->tariff, id, view};
    return store_read(a->st, attach_job, &x);
}

svc_reply svc_decl_get(app *a, const svc_req *req, const char *key)
{
    read_ctx x = {.key = key};
    svc_reply r = {0};
    spliced_view sv;
    if (store_read(a->st, get_job, &x) != 0)
        return svc_error(SVC_ERROR, "storage", "cannot read the declaration");
    if (x.found != 1 || !can_see(req, &x.row)) {
        decl_row_release(&x.row);
        return svc_error(SVC_NOT_FOUND, "not_found", "no such declaration");
    }
    int spliced = spliced_open(&sv, &x.row, req) == 0;
    json_t *v = spliced ? sv.view : decl_view(&x.row, req);
    if (x.row.number[0]) {
        permits_attach_used(a, x.row.id, v);
        if (attach_inspection(a, x.row.id, v) != 0) {
            r = svc_error(SVC_ERROR, "storage", "cannot read the declaration's inspections");
            goto done;
        }
        json_t *mc = svc_manifest_check(a, json_object_get(v, "declaration"));
        if (mc) /* e-Manifest reconciliation */
            json_object_set_new(v, "manifest_check", mc);
    }
    r.code = SVC_OK;
    if (!spliced) {
        r.body = json_incref(v);
    } else if (!(r.text = spliced_text(&sv))) {
        r = svc_error(SVC_ERROR, "memory", "cannot write the declaration");
    }
done:
    if (spliced)
        spliced_release(&sv);
    else
        json_decref(v);
    decl_row_release(&x.row);
    return r;
}

svc_reply svc_decl_events(app *a, const svc_req *req, const char *key)
{
    read_ctx x = {.key = key};
    svc_reply r = {0};
    x.events = calloc(1000, sizeof *x.events);
    if (!x.events)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    if (store_read(a->st, get_job, &x) != 0 || x.found != 1 || !can_see(req, &x.row)) {
        for (int i = 0; i < x.n_events; i++)
            free(x.events[i].detail);
        free(x.events);
        int found = x.found == 1 && can_see(req, &x.row);
        decl_row_release(&x.row);
        return found ? svc_error(SVC_ERROR, "storage", "cannot read events")
                     : svc_error(SVC_NOT_FOUND, "not_found", "no such declaration");
    }
    json_t *arr = json_array();
    for (int i = 0; i < x.n_events; i++) {
        event_row *e = &x.events[i];
        json_t *ev = json_object();
        json_object_set_new(ev, "seq", json_integer(e->seq));
        json_object_set_new(ev, "at", json_timestamp(e->at));
        json_object_set_new(ev, "actor", json_string(e->actor));
        json_object_set_new(ev, "role", json_string(e->role));
        json_object_set_new(ev, "action", json_string(e->action));
        json_object_set_new(ev, "from_status",
                            e->from_status
                                ? json_string(decl_status_name((decl_status)e->from_status))
                                : json_null());
        json_object_set_new(ev, "to_status",
                            json_string(decl_status_name((decl_status)e->to_status)));
        json_t *d = e->detail ? json_loads(e->detail, 0, NULL) : NULL;
        json_t *u = json_object_get(d, "user"), *un = json_object_get(d, "user_name");
        if (json_is_string(u) && json_is_string(un)) { /* the person who acted (e-Office) */
            json_object_set(ev, "user", u);
            json_object_set(ev, "user_name", un);
        }
        svc_view_filter(req, d); /* declarants never see rule names, ids or model internals */
        json_object_set_new(ev, "detail", d ? d : json_null());
        json_object_set_new(ev, "hash", json_string(e->hash));
        json_array_append_new(arr, ev);
        free(e->detail);
    }
    free(x.events);
    r.code = SVC_OK;
    r.body = json_pack("{s:s,s:o}", "declaration", x.row.number[0] ? x.row.number : x.row.id,
                       "events", arr);
    decl_row_release(&x.row);
    return r;
}

/* ---- shared transition machinery ----------------------------------------------------------- */

/* Reads the addressed row inside the transaction and checks visibility. On any non-zero return
 * *cur holds nothing to release. */
static int load_for_write(db_conn *c, write_ctx *x, decl_row *cur)
{
    int rc = store_decl_get(c, x->key, cur);
    if (rc == 1 && can_see(x->job.req, cur)) {
        /* a broker modifies, amends or cancels only while its mandate is in force */
        if (!svc_role_is(x->job.req, "declarant") ||
            (rc = no_mandate(c, x, cur->party, x->job.req->party)) == 0)
            return 0;
        decl_row_release(cur);
        return rc;
    }
    decl_row_release(cur);
    if (rc < 0)
        return rc;
    return svc_fail(&x->job, svc_error(SVC_NOT_FOUND, "not_found", "no such declaration"));
}

/* ---- IDB: modify a provisional declaration ------------------------------------------------ */

static int modify_job(db_conn *c, void *ctx)
{
    write_ctx *x = ctx;
    decl_row cur;
    decl_status to;
    if (svc_idem_lookup(c, x->job.req, &x->job.reply))
        return 1;
    int rc = load_for_write(c, x, &cur);
    if (rc != 0)
        return rc;
    if (lifecycle_next((decl_status)cur.status, (decl_channel)cur.channel, ACT_MODIFY, &to) != 0 ||
        x->job.now > provisional_until(cur.created_at)) {
        decl_row_release(&cur);
        return svc_fail(
            &x->job,
            svc_error(SVC_CONFLICT, "illegal_transition",
                      "only a provisional declaration younger than 7 days can be modified"));
    }
    char *doc = x->row.doc, *taxes = x->row.taxes;
    decl_row next = cur;
    fill_row_from(&next, x->ax, x->row.tax_date);
    next.doc = doc;
    next.taxes = taxes;
    next.updated_at = x->job.now;
    rc = store_decl_update(c, &next);
    if (rc == 0) {
        x->row = next;
        rc = event(c, x, "idb", cur.status, cur.status, NULL);
    }
    if (rc == 0) {
        x->job.reply.code = SVC_OK;
        x->job.reply.body = decl_view(&next, x->job.req);
        rc = svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->job.now);
    }
    decl_row_release(&cur);
    return rc;
}

svc_reply svc_decl_modify(app *a, const svc_req *req, const char *id, decl_in *in, errs *e)
{
    svc_reply r = {0};
    assessed ax;
    if (!svc_role_is(req, "declarant"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only declarants modify declarations");
    date_ymd today = svc_today();
    if (assess(a, req, in, e, today, &ax, &r) != 0)
        return r;
    write_ctx x = {.job = svc_job_start(req), .key = id, .ax = &ax};
    x.row.tax_date = today;
    x.row.doc = ax.doc;
    x.row.taxes = ax.taxes;
    r = svc_run_write(a, &x.job, modify_job, &x, "the database refused the change");
    assessed_release(&ax);
    return r;
}

/* ---- IDC: register ------------------------------------------------------------------------ */

typedef struct register_ctx {
    write_ctx w;
    assessed ax;
    risk_decision risk;
    json_t *risk_json;
    char *risk_text;
    const tariff *tariff; /* e-Permit: procedures required before registration */
    risk_fact *facts;     /* one per item, stored for learned selectivity */
    char *taxes_packed;   /* rx.ax.taxes packed outside the writer (store/pack.h), or NULL */
    int taxes_kept;       /* the stored tax document is exact still: not rewritten */
    char *facts_text;     /* facts encoded outside the writer, or NULL */
    int registered;       /* the job went through (not a replay, not refused) */
    /* the row as the reader read it: the document and tax document as their columns read
     * (store_decl_get_stored) and the decisions, for the state digest of the registration's
     * events computed from what the job writes (store_decl_state_keep) */
    char *const *stored;
    const char *decisions;
    json_t
        *dup_warnings; /* the enterprise declared this invoice / bill of lading before (or NULL) */
    int channel;       /* the channel it was given, when registered */
} register_ctx;

/* The enterprise check's look-ups, started ahead of the job's first read (db_send): the party
 * (slot 1: the overdue check may read the party itself) and its unpaid declarations. */
typedef struct enterprise_sent {
    db_stmt *party, *unpaid;
} enterprise_sent;

static int enterprise_send(db_conn *c, const char *tax_code, enterprise_sent *s)
{
    int rc = store_party_send(c, 1, tax_code, &s->party);
    if (rc == 0 && (rc = pay_overdue_send(c, tax_code, svc_today(), 90, &s->unpaid)) != 0) {
        db_reset(c, s->party);
        s->party = NULL;
    }
    return rc;
}

/* A look-up started and not read (the job ended before the check) */
static void enterprise_unsend(db_conn *c, enterprise_sent *s)
{
    if (s->party)
        db_reset(c, s->party);
    if (s->unpaid)
        db_reset(c, s->unpaid);
    s->party = s->unpaid = NULL;
}

/* The blacklist check of the registration stage; s: its look-ups started (enterprise_send),
 * read and cleared here. *aeo: whether the enterprise is a priority (AEO) one (0 when unknown),
 * for the release of a green declaration at the job's end (pay_on_registered). */
static int check_enterprise(db_conn *c, const char *tax_code, enterprise_sent *s, errs *e, int *aeo)
{
    party p;
    db_stmt *st = s->party, *ust = s->unpaid;
    s->party = s->unpaid = NULL;
    /* the days recorded on the enterprise, or those its tax ledger shows, whichever is greater */
    int ledger_days = pay_overdue_days_read(c, ust, tax_code, svc_today(), 90, NULL);
    int rc = store_party_read(c, st, &p);
    *aeo = rc == 1 && p.aeo;
    if (rc < 0)
        return rc;
    if (ledger_days < 0)
        return ledger_days;
    if (rc == 0) {
        errs_add(e, "enterprise_unknown", "/importer/tax_code",
                 "enterprise %s is not registered with customs", tax_code);
        return 0;
    }
    if (strcmp(p.status, "active") != 0)
        errs_add(
            e, strcmp(p.status, "dissolved") == 0 ? "enterprise_dissolved" : "enterprise_suspended",
            "/importer/tax_code", "enterprise %s is %s: registration refused", tax_code, p.status);
    if (p.overdue_debt_days > 90 || ledger_days > 90)
        errs_add(e, "tax_debt_overdue", "/importer/tax_code",
                 "enterprise %s has tax debt overdue for %d days (> 90, %s): registration refused",
                 tax_code, ledger_days > p.overdue_debt_days ? ledger_days : p.overdue_debt_days,
                 ledger_days > p.overdue_debt_days ? "per its tax ledger"
                                                   : "as recorded for the enterprise");
    return 0;
}

/* What the registration job starts with the declaration's read (register_job) and reads later;
 * each handle is cleared when read, and register_unsend resets what was not. */
typedef struct register_sent {
    enterprise_sent es;
    insp_agencies ag;
    db_stmt *seq, *mbl, *ledger, *head;
} register_sent;

static void register_unsend(db_conn *c, register_sent *s)
{
    enterprise_unsend(c, &s->es);
    insp_agencies_unsend(c, &s->ag);
    db_stmt **st[] = {&s->seq, &s->mbl, &s->ledger, &s->head};
    for (size_t i = 0; i < sizeof st / sizeof *st; i++) {
        if (*st[i])
            db_reset(c, *st[i]);
        *st[i] = NULL;
    }
}

static int register_job(db_conn *c, void *ctx)
{
    register_ctx *rx = ctx;
    write_ctx *x = &rx->w;
    decl_row cur;
    decl_status to;
    char number[13];
    errs e;
    int aeo = 0;               /* the enterprise's, read by its check (check_enterprise) */
    ledger_row *ledger = NULL; /* the declaration's ledger, read with it */
    int n_ledger = 0;

    if (svc_idem_lookup(c, x->job.req, &x->job.reply))
        return 1;
    /* its events (registration, assessment, an AEO's release) are written at the job's end, their
     * reads sent with the job's next statements: nothing here reads the events table */
    audit_defer_events(c);
    db_confirm_later(c); /* nor at their writes' errors: confirmed with the next job's */
    /* The enterprise check's look-ups, the next number and the first bill of lading's manifest
     * go with the declaration's read (one round trip to a database server instead of four): the
     * party and the kind are those read before the job, which the declaration still has if it
     * did not change meanwhile (checked below). A job that does not register is rolled back,
     * the number's upsert with it. */
    register_sent s = {0};
    int doc_type = number_doc_type(x->row.kind);
    char seqname[16];
    snprintf(seqname, sizeof seqname, "decl.%d", doc_type);
    int rc = enterprise_send(c, x->row.party, &s.es);
    if (rc == 0)
        rc = store_sequence_next_send(c, seqname, &s.seq);
    if (rc == 0)
        rc = svc_manifest_send(c, &rx->ax.d, &s.mbl);
    if (rc == 0)
        rc = insp_agencies_send(c, rx->tariff, &rx->ax.d, &s.ag);
    if (rc == 0) /* (read below, before anything writes the ledger) */
        rc = store_ledger_list_send(c, x->key, &s.ledger);
    if (rc == 0) /* the declaration's chain head: its events read none (audit_head_send) */
        rc = audit_head_send(c, x->key, &s.head);
    if (rc == 0)
        rc = store_decl_get_meta(c, x->key, &cur);
    if (rc <= 0)
        register_unsend(c, &s);
    if (rc < 0)
        return rc;
    if (rc == 0 || !can_see(x->job.req, &cur)) {
        register_unsend(c, &s);
        return svc_fail(&x->job, svc_error(SVC_NOT_FOUND, "not_found", "no such declaration"));
    }
    if (cur.rev != x->seen_rev || cur.status != ST_PROVISIONAL ||
        strcmp(cur.party, x->row.party) != 0 || cur.kind != x->row.kind ||
        strcmp(cur.id, x->key) != 0) {
        register_unsend(c, &s);
        decl_row_release(&cur);
        return svc_fail(
            &x->job,
            svc_error(SVC_CONFLICT, "illegal_transition",
                      "the declaration is not provisional any more (or changed meanwhile)"));
    }
    /* the chain head and the ledger came with the declaration: taken before any write */
    if ((rc = audit_head_take(c, s.head, cur.id)) != 0)
        goto out;
    s.head = NULL;
    if (!(ledger = malloc(PAY_LEDGER_READ_MAX * sizeof *ledger))) {
        rc = DB_ERR;
        goto out;
    }
    n_ledger = store_ledger_list_read(c, s.ledger, ledger, PAY_LEDGER_READ_MAX);
    s.ledger = NULL;
    if ((rc = n_ledger < 0 ? n_ledger : 0) != 0)
        goto out;
    if ((rc = no_mandate(c, x, cur.party, cur.declarant)) != 0)
        goto out;
    errs_init(&e);
    if (x->row.kind == DECL_EXPORT) {
        if ((rc = check_enterprise(c, cur.party, &s.es, &e, &aeo)) < 0)
            goto out;
        for (int i = 0; i < e.n; i++)
            memcpy(e.items[i].path, "/exporter/tax_code", sizeof "/exporter/tax_code");
    } else if ((rc = check_enterprise(c, cur.party, &s.es, &e, &aeo)) < 0) {
        goto out;
    }
    if ((rc = permits_check_and_draw(c, rx->tariff, &rx->ax.d, cur.id, cur.party, x->row.tax_date,
                                     x->job.now, &e)) < 0 ||
        (rc = cert_consume(c, &rx->ax.d, cur.id, &e)) < 0)
        goto out;
    if (e.n) {
        rc = svc_fail(&x->job, svc_errors(&e));
        goto out;
    }
    lifecycle_next(ST_PROVISIONAL, CH_NONE, ACT_REGISTER, &to);
    int64_t seq = store_sequence_next_read(c, s.seq);
    s.seq = NULL;
    if (seq < 0 || number_format(doc_type, seq, 0, number) != 0) {
        rc = seq < 0 ? (int)seq
                     : svc_fail(&x->job, svc_error(SVC_ERROR, "sequence_exhausted",
                                                   "no declaration numbers left"));
        goto out;
    }
    decl_row next = cur;
    snprintf(next.number, sizeof next.number, "%s", number);
    next.status = to;
    next.channel = rx->risk.channel;
    next.registered_at = next.updated_at = x->job.now;
    next.doc = cur.doc;
    /* re-assessed with the rates of the registration date */
    next.taxes = rx->taxes_kept ? NULL : rx->taxes_packed ? rx->taxes_packed : rx->ax.taxes;
    next.customs_value = rx->ax.tr.customs_value;
    next.total_tax = rx->ax.tr.total;
    next.tax_date = x->row.tax_date;
    next.risk = rx->risk_text;
    rc = store_decl_register(c, &next);
    /* The state its events digest: the row as this job left it (the document and decisions as
     * the reader read them, unchanged since: the revision is), and the ledger read above; each
     * entry the job appends is added (store_ledger_append_seq). Only with the tax document's
     * text as its column will read it back: the one kept, or packed before the job. */
    const char *taxes_stored = rx->taxes_kept ? rx->stored[1] : rx->taxes_packed;
    if (rc == 0 && rx->stored && rx->stored[0] && taxes_stored && n_ledger <= PAY_LEDGER_READ_MAX) {
        decl_row st = next;
        st.doc = rx->stored[0];
        st.taxes = (char *)taxes_stored;
        st.decisions = (char *)rx->decisions;
        rc = store_decl_state_keep(c, &st, ledger, n_ledger);
    }
    json_t *warnings = NULL; /* e-Manifest: link the bills of lading, warn when unmanifested */
    json_t *owed = NULL;     /* specialised inspection: what the items owe */
    if (rc == 0) {
        warnings = svc_manifest_on_register_sent(c, cur.id, &rx->ax.d, s.mbl, 1,
                                                 &rc); /* was provisional */
        s.mbl = NULL;                                  /* read (or reset) there */
    }
    if (rc == 0) /* the documents it declares, for the next one's duplicate check */
        rc = dup_record(c, &rx->ax.d, cur.party, cur.id, x->job.now, 1); /* was provisional */
    if (rc == 0 && rx->dup_warnings) {
        if (!warnings)
            warnings = json_array();
        json_array_extend(warnings, rx->dup_warnings);
    }
    if (rc == 0) {
        snprintf(x->row.id, sizeof x->row.id, "%s", cur.id);
        json_t *detail = json_pack("{s:s,s:s,s:O}", "number", number, "channel",
                                   decl_channel_name((decl_channel)next.channel), "reasons",
                                   json_object_get(rx->risk_json, "reasons"));
        if (json_array_size(warnings))
            json_object_set(detail, "warnings", warnings);
        rc = event(c, x, "idc", ST_PROVISIONAL, to, detail);
        json_decref(detail);
    }
    if (rc == 0) /* specialised inspection: what each item owes to connected agencies */
        rc = insp_on_register_sent(c, rx->tariff, &rx->ax.d, cur.id, x->job.now, 1, &s.ag, &owed);
    if (rc == 0) { /* e-Payment: the assessment opens the declaration's tax ledger */
        rc = pay_ledger_assess_read(c, ledger, n_ledger, cur.id, cur.party, to, next.total_tax,
                                    x->job.now, x->job.req, "registration");
    }
    if (rc == 0 && rx->facts) { /* learned selectivity's input (encoded before the job) */
        for (int i = 0; i < rx->ax.d.n_items; i++) {
            snprintf(rx->facts[i].decl_id, sizeof rx->facts[i].decl_id, "%s", cur.id);
            rx->facts[i].registered_at = x->job.now;
        }
        rc = rx->facts_text ? store_risk_facts_queue_encoded(c, cur.id, x->job.now,
                                                             rx->ax.d.n_items, rx->facts_text)
                            : store_risk_facts_put(c, rx->facts, rx->ax.d.n_items);
    }
    if (rc == 0 && next.channel == CH_GREEN) { /* e-Payment: AEO green is released at once */
        int cleared = pay_on_registered(c, cur.id, aeo, x->job.now, x->job.req);
        rc = cleared < 0 ? cleared : 0;
        if (cleared == 1)
            to = ST_CLEARED;
    }
    if (rc == 0) {
        json_t *reasons = json_array(), *it;
        size_t i;
        json_array_foreach(json_object_get(rx->risk_json, "reasons"), i, it)
        {
            json_array_append_new(reasons, json_pack("{s:O}", "code", json_object_get(it, "code")));
        }
        x->job.reply.code = SVC_OK;
        x->job.reply.body =
            json_pack("{s:s,s:s,s:s,s:i,s:s,s:o,s:s}", "id", cur.id, "number", number, "channel",
                      decl_channel_name((decl_channel)next.channel), "channel_code", next.channel,
                      "status", decl_status_name(to), "reasons", reasons, "total_tax", "");
        char buf[32];
        decimal_format(next.total_tax, 0, buf, sizeof buf);
        json_object_set_new(x->job.reply.body, "total_tax", json_string(buf));
        json_object_set(x->job.reply.body, "warnings", warnings);
        json_object_set_new(x->job.reply.body, "procedures_owed",
                            owed ? json_incref(owed) : json_array());
        if (rc == 0)
            rc = svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->job.now);
    }
    rx->registered = rc == 0;
    rx->channel = next.channel;
    json_decref(owed);
    json_decref(warnings);
out:
    register_unsend(c, &s);
    decl_row_release(&cur);
    free(ledger);
    return rc;
}

typedef struct party_ctx {
    const char *code;
    party p;
    int found;
} party_ctx;

/* The channel earlier, cancelled declarations of the same goods were selected for (0: none). */
typedef struct inherit_ctx {
    const char *importer;
    const decl *d;
    int channel;
    char number[13];
} inherit_ctx;

/* What a registration (or an amendment) reads before it is classified: the duplicate-document
 * look-ups, the enterprise, the selections its goods inherit -- one read transaction, and the
 * look-ups of the invoice and of the first bill of lading sent together with the enterprise's
 * (db_send: one round trip to a database server instead of three transactions of one to three
 * statements each). */
typedef struct screen_ctx {
    const decl *d;
    const char *enterprise, *own_id;
    json_t *dups; /* duplicate-document warnings, NULL when none */
    party_ctx pc;
    inherit_ctx ih;
} screen_ctx;

static int screen_job(db_conn *c, void *ctx)
{
    screen_ctx *x = ctx;
    const decl *d = x->d;
    const char *inv = d->invoice.number,
               *bl0 = d->transport.n_bl > 0 ? d->transport.bills_of_lading[0] : NULL;
    dup_hits *hits = calloc(2, sizeof *hits);
    db_stmt *st[5] = {0};
    char num[13] = "";
    /* look-ups by key, whose plan does not depend on the values: one plan each, kept (on
     * PostgreSQL the duplicate-document look-up was planned afresh at up to half of its calls
     * at saturation: the load's repeated invoice makes its custom plans look cheaper) */
    int rc = hits ? db_generic_plans(c) : DB_ERR;
    /* the invoice's and the first bill's look-ups in one statement when there are both */
    int two_docs = inv[0] && bl0;
    if (rc == 0 && two_docs)
        rc = store_document_others_send2(c, x->enterprise, "invoice", inv, "bill_of_lading", bl0,
                                         x->own_id, &st[0]);
    if (rc == 0 && !two_docs && inv[0])
        rc = store_document_others_send(c, 0, x->enterprise, "invoice", inv, x->own_id, &st[0]);
    if (rc == 0 && !two_docs && bl0)
        rc = store_document_others_send(c, 1, x->enterprise, "bill_of_lading", bl0, x->own_id,
                                        &st[1]);
    if (rc == 0)
        rc = store_party_send(c, 0, x->enterprise, &st[2]);
    /* the invoice's and the first bill's selections in one statement when there are both */
    int two = inv[0] && bl0 && bl0[0];
    if (rc == 0 && two)
        rc = store_selection_send2(c, x->enterprise, "invoice", inv, "bl", bl0, &st[3]);
    if (rc == 0 && !two && inv[0])
        rc = store_selection_send(c, 0, x->enterprise, "invoice", inv, &st[3]);
    if (rc == 0 && !two && bl0 && bl0[0])
        rc = store_selection_send(c, 1, x->enterprise, "bl", bl0, &st[4]);
    /* each statement sent is read (and so reset), whatever happened to the others */
    for (int k = 0; k < 2 && hits; k++)
        hits[k].n = -1;
    if (two_docs && st[0]) { /* (sent only with hits) */
        char(*nums[2])[13] = {hits[0].nums, hits[1].nums};
        int n2[2];
        int r2 = store_document_others_read2(c, st[0], nums, n2, STORE_DOC_OTHERS_MAX);
        st[0] = NULL;
        if (r2 < 0 && rc == 0)
            rc = r2;
        for (int k = 0; k < 2 && r2 == 0; k++)
            hits[k].n = n2[k];
    }
    for (int k = 0; k < 2 && hits && !two_docs; k++) {
        hits[k].n = -1;
        int n =
            st[k] ? store_document_others_read(c, st[k], hits[k].nums, STORE_DOC_OTHERS_MAX) : 0;
        if (st[k] && n < 0 && rc == 0)
            rc = n;
        if (st[k] && n >= 0)
            hits[k].n = n;
    }
    if (st[2]) {
        x->pc.found = store_party_read(c, st[2], &x->pc.p);
        if (x->pc.found < 0 && rc == 0)
            rc = x->pc.found;
    }
    /* the invoice first, then the bills of lading: the first of the strictest channel wins */
    int chs[2] = {0, 0};
    char nums2[2][13];
    if (two && st[3]) {
        int r2 = store_selection_read2(c, st[3], chs, nums2);
        st[3] = NULL;
        if (r2 < 0 && rc == 0)
            rc = r2;
        for (int k = 0; k < 2; k++)
            if (r2 == 0 && chs[k] > x->ih.channel) {
                x->ih.channel = chs[k];
                memcpy(x->ih.number, nums2[k], sizeof x->ih.number);
            }
    }
    for (int k = 3; k < 5; k++) {
        if (!st[k])
            continue;
        int ch = store_selection_read(c, st[k], num);
        if (ch < 0 && rc == 0)
            rc = ch;
        if (ch > x->ih.channel) {
            x->ih.channel = ch;
            memcpy(x->ih.number, num, sizeof x->ih.number);
        }
    }
    for (int i = 1; rc == 0 && i < d->transport.n_bl; i++) { /* the other bills, one by one */
        const char *ref = d->transport.bills_of_lading[i];
        if (!ref[0])
            continue;
        int ch = store_selection_get(c, x->enterprise, "bl", ref, num);
        if (ch < 0)
            rc = ch;
        else if (ch > x->ih.channel) {
            x->ih.channel = ch;
            memcpy(x->ih.number, num, sizeof x->ih.number);
        }
    }
    if (rc == 0)
        rc = dup_collect(c, d, x->enterprise, x->own_id, &hits[0], &hits[1], &x->dups);
    free(hits);
    return rc;
}

/* Runs screen_job. Unreadable: no duplicate warning (logged: advice only), an unknown enterprise
 * (no AEO or compliance benefit), and the strictest inherited channel rather than a silent
 * green. */
static void screen(app *a, const decl *d, const char *enterprise, const char *own_id, screen_ctx *x)
{
    *x = (screen_ctx){.d = d, .enterprise = enterprise, .own_id = own_id};
    x->pc.code = enterprise;
    x->ih.importer = enterprise;
    x->ih.d = d;
    if (store_read(a->st, screen_job, x) != 0) {
        log_error("risk: cannot read the duplicate documents, enterprise %s or inherited"
                  " selections of %s; classified as an unknown enterprise, red",
                  enterprise, own_id);
        json_decref(x->dups);
        x->dups = NULL;
        x->pc.found = 0;
        x->ih.channel = CH_RED;
        x->ih.number[0] = 0;
    }
}

/* Selectivity: rules by priority, then the learned score's band when a model
 * is active (service/risk_engine.h), else compliance class and random sampling. Used at
 * registration and for every amendment. facts (one per item, may be NULL) are filled
 * for the learned history. Returns the decision as stored with the declaration (new reference). */
static json_t *classify(app *a, const assessed *ax, const char *decl_id, const screen_ctx *sc,
                        date_ymd today, risk_fact *facts, risk_decision *out, uint64_t draw_rule,
                        uint64_t draw_model)
{
    const party_ctx pc = sc->pc;
    int duplicate_document = sc->dups != NULL;
    int64_t *cv = calloc((size_t)ax->d.n_items + 1, sizeof *cv);
    for (int i = 0; i < ax->d.n_items && cv; i++)
        cv[i] = ax->items[i].customs_value;
    risk_input in = {.d = &ax->d,
                     .item_customs_value = cv,
                     .customs_value = ax->tr.customs_value,
                     .date = today,
                     .aeo = pc.found == 1 && pc.p.aeo,
                     .compliance = pc.found == 1 ? pc.p.compliance : 0};
    in.random_draw = draw_rule; /* drawn (and checked) by the caller */
    in.duplicate_document =
        duplicate_document; /* invoice or B/L declared before (service/duplicates.h) */
    /* learned selectivity: the model's band, when a model is active (service/risk_engine.h) */
    risk_score score;
    int scored = 0;
    if (facts) {
        uint64_t draw = draw_model;
        risk_facts_from_decl(&ax->d, ax->items, decl_id, svc_now(), in.aeo, in.compliance, facts);
        scored = risk_engine_score(a->risk_engine, facts, ax->d.n_items, in.aeo, in.compliance,
                                   draw, &score) == 1;
        if (scored) {
            in.model_channel = score.band.channel;
            in.model_explored = score.band.explored;
        }
    }
    pthread_rwlock_rdlock(&a->risk_lock);
    risk_classify(a->rules, a->n_rules, &a->policy, &in, out);
    pthread_rwlock_unlock(&a->risk_lock);
    free(cv);
    /* the same goods, selected before and then cancelled, keep their selection (screen) */
    risk_inherit_selection(out, sc->ih.channel, sc->ih.number);
    json_t *j = risk_decision_to_json(out);
    if (scored) /* kept with the decision, shown to customs only (decl_view) */
        json_object_set_new(j, "model", risk_score_to_json(&score));
    return j;
}

svc_reply svc_decl_register(app *a, const svc_req *req, const char *id, int *channel)
{
    svc_reply r = {0};
    if (channel)
        *channel = -1;
    if (!svc_role_is(req, "declarant"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only declarants register declarations");
    if (svc_idempotent_replay(a, req, &r))
        return r;
    /* the random-selection draws, taken first: without randomness there is no registration
     * (a predictable draw would let a trader foresee the channel) */
    uint64_t draw_rule;
    uint64_t draw_model;
    if (rand_fill(&draw_rule, sizeof draw_rule) != 0 ||
        rand_fill(&draw_model, sizeof draw_model) != 0)
        return svc_error(SVC_ERROR, "random", "no randomness for random selection; retry later");

    /* 1. read the provisional declaration */
    read_ctx rd = {.key = id, .want_stored = 1};
    if (store_read(a->st, get_job, &rd) != 0)
        return svc_error(SVC_ERROR, "storage", "cannot read the declaration");
    if (rd.found != 1 || !can_see(req, &rd.row)) {
        read_release(&rd);
        return svc_error(SVC_NOT_FOUND, "not_found", "no such declaration");
    }
    if (rd.row.status != ST_PROVISIONAL) {
        read_release(&rd);
        return svc_error(SVC_CONFLICT, "illegal_transition",
                         "only a provisional declaration can be registered");
    }
    if (svc_now() > provisional_until(rd.row.created_at)) {
        read_release(&rd);
        return svc_error(SVC_CONFLICT, "provisional_expired",
                         "provisional data is kept for 7 days; submit the declaration again");
    }

    /* 2. re-assess with the rates of the registration date */
    register_ctx rx = {0};
    date_ymd today = svc_today();
    if (assess_stored(a, rd.row.doc, today, &rx.ax, &r, 0, NULL) != 0) {
        read_release(&rd);
        return r;
    }
    /* Registered the day it was assessed (the usual case): the rates are those of the same date,
     * so unless the result moved (an exchange rate corrected meanwhile) the stored tax document
     * is still exact and need not be rebuilt. */
    if (rd.row.tax_date == today && rd.row.customs_value == rx.ax.tr.customs_value &&
        rd.row.total_tax == rx.ax.tr.total) {
        rx.ax.taxes = rd.row.taxes;
        rd.row.taxes = NULL;
        rx.taxes_kept = 1;
    } else {
        rx.ax.taxes_json = json_tax_result(&rx.ax.tr, &rx.ax.d);
        rx.ax.taxes = json_dumps(rx.ax.taxes_json, JSON_COMPACT);
    }

    /* 3. classify */
    /* a second declaration of the same invoice or bill of lading: a warning and a risk input */
    screen_ctx sc;
    screen(a, &rx.ax.d, rd.row.party, rd.row.id, &sc);
    rx.dup_warnings = sc.dups;
    rx.facts = calloc((size_t)rx.ax.d.n_items + 1, sizeof *rx.facts);
    rx.risk_json =
        classify(a, &rx.ax, rd.row.id, &sc, today, rx.facts, &rx.risk, draw_rule, draw_model);
    rx.risk_text = json_dumps(rx.risk_json, JSON_COMPACT);

    /* 4. number and persist */
    rx.w.job = svc_job_start(req);
    rx.w.key = rd.row.id;
    rx.w.seen_rev = rd.row.rev;
    rx.w.row.kind = rd.row.kind;
    snprintf(rx.w.row.party, sizeof rx.w.row.party, "%s", rd.row.party);
    rx.w.row.tax_date = today;
    rx.tariff = a->tariff;
    rx.taxes_packed = rx.taxes_kept ? NULL : store_pack(rx.ax.taxes);
    rx.stored = rd.stored;
    rx.decisions = rd.row.decisions;
    rx.facts_text = rx.facts ? store_risk_facts_encode(rx.facts, rx.ax.d.n_items) : NULL;
    r = svc_run_write(a, &rx.w.job, register_job, &rx, "the database refused the registration");
    free(rx.taxes_packed);
    free(rx.facts_text);
    if (r.code == SVC_OK && rx.registered) { /* committed */
        if (rx.facts)
            risk_engine_registered(a->risk_engine, rx.facts, rx.ax.d.n_items);
        if (channel)
            *channel = rx.channel;
    }
    free(rx.facts);
    json_decref(rx.dup_warnings);
    json_decref(rx.risk_json);
    free(rx.risk_text);
    assessed_release(&rx.ax);
    read_release(&rd);
    return r;
}

/* ---- amendments (IDD/IDE): before the document check starts, or within 60 days after
 * clearance; each increments the 12th digit, at most 9 (Official Letter 5992/TCHQ-GSQL) ------
 *
 * Issue 14 (Circular 38/2015 Art. 20 as amended by Circular 39/2018): every amendment is scored
 * again by the risk engine and its channel and reasons are kept with it (amendment_requests). An
 * amendment after clearance, or one that lowers the taxes, is a request customs examines: it
 * waits for an officer (status amendment_review) and changes nothing — declaration, ledger,
 * permits — until accepted. Accepted, a decrease becomes a refund claim an officer approves
 * (service/credits.c); an increase is owed at once. Other amendments apply at once, as before. */

typedef struct amend_ctx {
    write_ctx w;
    const char *risk_text; /* the amendment's risk decision (JSON) */
    json_t *risk_json;
    int review_seq;   /* > 0: applying this reviewed amendment (officer's acceptance) */
    const char *note; /* the officer's note */
} amend_ctx;

static int amend_pending(db_conn *c, const char *decl_id, amend_row *found)
{
    return store_amend_pending(c, decl_id, found);
}

/* The reviewed amendment's ledger: the re-assessment, and what was overpaid as a refund claim. */
static int amend_ledger_reviewed(db_conn *c, write_ctx *x, const decl_row *next, int amendment)
{
    ledger_balance b;
    char why[64];
    snprintf(why, sizeof why, "amendment %d accepted", amendment);
    int rc = pay_balance(c, next->id, &b);
    if (rc < 0)
        return rc;
    int64_t delta = next->total_tax - (b.assessed - b.interest);
    if (delta && (rc = pay_ledger_add(c, next->id, next->party, next->status, delta, x->job.now,
                                      x->job.req, why)) < 0)
        return rc;
    if ((rc = pay_balance(c, next->id, &b)) < 0 || b.surplus <= 0)
        return rc;
    char reason[160];
    snprintf(reason, sizeof reason, "taxes lowered by amendment %d of declaration %s", amendment,
             next->number);
    return pay_refund_claim(c, next->party, next->number, b.surplus, reason, x->job.req,
                            x->job.now);
}

static int amend_job(db_conn *c, void *ctx)
{
    amend_ctx *m = ctx;
    write_ctx *x = &m->w;
    decl_row cur;
    decl_status to;
    if (svc_idem_lookup(c, x->job.req, &x->job.reply))
        return 1;
    int rc = load_for_write(c, x, &cur);
    if (rc != 0)
        return rc;
    int after = cur.status == ST_CLEARED || cur.status == ST_PASSED;
    const char *why = NULL, *code = "illegal_transition";
    if (lifecycle_next((decl_status)cur.status, (decl_channel)cur.channel, ACT_AMEND, &to) != 0)
        why = "amendments are allowed before the document check starts or after clearance";
    else if (!m->review_seq && after &&
             x->job.now > cur.cleared_at + AMEND_AFTER_CLEARANCE_DAYS * 86400)
        why = "amendments after clearance are allowed within 60 days of clearance";
    else if (cur.amendment >= NUMBER_MAX_AMENDMENT)
        why = "a declaration can be amended at most 9 times";
    else if ((int)x->ax->d.kind != cur.kind ||
             strcmp(decl_vn_party(&x->ax->d)->tax_code, cur.party) != 0)
        why = "an amendment cannot change the kind of declaration or the enterprise";
    else if (cur.status != ST_REGISTERED && strcmp(x->ax->d.type_code, cur.type_code) != 0)
        why = "the type code cannot be amended after clearance";
    if (!why && !m->review_seq) {
        int pending = amend_pending(c, cur.id, NULL);
        if (pending < 0) {
            decl_row_release(&cur);
            return pending;
        }
        if (pending) {
            why = "an amendment of this declaration is waiting for an officer's review";
            code = "amendment_pending";
        }
    }
    if (why) {
        decl_row_release(&cur);
        return svc_fail(&x->job, svc_error(SVC_CONFLICT, code, why));
    }
    amend_row ar = {.amendment = cur.amendment + 1,
                    .doc = x->ax->doc,
                    .taxes = x->ax->taxes,
                    .risk = (char *)m->risk_text,
                    .customs_value = x->ax->tr.customs_value,
                    .total_tax = x->ax->tr.total,
                    .after_clearance = after,
                    .requested_at = x->job.now};
    snprintf(ar.decl_id, sizeof ar.decl_id, "%s", cur.id);
    snprintf(ar.requested_by, sizeof ar.requested_by, "%s", x->job.req->party);
    json_t *reasons = json_array(), *it;
    size_t i;
    json_array_foreach(json_object_get(m->risk_json, "reasons"), i, it)
    {
        json_array_append_new(reasons, json_pack("{s:O}", "code", json_object_get(it, "code")));
    }
    const char *channel = json_string_value(json_object_get(m->risk_json, "channel"));
    if (!m->review_seq && (after || x->ax->tr.total < cur.total_tax)) {
        /* a request for customs to examine: nothing changes until an officer accepts it */
        snprintf(ar.status, sizeof ar.status, "amendment_review");
        rc = store_amend_put(c, &ar);
        if (rc == 0) {
            snprintf(x->row.id, sizeof x->row.id, "%s", cur.id);
            json_t *detail = json_pack("{s:i,s:s,s:O,s:o,s:o,s:b}", "amendment", ar.amendment,
                                       "channel", channel ? channel : "", "reasons", reasons,
                                       "total_tax", json_money(ar.total_tax), "total_tax_in_force",
                                       json_money(cur.total_tax), "after_clearance", after);
            rc = event(c, x, "amendment_requested", cur.status, cur.status, detail);
            json_decref(detail);
        }
        if (rc == 0) {
            x->job.reply.code = SVC_OK;
            x->job.reply.body = json_pack(
                "{s:s,s:i,s:s,s:s,s:O,s:o,s:o,s:b,s:s}", "number", cur.number, "amendment",
                ar.amendment, "status", "amendment_review", "channel", channel ? channel : "",
                "reasons", reasons, "total_tax", json_money(ar.total_tax), "total_tax_in_force",
                json_money(cur.total_tax), "after_clearance", after, "declaration_status",
                decl_status_name((decl_status)cur.status));
            rc = svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->job.now);
        }
        json_decref(reasons);
        decl_row_release(&cur);
        return rc;
    }
    if (cur.number[0]) {
        /* the amended quantities replace the old ones: give back what this declaration drew from
         * permits and certificates of origin, then draw again (all undone if refused) */
        int64_t cert_back = 0, permit_back = 0;
        errs e;
        errs_init(&e);
        if ((rc = store_release_decl_usages(c, cur.id, &cert_back, &permit_back)) < 0 ||
            (rc = permits_check_and_draw(c, x->tariff, &x->ax->d, cur.id, cur.party, cur.tax_date,
                                         x->job.now, &e)) < 0 ||
            (rc = cert_consume(c, &x->ax->d, cur.id, &e)) < 0) {
            json_decref(reasons);
            decl_row_release(&cur);
            return rc;
        }
        if (e.n) {
            json_decref(reasons);
            decl_row_release(&cur);
            return svc_fail(&x->job, svc_errors(&e));
        }
    }
    rc = store_decl_version_put(c, cur.id, cur.amendment, cur.doc, cur.taxes, x->job.now);
    decl_row next = cur;
    fill_row_from(&next, x->ax, cur.tax_date);
    next.amendment = cur.amendment + 1;
    memcpy(next.number, cur.number, 11);
    next.number[11] = (char)('0' + next.amendment);
    next.number[12] = 0;
    next.updated_at = x->job.now;
    if (rc == 0)
        rc = store_decl_update(c, &next);
    if (rc == 0) {
        snprintf(x->row.id, sizeof x->row.id, "%s", cur.id);
        json_t *detail =
            json_pack("{s:s,s:i,s:s,s:O}", "number", next.number, "amendment", next.amendment,
                      "channel", channel ? channel : "", "reasons", reasons);
        if (m->review_seq)
            json_object_set_new(detail, "accepted_by", json_string(x->job.req->party));
        rc = event(c, x, "amendment", cur.status, cur.status, detail);
        json_decref(detail);
    }
    json_decref(reasons);
    if (rc == 0) { /* e-Payment: re-assessed with the amended taxes (signed delta) */
        if (m->review_seq)
            rc = amend_ledger_reviewed(c, x, &next, next.amendment);
        else
            rc = pay_ledger_assess(c, cur.id, cur.party, cur.status, next.total_tax, x->job.now,
                                   x->job.req, "amendment");
    }
    if (rc == 0) /* the bills of lading may have changed: relink them */
        json_decref(svc_manifest_on_register(c, cur.id, &x->ax->d, &rc));
    if (rc == 0 && cur.number[0]) /* the items may have changed: what they owe too */
        rc = insp_on_register(c, x->tariff, &x->ax->d, cur.id, x->job.now, 0, NULL);
    if (rc == 0) {
        if (m->review_seq) {
            rc = store_amend_decide(c, cur.id, m->review_seq, "accepted", x->job.req->party,
                                    x->job.now, m->note ? m->note : "");
        } else {
            snprintf(ar.status, sizeof ar.status, "applied");
            snprintf(ar.decided_by, sizeof ar.decided_by, "SYSTEM");
            ar.decided_at = x->job.now;
            rc = store_amend_put(c, &ar);
        }
    }
    if (rc == 0) /* and the documents it declares */
        rc = dup_record(c, &x->ax->d, cur.party, cur.id, x->job.now, 0);
    if (rc == 0) {
        x->job.reply.code = SVC_OK;
        x->job.reply.body = decl_view(&next, x->job.req);
        rc = svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->job.now);
    }
    /* next.doc/taxes belong to the assessment, cur's strings to cur */
    decl_row_release(&cur);
    return rc;
}

static svc_reply run_amend(app *a, amend_ctx *m)
{
    m->w.tariff = a->tariff;
    m->risk_text = m->risk_text ? m->risk_text : "{}";
    return svc_run_write(a, &m->w.job, amend_job, m, "the database refused the amendment");
}

svc_reply svc_decl_amend(app *a, const svc_req *req, const char *number, decl_in *in, errs *e)
{
    svc_reply r = {0};
    assessed ax;
    if (!svc_role_is(req, "declarant"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only declarants amend declarations");
    if (svc_idempotent_replay(a, req, &r))
        return r;
    /* taxes of an amended declaration use the rates of its registration date */
    read_ctx rd = {.key = number};
    if (store_read(a->st, get_job, &rd) != 0)
        return svc_error(SVC_ERROR, "storage", "cannot read the declaration");
    if (rd.found != 1 || !can_see(req, &rd.row) || !rd.row.number[0]) {
        decl_row_release(&rd.row);
        return svc_error(SVC_NOT_FOUND, "not_found", "no such declaration");
    }
    date_ymd tax_date = rd.row.tax_date;
    char own_id[33], enterprise[14];
    snprintf(own_id, sizeof own_id, "%s", rd.row.id);
    snprintf(enterprise, sizeof enterprise, "%s", rd.row.party);
    decl_row_release(&rd.row);
    /* the declaration's own use of its certificates does not count against it */
    if (assess_ex(a, req, in, e, req->raw_body, tax_date, &ax, &r, ASSESS_ENCODE, own_id) != 0)
        return r;
    /* scored again: rules and model, kept with the amendment (never added to the learned
     * history: the registration's facts are) */
    risk_decision risk;
    risk_fact *facts = calloc((size_t)ax.d.n_items + 1, sizeof *facts);
    amend_ctx m = {.w = {.job = svc_job_start(req), .key = number, .ax = &ax}};
    uint64_t draw_rule, draw_model;
    if (rand_fill(&draw_rule, sizeof draw_rule) != 0 ||
        rand_fill(&draw_model, sizeof draw_model) != 0)
        draw_rule = draw_model =
            0; /* zeroed by rand_fill: a deterministic, logged draw, never garbage */
    screen_ctx sc;
    screen(a, &ax.d, enterprise, own_id, &sc);
    m.risk_json = classify(a, &ax, own_id, &sc, svc_today(), facts, &risk, draw_rule, draw_model);
    json_decref(sc.dups);
    char *rt = json_dumps(m.risk_json, JSON_COMPACT);
    m.risk_text = rt;
    r = run_amend(a, &m);
    free(rt);
    free(facts);
    json_decref(m.risk_json);
    assessed_release(&ax);
    return r;
}

/* ---- the officer's review of an amendment ---------------------------------------------------- */

typedef struct review_ctx {
    const char *key;
    int amendment;
    decl_row row;
    int found;
    amend_row pending; /* the amendment under review with that number, if any */
    int has_pending;
    int decided; /* an amendment with that number was decided already */
} review_ctx;

static int review_read_job(db_conn *c, void *ctx)
{
    review_ctx *x = ctx;
    x->found = store_decl_get(c, x->key, &x->row);
    if (x->found != 1)
        return x->found < 0 ? x->found : 0;
    int rc = store_amend_pending(c, x->row.id, &x->pending);
    if (rc < 0)
        return rc;
    x->has_pending = rc == 1 && x->pending.amendment == x->amendment;
    if (rc == 1 && !x->has_pending)
        amend_row_release(&x->pending);
    /* an amendment number already in force was decided (accepted or applied) */
    x->decided = !x->has_pending && x->row.amendment >= x->amendment;
    return 0;
}

typedef struct reject_ctx {
    write_ctx w;
    int seq;
    const char *note;
} reject_ctx;

static int reject_job(db_conn *c, void *ctx)
{
    reject_ctx *j = ctx;
    write_ctx *x = &j->w;
    decl_row cur;
    if (svc_idem_lookup(c, x->job.req, &x->job.reply))
        return 1;
    int rc = load_for_write(c, x, &cur);
    if (rc != 0)
        return rc;
    amend_row p = {0};
    int pending = amend_pending(c, cur.id, &p);
    if (pending <= 0 || p.seq != j->seq) {
        amend_row_release(&p);
        decl_row_release(&cur);
        return pending < 0 ? pending
                           : svc_fail(&x->job, svc_error(SVC_CONFLICT, "amendment_decided",
                                                         "the amendment was decided meanwhile"));
    }
    rc = store_amend_decide(c, cur.id, p.seq, "rejected", x->job.req->party, x->job.now, j->note);
    if (rc == 0) {
        snprintf(x->row.id, sizeof x->row.id, "%s", cur.id);
        json_t *detail = json_pack("{s:i,s:s}", "amendment", p.amendment, "note", j->note);
        rc = event(c, x, "amendment_rejected", cur.status, cur.status, detail);
        json_decref(detail);
    }
    if (rc == 0) {
        x->job.reply.code = SVC_OK;
        x->job.reply.body = decl_view(&cur, x->job.req);
        rc = svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->job.now);
    }
    amend_row_release(&p);
    decl_row_release(&cur);
    return rc;
}

svc_reply svc_amendment_decide(app *a, const svc_req *req, const char *number,
                               const char *amendment, const amend_review_in *in, errs *e)
{
    svc_reply r = {0};
    if (!svc_role_is(req, "officer"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "amendments are reviewed by customs officers");
    char *end = NULL;
    long k = amendment ? strtol(amendment, &end, 10) : 0;
    if (!end || *end || k < 1 || k > NUMBER_MAX_AMENDMENT)
        return svc_error(SVC_NOT_FOUND, "not_found", "no such amendment");
    if (svc_write_answered(a, req, e, &r))
        return r;
    const char *note = in->note;
    review_ctx rv = {.key = number, .amendment = (int)k};
    if (store_read(a->st, review_read_job, &rv) != 0) {
        decl_row_release(&rv.row);
        amend_row_release(&rv.pending);
        return svc_error(SVC_ERROR, "storage", "cannot read the declaration");
    }
    if (rv.found != 1 || !rv.row.number[0] || !rv.has_pending) {
        int decided = rv.found == 1 && rv.decided;
        decl_row_release(&rv.row);
        amend_row_release(&rv.pending);
        return decided ? svc_error(SVC_CONFLICT, "amendment_decided",
                                   "the amendment was already decided")
                       : svc_error(SVC_NOT_FOUND, "not_found", "no such amendment under review");
    }
    if (!in->accept) {
        reject_ctx j = {
            .w = {.job = svc_job_start(req), .key = number}, .seq = rv.pending.seq, .note = note};
        r = svc_run_write(a, &j.w.job, reject_job, &j, "the database refused the decision");
    } else {
        /* applied as the declarant asked, re-assessed with the registration date's rates */
        assessed ax;
        if (assess_stored(a, rv.pending.doc, rv.row.tax_date, &ax, &r, ASSESS_ENCODE, rv.row.id) ==
            0) {
            amend_ctx m = {.w = {.job = svc_job_start(req), .key = number, .ax = &ax},
                           .review_seq = rv.pending.seq,
                           .note = note,
                           .risk_text = rv.pending.risk};
            m.risk_json = json_loads(rv.pending.risk ? rv.pending.risk : "{}", 0, NULL);
            r = run_amend(a, &m);
            json_decref(m.risk_json);
            assessed_release(&ax);
        }
    }
    decl_row_release(&rv.row);
    amend_row_release(&rv.pending);
    return r;
}

/* ---- transitions without a new document: cancellation, officer decisions ------------------ */

typedef struct transition_ctx {
    write_ctx w;
    lifecycle_action action;
    json_t *detail; /* recorded on the event and in the decisions list */
    int escalate_to_red;
    /* learned selectivity: an outcome recorded by this decision, applied to the live history
     * once committed */
    int outcome_recorded, violation;
    risk_fact *facts;
    int n_facts;
    int waiting_for_customs; /* set when the sweep left a declaration alone (see waiting_reason) */
} transition_ctx;

static int record_outcome(db_conn *c, transition_ctx *t, const decl_row *cur)
{
    int violation;
    int64_t more;
    if (!risk_decision_outcome(t->action, cur->channel, t->detail, &violation, &more))
        return 0;
    int rc = store_risk_outcome_put(c, cur->id, t->w.job.now, violation, 0, more,
                                    lifecycle_action_name(t->action));
    if (rc <= 0)
        return rc;
    t->facts = calloc(DECL_MAX_ITEMS, sizeof *t->facts);
    if (!t->facts)
        return DB_ERR;
    t->n_facts = store_risk_facts_of(c, cur->id, t->facts, DECL_MAX_ITEMS);
    if (t->n_facts < 0)
        return t->n_facts;
    t->outcome_recorded = 1;
    t->violation = violation;
    return 0;
}

/* Cancelling a declaration that was sent to yellow or red: its goods keep the
 * selection — recorded by importer + invoice number and importer + each bill of lading, which
 * the next registration of the same goods inherits — and the cancellation is a risk input (an
 * outcome of the declaration for the learned selectivity: goods withdrawn from a check). */
static int keep_selection(db_conn *c, write_ctx *x, const decl_row *cur, json_t *detail)
{
    json_t *doc = json_loads(cur->doc, 0, NULL);
    const char *inv = json_string_value(json_object_get(json_object_get(doc, "invoice"), "number"));
    json_t *bls = json_object_get(json_object_get(doc, "transport"), "bills_of_lading"), *bl;
    size_t i;
    int rc = 0;
    if (inv && *inv)
        rc = store_selection_put(c, cur->party, "invoice", inv, cur->id, cur->number, cur->channel,
                                 x->job.now);
    json_array_foreach(bls, i, bl)
    {
        if (rc == 0 && json_string_value(bl))
            rc = store_selection_put(c, cur->party, "bl", json_string_value(bl), cur->id,
                                     cur->number, cur->channel, x->job.now);
    }
    json_decref(doc);
    if (rc == 0)
        rc = store_risk_outcome_put(c, cur->id, x->job.now, 1, 0, 0, "cancelled_after_selection");
    if (rc >= 0 && detail)
        json_object_set_new(detail, "selection_kept",
                            json_string(decl_channel_name((decl_channel)cur->channel)));
    return rc < 0 ? rc : 0;
}

/* Issue 14 §4: a `registered` declaration may still be waiting for someone other than its
 * declarant — an agency's specialised-inspection result that clearance needs (a
 * before_clearance procedure not passed; a failed one waits for the officer's measure), or an
 * officer's review of its amendment (§3, amendment_review). The invalidation sweep leaves those
 * alone. 1 (*why set), 0, or <0. */
static int waiting_reason(db_conn *c, const char *decl_id, const char **why)
{
    int rc = insp_clearance_blocks(c, decl_id, NULL);
    if (rc != 0) {
        *why = "waiting for a specialised-inspection result (or the officer's measure after a "
               "failed one)";
        return rc < 0 ? rc : 1;
    }
    if ((rc = store_amend_pending(c, decl_id, NULL)) != 0) {
        *why = "an amendment waits for an officer's review";
        return rc < 0 ? rc : 1;
    }
    return 0;
}

/* e-Payment after an inspection result: what the reassessment (or the officer's amount) adds is
 * assessed on top; a reassessment that lowers the taxes (the goods were over-declared) lowers the
 * assessment by as much, and what was already paid beyond it becomes a refund claim an officer
 * decides (Law on Tax Administration 38/2019 Art. 60: overpaid tax is refunded or offset), as an
 * accepted amendment's decrease does — never credit the trader could spend meanwhile. */
static int inspection_ledger(db_conn *c, write_ctx *x, const decl_row *cur, decl_status to,
                             json_t *detail)
{
    int64_t more = 0, diff = 0;
    const char *at = json_string_value(json_object_get(detail, "additional_tax"));
    const char *df = json_string_value(json_object_get(detail, "tax_difference"));
    if (at && decimal_parse(at, 0, 0, &more) == 0 && more > 0)
        return pay_ledger_add(c, cur->id, cur->party, to, more, x->job.now, x->job.req,
                              "additional tax after inspection");
    if (!df || decimal_parse(df, 0, 0, &diff) != 0 || diff >= 0)
        return 0;
    int rc = pay_ledger_add(c, cur->id, cur->party, to, diff, x->job.now, x->job.req,
                            "taxes lowered by reassessment after inspection");
    ledger_balance b;
    if (rc < 0 || (rc = pay_balance(c, cur->id, &b)) < 0 || b.surplus <= 0)
        return rc < 0 ? rc : 0;
    char reason[160];
    snprintf(reason, sizeof reason, "taxes lowered by reassessment after inspection of %s",
             cur->number);
    return pay_refund_claim(c, cur->party, cur->number, b.surplus, reason, x->job.req, x->job.now);
}

static int transition_job(db_conn *c, void *ctx)
{
    transition_ctx *t = ctx;
    write_ctx *x = &t->w;
    decl_row cur;
    decl_status to;
    if (svc_idem_lookup(c, x->job.req, &x->job.reply))
        return 1;
    int rc = load_for_write(c, x, &cur);
    if (rc != 0)
        return rc;
    if ((!cur.number[0] && t->action != ACT_EXPIRE) ||
        lifecycle_next((decl_status)cur.status, (decl_channel)cur.channel, t->action, &to) != 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "'%s' is not allowed for a %s declaration%s%s",
                 lifecycle_action_name(t->action), decl_status_name((decl_status)cur.status),
                 cur.channel ? " on the " : "",
                 cur.channel ? decl_channel_name((decl_channel)cur.channel) : "");
        decl_row_release(&cur);
        return svc_fail(&x->job, svc_error(SVC_CONFLICT, "illegal_transition", msg));
    }
    json_t *reassessed = json_object_get(t->detail, "reassessed_amendment");
    if (reassessed && json_integer_value(reassessed) != cur.amendment) {
        /* the taxes were computed again from a version that an amendment has since replaced */
        decl_row_release(&cur);
        return svc_fail(&x->job, svc_error(SVC_CONFLICT, "declaration_changed",
                                           "the declaration was amended while its taxes were "
                                           "computed again: send the inspection result again"));
    }
    if (t->action == ACT_INVALIDATE) { /* the 15 days run against the declarant only */
        const char *why = NULL;
        if ((rc = waiting_reason(c, cur.id, &why)) != 0) {
            decl_row_release(&cur);
            if (rc < 0)
                return rc;
            t->waiting_for_customs = 1;
            return svc_fail(&x->job, svc_error(SVC_CONFLICT, "waiting_for_customs", why));
        }
    }
    if (to == ST_CLEARED) { /* e-Payment: no clearance before the taxes are covered */
        int64_t due = pay_clearance_missing(c, cur.id, cur.party);
        if (due != 0) {
            decl_row_release(&cur);
            if (due < 0)
                return (int)due;
            char msg[160], amt[32];
            decimal_format(due, 0, amt, sizeof amt);
            snprintf(msg, sizeof msg,
                     "taxes are not covered: VND %s still to be paid (or guaranteed)", amt);
            return svc_fail(&x->job, svc_error(SVC_CONFLICT, "payment_outstanding", msg));
        }
        /* specialised inspection: every result the goods wait for must have passed */
        errs e;
        errs_init(&e);
        int blocks = insp_clearance_blocks(c, cur.id, &e);
        if (blocks != 0) {
            decl_row_release(&cur);
            if (blocks < 0)
                return blocks;
            svc_reply r = svc_errors(&e);
            r.code = SVC_CONFLICT;
            return svc_fail(&x->job, r);
        }
    }
    if (to == ST_CANCELLED && cur.channel >= CH_YELLOW &&
        (rc = keep_selection(c, x, &cur, t->detail)) < 0) {
        decl_row_release(&cur);
        return rc;
    }
    if (to == ST_CANCELLED || to == ST_INVALIDATED) {
        /* the goods will not be cleared under this declaration: its permit and C/O quantities
         * become available again */
        int64_t cert_back = 0, permit_back = 0;
        if ((rc = store_release_decl_usages(c, cur.id, &cert_back, &permit_back)) < 0) {
            decl_row_release(&cur);
            return rc;
        }
        char q[32];
        if (cert_back && t->detail) {
            decimal_format(cert_back, DECIMAL_SCALE_QTY, q, sizeof q);
            json_object_set_new(t->detail, "released_co_quantity", json_string(q));
        }
        if (permit_back && t->detail) {
            decimal_format(permit_back, DECIMAL_SCALE_QTY, q, sizeof q);
            json_object_set_new(t->detail, "released_permit_quantity", json_string(q));
        }
    }
    decl_row next = cur;
    next.status = to;
    next.updated_at = x->job.now;
    if (to == ST_CLEARED)
        next.cleared_at = x->job.now;
    if (t->escalate_to_red)
        next.channel = CH_RED;
    json_t *decisions = cur.decisions ? json_loads(cur.decisions, 0, NULL) : NULL;
    if (!decisions)
        decisions = json_array();
    json_t *entry = json_deep_copy(t->detail);
    char ts[24];
    date_format_timestamp((time_t)x->job.now, ts);
    json_object_set_new(entry, "action", json_string(lifecycle_action_name(t->action)));
    json_object_set_new(entry, "by", json_string(x->job.req->party));
    json_object_set_new(entry, "role", json_string(x->job.req->role));
    json_object_set_new(entry, "at", json_string(ts));
    svc_event_actor(x->job.req, entry);
    json_array_append_new(decisions, entry);
    char *dtext = json_dumps(decisions, JSON_COMPACT);
    json_decref(decisions);
    next.decisions = dtext;
    rc = store_decl_set_state(c, &next);
    if (rc == 0) {
        snprintf(x->row.id, sizeof x->row.id, "%s", cur.id);
        rc = event(c, x, lifecycle_action_name(t->action), cur.status, to, t->detail);
    }
    if (rc == 0)
        rc = record_outcome(c, t, &cur);
    if (rc == 0 && (to == ST_CANCELLED || to == ST_INVALIDATED)) /* e-Payment: nothing owed now */
        rc = pay_on_closed(c, cur.id, cur.party, to, x->job.now, x->job.req,
                           to == ST_CANCELLED ? "cancellation" : "invalidation");
    if (rc == 0 && t->action == ACT_INSPECTION_DONE)
        rc = inspection_ledger(c, x, &cur, to, t->detail);
    if (rc == 0) {
        x->job.reply.code = SVC_OK;
        x->job.reply.body = decl_view(&next, x->job.req);
        rc = svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->job.now);
    }
    free(dtext);
    decl_row_release(&cur);
    return rc;
}

static svc_reply run_transition(app *a, const svc_req *req, const char *number,
                                lifecycle_action act, json_t *detail, int escalate)
{
    svc_reply r = {0};
    if (svc_idempotent_replay(a, req, &r)) {
        json_decref(detail);
        return r;
    }
    transition_ctx t = {.w = {.job = svc_job_start(req), .key = number},
                        .action = act,
                        .detail = detail,
                        .escalate_to_red = escalate};
    r = svc_run_write(a, &t.w.job, transition_job, &t, "the database refused the change");
    if (t.outcome_recorded && r.code == SVC_OK)
        risk_engine_outcome(a->risk_engine, t.facts, t.n_facts, t.violation, 0);
    free(t.facts);
    json_decref(detail);
    return r;
}

/* Cancellation reason codes (VNACCS H01..; Art. 22 Circular 38 as amended). */
static const struct {
    const char *code;
    const char *text;
} cancel_reasons[] = {
    {"H01", "declaration expired"},
    {"H02", "more than 15 days and the import goods have not arrived"},
    {"H03", "more than 15 days and the export goods are not under customs supervision"},
    {"H04", "several declarations lodged for one shipment"},
    {"H05", "export goods entered the supervision area but were not exported"},
    {"H06", "import goods not imported or not passed the supervision area"},
    {"H07", "wrong data that cannot be amended"},
    {"H08", "system incident: replaced by a paper declaration"},
};

svc_reply svc_decl_cancel(app *a, const svc_req *req, const char *number, const decl_cancel_in *in,
                          errs *e)
{
    if (!svc_role_is(req, "declarant") && !svc_role_is(req, "officer"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only the declarant or an officer cancels");
    if (svc_body_not_object(e))
        return svc_not_object();
    const char *code = in->reason_code;
    size_t i, n = sizeof cancel_reasons / sizeof *cancel_reasons;
    for (i = 0; code && i < n; i++)
        if (strcmp(code, cancel_reasons[i].code) == 0)
            break;
    if (code && i == n)
        errs_add(e, "enum", "/reason_code", "'%.20s' is not a cancellation reason code (H01..H08)",
                 code);
    if (e->n)
        return svc_errors(e);
    json_t *detail = json_pack("{s:s,s:s,s:s}", "reason_code", code, "reason_text",
                               cancel_reasons[i].text, "reason", in->reason ? in->reason : "");
    return run_transition(a, req, number, ACT_CANCEL, detail, 0);
}

/* ---- reassessment after an inspection -------------------------------------------------------- */

/* The taxes of the declaration computed again with the items as the inspection found them
 * (Law on Tax Administration 38/2019 Art. 52: customs assesses the tax when the declared facts
 * are wrong): the same engine, rates and exchange rates of the declaration's tax date as at
 * registration, on the registered document and on the corrected one. Into detail: per corrected
 * item what changed and its taxes before and after, the totals, and "additional_tax" (what is
 * owed on top, >= 0) with "tax_difference" (signed: a negative one is an over-declaration, whose
 * refund is a procedure of its own). 0, or -1 with *fail set. */
/* A corrected item value moves the invoice total by as much: the corrected declaration stays one
 * whose items add up to its total (the validator's rule), with the value found. 0 when a value
 * is not a decimal. */
static int invoice_total_follows(json_t *doc, json_t *old_value, const char *new_value)
{
    enum { SCALE = 4 };
    json_t *inv = json_object_get(doc, "invoice");
    const char *total = json_string_value(json_object_get(inv, "total"));
    const char *old = json_string_value(old_value);
    int64_t t, o, n;
    char buf[40];
    if (decimal_parse(new_value, SCALE, 0, &n) != DECIMAL_OK)
        return 0;
    if (!total || !old || decimal_parse(total, SCALE, 0, &t) != DECIMAL_OK ||
        decimal_parse(old, SCALE, 0, &o) != DECIMAL_OK)
        return 1; /* nothing to keep in step: the validator says what is wrong */
    decimal_format(t - o + n, SCALE, buf, sizeof buf);
    json_object_set_new(inv, "total", json_string(buf));
    return 1;
}

static int reassess(app *a, const char *number, const decl_decision_in *in, json_t *detail,
                    svc_reply *fail)
{
    static const char *const keys[] = {"hs_code", "origin", "quantity", "unit_price", "value"};
    read_ctx x = {.key = number};
    assessed before, after;
    json_t *doc = NULL, *list = json_array();
    char *text = NULL;
    int rc = -1;
    memset(&before, 0, sizeof before);
    memset(&after, 0, sizeof after);
    if (store_read(a->st, get_job, &x) != 0) {
        *fail = svc_error(SVC_ERROR, "storage", "cannot read the declaration");
        goto done;
    }
    if (x.found != 1) {
        *fail = svc_error(SVC_NOT_FOUND, "not_found", "no such declaration");
        goto done;
    }
    doc = x.row.doc ? json_loads(x.row.doc, 0, NULL) : NULL;
    json_t *items = json_object_get(doc, "items");
    errs e;
    errs_init(&e);
    for (int i = 0; i < in->n_reassess; i++) {
        const decl_reassess_in *r = &in->reassess[i];
        json_t *it = json_array_get(items, (size_t)r->line - 1), *changed = json_object();
        const char *to[] = {r->hs_code, r->origin, r->quantity, r->unit_price, r->value};
        if (!it) {
            errs_add(&e, "line", "/reassessment", "the declaration has no line %d", r->line);
            json_decref(changed);
            continue;
        }
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
            if (!to[k][0])
                continue;
            json_t *old = json_object_get(it, keys[k]);
            if (!strcmp(keys[k], "value") && !invoice_total_follows(doc, old, to[k])) {
                errs_add(&e, "decimal", "/reassessment", "line %d: value '%.30s' is not a decimal",
                         r->line, to[k]);
                continue;
            }
            json_object_set_new(
                changed, keys[k],
                json_pack("{s:O,s:s}", "from", old ? old : json_null(), "to", to[k]));
            json_object_set_new(it, keys[k], json_string(to[k]));
        }
        json_array_append_new(list, json_pack("{s:i,s:o}", "line", r->line, "changed", changed));
    }
    if (e.n) {
        *fail = svc_errors(&e);
        goto done;
    }
    text = json_dumps(doc, JSON_COMPACT);
    if (assess_stored(a, x.row.doc, x.row.tax_date, &before, fail, 0, x.row.id) != 0 ||
        assess_stored(a, text, x.row.tax_date, &after, fail, 0, x.row.id) != 0)
        goto done;
    json_t *entry;
    size_t i;
    json_array_foreach(list, i, entry)
    {
        size_t k = (size_t)json_integer_value(json_object_get(entry, "line")) - 1;
        json_object_set_new(entry, "taxes_before", json_money(before.tr.items[k].total));
        json_object_set_new(entry, "taxes_after", json_money(after.tr.items[k].total));
    }
    int64_t diff = after.tr.total - before.tr.total;
    /* the version computed from: the transition refuses if another has replaced it meanwhile */
    json_object_set_new(detail, "reassessed_amendment", json_integer(x.row.amendment));
    json_object_set_new(detail, "reassessment", json_incref(list));
    json_object_set_new(detail, "tax_before", json_money(before.tr.total));
    json_object_set_new(detail, "tax_after", json_money(after.tr.total));
    json_object_set_new(detail, "tax_difference", json_money(diff));
    json_object_set_new(detail, "additional_tax", json_money(diff > 0 ? diff : 0));
    rc = 0;
done:
    assessed_release(&before);
    assessed_release(&after);
    free(text);
    json_decref(doc);
    json_decref(list);
    decl_row_release(&x.row);
    return rc;
}

/* Officer decisions. Body: {"decision": "start_document_check" | "document_check" |
 * "inspection" | "clear" | "reject" | "pass_supervision", "passed": bool (document_check),
 * "violation": bool, "findings": text, "additional_tax": "VND" (inspection), "note"}. */
svc_reply svc_decl_decide(app *a, const svc_req *req, const char *number,
                          const decl_decision_in *in, errs *e)
{
    if (!svc_role_is(req, "officer"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only customs officers record decisions");
    if (svc_body_not_object(e))
        return svc_not_object();
    svc_reply
        ir; /* release for storage, measures after a failed inspection (service/inspection.c) */
    if (in->kind == DECISION_INSPECTION &&
        svc_insp_decision(a, req, number, in->decision, &in->insp, e, &ir))
        return ir;
    if (e->n)
        return svc_errors(e);
    lifecycle_action act = in->act;
    json_t *detail = json_pack("{s:s}", "decision", in->decision);
    if (in->has_passed)
        json_object_set_new(detail, "passed", json_boolean(in->passed));
    if (in->has_violation)
        json_object_set_new(detail, "violation", json_boolean(in->violation));
    if (in->findings)
        json_object_set_new(detail, "findings", json_string(in->findings));
    if (in->note)
        json_object_set_new(detail, "note", json_string(in->note));
    if (act == ACT_INSPECTION_DONE && in->n_reassess) {
        svc_reply fail;
        if (reassess(a, number, in, detail, &fail) != 0) {
            json_decref(detail);
            return fail;
        }
    } else if (act == ACT_INSPECTION_DONE) {
        char buf[32];
        decimal_format(in->additional_tax, 0, buf, sizeof buf);
        json_object_set_new(detail, "additional_tax", json_string(buf));
    }
    return run_transition(a, req, number, act, detail, act == ACT_DOC_FAILED);
}

/* ---- automatic expiry and invalidation ------------------------------------------------------ */

typedef struct sweep_ctx {
    int status;
    int64_t before;
    int64_t at; /* the cursor: the last declaration listed (id "" = none yet) */
    char id[33];
    char (*ids)[33];
    int n;
} sweep_ctx;

static int sweep_list_job(db_conn *c, void *ctx)
{
    sweep_ctx *x = ctx;
    x->n = store_decl_ids_by_status_before(c, x->status, x->before, &x->at, x->id, x->ids, 1000);
    return x->n < 0 ? x->n : 0;
}

/* Customs Law / Circular 38 Art. 22 (as amended): a declaration lapses 15 days after registration
 * when the declarant has not done its part: documents not submitted (yellow), goods not presented
 * (red) or taxes not paid (green), i.e. it is still `registered`. One waiting for customs (document
 * check, inspection, checked, or an agency's inspection result) never lapses: the delay is not the
 * declarant's. Days are legal days (Vietnam's dates): registered on day D, invalid from D + 16. */
int svc_invalidate(app *a, const svc_req *by, int64_t now, int *expired, int *invalidated)
{
    static const int statuses[] = {ST_PROVISIONAL, ST_REGISTERED};
    svc_req sys = {.party = "SYSTEM", .role = "system"};
    char(*ids)[33] = calloc(1000, sizeof *ids);
    date_ymd today = date_legal(now);
    json_t *numbers = json_array();
    int waiting = 0;
    *expired = *invalidated = 0;
    if (!ids || !numbers) {
        free(ids);
        json_decref(numbers);
        return -1;
    }
    for (size_t s = 0; s < sizeof statuses / sizeof *statuses; s++) {
        int prov = statuses[s] == ST_PROVISIONAL;
        /* before the first instant of the day (limit) days ago: more than (limit) legal days */
        sweep_ctx x = {
            statuses[s],
            date_legal_start(date_add_days(today, -(prov ? PROVISIONAL_DAYS : INVALIDATE_DAYS))),
            0,
            "",
            ids,
            0};
        for (;;) {
            if (store_read(a->st, sweep_list_job, &x) != 0) {
                free(ids);
                json_decref(numbers);
                return -1;
            }
            for (int i = 0; i < x.n; i++) {
                transition_ctx t = {.w = {.job = {.req = &sys, .now = now}, .key = ids[i]},
                                    .action = prov ? ACT_EXPIRE : ACT_INVALIDATE};
                t.detail =
                    prov ? json_pack("{s:s}", "reason", "provisional data older than 7 days")
                         : json_pack("{s:s,s:s}", "reason_code", "H02", "reason",
                                     "registered more than 15 days ago and the declarant has not "
                                     "submitted documents, presented the goods or paid");
                svc_reply r = svc_run_write(a, &t.w.job, transition_job, &t,
                                            "the database refused the change");
                if (r.code == SVC_OK) {
                    if (prov)
                        (*expired)++;
                    else {
                        (*invalidated)++;
                        json_t *num = json_object_get(r.body, "number");
                        if (json_is_string(num) && json_array_size(numbers) < 200)
                            json_array_append(numbers, num);
                    }
                }
                waiting += t.waiting_for_customs;
                json_decref(r.body);
                json_decref(t.detail);
            }
            /* the next page starts after the last one listed: a full page of declarations left
             * as they were (waiting for customs, or refused) cannot stop the sweep */
            if (x.n < 1000)
                break;
        }
    }
    free(ids);
    /* every run is audited, also one that changed nothing */
    char d[11];
    date_format(today, d);
    json_t *detail =
        json_pack("{s:s,s:i,s:i,s:o,s:i}", "as_of", d, "expired", *expired, "invalidated",
                  *invalidated, "declarations", numbers, "waiting_for_customs", waiting);
    int rc = audit_log_write(a, "invalidation", svc_now(), by, "invalidate.run", detail);
    json_decref(detail);
    return rc < 0 ? -1 : *expired + *invalidated;
}

svc_reply svc_admin_invalidate(app *a, const svc_req *req, const char *as_of)
{
    date_ymd d, today = svc_today();
    if (!svc_role_is(req, "admin"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "administrators only");
    errs e;
    errs_init(&e);
    if (as_of && date_parse(as_of, &d) != 0)
        errs_add(&e, "date", "as_of", "dates are written YYYY-MM-DD");
    else if (!as_of)
        d = today;
    else if (d > today) {
        char t[11];
        date_format(today, t);
        errs_add(&e, "future_date", "as_of",
                 "the sweep cannot run as of a day that has not come (today is %s in "
                 "Vietnam): declarations would lapse before their time",
                 t);
    }
    if (e.n)
        return svc_errors(&e);
    int expired, invalidated;
    /* as of today: now; as of a past day: the end of that day */
    int64_t now = d == today ? svc_now() : date_legal_end(d);
    if (svc_invalidate(a, req, now, &expired, &invalidated) < 0)
        return svc_error(SVC_ERROR, "storage", "invalidation failed");
    svc_reply r = {.code = SVC_OK,
                   .body = json_pack("{s:i,s:i}", "expired", expired, "invalidated", invalidated)};
    return r;
}
