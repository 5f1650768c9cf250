/* The tariff rate cell parser ("5", "0*(C)", "10/7.5", specific duties, guidance text...), and
 * its round trip: the canonical text of a parsed cell parses back to the same canonical text. */
#include "fuzz_common.h"

#include <stdio.h>

#include "core/tariff.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *cell = malloc(size + 1);
    memcpy(cell, data, size);
    cell[size] = 0;
    tariff_rate r, r2;
    char why[200] = "", a[512], b[512];
    int parsed = tariff_rate_parse(cell, &r, why, sizeof why) == 0;
    if (parsed && tariff_rate_format(&r, a, sizeof a) >= 0) {
        if (tariff_rate_parse(a, &r2, why, sizeof why) != 0) {
            fprintf(stderr, "canonical text %s of %s does not parse: %s\n", a, cell, why);
            abort();
        }
        if (tariff_rate_format(&r2, b, sizeof b) < 0 || strcmp(a, b) != 0) {
            fprintf(stderr, "round trip of %s: %s then %s\n", cell, a, b);
            abort();
        }
    } else if (!parsed && !utf8_valid(why, strlen(why)) && utf8_valid(cell, size)) {
        abort(); /* the reason (shown in `tariff import` errors) cut a character */
    }
    free(cell);
    return 0;
}
