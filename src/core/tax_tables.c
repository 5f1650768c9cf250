/* Loader of the data/tax TSV files (format: docs/tax-data-format.md). Each file is read into one
 * buffer kept for the life of the tables; rows point into it. Every problem of every file is
 * collected into errs (path "file:line") before failing. */
#include "core/tax_tables.h"
#include "util/file.h"

#include <ctype.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/tariff.h"
#include "util/decimal.h"

#define TAX_TABLES_FILES 11

/* Rows of a prefix table in (bucket, prefix, file order) order, with the range of each bucket:
 * bucket = the 2-digit chapter of the prefix, 100 for "*". A lookup scans the "*" rows and the
 * rows of the item's chapter only (a few rows instead of hundreds: docs/performance.md). */
typedef struct pindex {
    uint32_t *ord;
    uint32_t start[FTA_COUNT > 101 ? FTA_COUNT : 101], end[FTA_COUNT > 101 ? FTA_COUNT : 101];
} pindex;

struct tax_tables {
    pindex ix_sct, ix_ept, ix_vat, ix_redx, ix_rem, ix_party, ix_xd;
    char *bufs[TAX_TABLES_FILES];
    int nbufs;
    tax_tables_sct *sct;
    size_t nsct;
    tax_tables_ept *ept;
    size_t nept;
    tax_tables_vat *vat;
    size_t nvat;
    tax_tables_vat *red;
    size_t nred;
    tax_tables_vat *xd; /* export duties (export_duties.tsv): pct on the FOB value */
    size_t nxd;
    tax_tables_vat *redx; /* excluded prefixes: pct unused */
    size_t nredx;
    tax_tables_remedy *rem;
    size_t nrem;
    tax_tables_party *party;
    size_t nparty;
    tax_tables_agreement agr[FTA_COUNT];
    tax_tables_wto *wto;
    size_t nwto;
};

typedef struct {
    const char *file;
    char *p;
    int line;
    char *f[12];
    int nf;
} tsv;

/* Next non-comment row; 0 at end. */
static int tsv_next(tsv *t)
{
    for (;;) {
        char *p = t->p, *eol;
        if (!*p)
            return 0;
        t->line++;
        eol = strchr(p, '\n');
        if (eol) {
            *eol = '\0';
            t->p = eol + 1;
            if (eol > p && eol[-1] == '\r')
                eol[-1] = '\0';
        } else {
            t->p = p + strlen(p);
        }
        if (*p == '#' || *p == '\0')
            continue;
        t->nf = 0;
        t->f[t->nf++] = p;
        for (; *p; p++)
            if (*p == '\t') {
                *p = '\0';
                if (t->nf < 12)
                    t->f[t->nf++] = p + 1;
            }
        return 1;
    }
}

static void where(const tsv *t, char *buf, size_t n)
{
    snprintf(buf, n, "%s:%d", t->file, t->line);
}

/* Opens dir/name, checks the header. Returns 0, or -1 with an error. */
static int tsv_open(tax_tables *tt, tsv *t, const char *dir, const char *name, const char *header,
                    errs *e)
{
    char path[1024], hdr[512] = "";
    snprintf(path, sizeof path, "%s/%s", dir, name);
    memset(t, 0, sizeof *t);
    t->file = name;
    t->p = file_read_all(path, NULL);
    if (!t->p)
        return errs_add(e, "tax_table_missing", name, "cannot read %s", path);
    tt->bufs[tt->nbufs++] = t->p;
    if (!tsv_next(t))
        return errs_add(e, "tax_table_format", name, "empty file");
    for (int i = 0; i < t->nf; i++) {
        if (i)
            strncat(hdr, "\t", sizeof hdr - strlen(hdr) - 1);
        strncat(hdr, t->f[i], sizeof hdr - strlen(hdr) - 1);
    }
    if (strcmp(hdr, header) != 0)
        return errs_add(e, "tax_table_format", name, "header must be '%s'", header);
    return 0;
}

static size_t count_rows(const char *p)
{
    size_t n = 1;
    for (; *p; p++)
        n += *p == '\n';
    return n;
}

__attribute__((format(printf, 3, 4))) static int bad(errs *e, const tsv *t, const char *fmt, ...)
{
    char w[96], m[200];
    va_list ap;
    where(t, w, sizeof w);
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    return errs_add(e, "tax_table_format", w, "%s", m);
}

static int parse_prefix(const tsv *t, const char *s, errs *e)
{
    size_t n = strlen(s);
    if (strcmp(s, "*") == 0)
        return 0;
    if (n < 2 || n > 8)
        return bad(e, t, "hs_prefix '%s' must have 2 to 8 digits or be '*'", s);
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return bad(e, t, "hs_prefix '%s' must have 2 to 8 digits or be '*'", s);
    return 0;
}

