/* The service kernel: roles, the clock, idempotency and the write-job base (kernel.h). */
#include "service/kernel.h"
#include "util/hex.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- roles -------------------------------------------------------------------------------- */

int svc_role_is(const svc_req *req, const char *role) { return strcmp(req->role, role) == 0; }

int svc_is_customs(const svc_req *req)
{
    /* managers (e-Office) read everything customs reads; every write checks its own role */
    return svc_role_is(req, "officer") || svc_role_is(req, "risk_officer") ||
           svc_role_is(req, "admin") || svc_role_is(req, "manager");
}

int svc_is_enterprise(const svc_req *req, const char *tax_code)
{
    return svc_role_is(req, "declarant") && strcmp(req->party, tax_code) == 0;
}

/* ---- the clock ---------------------------------------------------------------------------- */

static int64_t (*clock_fn)(void);

int64_t svc_now(void) { return clock_fn ? clock_fn() : (int64_t)time(NULL); }

void svc_set_clock(int64_t (*clock)(void)) { clock_fn = clock; }

date_ymd svc_today(void) { return date_legal(svc_now()); }

/* ---- idempotency -------------------------------------------------------------------------- */

void svc_sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(data, n, md, &len, EVP_sha256(), NULL);
    hex_encode(md, sizeof md, out);
}

void svc_request_hash(const char *method, const char *path, const char *body, size_t body_len,
                      char out[65])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char h[32];
    unsigned int len = 0;
    out[0] = 0;
    if (!md)
        return;
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
        EVP_DigestUpdate(md, method, strlen(method)) == 1 && EVP_DigestUpdate(md, " ", 1) == 1 &&
        EVP_DigestUpdate(md, path, strlen(path)) == 1 && EVP_DigestUpdate(md, "\n", 1) == 1 &&
        (!body_len || EVP_DigestUpdate(md, body, body_len) == 1) &&
        EVP_DigestFinal_ex(md, h, &len) == 1)
        hex_encode(h, sizeof h, out);
    EVP_MD_CTX_free(md);
}

static const struct {
    svc_code code;
    int stored;
} stored_codes[] = {
    {SVC_OK, 200},           {SVC_CREATED, 201},   {SVC_BAD_REQUEST, 400},
    {SVC_UNAUTHORIZED, 401}, {SVC_FORBIDDEN, 403}, {SVC_NOT_FOUND, 404},
    {SVC_CONFLICT, 409},     {SVC_INVALID, 422},   {SVC_ERROR, 500},
};

int svc_code_stored(svc_code code)
{
    for (size_t i = 0; i < sizeof stored_codes / sizeof *stored_codes; i++)
        if (stored_codes[i].code == code)
            return stored_codes[i].stored;
    return 500;
}

svc_code svc_code_from_stored(int stored)
{
    for (size_t i = 0; i < sizeof stored_codes / sizeof *stored_codes; i++)
        if (stored_codes[i].stored == stored)
            return stored_codes[i].code;
    return SVC_ERROR;
}

int svc_idem_lookup(db_conn *c, const svc_req *req, svc_reply *out)
{
    idem_row row = {0};
    if (!req->idem_key)
        return 0;
    if (store_idem_get(c, req->party, req->idem_key, &row) != 1)
        return 0;
    if (strcmp(row.request_hash, req->request_hash) != 0) {
        *out = svc_error(SVC_INVALID, "idempotency_key_reused",
                         "this Idempotency-Key was used for a different request");
    } else {
        out->code = svc_code_from_stored(row.status);
        out->body = json_loads(row.response, 0, NULL);
    }
    free(row.response);
    return 1;
}

typedef struct replay_ctx {
    const svc_req *req;
    svc_reply *out;
} replay_ctx;

static int replay_job(db_conn *c, void *ctx)
{
    replay_ctx *x = ctx;
    return svc_idem_lookup(c, x->req, x->out);
}

int svc_body_not_object(const errs *e)
{
    return e->n > 0 && !e->items[0].path[0] && !strcmp(e->items[0].code, "type");
}

svc_reply svc_not_object(void)
{
    return svc_error(SVC_INVALID, "type", "the body must be a JSON object");
}

int svc_write_answered(app *a, const svc_req *req, const errs *e, svc_reply *out)
{
    if (svc_body_not_object(e)) {
        *out = svc_not_object();
        return 1;
    }
    if (svc_idempotent_replay(a, req, out))
        return 1;
    if (e->n) {
        *out = svc_errors(e);
        return 1;
    }
    return 0;
}

int svc_idempotent_replay(app *a, const svc_req *req, svc_reply *out)
{
    replay_ctx x = {req, out};
    if (!req->idem_key)
        return 0;
    return store_read(a->st, replay_job, &x) == 1;
}

int svc_idem_save(db_conn *c, const svc_req *req, svc_code code, json_t *body, int64_t now)
{
    if (!req->idem_key)
        return 0;
    char *text = json_dumps(body, JSON_COMPACT);
    int rc = store_idem_put(c, req->party, req->idem_key, req->request_hash, svc_code_stored(code),
                            text ? text : "{}", now);
    free(text);
    return rc;
}

/* ---- write jobs --------------------------------------------------------------------------- */

svc_job svc_job_start(const svc_req *req)
{
    svc_job j = {.req = req, .now = svc_now()};
    return j;
}

int svc_fail(svc_job *job, svc_reply r)
{
    job->reply = r;
    return 1; /* non-zero: the writer rolls the job back */
}

int svc_job_party(db_conn *c, svc_job *job, const char *tax_code, const svc_unknown_party *unknown,
                  party *out)
{
    party p;
    int rc = store_party_get(c, tax_code, out ? out : &p);
    if (rc < 0)
        return rc;
    if (rc == 1)
        return 0;
    /* the message's "%s" is the tax code (spliced by hand: the message is not a literal format) */
    char msg[200];
    const char *at = strstr(unknown->message, "%s");
    if (at)
        snprintf(msg, sizeof msg, "%.*s%s%s", (int)(at - unknown->message), unknown->message,
                 tax_code, at + 2);
    else
        snprintf(msg, sizeof msg, "%s", unknown->message);
    svc_reply r = svc_error(unknown->status, unknown->code, msg);
    if (unknown->path && unknown->path[0])
        json_object_set_new(json_array_get(json_object_get(r.body, "errors"), 0), "path",
                            json_string(unknown->path));
    return svc_fail(job, r);
}

int svc_job_begin(db_conn *c, svc_job *job, const char *tax_code, const svc_unknown_party *unknown,
                  party *out)
{
    if (svc_idem_lookup(c, job->req, &job->reply))
        return 1;
    return svc_job_party(c, job, tax_code, unknown, out);
}

svc_reply svc_run_write(app *a, svc_job *job, store_job_fn fn, void *ctx, const char *refused)
{
    int rc = store_write(a->st, fn, ctx);
    if (rc < 0) {
        json_decref(job->reply.body);
        free(job->reply.text);
        job->reply = (svc_reply){0};
        /* a unique key taken meanwhile, or a lock, deadlock or serialization failure met by
         * this job alone (store.h: never run twice): the same request again will do */
        if (rc == DB_CONSTRAINT || rc == DB_BUSY)
            return svc_error(SVC_CONFLICT, "conflict", "a concurrent change conflicted; retry");
        return svc_error(SVC_ERROR, "storage", refused);
    }
    return job->reply;
}
