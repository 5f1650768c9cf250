/* Administration use cases of the command line (admin.h). */
#include "service/admin.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "codec/json_fields.h"
#include "service/kernel.h"
#include "service/mandates.h"
#include "service/users.h"
#include "store/store_manifest.h"
#include "store/store_payments.h"
#include "store/store_permits.h"
#include "store/store_risk.h"
#include "store/store_users.h"
#include "util/decimal.h"
#include "util/rand.h"

svc_req svc_admin_cli(void)
{
    svc_req r = {.party = "0000000000", .role = "admin"};
    return r;
}

/* ---- db init ------------------------------------------------------------------------------ */

typedef struct init_ctx {
    const char *data_dir;
    int demo;
    int n_fx;
} init_ctx;

/* The demo exchange rates: currency, VND per unit, valid from, valid to, source (TSV). */
static int seed_fx(db_conn *c, init_ctx *x)
{
    char path[1024], line[512];
    snprintf(path, sizeof path, "%s/tax/exchange_rates_demo.tsv", x->data_dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "warning: %s not found; no exchange rates seeded\n", path);
        return 0;
    }
    int header = 1;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (header) {
            header = 0;
            continue;
        }
        line[strcspn(line, "\r\n")] = 0;
        char *cols[5] = {0};
        char *p = line;
        for (int i = 0; i < 5 && p; i++) {
            cols[i] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = 0;
        }
        fx_row r = {0};
        if (!cols[4] || strlen(cols[0]) != 3 ||
            decimal_parse(cols[1], DECIMAL_SCALE_FX, 0, &r.vnd_per_unit) != 0 ||
            date_parse(cols[2], &r.valid_from) != 0 || date_parse(cols[3], &r.valid_to) != 0)
            continue;
        memcpy(r.currency, cols[0], 4);
        snprintf(r.source, sizeof r.source, "%s", cols[4]);
        if (store_fx_put(c, &r) == 0)
            x->n_fx++;
    }
    fclose(f);
    return 0;
}

static int init_job(db_conn *c, void *ctx)
{
    init_ctx *x = ctx;
    party customs = {.tax_code = "0000000000",
                     .name = "General Department of Vietnam Customs",
                     .status = "active",
                     .compliance = 1,
                     .kind = "customs"};
    int rc = store_party_put(c, &customs);
    if (rc || !x->demo)
        return rc;
    if (seed_fx(c, x) != 0)
        return -1;
    static const party demo[] = {
        {"0101234567", "Hanoi Electronics Import JSC", "active", 0, 2, 0, "enterprise"},
        {"0301234568", "Saigon Logistics Brokerage Co", "active", 0, 1, 0, "enterprise"},
        {"0201234569", "Haiphong Priority Manufacturing (AEO)", "active", 1, 1, 0, "enterprise"},
        {"0401234560", "Danang Suspended Trading Co", "suspended", 0, 3, 0, "enterprise"},
        {"0501234561", "Can Tho Overdue Debt Co", "active", 0, 3, 120, "enterprise"},
    };
    for (size_t i = 0; i < sizeof demo / sizeof *demo && rc == 0; i++)
        rc = store_party_put(c, &demo[i]);
    /* licensing and inspection agencies connected to the single window, so that the specialised
     * inspection flow can be seen: MARD quarantine, MOIT quality inspection, MOT
     * vehicle certification */
    static const party agencies[] = {
        {"0100200001", "Department of Animal Health and Plant Protection (MARD)", "active", 0, 1, 0,
         "agency"},
        {"0100200002", "MOIT Quality Inspection", "active", 0, 1, 0, "agency"},
        {"0100200003", "Vietnam Register (MOT)", "active", 0, 1, 0, "agency"},
    };
    static const char *const agency_codes[] = {"MARD", "MOIT", "MOT"};
    for (size_t i = 0; i < sizeof agencies / sizeof *agencies && rc == 0; i++)
        if ((rc = store_party_put(c, &agencies[i])) == 0)
            rc = store_agency_bind(c, agencies[i].tax_code, agency_codes[i]);
    /* a few risk rules a customs risk office would start with */
    static const risk_rule rules[] = {
        {.id = 1,
         .name = "Used vehicles: physical inspection",
         .hs_prefix = "8703",
         .action = CH_RED,
         .priority = 100,
         .active = 1},
        {.id = 2,
         .name = "Scrap imports (Decision 73/2014): documents",
         .hs_prefix = "7204",
         .action = CH_YELLOW,
         .priority = 80,
         .active = 1},
        {.id = 3,
         .name = "Undervalued phones (< 1,000,000 VND/unit)",
         .hs_prefix = "851713",
         .max_unit_value_vnd = 1000000,
         .action = CH_RED,
         .priority = 90,
         .active = 1},
        {.id = 4,
         .name = "High-value consignments (>= 20 bn VND): documents",
         .min_value_vnd = 20000000000LL,
         .action = CH_YELLOW,
         .priority = 10,
         .active = 1},
    };
    for (size_t i = 0; i < sizeof rules / sizeof *rules && rc == 0; i++)
        rc = store_rule_put(c, &rules[i]);
    /* With the rules above (rare on ordinary cargo) these give about Vietnam's channel mix,
     * ~58 % green, 37 % yellow, 5 % red (2017), on `ecustoms load` and `db seed` traffic
     * (docs/performance.md reports the mix of every benchmark) */
    if (rc == 0)
        rc = store_setting_put(c, "risk.random_red_ppm", "30000"); /* 3 % */
    if (rc == 0)
        rc = store_setting_put(c, "risk.random_yellow_ppm", "350000"); /* 35 % */
    return rc;
}

