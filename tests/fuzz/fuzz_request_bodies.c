/* Every other request decoder, then the service function its route calls (decoded as
 * http/routes.c decodes them) (payments,
 * guarantees, credits, refunds, risk rules and settings, tax quote, exchange rates, permits,
 * C/Os, manifests, supervision scans, gate events, holds, cancellations, decisions), on a real
 * SQLite database: the first input byte picks the route, the rest is the JSON body. The caller has
 * the role the route wants, so decoding and validation are reached. Oracle: no crash, no
 * sanitizer report, and every reply can be encoded as the JSON the client receives (UTF-8). */
#include "fuzz_common.h"

#include <ftw.h>
#include <stdio.h>
#include <unistd.h>

#include "codec/json_scan.h"
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

/* the guard of http/routes.c: decoders that take an object for granted see only one */
static int object(json_t *body, errs *e)
{
    if (json_is_object(body))
        return 1;
    errs_add(e, "type", "", "the body must be a JSON object");
    return 0;
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
            declarant = as(ENT, "declarant"), agency = as("0100100001", "agency"),
            carrier = as("0901234565", "carrier"), portop = as("0921234567", "port_operator");
    svc_reply r;
    static errs e; /* one input at a time; kept off the stack like fuzz_decl.c's */
    errs_init(&e);
    switch (data[0] % 18) {
    case 0: {
        payment_in in;
        json_payment_decode(body, &in, &e);
        r = svc_payment_create(&A, &bank, &in, &e, "MEUCIQ");
        break;
    }
    case 1: {
        guarantee_in in;
        json_guarantee_decode(body, &in, &e);
        r = svc_guarantee_create(&A, &bank, &in, &e, "MEUCIQ");
        break;
    }
    case 2: {
        credit_apply_in in;
        json_credit_apply_decode(body, &in, &e);
        r = svc_credit_apply(&A, &declarant, ENT, &in, &e);
        break;
    }
    case 3: {
        refund_request_in in;
        json_refund_request_decode(body, &in, &e);
        r = svc_refund_request(&A, &declarant, ENT, &in, &e);
        break;
    }
    case 4: {
        refund_decision_in in;
        json_refund_decision_decode(body, &in, &e);
        r = svc_refund_decide(&A, &officer, ENT, "1", &in, &e);
        break;
    }
    case 5: {
        risk_rule in = {0};
        if (object(body, &e))
            json_risk_rule_decode(body, 0, &in, &e);
        r = svc_rule_put(&A, &risk, 0, &in, &e);
        break;
    }
    case 6: {
        int64_t ppm[APP_RISK_SETTINGS];
        const char *names[APP_RISK_SETTINGS];
        for (size_t i = 0; i < APP_RISK_SETTINGS; i++) {
            names[i] = app_risk_settings[i].json;
            ppm[i] = -1;
        }
        if (object(body, &e))
            json_risk_percents_decode(body, names, APP_RISK_SETTINGS, ppm, &e);
        r = svc_risk_settings_put(&A, &risk, ppm, &e);
        break;
    }
    case 7: {
        static decl d;
        json_decl_decode(body, &d, &e);
        r = svc_tax_quote(&A, &declarant, &d, &e, 20261130);
        decl_release(&d);
        break;
    }
    case 8: {
        fx_rates_in in;
        int decoded = json_fx_rates_decode(body, &in, &e);
        r = svc_fx_put(&A, &admin, &in, decoded, &e);
        json_fx_rates_release(&in);
        break;
    }
    case 9: {
        permit_in in;
        json_permit_decode(body, &in, &e);
        r = svc_permit_create(&A, &agency, &in, &e);
        break;
    }
    case 10:
        json_permit_revocation_check(body, &e);
        r = svc_permit_revoke(&A, &agency, "MOIT-00001", &e);
        break;
    case 11: {
        static cert_in in;
        json_certificate_decode(body, &in, &e);
        r = svc_cert_create(&A, &agency, &in, &e);
        break;
    }
    case 12: {
        manifest_in in;
        json_manifest_decode(body, &in, &e);
        r = svc_manifest_create(&A, &carrier, &in, &e);
        manifest_in_release(&in);
        break;
    }
    case 13: {
        const char *scanned = NULL;
        json_scan_decode(body, &scanned, &e);
        r = svc_supervision_scan(&A, &officer, scanned, &e);
        break;
    }
    case 14: {
        gate_event_in in;
        json_gate_event_decode(body, &in, &e);
        r = svc_gate_event(&A, &portop, &in, &e);
        break;
    }
    case 15: {
        hold_in in;
        json_hold_decode(body, &in, &e);
        r = svc_hold_open(&A, &officer, &in, &e);
        break;
    }
    case 16: {
        decl_cancel_in in = {0};
        if (object(body, &e))
            json_decl_cancel_decode(body, &in, &e);
        r = svc_decl_cancel(&A, &declarant, "100000000016", &in, &e);
        break;
    }
    default: {
        static decl_decision_in in;
        memset(&in, 0, sizeof in);
        if (object(body, &e))
            json_decl_decision_decode(body, &in, &e);
        r = svc_decl_decide(&A, &officer, "100000000016", &in, &e);
        break;
    }
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
