"""API tests: storage — schema versions and migrations."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness
import pgserver


def pgserver_uri(path):
    return path.startswith("postgresql://")


HERE = os.path.dirname(os.path.abspath(__file__))
# a database made by the release before schema versions (commit c76a9ae), as an SQL dump
V0_DUMP = os.path.join(HERE, "..", "data", "schema", "v0-c76a9ae.sql")
V0_OFFICER = "37a46432f98b4417b249d7ae1d8497b55330d35102e178e8"  # its demo officer token


PG_SKIP = "the release before schema versions had SQLite only (no PostgreSQL database to migrate)"


def term_decl_id(engine, alias="t"):
    """decl_terms keeps the declaration id as 16 bytes (schema migration 16): its hex text."""
    if engine == "postgresql":
        return "encode(%s.decl_id, 'hex')" % alias
    return "lower(hex(%s.decl_id))" % alias


def schema_file_migrations():
    """The migration numbers schema.sql holds (they may have gaps while branches land)."""
    with open(os.path.join(HERE, "..", "..", "src", "store", "schema.sql"), encoding="utf-8") as f:
        return sorted({int(m) for m in re.findall(r"^-- migration (\d+):", f.read(), re.M)})


def table_counts(path):
    if pgserver_uri(path):
        c = pgserver.PsqlConnection(path)
        names = [n for (n,) in c.execute("SELECT table_name FROM information_schema.tables"
                                         " WHERE table_schema = 'public'").fetchall()]
        # one statement for all the tables (a psql call each cost ~0.1 s)
        rows = c.execute(" UNION ALL ".join("SELECT '%s', COUNT(*) FROM \"%s\"" % (n, n)
                                            for n in names)).fetchall()
        return {n: k for n, k in rows}
    c = sqlite3.connect(path)
    try:
        names = [n for (n,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: c.execute('SELECT COUNT(*) FROM "%s"' % n).fetchone()[0] for n in names}
    finally:
        c.close()


def query(path, sql):
    if pgserver_uri(path):
        return pgserver.PsqlConnection(path).execute(sql).fetchall()
    c = sqlite3.connect(path)
    try:
        return c.execute(sql).fetchall()
    finally:
        c.close()


class ExistingDb(Env):
    """A server on a database that already exists: the tests make it, then serve() (Env.start
    would initialise a new one)."""


class T12StorageMigrate(unittest.TestCase):
    def setUp(self):
        self.env = ExistingDb("migrate")

    def tearDown(self):
        self.env.stop()

    def v0(self):
        if self.env.engine == "postgresql":
            self.skipTest(PG_SKIP)
        with open(V0_DUMP, encoding="utf-8") as f:
            dump = f.read()
        c = sqlite3.connect(self.env.db)
        c.executescript(dump)
        c.close()
        return table_counts(self.env.db)

    def latest(self):
        fresh = os.path.join(self.env.dir, "fresh.sqlite")
        run_cli("db", "init", "--db", fresh)
        out = run_cli("db", "migrate", "--db", fresh).stdout
        m = re.search(r"schema version (\d+), up to date", out)
        self.assertTrue(m, out)
        return int(m.group(1))

    def test_previous_release_migrates_without_losing_a_row(self):
        before = self.v0()
        numbers = query(self.env.db, "SELECT id, number FROM declarations ORDER BY id")
        self.assertEqual(len(numbers), 15)
        latest = self.latest()
        out = run_cli("db", "migrate", "--db", self.env.db).stdout
        self.assertIn("schema version 0 -> %d" % latest, out)
        after = table_counts(self.env.db)
        for table, n in before.items():
            self.assertEqual(after.get(table), n, table)
        self.assertEqual(query(self.env.db, "SELECT id, number FROM declarations ORDER BY id"),
                         numbers)
        self.assertEqual([v for (v,) in query(self.env.db,
                                               "SELECT version FROM schema_version ORDER BY 1")],
                         schema_file_migrations())
        self.assertIn("every hash chain intact",
                      run_cli("audit", "verify", "--db", self.env.db).stdout)
        # once is enough
        out = run_cli("db", "migrate", "--db", self.env.db).stdout
        self.assertIn("schema version %d, up to date" % latest, out)
        # the server reads every migrated declaration by its number
        self.env.tokens["officer"] = V0_OFFICER
        self.env.serve()
        for _, number in numbers:
            if number:
                st, body, _ = self.env.call("GET", "/api/v1/declarations/%s" % number, "officer")
                self.assertEqual(st, 200, body)
                self.assertEqual(body["number"], number)

    def test_serve_migrates_a_previous_release(self):
        self.v0()
        latest = self.latest()
        self.env.serve()
        self.assertEqual(query(self.env.db, "SELECT MAX(version) FROM schema_version"),
                         [(latest,)])

    def test_newer_database_refused(self):
        self.env.skip_audit_verify = True  # no binary may open it, `audit verify` neither
        run_cli("db", "init", "--db", self.env.db)
        latest = self.latest()
        with self.env.connect_db() as c:
            c.execute("INSERT INTO schema_version (version, title, applied_at)"
                      " VALUES (?, 'future', 0)", (latest + 1,))
        before = table_counts(self.env.db)
        p = run_cli("db", "migrate", "--db", self.env.db, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("schema version %d, newer than this binary's %d" % (latest + 1, latest),
                      p.stderr)
        p = subprocess.run([harness.BINARY, "serve", "--db", self.env.db, "--listen",
                            "127.0.0.1:%d" % free_port()] + self.env.key_args(), capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("newer than this binary's", p.stderr)
        self.assertEqual(table_counts(self.env.db), before)

    def test_migrate_needs_an_existing_database(self):
        if self.env.engine == "postgresql":
            self.skipTest("a missing file is SQLite's case; PostgreSQL reports a missing database")
        missing = os.path.join(self.env.dir, "missing.sqlite")
        p = run_cli("db", "migrate", "--db", missing, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no database at", p.stderr)
        self.assertFalse(os.path.exists(missing))
        p = run_cli("db", "migrate", check=False)
        self.assertEqual(p.returncode, 2)


def serve_existing(env):
    """(Re)starts env's server on its existing database, replacing env.proc."""
    env.serve()


