/* VASSCM: gate decisions for port operators, container history, customs holds.
 * A gate_out is allowed only for a manifested container, at its port of arrival, with
 * the manifest's seal, every declaration covering its bills of lading cleared, no open hold,
 * and not already out; an allowed gate_out moves those declarations to passed_supervision. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_inspection.h"
#include "codec/json_fields.h"
#include "codec/json_gate.h"
#include "core/codes.h"
#include "core/lifecycle.h"
#include "core/manifest.h"
#include "service/kernel.h"
#include "service/users.h"
#include "service/manifests.h"
#include "service/gate.h"
#include "store/store_manifest.h"
#include "store/store_reference.h"
#include "util/utf8.h"

#define MAX_ROWS 64
#define MAX_DECLS 64

static int live(int st)
{
    return st != ST_PROVISIONAL && st != ST_CANCELLED && st != ST_INVALIDATED && st != ST_EXPIRED &&
           st != ST_REJECTED;
}

/* ---- gate events ----------------------------------------------------------------------------- */

typedef struct gate_ctx {
    const svc_req *req;
    gate_type type;
    const char *container, *location, *seal;
    int64_t now;
    svc_reply reply;
} gate_ctx;

/* Moves a cleared declaration to passed_supervision (ACT_PASS_SUPERVISION) with its event and
 * an entry in its decisions list. */
static int pass_supervision(db_conn *c, gate_ctx *x, decl_row *cur, int64_t gate_id)
{
    decl_status to;
    if (lifecycle_next((decl_status)cur->status, (decl_channel)cur->channel, ACT_PASS_SUPERVISION,
                       &to) != 0)
        return 0;
    json_t *detail = json_pack("{s:s,s:s,s:I}", "container", x->container, "location", x->location,
                               "gate_event", (json_int_t)gate_id);
    json_t *decisions = cur->decisions ? json_loads(cur->decisions, 0, NULL) : NULL;
    if (!decisions)
        decisions = json_array();
    json_t *entry = json_deep_copy(detail);
    json_object_set_new(entry, "decision",
                        json_string(x->type == GATE_LOADED ? "loaded" : "gate_out"));
    json_object_set_new(entry, "action", json_string(lifecycle_action_name(ACT_PASS_SUPERVISION)));
    json_object_set_new(entry, "by", json_string(x->req->party));
    json_object_set_new(entry, "role", json_string(x->req->role));
    json_object_set_new(entry, "at", json_timestamp(x->now));
    json_array_append_new(decisions, entry);
    char *dtext = json_dumps(decisions, JSON_COMPACT);
    json_decref(decisions);
    decl_row next = *cur;
    next.status = to;
    next.updated_at = x->now;
    next.decisions = dtext;
    int rc = store_decl_set_state(c, &next);
    if (rc == 0) {
        char *d = json_dumps(svc_event_actor(x->req, detail), JSON_COMPACT);
        rc = store_event_append(c, cur->id, x->now, x->req->party, x->req->role,
                                lifecycle_action_name(ACT_PASS_SUPERVISION), cur->status, to, d);
        free(d);
    }
    if (rc == 0)
        cur->status = to;
    free(dtext);
    json_decref(detail);
    return rc;
}

static const char *type_name(gate_type t)
{
    return t == GATE_IN ? "gate_in" : t == GATE_OUT ? "gate_out" : "loaded";
}

/* The decision recorded as a gate event, the same for imports and exports: *rj gets its reasons
 * as a JSON array (the caller's, for the reply; set whatever happens), *g the row stored under the
 * next id. 0, or the DB_* error. */
