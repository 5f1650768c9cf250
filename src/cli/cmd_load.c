/* Open-loop load generator: declarations are due on a fixed schedule (rate N/s); latency is
 * measured from the moment a declaration was DUE, not from when a busy worker got round to it,
 * so a slow server cannot hide its tail (coordinated omission).
 * Each declaration is IDA then IDC. The server's ceiling on /healthz is measured in the same
 * run, with the same connections, for comparison. */
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/loadgen.h"
#include "util/date.h"

#define WORKERS 256

typedef struct load {
    const char *server, *token, *importer;
    double rate;
    int duration, items_min, items_max;
    struct timespec start;
    atomic_long next; /* index of the next due declaration */
    long total;
    double *ida_ms, *idc_ms; /* per declaration, -1 = failed */
    atomic_long errors;
    atomic_long healthz_count;
    char **bodies; /* declarations generated before the clock starts */
    int n_bodies;
    uint64_t run; /* names this run's consignments (loadgen_stamp) */
    volatile int healthz_stop;
    atomic_long unavailable; /* answers 503 (database unavailable), IDA or IDC */
    FILE *record;            /* --record: "number unix_ms" per acknowledged registration */
    pthread_mutex_t record_mu;
} load;

static double now_ms(void) { return clock_seconds() * 1e3; }

/* One line per acknowledged registration, for the failover drill: its number and the wall
 * clock of the answer (ms), so that what the client was told can be checked against the
 * database afterwards. */
static void record_ack(load *L, const char *body)
{
    const char *n = body ? strstr(body, "\"number\":\"") : NULL;
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    pthread_mutex_lock(&L->record_mu);
    fprintf(L->record, "%.12s %lld\n", n ? n + 10 : "?",
            (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000);
    pthread_mutex_unlock(&L->record_mu);
}

static void *worker(void *arg)
{
    load *L = arg;
    client *c = client_new(L->server, L->token);
    double start = (double)L->start.tv_sec * 1e3 + (double)L->start.tv_nsec / 1e6;
    char path[128];
    char *body = NULL; /* a generated declaration with the consignment's own references */
    size_t body_cap = 0;
    for (;;) {
        long i = atomic_fetch_add(&L->next, 1);
        if (i >= L->total)
            break;
        double due = start + (double)i * 1000.0 / L->rate;
        const char *tmpl = L->bodies[i % L->n_bodies];
        size_t len = strlen(tmpl);
        if (len + 1 > body_cap) {
            free(body);
            body_cap = len + 1;
            body = malloc(body_cap);
            if (!body)
                break;
        }
        memcpy(body, tmpl, len + 1);
        loadgen_stamp(body, L->run, (uint64_t)i);
        double wait = due - now_ms();
        if (wait > 0) {
            double secs = wait / 1000;
            struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
            nanosleep(&ts, NULL);
        }
        int st = client_call(c, "POST", "/api/v1/declarations", body, NULL);
        double t1 = now_ms();
        L->ida_ms[i] = st == 201 ? t1 - due : -1;
        if (st == 503)
            atomic_fetch_add(&L->unavailable, 1);
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
        if (st == 503)
            atomic_fetch_add(&L->unavailable, 1);
        if (st != 200)
            atomic_fetch_add(&L->errors, 1);
        else if (L->record)
            record_ack(L, client_body(c));
    }
    free(body);
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
    const char *imin = cli_opt(argc, argv, "--items-min"),
               *imax = cli_opt(argc, argv, "--items-max");
    client_set_source_address(cli_opt(argc, argv, "--source-address"));
    L.server = cli_opt(argc, argv, "--server");
    L.token = cli_opt(argc, argv, "--token");
    L.importer = cli_opt(argc, argv, "--importer");
    if (!L.importer)
        L.importer = "0101234567";
    const char *record = cli_opt(argc, argv, "--record");
    int ceiling = !cli_flag(argc, argv, "--no-ceiling");
    pthread_mutex_init(&L.record_mu, NULL);
    if (record && !(L.record = fopen(record, "w"))) {
        fprintf(stderr, "load: cannot write %s\n", record);
        return 1;
    }
    if (!L.server || !L.token || !rate || !dur) {
        fprintf(
            stderr,
            "usage: ecustoms load --server URL --token TOKEN --rate N --duration S "
            "[--items-min A --items-max B] [--importer TAXCODE] [--record FILE] [--no-ceiling]\n"
            "       [--source-address IP]\n");
        return 2;
    }
    L.rate = atof(rate);
    L.duration = atoi(dur);
    L.items_min = imin ? atoi(imin) : 1;
    L.items_max = imax ? atoi(imax) : 50;
    if (L.rate <= 0 || L.duration <= 0 || L.items_min < 1 || L.items_max < L.items_min ||
        L.items_max > 999) {
        fprintf(stderr,
                "load: rate and duration must be positive, 1 <= items-min <= items-max <= 999\n");
        return 2;
    }
    loadgen g = {.importer = L.importer, .items_min = L.items_min, .items_max = L.items_max};
    if (loadgen_init(&g, cli_data_dir()) != 0)
        return 1;
    L.total = (long)(L.rate * L.duration);
    L.ida_ms = calloc((size_t)L.total, sizeof *L.ida_ms);
    L.idc_ms = calloc((size_t)L.total, sizeof *L.idc_ms);

    /* generated declarations: built before the run so the generator's own CPU stays low */
    unsigned seed = (unsigned)time(NULL);
    /* distinct for runs started in different seconds or by different processes (< 36^6) */
    L.run = (uint64_t)(time(NULL) % 1000000) * 1000 + (uint64_t)getpid() % 1000;
    L.n_bodies = L.total < 2000 ? (int)L.total : 2000;
    L.bodies = calloc((size_t)L.n_bodies, sizeof *L.bodies);
    for (int i = 0; i < L.n_bodies; i++)
        L.bodies[i] = loadgen_declaration(&g, &seed);

    /* 1. the server's ceiling on a trivial endpoint, 3 s, same number of connections */
    pthread_t th[WORKERS];
    double h0 = now_ms();
    for (int i = 0; ceiling && i < WORKERS; i++)
        pthread_create(&th[i], NULL, healthz_worker, &L);
    struct timespec three = {ceiling ? 3 : 0, 0};
    nanosleep(&three, NULL);
    L.healthz_stop = 1;
    for (int i = 0; ceiling && i < WORKERS; i++)
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
    printf("unavailable (503) %ld\n", atomic_load(&L.unavailable));
    if (L.record)
        fclose(L.record);
    report("IDA", L.ida_ms, L.total);
    report("IDC", L.idc_ms, L.total);
    if (ceiling)
        printf("healthz ceiling %.0f req/s (closed loop, %d connections, same run)\n", hz, WORKERS);
    free(L.ida_ms);
    free(L.idc_ms);
    for (int i = 0; i < L.n_bodies; i++)
        free(L.bodies[i]);
    free(L.bodies);
    loadgen_free(&g);
    return atomic_load(&L.errors) ? 1 : 0;
}