static int parse_valid(const tsv *t, const char *from, const char *to, tax_tables_valid *v, errs *e)
{
    if (date_parse(from, &v->from) < 0)
        return bad(e, t, "bad valid_from '%s'", from);
    v->to = 0;
    if (*to && date_parse(to, &v->to) < 0)
        return bad(e, t, "bad valid_to '%s'", to);
    if (v->to && v->to < v->from)
        return bad(e, t, "valid_to before valid_from (%s)", to);
    return 0;
}

static int parse_pct_field(const tsv *t, const char *s, int32_t *out, errs *e)
{
    int64_t v;
    if (decimal_parse(s, DECIMAL_SCALE_PCT, 0, &v) != DECIMAL_OK || v < 0 || v > 100000)
        return bad(e, t, "bad percentage '%s'", s);
    *out = (int32_t)v;
    return 0;
}

static const struct {
    const char *name, *key, *unit;
    int scale;
} ATTRS[SCT_ATTR_COUNT] = {
    [SCT_ATTR_NONE] = {"", "", "", 0},
    [SCT_ATTR_ALCOHOL] = {"alcohol_pct", "alcohol_percent", "% vol", DECIMAL_SCALE_PCT},
    [SCT_ATTR_ENGINE_CC] = {"engine_cc", "engine_cc", " cc", 0},
    [SCT_ATTR_SEATS] = {"seats", "seats", " seats", 0},
    [SCT_ATTR_BTU] = {"btu", "btu", " BTU", 0},
    [SCT_ATTR_SUGAR] = {"sugar_g_100ml", "sugar_g_per_100ml", " g/100 ml", DECIMAL_SCALE_PCT},
};

const char *tax_tables_sct_attr_name(int a)
{
    return a > 0 && a < SCT_ATTR_COUNT ? ATTRS[a].name : "";
}

const char *tax_tables_sct_attr_key(int a)
{
    return a > 0 && a < SCT_ATTR_COUNT ? ATTRS[a].key : "";
}

int tax_tables_sct_attr_scale(int a) { return a > 0 && a < SCT_ATTR_COUNT ? ATTRS[a].scale : 0; }

int64_t tax_tables_sct_attr_value(const decl_item *it, int a)
{
    switch (a) {
    case SCT_ATTR_ALCOHOL: return it->alcohol_pct;
    case SCT_ATTR_ENGINE_CC: return it->engine_cc;
    case SCT_ATTR_SEATS: return it->seats;
    case SCT_ATTR_BTU: return it->btu;
    case SCT_ATTR_SUGAR: return it->sugar_g_100ml;
    default: return -1;
    }
}

/* v at scale s with thousands separators and no trailing zero decimals: 24000 -> "24,000" */
static void num_text(int64_t v, int scale, char *buf, size_t n)
{
    char raw[48], out[64];
    size_t k = 0, l, ip;
    if (decimal_format(v, scale, raw, sizeof raw) < 0) {
        snprintf(buf, n, "?");
        return;
    }
    if (strchr(raw, '.')) { /* drop trailing zeros of the decimals */
        l = strlen(raw);
        while (l && raw[l - 1] == '0')
            raw[--l] = '\0';
        if (l && raw[l - 1] == '.')
            raw[--l] = '\0';
    }
    ip = strcspn(raw, ".");
    for (size_t i = 0; raw[i] && k + 2 < sizeof out; i++) {
        if (i && i < ip && raw[i - 1] != '-' && (ip - i) % 3 == 0)
            out[k++] = ',';
        out[k++] = raw[i];
    }
    out[k] = '\0';
    snprintf(buf, n, "%s", out);
}

void tax_tables_sct_attr_value_text(int a, int64_t v, char *buf, size_t n)
{
    char num[64];
    if (a <= 0 || a >= SCT_ATTR_COUNT) {
        snprintf(buf, n, "?");
        return;
    }
    num_text(v, ATTRS[a].scale, num, sizeof num);
    snprintf(buf, n, "%s%s", num, ATTRS[a].unit);
}

/* Brackets are stored [min, max) in the attribute's smallest unit and shown the way the law names
 * them: engine capacity, cooling capacity and sugar are "above X up to Y" ([X+1, Y+1) stored:
 * "3,000-4,000 cc", "above 6,000 cc", "up to 2,500 cc"); seats are "from X to Y" ("10-15 seats",
 * "24 seats or more"); alcohol is "from X" / "under Y" ("20% vol or more", "under 20% vol"). */
