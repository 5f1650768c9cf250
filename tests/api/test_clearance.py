"""API tests: e-Clearance: channels, amendments, bad input, the enterprise, access, idempotency,
limits, risk rules, reference data, invalidation, concurrency."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness


# ---- the channels ---------------------------------------------------------------------------

class T01Flow(ApiCase):
    def test_green_flow(self):
        d = self.create()
        self.assertEqual(d["status"], "provisional")
        self.assertIsNone(d["number"])
        self.assert_taxes(d["taxes"])
        for it in d["items"]:
            for k in TAX_KEYS[:-1]:
                self.assertIn("rate", it["taxes"][k])
                self.assertIn("schedule", it["taxes"][k])
                self.assertIn("amount", it["taxes"][k])
        r = self.register(d["id"])
        self.assertEqual((r["channel"], r["channel_code"], r["status"]), ("green", 1, "registered"))
        self.assertTrue(number_ok(r["number"]) and r["number"][11] == "0", r)
        self.assertEqual(r["reasons"], [])
        c = self.decide(r["number"], "clear")
        self.assertEqual(c["status"], "cleared")
        self.assertIsNotNone(c["cleared_at"])
        p = self.decide(r["number"], "pass_supervision")
        self.assertEqual(p["status"], "passed_supervision")
        g = self.get(r["number"])
        self.assertEqual(g["status"], "passed_supervision")
        self.assertEqual([x["action"] for x in g["decisions"]], ["clear", "pass_supervision"])
        # green goods cannot be sent to a document check
        self.decide(r["number"], "start_document_check", expect=409)

    def test_yellow_flow(self):
        self.rule(name="yellow furniture", hs_prefix="9403", action="yellow", priority=5)
        r = self.registered(decl=declaration(items=[item("94036090", "10", "300", desc="Wooden tables")]))
        self.assertEqual((r["channel"], r["channel_code"]), ("yellow", 2))
        self.assertEqual([x["code"] for x in r["reasons"]], ["rule"])
        n = r["number"]
        self.decide(n, "clear", expect=409)  # yellow needs the document check first
        self.assertEqual(self.decide(n, "start_document_check")["status"], "document_check")
        self.assertEqual(self.decide(n, "document_check", passed=True)["status"], "checked")
        c = self.decide(n, "clear")
        self.assertEqual((c["status"], c["channel"]), ("cleared", "yellow"))
        # customs sees the rule behind the reason, the declarant only its kind
        cust = self.get(n, "officer")
        self.assertIn("rule_id", cust["reasons"][0])
        self.assertEqual(self.get(n)["reasons"], [{"code": "rule"}])

    def test_red_flow(self):
        self.rule(name="red toys", hs_prefix="9503", action="red", priority=5)
        r = self.registered(decl=declaration(items=[item("95030099", "100", "3", desc="Toys")]))
        self.assertEqual((r["channel"], r["channel_code"]), ("red", 3))
        n = r["number"]
        self.decide(n, "start_document_check")
        self.assertEqual(self.decide(n, "document_check", passed=True)["status"], "inspection")
        self.decide(n, "clear", expect=409)  # not before the inspection
        i = self.decide(n, "inspection", violation=False)
        self.assertEqual(i["status"], "checked")
        self.assertEqual(self.decide(n, "clear")["status"], "cleared")
        self.assertEqual(self.decide(n, "pass_supervision")["status"], "passed_supervision")

    def test_document_check_failed_escalates_to_red(self):
        self.rule(name="yellow lamps", hs_prefix="9405", action="yellow", priority=5)
        r = self.registered(decl=declaration(items=[item("94051199", "40", "25", desc="Lamps")]))
        self.assertEqual(r["channel"], "yellow")
        n = r["number"]
        self.decide(n, "start_document_check")
        f = self.decide(n, "document_check", passed=False, findings="invoice does not match")
        self.assertEqual((f["status"], f["channel"], f["channel_code"]), ("inspection", "red", 3))
        self.decide(n, "inspection", violation=True, expect=422)  # a violation needs findings
        i = self.decide(n, "inspection", violation=True, findings="undeclared goods",
                        additional_tax="1500000")
        self.assertEqual(i["status"], "checked")
        self.assertEqual(self.decide(n, "clear")["status"], "cleared")

    def test_reject(self):
        self.rule(name="yellow glass", hs_prefix="7013", action="yellow", priority=5)
        r = self.registered(decl=declaration(items=[item("70133700", "40", "25", desc="Glasses")]))
        self.decide(r["number"], "start_document_check")
        self.decide(r["number"], "reject", expect=422)  # findings required
        self.assertEqual(self.decide(r["number"], "reject", findings="forged C/O")["status"], "rejected")
        self.decide(r["number"], "clear", expect=409)

    def test_events_recorded_in_order_with_hashes(self):
        self.rule(name="red bicycles", hs_prefix="8712", action="red", priority=5)
        d = self.create(decl=declaration(items=[item("87120030", "20", "150", desc="Bicycles")]))
        st, _, _ = self.call("PUT", "/api/v1/declarations/%s" % d["id"], "active",
                             declaration(items=[item("87120030", "21", "150", desc="Bicycles")]))
        self.assertEqual(st, 200)
        n = self.register(d["id"])["number"]
        for dec, extra in [("start_document_check", {}), ("document_check", {"passed": True}),
                           ("inspection", {"violation": False}), ("clear", {}),
                           ("pass_supervision", {})]:
            self.decide(n, dec, **extra)
        evs = self.events(n)
        self.assertEqual([e["action"] for e in evs],
                         ["ida", "idb", "idc", "start_document_check", "documents_passed",
                          "inspection_completed", "clear", "pass_supervision"])
        self.assertEqual([e["to_status"] for e in evs],
                         ["provisional", "provisional", "registered", "document_check",
                          "inspection", "checked", "cleared", "passed_supervision"])
        self.assertIsNone(evs[0]["from_status"])
        for a, b in zip(evs, evs[1:]):
            self.assertEqual(b["from_status"], a["to_status"])
            self.assertGreater(b["seq"], a["seq"])
            self.assertGreaterEqual(b["at"], a["at"])
        hashes = [e["hash"] for e in evs]
        for h in hashes:
            self.assertRegex(h, r"^[0-9a-f]{64}$")
        self.assertEqual(len(set(hashes)), len(hashes))
        self.assertEqual(evs[2]["detail"]["number"], n)
        self.assertEqual(evs[2]["detail"]["channel"], "red")
        self.assertEqual([e["role"] for e in evs[3:]], ["officer"] * 5)
        # the same events by the declaration id, and customs sees them too (with the rule's
        # name and id, which the declarant's view leaves out:)
        self.assertEqual([(e["seq"], e["hash"]) for e in self.events(d["id"], "officer")],
                         [(e["seq"], e["hash"]) for e in evs])


# ---- amendments, modification, cancellation -------------------------------------------------

class T02Amend(ApiCase):
    def amend(self, key, decl, expect=200, token="active"):
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/amendments" % key, token, decl)
        self.assertEqual(st, expect, b)
        return b

    def test_nine_amendments_then_refused(self):
        # each amendment raises the taxes (more phones), so each applies at once; one that lowers
        # them waits for an officer (test_law_amend.py)
        r = self.registered(decl=declaration(items=[item(qty="500")]))
        n = r["number"]
        base = n[:11]
        numbers = [n]
        for k in range(1, 10):
            dcl = declaration(items=[item(qty=str(500 + k))])
            a = self.amend(numbers[-1] if k % 2 else base, dcl)
            self.assertEqual(a["amendment"], k)
            self.assertEqual(a["number"], base + str(k))
            self.assertEqual(a["status"], "registered")
            self.assertEqual(a["items"][0]["quantity"], str(500 + k))
            numbers.append(a["number"])
        b = self.amend(base, declaration(items=[item(qty="600")]), expect=409)
        self.assertEqual(b["errors"][0]["code"], "illegal_transition")
        # every spelling of the number finds the declaration: 11 digits, current 12 digits, old
        for key in (base, base + "9", n):
            g = self.get(key)
            self.assertEqual((g["number"], g["amendment"]), (base + "9", 9))
            self.assertEqual(g["items"][0]["quantity"], "509")
        evs = self.events(base)
        am = [e for e in evs if e["action"] == "amendment"]
        self.assertEqual([e["detail"]["amendment"] for e in am], list(range(1, 10)))
        self.assertEqual([e["detail"]["number"] for e in am], numbers[1:])

    def test_amendment_refused_after_document_check_started(self):
        self.rule(name="yellow pumps", hs_prefix="8413", action="yellow", priority=5)
        dcl = declaration(items=[item("84137011", "2", "900", desc="Pumps")])
        r = self.registered(decl=dcl)
        self.decide(r["number"], "start_document_check")
        b = self.amend(r["number"], dcl, expect=409)
        self.assertEqual(b["errors"][0]["code"], "illegal_transition")

    def test_amendment_after_clearance_and_not_of_provisional(self):
        d = self.create()
        self.amend(d["id"], declaration(), expect=404)  # no number yet
        r = self.register(d["id"])
        self.decide(r["number"], "clear")
        # after clearance an amendment is a request an officer examines
        a = self.amend(r["number"], declaration(items=[item(qty="499")]))
        self.assertEqual((a["status"], a["amendment"]), ("amendment_review", 1))
        st, a, _ = self.call("POST", "/api/v1/declarations/%s/amendments/1/decision" % r["number"],
                             "officer", {"accept": True})
        self.assertEqual((st, a["status"], a["number"][11]), (200, "cleared", "1"), a)
        # the enterprise cannot be changed by an amendment
        self.amend(a["number"], declaration(importer=OTHER), expect=409)

    def test_amendment_validates_the_new_data(self):
        r = self.registered()
        bad = declaration(items=[item(hs="8517130")])
        b = self.amend(r["number"], bad, expect=422)
        self.assertIn(("hs_format", "/items/0/hs_code"), error_codes(b))
        self.assertEqual(self.get(r["number"])["amendment"], 0)

    def test_modify_provisional(self):
        d = self.create()
        st, m, _ = self.call("PUT", "/api/v1/declarations/%s" % d["id"], "active",
                             declaration(items=[item(qty="7")]))
        self.assertEqual(st, 200, m)
        self.assertEqual((m["id"], m["status"]), (d["id"], "provisional"))
        self.assertEqual(self.get(d["id"])["items"][0]["quantity"], "7")
        st, b, _ = self.call("PUT", "/api/v1/declarations/%s" % d["id"], "active",
                             declaration(items=[item(qty="-1")]))
        self.assertEqual(st, 422, b)
        r = self.register(d["id"])
        self.assertEqual(self.get(r["number"])["items"][0]["quantity"], "7")
        for key in (d["id"], r["number"]):
            st, b, _ = self.call("PUT", "/api/v1/declarations/%s" % key, "active", declaration())
            self.assertEqual(st, 409, b)
            self.assertEqual(b["errors"][0]["code"], "illegal_transition")
        self.register(d["id"], expect=409)  # registering twice

    def test_cancellation(self):
        r = self.registered()
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/cancellation" % r["number"],
                             "active", {"reason_code": "H99", "reason": "x"})
        self.assert_errors(st, b, [("enum", "/reason_code")])
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/cancellation" % r["number"],
                             "active", {"reason": "x", "why": "y"})
        self.assert_errors(st, b, [("required", "/reason_code"), ("unknown_field", "/why")])
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/cancellation" % r["number"],
                             "active", {"reason_code": "H07", "reason": "wrong consignee"})
        self.assertEqual(st, 200, b)
        self.assertEqual(b["status"], "cancelled")
        ev = self.events(r["number"])[-1]
        self.assertEqual((ev["action"], ev["to_status"]), ("cancel", "cancelled"))
        self.assertEqual(ev["detail"]["reason_code"], "H07")
        # nothing after a cancellation
        self.decide(r["number"], "clear", expect=409)
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/cancellation" % r["number"],
                             "active", {"reason_code": "H07"})
        self.assertEqual(st, 409, b)

    def test_cancellation_by_officer_and_not_after_supervision(self):
        r = self.registered()
        self.decide(r["number"], "clear")
        self.decide(r["number"], "pass_supervision")
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/cancellation" % r["number"],
                             "officer", {"reason_code": "H06"})
        self.assertEqual(st, 409, b)
        r = self.registered()
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/cancellation" % r["number"],
                             "officer", {"reason_code": "H04"})
        self.assertEqual((st, b["status"]), (200, "cancelled"))


# ---- bad input ----------------------------------------------------------------------------

class T03Validation(ApiCase):
    def post(self, decl=None, raw=None, ctype="application/json", token="active"):
        return self.call("POST", "/api/v1/declarations", token, decl, raw=raw, ctype=ctype)[:2]

    def test_malformed_json(self):
        st, b = self.post(raw=b'{"kind": "import",')
        self.assertEqual(st, 400, b)
        self.assertEqual(b["errors"][0]["code"], "malformed_json")

    def test_duplicate_keys_are_malformed(self):
        st, b = self.post(raw=b'{"kind": "import", "kind": "export"}')
        self.assertEqual(st, 400, b)

    def test_wrong_content_type(self):
        st, b = self.post(raw=json.dumps(declaration()).encode(), ctype="text/plain")
        self.assertEqual(st, 400, b)
        self.assertEqual(b["errors"][0]["code"], "content_type")
        st, b = self.post(raw=json.dumps(declaration()).encode(), ctype=None)
        self.assertEqual(st, 400, b)

    def test_json_content_type_with_charset(self):
        st, b = self.post(raw=json.dumps(declaration()).encode(),
                          ctype="application/json; charset=utf-8")
        self.assertEqual(st, 201, b)
        self.assertIsNotNone(b["provisional_until"])

    def test_not_an_object(self):
        st, b = self.post(decl=[1, 2])
        self.assert_errors(st, b, [("type", "")])

    def test_all_errors_reported_together(self):
        d = declaration()
        del d["customs_office"]
        del d["items"][0]["description"]
        d["insurence"] = "250"
        st, b = self.post(d)
        got = self.assert_errors(st, b, [("required", "/customs_office"),
                                         ("required", "/items/0/description"),
                                         ("unknown_field", "/insurence")])
        self.assertEqual(len(got), 3, got)
        for e in b["errors"]:
            self.assertTrue(e["message"])

    def test_many_errors_at_once(self):
        d = declaration()
        d["items"][0]["hs_code"] = "8517130"
        d["items"][1]["quantity"] = "-5"
        d["invoice"]["currency"] = "XYZ"
        d["transport"]["containers"] = ["MSCU1234567"]
        d["type_code"] = "Z99"
        st, b = self.post(d)
        self.assert_errors(st, b, [("hs_format", "/items/0/hs_code"),
                                   ("positive", "/items/1/quantity"),
                                   ("currency", "/invoice/currency"),
                                   ("container", "/transport/containers/0"),
                                   ("type_code", "/type_code")])

    def test_hs_code_seven_digits(self):
        d = declaration(items=[item(hs="8517130")])
        self.assert_errors(*self.post(d), [("hs_format", "/items/0/hs_code")])

    def test_hs_code_letters(self):
        d = declaration(items=[item(hs="8517A300")])
        self.assert_errors(*self.post(d), [("hs_format", "/items/0/hs_code")])

    def test_hs_code_not_in_tariff(self):
        d = declaration(items=[item(hs="99999999")])
        self.assert_errors(*self.post(d), [("hs_unknown", "/items/0/hs_code")])
        # 85171399 is not a line of the real tariff (85171300 is); the temporary stub accepts
        # every code of chapters 01-97: accept both until the tariff engine is merged.
        st, b = self.post(declaration(items=[item(hs="85171399")]))
        self.assertIn(st, (201, 422), b)
        if st == 422:
            self.assertIn(("hs_unknown", "/items/0/hs_code"), error_codes(b))

    def test_unknown_type_code(self):
        self.assert_errors(*self.post(declaration(type_code="A99")), [("type_code", "/type_code")])

    def test_export_type_code_on_import(self):
        self.assert_errors(*self.post(declaration(type_code="B11")),
                           [("type_code_kind", "/type_code")])

    def test_bad_kind(self):
        self.assert_errors(*self.post(declaration(kind="transit")), [("enum", "/kind")])

    def test_negative_quantity(self):
        d = declaration(items=[item(qty="-500", price="200")])
        self.assert_errors(*self.post(d), [("positive", "/items/0/quantity")])

    def test_zero_quantity(self):
        d = declaration(items=[item(qty="0")])
        d["items"][0]["value"] = "0"
        d["invoice"]["total"] = "1"
        self.assert_errors(*self.post(d), [("positive", "/items/0/quantity")])

    def test_float_money_refused(self):
        d = declaration()
        d["invoice"]["freight"] = 1800.5
        self.assert_errors(*self.post(d), [("type", "/invoice/freight")])

    def test_value_mismatch(self):
        d = declaration(items=[item()])
        d["items"][0]["value"] = "100002"
        d["invoice"]["total"] = "100002"
        self.assert_errors(*self.post(d), [("value_mismatch", "/items/0/value")])

    def test_bad_container_check_digit(self):
        d = declaration()
        d["transport"]["containers"] = ["MSCU1234567"]
        self.assert_errors(*self.post(d), [("container", "/transport/containers/0")])

    def test_sea_container_cargo_needs_containers(self):
        d = declaration()
        d["transport"]["containers"] = []
        self.assert_errors(*self.post(d), [("required", "/transport/containers")])

    def test_bad_currency(self):
        d = declaration()
        d["invoice"]["currency"] = "USX"
        self.assert_errors(*self.post(d), [("currency", "/invoice/currency")])

    def test_bad_country_and_port(self):
        d = declaration()
        d["items"][0]["origin"] = "XX"
        d["transport"]["port_of_discharge"] = "CNSHA"
        self.assert_errors(*self.post(d), [("country", "/items/0/origin"),
                                           ("locode", "/transport/port_of_discharge")])

    def test_invoice_total_not_sum_of_items(self):
        d = declaration()
        d["invoice"]["total"] = "125100"
        self.assert_errors(*self.post(d), [("total_mismatch", "/invoice/total")])

    def test_invoice_total_within_one_unit(self):
        d = declaration()
        d["invoice"]["total"] = "125000.5"
        st, b = self.post(d)
        self.assertEqual(st, 201, b)

    def test_bad_tax_code(self):
        d = declaration(importer="12345")
        self.assert_errors(*self.post(d), [("tax_code", "/importer/tax_code")])

    def test_declarant_must_be_token_enterprise(self):
        d = declaration()
        d["declarant"] = BROKER
        self.assert_errors(*self.post(d), [("declarant_mismatch", "/declarant")])

    def test_no_items(self):
        d = declaration(items=[])
        d["invoice"]["total"] = "1"
        self.assert_errors(*self.post(d), [("required", "/items")])


# ---- the enterprise at registration -----------------------------------------------------------

class T04Enterprise(ApiCase):
    def refused(self, importer, code):
        d = self.create("broker", declaration(importer=importer))
        b = self.register(d["id"], "broker", expect=422)
        self.assertIn((code, "/importer/tax_code"), error_codes(b))
        self.assertEqual(self.get(d["id"], "broker")["status"], "provisional")

    def test_suspended_importer(self):
        self.refused(SUSPENDED, "enterprise_suspended")

    def test_dissolved_importer(self):
        self.refused(DISSOLVED, "enterprise_dissolved")

    def test_overdue_tax_debt(self):
        self.refused(DEBTOR, "tax_debt_overdue")

    def test_unknown_importer(self):
        self.refused("0999999990", "enterprise_unknown")

    def test_broker_declares_for_importer(self):
        d = self.create("broker")
        self.assertEqual((d["declarant"], d["enterprise"]), (BROKER, ACTIVE))
        r = self.register(d["id"], "broker")
        # the importer sees it too, an unrelated enterprise does not
        self.assertEqual(self.get(r["number"], "active")["declarant"], BROKER)
        self.get(r["number"], "other", expect=404)

    def test_aeo_green_even_with_compliance_4(self):
        r = self.registered("aeo", declaration(importer=AEO))
        self.assertEqual(r["channel"], "green")
        self.assertEqual([x["code"] for x in r["reasons"]], ["aeo"])

    def test_aeo_still_selected_by_a_rule(self):
        self.rule(name="red for the AEO importer", importer=AEO, hs_prefix="9006",
                  action="red", priority=5)
        r = self.registered("aeo", declaration(importer=AEO, items=[item("90065390", "3", "100")]))
        self.assertEqual(r["channel"], "red")

    def test_compliance_4_red(self):
        r = self.registered("noncompliant", declaration(importer=NONCOMPLIANT))
        self.assertEqual((r["channel"], r["channel_code"]), ("red", 3))
        self.assertIn("compliance", [x["code"] for x in r["reasons"]])


# ---- authentication, authorisation, visibility -----------------------------------------------

class T05Access(ApiCase):
    def test_no_token(self):
        for m, p in [("GET", "/api/v1/declarations/x"), ("POST", "/api/v1/declarations"),
                     ("GET", "/api/v1/risk/rules"), ("GET", "/api/v1/exchange-rates")]:
            st, b, _ = self.call(m, p, None, {} if m == "POST" else None)
            self.assertEqual(st, 401, (m, p, b))
            self.assertEqual(b["errors"][0]["code"], "unauthorized")

    def test_invalid_token(self):
        st, b, _ = self.call("POST", "/api/v1/declarations", "f" * 48, declaration())
        self.assertEqual(st, 401, b)
        st, b, _ = self.call("GET", "/api/v1/declarations/x", "short")
        self.assertEqual(st, 401, b)
        st, b, _ = self.call("GET", "/api/v1/declarations/x", None,
                             headers={"Authorization": "Basic " + harness.ENV.tokens["admin"]})
        self.assertEqual(st, 401, b)

    def test_other_enterprise_cannot_see_or_act(self):
        d = self.create()
        self.get(d["id"], "other", expect=404)
        self.register(d["id"], "other", expect=404)
        st, _, _ = self.call("PUT", "/api/v1/declarations/%s" % d["id"], "other", declaration())
        self.assertEqual(st, 404)
        r = self.register(d["id"])
        self.get(r["number"], "other", expect=404)
        st, _, _ = self.call("GET", "/api/v1/declarations/%s/events" % r["number"], "other")
        self.assertEqual(st, 404)
        st, _, _ = self.call("POST", "/api/v1/declarations/%s/cancellation" % r["number"],
                             "other", {"reason_code": "H07"})
        self.assertEqual(st, 404)
        st, _, _ = self.call("POST", "/api/v1/declarations/%s/amendments" % r["number"],
                             "other", declaration())
        self.assertEqual(st, 404)
        self.assertEqual(self.get(r["number"])["status"], "registered")

    def test_absent_declaration(self):
        self.get("100000000000", expect=404)
        self.get("0" * 32, "officer", expect=404)
        self.decide("109999999990", "clear", expect=404)

    def test_officer_cannot_submit(self):
        st, b, _ = self.call("POST", "/api/v1/declarations", "officer", declaration())
        self.assertEqual(st, 403, b)
        st, b, _ = self.call("POST", "/api/v1/declarations", "admin", declaration())
        self.assertEqual(st, 403, b)

    def test_declarant_cannot_decide(self):
        r = self.registered()
        self.decide(r["number"], "clear", expect=403, token="active")
        self.decide(r["number"], "clear", expect=403, token="risk")
        self.assertEqual(self.get(r["number"])["status"], "registered")

    def test_declarant_cannot_manage_risk(self):
        for m, p, body in [("GET", "/api/v1/risk/rules", None),
                           ("POST", "/api/v1/risk/rules", {"name": "x", "action": "red"}),
                           ("PUT", "/api/v1/risk/rules/1", {"name": "x", "action": "red"}),
                           ("DELETE", "/api/v1/risk/rules/1", None),
                           ("GET", "/api/v1/risk/settings", None),
                           ("PUT", "/api/v1/risk/settings",
                            {"random_red_percent": "50", "random_yellow_percent": "50"})]:
            st, b, _ = self.call(m, p, "active", body)
            self.assertEqual(st, 403, (m, p, b))
        # an officer may read rules but not change them
        st, _, _ = self.call("GET", "/api/v1/risk/rules", "officer")
        self.assertEqual(st, 200)
        st, _, _ = self.call("POST", "/api/v1/risk/rules", "officer", {"name": "x", "action": "red"})
        self.assertEqual(st, 403)

    def test_only_admin_invalidates(self):
        for tok in ("active", "officer", "risk"):
            st, b, _ = self.call("POST", "/api/v1/admin/invalidate", tok, {})
            self.assertEqual(st, 403, (tok, b))

    def test_unknown_routes(self):
        st, _, _ = self.call("GET", "/api/v1/nothing", "active")
        self.assertEqual(st, 404)
        st, _, _ = self.call("GET", "/nothing")
        self.assertEqual(st, 404)
        st, _, _ = self.call("DELETE", "/api/v1/declarations/x", "active")
        self.assertEqual(st, 405)


# ---- idempotency and limits ------------------------------------------------------------------

class T06Idempotency(ApiCase):
    def test_replayed_create(self):
        key = "idem-create-%d" % time.time_ns()
        d = declaration(items=[item(qty="123")])
        st1, b1, _ = self.call("POST", "/api/v1/declarations", "active", d,
                               headers={"Idempotency-Key": key})
        st2, b2, _ = self.call("POST", "/api/v1/declarations", "active", d,
                               headers={"Idempotency-Key": key})
        self.assertEqual(st1, 201, b1)
        self.assertEqual((st2, b2), (st1, b1))
        evs = self.events(b1["id"])
        self.assertEqual([e["action"] for e in evs], ["ida"])
        # concurrent replays of one key create one declaration
        key = "idem-conc-%d" % time.time_ns()
        out = []

        def worker():
            out.append(self.call("POST", "/api/v1/declarations", "active", d,
                                 headers={"Idempotency-Key": key})[:2])
        ths = [threading.Thread(target=worker) for _ in range(6)]
        for t in ths:
            t.start()
        for t in ths:
            t.join()
        ok = [b for st, b in out if st == 201]
        self.assertTrue(ok, out)
        self.assertEqual(len({b["id"] for b in ok}), 1, out)
        for st, b in out:
            self.assertIn(st, (201, 409), b)

    def test_replayed_register(self):
        d = self.create()
        key = "idem-reg-%d" % time.time_ns()
        path = "/api/v1/declarations/%s/register" % d["id"]
        st1, b1, _ = self.call("POST", path, "active", headers={"Idempotency-Key": key})
        st2, b2, _ = self.call("POST", path, "active", headers={"Idempotency-Key": key})
        self.assertEqual(st1, 200, b1)
        self.assertEqual((st2, b2), (st1, b1))
        self.assertEqual([e["action"] for e in self.events(d["id"])], ["ida", "idc"])

    def test_same_key_different_body(self):
        key = "idem-reuse-%d" % time.time_ns()
        st, b, _ = self.call("POST", "/api/v1/declarations", "active", declaration(),
                             headers={"Idempotency-Key": key})
        self.assertEqual(st, 201, b)
        st, b, _ = self.call("POST", "/api/v1/declarations", "active",
                             declaration(items=[item(qty="1")]), headers={"Idempotency-Key": key})
        self.assert_errors(st, b, [("idempotency_key_reused", "")])

    def test_bad_key(self):
        st, b, _ = self.call("POST", "/api/v1/declarations", "active", declaration(),
                             headers={"Idempotency-Key": "k" * 129})
        self.assertEqual(st, 400, b)

    def test_keys_are_per_enterprise(self):
        key = "idem-party-%d" % time.time_ns()
        st1, b1, _ = self.call("POST", "/api/v1/declarations", "active", declaration(),
                               headers={"Idempotency-Key": key})
        st2, b2, _ = self.call("POST", "/api/v1/declarations", "broker", declaration(),
                               headers={"Idempotency-Key": key})
        self.assertEqual((st1, st2), (201, 201), (b1, b2))
        self.assertNotEqual(b1["id"], b2["id"])


class T07Limits(ApiCase):
    def test_body_over_one_mib(self):
        d = declaration()
        d["items"][0]["description"] = "x" * (1024 * 1024 + 10)
        try:
            st, b, _ = self.call("POST", "/api/v1/declarations", "active", d)
        except (ConnectionError, urllib.error.URLError) as e:  # the server may close early
            self.fail("connection closed instead of 413: %r" % e)
        self.assertEqual(st, 413, b)

    def test_exactly_one_mib_is_accepted(self):
        raw = json.dumps(declaration()).encode()
        raw += b" " * (1024 * 1024 - len(raw))
        self.assertEqual(len(raw), 1024 * 1024)
        st, b, _ = self.call("POST", "/api/v1/declarations", "active", raw=raw)
        self.assertEqual(st, 201, b)
        st, b, _ = self.call("POST", "/api/v1/declarations", "active", raw=raw + b" ")
        self.assertEqual(st, 413, b)
        self.assertEqual(b["errors"][0]["code"], "too_large")

    def test_999_items_accepted_1000_refused(self):
        items = [item("85171300", "1", str(100 + i % 50), desc="Phone %d" % i) for i in range(999)]
        d = declaration(items=items)
        created = self.create(decl=d)
        self.assertEqual(len(created["items"]), 999)
        r = self.register(created["id"])
        self.assertTrue(number_ok(r["number"]))
        d = declaration(items=items + [item()])
        st, b, _ = self.call("POST", "/api/v1/declarations", "active", d)
        self.assert_errors(st, b, [("too_many", "/items")])


# ---- risk rules, settings, reference data ------------------------------------------------------

class T08Risk(ApiCase):
    def test_rules_crud(self):
        st, b, _ = self.call("POST", "/api/v1/risk/rules", "risk",
                             {"name": "crud horses", "hs_prefix": "0101", "origin": "AU",
                              "action": "yellow", "priority": 3,
                              "valid_from": TODAY.isoformat(), "min_value_vnd": "1000"})
        self.assertEqual(st, 201, b)
        rid = b["id"]
        self.assertEqual((b["name"], b["hs_prefix"], b["action"], b["active"], b["priority"]),
                         ("crud horses", "0101", "yellow", True, 3))
        self.assertEqual(b["valid_from"], TODAY.isoformat())
        st, l, _ = self.call("GET", "/api/v1/risk/rules", "risk")
        self.assertEqual(st, 200)
        self.assertIn(rid, [x["id"] for x in l["rules"]])
        st, u, _ = self.call("PUT", "/api/v1/risk/rules/%d" % rid, "admin",
                             {"name": "crud horses v2", "hs_prefix": "0101", "action": "red",
                              "active": False})
        self.assertEqual(st, 200, u)
        self.assertEqual((u["id"], u["action"], u["active"], u["name"]),
                         (rid, "red", False, "crud horses v2"))
        st, l, _ = self.call("GET", "/api/v1/risk/rules", "officer")
        mine = [x for x in l["rules"] if x["id"] == rid]
        self.assertEqual(len(mine), 1)
        self.assertEqual((mine[0]["action"], mine[0]["active"]), ("red", False))
        st, b, _ = self.call("DELETE", "/api/v1/risk/rules/%d" % rid, "risk")
        self.assertEqual((st, b.get("deleted")), (200, True), b)
        st, l, _ = self.call("GET", "/api/v1/risk/rules", "risk")
        self.assertNotIn(rid, [x["id"] for x in l["rules"]])
        st, b, _ = self.call("DELETE", "/api/v1/risk/rules/%d" % rid, "risk")
        self.assertEqual(st, 404, b)
        st, b, _ = self.call("PUT", "/api/v1/risk/rules/%d" % rid, "risk",
                             {"name": "ghost", "action": "red"})
        self.assertEqual(st, 404, b)
        st, b, _ = self.call("DELETE", "/api/v1/risk/rules/abc", "risk")
        self.assertEqual(st, 404, b)

    def test_rule_validation(self):
        st, b, _ = self.call("POST", "/api/v1/risk/rules", "risk",
                             {"hs_prefix": "8517", "action": "blue", "colour": "x",
                              "priority": "high", "valid_from": "2026-13-01"})
        self.assert_errors(st, b, [("required", "/name"), ("enum", "/action"),
                                   ("unknown_field", "/colour"), ("type", "/priority"),
                                   ("date", "/valid_from")])
        for bad in ({"name": "x", "action": "red", "hs_prefix": "8"},
                    {"name": "x", "action": "red", "hs_prefix": "85a7"},
                    {"name": "x", "action": "red", "valid_from": "2026-02-01",
                     "valid_to": "2026-01-01"},
                    {"name": "x", "action": "red", "min_value_vnd": "-5"}):
            st, b, _ = self.call("POST", "/api/v1/risk/rules", "risk", bad)
            self.assertEqual(st, 422, (bad, b))

    def test_inactive_and_expired_rules_do_not_select(self):
        self.rule(name="inactive", hs_prefix="6403", action="red", active=False)
        self.rule(name="expired", hs_prefix="6403", action="red",
                  valid_to=(TODAY - datetime.timedelta(days=1)).isoformat())
        r = self.registered(decl=declaration(items=[item("64039990", "10", "20", desc="Shoes")]))
        self.assertEqual(r["channel"], "green")

    def test_rule_on_importer_and_red_wins_over_yellow(self):
        self.rule(name="yellow other", importer=OTHER, action="yellow", priority=1)
        self.rule(name="red other shoes", importer=OTHER, hs_prefix="6402", action="red",
                  priority=2)
        r = self.registered("other", declaration(importer=OTHER))
        self.assertEqual(r["channel"], "yellow")
        r = self.registered("other", declaration(importer=OTHER, items=[
            item("64029990", "10", "20", desc="Sandals"), item()]))
        self.assertEqual(r["channel"], "red")
        self.assertEqual([x["code"] for x in r["reasons"]], ["rule", "rule"])

    def test_rule_takes_effect_at_once_and_stops_when_deleted(self):
        dcl = declaration(items=[item("42022100", "10", "80", desc="Handbags")])
        st, b, _ = self.call("POST", "/api/v1/risk/rules", "risk",
                             {"name": "red handbags", "hs_prefix": "420221", "action": "red"})
        self.assertEqual(st, 201, b)
        self.assertEqual(self.registered(decl=dcl)["channel"], "red")
        st, _, _ = self.call("DELETE", "/api/v1/risk/rules/%d" % b["id"], "admin")
        self.assertEqual(st, 200)
        self.assertEqual(self.registered(decl=dcl)["channel"], "green")

    def test_settings(self):
        st, b, _ = self.call("GET", "/api/v1/risk/settings", "officer")
        self.assertEqual(st, 200, b)
        self.assertEqual(float(b["random_red_percent"]), 0)  # db init without --demo
        self.assertEqual(float(b["random_yellow_percent"]), 0)
        st, b, _ = self.call("PUT", "/api/v1/risk/settings", "risk",
                             {"random_red_percent": "0", "random_yellow_percent": "0.0000"})
        self.assertEqual(st, 200, b)
        self.assertEqual(float(b["random_red_percent"]), 0)
        for bad in ({"random_red_percent": "150", "random_yellow_percent": "0"},
                    {"random_red_percent": "60", "random_yellow_percent": "50"},
                    {"random_red_percent": 2, "random_yellow_percent": "0"},
                    {"random_red_percent": "-1", "random_yellow_percent": "0"},
                    {"random_red_percent": "1"}):
            st, b, _ = self.call("PUT", "/api/v1/risk/settings", "risk", bad)
            self.assertEqual(st, 422, (bad, b))
        st, b, _ = self.call("PUT", "/api/v1/risk/settings", "officer",
                             {"random_red_percent": "0", "random_yellow_percent": "0"})
        self.assertEqual(st, 403, b)
        st, b, _ = self.call("GET", "/api/v1/risk/settings", "admin")
        self.assertEqual((float(b["random_red_percent"]), float(b["random_yellow_percent"])), (0, 0))


class T09Reference(ApiCase):
    def test_exchange_rates(self):
        st, b, _ = self.call("GET", "/api/v1/exchange-rates", "active")
        self.assertEqual(st, 200, b)
        self.assertLessEqual({"USD", "EUR", "CNY"}, {r["currency"] for r in b["rates"]})
        st, b, _ = self.call("GET", "/api/v1/exchange-rates?date=" + TODAY.isoformat(), "active")
        self.assertEqual(st, 200, b)
        self.assertEqual({"USD", "EUR", "CNY"}, {r["currency"] for r in b["rates"]})
        usd = [r for r in b["rates"] if r["currency"] == "USD"][0]
        self.assertEqual(float(usd["vnd_per_unit"]), 25450)
        st, b, _ = self.call("GET", "/api/v1/exchange-rates?date=%s" %
                             (TODAY + datetime.timedelta(days=365)).isoformat(), "officer")
        self.assertEqual((st, b["rates"]), (200, []))
        st, b, _ = self.call("GET", "/api/v1/exchange-rates?date=2026-02-30", "officer")
        self.assertEqual(st, 422, b)

    def test_exchange_rates_put(self):
        frm = (TODAY + datetime.timedelta(days=400)).isoformat()
        to = (TODAY + datetime.timedelta(days=406)).isoformat()
        rate = {"currency": "JPY", "vnd_per_unit": "170.25", "valid_from": frm, "valid_to": to,
                "source": "test"}
        for tok in ("active", "officer", "risk"):
            st, b, _ = self.call("PUT", "/api/v1/exchange-rates", tok, {"rates": [rate]})
            self.assertEqual(st, 403, (tok, b))
        st, b, _ = self.call("PUT", "/api/v1/exchange-rates", "admin", {"rates": [rate]})
        self.assertEqual(st, 200, b)
        self.assertIn("JPY", [r["currency"] for r in b["rates"]])
        bads = [{"rates": []}, {"rates": [rate], "x": 1}, {"rate": [rate]},
                {"rates": [dict(rate, currency="JPYX")]},
                {"rates": [dict(rate, vnd_per_unit="-1")]},
                {"rates": [dict(rate, vnd_per_unit=170)]},
                {"rates": [dict(rate, valid_from="2026-13-01")]},
                {"rates": [dict(rate, valid_to="2020-01-01")]},
                {"rates": [dict(rate, extra="x")]}]
        for bad in bads:
            st, b, _ = self.call("PUT", "/api/v1/exchange-rates", "admin", bad)
            self.assertEqual(st, 422, (bad, b))
        st, b, _ = self.call("PUT", "/api/v1/exchange-rates", "admin",
                             {"rates": [dict(rate, currency="JP"), dict(rate, vnd_per_unit="0")]})
        self.assert_errors(st, b, [("currency", "/rates/0"), ("decimal", "/rates/1")])
        st, l, _ = self.call("GET", "/api/v1/exchange-rates", "admin")
        self.assertNotIn("JP", [r["currency"] for r in l["rates"]])

    def test_exchange_rate_currency_must_be_iso_4217(self):
        # "YEN" / "J1Y" have three characters but is not an ISO 4217 code (JPY is): reference.c checks only
        # the length (bug reported); declarations use codes_currency_valid
        frm = (TODAY + datetime.timedelta(days=500)).isoformat()
        st, b, _ = self.call("PUT", "/api/v1/exchange-rates", "admin", {"rates": [
            {"currency": "YEN", "vnd_per_unit": "170", "valid_from": frm, "valid_to": frm},
            {"currency": "J1Y", "vnd_per_unit": "170", "valid_from": frm, "valid_to": frm}]})
        self.assert_errors(st, b, [("currency", "/rates/0"), ("currency", "/rates/1")])

    def test_tax_quote(self):
        d = declaration()
        st, b, _ = self.call("POST", "/api/v1/tax/quote", "active", d)
        self.assertEqual(st, 200, b)
        self.assert_taxes(b["taxes"])
        self.assertEqual(len(b["items"]), 2)
        for it in b["items"]:
            for k in TAX_KEYS[:-1]:
                self.assertIn("rate", it["taxes"][k])
                self.assertIn("schedule", it["taxes"][k])
                self.assertIn("amount", it["taxes"][k])
        self.assertIn("customs_value", b)
        self.assertEqual(b["tax_date"], TODAY.isoformat())
        self.assertNotIn("id", b)
        self.assertNotIn("number", b)
        # a quote stores nothing: an Idempotency-Key is not consumed by it, and the same
        # declaration is then created normally
        st, b2, _ = self.call("POST", "/api/v1/tax/quote?date=%s" % TODAY.isoformat(),
                              "officer", d)
        self.assertEqual((st, b2["taxes"]), (200, b["taxes"]))
        bad = declaration(items=[item(hs="8517130")])
        st, b, _ = self.call("POST", "/api/v1/tax/quote", "active", bad)
        self.assert_errors(st, b, [("hs_format", "/items/0/hs_code")])
        st, b, _ = self.call("POST", "/api/v1/tax/quote?date=yesterday", "active", d)
        self.assertEqual(st, 422, b)

    def test_tariff(self):
        st, b, _ = self.call("GET", "/api/v1/tariff/85171300", "active")
        self.assertEqual(st, 200, b)
        st, b, _ = self.call("GET", "/api/v1/tariff/123", "active")
        self.assert_errors(st, b, [("hs_format", "")])
        st, b, _ = self.call("GET", "/api/v1/tariff/8517130A", "active")
        self.assertEqual(st, 422, b)
        st, b, _ = self.call("GET", "/api/v1/tariff/99999999", "active")
        self.assertEqual(st, 404, b)
        self.assertEqual(b["errors"][0]["code"], "hs_unknown")
        self.assertIsInstance(b["nearest"], list)
        st, b, _ = self.call("GET", "/api/v1/tariff/85171300?origin=CHN", "active")
        self.assertEqual(st, 422, b)
        st, b, _ = self.call("GET", "/api/v1/tariff?q=x", "active")
        self.assertEqual(st, 422, b)
        st, b, _ = self.call("GET", "/api/v1/tariff?q=phone", "active")
        self.assertEqual(st, 200, b)
        self.assertIsInstance(b["results"], list)

    def test_metrics(self):
        self.registered()
        st, text, h = self.call("GET", "/metrics")
        self.assertEqual(st, 200)
        self.assertTrue(h["Content-Type"].startswith("text/plain"), h["Content-Type"])
        self.assertIn("# TYPE ecustoms_registrations_total counter", text)
        m = re.search(r'^ecustoms_registrations_total\{channel="green"\} (\d+)$', text, re.M)
        self.assertTrue(m, text)
        self.assertGreaterEqual(int(m.group(1)), 1)
        self.registered()
        _, text2, _ = self.call("GET", "/metrics")
        m2 = re.search(r'^ecustoms_registrations_total\{channel="green"\} (\d+)$', text2, re.M)
        self.assertGreaterEqual(int(m2.group(1)), int(m.group(1)) + 1)
        self.assertRegex(text, r'ecustoms_http_requests_total\{class="2xx"\} \d+')
        # the writer's queue depth (its value depends on the server's background sweeps)
        self.assertIn("# TYPE ecustoms_store_queued gauge", text2)
        self.assertRegex(text2, r"(?m)^ecustoms_store_queued \d+$")

    def test_openapi_and_health(self):
        st, b, h = self.call("GET", "/api/v1/openapi.json")
        self.assertEqual(st, 200)
        self.assertIn("json", h["Content-Type"])
        self.assertIsInstance(b, dict, b)
        st, b, _ = self.call("GET", "/healthz")
        self.assertEqual(st, 200)
        self.assertEqual(b["status"], "ok")
        self.assertEqual(b["database"]["state"], "up")
        self.assertIn(b["database"]["engine"], ("sqlite", "postgresql"))
        self.assertEqual(b["storage"]["status"], "ok", b)


# ---- invalidation (its own database: it sweeps every declaration) -----------------------------

class T10Invalidation(OwnEnvCase):
    env_name = "invalidate"

    def invalidate(self, days=0, expect=200):
        d = (TODAY + datetime.timedelta(days=days)).isoformat()
        st, b, _ = self.call("POST", "/api/v1/admin/invalidate?as_of=" + d, "admin", {})
        self.assertEqual(st, expect, b)
        return b

    def age(self, key, days):
        """Moves a declaration's creation and registration `days` days back (the sweep cannot run
        as of a future day:)."""
        con = self.env.connect_db()  # either engine
        with con:
            n = con.execute("UPDATE declarations SET created_at = created_at - ?, registered_at ="
                            " CASE WHEN registered_at > 0 THEN registered_at - ? ELSE 0 END"
                            " WHERE id = ? OR number = ?", (days * 86400, days * 86400, key, key)).rowcount
        con.close()
        self.assertEqual(n, 1)
        self.env.moved_back(key)

    def test_invalidate_without_body(self):
        # like /register, this POST carries no body: it must not need a JSON Content-Type
        # (routes.c parses every POST body except /register's; bug reported)
        st, b, _ = self.call("POST", "/api/v1/admin/invalidate?as_of=" + TODAY.isoformat(),
                             "admin")
        self.assertEqual(st, 200, b)
        self.assertEqual(set(b), {"expired", "invalidated"})

    def test_invalidation(self):
        self.invalidate(0)
        st, b, _ = self.call("POST", "/api/v1/admin/invalidate?as_of=tomorrow", "admin", {})
        self.assertEqual(st, 422, b)
        prov = self.create()
        reg = self.registered()
        # nothing is old yet after 6 days (provisional)
        self.age(prov["id"], 6)
        self.age(reg["number"], 6)
        b = self.invalidate()
        self.assertEqual(self.get(prov["id"])["status"], "provisional")
        # 8 days: the provisional declaration (7 days) expires, the registered one stays
        self.age(prov["id"], 2)
        self.age(reg["number"], 2)
        b = self.invalidate()
        self.assertEqual(self.get(reg["number"])["status"], "registered")
        self.assertEqual(self.get(prov["id"])["status"], "expired")
        self.assertGreaterEqual(b["expired"], 1, b)

    def test_invalidation_registered(self):
        reg = self.registered()
        self.rule(name="yellow sofas", hs_prefix="9402", action="yellow")
        # waiting for customs (document check started): never invalidated
        chk = self.registered(decl=declaration(items=[item("94029011", "4", "50", desc="Commodes")]))
        self.decide(chk["number"], "start_document_check")
        done = self.registered()
        self.decide(done["number"], "clear")
        for r in (reg, chk, done):
            self.age(r["number"], 16)
        b = self.invalidate()
        self.assertGreaterEqual(b["invalidated"], 1, b)
        g = self.get(reg["number"])
        self.assertEqual(g["status"], "invalidated")
        self.assertEqual(self.get(chk["number"])["status"], "document_check")
        self.assertEqual(self.get(done["number"])["status"], "cleared")
        ev = self.events(reg["number"])[-1]
        self.assertEqual((ev["action"], ev["from_status"], ev["to_status"], ev["role"]),
                         ("invalidate", "registered", "invalidated", "system"))
        # an invalidated declaration can be neither cleared nor amended
        self.decide(reg["number"], "clear", expect=409)
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/amendments" % reg["number"],
                             "active", declaration())
        self.assertEqual(st, 409, b)

    def test_invalidation_cli(self):
        prov = self.create()
        reg = self.registered()
        p = run_cli("invalidate", "--db", self.env.db, "--date", TODAY.isoformat())
        self.assertIn("invalidated 0", p.stdout)
        self.assertEqual(self.get(reg["number"])["status"], "registered")
        self.age(prov["id"], 16)
        self.age(reg["number"], 16)
        p = run_cli("invalidate", "--db", self.env.db)
        self.assertRegex(p.stdout, r"expired \d+ provisional, invalidated [1-9]\d* registered")
        self.assertEqual(self.get(reg["number"])["status"], "invalidated")
        self.assertEqual(self.get(prov["id"])["status"], "expired")
        p = run_cli("invalidate", "--db", self.env.db, "--date", "not-a-date", check=False)
        self.assertEqual(p.returncode, 2)


# ---- concurrency ------------------------------------------------------------------------------

class T11RegisterAfterEdit(WriterHeld, OwnEnvCase):
    """A registration assesses the declaration as its request read it, then its job checks that
    the row did not change since. An edit (IDB) committed between that read and the job, in the
    same second as the declaration's previous write, went unnoticed when the check was the row's
    updated_at (seconds): the registration then recorded the taxes of the document it replaced.
    The check is the row's revision (declarations.rev, schema migration 21, counted by every
    UPDATE): such a registration is refused, and registering again assesses the edited
    document. Both engines: the test holds the database's write lock to order the writes."""
    env_name = "regafteredit"

    def test_an_edit_between_the_read_and_the_job_refuses_the_registration(self):
        # The lock orders the three writes: the edit's job waits in the writer's batch, the
        # registration reads the row as it was before the edit and queues behind it. Each round
        # creates and edits within a moment, so most rounds fall within one second: the case
        # that updated_at could not see.
        for rnd in range(3):
            d = self.create(decl=declaration(items=[item(qty="2")]))
            results = {}
            lock = self.hold_writer()
            threads = []
            try:
                def edit():
                    results["edit"] = self.call("PUT", "/api/v1/declarations/%s" % d["id"],
                                                "active", declaration(items=[item(qty="9")]))

                def register():
                    results["register"] = self.call(
                        "POST", "/api/v1/declarations/%s/register" % d["id"], "active")

                threads.append(threading.Thread(target=edit))
                threads[-1].start()
                self.wait_writer_waits()
                threads.append(threading.Thread(target=register))
                threads[-1].start()
                self.wait_for("the registration queued", lambda: self.queued() >= 1)
            finally:
                self.release_writer(lock)
                for t in threads:
                    t.join(60)
            st, edited, _ = results["edit"]
            self.assertEqual(st, 200, edited)
            self.assertNotEqual(edited["taxes"], d["taxes"])  # the edit changes what is owed
            st, b, _ = results["register"]
            self.assertEqual((st, error_codes(b)), (409, [("illegal_transition", "")]),
                             "round %d: %s" % (rnd, b))
            got = self.get(d["id"])
            self.assertEqual((got["status"], got["items"][0]["quantity"]), ("provisional", "9"))
            r = self.register(d["id"])
            self.assertEqual(self.get(r["number"])["taxes"], edited["taxes"])


