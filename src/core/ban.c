/* Bans: a procedure of stage `prohibited` on an item's tariff line applies
 * to the direction its text names and, often, only to a condition of the goods. The facts that
 * decide it are item fields; data/tariff/SOURCE.md ("Bans") says how each kind was read. */
#include "core/ban.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int one_of(const char *v, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(v, *set) == 0)
            return 1;
    return 0;
}

int ban_cas_valid(const char *cas)
{
    /* 2-7 digits, hyphen, 2 digits, hyphen, check digit: the weighted sum of the other digits
     * (weights 1, 2, 3... from the right) modulo 10 */
    size_t n = strlen(cas), k = 0;
    int sum = 0, w = 1, part = 0, len[3] = {0, 0, 0};
    if (n < 7 || n > 12)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (cas[i] == '-') {
            if (++part > 2)
                return 0;
            continue;
        }
        if (!isdigit((unsigned char)cas[i]))
            return 0;
        len[part]++;
    }
    if (part != 2 || len[0] < 2 || len[0] > 7 || len[1] != 2 || len[2] != 1)
        return 0;
    for (size_t i = n - 2; i-- > 0;) {
        if (cas[i] == '-')
            continue;
        sum += (cas[i] - '0') * w++;
        k++;
    }
    return k > 0 && sum % 10 == cas[n - 1] - '0';
}

/* Adds `prohibited` for procedure p at path, naming the legal reference. */
static void refuse(errs *e, const char *path, const decl_item *it, const tariff_procedure *p,
                   const char *why)
{
    errs_add(e, "prohibited", path, "%s %s is banned (%s, %s; %s): %s", it->hs_code,
             strcmp(p->direction, "export") == 0   ? "from export"
             : strcmp(p->direction, "import") == 0 ? "from import"
                                                   : "from import and export",
             p->legal_ref, p->agency, p->name, why);
}

static void item_bans(const tariff *t, const decl *d, int i, errs *e)
{
    static const char *const conditions[] = {"new", "used", NULL};
    static const char *const timber[] = {"natural_forest", "plantation", "imported", NULL};
    const decl_item *it = &d->items[i];
    char path[64];
    if (it->condition[0] && !one_of(it->condition, conditions)) {
        snprintf(path, sizeof path, "/items/%d/condition", i);
        errs_add(e, "enum", path, "'condition' is new or used");
    }
    if (it->timber_origin[0] && !one_of(it->timber_origin, timber)) {
        snprintf(path, sizeof path, "/items/%d/timber_origin", i);
        errs_add(e, "enum", path, "'timber_origin' is natural_forest, plantation or imported");
    }
    int cas_ok = !it->cas_number[0] || ban_cas_valid(it->cas_number);
    if (!cas_ok) {
        snprintf(path, sizeof path, "/items/%d/cas_number", i);
        errs_add(e, "cas_number", path,
                 "'%s' is not a CAS Registry Number (NNNNNNN-NN-N with its check digit)",
                 it->cas_number);
    }
    uint32_t hs8 = 0;
    for (size_t k = 0; k < 8 && isdigit((unsigned char)it->hs_code[k]); k++)
        hs8 = hs8 * 10 + (uint32_t)(it->hs_code[k] - '0');
    const tariff_line *l = t && strlen(it->hs_code) == 8 ? tariff_find(t, hs8) : NULL;
    if (!l)
        return;
    int asked_condition = 0, asked_cas = 0, asked_timber = 0;
    char used_refs[600];
    used_refs[0] = 0;
    for (int k = 0; k < l->n_procedures; k++) {
        const tariff_procedure *p = &l->procedures[k];
        if (strcmp(p->stage, "prohibited") != 0 ||
            !tariff_procedure_applies(p, d->kind == DECL_EXPORT))
            continue;
        const char *c = p->condition ? p->condition : "";
        if (!*c) {
            snprintf(path, sizeof path, "/items/%d/hs_code", i);
            refuse(e, path, it, p, "the ban has no condition");
        } else if (strcmp(c, "used") == 0) {
            snprintf(path, sizeof path, "/items/%d/condition", i);
            if (!it->condition[0]) {
                if (!asked_condition++)
                    errs_add(e, "required", path,
                             "'condition' (new or used) decides a ban on %s (%s): declare it",
                             it->hs_code, p->legal_ref);
            } else if (strcmp(it->condition, "used") == 0) {
                /* one error per path (the caller keeps the first): every ban it falls under */
                size_t m = strlen(used_refs);
                snprintf(used_refs + m, sizeof used_refs - m, "%s%s (%s, %s)", m ? "; " : "",
                         p->legal_ref, p->agency, p->name);
            }
        } else if (strncmp(c, "timber_origin:", 14) == 0) {
            snprintf(path, sizeof path, "/items/%d/timber_origin", i);
            if (!it->timber_origin[0]) {
                if (!asked_timber++)
                    errs_add(
                        e, "required", path,
                        "'timber_origin' (natural_forest, plantation or imported) decides a ban "
                        "on %s (%s): declare it",
                        it->hs_code, p->legal_ref);
            } else if (strcmp(it->timber_origin, c + 14) == 0) {
                refuse(e, path, it, p, "timber from Vietnam's natural forests");
            }
        } else if (strncmp(c, "cas:", 4) == 0) {
            const char *name = NULL;
            snprintf(path, sizeof path, "/items/%d/cas_number", i);
            int listed = tariff_ban_listed(t, c + 4, cas_ok ? it->cas_number : "", &name);
            if (listed < 0)
                continue; /* the list is not shipped: not decided here (SOURCE.md) */
            if (!it->cas_number[0]) {
                if (!asked_cas++)
                    errs_add(
                        e, "required", path,
                        "'cas_number' decides a ban on %s (%s, a list of substances): declare it",
                        it->hs_code, p->legal_ref);
            } else if (listed == 1) {
                char why[200];
                snprintf(why, sizeof why, "CAS %s, %s", it->cas_number, name ? name : "listed");
                refuse(e, path, it, p, why);
            }
        } else if (strncmp(c, "type_code:", 10) == 0) {
            /* the ban names the procedure (e.g. temporary import for re-export trading) */
            char codes[64];
            snprintf(codes, sizeof codes, ",%s,", c + 10);
            char key[16];
            snprintf(key, sizeof key, ",%s,", d->type_code);
            if (d->type_code[0] && strstr(codes, key))
                refuse(e, "/type_code", it, p, "under this type code");
        }
        /* "listed": the list names goods by description, not by facts declared here */
    }
    if (used_refs[0]) {
        snprintf(path, sizeof path, "/items/%d/condition", i);
        errs_add(e, "prohibited", path, "used goods of %s are banned from import: %s", it->hs_code,
                 used_refs);
    }
}

void ban_check(const tariff *t, const decl *d, errs *e)
{
    for (int i = 0; i < d->n_items; i++)
        item_bans(t, d, i, e);
}
