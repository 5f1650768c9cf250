/* `ecustoms tariff import`: converts the source CSV files (the 2026
 * Vietnamese tariff schedule, see data/tariff/SOURCE.md) into the compact TSV files the
 * server loads (data/tariff/).
 *
 * Rules (also in data/tariff/SOURCE.md):
 * - only rows with an 8-digit code are dutiable lines; 6-digit and empty codes are tree text;
 * - every rate cell is parsed and written back in canonical text; a cell that cannot be
 *   interpreted is printed and counted (the line is still written, with the raw cell, so the
 *   loader refuses the file until the grammar or the source is fixed: nothing is guessed);
 * - a duplicate 8-digit code keeps its first row; identical duplicates are counted, differing
 *   ones printed;
 * - rows whose code has 7 digits (a source defect in Chapter 98) are printed and skipped.
 */
#include "core/tariff_import.h"
#include "util/file.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tariff.h"

#define NCOLS 27

typedef struct {
    char *buf;
    size_t pos, len;
} csv_reader;

/* RFC 4180 record; fields are unescaped in place and NUL-terminated. Returns the field count,
 * 0 at end. */
static int csv_next(csv_reader *r, char **f, int max)
{
    int n = 0;
    if (r->pos >= r->len)
        return 0;
    for (;;) {
        char *out = r->buf + r->pos, *start = out;
        if (r->buf[r->pos] == '"') {
            r->pos++;
            for (;;) {
                char c = r->buf[r->pos];
                if (c == '\0')
                    break;
                if (c == '"') {
                    if (r->buf[r->pos + 1] == '"') {
                        *out++ = '"';
                        r->pos += 2;
                        continue;
                    }
                    r->pos++;
                    break;
                }
                *out++ = c;
                r->pos++;
            }
        }
        while (r->pos < r->len && r->buf[r->pos] != ',' && r->buf[r->pos] != '\n' &&
               r->buf[r->pos] != '\r')
            *out++ = r->buf[r->pos++];
        char sep = r->pos < r->len ? r->buf[r->pos] : '\n';
        *out = '\0';
        if (n < max)
            f[n++] = start;
        r->pos++;
        if (sep == '\r' && r->pos < r->len && r->buf[r->pos] == '\n')
            r->pos++;
        if (sep != ',')
            return n;
    }
}

static int is_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Writes s with tabs/newlines turned into spaces (TSV safety). */
static void put_clean(FILE *o, const char *s)
{
    for (; *s; s++)
        fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, o);
}

static const char *const fta_cols[FTA_COUNT] = {
    "ACFTA", "ATIGA",  "AJCEP",   "VJEPA",  "AKFTA",  "AANZFTA", "AIFTA",
    "VKFTA", "VCFTA",  "VN_EAEU", "CPTPP",  "AHKFTA", "EVFTA",   "UKVFTA",
    "VIFTA", "RCEP_A", "RCEP_B",  "RCEP_C", "RCEP_D", "RCEP_E",  "RCEP_F",
};

/* ---- procedures ---- */

/* Ministry code in a legal reference ("01/2024/TT-BNNPTNT M1" -> BNNPTNT) mapped to the
 * agency's English acronym. Decrees (NĐ-CP) and Prime Minister decisions (QĐ-TTg) are
 * Government-wide: "GOV". */
static const struct {
    const char *vn, *code;
} agencies[] = {
    {"BNNPTNT", "MARD"},  {"BYT", "MOH"},        {"BCT", "MOIT"},    {"BKHCN", "MOST"},
    {"BHKCN", "MOST"},    {"BTTTT", "MIC"},      {"BTTT", "MIC"},    {"BGTVT", "MOT"},
    {"BTNMT", "MONRE"},   {"BCA", "MPS"},        {"BQP", "MOD"},     {"BTC", "MOF"},
    {"BXD", "MOC"},       {"BLĐTBXH", "MOLISA"}, {"BLĐT", "MOLISA"}, {"NHNN", "SBV"},
    {"BVHTTDL", "MOCST"}, {"CP", "GOV"},         {"TTg", "GOV"},
};

