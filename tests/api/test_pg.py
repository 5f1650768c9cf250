"""API tests: PostgreSQL as the database — a lost database is a 503, never a crash or a
false success; several servers share one database.

These classes run in the PostgreSQL pass of the suite (run.py --pg or --db-url) and are skipped,
with that reason, in the SQLite pass: the outage test needs a server it may stop (it starts its
own throwaway PostgreSQL, initdb'd for the class), the two-server test a database two processes
can share over the network.
"""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import uuid

import harness
import pgserver

PG_ONLY = "PostgreSQL pass only (run.py --pg or --db-url)"


def start_server(env):
    """One more `ecustoms serve` on env's database; returns (process, base URL)."""
    port = free_port()
    log = open(os.path.join(env.dir, "server-%d.log" % port), "wb")
    proc = subprocess.Popen([harness.BINARY, "serve", "--db", env.db, "--listen",
                             "127.0.0.1:%d" % port] + env.key_args(), stdout=log,
                            stderr=subprocess.STDOUT)
    base = "http://127.0.0.1:%d" % port
    deadline = time.time() + 15
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as r:
                if r.status == 200:
                    return proc, base, log
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            raise RuntimeError("second server did not start")
        time.sleep(0.05)


def post(base, path, token, body=None, headers=None, timeout=30):
    """(status, JSON body, headers) of one POST to base."""
    h = dict(headers or {})
    h["Authorization"] = "Bearer " + token
    h["Content-Type"] = "application/json"
    rq = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None
                                else b"", method="POST", headers=h)
    try:
        with urllib.request.urlopen(rq, timeout=timeout) as r:
            return r.status, json.loads(r.read()), r.headers
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            return e.code, json.loads(text), e.headers
        except ValueError:
            return e.code, text, e.headers


def health(base):
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def wait_health(base, status, timeout=30):
    deadline = time.time() + timeout
    while True:
        st, b = health(base)
        if st == status:
            return b
        if time.time() > deadline:
            raise AssertionError("healthz never answered %d: %s %s" % (status, st, b))
        time.sleep(0.1)