void tax_tables_sct_bracket_text(int a, int64_t min, int64_t max, char *buf, size_t n)
{
    char lo[64], hi[64];
    const char *u;
    int sc;
    if (a <= 0 || a >= SCT_ATTR_COUNT || (min < 0 && max < 0)) {
        snprintf(buf, n, "any");
        return;
    }
    u = ATTRS[a].unit;
    sc = ATTRS[a].scale;
    if (a == SCT_ATTR_ALCOHOL) {
        num_text(min, sc, lo, sizeof lo);
        num_text(max, sc, hi, sizeof hi);
        if (min >= 0 && max >= 0)
            snprintf(buf, n, "%s to under %s%s", lo, hi, u);
        else if (min >= 0)
            snprintf(buf, n, "%s%s or more", lo, u);
        else
            snprintf(buf, n, "under %s%s", hi, u);
        return;
    }
    num_text(a == SCT_ATTR_SEATS ? min : min - 1, sc, lo, sizeof lo);
    num_text(max - 1, sc, hi, sizeof hi);
    if (min >= 0 && max >= 0)
        snprintf(buf, n, "%s-%s%s", lo, hi, u);
    else if (min >= 0 && a == SCT_ATTR_SEATS)
        snprintf(buf, n, "%s%s or more", lo, u);
    else if (min >= 0)
        snprintf(buf, n, "above %s%s", lo, u);
    else
        snprintf(buf, n, "up to %s%s", hi, u);
}

/* attribute, attr_min, attr_max of an sct.tsv row */
static int parse_attr(const tsv *t, const char *name, const char *min, const char *max,
                      tax_tables_sct *r, errs *e)
{
    int bad_row = 0;
    r->attr = -1;
    r->amin = r->amax = -1;
    for (int a = 0; a < SCT_ATTR_COUNT; a++)
        if (strcmp(name, ATTRS[a].name) == 0)
            r->attr = a;
    if (r->attr < 0)
        return bad(
            e, t,
            "unknown attribute '%s' (alcohol_pct, engine_cc, seats, btu, sugar_g_100ml or empty)",
            name);
    if (r->attr == SCT_ATTR_NONE) {
        if (*min || *max)
            return bad(e, t, "attr_min/attr_max given without an attribute%s", "");
        return 0;
    }
    if (*min &&
        (decimal_parse(min, ATTRS[r->attr].scale, 0, &r->amin) != DECIMAL_OK || r->amin < 0))
        bad_row |= bad(e, t, "bad attr_min '%s' (%d decimals at most)", min, ATTRS[r->attr].scale);
    if (*max &&
        (decimal_parse(max, ATTRS[r->attr].scale, 0, &r->amax) != DECIMAL_OK || r->amax < 0))
        bad_row |= bad(e, t, "bad attr_max '%s' (%d decimals at most)", max, ATTRS[r->attr].scale);
    if (!bad_row && !*min && !*max)
        bad_row |= bad(e, t, "attribute '%s' without attr_min or attr_max", name);
    if (!bad_row && r->amin >= 0 && r->amax >= 0 && r->amin >= r->amax)
        bad_row |= bad(e, t, "attr_min must be below attr_max (max is exclusive)%s", "");
    return bad_row;
}

static int valid_overlap(const tax_tables_valid *a, const tax_tables_valid *b)
{
    return (a->to == 0 || b->from <= a->to) && (b->to == 0 || a->from <= b->to);
}

/* Rows of one prefix whose validity overlaps must use the same attribute and disjoint brackets:
 * otherwise the lookup would be ambiguous. */
static void check_sct_rows(const tax_tables_sct *rows, size_t n, const int *lines, errs *e)
{
    char w[96];
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            const tax_tables_sct *a = &rows[i], *b = &rows[j];
            if (strcmp(a->prefix, b->prefix) != 0 || !valid_overlap(&a->v, &b->v))
                continue;
            snprintf(w, sizeof w, "sct.tsv:%d", lines[j]);
            if (a->attr != b->attr) {
                errs_add(
                    e, "tax_table_format", w,
                    "rows of %s valid on the same dates use different attributes ('%s' at line %d)",
                    a->prefix, ATTRS[a->attr].name, lines[i]);
                continue;
            }
            if ((a->amax < 0 || b->amin < a->amax) && (b->amax < 0 || a->amin < b->amax))
                errs_add(e, "tax_table_format", w,
                         "overlaps line %d (same prefix %s, overlapping dates and brackets)",
                         lines[i], a->prefix);
        }
}

static int need_ref(const tsv *t, const char *s, errs *e)
{
    if (!*s)
        return bad(e, t, "row without legal_ref%s", "");
    return 0;
}

static int check_nf(const tsv *t, int want, errs *e)
{
    char w[96], m[16];
    if (t->nf == want)
        return 0;
    /* trailing empty description columns may be cut by editors: allow nf == want - 1 */
    if (t->nf == want - 1)
        return 0;
    where(t, w, sizeof w);
    snprintf(m, sizeof m, "%d", want);
    return errs_add(e, "tax_table_format", w, "expected %s fields, got %d", m, t->nf);
}