static const char *tariff_agency_of(const char *ref)
{
    /* the ministry suffix follows the document type: TT-, QĐ-, NĐ-, TTLT-, or ".TT." */
    const char *best = NULL;
    for (const char *p = ref; *p; p++) {
        if (*p == '-' || *p == '.') {
            for (size_t i = 0; i < sizeof agencies / sizeof *agencies; i++) {
                size_t l = strlen(agencies[i].vn);
                if (strncmp(p + 1, agencies[i].vn, l) == 0 && !isalpha((unsigned char)p[1 + l]) &&
                    (unsigned char)p[1 + l] < 0x80) {
                    if (!best)
                        best = agencies[i].code;
                    break;
                }
            }
            if (best)
                break;
        }
    }
    return best ? best : "";
}

static int has(const char *s, const char *w) { return strstr(s, w) != NULL; }

/* Stage, from keywords of the Vietnamese text (first rule that matches wins), for the kinds the
 * table below does not name:
 *   prohibited          "Cấm" / "cấm NK" (import banned)
 *   after_clearance     "sau TQ" (conformity after clearance, before marketing)
 *   before_registration licences and permits: "giấy phép", "cấp phép", "Hạn ngạch",
 *                       "được phép NK", "QLCN", "Phế liệu"
 *   before_clearance    inspections: "kiểm dịch", "Kiểm dịch", "KTCN", "KTNN", "kiểm tra",
 *                       "chứng nhận", "trước TQ", "trước khi thông quan", "công bố hợp quy",
 *                       "khai báo", "an toàn thực phẩm", "Thực phẩm"
 *   info                everything else (trade-remedy notices, border-trade lists, ...) */
static const char *stage_of(const char *name)
{
    if (has(name, "Cấm") || has(name, "cấm NK") || has(name, "cấm SD") || has(name, "cấm XK") ||
        has(name, "chất cấm"))
        return "prohibited";
    if (has(name, "sau TQ"))
        return "after_clearance";
    if (has(name, "giấy phép") || has(name, "cấp phép") || has(name, "Hạn ngạch") ||
        has(name, "được phép NK") || has(name, "QLCN") || has(name, "Phế liệu"))
        return "before_registration";
    if (has(name, "kiểm dịch") || has(name, "Kiểm dịch") || has(name, "KTCN") ||
        has(name, "KTNN") || has(name, "kiểm tra") || has(name, "hứng nhận") ||
        has(name, "trước TQ") || has(name, "trước khi thông quan") || has(name, "hợp quy") ||
        has(name, "khai báo") || has(name, "an toàn thực phẩm") || has(name, "Thực phẩm"))
        return "before_clearance";
    return "info";
}

/* Kinds read against their legal text (data/tariff/SOURCE.md, "Procedures: how each kind was
 * classified"): the source's abbreviations are terse, and keywords alone misread some of them —
 * "QSD cấp NK" (used goods, import banned) is not a licence, "đã được cắt giảm KTCN" (removed
 * from specialised inspection) is not an inspection. First match wins; `ref` matches the start of
 * the legal reference, `name` a substring of the name (either may be NULL). */
typedef struct proc_kind {
    const char *ref, *name;
    const char *stage, *direction, *condition;
    const char *agency;    /* NULL: from the reference */
    const char *fixed_ref; /* NULL: as in the source */
} proc_kind;

