/* The tax engine (contract: core/tax.h; rules written down in docs/tax.md).
 *
 * Fixed point throughout: invoice amounts and quantities at scale 4, exchange rates at scale 4,
 * percentages at scale 2. Products go through __int128 and are rounded once per item per tax
 * with decimal_round_div (halves away from zero).
 */
#include "core/tax.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/tax_tables.h"
#include "core/typecode.h"
#include "util/decimal.h"

#define MAX_VND ((int64_t)1000000000000000LL)           /* 10^15 VND: the engine's ceiling */
#define MAX_AMOUNT ((int64_t)100000000000000LL * 10000) /* 10^14 currency units at scale 4 */
#define SCALE8 ((__int128)100000000)

static const char *const kind_keys[TAX_KINDS] = {"import_duty", "trade_remedy", "sct", "ept",
                                                 "vat"};

const char *tax_kind_key(tax_kind k) { return (unsigned)k < TAX_KINDS ? kind_keys[k] : "?"; }

int64_t tax_late_interest(int64_t amount_vnd, int32_t days)
{
    /* 0.03 % = 3 / 10000 per day */
    if (amount_vnd <= 0 || days <= 0)
        return 0;
    return decimal_round_div((__int128)amount_vnd * days * 3, 10000);
}

/* Incoterms 2020 (and 2010's DAT/DDU family): what the invoice price already includes up to the
 * first import border gate. EXW/FCA/FAS/FOB: neither freight nor insurance; CFR/CPT: freight;
 * C*F/CIP and every D term: both. */
static int incoterm_adds(const char *ic, int *add_freight, int *add_ins)
{
    static const struct {
        const char *code;
        int freight, ins;
    } tab[] = {
        {"EXW", 1, 1}, {"FCA", 1, 1}, {"FAS", 1, 1}, {"FOB", 1, 1}, {"CFR", 0, 1}, {"CPT", 0, 1},
        {"CIF", 0, 0}, {"CIP", 0, 0}, {"DAP", 0, 0}, {"DPU", 0, 0}, {"DDP", 0, 0}, {"DAT", 0, 0},
        {"DDU", 0, 0}, {"DAF", 0, 0}, {"DES", 0, 0}, {"DEQ", 0, 0},
    };
    for (size_t i = 0; i < sizeof tab / sizeof *tab; i++)
        if (strcasecmp(tab[i].code, ic) == 0) {
            *add_freight = tab[i].freight;
            *add_ins = tab[i].ins;
            return 0;
        }
    return -1;
}

static const tax_fx *fx_find(const tax_fx_table *fx, const char *cur)
{
    for (size_t i = 0; fx && i < fx->n; i++)
        if (strcmp(fx->rates[i].currency, cur) == 0)
            return &fx->rates[i];
    return NULL;
}

static int currency_shaped(const char *c)
{
    return strlen(c) == 3 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z' &&
           c[2] >= 'A' && c[2] <= 'Z';
}

static const tax_fx *need_fx(const tax_fx_table *fx, const char *cur, const char *path,
                             date_ymd date, errs *e)
{
    const tax_fx *r;
    char ds[11];
    if (!currency_shaped(cur)) {
        errs_add(e, "currency_invalid", path, "'%s' is not an ISO 4217 currency code", cur);
        return NULL;
    }
    if (strcmp(cur, "VND") == 0) {
        static const tax_fx vnd = {"VND", 10000};
        return &vnd;
    }
    r = fx_find(fx, cur);
    if (!r) {
        date_format(date, ds);
        errs_add(e, "fx_missing", path, "no customs exchange rate for %s on %s", cur, ds);
    }
    return r;
}

/* Even spread when there is nothing to weigh by (all weights zero). */
static void allocate_even(int64_t total, int n, int64_t *part)
{
    for (int i = 0; i < n; i++)
        part[i] = total / n + (i < total % n);
}

/* Largest-remainder split of total (scale-4 units of its currency) by weights w: the parts sum
 * exactly to total; leftover units go to the largest remainders, ties to the earlier item. */
