""" nonsense refused at the door. Each case of the issue is reproduced as it
was accepted before: customs office ZZZZ, a C/O of form ZZ / country XX / HS6 000000 / criterion
BOGUS / issued in the future / Form E issued by Vietnam for goods imported into Vietnam, payments
dated 1999 or 2030, invoices dated 1900 or 2030, a zero-value item on an A11 import, an exchange
rate 100x the previous week's, the same invoice or bill of lading declared twice."""
from harness import *  # noqa: F401,F403
import harness

DOOR_ASW = "0100777888"  # the ASEAN Single Window gateway (lodges e-C/Os)


class T14LawDoor(OwnEnvCase):
    env_name = "law-door"
    seq = 0

    @classmethod
    def setUpEnv(cls):
        cls.env.add_party(DOOR_ASW, "VNSW", "asw", key="asw")

    def fresh_decl(self, **over):
        """A declaration with its own invoice and bill of lading numbers (so that it is not a
        duplicate of another test's)."""
        T14LawDoor.seq += 1
        d = declaration(items=[item()])
        d["invoice"]["number"] = "DOOR-INV-%d-%d" % (os.getpid(), T14LawDoor.seq)
        d["transport"]["bills_of_lading"] = ["DOORBL%d%04d" % (os.getpid() % 1000, T14LawDoor.seq)]
        d.update(over)
        return d

    # ---- customs offices ------------------------------------------------------------------

    def test_unknown_customs_office_refused(self):
        st, b, _ = self.call("POST", "/api/v1/declarations", "active", self.fresh_decl(customs_office="ZZZZ"))
        self.assert_errors(st, b, [("customs_office_unknown", "/customs_office")])
        # the seeded reference table knows Vietnam's offices, Cat Lai (02CI) among them
        st, b, _ = self.call("GET", "/api/v1/customs-offices", "active")
        self.assertEqual(st, 200, b)
        codes = {o["code"]: o for o in b["offices"]}
        self.assertIn("02CI", codes)
        self.assertGreaterEqual(len(codes), 20)
        self.assertNotIn("ZZZZ", codes)
        self.assertTrue(all(o["name"] for o in b["offices"]))

    def test_offices_are_managed_by_the_administration(self):
        body = {"name": "Test inland clearance depot", "province": "Ha Noi"}
        st, b, _ = self.call("PUT", "/api/v1/customs-offices/01T9", "officer", body)
        self.assertEqual(st, 403, b)
        st, b, _ = self.call("PUT", "/api/v1/customs-offices/ZZ1", "admin", body)
        self.assert_errors(st, b, [("office_code", "/code")])
        st, b, _ = self.call("PUT", "/api/v1/customs-offices/01T9", "admin", {"name": "", "x": 1})
        self.assert_errors(st, b, [("type", "/name"), ("unknown_field", "/x")])
        st, b, _ = self.call("PUT", "/api/v1/customs-offices/01T9", "admin", body)
        self.assertEqual(st, 200, b)
        self.assertEqual((b["code"], b["active"]), ("01T9", True))
        self.create(decl=self.fresh_decl(customs_office="01T9"))
        # closed: declarations to it are refused again
        st, b, _ = self.call("PUT", "/api/v1/customs-offices/01T9", "admin", dict(body, active=False))
        self.assertEqual(st, 200, b)
        st, b, _ = self.call("POST", "/api/v1/declarations", "active", self.fresh_decl(customs_office="01T9"))
        self.assert_errors(st, b, [("customs_office_closed", "/customs_office")])
        # the CLI manages the same table
        run_cli("office", "add", "--db", self.env.db, "--code", "01T8", "--name", "CLI depot")
        p = run_cli("office", "list", "--db", self.env.db)
        self.assertIn("01T8", p.stdout)
        self.assertIn("02CI", p.stdout)
        self.create(decl=self.fresh_decl(customs_office="01T8"))
        p = run_cli("office", "add", "--db", self.env.db, "--code", "ZZ", "--name", "x", check=False)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)

    # ---- certificates of origin ----------------------------------------------------------

    def lodge(self, expect=201, **over):
        T14LawDoor.seq += 1
        body = {"form": "E", "number": "E%02dCN%07d" % (TODAY.year % 100, 9000000 + T14LawDoor.seq),
                "issuing_country": "CN", "issue_date": (TODAY - datetime.timedelta(days=10)).isoformat(),
                "exporter": "Ningbo Garments Co", "importer": ACTIVE,
                "items": [{"hs6": "610910", "quantity": "1500", "fob_value": "4500",
                           "origin_criterion": "WO"}]}
        body.update(over)
        st, b, _ = self.call("POST", "/api/v1/certificates-of-origin", "asw", body)
        self.assertEqual(st, expect, b)
        return b

    def test_certificate_nonsense_refused_all_at_once(self):
        b = self.lodge(422, form="ZZ", issuing_country="XX",
                       issue_date=(TODAY + datetime.timedelta(days=400)).isoformat(),
                       items=[{"hs6": "000000", "quantity": "1", "fob_value": "1",
                               "origin_criterion": "BOGUS"}])
        got = error_codes(b)
        for e in [("co_form", "/form"), ("country", "/issuing_country"),
                  ("date_future", "/issue_date"), ("hs_code", "/items/0/hs6")]:
            self.assertIn(e, got)
        # with an unknown form, the criterion cannot be judged against it; with a known one it is
        b = self.lodge(422, items=[{"hs6": "610910", "quantity": "1", "fob_value": "1",
                                    "origin_criterion": "BOGUS"}])
        self.assertEqual(error_codes(b), [("origin_criterion", "/items/0/origin_criterion")])
        self.assertIn("WO", b["errors"][0]["message"])

    def test_form_e_issued_by_vietnam_for_vietnam_refused(self):
        b = self.lodge(422, issuing_country="VN")
        self.assertEqual(error_codes(b), [("co_issuer", "/issuing_country")], b)
        # Form E is issued by a party of ACFTA: not Japan either
        b = self.lodge(422, issuing_country="JP")
        self.assertEqual(error_codes(b), [("co_issuer", "/issuing_country")], b)
        # Form D (ATIGA) from Thailand with criterion RVC: fine
        self.lodge(201, form="D", issuing_country="TH",
                   number="D%02dTH%07d" % (TODAY.year % 100, 5000000 + T14LawDoor.seq),
                   items=[{"hs6": "610910", "quantity": "10", "fob_value": "30",
                           "origin_criterion": "RVC"}])

    def test_form_list(self):
        st, b, _ = self.call("GET", "/api/v1/reference/co-forms", "active")
        self.assertEqual(st, 200, b)
        forms = {f["form"]: f for f in b["forms"]}
        self.assertIn("CN", forms["E"]["parties"])
        self.assertIn("VN", forms["E"]["parties"])
        self.assertIn("WO", forms["E"]["criteria"])
        self.assertIn("legal_ref", forms["E"])

    def test_declaration_certificate_form_unknown(self):
        d = self.fresh_decl()
        d["items"][0]["certificate_of_origin"] = {"form": "ZZ", "number": "ZZ1"}
        d["items"][0]["origin"] = "XX"
        st, b, _ = self.call("POST", "/api/v1/declarations", "active", d)
        self.assert_errors(st, b, [("co_form", "/items/0/certificate_of_origin/form"),
                                   ("country", "/items/0/origin")])

    # ---- dates within sane windows --------------------------------------------------------

    def test_invoice_dates(self):
        for date, code in [("1900-01-01", "date_too_old"), ("2030-01-01", "date_future"),
                           ((TODAY + datetime.timedelta(days=1)).isoformat(), "date_future")]:
            d = self.fresh_decl()
            d["invoice"]["date"] = date
            st, b, _ = self.call("POST", "/api/v1/declarations", "active", d)
            self.assert_errors(st, b, [(code, "/invoice/date")])
        d = self.fresh_decl()
        d["invoice"]["date"] = (TODAY - datetime.timedelta(days=400)).isoformat()
        self.create(decl=d)

    def test_payment_dates(self):
        r = self.registered(decl=self.fresh_decl())
        due = self.ledger(r["number"])["outstanding"]
        for paid_at, code in [("1999-06-01T10:00:00Z", "date_too_old"), ("2030-01-01", "date_future")]:
            b = self.pay_raw({"bank_transaction_id": "DOOR-%s" % paid_at, "payer": ACTIVE,
                              "paid_at": paid_at,
                              "lines": [{"declaration": r["number"], "amount": due}]}, expect=422)
            self.assertIn((code, "/paid_at"), error_codes(b))
        self.assertEqual(self.ledger(r["number"])["paid"], "0")

    # ---- values ---------------------------------------------------------------------------

    def test_zero_value_item_on_a11(self):
        d = self.fresh_decl()
        d["items"] = [item(), dict(item("85044019", "10", "0", desc="Chargers"), value="0")]
        d["invoice"]["total"] = d["items"][0]["value"]
        st, b, _ = self.call("POST", "/api/v1/declarations", "active", d)
        self.assert_errors(st, b, [("value_zero", "/items/1/value")])

    # ---- the same invoice or bill of lading twice -----------------------------------------

    def test_duplicate_invoice_and_bill_of_lading(self):
        d = self.fresh_decl()
        first = self.registered(decl=d)
        self.assertNotIn("duplicate_invoice", [w["code"] for w in first.get("warnings", [])])
        second = self.registered(decl=d)
        w = {x["code"]: x for x in second.get("warnings", [])}
        self.assertIn("duplicate_invoice", w, second)
        self.assertIn("duplicate_bill_of_lading", w, second)
        self.assertEqual(w["duplicate_invoice"]["declarations"], [first["number"]])
        # another enterprise with the same invoice number: not a duplicate of this one's
        other = self.registered("other", decl=dict(d, importer=dict(d["importer"], tax_code=OTHER)))
        self.assertNotIn("duplicate_invoice", [x["code"] for x in other.get("warnings", [])])
        # a risk input: a rule on duplicates selects the next one
        self.rule(name="door duplicates", duplicate_document=True, action="yellow")
        third = self.registered(decl=d)
        self.assertEqual(third["channel"], "yellow", third)
        fresh = self.registered(decl=self.fresh_decl())
        self.assertEqual(fresh["channel"], "green", fresh)
        ev = [e for e in self.events(third["number"]) if e["action"] == "idc"][0]
        self.assertIn("duplicate_invoice", json.dumps(ev["detail"]))


