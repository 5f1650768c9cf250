""" post-clearance audit — selection of cleared declarations by risk,
cases opened within the 5-year limit, findings, the additional assessment with late-payment
interest posted to the ledger, cases by status, every step in the hash chain; API and CLI."""
from harness import *  # noqa: F401,F403
import harness


class T14LawAudit(OwnEnvCase):
    """Its own database: the selection ranks every cleared declaration."""
    env_name = "law-audit"

    def cleared(self, decl=None, amend=None):
        r = self.registered(decl=decl)
        if amend is not None:  # amended while registered (before any check): the 12th digit moves
            st, b, _ = self.call("POST", "/api/v1/declarations/%s/amendments" % r["number"], "active", amend)
            self.assertEqual(st, 200, b)
            self.assertNotEqual(b["number"], r["number"], b)  # applied, not waiting for review
            r["number"] = b["number"]
        g = self.get(r["number"], "officer")
        if g["status"] == "registered" and g["channel"] != "green":
            self.decide(r["number"], "start_document_check")
            self.decide(r["number"], "document_check", passed=True)
            if g["channel"] == "red":
                self.decide(r["number"], "inspection", violation=False)
        if self.get(r["number"], "officer")["status"] != "cleared":
            self.decide(r["number"], "clear")
        self.assertEqual(self.get(r["number"], "officer")["status"], "cleared")
        return r["number"]

    def age(self, number, days):
        s = days * 86400
        con = self.env.connect_db()  # either engine
        with con:
            (did,) = con.execute("SELECT id FROM declarations WHERE number = ?", (number,)).fetchone()
            con.execute("UPDATE declarations SET created_at = created_at - ?, updated_at = updated_at - ?,"
                        " registered_at = registered_at - ?, cleared_at = cleared_at - ? WHERE id = ?",
                        (s, s, s, s, did))
            con.execute("UPDATE ledger_entries SET at = at - ? WHERE decl_id = ?", (s, did))
        con.close()
        self.env.moved_back(did)

    def candidates(self, token="officer", expect=200, query=""):
        st, b, _ = self.call("GET", "/api/v1/post-clearance/candidates" + query, token)
        self.assertEqual(st, expect, b)
        return b

    def open_case(self, number, expect=201, token="officer", reason="selected by risk"):
        st, b, _ = self.call("POST", "/api/v1/post-clearance/cases", token,
                             {"declaration": number, "reason": reason})
        self.assertEqual(st, expect, b)
        return b

    def test_selection_by_risk(self):
        plain = self.cleared()
        self.rule(name="audit red lamps", hs_prefix="9405", action="red")
        ruled = self.cleared(decl=declaration(items=[item("94054910", "10", "30", desc="Lamps")]))
        # more chargers: an amendment that raises the taxes applies at once (one that lowers
        # them waits for an officer's review)
        amended = self.cleared(amend=declaration(items=[
            dict(item(), certificate_of_origin={"form": "E", "number": "E2026CN0001234"}),
            item("85044019", "6000", "5", desc="Phone chargers 25 W")]))
        # phones at 20 USD a piece where the others declare 200: a value anomaly
        cheap = self.cleared(decl=declaration(items=[item(qty="500", price="20")]))
        for _ in range(2):
            self.cleared()
        b = self.candidates()
        by = {c["declaration"]: c for c in b["candidates"]}
        self.assertIn("rule", [r["code"] for r in by[ruled]["reasons"]], by.get(ruled))
        self.assertIn("amended", [r["code"] for r in by[amended]["reasons"]], by.get(amended))
        self.assertIn("value_anomaly", [r["code"] for r in by[cheap]["reasons"]], by.get(cheap))
        self.assertNotIn(plain, by)  # nothing points at it
        scores = [c["score"] for c in b["candidates"]]
        self.assertEqual(scores, sorted(scores, reverse=True))
        # a declaration with an open case is not offered again
        self.open_case(cheap)
        self.assertNotIn(cheap, {c["declaration"] for c in self.candidates()["candidates"]})
        # only customs selects
        self.candidates(token="active", expect=403)

    def test_case_findings_assessment_interest_and_chain(self):
        n = self.cleared()
        self.age(n, 100)  # released 100 days ago
        case = self.open_case(n, reason="under-valuation suspected")
        self.assertEqual((case["status"], case["declaration"]), ("open", n))
        self.open_case(n, expect=409)  # one open case per declaration
        cid = case["id"]
        before = self.ledger(n)
        # findings: a violation and the tax it evaded
        st, b, _ = self.call("POST", "/api/v1/post-clearance/cases/%s/findings" % cid, "officer",
                             {"violation": True, "findings": "invoice price below the seller's list price",
                              "additional_tax": "1000000"})
        self.assertEqual((st, b.get("status")), (200, "findings"), b)
        # the assessment: 1,000,000 VND and 0.03 %/day for the 100 days since the release
        st, b, _ = self.call("POST", "/api/v1/post-clearance/cases/%s/assessment" % cid, "officer", {})
        self.assertEqual((st, b.get("status")), (200, "assessed"), b)
        self.assertEqual((b["additional_tax"], b["interest"], b["interest_days"]), ("1000000", "30000", 100), b)
        led = self.ledger(n)
        self.assertEqual(int(led["outstanding"]) - int(before["outstanding"]), 1030000, led)
        self.assertEqual([e["kind"] for e in led["entries"]][-2:], ["assessed", "interest"], led)
        # twice: refused, nothing posted again
        st, b, _ = self.call("POST", "/api/v1/post-clearance/cases/%s/assessment" % cid, "officer", {})
        self.assertEqual(st, 409, b)
        self.assertEqual(self.ledger(n)["outstanding"], led["outstanding"])
        # every step in the case's hash chain and on the declaration's
        st, b, _ = self.call("GET", "/api/v1/admin/audit?chain=audit:" + cid, "officer")
        self.assertEqual(st, 200, b)
        self.assertEqual([e["action"] for e in b["events"]], ["audit.open", "audit.findings", "audit.assessed"])
        acts = [e["action"] for e in self.events(n, "officer")]
        self.assertIn("post_clearance.open", acts)
        self.assertIn("post_clearance.assessed", acts)
        st, g, _ = self.call("GET", "/api/v1/post-clearance/cases/" + cid, "officer")
        self.assertEqual((st, g["status"]), (200, "assessed"), g)
        p = run_cli("audit", "verify", "--db", self.env.db)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_no_violation_closes(self):
        n = self.cleared()
        cid = self.open_case(n)["id"]
        st, b, _ = self.call("POST", "/api/v1/post-clearance/cases/%s/findings" % cid, "officer",
                             {"violation": False, "findings": "documents match the goods"})
        self.assertEqual((st, b.get("status")), (200, "closed"), b)
        st, b, _ = self.call("POST", "/api/v1/post-clearance/cases/%s/assessment" % cid, "officer", {})
        self.assertEqual(st, 409, b)

    def test_bad_input_all_at_once(self):
        n = self.cleared()
        cid = self.open_case(n)["id"]
        st, b, _ = self.call("POST", "/api/v1/post-clearance/cases/%s/findings" % cid, "officer",
                             {"violation": "yes", "additional_tax": "-5", "colour": 1})
        self.assert_errors(st, b, [("type", "/violation"), ("decimal", "/additional_tax"),
                                   ("unknown_field", "/colour"), ("required", "/findings")])
        st, b, _ = self.call("POST", "/api/v1/post-clearance/cases", "officer", {"declaration": "12"})
        self.assert_errors(st, b, [("declaration", "/declaration"), ("required", "/reason")])
        st, b, _ = self.call("GET", "/api/v1/post-clearance/cases/nope", "officer")
        self.assertEqual(st, 404, b)
        st, b, _ = self.call("GET", "/api/v1/post-clearance/cases?status=bogus", "officer")
        self.assert_errors(st, b, [("enum", "status")])

    def test_five_year_limit_and_not_cleared(self):
        old = self.cleared()
        self.age(old, 5 * 365 + 3)  # registered more than 5 years ago (whatever the leap days)
        b = self.open_case(old, expect=409)
        self.assertEqual(error_codes(b)[0][0], "audit_time_barred", b)
        reg = self.registered()
        b = self.open_case(reg["number"], expect=409)
        self.assertEqual(error_codes(b)[0][0], "not_cleared", b)
        self.open_case("109999999990", expect=404)
        self.open_case(self.cleared(), token="active", expect=403)

    def test_list_by_status_and_cli(self):
        n = self.cleared()
        cid = self.open_case(n)["id"]
        st, b, _ = self.call("GET", "/api/v1/post-clearance/cases?status=open", "officer")
        self.assertEqual(st, 200, b)
        self.assertIn(cid, [c["id"] for c in b["cases"]])
        self.assertTrue(all(c["status"] == "open" for c in b["cases"]))
        st, b, _ = self.call("GET", "/api/v1/post-clearance/cases?status=closed", "officer")
        self.assertNotIn(cid, [c["id"] for c in b["cases"]])
        # the CLI: candidates, open, list
        m = self.cleared(decl=declaration(items=[item(qty="500", price="21")]))
        p = run_cli("audit", "candidates", "--db", self.env.db)
        self.assertIn(m, p.stdout)
        p = run_cli("audit", "open", "--db", self.env.db, "--declaration", m, "--reason", "CLI selection")
        self.assertRegex(p.stdout, r"case [0-9a-f]+ open")
        p = run_cli("audit", "cases", "--db", self.env.db, "--status", "open")
        self.assertIn(m, p.stdout)
        p = run_cli("audit", "open", "--db", self.env.db, "--declaration", m, "--reason", "again", check=False)
        self.assertNotEqual(p.returncode, 0)
