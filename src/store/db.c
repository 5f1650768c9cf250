#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int db_bind_text(db_conn *c, db_stmt *s, int i, const char *v) { return c->drv->bind_text(s, i, v); }
int db_bind_text_static(db_conn *c, db_stmt *s, int i, const char *v)
{
    return c->drv->bind_text_static ? c->drv->bind_text_static(s, i, v) : c->drv->bind_text(s, i, v);
}
int db_bind_int64(db_conn *c, db_stmt *s, int i, int64_t v) { return c->drv->bind_int64(s, i, v); }
int db_step(db_conn *c, db_stmt *s)
{
    int rc = c->drv->step(s);
    if (rc < 0 && c->drv->note_error)
        c->drv->note_error(c);
    return rc;
}
const char *db_col_text(db_conn *c, db_stmt *s, int i) { return c->drv->col_text(s, i); }
int64_t db_col_int64(db_conn *c, db_stmt *s, int i) { return c->drv->col_int64(s, i); }
int db_col_is_null(db_conn *c, db_stmt *s, int i) { return c->drv->col_is_null(s, i); }
void db_reset(db_conn *c, db_stmt *s) { c->drv->reset(s); }
int db_exec(db_conn *c, const char *sql) { return c->drv->exec(c, sql); }
const char *db_errmsg(db_conn *c) { return c->drv->errmsg(c); }
int db_take_fault(db_conn *c, char *msg, size_t n)
{
    return c->drv->take_fault ? c->drv->take_fault(c, msg, n) : 0;
}

void db_col_copy(db_conn *c, db_stmt *s, int i, char *dst, size_t size)
{
    const char *v = db_col_text(c, s, i);
    snprintf(dst, size, "%s", v ? v : "");
}

char *db_col_dup(db_conn *c, db_stmt *s, int i)
{
    const char *v = db_col_text(c, s, i);
    return v ? strdup(v) : NULL;
}

int db_run(db_conn *c, db_stmt *s)
{
    int rc = db_step(c, s);
    db_reset(c, s);
    return rc == DB_DONE ? 0 : rc;
}
