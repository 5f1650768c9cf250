"""API tests: e-Office — people, sign-in, sessions and CSRF, tokens of a person, lists, search,
worklists, claims, notifications."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness


def registered_in(case, channel, token="active", decl=None):
    """A registered declaration on the given channel: a rule of top priority for its HS code
    while it registers (the shared database's other tests register nothing meanwhile)."""
    d = decl or declaration(items=[item("85171300", "10", "20", desc="Channel test phones")])
    st, rule, _ = case.call("POST", "/api/v1/risk/rules", "risk", {
        "name": "office test: %s" % channel, "hs_prefix": "85171300", "action": channel, "priority": 100000})
    case.assertEqual(st, 201, rule)
    try:
        r = case.registered(token, d)
    finally:
        case.call("DELETE", "/api/v1/risk/rules/%d" % rule["id"], "risk")
    case.assertEqual(r["channel"], channel, r)
    return r


class Browser:
    """A cookie jar and the CSRF token of one signed-in session, like the web page has."""

    def __init__(self, env):
        self.env = env
        self.cookie = None
        self.csrf = None

    def sign_in(self, username, password=PASSWORD, **extra):
        st, b, h = self.env.call("POST", "/api/v1/session", None,
                                 dict(username=username, password=password, **extra))
        if st == 200:
            self.set_cookie = h.get("Set-Cookie")
            self.cookie = self.set_cookie.split(";")[0]
            self.csrf = b["csrf_token"]
        return st, b, h

    def call(self, method, path, body=None, csrf=True, origin=None, raw=None, ctype="application/json"):
        h = {"Cookie": self.cookie} if self.cookie else {}
        if csrf and self.csrf and method != "GET":
            h["X-CSRF-Token"] = self.csrf
        if origin:
            h["Origin"] = origin
        return self.env.call(method, path, None, body, raw=raw, headers=h, ctype=ctype)


class T16OfficeSignIn(ApiCase):
    seq = 0

    def user(self, role="declarant", party=ACTIVE, office=None):
        T16OfficeSignIn.seq += 1
        name = "u%d.%s" % (T16OfficeSignIn.seq, os.urandom(3).hex())
        add_user(self.env, name, party, role, office=office)
        return name

    def test_root_is_the_sign_in_page(self):
        st, body, h = self.call("GET", "/")
        self.assertEqual(st, 200)
        self.assertTrue(h["Content-Type"].startswith("text/html"), h["Content-Type"])
        self.assertIn('id="login-form"', body)
        self.assertIn("default-src 'self'", h["Content-Security-Policy"])
        for page in ("/web/app.js", "/web/app.css", "/web/i18n.js"):
            st, _, _ = self.call("GET", page)
            self.assertEqual(st, 200, page)
        for bad in ("/web/../openapi.json", "/web/%2e%2e/openapi.json", "/web/nope.js", "/web/x.exe"):
            st, _, _ = self.call("GET", bad)
            self.assertEqual(st, 404, bad)

    def test_sign_in_sets_a_strict_http_only_cookie(self):
        u = self.user()
        b = Browser(self.env)
        st, body, h = b.sign_in(u)
        self.assertEqual(st, 200, body)
        c = h["Set-Cookie"]
        self.assertIn("HttpOnly", c)
        self.assertIn("SameSite=Strict", c)
        self.assertNotIn("Secure", c)  # plain HTTP here
        self.assertEqual((body["username"], body["role"], body["party"]), (u, "declarant", ACTIVE))
        st, me, _ = b.call("GET", "/api/v1/session")
        self.assertEqual((st, me["username"], me["name"]), (200, u, "Nguyễn Văn An"))
        # the cookie authenticates the API like a token does
        st, lst, _ = b.call("GET", "/api/v1/declarations")
        self.assertEqual(st, 200, lst)
        # behind a TLS proxy the cookie is Secure
        st, _, h = self.call("POST", "/api/v1/session", None, {"username": u, "password": PASSWORD},
                             headers={"X-Forwarded-Proto": "https"})
        self.assertIn("Secure", h["Set-Cookie"])

    def test_wrong_password_answers_like_an_unknown_user(self):
        u = self.user()
        st1, b1, _ = self.call("POST", "/api/v1/session", None, {"username": u, "password": "wrong password"})
        st2, b2, _ = self.call("POST", "/api/v1/session", None, {"username": "nobody-" + u, "password": "wrong password"})
        self.assertEqual((st1, st2), (401, 401))
        self.assertEqual(b1, b2)

    def test_sign_in_bad_input_all_errors(self):
        st, b, _ = self.call("POST", "/api/v1/session", None, {"user": "x", "password": 5})
        self.assert_errors(st, b, [("unknown_field", "/"), ("username", "/username"), ("password", "/password")])
        st, b, _ = self.call("POST", "/api/v1/session", None, raw=b"{", ctype="application/json")
        self.assertEqual(st, 400, b)

    def test_throttled_after_repeated_failures(self):
        u = self.user()
        for _ in range(5):
            st, _, _ = self.call("POST", "/api/v1/session", None, {"username": u, "password": "nope nope"})
            self.assertEqual(st, 401)
        # even the right password waits now
        st, b, _ = self.call("POST", "/api/v1/session", None, {"username": u, "password": PASSWORD})
        self.assertEqual(st, 429, b)
        self.assertEqual(b["errors"][0]["code"], "throttled")
        # unknown usernames are throttled the same way (no hint that the name does not exist)
        ghost = "ghost-" + u
        for _ in range(5):
            self.call("POST", "/api/v1/session", None, {"username": ghost, "password": "nope nope"})
        st, _, _ = self.call("POST", "/api/v1/session", None, {"username": ghost, "password": "nope nope"})
        self.assertEqual(st, 429)

    def test_csrf_token_required_with_the_cookie(self):
        u = self.user()
        b = Browser(self.env)
        self.assertEqual(b.sign_in(u)[0], 200)
        # without the header: refused, nothing created
        st, body, _ = b.call("POST", "/api/v1/declarations", declaration(), csrf=False)
        self.assertEqual((st, body["errors"][0]["code"]), (403, "csrf"))
        # with a wrong one
        b2 = Browser(self.env)
        b2.cookie, b2.csrf = b.cookie, "0" * 48
        st, body, _ = b2.call("POST", "/api/v1/declarations", declaration())
        self.assertEqual((st, body["errors"][0]["code"]), (403, "csrf"))
        # from another origin, even with the token
        st, body, _ = b.call("POST", "/api/v1/declarations", declaration(), origin="http://evil.example")
        self.assertEqual((st, body["errors"][0]["code"]), (403, "csrf"))
        # our own page: the header and our origin
        st, body, _ = b.call("POST", "/api/v1/declarations", declaration(), origin=self.env.base)
        self.assertEqual(st, 201, body)
        # a bearer token needs no CSRF token (not sent by browsers on their own)
        self.create()

    def test_sign_out_ends_the_session(self):
        u = self.user()
        b = Browser(self.env)
        b.sign_in(u)
        st, _, _ = b.call("DELETE", "/api/v1/session", csrf=False)
        self.assertEqual(st, 403)  # logging out is a change too
        st, _, h = b.call("DELETE", "/api/v1/session")
        self.assertEqual(st, 200)
        self.assertIn("Max-Age=0", h["Set-Cookie"])
        st, _, _ = b.call("GET", "/api/v1/session")
        self.assertEqual(st, 401)

    def test_several_roles_switch(self):
        T16OfficeSignIn.seq += 1
        u = "multi%d" % T16OfficeSignIn.seq
        add_user(self.env, u, CUSTOMS, "officer,risk_officer", office="02CI")
        b = Browser(self.env)
        st, me, _ = b.sign_in(u, role="risk_officer")
        self.assertEqual((st, me["role"], sorted(me["roles"])), (200, "risk_officer", ["officer", "risk_officer"]))
        st, _, _ = b.call("POST", "/api/v1/declarations/00000000000/decisions", {"decision": "clear"})
        self.assertEqual(st, 403)  # a risk officer does not decide
        st, me, _ = b.call("PUT", "/api/v1/session", {"role": "officer"})
        self.assertEqual((st, me["role"]), (200, "officer"))
        st, _, _ = b.call("PUT", "/api/v1/session", {"role": "admin"})
        self.assertEqual(st, 403)
        st, _, _ = Browser(self.env).sign_in(u, role="admin")
        self.assertEqual(st, 403)

    def test_user_add_refuses_bad_input(self):
        p = add_user(self.env, "X", ACTIVE, "pilot", name="", password="short", check=False)
        self.assertEqual(p.returncode, 2)
        for word in ("username", "name", "role", "password"):
            self.assertIn(word + ":", p.stderr)
        p = add_user(self.env, "nobody-party", "0999999999", "declarant", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no party", p.stderr)
        # password from standard input
        path = os.path.join(self.env.dir, "stdin-pw")
        p = subprocess.run([harness.BINARY, "user", "add", "--db", self.env.db, "--party", ACTIVE,
                            "--username", "stdin.user", "--name", "Trần Thị B", "--role", "declarant"],
                           input=PASSWORD + "\n", capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(Browser(self.env).sign_in("stdin.user")[0], 200)
        self.assertFalse(os.path.exists(path))
        # stored as scrypt, never the password
        with self.env.connect_db() as c:  # either engine
            stored = c.execute("SELECT password FROM users WHERE username = 'stdin.user'").fetchone()[0]
        self.assertTrue(stored.startswith("scrypt$15$8$1$"), stored)
        self.assertNotIn(PASSWORD, stored)


class T16OfficeTokens(ApiCase):
    def test_token_of_a_person_acts_as_that_person(self):
        add_user(self.env, "officer.tokens", CUSTOMS, "officer", name="Lê Thị Cúc", office="02CI")
        tok = run_cli("token", "create", "--db", self.env.db, "--user", "officer.tokens").stdout
        self.assertRegex(tok, r"^[0-9a-f]{48}\n$")  # only the token
        tok = tok.strip()
        n = registered_in(self, "yellow")["number"]
        self.decide(n, "start_document_check", token=tok)
        self.decide(n, "document_check", token=tok, passed=True)
        self.settle(n)
        self.decide(n, "clear", token=tok)
        evs = [e for e in self.events(n, "officer") if e["role"] == "officer"]
        self.assertEqual([e["action"] for e in evs][-3:],
                         ["start_document_check", "documents_passed", "clear"], evs)
        for e in evs:
            self.assertEqual((e["user"], e["user_name"]), ("officer.tokens", "Lê Thị Cúc"), e)
            self.assertEqual((e["detail"]["user"], e["detail"]["user_name"]), ("officer.tokens", "Lê Thị Cúc"), e)
        self.assertEqual(self.get(n, "officer")["decisions"][-1]["user_name"], "Lê Thị Cúc")
        # machine tokens stay as they were: no person
        n2 = registered_in(self, "yellow")["number"]
        self.decide(n2, "start_document_check")
        for e in self.events(n2, "officer"):
            self.assertNotIn("user", e)
        # rule and settings changes name the person too, in their own hash chains
        add_user(self.env, "risk.tokens", CUSTOMS, "risk_officer", name="Đinh Thị Hoa")
        rt = run_cli("token", "create", "--db", self.env.db, "--user", "risk.tokens").stdout.strip()
        st, rule, _ = self.call("POST", "/api/v1/risk/rules", rt, {
            "name": "audit test", "hs_prefix": "0101", "action": "yellow", "priority": 1})
        self.assertEqual(st, 201, rule)
        st, _, _ = self.call("DELETE", "/api/v1/risk/rules/%d" % rule["id"], rt)
        self.assertEqual(st, 200)
        with self.env.connect_db() as c:  # either engine
            rows = c.execute("SELECT action, detail FROM events WHERE decl_id = 'audit:risk_rules'"
                             " ORDER BY seq DESC LIMIT 2").fetchall()
        self.assertEqual([r[0] for r in rows], ["rule.delete", "rule.create"])
        for _, d in rows:
            self.assertEqual(json.loads(d)["user_name"], "Đinh Thị Hoa")
        p = run_cli("audit", "verify", "--db", self.env.db)
        self.assertIn("ok", p.stdout)

    def test_permissions_and_mandates_name_the_person(self):
        """Newer decisions: an officer's permission to re-manifest a container
        and an enterprise's mandates are audited with the person, in their own chains."""
        from test_manifest import fresh_container
        add_user(self.env, "officer.ctr", CUSTOMS, "officer", name="Phạm Văn Đức", office="03CE")
        ot = run_cli("token", "create", "--db", self.env.db, "--user", "officer.ctr").stdout.strip()
        ctr = fresh_container()
        st, p, _ = self.call("POST", "/api/v1/containers/%s/manifest-permissions" % ctr, ot,
                             {"carrier": CARRIER2, "reason": "transhipment"})
        self.assertEqual(st, 201, p)
        # a fresh enterprise, so no other test meets its mandate
        ent = "07%08d" % (int.from_bytes(os.urandom(3), "big") % 10 ** 8)
        run_cli("party", "add", "--db", self.env.db, "--tax-code", ent, "--name", "Mandate test " + ent)
        add_user(self.env, "owner." + ent, ent, "declarant", name="Trần Thị Mai")
        et = run_cli("token", "create", "--db", self.env.db, "--user", "owner." + ent).stdout.strip()
        path = "/api/v1/enterprises/%s/mandates" % ent
        st, m, _ = self.call("POST", path, et, {"declarant": OTHER, "valid_to": "2099-01-01"})
        self.assertEqual(st, 201, m)
        st, m2, _ = self.call("POST", "%s/%d/revocation" % (path, m["id"]), et)
        self.assertEqual(st, 200, m2)
        with self.env.connect_db() as c:  # either engine
            perm = c.execute("SELECT action, detail FROM events WHERE decl_id = 'audit:container_permissions'"
                             " ORDER BY seq DESC LIMIT 1").fetchone()
            mand = c.execute("SELECT action, detail FROM events WHERE decl_id = 'audit:mandates'"
                             " ORDER BY seq DESC LIMIT 2").fetchall()
        self.assertEqual(perm[0], "container.permit")
        d = json.loads(perm[1])
        self.assertEqual((d["container"], d["user"], d["user_name"]), (ctr, "officer.ctr", "Phạm Văn Đức"))
        self.assertEqual([r[0] for r in mand], ["mandate.revoke", "mandate.grant"])
        for _, t in mand:
            d = json.loads(t)
            self.assertEqual((d["enterprise"], d["user_name"]), (ent, "Trần Thị Mai"))
        p = run_cli("audit", "verify", "--db", self.env.db)
        self.assertIn("ok", p.stdout)

    def test_the_administrations_chains_name_the_person(self):
        """law-b's chains (customs offices, exchange rates) name the person too, and
        e-Office's own chains are read through GET /admin/audit like them."""
        add_user(self.env, "admin.chains", CUSTOMS, "admin", name="Võ Thị Lan")
        at = run_cli("token", "create", "--db", self.env.db, "--user", "admin.chains").stdout.strip()
        code = "01T%d" % (int.from_bytes(os.urandom(1), "big") % 10)
        st, b, _ = self.call("PUT", "/api/v1/customs-offices/" + code, at,
                             {"name": "e-Office test depot", "province": "Ha Noi"})
        self.assertEqual(st, 200, b)
        frm = (TODAY + datetime.timedelta(days=400)).isoformat()
        to = (TODAY + datetime.timedelta(days=406)).isoformat()
        st, b, _ = self.call("PUT", "/api/v1/exchange-rates", at, {"rates": [
            {"currency": "AUD", "vnd_per_unit": "16500", "valid_from": frm, "valid_to": to, "source": "test"}]})
        self.assertEqual(st, 200, b)
        st, b, _ = self.call("GET", "/api/v1/admin/audit?chain=customs_offices", "admin")
        self.assertEqual(st, 200, b)
        last = b["events"][-1]
        self.assertEqual((last["detail"]["code"], last["detail"]["user"], last["detail"]["user_name"]),
                         (code, "admin.chains", "Võ Thị Lan"), last)
        st, b, _ = self.call("GET", "/api/v1/admin/audit?chain=exchange_rates", "admin")
        self.assertEqual(st, 200, b)
        last = b["events"][-1]
        self.assertEqual(last["action"], "rates.put")
        self.assertEqual(last["detail"]["rates"], [{"currency": "AUD", "vnd_per_unit": "16500",
                                                    "valid_from": frm, "valid_to": to}])
        self.assertEqual(last["detail"]["user_name"], "Võ Thị Lan")
        # a machine token names no person
        st, b, _ = self.call("PUT", "/api/v1/exchange-rates", "admin", {"rates": [
            {"currency": "AUD", "vnd_per_unit": "16501", "valid_from": frm, "valid_to": to, "source": "test"}]})
        self.assertEqual(st, 200, b)
        st, b, _ = self.call("GET", "/api/v1/admin/audit?chain=exchange_rates", "admin")
        self.assertNotIn("user", b["events"][-1]["detail"])
        # e-Office's chains through the same route (customs only)
        st, b, _ = self.call("GET", "/api/v1/admin/audit?chain=audit:risk_settings", "risk")
        self.assertEqual(st, 200, b)
        self.assertEqual(self.call("GET", "/api/v1/admin/audit?chain=audit:risk_rules", "active")[0], 403)

    def test_token_of_a_person_with_several_roles_needs_one(self):
        add_user(self.env, "two.roles", CUSTOMS, "officer,manager")
        p = run_cli("token", "create", "--db", self.env.db, "--user", "two.roles", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("--role", p.stderr)
        p = run_cli("token", "create", "--db", self.env.db, "--user", "two.roles", "--role", "admin", check=False)
        self.assertEqual(p.returncode, 1)
        p = run_cli("token", "create", "--db", self.env.db, "--user", "nobody.here", check=False)
        self.assertEqual(p.returncode, 1)
        tok = run_cli("token", "create", "--db", self.env.db, "--user", "two.roles", "--role", "manager").stdout.strip()
        st, me, _ = self.call("GET", "/api/v1/session", tok)
        self.assertEqual((st, me["username"], me["role"]), (200, "two.roles", "manager"))

    def test_revoke_and_expiry(self):
        add_user(self.env, "revoked.one", ACTIVE, "declarant")
        tok = run_cli("token", "create", "--db", self.env.db, "--user", "revoked.one").stdout.strip()
        p = run_cli("token", "revoke", "--db", self.env.db, tok)
        self.assertEqual(p.stdout.strip(), "revoked")
        st, _, _ = self.call("GET", "/api/v1/declarations", tok)
        self.assertEqual(st, 401)
        p = run_cli("token", "revoke", "--db", self.env.db, tok, check=False)
        self.assertEqual(p.returncode, 1)
        # a machine token with an expiry, and one of a person
        m = run_cli("token", "create", "--db", self.env.db, "--party", ACTIVE, "--role", "declarant",
                    "--expires-in", "1s").stdout.strip()
        u = run_cli("token", "create", "--db", self.env.db, "--user", "revoked.one", "--expires-in", "1").stdout.strip()
        time.sleep(2.1)
        for t in (m, u):
            st, _, _ = self.call("GET", "/api/v1/declarations", t)
            self.assertEqual(st, 401)
        p = run_cli("token", "create", "--db", self.env.db, "--user", "revoked.one", "--expires-in", "soon", check=False)
        self.assertEqual(p.returncode, 2)


class T16OfficeRules(ApiCase):
    def test_a_retired_rule_id_is_never_reused(self):
        body = {"name": "retire test", "hs_prefix": "0102", "action": "yellow", "priority": 1}
        st, a, _ = self.call("POST", "/api/v1/risk/rules", "risk", body)
        self.assertEqual(st, 201, a)
        st, _, _ = self.call("DELETE", "/api/v1/risk/rules/%d" % a["id"], "risk")
        self.assertEqual(st, 200)
        st, b, _ = self.call("POST", "/api/v1/risk/rules", "risk", body)
        self.assertEqual(st, 201, b)
        self.assertGreater(b["id"], a["id"])  # the retired id (the highest) is not given again
        self.call("DELETE", "/api/v1/risk/rules/%d" % b["id"], "risk")


class T16OfficeLists(ApiCase):
    def test_enterprise_sees_only_its_own(self):
        mine = self.registered("active")
        other = self.registered("other", declaration(importer=OTHER))
        ids = self.all_ids("active")
        self.assertIn(mine["id"], ids)
        self.assertNotIn(other["id"], ids)
        ids = self.all_ids("other")
        self.assertIn(other["id"], ids)
        self.assertNotIn(mine["id"], ids)
        ids = self.all_ids("officer")
        self.assertTrue({mine["id"], other["id"]} <= set(ids))
        # a declarant cannot widen its scope with ?enterprise=
        st, b, _ = self.call("GET", "/api/v1/declarations?enterprise=%s" % OTHER, "active")
        self.assertNotIn(other["id"], [i["id"] for i in b["items"]])
        st, b, _ = self.call("GET", "/api/v1/declarations?enterprise=%s" % OTHER, "officer")
        self.assertTrue(all(OTHER in (i["enterprise"], i["declarant"]) for i in b["items"]))

    def all_ids(self, token, query=""):
        ids, cursor = [], None
        for _ in range(200):
            q = query + ("&cursor=" + cursor if cursor else "")
            st, b, _ = self.call("GET", "/api/v1/declarations?limit=7&" + q, token)
            self.assertEqual(st, 200, b)
            ids += [i["id"] for i in b["items"]]
            cursor = b["next_cursor"]
            if not cursor:
                break
        self.assertEqual(len(ids), len(set(ids)))  # pages never repeat
        return ids

    def test_pages_are_newest_first_and_complete(self):
        for _ in range(3):
            self.create("broker", declaration(importer=BROKER))
        ids = self.all_ids("broker")
        with self.env.connect_db() as c:  # either engine
            want = [r[0] for r in c.execute(
                "SELECT id FROM declarations WHERE party = ? OR declarant = ? ORDER BY created_at DESC, id DESC",
                (BROKER, BROKER)).fetchall()]
        self.assertEqual(ids, want)

    def test_filters(self):
        r = self.registered()
        st, b, _ = self.call("GET", "/api/v1/declarations?status=registered&channel=%s&office=02CI&from=%s&to=%s"
                             % (r["channel"], TODAY.isoformat(), TODAY.isoformat()), "active")
        self.assertEqual(st, 200, b)
        self.assertIn(r["id"], [i["id"] for i in b["items"]])
        self.assertTrue(all(i["status"] == "registered" and i["channel"] == r["channel"] for i in b["items"]))
        st, b, _ = self.call("GET", "/api/v1/declarations?office=01AB", "active")
        self.assertNotIn(r["id"], [i["id"] for i in b["items"]])
        yesterday = (TODAY - datetime.timedelta(days=1)).isoformat()
        st, b, _ = self.call("GET", "/api/v1/declarations?to=%s" % yesterday, "active")
        self.assertNotIn(r["id"], [i["id"] for i in b["items"]])

    def test_bad_parameters_all_at_once(self):
        st, b, _ = self.call("GET", "/api/v1/declarations?status=lost&channel=purple&from=2026-13-01"
                                    "&to=tomorrow&cursor=xyz&limit=0", "officer")
        self.assert_errors(st, b, [("enum", "/status"), ("enum", "/channel"), ("date", "/from"),
                                   ("date", "/to"), ("cursor", "/cursor"), ("limit", "/limit")])
        st, b, _ = self.call("GET", "/api/v1/declarations?q=%2B", "officer")
        self.assert_errors(st, b, [("q", "/q")])

    def test_search_without_diacritics(self):
        d = declaration(items=[item(desc="Điện thoại di động Lumia", price="300")])
        d["invoice"]["number"] = "INV-%s" % os.urandom(3).hex().upper()
        d["transport"]["containers"] = ["TGHU8765436"]
        d["transport"]["bills_of_lading"] = ["HLCU%s" % os.urandom(4).hex().upper()]
        r = self.registered(decl=d)
        for q in ("dien thoai", "ĐIỆN THOẠI", "điện thoai lumia", "Lumia", r["number"], r["number"][:11],
                  d["invoice"]["number"], d["invoice"]["number"].lower(), d["transport"]["bills_of_lading"][0],
                  "tghu8765436", ACTIVE):
            st, b, _ = self.call("GET", "/api/v1/declarations?" + urllib.parse.urlencode({"q": q}), "officer")
            self.assertEqual(st, 200, b)
            self.assertIn(r["id"], [i["id"] for i in b["items"]], q)
        st, b, _ = self.call("GET", "/api/v1/declarations?q=dien+thoai+khongco", "officer")
        self.assertNotIn(r["id"], [i["id"] for i in b["items"]])
        # another enterprise searching the same words finds nothing of ours
        st, b, _ = self.call("GET", "/api/v1/declarations?q=lumia", "other")
        self.assertNotIn(r["id"], [i["id"] for i in b["items"]])

    def found(self, q, token="officer"):
        st, b, _ = self.call("GET", "/api/v1/declarations?" + urllib.parse.urlencode({"q": q}), token)
        self.assertEqual(st, 200, b)
        return [i["id"] for i in b["items"]]

    def test_search_follows_modification_and_amendment(self):
        # the old words leave the index and the new ones enter it, in the same transaction
        # (the index has no key by declaration: the replaced document's terms are computed)
        old, mid, new = ("w" + os.urandom(4).hex() for _ in range(3))
        d = self.create(decl=declaration(items=[item(desc="Khoan %s" % old, qty="500")]))
        self.assertIn(d["id"], self.found(old))
        st, m, _ = self.call("PUT", "/api/v1/declarations/%s" % d["id"], "active",
                             declaration(items=[item(desc="Khoan %s" % mid, qty="500")]))
        self.assertEqual(st, 200, m)
        self.assertNotIn(d["id"], self.found(old))
        self.assertIn(d["id"], self.found(mid))
        r = self.register(d["id"])
        self.assertIn(d["id"], self.found(r["number"]))
        # more goods (more tax): the amendment applies at once
        st, a, _ = self.call("POST", "/api/v1/declarations/%s/amendments" % r["number"], "active",
                             declaration(items=[item(desc="Cưa %s" % new, qty="600")]))
        self.assertEqual(st, 200, a)
        self.assertNotIn(d["id"], self.found(mid))
        self.assertNotIn(d["id"], self.found("khoan"))
        for q in (new, "cua " + new, a["number"], r["number"][:11]):
            self.assertIn(d["id"], self.found(q), q)
        self.assertNotEqual(a["number"], r["number"])
        self.assertNotIn(d["id"], self.found(r["number"]))

    def chapters(self, decl_id):
        # one row per declaration since schema migration 20: its id as 16 bytes, its chapters as
        # "chapter:items,..." by chapter (none without items)
        key = "encode(decl_id, 'hex')" if self.env.engine == "postgresql" else "lower(hex(decl_id))"
        with self.env.connect_db() as c:  # either engine
            rows = c.execute("SELECT chapters FROM decl_chapter_lists WHERE %s = ?" % key,
                             (decl_id,)).fetchall()
        if not rows:
            return []
        return [tuple(int(v) for v in p.split(":")) for p in str(rows[0][0]).split(",")]

    def test_dashboard_chapters_follow_modification_and_amendment(self):
        # the dashboard's HS chapters are written only when they change (most updates keep the
        # items): each of these changes them, and registration does not
        d = self.create(decl=declaration(items=[item(hs="85171300"), item(hs="85171300"),
                                                item(hs="94054910")]))
        self.assertEqual(self.chapters(d["id"]), [(85, 2), (94, 1)])
        st, m, _ = self.call("PUT", "/api/v1/declarations/%s" % d["id"], "active",
                             declaration(items=[item(hs="85171300", qty="500")]))
        self.assertEqual(st, 200, m)
        self.assertEqual(self.chapters(d["id"]), [(85, 1)])
        r = self.register(d["id"])
        self.assertEqual(self.chapters(d["id"]), [(85, 1)])
        st, a, _ = self.call("POST", "/api/v1/declarations/%s/amendments" % r["number"], "active",
                             declaration(items=[item(hs="85171300", qty="600"),
                                                item(hs="94054910", qty="10")]))
        self.assertEqual(st, 200, a)
        self.assertEqual(self.chapters(d["id"]), [(85, 1), (94, 1)])

    def test_notifications_of_own_declarations(self):
        st, b, _ = self.call("GET", "/api/v1/notifications", "other")
        self.assertEqual(st, 200, b)
        since = b["next"]
        while b["items"]:
            st, b, _ = self.call("GET", "/api/v1/notifications?since=" + since, "other")
            since = b["next"]
        r = self.registered("other", declaration(importer=OTHER))
        mine = self.registered("active")
        st, b, _ = self.call("GET", "/api/v1/notifications?since=" + since, "other")
        got = [(i["declaration_id"], i["to_status"]) for i in b["items"]]
        self.assertIn((r["id"], "provisional"), got)
        self.assertIn((r["id"], "registered"), got)
        self.assertNotIn(mine["id"], [g[0] for g in got])
        st, b2, _ = self.call("GET", "/api/v1/notifications?since=" + b["next"], "other")
        self.assertEqual(b2["items"], [])
        st, b, _ = self.call("GET", "/api/v1/notifications?since=yesterday", "other")
        self.assertEqual(st, 422)


class T16OfficeWorklists(ApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        add_user(cls.env, "officer.wl", CUSTOMS, "officer", name="Phạm Văn Đức", office="02CI")
        cls.tok = run_cli("token", "create", "--db", cls.env.db, "--user", "officer.wl").stdout.strip()

    def test_document_check_queue_oldest_first_with_time_left_and_claim(self):
        a = registered_in(self, "red")
        time.sleep(1.1)  # registration times are in seconds: b is registered a second later
        b = registered_in(self, "red")
        st, wl, _ = self.call("GET", "/api/v1/worklists/document-check", self.tok)
        self.assertEqual((st, wl["office"]), (200, "02CI"), wl)
        nums = [i["number"] for i in wl["items"]]
        self.assertLess(nums.index(a["number"]), nums.index(b["number"]))
        it = wl["items"][nums.index(a["number"])]
        self.assertEqual(it["limit_working_hours"], 2)
        self.assertIn("due_at", it)
        self.assertIsNone(it["claimed_by"])
        regs = [i["registered_at"] for i in wl["items"]]
        self.assertEqual(regs, sorted(regs))
        # claim it: the worklist shows who holds it, the audit trail says who took it
        st, c, _ = self.call("POST", "/api/v1/declarations/%s/claim" % a["number"], self.tok)
        self.assertEqual(st, 200, c)
        st, wl, _ = self.call("GET", "/api/v1/worklists/document-check?channel=red", self.tok)
        it = [i for i in wl["items"] if i["number"] == a["number"]][0]
        self.assertEqual(it["claimed_by"], {"username": "officer.wl", "name": "Phạm Văn Đức"})
        ev = [e for e in self.events(a["number"], "officer") if e["action"] == "claim"][0]
        self.assertEqual(ev["detail"]["user_name"], "Phạm Văn Đức")
        # a machine token has no person to hold it; a declarant may not claim
        st, _, _ = self.call("POST", "/api/v1/declarations/%s/claim" % a["number"], "officer")
        self.assertEqual(st, 403)
        st, _, _ = self.call("POST", "/api/v1/declarations/%s/claim" % a["number"], "active")
        self.assertEqual(st, 403)
        # into inspection: the other queue, 8 working hours
        self.decide(a["number"], "start_document_check", token=self.tok)
        self.decide(a["number"], "document_check", token=self.tok, passed=True)
        st, wl, _ = self.call("GET", "/api/v1/worklists/inspection", self.tok)
        it = [i for i in wl["items"] if i["number"] == a["number"]][0]
        self.assertEqual(it["limit_working_hours"], 8)

    def test_worklists_are_for_customs(self):
        st, _, _ = self.call("GET", "/api/v1/worklists/document-check", "active")
        self.assertEqual(st, 403)
        st, _, _ = self.call("GET", "/api/v1/worklists/elsewhere", "officer")
        self.assertEqual(st, 404)
        st, b, _ = self.call("GET", "/api/v1/worklists/inspection?status=cleared&from=bad", "officer")
        self.assert_errors(st, b, [("status", "/status"), ("date", "/from")])


class T16OfficeTlsCookie(OwnEnvCase):
    """Served over HTTPS (`serve --tls-cert`), the session cookie is Secure: the
    browser never sends it over plain HTTP. Self-signed certificate made by openssl here."""
    env_name = "officetls"
    tls = True

    def test_the_session_cookie_is_secure_over_tls(self):
        add_user(self.env, "tls.user", ACTIVE, "declarant")
        b = Browser(self.env)
        st, body, h = b.sign_in("tls.user")
        self.assertEqual(st, 200, body)
        c = h["Set-Cookie"]
        for attr in ("Secure", "HttpOnly", "SameSite=Strict"):
            self.assertIn(attr, c)
        st, me, _ = b.call("GET", "/api/v1/session")
        self.assertEqual((st, me["username"]), (200, "tls.user"))
        # signing out clears the cookie with the same attributes
        st, _, h = b.call("DELETE", "/api/v1/session")
        self.assertEqual(st, 200)
        self.assertIn("Max-Age=0", h["Set-Cookie"])
        self.assertIn("Secure", h["Set-Cookie"])
