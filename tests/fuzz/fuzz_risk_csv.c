/* The risk-history CSV reader (ecustoms risk import-history / evaluate). */
#include "fuzz_common.h"

#include "codec/risk_csv.h"

static errs *E;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    E = malloc(sizeof *E);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    risk_csv_row *rows = NULL;
    size_t n = 0;
    errs_init(E);
    risk_csv_parse((const char *)data, size, &rows, &n, E);
    fuzz_check_errs(E);
    free(rows);
    return 0;
}
