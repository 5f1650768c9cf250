/* Unit tests of learned selectivity: features and history replay (no leakage),
 * XGBoost training (deterministic), save/load, compiled scoring against XGBoost's own,
 * contributions, corrupt models, the calibrated policy (shares, exploration, AEO), metrics and
 * the CSV decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/risk_csv.h"
#include "core/decl.h"
#include "core/risk_features.h"
#include "core/risk_metrics.h"
#include "core/risk_policy.h"
#include "ml/risk_model.h"

/* ---- a synthetic history: importers 0..49, the ones divisible by 7 cheat; HS codes whose
 * value per kg is far below their usual one are undervalued ----------------------------------- */

static uint64_t rng_state;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

#define N_SYNTH 3000

typedef struct synth {
    risk_fact facts[N_SYNTH];
    int8_t label[N_SYNTH];
    risk_outcome outcomes[N_SYNTH];
} synth;

static synth *make_synth(void)
{
    synth *s = calloc(1, sizeof *s);
    rng_state = 88172645463325252ull;
    for (int i = 0; i < N_SYNTH; i++) {
        risk_fact *f = &s->facts[i];
        int imp = (int)(rng() % 50), hs = (int)(rng() % 20);
        int under = rng() % 10 == 0;
        snprintf(f->decl_id, sizeof f->decl_id, "D%05d", i);
        f->line = 1;
        f->registered_at = 1600000000 + (int64_t)i * 600;
        snprintf(f->importer, sizeof f->importer, "IMP%02d", imp);
        snprintf(f->declarant, sizeof f->declarant, "DCL%d", imp % 9);
        snprintf(f->seller, sizeof f->seller, "S%d", (int)(rng() % 30));
        snprintf(f->office, sizeof f->office, "O%d", (int)(rng() % 4));
        snprintf(f->hs, sizeof f->hs, "8517%02d", hs);
        snprintf(f->origin, sizeof f->origin, "%s", rng() % 2 ? "CN" : "KR");
        memcpy(f->departure, f->origin, sizeof f->departure);
        f->transport_mode = 2;
        f->net_mass_g = 1000 * (int64_t)(1 + rng() % 100);
        f->value = f->net_mass_g * (under ? 2 : 40 + hs);
        f->tax_rate_bp = 500;
        s->label[i] =
            (imp % 7 == 0 && rng() % 10 < 8) || (under && rng() % 10 < 7) || rng() % 50 == 0;
        /* the outcome is known a day later */
        s->outcomes[i] =
            (risk_outcome){.fact = i, .at = f->registered_at + 86400, .violation = s->label[i]};
    }
    return s;
}

typedef struct train_rows {
    float x[N_SYNTH * RISK_N_FEATURES];
    float y[N_SYNTH];
    size_t n;
    const synth *s;
} train_rows;

static void collect(void *ctx, const risk_history *h, const risk_fact *facts, size_t first,
                    size_t n)
{
    train_rows *r = ctx;
    for (size_t j = first; j < first + n; j++) {
        risk_features(h, &facts[j], r->x + r->n * RISK_N_FEATURES);
        r->y[r->n++] = (float)r->s->label[j];
    }
}

static train_rows *synth_rows(const synth *s)
{
    train_rows *r = calloc(1, sizeof *r);
    r->s = s;
    risk_history *h = risk_history_new();
    assert_int_equal(risk_replay(h, s->facts, N_SYNTH, s->outcomes, N_SYNTH, collect, r), 0);
    risk_history_free(h);
    assert_int_equal(r->n, N_SYNTH);
    return r;
}

static risk_train_params small_params(void)
{
    risk_train_params p;
    risk_train_params_default(&p);
    p.rounds = 40;
    p.max_depth = 4;
    return p;
}

/* ---- features and history -------------------------------------------------------------------- */

static int feature_index(const char *name)
{
    for (int i = 0; i < RISK_N_FEATURES; i++)
        if (strcmp(risk_feature_names[i], name) == 0)
            return i;
    fail_msg("no feature %s", name);
    return -1;
}

