/* Rate-cell parser and canonical formatter.
 *
 * The source tariff (vn_import_tariff_ahtn2022.csv) writes rates in about 65 textual shapes
 * (frequency analysis in docs/tax.md). One grammar covers all of them and the canonical text the
 * converter writes to data/tariff/tariff.tsv:
 *
 *   cell      := "" | "*" | "Q" | ref | relative | specific | mixed | main [";" override]
 *   ref       := "Theo hướng dẫn tại ... Chương 98" | "REF " key
 *   relative  := N "% thuế MFN" | N "% MFN"              (ordinary rate = N % of the MFN rate)
 *   specific  := CUR " " AMOUNT "/" UNIT                 ("USD 10000/C62")
 *   mixed     := N "% + " specific
 *   main      := alt ("/" alt)*                          (the source split a line: we keep all)
 *   alt       := (N | "*") group*
 *   group     := "(-" CC ("," CC)* ")" | "(GIC)" | "(NHN:" N ")"
 *   override  := LETTER ":" alt ("/" alt)*              (CPTPP "M: 18" = Mexico)
 *
 * Numbers take a decimal comma or point. Nothing is guessed: anything else is an error with a
 * reason, so the converter can list every cell it could not interpret.
 */
#include "core/tariff.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/decimal.h"
#include "util/utf8.h"

