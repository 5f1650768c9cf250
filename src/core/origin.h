/* Proof-of-origin forms Vietnam accepts for special-preferential tariffs, and the origin criteria
 * each form prints (a C/O of form "ZZ" or criterion "BOGUS" is refused at the door).
 * Which countries may issue a form comes from the agreements' parties (data/tax/fta_parties.tsv);
 * this table adds what that file does not say: the criteria. Pure data, no I/O. */
#ifndef ECUSTOMS_CORE_ORIGIN_H
#define ECUSTOMS_CORE_ORIGIN_H

#include <stddef.h>

typedef struct origin_form {
    const char *form;      /* as declared: "E", "D", "EUR.1" */
    const char *agreement; /* the agreement code of data/tax/fta_agreements.tsv */
    const char *criteria;  /* space-separated criterion codes printed on the form */
    const char *legal_ref;
} origin_form;

/* The form (case-insensitive), NULL when Vietnam accepts no such form. */
const origin_form *origin_form_find(const char *form);
size_t origin_form_count(void);
const origin_form *origin_form_at(size_t i);
/* 1 when criterion is one of the form's: its leading code is compared ("RVC 40%" -> "RVC"; a bare
 * percentage "40%" is a regional value content and counts as RVC/LVC where the form has one). */
int origin_criterion_valid(const origin_form *f, const char *criterion);

#endif