static const char *fld(const tsv *t, int i) { return i < t->nf ? t->f[i] : ""; }

static int valid_on(const tax_tables_valid *v, date_ymd d)
{
    return d >= v->from && (v->to == 0 || d <= v->to);
}

typedef struct {
    const char *rows;
    size_t stride, off;
    int by_agreement;
} sort_ctx;

static int bucket_of(const sort_ctx *c, uint32_t i)
{
    const char *row = c->rows + (size_t)i * c->stride;
    if (c->by_agreement)
        return ((const tax_tables_party *)row)->agreement;
    const char *p = *(const char *const *)(row + c->off);
    return p[0] == '*' ? 100 : (p[0] - '0') * 10 + (p[1] - '0');
}

static int cmp_ord(const void *a, const void *b, void *arg)
{
    const sort_ctx *c = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int bx = bucket_of(c, x), by = bucket_of(c, y);
    if (bx != by)
        return bx < by ? -1 : 1;
    return x < y ? -1 : x > y; /* file order inside a bucket: ties resolve as in the file */
}

static int build_index(pindex *ix, const void *rows, size_t n, size_t stride, size_t off,
                       int by_agreement)
{
    sort_ctx c = {rows, stride, off, by_agreement};
    memset(ix, 0, sizeof *ix);
    ix->ord = malloc((n ? n : 1) * sizeof *ix->ord);
    if (!ix->ord)
        return -1;
    for (size_t i = 0; i < n; i++)
        ix->ord[i] = (uint32_t)i;
    qsort_r(ix->ord, n, sizeof *ix->ord, cmp_ord, &c);
    for (size_t i = 0; i < n; i++) {
        int b = bucket_of(&c, ix->ord[i]);
        if (ix->end[b] == 0)
            ix->start[b] = (uint32_t)i;
        ix->end[b] = (uint32_t)i + 1;
    }
    return 0;
}

/* Calls the loop body for every row index of the "*" bucket, then of hs's chapter. */
#define FOR_CANDIDATES(ix, hs, var)                                                                \
    for (int pass_ = 0; pass_ < 2; pass_++)                                                        \
        for (uint32_t b_ = pass_ ? (uint32_t)(((hs)[0] - '0') * 10 + ((hs)[1] - '0')) : 100,       \
                      k_ = (ix)->start[b_], var;                                                   \
             k_ < (ix)->end[b_] && ((var = (ix)->ord[k_]), 1); k_++)