static const proc_kind kinds[] = {
    /* Circular 08/2023/TT-BCT Appendix I: used goods banned from import (I consumer goods,
     * II means of transport, III medical equipment) — Decree 69/2018 Appendix I.II.2 */
    {"08/2023/TT-BCT - PL1.", NULL, "prohibited", "import", "used", NULL, NULL},
    /* Circular 11/2018/TT-BTTTT: used IT products banned from import */
    {"11/2018/TT-BTTTT", NULL, "prohibited", "import", "used", NULL, NULL},
    /* Circular 01/2024/TT-BNNPTNT M20: export of round/sawn timber from domestic natural forests */
    {"01/2024/TT-BNNPTNT M20", NULL, "prohibited", "export", "timber_origin:natural_forest", NULL,
     NULL},
    /* Decree 113/2017 Appendix III: banned chemicals (CWC Schedule 1), by CAS number */
    {"113/2017/NĐ-CP PL3", NULL, "prohibited", "both", "cas:113/2017/NĐ-CP PL3", "MOIT", NULL},
    /* substances banned for a use: decided by CAS number against the list (ban_lists.tsv) */
    {"01/2024/TT-BNNPTNT M23", NULL, "prohibited", "import", "cas:01/2024/TT-BNNPTNT M23", NULL,
     NULL},
    {"01/2024/TT-BNNPTNT M15", NULL, "prohibited", "import", "cas:01/2024/TT-BNNPTNT M15", NULL,
     NULL},
    {"09/2024/TT-BYT-DM5", NULL, "prohibited", "both", "cas:09/2024/TT-BYT-DM5", NULL, NULL},
    /* export bans of listed species and breeds: the lists name species, not HS codes */
    {"01/2024/TT-BNNPTNT M12", NULL, "prohibited", "export", "listed", NULL, NULL},
    {"01/2024/TT-BNNPTNT M3", NULL, "prohibited", "export", "listed", NULL, NULL},
    {"01/2024/TT-BNNPTNT M8", NULL, "prohibited", "export", "listed", NULL, NULL},
    /* MOD: weapons and military equipment listed by description under these codes */
    {"173/2018/TT-BQP", NULL, "prohibited", "both", "listed", NULL, NULL},
    /* Decree 69/2018: banned from temporary import for re-export trading (type codes G11/G21) */
    {NULL, "Cấm KD TNTX", "prohibited", "both", "type_code:G11,G21", NULL, NULL},
    /* Decision 765/QĐ-BCT: goods REMOVED from MOIT's specialised inspection */
    {"765/QĐ-BCT", NULL, "info", "import", "", NULL, NULL},
    /* Circular 01/2021/TT-BLĐTBXH: products NOT subject to state quality inspection on import */
    {NULL, "SPHH không phải KTNN", "info", "import", "", NULL, NULL},
    /* tariff quotas: MOIT's import licence under quota (Circular 12/2018/TT-BCT Chapter IV);
     * the source writes "TT-BTC" (MOF), which issues no quota */
    {"12/2018/TT-BTC", NULL, "before_registration", "import", "", "MOIT", "12/2018/TT-BCT"},
    /* scrap imported as production material: MONRE's certificate of eligibility */
    {"13/2023/QĐ-TTg", NULL, "before_registration", "import", "", "MONRE", NULL},
    /* civil cryptography products: import and export under licence */
    {"211/2025/NĐ-CP", NULL, "before_registration", "both", "", NULL, NULL},
    /* chemicals to be declared before clearance (Decree 113/2017 Art. 27, administered by MOIT) */
    {"113/2017/NĐ-CP", NULL, NULL, "import", "", "MOIT", NULL},
    {"82/2022/NĐ-CP", NULL, NULL, "import", "", "MOIT", NULL},
};

/* Direction a procedure's text names: "XK, NK" both, only XK export, otherwise import. */
static const char *direction_of(const char *name)
{
    int xk = has(name, "XK"), nk = has(name, "NK") || has(name, "nhập khẩu");
    if (xk && nk)
        return "both";
    if (xk)
        return "export";
    return "import";
}

static void classify(const char *name, const char *ref, const char **stage, const char **direction,
                     const char **condition, const char **agency, const char **fixed_ref)
{
    *stage = stage_of(name);
    *direction = direction_of(name);
    *condition = "";
    *agency = NULL;
    *fixed_ref = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        const proc_kind *k = &kinds[i];
        if ((k->ref && strncmp(ref, k->ref, strlen(k->ref)) != 0) ||
            (k->name && !has(name, k->name)))
            continue;
        if (k->stage)
            *stage = k->stage;
        *direction = k->direction;
        *condition = k->condition;
        *agency = k->agency;
        *fixed_ref = k->fixed_ref;
        return;
    }
}

