#include "store/store_risk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/decl.h"
#include "store/pack.h"
#include "util/outbuf.h"
#include "util/strmap.h"

/* tables: src/store/schema.sql */

/* ---- the encoding of a declaration's facts ---------------------------------------------------
 * Items separated by RS (0x1e), fields by US (0x1f), in the order of risk_fact; the decl_id and
 * the registration time are columns of the row. Separators inside a value become spaces. */

#define RS '\x1e'
#define US '\x1f'

static void put_text(outbuf *b, const char *v)
{
    size_t at = b->n;
    outbuf_puts(b, v);
    for (size_t i = at; !b->failed && i < b->n; i++)
        if (b->p[i] == RS || b->p[i] == US)
            b->p[i] = ' ';
    outbuf_putc(b, US);
}

static void put_int(outbuf *b, int64_t v) { outbuf_printf(b, "%lld%c", (long long)v, US); }

static char *encode_facts(const risk_fact *f, int n)
{
    outbuf b = {0};
    for (int i = 0; i < n; i++) {
        const risk_fact *x = &f[i];
        if (i)
            outbuf_putc(&b, RS);
        put_int(&b, x->line);
        put_text(&b, x->importer);
        put_text(&b, x->declarant);
        put_text(&b, x->seller);
        put_text(&b, x->courier);
        put_text(&b, x->office);
        put_text(&b, x->type_code);
        put_text(&b, x->procedure);
        put_text(&b, x->use_code);
        put_text(&b, x->payment_type);
        put_text(&b, x->tax_type);
        put_text(&b, x->origin_indicator);
        put_int(&b, x->transport_mode);
        put_text(&b, x->hs);
        put_text(&b, x->origin);
        put_text(&b, x->departure);
        put_int(&b, x->tax_rate_bp);
        put_int(&b, x->value);
        put_text(&b, x->currency);
        put_int(&b, x->net_mass_g);
        put_int(&b, x->aeo);
        put_int(&b, x->compliance);
    }
    return outbuf_take(&b); /* NULL when memory ran out; "" for no facts */
}

/* Copies the field at *s (up to US) into dst; advances past the US. -1 when the text ends. */
static int get_text(const char **s, char *dst, size_t size)
{
    const char *e = strchr(*s, US);
    if (!e)
        return -1;
    size_t n = (size_t)(e - *s);
    if (n >= size)
        n = size - 1;
    memcpy(dst, *s, n);
    dst[n] = 0;
    *s = e + 1;
    return 0;
}

static int get_int(const char **s, int64_t *out)
{
    char tmp[24];
    if (get_text(s, tmp, sizeof tmp) != 0)
        return -1;
    char *end;
    *out = strtoll(tmp, &end, 10);
    return *tmp && !*end ? 0 : -1;
}

/* Decodes up to max facts; returns the count, or -1 for text that is not an encoding. */
static int decode_facts(const char *text, const char *decl_id, int64_t at, risk_fact *out, int max)
{
    const char *s = text;
    int n = 0;
    while (*s && n < max) {
        risk_fact *x = &out[n];
        int64_t line, mode, aeo, compliance;
        memset(x, 0, sizeof *x);
        snprintf(x->decl_id, sizeof x->decl_id, "%s", decl_id);
        x->registered_at = at;
        if (get_int(&s, &line) || get_text(&s, x->importer, sizeof x->importer) ||
            get_text(&s, x->declarant, sizeof x->declarant) ||
            get_text(&s, x->seller, sizeof x->seller) ||
            get_text(&s, x->courier, sizeof x->courier) ||
            get_text(&s, x->office, sizeof x->office) ||
            get_text(&s, x->type_code, sizeof x->type_code) ||
            get_text(&s, x->procedure, sizeof x->procedure) ||
            get_text(&s, x->use_code, sizeof x->use_code) ||
            get_text(&s, x->payment_type, sizeof x->payment_type) ||
            get_text(&s, x->tax_type, sizeof x->tax_type) ||
            get_text(&s, x->origin_indicator, sizeof x->origin_indicator) || get_int(&s, &mode) ||
            get_text(&s, x->hs, sizeof x->hs) || get_text(&s, x->origin, sizeof x->origin) ||
            get_text(&s, x->departure, sizeof x->departure) || get_int(&s, &x->tax_rate_bp) ||
            get_int(&s, &x->value) || get_text(&s, x->currency, sizeof x->currency) ||
            get_int(&s, &x->net_mass_g) || get_int(&s, &aeo) || get_int(&s, &compliance))
            return -1;
        x->line = (int)line;
        x->transport_mode = (int)mode;
        x->aeo = (int)aeo;
        x->compliance = (int)compliance;
        n++;
        if (*s == RS)
            s++;
        else if (*s)
            return -1;
    }
    return n;
}

