/* Unit tests for src/core/risk.c: rule conditions, channel precedence, sampling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/risk.h"

typedef struct fixture {
    decl d;
    decl_item items[2];
    int64_t item_value[2];
    risk_input in;
    risk_policy policy;
} fixture;

static fixture F;

/* An import of two items: 10 phones from CN (1,000,000 VND customs value: 100,000 VND each) and
 * 2.5 kg of parts from JP (250,000 VND: 100,000 VND per kg). */
static int setup(void **state)
{
    memset(&F, 0, sizeof F);
    F.d.kind = DECL_IMPORT;
    strcpy(F.d.type_code, "A11");
    strcpy(F.d.customs_office, "02CI");
    strcpy(F.d.declarant, "0309999999");
    strcpy(F.d.importer.tax_code, "0101234567");
    strcpy(F.d.exporter.tax_code, "");
    strcpy(F.d.exporter.country, "CN");
    strcpy(F.items[0].hs_code, "85171300");
    strcpy(F.items[0].origin, "CN");
    F.items[0].quantity = 100000; /* 10 */
    strcpy(F.items[1].hs_code, "84733090");
    strcpy(F.items[1].origin, "JP");
    F.items[1].quantity = 25000; /* 2.5 */
    F.item_value[0] = 1000000;
    F.item_value[1] = 250000;
    F.d.items = F.items;
    F.d.n_items = 2;
    F.in.d = &F.d;
    F.in.item_customs_value = F.item_value;
    F.in.customs_value = 1250000;
    F.in.date = 20261120;
    F.in.aeo = 0;
    F.in.compliance = 2;
    F.in.model_channel = CH_NONE;
    F.in.model_explored = 0;
    F.in.random_draw = 999999; /* outside any sampling band by default */
    F.policy.random_red_ppm = 0;
    F.policy.random_yellow_ppm = 0;
    *state = &F;
    return 0;
}

static risk_rule rule(int64_t id, int action)
{
    risk_rule r;
    memset(&r, 0, sizeof r);
    r.id = id;
    snprintf(r.name, sizeof r.name, "rule %lld", (long long)id);
    r.action = action;
    r.priority = 1;
    r.active = 1;
    return r;
}

static void classify(const risk_rule *rules, int n, risk_decision *out)
{
    risk_classify(rules, n, &F.policy, &F.in, out);
}

static void no_rules_green(void **state)
{
    (void)state;
    risk_decision out;
    classify(NULL, 0, &out);
    assert_int_equal(out.channel, CH_GREEN);
    assert_int_equal(out.n_reasons, 0);
}

static void empty_rule_matches_everything(void **state)
{
    (void)state;
    risk_rule r = rule(1, CH_YELLOW);
    assert_true(risk_rule_matches(&r, &F.in));
}

static void cond_hs_prefix(void **state)
{
    (void)state;
    risk_rule r = rule(1, CH_RED);
    strcpy(r.hs_prefix, "8517");
    assert_true(risk_rule_matches(&r, &F.in));
    strcpy(r.hs_prefix, "8473309"); /* second item */
    assert_true(risk_rule_matches(&r, &F.in));
    strcpy(r.hs_prefix, "85171300");
    assert_true(risk_rule_matches(&r, &F.in));
    strcpy(r.hs_prefix, "8518");
    assert_false(risk_rule_matches(&r, &F.in));
    strcpy(r.hs_prefix, "85171301");
    assert_false(risk_rule_matches(&r, &F.in));
}

static void cond_origin(void **state)
{
    (void)state;
    risk_rule r = rule(1, CH_RED);
    strcpy(r.origin, "JP");
    assert_true(risk_rule_matches(&r, &F.in));
    strcpy(r.origin, "KR");
    assert_false(risk_rule_matches(&r, &F.in));
    /* item conditions must hold on the SAME item: CN phones, not CN parts */
    strcpy(r.origin, "CN");
    strcpy(r.hs_prefix, "8473");
    assert_false(risk_rule_matches(&r, &F.in));
    strcpy(r.hs_prefix, "8517");
    assert_true(risk_rule_matches(&r, &F.in));
}

static void cond_importer(void **state)
{
    (void)state;
    risk_rule r = rule(1, CH_RED);
    strcpy(r.importer, "0101234567");
    assert_true(risk_rule_matches(&r, &F.in));
    strcpy(r.importer, "0107654321");
    assert_false(risk_rule_matches(&r, &F.in));
    /* for exports the Vietnamese enterprise is the exporter */
    F.d.kind = DECL_EXPORT;
    strcpy(F.d.exporter.tax_code, "0107654321");
    assert_true(risk_rule_matches(&r, &F.in));
    strcpy(r.importer, "0101234567");
    assert_false(risk_rule_matches(&r, &F.in));
}

