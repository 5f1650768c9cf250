/* The national tariff: 8-digit AHTN 2022 lines with their duty rates and the specialised
 * procedures each line requires, loaded once from data/tariff/ and then read-only (shared by
 * all threads without locks).
 *
 * Contract used by the tax engine (core/tax.c), the HTTP API and the CLI. The internal layout
 * (rate pool, index) is private to core/tariff*.c.
 */
#ifndef ECUSTOMS_CORE_TARIFF_H
#define ECUSTOMS_CORE_TARIFF_H

#include <stddef.h>
#include <stdint.h>

#include "util/date.h"
#include "util/errs.h"

/* Preferential schedules in the column order of the source file. */
typedef enum tariff_fta {
    FTA_ACFTA,
    FTA_ATIGA,
    FTA_AJCEP,
    FTA_VJEPA,
    FTA_AKFTA,
    FTA_AANZFTA,
    FTA_AIFTA,
    FTA_VKFTA,
    FTA_VCFTA,
    FTA_VN_EAEU,
    FTA_CPTPP,
    FTA_AHKFTA,
    FTA_EVFTA,
    FTA_UKVFTA,
    FTA_VIFTA,
    FTA_RCEP_A,
    FTA_RCEP_B,
    FTA_RCEP_C,
    FTA_RCEP_D,
    FTA_RCEP_E,
    FTA_RCEP_F,
    FTA_COUNT
} tariff_fta;

typedef enum tariff_rate_kind {
    RATE_NONE = 0,   /* empty cell: the line has no rate in this schedule */
    RATE_EXCLUDED,   /* "*": excluded from the agreement's concessions */
    RATE_AD_VALOREM, /* percent of customs value */
    RATE_SPECIFIC,   /* amount per unit (e.g. USD per used car) */
    RATE_MIXED,      /* ad valorem part + specific part */
    RATE_QUOTA,      /* "Q": only within a tariff quota administered outside this file */
    RATE_REFERENCE,  /* "per Chapter 98 guidance": resolved through another table */
} tariff_rate_kind;

#define TARIFF_MAX_EXCLUDED 16
#define TARIFF_MAX_OVERRIDES 4
#define TARIFF_MAX_ALTERNATIVES 4

typedef struct tariff_rate_override {
    char country[3]; /* ISO 3166 alpha-2 of the importing/exporting party it applies to */
    int32_t pct;     /* DECIMAL_SCALE_PCT */
} tariff_rate_override;

/* One parsed rate cell. */
typedef struct tariff_rate {
    uint8_t kind;              /* tariff_rate_kind */
    int32_t pct;               /* ad valorem rate, DECIMAL_SCALE_PCT (12.5 % = 1250) */
    int64_t specific_amount;   /* DECIMAL_SCALE_AMOUNT, per specific_unit */
    char specific_currency[4]; /* "USD", "VND" */
    char specific_unit[8];     /* "unit", "kg", ... */
    uint8_t n_excluded;        /* exporting countries not entitled: "0 (-KH, LA)" */
    char excluded[TARIFF_MAX_EXCLUDED][3];
    uint8_t n_overrides; /* "15; M: 18": another rate for one party */
    tariff_rate_override overrides[TARIFF_MAX_OVERRIDES];
    int32_t out_of_quota_pct; /* "(NHN: 80)"; -1 when none */
    uint8_t n_alternatives;   /* "0/5": the source splits the line; see docs/tax.md */
    int32_t alternatives[TARIFF_MAX_ALTERNATIVES];
    const char *text; /* canonical text of the cell, for display */
    /* Added by the tax engine (additive, see docs/tax.md): */
    uint8_t gic;         /* "(GIC)": also granted to Gaeseong Industrial Complex goods (AKFTA) */
    uint16_t of_mfn_pct; /* "150% thuế MFN": this rate = of_mfn_pct % of the MFN rate
                          * (resolved by tariff_load; 0 = not relative) */
    char ref[32];        /* RATE_REFERENCE key, e.g. "98:1.1", "98:2.2/b.5.3,b.5.4" */
} tariff_rate;

#define TARIFF_ALT_EXCLUDED (-1) /* an alternative that is "*" */