int tax_tables_load(const char *dir, tax_tables **out, errs *e)
{
    tsv t;
    int n0 = e->n, bad_row;
    tax_tables *tt = calloc(1, sizeof *tt);
    *out = NULL;
    if (!tt)
        return errs_add(e, "out_of_memory", dir, "tax tables");

    if (tsv_open(tt, &t, dir, "sct.tsv",
                 "hs_prefix\tattribute\tattr_min\tattr_max\tpct\tvalid_from\tvalid_to\tlegal_"
                 "ref\tdescription",
                 e) == 0) {
        size_t cap = count_rows(t.p);
        tt->sct = calloc(cap, sizeof *tt->sct);
        int *lines = calloc(cap, sizeof *lines);
        while (tt->sct && lines && tsv_next(&t)) {
            tax_tables_sct *r = &tt->sct[tt->nsct];
            if (check_nf(&t, 9, e) < 0)
                continue;
            bad_row = parse_prefix(&t, t.f[0], e) | parse_pct_field(&t, t.f[4], &r->pct, e) |
                      parse_valid(&t, t.f[5], t.f[6], &r->v, e) | need_ref(&t, t.f[7], e);
            bad_row |= parse_attr(&t, t.f[1], t.f[2], t.f[3], r, e);
            r->prefix = t.f[0];
            r->legal_ref = t.f[7];
            r->desc = fld(&t, 8);
            if (!bad_row)
                lines[tt->nsct++] = t.line;
        }
        if (tt->sct && lines)
            check_sct_rows(tt->sct, tt->nsct, lines, e);
        free(lines);
    }
    if (tsv_open(tt, &t, dir, "ept.tsv",
                 "hs_prefix\tamount_vnd\tunit\tvalid_from\tvalid_to\tlegal_ref\tdescription",
                 e) == 0) {
        tt->ept = calloc(count_rows(t.p), sizeof *tt->ept);
        while (tt->ept && tsv_next(&t)) {
            tax_tables_ept *r = &tt->ept[tt->nept];
            if (check_nf(&t, 7, e) < 0)
                continue;
            bad_row = parse_prefix(&t, t.f[0], e) | parse_valid(&t, t.f[3], t.f[4], &r->v, e) |
                      need_ref(&t, t.f[5], e);
            if (decimal_parse(t.f[1], DECIMAL_SCALE_AMOUNT, 0, &r->amount) != DECIMAL_OK ||
                r->amount < 0)
                bad_row |= bad(e, &t, "bad amount_vnd '%s'", t.f[1]);
            if (!*t.f[2])
                bad_row |= bad(e, &t, "empty unit%s", "");
            r->prefix = t.f[0];
            r->unit = t.f[2];
            r->legal_ref = t.f[5];
            r->desc = fld(&t, 6);
            if (!bad_row)
                tt->nept++;
        }
    }
    if (tsv_open(tt, &t, dir, "vat.tsv",
                 "hs_prefix\trate\tvalid_from\tvalid_to\tlegal_ref\tdescription", e) == 0) {
        tt->vat = calloc(count_rows(t.p), sizeof *tt->vat);
        while (tt->vat && tsv_next(&t)) {
            tax_tables_vat *r = &tt->vat[tt->nvat];
            if (check_nf(&t, 6, e) < 0)
                continue;
            bad_row = parse_prefix(&t, t.f[0], e) | parse_valid(&t, t.f[2], t.f[3], &r->v, e) |
                      need_ref(&t, t.f[4], e);
            if (strcmp(t.f[1], "exempt") == 0)
                r->pct = -1;
            else
                bad_row |= parse_pct_field(&t, t.f[1], &r->pct, e);
            r->prefix = t.f[0];
            r->legal_ref = t.f[4];
            r->desc = fld(&t, 5);
            if (!bad_row)
                tt->nvat++;
        }
    }
    if (tsv_open(tt, &t, dir, "export_duties.tsv",
                 "hs_prefix\trate\tvalid_from\tvalid_to\tlegal_ref\tdescription", e) == 0) {
        tt->xd = calloc(count_rows(t.p) + 1, sizeof *tt->xd);
        while (tt->xd && tsv_next(&t)) {
            tax_tables_vat *r = &tt->xd[tt->nxd];
            if (check_nf(&t, 6, e) < 0)
                continue;
            bad_row = parse_prefix(&t, t.f[0], e) | parse_valid(&t, t.f[2], t.f[3], &r->v, e) |
                      need_ref(&t, t.f[4], e) | parse_pct_field(&t, t.f[1], &r->pct, e);
            r->prefix = t.f[0];
            r->legal_ref = t.f[4];
            r->desc = fld(&t, 5);
            if (!bad_row)
                tt->nxd++;
        }
    }
    if (tsv_open(tt, &t, dir, "vat_reduction.tsv",
                 "rate\tvalid_from\tvalid_to\tlegal_ref\tdescription", e) == 0) {
        tt->red = calloc(count_rows(t.p), sizeof *tt->red);
        while (tt->red && tsv_next(&t)) {
            tax_tables_vat *r = &tt->red[tt->nred];
            if (check_nf(&t, 5, e) < 0)
                continue;
            bad_row = parse_pct_field(&t, t.f[0], &r->pct, e) |
                      parse_valid(&t, t.f[1], t.f[2], &r->v, e) | need_ref(&t, t.f[3], e);
            r->prefix = "*";
            r->legal_ref = t.f[3];
            r->desc = fld(&t, 4);
            if (!bad_row)
                tt->nred++;
        }
    }
    if (tsv_open(tt, &t, dir, "vat_reduction_excluded.tsv",
                 "hs_prefix\tvalid_from\tvalid_to\tlegal_ref\tdescription", e) == 0) {
        tt->redx = calloc(count_rows(t.p), sizeof *tt->redx);
        while (tt->redx && tsv_next(&t)) {
            tax_tables_vat *r = &tt->redx[tt->nredx];
            if (check_nf(&t, 5, e) < 0)
                continue;
            bad_row = parse_prefix(&t, t.f[0], e) | parse_valid(&t, t.f[1], t.f[2], &r->v, e) |
                      need_ref(&t, t.f[3], e);
            r->prefix = t.f[0];
            r->legal_ref = t.f[3];
            r->desc = fld(&t, 4);
            if (!bad_row)
                tt->nredx++;
        }
    }
    if (tsv_open(
            tt, &t, dir, "trade_remedies.tsv",
            "hs_prefix\torigin\tproducer\tkind\tpct\tvalid_from\tvalid_to\tlegal_ref\tdescription",
            e) == 0) {
        tt->rem = calloc(count_rows(t.p), sizeof *tt->rem);
        while (tt->rem && tsv_next(&t)) {
            tax_tables_remedy *r = &tt->rem[tt->nrem];
            if (check_nf(&t, 9, e) < 0)
                continue;
            bad_row = parse_prefix(&t, t.f[0], e) | parse_pct_field(&t, t.f[4], &r->pct, e) |
                      parse_valid(&t, t.f[5], t.f[6], &r->v, e) | need_ref(&t, t.f[7], e);
            if (strcmp(t.f[3], "AD") && strcmp(t.f[3], "SG") && strcmp(t.f[3], "CVD"))
                bad_row |= bad(e, &t, "kind '%s' must be AD, SG or CVD", t.f[3]);
            if (strlen(t.f[1]) != 2 && strcmp(t.f[1], "*") != 0)
                bad_row |= bad(e, &t, "bad origin '%s'", t.f[1]);
            r->prefix = t.f[0];
            r->origin = t.f[1];
            r->producer = *t.f[2] ? t.f[2] : "*";
            r->kind = t.f[3];
            r->legal_ref = t.f[7];
            r->desc = fld(&t, 8);
            if (!bad_row)
                tt->nrem++;
        }
    }
    if (tsv_open(tt, &t, dir, "fta_parties.tsv",
                 "agreement\tcountry\tvalid_from\tvalid_to\tlegal_ref", e) == 0) {
        tt->party = calloc(count_rows(t.p), sizeof *tt->party);
        while (tt->party && tsv_next(&t)) {
            tax_tables_party *r = &tt->party[tt->nparty];
            if (t.nf != 5) {
                bad(e, &t, "expected 5 fields%s", "");
                continue;
            }
            bad_row = parse_valid(&t, t.f[2], t.f[3], &r->v, e) | need_ref(&t, t.f[4], e);
            r->agreement = tariff_fta_from_name(t.f[0]);
            if (r->agreement < 0)
                bad_row |= bad(e, &t, "unknown agreement '%s'", t.f[0]);
            if (strlen(t.f[1]) != 2)
                bad_row |= bad(e, &t, "bad country '%s'", t.f[1]);
            else
                memcpy(r->country, t.f[1], 3);
            r->legal_ref = t.f[4];
            if (!bad_row)
                tt->nparty++;
        }
    }
    if (tsv_open(tt, &t, dir, "fta_agreements.tsv",
                 "agreement\tco_forms\tschedule\tlegal_ref\tname", e) == 0) {
        while (tsv_next(&t)) {
            int a;
            if (t.nf != 5) {
                bad(e, &t, "expected 5 fields%s", "");
                continue;
            }
            a = tariff_fta_from_name(t.f[0]);
            if (a < 0) {
                bad(e, &t, "unknown agreement '%s'", t.f[0]);
                continue;
            }
            if (need_ref(&t, t.f[3], e) < 0)
                continue;
            tt->agr[a] = (tax_tables_agreement){t.f[1], t.f[2], t.f[3], t.f[4], 1};
        }
    }
    if (tsv_open(tt, &t, dir, "wto_members.tsv", "country\tsince\tlegal_ref", e) == 0) {
        tt->wto = calloc(count_rows(t.p), sizeof *tt->wto);
        while (tt->wto && tsv_next(&t)) {
            tax_tables_wto *r = &tt->wto[tt->nwto];
            if (t.nf != 3) {
                bad(e, &t, "expected 3 fields%s", "");
                continue;
            }
            bad_row = need_ref(&t, t.f[2], e);
            if (strlen(t.f[0]) != 2)
                bad_row |= bad(e, &t, "bad country '%s'", t.f[0]);
            else
                memcpy(r->country, t.f[0], 3);
            if (date_parse(t.f[1], &r->since) < 0)
                bad_row |= bad(e, &t, "bad date '%s'", t.f[1]);
            r->legal_ref = t.f[2];
            if (!bad_row)
                tt->nwto++;
        }
    }
    if (e->n > n0 || !tt->sct || !tt->ept || !tt->vat || !tt->xd || !tt->red || !tt->redx ||
        !tt->rem || !tt->party || !tt->wto) {
        if (e->n == n0)
            errs_add(e, "out_of_memory", dir, "tax tables");
        tax_tables_free(tt);
        return -1;
    }
    if (build_index(&tt->ix_sct, tt->sct, tt->nsct, sizeof *tt->sct,
                    offsetof(tax_tables_sct, prefix), 0) ||
        build_index(&tt->ix_ept, tt->ept, tt->nept, sizeof *tt->ept,
                    offsetof(tax_tables_ept, prefix), 0) ||
        build_index(&tt->ix_vat, tt->vat, tt->nvat, sizeof *tt->vat,
                    offsetof(tax_tables_vat, prefix), 0) ||
        build_index(&tt->ix_xd, tt->xd, tt->nxd, sizeof *tt->xd, offsetof(tax_tables_vat, prefix),
                    0) ||
        build_index(&tt->ix_redx, tt->redx, tt->nredx, sizeof *tt->redx,
                    offsetof(tax_tables_vat, prefix), 0) ||
        build_index(&tt->ix_rem, tt->rem, tt->nrem, sizeof *tt->rem,
                    offsetof(tax_tables_remedy, prefix), 0) ||
        build_index(&tt->ix_party, tt->party, tt->nparty, sizeof *tt->party, 0, 1)) {
        errs_add(e, "out_of_memory", dir, "tax table index");
        tax_tables_free(tt);
        return -1;
    }
    *out = tt;
    return 0;
}