static int put_gate_event(db_conn *c, const gate_ctx *x, const char *mid, int allow,
                          const char **reasons, int nr, json_t **rj, gate_row *g)
{
    *rj = json_array();
    for (int i = 0; i < nr; i++)
        json_array_append_new(*rj, json_string(reasons[i]));
    memset(g, 0, sizeof *g);
    g->id = store_sequence_next(c, "gate_event");
    if (g->id < 0)
        return (int)g->id;
    snprintf(g->container, sizeof g->container, "%s", x->container);
    snprintf(g->type, sizeof g->type, "%s", type_name(x->type));
    snprintf(g->location, sizeof g->location, "%s", x->location);
    snprintf(g->seal, sizeof g->seal, "%s", x->seal);
    snprintf(g->operator_party, sizeof g->operator_party, "%s", x->req->party);
    snprintf(g->manifest_id, sizeof g->manifest_id, "%s", mid);
    g->at = x->now;
    snprintf(g->decision, sizeof g->decision, "%s", allow ? "allow" : "deny");
    g->reasons = json_dumps(*rj, JSON_COMPACT);
    int rc = store_gate_put(c, g);
    free(g->reasons);
    g->reasons = NULL;
    return rc;
}

/* The gate event as decided (allow, reasons[0..nr)) recorded; when it is the one that takes the
 * goods out (leaving: GATE_OUT for imports, GATE_LOADED for exports) and allowed, the live
 * declarations of decls[0..nd) pass out of supervision; and the reply, saved for a replay:
 * {"decision", "reasons", "gate_event_id", "type", "container", "location", "direction" (when
 * given), "manifest", "declarations", "at"}. 0 or <0. */
static int record_gate_decision(db_conn *c, gate_ctx *x, const char *mid, int allow,
                                const char **reasons, int nr, decl_row *decls, int nd,
                                gate_type leaving, const char *direction)
{
    json_t *rj;
    gate_row g;
    int rc = put_gate_event(c, x, mid, allow, reasons, nr, &rj, &g);
    json_t *dj = json_array();
    for (int i = 0; i < nd && rc == 0; i++) {
        if (!live(decls[i].status))
            continue;
        if (allow && x->type == leaving)
            rc = pass_supervision(c, x, &decls[i], g.id);
        json_array_append_new(dj, json_pack("{s:s,s:s}", "number", decls[i].number, "status",
                                            decl_status_name((decl_status)decls[i].status)));
    }
    if (rc != 0) {
        json_decref(rj);
        json_decref(dj);
        return rc;
    }
    json_t *body = json_pack("{s:s,s:o,s:I,s:s,s:s,s:s}", "decision", allow ? "allow" : "deny",
                             "reasons", rj, "gate_event_id", (json_int_t)g.id, "type", g.type,
                             "container", x->container, "location", x->location);
    if (direction)
        json_object_set_new(body, "direction", json_string(direction));
    json_object_set_new(body, "manifest", mid[0] ? json_string(mid) : json_null());
    json_object_set_new(body, "declarations", dj);
    json_object_set_new(body, "at", json_timestamp(x->now));
    x->reply.code = SVC_OK;
    x->reply.body = body;
    return svc_idem_save(c, x->req, x->reply.code, x->reply.body, x->now);
}

/* Exports: a container on no inbound manifest, against the export declarations that
 * carry it. 1: handled (reply set); 0: no export declaration carries it (the caller goes on as for
 * imports); <0: storage error. */
static int export_gate(db_conn *c, gate_ctx *x, const char *mid, const char *manifest_seal)
{
    char ids[MAX_DECLS][33];
    decl_row decls[MAX_DECLS];
    int nd = 0, rc = store_decl_exports_by_container(c, x->container, ids, MAX_DECLS);
    if (rc < 0)
        return rc;
    if (rc == 0 && x->type != GATE_LOADED)
        return 0;
    gate_export_facts f = {.type = x->type,
                           .seal_mismatch = manifest_seal && strcmp(manifest_seal, x->seal) != 0};
    for (int i = 0; i < rc; i++) {
        decl_row *d = &decls[nd];
        memset(d, 0, sizeof *d);
        int k = store_decl_get(c, ids[i], d);
        if (k < 0) {
            rc = k;
            goto out;
        }
        if (k == 0)
            continue;
        nd++;
        if (!live(d->status))
            continue;
        json_t *doc = json_loads(d->doc, 0, NULL);
        const char *pol = json_string_value(
            json_object_get(json_object_get(doc, "transport"), "port_of_loading"));
        int here = pol && strncmp(pol, x->location, 5) == 0;
        json_decref(doc);
        if (!here) {
            f.n_elsewhere++;
            d->status = ST_CANCELLED; /* not this port's: left out below */
            continue;
        }
        f.n_decls++;
        if (d->status != ST_CLEARED && d->status != ST_PASSED)
            f.n_uncleared++;
    }
    if ((rc = store_gate_allowed_exists(c, x->container, mid, "gate_in")) < 0)
        goto out;
    f.gated_in = rc;
    if ((rc = store_gate_allowed_exists(c, x->container, mid, "loaded")) < 0)
        goto out;
    f.loaded = rc;
    if ((rc = store_hold_open_count(c, x->container)) < 0)
        goto out;
    f.holds_open = rc;
    const char *reasons[GATE_MAX_REASONS];
    int nr = 0, allow = gate_decide_export(&f, reasons, &nr);
    /* loaded onto the vessel: the goods have left customs' supervision area */
    rc = record_gate_decision(c, x, mid, allow, reasons, nr, decls, nd, GATE_LOADED, "export");
    rc = rc < 0 ? rc : 1;
out:
    for (int i = 0; i < nd; i++)
        decl_row_release(&decls[i]);
    return rc;
}