class T14LawDoorRates(OwnEnvCase):
    """Its own database: it moves the USD rate."""
    env_name = "law-door-fx"

    def put(self, rates, confirm=None, expect=200):
        body = {"rates": rates}
        if confirm is not None:
            body["confirm"] = confirm
        st, b, _ = self.call("PUT", "/api/v1/exchange-rates", "admin", body)
        self.assertEqual(st, expect, b)
        return b

    def test_rate_jump_needs_confirmation(self):
        nxt = TODAY + datetime.timedelta(days=61)  # the week after the seeded period
        week = {"currency": "USD", "valid_from": nxt.isoformat(),
                "valid_to": (nxt + datetime.timedelta(days=6)).isoformat(), "source": "SBV"}
        # the issue's case: 100x the previous period
        b = self.put([dict(week, vnd_per_unit="2545000")], expect=422)
        self.assertEqual(error_codes(b), [("rate_jump", "/rates/0/vnd_per_unit")])
        self.assertIn("25450", b["errors"][0]["message"])
        # 5 % is the limit: 26,722.5 is +5 % exactly, accepted; 26,723 is not
        b = self.put([dict(week, vnd_per_unit="26723")], expect=422)
        self.put([dict(week, vnd_per_unit="26722.5")])
        # a move confirmed on purpose is accepted and audited
        self.put([dict(week, vnd_per_unit="2545000")], confirm="yes", expect=422)
        self.put([dict(week, vnd_per_unit="30000")], confirm=True)
        st, b, _ = self.call("GET", "/api/v1/admin/audit?chain=exchange_rates", "admin")
        self.assertEqual(st, 200, b)
        confirmed = [e for e in b["events"] if e["action"] == "fx.confirmed_jump"]
        self.assertEqual(len(confirmed), 1, b)
        self.assertEqual(confirmed[0]["detail"]["currency"], "USD")
        self.assertEqual(confirmed[0]["detail"]["previous"], "25450")
        self.assertEqual(confirmed[0]["detail"]["vnd_per_unit"], "30000")
        # a currency's first rate has nothing to be compared with
        self.put([{"currency": "JPY", "vnd_per_unit": "170.5", "valid_from": TODAY.isoformat(),
                   "valid_to": (TODAY + datetime.timedelta(days=6)).isoformat(), "source": "SBV"}])
