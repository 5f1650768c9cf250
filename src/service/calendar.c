/* The working-day calendar (calendar.h). */
#include "service/calendar.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/json_fields.h"
#include "service/audit_log.h"
#include "service/kernel.h"
#include "store/store_calendar.h"
#include "util/file.h"
#include "util/log.h"

#define CALENDAR_FILE "data/reference/vn_public_holidays.tsv"
#define CALENDAR_MAX_DAYS 4096 /* ~30 rows a year: over a century */

/* One calendar as read at one moment, shared by the readers computing with it. */
typedef struct snapshot {
    workhours_cal cal; /* first: calendar_drop finds the snapshot from it */
    int refs;          /* readers holding it, plus one while it is the current one */
} snapshot;

static const workhours_cal no_days = {0}; /* before calendar_open, or when it failed */

struct calendar_cache {
    pthread_mutex_t lock;
    snapshot *cur;
    int64_t loaded_at;
    int has_store;      /* 0: the file's days, never reloaded */
    calendar_row *file; /* the file's days: those the table lacks count too (a database that
                         * could not be written at start, e.g. read-only, still has them) */
    int n_file;
};

static void snapshot_unref(snapshot *s)
{
    if (s && --s->refs == 0) {
        workhours_cal_free(&s->cal);
        free(s);
    }
}

/* ---- the file's days ---------------------------------------------------------------------------
 */

/* The rows of the calendar file (whose format workhours_cal_parse checked first): 0 and *n rows,
 * or -1. */
static int file_rows(char *text, calendar_row *rows, int max, int *n, int64_t now)
{
    int header = 0;
    *n = 0;
    for (char *line = strtok(text, "\n"); line && *n < max; line = strtok(NULL, "\n")) {
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
            line[--len] = 0;
        if (!len || line[0] == '#' || !header++)
            continue; /* comments, blank lines, the header (date kind name basis status) */
        char *f[5] = {line, NULL, NULL, NULL, NULL};
        for (int i = 1; i < 5 && f[i - 1]; i++)
            if ((f[i] = strchr(f[i - 1], '\t')))
                *f[i]++ = 0;
        calendar_row *r = &rows[(*n)++];
        memset(r, 0, sizeof *r);
        if (date_parse(f[0], &r->day) != 0 || !f[2])
            return -1;
        snprintf(r->kind, sizeof r->kind, "%s", f[1]);
        snprintf(r->name, sizeof r->name, "%s", f[2]);
        snprintf(r->basis, sizeof r->basis, "%s", f[3] ? f[3] : "");
        snprintf(r->status, sizeof r->status, "%s", f[4] ? f[4] : "official");
        snprintf(r->source, sizeof r->source, "%s", CALENDAR_FILE);
        r->updated_at = now;
    }
    return 0;
}

typedef struct sync_ctx {
    calendar_row *rows;
    int n;
} sync_ctx;

