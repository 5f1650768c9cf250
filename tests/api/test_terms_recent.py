"""API tests: the search terms' recent table (schema migration 18, issue 12).

The live path writes a declaration's search terms into decl_terms_recent; the writer moves them
into decl_terms a slice at a time in term order (store/store_users.c store_decl_terms_merge) once
the recent table passes its bound; every search reads both tables. These tests run the server
with the bound and the slice set by ECUSTOMS_TERMS_RECENT_ROWS / ECUSTOMS_TERMS_MERGE_ROWS so that
the terms stay in the recent table (never merged), are all merged after each batch, or move a few
rows at a time, and check that a search finds the same declarations in each state, that an
amendment's old terms leave whichever table holds them, that a row in both tables is not found
twice, and that a database made before migration 18 gains the table without losing a term.

Merges run in the writer thread after a batch has been answered and before the next batch: a
write answered after another one's answer (barrier()) has waited for the merge that followed it.
"""
import contextlib

from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness  # noqa: F401
from test_storage import ExistingDb, query, term_decl_id

NEVER = {"ECUSTOMS_TERMS_RECENT_ROWS": "1000000000"}  # the terms stay in decl_terms_recent
ALWAYS = {"ECUSTOMS_TERMS_RECENT_ROWS": "1", "ECUSTOMS_TERMS_MERGE_ROWS": "1000000000"}
# a bound above one declaration's ~40 rows and below six's: after six registrations some rows have
# moved and some wait whatever the writer's batches were (with a bound of one row the slices
# emptied the table whenever no registration was queued meanwhile)
SLICES = {"ECUSTOMS_TERMS_RECENT_ROWS": "100", "ECUSTOMS_TERMS_MERGE_ROWS": "7"}


@contextlib.contextmanager
def environment(values):
    """os.environ with values set (the server started inside inherits them), restored after."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def word():
    return "w" + os.urandom(5).hex()


def terms_of(env, decl_id):
    """The declaration's terms in each table: {"decl_terms": [...], "decl_terms_recent": [...]}
    (each sorted, a row listed as often as it is stored)."""
    # one statement: one snapshot of both tables (a merge may move rows between two queries)
    tid = term_decl_id(env.engine)
    rows = query(env.db, "SELECT 'decl_terms', t.term FROM decl_terms t WHERE %s = '%s' UNION ALL"
                         " SELECT 'decl_terms_recent', t.term FROM decl_terms_recent t WHERE %s = '%s'"
                         % (tid, decl_id, tid, decl_id))
    out = {"decl_terms": [], "decl_terms_recent": []}
    for table, term in rows:
        out[table].append(str(term))  # (psql's reader: digit-only text as int)
    return {k: sorted(v) for k, v in out.items()}


class TermsCase(OwnEnvCase):
    """A server whose environment sets the merge's bound and slice (terms_env)."""
    terms_env = {}

    @classmethod
    def make_env(cls, **kw):
        env = super().make_env(**kw)
        serve = env.serve

        def serve_with_terms_env(*extra):
            with environment(cls.terms_env):
                return serve(*extra)
        env.serve = serve_with_terms_env
        return env

    def found(self, q, token="officer"):
        """The ids a search returns (every page), each as often as it is listed."""
        ids, cursor = [], None
        while True:
            st, b, _ = self.call("GET", "/api/v1/declarations?" + urllib.parse.urlencode(
                dict({"q": q, "limit": 50}, **({"cursor": cursor} if cursor else {}))), token)
            self.assertEqual(st, 200, b)
            ids += [i["id"] for i in b["items"]]
            cursor = b.get("next_cursor")
            if not cursor or not b["items"]:
                return ids

    def barrier(self):
        """A write of its own: answered once the writer took it, after the merge that followed the
        previous batch."""
        self.create("other", declaration(importer=OTHER))

    def marked(self):
        """A declaration with unique words in its goods, invoice, bill and container."""
        d = declaration(items=[item(desc="Khoan %s %s" % (word(), word()))])
        d["invoice"]["number"] = "INV-" + os.urandom(4).hex().upper()
        d["transport"]["bills_of_lading"] = ["HLCU" + os.urandom(5).hex().upper()]
        return d

    def words_of(self, d):
        desc = d["items"][0]["description"].split()
        return [desc[1], desc[2], d["invoice"]["number"], d["transport"]["bills_of_lading"][0]]

    def assert_found_by(self, decl_id, queries):
        for q in queries:
            self.assertEqual(self.found(q).count(decl_id), 1, q)


