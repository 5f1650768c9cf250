/* Shared by the libFuzzer harnesses: every error list a decoder produces must be encodable as
 * the JSON reply it becomes (UTF-8), and nothing may be left half-built. */
#ifndef ECUSTOMS_FUZZ_COMMON_H
#define ECUSTOMS_FUZZ_COMMON_H

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/errs.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* aborts (a crash libFuzzer reports) when an error could not reach the client */
static inline void fuzz_check_errs(const errs *e)
{
    for (int i = 0; i < e->n; i++) {
        const errs_item *it = &e->items[i];
        if (!it->code[0] || !utf8_valid(it->code, strlen(it->code)) ||
            !utf8_valid(it->path, strlen(it->path)) ||
            !utf8_valid(it->message, strlen(it->message)))
            abort();
    }
}

/* the request body as the server parses it (json_loadb, duplicates rejected) */
static inline json_t *fuzz_json(const uint8_t *data, size_t size)
{
    return json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
}

#endif
