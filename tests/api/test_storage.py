"""API tests: storage (issue 12) — schema versions and migrations."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness

HERE = os.path.dirname(os.path.abspath(__file__))
# a database made by the release before schema versions (commit c76a9ae), as an SQL dump
V0_DUMP = os.path.join(HERE, "..", "data", "schema", "v0-c76a9ae.sql")
V0_OFFICER = "37a46432f98b4417b249d7ae1d8497b55330d35102e178e8"  # its demo officer token


def table_counts(path):
    c = sqlite3.connect(path)
    try:
        names = [n for (n,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: c.execute('SELECT COUNT(*) FROM "%s"' % n).fetchone()[0] for n in names}
    finally:
        c.close()


def query(path, sql):
    c = sqlite3.connect(path)
    try:
        return c.execute(sql).fetchall()
    finally:
        c.close()


class ExistingDb(Env):
    """A server on a database that already exists (Env.start would initialise a new one)."""

    def serve(self):
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen(
            [harness.BINARY, "serve", "--db", self.db, "--listen", "127.0.0.1:%d" % self.port],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.base = "http://127.0.0.1:%d" % self.port
        deadline = time.time() + 15
        while True:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("server did not start; see %s/server.log" % self.dir)
            time.sleep(0.05)


class T12StorageMigrate(unittest.TestCase):
    def setUp(self):
        self.env = ExistingDb("migrate")

    def tearDown(self):
        self.env.stop()

    def v0(self):
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
                         list(range(1, latest + 1)))
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
        run_cli("db", "init", "--db", self.env.db)
        latest = self.latest()
        c = sqlite3.connect(self.env.db)
        c.execute("INSERT INTO schema_version (version, title, applied_at) VALUES (?, 'future', 0)",
                  (latest + 1,))
        c.commit()
        c.close()
        before = table_counts(self.env.db)
        p = run_cli("db", "migrate", "--db", self.env.db, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("schema version %d, newer than this binary's %d" % (latest + 1, latest),
                      p.stderr)
        p = subprocess.run([harness.BINARY, "serve", "--db", self.env.db, "--listen",
                            "127.0.0.1:%d" % free_port()], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("newer than this binary's", p.stderr)
        self.assertEqual(table_counts(self.env.db), before)

    def test_migrate_needs_an_existing_database(self):
        missing = os.path.join(self.env.dir, "missing.sqlite")
        p = run_cli("db", "migrate", "--db", missing, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no database at", p.stderr)
        self.assertFalse(os.path.exists(missing))
        p = run_cli("db", "migrate", check=False)
        self.assertEqual(p.returncode, 2)
