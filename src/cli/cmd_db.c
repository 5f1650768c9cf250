/* Database maintenance commands beside `db init` (cmd_admin.c): db migrate, db seed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/loadgen.h"
#include "service/app.h"
#include "service/seed.h"
#include "store/db.h"
#include "store/schema.h"
#include "util/date.h"

/* db migrate --db FILE: applies the pending migrations of src/store/schema.sql (serve and every
 * command that opens a database do the same; this one says what it did and never creates a
 * database). */
int cmd_db_migrate(int argc, char **argv)
{
    const char *path = cli_opt(argc, argv, "--db");
    if (!path) {
        fprintf(stderr, "usage: ecustoms db migrate --db FILE|postgresql://...\n");
        return 2;
    }
    if (!db_is_server(path) && access(path, F_OK) != 0) {
        fprintf(stderr, "ecustoms db migrate: no database at %s (ecustoms db init creates one)\n",
                path);
        return 1;
    }
    db_conn *c = NULL;
    const db_driver *drv = db_driver_for(path);
    if (drv->open(path, 1, &c) != DB_OK) {
        fprintf(stderr, "ecustoms db migrate: cannot open %s\n", path);
        return 1;
    }
    char err[512];
    int from = 0, to = 0;
    int rc = schema_migrate(c, &from, &to, err, sizeof err);
    drv->close(c);
    if (rc != 0) {
        fprintf(stderr, "ecustoms db migrate: %s: %s\n", path, err);
        return 1;
    }
    if (from == to)
        printf("%s: schema version %d, up to date\n", path, to);
    else
        printf("%s: schema version %d -> %d\n", path, from, to);
    return 0;
}

/* db seed --db FILE --declarations N [--seed S] [--append] [--enterprises E] [--per-day D]
 *         [--items-min A --items-max B] [--end UNIX_SECONDS] [--reference]
 * --end: the simulated period's end (default now), so that two seeds can be compared row by
 * row; --reference: the slow path through the live store functions (tests/api/test_seed.py) */
int cmd_db_seed(int argc, char **argv)
{
    const char *path = cli_opt(argc, argv, "--db"), *nd = cli_opt(argc, argv, "--declarations");
    const char *sd = cli_opt(argc, argv, "--seed"), *ne = cli_opt(argc, argv, "--enterprises");
    const char *pd = cli_opt(argc, argv, "--per-day");
    const char *imin = cli_opt(argc, argv, "--items-min"),
               *imax = cli_opt(argc, argv, "--items-max");
    const char *ends = cli_opt(argc, argv, "--end");
    if (!path || !nd) {
        fprintf(stderr, "usage: ecustoms db seed --db FILE --declarations N [--seed S] [--append]\n"
                        "       [--enterprises E (2000)] [--per-day D (22000)] [--items-min A (1) "
                        "--items-max B (50)]\n"
                        "       [--end UNIX_SECONDS (now)] [--reference]\n");
        return 2;
    }
    char *end = NULL;
    long n = strtol(nd, &end, 10);
    seed_opts o = {.declarations = n,
                   .seed = sd ? strtoull(sd, NULL, 10) : 1,
                   .enterprises = ne ? atoi(ne) : 2000,
                   .per_day = pd ? atof(pd) : 22000,
                   .end = ends ? strtoll(ends, NULL, 10) : (int64_t)time(NULL),
                   .reference = cli_flag(argc, argv, "--reference")};
    loadgen g = {.importer = "0101234567",
                 .items_min = imin ? atoi(imin) : 1,
                 .items_max = imax ? atoi(imax) : 50};
    if (*end || n <= 0 || n > 100000000 || o.enterprises <= 0 || o.enterprises > 1000000 ||
        o.per_day <= 0 || o.end < 86400 * 365 || g.items_min < 1 || g.items_max < g.items_min ||
        g.items_max > 999) {
        fprintf(stderr,
                "db seed: --declarations 1..100000000, --enterprises 1..1000000, "
                "--per-day > 0, --end after 1971, 1 <= --items-min <= --items-max <= 999\n");
        return 2;
    }
    if (!db_is_server(path) && access(path, F_OK) != 0) {
        fprintf(stderr,
                "db seed: no database at %s (ecustoms db init --demo creates one: the "
                "seed needs its exchange rates and rules)\n",
                path);
        return 1;
    }
    app a;
    if (app_open(&a, path, cli_data_dir()) != 0)
        return 1;
    int rc = 1;
    int has = svc_seed_has_declarations(&a);
    if (has < 0) {
        fprintf(stderr, "db seed: cannot read %s\n", path);
        goto out;
    }
    if (has && !cli_flag(argc, argv, "--append")) {
        fprintf(stderr, "db seed: %s already holds declarations; --append adds to them\n", path);
        goto out;
    }
    if (loadgen_init(&g, cli_data_dir()) != 0)
        goto out;
    unsigned s = (unsigned)o.seed;
    o.n_bodies = n < 500 ? (int)n : 500;
    o.bodies = calloc((size_t)o.n_bodies, sizeof *o.bodies);
    for (int i = 0; o.bodies && i < o.n_bodies; i++)
        o.bodies[i] = loadgen_declaration(&g, &s);
    seed_result r;
    double t0 = clock_seconds();
    if (o.bodies && svc_seed(&a, &o, &r) == 0) {
        double secs = clock_seconds() - t0;
        char from[24], to[24];
        date_format_timestamp((time_t)r.first_at, from);
        date_format_timestamp((time_t)r.last_at, to);
        printf("seeded %ld declarations in %.1f s (%.0f/s), registered %s .. %s\n", r.declarations,
               secs, (double)r.declarations / secs, from, to);
        printf("channels: green %ld (%.1f %%), yellow %ld (%.1f %%), red %ld (%.1f %%)\n", r.green,
               100.0 * (double)r.green / (double)r.declarations, r.yellow,
               100.0 * (double)r.yellow / (double)r.declarations, r.red,
               100.0 * (double)r.red / (double)r.declarations);
        printf("cleared %ld (passed supervision %ld), cancelled %ld, in progress %ld\n", r.cleared,
               r.passed, r.cancelled, r.in_progress);
        rc = 0;
    }
    for (int i = 0; o.bodies && i < o.n_bodies; i++)
        free(o.bodies[i]);
    free(o.bodies);
    loadgen_free(&g);
out:
    app_close(&a);
    return rc;
}
