/* Learned selectivity, part 3: from a model score to a channel.
 *
 * 1. The enterprise adjusts the score, in log-odds: a priority (AEO) enterprise's odds are
 *    divided by 4, and the compliance class of Circular 81/2019 multiplies them (class 1 high
 *    compliance x0.5, 2 x1, 3 low x2, 4 non-compliant x4), so the same goods from a trusted
 *    trader rank lower than from an unknown or non-compliant one.
 * 2. Shares, not fixed thresholds: red for the highest-risk share r of traffic, yellow for the
 *    next y. Thresholds are quantiles of the recent adjusted scores (a window, recomputed every
 *    RISK_RECALIBRATE decisions), so the shares hold as traffic and models change.
 * 3. Exploration: a share e of the red and of the yellow selections is drawn at random from the
 *    declarations the score did not select, so the model keeps learning about what it would
 *    never pick. The model itself fills (1-e) of each share.
 *
 * Pure apart from its own memory; the caller locks and supplies the random draw.
 */
#ifndef ECUSTOMS_CORE_RISK_POLICY_H
#define ECUSTOMS_CORE_RISK_POLICY_H

#include <stddef.h>
#include <stdint.h>

#define RISK_RECALIBRATE 50

typedef struct risk_shares {
    double red;     /* default 0.05 */
    double yellow;  /* default 0.15 */
    double explore; /* default 0.10: of each share, drawn at random */
} risk_shares;

typedef struct risk_calibrator {
    risk_shares shares;
    float *window; /* ring of recent adjusted scores */
    size_t cap, n, pos;
    float *scratch;
    uint32_t since; /* decisions since the last recalibration */
    float red_threshold, yellow_threshold;
} risk_calibrator;

typedef struct risk_band {
    int channel;  /* CH_GREEN / CH_YELLOW / CH_RED */
    int explored; /* chosen by the exploration draw, not by the score */
    float red_threshold, yellow_threshold;
} risk_band;

/* The score an enterprise's profile makes of a model margin (log-odds); a probability. */
double risk_adjusted_score(double margin, int aeo, int compliance);

int risk_calibrator_init(risk_calibrator *c, size_t window, const risk_shares *shares);
void risk_calibrator_free(risk_calibrator *c);
/* New shares take effect at once (thresholds recomputed on the current window). */
void risk_calibrator_set_shares(risk_calibrator *c, const risk_shares *shares);
/* Adds scores to the window (e.g. the model's scores of the latest declarations) and
 * recalibrates. */
void risk_calibrator_seed(risk_calibrator *c, const float *scores, size_t n);
/* Records adjusted (0..1) in the window and chooses its band. draw is uniform 64-bit. */
void risk_calibrator_decide(risk_calibrator *c, float adjusted, uint64_t draw, risk_band *out);

#endif
