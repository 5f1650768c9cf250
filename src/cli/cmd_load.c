/* Open-loop load generator: declarations are due on a fixed schedule (rate N/s); latency is
 * measured from the moment a declaration was DUE, not from when a busy worker got round to it,
 * so a slow server cannot hide its tail (coordinated omission, research/engineering.md B.9).
 * Each declaration is IDA then IDC. The server's ceiling on /healthz is measured in the same
 * run, with the same connections, for comparison. */
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ban.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "core/tariff.h"
#include "core/tax.h"
#include "core/tax_tables.h"

#define WORKERS 256

typedef struct load {
    const char *server, *token, *importer;
    double rate;
    int duration, items_min, items_max;
    const tariff *t;
    uint32_t *lines;            /* tariff lines a declaration in pieces (PCE) can use */
    size_t n_lines;
    struct timespec start;
    atomic_long next;           /* index of the next due declaration */
    long total;
    double *ida_ms, *idc_ms;    /* per declaration, -1 = failed */
    atomic_long errors;
    atomic_long healthz_count;
    char **bodies;              /* declarations generated before the clock starts */
    int n_bodies;
    volatile int healthz_stop;
} load;

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

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

static char *make_declaration(load *L, unsigned *seed)
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
        "country", "CN", "transport", "mode", 2, "bills_of_lading", "LOADBL0001",
        "port_of_loading", "CNSHA", "port_of_discharge", "VNHPH", "arrival_date", "2026-11-20",
        "containers", "MSCU1234566", "packages", "count", 10, "unit", "CT", "gross_weight_kg",
        "1000", "invoice", "number", "INV-LOAD", "date", "2026-11-01", "currency", "USD",
        "incoterm", "FOB", "total", tot, "freight", "500", "insurance", "50", "items", items);
    char *s = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    return s;
}

static void *worker(void *arg)
{
    load *L = arg;
    client *c = client_new(L->server, L->token);
    double start = (double)L->start.tv_sec * 1e3 + (double)L->start.tv_nsec / 1e6;
    char path[128];
    for (;;) {
        long i = atomic_fetch_add(&L->next, 1);
        if (i >= L->total)
            break;
        double due = start + (double)i * 1000.0 / L->rate;
        const char *body = L->bodies[i % L->n_bodies];
        double wait = due - now_ms();
        if (wait > 0) {
            double secs = wait / 1000;
            struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
            nanosleep(&ts, NULL);
        }
        int st = client_call(c, "POST", "/api/v1/declarations", body, NULL);
        double t1 = now_ms();
        L->ida_ms[i] = st == 201 ? t1 - due : -1;
        if (st != 201) {
            atomic_fetch_add(&L->errors, 1);
            L->idc_ms[i] = -1;
            continue;
        }
        /* the IDA answer starts {"id":"<32 hex>",...: no need to parse the whole document */
        const char *id = strstr(client_body(c), "\"id\":\"");
        if (!id || strlen(id) < 6 + 32) {
            atomic_fetch_add(&L->errors, 1);
            L->idc_ms[i] = -1;
            continue;
        }
        snprintf(path, sizeof path, "/api/v1/declarations/%.32s/register", id + 6);
        st = client_call(c, "POST", path, NULL, NULL);
        L->idc_ms[i] = st == 200 ? now_ms() - t1 : -1;
        if (st != 200)
            atomic_fetch_add(&L->errors, 1);
    }
    client_free(c);
    return NULL;
}

static void *healthz_worker(void *arg)
{
    load *L = arg;
    client *c = client_new(L->server, L->token);
    while (!L->healthz_stop)
        if (client_call(c, "GET", "/healthz", NULL, NULL) == 200)
            atomic_fetch_add(&L->healthz_count, 1);
    client_free(c);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, const double *v, long n)
{
    double *s = malloc(sizeof *s * (size_t)(n ? n : 1));
    long k = 0;
    for (long i = 0; i < n; i++)
        if (v[i] >= 0)
            s[k++] = v[i];
    qsort(s, (size_t)k, sizeof *s, cmp_double);
#define PCT(p) (k ? s[(long)((double)(k - 1) * (p))] : 0)
    printf("%-4s ok=%ld  p50=%.2f ms  p90=%.2f ms  p99=%.2f ms  max=%.2f ms\n", name, k, PCT(0.5),
           PCT(0.9), PCT(0.99), k ? s[k - 1] : 0);
#undef PCT
    free(s);
}