class TermsInEachState:
    """The tests each state's class runs (mixed into a TermsCase; `where` says which table holds
    a declaration's terms once the barrier has passed: None when either may)."""
    where = None

    def assert_where(self, decl_id):
        t = terms_of(self.env, decl_id)
        both = set(t["decl_terms"]) & set(t["decl_terms_recent"])
        self.assertEqual(both, set(), "a term in both tables")
        if self.where:
            other = "decl_terms_recent" if self.where == "decl_terms" else "decl_terms"
            self.assertEqual(t[other], [], other)
            self.assertGreater(len(t[self.where]), 10, self.where)
        return sorted(t["decl_terms"] + t["decl_terms_recent"])

    def test_found_by_its_terms_after_registration(self):
        d = self.marked()
        r = self.registered(decl=d)
        w = self.words_of(d)
        # found at once, whatever the merge did meanwhile
        self.assert_found_by(r["id"], w + [r["number"], r["number"][:11], w[0][:5],
                                           "%s %s" % (w[0], w[1]), w[2].lower()])
        self.barrier()
        terms = self.assert_where(r["id"])
        for t in [w[0], w[1], r["number"], r["number"][:11], "khoan", "85171300"]:
            self.assertIn(t, terms)
        self.assertEqual(len(terms), len(set(terms)))
        self.assert_found_by(r["id"], w + [r["number"], r["number"][:11], w[1][:4]])
        # a word it does not have, next to one it has: not found
        self.assertNotIn(r["id"], self.found("%s %s" % (w[0], word())))

    def test_amendment_replaces_the_terms_in_either_table(self):
        old, mid, new = word(), word(), word()
        d = self.create(decl=declaration(items=[item(desc="Khoan %s" % old)]))
        self.barrier()
        self.assertIn(old, self.assert_where(d["id"]))
        self.assert_found_by(d["id"], [old])
        st, m, _ = self.call("PUT", "/api/v1/declarations/%s" % d["id"], "active",
                             declaration(items=[item(desc="Khoan %s" % mid)]))
        self.assertEqual(st, 200, m)
        self.assertEqual(self.found(old), [])
        self.assert_found_by(d["id"], [mid])
        r = self.register(d["id"])
        self.barrier()
        terms = self.assert_where(d["id"])
        self.assertNotIn(old, terms)
        self.assertIn(mid, terms)
        self.assertIn(r["number"], terms)
        st, a, _ = self.call("POST", "/api/v1/declarations/%s/amendments" % r["number"], "active",
                             declaration(items=[item(desc="Cua %s" % new, qty="600")]))
        self.assertEqual(st, 200, a)
        # the old words and number leave both tables in the amendment's transaction
        self.assertEqual(self.found(mid), [])
        self.assertNotIn(d["id"], self.found(r["number"]))
        self.assert_found_by(d["id"], [new, a["number"], r["number"][:11], "cua " + new])
        self.barrier()
        terms = self.assert_where(d["id"])
        self.assertNotIn(mid, terms)
        self.assertNotIn(r["number"], terms)
        self.assertIn(new, terms)
        self.assertIn(a["number"], terms)
        self.assertEqual(len(terms), len(set(terms)))


