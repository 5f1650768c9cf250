/* Converter check: when the source CSV is available ($ECUSTOMS_SHARED_DIR), re-run the converter
 * into a temporary directory and check that (1) every cell is interpreted, (2) every 8-digit code
 * of the source is in the committed data/tariff with the same canonical cells, (3) the only rows
 * skipped are the reported ones. Skips cleanly when the source is absent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/tariff.h"
#include "core/tariff_import.h"

#define REL "/data/hs-nomenclature/vietnam-tariff-2026/"

static void test_convert(void **s)
{
    (void)s;
    const char *shared = getenv("ECUSTOMS_SHARED_DIR");
    char src[1024], proc[1024], tmpl[] = "/tmp/ecustoms-tariff-XXXXXX", *dir;
    import_stats st;
    errs *e = calloc(1, sizeof *e);
    tariff *fresh = NULL, *committed = NULL;
    char *rep = NULL;
    size_t replen = 0;
    FILE *report;

    if (!shared) {
        free(e);
        skip();
    }
    snprintf(src, sizeof src, "%s" REL "vn_import_tariff_ahtn2022.csv", shared);
    snprintf(proc, sizeof proc, "%s" REL "vn_specialised_procedures_by_hs.csv", shared);
    if (access(src, R_OK) != 0) {
        free(e);
        skip();
    }
    dir = mkdtemp(tmpl);
    assert_non_null(dir);
    report = open_memstream(&rep, &replen);
    assert_int_equal(tariff_import(src, proc, dir, &st, report), 0);
    fclose(report);
    /* every cell interpreted; the only reported rows are the 7-digit codes of Chapter 98 */
    assert_int_equal(st.bad_cells, 0);
    assert_int_equal(st.bad_rows, 0);
    assert_int_equal(st.bad_codes, 4);
    assert_int_equal(st.dup_differing, 0);
    assert_int_equal(st.lines + st.dup_identical, 12000); /* SOURCE.md: 12,000 8-digit rows */

    assert_int_equal(tariff_load(dir, &fresh, e), 0);
    assert_int_equal(tariff_load(ECUSTOMS_DATA_DIR "/tariff", &committed, e), 0);
    assert_int_equal(tariff_count(fresh), st.lines);
    assert_int_equal(tariff_count(committed), tariff_count(fresh));

    /* independent scan of the CSV: every 8-digit code in column 2 is a loaded line */
    {
        FILE *f = fopen(src, "r");
        char line[8192];
        size_t n8 = 0;
        assert_non_null(f);
        while (fgets(line, sizeof line, f)) {
            char *c = strchr(line, ',');
            unsigned code;
            int len = 0;
            if (!c)
                continue;
            while (c[1 + len] >= '0' && c[1 + len] <= '9')
                len++;
            if (len != 8 || c[9] != ',')
                continue;
            sscanf(c + 1, "%8u", &code);
            n8++;
            assert_non_null(tariff_find(committed, code));
        }
        fclose(f);
        assert_int_equal(n8, 12000);
    }
    /* committed data equals a fresh conversion, cell by cell */
    for (size_t i = 0; i < tariff_count(fresh); i++) {
        const tariff_line *a = tariff_at(fresh, i), *b = tariff_find(committed, a->hs8);
        assert_non_null(b);
        assert_string_equal(a->mfn->text, b->mfn->text);
        assert_string_equal(a->standard->text, b->standard->text);
        for (int k = 0; k < FTA_COUNT; k++)
            assert_string_equal(a->fta[k]->text, b->fta[k]->text);
        assert_int_equal(a->n_procedures, b->n_procedures);
    }
    tariff_free(fresh);
    tariff_free(committed);
    {
        char p[1200];
        snprintf(p, sizeof p, "%s/tariff.tsv", dir);
        unlink(p);
        snprintf(p, sizeof p, "%s/procedures.tsv", dir);
        unlink(p);
        rmdir(dir);
    }
    free(rep);
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_convert)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
