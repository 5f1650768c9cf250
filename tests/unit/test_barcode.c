/* Unit tests for src/codec/barcode.c: Code 128 and QR codes rendered as SVG. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/barcode.h"

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void code128(void **state)
{
    (void)state;
    char *svg = barcode_code128_svg("100000000110");
    assert_non_null(svg);
    assert_non_null(strstr(svg, "<svg"));
    assert_non_null(strstr(svg, "<desc>Code 128: 100000000110</desc>"));
    /* start + 6 double-digit code C symbols + check + stop: (1+6+1) symbols x 3 bars + stop 4 */
    assert_int_equal(count(svg, "<rect x=") - 1, 8 * 3 + 4);
    free(svg);
}

static void qr(void **state)
{
    (void)state;
    char *svg = barcode_qr_svg("VNACCS1|100000000110|cleared", "a<b&c");
    assert_non_null(svg);
    assert_non_null(strstr(svg, "<desc>a&lt;b&amp;c</desc>"));
    assert_true(count(svg, "h1v1h-1z") > 100); /* dark modules */
    free(svg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(code128), cmocka_unit_test(qr)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
