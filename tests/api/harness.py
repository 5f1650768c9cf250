#!/usr/bin/env python3
"""The API tests' harness: a real `ecustoms serve` on a free loopback port with a fresh SQLite
database, parties and tokens made with the CLI, and the helpers every test module shares.

Test modules (tests/api/test_*.py) start with `from harness import *`; run.py loads them all.
Python 3 standard library only.
"""
import argparse
import atexit
import base64
import copy
import datetime
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

import pgserver

BINARY = "build/ecustoms"
# The base URI of a PostgreSQL server (postgresql://user@host:port): when set, every Env creates
# its own database there instead of a SQLite file (run.py --pg starts a throwaway server; --db-url
# or ECUSTOMS_TEST_DB_URL names an existing one, whose user may CREATE DATABASE).
DB_URL = os.environ.get("ECUSTOMS_TEST_DB_URL")
PG_SERVER = None  # the pgserver.PgServer that run.py --pg started, else None
TEMPLATES = {}  # the database each Env starts from, by PostgreSQL server ("": SQLite): Env.from_template
# Legal dates are Vietnam's (Asia/Ho_Chi_Minh = UTC+7 all year): the server's "today" is the date in
# Hanoi, which differs from the UTC date between 17:00 and 24:00 UTC.
VN_TZ = datetime.timezone(datetime.timedelta(hours=7))
TODAY = datetime.datetime.now(VN_TZ).date()

# parties (tax codes: 10 digits)
CUSTOMS = "0000000000"
ACTIVE = "0101234567"      # active importer, compliance 2
BROKER = "0301234568"      # customs broker (declares for others)
SUSPENDED = "0401234560"
DISSOLVED = "0401234571"
DEBTOR = "0501234561"      # overdue tax debt 120 days
AEO = "0201234569"         # priority enterprise (AEO), compliance 4 on purpose
NONCOMPLIANT = "0601234562"  # compliance class 4
OTHER = "0701234563"       # an unrelated active enterprise
LOADER = "0801234564"      # used by the concurrency test
BANK = "0100112437"        # e-Payment: a bank with a registered ECDSA P-256 key
BANK2 = "0100150619"       # another bank (its own key)
CARRIER = "0901234565"     # shipping line (e-Manifest)
CARRIER2 = "0911234566"    # another shipping line
PORTOP = "0921234567"      # terminal operator at Hai Phong
PORTOP2 = "0931234568"     # terminal operator at Cat Lai (HCMC)

TAX_KEYS = ("import_duty", "trade_remedy", "sct", "ept", "vat", "total")


free_port = pgserver.free_port  # a free loopback port (one definition for both modules)


