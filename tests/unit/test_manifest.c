/* Unit tests for src/core/manifest.c: IMO check digit, manifest deadlines, port-operator
 * locations, consignee format and the gate decision. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/manifest.h"
#include "core/risk.h"

static void imo(void **state)
{
    (void)state;
    assert_true(manifest_imo_valid("9321483")); /* 9*7+3*6+2*5+1*4+4*3+8*2 = 123 -> 3 */
    assert_true(manifest_imo_valid("IMO9321483"));
    assert_false(manifest_imo_valid("9321484"));
    assert_false(manifest_imo_valid("932148"));
    assert_false(manifest_imo_valid("93214830"));
    assert_false(manifest_imo_valid("93a1483"));
    assert_false(manifest_imo_valid(NULL));
}

static void deadlines(void **state)
{
    (void)state;
    assert_int_equal(manifest_deadline_s(1, 0), 3600);
    assert_int_equal(manifest_deadline_s(0, 0), 24 * 3600);
    assert_int_equal(manifest_deadline_s(0, 4), 12 * 3600);
    assert_int_equal(manifest_deadline_s(0, 5), 24 * 3600);
}

static void locations(void **state)
{
    (void)state;
    assert_true(manifest_location_valid("VNHPH"));
    assert_true(manifest_location_valid("VNHPH-TC01"));
    assert_false(manifest_location_valid("VNHPH-"));
    assert_false(manifest_location_valid("VNHPH_TC01"));
    assert_false(manifest_location_valid("VNHPH-tc01"));
    assert_false(manifest_location_valid("VNHPH-ABCDEFGHIJK"));
    assert_true(manifest_location_covers("VNHPH", "VNHPH-TC01"));
    assert_true(manifest_location_covers("VNHPH", "VNHPH"));
    assert_true(manifest_location_covers("VNHPH-TC01", "VNHPH-TC01"));
    assert_false(manifest_location_covers("VNHPH-TC01", "VNHPH-TC02"));
    assert_false(manifest_location_covers("VNHPH-TC01", "VNHPH"));
    assert_false(manifest_location_covers("VNSGN", "VNHPH-TC01"));
}

static void consignee(void **state)
{
    (void)state;
    assert_true(manifest_consignee_valid("0101234567#Hanoi Electronics#1 Trang Tien"));
    assert_true(manifest_consignee_valid("#Nguyen Van A#12 Le Loi, Hue"));
    assert_false(manifest_consignee_valid("0101234567#Hanoi Electronics"));
    assert_false(manifest_consignee_valid("0101234567##1 Trang Tien"));
    assert_false(manifest_consignee_valid("0101234567#A#B#C"));
    assert_false(manifest_consignee_valid("01012#A#B"));
}

static void gate(void **state)
{
    (void)state;
    const char *r[GATE_MAX_REASONS];
    int n;
    gate_facts ok = {.type = GATE_OUT, .in_manifest = 1, .port_ok = 1, .seal_ok = 1, .n_decls = 1};
    assert_true(gate_decide(&ok, r, &n));
    assert_int_equal(n, 0);
    gate_facts f = ok;
    f.n_uncleared = 1;
    f.seal_ok = 0;
    assert_false(gate_decide(&f, r, &n));
    assert_int_equal(n, 2);
    assert_string_equal(r[0], "seal_mismatch");
    assert_string_equal(r[1], "declaration_not_cleared");
    f = ok;
    f.already_out = 1;
    assert_false(gate_decide(&f, r, &n));
    assert_string_equal(r[0], "already_out");
    f = ok;
    f.n_decls = 0;
    assert_false(gate_decide(&f, r, &n));
    assert_string_equal(r[0], "no_declaration");
    gate_facts none = {.type = GATE_OUT};
    assert_false(gate_decide(&none, r, &n));
    assert_int_equal(n, 1);
    assert_string_equal(r[0], "not_in_manifest");
    gate_facts in = {.type = GATE_IN, .in_manifest = 1, .port_ok = 1, .seal_ok = 1};
    assert_true(gate_decide(&in, r, &n)); /* gate-in does not need a declaration */
    in.holds_open = 1;
    assert_false(gate_decide(&in, r, &n));
    assert_string_equal(r[0], "hold_open");
}

