/* Import/export type codes ("ma loai hinh") of Decision 1357/QD-TCHQ (24 import, 16 export),
 * with what each implies for taxes and follow-up obligations. */
#ifndef ECUSTOMS_CORE_TYPECODE_H
#define ECUSTOMS_CORE_TYPECODE_H

#include "core/decl.h"

typedef enum typecode_tax {
    TC_TAXABLE = 0, /* ordinary import taxes */
    TC_EXEMPT,      /* import duty exempt, VAT/SCT non-taxable while the regime lasts */
    TC_NOT_SUBJECT, /* outside the tariff territory (EPE, non-tariff zone, bonded warehouse) */
} typecode_tax;

typedef struct typecode {
    char code[4];
    decl_kind kind;
    typecode_tax tax;
    int reexport_days; /* > 0: temporary admission, goods must leave within this many days */
    const char *name;
    const char *legal_ref; /* basis of the tax treatment */
} typecode;

/* NULL when code is not one of the 40 codes of Decision 1357. */
const typecode *typecode_find(const char *code);
int typecode_count(void);
const typecode *typecode_at(int i);

#endif