def run_cli(*args, check=True):
    p = subprocess.run([BINARY] + list(args), capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s %s" % (args, p.returncode, p.stdout, p.stderr))
    return p


def pg_state_dir():
    """The state directory of the PostgreSQL pass (audit key, audit log, signing key of each
    database, named by its database: store/db.h). One for the whole run, in the environment, so
    that every `ecustoms` the tests start finds it without a --state-dir of its own."""
    d = os.environ.get("ECUSTOMS_STATE_DIR")
    if not d:
        d = tempfile.mkdtemp(prefix="ecustoms-api-state-")
        os.environ["ECUSTOMS_STATE_DIR"] = d
        atexit.register(shutil.rmtree, d, True)
    return d


class Env:
    """A database + a running server."""

    def __init__(self, name, serve_args=(), scheme="http", ssl_context=None, db_url=None):
        """db_url: the base URI of a PostgreSQL server for this environment (default DB_URL)."""
        self.dir = tempfile.mkdtemp(prefix="ecustoms-api-%s-" % name)
        db_url = db_url or DB_URL
        self.engine = "postgresql" if db_url else "sqlite"
        if db_url:
            pg_state_dir()
        self.db_url = db_url
        self.db = pgserver.create_database(db_url, "api_" + name) if db_url else \
            os.path.join(self.dir, "db.sqlite")
        self.proc = None
        self.tokens = {}
        self.serve_args = list(serve_args)   # extra `serve` options (limits, TLS)
        self.scheme = scheme
        self.ssl_context = ssl_context
        self.moved = set()   # ids of declarations a test changed behind the service (moved_back)

    def start(self):
        """The database every Env starts from (from_template), then the server and the
        exchange rates."""
        self.from_template()
        self.serve()
        self.seed_rates()

    def from_template(self):
        """This Env's database as a copy of the run's template for its engine and server, made
        by populate() the first time: ~37 `ecustoms` processes an Env took 2.4 s on the release
        build, 5 s on PostgreSQL and 9 s on the ASan build (each of its processes pays the
        sanitizer's start and LeakSanitizer's scan at exit), for every one of the suite's ~45
        Envs. A SQLite copy is the template's folder (the database and the files beside it:
        audit key and log, signing key, the banks' keys); a PostgreSQL copy is CREATE DATABASE
        ... TEMPLATE, its state files (audit key and log) copied under its own name."""
        key = self.db_url or ""
        tpl = TEMPLATES.get(key)
        if tpl is None:
            tpl = Env("template", db_url=self.db_url)
            tpl.populate()
            TEMPLATES[key] = tpl
            atexit.register(tpl.remove_template)
        # the database's own files (named after it) go where this Env's database is, which a
        # class may have put elsewhere (T15NetDiskFull: a small tmpfs); the rest to its folder
        db_file = os.path.basename(tpl.db) if self.engine == "sqlite" else None
        for name in os.listdir(tpl.dir):
            dst = (self.db + name[len(db_file):] if db_file and name.startswith(db_file)
                   else os.path.join(self.dir, name))
            shutil.copy2(os.path.join(tpl.dir, name), dst)
        if self.engine == "postgresql":
            pgserver.drop_database(self.db)
            pgserver.copy_database(tpl.db, self.db)
            state = pg_state_dir()
            for suffix in (".audit-key", ".audit-log"):
                src = os.path.join(state, pgserver.database_name(tpl.db) + suffix)
                if os.path.exists(src):
                    shutil.copy2(src, os.path.join(state, pgserver.database_name(self.db) + suffix))
        self.tokens = dict(tpl.tokens)
        self.keys = {k: os.path.join(self.dir, os.path.basename(v)) for k, v in tpl.keys.items()}

    def remove_template(self):
        """At the run's end: the template's folder and database."""
        if self.engine == "postgresql":
            try:
                pgserver.drop_database(self.db)
            except RuntimeError:  # the server is gone already
                pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def populate(self):
        """A new database with the suite's parties, mandates, tokens and banks' keys."""
        run_cli("db", "init", "--db", self.db, *self.key_args())
        parties = [
            (ACTIVE, "Hanoi Electronics Import JSC", []),
            (BROKER, "Saigon Logistics Brokerage Co", ["--compliance", "1"]),
            (SUSPENDED, "Danang Suspended Trading Co", ["--status", "suspended"]),
            (DISSOLVED, "Hue Dissolved Trading Co", ["--status", "dissolved"]),
            (DEBTOR, "Can Tho Overdue Debt Co", ["--overdue-debt-days", "120"]),
            (AEO, "Haiphong Priority Manufacturing (AEO)", ["--aeo", "--compliance", "4"]),
            (NONCOMPLIANT, "Vinh Non-compliant Trading Co", ["--compliance", "4"]),
            (OTHER, "Quang Ninh Other Trading Co", []),
            (LOADER, "Binh Duong Load Test Co", ["--compliance", "1"]),
            (CARRIER, "Vietnam Ocean Lines", []), (CARRIER2, "Mekong Feeder Lines", []),
            (PORTOP, "Tan Cang Hai Phong Terminal", []), (PORTOP2, "Cat Lai Terminal", []),
        ]
        for code, name, extra in parties:
            run_cli("party", "add", "--db", self.db, "--tax-code", code, "--name", name, *extra)
        # mandates: the broker declares for these enterprises under their mandates
        for ent, decl in [(ACTIVE, BROKER), (SUSPENDED, BROKER), (DISSOLVED, BROKER),
                          (DEBTOR, BROKER)]:
            run_cli("mandate", "grant", "--db", self.db, "--enterprise", ent, "--declarant", decl)
        for key, party, role in [
            ("active", ACTIVE, "declarant"), ("broker", BROKER, "declarant"),
            ("aeo", AEO, "declarant"), ("noncompliant", NONCOMPLIANT, "declarant"),
            ("other", OTHER, "declarant"), ("loader", LOADER, "declarant"),
            ("officer", CUSTOMS, "officer"), ("risk", CUSTOMS, "risk_officer"),
            ("admin", CUSTOMS, "admin"),
            ("carrier", CARRIER, "carrier"), ("carrier2", CARRIER2, "carrier"),
        ]:
            self.tokens[key] = run_cli("token", "create", "--db", self.db, "--party", party,
                                       "--role", role).stdout.strip()
        # e-Payment: two banks, each with its own ECDSA P-256 key (signed with the openssl CLI)
        self.keys = {}
        for key, code in [("bank", BANK), ("bank2", BANK2)]:
            run_cli("party", "add", "--db", self.db, "--tax-code", code, "--name", "Bank " + code,
                    "--bank")
            priv = os.path.join(self.dir, key + ".key")
            pub = os.path.join(self.dir, key + ".pub")
            subprocess.run(["openssl", "ecparam", "-genkey", "-name", "prime256v1", "-noout",
                            "-out", priv], check=True, capture_output=True)
            subprocess.run(["openssl", "ec", "-in", priv, "-pubout", "-out", pub], check=True,
                           capture_output=True)
            run_cli("party", "key", "--db", self.db, "--party", code, "--public-key", pub)
            self.keys[key] = priv
            self.tokens[key] = run_cli("token", "create", "--db", self.db, "--party", code,
                                       "--role", "bank").stdout.strip()
        for key, party, loc in [("portop", PORTOP, "VNHPH-TC01"), ("portop2", PORTOP2, "VNSGN")]:
            self.tokens[key] = run_cli("token", "create", "--db", self.db, "--party", party,
                                       "--role", "port_operator", "--location", loc).stdout.strip()

    def seed_rates(self):
        """The exchange rates around TODAY, through the API (the server is running)."""
        frm = (TODAY - datetime.timedelta(days=60)).isoformat()
        to = (TODAY + datetime.timedelta(days=60)).isoformat()
        st, body, _ = self.call("PUT", "/api/v1/exchange-rates", "admin", {"rates": [
            {"currency": "USD", "vnd_per_unit": "25450", "valid_from": frm, "valid_to": to,
             "source": "test"},
            {"currency": "EUR", "vnd_per_unit": "27600.5", "valid_from": frm, "valid_to": to,
             "source": "test"},
            {"currency": "CNY", "vnd_per_unit": "3520.25", "valid_from": frm, "valid_to": to,
             "source": "test"}]})
        if st != 200:
            raise RuntimeError("seeding exchange rates failed: %s %s" % (st, body))

    def add_party(self, code, name, role, key=None, agency=None, extra=()):
        """One more party (tax code, name; extra `party add` options), bound to an agency when one
        is given, and a token of it in role: self.tokens[key or code]."""
        run_cli("party", "add", "--db", self.db, "--tax-code", code, "--name", name, *extra)
        if agency:
            run_cli("agency", "bind", "--db", self.db, "--party", code, "--agency", agency)
        self.tokens[key or code] = run_cli("token", "create", "--db", self.db, "--party", code,
                                           "--role", role).stdout.strip()

    def serve(self, *extra):
        """Starts `serve` on the database as it is (start() makes a new one first), with
        serve_args and extra options, on a free port; returns once /healthz answers 200."""
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen(
            [BINARY, "serve", "--db", self.db, "--listen", "127.0.0.1:%d" % self.port]
            + self.key_args() + self.serve_args + list(extra), stdout=self.log,
            stderr=subprocess.STDOUT)
        self.base = "%s://127.0.0.1:%d" % (self.scheme, self.port)
        deadline = time.time() + 15
        while True:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1,
                                            context=self.ssl_context) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("server did not start; see %s/server.log" % self.dir)
            time.sleep(0.05)

    def stop_server(self):
        """Stops the server cleanly (its last audit checkpoint written) and keeps the database, for
        tests that work on its files or copies; stop() still cleans up after them."""
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()
        self.proc = None
        self.log = None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.returncode != 0:
            # a clean SIGTERM shutdown exits 0; anything else (a sanitizer report, a crash) fails
            # the run, with the server's log
            self.log.flush()
            with open(os.path.join(self.dir, "server.log"), "rb") as f:
                SERVER_FAILURES.append("server exited with %d:\n%s" % (
                    self.proc.returncode, f.read()[-4000:].decode("utf-8", "replace")))
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()
        # whatever the tests did, the audit trail they leave must verify: every
        # change of a declaration or its ledger came with its event, in the right order
        if ((self.engine == "postgresql" or os.path.exists(self.db))
                and not getattr(self, "skip_audit_verify", False)):
            problems = self.audit_problems()
            if problems:
                SERVER_FAILURES.append("audit verify failed on %s:\n%s" % (
                    self.dir, "\n".join(problems)[-6000:]))
        if self.engine == "postgresql":
            try:
                pgserver.drop_database(self.db)
            except RuntimeError as e:  # the server is gone already: nothing to clean
                print("note: %s" % e, file=sys.stderr)
        shutil.rmtree(self.dir, ignore_errors=True)

    def key_args(self):
        """`db init`/`serve` options for the QR signing key: beside a SQLite file by default; a
        PostgreSQL database has no such place, so its key file lives in this Env's folder."""
        if self.engine == "postgresql":
            path = os.path.join(self.dir, "signing-key.pem")
            if not os.path.exists(path):  # a database made by other means than Env.start
                run_cli("key", "generate", "--out", path)
            return ["--signing-key", path]
        return []

    def connect_db(self):
        """A connection for tests that look into (or age) the database directly, either engine:
        execute(sql with ?, params) -> fetchone/fetchall/rowcount, usable in `with`."""
        if self.engine == "postgresql":
            return pgserver.PsqlConnection(self.db)
        return sqlite3.connect(self.db, timeout=30)

    def moved_back(self, key):
        """Records that a test changed the declaration `key` (id or number) in the database
        behind the service's back — its dates moved back, as time would move them. The audit
        trail rightly reports such a declaration ("does not match its last event") until a later
        event of the service covers it; audit_problems() expects exactly that of it, nothing
        else, and of no other declaration."""
        con = self.connect_db()
        try:
            row = con.execute("SELECT id FROM declarations WHERE id = ? OR number = ?",
                              (str(key), str(key))).fetchone()
        finally:
            con.close()
        if not row:
            raise AssertionError("no declaration %s to move back" % key)
        self.moved.add(row[0])

    def audit_problems(self):
        """`ecustoms audit verify` on the database: [] when it passes, or passes but for the state
        of declarations moved back by the tests (moved_back); else the output's lines."""
        p = run_cli("audit", "verify", "--db", self.db, check=False)
        if p.returncode == 0:
            return []
        lines = [l for l in p.stdout.splitlines() if l.strip()]
        expected = re.compile(r"TAMPERED: declaration (?:\d+ \(id ([0-9a-f]{32})\)|id ([0-9a-f]{32})): "
                              r"its current state \(row or ledger\) does not match its last event")
        unexpected = [l for l in lines if not l.startswith("FAILED: ") and not (
            expected.match(l) and (expected.match(l).group(1) or expected.match(l).group(2)) in self.moved)]
        # a summary line alone (every problem listed and expected) passes; "... and N more" does not
        if not unexpected and any(l.startswith("TAMPERED: ") for l in lines) and \
                all(re.match(r"FAILED: \d+ problems in \d+ events$", l) for l in lines
                    if l.startswith("FAILED: ")):
            return []
        return lines + [l for l in p.stderr.splitlines()]

    def call(self, method, path, token=None, body=None, raw=None, headers=None,
             ctype="application/json", timeout=30):
        """Returns (status, parsed JSON or text, headers). token is a key of self.tokens or a
        literal token string (for invalid tokens)."""
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + self.tokens.get(token, token)
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None and ctype:
            h["Content-Type"] = ctype
        if data is None and method in ("POST", "PUT"):
            data = b""
        rq = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(rq, timeout=timeout, context=self.ssl_context) as r:
                status, text, rh = r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            status, text, rh = e.code, e.read(), e.headers
        ct = rh.get("Content-Type", "")
        if "json" in ct:
            try:
                return status, json.loads(text), rh
            except ValueError:
                pass
        return status, text.decode("utf-8", "replace"), rh


