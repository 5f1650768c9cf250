/* The customs declaration as the core sees it: decoded from JSON (later WCO-DM XML or EDIFACT)
 * by codec/, checked, assessed and classified by core/, stored by store/.
 *
 * Money and quantities are fixed-point integers (util/decimal.h), never floating point.
 * Strings are NUL-terminated, bounded by their array sizes (codec/ rejects longer input).
 */
#ifndef ECUSTOMS_CORE_DECL_H
#define ECUSTOMS_CORE_DECL_H

#include <stdint.h>

#include "util/date.h"

#define DECL_MAX_ITEMS 999 /* VNACCS stops at 50 lines; we lift it */
#define DECL_MAX_BL 20
#define DECL_MAX_CONTAINERS 500
#define DECL_MAX_PERMITS 8

typedef enum decl_kind { DECL_IMPORT = 1, DECL_EXPORT = 2 } decl_kind;

typedef enum decl_status {
    ST_PROVISIONAL = 1, /* IDA stored, taxes computed, modifiable for 7 days */
    ST_REGISTERED,      /* IDC: number and channel assigned */
    ST_DOC_CHECK,       /* yellow/red: an officer has started the document check */
    ST_INSPECTION,      /* red: documents passed, physical inspection pending */
    ST_CLEARED,         /* officer (or automatic green) clearance */
    ST_PASSED,          /* goods passed the supervision area */
    ST_CANCELLED,       /* cancelled on request */
    ST_INVALIDATED,     /* automatically invalidated after 15 days incomplete */
    ST_EXPIRED,         /* provisional data not registered within 7 days */
    ST_REJECTED,        /* goods refused by the officer */
    ST_CHECKED,         /* checks complete (documents, inspection): awaiting clearance */
} decl_status;

typedef enum decl_channel { CH_NONE = 0, CH_GREEN = 1, CH_YELLOW = 2, CH_RED = 3 } decl_channel;

typedef struct decl_party {
    char tax_code[14]; /* 10 or 13 digits for Vietnamese enterprises, may be empty abroad */
    char name[256];
    char address[256];
    char country[3]; /* ISO 3166 alpha-2 */
} decl_party;

typedef struct decl_item {
    char hs_code[9]; /* 8 digits */
    uint32_t hs8;
    char description[512];
    char origin[3];        /* ISO 3166 alpha-2 */
    int64_t quantity;      /* DECIMAL_SCALE_QTY */
    char unit[8];          /* UN/ECE rec. 20 style unit code: KGM, LTR, PCE, C62, ... */
    int64_t unit_price;    /* DECIMAL_SCALE_AMOUNT, invoice currency */
    int64_t value;         /* DECIMAL_SCALE_AMOUNT, invoice currency */
    int64_t net_weight_kg; /* DECIMAL_SCALE_QTY, optional (0): used to allocate freight by weight */
    /* Optional facts that select the special consumption tax bracket when the 8-digit line does
     * not (docs/tax.md, SCT); each -1 when absent. */
    int64_t alcohol_pct;   /* % vol, DECIMAL_SCALE_PCT (2 decimals): wine/spirits */
    int64_t engine_cc;     /* cylinder capacity, whole cc: cars, pick-ups, motorcycles */
    int64_t seats;         /* seating capacity including the driver: vehicles of 8702 */
    int64_t btu;           /* cooling capacity, whole BTU/h: air conditioners */
    int64_t sugar_g_100ml; /* sugar content, g per 100 ml, 2 decimals (DECIMAL_SCALE_PCT): drinks */
    char producer[128];    /* optional: manufacturer, for producer-specific trade remedies */
    /* Facts that decide the bans (data/tariff/SOURCE.md, "Bans"); "" when not declared. Asked for
     * only when a ban on the item's line depends on them. */
    char condition[16];     /* "new" | "used" */
    char cas_number[16];    /* CAS Registry Number of a chemical, check digit verified */
    char timber_origin[16]; /* "natural_forest" | "plantation" | "imported" */
    char co_form[16];       /* certificate of origin claimed: form ("E", "D", "EUR.1") */
    char co_number[48];
    int n_permits;
    char permits[DECL_MAX_PERMITS][48];
} decl_item;

typedef struct decl_invoice {
    char number[48];
    date_ymd date;
    char currency[4];
    char incoterm[4];
    int64_t total;            /* DECIMAL_SCALE_AMOUNT */
    int64_t freight;          /* DECIMAL_SCALE_AMOUNT, in freight_currency */
    char freight_currency[4]; /* defaults to the invoice currency */
    int64_t insurance;        /* DECIMAL_SCALE_AMOUNT, in insurance_currency */
    char insurance_currency[4];
    char allocation[8]; /* "value" (default) or "weight": how header freight/insurance is spread */
} decl_invoice;

typedef struct decl_transport {
    int mode; /* VNACCS MTC: 1 air, 2 sea container, 3 sea bulk, 4 road, 5 rail, 6 inland waterway,
                 9 other */
    int n_bl;
    char bills_of_lading[DECL_MAX_BL][36];
    char port_of_loading[6]; /* UN/LOCODE */
    char port_of_discharge[6];
    date_ymd arrival_date;
    char vessel[64];
    int n_containers;
    char (*containers)[12]; /* ISO 6346, heap array of n_containers */
} decl_transport;

typedef struct decl {
    decl_kind kind;
    char type_code[4];      /* Decision 1357/QD-TCHQ, e.g. A11 */
    char customs_office[9]; /* customs sub-department code */
    char declarant[14];     /* tax code of the declarant (broker or the enterprise itself) */
    decl_party importer;
    decl_party exporter;
    decl_transport transport;
    int64_t packages_count;
    char packages_unit[8];
    int64_t gross_weight_kg; /* DECIMAL_SCALE_QTY */
    decl_invoice invoice;
    int n_items;
    decl_item *items; /* heap array of n_items */
} decl;

/* Marks every optional SCT attribute of it as absent (-1). */
static inline void decl_item_attrs_none(decl_item *it)
{
    it->alcohol_pct = it->engine_cc = it->seats = it->btu = it->sugar_g_100ml = -1;
}

/* Frees the heap arrays of d (not d itself). Accepts NULL. */
void decl_release(decl *d);

/* The Vietnamese enterprise responsible for the declaration: importer for imports, exporter
 * for exports (the parties swap roles). */
const decl_party *decl_vn_party(const decl *d);

const char *decl_status_name(decl_status s);
int decl_status_from_name(const char *name); /* -1 if unknown */
const char *decl_channel_name(decl_channel c);

#endif
