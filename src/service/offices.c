#include "service/offices.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/json_fields.h"
#include "codec/json_office.h"
#include "service/audit_log.h"
#include "service/internal.h"
#include "store/store_reference.h"
#include "util/file.h"
#include "util/log.h"

#define OFFICES_MAX 4096
#define OFFICES_TTL_S 60

typedef struct office_entry {
    char code[9];
    int active;
} office_entry;

struct office_cache {
    pthread_mutex_t lock;
    office_entry *rows;
    int n;
    int64_t loaded_at;
};

int offices_code_valid(const char *code)
{
    if (!code || strlen(code) != 4 || !isdigit((unsigned char)code[0]) ||
        !isdigit((unsigned char)code[1]))
        return 0;
    for (int i = 2; i < 4; i++)
        if (!isdigit((unsigned char)code[i]) && !isupper((unsigned char)code[i]))
            return 0;
    return 1;
}

/* ---- the cache ------------------------------------------------------------------------------- */

typedef struct load_ctx {
    office_entry *rows;
    int n;
} load_ctx;

static void load_row(const office_row *o, void *ctx)
{
    load_ctx *x = ctx;
    if (x->n < OFFICES_MAX) {
        snprintf(x->rows[x->n].code, sizeof x->rows[x->n].code, "%s", o->code);
        x->rows[x->n++].active = o->active;
    }
}

static int load_job(db_conn *c, void *ctx)
{
    int rc = store_office_each(c, load_row, ctx);
    return rc < 0 ? rc : 0;
}

static struct office_cache *cache_of(app *a)
{
    /* created on first use: app_open need not know about it */
    static pthread_mutex_t init = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&init);
    if (!a->offices && (a->offices = calloc(1, sizeof *a->offices)))
        pthread_mutex_init(&a->offices->lock, NULL);
    pthread_mutex_unlock(&init);
    return a->offices;
}

/* Called with the lock held. */
static int reload(app *a, struct office_cache *oc, int64_t now)
{
    load_ctx x = {calloc(OFFICES_MAX, sizeof(office_entry)), 0};
    if (!x.rows || store_read(a->st, load_job, &x) != 0) {
        free(x.rows);
        return -1;
    }
    free(oc->rows);
    oc->rows = x.rows;
    oc->n = x.n;
    oc->loaded_at = now;
    return 0;
}

typedef struct one_ctx {
    const char *code;
    int found;
    office_row row;
} one_ctx;

static int one_job(db_conn *c, void *ctx)
{
    one_ctx *x = ctx;
    x->found = store_office_get(c, x->code, &x->row);
    return x->found < 0 ? x->found : 0;
}

static int cmp_entry(const void *k, const void *e)
{
    return strcmp(k, ((const office_entry *)e)->code);
}

/* 1 active, 0 closed, -1 unknown, -2 storage error */
static int lookup(app *a, const char *code)
{
    struct office_cache *oc = cache_of(a);
    if (!oc)
        return -2;
    int64_t now = (int64_t)time(NULL);
    int r = -1;
    pthread_mutex_lock(&oc->lock);
    if (!oc->rows || now - oc->loaded_at >= OFFICES_TTL_S)
        if (reload(a, oc, now) != 0)
            r = -2;
    if (r != -2) {
        office_entry *e = bsearch(code, oc->rows, (size_t)oc->n, sizeof *oc->rows, cmp_entry);
        r = e ? e->active : -3;
    }
    pthread_mutex_unlock(&oc->lock);
    if (r ==
        -3) { /* not cached: maybe added meanwhile by another process (the CLI); one key read */
        one_ctx x = {.code = code};
        r = store_read(a->st, one_job, &x) != 0 ? -2 : x.found == 1 ? x.row.active : -1;
    }
    return r;
}

static void invalidate(app *a)
{
    struct office_cache *oc = cache_of(a);
    if (!oc)
        return;
    pthread_mutex_lock(&oc->lock);
    oc->loaded_at = 0;
    free(oc->rows);
    oc->rows = NULL;
    oc->n = 0;
    pthread_mutex_unlock(&oc->lock);
}

void offices_free(app *a)
{
    if (!a->offices)
        return;
    free(a->offices->rows);
    pthread_mutex_destroy(&a->offices->lock);
    free(a->offices);
    a->offices = NULL;
}

void offices_check(app *a, const char *code, errs *e)
{
    if (!code || !*code)
        return; /* "required" is the decoder's */
    int r = lookup(a, code);
    if (r == -1)
        errs_add(e, "customs_office_unknown", "/customs_office",
                 "'%s' is not a customs office of Vietnam (GET /api/v1/customs-offices lists them)",
                 code);
    else if (r == 0)
        errs_add(e, "customs_office_closed", "/customs_office", "customs office %s is closed",
                 code);
    else if (r == -2)
        errs_add(e, "storage", "/customs_office", "cannot read the customs offices");
}

/* ---- seeding --------------------------------------------------------------------------------- */

typedef struct seed_ctx {
    office_row *rows;
    int n;
    int64_t count;
} seed_ctx;

static int count_job(db_conn *c, void *ctx)
{
    seed_ctx *x = ctx;
    x->count = store_office_count(c);
    return x->count < 0 ? (int)x->count : 0;
}