ENV = None  # the shared environment

PASSWORD = "correct horse battery"  # every person's that add_user makes, unless said


def add_user(env, username, party, role, name="Nguyễn Văn An", office=None, password=PASSWORD,
             check=True):
    """A person (e-Office) of party with role, added by the CLI (`user add`)."""
    path = os.path.join(env.dir, "pw-" + username)
    with open(path, "w") as f:
        f.write(password + "\n")
    args = ["user", "add", "--db", env.db, "--party", party, "--username", username, "--name", name,
            "--role", role, "--password-file", path]
    if office:
        args += ["--office", office]
    return run_cli(*args, check=check)


def vn_day_start(d):
    """Unix seconds of local midnight in Hanoi of the date d."""
    return int(datetime.datetime(d.year, d.month, d.day, tzinfo=VN_TZ).timestamp())


# ---- declarations -------------------------------------------------------------------------

def item(hs="85171300", qty="500", price="200", origin="CN", desc="Smartphones, 128 GB"):
    q, p = int(qty), int(price)
    # condition: the fact that decides the used-goods bans; declared on every item
    return {"hs_code": hs, "description": desc, "origin": origin, "quantity": qty,
            "unit": "PCE", "unit_price": price, "value": str(q * p), "condition": "new"}


def declaration(importer=ACTIVE, items=None, type_code="A11", kind="import"):
    items = items if items is not None else [
        dict(item(), certificate_of_origin={"form": "E", "number": "E2026CN0001234"}),
        item("85044019", "5000", "5", desc="Phone chargers 25 W")]
    total = sum(int(i["value"]) for i in items)
    return {
        "kind": kind, "type_code": type_code, "customs_office": "02CI",
        "importer": {"tax_code": importer, "name": "Importer " + importer,
                     "address": "1 Trang Tien, Hoan Kiem, Ha Noi"},
        "exporter": {"name": "Shenzhen Mobile Devices Ltd", "country": "CN",
                     "address": "Nanshan, Shenzhen"},
        "transport": {"mode": 2, "bills_of_lading": ["COSU6123456780"],
                      "port_of_loading": "CNSHK", "port_of_discharge": "VNHPH",
                      "arrival_date": (TODAY + datetime.timedelta(days=3)).isoformat(),
                      "vessel": "COSCO HAIPHONG", "containers": ["MSCU1234566"]},
        "packages": {"count": 120, "unit": "CT"},
        "gross_weight_kg": "1850.5",
        "invoice": {"number": "SZ-2026-1101", "date": TODAY.isoformat(), "currency": "USD",
                    "incoterm": "FOB", "total": str(total), "freight": "1800",
                    "insurance": "250"},
        "items": items,
    }


