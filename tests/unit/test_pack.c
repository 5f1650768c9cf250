/* store/pack.c: documents packed (deflate + base64) and unpacked, whatever their size, and
 * what earlier releases packed with zlib's default window still unpacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "store/pack.h"

static char *text_of(size_t n, unsigned seed)
{
    char *t = malloc(n + 1);
    for (size_t i = 0; i < n; i++) { /* JSON-like, partly repetitive, partly not */
        seed = seed * 1103515245u + 12345u;
        t[i] = (i % 7 == 0) ? (char)('a' + (seed >> 16) % 26) : "{\"items\":[0123]}"[i % 16];
    }
    t[n] = 0;
    return t;
}

static void round_trip_sizes(void **state)
{
    (void)state;
    const size_t sizes[] = {511, 512, 600, 4096, 5000, 33000, 200000};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        char *t = text_of(sizes[k], (unsigned)k);
        char *p = store_pack(t);
        if (sizes[k] < 512) {
            assert_null(p); /* stored as it is */
        } else {
            assert_non_null(p);
            assert_true(p[0] == '~' && p[1] == 'y'); /* with dictionary 1 */
            assert_null(store_pack(p));              /* packed already */
            char *u = store_unpack(p);
            assert_non_null(u);
            assert_string_equal(u, t);
            free(u);
        }
        free(p);
        free(t);
    }
}

/* The stored form of a release that packed with compress2 (32 KiB window, no dictionary: "~z") */
static void unpacks_the_default_window(void **state)
{
    (void)state;
    char *t = text_of(5000, 7);
    uLongf zn = compressBound(5000);
    unsigned char *z = malloc(zn);
    assert_int_equal(compress2(z, &zn, (const Bytef *)t, 5000, 1), Z_OK);
    char *stored = malloc(24 + 4 * ((zn + 2) / 3) + 1);
    int k = snprintf(stored, 24, "~z%d:", 5000);
    EVP_EncodeBlock((unsigned char *)stored + k, z, (int)zn);
    char *u = store_unpack(stored);
    assert_non_null(u);
    assert_string_equal(u, t);
    free(u);
    free(stored);
    free(z);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_sizes),
        cmocka_unit_test(unpacks_the_default_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
