/* core/ledger.c: balances derived from append-only entries, and payment splitting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/ledger.h"

/* most entries here carry no dates ({kind, amount}): the debt tests below set them */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

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
}

static void credit_used_elsewhere_or_refunded(void **state)
{
    (void)state;
    /* the credit of an overpayment leaves the declaration; spending or refunding it does not
     * bring anything back to its balance */
    ledger_entry e[] = {{LE_ASSESSED, 1000},
                        {LE_PAID, 1500},
                        {LE_CREDIT, 500},
                        {LE_CREDIT_USED, 200},
                        {LE_REFUNDED, 100}};
    ledger_balance b;
    ledger_balance_of(e, N(e), &b);
    assert_int_equal(b.paid, 1000);
    assert_int_equal(b.credited, 500);
    assert_int_equal(b.credit_used, 200);
    assert_int_equal(b.refunded, 100);
    assert_int_equal(b.credit_left, 200);
    assert_int_equal(b.outstanding, 0);
    assert_int_equal(b.surplus, 0);
    /* the declaration it was spent on: paid by credit counts as paid */
    ledger_entry f[] = {{LE_ASSESSED, 1000}, {LE_PAID, 700}, {LE_PAID_BY_CREDIT, 200}};
    ledger_balance_of(f, N(f), &b);
    assert_int_equal(b.paid, 900);
    assert_int_equal(b.paid_by_credit, 200);
    assert_int_equal(b.outstanding, 100);
    assert_int_equal(b.credit_left, 0);
}