class T12StorageIdempotencyRetention(unittest.TestCase):
    """Idempotency keys are kept 48 hours: the server's sweep forgets older ones."""

    def setUp(self):
        self.env = ExistingDb("idem")

    def tearDown(self):
        self.env.stop()

    def test_keys_older_than_48_hours_are_forgotten(self):
        run_cli("db", "init", "--db", self.env.db)
        now = int(time.time())
        with self.env.connect_db() as c:
            for key, age_h in [("old-49h", 49), ("old-72h", 72), ("recent-47h", 47), ("now", 0)]:
                c.execute("INSERT INTO idempotency (party, key, request_hash, status, response,"
                          " created_at) VALUES (?, ?, 'h', 201, '{}', ?)",
                          (ACTIVE, key, now - age_h * 3600))
        self.env.serve()  # sweeps 1 s after it starts, then every 10 s
        deadline = time.time() + 20
        while time.time() < deadline:
            keys = sorted(k for (k,) in query(self.env.db, "SELECT key FROM idempotency"))
            if keys == ["now", "recent-47h"]:
                break
            time.sleep(0.2)
        self.assertEqual(keys, ["now", "recent-47h"])


class T12StorageSigkill(unittest.TestCase):
    """kill -9 during registrations: every acknowledged registration is there after a restart,
    with its number; numbers are unique; the audit chain verifies."""

    THREADS = 6

    def setUp(self):
        self.env = Env("sigkill")
        self.env.start()

    def tearDown(self):
        self.env.stop()

    def test_acknowledged_registrations_survive_sigkill(self):
        env = self.env
        body = json.dumps(declaration(importer=LOADER)).encode()
        token = env.tokens["loader"]
        acked, lock, stop = [], threading.Lock(), threading.Event()

        def worker():
            hdr = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
            while not stop.is_set():
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", env.port, timeout=10)
                    conn.request("POST", "/api/v1/declarations", body, hdr)
                    r = conn.getresponse()
                    data = r.read()
                    if r.status != 201:
                        continue
                    did = json.loads(data)["id"]
                    conn.request("POST", "/api/v1/declarations/%s/register" % did, b"",
                                 {"Authorization": "Bearer " + token})
                    r = conn.getresponse()
                    data = r.read()
                    conn.close()
                    if r.status == 200:
                        with lock:
                            acked.append((did, json.loads(data)["number"]))
                except (OSError, http.client.HTTPException, ValueError):
                    if stop.is_set():
                        return
                    time.sleep(0.01)

        ths = [threading.Thread(target=worker) for _ in range(self.THREADS)]
        for t in ths:
            t.start()
        # kill once registrations are flowing (at least 50 acknowledged, at most 10 s)
        deadline = time.time() + 10
        while time.time() < deadline:
            with lock:
                if len(acked) >= 50:
                    break
            time.sleep(0.02)
        time.sleep(0.3)  # mid-load: requests in flight, batches being committed
        env.proc.kill()
        env.proc.wait()
        with lock:
            snapshot = list(acked)
        stop.set()
        for t in ths:
            t.join(30)
        self.assertGreaterEqual(len(snapshot), 50)
        # every answer the clients got before the kill was written (acked may grow by replies
        # received just before the socket closed: all of them count)
        with lock:
            snapshot = list(acked)
        env.log.close()
        serve_existing(env)
        numbers = [n for _, n in snapshot]
        self.assertEqual(len(numbers), len(set(numbers)), "a number was given twice")
        for did, number in snapshot:
            st, b, _ = env.call("GET", "/api/v1/declarations/%s" % number, "officer")
            self.assertEqual(st, 200, (number, b))
            self.assertEqual(b["id"], did)
            self.assertEqual(b["number"], number)
        rows = query(env.db, "SELECT COUNT(number), COUNT(DISTINCT number) FROM declarations"
                             " WHERE number IS NOT NULL")
        self.assertEqual(rows[0][0], rows[0][1])
        self.assertGreaterEqual(rows[0][0], len(snapshot))
        self.assertIn("every hash chain intact", run_cli("audit", "verify", "--db", env.db).stdout)