/* A storage failure as an outcome. */
static svc_code stored(int rc)
{
    return rc == 0 ? SVC_OK : rc == DB_CONSTRAINT ? SVC_CONFLICT : SVC_ERROR;
}

svc_code svc_admin_db_init(store *st, const svc_req *req, const char *data_dir, int demo, int *n_fx)
{
    if (!svc_role_is(req, "admin"))
        return SVC_FORBIDDEN;
    init_ctx x = {.data_dir = data_dir, .demo = demo};
    int rc = store_write(st, init_job, &x);
    *n_fx = x.n_fx;
    return stored(rc);
}

/* ---- parties and tokens ------------------------------------------------------------------- */

/* The audit event of a change of the administration's tables, in the change's transaction. */
static int admin_audit(db_conn *c, const svc_req *req, const char *chain, const char *action,
                       json_t *detail)
{
    int rc = svc_audit_append(c, req, chain, svc_now(), action, detail);
    json_decref(detail);
    return rc;
}

static json_t *party_json(const party *p)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:b,s:i,s:i}", "tax_code", p->tax_code, "name", p->name,
                     "status", p->status, "kind", p->kind, "aeo", p->aeo, "compliance",
                     p->compliance, "overdue_debt_days", p->overdue_debt_days);
}

typedef struct party_ctx {
    const svc_req *req;
    const party *p;
} party_ctx;

static int party_put_job(db_conn *c, void *ctx)
{
    party_ctx *x = ctx;
    int rc = store_party_put(c, x->p);
    return rc ? rc : admin_audit(c, x->req, "parties", "party.put", party_json(x->p));
}

svc_code svc_admin_party_put(store *st, const svc_req *req, const party *p)
{
    if (!svc_role_is(req, "admin"))
        return SVC_FORBIDDEN;
    party_ctx x = {req, p};
    return stored(store_write(st, party_put_job, &x));
}

/* A token is named in the audit trail by the start of its hash: enough to tell tokens apart,
 * nothing that lets anyone use it. */
static json_t *token_json(const char *hash, const char *party_code, const char *role,
                          const char *user, int64_t expires_at)
{
    char id[13];
    snprintf(id, sizeof id, "%.12s", hash);
    json_t *o = json_pack("{s:s,s:s,s:s}", "token", id, "party", party_code, "role", role);
    if (user && user[0])
        json_object_set_new(o, "for_user", json_string(user));
    if (expires_at)
        json_object_set_new(o, "expires_at", json_timestamp(expires_at));
    return o;
}

typedef struct token_ctx {
    const svc_req *req;
    const char *party;
    const char *role;
    const char *location; /* port operator: UN/LOCODE[-terminal] it is bound to */
    int64_t expires_at;   /* 0: never */
    char *token;
    int found;
} token_ctx;

static int token_job(db_conn *c, void *ctx)
{
    token_ctx *x = ctx;
    party p;
    char hash[65];
    x->found = store_party_get(c, x->party, &p);
    if (x->found != 1)
        return x->found < 0 ? x->found : 1;
    if (rand_hex(x->token, 24) != 0)
        return DB_ERR; /* never a token from a failed generator */
    svc_sha256_hex(x->token, 48, hash);
    int rc = store_token_put(c, hash, x->party, x->role);
    if (rc == 0 && x->location)
        rc = store_oploc_put(c, x->party, x->location);
    if (rc == 0 && x->expires_at)
        rc = store_token_owner_put(c, hash, "", x->expires_at);
    if (rc)
        return rc;
    json_t *d = token_json(hash, x->party, x->role, NULL, x->expires_at);
    if (x->location)
        json_object_set_new(d, "location", json_string(x->location));
    return admin_audit(c, x->req, "tokens", "token.create", d);
}