static void allocate_lr(int64_t total, const int64_t *w, int n, int64_t *part, unsigned char *used)
{
    __int128 sum = 0, given = 0, rem[DECL_MAX_ITEMS];
    for (int i = 0; i < n; i++)
        sum += w[i];
    if (sum == 0 || total == 0) {
        allocate_even(total, n, part);
        return;
    }
    for (int i = 0; i < n; i++) {
        __int128 x = (__int128)total * w[i];
        part[i] = (int64_t)(x / sum);
        rem[i] = x % sum;
        given += part[i];
        used[i] = 0;
    }
    for (__int128 left = total - given; left > 0; left--) {
        int best = -1;
        __int128 br = -1;
        for (int i = 0; i < n; i++) {
            if (!used[i] && rem[i] > br) {
                br = rem[i];
                best = i;
            }
        }
        if (best < 0)
            break;
        used[best] = 1;
        part[best]++;
    }
}

/* "/items/12" + field without printf (hot path). */
static void mkpath(char *buf, size_t n, int i, const char *field)
{
    char tmp[16];
    int k = 0;
    size_t l;
    do {
        tmp[k++] = (char)('0' + i % 10);
        i /= 10;
    } while (i && k < 15);
    l = strlen("/items/");
    if (n < l + (size_t)k + strlen(field) + 1) {
        buf[0] = '\0';
        return;
    }
    memcpy(buf, "/items/", l);
    while (k)
        buf[l++] = tmp[--k];
    strcpy(buf + l, field);
}

/* bounded copy (snprintf-free: this is on the hot path of every item). strnlen + memcpy rather
 * than a byte loop: GCC -O3 inlines the loop for short literals and then warns (array-bounds) about
 * the iterations it cannot prove unreachable, which breaks the Release build under -Werror. */
static void set_text(char *dst, size_t n, const char *s)
{
    size_t l = s && n ? strnlen(s, n - 1) : 0;
    if (!n)
        return;
    memcpy(dst, s ? s : "", l);
    dst[l] = '\0';
}

__attribute__((format(printf, 2, 3))) static void add_note(tax_line *t, const char *fmt, ...)
{
    size_t l = strlen(t->note);
    va_list ap;
    if (l && l + 2 < sizeof t->note) {
        memcpy(t->note + l, "; ", 3);
        l += 2;
    }
    va_start(ap, fmt);
    vsnprintf(t->note + l, sizeof t->note - l, fmt, ap);
    va_end(ap);
}

