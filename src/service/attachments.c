/* Attachments (service/attachments.h): validation by content, the write with its audit event, and
 * reads that re-hash the stored bytes before serving them. */
#include "service/attachments.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec/json_fields.h"
#include "service/internal.h"
#include "service/mandates.h"
#include "service/users.h"
#include "store/store_attachments.h"
#include "util/errs.h"
#include "util/log.h"
#include "util/rand.h"
#include "util/ecdsa.h"

/* The kinds of document, and who attaches them: the declarant's dossier, the officer's findings. */
static const char *const declarant_kinds[] = {
    "invoice", "packing_list",      "bill_of_lading", "contract", "certificate_of_origin",
    "permit",  "value_declaration", "photo"};
static const char *const officer_kinds[] = {"inspection_photo", "scanner_image"};
#define N_OF(a) (sizeof(a) / sizeof(a)[0])

static int in_list(const char *const *list, size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i], v))
            return 1;
    return 0;
}

int svc_attach_is_upload_path(const char *url)
{
    static const char pre[] = "/api/v1/declarations/", suf[] = "/attachments";
    if (strncmp(url, pre, sizeof pre - 1) != 0)
        return 0;
    const char *rest = url + sizeof pre - 1, *slash = strchr(rest, '/');
    if (!slash || slash == rest || strncmp(slash, suf, sizeof suf - 1) != 0)
        return 0;
    /* .../attachments (a new file) or .../attachments/{id} (its replacement) */
    const char *tail = slash + sizeof suf - 1;
    return !*tail || (tail[0] == '/' && tail[1] && !strchr(tail + 1, '/'));
}

/* What the bytes are, by their first bytes: the type we store and serve, or NULL. XML: an optional
 * UTF-8 byte order mark and white space, then "<?xml" or an element. */
static const char *sniff(const unsigned char *b, size_t n)
{
    if (n >= 5 && !memcmp(b, "%PDF-", 5))
        return "application/pdf";
    if (n >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8))
        return "image/png";
    if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return "image/jpeg";
    size_t i = n >= 3 && !memcmp(b, "\xEF\xBB\xBF", 3) ? 3 : 0;
    while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
        i++;
    if (i + 1 < n && b[i] == '<' &&
        (b[i + 1] == '?'
             ? n - i >= 5 && !memcmp(b + i, "<?xml", 5)
             : (b[i + 1] >= 'A' && b[i + 1] <= 'Z') || (b[i + 1] >= 'a' && b[i + 1] <= 'z')))
        return "application/xml";
    return NULL;
}

/* The declared Content-Type's media type in our spelling (parameters dropped), or NULL. */
static const char *declared_type(const char *ct)
{
    static const char *const types[][2] = {{"application/pdf", "application/pdf"},
                                           {"image/png", "image/png"},
                                           {"image/jpeg", "image/jpeg"},
                                           {"application/xml", "application/xml"},
                                           {"text/xml", "application/xml"}};
    if (!ct)
        return NULL;
    size_t n = strcspn(ct, "; \t");
    for (size_t i = 0; i < N_OF(types); i++)
        if (strlen(types[i][0]) == n && !strncasecmp(ct, types[i][0], n))
            return types[i][1];
    return NULL;
}

static int filename_ok(const char *f)
{
    size_t n = strlen(f);
    if (n == 0 || n > 200 || !strcmp(f, ".") || !strcmp(f, ".."))
        return 0;
    for (const unsigned char *p = (const unsigned char *)f; *p; p++)
        if (*p < 0x20 || *p == 0x7F || *p == '/' || *p == '\\' || *p == '"')
            return 0;
    return 1;
}

static int can_see(const svc_req *req, const decl_row *r)
{
    return svc_is_customs(req) || !strcmp(r->declarant, req->party) ||
           !strcmp(r->party, req->party);
}

