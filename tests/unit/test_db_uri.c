/* Unit tests for the engine choice of src/store/db.c and the PostgreSQL driver's behaviour when
 * no server answers (the API suite runs everything else against a real PostgreSQL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/db.h"
#include "store/store.h"

static void uri_selects_engine(void **state)
{
    (void)state;
    assert_ptr_equal(db_driver_for("postgresql://u@h:5432/db"), &db_pg_driver);
    assert_ptr_equal(db_driver_for("postgres://u@h/db"), &db_pg_driver);
    assert_ptr_equal(
        db_driver_for("postgresql://h1:5432,h2:5432,h3:5432/db?target_session_attrs=read-write"),
        &db_pg_driver);
    assert_ptr_equal(db_driver_for("var/demo.sqlite"), &db_sqlite_driver);
    assert_ptr_equal(db_driver_for("/tmp/postgresql://x"), &db_sqlite_driver);
    assert_ptr_equal(db_driver_for("postgresql"), &db_sqlite_driver); /* a file of that name */
    assert_ptr_equal(db_driver_for("POSTGRESQL://h/db"), &db_sqlite_driver); /* libpq's scheme is lower case */
    assert_true(db_is_server("postgres://h/db"));
    assert_false(db_is_server("db.sqlite"));
    assert_false(db_is_server(NULL));
    assert_string_equal(db_pg_driver.name, "postgresql"); /* schema.sql's "-- engine:" tag */
    assert_string_equal(db_sqlite_driver.name, "sqlite");
}

static void unreachable_server_is_unavailable(void **state)
{
    (void)state;
    db_conn *c = NULL;
    /* port 1 on loopback: nothing listens, the connection is refused at once */
    assert_int_equal(db_pg_driver.open("postgresql://u@127.0.0.1:1/db?connect_timeout=2", 1, &c),
                     DB_UNAVAILABLE);
    assert_null(c);
    store *s = NULL;
    assert_int_equal(store_open("postgresql://u@127.0.0.1:1/db?connect_timeout=2", &s), -1);
    assert_null(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uri_selects_engine),
        cmocka_unit_test(unreachable_server_is_unavailable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
