#include "util/file.h"

#include <stdio.h>
#include <stdlib.h>

char *file_read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    long sz;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        b = malloc((size_t)sz + 1);
        if (b && fread(b, 1, (size_t)sz, f) == (size_t)sz) {
            b[sz] = '\0';
            if (len)
                *len = (size_t)sz;
        } else {
            free(b);
            b = NULL;
        }
    }
    fclose(f);
    return b;
}