class T11Concurrency(ApiCase):
    THREADS = 8
    TOTAL = 4000

    def test_concurrent_registrations(self):
        body = json.dumps(declaration(importer=LOADER)).encode()
        token = self.env.tokens["loader"]
        per = self.TOTAL // self.THREADS
        numbers, failures = [], []
        lock = threading.Lock()

        def worker():
            conn = http.client.HTTPConnection("127.0.0.1", self.env.port, timeout=60)
            hdr = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
            mine = []
            try:
                for _ in range(per):
                    conn.request("POST", "/api/v1/declarations", body, hdr)
                    r = conn.getresponse()
                    data = r.read()
                    if r.status != 201:
                        failures.append(("ida", r.status, data[:200]))
                        continue
                    did = json.loads(data)["id"]
                    conn.request("POST", "/api/v1/declarations/%s/register" % did, b"",
                                 {"Authorization": "Bearer " + token})
                    r = conn.getresponse()
                    data = r.read()
                    if r.status != 200:
                        failures.append(("idc", r.status, data[:200]))
                        continue
                    mine.append(json.loads(data)["number"])
            except Exception as e:  # noqa: BLE001 - reported below
                failures.append(("exception", repr(e)))
            finally:
                conn.close()
            with lock:
                numbers.extend(mine)

        t0 = time.time()
        ths = [threading.Thread(target=worker) for _ in range(self.THREADS)]
        for t in ths:
            t.start()
        for t in ths:
            t.join()
        elapsed = time.time() - t0
        self.assertEqual(failures[:5], [])
        self.assertEqual(len(numbers), self.TOTAL)
        self.assertEqual(len(set(numbers)), self.TOTAL, "duplicate declaration numbers")
        bad = [n for n in numbers if not (number_ok(n) and n[11] == "0")]
        self.assertEqual(bad[:5], [])
        for n in numbers[:: self.TOTAL // 8]:
            g = self.get(n, "loader")
            self.assertEqual((g["number"], g["status"], g["channel"]), (n, "registered", "green"))
        sys.stderr.write("\n  [concurrency: %d IDA+IDC in %.1f s] " % (self.TOTAL, elapsed))
