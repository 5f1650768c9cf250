#include "core/risk_features.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strmap.h"

/* What the history knows of one key (an importer, an HS6 code, an importer x HS6 pair, ...). */
typedef struct key_stat {
    uint32_t seen;     /* items registered */
    uint32_t labelled; /* items whose declaration has a known outcome */
    uint32_t violations;
    uint32_t critical;
    int32_t last_day; /* day (unix / 86400) last registered */
    uint32_t n_uv;    /* log unit values (value per kg) seen, for the HS keys */
    double sum_uv, sum_uv2;
} key_stat;

struct risk_history {
    strmap keys;
    key_stat *stats;
    size_t cap;
    uint64_t labelled, violations; /* over all keys: the prior of the smoothed rates */
};

/* ---- the keys ------------------------------------------------------------------------------ */

enum {
    K_IMPORTER,
    K_DECLARANT,
    K_SELLER,
    K_COURIER,
    K_OFFICE,
    K_TYPE,
    K_PROCEDURE,
    K_USE,
    K_PAYMENT,
    K_TAX_TYPE,
    K_ORIGIN_IND,
    K_TRANSPORT,
    K_HS6,
    K_HS4,
    K_HS2,
    K_ORIGIN,
    K_DEPARTURE,
    K_IMPORTER_HS6,
    K_IMPORTER_DECLARANT,
    K_IMPORTER_SELLER,
    K_IMPORTER_ORIGIN,
    K_DECLARANT_HS6,
    K_HS6_ORIGIN,
    K_SELLER_HS6,
    K_OFFICE_HS6,
    K_COUNT
};
_Static_assert(K_COUNT == RISK_N_KEYS, "RISK_N_KEYS must match the key list");

/* one X per key, several to a line (clang-format 14 re-indents such a macro on every pass) */
// clang-format off
#define KEY_NAMES(X)                                                                               \
    X(importer) X(declarant) X(seller) X(courier) X(office) X(type_code) X(procedure)              \
    X(use_code) X(payment_type) X(tax_type) X(origin_indicator) X(transport_mode) X(hs6) X(hs4)    \
    X(hs2) X(origin) X(departure) X(importer_hs6) X(importer_declarant) X(importer_seller)         \
    X(importer_origin) X(declarant_hs6) X(hs6_origin) X(seller_hs6) X(office_hs6)
// clang-format on
#define KEY_FEATURES(k) #k ".seen", #k ".labelled", #k ".rate", #k ".days_since",

const char *const risk_feature_names[RISK_N_FEATURES] = {
    KEY_NAMES(KEY_FEATURES) "value.log",
    "net_mass_kg.log",
    "value_per_kg.log",
    "value_per_kg.z_hs6",
    "value_per_kg.z_hs4",
    "tax_rate_pct",
    "origin_differs_from_departure",
    "seller_missing",
    "courier_present",
    "aeo",
    "compliance",
    "hs_chapter",
    "transport_mode_code",
    "weekday",
};

/* Prior weight of the smoothed violation rate: a key with few outcomes stays near the overall
 * rate (m-estimate), so one unlucky inspection does not brand a new importer. */
#define RATE_PRIOR_WEIGHT 10.0

/* Appends src to buf at *at (bounded); 0 when it does not fit. */
static int append(char *buf, size_t size, size_t *at, const char *src)
{
    size_t n = strlen(src);
    if (*at + n >= size)
        return 0;
    memcpy(buf + *at, src, n);
    *at += n;
    return 1;
}

/* Builds the key text of kind k into buf ("" parts allowed, but an all-empty key is skipped:
 * returns 0). The kind is the first byte so kinds never collide. Hand-built rather than with
 * snprintf: this runs 25 times per item scored (docs/performance.md). */
