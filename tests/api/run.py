#!/usr/bin/env python3
"""API tests of ecustoms, against a real server.

Runs every tests/api/test_*.py module (each starts with `from harness import *`) against a real
`ecustoms serve` on a free loopback port with a fresh SQLite database (tests/api/harness.py).
Python 3 standard library only.

    python3 tests/api/run.py --binary build/ecustoms [-v] [unittest args, e.g. T01Flow]
"""
import argparse
import datetime
import glob
import importlib
import os
import sys
import time
import types
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import pgserver  # noqa: E402


def load_tests_namespace():
    """Every TestCase class of every test module in one namespace, so that unittest's names
    (T01Flow, T01Flow.test_x) and its alphabetical class order work across modules."""
    ns = types.ModuleType("api_tests")
    here = os.path.dirname(os.path.abspath(__file__))
    for path in sorted(glob.glob(os.path.join(here, "test_*.py"))):
        mod = importlib.import_module(os.path.splitext(os.path.basename(path))[0])
        for name, obj in vars(mod).items():
            if isinstance(obj, type) and issubclass(obj, unittest.TestCase) and \
                    obj.__module__ == mod.__name__:
                if hasattr(ns, name):
                    raise SystemExit("test class %s is defined twice" % name)
                setattr(ns, name, obj)
    return ns


# Legal dates are Vietnam's, and the tests compute "today" once (harness.TODAY). A run that crossed
# Hanoi's midnight (17:00 UTC) would compare the server's new date with the tests' old one and fail
# for no fault of the code. A whole run lasts up to ~20 minutes (the ASan server on a loaded
# machine), so a run that would start in the last 20 minutes of a Vietnam day waits for the next.
DATE_CHANGE_MARGIN_S = 20 * 60


def start_clear_of_the_date_change():
    now = datetime.datetime.now(harness.VN_TZ)
    left = 86400 - (now.hour * 3600 + now.minute * 60 + now.second)
    if left < DATE_CHANGE_MARGIN_S:
        print("Vietnam's date changes in %d s: waiting for it, so that the run does not cross it"
              % left, file=sys.stderr)
        time.sleep(left + 5)
    harness.TODAY = datetime.datetime.now(harness.VN_TZ).date()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default="build/ecustoms")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--pg", action="store_true",
                    help="run against a throwaway PostgreSQL server started for this run")
    ap.add_argument("--db-url", help="run against this PostgreSQL server "
                    "(postgresql://user@host:port; each environment creates its own database)")
    args, rest = ap.parse_known_args()
    harness.BINARY = os.path.abspath(args.binary)
    if not os.access(harness.BINARY, os.X_OK):
        print("no executable at %s (build first)" % harness.BINARY, file=sys.stderr)
        return 2
    pg = None
    if args.pg:
        pg = pgserver.PgServer().start()
        harness.DB_URL = pg.base()
        harness.PG_SERVER = pg  # tests that stop and start the database server use it
    elif args.db_url:
        harness.DB_URL = args.db_url
    if harness.DB_URL:
        print("engine: PostgreSQL at %s" % harness.DB_URL, file=sys.stderr)
    ok = False
    try:
        # set before the test modules are imported: `from harness import *` copies these names
        start_clear_of_the_date_change()
        harness.ENV = harness.Env("main")
        tests = load_tests_namespace()
        harness.ENV.start()
        prog = unittest.main(module=tests, argv=[sys.argv[0]] + rest, exit=False,
                             verbosity=2 if args.verbose else 1)
        ok = prog.result.wasSuccessful()
    finally:
        if harness.ENV:
            harness.ENV.stop()
        if pg:
            pg.destroy()
    for failure in harness.SERVER_FAILURES:
        print(failure, file=sys.stderr)
    return 0 if ok and not harness.SERVER_FAILURES else 1


if __name__ == "__main__":
    sys.exit(main())