/* One procedure "Name (ref)" -> writes a row. */
static void write_procedure(FILE *o, const char *hs8, char *p, import_stats *st)
{
    size_t n = strlen(p);
    char *open;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '*'))
        p[--n] = '\0'; /* "(...)*": the source marks lines with a footnote star we do not use */
    while (*p == ' ')
        p++, n--;
    /* "X (ref)X (ref)": the same procedure pasted twice in the source */
    if (n % 2 == 0 && n > 0 && memcmp(p, p + n / 2, n / 2) == 0)
        p[n / 2] = '\0', n /= 2;
    if (n == 0)
        return;
    open = n && p[n - 1] == ')' ? strrchr(p, '(') : NULL;
    fputs(hs8, o);
    fputc('\t', o);
    if (open) {
        char *ref = open + 1, *end = p + n - 1;
        char *name_end = open;
        while (name_end > p && name_end[-1] == ' ')
            name_end--;
        *end = '\0';
        while (*ref == ' ')
            ref++;
        while (end > ref && end[-1] == ' ')
            *--end = '\0';
        *name_end = '\0';
        const char *stage, *dir, *cond, *ag, *fixed;
        classify(p, ref, &stage, &dir, &cond, &ag, &fixed);
        put_clean(o, p);
        fputc('\t', o);
        put_clean(o, fixed ? fixed : ref);
        if (!ag)
            ag = tariff_agency_of(ref);
        if (!*ag)
            st->proc_no_agency++;
        fprintf(o, "\t%s\t%s\t%s\t%s\n", ag, stage, dir, cond);
    } else {
        const char *stage, *dir, *cond, *ag, *fixed;
        classify(p, "", &stage, &dir, &cond, &ag, &fixed);
        put_clean(o, p);
        fprintf(o, "\t\t\t%s\t%s\t%s\n", stage, dir, cond);
        st->proc_no_ref++;
    }
    st->procedures++;
}

/* The source CSV src read into r, and outdir/name opened for writing: the file, or NULL with the
 * reason on stderr (r.buf freed). */
static FILE *import_open(const char *src, const char *outdir, const char *name, csv_reader *r)
{
    size_t len;
    char path[1024];
    r->buf = file_read_all(src, &len);
    if (!r->buf) {
        fprintf(stderr, "tariff import: cannot read %s\n", src);
        return NULL;
    }
    r->len = len;
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    FILE *o = fopen(path, "w");
    if (!o) {
        free(r->buf);
        r->buf = NULL;
        fprintf(stderr, "tariff import: cannot write %s\n", path);
    }
    return o;
}

static int import_procedures(const char *src, const char *outdir, import_stats *st)
{
    char *f[6], last[9] = "";
    csv_reader r = {0};
    int n, first = 1;
    FILE *o = import_open(src, outdir, "procedures.tsv", &r);
    if (!o)
        return -1;
    fprintf(o, "# Generated by `ecustoms tariff import` from vn_specialised_procedures_by_hs.csv; "
               "see SOURCE.md\nhs8\tname\tlegal_ref\tagency\tstage\tdirection\tcondition\n");
    while ((n = csv_next(&r, f, 6)) != 0) {
        if (first) {
            first = 0;
            continue;
        }
        if (n < 5 || !is_digits(f[1], 8) || !*f[4])
            continue;
        if (strcmp(last, f[1]) == 0)
            continue; /* duplicate code: keep the first row, as for the tariff */
        memcpy(last, f[1], 9);
        /* split on "; " but re-join a part that has no "(ref)" with the next one: a few
         * procedure names themselves contain "; " */
        char *s = f[4], *cur = s;
        for (;;) {
            char *sep = strstr(cur, "; ");
            if (!sep) {
                write_procedure(o, f[1], s, st);
                break;
            }
            char save = sep[-1];
            if (save == ')' || (save == '*' && sep - 1 > s && sep[-2] == ')')) {
                *sep = '\0';
                write_procedure(o, f[1], s, st);
                s = cur = sep + 2;
            } else {
                cur = sep + 2;
            }
        }
    }
    fclose(o);
    free(r.buf);
    return 0;
}