class T12TermsRecentOnly(TermsCase, TermsInEachState):
    """The bound never reached: every term stays in decl_terms_recent."""
    env_name = "terms_recent"
    terms_env = NEVER
    where = "decl_terms_recent"

    def test_a_term_in_both_tables_is_found_once(self):
        # a row in both tables (an amendment's term re-added while decl_terms still had it): put
        # there behind the service's back; each query shape lists the declaration once
        d = self.marked()
        r = self.registered(decl=d)
        w = self.words_of(d)
        with self.env.connect_db() as c:
            c.execute("INSERT INTO decl_terms (term, decl_id) SELECT term, decl_id"
                      " FROM decl_terms_recent WHERE term IN (?, ?, ?)", (w[0], w[1], r["number"]))
            if self.env.engine == "sqlite":
                c.commit()
        t = terms_of(self.env, r["id"])
        self.assertEqual(sorted(set(t["decl_terms"])), sorted([w[0], w[1], r["number"]]))
        for q in (w[0], w[0][:6], "%s %s" % (w[0], w[1]), r["number"], "%s %s" % (w[1], r["number"])):
            self.assertEqual(self.found(q), [r["id"]], q)


class T12TermsMergedEachBatch(TermsCase, TermsInEachState):
    """A bound of one row and a slice larger than the table: after each batch the writer moves
    the whole recent table into decl_terms."""
    env_name = "terms_merged"
    terms_env = ALWAYS
    where = "decl_terms"

    def test_a_merge_keeps_a_row_already_in_decl_terms_once(self):
        # the row the merge moves is already in decl_terms (ON CONFLICT DO NOTHING): one row left
        d = self.marked()
        r = self.registered(decl=d)
        self.barrier()
        w = self.words_of(d)
        with self.env.connect_db() as c:
            c.execute("INSERT INTO decl_terms_recent (term, decl_id) SELECT term, decl_id"
                      " FROM decl_terms WHERE term = ?", (w[0],))
            if self.env.engine == "sqlite":
                c.commit()
        self.assertEqual(terms_of(self.env, r["id"])["decl_terms_recent"], [w[0]])
        self.assertEqual(self.found(w[0]), [r["id"]])
        self.barrier()  # its merge
        self.barrier()  # (the first barrier's own batch may have been merged with it)
        t = terms_of(self.env, r["id"])
        self.assertEqual(t["decl_terms_recent"], [])
        self.assertEqual(t["decl_terms"].count(w[0]), 1)


class T12TermsSlices(TermsCase, TermsInEachState):
    """A bound of 100 rows and slices of 7: the table is moved a few rows after each batch, from a
    cursor that wraps around; a declaration's terms are in one table or the other."""
    env_name = "terms_slices"
    terms_env = SLICES

    def test_slices_move_every_term_once(self):
        regs = [(d, self.registered(decl=d)) for d in (self.marked() for _ in range(6))]
        self.barrier()
        moved = query(self.env.db, "SELECT COUNT(*) FROM decl_terms")[0][0]
        waiting = query(self.env.db, "SELECT COUNT(*) FROM decl_terms_recent")[0][0]
        self.assertGreater(int(moved), 0)
        self.assertGreater(int(waiting), 0)
        both = query(self.env.db, "SELECT COUNT(*) FROM decl_terms_recent r WHERE EXISTS (SELECT 1"
                                  " FROM decl_terms t WHERE t.term = r.term AND t.decl_id = r.decl_id)")
        self.assertEqual(int(both[0][0]), 0)
        for d, r in regs:
            terms = self.assert_where(r["id"])
            self.assertEqual(len(terms), len(set(terms)))
            self.assert_found_by(r["id"], self.words_of(d) + [r["number"]])


