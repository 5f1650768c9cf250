/* Decoder of inspection histories in the CSV format of the Customs Import Declaration Datasets
 * (Jeong et al. 2022, the public "customs-declaration-datasets"): one goods item
 * per row, with the inspection outcome (Fraud, Critical Fraud). Used to seed a database with
 * historical declarations and outcomes (`ecustoms risk import-history`) and by
 * `ecustoms risk evaluate`.
 *
 * Columns are found by their header names (order free); a UTF-8 byte-order mark is skipped.
 * Every row is checked and every problem reported at once (path "/rows/N/Column").
 */
#ifndef ECUSTOMS_CODEC_RISK_CSV_H
#define ECUSTOMS_CODEC_RISK_CSV_H

#include <stddef.h>

#include "core/risk_features.h"
#include "util/errs.h"

typedef struct risk_csv_row {
    risk_fact fact;     /* decl_id "CSV-<Declaration ID>", line 1 */
    int fraud;          /* 0/1 */
    int critical;       /* 1 when Critical Fraud = 2 */
    int64_t outcome_at; /* when the outcome is taken to be known: end of the next day */
} risk_csv_row;

/* Parses text (len bytes). On success returns 0 with *rows (malloc'd, caller frees) and *n;
 * the rows keep file order and registered_at = the row's date at 00:00 UTC plus its ordinal
 * within that date in seconds, so registration order is the file's. -1 with every problem in e. */
int risk_csv_parse(const char *text, size_t len, risk_csv_row **rows, size_t *n, errs *e);

#endif
