/* Benchmark of the tariff and tax engine (not a test): lookup time per HS code, full quote of a
 * 50-item declaration, memory of the loaded tariff. Run: build/bench_tax [DATA_DIR] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/tariff.h"
#include "core/tax.h"
#include "core/tax_tables.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    const char *data = argc > 1 ? argv[1] : ECUSTOMS_DATA_DIR;
    char dir[1024];
    errs *e = calloc(1, sizeof *e);
    tariff *t;
    tax_tables *tt;
    double t0, load_ms, samples[201];
    enum { BATCH = 10000, ROUNDS = 201 };
    static uint32_t codes[BATCH];
    volatile uintptr_t sink = 0;

    snprintf(dir, sizeof dir, "%s/tariff", data);
    t0 = now_ns();
    if (tariff_load(dir, &t, e) < 0) {
        fprintf(stderr, "cannot load %s\n", dir);
        return 1;
    }
    load_ms = (now_ns() - t0) / 1e6;
    snprintf(dir, sizeof dir, "%s/tax", data);
    if (tax_tables_load(dir, &tt, e) < 0) {
        for (int i = 0; i < e->n; i++)
            fprintf(stderr, "%s %s %s\n", e->items[i].code, e->items[i].path, e->items[i].message);
        return 1;
    }
    printf("tariff: %zu lines, load %.2f ms, memory %.2f MB\n", tariff_count(t), load_ms,
           (double)tariff_memory(t) / 1e6);

    /* lookups: random existing codes, batches of 10,000, median per lookup */
    srand(42);
    for (int i = 0; i < BATCH; i++)
        codes[i] = tariff_at(t, (size_t)rand() % tariff_count(t))->hs8;
    for (int r = 0; r < ROUNDS; r++) {
        t0 = now_ns();
        for (int i = 0; i < BATCH; i++)
            sink += (uintptr_t)tariff_find(t, codes[i]);
        samples[r] = (now_ns() - t0) / BATCH;
    }
    printf("tariff_find: median %.1f ns per lookup (%d x %d random codes)\n",
           median(samples, ROUNDS), ROUNDS, BATCH);

    /* 50-item quote: FOB with freight and insurance, mixed origins, some FTA claims */
    static const char *const hs[] = {"22030091", "85171300", "39232119", "61091010",
                                     "30049099", "04021041", "87032259", "72101110"};
    static const char *const org[] = {"DE", "CN", "CN", "KH", "US", "NZ", "JP", "KR"};
    static const char *const unit[] = {"LTR", "PCE", "KGM", "PCE", "KGM", "KGM", "C62", "KGM"};
    static const char *const form[] = {"EUR.1", "", "E", "D", "", "AANZ", "", "AK"};
    decl d;
    decl_item items[50];
    tax_item_result res[50];
    tax_result out = {0};
    tax_fx rates[64];
    snprintf(dir, sizeof dir, "%s/tax/exchange_rates_demo.tsv", data);
    date_ymd date = 20261001;
    int nfx = tax_fx_load_demo(dir, date, rates, 64, e);
    tax_fx_table fx = {rates, nfx > 0 ? (size_t)nfx : 0};
    memset(&d, 0, sizeof d);
    memset(items, 0, sizeof items);
    d.kind = DECL_IMPORT;
    strcpy(d.type_code, "A11");
    strcpy(d.invoice.currency, "USD");
    strcpy(d.invoice.incoterm, "FOB");
    d.invoice.freight = 12345678;
    d.invoice.insurance = 1234567;
    d.n_items = 50;
    d.items = items;
    for (int i = 0; i < 50; i++) {
        int k = i % 8;
        strcpy(items[i].hs_code, hs[k]);
        strcpy(items[i].origin, org[k]);
        strcpy(items[i].unit, unit[k]);
        strcpy(items[i].co_form, form[k]);
        strcpy(items[i].co_number, form[k][0] ? "CO-1" : "");
        items[i].quantity = (i + 1) * 10000;
        items[i].value = (i + 1) * 1234567;
        decl_item_attrs_none(&items[i]);
    }
    out.items = res;
    errs_init(e);
    if (tax_compute(t, tt, &fx, &d, date, &out, e) < 0) {
        for (int i = 0; i < e->n; i++)
            fprintf(stderr, "%s %s %s\n", e->items[i].code, e->items[i].path, e->items[i].message);
        return 1;
    }
    for (int r = 0; r < ROUNDS; r++) {
        enum { Q = 200 };
        t0 = now_ns();
        for (int q = 0; q < Q; q++) {
            errs_init(e);
            tax_compute(t, tt, &fx, &d, date, &out, e);
        }
        samples[r] = (now_ns() - t0) / Q / 1000;
    }
    printf("tax_compute: median %.1f us per 50-item declaration (total %lld VND)\n",
           median(samples, ROUNDS), (long long)out.total);
    (void)sink;
    tax_tables_free(tt);
    tariff_free(t);
    free(e);
    return 0;
}
