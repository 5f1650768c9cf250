#include "store/store_risk.h"

#include <stdlib.h>
#include <string.h>

#include "util/strmap.h"

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS risk_facts ("
    " decl_id TEXT NOT NULL, line INTEGER NOT NULL, registered_at BIGINT NOT NULL,"
    " importer TEXT NOT NULL, declarant TEXT NOT NULL, seller TEXT NOT NULL, courier TEXT NOT NULL,"
    " office TEXT NOT NULL, type_code TEXT NOT NULL, procedure_code TEXT NOT NULL, use_code TEXT NOT NULL,"
    " payment_type TEXT NOT NULL, tax_type TEXT NOT NULL, origin_indicator TEXT NOT NULL,"
    " transport_mode INTEGER NOT NULL, hs TEXT NOT NULL, origin TEXT NOT NULL, departure TEXT NOT NULL,"
    " tax_rate_bp BIGINT NOT NULL, value BIGINT NOT NULL, currency TEXT NOT NULL, net_mass_g BIGINT NOT NULL,"
    " aeo INTEGER NOT NULL, compliance INTEGER NOT NULL, PRIMARY KEY (decl_id, line));"
    "CREATE INDEX IF NOT EXISTS risk_facts_time ON risk_facts(registered_at);"
    "CREATE TABLE IF NOT EXISTS risk_outcomes ("
    " decl_id TEXT PRIMARY KEY, at BIGINT NOT NULL, violation INTEGER NOT NULL, critical INTEGER NOT NULL,"
    " additional_tax BIGINT NOT NULL, source TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS risk_models ("
    " version BIGINT PRIMARY KEY, created_at BIGINT NOT NULL, train_from BIGINT NOT NULL,"
    " train_to BIGINT NOT NULL, rows_trained BIGINT NOT NULL, active INTEGER NOT NULL,"
    " features TEXT NOT NULL, metrics TEXT NOT NULL, params TEXT NOT NULL, model TEXT NOT NULL);";

int store_risk_schema(db_conn *c) { return db_exec(c, schema_sql); }

#define FACT_COLUMNS                                                                                \
    "decl_id, line, registered_at, importer, declarant, seller, courier, office, type_code,"       \
    " procedure_code, use_code, payment_type, tax_type, origin_indicator, transport_mode, hs, origin," \
    " departure, tax_rate_bp, value, currency, net_mass_g, aeo, compliance"

static void read_fact(db_conn *c, db_stmt *st, risk_fact *f)
{
    int i = 0;
    memset(f, 0, sizeof *f);
    db_col_copy(c, st, i++, f->decl_id, sizeof f->decl_id);
    f->line = (int)db_col_int64(c, st, i++);
    f->registered_at = db_col_int64(c, st, i++);
    db_col_copy(c, st, i++, f->importer, sizeof f->importer);
    db_col_copy(c, st, i++, f->declarant, sizeof f->declarant);
    db_col_copy(c, st, i++, f->seller, sizeof f->seller);
    db_col_copy(c, st, i++, f->courier, sizeof f->courier);
    db_col_copy(c, st, i++, f->office, sizeof f->office);
    db_col_copy(c, st, i++, f->type_code, sizeof f->type_code);
    db_col_copy(c, st, i++, f->procedure, sizeof f->procedure);
    db_col_copy(c, st, i++, f->use_code, sizeof f->use_code);
    db_col_copy(c, st, i++, f->payment_type, sizeof f->payment_type);
    db_col_copy(c, st, i++, f->tax_type, sizeof f->tax_type);
    db_col_copy(c, st, i++, f->origin_indicator, sizeof f->origin_indicator);
    f->transport_mode = (int)db_col_int64(c, st, i++);
    db_col_copy(c, st, i++, f->hs, sizeof f->hs);
    db_col_copy(c, st, i++, f->origin, sizeof f->origin);
    db_col_copy(c, st, i++, f->departure, sizeof f->departure);
    f->tax_rate_bp = db_col_int64(c, st, i++);
    f->value = db_col_int64(c, st, i++);
    db_col_copy(c, st, i++, f->currency, sizeof f->currency);
    f->net_mass_g = db_col_int64(c, st, i++);
    f->aeo = (int)db_col_int64(c, st, i++);
    f->compliance = (int)db_col_int64(c, st, i++);
}

int store_risk_fact_put(db_conn *c, const risk_fact *f)
{
    static const char sql[] = "INSERT INTO risk_facts (" FACT_COLUMNS
                              ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    int i = 1;
    db_bind_text(c, st, i++, f->decl_id);
    db_bind_int64(c, st, i++, f->line);
    db_bind_int64(c, st, i++, f->registered_at);
    db_bind_text(c, st, i++, f->importer);
    db_bind_text(c, st, i++, f->declarant);
    db_bind_text(c, st, i++, f->seller);
    db_bind_text(c, st, i++, f->courier);
    db_bind_text(c, st, i++, f->office);
    db_bind_text(c, st, i++, f->type_code);
    db_bind_text(c, st, i++, f->procedure);
    db_bind_text(c, st, i++, f->use_code);
    db_bind_text(c, st, i++, f->payment_type);
    db_bind_text(c, st, i++, f->tax_type);
    db_bind_text(c, st, i++, f->origin_indicator);
    db_bind_int64(c, st, i++, f->transport_mode);
    db_bind_text(c, st, i++, f->hs);
    db_bind_text(c, st, i++, f->origin);
    db_bind_text(c, st, i++, f->departure);
    db_bind_int64(c, st, i++, f->tax_rate_bp);
    db_bind_int64(c, st, i++, f->value);
    db_bind_text(c, st, i++, f->currency);
    db_bind_int64(c, st, i++, f->net_mass_g);
    db_bind_int64(c, st, i++, f->aeo);
    db_bind_int64(c, st, i++, f->compliance);
    return db_run(c, st);
}

int store_risk_outcome_put(db_conn *c, const char *decl_id, int64_t at, int violation, int critical,
                           int64_t additional_tax, const char *source)
{
    static const char exists[] = "SELECT count(*) FROM risk_outcomes WHERE decl_id = ?";
    static const char ins[] = "INSERT INTO risk_outcomes (decl_id, at, violation, critical, additional_tax, source)"
                              " VALUES (?, ?, ?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, exists);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    int rc = db_step(c, st);
    int64_t n = rc == DB_ROW ? db_col_int64(c, st, 0) : -1;
    db_reset(c, st);
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
    static const char sql[] = "SELECT " FACT_COLUMNS " FROM risk_facts WHERE decl_id = ? ORDER BY line";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    int n = 0, rc;
    while ((rc = db_step(c, st)) == DB_ROW && n < max)
        read_fact(c, st, &out[n++]);
    db_reset(c, st);
    return rc == DB_ROW || rc == DB_DONE ? n : rc;
}

int store_risk_load(db_conn *c, risk_fact **facts_out, size_t *n_facts, risk_outcome **outcomes_out,
                    size_t *n_outcomes)
{
    static const char facts_sql[] = "SELECT " FACT_COLUMNS " FROM risk_facts ORDER BY registered_at, decl_id, line";
    static const char outcomes_sql[] = "SELECT decl_id, at, violation, critical FROM risk_outcomes ORDER BY at, decl_id";
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
        if (n == cap) {
            risk_fact *f = realloc(facts, cap * 2 * sizeof *facts);
            if (!f)
                break;
            facts = f;
            cap *= 2;
        }
        read_fact(c, st, &facts[n++]);
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
                outs[no++] = (risk_outcome){.fact = first[k] + j, .at = db_col_int64(c, st, 1),
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
    static const char ins[] = "INSERT INTO risk_models (version, created_at, train_from, train_to, rows_trained,"
                              " active, features, metrics, params, model) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, next);
    if (!st)
        return DB_ERR;
    int rc = db_step(c, st);
    int64_t v = rc == DB_ROW ? db_col_int64(c, st, 0) : -1;
    db_reset(c, st);
    if (v < 0)
        return rc == DB_ROW ? DB_ERR : rc;
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
    static const char sql[] = "SELECT version, created_at, train_from, train_to, rows_trained, active, features,"
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
    int rc = db_step(c, st);
    int64_t n = rc == DB_ROW ? db_col_int64(c, st, 0) : -1;
    db_reset(c, st);
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
    int rc = db_step(c, st);
    int64_t v = rc == DB_ROW ? db_col_int64(c, st, 0) : rc == DB_DONE ? 0 : rc;
    db_reset(c, st);
    return v;
}

int store_risk_model_active(db_conn *c, risk_model_row *out)
{
    static const char sql[] = "SELECT version, created_at, train_from, train_to, rows_trained, active, features,"
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