svc_code svc_admin_token_create(store *st, const svc_req *req, const char *party_code,
                                const char *role, const char *location, int64_t expires_at,
                                char out[65])
{
    if (!svc_role_is(req, "admin"))
        return SVC_FORBIDDEN;
    token_ctx x = {.req = req,
                   .party = party_code,
                   .role = role,
                   .location = location,
                   .expires_at = expires_at,
                   .token = out};
    out[0] = 0;
    int rc = store_write(st, token_job, &x);
    if (x.found == 0)
        return SVC_NOT_FOUND;
    return stored(rc);
}

/* ---- banks and agencies ------------------------------------------------------------------- */

typedef struct bank_key_ctx {
    const svc_req *req;
    const char *party;
    const char *pem;
    int64_t now;
    int found, not_bank;
} bank_key_ctx;

static int bank_key_job(db_conn *c, void *ctx)
{
    bank_key_ctx *x = ctx;
    party p;
    x->found = store_party_get(c, x->party, &p);
    if (x->found != 1)
        return x->found < 0 ? x->found : 1;
    if (strcmp(p.kind, "bank") != 0) {
        x->not_bank = 1;
        return 1;
    }
    int rc = store_bank_key_put(c, x->party, x->pem, x->now);
    if (rc)
        return rc;
    char fp[65]; /* the key is public; its fingerprint names it */
    svc_sha256_hex(x->pem, strlen(x->pem), fp);
    return admin_audit(c, x->req, "bank_keys", "bank_key.put",
                       json_pack("{s:s,s:s}", "party", x->party, "pem_sha256", fp));
}

svc_code svc_admin_bank_key_put(store *st, const svc_req *req, const char *party_code,
                                const char *pem)
{
    if (!svc_role_is(req, "admin"))
        return SVC_FORBIDDEN;
    bank_key_ctx x = {.req = req, .party = party_code, .pem = pem, .now = svc_now()};
    int rc = store_write(st, bank_key_job, &x);
    if (x.found == 0)
        return SVC_NOT_FOUND;
    if (x.not_bank)
        return SVC_CONFLICT;
    return stored(rc);
}

typedef struct bind_ctx {
    const svc_req *req;
    const char *party;
    const char *agency;
    int found;
} bind_ctx;

static int bind_job(db_conn *c, void *ctx)
{
    bind_ctx *x = ctx;
    party p;
    x->found = store_party_get(c, x->party, &p);
    if (x->found != 1)
        return x->found < 0 ? x->found : 1;
    int rc = store_agency_bind(c, x->party, x->agency);
    return rc ? rc
              : admin_audit(c, x->req, "agencies", "agency.bind",
                            json_pack("{s:s,s:s}", "party", x->party, "agency", x->agency));
}

svc_code svc_admin_agency_bind(store *st, const svc_req *req, const char *party_code,
                               const char *agency)
{
    if (!svc_role_is(req, "admin"))
        return SVC_FORBIDDEN;
    bind_ctx x = {.req = req, .party = party_code, .agency = agency};
    int rc = store_write(st, bind_job, &x);
    if (x.found == 0)
        return SVC_NOT_FOUND;
    return stored(rc);
}

/* ---- learned selectivity ------------------------------------------------------------------ */

typedef struct import_ctx {
    const svc_req *req;
    const risk_csv_row *rows;
    size_t n;
    int outcomes;
    size_t duplicates;
    char *first_duplicate;
} import_ctx;

static int import_job(db_conn *c, void *ctx)
{
    import_ctx *x = ctx;
    for (size_t i = 0; i < x->n; i++) {
        const risk_csv_row *r = &x->rows[i];
        int rc = store_risk_facts_put(c, &r->fact, 1);
        if (rc == DB_CONSTRAINT) {
            if (!x->duplicates++)
                snprintf(x->first_duplicate, 33, "%s", r->fact.decl_id);
            continue;
        }
        if (rc != 0)
            return rc;
        if (x->outcomes && (rc = store_risk_outcome_put(c, r->fact.decl_id, r->outcome_at, r->fraud,
                                                        r->critical, 0, "import")) < 0)
            return rc;
    }
    /* a declaration loaded twice is refused whole: nothing half-imported */
    if (x->duplicates)
        return 1;
    return admin_audit(
        c, x->req, "risk_model", "history.import",
        json_pack("{s:I,s:b}", "declarations", (json_int_t)x->n, "outcomes", x->outcomes));
}