class T12TermsSeededRecent(OwnEnvCase):
    """600 declarations through the live path (`db seed --reference`: their terms in the recent
    table, the default bound not reached): the common words (the dense walk, the scan that keeps
    the matches), prefixes and several words give what a direct query of both tables gives, with
    every term in the recent table, then split between the two, then some in both."""
    env_name = "terms_seeded"

    @classmethod
    def setUpEnv(cls):
        run_cli("db", "seed", "--db", cls.env.db, "--reference", "--declarations", "600",
                "--per-day", "60", "--enterprises", "40", "--seed", "7")

    def sql_ids(self, words):
        """Every matching declaration, newest first, by a direct query of both tables."""
        where, args = ["1 = 1"], []
        tid = term_decl_id(self.env.engine)
        for w in words:
            hi = w[:-1] + chr(ord(w[-1]) + 1)
            where.append("(EXISTS (SELECT 1 FROM decl_terms t WHERE %s = d.id AND t.term >= ? AND"
                         " t.term < ?) OR EXISTS (SELECT 1 FROM decl_terms_recent t WHERE %s = d.id"
                         " AND t.term >= ? AND t.term < ?))" % (tid, tid))
            args += [w, hi, w, hi]
        with self.env.connect_db() as c:
            rows = c.execute("SELECT d.id FROM declarations d WHERE " + " AND ".join(where) +
                             " ORDER BY d.created_at DESC, d.id DESC", tuple(args)).fetchall()
        return [str(r[0]) for r in rows]

    def api_ids(self, q, pages=3):
        ids, cursor = [], None
        for _ in range(pages):
            st, b, _ = self.call("GET", "/api/v1/declarations?limit=50&" + urllib.parse.urlencode(
                dict({"q": q}, **({"cursor": cursor} if cursor else {}))), "officer")
            self.assertEqual(st, 200, b)
            ids += [i["id"] for i in b["items"]]
            cursor = b.get("next_cursor")
            if not cursor:
                break
        return ids

    def check(self, label):
        for q in ("goods", "importer", "goods importer", "go", "85", "01", "goods 85", "importer goods 01"):
            want = self.sql_ids(q.split())
            got = self.api_ids(q)
            self.assertEqual(got, want[:len(got)], "%s: %s" % (label, q))
            self.assertEqual(len(got), min(len(want), 150), "%s: %s" % (label, q))
            self.assertEqual(len(got), len(set(got)), "%s: %s" % (label, q))

    def test_the_same_matches_wherever_the_terms_are(self):
        n = lambda t: int(query(self.env.db, "SELECT COUNT(*) FROM %s" % t)[0][0])
        self.assertEqual(n("decl_terms"), 0)
        self.assertGreater(n("decl_terms_recent"), 600 * 20)
        self.assertGreaterEqual(len(self.sql_ids(["goods"])), 500)  # a common word
        self.check("all in the recent table")
        with self.env.connect_db() as c:  # half of them merged, as the writer would
            c.execute("INSERT INTO decl_terms (term, decl_id) SELECT term, decl_id"
                      " FROM decl_terms_recent WHERE term < 'h' ORDER BY term, decl_id")
            c.execute("DELETE FROM decl_terms_recent WHERE term < 'h'")
            if self.env.engine == "sqlite":
                c.commit()
        self.assertGreater(n("decl_terms"), 600 * 5)
        self.check("split between the tables")
        with self.env.connect_db() as c:  # and the rest in both
            c.execute("INSERT INTO decl_terms (term, decl_id) SELECT term, decl_id"
                      " FROM decl_terms_recent ORDER BY term, decl_id")
            if self.env.engine == "sqlite":
                c.commit()
        self.check("in both tables")