int svc_ctr_open_rows(db_conn *c, const char *container, mctr_row *rows, int max, int *n_all)
{
    int n = store_mctr_by_container(c, container, rows, max);
    if (n < 0)
        return n;
    *n_all = n;
    for (int i = 0; i < n; i++) {
        if (i > 0 && strcmp(rows[i].manifest_id, rows[i - 1].manifest_id) == 0)
            continue;
        int rc = store_gate_allowed_exists(c, container, rows[i].manifest_id, "gate_out");
        if (rc < 0)
            return rc;
        if (rc)
            return i; /* this manifest and every older one are closed */
    }
    return n;
}

static int gate_job(db_conn *c, void *ctx)
{
    gate_ctx *x = ctx;
    mctr_row rows[MAX_ROWS];
    decl_row decls[MAX_DECLS];
    int n_decls = 0, rc;
    gate_facts f = {.type = x->type};
    if (svc_idem_lookup(c, x->req, &x->reply))
        return 1;
    int n_all = 0;
    int n = svc_ctr_open_rows(c, x->container, rows, MAX_ROWS, &n_all);
    if (n < 0)
        return n;
    const char *mid = "";
    if (n == 0 && n_all > 0) {
        /* every manifest of the container is closed (it went out): judge on the newest */
        mid = rows[0].manifest_id;
        int k = 0;
        while (k < n_all && strcmp(rows[k].manifest_id, mid) == 0)
            k++;
        n = k;
        f.already_out = 1;
    }
    if (n > 0) {
        /* Every open manifest carrying the container counts, not only the newest: a second
         * carrier's manifest must not hide the first one's uncleared declarations and holds. */
        if (!mid[0])
            mid = rows[0].manifest_id;
        f.in_manifest = 1;
        f.port_ok = f.seal_ok = 1;
        for (int i = 0; i < n; i++) {
            f.port_ok &= strncmp(rows[i].port, x->location, 5) == 0;
            f.seal_ok &= strcmp(rows[i].seal, x->seal) == 0;
            if (i > 0 && strcmp(rows[i].manifest_id, rows[i - 1].manifest_id) == 0)
                continue;
            if (!f.already_in && (rc = store_gate_allowed_exists(
                                      c, x->container, rows[i].manifest_id, "gate_in")) != 0) {
                if (rc < 0)
                    return rc;
                f.already_in = 1;
            }
        }
    }
    if (x->type == GATE_IN ||
        x->type == GATE_LOADED) { /* an export container (outbound manifest or none)? */
        if ((rc = export_gate(c, x, mid, mid[0] ? rows[0].seal : NULL)) != 0)
            return rc < 0 ? rc : 0;
    }
    if ((rc = store_hold_open_count(c, x->container)) < 0)
        return rc;
    f.holds_open += rc;
    for (int i = 0; i < n; i++) {
        if ((rc = store_hold_open_count(c, rows[i].bl)) < 0)
            return rc;
        f.holds_open += rc;
        char ids[MAX_DECLS][33];
        int m = store_declbl_decls(c, rows[i].bl, ids, MAX_DECLS);
        if (m < 0)
            return m;
        int covered = 0;
        for (int j = 0; j < m; j++) {
            int dup = -1;
            for (int k = 0; k < n_decls; k++)
                if (strcmp(decls[k].id, ids[j]) == 0)
                    dup = k;
            if (dup >= 0) {
                covered |= live(decls[dup].status);
                continue;
            }
            if (n_decls == MAX_DECLS)
                break;
            decl_row *d = &decls[n_decls];
            memset(d, 0, sizeof *d);
            int k = store_decl_get(c, ids[j], d);
            if (k < 0) {
                rc = k;
                goto out;
            }
            if (k == 0)
                continue;
            n_decls++;
            if (!live(d->status))
                continue;
            covered = 1;
            f.n_decls++;
            if (d->status != ST_CLEARED && d->status != ST_PASSED) {
                /* goods released for storage pending an inspection result leave the port
                 * without being cleared (Decree 08/2015 Art. 32; service/inspection.c) */
                int stored = store_storage_release_get(c, d->id, NULL, 0, NULL);
                if (stored < 0) {
                    rc = stored;
                    goto out;
                }
                if (!stored)
                    f.n_uncleared++;
            }
        }
        if (!covered)
            f.n_bl_uncovered++;
    }
    const char *reasons[GATE_MAX_REASONS];
    int nr = 0;
    int allow = gate_decide(&f, reasons, &nr);
    rc = record_gate_decision(c, x, mid, allow, reasons, nr, decls, n_decls, GATE_OUT, NULL);
out:
    for (int i = 0; i < n_decls; i++)
        decl_row_release(&decls[i]);
    return rc;
}