static void history_sees_only_the_past(void **state)
{
    (void)state;
    risk_fact a = {.decl_id = "A",
                   .line = 1,
                   .registered_at = 1000 * 86400,
                   .importer = "IMP1",
                   .hs = "851712",
                   .origin = "CN",
                   .value = 1000,
                   .net_mass_g = 1000};
    risk_fact b = a;
    snprintf(b.decl_id, sizeof b.decl_id, "B");
    b.registered_at = a.registered_at + 3 * 86400;
    risk_fact facts[2] = {a, b};
    float x[RISK_N_FEATURES];
    int seen = feature_index("importer.seen"), lab = feature_index("importer.labelled"),
        rate = feature_index("importer.rate"), days = feature_index("importer.days_since");

    (void)facts;
    risk_history *h = risk_history_new();
    risk_features(h, &a, x); /* nothing known yet */
    assert_float_equal(x[seen], 0, 0);
    assert_true(isnan(x[days]));
    risk_history_register(h, &a);
    risk_features(h, &b, x); /* before A's outcome */
    assert_float_equal(x[seen], 1, 0);
    assert_float_equal(x[lab], 0, 0);
    assert_float_equal(x[days], 3, 0);
    float prior_rate = x[rate];
    risk_history_outcome(h, &a, 1, 0);
    risk_features(h, &b, x); /* after: one labelled violation pulls the smoothed rate up */
    assert_float_equal(x[lab], 1, 0);
    assert_true(x[rate] > prior_rate);
    risk_history_free(h);
}

/* risk_replay applies an outcome only when it was recorded strictly before a registration */
typedef struct replay_probe {
    float labelled_seen_by_b;
} replay_probe;

static void probe_b(void *ctx, const risk_history *h, const risk_fact *facts, size_t first,
                    size_t n)
{
    (void)n;
    if (strcmp(facts[first].decl_id, "B") == 0) {
        float x[RISK_N_FEATURES];
        risk_features(h, &facts[first], x);
        ((replay_probe *)ctx)->labelled_seen_by_b = x[feature_index("importer.labelled")];
    }
}