class T12TermsMigration(unittest.TestCase):
    """Schema migration 18 on a database made by the release before it (versions 1-17 and 19):
    the recent table added, empty, every term kept; then a registration's terms go into it."""

    def setUp(self):
        self.env = ExistingDb("terms_migrate")

    def tearDown(self):
        self.env.stop()

    def test_database_before_migration_18(self):
        db = self.env.db
        run_cli("db", "init", "--demo", "--db", db)
        run_cli("db", "seed", "--db", db, "--declarations", "200", "--per-day", "100",
                "--enterprises", "30", "--seed", "2")
        with self.env.connect_db() as c:  # what the release before migration 18 left
            c.execute("DROP TABLE decl_terms_recent")
            c.execute("DELETE FROM schema_version WHERE version = 18")
            if self.env.engine == "sqlite":
                c.commit()
        tid = term_decl_id(self.env.engine)
        before = query(db, "SELECT t.term, %s FROM decl_terms t ORDER BY 1, 2" % tid)
        self.assertGreater(len(before), 200 * 20)
        run_cli("db", "migrate", "--db", db)
        self.assertEqual(query(db, "SELECT COUNT(*) FROM schema_version WHERE version = 18"), [(1,)])
        self.assertEqual(query(db, "SELECT COUNT(*) FROM decl_terms_recent"), [(0,)])
        self.assertEqual(query(db, "SELECT t.term, %s FROM decl_terms t ORDER BY 1, 2" % tid), before)
        if self.env.engine == "sqlite":
            sql = query(db, "SELECT sql FROM sqlite_master WHERE name = 'decl_terms_recent'")[0][0]
            self.assertIn("WITHOUT ROWID", sql)
            self.assertIn("PRIMARY KEY (term, decl_id)", sql)
        else:
            self.assertEqual(query(db, "SELECT data_type FROM information_schema.columns WHERE"
                                       " table_name = 'decl_terms_recent' AND column_name = 'decl_id'"),
                             [("bytea",)])
        # again: nothing to do, nothing changed
        run_cli("db", "migrate", "--db", db)
        self.assertEqual(query(db, "SELECT COUNT(*) FROM schema_version WHERE version = 18"), [(1,)])
        self.assertEqual(query(db, "SELECT t.term, %s FROM decl_terms t ORDER BY 1, 2" % tid), before)
        # a registration's terms go into the recent table; the seeded ones are still found
        self.env.serve()
        for key, party, role in [("active", ACTIVE, "declarant"), ("officer", CUSTOMS, "officer")]:
            if key == "active":
                run_cli("party", "add", "--db", db, "--tax-code", party, "--name", "Active Co")
            self.env.tokens[key] = run_cli("token", "create", "--db", db, "--party", party,
                                           "--role", role).stdout.strip()
        frm = (TODAY - datetime.timedelta(days=60)).isoformat()
        to = (TODAY + datetime.timedelta(days=60)).isoformat()
        self.env.tokens["admin"] = run_cli("token", "create", "--db", db, "--party", CUSTOMS,
                                           "--role", "admin").stdout.strip()
        st, b, _ = self.env.call("PUT", "/api/v1/exchange-rates", "admin", {"rates": [
            {"currency": "USD", "vnd_per_unit": "25450", "valid_from": frm, "valid_to": to,
             "source": "test"}]})
        self.assertEqual(st, 200, b)
        w = word()
        st, d, _ = self.env.call("POST", "/api/v1/declarations", "active",
                                 declaration(items=[item(desc="Khoan %s" % w)]))
        self.assertEqual(st, 201, d)
        st, r, _ = self.env.call("POST", "/api/v1/declarations/%s/register" % d["id"], "active")
        self.assertEqual(st, 200, r)
        t = terms_of(self.env, d["id"])
        self.assertIn(w, t["decl_terms_recent"])
        self.assertEqual(t["decl_terms"], [])
        seeded = query(db, "SELECT id, number FROM declarations WHERE number IS NOT NULL"
                           " ORDER BY id LIMIT 1")[0]
        for q, want in ((w, d["id"]), (str(seeded[1]), str(seeded[0]))):
            st, b, _ = self.env.call("GET", "/api/v1/declarations?" + urllib.parse.urlencode({"q": q}),
                                     "officer")
            self.assertEqual(st, 200, b)
            self.assertEqual([i["id"] for i in b["items"]], [want], q)
