/* ecustoms risk ...: learned selectivity from the command line (docs/risk.md).
 *
 *   risk train --db FILE [--no-activate] [--rounds N] [--eta X] [--max-depth N] [--seed N]
 *   risk models --db FILE [--json]
 *   risk activate --db FILE VERSION
 *   risk import-history --db FILE --csv FILE[,FILE...] [--no-outcomes]
 *   risk evaluate --train FILE[,FILE...] --test FILE [--json] [--db FILE] [--rounds N]
 *                 [--eta X] [--max-depth N]
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "codec/risk_csv.h"
#include "service/admin.h"
#include "service/risk_training.h"
#include "store/store_risk.h"
#include "util/date.h"
#include "util/file.h"

static void print_errs(const errs *e, const char *file)
{
    for (int i = 0; i < e->n; i++)
        fprintf(stderr, "%s: %s %s: %s\n", file, e->items[i].code, e->items[i].path,
                e->items[i].message);
    if (e->truncated)
        fprintf(stderr, "%s: more errors not shown\n", file);
}

/* Commands that read or train from a database must not create an empty one by mistake. */
static int db_exists(const char *db, const char *cmd)
{
    if (db_is_server(db) || access(db, F_OK) == 0) /* a server reports a missing database itself */
        return 1;
    fprintf(stderr, "ecustoms risk %s: no database at %s\n", cmd, db);
    return 0;
}