static void replay_orders_outcomes(void **state)
{
    (void)state;
    risk_fact facts[2] = {
        {.decl_id = "A", .line = 1, .registered_at = 100, .importer = "IMP1", .hs = "851712"},
        {.decl_id = "B", .line = 1, .registered_at = 200, .importer = "IMP1", .hs = "851712"}};
    int64_t cases[][2] = {{150, 1}, {199, 1}, {200, 0}, {300, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        risk_outcome o = {.fact = 0, .at = cases[i][0], .violation = 1};
        replay_probe p = {-1};
        risk_history *h = risk_history_new();
        assert_int_equal(risk_replay(h, facts, 2, &o, 1, probe_b, &p), 0);
        assert_float_equal(p.labelled_seen_by_b, (float)cases[i][1], 0);
        risk_history_free(h);
    }
}

/* items of one declaration do not see each other as history */
static void replay_groups_items(void **state)
{
    (void)state;
    risk_fact facts[3] = {
        {.decl_id = "A", .line = 1, .registered_at = 100, .importer = "IMP1", .hs = "851712"},
        {.decl_id = "A", .line = 2, .registered_at = 100, .importer = "IMP1", .hs = "851713"},
        {.decl_id = "B", .line = 1, .registered_at = 200, .importer = "IMP1", .hs = "851712"}};
    risk_history *h = risk_history_new();
    assert_int_equal(risk_replay(h, facts, 3, NULL, 0, NULL, NULL), 0);
    /* after the replay the importer has been seen three times */
    float x[RISK_N_FEATURES];
    risk_fact c = facts[2];
    risk_features(h, &c, x);
    assert_float_equal(x[feature_index("importer.seen")], 3, 0);
    risk_history_free(h);
}

/* ---- model ----------------------------------------------------------------------------------- */

static void training_is_deterministic(void **state)
{
    (void)state;
    synth *s = make_synth();
    train_rows *r = synth_rows(s);
    risk_train_params p = small_params();
    char err[256];
    risk_model *a = risk_model_train(r->x, r->y, r->n, &p, err, sizeof err);
    risk_model *b = risk_model_train(r->x, r->y, r->n, &p, err, sizeof err);
    assert_non_null(a);
    assert_non_null(b);
    char *ba, *bb;
    size_t la, lb;
    assert_int_equal(risk_model_save(a, &ba, &la), 0);
    assert_int_equal(risk_model_save(b, &bb, &lb), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(ba, bb, la);
    /* another seed gives another model (subsampling draws differ) */
    p.seed = 7;
    risk_model *c = risk_model_train(r->x, r->y, r->n, &p, err, sizeof err);
    char *bc;
    size_t lc;
    assert_int_equal(risk_model_save(c, &bc, &lc), 0);
    assert_true(lc != la || memcmp(ba, bc, la) != 0);
    free(ba), free(bb), free(bc);
    risk_model_free(a), risk_model_free(b), risk_model_free(c);
    free(r);
    free(s);
}

static void model_learns_and_round_trips(void **state)
{
    (void)state;
    synth *s = make_synth();
    train_rows *r = synth_rows(s);
    risk_train_params p = small_params();
    char err[256];
    size_t n_train = 2400, n_test = N_SYNTH - n_train;
    risk_model *m = risk_model_train(r->x, r->y, n_train, &p, err, sizeof err);
    assert_non_null(m);
    float *p1 = calloc(n_test, sizeof *p1), *p2 = calloc(n_test, sizeof *p2),
          *px = calloc(n_test, sizeof *px);
    const float *xt = r->x + n_train * RISK_N_FEATURES;
    assert_int_equal(risk_model_predict(m, xt, n_test, p1), 0);

    /* the model learned the pattern: far better than chance */
    risk_metrics mt;
    assert_int_equal(risk_metrics_compute(p1, r->y + n_train, n_test, &mt), 0);
    assert_true(mt.auc > 0.75);
    assert_true(mt.precision[3] > 2.0 * (double)mt.positives / (double)mt.rows);

    /* the compiled trees score exactly as XGBoost itself */
    assert_int_equal(risk_model_xgboost(m, xt, n_test, 0, px), 0);
    for (size_t i = 0; i < n_test; i++)
        assert_float_equal(p1[i], px[i], 1e-5);

    /* save, load: identical scores */
    char *bytes;
    size_t len;
    assert_int_equal(risk_model_save(m, &bytes, &len), 0);
    risk_model *back = risk_model_load(bytes, len, err, sizeof err);
    assert_non_null(back);
    assert_int_equal(risk_model_predict(back, xt, n_test, p2), 0);
    assert_memory_equal(p1, p2, n_test * sizeof *p1);

    /* and through a file */
    char path[] = "/tmp/ecustoms-model-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fwrite(bytes, 1, len, f);
    fclose(f);
    risk_model *from_file = risk_model_load_file(path, err, sizeof err);
    assert_non_null(from_file);
    assert_int_equal(risk_model_predict(from_file, xt, n_test, p2), 0);
    assert_memory_equal(p1, p2, n_test * sizeof *p1);
    remove(path);

    free(bytes);
    free(p1), free(p2), free(px);
    risk_model_free(m), risk_model_free(back), risk_model_free(from_file);
    free(r);
    free(s);
}

static void contributions_sum_to_the_score(void **state)
{
    (void)state;
    synth *s = make_synth();
    train_rows *r = synth_rows(s);
    risk_train_params p = small_params();
    char err[256];
    risk_model *m = risk_model_train(r->x, r->y, r->n, &p, err, sizeof err);
    assert_non_null(m);
    float c[RISK_N_FEATURES + 1], xc[RISK_N_FEATURES + 1], prob1;
    for (size_t i = 0; i < 200; i++) {
        const float *x = r->x + (i * 13 % (N_SYNTH - 3)) * RISK_N_FEATURES;
        double margin, prob;
        assert_int_equal(risk_model_explain(m, x, c, &margin, &prob), 0);
        double sum = 0;
        int nonzero = 0;
        for (int k = 0; k <= RISK_N_FEATURES; k++) {
            sum += c[k];
            nonzero += k < RISK_N_FEATURES && c[k] != 0;
        }
        assert_true(nonzero > 0);              /* explanations are present */
        assert_float_equal(sum, margin, 1e-4); /* and add up to the margin */
        assert_float_equal(margin, risk_model_margin(m, x), 1e-9);
        double batch[3];
        risk_model_margins(m, x, 3, batch); /* tree by tree over rows: the same margins */
        for (int k = 0; k < 3; k++)
            assert_float_equal(batch[k], risk_model_margin(m, x + k * RISK_N_FEATURES), 1e-9);
        assert_int_equal(risk_model_predict(m, x, 1, &prob1), 0);
        assert_float_equal(prob, prob1, 1e-6);
        /* they are XGBoost's approximate contributions */
        assert_int_equal(risk_model_xgboost(m, x, 1, 1, xc), 0);
        for (int k = 0; k <= RISK_N_FEATURES; k++)
            assert_float_equal(c[k], xc[k], 1e-4);
    }
    risk_model_free(m);
    free(r);
    free(s);
}

static void corrupt_or_missing_models_are_refused(void **state)
{
    (void)state;
    char err[256];
    static const char *const bad[] = {
        "", "garbage", "{", "{\"learner\": 1}", "{\"version\":[1,7,4]}", "[1,2,3]"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = 0;
        assert_null(risk_model_load(bad[i], strlen(bad[i]), err, sizeof err));
        assert_true(err[0] != 0);
    }
    assert_null(risk_model_load(NULL, 0, err, sizeof err));
    err[0] = 0;
    assert_null(risk_model_load_file("/nonexistent/model.json", err, sizeof err));
    assert_non_null(strstr(err, "cannot read"));

    /* a real model, truncated, or with a tree damaged, or of another feature list */
    synth *s = make_synth();
    train_rows *r = synth_rows(s);
    risk_train_params p = small_params();
    p.rounds = 3;
    risk_model *m = risk_model_train(r->x, r->y, r->n, &p, err, sizeof err);
    char *bytes;
    size_t len;
    assert_int_equal(risk_model_save(m, &bytes, &len), 0);
    assert_null(risk_model_load(bytes, len / 2, err, sizeof err));
    char *renamed = strdup(bytes);
    char *at = strstr(renamed, "importer.seen");
    assert_non_null(at);
    memcpy(at, "importer.SEEN", 13);
    assert_null(risk_model_load(renamed, len, err, sizeof err));
    assert_non_null(strstr(err, "importer.seen"));
    free(renamed);
    free(bytes);
    risk_model_free(m);
    free(r);
    free(s);
}

/* ---- policy ---------------------------------------------------------------------------------- */

static void aeo_scores_lower(void **state)
{
    (void)state;
    for (double margin = -4; margin <= 4; margin += 0.5) {
        double plain = risk_adjusted_score(margin, 0, 0);
        assert_true(risk_adjusted_score(margin, 1, 0) < plain);
        assert_true(risk_adjusted_score(margin, 1, 2) < risk_adjusted_score(margin, 0, 2));
        /* compliance classes order the score: 1 (high) < 2 < 3 < 4 (non-compliant) */
        for (int c = 1; c < 4; c++)
            assert_true(risk_adjusted_score(margin, 0, c) < risk_adjusted_score(margin, 0, c + 1));
        assert_float_equal(risk_adjusted_score(margin, 0, 2), plain, 1e-12);
    }
}

static void run_stream(int shift, int *red, int *yellow, int *explored_red, int *explored_yellow)
{
    risk_shares sh = {.red = 0.05, .yellow = 0.15, .explore = 0.10};
    risk_calibrator c;
    assert_int_equal(risk_calibrator_init(&c, 1000, &sh),
                     0); /* the server's window (RISK_WINDOW) */
    rng_state = 12345;
    *red = *yellow = *explored_red = *explored_yellow = 0;
    for (int i = 0; i < 10000; i++) {
        double u = (double)(rng() % 1000000) / 1e6;
        /* with shift, traffic changes halfway: every score moves up */
        float score = (float)(shift && i >= 5000 ? 0.3 + 0.7 * u : u * u);
        risk_band b;
        risk_calibrator_decide(&c, score, rng(), &b);
        *red += b.channel == CH_RED;
        *yellow += b.channel == CH_YELLOW;
        *explored_red += b.channel == CH_RED && b.explored;
        *explored_yellow += b.channel == CH_YELLOW && b.explored;
    }
    risk_calibrator_free(&c);
}

static void shares_hold_on_a_stream(void **state)
{
    (void)state;
    for (int shift = 0; shift <= 1; shift++) {
        int red, yellow, er, ey;
        run_stream(shift, &red, &yellow, &er, &ey);
        /* within one percentage point of the targets, starting from nothing */
        assert_true(fabs(red / 10000.0 - 0.05) <= 0.01);
        assert_true(fabs(yellow / 10000.0 - 0.15) <= 0.01);
        /* about 10 % of each selection is exploration (binomial around 50 of 500 and 150 of
         * 1500) */
        assert_true(er >= 25 && er <= 80);
        assert_true(ey >= 100 && ey <= 200);
    }
}

static void exploration_off_and_thresholds(void **state)
{
    (void)state;
    risk_shares sh = {.red = 0.10, .yellow = 0.0, .explore = 0.0};
    risk_calibrator c;
    assert_int_equal(risk_calibrator_init(&c, 1000, &sh), 0);
    float seed[1000];
    for (int i = 0; i < 1000; i++)
        seed[i] = (float)i / 1000.0f;
    risk_calibrator_seed(&c, seed, 1000);
    risk_band b;
    risk_calibrator_decide(&c, 0.95f, 0, &b); /* top 10 %: red, never explored */
    assert_int_equal(b.channel, CH_RED);
    assert_int_equal(b.explored, 0);
    risk_calibrator_decide(&c, 0.5f, 0, &b); /* draw 0 would explore if exploration were on */
    assert_int_equal(b.channel, CH_GREEN);
    assert_true(b.red_threshold > 0.85f && b.red_threshold < 0.95f);
    /* new shares take effect at once: half of the traffic red */
    risk_shares half = {.red = 0.5, .yellow = 0.0, .explore = 0.0};
    risk_calibrator_set_shares(&c, &half);
    risk_calibrator_decide(&c, 0.6f, 0, &b);
    assert_int_equal(b.channel, CH_RED);
    assert_true(b.red_threshold > 0.45f && b.red_threshold < 0.55f);
    risk_calibrator_free(&c);
}

/* ---- metrics --------------------------------------------------------------------------------- */

static void metrics_by_hand(void **state)
{
    (void)state;
    /* 100 rows, scores 99..0; violations at ranks 0, 1, 3 and 50 */
    float s[100], y[100] = {0};
    for (int i = 0; i < 100; i++)
        s[i] = (float)(99 - i);
    y[0] = y[1] = y[3] = y[50] = 1;
    risk_metrics m;
    assert_int_equal(risk_metrics_compute(s, y, 100, &m), 0);
    assert_int_equal(m.positives, 4);
    assert_float_equal(m.precision[0], 1.0, 1e-12); /* top 1: rank 0 */
    assert_float_equal(m.precision[1], 1.0, 1e-12); /* top 2 */
    assert_float_equal(m.precision[2], 0.6, 1e-12); /* top 5: 3 of 5 */
    assert_float_equal(m.recall[3], 0.75, 1e-12);   /* top 10: 3 of 4 */
    /* AUC: pairs (pos, neg) ordered right / all = (96 + 96 + 95 + 49) / (4 * 96) */
    assert_float_equal(m.auc, (96.0 + 96 + 95 + 49) / 384.0, 1e-12);
    /* ties share their rank: all equal scores give 0.5 */
    for (int i = 0; i < 100; i++)
        s[i] = 1;
    assert_int_equal(risk_metrics_compute(s, y, 100, &m), 0);
    assert_float_equal(m.auc, 0.5, 1e-12);
    /* one class only: AUC undefined */
    memset(y, 0, sizeof y);
    assert_int_equal(risk_metrics_compute(s, y, 100, &m), 0);
    assert_true(isnan(m.auc));
}

/* ---- CSV ------------------------------------------------------------------------------------- */

static const char header[] =
    "\xEF\xBB\xBF"
    "Declaration ID,Date,Office ID,Process Type,Import Type,Import Use,Payment Type,Mode of "
    "Transport,"
    "Declarant ID,Importer ID,Seller ID,Courier ID,HS6 Code,Country of Departure,Country of "
    "Origin,Tax Rate,"
    "Tax Type,Country of Origin Indicator,Net Mass,Item Price,Fraud,Critical Fraud\n";

static void csv_reads_rows(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof text, "%s%s", header,
             "97061800,2020-01-01,30,B,11,21,11,10,ZZR1LT6,QLRUBN9,0VKY2BR,,440890,BE,BE,0.0,FEU1,"
             "G,108.0,372254.4,0,0\r\n"
             "85945189,2020-01-01,40,B,11,21,11,40,SWF9S4X,7JD1S2X,8WDKMC6,,90121,CN,CN,8.0,A,Y,"
             "11352.0,375751.2,1,2\n"
             "1,2020-01-02,40,B,11,21,11,40,SWF9S4X,7JD1S2X,\"8W,DK\",,690722,CN,CN,8.5,A,Y,1.5,10,"
             "1,1\n");
    risk_csv_row *rows;
    size_t n;
    errs e;
    errs_init(&e);
    assert_int_equal(risk_csv_parse(text, strlen(text), &rows, &n, &e), 0);
    assert_int_equal(n, 3);
    assert_string_equal(rows[0].fact.decl_id, "CSV-97061800");
    assert_string_equal(rows[0].fact.hs, "440890");
    assert_string_equal(rows[1].fact.hs, "090121"); /* the leading zero restored */
    assert_int_equal(rows[0].fact.value, 372254);
    assert_int_equal(rows[1].fact.net_mass_g, 11352000);
    assert_int_equal(rows[1].fact.tax_rate_bp, 800);
    assert_int_equal(rows[1].fraud, 1);
    assert_int_equal(rows[1].critical, 1);
    assert_int_equal(rows[2].critical, 0);
    assert_string_equal(rows[2].fact.seller, "8W,DK");
    assert_true(rows[1].fact.registered_at > rows[0].fact.registered_at); /* file order */
    assert_true(rows[0].outcome_at > rows[1].fact.registered_at);         /* known later */
    assert_true(rows[0].outcome_at < rows[2].fact.registered_at + 86400);
    free(rows);
}

static void csv_reports_every_problem(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof text, "%s%s", header,
             "1,2020-13-01,30,B,11,21,11,10,A,B,C,,440890,BE,BE,0.0,FEU1,G,108.0,1,0,0\n"
             "2,2020-01-01,30,B,11,21,11,x,A,B,C,,12,BE,BE,-1,FEU1,G,-5,abc,3,7\n"
             "3,2020-01-01,30\n");
    risk_csv_row *rows = NULL;
    size_t n;
    errs *e = calloc(1, sizeof *e);
    errs_init(e);
    assert_int_equal(risk_csv_parse(text, strlen(text), &rows, &n, e), -1);
    assert_null(rows);
    /* row 1: the date; row 2: transport, HS, tax rate, mass, price, both labels; row 3: field
     * count */
    assert_int_equal(e->n, 1 + 7 + 1);
    assert_string_equal(e->items[0].code, "date");
    assert_string_equal(e->items[0].path, "/rows/1");
    assert_string_equal(e->items[e->n - 1].code, "field_count");

    errs_init(e);
    assert_int_equal(risk_csv_parse("Declaration ID,Date\n1,2020-01-01\n", 32, &rows, &n, e), -1);
    assert_int_equal(e->n, 20); /* every missing column named */
    assert_string_equal(e->items[0].code, "missing_column");
    errs_init(e);
    assert_int_equal(risk_csv_parse("", 0, &rows, &n, e), -1);
    assert_string_equal(e->items[0].code, "empty");
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(history_sees_only_the_past),
        cmocka_unit_test(replay_orders_outcomes),
        cmocka_unit_test(replay_groups_items),
        cmocka_unit_test(training_is_deterministic),
        cmocka_unit_test(model_learns_and_round_trips),
        cmocka_unit_test(contributions_sum_to_the_score),
        cmocka_unit_test(corrupt_or_missing_models_are_refused),
        cmocka_unit_test(aeo_scores_lower),
        cmocka_unit_test(shares_hold_on_a_stream),
        cmocka_unit_test(exploration_off_and_thresholds),
        cmocka_unit_test(metrics_by_hand),
        cmocka_unit_test(csv_reads_rows),
        cmocka_unit_test(csv_reports_every_problem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