typedef struct tariff_procedure {
    const char *name;      /* Vietnamese text of the procedure */
    const char *legal_ref; /* e.g. "01/2024/TT-BNNPTNT M1" */
    const char *agency;    /* responsible ministry code derived from the legal reference */
    const char *stage;     /* added: "before_registration", "before_clearance", "after_clearance",
                            * "prohibited", "info" (rule in data/tariff/SOURCE.md) */
    const char *direction; /* "import", "export" or "both": the trade the text names */
    const char *condition; /* when it applies ("" always; data/tariff/SOURCE.md, "Bans"):
                            * "used", "timber_origin:natural_forest", "cas:LIST",
                            * "type_code:G11,G21", "listed" (a list by description: not decided
                            * from declared facts) */
} tariff_procedure;

/* 1 when procedure p concerns a declaration of kind (DECL_IMPORT/DECL_EXPORT as int). */
int tariff_procedure_applies(const tariff_procedure *p, int export_kind);

typedef struct tariff_line {
    uint32_t hs8; /* 85171300 */
    const char *desc_vn;
    const char *desc_en;
    const tariff_rate *standard; /* "ordinary" rate (normally 150 % of MFN) */
    const tariff_rate *mfn;      /* preferential (MFN) rate */
    const tariff_rate *fta[FTA_COUNT];
    uint16_t n_procedures;
    const tariff_procedure *procedures;
} tariff_line;

typedef struct tariff tariff; /* opaque */

/* Loads the compact tariff from dir (normally ECUSTOMS_DATA_DIR "/tariff"). On failure returns
 * a negative value and describes every problem in e. */
int tariff_load(const char *dir, tariff **out, errs *e);
void tariff_free(tariff *t);

/* Lookup by 8-digit code; NULL if the code is not a dutiable line. O(log n), no allocation. */
const tariff_line *tariff_find(const tariff *t, uint32_t hs8);
size_t tariff_count(const tariff *t);
const tariff_line *tariff_at(const tariff *t, size_t i); /* lines in code order */

/* Up to max codes nearest to hs8 (same heading first), for "did you mean" answers. */
size_t tariff_nearest(const tariff *t, uint32_t hs8, const tariff_line **out, size_t max);

/* Whether CAS number cas is on ban list `list` (data/tariff/ban_lists.tsv): 1 listed (*name set
 * when name is not NULL), 0 not listed, -1 the list is not shipped (nothing can be decided). */
int tariff_ban_listed(const tariff *t, const char *list, const char *cas, const char **name);

/* Case-insensitive substring search in both descriptions (UTF-8 aware for ASCII letters). */
size_t tariff_search(const tariff *t, const char *text, const tariff_line **out, size_t max);

const char *tariff_fta_name(tariff_fta f); /* "ACFTA", ..., "RCEP_A" */

/* Parses one rate cell in any form the source file uses. Strings referenced by the result
 * (text) are NOT set here; returns 0 or -1 with a reason in why (size >= 128). */
int tariff_rate_parse(const char *cell, tariff_rate *out, char *why, size_t why_size);

/* Added: writes the canonical text of r (parsed back by tariff_rate_parse to the same value).
 * Returns the length, or -1 if buf is too small. */
int tariff_rate_format(const tariff_rate *r, char *buf, size_t size);

/* Added: the 2-letter code of an override letter used in a cell ("M" -> "MX"); NULL if unknown. */
const char *tariff_override_country(const char *letter);

/* Added: agreement column by name ("ACFTA", "RCEP_A"); -1 if unknown. */
int tariff_fta_from_name(const char *name);

/* Added: information about a reference cell resolved through data/tariff/chapter98_specific.tsv;
 * NULL when ref is not in that table. */
typedef struct tariff_reference {
    const char *ref;  /* key, e.g. "98:1.1" */
    const char *rate; /* canonical rate text, "" when the rate must be entered manually */
    const char *legal_ref;
    const char *note;
} tariff_reference;
const tariff_reference *tariff_reference_find(const tariff *t, const char *ref);

/* Added: bytes held by the loaded tariff (for docs/performance.md). */
size_t tariff_memory(const tariff *t);

#endif