int tariff_import(const char *src, const char *proc_src, const char *outdir, import_stats *st,
                  FILE *report)
{
    char *f[NCOLS + 1], canon[256], why[160];
    csv_reader r = {0};
    FILE *o;
    int n, first = 1;
    /* first row of each code seen, to detect duplicates */
    char(*seen)[9] = NULL;
    char **seen_row = NULL;
    size_t nseen = 0, capseen = 0;

    memset(st, 0, sizeof *st);
    if (!(o = import_open(src, outdir, "tariff.tsv", &r)))
        return -1;
    fprintf(o, "# Generated by `ecustoms tariff import` from vn_import_tariff_ahtn2022.csv; see "
               "SOURCE.md. Rate cells in canonical text (docs/tax.md).\n");
    fputs("hs8\tdesc_vn\tdesc_en\tstandard\tmfn", o);
    for (int i = 0; i < FTA_COUNT; i++)
        fprintf(o, "\t%s", fta_cols[i]);
    fputc('\n', o);
    while ((n = csv_next(&r, f, NCOLS + 1)) != 0) {
        char row_sig[4096];
        size_t k;
        if (first) {
            first = 0;
            continue;
        }
        st->rows++;
        if (n != NCOLS) {
            fprintf(report, "row %zu: %d columns (want %d), skipped\n", st->rows, n, NCOLS);
            st->bad_rows++;
            continue;
        }
        if (!is_digits(f[1], 8)) {
            int any = 0;
            for (int c = 4; c < NCOLS; c++)
                any |= *f[c] != '\0';
            if (any && is_digits(f[1], strlen(f[1]))) {
                fprintf(report,
                        "row %zu: code '%s' is not 8 digits but carries rates: skipped "
                        "(source defect, not guessed)\n",
                        st->rows, f[1]);
                st->bad_codes++;
            }
            continue;
        }
        /* duplicates: compare the whole row text */
        row_sig[0] = '\0';
        for (int c = 2; c < NCOLS; c++) {
            strncat(row_sig, f[c], sizeof row_sig - strlen(row_sig) - 2);
            strcat(row_sig, "\t");
        }
        for (k = 0; k < nseen; k++)
            if (memcmp(seen[k], f[1], 8) == 0)
                break;
        if (k < nseen) {
            if (strcmp(seen_row[k], row_sig) == 0)
                st->dup_identical++;
            else {
                st->dup_differing++;
                fprintf(report,
                        "row %zu: duplicate code %s with different content: kept the "
                        "first row\n",
                        st->rows, f[1]);
            }
            continue;
        }
        if (nseen == capseen) {
            capseen = capseen ? capseen * 2 : 16384;
            seen = realloc(seen, capseen * sizeof *seen);
            seen_row = realloc(seen_row, capseen * sizeof *seen_row);
            if (!seen || !seen_row) {
                fprintf(stderr, "tariff import: out of memory\n");
                exit(1);
            }
        }
        memcpy(seen[nseen], f[1], 9);
        seen_row[nseen++] = strdup(row_sig);

        fputs(f[1], o);
        fputc('\t', o);
        put_clean(o, f[2]);
        fputc('\t', o);
        put_clean(o, f[3]);
        for (int c = 4; c < NCOLS; c++) {
            tariff_rate rt;
            st->cells++;
            fputc('\t', o);
            if (tariff_rate_parse(f[c], &rt, why, sizeof why) < 0 ||
                tariff_rate_format(&rt, canon, sizeof canon) < 0) {
                fprintf(report, "row %zu %s col %d: cannot interpret '%s': %s\n", st->rows, f[1],
                        c + 1, f[c], why);
                st->bad_cells++;
                put_clean(o, f[c]);
                continue;
            }
            fputs(canon, o);
        }
        fputc('\n', o);
        st->lines++;
    }
    fclose(o);
    free(r.buf);
    for (size_t k = 0; k < nseen; k++)
        free(seen_row[k]);
    free(seen);
    free(seen_row);
    if (proc_src && import_procedures(proc_src, outdir, st) < 0)
        return -1;
    return st->bad_cells ? 1 : 0;
}