static json_t *row_json(const attach_row *r, const char *number)
{
    char href[160];
    snprintf(href, sizeof href, "/api/v1/declarations/%s/attachments/%s", number, r->id);
    return json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:o,s:s}", "id", r->id, "kind", r->kind,
                     "filename", r->filename, "content_type", r->content_type, "size",
                     (json_int_t)r->size, "sha256", r->sha256, "party", r->party, "role", r->role,
                     "username", r->username, "at", json_timestamp(r->at), "href", href);
}

/* ---- upload ------------------------------------------------------------------------------- */

/* Whether the caller may change the declaration's dossier now: not when it is closed, and (for a
 * deletion or replacement, after_clearance_locked) not from its clearance on — what the officer
 * cleared on stays as it was. A broker only under the enterprise's mandate in force today.
 * 0 yes; 1 no (job's reply set); <0 a storage error. */
static int may_change(db_conn *c, svc_job *job, const decl_row *d, int after_clearance_locked)
{
    const svc_req *req = job->req;
    if (d->status == ST_CANCELLED || d->status == ST_INVALIDATED || d->status == ST_EXPIRED)
        return svc_fail(job,
                        svc_error(SVC_CONFLICT, "closed",
                                  "the declaration is closed (cancelled, invalidated or expired)"));
    if (after_clearance_locked && (d->status == ST_CLEARED || d->status == ST_PASSED ||
                                   d->status == ST_REJECTED || d->cleared_at > 0))
        return svc_fail(
            job,
            svc_error(SVC_CONFLICT, "attachment_locked",
                      "the declaration was cleared (or refused): its documents can no longer be "
                      "deleted or replaced; attach a new one instead"));
    /* a broker changes an enterprise's dossier only under a mandate in force today */
    if (svc_role_is(req, "declarant") && strcmp(req->party, d->party) != 0) {
        int rc = svc_mandate_allows(c, d->party, req->party, svc_today());
        if (rc <= 0)
            return rc < 0 ? rc
                          : svc_fail(job, svc_error(SVC_FORBIDDEN, "no_mandate",
                                                    "no mandate of the enterprise in force today"));
    }
    return 0;
}

typedef struct upload_ctx {
    svc_job job;
    const char *key;
    attach_row row;
    const char *b64;
    int found;
} upload_ctx;

/* In a write job: an Idempotency-Key answered already (1, the reply replayed), or the declaration
 * the caller can see into *d (0), or 1 with a 404 reply; <0 a storage error. */
static int job_decl(db_conn *c, svc_job *job, const char *key, decl_row *d)
{
    if (svc_idem_lookup(c, job->req, &job->reply))
        return 1;
    int rc = store_decl_get_meta(c, key, d);
    if (rc < 0)
        return rc;
    if (rc == 0 || !can_see(job->req, d)) {
        decl_row_release(d);
        return svc_fail(job, svc_error(SVC_NOT_FOUND, "not_found", "no such declaration"));
    }
    return 0;
}

