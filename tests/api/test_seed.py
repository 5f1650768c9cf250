"""API tests: `ecustoms db seed` — the fast path writes the rows the live path writes.

The seed plays each declaration's life in memory and writes every row once in its final state
(service/seed.c, "the fast path"); `--reference` writes the same lives through the live store
functions one statement at a time (insert then update, the last event's hash read back, the
ledger's next seq read). On two copies of one database, with the same --seed and --end, both
must leave the same rows in every table: declarations, events with their chain links, state
digests and MACs, ledger entries, ledger_unpaid, payments, bill-of-lading links, risk facts,
the dashboard's facts, sequences."""
from harness import *  # noqa: F401,F403 (the shared harness: run_cli, constants)
import harness  # noqa: F401

END = "1764460800"  # 2025-11-30T00:00:00Z: the simulated period ends here in both runs
SEED_ARGS = ["--declarations", "800", "--per-day", "80", "--enterprises", "200", "--seed", "3",
             "--end", END]

OWED = ("SELECT decl_id FROM ledger_entries GROUP BY decl_id HAVING"
        " SUM(CASE WHEN kind IN ('assessed', 'interest', 'credit') THEN amount"
        " WHEN kind IN ('paid', 'paid_by_credit') THEN -amount ELSE 0 END) > 0"
        " AND MIN(CASE WHEN kind = 'assessed' THEN at END) IS NOT NULL ORDER BY decl_id")


def rows_of(path):
    """Every table's rows in a canonical order, and the schema (names and SQL)."""
    c = sqlite3.connect(path)
    try:
        schema = sorted(c.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall(),
                        key=repr)
        out = {}
        for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            cols = [r[1] for r in c.execute('PRAGMA table_info("%s")' % t)]
            out[t] = c.execute('SELECT * FROM "%s" ORDER BY %s' % (
                t, ", ".join('"%s"' % x for x in cols))).fetchall()
        # the search terms are in decl_terms or, until the writer merges them, decl_terms_recent
        # (schema migration 18): the live path writes the latter, the fast path the former
        if "decl_terms_recent" in out:
            out["decl_terms"] = sorted(set(out["decl_terms"]) | set(out.pop("decl_terms_recent")))
            out["decl_terms_recent"] = []
        return schema, out
    finally:
        c.close()


# reference data every opener of the database reloads, stamped with the time it was loaded: not
# the seed's rows (the two databases were opened at different times)
RELOADED = {"customs_offices", "calendar_days"}


def first_difference(a, b):
    """The first table whose rows differ, with a row of each side (unittest's diff of a whole
    database would take minutes), or None."""
    (sa, ta), (sb, tb) = a, b
    if sa != sb:
        return "schema: %r" % sorted(set(sa) ^ set(sb))[:3]
    if sorted(ta) != sorted(tb):
        return "tables: %r" % sorted(set(ta) ^ set(tb))
    for t in sorted(ta):
        if t not in RELOADED and ta[t] != tb[t]:
            sa, sb = set(ta[t]), set(tb[t])
            only_a = [r for r in ta[t] if r not in sb][:1]
            only_b = [r for r in tb[t] if r not in sa][:1]
            return "table %s: %d vs %d rows; fast only %r; reference only %r" % (
                t, len(ta[t]), len(tb[t]), only_a, only_b)
    return None


def query(path, sql):
    c = sqlite3.connect(path)
    try:
        return c.execute(sql).fetchall()
    finally:
        c.close()


