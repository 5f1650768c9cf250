/* The declaration decoder and its business rules on the shipped tariff: json_decl_decode +
 * decl_validate, as POST /api/v1/declarations runs them. */
#include "fuzz_common.h"

#include "codec/json_decl.h"
#include "core/tariff.h"
#include "core/validate.h"

static tariff *T;
static errs *E;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    static errs load_errs;
    errs_init(&load_errs);
    if (tariff_load(ECUSTOMS_DATA_DIR "/tariff", &T, &load_errs) != 0)
        T = NULL; /* the decoder is still fuzzed; validation skips the tariff checks */
    E = malloc(sizeof *E);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *j = fuzz_json(data, size);
    if (!j)
        return 0;
    decl d;
    memset(&d, 0, sizeof d);
    errs_init(E);
    if (json_decl_decode(j, &d, E) == 0)
        decl_validate(&d, T, E);
    fuzz_check_errs(E);
    decl_release(&d);
    json_decref(j);
    return 0;
}