void tax_tables_free(tax_tables *tt)
{
    if (!tt)
        return;
    free(tt->ix_sct.ord);
    free(tt->ix_ept.ord);
    free(tt->ix_vat.ord);
    free(tt->ix_xd.ord);
    free(tt->xd);
    free(tt->ix_redx.ord);
    free(tt->ix_rem.ord);
    free(tt->ix_party.ord);
    for (int i = 0; i < tt->nbufs; i++)
        free(tt->bufs[i]);
    free(tt->sct);
    free(tt->ept);
    free(tt->vat);
    free(tt->red);
    free(tt->redx);
    free(tt->rem);
    free(tt->party);
    free(tt->wto);
    free(tt);
}

/* Length of the matching prefix (1 for "*", which every line matches), 0 if none. */
static size_t prefix_match(const char *prefix, const char *hs)
{
    size_t n = 0;
    if (prefix[0] == '*')
        return 1;
    for (; prefix[n]; n++)
        if (prefix[n] != hs[n])
            return 0;
    return n + 1;
}

void tax_tables_find_sct(const tax_tables *tt, const char *hs, const decl_item *it, date_ymd d,
                         tax_tables_sct_match *m)
{
    size_t bl = 0;
    int64_t v;
    memset(m, 0, sizeof *m);
    FOR_CANDIDATES(&tt->ix_sct, hs, i)
    {
        size_t l = prefix_match(tt->sct[i].prefix, hs);
        if (l > bl && valid_on(&tt->sct[i].v, d))
            bl = l;
    }
    if (!bl)
        return; /* not subject */
    /* the rows of the longest prefix valid on d, in file order; the loader guarantees one
     * attribute and disjoint brackets among them */
    FOR_CANDIDATES(&tt->ix_sct, hs, i)
    {
        const tax_tables_sct *r = &tt->sct[i];
        if (prefix_match(r->prefix, hs) != bl || !valid_on(&r->v, d))
            continue;
        if (m->nrows < TAX_TABLES_SCT_MAX_BRACKETS)
            m->rows[m->nrows] = r;
        m->nrows++;
        m->attr = r->attr;
    }
    if (m->attr == SCT_ATTR_NONE) {
        m->row = m->rows[0];
        return;
    }
    v = tax_tables_sct_attr_value(it, m->attr);
    if (v < 0) {
        m->status = TAX_TABLES_SCT_ATTR_MISSING;
        return;
    }
    for (size_t k = 0; k < m->nrows && k < TAX_TABLES_SCT_MAX_BRACKETS; k++) {
        const tax_tables_sct *r = m->rows[k];
        if ((r->amin < 0 || v >= r->amin) && (r->amax < 0 || v < r->amax)) {
            m->row = r;
            return;
        }
    }
    m->status = TAX_TABLES_SCT_ATTR_OUTSIDE;
}

