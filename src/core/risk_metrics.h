/* Quality of a risk ranking, as the customs-fraud literature measures it (DATE, KDD 2020
 * §5.1.2): inspect the top n% by score, then
 * precision@n = violations found / inspected, recall@n = violations found / all violations;
 * and the area under the ROC curve (ties share their rank). Pure. */
#ifndef ECUSTOMS_CORE_RISK_METRICS_H
#define ECUSTOMS_CORE_RISK_METRICS_H

#include <stddef.h>

#define RISK_METRIC_RATES 4
extern const int risk_metric_rates_pct[RISK_METRIC_RATES]; /* 1, 2, 5, 10 */

typedef struct risk_metrics {
    size_t rows, positives;
    double precision[RISK_METRIC_RATES];
    double recall[RISK_METRIC_RATES];
    double auc; /* NaN when one class is absent */
} risk_metrics;

/* scores and labels (0/1) of n rows. 0, or -1 when memory runs out. */
int risk_metrics_compute(const float *scores, const float *labels, size_t n, risk_metrics *out);

#endif
