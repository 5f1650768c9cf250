/* The generator of declarations shared by `ecustoms load` and `ecustoms db seed` (loadgen.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/loadgen.h"
#include "core/ban.h"
#include "core/codes.h"
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

/* The HS chapters of Vietnam's imports, weighted roughly by their share of import declaration
 * lines (machinery and electronics first, then plastics, textiles and their inputs, metals,
 * paper, rubber, instruments, furniture, vehicle parts). Drawing uniformly over the whole tariff
 * instead (the generator of earlier releases) put a line of heading 8703 (cars, the demo's red
 * rule) in 42 % of 25-item declarations. Chapters not listed share the weight "other". */
static const struct {
    int chapter;
    int weight;
} chapters[] = {{85, 20}, {84, 14}, {39, 8}, {73, 4}, {72, 3}, {90, 4}, {40, 3}, {48, 3},
                {52, 2},  {54, 2},  {55, 1}, {60, 3}, {61, 1}, {62, 1}, {58, 1}, {94, 3},
                {95, 2},  {87, 1},  {76, 2}, {29, 2}, {38, 2}, {32, 1}, {34, 1}, {83, 2}};
#define OTHER_WEIGHT 12

static uint32_t pick_line(const loadgen *L, unsigned *seed)
{
    if (!L->n_lines)
        return 85171300u;
    int total = OTHER_WEIGHT;
    for (size_t i = 0; i < sizeof chapters / sizeof *chapters; i++)
        total += chapters[i].weight;
    int r = rand_r(seed) % total;
    for (size_t i = 0; i < sizeof chapters / sizeof *chapters; i++) {
        if (r < chapters[i].weight) {
            /* the lines are sorted: the chapter's range, by binary search */
            uint32_t lo = (uint32_t)chapters[i].chapter * 1000000u, hi = lo + 1000000u;
            size_t a = 0, b = L->n_lines;
            while (a < b) {
                size_t m = (a + b) / 2;
                if (L->lines[m] < lo)
                    a = m + 1;
                else
                    b = m;
            }
            size_t first = a;
            b = L->n_lines;
            while (a < b) {
                size_t m = (a + b) / 2;
                if (L->lines[m] < hi)
                    a = m + 1;
                else
                    b = m;
            }
            if (a > first)
                return L->lines[first + (size_t)rand_r(seed) % (a - first)];
            break;
        }
        r -= chapters[i].weight;
    }
    return L->lines[(size_t)rand_r(seed) % L->n_lines];
}

/* The template's consignment references, which loadgen_stamp replaces by a consignment's own
 * (the container's check digit is right: ISO 6346 "LDGU000000" -> 1). */
#define TEMPLATE_INVOICE "INV-000000000000"
#define TEMPLATE_BL "LDBL000000000000"
#define TEMPLATE_CONTAINER "LDGU0000001"

static void base36(char *out, uint64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 36)
        out[i] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[v % 36];
}

void loadgen_stamp(char *body, uint64_t run, uint64_t k)
{
    char ref[12];
    base36(ref, run, 6);
    base36(ref + 6, k, 6);
    char *p = strstr(body, "\"" TEMPLATE_INVOICE "\"");
    if (p)
        memcpy(p + 1 + 4, ref, 12);
    if ((p = strstr(body, "\"" TEMPLATE_BL "\"")))
        memcpy(p + 1 + 4, ref, 12);
    if ((p = strstr(body, "\"" TEMPLATE_CONTAINER "\""))) {
        /* an owner code per million consignments of a run, the serial within it */
        uint64_t owner = (run + k / 1000000) % (26 * 26 * 26);
        char c[12];
        c[0] = (char)('A' + owner / 676);
        c[1] = (char)('A' + owner / 26 % 26);
        c[2] = (char)('A' + owner % 26);
        c[3] = 'U';
        snprintf(c + 4, 7, "%06u", (unsigned)(k % 1000000));
        c[10] = (char)('0' + codes_container_check_digit(c));
        memcpy(p + 1, c, 11);
    }
}