def number_ok(n):
    return (isinstance(n, str) and len(n) == 12 and n.isdigit() and n.startswith("10")
            and int(n[2:10]) % 7 == int(n[10]))


def error_codes(body):
    return [(e["code"], e["path"]) for e in body.get("errors", [])]


class ApiCase(unittest.TestCase):
    env = None

    @classmethod
    def setUpClass(cls):
        if cls.env is None:
            cls.env = ENV

    def call(self, *a, **k):
        return self.env.call(*a, **k)

    def create(self, token="active", decl=None, expect=201):
        st, body, _ = self.call("POST", "/api/v1/declarations", token, decl or declaration())
        self.assertEqual(st, expect, body)
        return body

    def register(self, key, token="active", expect=200):
        st, body, _ = self.call("POST", "/api/v1/declarations/%s/register" % key, token)
        self.assertEqual(st, expect, body)
        return body

    def registered(self, token="active", decl=None):
        d = self.create(token, decl)
        r = self.register(d["id"], token)
        self.assertTrue(number_ok(r["number"]), r)
        return r

    def decide(self, number, decision, expect=200, token="officer", **extra):
        if decision == "clear" and expect == 200 and token == "officer" and self.settle(number):
            # e-Payment: clearance needs the taxes paid; a paid green declaration clears itself
            g = self.get(number, "officer")
            if g["status"] == "cleared":
                return g
        body = dict(decision=decision, **extra)
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/decisions" % number, token, body)
        self.assertEqual(st, expect, b)
        return b

    def get(self, key, token="active", expect=200):
        st, b, _ = self.call("GET", "/api/v1/declarations/%s" % key, token)
        self.assertEqual(st, expect, b)
        return b

    def events(self, key, token="active", ledger=False):
        st, b, _ = self.call("GET", "/api/v1/declarations/%s/events" % key, token)
        self.assertEqual(st, 200, b)
        # e-Payment ledger entries are audited on the declaration too ("ledger.*")
        return [e for e in b["events"] if ledger or not e["action"].startswith("ledger.")]

    # ---- e-Payment ----

    def sign(self, data, key="bank"):
        p = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.env.keys[key]],
                           input=data, capture_output=True, check=True)
        return base64.b64encode(p.stdout).decode()

    def pay_raw(self, body, token="bank", key=None, signature=None, expect=201):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        sig = signature if signature is not None else self.sign(data, key or token)
        h = {"X-Signature": sig} if sig else {}
        st, b, _ = self.call("POST", "/api/v1/payments", token, raw=data, headers=h)
        self.assertEqual(st, expect, b)
        return b

    def pay(self, lines, txn=None, expect=201, **k):
        body = {"bank_transaction_id": txn or "TX" + os.urandom(8).hex(), "payer": ACTIVE,
                "paid_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "lines": [{"declaration": n, "amount": str(a)} for n, a in lines]}
        return self.pay_raw(body, expect=expect, **k)

    def ledger(self, number, token="officer", expect=200):
        st, b, _ = self.call("GET", "/api/v1/declarations/%s/ledger" % number, token)
        self.assertEqual(st, expect, b)
        return b

    def settle(self, number):
        """Pays what a declaration still owes; True when something was paid."""
        st, b, _ = self.call("GET", "/api/v1/declarations/%s/ledger" % number, "officer")
        if st != 200 or int(b["outstanding"]) == 0:
            return False
        self.pay([(number, b["outstanding"])])
        return True

    def assert_errors(self, st, body, expected, status=422):
        """expected: list of (code, path) that must all be present."""
        self.assertEqual(st, status, body)
        got = error_codes(body)
        for e in expected:
            self.assertIn(e, got, "missing error %s in %s" % (e, got))
        return got

    def rule(self, **r):
        st, b, _ = self.call("POST", "/api/v1/risk/rules", "risk", r)
        self.assertEqual(st, 201, b)
        self.addCleanup(self.call, "DELETE", "/api/v1/risk/rules/%d" % b["id"], "risk")
        return b

    def assert_taxes(self, taxes):
        for k in TAX_KEYS:
            self.assertIn(k, taxes)
            self.assertIn("amount", taxes[k])
            self.assertRegex(taxes[k]["amount"], r"^-?\d+(\.\d+)?$")



class OwnEnvCase(ApiCase):
    """A class with a database and server of its own (an Env) instead of the shared ENV: started
    before its first test, stopped (and its audit trail verified) after its last. What varies is
    said by class attributes and hooks:

      env_name           the Env's name (its folder, its PostgreSQL database); default: the
                         class's name in lower case
      serve_args         more `serve` options (limits)
      tls                True: HTTPS with a self-signed certificate for 127.0.0.1, made with the
                         openssl CLI in cls.tls_dir (cls.cert, cls.key; removed after)
      engine             "sqlite" or "postgresql": the class needs that engine and is skipped, with
                         engine_note as the reason, in the other pass
      skip_audit_verify  True when the tests change the database behind the service's back
      make_env()         the Env before it starts (override for what is made first: a server,
                         a mount); it cleans up after itself when it fails
      setUpEnv()         after the server started: parties, tokens, data; when it fails, the
                         class is torn down (tearDownClass) before the error is raised
      tearDownClass()    extend with super().tearDownClass() for what make_env made
    """
    env = None
    env_name = None
    serve_args = ()
    tls = False
    engine = None
    engine_note = None
    skip_audit_verify = False

    @classmethod
    def make_env(cls, **kw):
        """The Env, not started (keyword arguments go to Env)."""
        serve_args = list(cls.serve_args)
        try:
            if cls.tls:
                cls.tls_dir = tempfile.mkdtemp(prefix="ecustoms-tls-")
                cls.cert = os.path.join(cls.tls_dir, "cert.pem")
                cls.key = os.path.join(cls.tls_dir, "key.pem")
                subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                                "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                                "-keyout", cls.key, "-out", cls.cert], check=True,
                               capture_output=True)
                serve_args += ["--tls-cert", cls.cert, "--tls-key", cls.key]
                kw.update(scheme="https", ssl_context=ssl.create_default_context(cafile=cls.cert))
            env = Env(cls.env_name or cls.__name__.lower(), serve_args=serve_args, **kw)
        except BaseException:
            if cls.tls:
                shutil.rmtree(cls.tls_dir, ignore_errors=True)
            raise
        env.skip_audit_verify = cls.skip_audit_verify
        return env

    @classmethod
    def setUpEnv(cls):
        """After the server started (nothing by default)."""

    @classmethod
    def setUpClass(cls):
        engine = "postgresql" if DB_URL else "sqlite"
        if cls.engine and cls.engine != engine:
            raise unittest.SkipTest(cls.engine_note or "%s only" % cls.engine)
        cls.env = None
        cls.env = cls.make_env()
        try:
            cls.env.start()
            cls.setUpEnv()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.env:
            cls.env.stop()
        if cls.tls:
            shutil.rmtree(cls.tls_dir, ignore_errors=True)

    @classmethod
    def case(cls):
        """An ApiCase on this class's Env, for its helpers (create, registered, pay) in
        setUpEnv."""
        c = ApiCase()
        c.env = cls.env
        return c


