/* `ecustoms tariff show|search|import` and `ecustoms quote`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "codec/json_decl.h"
#include "codec/json_tax.h"
#include "core/tariff.h"
#include "core/tariff_import.h"
#include "core/tax.h"
#include "core/tax_tables.h"
#include "util/decimal.h"

static void print_errs(const char *who, const errs *e)
{
    for (int i = 0; i < e->n; i++)
        fprintf(stderr, "%s: %s %s: %s\n", who, e->items[i].code, e->items[i].path,
                e->items[i].message);
    if (e->truncated)
        fprintf(stderr, "%s: more errors not shown\n", who);
}

static tariff *open_tariff(errs *e)
{
    char dir[1024];
    tariff *t = NULL;
    snprintf(dir, sizeof dir, "%s/tariff", cli_data_dir());
    if (tariff_load(dir, &t, e) < 0) {
        print_errs("tariff", e);
        return NULL;
    }
    return t;
}

static int parse_date_opt(int argc, char **argv, date_ymd *d)
{
    const char *s = cli_opt(argc, argv, "--date");
    *d = date_today();
    if (s && date_parse(s, d) < 0) {
        fprintf(stderr, "bad --date '%s' (YYYY-MM-DD)\n", s);
        return -1;
    }
    return 0;
}

static void print_rate(const char *name, const tariff_rate *r)
{
    if (r->kind == RATE_NONE)
        return;
    printf("  %-8s %s", name, r->text);
    if (r->of_mfn_pct && r->kind == RATE_AD_VALOREM) {
        char b[32];
        decimal_format(r->pct, DECIMAL_SCALE_PCT, b, sizeof b);
        printf("  (= %s%%)", b);
    }
    putchar('\n');
}

static int tariff_show(int argc, char **argv)
{
    errs *e = calloc(1, sizeof *e);
    tariff *t;
    tax_tables *tt = NULL;
    const tariff_line *l;
    const char *origin = cli_opt(argc, argv, "--origin");
    date_ymd d;
    char dir[1024];
    int rc = 1;
    if (argc < 3 || strlen(argv[2]) != 8 || strspn(argv[2], "0123456789") != 8) {
        fprintf(stderr, "usage: ecustoms tariff show HS8 [--origin CC] [--date D] [--json]\n");
        free(e);
        return 2;
    }
    if (parse_date_opt(argc, argv, &d) < 0 || !(t = open_tariff(e))) {
        free(e);
        return 1;
    }
    if (origin) {
        snprintf(dir, sizeof dir, "%s/tax", cli_data_dir());
        errs_init(e);
        if (tax_tables_load(dir, &tt, e) < 0) {
            print_errs("tax tables", e);
            goto out;
        }
    }
    l = tariff_find(t, (uint32_t)strtoul(argv[2], NULL, 10));
    if (!l) {
        const tariff_line *near[5];
        size_t n = tariff_nearest(t, (uint32_t)strtoul(argv[2], NULL, 10), near, 5);
        fprintf(stderr, "%s is not a tariff line; nearest:", argv[2]);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %08u", near[i]->hs8);
        fputc('\n', stderr);
        goto out;
    }
    if (cli_flag(argc, argv, "--json")) {
        json_t *j = json_tariff_line(l, tt, origin, d);
        char *s = json_dumps(j, JSON_INDENT(2));
        puts(s);
        free(s);
        json_decref(j);
    } else {
        printf("%08u  %s\n          %s\n", l->hs8, l->desc_vn, l->desc_en);
        print_rate("ordinary", l->standard);
        print_rate("MFN", l->mfn);
        for (int a = 0; a < FTA_COUNT; a++)
            print_rate(tariff_fta_name((tariff_fta)a), l->fta[a]);
        for (int i = 0; i < l->n_procedures; i++)
            printf("  procedure: %s (%s) [%s, %s]\n", l->procedures[i].name,
                   l->procedures[i].legal_ref, l->procedures[i].agency, l->procedures[i].stage);
        if (tt) {
            json_t *j = json_tariff_line(l, tt, origin, d);
            json_t *app = json_object_get(j, "applicable");
            size_t i;
            json_t *x;
            printf("  applicable for origin %s:\n", origin);
            json_array_foreach(app, i, x)
            {
                json_t *r = json_object_get(x, "rate");
                printf("    %s %-8s %s%s%s%s\n", json_string_value(json_object_get(x, "schedule")),
                       json_string_value(json_object_get(x, "name")),
                       json_string_value(json_object_get(r, "text")),
                       json_object_get(x, "co_forms") ? "  C/O form " : "",
                       json_object_get(x, "co_forms")
                           ? json_string_value(json_object_get(x, "co_forms"))
                           : "",
                       json_object_get(x, "reason") ? "  (not available: excluded)" : "");
            }
            json_decref(j);
        }
    }
    rc = 0;
out:
    tax_tables_free(tt);
    tariff_free(t);
    free(e);
    return rc;
}

static int tariff_search_cmd(int argc, char **argv)
{
    errs *e = calloc(1, sizeof *e);
    tariff *t;
    const tariff_line *res[50];
    size_t n;
    if (argc < 3) {
        fprintf(stderr, "usage: ecustoms tariff search TEXT\n");
        free(e);
        return 2;
    }
    if (!(t = open_tariff(e))) {
        free(e);
        return 1;
    }
    n = tariff_search(t, argv[2], res, 50);
    for (size_t i = 0; i < n; i++)
        printf("%08u  %-8s %s | %s\n", res[i]->hs8, res[i]->mfn->text, res[i]->desc_vn,
               res[i]->desc_en);
    if (n == 50)
        printf("(first 50 matches)\n");
    tariff_free(t);
    free(e);
    return n ? 0 : 1;
}

static int tariff_import_cmd(int argc, char **argv)
{
    const char *from = cli_opt(argc, argv, "--from"), *proc = cli_opt(argc, argv, "--procedures"),
               *out = cli_opt(argc, argv, "--out");
    import_stats st;
    int rc;
    if (!from || !out) {
        fprintf(stderr, "usage: ecustoms tariff import --from CSV [--procedures CSV] --out DIR\n");
        return 2;
    }
    rc = tariff_import(from, proc, out, &st, stdout);
    if (rc < 0)
        return 1;
    printf("rows read            %zu\n"
           "8-digit lines        %zu\n"
           "rate cells           %zu (uninterpretable: %zu)\n"
           "bad rows             %zu, non-8-digit codes with rates %zu (skipped)\n"
           "duplicate codes      %zu identical (dropped), %zu differing (first kept)\n"
           "procedures           %zu (without reference %zu, agency unknown %zu)\n",
           st.rows, st.lines, st.cells, st.bad_cells, st.bad_rows, st.bad_codes, st.dup_identical,
           st.dup_differing, st.procedures, st.proc_no_ref, st.proc_no_agency);
    return rc == 0 ? 0 : 1;
}

int cmd_tariff(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "show") == 0)
        return tariff_show(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "search") == 0)
        return tariff_search_cmd(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "import") == 0)
        return tariff_import_cmd(argc, argv);
    fprintf(stderr, "usage: ecustoms tariff show HS8 [--origin CC] [--date D] [--json] | search "
                    "TEXT | import --from CSV --procedures CSV --out DIR\n");
    return 2;
}

int cmd_quote(int argc, char **argv)
{
    errs *e = calloc(1, sizeof *e);
    tariff *t = NULL;
    tax_tables *tt = NULL;
    tax_fx rates[64];
    tax_fx_table fx = {rates, 0};
    tax_result res = {0};
    decl d = {0};
    json_t *root = NULL, *j;
    json_error_t jerr;
    date_ymd date;
    char path[1024];
    int rc = 1, n;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--date") == 0) {
            i++;
            continue;
        }
        file = argv[i];
    }
    if (!file || !e) {
        fprintf(stderr, "usage: ecustoms quote FILE.json [--date YYYY-MM-DD]\n");
        free(e);
        return 2;
    }
    if (parse_date_opt(argc, argv, &date) < 0)
        goto out;
    errs_init(e);
    root = json_load_file(file, 0, &jerr);
    if (!root) {
        fprintf(stderr, "quote: %s:%d: %s\n", file, jerr.line, jerr.text);
        goto out;
    }
    if (json_decl_decode(root, &d, e) < 0) {
        print_errs("quote", e);
        goto out;
    }
    if (!(t = open_tariff(e)))
        goto out;
    snprintf(path, sizeof path, "%s/tax", cli_data_dir());
    if (tax_tables_load(path, &tt, e) < 0) {
        print_errs("tax tables", e);
        goto out;
    }
    snprintf(path, sizeof path, "%s/tax/exchange_rates_demo.tsv", cli_data_dir());
    n = tax_fx_load_demo(path, date, rates, 64, e);
    if (n < 0 || e->n) {
        print_errs("exchange rates", e);
        goto out;
    }
    fx.n = (size_t)n;
    res.items = calloc((size_t)d.n_items, sizeof *res.items);
    if (!res.items)
        goto out;
    if (tax_compute(t, tt, &fx, &d, date, &res, e) < 0) {
        print_errs("quote", e);
        goto out;
    }
    j = json_tax_result(&res, &d);
    {
        char *s = json_dumps(j, JSON_INDENT(2));
        puts(s);
        free(s);
    }
    json_decref(j);
    rc = 0;
out:
    free(res.items);
    decl_release(&d);
    json_decref(root);
    tax_tables_free(tt);
    tariff_free(t);
    free(e);
    return rc;
}
