"""API tests: the declaration list's search and filters on a seeded database ("Slow
lists"): words most declarations have (the walk newest first that tests each row by primary-key
lookups of its terms), prefixes of many terms (the scan keeping the matches), and the lists by
status and by channel (their own indexes, schema migration 14) return what a direct SQL query of
the same database returns, page after page."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness


class T16OfficeSeededSearch(OwnEnvCase):
    """800 declarations by `db seed` (every one has the word "goods" and the seeded container;
    "importer" too): more than the 500 matches that make a word common."""
    env_name = "search"

    @classmethod
    def setUpEnv(cls):
        run_cli("db", "seed", "--db", cls.env.db, "--declarations", "800", "--per-day", "80",
                "--enterprises", "50", "--seed", "5")

    def sql_ids(self, words=(), status=None, channel=None):
        """Every matching declaration, newest first, by a direct query of the database."""
        where, args = ["1 = 1"], []
        for w in words:
            hi = w[:-1] + chr(ord(w[-1]) + 1)
            # (decl_terms keeps the id as 16 bytes: schema migration 16)
            tid = ("encode(t.decl_id, 'hex')" if self.env.engine == "postgresql"
                   else "lower(hex(t.decl_id))")
            where.append("EXISTS (SELECT 1 FROM decl_terms t WHERE %s = d.id"
                         " AND t.term >= ? AND t.term < ?)" % tid)
            args += [w, hi]
        if status is not None:
            where.append("d.status = ?")
            args.append(status)
        if channel is not None:
            where.append("d.channel = ?")
            args.append(channel)
        con = self.env.connect_db()
        try:
            rows = con.execute("SELECT d.id FROM declarations d WHERE " + " AND ".join(where) +
                               " ORDER BY d.created_at DESC, d.id DESC", tuple(args)).fetchall()
        finally:
            con.close()
        return [str(r[0]) for r in rows]  # (the PostgreSQL reader types digit-only text as numbers)

    def api_ids(self, query, pages=3):
        ids, cursor = [], None
        for _ in range(pages):
            st, b, _ = self.call("GET", "/api/v1/declarations?limit=50&" + query +
                                 ("&cursor=" + cursor if cursor else ""), "officer")
            self.assertEqual(st, 200, b)
            ids += [it["id"] for it in b["items"]]
            cursor = b.get("next_cursor")
            if not cursor:
                break
        return ids

    def check(self, query, **want):
        got = self.api_ids(query)
        expect = self.sql_ids(**want)
        self.assertGreater(len(expect), 0, query)
        self.assertEqual(got, expect[:len(got)], query)
        self.assertEqual(len(got), min(150, len(expect)), query)

    def test_words_most_declarations_have(self):
        self.assertGreaterEqual(len(self.sql_ids(words=["goods"])), 500)
        self.check("q=goods", words=["goods"])
        self.check("q=goods+importer", words=["importer", "goods"])
        self.check("q=Goods+IMPORTER+goods", words=["importer", "goods", "goods"])

    def test_prefixes_of_many_terms(self):
        # a two-letter prefix: many distinct terms, a common match
        con = self.env.connect_db()
        try:
            pre = con.execute("SELECT substr(term, 1, 2) p FROM decl_terms WHERE term >= 'a'"
                              " GROUP BY p ORDER BY COUNT(DISTINCT term) DESC LIMIT 1").fetchone()[0]
        finally:
            con.close()
        self.check("q=" + pre, words=[pre])
        self.check("q=goods+" + pre, words=["goods", pre])

    def test_status_and_channel(self):
        for q, status, channel in (("status=cleared", 5, None), ("channel=red", None, 3),
                                   ("status=cleared&channel=red", 5, 3),
                                   ("status=passed_supervision&channel=green", 6, 1),
                                   ("status=registered&channel=yellow", 2, 2)):
            if self.sql_ids(status=status, channel=channel):
                self.check(q, status=status, channel=channel)

    def test_worklists_of_an_office(self):
        con = self.env.connect_db()
        try:
            office = con.execute("SELECT office FROM declarations WHERE status = 2 AND channel >= 2"
                                 " GROUP BY office ORDER BY COUNT(*) DESC LIMIT 1").fetchone()[0]
            waiting = [str(r[0]) for r in con.execute(
                "SELECT number FROM declarations WHERE office = ? AND status = 2 AND channel >= 2"
                " ORDER BY registered_at, id", (office,)).fetchall()]
        finally:
            con.close()
        self.assertGreaterEqual(len(waiting), 2)
        # the oldest and the third in document check, one red in inspection: the queue holds two
        # statuses, merged in the order of registration
        self.decide(waiting[0], "start_document_check")
        if len(waiting) > 3:
            self.decide(waiting[2], "start_document_check")
        red = [n for n in waiting[3:] if self.call("GET", "/api/v1/declarations/" + n,
                                                   "officer")[1]["channel"] == "red"]
        if red:
            self.decide(red[0], "start_document_check")
            self.decide(red[0], "document_check", passed=True)
        con = self.env.connect_db()
        try:
            docs = [str(r[0]) for r in con.execute(
                "SELECT id FROM declarations WHERE office = ? AND status IN (2, 3) AND channel >= 2"
                " ORDER BY registered_at, id", (office,)).fetchall()]
            insp = [str(r[0]) for r in con.execute(
                "SELECT id FROM declarations WHERE office = ? AND status = 4 AND channel >= 2"
                " ORDER BY updated_at, id", (office,)).fetchall()]
        finally:
            con.close()
        for queue, want in (("document-check", docs), ("inspection", insp)):
            for limit in (200, 3):
                st, b, _ = self.call("GET", "/api/v1/worklists/%s?office=%s&limit=%d" % (queue, office, limit),
                                     "officer")
                self.assertEqual(st, 200, b)
                self.assertEqual([it["id"] for it in b["items"]], want[:limit], (queue, limit))
