"""API tests: after a physical inspection the officer records the facts found per item (HS code,
origin, quantity, unit price, value) and the taxes are computed again from the corrected
declaration; what is owed on top goes to the ledger. Bad corrections are refused, all at once,
and change nothing."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness
from test_office import registered_in


class T16Reassessment(ApiCase):
    def in_inspection(self):
        # two items: smartphones (line 1) and chargers (line 2)
        r = registered_in(self, "red", decl=declaration())
        self.decide(r["number"], "start_document_check")
        self.decide(r["number"], "document_check", passed=True)
        self.assertEqual(self.get(r["number"], "officer")["status"], "inspection")
        return r["number"]

    def test_undervalued_item_reassessed(self):
        n = self.in_inspection()
        before = self.get(n, "officer")
        owed_before = self.ledger(n)["assessed"]
        # the chargers cost 8 USD each, not 5: the value and the unit price found
        b = self.decide(n, "inspection", violation=True, findings="Chargers undervalued",
                        reassessment=[{"line": 2, "unit_price": "8", "value": "40000"}])
        self.assertEqual(b["status"], "checked", b)
        ev = [e for e in self.events(n, "officer") if e["action"] == "inspection_completed"][0]
        d = ev["detail"]
        self.assertEqual(d["reassessment"][0]["line"], 2)
        self.assertEqual(d["reassessment"][0]["changed"]["value"], {"from": "25000", "to": "40000"})
        self.assertEqual(d["reassessment"][0]["changed"]["unit_price"], {"from": "5", "to": "8"})
        # the registered taxes are the "before"; more value, more duty and VAT
        self.assertEqual(d["tax_before"], before["taxes"]["total"]["amount"])
        item2_before = before["items"][1]["taxes"]["total"]["amount"]
        self.assertEqual(d["reassessment"][0]["taxes_before"], item2_before)
        self.assertGreater(int(d["reassessment"][0]["taxes_after"]), int(item2_before))
        more = int(d["tax_after"]) - int(d["tax_before"])
        self.assertGreater(more, 0)
        self.assertEqual((d["tax_difference"], d["additional_tax"]), (str(more), str(more)))
        # freight and insurance are shared out by value: line 2 now carries more of them and line
        # 1 (not corrected) less, so the whole difference is a little under line 2's own
        self.assertLess(more, int(d["reassessment"][0]["taxes_after"]) - int(item2_before))
        self.assertEqual(int(self.ledger(n)["assessed"]), int(owed_before) + more)

    def test_bad_corrections_change_nothing(self):
        n = self.in_inspection()
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/decisions" % n, "officer", {
            "decision": "inspection", "violation": True, "findings": "x",
            "reassessment": [{"line": 0, "colour": "red"}, {"line": 1}, "line 2"]})
        self.assertEqual(st, 422, b)
        self.assertEqual(sorted(error_codes(b)), sorted([
            ("required", "/reassessment/0"), ("unknown_field", "/reassessment/0/colour"),
            ("required", "/reassessment/0"), ("required", "/reassessment/1"),
            ("type", "/reassessment/2")]))
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/decisions" % n, "officer", {
            "decision": "inspection", "violation": True, "findings": "x", "additional_tax": "5",
            "reassessment": [{"line": 1, "value": "1"}]})
        self.assertEqual((st, error_codes(b)), (422, [("one_of", "/reassessment")]), b)
        # a line the declaration does not have; an HS code the tariff does not have
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/decisions" % n, "officer", {
            "decision": "inspection", "violation": True, "findings": "x",
            "reassessment": [{"line": 7, "value": "1"}]})
        self.assertEqual((st, error_codes(b)), (422, [("line", "/reassessment")]), b)
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/decisions" % n, "officer", {
            "decision": "inspection", "violation": True, "findings": "x",
            "reassessment": [{"line": 1, "hs_code": "99999999"}]})
        self.assertEqual(st, 422, b)
        self.assertIn("/items/0/hs_code", [p for _, p in error_codes(b)], b)
        # still waiting for its inspection result, nothing assessed on top
        g = self.get(n, "officer")
        self.assertEqual(g["status"], "inspection")
        self.assertFalse([e for e in self.events(n, "officer")
                          if e["action"] == "inspection_completed"])

    def test_an_amount_still_works(self):
        n = self.in_inspection()
        owed = int(self.ledger(n)["assessed"])
        self.decide(n, "inspection", violation=True, findings="Penalty-free reassessment",
                    additional_tax="1000000")
        self.assertEqual(int(self.ledger(n)["assessed"]), owed + 1000000)

    def test_overvalued_item_lowers_the_assessment_and_overpaid_tax_is_a_refund_claim(self):
        # paid in full at registration, then the inspection finds the chargers cost 3 USD each,
        # not 5: the taxes are lowered in the ledger and the overpaid tax is a refund claim an
        # officer decides (Law 38/2019 Art. 60), never spendable credit meanwhile
        n = self.in_inspection()
        owed = int(self.ledger(n)["assessed"])
        self.pay([(n, owed)])
        b = self.decide(n, "inspection", violation=True, findings="Chargers overvalued",
                        reassessment=[{"line": 2, "unit_price": "3", "value": "15000"}])
        self.assertEqual(b["status"], "checked", b)
        d = [e for e in self.events(n, "officer")
             if e["action"] == "inspection_completed"][0]["detail"]
        less = int(d["tax_before"]) - int(d["tax_after"])
        self.assertGreater(less, 0)
        self.assertEqual((d["tax_difference"], d["additional_tax"]), (str(-less), "0"))
        led = self.ledger(n)
        self.assertEqual([e["kind"] for e in led["entries"]], ["assessed", "paid", "assessed"])
        self.assertEqual(int(led["entries"][2]["amount"]), -less)
        self.assertEqual((int(led["assessed"]), int(led["surplus"])), (owed - less, less))
        st, cr, _ = self.call("GET", "/api/v1/enterprises/%s/credits" % ACTIVE, "officer")
        self.assertEqual(st, 200, cr)
        claims = [x for x in cr["refunds"] if x["declaration"] == n]
        self.assertEqual([(x["status"], x["amount"]) for x in claims], [("requested", str(less))])

    def test_overvalued_item_unpaid_lowers_what_is_owed(self):
        n = self.in_inspection()
        owed = int(self.ledger(n)["assessed"])
        self.decide(n, "inspection", violation=True, findings="Chargers overvalued",
                    reassessment=[{"line": 2, "unit_price": "3", "value": "15000"}])
        led = self.ledger(n)
        self.assertLess(int(led["assessed"]), owed)
        self.assertEqual((led["surplus"], led["outstanding"]), ("0", led["assessed"]))
        st, cr, _ = self.call("GET", "/api/v1/enterprises/%s/credits" % ACTIVE, "officer")
        self.assertFalse([x for x in cr["refunds"] if x["declaration"] == n])