static size_t key_text(const risk_fact *f, int k, char *buf, size_t size)
{
    char hs6[7] = "", hs4[5] = "", hs2[3] = "", mode[12] = "";
    size_t hl = strlen(f->hs);
    if (hl >= 6)
        memcpy(hs6, f->hs, 6), hs6[6] = 0;
    if (hl >= 4)
        memcpy(hs4, f->hs, 4), hs4[4] = 0;
    if (hl >= 2)
        memcpy(hs2, f->hs, 2), hs2[2] = 0;
    if (f->transport_mode > 0 && f->transport_mode < 100) {
        int m = f->transport_mode, i = 0;
        if (m >= 10)
            mode[i++] = (char)('0' + m / 10);
        mode[i++] = (char)('0' + m % 10);
        mode[i] = 0;
    }
    const char *a = NULL, *b = NULL;
    switch (k) {
    case K_IMPORTER: a = f->importer; break;
    case K_DECLARANT: a = f->declarant; break;
    case K_SELLER: a = f->seller; break;
    case K_COURIER: a = f->courier; break;
    case K_OFFICE: a = f->office; break;
    case K_TYPE: a = f->type_code; break;
    case K_PROCEDURE: a = f->procedure; break;
    case K_USE: a = f->use_code; break;
    case K_PAYMENT: a = f->payment_type; break;
    case K_TAX_TYPE: a = f->tax_type; break;
    case K_ORIGIN_IND: a = f->origin_indicator; break;
    case K_TRANSPORT: a = mode; break;
    case K_HS6: a = hs6; break;
    case K_HS4: a = hs4; break;
    case K_HS2: a = hs2; break;
    case K_ORIGIN: a = f->origin; break;
    case K_DEPARTURE: a = f->departure; break;
    case K_IMPORTER_HS6: a = f->importer, b = hs6; break;
    case K_IMPORTER_DECLARANT: a = f->importer, b = f->declarant; break;
    case K_IMPORTER_SELLER: a = f->importer, b = f->seller; break;
    case K_IMPORTER_ORIGIN: a = f->importer, b = f->origin; break;
    case K_DECLARANT_HS6: a = f->declarant, b = hs6; break;
    case K_HS6_ORIGIN: a = hs6, b = f->origin; break;
    case K_SELLER_HS6: a = f->seller, b = hs6; break;
    case K_OFFICE_HS6: a = f->office, b = hs6; break;
    default: return 0;
    }
    if (!*a || (b && !*b) || size < 2)
        return 0;
    size_t at = 1;
    buf[0] = (char)('A' + k);
    if (!append(buf, size, &at, a) ||
        (b && (!append(buf, size, &at, "\x1f") || !append(buf, size, &at, b))))
        return 0;
    buf[at] = 0;
    return at;
}

#define KEY_BUF 160

/* log(value per kg), or NaN when the mass is unknown */
static double log_unit_value(const risk_fact *f)
{
    if (f->net_mass_g <= 0 || f->value <= 0)
        return NAN;
    return log((double)f->value / ((double)f->net_mass_g / 1000.0));
}

/* ---- history ------------------------------------------------------------------------------- */

risk_history *risk_history_new(void)
{
    risk_history *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    if (strmap_init(&h->keys, 1024) != 0) {
        free(h);
        return NULL;
    }
    return h;
}

void risk_history_free(risk_history *h)
{
    if (!h)
        return;
    strmap_free(&h->keys);
    free(h->stats);
    free(h);
}

size_t risk_history_size(const risk_history *h) { return h->keys.count; }

static const key_stat *find_stat(const risk_history *h, const risk_fact *f, int k)
{
    char buf[KEY_BUF];
    size_t n = key_text(f, k, buf, sizeof buf);
    if (!n)
        return NULL;
    int32_t i = strmap_find(&h->keys, buf, n);
    return i < 0 ? NULL : &h->stats[i];
}

/* The statistics of every key of f, created when new; NULL where f has no such key.
 * 0, or -1 when memory runs out. */
static int intern_stats(risk_history *h, const risk_fact *f, key_stat *out[K_COUNT])
{
    int32_t idx[K_COUNT];
    for (int k = 0; k < K_COUNT; k++) {
        char buf[KEY_BUF];
        size_t n = key_text(f, k, buf, sizeof buf);
        int created;
        idx[k] = -1;
        if (!n)
            continue;
        if (h->keys.count >= h->cap) { /* make room first so a failed grow leaves no index behind */
            size_t cap = h->cap ? h->cap * 2 : 1024;
            key_stat *st = realloc(h->stats, cap * sizeof *st);
            if (!st)
                return -1;
            h->stats = st;
            h->cap = cap;
        }
        if ((idx[k] = strmap_intern(&h->keys, buf, n, &created)) < 0)
            return -1;
        if (created)
            h->stats[idx[k]] = (key_stat){.last_day = INT32_MIN};
    }
    /* pointers only once every key is in: stats may have moved while growing */
    for (int k = 0; k < K_COUNT; k++)
        out[k] = idx[k] < 0 ? NULL : &h->stats[idx[k]];
    return 0;
}

int risk_history_register(risk_history *h, const risk_fact *f)
{
    key_stat *st[K_COUNT];
    if (intern_stats(h, f, st) != 0)
        return -1;
    double luv = log_unit_value(f);
    int32_t day = (int32_t)(f->registered_at / 86400);
    for (int k = 0; k < K_COUNT; k++) {
        key_stat *s = st[k];
        if (!s)
            continue;
        s->seen++;
        if (day > s->last_day)
            s->last_day = day;
        if ((k == K_HS6 || k == K_HS4) && !isnan(luv)) {
            s->n_uv++;
            s->sum_uv += luv;
            s->sum_uv2 += luv * luv;
        }
    }
    return 0;
}

