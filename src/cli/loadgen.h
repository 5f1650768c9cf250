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
/* One declaration as JSON text (heap), drawn with rand_r(seed). Its invoice, bill of lading and
 * container are a template's, the same in every declaration drawn. */
char *loadgen_declaration(const loadgen *g, unsigned *seed);
/* Gives a declaration from loadgen_declaration (in place, same length) the references of
 * consignment k of run `run`: its own invoice and bill of lading (the run and k, 6 + 6 characters
 * in base 36: distinct for k < 36^6 and runs < 36^6) and a container numbered from them. Real
 * consignments declare an invoice and a bill of lading once; the template's, declared by every
 * consignment, made each registration after the first a duplicate-document finding. */
void loadgen_stamp(char *body, uint64_t run, uint64_t k);

#endif
