/* util/hex.c and util/rand.c: hexadecimal digits and random identifiers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/hex.h"
#include "util/rand.h"

static void hex_digits(void **state)
{
    (void)state;
    const unsigned char b[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    char out[2 * sizeof b + 1];
    memset(out, 'x', sizeof out);
    hex_encode(b, sizeof b, out);
    assert_string_equal(out, "00017f80abff");
    hex_encode(b, 0, out);
    assert_string_equal(out, "");
}

static void random_hex(void **state)
{
    (void)state;
    char a[33], b[33];
    assert_int_equal(rand_hex(a, 16), 0);
    assert_int_equal(rand_hex(b, 16), 0);
    assert_int_equal(strlen(a), 32);
    assert_int_equal(strspn(a, "0123456789abcdef"), 32);
    assert_string_not_equal(a, b);         /* 2^-128 */
    assert_int_equal(rand_hex(a, 33), -1); /* more than it promises */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hex_digits),
        cmocka_unit_test(random_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