def expected_chapters(db):
    """Migration 11's decl_chapters computed here from the documents: (decl_id, chapter, item
    lines) sorted."""
    from test_dashboard import unpack
    rows = []
    for decl_id, doc in query(db, "SELECT id, doc FROM declarations"):
        per = {}
        for it in json.loads(unpack(doc)).get("items", []):
            c = int(it["hs_code"][:2])
            per[c] = per.get(c, 0) + 1
        # str: over psql an id of 32 decimal digits (hex that happens to have no letter: a few
        # in a thousand seeded ids) comes back as an int, and ints and strs do not sort together
        rows += [(str(decl_id), c, n) for c, n in per.items()]
    return sorted(rows)


def chapter_lists(db):
    """decl_chapter_lists (schema migration 20: one row per declaration, its id as 16 bytes, its
    chapters as "chapter:items,..." by chapter) as (decl_id, chapter, item lines) rows, sorted."""
    rows = []
    for d, text in query(db, "SELECT %s, chapters FROM decl_chapter_lists c" % term_decl_id(
            "postgresql" if pgserver_uri(db) else "sqlite", "c")):
        pairs = [p.split(":") for p in str(text).split(",")]
        # written by chapter, as the dashboard reads it
        self_sorted = [int(c) for c, _ in pairs]
        assert self_sorted == sorted(self_sorted), text
        rows += [(str(d), int(c), int(n)) for c, n in pairs]
    return sorted(rows)


def chapters(db):
    return chapter_lists(db)