class T30PgOutage(OwnEnvCase):
    """The database server stops and starts again under a running ecustoms server (its own
    throwaway PostgreSQL, so the rest of the suite is not disturbed)."""
    env_name = "outage"
    engine, engine_note = "postgresql", PG_ONLY
    pg = None

    @classmethod
    def make_env(cls):
        cls.pg = pgserver.PgServer().start()
        try:
            return super().make_env(db_url=cls.pg.base())
        except BaseException:
            cls.pg.destroy()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.env:
            cls.pg.start()  # stop() drops the database
        super().tearDownClass()
        cls.pg.destroy()

    def test_outage_is_503_then_recovers(self):
        base = self.env.base
        self.assertEqual(health(base)[1]["database"], {"engine": "postgresql", "state": "up"})
        d = self.create()
        self.pg.stop("fast")
        try:
            # the writer's connection is gone: the registration is not done, and says so
            st, b, h = self.call("POST", "/api/v1/declarations/%s/register" % d["id"], "active",
                                 headers={"Idempotency-Key": "outage-1"})
            self.assertEqual(st, 503, b)
            self.assertEqual(error_codes(b), [("database_unavailable", "")])
            self.assertEqual(h["Retry-After"], "1")
            # reads too (a fresh connection cannot be made)
            st, b, _ = self.call("GET", "/api/v1/declarations/%s" % d["id"], "active")
            self.assertEqual((st, error_codes(b)), (503, [("database_unavailable", "")]))
            b = wait_health(base, 503)
            self.assertEqual((b["status"], b["database"]),
                             ("degraded", {"engine": "postgresql", "state": "unavailable"}), b)
            self.assertIsNone(self.env.proc.poll(), "the server must not exit")
        finally:
            self.pg.start()
        wait_health(base, 200)
        # the client's retry with the same key is the registration, done once
        st, r, _ = self.call("POST", "/api/v1/declarations/%s/register" % d["id"], "active",
                             headers={"Idempotency-Key": "outage-1"})
        self.assertEqual(st, 200, r)
        self.assertTrue(number_ok(r["number"]), r)
        st, again, _ = self.call("POST", "/api/v1/declarations/%s/register" % d["id"], "active",
                                 headers={"Idempotency-Key": "outage-1"})
        self.assertEqual((st, again["number"]), (200, r["number"]))
        self.assertEqual(self.get(r["number"])["status"], "registered")

    def test_in_flight_work_is_never_acknowledged_falsely(self):
        """Registrations run while the database server crashes (immediate stop) and comes back:
        every answer is a success or a 503, and every acknowledged number is in the database."""
        base, tok = self.env.base, self.env.tokens["loader"]
        acked, statuses, lock = [], {}, threading.Lock()
        stop = threading.Event()

        def worker(i):
            n = 0
            while not stop.is_set():
                n += 1
                st, b, _ = post(base, "/api/v1/declarations", tok, declaration(importer=LOADER))
                if st == 201:
                    st, b, _ = post(base, "/api/v1/declarations/%s/register" % b["id"], tok)
                with lock:
                    statuses[st] = statuses.get(st, 0) + 1
                    if st == 200:
                        acked.append(b["number"])
                if st == 503:
                    time.sleep(0.05)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        try:
            deadline = time.time() + 30
            while len(acked) < 20 and time.time() < deadline:
                time.sleep(0.05)
            self.pg.stop("immediate")  # a crash: no shutdown message to the clients
            time.sleep(1.5)
            self.pg.start()
            wait_health(base, 200)
            mark = len(acked)
            deadline = time.time() + 30
            while len(acked) < mark + 20 and time.time() < deadline:
                time.sleep(0.05)
        finally:
            stop.set()
            for t in threads:
                t.join()
        self.assertLessEqual(set(statuses), {200, 201, 503}, statuses)
        self.assertIn(503, statuses, "the crash was not noticed: %s" % statuses)
        self.assertGreater(len(acked), mark, "no registration after the restart: %s" % statuses)
        self.assertEqual(len(acked), len(set(acked)), "a number was given twice")
        for number in acked:
            self.assertEqual(self.get(number, "loader")["number"], number)
        p = run_cli("audit", "verify", "--db", self.env.db)
        self.assertIn("every hash chain intact", p.stdout)
        self.assertIsNone(self.env.proc.poll())


class T30PgTwoServers(OwnEnvCase):
    """Two `serve` processes on one PostgreSQL database register at the same time: every number
    is distinct and every audit chain verifies (numbers come from one sequences row, locked in
    the write transaction)."""
    env_name = "twoservers"
    engine, engine_note = "postgresql", PG_ONLY
    proc2 = None

    @classmethod
    def setUpEnv(cls):
        cls.proc2, cls.base2, cls.log2 = start_server(cls.env)

    @classmethod
    def tearDownClass(cls):
        if cls.proc2:
            cls.proc2.terminate()
            cls.proc2.wait(10)
            cls.log2.close()
            if cls.proc2.returncode != 0:
                harness.SERVER_FAILURES.append("second server exited with %d" % cls.proc2.returncode)
        super().tearDownClass()

    def test_numbers_distinct_and_chains_verify(self):
        tok = self.env.tokens["loader"]
        bases = [self.env.base, self.base2]
        numbers, failures, lock = [], [], threading.Lock()

        def worker(i):
            base = bases[i % 2]
            for _ in range(25):
                st, d, _ = post(base, "/api/v1/declarations", tok, declaration(importer=LOADER))
                if st == 201:
                    st, d, _ = post(base, "/api/v1/declarations/%s/register" % d["id"], tok)
                with lock:
                    (numbers.append(d["number"]) if st == 200 else failures.append((st, d)))

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])
        self.assertEqual(len(numbers), 200)
        self.assertEqual(len(set(numbers)), 200, "numbers given twice")
        self.assertTrue(all(number_ok(n) for n in numbers))
        # each server sees the other's registrations
        for n in numbers[:10]:
            self.assertEqual(self.get(n, "loader")["number"], n)
        p = run_cli("audit", "verify", "--db", self.env.db)
        self.assertIn("every hash chain intact", p.stdout)


