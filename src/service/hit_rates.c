/* Selectivity hit rates (service/hit_rates.h). One pass over the period's selections
 * (risk_selections, schema migration 14: a row per declaration and source, written with its
 * risk decision), each with its declaration's outcome. */
#include "service/hit_rates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/kernel.h"
#include "store/store.h"
#include "store/store_hit_rates.h"
#include "util/date.h"

#define MAX_GROUPS (APP_MAX_RULES + 64)
#define MAX_DAYS 366
#define DEFAULT_DAYS 30

typedef struct hit_group {
    char source[24]; /* the reason's code: rule, model, exploration, compliance, random, ... */
    int64_t ref;     /* rule id or model version; 0 for the others */
    int64_t selections, decided, violations;
} hit_group;

typedef struct hit_ctx {
    int64_t from, to;
    hit_group all;
    hit_group *groups;
    int n_groups;
    int64_t registered; /* declarations registered in the period, every channel */
    risk_rule *rules;   /* the rules as they are now, for their names */
    int n_rules;
    int full;
} hit_ctx;

static hit_group *group_of(hit_ctx *x, const char *source, int64_t ref)
{
    for (int i = 0; i < x->n_groups; i++)
        if (x->groups[i].ref == ref && !strcmp(x->groups[i].source, source))
            return &x->groups[i];
    if (x->n_groups == MAX_GROUPS) {
        x->full = 1;
        return NULL;
    }
    hit_group *g = &x->groups[x->n_groups++];
    memset(g, 0, sizeof *g);
    snprintf(g->source, sizeof g->source, "%s", source);
    g->ref = ref;
    return g;
}

static void count(hit_group *g, int outcome)
{
    g->selections++;
    g->decided += outcome >= 0;
    g->violations += outcome == 1;
}

static int on_row(void *ctx, int first, const char *source, int64_t ref, int outcome)
{
    hit_ctx *x = ctx;
    if (first)
        count(&x->all, outcome);
    hit_group *g = group_of(x, source, ref);
    if (g)
        count(g, outcome);
    return 0;
}

static int scan_job(db_conn *c, void *ctx)
{
    hit_ctx *x = ctx;
    int n = store_rule_list(c, x->rules, APP_MAX_RULES);
    if (n < 0)
        return n;
    x->n_rules = n;
    if ((x->registered = store_registered_count(c, x->from, x->to)) < 0)
        return (int)x->registered;
    return store_hit_rates_scan(c, x->from, x->to, on_row, x);
}

/* rules by id, the model by version, then the other sources by name */
static int source_rank(const char *s)
{
    return !strcmp(s, "rule") ? 0 : !strcmp(s, "model") ? 1 : !strcmp(s, "exploration") ? 2 : 3;
}

static int cmp_group(const void *pa, const void *pb)
{
    const hit_group *a = pa, *b = pb;
    int ra = source_rank(a->source), rb = source_rank(b->source);
    if (ra != rb)
        return ra - rb;
    int s = strcmp(a->source, b->source);
    if (s)
        return s;
    return a->ref < b->ref ? -1 : a->ref > b->ref;
}

/* share: of the period's registered declarations, how many this source selected (its weight in
 * the officers' work); hit rate: of those decided, how many had a violation */
static json_t *figures(const hit_group *g, int64_t registered, json_t *o)
{
    char buf[16];
    json_object_set_new(o, "selections", json_integer(g->selections));
    if (registered)
        snprintf(buf, sizeof buf, "%.1f", 100.0 * (double)g->selections / (double)registered);
    json_object_set_new(o, "share_percent", registered ? json_string(buf) : json_null());
    json_object_set_new(o, "decided", json_integer(g->decided));
    json_object_set_new(o, "violations", json_integer(g->violations));
    if (g->decided)
        snprintf(buf, sizeof buf, "%.1f", 100.0 * (double)g->violations / (double)g->decided);
    json_object_set_new(o, "hit_rate_percent", g->decided ? json_string(buf) : json_null());
    return o;
}

static json_t *group_json(const hit_ctx *x, const hit_group *g)
{
    json_t *o = json_pack("{s:s}", "source", g->source);
    if (!strcmp(g->source, "rule")) {
        const char *name = NULL;
        for (int i = 0; i < x->n_rules && !name; i++)
            if (x->rules[i].id == g->ref)
                name = x->rules[i].name;
        json_object_set_new(o, "rule_id", json_integer(g->ref));
        json_object_set_new(o, "rule_name", name ? json_string(name) : json_null());
    } else if (!strcmp(g->source, "model") || !strcmp(g->source, "exploration")) {
        json_object_set_new(o, "model_version", g->ref ? json_integer(g->ref) : json_null());
    }
    return figures(g, x->registered, o);
}

svc_reply svc_risk_hit_rates(app *a, const svc_req *req, const char *from, const char *to)
{
    if (!svc_role_is(req, "risk_officer") && !svc_role_is(req, "admin") &&
        !svc_role_is(req, "manager"))
        return svc_error(SVC_FORBIDDEN, "forbidden",
                         "hit rates are for risk officers, managers and administrators");
    errs e;
    errs_init(&e);
    date_ymd df = 0, dt = 0;
    int have_from = from && *from, have_to = to && *to;
    if (have_from && date_parse(from, &df) != 0)
        errs_add(&e, "date", "/from", "from is a date YYYY-MM-DD");
    if (have_to && date_parse(to, &dt) != 0)
        errs_add(&e, "date", "/to", "to is a date YYYY-MM-DD");
    if (have_from != have_to)
        errs_add(&e, "required", have_from ? "/to" : "/from",
                 "a period has both from and to (or neither: the last %d days)", DEFAULT_DAYS);
    if (!e.n && !have_from) {
        dt = date_legal(svc_now());
        df = date_add_days(dt, -(DEFAULT_DAYS - 1));
    }
    if (!e.n) {
        int32_t days = date_diff_days(df, dt);
        if (days < 0)
            errs_add(&e, "range", "/to", "to is on or after from");
        else if (days >= MAX_DAYS)
            errs_add(&e, "range", "/to", "a period has at most %d days", MAX_DAYS);
    }
    if (e.n)
        return svc_errors(&e);
    svc_reply r = {0};
    hit_ctx *x = calloc(1, sizeof *x);
    if (!x || !(x->groups = calloc(MAX_GROUPS, sizeof *x->groups)) ||
        !(x->rules = calloc(APP_MAX_RULES, sizeof *x->rules))) {
        r = svc_error(SVC_ERROR, "internal", "out of memory");
        goto out;
    }
    x->from = date_legal_start(df);
    x->to = date_legal_end(dt) + 1;
    if (store_read(a->st, scan_job, x) != 0 || x->full) {
        r = svc_error(SVC_ERROR, "storage", "cannot read the period's selections");
        goto out;
    }
    qsort(x->groups, (size_t)x->n_groups, sizeof *x->groups, cmp_group);
    json_t *items = json_array();
    for (int i = 0; i < x->n_groups; i++)
        json_array_append_new(items, group_json(x, &x->groups[i]));
    char fb[11], tb[11];
    date_format(df, fb);
    date_format(dt, tb);
    r.code = SVC_OK;
    r.body = json_pack("{s:s,s:s,s:s,s:I,s:o,s:o}", "from", fb, "to", tb, "time_zone",
                       "Asia/Ho_Chi_Minh", "registered", (json_int_t)x->registered, "all",
                       figures(&x->all, x->registered, json_object()), "items", items);
out:
    if (x) {
        free(x->groups);
        free(x->rules);
    }
    free(x);
    return r;
}
