/* Benchmark of learned selectivity (not a test; docs/performance.md): training time on the
 * 45,519 rows of the customs-declaration dataset (train + valid splits), and the cost of scoring
 * one declaration at registration = features from the history + the model's score with its
 * contributions + the calibrated band, for 1-item and 50-item declarations.
 *
 *   cmake --build build --target bench_risk && build/bench_risk [DATASET_DIR]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/risk_csv.h"
#include "core/risk_policy.h"
#include "ml/risk_model.h"
#include "util/file.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct rows {
    float *x, *y;
    size_t n;
    const int8_t *label;
} rows;

static void collect(void *ctx, const risk_history *h, const risk_fact *facts, size_t first,
                    size_t n)
{
    rows *r = ctx;
    for (size_t j = first; j < first + n; j++) {
        risk_features(h, &facts[j], r->x + r->n * RISK_N_FEATURES);
        r->y[r->n++] = r->label[j];
    }
}

static risk_csv_row *load(const char *path, size_t *n)
{
    size_t len;
    char *text = file_read_all(path, &len);
    errs *e = calloc(1, sizeof *e);
    risk_csv_row *rows_out = NULL;
    if (!text || risk_csv_parse(text, len, &rows_out, n, e) != 0) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    free(text);
    free(e);
    return rows_out;
}

int main(int argc, char **argv)
{
    const char *dir =
        argc > 1 ? argv[1] : "../shared/data/customs-fraud/customs-declaration-datasets";
    char p1[1024], p2[1024];
    snprintf(p1, sizeof p1, "%s/df_syn_train_eng.csv", dir);
    snprintf(p2, sizeof p2, "%s/df_syn_valid_eng.csv", dir);
    size_t na, nb;
    risk_csv_row *a = load(p1, &na), *b = load(p2, &nb);
    size_t n = na + nb;
    risk_fact *facts = malloc(n * sizeof *facts);
    int8_t *label = malloc(n);
    risk_outcome *outs = malloc(n * sizeof *outs);
    for (size_t i = 0; i < n; i++) {
        const risk_csv_row *r = i < na ? &a[i] : &b[i - na];
        facts[i] = r->fact;
        label[i] = (int8_t)r->fraud;
        outs[i] =
            (risk_outcome){.fact = (int32_t)i, .at = r->outcome_at, .violation = (int8_t)r->fraud};
    }
    rows r = {malloc(n * RISK_N_FEATURES * sizeof(float)), malloc(n * sizeof(float)), 0, label};
    double t0 = now_s();
    risk_history *h = risk_history_new();
    risk_replay(h, facts, n, outs, n, collect, &r);
    double replay = now_s() - t0;
    risk_train_params p;
    risk_train_params_default(&p);
    char err[256];
    double train[3];
    risk_model *m = NULL;
    for (int k = 0; k < 3; k++) {
        risk_model_free(m);
        t0 = now_s();
        m = risk_model_train(r.x, r.y, r.n, &p, err, sizeof err);
        train[k] = now_s() - t0;
        if (!m) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
    }
    qsort(train, 3, sizeof *train, cmp_d);
    printf("rows %zu, features %d, history keys %zu\n", r.n, RISK_N_FEATURES, risk_history_size(h));
    printf("replay (features of every row, leak-free): %.2f s\n", replay);
    printf("training (%d rounds, depth %d, %d threads): median %.2f s (min %.2f, max %.2f)\n",
           p.rounds, p.max_depth, p.nthread, train[1], train[0], train[2]);

    /* scoring at registration: what risk_engine_score does per declaration */
    risk_shares sh = {0.05, 0.15, 0.10};
    risk_calibrator cal;
    risk_calibrator_init(&cal, 1000, &sh);
    static const int sizes[] = {1, 50};
    for (size_t s = 0; s < 2; s++) {
        int items = sizes[s], decls = 2000, runs = 7;
        double med[7];
        float *xs = malloc((size_t)items * RISK_N_FEATURES * sizeof *xs);
        double *margins = malloc((size_t)items * sizeof *margins);
        for (int run = 0; run < runs; run++) {
            t0 = now_s();
            for (int d = 0; d < decls;
                 d++) { /* as risk_engine_score: margins, then one explanation */
                float c[RISK_N_FEATURES + 1];
                double margin, prob;
                for (int i = 0; i < items; i++)
                    risk_features(h, &facts[na + (size_t)(d * items + i) % nb],
                                  xs + (size_t)i * RISK_N_FEATURES);
                if (items > 1)
                    risk_model_margins(m, xs, (size_t)items, margins);
                int best = 0;
                for (int i = 1; i < items; i++)
                    if (margins[i] > margins[best])
                        best = i;
                risk_model_explain(m, xs + (size_t)best * RISK_N_FEATURES, c, &margin, &prob);
                risk_band band;
                risk_calibrator_decide(&cal, (float)risk_adjusted_score(margin, 0, 2),
                                       (uint64_t)d * 2654435761u, &band);
            }
            med[run] = (now_s() - t0) / decls * 1e6;
        }
        free(xs);
        free(margins);
        qsort(med, (size_t)runs, sizeof *med, cmp_d);
        printf("scoring a %d-item declaration (features + score + contributions + band): median "
               "%.1f us "
               "(min %.1f, max %.1f over %d runs of %d)\n",
               items, med[runs / 2], med[0], med[runs - 1], runs, decls);
    }
    risk_calibrator_free(&cal);
    risk_model_free(m);
    risk_history_free(h);
    free(a), free(b), free(facts), free(label), free(outs), free(r.x), free(r.y);
    return 0;
}
