#include "util/hex.h"

void hex_encode(const void *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *b = bytes;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* a digit's value + 1; 0 for every other byte (upper case included: ids and digests are stored
 * and compared in lower case) */
static const unsigned char digit_value[256] = {
    ['0'] = 1, ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

int hex_decode(const char *text, size_t n, unsigned char *out)
{
    const unsigned char *t = (const unsigned char *)text;
    for (size_t i = 0; i < n; i++) {
        unsigned hi = digit_value[t[2 * i]];
        if (!hi)
            return 0;
        unsigned lo = digit_value[t[2 * i + 1]];
        if (!lo)
            return 0;
        out[i] = (unsigned char)((hi - 1) << 4 | (lo - 1));
    }
    return 1;
}
