"""API tests: e-Payment: payments, ledger, guarantees, credits, refunds, debts and statements."""
from harness import *  # noqa: F401,F403 (the shared harness: Env, ApiCase, constants)
import harness


class T12Payments(ApiCase):
    """e-Payment: signed bank payments, the ledger, clearance gated on payment."""

    def owed(self, r):
        """A registered declaration's assessed taxes (they must be > 0 for these tests)."""
        due = int(self.ledger(r["number"])["outstanding"])
        self.assertGreater(due, 0, "the test declaration must carry taxes")
        return due

    def test_signature_missing_wrong_or_of_another_bank(self):
        r = self.registered()
        due = self.owed(r)
        body = {"bank_transaction_id": "SIG-1", "payer": ACTIVE, "paid_at": TODAY.isoformat(),
                "lines": [{"declaration": r["number"], "amount": str(due)}]}
        b = self.pay_raw(body, signature="", expect=401)
        self.assertEqual(error_codes(b)[0][0], "signature_missing")
        b = self.pay_raw(body, signature="not base64 !", expect=401)
        self.assertEqual(error_codes(b)[0][0], "signature_malformed")
        # signed by another bank's key, sent with this bank's token
        b = self.pay_raw(body, key="bank2", expect=401)
        self.assertEqual(error_codes(b)[0][0], "signature_invalid")
        # signed body, other bytes sent
        sig = self.sign(json.dumps(body).encode())
        body2 = dict(body, payer=OTHER)
        b = self.pay_raw(body2, signature=sig, expect=401)
        self.assertEqual(error_codes(b)[0][0], "signature_invalid")
        # only banks pay
        self.pay_raw(body, token="active", key="bank", expect=403)
        # nothing was paid
        self.assertEqual(self.ledger(r["number"])["paid"], "0")
        self.assertEqual(self.get(r["number"])["status"], "registered")

    def test_unknown_declaration_and_non_positive_amounts_all_at_once(self):
        r = self.registered()
        b = self.pay([("109999999990", 1000), (r["number"], 0), (r["number"], -5)], expect=422)
        self.assertEqual(sorted(error_codes(b)), sorted([
            ("unknown_declaration", "/lines/0/declaration"),
            ("amount_not_positive", "/lines/1/amount"),
            ("amount_not_positive", "/lines/2/amount")]))
        b = self.pay_raw({"bank_transaction_id": "", "payer": ACTIVE, "paid_at": "yesterday",
                          "lines": [], "extra": 1}, expect=422)
        self.assertEqual(sorted(c for c, _ in error_codes(b)),
                         ["lines", "timestamp", "type", "unknown_field"])
        self.assertEqual(self.ledger(r["number"])["paid"], "0")

    def test_replay_same_body_paid_once_other_body_409(self):
        r = self.registered()
        due = self.owed(r)
        body = {"bank_transaction_id": "REPLAY-1", "payer": ACTIVE,
                "paid_at": TODAY.isoformat(),
                "lines": [{"declaration": r["number"], "amount": str(due - 1)}]}
        first = self.pay_raw(body)
        again = self.pay_raw(body)  # a new signature over the same bytes
        self.assertEqual(first, again)
        led = self.ledger(r["number"])
        self.assertEqual(int(led["paid"]), due - 1)
        self.assertEqual([e["kind"] for e in led["entries"]], ["assessed", "paid"])
        b = self.pay_raw(dict(body, lines=[{"declaration": r["number"], "amount": str(due)}]),
                         expect=409)
        self.assertEqual(error_codes(b)[0][0], "bank_transaction_conflict")
        # the same transaction id at another bank is another payment
        other = self.pay_raw(body, token="bank2")
        self.assertEqual(other["bank"], BANK2)
        led = self.ledger(r["number"])
        self.assertEqual(int(led["paid"]), due)  # due - 1 + 1 applied, the rest credited
        self.assertEqual(int(led["credited"]), due - 2)

    def test_green_underpaid_then_paid_clears_itself(self):
        r = self.registered()
        self.assertEqual(r["channel"], "green")
        due = self.owed(r)
        p = self.pay([(r["number"], due - 100)])
        line = p["lines"][0]
        self.assertEqual((line["outstanding"], line["status"], line["cleared"]),
                         ("100", "registered", False))
        self.assertIn("100", line["message"])
        # the officer cannot clear before the taxes are covered; the answer says how much is missing
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/decisions" % r["number"], "officer",
                             {"decision": "clear"})
        self.assertEqual(st, 409, b)
        self.assertEqual(error_codes(b)[0][0], "payment_outstanding")
        self.assertIn("VND 100 ", b["errors"][0]["message"])
        p = self.pay([(r["number"], 100)])
        self.assertEqual((p["lines"][0]["status"], p["lines"][0]["cleared"]), ("cleared", True))
        g = self.get(r["number"])
        self.assertEqual(g["status"], "cleared")
        self.assertEqual(g["decisions"][-1]["by"], "SYSTEM")
        evs = self.events(r["number"], ledger=True)
        self.assertEqual([e["action"] for e in evs],
                         ["ida", "idc", "ledger.assessed", "ledger.paid", "ledger.paid", "clear"])
        led = self.ledger(r["number"], token="active")  # the declarant sees its ledger
        self.assertEqual((led["assessed"], led["paid"], led["outstanding"], led["covered"]),
                         (str(due), str(due), "0", True))
        self.ledger(r["number"], token="other", expect=404)

    def test_overpayment_becomes_credit(self):
        r = self.registered()
        due = self.owed(r)
        p = self.pay([(r["number"], due + 5000)])
        line = p["lines"][0]
        self.assertEqual((line["applied"], line["credited"], line["cleared"]),
                         (str(due), "5000", True))
        led = self.ledger(r["number"])
        self.assertEqual([e["kind"] for e in led["entries"]], ["assessed", "paid", "credit"])
        self.assertEqual((led["paid"], led["credited"], led["surplus"]), (str(due), "5000", "0"))

    def test_cancelled_declaration_payment_is_credited(self):
        r = self.registered()
        due = self.owed(r)
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/cancellation" % r["number"], "active",
                             {"reason_code": "H07"})
        self.assertEqual(st, 200, b)
        p = self.pay([(r["number"], due)])
        self.assertEqual((p["lines"][0]["applied"], p["lines"][0]["credited"],
                          p["lines"][0]["status"]), ("0", str(due), "cancelled"))
        self.assertEqual(self.get(r["number"])["status"], "cancelled")

    def test_yellow_needs_decision_and_payment(self):
        self.rule(name="yellow desks", hs_prefix="9403", action="yellow", priority=5)
        r = self.registered(decl=declaration(items=[item("94033000", "10", "300", desc="Desks")]))
        self.assertEqual(r["channel"], "yellow")
        n = r["number"]
        due = self.owed(r)
        self.pay([(n, due)])  # paid first: a yellow declaration waits for the officer
        self.assertEqual(self.get(n)["status"], "registered")
        self.call("POST", "/api/v1/declarations/%s/decisions" % n, "officer",
                  {"decision": "start_document_check"})
        self.call("POST", "/api/v1/declarations/%s/decisions" % n, "officer",
                  {"decision": "document_check", "passed": True})
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/decisions" % n, "officer",
                             {"decision": "clear"})
        self.assertEqual((st, b.get("status")), (200, "cleared"), b)

    def test_amendment_reassesses(self):
        d = self.create()
        r = self.register(d["id"])
        before = int(self.ledger(r["number"])["assessed"])
        decl = declaration(items=[item("85044019", "9000", "5", desc="Phone chargers 25 W")])
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/amendments" % r["number"], "active",
                             decl)
        # lower taxes: an officer examines it first; the ledger waits for the decision
        self.assertEqual((st, b["status"]), (200, "amendment_review"), b)
        self.assertEqual([e["kind"] for e in self.ledger(r["number"])["entries"]], ["assessed"])
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/amendments/1/decision" % r["number"],
                             "officer", {"accept": True})
        self.assertEqual(st, 200, b)
        led = self.ledger(r["number"])
        self.assertNotEqual(int(led["assessed"]), before)  # a signed delta, here negative
        self.assertEqual([e["kind"] for e in led["entries"]], ["assessed", "assessed"])
        self.assertEqual(int(led["entries"][1]["amount"]), int(led["assessed"]) - before)

    def test_amendment_below_paid_becomes_refund_claim(self):
        # was "becomes credit" at once; now the officer accepts the amendment and the
        # overpaid tax is a refund claim an officer approves, never spendable credit meanwhile
        r = self.registered()
        before = self.owed(r)
        self.pay([(r["number"], before)])  # green: cleared; amendments allowed for 60 days
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/amendments" % r["number"], "active",
                             declaration(items=[item("85044019", "9000", "5", desc="Phone chargers 25 W")]))
        self.assertEqual((st, b["status"]), (200, "amendment_review"), b)
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/amendments/1/decision" % r["number"],
                             "officer", {"accept": True})
        self.assertEqual(st, 200, b)
        led = self.ledger(r["number"])
        self.assertEqual([e["kind"] for e in led["entries"]], ["assessed", "paid", "assessed"])
        self.assertEqual((led["credited"], led["outstanding"]), ("0", "0"))
        self.assertEqual(int(led["surplus"]), before - int(led["assessed"]))
        st, cr, _ = self.call("GET", "/api/v1/enterprises/%s/credits" % ACTIVE, "officer")
        claims = [x for x in cr["refunds"] if x["declaration"] == b["number"]]
        self.assertEqual([(x["status"], x["amount"]) for x in claims],
                         [("requested", str(before - int(led["assessed"])))])

    def test_daily_reconciliation(self):
        r = self.registered()
        due = self.owed(r)
        self.pay([(r["number"], 1000)], token="bank2", txn="RECON-A")
        self.pay([(r["number"], due - 1000)], token="bank2", txn="RECON-B")
        st, b, _ = self.call("GET", "/api/v1/banks/me/reconciliation?date=%s" % TODAY.isoformat(),
                             "bank2")
        self.assertEqual(st, 200, b)
        mine = [p for p in b["payments"] if p["bank_transaction_id"].startswith("RECON-")]
        self.assertEqual([p["total"] for p in mine], ["1000", str(due - 1000)])
        self.assertEqual(b["count"], len(b["payments"]))
        self.assertEqual(int(b["total"]), sum(int(p["total"]) for p in b["payments"]))
        st, b, _ = self.call("GET", "/api/v1/banks/me/reconciliation?date=2000-01-01", "bank2")
        self.assertEqual((st, b["count"], b["total"]), (200, 0, "0"))
        st, _, _ = self.call("GET", "/api/v1/banks/me/reconciliation", "officer")
        self.assertEqual(st, 403)

    def guarantee(self, body, token="bank", expect=201):
        st, b, _ = (None, None, None)
        data = json.dumps(body).encode()
        st, b, _ = self.call("POST", "/api/v1/guarantees", token, raw=data,
                             headers={"X-Signature": self.sign(data, token)})
        self.assertEqual(st, expect, b)
        return b

    def interest(self, amount, days):
        return (amount * days * 3 + 5000) // 10000  # 0.03 %/day, half up

    def test_separate_guarantee_releases_then_interest_from_release(self):
        r = self.registered()
        n, due = r["number"], self.owed(r)
        until = (TODAY + datetime.timedelta(days=20)).isoformat()
        g = self.guarantee({"guarantee_id": "G-1", "type": "separate", "enterprise": ACTIVE,
                            "amount": str(due), "valid_until": until, "declarations": [n]})
        self.assertEqual((g["allocated"], g["declarations"][0]["cleared"]), (str(due), True))
        self.assertEqual(self.get(n)["status"], "cleared")  # released under the guarantee
        st, d, _ = self.call("GET", "/api/v1/banks/me/due", "bank")
        mine = [x for x in d["guarantees"] if x["declaration"] == n]
        self.assertEqual((mine[0]["due_amount"], mine[0]["due"], mine[0]["overdue"]),
                         (str(due), until, False))
        # paid 10 days after the release: 0.03 %/day interest (a bank cannot report a payment
        # made in the future: the release is moved 10 days back instead)
        T15Debts.age(self, n, 10)
        paid_at = TODAY.isoformat()
        p = self.pay_raw({"bank_transaction_id": "G-1-PAY", "payer": ACTIVE, "paid_at": paid_at,
                          "lines": [{"declaration": n, "amount": str(due)}]})
        i = self.interest(due, 10)
        self.assertEqual(p["lines"][0]["outstanding"], str(i))
        led = self.ledger(n)
        self.assertEqual([e["kind"] for e in led["entries"]],
                         ["assessed", "guaranteed", "interest", "paid", "guaranteed"])
        self.assertEqual((led["interest"], led["guaranteed"], led["outstanding"]), (str(i), "0", str(i)))
        st, d, _ = self.call("GET", "/api/v1/banks/me/due", "bank")
        self.assertEqual([x for x in d["guarantees"] if x["declaration"] == n], [])
        # replay and conflict
        self.assertEqual(self.guarantee({"guarantee_id": "G-1", "type": "separate", "enterprise": ACTIVE,
                                         "amount": str(due), "valid_until": until,
                                         "declarations": [n]}), g)
        self.guarantee({"guarantee_id": "G-1", "type": "separate", "enterprise": ACTIVE,
                        "amount": "1", "valid_until": until, "declarations": [n]}, expect=409)

    def test_joint_guarantee_and_guarantee_rules(self):
        r1, r2 = self.registered(), self.registered()
        d1, d2 = self.owed(r1), self.owed(r2)
        until = (TODAY + datetime.timedelta(days=30)).isoformat()
        g = self.guarantee({"guarantee_id": "J-1", "type": "joint", "enterprise": ACTIVE,
                            "amount": str(d1 + d2 + 7), "valid_until": until,
                            "declarations": [r1["number"], r2["number"]]})
        self.assertEqual((g["allocated"], g["unallocated"]), (str(d1 + d2), "7"))
        self.assertEqual([x["status"] for x in g["declarations"]], ["cleared", "cleared"])
        r3 = self.registered()
        b = self.guarantee({"guarantee_id": "BAD-1", "type": "separate", "enterprise": OTHER,
                            "amount": "0", "valid_until": (TODAY + datetime.timedelta(days=31)).isoformat(),
                            "declarations": [r3["number"], "109999999990"]}, expect=422)
        self.assertEqual(sorted(c for c, _ in error_codes(b)),
                         ["amount_not_positive", "separate_one_declaration"])
        b = self.guarantee({"guarantee_id": "BAD-2", "type": "joint", "enterprise": OTHER,
                            "amount": "10", "valid_until": (TODAY + datetime.timedelta(days=31)).isoformat(),
                            "declarations": [r3["number"], "109999999990"]}, expect=422)
        self.assertEqual(sorted(error_codes(b)), [("enterprise_mismatch", "/declarations/0"),
                                                  ("unknown_declaration", "/declarations/1")])
        b = self.guarantee({"guarantee_id": "BAD-3", "type": "joint", "enterprise": ACTIVE,
                            "amount": "10", "valid_until": (TODAY + datetime.timedelta(days=31)).isoformat(),
                            "declarations": [r3["number"]]}, expect=422)
        self.assertEqual(error_codes(b), [("guarantee_too_long", "/declarations/0")])

    def test_aeo_monthly_deferral(self):
        # a green declaration of a priority (AEO) enterprise is cleared at registration, before
        # any payment: its taxes fall into the monthly statement, due by the 10th of next month
        r = self.registered("aeo", declaration(importer=AEO))
        self.assertEqual((r["channel"], r["status"]), ("green", "cleared"), r)
        due = self.owed(r)
        g = self.get(r["number"], "aeo")
        self.assertEqual((g["status"], g["decisions"][-1]["by"]), ("cleared", "SYSTEM"))
        y, m = (TODAY.year + (TODAY.month == 12), TODAY.month % 12 + 1)
        deadline = datetime.date(y, m, 10)
        self.assertIn("AEO", g["decisions"][-1]["note"])
        self.assertIn(deadline.isoformat(), g["decisions"][-1]["note"])
        self.assertEqual([e["action"] for e in self.events(r["number"], "aeo", ledger=True)],
                         ["ida", "idc", "ledger.assessed", "clear"])
        led = self.ledger(r["number"], token="aeo")
        self.assertEqual((led["outstanding"], led["covered"], led["payment_due"]),
                         (str(due), False, deadline.isoformat()))
        # the officer has nothing left to clear
        st, c, _ = self.call("POST", "/api/v1/declarations/%s/decisions" % r["number"], "officer",
                             {"decision": "clear"})
        self.assertEqual((st, error_codes(c)[0][0]), (409, "illegal_transition"), c)
        # not green (selected by a rule): registered, waiting for the officer as usual
        self.rule(name="red for the AEO importer (deferral)", importer=AEO, hs_prefix="9006",
                  action="red", priority=5)
        red = self.registered("aeo", declaration(importer=AEO, items=[item("90065390", "3", "100")]))
        self.assertEqual((red["channel"], red["status"]), ("red", "registered"))
        self.assertIsNone(self.ledger(red["number"])["payment_due"])
        # an ordinary enterprise's green declaration waits for its payment
        plain = self.registered()
        self.assertEqual((plain["channel"], plain["status"]), ("green", "registered"))
        # paid by the 10th of the month after the release: no interest; later: interest from the
        # 10th. A payment cannot be dated in the future, so the release is moved 45 days back:
        # its deadline is then 4 to 35 days before today
        T15Debts.age(self, r["number"], 45)
        c = TODAY - datetime.timedelta(days=45)
        deadline = datetime.date(c.year + (c.month == 12), c.month % 12 + 1, 10)
        late = (TODAY - deadline).days
        self.assertGreater(late, 0)
        p = self.pay_raw({"bank_transaction_id": "AEO-1", "payer": AEO, "paid_at": TODAY.isoformat(),
                          "lines": [{"declaration": r["number"], "amount": str(due)}]})
        self.assertEqual(p["lines"][0]["outstanding"], str(self.interest(due, late)))

    # ---- joint guarantees revolve -------------------------------------------------------------

    def enterprise(self, *extra):
        """A fresh enterprise and a declarant token of it (credit and guarantees are per
        enterprise: a fresh one keeps the figures of a test its own)."""
        code = "08" + "".join(str(b % 10) for b in os.urandom(8))
        self.env.add_party(code, "Test " + code, "declarant", extra=extra)
        return code

    def registered_for(self, ent):
        r = self.registered(ent, declaration(importer=ent))
        self.assertEqual((r["channel"], r["status"]), ("green", "registered"), r)
        return r["number"], self.owed(r)

    def test_joint_guarantee_revolves_when_a_declaration_is_paid(self):
        ent = self.enterprise()
        (a, da), (b, db), (c, dc) = [self.registered_for(ent) for _ in range(3)]
        self.assertEqual(da, db)  # the same goods: one declaration's tax covers another's
        until = (TODAY + datetime.timedelta(days=20)).isoformat()
        g = self.guarantee({"guarantee_id": "REV-" + ent, "type": "joint", "enterprise": ent,
                            "amount": str(da), "valid_until": until, "declarations": [a, b, c]})
        self.assertEqual((g["allocated"], g["unallocated"]), (str(da), "0"))
        self.assertEqual([(x["declaration"], x["guaranteed"], x["status"]) for x in g["declarations"]],
                         [(a, str(da), "cleared"), (b, "0", "registered"), (c, "0", "registered")])
        # exhausted: B and C stay blocked, the missing amount stated
        self.assertEqual(g["declarations"][1]["message"], "guarantee exhausted: VND %d still missing" % db)
        st, e, _ = self.call("POST", "/api/v1/declarations/%s/decisions" % b, "officer",
                             {"decision": "clear"})
        self.assertEqual((st, error_codes(e)[0][0]), (409, "payment_outstanding"))
        self.assertIn("VND %d " % db, e["errors"][0]["message"])
        # A is paid: its share of the guarantee is released and covers B, which is released
        p = self.pay([(a, da)])
        self.assertEqual(p["lines"][0]["guaranteed"], "0")
        self.assertEqual(p["guarantees_revolved"], [{
            "declaration": b, "bank": BANK, "guarantee_id": "REV-" + ent, "guaranteed": str(db),
            "outstanding": "0", "status": "cleared", "cleared": True}])
        self.assertEqual(self.get(b, ent)["status"], "cleared")
        self.assertEqual(self.get(c, ent)["status"], "registered")  # still nothing left for C
        led = self.ledger(b)
        self.assertEqual([(x["kind"], x["amount"]) for x in led["entries"]],
                         [("assessed", str(db)), ("guaranteed", str(db))])
        self.assertIn("revolved after payment", led["entries"][1]["note"])
        self.assertEqual([x["kind"] for x in self.ledger(a)["entries"]],
                         ["assessed", "guaranteed", "paid", "guaranteed"])
        # the bank's liability moved from A to B, never above the guarantee's amount
        st, d, _ = self.call("GET", "/api/v1/banks/me/due", "bank")
        mine = {x["declaration"]: x["due_amount"] for x in d["guarantees"] if x["declaration"] in (a, b, c)}
        self.assertEqual(mine, {b: str(db)})
        # B paid in part: only what goes beyond the unsecured part releases the guarantee; paid
        # in full, C is covered in turn
        p = self.pay([(b, db)])
        self.assertEqual([x["declaration"] for x in p["guarantees_revolved"]], [c])
        self.assertEqual(self.get(c, ent)["status"], "cleared")
        # C paid: nothing waits any more, the released amount stays available
        p = self.pay([(c, dc)])
        self.assertNotIn("guarantees_revolved", p)
        st, d, _ = self.call("GET", "/api/v1/banks/me/due", "bank")
        self.assertEqual([x for x in d["guarantees"] if x["declaration"] in (a, b, c)], [])

    def test_expired_joint_guarantee_does_not_revolve(self):
        ent = self.enterprise()
        (a, da), (b, db) = [self.registered_for(ent) for _ in range(2)]
        gid = "EXP-" + ent
        self.guarantee({"guarantee_id": gid, "type": "joint", "enterprise": ent, "amount": str(da),
                        "valid_until": (TODAY + datetime.timedelta(days=1)).isoformat(),
                        "declarations": [a, b]})
        # the guarantee ran out (it cannot be given with a past date: its end is moved back in
        # the database, as time would)
        con = self.env.connect_db()
        with con:
            n = con.execute("UPDATE guarantees SET valid_until = ? WHERE guarantee_id = ?",
                            (int((TODAY - datetime.timedelta(days=1)).strftime("%Y%m%d")), gid)).rowcount
        con.close()
        self.assertEqual(n, 1)
        p = self.pay([(a, da)])
        self.assertNotIn("guarantees_revolved", p)
        self.assertEqual(self.get(b, ent)["status"], "registered")
        self.assertEqual(self.ledger(b)["outstanding"], str(db))

    def test_cancellation_releases_the_guarantee_and_credits_what_was_paid(self):
        ent = self.enterprise()
        (a, da), (b, db) = [self.registered_for(ent) for _ in range(2)]
        half = da // 2
        until = (TODAY + datetime.timedelta(days=20)).isoformat()
        g = self.guarantee({"guarantee_id": "CAN-" + ent, "type": "joint", "enterprise": ent,
                            "amount": str(half), "valid_until": until, "declarations": [a, b]})
        self.assertEqual([x["guaranteed"] for x in g["declarations"]], [str(half), "0"])
        self.pay([(a, 1000)])  # paid in part (the unsecured part), A still blocked
        self.assertEqual(self.get(a, ent)["status"], "registered")
        st, body, _ = self.call("POST", "/api/v1/declarations/%s/cancellation" % a, ent,
                                {"reason_code": "H07"})
        self.assertEqual(st, 200, body)
        led = self.ledger(a)
        self.assertEqual([x["kind"] for x in led["entries"]],
                         ["assessed", "guaranteed", "paid", "assessed", "credit", "guaranteed"])
        self.assertEqual((led["assessed"], led["guaranteed"], led["outstanding"], led["credited"],
                          led["credit_left"]), ("0", "0", "0", "1000", "1000"))
        # the released guarantee revolved to B (still short of its tax: blocked)
        led = self.ledger(b)
        self.assertEqual((led["guaranteed"], led["outstanding"]), (str(half), str(db - half)))
        st, cr, _ = self.call("GET", "/api/v1/enterprises/%s/credits" % ent, ent)
        self.assertEqual((st, cr["available"], [x["declaration"] for x in cr["sources"]]),
                         (200, "1000", [a]))

    # ---- enterprise credit -----------------------------------------------------------------------

    def credits(self, ent, token=None):
        st, b, _ = self.call("GET", "/api/v1/enterprises/%s/credits" % ent, token or ent)
        self.assertEqual(st, 200, b)
        return b

    def apply(self, ent, body, token=None, expect=201, headers=None):
        st, b, _ = self.call("POST", "/api/v1/enterprises/%s/credits/apply" % ent, token or ent,
                             body, headers=headers)
        self.assertEqual(st, expect, b)
        return b

    def test_credit_applied_to_another_declaration_clears_it(self):
        ent = self.enterprise()
        (a, da), (b, db) = [self.registered_for(ent) for _ in range(2)]
        self.pay([(a, da + db + 700)])  # overpaid: a credit for the enterprise
        cr = self.credits(ent)
        self.assertEqual((cr["available"], cr["sources"][0]["declaration"]), (str(db + 700), a))
        self.credits(ent, "officer")  # customs sees it too
        key = {"Idempotency-Key": "apply-" + ent}
        r = self.apply(ent, {"declaration": b, "amount": str(db)}, headers=key)
        self.assertEqual((r["status"], r["cleared"], r["outstanding"], r["credit_available"]),
                         ("cleared", True, "0", "700"))
        self.assertEqual(r["sources"], [{"declaration": a, "amount": str(db)}])
        # a replay answers the same, spends nothing more
        self.assertEqual(self.apply(ent, {"declaration": b, "amount": str(db)}, headers=key), r)
        g = self.get(b, ent)
        self.assertEqual((g["status"], g["decisions"][-1]["by"]), ("cleared", "SYSTEM"))
        # both sides are in the ledgers, audited on each declaration
        la, lb = self.ledger(a), self.ledger(b)
        self.assertEqual([x["kind"] for x in la["entries"]], ["assessed", "paid", "credit", "credit_used"])
        self.assertEqual((la["paid"], la["credited"], la["credit_left"]), (str(da), str(db + 700), "700"))
        self.assertIn("applied to declaration " + b, la["entries"][-1]["note"])
        self.assertEqual([x["kind"] for x in lb["entries"]], ["assessed", "paid_by_credit"])
        self.assertEqual((lb["paid"], lb["outstanding"], lb["covered"]), (str(db), "0", True))
        self.assertIn(a, lb["entries"][-1]["note"])
        self.assertEqual([e["action"] for e in self.events(b, ent, ledger=True)][-2:],
                         ["ledger.paid_by_credit", "clear"])
        self.assertEqual([e["action"] for e in self.events(a, ent, ledger=True)][-1], "ledger.credit_used")
        cr = self.credits(ent)
        self.assertEqual((cr["available"], cr["used"], cr["credited"]), ("700", str(db), str(db + 700)))
        # an officer applies the rest to a declaration in part: still blocked, the gap stated
        c, dc = self.registered_for(ent)
        r = self.apply(ent, {"declaration": c, "amount": "700"}, token="officer")
        self.assertEqual((r["status"], r["cleared"], r["outstanding"], r["credit_available"]),
                         ("registered", False, str(dc - 700), "0"))
        self.assertEqual(r["message"], "VND %d still missing" % (dc - 700))

    def test_credit_bad_input(self):
        ent = self.enterprise()
        (a, da), (b, db) = [self.registered_for(ent) for _ in range(2)]
        self.pay([(a, da + 500)])
        other = self.registered()  # a declaration of another enterprise (ACTIVE)
        url = "/api/v1/enterprises/%s/credits/apply" % ent
        # wrong role or not the enterprise: 403, nothing read
        for token in ("broker", "other", "bank", "risk", "admin", "carrier"):
            st, e, _ = self.call("POST", url, token, {"declaration": b, "amount": "1"})
            self.assertEqual((st, error_codes(e)), (403, [("forbidden", "")]), token)
        for token in ("other", "bank"):
            self.assertEqual(self.call("GET", "/api/v1/enterprises/%s/credits" % ent, token)[0], 403)
        # unknown enterprise
        st, e, _ = self.call("POST", "/api/v1/enterprises/0899999999/credits/apply", "officer",
                             {"declaration": b, "amount": "1"})
        self.assertEqual((st, error_codes(e)[0][0]), (404, "not_found"))
        self.assertEqual(self.call("GET", "/api/v1/enterprises/0899999999/credits", "officer")[0], 404)
        # malformed: every error at once
        st, e, _ = self.call("POST", url, ent, {"declaration": "12", "amount": "-5", "extra": 1})
        self.assert_errors(st, e, [("declaration", "/declaration"), ("amount_not_positive", "/amount"),
                                   ("unknown_field", "/extra")])
        for amount in (0, "0", "abc", 1.5, None):
            st, e, _ = self.call("POST", url, ent, {"declaration": b, "amount": amount})
            self.assertEqual(st, 422, (amount, e))
        # the credit of this enterprise cannot pay another's declaration
        st, e, _ = self.call("POST", url, ent, {"declaration": other["number"], "amount": "100"})
        self.assert_errors(st, e, [("enterprise_mismatch", "/declaration")])
        # nor can more than the credit be spent, nor more than the declaration owes
        st, e, _ = self.call("POST", url, ent, {"declaration": b, "amount": "501"})
        self.assertEqual(error_codes(e), [("credit_insufficient", "/amount")], e)
        self.assertIn("VND 500 of credit", e["errors"][0]["message"])
        self.pay([(b, db - 100)])
        st, e, _ = self.call("POST", url, ent, {"declaration": b, "amount": "200"})
        self.assertEqual(error_codes(e), [("amount_exceeds_debt", "/amount")], e)
        self.assertIn("owes VND 100", e["errors"][0]["message"])
        # unknown and cancelled declarations
        st, e, _ = self.call("POST", url, ent, {"declaration": "109999999990", "amount": "600"})
        self.assertEqual(sorted(error_codes(e)), [("credit_insufficient", "/amount"),
                                                  ("unknown_declaration", "/declaration")])
        c, _ = self.registered_for(ent)
        self.call("POST", "/api/v1/declarations/%s/cancellation" % c, ent, {"reason_code": "H07"})
        st, e, _ = self.call("POST", url, ent, {"declaration": c, "amount": "1"})
        self.assertEqual(error_codes(e), [("not_owed", "/declaration")], e)
        # nothing was spent
        cr = self.credits(ent)
        self.assertEqual((cr["available"], cr["used"]), ("500", "0"))
        self.assertEqual(self.ledger(b)["outstanding"], "100")

    def refund(self, ent, body, token=None, expect=201):
        st, b, _ = self.call("POST", "/api/v1/enterprises/%s/refunds" % ent, token or ent, body)
        self.assertEqual(st, expect, b)
        return b

    def decide_refund(self, ent, rid, body, token="officer", expect=200):
        st, b, _ = self.call("POST", "/api/v1/enterprises/%s/refunds/%s/decision" % (ent, rid),
                             token, body)
        self.assertEqual(st, expect, b)
        return b

    def test_refund_requested_by_the_enterprise_decided_by_an_officer(self):
        ent = self.enterprise()
        (a, da), (b, db) = [self.registered_for(ent) for _ in range(2)]
        self.pay([(a, da + 1000)])
        # only the enterprise asks, never beyond its credit
        for token in ("officer", "broker", "bank", "other"):
            self.refund(ent, {"amount": "10"}, token=token, expect=403)
        e = self.refund(ent, {"amount": "1001"}, expect=422)
        self.assertEqual(error_codes(e), [("credit_insufficient", "/amount")])
        e = self.refund(ent, {"amount": "0", "reason": "", "x": 1}, expect=422)
        self.assertEqual(sorted(c for c, _ in error_codes(e)), ["amount_not_positive", "type", "unknown_field"])
        r1 = self.refund(ent, {"amount": "900", "reason": "overpaid by mistake"})
        self.assertEqual((r1["status"], r1["amount"], r1["reason"], r1["decided_by"]),
                         ("requested", "900", "overpaid by mistake", None))
        # what pending requests ask is not asked twice
        e = self.refund(ent, {"amount": "101"}, expect=422)
        self.assertIn("900", e["errors"][0]["message"])
        self.assertEqual(self.credits(ent)["refunds_pending"], "900")
        # only an officer decides; the request must be this enterprise's
        for token in (ent, "admin", "risk", "bank"):
            self.decide_refund(ent, r1["id"], {"approve": True}, token=token, expect=403)
        self.decide_refund(OTHER, r1["id"], {"approve": True}, expect=404)
        self.decide_refund(ent, 999999, {"approve": True}, expect=404)
        self.decide_refund(ent, "x1", {"approve": True}, expect=404)
        e = self.decide_refund(ent, r1["id"], {"approve": "yes", "note": 5}, expect=422)
        self.assertEqual(sorted(error_codes(e)), [("type", "/approve"), ("type", "/note")])
        self.assertEqual(self.credits(ent)["available"], "1000")  # nothing refunded yet
        d = self.decide_refund(ent, r1["id"], {"approve": True, "note": "to account 0011"})
        self.assertEqual((d["status"], d["decided_by"], d["sources"]),
                         ("approved", CUSTOMS, [{"declaration": a, "amount": "900"}]))
        e = self.decide_refund(ent, r1["id"], {"approve": True}, expect=409)
        self.assertEqual(error_codes(e)[0][0], "refund_decided")
        led = self.ledger(a)
        self.assertEqual([x["kind"] for x in led["entries"]], ["assessed", "paid", "credit", "refunded"])
        self.assertEqual((led["credited"], led["credit_left"]), ("1000", "100"))
        self.assertEqual([e["action"] for e in self.events(a, ent, ledger=True)][-1], "ledger.refunded")
        # asked while there was credit, spent meanwhile: the officer's approval is refused
        r2 = self.refund(ent, {"amount": "100"})
        self.apply(ent, {"declaration": b, "amount": "60"}, token="officer")
        e = self.decide_refund(ent, r2["id"], {"approve": True}, expect=409)
        self.assertEqual(error_codes(e)[0][0], "credit_insufficient")
        self.assertIn("VND 40 of credit left", e["errors"][0]["message"])
        d = self.decide_refund(ent, r2["id"], {"approve": False, "note": "credit used meanwhile"})
        self.assertEqual((d["status"], d["sources"]), ("rejected", []))
        cr = self.credits(ent)
        self.assertEqual((cr["available"], cr["refunded"], cr["used"], cr["refunds_pending"]),
                         ("40", "900", "60", "0"))
        self.assertEqual([(x["id"], x["status"]) for x in cr["refunds"]],
                         [(r1["id"], "approved"), (r2["id"], "rejected")])

    # ---- reconciliation as CSV -------------------------------------------------------------------

    def test_daily_reconciliation_csv(self):
        r = self.registered()
        due = self.owed(r)
        payer = 'Hanoi "Star", Ltd'
        for txn, amount in (("CSV-A", 1000), ("CSV-B", due - 1000)):
            self.pay_raw({"bank_transaction_id": txn, "payer": payer, "paid_at": TODAY.isoformat(),
                          "lines": [{"declaration": r["number"], "amount": str(amount)}]},
                         token="bank2")
        path = "/api/v1/banks/me/reconciliation?date=%s" % TODAY.isoformat()
        st, js, _ = self.call("GET", path, "bank2")
        st, text, h = self.call("GET", path + "&format=csv", "bank2")
        self.assertEqual(st, 200, text)
        self.assertTrue(h["Content-Type"].startswith("text/csv"), h["Content-Type"])
        self.assertIn('"Hanoi ""Star"", Ltd"', text)  # RFC 4180 quoting
        self.assertTrue(text.endswith("\r\n"))
        import csv
        import io
        rows = list(csv.reader(io.StringIO(text, newline="")))
        self.assertEqual(rows[0], ["bank_transaction_id", "payer", "paid_at", "booked_at", "amount"])
        self.assertEqual(len(rows), js["count"] + 2)  # header, one row per payment, the total
        self.assertEqual([(x[0], x[1], x[4]) for x in rows[1:-1] if x[0].startswith("CSV-")],
                         [("CSV-A", payer, "1000"), ("CSV-B", payer, str(due - 1000))])
        self.assertEqual([x[0] for x in rows[1:-1]], [p["bank_transaction_id"] for p in js["payments"]])
        self.assertEqual(rows[-1], ["TOTAL", "", "", "", js["total"]])
        self.assertEqual(sum(int(x[4]) for x in rows[1:-1]), int(js["total"]))
        # Accept: text/csv asks the same; an unknown format is refused; an empty day has a total
        st, text2, _ = self.call("GET", path, "bank2", headers={"Accept": "text/csv"})
        self.assertEqual((st, text2), (200, text))
        st, e, _ = self.call("GET", path + "&format=xml", "bank2")
        self.assertEqual((st, error_codes(e)), (422, [("format", "")]))
        st, text, _ = self.call("GET", "/api/v1/banks/me/reconciliation?date=2000-01-01&format=csv",
                                "bank2")
        self.assertEqual(text, "bank_transaction_id,payer,paid_at,booked_at,amount\r\nTOTAL,,,,0\r\n")
        self.assertEqual(self.call("GET", path + "&format=csv", "officer")[0], 403)

    def test_party_key_only_for_banks(self):
        p = run_cli("party", "key", "--db", self.env.db, "--party", ACTIVE, "--public-key",
                    self.env.keys["bank"].replace(".key", ".pub"), check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("not a bank", p.stderr)
class T15Debts(OwnEnvCase):
    """e-Payment reports: the enterprise statement (and the AEO monthly statement),
    overdue debts derived from the ledger, and the registration refusal they feed. Its own
    database: the tests move declarations back in time in the SQLite file, as time would."""
    env_name = "debts"
    # age() moves dates back in the database behind the service's back: exactly what the
    # audit trail reports (test_trust.py tests that), so this database is not verified
    skip_audit_verify = True

    enterprise = T12Payments.enterprise
    registered_for = T12Payments.registered_for
    owed = T12Payments.owed
    guarantee = T12Payments.guarantee
    apply = T12Payments.apply

    def age(self, number, days):
        """Moves a declaration and its ledger `days` days back (bookings, registration, release,
        the end of its guarantees)."""
        s = days * 86400
        con = self.env.connect_db()
        with con:
            (did,) = con.execute("SELECT id FROM declarations WHERE number = ?", (number,)).fetchone()
            con.execute("UPDATE declarations SET created_at = created_at - ?, updated_at = updated_at - ?,"
                        " registered_at = registered_at - ?, cleared_at = CASE WHEN cleared_at > 0"
                        " THEN cleared_at - ? ELSE 0 END WHERE id = ?", (s, s, s, s, did))
            rows = con.execute("SELECT seq, due FROM ledger_entries WHERE decl_id = ?", (did,)).fetchall()
            for seq, due in rows:
                if due:
                    d = datetime.datetime.strptime(str(due), "%Y%m%d").date() - datetime.timedelta(days=days)
                    due = int(d.strftime("%Y%m%d"))
                con.execute("UPDATE ledger_entries SET at = at - ?, due = ? WHERE decl_id = ? AND seq = ?",
                            (s, due, did, seq))
            # the unpaid declarations' first assessment (schema migration 7) moves with the ledger
            con.execute("UPDATE ledger_unpaid SET assessed_at = assessed_at - ? WHERE decl_id = ?", (s, did))
        con.close()

    def statement(self, ent, query, token=None, expect=200, headers=None):
        st, b, h = self.call("GET", "/api/v1/enterprises/%s/statement?%s" % (ent, query),
                             token or ent, headers=headers)
        self.assertEqual(st, expect, b)
        return b

    def overdue(self, ent=None, query=""):
        st, b, _ = self.call("GET", "/api/v1/debts/overdue" + query, "officer")
        self.assertEqual(st, 200, b)
        if ent is None:
            return b
        found = [e for e in b["enterprises"] if e["enterprise"] == ent]
        return found[0] if found else None

    def can_register(self, ent):
        d = self.create(ent, declaration(importer=ent))
        st, b, _ = self.call("POST", "/api/v1/declarations/%s/register" % d["id"], ent)
        return st, b

    def period(self, frm, to):
        return "from=%s&to=%s" % (frm.isoformat(), to.isoformat())

    # ---- overdue debts and the registration stage -----------------------------------------

    def test_guaranteed_debt_overdue_more_than_90_days_refuses_registration(self):
        ent = self.enterprise()
        a, da = self.registered_for(ent)
        g = self.guarantee({"guarantee_id": "G90-" + ent, "type": "separate", "enterprise": ent,
                            "amount": str(da), "valid_until": (TODAY + datetime.timedelta(days=10)).isoformat(),
                            "declarations": [a]})
        self.assertEqual(g["declarations"][0]["status"], "cleared")  # released under the guarantee
        self.assertIsNone(self.overdue(ent))  # the guarantee still runs
        # 100 days later: the guarantee ended 90 days ago, the tax is still unpaid
        self.age(a, 100)
        o = self.overdue(ent)
        end = TODAY - datetime.timedelta(days=90)
        self.assertEqual((o["overdue_amount"], o["days_overdue"], o["oldest_due"]),
                         (str(da), 90, end.isoformat()))
        self.assertEqual([(x["declaration"], x["unpaid"], x["due"], x["days_overdue"])
                          for x in o["declarations"]], [(a, str(da), end.isoformat(), 90)])
        st, b = self.can_register(ent)  # 90 days: not more than 90, registered
        self.assertEqual(st, 200, b)
        # one day more: refused, the ledger's days named
        self.age(a, 1)
        self.assertEqual(self.overdue(ent)["days_overdue"], 91)
        st, b = self.can_register(ent)
        self.assertEqual((st, error_codes(b)), (422, [("tax_debt_overdue", "/importer/tax_code")]), b)
        self.assertIn("91 days", b["errors"][0]["message"])
        self.assertIn("tax ledger", b["errors"][0]["message"])
        # paid (with the interest): nothing overdue any more, registration accepted again
        self.pay([(a, 2 * da)])
        self.assertEqual(self.ledger(a)["outstanding"], "0")
        self.assertIsNone(self.overdue(ent))
        st, b = self.can_register(ent)
        self.assertEqual(st, 200, b)

    def test_old_paid_history_is_not_read_an_old_unpaid_declaration_refuses(self):
        # the registration check reads what an enterprise owes (ledger_unpaid), not
        # every declaration it was ever assessed for; paid declarations leave it, however many
        ent = self.enterprise()
        paid = [self.registered_for(ent) for _ in range(12)]
        self.pay(paid)
        for n, _ in paid:
            self.assertEqual(self.ledger(n)["outstanding"], "0")
            self.age(n, 400)
        con = self.env.connect_db()  # either engine
        owed = lambda: con.execute("SELECT COUNT(*) FROM ledger_unpaid WHERE party = ?", (ent,)).fetchone()[0]
        try:
            self.assertEqual(owed(), 0)
            self.assertIsNone(self.overdue(ent))
            st, b = self.can_register(ent)  # a year of paid history: registered
            self.assertEqual(st, 200, b)
            self.assertEqual(owed(), 1)  # the one just registered owes its taxes
            # one old declaration released under a guarantee that ended 110 days ago, unpaid
            a, da = self.registered_for(ent)
            self.guarantee({"guarantee_id": "GH-" + ent, "type": "separate", "enterprise": ent,
                            "amount": str(da), "valid_until": (TODAY + datetime.timedelta(days=10)).isoformat(),
                            "declarations": [a]})
            self.age(a, 120)
            self.assertEqual(self.overdue(ent)["days_overdue"], 110)
            st, b = self.can_register(ent)
            self.assertEqual((st, error_codes(b)), (422, [("tax_debt_overdue", "/importer/tax_code")]), b)
            self.assertIn("110 days", b["errors"][0]["message"])
            # partly paid: still owed, still refused; paid in full (with its interest): registered
            self.pay([(a, 1)])
            st, b = self.can_register(ent)
            self.assertEqual(st, 422, b)
            self.pay([(a, 2 * da)])
            self.assertEqual(self.ledger(a)["outstanding"], "0")
            self.assertIsNone(self.overdue(ent))
            st, b = self.can_register(ent)
            self.assertEqual(st, 200, b)
            # what ledger_unpaid holds is what the ledger says is owed, declaration by declaration
            rows = con.execute(
                "SELECT DISTINCT d.number, CASE WHEN u.decl_id IS NULL THEN 0 ELSE 1 END"
                " FROM declarations d JOIN ledger_entries l ON l.decl_id = d.id"
                " LEFT JOIN ledger_unpaid u ON u.decl_id = d.id WHERE d.party = ?",
                (ent,)).fetchall()
            for number, listed in rows:
                owes = con.execute("SELECT SUM(CASE WHEN l.kind IN ('assessed', 'interest', 'credit') THEN l.amount"
                                   " WHEN l.kind IN ('paid', 'paid_by_credit') THEN -l.amount ELSE 0 END)"
                                   " FROM ledger_entries l JOIN declarations d ON d.id = l.decl_id"
                                   " WHERE d.number = ?", (str(number),)).fetchone()[0]
                self.assertEqual(bool(listed), owes > 0, number)
        finally:
            con.close()

    def test_the_greater_of_recorded_and_ledger_days_is_named(self):
        ent = self.enterprise()
        a, da = self.registered_for(ent)
        self.guarantee({"guarantee_id": "GR-" + ent, "type": "separate", "enterprise": ent,
                        "amount": str(da), "valid_until": (TODAY + datetime.timedelta(days=10)).isoformat(),
                        "declarations": [a]})
        self.age(a, 120)  # the ledger: 110 days overdue
        for recorded, days, source in (("95", 110, "tax ledger"), ("150", 150, "as recorded")):
            run_cli("party", "add", "--db", self.env.db, "--tax-code", ent, "--name", "Test " + ent,
                    "--overdue-debt-days", recorded)
            st, b = self.can_register(ent)
            self.assertEqual((st, error_codes(b)), (422, [("tax_debt_overdue", "/importer/tax_code")]), b)
            self.assertIn("%d days" % days, b["errors"][0]["message"])
            self.assertIn(source, b["errors"][0]["message"])

    def test_unreleased_unguaranteed_declaration_is_not_overdue(self):
        # goods held until paid: no debt falls due before release, however old
        ent = self.enterprise()
        a, da = self.registered_for(ent)
        self.age(a, 200)
        self.assertIsNone(self.overdue(ent))
        st, b = self.can_register(ent)
        self.assertEqual(st, 200, b)
        s = self.statement(ent, self.period(TODAY - datetime.timedelta(days=10), TODAY))
        self.assertEqual([(x["declaration"], x["opening"], x["closing"], x["due"], x["days_overdue"])
                          for x in s["declarations"] if x["declaration"] == a],
                         [(a, str(da), str(da), None, 0)])

    def test_aeo_deferral_falls_due_the_10th_of_next_month(self):
        ent = self.enterprise("--aeo")
        r = self.registered(ent, declaration(importer=ent))
        self.assertEqual(r["status"], "cleared")  # green AEO: released at registration
        n, due = r["number"], self.owed(r)
        self.assertIsNone(self.overdue(ent))
        # released 150 days ago: due the 10th of the month after, overdue since
        released = TODAY - datetime.timedelta(days=150)
        deadline = datetime.date(released.year + (released.month == 12), released.month % 12 + 1, 10)
        self.age(n, 150)
        o = self.overdue(ent)
        days = (TODAY - deadline).days
        self.assertGreater(days, 90)
        self.assertEqual((o["aeo"], o["overdue_amount"], o["days_overdue"], o["oldest_due"]),
                         (True, str(due), days, deadline.isoformat()))
        st, b = self.can_register(ent)
        self.assertEqual((st, error_codes(b)), (422, [("tax_debt_overdue", "/importer/tax_code")]), b)
        self.assertIn("%d days" % days, b["errors"][0]["message"])
        # min_days filters the report
        self.assertIsNone(self.overdue(ent, "?min_days=%d" % days))
        self.assertEqual(self.overdue(ent, "?min_days=%d" % (days - 1))["days_overdue"], days)

    def test_overdue_report_access_and_bad_input(self):
        for token in ("active", "bank"):
            st, b, _ = self.call("GET", "/api/v1/debts/overdue", token)
            self.assertEqual(st, 403, b)
        for q in ("?min_days=abc", "?min_days=-1", "?min_days="):
            st, b, _ = self.call("GET", "/api/v1/debts/overdue" + q, "officer")
            self.assertEqual((st, error_codes(b)), (422, [("integer", "min_days")]), q)
        st, b, _ = self.call("POST", "/api/v1/debts/overdue", "officer", {})
        self.assertEqual(st, 405, b)
        b = self.overdue()
        self.assertEqual((b["as_of"], b["min_days"]), (TODAY.isoformat(), 0))
        self.assertEqual(b["count"], len(b["enterprises"]))
        self.assertEqual(int(b["total"]), sum(int(e["overdue_amount"]) for e in b["enterprises"]))
        days = [e["days_overdue"] for e in b["enterprises"]]
        self.assertEqual(days, sorted(days, reverse=True))

    # ---- the enterprise statement ----------------------------------------------------------

    def test_statement_movements_balances_and_credit(self):
        ent = self.enterprise()
        a, da = self.registered_for(ent)
        self.age(a, 40)  # assessed 40 days ago
        b, db = self.registered_for(ent)
        self.pay([(a, 1000)])
        self.pay([(b, db + 5000)])  # overpaid: 5000 credited to the enterprise
        self.apply(ent, {"declaration": a, "amount": "3000"})
        # the period before today's movements: A assessed, nothing paid
        early = self.statement(ent, self.period(TODAY - datetime.timedelta(days=50),
                                                TODAY - datetime.timedelta(days=20)))
        self.assertEqual([x["declaration"] for x in early["declarations"]], [a])
        la = early["declarations"][0]
        self.assertEqual((la["opening"], la["assessed"], la["paid"], la["closing"]), ("0", str(da), "0", str(da)))
        self.assertEqual((early["opening_balance"], early["closing_balance"]), ("0", str(da)))
        # the last ten days: A carried over, paid in part (bank and credit), B assessed and overpaid
        s = self.statement(ent, self.period(TODAY - datetime.timedelta(days=10), TODAY))
        self.assertEqual((s["enterprise"], s["aeo"], s["deferred"], s["truncated"]), (ent, False, None, False))
        lines = {x["declaration"]: x for x in s["declarations"]}
        self.assertEqual(sorted(lines), sorted([a, b]))
        la, lb = lines[a], lines[b]
        self.assertEqual((la["opening"], la["assessed"], la["paid"], la["paid_by_credit"], la["closing"],
                          la["outstanding"], la["due"]),
                         (str(da), "0", "1000", "3000", str(da - 4000), str(da - 4000), None))
        self.assertEqual((lb["opening"], lb["assessed"], lb["paid"], lb["credited"], lb["credit_used"],
                          lb["closing"], lb["status"]),
                         ("0", str(db), str(db + 5000), "5000", "3000", "0", "cleared"))
        self.assertEqual(lb["released"], TODAY.isoformat())
        m = s["movements"]
        self.assertEqual((s["opening_balance"], m["assessed"], m["paid"], m["paid_by_credit"], m["credited"]),
                         (str(da), str(db), str(db + 6000), "3000", "5000"))
        # closing = opening + assessed + interest - paid - paid by credit + moved to credit
        self.assertEqual(int(s["closing_balance"]),
                         int(s["opening_balance"]) + int(m["assessed"]) + int(m["interest"]) -
                         int(m["paid"]) - int(m["paid_by_credit"]) + int(m["credited"]))
        self.assertEqual(s["closing_balance"], str(da - 4000))
        self.assertEqual(s["credit"], {"opening": "0", "credited": "5000", "used": "3000",
                                       "refunded": "0", "closing": "2000"})
        self.assertEqual(s["credit"]["closing"], self.credits_of(ent))
        self.assertEqual(s["overdue"], {"as_of": TODAY.isoformat(), "amount": "0", "days": 0})
        # a month: the same figures for this month's movements; an officer sees it too
        mo = self.statement(ent, "month=" + TODAY.strftime("%Y-%m"), token="officer")
        self.assertEqual(mo["from"], TODAY.replace(day=1).isoformat())
        nxt = (TODAY.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        self.assertEqual(mo["to"], (nxt - datetime.timedelta(days=1)).isoformat())
        self.assertEqual(mo["closing_balance"], str(da - 4000))
        # a period with nothing: no lines, zero totals
        empty = self.statement(ent, self.period(datetime.date(2001, 1, 1), datetime.date(2001, 1, 31)))
        self.assertEqual((empty["declarations"], empty["count"], empty["closing_balance"]), ([], 0, "0"))

    def credits_of(self, ent):
        st, b, _ = self.call("GET", "/api/v1/enterprises/%s/credits" % ent, ent)
        self.assertEqual(st, 200, b)
        return b["available"]

    def test_statement_csv(self):
        ent = self.enterprise()
        (a, da), (b, db) = [self.registered_for(ent) for _ in range(2)]
        self.pay([(a, da)])
        q = self.period(TODAY - datetime.timedelta(days=1), TODAY)
        js = self.statement(ent, q)
        st, text, h = self.call("GET", "/api/v1/enterprises/%s/statement?%s&format=csv" % (ent, q), ent)
        self.assertEqual(st, 200, text)
        self.assertTrue(h["Content-Type"].startswith("text/csv"), h["Content-Type"])
        import csv
        import io
        rows = list(csv.reader(io.StringIO(text, newline="")))
        self.assertEqual(rows[0], ["declaration", "status", "released", "opening", "assessed", "interest",
                                   "paid", "paid_by_credit", "credited", "credit_used", "refunded",
                                   "guaranteed", "closing", "outstanding", "due", "days_overdue"])
        self.assertEqual(len(rows), js["count"] + 2)
        self.assertEqual([r[0] for r in rows[1:-1]], [x["declaration"] for x in js["declarations"]])
        byn = {r[0]: r for r in rows[1:-1]}
        self.assertEqual((byn[a][1], byn[a][4], byn[a][6], byn[a][12]), ("cleared", str(da), str(da), "0"))
        self.assertEqual((byn[b][1], byn[b][4], byn[b][6], byn[b][12]), ("registered", str(db), "0", str(db)))
        self.assertEqual(rows[-1][0], "TOTAL")
        self.assertEqual((rows[-1][3], rows[-1][4], rows[-1][6], rows[-1][12]),
                         (js["opening_balance"], js["movements"]["assessed"], js["movements"]["paid"],
                          js["closing_balance"]))
        st, text2, _ = self.call("GET", "/api/v1/enterprises/%s/statement?%s" % (ent, q), ent,
                                 headers={"Accept": "text/csv"})
        self.assertEqual((st, text2), (200, text))
        st, j2, _ = self.call("GET", "/api/v1/enterprises/%s/statement?%s&format=json" % (ent, q), ent,
                              headers={"Accept": "text/csv"})
        self.assertEqual((st, j2["count"]), (200, js["count"]))

    def test_statement_access_and_bad_input(self):
        ent = self.enterprise()
        q = self.period(TODAY, TODAY)
        url = "/api/v1/enterprises/%s/statement?" % ent
        for token in ("active", "broker", "bank"):  # another enterprise, a broker, a bank
            st, b, _ = self.call("GET", url + q, token)
            self.assertEqual((st, error_codes(b)[0][0]), (403, "forbidden"), token)
        self.statement(ent, q)
        self.statement(ent, q, token="officer")
        st, b, _ = self.call("GET", "/api/v1/enterprises/0999999990/statement?" + q, "officer")
        self.assertEqual((st, error_codes(b)), (404, [("not_found", "")]), b)
        # every error at once, the query parameter as the path
        cases = [
            ("", [("required", "from"), ("required", "to")]),
            ("from=2026-02-30&to=yesterday&format=xml", [("date", "from"), ("date", "to"), ("format", "format")]),
            ("from=2026-03-10&to=2026-03-09", [("date_range", "to")]),
            ("month=2026-13", [("month", "month")]),
            ("month=2026-1", [("month", "month")]),
            ("month=2026-01&from=2026-01-01", [("period", "month")]),
        ]
        for query, expected in cases:
            st, b, _ = self.call("GET", url + query, "officer")
            self.assertEqual(st, 422, (query, b))
            self.assertEqual(sorted(error_codes(b)), sorted(expected), query)

    def test_aeo_monthly_statement(self):
        ent = self.enterprise("--aeo")
        rs = [self.registered(ent, declaration(importer=ent)) for _ in range(2)]
        self.assertEqual([r["status"] for r in rs], ["cleared", "cleared"])
        (a, da), (b, db) = [(r["number"], self.owed(r)) for r in rs]
        self.pay([(a, 1500)])
        deadline = datetime.date(TODAY.year + (TODAY.month == 12), TODAY.month % 12 + 1, 10)
        s = self.statement(ent, "month=" + TODAY.strftime("%Y-%m"))
        self.assertTrue(s["aeo"])
        d = s["deferred"]
        self.assertEqual((d["due"], d["total"], d["paid_since"], d["remaining"]),
                         (deadline.isoformat(), str(da + db), "1500", str(da + db - 1500)))
        self.assertEqual(sorted((x["declaration"], x["deferred"], x["due"], x["paid_since"], x["remaining"])
                                for x in d["declarations"]),
                         sorted([(a, str(da), deadline.isoformat(), "1500", str(da - 1500)),
                                 (b, str(db), deadline.isoformat(), "0", str(db))]))
        lines = {x["declaration"]: x["due"] for x in s["declarations"]}
        self.assertEqual(lines, {a: deadline.isoformat(), b: deadline.isoformat()})
        # not overdue before the 10th of next month
        self.assertEqual(s["overdue"]["days"], 0)
        # last month's statement: nothing was deferred then
        last = TODAY.replace(day=1) - datetime.timedelta(days=1)
        s = self.statement(ent, "month=" + last.strftime("%Y-%m"))
        self.assertEqual((s["deferred"]["total"], s["deferred"]["declarations"]), ("0", []))
