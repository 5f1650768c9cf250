/* core/origin: forms of proof of origin and their criteria. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/origin.h"

static void forms(void **state)
{
    (void)state;
    assert_non_null(origin_form_find("E"));
    assert_non_null(origin_form_find("e")); /* as declared, any case */
    assert_non_null(origin_form_find("EUR.1"));
    assert_null(origin_form_find("ZZ"));
    assert_null(origin_form_find(""));
    assert_null(origin_form_find(NULL));
    assert_string_equal(origin_form_find("E")->agreement, "ACFTA");
    assert_string_equal(origin_form_find("D")->agreement, "ATIGA");
    for (size_t i = 0; i < origin_form_count(); i++) {
        const origin_form *f = origin_form_at(i);
        assert_non_null(f->criteria);
        assert_true(f->criteria[0] != 0);
        assert_ptr_equal(origin_form_find(f->form), f); /* one row per form */
    }
    assert_null(origin_form_at(origin_form_count()));
}

static void criteria(void **state)
{
    (void)state;
    const origin_form *e = origin_form_find("E"), *cp = origin_form_find("CPTPP"),
                      *aj = origin_form_find("AJ");
    assert_true(origin_criterion_valid(e, "WO"));
    assert_true(origin_criterion_valid(e, "RVC 40%"));
    assert_true(origin_criterion_valid(e, "CTH+RVC"));
    assert_true(origin_criterion_valid(e, "40%")); /* a value-content percentage */
    assert_true(origin_criterion_valid(e, " pe"));
    assert_false(origin_criterion_valid(e, "BOGUS"));
    assert_false(origin_criterion_valid(e, "W"));  /* not a prefix match: the whole code */
    assert_false(origin_criterion_valid(e, "40")); /* a number without % */
    assert_false(origin_criterion_valid(e, ""));
    assert_false(origin_criterion_valid(e, NULL));
    assert_false(origin_criterion_valid(NULL, "WO"));
    assert_true(origin_criterion_valid(cp, "A"));
    assert_false(origin_criterion_valid(cp, "WO"));
    assert_false(origin_criterion_valid(cp, "40%")); /* CPTPP states A-D, no RVC/LVC code */
    assert_true(origin_criterion_valid(aj, "35%"));  /* AJ: LVC */
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(forms), cmocka_unit_test(criteria)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
