#include "core/risk_policy.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/decl.h"

double risk_adjusted_score(double margin, int aeo, int compliance)
{
    static const double compliance_odds[5] = {1.0, 0.5, 1.0, 2.0, 4.0};
    double m = margin;
    if (aeo)
        m += log(0.25);
    if (compliance >= 1 && compliance <= 4)
        m += log(compliance_odds[compliance]);
    return 1.0 / (1.0 + exp(-m));
}

int risk_calibrator_init(risk_calibrator *c, size_t window, const risk_shares *shares)
{
    memset(c, 0, sizeof *c);
    c->shares = *shares;
    c->cap = window ? window : 1;
    c->window = malloc(c->cap * sizeof *c->window);
    c->scratch = malloc(c->cap * sizeof *c->scratch);
    c->red_threshold = c->yellow_threshold = INFINITY; /* nothing selected until scores are seen */
    if (!c->window || !c->scratch) {
        risk_calibrator_free(c);
        return -1;
    }
    return 0;
}

void risk_calibrator_free(risk_calibrator *c)
{
    free(c->window);
    free(c->scratch);
    c->window = c->scratch = NULL;
}

static int by_value_desc(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* threshold selecting the top `share` of the window: the k-th highest score, k = round(share n) */
static float top_threshold(const float *sorted_desc, size_t n, double share)
{
    size_t k = (size_t)llround(share * (double)n);
    if (k == 0)
        return INFINITY;
    return sorted_desc[k - 1];
}

static void recalibrate(risk_calibrator *c)
{
    c->since = 0;
    if (c->n == 0)
        return;
    memcpy(c->scratch, c->window, c->n * sizeof *c->scratch);
    qsort(c->scratch, c->n, sizeof *c->scratch, by_value_desc);
    double keep = 1.0 - c->shares.explore;
    c->red_threshold = top_threshold(c->scratch, c->n, c->shares.red * keep);
    c->yellow_threshold =
        top_threshold(c->scratch, c->n, (c->shares.red + c->shares.yellow) * keep);
}

static void observe(risk_calibrator *c, float s)
{
    c->window[c->pos] = s;
    c->pos = (c->pos + 1) % c->cap;
    if (c->n < c->cap)
        c->n++;
}

void risk_calibrator_set_shares(risk_calibrator *c, const risk_shares *shares)
{
    c->shares = *shares;
    recalibrate(c);
}

void risk_calibrator_seed(risk_calibrator *c, const float *scores, size_t n)
{
    for (size_t i = 0; i < n; i++)
        observe(c, scores[i]);
    recalibrate(c);
}

void risk_calibrator_decide(risk_calibrator *c, float adjusted, uint64_t draw, risk_band *out)
{
    observe(c, adjusted);
    if (++c->since >= RISK_RECALIBRATE || c->n < RISK_RECALIBRATE)
        recalibrate(c);
    *out = (risk_band){.channel = CH_GREEN,
                       .red_threshold = c->red_threshold,
                       .yellow_threshold = c->yellow_threshold};
    if (adjusted >= c->red_threshold) {
        out->channel = CH_RED;
        return;
    }
    if (adjusted >= c->yellow_threshold) {
        out->channel = CH_YELLOW;
        return;
    }
    /* the rest: (1 - (r + y)(1 - e)) of traffic; exploration fills e r and e y of it */
    double e = c->shares.explore, rest = 1.0 - (c->shares.red + c->shares.yellow) * (1.0 - e);
    if (rest <= 0)
        return;
    double u = (double)(draw >> 11) / 9007199254740992.0; /* 53 bits -> [0, 1) */
    double p_red = c->shares.red * e / rest, p_yellow = c->shares.yellow * e / rest;
    if (u < p_red)
        out->channel = CH_RED, out->explored = 1;
    else if (u < p_red + p_yellow)
        out->channel = CH_YELLOW, out->explored = 1;
}