static void payment_releases_guarantee_after_unsecured_part(void **state)
{
    (void)state;
    ledger_balance b;
    /* fully guaranteed: everything paid releases as much */
    ledger_entry e[] = {{LE_ASSESSED, 1000}, {LE_GUARANTEED, 1000}};
    ledger_balance_of(e, N(e), &b);
    assert_int_equal(ledger_guarantee_release(&b, 400), 400);
    assert_int_equal(ledger_guarantee_release(&b, 1000), 1000);
    /* 600 of 1000 guaranteed: the first 400 paid cover the unsecured part */
    ledger_entry f[] = {{LE_ASSESSED, 1000}, {LE_GUARANTEED, 600}};
    ledger_balance_of(f, N(f), &b);
    assert_int_equal(ledger_guarantee_release(&b, 300), 0);
    assert_int_equal(ledger_guarantee_release(&b, 500), 100);
    assert_int_equal(ledger_guarantee_release(&b, 1000), 600);
    /* interest is not guaranteed: paying the tax releases all of the guarantee */
    ledger_entry g[] = {{LE_ASSESSED, 1000}, {LE_GUARANTEED, 1000}, {LE_INTEREST, 30}};
    ledger_balance_of(g, N(g), &b);
    assert_int_equal(ledger_guarantee_release(&b, 1000), 1000);
    /* no guarantee */
    ledger_entry h[] = {{LE_ASSESSED, 1000}};
    ledger_balance_of(h, N(h), &b);
    assert_int_equal(ledger_guarantee_release(&b, 1000), 0);
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

/* ---- debts and their due dates (docs/architecture.md, "Overdue debts") ---------------------- */

static void aeo_deadline_is_the_10th_of_next_month(void **state)
{
    (void)state;
    assert_int_equal(ledger_aeo_deadline(20260115), 20260210);
    assert_int_equal(ledger_aeo_deadline(20261231), 20270110);
    assert_int_equal(ledger_aeo_deadline(20260201), 20260310);
}

static void not_released_not_guaranteed_is_not_due(void **state)
{
    (void)state;
    ledger_entry e[] = {{LE_ASSESSED, 1000, 20260101, 0}};
    ledger_debt d;
    ledger_debt_of(e, N(e), 0, 0, &d);
    assert_int_equal(d.unpaid, 1000);
    assert_int_equal(d.due, 0);
    assert_int_equal(ledger_days_overdue(&d, 20270101), 0);
}

static void guaranteed_is_due_when_the_guarantee_ends(void **state)
{
    (void)state;
    /* released under a guarantee ending on the 20th; partly paid */
    ledger_entry e[] = {{LE_ASSESSED, 1000, 20260101, 0},
                        {LE_GUARANTEED, 1000, 20260101, 20260120},
                        {LE_PAID, 400, 20260105, 0},
                        {LE_GUARANTEED, -400, 20260105, 0}};
    ledger_debt d;
    ledger_debt_of(e, N(e), 0, 20260101, &d);
    assert_int_equal(d.unpaid, 600); /* a guarantee secures the debt, it does not pay it */
    assert_int_equal(d.due, 20260120);
    assert_int_equal(ledger_days_overdue(&d, 20260120), 0); /* paying on the day is on time */
    assert_int_equal(ledger_days_overdue(&d, 20260121), 1);
    assert_int_equal(ledger_days_overdue(&d, 20260420), 90);
    assert_int_equal(ledger_days_overdue(&d, 20260421), 91);
    /* not released yet: the guarantee's end still applies */
    ledger_debt_of(e, N(e), 0, 0, &d);
    assert_int_equal(d.due, 20260120);
}

static void aeo_release_is_due_the_10th_of_next_month(void **state)
{
    (void)state;
    ledger_entry e[] = {{LE_ASSESSED, 1000, 20260115, 0}};
    ledger_debt d;
    ledger_debt_of(e, N(e), 1, 20260115, &d);
    assert_int_equal(d.due, 20260210);
    /* an additional assessment after the release falls into its own month */
    ledger_entry f[] = {{LE_ASSESSED, 1000, 20260115, 0}, {LE_ASSESSED, 200, 20260303, 0}};
    ledger_debt_of(f, N(f), 1, 20260115, &d);
    assert_int_equal(d.due, 20260410);
    /* an AEO declaration not released: nothing deferred, not due */
    ledger_debt_of(e, N(e), 1, 0, &d);
    assert_int_equal(d.due, 0);
}

static void released_unpaid_is_due_at_release_or_later_assessment(void **state)
{
    (void)state;
    ledger_entry e[] = {{LE_ASSESSED, 1000, 20260101, 0},
                        {LE_PAID, 1000, 20260102, 0},
                        {LE_ASSESSED, 300, 20260110, 0}};
    ledger_debt d;
    ledger_debt_of(e, N(e), 0, 20260102, &d);
    assert_int_equal(d.unpaid, 300);
    assert_int_equal(d.due, 20260110);
    /* paid in full (an overpayment moved to credit): nothing owed, never overdue */
    ledger_entry f[] = {{LE_ASSESSED, 1000, 20260101, 0},
                        {LE_PAID, 1500, 20260102, 0},
                        {LE_CREDIT, 500, 20260102, 0}};
    ledger_debt_of(f, N(f), 0, 20260102, &d);
    assert_int_equal(d.unpaid, 0);
    assert_int_equal(ledger_days_overdue(&d, 20270101), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_ledger_owes_nothing),
        cmocka_unit_test(underpayment_leaves_outstanding),
        cmocka_unit_test(reassessment_is_a_signed_delta),
        cmocka_unit_test(overpayment_credited),
        cmocka_unit_test(guarantee_and_interest),
        cmocka_unit_test(credit_used_elsewhere_or_refunded),
        cmocka_unit_test(payment_releases_guarantee_after_unsecured_part),
        cmocka_unit_test(split_payment),
        cmocka_unit_test(kind_names_round_trip),
        cmocka_unit_test(aeo_deadline_is_the_10th_of_next_month),
        cmocka_unit_test(not_released_not_guaranteed_is_not_due),
        cmocka_unit_test(guaranteed_is_due_when_the_guarantee_ends),
        cmocka_unit_test(aeo_release_is_due_the_10th_of_next_month),
        cmocka_unit_test(released_unpaid_is_due_at_release_or_later_assessment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