__attribute__((format(printf, 3, 4))) static int fail(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    if (why && n) {
        va_start(ap, fmt);
        vsnprintf(why, n, fmt, ap);
        va_end(ap);
        utf8_repair(why); /* the reason quotes the cell and may cut one of its characters */
    }
    return -1;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* Parses a percentage number [p, q) (digits with optional decimal comma/point). */
static int parse_pct(const char *p, const char *q, int32_t *out)
{
    int64_t v;
    while (q > p && q[-1] == ' ')
        q--;
    if (decimal_parse_n(p, (size_t)(q - p), DECIMAL_SCALE_PCT, 1, &v) != DECIMAL_OK || v < 0 ||
        v > 100000)
        return -1;
    *out = (int32_t)v;
    return 0;
}

/* Length of a number at p (digits, one comma/point between digits). */
static size_t num_len(const char *p, const char *end)
{
    const char *s = p;
    while (p < end && isdigit((unsigned char)*p))
        p++;
    if (p + 1 < end && (*p == ',' || *p == '.') && isdigit((unsigned char)p[1])) {
        p++;
        while (p < end && isdigit((unsigned char)*p))
            p++;
    }
    return (size_t)(p - s);
}

static int add_excluded(tariff_rate *r, const char *cc)
{
    for (int i = 0; i < r->n_excluded; i++)
        if (memcmp(r->excluded[i], cc, 2) == 0)
            return 0; /* same country listed in two alternatives: union */
    if (r->n_excluded >= TARIFF_MAX_EXCLUDED)
        return -1;
    memcpy(r->excluded[r->n_excluded], cc, 2);
    r->excluded[r->n_excluded][2] = '\0';
    r->n_excluded++;
    return 0;
}

/* One group "(...)" starting at p (at '('); advances *pp past ')'. */
static int parse_group(const char **pp, const char *end, tariff_rate *r, char *why, size_t wn)
{
    const char *p = *pp + 1;
    const char *close = memchr(p, ')', (size_t)(end - p));
    if (!close)
        return fail(why, wn, "unclosed parenthesis in '%s'", *pp);
    p = skip_ws(p, close);
    if (p < close && *p == '-') {
        /* "(-KH, LA, MM )": exporting countries not entitled to this rate */
        p++;
        while (p < close) {
            p = skip_ws(p, close);
            if (p == close)
                break; /* "(-KH, MY, PH, )": trailing separator in the source */
            if (close - p < 2 || !isupper((unsigned char)p[0]) || !isupper((unsigned char)p[1]) ||
                (close - p > 2 && isupper((unsigned char)p[2])))
                return fail(why, wn, "bad country code in exclusion '%s'", *pp);
            if (add_excluded(r, p) < 0)
                return fail(why, wn, "too many excluded countries in '%s'", *pp);
            p = skip_ws(p + 2, close);
            if (p < close && *p != ',')
                return fail(why, wn, "expected ',' in exclusion '%s'", *pp);
            if (p < close)
                p++;
        }
    } else if (close - p == 3 && memcmp(p, "GIC", 3) == 0) {
        r->gic = 1;
    } else if (close - p > 4 && memcmp(p, "NHN:", 4) == 0) {
        /* NHN = ngoài hạn ngạch: the out-of-quota rate */
        if (parse_pct(skip_ws(p + 4, close), close, &r->out_of_quota_pct) < 0)
            return fail(why, wn, "bad out-of-quota rate in '%s'", *pp);
    } else {
        return fail(why, wn, "unknown parenthesised group in '%s'", *pp);
    }
    *pp = close + 1;
    return 0;
}

/* alt ("/" alt)*  from p to end; values into vals (TARIFF_ALT_EXCLUDED for '*'). Groups go to r
 * when r is not NULL (main part), are refused in an override. */
static int parse_alts(const char *p, const char *end, tariff_rate *r, int32_t *vals, int *n,
                      char *why, size_t wn)
{
    *n = 0;
    for (;;) {
        p = skip_ws(p, end);
        if (*n >= TARIFF_MAX_ALTERNATIVES)
            return fail(why, wn, "more than 4 alternatives in '%s'", p);
        if (p < end && *p == '*') {
            vals[(*n)++] = TARIFF_ALT_EXCLUDED;
            p++;
        } else {
            size_t l = num_len(p, end);
            if (l == 0)
                return fail(why, wn, "expected a rate at '%s'", p);
            if (parse_pct(p, p + l, &vals[*n]) < 0)
                return fail(why, wn, "bad rate number at '%s'", p);
            (*n)++;
            p += l;
        }
        for (;;) {
            p = skip_ws(p, end);
            if (p < end && *p == '(') {
                if (!r)
                    return fail(why, wn, "group not allowed in an override: '%s'", p);
                if (parse_group(&p, end, r, why, wn) < 0)
                    return -1;
            } else {
                break;
            }
        }
        if (p == end)
            return 0;
        if (*p != '/')
            return fail(why, wn, "unexpected text '%s'", p);
        p++;
    }
}

static int32_t max_alt(const int32_t *v, int n, int *has_star)
{
    int32_t m = TARIFF_ALT_EXCLUDED;
    *has_star = 0;
    for (int i = 0; i < n; i++) {
        if (v[i] == TARIFF_ALT_EXCLUDED)
            *has_star = 1;
        else if (v[i] > m)
            m = v[i];
    }
    return m;
}

const char *tariff_override_country(const char *letter)
{
    /* The only letter in the 2026 file is "M" (CPTPP schedule for Mexico: Decree 115/2022/NĐ-CP
     * Annex II gives Mexico its own column). A two-letter ISO code is accepted as itself. */
    if (strcmp(letter, "M") == 0 || strcmp(letter, "MX") == 0)
        return "MX";
    return NULL;
}

/* "USD 10000/C62" at [p, end) */
static int parse_specific(const char *p, const char *end, tariff_rate *r, char *why, size_t wn)
{
    const char *sp, *slash;
    int64_t v;
    p = skip_ws(p, end);
    sp = memchr(p, ' ', (size_t)(end - p));
    if (!sp || sp - p != 3)
        return fail(why, wn, "specific rate needs 'CUR AMOUNT/UNIT': '%s'", p);
    memcpy(r->specific_currency, p, 3);
    r->specific_currency[3] = '\0';
    for (int i = 0; i < 3; i++)
        if (!isupper((unsigned char)p[i]))
            return fail(why, wn, "bad currency in '%s'", p);
    slash = memchr(sp, '/', (size_t)(end - sp));
    if (!slash || end - slash - 1 < 1 || end - slash - 1 >= (long)sizeof r->specific_unit)
        return fail(why, wn, "specific rate needs '/UNIT': '%s'", p);
    if (decimal_parse_n(sp + 1, (size_t)(slash - sp - 1), DECIMAL_SCALE_AMOUNT, 0, &v) !=
            DECIMAL_OK ||
        v <= 0)
        return fail(why, wn, "bad specific amount in '%s'", p);
    r->specific_amount = v;
    memcpy(r->specific_unit, slash + 1, (size_t)(end - slash - 1));
    r->specific_unit[end - slash - 1] = '\0';
    return 0;
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "Theo hướng dẫn tại khoản 1.1 Chương 98" -> "98:1.1";
 * "Theo hướng dẫn tại điểm b.5.3 và b.5.4 khoản 2.2 Chương 98" -> "98:2.2/b.5.3,b.5.4" */
static int parse_guidance(const char *s, tariff_rate *r, char *why, size_t wn)
{
    const char *k = strstr(s, "khoản ");
    const char *c = strstr(s, "Chương ");
    const char *d = strstr(s, "điểm ");
    char kh[16], ch[8], p1[16] = "", p2[16] = "";
    if (!k || !c || sscanf(k + strlen("khoản "), "%15[0-9.]", kh) != 1 ||
        sscanf(c + strlen("Chương "), "%7[0-9]", ch) != 1)
        return fail(why, wn, "unrecognised guidance reference '%s'", s);
    if (d && sscanf(d + strlen("điểm "), "%15[a-z0-9.] và %15[a-z0-9.]", p1, p2) < 1)
        return fail(why, wn, "unrecognised guidance point in '%s'", s);
    {
        char key[96];
        int n;
        if (d)
            n = snprintf(key, sizeof key, "%s:%s/%s%s%s", ch, kh, p1, *p2 ? "," : "", p2);
        else
            n = snprintf(key, sizeof key, "%s:%s", ch, kh);
        if (n < 0 || (size_t)n >= sizeof r->ref)
            return fail(why, wn, "guidance reference too long in '%s'", s);
        memcpy(r->ref, key, (size_t)n + 1);
    }
    r->kind = RATE_REFERENCE;
    return 0;
}

int tariff_rate_parse(const char *cell, tariff_rate *out, char *why, size_t why_size)
{
    char buf[256];
    size_t n;
    const char *p, *end, *semi;
    int32_t vals[TARIFF_MAX_ALTERNATIVES];
    int nv, star;

    memset(out, 0, sizeof *out);
    out->out_of_quota_pct = -1;
    if (!cell)
        cell = "";
    while (*cell == ' ')
        cell++;
    n = strlen(cell);
    while (n > 0 && (cell[n - 1] == ' ' || cell[n - 1] == '\r' || cell[n - 1] == '\n'))
        n--;
    if (n >= sizeof buf)
        return fail(why, why_size, "cell too long: '%.60s'", cell);
    memcpy(buf, cell, n);
    buf[n] = '\0';
    p = buf;
    end = buf + n;

    if (n == 0)
        return 0; /* RATE_NONE */
    if (strcmp(buf, "*") == 0) {
        out->kind = RATE_EXCLUDED;
        return 0;
    }
    if (strcmp(buf, "Q") == 0) {
        out->kind = RATE_QUOTA;
        return 0;
    }
    if (starts(buf, "Theo hướng dẫn"))
        return parse_guidance(buf, out, why, why_size);
    if (starts(buf, "REF ")) {
        if (n - 4 < 1 || n - 4 >= sizeof out->ref)
            return fail(why, why_size, "bad reference '%s'", buf);
        memcpy(out->ref, buf + 4, n - 4 + 1);
        out->kind = RATE_REFERENCE;
        return 0;
    }
    {
        /* "150% thuế MFN" / canonical "150% MFN" */
        size_t l = num_len(p, end);
        if (l > 0 && p[l] == '%') {
            const char *rest = skip_ws(p + l + 1, end);
            int32_t f;
            if (strcmp(rest, "thuế MFN") == 0 || strcmp(rest, "MFN") == 0) {
                if (parse_pct(p, p + l, &f) < 0 || f % 100 != 0 || f <= 0 || f / 100 > 1000)
                    return fail(why, why_size, "bad MFN multiple in '%s'", buf);
                out->of_mfn_pct = (uint16_t)(f / 100);
                out->kind = RATE_AD_VALOREM; /* resolved against the MFN cell by tariff_load */
                return 0;
            }
            if (*rest == '+') {
                /* mixed: "5% + USD 10000/C62" */
                if (parse_pct(p, p + l, &out->pct) < 0)
                    return fail(why, why_size, "bad ad valorem part in '%s'", buf);
                out->kind = RATE_MIXED;
                return parse_specific(rest + 1, end, out, why, why_size);
            }
            return fail(why, why_size, "unrecognised percent form '%s'", buf);
        }
        if (l == 0 && isupper((unsigned char)p[0]) && isupper((unsigned char)p[1]) &&
            isupper((unsigned char)p[2]) && p[3] == ' ') {
            out->kind = RATE_SPECIFIC;
            out->pct = 0;
            return parse_specific(p, end, out, why, why_size);
        }
    }

    /* main [; override] */
    semi = memchr(p, ';', n);
    if (parse_alts(p, semi ? semi : end, out, vals, &nv, why, why_size) < 0)
        return -1;
    out->pct = max_alt(vals, nv, &star);
    if (nv > 1) {
        out->n_alternatives = (uint8_t)nv;
        memcpy(out->alternatives, vals, sizeof(int32_t) * (size_t)nv);
    }
    /* Conservative: when any part of a split line is excluded ("*"), the whole line is treated
     * as excluded; otherwise the highest alternative applies (docs/tax.md). */
    out->kind = star ? RATE_EXCLUDED : RATE_AD_VALOREM;
    if (star && out->pct < 0)
        out->pct = 0;
    if (semi) {
        const char *q = skip_ws(semi + 1, end);
        const char *colon = memchr(q, ':', (size_t)(end - q));
        char letter[4];
        const char *cc;
        int32_t ov[TARIFF_MAX_ALTERNATIVES];
        int no;
        if (!colon || colon - q < 1 || colon - q > 2)
            return fail(why, why_size, "bad override in '%s'", buf);
        memcpy(letter, q, (size_t)(colon - q));
        letter[colon - q] = '\0';
        cc = tariff_override_country(letter);
        if (!cc)
            return fail(why, why_size, "unknown override party letter in '%s'", buf);
        if (parse_alts(colon + 1, end, NULL, ov, &no, why, why_size) < 0)
            return -1;
        if (no > 1 && no != nv)
            return fail(why, why_size, "override has a different number of alternatives: '%s'",
                        buf);
        memcpy(out->overrides[0].country, cc, 3);
        out->overrides[0].pct = max_alt(ov, no, &star);
        if (star)
            return fail(why, why_size, "excluded override in '%s'", buf);
        out->n_overrides = 1;
    }
    return 0;
}

int tariff_rate_format(const tariff_rate *r, char *buf, size_t size)
{
    char num[32];
    size_t len = 0;
    int w;
#define OUT(...)                                                                                   \
    do {                                                                                           \
        w = snprintf(buf + len, size - len, __VA_ARGS__);                                          \
        if (w < 0 || (size_t)w >= size - len)                                                      \
            return -1;                                                                             \
        len += (size_t)w;                                                                          \
    } while (0)

    if (size == 0)
        return -1;
    buf[0] = '\0';
    switch (r->kind) {
    case RATE_NONE: return 0;
    case RATE_QUOTA: OUT("Q"); return (int)len;
    case RATE_REFERENCE: OUT("REF %s", r->ref); return (int)len;
    case RATE_SPECIFIC:
    case RATE_MIXED:
        if (r->kind == RATE_MIXED) {
            decimal_format(r->pct, DECIMAL_SCALE_PCT, num, sizeof num);
            OUT("%s%% + ", num);
        }
        decimal_format(r->specific_amount, DECIMAL_SCALE_AMOUNT, num, sizeof num);
        OUT("%s %s/%s", r->specific_currency, num, r->specific_unit);
        return (int)len;
    default: break;
    }
    if (r->of_mfn_pct) {
        OUT("%u%% MFN", (unsigned)r->of_mfn_pct);
        return (int)len;
    }
    if (r->kind == RATE_EXCLUDED && r->n_alternatives == 0) {
        OUT("*");
        return (int)len;
    }
    if (r->n_alternatives > 1) {
        for (int i = 0; i < r->n_alternatives; i++) {
            if (r->alternatives[i] == TARIFF_ALT_EXCLUDED)
                OUT("%s*", i ? "/" : "");
            else {
                decimal_format(r->alternatives[i], DECIMAL_SCALE_PCT, num, sizeof num);
                OUT("%s%s", i ? "/" : "", num);
            }
        }
    } else {
        decimal_format(r->pct, DECIMAL_SCALE_PCT, num, sizeof num);
        OUT("%s", num);
    }
    if (r->n_excluded) {
        OUT(" (-");
        for (int i = 0; i < r->n_excluded; i++)
            OUT("%s%s", i ? ", " : "", r->excluded[i]);
        OUT(")");
    }
    if (r->gic)
        OUT(" (GIC)");
    if (r->out_of_quota_pct >= 0) {
        decimal_format(r->out_of_quota_pct, DECIMAL_SCALE_PCT, num, sizeof num);
        OUT(" (NHN: %s)", num);
    }
    for (int i = 0; i < r->n_overrides; i++) {
        decimal_format(r->overrides[i].pct, DECIMAL_SCALE_PCT, num, sizeof num);
        OUT("; %s: %s", r->overrides[i].country, num);
    }
#undef OUT
    return (int)len;
}