static int upload_job(db_conn *c, void *ctx)
{
    upload_ctx *x = ctx;
    const svc_req *req = x->job.req;
    decl_row d = {0};
    int rc = job_decl(c, &x->job, x->key, &d);
    if (rc != 0)
        return rc;
    const char *number = d.number[0] ? d.number : d.id;
    snprintf(x->row.decl_id, sizeof x->row.decl_id, "%s", d.id);
    if ((rc = may_change(c, &x->job, &d, 0)) != 0) {
        decl_row_release(&d);
        return rc;
    }
    int64_t count, bytes;
    int max_seq;
    if ((rc = store_attach_totals(c, d.id, &count, &bytes, &max_seq)) != 0) {
        decl_row_release(&d);
        return rc;
    }
    if (count >= ATTACH_MAX_COUNT || bytes + x->row.size > ATTACH_MAX_DECL) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "a declaration holds at most %d files and %d bytes together; %lld files and %lld "
                 "bytes are "
                 "attached already",
                 ATTACH_MAX_COUNT, ATTACH_MAX_DECL, (long long)count, (long long)bytes);
        errs e;
        errs_init(&e);
        errs_add(&e, "declaration_quota", "body", "%s", msg);
        decl_row_release(&d);
        return svc_fail(&x->job, svc_errors(&e));
    }
    x->row.at = x->job.now;
    x->row.seq = max_seq + 1; /* one writer per server; servers sharing a PostgreSQL database that
                                 race for the same seq meet the UNIQUE key: 409 retry */
    if ((rc = store_attach_put(c, &x->row, x->b64)) != 0) {
        decl_row_release(&d);
        return rc;
    }
    /* the hash in the hash chain: the bytes cannot be swapped (nor the row's hash edited)
     * unnoticed */
    json_t *detail =
        json_pack("{s:s,s:s,s:s,s:s,s:I,s:s}", "attachment", x->row.id, "kind", x->row.kind,
                  "filename", x->row.filename, "content_type", x->row.content_type, "size",
                  (json_int_t)x->row.size, "sha256", x->row.sha256);
    detail = svc_event_actor(req, detail);
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    rc = store_event_append(c, d.id, x->job.now, req->party, req->role, "attach", d.status,
                            d.status, text);
    free(text);
    if (rc != 0) {
        decl_row_release(&d);
        return rc;
    }
    json_t *body = row_json(&x->row, number);
    json_object_set_new(body, "declaration", json_string(number));
    decl_row_release(&d);
    x->job.reply = (svc_reply){.code = SVC_CREATED, .body = body};
    return svc_idem_save(c, req, SVC_CREATED, body, x->job.now);
}

typedef struct meta_ctx {
    const char *key;
    decl_row d;
    int found;
} meta_ctx;

static int meta_job(db_conn *c, void *ctx)
{
    meta_ctx *x = ctx;
    x->found = store_decl_get_meta(c, x->key, &x->d);
    return x->found < 0 ? x->found : 0;
}

/* 1 and *r (404, or a storage error) when the caller cannot see the declaration; else 0. Checked
 * before the body is: a caller learns nothing of another enterprise's declaration from the
 * errors. */
static int not_visible(app *a, const svc_req *req, const char *number, svc_reply *r)
{
    meta_ctx m = {.key = number};
    if (store_read(a->st, meta_job, &m) != 0) {
        *r = svc_error(SVC_ERROR, "storage", "cannot read the declaration");
        return 1;
    }
    int visible = m.found == 1 && can_see(req, &m.d);
    decl_row_release(&m.d);
    if (!visible)
        *r = svc_error(SVC_NOT_FOUND, "not_found", "no such declaration");
    return !visible;
}

/* The request's kind (required for a new file; a replacement keeps its kind unless one is given),
 * filename, declared type and bytes, every error at once. 0 and *got (the type recognised from the
 * bytes); or 1 and *bad (the errors). */
static int check_file(int declarant, const char *kind, int kind_required, const char *filename,
                      const char *content_type, const char *body, size_t len, int too_big,
                      const char **got, svc_reply *bad)
{
    errs errbuf, *e = &errbuf; /* on the stack (docs/architecture.md, "Memory") */
    errs_init(e);
    const char *const *mine = declarant ? declarant_kinds : officer_kinds;
    size_t n_mine = declarant ? N_OF(declarant_kinds) : N_OF(officer_kinds);
    if (!kind || !kind[0]) {
        if (kind_required)
            errs_add(e, "required", "kind", "kind is required: the kind of document (%s, …)",
                     mine[0]);
    } else if (!in_list(mine, n_mine, kind)) {
        char allowed[300] = "";
        for (size_t i = 0; i < n_mine; i++)
            snprintf(allowed + strlen(allowed), sizeof allowed - strlen(allowed), "%s%s",
                     i ? ", " : "", mine[i]);
        errs_add(e,
                 in_list(declarant_kinds, N_OF(declarant_kinds), kind) ||
                         in_list(officer_kinds, N_OF(officer_kinds), kind)
                     ? "kind_not_yours"
                     : "unknown_kind",
                 "kind", "kind %.60s is not one a %s attaches: %s", kind,
                 declarant ? "declarant" : "officer", allowed);
    }
    if (!filename || !filename[0])
        errs_add(e, "required", "filename", "the filename query parameter is required");
    else if (!filename_ok(filename))
        errs_add(e, "filename", "filename",
                 "a filename has 1-200 characters, without control characters, slashes or quotes");
    const char *want = declared_type(content_type);
    if (!want)
        errs_add(e, "unsupported_type", "Content-Type",
                 "Content-Type must be application/pdf, image/jpeg, image/png or application/xml "
                 "(not %.60s)",
                 content_type ? content_type : "absent");
    *got = NULL;
    if (too_big) {
        errs_add(e, "too_large", "body", "a file is at most %d bytes", ATTACH_MAX_FILE);
    } else if (len == 0) {
        errs_add(e, "empty", "body", "the body is empty: send the file's bytes");
    } else if (!(*got = sniff((const unsigned char *)body, len))) {
        errs_add(e, "wrong_type", "body",
                 "the content is not a PDF, JPEG, PNG or XML file (whatever its name)");
    } else if (want && strcmp(want, *got)) {
        errs_add(e, "type_mismatch", "body", "the content is %s but Content-Type says %s", *got,
                 want);
    }
    int n = e->n;
    if (n)
        *bad = svc_errors(e);
    return n ? 1 : 0;
}