static void cond_declarant(void **state)
{
    (void)state;
    risk_rule r = rule(1, CH_YELLOW);
    strcpy(r.declarant, "0309999999");
    assert_true(risk_rule_matches(&r, &F.in));
    strcpy(r.declarant, "0101234567"); /* the importer is not the declarant here */
    assert_false(risk_rule_matches(&r, &F.in));
}

static void cond_type_code(void **state)
{
    (void)state;
    risk_rule r = rule(1, CH_YELLOW);
    strcpy(r.type_code, "A11");
    assert_true(risk_rule_matches(&r, &F.in));
    strcpy(r.type_code, "E31");
    assert_false(risk_rule_matches(&r, &F.in));
}

static void cond_office(void **state)
{
    (void)state;
    risk_rule r = rule(1, CH_YELLOW);
    strcpy(r.office, "02CI");
    assert_true(risk_rule_matches(&r, &F.in));
    strcpy(r.office, "03CC");
    assert_false(risk_rule_matches(&r, &F.in));
}

static void cond_shipper(void **state)
{
    (void)state;
    risk_rule r = rule(9, CH_RED);
    strcpy(r.shipper, "shadow trading");
    strcpy(F.d.exporter.name, "Honest Exports Ltd");
    assert_false(risk_rule_matches(&r, &F.in));
    strcpy(F.d.exporter.name, "SHADOW TRADING (HK) LTD"); /* case-insensitive substring */
    assert_true(risk_rule_matches(&r, &F.in));
    F.d.kind = DECL_EXPORT; /* exports: the foreign party is a buyer, not a shipper */
    assert_false(risk_rule_matches(&r, &F.in));
}

static void cond_min_value(void **state)
{
    (void)state;
    risk_rule r = rule(1, CH_YELLOW);
    r.min_value_vnd = 1250000; /* >= */
    assert_true(risk_rule_matches(&r, &F.in));
    r.min_value_vnd = 1250001;
    assert_false(risk_rule_matches(&r, &F.in));
    r.min_value_vnd = 1;
    assert_true(risk_rule_matches(&r, &F.in));
}

static void cond_unit_value(void **state)
{
    (void)state;
    risk_rule r = rule(1, CH_RED);
    /* both items are worth exactly 100,000 VND per unit: "< 100,000" does not hold */
    r.max_unit_value_vnd = 100000;
    assert_false(risk_rule_matches(&r, &F.in));
    r.max_unit_value_vnd = 100001;
    assert_true(risk_rule_matches(&r, &F.in));

    /* the quantity's 4 decimals are scaled away: 2.5 units for 250,000 is 100,000 per unit,
     * not 10 per unit */
    strcpy(r.origin, "JP");
    r.max_unit_value_vnd = 100001;
    assert_true(risk_rule_matches(&r, &F.in));
    r.max_unit_value_vnd = 100000;
    assert_false(risk_rule_matches(&r, &F.in));
    F.item_value[1] = 249999; /* 99,999.6 per unit */
    assert_true(risk_rule_matches(&r, &F.in));

    /* no per-item values or a zero quantity: the condition cannot be evaluated, no match */
    F.in.item_customs_value = NULL;
    assert_false(risk_rule_matches(&r, &F.in));
    F.in.item_customs_value = F.item_value;
    F.items[1].quantity = 0;
    assert_false(risk_rule_matches(&r, &F.in));
}

static void unit_value_large_no_overflow(void **state)
{
    (void)state;
    risk_rule r = rule(1, CH_RED);
    /* 10^15 VND for 10^14 units: 10 VND per unit; the cross-multiplication needs 128 bits */
    F.item_value[0] = 1000000000000000LL;
    F.items[0].quantity = 100000000000000LL * 10000;
    F.item_value[1] = 1000000000000000LL;
    F.items[1].quantity = 10000; /* 1 unit: 10^15 per unit */
    r.max_unit_value_vnd = 11;
    assert_true(risk_rule_matches(&r, &F.in));
    r.max_unit_value_vnd = 10;
    assert_false(risk_rule_matches(&r, &F.in));
}

