/* util/outbuf.c: the growable buffer behind the GET view, the barcodes' SVG and PNG. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/outbuf.h"

static void pieces_in_order(void **state)
{
    (void)state;
    outbuf b = {0};
    outbuf_puts(&b, "ab");
    outbuf_putc(&b, 'c');
    outbuf_put(&b, "d\0e", 3); /* bytes, a NUL among them */
    outbuf_printf(&b, "[%d:%s]", 42, "x");
    assert_int_equal(b.n, 12);
    assert_memory_equal(b.p, "abcd\0e[42:x]", 13); /* always followed by a NUL */
    char *p = outbuf_take(&b);
    assert_non_null(p);
    assert_null(b.p);
    assert_int_equal(b.n, 0);
    free(p);
}

static void grows_past_its_first_allocation(void **state)
{
    (void)state;
    outbuf b = {0};
    char big[3000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    for (int i = 0; i < 5; i++) /* a printf longer than the room left, each time */
        outbuf_printf(&b, "%d%s", i, big);
    assert_int_equal(b.n, 5 * 3000);
    assert_int_equal(b.p[3000], '1');
    assert_int_equal(strlen(b.p), b.n);
    outbuf_free(&b);
    assert_null(b.p);
}

static void nothing_put_is_an_empty_text(void **state)
{
    (void)state;
    outbuf b = {0};
    char *p = outbuf_take(&b);
    assert_non_null(p);
    assert_string_equal(p, "");
    free(p);
}

static void a_failure_is_remembered(void **state)
{
    (void)state;
    outbuf b = {0};
    outbuf_puts(&b, "partial");
    b.failed = 1; /* as after a failed realloc */
    outbuf_puts(&b, "more");
    outbuf_printf(&b, "%s", "more");
    assert_int_equal(b.n, 7);
    assert_null(outbuf_take(&b)); /* and the partial bytes freed */
    assert_int_equal(b.failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pieces_in_order),
        cmocka_unit_test(grows_past_its_first_allocation),
        cmocka_unit_test(nothing_put_is_an_empty_text),
        cmocka_unit_test(a_failure_is_remembered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