class T30PgHeldWrites(WriterHeld, OwnEnvCase):
    """A registration's last writes (its events, its dashboard row) are not confirmed at its end:
    they go with the next job's first round trip (db_confirm_later, store.c run_batch). Should one
    of them fail, the job that wrote it has already been given its answer; the whole batch is then
    refused (503, nothing written), never a 200 for a registration that was rolled back."""
    env_name = "heldwrites"
    engine, engine_note = "postgresql", PG_ONLY

    def test_a_failed_held_write_refuses_its_batch(self):
        ids = [self.create()["id"] for _ in range(7)]
        blocker, rest = ids[0], ids[1:]
        refused = rest[:4]  # their dashboard rows fail (the registration's last write)
        con = self.env.connect_db()
        con.execute("CREATE FUNCTION refuse_dash() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                    " IF NEW.decl_id IN (%s) THEN RAISE EXCEPTION 'refused by the test'; END IF;"
                    " RETURN NEW; END $$" % ", ".join("'%s'" % i for i in refused))
        con.execute("CREATE TRIGGER refuse_dash BEFORE INSERT ON dash_facts FOR EACH ROW"
                    " EXECUTE FUNCTION refuse_dash()")
        # The writer's lock held here: the blocker's batch waits at its BEGIN while the six other
        # registrations queue behind it, and then run as one batch.
        results, mu = {}, threading.Lock()

        def register(key):
            st, b, h = self.call("POST", "/api/v1/declarations/%s/register" % key, "active")
            with mu:
                results[key] = (st, b)

        threads = []
        lock = self.hold_writer()
        try:
            threads.append(threading.Thread(target=register, args=(blocker,)))
            threads[-1].start()
            self.wait_writer_waits()
            for key in rest:
                threads.append(threading.Thread(target=register, args=(key,)))
                threads[-1].start()
            self.wait_for("six queued registrations", lambda: self.queued() >= len(rest))
        finally:
            self.release_writer(lock)
            for t in threads:
                t.join(60)
        self.assertEqual(results[blocker][0], 200, results[blocker])
        for key in rest:
            st, b = results[key]
            got = self.get(key)
            if st == 200:  # answered registered: it is
                self.assertEqual(got["number"], b["number"])
                self.assertNotIn(key, refused)
            else:  # refused: nothing of it was written
                self.assertEqual((st, error_codes(b)), (503, [("storage_unavailable", "")]), key)
                self.assertIsNone(got.get("number"), got)
                self.assertEqual(got["status"], "provisional")
        con.execute("DROP TRIGGER refuse_dash ON dash_facts")
        con.execute("DROP FUNCTION refuse_dash()")
        numbers = [b["number"] for st, b in results.values() if st == 200]
        for key in rest:  # a retry registers what was refused
            if results[key][0] != 200:
                numbers.append(self.register(key)["number"])
        self.assertEqual(len(set(numbers)), len(ids))