OWED = ("SELECT decl_id FROM ledger_entries GROUP BY decl_id HAVING"
        " SUM(CASE WHEN kind IN ('assessed', 'interest', 'credit') THEN amount"
        " WHEN kind IN ('paid', 'paid_by_credit') THEN -amount ELSE 0 END) > 0"
        " AND MIN(CASE WHEN kind = 'assessed' THEN at END) IS NOT NULL ORDER BY decl_id")


class T12StorageUnpaidLedger(unittest.TestCase):
    """Schema migration 7: ledger_unpaid holds exactly the declarations whose ledger balance is
    above zero — kept by every ledger entry, and filled from the ledger when a version-6 database
    is migrated."""

    def setUp(self):
        self.env = ExistingDb("unpaid")

    def tearDown(self):
        self.env.stop()

    def test_seeded_ledger_and_migration_from_version_6(self):
        db = self.env.db
        run_cli("db", "init", "--demo", "--db", db)
        # whole lives over three simulated days: paid and cleared, and still unpaid (the last two)
        run_cli("db", "seed", "--db", db, "--declarations", "300", "--per-day", "100",
                "--enterprises", "40")
        owed = query(db, OWED)
        paid = query(db, "SELECT COUNT(DISTINCT decl_id) FROM ledger_entries")[0][0] - len(owed)
        self.assertGreater(len(owed), 0)
        self.assertGreater(paid, 0)
        self.assertEqual(query(db, "SELECT decl_id FROM ledger_unpaid ORDER BY decl_id"), owed)
        if self.env.engine == "sqlite":
            self.assertEqual(query(db, "PRAGMA journal_mode"), [("wal",)])  # the seed restored WAL
        # migration 11's HS chapters, as db seed wrote them, are the documents'
        hs = expected_chapters(db)
        self.assertGreater(len(hs), 300)
        self.assertEqual(chapters(db), hs)
        # migration 14's selections, as db seed wrote them with each risk decision
        sel = query(db, "SELECT registered_at, decl_id, source, ref, channel FROM risk_selections"
                        " ORDER BY 1, 2, 3, 4")
        self.assertGreater(len(sel), 50)
        # the same database as version 6 left it: no ledger_unpaid (7), nor what migration 8
        # added (customs offices, declared documents, audit cases, the rules'
        # duplicate_document), nor migration 9's (e-Office's tables, indexes and the
        # events' feed column), nor migration 11's (decl_chapters and the period index), none of
        # them recorded
        latest = query(db, "SELECT MAX(version) FROM schema_version")[0][0]
        self.assertGreaterEqual(latest, 9)
        with self.env.connect_db() as c:
            c.execute("DROP TABLE ledger_unpaid")
            for table in ("customs_offices", "declared_documents", "audit_cases"):
                c.execute("DROP TABLE %s" % table)
            c.execute("ALTER TABLE risk_rules DROP COLUMN duplicate_document")
            for table in ("users", "user_roles", "sessions", "login_failures", "token_owners",
                          "decl_terms", "decl_claims"):
                c.execute("DROP TABLE %s" % table)
            for index in ("declarations_created", "declarations_party_created",
                          "declarations_declarant_created", "events_feed", "events_at"):
                c.execute("DROP INDEX %s" % index)
            c.execute("ALTER TABLE events DROP COLUMN feed")
            c.execute("DROP TABLE decl_chapter_lists")  # (decl_chapters until migration 20)
            c.execute("DROP INDEX declarations_registered")
            c.execute("DROP TABLE risk_selections")  # migration 14's
            for index in ("declarations_status_created", "declarations_channel_created",
                          "declarations_office_status"):
                c.execute("DROP INDEX %s" % index)
            c.execute("DELETE FROM schema_version WHERE version >= 7")
        out = run_cli("db", "migrate", "--db", db).stdout
        self.assertIn("schema version 6 -> %d" % latest, out)
        self.assertEqual(query(db, "SELECT decl_id FROM ledger_unpaid ORDER BY decl_id"), owed)
        self.assertEqual(query(db, "SELECT COUNT(*) FROM ledger_unpaid u JOIN declarations d"
                                   " ON d.id = u.decl_id WHERE u.party <> d.party"), [(0,)])
        self.assertEqual(chapters(db), hs)  # back-filled from the packed documents
        # back-filled from the declarations' risk decisions: the rows the seed wrote
        self.assertEqual(query(db, "SELECT registered_at, decl_id, source, ref, channel FROM"
                                   " risk_selections ORDER BY 1, 2, 3, 4"), sel)
        self.assertIn("every hash chain intact", run_cli("audit", "verify", "--db", db).stdout)


