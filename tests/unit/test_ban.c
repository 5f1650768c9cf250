/* Unit tests for src/core/ban.c: bans of the shipped procedures data, per direction and
 * condition, and the CAS check digit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/ban.h"
#include "decl_fixture.h" /* errs_new, errs_free */

static tariff *T;

static int load(void **state)
{
    (void)state;
    errs *e = errs_new();
    int rc = tariff_load(ECUSTOMS_DATA_DIR "/tariff", &T, e);
    free(e);
    return rc;
}

static int unload(void **state)
{
    (void)state;
    tariff_free(T);
    return 0;
}

/* One item of hs in a declaration of kind; the facts as given ("" = absent). */
static int check(const char *hs, int kind, const char *type_code, const char *condition,
                 const char *cas, const char *timber, errs *e)
{
    static decl_item it;
    static decl d;
    memset(&it, 0, sizeof it);
    memset(&d, 0, sizeof d);
    snprintf(it.hs_code, sizeof it.hs_code, "%s", hs);
    snprintf(it.condition, sizeof it.condition, "%s", condition);
    snprintf(it.cas_number, sizeof it.cas_number, "%s", cas);
    snprintf(it.timber_origin, sizeof it.timber_origin, "%s", timber);
    d.kind = kind;
    snprintf(d.type_code, sizeof d.type_code, "%s", type_code);
    d.items = &it;
    d.n_items = 1;
    errs_init(e);
    ban_check(T, &d, e);
    return e->n;
}

static const char *code0(const errs *e) { return e->n ? e->items[0].code : ""; }
static const char *path0(const errs *e) { return e->n ? e->items[0].path : ""; }

static void test_cas_check_digit(void **state)
{
    (void)state;
    assert_true(ban_cas_valid("107-44-8"));   /* sarin */
    assert_true(ban_cas_valid("50782-69-9")); /* VX */
    assert_true(ban_cas_valid("7732-18-5"));  /* water */
    assert_false(ban_cas_valid("107-44-9"));  /* wrong check digit */
    assert_false(ban_cas_valid("1-44-8"));    /* first part too short */
    assert_false(ban_cas_valid("107448"));
    assert_false(ban_cas_valid("107-4-48"));
    assert_false(ban_cas_valid("10a-44-8"));
    assert_false(ban_cas_valid(""));
}

static void test_used_goods_ban_on_import_only(void **state)
{
    (void)state;
    errs *e = errs_new();
    assert_int_equal(check("85171300", DECL_IMPORT, "A11", "used", "", "", e), 1);
    assert_string_equal(code0(e), "prohibited");
    assert_string_equal(path0(e), "/items/0/condition");
    assert_non_null(strstr(e->items[0].message, "08/2023/TT-BCT"));
    assert_non_null(strstr(e->items[0].message, "11/2018/TT-BTTTT"));
    assert_int_equal(check("85171300", DECL_IMPORT, "A11", "new", "", "", e), 0);
    assert_int_equal(check("85171300", DECL_IMPORT, "A11", "", "", "", e), 1);
    assert_string_equal(code0(e), "required");
    /* the ban is on imports: an export of used phones is not asked anything */
    assert_int_equal(check("85171300", DECL_EXPORT, "B11", "used", "", "", e), 0);
    /* a line without such a ban */
    assert_int_equal(check("85044019", DECL_IMPORT, "A11", "", "", "", e), 0);
    assert_int_equal(check("85044019", DECL_IMPORT, "A11", "second-hand", "", "", e), 1);
    assert_string_equal(code0(e), "enum");
    free(e);
}

static void test_chemicals_by_cas(void **state)
{
    (void)state;
    errs *e = errs_new();
    assert_int_equal(check("29314990", DECL_IMPORT, "A11", "", "107-44-8", "", e), 1);
    assert_string_equal(code0(e), "prohibited");
    assert_string_equal(path0(e), "/items/0/cas_number");
    assert_non_null(strstr(e->items[0].message, "Sarin"));
    assert_int_equal(check("29314990", DECL_EXPORT, "B11", "", "107-44-8", "", e),
                     1); /* both ways */
    assert_int_equal(check("29314990", DECL_IMPORT, "A11", "", "67-64-1", "", e), 0);
    assert_int_equal(check("29314990", DECL_IMPORT, "A11", "", "", "", e), 1);
    assert_string_equal(code0(e), "required");
    assert_int_equal(check("29314990", DECL_IMPORT, "A11", "", "107-44-9", "", e), 1);
    assert_string_equal(code0(e), "cas_number");
    free(e);
}

static void test_timber_and_type_code(void **state)
{
    (void)state;
    errs *e = errs_new();
    assert_int_equal(check("44039990", DECL_EXPORT, "B11", "", "", "natural_forest", e), 1);
    assert_string_equal(code0(e), "prohibited");
    assert_int_equal(check("44039990", DECL_EXPORT, "B11", "", "", "plantation", e), 0);
    assert_int_equal(check("44039990", DECL_EXPORT, "B11", "", "", "", e), 1);
    assert_string_equal(code0(e), "required");
    assert_int_equal(check("44039990", DECL_IMPORT, "A11", "", "", "", e), 0);
    /* Decree 69/2018: banned from temporary import for re-export trading only */
    assert_int_equal(check("84186950", DECL_IMPORT, "G11", "new", "", "", e), 1);
    assert_string_equal(path0(e), "/type_code");
    assert_int_equal(check("84186950", DECL_IMPORT, "A11", "new", "", "", e), 0);
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cas_check_digit),
        cmocka_unit_test(test_used_goods_ban_on_import_only),
        cmocka_unit_test(test_chemicals_by_cas),
        cmocka_unit_test(test_timber_and_type_code),
    };
    return cmocka_run_group_tests(tests, load, unload);
}