#define LONGEST(arr, ix)                                                                           \
    do {                                                                                           \
        size_t bl_ = 0;                                                                            \
        FOR_CANDIDATES(ix, hs, i_)                                                                 \
        {                                                                                          \
            size_t l_ = prefix_match((arr)[i_].prefix, hs);                                        \
            if (l_ > bl_ && valid_on(&(arr)[i_].v, d)) {                                           \
                best = &(arr)[i_];                                                                 \
                bl_ = l_;                                                                          \
            }                                                                                      \
        }                                                                                          \
    } while (0)

const tax_tables_ept *tax_tables_find_ept(const tax_tables *tt, const char *hs, date_ymd d)
{
    const tax_tables_ept *best = NULL;
    LONGEST(tt->ept, &tt->ix_ept);
    return best;
}

const tax_tables_vat *tax_tables_find_vat(const tax_tables *tt, const char *hs, date_ymd d)
{
    const tax_tables_vat *best = NULL;
    LONGEST(tt->vat, &tt->ix_vat);
    return best;
}

const tax_tables_vat *tax_tables_find_export_duty(const tax_tables *tt, const char *hs, date_ymd d)
{
    const tax_tables_vat *best = NULL;
    LONGEST(tt->xd, &tt->ix_xd);
    return best;
}