int cmd_load(int argc, char **argv)
{
    load L = {0};
    const char *rate = cli_opt(argc, argv, "--rate"), *dur = cli_opt(argc, argv, "--duration");
    const char *imin = cli_opt(argc, argv, "--items-min"), *imax = cli_opt(argc, argv, "--items-max");
    L.server = cli_opt(argc, argv, "--server");
    L.token = cli_opt(argc, argv, "--token");
    L.importer = cli_opt(argc, argv, "--importer");
    if (!L.importer)
        L.importer = "0101234567";
    if (!L.server || !L.token || !rate || !dur) {
        fprintf(stderr, "usage: ecustoms load --server URL --token TOKEN --rate N --duration S "
                        "[--items-min A --items-max B] [--importer TAXCODE]\n");
        return 2;
    }
    L.rate = atof(rate);
    L.duration = atoi(dur);
    L.items_min = imin ? atoi(imin) : 1;
    L.items_max = imax ? atoi(imax) : 50;
    if (L.rate <= 0 || L.duration <= 0 || L.items_min < 1 || L.items_max < L.items_min ||
        L.items_max > 999) {
        fprintf(stderr, "load: rate and duration must be positive, 1 <= items-min <= items-max <= 999\n");
        return 2;
    }
    tariff *t;
    errs *e = calloc(1, sizeof *e);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tariff", cli_data_dir());
    if (!e || tariff_load(dir, &t, e) != 0) {
        fprintf(stderr, "load: cannot load the tariff from %s\n", dir);
        free(e);
        return 1;
    }
    L.t = t;
    /* Keep the lines an ordinary consignment counted in pieces can be declared under: lines with
     * a specific duty or EPT per litre/kg, or whose duty needs an officer (rate_manual), would
     * be refused — correctly — and would measure error handling instead of registration. */
    tax_tables *tt = NULL;
    tax_fx fx[64];
    int nfx = 0;
    snprintf(dir, sizeof dir, "%s/tax", cli_data_dir());
    errs_init(e);
    if (tax_tables_load(dir, &tt, e) == 0) {
        snprintf(dir, sizeof dir, "%s/tax/exchange_rates_demo.tsv", cli_data_dir());
        nfx = tax_fx_load_demo(dir, date_today(), fx, 64, e);
    }
    L.lines = calloc(tariff_count(t) + 1, sizeof *L.lines);
    if (tt && nfx > 0 && L.lines) {
        decl_item it = {.quantity = 100000, .unit = "PCE", .unit_price = 100000, .value = 1000000,
                        .alcohol_pct = -1, .engine_cc = -1, .seats = -1, .btu = -1,
                        .sugar_g_100ml = -1, .origin = "CN", .condition = "new"};
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
            ban_check(t, &d, e); /* lines whose bans ask for facts the generator does not give */
            const tariff_line *ln = tariff_at(t, i);
            int licensed = 0; /* nor permits: a licence of a connected agency would refuse IDC */
            for (int k = 0; k < ln->n_procedures; k++)
                licensed |= strcmp(ln->procedures[k].stage, "before_registration") == 0;
            if (e->n == 0 && !licensed && tax_compute(t, tt, &table, &d, date_today(), &tr, e) == 0)
                L.lines[L.n_lines++] = it.hs8;
        }
    }
    tax_tables_free(tt);
    free(e);
    printf("%zu of %zu tariff lines usable for generated declarations\n", L.n_lines, tariff_count(t));
    L.total = (long)(L.rate * L.duration);
    L.ida_ms = calloc((size_t)L.total, sizeof *L.ida_ms);
    L.idc_ms = calloc((size_t)L.total, sizeof *L.idc_ms);

    /* generated declarations: built before the run so the generator's own CPU stays low */
    unsigned seed = (unsigned)time(NULL);
    L.n_bodies = L.total < 2000 ? (int)L.total : 2000;
    L.bodies = calloc((size_t)L.n_bodies, sizeof *L.bodies);
    for (int i = 0; i < L.n_bodies; i++)
        L.bodies[i] = make_declaration(&L, &seed);

    /* 1. the server's ceiling on a trivial endpoint, 3 s, same number of connections */
    pthread_t th[WORKERS];
    double h0 = now_ms();
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&th[i], NULL, healthz_worker, &L);
    struct timespec three = {3, 0};
    nanosleep(&three, NULL);
    L.healthz_stop = 1;
    for (int i = 0; i < WORKERS; i++)
        pthread_join(th[i], NULL);
    double hz = (double)atomic_load(&L.healthz_count) / ((now_ms() - h0) / 1000);

    /* 2. the open-loop run */
    clock_gettime(CLOCK_MONOTONIC, &L.start);
    double t0 = now_ms();
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&th[i], NULL, worker, &L);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(th[i], NULL);
    double secs = (now_ms() - t0) / 1000;
    long ok = 0;
    for (long i = 0; i < L.total; i++)
        ok += L.idc_ms[i] >= 0;
    printf("target %.0f decl/s for %d s, items %d-%d, %d connections\n", L.rate, L.duration,
           L.items_min, L.items_max, WORKERS);
    printf("achieved %.1f registrations/s (%ld of %ld in %.2f s), errors %ld\n", (double)ok / secs,
           ok, L.total, secs, atomic_load(&L.errors));
    report("IDA", L.ida_ms, L.total);
    report("IDC", L.idc_ms, L.total);
    printf("healthz ceiling %.0f req/s (closed loop, %d connections, same run)\n", hz, WORKERS);
    free(L.ida_ms);
    free(L.idc_ms);
    free(L.lines);
    for (int i = 0; i < L.n_bodies; i++)
        free(L.bodies[i]);
    free(L.bodies);
    tariff_free(t);
    return atomic_load(&L.errors) ? 1 : 0;
}