svc_code svc_admin_risk_import(store *st, const svc_req *req, const risk_csv_row *rows, size_t n,
                               int outcomes, size_t *duplicates, char first_duplicate[33])
{
    if (!svc_role_is(req, "admin"))
        return SVC_FORBIDDEN;
    import_ctx x = {
        .req = req, .rows = rows, .n = n, .outcomes = outcomes, .first_duplicate = first_duplicate};
    first_duplicate[0] = 0;
    int rc = store_write(st, import_job, &x);
    *duplicates = x.duplicates;
    if (x.duplicates)
        return SVC_CONFLICT;
    return stored(rc);
}

typedef struct activate_ctx {
    const svc_req *req;
    int64_t version;
    int result;
} activate_ctx;

static int activate_job(db_conn *c, void *ctx)
{
    activate_ctx *x = ctx;
    x->result = store_risk_model_activate(c, x->version);
    if (x->result <= 0)
        return x->result < 0 ? x->result : 0;
    return admin_audit(c, x->req, "risk_model", "model.activate",
                       json_pack("{s:I}", "version", (json_int_t)x->version));
}

svc_code svc_admin_risk_activate(store *st, const svc_req *req, int64_t version)
{
    if (!svc_role_is(req, "admin"))
        return SVC_FORBIDDEN;
    activate_ctx x = {.req = req, .version = version};
    int rc = store_write(st, activate_job, &x);
    if (rc != 0)
        return stored(rc);
    return x.result == 0 ? SVC_NOT_FOUND : SVC_OK;
}

/* ---- people's tokens, revocation ------------------------------------------------------------ */

typedef struct user_token_ctx {
    const svc_req *req;
    const char *username, *role, *party;
    int64_t expires_at;
    char *token;
    const char *problem; /* why no token was made */
} user_token_ctx;

static int user_token_job(db_conn *c, void *ctx)
{
    user_token_ctx *x = ctx;
    user_row u;
    int found = store_user_get(c, x->username, &u);
    if (found != 1) {
        x->problem = found < 0 ? NULL : "no such user (add one with `ecustoms user add`)";
        return found < 0 ? found : 1;
    }
    /* which role: the one asked for (held by the person), else the person's only role */
    const char *role = NULL;
    for (int i = 0; i < u.n_roles; i++)
        if (x->role ? !strcmp(x->role, u.roles[i]) : u.n_roles == 1)
            role = u.roles[i];
    if (!role) {
        x->problem = x->role ? "the user does not hold this role"
                             : "the user holds several roles: choose one with --role";
        return 1;
    }
    if (x->party && strcmp(x->party, u.party)) {
        x->problem = "--party differs from the user's party";
        return 1;
    }
    char hash[65];
    if (rand_hex(x->token, 24) != 0)
        return DB_ERR; /* never a token from a failed generator */
    svc_sha256_hex(x->token, 48, hash);
    int rc = store_token_put(c, hash, u.party, role);
    if (rc == 0)
        rc = store_token_owner_put(c, hash, x->username, x->expires_at);
    return rc ? rc
              : admin_audit(c, x->req, "tokens", "token.create",
                            token_json(hash, u.party, role, x->username, x->expires_at));
}

svc_code svc_admin_token_for_user(store *st, const svc_req *req, const char *username,
                                  const char *role, const char *party_code, int64_t expires_at,
                                  char out[65], const char **problem)
{
    if (!svc_role_is(req, "admin"))
        return SVC_FORBIDDEN;
    user_token_ctx x = {.req = req,
                        .username = username,
                        .role = role,
                        .party = party_code,
                        .expires_at = expires_at,
                        .token = out};
    out[0] = 0;
    int rc = store_write(st, user_token_job, &x);
    *problem = x.problem;
    return x.problem ? SVC_INVALID : stored(rc);
}

typedef struct revoke_ctx {
    const svc_req *req;
    char hash[65];
    int found;
} revoke_ctx;

static int revoke_job(db_conn *c, void *ctx)
{
    revoke_ctx *x = ctx;
    x->found = store_token_delete(c, x->hash);
    if (x->found != 1)
        return x->found < 0 ? x->found : 0;
    char id[13];
    snprintf(id, sizeof id, "%.12s", x->hash);
    return admin_audit(c, x->req, "tokens", "token.revoke", json_pack("{s:s}", "token", id));
}