char *store_risk_facts_encode(const risk_fact *facts, int n)
{
    char *text = n > 0 ? encode_facts(facts, n) : NULL;
    char *packed = store_pack(text);
    if (packed) {
        free(text);
        return packed;
    }
    return text;
}

static int facts_put_encoded(db_conn *c, const char *decl_id, int64_t registered_at, int n,
                             const char *encoded, int wait)
{
    static const char sql[] =
        "INSERT INTO risk_facts (decl_id, registered_at, items, facts) VALUES (?, ?, ?, ?)";
    if (n <= 0)
        return 0;
    db_stmt *st = encoded ? db_prepare(c, sql) : NULL;
    if (!st)
        return DB_ERR;
    db_bind_text_static(c, st, 1, decl_id);
    db_bind_int64(c, st, 2, registered_at);
    db_bind_int64(c, st, 3, n);
    store_bind_packed(c, st, 4, encoded);
    return wait ? db_run(c, st) : db_run_nowait(c, st);
}

int store_risk_facts_put_encoded(db_conn *c, const char *decl_id, int64_t registered_at, int n,
                                 const char *encoded)
{
    /* not db_run_nowait: the history import tells a declaration already there by its
     * DB_CONSTRAINT (service/admin.c) */
    return facts_put_encoded(c, decl_id, registered_at, n, encoded, 1);
}

int store_risk_facts_queue_encoded(db_conn *c, const char *decl_id, int64_t registered_at, int n,
                                   const char *encoded)
{
    return facts_put_encoded(c, decl_id, registered_at, n, encoded, 0);
}

int store_risk_facts_put(db_conn *c, const risk_fact *facts, int n)
{
    if (n <= 0)
        return 0;
    char *text = store_risk_facts_encode(facts, n);
    int rc = store_risk_facts_put_encoded(c, facts[0].decl_id, facts[0].registered_at, n, text);
    free(text);
    return rc;
}

int store_risk_outcome_put(db_conn *c, const char *decl_id, int64_t at, int violation, int critical,
                           int64_t additional_tax, const char *source)
{
    static const char exists[] = "SELECT count(*) FROM risk_outcomes WHERE decl_id = ?";
    static const char ins[] =
        "INSERT INTO risk_outcomes (decl_id, at, violation, critical, additional_tax, source)"
        " VALUES (?, ?, ?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, exists);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    int64_t n = -1; /* stays so when the count could not be read */
    int rc = db_row(c, st, &n, db_read_int64);
    if (n != 0)
        return n > 0 ? 0 : DB_ERR;
    if (!(st = db_prepare(c, ins)))
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    db_bind_int64(c, st, 2, at);
    db_bind_int64(c, st, 3, violation != 0);
    db_bind_int64(c, st, 4, critical != 0);
    db_bind_int64(c, st, 5, additional_tax);
    db_bind_text(c, st, 6, source);
    rc = db_run(c, st);
    return rc == 0 ? 1 : rc;
}

int store_risk_facts_of(db_conn *c, const char *decl_id, risk_fact *out, int max)
{
    static const char sql[] = "SELECT registered_at, facts FROM risk_facts WHERE decl_id = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    int rc = db_step(c, st), n = 0;
    if (rc == DB_ROW) {
        char *text = store_col_unpack(c, st, 1);
        n = decode_facts(text ? text : "", decl_id, db_col_int64(c, st, 0), out, max);
        free(text);
    }
    db_reset(c, st);
    if (rc != DB_ROW && rc != DB_DONE)
        return rc;
    return n < 0 ? DB_ERR : n;
}