class T12SeedFastPath(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ecustoms-api-seed-")
        self.fast = os.path.join(self.dir, "fast.sqlite")
        self.ref = os.path.join(self.dir, "ref.sqlite")
        run_cli("db", "init", "--demo", "--db", self.fast)
        # the same database (and audit key: the events' MACs must match) twice
        shutil.copy(self.fast, self.ref)
        shutil.copy(self.fast + ".audit-key", self.ref + ".audit-key")
        os.chmod(self.ref + ".audit-key", 0o600)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_same_rows_as_the_live_path(self):
        out = run_cli("db", "seed", "--db", self.fast, *SEED_ARGS).stdout
        ref = run_cli("db", "seed", "--db", self.ref, "--reference", *SEED_ARGS).stdout
        # the summaries agree (but for the line with the run's speed)
        summary = lambda text: [x for x in text.splitlines() if not x.startswith("seeded ")]
        self.assertEqual(summary(out), summary(ref))
        # (the schema too: the indexes set aside during the seed are all back)
        self.assertIsNone(first_difference(rows_of(self.fast), rows_of(self.ref)))
        # the lives compared cover every branch of the seed
        n = lambda sql: query(self.fast, sql)[0][0]
        self.assertEqual(n("SELECT COUNT(*) FROM declarations"), 800)
        self.assertGreater(n("SELECT COUNT(*) FROM declarations WHERE status = 7"), 0)  # cancelled
        self.assertGreater(n("SELECT COUNT(*) FROM declarations WHERE status = 6"), 0)  # passed
        self.assertGreater(n("SELECT COUNT(*) FROM events WHERE action = 'clear' AND actor = 'SYSTEM'"
                             " AND detail LIKE '%priority (AEO)%'"), 0)
        self.assertGreater(n("SELECT COUNT(*) FROM events WHERE action = 'clear' AND actor = 'SYSTEM'"
                             " AND detail LIKE '%covered by payment%'"), 0)
        self.assertGreater(n("SELECT COUNT(*) FROM events WHERE action = 'inspection_completed'"), 0)
        self.assertGreater(n("SELECT COUNT(*) FROM ledger_unpaid"), 0)
        # the dashboard's rows (dash_facts, compared above with the live path's): one per
        # registered declaration, with the checks' instants and the ledger's sums filled in
        self.assertEqual(n("SELECT COUNT(*) FROM dash_facts"),
                         n("SELECT COUNT(*) FROM declarations WHERE registered_at > 0"))
        self.assertGreater(n("SELECT COUNT(*) FROM dash_facts WHERE inspected_at > 0"
                             " AND gate_out_at > 0 AND docs_passed_at > 0 AND collected > 0"), 0)
        self.assertGreater(n("SELECT COUNT(*) FROM dash_facts WHERE status = 7 AND ended_at > 0"), 0)
        # the risk outcomes (compared above with the live path's; the hit rates read them): as
        # service/clearance.c records them, one per declaration whose controls were settled: a
        # yellow one's passed document check, a red one's inspection, a yellow or red one
        # cancelled (the goods withdrawn from the check counts as a violation)
        self.assertEqual(query(self.fast, "SELECT decl_id, at, violation, critical, additional_tax,"
                                          " source FROM risk_outcomes ORDER BY decl_id"),
                         query(self.fast, "SELECT d.id, e.at, e.action = 'cancel', 0, 0,"
                               " CASE e.action WHEN 'cancel' THEN 'cancelled_after_selection'"
                               " ELSE e.action END FROM declarations d JOIN events e"
                               " ON lower(hex(e.decl_id)) = d.id WHERE (d.channel = 2 AND e.action ="
                               " 'documents_passed') OR (d.channel = 3 AND e.action ="
                               " 'inspection_completed') OR (d.channel >= 2 AND e.action = 'cancel')"
                               " ORDER BY d.id"))
        for source in ("documents_passed", "inspection_completed"):
            self.assertGreater(n("SELECT COUNT(*) FROM risk_outcomes WHERE source = '%s'" % source), 0)
        # the counts the command printed are the database's
        m = re.search(r"cleared (\d+) \(passed supervision (\d+)\), cancelled (\d+), in progress (\d+)",
                      out)
        cleared, passed, cancelled, progress = map(int, m.groups())
        self.assertEqual(cleared + cancelled + progress, 800)
        self.assertEqual(n("SELECT COUNT(*) FROM declarations WHERE status = 6"), passed)
        self.assertEqual(n("SELECT COUNT(*) FROM declarations WHERE status = 7"), cancelled)
        g = re.search(r"green (\d+) .*yellow (\d+) .*red (\d+)", out)
        self.assertEqual(query(self.fast, "SELECT channel, COUNT(*) FROM declarations GROUP BY channel"),
                         [(1, int(g.group(1))), (2, int(g.group(2))), (3, int(g.group(3)))])
        self.assertEqual(query(self.fast, "SELECT decl_id FROM ledger_unpaid ORDER BY decl_id"),
                         query(self.fast, OWED))
        self.assertEqual(query(self.fast, "PRAGMA journal_mode"), [("wal",)])
        self.assertEqual(query(self.fast, "PRAGMA integrity_check"), [("ok",)])
        self.assertIn("every hash chain intact", run_cli("audit", "verify", "--db", self.fast).stdout)

    def test_append_continues_the_chains_and_the_numbers(self):
        args = ["--declarations", "300", "--per-day", "60", "--enterprises", "50", "--end", END]
        run_cli("db", "seed", "--db", self.fast, *args)
        again = run_cli("db", "seed", "--db", self.fast, *args, check=False)
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("--append", again.stderr)
        self.assertEqual(query(self.fast, "SELECT COUNT(*) FROM declarations"), [(300,)])
        run_cli("db", "seed", "--db", self.fast, "--append", "--seed", "2", *args)
        # the same two seeds through the live path
        run_cli("db", "seed", "--db", self.ref, "--reference", *args)
        run_cli("db", "seed", "--db", self.ref, "--reference", "--append", "--seed", "2", *args)
        self.assertIsNone(first_difference(rows_of(self.fast), rows_of(self.ref)))
        self.assertEqual(query(self.fast, "SELECT COUNT(*), COUNT(DISTINCT number) FROM declarations"),
                         [(600, 600)])
        self.assertEqual(query(self.fast, "SELECT decl_id FROM ledger_unpaid ORDER BY decl_id"),
                         query(self.fast, OWED))
        self.assertIn("every hash chain intact", run_cli("audit", "verify", "--db", self.fast).stdout)

    def test_more_than_a_declaration_a_second(self):
        # a fresh database's search terms are written after the last batch in key order
        # (term, declaration id): at more than 86,400 a day two declarations share a second and
        # their time-ordered ids are no longer in the order they were drawn in
        args = ["--declarations", "400", "--per-day", "200000", "--enterprises", "60", "--end", END]
        run_cli("db", "seed", "--db", self.fast, *args)
        run_cli("db", "seed", "--db", self.ref, "--reference", *args)
        ids = [i for (i,) in query(self.fast, "SELECT id FROM declarations ORDER BY created_at, rowid")]
        self.assertNotEqual(ids, sorted(ids))  # (the case this test is about)
        self.assertIsNone(first_difference(rows_of(self.fast), rows_of(self.ref)))
        self.assertEqual(query(self.fast, "SELECT COUNT(*) FROM declarations d WHERE NOT EXISTS"
                                          " (SELECT 1 FROM decl_terms t WHERE t.term = d.number"
                                          " AND lower(hex(t.decl_id)) = d.id)"), [(0,)])

    def test_bad_options(self):
        for bad in (["--declarations", "0"], ["--declarations", "10", "--end", "5"],
                    ["--declarations", "x"]):
            p = run_cli("db", "seed", "--db", self.fast, *bad, check=False)
            self.assertEqual(p.returncode, 2, bad)
        self.assertEqual(query(self.fast, "SELECT COUNT(*) FROM declarations"), [(0,)])