typedef struct loc_ctx {
    const char *party;
    char locs[32][24];
    int n;
} loc_ctx;

static int loc_job(db_conn *c, void *ctx)
{
    loc_ctx *x = ctx;
    x->n = store_oploc_list(c, x->party, x->locs, 32);
    return x->n < 0 ? x->n : 0;
}

int svc_operator_at(app *a, const svc_req *req, const char *loc)
{
    loc_ctx lc = {.party = req->party};
    if (!loc || strlen(loc) < 5)
        return 0;
    if (store_read(a->st, loc_job, &lc) != 0)
        return -1;
    for (int i = 0; i < lc.n; i++)
        if (strncmp(lc.locs[i], loc, 5) == 0)
            return 1;
    return 0;
}

svc_reply svc_gate_event(app *a, const svc_req *req, const gate_event_in *in, errs *e)
{
    svc_reply r = {0};
    if (!svc_role_is(req, "port_operator"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only port operators report gate events");
    if (svc_write_answered(a, req, e, &r))
        return r;
    const char *loc = in->location;
    loc_ctx lc = {.party = req->party};
    if (store_read(a->st, loc_job, &lc) != 0)
        return svc_error(SVC_ERROR, "storage", "cannot read the operator's locations");
    int bound = 0;
    for (int i = 0; i < lc.n && !bound; i++)
        bound = manifest_location_covers(lc.locs[i], loc);
    if (!bound)
        return svc_error(SVC_FORBIDDEN, "location_forbidden",
                         "this port operator is not bound to that location");
    gate_ctx x = {.req = req,
                  .type = in->type,
                  .container = in->container,
                  .location = in->location,
                  .seal = in->seal,
                  .now = svc_now()};
    int rc = store_write(a->st, gate_job, &x);
    if (rc < 0) {
        json_decref(x.reply.body);
        if (rc == DB_CONSTRAINT)
            return svc_error(SVC_CONFLICT, "conflict", "a concurrent change conflicted; retry");
        return svc_error(SVC_ERROR, "storage", "the database refused the gate event");
    }
    return x.reply;
}

/* ---- container history ----------------------------------------------------------------------- */

typedef struct ctr_ctx {
    const char *number;
    const char *party;
    json_t *out;
    int visible;
    int customs; /* hold reasons (risk rule names) are for customs only */
    loc_ctx op;  /* a port operator's locations (op.party NULL otherwise) */
} ctr_ctx;

/* Does a port operator's binding cover the port (first 5 characters) of loc? */
static int op_covers(const loc_ctx *op, const char *loc)
{
    for (int i = 0; op->party && i < op->n; i++)
        if (strncmp(op->locs[i], loc, 5) == 0)
            return 1;
    return 0;
}

static int ctr_job(db_conn *c, void *ctx)
{
    ctr_ctx *x = ctx;
    mctr_row rows[MAX_ROWS];
    gate_row *gates = calloc(256, sizeof *gates);
    hold_row holds[32];
    if (!gates)
        return DB_ERR;
    int n = store_mctr_by_container(c, x->number, rows, MAX_ROWS);
    if (n < 0) {
        free(gates);
        return n;
    }
    json_t *man = json_array(), *decls = json_array(), *gj = json_array(), *hj = json_array();
    char seen[MAX_DECLS][33];
    int n_seen = 0;
    for (int i = 0; i < n; i++) {
        if ((x->party && strcmp(rows[i].carrier, x->party) == 0) || op_covers(&x->op, rows[i].port))
            x->visible = 1;
        json_array_append_new(man, json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}", "manifest",
                                             rows[i].manifest_id, "bill_of_lading", rows[i].bl,
                                             "seal", rows[i].seal, "port", rows[i].port, "carrier",
                                             rows[i].carrier, "submitted_at",
                                             json_timestamp(rows[i].created_at)));
        char ids[MAX_DECLS][33];
        int m = store_declbl_decls(c, rows[i].bl, ids, MAX_DECLS);
        for (int j = 0; j < m; j++) {
            int dup = 0;
            for (int k = 0; k < n_seen; k++)
                dup |= strcmp(seen[k], ids[j]) == 0;
            if (dup || n_seen == MAX_DECLS)
                continue;
            memcpy(seen[n_seen++], ids[j], 33);
            decl_row d;
            memset(&d, 0, sizeof d);
            if (store_decl_get_meta(c, ids[j], &d) == 1)
                json_array_append_new(decls,
                                      json_pack("{s:s,s:s,s:s}", "number", d.number, "status",
                                                decl_status_name((decl_status)d.status),
                                                "bill_of_lading", rows[i].bl));
            decl_row_release(&d);
        }
    }
    int ng = store_gate_list(c, x->number, gates, 256);
    const char *state = n ? "manifested" : "unknown";
    for (int i = 0; i < ng; i++) {
        json_t *rs = gates[i].reasons ? json_loads(gates[i].reasons, 0, NULL) : NULL;
        json_array_append_new(gj, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "id",
                                            (json_int_t)gates[i].id, "type", gates[i].type,
                                            "location", gates[i].location, "seal", gates[i].seal,
                                            "operator", gates[i].operator_party, "decision",
                                            gates[i].decision, "reasons", rs ? rs : json_array(),
                                            "at", json_timestamp(gates[i].at)));
        if (!strcmp(gates[i].decision, "allow"))
            state = !strcmp(gates[i].type, "gate_in") ? "in_port" : "gated_out";
        if (op_covers(&x->op, gates[i].location))
            x->visible = 1;
        free(gates[i].reasons);
    }
    int n_open = 0, n_all = 0; /* holds on the container, then on the bills of its open manifests */
    if (n > 0 && (n_open = svc_ctr_open_rows(c, x->number, rows, MAX_ROWS, &n_all)) == 0)
        while (n_open < n_all && strcmp(rows[n_open].manifest_id, rows[0].manifest_id) == 0)
            n_open++; /* gone out: the last manifest's */
    int err = n_open < 0 ? n_open : 0;
    for (int s = -1; s < n_open; s++) {
        int nh = store_hold_list(c, s < 0 ? x->number : rows[s].bl, holds, 32);
        for (int i = 0; i < nh; i++)
            json_array_append_new(hj, json_pack("{s:I,s:s,s:s,s:b}", "id", (json_int_t)holds[i].id,
                                                "subject", holds[i].subject, "reason",
                                                x->customs ? holds[i].reason : "customs hold",
                                                "open", holds[i].released_at == 0));
    }
    x->out = json_pack("{s:s,s:s,s:o,s:o,s:o,s:o}", "container", x->number, "state", state,
                       "manifests", man, "declarations", decls, "gate_events", gj, "holds", hj);
    free(gates);
    return ng < 0 ? ng : err;
}