static void cond_validity(void **state)
{
    (void)state;
    risk_rule r = rule(1, CH_YELLOW);
    r.valid_from = 20261120;
    assert_true(risk_rule_matches(&r, &F.in)); /* inclusive */
    r.valid_from = 20261121;
    assert_false(risk_rule_matches(&r, &F.in));
    r.valid_from = 0;
    r.valid_to = 20261120;
    assert_true(risk_rule_matches(&r, &F.in)); /* inclusive */
    r.valid_to = 20261119;
    assert_false(risk_rule_matches(&r, &F.in));
    r.valid_from = 20260101;
    r.valid_to = 20261231;
    assert_true(risk_rule_matches(&r, &F.in));
}

static void cond_inactive(void **state)
{
    (void)state;
    risk_rule r = rule(1, CH_RED);
    r.active = 0;
    assert_false(risk_rule_matches(&r, &F.in));
    risk_decision out;
    classify(&r, 1, &out);
    assert_int_equal(out.channel, CH_GREEN);
    assert_int_equal(out.n_reasons, 0);
}

static void all_conditions_must_hold(void **state)
{
    (void)state;
    risk_rule r = rule(1, CH_RED);
    strcpy(r.hs_prefix, "85");
    strcpy(r.origin, "CN");
    strcpy(r.importer, "0101234567");
    strcpy(r.declarant, "0309999999");
    strcpy(r.type_code, "A11");
    strcpy(r.office, "02CI");
    r.min_value_vnd = 1000000;
    r.max_unit_value_vnd = 200000;
    r.valid_from = 20260101;
    r.valid_to = 20270101;
    assert_true(risk_rule_matches(&r, &F.in));
    strcpy(r.office, "02CX");
    assert_false(risk_rule_matches(&r, &F.in));
}

static void rule_reason_order_and_channel(void **state)
{
    (void)state;
    risk_rule rules[3] = {rule(7, CH_YELLOW), rule(3, CH_RED), rule(5, CH_YELLOW)};
    rules[0].priority = 30;
    rules[1].priority = 20;
    rules[2].priority = 10;
    strcpy(rules[2].origin, "KR"); /* does not match */
    risk_decision out;
    classify(rules, 3, &out);
    assert_int_equal(out.channel, CH_RED); /* the strictest matching rule wins */
    assert_int_equal(out.n_reasons, 2);
    assert_string_equal(out.reasons[0].code, "rule");
    assert_int_equal(out.reasons[0].rule_id, 7);
    assert_int_equal(out.reasons[0].channel, CH_YELLOW);
    assert_string_equal(out.reasons[0].text, "rule 7: rule 7");
    assert_int_equal(out.reasons[1].rule_id, 3);
    assert_int_equal(out.reasons[1].channel, CH_RED);
}

static void rules_before_compliance(void **state)
{
    (void)state;
    risk_rule r = rule(9, CH_YELLOW);
    F.in.compliance = 4;
    risk_decision out;
    classify(&r, 1, &out);
    assert_int_equal(out.channel, CH_RED);
    assert_int_equal(out.n_reasons, 2);
    assert_string_equal(out.reasons[0].code, "rule");
    assert_string_equal(out.reasons[1].code, "compliance");
}

static void compliance_classes(void **state)
{
    (void)state;
    risk_decision out;
    for (int c = 0; c <= 2; c++) {
        F.in.compliance = c;
        classify(NULL, 0, &out);
        assert_int_equal(out.channel, CH_GREEN);
        assert_int_equal(out.n_reasons, 0);
    }
    F.in.compliance = 3;
    classify(NULL, 0, &out);
    assert_int_equal(out.channel, CH_YELLOW);
    assert_int_equal(out.n_reasons, 1);
    assert_string_equal(out.reasons[0].code, "compliance");
    assert_int_equal(out.reasons[0].channel, CH_YELLOW);
    F.in.compliance = 4;
    classify(NULL, 0, &out);
    assert_int_equal(out.channel, CH_RED);
    assert_int_equal(out.n_reasons, 1);
    assert_int_equal(out.reasons[0].channel, CH_RED);
}

