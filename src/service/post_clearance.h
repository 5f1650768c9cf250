/* Post-clearance audit (the third stage of risk management, after selectivity at the
 * border and supervision): cleared declarations are selected by risk, audited in cases opened
 * within the 5-year limit of the Customs Law, and a violation's additional tax is posted to the
 * ledger with late-payment interest. Every step is appended to the case's hash chain
 * ("audit:<case id>", service/audit_log.h) and to the declaration's. Customs roles only. */
#ifndef ECUSTOMS_SERVICE_POST_CLEARANCE_H
#define ECUSTOMS_SERVICE_POST_CLEARANCE_H

#include "codec/json_audit_case.h"
#include "service/app.h"

/* GET /post-clearance/candidates?limit=N: cleared declarations of the last 5 years ranked by
 * score (rules, the model's score, amendments, value anomalies), those with an open case left
 * out. */
svc_reply svc_pca_candidates(app *a, const svc_req *req, const char *limit);
/* POST /post-clearance/cases {"declaration", "reason"} */
svc_reply svc_pca_open(app *a, const svc_req *req, const audit_case_in *in, errs *e);
/* GET /post-clearance/cases?status=S and GET /post-clearance/cases/{id} */
svc_reply svc_pca_list(app *a, const svc_req *req, const char *status);
svc_reply svc_pca_get(app *a, const svc_req *req, const char *id);
/* POST /post-clearance/cases/{id}/findings {"violation", "findings", "additional_tax"?} */
svc_reply svc_pca_findings(app *a, const svc_req *req, const char *id, const audit_findings_in *in,
                           errs *e);
/* POST /post-clearance/cases/{id}/assessment: posts the additional tax and interest to the
 * ledger */
svc_reply svc_pca_assess(app *a, const svc_req *req, const char *id);

#endif