svc_reply svc_container_get(app *a, const svc_req *req, const char *number)
{
    svc_reply r = {0};
    if (!codes_container_valid(number))
        return svc_error(SVC_NOT_FOUND, "not_found", "no such container");
    int privileged = svc_is_customs(req);
    ctr_ctx x = {.number = number,
                 .party = svc_role_is(req, "carrier") ? req->party : NULL,
                 .customs = svc_is_customs(req)};
    if (svc_role_is(req, "port_operator")) { /* its own locations' containers only */
        x.op.party = req->party;
        if (store_read(a->st, loc_job, &x.op) != 0)
            return svc_error(SVC_ERROR, "storage", "cannot read the operator's locations");
    }
    if (store_read(a->st, ctr_job, &x) != 0) {
        json_decref(x.out);
        return svc_error(SVC_ERROR, "storage", "cannot read the container");
    }
    if (!privileged && !x.visible) {
        json_decref(x.out);
        return svc_error(SVC_NOT_FOUND, "not_found", "no such container");
    }
    r.code = SVC_OK;
    r.body = x.out;
    return r;
}

/* ---- holds (customs) ------------------------------------------------------------------------- */

typedef struct hold_ctx {
    const svc_req *req;
    hold_row h;
    int64_t id;
    svc_reply reply;
} hold_ctx;

