"""API tests: the HTTP transport under abuse: request smuggling, bytes
that are not UTF-8, errors cut inside a character, connections per address, slow clients,
HTTPS, bearer tokens in clear. Raw sockets where urllib would normalise the request."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness
import ssl


def raw_request(port, data, host="127.0.0.1", timeout=10, source=None):
    """Sends bytes as they are and returns everything the server answers until it closes (or the
    timeout passes): (status or None, raw bytes)."""
    s = socket.create_connection((host, port), timeout=timeout,
                                 source_address=(source, 0) if source else None)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out:
                head, _, rest = out.partition(b"\r\n\r\n")
                m = re.search(rb"content-length:\s*(\d+)", head, re.I)
                if m and len(rest) >= int(m.group(1)):
                    break
    finally:
        s.close()
    m = re.match(rb"HTTP/1\.[01] (\d{3})", out)
    return (int(m.group(1)) if m else None), out


def body_of(raw):
    return json.loads(raw.partition(b"\r\n\r\n")[2] or b"{}")


def first_code(raw):
    errs = body_of(raw).get("errors") or [{}]
    return errs[0].get("code")



# Classes that test a SQLite file itself are skipped on the PostgreSQL pass, with these reasons.
PG_SKIP_FILE = ("the fault is made on the SQLite database file (read-only file or full disk); "
                "PostgreSQL's storage is the server's, and its outage has T30PgOutage")
PG_SKIP_KEYS = ("the default key file sits beside a SQLite database file; a PostgreSQL database "
                "needs --signing-key, which every Env passes (Env.key_args)")

class T15NetFraming(ApiCase):
    """Request smuggling: a proxy and this server must never disagree on where a
    request ends."""

    def post_raw(self, headers, body=b"{}"):
        token = self.env.tokens["active"]
        head = ("POST /api/v1/declarations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: application/json\r\n" % token).encode()
        return raw_request(self.env.port, head + headers + b"\r\n" + body)

    def test_two_different_content_lengths_are_refused(self):
        st, raw = self.post_raw(b"Content-Length: 2\r\nContent-Length: 40\r\n")
        self.assertEqual(st, 400, raw)
        self.assertEqual(first_code(raw), "bad_framing")
        self.assertIn(b"connection: close", raw.lower())

    def test_content_length_with_chunked_is_refused(self):
        st, raw = self.post_raw(b"Content-Length: 7\r\nTransfer-Encoding: chunked\r\n",
                                b"2\r\n{}\r\n0\r\n\r\n")
        self.assertEqual(st, 400, raw)
        self.assertEqual(first_code(raw), "bad_framing")

    def test_chunked_alone_is_still_accepted(self):
        body = json.dumps(declaration()).encode()
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        st, raw = self.post_raw(b"Transfer-Encoding: chunked\r\n", chunked)
        self.assertEqual(st, 201, raw)

    def test_equal_repeated_content_length_is_one_length(self):
        st, raw = self.post_raw(b"Content-Length: 2\r\nContent-Length: 2\r\n")
        self.assertNotEqual(st, 400, raw)


class T15NetUtf8(ApiCase):
    """Bytes that are not UTF-8 and errors cut inside a character. Under the ASan
    server the leak of the unencodable reply (~224 B per request) fails the run at shutdown."""

    def test_url_that_is_not_utf8_is_a_clear_400(self):
        for path in ["/api/v1/enterprises/%ff%fe/credits", "/api/v1/declarations/%c3",
                     "/api/v1/declarations?status=%ff"]:
            for _ in range(20):
                st, b, _ = self.call("GET", path, "officer")
                self.assertEqual(st, 400, (path, b))
                self.assertEqual(error_codes(b), [("bad_url", "")], path)

    def test_unknown_field_cut_inside_a_character_keeps_the_error(self):
        # the path buffer keeps "%.40s" of the key and the message "%.60s": a key of two-byte
        # characters after one ASCII byte is cut in the middle of one
        key = "x" + "\u1ea2" * 40     # "Ả" is 3 bytes in UTF-8
        for k in (key, "y" + "\u00e0" * 50, "\u1ea2" * 90):
            d = declaration()
            d[k] = 1
            st, b, _ = self.call("POST", "/api/v1/declarations", "active", d)
            self.assertEqual(st, 422, b)
            codes = [c for c, _ in error_codes(b)]
            self.assertIn("unknown_field", codes, b)
            e = [e for e in b["errors"] if e["code"] == "unknown_field"][0]
            self.assertTrue(e["message"].startswith("unknown field '"), e)
            self.assertTrue(e["path"].startswith("/"), e)

    def test_container_number_cut_inside_a_character_keeps_the_error(self):
        # "'%.20s' is not an ISO 6346 container number": byte 20 falls inside a character
        ctr = "A" + "\u00c0" * 15
        st, b, _ = self.call("POST", "/api/v1/gate-events", "portop",
                             {"type": "gate_in", "container": ctr, "location": "VNHPH-TC01",
                              "seal": "SEAL1"})
        self.assertEqual(st, 422, b)
        self.assertIn(("container_number", "/container"), error_codes(b), b)


class T15NetLimits(OwnEnvCase):
    """One address cannot take every connection and a slow client is cut. Its own
    server, with small limits so that the test is quick."""
    PER_ADDRESS = 4
    TIMEOUT = 2
    env_name = "limits"
    serve_args = ("--max-connections-per-address", str(PER_ADDRESS),
                  "--request-timeout", str(TIMEOUT))

    def healthz_from(self, source):
        return raw_request(self.env.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                           b"Connection: close\r\n\r\n", source=source, timeout=5)[0]

    def test_connections_per_address_are_limited_and_others_are_served(self):
        held = []
        try:
            for _ in range(self.PER_ADDRESS):
                s = socket.create_connection(("127.0.0.1", self.env.port), timeout=5)
                s.sendall(b"GET /healthz HTTP/1.1\r\n")      # an unfinished request
                held.append(s)
            time.sleep(0.3)
            # the next one from the same address is closed without an answer
            st, raw = raw_request(self.env.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                                  timeout=5)
            self.assertIsNone(st, raw)
            # another address is served meanwhile
            self.assertEqual(self.healthz_from("127.0.0.2"), 200)
        finally:
            for s in held:
                s.close()

    def test_a_byte_a_second_does_not_hold_a_connection(self):
        """slowloris: every byte arrives before the idle timeout, yet the whole request takes
        too long; the server cuts it, and a server answer never comes."""
        s = socket.create_connection(("127.0.0.1", self.env.port), timeout=5)
        req = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
        closed, sent = False, 0
        try:
            for b in req:
                try:
                    s.sendall(bytes([b]))
                    sent += 1
                except OSError:
                    closed = True
                    break
                r, _, _ = __import__("select").select([s], [], [], 0.5)
                if r:
                    try:
                        data = s.recv(100)
                    except OSError:
                        data = b""
                    self.assertEqual(data, b"", "the server answered an unfinished request")
                    closed = True
                    break
        finally:
            s.close()
        self.assertTrue(closed, "a request sent at 2 bytes/s for %d s was not cut" % (sent // 2))
        # the server counts it
        st, text, _ = self.call("GET", "/metrics")
        m = re.search(r"ecustoms_http_request_timeouts_total (\d+)", text)
        self.assertTrue(m and int(m.group(1)) >= 1, text[-600:])

    def test_a_slow_request_finished_in_time_is_served(self):
        s = socket.create_connection(("127.0.0.1", self.env.port), timeout=5)
        try:
            for part in (b"GET /healthz HTTP/1.1\r\n", b"Host: x\r\n", b"Connection: close\r\n\r\n"):
                s.sendall(part)
                time.sleep(0.2)
            self.assertIn(b" 200 ", s.recv(1000))
        finally:
            s.close()


class T15NetTls(OwnEnvCase):
    """HTTPS served directly (`serve --tls-cert --tls-key`, libmicrohttpd with GnuTLS), with a
    self-signed certificate made by openssl here."""
    env_name = "tls"
    tls = True

    def test_https_serves_the_api_with_the_certificate(self):
        d = self.create()
        self.assertIn("id", d)
        st, b, _ = self.call("GET", "/api/v1/declarations/%s" % d["id"], "active")
        self.assertEqual(st, 200, b)

    def test_plain_http_on_the_tls_port_gets_no_api_answer(self):
        st, raw = raw_request(self.env.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                              timeout=3)
        self.assertIsNone(st, raw)

    def test_a_certificate_the_client_does_not_trust_is_refused(self):
        ctx = ssl.create_default_context()   # system roots only
        with self.assertRaises(urllib.error.URLError):
            urllib.request.urlopen(self.env.base + "/healthz", timeout=5, context=ctx)


def non_loopback_ipv4():
    """This machine's first IPv4 address that is not loopback, or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))      # no packet is sent: this only picks a route
        ip = s.getsockname()[0]
    except OSError:
        ip = None
    finally:
        s.close()
    return ip if ip and not ip.startswith("127.") else None


