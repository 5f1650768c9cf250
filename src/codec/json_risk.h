/* The risk management bodies decoded: a selectivity rule (POST /risk/rules, PUT
 * /risk/rules/{id}) and the sampling policy's percents (PUT /risk/settings). Syntax only, every
 * error at once; whether a rule is coherent (core/risk.h risk_rule_valid) and whether the shares
 * fit with the stored policy is the service's. */
#ifndef ECUSTOMS_CODEC_JSON_RISK_H
#define ECUSTOMS_CODEC_JSON_RISK_H

#include <jansson.h>
#include <stdint.h>

#include "core/risk.h"
#include "util/errs.h"

/* Decodes a rule into r (zeroed first, active by default; id is the URL's, 0 for a new one). */
void json_risk_rule_decode(json_t *body, int64_t id, risk_rule *r, errs *e);

/* Decodes n percents, named by names[0..n-1], into ppm[] (parts per million; -1 when not given
 * or invalid). names[0] and names[1] are required. Percents are strings of up to 4 decimals in
 * [0, 100]. The body is an object. */
void json_risk_percents_decode(json_t *body, const char *const *names, int n, int64_t *ppm,
                               errs *e);

#endif