svc_code svc_admin_token_revoke(store *st, const svc_req *req, const char *token)
{
    if (!svc_role_is(req, "admin"))
        return SVC_FORBIDDEN;
    revoke_ctx x = {.req = req};
    svc_sha256_hex(token, strlen(token), x.hash);
    int rc = store_write(st, revoke_job, &x);
    if (rc == 0 && x.found == 0)
        return SVC_NOT_FOUND;
    return stored(rc);
}

/* ---- mandates from the administration's desk ------------------------------------------------ */

typedef struct mandate_ctx {
    const svc_req *req;
    mandate_row *m;
    const char *enterprise, *declarant;
    int n;
} mandate_ctx;

/* 1 when both parties exist, 0 when one does not, <0 on a storage error. */
static int both_parties(db_conn *c, const char *a, const char *b)
{
    party p;
    int rc = store_party_get(c, a, &p);
    return rc == 1 ? store_party_get(c, b, &p) : rc;
}

static int mandate_grant_job(db_conn *c, void *ctx)
{
    mandate_ctx *x = ctx;
    int rc = both_parties(c, x->m->enterprise, x->m->declarant);
    if (rc != 1)
        return rc < 0 ? rc : 1;
    if ((x->m->id = store_sequence_next(c, "mandate")) < 0)
        return (int)x->m->id;
    if ((rc = store_mandate_put(c, x->m)) != 0)
        return rc;
    x->n = 1;
    return admin_audit(c, x->req, "mandates", "mandate.grant", svc_mandate_view(x->m));
}

svc_code svc_admin_mandate_grant(store *st, const svc_req *req, mandate_row *m)
{
    if (!svc_role_is(req, "admin"))
        return SVC_FORBIDDEN;
    mandate_ctx x = {.req = req, .m = m};
    int rc = store_write(st, mandate_grant_job, &x);
    return rc == 1 ? SVC_NOT_FOUND : stored(rc);
}

static int mandate_revoke_job(db_conn *c, void *ctx)
{
    mandate_ctx *x = ctx;
    mandate_row rows[64];
    int n = store_mandate_list(c, x->enterprise, x->declarant, rows, 64);
    for (int i = 0; i < n; i++) {
        if (rows[i].revoked_at)
            continue;
        rows[i].revoked_at = svc_now();
        snprintf(rows[i].revoked_by, sizeof rows[i].revoked_by, "%s", x->req->party);
        int rc = store_mandate_put(c, &rows[i]);
        if (rc == 0)
            rc = admin_audit(c, x->req, "mandates", "mandate.revoke", svc_mandate_view(&rows[i]));
        if (rc)
            return rc;
        x->n++;
    }
    return n < 0 ? n : 0;
}

svc_code svc_admin_mandate_revoke(store *st, const svc_req *req, const char *enterprise,
                                  const char *declarant, int *n)
{
    if (!svc_role_is(req, "admin"))
        return SVC_FORBIDDEN;
    mandate_ctx x = {.req = req, .enterprise = enterprise, .declarant = declarant};
    int rc = store_write(st, mandate_revoke_job, &x);
    *n = x.n;
    return stored(rc);
}

/* ---- the demo people's parties ------------------------------------------------------------- */

static int demo_parties_job(db_conn *c, void *ctx)
{
    static const party ps[] = {
        {"0100112437", "Joint Stock Commercial Bank for Foreign Trade of Vietnam", "active", 0, 1,
         0, "bank"},
        {"0901234565", "Vietnam Ocean Shipping Lines", "active", 0, 1, 0, "carrier"},
        {"0921234567", "Hai Phong Container Terminal", "active", 0, 1, 0, "port_operator"},
    };
    const svc_req *req = ctx;
    int rc = 0;
    for (size_t i = 0; i < sizeof ps / sizeof *ps && rc == 0; i++)
        if ((rc = store_party_put(c, &ps[i])) == 0)
            rc = admin_audit(c, req, "parties", "party.put", party_json(&ps[i]));
    return rc ? rc : store_oploc_put(c, "0921234567", "VNHPH");
}

svc_code svc_admin_demo_parties(store *st, const svc_req *req)
{
    if (!svc_role_is(req, "admin"))
        return SVC_FORBIDDEN;
    return stored(store_write(st, demo_parties_job, (void *)req));
}
