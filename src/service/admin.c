/* Administration use cases of the command line (admin.h). */
#include "service/admin.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "service/kernel.h"
#include "store/store_manifest.h"
#include "store/store_payments.h"
#include "store/store_permits.h"
#include "store/store_risk.h"
#include "util/dec.h"
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
            dec_parse(cols[1], DEC_SCALE_FX, 0, &r.vnd_per_unit) != 0 ||
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
    party customs = {.tax_code = "0000000000", .name = "General Department of Vietnam Customs",
                     .status = "active", .compliance = 1, .kind = "customs"};
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
     * inspection flow can be seen (issue 14): MARD quarantine, MOIT quality inspection, MOT
     * vehicle certification */
    static const party agencies[] = {
        {"0100200001", "Department of Animal Health and Plant Protection (MARD)", "active", 0, 1, 0, "agency"},
        {"0100200002", "MOIT Quality Inspection", "active", 0, 1, 0, "agency"},
        {"0100200003", "Vietnam Register (MOT)", "active", 0, 1, 0, "agency"},
    };
    static const char *const agency_codes[] = {"MARD", "MOIT", "MOT"};
    for (size_t i = 0; i < sizeof agencies / sizeof *agencies && rc == 0; i++)
        if ((rc = store_party_put(c, &agencies[i])) == 0)
            rc = store_agency_bind(c, agencies[i].tax_code, agency_codes[i]);
    /* a few risk rules a customs risk office would start with */
    static const risk_rule rules[] = {
        {.id = 1, .name = "Used vehicles: physical inspection", .hs_prefix = "8703", .action = CH_RED,
         .priority = 100, .active = 1},
        {.id = 2, .name = "Scrap imports (Decision 73/2014): documents", .hs_prefix = "7204",
         .action = CH_YELLOW, .priority = 80, .active = 1},
        {.id = 3, .name = "Undervalued phones (< 1,000,000 VND/unit)", .hs_prefix = "851713",
         .max_unit_value_vnd = 1000000, .action = CH_RED, .priority = 90, .active = 1},
        {.id = 4, .name = "High-value consignments (>= 20 bn VND): documents",
         .min_value_vnd = 20000000000LL, .action = CH_YELLOW, .priority = 10, .active = 1},
    };
    for (size_t i = 0; i < sizeof rules / sizeof *rules && rc == 0; i++)
        rc = store_rule_put(c, &rules[i]);
    /* With the rules above (rare on ordinary cargo) these give about Vietnam's channel mix,
     * ~58 % green, 37 % yellow, 5 % red (2017), on `ecustoms load` and `db seed` traffic
     * (docs/performance.md reports the mix of every benchmark) */
    if (rc == 0)
        rc = store_setting_put(c, "risk.random_red_ppm", "30000");    /* 3 % */
    if (rc == 0)
        rc = store_setting_put(c, "risk.random_yellow_ppm", "350000"); /* 35 % */
    return rc;
}

/* A storage failure as an outcome. */
static svc_code stored(int rc) { return rc == 0 ? SVC_OK : rc == DB_CONSTRAINT ? SVC_CONFLICT : SVC_ERROR; }

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

static int party_put_job(db_conn *c, void *ctx) { return store_party_put(c, ctx); }

svc_code svc_admin_party_put(store *st, const svc_req *req, const party *p)
{
    if (!svc_role_is(req, "admin"))
        return SVC_FORBIDDEN;
    return stored(store_write(st, party_put_job, (void *)p));
}

typedef struct token_ctx {
    const char *party;
    const char *role;
    const char *location; /* port operator: UN/LOCODE[-terminal] it is bound to */
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
    return rc;
}

svc_code svc_admin_token_create(store *st, const svc_req *req, const char *party_code, const char *role,
                                const char *location, char out[65])
{
    if (!svc_role_is(req, "admin"))
        return SVC_FORBIDDEN;
    token_ctx x = {.party = party_code, .role = role, .location = location, .token = out};
    out[0] = 0;
    int rc = store_write(st, token_job, &x);
    if (x.found == 0)
        return SVC_NOT_FOUND;
    return stored(rc);
}

/* ---- banks and agencies ------------------------------------------------------------------- */

typedef struct bank_key_ctx {
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
    return store_bank_key_put(c, x->party, x->pem, x->now);
}

svc_code svc_admin_bank_key_put(store *st, const svc_req *req, const char *party_code, const char *pem)
{
    if (!svc_role_is(req, "admin"))
        return SVC_FORBIDDEN;
    bank_key_ctx x = {.party = party_code, .pem = pem, .now = svc_now()};
    int rc = store_write(st, bank_key_job, &x);
    if (x.found == 0)
        return SVC_NOT_FOUND;
    if (x.not_bank)
        return SVC_CONFLICT;
    return stored(rc);
}

typedef struct bind_ctx {
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
    return store_agency_bind(c, x->party, x->agency);
}

svc_code svc_admin_agency_bind(store *st, const svc_req *req, const char *party_code, const char *agency)
{
    if (!svc_role_is(req, "admin"))
        return SVC_FORBIDDEN;
    bind_ctx x = {.party = party_code, .agency = agency};
    int rc = store_write(st, bind_job, &x);
    if (x.found == 0)
        return SVC_NOT_FOUND;
    return stored(rc);
}

/* ---- learned selectivity ------------------------------------------------------------------ */

typedef struct import_ctx {
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
    return x->duplicates ? 1 : 0;
}

svc_code svc_admin_risk_import(store *st, const svc_req *req, const risk_csv_row *rows, size_t n,
                               int outcomes, size_t *duplicates, char first_duplicate[33])
{
    if (!svc_role_is(req, "admin"))
        return SVC_FORBIDDEN;
    import_ctx x = {.rows = rows, .n = n, .outcomes = outcomes, .first_duplicate = first_duplicate};
    first_duplicate[0] = 0;
    int rc = store_write(st, import_job, &x);
    *duplicates = x.duplicates;
    if (x.duplicates)
        return SVC_CONFLICT;
    return stored(rc);
}

typedef struct activate_ctx {
    int64_t version;
    int result;
} activate_ctx;

static int activate_job(db_conn *c, void *ctx)
{
    activate_ctx *x = ctx;
    x->result = store_risk_model_activate(c, x->version);
    return x->result < 0 ? x->result : 0;
}

svc_code svc_admin_risk_activate(store *st, const svc_req *req, int64_t version)
{
    if (!svc_role_is(req, "admin"))
        return SVC_FORBIDDEN;
    activate_ctx x = {.version = version};
    int rc = store_write(st, activate_job, &x);
    if (rc != 0)
        return stored(rc);
    return x.result == 0 ? SVC_NOT_FOUND : SVC_OK;
}
