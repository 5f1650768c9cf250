/* Application lifetime, authentication, idempotency and reply helpers. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "service/calendar.h"
#include "service/offices.h"
#include "service/app.h"
#include "service/risk_engine.h"
#include "service/kernel.h"
#include "store/store_users.h"
#include "util/decimal.h"
#include "util/file.h"
#include "util/log.h"

svc_reply svc_error(svc_code code, const char *err_code, const char *message)
{
    svc_reply r = {.code = code,
                   .body = json_pack("{s:[{s:s,s:s,s:s}]}", "errors", "code", err_code, "path", "",
                                     "message", message)};
    return r;
}

svc_reply svc_errors(const errs *e)
{
    json_t *arr = json_array();
    for (int i = 0; i < e->n; i++)
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "code", e->items[i].code, "path",
                                             e->items[i].path, "message", e->items[i].message));
    svc_reply r = {.code = SVC_INVALID,
                   .body = json_pack("{s:o,s:b}", "errors", arr, "truncated", e->truncated)};
    return r;
}

static int load_risk_job(db_conn *c, void *ctx)
{
    app *a = ctx;
    char v[32];
    risk_rule *rules = calloc(APP_MAX_RULES, sizeof *rules);
    if (!rules)
        return DB_ERR;
    int n = store_rule_list(c, rules, APP_MAX_RULES);
    if (n < 0) {
        free(rules);
        return n;
    }
    risk_policy p;
    for (size_t i = 0; i < APP_RISK_SETTINGS; i++) {
        int64_t x;
        uint32_t *field = (uint32_t *)((char *)&p + app_risk_settings[i].offset);
        *field = app_risk_settings[i].dflt;
        if (store_setting_get(c, app_risk_settings[i].key, v, sizeof v) == 1 &&
            decimal_parse(v, 0, 0, &x) == 0 && x >= 0 && x <= 1000000)
            *field = (uint32_t)x;
    }
    pthread_rwlock_wrlock(&a->risk_lock);
    free(a->rules);
    a->rules = rules;
    a->n_rules = n;
    a->policy = p;
    pthread_rwlock_unlock(&a->risk_lock);
    return 0;
}

typedef struct fx_read {
    date_ymd date;
    tax_fx *out;
    int max, n;
} fx_read;

static int fx_read_job(db_conn *c, void *ctx)
{
    fx_read *x = ctx;
    x->n = store_fx_on(c, x->date, x->out, x->max);
    return x->n < 0 ? x->n : 0;
}

int app_fx_on(app *a, date_ymd date, tax_fx *out, int max)
{
    int n = -1;
    pthread_mutex_lock(&a->fx_lock);
    if (a->fx_date == date && a->fx_date) {
        n = a->fx_n < max ? a->fx_n : max;
        memcpy(out, a->fx_rates, sizeof *out * (size_t)n);
    }
    pthread_mutex_unlock(&a->fx_lock);
    if (n >= 0)
        return n;
    fx_read x = {date, out, max, 0};
    if (!a->st || store_read(a->st, fx_read_job, &x) != 0)
        return a->st ? -1 : 0;
    pthread_mutex_lock(&a->fx_lock);
    a->fx_date = date;
    a->fx_n = x.n < 64 ? x.n : 64;
    memcpy(a->fx_rates, out, sizeof *out * (size_t)a->fx_n);
    pthread_mutex_unlock(&a->fx_lock);
    return x.n;
}

void app_fx_invalidate(app *a)
{
    pthread_mutex_lock(&a->fx_lock);
    a->fx_date = 0;
    pthread_mutex_unlock(&a->fx_lock);
}

const app_risk_setting app_risk_settings[APP_RISK_SETTINGS] = {
    {"random_red_percent", "risk.random_red_ppm", offsetof(risk_policy, random_red_ppm), 0},
    {"random_yellow_percent", "risk.random_yellow_ppm", offsetof(risk_policy, random_yellow_ppm),
     0},
    {"model_red_percent", "risk.model_red_ppm", offsetof(risk_policy, model_red_ppm), 50000},
    {"model_yellow_percent", "risk.model_yellow_ppm", offsetof(risk_policy, model_yellow_ppm),
     150000},
    {"exploration_percent", "risk.exploration_ppm", offsetof(risk_policy, exploration_ppm), 100000},
};

int app_reload_risk(app *a)
{
    int rc = store_read(a->st, load_risk_job, a);
    if (rc == 0 && a->risk_engine) {
        pthread_rwlock_rdlock(&a->risk_lock);
        risk_shares sh = {a->policy.model_red_ppm / 1e6, a->policy.model_yellow_ppm / 1e6,
                          a->policy.exploration_ppm / 1e6};
        pthread_rwlock_unlock(&a->risk_lock);
        risk_engine_set_shares(a->risk_engine, &sh);
    }
    return rc;
}

int app_open(app *a, const char *db_path, const char *data_dir)
{
    return app_open_ex(a, db_path, data_dir, 0);
}

int app_open_ex(app *a, const char *db_path, const char *data_dir, int store_flags)
{
    char dir[1024];
    errs errbuf, *e = &errbuf; /* on the stack (docs/architecture.md, "Memory") */
    memset(a, 0, sizeof *a);
    pthread_rwlock_init(&a->risk_lock, NULL);
    pthread_rwlock_init(&a->token_lock, NULL);
    pthread_mutex_init(&a->fx_lock, NULL);
    pthread_mutex_init(&a->key_lock, NULL);
    a->token_cache = calloc(APP_TOKEN_CACHE, sizeof *a->token_cache);
    a->bank_keys = calloc(APP_KEY_CACHE, sizeof *a->bank_keys);
    if (!a->token_cache || !a->bank_keys) {
        app_close(a);
        return -1;
    }
    errs_init(e);
    snprintf(dir, sizeof dir, "%s/tariff", data_dir);
    if (tariff_load(dir, &a->tariff, e) != 0)
        goto fail;
    snprintf(dir, sizeof dir, "%s/tax", data_dir);
    if (tax_tables_load(dir, &a->tax, e) != 0)
        goto fail;
    if (db_path && store_open_ex(db_path, store_flags, &a->st) != 0)
        goto fail;
    if (!(a->risk_engine = risk_engine_new()))
        goto fail;
    if (a->st && app_reload_risk(a) != 0)
        goto fail;
    if (a->st && offices_seed(a, data_dir) != 0)
        goto fail;
    if (calendar_open(a, data_dir) != 0) /* after the store: its days are a table */
        goto fail;
    return 0;
