/* The schema of every module and its migrations: src/store/schema.sql, embedded into the binary
 * at build time (cmake/embed.cmake), applied here through the driver interface so that SQLite
 * and PostgreSQL run the same file. A statement tagged "-- engine: NAME" runs only on the driver
 * whose db_driver.name is NAME: that is the one hook an engine has to swap a statement. */
#ifndef ECUSTOMS_STORE_SCHEMA_H
#define ECUSTOMS_STORE_SCHEMA_H

#include <stddef.h>

#include "store/db.h"

enum {
    SCHEMA_NEWER = -10, /* the database was migrated by a newer binary: refuse to touch it */
};

/* The highest migration in schema.sql: the version this binary writes. */
int schema_latest(void);

/* The database's version: the highest migration recorded in schema_version, 0 for a database
 * that has none (empty, or made before versions existed). Returns 0 or a DB_* error. */
int schema_version(db_conn *c, int *out);

/* Applies every pending migration, in order, in one transaction (a failure leaves the database
 * as it was). *from and *to receive the versions before and after. Returns 0; SCHEMA_NEWER if
 * the database is newer than this binary; otherwise a DB_* error. err receives a message. */
int schema_migrate(db_conn *c, int *from, int *to, char *err, size_t errsz);

/* Calls fn for every statement of schema.sql that runs on engine, in order (tools and tests:
 * e.g. EXPLAIN every statement). Stops at and returns fn's first non-zero result. */
typedef int (*schema_stmt_fn)(int migration, const char *sql, void *ctx);
int schema_each(const char *engine, schema_stmt_fn fn, void *ctx);

#endif
