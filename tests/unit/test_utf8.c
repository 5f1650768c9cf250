/* Unit tests for src/util/utf8.c and the errs list built on it: text cut inside a character, or
 * bytes that are not UTF-8, must still make a valid (encodable) error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "util/errs.h"
#include "util/utf8.h"

static void valid_and_invalid(void **state)
{
    (void)state;
    assert_true(utf8_valid("", 0));
    assert_true(utf8_valid("Hải Phòng", strlen("Hải Phòng")));
    assert_true(utf8_valid("\xf0\x9f\x9a\xa2", 4)); /* U+1F6A2 ship */
    assert_false(utf8_valid("\xff\xfe", 2));
    assert_false(utf8_valid("\xc3", 1));             /* cut */
    assert_false(utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    assert_false(utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
    assert_false(utf8_valid("a\x80z", 3));           /* stray continuation */
}

static void repair_drops_a_cut_character_and_marks_bad_bytes(void **state)
{
    (void)state;
    char a[] = "ab\xe1\xba"; /* "Ả" cut after 2 of its 3 bytes */
    utf8_repair(a);
    assert_string_equal(a, "ab");
    char b[] = "a\xff"
               "b\xc3\xa0";
    utf8_repair(b);
    assert_string_equal(b, "a?b\xc3\xa0");
    char c[] = "\xc3\xa0\xe1\xba\xa2";
    utf8_repair(c);
    assert_string_equal(c, "\xc3\xa0\xe1\xba\xa2"); /* untouched */
}

static void snprintf_never_cuts_a_character(void **state)
{
    (void)state;
    char buf[8];
    /* "àààà" is 8 bytes: 7 fit, which would cut the 4th character */
    utf8_snprintf(buf, sizeof buf, "%s", "\xc3\xa0\xc3\xa0\xc3\xa0\xc3\xa0");
    assert_string_equal(buf, "\xc3\xa0\xc3\xa0\xc3\xa0");
    utf8_snprintf(buf, sizeof buf, "%.3s", "\xc3\xa0\xc3\xa0");
    assert_string_equal(buf, "\xc3\xa0");
}

/* every error, however cut, can be put in a JSON string */
static void errs_survive_json(void **state)
{
    (void)state;
    static errs e;
    char key[300];
    size_t n = 0;
    key[n++] = 'x';
    while (n + 3 < sizeof key) {
        memcpy(key + n, "\xe1\xba\xa2", 3);
        n += 3;
    }
    key[n] = 0;
    errs_init(&e);
    errs_add(&e, "unknown_field", key, "unknown field '%.60s'", key);
    errs_add(&e, "enum", "/x", "'%.20s' is not a code", key);
    errs_add(&e, "bad", "/y", "raw %s", "\xff\xfe");
    for (int i = 0; i < e.n; i++) {
        json_t *s1 = json_string(e.items[i].path), *s2 = json_string(e.items[i].message);
        assert_non_null(s1);
        assert_non_null(s2);
        json_decref(s1);
        json_decref(s2);
    }
    assert_int_equal(strncmp(e.items[1].message, "'x", 2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_and_invalid),
        cmocka_unit_test(repair_drops_a_cut_character_and_marks_bad_bytes),
        cmocka_unit_test(snprintf_never_cuts_a_character),
        cmocka_unit_test(errs_survive_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
