/* Database maintenance commands beside `db init` (cmd_admin.c): db migrate. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "store/db.h"
#include "store/schema.h"

/* db migrate --db FILE: applies the pending migrations of src/store/schema.sql (serve and every
 * command that opens a database do the same; this one says what it did and never creates a
 * database). */
int cmd_db_migrate(int argc, char **argv)
{
    const char *path = cli_opt(argc, argv, "--db");
    if (!path) {
        fprintf(stderr, "usage: ecustoms db migrate --db FILE\n");
        return 2;
    }
    if (access(path, F_OK) != 0) {
        fprintf(stderr, "ecustoms db migrate: no database at %s (ecustoms db init creates one)\n", path);
        return 1;
    }
    db_conn *c = NULL;
    if (db_sqlite_driver.open(path, 1, &c) != DB_OK) {
        fprintf(stderr, "ecustoms db migrate: cannot open %s\n", path);
        db_sqlite_driver.close(c);
        return 1;
    }
    char err[512];
    int from = 0, to = 0;
    int rc = schema_migrate(c, &from, &to, err, sizeof err);
    db_sqlite_driver.close(c);
    if (rc != 0) {
        fprintf(stderr, "ecustoms db migrate: %s: %s\n", path, err);
        return 1;
    }
    if (from == to)
        printf("%s: schema version %d, up to date\n", path, to);
    else
        printf("%s: schema version %d -> %d\n", path, from, to);
    return 0;
}
