#include <ctype.h>
#include <string.h>

#include "core/codes.h"

int codes_incoterm_valid(const char *t)
{
    /* VNACCS IP2 accepts the current and the retired terms */
    static const char *const terms[] = {"EXW", "FCA", "FAS", "FOB", "CFR", "CIF",
                                        "CPT", "CIP", "DAP", "DPU", "DDP", "DAT",
                                        "C&F", "C&I", "DAF", "DDU", "DES", "DEQ"};
    for (size_t i = 0; i < sizeof terms / sizeof *terms; i++)
        if (strcmp(t, terms[i]) == 0)
            return 1;
    return 0;
}

/* ISO 6346 Annex A: letters map to 10..38 skipping multiples of 11; weight 2^position;
 * check digit = sum mod 11 mod 10. */
int codes_container_check_digit(const char *n)
{
    static const int letter[26] = {10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24,
                                   25, 26, 27, 28, 29, 30, 31, 32, 34, 35, 36, 37, 38};
    long sum = 0;
    for (int i = 0; i < 10; i++) {
        int v;
        if (i < 4) {
            if (n[i] < 'A' || n[i] > 'Z')
                return -1;
            v = letter[n[i] - 'A'];
        } else {
            if (!isdigit((unsigned char)n[i]))
                return -1;
            v = n[i] - '0';
        }
        sum += (long)v << i;
    }
    return (int)(sum % 11 % 10);
}

int codes_container_valid(const char *n)
{
    if (strlen(n) != 11)
        return 0;
    if (n[3] != 'U' && n[3] != 'J' && n[3] != 'Z')
        return 0; /* equipment category identifier */
    int check = codes_container_check_digit(n);
    return check >= 0 && n[10] == '0' + check;
}

int codes_locode_valid(const char *l)
{
    char cc[3];
    if (strlen(l) != 5)
        return 0;
    for (int i = 2; i < 5; i++)
        if (!(isupper((unsigned char)l[i]) || (l[i] >= '2' && l[i] <= '9')))
            return 0;
    cc[0] = l[0], cc[1] = l[1], cc[2] = 0;
    /* "ZZ" is not a country but VNACCS uses "ZZZZZ" for bonded / non-tariff places */
    return codes_country_valid(cc) || strcmp(l, "ZZZZZ") == 0;
}

int codes_tax_code_valid(const char *tc)
{
    size_t n = strlen(tc);
    if (n != 10 && n != 13)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)tc[i]))
            return 0;
    return 1;
}