class T15NetPlainBearer(OwnEnvCase):
    """Bearer tokens never travel in clear outside loopback: a server listening on
    all interfaces, reached through this machine's own non-loopback address."""
    env_name = "plainbearer"

    @classmethod
    def make_env(cls):
        cls.ip = non_loopback_ipv4()
        if not cls.ip:
            raise unittest.SkipTest("no non-loopback IPv4 address on this machine")
        return super().make_env()

    def serve(self, *extra):
        port = free_port()
        p = subprocess.Popen([harness.BINARY, "serve", "--db", self.env.db, "--listen",
                              "0.0.0.0:%d" % port] + self.env.key_args() + list(extra),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection((self.ip, port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        self.addCleanup(lambda: (p.terminate(), p.wait(10)))
        return port

    def get_decls(self, port, host):
        token = self.env.tokens["officer"]
        return raw_request(port, ("GET /api/v1/enterprises/%s/credits HTTP/1.1\r\nHost: x\r\n"
                                  "Authorization: Bearer %s\r\nConnection: close\r\n\r\n"
                                  % (ACTIVE, token)).encode(), host=host)

    def test_bearer_token_in_clear_from_the_network_is_refused(self):
        port = self.serve()
        st, raw = self.get_decls(port, self.ip)
        self.assertEqual(st, 403, raw)
        self.assertEqual(first_code(raw), "tls_required")
        # without a token the same address still reaches public endpoints
        st, _ = raw_request(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                            host=self.ip)
        self.assertEqual(st, 200)
        # from loopback (a TLS proxy on the same host) the token is accepted
        st, raw = self.get_decls(port, "127.0.0.1")
        self.assertEqual(st, 200, raw)

    def test_explicit_opt_in_accepts_tokens_in_clear(self):
        port = self.serve("--allow-plain-http-tokens")
        st, raw = self.get_decls(port, self.ip)
        self.assertEqual(st, 200, raw)


class T15NetStorageFaults(OwnEnvCase):
    """Storage faults are loud: a read-only database file warns at start, answers
    writes with 503 + Retry-After at once (no 1.3 s of retries, no 500), logs the cause and shows
    it in /healthz; `serve` refuses a missing or empty --db instead of creating it.

    The read-only file is made read-only for the server's user: as root, permissions do not bind,
    so the server then runs as `nobody` (setpriv)."""
    env_name = "storage"
    engine, engine_note = "sqlite", PG_SKIP_FILE

    @classmethod
    def setUpEnv(cls):
        cls.decl_id = None
        st, b, _ = cls.env.call("POST", "/api/v1/declarations", "active", declaration())
        if st != 201:
            raise RuntimeError("seeding a declaration failed: %s %s" % (st, b))
        cls.decl_id = b["id"]

    @classmethod
    def tearDownClass(cls):
        os.chmod(cls.env.dir, 0o700)
        if os.path.exists(cls.env.db):
            os.chmod(cls.env.db, 0o600)
        super().tearDownClass()

    def serve_readonly(self):
        """Restarts the class's server on a read-only database file; returns (proc, log path)."""
        if self.env.proc and self.env.proc.poll() is None:
            self.env.proc.terminate()
            self.env.proc.wait(10)
        for ext in ("-wal", "-shm"):
            if os.path.exists(self.env.db + ext):
                os.chmod(self.env.db + ext, 0o666)
        os.chmod(self.env.db, 0o444)
        os.chmod(self.env.dir, 0o777)   # the directory stays writable (-shm), the file is not
        cmd = [os.path.abspath(harness.BINARY), "serve", "--db", self.env.db, "--listen",
               "127.0.0.1:%d" % self.env.port]
        if os.geteuid() == 0:
            cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + cmd
            # the key files beside the database (signing key, audit key and log) belong to the
            # service's user, mode 0600; only the database file itself stays root's, read-only
            import pwd
            nobody = pwd.getpwnam("nobody")
            for name in os.listdir(self.env.dir):
                path = os.path.join(self.env.dir, name)
                if path.startswith(self.env.db + ".") and os.path.isfile(path):
                    os.chown(path, nobody.pw_uid, nobody.pw_gid)
        logpath = os.path.join(self.env.dir, "readonly.log")
        log = open(logpath, "wb")
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.env.proc = p
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.env.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        return p, logpath

    def test_read_only_database_warns_answers_503_and_reports_in_healthz(self):
        p, logpath = self.serve_readonly()
        # reads still work
        st, b, _ = self.call("GET", "/api/v1/declarations/%s" % self.decl_id, "active")
        self.assertEqual(st, 200, b)
        st, h, _ = self.call("GET", "/healthz")
        self.assertEqual((st, h["status"]), (200, "ok"), h)
        # a write: 503 with Retry-After, nothing half-done
        st, b, hdr = self.call("POST", "/api/v1/declarations", "active", declaration())
        self.assertEqual(st, 503, b)
        self.assertEqual(error_codes(b), [("storage_unavailable", "")])
        self.assertTrue(hdr.get("Retry-After"), dict(hdr))
        st, h, _ = self.call("GET", "/healthz")
        self.assertEqual(st, 503, h)
        self.assertEqual(h["status"], "degraded")
        self.assertEqual(h["storage"]["status"], "failing")
        self.assertIn("readonly", h["storage"]["last_fault"].replace("-", "").replace(" ", ""))
        p.terminate()
        p.wait(10)
        with open(logpath, "rb") as f:
            log = f.read().decode("utf-8", "replace")
        self.assertIn("is not writable by this process", log)
        self.assertRegex(log, r"storage failure: .*read.?only")

    def test_serve_refuses_a_missing_or_empty_database(self):
        missing = os.path.join(self.env.dir, "missing.sqlite")
        p = run_cli("serve", "--db", missing, "--listen", "127.0.0.1:%d" % free_port(),
                    check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("missing", p.stderr)
        self.assertFalse(os.path.exists(missing))
        empty = os.path.join(self.env.dir, "empty.sqlite")
        open(empty, "wb").close()
        p = run_cli("serve", "--db", empty, "--listen", "127.0.0.1:%d" % free_port(),
                    check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("empty", p.stderr)
        self.assertEqual(os.path.getsize(empty), 0)


def public_pem_of(private_pem_path):
    return subprocess.run(["openssl", "pkey", "-in", private_pem_path, "-pubout"], check=True,
                          capture_output=True, text=True).stdout


class T15NetKeys(OwnEnvCase):
    """The QR signing key leaves the database: a file of mode 0600 made by
    `db init` (next to the database) or `key generate`, chosen by `serve --signing-key`; a key an
    older version stored in `settings` is moved out at start; a file others can read is refused."""
    env_name = "keys"
    engine, engine_note = "sqlite", PG_SKIP_KEYS

    def restart(self, *extra, expect_start=True):
        e = self.env
        if e.proc and e.proc.poll() is None:
            e.proc.terminate()
            e.proc.wait(10)
        logpath = os.path.join(e.dir, "keys.log")
        with open(logpath, "wb") as log:
            p = subprocess.Popen([harness.BINARY, "serve", "--db", e.db, "--listen",
                                  "127.0.0.1:%d" % e.port] + list(extra),
                                 stdout=log, stderr=subprocess.STDOUT)
        e.proc = p
        deadline = time.time() + 10
        while time.time() < deadline and p.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", e.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        if not expect_start:
            p.wait(10)
            e.proc = None
            with open(logpath, "rb") as f:
                return p.returncode, f.read().decode("utf-8", "replace")
        self.assertIsNone(p.poll(), "serve did not start")
        return None, None

    def served_public_key(self):
        st, b, _ = self.call("GET", "/api/v1/barcodes/public-key", "officer")
        self.assertEqual(st, 200, b)
        return b["public_key_pem"]

    def settings_key(self):
        with sqlite3.connect(self.env.db) as c:
            return c.execute("SELECT value FROM settings WHERE key = 'barcode.ecdsa_p256_pem'"
                             ).fetchall()

    def test_db_init_makes_a_private_file_the_server_signs_with(self):
        kf = self.env.db + ".signing-key.pem"
        self.restart()
        self.assertEqual(os.stat(kf).st_mode & 0o777, 0o600)
        self.assertEqual(self.served_public_key().strip(), public_pem_of(kf).strip())
        self.assertEqual(self.settings_key(), [])

    def test_a_key_in_the_database_moves_to_a_file(self):
        kf = self.env.db + ".signing-key.pem"
        old = os.path.join(self.env.dir, "old.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-out", old], check=True, capture_output=True)
        with open(old) as f:
            pem = f.read()
        if self.env.proc:
            self.env.proc.terminate()
            self.env.proc.wait(10)
        os.rename(kf, kf + ".bak")
        try:
            with sqlite3.connect(self.env.db) as c:
                c.execute("INSERT OR REPLACE INTO settings (key, value) VALUES "
                          "('barcode.ecdsa_p256_pem', ?)", (pem,))
            self.restart()
            self.assertEqual(os.stat(kf).st_mode & 0o777, 0o600)
            self.assertEqual(self.served_public_key().strip(), public_pem_of(old).strip())
            self.assertEqual(self.settings_key(), [], "the key is still in the database")
        finally:
            os.replace(kf + ".bak", kf)
            self.restart()

    def test_a_key_file_others_can_read_is_refused(self):
        kf = os.path.join(self.env.dir, "loose.pem")
        self.assertEqual(run_cli("key", "generate", "--out", kf).returncode, 0)
        self.assertEqual(os.stat(kf).st_mode & 0o777, 0o600)
        # never overwritten
        self.assertEqual(run_cli("key", "generate", "--out", kf, check=False).returncode, 1)
        os.chmod(kf, 0o644)
        try:
            rc, out = self.restart("--signing-key", kf, expect_start=False)
            self.assertEqual(rc, 1, out)
            self.assertIn("chmod 600", out)
        finally:
            self.restart()

    def test_serve_signing_key_chooses_the_file(self):
        kf = os.path.join(self.env.dir, "chosen.pem")
        run_cli("key", "generate", "--out", kf)
        try:
            self.restart("--signing-key", kf)
            self.assertEqual(self.served_public_key().strip(), public_pem_of(kf).strip())
            rc, out = self.restart("--signing-key", kf + ".missing", expect_start=False)
            self.assertEqual(rc, 1, out)
        finally:
            self.restart()


class T15NetDiskFull(OwnEnvCase):
    """A full disk: writes answer 503 + Retry-After at once, the cause (database or
    disk is full) is logged and shown in /healthz, reads keep working, and once space is freed
    writes succeed again. The database lives on a small tmpfs mounted for the test, filled with a
    filler file; without the privilege to mount, the class is skipped (say so in the report)."""
    env_name = "diskfull"
    engine, engine_note = "sqlite", PG_SKIP_FILE

    @classmethod
    def make_env(cls):
        cls.mnt = tempfile.mkdtemp(prefix="ecustoms-full-")
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", cls.mnt],
                           capture_output=True)
        if p.returncode != 0:
            os.rmdir(cls.mnt)
            raise unittest.SkipTest("cannot mount a small tmpfs here: %s" % p.stderr.decode())
        env = super().make_env()
        env.db = os.path.join(cls.mnt, "db.sqlite")
        return env

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        subprocess.run(["umount", cls.mnt])
        os.rmdir(cls.mnt)

    def test_full_disk_is_a_quick_503_logged_and_reported(self):
        d = self.create()                      # some data before the disk fills
        filler = os.path.join(self.mnt, "filler")
        # unbuffered: a buffered file keeps the part of the last write the disk refused and
        # fails again when closed, unless the free space happened to be a multiple of 64 KiB
        with open(filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
            except OSError:
                pass
        try:
            results = []
            for _ in range(20):
                t0 = time.time()
                st, b, h = self.call("POST", "/api/v1/declarations", "active", declaration())
                results.append((st, time.time() - t0))
                if st == 503:
                    break
            st, b, h = self.call("POST", "/api/v1/declarations", "active", declaration())
            self.assertEqual(st, 503, (b, results))
            self.assertEqual(error_codes(b), [("storage_unavailable", "")])
            self.assertTrue(h.get("Retry-After"))
            st, hz, _ = self.call("GET", "/healthz")
            self.assertEqual((st, hz["status"]), (503, "degraded"), hz)
            self.assertIn("full", hz["storage"]["last_fault"])
            # reads still answer
            st, g, _ = self.call("GET", "/api/v1/declarations/%s" % d["id"], "active")
            self.assertEqual(st, 200, g)
        finally:
            os.unlink(filler)
        # space again: writes work and /healthz recovers
        self.create()
        st, hz, _ = self.call("GET", "/healthz")
        self.assertEqual((st, hz["status"]), (200, "ok"), hz)
        self.env.log.flush()
        with open(os.path.join(self.env.dir, "server.log"), "rb") as f:
            self.assertRegex(f.read().decode("utf-8", "replace"),
                             r"storage failure: .*(full|disk)")
