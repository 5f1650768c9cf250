/* e-Manifest use cases: carriers submit and amend manifests; declarations are linked to and
 * reconciled with the bills of lading (domain.md §4.1). */
#include "codec/json_fields.h"
#include "service/manifests.h"

#include <ctype.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/codes.h"
#include "core/manifest.h"
#include "service/kernel.h"
#include "store/store_manifest.h"
#include "util/dec.h"

#define MAX_BL 500
#define MAX_CTR_PER_BL 200

/* "YYYY-MM-DDTHH:MM[:SS](Z|+HH:MM|-HH:MM)" -> unix seconds. */
static int parse_ts(const char *s, int64_t *out)
{
    char d[11];
    date_ymd ymd;
    int hh, mm, ss = 0, n = 0;
    if (!s || strlen(s) < 17 || s[10] != 'T')
        return -1;
    memcpy(d, s, 10);
    d[10] = 0;
    if (date_parse(d, &ymd) != 0)
        return -1;
    const char *p = s + 11;
    if (sscanf(p, "%2d:%2d%n", &hh, &mm, &n) != 2 || n != 5)
        return -1;
    p += 5;
    if (*p == ':') {
        if (sscanf(p + 1, "%2d%n", &ss, &n) != 1 || n != 2)
            return -1;
        p += 3;
    }
    int off = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 || oh > 14 || om > 59)
            return -1;
        off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p || hh > 23 || mm > 59 || ss > 59)
        return -1;
    *out = (int64_t)date_to_days(ymd) * 86400 + hh * 3600 + mm * 60 + ss - off;
    return 0;
}

/* ---- decoding ------------------------------------------------------------------------------ */

typedef struct mctr {
    char number[12];
    char seal[24];
} mctr;

typedef struct mbl {
    char number[36];
    char hs[11];
    char consignee_tax[14];
    char shipper[128];       /* for screening; the full text stays in the manifest document */
    char hold_reason[160];   /* pre-arrival screening: a red rule matched */
    int64_t packages;
    int64_t gross_weight;
    int n_ctr;
    mctr *ctr;
} mbl;

typedef struct manifest_in {
    int air;
    char port[6];
    char loading_country[3]; /* of the port of loading: the screening rules' "origin" */
    int64_t eta;
    int voyage_days;
    int n_bl;
    mbl *bl;
} manifest_in;

static void manifest_in_release(manifest_in *m)
{
    for (int i = 0; i < m->n_bl; i++)
        free(m->bl[i].ctr);
    free(m->bl);
    memset(m, 0, sizeof *m);
}

/* A required (or optional) string of at most max-1 characters. */
static const char *str_field(json_t *obj, const char *key, const char *path, size_t max, int required, errs *e)
{
    json_t *v = json_object_get(obj, key);
    char p[128];
    snprintf(p, sizeof p, "%s/%s", path, key);
    if (!v) {
        if (required)
            errs_add(e, "required", p, "'%s' is required", key);
        return NULL;
    }
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= max) {
        errs_add(e, "type", p, "'%s' must be a string of 1-%zu characters", key, max - 1);
        return NULL;
    }
    return json_string_value(v);
}

