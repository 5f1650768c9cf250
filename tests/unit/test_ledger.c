/* core/ledger.c: balances derived from append-only entries, and payment splitting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/ledger.h"

#define N(a) ((int)(sizeof a / sizeof *a))

static void empty_ledger_owes_nothing(void **state)
{
    (void)state;
    ledger_balance b;
    ledger_balance_of(NULL, 0, &b);
    assert_int_equal(b.assessed, 0);
    assert_int_equal(b.outstanding, 0);
    assert_int_equal(b.surplus, 0);
}

static void underpayment_leaves_outstanding(void **state)
{
    (void)state;
    ledger_entry e[] = {{LE_ASSESSED, 1000000}, {LE_PAID, 400000}, {LE_PAID, 100000}};
    ledger_balance b;
    ledger_balance_of(e, N(e), &b);
    assert_int_equal(b.assessed, 1000000);
    assert_int_equal(b.paid, 500000);
    assert_int_equal(b.outstanding, 500000);
    assert_int_equal(b.surplus, 0);
}

static void reassessment_is_a_signed_delta(void **state)
{
    (void)state;
    ledger_entry e[] = {{LE_ASSESSED, 1000000}, {LE_ASSESSED, -300000}, {LE_PAID, 700000}};
    ledger_balance b;
    ledger_balance_of(e, N(e), &b);
    assert_int_equal(b.assessed, 700000);
    assert_int_equal(b.outstanding, 0);
    assert_int_equal(b.surplus, 0);
    /* lowered after payment: the difference is a surplus until credited */
    ledger_entry f[] = {{LE_ASSESSED, 1000000}, {LE_PAID, 1000000}, {LE_ASSESSED, -250000}};
    ledger_balance_of(f, N(f), &b);
    assert_int_equal(b.surplus, 250000);
    assert_int_equal(b.outstanding, 0);
}

static void overpayment_credited(void **state)
{
    (void)state;
    ledger_entry e[] = {{LE_ASSESSED, 1000}, {LE_PAID, 1500}, {LE_CREDIT, 500}};
    ledger_balance b;
    ledger_balance_of(e, N(e), &b);
    assert_int_equal(b.paid, 1000);
    assert_int_equal(b.credited, 500);
    assert_int_equal(b.outstanding, 0);
    assert_int_equal(b.surplus, 0);
}

static void guarantee_and_interest(void **state)
{
    (void)state;
    ledger_entry e[] = {{LE_ASSESSED, 1000}, {LE_GUARANTEED, 1000}, {LE_INTEREST, 30}};
    ledger_balance b;
    ledger_balance_of(e, N(e), &b);
    assert_int_equal(b.assessed, 1030);
    assert_int_equal(b.interest, 30);
    assert_int_equal(b.outstanding, 30); /* the guarantee does not cover later interest */
    ledger_entry f[] = {{LE_ASSESSED, 1000}, {LE_PAID, 1000}, {LE_REFUND, 200}};
    ledger_balance_of(f, N(f), &b);
    assert_int_equal(b.paid, 800);
    assert_int_equal(b.outstanding, 200);
}

static void split_payment(void **state)
{
    (void)state;
    ledger_entry e[] = {{LE_ASSESSED, 1000}, {LE_PAID, 300}};
    ledger_balance b;
    int64_t applied, excess;
    ledger_balance_of(e, N(e), &b);
    ledger_split_payment(&b, 500, 1, &applied, &excess);
    assert_int_equal(applied, 500);
    assert_int_equal(excess, 0);
    ledger_split_payment(&b, 900, 1, &applied, &excess);
    assert_int_equal(applied, 700);
    assert_int_equal(excess, 200);
    /* a declaration that owes nothing (cancelled): everything is credited */
    ledger_split_payment(&b, 900, 0, &applied, &excess);
    assert_int_equal(applied, 0);
    assert_int_equal(excess, 900);
    /* already overpaid */
    ledger_entry f[] = {{LE_ASSESSED, 1000}, {LE_PAID, 1200}};
    ledger_balance_of(f, N(f), &b);
    ledger_split_payment(&b, 100, 1, &applied, &excess);
    assert_int_equal(applied, 0);
    assert_int_equal(excess, 100);
}

static void kind_names_round_trip(void **state)
{
    (void)state;
    for (int k = 0; k < LE_COUNT; k++)
        assert_int_equal(ledger_kind_parse(ledger_kind_name((ledger_kind)k)), k);
    assert_int_equal(ledger_kind_parse("bogus"), LE_COUNT);
    assert_int_equal(ledger_kind_parse(NULL), LE_COUNT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_ledger_owes_nothing),
        cmocka_unit_test(underpayment_leaves_outstanding),
        cmocka_unit_test(reassessment_is_a_signed_delta),
        cmocka_unit_test(overpayment_credited),
        cmocka_unit_test(guarantee_and_interest),
        cmocka_unit_test(split_payment),
        cmocka_unit_test(kind_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