/* The row's who and what of a new file: its type, the caller, the bytes' hash; *b64 the bytes
 * in base64 (heap). 0 or -1. */
static int fill_file(attach_row *r, const svc_req *req, const char *got, const char *body,
                     size_t len, char **b64)
{
    snprintf(r->content_type, sizeof r->content_type, "%s", got);
    snprintf(r->party, sizeof r->party, "%s", req->party);
    snprintf(r->role, sizeof r->role, "%s", req->role);
    snprintf(r->username, sizeof r->username, "%s", req->user);
    r->size = (int64_t)len;
    svc_sha256_hex(body, len, r->sha256);
    if (!(*b64 = malloc(4 * ((len + 2) / 3) + 1)))
        return -1;
    EVP_EncodeBlock((unsigned char *)*b64, (const unsigned char *)body, (int)len);
    return 0;
}

svc_reply svc_attach_upload(app *a, const svc_req *req, const char *number, const char *kind,
                            const char *filename, const char *content_type, const char *body,
                            size_t len, int too_big)
{
    int declarant = svc_role_is(req, "declarant"), officer = svc_role_is(req, "officer");
    if (!declarant && !officer) {
        /* the other customs roles see attachments but do not add to the dossier */
        if (svc_is_customs(req))
            return svc_error(SVC_FORBIDDEN, "forbidden",
                             "documents are attached by declarants and officers");
        return svc_error(SVC_NOT_FOUND, "not_found", "no such declaration");
    }
    svc_reply replay;
    if (svc_idempotent_replay(a, req, &replay))
        return replay;
    /* another enterprise's declaration does not exist for the caller, whatever it sends */
    svc_reply hidden;
    if (not_visible(a, req, number, &hidden))
        return hidden;
    const char *got = NULL;
    svc_reply bad;
    if (check_file(declarant, kind, 1, filename, content_type, body, len, too_big, &got, &bad))
        return bad;

    upload_ctx x = {.job = svc_job_start(req), .key = number};
    if (rand_hex(x.row.id, 16) != 0)
        return svc_error(SVC_ERROR, "internal", "no randomness for an id");
    snprintf(x.row.kind, sizeof x.row.kind, "%s", kind);
    snprintf(x.row.filename, sizeof x.row.filename, "%s", filename);
    char *b64 = NULL;
    if (fill_file(&x.row, req, got, body, len, &b64) != 0)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    x.b64 = b64;
    svc_reply r = svc_run_write(a, &x.job, upload_job, &x, "the database refused the attachment");
    free(b64);
    return r;
}

/* ---- delete and replace (the declarant, before clearance) ---------------------------------- */

typedef struct change_ctx {
    svc_job job;
    const char *key, *id;
    int replace;
    attach_row row; /* replace: the new file (kind "" = keep the old one's) */
    const char *b64;
} change_ctx;

