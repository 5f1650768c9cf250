/* Loader and lookup of the compact tariff (data/tariff/ TSV files, written by `ecustoms tariff
 * import`).
 *
 * Layout: each file is read into one buffer whose tabs/newlines are replaced by NULs, so every
 * string of a line points into it (no per-string allocation). The ~12,000 lines reference a pool
 * of distinct parsed rate cells (~800), deduplicated by canonical text at load. A separate
 * sorted uint32 key array makes tariff_find a cache-friendly binary search. Nothing is mutated
 * after tariff_load returns, so concurrent readers need no locks.
 */
#include "core/tariff.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/decimal.h"
#include "util/file.h"

struct tariff {
    char *bufs[3];
    uint32_t *keys;
    tariff_line *lines;
    size_t n;
    tariff_rate *pool;
    size_t npool;
    tariff_procedure *procs;
    size_t nprocs;
    tariff_reference *refs;
    size_t nrefs;
    char *ban_buf; /* ban_lists.tsv (optional): list, CAS number, name per row */
    const char *(*bans)[3];
    size_t nbans;
    size_t mem;
};

static const char *const fta_names[FTA_COUNT] = {
    "ACFTA", "ATIGA",  "AJCEP",   "VJEPA",  "AKFTA",  "AANZFTA", "AIFTA",
    "VKFTA", "VCFTA",  "VN_EAEU", "CPTPP",  "AHKFTA", "EVFTA",   "UKVFTA",
    "VIFTA", "RCEP_A", "RCEP_B",  "RCEP_C", "RCEP_D", "RCEP_E",  "RCEP_F",
};

const char *tariff_fta_name(tariff_fta f) { return (unsigned)f < FTA_COUNT ? fta_names[f] : "?"; }

int tariff_fta_from_name(const char *name)
{
    for (int i = 0; i < FTA_COUNT; i++)
        if (strcmp(fta_names[i], name) == 0)
            return i;
    return -1;
}

/* Splits the next line at *pp into at most max fields (in place). Returns the field count, 0 at
 * end of buffer; comment and empty lines yield -1. */
static int next_row(char **pp, char **f, int max)
{
    char *p = *pp, *eol;
    int n = 0;
    if (!*p)
        return 0;
    eol = strchr(p, '\n');
    if (eol) {
        *eol = '\0';
        *pp = eol + 1;
    } else {
        *pp = p + strlen(p);
    }
    if (eol && eol > p && eol[-1] == '\r')
        eol[-1] = '\0';
    if (*p == '#' || *p == '\0')
        return -1;
    f[n++] = p;
    for (; *p; p++) {
        if (*p == '\t') {
            *p = '\0';
            if (n < max)
                f[n++] = p + 1;
            else
                return max + 1; /* too many fields */
        }
    }
    return n;
}