static int sync_job(db_conn *c, void *ctx)
{
    sync_ctx *x = ctx;
    for (int i = 0; i < x->n; i++) {
        int rc = store_calendar_put(c, &x->rows[i], 0);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* ---- snapshots ----------------------------------------------------------------------------------
 */

typedef struct load_ctx {
    workhours_day *days;
    calendar_row *rows;
    int n;
} load_ctx;

static int load_row(const calendar_row *r, void *ctx)
{
    load_ctx *x = ctx;
    if (x->n >= CALENDAR_MAX_DAYS)
        return 1;
    x->rows[x->n] = *r;
    x->days[x->n].date = r->day;
    x->days[x->n].kind = x->rows[x->n].kind;
    x->n++;
    return 0;
}

static int load_job(db_conn *c, void *ctx)
{
    int rc = store_calendar_each(c, 0, 0, load_row, ctx);
    return rc < 0 ? rc : 0;
}

static int day_listed(const load_ctx *x, date_ymd day)
{
    for (int i = 0; i < x->n; i++)
        if (x->rows[i].day == day)
            return 1;
    return 0;
}

/* A snapshot of the table and of the file's days it lacks, or NULL (logged). */
static snapshot *snapshot_read(app *a)
{
    load_ctx x = {calloc(CALENDAR_MAX_DAYS, sizeof *x.days),
                  calloc(CALENDAR_MAX_DAYS, sizeof *x.rows), 0};
    snapshot *s = calloc(1, sizeof *s);
    int rc = -1;
    if (x.days && x.rows && s && store_read(a->st, load_job, &x) == 0) {
        const struct calendar_cache *cc = a->calendar;
        int in_table = x.n;
        for (int i = 0; cc && i < cc->n_file && x.n < CALENDAR_MAX_DAYS; i++)
            if (!day_listed(&(load_ctx){x.days, x.rows, in_table}, cc->file[i].day)) {
                x.rows[x.n] = cc->file[i];
                x.days[x.n].date = cc->file[i].day;
                x.days[x.n].kind = x.rows[x.n].kind;
                x.n++;
            }
        rc = workhours_cal_build(x.days, x.n, &s->cal);
        if (rc > 0) {
            char d[11];
            date_format(x.days[rc - 1].date, d);
            log_error("calendar_days: %s has kind '%s', which does not fit the day", d,
                      x.days[rc - 1].kind);
        }
    } else {
        log_error("cannot read the working-day calendar (calendar_days)");
    }
    free(x.days);
    free(x.rows);
    if (rc != 0) {
        free(s);
        return NULL;
    }
    s->refs = 1;
    return s;
}

/* Makes s the current snapshot (the cache's lock held). */
static void install(struct calendar_cache *cc, snapshot *s, int64_t now)
{
    snapshot_unref(cc->cur);
    cc->cur = s;
    cc->loaded_at = now;
}

int calendar_open(app *a, const char *data_dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/reference/vn_public_holidays.tsv", data_dir);
    struct calendar_cache *cc = calloc(1, sizeof *cc);
    char *text = file_read_all(path, NULL);
    snapshot *s = calloc(1, sizeof *s);
    calendar_row *rows = calloc(CALENDAR_MAX_DAYS, sizeof *rows);
    int rc = -1, n = 0;
    if (!cc || !s || !rows) {
        log_error("out of memory reading the calendar");
        goto done;
    }
    pthread_mutex_init(&cc->lock, NULL);
    a->calendar = cc;
    if (!text) {
        log_error("cannot read %s (the public holidays of the legal time limits)", path);
        goto done;
    }
    int bad = workhours_cal_parse(text, &s->cal);
    if (bad != 0) {
        if (bad > 0)
            log_error("%s:%d: not a row 'YYYY-MM-DD<TAB>holiday|workday<TAB>name<TAB>basis'", path,
                      bad);
        goto done;
    }
    if (!a->st) { /* no database: the file's days */
        s->refs = 1;
        install(cc, s, (int64_t)time(NULL));
        s = NULL;
        rc = 0;
        goto done;
    }
    if (file_rows(text, rows, CALENDAR_MAX_DAYS, &n, svc_now()) != 0) {
        log_error("%s: a row without its name", path);
        goto done;
    }
    cc->file = rows;
    cc->n_file = n;
    rows = NULL;
    /* only the days the table lacks are written (none, usually: a database that may not be
     * written to, e.g. read-only, is then not touched at all) */
    load_ctx have = {calloc(CALENDAR_MAX_DAYS, sizeof *have.days),
                     calloc(CALENDAR_MAX_DAYS, sizeof *have.rows), 0};
    calendar_row *missing = calloc((size_t)(n ? n : 1), sizeof *missing);
    int n_missing = 0;
    if (!have.days || !have.rows || !missing || store_read(a->st, load_job, &have) != 0) {
        log_error("cannot read calendar_days");
        free(have.days);
        free(have.rows);
        free(missing);
        goto done;
    }
    for (int i = 0; i < n; i++)
        if (!day_listed(&have, cc->file[i].day))
            missing[n_missing++] = cc->file[i];
    free(have.days);
    free(have.rows);
    sync_ctx x = {missing, n_missing};
    int wrote = n_missing ? store_write(a->st, sync_job, &x) : 0;
    free(missing);
    if (wrote != 0) /* the snapshots count the file's days anyway */
        log_warn("cannot add the days of %s to calendar_days (read-only?): computing with the "
                 "file's days and the table's",
                 path);
    cc->has_store = 1;
    snapshot *t = snapshot_read(a);
    if (t) {
        install(cc, t, (int64_t)time(NULL));
        rc = 0;
    }
done:
    if (s) { /* the file's days, read to check the file (the table's snapshot replaces them) */
        workhours_cal_free(&s->cal);
        free(s);
    }
    free(rows);
    free(text);
    return rc;
}

void calendar_free(app *a)
{
    struct calendar_cache *cc = a->calendar;
    if (!cc)
        return;
    snapshot_unref(cc->cur);
    pthread_mutex_destroy(&cc->lock);
    free(cc->file);
    free(cc);
    a->calendar = NULL;
}

const workhours_cal *calendar_hold(app *a)
{
    struct calendar_cache *cc = a->calendar;
    if (!cc)
        return &no_days;
    int64_t now = (int64_t)time(NULL);
    pthread_mutex_lock(&cc->lock);
    if (cc->has_store && now - cc->loaded_at >= CALENDAR_TTL_S) {
        /* another process may have changed a day; a failed read keeps the last calendar */
        snapshot *s = snapshot_read(a);
        if (s)
            install(cc, s, now);
        else
            cc->loaded_at = now;
    }
    const workhours_cal *cal = &no_days;
    if (cc->cur) {
        cc->cur->refs++;
        cal = &cc->cur->cal;
    }
    pthread_mutex_unlock(&cc->lock);
    return cal;
}

void calendar_drop(app *a, const workhours_cal *cal)
{
    struct calendar_cache *cc = a->calendar;
    if (!cc || !cal || cal == &no_days)
        return;
    pthread_mutex_lock(&cc->lock);
    snapshot_unref((snapshot *)(void *)cal); /* cal is the snapshot's first member */
    pthread_mutex_unlock(&cc->lock);
}

/* ---- API ----------------------------------------------------------------------------------------
 */

static json_t *day_json(const calendar_row *r)
{
    char d[11];
    date_format(r->day, d);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "date", d, "kind", r->kind, "name", r->name,
                     "basis", r->basis, "status", r->status, "source", r->source, "updated_at",
                     json_timestamp(r->updated_at));
}

static int list_row(const calendar_row *r, void *ctx)
{
    json_array_append_new(ctx, day_json(r));
    return 0;
}

typedef struct list_ctx {
    date_ymd from, to;
    json_t *days;
} list_ctx;

static int list_job(db_conn *c, void *ctx)
{
    list_ctx *x = ctx;
    int rc = store_calendar_each(c, x->from, x->to, list_row, x->days);
    return rc < 0 ? rc : 0;
}

svc_reply svc_calendar_list(app *a, const char *from, const char *to)
{
    errs e;
    errs_init(&e);
    date_ymd today = svc_today();
    list_ctx x = {today / 10000 * 10000 + 101, today / 10000 * 10000 + 1231, NULL};
    if (from && date_parse(from, &x.from) != 0)
        errs_add(&e, "date", "/from", "from is a date YYYY-MM-DD");
    if (to && date_parse(to, &x.to) != 0)
        errs_add(&e, "date", "/to", "to is a date YYYY-MM-DD");
    if (!e.n && x.to < x.from)
        errs_add(&e, "period", "/to", "to is before from");
    if (e.n)
        return svc_errors(&e);
    x.days = json_array();
    if (store_read(a->st, list_job, &x) != 0) {
        json_decref(x.days);
        return svc_error(SVC_ERROR, "storage", "cannot read the calendar");
    }
    char f[11], t[11];
    date_format(x.from, f);
    date_format(x.to, t);
    svc_reply r = {.code = SVC_OK,
                   .body = json_pack("{s:s,s:s,s:o}", "from", f, "to", t, "days", x.days)};
    return r;
}

typedef struct put_ctx {
    const svc_req *req;
    calendar_row row;
    json_t *detail;
} put_ctx;

static int put_job(db_conn *c, void *ctx)
{
    put_ctx *x = ctx;
    calendar_row old;
    int rc = store_calendar_get(c, x->row.day, &old);
    if (rc < 0)
        return rc;
    if (rc == 1) /* what it was, in the audit trail */
        json_object_set_new(x->detail, "previous", day_json(&old));
    if ((rc = store_calendar_put(c, &x->row, 1)) != 0)
        return rc;
    return audit_log_append(c, "calendar", x->row.updated_at, x->req, "calendar.set", x->detail);
}

svc_reply svc_calendar_put(app *a, const svc_req *req, const char *date, const calendar_in *in,
                           errs *e)
{
    if (!svc_role_is(req, "admin"))
        return svc_error(SVC_FORBIDDEN, "forbidden",
                         "the working-day calendar is kept by the administration");
    if (svc_body_not_object(e))
        return svc_not_object();
    put_ctx x = {.req = req};
    if (date_parse(date, &x.row.day) != 0)
        errs_add(e, "date", "/date", "the day is a date YYYY-MM-DD");
    else if (in->kind[0] && !workhours_cal_kind_fits(x.row.day, in->kind))
        errs_add(e, "kind_date", "/kind",
                 "%s is a weekday: \"workday\" is for a Saturday or Sunday worked instead of "
                 "another day",
                 date);
    if (e->n)
        return svc_errors(e);
    snprintf(x.row.kind, sizeof x.row.kind, "%s", in->kind);
    snprintf(x.row.name, sizeof x.row.name, "%s", in->name);
    snprintf(x.row.basis, sizeof x.row.basis, "%s", in->basis);
    snprintf(x.row.status, sizeof x.row.status, "%s", in->status);
    snprintf(x.row.source, sizeof x.row.source, "administrator %s",
             req->user[0] ? req->user : req->party);
    x.row.updated_at = svc_now();
    x.detail = day_json(&x.row);
    if (store_write(a->st, put_job, &x) != 0) {
        json_decref(x.detail);
        return svc_error(SVC_ERROR, "storage", "cannot store the day");
    }
    /* this process computes with the new day at once */
    snapshot *s = snapshot_read(a);
    struct calendar_cache *cc = a->calendar;
    if (s && cc) {
        pthread_mutex_lock(&cc->lock);
        install(cc, s, (int64_t)time(NULL));
        pthread_mutex_unlock(&cc->lock);
    } else if (s) {
        snapshot_unref(s);
    }
    json_object_del(x.detail, "previous");
    svc_reply r = {.code = SVC_OK, .body = x.detail};
    return r;
}
