/* The application: everything a request needs (store, tariff, tax tables, risk rules), and the
 * use cases (one function per procedure). service/ is the only layer that opens transactions;
 * http/ and cli/ call these functions and encode what they return.
 *
 * Every use case returns an svc_reply: an outcome class (mapped to an HTTP status by http/) and
 * a JSON body the caller takes ownership of.
 */
#ifndef ECUSTOMS_SERVICE_APP_H
#define ECUSTOMS_SERVICE_APP_H

#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>

#include "core/risk.h"
#include "core/tariff.h"
#include "core/tax.h"
#include "core/workhours.h"
#include "store/store.h"

#define APP_MAX_RULES 1024

#define APP_TOKEN_CACHE 1024

typedef struct app_token_entry {
    char hash[65];
    char party[14];
    char role[24];
    char user[64]; /* the person a token was issued to ("" = machine token) */
    char user_name[128];
    char office[9];
    int64_t expires_at; /* 0 = never */
    int64_t cached_at;
} app_token_entry;

#define APP_KEY_CACHE 64

/* A bank's payment-signing public key, parsed once (service/payments.c). */
typedef struct app_key_entry {
    char party[14];
    EVP_PKEY *key; /* NULL: the bank has no (valid) key */
    int64_t loaded_at;
} app_key_entry;

typedef struct app {
    store *st;
    pthread_rwlock_t token_lock;  /* guards token_cache */
    app_token_entry *token_cache; /* direct-mapped by token hash; entries live 60 s */
    tariff *tariff;
    tax_tables *tax;
    pthread_rwlock_t risk_lock; /* guards rules and policy (reloaded after changes) */
    risk_rule *rules;
    int n_rules;
    risk_policy policy;
    struct risk_engine *risk_engine; /* learned selectivity (service/risk_engine.h) */
    pthread_mutex_t fx_lock;         /* one-date cache of customs exchange rates */
    date_ymd fx_date;                /* 0 = empty */
    tax_fx fx_rates[64];
    int fx_n;
    struct office_cache *offices; /* customs offices (service/offices.c), made on first use */
    pthread_mutex_t key_lock;     /* guards bank_keys and barcode_key */
    app_key_entry *bank_keys;     /* direct-mapped by party; entries live 60 s */
    EVP_PKEY *barcode_key;        /* the QR signing key (service/barcodes.c), loaded on first use */
    struct calendar_cache *calendar; /* the working-day calendar (service/calendar.h) */
} app;

/* The outcome of a use case. http/ maps it to a status (routes.c), the CLI to an exit code;
 * the values are not HTTP numbers, and 0 is no outcome (an internal error if it escapes). */
typedef enum svc_code {
    SVC_OK = 1,       /* done, or found */
    SVC_CREATED,      /* a new resource */
    SVC_BAD_REQUEST,  /* the request itself is unusable */
    SVC_UNAUTHORIZED, /* who is asking is unknown */
    SVC_FORBIDDEN,    /* the asker's role may not do this */
    SVC_NOT_FOUND,    /* no such resource (or not visible to the asker) */
    SVC_CONFLICT,     /* the resource's state forbids it now */
    SVC_INVALID,      /* the input breaks a rule: errors list all of them */
    SVC_ERROR,        /* storage or internal failure */
    SVC_TOO_MANY,     /* too many attempts: try again later (sign-in throttling) */
} svc_code;

typedef struct svc_reply {
    svc_code code;
    json_t *body;
    char *text;               /* when set (heap): the body already serialised; body is NULL */
    size_t text_len;          /* its length when it is binary (PNG); 0 = NUL-terminated text */
    const char *content_type; /* of text; NULL = application/json */
} svc_reply;

/* Who is asking, and the idempotency context of a POST. */
typedef struct svc_req {
    char party[14];
    char role[24];
    char user[64];         /* the person acting (username), "" for a machine token */
    char user_name[128];   /* their full name, for audit events */
    char office[9];        /* their customs office, "" when none */
    const char *idem_key;  /* NULL when the request has no Idempotency-Key */
    char request_hash[65]; /* SHA-256 of method, path and body */
    const char *raw_body;  /* the exact bytes received (NUL-terminated), may be NULL */
    size_t raw_len;
} svc_req;

int app_open(app *a, const char *db_path, const char *data_dir);
/* Same with store_open_ex flags (STORE_CHECK for `serve`). */
int app_open_ex(app *a, const char *db_path, const char *data_dir, int store_flags);
void app_close(app *a);
/* Re-reads risk rules and policy from the database (after a change); the learned-selectivity
 * shares go to the risk engine at once. */
int app_reload_risk(app *a);

/* The risk policy's settings: API field (percent), settings key (ppm), field, default ppm. */
#define APP_RISK_SETTINGS 5
typedef struct app_risk_setting {
    const char *json;
    const char *key;
    size_t offset; /* of the uint32_t ppm field in risk_policy */
    uint32_t dflt;
} app_risk_setting;
extern const app_risk_setting app_risk_settings[APP_RISK_SETTINGS];

/* The customs exchange rates valid on date (cached; app_fx_invalidate after a change).
 * Returns the count or <0. */
int app_fx_on(app *a, date_ymd date, tax_fx *out, int max);
void app_fx_invalidate(app *a);

/* Authentication: bearer token -> party and role. 1 ok, 0 unknown token, <0 error. */
int svc_authenticate(app *a, const char *token, svc_req *req);

/* Forgets Idempotency-Keys older than the retention window (48 h, STORE_IDEM_RETENTION_S):
 * `serve` runs it every 10 s. Returns how many were forgotten, or -1. */
int svc_idem_sweep(app *a, int64_t now);

/* Reply helpers shared by the service modules. */
svc_reply svc_error(svc_code code, const char *err_code, const char *message);
svc_reply svc_errors(const errs *e);

/* The features' use cases, for the callers that include app.h alone; new code includes the
 * feature's header (service/<feature>.h). */
#include "service/clearance.h"
#include "service/risk_admin.h"
#include "service/tariff_tax.h"

#endif