int store_risk_load(db_conn *c, risk_fact **facts_out, size_t *n_facts, risk_outcome **outcomes_out,
                    size_t *n_outcomes)
{
    static const char facts_sql[] = "SELECT decl_id, registered_at, items, facts FROM risk_facts"
                                    " ORDER BY registered_at, decl_id";
    static const char outcomes_sql[] =
        "SELECT decl_id, at, violation, critical FROM risk_outcomes ORDER BY at, decl_id";
    *facts_out = NULL;
    *outcomes_out = NULL;
    *n_facts = *n_outcomes = 0;
    size_t cap = 1024, n = 0;
    risk_fact *facts = malloc(cap * sizeof *facts);
    db_stmt *st = db_prepare(c, facts_sql);
    if (!facts || !st) {
        free(facts);
        return DB_ERR;
    }
    int rc;
    while ((rc = db_step(c, st)) == DB_ROW) {
        int64_t items = db_col_int64(c, st, 2);
        if (items < 1 || items > DECL_MAX_ITEMS)
            continue; /* not a row this code wrote */
        if (n + (size_t)items > cap) {
            while (n + (size_t)items > cap)
                cap *= 2;
            risk_fact *f = realloc(facts, cap * sizeof *facts);
            if (!f) {
                rc = DB_ERR;
                break;
            }
            facts = f;
        }
        const char *id = db_col_text(c, st, 0);
        char *text = store_col_unpack(c, st, 3);
        int got = decode_facts(text ? text : "", id ? id : "", db_col_int64(c, st, 1), facts + n,
                               (int)items);
        free(text);
        if (got > 0)
            n += (size_t)got;
    }
    db_reset(c, st);
    if (rc != DB_DONE) {
        free(facts);
        return rc == DB_ROW ? DB_ERR : rc;
    }
    /* where each declaration's items are: its first fact and how many follow */
    strmap ids;
    int32_t *first = malloc((n + 1) * sizeof *first), *count = calloc(n + 1, sizeof *count);
    if (strmap_init(&ids, n) != 0 || !first || !count) {
        free(facts), free(first), free(count);
        strmap_free(&ids);
        return DB_ERR;
    }
    for (size_t i = 0; i < n; i++) {
        int created;
        int32_t k = strmap_intern(&ids, facts[i].decl_id, strlen(facts[i].decl_id), &created);
        if (k < 0) {
            rc = DB_ERR;
            break;
        }
        if (created)
            first[k] = (int32_t)i;
        count[k]++;
    }
    size_t ocap = 1024, no = 0;
    risk_outcome *outs = malloc(ocap * sizeof *outs);
    if (rc == DB_DONE && outs && (st = db_prepare(c, outcomes_sql))) {
        while ((rc = db_step(c, st)) == DB_ROW) {
            const char *id = db_col_text(c, st, 0);
            int32_t k = id ? strmap_find(&ids, id, strlen(id)) : -1;
            if (k < 0)
                continue; /* an outcome of a declaration registered before facts were kept */
            if (no + (size_t)count[k] > ocap) {
                while (no + (size_t)count[k] > ocap)
                    ocap *= 2;
                risk_outcome *o = realloc(outs, ocap * sizeof *outs);
                if (!o) {
                    rc = DB_ERR;
                    break;
                }
                outs = o;
            }
            for (int32_t j = 0; j < count[k]; j++)
                outs[no++] = (risk_outcome){.fact = first[k] + j,
                                            .at = db_col_int64(c, st, 1),
                                            .violation = (int8_t)db_col_int64(c, st, 2),
                                            .critical = (int8_t)db_col_int64(c, st, 3)};
        }
        db_reset(c, st);
    } else if (rc == DB_DONE) {
        rc = DB_ERR;
    }
    strmap_free(&ids);
    free(first);
    free(count);
    if (rc != DB_DONE) {
        free(facts);
        free(outs);
        return rc == DB_ROW ? DB_ERR : rc;
    }
    *facts_out = facts;
    *n_facts = n;
    *outcomes_out = outs;
    *n_outcomes = no;
    return 0;
}

void risk_model_row_release(risk_model_row *r)
{
    free(r->features);
    free(r->metrics);
    free(r->params);
    free(r->model);
    memset(r, 0, sizeof *r);
}