/* Parses every CSV of a comma-separated list, rows appended in list order. */
static int read_csvs(const char *list, risk_csv_row **rows, size_t *n)
{
    char *copy = strdup(list), *save = NULL;
    errs *e = calloc(1, sizeof *e);
    int rc = copy && e ? 0 : -1;
    *rows = NULL;
    *n = 0;
    for (char *f = strtok_r(copy, ",", &save); f && rc == 0; f = strtok_r(NULL, ",", &save)) {
        size_t len;
        char *text = file_read_all(f, &len);
        if (!text) {
            fprintf(stderr, "ecustoms risk: cannot read %s\n", f);
            rc = -1;
            break;
        }
        risk_csv_row *part;
        size_t np;
        errs_init(e);
        if (risk_csv_parse(text, len, &part, &np, e) != 0) {
            print_errs(e, f);
            rc = -1;
        } else {
            risk_csv_row *all = realloc(*rows, (*n + np + 1) * sizeof **rows);
            if (!all) {
                rc = -1;
            } else {
                memcpy(all + *n, part, np * sizeof *part);
                *rows = all;
                *n += np;
            }
            free(part);
        }
        free(text);
    }
    free(copy);
    free(e);
    if (rc != 0) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

static int import_rows(store *st, const risk_csv_row *rows, size_t n, int outcomes)
{
    svc_req admin = svc_admin_cli();
    size_t duplicates;
    char first[33];
    svc_code rc = svc_admin_risk_import(st, &admin, rows, n, outcomes, &duplicates, first);
    if (duplicates) {
        fprintf(stderr,
                "ecustoms risk: %zu declarations are already in the database (first: %s); nothing "
                "imported\n",
                duplicates, first);
        return -1;
    }
    if (rc != SVC_OK) {
        fprintf(stderr, "ecustoms risk: the database refused the import\n");
        return -1;
    }
    return 0;
}

static int cmd_import(int argc, char **argv)
{
    const char *db = cli_opt(argc, argv, "--db"), *csv = cli_opt(argc, argv, "--csv");
    if (!db || !csv) {
        fprintf(
            stderr,
            "usage: ecustoms risk import-history --db FILE --csv FILE[,FILE...] [--no-outcomes]\n");
        return 2;
    }
    risk_csv_row *rows;
    size_t n;
    if (read_csvs(csv, &rows, &n) != 0)
        return 1;
    store *st;
    if (store_open(db, &st) != 0) {
        free(rows);
        return 1;
    }
    int rc = import_rows(st, rows, n, !cli_flag(argc, argv, "--no-outcomes"));
    store_close(st);
    free(rows);
    if (rc == 0)
        printf("imported %zu goods items%s\n", n,
               cli_flag(argc, argv, "--no-outcomes") ? "" : " with their outcomes");
    return rc == 0 ? 0 : 1;
}

static void params_from_args(int argc, char **argv, risk_train_params *p)
{
    risk_train_params_default(p);
    const char *v;
    if ((v = cli_opt(argc, argv, "--rounds")))
        p->rounds = atoi(v);
    if ((v = cli_opt(argc, argv, "--seed")))
        p->seed = atoi(v);
    if ((v = cli_opt(argc, argv, "--eta")))
        p->eta = atof(v);
    if ((v = cli_opt(argc, argv, "--max-depth")))
        p->max_depth = atoi(v);
}

/* 0, or a usage message for parameters XGBoost would refuse or that make no sense. */
static const char *params_invalid(const risk_train_params *p)
{
    if (p->rounds < 1 || p->rounds > 5000)
        return "--rounds must be 1..5000";
    if (!(p->eta > 0 && p->eta <= 1))
        return "--eta must be in (0, 1]";
    if (p->max_depth < 1 || p->max_depth > 16)
        return "--max-depth must be 1..16";
    return NULL;
}

static void print_training(const risk_training *t)
{
    char a[24], b[24];
    date_format_timestamp((time_t)t->train_from, a);
    date_format_timestamp((time_t)t->train_to, b);
    printf("model %lld: %zu labelled items registered %s .. %s, trained in %.1f s\n",
           (long long)t->version, t->rows, a, b, t->seconds);
    printf("validation on the latest %zu items (model trained on the earlier ones): AUC %.4f",
           t->validation_rows, t->validation.auc);
    for (int k = 0; k < RISK_METRIC_RATES; k++)
        printf(", P@%d%% %.3f", risk_metric_rates_pct[k], t->validation.precision[k]);
    printf("\n");
}

static int cmd_train(int argc, char **argv)
{
    const char *db = cli_opt(argc, argv, "--db");
    if (!db) {
        fprintf(stderr,
                "usage: ecustoms risk train --db FILE [--no-activate] [--rounds N] [--seed N]\n");
        return 2;
    }
    risk_train_params p;
    params_from_args(argc, argv, &p);
    const char *bad = params_invalid(&p);
    if (bad) {
        fprintf(stderr, "ecustoms risk train: %s\n", bad);
        return 2;
    }
    if (!db_exists(db, "train"))
        return 1;
    store *st;
    if (store_open(db, &st) != 0)
        return 1;
    risk_training t;
    char err[256];
    int activate = !cli_flag(argc, argv, "--no-activate");
    int rc = risk_train_store(st, &p, activate, &t, err, sizeof err);
    store_close(st);
    if (rc != 0) {
        fprintf(stderr, "ecustoms risk train: %s\n", err);
        return 1;
    }
    print_training(&t);
    printf("%s\n", activate ? "active now (a running server picks it up within 5 s)"
                            : "stored, not active: ecustoms risk activate VERSION");
    return 0;
}

typedef struct list_ctx {
    risk_model_row rows[256];
    int n;
} list_ctx;

static int list_job(db_conn *c, void *ctx)
{
    list_ctx *l = ctx;
    l->n = store_risk_model_list(c, l->rows, 256);
    return l->n < 0 ? l->n : 0;
}

static int cmd_models(int argc, char **argv)
{
    const char *db = cli_opt(argc, argv, "--db");
    if (!db) {
        fprintf(stderr, "usage: ecustoms risk models --db FILE [--json]\n");
        return 2;
    }
    if (!db_exists(db, "models"))
        return 1;
    store *st;
    if (store_open(db, &st) != 0)
        return 1;
    list_ctx *l = calloc(1, sizeof *l);
    int rc = l ? store_read(st, list_job, l) : -1;
    store_close(st);
    if (rc != 0) {
        free(l);
        return 1;
    }
    json_t *arr = json_array();
    if (!cli_flag(argc, argv, "--json"))
        printf("%-8s %-6s %-20s %-20s %-20s %8s %7s %7s\n", "version", "active", "created",
               "window from", "window to", "rows", "AUC", "P@5%");
    for (int i = 0; i < l->n; i++) {
        risk_model_row *r = &l->rows[i];
        json_t *metrics = json_loads(r->metrics ? r->metrics : "{}", 0, NULL);
        json_t *val = json_object_get(metrics, "validation");
        char c[24], f[24], t[24];
        date_format_timestamp((time_t)r->created_at, c);
        date_format_timestamp((time_t)r->train_from, f);
        date_format_timestamp((time_t)r->train_to, t);
        if (cli_flag(argc, argv, "--json")) {
            json_array_append_new(arr, risk_model_row_json(r));
        } else {
            printf("%-8lld %-6s %-20s %-20s %-20s %8lld %7.4f %7.3f\n", (long long)r->version,
                   r->active ? "yes" : "", c, f, t, (long long)r->rows,
                   json_number_value(json_object_get(val, "auc")),
                   json_number_value(json_object_get(json_object_get(val, "precision"), "5")));
        }
        json_decref(metrics);
        risk_model_row_release(r);
    }
    if (cli_flag(argc, argv, "--json")) {
        char *s = json_dumps(arr, JSON_INDENT(2));
        printf("%s\n", s);
        free(s);
    }
    json_decref(arr);
    free(l);
    return 0;
}

static int cmd_activate(int argc, char **argv)
{
    const char *db = cli_opt(argc, argv, "--db"), *v = cli_opt(argc, argv, "--version");
    if (!v && argc >= 2 && argv[argc - 1][0] != '-' &&
        (argc < 3 || strcmp(argv[argc - 2], "--db") != 0))
        v = argv[argc - 1];
    char *end = NULL;
    long long version = v ? strtoll(v, &end, 10) : 0;
    if (!db || !v || *end || version < 1) {
        fprintf(stderr, "usage: ecustoms risk activate --db FILE VERSION\n");
        return 2;
    }
    if (!db_exists(db, "activate"))
        return 1;
    store *st;
    if (store_open(db, &st) != 0)
        return 1;
    svc_req admin = svc_admin_cli();
    svc_code rc = svc_admin_risk_activate(st, &admin, version);
    store_close(st);
    if (rc != SVC_OK && rc != SVC_NOT_FOUND)
        return 1;
    if (rc == SVC_NOT_FOUND) {
        fprintf(stderr,
                "ecustoms risk activate: there is no model %lld (see ecustoms risk models)\n",
                version);
        return 1;
    }
    printf("model %lld is active (a running server picks it up within 5 s)\n", version);
    return 0;
}

/* ---- evaluate -------------------------------------------------------------------------------- */

/* Jeong et al. 2022, Table 3: their own test split */
static const struct {
    const char *model;
    double p5, p10;
} published[] = {{"XGBoost (Jeong et al. 2022)", 0.675, 0.579},
                 {"LightGBM (Jeong et al. 2022)", 0.762, 0.641}};

static int cmd_evaluate(int argc, char **argv)
{
    const char *train = cli_opt(argc, argv, "--train"), *test = cli_opt(argc, argv, "--test");
    const char *db = cli_opt(argc, argv, "--db");
    int as_json = cli_flag(argc, argv, "--json");
    if (!train || !test) {
        fprintf(stderr, "usage: ecustoms risk evaluate --train FILE[,FILE...] --test FILE [--json] "
                        "[--db FILE] [--rounds N]\n");
        return 2;
    }
    risk_train_params p;
    params_from_args(argc, argv, &p);
    const char *bad = params_invalid(&p);
    if (bad) {
        fprintf(stderr, "ecustoms risk evaluate: %s\n", bad);
        return 2;
    }
    risk_csv_row *tr = NULL, *te = NULL;
    size_t ntr, nte;
    if (read_csvs(train, &tr, &ntr) != 0 || read_csvs(test, &te, &nte) != 0) {
        free(tr);
        return 1;
    }
    if (nte && ntr && te[0].fact.registered_at < tr[ntr - 1].fact.registered_at)
        fprintf(
            stderr,
            "ecustoms risk evaluate: warning: the test rows start before the training rows end\n");
    /* a scratch database unless one is given: the rows go through the store like production data */
    char dir[] = "/tmp/ecustoms-eval-XXXXXX", path[64];
    int scratch = !db;
    if (scratch) {
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            free(tr), free(te);
            return 1;
        }
        snprintf(path, sizeof path, "%s/eval.sqlite", dir);
        db = path;
    }
    store *st = NULL;
    int rc = 1;
    strmap ids = {0};
    float *scores = NULL, *labels = NULL;
    if (store_open(db, &st) != 0)
        goto out;
    /* training rows with their outcomes; test rows registered, their outcomes withheld */
    if (import_rows(st, tr, ntr, 1) != 0 || import_rows(st, te, nte, 0) != 0)
        goto out;
    risk_training t;
    char err[256];
    if (risk_train_store(st, &p, 1, &t, err, sizeof err) != 0) {
        fprintf(stderr, "ecustoms risk evaluate: %s\n", err);
        goto out;
    }
    if (!as_json)
        print_training(&t);
    scores = malloc((nte + 1) * sizeof *scores);
    labels = malloc((nte + 1) * sizeof *labels);
    if (!scores || !labels || strmap_init(&ids, nte) != 0)
        goto out;
    for (size_t i = 0; i < nte; i++) {
        int created;
        int32_t k = strmap_intern(&ids, te[i].fact.decl_id, strlen(te[i].fact.decl_id), &created);
        if (k < 0)
            goto out;
        labels[k] = (float)te[i].fraud;
    }
    if (risk_score_declarations(st, &ids, scores, err, sizeof err) != 0) {
        fprintf(stderr, "ecustoms risk evaluate: %s\n", err);
        goto out;
    }
    risk_metrics m;
    if (risk_metrics_compute(scores, labels, ids.count, &m) != 0)
        goto out;
    if (as_json) {
        json_t *pr = json_object(), *re = json_object();
        for (int k = 0; k < RISK_METRIC_RATES; k++) {
            char key[8];
            snprintf(key, sizeof key, "%d", risk_metric_rates_pct[k]);
            json_object_set_new(pr, key, json_real(m.precision[k]));
            json_object_set_new(re, key, json_real(m.recall[k]));
        }
        json_t *o = json_pack("{s:o,s:o,s:o,s:I,s:I}", "precision", pr, "recall", re, "auc",
                              isfinite(m.auc) ? json_real(m.auc) : json_null(), "rows_train",
                              (json_int_t)ntr, "rows_test", (json_int_t)ids.count);
        char *s = json_dumps(o, JSON_COMPACT);
        printf("%s\n", s);
        free(s);
        json_decref(o);
    } else {
        printf("\ntest: %zu items, %zu violations (%.2f%%); model %lld trained on %zu items\n",
               m.rows, m.positives, m.rows ? 100.0 * (double)m.positives / (double)m.rows : 0.0,
               (long long)t.version, ntr);
        printf("%-30s %8s %8s %8s %8s %8s\n", "", "@1%", "@2%", "@5%", "@10%", "AUC");
        printf("%-30s", "ecustoms precision");
        for (int k = 0; k < RISK_METRIC_RATES; k++)
            printf(" %8.3f", m.precision[k]);
        printf(" %8.4f\n%-30s", m.auc, "ecustoms recall");
        for (int k = 0; k < RISK_METRIC_RATES; k++)
            printf(" %8.3f", m.recall[k]);
        printf("\n");
        for (size_t i = 0; i < sizeof published / sizeof *published; i++)
            printf("%-30s %8s %8s %8.3f %8.3f %8s\n", published[i].model, "-", "-", published[i].p5,
                   published[i].p10, "-");
        printf("(published figures: precision on the authors' own 2021 Q2 test split, which is not "
               "public;\n"
               " ours: trained on --train, tested on --test; see docs/risk.md)\n");
    }
    rc = 0;
out:
    store_close(st);
    if (scratch && db == path) {
        char f[96];
        static const char *const suffixes[] = {"", "-wal", "-shm"};
        for (size_t i = 0; i < 3; i++) {
            snprintf(f, sizeof f, "%s%s", path, suffixes[i]);
            unlink(f);
        }
        rmdir(dir);
    }
    strmap_free(&ids);
    free(scores);
    free(labels);
    free(tr);
    free(te);
    return rc;
}

int cmd_risk(int argc, char **argv)
{
    const char *sub = argc >= 2 ? argv[1] : "";
    if (!strcmp(sub, "train"))
        return cmd_train(argc - 1, argv + 1);
    if (!strcmp(sub, "models"))
        return cmd_models(argc - 1, argv + 1);
    if (!strcmp(sub, "activate"))
        return cmd_activate(argc - 1, argv + 1);
    if (!strcmp(sub, "import-history"))
        return cmd_import(argc - 1, argv + 1);
    if (!strcmp(sub, "evaluate"))
        return cmd_evaluate(argc - 1, argv + 1);
    fprintf(
        stderr,
        "usage: ecustoms risk train|models|activate|import-history|evaluate ... (docs/risk.md)\n");
    return 2;
}
