/* Converter from the source tariff CSV files to data/tariff/ TSV files (`ecustoms tariff import`).
 * Lives in core/ so the converter-check unit test can run it too. */
#ifndef ECUSTOMS_CORE_TARIFF_IMPORT_H
#define ECUSTOMS_CORE_TARIFF_IMPORT_H

#include <stddef.h>
#include <stdio.h>

typedef struct import_stats {
    size_t rows;           /* data rows read */
    size_t lines;          /* 8-digit lines written */
    size_t cells;          /* rate cells seen on those lines */
    size_t bad_cells;      /* cells that could not be interpreted (printed to report) */
    size_t bad_rows;       /* rows with a wrong column count */
    size_t bad_codes;      /* rows with rates but a code that is not 8 digits */
    size_t dup_identical;  /* duplicate codes with identical rows (dropped) */
    size_t dup_differing;  /* duplicate codes with different rows (first kept, printed) */
    size_t procedures;     /* procedure rows written */
    size_t proc_no_ref;    /* procedures without a "(legal reference)" */
    size_t proc_no_agency; /* references whose ministry could not be derived */
} import_stats;

/* Reads src (tariff CSV) and proc_src (procedures CSV, may be NULL), writes outdir/tariff.tsv and
 * outdir/procedures.tsv, prints every problem to report. Returns 0, 1 if some cells could not be
 * interpreted, -1 on I/O failure. */
int tariff_import(const char *src, const char *proc_src, const char *outdir, import_stats *st,
                  FILE *report);

#endif