class T12StorageTermsOneTree(unittest.TestCase):
    """Schema migration 12: the search terms in one B-tree keyed (term, decl_id), no index by
    declaration; a database of version 11 keeps its terms, and a command that migrates it in the
    same process (here `db seed`, whose bulk session ends with a WAL checkpoint) still works."""

    def setUp(self):
        self.env = ExistingDb("terms")

    def tearDown(self):
        self.env.stop()

    def test_version_11_terms_migrated_then_seeded(self):
        db = self.env.db
        run_cli("db", "init", "--demo", "--db", db)
        c = self.env.connect_db()  # back to what version 11 left
        try:
            if self.env.engine == "sqlite":
                c.execute("DROP TABLE decl_terms")
                c.execute("CREATE TABLE decl_terms (term TEXT NOT NULL, decl_id TEXT NOT NULL,"
                          " PRIMARY KEY (term, decl_id))")
            c.execute("CREATE INDEX decl_terms_decl ON decl_terms(decl_id)")
            c.execute("INSERT INTO decl_terms (term, decl_id) VALUES ('lumia', 'D-OLD'),"
                      " ('dien', 'D-OLD')")
            # version 11's decl_chapters (migration 13 rebuilds it, 20 replaces it)
            c.execute("CREATE TABLE decl_chapters (decl_id TEXT NOT NULL, chapter INTEGER NOT NULL,"
                      " items INTEGER NOT NULL, PRIMARY KEY (decl_id, chapter))")
            c.execute("DELETE FROM schema_version WHERE version >= 12")
            c.commit()
        finally:
            c.close()  # the seed's bulk session (journal_mode=MEMORY) needs the file to itself
        # whole lives (a bulk session that ends with a checkpoint), after migrating in-process
        out = run_cli("db", "seed", "--db", db, "--declarations", "300", "--per-day", "100",
                      "--enterprises", "40").stdout
        self.assertIn("seeded 300 declarations", out)
        self.assertGreaterEqual(query(db, "SELECT MAX(version) FROM schema_version")[0][0], 12)
        # (an id that is not 32 hex digits keeps its own bytes)
        old = "'D-OLD'::bytea" if self.env.engine == "postgresql" else "CAST('D-OLD' AS BLOB)"
        self.assertEqual(query(db, "SELECT term FROM decl_terms WHERE decl_id = %s ORDER BY term" % old),
                         [("dien",), ("lumia",)])
        if self.env.engine == "sqlite":
            self.assertIn("WITHOUT ROWID", query(db, "SELECT sql FROM sqlite_master WHERE name = 'decl_terms'")[0][0])
            self.assertEqual(query(db, "SELECT name FROM sqlite_master WHERE tbl_name = 'decl_terms'"
                                       " AND type = 'index' AND sql IS NOT NULL"), [])
            self.assertEqual(query(db, "PRAGMA journal_mode"), [("wal",)])
            # clearing a declaration's declared documents reads only its rows
            plan = " ".join(r[-1] for r in query(db, "EXPLAIN QUERY PLAN DELETE FROM declared_documents"
                                                      " WHERE decl_id = 'D-OLD'"))
            self.assertIn("declared_documents_decl", plan)
        else:
            self.assertEqual(query(db, "SELECT indexname FROM pg_indexes WHERE tablename = 'decl_terms'"
                                       " AND indexname = 'decl_terms_decl'"), [])
        # every seeded declaration is found by its number
        self.assertEqual(query(db, "SELECT COUNT(*) FROM declarations d WHERE d.number IS NOT NULL"
                                   " AND NOT EXISTS (SELECT 1 FROM decl_terms t WHERE t.term = d.number"
                                   " AND %s = d.id)" % term_decl_id(self.env.engine)), [(0,)])
        self.assertIn("every hash chain intact", run_cli("audit", "verify", "--db", db).stdout)


