/* Every other request decoder, through the service function its route calls (payments,
 * guarantees, credits, refunds, risk rules and settings, tax quote, exchange rates, permits,
 * C/Os, manifests, supervision scans, gate events, holds, cancellations, decisions), on a real
 * SQLite database: the first input byte picks the route, the rest is the JSON body. The caller has
 * the role the route wants, so decoding and validation are reached. Oracle: no crash, no
 * sanitizer report, and every reply can be encoded as the JSON the client receives (UTF-8). */
#include "fuzz_common.h"

#include <ftw.h>
#include <stdio.h>
#include <unistd.h>

#include "service/app.h"
#include "service/barcodes.h"
#include "service/certificates.h"
#include "service/clearance.h"
#include "service/credits.h"
#include "service/gate.h"
#include "service/manifests.h"
#include "service/payments.h"
#include "service/permits.h"
#include "service/risk_admin.h"
#include "service/tariff_tax.h"

static app A;
static char dir[] = "/tmp/ecustoms-fuzz-XXXXXX";

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* the scratch database goes when the run ends (libFuzzer exits through exit()) */
static void cleanup(void)
{
    app_close(&A);
    nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char db[128];
    if (!mkdtemp(dir))
        return 1;
    snprintf(db, sizeof db, "%s/db.sqlite", dir);
    if (app_open(&A, db, ECUSTOMS_DATA_DIR) != 0)
        abort();
    atexit(cleanup);
    return 0;
}

static svc_req as(const char *party, const char *role)
{
    svc_req r;
    memset(&r, 0, sizeof r);
    snprintf(r.party, sizeof r.party, "%s", party);
    snprintf(r.role, sizeof r.role, "%s", role);
    return r;
}

#define ENT "0101234567"
#define CUSTOMS "0000000000"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    json_t *body = fuzz_json(data + 1, size - 1);
    if (!body)
        return 0;
    svc_req bank = as("0100112437", "bank"), officer = as(CUSTOMS, "officer"),
            risk = as(CUSTOMS, "risk_officer"), admin = as(CUSTOMS, "admin"),
            decl = as(ENT, "declarant"), agency = as("0100100001", "agency"),
            carrier = as("0901234565", "carrier"), portop = as("0921234567", "port_operator");
    svc_reply r;
    switch (data[0] % 18) {
    case 0: r = svc_payment_create(&A, &bank, body, "MEUCIQ"); break;
    case 1: r = svc_guarantee_create(&A, &bank, body, "MEUCIQ"); break;
    case 2: r = svc_credit_apply(&A, &decl, ENT, body); break;
    case 3: r = svc_refund_request(&A, &decl, ENT, body); break;
    case 4: r = svc_refund_decide(&A, &officer, ENT, "1", body); break;
    case 5: r = svc_rule_put(&A, &risk, 0, body); break;
    case 6: r = svc_risk_settings_put(&A, &risk, body); break;
    case 7: r = svc_tax_quote(&A, &decl, body, 20261130); break;
    case 8: r = svc_fx_put(&A, &admin, body); break;
    case 9: r = svc_permit_create(&A, &agency, body); break;
    case 10: r = svc_permit_revoke(&A, &agency, "MOIT-00001", body); break;
    case 11: r = svc_co_create(&A, &agency, body); break;
    case 12: r = svc_manifest_create(&A, &carrier, body); break;
    case 13: r = svc_supervision_scan(&A, &officer, body); break;
    case 14: r = svc_gate_event(&A, &portop, body); break;
    case 15: r = svc_hold_open(&A, &officer, body); break;
    case 16: r = svc_decl_cancel(&A, &decl, "100000000016", body); break;
    default: r = svc_decl_decide(&A, &officer, "100000000016", body); break;
    }
    if (r.body) {
        char *text = json_dumps(r.body, JSON_COMPACT);
        if (!text) {
            fprintf(stderr, "route %d: the reply cannot be encoded\n", data[0] % 18);
            abort();
        }
        free(text);
        json_decref(r.body);
    }
    free(r.text);
    json_decref(body);
    return 0;
}