fail:
    for (int i = 0; i < e->n; i++)
        log_error("%s %s: %s", e->items[i].code, e->items[i].path, e->items[i].message);
    app_close(a);
    return -1;
}

void app_close(app *a)
{
    risk_engine_free(a->risk_engine);
    a->risk_engine = NULL;
    offices_free(a);
    calendar_free(a);
    store_close(a->st);
    tariff_free(a->tariff);
    tax_tables_free(a->tax);
    free(a->rules);
    free(a->token_cache);
    for (int i = 0; a->bank_keys && i < APP_KEY_CACHE; i++)
        EVP_PKEY_free(a->bank_keys[i].key);
    free(a->bank_keys);
    EVP_PKEY_free(a->barcode_key);
    pthread_mutex_destroy(&a->key_lock);
    pthread_rwlock_destroy(&a->risk_lock);
    pthread_rwlock_destroy(&a->token_lock);
    pthread_mutex_destroy(&a->fx_lock);
    memset(a, 0, sizeof *a);
}

typedef struct auth_ctx {
    const char *hash;
    svc_req *req;
    int64_t expires_at;
} auth_ctx;

static int auth_job(db_conn *c, void *ctx)
{
    auth_ctx *x = ctx;
    int rc = store_token_get(c, x->hash, x->req->party, x->req->role);
    if (rc != 1)
        return rc;
    /* a token issued to a person acts as that person (e-Office); it may carry an expiry */
    int o = store_token_owner_get(c, x->hash, x->req->user, x->req->user_name, x->req->office,
                                  &x->expires_at);
    return o < 0 ? o : 1;
}

#define TOKEN_TTL 60 /* seconds a token stays cached: bounds how long a revoked one still works */

int svc_authenticate(app *a, const char *token, svc_req *req)
{
    char hash[65];
    int64_t now = svc_now();
    svc_sha256_hex(token, strlen(token), hash);
    app_token_entry *slot = NULL;
    if (a->token_cache) {
        slot = &a->token_cache[strtoul(hash + 56, NULL, 16) % APP_TOKEN_CACHE];
        pthread_rwlock_rdlock(&a->token_lock);
        int hit = now - slot->cached_at < TOKEN_TTL && strcmp(slot->hash, hash) == 0;
        int expired = hit && slot->expires_at && now >= slot->expires_at;
        if (hit) {
            memcpy(req->party, slot->party, sizeof req->party);
            memcpy(req->role, slot->role, sizeof req->role);
            memcpy(req->user, slot->user, sizeof req->user);
            memcpy(req->user_name, slot->user_name, sizeof req->user_name);
            memcpy(req->office, slot->office, sizeof req->office);
        }
        pthread_rwlock_unlock(&a->token_lock);
        if (hit)
            return expired ? 0 : 1;
    }
    auth_ctx x = {hash, req, 0};
    int rc = store_read(a->st, auth_job, &x);
    if (rc == 1 && slot) {
        pthread_rwlock_wrlock(&a->token_lock);
        memcpy(slot->hash, hash, sizeof slot->hash);
        memcpy(slot->party, req->party, sizeof slot->party);
        memcpy(slot->role, req->role, sizeof slot->role);
        memcpy(slot->user, req->user, sizeof slot->user);
        memcpy(slot->user_name, req->user_name, sizeof slot->user_name);
        memcpy(slot->office, req->office, sizeof slot->office);
        slot->expires_at = x.expires_at;
        slot->cached_at = now;
        pthread_rwlock_unlock(&a->token_lock);
    }
    if (rc == 1 && x.expires_at && now >= x.expires_at)
        return 0;
    return rc;
}

/* ---- idempotency retention ---------------------------------------------------------------- */

typedef struct purge_ctx {
    int64_t before;
    int n;
} purge_ctx;

static int purge_job(db_conn *c, void *ctx)
{
    purge_ctx *x = ctx;
    x->n = store_idem_purge(c, x->before, 2000);
    return x->n < 0 ? x->n : 0;
}

int svc_idem_sweep(app *a, int64_t now)
{
    purge_ctx x = {.before = now - STORE_IDEM_RETENTION_S};
    int total = 0;
    /* chunks of 2,000, each its own small job, so registrations interleave with the sweep */
    do {
        if (store_write(a->st, purge_job, &x) != 0)
            return -1;
        total += x.n;
    } while (x.n == 2000);
    return total;
}
