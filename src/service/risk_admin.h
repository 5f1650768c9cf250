/* Selectivity administration (service/risk_admin.c): risk rules, the sampling policy and the
 * learned models. */
#ifndef ECUSTOMS_SERVICE_RISK_ADMIN_H
#define ECUSTOMS_SERVICE_RISK_ADMIN_H

#include "codec/json_risk.h"
#include "service/app.h"

svc_reply svc_rules_list(app *a, const svc_req *req);
/* id 0 = new; rule: as json_risk_rule_decode decoded it, e its errors */
svc_reply svc_rule_put(app *a, const svc_req *req, int64_t id, const risk_rule *rule, errs *e);
svc_reply svc_rule_delete(app *a, const svc_req *req, int64_t id);
svc_reply svc_risk_settings_get(app *a, const svc_req *req);
/* ppm: the percents json_risk_percents_decode read, named as app_risk_settings[] (-1: not given) */
svc_reply svc_risk_settings_put(app *a, const svc_req *req, const int64_t ppm[APP_RISK_SETTINGS],
                                errs *e);
/* Learned selectivity: the stored models and the one the server scores with (customs only). */
svc_reply svc_risk_models(app *a, const svc_req *req);
/* POST /api/v1/risk/models/{version}/activation: risk officers (and administrators) make a stored
 * version the active one — a roll-back is an older version — audited with the person. */
svc_reply svc_risk_model_activate(app *a, const svc_req *req, int64_t version);

#endif