static json_t *hold_view(const hold_row *h)
{
    return json_pack("{s:I,s:s,s:s,s:s,s:o,s:b,s:o}", "id", (json_int_t)h->id, "subject",
                     h->subject, "reason", h->reason, "opened_by", h->opened_by, "opened_at",
                     json_timestamp(h->opened_at), "open", h->released_at == 0, "released_at",
                     h->released_at ? json_timestamp(h->released_at) : json_null());
}

static int hold_open_job(db_conn *c, void *ctx)
{
    hold_ctx *x = ctx;
    if (svc_idem_lookup(c, x->req, &x->reply))
        return 1;
    x->h.id = store_sequence_next(c, "hold");
    if (x->h.id < 0)
        return (int)x->h.id;
    int rc = store_hold_put(c, &x->h);
    if (rc == 0) {
        json_t *d = json_pack("{s:I,s:s,s:s}", "hold", (json_int_t)x->h.id, "subject", x->h.subject,
                              "reason", x->h.reason);
        rc = svc_audit_append(c, x->req, "holds", x->h.opened_at, "hold.open", d);
        json_decref(d);
    }
    if (rc == 0) {
        x->reply.code = SVC_CREATED;
        x->reply.body = hold_view(&x->h);
        rc = svc_idem_save(c, x->req, x->reply.code, x->reply.body, x->h.opened_at);
    }
    return rc;
}

