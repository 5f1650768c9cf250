"""API tests: amendments after release are reviewed, not trusted (section 3;
Circular 38/2015 Art. 20 as amended by Circular 39/2018)."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness


class T14AmendReview(ApiCase):

    def enterprise(self):
        code = "08" + "".join(str(b % 10) for b in os.urandom(8))
        self.env.add_party(code, "Test " + code, "declarant")
        return code

    def phones(self, ent, qty):
        return declaration(importer=ent, items=[item(qty=qty)])

    def cleared(self, ent, qty="500"):
        r = self.registered(ent, self.phones(ent, qty))
        self.assertEqual(r["channel"], "green", r)
        self.settle(r["number"])
        self.assertEqual(self.get(r["number"], ent)["status"], "cleared")
        return r["number"]

    def amend(self, number, decl, token, expect=200):
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/amendments" % number, token, decl)
        self.assertEqual(st, expect, b)
        return b

    def review(self, number, amendment, accept, expect=200, token="officer", **extra):
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/amendments/%d/decision"
                             % (number, amendment), token, dict(accept=accept, **extra))
        self.assertEqual(st, expect, b)
        return b

    def versions(self, number, token="officer"):
        st, b, _ = self.call("GET", "/api/v1/declarations/%s/versions" % number, token)
        self.assertEqual(st, 200, b)
        return b

    def credits(self, ent):
        st, b, _ = self.call("GET", "/api/v1/enterprises/%s/credits" % ent, ent)
        self.assertEqual(st, 200, b)
        return b

    def test_decrease_after_clearance_waits_then_becomes_a_refund_claim(self):
        # reproduced on main: 500 phones -> 50 after clearance lowered the taxes at once and the
        # difference was spendable credit, no officer involved and no risk scoring
        ent = self.enterprise()
        n = self.cleared(ent)
        before = self.ledger(n)
        a = self.amend(n, self.phones(ent, "50"), ent)
        self.assertEqual((a["status"], a["amendment"]), ("amendment_review", 1), a)
        self.assertIn(a["channel"], ("green", "yellow", "red"))
        self.assertIsInstance(a["reasons"], list)
        # nothing moved: the ledger, the declaration, the enterprise's credit
        after = self.ledger(n)
        self.assertEqual((after["assessed"], after["credited"], len(after["entries"])),
                         (before["assessed"], "0", len(before["entries"])))
        g = self.get(n, ent)
        self.assertEqual((g["amendment"], g["items"][0]["quantity"], g["status"]), (0, "500", "cleared"))
        self.assertEqual(g["pending_amendment"]["amendment"], 1)
        self.assertEqual(self.credits(ent)["available"], "0")
        # a second amendment while one is under review: refused
        b = self.amend(n, self.phones(ent, "60"), ent, expect=409)
        self.assertEqual(error_codes(b)[0][0], "amendment_pending")
        # the officer's queue lists it, with the risk engine's answer
        st, q, _ = self.call("GET", "/api/v1/amendments?status=amendment_review", "officer")
        self.assertEqual(st, 200, q)
        mine = [x for x in q["amendments"] if x["declaration"] == n]
        self.assertEqual(len(mine), 1, q)
        self.assertIn("channel", mine[0]["risk"])
        self.assertEqual(self.call("GET", "/api/v1/amendments", ent)[0], 403)
        # side by side: version 0 in force, version 1 under review, what changed
        v = self.versions(n)
        self.assertEqual([(x["amendment"], x["status"]) for x in v["versions"]],
                         [(0, "in_force"), (1, "amendment_review")])
        self.assertIn({"path": "/items/0/quantity", "from": "500", "to": "50"}, v["versions"][1]["changes"])
        self.assertLess(int(v["versions"][1]["total_tax"]), int(v["versions"][0]["total_tax"]))
        self.assertEqual(self.versions(n, ent)["versions"][1]["status"], "amendment_review")
        self.assertEqual(self.call("GET", "/api/v1/declarations/%s/versions" % n, "other")[0], 404)
        # only an officer accepts
        self.review(n, 1, True, token=ent, expect=403)
        self.review(n, 2, True, expect=404)
        self.review(n, 1, "yes", expect=422)
        acc = self.review(n, 1, True, note="invoice corrected, checked")
        self.assertEqual((acc["amendment"], acc["number"][-1], acc["items"][0]["quantity"]),
                         (1, "1", "50"))
        led = self.ledger(n)
        self.assertLess(int(led["assessed"]), int(before["assessed"]))
        diff = int(before["assessed"]) - int(led["assessed"])
        # the decrease is a refund claim, not spendable credit
        cr = self.credits(ent)
        self.assertEqual((cr["available"], cr["refunds_pending"]), ("0", str(diff)), cr)
        claim = [x for x in cr["refunds"] if x["status"] == "requested"][0]
        self.assertEqual(claim["declaration"], n[:11] + "1")  # the number once amended
        self.review(n, 1, True, expect=409)  # decided already
        st, d, _ = self.call("POST", "/api/v1/enterprises/%s/refunds/%s/decision" % (ent, claim["id"]),
                             "officer", {"approve": True})
        self.assertEqual((st, d["status"]), (200, "approved"), d)
        led = self.ledger(n)
        self.assertEqual([e["kind"] for e in led["entries"]][-3:], ["assessed", "credit", "refunded"])
        self.assertEqual(self.credits(ent)["available"], "0")
        v = self.versions(n)
        self.assertEqual([x["status"] for x in v["versions"]], ["superseded", "in_force"])
        self.assertEqual(v["versions"][1]["decided_by"], CUSTOMS)

    def test_rejected_amendment_changes_nothing(self):
        ent = self.enterprise()
        n = self.cleared(ent)
        before = self.ledger(n)
        self.amend(n, self.phones(ent, "50"), ent)
        self.review(n, 1, False, expect=422)  # a rejection needs its reason
        r = self.review(n, 1, False, note="the invoice shows 500")
        self.assertEqual((r["amendment"], r["items"][0]["quantity"]), (0, "500"))
        self.assertEqual(self.ledger(n)["assessed"], before["assessed"])
        self.assertEqual([x["status"] for x in self.versions(n)["versions"]], ["in_force", "rejected"])
        # a new amendment may follow
        self.assertEqual(self.amend(n, self.phones(ent, "400"), ent)["status"], "amendment_review")

    def test_increase_after_clearance_owed_at_once_when_accepted(self):
        ent = self.enterprise()
        n = self.cleared(ent)
        before = int(self.ledger(n)["assessed"])
        a = self.amend(n, self.phones(ent, "600"), ent)
        self.assertEqual(a["status"], "amendment_review")
        self.assertEqual(int(self.ledger(n)["assessed"]), before)
        self.review(n, 1, True)
        led = self.ledger(n)
        self.assertGreater(int(led["assessed"]), before)
        self.assertEqual(int(led["outstanding"]), int(led["assessed"]) - before)
        self.assertEqual(led["entries"][-1]["kind"], "assessed")
        self.assertIn("amendment 1 accepted", led["entries"][-1]["note"])
        # released goods: the increase is owed now, the declaration stays cleared
        self.assertEqual(self.get(n, ent)["status"], "cleared")

    def test_decrease_before_clearance_reviewed_increase_applied(self):
        ent = self.enterprise()
        r = self.registered(ent, self.phones(ent, "500"))
        n = r["number"]
        up = self.amend(n, self.phones(ent, "501"), ent)
        self.assertEqual((up["status"], up["amendment"]), ("registered", 1))  # applied at once
        down = self.amend(n, self.phones(ent, "50"), ent)
        self.assertEqual((down["status"], down["amendment"]), ("amendment_review", 2))
        v = self.versions(n)
        self.assertEqual([x["status"] for x in v["versions"]],
                         ["superseded", "in_force", "amendment_review"])
        self.assertTrue(all("channel" in x["risk"] for x in v["versions"][1:]), v)

    def test_amendment_rescored_by_the_rules(self):
        ent = self.enterprise()
        n = self.cleared(ent)
        self.rule(name="red on amended phones", hs_prefix="851713", importer=ent, action="red",
                  priority=1)
        a = self.amend(n, self.phones(ent, "50"), ent)
        self.assertEqual(a["channel"], "red")
        v = self.versions(n)
        self.assertIn("red on amended phones", json.dumps(v["versions"][1]["risk"]))
