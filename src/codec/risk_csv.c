#include "codec/risk_csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/date.h"

enum {
    C_ID,
    C_DATE,
    C_OFFICE,
    C_PROCESS,
    C_IMPORT_TYPE,
    C_USE,
    C_PAYMENT,
    C_TRANSPORT,
    C_DECLARANT,
    C_IMPORTER,
    C_SELLER,
    C_COURIER,
    C_HS6,
    C_DEPARTURE,
    C_ORIGIN,
    C_TAX_RATE,
    C_TAX_TYPE,
    C_ORIGIN_IND,
    C_MASS,
    C_PRICE,
    C_FRAUD,
    C_CRITICAL,
    C_COUNT
};

static const char *const column_names[C_COUNT] = {
    "Declaration ID",
    "Date",
    "Office ID",
    "Process Type",
    "Import Type",
    "Import Use",
    "Payment Type",
    "Mode of Transport",
    "Declarant ID",
    "Importer ID",
    "Seller ID",
    "Courier ID",
    "HS6 Code",
    "Country of Departure",
    "Country of Origin",
    "Tax Rate",
    "Tax Type",
    "Country of Origin Indicator",
    "Net Mass",
    "Item Price",
    "Fraud",
    "Critical Fraud",
};

#define MAX_FIELDS 64
#define FIELD_MAX 128

/* Splits one line (no newline) into fields; a field may be double-quoted with "" escapes.
 * Returns the field count or -1 when a field is too long or the quoting is broken. */
static int split(const char *s, size_t len, char fields[][FIELD_MAX], int max)
{
    int n = 0;
    size_t i = 0;
    for (;;) {
        if (n == max)
            return -1;
        size_t k = 0;
        if (i < len && s[i] == '"') {
            for (i++;; i++) {
                if (i >= len)
                    return -1;
                if (s[i] == '"') {
                    if (i + 1 < len && s[i + 1] == '"')
                        i++;
                    else {
                        i++;
                        break;
                    }
                }
                if (k + 1 >= FIELD_MAX)
                    return -1;
                fields[n][k++] = s[i];
            }
            if (i < len && s[i] != ',')
                return -1;
        } else {
            for (; i < len && s[i] != ','; i++) {
                if (k + 1 >= FIELD_MAX)
                    return -1;
                fields[n][k++] = s[i];
            }
        }
        fields[n++][k] = 0;
        if (i >= len)
            return n;
        i++; /* the comma */
    }
}

static int parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static void copy_id(char *dst, size_t size, const char *src, errs *e, const char *row_path,
                    const char *col)
{
    if (strlen(src) >= size)
        errs_add(e, "too_long", row_path, "'%s' is longer than %zu characters", col, size - 1);
    snprintf(dst, size, "%s", src);
}