svc_reply svc_hold_open(app *a, const svc_req *req, const hold_in *in, errs *e)
{
    svc_reply r = {0};
    if (!svc_role_is(req, "officer") && !svc_role_is(req, "risk_officer"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only customs officers open holds");
    if (e->n)
        return svc_error(SVC_INVALID, e->items[0].code, e->items[0].message);
    if (svc_idempotent_replay(a, req, &r))
        return r;
    hold_ctx x = {.req = req};
    snprintf(x.h.subject, sizeof x.h.subject, "%s", in->subject);
    utf8_snprintf(x.h.reason, sizeof x.h.reason, "%s", in->reason);
    snprintf(x.h.opened_by, sizeof x.h.opened_by, "%s", req->party);
    x.h.opened_at = svc_now();
    if (store_write(a->st, hold_open_job, &x) < 0) {
        json_decref(x.reply.body);
        return svc_error(SVC_ERROR, "storage", "cannot store the hold");
    }
    return x.reply;
}

static int hold_release_job(db_conn *c, void *ctx)
{
    hold_ctx *x = ctx;
    int rc = store_hold_get(c, x->id, &x->h);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        x->reply = svc_error(SVC_NOT_FOUND, "not_found", "no such hold");
        return 1;
    }
    if (x->h.released_at) {
        x->reply = svc_error(SVC_CONFLICT, "illegal_transition", "the hold is already released");
        return 1;
    }
    x->h.released_at = svc_now();
    snprintf(x->h.released_by, sizeof x->h.released_by, "%s", x->req->party);
    rc = store_hold_put(c, &x->h);
    if (rc == 0) {
        json_t *d = json_pack("{s:I,s:s}", "hold", (json_int_t)x->h.id, "subject", x->h.subject);
        rc = svc_audit_append(c, x->req, "holds", x->h.released_at, "hold.release", d);
        json_decref(d);
    }
    if (rc == 0) {
        x->reply.code = SVC_OK;
        x->reply.body = hold_view(&x->h);
    }
    return rc;
}

svc_reply svc_hold_release(app *a, const svc_req *req, const char *id)
{
    if (!svc_role_is(req, "officer") && !svc_role_is(req, "risk_officer"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only customs officers release holds");
    char *end;
    long long v = strtoll(id, &end, 10);
    if (*end || v <= 0)
        return svc_error(SVC_NOT_FOUND, "not_found", "no such hold");
    hold_ctx x = {.req = req, .id = v};
    if (store_write(a->st, hold_release_job, &x) < 0) {
        json_decref(x.reply.body);
        return svc_error(SVC_ERROR, "storage", "cannot release the hold");
    }
    return x.reply;
}

/* ---- officer's permission to re-manifest a container ----------------------------------------- */

typedef struct perm_ctx {
    svc_job job; /* first: request, now, reply */
    ctrperm_row p;
} perm_ctx;

static const svc_unknown_party unknown_carrier = {SVC_INVALID, "unknown_party", "",
                                                  "no such carrier"};

static int perm_job(db_conn *c, void *ctx)
{
    perm_ctx *x = ctx;
    int rc = svc_job_begin(c, &x->job, x->p.carrier, &unknown_carrier, NULL);
    if (rc != 0)
        return rc;
    x->p.id = store_sequence_next(c, "container_permission");
    if (x->p.id < 0)
        return (int)x->p.id;
    if ((rc = store_ctrperm_put(c, &x->p)) != 0)
        return rc;
    x->job.reply.code = SVC_CREATED;
    x->job.reply.body =
        json_pack("{s:I,s:s,s:s,s:s,s:s,s:o}", "id", (json_int_t)x->p.id, "container",
                  x->p.container, "carrier", x->p.carrier, "reason", x->p.reason, "granted_by",
                  x->p.granted_by, "granted_at", json_timestamp(x->p.granted_at));
    /* an officer's decision: audited with the person who took it */
    if ((rc = svc_audit_append(c, x->job.req, "container_permissions", x->p.granted_at,
                               "container.permit", x->job.reply.body)) != 0)
        return rc;
    return svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->p.granted_at);
}

svc_reply svc_container_permit(app *a, const svc_req *req, const char *number,
                               const container_permit_in *in, errs *e)
{
    svc_reply r = {0};
    if (!svc_role_is(req, "officer"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only customs officers decide on containers");
    if (!codes_container_valid(number))
        return svc_error(SVC_NOT_FOUND, "not_found", "no such container");
    if (e->n)
        return svc_errors(e);
    if (svc_idempotent_replay(a, req, &r))
        return r;
    perm_ctx x = {.job = svc_job_start(req)};
    snprintf(x.p.container, sizeof x.p.container, "%s", number);
    snprintf(x.p.carrier, sizeof x.p.carrier, "%s", in->carrier);
    snprintf(x.p.reason, sizeof x.p.reason, "%s", in->reason);
    snprintf(x.p.granted_by, sizeof x.p.granted_by, "%s", req->party);
    x.p.granted_at = svc_now();
    if (store_write(a->st, perm_job, &x) < 0) {
        json_decref(x.job.reply.body);
        return svc_error(SVC_ERROR, "storage", "cannot store the permission");
    }
    return x.job.reply;
}