class T30PgAudit(OwnEnvCase):
    """The keyed audit trail on PostgreSQL as on SQLite: its key and checkpoint log live
    in the state directory (--state-dir or $ECUSTOMS_STATE_DIR, named by the database), and
    `audit verify` finds tampering made with SQL on a copy of the database (CREATE DATABASE ...
    TEMPLATE, the key and log copied under the copy's name)."""
    env_name = "pgaudit"
    engine, engine_note = "postgresql", PG_ONLY

    @classmethod
    def setUpEnv(cls):
        c = cls.case()
        cls.numbers = [c.registered()["number"] for _ in range(6)]
        c.settle(cls.numbers[0])
        # stopped cleanly: the last checkpoint is written; the copies are made from this state
        cls.env.stop_server()
        cls.state = os.environ["ECUSTOMS_STATE_DIR"]

    def base_name(self, uri):
        return os.path.join(self.state, uri.rsplit("/", 1)[1])

    def copy(self):
        base, name = self.env.db.rsplit("/", 1)
        new = "%s_c%s" % (name, uuid.uuid4().hex[:6])
        pgserver.psql(base + "/postgres", "CREATE DATABASE %s TEMPLATE %s" % (new, name))
        uri = "%s/%s" % (base, new)
        self.addCleanup(pgserver.drop_database, uri)
        for suffix in (".audit-key", ".audit-log"):
            shutil.copy2(self.base_name(self.env.db) + suffix, self.base_name(uri) + suffix)
            self.addCleanup(lambda p: os.path.exists(p) and os.unlink(p),
                            self.base_name(uri) + suffix)
        return uri

    def verify(self, db, *extra, env=None):
        p = subprocess.run([harness.BINARY, "audit", "verify", "--db", db] + list(extra),
                           capture_output=True, text=True, timeout=60, env=env)
        return p.returncode, p.stdout + p.stderr

    def test_files_are_in_the_state_directory(self):
        key = self.base_name(self.env.db) + ".audit-key"
        self.assertEqual(os.stat(key).st_mode & 0o777, 0o600)
        with open(self.base_name(self.env.db) + ".audit-log") as f:
            self.assertTrue(f.read().startswith("ckpt "))

    def test_untouched_copy_verifies(self):
        rc, out = self.verify(self.copy())
        self.assertEqual(rc, 0, out)
        self.assertIn("every hash chain intact", out)

    def test_state_dir_option_and_its_absence(self):
        db = self.copy()
        env = dict(os.environ)
        del env["ECUSTOMS_STATE_DIR"]
        rc, out = self.verify(db, "--state-dir", self.state, env=env)
        self.assertEqual(rc, 0, out)
        rc, out = self.verify(db, env=env)
        self.assertEqual(rc, 1, out)
        self.assertIn("--state-dir DIR", out)

    def test_change_without_event(self):
        db, n = self.copy(), self.numbers[2]
        pgserver.PsqlConnection(db).execute(
            "UPDATE declarations SET channel = 1, status = 5 WHERE number = ?", (n,))
        rc, out = self.verify(db)
        self.assertEqual(rc, 1, out)
        self.assertIn("declaration %s" % n, out)
        self.assertIn("does not match its last event", out)

    def test_change_ledger_amount(self):
        db, n = self.copy(), self.numbers[0]
        pgserver.PsqlConnection(db).execute(
            "UPDATE ledger_entries SET amount = amount - 1000 WHERE decl_id = (SELECT id FROM"
            " declarations WHERE number = ?) AND kind = 'paid'", (n,))
        rc, out = self.verify(db)
        self.assertEqual(rc, 1, out)
        self.assertIn("declaration %s" % n, out)

    def test_delete_the_newest_events(self):
        db = self.copy()
        con = pgserver.PsqlConnection(db)
        (top,) = con.execute("SELECT MAX(gseq) FROM events").fetchone()
        con.execute("DELETE FROM events WHERE gseq >= ?", (top - 1,))
        rc, out = self.verify(db)
        self.assertEqual(rc, 1, out)
        self.assertIn("the newest events were deleted", out)

    def test_missing_key_is_a_failure(self):
        db = self.copy()
        key = self.base_name(db) + ".audit-key"
        os.unlink(key)
        rc, out = self.verify(db)
        self.assertEqual(rc, 1, out)
        self.assertIn("audit key", out)
        self.assertFalse(os.path.exists(key))  # not silently re-created