static int parse_hs8(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    int i;
    for (i = 0; i < 8; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    if (s[8])
        return -1;
    *out = v;
    return 0;
}

/* Open-addressing table from canonical text to pool index, used only during the load. */
typedef struct {
    const char **text;
    uint32_t *idx;
    size_t cap;
} text_map;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

typedef struct {
    tariff_rate *v;
    size_t n, cap;
    text_map map;
} pool_builder;

/* Returns the pool index of text, parsing it on first sight; -1 on a bad cell (reported). */
static long pool_intern(pool_builder *pb, const char *text, errs *e, const char *path)
{
    uint64_t h = hash_str(text);
    size_t i = (size_t)h & (pb->map.cap - 1);
    char why[160];
    while (pb->map.text[i]) {
        if (strcmp(pb->map.text[i], text) == 0)
            return pb->map.idx[i];
        i = (i + 1) & (pb->map.cap - 1);
    }
    if (pb->n == pb->cap) {
        size_t nc = pb->cap ? pb->cap * 2 : 1024;
        tariff_rate *nv = realloc(pb->v, nc * sizeof *nv);
        if (!nv)
            return errs_add(e, "out_of_memory", path, "rate pool");
        pb->v = nv;
        pb->cap = nc;
    }
    if (tariff_rate_parse(text, &pb->v[pb->n], why, sizeof why) < 0) {
        errs_add(e, "rate_cell", path, "cannot interpret rate '%.60s': %.100s", text, why);
        return -1;
    }
    pb->v[pb->n].text = text;
    pb->map.text[i] = text;
    pb->map.idx[i] = (uint32_t)pb->n;
    return (long)pb->n++;
}

/* A resolved copy of the MFN rate scaled by pct_of (150 for "150% thuế MFN"). */
static void scale_rate(tariff_rate *dst, const tariff_rate *mfn, const tariff_rate *rel)
{
    unsigned f = rel->of_mfn_pct;
    const char *text = rel->text;
    *dst = *mfn;
    dst->of_mfn_pct = (uint16_t)f;
    dst->text = text;
    if (mfn->kind == RATE_AD_VALOREM || mfn->kind == RATE_MIXED || mfn->kind == RATE_EXCLUDED)
        dst->pct = (int32_t)decimal_round_div((__int128)mfn->pct * f, 100);
    if (mfn->kind == RATE_SPECIFIC || mfn->kind == RATE_MIXED)
        dst->specific_amount = decimal_round_div((__int128)mfn->specific_amount * f, 100);
    for (int i = 0; i < mfn->n_alternatives; i++)
        if (mfn->alternatives[i] != TARIFF_ALT_EXCLUDED)
            dst->alternatives[i] =
                (int32_t)decimal_round_div((__int128)mfn->alternatives[i] * f, 100);
    if (mfn->out_of_quota_pct >= 0)
        dst->out_of_quota_pct =
            (int32_t)decimal_round_div((__int128)mfn->out_of_quota_pct * f, 100);
    if (mfn->kind == RATE_NONE)
        dst->kind = RATE_NONE;
}

static int cmp_line(const void *a, const void *b)
{
    const tariff_line *x = a, *y = b;
    return x->hs8 < y->hs8 ? -1 : x->hs8 > y->hs8;
}

static int load_refs(tariff *t, const char *dir, errs *e)
{
    char path[1024];
    size_t len;
    char *p, *f[5];
    int nf;
    size_t cap = 0;
    snprintf(path, sizeof path, "%s/chapter98_specific.tsv", dir);
    t->bufs[2] = file_read_all(path, &len);
    if (!t->bufs[2])
        return 0; /* optional: references then stay unresolved (manual rate) */
    t->mem += len + 1;
    for (p = t->bufs[2]; *p; p++)
        if (*p == '\n')
            cap++;
    t->refs = calloc(cap + 1, sizeof *t->refs);
    if (!t->refs)
        return errs_add(e, "out_of_memory", path, "references");
    t->mem += (cap + 1) * sizeof *t->refs;
    p = t->bufs[2];
    int header = 1;
    while ((nf = next_row(&p, f, 4)) != 0) {
        if (nf < 0)
            continue;
        if (header) {
            header = 0;
            continue;
        }
        if (nf != 4 || !*f[2]) {
            errs_add(e, "tariff_format", path, "reference row needs ref, rate, legal_ref, note");
            continue;
        }
        t->refs[t->nrefs++] = (tariff_reference){f[0], f[1], f[2], f[3]};
    }
    return 0;
}

const tariff_reference *tariff_reference_find(const tariff *t, const char *ref)
{
    for (size_t i = 0; i < t->nrefs; i++)
        if (strcmp(t->refs[i].ref, ref) == 0)
            return &t->refs[i];
    return NULL;
}

/* ban_lists.tsv: the substances of bans decided by CAS number. Optional (a test tariff has
 * none): without it no ban of that kind can be decided. */
static void load_ban_lists(tariff *t, const char *dir, errs *e)
{
    char path[1024], *p, *f[4];
    size_t len, cap = 0;
    int nf, header = 1;
    snprintf(path, sizeof path, "%s/ban_lists.tsv", dir);
    t->ban_buf = file_read_all(path, &len);
    if (!t->ban_buf)
        return;
    for (p = t->ban_buf; *p; p++)
        cap += *p == '\n';
    t->bans = calloc(cap + 1, sizeof *t->bans);
    if (!t->bans) {
        errs_add(e, "out_of_memory", path, "ban lists");
        return;
    }
    p = t->ban_buf;
    while ((nf = next_row(&p, f, 3)) != 0) {
        if (nf < 0)
            continue;
        if (header) {
            header = 0;
            continue;
        }
        if (nf != 3 || !*f[0] || !*f[1]) {
            errs_add(e, "tariff_format", path, "bad ban list row near '%.40s'", f[0]);
            continue;
        }
        t->bans[t->nbans][0] = f[0];
        t->bans[t->nbans][1] = f[1];
        t->bans[t->nbans][2] = f[2];
        t->nbans++;
    }
}

int tariff_ban_listed(const tariff *t, const char *list, const char *cas, const char **name)
{
    int known = 0;
    for (size_t i = 0; i < t->nbans; i++) {
        if (strcmp(t->bans[i][0], list) != 0)
            continue;
        known = 1;
        if (strcmp(t->bans[i][1], cas) == 0) {
            if (name)
                *name = t->bans[i][2];
            return 1;
        }
    }
    return known ? 0 : -1;
}

int tariff_procedure_applies(const tariff_procedure *p, int export_kind)
{
    if (!p->direction || !*p->direction || strcmp(p->direction, "both") == 0)
        return 1;
    return strcmp(p->direction, export_kind ? "export" : "import") == 0;
}

static int load_procedures(tariff *t, const char *dir, errs *e)
{
    char path[1024];
    size_t len, cap = 0, i;
    char *p, *f[8];
    int nf, header = 1;
    snprintf(path, sizeof path, "%s/procedures.tsv", dir);
    t->bufs[1] = file_read_all(path, &len);
    if (!t->bufs[1])
        return errs_add(e, "tariff_missing", path, "cannot read the procedures file");
    t->mem += len + 1;
    for (p = t->bufs[1]; *p; p++)
        if (*p == '\n')
            cap++;
    t->procs = calloc(cap + 1, sizeof *t->procs);
    uint32_t *codes = calloc(cap + 1, sizeof *codes);
    if (!t->procs || !codes) {
        free(codes);
        return errs_add(e, "out_of_memory", path, "procedures");
    }
    t->mem += (cap + 1) * sizeof *t->procs;
    p = t->bufs[1];
    while ((nf = next_row(&p, f, 7)) != 0) {
        uint32_t hs8;
        if (nf < 0)
            continue;
        if (header) {
            header = 0;
            continue;
        }
        /* 5 columns (older data files) or 7 (direction, condition) */
        if ((nf != 5 && nf != 7) || parse_hs8(f[0], &hs8) < 0) {
            errs_add(e, "tariff_format", path, "bad procedure row near '%.40s'", f[0]);
            continue;
        }
        if (t->nprocs && hs8 < codes[t->nprocs - 1]) {
            errs_add(e, "tariff_format", path, "procedures not sorted at %s", f[0]);
            continue;
        }
        codes[t->nprocs] = hs8;
        t->procs[t->nprocs++] = (tariff_procedure){
            f[1], f[2], f[3], f[4], nf == 7 ? f[5] : "import", nf == 7 ? f[6] : ""};
    }
    for (i = 0; i < t->nprocs;) {
        size_t j = i;
        tariff_line *l = (tariff_line *)tariff_find(t, codes[i]);
        while (j < t->nprocs && codes[j] == codes[i])
            j++;
        if (!l) {
            errs_add(e, "tariff_format", path, "procedure for unknown line %08u", codes[i]);
        } else {
            l->procedures = &t->procs[i];
            l->n_procedures = (uint16_t)(j - i);
        }
        i = j;
    }
    free(codes);
    return 0;
}

int tariff_load(const char *dir, tariff **out, errs *e)
{
    char path[1024];
    size_t len, cap = 0, i;
    char *p, *f[5 + FTA_COUNT + 1];
    int nf, header = 1, nerr0 = e->n;
    pool_builder pb = {0};
    uint32_t(*cells)[2 + FTA_COUNT] = NULL;
    tariff *t = calloc(1, sizeof *t);

    *out = NULL;
    if (!t)
        return errs_add(e, "out_of_memory", dir, "tariff");
    snprintf(path, sizeof path, "%s/tariff.tsv", dir);
    t->bufs[0] = file_read_all(path, &len);
    if (!t->bufs[0]) {
        free(t);
        return errs_add(e, "tariff_missing", path, "cannot read the tariff file");
    }
    t->mem = sizeof *t + len + 1;
    for (p = t->bufs[0]; *p; p++)
        if (*p == '\n')
            cap++;
    cap++;
    t->lines = calloc(cap, sizeof *t->lines);
    t->keys = calloc(cap, sizeof *t->keys);
    cells = calloc(cap, sizeof *cells);
    pb.map.cap = 4096;
    pb.map.text = calloc(pb.map.cap, sizeof *pb.map.text);
    pb.map.idx = calloc(pb.map.cap, sizeof *pb.map.idx);
    if (!t->lines || !t->keys || !cells || !pb.map.text || !pb.map.idx) {
        errs_add(e, "out_of_memory", path, "tariff lines");
        goto fail;
    }

    p = t->bufs[0];
    while ((nf = next_row(&p, f, 5 + FTA_COUNT)) != 0) {
        tariff_line *l;
        char where[64];
        if (nf < 0)
            continue;
        if (header) {
            header = 0;
            if (nf != 5 + FTA_COUNT || strcmp(f[0], "hs8") != 0)
                errs_add(e, "tariff_format", path, "unexpected header (want hs8, desc_vn, ...)");
            continue;
        }
        snprintf(where, sizeof where, "tariff.tsv:%.8s", f[0]);
        l = &t->lines[t->n];
        if (nf != 5 + FTA_COUNT || parse_hs8(f[0], &l->hs8) < 0) {
            errs_add(e, "tariff_format", where, "line has %d fields or a bad code", nf);
            continue;
        }
        l->desc_vn = f[1];
        l->desc_en = f[2];
        for (int c = 0; c < 2 + FTA_COUNT; c++) {
            /* the pool grows while loading: store indices now, pointers once it is final */
            if (pb.map.text && (pb.n + 1) * 2 > pb.map.cap) {
                /* keep the load factor below 1/2 */
                text_map nm = {calloc(pb.map.cap * 2, sizeof(char *)),
                               calloc(pb.map.cap * 2, sizeof(uint32_t)), pb.map.cap * 2};
                if (!nm.text || !nm.idx) {
                    free(nm.text);
                    free(nm.idx);
                    errs_add(e, "out_of_memory", path, "rate map");
                    goto fail;
                }
                for (size_t k = 0; k < pb.map.cap; k++)
                    if (pb.map.text[k]) {
                        size_t h = (size_t)hash_str(pb.map.text[k]) & (nm.cap - 1);
                        while (nm.text[h])
                            h = (h + 1) & (nm.cap - 1);
                        nm.text[h] = pb.map.text[k];
                        nm.idx[h] = pb.map.idx[k];
                    }
                free(pb.map.text);
                free(pb.map.idx);
                pb.map = nm;
            }
            long ix = pool_intern(&pb, f[3 + c], e, where);
            cells[t->n][c] = ix < 0 ? 0 : (uint32_t)ix;
        }
        t->n++;
    }
    if (e->n > nerr0)
        goto fail;

    /* "150% thuế MFN": one resolved pool entry per (relative cell, MFN cell) pair; at most a few
     * dozen distinct pairs, so a linear search keeps this simple. */
    {
        size_t base = pb.n;
        for (i = 0; i < t->n; i++) {
            uint32_t s = cells[i][0], m = cells[i][1];
            if (!pb.v[s].of_mfn_pct)
                continue;
            size_t k;
            for (k = base; k < pb.n; k++)
                if (pb.v[k].text == pb.v[s].text && pb.v[k].pct == (int32_t)m)
                    break; /* pct temporarily holds the MFN index, see below */
            if (k == pb.n) {
                if (pb.n == pb.cap) {
                    tariff_rate *nv = realloc(pb.v, pb.cap * 2 * sizeof *nv);
                    if (!nv) {
                        errs_add(e, "out_of_memory", path, "rate pool");
                        goto fail;
                    }
                    pb.v = nv;
                    pb.cap *= 2;
                }
                pb.v[pb.n] = pb.v[s];
                pb.v[pb.n].pct = (int32_t)m;
                pb.n++;
            }
            cells[i][0] = (uint32_t)k;
        }
        for (size_t k = base; k < pb.n; k++) {
            tariff_rate rel = pb.v[k];
            scale_rate(&pb.v[k], &pb.v[rel.pct], &rel);
        }
    }

    t->pool = pb.v;
    t->npool = pb.n;
    pb.v = NULL;
    t->mem += t->npool * sizeof *t->pool + cap * (sizeof *t->lines + sizeof *t->keys);
    for (i = 0; i < t->n; i++) {
        t->lines[i].standard = &t->pool[cells[i][0]];
        t->lines[i].mfn = &t->pool[cells[i][1]];
        for (int c = 0; c < FTA_COUNT; c++)
            t->lines[i].fta[c] = &t->pool[cells[i][2 + c]];
    }
    qsort(t->lines, t->n, sizeof *t->lines, cmp_line);
    for (i = 0; i < t->n; i++) {
        t->keys[i] = t->lines[i].hs8;
        if (i && t->keys[i] == t->keys[i - 1])
            errs_add(e, "tariff_format", path, "duplicate line %08u", t->keys[i]);
    }

    /* Chapter 98 references with a known rate become that rate (text and ref kept). */
    load_refs(t, dir, e);
    for (i = 0; i < t->npool; i++) {
        tariff_rate *r = &t->pool[i];
        const tariff_reference *ref;
        tariff_rate v;
        char why[160];
        if (r->kind != RATE_REFERENCE || !(ref = tariff_reference_find(t, r->ref)) || !*ref->rate)
            continue;
        if (tariff_rate_parse(ref->rate, &v, why, sizeof why) < 0) {
            errs_add(e, "rate_cell", "chapter98_specific.tsv", "reference %s: %s", r->ref, why);
            continue;
        }
        memcpy(v.ref, r->ref, sizeof v.ref);
        v.text = r->text;
        v.of_mfn_pct = r->of_mfn_pct;
        *r = v;
    }
    load_procedures(t, dir, e);
    load_ban_lists(t, dir, e);
    if (e->n > nerr0)
        goto fail;
    free(cells);
    free(pb.map.text);
    free(pb.map.idx);
    *out = t;
    return 0;
fail:
    free(cells);
    free(pb.map.text);
    free(pb.map.idx);
    free(pb.v);
    tariff_free(t);
    return -1;
}

void tariff_free(tariff *t)
{
    if (!t)
        return;
    for (int i = 0; i < 3; i++)
        free(t->bufs[i]);
    free(t->keys);
    free(t->lines);
    free(t->pool);
    free(t->procs);
    free(t->refs);
    free(t->ban_buf);
    free(t->bans);
    free(t);
}

static size_t lower_bound(const tariff *t, uint32_t hs8)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->keys[mid] < hs8)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const tariff_line *tariff_find(const tariff *t, uint32_t hs8)
{
    size_t i = lower_bound(t, hs8);
    return i < t->n && t->keys[i] == hs8 ? &t->lines[i] : NULL;
}

