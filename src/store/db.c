#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hex.h"

int db_bind_text(db_conn *c, db_stmt *s, int i, const char *v)
{
    return c->drv->bind_text(s, i, v);
}
int db_bind_text_static(db_conn *c, db_stmt *s, int i, const char *v)
{
    return c->drv->bind_text_static ? c->drv->bind_text_static(s, i, v)
                                    : c->drv->bind_text(s, i, v);
}
int db_bind_int64(db_conn *c, db_stmt *s, int i, int64_t v) { return c->drv->bind_int64(s, i, v); }
int db_bind_blob(db_conn *c, db_stmt *s, int i, const void *v, size_t n)
{
    return c->drv->bind_blob(s, i, v, n);
}
int db_bind_blob_static(db_conn *c, db_stmt *s, int i, const void *v, size_t n)
{
    return c->drv->bind_blob_static ? c->drv->bind_blob_static(s, i, v, n)
                                    : c->drv->bind_blob(s, i, v, n);
}
const void *db_col_blob(db_conn *c, db_stmt *s, int i, size_t *n)
{
    return c->drv->col_blob(s, i, n);
}
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

/* 1 when text is exactly 2 * nb lower-case hex digits, decoded into out. */
static int hex_bytes(const char *text, size_t nb, unsigned char *out)
{
    return hex_decode(text, nb, out) && text[2 * nb] == 0;
}

/* text as nb bytes, or its own bytes when it is not their hex; strict: a text of nb characters
 * that is not hex is refused (it would read back as bytes to encode). The bytes are decoded into
 * buf and bound without a copy (buf must outlive the statement's run), or, when buf is NULL, into
 * a buffer of this call's that the driver copies. */
static int bind_hex_bytes(db_conn *c, db_stmt *s, int i, const char *text, size_t nb,
                          unsigned char *buf, int strict)
{
    unsigned char own[32];
    if (!text)
        return db_bind_blob(c, s, i, NULL, 0);
    if (hex_bytes(text, nb, buf ? buf : own))
        return buf ? db_bind_blob_static(c, s, i, buf, nb) : db_bind_blob(c, s, i, own, nb);
    size_t n = strlen(text);
    if (strict && n == nb)
        return DB_ERR;
    return db_bind_blob(c, s, i, text, n);
}

int db_bind_hex(db_conn *c, db_stmt *s, int i, const char *hex)
{
    return bind_hex_bytes(c, s, i, hex, 32, NULL, 1);
}

int db_bind_hex_buf(db_conn *c, db_stmt *s, int i, const char *hex, unsigned char buf[32])
{
    return bind_hex_bytes(c, s, i, hex, 32, buf, 1);
}

int db_bind_id16(db_conn *c, db_stmt *s, int i, const char *id)
{
    return bind_hex_bytes(c, s, i, id, 16, NULL, 0);
}

int db_bind_id16_buf(db_conn *c, db_stmt *s, int i, const char *id, unsigned char buf[16])
{
    return bind_hex_bytes(c, s, i, id, 16, buf, 0);
}

int db_bind_chain(db_conn *c, db_stmt *s, int i, const char *name, unsigned char buf[16])
{
    unsigned char own[16];
    if (!name)
        return db_bind_blob(c, s, i, NULL, 0);
    if (strcmp(c->drv->name, "sqlite") == 0 && hex_bytes(name, 16, buf ? buf : own))
        return buf ? db_bind_blob_static(c, s, i, buf, 16) : db_bind_blob(c, s, i, own, 16);
    return db_bind_text(c, s, i, name);
}

void db_col_hex(db_conn *c, db_stmt *s, int i, char out[65])
{
    size_t n = 0;
    const unsigned char *b = db_col_blob(c, s, i, &n);
    if (b && n == 32) {
        hex_encode(b, 32, out);
    } else {
        n = b && n < 64 ? n : b ? 64 : 0;
        memcpy(out, b ? (const void *)b : "", n);
        out[n] = 0;
    }
}

int db_rows(db_conn *c, db_stmt *s, void *out, size_t size, int max, db_row_reader read)
{
    int n = 0, rc;
    while ((rc = db_step(c, s)) == DB_ROW)
        if (n < max)
            read(c, s, (char *)out + (size_t)n++ * size);
    db_reset(c, s);
    return rc == DB_DONE ? n : rc;
}