/* Exports: into the port against a cleared export declaration, then loaded. */
static void gate_export(void **state)
{
    (void)state;
    const char *r[GATE_MAX_REASONS];
    int n;
    gate_export_facts in = {.type = GATE_IN, .n_decls = 1};
    assert_true(gate_decide_export(&in, r, &n));
    assert_int_equal(n, 0);
    gate_export_facts f = in;
    f.n_uncleared = 1;
    f.gated_in = 1;
    assert_false(gate_decide_export(&f, r, &n));
    assert_int_equal(n, 2);
    assert_string_equal(r[0], "declaration_not_cleared");
    assert_string_equal(r[1], "already_in");
    f = (gate_export_facts){.type = GATE_IN, .n_elsewhere = 1};
    assert_false(gate_decide_export(&f, r, &n));
    assert_string_equal(r[0], "wrong_port");
    f = (gate_export_facts){.type = GATE_LOADED};
    assert_false(gate_decide_export(&f, r, &n));
    assert_int_equal(n, 2);
    assert_string_equal(r[0], "no_export_declaration");
    assert_string_equal(r[1], "not_gated_in");
    gate_export_facts load = {.type = GATE_LOADED, .n_decls = 1, .gated_in = 1};
    assert_true(gate_decide_export(&load, r, &n));
    load.loaded = 1;
    load.seal_mismatch = 1;
    assert_false(gate_decide_export(&load, r, &n));
    assert_string_equal(r[0], "already_loaded");
    assert_string_equal(r[1], "seal_mismatch");
}

static void screening(void **state)
{
    (void)state;
    risk_rule rules[4] = {
        {.id = 1, .hs_prefix = "8703", .action = CH_RED, .priority = 10, .active = 1},
        {.id = 2,
         .hs_prefix = "8703",
         .origin = "CN",
         .action = CH_RED,
         .priority = 90,
         .active = 1},
        {.id = 3, .importer = "0101234567", .action = CH_RED, .priority = 50, .active = 1},
        {.id = 4, .hs_prefix = "9503", .action = CH_YELLOW, .priority = 5, .active = 1},
    };
    assert_int_equal(manifest_screen(rules, 4, "870323", "0301234568", "Acme", "JP", 20261123), 0);
    assert_int_equal(manifest_screen(rules, 4, "870323", "0101234567", "Acme", "JP", 20261123), 2);
    assert_int_equal(manifest_screen(rules, 4, "8703", "", "Acme", "JP", 20261123), 0);
    /* rule 2 (origin CN, highest priority) applies to cargo loaded in a Chinese port */
    assert_int_equal(manifest_screen(rules, 4, "870323", "0301234568", "Acme", "CN", 20261123), 1);
    assert_int_equal(manifest_screen(rules, 4, "870323", "0301234568", "Acme", "", 20261123), 0);
    assert_int_equal(manifest_screen(rules, 4, "9503", "", "Acme", "CN", 20261123),
                     -1); /* yellow: no hold */
    assert_int_equal(manifest_screen(rules, 4, "870", "", "Acme", "CN", 20261123), -1);
    /* a shipper rule: case-insensitive substring of the shipper named on the bill */
    risk_rule by_shipper = {
        .id = 5, .shipper = "shadow trading", .action = CH_RED, .priority = 1, .active = 1};
    assert_int_equal(
        manifest_screen(&by_shipper, 1, "940510", "", "SHADOW TRADING HK LTD", "HK", 20261123), 0);
    assert_int_equal(
        manifest_screen(&by_shipper, 1, "940510", "", "Honest Exports", "HK", 20261123), -1);
    rules[0].valid_to = 20261001;
    assert_int_equal(manifest_screen(rules, 4, "870323", "", "Acme", "JP", 20261123), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(imo),         cmocka_unit_test(deadlines), cmocka_unit_test(locations),
        cmocka_unit_test(consignee),   cmocka_unit_test(gate),      cmocka_unit_test(screening),
        cmocka_unit_test(gate_export),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
