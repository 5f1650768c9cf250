#include "core/risk_metrics.h"

#include <math.h>
#include <stdlib.h>

const int risk_metric_rates_pct[RISK_METRIC_RATES] = {1, 2, 5, 10};

typedef struct ranked {
    float score;
    float label;
    size_t index; /* ties keep input order, so the result does not depend on qsort */
} ranked;

static int by_score_desc(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

int risk_metrics_compute(const float *scores, const float *labels, size_t n, risk_metrics *out)
{
    *out = (risk_metrics){.rows = n, .auc = NAN};
    if (n == 0)
        return 0;
    ranked *r = malloc(n * sizeof *r);
    if (!r)
        return -1;
    for (size_t i = 0; i < n; i++) {
        r[i] = (ranked){scores[i], labels[i] > 0.5f ? 1.0f : 0.0f, i};
        out->positives += labels[i] > 0.5f;
    }
    qsort(r, n, sizeof *r, by_score_desc);
    for (int k = 0; k < RISK_METRIC_RATES; k++) {
        size_t top = (size_t)ceil((double)n * risk_metric_rates_pct[k] / 100.0), found = 0;
        for (size_t i = 0; i < top && i < n; i++)
            found += r[i].label > 0;
        out->precision[k] = top ? (double)found / (double)top : 0;
        out->recall[k] = out->positives ? (double)found / (double)out->positives : 0;
    }
    /* AUC = (sum of positive ranks - P(P+1)/2) / (P N), ascending ranks, ties averaged */
    size_t pos = out->positives, neg = n - pos;
    if (pos && neg) {
        double rank_sum = 0;
        for (size_t i = 0; i < n;) {
            size_t j = i;
            while (j < n && r[j].score == r[i].score)
                j++;
            /* descending positions i..j-1 are ascending ranks n-j+1 .. n-i */
            double avg = ((double)(n - j + 1) + (double)(n - i)) / 2.0;
            for (size_t t = i; t < j; t++)
                if (r[t].label > 0)
                    rank_sum += avg;
            i = j;
        }
        out->auc = (rank_sum - (double)pos * (double)(pos + 1) / 2.0) / ((double)pos * (double)neg);
    }
    free(r);
    return 0;
}