int64_t store_risk_model_put(db_conn *c, const risk_model_row *r)
{
    static const char next[] = "SELECT COALESCE(MAX(version), 0) + 1 FROM risk_models";
    static const char ins[] =
        "INSERT INTO risk_models (version, created_at, train_from, train_to, rows_trained,"
        " active, features, metrics, params, model) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, next);
    if (!st)
        return DB_ERR;
    int64_t v = -1;
    int rc = db_row(c, st, &v, db_read_int64);
    if (rc != 1 || v < 0)
        return rc < 0 ? rc : DB_ERR;
    if (!(st = db_prepare(c, ins)))
        return DB_ERR;
    db_bind_int64(c, st, 1, v);
    db_bind_int64(c, st, 2, r->created_at);
    db_bind_int64(c, st, 3, r->train_from);
    db_bind_int64(c, st, 4, r->train_to);
    db_bind_int64(c, st, 5, r->rows);
    db_bind_text(c, st, 6, r->features ? r->features : "[]");
    db_bind_text(c, st, 7, r->metrics ? r->metrics : "{}");
    db_bind_text(c, st, 8, r->params ? r->params : "{}");
    db_bind_text(c, st, 9, r->model ? r->model : "");
    rc = db_run(c, st);
    return rc == 0 ? v : rc;
}

static void read_model(db_conn *c, db_stmt *st, risk_model_row *r, int with_model)
{
    memset(r, 0, sizeof *r);
    r->version = db_col_int64(c, st, 0);
    r->created_at = db_col_int64(c, st, 1);
    r->train_from = db_col_int64(c, st, 2);
    r->train_to = db_col_int64(c, st, 3);
    r->rows = db_col_int64(c, st, 4);
    r->active = (int)db_col_int64(c, st, 5);
    r->features = db_col_dup(c, st, 6);
    r->metrics = db_col_dup(c, st, 7);
    r->params = db_col_dup(c, st, 8);
    if (with_model)
        r->model = db_col_dup(c, st, 9);
}

int store_risk_model_list(db_conn *c, risk_model_row *out, int max)
{
    static const char sql[] =
        "SELECT version, created_at, train_from, train_to, rows_trained, active, features,"
        " metrics, params FROM risk_models ORDER BY version DESC";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    int n = 0, rc;
    while ((rc = db_step(c, st)) == DB_ROW && n < max)
        read_model(c, st, &out[n++], 0);
    db_reset(c, st);
    return rc == DB_ROW || rc == DB_DONE ? n : rc;
}

int store_risk_model_activate(db_conn *c, int64_t version)
{
    static const char exists[] = "SELECT count(*) FROM risk_models WHERE version = ?";
    static const char off[] = "UPDATE risk_models SET active = 0 WHERE active = 1";
    static const char on[] = "UPDATE risk_models SET active = 1 WHERE version = ?";
    db_stmt *st = db_prepare(c, exists);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, version);
    int64_t n = -1; /* stays so when the count could not be read */
    int rc = db_row(c, st, &n, db_read_int64);
    if (n <= 0)
        return n == 0 ? 0 : DB_ERR;
    if (!(st = db_prepare(c, off)) || (rc = db_run(c, st)) != 0)
        return st ? rc : DB_ERR;
    if (!(st = db_prepare(c, on)))
        return DB_ERR;
    db_bind_int64(c, st, 1, version);
    rc = db_run(c, st);
    return rc == 0 ? 1 : rc;
}

int64_t store_risk_model_active_version(db_conn *c)
{
    static const char sql[] = "SELECT version FROM risk_models WHERE active = 1";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    int64_t v = 0; /* none active */
    int rc = db_row(c, st, &v, db_read_int64);
    return rc < 0 ? rc : v;
}

int store_risk_model_active(db_conn *c, risk_model_row *out)
{
    static const char sql[] =
        "SELECT version, created_at, train_from, train_to, rows_trained, active, features,"
        " metrics, params, model FROM risk_models WHERE active = 1";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    int rc = db_step(c, st);
    if (rc == DB_ROW)
        read_model(c, st, out, 1);
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}