size_t tariff_count(const tariff *t) { return t->n; }

const tariff_line *tariff_at(const tariff *t, size_t i) { return i < t->n ? &t->lines[i] : NULL; }

size_t tariff_memory(const tariff *t) { return t->mem; }

/* Nearest codes: expand from the insertion point in both directions, preferring lines that share
 * the longest leading digits (same subheading, then heading), then the smaller numeric distance. */
size_t tariff_nearest(const tariff *t, uint32_t hs8, const tariff_line **out, size_t max)
{
    size_t pos = lower_bound(t, hs8), lo = pos, hi = pos, n = 0;
    while (n < max && (lo > 0 || hi < t->n)) {
        int take_lo;
        if (lo == 0)
            take_lo = 0;
        else if (hi >= t->n)
            take_lo = 1;
        else {
            uint32_t a = t->keys[lo - 1], b = t->keys[hi];
            int pa = 0, pb = 0;
            for (uint32_t d = 10000000; d >= 1 && a / d == hs8 / d; d /= 10)
                pa++;
            for (uint32_t d = 10000000; d >= 1 && b / d == hs8 / d; d /= 10)
                pb++;
            take_lo = pa != pb ? pa > pb : (hs8 - a) <= (b - hs8);
        }
        out[n++] = take_lo ? &t->lines[--lo] : &t->lines[hi++];
    }
    return n;
}

/* ASCII case-insensitive substring search; UTF-8 bytes >= 0x80 compare exactly. */
static int contains_ci(const char *hay, const char *needle, size_t nl)
{
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < nl && hay[i] &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == nl)
            return 1;
    }
    return 0;
}

size_t tariff_search(const tariff *t, const char *text, const tariff_line **out, size_t max)
{
    size_t nl = strlen(text), n = 0;
    if (nl == 0)
        return 0;
    for (size_t i = 0; i < t->n && n < max; i++)
        if (contains_ci(t->lines[i].desc_vn, text, nl) ||
            contains_ci(t->lines[i].desc_en, text, nl))
            out[n++] = &t->lines[i];
    return n;
}