static int change_job(db_conn *c, void *ctx)
{
    change_ctx *x = ctx;
    const svc_req *req = x->job.req;
    decl_row d = {0};
    attach_row old;
    char *old_b64 = NULL;
    json_t *detail = NULL, *body = NULL;
    int rc = job_decl(c, &x->job, x->key, &d);
    if (rc != 0)
        return rc;
    if ((rc = store_attach_get(c, d.id, x->id, &old, &old_b64)) <= 0) {
        if (rc == 0)
            rc = svc_fail(&x->job, svc_error(SVC_NOT_FOUND, "not_found", "no such attachment"));
        goto out;
    }
    /* the officer's findings are not the declarant's to change */
    if (!in_list(declarant_kinds, N_OF(declarant_kinds), old.kind)) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "attachment %s is an officer's %s: a declarant does not change it", old.id,
                 old.kind);
        rc = svc_fail(&x->job, svc_error(SVC_FORBIDDEN, "kind_not_yours", msg));
        goto out;
    }
    if ((rc = may_change(c, &x->job, &d, 1)) != 0)
        goto out;
    const char *number = d.number[0] ? d.number : d.id;
    if (x->replace) {
        int64_t count, bytes;
        int max_seq;
        if ((rc = store_attach_totals(c, d.id, &count, &bytes, &max_seq)) != 0)
            goto out;
        if (bytes - old.size + x->row.size > ATTACH_MAX_DECL) {
            errs e;
            errs_init(&e);
            errs_add(&e, "declaration_quota", "body",
                     "a declaration holds at most %d bytes together; with this file instead of %s "
                     "it would hold %lld",
                     ATTACH_MAX_DECL, old.id, (long long)(bytes - old.size + x->row.size));
            rc = svc_fail(&x->job, svc_errors(&e));
            goto out;
        }
        snprintf(x->row.id, sizeof x->row.id, "%s", old.id);
        snprintf(x->row.decl_id, sizeof x->row.decl_id, "%s", d.id);
        if (!x->row.kind[0])
            snprintf(x->row.kind, sizeof x->row.kind, "%s", old.kind);
        x->row.seq = old.seq;
        x->row.at = x->job.now;
        if ((rc = store_attach_replace(c, &x->row, x->b64)) != 0)
            goto out;
        /* the new hash in the chain, beside the one it replaces: GET and audit verify check the
         * bytes against the newest */
        detail =
            json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:s}", "attachment", old.id, "kind",
                      x->row.kind, "filename", x->row.filename, "content_type", x->row.content_type,
                      "size", (json_int_t)x->row.size, "sha256", x->row.sha256, "previous_filename",
                      old.filename, "previous_sha256", old.sha256);
        body = row_json(&x->row, number);
    } else {
        if ((rc = store_attach_delete(c, d.id, old.id)) != 0)
            goto out;
        detail = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s}", "attachment", old.id, "kind", old.kind,
                           "filename", old.filename, "content_type", old.content_type, "size",
                           (json_int_t)old.size, "previous_sha256", old.sha256);
        body = row_json(&old, number);
        json_object_del(body, "href");
        json_object_set_new(body, "deleted", json_true());
    }
    detail = svc_event_actor(req, detail);
    char *text = json_dumps(detail, JSON_COMPACT);
    rc = text ? store_event_append(c, d.id, x->job.now, req->party, req->role,
                                   x->replace ? "attachment_replaced" : "attachment_deleted",
                                   d.status, d.status, text)
              : DB_ERR;
    free(text);
    if (rc != 0)
        goto out;
    json_object_set_new(body, "declaration", json_string(number));
    x->job.reply = (svc_reply){.code = SVC_OK, .body = body};
    body = NULL;
    rc = svc_idem_save(c, req, SVC_OK, x->job.reply.body, x->job.now);
out:
    json_decref(detail);
    json_decref(body);
    free(old_b64);
    decl_row_release(&d);
    return rc;
}