int db_row(db_conn *c, db_stmt *s, void *out, db_row_reader read)
{
    int rc = db_step(c, s);
    if (rc == DB_ROW)
        read(c, s, out);
    db_reset(c, s);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

int db_row_by_text(db_conn *c, const char *sql, const char *key, void *out, db_row_reader read)
{
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, key);
    return db_row(c, st, out, read);
}

int db_rows_by_text(db_conn *c, const char *sql, const char *key, void *out, size_t size, int max,
                    db_row_reader read)
{
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, key);
    return db_rows(c, st, out, size, max, read);
}

void db_values_sql(char *out, size_t size, const char *head, const char *row, int rows,
                   const char *tail)
{
    size_t n = (size_t)snprintf(out, size, "%s", head);
    for (int i = 0; i < rows && n < size; i++)
        n += (size_t)snprintf(out + n, size - n, "%s%s", i ? "," : "", row);
    if (n < size)
        snprintf(out + n, size - n, "%s", tail);
}

int db_insert_rows(db_conn *c, const char *many, int rows_per, int params_per_row, const char *one,
                   const void *rows, long n, db_row_binder bind)
{
    long i = 0;
    int rc = 0;
    for (; rc == 0 && n - i >= rows_per; i += rows_per) {
        db_stmt *st = db_prepare(c, many);
        if (!st)
            return DB_ERR;
        for (int k = 0; k < rows_per; k++)
            bind(c, st, params_per_row * k, rows, i + k);
        rc = db_run(c, st);
    }
    for (; rc == 0 && i < n; i++) {
        db_stmt *st = db_prepare(c, one);
        if (!st)
            return DB_ERR;
        bind(c, st, 0, rows, i);
        rc = db_run(c, st);
    }
    return rc;
}

void db_read_int64(db_conn *c, db_stmt *s, void *row) { *(int64_t *)row = db_col_int64(c, s, 0); }

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

int db_run_nowait(db_conn *c, db_stmt *s)
{
    if (!c->drv->run_nowait)
        return db_run(c, s);
    int rc = c->drv->run_nowait(s);
    db_reset(c, s);
    return rc;
}

int db_send(db_conn *c, db_stmt *s) { return c->drv->send ? c->drv->send(s) : DB_OK; }

int db_send_into(db_conn *c, db_stmt *s, db_stmt **out)
{
    int rc = db_send(c, s);
    if (rc != 0) {
        db_reset(c, s);
        *out = NULL;
        return rc;
    }
    *out = s;
    return 0;
}

int db_flush(db_conn *c) { return c->drv->flush ? c->drv->flush(c) : DB_OK; }

int db_generic_plans(db_conn *c)
{
    return c->drv->generic_plans ? c->drv->generic_plans(c) : DB_OK;
}

int db_is_server(const char *target)
{
    return target && (!strncmp(target, "postgresql://", 13) || !strncmp(target, "postgres://", 11));
}

const db_driver *db_driver_for(const char *target)
{
    return db_is_server(target) ? &db_pg_driver : &db_sqlite_driver;
}

static char state_dir[1024]; /* set once by main() before any thread starts */

void db_state_dir_set(const char *dir)
{
    snprintf(state_dir, sizeof state_dir, "%s", dir ? dir : "");
}

int db_state_base(const char *target, char *out, size_t n)
{
    if (!db_is_server(target)) {
        snprintf(out, n, "%s", target);
        return 0;
    }
    const char *dir = state_dir[0] ? state_dir : getenv("ECUSTOMS_STATE_DIR");
    out[0] = 0;
    if (!dir || !*dir)
        return -1;
    /* NAME: the URI's path (postgresql://user@h1:p1,h2:p2/NAME?options), letters, digits, '_',
     * '-' and '.' kept and anything else made '_', so that a URI cannot name a file elsewhere */
    char name[128] = "";
    const char *p = strchr(strstr(target, "://") + 3, '/');
    size_t k = 0;
    if (p)
        for (p++; *p && *p != '?' && k + 1 < sizeof name; p++) {
            int keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                       (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || (*p == '.' && k > 0);
            name[k++] = keep ? *p : '_';
        }
    name[k] = 0;
    snprintf(out, n, "%s/%s", dir, k ? name : "postgres");
    return 0;
}