class WriterHeld:
    """For a test that orders writes: the database's write lock taken by the test, so that the
    writer's next batch waits at its BEGIN while requests read and queue their jobs behind it.
    On PostgreSQL the writer's advisory lock (psql holds it in a transaction); on SQLite the
    file's (a connection of the test in BEGIN IMMEDIATE: the writer waits for it up to its busy
    timeout, 10 s, store/db_sqlite.c). Mixed into an OwnEnvCase."""
    WRITER_LOCK = 6009165746368749568  # db_pg.c PG_WRITER_LOCK_KEY
    ADVISORY = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND %s"

    def count(self, sql):
        return self.env.connect_db().execute(sql).fetchone()[0]

    def wait_for(self, what, test):
        deadline = time.time() + 30
        while not test():
            if time.time() > deadline:
                raise AssertionError("waited 30 s for " + what)
            time.sleep(0.05)

    def metric(self, name):
        _, text, _ = self.call("GET", "/metrics")
        m = re.search(r"^%s (\d+)" % name, text, re.M)
        return int(m.group(1)) if m else 0

    def queued(self):
        return self.metric("ecustoms_store_queued")

    def hold_writer(self):
        """The lock, held when this returns; release_writer lets it go."""
        if self.env.engine != "postgresql":
            con = sqlite3.connect(self.env.db, timeout=30, isolation_level=None)
            con.execute("BEGIN IMMEDIATE")
            return con
        lock = subprocess.Popen(["psql", "-X", "-q", "-d", self.env.db], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
        lock.stdin.write("BEGIN;\nSELECT pg_advisory_xact_lock(%d);\n" % self.WRITER_LOCK)
        lock.stdin.flush()
        self.wait_for("the test's lock", lambda: self.count(self.ADVISORY % "granted") >= 1)
        return lock

    def wait_writer_waits(self):
        """Until the writer has taken a batch (/metrics ecustoms_store_in_batch): it waits for
        the lock with it, and every job sent from now on queues behind it."""
        self.wait_for("the writer to take a batch",
                      lambda: self.metric("ecustoms_store_in_batch") >= 1)

    def release_writer(self, lock):
        if isinstance(lock, sqlite3.Connection):
            lock.execute("COMMIT")
            lock.close()
            return
        lock.stdin.write("COMMIT;\n")
        lock.stdin.close()
        lock.wait(30)


class ManagerReportCase(OwnEnvCase):
    """A manager's report (the dashboard, the hit rates) read from a known set in a database of
    its own: setUpEnv adds the customs manager of office 02CI (cls.manager_user, named
    cls.manager_name) with its token as tokens["manager"], then cls.build() makes the set."""
    manager_user = None
    manager_name = "Trần Thị Quản Lý"

    @classmethod
    def setUpEnv(cls):
        add_user(cls.env, cls.manager_user, CUSTOMS, "manager", name=cls.manager_name,
                 office="02CI")
        cls.env.tokens["manager"] = run_cli("token", "create", "--db", cls.env.db, "--user",
                                            cls.manager_user).stdout.strip()
        cls.build()

    @classmethod
    def build(cls):
        """The known set (nothing by default)."""

    def period(self):
        """The query's period: a day either side of today, so that a test does not depend on
        when Hanoi's midnight falls."""
        return "from=%s&to=%s" % ((TODAY - datetime.timedelta(days=1)).isoformat(),
                                  (TODAY + datetime.timedelta(days=1)).isoformat())


SERVER_FAILURES = []  # unclean server exits, reported by run.py