int risk_csv_parse(const char *text, size_t len, risk_csv_row **rows_out, size_t *n_out, errs *e)
{
    *rows_out = NULL;
    *n_out = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        text += 3, len -= 3;
    size_t cap = 64, n = 0, row_no = 0; /* doubles as rows come */
    risk_csv_row *rows = malloc(cap * sizeof *rows);
    static char f[MAX_FIELDS][FIELD_MAX]; /* not re-entrant: the CLI parses one file at a time */
    int col[C_COUNT], n_header = 0;
    date_ymd day = 0;
    int64_t ordinal = 0;
    if (!rows)
        return errs_add(e, "memory", "", "out of memory");
    for (size_t pos = 0; pos < len;) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        size_t ll = end - pos;
        const char *line = text + pos;
        pos = end + 1;
        if (ll && line[ll - 1] == '\r')
            ll--;
        if (ll == 0)
            continue;
        int nf = split(line, ll, f, MAX_FIELDS);
        if (row_no++ == 0) { /* the header */
            n_header = nf;
            for (int c = 0; c < C_COUNT; c++) {
                col[c] = -1;
                for (int j = 0; j < nf; j++)
                    if (strcmp(f[j], column_names[c]) == 0)
                        col[c] = j;
                if (col[c] < 0)
                    errs_add(e, "missing_column", "/header", "column '%s' is missing",
                             column_names[c]);
            }
            if (e->n)
                break;
            continue;
        }
        char path[48];
        snprintf(path, sizeof path, "/rows/%zu", row_no - 1);
        if (nf != n_header) {
            errs_add(e, "field_count", path, "row %zu has %d fields, the header %d", row_no - 1, nf,
                     n_header);
            continue;
        }
        if (n == cap) {
            risk_csv_row *r = realloc(rows, cap * 2 * sizeof *rows);
            if (!r) {
                errs_add(e, "memory", "", "out of memory");
                break;
            }
            rows = r;
            cap *= 2;
        }
        risk_csv_row *r = &rows[n];
        memset(r, 0, sizeof *r);
        risk_fact *x = &r->fact;
        int before = e->n;
        date_ymd d;
        double v;
        if (!f[col[C_ID]][0])
            errs_add(e, "required", path, "row %zu: 'Declaration ID' is empty", row_no - 1);
        char id[FIELD_MAX + 8];
        snprintf(id, sizeof id, "CSV-%s", f[col[C_ID]]);
        copy_id(x->decl_id, sizeof x->decl_id, id, e, path, "Declaration ID");
        x->line = 1;
        if (date_parse(f[col[C_DATE]], &d) != 0) {
            errs_add(e, "date", path, "row %zu: 'Date' must be YYYY-MM-DD", row_no - 1);
        } else {
            if (d < day)
                errs_add(e, "order", path, "row %zu: rows must be in date order", row_no - 1);
            if (d != day)
                day = d, ordinal = 0;
            x->registered_at = (int64_t)date_to_days(d) * 86400 + ordinal++;
            r->outcome_at = ((int64_t)date_to_days(d) + 2) * 86400 - 1;
        }
        copy_id(x->office, sizeof x->office, f[col[C_OFFICE]], e, path, "Office ID");
        copy_id(x->procedure, sizeof x->procedure, f[col[C_PROCESS]], e, path, "Process Type");
        copy_id(x->type_code, sizeof x->type_code, f[col[C_IMPORT_TYPE]], e, path, "Import Type");
        copy_id(x->use_code, sizeof x->use_code, f[col[C_USE]], e, path, "Import Use");
        copy_id(x->payment_type, sizeof x->payment_type, f[col[C_PAYMENT]], e, path,
                "Payment Type");
        copy_id(x->declarant, sizeof x->declarant, f[col[C_DECLARANT]], e, path, "Declarant ID");
        copy_id(x->importer, sizeof x->importer, f[col[C_IMPORTER]], e, path, "Importer ID");
        copy_id(x->seller, sizeof x->seller, f[col[C_SELLER]], e, path, "Seller ID");
        copy_id(x->courier, sizeof x->courier, f[col[C_COURIER]], e, path, "Courier ID");
        copy_id(x->tax_type, sizeof x->tax_type, f[col[C_TAX_TYPE]], e, path, "Tax Type");
        copy_id(x->origin_indicator, sizeof x->origin_indicator, f[col[C_ORIGIN_IND]], e, path,
                "Country of Origin Indicator");
        copy_id(x->departure, sizeof x->departure, f[col[C_DEPARTURE]], e, path,
                "Country of Departure");
        copy_id(x->origin, sizeof x->origin, f[col[C_ORIGIN]], e, path, "Country of Origin");
        if (parse_number(f[col[C_TRANSPORT]], &v) != 0 || v < 0 || v > 99)
            errs_add(e, "number", path, "row %zu: 'Mode of Transport' must be a number",
                     row_no - 1);
        else
            x->transport_mode = (int)v;
        /* HS6 is written as an integer: 90121 is 090121 */
        if (parse_number(f[col[C_HS6]], &v) != 0 || v < 10000 || v > 999999 || v != floor(v))
            errs_add(e, "hs_code", path, "row %zu: 'HS6 Code' must be a 5- or 6-digit number",
                     row_no - 1);
        else
            snprintf(x->hs, sizeof x->hs, "%06d", (int)v);
        if (parse_number(f[col[C_TAX_RATE]], &v) != 0 || v < 0 || v > 1000)
            errs_add(e, "number", path, "row %zu: 'Tax Rate' must be a percentage", row_no - 1);
        else
            x->tax_rate_bp = llround(v * 100);
        if (parse_number(f[col[C_MASS]], &v) != 0 || v < 0 || v > 1e12)
            errs_add(e, "number", path, "row %zu: 'Net Mass' must be a non-negative number of kg",
                     row_no - 1);
        else
            x->net_mass_g = llround(v * 1000);
        if (parse_number(f[col[C_PRICE]], &v) != 0 || v < 0 || v > 1e15)
            errs_add(e, "number", path, "row %zu: 'Item Price' must be a non-negative amount",
                     row_no - 1);
        else
            x->value = llround(v);
        snprintf(x->currency, sizeof x->currency, "KRW");
        if (parse_number(f[col[C_FRAUD]], &v) != 0 || (v != 0 && v != 1))
            errs_add(e, "label", path, "row %zu: 'Fraud' must be 0 or 1", row_no - 1);
        else
            r->fraud = (int)v;
        if (parse_number(f[col[C_CRITICAL]], &v) != 0 || (v != 0 && v != 1 && v != 2))
            errs_add(e, "label", path, "row %zu: 'Critical Fraud' must be 0, 1 or 2", row_no - 1);
        else
            r->critical = v == 2;
        if (e->n == before)
            n++;
    }
    if (row_no == 0)
        errs_add(e, "empty", "", "the file is empty");
    if (e->n) {
        free(rows);
        return -1;
    }
    *rows_out = rows;
    *n_out = n;
    return 0;
}
