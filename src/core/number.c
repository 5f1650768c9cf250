#include "core/number.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/decl.h"

int number_doc_type(int kind) { return kind == DECL_EXPORT ? 30 : 10; }

int number_format(int doc_type, int64_t sequence, int amendment, char out[13])
{
    if (doc_type < 10 || doc_type > 99 || sequence < 1 || sequence > NUMBER_MAX_SEQUENCE ||
        amendment < 0 || amendment > NUMBER_MAX_AMENDMENT)
        return -1;
    snprintf(out, 13, "%02d%08lld%d%d", doc_type, (long long)sequence, (int)(sequence % 7),
             amendment);
    return 0;
}

int number_valid(const char *s)
{
    size_t n = strlen(s);
    long long seq = 0;
    if (n != 11 && n != 12)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    for (int i = 2; i < 10; i++)
        seq = seq * 10 + (s[i] - '0');
    return seq >= 1 && s[10] - '0' == (int)(seq % 7);
}
