#include "core/origin.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Criterion codes as printed in the forms' overleaf notes (box 8 of Forms D, E, AK, AJ, VJ, AANZ,
 * AI, VK, VC, EAV, AHK, RCEP; CPTPP's origin criteria A-D of Annex 3-B; EVFTA/UKVFTA origin
 * statements carry none, "W"/"P" are accepted as wholly obtained / sufficiently processed).
 * Written from the Ministry of Industry and Trade's rules-of-origin circulars as this project knows
 * them (background knowledge, not re-read against each circular in this session): see
 * data/tax/SOURCE.md, "origin criteria". */
static const origin_form forms[] = {
    {"D", "ATIGA", "WO PE RVC CTC CTH CTSH PSR ACU DMI",
     "ATIGA Annex 7 (Form D); Circular 22/2016/TT-BCT as amended"},
    {"E", "ACFTA", "WO PE RVC CTH PSR", "ACFTA Rules of Origin (Form E); Circular 12/2019/TT-BCT"},
    {"AK", "AKFTA", "WO PE RVC CTH CTC SP PSR", "AKFTA Rules of Origin (Form AK)"},
    {"AJ", "AJCEP", "WO PE CTH LVC PSR", "AJCEP Rules of Origin (Form AJ)"},
    {"VJ", "VJEPA", "WO PE CTH LVC PSR", "VJEPA Rules of Origin (Form VJ)"},
    {"AANZ", "AANZFTA", "WO PE RVC CTC PSR", "AANZFTA Rules of Origin (Form AANZ)"},
    {"AI", "AIFTA", "WO RVC PSR", "AIFTA Rules of Origin (Form AI): RVC 35 % + CTSH"},
    {"VK", "VKFTA", "WO PE RVC CTH CTC PSR", "VKFTA Rules of Origin (Form VK)"},
    {"VC", "VCFTA", "WO PE RVC PSR", "VCFTA Rules of Origin (Form VC)"},
    {"EAV", "VN_EAEU", "WO PE CTH RVC PSR", "VN-EAEU FTA Rules of Origin (Form EAV)"},
    {"CPTPP", "CPTPP", "A B C D", "CPTPP Chapter 3 and Annex 3-B (origin criteria A-D)"},
    {"AHK", "AHKFTA", "WO PE RVC CTH PSR", "AHKFTA Rules of Origin (Form AHK)"},
    {"EUR.1", "EVFTA", "W P PSR", "EVFTA Protocol 1 (EUR.1 movement certificate)"},
    {"REX", "EVFTA", "W P PSR", "EVFTA Protocol 1 (statement on origin, REX-registered exporter)"},
    {"RCEP", "RCEP_A", "WO PE CTC RVC CR ACU DMI PSR",
     "RCEP Chapter 3 (Form RCEP); Decree 129/2022/ND-CP"},
    {"VI", "VIFTA", "WO PE PSR", "VIFTA Rules of Origin (form name unverified)"},
};

size_t origin_form_count(void) { return sizeof forms / sizeof *forms; }

const origin_form *origin_form_at(size_t i) { return i < origin_form_count() ? &forms[i] : NULL; }

const origin_form *origin_form_find(const char *form)
{
    for (size_t i = 0; form && i < origin_form_count(); i++)
        if (strcasecmp(forms[i].form, form) == 0)
            return &forms[i];
    return NULL;
}

static int has_code(const char *list, const char *code, size_t n)
{
    for (const char *p = list; *p;) {
        size_t l = strcspn(p, " ");
        if (l == n && strncasecmp(p, code, n) == 0)
            return 1;
        p += l;
        while (*p == ' ')
            p++;
    }
    return 0;
}

int origin_criterion_valid(const origin_form *f, const char *c)
{
    if (!f || !c)
        return 0;
    while (*c == ' ')
        c++;
    if (isdigit((unsigned char)*c)) { /* "40%": a value-content percentage */
        const char *q = c;
        while (isdigit((unsigned char)*q) || *q == '.')
            q++;
        return *q == '%' && q[1] == 0 &&
               (has_code(f->criteria, "RVC", 3) || has_code(f->criteria, "LVC", 3));
    }
    size_t n = 0;
    while (isalpha((unsigned char)c[n]))
        n++;
    if (!n)
        return 0;
    /* what follows the code is its figure or qualifier ("RVC 40%", "CTH+RVC"): letters only count
     * up to the first non-letter */
    return has_code(f->criteria, c, n);
}
