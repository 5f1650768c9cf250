"""API tests: storage — schema migration 16 (issue 12): the packed columns, the events' digests and
decl_terms' declaration ids stored as bytes, converted from a version-14 database without losing a
row, and read back as the texts the code and the audit trail work with."""
import base64

from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness  # noqa: F401
from test_storage import ExistingDb, query, term_decl_id

PACKED = [("declarations", "id", ("doc", "taxes")), ("declaration_versions", "decl_id", ("doc", "taxes")),
          ("risk_facts", "decl_id", ("facts",))]
# (prev_hash and gprev, converted by 16 too, are not stored since migration 20: test_bytes.py)
DIGESTS = ("hash", "state")


def raw(v):
    """A bytes column as Python bytes, either engine (psql shows bytea as \\x + hex)."""
    if v is None:
        return None
    if isinstance(v, int):  # psql's output parsed: a text of digits
        v = str(v)
    if isinstance(v, str):
        return bytes.fromhex(v[2:]) if v.startswith("\\x") else v.encode("utf-8")
    return bytes(v)


def packed_text(v):
    """What a packed column held before migration 16: "~y<length>:" + base64 of the zlib stream
    (stored now as 0, the marker, "<length>:", the stream), or the text itself."""
    b = raw(v)
    if b is None:
        return None
    if b[:1] == b"\0":
        head, stream = b[1:b.index(b":") + 1], b[b.index(b":") + 1:]
        return "~" + head.decode() + base64.b64encode(stream).decode()
    return b.decode("utf-8")


def digest_text(v):
    b = raw(v)
    if b is None:
        return None
    return b.hex() if len(b) == 32 else b.decode("utf-8")


def id_text(v):
    b = raw(v)
    return b.hex() if len(b) == 16 else b.decode("utf-8")


# PostgreSQL: back to the version-14 column types, with the texts the rows had
PG_PACKED_TEXT = ("{c} TYPE text USING (CASE WHEN substring({c} from 1 for 1) = '\\x00'::bytea THEN '~' ||"
                  " convert_from(substring({c} from 2 for position('\\x3a'::bytea in {c}) - 1), 'UTF8') ||"
                  " replace(encode(substring({c} from position('\\x3a'::bytea in {c}) + 1), 'base64'),"
                  " E'\\n', '') ELSE convert_from({c}, 'UTF8') END)")
PG_DIGEST_TEXT = ("{c} TYPE text USING (CASE WHEN length({c}) = 32 THEN encode({c}, 'hex')"
                  " ELSE convert_from({c}, 'UTF8') END)")