const tax_tables_vat *tax_tables_find_vat_reduction(const tax_tables *tt, const char *hs,
                                                    date_ymd d, const char **excluded_ref)
{
    const tax_tables_vat *best = NULL, *red = NULL;
    *excluded_ref = NULL;
    for (size_t i = 0; i < tt->nred; i++)
        if (valid_on(&tt->red[i].v, d))
            red = &tt->red[i];
    if (!red)
        return NULL;
    LONGEST(tt->redx, &tt->ix_redx);
    if (best)
        *excluded_ref = best->legal_ref;
    return red;
}

size_t tax_tables_find_remedies(const tax_tables *tt, const char *hs, const char *origin,
                                const char *producer, date_ymd d, const tax_tables_remedy **out,
                                size_t max)
{
    /* one pass; per kind (AD, CVD, SG): a row naming the producer beats the "*" row, then the
     * longest prefix, then file order */
    const tax_tables_remedy *best[3] = {NULL, NULL, NULL};
    size_t bl[3] = {0, 0, 0}, n = 0;
    int bnamed[3] = {0, 0, 0};
    FOR_CANDIDATES(&tt->ix_rem, hs, i)
    {
        const tax_tables_remedy *r = &tt->rem[i];
        size_t l;
        int named, k;
        if (r->origin[0] != '*' && (r->origin[0] != origin[0] || r->origin[1] != origin[1]))
            continue;
        l = prefix_match(r->prefix, hs);
        if (!l || !valid_on(&r->v, d))
            continue;
        k = r->kind[0] == 'A' ? 0 : r->kind[0] == 'C' ? 1 : 2;
        named = r->producer[0] != '*' || r->producer[1] != '\0';
        if (named && (!producer || strcasecmp(r->producer, producer) != 0))
            continue;
        if (named > bnamed[k] || (named == bnamed[k] && l > bl[k])) {
            best[k] = r;
            bl[k] = l;
            bnamed[k] = named;
        }
    }
    for (int k = 0; k < 3 && n < max; k++)
        if (best[k])
            out[n++] = best[k];
    return n;
}

const tax_tables_party *tax_tables_find_party(const tax_tables *tt, int agreement,
                                              const char *country, date_ymd d)
{
    if (agreement < 0 || agreement >= FTA_COUNT)
        return NULL;
    for (uint32_t k = tt->ix_party.start[agreement]; k < tt->ix_party.end[agreement]; k++) {
        const tax_tables_party *p = &tt->party[tt->ix_party.ord[k]];
        if (p->country[0] == country[0] && p->country[1] == country[1] && country[0] &&
            valid_on(&p->v, d))
            return p;
    }
    return NULL;
}

const tax_tables_agreement *tax_tables_agreement_of(const tax_tables *tt, int agreement)
{
    return agreement >= 0 && agreement < FTA_COUNT && tt->agr[agreement].present
               ? &tt->agr[agreement]
               : NULL;
}

const tax_tables_wto *tax_tables_find_wto(const tax_tables *tt, const char *country, date_ymd d)
{
    for (size_t i = 0; i < tt->nwto; i++)
        if (tt->wto[i].country[0] == country[0] && tt->wto[i].country[1] == country[1] &&
            country[0] && d >= tt->wto[i].since)
            return &tt->wto[i];
    return NULL;
}

int tax_tables_form_accepted(const tax_tables_agreement *a, const char *form)
{
    size_t fl = strlen(form);
    const char *p = a->co_forms;
    if (!fl)
        return 0;
    while (*p) {
        const char *c = strchr(p, ',');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        while (l && *p == ' ')
            p++, l--;
        if (l == fl && strncasecmp(p, form, l) == 0)
            return 1;
        if (!c)
            break;
        p = c + 1;
    }
    return 0;
}

int tax_fx_load_demo(const char *path, date_ymd d, tax_fx *out, size_t max, errs *e)
{
    tsv t;
    size_t n = 0;
    char *buf = file_read_all(path, NULL);
    if (!buf)
        return errs_add(e, "fx_missing", path, "cannot read exchange rates");
    memset(&t, 0, sizeof t);
    t.file = "exchange_rates_demo.tsv";
    t.p = buf;
    tsv_next(&t); /* header */
    while (tsv_next(&t)) {
        tax_tables_valid v;
        int64_t r;
        if (t.nf < 4 || strlen(t.f[0]) != 3) {
            bad(e, &t, "bad row%s", "");
            continue;
        }
        if (parse_valid(&t, t.f[2], t.f[3], &v, e) < 0)
            continue;
        if (decimal_parse(t.f[1], DECIMAL_SCALE_FX, 0, &r) != DECIMAL_OK || r <= 0) {
            bad(e, &t, "bad rate '%s'", t.f[1]);
            continue;
        }
        if (!valid_on(&v, d) || n >= max)
            continue;
        memcpy(out[n].currency, t.f[0], 4);
        out[n].vnd_per_unit = r;
        n++;
    }
    free(buf);
    return (int)n;
}
