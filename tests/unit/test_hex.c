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

static void hex_decoding(void **state)
{
    (void)state;
    unsigned char out[8];
    assert_int_equal(hex_decode("00017f80abff", 6, out), 1);
    const unsigned char want[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    assert_memory_equal(out, want, 6);
    /* every byte that encodes, decodes back */
    unsigned char all[256], back[256];
    char text[513];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    hex_encode(all, 256, text);
    assert_int_equal(hex_decode(text, 256, back), 1);
    assert_memory_equal(back, all, 256);
    /* not lower-case digits: upper case, other letters, a sign, a space, the end too soon */
    assert_int_equal(hex_decode("00017F80", 4, out), 0);
    assert_int_equal(hex_decode("0g", 1, out), 0);
    assert_int_equal(hex_decode("g0", 1, out), 0);
    assert_int_equal(hex_decode("-1", 1, out), 0);
    assert_int_equal(hex_decode("0 ", 1, out), 0);
    assert_int_equal(hex_decode("abc", 2, out), 0); /* stops at the NUL */
    assert_int_equal(hex_decode("", 1, out), 0);
    /* only the first 2 * n characters are read: what follows is the caller's */
    assert_int_equal(hex_decode("ab!", 1, out), 1);
    assert_int_equal(out[0], 0xab);
    assert_int_equal(hex_decode("", 0, out), 1);
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
        cmocka_unit_test(hex_decoding),
        cmocka_unit_test(random_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
