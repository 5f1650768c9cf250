/* The generator of declarations shared by `ecustoms load` and `ecustoms db seed` (loadgen.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/loadgen.h"
#include "core/tax.h"
#include "core/tax_tables.h"
#include "util/date.h"
#include "util/errs.h"

/* Vietnam's import origins, weighted roughly by 2024 import value (GSO): China, Korea, ASEAN,
 * Japan, Taiwan, US, EU, Australia, India. */
static const struct {
    const char *cc;
    int weight;
} origins[] = {{"CN", 38}, {"KR", 16}, {"JP", 7}, {"TW", 6}, {"US", 4}, {"TH", 4},
               {"MY", 3},  {"ID", 3},  {"SG", 2}, {"DE", 2}, {"AU", 2}, {"IN", 2},
               {"FR", 1},  {"IT", 1},  {"BR", 1}, {"CH", 1}};

static const char *pick_origin(unsigned *seed)
{
    int total = 0;
    for (size_t i = 0; i < sizeof origins / sizeof *origins; i++)
        total += origins[i].weight;
    int r = rand_r(seed) % total;
    for (size_t i = 0; i < sizeof origins / sizeof *origins; i++) {
        if (r < origins[i].weight)
            return origins[i].cc;
        r -= origins[i].weight;
    }
    return "CN";
}

char *loadgen_declaration(const loadgen *L, unsigned *seed)
{
    int n = L->items_min + rand_r(seed) % (L->items_max - L->items_min + 1);
    json_t *items = json_array();
    long long total = 0;
    for (int i = 0; i < n; i++) {
        char hs[12], qty[32], price[32], value[32];
        snprintf(hs, sizeof hs, "%08u", L->n_lines ? (unsigned)L->lines[(size_t)rand_r(seed) % L->n_lines] : 85171300u);
        int q = 1 + rand_r(seed) % 500, p = 1 + rand_r(seed) % 2000;
        snprintf(qty, sizeof qty, "%d", q);
        snprintf(price, sizeof price, "%d", p);
        snprintf(value, sizeof value, "%d", q * p);
        total += (long long)q * p;
        json_array_append_new(items, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "hs_code", hs,
                                               "description", "load test goods", "origin",
                                               pick_origin(seed), "quantity", qty, "unit", "PCE",
                                               "unit_price", price, "value", value));
    }
    char tot[32];
    snprintf(tot, sizeof tot, "%lld", total);
    json_t *d = json_pack(
        "{s:s,s:s,s:s,s:{s:s,s:s},s:{s:s,s:s},s:{s:i,s:[s],s:s,s:s,s:s,s:[s]},s:{s:i,s:s},"
        "s:s,s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s},s:o}",
        "kind", "import", "type_code", "A11", "customs_office", "02CI", "importer", "tax_code",
        L->importer, "name", "Load Test Importer", "exporter", "name", "Shenzhen Supplier Ltd",
        "country", "CN", "transport", "mode", 2, "bills_of_lading", "LOADBL0001",
        "port_of_loading", "CNSHA", "port_of_discharge", "VNHPH", "arrival_date", "2026-11-20",
        "containers", "MSCU1234566", "packages", "count", 10, "unit", "CT", "gross_weight_kg",
        "1000", "invoice", "number", "INV-LOAD", "date", "2026-11-01", "currency", "USD",
        "incoterm", "FOB", "total", tot, "freight", "500", "insurance", "50", "items", items);
    char *s = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    return s;
}

int loadgen_init(loadgen *g, const char *data_dir)
{
    tariff *t;
    errs *e = calloc(1, sizeof *e);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tariff", data_dir);
    if (!e || tariff_load(dir, &t, e) != 0) {
        fprintf(stderr, "cannot load the tariff from %s\n", dir);
        free(e);
        return 1;
    }
    g->t = t;
    /* Keep the lines an ordinary consignment counted in pieces can be declared under: lines with
     * a specific duty or EPT per litre/kg, or whose duty needs an officer (rate_manual), would
     * be refused — correctly — and would measure error handling instead of registration. */
    tax_tables *tt = NULL;
    tax_fx fx[64];
    int nfx = 0;
    snprintf(dir, sizeof dir, "%s/tax", data_dir);
    errs_init(e);
    if (tax_tables_load(dir, &tt, e) == 0) {
        snprintf(dir, sizeof dir, "%s/tax/exchange_rates_demo.tsv", data_dir);
        nfx = tax_fx_load_demo(dir, date_today(), fx, 64, e);
    }
    g->lines = calloc(tariff_count(t) + 1, sizeof *g->lines);
    if (tt && nfx > 0 && g->lines) {
        decl_item it = {.quantity = 100000, .unit = "PCE", .unit_price = 100000, .value = 1000000,
                        .alcohol_pct = -1, .engine_cc = -1, .seats = -1, .btu = -1,
                        .sugar_g_100ml = -1, .origin = "CN"};
        decl d = {.kind = DECL_IMPORT, .type_code = "A11", .n_items = 1, .items = &it,
                  .invoice = {.currency = "USD", .incoterm = "CIF", .total = 1000000,
                              .freight_currency = "USD", .insurance_currency = "USD",
                              .allocation = "value"}};
        tax_fx_table table = {fx, (size_t)nfx};
        for (size_t i = 0; i < tariff_count(t); i++) {
            tax_item_result r1;
            tax_result tr = {.items = &r1};
            it.hs8 = tariff_at(t, i)->hs8;
            snprintf(it.hs_code, sizeof it.hs_code, "%08u", (unsigned)it.hs8);
            errs_init(e);
            if (tax_compute(t, tt, &table, &d, date_today(), &tr, e) == 0)
                g->lines[g->n_lines++] = it.hs8;
        }
    }
    tax_tables_free(tt);
    free(e);
    printf("%zu of %zu tariff lines usable for generated declarations\n", g->n_lines, tariff_count(t));
    return 0;
}

void loadgen_free(loadgen *g)
{
    free(g->lines);
    g->lines = NULL;
    tariff_free(g->t);
    g->t = NULL;
}