static void aeo_green_without_rule(void **state)
{
    (void)state;
    risk_decision out;
    F.in.aeo = 1;
    F.in.compliance = 4;
    F.in.model_channel = CH_RED;       /* the score alone never selects a priority enterprise */
    F.policy.random_red_ppm = 1000000; /* would select everybody */
    F.in.random_draw = 0;
    classify(NULL, 0, &out);
    assert_int_equal(out.channel, CH_GREEN);
    assert_int_equal(out.n_reasons, 1);
    assert_string_equal(out.reasons[0].code, "aeo");
    assert_int_equal(out.reasons[0].channel, CH_GREEN);

    /* a matching rule still selects an AEO, and only the rule speaks */
    risk_rule r = rule(4, CH_YELLOW);
    strcpy(r.hs_prefix, "8517");
    classify(&r, 1, &out);
    assert_int_equal(out.channel, CH_YELLOW);
    assert_int_equal(out.n_reasons, 1);
    assert_string_equal(out.reasons[0].code, "rule");
    assert_int_equal(out.reasons[0].rule_id, 4);

    /* a non-matching rule leaves it green */
    strcpy(r.hs_prefix, "01");
    classify(&r, 1, &out);
    assert_int_equal(out.channel, CH_GREEN);
    assert_string_equal(out.reasons[0].code, "aeo");

    /* an exploration draw is a random compliance check: it may select a priority enterprise */
    F.in.model_explored = 1;
    classify(NULL, 0, &out);
    assert_int_equal(out.channel, CH_RED);
    assert_string_equal(out.reasons[0].code, "exploration");
}

