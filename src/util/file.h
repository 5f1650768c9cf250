/* Whole-file reads for the reference data and the OpenAPI document. */
#ifndef ECUSTOMS_UTIL_FILE_H
#define ECUSTOMS_UTIL_FILE_H

#include <stddef.h>

/* Reads path into a NUL-terminated heap buffer (caller frees); *len (may be NULL) gets the
 * byte count. NULL when the file cannot be opened or read. */
char *file_read_all(const char *path, size_t *len);

#endif