/* Who may ask at all: a declarant; other customs roles are refused (403), anyone else finds no
 * declaration (404), as on the other declaration routes. */
static int change_refused(const svc_req *req, svc_reply *r)
{
    if (svc_role_is(req, "declarant"))
        return 0;
    *r = svc_is_customs(req)
             ? svc_error(SVC_FORBIDDEN, "forbidden",
                         "only the declarant deletes or replaces the documents it attached")
             : svc_error(SVC_NOT_FOUND, "not_found", "no such declaration");
    return 1;
}

svc_reply svc_attach_delete(app *a, const svc_req *req, const char *number, const char *id)
{
    svc_reply r;
    if (change_refused(req, &r) || svc_idempotent_replay(a, req, &r))
        return r;
    change_ctx x = {.job = svc_job_start(req), .key = number, .id = id};
    return svc_run_write(a, &x.job, change_job, &x, "the database refused the deletion");
}

svc_reply svc_attach_replace(app *a, const svc_req *req, const char *number, const char *id,
                             const char *kind, const char *filename, const char *content_type,
                             const char *body, size_t len, int too_big)
{
    svc_reply r;
    if (change_refused(req, &r) || svc_idempotent_replay(a, req, &r))
        return r;
    /* another enterprise's declaration does not exist for the caller, whatever it sends */
    svc_reply hidden;
    if (not_visible(a, req, number, &hidden))
        return hidden;
    const char *got = NULL;
    if (check_file(1, kind, 0, filename, content_type, body, len, too_big, &got, &r))
        return r;
    change_ctx x = {.job = svc_job_start(req), .key = number, .id = id, .replace = 1};
    snprintf(x.row.kind, sizeof x.row.kind, "%s", kind ? kind : "");
    snprintf(x.row.filename, sizeof x.row.filename, "%s", filename);
    char *b64 = NULL;
    if (fill_file(&x.row, req, got, body, len, &b64) != 0)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    x.b64 = b64;
    r = svc_run_write(a, &x.job, change_job, &x, "the database refused the replacement");
    free(b64);
    return r;
}

/* ---- reads -------------------------------------------------------------------------------- */

typedef struct read_ctx {
    const char *key;
    const char *id; /* one attachment, or NULL: the list */
    decl_row d;
    int found; /* the declaration */
    attach_row *rows;
    int n;
    int got; /* the attachment */
    char *b64;
    char event_sha[65]; /* the SHA-256 its "attach" event recorded ("" = no event) */
} read_ctx;

/* The SHA-256 the newest hash-chained event of attachment id recorded: its "attach", or its
 * latest "attachment_replaced". */
static int event_sha(db_conn *c, const char *decl_id, const char *id, char out[65])
{
    enum { MAX_EVENTS = 2000 };
    event_row *ev = calloc(MAX_EVENTS, sizeof *ev);
    if (!ev)
        return -1;
    int n = store_event_list(c, decl_id, ev, MAX_EVENTS);
    out[0] = 0;
    for (int i = 0; i < n && i < MAX_EVENTS; i++) {
        if ((!strcmp(ev[i].action, "attach") || !strcmp(ev[i].action, "attachment_replaced")) &&
            ev[i].detail) {
            json_t *d = json_loads(ev[i].detail, 0, NULL);
            const char *aid = json_string_value(json_object_get(d, "attachment"));
            const char *sha = json_string_value(json_object_get(d, "sha256"));
            if (aid && sha && !strcmp(aid, id))
                snprintf(out, 65, "%s", sha);
            json_decref(d);
        }
        free(ev[i].detail);
    }
    free(ev);
    return n < 0 ? n : 0;
}

static int read_job(db_conn *c, void *ctx)
{
    read_ctx *x = ctx;
    x->found = store_decl_get_meta(c, x->key, &x->d);
    if (x->found != 1)
        return x->found < 0 ? x->found : 0;
    if (!x->id) {
        x->n = store_attach_list(c, x->d.id, x->rows, ATTACH_MAX_COUNT);
        return x->n < 0 ? x->n : 0;
    }
    x->got = store_attach_get(c, x->d.id, x->id, &x->rows[0], &x->b64);
    if (x->got != 1)
        return x->got < 0 ? x->got : 0;
    return event_sha(c, x->d.id, x->id, x->event_sha);
}

