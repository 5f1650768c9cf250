/* Fixed-point decimals: money, quantities, rates and exchange rates never touch floating point.
 *
 * A decimal is an int64_t holding value * 10^scale for a scale fixed per kind of quantity
 * (see the DECIMAL_SCALE_* constants). Parsing is strict: digits, at most one '.', an optional
 * leading '-', no exponent, no more fractional digits than the scale allows (we never round
 * input silently), and a hard cap on magnitude.
 */
#ifndef ECUSTOMS_UTIL_DECIMAL_H
#define ECUSTOMS_UTIL_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#define DECIMAL_SCALE_AMOUNT 4 /* invoice values, prices, freight: VNACCS IP4 allows 4 decimals */
#define DECIMAL_SCALE_QTY 4    /* quantities and weights */
#define DECIMAL_SCALE_FX 4     /* customs exchange rate, VND per unit of currency */
#define DECIMAL_SCALE_PCT 2    /* tax rates in percent: 12.5 % is stored as 1250 */

#define DECIMAL_MAX_INT_DIGITS 15 /* 10^15 is the largest value we accept at any scale */

enum {
    DECIMAL_OK = 0,
    DECIMAL_ERR_SYNTAX = -1, /* not a decimal number */
    DECIMAL_ERR_SCALE = -2,  /* more fractional digits than allowed */
    DECIMAL_ERR_RANGE = -3,  /* integer part longer than DECIMAL_MAX_INT_DIGITS */
};

/* Parses s (NUL-terminated) into *out scaled by 10^scale. Accepts a decimal comma when
 * allow_comma is set (the tariff source writes "12,5"). Returns DECIMAL_OK or a DECIMAL_ERR_*. */
int decimal_parse(const char *s, int scale, int allow_comma, int64_t *out);

/* Same on a length-bounded string. */
int decimal_parse_n(const char *s, size_t n, int scale, int allow_comma, int64_t *out);

/* Writes v / 10^scale as a decimal string without trailing fractional zeros ("12.5", "3").
 * Returns the number of characters written (buf is always NUL-terminated; size >= 32 suffices). */
int decimal_format(int64_t v, int scale, char *buf, size_t size);

/* Rounds the rational num / den (den > 0) to the nearest integer, halves away from zero.
 * This is THE rounding rule of ecustoms for VND amounts (docs/tax.md). 128-bit so that
 * 10^15 VND times a rate never overflows. */
int64_t decimal_round_div(__int128 num, __int128 den);

/* 10^n for 0 <= n <= 18. */
int64_t decimal_pow10(int n);

#endif