static int alnum_upper(const char *s)
{
    for (; *s; s++)
        if (!isupper((unsigned char)*s) && !isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static void decode_bl(json_t *o, const char *path, mbl *b, errs *e)
{
    static const char *const keys[] = {"number", "kind", "master_number", "shipper", "consignee",
                                       "notify", "description", "hs_code", "packages",
                                       "gross_weight_kg", "containers", NULL};
    char p[128];
    if (!json_is_object(o)) {
        errs_add(e, "type", path, "a bill of lading is an object");
        return;
    }
    json_check_fields(o, keys, path, e);
    const char *num = str_field(o, "number", path, sizeof b->number, 1, e);
    if (num) {
        if (!alnum_upper(num)) {
            snprintf(p, sizeof p, "%s/number", path);
            errs_add(e, "format", p, "a bill of lading number is upper-case letters and digits, without symbols");
        }
        snprintf(b->number, sizeof b->number, "%s", num);
    }
    const char *kind = str_field(o, "kind", path, 8, 1, e);
    if (kind && strcmp(kind, "master") && strcmp(kind, "house")) {
        snprintf(p, sizeof p, "%s/kind", path);
        errs_add(e, "enum", p, "kind is 'master' or 'house'");
    }
    str_field(o, "master_number", path, 36, 0, e);
    const char *shipper = str_field(o, "shipper", path, 512, 1, e);
    if (shipper)
        snprintf(b->shipper, sizeof b->shipper, "%s", shipper);
    str_field(o, "notify", path, 512, 0, e);
    str_field(o, "description", path, 1024, 1, e);
    const char *cons = str_field(o, "consignee", path, 512, 1, e);
    if (cons && !manifest_consignee_valid(cons)) {
        snprintf(p, sizeof p, "%s/consignee", path);
        errs_add(e, "format", p, "consignee is written 'taxcode#name#address' (Notice 7126/TCHQ-GSQL)");
    } else if (cons) {
        size_t tl = (size_t)(strchr(cons, '#') - cons);
        snprintf(b->consignee_tax, sizeof b->consignee_tax, "%.*s", (int)tl, cons);
    }
    const char *hs = str_field(o, "hs_code", path, 11, 1, e);
    if (hs) {
        size_t n = strlen(hs), i;
        for (i = 0; i < n && isdigit((unsigned char)hs[i]); i++)
            ;
        if (i != n || n < 4 || n > 10) {
            snprintf(p, sizeof p, "%s/hs_code", path);
            errs_add(e, "format", p, "hs_code has at least 4 digits (Notice 7126/TCHQ-GSQL)");
        }
        snprintf(b->hs, sizeof b->hs, "%s", hs);
    }
    json_t *pk = json_object_get(o, "packages");
    snprintf(p, sizeof p, "%s/packages", path);
    if (!pk)
        errs_add(e, "required", p, "'packages' is required");
    else if (!json_is_integer(pk) || json_integer_value(pk) <= 0)
        errs_add(e, "type", p, "'packages' is a positive integer");
    else
        b->packages = json_integer_value(pk);
    json_t *gw = json_object_get(o, "gross_weight_kg");
    snprintf(p, sizeof p, "%s/gross_weight_kg", path);
    if (!gw)
        errs_add(e, "required", p, "'gross_weight_kg' is required");
    else if (json_is_integer(gw) && json_integer_value(gw) > 0 && json_integer_value(gw) < 100000000000LL)
        b->gross_weight = json_integer_value(gw) * 10000;
    else if (!json_is_string(gw) || dec_parse(json_string_value(gw), DEC_SCALE_QTY, 0, &b->gross_weight) != 0 ||
             b->gross_weight <= 0)
        errs_add(e, "decimal", p, "'gross_weight_kg' is a positive decimal (string) or integer");
    json_t *ct = json_object_get(o, "containers");
    if (ct) {
        snprintf(p, sizeof p, "%s/containers", path);
        if (!json_is_array(ct) || json_array_size(ct) > MAX_CTR_PER_BL) {
            errs_add(e, "type", p, "'containers' is an array of at most %d containers", MAX_CTR_PER_BL);
            return;
        }
        b->ctr = calloc(json_array_size(ct) + 1, sizeof *b->ctr);
        size_t i;
        json_t *c;
        json_array_foreach(ct, i, c) {
            static const char *const ckeys[] = {"number", "seal", NULL};
            char cp[160];
            snprintf(cp, sizeof cp, "%s/containers/%zu", path, i);
            if (!json_is_object(c)) {
                errs_add(e, "type", cp, "a container is an object {number, seal}");
                continue;
            }
            json_check_fields(c, ckeys, cp, e);
            const char *n = str_field(c, "number", cp, 12, 1, e);
            const char *s = str_field(c, "seal", cp, 24, 1, e);
            char np[192];
            snprintf(np, sizeof np, "%s/number", cp);
            if (n && !codes_container_valid(n)) {
                errs_add(e, "container_number", np,
                         "'%s' is not an ISO 6346 container number (owner code, serial, check digit)", n);
                continue;
            }
            for (int j = 0; n && j < b->n_ctr; j++)
                if (strcmp(b->ctr[j].number, n) == 0) {
                    errs_add(e, "duplicate", np, "container %s is listed twice on this bill", n);
                    n = NULL;
                }
            if (n && s && b->ctr) {
                snprintf(b->ctr[b->n_ctr].number, 12, "%s", n);
                snprintf(b->ctr[b->n_ctr].seal, 24, "%s", s);
                b->n_ctr++;
            }
        }
    }
}

static void decode_manifest(json_t *body, manifest_in *m, errs *e)
{
    static const char *const keys[] = {"vessel", "flight", "voyage", "voyage_days", "port_of_loading",
                                       "port_of_arrival", "eta", "bills_of_lading", NULL};
    memset(m, 0, sizeof *m);
    if (!json_is_object(body)) {
        errs_add(e, "type", "", "the body must be a JSON object");
        return;
    }
    json_check_fields(body, keys, "", e);
    json_t *vessel = json_object_get(body, "vessel"), *flight = json_object_get(body, "flight");
    if (!!vessel == !!flight)
        errs_add(e, "required", "/vessel", "give either 'vessel' (sea) or 'flight' (air)");
    if (vessel) {
        static const char *const vkeys[] = {"imo", "call_sign", "name", NULL};
        if (!json_is_object(vessel)) {
            errs_add(e, "type", "/vessel", "'vessel' is an object {imo, call_sign, name}");
        } else {
            json_check_fields(vessel, vkeys, "/vessel", e);
            const char *imo = str_field(vessel, "imo", "/vessel", 11, 1, e);
            if (imo && !manifest_imo_valid(imo))
                errs_add(e, "imo_number", "/vessel/imo",
                         "'%s' is not an IMO number (7 digits, the last a check digit)", imo);
            str_field(vessel, "call_sign", "/vessel", 16, 1, e);
            str_field(vessel, "name", "/vessel", 128, 1, e);
        }
    }
    if (flight) {
        m->air = 1;
        str_field(body, "flight", "", 16, 1, e);
    }
    str_field(body, "voyage", "", 32, 1, e);
    json_t *vd = json_object_get(body, "voyage_days");
    if (vd && (!json_is_integer(vd) || json_integer_value(vd) < 0 || json_integer_value(vd) > 365))
        errs_add(e, "type", "/voyage_days", "'voyage_days' is an integer 0-365");
    else if (vd)
        m->voyage_days = (int)json_integer_value(vd);
    const char *pol = str_field(body, "port_of_loading", "", 6, 0, e);
    if (pol && !codes_locode_valid(pol))
        errs_add(e, "locode", "/port_of_loading", "'%s' is not a UN/LOCODE", pol);
    else if (pol)
        snprintf(m->loading_country, sizeof m->loading_country, "%.2s", pol);
    const char *poa = str_field(body, "port_of_arrival", "", 6, 1, e);
    if (poa && (!codes_locode_valid(poa) || strncmp(poa, "VN", 2) != 0))
        errs_add(e, "locode", "/port_of_arrival", "'%s' is not a Vietnamese UN/LOCODE", poa);
    else if (poa)
        snprintf(m->port, sizeof m->port, "%s", poa);
    const char *eta = str_field(body, "eta", "", 32, 1, e);
    if (eta && parse_ts(eta, &m->eta) != 0)
        errs_add(e, "timestamp", "/eta", "'eta' is a timestamp YYYY-MM-DDTHH:MM:SSZ (or with an offset)");
    json_t *bls = json_object_get(body, "bills_of_lading");
    if (!json_is_array(bls) || json_array_size(bls) == 0 || json_array_size(bls) > MAX_BL) {
        errs_add(e, bls ? "type" : "required", "/bills_of_lading",
                 "'bills_of_lading' is an array of 1-%d bills", MAX_BL);
        return;
    }
    m->bl = calloc(json_array_size(bls), sizeof *m->bl);
    if (!m->bl) {
        errs_add(e, "internal", "", "out of memory");
        return;
    }
    size_t i;
    json_t *b;
    json_array_foreach(bls, i, b) {
        char p[64];
        snprintf(p, sizeof p, "/bills_of_lading/%zu", i);
        decode_bl(b, p, &m->bl[m->n_bl], e);
        for (int j = 0; j < m->n_bl; j++)
            if (m->bl[m->n_bl].number[0] && strcmp(m->bl[j].number, m->bl[m->n_bl].number) == 0) {
                char np[80];
                snprintf(np, sizeof np, "%s/number", p);
                errs_add(e, "duplicate_bill_of_lading", np, "bill of lading %s is listed twice",
                         m->bl[j].number);
            }
        m->n_bl++;
    }
}

/* ---- views ----------------------------------------------------------------------------------- */

static json_t *manifest_view(const manifest_row *r, char **old, int64_t *old_at, int n_old)
{
    json_t *doc = json_loads(r->doc, 0, NULL);
    json_t *v = json_object();
    json_object_set_new(v, "id", json_string(r->id));
    json_object_set_new(v, "carrier", json_string(r->carrier));
    json_object_set_new(v, "version", json_integer(r->version));
    json_object_set_new(v, "mode", json_string(r->mode));
    json_object_set_new(v, "late", json_boolean(r->late));
    json_t *vd = json_object_get(doc, "voyage_days");
    int64_t due = r->eta - manifest_deadline_s(strcmp(r->mode, "air") == 0,
                                               vd ? (int)json_integer_value(vd) : 0);
    json_object_set_new(v, "due_by", json_timestamp(due));
    json_object_set_new(v, "submitted_at", json_timestamp(r->created_at));
    json_object_set_new(v, "updated_at", json_timestamp(r->updated_at));
    json_object_set_new(v, "manifest", doc ? doc : json_object());
    if (old) {
        json_t *h = json_array();
        for (int i = 0; i < n_old; i++) {
            json_t *d = json_loads(old[i], 0, NULL);
            json_array_append_new(h, json_pack("{s:i,s:o,s:o}", "version", i + 1, "replaced_at",
                                               json_timestamp(old_at[i]), "manifest", d ? d : json_object()));
        }
        json_object_set_new(v, "history", h);
    }
    return v;
}

/* ---- create / amend ---------------------------------------------------------------------------- */

typedef struct mwrite_ctx {
    svc_job job; /* first: request, now, reply */
    const char *id;          /* amend: the addressed manifest */
    manifest_in *m;
    manifest_row row;
} mwrite_ctx;

static int write_lines(db_conn *c, mwrite_ctx *x)
{
    for (int i = 0; i < x->m->n_bl; i++) {
        mbl_row br;
        int rc = store_mbl_get(c, x->m->bl[i].number, &br);
        if (rc < 0)
            return rc;
        if (rc == 1 && strcmp(br.manifest_id, x->row.id) != 0) {
            char msg[160];
            snprintf(msg, sizeof msg, "bill of lading %s is already in another manifest",
                     x->m->bl[i].number);
            svc_reply r = svc_error(SVC_CONFLICT, "duplicate_bill_of_lading", msg);
            char p[64];
            snprintf(p, sizeof p, "/bills_of_lading/%d/number", i);
            json_object_set_new(json_array_get(json_object_get(r.body, "errors"), 0), "path", json_string(p));
            return svc_fail(&x->job, r);
        }
    }
    for (int i = 0; i < x->m->n_bl; i++) {
        mbl *b = &x->m->bl[i];
        mbl_row br = {0};
        snprintf(br.bl, sizeof br.bl, "%s", b->number);
        snprintf(br.manifest_id, sizeof br.manifest_id, "%s", x->row.id);
        snprintf(br.port, sizeof br.port, "%s", x->m->port);
        br.packages = b->packages;
        br.gross_weight = b->gross_weight;
        int rc = store_mbl_put(c, &br);
        for (int j = 0; j < b->n_ctr && rc == 0; j++)
            rc = store_mctr_put(c, b->ctr[j].number, b->number, x->row.id, b->ctr[j].seal);
        if (rc == 0 && b->hold_reason[0]) { /* pre-arrival screening: hold until an officer releases */
            int open = store_hold_open_count(c, b->number);
            if (open < 0)
                return open;
            if (open == 0) {
                hold_row h = {0};
                h.id = store_sequence_next(c, "hold");
                if (h.id < 0)
                    return (int)h.id;
                snprintf(h.subject, sizeof h.subject, "%s", b->number);
                snprintf(h.reason, sizeof h.reason, "%s", b->hold_reason);
                snprintf(h.opened_by, sizeof h.opened_by, "SYSTEM");
                h.opened_at = x->job.now;
                rc = store_hold_put(c, &h);
            }
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int create_job(db_conn *c, void *ctx)
{
    mwrite_ctx *x = ctx;
    if (svc_idem_lookup(c, x->job.req, &x->job.reply))
        return 1;
    int rc = write_lines(c, x);
    if (rc == 0)
        rc = store_manifest_insert(c, &x->row);
    if (rc == 0) {
        x->job.reply.code = SVC_CREATED;
        x->job.reply.body = manifest_view(&x->row, NULL, NULL, 0);
        rc = svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->job.now);
    }
    return rc;
}

static int amend_job(db_conn *c, void *ctx)
{
    mwrite_ctx *x = ctx;
    manifest_row cur;
    if (svc_idem_lookup(c, x->job.req, &x->job.reply))
        return 1;
    int rc = store_manifest_get(c, x->id, &cur);
    if (rc < 0)
        return rc;
    if (rc == 0 || strcmp(cur.carrier, x->job.req->party) != 0) {
        if (rc == 1)
            free(cur.doc);
        return svc_fail(&x->job, svc_error(SVC_NOT_FOUND, "not_found", "no such manifest"));
    }
    rc = store_manifest_version_put(c, cur.id, cur.version, cur.doc, x->job.now);
    if (rc == 0)
        rc = store_manifest_clear_lines(c, cur.id);
    snprintf(x->row.id, sizeof x->row.id, "%s", cur.id);
    snprintf(x->row.carrier, sizeof x->row.carrier, "%s", cur.carrier);
    x->row.version = cur.version + 1;
    x->row.created_at = cur.created_at;
    x->row.late = cur.late; /* lateness is that of the first submission */
    free(cur.doc);
    if (rc == 0)
        rc = write_lines(c, x);
    if (rc == 0)
        rc = store_manifest_update(c, &x->row);
    if (rc == 0) {
        x->job.reply.code = SVC_OK;
        x->job.reply.body = manifest_view(&x->row, NULL, NULL, 0);
        rc = svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->job.now);
    }
    return rc;
}

static svc_reply manifest_write(app *a, const svc_req *req, const char *id, json_t *body)
{
    svc_reply r = {0};
    errs *e;
    manifest_in m;
    if (!svc_role_is(req, "carrier"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only carriers submit manifests");
    if (svc_idempotent_replay(a, req, &r))
        return r;
    if (!(e = malloc(sizeof *e)))
        return svc_error(SVC_ERROR, "internal", "out of memory");
    errs_init(e);
    decode_manifest(body, &m, e);
    if (e->n) {
        r = svc_errors(e);
        free(e);
        manifest_in_release(&m);
        return r;
    }
    free(e);
    /* pre-arrival screening (VCIS decides on inspection in advance, domain.md §4.1) */
    date_ymd today = date_today();
    pthread_rwlock_rdlock(&a->risk_lock);
    for (int i = 0; i < m.n_bl; i++) {
        int k = manifest_screen(a->rules, a->n_rules, m.bl[i].hs, m.bl[i].consignee_tax,
                                m.bl[i].shipper, m.loading_country, today);
        if (k >= 0)
            snprintf(m.bl[i].hold_reason, sizeof m.bl[i].hold_reason,
                     "pre-arrival screening: rule %lld (%.96s)", (long long)a->rules[k].id, a->rules[k].name);
    }
    pthread_rwlock_unlock(&a->risk_lock);
    mwrite_ctx x = {.job = svc_job_start(req), .id = id, .m = &m};
    if (!id) {
        unsigned char rb[16];
        RAND_bytes(rb, sizeof rb);
        for (int i = 0; i < 16; i++)
            snprintf(x.row.id + 2 * i, 3, "%02x", rb[i]);
        snprintf(x.row.carrier, sizeof x.row.carrier, "%s", req->party);
        x.row.version = 1;
        x.row.created_at = x.job.now;
    }
    snprintf(x.row.mode, sizeof x.row.mode, "%s", m.air ? "air" : "sea");
    snprintf(x.row.port, sizeof x.row.port, "%s", m.port);
    x.row.eta = m.eta;
    x.row.late = x.job.now > m.eta - manifest_deadline_s(m.air, m.voyage_days);
    x.row.updated_at = x.job.now;
    x.row.doc = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    r = svc_run_write(a, &x.job, id ? amend_job : create_job, &x,
                    "the database refused the manifest");
    free(x.row.doc);
    manifest_in_release(&m);
    return r;
}

svc_reply svc_manifest_create(app *a, const svc_req *req, json_t *body)
{
    return manifest_write(a, req, NULL, body);
}

svc_reply svc_manifest_amend(app *a, const svc_req *req, const char *id, json_t *body)
{
    return manifest_write(a, req, id, body);
}

typedef struct mread_ctx {
    const char *id;
    manifest_row row;
    int found;
    char *old[100];
    int64_t old_at[100];
    int n_old;
} mread_ctx;

static int mread_job(db_conn *c, void *ctx)
{
    mread_ctx *x = ctx;
    x->found = store_manifest_get(c, x->id, &x->row);
    if (x->found == 1) {
        x->n_old = store_manifest_versions(c, x->id, x->old, x->old_at, 100);
        if (x->n_old < 0)
            return x->n_old;
    }
    return x->found < 0 ? x->found : 0;
}

svc_reply svc_manifest_get(app *a, const svc_req *req, const char *id)
{
    mread_ctx x = {.id = id};
    svc_reply r = {0};
    if (store_read(a->st, mread_job, &x) != 0)
        r = svc_error(SVC_ERROR, "storage", "cannot read the manifest");
    else if (x.found != 1 || (!svc_is_customs(req) && strcmp(x.row.carrier, req->party) != 0))
        r = svc_error(SVC_NOT_FOUND, "not_found", "no such manifest");
    else {
        r.code = SVC_OK;
        r.body = manifest_view(&x.row, x.old, x.old_at, x.n_old);
    }
    if (x.found == 1)
        free(x.row.doc);
    for (int i = 0; i < x.n_old; i++)
        free(x.old[i]);
    return r;
}

/* ---- declarations <-> manifests --------------------------------------------------------------- */

static int applicable(int kind_import, int mode) { return kind_import && mode >= 1 && mode <= 3; }

json_t *svc_manifest_on_register(db_conn *c, const char *decl_id, const decl *d, int *rc)
{
    const decl_transport *t = &d->transport;
    json_t *warnings = json_array();
    *rc = store_declbl_set(c, decl_id, (const char (*)[36])t->bills_of_lading, t->n_bl);
    if (*rc || !applicable(d->kind == DECL_IMPORT, t->mode))
        goto out;
    json_t *missing = json_array();
    for (int i = 0; i < t->n_bl; i++) {
        mbl_row br;
        int k = store_mbl_get(c, t->bills_of_lading[i], &br);
        if (k < 0) {
            *rc = k;
            json_decref(missing);
            goto out;
        }
        if (k == 0 || strcmp(br.port, t->port_of_discharge) != 0)
            json_array_append_new(missing, json_string(t->bills_of_lading[i]));
    }
    if (json_array_size(missing)) {
        json_array_append_new(warnings, json_pack("{s:s,s:s,s:O}", "code", "manifest_missing", "message",
                              "bills of lading not (yet) in a manifest for the port of discharge: "
                              "the goods cannot leave the port until the manifest is received",
                              "bills_of_lading", missing));
    }
    json_decref(missing);
out:
    if (*rc) {
        json_decref(warnings);
        return NULL;
    }
    return warnings;
}

typedef struct check_ctx {
    json_t *doc;
    json_t *out;
} check_ctx;

static int64_t weight_of(json_t *v)
{
    int64_t w = -1;
    if (json_is_integer(v))
        return json_integer_value(v) * 10000;
    if (json_is_string(v) && dec_parse(json_string_value(v), DEC_SCALE_QTY, 0, &w) == 0)
        return w;
    return -1;
}

static json_t *weight_json(int64_t w)
{
    char buf[40];
    dec_format(w, DEC_SCALE_QTY, buf, sizeof buf);
    return json_string(buf);
}

static int check_job(db_conn *c, void *ctx)
{
    check_ctx *x = ctx;
    json_t *tr = json_object_get(x->doc, "transport");
    const char *port = json_string_value(json_object_get(tr, "port_of_discharge"));
    json_t *bls = json_object_get(tr, "bills_of_lading"), *b;
    json_t *missing = json_array(), *manifests = json_array(), *diffs = json_array();
    json_t *mctrs = json_array();
    int64_t pk = 0, gw = 0;
    size_t i;
    int found = 0;
    json_array_foreach(bls, i, b) {
        const char *bl = json_string_value(b);
        mbl_row br;
        int k = bl ? store_mbl_get(c, bl, &br) : 0;
        if (k < 0)
            goto err;
        if (k == 0 || (port && strcmp(br.port, port) != 0)) {
            json_array_append_new(missing, json_string(bl ? bl : ""));
            continue;
        }
        found++;
        pk += br.packages;
        gw += br.gross_weight;
        int dup = 0;
        for (size_t j = 0; j < json_array_size(manifests); j++)
            dup |= strcmp(json_string_value(json_array_get(manifests, j)), br.manifest_id) == 0;
        if (!dup)
            json_array_append_new(manifests, json_string(br.manifest_id));
        mctr_row rows[64];
        int n = store_mctr_by_bl(c, bl, rows, 64);
        if (n < 0)
            goto err;
        for (int j = 0; j < n; j++)
            json_array_append_new(mctrs, json_string(rows[j].container));
    }
    if (found) {
        json_t *dp = json_object_get(json_object_get(x->doc, "packages"), "count");
        if (json_is_integer(dp) && json_integer_value(dp) != pk)
            json_array_append_new(diffs, json_pack("{s:s,s:I,s:I}", "field", "packages",
                                                   "declaration", (json_int_t)json_integer_value(dp),
                                                   "manifest", (json_int_t)pk));
        int64_t dw = weight_of(json_object_get(x->doc, "gross_weight_kg"));
        if (dw >= 0 && dw != gw)
            json_array_append_new(diffs, json_pack("{s:s,s:o,s:o}", "field", "gross_weight_kg",
                                                   "declaration", weight_json(dw), "manifest",
                                                   weight_json(gw)));
        json_t *dc = json_object_get(tr, "containers"), *v;
        json_t *only_decl = json_array(), *only_man = json_array();
        json_array_foreach(dc, i, v) {
            int in = 0;
            for (size_t j = 0; j < json_array_size(mctrs); j++)
                in |= json_equal(v, json_array_get(mctrs, j));
            if (!in)
                json_array_append(only_decl, v);
        }
        json_array_foreach(mctrs, i, v) {
            int in = 0;
            for (size_t j = 0; j < json_array_size(dc); j++)
                in |= json_equal(v, json_array_get(dc, j));
            if (!in)
                json_array_append(only_man, v);
        }
        if (json_array_size(only_decl) || json_array_size(only_man))
            json_array_append_new(diffs, json_pack("{s:s,s:o,s:o}", "field", "containers",
                                                   "declaration_only", only_decl, "manifest_only",
                                                   only_man));
        else {
            json_decref(only_decl);
            json_decref(only_man);
        }
    }
    const char *status = json_array_size(missing) ? "manifest_missing"
                         : json_array_size(diffs) ? "differences" : "match";
    x->out = json_pack("{s:s,s:o,s:o,s:o}", "status", status, "manifests", manifests,
                       "missing_bills_of_lading", missing, "differences", diffs);
    json_decref(mctrs);
    return 0;
err:
    json_decref(missing);
    json_decref(manifests);
    json_decref(diffs);
    json_decref(mctrs);
    return DB_ERR;
}

json_t *svc_manifest_check(app *a, const char *decl_doc)
{
    check_ctx x = {.doc = decl_doc ? json_loads(decl_doc, 0, NULL) : NULL};
    if (!x.doc)
        return NULL;
    json_t *tr = json_object_get(x.doc, "transport");
    const char *kind = json_string_value(json_object_get(x.doc, "kind"));
    if (!kind || !applicable(strcmp(kind, "import") == 0, (int)json_integer_value(json_object_get(tr, "mode")))) {
        json_decref(x.doc);
        return NULL;
    }
    if (store_read(a->st, check_job, &x) != 0)
        x.out = NULL;
    json_decref(x.doc);
    return x.out;
}
