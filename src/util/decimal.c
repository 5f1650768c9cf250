#include "util/decimal.h"

#include <stdio.h>
#include <string.h>

int64_t decimal_pow10(int n)
{
    int64_t p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

int decimal_parse_n(const char *s, size_t n, int scale, int allow_comma, int64_t *out)
{
    size_t i = 0;
    int neg = 0, int_digits = 0, frac_digits = 0, seen_point = 0;
    __int128 v = 0; /* 15 integer digits at scale 4 exceed int64: check after scaling */

    if (n > 0 && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == n)
        return DECIMAL_ERR_SYNTAX;
    for (; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (seen_point) {
                if (++frac_digits > scale)
                    return DECIMAL_ERR_SCALE;
            } else {
                /* leading zeros do not count towards the magnitude cap */
                if (int_digits > 0 || c != '0')
                    int_digits++;
                if (int_digits > DECIMAL_MAX_INT_DIGITS)
                    return DECIMAL_ERR_RANGE;
            }
            v = v * 10 + (c - '0');
        } else if ((c == '.' || (allow_comma && c == ',')) && !seen_point) {
            /* "5." and ".5" are rejected: a point must have digits on both sides */
            if (i == (size_t)neg || i + 1 == n)
                return DECIMAL_ERR_SYNTAX;
            seen_point = 1;
        } else {
            return DECIMAL_ERR_SYNTAX;
        }
    }
    v *= decimal_pow10(scale - frac_digits);
    if (v > INT64_MAX)
        return DECIMAL_ERR_RANGE;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return DECIMAL_OK;
}

int decimal_parse(const char *s, int scale, int allow_comma, int64_t *out)
{
    return decimal_parse_n(s, strlen(s), scale, allow_comma, out);
}

/* Hand-rolled rather than snprintf: amounts are formatted hundreds of times per declaration
 * and snprintf's format parsing dominated the tax encoder's profile. */
int decimal_format(int64_t v, int scale, char *buf, size_t size)
{
    char tmp[48];
    int n = 0, len = 0;
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    /* digits in reverse, with the point inserted after `scale` fractional digits */
    do {
        if (n == scale && scale > 0)
            tmp[n++ + 0] = '.', scale = -1;
        tmp[n++] = (char)('0' + a % 10);
        a /= 10;
    } while (a || n <= scale);
    if (n == scale && scale > 0) {
        tmp[n++] = '.';
        tmp[n++] = '0';
    }
    /* trim trailing fractional zeros (at the start of the reversed buffer) */
    int start = 0;
    const char *point = memchr(tmp, '.', (size_t)n);
    if (point) {
        while (start < n && tmp[start] == '0')
            start++;
        if (tmp[start] == '.')
            start++;
    }
    if (size == 0)
        return 0;
    if (v < 0 && (size_t)len + 1 < size)
        buf[len++] = '-';
    for (int i = n - 1; i >= start && (size_t)len + 1 < size; i--)
        buf[len++] = tmp[i];
    buf[len] = 0;
    return len;
}

int64_t decimal_round_div(__int128 num, __int128 den)
{
    int neg = num < 0;
    __int128 a = neg ? -num : num;
    __int128 q = (a + den / 2) / den; /* halves round away from zero */
    return (int64_t)(neg ? -q : q);
}
