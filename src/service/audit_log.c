#include "service/audit_log.h"

#include <stdlib.h>
#include <string.h>

#include "codec/json_fields.h"
#include "service/internal.h"
#include "service/users.h"

#define AUDIT_MAX_EVENTS 5000

int audit_log_append(db_conn *c, const char *chain, int64_t at, const svc_req *by,
                     const char *action, json_t *detail)
{
    /* the person acting, when a person does: inside the MACed detail */
    json_t *who = by ? svc_event_actor(by, detail ? json_deep_copy(detail) : NULL) : NULL;
    json_t *use = who ? who : detail;
    char *d = use ? json_dumps(use, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(who);
    int rc = store_event_append(c, chain, at, by ? by->party : "SYSTEM", by ? by->role : "system",
                                action, 0, 0, d);
    free(d);
    return rc;
}

typedef struct alw_ctx {
    const char *chain, *action;
    int64_t at;
    const svc_req *by;
    json_t *detail;
} alw_ctx;

static int write_job(db_conn *c, void *ctx)
{
    alw_ctx *x = ctx;
    return audit_log_append(c, x->chain, x->at, x->by, x->action, x->detail);
}

int audit_log_write(app *a, const char *chain, int64_t at, const svc_req *by, const char *action,
                    json_t *detail)
{
    alw_ctx x = {chain, action, at, by, detail};
    return store_write(a->st, write_job, &x);
}

typedef struct alr_ctx {
    const char *chain;
    event_row *ev;
    int n;
} alr_ctx;

static int list_job(db_conn *c, void *ctx)
{
    alr_ctx *x = ctx;
    x->n = store_event_list(c, x->chain, x->ev, AUDIT_MAX_EVENTS);
    return x->n < 0 ? x->n : 0;
}

json_t *audit_log_events(app *a, const char *chain)
{
    alr_ctx x = {chain, calloc(AUDIT_MAX_EVENTS, sizeof(event_row)), 0};
    if (!x.ev)
        return NULL;
    if (store_read(a->st, list_job, &x) != 0) {
        free(x.ev);
        return NULL;
    }
    int n = x.n < AUDIT_MAX_EVENTS ? x.n : AUDIT_MAX_EVENTS;
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        event_row *e = &x.ev[i];
        json_t *d = e->detail ? json_loads(e->detail, 0, NULL) : NULL;
        json_array_append_new(arr, json_pack("{s:i,s:o,s:s,s:s,s:s,s:o,s:s}", "seq", e->seq, "at",
                                             json_timestamp(e->at), "actor", e->actor, "role",
                                             e->role, "action", e->action, "detail",
                                             d ? d : json_null(), "hash", e->hash));
        free(e->detail);
    }
    free(x.ev);
    return arr;
}

svc_reply svc_audit_chain(app *a, const svc_req *req, const char *chain)
{
    if (!svc_is_customs(req))
        return svc_error(SVC_FORBIDDEN, "forbidden", "the administration's audit is for customs");
    if (!chain || !*chain || strlen(chain) > 32)
        return svc_error(SVC_INVALID, "required",
                         "chain is a name such as invalidation, exchange_rates, "
                         "customs_offices or audit:<case>");
    /* declaration chains are read through their declaration (visibility rules apply there) */
    if (strspn(chain, "0123456789abcdef") == strlen(chain))
        return svc_error(SVC_NOT_FOUND, "not_found", "no such audit chain");
    json_t *ev = audit_log_events(a, chain);
    if (!ev)
        return svc_error(SVC_ERROR, "storage", "cannot read the audit chain");
    svc_reply r = {.code = SVC_OK, .body = json_pack("{s:s,s:o}", "chain", chain, "events", ev)};
    return r;
}
