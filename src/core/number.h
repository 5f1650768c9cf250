/* Declaration numbers (Official Letter 5992/TCHQ-GSQL; FPT structure):
 * 12 digits = 2-digit document type (10 import, 30 export) + 8-digit system sequence + check
 * digit ((sequence as a number) mod 7) + amendment counter (0 at registration, at most 9). */
#ifndef ECUSTOMS_CORE_NUMBER_H
#define ECUSTOMS_CORE_NUMBER_H

#include <stdint.h>

#define NUMBER_MAX_SEQUENCE 99999999
#define NUMBER_MAX_AMENDMENT 9

/* Writes the 12-digit number into out (size >= 13). Returns 0, or -1 when an argument is out
 * of range (doc_type not 2 digits, sequence not 1..99999999, amendment not 0..9). */
int number_format(int doc_type, int64_t sequence, int amendment, char out[13]);

/* 1 when s is 11 or 12 digits with a correct check digit (and amendment digit), else 0. */
int number_valid(const char *s);

/* The document type for a declaration kind: 10 import, 30 export. */
int number_doc_type(int kind);

#endif
