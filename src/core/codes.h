/* Reference code lists: ISO 3166 countries, ISO 4217 currencies, Incoterms, ISO 6346 container
 * numbers, UN/LOCODE shape, Vietnamese tax codes. */
#ifndef ECUSTOMS_CORE_CODES_H
#define ECUSTOMS_CORE_CODES_H

int codes_country_valid(const char *cc);    /* ISO 3166-1 alpha-2 */
int codes_currency_valid(const char *cur);  /* ISO 4217, current codes */
int codes_incoterm_valid(const char *term); /* VNACCS IP2 list (Incoterms 2000-2020) */
int codes_container_valid(const char *num); /* ISO 6346: 4 letters, 6 digits, check digit */
int codes_locode_valid(const char *loc);    /* UN/LOCODE shape: country + 3 alphanumerics */
int codes_tax_code_valid(const char *tc);   /* Vietnamese enterprise tax code: 10 or 13 digits */
/* The check digit (0-9) of an ISO 6346 number's first ten characters, -1 if they are not 4
 * letters and 6 digits. */
int codes_container_check_digit(const char *first10);

#endif
