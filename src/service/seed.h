/* `ecustoms db seed`: fills a database with registered declarations as live traffic would have
 * left them after months — the rows IDA, IDC, officer decisions, payments and clearance write
 * (service/clearance.c, service/payments.c), each written once in its final state, in large
 * transactions (docs/storage.md, "Seeding a database"). */
#ifndef ECUSTOMS_SERVICE_SEED_H
#define ECUSTOMS_SERVICE_SEED_H

#include <stdint.h>

#include "service/app.h"

typedef struct seed_opts {
    long declarations; /* how many to add */
    uint64_t seed;     /* the random stream (same seed, same database) */
    char **bodies;     /* declarations as JSON text (the load generator's), drawn from */
    int n_bodies;
    int enterprises; /* importers the declarations are spread over */
    int64_t end;     /* the simulated period ends here (unix seconds) */
    double per_day;  /* registrations per simulated day (Vietnam: ~22,000) */
    int reference;   /* write through the live path's store functions, one statement
                      * at a time (slow): what the fast path is compared with */
} seed_opts;

typedef struct seed_result {
    long declarations;
    long green, yellow, red;
    long cleared, passed, cancelled, in_progress;
    long events;
    int64_t first_at, last_at;
} seed_result;

/* Refused templates are reported on stderr and skipped. 0, or -1 (message on stderr). */
int svc_seed(app *a, const seed_opts *o, seed_result *out);
/* 1 when the database holds at least one declaration, 0 when none, <0 on error. */
int svc_seed_has_declarations(app *a);

#endif