/* "12.5%" from 1250 without printf (hot path: several per item). */
static void pct_text(int32_t pct, char *buf, size_t n)
{
    char tmp[24];
    int k = 0, frac = (int)(pct % 100), ip = (int)(pct / 100);
    size_t l = 0;
    if (pct < 0 || n < 16) {
        set_text(buf, n, "?");
        return;
    }
    do {
        tmp[k++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    while (k)
        buf[l++] = tmp[--k];
    if (frac) {
        buf[l++] = '.';
        buf[l++] = (char)('0' + frac / 10);
        if (frac % 10)
            buf[l++] = (char)('0' + frac % 10);
    }
    buf[l++] = '%';
    buf[l] = '\0';
}

/* A duty candidate: one rate applied to one item. */
typedef struct {
    int64_t amount;
    int32_t pct; /* -1 when not ad valorem */
    char text[64];
    char schedule[8];
    const char *legal_ref;
    int ok;
} duty_cand;

static int unit_ok(const char *rate_unit, const char *item_unit)
{
    /* "unit"/"C62"/"PCE"/"UNT" all mean "per piece" in the tariff and the declaration */
    static const char *const piece[] = {"unit", "C62", "PCE", "UNT", "CHIEC"};
    int a = 0, b = 0;
    if (strcasecmp(rate_unit, item_unit) == 0)
        return 1;
    for (size_t i = 0; i < sizeof piece / sizeof *piece; i++) {
        a |= strcasecmp(rate_unit, piece[i]) == 0;
        b |= strcasecmp(item_unit, piece[i]) == 0;
    }
    return a && b;
}

/* Applies rate r with ad valorem pct (already chosen for the origin) to the item. Returns 0, or
 * -1 with an error in e. */
static int apply_rate(const tariff_rate *r, int32_t pct, int64_t cv, const decl_item *it,
                      const tax_fx_table *fx, date_ymd date, const char *path, duty_cand *c,
                      errs *e)
{
    char num[32];
    c->pct = -1;
    c->amount = 0;
    if (r->kind == RATE_AD_VALOREM || r->kind == RATE_MIXED) {
        c->pct = pct;
        c->amount = decimal_round_div((__int128)cv * pct, 10000);
        pct_text(pct, c->text, sizeof c->text);
    }
    if (r->kind == RATE_SPECIFIC || r->kind == RATE_MIXED) {
        const tax_fx *f;
        char p[128];
        snprintf(p, sizeof p, "%s/unit", path);
        if (!unit_ok(r->specific_unit, it->unit))
            return errs_add(e, "specific_unit_mismatch", p,
                            "specific duty is per %s; declare the quantity in that unit (got '%s')",
                            r->specific_unit, it->unit);
        if (it->quantity <= 0) {
            snprintf(p, sizeof p, "%s/quantity", path);
            return errs_add(e, "quantity_required", p, "a specific duty needs a positive quantity");
        }
        f = need_fx(fx, r->specific_currency, path, date, e);
        if (!f)
            return -1;
        /* qty (scale 4) x amount (scale 4) x fx (scale 4) -> VND: divide by 10^12 */
        int64_t spec =
            decimal_round_div((__int128)it->quantity * r->specific_amount * f->vnd_per_unit,
                              (__int128)1000000000000LL);
        decimal_format(r->specific_amount, DECIMAL_SCALE_AMOUNT, num, sizeof num);
        if (r->kind == RATE_MIXED) {
            /* the ad valorem part was rounded alone; one rounding per tax is kept by
             * recomputing the sum from the exact parts */
            __int128 exact_av = (__int128)cv * pct * (__int128)100000000; /* /10^12 */
            __int128 exact_sp = (__int128)it->quantity * r->specific_amount * f->vnd_per_unit;
            c->amount = decimal_round_div(exact_av + exact_sp, (__int128)1000000000000LL);
            size_t l = strlen(c->text);
            snprintf(c->text + l, sizeof c->text - l, " + %s %s/%s", r->specific_currency, num,
                     r->specific_unit);
        } else {
            c->amount = spec;
            snprintf(c->text, sizeof c->text, "%s %s/%s", r->specific_currency, num,
                     r->specific_unit);
        }
    }
    return 0;
}

static int is_excluded(const tariff_rate *r, const char *origin)
{
    for (int i = 0; i < r->n_excluded; i++)
        if (strcmp(r->excluded[i], origin) == 0)
            return 1;
    return 0;
}

static int32_t pct_for(const tariff_rate *r, const char *origin)
{
    for (int i = 0; i < r->n_overrides; i++)
        if (strcmp(r->overrides[i].country, origin) == 0)
            return r->overrides[i].pct;
    return r->pct;
}

/* Import duty of one item: the base schedule (MFN or ordinary) then every FTA the item claims;
 * the lowest lawful amount wins. */
static int import_duty(const tariff_line *l, const tax_tables *tt, const tax_fx_table *fx,
                       const decl_item *it, int64_t cv, date_ymd date, const char *path,
                       tax_line *out, errs *e)
{
    const tax_tables_wto *w = tax_tables_find_wto(tt, it->origin, date);
    const tariff_rate *base = w ? l->mfn : l->standard;
    duty_cand best = {0}, c;
    int32_t pct;
    char p[128], num[32];
    int nerr = e->n;

    strcpy(p, path);
    strcat(p, "/hs_code");
    memset(&best, 0, sizeof best);
    set_text(best.schedule, sizeof best.schedule, w ? "B01" : "B03");
    best.legal_ref =
        w ? "Decree 26/2023/NĐ-CP Appendix II (preferential/MFN tariff)"
          : "Law 107/2016/QH13 Art. 5(3)(c); Decree 26/2023/NĐ-CP (ordinary = 150% MFN)";
    if (!w)
        add_note(out, "origin %s not a WTO member on record: ordinary rate", it->origin);
    if (base->kind == RATE_REFERENCE) {
        return errs_add(e, "rate_manual", p,
                        "%08u: the %s rate is set by Chapter 98 guidance (%s); declare the Chapter "
                        "98 code or enter the rate manually",
                        l->hs8, w ? "MFN" : "ordinary", base->ref);
    }
    if (base->kind != RATE_AD_VALOREM && base->kind != RATE_SPECIFIC && base->kind != RATE_MIXED)
        return errs_add(e, "rate_missing", p, "%08u has no %s rate", l->hs8,
                        w ? "MFN" : "ordinary");
    pct = base->pct;
    if (base->out_of_quota_pct >= 0) {
        /* in-quota rate needs a quota allocation we cannot check: conservative out-of-quota */
        decimal_format(base->pct, DECIMAL_SCALE_PCT, num, sizeof num);
        add_note(out,
                 "in-quota rate %s%% needs a tariff-quota allocation; out-of-quota rate applied",
                 num);
        pct = base->out_of_quota_pct;
        set_text(best.schedule, sizeof best.schedule, "B14");
    }
    if (base->n_alternatives > 1)
        add_note(out, "source line split into alternatives %s: highest applied", base->text);
    if (apply_rate(base, pct, cv, it, fx, date, path, &best, e) < 0)
        return -1;
    if (base->kind == RATE_SPECIFIC && w)
        set_text(best.schedule, sizeof best.schedule, "B15");
    else if (base->kind == RATE_MIXED && w)
        set_text(best.schedule, sizeof best.schedule, "B16");

    /* FTA candidates: only agreements whose proof-of-origin form the item carries */
    char not_party[16] = "";
    int claimed_party = 0;
    for (int a = 0; a < FTA_COUNT; a++) {
        const tax_tables_agreement *ag = tax_tables_agreement_of(tt, a);
        const tariff_rate *r = l->fta[a];
        const char *name = tariff_fta_name((tariff_fta)a);
        if (!ag)
            continue;
        if (!it->co_form[0] || !tax_tables_form_accepted(ag, it->co_form)) {
            /* not claimed: mention an available lower preference once, to help the declarant */
            if (r->kind == RATE_AD_VALOREM && base->kind == RATE_AD_VALOREM &&
                pct_for(r, it->origin) < pct && !is_excluded(r, it->origin) &&
                !strstr(out->note, "available") && tax_tables_find_party(tt, a, it->origin, date)) {
                decimal_format(pct_for(r, it->origin), DECIMAL_SCALE_PCT, num, sizeof num);
                add_note(out, "%s %s%% available with C/O form %s", name, num, ag->co_forms);
            }
            continue;
        }
        if (!it->co_number[0]) {
            add_note(out, "%s refused: no C/O number", name);
            continue;
        }
        if (!tax_tables_find_party(tt, a, it->origin, date)) {
            /* forms shared by several agreements (EUR.1: EVFTA and UKVFTA; RCEP: six columns):
             * only worth a note when no agreement accepting this form covers the origin */
            if (!not_party[0])
                snprintf(not_party, sizeof not_party, "%s", name);
            continue;
        }
        claimed_party = 1;
        if (r->kind == RATE_NONE || r->kind == RATE_EXCLUDED) {
            add_note(out, "%s refused: line %s in this schedule", name,
                     r->kind == RATE_NONE ? "has no rate" : "excluded (*)");
            continue;
        }
        if (r->kind == RATE_QUOTA) {
            add_note(out, "%s refused: in-quota only (Q), no quota allocation", name);
            continue;
        }
        if (r->kind == RATE_REFERENCE) {
            add_note(out, "%s refused: rate by Chapter 98 guidance", name);
            continue;
        }
        if (is_excluded(r, it->origin)) {
            add_note(out, "%s refused: origin %s excluded by country exception", name, it->origin);
            continue;
        }
        memset(&c, 0, sizeof c);
        pct = pct_for(r, it->origin);
        if (r->out_of_quota_pct >= 0)
            pct = r->out_of_quota_pct;
        if (apply_rate(r, pct, cv, it, fx, date, path, &c, e) < 0)
            return -1;
        set_text(c.schedule, sizeof c.schedule, ag->schedule);
        c.legal_ref = ag->legal_ref;
        if (r->n_alternatives > 1)
            add_note(out, "%s source line split (%s): highest applied", name, r->text);
        if (c.amount < best.amount)
            best = c;
    }
    if (not_party[0] && !claimed_party)
        add_note(out, "%s refused: origin %s not a party", not_party, it->origin);
    if (e->n > nerr)
        return -1;
    out->amount = best.amount;
    out->base = best.pct >= 0 ? cv : 0;
    out->pct = best.pct;
    set_text(out->rate_text, sizeof out->rate_text, best.text);
    set_text(out->schedule, sizeof out->schedule, best.schedule);
    set_text(out->legal_ref, sizeof out->legal_ref, best.legal_ref);
    return 0;
}

/* "engine" for engine_cc etc.: the word used in notes and messages */
static const char *sct_attr_label(int a)
{
    switch (a) {
    case SCT_ATTR_ALCOHOL: return "alcohol";
    case SCT_ATTR_ENGINE_CC: return "engine";
    case SCT_ATTR_SEATS: return "seating capacity";
    case SCT_ATTR_BTU: return "cooling capacity";
    case SCT_ATTR_SUGAR: return "sugar content";
    default: return "?";
    }
}

/* sct_attribute_required / sct_attribute_range for item i, naming the line and its brackets. */
static void sct_attr_error(const tax_tables_sct_match *m, const decl_item *it, int i, date_ymd date,
                           errs *e)
{
    char p[128], list[400] = "", br[64], pct[24], val[48], ds[11];
    size_t l;
    mkpath(p, sizeof p, i, "/");
    l = strlen(p);
    set_text(p + l, sizeof p - l, tax_tables_sct_attr_key(m->attr));
    for (size_t k = 0; k < m->nrows && k < TAX_TABLES_SCT_MAX_BRACKETS; k++) {
        size_t ll = strlen(list);
        tax_tables_sct_bracket_text(m->attr, m->rows[k]->amin, m->rows[k]->amax, br, sizeof br);
        pct_text(m->rows[k]->pct, pct, sizeof pct);
        snprintf(list + ll, sizeof list - ll, "%s%s %s", k ? ", " : "", br, pct);
    }
    date_format(date, ds);
    if (m->status == TAX_TABLES_SCT_ATTR_MISSING) {
        errs_add(e, "sct_attribute_required", p,
                 "SCT on %s depends on the %s: declare %s (brackets on %s: %s)", it->hs_code,
                 sct_attr_label(m->attr), tax_tables_sct_attr_key(m->attr), ds, list);
        return;
    }
    tax_tables_sct_attr_value_text(m->attr, tax_tables_sct_attr_value(it, m->attr), val,
                                   sizeof val);
    errs_add(e, "sct_attribute_range", p,
             "%s %s is outside every SCT bracket of %s (brackets on %s: %s)",
             sct_attr_label(m->attr), val, it->hs_code, ds, list);
}

static void zero_line(tax_line *t, const char *text, const char *ref, const char *note)
{
    memset(t, 0, sizeof *t);
    t->pct = -1;
    set_text(t->rate_text, sizeof t->rate_text, text);
    set_text(t->legal_ref, sizeof t->legal_ref, ref);
    set_text(t->note, sizeof t->note, note);
}

int tax_compute(const tariff *t, const tax_tables *tt, const tax_fx_table *fx, const decl *d,
                date_ymd date, tax_result *out, errs *e)
{
    int nerr = e->n, add_f = 0, add_i = 0, n = d->n_items;
    const tax_fx *fx_inv, *fx_fr = NULL, *fx_in = NULL;
    const typecode *tc = d->type_code[0] ? typecode_find(d->type_code) : NULL;
    const char *fcur =
        d->invoice.freight_currency[0] ? d->invoice.freight_currency : d->invoice.currency;
    const char *icur =
        d->invoice.insurance_currency[0] ? d->invoice.insurance_currency : d->invoice.currency;
    int by_weight = strcmp(d->invoice.allocation, "weight") == 0;
    char path[96];

    out->n_items = 0;
    out->customs_value = out->total = 0;
    memset(out->totals, 0, sizeof out->totals);
    if (n < 0 || n > DECL_MAX_ITEMS)
        return errs_add(e, "value_range", "/items", "%d items (1..%d)", n, DECL_MAX_ITEMS);
    if (d->type_code[0] && !tc)
        errs_add(e, "type_code_unknown", "/type_code", "'%s' is not a Decision 1357 type code",
                 d->type_code);
    if (d->invoice.allocation[0] && !by_weight && strcmp(d->invoice.allocation, "value") != 0)
        errs_add(e, "value_range", "/invoice/allocation", "allocation must be 'value' or 'weight'");
    if (incoterm_adds(d->invoice.incoterm, &add_f, &add_i) < 0)
        errs_add(e, "incoterm_unknown", "/invoice/incoterm", "unknown Incoterm '%s'",
                 d->invoice.incoterm);
    fx_inv = need_fx(fx, d->invoice.currency, "/invoice/currency", date, e);
    if (d->invoice.freight < 0 || d->invoice.freight > MAX_AMOUNT)
        errs_add(e, "value_range", "/invoice/freight", "freight out of range");
    if (d->invoice.insurance < 0 || d->invoice.insurance > MAX_AMOUNT)
        errs_add(e, "value_range", "/invoice/insurance", "insurance out of range");
    if (add_f && d->invoice.freight > 0)
        fx_fr = need_fx(fx, fcur, "/invoice/freight_currency", date, e);
    if (add_i && d->invoice.insurance > 0)
        fx_in = need_fx(fx, icur, "/invoice/insurance_currency", date, e);

    /* per-item checks, all at once */
    __int128 wsum_check = 0;
    for (int i = 0; i < n; i++) {
        const decl_item *it = &d->items[i];
        mkpath(path, sizeof path, i, "");
        char p[128];
        if (it->value < 0 || it->value > MAX_AMOUNT) {
            snprintf(p, sizeof p, "%s/value", path);
            errs_add(e, "value_range", p, "value must be between 0 and 10^14");
        }
        if (it->quantity < 0 || it->quantity > MAX_AMOUNT) {
            snprintf(p, sizeof p, "%s/quantity", path);
            errs_add(e, "value_range", p, "quantity must be between 0 and 10^14");
        }
        if (it->net_weight_kg < 0 || it->net_weight_kg > MAX_AMOUNT) {
            snprintf(p, sizeof p, "%s/net_weight_kg", path);
            errs_add(e, "value_range", p, "net weight must be between 0 and 10^14");
        }
        wsum_check += by_weight ? it->net_weight_kg : it->value;
        mkpath(p, sizeof p, i, "/hs_code");
        size_t hl = strlen(it->hs_code);
        int digits = 1;
        for (size_t k = 0; k < hl; k++)
            digits &= it->hs_code[k] >= '0' && it->hs_code[k] <= '9';
        if (hl != 8 || !digits) {
            errs_add(e, "hs_format", p, "'%s': an 8-digit tariff line is required", it->hs_code);
        } else {
            uint32_t code = 0;
            for (size_t k = 0; k < 8; k++)
                code = code * 10 + (uint32_t)(it->hs_code[k] - '0');
            if (!tariff_find(t, code)) {
                const tariff_line *near[3];
                size_t nn = tariff_nearest(t, code, near, 3);
                char sug[48] = "";
                for (size_t k = 0; k < nn; k++) {
                    size_t l = strlen(sug);
                    snprintf(sug + l, sizeof sug - l, "%s%08u", k ? ", " : "", near[k]->hs8);
                }
                errs_add(e, "hs_unknown", p, "%s is not a tariff line; nearest: %s", it->hs_code,
                         sug);
            }
        }
        if (strlen(it->origin) != 2) {
            snprintf(p, sizeof p, "%s/origin", path);
            errs_add(e, "origin_invalid", p, "origin must be an ISO 3166 alpha-2 code");
        }
    }
    if (by_weight && n > 0 && wsum_check == 0 &&
        (d->invoice.freight > 0 || d->invoice.insurance > 0))
        errs_add(e, "value_range", "/invoice/allocation",
                 "allocation by weight needs net_weight_kg on the items");
    if (e->n > nerr)
        return -1;

    /* freight and insurance parts per item, in their own currency (scale 4), exact sums;
     * on the stack (25 KB at most) because tax_compute does not allocate */
    int64_t W[DECL_MAX_ITEMS], FP[DECL_MAX_ITEMS], IP[DECL_MAX_ITEMS];
    unsigned char U[DECL_MAX_ITEMS];
    for (int i = 0; i < n; i++)
        W[i] = by_weight ? d->items[i].net_weight_kg : d->items[i].value;
    if (n > 0) {
        allocate_lr(add_f ? d->invoice.freight : 0, W, n, FP, U);
        allocate_lr(add_i ? d->invoice.insurance : 0, W, n, IP, U);
    }

    out->n_items = (size_t)n;
    for (int i = 0; i < n; i++) {
        const decl_item *it = &d->items[i];
        tax_item_result *r = &out->items[i];
        uint32_t code = 0;
        const tariff_line *l;
        __int128 cvx;
        int64_t cv;
        memset(r, 0, sizeof *r);
        for (int k = 0; k < TAX_KINDS; k++)
            r->t[k].pct = -1;
        mkpath(path, sizeof path, i, "");
        for (size_t k = 0; k < 8; k++)
            code = code * 10 + (uint32_t)(it->hs_code[k] - '0');
        l = tariff_find(t, code);

        /* customs value: one rounding of the exact sum (scale 8 -> VND) */
        cvx = (__int128)it->value * fx_inv->vnd_per_unit;
        if (fx_fr)
            cvx += (__int128)FP[i] * fx_fr->vnd_per_unit;
        if (fx_in)
            cvx += (__int128)IP[i] * fx_in->vnd_per_unit;
        cv = decimal_round_div(cvx, SCALE8);
        if (cv > MAX_VND) {
            char p[128];
            snprintf(p, sizeof p, "%s/value", path);
            errs_add(e, "value_range", p, "customs value above 10^15 VND");
            continue;
        }
        r->customs_value = cv;

        if (d->kind == DECL_EXPORT) {
            /* exports carry export duty only (Law 107/2016 on export and import duties; the export
             * tariff of Decree 26/2023 Appendix I): it takes the duty line, shown as
             * "export_duty" */
            for (int k = 0; k < TAX_KINDS; k++)
                zero_line(&r->t[k], "not subject", "", "export: not subject");
            const tax_tables_vat *xd = tax_tables_find_export_duty(tt, it->hs_code, date);
            tax_line *x = &r->t[TAX_IMPORT_DUTY];
            if (!xd) {
                zero_line(x, "0%", "Decree 26/2023/ND-CP Appendix I (export tariff)",
                          "not in the export tariff: no export duty");
                x->pct = 0;
                set_text(x->schedule, sizeof x->schedule, "XK");
            } else {
                x->pct = xd->pct;
                x->base = cv;
                x->amount = decimal_round_div((__int128)cv * xd->pct, 10000);
                pct_text(xd->pct, x->rate_text, sizeof x->rate_text);
                set_text(x->schedule, sizeof x->schedule, "XK");
                set_text(x->legal_ref, sizeof x->legal_ref, xd->legal_ref);
                add_note(x, "export duty on the FOB value: %s", xd->desc ? xd->desc : "");
            }
            continue;
        }
        if (tc && tc->tax != TC_TAXABLE) {
            char note[192];
            snprintf(note, sizeof note, "%s (%s): %s",
                     tc->tax == TC_EXEMPT ? "exempt" : "not subject", tc->code, tc->name);
            for (int k = 0; k < TAX_KINDS; k++)
                zero_line(&r->t[k], tc->tax == TC_EXEMPT ? "exempt" : "not subject", tc->legal_ref,
                          note);
            continue;
        }

        tax_line *id = &r->t[TAX_IMPORT_DUTY], *tr = &r->t[TAX_TRADE_REMEDY], *sct = &r->t[TAX_SCT],
                 *ept = &r->t[TAX_EPT], *vat = &r->t[TAX_VAT];
        if (import_duty(l, tt, fx, it, cv, date, path, id, e) < 0)
            continue;

        /* trade remedies on CV */
        {
            const tax_tables_remedy *rem[3];
            size_t nr = tax_tables_find_remedies(
                tt, it->hs_code, it->origin, it->producer[0] ? it->producer : NULL, date, rem, 3);
            __int128 acc = 0;
            int32_t sum = 0;
            char num[32];
            tr->base = nr ? cv : 0;
            for (size_t k = 0; k < nr; k++) {
                size_t len = strlen(tr->rate_text);
                acc += (__int128)cv * rem[k]->pct;
                sum += rem[k]->pct;
                decimal_format(rem[k]->pct, DECIMAL_SCALE_PCT, num, sizeof num);
                snprintf(tr->rate_text + len, sizeof tr->rate_text - len, "%s%s %s%%",
                         k ? " + " : "", rem[k]->kind, num);
                len = strlen(tr->legal_ref);
                snprintf(tr->legal_ref + len, sizeof tr->legal_ref - len, "%s%s", k ? "; " : "",
                         rem[k]->legal_ref);
                set_text(tr->schedule, sizeof tr->schedule, rem[k]->kind);
                if (strcmp(rem[k]->producer, "*") != 0)
                    add_note(tr, "%s rate for producer %s", rem[k]->kind, rem[k]->producer);
            }
            tr->amount = decimal_round_div(acc, 10000);
            tr->pct = nr ? sum : -1;
            if (!nr)
                set_text(tr->rate_text, sizeof tr->rate_text, "none");
        }

        /* SCT on CV + duty + trade remedy; the bracket by the item's declared attribute when the
         * line's rows depend on one (engine_cc, seats, ...) */
        {
            tax_tables_sct_match m;
            const tax_tables_sct *s;
            tax_tables_find_sct(tt, it->hs_code, it, date, &m);
            if (m.status != TAX_TABLES_SCT_OK) {
                sct_attr_error(&m, it, i, date, e);
                continue;
            }
            s = m.row;
            if (s) {
                sct->base = cv + id->amount + tr->amount;
                sct->pct = s->pct;
                sct->amount = decimal_round_div((__int128)sct->base * s->pct, 10000);
                pct_text(s->pct, sct->rate_text, sizeof sct->rate_text);
                set_text(sct->legal_ref, sizeof sct->legal_ref, s->legal_ref);
                if (s->attr != SCT_ATTR_NONE) {
                    char val[48], br[64];
                    tax_tables_sct_attr_value_text(s->attr, tax_tables_sct_attr_value(it, s->attr),
                                                   val, sizeof val);
                    tax_tables_sct_bracket_text(s->attr, s->amin, s->amax, br, sizeof br);
                    add_note(sct, "%s %s: %s bracket", sct_attr_label(s->attr), val, br);
                }
                add_note(sct, "%s", s->desc);
            } else {
                set_text(sct->rate_text, sizeof sct->rate_text, "not subject");
            }
        }

        /* EPT = quantity x amount per unit */
        {
            const tax_tables_ept *p = tax_tables_find_ept(tt, it->hs_code, date);
            if (p) {
                char num[32], pp[128];
                if (strcasecmp(p->unit, it->unit) != 0) {
                    snprintf(pp, sizeof pp, "%s/unit", path);
                    errs_add(e, "ept_unit_mismatch", pp,
                             "environmental protection tax on %s is per %s: declare the quantity "
                             "in %s (got '%s')",
                             it->hs_code, p->unit, p->unit, it->unit);
                    continue;
                }
                ept->amount =
                    decimal_round_div((__int128)it->quantity * p->amount, (__int128)100000000);
                decimal_format(p->amount, DECIMAL_SCALE_AMOUNT, num, sizeof num);
                snprintf(ept->rate_text, sizeof ept->rate_text, "%s VND/%s", num, p->unit);
                set_text(ept->legal_ref, sizeof ept->legal_ref, p->legal_ref);
                set_text(ept->note, sizeof ept->note, p->desc);
            } else {
                set_text(ept->rate_text, sizeof ept->rate_text, "not subject");
            }
        }

        /* VAT on CV + duty + trade remedy + SCT + EPT */
        {
            const tax_tables_vat *v = tax_tables_find_vat(tt, it->hs_code, date);
            int32_t pct = v ? v->pct : 1000;
            const char *xref = NULL;
            vat->base = cv + id->amount + tr->amount + sct->amount + ept->amount;
            set_text(vat->legal_ref, sizeof vat->legal_ref,
                     v ? v->legal_ref : "VAT Law 48/2024/QH15 Art. 9 (standard rate 10%)");
            if (pct < 0) {
                vat->base = 0;
                vat->pct = -1;
                set_text(vat->rate_text, sizeof vat->rate_text, "exempt");
                set_text(vat->note, sizeof vat->note, v->desc);
            } else {
                if (pct == 1000) {
                    const tax_tables_vat *red =
                        tax_tables_find_vat_reduction(tt, it->hs_code, date, &xref);
                    if (red && !xref) {
                        pct = red->pct;
                        set_text(vat->legal_ref, sizeof vat->legal_ref, red->legal_ref);
                        add_note(vat, "temporary reduction from 10%%");
                    } else if (red) {
                        add_note(vat, "excluded from the temporary reduction (%s)", xref);
                    }
                }
                vat->pct = pct;
                vat->amount = decimal_round_div((__int128)vat->base * pct, 10000);
                pct_text(pct, vat->rate_text, sizeof vat->rate_text);
            }
        }
    }
    if (e->n > nerr) {
        out->n_items = 0;
        return -1;
    }
    for (int i = 0; i < n; i++) {
        tax_item_result *r = &out->items[i];
        r->total = 0;
        for (int k = 0; k < TAX_KINDS; k++) {
            r->total += r->t[k].amount;
            out->totals[k] += r->t[k].amount;
        }
        out->customs_value += r->customs_value;
        out->total += r->total;
    }
    return 0;
}