int risk_history_outcome(risk_history *h, const risk_fact *f, int violation, int critical)
{
    key_stat *st[K_COUNT];
    if (intern_stats(h, f, st) != 0)
        return -1;
    for (int k = 0; k < K_COUNT; k++) {
        if (!st[k])
            continue;
        st[k]->labelled++;
        st[k]->violations += violation != 0;
        st[k]->critical += critical != 0;
    }
    h->labelled++;
    h->violations += violation != 0;
    return 0;
}

/* ---- features ------------------------------------------------------------------------------ */

static float z_score(const key_stat *s, double x)
{
    if (!s || s->n_uv < 3 || isnan(x))
        return NAN;
    double mean = s->sum_uv / s->n_uv;
    double var = s->sum_uv2 / s->n_uv - mean * mean;
    return (float)((x - mean) / (sqrt(var > 0 ? var : 0) + 1e-6));
}

void risk_features(const risk_history *h, const risk_fact *f, float out[RISK_N_FEATURES])
{
    double prior = ((double)h->violations + 1.0) / ((double)h->labelled + 2.0);
    int32_t day = (int32_t)(f->registered_at / 86400);
    const key_stat *hs6 = NULL, *hs4 = NULL;
    for (int k = 0; k < K_COUNT; k++) {
        const key_stat *s = find_stat(h, f, k);
        float *o = out + k * RISK_PER_KEY;
        if (k == K_HS6)
            hs6 = s;
        if (k == K_HS4)
            hs4 = s;
        o[0] = s ? (float)s->seen : 0.0f;
        o[1] = s ? (float)s->labelled : 0.0f;
        o[2] = (float)(((s ? s->violations : 0) + RATE_PRIOR_WEIGHT * prior) /
                       ((s ? s->labelled : 0) + RATE_PRIOR_WEIGHT));
        o[3] = s && s->last_day != INT32_MIN ? (float)(day - s->last_day) : NAN;
    }
    float *n = out + RISK_N_KEYS * RISK_PER_KEY;
    double luv = log_unit_value(f);
    n[0] = f->value > 0 ? (float)log1p((double)f->value) : NAN;
    n[1] = f->net_mass_g > 0 ? (float)log1p((double)f->net_mass_g / 1000.0) : NAN;
    n[2] = (float)luv;
    n[3] = z_score(hs6, luv);
    n[4] = z_score(hs4, luv);
    n[5] = (float)f->tax_rate_bp / 100.0f;
    n[6] = f->origin[0] && f->departure[0] ? (float)(strcmp(f->origin, f->departure) != 0) : NAN;
    n[7] = (float)(f->seller[0] == 0);
    n[8] = (float)(f->courier[0] != 0);
    n[9] = (float)(f->aeo != 0);
    n[10] = f->compliance ? (float)f->compliance : NAN;
    n[11] = strlen(f->hs) >= 2 ? (float)((f->hs[0] - '0') * 10 + (f->hs[1] - '0')) : NAN;
    n[12] = f->transport_mode ? (float)f->transport_mode : NAN;
    n[13] = (float)((day % 7 + 3) % 7); /* 1970-01-01 was a Thursday: 0 = Monday */
}

/* ---- replay -------------------------------------------------------------------------------- */

int risk_replay(risk_history *h, const risk_fact *facts, size_t n_facts,
                const risk_outcome *outcomes, size_t n_outcomes, risk_replay_fn fn, void *ctx)
{
    size_t o = 0;
    for (size_t i = 0; i < n_facts;) {
        size_t n = 1;
        while (i + n < n_facts && strcmp(facts[i + n].decl_id, facts[i].decl_id) == 0)
            n++;
        for (; o < n_outcomes && outcomes[o].at < facts[i].registered_at; o++) {
            const risk_outcome *x = &outcomes[o];
            if (x->fact >= 0 && (size_t)x->fact < n_facts &&
                risk_history_outcome(h, &facts[x->fact], x->violation, x->critical) != 0)
                return -1;
        }
        if (fn)
            fn(ctx, h, facts, i, n);
        for (size_t j = 0; j < n; j++)
            if (risk_history_register(h, &facts[i + j]) != 0)
                return -1;
        i += n;
    }
    for (; o < n_outcomes; o++) {
        const risk_outcome *x = &outcomes[o];
        if (x->fact >= 0 && (size_t)x->fact < n_facts &&
            risk_history_outcome(h, &facts[x->fact], x->violation, x->critical) != 0)
            return -1;
    }
    return 0;
}