class T12StorageChaptersOneTree(unittest.TestCase):
    """Schema migrations 13 and 20: a database of version 12 (decl_chapters as a rowid table of
    (decl_id, chapter, items) rows) keeps every declaration's chapters: since migration 20 one
    decl_chapter_lists row per declaration, and decl_chapters is gone."""

    def setUp(self):
        self.env = ExistingDb("chapters")

    def tearDown(self):
        self.env.stop()

    def test_version_12_chapters_migrated(self):
        db = self.env.db
        run_cli("db", "init", "--demo", "--db", db)
        run_cli("db", "seed", "--db", db, "--declarations", "120", "--per-day", "60",
                "--enterprises", "30")
        before = chapter_lists(db)
        self.assertGreater(len(before), 120)
        # (a fresh database: the seed wrote the search terms after its last batch, on either
        # engine) every declaration is found by its number and its document's words
        self.assertEqual(query(db, "SELECT COUNT(*) FROM declarations d WHERE NOT EXISTS (SELECT 1"
                                   " FROM decl_terms t WHERE t.term = d.number AND %s = d.id)"
                                   % term_decl_id(self.env.engine)),
                         [(0,)])
        self.assertEqual(query(db, "SELECT COUNT(*) FROM declarations d WHERE (SELECT COUNT(*)"
                                   " FROM decl_terms t WHERE %s = d.id) < 10" % term_decl_id(self.env.engine)), [(0,)])
        c = self.env.connect_db()  # back to what version 12 left
        try:
            c.execute("CREATE TABLE decl_chapters (decl_id TEXT NOT NULL, chapter INTEGER NOT NULL,"
                      " items INTEGER NOT NULL, PRIMARY KEY (decl_id, chapter))")
            c.executemany("INSERT INTO decl_chapters (decl_id, chapter, items) VALUES (?, ?, ?)",
                          before)
            c.execute("DROP TABLE decl_chapter_lists")
            c.execute("DELETE FROM schema_version WHERE version >= 13")
            c.commit()
        finally:
            c.close()
        self.assertEqual(sorted((str(d), int(ch), int(n)) for d, ch, n in
                                query(db, "SELECT decl_id, chapter, items FROM decl_chapters")), before)
        run_cli("db", "migrate", "--db", db)
        self.assertGreaterEqual(query(db, "SELECT MAX(version) FROM schema_version")[0][0], 20)
        self.assertEqual(chapter_lists(db), before)
        gone = ("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('x', 'decl_chapters', 'decl_chapters_rowid')"
                if self.env.engine == "sqlite" else
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()"
                " AND table_name IN ('decl_chapters', 'decl_chapters_rowid')")
        self.assertEqual(query(db, gone), [(0,)])
        if self.env.engine == "sqlite":
            self.assertIn("WITHOUT ROWID",
                          query(db, "SELECT sql FROM sqlite_master WHERE name = 'decl_chapter_lists'")[0][0])
        # every declaration has its row (the seed writes them per template, the live path from
        # the document), and the dashboard's rows carry the same text
        self.assertEqual(query(db, "SELECT COUNT(*) FROM declarations d WHERE NOT EXISTS (SELECT 1"
                                   " FROM decl_chapter_lists c WHERE %s = d.id)" % term_decl_id(self.env.engine, "c")),
                         [(0,)])
        self.assertEqual(query(db, "SELECT COUNT(*) FROM dash_facts f WHERE f.chapters <> (SELECT"
                                   " c.chapters FROM decl_chapter_lists c WHERE %s = f.decl_id)"
                                   % term_decl_id(self.env.engine, "c")), [(0,)])