char *loadgen_declaration(const loadgen *L, unsigned *seed)
{
    int n = L->items_min + rand_r(seed) % (L->items_max - L->items_min + 1);
    json_t *items = json_array();
    long long total = 0;
    for (int i = 0; i < n; i++) {
        char hs[12], qty[32], price[32], value[32];
        snprintf(hs, sizeof hs, "%08u", (unsigned)pick_line(L, seed));
        /* ~USD 5,000 a line, ~USD 125,000 for 25 lines: about the average value of an import
         * declaration (USD 2024 imports / declarations); the generator of earlier releases drew
         * ~USD 250,000 a line, so the demo's ">= 20 bn VND" rule selected nearly every one */
        int q = 1 + rand_r(seed) % 100, p = 1 + rand_r(seed) % 200;
        snprintf(qty, sizeof qty, "%d", q);
        snprintf(price, sizeof price, "%d", p);
        snprintf(value, sizeof value, "%d", q * p);
        total += (long long)q * p;
        json_array_append_new(items, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "hs_code", hs,
                                               "description", "load test goods", "origin",
                                               pick_origin(seed), "quantity", qty, "unit", "PCE",
                                               "unit_price", price, "value", value));
        /* the fact that decides the used-goods bans */
        json_object_set_new(json_array_get(items, json_array_size(items) - 1), "condition",
                            json_string("new"));
    }
    char tot[32];
    snprintf(tot, sizeof tot, "%lld", total);
    json_t *d = json_pack(
        "{s:s,s:s,s:s,s:{s:s,s:s},s:{s:s,s:s},s:{s:i,s:[s],s:s,s:s,s:s,s:[s]},s:{s:i,s:s},"
        "s:s,s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s},s:o}",
        "kind", "import", "type_code", "A11", "customs_office", "02CI", "importer", "tax_code",
        L->importer, "name", "Load Test Importer", "exporter", "name", "Shenzhen Supplier Ltd",
        "country", "CN", "transport", "mode", 2, "bills_of_lading", TEMPLATE_BL, "port_of_loading",
        "CNSHA", "port_of_discharge", "VNHPH", "arrival_date", "2026-11-20", "containers",
        TEMPLATE_CONTAINER, "packages", "count", 10, "unit", "CT", "gross_weight_kg", "1000",
        "invoice", "number", TEMPLATE_INVOICE, "date", "2026-11-01", "currency", "USD", "incoterm",
        "FOB", "total", tot, "freight", "500", "insurance", "50", "items", items);
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
        decl_item it = {.quantity = 100000,
                        .unit = "PCE",
                        .unit_price = 100000,
                        .value = 1000000,
                        .alcohol_pct = -1,
                        .engine_cc = -1,
                        .seats = -1,
                        .btu = -1,
                        .sugar_g_100ml = -1,
                        .origin = "CN",
                        .condition = "new"};
        decl d = {.kind = DECL_IMPORT,
                  .type_code = "A11",
                  .n_items = 1,
                  .items = &it,
                  .invoice = {.currency = "USD",
                              .incoterm = "CIF",
                              .total = 1000000,
                              .freight_currency = "USD",
                              .insurance_currency = "USD",
                              .allocation = "value"}};
        tax_fx_table table = {fx, (size_t)nfx};
        for (size_t i = 0; i < tariff_count(t); i++) {
            tax_item_result r1;
            tax_result tr = {.items = &r1};
            it.hs8 = tariff_at(t, i)->hs8;
            snprintf(it.hs_code, sizeof it.hs_code, "%08u", (unsigned)it.hs8);
            errs_init(e);
            /* lines whose bans ask for facts the generator does not give, and lines
             * needing a licence (a connected agency's would refuse IDC without a permit) */
            ban_check(t, &d, e);
            const tariff_line *ln = tariff_at(t, i);
            int licensed = 0;
            for (int k = 0; k < ln->n_procedures; k++)
                licensed |= strcmp(ln->procedures[k].stage, "before_registration") == 0;
            /* cars (8703) come one per declaration, not among 25 lines of general cargo */
            if (e->n == 0 && !licensed && it.hs8 / 10000 != 8703 &&
                tax_compute(t, tt, &table, &d, date_today(), &tr, e) == 0)
                g->lines[g->n_lines++] = it.hs8;
        }
    }
    tax_tables_free(tt);
    free(e);
    printf("%zu of %zu tariff lines usable for generated declarations\n", g->n_lines,
           tariff_count(t));
    return 0;
}

void loadgen_free(loadgen *g)
{
    free(g->lines);
    g->lines = NULL;
    tariff_free(g->t);
    g->t = NULL;
}
