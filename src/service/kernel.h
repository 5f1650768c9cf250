/* The service kernel: what every use case needs besides its own rules.
 *
 *   - who is asking: role checks (svc_role_is, svc_is_customs);
 *   - what time it is: one clock (svc_now), which tests may replace (svc_set_clock) so that
 *     legal deadlines can be checked without waiting for them;
 *   - idempotency: the request hash an Idempotency-Key binds to, the replay of a stored answer,
 *     and remembering an answer inside the write transaction;
 *   - the write-job base (svc_job) every write context starts with, one svc_fail() to reject a
 *     write from inside its transaction, and one svc_run_write() that runs a job on the single
 *     writer and maps a storage failure to a reply.
 *
 * How to write a write use case (see docs/architecture.md, "Adding a route and a write job"):
 *
 *     typedef struct thing_ctx { svc_job job; ...fields... } thing_ctx;   // job first
 *     static int thing_job(db_conn *c, void *ctx) {
 *         thing_ctx *x = ctx;
 *         if (svc_idem_lookup(c, x->job.req, &x->job.reply)) return 1;
 *         if (bad) return svc_fail(&x->job, svc_error(SVC_CONFLICT, "code", "message"));
 *         ...write rows with x->job.now...
 *         x->job.reply = (svc_reply){SVC_CREATED, body};
 *         return svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->job.now);
 *     }
 *     thing_ctx x = {.job = svc_job_start(req)};
 *     return svc_run_write(a, &x.job, thing_job, &x, "the database refused the thing");
 */
#ifndef ECUSTOMS_SERVICE_KERNEL_H
#define ECUSTOMS_SERVICE_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "service/app.h"
#include "util/date.h"

/* ---- roles -------------------------------------------------------------------------------- */

int svc_role_is(const svc_req *req, const char *role);
int svc_is_customs(const svc_req *req); /* officer, risk_officer, admin, manager */
/* The enterprise itself: a declarant token of that tax code. A broker declaring for it is not
 * (it may not see or spend the enterprise's money). */
int svc_is_enterprise(const svc_req *req, const char *tax_code);

/* ---- the clock ---------------------------------------------------------------------------- */

/* Seconds since the epoch (UTC): the one "now" of the service layer. */
int64_t svc_now(void);
/* The legal date (Vietnam's, util/date.h date_legal) of svc_now(): "today" for every legal rule. */
date_ymd svc_today(void);
/* Replaces the clock (NULL restores the system clock). For tests; not thread-safe against
 * concurrent requests, so set it before serving. */
void svc_set_clock(int64_t (*clock)(void));

/* ---- idempotency -------------------------------------------------------------------------- */

void svc_sha256_hex(const void *data, size_t n, char out[65]);
/* The hash an Idempotency-Key binds to: SHA-256 of "METHOD path\n" and the exact body. */
void svc_request_hash(const char *method, const char *path, const char *body, size_t body_len,
                      char out[65]);
/* Returns a stored reply for a replayed Idempotency-Key, if any (1), else 0. Outside a
 * transaction: the cheap early answer before any work. */
int svc_idempotent_replay(app *a, const svc_req *req, svc_reply *out);
/* Inside a transaction: 1 and *out set when req's Idempotency-Key was already answered. */
int svc_idem_lookup(db_conn *c, const svc_req *req, svc_reply *out);
/* Inside a transaction: remembers the reply to req's Idempotency-Key (no-op without a key). */
int svc_idem_save(db_conn *c, const svc_req *req, svc_code code, json_t *body, int64_t now);

/* ---- decoded request bodies -------------------------------------------------------------- */

/* http/ and cli/ decode a request body with its codec/ decoder before they call the service: the
 * service gets the decoded struct and the decoder's errors, reports those where it always did
 * (after the role check and the replay of an Idempotency-Key) and appends its own rules' errors
 * to the same list. 1 when the decoder found no JSON object at all (its one "type" error at ""):
 * services refuse such a body before answering a replay. */
int svc_body_not_object(const errs *e);
/* The reply to a body that is not a JSON object. */
svc_reply svc_not_object(void);
/* A write request with a body, answered before its job is run: a body that is not an object
 * (refused before a replay, as above), then a replayed Idempotency-Key (its stored reply), then
 * the decoder's and the service's errors so far, all at once. 1 and *out set when answered, else
 * 0. */
int svc_write_answered(app *a, const svc_req *req, const errs *e, svc_reply *out);

/* Outcomes are stored (idempotency keys, payments) as the numbers earlier releases wrote;
 * these two convert, so the enum's values never reach a database. */
int svc_code_stored(svc_code code);
svc_code svc_code_from_stored(int stored);

/* ---- write jobs --------------------------------------------------------------------------- */

/* The first member of every write job's context. */
typedef struct svc_job {
    const svc_req *req;
    int64_t now;     /* one instant for every row the job writes */
    svc_reply reply; /* what the job answers; owned by the job until svc_run_write returns it */
} svc_job;

svc_job svc_job_start(const svc_req *req);

/* Inside a job: rejects the write with reply r. Returns 1, which rolls the transaction back. */
int svc_fail(svc_job *job, svc_reply r);

/* What a write job answers when the party a request names is not known to customs. */
typedef struct svc_unknown_party {
    svc_code status;     /* SVC_INVALID (a field names it) or SVC_NOT_FOUND (the URL does) */
    const char *code;    /* the error code: "unknown_party", "enterprise_unknown", "not_found" */
    const char *path;    /* the field that named it, "" for the URL */
    const char *message; /* may hold one %s: the tax code */
} svc_unknown_party;

/* Inside a job: the party of tax_code must be known. 0 when it is (*out filled when out is not
 * NULL); 1 when not, the job rejected with `unknown`'s error (return it from the job); <0 on a
 * storage error. */
int svc_job_party(db_conn *c, svc_job *job, const char *tax_code, const svc_unknown_party *unknown,
                  party *out);

/* The prelude of a write job that names a party: a replayed Idempotency-Key is answered (1, the
 * stored reply in job->reply), then svc_job_party. Every return other than 0 ends the job:
 *
 *     if ((rc = svc_job_begin(c, &x->job, x->carrier, &unknown_carrier, NULL)) != 0)
 *         return rc;
 */
int svc_job_begin(db_conn *c, svc_job *job, const char *tax_code, const svc_unknown_party *unknown,
                  party *out);

/* Runs fn(ctx) on the single writer. On a storage failure the job's reply is dropped and the
 * failure becomes a reply: a unique-key conflict or a busy job (DB_BUSY) is SVC_CONFLICT
 * ("retry"), anything else SVC_ERROR "storage" with `refused` as its message. Otherwise
 * returns job->reply. */
svc_reply svc_run_write(app *a, svc_job *job, store_job_fn fn, void *ctx, const char *refused);

#endif
