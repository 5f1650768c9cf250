/* Unit tests for the engine choice of src/store/db.c and the PostgreSQL driver's behaviour when
 * no server answers (the API suite runs everything else against a real PostgreSQL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
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
    assert_ptr_equal(db_driver_for("POSTGRESQL://h/db"),
                     &db_sqlite_driver); /* libpq's scheme is lower case */
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

static void state_base_of_each_engine(void **state)
{
    (void)state;
    char b[256];
    unsetenv("ECUSTOMS_STATE_DIR");
    db_state_dir_set(NULL);
    /* a SQLite file: its own path */
    assert_int_equal(db_state_base("var/demo.sqlite", b, sizeof b), 0);
    assert_string_equal(b, "var/demo.sqlite");
    /* a server database without a state directory: nowhere */
    assert_int_equal(db_state_base("postgresql://u@h/ecustoms", b, sizeof b), -1);
    assert_string_equal(b, "");
    setenv("ECUSTOMS_STATE_DIR", "/srv/env", 1);
    assert_int_equal(db_state_base("postgresql://u@h/ecustoms", b, sizeof b), 0);
    assert_string_equal(b, "/srv/env/ecustoms");
    /* --state-dir wins over the environment; the name is the URI's database, options dropped */
    db_state_dir_set("/var/lib/ecustoms");
    assert_int_equal(
        db_state_base("postgresql://h1:5432,h2:5432/customs?target_session_attrs=read-write", b,
                      sizeof b),
        0);
    assert_string_equal(b, "/var/lib/ecustoms/customs");
    assert_int_equal(db_state_base("postgresql://u@h:5432", b, sizeof b), 0);
    assert_string_equal(b, "/var/lib/ecustoms/postgres");
    /* a name cannot reach another folder */
    assert_int_equal(db_state_base("postgres://h/..%2F..%2Fetc/x", b, sizeof b), 0);
    assert_string_equal(b, "/var/lib/ecustoms/_._2F.._2Fetc_x");
    db_state_dir_set(NULL);
    unsetenv("ECUSTOMS_STATE_DIR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uri_selects_engine),
        cmocka_unit_test(unreachable_server_is_unavailable),
        cmocka_unit_test(state_base_of_each_engine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