class T12StorageBytes(unittest.TestCase):
    def setUp(self):
        self.env = ExistingDb("bytes")

    def tearDown(self):
        self.env.stop()

    def snapshot(self, db):
        """Every converted column as the text the code sees, by table and key."""
        snap = {}
        for table, key, cols in PACKED:
            rows = query(db, "SELECT %s, %s FROM %s" % (key, ", ".join(cols), table))
            snap[table] = sorted((str(r[0]),) + tuple(packed_text(v) for v in r[1:]) for r in rows)
        rows = query(db, "SELECT decl_id, seq, %s FROM events" % ", ".join(DIGESTS))
        # (psql prints NULL and the empty text alike: a chain's start reads as either there)
        pg = self.env.engine == "postgresql"
        snap["events"] = sorted((str(r[0]), r[1]) + tuple((digest_text(v) or "") if pg else digest_text(v)
                                                          for v in r[2:]) for r in rows)
        snap["decl_terms"] = sorted((str(t), id_text(i)) for (t, i) in query(db, "SELECT term, decl_id FROM decl_terms"))
        return snap

    def back_to_version_14(self, db):
        """The rows as schema 14 held them: texts, decl_terms' ids as text."""
        c = self.env.connect_db()
        try:
            if self.env.engine == "sqlite":
                for table, key, cols in PACKED:
                    for r in c.execute("SELECT rowid, %s FROM %s" % (", ".join(cols), table)).fetchall():
                        c.execute("UPDATE %s SET %s WHERE rowid = ?" % (table, ", ".join("%s = ?" % x for x in cols)),
                                  tuple(packed_text(v) for v in r[1:]) + (r[0],))
                for r in c.execute("SELECT rowid, %s FROM events" % ", ".join(DIGESTS)).fetchall():
                    c.execute("UPDATE events SET %s WHERE rowid = ?" % ", ".join("%s = ?" % x for x in DIGESTS),
                              tuple(digest_text(v) for v in r[1:]) + (r[0],))
                terms = [(t, id_text(i)) for (t, i) in c.execute("SELECT term, decl_id FROM decl_terms")]
                c.execute("DROP TABLE decl_terms")
                c.execute("CREATE TABLE decl_terms (term TEXT NOT NULL, decl_id TEXT NOT NULL,"
                          " PRIMARY KEY (term, decl_id)) WITHOUT ROWID")
                c.executemany("INSERT INTO decl_terms (term, decl_id) VALUES (?, ?)", sorted(terms))
            else:
                for table, key, cols in PACKED:
                    c.execute("ALTER TABLE %s %s" % (table, ", ".join(
                        "ALTER COLUMN " + PG_PACKED_TEXT.format(c=x) for x in cols)))
                c.execute("ALTER TABLE events %s" % ", ".join("ALTER COLUMN " + PG_DIGEST_TEXT.format(c=x)
                                                              for x in DIGESTS))
                # version 14 stored the links too (migration 20 dropped them): migration 16 converts
                # all four digest columns
                # (the default fills the rows present; version 14's column had none, and
                # migration 16's change of type could not cast a text default to bytea)
                c.execute("ALTER TABLE events ADD COLUMN prev_hash text NOT NULL DEFAULT '',"
                          " ADD COLUMN gprev text")
                c.execute("ALTER TABLE events ALTER COLUMN prev_hash DROP DEFAULT")
                c.execute("ALTER TABLE decl_terms ALTER COLUMN decl_id TYPE text USING (CASE WHEN"
                          " length(decl_id) = 16 THEN encode(decl_id, 'hex') ELSE convert_from(decl_id, 'UTF8') END)")
            c.execute("DELETE FROM schema_version WHERE version >= 15")
            c.commit()
        finally:
            c.close()

    def test_version_14_rows_become_bytes_and_read_the_same(self):
        db = self.env.db
        run_cli("db", "init", "--demo", "--db", db)
        run_cli("db", "seed", "--db", db, "--declarations", "300", "--per-day", "100",
                "--enterprises", "40")
        # versions of an amended declaration (the seed amends none), short and packed texts
        c = self.env.connect_db()
        try:
            c.execute("INSERT INTO declaration_versions (decl_id, amendment, doc, taxes, replaced_at)"
                      " SELECT id, 0, doc, taxes, created_at FROM declarations WHERE number IS NOT NULL"
                      " ORDER BY id LIMIT 5")
            c.commit()
        finally:
            c.close()
        self.back_to_version_14(db)
        before = self.snapshot(db)
        self.assertEqual(len(before["declaration_versions"]), 5)
        self.assertTrue(all(r[1].startswith("~y") for r in before["declarations"]))
        self.assertTrue(all(len(r[3]) == 64 for r in before["events"]))  # hex text
        self.assertTrue(all(len(i) == 32 for (_, i) in before["decl_terms"] if i != "D-OLD"))
        c = self.env.connect_db()
        try:  # an id that is not 32 hex digits keeps its own bytes
            c.execute("INSERT INTO decl_terms (term, decl_id) VALUES ('lumia', 'D-OLD')")
            c.commit()
        finally:
            c.close()
        before["decl_terms"] = sorted(before["decl_terms"] + [("lumia", "D-OLD")])
        out = run_cli("db", "migrate", "--db", db).stdout
        self.assertRegex(out, r"schema version 14 -> (1[6-9]|[2-9][0-9])")  # 16 and what came after
        self.assertEqual(self.snapshot(db), before)
        if self.env.engine == "sqlite":
            self.assertEqual(query(db, "SELECT DISTINCT typeof(doc), typeof(taxes) FROM declarations"),
                             [("blob", "blob")])
            self.assertEqual(query(db, "SELECT DISTINCT length(hash), typeof(state) FROM events"),
                             [(32, "blob")])
            self.assertEqual(query(db, "SELECT DISTINCT typeof(decl_id) FROM decl_terms"), [("blob",)])
        else:
            types = query(db, "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns"
                              " WHERE table_schema = current_schema() AND column_name IN ('doc', 'taxes', 'facts',"
                              " 'hash', 'prev_hash', 'gprev', 'state', 'decl_id') AND table_name IN ('declarations',"
                              " 'declaration_versions', 'risk_facts', 'events', 'decl_terms')")
            self.assertEqual(sorted(t for (t, _) in types if _ == "bytea"),
                             ["decl_terms.decl_id", "declaration_versions.doc", "declaration_versions.taxes",
                              "declarations.doc", "declarations.taxes", "events.hash",
                              "events.state", "risk_facts.facts"])
        # the MACs and state digests over the texts verify; the search still joins
        self.assertIn("every hash chain intact", run_cli("audit", "verify", "--db", db).stdout)
        self.assertEqual(query(db, "SELECT COUNT(*) FROM declarations d WHERE d.number IS NOT NULL"
                                   " AND NOT EXISTS (SELECT 1 FROM decl_terms t WHERE t.term = d.number"
                                   " AND %s = d.id)" % term_decl_id(self.env.engine)), [(0,)])
        # migrating again changes nothing
        self.assertIn("up to date", run_cli("db", "migrate", "--db", db).stdout)
        self.assertEqual(self.snapshot(db), before)
        # new rows on the migrated database, and the trail over old and new rows
        run_cli("db", "seed", "--db", db, "--declarations", "50", "--append", "--per-day", "100",
                "--enterprises", "40")
        self.assertIn("every hash chain intact", run_cli("audit", "verify", "--db", db).stdout)
        self.assertEqual(query(db, "SELECT COUNT(*) FROM declarations"), [(350,)])