class T30PgYoungStatistics(OwnEnvCase):
    """A new database's tables are analyzed by autovacuum while they hold a handful of rows, and
    the statistics then say "one page": planned from them, a look-up by key reads the whole table
    (a sequential scan is cheaper than an index on one page). The writer keeps its plans for its
    connection's life (force_generic_plan) until the next ANALYZE, so its look-ups went on reading
    the whole ledger as it grew: five times a registration, a benchmark run at half its rate and
    twice PostgreSQL's CPU. Whatever the statistics say, the writer's look-ups use their keys.

    Counted with the tables' own scan counters, which a backend publishes when it exits: the
    server is stopped (its connections closed) before each count."""
    env_name = "youngstats"
    engine, engine_note = "postgresql", PG_ONLY
    # the writer's alone: the ledger's reads and its balance upkeep (several a registration) and
    # the events' chain heads. Not declarations: the request's own read of it is a reader's,
    # planned for its values at each call (readers keep PostgreSQL's auto mode), and reading a
    # one-page table whole is the right plan for that call
    TABLES = ("ledger_entries", "ledger_unpaid", "events")

    def seq_scans(self):
        """{table: sequential scans so far}, once no connection of the server is left."""
        base, name = self.env.db.rsplit("/", 1)
        deadline = time.time() + 30
        while int(pgserver.psql(base + "/postgres",
                                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '%s'"
                                " AND application_name LIKE 'ecustoms%%'" % name)
                  .splitlines()[1]) > 0:
            self.assertLess(time.time(), deadline, "the server's connections did not close")
            time.sleep(0.05)
        rows = pgserver.PsqlConnection(self.env.db).execute(
            "SELECT relname, seq_scan FROM pg_stat_user_tables WHERE relname IN (?, ?, ?)",
            self.TABLES).fetchall()
        return dict(rows)

    def test_lookups_keep_their_keys_after_a_young_analyze(self):
        for _ in range(3):
            self.registered()
        self.env.stop_server()
        pgserver.psql(self.env.db, "ANALYZE")  # what autovacuum does to a young table
        before = self.seq_scans()
        self.env.serve()
        numbers = [self.registered()["number"] for _ in range(10)]
        self.assertEqual(len(set(numbers)), 10)
        self.env.stop_server()
        after = self.seq_scans()
        self.env.serve()  # (the class's teardown stops it and verifies the audit trail)
        self.assertEqual({t: after[t] - before[t] for t in self.TABLES},
                         {t: 0 for t in self.TABLES})