static void random_sampling(void **state)
{
    (void)state;
    risk_decision out;
    F.policy.random_red_ppm = 10000;    /* 1 % */
    F.policy.random_yellow_ppm = 20000; /* 2 % */
    static const struct {
        uint64_t draw;
        int channel;
    } cases[] = {
        {0, CH_RED},
        {9999, CH_RED},
        {10000, CH_YELLOW},
        {29999, CH_YELLOW},
        {30000, CH_GREEN},
        {999999, CH_GREEN},
        {1000000, CH_RED}, /* draws are taken mod 10^6 */
        {3000015000ULL, CH_YELLOW},
        {UINT64_MAX, CH_GREEN}, /* 18446744073709551615 mod 10^6 = 551615 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        F.in.random_draw = cases[i].draw;
        classify(NULL, 0, &out);
        assert_int_equal(out.channel, cases[i].channel);
        if (cases[i].channel == CH_GREEN) {
            assert_int_equal(out.n_reasons, 0);
        } else {
            assert_int_equal(out.n_reasons, 1);
            assert_string_equal(out.reasons[0].code, "random");
            assert_int_equal(out.reasons[0].channel, cases[i].channel);
        }
    }
    /* no sampling at all when both shares are 0 */
    F.policy.random_red_ppm = F.policy.random_yellow_ppm = 0;
    F.in.random_draw = 0;
    classify(NULL, 0, &out);
    assert_int_equal(out.channel, CH_GREEN);
}

static void model_band(void **state)
{
    (void)state;
    risk_decision out;
    F.in.compliance = 4;               /* without a model: the class escalates to red */
    F.policy.random_red_ppm = 1000000; /* and sampling would select everybody */
    F.in.random_draw = 0;

    F.in.model_channel = CH_GREEN; /* with one, the score (which weighs the class) decides */
    classify(NULL, 0, &out);
    assert_int_equal(out.channel, CH_GREEN);
    assert_int_equal(out.n_reasons, 0);

    F.in.model_channel = CH_RED;
    classify(NULL, 0, &out);
    assert_int_equal(out.channel, CH_RED);
    assert_int_equal(out.n_reasons, 1);
    assert_string_equal(out.reasons[0].code, "model");

    F.in.model_channel = CH_YELLOW;
    classify(NULL, 0, &out);
    assert_int_equal(out.channel, CH_YELLOW);
    assert_string_equal(out.reasons[0].code, "model");

    F.in.model_explored = 1;
    classify(NULL, 0, &out);
    assert_int_equal(out.channel, CH_YELLOW);
    assert_string_equal(out.reasons[0].code, "exploration");

    /* a must-red rule always wins over a green score, and speaks first */
    F.in.model_explored = 0;
    F.in.model_channel = CH_GREEN;
    risk_rule r = rule(9, CH_RED);
    classify(&r, 1, &out);
    assert_int_equal(out.channel, CH_RED);
    assert_string_equal(out.reasons[0].code, "rule");
    F.in.model_channel = CH_YELLOW;
    classify(&r, 1, &out);
    assert_int_equal(out.channel, CH_RED);
    assert_string_equal(out.reasons[0].code, "rule");
    assert_string_equal(out.reasons[1].code, "model");

    F.in.model_channel = CH_NONE; /* no model: the class and sampling again */
    classify(NULL, 0, &out);
    assert_int_equal(out.channel, CH_RED);
    assert_string_equal(out.reasons[0].code, "compliance");
}

static void reasons_in_precedence_order(void **state)
{
    (void)state;
    risk_decision out;
    risk_rule r = rule(2, CH_YELLOW);
    F.in.compliance = 3;
    F.policy.random_red_ppm = 1000;
    F.in.random_draw = 5;
    classify(&r, 1, &out);
    assert_int_equal(out.n_reasons, 3);
    assert_string_equal(out.reasons[0].code, "rule");
    assert_string_equal(out.reasons[1].code, "compliance");
    assert_string_equal(out.reasons[2].code, "random");
    assert_int_equal(out.channel, CH_RED);
}

static void reasons_capped(void **state)
{
    (void)state;
    risk_rule rules[RISK_MAX_REASONS + 4];
    for (int i = 0; i < RISK_MAX_REASONS + 4; i++)
        rules[i] = rule(i + 1, CH_YELLOW);
    rules[RISK_MAX_REASONS + 3].action = CH_RED; /* beyond the cap, still decides the channel */
    risk_decision out;
    classify(rules, RISK_MAX_REASONS + 4, &out);
    assert_int_equal(out.n_reasons, RISK_MAX_REASONS);
    assert_int_equal(out.channel, CH_RED);
    assert_int_equal(out.reasons[RISK_MAX_REASONS - 1].rule_id, RISK_MAX_REASONS);
}

static void rule_validity_checks(void **state)
{
    (void)state;
    char why[96];
    risk_rule r = rule(1, CH_YELLOW);
    assert_true(risk_rule_valid(&r, why, sizeof why));
    r.action = CH_RED;
    assert_true(risk_rule_valid(&r, why, sizeof why));

    r.action = CH_GREEN;
    why[0] = 0;
    assert_false(risk_rule_valid(&r, why, sizeof why));
    assert_non_null(strstr(why, "action"));
    r.action = CH_NONE;
    assert_false(risk_rule_valid(&r, why, sizeof why));
    r.action = CH_RED;

    strcpy(r.hs_prefix, "85a1");
    assert_false(risk_rule_valid(&r, why, sizeof why));
    assert_non_null(strstr(why, "digits"));
    strcpy(r.hs_prefix, "8");
    assert_false(risk_rule_valid(&r, why, sizeof why));
    strcpy(r.hs_prefix, "85");
    assert_true(risk_rule_valid(&r, why, sizeof why));
    strcpy(r.hs_prefix, "85171300");
    assert_true(risk_rule_valid(&r, why, sizeof why));

    r.valid_from = 20261201;
    r.valid_to = 20261130;
    assert_false(risk_rule_valid(&r, why, sizeof why));
    assert_non_null(strstr(why, "valid_to"));
    r.valid_to = 20261201; /* one-day rule */
    assert_true(risk_rule_valid(&r, why, sizeof why));
    r.valid_from = 0; /* open start */
    assert_true(risk_rule_valid(&r, why, sizeof why));

    r.min_value_vnd = -1;
    assert_false(risk_rule_valid(&r, why, sizeof why));
    r.min_value_vnd = 0;
    r.max_unit_value_vnd = -5;
    assert_false(risk_rule_valid(&r, why, sizeof why));
    assert_non_null(strstr(why, "negative"));
}

/* an AEO's green cannot undo a selection the same goods had before cancelling */
static void inherited_selection(void **state)
{
    (void)state;
    risk_decision out;
    F.in.aeo = 1;
    classify(NULL, 0, &out);
    assert_int_equal(out.channel, CH_GREEN);
    risk_inherit_selection(&out, CH_RED, "100000000123");
    assert_int_equal(out.channel, CH_RED);
    assert_string_equal(out.reasons[out.n_reasons - 1].code, "inherited");
    assert_non_null(strstr(out.reasons[out.n_reasons - 1].text, "100000000123"));
    int n = out.n_reasons;
    risk_inherit_selection(&out, CH_GREEN, "100000000124"); /* nothing selected: no effect */
    assert_int_equal(out.n_reasons, n);
    risk_inherit_selection(&out, CH_YELLOW, "100000000125"); /* never lowers */
    assert_int_equal(out.channel, CH_RED);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(no_rules_green),
        T(empty_rule_matches_everything),
        T(cond_hs_prefix),
        T(cond_origin),
        T(cond_importer),
        T(cond_declarant),
        T(cond_type_code),
        T(cond_office),
        T(cond_shipper),
        T(cond_min_value),
        T(cond_unit_value),
        T(unit_value_large_no_overflow),
        T(cond_validity),
        T(cond_inactive),
        T(all_conditions_must_hold),
        T(rule_reason_order_and_channel),
        T(rules_before_compliance),
        T(compliance_classes),
        T(aeo_green_without_rule),
        T(random_sampling),
        T(model_band),
        T(reasons_in_precedence_order),
        T(reasons_capped),
        T(rule_validity_checks),
        T(inherited_selection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