static int seed_job(db_conn *c, void *ctx)
{
    seed_ctx *x = ctx;
    if ((x->count = store_office_count(c)) != 0) /* another process seeded it meanwhile */
        return x->count < 0 ? (int)x->count : 0;
    for (int i = 0; i < x->n; i++) {
        int rc = store_office_put(c, &x->rows[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int offices_seed(app *a, const char *data_dir)
{
    char path[1024];
    seed_ctx x = {0};
    if (store_read(a->st, count_job, &x) != 0)
        return -1;
    if (x.count > 0)
        return 0;
    snprintf(path, sizeof path, "%s/reference/customs_offices.tsv", data_dir);
    char *buf = file_read_all(path, NULL);
    if (!buf) {
        log_error("cannot read %s: the customs offices stay empty", path);
        return -1;
    }
    x.rows = calloc(OFFICES_MAX, sizeof *x.rows);
    if (!x.rows) {
        free(buf);
        return -1;
    }
    int64_t now = (int64_t)time(NULL);
    int header = 0, rc = 0;
    for (char *line = strtok(buf, "\n"); line && x.n < OFFICES_MAX; line = strtok(NULL, "\n")) {
        if (line[0] == '#' || !line[0])
            continue;
        if (!header++)
            continue; /* code name province kind */
        char *f[4] = {line, NULL, NULL, NULL};
        for (int i = 1; i < 4 && f[i - 1]; i++)
            if ((f[i] = strchr(f[i - 1], '\t')))
                *f[i]++ = 0;
        if (!f[3] || !offices_code_valid(f[0])) {
            log_error("%s: bad row '%s'", path, line);
            rc = -1;
            continue;
        }
        office_row *o = &x.rows[x.n++];
        snprintf(o->code, sizeof o->code, "%s", f[0]);
        snprintf(o->name, sizeof o->name, "%s", f[1]);
        snprintf(o->province, sizeof o->province, "%s", f[2]);
        snprintf(o->kind, sizeof o->kind, "%s", f[3]);
        o->active = 1;
        snprintf(o->source, sizeof o->source, "data/reference/customs_offices.tsv");
        o->updated_at = now;
    }
    free(buf);
    if (rc == 0 && store_write(a->st, seed_job, &x) != 0)
        rc = -1;
    free(x.rows);
    invalidate(a);
    return rc;
}

/* ---- API ------------------------------------------------------------------------------------- */

static json_t *office_json(const office_row *o)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:b,s:s,s:o}", "code", o->code, "name", o->name, "province",
                     o->province, "kind", o->kind, "active", o->active, "source", o->source,
                     "updated_at", json_timestamp(o->updated_at));
}

static void list_row(const office_row *o, void *ctx) { json_array_append_new(ctx, office_json(o)); }

static int list_job(db_conn *c, void *ctx)
{
    int rc = store_office_each(c, list_row, ctx);
    return rc < 0 ? rc : 0;
}

svc_reply svc_offices_list(app *a)
{
    json_t *arr = json_array();
    if (store_read(a->st, list_job, arr) != 0) {
        json_decref(arr);
        return svc_error(SVC_ERROR, "storage", "cannot read the customs offices");
    }
    svc_reply r = {.code = SVC_OK, .body = json_pack("{s:o}", "offices", arr)};
    return r;
}

typedef struct put_ctx {
    const svc_req *req;
    office_row row;
    int created;
    json_t *detail;
} put_ctx;

static int put_job(db_conn *c, void *ctx)
{
    put_ctx *x = ctx;
    office_row old;
    int rc = store_office_get(c, x->row.code, &old);
    if (rc < 0)
        return rc;
    x->created = rc == 0;
    if ((rc = store_office_put(c, &x->row)) != 0)
        return rc;
    return audit_log_append(c, "customs_offices", x->row.updated_at, x->req,
                            x->created ? "office.add" : "office.update", x->detail);
}

svc_reply svc_office_put(app *a, const svc_req *req, const char *code, const office_in *in, errs *e)
{
    if (!svc_role_is(req, "admin"))
        return svc_error(SVC_FORBIDDEN, "forbidden",
                         "the customs offices are managed by the administration");
    if (svc_body_not_object(e))
        return svc_not_object();
    put_ctx x = {.req = req};
    if (!offices_code_valid(code))
        errs_add(e, "office_code", "/code",
                 "an office code is 2 digits (the provincial department) and 2 "
                 "capital letters or digits, such as 02CI");
    if (e->n)
        return svc_errors(e);
    snprintf(x.row.code, sizeof x.row.code, "%s", code);
    snprintf(x.row.name, sizeof x.row.name, "%s", in->name);
    snprintf(x.row.province, sizeof x.row.province, "%s", in->province);
    snprintf(x.row.kind, sizeof x.row.kind, "%s", in->kind);
    x.row.active = in->active;
    snprintf(x.row.source, sizeof x.row.source, "administrator %s", req->party);
    x.row.updated_at = svc_now();
    x.detail = office_json(&x.row);
    int rc = store_write(a->st, put_job, &x);
    invalidate(a);
    if (rc != 0) {
        json_decref(x.detail);
        return svc_error(SVC_ERROR, "storage", "cannot store the office");
    }
    svc_reply r = {.code = SVC_OK, .body = x.detail};
    return r;
}
