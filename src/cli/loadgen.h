/* The generator of realistic declarations shared by `ecustoms load` (over HTTP) and
 * `ecustoms db seed` (straight into a database): items on tariff lines an ordinary consignment in
 * pieces can use, origins weighted like Vietnam's imports. */
#ifndef ECUSTOMS_CLI_LOADGEN_H
#define ECUSTOMS_CLI_LOADGEN_H

#include <stddef.h>
#include <stdint.h>

#include "core/tariff.h"

typedef struct loadgen {
    const char *importer; /* tax code of the importer */
    int items_min, items_max;
    tariff *t;
    uint32_t *lines; /* tariff lines a declaration in pieces (PCE) can use */
    size_t n_lines;
} loadgen;

/* Loads the tariff and finds the usable lines (prints how many). 0 or -1 with a message. */
int loadgen_init(loadgen *g, const char *data_dir);
void loadgen_free(loadgen *g);
/* One declaration as JSON text (heap), drawn with rand_r(seed). */
char *loadgen_declaration(const loadgen *g, unsigned *seed);

#endif
