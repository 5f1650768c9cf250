#include "core/typecode.h"

#include <string.h>

/* Sources: Decision 1357/QD-TCHQ (18 May 2021). Tax treatment: Law 107/2016/QH13
 * on export and import duties, Art. 2 (goods into non-tariff zones are not subject to duty) and
 * Art. 16 (exemptions: processing, export production, temporary import for re-export, fairs,
 * re-import); VAT Law 13/2008/QH12 Art. 5(20) (goods imported for processing / export production
 * and goods into non-tariff zones are not subject to VAT). Re-export deadlines: Decree 08/2015
 * (temporary imports for fairs/exhibitions 1 year; machinery for fixed-term projects per the
 * project term; we default to 365 days where the law leaves it to the contract). */
#define L107_16 "Law 107/2016/QH13 Art. 16"
#define L107_2 "Law 107/2016/QH13 Art. 2(3)"

static const typecode codes[] = {
    /* imports (24) */
    {"A11", DECL_IMPORT, TC_TAXABLE, 0, "Import for trading or consumption", ""},
    {"A12", DECL_IMPORT, TC_TAXABLE, 0, "Import for production", ""},
    {"A21", DECL_IMPORT, TC_TAXABLE, 0, "Domestic consumption of temporarily imported goods", ""},
    {"A31", DECL_IMPORT, TC_EXEMPT, 0, "Re-import of exported goods returned", L107_16 "(8)"},
    {"A41", DECL_IMPORT, TC_TAXABLE, 0, "Import by enterprises exercising import rights", ""},
    {"A42", DECL_IMPORT, TC_TAXABLE, 0, "Change of purpose to domestic consumption", ""},
    {"A43", DECL_IMPORT, TC_TAXABLE, 0, "Goods under the automotive tax-preference programme", ""},
    {"A44", DECL_IMPORT, TC_EXEMPT, 365, "Temporary import for duty-free shops", L107_16 "(20)"},
    {"E11", DECL_IMPORT, TC_NOT_SUBJECT, 0,
     "Materials imported from abroad by an export-processing enterprise", L107_2},
    {"E13", DECL_IMPORT, TC_NOT_SUBJECT, 0,
     "Other goods imported into an export-processing enterprise", L107_2},
    {"E15", DECL_IMPORT, TC_NOT_SUBJECT, 0, "Materials imported by an EPE from the domestic market",
     L107_2},
    {"E21", DECL_IMPORT, TC_EXEMPT, 0, "Materials imported for processing for foreign traders",
     L107_16 "(6)"},
    {"E23", DECL_IMPORT, TC_EXEMPT, 0, "Processing materials transferred from another contract",
     L107_16 "(6)"},
    {"E31", DECL_IMPORT, TC_EXEMPT, 0, "Materials imported for export production", L107_16 "(7)"},
    {"E33", DECL_IMPORT, TC_NOT_SUBJECT, 0, "Materials into a bonded-tax warehouse", L107_2},
    {"E41", DECL_IMPORT, TC_TAXABLE, 0, "Import of products processed abroad", ""},
    {"G11", DECL_IMPORT, TC_EXEMPT, 60, "Temporary import for re-export trading", L107_16 "(9)"},
    {"G12", DECL_IMPORT, TC_EXEMPT, 365, "Temporary import of machinery for fixed-term projects",
     L107_16 "(9)"},
    {"G13", DECL_IMPORT, TC_EXEMPT, 365,
     "Tax-exempt temporary import (fairs, exhibitions, samples)", L107_16 "(9)"},
    {"G14", DECL_IMPORT, TC_EXEMPT, 365, "Other temporary import", L107_16 "(9)"},
    {"G51", DECL_IMPORT, TC_EXEMPT, 0, "Re-import of temporarily exported goods", L107_16 "(8)"},
    {"C11", DECL_IMPORT, TC_NOT_SUBJECT, 0, "Foreign goods into a bonded warehouse", L107_2},
    {"C21", DECL_IMPORT, TC_NOT_SUBJECT, 0, "Goods into a non-tariff zone", L107_2},
    {"H11", DECL_IMPORT, TC_TAXABLE, 0, "Other imports", ""},
    /* exports (16) */
    {"B11", DECL_EXPORT, TC_TAXABLE, 0, "Export for trading", ""},
    {"B12", DECL_EXPORT, TC_TAXABLE, 0, "Export after temporary export", ""},
    {"B13", DECL_EXPORT, TC_EXEMPT, 0, "Export of imported goods (returned abroad)", L107_16},
    {"E42", DECL_EXPORT, TC_NOT_SUBJECT, 0, "Export of products of an export-processing enterprise",
     L107_2},
    {"E52", DECL_EXPORT, TC_EXEMPT, 0, "Export of processed products for foreign traders",
     L107_16 "(6)"},
    {"E54", DECL_EXPORT, TC_EXEMPT, 0, "Export of processing materials to another contract",
     L107_16 "(6)"},
    {"E62", DECL_EXPORT, TC_EXEMPT, 0, "Export of products made from imported materials",
     L107_16 "(7)"},
    {"E82", DECL_EXPORT, TC_EXEMPT, 0, "Export of materials for processing abroad", L107_16 "(6)"},
    {"G21", DECL_EXPORT, TC_EXEMPT, 0, "Re-export of goods temporarily imported for trading",
     L107_16 "(9)"},
    {"G22", DECL_EXPORT, TC_EXEMPT, 0, "Re-export of machinery temporarily imported for projects",
     L107_16 "(9)"},
    {"G23", DECL_EXPORT, TC_EXEMPT, 0, "Re-export of tax-exempt temporary imports", L107_16 "(9)"},
    {"G24", DECL_EXPORT, TC_EXEMPT, 0, "Other re-export", L107_16 "(9)"},
    {"G61", DECL_EXPORT, TC_EXEMPT, 365, "Temporary export of goods", L107_16 "(9)"},
    {"C12", DECL_EXPORT, TC_NOT_SUBJECT, 0, "Goods from a bonded warehouse abroad", L107_2},
    {"C22", DECL_EXPORT, TC_NOT_SUBJECT, 0, "Goods from a non-tariff zone abroad", L107_2},
    {"H21", DECL_EXPORT, TC_TAXABLE, 0, "Other exports", ""},
};

const typecode *typecode_find(const char *code)
{
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
        if (strcmp(codes[i].code, code) == 0)
            return &codes[i];
    return NULL;
}

int typecode_count(void) { return (int)(sizeof codes / sizeof *codes); }

const typecode *typecode_at(int i) { return &codes[i]; }