static svc_reply read_decl(app *a, const svc_req *req, read_ctx *x)
{
    if (store_read(a->st, read_job, x) != 0) {
        decl_row_release(&x->d);
        free(x->b64);
        return svc_error(SVC_ERROR, "storage", "cannot read the attachments");
    }
    if (x->found != 1 || !can_see(req, &x->d)) {
        decl_row_release(&x->d);
        free(x->b64);
        return svc_error(SVC_NOT_FOUND, "not_found", "no such declaration");
    }
    return (svc_reply){.code = SVC_OK};
}

svc_reply svc_attach_list(app *a, const svc_req *req, const char *number)
{
    read_ctx x = {.key = number};
    x.rows = calloc(ATTACH_MAX_COUNT, sizeof *x.rows);
    if (!x.rows)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    svc_reply r = read_decl(a, req, &x);
    if (r.code != SVC_OK) {
        free(x.rows);
        return r;
    }
    const char *num = x.d.number[0] ? x.d.number : x.d.id;
    json_t *arr = json_array();
    json_int_t total = 0;
    for (int i = 0; i < x.n; i++) {
        json_array_append_new(arr, row_json(&x.rows[i], num));
        total += x.rows[i].size;
    }
    r.body = json_pack("{s:s,s:o,s:I,s:{s:i,s:i,s:i}}", "declaration", num, "attachments", arr,
                       "total_bytes", total, "limits", "file_bytes", ATTACH_MAX_FILE,
                       "declaration_bytes", ATTACH_MAX_DECL, "files", ATTACH_MAX_COUNT);
    decl_row_release(&x.d);
    free(x.rows);
    return r;
}

svc_reply svc_attach_get(app *a, const svc_req *req, const char *number, const char *id)
{
    attach_row row;
    read_ctx x = {.key = number, .id = id, .rows = &row};
    svc_reply r = read_decl(a, req, &x);
    if (r.code != SVC_OK)
        return r;
    char msg[300];
    unsigned char *bytes = NULL;
    int n = -1;
    if (x.got != 1) {
        r = svc_error(SVC_NOT_FOUND, "not_found", "no such attachment");
        goto done;
    }
    if (x.b64) {
        size_t max = strlen(x.b64) / 4 * 3 + 3;
        bytes = malloc(max);
        n = bytes ? ecdsa_b64_decode(x.b64, bytes, max) : -1;
    }
    char sha[65] = "";
    if (n >= 0)
        svc_sha256_hex(bytes, (size_t)n, sha);
    /* the bytes must hash to the row's SHA-256, and the row's to the audit event's */
    if (n < 0 || n != row.size || strcmp(sha, row.sha256) || strcmp(row.sha256, x.event_sha)) {
        snprintf(msg, sizeof msg,
                 "attachment %s of declaration %s fails its integrity check: the stored bytes do "
                 "not hash to "
                 "the SHA-256 recorded in its audit event; it is not served",
                 row.id, x.d.number[0] ? x.d.number : x.d.id);
        log_error("%s (row %s, bytes %s, event %s)", msg, row.sha256, sha[0] ? sha : "unreadable",
                  x.event_sha[0] ? x.event_sha : "none");
        r = svc_error(SVC_ERROR, "integrity", msg);
        goto done;
    }
    r = (svc_reply){.code = SVC_OK, .text = (char *)bytes, .text_len = (size_t)n};
    r.content_type = !strcmp(row.content_type, "application/pdf") ? "application/pdf"
                     : !strcmp(row.content_type, "image/png")     ? "image/png"
                     : !strcmp(row.content_type, "image/jpeg")    ? "image/jpeg"
                                                                  : "application/xml";
    bytes = NULL;
done:
    free(bytes);
    free(x.b64);
    decl_row_release(&x.d);
    return r;
}