class T30PgReadPoolBounded(OwnEnvCase):
    """Reads that find every pooled connection busy wait for one; no connection is opened beyond
    the pool. A new PostgreSQL connection is a new process with cold caches: when waiting reads
    opened their own (after 1 s of waiting, and even with those capped at 4), an overload became
    a churn of connections that slowed every read further (stops 28 and 29: ~350 registrations/s
    fell to 20-90/s, with 60-108 CPU-s of PostgreSQL in a 5-s load). A read that has waited 3 s
    is answered 503 database_busy with Retry-After instead.

    The reads are held by the test: declarations locked (ACCESS EXCLUSIVE) in a psql
    transaction, so that every pooled connection waits at the lock while more requests arrive
    and wait for a connection (/metrics ecustoms_store_reads_waiting)."""
    env_name = "readpool"
    engine, engine_note = "postgresql", PG_ONLY
    POOL = 3
    serve_args = ("--db-readers", str(POOL))
    REQUESTS = 12

    def metric(self, name):
        _, text, _ = self.call("GET", "/metrics")
        return int(re.search(r"^%s (\d+)$" % name, text, re.M).group(1))

    def readers(self):
        """The server's read connections open in PostgreSQL now."""
        base, name = self.env.db.rsplit("/", 1)
        out = pgserver.psql(base + "/postgres",
                            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '%s'"
                            " AND application_name = 'ecustoms-reader'" % name)
        return int(out.splitlines()[1])

    def wait_for(self, what, test):
        deadline = time.time() + 60
        while not test():
            self.assertLess(time.time(), deadline, "waited 60 s for " + what)
            time.sleep(0.05)

    def overload(self, hold_until):
        """REQUESTS reads of one declaration while the test holds declarations; the lock is let
        go once hold_until(results so far) is true. Returns (results, connections opened, most
        connections seen at once)."""
        number = self.registered()["number"]
        self.get(number)  # the token is cached: what the requests wait for is the table
        opened = self.metric("ecustoms_store_read_connects_total")
        lock = subprocess.Popen(["psql", "-X", "-q", "-d", self.env.db], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
        lock.stdin.write("BEGIN;\nLOCK TABLE declarations IN ACCESS EXCLUSIVE MODE;\n")
        lock.stdin.flush()
        results, mu = [], threading.Lock()

        def read():
            st, b, h = self.call("GET", "/api/v1/declarations/%s" % number, "active", timeout=60)
            with mu:
                results.append((st, b, h))

        threads = [threading.Thread(target=read) for _ in range(self.REQUESTS)]
        most = 0
        try:
            self.wait_for("the test's lock", lambda: int(pgserver.psql(
                self.env.db, "SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid ="
                " l.relation WHERE c.relname = 'declarations' AND l.granted AND"
                " l.mode = 'AccessExclusiveLock'").splitlines()[1]) > 0)
            for t in threads:
                t.start()

            def held_long_enough():
                nonlocal most
                most = max(most, self.readers())
                if most > self.POOL:  # opened beyond the pool: asserted below
                    return True
                with mu:
                    return hold_until(list(results))
            self.wait_for("the reads to queue", held_long_enough)
        finally:
            lock.stdin.write("COMMIT;\n")
            lock.stdin.close()
            lock.wait(30)
            for t in threads:
                t.join(60)
        most = max(most, self.readers())
        self.assertEqual(len(results), self.REQUESTS)
        for st, b, h in results:
            if st == 200:
                self.assertEqual(b["number"], number)
        return results, self.metric("ecustoms_store_read_connects_total") - opened, most

    def test_reads_wait_for_the_pool(self):
        """The lock goes as soon as every request beyond the pool waits: all are answered, by
        the pool's connections alone."""
        waiting = self.REQUESTS - self.POOL
        results, opened, most = self.overload(
            lambda done: self.metric("ecustoms_store_reads_waiting") >= waiting)
        self.assertEqual(sorted(st for st, _, _ in results), [200] * self.REQUESTS)
        self.assertLessEqual(most, self.POOL)
        self.assertLessEqual(opened, self.POOL)
        self.assertLessEqual(self.readers(), self.POOL)

    def test_reads_that_wait_too_long_are_shed(self):
        """The lock is held until the waiting requests have been answered: 503 database_busy
        with Retry-After, counted in /metrics; the pool's reads finish once the lock goes."""
        shed = self.metric("ecustoms_store_reads_shed_total")
        waiting = self.REQUESTS - self.POOL
        results, opened, most = self.overload(lambda done: len(done) >= waiting)
        ok = [b for st, b, _ in results if st == 200]
        busy = [(b, h) for st, b, h in results if st == 503]
        self.assertEqual((len(ok), len(busy)), (self.POOL, waiting),
                         sorted(st for st, _, _ in results))
        for b, h in busy:
            self.assertEqual(error_codes(b), [("database_busy", "")])
            self.assertEqual(h["Retry-After"], "1")
        self.assertEqual(self.metric("ecustoms_store_reads_shed_total") - shed, waiting)
        self.assertLessEqual(most, self.POOL)
        self.assertLessEqual(opened, self.POOL)
        self.get(results and ok[0]["number"])  # and the server reads on
