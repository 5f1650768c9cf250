/* Selectivity administration (service/risk_admin.c): risk rules, the sampling policy and the
 * learned models. */
#ifndef ECUSTOMS_SERVICE_RISK_ADMIN_H
#define ECUSTOMS_SERVICE_RISK_ADMIN_H

#include "service/app.h"

svc_reply svc_rules_list(app *a, const svc_req *req);
svc_reply svc_rule_put(app *a, const svc_req *req, int64_t id, json_t *body); /* id 0 = new */
svc_reply svc_rule_delete(app *a, const svc_req *req, int64_t id);
svc_reply svc_risk_settings_get(app *a, const svc_req *req);
svc_reply svc_risk_settings_put(app *a, const svc_req *req, json_t *body);
/* Learned selectivity: the stored models and the one the server scores with (customs only). */
svc_reply svc_risk_models(app *a, const svc_req *req);
/* POST /api/v1/risk/models/{version}/activation: risk officers (and administrators) make a stored
 * version the active one — a roll-back is an older version — audited with the person. */
svc_reply svc_risk_model_activate(app *a, const svc_req *req, int64_t version);

#endif
