/* Working hours for the legal time limits of customs checks (Customs Law 2014 Art. 23: the
 * document check within 2 working hours of a complete dossier, the physical inspection within
 * 8 working hours). Working time is Monday to Friday, 08:00-12:00 and 13:00-17:00 in Vietnam
 * (UTC+7, no daylight saving). Public holidays are not known to this module yet: a limit that
 * spans one is computed as if it were a working day (earlier, never later, than the law's). */
#ifndef ECUSTOMS_CORE_WORKHOURS_H
#define ECUSTOMS_CORE_WORKHOURS_H

#include <stdint.h>

#define WORKHOURS_DOC_CHECK 2
#define WORKHOURS_INSPECTION 8

/* The instant (unix s, UTC) when `hours` working hours have passed since `start` (unix s). */
int64_t workhours_deadline(int64_t start, int hours);

/* Working seconds between a and b (0 when b <= a). */
int64_t workhours_between(int64_t a, int64_t b);

#endif
